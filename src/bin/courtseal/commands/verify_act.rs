//! `courtseal verify-act`.

use anyhow::Result;

use super::{load_trust, read_small, Done, Named};
use crate::config::{VerifyActConfig, ACT_BYTES, SIGNATURE_BYTES};
use crate::exit;

/// Checks the signature of an audit act.
pub fn run(c: &VerifyActConfig) -> Result<Done> {
    let trust = load_trust(&c.trust)?;
    let act = read_small(&c.act, Named::ByUser, "act file", ACT_BYTES)?;
    let note = read_small(&c.sig, Named::ByUser, "signature", SIGNATURE_BYTES)?;
    let name = c
        .act
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(
        match courtseal::audit::verify_act(&act, &name, &note, &trust) {
            Ok(s) => Done::new(
                format!(
                    "{}: VERIFIED. Signed by archivist {} at {} for archive {}: {}\nAct SHA-256 {}\n",
                    c.act.display(),
                    s.signer,
                    s.at,
                    s.archive,
                    s.summary,
                    s.digest
                ),
                exit::OK,
            ),
            Err(e) => Done::new(
                format!(
                    "{}: NOT VERIFIED. act.bad_signature: {e}\n",
                    c.act.display()
                ),
                exit::FINDINGS,
            ),
        },
    )
}
