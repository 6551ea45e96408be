//! The self-contained HTML report of `courtseal check`, for a judge: a
//! headline naming each problem in plain words with its local times, a
//! timeline picture, the tables of segments, events, observations and
//! checkpoints, the record relied on (sealed or not), how to reproduce the
//! result, and what the tool cannot prove. One file, no external resources;
//! it prints on A4 with numbered pages (house style: [`crate::document`]).

use std::collections::BTreeMap;

use maud::{html, Markup, PreEscaped};
use time::OffsetDateTime;

use crate::document::{self, duration, shown, Clock, Colophon};
use crate::entry::{Entry, SegmentEntry};
use crate::finding::{Finding, Location, Severity};
use crate::keys::TrustStore;
use crate::timeline::{CheckReport, SegmentSpan, Span};
use crate::trust::Role;
use crate::verify::{SegmentState, VerifiedSession};

/// Colour of uncovered stretches (gaps) in the picture.
pub const GAP_COLOUR: &str = document::GAP_COLOUR;

/// Colour of stretches without recording covered only by a break or failure
/// of the record that no operator event announced: not green, not a gap.
/// Drawn hatched, so that it stays distinct from a gap in grey print too.
pub const UNANNOUNCED_COLOUR: &str = "#e07000";

/// Colour of sealed recording that verified.
const SEALED_COLOUR: &str = "#1f5fbf";
/// Colour of a segment whose bytes changed after sealing.
const CHANGED_COLOUR: &str = "#7b1fa2";

/// The record the check was made against, as the report states it.
#[derive(Debug, Clone)]
pub struct RecordUsed {
    /// True when it is the sealed record in force (signed into the log);
    /// false for an unsigned record file.
    pub sealed: bool,
    /// Where it came from, in words (e.g. "sealed record, revision 2, log
    /// line 14, signed by operator …" or "record.toml (not sealed)").
    pub described: String,
    /// SHA-256 of the record's bytes, hex.
    pub sha256: String,
}

/// Everything the report states besides the check itself.
#[derive(Debug, Clone)]
pub struct ReportContext<'a> {
    /// Version, reproduce command, time of the check.
    pub colophon: Colophon<'a>,
    /// The record relied on.
    pub record: RecordUsed,
    /// The sealed segment entries (sizes, hashes), in log order.
    pub sealed_segments: Vec<SegmentEntry>,
}

/// The sealed segment entries of a verified session (the lines a trusted
/// checkpoint covers), for [`ReportContext::sealed_segments`].
pub fn sealed_segments(v: &VerifiedSession) -> Vec<SegmentEntry> {
    v.sealed_lines()
        .iter()
        .filter_map(|l| match &l.entry {
            Ok(Entry::Segment(s)) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// What became of one segment, in the report's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Verified,
    Missing,
    Changed,
    Rewritten,
    Retimed,
    Other,
}

impl Status {
    fn words(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Missing => "MISSING",
            Status::Changed => "CHANGED after sealing",
            Status::Rewritten => "container rewritten (every packet identical)",
            Status::Retimed => "RETIMED (its declared start was changed)",
            Status::Other => "not verified",
        }
    }
    fn class(self) -> &'static str {
        match self {
            Status::Verified => "ok-cell",
            Status::Rewritten => "warn-cell",
            _ => "bad-cell",
        }
    }
}

fn status_of(r: &CheckReport, name: &str) -> Status {
    let all = r.all_findings();
    let retimed = all.iter().any(|f| {
        matches!(
            f.code.as_str(),
            "segment.retimed" | "segment.declared_start_changed"
        ) && f.location.file().is_some_and(|l| l.ends_with(name))
    });
    let state = r
        .verify
        .segments
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.state);
    match state {
        Some(SegmentState::Missing) => Status::Missing,
        Some(SegmentState::Changed | SegmentState::Moved) => Status::Changed,
        _ if retimed => Status::Retimed,
        Some(SegmentState::Rewritten) => Status::Rewritten,
        Some(SegmentState::Ok | SegmentState::Unchecked) => Status::Verified,
        _ => Status::Other,
    }
}

/// The problems of the check, each in one plain sentence with local times.
fn headline(r: &CheckReport, clock: &Clock) -> Vec<String> {
    let mut out = Vec::new();
    let secs = |s: &Span| (s.to - s.from).as_seconds_f64();
    for g in &r.gaps {
        out.push(format!(
            "{} of the hearing ({}) were not recorded.",
            duration(secs(g)),
            clock.span(g.from, g.to)
        ));
    }
    for u in &r.unannounced {
        out.push(format!(
            "{} of the hearing ({}) have no recording and are covered only by a break or failure in the record that no operator announced at the time.",
            duration(secs(u)),
            clock.span(u.from, u.to)
        ));
    }
    for s in &r.segments {
        let st = status_of(r, &s.name);
        let what = match st {
            Status::Missing => "is missing: the sealed file is not in the session",
            Status::Changed => {
                "was changed after it was sealed: its bytes are not the sealed bytes"
            }
            Status::Retimed => "was retimed: the start time it declares is not the one sealed",
            Status::Other => "could not be verified",
            Status::Verified | Status::Rewritten => continue,
        };
        out.push(format!(
            "The recording of {} (segment {}) {what}.",
            clock.span(s.span.from, s.span.to),
            shown(&s.name)
        ));
        for g in &s.internal_gaps {
            out.push(format!(
                "Inside segment {}, the recording jumps over {} ({}).",
                shown(&s.name),
                duration(secs(g)),
                clock.span(g.from, g.to)
            ));
        }
    }
    out
}

// The picture. One user unit is one CSS pixel at the printed width (182 mm),
// so a font size of 12 is 9 pt on paper.
const WIDTH: f64 = 680.0;
const LEFT: f64 = 118.0;
const RIGHT: f64 = 36.0;
const ROW: f64 = 30.0;
const TOP: f64 = 26.0;
const FONT: f64 = 12.0;

struct Scale {
    from: OffsetDateTime,
    secs: f64,
}

impl Scale {
    fn x(&self, at: OffsetDateTime) -> f64 {
        let s = (at - self.from).as_seconds_f64().clamp(0.0, self.secs);
        LEFT + s / self.secs * (WIDTH - LEFT - RIGHT)
    }
    fn w(&self, s: &Span) -> (f64, f64) {
        let (a, b) = (self.x(s.from), self.x(s.to));
        (a, (b - a).max(1.5))
    }
}

/// A round step for the time axis: about `target` ticks over `secs`.
fn axis_step(secs: f64) -> i64 {
    const STEPS: [i64; 17] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
    ];
    for s in STEPS {
        if secs / s as f64 <= 8.0 {
            return s;
        }
    }
    86400
}

/// Row numbers of the picture.
const R_DECLARED: usize = 0;
const R_RECORDING: usize = 1;
const R_BREAKS: usize = 2;
const R_EVENTS: usize = 3;
const R_HEARTBEATS: usize = 4;
const R_GAPS: usize = 5;
const ROWS: [&str; 6] = [
    "Declared session",
    "Recording",
    "Breaks, failures",
    "Operator events",
    "Heartbeats",
    "Not recorded",
];

fn row_y(row: usize) -> f64 {
    TOP + ROW * row as f64
}

fn rect(x: f64, y: f64, w: f64, h: f64, attrs: &str) -> String {
    format!(r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" {attrs}/>"#)
}

/// A text label the no-clipping test looks at (`class="label"`).
fn label(x: f64, y: f64, anchor: &str, fill: &str, text: &str) -> String {
    format!(
        r#"<text class="label" x="{x:.1}" y="{y:.1}" font-size="{FONT}" text-anchor="{anchor}" fill="{fill}">{}</text>"#,
        esc(text)
    )
}

/// Escapes a text for the hand-written SVG (and shows hidden characters).
fn esc(s: &str) -> String {
    let mut o = String::new();
    for c in shown(s).chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A label placed at `x` that stays inside the picture.
fn edge_label(x: f64, y: f64, prefer: &str, text: &str, fill: &str) -> String {
    let half = text.chars().count() as f64 * FONT * 0.32;
    let full = half * 2.0 + 4.0;
    let anchor = match prefer {
        "end" if x - full < 2.0 => "start",
        "start" if x + full > WIDTH - 2.0 => "end",
        "middle" if x - half < 2.0 => "start",
        "middle" if x + half > WIDTH - 2.0 => "end",
        p => p,
    };
    let x = match anchor {
        "end" => x - 2.0,
        "start" => x + 2.0,
        _ => x,
    };
    label(x, y, anchor, fill, text)
}

fn timeline_svg(r: &CheckReport, clock: &Clock) -> String {
    let rec = &r.record;
    let mut from = rec.start;
    let mut to = rec.end;
    for s in &r.segments {
        from = from.min(s.span.from);
        to = to.max(s.span.to);
    }
    let secs = (to - from).as_seconds_f64().max(1.0);
    let sc = Scale { from, secs };
    let bottom = row_y(ROWS.len()) + 2.0 * FONT + 8.0;
    let mut s = String::new();
    s.push_str(&format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {bottom}" role="img" aria-label="Timeline of the session"><defs><pattern id="hatch-changed" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{CHANGED_COLOUR}"/><rect width="2.5" height="6" fill="#fff"/></pattern><pattern id="hatch-unannounced" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="{UNANNOUNCED_COLOUR}"/><rect width="1.5" height="5" fill="#fff"/></pattern></defs>"##
    ));
    // Axis: round steps, labelled above the rows.
    let step = axis_step(secs);
    let first = {
        let t = from.to_offset(clock.offset());
        let into = i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
        let up = (step - into.rem_euclid(step)) % step;
        from + time::Duration::seconds(up) - time::Duration::nanoseconds(i64::from(t.nanosecond()))
    };
    let mut tick = if first < from {
        first + time::Duration::seconds(step)
    } else {
        first
    };
    while tick <= to {
        let x = sc.x(tick);
        s.push_str(&format!(
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#ccc"/>"##,
            TOP - 4.0,
            row_y(ROWS.len())
        ));
        s.push_str(&edge_label(
            x,
            TOP - 8.0,
            "middle",
            &clock.time_of_day(tick),
            "#333",
        ));
        tick += time::Duration::seconds(step);
    }
    for (i, name) in ROWS.iter().enumerate() {
        let y = row_y(i);
        s.push_str(&label(4.0, y + 19.0, "start", "#222", name));
        s.push_str(&format!(
            r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#e4e4e4"/>"##,
            y + ROW,
            WIDTH - RIGHT,
            y + ROW
        ));
    }
    let bar = |s: &mut String, span: &Span, row: usize, attrs: &str| {
        let (x, w) = sc.w(span);
        s.push_str(&rect(x, row_y(row) + 5.0, w, 20.0, attrs));
    };
    bar(
        &mut s,
        &Span {
            from: rec.start,
            to: rec.end,
        },
        R_DECLARED,
        r##"fill="#9e9e9e""##,
    );
    for (i, seg) in r.segments.iter().enumerate() {
        let attrs = match status_of(r, &seg.name) {
            Status::Verified => format!(r##"fill="{SEALED_COLOUR}" stroke="#fff""##),
            Status::Rewritten => r##"fill="#7aa5e0" stroke="#fff""##.to_owned(),
            Status::Missing => format!(
                r##"fill="#fff" stroke="{GAP_COLOUR}" stroke-width="2" stroke-dasharray="5 3""##
            ),
            Status::Changed => r##"fill="url(#hatch-changed)" stroke="#fff""##.to_owned(),
            Status::Retimed => format!(
                r##"fill="#fff" stroke="{SEALED_COLOUR}" stroke-width="2" stroke-dasharray="5 3""##
            ),
            Status::Other => r##"fill="#777""##.to_owned(),
        };
        bar(&mut s, &seg.span, R_RECORDING, &attrs);
        let (x, w) = sc.w(&seg.span);
        let n = format!("{}", i + 1);
        if w >= FONT * 0.7 * n.len() as f64 + 4.0 {
            let fill = match status_of(r, &seg.name) {
                Status::Verified => "#fff",
                _ => "#111",
            };
            s.push_str(&label(
                x + w / 2.0,
                row_y(R_RECORDING) + 19.0,
                "middle",
                fill,
                &n,
            ));
        }
        for g in &seg.internal_gaps {
            bar(&mut s, g, R_RECORDING, &format!(r#"fill="{GAP_COLOUR}""#));
            bar(&mut s, g, R_GAPS, &format!(r#"fill="{GAP_COLOUR}""#));
        }
    }
    for b in &rec.breaks {
        let unsealed = r.findings.iter().any(|f| {
            f.code == "record.break_not_sealed" && f.location == Location::record(b.place())
        });
        let attrs = if unsealed {
            r##"fill="#f0b429" stroke="#7a4b00" stroke-dasharray="4 3""##
        } else {
            r##"fill="#f0b429""##
        };
        bar(
            &mut s,
            &Span {
                from: b.from,
                to: b.to,
            },
            R_BREAKS,
            attrs,
        );
    }
    for f in &rec.failures {
        bar(
            &mut s,
            &Span {
                from: f.from,
                to: f.to,
            },
            R_BREAKS,
            r##"fill="#8e44ad""##,
        );
    }
    let mut last_label = f64::NEG_INFINITY;
    let mut lift = false;
    for (i, m) in r.marks.iter().filter(|m| m.kind != "heartbeat").enumerate() {
        let x = sc.x(m.at);
        let y = row_y(R_EVENTS);
        s.push_str(&format!(
            r##"<path d="M{:.1} {:.1} l6 -9 h-12 z" fill="#2e7d32"/>"##,
            x,
            y + 27.0
        ));
        lift = x - last_label < 26.0 && !lift;
        last_label = x;
        s.push_str(&edge_label(
            x,
            y + if lift { 8.0 } else { 16.0 },
            "middle",
            &format!("E{}", i + 1),
            "#1b5e20",
        ));
    }
    for m in r.marks.iter().filter(|m| m.kind == "heartbeat") {
        let x = sc.x(m.at);
        s.push_str(&format!(
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#2e7d32" stroke-width="1.5"/>"##,
            row_y(R_HEARTBEATS) + 5.0,
            row_y(R_HEARTBEATS) + 25.0
        ));
    }
    // Gaps: red in the declared session and in their own row, their edges
    // labelled below the picture.
    for (edge_row, g) in r.gaps.iter().enumerate() {
        bar(&mut s, g, R_GAPS, &format!(r#"fill="{GAP_COLOUR}""#));
        bar(&mut s, g, R_DECLARED, &format!(r#"fill="{GAP_COLOUR}""#));
        let (x, w) = sc.w(g);
        let y = row_y(ROWS.len()) + FONT + 2.0 + (edge_row % 2) as f64 * (FONT + 2.0);
        s.push_str(&format!(
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{GAP_COLOUR}"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{GAP_COLOUR}"/>"##,
            row_y(R_GAPS) + 25.0,
            y - FONT + 2.0,
            x + w,
            row_y(R_GAPS) + 25.0,
            x + w,
            y - FONT + 2.0
        ));
        s.push_str(&edge_label(
            x,
            y,
            "end",
            &clock.time_of_day(g.from),
            GAP_COLOUR,
        ));
        s.push_str(&edge_label(
            x + w,
            y,
            "start",
            &clock.time_of_day(g.to),
            GAP_COLOUR,
        ));
    }
    for u in &r.unannounced {
        bar(&mut s, u, R_DECLARED, r#"fill="url(#hatch-unannounced)""#);
        bar(&mut s, u, R_GAPS, r#"fill="url(#hatch-unannounced)""#);
    }
    s.push_str("</svg>");
    s
}

fn swatch(attrs: &str) -> Markup {
    PreEscaped(format!(
        r#"<svg viewBox="0 0 16 9" aria-hidden="true"><rect x="0.5" y="0.5" width="15" height="8" {attrs}/></svg>"#
    ))
}

fn legend() -> Markup {
    html! {
        p.legend {
            span { (swatch(r##"fill="#9e9e9e""##)) "declared session" }
            span { (swatch(&format!(r#"fill="{SEALED_COLOUR}""#))) "sealed recording, verified" }
            span { (swatch(&format!(r#"fill="{GAP_COLOUR}""#))) "not recorded" }
            span { (swatch(&format!(r##"fill="#fff" stroke="{GAP_COLOUR}" stroke-dasharray="3 2""##))) "sealed segment missing" }
            span { (swatch(&format!(r#"fill="{CHANGED_COLOUR}""#))) "changed after sealing" }
            span { (swatch(&format!(r##"fill="#fff" stroke="{SEALED_COLOUR}" stroke-dasharray="3 2""##))) "retimed" }
            span { (swatch(r##"fill="#7aa5e0""##)) "container rewritten" }
            span { (swatch(r##"fill="#f0b429""##)) "declared break (dashed: not announced)" }
            span { (swatch(r##"fill="#8e44ad""##)) "declared failure" }
            span { (swatch(&format!(r#"fill="{UNANNOUNCED_COLOUR}""#))) "no recording, break not announced" }
            span { (swatch(r##"fill="#2e7d32""##)) "operator events (E1…), heartbeats" }
        }
    }
}

fn segment_rows(r: &CheckReport, ctx: &ReportContext<'_>, clock: &Clock) -> Markup {
    let entries: BTreeMap<&str, &SegmentEntry> = ctx
        .sealed_segments
        .iter()
        .map(|e| (e.name.as_str(), e))
        .collect();
    let placed: BTreeMap<&str, (usize, &SegmentSpan)> = r
        .segments
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), (i, s)))
        .collect();
    html! {
        @for (i, seg) in r.segments.iter().enumerate() {
            @let st = status_of(r, &seg.name);
            @let e = entries.get(seg.name.as_str());
            tr.segment-row {
                td { (i + 1) }
                td { (document::name_cell(&seg.name)) }
                td { span.t { (clock.time_of_day(seg.span.from)) } "–" span.t { (clock.time_of_day(seg.span.to)) } }
                td.nw { (duration((seg.span.to - seg.span.from).as_seconds_f64())) }
                td { (e.map(|e| document::bytes(e.size)).unwrap_or_default()) }
                td { span.hash { (e.map(|e| e.sha256.to_hex()).unwrap_or_default()) } }
                td class=(st.class()) { (st.words()) }
                td { (seg.placed_by) }
            }
        }
        // Files the timeline could not place (not sealed, or not media).
        @for s in r.verify.segments.iter().filter(|s| !placed.contains_key(s.name.as_str())) {
            tr.segment-row {
                td { "–" }
                td { (document::name_cell(&s.name)) }
                td colspan="4" { "not placed on the timeline" }
                td class=(if s.state == SegmentState::Ok { "ok-cell" } else { "bad-cell" }) {
                    (format!("{:?}", s.state).to_lowercase())
                }
                td { }
            }
        }
    }
}

fn key_id_of(trust: &TrustStore, role: Role, name: &str) -> Option<String> {
    trust
        .entries()
        .iter()
        .find(|(r, v)| *r == role && v.name() == name)
        .map(|(_, v)| format!("{:08x}", v.key_id()))
}

/// The whole report page.
pub fn html(r: &CheckReport, trust: &TrustStore, ctx: &ReportContext<'_>) -> String {
    let rec = &r.record;
    let record_zone = rec
        .time_zone
        .as_deref()
        .and_then(|z| crate::zone::CourtZone::new(z).ok());
    let clock = &Clock::choose(ctx.colophon.zone.or(record_zone.as_ref()), Some(rec.start));
    let all = r.all_findings();
    let errors = all.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = all
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let problems = headline(r, clock);
    let ok = errors == 0 && r.unannounced.is_empty();
    let mut sorted: Vec<&Finding> = all.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let good: Vec<_> = r.verify.checkpoints.iter().filter(|c| c.ok).collect();
    let first_cp = good.iter().min_by_key(|c| c.size);
    let last_cp = good.iter().max_by_key(|c| c.size);
    let signers: std::collections::BTreeSet<&str> = good
        .iter()
        .flat_map(|c| c.signed_by.iter().map(String::as_str))
        .collect();
    let events: Vec<_> = r.verify.events.iter().collect();
    let title = format!("courtseal check: case {}", rec.case);
    let body = html! {
        h1 { "Check of the recording of a court session" }
        p.sub {
            (shown(&rec.court))
            @if let Some(c) = &rec.courtroom { ", courtroom " (shown(c)) }
            " · case " b { (shown(&rec.case)) }
            " · " span.t { (clock.date(rec.start)) }
            " · times are local (" (clock.zone_text()) ")"
        }
        div class=(if ok { "headline ok" } else { "headline bad" }) {
            @if ok {
                p.result { "Every second of the declared session ("
                    (clock.span(rec.start, rec.end))
                    ") is accounted for, and every sealed segment and checkpoint verifies." }
            } @else {
                p.result { "NOT VERIFIED." }
                ul {
                    @for p in &problems { li { (p) } }
                    @if problems.is_empty() || errors > 0 {
                        li { (errors) " finding" @if errors != 1 { "s" } " of severity error and "
                            (warnings) " warning" @if warnings != 1 { "s" } ": see Findings below." }
                    }
                }
            }
        }
        table.facts {
            tr { td { "Court" } td { (shown(&rec.court)) @if let Some(c) = &rec.courtroom { ", courtroom " (shown(c)) } } }
            tr { td { "Case" } td { (shown(&rec.case)) @if let Some(t) = &rec.case_title { ", " (shown(t)) } } }
            tr { td { "Judge; secretary" } td { (shown(&rec.judge)) "; " (shown(&rec.secretary)) } }
            tr { td { "Declared session" } td { span.t { (clock.local(rec.start)) } " to " span.t { (clock.local(rec.end)) } } }
            @if !rec.appearances.is_empty() {
                tr { td { "Appeared" } td {
                    @for (i, a) in rec.appearances.iter().enumerate() {
                        @if i > 0 { ", " } (shown(&a.name)) " (" (shown(&a.role)) ")"
                    }
                } }
            }
            tr { td { "Record relied on" } td {
                (document::provenance(ctx.record.sealed)) " " (shown(&ctx.record.described))
                br; "SHA-256 " span.hash { (ctx.record.sha256) }
            } }
            tr { td { "Session folder; log origin" } td { (shown(&r.verify.session)) "; " (shown(r.verify.origin.as_deref().unwrap_or("(no log)"))) } }
        }
        h2 { "Timeline" }
        div.figure {
            (PreEscaped(timeline_svg(r, clock)))
            (legend())
        }
        h2 { "Segments" }
        table.segments {
            thead { tr { th { "#" } th { "Name" } th { "Local from–to" } th { "Duration" } th { "Size" } th { "SHA-256 (sealed)" } th { "Status" } th { "Placed by" } } }
            tbody { (segment_rows(r, ctx, clock)) }
        }
        h2 { "Operator events" }
        @if events.is_empty() {
            p.note { "No operator event is in the log." }
        } @else {
            table.events {
                thead { tr { th { "" } th { "Kind" } th { "Who" } th { "Key ID" } th { "Stated time" } th { "Sealed time" } th { "Reason" } th { "Signature" } } }
                tbody {
                    @for (i, e) in events.iter().enumerate() {
                        tr.event-row {
                            td.nw { "E" (i + 1) }
                            td.nw { (shown(&e.event)) }
                            td { (shown(&e.operator)) }
                            td.nw { code { (key_id_of(trust, Role::Operator, &e.operator).unwrap_or_else(|| "not trusted".into())) } }
                            td { (document::time_cell(&clock.local_text(&e.at))) }
                            td { (document::time_cell(&clock.local_text(&e.sealed_at))) }
                            td { (shown(&e.reason)) }
                            td class=(if e.ok && e.sealed { "ok-cell" } else { "bad-cell" }) {
                                @if e.ok { "verified" } @else { "NOT verified" }
                                @if !e.sealed { ", not covered by a checkpoint" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Observations" }
        @if r.verify.observations.is_empty() {
            p.note { "None sealed (silence and timestamp jumps in the media are observed when a segment is sealed)." }
        } @else {
            table.observations {
                thead { tr { th { "Segment" } th { "What" } th { "In the file" } th { "Local time" } } }
                tbody {
                    @for o in &r.verify.observations {
                        @let at = r.segments.iter().find(|s| s.name == o.segment);
                        tr.observation-row {
                            td { (document::name_cell(&o.segment)) }
                            td { (observation_words(&o.observation)) }
                            td.nw { (format!("{:.1}–{:.1} s", o.observation.from, o.observation.to)) }
                            td { @if let Some(s) = at {
                                @if let (Some(a), Some(b)) = (offset(s.span.from, o.observation.from), offset(s.span.from, o.observation.to)) {
                                    span.t { (clock.span(a, b)) }
                                }
                            } }
                        }
                    }
                }
            }
            p.small { "Observations are facts noticed in the media when it was sealed, not verdicts: silence may be a pause in speech." }
        }
        (document::findings_table(&sorted, clock, "into the file"))
        h2 { "Checkpoints and keys relied on" }
        table.facts {
            tr { td { "Checkpoints that verify" } td { (good.len()) " of " (r.verify.checkpoints.len()) " examined; the log has " (r.verify.entries) " entries, " (r.verify.verified_size) " covered by a trusted checkpoint" } }
            @if let Some(c) = first_cp { tr { td { "First" } td { (shown(&c.file)) ", " (c.size.unwrap_or(0)) " entries, root " span.hash { (c.root.as_deref().unwrap_or("")) } } } }
            @if let Some(c) = last_cp { tr { td { "Last" } td { (shown(&c.file)) ", " (c.size.unwrap_or(0)) " entries, root " span.hash { (c.root.as_deref().unwrap_or("")) } } } }
            tr { td { "Signed by" } td { @for (i, s) in signers.iter().enumerate() { @if i > 0 { ", " } (document::key_words(s)) } } }
            tr { td { "Heartbeats; closed" } td { (r.verify.heartbeats) "; " (r.verify.closed_at.as_deref().map(|c| clock.local_text(c)).unwrap_or_else(|| "not closed".into())) } }
        }
        table.keys {
            thead { tr { th { "Role" } th { "Name" } th { "Key ID" } } }
            tbody { @for (role, v) in trust.entries() { tr { td { (role.to_string()) } td { (shown(v.name())) } td { code { (format!("{:08x}", v.key_id())) } } } } }
        }
        h2 { "Which facts are sealed" }
        p.note {
            "Sealed (signed into the log and covered by a trusted checkpoint): each segment's name, size, SHA-256 and media facts, the operator events with their stated and sealing times, the heartbeats, and "
            @if ctx.record.sealed { "the short-form record relied on." } @else { "nothing of the short-form record: " b { "the record relied on is an unsigned file" } ", and its declared times, breaks and failures are only as good as that file." }
            " Not sealed: the findings and this document, which anyone can recompute with the command below."
        }
        h2 { "What this check cannot prove" }
        p.note { "It proves that the sealed segments are byte for byte what was sealed, that the log was only ever appended to, and where the recording does not cover the declared session. It cannot prove anything that happened before a segment reached the sealing step or inside the recorder (a recording edited before it was sealed, a clock set wrong on the recorder), that the holder of a trusted key did not misuse it, or what was said in the room while nothing was recorded. Times of segments come from the recordings' own declared start times (or their sealing times when they declare none)." }
    };
    document::page(&title, body, &ctx.colophon, clock)
}

fn offset(start: OffsetDateTime, secs: f64) -> Option<OffsetDateTime> {
    start.checked_add(time::Duration::checked_seconds_f64(secs)?)
}

fn observation_words(o: &crate::media::Observation) -> String {
    match o.code.as_str() {
        "media.silence" if o.digital == Some(true) => "digital silence (every sample zero)".into(),
        "media.silence" => match o.threshold_db {
            Some(t) => format!("near-silence (below {t:.0} dBFS)"),
            None => "near-silence".into(),
        },
        "media.internal_gap" => "timestamp jump (time missing inside the file)".into(),
        "media.timestamp_reversal" => "timestamps run backwards".into(),
        other => shown(other),
    }
}
