//! Signed statements carried inside log entries, and the exact texts their
//! signers sign: operator events, sealed short-form records and
//! retirements.
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

use crate::digest::Sha256Digest;
use crate::format::entry::{
    self, EventEntry, EventKind, RecordEntry, RetentionBasis, RetireEntry, VERSION,
};
use crate::note::{self, NoteError, NoteSigner, Verifier};

/// The first line of an event note.
pub const EVENT_HEADER: &str = "courtseal.event/v1";

/// The names of the kinds of operator event ([`EventKind`]).
pub const KINDS: [&str; 8] = {
    let mut out = [""; 8];
    let mut i = 0;
    while i < 8 {
        out[i] = EventKind::ALL[i].as_str();
        i += 1;
    }
    out
};

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
    if EventKind::parse(kind).is_none() {
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

/// The first line of a version 1 retirement note.
pub const RETIRE_HEADER: &str = "courtseal.retire/v1";

/// The first line of a version 2 retirement note (with the retention basis
/// relied on and the findings open at destruction).
pub const RETIRE_V2_HEADER: &str = "courtseal.retire/v2";

/// The text an archivist signs (version 1).
pub fn retire_text(origin: &str, at: &str, basis: &str, segments: &[String]) -> String {
    let mut t = format!("{RETIRE_HEADER}\n{origin}\n{at}\n{basis}\n");
    for s in segments {
        t.push_str(s);
        t.push('\n');
    }
    t
}

/// The text an archivist signs (version 2):
///
/// ```text
/// courtseal.retire/v2
/// <origin>
/// <time>
/// <basis>
/// verdict_in_force <date> record <revision> line <line> sha256 <hex>
/// retention <period> deadline <date>
/// open <N>
/// <N lines: code location>
/// <one line per segment name>
/// ```
pub fn retire_v2_text(
    origin: &str,
    at: &str,
    basis: &str,
    relied_on: &RetentionBasis,
    open_findings: &[String],
    segments: &[String],
) -> String {
    let b = relied_on;
    let mut t = format!(
        "{RETIRE_V2_HEADER}\n{origin}\n{at}\n{basis}\nverdict_in_force {} record {} line {} sha256 {}\nretention {} deadline {}\nopen {}\n",
        b.verdict_in_force,
        b.record_revision,
        b.record_line,
        b.record_sha256.to_hex(),
        b.retention,
        b.deadline,
        open_findings.len()
    );
    for f in open_findings.iter().chain(segments) {
        t.push_str(f);
        t.push('\n');
    }
    t
}

/// The text a retire entry's note must hold: version 1 or 2, by its fields.
fn retire_entry_text(e: &RetireEntry, origin: &str) -> String {
    match (&e.relied_on, &e.open_findings) {
        (Some(b), Some(open)) => retire_v2_text(origin, &e.at, &e.basis, b, open, &e.segments),
        _ => retire_text(origin, &e.at, &e.basis, &e.segments),
    }
}

/// Checks a retire entry (version 1 or 2) against its own archivist key.
pub fn check_retire(e: &RetireEntry, origin: &str) -> Result<Verifier, String> {
    let v = Verifier::from_vkey(&e.archivist).map_err(|err| err.to_string())?;
    let opened =
        note::open(e.note.as_bytes(), std::slice::from_ref(&v)).map_err(|err| err.to_string())?;
    if opened.text != retire_entry_text(e, origin) {
        return Err("the entry's fields differ from what the archivist signed".into());
    }
    Ok(v)
}

/// The first line of a record note.
pub const RECORD_HEADER: &str = "courtseal.record/v1";

/// The fields of a short-form record that its signed statement names, in
/// the form they are signed: times in UTC (RFC 3339, as in entries), dates
/// as YYYY-MM-DD. The record module builds them from a parsed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFields {
    /// Court.
    pub court: String,
    /// Case number.
    pub case: String,
    /// Judge.
    pub judge: String,
    /// Secretary.
    pub secretary: String,
    /// Session start (UTC).
    pub start: String,
    /// Session end (UTC).
    pub end: String,
    /// Declared breaks: from, to (UTC), kind.
    pub breaks: Vec<(String, String, String)>,
    /// Declared failures: from, to (UTC), how many signed the act, reason.
    pub failures: Vec<(String, String, usize, String)>,
    /// Date the record was finalised.
    pub finalised: Option<String>,
    /// Date the verdict entered into force.
    pub verdict_in_force: Option<String>,
}

/// A record statement that cannot be made or does not check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordStatementError {
    /// A field holds a control character or a newline.
    #[error("the record's {0} holds a control character or a line break, which a signed statement cannot carry")]
    Control(&'static str),
    /// The revision is 0.
    #[error("a record revision counts from 1")]
    Revision,
    /// The signed note does not open with the operator key in the entry.
    #[error("the operator's signature does not verify: {0}")]
    Signature(NoteError),
    /// The operator key in the entry is malformed.
    #[error("the operator key in the entry is malformed: {0}")]
    Operator(NoteError),
    /// The SHA-256 in the entry is not that of the record text it carries.
    #[error("the entry's sha256 is not the SHA-256 of the record text it carries")]
    Digest,
    /// The entry's fields differ from the signed text or from its record.
    #[error("the entry's fields differ from what the operator signed")]
    Mismatch,
}

/// The note text of a sealed record:
///
/// ```text
/// courtseal.record/v1
/// <origin>
/// revision <n>
/// sha256 <hex of the record's bytes>
/// court <court>
/// case <case>
/// judge <judge>
/// secretary <secretary>
/// start <UTC>
/// end <UTC>
/// break <from UTC> <to UTC> <kind>            (one per break, in record order)
/// failure <from UTC> <to UTC> <n> <reason>    (one per failure; n = signers of its act)
/// finalised <YYYY-MM-DD or ->
/// verdict_in_force <YYYY-MM-DD or ->
/// ```
pub fn record_text(
    origin: &str,
    revision: u64,
    sha256: &Sha256Digest,
    f: &RecordFields,
) -> Result<String, RecordStatementError> {
    if revision == 0 {
        return Err(RecordStatementError::Revision);
    }
    let clean = |what: &'static str, v: &str| {
        if v.chars().any(char::is_control) {
            Err(RecordStatementError::Control(what))
        } else {
            Ok(())
        }
    };
    clean("court", &f.court)?;
    clean("case", &f.case)?;
    clean("judge", &f.judge)?;
    clean("secretary", &f.secretary)?;
    let mut t = format!(
        "{RECORD_HEADER}\n{origin}\nrevision {revision}\nsha256 {}\ncourt {}\ncase {}\njudge {}\nsecretary {}\nstart {}\nend {}\n",
        sha256.to_hex(),
        f.court,
        f.case,
        f.judge,
        f.secretary,
        f.start,
        f.end
    );
    for (from, to, kind) in &f.breaks {
        clean("break kind", kind)?;
        t.push_str(&format!("break {from} {to} {kind}\n"));
    }
    for (from, to, n, reason) in &f.failures {
        clean("failure reason", reason)?;
        t.push_str(&format!("failure {from} {to} {n} {reason}\n"));
    }
    for (name, v) in [
        ("finalised", &f.finalised),
        ("verdict_in_force", &f.verdict_in_force),
    ] {
        t.push_str(&format!("{name} {}\n", v.as_deref().unwrap_or("-")));
    }
    Ok(t)
}

/// Makes a record entry for the record text `record` (whose signed fields
/// are `fields`), signed by `operator` (its `sealed_at` is set when it is
/// appended).
pub fn make_record(
    operator: &NoteSigner,
    origin: &str,
    revision: u64,
    record: &str,
    fields: &RecordFields,
) -> Result<RecordEntry, RecordStatementError> {
    let sha256 = Sha256Digest::of(record.as_bytes());
    let text = record_text(origin, revision, &sha256, fields)?;
    let note = operator
        .sign(&text)
        .map_err(RecordStatementError::Signature)?;
    Ok(RecordEntry {
        v: VERSION,
        kind: "record".into(),
        revision,
        sha256,
        case: fields.case.clone(),
        start: fields.start.clone(),
        end: fields.end.clone(),
        finalised: fields.finalised.clone(),
        verdict_in_force: fields.verdict_in_force.clone(),
        record: record.to_owned(),
        operator: operator.verifier().to_vkey(),
        note,
        sealed_at: String::new(),
    })
}

/// Checks a record entry against its own operator key, given the fields
/// of the record text it carries (parsed by the caller): the digest is that
/// of the text, the note is signed by the entry's key and says what the
/// record says, for this log's origin, and the entry repeats it faithfully.
/// Whether the key is *trusted* is for the caller to decide.
pub fn check_record(
    e: &RecordEntry,
    origin: &str,
    fields: &RecordFields,
) -> Result<Verifier, RecordStatementError> {
    let v = Verifier::from_vkey(&e.operator).map_err(RecordStatementError::Operator)?;
    let opened = note::open(e.note.as_bytes(), std::slice::from_ref(&v))
        .map_err(RecordStatementError::Signature)?;
    if Sha256Digest::of(e.record.as_bytes()) != e.sha256 {
        return Err(RecordStatementError::Digest);
    }
    let want = record_text(origin, e.revision, &e.sha256, fields)?;
    let repeated = e.case == fields.case
        && e.start == fields.start
        && e.end == fields.end
        && e.finalised == fields.finalised
        && e.verdict_in_force == fields.verdict_in_force;
    if opened.text != want || !repeated {
        return Err(RecordStatementError::Mismatch);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The version 1 text is what archivists signed before version 2: it
    /// must never change.
    #[test]
    fn retire_v1_text_is_unchanged() {
        assert_eq!(
            retire_text("o", "t", "b", &["a".into(), "b/c".into()]),
            "courtseal.retire/v1\no\nt\nb\na\nb/c\n"
        );
    }

    fn fields() -> RecordFields {
        RecordFields {
            court: "C".into(),
            case: "1/2026".into(),
            judge: "J".into(),
            secretary: "S".into(),
            start: "2026-11-20T04:00:00.000Z".into(),
            end: "2026-11-20T05:00:00.000Z".into(),
            breaks: vec![(
                "2026-11-20T04:10:00.000Z".into(),
                "2026-11-20T04:20:00.000Z".into(),
                "break".into(),
            )],
            failures: vec![],
            finalised: Some("2026-11-21".into()),
            verdict_in_force: None,
        }
    }

    #[test]
    fn record_text_lists_the_fields_that_matter_line_by_line() {
        let d = Sha256Digest::from_bytes([0; 32]);
        let t = record_text("o", 2, &d, &fields()).unwrap();
        assert_eq!(
            t,
            format!(
                "courtseal.record/v1\no\nrevision 2\nsha256 {}\ncourt C\ncase 1/2026\njudge J\nsecretary S\nstart 2026-11-20T04:00:00.000Z\nend 2026-11-20T05:00:00.000Z\nbreak 2026-11-20T04:10:00.000Z 2026-11-20T04:20:00.000Z break\nfinalised 2026-11-21\nverdict_in_force -\n",
                "0".repeat(64)
            )
        );
        // A line break in a field would forge a line of the statement.
        let mut f = fields();
        f.case = "1/2026\nverdict_in_force 2020-01-01".into();
        assert_eq!(
            record_text("o", 1, &d, &f),
            Err(RecordStatementError::Control("case"))
        );
        assert_eq!(
            record_text("o", 0, &d, &fields()),
            Err(RecordStatementError::Revision)
        );
    }

    #[test]
    fn a_record_entry_checks_only_with_what_was_signed() {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let op = NoteSigner::new("op", sk).unwrap();
        let e = make_record(&op, "o", 1, "record text", &fields()).unwrap();
        assert!(check_record(&e, "o", &fields()).is_ok());
        // Another session's log.
        assert_eq!(
            check_record(&e, "other", &fields()).err(),
            Some(RecordStatementError::Mismatch)
        );
        // Other fields than those signed.
        let mut f = fields();
        f.end = "2026-11-20T04:30:00.000Z".into();
        assert_eq!(
            check_record(&e, "o", &f).err(),
            Some(RecordStatementError::Mismatch)
        );
        // The text changed under the same digest.
        let mut t = e.clone();
        t.record = "other text".into();
        assert_eq!(
            check_record(&t, "o", &fields()).err(),
            Some(RecordStatementError::Digest)
        );
    }
}
