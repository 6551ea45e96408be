//! `courtseal inspect`.

use anyhow::{anyhow, Result};

use super::Done;
use crate::config::InspectConfig;
use crate::exit;
use crate::output::{json, text};

/// Shows what courtseal reads in a media file.
pub fn run(c: &InspectConfig) -> Result<Done> {
    // A file a person named (a link followed): opened without waiting on a
    // FIFO and checked on its handle, which FFmpeg is then given, so nothing
    // swapped in under the name after the arguments were checked is read.
    let opened = courtseal::store::layout::open_given(&c.file, true)
        .map_err(|e| anyhow!("{}: {e}", c.file.display()))?;
    let analysis =
        courtseal::media::analyze(&opened.fd_path(), &c.media, courtseal::media::Keep::Windows)
            .map_err(|e| anyhow!("{}: media.unreadable: {e}", c.file.display()))?;
    let out = if c.json {
        json::inspect(&c.file, &analysis)?
    } else {
        text::inspect_text(&c.file, &analysis)
    };
    Ok(Done::new(out, exit::OK))
}
