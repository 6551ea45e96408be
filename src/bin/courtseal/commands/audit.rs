//! `courtseal audit`: every session below an archive, with its act.

use anyhow::Result;

use courtseal::audit::{self, AuditOptions};
use courtseal::finding::Finding;
use courtseal::keys;

use super::{load_trust, write_new_file, Done};
use crate::config::AuditConfig;
use crate::exit;
use crate::output::{json, text};
use crate::progress::AuditProgress;

/// Audits the archive, writes the act (and signs it) when asked.
pub fn run(c: &AuditConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    // Loaded before the work: a bad key must not cost a whole audit.
    let signer = match c.act.as_ref().and_then(|a| a.sign.as_ref()) {
        Some((key, _)) => Some(std::sync::Arc::new(keys::load_signer(key)?)),
        None => None,
    };
    let opts = AuditOptions {
        retention: c.retention,
        due_within_days: c.due_within_days,
        today: c.today,
        state: Some(c.state.clone()),
        resume: c.resume,
        strict: c.strict,
        // The act's key also signs each result kept for --resume.
        state_key: signer.clone().map(audit::StateKey),
    };
    let progress = AuditProgress::new(c.progress, std::time::Instant::now());
    let report = audit::audit(&c.archive, &trust, &opts, &progress)?;
    progress.finish();
    if let Some(act) = &c.act {
        let page = audit::act_html(&report, env!("CARGO_PKG_VERSION"));
        write_new_file(&act.html, page.as_bytes())?;
        if let (Some(signer), Some((_, sig))) = (&signer, &act.sign) {
            let name = act
                .html
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let statement = audit::act_text(
                &name,
                &audit::act_digest(page.as_bytes()),
                &courtseal::entry::now_utc(),
                &report.archive,
                &audit::summary(&report),
            );
            let note = signer.sign(&statement)?;
            write_new_file(sig, note.as_bytes())?;
        }
    }
    let out = if c.json {
        json::audit(&report)?
    } else {
        text::audit_text(&report, c.due_within_days)
    };
    let mut all: Vec<Finding> = report.findings.clone();
    for s in &report.sessions {
        all.extend(s.findings.iter().cloned());
    }
    Ok(Done::new(out, exit::for_findings(&all)))
}
