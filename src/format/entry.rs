//! Log entries: one compact JSON object per line, fields in a fixed order,
//! each starting with `"v"` (format version) and `"kind"`.
//!
//! The bytes of a line as stored are the bytes that are hashed (without the
//! terminating newline); nothing here is ever re-serialised for verification.

use serde::{Deserialize, Serialize};

use crate::digest::Sha256Digest;

/// The entry format version written by this build.
pub const VERSION: u32 = 1;

/// The version of a `retire` entry that records the retention basis it
/// relied on and the findings open at destruction ([`RetireEntry::relied_on`]).
/// Version 1 retire entries (without them) parse and verify as before.
pub const RETIRE_VERSION: u32 = 2;

/// The `session` header: always the first line of a log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionHeader {
    /// Format version.
    pub v: u32,
    /// Always `"session"`.
    pub kind: String,
    /// The log's origin (the first line of every checkpoint).
    pub origin: String,
    /// The session folder's name when it was sealed.
    pub session: String,
    /// Court, from the short-form record when present.
    pub court: Option<String>,
    /// Courtroom.
    pub courtroom: Option<String>,
    /// Case number.
    pub case: Option<String>,
    /// Presiding judge.
    pub judge: Option<String>,
    /// Court secretary.
    pub secretary: Option<String>,
    /// The recorder's verifier key (signs this log's checkpoints).
    pub recorder: String,
    /// SHA-256 of the same recorder's previous session's final checkpoint.
    pub previous: Option<String>,
    /// When the log was opened (UTC, RFC 3339).
    pub opened_at: String,
}

/// A `segment` entry: one sealed recording file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentEntry {
    /// Format version.
    pub v: u32,
    /// Always `"segment"`.
    pub kind: String,
    /// Sequence number, from 1, in sealing order.
    pub seq: u64,
    /// Path relative to the session folder, `/`-separated.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: Sha256Digest,
    /// When it was sealed (UTC, RFC 3339).
    pub sealed_at: String,
    /// Media facts (container, streams, timing, packet windows,
    /// observations), as read by FFmpeg at sealing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<crate::format::media::MediaFacts>,
}

/// A `heartbeat` entry: the sealing service was running at `at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatEntry {
    /// Format version.
    pub v: u32,
    /// Always `"heartbeat"`.
    pub kind: String,
    /// The service's clock (UTC, RFC 3339).
    pub at: String,
    /// Segments sealed in this session so far.
    pub segments: u64,
}

/// An `event` entry: an operator's action, signed by the operator's own key.
///
/// `note` is a C2SP signed note whose text is the five lines
/// What an operator event says happened. The log keeps it as its name (the
/// sealed JSON is a string, forever); [`EventEntry::kind`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The recording started.
    Start,
    /// The recording was paused.
    Pause,
    /// The recording resumed.
    Resume,
    /// The recording stopped.
    Stop,
    /// The recording failed.
    Failure,
    /// A break in the hearing.
    Break,
    /// The hearing was adjourned.
    Adjournment,
    /// A note, no change to the recording.
    Note,
}

impl EventKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [EventKind; 8] = [
        EventKind::Start,
        EventKind::Pause,
        EventKind::Resume,
        EventKind::Stop,
        EventKind::Failure,
        EventKind::Break,
        EventKind::Adjournment,
        EventKind::Note,
    ];

    /// Its name in the log and on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::Start => "start",
            EventKind::Pause => "pause",
            EventKind::Resume => "resume",
            EventKind::Stop => "stop",
            EventKind::Failure => "failure",
            EventKind::Break => "break",
            EventKind::Adjournment => "adjournment",
            EventKind::Note => "note",
        }
    }

    /// The kind named `name` exactly (no other spelling); `None` for any
    /// other text.
    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `courtseal.event/v1`, origin, kind, claimed time, reason; `event`, `at`
/// and `reason` repeat them for reading and must equal them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEntry {
    /// Format version.
    pub v: u32,
    /// Always `"event"`.
    pub kind: String,
    /// start, pause, resume, stop, failure, break, adjournment or note.
    pub event: String,
    /// The time the operator states for the action (UTC, RFC 3339).
    pub at: String,
    /// The operator's reason.
    pub reason: String,
    /// The operator's verifier key.
    pub operator: String,
    /// The signed note.
    pub note: String,
    /// When the entry was appended to the log (UTC, RFC 3339).
    pub sealed_at: String,
}

impl EventEntry {
    /// What the event says happened; `None` when its name is none of the
    /// kinds (such an entry never verifies: its note cannot be one that
    /// courtseal signs).
    pub fn kind(&self) -> Option<EventKind> {
        EventKind::parse(&self.event)
    }
}

/// A `close` entry: the session's recording was closed by the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloseEntry {
    /// Format version.
    pub v: u32,
    /// Always `"close"`.
    pub kind: String,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// Segments sealed in the session.
    pub segments: u64,
    /// Why: `signal`, `close-command`.
    pub reason: String,
}

/// A `restart` entry: the service started again on a session it had not
/// closed; nothing was sealed between `last_seen` and `at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestartEntry {
    /// Format version.
    pub v: u32,
    /// Always `"restart"`.
    pub kind: String,
    /// When the service started again (UTC, RFC 3339).
    pub at: String,
    /// Time of the last entry before the restart.
    pub last_seen: String,
}

/// A `recovery` entry: an incomplete last line left by a crash was moved out
/// of the log (it was never part of any checkpoint) and kept aside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryEntry {
    /// Format version.
    pub v: u32,
    /// Always `"recovery"`.
    pub kind: String,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// Byte offset in the log where the incomplete line began.
    pub offset: u64,
    /// Its length in bytes.
    pub length: u64,
    /// Its SHA-256.
    pub sha256: Sha256Digest,
    /// Where its bytes were kept, relative to the session folder.
    pub saved_as: String,
}

/// A `retire` entry: the media of the listed segments were destroyed at the
/// end of their retention period, by an archivist whose signed note says
/// so; the log, hashes and checkpoints are kept.
///
/// `note` is a C2SP signed note whose text is `courtseal.retire/v1`, the
/// log's origin, the time, the basis, then one line per segment name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetireEntry {
    /// Format version.
    pub v: u32,
    /// Always `"retire"`.
    pub kind: String,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// The legal basis, as the archivist states it.
    pub basis: String,
    /// The segments whose media were destroyed.
    pub segments: Vec<String>,
    /// Version 2 only: the sealed verdict date and the deadline the
    /// destruction relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relied_on: Option<RetentionBasis>,
    /// Version 2 only: every finding (error or warning) open at
    /// destruction, as `code location` (empty when there was none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_findings: Option<Vec<String>>,
    /// The archivist's verifier key.
    pub archivist: String,
    /// The signed note.
    pub note: String,
}

/// What a version 2 retirement relied on: the sealed record that gave the
/// verdict-in-force date, the retention period and the deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionBasis {
    /// The verdict-in-force date (YYYY-MM-DD), as the sealed record says.
    pub verdict_in_force: String,
    /// The log line of the sealed `record` entry it comes from.
    pub record_line: u64,
    /// That record's revision.
    pub record_revision: u64,
    /// The SHA-256 of that record's bytes.
    pub record_sha256: Sha256Digest,
    /// The retention period applied (`NyNmNd`).
    pub retention: String,
    /// The deadline: the verdict date plus the period (YYYY-MM-DD).
    pub deadline: String,
}

/// A `record` entry: the finalised short-form record, signed by an operator
/// (the secretary). Its text is kept whole in `record`; `sha256`, `case`,
/// `start`, `end`, `finalised` and `verdict_in_force` repeat what it says
/// for reading and must equal it. A correction is a new `record` entry with
/// a higher `revision`, never a rewrite.
///
/// `note` is a C2SP signed note whose text is `courtseal.record/v1`, the
/// log's origin, the revision, the SHA-256 of the record's bytes and the
/// fields that matter (docs/formats.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordEntry {
    /// Format version.
    pub v: u32,
    /// Always `"record"`.
    pub kind: String,
    /// 1 for the first record sealed in the log, then one more for each
    /// correction.
    pub revision: u64,
    /// SHA-256 of the record's bytes (`record`, as UTF-8).
    pub sha256: Sha256Digest,
    /// Case number.
    pub case: String,
    /// Session start (UTC, RFC 3339).
    pub start: String,
    /// Session end (UTC, RFC 3339).
    pub end: String,
    /// Date the record was finalised (YYYY-MM-DD), if it says.
    pub finalised: Option<String>,
    /// Date the verdict entered into force (YYYY-MM-DD), if known.
    pub verdict_in_force: Option<String>,
    /// The record file's text, as signed.
    pub record: String,
    /// The operator's verifier key.
    pub operator: String,
    /// The signed note.
    pub note: String,
    /// When the entry was appended to the log (UTC, RFC 3339).
    pub sealed_at: String,
}

/// Any entry of a log.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// The session header.
    Session(SessionHeader),
    /// A sealed segment.
    Segment(SegmentEntry),
    /// The service was alive.
    Heartbeat(HeartbeatEntry),
    /// An operator's signed action.
    Event(EventEntry),
    /// The session was closed.
    Close(CloseEntry),
    /// The service restarted.
    Restart(RestartEntry),
    /// A torn line was moved aside.
    Recovery(RecoveryEntry),
    /// Media destroyed at the end of retention.
    Retire(RetireEntry),
    /// The finalised short-form record, signed by an operator.
    Record(RecordEntry),
}

/// Why a line is not a valid entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// Not UTF-8 JSON of the expected shape.
    #[error("{0}")]
    Invalid(String),
    /// A format version this build does not know.
    #[error("entry format version {0} is not supported by this build (knows {VERSION})")]
    UnknownVersion(u64),
    /// A kind this build does not know.
    #[error("unknown entry kind {0:?}")]
    UnknownKind(String),
}

#[derive(Deserialize)]
struct Probe {
    v: u64,
    kind: String,
}

impl Entry {
    /// Parses one line (without its newline).
    pub fn parse(line: &[u8]) -> Result<Entry, EntryError> {
        let e = Self::parse_fields(line)?;
        // A time that does not parse would drop the entry from every
        // timeline without a word: the entry itself is invalid.
        for (field, t) in times(&e) {
            if let Err(err) = crate::time::UtcTime::parse(t) {
                return Err(EntryError::Invalid(format!("{field}: {err}")));
            }
        }
        Ok(e)
    }

    fn parse_fields(line: &[u8]) -> Result<Entry, EntryError> {
        let invalid = |e: serde_json::Error| EntryError::Invalid(e.to_string());
        let probe: Probe = serde_json::from_slice(line).map_err(invalid)?;
        let retire_v2 = probe.kind == "retire" && probe.v == u64::from(RETIRE_VERSION);
        if probe.v != u64::from(VERSION) && !retire_v2 {
            return Err(EntryError::UnknownVersion(probe.v));
        }
        match probe.kind.as_str() {
            "session" => serde_json::from_slice(line)
                .map(Entry::Session)
                .map_err(invalid),
            "segment" => {
                let s: SegmentEntry = serde_json::from_slice(line).map_err(invalid)?;
                check_segment_name(&s.name).map_err(|e| EntryError::Invalid(e.to_owned()))?;
                Ok(Entry::Segment(s))
            }
            "heartbeat" => serde_json::from_slice(line)
                .map(Entry::Heartbeat)
                .map_err(invalid),
            "event" => serde_json::from_slice(line)
                .map(Entry::Event)
                .map_err(invalid),
            "close" => serde_json::from_slice(line)
                .map(Entry::Close)
                .map_err(invalid),
            "restart" => serde_json::from_slice(line)
                .map(Entry::Restart)
                .map_err(invalid),
            "recovery" => serde_json::from_slice(line)
                .map(Entry::Recovery)
                .map_err(invalid),
            "retire" => {
                let r: RetireEntry = serde_json::from_slice(line).map_err(invalid)?;
                check_retire_version(&r).map_err(|e| EntryError::Invalid(e.to_owned()))?;
                Ok(Entry::Retire(r))
            }
            "record" => serde_json::from_slice(line)
                .map(Entry::Record)
                .map_err(invalid),
            other => Err(EntryError::UnknownKind(other.to_owned())),
        }
    }

    /// The entry's kind.
    pub fn kind(&self) -> &str {
        match self {
            Entry::Session(_) => "session",
            Entry::Segment(_) => "segment",
            Entry::Heartbeat(_) => "heartbeat",
            Entry::Event(_) => "event",
            Entry::Close(_) => "close",
            Entry::Restart(_) => "restart",
            Entry::Recovery(_) => "recovery",
            Entry::Retire(_) => "retire",
            Entry::Record(_) => "record",
        }
    }

    /// The entry's own time: when it was opened, sealed or happened.
    pub fn time(&self) -> &str {
        match self {
            Entry::Session(h) => &h.opened_at,
            Entry::Segment(s) => &s.sealed_at,
            Entry::Heartbeat(h) => &h.at,
            Entry::Event(e) => &e.sealed_at,
            Entry::Close(c) => &c.at,
            Entry::Restart(r) => &r.at,
            Entry::Recovery(r) => &r.at,
            Entry::Retire(r) => &r.at,
            Entry::Record(r) => &r.sealed_at,
        }
    }
}

/// Serialises an entry struct into its line bytes (compact JSON, field order
/// as declared, no newline).
#[expect(
    clippy::expect_used,
    reason = "entry structs hold only strings, numbers and string-keyed maps, which always serialise"
)]
pub fn to_line<T: Serialize>(entry: &T) -> Vec<u8> {
    serde_json::to_vec(entry).expect("entries serialise to JSON")
}

/// Checks that a segment name is a clean relative path: UTF-8, `/`-separated,
/// no empty, `.` or `..` components, no leading `/`, no control characters.
pub fn check_segment_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty segment name");
    }
    if name.chars().any(|c| c.is_control() || c == '\\') {
        return Err("segment name holds a control character or backslash");
    }
    if name
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err("segment name is not a clean relative path");
    }
    Ok(())
}

pub use crate::time::{format_utc as format_time, now_utc};

/// Every wall-clock time an entry carries, by field name.
fn times(e: &Entry) -> Vec<(&'static str, &str)> {
    match e {
        Entry::Session(h) => vec![("opened_at", h.opened_at.as_str())],
        Entry::Segment(s) => vec![("sealed_at", s.sealed_at.as_str())],
        Entry::Heartbeat(h) => vec![("at", h.at.as_str())],
        Entry::Event(ev) => vec![("at", ev.at.as_str()), ("sealed_at", ev.sealed_at.as_str())],
        Entry::Close(c) => vec![("at", c.at.as_str())],
        Entry::Restart(r) => vec![("at", r.at.as_str()), ("last_seen", r.last_seen.as_str())],
        Entry::Recovery(r) => vec![("at", r.at.as_str())],
        Entry::Retire(r) => vec![("at", r.at.as_str())],
        Entry::Record(r) => vec![
            ("start", r.start.as_str()),
            ("end", r.end.as_str()),
            ("sealed_at", r.sealed_at.as_str()),
        ],
    }
}

/// A version 1 retire entry has neither `relied_on` nor `open_findings`; a
/// version 2 one has both, with dates that are dates.
fn check_retire_version(r: &RetireEntry) -> Result<(), &'static str> {
    match (r.v, &r.relied_on, &r.open_findings) {
        (VERSION, None, None) => Ok(()),
        (VERSION, _, _) => Err("a version 1 retire entry carries no relied_on or open_findings"),
        (RETIRE_VERSION, Some(b), Some(_)) => {
            let date = time::macros::format_description!("[year]-[month]-[day]");
            let ok = |s: &str| time::Date::parse(s, date).is_ok();
            if ok(&b.verdict_in_force) && ok(&b.deadline) {
                Ok(())
            } else {
                Err("relied_on: verdict_in_force and deadline must be dates, YYYY-MM-DD")
            }
        }
        _ => Err("a version 2 retire entry must carry relied_on and open_findings"),
    }
}

#[cfg(test)]
mod kind_tests {
    use super::*;

    #[test]
    fn every_event_kind_has_one_exact_name_and_no_other_spelling_is_one() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
            assert_eq!(k.to_string(), k.as_str());
        }
        for bad in ["Start", " pause", "break ", "recess", ""] {
            assert_eq!(EventKind::parse(bad), None, "{bad:?}");
        }
        assert_eq!(crate::format::statement::KINDS.len(), EventKind::ALL.len());
        assert_eq!(crate::format::statement::KINDS[6], "adjournment");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_lines_keep_v_and_kind_first_and_round_trip() {
        let s = SegmentEntry {
            v: VERSION,
            kind: "segment".into(),
            seq: 1,
            name: "a/b.m4a".into(),
            size: 3,
            sha256: Sha256Digest::from_bytes([0; 32]),
            sealed_at: "2026-11-20T04:00:00.000Z".into(),
            media: None,
        };
        let line = to_line(&s);
        assert!(line.starts_with(br#"{"v":1,"kind":"segment","seq":1,"#));
        assert_eq!(Entry::parse(&line).unwrap(), Entry::Segment(s));
    }

    /// An entry whose time does not parse used to drop out of the timeline
    /// silently; it is an invalid entry (a finding on its line) instead.
    #[test]
    fn unparseable_time_makes_the_entry_invalid() {
        let ok = br#"{"v":1,"kind":"heartbeat","at":"2026-11-20T04:00:00.000Z","segments":0}"#;
        assert!(Entry::parse(ok).is_ok());
        let bad = br#"{"v":1,"kind":"heartbeat","at":"yesterday","segments":0}"#;
        match Entry::parse(bad) {
            Err(EntryError::Invalid(m)) => assert!(m.starts_with("at: "), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_names_and_versions_are_refused() {
        for bad in ["", "/abs", "a/../b", "./a", "a//b", "a\u{7}b"] {
            assert!(check_segment_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Entry::parse(br#"{"v":2,"kind":"segment"}"#),
            Err(EntryError::UnknownVersion(2))
        );
        assert!(matches!(
            Entry::parse(b"{\"v\":1"),
            Err(EntryError::Invalid(_))
        ));
    }

    /// Retire entries written before version 2 must parse exactly as
    /// before; a version 2 entry must carry what it relied on.
    #[test]
    fn retire_versions_are_kept_apart() {
        let v1 = br#"{"v":1,"kind":"retire","at":"2026-11-20T04:00:00.000Z","basis":"b","segments":["a.m4a"],"archivist":"k","note":"n"}"#;
        match Entry::parse(v1) {
            Ok(Entry::Retire(r)) => assert!(r.relied_on.is_none() && r.open_findings.is_none()),
            other => panic!("{other:?}"),
        }
        let v1_with = br#"{"v":1,"kind":"retire","at":"2026-11-20T04:00:00.000Z","basis":"b","segments":[],"open_findings":[],"archivist":"k","note":"n"}"#;
        assert!(matches!(Entry::parse(v1_with), Err(EntryError::Invalid(_))));
        let v2_without = br#"{"v":2,"kind":"retire","at":"2026-11-20T04:00:00.000Z","basis":"b","segments":[],"archivist":"k","note":"n"}"#;
        assert!(matches!(
            Entry::parse(v2_without),
            Err(EntryError::Invalid(_))
        ));
        let hex = "0".repeat(64);
        let v2 = format!(
            r#"{{"v":2,"kind":"retire","at":"2026-11-20T04:00:00.000Z","basis":"b","segments":[],"relied_on":{{"verdict_in_force":"2024-01-10","record_line":6,"record_revision":1,"record_sha256":"{hex}","retention":"1y0m0d","deadline":"2025-01-10"}},"open_findings":[],"archivist":"k","note":"n"}}"#
        );
        assert!(matches!(Entry::parse(v2.as_bytes()), Ok(Entry::Retire(_))));
        let bad_date = v2.replace("2025-01-10", "2025-13-10");
        assert!(matches!(
            Entry::parse(bad_date.as_bytes()),
            Err(EntryError::Invalid(_))
        ));
        // Only retire entries have a version 2.
        assert_eq!(
            Entry::parse(br#"{"v":2,"kind":"record"}"#),
            Err(EntryError::UnknownVersion(2))
        );
    }
}
