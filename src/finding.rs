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

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Finding {
    /// Stable dotted code, e.g. `segment.changed`.
    pub code: String,
    /// Severity.
    pub severity: Severity,
    /// One or two sentences for a person.
    pub message: String,
    /// Where: a file, a log line, a checkpoint.
    pub location: String,
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
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            code: code.to_owned(),
            severity,
            message: message.into(),
            location: location.into(),
            span: None,
            time: None,
        }
    }

    /// An error finding.
    pub fn error(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, code, location, message)
    }

    /// A warning finding.
    pub fn warning(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, code, location, message)
    }

    /// An info finding.
    pub fn info(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
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
