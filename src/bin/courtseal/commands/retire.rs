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
    // The list first: what will be deleted is shown before it is.
    let plan = courtseal::retire::would_retire(&c.session, &trust, c.retention, c.today, c.force)?;
    let total: u64 = plan.iter().map(|(_, n)| n).sum();
    let mut list = format!(
        "{}: {} media file(s), {total} bytes, {}:\n",
        c.session.display(),
        plan.len(),
        if c.dry_run {
            "would be deleted (dry run: nothing is written or deleted)"
        } else {
            "to be deleted"
        }
    );
    for (name, size) in &plan {
        list.push_str(&format!("  {name}  {size} bytes\n"));
    }
    if c.dry_run {
        list.push_str("the log, packet windows and checkpoints would be kept\n");
        return Ok(Done::new(list, exit::OK));
    }
    eprint!("{}", courtseal::format::origin::escape(&list));
    let r = courtseal::retire::retire(
        &c.session,
        &archivist,
        &trust,
        &c.basis,
        c.retention,
        c.today,
        c.force,
    )?;
    let mut out = format!(
        "{}: retired by {} at {}: {} media file(s) deleted; the log, packet windows and checkpoints are kept (checkpoint {} entries)\n",
        c.session.display(),
        archivist.name(),
        r.entry.at,
        r.deleted.len(),
        r.checkpoint.size
    );
    if let (Some(b), Some(open)) = (&r.entry.relied_on, &r.entry.open_findings) {
        out.push_str(&format!(
            "relied on: sealed verdict in force {} (record revision {}, log line {}), retention {}, deadline {}\nopen findings recorded: {}\n",
            b.verdict_in_force,
            b.record_revision,
            b.record_line,
            b.retention,
            b.deadline,
            if open.is_empty() { "none".to_owned() } else { open.join(", ") }
        ));
    }
    for (name, why) in &r.kept {
        out.push_str(&format!("{name}: {why}\n"));
    }
    Ok(Done::new(out, exit::OK))
}
