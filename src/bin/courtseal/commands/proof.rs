//! `courtseal proof`.

use anyhow::Result;

use courtseal::proof;

use super::{read_small, write_new_file, Done, Named};
use crate::config::{ProofConfig, SIDECAR_BYTES};
use crate::exit;

/// Writes the offline proof of one segment, and its packet windows next to it.
pub fn run(c: &ProofConfig) -> Result<Done> {
    let p = proof::make_proof(&c.session, &c.segment)?;
    let sidecar = proof::sidecar_for(&c.session, &p);
    let windows = match &sidecar {
        Some(s) => Some(read_small(
            s,
            Named::InSession,
            "packet-window file",
            SIDECAR_BYTES,
        )?),
        None => None,
    };
    write_new_file(&c.output, &p.to_text())?;
    let size = courtseal::note::split(&p.checkpoint)
        .ok()
        .and_then(|(t, _)| courtseal::checkpoint::Checkpoint::parse(&t).ok())
        .map_or(0, |c| c.size);
    let mut out = format!(
        "wrote {}: segment {} (log entry {} of {}), checkpoint included\n",
        c.output.display(),
        c.segment,
        p.index + 1,
        size
    );
    if let Some(bytes) = windows {
        write_new_file(&c.sidecar_output, &bytes)?;
        out.push_str(&format!(
            "wrote {}: the segment's packet windows (lets verify-file say what changed in a copy)\n",
            c.sidecar_output.display()
        ));
    }
    Ok(Done::new(out, exit::OK))
}
