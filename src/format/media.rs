//! The media facts sealed with a segment (the `media` field of its entry):
//! container, streams, timing, where its packet windows are, and what was
//! observed. Read by `media` at sealing; only their shape lives here.

use serde::{Deserialize, Serialize};

/// One stream of a segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamFacts {
    /// Stream index in the container.
    pub index: usize,
    /// `audio`, `video`, `subtitle`, `data` or `other`.
    pub kind: String,
    /// Codec name as FFmpeg gives it (`aac`, `h264`, …).
    pub codec: String,
    /// Audio: samples per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    /// Audio: channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<u16>,
    /// Video: width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Video: height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Video: average frame rate, as `num/den`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<String>,
    /// Time of the first packet, seconds from the start of the file.
    pub first: Option<f64>,
    /// End of the last packet, seconds from the start of the file.
    pub last: Option<f64>,
    /// Number of packets.
    pub packets: u64,
}

/// Something noticed in the media: an observation, not a verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// `media.internal_gap`, `media.timestamp_reversal`, `media.silence`.
    pub code: String,
    /// Stream index.
    pub stream: usize,
    /// Start, seconds from the start of the file.
    pub from: f64,
    /// End, seconds from the start of the file.
    pub to: f64,
    /// Silence: the threshold used, dBFS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_db: Option<f64>,
    /// Silence: true when every sample was exactly zero (digital silence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digital: Option<bool>,
}

/// Where a segment's packet windows are and what they hash to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowsRef {
    /// The sidecar file, relative to the session folder.
    pub file: String,
    /// Window length in seconds.
    pub seconds: f64,
    /// Number of lines (leaves) in the sidecar, header included.
    pub lines: u64,
    /// SHA-256 of the sidecar file, hex.
    pub sha256: String,
    /// RFC 6962 root over the sidecar's lines, base64.
    pub root: String,
}

/// Media facts sealed with a segment (the `media` field of its entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFacts {
    /// FFmpeg's container name, or `None` when unreadable.
    pub container: Option<String>,
    /// Duration in seconds, as the container declares it.
    pub duration: Option<f64>,
    /// The recorder's declared start time (`creation_time`), when present.
    pub declared_start: Option<String>,
    /// Streams.
    pub streams: Vec<StreamFacts>,
    /// The packet-window sidecar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<WindowsRef>,
    /// Observations: internal gaps, timestamp reversals, silence.
    pub observations: Vec<Observation>,
    /// Why FFmpeg could not read the file (`media.unreadable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}
