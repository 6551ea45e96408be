//! Signed statements carried inside log entries, and the exact texts their
//! signers sign: operator events and retirements.
//!
//! Operator events: an action (start, pause, resume, …) stated and signed by
//! the operator's own key, as a C2SP signed note carried inside a log entry.
//!
//! The note text is five lines:
//!
//! ```text
//! courtseal.event/v1
//! <origin of the session's log>
//! <kind>
//! <claimed time, UTC RFC 3339>
//! <reason>
//! ```

use crate::format::entry::{self, EventEntry, RetireEntry, VERSION};
use crate::note::{self, NoteError, NoteSigner, Verifier};

/// The first line of an event note.
pub const EVENT_HEADER: &str = "courtseal.event/v1";

/// The kinds of operator event.
pub const KINDS: [&str; 8] = [
    "start",
    "pause",
    "resume",
    "stop",
    "failure",
    "break",
    "adjournment",
    "note",
];

/// An event that cannot be made or does not check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Unknown kind.
    #[error("unknown event kind {0:?} (one of start, pause, resume, stop, failure, break, adjournment, note)")]
    Kind(String),
    /// The reason is empty or holds control characters or newlines.
    #[error("the reason must be one line of text, without control characters")]
    Reason,
    /// The time is not RFC 3339.
    #[error("the time {0:?} is not an RFC 3339 time with offset")]
    Time(String),
    /// The signed note does not open with the operator key in the entry.
    #[error("the operator's signature does not verify: {0}")]
    Signature(NoteError),
    /// The entry's fields differ from the signed text.
    #[error("the entry's fields differ from what the operator signed")]
    Mismatch,
    /// The operator key in the entry is malformed.
    #[error("the operator key in the entry is malformed: {0}")]
    Operator(NoteError),
}

/// The note text of an event.
pub fn event_text(origin: &str, kind: &str, at: &str, reason: &str) -> Result<String, EventError> {
    if !KINDS.contains(&kind) {
        return Err(EventError::Kind(kind.to_owned()));
    }
    if reason.trim().is_empty() || reason.chars().any(char::is_control) {
        return Err(EventError::Reason);
    }
    Ok(format!(
        "{EVENT_HEADER}\n{origin}\n{kind}\n{at}\n{reason}\n"
    ))
}

/// Parses a time given by an operator (RFC 3339 with offset) into the UTC
/// form used in entries.
pub fn parse_time(s: &str) -> Result<String, EventError> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(entry::format_time)
        .map_err(|_| EventError::Time(s.to_owned()))
}

/// Makes an event entry signed by `operator` (its `sealed_at` is set when it
/// is appended).
pub fn make_event(
    operator: &NoteSigner,
    origin: &str,
    kind: &str,
    at: &str,
    reason: &str,
) -> Result<EventEntry, EventError> {
    let text = event_text(origin, kind, at, reason)?;
    let note = operator.sign(&text).map_err(EventError::Signature)?;
    Ok(EventEntry {
        v: VERSION,
        kind: "event".into(),
        event: kind.to_owned(),
        at: at.to_owned(),
        reason: reason.to_owned(),
        operator: operator.verifier().to_vkey(),
        note,
        sealed_at: String::new(),
    })
}

/// Checks an event entry against its own operator key: the note is signed by
/// that key and says what the entry says, for this log's origin. Whether the
/// key is *trusted* is for the caller to decide.
pub fn check_event(e: &EventEntry, origin: &str) -> Result<Verifier, EventError> {
    let v = Verifier::from_vkey(&e.operator).map_err(EventError::Operator)?;
    let opened =
        note::open(e.note.as_bytes(), std::slice::from_ref(&v)).map_err(EventError::Signature)?;
    let want = event_text(origin, &e.event, &e.at, &e.reason)?;
    if opened.text != want {
        return Err(EventError::Mismatch);
    }
    Ok(v)
}

/// The first line of a retirement note.
pub const RETIRE_HEADER: &str = "courtseal.retire/v1";

/// The text an archivist signs.
pub fn retire_text(origin: &str, at: &str, basis: &str, segments: &[String]) -> String {
    let mut t = format!("{RETIRE_HEADER}\n{origin}\n{at}\n{basis}\n");
    for s in segments {
        t.push_str(s);
        t.push('\n');
    }
    t
}

/// Checks a retire entry against its own archivist key.
pub fn check_retire(e: &RetireEntry, origin: &str) -> Result<Verifier, String> {
    let v = Verifier::from_vkey(&e.archivist).map_err(|err| err.to_string())?;
    let opened =
        note::open(e.note.as_bytes(), std::slice::from_ref(&v)).map_err(|err| err.to_string())?;
    if opened.text != retire_text(origin, &e.at, &e.basis, &e.segments) {
        return Err("the entry's fields differ from what the archivist signed".into());
    }
    Ok(v)
}
