//! Findings: problems found in the material, reported as data.
//!
//! A finding is not an error of the tool: verification collects every
//! finding of a run and the caller decides how to show them. Codes are
//! stable and documented in `docs/findings.md`.

use serde::Serialize;

/// How serious a finding is. Any `Error` makes a verification fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; does not fail.
    Info,
    /// Needs a look; does not fail.
    Warning,
    /// The material does not verify.
    Error,
}

impl Severity {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Declares [`Code`]: one variant per stable code, with its dotted name.
macro_rules! codes {
    ($($variant:ident = $name:literal,)*) => {
        /// A stable finding code. The list is the table "All codes" of
        /// `docs/findings.md`, checked by a unit test in both directions.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in the order of `docs/findings.md`.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The dotted name, e.g. `segment.changed`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The code with this dotted name, if there is one.
            pub fn parse(name: &str) -> Option<Code> {
                match name {
                    $($name => Some(Code::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    LogMissing = "log.missing",
    LogCorrupt = "log.corrupt",
    LogTornTail = "log.torn_tail",
    LogUnsignedEntries = "log.unsigned_entries",
    LogRewritten = "log.rewritten",
    LogRecovered = "log.recovered",
    LogUnprovenFileMissing = "log.unproven_file_missing",
    CheckpointMissing = "checkpoint.missing",
    CheckpointMalformed = "checkpoint.malformed",
    CheckpointBadSignature = "checkpoint.bad_signature",
    CheckpointUntrustedKey = "checkpoint.untrusted_key",
    CheckpointOriginMismatch = "checkpoint.origin_mismatch",
    CheckpointSizeMismatch = "checkpoint.size_mismatch",
    SinceRolledBack = "since.rolled_back",
    SinceForked = "since.forked",
    SegmentChanged = "segment.changed",
    SegmentMissing = "segment.missing",
    SegmentMoved = "segment.moved",
    SegmentUnsealed = "segment.unsealed",
    SegmentUnreadable = "segment.unreadable",
    SegmentBadName = "segment.bad_name",
    SegmentSymlink = "segment.symlink",
    SegmentHardLink = "segment.hard_link",
    SegmentUnsettled = "segment.unsettled",
    SegmentContainerRewritten = "segment.container_rewritten",
    SegmentContentEdited = "segment.content_edited",
    SegmentContentRemoved = "segment.content_removed",
    SegmentContentInserted = "segment.content_inserted",
    SegmentTruncated = "segment.truncated",
    SegmentDeclaredStartChanged = "segment.declared_start_changed",
    SegmentRetimed = "segment.retimed",
    SegmentReencoded = "segment.reencoded",
    SegmentOtherRecording = "segment.other_recording",
    SegmentNotEvidence = "segment.not_evidence",
    MediaUnreadable = "media.unreadable",
    MediaInternalGap = "media.internal_gap",
    MediaTimestampReversal = "media.timestamp_reversal",
    WindowsChanged = "windows.changed",
    WindowsMissing = "windows.missing",
    ProofMalformed = "proof.malformed",
    ProofNoEntry = "proof.no_entry",
    ProofNotIncluded = "proof.not_included",
    ExcerptChanged = "excerpt.changed",
    ExcerptSpliced = "excerpt.spliced",
    ExcerptEdgeShifted = "excerpt.edge_shifted",
    ExcerptOtherRecording = "excerpt.other_recording",
    ExcerptUnreadable = "excerpt.unreadable",
    CompareMissingFromOfficial = "compare.missing_from_official",
    CompareMissingFromIndependent = "compare.missing_from_independent",
    CompareBeyondOfficial = "compare.beyond_official",
    CompareNothingMatches = "compare.nothing_matches",
    EventBadSignature = "event.bad_signature",
    EventUntrustedOperator = "event.untrusted_operator",
    EventBackdated = "event.backdated",
    EventSignerNotConfirmed = "event.signer_not_confirmed",
    EventFuture = "event.future",
    ServiceRestarted = "service.restarted",
    SessionNotClosed = "session.not_closed",
    SessionChainBroken = "session.chain_broken",
    SessionChainForked = "session.chain_forked",
    SessionChainUnlinked = "session.chain_unlinked",
    SessionChainOtherRecorder = "session.chain_other_recorder",
    SessionChainUnverified = "session.chain_unverified",
    SessionFolderRenamed = "session.folder_renamed",
    ContinuityUndeclaredGap = "continuity.undeclared_gap",
    ContinuityLateStart = "continuity.late_start",
    ContinuityEarlyEnd = "continuity.early_end",
    ContinuityInternalGap = "continuity.internal_gap",
    ContinuityUnannouncedBreak = "continuity.unannounced_break",
    ContinuityEndsAfterSealing = "continuity.ends_after_sealing",
    ContinuitySealedLate = "continuity.sealed_late",
    RecordBreakNotSealed = "record.break_not_sealed",
    RecordFailureWithoutAct = "record.failure_without_act",
    RecordFailureNotSealed = "record.failure_not_sealed",
    RecordMismatch = "record.mismatch",
    RecordEndNotSealed = "record.end_not_sealed",
    RetireBadSignature = "retire.bad_signature",
    RetireUntrustedArchivist = "retire.untrusted_archivist",
    SessionRetired = "session.retired",
    ArchiveUnreadable = "archive.unreadable",
    ArchiveSymlink = "archive.symlink",
    ArchiveNestedSession = "archive.nested_session",
    BagInvalid = "bag.invalid",
    BagManifestMismatch = "bag.manifest_mismatch",
    RecordInvalid = "record.invalid",
    RetentionOverdue = "retention.overdue",
    RecordBadSignature = "record.bad_signature",
    RecordUntrustedOperator = "record.untrusted_operator",
    RecordRevisionOutOfOrder = "record.revision_out_of_order",
    RecordDiffersFromSealed = "record.differs_from_sealed",
    RecordNotSealed = "record.not_sealed",
    RetentionNoSealedDate = "retention.no_sealed_date",
    RetentionOutOfRange = "retention.out_of_range",
    RetentionVerdictBeforeSession = "retention.verdict_before_session",
    TimestampMalformed = "timestamp.malformed",
    TimestampBadSignature = "timestamp.bad_signature",
    TimestampUntrustedTsa = "timestamp.untrusted_tsa",
    TimestampImprintMismatch = "timestamp.imprint_mismatch",
    TimestampExpiredCertificate = "timestamp.expired_certificate",
    TimestampNotEku = "timestamp.not_eku",
    TimestampMissing = "timestamp.missing",
    TimestampUnreachable = "timestamp.unreachable",
    TimestampRenewalDue = "timestamp.renewal_due",
    TimestampLate = "timestamp.late",
    CheckpointNotWitnessed = "checkpoint.not_witnessed",
    WitnessBadCosignature = "witness.bad_cosignature",
    WitnessQuorumNotMet = "witness.quorum_not_met",
    WitnessFork = "witness.fork",
    WitnessMalformed = "witness.malformed",
    WitnessUnreachable = "witness.unreachable",
    LedgerMissing = "ledger.missing",
    LedgerBadSignature = "ledger.bad_signature",
    LedgerBadInclusion = "ledger.bad_inclusion",
    LedgerFork = "ledger.fork",
    LedgerMalformed = "ledger.malformed",
    LedgerUntrusted = "ledger.untrusted",
    LedgerUnreachable = "ledger.unreachable",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Code::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown finding code `{name}`")))
    }
}

/// Where a finding is. In JSON it is one string, as it always was: the
/// file's name, `FILE:LINE` for a line of a log, `record: PLACE` for a
/// place in the short-form record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// A file or folder, by its name in the session, or a path as given.
    File(String),
    /// A line of a log (a `.jsonl` file), from 1.
    Line {
        /// The log's name in the session.
        file: String,
        /// The line, from 1.
        line: usize,
    },
    /// A place in the short-form record: `line 8`, `end`, `breaks[2]`.
    Record(String),
}

impl Location {
    /// Line `line` of the session's log.
    pub fn log_line(line: usize) -> Location {
        Location::Line {
            file: crate::format::LOG_NAME.to_owned(),
            line,
        }
    }

    /// The place `place` in the short-form record.
    pub fn record(place: impl Into<String>) -> Location {
        Location::Record(place.into())
    }

    /// The file it is in, if it is a file or a line of one.
    pub fn file(&self) -> Option<&str> {
        match self {
            Location::File(f) | Location::Line { file: f, .. } => Some(f),
            Location::Record(_) => None,
        }
    }

    /// The line of the session's log it is, if it is one.
    pub fn line_of_log(&self) -> Option<usize> {
        match self {
            Location::Line { file, line } if file == crate::format::LOG_NAME => Some(*line),
            _ => None,
        }
    }

    /// Reads the one-string form back (a resumed audit's state): the
    /// inverse of its `Display`.
    pub fn parse(s: &str) -> Location {
        if let Some(place) = s.strip_prefix("record: ") {
            return Location::Record(place.to_owned());
        }
        // Only the session log's own lines, numbered as `log_line` writes
        // them (no sign, no leading zero): any other text is a file's name.
        if let Some(n) = s
            .strip_prefix(crate::format::LOG_NAME)
            .and_then(|r| r.strip_prefix(':'))
        {
            if let Ok(line) = n.parse::<usize>() {
                if line.to_string() == n {
                    return Location::log_line(line);
                }
            }
        }
        Location::File(s.to_owned())
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Padded as a string is (the text tables align on it).
        match self {
            Location::File(name) => f.pad(name),
            Location::Line { file, line } => f.pad(&format!("{file}:{line}")),
            Location::Record(place) => f.pad(&format!("record: {place}")),
        }
    }
}

impl From<&str> for Location {
    fn from(s: &str) -> Self {
        Location::File(s.to_owned())
    }
}

impl From<String> for Location {
    fn from(s: String) -> Self {
        Location::File(s)
    }
}

impl From<&String> for Location {
    fn from(s: &String) -> Self {
        Location::File(s.clone())
    }
}

impl From<&Location> for Location {
    fn from(l: &Location) -> Self {
        l.clone()
    }
}

impl PartialEq<str> for Location {
    /// Whether `other` is its one-string form.
    fn eq(&self, other: &str) -> bool {
        match self {
            Location::File(name) => name == other,
            Location::Line { file, line } => other
                .strip_prefix(file.as_str())
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|n| n == line.to_string().as_str()),
            Location::Record(place) => other.strip_prefix("record: ") == Some(place.as_str()),
        }
    }
}

impl PartialEq<&str> for Location {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Location {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Location::parse(&String::deserialize(d)?))
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Finding {
    /// Stable dotted code, e.g. `segment.changed`.
    pub code: Code,
    /// Severity.
    pub severity: Severity,
    /// One or two sentences for a person.
    pub message: String,
    /// Where: a file, a log line, a checkpoint, a place in the record.
    pub location: Location,
    /// When, for findings about a stretch of a recording: seconds from the
    /// start of the segment (on its sealed timeline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// When, for findings about wall-clock time: from, to (RFC 3339) and
    /// length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeSpan>,
}

/// A stretch of wall-clock time.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TimeSpan {
    /// Start, RFC 3339.
    pub from: String,
    /// End, RFC 3339.
    pub to: String,
    /// Length in seconds.
    pub seconds: f64,
}

impl Eq for TimeSpan {}

/// A stretch of a recording, in seconds from the start of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Span {
    /// Start.
    pub from: f64,
    /// End.
    pub to: f64,
}

impl Eq for Span {}

impl Finding {
    /// A finding of the given severity.
    pub fn new(
        severity: Severity,
        code: Code,
        location: impl Into<Location>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            code,
            severity,
            message: message.into(),
            location: location.into(),
            span: None,
            time: None,
        }
    }

    /// An error finding.
    pub fn error(code: Code, location: impl Into<Location>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, location, message)
    }

    /// A warning finding.
    pub fn warning(code: Code, location: impl Into<Location>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, location, message)
    }

    /// An info finding.
    pub fn info(code: Code, location: impl Into<Location>, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, code, location, message)
    }
}

impl Finding {
    /// The same finding, about the wall-clock stretch `[from, to]`.
    pub fn with_time(mut self, from: time::OffsetDateTime, to: time::OffsetDateTime) -> Self {
        let f = |t: time::OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        self.time = Some(TimeSpan {
            from: f(from),
            to: f(to),
            seconds: (to - from).as_seconds_f64(),
        });
        self
    }

    /// The same finding, about the stretch `[from, to]` of a recording.
    pub fn with_span(mut self, from: f64, to: f64) -> Self {
        self.span = Some(Span { from, to });
        self
    }
}

/// True if any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_keeps_its_one_string_json_form_and_reads_it_back_typed() {
        let cases = [
            (Location::from("a.m4a"), "a.m4a"),
            (Location::log_line(12), "courtseal/log.jsonl:12"),
            (Location::record("breaks[2]"), "record: breaks[2]"),
            (
                Location::from("courtseal/cosigned/5.note"),
                "courtseal/cosigned/5.note",
            ),
        ];
        for (l, s) in &cases {
            assert_eq!(l.to_string(), *s);
            assert_eq!(serde_json::to_string(l).unwrap(), format!("{s:?}"));
            let back: Location = serde_json::from_str(&format!("{s:?}")).unwrap();
            assert_eq!(&back, l);
        }
        assert_eq!(Location::log_line(12).line_of_log(), Some(12));
        assert_eq!(Location::from("a.m4a").line_of_log(), None);
        assert_eq!(Location::record("end").file(), None);
        assert_eq!(Location::log_line(3).file(), Some("courtseal/log.jsonl"));
        // A segment whose name merely ends in a colon and digits is a file,
        // even one named like a log; and a line number is read back only
        // as it is written.
        for name in [
            "take:2",
            "notes.jsonl:3",
            "courtseal/log.jsonl:012",
            "courtseal/log.jsonl:+3",
        ] {
            assert_eq!(Location::parse(name), Location::from(name), "{name}");
            assert_eq!(Location::parse(name).line_of_log(), None, "{name}");
        }
        // Text tables pad it as they pad a string.
        assert_eq!(format!("{:<8}|", Location::from("a")), "a       |");
    }

    /// The codes of the table "All codes" in docs/findings.md.
    fn documented() -> Vec<String> {
        let doc = include_str!("../docs/findings.md");
        let table = doc
            .split("## All codes")
            .nth(1)
            .expect("findings.md has a section All codes");
        table
            .lines()
            .take_while(|l| !l.starts_with("## "))
            .filter_map(|l| l.strip_prefix("| [`"))
            .filter_map(|l| l.split('`').next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_code_is_documented_and_every_documented_code_exists() {
        let doc = documented();
        let ours: Vec<String> = Code::ALL.iter().map(|c| c.as_str().to_owned()).collect();
        for c in &ours {
            assert!(doc.contains(c), "{c} is not in docs/findings.md's table");
        }
        for c in &doc {
            assert!(ours.contains(c), "{c} is documented but has no Code");
        }
        assert_eq!(doc.len(), ours.len(), "a code is listed twice");
    }

    #[test]
    fn codes_round_trip_through_their_names_and_json() {
        for &c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), c);
        }
        assert!(serde_json::from_str::<Code>("\"segment.nonsense\"").is_err());
    }
}
