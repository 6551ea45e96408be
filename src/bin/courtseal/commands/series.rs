//! `courtseal series`.

use anyhow::{Context as _, Result};

use super::Done;
use crate::config::SeriesConfig;
use crate::exit;
use crate::output::{json, text};

/// Checks the chain of a courtroom's sessions.
pub fn run(c: &SeriesConfig) -> Result<Done> {
    let r = if c.trust.is_empty() {
        courtseal::series::check_series(&c.folder)
    } else {
        let trust = super::load_trust(&c.trust)?;
        courtseal::series::check_series_trusted(&c.folder, &trust)
    }
    .with_context(|| format!("{}: cannot read the series folder", c.folder.display()))?;
    let out = if c.json {
        json::series(&r)?
    } else {
        text::series_text(&r)
    };
    Ok(Done::new(out, exit::for_findings(&r.findings)))
}
