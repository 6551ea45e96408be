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
        let at = courtseal::entry::now_utc();
        // One line, whatever the folder is called: it is a line of the note.
        let archive_id = courtseal::format::origin::escape(
            &std::fs::canonicalize(&c.archive)
                .unwrap_or_else(|_| c.archive.clone())
                .display()
                .to_string(),
        )
        .replace('\n', "\\u000A");
        let named_zone = crate::output::text::named_zone();
        let ctx = audit::ActContext {
            colophon: courtseal::document::Colophon {
                version: env!("CARGO_PKG_VERSION"),
                command: &c.command_line,
                made_at: time::OffsetDateTime::now_utc(),
                zone: named_zone.as_ref(),
            },
            archive_id: archive_id.clone(),
            signer: signer.as_ref().map(|s| audit::ActSigner {
                person: act.archivist.clone(),
                role: act.archivist_role.clone(),
                key_name: s.name().to_owned(),
                key_id: format!("{:08x}", s.verifier().key_id()),
                at: at.clone(),
            }),
        };
        let page = audit::act_html(&report, &ctx);
        let (digest, _) = audit::act_sha256(page.as_bytes()).map_err(anyhow::Error::msg)?;
        write_new_file(&act.html, page.as_bytes())?;
        if let (Some(signer), Some((_, sig))) = (&signer, &act.sign) {
            let statement = audit::act_text_v2(&digest, &at, &archive_id, &audit::summary(&report));
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
