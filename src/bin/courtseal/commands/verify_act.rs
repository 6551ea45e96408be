//! `courtseal verify-act`.

use anyhow::Result;

use std::path::PathBuf;

use courtseal::keys::TrustStore;
use courtseal::trust::Role;

use super::{read_small, Done, Named};
use crate::config::{VerifyActConfig, ACT_BYTES, SIGNATURE_BYTES};
use crate::exit;

/// Checks the signature of an audit act.
pub fn run(c: &VerifyActConfig) -> Result<Done> {
    let trust = archivist_trust(&c.trust)?;
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

/// The `--trust` files for an act: a trust file counts as written; a single
/// key file (.vkey, .pub) given for an act is the archivist's key, since
/// only an archivist signs acts (elsewhere a lone key is a recorder's).
fn archivist_trust(files: &[PathBuf]) -> Result<TrustStore> {
    let mut t = TrustStore::new();
    for f in files {
        let mut one = TrustStore::new();
        one.load(f)?;
        let is_key = f
            .extension()
            .is_some_and(|e| e == "vkey" || e == "pub" || e == "key");
        for (role, v) in one.entries() {
            t.add(if is_key { Role::Archivist } else { *role }, v.clone());
        }
    }
    Ok(t)
}
