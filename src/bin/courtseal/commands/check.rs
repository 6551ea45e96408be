//! `courtseal check`: a session against its short-form record.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};

use courtseal::record::{sealed, ShortFormRecord};
use courtseal::timeline::{self, CheckOptions};
use courtseal::verify::{self, VerifyOptions};

use super::{load_trust, read_small_text, write_document, Done, Named};
use crate::config::{CheckConfig, RECORD_BYTES, YEARS};
use crate::exit;
use crate::output::{json, text};

/// Checks the session's timeline against its record (the sealed record in
/// force when there is one, else the record file), and writes the HTML
/// report when asked.
pub fn run(c: &CheckConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    // The record file: the one named, or the session's own (if any).
    let file: Option<(PathBuf, String, String)> = match &c.record {
        Some(p) => {
            let text = read_small_text(p, Named::ByUser, "short-form record", RECORD_BYTES)?;
            Some((p.clone(), p.display().to_string(), text))
        }
        None => courtseal::store::layout::read_record(&c.session)
            .map_err(|e| {
                anyhow!(
                    "{}: cannot read the short-form record: {e}",
                    c.session.display()
                )
            })?
            .map(|(p, text)| {
                let name = p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                (p, name, text)
            }),
    };
    let verified = verify::verify(&c.session, &trust, VerifyOptions::default())?;
    let sealed = sealed::sealed_records(&verified.log, verified.report.verified_size, &trust);
    let to_check = sealed::record_to_check(
        &sealed,
        file.as_ref().map(|(_, name, text)| (name.as_str(), text.as_str())),
    )
    .map_err(|e| match e {
        sealed::NoRecord::None => anyhow!(
            "{}: no short-form record is sealed in its log and it has no record.toml or record.json; give one with --record",
            c.session.display()
        ),
        other => anyhow!("{other}"),
    })?;
    crate::output::text::set_session_zone(
        to_check
            .record
            .time_zone
            .as_deref()
            .and_then(|z| courtseal::zone::CourtZone::new(z).ok()),
    );
    if let (sealed::RecordSource::File { .. }, Some((path, _, _))) = (&to_check.source, &file) {
        record_in_range(path, &to_check.record)?;
    }
    let opts = CheckOptions {
        tolerance: c.tolerance.duration(),
        ..Default::default()
    };
    let mut r = timeline::check(&verified, &to_check.record, &opts);
    r.findings.splice(0..0, to_check.findings);
    if let Some(html) = &c.html {
        let record = record_used(
            &to_check.source,
            &sealed,
            file.as_ref().map(|(_, _, t)| t.as_str()),
        );
        let named_zone = crate::output::text::named_zone();
        let ctx = courtseal::report::ReportContext {
            colophon: courtseal::document::Colophon {
                version: env!("CARGO_PKG_VERSION"),
                command: &c.command_line,
                made_at: time::OffsetDateTime::now_utc(),
                zone: named_zone.as_ref(),
            },
            record,
            sealed_segments: courtseal::report::sealed_segments(&verified),
        };
        let page = courtseal::report::html(&r, &trust, &ctx);
        write_document(html, page.as_bytes())?;
    }
    let out = if c.json {
        json::check(&r, &to_check.source)?
    } else {
        text::check_text(&r, &to_check.source)
    };
    Ok(Done::new(out, exit::for_findings(&r.all_findings())))
}

/// The record relied on, as the report states it: sealed (with its
/// revision, line and signer) or an unsigned file, and its SHA-256.
fn record_used(
    source: &sealed::RecordSource,
    sealed_records: &sealed::SealedRecords,
    file_text: Option<&str>,
) -> courtseal::report::RecordUsed {
    match source {
        sealed::RecordSource::Sealed { line, revision } => {
            let status = sealed_records.statuses.iter().find(|s| s.line == *line);
            courtseal::report::RecordUsed {
                sealed: true,
                described: format!(
                    "record revision {revision}, log line {line}{}",
                    status
                        .map(|s| format!(", signed by operator {} at {}", s.operator, s.sealed_at))
                        .unwrap_or_default()
                ),
                sha256: status.map(|s| s.sha256.to_hex()).unwrap_or_default(),
            }
        }
        sealed::RecordSource::File { file } => courtseal::report::RecordUsed {
            sealed: false,
            described: format!("{file}: a record file nobody signed into the log"),
            sha256: courtseal::digest::Sha256Digest::of(file_text.unwrap_or("").as_bytes())
                .to_hex(),
        },
    }
}

/// Refuses a record with a time outside the years courtseal handles, whose
/// arithmetic would leave the calendar.
fn record_in_range(path: &std::path::Path, r: &ShortFormRecord) -> Result<()> {
    let mut times = vec![("start", r.start), ("end", r.end)];
    times.extend(
        r.breaks
            .iter()
            .flat_map(|b| [("break from", b.from), ("break to", b.to)]),
    );
    times.extend(
        r.failures
            .iter()
            .flat_map(|f| [("failure from", f.from), ("failure to", f.to)]),
    );
    for (what, t) in times {
        let utc = t.checked_to_offset(time::UtcOffset::UTC);
        if !(YEARS.contains(&t.year()) && utc.is_some_and(|u| YEARS.contains(&u.year()))) {
            bail!(
                "{}: the {what} time {} is outside the years {} to {} that courtseal handles",
                path.display(),
                t.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                YEARS.start(),
                YEARS.end()
            );
        }
    }
    Ok(())
}
