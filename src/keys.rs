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

/// The largest key or trust file read (a trust file of many lines included).
const MAX_KEY_FILE_BYTES: u64 = 1 << 20;

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
    // Files made before the naming rule keep loading: only what a signed
    // note itself refuses is refused here.
    crate::note::check_key_name(stem).map_err(|e| invalid(path, e.to_string()))?;
    if stem.starts_with('.') {
        return Err(invalid(path, "a key file name must not start with '.'"));
    }
    Ok(stem.to_owned())
}

/// The one rule for the names of keys courtseal makes (`keys generate`), as
/// `--help` and the README state it: letters, digits, `.`, `-` and `_`, not
/// starting with `.` (the name is also the file name, so no `/`; signed
/// notes forbid spaces and `+`). E.g. `courtroom5.district2.court.example`.
/// Signatures by keys made elsewhere may carry any name signed notes allow.
pub fn check_file_key_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !ok || crate::note::check_key_name(name).is_err() {
        return Err(format!(
            "key name {name:?} is not allowed: a key name is letters, digits and '.', '-', '_' (no spaces, '+' or '/'), not starting with '.', e.g. courtroom5.district2.court.example"
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
    let text = crate::named::read_text(path, MAX_KEY_FILE_BYTES).map_err(io_err(path))?;
    if let Some(alg) = foreign_key(&text) {
        return Err(invalid(
            path,
            format!("this is {alg}, not an Ed25519 private key; courtseal signs only with Ed25519 (make one with courtseal keys generate, or openssl genpkey -algorithm ed25519)"),
        ));
    }
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
    let text = crate::named::read_text(path, MAX_KEY_FILE_BYTES).map_err(io_err(path))?;
    parse_verifier_text(path, &text)
}

/// What a key that is not Ed25519 is, by its real algorithm: an SPKI or
/// PKCS#8 PEM key by its algorithm identifier, an OpenSSL or OpenSSH key by
/// its PEM label or prefix, a verifier key line by its algorithm byte.
/// `None` for an Ed25519 key or for text that is no key at all.
pub fn foreign_key(text: &str) -> Option<String> {
    use ed25519_dalek::pkcs8::spki::der::{pem, Decode as _};
    let t = text.trim();
    for (label, alg) in [
        ("RSA PRIVATE KEY", "an RSA private key (PKCS#1)"),
        ("RSA PUBLIC KEY", "an RSA public key (PKCS#1)"),
        (
            "EC PRIVATE KEY",
            "an elliptic-curve (ECDSA) private key (SEC 1)",
        ),
        ("DSA PRIVATE KEY", "a DSA private key"),
        (
            "OPENSSH PRIVATE KEY",
            "an OpenSSH private key (convert an Ed25519 one to PKCS#8 with ssh-keygen -p -m PKCS8)",
        ),
        (
            "ENCRYPTED PRIVATE KEY",
            "an encrypted PKCS#8 private key (courtseal reads only unencrypted keys, mode 0600)",
        ),
        ("PGP PUBLIC KEY BLOCK", "an OpenPGP public key"),
        ("PGP PRIVATE KEY BLOCK", "an OpenPGP private key"),
        (
            "CERTIFICATE",
            "an X.509 certificate (give its public key, not the certificate)",
        ),
    ] {
        if t.contains(&format!("-----BEGIN {label}-----")) {
            return Some(alg.to_owned());
        }
    }
    for (prefix, alg) in [
        ("ssh-rsa ", "an OpenSSH RSA public key"),
        ("ssh-dss ", "an OpenSSH DSA public key"),
        ("ecdsa-sha2-", "an OpenSSH ECDSA public key"),
        ("ssh-ed25519 ", "an OpenSSH Ed25519 public key (courtseal reads it as SPKI PEM: ssh-keygen -e -m PKCS8 -f FILE)"),
    ] {
        if t.starts_with(prefix) {
            return Some(alg.to_owned());
        }
    }
    if t.contains("-----BEGIN PUBLIC KEY-----") || t.contains("-----BEGIN PRIVATE KEY-----") {
        let (label, der) = pem::decode_vec(t.as_bytes()).ok()?;
        let (oid, param) = if label == "PUBLIC KEY" {
            let spki = ed25519_dalek::pkcs8::spki::SubjectPublicKeyInfoRef::from_der(&der).ok()?;
            (
                spki.algorithm.oid.to_string(),
                spki.algorithm
                    .parameters
                    .and_then(|p| p.decode_as::<ed25519_dalek::pkcs8::ObjectIdentifier>().ok())
                    .map(|o| o.to_string()),
            )
        } else {
            let info = ed25519_dalek::pkcs8::PrivateKeyInfo::from_der(&der).ok()?;
            (
                info.algorithm.oid.to_string(),
                info.algorithm
                    .parameters
                    .and_then(|p| p.decode_as::<ed25519_dalek::pkcs8::ObjectIdentifier>().ok())
                    .map(|o| o.to_string()),
            )
        };
        return algorithm_name(&oid, param.as_deref());
    }
    // A verifier key line: name+id+base64(algorithm byte || key).
    let b64 = t.splitn(3, '+').nth(2)?;
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    match raw.first()? {
        0x01 => None,
        0x02 => Some("an ECDSA (P-256) verifier key (signed-note algorithm 0x02)".into()),
        0x04 => Some("a witness cosignature key (signed-note algorithm 0x04, cosignature/v1), which signs cosignatures, not checkpoints".into()),
        0x05 => Some("an RFC 6962 (Certificate Transparency) verifier key (signed-note algorithm 0x05)".into()),
        b => Some(format!("a verifier key of signed-note algorithm 0x{b:02x}")),
    }
}

/// The name of a key algorithm by its object identifier (and, for
/// elliptic-curve keys, the curve's).
fn algorithm_name(oid: &str, param: Option<&str>) -> Option<String> {
    let curve = |p: Option<&str>| match p {
        Some("1.2.840.10045.3.1.7") => " on curve P-256",
        Some("1.3.132.0.34") => " on curve P-384",
        Some("1.3.132.0.35") => " on curve P-521",
        Some("1.3.132.0.10") => " on curve secp256k1",
        _ => "",
    };
    let name = match oid {
        "1.3.101.112" => return None,
        "1.2.840.113549.1.1.1" => "an RSA key".to_owned(),
        "1.2.840.113549.1.1.10" => "an RSA-PSS key".to_owned(),
        "1.2.840.10045.2.1" => format!("an elliptic-curve (ECDSA) key{}", curve(param)),
        "1.2.840.10040.4.1" => "a DSA key".to_owned(),
        "1.3.101.113" => "an Ed448 key".to_owned(),
        "1.3.101.110" => "an X25519 key (for key agreement, not signatures)".to_owned(),
        "1.3.101.111" => "an X448 key (for key agreement, not signatures)".to_owned(),
        "1.2.643.7.1.1.1.1" | "1.2.643.7.1.1.1.2" => "a GOST R 34.10-2012 key".to_owned(),
        "1.2.156.10197.1.301" => "an SM2 key".to_owned(),
        other => format!("a key of algorithm {other}"),
    };
    Some(name)
}

fn parse_verifier_text(path: &Path, text: &str) -> Result<Verifier, KeyError> {
    if let Some(alg) = foreign_key(text) {
        return Err(invalid(
            path,
            format!(
                "this is {alg}, not an Ed25519 key; courtseal verifies only Ed25519 signatures"
            ),
        ));
    }
    if text.contains("-----BEGIN PUBLIC KEY-----") {
        let key = ed25519_dalek::VerifyingKey::from_public_key_pem(text.trim())
            .map_err(|e| invalid(path, format!("not an Ed25519 public key: {e}")))?;
        // The file's name is only a label here: a name that cannot be a
        // key name (a copy named "court (1).pub") is shown as "pub".
        let name = name_from_path(path).unwrap_or_else(|_| "pub".to_owned());
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
        let text = crate::named::read_text(path, MAX_KEY_FILE_BYTES).map_err(io_err(path))?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "vkey" || ext == "pub" || text.contains("-----BEGIN") {
            let v = parse_verifier_text(path, &text)?;
            // A public key file carries no name: its key is trusted under
            // whatever name its signatures carry (a .pub renamed on the way,
            // `court (1).pub`, is the same key).
            let v = if text.contains("-----BEGIN PUBLIC KEY-----") {
                Verifier::any_name(v.name(), *v.key()).map_err(|e| invalid(path, e.to_string()))?
            } else {
                v
            };
            self.add(Role::Recorder, v);
            return Ok(());
        }
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if let Some((&"tsa", rest)) = words.split_first() {
                let base = path.parent().unwrap_or(Path::new("."));
                let tsa = crate::trust::parse_tsa_line(rest, base)
                    .map_err(|e| invalid(path, format!("line {}: {e}", i + 1)))?;
                self.add_tsa(tsa);
                continue;
            }
            if let Some((&"ledger", rest)) = words.split_first() {
                let base = path.parent().unwrap_or(Path::new("."));
                let l = crate::trust::parse_ledger_line(rest, base)
                    .map_err(|e| invalid(path, format!("line {}: {e}", i + 1)))?;
                self.add_ledger(l);
                continue;
            }
            if let Some((&"quorum", rest)) = words.split_first() {
                let n = crate::trust::parse_quorum_line(rest)
                    .map_err(|e| invalid(path, format!("line {}: {e}", i + 1)))?;
                self.set_quorum(n);
                continue;
            }
            if let Some((&"witness", rest)) = words.split_first() {
                if let Some(w) = crate::trust::parse_witness_line(rest) {
                    let w = w.map_err(|e| invalid(path, format!("line {}: {e}", i + 1)))?;
                    self.add_witness(w);
                    continue;
                }
            }
            let mut words = words.into_iter();
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
                        "line {}: unknown role {role:?} (recorder, operator, witness or archivist, or a tsa line)",
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
