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
use crate::finding::{Code, Finding, Location, Severity};
use crate::keys::TrustStore;
use crate::session::{RECORD_FILES, TOOL_DIR};
use crate::store::source::{Kind, SessionSource};
use crate::store::{Archive, LocalArchive, LocalSession};
use crate::timeline::{self, CheckOptions};
use crate::verify::{self, SegmentState, VerifyOptions};

pub use crate::retention::{parse_date, DeadlineOverflow, Retention, RetentionState};

/// What an audit found of one session. The JSON and the act write it in
/// snake case (`content_verified`); an unknown value in a resumed state is
/// refused by the reader, never taken as some status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    /// Every segment byte-identical to what was sealed.
    Intact,
    /// No error, but some segment matches only packet for packet (its file
    /// was rewritten).
    ContentVerified,
    /// An error: a changed, missing or unproven segment, a bad log.
    Damaged,
    /// Nothing in the session is sealed.
    Unsealed,
    /// Its media were destroyed by a covered, trusted retirement.
    Retired,
    /// The session could not be read.
    Unreadable,
}

impl AuditStatus {
    /// Every status, in the order the totals list them.
    pub const ALL: [AuditStatus; 6] = [
        AuditStatus::Intact,
        AuditStatus::ContentVerified,
        AuditStatus::Damaged,
        AuditStatus::Unsealed,
        AuditStatus::Retired,
        AuditStatus::Unreadable,
    ];

    /// The name as JSON writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Intact => "intact",
            AuditStatus::ContentVerified => "content_verified",
            AuditStatus::Damaged => "damaged",
            AuditStatus::Unsealed => "unsealed",
            AuditStatus::Retired => "retired",
            AuditStatus::Unreadable => "unreadable",
        }
    }
}

impl std::fmt::Display for AuditStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One session's audit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAudit {
    /// Path relative to the archive.
    pub session: String,
    /// `intact` (every segment byte-identical), `content_verified` (no
    /// error, but some segment matches only packet for packet: its file was
    /// rewritten), `damaged`, `unsealed`, `retired` or `unreadable`.
    pub status: AuditStatus,
    /// Number of segments sealed.
    pub segments: usize,
    /// Bytes of the segment files checked.
    pub bytes: u64,
    /// Segments changed.
    pub changed: Vec<String>,
    /// Segments missing.
    pub missing: Vec<String>,
    /// Segments whose every packet is the sealed one but whose file was
    /// rewritten (content verified, not bytes).
    pub rewritten: Vec<String>,
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
    /// The case number of the record checked against, if any.
    #[serde(default)]
    pub case: Option<String>,
    /// The court named by that record.
    #[serde(default)]
    pub court: Option<String>,
    /// The judge named by that record.
    #[serde(default)]
    pub judge: Option<String>,
    /// True when that record is the sealed record in force; false for an
    /// unsigned record file (or no record).
    #[serde(default)]
    pub record_sealed: bool,
    /// The court's zone that record names (for the act's local times; not
    /// part of the JSON result).
    #[serde(skip)]
    pub time_zone: Option<String>,
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
    /// The run this audit is (named in its state file); a resumed audit
    /// keeps the run of the audit it completes.
    pub run: String,
    /// Each session taken from the interrupted run, and when it was hashed.
    pub resumed_sessions: Vec<ResumedSession>,
    /// True when the audit was stopped before every session was audited
    /// (its state is kept for `--resume`).
    pub interrupted: bool,
}

/// A session whose result was taken from the interrupted run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResumedSession {
    /// Path relative to the archive.
    pub session: String,
    /// When the interrupted run hashed it (UTC, RFC 3339).
    pub hashed_at: String,
}

/// Why an audit could not start.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// `--resume` with a state that is not of an interrupted run of this
    /// same audit.
    #[error("{path}: {why}; nothing can be resumed from it (run the audit without --resume)")]
    NotResumable {
        /// The state file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// The state file cannot be written.
    #[error("{path}: cannot write the audit state: {source}")]
    State {
        /// The state file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
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
    /// Only byte-identical segments pass (a rewritten container is an error).
    pub strict: bool,
    /// The key that signs each result recorded in the state file (the key
    /// that signs the act). `resume` takes a recorded result only when its
    /// signature verifies with this key: the state file is written where
    /// others may write too, and a result copied from another session or
    /// another run must not be taken.
    pub state_key: Option<StateKey>,
}

/// The key that authenticates the results of an audit state file.
#[derive(Clone)]
pub struct StateKey(pub std::sync::Arc<crate::note::NoteSigner>);

impl std::fmt::Debug for StateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StateKey({})", self.0.name())
    }
}

/// Progress of an audit, reported from worker threads.
pub trait AuditProgress: Sync {
    /// Total bytes and files to check, once known.
    fn start(&self, bytes: u64, files: u64);
    /// `bytes` more of one file were checked.
    fn file_done(&self, bytes: u64);
    /// A session was finished.
    fn session_done(&self, session: &str);
    /// How many sessions this run audits (called before [`AuditProgress::start`]).
    fn sessions(&self, _total: u64) {}
    /// True to stop before the next session (an interruption: the state is
    /// kept, and `--resume` goes on from it).
    fn should_stop(&self) -> bool {
        false
    }
}

/// True when `s` is a session folder: it holds `courtseal/log.jsonl` or a
/// short-form record (neither followed through a link; a record by the one
/// rule of [`crate::store::layout::record_file`]).
fn is_session(s: &dyn SessionSource) -> bool {
    let kind = |rel: &str| s.stat(rel).ok().flatten();
    let log = matches!(kind(TOOL_DIR), Some(Kind::Folder))
        && matches!(kind(crate::format::LOG_NAME), Some(Kind::File(_)));
    let records: Vec<Option<Kind>> = RECORD_FILES.iter().map(|n| kind(n)).collect();
    let record = records
        .iter()
        .all(|k| matches!(k, None | Some(Kind::File(_))))
        && records.iter().filter(|k| k.is_some()).count() == 1;
    log || record
}

/// Finds the session folders (those holding `courtseal/log.jsonl` or a
/// `record.toml`) below `archive`, without following symbolic links. What
/// is not audited is a finding, never silence: an unreadable folder
/// (`archive.unreadable`), a link to a folder (`archive.symlink`), a
/// session inside another session (`archive.nested_session`).
pub fn find_sessions(archive: &Path) -> (Vec<PathBuf>, Vec<Finding>) {
    let a = LocalArchive::new(archive);
    let (sessions, findings) = find_sessions_in(&a);
    (sessions.iter().map(|r| a.shown(r)).collect(), findings)
}

/// [`find_sessions`] of an [`Archive`]: the sessions by their names in it
/// (`.` for the archive folder itself), in the order of a walk sorted by
/// name. Nothing is opened for reading but the folders on the way (each
/// reached without a link) and what tells a session (`courtseal/log.jsonl`,
/// the record), looked at, never read: a FIFO is never waited on.
pub fn find_sessions_in<A: Archive>(archive: &A) -> (Vec<String>, Vec<Finding>) {
    let mut sessions = Vec::new();
    let mut findings = Vec::new();
    visit(archive, ".", None, &mut sessions, &mut findings);
    (sessions, findings)
}

fn visit<A: Archive>(
    archive: &A,
    rel: &str,
    inside: Option<&str>,
    sessions: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) {
    let shown = |r: &str| archive.shown(r).display().to_string();
    let join = |name: &str| {
        if rel == "." {
            name.to_owned()
        } else {
            format!("{rel}/{name}")
        }
    };
    let here = archive.session(rel);
    let is_here = here.as_ref().is_ok_and(|s| is_session(s));
    let inside_now: Option<String> = match inside {
        Some(outer) => {
            // A bag's payload folder holds its record: not a session.
            let payload =
                rel == crate::store::source::segment_rel(
                    (outer != ".").then_some(outer),
                    crate::store::bagit::PAYLOAD_DIR,
                ) && archive
                    .session(outer)
                    .is_ok_and(|o| crate::store::bagit::is_bag_in(&o));
            let last = rel.rsplit('/').next().unwrap_or(rel);
            if last != TOOL_DIR && !payload && is_here {
                findings.push(Finding::error(
                    Code::ArchiveNestedSession,
                    shown(rel),
                    format!(
                        "is a session inside the session {}: it is not audited on its own, and its files count among that session's files (reported there as not sealed); keep each session in its own folder",
                        shown(outer)
                    ),
                ));
            }
            Some(outer.to_owned())
        }
        None if is_here => {
            sessions.push(rel.to_owned());
            Some(rel.to_owned())
        }
        None => None,
    };
    let listed = match archive.list(rel) {
        Ok(Some(l)) => l,
        Ok(None) => return,
        Err(err) => {
            findings.push(Finding::error(
                Code::ArchiveUnreadable,
                shown(rel),
                format!("cannot be read, so whatever it holds was not audited: {err}"),
            ));
            return;
        }
    };
    for l in listed {
        let child = join(&l.name);
        match l.kind {
            Kind::Folder => visit(archive, &child, inside_now.as_deref(), sessions, findings),
            // Never followed; said when it leads to a folder (a session
            // there is not audited by walking this archive).
            Kind::Link if inside_now.is_none() => {
                if let Some(target) = archive.link_to_folder(&child) {
                    findings.push(Finding::error(
                        Code::ArchiveSymlink,
                        shown(&child),
                        format!(
                            "is a symbolic link to the folder {target}; links are never followed, so what it points to was not audited (audit that folder itself if it belongs to the archive)"
                        ),
                    ));
                }
            }
            // A folder of that name could be a session that cannot be
            // reached by its name: said, never silence. (Inside a session,
            // its own check names it.)
            Kind::NotUtf8 if inside_now.is_none() => findings.push(Finding::error(
                Code::ArchiveUnreadable,
                shown(&child),
                "has a name that is not UTF-8, so it cannot be opened by its name and whatever it holds was not audited",
            )),
            _ => {}
        }
    }
}

/// A fingerprint of everything in a session that a result depends on:
/// every entry's name, inode, size, modification and change time. The
/// change time (ctime) is set by the system on every change, including a
/// change of the modification time, so a file changed and given back its
/// old mtime still gets a new fingerprint.
///
/// It is taken through the session's door, from the folder handle the
/// archive reached without a link ([`LocalSession::metadata`]): metadata
/// only, no file opened; a folder that is a link is fingerprinted as the
/// link, never entered. Names are the session's own (`.` for its folder).
fn fingerprint(session: &LocalSession) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::default();
    fingerprint_below(session, ".", &mut h);
    hex::encode(h.finalize())
}

fn fingerprint_below(session: &LocalSession, rel: &str, h: &mut sha2::Sha256) {
    use sha2::Digest as _;
    let m = match session.metadata(rel) {
        Ok(Some(m)) => m,
        // Something unreadable, or gone: never equal to a recorded
        // fingerprint.
        _ => {
            h.update(format!("{rel}\0{}\n", crate::time::now_utc()).as_bytes());
            return;
        }
    };
    h.update(
        format!(
            "{rel}\0{}\0{}\0{}\0{}.{}\0{}.{}\n",
            m.dev, m.ino, m.size, m.mtime.0, m.mtime.1, m.ctime.0, m.ctime.1
        )
        .as_bytes(),
    );
    if m.kind != Kind::Folder {
        return;
    }
    let Ok(Some(listed)) = session.list(rel) else {
        h.update(format!("{rel}\0unlisted {}\n", crate::time::now_utc()).as_bytes());
        return;
    };
    for l in listed {
        let name = if rel == "." {
            l.name
        } else {
            format!("{rel}/{}", l.name)
        };
        if l.kind == Kind::NotUtf8 {
            // Cannot be looked at by its name: never equal either.
            h.update(format!("{name}\0not utf-8 {}\n", crate::time::now_utc()).as_bytes());
            continue;
        }
        fingerprint_below(session, &name, h);
    }
}

/// The first line of a state file: which audit run it records.
#[derive(Serialize, Deserialize, PartialEq)]
struct StateHeader {
    /// Always [`STATE_KIND`].
    kind: String,
    /// The run's name.
    run: String,
    /// The archive, as given.
    archive: String,
    /// SHA-256 over what the results depend on besides the files: the
    /// trusted keys, the retention policy, the date, `--strict`.
    options: String,
    /// When the run started.
    started_at: String,
}

/// The state's format. Version 2 keeps each finding's location typed
/// (`{"file": …}`, `{"line": …}`, `{"record": …}`) beside the result, so
/// that a file named like a place in the record (`record: x`) or a log line
/// comes back as the file it is.
const STATE_KIND: &str = "courtseal.audit-state/v2";

/// Version 1 kept locations only in their one-string form, which cannot
/// tell a file named `record: x` from the record's place `x`: refused.
const STATE_KIND_V1: &str = "courtseal.audit-state/v1";

/// A finding's location as the state keeps it: typed, never parsed back
/// from its one-string form.
#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
#[serde(rename_all = "snake_case")]
enum StateLocation {
    /// [`Location::File`].
    File(String),
    /// [`Location::Line`].
    Line {
        /// The file.
        file: String,
        /// The line, from 1.
        line: usize,
    },
    /// [`Location::Record`].
    Record(String),
}

impl From<&Location> for StateLocation {
    fn from(l: &Location) -> Self {
        match l {
            Location::File(f) => StateLocation::File(f.clone()),
            Location::Line { file, line } => StateLocation::Line {
                file: file.clone(),
                line: *line,
            },
            Location::Record(p) => StateLocation::Record(p.clone()),
        }
    }
}

impl From<StateLocation> for Location {
    fn from(l: StateLocation) -> Self {
        match l {
            StateLocation::File(f) => Location::File(f),
            StateLocation::Line { file, line } => Location::Line { file, line },
            StateLocation::Record(p) => Location::Record(p),
        }
    }
}

/// Largest state file read, in bytes.
const MAX_STATE_BYTES: u64 = 1 << 30;

#[derive(Serialize, Deserialize)]
struct StateLine {
    fingerprint: String,
    hashed_at: String,
    result: SessionAudit,
    /// The location of each of `result`'s findings, in order, typed.
    locations: Vec<StateLocation>,
    /// Base64 Ed25519 signature by the state key over [`state_message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sig: Option<String>,
}

/// What the signature of a state line covers: the run, archive and options
/// of its header (so a line cannot move to another run) and the line's
/// fingerprint, hash time, result and typed locations as written. Each
/// part is JSON text (a string's newline escaped), one a line, so no part
/// can run into the next.
fn state_message(
    header: &StateHeader,
    fingerprint: &str,
    hashed_at: &str,
    result: &str,
    locations: &str,
) -> String {
    let q = |t: &str| serde_json::Value::String(t.to_owned()).to_string();
    format!(
        "courtseal audit state line/v2\n{}\n{}\n{}\n{}\n{}\n{result}\n{locations}\n",
        q(&header.run),
        q(&header.archive),
        q(&header.options),
        q(fingerprint),
        q(hashed_at)
    )
}

/// One line of the state: `result` and its typed locations, signed with
/// `key` when one is given.
#[expect(
    clippy::expect_used,
    reason = "the state file's lines hold only strings, numbers and string-keyed maps, which always serialise"
)]
fn state_line_text(
    header: &StateHeader,
    fingerprint: &str,
    hashed_at: &str,
    result: &SessionAudit,
    key: Option<&StateKey>,
) -> String {
    let locations: Vec<StateLocation> = result
        .findings
        .iter()
        .map(|f| (&f.location).into())
        .collect();
    let sig = key.map(|k| {
        use base64::Engine as _;
        let body = serde_json::to_string(result).expect("JSON");
        let locs = serde_json::to_string(&locations).expect("JSON");
        let msg = state_message(header, fingerprint, hashed_at, &body, &locs);
        base64::engine::general_purpose::STANDARD.encode(k.0.sign_bytes(msg.as_bytes()))
    });
    serde_json::to_string(&StateLine {
        fingerprint: fingerprint.to_owned(),
        hashed_at: hashed_at.to_owned(),
        result: result.clone(),
        locations,
        sig,
    })
    .expect("JSON")
}

/// A state line whose signature verifies, with its findings' locations
/// put back as typed (the result's one-string forms are not relied on).
fn taken_state_line(
    header: &StateHeader,
    mut line: StateLine,
    key: &StateKey,
) -> Option<StateLine> {
    if !state_line_signed(header, &line, key) || line.locations.len() != line.result.findings.len()
    {
        return None;
    }
    for (f, l) in line.result.findings.iter_mut().zip(line.locations.iter()) {
        f.location = l.clone().into();
    }
    Some(line)
}

/// True when `line`'s signature verifies with `key` under `header`.
fn state_line_signed(header: &StateHeader, line: &StateLine, key: &StateKey) -> bool {
    use base64::Engine as _;
    let Some(sig) = line
        .sig
        .as_ref()
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
    else {
        return false;
    };
    let Ok(result) = serde_json::to_string(&line.result) else {
        return false;
    };
    let Ok(locations) = serde_json::to_string(&line.locations) else {
        return false;
    };
    let msg = state_message(
        header,
        &line.fingerprint,
        &line.hashed_at,
        &result,
        &locations,
    );
    key.0.verifier().verify(msg.as_bytes(), &sig)
}

fn options_digest(trust: &TrustStore, opts: &AuditOptions) -> String {
    let mut keys: Vec<String> = trust
        .entries()
        .iter()
        .map(|(r, v)| format!("{r} {}", v.to_vkey()))
        .collect();
    keys.sort();
    let text = format!(
        "{}\n{:?}\n{}\n{}\n{}\n",
        keys.join("\n"),
        opts.retention,
        opts.due_within_days,
        opts.today,
        opts.strict
    );
    Sha256Digest::of(text.as_bytes()).to_hex()
}

/// The state of an interrupted run of this same audit: its header and the
/// results it recorded.
fn read_state(
    path: &Path,
    archive: &str,
    options: &str,
    key: Option<&StateKey>,
) -> Result<(StateHeader, HashMap<String, StateLine>), AuditError> {
    let not = |why: String| AuditError::NotResumable {
        path: path.to_owned(),
        why,
    };
    let bytes = crate::store::layout::read_bounded(path, false, MAX_STATE_BYTES).map_err(|e| {
        not(format!(
            "no state of an interrupted audit can be read ({e})"
        ))
    })?;
    let text = String::from_utf8(bytes).map_err(|_| not("the state is not UTF-8".into()))?;
    let mut lines = text.lines();
    let header: StateHeader = lines
        .next()
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| not("it is not the state of an audit run".into()))?;
    if header.kind == STATE_KIND_V1 {
        return Err(not(format!(
            "it is the state of an audit by an earlier courtseal ({STATE_KIND_V1}), which cannot tell a file named like a place in the record (\"record: …\") from that place, so its results are not taken"
        )));
    }
    if header.kind != STATE_KIND {
        return Err(not("it is not the state of an audit run".into()));
    }
    if header.archive != archive {
        return Err(not(format!(
            "it is the state of the audit of {}, not of {archive}",
            header.archive
        )));
    }
    if header.options != options {
        return Err(not(
            "it is the state of an audit with other trusted keys, retention, date or --strict"
                .into(),
        ));
    }
    let key = key.ok_or_else(|| {
        not(
            "its results are taken only when signed by the key that signs the act: \
             give the archivist key (--sign) that the interrupted run was given"
                .into(),
        )
    })?;
    // A line whose signature does not verify (edited, copied from another
    // session or run, or written by a run without the key) is not taken:
    // that session is audited again.
    let results = lines
        .filter_map(|l| serde_json::from_str::<StateLine>(l).ok())
        .filter_map(|s| taken_state_line(&header, s, key))
        .map(|s| (s.result.session.clone(), s))
        .collect();
    Ok((header, results))
}

/// A name for a new run: the time and 64 random bits.
fn new_run() -> String {
    let mut b = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
    format!("{}-{}", crate::time::now_utc(), hex::encode(b))
}

/// Audits every session below `archive`. With a state file, each result is
/// recorded there as it is made, under a header that names the run; the
/// file is removed when the run completes. With `resume`, the results of an
/// interrupted run of the same audit (same archive, keys and options) are
/// taken for sessions unchanged since (same fingerprint), and the report
/// names each, with when it was hashed.
#[expect(
    clippy::expect_used,
    reason = "the state file's lines hold only strings, numbers and string-keyed maps, which always serialise"
)]
pub fn audit(
    archive: &Path,
    trust: &TrustStore,
    opts: &AuditOptions,
    progress: &dyn AuditProgress,
) -> Result<AuditReport, AuditError> {
    let store = LocalArchive::new(archive);
    let (sessions, findings) = find_sessions_in(&store);
    let archive_name = archive.display().to_string();
    let options = options_digest(trust, opts);
    let (header, previous) = match (&opts.state, opts.resume) {
        (Some(p), true) => {
            let (h, prev) = read_state(p, &archive_name, &options, opts.state_key.as_ref())?;
            (h, prev)
        }
        _ => (
            StateHeader {
                kind: STATE_KIND.into(),
                run: new_run(),
                archive: archive_name.clone(),
                options: options.clone(),
                started_at: crate::time::now_utc(),
            },
            HashMap::new(),
        ),
    };
    // What is left to do, and its size, for the progress display.
    let mut todo = Vec::new();
    let mut reused = Vec::new();
    let mut resumed_sessions = Vec::new();
    let (mut bytes, mut files) = (0u64, 0u64);
    for rel in &sessions {
        let name = rel.clone();
        let fp = match store.session(rel) {
            Ok(sess) => fingerprint(&sess),
            // Not reachable now: never equal to a recorded fingerprint.
            Err(_) => crate::time::now_utc(),
        };
        match previous.get(&name) {
            Some(st) if st.fingerprint == fp => {
                reused.push(st.result.clone());
                resumed_sessions.push(ResumedSession {
                    session: name.clone(),
                    hashed_at: st.hashed_at.clone(),
                });
            }
            _ => {
                // Counted through the session's door, as verify reads it.
                if let Ok(sess) = store.session(rel) {
                    for item in crate::store::source::scan(&sess, None) {
                        if let crate::session::ScanItem::File { name, .. } = item {
                            if let Ok(Some(Kind::File(n))) = sess.stat(&name) {
                                bytes += n;
                            }
                            files += 1;
                        }
                    }
                }
                todo.push((rel.clone(), name, fp));
            }
        }
    }
    progress.sessions(todo.len() as u64);
    progress.start(bytes, files);
    let state_file = match &opts.state {
        Some(p) => {
            let err = |source| AuditError::State {
                path: p.clone(),
                source,
            };
            let f = if opts.resume {
                fs::OpenOptions::new().append(true).open(p).map_err(err)?
            } else {
                // A new run: a new state, never written through a link.
                match fs::symlink_metadata(p) {
                    Ok(m) if m.is_file() => fs::remove_file(p).map_err(err)?,
                    Ok(_) => {
                        return Err(err(std::io::Error::other(
                            "it exists and is not a regular file",
                        )))
                    }
                    Err(_) => {}
                }
                let mut f = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(p)
                    .map_err(err)?;
                let line = serde_json::to_string(&header).expect("JSON");
                writeln!(f, "{line}").map_err(err)?;
                f
            };
            f.sync_data().map_err(err)?;
            Some(Mutex::new(f))
        }
        None => None,
    };
    let stopped = std::sync::atomic::AtomicBool::new(false);
    let mut done: Vec<SessionAudit> = todo
        .par_iter()
        .filter_map(|(rel, name, fp)| {
            if progress.should_stop() {
                stopped.store(true, std::sync::atomic::Ordering::Relaxed);
                return None;
            }
            let hashed_at = crate::time::now_utc();
            // Opened again from the archive's handle, never through a link:
            // a session folder swapped for one since it was found is not
            // audited through it.
            let result = match store.session(rel) {
                Ok(sess) => audit_session(&sess, name, trust, opts, progress),
                Err(e) => unreadable_session(name, &e),
            };
            if let Some(f) = &state_file {
                let line =
                    state_line_text(&header, fp, &hashed_at, &result, opts.state_key.as_ref());
                let mut f = f.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let _ = writeln!(f, "{line}").and_then(|()| f.sync_data());
            }
            progress.session_done(name);
            Some(result)
        })
        .collect();
    let interrupted = stopped.load(std::sync::atomic::Ordering::Relaxed);
    // A completed run leaves no state: it can never be resumed.
    if let (Some(p), false) = (&opts.state, interrupted) {
        drop(state_file);
        let _ = fs::remove_file(p);
    }
    let resumed = reused.len();
    done.extend(reused);
    done.sort_by(|a, b| a.session.cmp(&b.session));
    resumed_sessions.sort_by(|a, b| a.session.cmp(&b.session));
    Ok(AuditReport {
        archive: archive_name,
        date: opts.today.to_string(),
        retention: opts.retention,
        sessions: done,
        findings,
        resumed,
        run: header.run,
        resumed_sessions,
        interrupted,
    })
}

/// The audit of a session that could not be opened.
fn unreadable_session(name: &str, e: &std::io::Error) -> SessionAudit {
    let mut a = empty_audit(name);
    a.status = AuditStatus::Unreadable;
    a.findings.push(Finding::error(
        Code::ArchiveUnreadable,
        name,
        format!("cannot be opened inside the archive: {e}"),
    ));
    a
}

fn empty_audit(name: &str) -> SessionAudit {
    SessionAudit {
        session: name.to_owned(),
        status: AuditStatus::Intact,
        segments: 0,
        bytes: 0,
        changed: vec![],
        missing: vec![],
        rewritten: vec![],
        unsealed: vec![],
        verdict_in_force: None,
        deadline: None,
        retention: RetentionState::Unknown,
        findings: vec![],
        case: None,
        court: None,
        judge: None,
        record_sealed: false,
        time_zone: None,
    }
}

fn audit_session(
    session: &LocalSession,
    name: &str,
    trust: &TrustStore,
    opts: &AuditOptions,
    progress: &dyn AuditProgress,
) -> SessionAudit {
    let mut a = empty_audit(name);
    // The one record lookup; a record that cannot be read (not a regular
    // file, too large, not UTF-8) is a finding, never a hang or a skip.
    let record_file = match crate::store::source::record_in(session, session.root()) {
        Ok(r) => r.map(|(n, t)| (session.root().join(n), t)),
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
    let vopts = VerifyOptions {
        strict: opts.strict,
        ..VerifyOptions::default()
    };
    let verified = verify::verify_opened(session, trust, vopts, &on_file);
    let verified = match verified {
        Ok(v) => v,
        Err(e) => {
            a.status = AuditStatus::Unreadable;
            a.findings
                .push(Finding::error(Code::ArchiveUnreadable, name, e.to_string()));
            return a;
        }
    };
    let report = &verified.report;
    a.segments = report
        .segments
        .iter()
        .filter(|s| s.sealed_sha256.is_some())
        .count();
    for s in &report.segments {
        match s.state {
            SegmentState::Changed | SegmentState::Unreadable => a.changed.push(s.name.clone()),
            SegmentState::Missing => a.missing.push(s.name.clone()),
            SegmentState::Rewritten => a.rewritten.push(s.name.clone()),
            SegmentState::Unsealed => a.unsealed.push(s.name.clone()),
            _ => {}
        }
    }
    a.findings.splice(0..0, report.findings.iter().cloned());
    let retired = report.findings.iter().any(|f| f.code == "session.retired");
    let unsealed = report.findings.iter().any(|f| f.code == "log.missing");
    // The record checked against: the sealed one in force, else the file.
    let log = &verified.log;
    let sealed = crate::record::sealed::sealed_records(log, report.verified_size, trust);
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
                a.case = Some(rc.record.case.clone());
                a.court = Some(rc.record.court.clone());
                a.judge = Some(rc.record.judge.clone());
                a.time_zone = rc.record.time_zone.clone();
                a.record_sealed = matches!(
                    rc.source,
                    crate::record::sealed::RecordSource::Sealed { .. }
                );
                a.findings.extend(rc.findings);
                // The check's own findings (verify's are already in), on
                // the report just made: nothing is hashed twice.
                let c = timeline::check(&verified, &rc.record, &CheckOptions::default());
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
        AuditStatus::Retired
    } else if unsealed {
        AuditStatus::Unsealed
    } else if errors {
        AuditStatus::Damaged
    } else if !a.rewritten.is_empty() {
        AuditStatus::ContentVerified
    } else {
        AuditStatus::Intact
    };
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
        Some((_, Some(v))) => match crate::retention::verdict_before_session(
            v,
            crate::retention::first_sealed_day(log, report.verified_size),
        ) {
            Some(why) => {
                a.findings.push(Finding::error(
                    Code::RetentionVerdictBeforeSession,
                    name,
                    why,
                ));
                None
            }
            None => match opts.retention.checked_after(v) {
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
        },
    };
    a.deadline = deadline.map(|d| d.to_string());
    // A content-only match may be the damaged session it looks like: held.
    let hold = errors || !a.rewritten.is_empty();
    a.retention = RetentionState::on(deadline, opts.today, opts.due_within_days, retired, hold);
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
    let n = |st: AuditStatus| r.sessions.iter().filter(|s| s.status == st).count();
    let mut t = vec![("sessions", r.sessions.len())];
    t.extend(AuditStatus::ALL.iter().map(|&st| (st.as_str(), n(st))));
    t
}

/// The SHA-256 of an act file's bytes, as a version 1 act signature names
/// it (the whole file).
pub fn act_digest(bytes: &[u8]) -> String {
    Sha256Digest::of(bytes).to_hex()
}

/// The first line of the note that signs a version 1 audit act (over the
/// file's name and the SHA-256 of its whole bytes). Still verified; no
/// longer written.
pub const ACT_HEADER: &str = "courtseal.audit-act/v1";

/// The first line of the note that signs a version 2 audit act (over the
/// act's SHA-256 as [`act_sha256`] defines it; the file's name is not
/// signed, so renaming the act does not break its signature).
pub const ACT_HEADER_V2: &str = "courtseal.audit-act/v2";

/// The element of an act that shows the act's own SHA-256: exactly one in
/// every version 2 act, followed by 64 lowercase hex digits and `</span>`.
pub const ACT_SHA256_MARK: &str = r#"<span id="act-sha256" class="hash">"#;

/// The text an archivist signs for a version 1 act file: its name,
/// SHA-256, the time, the archive and the summary.
pub fn act_text(file_name: &str, digest: &str, at: &str, archive: &str, summary: &str) -> String {
    format!("{ACT_HEADER}\n{file_name}\n{digest}\n{at}\n{archive}\n{summary}\n")
}

/// The text an archivist signs for a version 2 act: the act's SHA-256
/// ([`act_sha256`]), the time of signing (UTC), the archive's absolute
/// identifier and the summary; each line ends in `\n`.
pub fn act_text_v2(digest: &str, at: &str, archive: &str, summary: &str) -> String {
    format!("{ACT_HEADER_V2}\n{digest}\n{at}\n{archive}\n{summary}\n")
}

/// The SHA-256 of a version 2 act, and the value the act shows for it: the
/// SHA-256 of the act's bytes with the 64 hex digits after its one
/// [`ACT_SHA256_MARK`] replaced by 64 ASCII `0`s. (A document cannot hold
/// the hash of its own bytes; it holds the hash of itself with that one
/// field zeroed, which anyone can recompute.)
pub fn act_sha256(act: &[u8]) -> Result<(String, String), String> {
    let mark = ACT_SHA256_MARK.as_bytes();
    let at: Vec<usize> = act
        .windows(mark.len())
        .enumerate()
        .filter(|(_, w)| *w == mark)
        .map(|(i, _)| i + mark.len())
        .collect();
    let [start] = at.as_slice() else {
        return Err(format!(
            "the act must show its SHA-256 exactly once ({} found)",
            at.len()
        ));
    };
    let field = act
        .get(*start..start + 64)
        .filter(|f| {
            f.iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        })
        .filter(|_| act.get(start + 64..start + 71) == Some(b"</span>".as_slice()))
        .ok_or("the act's SHA-256 field is not 64 lowercase hex digits")?;
    let shown = String::from_utf8_lossy(field).into_owned();
    let mut zeroed = act.to_vec();
    zeroed[*start..start + 64].fill(b'0');
    Ok((Sha256Digest::of(&zeroed).to_hex(), shown))
}

/// A one-line summary of an audit.
pub fn summary(r: &AuditReport) -> String {
    totals(r)
        .iter()
        .map(|(k, v)| format!("{v} {}", k.replace('_', " ")))
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
    /// The act's SHA-256, as signed.
    pub digest: String,
}

/// Checks an act file against its signature note: signed by a trusted
/// archivist, and the act is the one signed. A version 2 note signs the
/// act's SHA-256 ([`act_sha256`]), which the act also shows; a version 1
/// note signs the file's name and the SHA-256 of its bytes.
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
    let signer = opened
        .verified
        .iter()
        .map(|v| v.name().to_owned())
        .collect::<Vec<_>>()
        .join(", ");
    let lines: Vec<&str> = opened.text.trim_end_matches('\n').split('\n').collect();
    let not_act = || "the signed text is not an audit act signature".to_owned();
    match lines.as_slice() {
        [header, digest, at, archive, summary] if *header == ACT_HEADER_V2 => {
            let (computed, shown) = act_sha256(act)?;
            if computed != shown {
                return Err(format!("the act shows SHA-256 {shown}, but its SHA-256 is {computed}: the act was changed after signing"));
            }
            if *digest != computed {
                return Err(format!("the act's SHA-256 is {computed}, not the signed {digest}: this is not the act that was signed"));
            }
            Ok(ActSignature {
                signer,
                at: (*at).to_owned(),
                archive: (*archive).to_owned(),
                summary: (*summary).to_owned(),
                digest: computed,
            })
        }
        [header, name, digest, at, archive, summary] if *header == ACT_HEADER => {
            if *digest != act_digest(act) {
                return Err(format!("the act file's SHA-256 is not the one signed (signed for {name}): the act was changed after signing"));
            }
            if *name != act_name {
                return Err(format!("the signature is for {name}, not {act_name}"));
            }
            Ok(ActSignature {
                signer,
                at: (*at).to_owned(),
                archive: (*archive).to_owned(),
                summary: (*summary).to_owned(),
                digest: (*digest).to_owned(),
            })
        }
        _ => Err(not_act()),
    }
}

/// Who signs an act, as the act states it.
#[derive(Debug, Clone)]
pub struct ActSigner {
    /// The archivist's name as printed (e.g. "D. E. Omarova").
    pub person: Option<String>,
    /// Their post (e.g. "archivist of the court").
    pub role: String,
    /// The signing key's name.
    pub key_name: String,
    /// The signing key's ID, hex.
    pub key_id: String,
    /// The time of signing, UTC, RFC 3339 (the one the note signs).
    pub at: String,
}

/// What an act states besides the audit.
#[derive(Debug, Clone)]
pub struct ActContext<'a> {
    /// Version, command, time made.
    pub colophon: crate::document::Colophon<'a>,
    /// The archive's absolute identifier (its canonical path).
    pub archive_id: String,
    /// Who signs it, when it is signed.
    pub signer: Option<ActSigner>,
}

/// A retention period in words: `1 year`, `1 year 6 months`, `90 days`.
pub fn retention_words(r: &Retention) -> String {
    let part = |n: u32, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    let parts: Vec<String> = [
        part(r.years, "year", "years"),
        part(r.months, "month", "months"),
        part(r.days, "day", "days"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        "0 days".to_owned()
    } else {
        parts.join(" ")
    }
}

/// The act of the audit, for people (HTML, prints on A4; version 2): it
/// shows its own SHA-256 ([`act_sha256`]), which a signature signs.
pub fn act_html(r: &AuditReport, ctx: &ActContext<'_>) -> String {
    use crate::document::{self, shown};
    use maud::{html, PreEscaped};
    // The court's zone: `--tz`, else the one every audited record names
    // (an archive of one court); UTC when they name none or differ.
    let mut named: Vec<&str> = r
        .sessions
        .iter()
        .filter_map(|s| s.time_zone.as_deref())
        .collect();
    named.sort_unstable();
    named.dedup();
    let common = match named.as_slice() {
        [one] => crate::zone::CourtZone::new(one).ok(),
        _ => None,
    };
    let clock = &document::Clock::choose(ctx.colophon.zone.or(common.as_ref()), None);
    let status_class = |st: &str| match st {
        "intact" | "retired" => "ok-cell",
        "content_verified" => "warn-cell",
        _ => "bad-cell",
    };
    let title = format!("Act of audit of {}", ctx.archive_id);
    let body = html! {
        h1 { "Act of audit of a recordings archive" }
        p.sub { "Archive " b { (shown(&ctx.archive_id)) } " · date of the audit " span.t { (r.date) } " · times are local (" (clock.zone_text()) ")" }
        div class=(if totals(r).iter().any(|(k, v)| *v > 0 && matches!(*k, "damaged" | "unsealed" | "unreadable")) || r.interrupted { "headline bad" } else { "headline ok" }) {
            p.result { (summary(r)) "." }
            @if r.interrupted { p { b { "This audit was interrupted: not every session was audited." } } }
        }
        table.facts {
            tr { td { "Archive (absolute)" } td { (shown(&ctx.archive_id)) } }
            tr { td { "Archive (as given)" } td { (shown(&r.archive)) } }
            tr { td { "Date of the audit" } td { span.t { (r.date) } } }
            tr { td { "Retention policy" } td { (retention_words(&r.retention)) " after the verdict enters into force" } }
            tr { td { "Audit run" } td { (shown(&r.run)) } }
            tr { td { "SHA-256 of this act" } td { (PreEscaped(ACT_SHA256_MARK)) (PreEscaped("0".repeat(64))) (PreEscaped("</span>")) } }
        }
        h2 { "Sessions" }
        table.sessions {
            thead { tr { th { "Session" } th { "Case" } th { "Court; judge" } th { "Status" } th { "Segments" } th { "Retention" } th { "Deadline" } th { "Open findings" } } }
            tbody {
                @for s in &r.sessions {
                    @let problems: Vec<String> = s.findings.iter().filter(|f| f.severity != Severity::Info).map(|f| format!("{} {}", f.code, shown(&f.location.to_string()))).collect();
                    tr.session-row {
                        td { (document::name_cell(&s.session)) }
                        td { @if let Some(c) = &s.case { (document::name_cell(c)) @if !s.record_sealed { " " (document::provenance(false)) } } @else { "—" } }
                        td { (s.court.as_deref().map(shown).unwrap_or_default()) @if let Some(j) = &s.judge { "; " (shown(j)) } }
                        td class=(status_class(s.status.as_str())) { (s.status.as_str().replace('_', " ")) }
                        td { (s.segments) }
                        td.nw { (format!("{:?}", s.retention).to_lowercase()) }
                        td { span.t { (s.deadline.as_deref().unwrap_or("unknown")) } }
                        td { (document::text_with_times(&problems.join("; "))) }
                    }
                }
            }
        }
        @if !r.findings.is_empty() || !r.resumed_sessions.is_empty() {
            h2 { "About the archive" }
            ul.note {
                @for s in &r.resumed_sessions { li { (shown(&s.session)) ": taken from the interrupted run " (shown(&r.run)) " of this audit, hashed at " span.t { (clock.local_text(&s.hashed_at)) } } }
                @for f in &r.findings { li { code { (f.code.as_str()) } " " (shown(&f.location.to_string())) ": " (shown(&f.message)) } }
            }
        }
        h2 { "What was done" }
        p.note { "Each session was verified in full: every segment's SHA-256 against its sealed log, the log against every signed checkpoint, and, where a short-form record is present, the recording against the declared session. \"intact\": every segment byte-identical to the sealed one; \"content verified\": every audio/video packet identical, but the file was rewritten (a remux), so its bytes are not the sealed bytes. A session with open findings is never reported as safe to destroy. A case marked unsigned comes from a record file nobody signed into the session's log." }
        h2 { "Signature" }
        div.signature {
            @if let Some(sg) = &ctx.signer {
                table.facts {
                    tr { td { "Archivist" } td { (sg.person.as_deref().map(shown).unwrap_or_else(|| "(name not given)".into())) } }
                    tr { td { "Role" } td { (shown(&sg.role)) } }
                    tr { td { "Signing key" } td { (shown(&sg.key_name)) " (key ID " code { (sg.key_id) } ")" } }
                    tr { td { "Signed at" } td { span.t { (clock.local_text(&sg.at)) } } }
                }
                p.small { "The electronic signature is the file next to this act (" code { "ACT.sig" } "), a signed note by the key above over the act's SHA-256 shown above, the time of signing, the archive and the summary. Check it with " code { "courtseal verify-act ACT --trust TRUST" } "; renaming the act does not affect it. The SHA-256 of this act is the SHA-256 of this file with the 64 digits of that field replaced by 64 zeros." }
            } @else {
                p.small { "This act is not signed electronically. The SHA-256 of this act is the SHA-256 of this file with the 64 digits of the field above replaced by 64 zeros." }
            }
            p { "Signature: " span.line {} "   Date: " span.line {} }
        }
    };
    let page = document::page(&title, body, &ctx.colophon, clock);
    match act_sha256(page.as_bytes()) {
        Ok((digest, _)) => page.replacen(
            &format!("{ACT_SHA256_MARK}{}", "0".repeat(64)),
            &format!("{ACT_SHA256_MARK}{digest}"),
            1,
        ),
        Err(_) => page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> StateHeader {
        StateHeader {
            kind: STATE_KIND.into(),
            run: "run-1".into(),
            archive: "archive".into(),
            options: "opts".into(),
            started_at: "2026-11-25T10:00:00Z".into(),
        }
    }

    fn key() -> StateKey {
        let k = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        StateKey(std::sync::Arc::new(
            crate::note::NoteSigner::new("archivist", k).unwrap(),
        ))
    }

    /// A session whose findings are at a file named `record: x`, at a file
    /// named like a line of the log, at a real place in the record and at a
    /// real log line: the state written and read back by `--resume`.
    fn resumed(dir: &Path, result: &SessionAudit) -> SessionAudit {
        let h = header();
        let k = key();
        let state = dir.join("state.jsonl");
        let text = format!(
            "{}\n{}\n",
            serde_json::to_string(&h).unwrap(),
            state_line_text(&h, "fp", "2026-11-25T10:00:01Z", result, Some(&k))
        );
        fs::write(&state, text).unwrap();
        let Ok((_, got)) = read_state(&state, "archive", "opts", Some(&k)) else {
            panic!("the state is refused");
        };
        got.get("s").expect("the line is taken").result.clone()
    }

    #[test]
    fn a_segment_named_record_x_comes_back_from_a_resumed_state_as_that_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = empty_audit("s");
        for loc in [
            Location::File("record: x".into()),
            Location::File(format!("{}:3", crate::format::LOG_NAME)),
            Location::record("end"),
            Location::log_line(3),
        ] {
            let mut f = Finding::error(Code::SegmentUnsealed, "", "m");
            f.location = loc;
            a.findings.push(f);
        }
        let got = resumed(dir.path(), &a);
        let locs: Vec<Location> = got.findings.iter().map(|f| f.location.clone()).collect();
        assert_eq!(
            locs,
            [
                Location::File("record: x".into()),
                Location::File("courtseal/log.jsonl:3".into()),
                Location::Record("end".into()),
                Location::Line {
                    file: "courtseal/log.jsonl".into(),
                    line: 3
                },
            ]
        );
    }

    #[test]
    fn a_state_line_whose_typed_locations_were_edited_or_dropped_is_not_taken() {
        let dir = tempfile::tempdir().unwrap();
        let h = header();
        let k = key();
        let mut a = empty_audit("s");
        let mut f = Finding::error(Code::SegmentUnsealed, "", "m");
        f.location = Location::File("record: x".into());
        a.findings.push(f);
        let line = state_line_text(&h, "fp", "t", &a, Some(&k));
        let edited = line.replace(r#"{"file":"record: x"}"#, r#"{"record":"x"}"#);
        assert_ne!(edited, line);
        let mut v: serde_json::Value = serde_json::from_str(&line).unwrap();
        v.as_object_mut().unwrap().remove("locations");
        for bad in [edited, v.to_string()] {
            let state = dir.path().join("state.jsonl");
            let head = serde_json::to_string(&h).unwrap();
            fs::write(&state, format!("{head}\n{bad}\n")).unwrap();
            let Ok((_, got)) = read_state(&state, "archive", "opts", Some(&k)) else {
                panic!("the state is refused");
            };
            assert!(got.is_empty(), "{bad}");
        }
    }

    #[test]
    fn a_version_1_state_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = header();
        h.kind = STATE_KIND_V1.into();
        let state = dir.path().join("state.jsonl");
        fs::write(&state, format!("{}\n", serde_json::to_string(&h).unwrap())).unwrap();
        let Err(e) = read_state(&state, "archive", "opts", Some(&key())) else {
            panic!("a version 1 state was taken");
        };
        let e = e.to_string();
        assert!(
            e.ends_with(
                "state.jsonl: it is the state of an audit by an earlier courtseal (courtseal.audit-state/v1), which cannot tell a file named like a place in the record (\"record: …\") from that place, so its results are not taken; nothing can be resumed from it (run the audit without --resume)"
            ),
            "{e}"
        );
    }

    #[test]
    fn every_audit_status_keeps_its_json_name_and_an_unknown_one_is_refused() {
        for st in AuditStatus::ALL {
            let json = serde_json::to_string(&st).unwrap();
            assert_eq!(json, format!("\"{}\"", st.as_str()));
            assert_eq!(serde_json::from_str::<AuditStatus>(&json).unwrap(), st);
        }
        // A resumed state that says "ok" or "INTACT" is not some status.
        for bad in ["\"ok\"", "\"INTACT\"", "\"\"", "1"] {
            assert!(serde_json::from_str::<AuditStatus>(bad).is_err(), "{bad}");
        }
        // The text table pads it like a string.
        assert_eq!(format!("{:<10}|", AuditStatus::Damaged), "damaged   |");
    }
}
