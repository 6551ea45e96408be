//! The session's timeline on the wall clock, checked against the short-form
//! record: every second of the declared session must be covered by sealed
//! recording, or by a declared break, adjournment, deliberation or failure
//! (itself sealed at the time as an operator event); everything else is
//! flagged with its from, to and length.
//!
//! The check is pure over a [`VerifiedSession`]: it reads nothing, and it
//! uses only the log entries a trusted checkpoint covers.

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use crate::entry::{Entry, EventEntry, EventKind, SegmentEntry};
use crate::finding::{Code, Finding, Location};
use crate::log::Log;
use crate::record::{BreakKind, ShortFormRecord};
use crate::verify::{SessionReport, VerifiedSession, EVENT_BACKDATED_AFTER, EVENT_CLOCK_SKEW};

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
    /// How far a segment's declared end may be after its sealing time (the
    /// recorder's clock and the sealer's may differ by this much).
    pub clock_tolerance: Duration,
    /// Under live sealing (heartbeats), how long after the end it declares a
    /// segment may be sealed before its declared start is no longer relied on.
    pub sealing_delay: Duration,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            tolerance: Duration::from_secs(2),
            event_tolerance: Duration::from_secs(60),
            event_grace: Duration::from_secs(600),
            clock_tolerance: Duration::from_secs(60),
            sealing_delay: Duration::from_secs(300),
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
    /// Why that placement was used.
    pub why: String,
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
    /// Stretches without recording covered only by a break or failure of
    /// the record that no operator event announced at the time: not green.
    pub unannounced: Vec<Span>,
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

/// `t` in the zone `offset`, or in UTC at the ends of the calendar where
/// that zone's local time does not exist.
fn in_zone(t: OffsetDateTime, offset: time::UtcOffset) -> OffsetDateTime {
    t.checked_to_offset(offset).unwrap_or(t)
}

fn fmt(t: OffsetDateTime, like: OffsetDateTime) -> String {
    // At the ends of the calendar another offset may not exist: keep UTC.
    let t = t.checked_to_offset(like.offset()).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A tolerance as a wall-clock duration; one too long for the calendar is
/// the longest there is.
fn dur(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// Seconds of media time as a wall-clock duration, `None` when not finite
/// or too long for the calendar.
fn media_secs(s: f64) -> Option<time::Duration> {
    time::Duration::checked_seconds_f64(s)
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

/// Checks a verified session against its record. Pure: reads nothing, and
/// relies only on the log entries a trusted checkpoint covers.
pub fn check(
    session: &VerifiedSession,
    record: &ShortFormRecord,
    opts: &CheckOptions,
) -> CheckReport {
    // Events whose signature by a trusted operator key verified.
    let good_events: HashSet<usize> = session
        .report
        .events
        .iter()
        .filter(|e| e.ok)
        .map(|e| e.line)
        .collect();
    let sealed = Sealed {
        log: Log {
            lines: session.sealed_lines().to_vec(),
            torn_tail: None,
        },
        kept: &session.material.trusted_sizes,
        good_event: &|line| good_events.contains(&line),
    };
    let t = check_entries(&sealed, record, opts);
    CheckReport {
        record: record.clone(),
        verify: session.report.clone(),
        segments: t.segments,
        marks: t.marks,
        gaps: t.gaps,
        unannounced: t.unannounced,
        findings: t.findings,
    }
}

/// What the check may rely on: the sealed prefix of the log, the sizes of
/// the trusted checkpoints, and which event lines verified.
struct Sealed<'a> {
    /// Only the lines a trusted checkpoint covers.
    log: Log,
    /// Sizes of the trusted checkpoints.
    kept: &'a [u64],
    /// Whether the event on this line is signed by a trusted operator.
    good_event: &'a dyn Fn(usize) -> bool,
}

/// What the check finds in a log, apart from the verification's report.
struct Checked {
    segments: Vec<SegmentSpan>,
    marks: Vec<Mark>,
    gaps: Vec<Span>,
    unannounced: Vec<Span>,
    findings: Vec<Finding>,
}

/// An operator event as sealed, with its times parsed.
struct SealedEvent<'a> {
    line: usize,
    event: &'a EventEntry,
    at: OffsetDateTime,
    sealed_at: OffsetDateTime,
}

impl SealedEvent<'_> {
    /// Stated far before it was sealed: `event.backdated` from the entry
    /// alone (reported by verify).
    fn backdated(&self) -> bool {
        self.at
            .checked_add(dur(EVENT_BACKDATED_AFTER))
            .is_some_and(|t| t < self.sealed_at)
    }

    /// Stated after it was sealed: `event.future` (reported by verify).
    fn future(&self) -> bool {
        self.sealed_at
            .checked_add(dur(EVENT_CLOCK_SKEW))
            .is_some_and(|t| self.at > t)
    }
}

/// The whole check over the sealed prefix of a log.
fn check_entries(sealed: &Sealed<'_>, record: &ShortFormRecord, opts: &CheckOptions) -> Checked {
    let log = &sealed.log;
    let mut findings = header_mismatches(log, record);
    // (line, time) of each sealed heartbeat.
    let heartbeats: Vec<(usize, OffsetDateTime)> = log
        .lines
        .iter()
        .filter_map(|l| match &l.entry {
            Ok(Entry::Heartbeat(h)) => Some((l.number, parse_utc(&h.at)?)),
            _ => None,
        })
        .collect();
    let mut segments = Vec::new();
    for (n, s) in log.segments() {
        if let Some((span, finding)) = place_segment(n, s, &heartbeats, record, opts) {
            segments.push(span);
            findings.extend(finding);
        }
    }
    let (mut marks, events) = marks_and_events(log, sealed.good_event);
    findings.extend(backdated_events(log, &events, sealed.kept, record, opts));
    let (declared_findings, announced, unannounced_cover) =
        declared_without_events(record, &events, opts);
    findings.extend(declared_findings);
    findings.extend(end_not_sealed(log, &heartbeats, record));
    let declared = Span {
        from: record.start,
        to: record.end,
    };
    let tol = dur(opts.tolerance);
    let (gaps, internal) = coverage_gaps(declared, &segments, &announced, tol);
    // What the announced cover leaves open but an unannounced break or
    // failure of the record covers: not a gap, and not green either.
    let unannounced_cover = union(unannounced_cover);
    let mut open_gaps = Vec::new();
    let mut unannounced = Vec::new();
    for g in gaps {
        let inside: Vec<Span> = unannounced_cover
            .iter()
            .filter(|c| c.from < g.to && c.to > g.from)
            .map(|c| Span {
                from: in_zone(c.from.max(g.from), time::UtcOffset::UTC),
                to: in_zone(c.to.min(g.to), time::UtcOffset::UTC),
            })
            .collect();
        unannounced.extend(inside.iter().copied().filter(|u| u.to - u.from > tol));
        open_gaps.extend(
            uncovered(g, &inside)
                .into_iter()
                .filter(|r| r.to - r.from > tol),
        );
    }
    let gaps = open_gaps;
    for u in &unannounced {
        findings.push(
            Finding::error(
                Code::ContinuityUnannouncedBreak,
                format!("{} to {}", fmt(u.from, record.start), fmt(u.to, record.start)),
                format!(
                    "{:.1} s from {} to {}: nothing was recorded, and only a break or failure written into the record covers it; no operator event announced it at the time, so nothing sealed shows the recording was stopped on purpose",
                    u.seconds(),
                    fmt(u.from, record.start),
                    fmt(u.to, record.start)
                ),
            )
            .with_time(
                in_zone(u.from, record.start.offset()),
                in_zone(u.to, record.start.offset()),
            ),
        );
    }
    for g in &gaps {
        let (code, what) = classify(*g, declared, &internal, tol);
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
                    g.seconds(),
                    fmt(g.from, record.start),
                    fmt(g.to, record.start)
                ),
            )
            .with_time(
                in_zone(g.from, record.start.offset()),
                in_zone(g.to, record.start.offset()),
            ),
        );
    }
    marks.sort_by_key(|m| m.at);
    Checked {
        segments,
        marks,
        gaps,
        unannounced,
        findings,
    }
}

/// The sealed header must name the same court, case, judge and secretary.
fn header_mismatches(log: &Log, record: &ShortFormRecord) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(h) = log.header() else {
        return findings;
    };
    for (field, sealed, declared) in [
        ("court", &h.court, &record.court),
        ("case", &h.case, &record.case),
        ("judge", &h.judge, &record.judge),
        ("secretary", &h.secretary, &record.secretary),
    ] {
        if let Some(sealed) = sealed {
            if sealed.trim() != declared.trim() {
                findings.push(Finding::error(
                    Code::RecordMismatch,
                    Location::record(field),
                    format!("the record says {field} {declared:?}, but the session was sealed with {sealed:?}"),
                ));
            }
        }
    }
    findings
}

/// A session the sealing service ran (heartbeats) whose close is not
/// sealed: the end of the session comes only from the unsigned record, and
/// entries may have been removed from the end of the log.
fn end_not_sealed(
    log: &Log,
    heartbeats: &[(usize, OffsetDateTime)],
    record: &ShortFormRecord,
) -> Option<Finding> {
    if heartbeats.is_empty()
        || log
            .lines
            .iter()
            .any(|l| matches!(l.entry, Ok(Entry::Close(_))))
    {
        return None;
    }
    let last = log
        .lines
        .iter()
        .rev()
        .find_map(|l| parse_utc(l.entry.as_ref().ok()?.time()))?;
    let (a, b) = (last.min(record.end), last.max(record.end));
    Some(
        Finding::error(
            Code::RecordEndNotSealed,
            "record: end",
            format!(
                "the sealing service ran this session but no close entry is sealed; the last sealed entry is of {}, and the end {} comes only from the record, which is not signed: entries after the last trusted checkpoint may have been removed, so the end of the session is not proven",
                fmt(last, record.start),
                fmt(record.end, record.start)
            ),
        )
        .with_time(in_zone(a, record.start.offset()), in_zone(b, record.start.offset())),
    )
}

/// A sealed segment on the wall clock, and what is wrong with the time it
/// claims. Placed from its declared start when that is consistent with when
/// it was sealed; otherwise ending at its sealing time, the time the log
/// fixes. `None` without a duration or a usable time. `heartbeats` are the
/// (line, time) of the sealed heartbeats: one in the log before the
/// segment, between the end it declares and its sealing, shows the service
/// was running then.
fn place_segment(
    line: usize,
    s: &SegmentEntry,
    heartbeats: &[(usize, OffsetDateTime)],
    record: &ShortFormRecord,
    opts: &CheckOptions,
) -> Option<(SegmentSpan, Option<Finding>)> {
    let m = s.media.as_ref()?;
    let length = media_secs(m.duration?)?;
    let sealed_at = parse_utc(&s.sealed_at);
    let declared = m.declared_start.as_deref().and_then(parse_utc);
    let at = Location::log_line(line);
    let mut finding = None;
    let by_sealing = |why: String| -> Option<(OffsetDateTime, &'static str, String)> {
        Some((sealed_at?.checked_sub(length)?, "sealing time", why))
    };
    let (from, placed_by, why) = match (declared, sealed_at) {
        (Some(start), Some(sealed)) => {
            let end = start.checked_add(length)?;
            let late_hb = heartbeats
                .iter()
                .filter(|(n, h)| *n < line && *h > end && *h < sealed)
                .map(|(_, h)| *h)
                .min();
            if end
                .checked_sub(dur(opts.clock_tolerance))
                .is_some_and(|e| e > sealed)
            {
                finding = Some(
                    Finding::error(
                        Code::ContinuityEndsAfterSealing,
                        &at,
                        format!(
                            "{} declares that it starts at {} and lasts {:.1} s, so it would end at {}, {:.1} s after it was sealed ({}): the recorder's clock or the file's time tag is wrong; it is placed to end at its sealing time",
                            s.name,
                            fmt(start, record.start),
                            length.as_seconds_f64(),
                            fmt(end, record.start),
                            (end - sealed).as_seconds_f64(),
                            fmt(sealed, record.start)
                        ),
                    )
                    .with_time(in_zone(sealed, record.start.offset()), in_zone(end, record.start.offset())),
                );
                by_sealing(format!(
                    "its declared start would end it after it was sealed ({})",
                    fmt(sealed, record.start)
                ))?
            } else if let Some(hb) = late_hb.filter(|_| {
                end.checked_add(dur(opts.sealing_delay))
                    .is_some_and(|limit| sealed > limit)
            }) {
                finding = Some(
                    Finding::error(
                        Code::ContinuitySealedLate,
                        &at,
                        format!(
                            "{} declares that it ended at {}, but it was sealed only at {}, {:.0} s later, while the sealing service was running (heartbeat of {}): a finished file would have been sealed within {} s; its declared start is not relied on, and it is placed to end at its sealing time",
                            s.name,
                            fmt(end, record.start),
                            fmt(sealed, record.start),
                            (sealed - end).as_seconds_f64(),
                            fmt(hb, record.start),
                            opts.sealing_delay.as_secs()
                        ),
                    )
                    .with_time(in_zone(end, record.start.offset()), in_zone(sealed, record.start.offset())),
                );
                by_sealing(format!(
                    "sealed {:.0} s after the end it declares while the sealing service was running",
                    (sealed - end).as_seconds_f64()
                ))?
            } else {
                (
                    start,
                    "declared start",
                    "the start the file declares (creation_time), consistent with when it was sealed"
                        .to_owned(),
                )
            }
        }
        (Some(start), None) => (
            start,
            "declared start",
            "the start the file declares (creation_time); its sealing time does not parse"
                .to_owned(),
        ),
        (None, _) => by_sealing(
            "the file declares no start time: it is placed to end at its sealing time".to_owned(),
        )?,
    };
    let to = from.checked_add(length)?;
    let internal_gaps = m
        .observations
        .iter()
        .filter(|o| o.code == "media.internal_gap")
        .filter_map(|o| {
            Some(Span {
                from: from.checked_add(media_secs(o.from)?)?,
                to: from.checked_add(media_secs(o.to)?)?,
            })
        })
        .collect();
    Some((
        SegmentSpan {
            name: s.name.clone(),
            span: Span { from, to },
            placed_by: placed_by.into(),
            why,
            internal_gaps,
        },
        finding,
    ))
}

/// Events and heartbeats as marks; the events with both times parsed.
/// Only events signed by a trusted operator key stand for anything.
fn marks_and_events<'a>(
    log: &'a Log,
    good_event: &dyn Fn(usize) -> bool,
) -> (Vec<Mark>, Vec<SealedEvent<'a>>) {
    let mut marks = Vec::new();
    let mut events = Vec::new();
    for l in &log.lines {
        match &l.entry {
            Ok(Entry::Event(e)) if good_event(l.number) => {
                if let (Some(at), Some(sealed_at)) = (parse_utc(&e.at), parse_utc(&e.sealed_at)) {
                    marks.push(Mark {
                        kind: format!("event:{}", e.event),
                        at,
                        label: format!("{}: {}", e.event, e.reason),
                    });
                    events.push(SealedEvent {
                        line: l.number,
                        event: e,
                        at,
                        sealed_at,
                    });
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
    (marks, events)
}

/// An event whose stated time is earlier (by more than the event
/// tolerance) than a checkpoint that does not include it was entered
/// afterwards. A checkpoint's time is that of the last entry it covers.
/// One already backdated from the entry alone is reported by verify.
fn backdated_events(
    log: &Log,
    events: &[SealedEvent<'_>],
    kept: &[u64],
    record: &ShortFormRecord,
    opts: &CheckOptions,
) -> Vec<Finding> {
    let entry_time = |line: usize| -> Option<OffsetDateTime> {
        log.lines
            .get(line.checked_sub(1)?)
            .and_then(|l| l.entry.as_ref().ok())
            .and_then(|e| parse_utc(e.time()))
    };
    let ev_tol = dur(opts.event_tolerance);
    let mut findings = Vec::new();
    for ev in events.iter().filter(|e| !e.backdated()) {
        let line = ev.line;
        // The latest checkpoint that did not include the event, and when it was signed.
        let before = kept.iter().copied().filter(|&m| m < line as u64).max();
        let Some(m) = before else { continue };
        let Some(cp_time) = entry_time(m as usize) else {
            continue;
        };
        // An honest event can wait behind a long seal for a few seconds:
        // only a claim earlier than the event tolerance counts.
        if ev.at.checked_add(ev_tol).is_some_and(|t| t < cp_time) {
            findings.push(
                Finding::error(
                    Code::EventBackdated,
                    Location::log_line(line),
                    format!(
                        "the {} event states {}, but a checkpoint signed after {} (covering {m} entries) does not include it: it was entered afterwards",
                        ev.event.event,
                        fmt(ev.at, record.start),
                        fmt(cp_time, record.start)
                    ),
                )
                .with_time(in_zone(ev.at, record.start.offset()), in_zone(cp_time, record.start.offset())),
            );
        }
    }
    findings
}

/// Whether some event of one of `kinds` stands for a stretch from `from`
/// to `to`: stated within the event tolerance of `from`, sealed no later
/// than the grace after `to`, and neither backdated nor stated after it was
/// sealed.
fn sealed_at_the_time(
    events: &[SealedEvent<'_>],
    kinds: &[EventKind],
    from: OffsetDateTime,
    to: OffsetDateTime,
    opts: &CheckOptions,
) -> bool {
    let ev_tol = dur(opts.event_tolerance);
    let grace = dur(opts.event_grace);
    events.iter().any(|e| {
        e.event.kind().is_some_and(|k| kinds.contains(&k))
            && !e.backdated()
            && !e.future()
            && (e.at - from).abs() <= ev_tol
            && to.checked_add(grace).is_none_or(|last| e.sealed_at <= last)
    })
}

/// Declared breaks and failures must have been sealed at the time as
/// operator events; a failure must name who signed its act. Returns the
/// findings, the stretches of the breaks and failures an event announced,
/// and those of the ones none did.
fn declared_without_events(
    record: &ShortFormRecord,
    events: &[SealedEvent<'_>],
    opts: &CheckOptions,
) -> (Vec<Finding>, Vec<Span>, Vec<Span>) {
    let mut findings = Vec::new();
    let mut announced = Vec::new();
    let mut unannounced = Vec::new();
    for b in &record.breaks {
        use EventKind as E;
        let kinds: &[EventKind] = match b.kind {
            BreakKind::Adjournment => &[E::Adjournment, E::Break, E::Pause],
            BreakKind::Deliberation => &[E::Break, E::Adjournment, E::Pause, E::Note],
            BreakKind::Break => &[E::Break, E::Pause, E::Adjournment],
        };
        let span = Span {
            from: b.from,
            to: b.to,
        };
        if sealed_at_the_time(events, kinds, b.from, b.to, opts) {
            announced.push(span);
        } else {
            unannounced.push(span);
            findings.push(
                Finding::warning(
                    Code::RecordBreakNotSealed,
                    Location::record(b.place()),
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
                    Code::RecordFailureWithoutAct,
                    Location::record(f.place()),
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
        let span = Span {
            from: f.from,
            to: f.to,
        };
        if sealed_at_the_time(events, &[EventKind::Failure], f.from, f.to, opts) {
            announced.push(span);
        } else {
            unannounced.push(span);
            findings.push(
                Finding::warning(
                    Code::RecordFailureNotSealed,
                    Location::record(f.place()),
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
    (findings, announced, unannounced)
}

/// The stretches of the declared session covered by nothing (recording
/// less its internal gaps, and the `announced` breaks and failures) and
/// longer than `tol`; and the union of the segments' internal gaps.
fn coverage_gaps(
    declared: Span,
    segments: &[SegmentSpan],
    announced: &[Span],
    tol: time::Duration,
) -> (Vec<Span>, Vec<Span>) {
    let mut recorded = Vec::new();
    let mut internal = Vec::new();
    for s in segments {
        let inner = union(s.internal_gaps.clone());
        recorded.extend(uncovered(s.span, &inner));
        internal.extend(inner);
    }
    let covered = union(
        recorded
            .into_iter()
            .chain(announced.iter().copied())
            .collect(),
    );
    let gaps = uncovered(declared, &covered)
        .into_iter()
        .filter(|g| g.to - g.from > tol)
        .collect();
    (gaps, union(internal))
}

/// The code of a gap and what it means, in the order of docs/record.md: a
/// gap inside an internal gap (give or take `tol`) is an internal gap even
/// at the start or end.
fn classify(
    g: Span,
    declared: Span,
    internal: &[Span],
    tol: time::Duration,
) -> (Code, &'static str) {
    let inside_internal = internal.iter().any(|i| {
        i.from.checked_sub(tol).is_none_or(|f| f <= g.from)
            && i.to.checked_add(tol).is_none_or(|t| g.to <= t)
    });
    if inside_internal {
        (Code::ContinuityInternalGap, "the timestamps inside a sealed segment jump over this stretch: the recording was stopped and restarted inside one file")
    } else if g.from == declared.from && g.to == declared.to {
        (
            Code::ContinuityUndeclaredGap,
            "nothing of the declared session is covered by sealed recording",
        )
    } else if g.from == declared.from {
        (
            Code::ContinuityLateStart,
            "the recording starts after the declared start of the session",
        )
    } else if g.to == declared.to {
        (
            Code::ContinuityEarlyEnd,
            "the recording ends before the declared end of the session",
        )
    } else {
        (
            Code::ContinuityUndeclaredGap,
            "nothing was recorded and no break, adjournment, deliberation or failure is declared",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// The declared session of every test: 10:00:00 to 11:00:00 UTC.
    const START: OffsetDateTime = datetime!(2026-11-20 10:00:00 UTC);

    /// `START` plus `s` seconds.
    fn t(s: f64) -> OffsetDateTime {
        START + time::Duration::seconds_f64(s)
    }

    fn rfc(s: f64) -> String {
        fmt(t(s), START)
    }

    fn span(a: f64, b: f64) -> Span {
        Span {
            from: t(a),
            to: t(b),
        }
    }

    /// A record for the session, with extra TOML (breaks, failures) after it.
    fn record(extra: &str) -> ShortFormRecord {
        let text = format!(
            "court = \"C\"\ncase = \"K\"\njudge = \"J\"\nsecretary = \"S\"\nstart = {}\nend = {}\n{extra}",
            rfc(0.0),
            rfc(3600.0)
        );
        crate::record::parse(&text).expect("test record parses")
    }

    fn header() -> String {
        format!(
            r#"{{"v":1,"kind":"session","origin":"o","session":"s","court":"C","courtroom":null,"case":"K","judge":"J","secretary":"S","recorder":"r","previous":null,"opened_at":"{}"}}"#,
            rfc(0.0)
        )
    }

    /// A segment of `duration` seconds starting at `start` (declared), with
    /// media observations given as JSON.
    fn segment(seq: u64, start: f64, duration: f64, observations: &str) -> String {
        format!(
            r#"{{"v":1,"kind":"segment","seq":{seq},"name":"seg-{seq}.m4a","size":1,"sha256":"{}","sealed_at":"{}","media":{{"container":"mov","duration":{duration},"declared_start":"{}","streams":[],"observations":[{observations}]}}}}"#,
            "0".repeat(64),
            rfc(start + duration.min(1e6) + 1.0),
            rfc(start)
        )
    }

    /// An operator event stating `at`, sealed at `sealed`.
    fn event(kind: &str, at: f64, sealed: f64) -> String {
        format!(
            r#"{{"v":1,"kind":"event","event":"{kind}","at":"{}","reason":"r","operator":"op","note":"n","sealed_at":"{}"}}"#,
            rfc(at),
            rfc(sealed)
        )
    }

    fn close(at: f64) -> String {
        format!(
            r#"{{"v":1,"kind":"close","at":"{}","segments":0,"reason":"closed"}}"#,
            rfc(at)
        )
    }

    fn heartbeat(at: f64) -> String {
        format!(
            r#"{{"v":1,"kind":"heartbeat","at":"{}","segments":0}}"#,
            rfc(at)
        )
    }

    fn log(lines: &[String]) -> Log {
        let mut bytes = Vec::new();
        for l in lines {
            bytes.extend_from_slice(l.as_bytes());
            bytes.push(b'\n');
        }
        let log = Log::parse(&bytes);
        assert!(
            log.lines.iter().all(|l| l.entry.is_ok()),
            "test log does not parse: {:?}",
            log.lines.iter().map(|l| &l.entry).collect::<Vec<_>>()
        );
        log
    }

    /// The check over a log every line of which is sealed.
    fn run(lines: &[String], kept: &[u64], rec: &ShortFormRecord) -> Checked {
        run_with(lines, lines.len(), kept, rec, &CheckOptions::default())
    }

    /// The check over a log of which the first `sealed` lines are covered
    /// by a trusted checkpoint.
    fn run_with(
        lines: &[String],
        sealed: usize,
        kept: &[u64],
        rec: &ShortFormRecord,
        opts: &CheckOptions,
    ) -> Checked {
        let mut l = log(lines);
        l.lines.truncate(sealed);
        let s = Sealed {
            log: l,
            kept,
            good_event: &|_| true,
        };
        check_entries(&s, rec, opts)
    }

    /// (code, wall-clock span) of each finding.
    fn codes(c: &Checked) -> Vec<(String, Option<(String, String)>)> {
        c.findings
            .iter()
            .map(|f| {
                let time = f.time.as_ref().map(|t| (t.from.clone(), t.to.clone()));
                (f.code.as_str().to_owned(), time)
            })
            .collect()
    }

    /// The codes only.
    fn just_codes(c: &Checked) -> Vec<String> {
        c.findings
            .iter()
            .map(|f| f.code.as_str().to_owned())
            .collect()
    }

    /// The expected (code, span) of a finding from `a` to `b` seconds.
    fn at(code: &str, a: f64, b: f64) -> (String, Option<(String, String)>) {
        (code.to_owned(), Some((rfc(a), rfc(b))))
    }

    #[test]
    fn union_merges_overlapping_and_touching_spans() {
        let u = union(vec![
            span(50.0, 60.0),
            span(0.0, 10.0),
            span(5.0, 20.0),
            span(20.0, 30.0),
            span(52.0, 55.0),
        ]);
        assert_eq!(u, vec![span(0.0, 30.0), span(50.0, 60.0)]);
        assert_eq!(union(vec![]), vec![]);
        assert_eq!(
            union(vec![span(0.0, 1.0), span(1.001, 2.0)]),
            vec![span(0.0, 1.0), span(1.001, 2.0)]
        );
    }

    #[test]
    fn uncovered_is_within_minus_covered() {
        let within = span(0.0, 100.0);
        assert_eq!(uncovered(within, &[]), vec![within]);
        assert_eq!(uncovered(within, &[span(-10.0, 200.0)]), vec![]);
        assert_eq!(
            uncovered(
                within,
                &[span(-10.0, 10.0), span(40.0, 50.0), span(90.0, 95.0)]
            ),
            vec![span(10.0, 40.0), span(50.0, 90.0), span(95.0, 100.0)]
        );
        // Cover entirely outside is ignored; cover running past the end stops there.
        assert_eq!(
            uncovered(
                within,
                &[span(-20.0, -10.0), span(60.0, 150.0), span(200.0, 300.0)]
            ),
            vec![span(0.0, 60.0)]
        );
    }

    #[test]
    fn classify_by_place_in_the_session() {
        let declared = span(0.0, 3600.0);
        let tol = dur(Duration::from_secs(2));
        let code = |g: Span, internal: &[Span]| classify(g, declared, internal, tol).0;
        assert_eq!(code(declared, &[]), "continuity.undeclared_gap");
        assert_eq!(code(span(0.0, 10.0), &[]), "continuity.late_start");
        assert_eq!(code(span(3590.0, 3600.0), &[]), "continuity.early_end");
        assert_eq!(code(span(100.0, 200.0), &[]), "continuity.undeclared_gap");
        assert_eq!(
            code(span(100.0, 200.0), &[span(100.0, 200.0)]),
            "continuity.internal_gap"
        );
        // An internal gap wins even at the start of the session.
        assert_eq!(
            code(span(0.0, 10.0), &[span(0.0, 10.0)]),
            "continuity.internal_gap"
        );
    }

    #[test]
    fn classify_internal_gap_tolerance_edges() {
        let declared = span(0.0, 3600.0);
        let tol = dur(Duration::from_secs(2));
        let code = |g: Span| classify(g, declared, &[span(100.0, 200.0)], tol).0;
        assert_eq!(code(span(98.0, 202.0)), "continuity.internal_gap");
        assert_eq!(code(span(97.999, 200.0)), "continuity.undeclared_gap");
        assert_eq!(code(span(100.0, 202.001)), "continuity.undeclared_gap");
    }

    #[test]
    fn fully_recorded_session_has_no_findings() {
        let c = run(
            &[
                header(),
                segment(1, 0.0, 1800.0, ""),
                segment(2, 1800.0, 1800.0, ""),
            ],
            &[],
            &record(""),
        );
        assert_eq!(codes(&c), vec![]);
        assert_eq!(c.gaps, vec![]);
        assert_eq!(c.segments.len(), 2);
        assert_eq!(c.segments[1].span, span(1800.0, 3600.0));
        assert_eq!(c.segments[1].placed_by, "declared start");
    }

    #[test]
    fn nothing_recorded_is_one_undeclared_gap() {
        let c = run(&[header()], &[], &record(""));
        assert_eq!(
            codes(&c),
            vec![at("continuity.undeclared_gap", 0.0, 3600.0)]
        );
    }

    #[test]
    fn gap_between_segments_late_start_and_early_end() {
        let c = run(
            &[
                header(),
                segment(1, 10.0, 1000.0, ""),
                segment(2, 1500.0, 2000.0, ""),
            ],
            &[],
            &record(""),
        );
        assert_eq!(
            codes(&c),
            vec![
                at("continuity.late_start", 0.0, 10.0),
                at("continuity.undeclared_gap", 1010.0, 1500.0),
                at("continuity.early_end", 3500.0, 3600.0),
            ]
        );
        assert_eq!(
            c.gaps,
            vec![span(0.0, 10.0), span(1010.0, 1500.0), span(3500.0, 3600.0)]
        );
        assert_eq!(
            c.findings[1].message,
            format!(
                "490.0 s from {} to {}: nothing was recorded and no break, adjournment, deliberation or failure is declared",
                rfc(1010.0),
                rfc(1500.0)
            )
        );
    }

    #[test]
    fn gaps_up_to_the_tolerance_are_not_reported() {
        // 2 s exactly (the default tolerance) is not reported; 2.001 s is.
        let c = run(
            &[
                header(),
                segment(1, 2.0, 1000.0, ""),
                segment(2, 1004.001, 2595.999, ""),
            ],
            &[],
            &record(""),
        );
        assert_eq!(
            codes(&c),
            vec![at("continuity.undeclared_gap", 1002.0, 1004.001)]
        );
    }

    #[test]
    fn internal_gap_inside_a_segment() {
        let obs = r#"{"code":"media.internal_gap","stream":0,"from":600.0,"to":660.0}"#;
        let c = run(&[header(), segment(1, 0.0, 3600.0, obs)], &[], &record(""));
        assert_eq!(codes(&c), vec![at("continuity.internal_gap", 600.0, 660.0)]);
        assert_eq!(c.segments[0].internal_gaps, vec![span(600.0, 660.0)]);
    }

    #[test]
    fn silence_observation_is_not_a_gap() {
        let obs = r#"{"code":"media.silence","stream":0,"from":600.0,"to":660.0,"threshold_db":-60.0,"digital":true}"#;
        let c = run(&[header(), segment(1, 0.0, 3600.0, obs)], &[], &record(""));
        assert_eq!(codes(&c), vec![]);
    }

    #[test]
    fn segment_without_declared_start_ends_at_its_sealing_time() {
        let line = format!(
            r#"{{"v":1,"kind":"segment","seq":1,"name":"a.m4a","size":1,"sha256":"{}","sealed_at":"{}","media":{{"container":"mov","duration":3000.0,"declared_start":null,"streams":[],"observations":[]}}}}"#,
            "0".repeat(64),
            rfc(3600.0)
        );
        let c = run(&[header(), line], &[], &record(""));
        assert_eq!(c.segments[0].span, span(600.0, 3600.0));
        assert_eq!(c.segments[0].placed_by, "sealing time");
        assert_eq!(codes(&c), vec![at("continuity.late_start", 0.0, 600.0)]);
    }

    const BREAK: &str =
        "[[break]]\nfrom = 2026-11-20T10:20:00Z\nto = 2026-11-20T10:30:00Z\nkind = \"break\"\n";

    #[test]
    fn break_sealed_at_the_time_covers_its_stretch() {
        let c = run(
            &[
                header(),
                segment(1, 0.0, 1200.0, ""),
                event("pause", 1200.0, 1201.0),
                segment(2, 1800.0, 1800.0, ""),
            ],
            &[],
            &record(BREAK),
        );
        assert_eq!(codes(&c), vec![]);
    }

    // A stretch without recording covered only by a break nobody announced
    // is not green: the record entry is flagged, and so is the stretch.
    #[test]
    fn a_break_nobody_announced_is_not_green() {
        let c = run(
            &[
                header(),
                segment(1, 0.0, 1200.0, ""),
                segment(2, 1800.0, 1800.0, ""),
            ],
            &[],
            &record(BREAK),
        );
        assert_eq!(
            codes(&c),
            vec![
                at("record.break_not_sealed", 1200.0, 1800.0),
                at("continuity.unannounced_break", 1200.0, 1800.0),
            ]
        );
        assert_eq!(c.findings[0].location, "record: line 8");
        assert_eq!(c.findings[1].severity, crate::finding::Severity::Error);
        assert_eq!(c.gaps, vec![]);
        assert_eq!(c.unannounced, vec![span(1200.0, 1800.0)]);
    }

    // Where recording runs through a declared break nobody announced, only
    // the stretch without recording is an unannounced break; a stretch the
    // break does not cover stays a gap.
    #[test]
    fn an_unannounced_break_counts_only_where_nothing_was_recorded() {
        let c = run(
            &[
                header(),
                segment(1, 0.0, 1500.0, ""),
                segment(2, 1900.0, 1700.0, ""),
            ],
            &[],
            &record(BREAK),
        );
        assert_eq!(
            codes(&c),
            vec![
                at("record.break_not_sealed", 1200.0, 1800.0),
                at("continuity.unannounced_break", 1500.0, 1800.0),
                at("continuity.undeclared_gap", 1800.0, 1900.0),
            ]
        );
        // Recording through the whole break: only the record entry is flagged.
        let c = run(
            &[header(), segment(1, 0.0, 3600.0, "")],
            &[],
            &record(BREAK),
        );
        assert_eq!(
            codes(&c),
            vec![at("record.break_not_sealed", 1200.0, 1800.0)]
        );
        assert_eq!(c.findings[0].severity, crate::finding::Severity::Warning);
    }

    #[test]
    fn break_event_tolerance_and_grace_edges() {
        let segs = [segment(1, 0.0, 1200.0, ""), segment(2, 1800.0, 1800.0, "")];
        let with = |kind: &str, at: f64, sealed: f64| {
            let mut lines = vec![header()];
            lines.extend(segs.iter().cloned());
            lines.push(event(kind, at, sealed));
            just_codes(&run(&lines, &[], &record(BREAK)))
        };
        // Stated up to 60 s from the start of the break, sealed up to 600 s
        // after the time it states (later is backdated, which verify
        // reports from the entry alone) and after the end of the break.
        let unannounced = vec![
            "record.break_not_sealed".to_owned(),
            "continuity.unannounced_break".to_owned(),
        ];
        assert_eq!(with("break", 1260.0, 1300.0), Vec::<String>::new());
        assert_eq!(with("break", 1140.0, 1300.0), Vec::<String>::new());
        assert_eq!(with("break", 1200.0, 1800.0), Vec::<String>::new());
        assert_eq!(with("break", 1260.001, 1300.0), unannounced);
        assert_eq!(with("break", 1200.0, 1800.001), unannounced);
        // Stated after it was sealed (beyond 5 s of clock skew): stands for nothing.
        assert_eq!(with("break", 1205.0, 1200.0), Vec::<String>::new());
        assert_eq!(with("break", 1205.001, 1200.0), unannounced);
        // An event of a kind that does not stand for a break.
        assert_eq!(with("failure", 1200.0, 1201.0), unannounced);
    }

    const FAILURE: &str = "[[failure]]\nfrom = 2026-11-20T10:20:00Z\nto = 2026-11-20T10:30:00Z\nreason = \"microphone\"\n";

    #[test]
    fn failure_with_act_and_event_covers_its_stretch() {
        let c = run(
            &[
                header(),
                segment(1, 0.0, 1200.0, ""),
                event("failure", 1201.0, 1202.0),
                segment(2, 1800.0, 1800.0, ""),
            ],
            &[],
            &record(&format!("{FAILURE}act_signed_by = [\"S\", \"H\"]\n")),
        );
        assert_eq!(codes(&c), vec![]);
    }

    #[test]
    fn failure_without_act_or_event() {
        let segs = [
            header(),
            segment(1, 0.0, 1200.0, ""),
            segment(2, 1800.0, 1800.0, ""),
        ];
        let c = run(&segs, &[], &record(FAILURE));
        assert_eq!(
            codes(&c),
            vec![
                at("record.failure_without_act", 1200.0, 1800.0),
                at("record.failure_not_sealed", 1200.0, 1800.0),
                at("continuity.unannounced_break", 1200.0, 1800.0),
            ]
        );
        // Blank names are no act.
        let c = run(
            &segs,
            &[],
            &record(&format!("{FAILURE}act_signed_by = [\" \"]\n")),
        );
        assert_eq!(
            just_codes(&c),
            vec![
                "record.failure_without_act",
                "record.failure_not_sealed",
                "continuity.unannounced_break"
            ]
        );
    }

    #[test]
    fn event_missing_from_an_earlier_checkpoint_is_backdated() {
        // Line 3 (heartbeat at 1000 s) is covered by a checkpoint of size 3;
        // the event on line 4 states 500 s: more than 60 s before that.
        let lines = [
            header(),
            segment(1, 0.0, 3600.0, ""),
            heartbeat(1000.0),
            event("note", 500.0, 1001.0),
            close(1002.0),
        ];
        let c = run(&lines, &[3], &record(""));
        assert_eq!(codes(&c), vec![at("event.backdated", 500.0, 1000.0)]);
        assert_eq!(c.findings[0].location, "courtseal/log.jsonl:4");
        // No checkpoint before it, or only one that includes it: nothing to say.
        assert_eq!(codes(&run(&lines, &[], &record(""))), vec![]);
        assert_eq!(codes(&run(&lines, &[4], &record(""))), vec![]);
    }

    #[test]
    fn backdating_tolerance_edge() {
        let lines = |at: f64| {
            [
                header(),
                segment(1, 0.0, 3600.0, ""),
                heartbeat(1000.0),
                event("note", at, 1001.0),
                close(1002.0),
            ]
        };
        // Stated exactly the tolerance (60 s) before the checkpoint: honest.
        assert_eq!(codes(&run(&lines(940.0), &[3], &record(""))), vec![]);
        assert_eq!(
            just_codes(&run(&lines(939.999), &[3], &record(""))),
            vec!["event.backdated"]
        );
    }

    // Entries no trusted checkpoint covers place nothing and announce
    // nothing: an appended segment does not fill a gap, an appended event
    // does not satisfy a break.
    #[test]
    fn an_appended_unsigned_segment_does_not_fill_a_gap() {
        let lines = [
            header(),
            segment(1, 0.0, 1200.0, ""),
            segment(2, 1800.0, 1800.0, ""),
            segment(3, 1200.0, 600.0, ""),
            event("break", 1200.0, 1201.0),
        ];
        let c = run_with(&lines, 3, &[3], &record(""), &CheckOptions::default());
        assert_eq!(c.segments.len(), 2);
        assert_eq!(
            codes(&c),
            vec![at("continuity.undeclared_gap", 1200.0, 1800.0)]
        );
        let c = run_with(&lines, 3, &[3], &record(BREAK), &CheckOptions::default());
        assert_eq!(
            just_codes(&c),
            vec!["record.break_not_sealed", "continuity.unannounced_break"]
        );
        // Nothing covered at all: nothing is placed, not even the header is relied on.
        let h = header().replace(r#""judge":"J""#, r#""judge":"Other""#);
        let c = run_with(
            &[h, segment(1, 0.0, 3600.0, "")],
            0,
            &[],
            &record(""),
            &CheckOptions::default(),
        );
        assert_eq!(
            codes(&c),
            vec![at("continuity.undeclared_gap", 0.0, 3600.0)]
        );
    }

    // An event whose signature does not verify under a trusted operator key
    // stands for nothing.
    #[test]
    fn an_event_by_an_untrusted_key_does_not_announce_a_break() {
        let mut l = log(&[
            header(),
            segment(1, 0.0, 1200.0, ""),
            event("pause", 1200.0, 1201.0),
            segment(2, 1800.0, 1800.0, ""),
        ]);
        l.lines.truncate(4);
        let s = Sealed {
            log: l,
            kept: &[],
            good_event: &|line| line != 3,
        };
        let c = check_entries(&s, &record(BREAK), &CheckOptions::default());
        assert_eq!(
            just_codes(&c),
            vec!["record.break_not_sealed", "continuity.unannounced_break"]
        );
        assert!(c.marks.is_empty());
    }

    /// A segment declaring `start`, lasting `duration`, sealed at `sealed`.
    fn segment_sealed(seq: u64, start: f64, duration: f64, sealed: f64) -> String {
        segment(seq, start, duration, "").replace(
            &format!(r#""sealed_at":"{}""#, rfc(start + duration + 1.0)),
            &format!(r#""sealed_at":"{}""#, rfc(sealed)),
        )
    }

    // A recorder clock or time tag set so that a file seems to have ended
    // after it was sealed: reported, and placed by its sealing time.
    #[test]
    fn a_segment_that_ends_after_it_was_sealed_is_placed_by_its_sealing_time() {
        let lines = [
            header(),
            segment(1, 0.0, 1200.0, ""),
            // Declares 1200 to 3600, but was sealed at 1500.
            segment_sealed(2, 1200.0, 2400.0, 1500.0),
            segment(3, 1500.0, 2100.0, ""),
        ];
        let c = run(&lines, &[], &record(""));
        assert_eq!(
            codes(&c),
            vec![at("continuity.ends_after_sealing", 1500.0, 3600.0)]
        );
        assert_eq!(c.findings[0].location, "courtseal/log.jsonl:3");
        assert_eq!(c.segments[1].placed_by, "sealing time");
        assert_eq!(c.segments[1].span, span(-900.0, 1500.0));
        assert!(
            c.segments[1].why.contains("after it was sealed"),
            "{}",
            c.segments[1].why
        );
        // Within the clock tolerance (60 s): the declared start stands.
        let lines = [header(), segment_sealed(1, 0.0, 3600.0, 3540.0)];
        let c = run(&lines, &[], &record(""));
        assert_eq!(codes(&c), vec![]);
        assert_eq!(c.segments[0].placed_by, "declared start");
        let lines = [header(), segment_sealed(1, 0.0, 3600.0, 3539.999)];
        assert_eq!(
            just_codes(&run(&lines, &[], &record(""))),
            vec!["continuity.ends_after_sealing", "continuity.early_end"]
        );
    }

    // Under live sealing, a file sealed long after the end it declares,
    // while heartbeats show the service was running, hides a stop: its
    // declared start is not relied on.
    #[test]
    fn a_segment_tagged_to_hide_a_stop_under_live_sealing_is_reported() {
        // Really recorded 1800..3600 but tagged to start at 1200.
        let lines = [
            header(),
            segment(1, 0.0, 1200.0, ""),
            heartbeat(1230.0),
            heartbeat(3300.0),
            segment_sealed(2, 1200.0, 1800.0, 3601.0),
            close(3602.0),
        ];
        let c = run(&lines, &[], &record(""));
        assert_eq!(
            codes(&c),
            vec![
                at("continuity.sealed_late", 3000.0, 3601.0),
                at("continuity.undeclared_gap", 1200.0, 1801.0),
            ]
        );
        assert_eq!(c.segments[1].placed_by, "sealing time");
        assert_eq!(c.segments[1].span, span(1801.0, 3601.0));
        // Without heartbeats after its declared end (a batch seal later), or
        // sealed within the delay (300 s), the declared start stands.
        let batch = [
            header(),
            segment(1, 0.0, 1200.0, ""),
            heartbeat(1230.0),
            segment_sealed(2, 1200.0, 2400.0, 9000.0),
            close(9001.0),
        ];
        assert_eq!(codes(&run(&batch, &[], &record(""))), vec![]);
        // A heartbeat sealed after the segment says nothing about when it
        // could have been sealed, whatever time it states.
        let after = [
            header(),
            segment(1, 0.0, 1200.0, ""),
            segment_sealed(2, 1200.0, 2400.0, 9000.0),
            heartbeat(5000.0),
            close(9001.0),
        ];
        assert_eq!(codes(&run(&after, &[], &record(""))), vec![]);
        let prompt = [
            header(),
            heartbeat(3650.0),
            segment_sealed(1, 0.0, 3600.0, 3900.0),
            close(3901.0),
        ];
        assert_eq!(codes(&run(&prompt, &[], &record(""))), vec![]);
        let late = [
            header(),
            heartbeat(3650.0),
            segment_sealed(1, 0.0, 3600.0, 3900.001),
            close(3901.0),
        ];
        assert_eq!(
            just_codes(&run(&late, &[], &record(""))),
            vec!["continuity.sealed_late", "continuity.late_start"]
        );
    }

    // A session the service ran but whose close is not sealed: the end
    // comes only from the unsigned record, which check never relies on alone.
    #[test]
    fn a_live_session_without_a_sealed_close_has_no_proven_end() {
        let lines = [header(), segment(1, 0.0, 3600.0, ""), heartbeat(3000.0)];
        let c = run(&lines, &[], &record(""));
        assert_eq!(codes(&c), vec![at("record.end_not_sealed", 3000.0, 3600.0)]);
        assert_eq!(c.findings[0].location, "record: end");
        // A close sealed after the last trusted checkpoint does not count.
        let mut closed = lines.to_vec();
        closed.push(close(3601.0));
        assert_eq!(
            just_codes(&run_with(
                &closed,
                3,
                &[3],
                &record(""),
                &CheckOptions::default()
            )),
            vec!["record.end_not_sealed"]
        );
        assert_eq!(codes(&run(&closed, &[], &record(""))), vec![]);
        // A session sealed in one go (no heartbeats) is not affected.
        assert_eq!(
            codes(&run(
                &[header(), segment(1, 0.0, 3600.0, "")],
                &[],
                &record("")
            )),
            vec![]
        );
    }

    #[test]
    fn sealed_header_must_match_the_record() {
        let h = header().replace(r#""judge":"J""#, r#""judge":"Other""#);
        let c = run(&[h, segment(1, 0.0, 3600.0, "")], &[], &record(""));
        assert_eq!(codes(&c), vec![("record.mismatch".to_owned(), None)]);
        assert_eq!(c.findings[0].location, "record: judge");
    }

    #[test]
    fn marks_are_in_time_order() {
        let c = run(
            &[header(), heartbeat(900.0), event("pause", 300.0, 901.0)],
            &[],
            &record(""),
        );
        let marks: Vec<(&str, OffsetDateTime)> =
            c.marks.iter().map(|m| (m.kind.as_str(), m.at)).collect();
        assert_eq!(
            marks,
            vec![("event:pause", t(300.0)), ("heartbeat", t(900.0))]
        );
    }

    // A log line with a media duration (or observation) too long for the
    // calendar used to panic while placing the segment; it is not placed.
    #[test]
    fn huge_media_duration_in_a_log_line_does_not_panic() {
        let obs = r#"{"code":"media.internal_gap","stream":0,"from":0.0,"to":1e300}"#;
        let c = run(
            &[
                header(),
                segment(1, 0.0, 1e300, ""),
                segment(2, 0.0, 3600.0, obs),
            ],
            &[],
            &record(""),
        );
        assert_eq!(c.segments.len(), 1);
        assert_eq!(c.segments[0].internal_gaps, vec![]);
        assert_eq!(codes(&c), vec![]);
    }

    // Tolerances too long for the calendar used to panic when turned into
    // wall-clock durations; they mean "any".
    #[test]
    fn huge_tolerances_do_not_panic() {
        let opts = CheckOptions {
            tolerance: Duration::MAX,
            event_tolerance: Duration::MAX,
            event_grace: Duration::MAX,
            clock_tolerance: Duration::MAX,
            sealing_delay: Duration::MAX,
        };
        let lines = [
            header(),
            heartbeat(1000.0),
            event("break", 500.0, 1001.0),
            close(1002.0),
        ];
        let c = run_with(&lines, 4, &[2], &record(BREAK), &opts);
        assert_eq!(c.findings.len(), 0, "{:?}", c.findings);
        assert_eq!(c.gaps, vec![]);
    }
}
