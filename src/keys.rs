//! Keys on disk: Ed25519 private keys as PKCS#8 PEM (mode 0600), public keys
//! as SPKI PEM, verifier keys in the C2SP signed-note form, and trust files
//! that give each trusted key a role.
//!
//! A key's *name* (part of its signed-note key ID) is the file name without
//! its extension: `keys/courtroom5.key` signs as `courtroom5`.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::SigningKey;

use crate::note::{NoteError, NoteSigner, Verifier};

/// Something wrong with a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A private key file that others can read.
    #[error(
        "{path}: permissions {mode:04o} are too open; a private key must be readable only by its owner (chmod 600 {path})"
    )]
    TooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file does not hold a key of the expected kind.
    #[error("{path}: {what}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, for a person.
        what: String,
    },
    /// A file that would be overwritten.
    #[error("{0}: already exists; refusing to overwrite a key")]
    Exists(PathBuf),
}

fn invalid(path: &Path, what: impl Into<String>) -> KeyError {
    KeyError::Invalid {
        path: path.to_owned(),
        what: what.into(),
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The key name a file stands for: its file name without extension.
pub fn name_from_path(path: &Path) -> Result<String, KeyError> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| invalid(path, "the file name does not give a usable key name"))?;
    check_file_key_name(stem).map_err(|e| invalid(path, e))?;
    Ok(stem.to_owned())
}

/// Key names here are also file names, so besides the signed-note rules (no
/// spaces, no '+') they hold no '/'.
pub fn check_file_key_name(name: &str) -> Result<(), String> {
    crate::note::check_key_name(name).map_err(|e| e.to_string())?;
    if name.contains('/') || name.starts_with('.') {
        return Err(format!(
            "key name {name:?} is not allowed: it is also the file name, so it must not contain '/' or start with '.'"
        ));
    }
    Ok(())
}

/// The three files `keys generate` writes.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    /// `NAME.key`: PKCS#8 PEM private key, mode 0600.
    pub private: PathBuf,
    /// `NAME.pub`: SPKI PEM public key.
    pub public: PathBuf,
    /// `NAME.vkey`: the verifier key line.
    pub vkey: PathBuf,
    /// The verifier.
    pub verifier: Verifier,
}

/// Generates a fresh key named `name` into `dir`, refusing to overwrite.
pub fn generate(name: &str, dir: &Path) -> Result<GeneratedKey, KeyError> {
    let key = SigningKey::generate(&mut rand_core::OsRng);
    write_key(name, dir, &key)
}

/// Writes `key` as `dir/name.{key,pub,vkey}`, refusing to overwrite.
pub fn write_key(name: &str, dir: &Path, key: &SigningKey) -> Result<GeneratedKey, KeyError> {
    let private = dir.join(format!("{name}.key"));
    check_file_key_name(name).map_err(|e| invalid(&private, e))?;
    let public = dir.join(format!("{name}.pub"));
    let vkey = dir.join(format!("{name}.vkey"));
    for p in [&private, &public, &vkey] {
        if p.exists() {
            return Err(KeyError::Exists(p.clone()));
        }
    }
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    // PKCS#8 v1 (RFC 5208, no embedded public key), exactly what
    // `openssl genpkey -algorithm ed25519` writes: OpenSSL 3.0 cannot read the
    // v2 form with the public key that ed25519-dalek would write by default.
    let v1 = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    let pem = v1
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| invalid(&private, format!("cannot encode the private key: {e}")))?;
    let pub_pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| invalid(&public, format!("cannot encode the public key: {e}")))?;
    let verifier =
        Verifier::new(name, key.verifying_key()).map_err(|e| invalid(&vkey, e.to_string()))?;
    write_new(&private, pem.as_bytes(), 0o600)?;
    write_new(&public, pub_pem.as_bytes(), 0o644)?;
    write_new(&vkey, format!("{}\n", verifier.to_vkey()).as_bytes(), 0o644)?;
    Ok(GeneratedKey {
        private,
        public,
        vkey,
        verifier,
    })
}

fn write_new(path: &Path, data: &[u8], mode: u32) -> Result<(), KeyError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io_err(path))?;
    f.write_all(data).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))
}

/// Loads a private key: refuses a file that group or others can read, and
/// anything that is not an Ed25519 PKCS#8 PEM key.
pub fn load_signer(path: &Path) -> Result<NoteSigner, KeyError> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = fs::metadata(path).map_err(io_err(path))?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyError::TooOpen {
            path: path.to_owned(),
            mode,
        });
    }
    let text = fs::read_to_string(path).map_err(io_err(path))?;
    if !text.contains("-----BEGIN PRIVATE KEY-----") {
        return Err(invalid(
            path,
            "not a PKCS#8 PEM private key (expected '-----BEGIN PRIVATE KEY-----')",
        ));
    }
    let key = SigningKey::from_pkcs8_pem(&text)
        .map_err(|e| invalid(path, format!("not an Ed25519 private key: {e}")))?;
    let name = name_from_path(path)?;
    NoteSigner::new(&name, key).map_err(|e| invalid(path, e.to_string()))
}

/// Loads a public key for verification from a `.vkey` line, an SPKI `.pub`
/// PEM file (named after the file), or a private `.key` (its public half).
pub fn load_verifier(path: &Path) -> Result<Verifier, KeyError> {
    let text = fs::read_to_string(path).map_err(io_err(path))?;
    parse_verifier_text(path, &text)
}

fn parse_verifier_text(path: &Path, text: &str) -> Result<Verifier, KeyError> {
    if text.contains("-----BEGIN PUBLIC KEY-----") {
        let key = ed25519_dalek::VerifyingKey::from_public_key_pem(text.trim())
            .map_err(|e| invalid(path, format!("not an Ed25519 public key: {e}")))?;
        let name = name_from_path(path)?;
        return Verifier::new(&name, key).map_err(|e| invalid(path, e.to_string()));
    }
    if text.contains("-----BEGIN PRIVATE KEY-----") {
        return load_signer(path).map(|s| s.verifier().clone());
    }
    let line = text.trim();
    if line.contains('\n') {
        return Err(invalid(
            path,
            "a .vkey file holds exactly one verifier key line",
        ));
    }
    Verifier::from_vkey(line).map_err(|e: NoteError| invalid(path, e.to_string()))
}

pub use crate::trust::{Role, TrustStore};

impl TrustStore {
    /// Loads a `--trust` argument: a `.vkey` or `.pub` file (trusted as a
    /// recorder key), or a trust file of `ROLE VERIFIER-KEY` lines.
    pub fn load(&mut self, path: &Path) -> Result<(), KeyError> {
        let text = fs::read_to_string(path).map_err(io_err(path))?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "vkey" || ext == "pub" || text.contains("-----BEGIN") {
            let v = parse_verifier_text(path, &text)?;
            self.add(Role::Recorder, v);
            return Ok(());
        }
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(role), Some(vkey), None) = (words.next(), words.next(), words.next()) else {
                return Err(invalid(
                    path,
                    format!(
                        "line {}: expected 'ROLE VERIFIER-KEY', found {raw:?}",
                        i + 1
                    ),
                ));
            };
            let role = Role::parse(role).ok_or_else(|| {
                invalid(
                    path,
                    format!(
                        "line {}: unknown role {role:?} (recorder, operator, witness or archivist)",
                        i + 1
                    ),
                )
            })?;
            let v = Verifier::from_vkey(vkey)
                .map_err(|e| invalid(path, format!("line {}: {e}", i + 1)))?;
            self.add(role, v);
        }
        Ok(())
    }
}
