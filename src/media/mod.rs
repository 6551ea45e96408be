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

use crate::format::windows::{ChunkParams, StreamInfo, WindowLine, WindowsHeader, V2, V3};

pub mod chunking;
pub mod continuity;
pub mod kept;
pub mod normalise;
pub mod ogg;
pub mod silence;
pub mod windowing;

pub use continuity::Continuity;
pub use kept::Times;
pub use silence::{Level, SilenceDetector};
pub use windowing::Windower;

/// Options for reading a segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MediaOptions {
    /// Length of a packet window in seconds of media time.
    pub window_seconds: f64,
    /// Silence detection, or `None` to skip decoding audio.
    pub silence: Option<SilenceOptions>,
    /// The sidecar version to read the packets for: [`V3`] (what is sealed
    /// now) cuts PCM streams into content-defined chunks; [`V2`] keeps every
    /// stream's container packets, to compare a copy with a version 1 or 2
    /// sidecar.
    pub version: u32,
}

impl Default for MediaOptions {
    fn default() -> Self {
        MediaOptions {
            window_seconds: 1.0,
            silence: Some(SilenceOptions::default()),
            version: V3,
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

/// What [`analyze`] keeps besides the facts and the sidecar header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The sidecar's window lines, nothing per packet (sealing, inspecting).
    Windows,
    /// The window lines, and every packet's full hash, hash prefix and times.
    All,
    /// What explaining a changed copy needs, and no window lines: every
    /// packet's hash prefix and times, and its full hash only when
    /// `full_hashes` (a version 1 sidecar is compared window hash by window
    /// hash).
    ToExplain {
        /// Keep the full 32-byte hashes too.
        full_hashes: bool,
    },
}

impl Keep {
    fn packets(self) -> bool {
        self != Keep::Windows
    }

    fn full_hashes(self) -> bool {
        matches!(self, Keep::All | Keep::ToExplain { full_hashes: true })
    }

    fn windows(self) -> bool {
        !matches!(self, Keep::ToExplain { .. })
    }
}

/// The full reading of one file: facts, window lines, per-packet hashes.
#[derive(Debug, Clone)]
pub struct MediaAnalysis {
    /// Facts (windows reference not yet filled in).
    pub facts: MediaFacts,
    /// Sidecar header.
    pub header: WindowsHeader,
    /// Sidecar window lines, in order (none when kept [`Keep::ToExplain`]).
    pub windows: Vec<WindowLine>,
    /// Per-stream per-packet hashes, kept with [`Keep::All`] or
    /// [`Keep::ToExplain`] with `full_hashes`.
    pub packet_hashes: Option<Vec<Vec<[u8; 32]>>>,
    /// Per-stream per-packet hash prefixes (the first
    /// [`crate::format::windows::PREFIX_BYTES`] bytes of each hash, big
    /// endian), kept unless [`Keep::Windows`].
    pub packet_prefixes: Option<Vec<Vec<u32>>>,
    /// Per-stream per-packet times in stored order (decoding times, seconds
    /// from file start), kept with the full hashes (comparing with a version
    /// 2 or 3 sidecar uses the presentation times).
    pub packet_times: Option<Vec<Times>>,
    /// Per-stream the last unit's time in stored order, kept with the
    /// prefixes.
    pub packet_last: Option<Vec<Option<f64>>>,
    /// Per-stream per-packet presentation times, kept with the prefixes.
    pub packet_presented: Option<Vec<Times>>,
    /// Ogg pages whose checksum fails (readers skip them), counted only
    /// with the packets kept (to explain a changed copy); 0 otherwise.
    pub damaged_pages: usize,
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

/// The containers FFmpeg may open for courtseal (demuxer names, as
/// FFmpeg's `format_whitelist` matches them): what recorders, dictaphones
/// and phones write. Not allowed are the demuxers that open other files or
/// the network named *inside* the file, chosen by FFmpeg from the content
/// alone: a playlist (`hls`), a concat script (`concat`), a session
/// description (`sdp`), an image sequence (`image2`), and the like. A file
/// that reads as one of those is refused, so a hostile file in a session
/// cannot make FFmpeg open a FIFO, follow a link outside the session or
/// reach the network.
pub const ALLOWED_CONTAINERS: &str =
    "mov,matroska,wav,w64,mp3,aac,flac,ogg,mpegts,avi,asf,caf,amr,aiff,au,mxf,mpeg,flv,dv";

/// Opens `path` with FFmpeg, allowing only [`ALLOWED_CONTAINERS`] and the
/// `file` protocol.
pub(crate) fn open_input<P: AsRef<std::path::Path> + ?Sized>(
    path: &P,
) -> Result<ff::format::context::Input, ff::Error> {
    init();
    let mut opts = ff::Dictionary::new();
    opts.set("format_whitelist", ALLOWED_CONTAINERS);
    opts.set("protocol_whitelist", "file");
    ff::format::input_with_dictionary(&path.as_ref(), opts)
}

/// The fewest bytes a packet is counted at when reserving room for a file's
/// packets from what its header announces.
const MIN_PACKET_BYTES: u64 = 16;

/// Rounds to the microsecond, so stored times are short and stable.
pub fn round_us(t: f64) -> f64 {
    (t * 1e6).round() / 1e6
}

fn seconds(ts: i64, tb: ff::Rational) -> f64 {
    ticks_to_seconds(ts, tb.numerator(), tb.denominator())
}

/// `ts` ticks of `num / den` seconds, in seconds (the one conversion both
/// the reader and [`Times`] use, so kept times are the same to the bit).
fn ticks_to_seconds(ts: i64, num: i32, den: i32) -> f64 {
    ts as f64 * f64::from(num) / f64::from(den)
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
    /// Version 3, a PCM stream: its chunker, sample rate and the time of
    /// its first sample.
    pcm: Option<Pcm>,
    /// Units in the sidecar: packets, or chunks for a PCM stream.
    units: u64,
    /// How packets are hashed: as demuxed, or (version 3) without framing.
    framing: normalise::Framing,
}

/// What is kept of one stream's units (packets, or a PCM stream's chunks).
struct Kept {
    /// Full hashes, when kept.
    hashes: Option<Vec<[u8; 32]>>,
    prefixes: Vec<u32>,
    /// Stored-order times, kept with the full hashes.
    times: Times,
    presented: Times,
    /// The last stored-order time.
    last: Option<f64>,
}

impl Kept {
    fn push_hash(&mut self, hash: [u8; 32]) {
        if let Some(h) = &mut self.hashes {
            h.push(hash);
        }
        self.prefixes
            .push(u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]]));
    }

    /// A unit's stored-order time: from timestamp `ts`, or `t` seconds.
    fn push_time(&mut self, ts: Option<i64>, t: f64) {
        self.last = Some(t);
        if self.hashes.is_none() {
            return;
        }
        match ts {
            Some(ts) => self.times.push_ticks(ts),
            None => self.times.push_seconds(t),
        }
    }
}

struct Pcm {
    chunker: chunking::Chunker,
    params: ChunkParams,
    rate: f64,
    start: Option<f64>,
    done: Vec<chunking::Chunk>,
}

impl Pcm {
    /// Feeds the chunks done so far to the windows (and the kept units).
    fn flush(
        &mut self,
        windows: &mut Windower,
        lines: Option<&mut Vec<WindowLine>>,
        kept: Option<&mut Kept>,
    ) -> u64 {
        let start = self.start.unwrap_or(0.0);
        let n = self.done.len() as u64;
        let mut kept = kept;
        let mut lines = lines;
        for (frame, hash) in self.done.drain(..) {
            let t = start + frame as f64 / self.rate;
            if let Some(lines) = lines.as_mut() {
                lines.extend(windows.push(t, t, hash));
            }
            if let Some(k) = kept.as_mut() {
                k.push_hash(hash);
                k.push_time(None, t);
                k.presented.push_seconds(t);
            }
        }
        n
    }
}

/// Reads a media file: facts, packet windows, discontinuities and (when
/// asked) silence. `keep` says what is kept of every packet (for a PCM
/// stream in version 3, of every chunk), needed only to explain a changed
/// file or prove an excerpt, and whether the window lines are made.
pub fn analyze(path: &Path, opts: &MediaOptions, keep: Keep) -> Result<MediaAnalysis, Unreadable> {
    let keep_packets = keep.packets();
    init();
    let window = if opts.window_seconds.is_finite() && opts.window_seconds > 0.0 {
        opts.window_seconds
    } else {
        1.0
    };
    let mut ictx = open_input(&path).map_err(|e| Unreadable(describe(&e)))?;
    // What the kept vectors reserve is bounded by the file's size, whatever
    // the container claims (a hint only: they grow past it if need be).
    let most_packets = std::fs::metadata(path).map_or(0, |m| m.len() / MIN_PACKET_BYTES);
    let container = ictx.format().name().to_owned();
    let duration = match ictx.duration() {
        d if d > 0 => Some(round_us(d as f64 / f64::from(ff::ffi::AV_TIME_BASE))),
        _ => None,
    };
    let declared_start = {
        let meta = ictx.metadata();
        let file = declared(meta.get("creation_time"), meta.get("date"));
        // Ogg (Opus, Vorbis) keeps its tags on the stream, not the file.
        file.or_else(|| {
            ictx.streams().find_map(|st| {
                let m = st.metadata();
                declared(m.get("creation_time"), m.get("date"))
            })
        })
    };

    // The file's time origin: the earliest stream start.
    let mut t0 = f64::INFINITY;
    let mut streams = Vec::new();
    let mut states = Vec::new();
    let mut decoders: Vec<Option<SilenceScanner>> = Vec::new();
    // The number of packets each stream's header announces, if it does.
    let mut hints: Vec<usize> = Vec::new();
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
        let mut pcm = None;
        if let Ok(ctx) = ctx {
            match kind {
                "audio" => {
                    if let Ok(dec) = ctx.decoder().audio() {
                        sf.sample_rate = Some(dec.rate()).filter(|r| *r > 0);
                        sf.channels = Some(dec.channels()).filter(|c| *c > 0);
                        let bytes = chunking::pcm_sample_bytes(&sf.codec);
                        if let (true, Some(b), Some(r), Some(c)) =
                            (opts.version >= V3, bytes, sf.sample_rate, sf.channels)
                        {
                            pcm = chunking::params(r, b * usize::from(c)).map(|params| Pcm {
                                chunker: chunking::Chunker::new(params),
                                params,
                                rate: f64::from(r),
                                start: None,
                                done: Vec::new(),
                            });
                        }
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
        hints.push(
            u64::try_from(st.frames())
                .unwrap_or(0)
                .min(most_packets)
                .try_into()
                .unwrap_or(0),
        );
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
            pcm,
            units: 0,
            framing: if opts.version >= V3 {
                normalise::Framing::of(&streams[streams.len() - 1].codec)
            } else {
                normalise::Framing::Raw
            },
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
    let mut kept: Vec<Kept> = states
        .iter()
        .map(|_| Kept {
            hashes: keep.full_hashes().then(Vec::new),
            prefixes: Vec::new(),
            times: Times::default(),
            presented: Times::default(),
            last: None,
        })
        .collect();
    let make_lines = keep.windows();
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
        if keep_packets && state.packets == 0 {
            // Every time kept of this stream is converted with this origin,
            // which no longer changes.
            // Everything kept: as seconds, as computed here; a PCM stream's
            // chunk times are not timestamps.
            let k = &mut kept[si];
            let make = if keep == Keep::All || state.pcm.is_some() {
                Times::plain
            } else {
                Times::new
            };
            k.times = make(tb.numerator(), tb.denominator(), t0);
            k.presented = make(tb.numerator(), tb.denominator(), t0);
            // Reserved at once rather than grown by doubling (which holds
            // the old and the new vector while it copies, and leaves up to
            // half unused). A PCM stream's chunks are not its packets.
            if state.pcm.is_none() {
                let n = hints[si];
                k.prefixes.reserve(n);
                k.presented.reserve(n);
                if let Some(h) = &mut k.hashes {
                    h.reserve(n);
                    k.times.reserve(n);
                }
            }
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
        let ph = state.framing.hash(payload);

        // Discontinuities, on presentation timestamps put back in order by a
        // small reorder buffer (B-frames arrive out of presentation order).
        let pt = packet.pts().map_or(t, |p| seconds(p, tb) - t0);
        state.continuity.push(pt, dur, &mut observations);
        state.prev_t = Some(state.prev_t.map_or(t, |p| p.max(t)));
        let end = t + dur.max(0.0);
        state.last_end = Some(state.last_end.map_or(end, |e| e.max(end)));
        state.first = Some(state.first.map_or(t, |f| f.min(t)));

        if let Some(pcm) = &mut state.pcm {
            pcm.start.get_or_insert(pt);
            pcm.chunker.push(payload, &mut pcm.done);
            let k = keep_packets.then(|| &mut kept[si]);
            let l = make_lines.then_some(&mut lines);
            state.units += pcm.flush(&mut state.windows, l, k);
        } else {
            if make_lines {
                if let Some(done) = state.windows.push(t, pt, ph) {
                    lines.push(done);
                }
            }
            if keep_packets {
                // The same values as `t` and `pt` above, kept as ticks
                // where they come from a timestamp.
                let k = &mut kept[si];
                k.push_hash(ph);
                if keep == Keep::All {
                    k.push_time(None, t);
                    k.presented.push_seconds(pt);
                } else {
                    k.push_time(ts, t);
                    match packet.pts() {
                        Some(p) => k.presented.push_ticks(p),
                        None => k.presented.push_seconds(t),
                    }
                }
            }
            state.units += 1;
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
        if let Some(pcm) = &mut state.pcm {
            pcm.chunker.finish(&mut pcm.done);
            let k = keep_packets.then(|| &mut kept[si]);
            let l = make_lines.then_some(&mut lines);
            state.units += pcm.flush(&mut state.windows, l, k);
        }
        if make_lines {
            lines.extend(state.windows.finish());
        }
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
        v: if opts.version >= V3 { V3 } else { V2 },
        kind: "windows".into(),
        seconds: window,
        streams: states
            .iter()
            .enumerate()
            .map(|(i, s)| StreamInfo {
                index: i,
                kind: s.kind.clone(),
                codec: streams[i].codec.clone(),
                packets: s.units,
                chunks: s.pcm.as_ref().map(|p| p.params),
            })
            .collect(),
    };
    Ok(MediaAnalysis {
        facts: MediaFacts {
            container: Some(container.clone()),
            duration,
            declared_start,
            streams,
            windows: None,
            observations,
            unreadable: None,
        },
        header,
        windows: lines,
        packet_hashes: keep.full_hashes().then(|| {
            kept.iter_mut()
                .map(|k| k.hashes.take().unwrap_or_default())
                .collect()
        }),
        packet_prefixes: keep_packets.then(|| {
            kept.iter_mut()
                .map(|k| std::mem::take(&mut k.prefixes))
                .collect()
        }),
        packet_times: keep.full_hashes().then(|| {
            kept.iter_mut()
                .map(|k| std::mem::take(&mut k.times))
                .collect()
        }),
        packet_last: keep_packets.then(|| kept.iter().map(|k| k.last).collect()),
        packet_presented: keep_packets.then(|| {
            kept.iter_mut()
                .map(|k| std::mem::take(&mut k.presented))
                .collect()
        }),
        damaged_pages: if keep_packets && container == "ogg" {
            ogg::damaged_pages(path).unwrap_or(0)
        } else {
            0
        },
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
/// EINVAL, the error FFmpeg gives for a container not on the whitelist.
fn libc_einval() -> i32 {
    rustix::io::Errno::INVAL.raw_os_error()
}

pub(crate) fn describe(e: &ff::Error) -> String {
    match e {
        ff::Error::InvalidData => "FFmpeg found no readable media in it (invalid data)".into(),
        ff::Error::Eof => "the file ends before any media data".into(),
        // What `format_whitelist` answers (see `open_input`).
        ff::Error::Other { errno } if *errno == libc_einval() => format!(
            "FFmpeg reads it as a kind of file courtseal does not open (not one of the containers {ALLOWED_CONTAINERS}: a playlist, a concat script or a stream description names other files, which are never opened)"
        ),
        other => format!("FFmpeg cannot read it: {other}"),
    }
}

/// The declared start from a `creation_time` and a `date` tag. FFmpeg reads
/// a Broadcast WAV `bext` chunk's origination date as `date` and its
/// origination time as `creation_time`: together they are one local date
/// and time (`bext` has no time zone), `YYYY-MM-DDTHH:MM:SS`.
fn declared(creation_time: Option<&str>, date: Option<&str>) -> Option<String> {
    let is_date = |d: &str| {
        d.len() == 10
            && d.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-' || b == b':' || b == b'/' || b == b'.' || b == b'_',
                _ => b.is_ascii_digit(),
            })
    };
    let is_time = |t: &str| {
        t.len() == 8
            && t.bytes().enumerate().all(|(i, b)| match i {
                2 | 5 => b == b':' || b == b'-' || b == b'.' || b == b'_',
                _ => b.is_ascii_digit(),
            })
    };
    match (creation_time, date) {
        (Some(t), Some(d)) if is_time(t) && is_date(d) => Some(format!(
            "{}-{}-{}T{}:{}:{}",
            &d[0..4],
            &d[5..7],
            &d[8..10],
            &t[0..2],
            &t[3..5],
            &t[6..8]
        )),
        (Some(t), _) => Some(normalise_time(t)),
        (None, Some(d)) => Some(normalise_time(d)),
        (None, None) => None,
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
    /// The levels of the frame at hand (reused).
    levels: Vec<Level>,
}

impl SilenceScanner {
    fn new(decoder: ff::decoder::Audio, opts: SilenceOptions) -> Self {
        SilenceScanner {
            decoder,
            frame: ff::frame::Audio::empty(),
            detector: SilenceDetector::new(opts),
            tb: ff::Rational::new(1, 1),
            failed: false,
            levels: Vec::new(),
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
            if !frame_levels(&self.frame, samples, channels, &mut self.levels) {
                self.failed = true;
                return;
            }
            let pts = self.frame.pts().map(|p| seconds(p, self.tb));
            self.detector.frame(pts, self.frame.rate(), &self.levels);
        }
    }

    fn finish(&mut self, stream: usize, t0: f64) -> Vec<Observation> {
        let _ = self.decoder.send_eof();
        self.drain();
        self.detector.finish(stream, t0)
    }
}

/// The level of each sample instant (mean square and peak over the
/// channels, samples scaled to [-1, 1]), into `out` (reused from frame to
/// frame). `false` for a sample format this does not handle.
///
/// Every sample of an hour of audio passes through here (160 million at
/// 44.1 kHz), so the conversion of each format is its own monomorphised
/// loop, not a call through a function pointer per sample, and no buffer
/// is allocated per frame. The arithmetic is the same, in the same order.
fn frame_levels(
    frame: &ff::frame::Audio,
    samples: usize,
    channels: usize,
    out: &mut Vec<Level>,
) -> bool {
    use ff::format::sample::Type;
    use ff::format::Sample;
    out.clear();
    out.resize(samples, Level::default());
    let ok = match frame.format() {
        Sample::F32(t) => accumulate::<4>(frame, channels, t == Type::Planar, out, |b| {
            f64::from(f32::from_ne_bytes(b))
        }),
        Sample::F64(t) => {
            accumulate::<8>(frame, channels, t == Type::Planar, out, f64::from_ne_bytes)
        }
        Sample::I16(t) => accumulate::<2>(frame, channels, t == Type::Planar, out, |b| {
            f64::from(i16::from_ne_bytes(b)) / 32768.0
        }),
        Sample::I32(t) => accumulate::<4>(frame, channels, t == Type::Planar, out, |b| {
            f64::from(i32::from_ne_bytes(b)) / 2147483648.0
        }),
        Sample::U8(t) => accumulate::<1>(frame, channels, t == Type::Planar, out, |b| {
            (f64::from(b[0]) - 128.0) / 128.0
        }),
        _ => false,
    };
    if !ok {
        return false;
    }
    for o in out.iter_mut() {
        o.mean_square /= channels as f64;
    }
    true
}

/// Adds each sample's square and magnitude to its instant's level: `W`
/// bytes per sample, read by `conv`.
#[inline(always)]
fn accumulate<const W: usize>(
    frame: &ff::frame::Audio,
    channels: usize,
    planar: bool,
    out: &mut [Level],
    conv: impl Fn([u8; W]) -> f64,
) -> bool {
    let samples = out.len();
    let read = |d: &[u8]| {
        let mut b = [0u8; W];
        b.copy_from_slice(&d[..W]);
        conv(b)
    };
    if planar {
        for c in 0..channels.min(frame.planes()) {
            let data = frame.data(c);
            if data.len() < samples * W {
                return false;
            }
            for (o, d) in out.iter_mut().zip(data.chunks_exact(W)) {
                let v = read(d);
                o.mean_square += v * v;
                o.peak = o.peak.max(v.abs());
            }
        }
    } else {
        let data = frame.data(0);
        if channels == 0 || data.len() < samples * channels * W {
            return false;
        }
        for (o, d) in out.iter_mut().zip(data.chunks_exact(channels * W)) {
            for c in 0..channels {
                let v = read(&d[c * W..]);
                o.mean_square += v * v;
                o.peak = o.peak.max(v.abs());
            }
        }
    }
    true
}
