//! RFC 3161 timestamp tokens kept beside a session's checkpoints: the
//! message a token is over, and the names of the token files
//! (`docs/formats.md`, "Timestamp tokens").
//!
//! A token is kept exactly as the TSA returned it (a DER `ContentInfo`, the
//! `timeStampToken` of RFC 3161), so `openssl ts -verify` reads it as is.

use crate::format::checkpoint::Checkpoint;

/// The folder of tokens inside the tool's folder.
pub const DIR: &str = "timestamps";

/// The file name extension of a token.
pub const EXT: &str = "tsr";

/// Largest token file read, in bytes (real tokens are a few KiB).
pub const MAX_TOKEN_BYTES: u64 = 256 << 10;

/// The bytes a token over `cp` is over: the checkpoint's note text
/// (`origin\nsize\nbase64(root)\n`), which names the log, its size and
/// its root, and which anyone can rebuild from the log alone.
pub fn message(cp: &Checkpoint) -> Vec<u8> {
    cp.to_text().into_bytes()
}

/// `<size>.<n>.tsr`: the `n`th token (from 1) over the checkpoint of `size`.
pub fn file_name(size: u64, n: u32) -> String {
    format!("{size}.{n}.{EXT}")
}

/// The size and number a token file name states, if it is one:
/// decimal numbers without leading zeros, `n` from 1.
pub fn parse_file_name(name: &str) -> Option<(u64, u32)> {
    let stem = name.strip_suffix(".tsr")?;
    let (size, n) = stem.split_once('.')?;
    let num = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    if !num(size) || !num(n) {
        return None;
    }
    let n: u32 = n.parse().ok().filter(|n| *n > 0)?;
    Some((size.parse().ok()?, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_file_names_round_trip_and_refuse_lookalikes() {
        assert_eq!(parse_file_name(&file_name(12, 3)), Some((12, 3)));
        for bad in [
            "12.tsr",
            "012.1.tsr",
            "12.0.tsr",
            "12.1.tsr.tmp",
            "a.1.tsr",
            "12.01.tsr",
            "12.1.2.tsr",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }
}
