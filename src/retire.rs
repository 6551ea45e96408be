//! Retiring a session at the end of its retention period: an archivist's
//! signed `retire` entry is appended (and a checkpoint signed by the
//! archivist), then the media are deleted. The log, the packet windows and
//! every checkpoint stay, so the record of what existed survives.
//!
//! The deadline comes only from a *sealed* verdict-in-force date: the
//! record in force in the log ([`crate::record::sealed`]), signed by a key
//! whose role may sign a verdict date (an operator). A date in the unsigned
//! record file is never used, and without a sealed one nothing is retired,
//! even with `force`. The entry (version 2) records the date and deadline
//! relied on and every finding open at destruction.
//!
//! Deleting: each file is opened without following links, relative to a
//! handle on its folder (itself reached without following links from the
//! session folder); its bytes are hashed from that open handle and must be
//! the sealed ones; it is then renamed, inside the same folder, to an
//! unpredictable name, and unlinked under that name only if the name still
//! leads to the very file that was hashed (same device and inode). What
//! remains: between that last comparison and the unlink, a process that
//! can write the folder and guesses the random name could put another file
//! under it; and a file with another hard link keeps its bytes under that
//! other name (unlinking removes a name, not the bytes).

use std::io::Read as _;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags};

use crate::audit::{parse_date, Retention};
use crate::checkpoint::Checkpoint;
use crate::entry::{self, RetentionBasis, RetireEntry, SegmentEntry, RETIRE_VERSION};
use crate::finding::{Finding, Severity};
use crate::keys::TrustStore;
use crate::note::NoteSigner;
use crate::record::sealed::{sealed_records, SealedRecords};
use crate::session::{self, SessionPaths};
use crate::verify::{self, VerifyOptions};

pub use crate::format::statement::{
    check_retire, retire_text, retire_v2_text, RETIRE_HEADER, RETIRE_V2_HEADER,
};

/// Why a session was not retired.
#[derive(Debug, thiserror::Error)]
pub enum RetireError {
    /// Before the deadline.
    #[error("{0}")]
    NotDue(String),
    /// No sealed verdict-in-force date, so no deadline (never overridden).
    #[error("{0}")]
    NoSealedDate(String),
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

/// A retention period as it is written in a retire entry: `NyNmNd`.
pub fn period_text(r: Retention) -> String {
    format!("{}y{}m{}d", r.years, r.months, r.days)
}

/// The sealed verdict-in-force date of the session and the deadline it
/// gives, from the record in force in the log. No sealed record, none that
/// gives a date, a signer whose role may not sign one, or a deadline past
/// the calendar: a refusal that says which.
pub fn sealed_deadline(
    name: &str,
    sealed: &SealedRecords,
    retention: Retention,
    first_sealed: Option<time::Date>,
) -> Result<(RetentionBasis, time::Date), RetireError> {
    let refuse = |why: String| {
        RetireError::NoSealedDate(format!(
            "{name}: {why}, so no retention deadline is known; refusing (even with --force: a date in the unsigned record file is never used; have the court office seal the record with its verdict-in-force date, 'courtseal record seal')"
        ))
    };
    let Some(f) = &sealed.in_force else {
        return Err(refuse("no short-form record is sealed in its log".into()));
    };
    let Some(v) = f.record.verdict_in_force.as_deref() else {
        return Err(refuse(format!(
            "the sealed record in force (line {}, revision {}) gives no verdict-in-force date",
            f.line, f.revision
        )));
    };
    if f.sealed_verdict_date().is_none() {
        return Err(refuse(format!(
            "the sealed record in force (line {}) is signed by a key whose role may not sign a verdict-in-force date",
            f.line
        )));
    }
    let Some(date) = parse_date(v) else {
        return Err(refuse(format!(
            "the sealed verdict-in-force date {v:?} (line {}) is not a date",
            f.line
        )));
    };
    if let Some(why) = crate::retention::verdict_before_session(date, first_sealed) {
        return Err(refuse(format!("line {}: {why}", f.line)));
    }
    let deadline = retention.checked_after(date).map_err(|e| {
        refuse(format!(
            "the sealed verdict-in-force date {v} (line {}) plus the retention period is out of range ({e})",
            f.line
        ))
    })?;
    Ok((
        RetentionBasis {
            verdict_in_force: date.to_string(),
            record_line: f.line as u64,
            record_revision: f.revision,
            record_sha256: f.sha256,
            retention: period_text(retention),
            deadline: deadline.to_string(),
        },
        deadline,
    ))
}

/// A finding as one line of a retire entry: `code location`, with any
/// control character shown as `?`.
fn finding_line(f: &Finding) -> String {
    format!("{} {}", f.code, f.location)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// What `retire` did.
#[derive(Debug)]
pub struct Retired {
    /// The entry appended.
    pub entry: RetireEntry,
    /// Files deleted.
    pub deleted: Vec<PathBuf>,
    /// Sealed segments not deleted, and why (gone already, not a regular
    /// file, no longer the sealed bytes, changed while being retired).
    pub kept: Vec<(String, String)>,
    /// The checkpoint signed.
    pub checkpoint: Checkpoint,
}

/// What retirement verified, under the session's lock, before anything is
/// written.
struct Checked {
    _lock: std::fs::File,
    paths: SessionPaths,
    log: crate::log::Log,
    origin: String,
    relied_on: RetentionBasis,
    open_findings: Vec<String>,
}

/// Every check [`retire`] makes before it writes or deletes anything.
fn check_retirable(
    root: &Path,
    trust: &TrustStore,
    retention: Retention,
    today: time::Date,
    force: bool,
) -> Result<Checked, RetireError> {
    let name = root.display().to_string();
    if !root.is_dir() {
        return Err(verify::VerifyError::NotASession(root.to_owned()).into());
    }
    let paths = SessionPaths::new(root);
    // Nothing is read or written in a folder that was never sealed.
    // Looked at through the session's door: never through a link.
    if matches!(
        crate::store::SessionSource::stat(&paths.source(), crate::format::LOG_NAME),
        Ok(None)
    ) {
        return Err(RetireError::NoSealedDate(format!(
            "{name}: this folder was never sealed; there is nothing to retire"
        )));
    }
    // Held from the check to the deletion: no sealer appends in between.
    let lock = session::lock_session(&paths)?;
    // Strict: a content-only match is the damaged session it may be.
    let opts = VerifyOptions {
        strict: true,
        ..VerifyOptions::default()
    };
    // The log verify parsed is the one retirement works on: not read again.
    let verify::VerifiedSession { report, log, .. } = verify::verify(root, trust, opts)?;
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
    let sealed = sealed_records(&log, report.verified_size, trust);
    let first = crate::retention::first_sealed_day(&log, report.verified_size);
    let (relied_on, deadline) = sealed_deadline(&name, &sealed, retention, first)?;
    let open: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    if !force {
        if deadline > today {
            return Err(RetireError::NotDue(format!(
                "{name}: its retention deadline is {deadline} (sealed verdict in force {} + {}); refusing to destroy it before then (use --force to override)",
                relied_on.verdict_in_force, relied_on.retention
            )));
        }
        let errors: Vec<String> = open
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| finding_line(f))
            .collect();
        if !errors.is_empty() {
            return Err(RetireError::OpenFindings(format!(
                "{name}: it has open findings ({}); a session with open findings is never destroyed (use --force to override)",
                errors.join(", ")
            )));
        }
    }
    // Even with --force: the archivist's checkpoint may only add its own
    // entry to a log that trusted recorder checkpoints already cover, or it
    // would vouch for whatever was appended after the last one.
    if report.verified_size != log.lines.len() as u64 {
        return Err(RetireError::OpenFindings(format!(
            "{name}: entries {} to {} of its log are not covered by a trusted recorder checkpoint; an archivist only adds its retirement to a sealed log, so nothing was done",
            report.verified_size + 1,
            log.lines.len()
        )));
    }
    let open_findings: Vec<String> = open.iter().map(|f| finding_line(f)).collect();
    Ok(Checked {
        _lock: lock,
        origin: header.origin.clone(),
        paths,
        log,
        relied_on,
        open_findings,
    })
}

/// What [`retire`] would delete now, checked the same way, with nothing
/// written or deleted: each sealed segment's name and sealed size.
pub fn would_retire(
    root: &Path,
    trust: &TrustStore,
    retention: Retention,
    today: time::Date,
    force: bool,
) -> Result<Vec<(String, u64)>, RetireError> {
    let c = check_retirable(root, trust, retention, today, force)?;
    Ok(c.log
        .segments()
        .map(|(_, s)| (s.name.clone(), s.size))
        .collect())
}

/// Retires the session at `root`: refuses without a sealed verdict date
/// (always), before the deadline (sealed verdict date + `retention`) or
/// with open error findings (unless `force`).
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
    let Checked {
        _lock,
        paths,
        log,
        origin,
        relied_on,
        open_findings,
    } = check_retirable(root, trust, retention, today, force)?;
    let damaged = |what: &str| session::SealError::Damaged {
        path: paths.log.clone(),
        what: what.into(),
    };
    let sealed_segments: Vec<SegmentEntry> = log.segments().map(|(_, s)| s.clone()).collect();
    let segments: Vec<String> = sealed_segments.iter().map(|s| s.name.clone()).collect();
    let at = entry::now_utc();
    let text = retire_v2_text(&origin, &at, basis, &relied_on, &open_findings, &segments);
    let note = archivist.sign(&text).map_err(|e| damaged(&e.to_string()))?;
    let entry = RetireEntry {
        v: RETIRE_VERSION,
        kind: "retire".into(),
        at,
        basis: basis.to_owned(),
        segments,
        relied_on: Some(relied_on),
        open_findings: Some(open_findings),
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
    let mut kept = Vec::new();
    for s in &sealed_segments {
        match delete_verified(root, s) {
            Ok(()) => deleted.push(root.join(&s.name)),
            Err(why) => kept.push((s.name.clone(), why)),
        }
    }
    Ok(Retired {
        entry,
        deleted,
        kept,
        checkpoint: cp,
    })
}

/// Same device and inode.
fn same_file(a: &rustix::fs::Stat, b: &rustix::fs::Stat) -> bool {
    a.st_dev == b.st_dev && a.st_ino == b.st_ino
}

fn is_regular(st: &rustix::fs::Stat) -> bool {
    FileType::from_raw_mode(st.st_mode as _) == FileType::RegularFile
}

/// Deletes the sealed segment `s` of the session at `root` only if it is a
/// regular file inside the session, reached without following any link,
/// whose bytes (read from the open handle) are the sealed ones, and only
/// that very file (see the module's notes for what remains).
fn delete_verified(root: &Path, s: &SegmentEntry) -> Result<(), String> {
    let io = |what: &str, e: rustix::io::Errno| format!("{what}: {}", std::io::Error::from(e));
    entry::check_segment_name(&s.name).map_err(str::to_owned)?;
    let parts: Vec<&str> = s.name.split('/').collect();
    let Some((last, folders)) = parts.split_last() else {
        return Err("empty name".into());
    };
    let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let mut dir: OwnedFd = rustix::fs::open(
        root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| io("cannot open the session folder", e))?;
    for f in folders {
        dir = rustix::fs::openat(&dir, *f, dir_flags, Mode::empty()).map_err(|e| {
            io(
                "a folder on its path is not a folder reached without a link",
                e,
            )
        })?;
    }
    // No link is followed; a FIFO opens without blocking and is refused.
    let fd = rustix::fs::openat(
        &dir,
        *last,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| io("not deleted: cannot be opened without following a link", e))?;
    let opened = rustix::fs::fstat(&fd).map_err(|e| io("cannot stat", e))?;
    if !is_regular(&opened) {
        return Err("not deleted: not a regular file".into());
    }
    let file = std::fs::File::from(fd);
    let (digest, total) = crate::digest::hash_reader(file.take(s.size.saturating_add(1)))
        .map_err(|e| format!("not deleted: cannot be read: {e}"))?;
    if total != s.size || digest != s.sha256 {
        return Err("not deleted: its bytes are no longer the sealed ones".into());
    }
    // Move the name aside first, then check that it is still the file hashed.
    let mut rnd = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut rnd);
    let aside = format!(".courtseal-retire-{}", hex::encode(rnd));
    rustix::fs::renameat_with(&dir, *last, &dir, aside.as_str(), RenameFlags::NOREPLACE)
        .or_else(|_| rustix::fs::renameat(&dir, *last, &dir, aside.as_str()))
        .map_err(|e| io("not deleted: cannot be moved aside", e))?;
    let now = rustix::fs::statat(&dir, aside.as_str(), AtFlags::SYMLINK_NOFOLLOW);
    match now {
        Ok(st) if same_file(&st, &opened) && is_regular(&st) => {
            rustix::fs::unlinkat(&dir, aside.as_str(), AtFlags::empty())
                .map_err(|e| io("not deleted", e))?;
            let _ = rustix::fs::fsync(dir.as_fd());
            Ok(())
        }
        _ => {
            // Another file took its name between the check and the move:
            // put it back, delete nothing.
            let _ = rustix::fs::renameat_with(
                &dir,
                aside.as_str(),
                &dir,
                *last,
                RenameFlags::NOREPLACE,
            );
            Err("not deleted: the file was replaced while it was being retired".into())
        }
    }
}
