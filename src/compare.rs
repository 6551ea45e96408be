//! An independent recording of the same room (a lawyer's dictaphone)
//! aligned with the sealed official one by its sound.
//!
//! Both sides are decoded in process with FFmpeg, mixed to mono and
//! resampled to [`RATE`] (the rate Chromaprint works at); the samples go to
//! a temporary file, so memory does not grow with the length. Each side is
//! fingerprinted with Chromaprint (`rusty-chromaprint`). Windows of about
//! 20 s of the independent recording are matched against the official
//! fingerprints; each match is refined by GCC-PHAT cross-correlation
//! (`realfft`). Consecutive matches with the same offset (allowing for clock
//! drift) form runs; between two runs, the difference between the time
//! that passed on each side is what one of them lacks, and short probes of
//! 1 s locate where.
//!
//! The result is evidence to weigh, not a proof: two recordings of one room
//! are never the same signal.

use std::fs::File;
use std::io::{BufWriter, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;

use crate::store::source::{Kind, LocalSession, SessionSource as _};
use std::sync::Arc;

use ffmpeg_next as ff;
use realfft::num_complex::Complex;
use realfft::RealFftPlanner;
use rusty_chromaprint::{Configuration, Fingerprinter};

use crate::media::Unreadable;

/// The common sample rate of both sides (Chromaprint's).
pub const RATE: u32 = 11025;
/// Length of a matched window of the independent recording, in seconds.
pub const WINDOW_SECONDS: f64 = 20.0;
/// Length of a probe that locates the edge of a stretch, in seconds.
const PROBE_SECONDS: f64 = 1.0;
/// Step between probes.
const PROBE_STEP: f64 = 0.1;
/// Shortest stretch reported as missing from either side, in seconds.
pub const MIN_STRETCH: f64 = 1.5;
/// Level block for silence, in seconds.
const BLOCK: f64 = 0.25;
/// A block below this RMS level (dBFS) is silence.
const SILENCE_DB: f64 = -45.0;
/// Bit error rate below which a window's fingerprint matches.
const MATCH_BER: f64 = 0.36;
/// Probes heard in a row that do not match, that end one side's matches.
const BREAK: usize = 10;
/// Heard probes that must match in a row for the last of them to be an
/// edge (see `until_break`).
const STEADY: usize = 3;
/// GCC-PHAT peak over the correlation's RMS above which a probe matches.
const PROBE_PEAK: f64 = 7.0;

/// One input file on a side's common timeline.
#[derive(Debug, Clone)]
pub struct Part {
    /// The file's name as shown.
    pub name: String,
    /// First sample on the side's timeline.
    pub start: usize,
    /// Number of samples.
    pub len: usize,
    /// First fingerprint item of the file.
    pub fp_start: usize,
    /// Number of fingerprint items.
    pub fp_len: usize,
}

/// One side, decoded: samples at [`RATE`] in a temporary file, the
/// fingerprint of each part, and block levels for silence.
pub struct Track {
    file: File,
    /// The files, in order.
    pub parts: Vec<Part>,
    /// Fingerprint items of all parts, concatenated.
    pub fp: Vec<u32>,
    /// RMS level in dBFS of each `BLOCK` of samples.
    pub levels: Vec<f32>,
    /// Samples in all.
    pub len: usize,
    /// Level above which a block holds sound: [`SILENCE_DB`], or 12 dB
    /// over the recording's noise floor when that is higher.
    floor: f64,
}

/// Seconds of one fingerprint item.
pub fn item_seconds() -> f64 {
    f64::from(Configuration::preset_test2().item_duration_in_seconds())
}

/// Refuses, before anything opens it, a recording that is not a regular
/// file with bytes in it: a FIFO or device (opening one for reading can
/// wait for ever), a folder, an empty file. The message names the file.
/// (The command refuses the first two already; the library does too.)
fn check_recording(name: &str, path: &Path) -> Result<(), Unreadable> {
    let m = std::fs::metadata(path).map_err(|e| Unreadable(format!("{name}: {e}")))?;
    let t = m.file_type();
    if t.is_dir() {
        return Err(Unreadable(format!(
            "{name}: a folder, not a recording (give the recording's file)"
        )));
    }
    if !t.is_file() {
        return Err(Unreadable(format!(
            "{name}: not a regular file (a FIFO, socket or device); only a recording's file is read"
        )));
    }
    if m.len() == 0 {
        return Err(Unreadable(format!("{name}: the file is empty")));
    }
    Ok(())
}

/// A recording file to decode: named by a person, or a segment of a
/// session read through its door.
enum Input<'a> {
    Path(&'a Path),
    /// A sealed segment: its name in the session and its sealed SHA-256.
    Session(&'a LocalSession, &'a str, crate::digest::Sha256Digest),
}

impl Track {
    /// Decodes `files` in order as one recording.
    pub fn decode(files: &[(String, &Path)]) -> Result<Track, Unreadable> {
        let inputs: Vec<(String, Input<'_>)> = files
            .iter()
            .map(|(n, p)| (n.clone(), Input::Path(p)))
            .collect();
        Track::decode_inputs(&inputs)
    }

    /// Decodes `files` in order as one recording, each opened only while
    /// it is decoded.
    fn decode_inputs(files: &[(String, Input<'_>)]) -> Result<Track, Unreadable> {
        crate::media::init();
        let file = tempfile::tempfile()
            .map_err(|e| Unreadable(format!("cannot make a temporary file: {e}")))?;
        let mut t = Track {
            file,
            parts: Vec::new(),
            fp: Vec::new(),
            levels: Vec::new(),
            len: 0,
            floor: SILENCE_DB,
        };
        let mut out = BufWriter::with_capacity(1 << 16, t.file.try_clone().map_err(io)?);
        let mut acc = (0.0f64, 0usize);
        let block = (BLOCK * f64::from(RATE)) as usize;
        let config = Configuration::preset_test2();
        for (name, input) in files {
            // A session's segment: opened through the door, and FFmpeg
            // handed that checked handle (kept open while it decodes).
            let (_kept, path) = match input {
                // A file a person named (a link followed): opened without
                // waiting on a FIFO, checked to be a regular file, and
                // FFmpeg handed that handle, so nothing swapped in under the
                // name afterwards is decoded.
                Input::Path(p) => {
                    let f = crate::store::layout::open_given(p, true)
                        .map_err(|e| Unreadable(format!("{name}: {e}")))?;
                    let fd = f.fd_path();
                    (Some(f), fd)
                }
                Input::Session(source, rel, sealed) => {
                    let f = source
                        .open(rel)
                        .map_err(|e| Unreadable(format!("{name}: {e}")))?;
                    // What is decoded must be the sealed file itself, not
                    // whatever is under its name now (changed after it was
                    // sealed, or swapped after verify hashed it): the
                    // handle's bytes are hashed, and FFmpeg then reopens
                    // that very handle.
                    let (digest, _) = crate::digest::hash_reader(&f.file)
                        .map_err(|e| Unreadable(format!("{name}: cannot be read: {e}")))?;
                    if digest != *sealed {
                        return Err(Unreadable(format!(
                            "{name}: the file is not the sealed segment (its SHA-256 differs from the one sealed); the official recording is compared only as sealed"
                        )));
                    }
                    let p = f.fd_path();
                    (Some(f), p)
                }
            };
            let path = path.as_path();
            check_recording(name, path)?;
            let mut fpr = Fingerprinter::new(&config);
            fpr.start(RATE, 1)
                .map_err(|e| Unreadable(format!("{name}: {e:?}")))?;
            let start = t.len;
            let mut buf: Vec<i16> = Vec::with_capacity(8192);
            decode_file(path, &mut |mono: &[i16]| {
                fpr.consume(mono);
                for &s in mono {
                    let _ = out.write_all(&s.to_le_bytes());
                    let x = f64::from(s) / 32768.0;
                    acc.0 += x * x;
                    acc.1 += 1;
                    if acc.1 == block {
                        t.levels.push(db(acc.0 / block as f64));
                        acc = (0.0, 0);
                    }
                }
                t.len += mono.len();
                buf.clear();
            })
            .map_err(|e| Unreadable(format!("{name}: {}", e.0)))?;
            fpr.finish();
            let fp = fpr.fingerprint();
            t.parts.push(Part {
                name: name.clone(),
                start,
                len: t.len - start,
                fp_start: t.fp.len(),
                fp_len: fp.len(),
            });
            t.fp.extend_from_slice(fp);
        }
        out.flush().map_err(io)?;
        let mut sorted = t.levels.clone();
        sorted.sort_by(f32::total_cmp);
        if let Some(p10) = sorted.get(sorted.len() / 10) {
            t.floor = SILENCE_DB.max(f64::from(*p10) + 12.0);
        }
        Ok(t)
    }

    /// Seconds in all.
    pub fn seconds(&self) -> f64 {
        self.len as f64 / f64::from(RATE)
    }

    /// Samples `from..from+n` (zeros outside the track).
    fn read(&mut self, from: i64, n: usize) -> Vec<f32> {
        let mut v = vec![0.0f32; n];
        let lo = from.max(0) as usize;
        let hi = ((from + n as i64).max(0) as usize).min(self.len);
        if lo >= hi {
            return v;
        }
        let mut bytes = vec![0u8; (hi - lo) * 2];
        if self.file.seek(SeekFrom::Start(lo as u64 * 2)).is_err()
            || self.file.read_exact(&mut bytes).is_err()
        {
            return v;
        }
        let off = (lo as i64 - from) as usize;
        for (i, c) in bytes.chunks_exact(2).enumerate() {
            v[off + i] = f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0;
        }
        v
    }

    /// The part holding sample `s`.
    /// The part holding second `s` of the side's timeline (the last part
    /// at or before it).
    pub fn part_at(&self, s: f64) -> usize {
        let x = s * f64::from(RATE);
        self.parts
            .iter()
            .rposition(|p| x >= p.start as f64)
            .unwrap_or(0)
    }

    /// Share of the blocks in `from..to` seconds that are not silence.
    fn sound(&self, from: f64, to: f64) -> f64 {
        let a = (from / BLOCK).floor().max(0.0) as usize;
        let b = ((to / BLOCK).ceil() as usize).min(self.levels.len());
        if a >= b {
            return 0.0;
        }
        let floor = self.floor;
        let loud = self.levels[a..b]
            .iter()
            .filter(|l| f64::from(**l) > floor)
            .count();
        loud as f64 / (b - a) as f64
    }
}

fn io(e: std::io::Error) -> Unreadable {
    Unreadable(format!("temporary file: {e}"))
}

fn db(ms: f64) -> f32 {
    (10.0 * ms.max(1e-12).log10()) as f32
}

/// Decodes the first audio stream of `path` to mono [`RATE`] samples,
/// handing them to `sink` a frame at a time.
fn decode_file(path: &Path, sink: &mut dyn FnMut(&[i16])) -> Result<(), Unreadable> {
    let mut ictx =
        crate::media::open_input(&path).map_err(|e| Unreadable(crate::media::describe(&e)))?;
    let (index, params) = ictx
        .streams()
        .find(|s| s.parameters().medium() == ff::media::Type::Audio)
        .map(|s| (s.index(), s.parameters()))
        .ok_or_else(|| Unreadable("the file holds no audio stream".into()))?;
    let mut dec = ff::codec::context::Context::from_parameters(params)
        .and_then(|c| c.decoder().audio())
        .map_err(|e| Unreadable(format!("no decoder for its audio: {e}")))?;
    let mut frame = ff::frame::Audio::empty();
    let mut rs: Option<Resampler> = None;
    let mut mono: Vec<f32> = Vec::new();
    let mut out: Vec<i16> = Vec::new();
    let mut any = false;
    let mut drain = |dec: &mut ff::decoder::Audio,
                     rs: &mut Option<Resampler>,
                     any: &mut bool|
     -> Result<(), Unreadable> {
        while dec.receive_frame(&mut frame).is_ok() {
            let rate = frame.rate();
            if rate == 0 {
                continue;
            }
            let r = rs.get_or_insert_with(|| Resampler::new(rate));
            if !to_mono(&frame, &mut mono) {
                return Err(Unreadable("its audio sample format is not handled".into()));
            }
            out.clear();
            r.push(&mono, &mut out);
            if !out.is_empty() {
                *any = true;
                sink(&out);
            }
        }
        Ok(())
    };
    let mut bad = 0u32;
    loop {
        let mut packet = ff::Packet::empty();
        match packet.read(&mut ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => break,
            Err(ff::Error::InvalidData) => {
                bad += 1;
                if bad > 1000 {
                    return Err(Unreadable("the file's data is corrupt throughout".into()));
                }
                continue;
            }
            Err(_) => break,
        }
        if packet.stream() != index {
            continue;
        }
        if dec.send_packet(&packet).is_err() {
            continue;
        }
        drain(&mut dec, &mut rs, &mut any)?;
    }
    let _ = dec.send_eof();
    drain(&mut dec, &mut rs, &mut any)?;
    if !any {
        return Err(Unreadable("no audio could be decoded from the file".into()));
    }
    Ok(())
}

/// The frame's samples mixed to mono in [-1, 1]; false for a sample
/// format this does not handle.
fn to_mono(frame: &ff::frame::Audio, out: &mut Vec<f32>) -> bool {
    use ff::format::sample::Type;
    use ff::format::Sample;
    let n = frame.samples();
    let ch = usize::from(frame.channels().max(1));
    type Conv = fn(&[u8]) -> f32;
    let (w, planar, conv): (usize, bool, Conv) = match frame.format() {
        Sample::F32(t) => (4, t == Type::Planar, |b| {
            f32::from_ne_bytes([b[0], b[1], b[2], b[3]])
        }),
        Sample::F64(t) => (8, t == Type::Planar, |b| {
            f64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
        }),
        Sample::I16(t) => (2, t == Type::Planar, |b| {
            f32::from(i16::from_ne_bytes([b[0], b[1]])) / 32768.0
        }),
        Sample::I32(t) => (4, t == Type::Planar, |b| {
            i32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0
        }),
        Sample::U8(t) => (1, t == Type::Planar, |b| (f32::from(b[0]) - 128.0) / 128.0),
        _ => return false,
    };
    out.clear();
    out.resize(n, 0.0);
    let scale = 1.0 / ch as f32;
    if planar {
        for c in 0..ch.min(frame.planes()) {
            let d = frame.data(c);
            if d.len() < n * w {
                return false;
            }
            for (i, o) in out.iter_mut().enumerate() {
                *o += conv(&d[i * w..]) * scale;
            }
        }
    } else {
        let d = frame.data(0);
        if d.len() < n * w * ch {
            return false;
        }
        for (i, o) in out.iter_mut().enumerate() {
            for c in 0..ch {
                *o += conv(&d[(i * ch + c) * w..]) * scale;
            }
        }
    }
    true
}

/// Streaming resampler to [`RATE`]: a moving average as anti-alias filter,
/// then linear interpolation.
struct Resampler {
    step: f64,
    ring: Vec<f32>,
    ri: usize,
    sum: f32,
    n: u64,
    prev: f32,
    next_out: f64,
}

impl Resampler {
    fn new(rate: u32) -> Resampler {
        let step = f64::from(rate) / f64::from(RATE);
        let w = step.round().max(1.0) as usize;
        Resampler {
            step,
            ring: vec![0.0; w],
            ri: 0,
            sum: 0.0,
            n: 0,
            prev: 0.0,
            next_out: 0.0,
        }
    }

    fn push(&mut self, x: &[f32], out: &mut Vec<i16>) {
        let w = self.ring.len() as f32;
        for &s in x {
            self.sum += s - self.ring[self.ri];
            self.ring[self.ri] = s;
            self.ri = (self.ri + 1) % self.ring.len();
            let y = self.sum / w;
            let n = self.n as f64;
            while self.next_out <= n {
                let frac = (self.next_out - (n - 1.0)).clamp(0.0, 1.0) as f32;
                let v = self.prev + (y - self.prev) * frac;
                out.push((v.clamp(-1.0, 1.0) * 32767.0) as i16);
                self.next_out += self.step;
            }
            self.prev = y;
            self.n += 1;
        }
    }
}

/// A window of the independent recording matched in the official one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// Start on the independent timeline, seconds.
    pub ind: f64,
    /// Where it is on the official timeline, seconds (refined).
    pub off: f64,
    /// Fingerprint bit error rate.
    pub ber: f64,
    /// GCC-PHAT peak over the correlation's RMS.
    pub peak: f64,
    /// Official part.
    pub part: usize,
}

impl Match {
    fn lag(&self) -> f64 {
        self.off - self.ind
    }
}

/// A run of consecutive matches with one offset (and drift).
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The matches, in order.
    pub matches: Vec<Match>,
}

impl Run {
    /// First independent second matched.
    pub fn ind_from(&self) -> f64 {
        self.matches[0].ind
    }
    /// Last independent second matched.
    pub fn ind_to(&self) -> f64 {
        self.matches[self.matches.len() - 1].ind + WINDOW_SECONDS
    }
    /// Official position of independent second `t` (seconds), drift
    /// from the run's own ends.
    pub fn map(&self, t: f64) -> f64 {
        let a = self.matches[0];
        let b = self.matches[self.matches.len() - 1];
        let slope = if b.ind - a.ind > 30.0 {
            (b.lag() - a.lag()) / (b.ind - a.ind)
        } else {
            0.0
        };
        t + a.lag() + slope * (t - a.ind)
    }
    /// Mean confidence in [0, 1] from the fingerprints' bit error rates.
    pub fn confidence(&self) -> f64 {
        let m = self.matches.iter().map(|m| m.ber).sum::<f64>() / self.matches.len() as f64;
        ((0.5 - m) / 0.5).clamp(0.0, 1.0)
    }
}

/// A stretch one side has and the other lacks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stretch {
    /// Independent timeline, seconds (for missing from independent: the
    /// point where it resumed).
    pub ind_from: f64,
    /// End on the independent timeline.
    pub ind_to: f64,
    /// Official timeline, seconds (for missing from official: the point
    /// where the official recording skips).
    pub off_from: f64,
    /// End on the official timeline.
    pub off_to: f64,
    /// The official part of the run before the stretch.
    pub part: usize,
}

/// Why a stretch of the independent recording could not be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCompared {
    /// Too quiet.
    Silence,
    /// Sound that matches nothing of the official recording.
    NoMatch,
}

/// The alignment of two tracks.
#[derive(Debug, Clone, Default)]
pub struct Alignment {
    /// Runs of matched windows.
    pub runs: Vec<Run>,
    /// Stretches the independent has and the official lacks.
    pub missing_from_official: Vec<Stretch>,
    /// Stretches the official has and the independent lacks.
    pub missing_from_independent: Vec<Stretch>,
    /// Independent stretches not compared, `(from, to, why)`.
    pub not_compared: Vec<(f64, f64, NotCompared)>,
    /// Independent stretches before the first or after the last match
    /// that hold sound.
    pub beyond: Vec<(f64, f64)>,
}

/// Aligns the independent track with the official one.
pub fn align(official: &mut Track, independent: &mut Track) -> Alignment {
    let item = item_seconds();
    let wlen = (WINDOW_SECONDS / item).round() as usize;
    let hop = wlen / 2;
    let mut matches: Vec<Match> = Vec::new();
    let mut not: Vec<(f64, f64, NotCompared)> = Vec::new();
    let mut planner = RealFftPlanner::<f32>::new();
    for ip in 0..independent.parts.len() {
        let p = independent.parts[ip].clone();
        let mut k = 0usize;
        while p.fp_len >= wlen && k + wlen <= p.fp_len {
            let t = p.start as f64 / f64::from(RATE) + k as f64 * item;
            if independent.sound(t, t + WINDOW_SECONDS) < 0.2 {
                not.push((t, t + WINDOW_SECONDS, NotCompared::Silence));
            } else {
                let w = &independent.fp[p.fp_start + k..p.fp_start + k + wlen];
                match best_offset(official, w) {
                    Some((part, j, ber)) if ber < MATCH_BER => {
                        let op = &official.parts[part];
                        let off = op.start as f64 / f64::from(RATE) + j as f64 * item;
                        let (off, peak) = refine(&mut planner, official, independent, t, off);
                        matches.push(Match {
                            ind: t,
                            off,
                            ber,
                            peak,
                            part,
                        });
                    }
                    _ => not.push((t, t + WINDOW_SECONDS, NotCompared::NoMatch)),
                }
            }
            if k + wlen == p.fp_len {
                break;
            }
            k = (k + hop).min(p.fp_len - wlen);
        }
    }
    let (runs, strays) = drop_strays(runs_of(&matches));
    // A stray run's windows matched nothing where they could be.
    for r in &strays {
        for m in &r.matches {
            not.push((m.ind, m.ind + WINDOW_SECONDS, NotCompared::NoMatch));
        }
    }
    not.sort_by(|x, y| x.0.total_cmp(&y.0));
    let kept: Vec<Match> = runs
        .iter()
        .flat_map(|r| r.matches.iter().copied())
        .collect();
    let mut a = Alignment {
        not_compared: merge_not(&not, &kept),
        ..Default::default()
    };
    for pair in runs.windows(2) {
        gap(
            &mut planner,
            official,
            independent,
            &pair[0],
            &pair[1],
            &mut a,
        );
    }
    let ind_end = independent.seconds();
    let r = f64::from(RATE);
    if let (Some(f), Some(l)) = (runs.first(), runs.last()) {
        // Where the official part of the first match starts, on the
        // independent timeline (the mapping inverted; drift is small).
        let fp = &official.parts[f.matches[0].part];
        let head = (f.ind_from() - (f.map(f.ind_from()) - fp.start as f64 / r)).max(0.0);
        if head > MIN_STRETCH && independent.sound(0.0, head) > 0.3 {
            a.beyond.push((0.0, head));
        }
        let lp = &official.parts[l.matches[l.matches.len() - 1].part];
        let t = l.ind_to();
        let tail = t + ((lp.start + lp.len) as f64 / r - l.map(t));
        if tail < ind_end - MIN_STRETCH && independent.sound(tail, ind_end) > 0.3 {
            a.beyond.push((tail, ind_end));
        }
    }
    // What is missing from the official recording was compared: it is
    // not "not compared".
    let mfo = a.missing_from_official.clone();
    a.not_compared.retain_mut(|(from, to, _)| {
        for m in &mfo {
            if m.ind_from <= *from + 0.5 && m.ind_to >= *to - 0.5 {
                return false;
            }
            if m.ind_from > *from && m.ind_from < *to {
                *to = (*to).min(m.ind_from);
            }
            if m.ind_to > *from && m.ind_to < *to {
                *from = (*from).max(m.ind_to);
            }
        }
        *to - *from >= 1.0
    });
    a.runs = runs;
    a
}

/// The best place of fingerprint window `w` in the official fingerprints:
/// `(part, item within part, bit error rate)`.
fn best_offset(official: &Track, w: &[u32]) -> Option<(usize, usize, f64)> {
    let mut best: Option<(usize, usize, u32)> = None;
    let n = w.len();
    for (pi, p) in official.parts.iter().enumerate() {
        if p.fp_len < n {
            continue;
        }
        let fp = &official.fp[p.fp_start..p.fp_start + p.fp_len];
        for j in 0..=(p.fp_len - n) {
            let mut e = 0u32;
            let limit = best.map_or(u32::MAX, |b| b.2);
            for (a, b) in w.iter().zip(&fp[j..j + n]) {
                e += (a ^ b).count_ones();
                if e >= limit {
                    break;
                }
            }
            if best.is_none_or(|b| e < b.2) {
                best = Some((pi, j, e));
            }
        }
    }
    best.map(|(p, j, e)| (p, j, f64::from(e) / (32.0 * n as f64)))
}

/// GCC-PHAT of `a` (shorter) inside `b`: the lag (samples into `b`, with
/// sub-sample interpolation) and the peak over the correlation's RMS.
fn gcc_phat(planner: &mut RealFftPlanner<f32>, a: &[f32], b: &[f32]) -> (f64, f64) {
    let n = (a.len() + b.len()).next_power_of_two();
    let fwd: Arc<dyn realfft::RealToComplex<f32>> = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(n);
    let mut xa = vec![0.0f32; n];
    xa[..a.len()].copy_from_slice(a);
    let mut xb = vec![0.0f32; n];
    xb[..b.len()].copy_from_slice(b);
    let mut fa = fwd.make_output_vec();
    let mut fb = fwd.make_output_vec();
    if fwd.process(&mut xa, &mut fa).is_err() || fwd.process(&mut xb, &mut fb).is_err() {
        return (0.0, 0.0);
    }
    let mut r: Vec<Complex<f32>> = fb
        .iter()
        .zip(&fa)
        .map(|(y, x)| {
            let c = y * x.conj();
            let m = c.norm();
            if m > 1e-12 {
                c / m
            } else {
                Complex::new(0.0, 0.0)
            }
        })
        .collect();
    r[0] = Complex::new(0.0, 0.0);
    if let Some(last) = r.last_mut() {
        last.im = 0.0;
    }
    let mut out = inv.make_output_vec();
    if inv.process(&mut r, &mut out).is_err() {
        return (0.0, 0.0);
    }
    // Lags 0..=b.len()-a.len() (a entirely inside b).
    let span = b.len().saturating_sub(a.len()) + 1;
    let (mut bi, mut bv) = (0usize, f32::MIN);
    for (i, v) in out.iter().take(span).enumerate() {
        if *v > bv {
            bv = *v;
            bi = i;
        }
    }
    let rms = (out
        .iter()
        .take(span)
        .map(|v| f64::from(*v).powi(2))
        .sum::<f64>()
        / span as f64)
        .sqrt()
        .max(1e-12);
    let mut lag = bi as f64;
    if bi > 0 && bi + 1 < span {
        let (y0, y1, y2) = (
            f64::from(out[bi - 1]),
            f64::from(out[bi]),
            f64::from(out[bi + 1]),
        );
        let d = y0 - 2.0 * y1 + y2;
        if d.abs() > 1e-12 {
            lag += (0.5 * (y0 - y2) / d).clamp(-0.5, 0.5);
        }
    }
    (lag, f64::from(bv) / rms)
}

/// Refines a window match at independent second `t`, official second
/// `off`, by GCC-PHAT within ±0.5 s.
fn refine(
    planner: &mut RealFftPlanner<f32>,
    official: &mut Track,
    independent: &mut Track,
    t: f64,
    off: f64,
) -> (f64, f64) {
    let r = f64::from(RATE);
    let margin = 0.5;
    let a = independent.read((t * r) as i64, (WINDOW_SECONDS * r) as usize);
    let b0 = ((off - margin) * r).round() as i64;
    let b = official.read(b0, ((WINDOW_SECONDS + 2.0 * margin) * r) as usize);
    let (lag, peak) = gcc_phat(planner, &a, &b);
    ((b0 as f64 + lag) / r - (t * r).trunc() / r + t, peak)
}

/// Whether the probe at independent second `t` matches the official
/// recording at official second `off` (within ±0.1 s), not past the ends
/// of official part `part`.
fn probe(
    planner: &mut RealFftPlanner<f32>,
    official: &mut Track,
    independent: &mut Track,
    t: f64,
    off: f64,
    part: usize,
) -> Option<bool> {
    let r = f64::from(RATE);
    if independent.sound(t, t + PROBE_SECONDS) < 0.3 {
        return None;
    }
    let p = &official.parts[part];
    let (ps, pe) = (p.start as f64 / r, (p.start + p.len) as f64 / r);
    if off + PROBE_SECONDS * 0.5 < ps || off + PROBE_SECONDS * 0.5 > pe {
        return Some(false);
    }
    let m = 0.1;
    let a = independent.read((t * r) as i64, (PROBE_SECONDS * r) as usize);
    let b0 = ((off - m) * r).round() as i64;
    let mut b = official.read(b0, ((PROBE_SECONDS + 2.0 * m) * r) as usize);
    // Nothing of the official recording outside its part.
    for (i, v) in b.iter_mut().enumerate() {
        let s = (b0 + i as i64) as f64 / r;
        if s < ps || s >= pe {
            *v = 0.0;
        }
    }
    let (_, peak) = gcc_phat(planner, &a, &b);
    Some(peak > PROBE_PEAK)
}

/// Matches grouped into runs of one offset.
fn runs_of(matches: &[Match]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for m in matches {
        match runs.last_mut() {
            Some(r)
                if {
                    let last = r.matches[r.matches.len() - 1];
                    let allowed = 0.2 + 0.002 * (m.ind - last.ind);
                    (m.lag() - last.lag()).abs() < allowed
                } =>
            {
                r.matches.push(*m)
            }
            _ => runs.push(Run { matches: vec![*m] }),
        }
    }
    // A lone window among others is a chance match unless it is sure.
    let keep = |r: &Run| r.matches.len() >= 2 || r.matches[0].ber < 0.25;
    let mut kept: Vec<Run> = Vec::new();
    for r in runs.into_iter().filter(keep) {
        match kept.last_mut() {
            Some(k) if (r.matches[0].lag() - k.map(r.ind_from()) + r.ind_from()).abs() < 0.2 => {
                k.matches.extend(r.matches)
            }
            _ => kept.push(r),
        }
    }
    kept
}

/// Runs of at most this many windows are strays when out of order.
const STRAY_WINDOWS: usize = 3;
/// How far (seconds) a short run may reach on the official timeline
/// before the end of the run before it or past the start of the run after
/// it and still be in order.
const ORDER_TOLERANCE: f64 = 2.0;

/// Splits off the stray runs: a short run (at most [`STRAY_WINDOWS`]
/// windows) between two longer runs that are in order with each other,
/// whose official position is not between theirs. Where the official
/// recording lacks a stretch, the independent windows inside it match
/// nothing truly; speech that resembles itself (the same voice, the same
/// words) can still draw a window or two to some other place, and each
/// such run would cut the one stretch into several. A run that is where
/// the official recording continues, however short, is kept: it is a
/// stretch both have (two cuts close together). Runs before the first or
/// after the last long run are kept as they are.
fn drop_strays(runs: Vec<Run>) -> (Vec<Run>, Vec<Run>) {
    let long: Vec<usize> = (0..runs.len())
        .filter(|&i| runs[i].matches.len() > STRAY_WINDOWS)
        .collect();
    let mut stray = vec![false; runs.len()];
    for pair in long.windows(2) {
        let (ia, ib) = (pair[0], pair[1]);
        let a_end = runs[ia].matches[runs[ia].matches.len() - 1].off;
        let b_start = runs[ib].matches[0].off;
        if b_start + ORDER_TOLERANCE < a_end {
            // The long runs themselves are out of order (the official
            // recording was rearranged): nothing between them is judged.
            continue;
        }
        let a_last = runs[ia].matches[runs[ia].matches.len() - 1];
        let b_first = runs[ib].matches[0];
        if ((b_first.ind - a_last.ind) - (b_first.off - a_last.off)).abs() < MIN_STRETCH {
            // Nothing is missing between the long runs: what lies between
            // them and matched elsewhere is an edit of its own (two
            // passages swapped), for `gap` to report, never a stray.
            continue;
        }
        for (i, r) in runs.iter().enumerate().take(ib).skip(ia + 1) {
            let first = r.matches[0].off;
            let last = r.matches[r.matches.len() - 1].off;
            if first < a_end - ORDER_TOLERANCE || last > b_start + ORDER_TOLERANCE {
                stray[i] = true;
            }
        }
    }
    let mut kept = Vec::new();
    let mut strays = Vec::new();
    for (r, s) in runs.into_iter().zip(stray) {
        if s {
            strays.push(r);
        } else {
            kept.push(r);
        }
    }
    // Two long runs that a stray separated may be one again.
    let mut joined: Vec<Run> = Vec::new();
    for r in kept {
        match joined.last_mut() {
            Some(k) if (r.matches[0].lag() - k.map(r.ind_from()) + r.ind_from()).abs() < 0.2 => {
                k.matches.extend(r.matches)
            }
            _ => joined.push(r),
        }
    }
    (joined, strays)
}

/// What lies between two runs.
fn gap(
    planner: &mut RealFftPlanner<f32>,
    official: &mut Track,
    independent: &mut Track,
    ra: &Run,
    rb: &Run,
    out: &mut Alignment,
) {
    let ma = ra.matches[ra.matches.len() - 1];
    let mb = rb.matches[0];
    // Official seconds minus independent seconds between the two runs.
    let extra = (mb.ind - ma.ind) - (rb.map(mb.ind) - ra.map(ma.ind));
    if extra.abs() < MIN_STRETCH {
        return;
    }
    // Probes from the start of the last window of A to the end of the first of B.
    let lo = ma.ind;
    let hi = (mb.ind + WINDOW_SECONDS).min(independent.seconds()) - PROBE_SECONDS;
    let mut t = lo;
    let mut states: Vec<(f64, Option<bool>, Option<bool>)> = Vec::new();
    while t <= hi {
        let sa = probe(planner, official, independent, t, ra.map(t), ma.part);
        let sb = probe(planner, official, independent, t, rb.map(t), mb.part);
        states.push((t + PROBE_SECONDS / 2.0, sa, sb));
        t += PROBE_STEP;
    }
    // Each side's matches count up to the first break: BREAK probes heard
    // (not silent) in a row that do not match. A chance match past the
    // edge (speech that repeats itself word for word) moves nothing.
    let heard_a: Vec<(f64, bool)> = states
        .iter()
        .filter_map(|(c, sa, _)| sa.map(|m| (*c, m)))
        .collect();
    let last_a = until_break(heard_a.iter().copied());
    let heard_b: Vec<(f64, bool)> = states
        .iter()
        .filter_map(|(c, _, sb)| sb.map(|m| (*c, m)))
        .collect();
    let first_b = until_break(heard_b.iter().rev().copied());
    let la = last_a.unwrap_or(ma.ind + WINDOW_SECONDS / 2.0);
    let fb = first_b.unwrap_or(mb.ind + WINDOW_SECONDS / 2.0);
    // Each side also bounds the edge from the other way: it is before the
    // first heard probe after A's last match that does not match A, and
    // after the last heard probe before B's first match that does not
    // match B. Probes too quiet to judge (a pause at the edge) leave that
    // bound wide, and the other side's then places the edge.
    let miss_after = |heard: &[(f64, bool)], e: f64| {
        heard
            .iter()
            .find(|(c, m)| *c > e && !*m)
            .map_or(f64::INFINITY, |p| p.0)
    };
    let miss_before = |heard: &[(f64, bool)], e: f64| {
        heard
            .iter()
            .rev()
            .find(|(c, m)| *c < e && !*m)
            .map_or(f64::NEG_INFINITY, |p| p.0)
    };
    let a_until = miss_after(&heard_a, la);
    let b_since = miss_before(&heard_b, fb);
    // Where both sides place the edge (`shift`: B's side is that much
    // later on the independent timeline): the middle of the span both
    // allow, or, when they allow none in common (each side's probes
    // reach a little past the edge, the usual case), the mean of the two.
    let place = |shift: f64| {
        let (lo, hi) = (la.max(b_since - shift), a_until.min(fb - shift));
        if lo <= hi && lo.is_finite() && hi.is_finite() {
            (lo + hi) / 2.0
        } else {
            (la + fb - shift) / 2.0
        }
    };
    if extra > 0.0 {
        // The independent recording has `extra` seconds the official lacks:
        // they start after the last sound of A and end before the first of B.
        let from = if last_a.is_some() && first_b.is_some() {
            place(extra)
        } else if last_a.is_some() {
            la
        } else {
            fb - extra
        };
        out.missing_from_official.push(Stretch {
            ind_from: from,
            ind_to: from + extra,
            off_from: ra.map(from),
            off_to: rb.map(from + extra),
            part: ma.part,
        });
    } else {
        let at = if last_a.is_some() && first_b.is_some() {
            place(0.0)
        } else if last_a.is_some() {
            la
        } else {
            fb
        };
        out.missing_from_independent.push(Stretch {
            ind_from: at,
            ind_to: at,
            off_from: ra.map(at),
            off_to: rb.map(at),
            part: ma.part,
        });
    }
}

/// The last matching probe of `probes` (in the order walked) before the
/// first BREAK heard probes in a row that do not match. A match counts as
/// the edge only when it ends [`STEADY`] heard matches in a row: a lone
/// match, or matches alternating with misses, is speech that resembles
/// the other side's (a word the same voice says again), not the edge. Only
/// when no run is that long does a lone match count.
fn until_break(probes: impl Iterator<Item = (f64, bool)>) -> Option<f64> {
    let mut last = None;
    let mut steady = None;
    let mut misses = 0usize;
    let mut run = 0usize;
    for (c, m) in probes {
        if m {
            last = Some(c);
            run += 1;
            if run >= STEADY {
                steady = Some(c);
            }
            misses = 0;
        } else {
            run = 0;
            misses += 1;
            if misses >= BREAK && last.is_some() {
                break;
            }
        }
    }
    steady.or(last)
}

/// Windows not compared, merged into stretches, leaving out what any
/// matched window covers.
fn merge_not(not: &[(f64, f64, NotCompared)], matches: &[Match]) -> Vec<(f64, f64, NotCompared)> {
    let mut out: Vec<(f64, f64, NotCompared)> = Vec::new();
    for &(a, b, why) in not {
        // Trim what matched windows cover.
        let mut a = a;
        let mut b = b;
        for m in matches {
            let (ma, mb) = (m.ind, m.ind + WINDOW_SECONDS);
            if ma <= a && mb > a {
                a = mb;
            }
            if ma < b && mb >= b {
                b = ma;
            }
        }
        if b - a < 1.0 {
            continue;
        }
        match out.last_mut() {
            Some(l) if l.2 == why && a <= l.1 + 0.01 => l.1 = l.1.max(b),
            _ => out.push((a, b, why)),
        }
    }
    out
}

/// A robust straight line `lag = a + b·ind` through `(ind, lag)` points:
/// the median lag, then least squares over the points within 0.5 s of it
/// (plus 0.1% of the time, for drift).
pub fn fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    if points.is_empty() {
        return None;
    }
    let mut lags: Vec<f64> = points.iter().map(|p| p.1).collect();
    lags.sort_by(f64::total_cmp);
    let med = lags[lags.len() / 2];
    let inl: Vec<&(f64, f64)> = points
        .iter()
        .filter(|p| (p.1 - med).abs() < 0.5 + 0.001 * p.0)
        .collect();
    let n = inl.len() as f64;
    let mx = inl.iter().map(|p| p.0).sum::<f64>() / n;
    let my = inl.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = inl.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = inl.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = if sxx > 1.0 { sxy / sxx } else { 0.0 };
    Some((my - slope * mx, slope))
}

/// A stretch of a comparison's report, on the session's wall clock.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportStretch {
    /// Start on the session's wall clock.
    #[serde(with = "time::serde::rfc3339")]
    pub from: time::OffsetDateTime,
    /// End on the session's wall clock.
    #[serde(with = "time::serde::rfc3339")]
    pub to: time::OffsetDateTime,
    /// Length in seconds.
    pub seconds: f64,
    /// Seconds from the start of the independent recording (all its files
    /// in order).
    pub independent_from: f64,
    /// End on the independent recording.
    pub independent_to: f64,
    /// The operator events (pause, stop, break, adjournment, failure)
    /// sealed for this stretch, as `event: reason`; empty when none was
    /// declared.
    pub declared: Vec<String>,
}

/// A matched stretch and how sure the match is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Matched {
    /// Start on the session's wall clock.
    #[serde(with = "time::serde::rfc3339")]
    pub from: time::OffsetDateTime,
    /// End on the session's wall clock.
    #[serde(with = "time::serde::rfc3339")]
    pub to: time::OffsetDateTime,
    /// Seconds from the start of the independent recording.
    pub independent_from: f64,
    /// End on the independent recording.
    pub independent_to: f64,
    /// 0 (chance) to 1 (the same signal), from the fingerprints.
    pub confidence: f64,
    /// Windows matched.
    pub windows: usize,
}

/// A stretch of the independent recording that could not be compared.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Uncompared {
    /// Seconds from the start of the independent recording.
    pub independent_from: f64,
    /// End.
    pub independent_to: f64,
    /// `silence` or `no_match`.
    pub reason: &'static str,
}

/// An official segment on the wall clock.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OfficialPart {
    /// Segment name.
    pub name: String,
    /// Start.
    #[serde(with = "time::serde::rfc3339")]
    pub from: time::OffsetDateTime,
    /// End.
    #[serde(with = "time::serde::rfc3339")]
    pub to: time::OffsetDateTime,
}

/// One file of the independent recording, and whether courtseal sealed it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IndependentFile {
    /// As named on the command line.
    pub name: String,
    /// Seconds of audio.
    pub seconds: f64,
    /// When sealed, the sealing session's folder and log line, and the
    /// time the log states (not verified against a key here).
    pub sealed: Option<SealedIndependent>,
}

/// Where an independent file was sealed by courtseal.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SealedIndependent {
    /// The session folder that sealed it.
    pub session: String,
    /// Its log line.
    pub line: usize,
    /// The sealing time the log states.
    pub sealed_at: String,
}

/// The result of comparing an independent recording with a session.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CompareReport {
    /// What the result is worth.
    pub note: &'static str,
    /// The sealed segments compared, on the wall clock.
    pub official: Vec<OfficialPart>,
    /// The independent recording's files.
    pub independent: Vec<IndependentFile>,
    /// Wall-clock time of the independent recording's second 0 (from the
    /// fit over all matches), if anything matched.
    #[serde(with = "time::serde::rfc3339::option")]
    pub independent_start: Option<time::OffsetDateTime>,
    /// Clock drift of the independent recording against the official one,
    /// parts per million (positive: the independent clock runs slow, so
    /// more wall-clock time passes than its own).
    pub drift_ppm: Option<f64>,
    /// Matched stretches.
    pub matched: Vec<Matched>,
    /// Stretches the independent recording has and the official one lacks.
    pub missing_from_official: Vec<ReportStretch>,
    /// Stretches the official recording has and the independent one lacks.
    pub missing_from_independent: Vec<ReportStretch>,
    /// Stretches of the independent recording not compared.
    pub not_compared: Vec<Uncompared>,
    /// Findings.
    pub findings: Vec<crate::finding::Finding>,
}

/// What the result is worth, said in every output.
pub const NOTE: &str = "evidence to weigh, not a proof: two recordings of one room are never the same signal; the alignment is by sound";

/// Compares the independent recording `files` (in order) with the sealed
/// segments of `session` at `root`. `sealed` tells, per file, where
/// courtseal sealed it.
pub fn compare(
    root: &Path,
    session: &crate::verify::VerifiedSession,
    files: &[(String, &Path)],
    sealed: Vec<Option<SealedIndependent>>,
    zone: &crate::zone::CourtZone,
) -> Result<CompareReport, Unreadable> {
    use crate::entry::Entry;
    use crate::finding::{Code, Finding};
    use time::OffsetDateTime;
    let parse = |s: &str| {
        crate::time::UtcTime::parse(s)
            .ok()
            .map(crate::time::UtcTime::instant)
    };
    // The sealed segments with audio, placed on the wall clock by their
    // declared start (else ending at their sealing time).
    // The segments are opened through the session's door: a segment that
    // is a link (or on a folder that is one), a FIFO or a device is not
    // decoded, and FFmpeg reads the handle checked to be the regular file
    // inside the session (`OpenedFile::fd_path`), never the name.
    let source = LocalSession::new(root);
    let mut segs: Vec<(OffsetDateTime, String, crate::digest::Sha256Digest)> = Vec::new();
    for l in session.sealed_lines() {
        let Ok(Entry::Segment(s)) = &l.entry else {
            continue;
        };
        let Some(m) = &s.media else { continue };
        if !m.streams.iter().any(|st| st.kind == "audio") {
            continue;
        }
        if !matches!(source.stat(&s.name), Ok(Some(Kind::File(_)))) {
            continue;
        }
        let len = m.duration.unwrap_or(0.0);
        let from = m
            .declared_start
            .as_deref()
            .and_then(parse)
            .or_else(|| parse(&s.sealed_at).map(|t| t - time::Duration::seconds_f64(len)));
        if let Some(from) = from {
            segs.push((from, s.name.clone(), s.sha256));
        }
    }
    segs.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    if segs.is_empty() {
        return Err(Unreadable(
            "the session holds no sealed segment with audio".into(),
        ));
    }
    let off_files: Vec<(String, Input<'_>)> = segs
        .iter()
        .map(|(_, n, d)| (n.clone(), Input::Session(&source, n.as_str(), *d)))
        .collect();
    let mut official = Track::decode_inputs(&off_files)?;
    let mut independent = Track::decode(files)?;
    let a = align(&mut official, &mut independent);
    let r = f64::from(RATE);
    let secs = |x: f64| time::Duration::seconds_f64(x);
    // Official timeline second -> wall clock, in the part holding it or
    // in part `p`.
    let wall_in = |p: usize, s: f64| segs[p].0 + secs(s - official.parts[p].start as f64 / r);
    let official_parts: Vec<OfficialPart> = official
        .parts
        .iter()
        .zip(&segs)
        .map(|(p, (from, name, _))| OfficialPart {
            name: name.clone(),
            from: *from,
            to: *from + secs(p.len as f64 / r),
        })
        .collect();
    // Operator events that declare a stop of recording.
    let good: std::collections::HashSet<usize> = session
        .report
        .events
        .iter()
        .filter(|e| e.ok)
        .map(|e| e.line)
        .collect();
    let events: Vec<(OffsetDateTime, String)> = session
        .sealed_lines()
        .iter()
        .filter_map(|l| match &l.entry {
            Ok(Entry::Event(e))
                if good.contains(&l.number)
                    && e.kind().is_some_and(|k| {
                        use crate::format::entry::EventKind as E;
                        matches!(
                            k,
                            E::Pause | E::Stop | E::Break | E::Adjournment | E::Failure
                        )
                    }) =>
            {
                Some((parse(&e.at)?, format!("{}: {}", e.event, e.reason)))
            }
            _ => None,
        })
        .collect();
    let declared = |from: OffsetDateTime, to: OffsetDateTime| -> Vec<String> {
        events
            .iter()
            .filter(|(t, _)| *t >= from - secs(30.0) && *t <= to + secs(30.0))
            .map(|(_, s)| s.clone())
            .collect()
    };
    let mut findings = Vec::new();
    let fmt = |t: OffsetDateTime| zone.local(crate::time::UtcTime::from(t));
    let mut mfo = Vec::new();
    let points: Vec<(f64, f64)> = a
        .runs
        .iter()
        .flat_map(|run| run.matches.iter())
        .map(|m| {
            (
                m.ind,
                (wall_in(m.part, m.off) - segs[0].0).as_seconds_f64() - m.ind,
            )
        })
        .collect();
    let f = fit(&points);
    let drift = f.map_or(0.0, |x| x.1);
    for m in &a.missing_from_official {
        let from = wall_in(m.part, m.off_from);
        let len = m.ind_to - m.ind_from;
        let to = from + secs(len * (1.0 + drift));
        let d = declared(from, to);
        findings.push(
            Finding::error(
                Code::CompareMissingFromOfficial,
                files.first().map_or(String::new(), |f| f.0.clone()),
                format!(
                    "the independent recording has {len:.1} s (its {:.1}–{:.1} s) that the official recording lacks, from {}; {}",
                    m.ind_from,
                    m.ind_to,
                    fmt(from),
                    if d.is_empty() {
                        "no break was declared for it".to_owned()
                    } else {
                        format!("declared: {}", d.join("; "))
                    }
                ),
            )
            .with_time(from, to),
        );
        mfo.push(ReportStretch {
            from,
            to,
            seconds: len,
            independent_from: m.ind_from,
            independent_to: m.ind_to,
            declared: d,
        });
    }
    for (from, to) in &a.beyond {
        findings.push(
            Finding::info(
                Code::CompareBeyondOfficial,
                files.first().map_or(String::new(), |f| f.0.clone()),
                format!(
                    "the independent recording holds sound at its {from:.1}–{to:.1} s, before or after everything the official recording holds"
                ),
            )
            .with_span(*from, *to),
        );
    }
    let mut mfi = Vec::new();
    for m in &a.missing_from_independent {
        let from = wall_in(m.part, m.off_from);
        let len = m.off_to - m.off_from;
        let to = from + secs(len);
        findings.push(
            Finding::info(
                Code::CompareMissingFromIndependent,
                files.first().map_or(String::new(), |f| f.0.clone()),
                format!(
                    "the official recording has {len:.1} s from {} that the independent recording lacks (it resumes at its {:.1} s)",
                    fmt(from),
                    m.ind_from
                ),
            )
            .with_time(from, to),
        );
        mfi.push(ReportStretch {
            from,
            to,
            seconds: len,
            independent_from: m.ind_from,
            independent_to: m.ind_to,
            declared: declared(from, to),
        });
    }
    if a.runs.is_empty() {
        findings.push(Finding::warning(
            Code::CompareNothingMatches,
            files.first().map_or(String::new(), |f| f.0.clone()),
            "nothing of the independent recording matches the official recording: it is another recording, or too degraded to compare",
        ));
    }
    let matched = a
        .runs
        .iter()
        .map(|run| Matched {
            from: wall_in(run.matches[0].part, run.map(run.ind_from())),
            to: wall_in(
                run.matches[run.matches.len() - 1].part,
                run.map(run.ind_to()),
            ),
            independent_from: run.ind_from(),
            independent_to: run.ind_to(),
            confidence: (run.confidence() * 100.0).round() / 100.0,
            windows: run.matches.len(),
        })
        .collect();
    let independent_start = f.map(|(a0, _)| segs[0].0 + secs(a0));
    let independent_files = files
        .iter()
        .zip(&independent.parts)
        .zip(sealed)
        .map(|((f, p), s)| IndependentFile {
            name: f.0.clone(),
            seconds: (p.len as f64 / r * 1000.0).round() / 1000.0,
            sealed: s,
        })
        .collect();
    Ok(CompareReport {
        note: NOTE,
        official: official_parts,
        independent: independent_files,
        independent_start,
        drift_ppm: f.map(|(_, b)| (b * 1e6).round()),
        matched,
        missing_from_official: mfo,
        missing_from_independent: mfi,
        not_compared: a
            .not_compared
            .iter()
            .map(|(a, b, w)| Uncompared {
                independent_from: *a,
                independent_to: *b,
                reason: match w {
                    NotCompared::Silence => "silence",
                    NotCompared::NoMatch => "no_match",
                },
            })
            .collect(),
        findings,
    })
}

/// Where courtseal sealed the independent file `file`: in `session` when
/// given, else in a session folder holding the file (its folder or one
/// above it). `None` when no log there lists it with its bytes.
pub fn sealed_where(file: &Path, session: Option<&Path>) -> Option<SealedIndependent> {
    use sha2::{Digest as _, Sha256};
    let abs = std::fs::canonicalize(file).ok()?;
    let candidates: Vec<std::path::PathBuf> = match session {
        Some(s) => vec![std::fs::canonicalize(s).ok()?],
        None => abs
            .ancestors()
            .skip(1)
            .take(3)
            .map(Path::to_path_buf)
            .collect(),
    };
    for dir in candidates {
        let Ok(rel) = abs.strip_prefix(&dir) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        // The log is read through the session's door.
        let Ok(log) = crate::log::Log::read_from(&LocalSession::new(&dir)) else {
            continue;
        };
        let mut h = Sha256::new();
        // A file a person named: never a FIFO waited on or a device read.
        let mut f = crate::store::layout::open_given(&abs, true).ok()?.file;
        std::io::copy(&mut f, &mut h).ok()?;
        let hex = hex::encode(h.finalize());
        for (n, s) in log.segments() {
            if s.name == rel && s.sha256.to_hex() == hex {
                return Some(SealedIndependent {
                    session: dir
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                    line: n,
                    sealed_at: s.sealed_at.clone(),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probes(s: &str) -> Vec<(f64, bool)> {
        s.chars()
            .enumerate()
            .map(|(i, c)| (i as f64 * PROBE_STEP, c == 'T'))
            .collect()
    }

    fn run(ind: f64, n: usize, lag: f64) -> Run {
        Run {
            matches: (0..n)
                .map(|i| Match {
                    ind: ind + i as f64 * 10.0,
                    off: ind + i as f64 * 10.0 + lag,
                    ber: 0.2,
                    peak: 20.0,
                    part: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn chance_matches_inside_a_cut_do_not_split_it_into_several_stretches() {
        // The figures of the one-hour benchmark (60 s cut at 30:00): the
        // run before the cut, two runs of two windows each drawn to
        // official speech a few seconds away, out of order, and the run
        // after the cut.
        let runs = vec![
            run(0.0, 179, 0.0),
            run(1805.1, 2, -13.8),
            run(1825.2, 2, -44.6),
            run(1845.3, 115, -59.1),
        ];
        let (kept, strays) = drop_strays(runs);
        assert_eq!(kept.len(), 2);
        assert_eq!(strays.len(), 2);
        assert_eq!(kept[0].matches.len(), 179);
        assert_eq!(kept[1].matches[0].ind, 1845.3);
    }

    #[test]
    fn a_short_stretch_between_two_cuts_is_kept() {
        // Official: 0-1800, then 1860-1890 (30 s), then from 1950. The
        // short run is where the official recording continues.
        let runs = vec![
            run(0.0, 179, 0.0),
            run(1862.0, 2, -60.0),
            run(1955.0, 100, -120.0),
        ];
        let (kept, strays) = drop_strays(runs);
        assert_eq!(kept.len(), 3);
        assert!(strays.is_empty());
    }

    #[test]
    fn two_short_passages_swapped_far_apart_are_not_dropped_as_strays() {
        // The official recording holds the passage at independent
        // 1000-1030 s where the independent has 2000-2030 s, and the other
        // way round: the long runs around each keep one lag, so dropping
        // the short runs would hide the edit.
        let runs = vec![
            run(0.0, 100, 0.0),
            run(1000.0, 2, 1000.0),
            run(1040.0, 95, 0.0),
            run(2000.0, 2, -1000.0),
            run(2040.0, 100, 0.0),
        ];
        let (kept, strays) = drop_strays(runs);
        assert!(strays.is_empty());
        assert_eq!(kept.len(), 5);
    }

    #[test]
    fn short_runs_between_rearranged_long_runs_are_not_judged() {
        // The second long run is before the first on the official
        // timeline: the official recording was rearranged.
        let runs = vec![
            run(0.0, 100, 1000.0),
            run(1005.0, 2, 3000.0),
            run(1010.0, 100, -1010.0),
        ];
        let (kept, strays) = drop_strays(runs);
        assert_eq!(kept.len(), 3);
        assert!(strays.is_empty());
    }

    #[test]
    fn the_edge_is_the_end_of_steady_matches_not_a_repeated_word_after_it() {
        // Matches up to probe 4, then a word that repeats (alternating).
        let p = probes("TTTTTFTFTFFFFFFFFFFFF");
        assert_eq!(until_break(p.iter().copied()), Some(4.0 * PROBE_STEP));
        // Walked backwards (the run after a stretch), the same.
        let p = probes("FFFFFFFFFFFFTFTFFTTTTT");
        assert_eq!(
            until_break(p.iter().rev().copied()),
            Some(17.0 * PROBE_STEP)
        );
        // Nothing steady: the lone match is all there is.
        let p = probes("FFTFFFFFFFFFFFF");
        assert_eq!(until_break(p.iter().copied()), Some(2.0 * PROBE_STEP));
        assert_eq!(until_break(probes("FFFF").into_iter()), None);
    }
}
