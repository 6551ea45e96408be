//! `courtseal compare`: an independent recording against the sealed one.

use std::path::Path;

use anyhow::{anyhow, Result};

use courtseal::verify::{self, VerifyOptions};

use super::{load_trust, Done};
use crate::config::CompareConfig;
use crate::exit;
use crate::output::{json, text};

/// Verifies the session, then aligns the independent recording with its
/// sealed segments.
pub fn run(c: &CompareConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let verified = verify::verify(&c.session, &trust, VerifyOptions::default())?;
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
    let mut all = verified.report.findings.clone();
    all.extend(r.findings.iter().cloned());
    let out = if c.json {
        json::compare(&verified.report, &r)?
    } else {
        text::compare_text(&verified.report, &r)
    };
    Ok(Done::new(out, exit::for_findings(&all)))
}
