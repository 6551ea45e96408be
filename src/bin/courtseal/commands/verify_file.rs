//! `courtseal verify-file`.

use anyhow::Result;

use courtseal::proof;

use super::{load_trust, write_document, Done};
use crate::config::Quiet;
use crate::config::VerifyFileConfig;
use crate::exit;
use crate::output::{json, text};

/// Verifies one downloaded segment with its proof; writes the certificate
/// of verification when asked.
pub fn run(c: &VerifyFileConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let r = proof::verify_file_with(
        &c.media,
        &c.proof,
        &trust,
        c.origin.as_ref().map(|o| o.as_str()),
        c.windows.as_deref(),
        c.strict,
    )?;
    // A version 3 bundle's checked record part names the court's zone
    // (`--tz` still wins).
    let zone = r
        .record
        .as_ref()
        .and_then(|rec| rec.time_zone.as_deref())
        .and_then(|z| courtseal::zone::CourtZone::new(z).ok());
    crate::output::text::set_bundle_zone(zone);
    if let Some(html) = &c.html {
        let size = std::fs::metadata(&c.media).ok().map(|m| m.len());
        let named_zone = crate::output::text::named_zone();
        let page = courtseal::certificate::file(
            &r,
            size,
            &trust,
            &courtseal::document::Colophon {
                version: env!("CARGO_PKG_VERSION"),
                command: &c.command_line,
                made_at: time::OffsetDateTime::now_utc(),
                zone: named_zone.as_ref(),
            },
        );
        write_document(html, page.as_bytes())?;
    }
    let out = if c.quiet != Quiet::No {
        text::quiet_text(&c.media.display().to_string(), &r.findings, c.quiet)
    } else if c.json {
        json::verify_file(&r)?
    } else {
        text::file_text(&r)
    };
    Ok(Done::new(out, exit::for_findings(&r.findings)))
}
