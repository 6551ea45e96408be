//! SHA-256 digests: the one hash function of the cryptographic contract.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;
use std::str::FromStr;

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

/// Size of the read buffer used when hashing files: large enough that the
/// per-call overhead is negligible next to the SHA-256 compression itself.
const READ_BUFFER: usize = 1 << 20;

/// A SHA-256 digest.
///
/// Equality is constant-time and there is no `Deref` to the bytes, so a
/// comparison cannot silently degrade into a short-circuiting slice compare.
/// `Display` and `FromStr` use lowercase hex.
#[derive(Clone, Copy)]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    /// Wraps 32 raw bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Sha256Digest(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// SHA-256 of `data`.
    pub fn of(data: &[u8]) -> Self {
        Sha256Digest(Sha256::digest(data).into())
    }

    /// Lowercase hex of the digest.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The first `n` hex digits, for messages people read.
    pub fn short(&self) -> String {
        let mut s = self.to_hex();
        s.truncate(12);
        s
    }
}

impl PartialEq for Sha256Digest {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for Sha256Digest {}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({})", self.to_hex())
    }
}

impl std::hash::Hash for Sha256Digest {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl serde::Serialize for Sha256Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Sha256Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom("sha256 is not 64 lowercase hex digits"))
    }
}

/// A string that is not 64 lowercase hex digits: the only form courtseal
/// writes, so that one digest has one spelling.
#[derive(Debug, thiserror::Error)]
#[error("not a SHA-256 digest (expected 64 lowercase hex digits)")]
pub struct ParseDigestError;

impl FromStr for Sha256Digest {
    type Err = ParseDigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(ParseDigestError);
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| ParseDigestError)?;
        Ok(Sha256Digest(out))
    }
}

/// The SHA-256 digest and length of everything `reader` yields, read in
/// large blocks so that memory stays constant whatever the length.
pub fn hash_reader<R: Read>(mut reader: R) -> io::Result<(Sha256Digest, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; READ_BUFFER];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((Sha256Digest(hasher.finalize().into()), total))
}

/// The SHA-256 digest and size of the file at `path`, streamed.
pub fn hash_file(path: &Path) -> io::Result<(Sha256Digest, u64)> {
    hash_reader(std::fs::File::open(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_has_the_well_known_digest() {
        let (d, n) = hash_reader(&b""[..]).unwrap();
        assert_eq!(n, 0);
        assert_eq!(
            d.to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hex_round_trips_and_rejects_bad_lengths() {
        let d = Sha256Digest::of(b"abc");
        assert_eq!(d.to_hex().parse::<Sha256Digest>().unwrap(), d);
        assert!("abcd".parse::<Sha256Digest>().is_err());
        assert!("zz".repeat(32).parse::<Sha256Digest>().is_err());
        // One digest, one spelling: uppercase is refused, not taken as equal.
        assert!(d.to_hex().to_uppercase().parse::<Sha256Digest>().is_err());
    }

    #[test]
    fn streaming_equals_one_shot_across_buffer_boundaries() {
        let data: Vec<u8> = (0..(READ_BUFFER * 2 + 17))
            .map(|i| (i % 251) as u8)
            .collect();
        let (d, n) = hash_reader(&data[..]).unwrap();
        assert_eq!(n as usize, data.len());
        assert_eq!(d, Sha256Digest::of(&data));
    }
}
