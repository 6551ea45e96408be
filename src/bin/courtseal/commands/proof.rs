//! `courtseal proof`.

use anyhow::{bail, Result};

use courtseal::proof;
use courtseal::store::source::ReadError;

use super::{load_trust, write_new_file, Done};
use crate::config::{ProofConfig, SIDECAR_BYTES};
use crate::exit;

/// Writes the offline proof of one segment, and its packet windows next to
/// it; or the single-file bundle of both; or all three.
pub fn run(c: &ProofConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let p = proof::make_proof(&c.session, &c.segment)?;
    // Nothing is written for a checkpoint the recipient could not rely on.
    proof::check_provable(&c.session, &p, &trust)?;
    // Read through the session's door: a link, on the way or as the file,
    // never leads out of the session.
    let windows = match proof::read_sidecar(&c.session, &p, SIDECAR_BYTES) {
        None => None,
        Some(Ok(bytes)) => Some(bytes),
        Some(Err(e)) => {
            let shown = proof::sidecar_for(&c.session, &p).unwrap_or_default();
            match e {
                ReadError::NotRegular => bail!(
                    "{}: not a regular file inside the session; cannot read the packet-window file",
                    shown.display()
                ),
                ReadError::TooLarge(_) => bail!(
                    "{}: too large for a packet-window file (more than {SIDECAR_BYTES} bytes)",
                    shown.display()
                ),
                e => bail!(
                    "{}: cannot read the packet-window file: {e}",
                    shown.display()
                ),
            }
        }
    };
    let size = courtseal::note::split(&p.checkpoint)
        .ok()
        .and_then(|(t, _)| courtseal::checkpoint::Checkpoint::parse(&t).ok())
        .map_or(0, |c| c.size);
    let mut out = String::new();
    if let Some(bundle_path) = &c.bundle {
        let bundle = proof::make_bundle(&c.session, &c.segment, windows.clone(), &trust)?;
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
