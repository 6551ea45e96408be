//! `courtseal excerpt`.

use anyhow::Result;

use courtseal::excerpt;

use super::{load_trust, write_new_file, Done};
use crate::config::ExcerptConfig;
use crate::exit;

/// Cuts a stretch of a sealed segment and writes its proof bundle.
pub fn run(c: &ExcerptConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let made = excerpt::make(&c.session, &c.segment, c.from, c.to, &c.output, &trust)?;
    if let Err(e) = write_new_file(&c.proof, &made.bundle.to_bytes()) {
        // The excerpt is useless without its proof: do not leave it behind.
        let _ = std::fs::remove_file(&c.output);
        return Err(e);
    }
    let out = if c.json {
        crate::output::json::excerpt(&c.output, &c.proof, &made.stretch)?
    } else {
        let mut s = format!(
            "wrote {}: {}\nwrote {}: its proof (check it with: courtseal verify-file {} --proof {} --trust KEY)\n",
            c.output.display(),
            made.stretch.describe(),
            c.proof.display(),
            c.output.display(),
            c.proof.display()
        );
        if (made.starts_at - c.from).abs() > 0.0005 {
            s.push_str(&format!(
                "note: the excerpt starts at {}, not at {} as asked{}\n",
                courtseal::windows::clock(made.starts_at),
                courtseal::windows::clock(c.from),
                if made.starts_at < c.from {
                    " (video is cut on the keyframe at or before the start, so it decodes from its first frame)"
                } else {
                    " (the first packet at or after it)"
                }
            ));
        }
        s
    };
    Ok(Done::new(out, exit::OK))
}
