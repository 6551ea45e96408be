//! `courtseal export --bagit`.

use anyhow::Result;

use super::{load_trust, Done};
use crate::config::ExportConfig;
use crate::exit;

/// Exports the session as a BagIt bag.
pub fn run(c: &ExportConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let bag = courtseal::bag::export(
        &c.session,
        &c.bagit,
        &trust,
        env!("CARGO_PKG_VERSION"),
        &c.today,
    )?;
    let mut out = format!(
        "wrote BagIt bag {}: {} payload files, {} bytes, log and checkpoints as tag files in courtseal/\n",
        bag.path.display(),
        bag.files,
        bag.bytes
    );
    if !bag.left_out.is_empty() {
        out.push_str(&format!(
            "left out, not part of the evidence (files an operating system or editor leaves): {}\n",
            bag.left_out.join(", ")
        ));
    }
    Ok(Done::new(out, exit::OK))
}
