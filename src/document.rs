//! The house style of the documents courtseal writes for people: the check
//! report, the certificate of verification and the act of an audit (built
//! by the `report`, `certificate` and `audit` modules, which use this one).
//!
//! Every document is one self-contained HTML file (no external resource, no
//! script) that prints on A4 with numbered pages. Every text taken from the
//! input is escaped by the template engine, and characters that could make a
//! name read as another (direction overrides, zero-width marks, controls)
//! are shown as their code points ([`shown`]).
//!
//! Local times go through one function, [`Clock::local`], so that the
//! source of the court's offset can change in one place.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use time::{OffsetDateTime, UtcOffset};

use crate::time::UtcTime;
use crate::zone::CourtZone;

/// Colour of a stretch without recording (a gap) in every picture.
pub const GAP_COLOUR: &str = "#d00000";

/// How times are shown to people: in the court's local time. With the
/// court's zone (the record's `time_zone`, or `--tz`), each time is shown at
/// the offset the zone had at that instant, so a hearing across a
/// daylight-saving change reads as the court's clocks read; without one, at
/// the offset the session states (the record's declared start), or UTC when
/// nothing states one.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    zone: Option<CourtZone>,
    /// The offset the document states once (at its main date); a time at
    /// another offset (after a daylight-saving change) carries its own.
    reference: UtcOffset,
}

impl Clock {
    /// Local time at a fixed `offset`.
    pub fn at_offset(offset: UtcOffset) -> Clock {
        Clock {
            zone: None,
            reference: offset,
        }
    }

    /// The fixed offset of a declared time (e.g. the record's start).
    pub fn like(t: OffsetDateTime) -> Clock {
        Clock::at_offset(t.offset())
    }

    /// UTC, when the session states no offset and names no zone.
    pub fn utc() -> Clock {
        Clock::at_offset(UtcOffset::UTC)
    }

    /// The court's zone; `around` is the instant whose offset the document
    /// states once (the start of the hearing).
    pub fn in_zone(zone: CourtZone, around: OffsetDateTime) -> Clock {
        let reference = offset_in(&zone, around);
        Clock {
            zone: Some(zone),
            reference,
        }
    }

    /// The one rule for a document's clock: the zone named (by `--tz` or
    /// the record) when there is one, else the offset of `around` (a time
    /// the session declares), else UTC.
    pub fn choose(zone: Option<&CourtZone>, around: Option<OffsetDateTime>) -> Clock {
        match (zone, around) {
            (Some(z), Some(t)) => Clock::in_zone(z.clone(), t),
            (Some(z), None) => Clock::in_zone(z.clone(), OffsetDateTime::now_utc()),
            (None, Some(t)) => Clock::like(t),
            (None, None) => Clock::utc(),
        }
    }

    /// The offset the document states once (see [`Clock::zone_text`]).
    pub fn offset(&self) -> UtcOffset {
        self.reference
    }

    /// The offset the court's clock had at `t`.
    pub fn offset_at(&self, t: OffsetDateTime) -> UtcOffset {
        self.zone
            .as_ref()
            .map_or(self.reference, |z| offset_in(z, t))
    }

    fn shift(&self, t: OffsetDateTime) -> OffsetDateTime {
        // At the edge of the calendar the local time may not exist: show
        // the instant as it is rather than fail.
        t.checked_to_offset(self.offset_at(t)).unwrap_or(t)
    }

    /// `t` in local time, as the one place that chooses how:
    /// `2026-11-20 10:00:30 +06:00`.
    pub fn local(&self, t: OffsetDateTime) -> String {
        let l = self.shift(t);
        format!("{} {} {}", date(l), hms(l), offset_text(l.offset()))
    }

    /// The clock time of `t` only, `10:00:30`, for a document that states
    /// the date and offset once; a time at another offset than the one
    /// stated (after a daylight-saving change) carries it: `10:00:30 +01:00`.
    pub fn time_of_day(&self, t: OffsetDateTime) -> String {
        let l = self.shift(t);
        if l.offset() == self.reference {
            hms(l)
        } else {
            format!("{} {}", hms(l), offset_text(l.offset()))
        }
    }

    /// The date of `t`, `2026-11-20`, in local time.
    pub fn date(&self, t: OffsetDateTime) -> String {
        date(self.shift(t))
    }

    /// The zone as a document states it once: `+06:00`, `UTC`, or the
    /// zone's name with the offset at the reference instant
    /// (`Europe/Berlin, +01:00`).
    pub fn zone_text(&self) -> String {
        match &self.zone {
            Some(z) if z.name() != "UTC" => {
                format!("{}, {}", z.name(), offset_text(self.reference))
            }
            _ => offset_text(self.reference),
        }
    }

    /// A span `10:00:30–10:01:30` (the date and offsets as well when they
    /// change).
    pub fn span(&self, from: OffsetDateTime, to: OffsetDateTime) -> String {
        if self.date(from) == self.date(to) && self.offset_at(from) == self.offset_at(to) {
            format!("{}–{}", self.time_of_day(from), self.time_of_day(to))
        } else {
            format!("{} – {}", self.local(from), self.local(to))
        }
    }

    /// An RFC 3339 text (as the log stores it) in local time, or the text
    /// itself when it does not parse.
    pub fn local_text(&self, rfc3339: &str) -> String {
        OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
            .map_or_else(|_| rfc3339.to_owned(), |t| self.local(t))
    }
}

fn offset_in(zone: &CourtZone, t: OffsetDateTime) -> UtcOffset {
    UtcOffset::from_whole_seconds(zone.offset_seconds(UtcTime::from(t))).unwrap_or(UtcOffset::UTC)
}

fn date(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

fn hms(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

fn offset_text(o: UtcOffset) -> String {
    if o.is_utc() {
        return "UTC".to_owned();
    }
    let (h, m, _) = o.as_hms();
    let sign = if o.is_negative() { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

/// A duration in words: `60 s`, `2 min 5 s`, `1 h 2 min`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "?".to_owned();
    }
    if seconds < 10.0 && seconds.fract().abs() > 0.05 {
        return format!("{seconds:.1} s");
    }
    let s = seconds.round() as u64;
    // Under two minutes, in seconds: "60 s", as a stopwatch is read.
    if s < 120 {
        return format!("{s} s");
    }
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// A byte count for people: `1 234 567 bytes (1.2 MB)`.
pub fn bytes(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{202F}');
        }
        grouped.push(c);
    }
    if n < 10_000 {
        format!("{grouped} bytes")
    } else {
        format!("{grouped} bytes ({:.1} MB)", n as f64 / 1e6)
    }
}

/// Text from the input as it may be shown: every control, direction mark or
/// invisible character as its code point (`\u202E`), so that a name made to
/// read as another is seen as it is. The template engine escapes the rest.
pub fn shown(s: &str) -> String {
    crate::format::origin::escape(s).replace('\n', " ")
}

/// What every document says about itself at its foot.
#[derive(Debug, Clone)]
pub struct Colophon<'a> {
    /// courtseal's version.
    pub version: &'a str,
    /// The command that reproduces the result.
    pub command: &'a str,
    /// When the document was made.
    pub made_at: OffsetDateTime,
    /// The court's zone, when `--tz` or the record names one: every time in
    /// the document is shown as that zone's clocks read (see [`Clock`]).
    pub zone: Option<&'a CourtZone>,
}

/// The style sheet shared by all documents.
const STYLE: &str = r#"
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; line-height: 1.3; color: #111; max-width: 182mm; margin: 0 auto; }
h1 { font-size: 15pt; margin: 0 0 2pt; }
h2 { font-size: 12pt; margin: 12pt 0 4pt; border-bottom: 1px solid #999; break-after: avoid; page-break-after: avoid; }
h2 + * { break-before: avoid; }
.sub { color: #444; margin: 0 0 6pt; }
.headline { padding: 6pt 8pt; border-radius: 3pt; margin: 6pt 0; break-inside: avoid; }
.headline p { margin: 2pt 0; } .headline ul { margin: 3pt 0 0; padding-left: 14pt; }
.headline.ok { background: #e6f4ea; border: 1.5pt solid #2e7d32; }
.headline.bad { background: #fdecea; border: 1.5pt solid #d00000; }
.headline .result { font-weight: bold; font-size: 11pt; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 2pt 0 4pt; }
td, th { border: 1px solid #bbb; padding: 2pt 3pt; vertical-align: top; text-align: left; overflow-wrap: break-word; }
th { background: #f0f0f0; }
tr { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
table.facts td:first-child { width: 32%; color: #444; overflow-wrap: normal; }
.t, .nw { white-space: nowrap; }
code, .hash { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; }
.hash { word-break: break-all; }
.bad-cell { color: #d00000; font-weight: bold; } td.ok-cell, td.bad-cell, td.warn-cell { min-width: 14mm; } .warn-cell { color: #a15c00; font-weight: bold; } .ok-cell { color: #1b5e20; }
.figure { break-inside: avoid; page-break-inside: avoid; }
svg { width: 100%; height: auto; display: block; }
.legend { font-size: 8.5pt; margin: 2pt 0 6pt; } .legend span { display: inline-block; margin-right: 9pt; white-space: nowrap; }
.legend svg { display: inline-block; width: 16pt; height: 9pt; vertical-align: middle; margin-right: 2pt; }
.small { font-size: 8.5pt; color: #333; }
.note { font-size: 9pt; }
.sealed-mark { font-weight: bold; color: #1b5e20; } .unsigned-mark { font-weight: bold; color: #a15c00; }
.keep { break-inside: avoid; page-break-inside: avoid; }
.signature { margin-top: 10pt; border: 1px solid #999; padding: 6pt 8pt; break-inside: avoid; }
.signature .line { display: inline-block; min-width: 60mm; border-bottom: 1px solid #111; height: 14pt; }
@media print { body { max-width: none; } }
"#;

/// A whole document: the shared style, the title, the body, and the
/// colophon (version, reproduce command, date made).
pub fn page(title: &str, body: Markup, colophon: &Colophon<'_>, clock: &Clock) -> String {
    let page_rule = format!(
        r#"@page {{ size: A4; margin: 14mm 14mm 16mm 14mm;
  @bottom-left {{ content: "{}"; font: 8pt "DejaVu Sans", Arial, sans-serif; color: #555; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font: 8pt "DejaVu Sans", Arial, sans-serif; color: #555; }} }}"#,
        css_string(title)
    );
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (shown(title)) }
                style { (PreEscaped(STYLE)) (PreEscaped(page_rule)) }
            }
            body {
                (body)
                div.keep {
                    h2 { "About this document" }
                    table.facts {
                        tr { td { "Made" } td { span.t { (clock.local(colophon.made_at)) } } }
                        tr { td { "Tool" } td { "courtseal " (colophon.version) } }
                        tr { td { "To reproduce" } td { code { (shown(colophon.command)) } } }
                    }
                }
            }
        }
    };
    markup.into_string()
}

/// A text safe inside a CSS string in a `<style>` element: only letters,
/// digits, spaces and a few marks survive.
fn css_string(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || " -./:,()".contains(*c))
        .take(80)
        .collect()
}

/// A text from the input, with every ISO time in it (`2026-11-20T10:00:15+06:00`)
/// kept on one line, so that a time never breaks at its hyphens.
pub fn text_with_times(text: &str) -> Markup {
    let text = shown(text);
    let is_time = |w: &str| {
        let b = w.as_bytes();
        b.len() >= 16 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && w.contains(':')
    };
    html! {
        @for (i, w) in text.split(' ').enumerate() {
            @if i > 0 { " " }
            @if is_time(w) { span.t { (w) } } @else { (w) }
        }
    }
}

/// A local time (as [`Clock::local`] writes it) that may wrap between its
/// date, time and offset, never inside one of them.
pub fn time_cell(local: &str) -> Markup {
    html! {
        @for (i, w) in local.split(' ').enumerate() {
            @if i > 0 { " " }
            span.t { (w) }
        }
    }
}

/// A file or segment name in a table cell: kept on one line when short, so
/// that `seg-0001.m4a` does not break at its hyphen.
pub fn name_cell(name: &str) -> maud::Markup {
    let s = shown(name);
    if s.chars().count() <= 32 {
        html! { span.nw { (s) } }
    } else {
        html! { (s) }
    }
}

/// A verifier key (`name+keyid+base64`) as a person reads it: the name and
/// the key ID.
pub fn key_words(vkey: &str) -> String {
    let mut parts = vkey.splitn(3, '+');
    match (parts.next(), parts.next()) {
        (Some(name), Some(id)) => format!("{} (key ID {id})", shown(name)),
        _ => shown(vkey),
    }
}

/// A sealed-or-not mark for a fact: "sealed" when the log's signed
/// checkpoints cover it, "unsigned" when it comes from a file nobody signed.
pub fn provenance(sealed: bool) -> Markup {
    if sealed {
        html! { span.sealed-mark { "sealed" } }
    } else {
        html! { span.unsigned-mark { "unsigned" } }
    }
}

/// The "Findings" section every check document shows: severity, code,
/// where, when (local) and what, one row per finding in the order given.
/// `span_words` says what a span's seconds count from ("into the file").
pub fn findings_table(
    findings: &[&crate::finding::Finding],
    clock: &Clock,
    span_words: &str,
) -> Markup {
    use crate::finding::Severity;
    let when = |f: &crate::finding::Finding| match (&f.time, &f.span) {
        (Some(t), _) => html! {
            (time_cell(&clock.local_text(&t.from))) " to " (time_cell(&clock.local_text(&t.to)))
            " " span.nw { "(" (duration(t.seconds)) ")" }
        },
        (None, Some(sp)) => html! { (format!("{:.3}–{:.3} s {span_words}", sp.from, sp.to)) },
        _ => html! {},
    };
    html! {
        h2 { "Findings" }
        table.findings {
            thead { tr { th { "Severity" } th { "Code" } th { "Where" } th { "When (local)" } th { "What" } } }
            tbody {
                @if findings.is_empty() { tr { td colspan="5" { "None." } } }
                @for f in findings {
                    tr {
                        td class=(match f.severity { Severity::Error => "nw bad-cell", Severity::Warning => "nw warn-cell", Severity::Info => "nw" }) { (f.severity.as_str()) }
                        td.nw { code { (f.code.as_str()) } }
                        td { (text_with_times(&f.location.to_string())) }
                        td { (when(f)) }
                        td { (text_with_times(&f.message)) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_show_their_offset_and_never_break() {
        let t = time::macros::datetime!(2026-11-20 04:00:30 UTC);
        let c = Clock::at_offset(time::macros::offset!(+5));
        assert_eq!(c.local(t), "2026-11-20 09:00:30 +05:00");
        assert_eq!(Clock::utc().local(t), "2026-11-20 04:00:30 UTC");
        assert_eq!(
            c.span(t, t + time::Duration::seconds(60)),
            "09:00:30–09:01:30"
        );
        assert_eq!(duration(60.0), "60 s");
        assert_eq!(duration(125.0), "2 min 5 s");
        assert_eq!(bytes(1234567), "1\u{202F}234\u{202F}567 bytes (1.2 MB)");
    }

    #[test]
    fn a_hearing_across_a_daylight_saving_change_shows_the_courts_clocks() {
        // Berlin leaves summer time at 01:00 UTC on 2026-10-25 (03:00 CEST
        // becomes 02:00 CET).
        let berlin = CourtZone::new("Europe/Berlin").unwrap();
        let start = time::macros::datetime!(2026-10-25 00:30 UTC);
        let c = Clock::in_zone(berlin, start);
        assert_eq!(c.zone_text(), "Europe/Berlin, +02:00");
        assert_eq!(c.local(start), "2026-10-25 02:30:00 +02:00");
        let after = time::macros::datetime!(2026-10-25 01:30 UTC);
        assert_eq!(c.local(after), "2026-10-25 02:30:00 +01:00");
        // The same clock reading twice: the later one carries its offset.
        assert_eq!(c.time_of_day(start), "02:30:00");
        assert_eq!(c.time_of_day(after), "02:30:00 +01:00");
        assert_eq!(
            c.span(start, after),
            "2026-10-25 02:30:00 +02:00 – 2026-10-25 02:30:00 +01:00"
        );
        // A fixed offset (no zone named) keeps the start's offset: the old
        // behaviour, for sessions whose record names no zone.
        let fixed = Clock::like(start.to_offset(time::macros::offset!(+2)));
        assert_eq!(fixed.local(after), "2026-10-25 03:30:00 +02:00");
    }

    #[test]
    fn the_zone_named_wins_over_the_declared_offset() {
        let almaty = CourtZone::new("Asia/Almaty").unwrap();
        // A record written with the old +06:00: the zone's +05:00 is shown.
        let declared = time::macros::datetime!(2026-11-20 10:00 +06:00);
        let c = Clock::choose(Some(&almaty), Some(declared));
        assert_eq!(c.local(declared), "2026-11-20 09:00:00 +05:00");
        assert_eq!(
            Clock::choose(None, Some(declared)).local(declared),
            "2026-11-20 10:00:00 +06:00"
        );
        assert_eq!(Clock::choose(None, None).zone_text(), "UTC");
        // The far end of the calendar is shown, never a panic.
        let edge = time::macros::datetime!(9999-12-31 23:59:59 UTC);
        assert!(c.local(edge).starts_with("9999-12-31"));
    }

    #[test]
    fn a_name_with_a_direction_override_is_shown_escaped() {
        assert_eq!(shown("seg\u{202E}4pm.m4a"), "seg\\u202E4pm.m4a");
        let p = page(
            "x</style><script>",
            html! { p { (shown("<b>\u{202E}")) } },
            &Colophon {
                version: "0",
                command: "courtseal check <x>",
                made_at: time::macros::datetime!(2026-11-20 04:00:30 UTC),
                zone: None,
            },
            &Clock::utc(),
        );
        assert!(!p.contains("<script>") && !p.contains("<b>") && !p.contains('\u{202E}'));
    }
}
