//! The session's timeline on the wall clock, checked against the short-form
//! record: every second of the declared session must be covered by sealed
//! recording, or by a declared break, adjournment, deliberation or failure
//! (itself sealed at the time as an operator event); everything else is
//! flagged with its from, to and length.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use crate::entry::Entry;
use crate::finding::Finding;
use crate::keys::TrustStore;
use crate::record::ShortFormRecord;
use crate::session::{Log, SessionPaths};
use crate::verify::{self, SessionReport, VerifyError, VerifyOptions};

/// Tolerances of the check.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Gaps and offsets up to this long are not reported.
    pub tolerance: Duration,
    /// How far an operator event's stated time may be from the start of the
    /// break it stands for.
    pub event_tolerance: Duration,
    /// How long after a break ends its event may still be sealed.
    pub event_grace: Duration,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            tolerance: Duration::from_secs(2),
            event_tolerance: Duration::from_secs(60),
            event_grace: Duration::from_secs(600),
        }
    }
}

/// A stretch of wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Span {
    /// Start.
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// End.
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
}

impl Span {
    fn seconds(&self) -> f64 {
        (self.to - self.from).as_seconds_f64()
    }
}

/// A sealed segment placed on the wall clock.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentSpan {
    /// Segment name.
    pub name: String,
    /// When it covers.
    pub span: Span,
    /// `declared start` (from the file's creation_time) or `sealing time`.
    pub placed_by: String,
    /// Stretches inside it where its timestamps jump (nothing recorded).
    pub internal_gaps: Vec<Span>,
}

/// A point on the timeline (event, heartbeat).
#[derive(Debug, Clone, Serialize)]
pub struct Mark {
    /// What.
    pub kind: String,
    /// Stated time (events) or the service's time (heartbeats).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// A label for people.
    pub label: String,
}

/// The result of `check`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The record checked against.
    pub record: ShortFormRecord,
    /// Everything `verify` found.
    pub verify: SessionReport,
    /// Sealed segments on the wall clock.
    pub segments: Vec<SegmentSpan>,
    /// Operator events and heartbeats.
    pub marks: Vec<Mark>,
    /// Stretches of the declared session covered by nothing.
    pub gaps: Vec<Span>,
    /// Findings of the check (verify's are in `verify`).
    pub findings: Vec<Finding>,
}

impl CheckReport {
    /// Every finding: the verification's and the check's.
    pub fn all_findings(&self) -> Vec<Finding> {
        let mut all = self.verify.findings.clone();
        all.extend(self.findings.iter().cloned());
        all
    }
}

fn parse_utc(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

fn fmt(t: OffsetDateTime, like: OffsetDateTime) -> String {
    let t = t.to_offset(like.offset());
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn dur(d: Duration) -> time::Duration {
    time::Duration::seconds_f64(d.as_secs_f64())
}

/// Merges spans into a sorted list of disjoint spans.
fn union(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_by_key(|s| s.from);
    let mut out: Vec<Span> = Vec::new();
    for s in spans {
        match out.last_mut() {
            Some(last) if s.from <= last.to => last.to = last.to.max(s.to),
            _ => out.push(s),
        }
    }
    out
}

/// `within` minus the union of `covered`.
fn uncovered(within: Span, covered: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut at = within.from;
    for c in covered {
        if c.to <= at || c.from >= within.to {
            continue;
        }
        if c.from > at {
            out.push(Span {
                from: at,
                to: c.from.min(within.to),
            });
        }
        at = at.max(c.to);
    }
    if at < within.to {
        out.push(Span {
            from: at,
            to: within.to,
        });
    }
    out
}

/// Verifies the session and checks it against its short-form record.
pub fn check_session(
    root: &Path,
    record: &ShortFormRecord,
    trust: &TrustStore,
    opts: &CheckOptions,
) -> Result<CheckReport, VerifyError> {
    let report = verify::verify_session(root, trust, VerifyOptions::default())?;
    Ok(check_verified(root, report, record, opts))
}

/// Checks a session already verified (its `report`) against its record,
/// without hashing anything again.
pub fn check_verified(
    root: &Path,
    report: SessionReport,
    record: &ShortFormRecord,
    opts: &CheckOptions,
) -> CheckReport {
    let log = Log::read(&SessionPaths::new(root).log).unwrap_or_default();
    let tol = dur(opts.tolerance);
    let mut findings = Vec::new();
    let declared = Span {
        from: record.start,
        to: record.end,
    };
    let loc = "record";

    // The sealed header must name the same court, case, judge and secretary.
    if let Some(h) = log.header() {
        for (field, sealed, declared) in [
            ("court", &h.court, &record.court),
            ("case", &h.case, &record.case),
            ("judge", &h.judge, &record.judge),
            ("secretary", &h.secretary, &record.secretary),
        ] {
            if let Some(sealed) = sealed {
                if sealed.trim() != declared.trim() {
                    findings.push(Finding::error(
                        "record.mismatch",
                        format!("{loc}: {field}"),
                        format!("the record says {field} {declared:?}, but the session was sealed with {sealed:?}"),
                    ));
                }
            }
        }
    }

    // Sealed segments on the wall clock.
    let mut segments = Vec::new();
    for (_, s) in log.segments() {
        let Some(m) = &s.media else { continue };
        let Some(d) = m.duration else { continue };
        let length = time::Duration::seconds_f64(d);
        let (from, placed_by) = match m.declared_start.as_deref().and_then(parse_utc) {
            Some(t) => (t, "declared start"),
            None => match parse_utc(&s.sealed_at) {
                Some(t) => (t - length, "sealing time"),
                None => continue,
            },
        };
        let internal_gaps = m
            .observations
            .iter()
            .filter(|o| o.code == "media.internal_gap")
            .map(|o| Span {
                from: from + time::Duration::seconds_f64(o.from),
                to: from + time::Duration::seconds_f64(o.to),
            })
            .collect();
        segments.push(SegmentSpan {
            name: s.name.clone(),
            span: Span {
                from,
                to: from + length,
            },
            placed_by: placed_by.into(),
            internal_gaps,
        });
    }

    // Events and heartbeats; the checkpoints' times (that of the last entry each covers).
    let mut marks = Vec::new();
    let mut events = Vec::new();
    for l in &log.lines {
        match &l.entry {
            Ok(Entry::Event(e)) => {
                if let (Some(at), Some(sealed)) = (parse_utc(&e.at), parse_utc(&e.sealed_at)) {
                    marks.push(Mark {
                        kind: format!("event:{}", e.event),
                        at,
                        label: format!("{}: {}", e.event, e.reason),
                    });
                    events.push((l.number, e, at, sealed));
                }
            }
            Ok(Entry::Heartbeat(h)) => {
                if let Some(at) = parse_utc(&h.at) {
                    marks.push(Mark {
                        kind: "heartbeat".into(),
                        at,
                        label: "heartbeat".into(),
                    });
                }
            }
            _ => {}
        }
    }
    let entry_time = |line: usize| -> Option<OffsetDateTime> {
        log.lines
            .get(line.checked_sub(1)?)
            .and_then(|l| l.entry.as_ref().ok())
            .and_then(|e| parse_utc(e.time()))
    };
    let kept: Vec<u64> = report
        .checkpoints
        .iter()
        .filter(|c| c.ok && !c.latest)
        .filter_map(|c| c.size)
        .collect();
    for (line, e, at, _) in &events {
        // The latest checkpoint that did not include the event, and when it was signed.
        let before = kept.iter().copied().filter(|&m| (m as usize) < *line).max();
        if let Some(m) = before {
            if let Some(cp_time) = entry_time(m as usize) {
                // An honest event can wait behind a long seal for a few
                // seconds: only a claim earlier than the event tolerance counts.
                if *at + dur(opts.event_tolerance) < cp_time {
                    findings.push(
                        Finding::error(
                            "event.backdated",
                            format!("courtseal/log.jsonl:{line}"),
                            format!(
                                "the {} event states {}, but a checkpoint signed after {} (covering {m} entries) does not include it: it was entered afterwards",
                                e.event,
                                fmt(*at, record.start),
                                fmt(cp_time, record.start)
                            ),
                        )
                        .with_time(at.to_offset(record.start.offset()), cp_time.to_offset(record.start.offset())),
                    );
                }
            }
        }
    }

    // Declared breaks must have been sealed at the time as operator events.
    let ev_tol = dur(opts.event_tolerance);
    for b in &record.breaks {
        let kinds: &[&str] = match b.kind.as_str() {
            "adjournment" => &["adjournment", "break", "pause"],
            "deliberation" => &["break", "adjournment", "pause", "note"],
            _ => &["break", "pause", "adjournment"],
        };
        let sealed = events.iter().any(|(_, e, at, sealed_at)| {
            kinds.contains(&e.event.as_str())
                && (*at - b.from).abs() <= ev_tol
                && *sealed_at <= b.to + dur(opts.event_grace)
        });
        if !sealed {
            findings.push(
                Finding::warning(
                    "record.break_not_sealed",
                    format!("{loc}: {}", b.place()),
                    format!(
                        "the {} from {} to {} has no operator event sealed at the time: it may have been written into the record afterwards",
                        b.kind,
                        fmt(b.from, record.start),
                        fmt(b.to, record.start)
                    ),
                )
                .with_time(b.from, b.to),
            );
        }
    }
    for f in &record.failures {
        if f.act_signed_by.iter().all(|s| s.trim().is_empty()) {
            findings.push(
                Finding::error(
                    "record.failure_without_act",
                    format!("{loc}: {}", f.place()),
                    format!(
                        "the recording failure from {} to {} ({}) names no one who signed its act",
                        fmt(f.from, record.start),
                        fmt(f.to, record.start),
                        f.reason
                    ),
                )
                .with_time(f.from, f.to),
            );
        }
        let sealed = events.iter().any(|(_, e, at, sealed_at)| {
            e.event == "failure"
                && (*at - f.from).abs() <= ev_tol
                && *sealed_at <= f.to + dur(opts.event_grace)
        });
        if !sealed {
            findings.push(
                Finding::warning(
                    "record.failure_not_sealed",
                    format!("{loc}: {}", f.place()),
                    format!(
                        "the recording failure from {} to {} has no failure event sealed at the time",
                        fmt(f.from, record.start),
                        fmt(f.to, record.start)
                    ),
                )
                .with_time(f.from, f.to),
            );
        }
    }

    // Coverage: recording (less its internal gaps), breaks, failures.
    let mut recorded = Vec::new();
    let mut internal = Vec::new();
    for s in &segments {
        let inner = union(s.internal_gaps.clone());
        recorded.extend(uncovered(s.span, &inner));
        internal.extend(inner);
    }
    let declared_cover: Vec<Span> = record
        .breaks
        .iter()
        .map(|b| Span {
            from: b.from,
            to: b.to,
        })
        .chain(record.failures.iter().map(|f| Span {
            from: f.from,
            to: f.to,
        }))
        .collect();
    let covered = union(
        recorded
            .iter()
            .copied()
            .chain(declared_cover.iter().copied())
            .collect(),
    );
    let gaps: Vec<Span> = uncovered(declared, &covered)
        .into_iter()
        .filter(|g| g.to - g.from > tol)
        .collect();
    let internal = union(internal);
    for g in &gaps {
        let len = g.seconds();
        let inside_internal = internal
            .iter()
            .any(|i| i.from - tol <= g.from && g.to <= i.to + tol);
        let (code, what) = if inside_internal {
            ("continuity.internal_gap", "the timestamps inside a sealed segment jump over this stretch: the recording was stopped and restarted inside one file")
        } else if g.from == declared.from && g.to == declared.to {
            (
                "continuity.undeclared_gap",
                "nothing of the declared session is covered by sealed recording",
            )
        } else if g.from == declared.from {
            (
                "continuity.late_start",
                "the recording starts after the declared start of the session",
            )
        } else if g.to == declared.to {
            (
                "continuity.early_end",
                "the recording ends before the declared end of the session",
            )
        } else {
            ("continuity.undeclared_gap", "nothing was recorded and no break, adjournment, deliberation or failure is declared")
        };
        findings.push(
            Finding::error(
                code,
                format!(
                    "{} to {}",
                    fmt(g.from, record.start),
                    fmt(g.to, record.start)
                ),
                format!(
                    "{:.1} s from {} to {}: {what}",
                    len,
                    fmt(g.from, record.start),
                    fmt(g.to, record.start)
                ),
            )
            .with_time(
                g.from.to_offset(record.start.offset()),
                g.to.to_offset(record.start.offset()),
            ),
        );
    }
    marks.sort_by_key(|m| m.at);
    CheckReport {
        record: record.clone(),
        verify: report,
        segments,
        marks,
        gaps,
        findings,
    }
}
