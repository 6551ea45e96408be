//! `courtseal verify`.

use anyhow::Result;

use courtseal::verify::{self, VerifyOptions};

use super::{load_trust, Done};
use crate::config::Quiet;
use crate::config::VerifyConfig;
use crate::exit;
use crate::output::{json, text};

/// Verifies a session folder: log, checkpoints and every segment.
pub fn run(c: &VerifyConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let opts = VerifyOptions {
        check_media: c.check_media,
        strict: c.strict,
    };
    let report = verify::verify_session(&c.session, &trust, opts)?;
    let out = if c.quiet != Quiet::No {
        text::quiet_text(&c.session.display().to_string(), &report.findings, c.quiet)
    } else if c.json {
        json::verify(&report)?
    } else {
        text::verify_text(&report)
    };
    Ok(Done::new(out, exit::for_findings(&report.findings)))
}
