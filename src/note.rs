//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 signatures
//! (signature type `0x01`), and verifier keys in the `name+keyid+key` form.
//!
//! Written here rather than taken from a crate: the format is small, every
//! byte of it is part of the public contract, and the verification rules
//! (ignore unknown keys, reject the whole note on one bad known signature,
//! strict Ed25519) must be exactly those of the spec.

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// Signature type byte for plain Ed25519 (C2SP signed-note).
pub const ALG_ED25519: u8 = 0x01;

/// Most signatures a note may carry before it is refused. The spec asks
/// verifiers to accept at least 16; this is the limit of the Go reference.
pub const MAX_SIGNATURES: usize = 100;

/// The prefix of every signature line: U+2014 EM DASH and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a key name, a verifier key or a note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The key name is empty or holds a space or `+`.
    #[error("key name {0:?} is not allowed: it must be non-empty, without spaces or '+'")]
    BadKeyName(String),
    /// The verifier key text is malformed.
    #[error("malformed verifier key: {0}")]
    BadVerifierKey(&'static str),
    /// The note is not a well-formed signed note.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// A signature from a trusted key does not verify.
    #[error("the signature by {name} (key ID {key_id:08x}) does not verify")]
    BadSignature {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// No signature is from a trusted key.
    #[error("no signature from a trusted key")]
    NoTrustedSignature,
}

/// Checks a key name: non-empty, no Unicode spaces, no `+`.
pub fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::BadKeyName(name.to_owned()));
    }
    Ok(())
}

/// `SHA-256(name || 0x0A || 0x01 || public key)[:4]` as a big-endian integer.
pub fn key_id(name: &str, public: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0a, ALG_ED25519]);
    h.update(public.as_bytes());
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Splits a verifier key `name+hex(keyID)+base64(alg || public key)` whose
/// signature type must be `alg` (`wrong_alg` says so otherwise). The key ID
/// is returned as written, for the caller to check against its own rule.
fn parse_vkey<'a>(
    vkey: &'a str,
    alg: u8,
    wrong_alg: &'static str,
) -> Result<(&'a str, u32, VerifyingKey), NoteError> {
    // Only the first two '+' separate fields: base64 may itself hold '+'.
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(NoteError::BadVerifierKey("expected name+keyid+key"));
    };
    check_key_name(name)?;
    if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::BadVerifierKey("key ID must be 8 hex digits"));
    }
    let id = u32::from_str_radix(id_hex, 16)
        .map_err(|_| NoteError::BadVerifierKey("key ID must be 8 hex digits"))?;
    let raw = B64
        .decode(key_b64)
        .map_err(|_| NoteError::BadVerifierKey("key is not base64"))?;
    let (&found, public) = raw
        .split_first()
        .ok_or(NoteError::BadVerifierKey("key is empty"))?;
    if found != alg {
        return Err(NoteError::BadVerifierKey(wrong_alg));
    }
    let public: [u8; 32] = public
        .try_into()
        .map_err(|_| NoteError::BadVerifierKey("Ed25519 key must be 32 bytes"))?;
    let key = VerifyingKey::from_bytes(&public)
        .map_err(|_| NoteError::BadVerifierKey("not a valid Ed25519 point"))?;
    Ok((name, id, key))
}

/// Strict Ed25519 verification: accepts exactly the signatures that
/// ed25519-dalek's `VerifyingKey::verify_strict` accepts, with one
/// decompression fewer.
///
/// `verify_strict` accepts `R || s` over `M` under `A` iff `s < l`, `A` is
/// not of small order, `R` decompresses to a point that is not of small
/// order, and `compress([s]B - [k]A) == R` with
/// `k = SHA-512(R || A || M) mod l` (cofactorless: a torsion component
/// anywhere makes it fail). Here `E = [s]B - [k]A` is computed first, and
/// the signature is accepted iff `s < l`, `A` is not of small order,
/// `compress(E) == R` and `E` is not of small order. The two agree: when
/// `compress(E) == R`, `R` is the canonical encoding of the point `E`, so
/// it decompresses, to `E`, and `R` is of small order exactly when `E` is;
/// when `compress(E) != R`, `verify_strict` fails too. No randomness and
/// no batching: each signature is decided on its own. The unit tests check
/// the agreement on crafted torsion, small-order, non-canonical and mixed-
/// order cases, and `tests/vectors.rs` on RFC 8032 and Wycheproof.
pub fn verify_strict(key: &VerifyingKey, msg: &[u8], sig: &[u8; 64]) -> bool {
    use curve25519_dalek::edwards::EdwardsPoint;
    use curve25519_dalek::scalar::Scalar;
    use sha2::Sha512;
    let mut r = [0u8; 32];
    r.copy_from_slice(&sig[..32]);
    let mut s = [0u8; 32];
    s.copy_from_slice(&sig[32..]);
    let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else {
        return false;
    };
    let a = key.to_edwards();
    if a.is_small_order() {
        return false;
    }
    let mut h = Sha512::new();
    h.update(r);
    h.update(key.as_bytes());
    h.update(msg);
    let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
    let e = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &(-a), &s);
    e.compress().to_bytes() == r && !e.is_small_order()
}

/// The verifier key text `name+hex(keyID)+base64(alg || public key)`.
fn vkey_text(name: &str, key_id: u32, alg: u8, key: &VerifyingKey) -> String {
    let mut raw = vec![alg];
    raw.extend_from_slice(key.as_bytes());
    format!("{name}+{key_id:08x}+{}", B64.encode(raw))
}

/// A named Ed25519 public key that can check note signatures.
///
/// A verifier made with [`Verifier::any_name`] (from a bare public key, such
/// as a `.pub` file, which carries no name) accepts the key's signatures
/// under whatever name they are made, and equals any verifier of the same
/// key.
#[derive(Clone)]
pub struct Verifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
    any_name: bool,
}

impl PartialEq for Verifier {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
            && (self.any_name
                || other.any_name
                || (self.name == other.name && self.key_id == other.key_id))
    }
}

impl Eq for Verifier {}

impl Verifier {
    /// A verifier for `key` under `name`.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(Verifier {
            name: name.to_owned(),
            key_id: key_id(name, &key),
            key,
            any_name: false,
        })
    }

    /// A verifier for `key` whatever the name its signatures carry
    /// (`shown` is the name it is shown by until a signature names it).
    pub fn any_name(shown: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        Ok(Verifier {
            any_name: true,
            ..Verifier::new(shown, key)?
        })
    }

    /// True for a verifier of a bare key, which accepts any name.
    pub fn is_any_name(&self) -> bool {
        self.any_name
    }

    /// True when this verifier checks signature lines named `name` with
    /// key ID `id`.
    fn matches(&self, name: &str, id: u32) -> bool {
        if self.any_name {
            key_id(name, &self.key) == id
        } else {
            self.name == name && self.key_id == id
        }
    }

    /// Parses `name+hex(keyID)+base64(0x01 || public key)`.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        let (name, id, key) = parse_vkey(vkey, ALG_ED25519, "unknown signature algorithm")?;
        let v = Verifier::new(name, key)?;
        if v.key_id != id {
            return Err(NoteError::BadVerifierKey(
                "key ID does not match name and key",
            ));
        }
        Ok(v)
    }

    /// The `name+keyid+key` text.
    pub fn to_vkey(&self) -> String {
        vkey_text(&self.name, self.key_id, ALG_ED25519, &self.key)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The public key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Strict Ed25519 verification of `sig` over `msg` (no malleable
    /// signatures, no small-order keys), as [`verify_strict`].
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <&[u8; 64]>::try_from(sig) else {
            return false;
        };
        verify_strict(&self.key, msg, sig)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// A named Ed25519 private key that signs notes.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    verifier: Verifier,
}

impl NoteSigner {
    /// A signer for `key` under `name`.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        let verifier = Verifier::new(name, key.verifying_key())?;
        Ok(NoteSigner {
            name: name.to_owned(),
            key,
            verifier,
        })
    }

    /// The same private key under another name (a ledger key is named
    /// after its ledger's origin, not its file).
    pub fn renamed(&self, name: &str) -> Result<Self, NoteError> {
        NoteSigner::new(name, self.key.clone())
    }

    /// The matching verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Ed25519 signature over `msg` (for entries signed inside the log).
    pub fn sign_bytes(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }

    /// The signature line `— name base64(keyID || sig)\n` over `text`.
    pub fn signature_line(&self, text: &str) -> String {
        let mut raw = self.verifier.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.sign_bytes(text.as_bytes()));
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }

    /// Signs `text` (which must be a valid note text) into a note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        Ok(format!("{text}\n{}", self.signature_line(text)))
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key ID.
    pub key_id: u32,
    /// The signature bytes after the key ID.
    pub sig: Vec<u8>,
}

/// A note whose signatures have been checked against a set of verifiers.
#[derive(Debug, Clone)]
pub struct OpenedNote {
    /// The note text, including its final newline.
    pub text: String,
    /// Signatures by trusted keys, all verified.
    pub verified: Vec<Verifier>,
    /// Signatures by keys not in the trusted set (not checked, ignored).
    pub unverified: Vec<NoteSignature>,
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("text must end with a newline"));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed("text holds a control character"));
    }
    Ok(())
}

/// Splits a note into its text and parsed signature lines, without checking
/// any signature.
pub fn split(note: &[u8]) -> Result<(String, Vec<NoteSignature>), NoteError> {
    let note = std::str::from_utf8(note).map_err(|_| NoteError::Malformed("not UTF-8"))?;
    if note.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed("holds a control character"));
    }
    // The text ends at the last blank line; it keeps its own final newline.
    let Some(blank) = note.rfind("\n\n") else {
        return Err(NoteError::Malformed("no blank line before the signatures"));
    };
    let (text, sigs) = (&note[..blank + 1], &note[blank + 2..]);
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed(
            "the last signature line has no final newline",
        ));
    }
    let mut out = Vec::new();
    for line in sigs[..sigs.len() - 1].split('\n') {
        if out.len() == MAX_SIGNATURES {
            return Err(NoteError::Malformed("too many signatures"));
        }
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
            "a signature line does not start with an em dash",
        ))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(NoteError::Malformed("a signature line has no signature"))?;
        check_key_name(name).map_err(|_| NoteError::Malformed("bad key name in a signature"))?;
        let raw = B64
            .decode(b64)
            .map_err(|_| NoteError::Malformed("a signature is not base64"))?;
        if raw.len() < 5 {
            return Err(NoteError::Malformed("a signature is too short"));
        }
        out.push(NoteSignature {
            name: name.to_owned(),
            key_id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
            sig: raw[4..].to_vec(),
        });
    }
    if out.is_empty() {
        return Err(NoteError::Malformed("no signatures"));
    }
    Ok((text.to_owned(), out))
}

/// Opens a note: every signature from a trusted key (same name and key ID)
/// must verify, signatures from other keys are ignored, and at least one
/// trusted signature must be present.
pub fn open(note: &[u8], trusted: &[Verifier]) -> Result<OpenedNote, NoteError> {
    let (text, sigs) = split(note)?;
    let mut verified: Vec<Verifier> = Vec::new();
    let mut unverified = Vec::new();
    for s in sigs {
        match trusted.iter().find(|v| v.matches(&s.name, s.key_id)) {
            Some(v) => {
                if !v.verify(text.as_bytes(), &s.sig) {
                    return Err(NoteError::BadSignature {
                        name: s.name,
                        key_id: s.key_id,
                    });
                }
                // A bare key is reported under the name it signed with.
                let named;
                let v = if v.any_name {
                    named = Verifier::new(&s.name, v.key)?;
                    &named
                } else {
                    v
                };
                if !verified.contains(v) {
                    verified.push(v.clone());
                }
            }
            None => unverified.push(s),
        }
    }
    if verified.is_empty() {
        return Err(NoteError::NoTrustedSignature);
    }
    Ok(OpenedNote {
        text,
        verified,
        unverified,
    })
}

/// Signature type byte of a C2SP `cosignature/v1` key (tlog-cosignature:
/// Ed25519 over a timestamped message).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// The largest cosignature time the spec allows (`2^63 - 1`).
pub const MAX_COSIGNATURE_TIME: u64 = i64::MAX as u64;

/// `SHA-256(name || 0x0A || 0x04 || public key)[:4]` as a big-endian
/// integer: the key ID of a `cosignature/v1` key.
pub fn cosignature_key_id(name: &str, public: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0a, ALG_COSIGNATURE_V1]);
    h.update(public.as_bytes());
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// The message a `cosignature/v1` signs: `cosignature/v1\ntime T\n`
/// followed by the whole checkpoint note text (its final newline included,
/// no signature lines).
pub fn cosigned_message(time: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {time}\n{text}").into_bytes()
}

/// One `cosignature/v1` signature line, parsed: 8-byte big-endian time and
/// a 64-byte Ed25519 signature after the key ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    /// The witness's key name.
    pub name: String,
    /// The key ID.
    pub key_id: u32,
    /// When the witness signed, POSIX seconds.
    pub time: u64,
    /// The Ed25519 signature.
    pub sig: [u8; 64],
}

impl Cosignature {
    /// Reads a note signature as a cosignature: `None` unless it is exactly
    /// 72 bytes after the key ID with a time no later than `2^63 - 1`.
    pub fn from_note_signature(s: &NoteSignature) -> Option<Cosignature> {
        if s.sig.len() != 72 {
            return None;
        }
        let time = u64::from_be_bytes(s.sig[..8].try_into().ok()?);
        if time > MAX_COSIGNATURE_TIME {
            return None;
        }
        Some(Cosignature {
            name: s.name.clone(),
            key_id: s.key_id,
            time,
            sig: s.sig[8..].try_into().ok()?,
        })
    }
}

/// A witness's `cosignature/v1` public key under its name.
#[derive(Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl fmt::Debug for CosignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// What a cosignature line from a known witness turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CosignatureCheck {
    /// The line is not from this witness (other name or key ID).
    NotOurs,
    /// Valid: the witness signed the text at this time.
    Valid(u64),
    /// Named and keyed as this witness, but not a valid cosignature.
    Invalid(&'static str),
}

impl CosignatureVerifier {
    /// A verifier for `key` under `name`.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        check_key_name(name)?;
        Ok(CosignatureVerifier {
            name: name.to_owned(),
            key_id: cosignature_key_id(name, &key),
            key,
        })
    }

    /// Parses `name+hex(keyID)+base64(0x04 || public key)`.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        let (name, id, key) = parse_vkey(
            vkey,
            ALG_COSIGNATURE_V1,
            "not a cosignature/v1 key (signature type 0x04)",
        )?;
        let v = CosignatureVerifier::new(name, key)?;
        if v.key_id != id {
            return Err(NoteError::BadVerifierKey(
                "key ID does not match name and key",
            ));
        }
        Ok(v)
    }

    /// The `name+keyid+key` text.
    pub fn to_vkey(&self) -> String {
        vkey_text(&self.name, self.key_id, ALG_COSIGNATURE_V1, &self.key)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The public key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Checks one signature line of a note whose text is `text`: lines of
    /// other keys are [`CosignatureCheck::NotOurs`]; a line with this name
    /// and key ID must be a strict Ed25519 signature over
    /// [`cosigned_message`].
    pub fn check(&self, text: &str, s: &NoteSignature) -> CosignatureCheck {
        if s.name != self.name || s.key_id != self.key_id {
            return CosignatureCheck::NotOurs;
        }
        let Some(c) = Cosignature::from_note_signature(s) else {
            return CosignatureCheck::Invalid(if s.sig.len() != 72 {
                "not 8 bytes of time and 64 of signature"
            } else {
                "its time is beyond 2^63 - 1"
            });
        };
        if verify_strict(&self.key, &cosigned_message(c.time, text), &c.sig) {
            CosignatureCheck::Valid(c.time)
        } else {
            CosignatureCheck::Invalid("the Ed25519 signature does not verify")
        }
    }
}

/// A witness's `cosignature/v1` private key (for tests and for courtseal's
/// own tooling; a real witness keeps its key elsewhere).
pub struct CosignatureSigner {
    key: SigningKey,
    verifier: CosignatureVerifier,
}

impl CosignatureSigner {
    /// A signer for `key` under `name`.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        let verifier = CosignatureVerifier::new(name, key.verifying_key())?;
        Ok(CosignatureSigner { key, verifier })
    }

    /// The matching verifier.
    pub fn verifier(&self) -> &CosignatureVerifier {
        &self.verifier
    }

    /// The line `— name base64(keyID || time || sig)\n` cosigning `text`
    /// at `time`.
    pub fn cosignature_line(&self, text: &str, time: u64) -> String {
        let sig = self.key.sign(&cosigned_message(time, text)).to_bytes();
        let mut raw = self.verifier.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&time.to_be_bytes());
        raw.extend_from_slice(&sig);
        format!("{SIG_PREFIX}{} {}\n", self.verifier.name, B64.encode(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`verify_strict`] against ed25519-dalek's `verify_strict` on the
    /// cases where lax, cofactored or batched checks differ from strict
    /// ones: valid and altered signatures, a torsion point added to `R`,
    /// keys with a torsion component (accepted only when `[k]T = 0`, about
    /// one message in eight), small-order keys and `R`, `s + l`, and
    /// non-canonical encodings of `R`.
    #[test]
    fn strict_verification_accepts_exactly_what_ed25519_dalek_verify_strict_accepts() {
        use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT as B, EIGHT_TORSION};
        use curve25519_dalek::edwards::CompressedEdwardsY;
        use curve25519_dalek::scalar::Scalar;
        use ed25519_dalek::Signature;
        use sha2::Sha512;
        let dalek = |a: &[u8; 32], m: &[u8], sig: &[u8; 64]| {
            VerifyingKey::from_bytes(a)
                .map(|k| k.verify_strict(m, &Signature::from_bytes(sig)).is_ok())
                .unwrap_or(false)
        };
        let ours = |a: &[u8; 32], m: &[u8], sig: &[u8; 64]| {
            VerifyingKey::from_bytes(a)
                .map(|k| verify_strict(&k, m, sig))
                .unwrap_or(false)
        };
        let challenge = |r: &[u8; 32], a: &[u8; 32], m: &[u8]| {
            let mut h = Sha512::new();
            h.update(r);
            h.update(a);
            h.update(m);
            Scalar::from_bytes_mod_order_wide(&h.finalize().into())
        };
        // Signs with secret scalar `x` under the public point `a_pt` (which
        // may carry a torsion component), nonce point `r_pt`, nonce `r`.
        let sign = |x: &Scalar, a: &[u8; 32], r: &Scalar, r_pt: &[u8; 32], m: &[u8]| {
            let s = r + challenge(r_pt, a, m) * x;
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(r_pt);
            sig[32..].copy_from_slice(s.as_bytes());
            sig
        };
        let (mut cases, mut accepted, mut torsion_key_accepts) = (0, 0, 0);
        let mut agree = |a: &[u8; 32], m: &[u8], sig: &[u8; 64], what: &str| {
            let want = dalek(a, m, sig);
            assert_eq!(ours(a, m, sig), want, "{what}");
            cases += 1;
            accepted += usize::from(want);
            want
        };
        for i in 0u8..64 {
            let x = Scalar::from_bytes_mod_order([i.wrapping_mul(7).wrapping_add(3); 32]);
            let r = Scalar::from_bytes_mod_order([i.wrapping_add(100); 32]);
            let m = format!("message {i}\n").into_bytes();
            let a_pt = B * x;
            let a = a_pt.compress().to_bytes();
            let r_pt = (B * r).compress().to_bytes();
            let good = sign(&x, &a, &r, &r_pt, &m);
            assert!(agree(&a, &m, &good, "valid"));
            let mut other = m.clone();
            other.push(b'!');
            assert!(!agree(&a, &other, &good, "other message"));
            // s + l: the same point, a non-canonical scalar.
            let s = Scalar::from_canonical_bytes(good[32..].try_into().unwrap()).unwrap();
            let mut wide = [0u8; 64];
            wide[..32].copy_from_slice(&good[..32]);
            let mut carry = 0u16;
            // l = 2^252 + 27742317777372353535851937790883648493, little-endian.
            let mut l = [0u8; 32];
            l[..16].copy_from_slice(&[
                0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
                0xde, 0x14,
            ]);
            l[31] = 0x10;
            for j in 0..32 {
                let v = u16::from(s.as_bytes()[j]) + u16::from(l[j]) + carry;
                wide[32 + j] = v as u8;
                carry = v >> 8;
            }
            if carry == 0 {
                assert!(!agree(&a, &m, &wide, "s + l"));
            }
            for (t, tp) in EIGHT_TORSION.iter().enumerate().skip(1) {
                // A torsion point added to R, s made for that R.
                let r_t = (B * r + tp).compress().to_bytes();
                let sig = sign(&x, &a, &r, &r_t, &m);
                assert!(!agree(&a, &m, &sig, &format!("R + T{t}")));
                // A key with a torsion component: strict accepts iff [k]T = 0.
                let a_t = (a_pt + tp).compress().to_bytes();
                let sig = sign(&x, &a_t, &r, &r_pt, &m);
                torsion_key_accepts += usize::from(agree(&a_t, &m, &sig, &format!("A + T{t}")));
                // A small-order key and small-order R.
                let small = tp.compress().to_bytes();
                for rp in EIGHT_TORSION.iter() {
                    let mut sig = [0u8; 64];
                    sig[..32].copy_from_slice(&rp.compress().to_bytes());
                    assert!(!agree(&small, &m, &sig, "small-order key and R"));
                    let sig = sign(&x, &a, &Scalar::ZERO, &rp.compress().to_bytes(), &m);
                    agree(&a, &m, &sig, "small-order R");
                }
            }
            // Non-canonical encodings of R (y >= p, and the sign bit on x = 0).
            for y in 0u8..19 {
                let mut enc = [0xffu8; 32];
                enc[0] = 0xed + y;
                enc[31] = 0x7f;
                for sign_bit in [0u8, 0x80] {
                    let mut e = enc;
                    e[31] |= sign_bit;
                    if CompressedEdwardsY(e).decompress().is_some() {
                        let sig = sign(&x, &a, &r, &e, &m);
                        assert!(!agree(&a, &m, &sig, "non-canonical R"));
                    }
                }
            }
        }
        assert!(accepted >= 64, "{accepted} of {cases}");
        assert!(
            torsion_key_accepts > 0 && torsion_key_accepts < 64 * 7,
            "{torsion_key_accepts}"
        );
    }

    // Regression: a base64 key holding '+' was split as if it were a fourth field.
    #[test]
    fn vkey_whose_base64_contains_plus_parses() {
        let vkey = "demo-recorder+718ea680+AdQm4BXH/1pA+G2HV+4hmbdzrR1arIXyaZSLqKXeCJBI";
        let v = Verifier::from_vkey(vkey).unwrap();
        assert_eq!(v.name(), "demo-recorder");
        assert_eq!(v.key_id(), 0x718ea680);
        assert_eq!(v.to_vkey(), vkey);
    }

    /// The example of C2SP tlog-cosignature: its witness line is a
    /// cosignature/v1 of 8 + 64 bytes whose time is the spec's `time` line.
    #[test]
    fn c2sp_cosignature_example_parses() {
        let note = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
        let (_, sigs) = split(note.as_bytes()).unwrap();
        assert_eq!(sigs.len(), 2);
        // The log's own Ed25519 signature is no cosignature.
        assert_eq!(Cosignature::from_note_signature(&sigs[0]), None);
        let c = Cosignature::from_note_signature(&sigs[1]).unwrap();
        assert_eq!(c.name, "witness.example.com/w1");
        assert_eq!(c.key_id, 0x8d66cf3f);
        assert_eq!(c.time, 1679315147);
    }

    #[test]
    fn cosignature_round_trip_and_tamper() {
        let s = CosignatureSigner::new("w.example/1", SigningKey::from_bytes(&[7; 32])).unwrap();
        let v = CosignatureVerifier::from_vkey(&s.verifier().to_vkey()).unwrap();
        assert_eq!(&v, s.verifier());
        let text = "origin\n3\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let line = s.cosignature_line(text, 1_700_000_000);
        let note = format!("{text}\n{line}");
        let (t, sigs) = split(note.as_bytes()).unwrap();
        assert_eq!(
            v.check(&t, &sigs[0]),
            CosignatureCheck::Valid(1_700_000_000)
        );
        let other = "origin\n4\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assert!(matches!(
            v.check(other, &sigs[0]),
            CosignatureCheck::Invalid(_)
        ));
        // The same key as a note key (0x01) has another key ID: not ours.
        let n = NoteSigner::new("w.example/1", SigningKey::from_bytes(&[7; 32])).unwrap();
        let (t, sigs) = split(n.sign(text).unwrap().as_bytes()).unwrap();
        assert_eq!(v.check(&t, &sigs[0]), CosignatureCheck::NotOurs);
        // A 0x01 vkey is not a cosignature key.
        assert!(CosignatureVerifier::from_vkey(&n.verifier().to_vkey()).is_err());
    }
}
