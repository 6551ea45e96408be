//! Results as JSON, for machines (docs/json.md). Each command's object is a
//! typed envelope: the tool, its version and the command, then the
//! command's own fields. Objects are printed with their keys in alphabetical
//! order (through `serde_json::Value`), as docs/json.md says.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use courtseal::audit::AuditReport;
use courtseal::entry::SegmentEntry;
use courtseal::finding::Finding;
use courtseal::media::{MediaAnalysis, MediaFacts};
use courtseal::proof::FileReport;
use courtseal::record::ShortFormRecord;
use courtseal::series::SeriesReport;
use courtseal::session::SealOutcome;
use courtseal::timeline::{CheckReport, Mark, SegmentSpan, Span};
use courtseal::verify::{
    CheckpointStatus, EventStatus, SegmentObservation, SegmentStatus, SessionReport,
};

/// What every object starts with.
#[derive(Serialize)]
struct Envelope<T: Serialize> {
    tool: &'static str,
    version: &'static str,
    command: &'static str,
    #[serde(flatten)]
    body: T,
}

fn envelope<T: Serialize>(command: &'static str, body: T) -> Envelope<T> {
    Envelope {
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        command,
        body,
    }
}

/// Findings by severity.
#[derive(Serialize)]
struct Counts {
    error: usize,
    warning: usize,
    info: usize,
}

/// `verified` and `counts`, shared by the verdict-giving commands.
#[derive(Serialize)]
struct Verdict {
    verified: bool,
    counts: Counts,
}

fn verdict(findings: &[Finding]) -> Verdict {
    let (error, warning, info) = super::text::counts(findings);
    Verdict {
        verified: error == 0,
        counts: Counts {
            error,
            warning,
            info,
        },
    }
}

/// One pretty-printed object and a newline.
fn render<T: Serialize>(v: &T) -> anyhow::Result<String> {
    let value = serde_json::to_value(v)?;
    Ok(format!("{}\n", serde_json::to_string_pretty(&value)?))
}

#[derive(Serialize)]
struct Seal<'a> {
    session: String,
    created: bool,
    sealed: &'a [SegmentEntry],
    findings: &'a [Finding],
    checkpoint_size: Option<u64>,
    size: u64,
}

/// `seal --json`.
pub fn seal(session: &Path, o: &SealOutcome) -> anyhow::Result<String> {
    render(&envelope(
        "seal",
        Seal {
            session: session.display().to_string(),
            created: o.created,
            sealed: &o.sealed,
            findings: &o.skipped,
            checkpoint_size: o.checkpoint.as_ref().map(|c| c.size),
            size: o.size,
        },
    ))
}

#[derive(Serialize)]
struct Verify<'a> {
    #[serde(flatten)]
    verdict: Verdict,
    session: &'a str,
    bag: bool,
    origin: &'a Option<String>,
    entries: u64,
    verified_size: u64,
    checkpoints: &'a [CheckpointStatus],
    segments: &'a [SegmentStatus],
    observations: &'a [SegmentObservation],
    events: &'a [EventStatus],
    records: &'a [courtseal::record::sealed::SealedRecordStatus],
    heartbeats: u64,
    closed_at: &'a Option<String>,
    outside_times: &'a [courtseal::verify::timestamps::OutsideTime],
    #[serde(skip_serializing_if = "Option::is_none")]
    since: &'a Option<courtseal::verify::since::SinceStatus>,
    findings: &'a [Finding],
}

fn verify_body(r: &SessionReport) -> Envelope<Verify<'_>> {
    envelope(
        "verify",
        Verify {
            verdict: verdict(&r.findings),
            session: &r.session,
            bag: r.bag,
            origin: &r.origin,
            entries: r.entries,
            verified_size: r.verified_size,
            checkpoints: &r.checkpoints,
            segments: &r.segments,
            observations: &r.observations,
            events: &r.events,
            records: &r.records,
            heartbeats: r.heartbeats,
            closed_at: &r.closed_at,
            outside_times: &r.outside_times,
            since: &r.since,
            findings: &r.findings,
        },
    )
}

/// `verify --json`.
pub fn verify(r: &SessionReport) -> anyhow::Result<String> {
    render(&verify_body(r))
}

#[derive(Serialize)]
struct VerifyFile<'a> {
    #[serde(flatten)]
    verdict: Verdict,
    file: &'a str,
    proof: &'a str,
    origin: &'a Option<String>,
    tree_size: Option<u64>,
    signed_by: &'a [String],
    entry: &'a Option<SegmentEntry>,
    sha256: &'a Option<String>,
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    excerpt: &'a Option<courtseal::stretch::Stretch>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    outside_times: &'a [courtseal::verify::timestamps::OutsideTime],
    #[serde(skip_serializing_if = "Option::is_none")]
    record: &'a Option<courtseal::record::sealed::BundledRecord>,
}

/// `excerpt --json`.
pub fn excerpt(
    output: &Path,
    proof: &Path,
    stretch: &courtseal::stretch::Stretch,
) -> anyhow::Result<String> {
    #[derive(Serialize)]
    struct Excerpt<'a> {
        excerpt: String,
        proof: String,
        stretch: &'a courtseal::stretch::Stretch,
    }
    render(&envelope(
        "excerpt",
        Excerpt {
            excerpt: output.display().to_string(),
            proof: proof.display().to_string(),
            stretch,
        },
    ))
}

/// `verify-file --json`.
pub fn verify_file(r: &FileReport) -> anyhow::Result<String> {
    render(&envelope(
        "verify-file",
        VerifyFile {
            verdict: verdict(&r.findings),
            file: &r.file,
            proof: &r.proof,
            origin: &r.origin,
            tree_size: r.tree_size,
            signed_by: &r.signed_by,
            entry: &r.entry,
            sha256: &r.sha256,
            findings: &r.findings,
            excerpt: &r.excerpt,
            outside_times: &r.outside_times,
            record: &r.record,
        },
    ))
}

#[derive(Serialize)]
struct Inspect<'a> {
    file: String,
    media: &'a MediaFacts,
    windows: usize,
}

/// `inspect --json`.
pub fn inspect(file: &Path, a: &MediaAnalysis) -> anyhow::Result<String> {
    render(&envelope(
        "inspect",
        Inspect {
            file: file.display().to_string(),
            media: &a.facts,
            windows: a.windows.len(),
        },
    ))
}

#[derive(Serialize)]
struct Series<'a> {
    #[serde(flatten)]
    verdict: Verdict,
    report: &'a SeriesReport,
}

/// `series --json`.
pub fn series(r: &SeriesReport) -> anyhow::Result<String> {
    render(&envelope(
        "series",
        Series {
            verdict: verdict(&r.findings),
            report: r,
        },
    ))
}

#[derive(Serialize)]
struct Check<'a> {
    #[serde(flatten)]
    verdict: Verdict,
    record: &'a ShortFormRecord,
    record_source: &'a courtseal::record::sealed::RecordSource,
    segments: &'a [SegmentSpan],
    marks: &'a [Mark],
    gaps: &'a [Span],
    unannounced: &'a [Span],
    findings: &'a [Finding],
    verify: Envelope<Verify<'a>>,
}

/// `check --json`: the check's own fields, with verify's object inside.
pub fn check(
    r: &CheckReport,
    source: &courtseal::record::sealed::RecordSource,
) -> anyhow::Result<String> {
    render(&envelope(
        "check",
        Check {
            verdict: verdict(&r.all_findings()),
            record: &r.record,
            record_source: source,
            segments: &r.segments,
            marks: &r.marks,
            gaps: &r.gaps,
            unannounced: &r.unannounced,
            findings: &r.findings,
            verify: verify_body(&r.verify),
        },
    ))
}

#[derive(Serialize)]
struct Audit<'a> {
    report: &'a AuditReport,
    totals: BTreeMap<&'static str, usize>,
}

/// `audit --json`.
pub fn audit(r: &AuditReport) -> anyhow::Result<String> {
    render(&envelope(
        "audit",
        Audit {
            report: r,
            totals: courtseal::audit::totals(r).into_iter().collect(),
        },
    ))
}

#[derive(Serialize)]
struct Compare<'a> {
    #[serde(flatten)]
    verdict: Verdict,
    #[serde(flatten)]
    report: &'a courtseal::compare::CompareReport,
    verify: Envelope<Verify<'a>>,
}

/// `compare --json`.
pub fn compare(v: &SessionReport, r: &courtseal::compare::CompareReport) -> anyhow::Result<String> {
    let mut all = v.findings.clone();
    all.extend(r.findings.iter().cloned());
    render(&envelope(
        "compare",
        Compare {
            verdict: verdict(&all),
            report: r,
            verify: verify_body(v),
        },
    ))
}
