//! `courtseal check`: a session against its short-form record.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};

use courtseal::record::ShortFormRecord;
use courtseal::timeline::{self, CheckOptions};

use super::{load_trust, read_small_text, write_new_file, Done, Named};
use crate::config::{CheckConfig, RECORD_BYTES, YEARS};
use crate::exit;
use crate::output::{json, text};

/// Checks the session's timeline against its record, and writes the HTML
/// report when asked.
pub fn run(c: &CheckConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let (record_path, named) = match &c.record {
        Some(p) => (p.clone(), Named::ByUser),
        None => (default_record(&c.session)?, Named::InSession),
    };
    let text = read_small_text(&record_path, named, "short-form record", RECORD_BYTES)?;
    let record = courtseal::record::parse(&text).map_err(|errs| {
        let list: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        anyhow!(
            "{}: not a valid short-form record: {}",
            record_path.display(),
            list.join("; ")
        )
    })?;
    record_in_range(&record_path, &record)?;
    let opts = CheckOptions {
        tolerance: c.tolerance.duration(),
        ..Default::default()
    };
    let r = timeline::check_session(&c.session, &record, &trust, &opts)?;
    if let Some(html) = &c.html {
        let page = courtseal::report::html(&r, &trust, &c.command_line, env!("CARGO_PKG_VERSION"));
        write_new_file(html, page.as_bytes())?;
    }
    let out = if c.json {
        json::check(&r)?
    } else {
        text::check_text(&r)
    };
    Ok(Done::new(out, exit::for_findings(&r.all_findings())))
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

/// The session's record, found by the library's one rule; when it has
/// none, the `record.toml` that is then reported missing.
fn default_record(session: &std::path::Path) -> Result<PathBuf> {
    Ok(courtseal::store::layout::record_file(session)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .unwrap_or_else(|| session.join("record.toml")))
}
