//! Retiring a session at the end of its retention period: an archivist's
//! signed `retire` entry is appended (and a checkpoint signed by the
//! archivist), then the media are deleted. The log, the packet windows and
//! every checkpoint stay, so the record of what existed survives.

use std::fs;
use std::path::{Path, PathBuf};

use crate::audit::{parse_date, Retention};
use crate::checkpoint::Checkpoint;
use crate::entry::{self, RetireEntry, VERSION};
use crate::finding::Severity;
use crate::keys::TrustStore;
use crate::note::NoteSigner;
use crate::session::{self, Log, SessionPaths};
use crate::verify::{self, VerifyOptions};

pub use crate::format::statement::{check_retire, retire_text, RETIRE_HEADER};

/// Why a session was not retired.
#[derive(Debug, thiserror::Error)]
pub enum RetireError {
    /// Before the deadline, or no deadline known.
    #[error("{0}")]
    NotDue(String),
    /// The session has open findings.
    #[error("{0}")]
    OpenFindings(String),
    /// Cannot read or write, or the log is damaged.
    #[error(transparent)]
    Seal(#[from] session::SealError),
    /// The session cannot be examined.
    #[error(transparent)]
    Verify(#[from] verify::VerifyError),
    /// The basis is empty or not one line.
    #[error("the basis must be one line of text")]
    Basis,
}

/// The session's retention deadline: its verdict-in-force date (from the
/// one record lookup) plus the retention period. A record that cannot be
/// read, or a deadline past the calendar, is a refusal that says why.
fn deadline_of(root: &Path, retention: Retention) -> Result<Option<time::Date>, RetireError> {
    let record = crate::store::layout::read_record(root)
        .map_err(|e| RetireError::NotDue(format!("{e}; refusing (use --force to override)")))?;
    let Some((path, text)) = record else {
        return Ok(None);
    };
    let Some(v) = crate::record::parse(&text)
        .ok()
        .and_then(|r| r.verdict_in_force)
    else {
        return Ok(None);
    };
    let Some(date) = parse_date(&v) else {
        return Ok(None);
    };
    retention.checked_after(date).map(Some).map_err(|e| {
        RetireError::NotDue(format!(
            "{}: verdict_in_force {v}: {e}; refusing",
            path.display()
        ))
    })
}

/// What `retire` did.
#[derive(Debug)]
pub struct Retired {
    /// The entry appended.
    pub entry: RetireEntry,
    /// Files deleted.
    pub deleted: Vec<PathBuf>,
    /// The checkpoint signed.
    pub checkpoint: Checkpoint,
}

/// Retires the session at `root`: refuses before the deadline (verdict in
/// force + `retention`, from the record) or with open error findings,
/// unless `force`.
pub fn retire(
    root: &Path,
    archivist: &NoteSigner,
    trust: &TrustStore,
    basis: &str,
    retention: Retention,
    today: time::Date,
    force: bool,
) -> Result<Retired, RetireError> {
    if basis.trim().is_empty() || basis.chars().any(char::is_control) {
        return Err(RetireError::Basis);
    }
    let name = root.display();
    if !force {
        let deadline = deadline_of(root, retention)?;
        match deadline {
            None => {
                return Err(RetireError::NotDue(format!(
                    "{name}: no verdict-in-force date in its record.toml, so no retention deadline is known; refusing (use --force to override, and say why in --basis)"
                )))
            }
            Some(d) if d > today => {
                return Err(RetireError::NotDue(format!(
                    "{name}: its retention deadline is {d} (verdict in force + retention period); refusing to destroy it before then (use --force to override)"
                )))
            }
            _ => {}
        }
        // A content-only match is the damaged session it may be.
        let opts = VerifyOptions {
            strict: true,
            ..VerifyOptions::default()
        };
        let report = verify::verify_session(root, trust, opts)?;
        let open: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{} {}", f.code, f.location))
            .collect();
        if !open.is_empty() {
            return Err(RetireError::OpenFindings(format!(
                "{name}: it has open findings ({}); a session with open findings is never destroyed (use --force to override)",
                open.join(", ")
            )));
        }
    }
    let paths = SessionPaths::new(root);
    let _lock = session::lock_session(&paths)?;
    let log = Log::read(&paths.log).map_err(|e| session::SealError::Io {
        path: paths.log.clone(),
        source: e,
    })?;
    let damaged = |what: &str| session::SealError::Damaged {
        path: paths.log.clone(),
        what: what.into(),
    };
    if log.torn_tail.is_some() || log.lines.iter().any(|l| l.entry.is_err()) {
        return Err(damaged("the log is damaged").into());
    }
    let header = log
        .header()
        .ok_or_else(|| damaged("the log has no session header"))?;
    // Even with --force: the archivist's checkpoint may only add its own
    // entry to a log that trusted recorder checkpoints already cover, or it
    // would vouch for whatever was appended after the last one.
    let signed = verify::verify_session(
        root,
        trust,
        VerifyOptions {
            check_media: false,
            strict: false,
        },
    )?;
    if signed.verified_size != log.lines.len() as u64 {
        return Err(RetireError::OpenFindings(format!(
            "{name}: entries {} to {} of its log are not covered by a trusted recorder checkpoint; an archivist only adds its retirement to a sealed log, so nothing was done",
            signed.verified_size + 1,
            log.lines.len()
        )));
    }
    let origin = header.origin.clone();
    let segments: Vec<String> = log.segments().map(|(_, s)| s.name.clone()).collect();
    let at = entry::now_utc();
    let text = retire_text(&origin, &at, basis, &segments);
    let note = archivist.sign(&text).map_err(|e| damaged(&e.to_string()))?;
    let entry = RetireEntry {
        v: VERSION,
        kind: "retire".into(),
        at,
        basis: basis.to_owned(),
        segments: segments.clone(),
        archivist: archivist.verifier().to_vkey(),
        note,
    };
    let mut tree = log.tree();
    let line = entry::to_line(&entry);
    session::append_lines(&paths, std::slice::from_ref(&line))?;
    tree.push(crate::tlog::leaf_hash(&line));
    let cp = Checkpoint::new(&origin, tree.size(), tree.root());
    session::write_checkpoint(&paths, archivist, &cp)?;
    let mut deleted = Vec::new();
    for s in &segments {
        // Only a regular file inside the session, reached without a link.
        if let Some(p) = crate::store::layout::contained_file(root, s) {
            if fs::remove_file(&p).is_ok() {
                deleted.push(p);
            }
        }
    }
    Ok(Retired {
        entry,
        deleted,
        checkpoint: cp,
    })
}
