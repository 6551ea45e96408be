//! `courtseal export --bagit`.

use anyhow::Result;

use super::Done;
use crate::config::ExportConfig;
use crate::exit;

/// Exports the session as a BagIt bag.
pub fn run(c: &ExportConfig) -> Result<Done> {
    let bag = courtseal::bag::export(&c.session, &c.bagit, env!("CARGO_PKG_VERSION"), &c.today)?;
    Ok(Done::new(
        format!(
            "wrote BagIt bag {}: {} payload files, {} bytes, log and checkpoints as tag files in courtseal/\n",
            bag.path.display(),
            bag.files,
            bag.bytes
        ),
        exit::OK,
    ))
}
