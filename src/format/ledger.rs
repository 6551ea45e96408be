//! A courtroom ledger's leaf: one session checkpoint as one JSON line
//! (`docs/formats.md`, "Ledger"), and the names of the ledger evidence
//! files a session keeps.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::tlog::Hash;

/// The folder of ledger evidence inside a session's tool folder.
pub const DIR: &str = "ledger";

/// The ledger's log inside the ledger's tool folder.
pub const LOG: &str = "ledger.jsonl";

/// The largest ledger log read (some ten million leaves).
pub const MAX_LOG_BYTES: u64 = 1 << 30;

/// Largest evidence file read, in bytes.
pub const MAX_EVIDENCE_BYTES: u64 = 64 << 10;

/// One leaf: a session checkpoint's origin, size and root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// The session log's origin.
    pub origin: String,
    /// The session checkpoint's tree size.
    pub size: u64,
    /// Its root.
    pub root: Hash,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    ledger: u64,
    origin: String,
    size: u64,
    root: String,
}

impl Leaf {
    /// The leaf line, without its newline.
    pub fn to_line(&self) -> String {
        serde_json::to_string(&Wire {
            ledger: 1,
            origin: self.origin.clone(),
            size: self.size,
            root: B64.encode(self.root),
        })
        .unwrap_or_default()
    }

    /// Parses a leaf line (without its newline).
    pub fn parse(line: &[u8]) -> Result<Leaf, String> {
        let w: Wire =
            serde_json::from_slice(line).map_err(|e| format!("not a ledger leaf: {e}"))?;
        if w.ledger != 1 {
            return Err(format!("a ledger leaf of version {}, not 1", w.ledger));
        }
        let root: Hash = B64
            .decode(&w.root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or("the leaf's root is not base64 of 32 bytes")?;
        Ok(Leaf {
            origin: w.origin,
            size: w.size,
            root,
        })
    }
}

/// `<size>.proof`: the evidence for the session checkpoint of `size`.
pub fn file_name(size: u64) -> String {
    format!("{size}.proof")
}

/// `<size>.<ledger size>.proof`: later evidence for the session
/// checkpoint of `size`, against the ledger checkpoint of `ledger_size`,
/// kept beside `<size>.proof` when that one's cosignatures fall short of
/// the witnesses (`docs/formats.md`, "Later cosignatures").
pub fn later_file_name(size: u64, ledger_size: u64) -> String {
    format!("{size}.{ledger_size}.proof")
}

fn decimal(n: &str) -> Option<u64> {
    let ok =
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'));
    ok.then(|| n.parse().ok()).flatten()
}

/// The session checkpoint size an evidence file name `<size>.proof` states.
pub fn parse_file_name(name: &str) -> Option<u64> {
    decimal(name.strip_suffix(".proof")?)
}

/// The session checkpoint size, and for later evidence the ledger
/// checkpoint size, an evidence file name states: `<size>.proof` or
/// `<size>.<ledger size>.proof`.
pub fn parse_any_file_name(name: &str) -> Option<(u64, Option<u64>)> {
    let n = name.strip_suffix(".proof")?;
    match n.split_once('.') {
        None => Some((decimal(n)?, None)),
        Some((s, m)) => Some((decimal(s)?, Some(decimal(m)?))),
    }
}

/// Largest ledger timestamp token read, in bytes (as a session's).
pub const MAX_TOKEN_BYTES: u64 = crate::format::timestamp::MAX_TOKEN_BYTES;

/// `<evidence file>.<n>.tsr`: the nth RFC 3161 token over the ledger
/// checkpoint of the evidence file `evidence` (`5.proof.1.tsr`), kept
/// beside it (`docs/formats.md`, "Ledger timestamps").
pub fn token_file_name(evidence: &str, n: u32) -> String {
    format!("{evidence}.{n}.tsr")
}

/// What a name in a session's `courtseal/ledger/` states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Named {
    /// Evidence: the session checkpoint size, and for later evidence the
    /// ledger checkpoint size.
    Evidence(u64, Option<u64>),
    /// A timestamp token over the ledger checkpoint of that evidence file,
    /// and its number (from 1).
    Token(u64, Option<u64>, u32),
}

/// An evidence file name or a token file name of `courtseal/ledger/`.
pub fn parse_listed(name: &str) -> Option<Named> {
    if let Some(t) = name.strip_suffix(".tsr") {
        let (evidence, n) = t.rsplit_once('.')?;
        let n = u32::try_from(decimal(n)?).ok().filter(|n| *n > 0)?;
        let (size, later) = parse_any_file_name(evidence)?;
        return Some(Named::Token(size, later, n));
    }
    let (size, later) = parse_any_file_name(name)?;
    Some(Named::Evidence(size, later))
}

/// The evidence file name a [`Named`] is or belongs to.
pub fn evidence_name(size: u64, later: Option<u64>) -> String {
    match later {
        None => file_name(size),
        Some(m) => later_file_name(size, m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leaf_line_is_exact_and_round_trips() {
        let l = Leaf {
            origin: "court.example/a".into(),
            size: 5,
            root: [7; 32],
        };
        let line = l.to_line();
        assert_eq!(
            line,
            format!(
                "{{\"ledger\":1,\"origin\":\"court.example/a\",\"size\":5,\"root\":\"{}\"}}",
                B64.encode([7u8; 32])
            )
        );
        assert_eq!(Leaf::parse(line.as_bytes()).unwrap(), l);
        assert!(
            Leaf::parse(b"{\"ledger\":1,\"origin\":\"a\",\"size\":1,\"root\":\"\",\"x\":1}")
                .is_err()
        );
        assert_eq!(parse_file_name("12.proof"), Some(12));
        assert_eq!(parse_file_name("012.proof"), None);
        assert_eq!(parse_file_name("12.30.proof"), None);
        assert_eq!(parse_any_file_name("12.proof"), Some((12, None)));
        assert_eq!(
            parse_any_file_name(&later_file_name(12, 30)),
            Some((12, Some(30)))
        );
        for bad in [
            "12.030.proof",
            "12..proof",
            ".30.proof",
            "12.30.4.proof",
            "12.3a.proof",
        ] {
            assert_eq!(parse_any_file_name(bad), None, "{bad}");
        }
        assert_eq!(parse_listed("5.proof"), Some(Named::Evidence(5, None)));
        assert_eq!(
            parse_listed(&token_file_name("5.proof", 1)),
            Some(Named::Token(5, None, 1))
        );
        assert_eq!(
            parse_listed(&token_file_name(&later_file_name(5, 9), 12)),
            Some(Named::Token(5, Some(9), 12))
        );
        for bad in [
            "5.proof.0.tsr",
            "5.proof.01.tsr",
            "5.proof.tsr",
            "5.1.tsr",
            "5.proof.1.2.tsr",
            "5.proof.4294967296.tsr",
        ] {
            assert_eq!(parse_listed(bad), None, "{bad}");
        }
    }
}
