//! What is inside a segment, read in process with FFmpeg (`ffmpeg-next`):
//! container and stream facts, packet windows (hashes of the compressed
//! packets in consecutive windows of media time), timestamp discontinuities
//! inside the file, and runs of silence in its audio.
//!
//! Everything here reads one packet at a time: memory does not grow with the
//! length of the recording.

use std::path::Path;
use std::sync::Once;

use ffmpeg_next as ff;
use sha2::{Digest as _, Sha256};

use crate::format::windows::{StreamInfo, WindowLine, WindowsHeader};

pub mod continuity;
pub mod silence;
pub mod windowing;

pub use continuity::Continuity;
pub use silence::{Level, SilenceDetector};
pub use windowing::Windower;

/// Options for reading a segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MediaOptions {
    /// Length of a packet window in seconds of media time.
    pub window_seconds: f64,
    /// Silence detection, or `None` to skip decoding audio.
    pub silence: Option<SilenceOptions>,
}

impl Default for MediaOptions {
    fn default() -> Self {
        MediaOptions {
            window_seconds: 1.0,
            silence: Some(SilenceOptions::default()),
        }
    }
}

/// What counts as silence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SilenceOptions {
    /// Level below which audio is near-silent, in dBFS (RMS over 10 ms).
    pub threshold_db: f64,
    /// Shortest run reported, in seconds.
    pub min_seconds: f64,
}

impl Default for SilenceOptions {
    fn default() -> Self {
        SilenceOptions {
            threshold_db: -60.0,
            min_seconds: 2.0,
        }
    }
}

pub use crate::format::media::{MediaFacts, Observation, StreamFacts, WindowsRef};

/// The full reading of one file: facts, window lines, per-packet hashes.
#[derive(Debug, Clone)]
pub struct MediaAnalysis {
    /// Facts (windows reference not yet filled in).
    pub facts: MediaFacts,
    /// Sidecar header.
    pub header: WindowsHeader,
    /// Sidecar window lines, in order.
    pub windows: Vec<WindowLine>,
    /// Per-stream per-packet hashes, kept only when asked (for explaining a change).
    pub packet_hashes: Option<Vec<Vec<[u8; 32]>>>,
    /// Per-stream per-packet times in stored order (decoding times, seconds
    /// from file start), kept with the hashes.
    pub packet_times: Option<Vec<Vec<f64>>>,
    /// Per-stream per-packet presentation times, kept with the hashes.
    pub packet_presented: Option<Vec<Vec<f64>>>,
}

/// A file FFmpeg cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

pub(crate) fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Errors are returned, never printed: FFmpeg's own log stays silent.
        let _ = ff::init();
        ff::util::log::set_level(ff::util::log::Level::Quiet);
    });
}

/// Rounds to the microsecond, so stored times are short and stable.
pub fn round_us(t: f64) -> f64 {
    (t * 1e6).round() / 1e6
}

fn seconds(ts: i64, tb: ff::Rational) -> f64 {
    ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator())
}

/// The SHA-256 of one packet's compressed payload.
pub fn packet_hash(payload: &[u8]) -> [u8; 32] {
    Sha256::digest(payload).into()
}

struct StreamState {
    kind: String,
    tb: ff::Rational,
    packets: u64,
    first: Option<f64>,
    last_end: Option<f64>,
    prev_t: Option<f64>,
    prev_step: f64,
    windows: Windower,
    continuity: Continuity,
}

/// Reads a media file: facts, packet windows, discontinuities and (when
/// asked) silence. `keep_packets` keeps every packet's hash and time, needed
/// only to explain a changed file.
pub fn analyze(
    path: &Path,
    opts: &MediaOptions,
    keep_packets: bool,
) -> Result<MediaAnalysis, Unreadable> {
    init();
    let window = if opts.window_seconds.is_finite() && opts.window_seconds > 0.0 {
        opts.window_seconds
    } else {
        1.0
    };
    let mut ictx = ff::format::input(&path).map_err(|e| Unreadable(describe(&e)))?;
    let container = ictx.format().name().to_owned();
    let duration = match ictx.duration() {
        d if d > 0 => Some(round_us(d as f64 / f64::from(ff::ffi::AV_TIME_BASE))),
        _ => None,
    };
    let declared_start = {
        let meta = ictx.metadata();
        meta.get("creation_time")
            .or_else(|| meta.get("date"))
            .map(normalise_time)
    };

    // The file's time origin: the earliest stream start.
    let mut t0 = f64::INFINITY;
    let mut streams = Vec::new();
    let mut states = Vec::new();
    let mut decoders: Vec<Option<SilenceScanner>> = Vec::new();
    for st in ictx.streams() {
        let params = st.parameters();
        let kind = match params.medium() {
            ff::media::Type::Audio => "audio",
            ff::media::Type::Video => "video",
            ff::media::Type::Subtitle => "subtitle",
            ff::media::Type::Data => "data",
            _ => "other",
        };
        let mut sf = StreamFacts {
            index: st.index(),
            kind: kind.to_owned(),
            codec: params.id().name().to_owned(),
            sample_rate: None,
            channels: None,
            width: None,
            height: None,
            frame_rate: None,
            first: None,
            last: None,
            packets: 0,
        };
        let ctx = ff::codec::context::Context::from_parameters(params.clone());
        let mut scanner = None;
        if let Ok(ctx) = ctx {
            match kind {
                "audio" => {
                    if let Ok(dec) = ctx.decoder().audio() {
                        sf.sample_rate = Some(dec.rate()).filter(|r| *r > 0);
                        sf.channels = Some(dec.channels()).filter(|c| *c > 0);
                        if let Some(so) = opts.silence {
                            scanner = Some(SilenceScanner::new(dec, so));
                        }
                    }
                }
                "video" => {
                    if let Ok(dec) = ctx.decoder().video() {
                        sf.width = Some(dec.width()).filter(|w| *w > 0);
                        sf.height = Some(dec.height()).filter(|h| *h > 0);
                    }
                    let r = st.avg_frame_rate();
                    if r.numerator() > 0 && r.denominator() > 0 {
                        sf.frame_rate = Some(format!("{}/{}", r.numerator(), r.denominator()));
                    }
                }
                _ => {}
            }
        }
        let tb = st.time_base();
        if st.start_time() != ff::ffi::AV_NOPTS_VALUE && tb.denominator() != 0 {
            t0 = t0.min(seconds(st.start_time(), tb));
        }
        streams.push(sf);
        states.push(StreamState {
            kind: kind.to_owned(),
            tb,
            packets: 0,
            first: None,
            last_end: None,
            prev_t: None,
            prev_step: 0.0,
            windows: Windower::new(states.len(), window),
            continuity: Continuity::new(states.len()),
        });
        decoders.push(scanner);
    }
    if streams.is_empty() {
        return Err(Unreadable(
            "the file holds no audio or video streams".into(),
        ));
    }

    let mut observations = Vec::new();
    let mut lines = Vec::new();
    let mut hashes: Vec<Vec<[u8; 32]>> = vec![Vec::new(); streams.len()];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); streams.len()];
    let mut presented: Vec<Vec<f64>> = vec![Vec::new(); streams.len()];
    let mut corrupt = 0u64;
    let mut t0_known = t0.is_finite();
    loop {
        // A fresh packet each time: av_read_frame does not release what a
        // reused packet still holds (that would leak every payload).
        let mut packet = ff::Packet::empty();
        match packet.read(&mut ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => break,
            Err(ff::Error::InvalidData) => {
                corrupt += 1;
                if corrupt > 1000 {
                    return Err(Unreadable("the file's data is corrupt throughout".into()));
                }
                continue;
            }
            Err(e) => {
                if states.iter().all(|s| s.packets == 0) {
                    return Err(Unreadable(describe(&e)));
                }
                // Data ends early (e.g. a cut-off file): what was read stands.
                break;
            }
        }
        let si = packet.stream();
        let Some(state) = states.get_mut(si) else {
            continue;
        };
        let tb = state.tb;
        let ts = packet.dts().or(packet.pts());
        let t_abs = match ts {
            Some(ts) => seconds(ts, tb),
            None => state.prev_t.map(|p| p + state.prev_step).unwrap_or(0.0) + t0_or_zero(t0),
        };
        if !t0_known {
            t0 = t_abs;
            t0_known = true;
        }
        let t = t_abs - t0;
        let dur = if packet.duration() > 0 {
            seconds(packet.duration(), tb)
        } else {
            state.prev_step
        };
        if dur > 0.0 {
            state.prev_step = dur;
        }
        let payload = packet.data().unwrap_or(&[]);
        let ph = packet_hash(payload);

        // Discontinuities, on presentation timestamps put back in order by a
        // small reorder buffer (B-frames arrive out of presentation order).
        let pt = packet.pts().map_or(t, |p| seconds(p, tb) - t0);
        state.continuity.push(pt, dur, &mut observations);
        state.prev_t = Some(state.prev_t.map_or(t, |p| p.max(t)));
        let end = t + dur.max(0.0);
        state.last_end = Some(state.last_end.map_or(end, |e| e.max(end)));
        state.first = Some(state.first.map_or(t, |f| f.min(t)));

        if let Some(done) = state.windows.push(t, pt, ph) {
            lines.push(done);
        }
        if keep_packets {
            hashes[si].push(ph);
            times[si].push(t);
            presented[si].push(pt);
        }
        state.packets += 1;

        if let Some(sc) = decoders.get_mut(si).and_then(Option::as_mut) {
            sc.feed(&packet, tb);
        }
    }
    if states.iter().all(|s| s.packets == 0) {
        return Err(Unreadable("no packets could be read from the file".into()));
    }
    for (si, state) in states.iter_mut().enumerate() {
        state.continuity.finish(&mut observations);
        lines.extend(state.windows.finish());
        let sf = &mut streams[si];
        sf.packets = state.packets;
        sf.first = state.first.map(round_us);
        sf.last = state.last_end.map(round_us);
    }
    for (si, sc) in decoders.iter_mut().enumerate() {
        if let Some(sc) = sc {
            observations.extend(sc.finish(si, t0));
        }
    }
    // Windows in time order across streams, then by stream.
    lines.sort_by(|a, b| a.w.cmp(&b.w).then(a.s.cmp(&b.s)));
    observations.sort_by(|a, b| a.from.total_cmp(&b.from).then(a.stream.cmp(&b.stream)));
    let header = WindowsHeader {
        v: crate::format::windows::V2,
        kind: "windows".into(),
        seconds: window,
        streams: states
            .iter()
            .enumerate()
            .map(|(i, s)| StreamInfo {
                index: i,
                kind: s.kind.clone(),
                codec: streams[i].codec.clone(),
                packets: s.packets,
            })
            .collect(),
    };
    Ok(MediaAnalysis {
        facts: MediaFacts {
            container: Some(container),
            duration,
            declared_start,
            streams,
            windows: None,
            observations,
            unreadable: None,
        },
        header,
        windows: lines,
        packet_hashes: keep_packets.then_some(hashes),
        packet_times: keep_packets.then_some(times),
        packet_presented: keep_packets.then_some(presented),
    })
}

fn t0_or_zero(t0: f64) -> f64 {
    if t0.is_finite() {
        t0
    } else {
        0.0
    }
}

/// An FFmpeg error in words.
fn describe(e: &ff::Error) -> String {
    match e {
        ff::Error::InvalidData => "FFmpeg found no readable media in it (invalid data)".into(),
        ff::Error::Eof => "the file ends before any media data".into(),
        other => format!("FFmpeg cannot read it: {other}"),
    }
}

/// `creation_time` as UTC RFC 3339 with milliseconds when it parses, else as given.
fn normalise_time(s: &str) -> String {
    match time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        Ok(t) => crate::entry::format_time(t),
        Err(_) => s.to_owned(),
    }
}

/// Decodes one audio stream and feeds its frames' levels to a
/// [`SilenceDetector`].
struct SilenceScanner {
    decoder: ff::decoder::Audio,
    frame: ff::frame::Audio,
    detector: SilenceDetector,
    tb: ff::Rational,
    failed: bool,
}

impl SilenceScanner {
    fn new(decoder: ff::decoder::Audio, opts: SilenceOptions) -> Self {
        SilenceScanner {
            decoder,
            frame: ff::frame::Audio::empty(),
            detector: SilenceDetector::new(opts),
            tb: ff::Rational::new(1, 1),
            failed: false,
        }
    }

    fn feed(&mut self, packet: &ff::Packet, tb: ff::Rational) {
        if self.failed {
            return;
        }
        self.tb = tb;
        if self.decoder.send_packet(packet).is_err() {
            // A packet the decoder refuses is skipped; the rest still counts.
            return;
        }
        self.drain();
    }

    fn drain(&mut self) {
        while !self.failed && self.decoder.receive_frame(&mut self.frame).is_ok() {
            let samples = self.frame.samples();
            let channels = usize::from(self.frame.channels().max(1));
            let Some(levels) = frame_levels(&self.frame, samples, channels) else {
                self.failed = true;
                return;
            };
            let pts = self.frame.pts().map(|p| seconds(p, self.tb));
            self.detector.frame(pts, self.frame.rate(), &levels);
        }
    }

    fn finish(&mut self, stream: usize, t0: f64) -> Vec<Observation> {
        let _ = self.decoder.send_eof();
        self.drain();
        self.detector.finish(stream, t0)
    }
}

/// The level of each sample instant (mean square and peak over the
/// channels, samples scaled to [-1, 1]). `None` for a sample format this
/// does not handle.
fn frame_levels(frame: &ff::frame::Audio, samples: usize, channels: usize) -> Option<Vec<Level>> {
    use ff::format::sample::Type;
    use ff::format::Sample;
    /// Bytes per sample, planar or not, and how to read one sample.
    type Layout = (usize, bool, fn(&[u8]) -> f64);
    let (width, planar, conv): Layout = match frame.format() {
        Sample::F32(t) => (4, t == Type::Planar, |b| {
            f64::from(f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
        }),
        Sample::F64(t) => (8, t == Type::Planar, |b| {
            f64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
        }),
        Sample::I16(t) => (2, t == Type::Planar, |b| {
            f64::from(i16::from_ne_bytes([b[0], b[1]])) / 32768.0
        }),
        Sample::I32(t) => (4, t == Type::Planar, |b| {
            f64::from(i32::from_ne_bytes([b[0], b[1], b[2], b[3]])) / 2147483648.0
        }),
        Sample::U8(t) => (1, t == Type::Planar, |b| (f64::from(b[0]) - 128.0) / 128.0),
        _ => return None,
    };
    let mut out = vec![Level::default(); samples];
    if planar {
        for c in 0..channels.min(frame.planes()) {
            let data = frame.data(c);
            if data.len() < samples * width {
                return None;
            }
            for (i, o) in out.iter_mut().enumerate() {
                let v = conv(&data[i * width..]);
                o.mean_square += v * v;
                o.peak = o.peak.max(v.abs());
            }
        }
    } else {
        let data = frame.data(0);
        if data.len() < samples * channels * width {
            return None;
        }
        for (i, o) in out.iter_mut().enumerate() {
            for c in 0..channels {
                let v = conv(&data[(i * channels + c) * width..]);
                o.mean_square += v * v;
                o.peak = o.peak.max(v.abs());
            }
        }
    }
    for o in &mut out {
        o.mean_square /= channels as f64;
    }
    Some(out)
}
