//! The self-contained HTML document of `courtseal compare --html`: an
//! independent recording of the same room (a lawyer's dictaphone) against
//! the sealed official one, for a judge. Both recordings are drawn on one
//! timeline (the sealed segments on one lane, the independent recording on
//! the other, the stretches matched by their sound joined between them, what
//! one side lacks in red with its times), then the findings, what was
//! compared (names, SHA-256, sizes, durations), the method and its limits,
//! and the command that reproduces it. House style: [`crate::document`].

use maud::{html, Markup, PreEscaped};
use time::OffsetDateTime;

use crate::compare::CompareReport;
use crate::document::{self, duration, shown, Clock, Colophon, GAP_COLOUR};
use crate::finding::{Finding, Severity};
use crate::verify::SessionReport;

/// Colour of the sealed official segments.
const OFFICIAL_COLOUR: &str = "#1f5fbf";
/// Colour of the independent recording.
const INDEPENDENT_COLOUR: &str = "#00796b";
/// Colour of a stretch of the independent recording that could not be
/// compared (silence, sound that matches nothing).
const UNCOMPARED_COLOUR: &str = "#bdbdbd";
/// Colour of independent sound before or after everything official.
const BEYOND_COLOUR: &str = "#f0b429";

/// One file compared, as the document lists it.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// The name as given (a segment's name in the session, or the
    /// independent file as named on the command line).
    pub name: String,
    /// SHA-256 of its bytes, hex (the sealed one for a segment).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Everything the document states besides the comparison itself.
#[derive(Debug, Clone)]
pub struct CompareContext<'a> {
    /// Version, reproduce command, time made, zone.
    pub colophon: Colophon<'a>,
    /// The sealed segments compared (in the order of
    /// [`CompareReport::official`]).
    pub official: Vec<FileFacts>,
    /// The independent recording's files, in order.
    pub independent: Vec<FileFacts>,
}

// The picture: one user unit is one CSS pixel at the printed width.
const WIDTH: f64 = 680.0;
const LEFT: f64 = 118.0;
const RIGHT: f64 = 36.0;
const FONT: f64 = 12.0;
const TOP: f64 = 26.0;
const LANE: f64 = 22.0;
/// Height of the band between the lanes in which matched stretches are joined.
const BAND: f64 = 46.0;

fn esc(s: &str) -> String {
    html! { (shown(s)) }.into_string()
}

fn label(x: f64, y: f64, anchor: &str, fill: &str, text: &str) -> String {
    format!(
        r#"<text class="label" x="{x:.1}" y="{y:.1}" font-size="{FONT}" text-anchor="{anchor}" fill="{fill}">{}</text>"#,
        esc(text)
    )
}

/// A label at `x` kept inside the picture.
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

fn rect(x: f64, y: f64, w: f64, h: f64, attrs: &str) -> String {
    format!(r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" {attrs}/>"#)
}

struct Scale {
    from: OffsetDateTime,
    secs: f64,
}

impl Scale {
    fn x(&self, at: OffsetDateTime) -> f64 {
        let s = (at - self.from).as_seconds_f64().clamp(0.0, self.secs);
        LEFT + s / self.secs * (WIDTH - LEFT - RIGHT)
    }
}

/// A round step for the time axis: at most 8 ticks over `secs`.
fn axis_step(secs: f64) -> i64 {
    const STEPS: [i64; 17] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
    ];
    STEPS
        .into_iter()
        .find(|s| secs / *s as f64 <= 8.0)
        .unwrap_or(86400)
}

/// Where second `t` of the independent recording falls on the wall clock,
/// by the fit over all matches; `None` when nothing matched.
fn placed(r: &CompareReport, t: f64) -> Option<OffsetDateTime> {
    let start = r.independent_start?;
    let drift = r.drift_ppm.unwrap_or(0.0) / 1e6;
    start.checked_add(time::Duration::checked_seconds_f64(t * (1.0 + drift))?)
}

fn independent_seconds(r: &CompareReport) -> f64 {
    r.independent.iter().map(|f| f.seconds).sum()
}

fn timeline_svg(r: &CompareReport, clock: &Clock) -> String {
    let total = independent_seconds(r);
    let mut from = r.official.iter().map(|p| p.from).min();
    let mut to = r.official.iter().map(|p| p.to).max();
    for t in [placed(r, 0.0), placed(r, total)].into_iter().flatten() {
        from = Some(from.map_or(t, |f| f.min(t)));
        to = Some(to.map_or(t, |x| x.max(t)));
    }
    for m in &r.missing_from_official {
        to = to.map(|x| x.max(m.to));
    }
    let (Some(from), Some(to)) = (from, to) else {
        return String::new();
    };
    let secs = (to - from).as_seconds_f64().max(1.0);
    let sc = Scale { from, secs };
    let y_off = TOP;
    let y_ind = TOP + LANE + BAND;
    let y_labels = y_ind + LANE + FONT + 4.0;
    let rows = 1 + r.missing_from_official.len().min(4);
    let bottom = y_labels + (rows as f64 - 1.0) * (FONT + 4.0) + 8.0;
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {bottom:.1}" role="img" aria-label="The official and the independent recording on one timeline"><defs><pattern id="hatch-official-only" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{GAP_COLOUR}"/><rect width="2.5" height="6" fill="#fff"/></pattern></defs>"##
    );
    // Axis.
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
            y_ind + LANE
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
    s.push_str(&label(
        4.0,
        y_off + 16.0,
        "start",
        "#222",
        "Official (sealed)",
    ));
    s.push_str(&label(4.0, y_ind + 16.0, "start", "#222", "Independent"));
    let span = |a: OffsetDateTime, b: OffsetDateTime| {
        let (x0, x1) = (sc.x(a), sc.x(b));
        (x0, (x1 - x0).max(1.5))
    };
    // The matched stretches, joined between the lanes.
    for m in &r.matched {
        let (Some(ia), Some(ib)) = (placed(r, m.independent_from), placed(r, m.independent_to))
        else {
            continue;
        };
        let (oa, ob) = (sc.x(m.from), sc.x(m.to));
        let (xa, xb) = (sc.x(ia), sc.x(ib));
        s.push_str(&format!(
            r##"<path class="joined" d="M{oa:.1} {:.1} L{ob:.1} {:.1} L{xb:.1} {:.1} L{xa:.1} {:.1} Z" fill="{OFFICIAL_COLOUR}" fill-opacity="0.16" stroke="{OFFICIAL_COLOUR}" stroke-opacity="0.45"/>"##,
            y_off + LANE,
            y_off + LANE,
            y_ind,
            y_ind
        ));
    }
    // The official lane: the sealed segments, numbered.
    for (i, p) in r.official.iter().enumerate() {
        let (x, w) = span(p.from, p.to);
        s.push_str(&rect(
            x,
            y_off,
            w,
            LANE,
            &format!(r##"fill="{OFFICIAL_COLOUR}" stroke="#fff""##),
        ));
        let n = format!("{}", i + 1);
        if w >= FONT * 0.7 * n.len() as f64 + 4.0 {
            s.push_str(&label(x + w / 2.0, y_off + 16.0, "middle", "#fff", &n));
        }
    }
    for m in &r.missing_from_independent {
        let (x, w) = span(m.from, m.to);
        s.push_str(&rect(
            x,
            y_off,
            w,
            LANE,
            r#"fill="url(#hatch-official-only)" class="official-only""#,
        ));
    }
    // The independent lane, placed on the wall clock by the fit.
    match (placed(r, 0.0), placed(r, total)) {
        (Some(a), Some(b)) => {
            let (x, w) = span(a, b);
            s.push_str(&rect(
                x,
                y_ind,
                w,
                LANE,
                &format!(r#"fill="{INDEPENDENT_COLOUR}""#),
            ));
            for n in &r.not_compared {
                if let (Some(a), Some(b)) =
                    (placed(r, n.independent_from), placed(r, n.independent_to))
                {
                    let (x, w) = span(a, b);
                    s.push_str(&rect(
                        x,
                        y_ind + 4.0,
                        w,
                        LANE - 8.0,
                        &format!(r#"fill="{UNCOMPARED_COLOUR}""#),
                    ));
                }
            }
            for f in r
                .findings
                .iter()
                .filter(|f| f.code.as_str() == "compare.beyond_official")
            {
                if let Some(sp) = &f.span {
                    if let (Some(a), Some(b)) = (placed(r, sp.from), placed(r, sp.to)) {
                        let (x, w) = span(a, b);
                        s.push_str(&rect(
                            x,
                            y_ind + LANE - 5.0,
                            w,
                            5.0,
                            &format!(r#"fill="{BEYOND_COLOUR}""#),
                        ));
                    }
                }
            }
        }
        _ => {
            s.push_str(&rect(
                LEFT,
                y_ind,
                WIDTH - LEFT - RIGHT,
                LANE,
                r##"fill="#fff" stroke="#777" stroke-dasharray="4 3""##,
            ));
            s.push_str(&label(
                LEFT + 6.0,
                y_ind + 16.0,
                "start",
                "#333",
                "not placed: nothing of it matches the official recording",
            ));
        }
    }
    // What the official recording lacks: red on the independent lane, a
    // red mark where the official recording skips, the times below.
    for (k, m) in r.missing_from_official.iter().enumerate() {
        let a = placed(r, m.independent_from).unwrap_or(m.from);
        let b = placed(r, m.independent_to).unwrap_or(m.to);
        let (x, w) = span(a, b);
        s.push_str(&rect(
            x,
            y_ind,
            w,
            LANE,
            &format!(r#"fill="{GAP_COLOUR}" class="missing""#),
        ));
        let xo = sc.x(m.from);
        s.push_str(&format!(
            r#"<path d="M{xo:.1} {:.1} l5 -8 h-10 z" fill="{GAP_COLOUR}"/><line x1="{xo:.1}" y1="{:.1}" x2="{xo:.1}" y2="{:.1}" stroke="{GAP_COLOUR}" stroke-width="2"/><line x1="{xo:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{GAP_COLOUR}" stroke-width="1" stroke-dasharray="3 2"/>"#,
            y_off + LANE + 8.0,
            y_off,
            y_off + LANE,
            y_off + LANE + 8.0,
            x + w / 2.0,
            y_ind
        ));
        let y = y_labels + (k.min(3) as f64) * (FONT + 4.0);
        let text = format!(
            "{} missing: {}",
            duration(m.seconds),
            clock.span(m.from, m.to)
        );
        s.push_str(&edge_label(x + w / 2.0, y, "middle", &text, GAP_COLOUR));
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
            span { (swatch(&format!(r#"fill="{OFFICIAL_COLOUR}""#))) "sealed segment (numbered)" }
            span { (swatch(&format!(r#"fill="{INDEPENDENT_COLOUR}""#))) "independent recording" }
            span { (swatch(&format!(r#"fill="{OFFICIAL_COLOUR}" fill-opacity="0.16" stroke="{OFFICIAL_COLOUR}""#))) "matched by sound" }
            span { (swatch(&format!(r#"fill="{GAP_COLOUR}""#))) "missing from the official recording" }
            span { (swatch(&format!(r##"fill="#fff" stroke="{GAP_COLOUR}" stroke-dasharray="3 2""##))) "official only (hatched)" }
            span { (swatch(&format!(r#"fill="{UNCOMPARED_COLOUR}""#))) "not compared (silence, no match)" }
            span { (swatch(&format!(r#"fill="{BEYOND_COLOUR}""#))) "sound beyond the official recording" }
        }
    }
}

fn declared_words(d: &[String]) -> String {
    if d.is_empty() {
        "no break was declared for it".to_owned()
    } else {
        format!("declared: {}", d.join("; "))
    }
}

/// The whole document.
pub fn html(v: &SessionReport, r: &CompareReport, ctx: &CompareContext<'_>) -> String {
    let first = r.official.iter().map(|p| p.from).min();
    let clock = &Clock::choose(ctx.colophon.zone, first);
    let mut all: Vec<&Finding> = v.findings.iter().chain(&r.findings).collect();
    all.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let verify_errors = v
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let nothing = r.matched.is_empty();
    let lacks = !r.missing_from_official.is_empty();
    let ok = !lacks && !nothing && verify_errors == 0;
    let total = independent_seconds(r);
    let title = format!("courtseal compare: {}", v.session);
    let body = html! {
        h1 { "An independent recording compared with the sealed official recording" }
        p.sub {
            "Session folder " b { (shown(&v.session)) }
            @if let Some(o) = &v.origin { " · log " (shown(o)) }
            @if let Some(t) = first { " · " span.t { (clock.date(t)) } }
            " · times are local (" (clock.zone_text()) ")"
        }
        div class=(if ok { "headline ok" } else { "headline bad" }) {
            @if nothing {
                p.result { "NOTHING MATCHES: no stretch of the independent recording matches the official recording." }
                p { "It is another recording, or too degraded (far from the speakers, heavy noise) to compare." }
            } @else if lacks {
                p.result { "The official recording lacks "
                    (r.missing_from_official.len()) " stretch" @if r.missing_from_official.len() != 1 { "es" }
                    " that the independent recording holds:" }
                ul {
                    @for m in &r.missing_from_official {
                        li { b { (duration(m.seconds)) } " (" span.t { (clock.span(m.from, m.to)) } "), the independent recording's "
                            (format!("{:.1}–{:.1} s", m.independent_from, m.independent_to)) "; " (declared_words(&m.declared)) "." }
                    }
                }
            } @else {
                p.result { "Where both could be compared, the official recording holds everything the independent recording holds." }
            }
            @if verify_errors > 0 {
                p { b { "The session itself does not verify: " } (verify_errors) " finding" @if verify_errors != 1 { "s" } " of severity error (listed below)." }
            }
            p { "This is evidence to weigh, not a proof: two recordings of one room are never the same signal, and the alignment is by sound." }
        }
        table.facts {
            tr { td { "Session" } td { (shown(&v.session)) "; " (if verify_errors == 0 { "its log, checkpoints and segments verify" } else { "it does NOT verify" }) } }
            @if let (Some(s), Some(d)) = (r.independent_start, r.drift_ppm) {
                tr { td { "Alignment" } td { "The independent recording's second 0 is " span.t { (clock.local(s)) } "; its clock drifts " (format!("{d:+.0}")) " ppm against the official one." } }
            }
            tr { td { "Matched" } td { (r.matched.len()) " stretch" @if r.matched.len() != 1 { "es" } " ("
                (duration(r.matched.iter().map(|m| m.independent_to - m.independent_from).sum::<f64>().min(total)))
                " of the independent recording's " (duration(total)) ")" } }
        }
        h2 { "Timeline" }
        div.figure {
            (PreEscaped(timeline_svg(r, clock)))
            (legend())
        }
        h2 { "Stretches" }
        table.stretches {
            thead { tr { th { "What" } th { "Local from–to" } th { "Length" } th { "Independent (s)" } th { "Declared, confidence" } } }
            tbody {
                @if r.missing_from_official.is_empty() && r.missing_from_independent.is_empty() && r.matched.is_empty() && r.not_compared.is_empty() {
                    tr { td colspan="5" { "None: nothing of the independent recording was matched or set aside." } }
                }
                @for m in &r.missing_from_official {
                    tr.stretch-row {
                        td.bad-cell { "missing from the official recording" }
                        td { span.t { (clock.span(m.from, m.to)) } }
                        td.nw { (duration(m.seconds)) }
                        td.nw { (format!("{:.1}–{:.1}", m.independent_from, m.independent_to)) }
                        td { (declared_words(&m.declared)) }
                    }
                }
                @for m in &r.missing_from_independent {
                    tr.stretch-row {
                        td { "not in the independent recording" }
                        td { span.t { (clock.span(m.from, m.to)) } }
                        td.nw { (duration(m.seconds)) }
                        td.nw { (format!("resumes at {:.1}", m.independent_from)) }
                        td { (declared_words(&m.declared)) }
                    }
                }
                @for m in &r.matched {
                    tr.stretch-row {
                        td.ok-cell { "matched" }
                        td { span.t { (clock.span(m.from, m.to)) } }
                        td.nw { (duration(m.independent_to - m.independent_from)) }
                        td.nw { (format!("{:.1}–{:.1}", m.independent_from, m.independent_to)) }
                        td { (format!("confidence {:.2}, {} windows", m.confidence, m.windows)) }
                    }
                }
                @for n in &r.not_compared {
                    tr.stretch-row {
                        td { "not compared (" (n.reason.replace('_', " ")) ")" }
                        td { }
                        td.nw { (duration(n.independent_to - n.independent_from)) }
                        td.nw { (format!("{:.1}–{:.1}", n.independent_from, n.independent_to)) }
                        td { }
                    }
                }
            }
        }
        (document::findings_table(&all, clock, "of the independent recording"))
        h2 { "What was compared" }
        table.files {
            thead { tr { th { "" } th { "File" } th { "Local from–to, length" } th { "Size" } th { "SHA-256" } th { "Sealed" } } }
            tbody {
                @for (i, p) in r.official.iter().enumerate() {
                    @let f = ctx.official.iter().find(|f| f.name == p.name);
                    tr.file-row {
                        td.nw { "official " (i + 1) }
                        td { (document::name_cell(&p.name)) }
                        td { span.t { (clock.span(p.from, p.to)) } " " span.nw { "(" (duration((p.to - p.from).as_seconds_f64())) ")" } }
                        td { (f.map(|f| document::bytes(f.size)).unwrap_or_default()) }
                        td { span.hash { (f.map(|f| f.sha256.as_str()).unwrap_or("")) } }
                        td { "in this session" }
                    }
                }
                @for (i, x) in r.independent.iter().enumerate() {
                    @let f = ctx.independent.get(i);
                    tr.file-row {
                        td.nw { "independent " (i + 1) }
                        td { (document::name_cell(&x.name)) }
                        td.nw { (duration(x.seconds)) }
                        td { (f.map(|f| document::bytes(f.size)).unwrap_or_default()) }
                        td { span.hash { (f.map(|f| f.sha256.as_str()).unwrap_or("")) } }
                        td { @match &x.sealed {
                            Some(s) => { "by its owner in " (shown(&s.session)) " (log line " (s.line) "), stated " span.t { (clock.local_text(&s.sealed_at)) } }
                            None => { "not sealed by courtseal" }
                        } }
                    }
                }
            }
        }
        h2 { "How the recordings were compared" }
        p.note {
            "The session is verified first. Both recordings are decoded, mixed to mono and resampled to 11 025 Hz. Each is fingerprinted with Chromaprint; windows of 20 s of the independent recording are looked up in the official fingerprints, and each match is refined by GCC-PHAT cross-correlation of the samples. Consecutive matches with one offset (allowing for the clock drift) form the matched stretches. Between two of them, the difference between the time that passed on each side is what one side lacks; probes of 1 s every 0.1 s locate where. The sealed segments are placed on the wall clock by the start each declares."
        }
        h2 { "What this comparison cannot prove" }
        p.note {
            b { "It is evidence to weigh, not a proof." }
            " Two recordings of one room are never the same signal: the alignment is by sound, and its confidence is given for each matched stretch. Silence and noise cannot be compared at all (listed above as not compared), so a stretch cut out of a silence, or a stretch both recordings lack, is not seen. The edges of a stretch are placed to about half a second. The comparison does not prove who made the independent recording or when (unless its owner sealed it at the time, as shown above), that it was not itself edited, or anything about what was said while neither device recorded. Whether the official recording stopped for a declared reason is for the court to weigh with the record of the session."
        }
    };
    document::page(&title, body, &ctx.colophon, clock)
}
