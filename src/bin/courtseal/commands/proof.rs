//! `courtseal proof`.

use anyhow::Result;

use courtseal::proof;

use super::{load_trust, read_small, write_new_file, Done, Named};
use crate::config::{ProofConfig, SIDECAR_BYTES};
use crate::exit;

/// Writes the offline proof of one segment, and its packet windows next to
/// it; or the single-file bundle of both; or all three.
pub fn run(c: &ProofConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let p = proof::make_proof(&c.session, &c.segment)?;
    // Nothing is written for a checkpoint the recipient could not rely on.
    proof::check_provable(&c.session, &p, &trust)?;
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
    let size = courtseal::note::split(&p.checkpoint)
        .ok()
        .and_then(|(t, _)| courtseal::checkpoint::Checkpoint::parse(&t).ok())
        .map_or(0, |c| c.size);
    let mut out = String::new();
    if let Some(bundle_path) = &c.bundle {
        let bundle = proof::make_bundle(&c.session, &c.segment, windows.clone())?;
        write_new_file(bundle_path, &bundle.to_bytes())?;
        out.push_str(&format!(
            "wrote {}: segment {} (log entry {} of {}): proof, checkpoint{} in one file\n",
            bundle_path.display(),
            c.segment,
            p.index + 1,
            size,
            if windows.is_some() {
                " and packet windows"
            } else {
                ""
            }
        ));
    }
    if let Some(output) = &c.output {
        write_new_file(output, &p.to_text())?;
        out.push_str(&format!(
            "wrote {}: segment {} (log entry {} of {}), checkpoint included\n",
            output.display(),
            c.segment,
            p.index + 1,
            size
        ));
        if let (Some(bytes), Some(sidecar_output)) = (windows, &c.sidecar_output) {
            write_new_file(sidecar_output, &bytes)?;
            out.push_str(&format!(
                "wrote {}: the segment's packet windows (lets verify-file say what changed in a copy)\n",
                sidecar_output.display()
            ));
        }
    }
    Ok(Done::new(out, exit::OK))
}
