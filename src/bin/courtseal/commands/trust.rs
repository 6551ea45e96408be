//! `courtseal trust add` and `courtseal trust show`: the court's trust file,
//! written by the tool and explained in words.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context as _, Result};

use courtseal::keys::{self, TrustStore};
use courtseal::note::Verifier;
use courtseal::trust::{may_sign, Role, Statement};

use super::keys::is_private;
use super::{read_small_text, Done, Named};
use crate::config::KEY_BYTES;
use crate::exit;

/// The largest trust file read (a few hundred keys).
const TRUST_BYTES: u64 = KEY_BYTES * 64;

const HEADER: &str = "# courtseal trust file: one 'ROLE VERIFIER-KEY' line per key.\n\
# Roles: recorder (session checkpoints), operator (events, records, verdict\n\
# dates), witness (cosignatures), archivist (retirements, audit acts).\n\
# Publish this file with its SHA-256 (`courtseal trust show`) where parties\n\
# can check it is the court's.\n";

/// The verifier key in a key file (only its public part).
fn verifier_of(file: &Path) -> Result<Verifier> {
    Ok(if is_private(file)? {
        keys::load_signer(file)?.verifier().clone()
    } else {
        keys::load_verifier(file)?
    })
}

/// Adds `ROLE VERIFIER-KEY` for the key in `keyfile` to the trust file,
/// creating it with an explaining header; the file is replaced atomically
/// and is left as it was when the key is already listed in that role.
pub fn add(role: Role, keyfile: &Path, trust: &Path) -> Result<Done> {
    let v = verifier_of(keyfile)?;
    if is_private(keyfile)? {
        eprintln!(
            "courtseal: note: {} is a private key; only its public verifier key is written to {}",
            keyfile.display(),
            trust.display()
        );
    }
    let old = if trust.exists() {
        let text = read_small_text(trust, Named::ByUser, "trust file", TRUST_BYTES)?;
        // It must already be a trust file that loads, not a key or anything else.
        let mut t = TrustStore::new();
        t.load(trust)
            .with_context(|| format!("{}: not a trust file to add to", trust.display()))?;
        if text.contains("-----BEGIN")
            || trust.extension().is_some_and(|e| e == "vkey" || e == "pub")
        {
            bail!("{}: is a key file, not a trust file", trust.display());
        }
        if t.entries().iter().any(|(r, e)| *r == role && *e == v) {
            return Ok(Done::new(
                format!(
                    "{}: already trusts {} ({:08x}) as {role}; left unchanged\n",
                    trust.display(),
                    v.name(),
                    v.key_id()
                ),
                exit::OK,
            ));
        }
        text
    } else {
        HEADER.to_owned()
    };
    let mut new = old;
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    let _ = writeln!(new, "{} {}", role, v.to_vkey());
    super::write_public_file(trust, new.as_bytes(), true)?;
    Ok(Done::new(
        format!(
            "{}: added {} ({:08x}) as {role}: may sign {}\n",
            trust.display(),
            v.name(),
            v.key_id(),
            may_sign_text(role)
        ),
        exit::OK,
    ))
}

fn may_sign_text(role: Role) -> String {
    Statement::ALL
        .into_iter()
        .filter(|s| may_sign(role, *s))
        .map(Statement::describe)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Explains a trust file: every key with its role and what it may sign, and
/// the file's SHA-256 for a party to compare with the court's publication.
pub fn show(file: &Path) -> Result<Done> {
    let text = read_small_text(file, Named::ByUser, "trust file", TRUST_BYTES)?;
    let mut t = TrustStore::new();
    t.load(file)?;
    let digest = courtseal::digest::Sha256Digest::of(text.as_bytes());
    let mut out = String::new();
    let _ = writeln!(out, "Trust file   {}", file.display());
    let _ = writeln!(out, "SHA-256      {}", digest.to_hex());
    let _ = writeln!(
        out,
        "             (compare it with the SHA-256 the court publishes for its trust file)"
    );
    if t.entries().is_empty() {
        let _ = writeln!(out, "Keys         none: this file trusts nothing");
    }
    for role in Role::ALL {
        let keys = t.in_role(role);
        if keys.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{role}  may sign {}", may_sign_text(role));
        for v in keys {
            let _ = writeln!(out, "  {} ({:08x})", v.name(), v.key_id());
        }
    }
    Ok(Done::new(out, exit::OK))
}
