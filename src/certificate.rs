//! The certificate of verification a lawyer can attach to a filing: what
//! `courtseal verify --html` (a session folder) and `courtseal verify-file
//! --html` (one downloaded recording with its proof) checked, against what,
//! and the result in one sentence; dated, with the command that reproduces
//! it and what it does not prove. One or two A4 pages in the house style of
//! [`crate::document`].

use maud::{html, Markup};
use time::OffsetDateTime;

use crate::document::{self, duration, shown, Clock, Colophon};
use crate::entry::SegmentEntry;
use crate::finding::{Finding, Severity};
use crate::keys::TrustStore;
use crate::proof::FileReport;
use crate::record::ShortFormRecord;
use crate::verify::{SegmentState, SessionReport};

/// The short-form record a certificate names the case and court from.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    /// The record.
    pub record: ShortFormRecord,
    /// True when it is the sealed record in force; false for an unsigned
    /// record file.
    pub sealed: bool,
}

fn result_sentence(ok: bool, what: &str, findings: &[Finding]) -> Markup {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    html! {
        @if ok {
            p.result { "VERIFIED: " (what) }
        } @else {
            p.result { "NOT VERIFIED: " (errors) " problem" @if errors != 1 { "s" } " found (listed below)." }
        }
    }
}

fn findings_table(findings: &[Finding], clock: &Clock) -> Markup {
    let shown_findings: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .collect();
    html! {
        @if !shown_findings.is_empty() {
            h2 { "Problems found" }
            table.findings {
                thead { tr { th { "Severity" } th { "Code" } th { "Where" } th { "What" } } }
                tbody {
                    @for f in shown_findings {
                        tr {
                            td class=(if f.severity == Severity::Error { "nw bad-cell" } else { "nw warn-cell" }) { (f.severity.as_str()) }
                            td.nw { code { (f.code.as_str()) } }
                            td { (document::text_with_times(&f.location.to_string())) }
                            td { (document::text_with_times(&f.message))
                                @if let Some(t) = &f.time { " (" span.t { (clock.local_text(&t.from)) } " to " span.t { (clock.local_text(&t.to)) } ")" } }
                        }
                    }
                }
            }
        }
    }
}

/// The recording time of a sealed segment, from the start its file
/// declares and its length: `(from, to)`.
pub fn recording_time(e: &SegmentEntry) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let m = e.media.as_ref()?;
    let start = OffsetDateTime::parse(
        m.declared_start.as_deref()?,
        &time::format_description::well_known::Rfc3339,
    )
    .ok()?;
    let len = time::Duration::checked_seconds_f64(m.duration?)?;
    Some((start, start.checked_add(len)?))
}

fn case_rows(case: Option<&CaseRecord>, clock: &Clock) -> Markup {
    html! {
        @match case {
            Some(c) => {
                tr { td { "Case" } td { b { (shown(&c.record.case)) } @if let Some(t) = &c.record.case_title { ", " (shown(t)) } " " (document::provenance(c.sealed)) } }
                tr { td { "Court" } td { (shown(&c.record.court)) @if let Some(r) = &c.record.courtroom { ", courtroom " (shown(r)) } "; judge " (shown(&c.record.judge)) } }
                tr { td { "Declared session" } td { span.t { (clock.local(c.record.start)) } " to " span.t { (clock.local(c.record.end)) } } }
            }
            None => {
                tr { td { "Case, court" } td { "Not stated: no short-form record is sealed in this log or present with it." } }
            }
        }
    }
}

/// The outside times as rows: for each party (a TSA or a witness), the
/// earliest time it vouches for among those that cover `covering` entries
/// (the whole proof's entry, or a session's trusted log), and what it is.
fn outside_rows(
    times: &[crate::verify::timestamps::OutsideTime],
    covering: u64,
    what: &str,
    clock: &Clock,
) -> Markup {
    use crate::verify::timestamps::OutsideSource;
    let mut first: Vec<&crate::verify::timestamps::OutsideTime> = Vec::new();
    let who = |o: &crate::verify::timestamps::OutsideTime| match &o.source {
        OutsideSource::Timestamp { tsa, .. } => format!("timestamp of TSA {tsa}"),
        OutsideSource::Cosignature { witness, .. } => format!("cosignature of witness {witness}"),
    };
    for o in times.iter().filter(|o| o.size >= covering) {
        match first.iter_mut().find(|f| who(f) == who(o)) {
            Some(f) if o.time < f.time => *f = o,
            Some(_) => {}
            None => first.push(o),
        }
    }
    first.sort_by_key(|o| o.time);
    html! {
        @if first.is_empty() {
            tr { td { "Outside times" } td { "None: no trusted timestamp or witness cosignature covers it, so its times rest on the court's own clock." } }
        } @else {
            tr { td { "Outside times" } td {
                @for (i, o) in first.iter().enumerate() {
                    @if i > 0 { br; }
                    (what) " existed no later than " span.t { (clock.local(o.time)) } ", by the " (shown(&who(o)))
                }
                br;
                "(vouched for by parties the court does not control, trusted in the trust file)"
            } }
        }
    }
}

fn not_proven(one_file: bool) -> Markup {
    html! {
        h2 { "What this does not prove" }
        p.note {
            @if one_file {
                "It proves that this file is byte for byte the segment the court's recorder sealed into the log named above, and that the log's signed checkpoint includes it. It does not prove that the rest of the session is complete (use "
                code { "courtseal check" } " on the session), what happened to the recording before it was sealed, that the recorder's clock was right, or that the holder of the court's key did not misuse it. "
                "The case, court and times shown come from the sealed entry and the proof; anything marked unsigned comes from a file nobody signed."
            } @else {
                "It proves that each sealed segment listed is byte for byte what was sealed and that the log was only ever appended to under the court's key. It does not prove that the recording covers the whole hearing (use "
                code { "courtseal check" } " against the short-form record), what happened before a segment was sealed, that the recorder's clock was right, or that the holder of a trusted key did not misuse it. A case or court marked unsigned comes from a record file nobody signed."
            }
        }
    }
}

/// The certificate for a session folder (`verify --html`).
pub fn session(
    r: &SessionReport,
    sealed: &[SegmentEntry],
    case: Option<&CaseRecord>,
    trust: &TrustStore,
    colophon: &Colophon<'_>,
) -> String {
    let record_zone = case
        .and_then(|c| c.record.time_zone.as_deref())
        .and_then(|z| crate::zone::CourtZone::new(z).ok());
    let clock = &Clock::choose(
        colophon.zone.or(record_zone.as_ref()),
        case.map(|c| c.record.start),
    );
    let ok = !crate::finding::has_errors(&r.findings);
    let good: Vec<_> = r.checkpoints.iter().filter(|c| c.ok).collect();
    let last = good.iter().max_by_key(|c| c.size);
    let verified = r
        .segments
        .iter()
        .filter(|s| s.state == SegmentState::Ok)
        .count();
    let title = format!(
        "Certificate of verification: {}",
        case.map_or(r.session.as_str(), |c| c.record.case.as_str())
    );
    let body = html! {
        h1 { "Certificate of verification of a sealed court recording" }
        p.sub { "Session folder " b { (shown(&r.session)) } " · times are local (" (clock.zone_text()) ")" }
        div class=(if ok { "headline ok" } else { "headline bad" }) {
            (result_sentence(ok, &format!("all {verified} sealed segments of this session are present and byte for byte as sealed, and its log verifies against the court's signed checkpoint."), &r.findings))
        }
        h2 { "What was checked" }
        table.facts {
            (case_rows(case, clock))
            tr { td { "Log origin" } td { (shown(r.origin.as_deref().unwrap_or("(no log)"))) } }
            tr { td { "Log" } td { (r.entries) " entries, " (r.verified_size) " covered by a trusted checkpoint; " (r.events.len()) " operator events; " (r.heartbeats) " heartbeats; "
                (r.closed_at.as_deref().map(|c| format!("closed {}", clock.local_text(c))).unwrap_or_else(|| "not closed".into())) } }
        }
        table.segments {
            thead { tr { th { "Segment" } th { "Recorded (local)" } th { "Size" } th { "SHA-256" } th { "Result" } } }
            tbody {
                @for s in &r.segments {
                    @let e = sealed.iter().find(|e| e.name == s.name);
                    tr.segment-row {
                        td { (document::name_cell(&s.name)) }
                        td { @if let Some((a, b)) = e.and_then(recording_time) { span.t { (clock.span(a, b)) } " " span.nw { "(" (duration((b - a).as_seconds_f64())) ")" } } }
                        td { (e.map(|e| document::bytes(e.size)).unwrap_or_default()) }
                        td { span.hash { (s.sealed_sha256.as_ref().or(s.found_sha256.as_ref()).map(|d| d.to_hex()).unwrap_or_default()) } }
                        td class=(if s.state == SegmentState::Ok { "ok-cell" } else { "bad-cell" }) { (format!("{:?}", s.state).to_lowercase()) }
                    }
                }
            }
        }
        h2 { "Against what" }
        table.facts {
            @if let Some(c) = last {
                tr { td { "Checkpoint" } td { (shown(&c.file)) ", " (c.size.unwrap_or(0)) " entries, root " span.hash { (c.root.as_deref().unwrap_or("")) } } }
                tr { td { "Signed by" } td { @for (i, s) in c.signed_by.iter().enumerate() { @if i > 0 { ", " } (document::key_words(s)) } } }
                (outside_rows(&r.outside_times, c.size.unwrap_or(0), &format!("The log's first {} entries", c.size.unwrap_or(0)), clock))
            } @else {
                tr { td { "Checkpoint" } td.bad-cell { "no checkpoint verifies with the trusted keys" } }
            }
            tr { td { "Trusted keys" } td { @for (i, (role, v)) in trust.entries().iter().enumerate() { @if i > 0 { "; " } (role.to_string()) " " (shown(v.name())) " (key ID " (format!("{:08x}", v.key_id())) ")" } } }
        }
        (findings_table(&r.findings, clock))
        (not_proven(false))
    };
    document::page(&title, body, colophon, clock)
}

/// The certificate for one downloaded file (`verify-file --html`).
pub fn file(
    r: &FileReport,
    size: Option<u64>,
    trust: &TrustStore,
    colophon: &Colophon<'_>,
) -> String {
    let rec_time = r.entry.as_ref().and_then(recording_time);
    let clock = &Clock::choose(colophon.zone, rec_time.map(|(a, _)| a));
    let ok = !crate::finding::has_errors(&r.findings) && r.entry.is_some();
    let name = std::path::Path::new(&r.file)
        .file_name()
        .map_or_else(|| r.file.clone(), |n| n.to_string_lossy().into_owned());
    let title = format!("Certificate of verification: {name}");
    let sealed_name = r.entry.as_ref().map(|e| shown(&e.name)).unwrap_or_default();
    let origin = shown(r.origin.as_deref().unwrap_or("?"));
    // Say exactly what holds: an excerpt is a stretch of the recording, and
    // a file whose packets are the sealed ones in a rewritten container is
    // not byte for byte the sealed file.
    let bytes_match = r
        .entry
        .as_ref()
        .is_some_and(|e| r.sha256.as_deref() == Some(e.sha256.to_hex().as_str()));
    let what = match &r.excerpt {
        Some(x) => format!(
            "this file is an excerpt, not the whole recording: {} of the recording sealed into the court's log {origin}, every packet as sealed.",
            shown(&x.describe())
        ),
        None if bytes_match => format!(
            "this file is byte for byte the recording {sealed_name} sealed into the court's log {origin}."
        ),
        None => format!(
            "every packet of this file is one of the recording {sealed_name} sealed into the court's log {origin}, but the file is not byte for byte the sealed one (its container was rewritten)."
        ),
    };
    let body = html! {
        h1 { "Certificate of verification of a court recording" }
        p.sub { "File " b { (shown(&name)) } " · times in " (clock.zone_text()) }
        div class=(if ok { "headline ok" } else { "headline bad" }) {
            (result_sentence(ok, &what, &r.findings))
        }
        h2 { "What was checked" }
        table.facts {
            tr { td { "File" } td { (shown(&r.file)) } }
            tr { td { "Size" } td { (size.map(document::bytes).unwrap_or_default()) } }
            tr { td { "SHA-256 (as found)" } td { span.hash { (r.sha256.as_deref().unwrap_or("")) } } }
            @if let Some(e) = &r.entry {
                tr { td { "Sealed as" } td { (shown(&e.name)) ", " (document::bytes(e.size)) ", SHA-256 " span.hash { (e.sha256.to_hex()) } } }
                tr { td { "Sealed at" } td { span.t { (clock.local_text(&e.sealed_at)) } } }
                tr { td { "Recorded" } td { @if let Some((a, b)) = rec_time { span.t { (clock.local(a)) } " to " span.t { (clock.local(b)) } " (" (duration((b - a).as_seconds_f64())) ", as the file declares)" } @else { "the file declares no start time" } } }
            }
            tr { td { "Case, court" } td { "Not part of a single-file proof: the log origin below names the court's log; the case is in that session's short-form record." } }
        }
        h2 { "Against what" }
        table.facts {
            tr { td { "Proof" } td { (shown(&r.proof)) } }
            tr { td { "Log origin" } td { (shown(r.origin.as_deref().unwrap_or("?"))) } }
            tr { td { "Checkpoint" } td { (r.tree_size.map(|n| format!("{n} entries")).unwrap_or_default()) } }
            tr { td { "Signed by" } td { @if r.signed_by.is_empty() { span.bad-cell { "no trusted key" } } @for (i, s) in r.signed_by.iter().enumerate() { @if i > 0 { ", " } (document::key_words(s)) } } }
            @if r.entry.is_some() && !r.signed_by.is_empty() { (outside_rows(&r.outside_times, 0, "The sealed recording", clock)) }
            tr { td { "Trusted keys" } td { @for (i, (role, v)) in trust.entries().iter().enumerate() { @if i > 0 { "; " } (role.to_string()) " " (shown(v.name())) " (key ID " (format!("{:08x}", v.key_id())) ")" } } }
        }
        (findings_table(&r.findings, clock))
        (not_proven(true))
    };
    document::page(&title, body, colophon, clock)
}
