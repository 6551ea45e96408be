//! Verifying a whole session folder: the log, every checkpoint, every segment.
//!
//! Every problem is collected as a [`Finding`]; only a folder that cannot be
//! examined at all is an error.

pub mod checkpoints;
pub mod ledger;
pub mod since;
pub mod timestamps;
pub mod witnesses;

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::digest::{hash_reader, Sha256Digest};
use crate::entry::{self, Entry, SegmentEntry};
use crate::finding::{Code, Finding, Location};
use crate::keys::TrustStore;
use crate::log::{Log, MAX_LOG_BYTES};
use crate::media::{self, MediaOptions, Observation};
use crate::store::layout::{self as session, ScanItem, SessionPaths};
use crate::store::source::{self, LocalSession, ReadError, SessionSource};
use crate::tlog::Tree;
use crate::trust::Statement;
use crate::windows::{self, Sidecar};

/// What to check.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// Hash the segment files (off: log and checkpoints only).
    pub check_media: bool,
    /// Only byte-identical segments pass: a file whose container was
    /// rewritten (every packet identical) is an error, not a warning.
    pub strict: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            check_media: true,
            strict: false,
        }
    }
}

pub use checkpoints::CheckpointStatus;
pub use timestamps::{OutsideSource, OutsideTime};

/// The state of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentState {
    /// Present and byte-identical to the sealed entry.
    Ok,
    /// Present but different bytes.
    Changed,
    /// Sealed, but the file is gone.
    Missing,
    /// Its bytes are those of another sealed segment.
    Moved,
    /// A file that is not in the log.
    Unsealed,
    /// Sealed, present, but cannot be read.
    Unreadable,
    /// Different bytes, but every packet identical: only the container changed.
    Rewritten,
    /// A file an operating system or editor drops into a folder
    /// (`Thumbs.db`, `.DS_Store`, `*.bak`, ...), not sealed: not part of the
    /// evidence.
    #[serde(rename = "not_evidence")]
    NotEvidence,
    /// Destroyed at the end of retention under a trusted retirement entry.
    Retired,
    /// Not checked (`--log-only`).
    Unchecked,
}

/// One segment's result.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentStatus {
    /// Name relative to the session.
    pub name: String,
    /// Result.
    pub state: SegmentState,
    /// Sealed SHA-256, if sealed.
    pub sealed_sha256: Option<Sha256Digest>,
    /// SHA-256 found now, if the file was hashed.
    pub found_sha256: Option<Sha256Digest>,
}

/// The result of verifying one session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionReport {
    /// The session folder as given.
    pub session: String,
    /// True when the folder is a BagIt bag courtseal exported: the segments
    /// are under `data/`, the bag's manifests were checked.
    pub bag: bool,
    /// The log's origin, from its header.
    pub origin: Option<String>,
    /// Number of complete entries in the log.
    pub entries: u64,
    /// Size covered by the largest verified checkpoint.
    pub verified_size: u64,
    /// Every checkpoint file examined.
    pub checkpoints: Vec<CheckpointStatus>,
    /// Every segment, sealed or found.
    pub segments: Vec<SegmentStatus>,
    /// Observations sealed with the segments (silence): not verdicts.
    pub observations: Vec<SegmentObservation>,
    /// Operator events, in the order they were sealed.
    pub events: Vec<EventStatus>,
    /// Sealed short-form records (`record` entries), in log order, each with
    /// what became of it (the latest valid one is in force).
    pub records: Vec<crate::record::sealed::SealedRecordStatus>,
    /// Number of heartbeat entries.
    pub heartbeats: u64,
    /// When the session was closed, if it was.
    pub closed_at: Option<String>,
    /// Times the court does not control at which a prefix of the log
    /// existed: valid RFC 3161 tokens and witness cosignatures, by size
    /// then time.
    pub outside_times: Vec<OutsideTime>,
    /// A checkpoint a party kept, against the log now (`verify --since`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<since::SinceStatus>,
    /// Every problem found.
    pub findings: Vec<Finding>,
}

/// An operator event as sealed, with the result of checking it.
#[derive(Debug, Clone, Serialize)]
pub struct EventStatus {
    /// Log line.
    pub line: usize,
    /// When it was sealed (the time the log fixes).
    pub sealed_at: String,
    /// The time the operator states.
    pub at: String,
    /// start, pause, …
    pub event: String,
    /// The operator's reason.
    pub reason: String,
    /// The operator's key name, as signed.
    pub operator: String,
    /// The signature verifies and the key is trusted as an operator key.
    pub ok: bool,
    /// A trusted checkpoint covers it: only then does it count.
    pub sealed: bool,
}

/// An observation about one segment.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentObservation {
    /// The segment.
    pub segment: String,
    /// What was observed.
    #[serde(flatten)]
    pub observation: Observation,
}

/// The session folder cannot be examined at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Missing, or not a folder.
    #[error("{0}: not a session folder (it does not exist or is not a directory)")]
    NotASession(PathBuf),
    /// The tool's folder cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

use crate::format::LOG_NAME;

/// Largest packet-windows sidecar read, in bytes.
pub const MAX_SIDECAR_BYTES: u64 = 256 << 20;

/// How long before its own sealing time an operator event may state that it
/// happened: an operator who enters a break a few minutes late is honest;
/// one stated more than this before the entry was sealed is
/// `event.backdated` from the entry alone (docs/findings.md).
pub const EVENT_BACKDATED_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// How far after its own sealing time an operator event's stated time may
/// be (the operator's clock and the sealer's may differ by this much); later
/// is `event.future`.
pub const EVENT_CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(5);

/// What the trusted checkpoints prove about a log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifiedMaterial {
    /// Entries covered by the largest trusted checkpoint: lines
    /// `1..=verified_size` are sealed; anything after proves nothing.
    pub verified_size: u64,
    /// The root hash of that prefix (`None` when nothing is proven).
    pub root: Option<crate::tlog::Hash>,
    /// The size of every trusted checkpoint, ascending, without repeats.
    pub trusted_sizes: Vec<u64>,
    /// Times the court does not control at which the log's first `size`
    /// entries existed (valid timestamp tokens), by size then time. They
    /// stand without the checkpoint files: each is checked against the
    /// checkpoint body rebuilt from the log.
    pub outside_times: Vec<OutsideTime>,
}

/// A session as `verify` found it: the report, the log it was made from
/// and what the trusted checkpoints prove. Everything that relies on a
/// verification (the record check, an audit) works on this, never on the
/// folder again.
#[derive(Debug, Clone)]
pub struct VerifiedSession {
    /// Everything found.
    pub report: SessionReport,
    /// The log as parsed (all of it; only the verified prefix is sealed).
    pub log: Log,
    /// What the trusted checkpoints prove.
    pub material: VerifiedMaterial,
}

impl VerifiedSession {
    /// The lines a trusted checkpoint covers: the only ones that count.
    pub fn sealed_lines(&self) -> &[crate::log::LogLine] {
        let n = usize::try_from(self.material.verified_size)
            .unwrap_or(usize::MAX)
            .min(self.log.lines.len());
        &self.log.lines[..n]
    }

    /// Whether log line `number` (from 1) is covered by a trusted checkpoint.
    pub fn is_sealed(&self, number: usize) -> bool {
        number as u64 <= self.material.verified_size && number <= self.log.lines.len()
    }
}

/// Verifies the session at `root` against the trusted keys.
pub fn verify_session(
    root: &Path,
    trust: &TrustStore,
    opts: VerifyOptions,
) -> Result<SessionReport, VerifyError> {
    verify(root, trust, opts).map(|v| v.report)
}

/// [`verify_session`], calling `progress` with the size of each file as it
/// is checked (from several threads).
pub fn verify_session_with_progress(
    root: &Path,
    trust: &TrustStore,
    opts: VerifyOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<SessionReport, VerifyError> {
    verify_with_progress(root, trust, opts, progress).map(|v| v.report)
}

/// Verifies the session at `root`: the report, with the parsed log and
/// what its trusted checkpoints prove.
pub fn verify(
    root: &Path,
    trust: &TrustStore,
    opts: VerifyOptions,
) -> Result<VerifiedSession, VerifyError> {
    verify_with_progress(root, trust, opts, &|_| {})
}

/// [`verify`], calling `progress` with the size of each file as it is
/// checked (from several threads).
pub fn verify_with_progress(
    root: &Path,
    trust: &TrustStore,
    opts: VerifyOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<VerifiedSession, VerifyError> {
    if !root.is_dir() {
        return Err(VerifyError::NotASession(root.to_owned()));
    }
    verify_opened(&LocalSession::new(root), trust, opts, progress)
}

/// [`verify_with_progress`] of a session already opened (an archive's,
/// found by a walk that followed no link): every file of it, the tool's
/// folder, the sidecars, the recording and a bag's manifests, is read
/// through `session`, never by a path.
pub fn verify_opened(
    session: &LocalSession,
    trust: &TrustStore,
    opts: VerifyOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<VerifiedSession, VerifyError> {
    let root = session.root();
    let paths = SessionPaths::new(root);
    // Every file is read through this one door: by a name inside the
    // session, never through a link, never a FIFO.
    let source: &dyn SessionSource = session;
    let mut findings = Vec::new();
    // A bag courtseal exported: the recording is under data/, the tool's
    // folder at the top; the bag's own manifests are checked first.
    let bag = crate::store::bagit::is_bag_in(source);
    let media_under = if bag {
        findings.extend(crate::store::bagit::check_bag_in(source));
        Some(crate::store::bagit::PAYLOAD_DIR)
    } else {
        None
    };
    let mut observations = Vec::new();
    let log = match source.read(LOG_NAME, MAX_LOG_BYTES) {
        Ok(bytes) => Some(Log::parse(&bytes)),
        Err(ReadError::Missing) => {
            findings.push(Finding::error(
                Code::LogMissing,
                LOG_NAME,
                "there is no courtseal log: this folder was never sealed, or its log was deleted",
            ));
            None
        }
        Err(e) => {
            return Err(VerifyError::Io {
                path: paths.log.clone(),
                source: io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
            })
        }
    };
    if log
        .as_ref()
        .is_some_and(|l| l.lines.is_empty() && l.torn_tail.is_none())
    {
        findings.push(Finding::error(
            Code::LogMissing,
            LOG_NAME,
            "the log is empty: this folder was never sealed, or its log was emptied",
        ));
    }
    let log = log.unwrap_or_default();
    check_log_lines(&log, &mut findings);
    let tree = log.tree();
    // Checkpoints first (their findings keep their place below): only a
    // retirement entry a trusted checkpoint covers retires anything.
    let mut checkpoint_findings = Vec::new();
    let (checkpoints, verified_size) =
        check_checkpoints(source, &log, &tree, trust, &mut checkpoint_findings)?;
    let mut timestamp_findings = Vec::new();
    // The ledger's evidence: its cosignatures and timestamps count as the
    // session's own. Checked first (its findings follow the timestamps'):
    // its tokens count with the session's for renewal and a required TSA.
    let trusted_sizes: Vec<u64> = checkpoints
        .iter()
        .filter(|c| c.ok && !c.latest)
        .filter_map(|c| c.size)
        .collect();
    let mut ledger_findings = Vec::new();
    let ledger = ledger::check(
        source,
        &log,
        &tree,
        trust,
        &trusted_sizes,
        verified_size,
        &mut ledger_findings,
    );
    let mut outside_times = timestamps::check(
        source,
        &log,
        &tree,
        trust,
        &ledger.tokens,
        &mut timestamp_findings,
    );
    timestamp_findings.extend(ledger_findings);
    outside_times.extend(ledger.outside);
    outside_times.extend(witnesses::check(
        source,
        &log,
        &tree,
        trust,
        verified_size,
        &ledger.covered,
        &mut timestamp_findings,
    ));
    outside_times.sort_by_key(|a| (a.size, a.time));
    let (events, retired) = check_service_entries(
        source,
        &log,
        trust,
        verified_size,
        &outside_times,
        &mut findings,
    );
    let sealed_records = crate::record::sealed::sealed_records(&log, verified_size, trust);
    findings.extend(sealed_records.findings);
    let records = sealed_records.statuses;
    // Only what a trusted checkpoint covers says what the service did.
    let sealed = &log.lines[..usize::try_from(verified_size)
        .unwrap_or(usize::MAX)
        .min(log.lines.len())];
    let heartbeats = sealed
        .iter()
        .filter(|l| matches!(l.entry, Ok(Entry::Heartbeat(_))))
        .count() as u64;
    let closed_at = sealed.iter().find_map(|l| match &l.entry {
        Ok(Entry::Close(c)) => Some(c.at.clone()),
        _ => None,
    });
    if heartbeats > 0 && closed_at.is_none() {
        findings.push(Finding::warning(
            Code::SessionNotClosed,
            LOG_NAME,
            format!(
                "the sealing service ran this session ({heartbeats} heartbeat(s) sealed) but no close entry is sealed: it is still being recorded, the service stopped, or entries were removed from the end of the log; its end is not proven"
            ),
        ));
    }
    let origin = log.header().map(|h| h.origin.clone());
    findings.extend(checkpoint_findings);
    findings.extend(timestamp_findings);
    if !bag {
        findings.extend(folder_name_finding(session, &log));
    }
    if tree.size() > 0 && verified_size < tree.size() {
        let first = verified_size + 1;
        let range = if first == tree.size() {
            format!("entry {first} is")
        } else {
            format!("entries {first} to {} are", tree.size())
        };
        if verified_size == 0 {
            findings.push(Finding::error(
                Code::LogUnsignedEntries,
                Location::log_line(first as usize),
                format!("{range} not covered by any trusted checkpoint, so nothing in this log is proven"),
            ));
        } else {
            // The signed prefix stands on its own; what follows proves
            // nothing (a service stopped between writing and signing, or
            // lines added by hand), and any segment only named there is
            // reported as unsealed.
            findings.push(Finding::warning(
                Code::LogUnsignedEntries,
                Location::log_line(first as usize),
                format!(
                    "{range} not yet covered by a trusted checkpoint (the sealing service may have stopped between writing and signing); they prove nothing until one covers them"
                ),
            ));
        }
    }

    let segments = if opts.check_media {
        check_segments(
            &Scope {
                source,
                media_under,
                strict: opts.strict,
            },
            &log,
            verified_size,
            &retired,
            &mut findings,
            &mut observations,
            progress,
        )
    } else {
        log.segments()
            .map(|(_, s)| SegmentStatus {
                name: s.name.clone(),
                state: SegmentState::Unchecked,
                sealed_sha256: Some(s.sha256),
                found_sha256: None,
            })
            .collect()
    };

    let mut trusted_sizes: Vec<u64> = checkpoints
        .iter()
        .filter(|c| c.ok)
        .filter_map(|c| c.size)
        .collect();
    trusted_sizes.sort_unstable();
    trusted_sizes.dedup();
    let material = VerifiedMaterial {
        verified_size,
        root: (verified_size > 0)
            .then(|| tree.root_at(verified_size))
            .flatten(),
        trusted_sizes,
        outside_times,
    };
    let report = SessionReport {
        session: root.display().to_string(),
        bag,
        origin,
        entries: tree.size(),
        verified_size,
        checkpoints,
        segments,
        observations,
        events,
        records,
        heartbeats,
        closed_at,
        outside_times: material.outside_times.clone(),
        since: None,
        findings,
    };
    Ok(VerifiedSession {
        report,
        log,
        material,
    })
}

/// Checks what the sealing service and operators put in the log: operator
/// events (signature, trusted operator key), restarts and recoveries.
fn check_service_entries(
    source: &dyn SessionSource,
    log: &Log,
    trust: &TrustStore,
    verified_size: u64,
    outside: &[OutsideTime],
    findings: &mut Vec<Finding>,
) -> (Vec<EventStatus>, HashSet<String>) {
    let origin = log.header().map(|h| h.origin.as_str()).unwrap_or_default();
    let operators = trust.signers_of(Statement::Event);
    let mut events = Vec::new();
    // Segments retired under a valid, trusted retirement entry.
    let mut retired = HashSet::new();
    for l in &log.lines {
        let at = Location::log_line(l.number);
        match &l.entry {
            Ok(Entry::Event(e)) => {
                let name = crate::note::Verifier::from_vkey(&e.operator)
                    .map(|v| v.name().to_owned())
                    .unwrap_or_else(|_| e.operator.clone());
                let ok = match crate::format::statement::check_event(e, origin) {
                    Err(err) => {
                        findings.push(Finding::error(
                            Code::EventBadSignature,
                            &at,
                            format!("the {} event sealed at {}: {err}", e.event, e.sealed_at),
                        ));
                        false
                    }
                    // Verified only with keys of other roles (a party given
                    // the recorder key): the signature holds, but whose key
                    // it is cannot be told. Not tampering: a warning.
                    Ok(v)
                        if operators.is_empty()
                            && trust.roles_of(&v).is_empty()
                            && !trust.is_empty() =>
                    {
                        findings.push(Finding::warning(
                            Code::EventSignerNotConfirmed,
                            &at,
                            format!(
                                "signer not confirmed: you were not given the court's operator keys; the {} event sealed at {} is validly signed by {} ({:08x}), a key this verification does not know (give the court's trust file with --trust to confirm it)",
                                e.event,
                                e.sealed_at,
                                v.name(),
                                v.key_id()
                            ),
                        ));
                        false
                    }
                    Ok(v) if !trust.allows(&v, Statement::Event) => {
                        findings.push(Finding::error(
                            Code::EventUntrustedOperator,
                            &at,
                            format!(
                                "the {} event sealed at {} is signed by {} ({:08x}), which is not trusted as an operator key",
                                e.event,
                                e.sealed_at,
                                v.name(),
                                v.key_id()
                            ),
                        ));
                        false
                    }
                    Ok(_) => true,
                };
                // Its sealing time is proven only under a trusted checkpoint.
                let mut timing = Vec::new();
                if l.number as u64 <= verified_size {
                    timing = event_time_findings(e, &at);
                }
                // An outside time stands on its own, sealed or not.
                if !timing.iter().any(|f| f.code == Code::EventBackdated) {
                    timing.extend(outside_time_findings(e, &at, l.number as u64, outside));
                }
                findings.extend(timing);
                events.push(EventStatus {
                    line: l.number,
                    sealed_at: e.sealed_at.clone(),
                    at: e.at.clone(),
                    event: e.event.clone(),
                    reason: e.reason.clone(),
                    operator: name,
                    ok,
                    sealed: l.number as u64 <= verified_size,
                });
            }
            Ok(Entry::Retire(r)) => match crate::format::statement::check_retire(r, origin) {
                Err(err) => findings.push(Finding::error(
                    Code::RetireBadSignature,
                    &at,
                    format!("the retirement entry of {}: {err}", r.at),
                )),
                Ok(v) if !trust.allows(&v, Statement::Retire) => findings.push(Finding::error(
                    Code::RetireUntrustedArchivist,
                    &at,
                    format!(
                        "the retirement entry of {} is signed by {} ({:08x}), which is not trusted as an archivist key",
                        r.at,
                        v.name(),
                        v.key_id()
                    ),
                )),
                // Not covered by a trusted checkpoint: it proves nothing
                // (reported as an unsigned entry), so nothing is retired.
                Ok(_) if l.number as u64 > verified_size => {}
                Ok(v) => {
                    retired.extend(r.segments.iter().cloned());
                    // Version 2: what the destruction relied on, and what
                    // was open at the time.
                    let relied = match (&r.relied_on, &r.open_findings) {
                        (Some(b), Some(open)) => format!(
                            "; it relied on the sealed verdict-in-force date {} (record revision {}, log line {}) and the deadline {} ({} after it); open findings at destruction: {}",
                            b.verdict_in_force,
                            b.record_revision,
                            b.record_line,
                            b.deadline,
                            b.retention,
                            if open.is_empty() { "none".to_owned() } else { open.join(", ") }
                        ),
                        _ => String::new(),
                    };
                    findings.push(Finding::info(
                        Code::SessionRetired,
                        &at,
                        format!(
                            "the media of {} segment(s) were destroyed at {} by archivist {} on the basis: {}{relied}",
                            r.segments.len(),
                            r.at,
                            v.name(),
                            r.basis
                        ),
                    ))
                }
            },
            Ok(Entry::Restart(r)) => findings.push(Finding::info(
                Code::ServiceRestarted,
                &at,
                format!(
                    "the sealing service started again at {} without having closed the session: nothing was sealed between {} and {}",
                    r.at, r.last_seen, r.at
                ),
            )),
            Ok(Entry::Recovery(r)) => {
                // Only a regular file inside the session, of the size stated.
                let kept = entry::check_segment_name(&r.saved_as).is_ok()
                    && source
                        .read(&r.saved_as, r.length)
                        .is_ok_and(|b| Sha256Digest::of(&b) == r.sha256);
                findings.push(Finding::info(
                    Code::LogRecovered,
                    &at,
                    format!(
                        "an incomplete line of {} bytes left by an interrupted write at byte {} was moved to {} ({}); it was never part of any checkpoint",
                        r.length,
                        r.offset,
                        r.saved_as,
                        if kept { "kept, unchanged" } else { "that file is missing or changed" }
                    ),
                ));
            }
            _ => {}
        }
    }
    (events, retired)
}

/// An event's stated time against its own sealing time, from the entry
/// alone: stated far before it was sealed (backdated), or after it
/// (a claim about what had not happened yet).
fn event_time_findings(e: &crate::entry::EventEntry, at: &Location) -> Vec<Finding> {
    let parse = |s: &str| crate::time::UtcTime::parse(s).ok().map(|t| t.instant());
    let (Some(stated), Some(sealed)) = (parse(&e.at), parse(&e.sealed_at)) else {
        return vec![];
    };
    let limit = time::Duration::try_from(EVENT_BACKDATED_AFTER).unwrap_or(time::Duration::MAX);
    let skew = time::Duration::try_from(EVENT_CLOCK_SKEW).unwrap_or(time::Duration::MAX);
    let mut out = Vec::new();
    if stated.checked_add(limit).is_some_and(|t| t < sealed) {
        let secs = (sealed - stated).as_seconds_f64();
        out.push(
            Finding::error(
                Code::EventBackdated,
                at,
                format!(
                    "the {} event states {}, but it was sealed at {}, {:.0} s later (more than the {} s an operator may take to enter it): it was entered afterwards",
                    e.event,
                    e.at,
                    e.sealed_at,
                    secs,
                    EVENT_BACKDATED_AFTER.as_secs()
                ),
            )
            .with_time(stated, sealed),
        );
    } else if sealed.checked_add(skew).is_some_and(|t| stated > t) {
        let secs = (stated - sealed).as_seconds_f64();
        out.push(
            Finding::warning(
                Code::EventFuture,
                at,
                format!(
                    "the {} event states {}, {:.0} s after it was sealed ({}): it describes something that had not happened yet, and stands for nothing",
                    e.event, e.at, secs, e.sealed_at
                ),
            )
            .with_time(sealed, stated),
        );
    }
    out
}

/// An event against the outside times: a checkpoint timestamped at T that
/// does not include it proves it was entered after T; stating a time more
/// than [`EVENT_BACKDATED_AFTER`] before T is backdating, whatever the
/// court's clock wrote as its sealing time.
fn outside_time_findings(
    e: &crate::entry::EventEntry,
    at: &Location,
    line: u64,
    outside: &[OutsideTime],
) -> Vec<Finding> {
    let Some(stated) = crate::time::UtcTime::parse(&e.at).ok().map(|t| t.instant()) else {
        return vec![];
    };
    let Some(before) = timestamps::not_before(outside, line) else {
        return vec![];
    };
    let limit = time::Duration::try_from(EVENT_BACKDATED_AFTER).unwrap_or(time::Duration::MAX);
    if stated.checked_add(limit).is_none_or(|t| t >= before.time) {
        return vec![];
    }
    let (who, what, file) = match &before.source {
        OutsideSource::Timestamp { tsa, file, .. } => (tsa, "timestamped", file),
        OutsideSource::Cosignature { witness, file } => (witness, "cosigned", file),
    };
    let secs = (before.time - stated).as_seconds_f64();
    vec![Finding::error(
        Code::EventBackdated,
        at,
        format!(
            "the {} event states {} and says it was sealed at {}, but {who} {what} the log at {} with {} entries ({file}), without it (line {line}): it was entered after that time, at least {secs:.0} s after the time it states (more than the {} s an operator may take)",
            e.event,
            e.at,
            e.sealed_at,
            crate::timestamp::rfc3339(before.time),
            before.size,
            EVENT_BACKDATED_AFTER.as_secs()
        ),
    )
    .with_time(stated, before.time)]
}

fn check_log_lines(log: &Log, findings: &mut Vec<Finding>) {
    for l in &log.lines {
        let at = Location::log_line(l.number);
        match &l.entry {
            Err(e) => findings.push(Finding::error(
                Code::LogCorrupt,
                at,
                format!("line {} is not a valid entry: {e}", l.number),
            )),
            Ok(Entry::Session(_)) if l.number != 1 => findings.push(Finding::error(
                Code::LogCorrupt,
                at,
                format!(
                    "line {} is a second session header; only the first line may be one",
                    l.number
                ),
            )),
            Ok(Entry::Session(_)) => {}
            Ok(_) if l.number == 1 => findings.push(Finding::error(
                Code::LogCorrupt,
                at,
                "the first line is not the session header",
            )),
            Ok(_) => {}
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (n, s) in log.segments() {
        if let Some(first) = seen.insert(&s.name, n) {
            findings.push(Finding::error(
                Code::LogCorrupt,
                Location::log_line(n),
                format!("segment {} is sealed twice (lines {first} and {n})", s.name),
            ));
        }
    }
    if let Some(tail) = &log.torn_tail {
        let n = log.lines.len() + 1;
        findings.push(Finding::error(
            Code::LogTornTail,
            Location::log_line(n),
            format!(
                "the log ends in {} bytes without a final newline (an interrupted write); they are not part of any checkpoint",
                tail.len()
            ),
        ));
    }
}

/// Reads every checkpoint file of the session and hands them to the one
/// checkpoint verifier; returns their statuses and the largest size covered
/// by a trusted, consistent checkpoint.
fn check_checkpoints(
    source: &dyn SessionSource,
    log: &Log,
    tree: &Tree,
    trust: &TrustStore,
    findings: &mut Vec<Finding>,
) -> Result<(Vec<CheckpointStatus>, u64), VerifyError> {
    const LATEST: &str = "courtseal/checkpoint";
    const FOLDER: &str = "courtseal/checkpoints";
    let io_err = |rel: &str, e: String| VerifyError::Io {
        path: source.local_path(rel).unwrap_or_else(|| PathBuf::from(rel)),
        source: io::Error::new(io::ErrorKind::InvalidData, e),
    };
    // checkpoints/<size> by size, then any other name there, then the latest.
    let mut by_size: Vec<(u64, String, source::Kind)> = Vec::new();
    let mut other: Vec<(String, source::Kind)> = Vec::new();
    match source.list(FOLDER) {
        Ok(listed) => {
            for l in listed.unwrap_or_default() {
                match l
                    .name
                    .parse::<u64>()
                    .ok()
                    .filter(|n| n.to_string() == l.name)
                {
                    Some(size) => by_size.push((size, l.name, l.kind)),
                    None => other.push((l.name, l.kind)),
                }
            }
        }
        Err(e) => findings.push(Finding::warning(
            Code::CheckpointMalformed,
            FOLDER,
            format!("is not a folder reached without a link ({e}); no checkpoint is read from it"),
        )),
    }
    by_size.sort_by_key(|(size, _, _)| *size);
    let mut files: Vec<(String, Option<u64>, source::Kind)> = by_size
        .into_iter()
        .map(|(size, name, kind)| (format!("{FOLDER}/{name}"), Some(size), kind))
        .chain(
            other
                .into_iter()
                .map(|(name, kind)| (format!("{FOLDER}/{name}"), None, kind)),
        )
        .collect();
    match source.stat(LATEST) {
        Ok(Some(kind)) => files.push((LATEST.to_owned(), None, kind)),
        Ok(None) if !log.lines.is_empty() => findings.push(Finding::error(
            Code::CheckpointMissing,
            LATEST,
            "the latest checkpoint file is missing",
        )),
        Ok(None) => {}
        Err(e) => return Err(io_err(LATEST, e.to_string())),
    }
    let mut odd = Vec::new();
    let mut read = Vec::new();
    for (file, named_size, kind) in files {
        let latest = file == LATEST;
        // Every regular file in checkpoints/ is opened, whatever its name:
        // a trusted checkpoint kept under another name (or left as a
        // temporary file) still says how long the log was.
        if !latest && !matches!(kind, source::Kind::File(_)) {
            findings.push(Finding::warning(
                Code::CheckpointMalformed,
                &file,
                if kind == source::Kind::NotUtf8 {
                    "something in checkpoints/ whose name is not UTF-8 (shown with U+FFFD); it is never opened, so it proves nothing; ignored"
                } else {
                    "something in checkpoints/ that is not a regular file; ignored"
                },
            ));
            odd.push(CheckpointStatus {
                file,
                size: None,
                root: None,
                signed_by: vec![],
                latest,
                ok: false,
            });
            continue;
        }
        let stray = !latest && named_size.is_none();
        let bytes = match source.read(&file, session::MAX_CHECKPOINT_BYTES) {
            Ok(b) => b,
            // A stray file too large (or gone) to be a checkpoint is no
            // reason not to examine the session.
            Err(e) if stray => {
                findings.push(Finding::warning(
                    Code::CheckpointMalformed,
                    &file,
                    format!(
                        "a file in checkpoints/ not named by a tree size that cannot be a checkpoint ({e}); ignored"
                    ),
                ));
                odd.push(CheckpointStatus {
                    file,
                    size: None,
                    root: None,
                    signed_by: vec![],
                    latest,
                    ok: false,
                });
                continue;
            }
            Err(e) => return Err(io_err(&file, e.to_string())),
        };
        read.push(checkpoints::CheckpointFile {
            stray,
            file,
            named_size,
            latest,
            bytes,
        });
    }
    let verdict = checkpoints::check_session_checkpoints(&read, log, tree, trust);
    findings.extend(verdict.findings);
    let mut statuses = verdict.statuses;
    statuses.extend(odd);
    Ok((statuses, verdict.verified_size))
}

/// A sealed segment's sidecar in the session, checked against its entry.
fn load_sidecar(
    source: &dyn SessionSource,
    s: &SegmentEntry,
    findings: &mut Vec<Finding>,
) -> Option<Sidecar> {
    let wref = s.media.as_ref()?.windows.as_ref()?;
    // Only a regular file inside the session (the name is the log's).
    let bytes = crate::format::entry::check_segment_name(&wref.file)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
        .and_then(|()| {
            source
                .read(&wref.file, MAX_SIDECAR_BYTES)
                .map_err(|e| io::Error::other(e.to_string()))
        });
    check_sidecar(bytes, s, &wref.file, findings)
}

/// Checks sidecar bytes against the segment's entry (its SHA-256 is sealed
/// there) and parses them.
pub(crate) fn check_sidecar(
    bytes: io::Result<Vec<u8>>,
    s: &SegmentEntry,
    location: &str,
    findings: &mut Vec<Finding>,
) -> Option<Sidecar> {
    let wref = s.media.as_ref()?.windows.as_ref()?;
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            findings.push(Finding::error(
                Code::WindowsMissing,
                location,
                format!(
                    "the packet windows sealed for {} cannot be read ({e})",
                    s.name
                ),
            ));
            return None;
        }
    };
    if Sha256Digest::of(&bytes).to_hex() != wref.sha256 {
        findings.push(Finding::error(
            Code::WindowsChanged,
            location,
            format!(
                "the packet windows sealed for {} were changed after sealing",
                s.name
            ),
        ));
        return None;
    }
    match windows::parse(&bytes) {
        Ok(sc) => Some(sc),
        Err(e) => {
            findings.push(Finding::error(
                Code::WindowsChanged,
                location,
                format!("the packet windows sealed for {} do not parse: {e}", s.name),
            ));
            None
        }
    }
}

/// A sealed observation as a finding; `in_copy` when it was found only in a
/// changed copy, not in what was sealed.
fn observation_finding(segment: &str, o: &Observation, in_copy: bool) -> Option<Finding> {
    let why = if in_copy {
        "in this copy, not in the sealed recording"
    } else {
        "inside the sealed file: the recording was paused or cut before sealing"
    };
    let clock = windows::clock;
    let f = match o.code.as_str() {
        "media.internal_gap" => Finding::warning(
            Code::MediaInternalGap,
            segment,
            format!(
                "stream {}: the timestamps jump forward {:.3} s at {}: nothing was recorded from {} to {} ({why})",
                o.stream,
                o.to - o.from,
                clock(o.from),
                clock(o.from),
                clock(o.to)
            ),
        ),
        "media.timestamp_reversal" => Finding::warning(
            Code::MediaTimestampReversal,
            segment,
            format!("stream {}: the timestamps go back {:.3} s at {}", o.stream, o.to - o.from, clock(o.to)),
        ),
        _ => return None,
    };
    Some(f.with_span(o.from, o.to))
}

/// Unsealed files that may be a missing segment remuxed under a new name
/// are read as media at most this many times per segment.
const REMUX_CANDIDATES: usize = 8;

/// An unsealed file (not a byte copy of a sealed segment, not already
/// matched) whose packets are exactly the sealed ones of `s`: its name and
/// container.
#[allow(clippy::too_many_arguments)]
fn remux_holder(
    s: &SegmentEntry,
    sidecar: &Sidecar,
    names: &[&str],
    sealed_by_name: &HashMap<&str, &SegmentEntry>,
    taken: &[String],
    source: &dyn SessionSource,
    files: &HashMap<&str, String>,
    digest_of: &dyn Fn(&str) -> Option<Sha256Digest>,
    by_digest: &HashMap<Sha256Digest, &SegmentEntry>,
) -> Option<(String, String)> {
    s.media.as_ref()?;
    let opts = MediaOptions {
        window_seconds: sidecar.header.seconds,
        silence: None,
        version: sidecar.header.v.max(windows::V2),
    };
    names
        .iter()
        .filter(|n| !sealed_by_name.contains_key(**n) && !taken.iter().any(|t| t == *n))
        .filter(|n| digest_of(n).is_none_or(|d| !by_digest.contains_key(&d)))
        .filter(|n| !is_os_dropping(n))
        .take(REMUX_CANDIDATES)
        .find_map(|n| {
            // FFmpeg opens the checked handle, never the name (see
            // `OpenedFile::fd_path`).
            let opened = source.open(files.get(*n)?).ok()?;
            let now = media::analyze(&opened.fd_path(), &opts, windows::copy_keep(sidecar)).ok()?;
            windows::explain(sidecar, &now).is_empty().then(|| {
                (
                    (*n).to_owned(),
                    now.facts.container.unwrap_or_else(|| "different".into()),
                )
            })
        })
}

/// How far (seconds) a gap in a changed copy's timestamps may reach past
/// the stretch of the copy's clock where a change sits and still be that
/// change's trace: a packet's duration is rounded in some containers.
const HOLE_SLACK: f64 = 0.05;

/// [`explain_change`] of the session file `rel`: FFmpeg is handed the
/// handle opened through the session's door (`/proc/self/fd/N`), so what it
/// reads is the regular file inside the session that was checked, even if
/// the name is swapped for a link or a FIFO meanwhile.
fn explain_in_session(
    scope: &Scope<'_>,
    s: &SegmentEntry,
    rel: &str,
    location: &str,
    sidecar: &Sidecar,
    findings: &mut Vec<Finding>,
) -> SegmentState {
    match scope.source.open(rel) {
        Ok(opened) => explain_change(s, &opened.fd_path(), location, sidecar, findings),
        Err(e) => {
            findings.push(Finding::error(
                Code::MediaUnreadable,
                location,
                format!("the changed file can no longer be read as media: {e}"),
            ));
            SegmentState::Changed
        }
    }
}

/// Explains how a changed file differs from what was sealed; findings are
/// placed at `location` (the segment's name, or the file checked).
pub(crate) fn explain_change(
    s: &SegmentEntry,
    path: &Path,
    location: &str,
    sidecar: &Sidecar,
    findings: &mut Vec<Finding>,
) -> SegmentState {
    let opts = MediaOptions {
        window_seconds: sidecar.header.seconds,
        silence: None,
        // The copy's packets read as the sealed sidecar's version defines them.
        version: sidecar.header.v.max(windows::V2),
    };
    let now = match media::analyze(path, &opts, windows::copy_keep(sidecar)) {
        Ok(a) => a,
        Err(e) => {
            findings.push(Finding::error(
                Code::MediaUnreadable,
                location,
                format!("the changed file can no longer be read as media: {e}"),
            ));
            return SegmentState::Changed;
        }
    };
    let changes = windows::explain(sidecar, &now);
    let sealed_start = s.media.as_ref().and_then(|m| m.declared_start.as_deref());
    // A remux usually drops the tag; only a different claimed time matters.
    let now_start = now.facts.declared_start.as_deref();
    if now_start.is_some() && sealed_start != now_start {
        findings.push(Finding::warning(
            Code::SegmentDeclaredStartChanged,
            location,
            format!(
                "the start time the file declares (creation_time) is {} in the copy but was {} when sealed; the sealed value is the one to rely on",
                now_start.unwrap_or("absent"),
                sealed_start.unwrap_or("absent")
            ),
        ));
    }
    // What was observed in the sealed recording still stands.
    for o in s.media.iter().flat_map(|m| m.observations.iter()) {
        findings.extend(observation_finding(location, o, false));
    }
    let sealed_obs: Vec<&Observation> =
        s.media.iter().flat_map(|m| m.observations.iter()).collect();
    // A gap in the copy's own timestamps where content is missing is the
    // trace of that change (the copy kept the hole in its clock): said
    // with the change, not as a finding of its own.
    let mut holes: Vec<Option<(f64, f64)>> = vec![None; changes.len()];
    for o in &now.facts.observations {
        let known = sealed_obs
            .iter()
            .any(|k| k.code == o.code && (k.from - o.from).abs() < 0.05);
        if known {
            continue;
        }
        let hole = (o.code == "media.internal_gap")
            .then(|| {
                changes.iter().position(|c| {
                    c.stream == o.stream
                        && c.copy_span.is_some_and(|(a, b)| {
                            o.from >= a - HOLE_SLACK && o.to <= b + HOLE_SLACK
                        })
                })
            })
            .flatten();
        match hole {
            Some(i) => holes[i] = Some((o.from, o.to)),
            None => findings.extend(observation_finding(location, o, true)),
        }
    }
    if changes.is_empty() {
        // Replace the headline: the bytes differ but the recording does not.
        findings.retain(|f| !(f.code == "segment.changed" && f.location == location));
        findings.push(Finding::warning(
            Code::SegmentContainerRewritten,
            location,
            format!(
                "the file's bytes differ from the sealed ones, but every audio/video packet is identical and in order (now a {} file): the recording itself is intact; only the container was rewritten, as a remux or a download portal does",
                now.facts.container.as_deref().unwrap_or("different")
            ),
        ));
        return SegmentState::Rewritten;
    }
    for (c, hole) in changes.into_iter().zip(holes) {
        let stream = sidecar
            .header
            .streams
            .get(c.stream)
            .map_or("?", |st| st.kind.as_str());
        let hole = hole.map_or(String::new(), |(a, b)| {
            format!(
                "; the copy's timestamps keep the hole: they jump {:.3} s, from {} to {}",
                b - a,
                windows::clock(a),
                windows::clock(b)
            )
        });
        findings.push(
            Finding::error(
                c.code,
                location,
                format!("{stream} stream: {}{hole}", c.message),
            )
            .with_span(c.from, c.to),
        );
    }
    SegmentState::Changed
}

/// Where a session's files are: the tool's folder and sidecars below
/// `root`, the recording below `media_under` (the session folder itself,
/// or a bag's `data/`), every one read through `source`.
struct Scope<'a> {
    source: &'a dyn SessionSource,
    media_under: Option<&'a str>,
    strict: bool,
}

/// A warning when the session folder's name is not the one sealed in the
/// header: a copy may have been renamed on the way (harmless), or the
/// folder may be another session's. The sealed name is the one to rely on.
///
/// The name is taken from the folder's opened handle, the very folder every
/// file was read from ([`LocalSession::folder_name`]); only where the handle
/// cannot say (no `/proc`) from the path as given, with its links resolved.
fn folder_name_finding(session: &LocalSession, log: &Log) -> Option<Finding> {
    let sealed = &log.header()?.session;
    let now = session.folder_name().or_else(|| {
        session
            .root()
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
    })?;
    (now != *sealed).then(|| {
        Finding::warning(
            Code::SessionFolderRenamed,
            ".",
            format!(
                "the folder is named {now:?}, but the session was sealed in a folder named {sealed:?}: it was renamed or copied under another name (the sealed name and origin are the ones to rely on)"
            ),
        )
    })
}

pub use crate::store::layout::is_os_dropping;

/// Why a sealed entry's name can never be a segment: the short-form record
/// or one of the tool's own files (the scan never lists them, so the entry
/// would read as "the file is gone").
fn reserved_name(name: &str) -> Option<&'static str> {
    if session::RECORD_FILES.contains(&name) {
        Some("the short-form record")
    } else if name == session::TOOL_DIR || name.starts_with(&format!("{}/", session::TOOL_DIR)) {
        Some("one of courtseal's own files")
    } else {
        None
    }
}

/// Under `--strict`, a container-only match of the file at `location` is
/// an error: only byte-identical files pass.
pub(crate) fn apply_strict(findings: &mut [Finding], location: &str) {
    for f in findings
        .iter_mut()
        .filter(|f| f.code == Code::SegmentContainerRewritten && f.location == location)
    {
        f.severity = crate::finding::Severity::Error;
        f.message.push_str(
            " (--strict: only a byte-identical file passes, so this copy is not accepted)",
        );
    }
}

fn check_segments(
    scope: &Scope<'_>,
    log: &Log,
    verified_size: u64,
    retired: &HashSet<String>,
    findings: &mut Vec<Finding>,
    observations: &mut Vec<SegmentObservation>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<SegmentStatus> {
    // The recording is listed and read through the session's door: no
    // link (on the way or as the file) is followed, no FIFO is opened.
    let items = source::scan(scope.source, scope.media_under);
    findings.extend(session::scan_findings(&items));
    let files: HashMap<&str, String> = items
        .iter()
        .filter_map(|i| match i {
            ScanItem::File { name, .. } => {
                Some((name.as_str(), source::segment_rel(scope.media_under, name)))
            }
            _ => None,
        })
        .collect();
    // Only entries a trusted checkpoint covers count as sealed (none when
    // no checkpoint verifies): the rest vouch for nothing.
    let proven = |line: usize| line as u64 <= verified_size;
    // An entry naming the record or the tool's own files is corrupt: no
    // recorder writes one, so it is never looked for as a segment.
    let mut sealed: Vec<&SegmentEntry> = Vec::new();
    for (n, s) in log.segments().filter(|(n, _)| proven(*n)) {
        match reserved_name(&s.name) {
            Some(what) => findings.push(Finding::error(
                Code::LogCorrupt,
                Location::log_line(n),
                format!(
                    "segment entry #{} names {:?}, which is {what}, never a segment: the entry is corrupt (made by hand, or by a faulty tool)",
                    s.seq, s.name
                ),
            )),
            None => sealed.push(s),
        }
    }
    let unproven: HashSet<&str> = log
        .segments()
        .filter(|(n, _)| !proven(*n))
        .map(|(_, s)| s.name.as_str())
        .collect();
    let sealed_by_name: HashMap<&str, &SegmentEntry> =
        sealed.iter().map(|s| (s.name.as_str(), *s)).collect();
    let sealed_sizes: HashSet<u64> = sealed.iter().map(|s| s.size).collect();

    // Hash, in parallel, every file whose size could match a sealed segment;
    // a file of any other size cannot hold sealed bytes.
    let mut names: Vec<&str> = files.keys().copied().collect();
    names.sort_unstable();
    let hashed: HashMap<&str, Result<(Option<Sha256Digest>, u64), String>> = names
        .par_iter()
        .map(|name| {
            // The handle checked to be a regular file is the one hashed.
            let r = match scope.source.open(&files[name]) {
                Ok(f) if !sealed_sizes.contains(&f.len) => Ok((None, f.len)),
                Ok(f) => hash_reader(&f.file)
                    .map(|(d, n)| (Some(d), n))
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            progress(r.as_ref().map_or(0, |(_, n)| *n));
            (*name, r)
        })
        .collect();
    let digest_of = |name: &str| -> Option<Sha256Digest> {
        match hashed.get(name) {
            Some(Ok((Some(d), _))) => Some(*d),
            _ => None,
        }
    };
    let by_digest: HashMap<Sha256Digest, &SegmentEntry> =
        sealed.iter().map(|s| (s.sha256, *s)).collect();
    let intact = |s: &SegmentEntry| digest_of(&s.name).is_some_and(|h| h == s.sha256);
    // An unsealed file that holds a sealed segment's bytes.
    let holder_of = |s: &SegmentEntry| -> Option<&str> {
        names
            .iter()
            .find(|n| {
                !sealed_by_name.contains_key(**n) && digest_of(n).is_some_and(|h| h == s.sha256)
            })
            .copied()
    };

    // An unproven entry naming a file that is not there claims a recording
    // nobody can see: reported on its line.
    for (n, s) in log.segments().filter(|(n, _)| !proven(*n)) {
        if !files.contains_key(s.name.as_str()) && !sealed_by_name.contains_key(s.name.as_str()) {
            findings.push(Finding::error(
                Code::LogUnprovenFileMissing,
                Location::log_line(n),
                format!(
                    "names segment {} ({} bytes), which no trusted checkpoint covers and which is not in the folder: a claimed recording that nothing proves and nobody can examine",
                    s.name, s.size
                ),
            ));
        }
    }

    // Unsealed files found to hold a missing segment's packets (a remux
    // saved under a new name): reported on the segment, not as unsealed.
    let mut remuxed: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for s in &sealed {
        let name = s.name.as_str();
        let mut st = SegmentStatus {
            name: s.name.clone(),
            state: SegmentState::Ok,
            sealed_sha256: Some(s.sha256),
            found_sha256: digest_of(name),
        };
        let sidecar = load_sidecar(scope.source, s, findings);
        match hashed.get(name) {
            None if retired.contains(&s.name) => st.state = SegmentState::Retired,
            None => match holder_of(s) {
                Some(h) => {
                    st.state = SegmentState::Moved;
                    findings.push(Finding::error(
                        Code::SegmentMoved,
                        name,
                        format!("is missing, but its sealed bytes are now in {h}"),
                    ));
                }
                None => match sidecar.as_ref().and_then(|sc| {
                    remux_holder(
                        s,
                        sc,
                        &names,
                        &sealed_by_name,
                        &remuxed,
                        scope.source,
                        &files,
                        &digest_of,
                        &by_digest,
                    )
                }) {
                    Some((h, container)) => {
                        st.state = SegmentState::Moved;
                        findings.push(Finding::error(
                        Code::SegmentMoved,
                        name,
                        format!(
                            "is missing, but {h} holds its sealed recording: every sealed audio/video packet is in it, in order and at its sealed time, in a {container} file: the segment was remuxed and saved under a new name"
                        ),
                    ));
                        remuxed.push(h);
                    }
                    None => {
                        st.state = SegmentState::Missing;
                        findings.push(Finding::error(
                            Code::SegmentMissing,
                            name,
                            format!(
                                "was sealed (segment #{}, {} bytes) but the file is gone",
                                s.seq, s.size
                            ),
                        ));
                    }
                },
            },
            Some(Err(e)) => {
                st.state = SegmentState::Unreadable;
                findings.push(Finding::error(
                    Code::SegmentUnreadable,
                    name,
                    format!("cannot be read: {e}"),
                ));
            }
            Some(Ok(_)) if intact(s) => {
                for o in s.media.iter().flat_map(|m| m.observations.iter()) {
                    match observation_finding(name, o, false) {
                        Some(f) => findings.push(f),
                        None => observations.push(SegmentObservation {
                            segment: s.name.clone(),
                            observation: o.clone(),
                        }),
                    }
                }
            }
            Some(Ok((_, size))) => {
                let other = digest_of(name).and_then(|h| by_digest.get(&h).copied());
                if let Some(other) = other.filter(|o| o.name != s.name) {
                    st.state = SegmentState::Moved;
                    findings.push(Finding::error(
                        Code::SegmentMoved,
                        name,
                        format!(
                            "holds the bytes sealed as {} (segment #{}), not its own",
                            other.name, other.seq
                        ),
                    ));
                } else {
                    st.state = SegmentState::Changed;
                    let what = if *size != s.size {
                        format!("is {size} bytes, sealed as {} bytes", s.size)
                    } else {
                        format!("has the sealed size ({size} bytes) but different content")
                    };
                    let held = holder_of(s)
                        .map(|h| format!("; its sealed bytes are now in {h}"))
                        .unwrap_or_default();
                    findings.push(Finding::error(
                        Code::SegmentChanged,
                        name,
                        format!(
                            "{what}; its SHA-256 no longer matches sealed segment #{} (sealed {}){held}",
                            s.seq,
                            s.sha256.short()
                        ),
                    ));
                    if let Some(sc) = &sidecar {
                        st.state = explain_in_session(scope, s, &files[name], name, sc, findings);
                        if scope.strict && st.state == SegmentState::Rewritten {
                            apply_strict(findings, name);
                        }
                    }
                }
            }
        }
        out.push(st);
    }
    for name in &names {
        if sealed_by_name.contains_key(name) {
            continue;
        }
        let copy_of = digest_of(name).and_then(|h| by_digest.get(&h).copied());
        let mut st = SegmentStatus {
            name: (*name).to_owned(),
            state: SegmentState::Unsealed,
            sealed_sha256: copy_of.map(|s| s.sha256),
            found_sha256: digest_of(name),
        };
        if remuxed.iter().any(|r| r == name) {
            // Reported on the sealed segment it is a remux of.
            st.state = SegmentState::Moved;
            out.push(st);
            continue;
        }
        match copy_of {
            Some(orig) if !intact(orig) => {
                // Reported on the original (segment.moved or segment.changed),
                // whose message names this file.
                st.state = SegmentState::Moved;
            }
            _ if is_os_dropping(name) => {
                st.state = SegmentState::NotEvidence;
                let copy = copy_of
                    .map(|o| format!(" (it holds a copy of sealed segment {})", o.name))
                    .unwrap_or_default();
                findings.push(Finding::warning(
                    Code::SegmentNotEvidence,
                    *name,
                    format!(
                        "is a file an operating system, file manager or editor leaves in a folder on its own (a thumbnail cache, folder settings, a backup or resource-fork copy){copy}: it was not sealed and is not part of the evidence; the sealed recording is judged without it"
                    ),
                ));
            }
            Some(orig) => findings.push(Finding::error(
                Code::SegmentUnsealed,
                *name,
                format!(
                    "is not in the log (its bytes are a copy of sealed segment {})",
                    orig.name
                ),
            )),
            None if unproven.contains(name) => findings.push(Finding::error(
                Code::SegmentUnsealed,
                *name,
                "is named only by log entries no trusted checkpoint covers, so it is not proven sealed",
            )),
            None => findings.push(Finding::error(
                Code::SegmentUnsealed,
                *name,
                "is not in the log: it was added after sealing, or never sealed",
            )),
        }
        out.push(st);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at: &str, sealed_at: &str) -> crate::entry::EventEntry {
        crate::entry::EventEntry {
            v: 1,
            kind: "event".into(),
            event: "break".into(),
            at: at.into(),
            reason: "r".into(),
            operator: "op".into(),
            note: "n".into(),
            sealed_at: sealed_at.into(),
        }
    }

    fn codes(at: &str, sealed_at: &str) -> Vec<(Code, Severity)> {
        event_time_findings(&event(at, sealed_at), &Location::log_line(3))
            .into_iter()
            .map(|f| (f.code, f.severity))
            .collect()
    }

    use crate::finding::Severity;

    // "Far" before its own sealing is more than 600 s; after it, more than
    // 5 s of clock skew.
    #[test]
    fn event_times_against_their_own_sealing_time_edges() {
        let sealed = "2026-11-20T10:10:00Z";
        assert_eq!(codes("2026-11-20T10:00:00Z", sealed), vec![]);
        assert_eq!(
            codes("2026-11-20T09:59:59.999Z", sealed),
            vec![(Code::EventBackdated, Severity::Error)]
        );
        assert_eq!(codes("2026-11-20T10:10:05Z", sealed), vec![]);
        assert_eq!(
            codes("2026-11-20T10:10:05.001Z", sealed),
            vec![(Code::EventFuture, Severity::Warning)]
        );
        // Times that do not parse are judged by nobody here (the entry's
        // own parse reports them); the ends of the calendar do not panic.
        assert_eq!(codes("yesterday", sealed), vec![]);
        assert_eq!(
            codes("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
            vec![(Code::EventBackdated, Severity::Error)]
        );
        assert_eq!(
            codes("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"),
            vec![(Code::EventFuture, Severity::Warning)]
        );
        let f = &event_time_findings(
            &event("2026-11-20T09:00:00Z", sealed),
            &Location::log_line(3),
        )[0];
        assert_eq!(f.location, "courtseal/log.jsonl:3");
        let t = f.time.as_ref().unwrap();
        assert_eq!(
            (t.from.as_str(), t.to.as_str(), t.seconds),
            ("2026-11-20T09:00:00Z", sealed, 4200.0)
        );
    }
}
