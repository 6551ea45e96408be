//! Log entries: one compact JSON object per line, fields in a fixed order,
//! each starting with `"v"` (format version) and `"kind"`.
//!
//! The bytes of a line as stored are the bytes that are hashed (without the
//! terminating newline); nothing here is ever re-serialised for verification.

use serde::{Deserialize, Serialize};

/// The entry format version written by this build.
pub const VERSION: u32 = 1;

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
    pub sha256: String,
    /// When it was sealed (UTC, RFC 3339).
    pub sealed_at: String,
    /// Media facts (container, streams, timing, packet windows,
    /// observations), as read by FFmpeg at sealing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<crate::media::MediaFacts>,
}

/// Any entry of a log.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// The session header.
    Session(SessionHeader),
    /// A sealed segment.
    Segment(SegmentEntry),
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
        let invalid = |e: serde_json::Error| EntryError::Invalid(e.to_string());
        let probe: Probe = serde_json::from_slice(line).map_err(invalid)?;
        if probe.v != u64::from(VERSION) {
            return Err(EntryError::UnknownVersion(probe.v));
        }
        match probe.kind.as_str() {
            "session" => serde_json::from_slice(line)
                .map(Entry::Session)
                .map_err(invalid),
            "segment" => {
                let s: SegmentEntry = serde_json::from_slice(line).map_err(invalid)?;
                check_segment_name(&s.name).map_err(|e| EntryError::Invalid(e.to_owned()))?;
                if s.sha256.parse::<crate::digest::Sha256Digest>().is_err() {
                    return Err(EntryError::Invalid("sha256 is not 64 hex digits".into()));
                }
                Ok(Entry::Segment(s))
            }
            other => Err(EntryError::UnknownKind(other.to_owned())),
        }
    }

    /// The entry's kind.
    pub fn kind(&self) -> &str {
        match self {
            Entry::Session(_) => "session",
            Entry::Segment(_) => "segment",
        }
    }
}

/// Serialises an entry struct into its line bytes (compact JSON, field order
/// as declared, no newline).
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

/// The current UTC time as RFC 3339 with milliseconds, e.g.
/// `2026-11-20T04:00:00.000Z`.
pub fn now_utc() -> String {
    format_time(time::OffsetDateTime::now_utc())
}

/// Formats a time as UTC RFC 3339 with milliseconds.
pub fn format_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&fmt).expect("UTC times format")
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
            sha256: "00".repeat(32),
            sealed_at: "2026-11-20T04:00:00.000Z".into(),
            media: None,
        };
        let line = to_line(&s);
        assert!(line.starts_with(br#"{"v":1,"kind":"segment","seq":1,"#));
        assert_eq!(Entry::parse(&line).unwrap(), Entry::Segment(s));
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
}
