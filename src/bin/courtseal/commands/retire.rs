//! `courtseal retire`.

use anyhow::Result;

use courtseal::keys;

use super::{load_trust, Done};
use crate::config::RetireConfig;
use crate::exit;

/// Records the signed destruction entry and deletes the media.
pub fn run(c: &RetireConfig) -> Result<Done> {
    let archivist = keys::load_signer(&c.key)?;
    let trust = load_trust(&c.trust)?;
    let r = courtseal::retire::retire(
        &c.session,
        &archivist,
        &trust,
        &c.basis,
        c.retention,
        c.today,
        c.force,
    )?;
    Ok(Done::new(
        format!(
            "{}: retired by {} at {}: {} media file(s) deleted; the log, packet windows and checkpoints are kept (checkpoint {} entries)\n",
            c.session.display(),
            archivist.name(),
            r.entry.at,
            r.deleted.len(),
            r.checkpoint.size
        ),
        exit::OK,
    ))
}
