//! Auditing a whole archive: every session below a folder verified (and
//! checked against its short-form record when it has one), in parallel,
//! with retention deadlines, resumable after an interruption.

use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::digest::Sha256Digest;
use crate::finding::{Code, Finding, Severity};
use crate::keys::TrustStore;
use crate::session::TOOL_DIR;
use crate::timeline::{self, CheckOptions};
use crate::verify::{self, SegmentState, VerifyOptions};

pub use crate::retention::{parse_date, DeadlineOverflow, Retention, RetentionState};

/// One session's audit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAudit {
    /// Path relative to the archive.
    pub session: String,
    /// `intact`, `damaged`, `unsealed`, `retired` or `unreadable`.
    pub status: String,
    /// Number of segments sealed.
    pub segments: usize,
    /// Bytes of the segment files checked.
    pub bytes: u64,
    /// Segments changed.
    pub changed: Vec<String>,
    /// Segments missing.
    pub missing: Vec<String>,
    /// Files not sealed.
    pub unsealed: Vec<String>,
    /// The sealed verdict-in-force date (from the record in force in the
    /// log, signed by a key whose role may sign one), if any. A date only in
    /// the unsigned record file is never used.
    pub verdict_in_force: Option<String>,
    /// The retention deadline, if known.
    pub deadline: Option<String>,
    /// Retention state.
    pub retention: RetentionState,
    /// Every finding of the session (verify and, with a record, check).
    pub findings: Vec<Finding>,
}

/// The audit of an archive.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// The archive folder.
    pub archive: String,
    /// The date the audit was made (the "today" used for retention).
    pub date: String,
    /// The retention policy applied.
    pub retention: Retention,
    /// Sessions, by path.
    pub sessions: Vec<SessionAudit>,
    /// Problems with the archive itself (unreadable folders, …).
    pub findings: Vec<Finding>,
    /// Sessions taken from the resume state without rechecking.
    pub resumed: usize,
}

/// Options of an audit.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Retention policy.
    pub retention: Retention,
    /// Report sessions whose deadline falls within this many days.
    pub due_within_days: i64,
    /// The audit's date.
    pub today: Date,
    /// State file for resuming (results are appended as sessions finish).
    pub state: Option<PathBuf>,
    /// Reuse results recorded in the state file for unchanged sessions.
    pub resume: bool,
}

/// Progress of an audit, reported from worker threads.
pub trait AuditProgress: Sync {
    /// Total bytes and files to check, once known.
    fn start(&self, bytes: u64, files: u64);
    /// `bytes` more of one file were checked.
    fn file_done(&self, bytes: u64);
    /// A session was finished.
    fn session_done(&self, session: &str);
}

/// Finds the session folders (those holding `courtseal/log.jsonl` or a
/// `record.toml`) below `archive`, without following symbolic links and
/// without going into a session. Unreadable folders are findings.
pub fn find_sessions(archive: &Path) -> (Vec<PathBuf>, Vec<Finding>) {
    let mut sessions = Vec::new();
    let mut findings = Vec::new();
    let mut it = walkdir::WalkDir::new(archive)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(e) = it.next() {
        let e = match e {
            Ok(e) => e,
            Err(err) => {
                let at = err
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                findings.push(Finding::error(
                    Code::ArchiveUnreadable,
                    at,
                    format!("cannot be read: {err}"),
                ));
                continue;
            }
        };
        if !e.file_type().is_dir() {
            continue;
        }
        let p = e.path();
        if p.join(TOOL_DIR).join("log.jsonl").is_file()
            || crate::store::layout::record_file(p).is_ok_and(|r| r.is_some())
        {
            sessions.push(p.to_owned());
            it.skip_current_dir();
        }
    }
    (sessions, findings)
}

/// A fingerprint of everything in a session that a result depends on:
/// every file's name, size and modification time.
fn fingerprint(root: &Path) -> String {
    let mut h = sha2::Sha256::default();
    use sha2::Digest as _;
    for e in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if let Ok(m) = e.metadata() {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            h.update(format!("{}\0{}\0{}\n", e.path().display(), m.len(), mtime).as_bytes());
        }
    }
    hex::encode(h.finalize())
}

#[derive(Serialize, Deserialize)]
struct StateLine {
    fingerprint: String,
    result: SessionAudit,
}

fn read_state(path: &Path) -> HashMap<String, StateLine> {
    let Ok(text) = fs::read_to_string(path) else {
        return HashMap::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<StateLine>(l).ok())
        .map(|s| (s.result.session.clone(), s))
        .collect()
}

/// Audits every session below `archive`.
pub fn audit(
    archive: &Path,
    trust: &TrustStore,
    opts: &AuditOptions,
    progress: &dyn AuditProgress,
) -> AuditReport {
    let (sessions, findings) = find_sessions(archive);
    let previous = match (&opts.state, opts.resume) {
        (Some(p), true) => read_state(p),
        _ => HashMap::new(),
    };
    let rel = |p: &Path| p.strip_prefix(archive).unwrap_or(p).display().to_string();
    // What is left to do, and its size, for the progress display.
    let mut todo = Vec::new();
    let mut reused = Vec::new();
    let (mut bytes, mut files) = (0u64, 0u64);
    for s in &sessions {
        let name = if rel(s).is_empty() {
            ".".to_owned()
        } else {
            rel(s)
        };
        let fp = fingerprint(s);
        match previous.get(&name) {
            Some(st) if st.fingerprint == fp => reused.push(st.result.clone()),
            _ => {
                for item in crate::session::scan(s) {
                    if let crate::session::ScanItem::File { path, .. } = item {
                        bytes += fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                        files += 1;
                    }
                }
                todo.push((s.clone(), name, fp));
            }
        }
    }
    progress.start(bytes, files);
    let state_file = opts.state.as_ref().and_then(|p| {
        let f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .ok()?;
        Some(Mutex::new(f))
    });
    let mut done: Vec<SessionAudit> = todo
        .par_iter()
        .map(|(path, name, fp)| {
            let result = audit_session(path, name, trust, opts, progress);
            if let Some(f) = &state_file {
                let line = serde_json::to_string(&StateLine {
                    fingerprint: fp.clone(),
                    result: result.clone(),
                })
                .expect("JSON");
                let mut f = f.lock().expect("state file lock");
                let _ = writeln!(f, "{line}").and_then(|()| f.sync_data());
            }
            progress.session_done(name);
            result
        })
        .collect();
    let resumed = reused.len();
    done.extend(reused);
    done.sort_by(|a, b| a.session.cmp(&b.session));
    AuditReport {
        archive: archive.display().to_string(),
        date: opts.today.to_string(),
        retention: opts.retention,
        sessions: done,
        findings,
        resumed,
    }
}

fn audit_session(
    path: &Path,
    name: &str,
    trust: &TrustStore,
    opts: &AuditOptions,
    progress: &dyn AuditProgress,
) -> SessionAudit {
    let mut a = SessionAudit {
        session: name.to_owned(),
        status: "intact".into(),
        segments: 0,
        bytes: 0,
        changed: vec![],
        missing: vec![],
        unsealed: vec![],
        verdict_in_force: None,
        deadline: None,
        retention: RetentionState::Unknown,
        findings: vec![],
    };
    // The one record lookup; a record that cannot be read (not a regular
    // file, too large, not UTF-8) is a finding, never a hang or a skip.
    let record_file = match crate::store::layout::read_record(path) {
        Ok(r) => r,
        Err(e) => {
            a.findings.push(Finding::error(
                Code::RecordInvalid,
                format!("{name}/record.toml"),
                e.to_string(),
            ));
            None
        }
    };
    let on_file = |n: u64| progress.file_done(n);
    let report =
        verify::verify_session_with_progress(path, trust, VerifyOptions::default(), &on_file);
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            a.status = "unreadable".into();
            a.findings
                .push(Finding::error(Code::ArchiveUnreadable, name, e.to_string()));
            return a;
        }
    };
    a.segments = report
        .segments
        .iter()
        .filter(|s| s.sealed_sha256.is_some())
        .count();
    for s in &report.segments {
        match s.state {
            SegmentState::Changed | SegmentState::Unreadable => a.changed.push(s.name.clone()),
            SegmentState::Missing => a.missing.push(s.name.clone()),
            SegmentState::Unsealed => a.unsealed.push(s.name.clone()),
            _ => {}
        }
    }
    a.findings.splice(0..0, report.findings.iter().cloned());
    let retired = report.findings.iter().any(|f| f.code == "session.retired");
    let unsealed = report.findings.iter().any(|f| f.code == "log.missing");
    // The record checked against: the sealed one in force, else the file.
    let log = crate::log::Log::read(&crate::store::layout::SessionPaths::new(path).log)
        .unwrap_or_default();
    let sealed = crate::record::sealed::sealed_records(&log, report.verified_size, trust);
    let file_name = record_file.as_ref().map(|(p, t)| {
        let n = p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        (format!("{name}/{n}"), t.as_str())
    });
    let file_date = record_file
        .as_ref()
        .and_then(|(_, t)| crate::record::parse(t).ok())
        .and_then(|r| r.verdict_in_force);
    match crate::record::sealed::record_to_check(
        &sealed,
        file_name.as_ref().map(|(n, t)| (n.as_str(), *t)),
    ) {
        // A time outside the years handled is a finding, never arithmetic
        // that leaves the calendar.
        Ok(rc) => match crate::record::sealed::fields_of(&rc.record) {
            Ok(_) => {
                a.findings.extend(rc.findings);
                // The check's own findings (verify's are already in), on
                // the report just made: nothing is hashed twice.
                let c = timeline::check_log(&log, report, &rc.record, &CheckOptions::default());
                a.findings.extend(c.findings);
            }
            Err(why) => a.findings.push(Finding::error(
                Code::RecordInvalid,
                format!("{name}/record.toml"),
                why,
            )),
        },
        Err(crate::record::sealed::NoRecord::Invalid { why, .. }) => a.findings.push(
            Finding::error(Code::RecordInvalid, format!("{name}/record.toml"), why),
        ),
        Err(crate::record::sealed::NoRecord::None) => {}
    }
    // Only a sealed verdict date, signed by a key whose role may sign one,
    // gives a deadline; a date in the unsigned file never does.
    a.verdict_in_force = sealed
        .in_force
        .as_ref()
        .and_then(|f| f.sealed_verdict_date())
        .map(str::to_owned);
    if let Some(d) = file_date.filter(|d| a.verdict_in_force.as_ref() != Some(d)) {
        a.findings.push(Finding::warning(
            Code::RetentionNoSealedDate,
            name,
            format!(
                "the record file says the verdict entered into force on {d}, but {}: no retention deadline is taken from an unsigned date",
                match &a.verdict_in_force {
                    Some(s) => format!("the sealed record says {s}"),
                    None => "no sealed record gives a verdict-in-force date".to_owned(),
                }
            ),
        ));
    }
    let errors = a.findings.iter().any(|f| f.severity == Severity::Error);
    a.status = if retired {
        "retired"
    } else if unsealed {
        "unsealed"
    } else if errors {
        "damaged"
    } else {
        "intact"
    }
    .into();
    // A deadline past the calendar is never reached: the session is kept,
    // its deadline unknown, and that is a finding on the session.
    let deadline = match a.verdict_in_force.as_deref().map(|v| (v, parse_date(v))) {
        None => None,
        Some((v, None)) => {
            a.findings.push(Finding::warning(
                Code::RetentionOutOfRange,
                name,
                format!("the sealed verdict-in-force date {v:?} is not a date that can be used; the session is kept"),
            ));
            None
        }
        Some((_, Some(v))) => match opts.retention.checked_after(v) {
            Ok(d) => Some(d),
            Err(e) => {
                a.findings.push(Finding::warning(
                    Code::RetentionOutOfRange,
                    name,
                    format!("no retention deadline can be computed: {e}; the session is kept"),
                ));
                None
            }
        },
    };
    a.deadline = deadline.map(|d| d.to_string());
    a.retention = RetentionState::on(deadline, opts.today, opts.due_within_days, retired, errors);
    if let (RetentionState::Overdue, Some(deadline)) = (a.retention, deadline) {
        a.findings.push(Finding::warning(
            Code::RetentionOverdue,
            name,
            format!("its retention deadline ({deadline}) has passed: a decision on it is due"),
        ));
    }
    a
}

/// Sums of an audit, by status.
pub fn totals(r: &AuditReport) -> Vec<(&'static str, usize)> {
    let n = |st: &str| r.sessions.iter().filter(|s| s.status == st).count();
    vec![
        ("sessions", r.sessions.len()),
        ("intact", n("intact")),
        ("damaged", n("damaged")),
        ("unsealed", n("unsealed")),
        ("retired", n("retired")),
        ("unreadable", n("unreadable")),
    ]
}

/// The SHA-256 of an act file, for signing.
pub fn act_digest(bytes: &[u8]) -> String {
    Sha256Digest::of(bytes).to_hex()
}

/// The first line of the note that signs an audit act.
pub const ACT_HEADER: &str = "courtseal.audit-act/v1";

/// The text an archivist signs for an act file: its name, SHA-256, the
/// time, the archive and the summary.
pub fn act_text(file_name: &str, digest: &str, at: &str, archive: &str, summary: &str) -> String {
    format!("{ACT_HEADER}\n{file_name}\n{digest}\n{at}\n{archive}\n{summary}\n")
}

/// A one-line summary of an audit.
pub fn summary(r: &AuditReport) -> String {
    totals(r)
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a checked act signature says.
#[derive(Debug, Clone)]
pub struct ActSignature {
    /// The archivist who signed.
    pub signer: String,
    /// When, as signed.
    pub at: String,
    /// The archive, as signed.
    pub archive: String,
    /// The summary, as signed.
    pub summary: String,
}

/// Checks an act file against its signature note: signed by a trusted
/// archivist, and the file's SHA-256 is the one signed.
pub fn verify_act(
    act: &[u8],
    act_name: &str,
    note_bytes: &[u8],
    trust: &TrustStore,
) -> Result<ActSignature, String> {
    let opened = crate::note::open(
        note_bytes,
        &trust.signers_of(crate::trust::Statement::AuditAct),
    )
    .map_err(|e| format!("the signature does not verify with a trusted archivist key: {e}"))?;
    let lines: Vec<&str> = opened.text.trim_end_matches('\n').split('\n').collect();
    let [header, name, digest, at, archive, summary] = lines.as_slice() else {
        return Err("the signed text is not an audit act signature".into());
    };
    if *header != ACT_HEADER {
        return Err("the signed text is not an audit act signature".into());
    }
    if *digest != act_digest(act) {
        return Err(format!("the act file's SHA-256 is not the one signed (signed for {name}): the act was changed after signing"));
    }
    if *name != act_name {
        return Err(format!("the signature is for {name}, not {act_name}"));
    }
    Ok(ActSignature {
        signer: opened
            .verified
            .iter()
            .map(|v| v.name().to_owned())
            .collect::<Vec<_>>()
            .join(", "),
        at: (*at).to_owned(),
        archive: (*archive).to_owned(),
        summary: (*summary).to_owned(),
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The act of the audit, for people (HTML, prints on A4).
pub fn act_html(r: &AuditReport, version: &str) -> String {
    let mut rows = String::new();
    for s in &r.sessions {
        let problems: Vec<String> = s
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
            .map(|f| format!("{} {}", f.code, f.location))
            .collect();
        rows.push_str(&format!(
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.status),
            esc(&s.session),
            esc(&s.status),
            s.segments,
            esc(&format!("{:?}", s.retention).to_lowercase()),
            esc(s.deadline.as_deref().unwrap_or("unknown")),
            esc(&problems.join("; "))
        ));
    }
    let mut archive_findings = String::new();
    for f in &r.findings {
        archive_findings.push_str(&format!(
            "<li>{} {}: {}</li>",
            esc(f.code.as_str()),
            esc(&f.location),
            esc(&f.message)
        ));
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Act of audit of {archive}</title>
<style>@page {{ size: A4; margin: 14mm; }} body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8.5pt; }} td, th {{ border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; }}
tr.damaged td:nth-child(2), tr.unreadable td:nth-child(2), tr.unsealed td:nth-child(2) {{ color: #d00000; font-weight: bold; }} tr {{ page-break-inside: avoid; }}</style></head><body>
<h1>Act of audit of a recordings archive</h1>
<p>Archive: <b>{archive}</b>. Date of the audit: {date}. Retention policy: {years} year(s), {months} month(s), {days} day(s) after the verdict enters into force. Made with courtseal {version}.</p>
<p>Summary: {summary}.</p>
<table><tr><th>Session</th><th>Status</th><th>Segments</th><th>Retention</th><th>Deadline</th><th>Open findings</th></tr>{rows}</table>
<ul>{archive_findings}</ul>
<p>Each session was verified in full: every segment's SHA-256 against its sealed log, the log against every signed checkpoint, and, where a short-form record is present, the recording against the declared session. A session with open findings is never reported as safe to destroy. The signature of this act, if any, is in the file next to it (<code>.sig</code>), a signed note over this file's SHA-256: check it with <code>courtseal verify-act</code>.</p>
</body></html>
"#,
        archive = esc(&r.archive),
        date = r.date,
        years = r.retention.years,
        months = r.retention.months,
        days = r.retention.days,
        summary = esc(&summary(r)),
    )
}
