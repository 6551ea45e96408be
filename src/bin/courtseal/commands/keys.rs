//! `courtseal keys generate` and `courtseal keys show`.

use std::path::Path;

use anyhow::Result;

use courtseal::keys;
use courtseal::note::Verifier;

use super::{read_small_text, Done, Named};
use crate::config::KEY_BYTES;
use crate::exit;

/// Generates a key pair with its verifier key.
pub fn generate(name: &str, out: &Path) -> Result<Done> {
    let g = keys::generate(name, out)?;
    Ok(Done::new(
        format!(
            "private key  {}  (mode 0600: keep it secret)\npublic key   {}\nverifier key {}\n             {}\n",
            g.private.display(),
            g.public.display(),
            g.vkey.display(),
            g.verifier.to_vkey()
        ),
        exit::OK,
    ))
}

/// Shows a key's name, key ID and verifier key.
pub fn show(file: &Path) -> Result<Done> {
    let (kind, v): (&str, Verifier) = if is_private(file)? {
        (
            "Ed25519 private key (PKCS#8)",
            keys::load_signer(file)?.verifier().clone(),
        )
    } else {
        ("Ed25519 public key", keys::load_verifier(file)?)
    };
    Ok(Done::new(
        format!(
            "file         {}\nkind         {kind}\nname         {}\nkey ID       {:08x}\nverifier key {}\ntrust line   ROLE {}\n             (ROLE: recorder, operator, witness or archivist; `courtseal trust add ROLE {}` writes it)\n",
            file.display(),
            v.name(),
            v.key_id(),
            v.to_vkey(),
            v.to_vkey(),
            file.display()
        ),
        exit::OK,
    ))
}

pub(super) fn is_private(path: &Path) -> Result<bool> {
    if path.extension().is_some_and(|e| e == "key") {
        return Ok(true);
    }
    Ok(read_small_text(path, Named::ByUser, "key file", KEY_BYTES)
        .is_ok_and(|t| t.contains("-----BEGIN PRIVATE KEY-----")))
}
