//! C2SP checkpoints (<https://c2sp.org/tlog-checkpoint>): the note text
//! `origin\nsize\nbase64(root)\n` with optional extension lines.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::tlog::Hash;

/// A parsed checkpoint body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line: its unique identity.
    pub origin: String,
    /// Number of entries the tree covers.
    pub size: u64,
    /// `MTH` of those entries.
    pub root: Hash,
    /// Extension lines, without their newlines.
    pub extensions: Vec<String>,
}

/// Why a checkpoint body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The body does not have the required shape.
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text of this checkpoint.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses a checkpoint note text (as returned by [`crate::note::open`]).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        use CheckpointError::Malformed;
        let body = text
            .strip_suffix('\n')
            .ok_or(Malformed("the last line has no newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(Malformed("empty origin"))?;
        let size = lines.next().ok_or(Malformed("no tree size line"))?;
        let valid_number = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        if !valid_number {
            return Err(Malformed(
                "tree size is not a decimal number without leading zeros",
            ));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| Malformed("tree size does not fit in 64 bits"))?;
        let root = lines.next().ok_or(Malformed("no root hash line"))?;
        let root = B64
            .decode(root)
            .map_err(|_| Malformed("root hash is not base64"))?;
        let root: Hash = root
            .try_into()
            .map_err(|_| Malformed("root hash is not 32 bytes"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(Malformed("empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }
}
