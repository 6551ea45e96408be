//! The self-contained HTML report of `courtseal check`, for people: a
//! timeline picture of the session, the findings, the keys and checkpoints
//! relied on, how to reproduce the result, and what the tool cannot prove.
//! One file, no external resources; it prints on A4.

use std::fmt::Write as _;

use time::OffsetDateTime;

use crate::finding::{Finding, Severity};
use crate::keys::TrustStore;
use crate::timeline::{CheckReport, Span};

/// Colour of uncovered stretches (gaps) in the picture.
pub const GAP_COLOUR: &str = "#d00000";

/// Colour of stretches without recording covered only by a break or failure
/// of the record that no operator event announced: not green, not a gap.
/// Drawn hatched, so that it stays distinct from a gap in grey print too.
pub const UNANNOUNCED_COLOUR: &str = "#e07000";

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
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

fn t(x: OffsetDateTime, like: OffsetDateTime) -> String {
    x.to_offset(like.offset())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn hms(x: OffsetDateTime, like: OffsetDateTime) -> String {
    let x = x.to_offset(like.offset());
    format!("{:02}:{:02}:{:02}", x.hour(), x.minute(), x.second())
}

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 130.0;

struct Scale {
    from: OffsetDateTime,
    secs: f64,
}

impl Scale {
    fn x(&self, at: OffsetDateTime) -> f64 {
        let s = (at - self.from).as_seconds_f64().clamp(0.0, self.secs);
        LEFT + s / self.secs * (WIDTH - LEFT - 10.0)
    }
    fn w(&self, s: &Span) -> (f64, f64) {
        let (a, b) = (self.x(s.from), self.x(s.to));
        (a, (b - a).max(1.5))
    }
}

fn timeline_svg(r: &CheckReport) -> String {
    let rec = &r.record;
    let mut from = rec.start;
    let mut to = rec.end;
    for s in &r.segments {
        from = from.min(s.span.from);
        to = to.max(s.span.to);
    }
    let secs = (to - from).as_seconds_f64().max(1.0);
    let sc = Scale { from, secs };
    let rows = [
        "Declared session",
        "Recording",
        "Breaks, failures",
        "Operator events",
        "Heartbeats",
        "Not covered",
        "Not announced",
    ];
    let row_h = 34.0;
    let height = 40.0 + row_h * rows.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="Timeline of the session">"#
    );

    for (i, label) in rows.iter().enumerate() {
        let y = 20.0 + row_h * i as f64;
        let _ = write!(
            s,
            r##"<text x="4" y="{}" font-size="12" fill="#222">{label}</text><line x1="{LEFT}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>"##,
            y + 20.0,
            y + row_h,
            WIDTH - 10.0,
            y + row_h
        );
    }
    let y = |row: usize| 20.0 + row_h * row as f64 + 6.0;
    let bar = |s: &mut String, span: &Span, row: usize, fill: &str, extra: &str, title: &str| {
        let (x, w) = sc.w(span);
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="20" fill="{fill}" {extra}><title>{}</title></rect>"#,
            y(row),
            esc(title)
        );
    };
    let declared = Span {
        from: rec.start,
        to: rec.end,
    };
    bar(
        &mut s,
        &declared,
        0,
        "#9e9e9e",
        "",
        &format!(
            "declared session {} to {}",
            t(rec.start, rec.start),
            t(rec.end, rec.start)
        ),
    );
    for seg in &r.segments {
        bar(
            &mut s,
            &seg.span,
            1,
            "#1f5fbf",
            r##"stroke="#fff""##,
            &format!(
                "{} ({} to {}), placed by {}: {}",
                seg.name,
                hms(seg.span.from, rec.start),
                hms(seg.span.to, rec.start),
                seg.placed_by,
                seg.why
            ),
        );
        for g in &seg.internal_gaps {
            bar(
                &mut s,
                g,
                1,
                GAP_COLOUR,
                "",
                &format!("timestamp jump inside {}", seg.name),
            );
        }
    }
    for b in &rec.breaks {
        let span = Span {
            from: b.from,
            to: b.to,
        };
        let unsealed = r
            .findings
            .iter()
            .any(|f| f.code == "record.break_not_sealed" && f.location.ends_with(&b.place()));
        let extra = if unsealed {
            r##"stroke="#7a4b00" stroke-dasharray="4 3""##
        } else {
            ""
        };
        bar(
            &mut s,
            &span,
            2,
            "#f0b429",
            extra,
            &format!(
                "declared {} {} to {}{}",
                b.kind,
                hms(b.from, rec.start),
                hms(b.to, rec.start),
                if unsealed {
                    " (no event sealed at the time)"
                } else {
                    ""
                }
            ),
        );
    }
    for f in &rec.failures {
        bar(
            &mut s,
            &Span {
                from: f.from,
                to: f.to,
            },
            2,
            "#8e44ad",
            "",
            &format!("declared failure: {}", f.reason),
        );
    }
    for m in &r.marks {
        let x = sc.x(m.at);
        if m.kind == "heartbeat" {
            let _ = write!(
                s,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#2e7d32" stroke-width="1.5"/>"##,
                y(4),
                y(4) + 20.0
            );
        } else {
            let _ = write!(
                s,
                r##"<path d="M{:.1} {:.1} l6 -10 h-12 z" fill="#2e7d32"><title>{}</title></path><text x="{:.1}" y="{:.1}" font-size="9" fill="#2e7d32">{}</text>"##,
                x + 6.0 - 6.0,
                y(3) + 18.0,
                esc(&format!("{} at {}", m.label, hms(m.at, rec.start))),
                x + 3.0,
                y(3) + 6.0,
                esc(m.kind.trim_start_matches("event:"))
            );
        }
    }
    for g in &r.gaps {
        bar(
            &mut s,
            g,
            5,
            GAP_COLOUR,
            "",
            &format!(
                "not covered: {} to {}",
                hms(g.from, rec.start),
                hms(g.to, rec.start)
            ),
        );
        let (x, w) = sc.w(g);
        bar(&mut s, g, 0, GAP_COLOUR, r#"opacity="0.85""#, "not covered");
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="20" fill="{GAP_COLOUR}" opacity="0.35"/>"#,
            y(1)
        );
    }
    for u in &r.unannounced {
        let title = format!(
            "no recording, covered only by a break or failure nobody announced at the time: {} to {}",
            hms(u.from, rec.start),
            hms(u.to, rec.start)
        );
        for row in [0, 6] {
            bar(&mut s, u, row, UNANNOUNCED_COLOUR, "", &title);
            // Stripes, so that it stays distinct from a gap in grey print.
            let (x, w) = sc.w(u);
            let mut at = x + 2.0;
            while at < x + w - 1.0 {
                let _ = write!(
                    s,
                    r##"<rect x="{at:.1}" y="{:.1}" width="1.5" height="20" fill="#fff"/>"##,
                    y(row)
                );
                at += 5.0;
            }
        }
    }
    // Time axis.
    let steps = 6;
    for i in 0..=steps {
        let at = from + time::Duration::seconds_f64(secs * i as f64 / steps as f64);
        let x = sc.x(at);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="14" x2="{x:.1}" y2="{:.1}" stroke="#eee"/><text x="{x:.1}" y="12" font-size="10" text-anchor="middle" fill="#555">{}</text>"##,
            height - 6.0,
            hms(at, rec.start)
        );
    }
    s.push_str("</svg>");
    s
}

fn finding_rows(findings: &[Finding]) -> String {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut s = String::new();
    for f in sorted {
        let class = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let when = match (&f.time, &f.span) {
            (Some(t), _) => format!("{} to {} ({:.1} s)", t.from, t.to, t.seconds),
            (None, Some(sp)) => format!("{:.3}–{:.3} s into the file", sp.from, sp.to),
            _ => String::new(),
        };
        let _ = write!(
            s,
            "<tr class=\"{class}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.severity.as_str(),
            esc(f.code.as_str()),
            esc(&f.location),
            esc(&when),
            esc(&f.message)
        );
    }
    s
}

/// The whole report page.
pub fn html(r: &CheckReport, trust: &TrustStore, command: &str, version: &str) -> String {
    let rec = &r.record;
    let all = r.all_findings();
    let errors = all.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = all
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let (verdict, vclass) = if !r.unannounced.is_empty() {
        (format!("NOT VERIFIED: {} stretch(es) without recording are covered only by a break or failure in the record that no operator event announced at the time; {errors} problem(s) of severity error, {warnings} warning(s). See the findings below.", r.unannounced.len()), "bad")
    } else if errors == 0 {
        ("Every second of the declared session is accounted for, and every sealed segment and checkpoint verifies.".to_owned(), "ok")
    } else {
        (format!("NOT VERIFIED: {errors} problem(s) of severity error, {warnings} warning(s). See the findings below."), "bad")
    };
    let mut keys = String::new();
    for (role, v) in trust.entries() {
        let _ = write!(
            keys,
            "<tr><td>{}</td><td>{}</td><td><code>{:08x}</code></td><td><code>{}</code></td></tr>",
            role,
            esc(v.name()),
            v.key_id(),
            esc(&v.to_vkey())
        );
    }
    let mut cps = String::new();
    for c in r.verify.checkpoints.iter().filter(|c| c.ok) {
        let _ = write!(
            cps,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&c.file),
            c.size.unwrap_or(0),
            esc(c.root.as_deref().unwrap_or(""))
        );
    }
    let appearances: Vec<String> = rec
        .appearances
        .iter()
        .map(|a| format!("{} ({})", esc(&a.name), esc(&a.role)))
        .collect();
    let mut page = String::new();
    let _ = write!(
        page,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>courtseal check: case {case}</title>
<style>
@page {{ size: A4; margin: 14mm; }}
body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #111; max-width: 190mm; margin: 0 auto; }}
h1 {{ font-size: 16pt; margin: 0 0 4pt; }} h2 {{ font-size: 12.5pt; margin: 14pt 0 4pt; border-bottom: 1px solid #ccc; }}
.verdict {{ padding: 6pt 8pt; border-radius: 3pt; font-weight: bold; }}
.verdict.ok {{ background: #e6f4ea; border: 1px solid #2e7d32; }} .verdict.bad {{ background: #fdecea; border: 1px solid {gap}; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9pt; }} td, th {{ border: 1px solid #ccc; padding: 2pt 4pt; vertical-align: top; text-align: left; }}
tr.error td:first-child {{ color: {gap}; font-weight: bold; }} tr.warning td:first-child {{ color: #a15c00; font-weight: bold; }}
code {{ font-size: 8.5pt; word-break: break-all; }} td:nth-child(2) code {{ word-break: normal; white-space: nowrap; }} svg {{ width: 100%; height: auto; }}
.meta td:first-child {{ width: 30%; color: #555; }}
.legend span {{ display: inline-block; margin-right: 10pt; font-size: 8.5pt; }} .legend i {{ display: inline-block; width: 10pt; height: 8pt; margin-right: 3pt; }}
tr, svg {{ page-break-inside: avoid; }}
</style></head><body>
<h1>Check of a sealed court session against its short-form record</h1>
<p class="verdict {vclass}">{verdict}</p>
<table class="meta">
<tr><td>Court</td><td>{court}{room}</td></tr>
<tr><td>Case</td><td>{case}{title}</td></tr>
<tr><td>Judge, secretary</td><td>{judge}; {secretary}</td></tr>
<tr><td>Declared session</td><td>{start} to {end}</td></tr>
<tr><td>Appeared</td><td>{appeared}</td></tr>
<tr><td>Session folder, log origin</td><td>{session}; {origin}</td></tr>
</table>
<h2>Timeline</h2>
{svg}
<p class="legend"><span><i style="background:#9e9e9e"></i>declared session</span><span><i style="background:#1f5fbf"></i>sealed recording</span><span><i style="background:#f0b429"></i>declared break (dashed: no event sealed at the time)</span><span><i style="background:#8e44ad"></i>declared failure</span><span><i style="background:#2e7d32"></i>operator events, heartbeats</span><span><i style="background:{gap}"></i>not covered</span><span><i style="background:{unannounced}; border-left: 3pt dotted #fff"></i>no recording, break or failure not announced at the time</span></p>
<h2>Findings</h2>
<table><tr><th>Severity</th><th>Code</th><th>Where</th><th>When</th><th>What</th></tr>{rows}</table>
<h2>Keys and checkpoints relied on</h2>
<table><tr><th>Role</th><th>Name</th><th>Key ID</th><th>Verifier key</th></tr>{keys}</table>
<p></p>
<table><tr><th>Checkpoint</th><th>Entries</th><th>Root (base64)</th></tr>{cps}</table>
<h2>How to reproduce</h2>
<p>courtseal {version}: <code>{command}</code></p>
<h2>What this check cannot prove</h2>
<p>It proves that the sealed segments are byte for byte what was sealed, that the log was only ever appended to, and where the recording does not cover the declared session. It cannot prove anything that happened before a segment reached the sealing step or inside the recorder (a recording edited before it was sealed, a clock set wrong on the recorder), that the holder of a trusted key did not misuse it, or what was said in the room while nothing was recorded. Times of segments come from the recordings' own declared start times (or their sealing times when they declare none).</p>
</body></html>
"#,
        case = esc(&rec.case),
        gap = GAP_COLOUR,
        unannounced = UNANNOUNCED_COLOUR,
        court = esc(&rec.court),
        room = rec
            .courtroom
            .as_deref()
            .map(|c| format!(", courtroom {}", esc(c)))
            .unwrap_or_default(),
        title = rec
            .case_title
            .as_deref()
            .map(|c| format!(", {}", esc(c)))
            .unwrap_or_default(),
        judge = esc(&rec.judge),
        secretary = esc(&rec.secretary),
        start = t(rec.start, rec.start),
        end = t(rec.end, rec.start),
        appeared = appearances.join(", "),
        session = esc(&r.verify.session),
        origin = esc(r.verify.origin.as_deref().unwrap_or("(no log)")),
        svg = timeline_svg(r),
        rows = if all.is_empty() {
            "<tr><td colspan=\"5\">None: a clean bill.</td></tr>".to_owned()
        } else {
            finding_rows(&all)
        },
        command = esc(command),
    );
    page
}
