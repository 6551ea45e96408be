//! The C2SP `tlog-proof@v1` file (<https://c2sp.org/tlog-proof>): an
//! inclusion proof with its checkpoint and optional extra data, as text.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::tlog::Hash;

/// The first line of every proof.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A parsed `tlog-proof@v1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// The opaque extra data (here: the entry line).
    pub extra: Option<Vec<u8>>,
    /// Zero-based index of the entry in the log.
    pub index: u64,
    /// The inclusion proof, from the leaf's sibling upward.
    pub path: Vec<Hash>,
    /// The checkpoint, a signed note, verbatim.
    pub checkpoint: Vec<u8>,
}

/// A proof file that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed tlog-proof: {0}")]
pub struct ProofFormatError(pub &'static str);

impl TlogProof {
    /// The text form.
    pub fn to_text(&self) -> Vec<u8> {
        let mut s = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            s.push_str(&format!("extra {}\n", B64.encode(extra)));
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.path {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        let mut out = s.into_bytes();
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// Parses the text form.
    pub fn parse(data: &[u8]) -> Result<Self, ProofFormatError> {
        let mut rest = data;
        let mut next_line = |what: &'static str| -> Result<&[u8], ProofFormatError> {
            let i = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or(ProofFormatError(what))?;
            let line = &rest[..i];
            rest = &rest[i + 1..];
            Ok(line)
        };
        if next_line("empty file")? != HEADER.as_bytes() {
            return Err(ProofFormatError(
                "the first line is not c2sp.org/tlog-proof@v1",
            ));
        }
        let mut line = next_line("no index line")?;
        let mut extra = None;
        if let Some(b) = line.strip_prefix(b"extra ") {
            extra = Some(
                B64.decode(b)
                    .map_err(|_| ProofFormatError("the extra data is not base64"))?,
            );
            line = next_line("no index line")?;
        }
        let idx = line
            .strip_prefix(b"index ")
            .ok_or(ProofFormatError("no index line"))?;
        let idx = std::str::from_utf8(idx).map_err(|_| ProofFormatError("bad index"))?;
        let valid = !idx.is_empty()
            && idx.bytes().all(|b| b.is_ascii_digit())
            && (idx == "0" || !idx.starts_with('0'));
        if !valid {
            return Err(ProofFormatError(
                "the index is not a decimal number without leading zeros",
            ));
        }
        let index: u64 = idx
            .parse()
            .map_err(|_| ProofFormatError("the index does not fit in 64 bits"))?;
        let mut path = Vec::new();
        loop {
            let line = next_line("no blank line before the checkpoint")?;
            if line.is_empty() {
                break;
            }
            let h = B64
                .decode(line)
                .map_err(|_| ProofFormatError("a proof hash is not base64"))?;
            path.push(
                h.try_into()
                    .map_err(|_| ProofFormatError("a proof hash is not 32 bytes"))?,
            );
        }
        if rest.is_empty() {
            return Err(ProofFormatError("no checkpoint"));
        }
        Ok(TlogProof {
            extra,
            index,
            path,
            checkpoint: rest.to_vec(),
        })
    }
}
