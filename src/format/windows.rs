//! The packet-window sidecar of a segment: its format, pure bytes <-> types.
//!
//! The sidecar (`SESSION/courtseal/windows/<seq>.jsonl`) is JSON lines: a
//! header, then one line per window and stream. A window line's `sha256` is
//! `SHA-256(h_1 || h_2 || … || h_count)` where `h_i = SHA-256(payload_i)` for
//! the `count` consecutive packets of stream `s` starting at the stream's
//! packet number `first`. Payloads are the compressed packets exactly as
//! demuxed, so a copy that only changed container (a remux) has the same
//! windows. The sidecar's RFC 6962 root is over its lines, header first, as
//! for the log, so one window can be proven on its own.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::digest::Sha256Digest;
use crate::format::media::WindowsRef;
use crate::tlog::{self, Tree};

/// First line of a sidecar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowsHeader {
    /// Format version.
    pub v: u32,
    /// Always `"windows"`.
    pub kind: String,
    /// Window length in seconds.
    pub seconds: f64,
    /// The streams, by index.
    pub streams: Vec<StreamInfo>,
}

/// A stream as the sidecar records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamInfo {
    /// Index in the container.
    pub index: usize,
    /// `audio`, `video`, …
    pub kind: String,
    /// Codec name.
    pub codec: String,
    /// Number of packets.
    pub packets: u64,
}

/// One window of one stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowLine {
    /// Window number: covers media time `[w·seconds, (w+1)·seconds)`.
    pub w: i64,
    /// Stream index.
    pub s: usize,
    /// Window start, seconds from the start of the file.
    pub from: f64,
    /// Window end.
    pub to: f64,
    /// Time of the window's first packet.
    pub t: f64,
    /// The stream's packet number of the first packet (from 0).
    pub first: u64,
    /// Number of packets.
    pub count: u64,
    /// Window hash, hex.
    pub sha256: String,
}

/// A parsed sidecar.
#[derive(Debug, Clone)]
pub struct Sidecar {
    /// The header.
    pub header: WindowsHeader,
    /// The window lines.
    pub windows: Vec<WindowLine>,
}

/// A sidecar that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct SidecarError {
    /// Line number, from 1.
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

/// The sidecar bytes for a header and its windows.
pub fn to_bytes(header: &WindowsHeader, windows: &[WindowLine]) -> Vec<u8> {
    let mut out = serde_json::to_vec(header).expect("JSON");
    out.push(b'\n');
    for w in windows {
        out.extend(serde_json::to_vec(w).expect("JSON"));
        out.push(b'\n');
    }
    out
}

/// Parses sidecar bytes, strictly.
pub fn parse(data: &[u8]) -> Result<Sidecar, SidecarError> {
    let err = |line: usize, what: String| SidecarError { line, what };
    let body = data
        .strip_suffix(b"\n")
        .ok_or_else(|| err(0, "does not end with a newline".into()))?;
    let mut lines = body.split(|&b| b == b'\n');
    let first = lines.next().ok_or_else(|| err(1, "empty".into()))?;
    let header: WindowsHeader = serde_json::from_slice(first).map_err(|e| err(1, e.to_string()))?;
    if header.kind != "windows" || header.v != crate::entry::VERSION {
        return Err(err(1, "not a version 1 windows header".into()));
    }
    if !(header.seconds.is_finite() && header.seconds > 0.0) {
        return Err(err(1, "window length must be positive".into()));
    }
    let mut windows = Vec::new();
    for (i, l) in lines.enumerate() {
        let w: WindowLine = serde_json::from_slice(l).map_err(|e| err(i + 2, e.to_string()))?;
        let known = header
            .streams
            .get(w.s)
            .is_some_and(|s| w.first.checked_add(w.count).is_some_and(|e| e <= s.packets));
        if !known || w.count == 0 || w.sha256.parse::<Sha256Digest>().is_err() {
            return Err(err(
                i + 2,
                "window refers to packets the header does not have, or has a bad hash".into(),
            ));
        }
        windows.push(w);
    }
    Ok(Sidecar { header, windows })
}

/// The reference to put in the entry: file, hash and RFC 6962 root over lines.
pub fn reference(bytes: &[u8], file: &str, seconds: f64) -> WindowsRef {
    let leaves: Vec<tlog::Hash> = bytes
        .strip_suffix(b"\n")
        .unwrap_or(bytes)
        .split(|&b| b == b'\n')
        .map(tlog::leaf_hash)
        .collect();
    let lines = leaves.len() as u64;
    let root = Tree::from_leaf_hashes(leaves).root();
    WindowsRef {
        file: file.to_owned(),
        seconds,
        lines,
        sha256: Sha256Digest::of(bytes).to_hex(),
        root: base64::engine::general_purpose::STANDARD.encode(root),
    }
}
