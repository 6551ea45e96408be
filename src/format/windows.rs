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
//!
//! Version 2 adds to each window line what places an edit at the packet:
//! `p`, the first [`PREFIX_BYTES`] bytes of each packet's SHA-256, and the
//! packet times (`dt`, one step for evenly spaced packets, or `pt`, each
//! packet's offset from `t` in microseconds). Version 1 sidecars stay valid.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::digest::Sha256Digest;
use crate::format::media::WindowsRef;
use crate::tlog::{self, Tree};

/// The first sidecar version: window hashes only.
pub const V1: u32 = 1;
/// The second: window hashes, per-packet hash prefixes and packet times.
pub const V2: u32 = 2;
/// The third: as the second, with PCM streams cut into content-defined
/// chunks of their sample bytes instead of the container's packets.
pub const V3: u32 = 3;
/// Bytes of each packet's SHA-256 kept in a version 2 window line: enough
/// to align a copy's packets with the sealed ones (runs of several packets
/// are matched, never one prefix alone), small next to the media.
pub const PREFIX_BYTES: usize = 4;

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
    /// Number of packets (version 3, a stream with `chunks`: of chunks).
    pub packets: u64,
    /// Version 3, a PCM stream: its units are content-defined chunks of its
    /// sample bytes, not the container's packets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<ChunkParams>,
}

/// How a PCM stream's sample bytes are cut into chunks (version 3): FastCDC
/// (2020 variant, normalisation level 1, the default gear table) over the
/// stream's bytes joined, each cut point moved forward to a multiple of
/// `align` bytes from the chunk's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChunkParams {
    /// Bytes per sample frame (channels × bytes per sample).
    pub align: u32,
    /// FastCDC minimum chunk size, bytes.
    pub min: u32,
    /// FastCDC average chunk size, bytes (a power of two).
    pub avg: u32,
    /// FastCDC maximum chunk size, bytes.
    pub max: u32,
}

impl ChunkParams {
    /// Whether these are parameters FastCDC takes as they are: an average
    /// that is a power of two from 256 bytes to 1 MiB, a minimum from 64
    /// bytes to the average, a maximum from the average (and 1 KiB) to
    /// 16 MiB, minimum and maximum even, the maximum whole frames, frames
    /// of 1 to 4096 bytes.
    pub fn usable(&self) -> bool {
        let (align, min, avg, max) = (self.align, self.min, self.avg, self.max);
        (1..=4096).contains(&align)
            && avg.is_power_of_two()
            && (256..=1 << 20).contains(&avg)
            && (64..=avg).contains(&min)
            && (avg.max(1024)..=1 << 24).contains(&max)
            && min.is_multiple_of(2)
            && max.is_multiple_of(2)
            && max.is_multiple_of(align)
    }
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
    /// Version 2: base64 of the first [`PREFIX_BYTES`] bytes of the SHA-256
    /// of each of the `count` packets, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<String>,
    /// Version 2, evenly spaced packets: packet `i` of the window is at
    /// `t + i·dt` seconds (within 2 µs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dt: Option<f64>,
    /// Version 2, other packets: base64 of `count` little-endian signed
    /// 32-bit integers, each packet's time minus `t` in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pt: Option<String>,
}

impl WindowLine {
    /// The packets' hash prefixes (version 2), as big-endian integers.
    pub fn prefixes(&self) -> Option<Vec<u32>> {
        let raw = b64(self.p.as_deref()?)?;
        if raw.len() != self.count as usize * PREFIX_BYTES {
            return None;
        }
        Some(
            raw.chunks_exact(PREFIX_BYTES)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }

    /// Each packet's time (version 2); `None` for a version 1 line or a
    /// window whose packet times could not be kept.
    pub fn packet_times(&self) -> Option<Vec<f64>> {
        let n = self.count as usize;
        self.p.as_ref()?;
        if let Some(dt) = self.dt {
            return Some((0..n).map(|i| self.t + i as f64 * dt).collect());
        }
        if let Some(pt) = &self.pt {
            let raw = b64(pt)?;
            if raw.len() != n * 4 {
                return None;
            }
            return Some(
                raw.chunks_exact(4)
                    .map(|c| self.t + f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])) / 1e6)
                    .collect(),
            );
        }
        (n == 1).then(|| vec![self.t])
    }
}

fn b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

/// The version 2 fields of a window whose packets have these hashes and
/// presentation times (seconds), the window's `t` being `t0`: `(p, dt, pt)`.
pub fn packet_fields(
    hashes: &[[u8; 32]],
    t0: f64,
    times: &[f64],
) -> (String, Option<f64>, Option<String>) {
    let mut raw = Vec::with_capacity(hashes.len() * PREFIX_BYTES);
    for h in hashes {
        raw.extend_from_slice(&h[..PREFIX_BYTES]);
    }
    let p = base64::engine::general_purpose::STANDARD.encode(raw);
    let us: Vec<i64> = times
        .iter()
        .map(|t| ((t - t0) * 1e6).round() as i64)
        .collect();
    let last = us.last().copied().unwrap_or(0);
    let step = last as f64 / us.len().saturating_sub(1).max(1) as f64;
    let even = us.first() == Some(&0)
        && us.len() >= 2
        && step > 0.0
        && us
            .iter()
            .enumerate()
            .all(|(i, &u)| (u as f64 - i as f64 * step).abs() <= 2.0);
    if even {
        // Nanoseconds are enough: 2 µs of slack is allowed above.
        return (p, Some((step * 1e3).round() / 1e9), None);
    }
    let mut pt = Vec::with_capacity(us.len() * 4);
    for &u in &us {
        match i32::try_from(u) {
            Ok(v) => pt.extend_from_slice(&v.to_le_bytes()),
            // A packet more than 35 minutes off its window's first one
            // (a wild timestamp): the window's times are not kept.
            Err(_) => return (p, None, None),
        }
    }
    (
        p,
        None,
        Some(base64::engine::general_purpose::STANDARD.encode(pt)),
    )
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
#[expect(
    clippy::expect_used,
    reason = "the header and window lines hold only strings and numbers, which always serialise"
)]
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
    if header.kind != "windows" || !(V1..=V3).contains(&header.v) {
        return Err(err(1, "not a version 1, 2 or 3 windows header".into()));
    }
    for st in &header.streams {
        match st.chunks {
            Some(c) if header.v < V3 || !c.usable() => {
                return Err(err(
                    1,
                    format!(
                        "stream {}: chunk parameters out of range or before version 3",
                        st.index
                    ),
                ));
            }
            _ => {}
        }
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
        if let Some(what) = version_fields_problem(header.v, &w) {
            return Err(err(i + 2, what.into()));
        }
        windows.push(w);
    }
    Ok(Sidecar { header, windows })
}

/// What is wrong with a window line's version 2 fields, if anything.
fn version_fields_problem(v: u32, w: &WindowLine) -> Option<&'static str> {
    if v == V1 {
        return (w.p.is_some() || w.dt.is_some() || w.pt.is_some())
            .then_some("a version 1 window line has no packet prefixes or times");
    }
    if w.prefixes().is_none() {
        return Some("the packet prefixes `p` are missing or do not hold `count` prefixes");
    }
    if w.dt.is_some() && w.pt.is_some() {
        return Some("a window line has either `dt` or `pt`, not both");
    }
    if w.dt.is_some_and(|dt| !(dt.is_finite() && dt > 0.0)) {
        return Some("`dt` must be a positive number of seconds");
    }
    if w.pt.is_some() && w.packet_times().is_none() {
        return Some("the packet times `pt` do not hold `count` offsets");
    }
    None
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
