//! Results as text, for people.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::OnceLock;

use courtseal::time::UtcTime;
use courtseal::zone::CourtZone;

use courtseal::finding::{Finding, Severity};
use courtseal::note::{NoteSigner, Verifier};
use courtseal::proof::FileReport;
use courtseal::session::SealOutcome;
use courtseal::verify::{SegmentState, SessionReport};

static ZONE_OVERRIDE: OnceLock<CourtZone> = OnceLock::new();
static ZONE: OnceLock<CourtZone> = OnceLock::new();

/// The zone `--tz` named: it wins over any record's.
pub fn set_zone_override(z: CourtZone) {
    let _ = ZONE_OVERRIDE.set(z);
}

/// The zone of the session at hand (its record's `time_zone`), used unless
/// `--tz` named one. The first call wins.
pub fn set_session_zone(z: Option<CourtZone>) {
    if let Some(z) = z {
        let _ = ZONE.set(z);
    }
}

static FROM_BUNDLE: OnceLock<bool> = OnceLock::new();

/// The zone named by a proof bundle's checked record part, used unless
/// `--tz` named one; the header then says the times are local, with the
/// offset.
pub fn set_bundle_zone(z: Option<CourtZone>) {
    if let Some(z) = z {
        if ZONE.set(z).is_ok() {
            let _ = FROM_BUNDLE.set(true);
        }
    }
}

/// The zone `--tz` or the session's record named, if any.
pub fn named_zone() -> Option<CourtZone> {
    ZONE_OVERRIDE.get().or_else(|| ZONE.get()).cloned()
}

/// The zone times are shown in: `--tz`, else the session's, else UTC.
pub fn zone() -> CourtZone {
    ZONE_OVERRIDE
        .get()
        .or_else(|| ZONE.get())
        .cloned()
        .unwrap_or_else(CourtZone::utc)
}

/// A log time (UTC, RFC 3339) as the court's clock showed it, with its
/// offset; text that is not a time is shown as it is.
pub fn local(s: &str) -> String {
    match UtcTime::parse(s) {
        Ok(t) => zone().local(t),
        Err(_) => s.to_owned(),
    }
}

fn local_odt(t: time::OffsetDateTime) -> String {
    zone().local(UtcTime::from(t))
}

/// Which zone the times of a report are shown in, for its header.
fn zone_label() -> String {
    let z = zone();
    if ZONE_OVERRIDE.get().is_none() && ZONE.get().is_none() {
        "shown in UTC (no court time zone named: --tz ZONE, or time_zone in the record)".to_owned()
    } else {
        format!(
            "shown in {}, the court's time zone; the log keeps UTC",
            z.name()
        )
    }
}

/// [`zone_label`] for `verify-file`: with `--tz`, or a bundle whose record
/// part names no zone or none that checks, as for a session; with the
/// zone of the bundle's sealed record, "times are local (ZONE, +HH:MM)"
/// at the sealed segment's time.
fn file_zone_label(r: &FileReport) -> String {
    let (Some(rec), None, Some(true)) = (&r.record, ZONE_OVERRIDE.get(), FROM_BUNDLE.get()) else {
        if ZONE_OVERRIDE.get().is_none() && ZONE.get().is_none() {
            return if r.record.is_some() {
                "shown in UTC (the bundle's sealed record names no court time zone: --tz ZONE)"
                    .to_owned()
            } else {
                "shown in UTC (the proof carries no sealed record naming the court's time zone: --tz ZONE)"
                    .to_owned()
            };
        }
        return zone_label();
    };
    let z = zone();
    let at = r
        .entry
        .as_ref()
        .and_then(|e| UtcTime::parse(&e.sealed_at).ok())
        .or_else(|| UtcTime::parse(&rec.sealed_at).ok())
        .unwrap_or_else(UtcTime::now);
    format!(
        "times are local ({}, {}): the court's time zone, named by the sealed record (revision {}, log line {}) in the bundle; the log keeps UTC",
        z.name(),
        courtseal::zone::format_offset(z.offset_seconds(at)),
        rec.revision,
        rec.line
    )
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

pub(super) fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let n = |s| findings.iter().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

/// `name (keyid)` for a verifier key line.
fn signer_label(vkey: &str) -> String {
    match Verifier::from_vkey(vkey) {
        Ok(v) => format!("{} ({:08x})", v.name(), v.key_id()),
        Err(_) => vkey.to_owned(),
    }
}

fn findings_text(out: &mut String, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nFindings");
    let width = findings
        .iter()
        .map(|f| f.code.as_str().len())
        .max()
        .unwrap_or(0);
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in sorted {
        let _ = writeln!(
            out,
            "  {:<7} {:<width$}  {}: {}",
            f.severity.as_str(),
            f.code,
            f.location,
            f.message
        );
    }
}

fn result_line(out: &mut String, findings: &[Finding], ok_text: &str) {
    result_line_as(out, findings, "VERIFIED", ok_text)
}

/// The Result line of a command that checks recording files: three levels,
/// never confused. BYTES VERIFIED (every file byte-identical to the sealed
/// one), CONTENT VERIFIED, FILE REWRITTEN (no error, but some file matches
/// only packet for packet), or NOT VERIFIED.
fn result_line_levels(out: &mut String, findings: &[Finding], rewritten: bool, ok_text: &str) {
    let level = if rewritten {
        "CONTENT VERIFIED, FILE REWRITTEN"
    } else {
        "BYTES VERIFIED"
    };
    result_line_as(out, findings, level, ok_text)
}

fn result_line_as(out: &mut String, findings: &[Finding], level: &str, ok_text: &str) {
    let (e, w, _) = counts(findings);
    if e == 0 {
        let _ = writeln!(out, "\nResult: {level}. {ok_text}");
        if w > 0 {
            let _ = writeln!(
                out,
                "        ({w} warning{} above: worth a look, not a failure)",
                if w == 1 { "" } else { "s" }
            );
        }
    } else {
        let _ = writeln!(
            out,
            "\nResult: NOT VERIFIED. {e} error{}, {w} warning{}.",
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" }
        );
    }
}

pub fn seal_text(session: &Path, o: &SealOutcome, signer: &NoteSigner) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Session  {}", session.display());
    if o.created {
        let _ = writeln!(out, "Log      created (courtseal/log.jsonl)");
    }
    for s in &o.sealed {
        let _ = writeln!(
            out,
            "  sealed  #{:<4} {}  {} bytes  sha256 {}",
            s.seq,
            s.name,
            s.size,
            &s.sha256.to_hex()[..16]
        );
        if let Some(m) = &s.media {
            for ob in &m.observations {
                let _ = writeln!(out, "          observed: {}", observation_text(ob));
            }
        }
    }
    findings_text(&mut out, &o.skipped);
    match &o.checkpoint {
        Some(cp) => {
            let _ = writeln!(
                out,
                "Checkpoint signed by {} ({:08x}): {} entries, courtseal/checkpoints/{}",
                signer.name(),
                signer.verifier().key_id(),
                cp.size,
                cp.size
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Nothing new to seal: the log already holds every segment ({} entries).",
                o.size
            );
        }
    }
    out
}

pub fn verify_text(r: &SessionReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Session      {}", r.session);
    let _ = writeln!(out, "Times        {}", zone_label());
    if r.bag {
        let _ = writeln!(
            out,
            "Bag          BagIt bag, manifests checked; the recording is under data/"
        );
    }
    if let Some(o) = &r.origin {
        let _ = writeln!(out, "Origin       {o}");
    }
    let _ = writeln!(
        out,
        "Log          {} entries, {} covered by a trusted checkpoint",
        r.entries, r.verified_size
    );
    let good: Vec<_> = r.checkpoints.iter().filter(|c| c.ok).collect();
    let mut signers: Vec<String> = good
        .iter()
        .flat_map(|c| c.signed_by.iter().map(|s| signer_label(s)))
        .collect();
    signers.sort();
    signers.dedup();
    let kept = r.checkpoints.iter().filter(|c| !c.latest).count();
    let kept_ok = good.iter().filter(|c| !c.latest).count();
    let latest_ok = if good.iter().any(|c| c.latest) {
        "verified"
    } else {
        "NOT verified"
    };
    let _ = writeln!(
        out,
        "Checkpoints  latest {latest_ok}; {kept_ok} of {kept} kept checkpoints verified{}",
        if signers.is_empty() {
            String::new()
        } else {
            format!("; signed by {}", signers.join(", "))
        }
    );
    for c in r.checkpoints.iter().filter(|c| !c.ok) {
        let _ = writeln!(out, "  FAILED     {}", c.file);
    }
    outside_times_text(&mut out, &r.outside_times);
    if let Some(st) = &r.since {
        let line = match (st.consistent, st.size) {
            (true, Some(n)) => format!(
                "{}: the log still holds its {n} entries unchanged and only adds to them",
                st.file
            ),
            (false, Some(n)) => format!(
                "{}: NOT EXTENDED: the log no longer holds its {n} entries as they were signed",
                st.file
            ),
            (_, None) => format!(
                "{}: NOT CHECKED: not a trusted checkpoint of this court",
                st.file
            ),
        };
        let _ = writeln!(out, "Since        {line}");
    }
    if !r.segments.is_empty() {
        let _ = writeln!(out, "Segments");
        let width = r.segments.iter().map(|s| s.name.len()).max().unwrap_or(0);
        for s in &r.segments {
            let state = match s.state {
                SegmentState::Ok => "OK",
                SegmentState::Changed => "CHANGED",
                SegmentState::Missing => "MISSING",
                SegmentState::Moved => "MOVED",
                SegmentState::Unsealed => "UNSEALED",
                SegmentState::Unreadable => "UNREADABLE",
                SegmentState::Retired => "RETIRED (media destroyed at the end of retention)",
                SegmentState::Rewritten => {
                    "CONTENT VERIFIED, FILE REWRITTEN (every packet intact, bytes differ)"
                }
                SegmentState::NotEvidence => "not part of the evidence (OS or editor file)",
                SegmentState::Unchecked => "not checked (--log-only)",
            };
            let _ = writeln!(out, "  {:<width$}  {state}", s.name);
        }
    }
    if !r.events.is_empty() {
        let _ = writeln!(out, "Operator events (as sealed)");
        for e in &r.events {
            let _ = writeln!(
                out,
                "  sealed {}  {:<11} by {}{}  stated time {}: {}",
                local(&e.sealed_at),
                e.event,
                e.operator,
                if !e.ok {
                    if r.findings.iter().any(|f| {
                        f.code == courtseal::finding::Code::EventSignerNotConfirmed
                            && f.location.line_of_log() == Some(e.line)
                    }) {
                        " (signer not confirmed)"
                    } else {
                        " (NOT VERIFIED)"
                    }
                } else if !e.sealed {
                    " (not covered by a trusted checkpoint: counts for nothing)"
                } else {
                    ""
                },
                local(&e.at),
                e.reason
            );
        }
    }
    if !r.records.is_empty() {
        use courtseal::record::sealed::SealedRecordState as S;
        let _ = writeln!(out, "Short-form records (as sealed)");
        for rec in &r.records {
            let state = match rec.state {
                S::InForce => "IN FORCE",
                S::Superseded => "superseded by a later revision",
                S::Unproven => "NOT COUNTED (no trusted checkpoint covers it)",
                S::Invalid => "NOT VERIFIED",
                S::Untrusted => "NOT VERIFIED (signer not trusted as an operator)",
                S::OutOfOrder => "NOT USED (revision out of order: a replay)",
            };
            let _ = writeln!(
                out,
                "  line {}  revision {}  sealed {}  by {}  SHA-256 {}  verdict in force {}  {state}",
                rec.line,
                rec.revision,
                local(&rec.sealed_at),
                rec.operator,
                rec.sha256.short(),
                rec.verdict_in_force.as_deref().unwrap_or("not given"),
            );
        }
    }
    if r.heartbeats > 0 || r.closed_at.is_some() {
        let _ = writeln!(
            out,
            "Service      {} heartbeat{}; {}",
            r.heartbeats,
            if r.heartbeats == 1 { "" } else { "s" },
            r.closed_at
                .as_deref()
                .map_or("session not closed".to_owned(), |c| format!(
                    "closed at {}",
                    local(c)
                ))
        );
    }
    if !r.observations.is_empty() {
        let _ = writeln!(out, "Observations (not verdicts)");
        for o in &r.observations {
            let _ = writeln!(out, "  {}  {}", o.segment, observation_text(&o.observation));
        }
    }
    findings_text(&mut out, &r.findings);
    outside_times_text(&mut out, &r.outside_times);
    let rewritten = r
        .segments
        .iter()
        .filter(|s| s.state == SegmentState::Rewritten)
        .count();
    let n = r
        .segments
        .iter()
        .filter(|s| matches!(s.state, SegmentState::Ok | SegmentState::Rewritten))
        .count();
    let retired = r
        .segments
        .iter()
        .filter(|s| s.state == SegmentState::Retired)
        .count();
    let ok = if retired > 0 && n == 0 {
        format!(
            "The media of all {retired} sealed segments were destroyed under a signed retirement entry; the log is consistent with {}.",
            plural(kept_ok, "signed checkpoint")
        )
    } else if r
        .segments
        .iter()
        .any(|s| s.state == SegmentState::Unchecked)
    {
        format!(
            "The log is intact and consistent with {} (segment files not checked).",
            plural(kept_ok, "signed checkpoint")
        )
    } else if rewritten > 0 {
        format!(
            "All {n} sealed segments are present; {} byte-identical, {rewritten} only content-identical: every audio/video packet and its timing is the sealed one, but the file was rewritten (a remux), so its bytes are not the sealed bytes (use --strict to accept only byte-identical files). The log is consistent with {}.",
            n - rewritten,
            plural(kept_ok, "signed checkpoint")
        )
    } else {
        format!(
            "All {n} sealed segments are present and byte-identical to the sealed ones, and the log is consistent with {}.",
            plural(kept_ok, "signed checkpoint")
        )
    };
    result_line_levels(&mut out, &r.findings, rewritten > 0, &ok);
    out
}

pub fn file_text(r: &FileReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "File         {}", r.file);
    let _ = writeln!(out, "Times        {}", file_zone_label(r));
    let _ = writeln!(out, "Proof        {}", r.proof);
    if let Some(o) = &r.origin {
        let _ = writeln!(
            out,
            "Log          {o}, {} entries",
            r.tree_size.unwrap_or(0)
        );
    }
    if !r.signed_by.is_empty() {
        let labels: Vec<String> = r.signed_by.iter().map(|s| signer_label(s)).collect();
        let _ = writeln!(out, "Signed by    {}", labels.join(", "));
    }
    if let Some(e) = &r.entry {
        let _ = writeln!(
            out,
            "Sealed as    {} (segment #{}, {} bytes, sealed {})",
            e.name,
            e.seq,
            e.size,
            local(&e.sealed_at)
        );
    }
    if let Some(h) = &r.sha256 {
        let _ = writeln!(out, "SHA-256      {h}");
    }
    findings_text(&mut out, &r.findings);
    outside_times_text(&mut out, &r.outside_times);
    let rewritten = r
        .findings
        .iter()
        .any(|f| f.code == "segment.container_rewritten");
    if let Some(x) = &r.excerpt {
        let label = if counts(&r.findings).0 == 0 {
            "Stretch     "
        } else {
            "Proof is for"
        };
        let _ = writeln!(out, "{label} {}", x.describe());
    }
    let ok = match (&r.entry, &r.excerpt) {
        (Some(e), Some(x)) => format!(
            "Every audio/video packet of this file is that of segment {} sealed in the signed log, from {} to {}{}, one continuous stretch with nothing added or left out; the rest of the recording is not disclosed and not checked.",
            e.name,
            courtseal::windows::clock(x.from),
            courtseal::windows::clock(x.to),
            match (&x.wall_from, &x.wall_to) {
                (Some(a), Some(b)) => format!(" ({a} to {b})"),
                _ => String::new(),
            }
        ),
        (Some(e), None) if rewritten => format!(
            "Every audio/video packet of this file, and its timing, is that of segment {} sealed in the signed log, but the file was rewritten (a remux): its bytes are not the sealed bytes (use --strict to accept only a byte-identical file).",
            e.name
        ),
        (Some(e), None) => format!("This file is byte-for-byte the segment {} sealed in the signed log.", e.name),
        (None, _) => String::new(),
    };
    if r.excerpt.is_some() {
        result_line_as(&mut out, &r.findings, "EXCERPT VERIFIED", &ok);
    } else {
        result_line_levels(&mut out, &r.findings, rewritten, &ok);
    }
    out
}

fn observation_text(o: &courtseal::media::Observation) -> String {
    use courtseal::windows::clock;
    match o.code.as_str() {
        "media.silence" if o.digital == Some(true) => format!(
            "stream {}: digital silence (every sample zero) from {} to {} ({:.1} s)",
            o.stream,
            clock(o.from),
            clock(o.to),
            o.to - o.from
        ),
        "media.silence" => format!(
            "stream {}: near-silence from {} to {} ({:.1} s, below {} dBFS)",
            o.stream,
            clock(o.from),
            clock(o.to),
            o.to - o.from,
            o.threshold_db.unwrap_or(f64::NAN)
        ),
        "media.internal_gap" => format!(
            "stream {}: timestamps jump forward {:.3} s at {} (nothing recorded from {} to {})",
            o.stream,
            o.to - o.from,
            clock(o.from),
            clock(o.from),
            clock(o.to)
        ),
        "media.timestamp_reversal" => format!(
            "stream {}: timestamps go back {:.3} s at {}",
            o.stream,
            o.to - o.from,
            clock(o.to)
        ),
        other => format!(
            "stream {}: {other} {}-{}",
            o.stream,
            clock(o.from),
            clock(o.to)
        ),
    }
}

pub fn inspect_text(file: &Path, a: &courtseal::media::MediaAnalysis) -> String {
    let f = &a.facts;
    let mut out = String::new();
    let _ = writeln!(out, "File            {}", file.display());
    let _ = writeln!(
        out,
        "Container       {}",
        f.container.as_deref().unwrap_or("?")
    );
    if let Some(d) = f.duration {
        let _ = writeln!(
            out,
            "Duration        {} ({d:.3} s)",
            courtseal::windows::clock(d)
        );
    }
    let _ = writeln!(
        out,
        "Declared start  {}",
        f.declared_start.as_deref().unwrap_or("none in the file")
    );
    for s in &f.streams {
        let detail = match s.kind.as_str() {
            "audio" => format!(
                "{} Hz, {} channel(s)",
                s.sample_rate.unwrap_or(0),
                s.channels.unwrap_or(0)
            ),
            "video" => format!(
                "{}x{}, {} fps",
                s.width.unwrap_or(0),
                s.height.unwrap_or(0),
                s.frame_rate.as_deref().unwrap_or("?")
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "Stream {}        {} {} {}; {} packets, {:.3}-{:.3} s",
            s.index,
            s.kind,
            s.codec,
            detail,
            s.packets,
            s.first.unwrap_or(0.0),
            s.last.unwrap_or(0.0)
        );
    }
    let _ = writeln!(
        out,
        "Packet windows  {} of {} s",
        a.windows.len(),
        a.header.seconds
    );
    if f.observations.is_empty() {
        let _ = writeln!(out, "Observations    none");
    } else {
        let _ = writeln!(out, "Observations (not verdicts)");
        for o in &f.observations {
            let _ = writeln!(out, "  {:<26} {}", o.code, observation_text(o));
        }
    }
    out
}

pub fn watch_line(ev: &courtseal::watch::WatchEvent) -> String {
    use courtseal::watch::WatchEvent as W;
    let now = zone().local(UtcTime::now());
    let what = match ev {
        W::Opened => "session opened: sealing service started".to_owned(),
        W::Restarted { last_seen } => {
            format!(
                "service restarted: nothing was sealed between {} and now",
                local(last_seen)
            )
        }
        W::Sealed(s) => format!("sealed #{} {} ({} bytes)", s.seq, s.name, s.size),
        W::Finding(f) => format!("{} {}: {}", f.code, f.location, f.message),
        W::Event(e) => format!("event {} at {}: {}", e.event, local(&e.at), e.reason),
        W::RefusedEvent { file, why } => format!("refused event {}: {why}", file.display()),
        W::Heartbeat(_) => "heartbeat".to_owned(),
        W::Checkpoint(c) => format!("checkpoint {} entries", c.size),
        W::Closed { reason } => format!("session closed ({reason})"),
    };
    format!("{now}  {what}\n")
}

pub fn series_text(r: &courtseal::series::SeriesReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Series  {}", r.folder);
    for s in &r.sessions {
        let link = match (&s.previous, &s.previous_folder) {
            (None, _) => "first in its chain".to_owned(),
            (Some(_), Some(p)) => format!("follows {p}"),
            (Some(_), None) => "BROKEN: its previous session is missing".to_owned(),
        };
        let _ = writeln!(
            out,
            "  {}  opened {}  {}",
            s.folder,
            local(&s.opened_at),
            link
        );
    }
    findings_text(&mut out, &r.findings);
    result_line(
        &mut out,
        &r.findings,
        &format!(
            "The chain of {} is unbroken.",
            plural(r.sessions.len(), "session")
        ),
    );
    out
}

/// `verify`'s text without its result line, for a command (check,
/// compare) that builds on the verification and ends with its own result.
fn verify_text_before_result(v: &SessionReport) -> String {
    let mut out = verify_text(v);
    if let Some(i) = out.rfind("\nResult: ") {
        out.truncate(i);
        out.push('\n');
    }
    out
}

/// One timeline line: `  FROM to TO  WHAT`, both times on the court's clock.
fn span_line(out: &mut String, from: time::OffsetDateTime, to: time::OffsetDateTime, what: &str) {
    let _ = writeln!(out, "  {} to {}  {what}", local_odt(from), local_odt(to));
}

pub fn check_text(
    r: &courtseal::timeline::CheckReport,
    source: &courtseal::record::sealed::RecordSource,
) -> String {
    let mut out = verify_text_before_result(&r.verify);
    let rec = &r.record;
    let t = local_odt;
    let from = match source {
        courtseal::record::sealed::RecordSource::Sealed { line, revision } => {
            format!("sealed record, revision {revision}, log line {line}")
        }
        courtseal::record::sealed::RecordSource::File { file } => {
            format!("{file}, NOT SEALED")
        }
    };
    let _ = writeln!(
        out,
        "\nShort-form record  case {} ({}), {} to {}  [{from}]",
        rec.case,
        rec.court,
        t(rec.start),
        t(rec.end)
    );
    let _ = writeln!(out, "Timeline (wall clock)");
    for s in &r.segments {
        let why = if s.placed_by == "declared start" {
            String::new()
        } else {
            format!(": {}", s.why)
        };
        let what = format!("{}  (placed by {}{why})", s.name, s.placed_by);
        span_line(&mut out, s.span.from, s.span.to, &what);
    }
    for b in &rec.breaks {
        span_line(&mut out, b.from, b.to, &format!("declared {}", b.kind));
    }
    for f in &rec.failures {
        span_line(
            &mut out,
            f.from,
            f.to,
            &format!("declared failure: {}", f.reason),
        );
    }
    for g in &r.gaps {
        let secs = (g.to - g.from).as_seconds_f64();
        span_line(
            &mut out,
            g.from,
            g.to,
            &format!("NOT COVERED ({secs:.1} s)"),
        );
    }
    for u in &r.unannounced {
        let secs = (u.to - u.from).as_seconds_f64();
        let what = format!(
            "NOT RECORDED, declared in the record but not announced at the time ({secs:.1} s)"
        );
        span_line(&mut out, u.from, u.to, &what);
    }
    findings_text(&mut out, &r.findings);
    let all = r.all_findings();
    result_line(
        &mut out,
        &all,
        "Every second of the declared session is covered by sealed recording or by declared breaks and failures sealed at the time.",
    );
    if !r.unannounced.is_empty() {
        let secs: f64 = r
            .unannounced
            .iter()
            .map(|u| (u.to - u.from).as_seconds_f64())
            .sum();
        let _ = writeln!(
            out,
            "        Not every second is accounted for: {} without recording ({secs:.1} s) {} covered only by a break or failure in the record that no operator event announced at the time.",
            plural(r.unannounced.len(), "stretch"),
            if r.unannounced.len() == 1 { "is" } else { "are" }
        );
    }
    out
}

pub fn audit_text(r: &courtseal::audit::AuditReport, due_within_days: i64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Archive  {}  (audit of {}, retention {}y{}m{}d)",
        r.archive, r.date, r.retention.years, r.retention.months, r.retention.days
    );
    let width = r
        .sessions
        .iter()
        .map(|s| s.session.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        out,
        "  {:<width$}  {:<10} {:>8}  {:<9} {:<10}  problems",
        "session", "status", "segments", "retention", "deadline"
    );
    for s in &r.sessions {
        let problems = s
            .findings
            .iter()
            .filter(|f| f.severity == courtseal::finding::Severity::Error)
            .count();
        let _ = writeln!(
            out,
            "  {:<width$}  {:<10} {:>8}  {:<9} {:<10}  {}",
            s.session,
            s.status,
            s.segments,
            format!("{:?}", s.retention).to_lowercase(),
            s.deadline.as_deref().unwrap_or("-"),
            if problems == 0 {
                "-".to_owned()
            } else {
                format!(
                    "{problems} error(s): {}",
                    s.findings
                        .iter()
                        .filter(|f| f.severity == courtseal::finding::Severity::Error)
                        .map(|f| f.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
    for f in &r.findings {
        let _ = writeln!(out, "  {} {}: {}", f.code, f.location, f.message);
    }
    let due: Vec<&str> = r
        .sessions
        .iter()
        .filter(|s| {
            matches!(
                s.retention,
                courtseal::audit::RetentionState::Due
                    | courtseal::audit::RetentionState::Overdue
                    | courtseal::audit::RetentionState::Hold
            )
        })
        .map(|s| s.session.as_str())
        .collect();
    if due_within_days > 0 || !due.is_empty() {
        let _ = writeln!(
            out,
            "Due for a retention decision (within {due_within_days} days, or overdue): {}",
            if due.is_empty() {
                "none".to_owned()
            } else {
                due.join(", ")
            }
        );
    }
    for s in &r.resumed_sessions {
        let _ = writeln!(
            out,
            "  {}: taken from the interrupted run of this audit (hashed at {}, unchanged since)",
            s.session,
            local(&s.hashed_at)
        );
    }
    if r.interrupted {
        let _ = writeln!(
            out,
            "INTERRUPTED: not every session was audited; go on with --resume"
        );
    }
    let _ = writeln!(
        out,
        "Summary: {}{}",
        courtseal::audit::summary(r),
        if r.resumed > 0 {
            format!(
                " ({} taken from the interrupted audit, unchanged)",
                r.resumed
            )
        } else {
            String::new()
        }
    );
    out
}

/// `--quiet`: one line for a failure and its errors, nothing when verified
/// (as `sha256sum -c --quiet`); `--status`: nothing at all.
pub fn quiet_text(what: &str, findings: &[Finding], q: crate::config::Quiet) -> String {
    let (e, _, _) = counts(findings);
    if q == crate::config::Quiet::Status || e == 0 {
        return String::new();
    }
    let mut out = format!("{what}: NOT VERIFIED ({})\n", plural(e, "error"));
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        let _ = writeln!(out, "  {}  {}: {}", f.code, f.location, f.message);
    }
    out
}

/// `compare`: the verification, then the alignment on the wall clock.
pub fn compare_text(v: &SessionReport, r: &courtseal::compare::CompareReport) -> String {
    let mut out = verify_text_before_result(v);
    let t = local_odt;
    let _ = writeln!(
        out,
        "\nIndependent recording against the official one ({})",
        courtseal::compare::NOTE
    );
    let _ = writeln!(out, "Official recording (wall clock)");
    for p in &r.official {
        span_line(&mut out, p.from, p.to, &p.name);
    }
    let _ = writeln!(out, "Independent recording");
    for f in &r.independent {
        let sealed = match &f.sealed {
            Some(s) => format!(
                "sealed by courtseal in {} (log line {}) at {}",
                s.session,
                s.line,
                local(&s.sealed_at)
            ),
            None => "not sealed by courtseal".to_owned(),
        };
        let _ = writeln!(out, "  {}  {:.1} s, {sealed}", f.name, f.seconds);
    }
    match (r.independent_start, r.drift_ppm) {
        (Some(s), Some(d)) => {
            let _ = writeln!(
                out,
                "Alignment  the independent recording's second 0 is {}; clock drift {d:+.0} ppm",
                t(s)
            );
        }
        _ => {
            let _ = writeln!(out, "Alignment  NOTHING MATCHES: the independent recording is not of this session, or cannot be compared");
        }
    }
    for m in &r.matched {
        let what = format!(
            "matched (independent {:.1}–{:.1} s), confidence {:.2}",
            m.independent_from, m.independent_to, m.confidence
        );
        span_line(&mut out, m.from, m.to, &what);
    }
    for m in &r.missing_from_official {
        let declared = if m.declared.is_empty() {
            "no break declared".to_owned()
        } else {
            format!("declared: {}", m.declared.join("; "))
        };
        let what = format!(
            "MISSING FROM THE OFFICIAL RECORDING ({:.1} s; independent {:.1}–{:.1} s); {declared}",
            m.seconds, m.independent_from, m.independent_to
        );
        span_line(&mut out, m.from, m.to, &what);
    }
    for m in &r.missing_from_independent {
        let what = format!("not in the independent recording ({:.1} s)", m.seconds);
        span_line(&mut out, m.from, m.to, &what);
    }
    for n in &r.not_compared {
        let _ = writeln!(
            out,
            "  independent {:.1}–{:.1} s  not compared ({})",
            n.independent_from,
            n.independent_to,
            n.reason.replace('_', " ")
        );
    }
    findings_text(&mut out, &r.findings);
    let mut all = v.findings.clone();
    all.extend(r.findings.iter().cloned());
    result_line(
        &mut out,
        &all,
        "The official recording holds everything the independent recording holds where both could be compared.",
    );
    out
}

fn outside_times_text(out: &mut String, times: &[courtseal::verify::timestamps::OutsideTime]) {
    let r_outside_times = times;
    if !r_outside_times.is_empty() {
        let _ = writeln!(*out, "Outside times (the court does not control them)");
        for o in r_outside_times {
            let who = match &o.source {
                courtseal::verify::timestamps::OutsideSource::Timestamp { tsa, file, .. } => {
                    format!("RFC 3161 timestamp by {tsa} ({file})")
                }
                courtseal::verify::timestamps::OutsideSource::Cosignature { witness, file } => {
                    format!("cosigned by witness {witness} ({file})")
                }
            };
            let _ = writeln!(
                *out,
                "  entries 1–{} existed by {}: {who}",
                o.size,
                local_odt(o.time)
            );
        }
    }
}
