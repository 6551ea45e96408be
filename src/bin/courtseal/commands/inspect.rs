//! `courtseal inspect`.

use anyhow::{anyhow, Result};

use super::Done;
use crate::config::InspectConfig;
use crate::exit;
use crate::output::{json, text};

/// Shows what courtseal reads in a media file.
pub fn run(c: &InspectConfig) -> Result<Done> {
    let analysis = courtseal::media::analyze(&c.file, &c.media, courtseal::media::Keep::Windows)
        .map_err(|e| anyhow!("{}: media.unreadable: {e}", c.file.display()))?;
    let out = if c.json {
        json::inspect(&c.file, &analysis)?
    } else {
        text::inspect_text(&c.file, &analysis)
    };
    Ok(Done::new(out, exit::OK))
}
