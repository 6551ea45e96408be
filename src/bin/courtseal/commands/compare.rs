//! `courtseal compare`: an independent recording against the sealed one.

use std::path::Path;

use anyhow::{anyhow, Result};

use courtseal::verify::{self, VerifyOptions};

use super::{load_trust, write_document, Done};
use crate::config::CompareConfig;
use crate::exit;
use crate::output::{json, text};

/// Verifies the session, then aligns the independent recording with its
/// sealed segments.
pub fn run(c: &CompareConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let verified = verify::verify(&c.session, &trust, VerifyOptions::default())?;
    // Times in the court's zone when the sealed record names one.
    let records = courtseal::record::sealed::sealed_records(
        &verified.log,
        verified.report.verified_size,
        &trust,
    );
    text::set_session_zone(
        records
            .in_force
            .and_then(|f| f.record.time_zone)
            .and_then(|z| courtseal::zone::CourtZone::new(&z).ok()),
    );
    let files: Vec<(String, &Path)> = c
        .recording
        .iter()
        .map(|p| (p.display().to_string(), p.as_path()))
        .collect();
    let sealed = c
        .recording
        .iter()
        .map(|p| courtseal::compare::sealed_where(p, c.independent_session.as_deref()))
        .collect();
    let r = courtseal::compare::compare(&c.session, &verified, &files, sealed, &text::zone())
        .map_err(|e| anyhow!("{}", e.0))?;
    if let Some(html) = &c.html {
        let segments = courtseal::report::sealed_segments(&verified);
        let official = r
            .official
            .iter()
            .filter_map(|p| segments.iter().rev().find(|e| e.name == p.name))
            .map(|e| courtseal::compare_report::FileFacts {
                name: e.name.clone(),
                sha256: e.sha256.to_hex(),
                size: e.size,
            })
            .collect();
        let independent = files
            .iter()
            .map(|(name, p)| file_facts(name, p))
            .collect::<Result<_>>()?;
        let named_zone = text::named_zone();
        let ctx = courtseal::compare_report::CompareContext {
            colophon: courtseal::document::Colophon {
                version: env!("CARGO_PKG_VERSION"),
                command: &c.command_line,
                made_at: time::OffsetDateTime::now_utc(),
                zone: named_zone.as_ref(),
            },
            official,
            independent,
        };
        let page = courtseal::compare_report::html(&verified.report, &r, &ctx);
        write_document(html, page.as_bytes())?;
    }
    let mut all = verified.report.findings.clone();
    all.extend(r.findings.iter().cloned());
    let out = if c.json {
        json::compare(&verified.report, &r)?
    } else {
        text::compare_text(&verified.report, &r)
    };
    Ok(Done::new(out, exit::for_findings(&all)))
}

/// The size and SHA-256 of an independent file, as the document lists it.
fn file_facts(name: &str, path: &Path) -> Result<courtseal::compare_report::FileFacts> {
    use sha2::{Digest as _, Sha256};
    let mut f = courtseal::store::layout::open_given(path, true)
        .map_err(|e| anyhow!("{name}: {e}"))?
        .file;
    let mut h = Sha256::new();
    let size = std::io::copy(&mut f, &mut h).map_err(|e| anyhow!("{name}: {e}"))?;
    Ok(courtseal::compare_report::FileFacts {
        name: name.to_owned(),
        sha256: hex::encode(h.finalize()),
        size,
    })
}
