//! `courtseal retire`.

use anyhow::{bail, Result};

use courtseal::keys;

use super::{load_trust, read_small_text, Done, Named};
use crate::config::{add_period, RetireConfig, RECORD_BYTES, YEARS};
use crate::exit;

/// Records the signed destruction entry and deletes the media.
pub fn run(c: &RetireConfig) -> Result<Done> {
    let archivist = keys::load_signer(&c.key)?;
    let trust = load_trust(&c.trust)?;
    deadline_in_range(c)?;
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

/// Refuses a verdict date in SESSION/record.toml (the file retire reads)
/// whose deadline, with the retention period, would leave the calendar.
fn deadline_in_range(c: &RetireConfig) -> Result<()> {
    let path = c.session.join("record.toml");
    if path.symlink_metadata().is_err() {
        // Retire says itself that the record is missing.
        return Ok(());
    }
    // A FIFO or a device here would hang the read: refused.
    let text = read_small_text(&path, Named::InSession, "short-form record", RECORD_BYTES)?;
    let verdict = courtseal::record::parse(&text)
        .ok()
        .and_then(|r| r.verdict_in_force)
        .and_then(|v| courtseal::audit::parse_date(&v).map(|d| (v, d)));
    if let Some((v, d)) = verdict {
        let inside = |d: time::Date| YEARS.contains(&d.year());
        if !(inside(d) && add_period(d, c.retention).is_some_and(inside)) {
            bail!(
                "{}: verdict_in_force {v} is outside the years {} to {} that courtseal handles, or its retention deadline is",
                path.display(),
                YEARS.start(),
                YEARS.end()
            );
        }
    }
    Ok(())
}
