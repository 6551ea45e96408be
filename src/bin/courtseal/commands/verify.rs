//! `courtseal verify`.

use anyhow::Result;

use courtseal::certificate::{self, CaseRecord};
use courtseal::record::sealed;
use courtseal::verify::{self, VerifyOptions};

use super::{load_trust, write_document, Done};
use crate::config::Quiet;
use crate::config::VerifyConfig;
use crate::exit;
use crate::output::{json, text};

/// Verifies a session folder: log, checkpoints and every segment; writes
/// the certificate of verification when asked.
pub fn run(c: &VerifyConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let opts = VerifyOptions {
        check_media: c.check_media,
        strict: c.strict,
    };
    let mut verified = verify::verify(&c.session, &trust, opts)?;
    if let Some(since) = &c.since {
        let bytes = courtseal::store::layout::read_bounded(since, true, crate::config::PROOF_BYTES)
            .map_err(|e| {
                anyhow::anyhow!("{}: cannot read the checkpoint file: {e}", since.display())
            })?;
        verify::since::apply(&mut verified, &since.display().to_string(), &bytes, &trust);
    }
    if let Some(html) = &c.html {
        let records = sealed::sealed_records(&verified.log, verified.report.verified_size, &trust);
        // The case and court: from the sealed record in force, else from the
        // session's record file (shown as unsigned), else not stated.
        let case = match records.in_force {
            Some(f) => Some(CaseRecord {
                record: f.record,
                sealed: true,
            }),
            None => courtseal::store::layout::read_record(&c.session)
                .ok()
                .flatten()
                .and_then(|(_, text)| courtseal::record::parse(&text).ok())
                .map(|record| CaseRecord {
                    record,
                    sealed: false,
                }),
        };
        let named_zone = crate::output::text::named_zone();
        let page = certificate::session(
            &verified.report,
            &courtseal::report::sealed_segments(&verified),
            case.as_ref(),
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
    let report = verified.report;
    let out = if c.quiet != Quiet::No {
        text::quiet_text(&c.session.display().to_string(), &report.findings, c.quiet)
    } else if c.json {
        json::verify(&report)?
    } else {
        text::verify_text(&report)
    };
    Ok(Done::new(out, exit::for_findings(&report.findings)))
}
