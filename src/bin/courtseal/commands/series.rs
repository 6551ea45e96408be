//! `courtseal series`.

use anyhow::{Context as _, Result};

use super::Done;
use crate::config::SeriesConfig;
use crate::exit;
use crate::output::{json, text};

/// Checks the chain of a courtroom's sessions.
pub fn run(c: &SeriesConfig) -> Result<Done> {
    let r = courtseal::series::check_series(&c.folder)
        .with_context(|| format!("{}: cannot read the series folder", c.folder.display()))?;
    let out = if c.json {
        json::series(&r)?
    } else {
        text::series_text(&r)
    };
    Ok(Done::new(out, exit::for_findings(&r.findings)))
}
