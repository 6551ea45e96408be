//! Excerpts: one stretch of a sealed segment, cut by stream copy so that its
//! packets are the sealed ones byte for byte, with a proof that discloses
//! nothing else of the hearing (the proof bundle's `excerpt` part).
//!
//! The proof carries, for each stream, the sealed window lines the stretch
//! falls in (each with its inclusion proof in the segment's sealed window
//! tree) and the full SHA-256 of the packets of the two edge windows that
//! the excerpt leaves out, so a verifier recomputes every window hash from
//! the excerpt's own packets. The segment's entry and its signed checkpoint
//! come with it (the tlog-proof), so the court's key alone suffices.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ffmpeg_next as ff;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::entry::{Entry, SegmentEntry};
use crate::finding::{Code, Finding, Severity};
use crate::format::bundle::{Bundle, ExcerptPart, ExcerptStream, ProvenLine, BUNDLE, EXCERPT_V1};
use crate::format::windows::{WindowLine, WindowsHeader, V3};
use crate::keys::TrustStore;
use crate::media::chunking::{Chunk, Chunker};
use crate::media::normalise::Framing;
use crate::tlog::{self, Tree};
use crate::windows::clock;

/// Why an excerpt could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExcerptError {
    /// The session or segment does not allow it (not sealed, not trusted,
    /// changed, no packet windows).
    #[error("{0}")]
    Refused(String),
    /// FFmpeg could not read the segment or write the excerpt.
    #[error("{path}: {what}")]
    Media {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        what: String,
    },
}

/// One stream of a stretch: sealed packets `first..=last`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StretchStream {
    /// The stream's index in the sealed segment.
    pub stream: usize,
    /// `audio`, `video`, …
    pub kind: String,
    /// First sealed packet number (from 0).
    pub first: u64,
    /// Last sealed packet number.
    pub last: u64,
}

/// A stretch of a sealed segment, in its media time and on the wall clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stretch {
    /// The segment's name in its session.
    pub segment: String,
    /// Start, seconds from the start of the segment (its first packet).
    pub from: f64,
    /// End, seconds from the start of the segment.
    pub to: f64,
    /// Start on the wall clock (UTC, RFC 3339), when the segment's time is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_from: Option<String>,
    /// End on the wall clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_to: Option<String>,
    /// What places it on the wall clock: `recorder's declared start` or
    /// `sealing time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_by: Option<String>,
    /// The packets, per stream.
    pub streams: Vec<StretchStream>,
}

impl Stretch {
    /// One line for people: segment, media time, wall clock, packets.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} from {} to {} ({:.3} s)",
            self.segment,
            clock(self.from),
            clock(self.to),
            self.to - self.from
        );
        if let (Some(a), Some(b), Some(by)) = (&self.wall_from, &self.wall_to, &self.wall_by) {
            s.push_str(&format!(", {a} to {b} on the wall clock (by the {by})"));
        }
        let packets: Vec<String> = self
            .streams
            .iter()
            .map(|p| {
                format!(
                    "{} stream {}: packets {}..{}",
                    p.kind, p.stream, p.first, p.last
                )
            })
            .collect();
        if !packets.is_empty() {
            s.push_str(&format!("; {}", packets.join(", ")));
        }
        s
    }
}

/// What `make` produced.
#[derive(Debug, Clone)]
pub struct MadeExcerpt {
    /// The bundle to write next to the excerpt.
    pub bundle: Bundle,
    /// The stretch the excerpt holds.
    pub stretch: Stretch,
    /// Where the cut really starts (a keyframe for video), media seconds.
    pub starts_at: f64,
}

fn refused(what: impl Into<String>) -> ExcerptError {
    ExcerptError::Refused(what.into())
}

fn media_err(path: &Path, what: impl Into<String>) -> ExcerptError {
    ExcerptError::Media {
        path: path.to_owned(),
        what: what.into(),
    }
}

/// Cuts `from..to` (media seconds) of segment `name` of the session at
/// `root` into `output` (a new file; its type follows its extension) and
/// returns its proof. The session is verified first: only a segment that a
/// trusted checkpoint covers, unchanged, with sealed packet windows, is cut.
pub fn make(
    root: &Path,
    name: &str,
    from: f64,
    to: f64,
    output: &Path,
    trust: &TrustStore,
) -> Result<MadeExcerpt, ExcerptError> {
    if !(from.is_finite() && to.is_finite() && from >= 0.0 && to > from) {
        return Err(refused(format!(
            "--from {from} --to {to}: the stretch must start at 0 s or later and end after it starts"
        )));
    }
    let verified = crate::verify::verify(root, trust, crate::verify::VerifyOptions::default())
        .map_err(|e| refused(e.to_string()))?;
    let (line, entry) = verified
        .log
        .lines
        .iter()
        .find_map(|l| match &l.entry {
            Ok(Entry::Segment(s)) if s.name == name => Some((l, s.clone())),
            _ => None,
        })
        .ok_or_else(|| {
            refused(format!(
                "{}: no segment named {name:?} is in this session's log",
                root.display()
            ))
        })?;
    if !verified.is_sealed(line.number) {
        return Err(refused(format!(
            "{}: segment {name} is not covered by a checkpoint signed by a trusted key, so nothing about it can be proven; run 'courtseal seal' and check --trust",
            root.display()
        )));
    }
    let wref = entry
        .media
        .as_ref()
        .and_then(|m| m.windows.clone())
        .ok_or_else(|| {
            refused(format!(
                "segment {name} was sealed without packet windows, so a stretch of it cannot be proven"
            ))
        })?;
    let bad: Vec<&Finding> = verified
        .report
        .findings
        .iter()
        .filter(|f| {
            f.severity == Severity::Error
                && (f.location.contains(name)
                    || f.location.contains(&wref.file)
                    || f.location.contains("courtseal/log.jsonl")
                    || f.location.contains("checkpoint"))
        })
        .collect();
    if let Some(f) = bad.first() {
        return Err(refused(format!(
            "{}: the session does not verify for segment {name} ({} at {}: {}); an excerpt of it would prove nothing",
            root.display(),
            f.code,
            f.location,
            f.message
        )));
    }
    let tp = crate::proof::make_proof(root, name).map_err(|e| refused(e.to_string()))?;
    if let Err(f) = crate::verify::checkpoints::open_standalone(&tp.checkpoint, trust, "checkpoint")
    {
        return Err(refused(format!(
            "{}: the latest checkpoint is not signed by a trusted key: {}",
            root.display(),
            f.message
        )));
    }
    let sidecar_path = root.join(&wref.file);
    let mut findings = Vec::new();
    let sidecar = crate::verify::check_sidecar(
        std::fs::read(&sidecar_path),
        &entry,
        &sidecar_path.display().to_string(),
        &mut findings,
    )
    .ok_or_else(|| {
        refused(format!(
            "{}: the segment's packet windows do not verify: {}",
            sidecar_path.display(),
            findings.first().map_or("", |f| f.message.as_str())
        ))
    })?;
    let sidecar_bytes =
        std::fs::read(&sidecar_path).map_err(|e| media_err(&sidecar_path, e.to_string()))?;
    let raw_lines: Vec<&[u8]> = sidecar_bytes
        .strip_suffix(b"\n")
        .unwrap_or(&sidecar_bytes)
        .split(|&b| b == b'\n')
        .collect();
    let tree = Tree::from_leaf_hashes(raw_lines.iter().map(|l| tlog::leaf_hash(l)).collect());
    if B64.encode(tree.root()) != wref.root || tree.size() != wref.lines {
        return Err(refused(format!(
            "{}: the packet windows do not match the tree root sealed in the entry",
            sidecar_path.display()
        )));
    }

    let segment_path = root.join(&entry.name);
    // Read a little past the end: a stream's last packet before `to` is
    // known once a later one is seen (video is stored ahead of its time).
    let scan = scan(&segment_path, to + 5.0, &sidecar.header)?;
    let selection = select(&scan, from, to);
    if selection.iter().all(Option::is_none) {
        return Err(refused(format!(
            "segment {name} has no packets between {} and {}",
            clock(from),
            clock(to)
        )));
    }
    // The windows each selected stream's packets fall in.
    let mut plan = Vec::new();
    for (s, sel) in selection.iter().enumerate() {
        let Some((a, b)) = *sel else { continue };
        let lines: Vec<(usize, &WindowLine)> = sidecar
            .windows
            .iter()
            .enumerate()
            .filter(|(_, w)| w.s == s && w.first + w.count > a && w.first <= b)
            .map(|(i, w)| (i + 1, w))
            .collect();
        let (Some(l0), Some(ln)) = (lines.first(), lines.last()) else {
            return Err(refused(format!(
                "the sealed packet windows of {name} do not cover stream {s}'s packets {a}..{b}"
            )));
        };
        let before = (l0.1.first, a);
        let after = (b + 1, ln.1.first + ln.1.count);
        plan.push(Plan {
            s,
            a,
            b,
            lines,
            before,
            after,
        });
    }
    let edge_hashes = cut(&segment_path, output, &scan, &plan)?;
    let mut streams = Vec::new();
    for (p, (before, after)) in plan.iter().zip(edge_hashes) {
        let indices: Vec<u64> = p.lines.iter().map(|(n, _)| *n as u64).collect();
        let proofs = tree
            .inclusion_proofs(&indices, tree.size())
            .ok_or_else(|| refused("internal: a window line outside its tree"))?;
        let mut windows = Vec::new();
        for ((n, _), proof) in p.lines.iter().zip(proofs) {
            windows.push(ProvenLine {
                n: *n as u64,
                line: String::from_utf8_lossy(raw_lines[*n]).into_owned(),
                proof: proof.iter().map(|h| B64.encode(h)).collect(),
            });
        }
        streams.push(ExcerptStream {
            s: p.s,
            first: p.a,
            count: p.b - p.a + 1,
            windows,
            before,
            after,
        });
    }
    let header_proof = tree
        .inclusion_proof(0, tree.size())
        .ok_or_else(|| refused("internal: the window tree has no header line"))?;
    let part = ExcerptPart {
        v: EXCERPT_V1,
        header: ProvenLine {
            n: 0,
            line: String::from_utf8_lossy(raw_lines[0]).into_owned(),
            proof: header_proof.iter().map(|h| B64.encode(h)).collect(),
        },
        streams,
    };
    let lines: Vec<Vec<WindowLine>> = part
        .streams
        .iter()
        .map(|st| {
            st.windows
                .iter()
                .filter_map(|w| serde_json::from_str(&w.line).ok())
                .collect()
        })
        .collect();
    let stretch = stretch_of(&entry, &part, &lines);
    let starts_at = stretch.from;
    Ok(MadeExcerpt {
        bundle: Bundle {
            bundle: BUNDLE.into(),
            tlog_proof: String::from_utf8_lossy(&tp.to_text()).into_owned(),
            windows: None,
            excerpt: Some(part),
        },
        stretch,
        starts_at,
    })
}

struct Plan<'a> {
    s: usize,
    a: u64,
    b: u64,
    lines: Vec<(usize, &'a WindowLine)>,
    /// Packet numbers `[lo, hi)` of the first window before the excerpt.
    before: (u64, u64),
    /// Packet numbers `[lo, hi)` of the last window after the excerpt.
    after: (u64, u64),
}

/// Hex SHA-256 of the edge windows' packets left out: (before, after).
type EdgeHashes = (Vec<String>, Vec<String>);

struct PacketInfo {
    /// Stored-order time, seconds from the file's start.
    t: f64,
    /// Presentation time.
    pt: f64,
    key: bool,
}

struct Scan {
    kinds: Vec<ff::media::Type>,
    /// Per stream, its sealed units: packets, or for a PCM stream sealed in
    /// content-defined chunks (sidecar version 3), its chunks.
    packets: Vec<Vec<PacketInfo>>,
    /// Per stream, how a packet is hashed (version 3: without framing).
    framing: Vec<Framing>,
    /// Per stream, its chunks when its units are chunks.
    pcm: Vec<Option<PcmUnits>>,
}

/// The chunks of a PCM stream, as the sealer cut them.
struct PcmUnits {
    /// Bytes of one sample frame (all channels).
    frame_bytes: u64,
    rate: f64,
    /// The stream's first sample time, seconds from the file's start.
    start: Option<f64>,
    chunker: Chunker,
    /// Each chunk's first sample frame and SHA-256, in order.
    chunks: Vec<Chunk>,
}

impl PcmUnits {
    /// Chunks newly cut become units with their times.
    fn take(&mut self, done: &mut Vec<Chunk>, units: &mut Vec<PacketInfo>) {
        let start = self.start.unwrap_or(0.0);
        for c in done.drain(..) {
            let t = start + c.0 as f64 / self.rate;
            units.push(PacketInfo {
                t,
                pt: t,
                key: true,
            });
            self.chunks.push(c);
        }
    }

    /// The byte range `[lo, hi)` of chunks `a..=b` in the stream's samples
    /// (`hi` is `None`: to the stream's end).
    fn bytes(&self, a: u64, b: u64) -> (u64, Option<u64>) {
        let at = |i: u64| {
            self.chunks
                .get(usize::try_from(i).unwrap_or(usize::MAX))
                .map(|c| c.0 * self.frame_bytes)
        };
        (at(a).unwrap_or(0), at(b + 1))
    }
}

fn seconds(ts: i64, tb: ff::Rational) -> f64 {
    ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1))
}

/// Every sealed unit's times and keyframe flag, per stream, timed from the
/// file's start as the sealed windows are: packets, or for a PCM stream the
/// sidecar cuts into chunks, its chunks (cut again here the same way, from
/// the stream's first byte, so their bounds and hashes are the sealed ones).
fn scan(path: &Path, until: f64, header: &WindowsHeader) -> Result<Scan, ExcerptError> {
    crate::media::init();
    let mut ictx = ff::format::input(&path).map_err(|e| media_err(path, e.to_string()))?;
    let mut t0 = f64::INFINITY;
    let mut tbs = Vec::new();
    let mut kinds = Vec::new();
    let mut framing = Vec::new();
    let mut pcm = Vec::new();
    for st in ictx.streams() {
        let tb = st.time_base();
        if st.start_time() != ff::ffi::AV_NOPTS_VALUE && tb.denominator() != 0 {
            t0 = t0.min(seconds(st.start_time(), tb));
        }
        tbs.push(tb);
        kinds.push(st.parameters().medium());
        let info = header.streams.iter().find(|i| i.index == st.index());
        framing.push(match info {
            Some(i) if header.v >= V3 => Framing::of(&i.codec),
            _ => Framing::Raw,
        });
        // The sample rate, as the media reader takes it (from the decoder).
        let rate = ff::codec::context::Context::from_parameters(st.parameters())
            .ok()
            .and_then(|c| c.decoder().audio().ok())
            .map_or(0, |d| d.rate());
        pcm.push(match info.and_then(|i| i.chunks) {
            Some(c) if header.v >= V3 && c.usable() && rate > 0 => Some(PcmUnits {
                frame_bytes: u64::from(c.align),
                rate: f64::from(rate),
                start: None,
                chunker: Chunker::new(c),
                chunks: Vec::new(),
            }),
            _ => None,
        });
    }
    let mut packets: Vec<Vec<PacketInfo>> = (0..tbs.len()).map(|_| Vec::new()).collect();
    let av: Vec<usize> = (0..kinds.len())
        .filter(|&i| matches!(kinds[i], ff::media::Type::Audio | ff::media::Type::Video))
        .collect();
    let mut done = Vec::new();
    let mut eof = false;
    loop {
        // Past `until` in every audio and video stream: the rest is not needed.
        if !av.is_empty()
            && av
                .iter()
                .all(|&i| packets[i].last().is_some_and(|p| p.t > until))
        {
            break;
        }
        let mut packet = ff::Packet::empty();
        match packet.read(&mut ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => {
                eof = true;
                break;
            }
            Err(e) => return Err(media_err(path, format!("FFmpeg cannot read it: {e}"))),
        }
        let si = packet.stream();
        let Some(&tb) = tbs.get(si) else { continue };
        let prev = packets[si].last().map_or(0.0, |p: &PacketInfo| p.t);
        let t_abs = packet.dts().or(packet.pts()).map(|ts| seconds(ts, tb));
        if !t0.is_finite() {
            t0 = t_abs.unwrap_or(0.0);
        }
        let t = t_abs.map_or(prev, |x| x - t0);
        if let Some(u) = pcm[si].as_mut() {
            u.start.get_or_insert(t);
            u.chunker.push(packet.data().unwrap_or(&[]), &mut done);
            u.take(&mut done, &mut packets[si]);
            continue;
        }
        let pt = packet.pts().map_or(t, |p| seconds(p, tb) - t0);
        packets[si].push(PacketInfo {
            t,
            pt,
            key: packet.is_key(),
        });
    }
    // At the stream's real end the chunks still held are cut as the sealer
    // cut them; stopped before it, they are not needed (only chunks that
    // start by `until` are), and cutting them would end one too soon.
    if eof {
        for (u, units) in pcm.iter_mut().zip(packets.iter_mut()) {
            if let Some(u) = u {
                u.chunker.finish(&mut done);
                u.take(&mut done, units);
            }
        }
    }
    Ok(Scan {
        kinds,
        packets,
        framing,
        pcm,
    })
}

/// The packets of each stream that make up `from..to`: `(first, last)`.
/// With video, the stretch starts at the last keyframe at or before `from`
/// (of the first video stream), so the excerpt decodes from its first frame.
fn select(scan: &Scan, from: f64, to: f64) -> Vec<Option<(u64, u64)>> {
    let mut start = from;
    let mut video_start = None;
    if let Some(v) = scan.kinds.iter().position(|k| *k == ff::media::Type::Video) {
        let p = &scan.packets[v];
        let key = p
            .iter()
            .enumerate()
            .filter(|(_, x)| x.key && x.pt <= from + 1e-6)
            .max_by(|a, b| a.1.pt.total_cmp(&b.1.pt))
            .or_else(|| p.iter().enumerate().find(|(_, x)| x.key));
        if let Some((i, k)) = key {
            start = k.pt.min(from);
            video_start = Some((v, i as u64));
        }
    }
    scan.packets
        .iter()
        .enumerate()
        .map(|(s, p)| {
            if !matches!(
                scan.kinds[s],
                ff::media::Type::Audio | ff::media::Type::Video
            ) {
                return None;
            }
            let a = match video_start {
                Some((v, i)) if v == s => i,
                _ => p.iter().position(|x| x.pt >= start - 1e-6)? as u64,
            };
            let b = p.iter().rposition(|x| x.t < to)? as u64;
            (b >= a).then_some((a, b))
        })
        .collect()
}

/// Writes the selected packets to `output` by stream copy (in a temporary
/// file, linked in under its name at the end, never replacing a file), and
/// returns, per planned stream, the SHA-256 of the edge windows' packets
/// left out (before, after).
fn cut(
    input: &Path,
    output: &Path,
    scan: &Scan,
    plan: &[Plan<'_>],
) -> Result<Vec<EdgeHashes>, ExcerptError> {
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let ext = output
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix(".courtseal-excerpt-")
        .suffix(&ext)
        .tempfile_in(dir)
        .map_err(|e| media_err(output, format!("cannot write: {e}")))?;
    let werr = |e: ff::Error| {
        media_err(
            output,
            format!("FFmpeg cannot write the excerpt as this file type ({e}); give it the segment's own extension"),
        )
    };
    let mut ictx = ff::format::input(&input).map_err(|e| media_err(input, e.to_string()))?;
    let mut octx = ff::format::output(&tmp.path()).map_err(werr)?;
    // Input stream -> (output stream, plan index).
    let mut map: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut in_tb = Vec::new();
    for st in ictx.streams() {
        in_tb.push(st.time_base());
    }
    for (pi, p) in plan.iter().enumerate() {
        let ist = ictx
            .stream(p.s)
            .ok_or_else(|| media_err(input, "a stream disappeared"))?;
        let mut ost = octx
            .add_stream(ff::encoder::find(ff::codec::Id::None))
            .map_err(werr)?;
        ost.set_parameters(ist.parameters());
        ost.set_time_base(ist.time_base());
        map.insert(p.s, (ost.index(), pi));
    }
    // The first selected packet's time becomes the excerpt's zero.
    let offset = plan
        .iter()
        .map(|p| scan.packets[p.s][p.a as usize].t)
        .fold(f64::INFINITY, f64::min);
    octx.write_header().map_err(werr)?;
    let out_tb: Vec<ff::Rational> = (0..plan.len())
        .map(|i| {
            octx.stream(i)
                .map_or(ff::Rational::new(1, 1), |s| s.time_base())
        })
        .collect();
    let mut edges: Vec<EdgeHashes> = vec![(vec![], vec![]); plan.len()];
    // A stream of chunks: its edge chunks' hashes are known from the scan,
    // and its excerpt is the bytes of chunks a..=b, whatever the packets.
    let ranges: Vec<Option<(u64, Option<u64>)>> = plan
        .iter()
        .enumerate()
        .map(|(pi, p)| {
            let u = scan.pcm[p.s].as_ref()?;
            let hex_of = |lo: u64, hi: u64| -> Vec<String> {
                (lo..hi)
                    .filter_map(|i| u.chunks.get(usize::try_from(i).ok()?))
                    .map(|c| hex::encode(c.1))
                    .collect()
            };
            edges[pi] = (hex_of(p.before.0, p.before.1), hex_of(p.after.0, p.after.1));
            Some(u.bytes(p.a, p.b))
        })
        .collect();
    let mut counters = vec![0u64; in_tb.len()];
    // Bytes of each stream read so far (for a stream of chunks).
    let mut read = vec![0u64; in_tb.len()];
    // The file's zero in each stream's time base (as `scan` timed it).
    let mut zero: Vec<Option<i64>> = vec![None; in_tb.len()];
    loop {
        // Every planned stream past its last edge window (or for chunks,
        // past the excerpt's last byte): done.
        let finished = plan.iter().zip(&ranges).all(|(p, r)| match r {
            Some((_, Some(hi))) => read[p.s] >= *hi,
            Some((_, None)) => false,
            None => counters[p.s] >= p.after.1.max(p.b + 1),
        });
        if finished {
            break;
        }
        let mut packet = ff::Packet::empty();
        match packet.read(&mut ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => break,
            Err(e) => return Err(media_err(input, format!("FFmpeg cannot read it: {e}"))),
        }
        let si = packet.stream();
        let Some(n) = counters.get_mut(si) else {
            continue;
        };
        let k = *n;
        *n += 1;
        let Some(&(oi, pi)) = map.get(&si) else {
            continue;
        };
        let p = &plan[pi];
        let tb = in_tb[si];
        if let (Some((lo, hi)), Some(u)) = (ranges[pi], scan.pcm[si].as_ref()) {
            let data = packet.data().unwrap_or(&[]);
            let at = read[si];
            read[si] += data.len() as u64;
            let from = lo.max(at);
            let to = hi.map_or(read[si], |h| h.min(read[si]));
            if from >= to {
                continue;
            }
            let (i, j) = ((from - at) as usize, (to - at) as usize);
            let mut out = ff::Packet::copy(&data[i..j]);
            // Timed in samples from the excerpt's zero.
            let first_t = scan.packets[si][p.a as usize].t;
            let t = first_t - offset + (from - lo) as f64 / u.frame_bytes as f64 / u.rate;
            let len = (to - from) as f64 / u.frame_bytes as f64 / u.rate;
            let ticks = |x: f64| {
                (x * f64::from(tb.denominator()) / f64::from(tb.numerator().max(1))).round() as i64
            };
            out.set_pts(Some(ticks(t)));
            out.set_dts(Some(ticks(t)));
            out.set_duration(ticks(len));
            out.set_stream(oi);
            out.set_position(-1);
            out.rescale_ts(tb, out_tb[oi]);
            out.write_interleaved(&mut octx).map_err(werr)?;
            continue;
        }
        let framing = scan.framing[si];
        if (p.before.0..p.before.1).contains(&k) {
            edges[pi]
                .0
                .push(hex::encode(framing.hash(packet.data().unwrap_or(&[]))));
        }
        if (p.after.0..p.after.1).contains(&k) {
            edges[pi]
                .1
                .push(hex::encode(framing.hash(packet.data().unwrap_or(&[]))));
        }
        if k < p.a || k > p.b {
            continue;
        }
        let shift = *zero[si].get_or_insert_with(|| {
            let info = &scan.packets[si][k as usize];
            let ts = packet.dts().or(packet.pts()).unwrap_or(0);
            // ts corresponds to info.t; the excerpt's zero is `offset`.
            ts - ((info.t - offset) * f64::from(tb.denominator())
                / f64::from(tb.numerator().max(1)))
            .round() as i64
        });
        if let Some(d) = packet.dts() {
            packet.set_dts(Some(d - shift));
        }
        if let Some(q) = packet.pts() {
            packet.set_pts(Some(q - shift));
        }
        packet.set_stream(oi);
        packet.set_position(-1);
        packet.rescale_ts(tb, out_tb[oi]);
        packet.write_interleaved(&mut octx).map_err(werr)?;
    }
    octx.write_trailer().map_err(werr)?;
    drop(octx);
    use std::os::unix::fs::PermissionsExt as _;
    let cannot = |e: std::io::Error| media_err(output, format!("cannot write: {e}"));
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(cannot)?;
    tmp.as_file().sync_all().map_err(cannot)?;
    tmp.persist_noclobber(output).map_err(|e| cannot(e.error))?;
    Ok(edges)
}

/// The stretch a proven excerpt part stands for, timed by the sealed
/// packet times of its window lines (`lines[i]` parsed from stream `i`'s).
fn stretch_of(entry: &SegmentEntry, part: &ExcerptPart, lines: &[Vec<WindowLine>]) -> Stretch {
    let mut from = f64::INFINITY;
    let mut to = f64::NEG_INFINITY;
    let mut streams = Vec::new();
    let media = entry.media.as_ref();
    for (st, wl) in part.streams.iter().zip(lines) {
        let kind = media
            .and_then(|m| m.streams.get(st.s))
            .map_or_else(|| "stream".to_owned(), |f| f.kind.clone());
        let last = st.first + st.count.saturating_sub(1);
        if let Some(t) = packet_time(wl, st.first) {
            from = from.min(t.0);
        }
        if let Some(t) = packet_time(wl, last) {
            to = to.max(t.0 + t.1);
        }
        streams.push(StretchStream {
            stream: st.s,
            kind,
            first: st.first,
            last,
        });
    }
    if !from.is_finite() {
        from = 0.0;
    }
    if !to.is_finite() {
        to = from;
    }
    let (base, by) = wall_base(entry);
    let at = |x: f64| {
        base.and_then(|b| {
            let t = b.checked_add(time::Duration::seconds_f64(x))?;
            Some(crate::entry::format_time(t))
        })
    };
    Stretch {
        segment: entry.name.clone(),
        from: crate::media::round_us(from),
        to: crate::media::round_us(to),
        wall_from: at(from),
        wall_to: at(to),
        wall_by: base.map(|_| by.to_owned()),
        streams,
    }
}

/// The wall-clock time of the segment's media time 0, and what gives it.
fn wall_base(entry: &SegmentEntry) -> (Option<time::OffsetDateTime>, &'static str) {
    let parse = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
    };
    let m = entry.media.as_ref();
    if let Some(d) = m.and_then(|m| m.declared_start.as_deref()).and_then(parse) {
        return (Some(d), "recorder's declared start");
    }
    let by_sealing = parse(&entry.sealed_at).and_then(|s| {
        let len = m?.duration?;
        s.checked_sub(time::Duration::seconds_f64(len))
    });
    (by_sealing, "sealing time")
}

/// Sealed packet `n`'s presentation time and step, from the window lines
/// that hold it.
fn packet_time(lines: &[WindowLine], n: u64) -> Option<(f64, f64)> {
    let l = lines
        .iter()
        .find(|l| l.first <= n && n < l.first + l.count)?;
    let i = (n - l.first) as usize;
    match l.packet_times() {
        Some(ts) => {
            let step = l.dt.unwrap_or_else(|| {
                if ts.len() >= 2 {
                    (ts[ts.len() - 1] - ts[0]) / (ts.len() - 1) as f64
                } else {
                    0.0
                }
            });
            Some((ts[i], step.max(0.0)))
        }
        None => Some((l.t, 0.0)),
    }
}

/// Every unit's SHA-256, per stream, in file order, as the sidecar whose
/// header is `header` hashes them (packets as demuxed; version 3: packets
/// without their framing, a PCM stream's content-defined chunks): the
/// media reader the sealer uses, so both sides hash alike.
fn unit_hashes(path: &Path, header: &WindowsHeader) -> Result<Vec<Vec<[u8; 32]>>, String> {
    let opts = crate::media::MediaOptions {
        window_seconds: header.seconds,
        silence: None,
        version: header.v,
    };
    let a = crate::media::analyze(path, &opts, true).map_err(|e| e.0)?;
    a.packet_hashes
        .ok_or_else(|| "FFmpeg read no packets from it".to_owned())
}

/// Checks that `media` is the stretch of sealed segment `entry` that `part`
/// proves (the entry itself is checked by the caller). Pushes findings;
/// returns the stretch when its proof holds together (even if the file
/// does not match it).
pub fn verify(
    media: &Path,
    entry: &SegmentEntry,
    part: &ExcerptPart,
    proof_loc: &str,
    findings: &mut Vec<Finding>,
) -> Option<Stretch> {
    let file = media.display().to_string();
    let malformed = |what: String| Finding::error(Code::ProofMalformed, proof_loc, what);
    let Some(wref) = entry.media.as_ref().and_then(|m| m.windows.as_ref()) else {
        findings.push(malformed(format!(
            "segment {} was sealed without packet windows: an excerpt of it cannot be proven",
            entry.name
        )));
        return None;
    };
    let root: Option<tlog::Hash> = B64.decode(&wref.root).ok().and_then(|r| r.try_into().ok());
    let Some(root) = root else {
        findings.push(malformed(
            "the sealed window root is not base64 of 32 bytes".into(),
        ));
        return None;
    };
    // The proof: the header and every line included, lines contiguous,
    // edges consistent.
    let included = |pl: &ProvenLine| {
        pl.hashes().is_some_and(|path| {
            tlog::verify_inclusion(
                pl.n,
                wref.lines,
                &tlog::leaf_hash(pl.line.as_bytes()),
                &path,
                &root,
            )
            .is_ok()
        })
    };
    let header = match serde_json::from_str::<WindowsHeader>(&part.header.line) {
        Ok(h) if part.header.n == 0 && included(&part.header) => h,
        _ => {
            findings.push(Finding::error(
                Code::ProofNotIncluded,
                proof_loc,
                format!(
                    "the proof's packet-window header is not the one sealed for {}",
                    entry.name
                ),
            ));
            return None;
        }
    };
    let mut lines: Vec<Vec<WindowLine>> = Vec::new();
    let mut ok = true;
    for st in &part.streams {
        let mut parsed = Vec::new();
        for pl in &st.windows {
            if !included(pl) || pl.n == 0 {
                findings.push(Finding::error(
                    Code::ProofNotIncluded,
                    proof_loc,
                    format!(
                        "window line {} of the proof is not among the packet windows sealed for {}",
                        pl.n, entry.name
                    ),
                ));
                ok = false;
                continue;
            }
            match serde_json::from_str::<WindowLine>(&pl.line) {
                Ok(w) if w.s == st.s => parsed.push(w),
                _ => {
                    findings.push(malformed(format!(
                        "window line {} is not a window of stream {}",
                        pl.n, st.s
                    )));
                    ok = false;
                }
            }
        }
        lines.push(parsed);
    }
    if !ok {
        return None;
    }
    for (st, wl) in part.streams.iter().zip(&lines) {
        for pair in wl.windows(2) {
            let end = pair[0].first + pair[0].count;
            if pair[1].first != end {
                let (a, _) =
                    packet_time(wl, pair[0].first + pair[0].count - 1).unwrap_or((0.0, 0.0));
                let (b, _) = packet_time(wl, pair[1].first).unwrap_or((0.0, 0.0));
                findings.push(Finding::error(
                    Code::ExcerptSpliced,
                    proof_loc,
                    format!(
                        "the proof joins two stretches of {}: after {} it goes on at {}, leaving out sealed packets {}..{} of stream {}; it does not prove one continuous stretch",
                        entry.name,
                        clock(a),
                        clock(b),
                        end,
                        pair[1].first.saturating_sub(1),
                        st.s
                    ),
                ));
                ok = false;
            }
        }
        let (Some(l0), Some(ln)) = (wl.first(), wl.last()) else {
            findings.push(malformed(format!("stream {} has no window lines", st.s)));
            ok = false;
            continue;
        };
        let last = st
            .first
            .checked_add(st.count)
            .and_then(|e| e.checked_sub(1));
        let edges_fit = st.count > 0
            && l0.first <= st.first
            && st.first - l0.first == st.before.len() as u64
            && last.is_some_and(|last| {
                last < ln.first + ln.count
                    && ln.first + ln.count - 1 - last == st.after.len() as u64
            })
            && st
                .before
                .iter()
                .chain(&st.after)
                .all(|h| h.len() == 64 && hex::decode(h).is_ok());
        if !edges_fit {
            findings.push(malformed(format!(
                "the edge packets of stream {} do not fit its windows",
                st.s
            )));
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let stretch = stretch_of(entry, part, &lines);

    // The file: its packets, stream by stream, against the proven windows.
    let hashes = match unit_hashes(media, &header) {
        Ok(h) => h,
        Err(e) => {
            findings.push(Finding::error(Code::ExcerptUnreadable, &file, e));
            return Some(stretch);
        }
    };
    let hashes: Vec<Vec<[u8; 32]>> = hashes.into_iter().filter(|h| !h.is_empty()).collect();
    if hashes.len() != part.streams.len() {
        findings.push(Finding::error(
            Code::ExcerptUnreadable,
            &file,
            format!(
                "the file has {} streams with packets; the proven excerpt has {}",
                hashes.len(),
                part.streams.len()
            ),
        ));
        return Some(stretch);
    }
    for ((st, wl), got) in part.streams.iter().zip(&lines).zip(&hashes) {
        check_stream(entry, st, wl, got, &file, findings);
    }
    Some(stretch)
}

fn unhex(h: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Ok(v) = hex::decode(h) {
        if v.len() == 32 {
            out.copy_from_slice(&v);
        }
    }
    out
}

/// One stream: recompute each window's hash; on a mismatch, say what the
/// excerpt is instead, from the sealed packet-hash prefixes.
fn check_stream(
    entry: &SegmentEntry,
    st: &ExcerptStream,
    wl: &[WindowLine],
    got: &[[u8; 32]],
    file: &str,
    findings: &mut Vec<Finding>,
) {
    let base = wl.first().map_or(0, |l| l.first);
    let before: Vec<[u8; 32]> = st.before.iter().map(|h| unhex(h)).collect();
    let after: Vec<[u8; 32]> = st.after.iter().map(|h| unhex(h)).collect();
    // The sealed run as the proof has it: before ++ excerpt ++ after.
    let mut all: Vec<[u8; 32]> = before.clone();
    all.extend_from_slice(got);
    all.extend_from_slice(&after);
    let mut bad_windows = Vec::new();
    let mut pos = 0usize;
    for l in wl {
        let n = l.count as usize;
        let matches = all.get(pos..pos + n).is_some_and(|run| {
            let mut h = Sha256::new();
            for x in run {
                h.update(x);
            }
            hex::encode(h.finalize()) == l.sha256
        });
        if !matches {
            bad_windows.push(l);
        }
        pos += n;
    }
    if bad_windows.is_empty() && got.len() as u64 == st.count {
        return;
    }
    let before_len = findings.len();
    diagnose(entry, st, wl, base, got, file, findings);
    let has_prefixes = wl.iter().all(|l| l.prefixes().is_some());
    if findings.len() == before_len && has_prefixes && got.len() as u64 == st.count {
        // Every packet of the file is where the sealed prefixes put it: the
        // proof's own hashes of the left-out edge packets are wrong.
        findings.push(Finding::error(
            Code::ProofMalformed,
            file,
            format!(
                "the proof's hashes of the packets left out at the edges of stream {} do not give the sealed window hashes: the proof was altered",
                st.s
            ),
        ));
    } else if findings.len() == before_len {
        // Nothing more precise: name the windows that do not match.
        for l in bad_windows {
            findings.push(
                Finding::error(
                    Code::ExcerptChanged,
                    file,
                    format!(
                        "the packets of {} from {} to {} in this file are not the sealed ones: the excerpt was changed there",
                        entry.name,
                        clock(l.from),
                        clock(l.to)
                    ),
                )
                .with_span(l.from, l.to),
            );
        }
        if got.len() as u64 != st.count {
            findings.push(Finding::error(
                Code::ExcerptEdgeShifted,
                file,
                format!(
                    "the file holds {} packets of stream {}; the proven stretch has {}",
                    got.len(),
                    st.s,
                    st.count
                ),
            ));
        }
    }
}

fn prefix(h: &[u8; 32]) -> u32 {
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// Aligns the file's packets with the sealed packets the proof knows of
/// (by their sealed hash prefixes) and reports the first way they part.
fn diagnose(
    entry: &SegmentEntry,
    st: &ExcerptStream,
    wl: &[WindowLine],
    base: u64,
    got: &[[u8; 32]],
    file: &str,
    findings: &mut Vec<Finding>,
) {
    let mut sealed: Vec<u32> = Vec::new();
    for l in wl {
        match l.prefixes() {
            Some(p) => sealed.extend(p),
            None => return,
        }
    }
    let time = |j: usize| packet_time(wl, base + j as u64).map_or(0.0, |t| t.0);
    let e: Vec<u32> = got.iter().map(prefix).collect();
    let mut at: HashMap<u32, Vec<usize>> = HashMap::new();
    for (j, p) in sealed.iter().enumerate() {
        at.entry(*p).or_default().push(j);
    }
    let run = 4usize;
    // Where e[i..] (a run of up to `run` packets) sits in the sealed list.
    let find = |i: usize, prefer: Option<usize>| -> Option<usize> {
        let r = run.min(e.len() - i);
        let fits = |j: usize| j + r <= sealed.len() && sealed[j..j + r] == e[i..i + r];
        if let Some(j) = prefer.filter(|&j| fits(j)) {
            return Some(j);
        }
        at.get(&e[i])?.iter().copied().find(|&j| fits(j))
    };
    let expect0 = (st.first - base) as usize;
    let kind = entry
        .media
        .as_ref()
        .and_then(|m| m.streams.get(st.s))
        .map_or("", |s| s.kind.as_str())
        .to_owned();
    let what = format!("{kind} stream {}", st.s).trim().to_owned();
    if e.is_empty() {
        findings.push(Finding::error(
            Code::ExcerptEdgeShifted,
            file,
            format!("the file has no packets of the {what}"),
        ));
        return;
    }
    if !e.iter().any(|p| at.contains_key(p)) {
        findings.push(Finding::error(
            Code::ExcerptOtherRecording,
            file,
            format!(
                "none of the file's {what} packets is among the sealed packets of the stretch of {} the proof is for: it is another recording, or another part of this one",
                entry.name
            ),
        ));
        return;
    }
    let mut i = 0usize;
    let mut j = match find(0, Some(expect0)) {
        Some(j) if j == expect0 => j,
        Some(j) => {
            let d = j as i64 - expect0 as i64;
            findings.push(
                Finding::error(
                    Code::ExcerptEdgeShifted,
                    file,
                    format!(
                        "the file's {what} starts at {} of {}, not at {} where the proven stretch starts ({} packets {}): its start was moved",
                        clock(time(j)),
                        entry.name,
                        clock(time(expect0)),
                        d.abs(),
                        if d > 0 { "later" } else { "earlier" }
                    ),
                )
                .with_span(time(j.min(expect0)), time(j.max(expect0))),
            );
            j
        }
        None => expect0,
    };
    while i < e.len() {
        if j < sealed.len() && sealed[j] == e[i] {
            i += 1;
            j += 1;
            continue;
        }
        if j >= sealed.len() {
            findings.push(Finding::error(
                Code::ExcerptEdgeShifted,
                file,
                format!(
                    "the file's {what} goes on for {} packets after the end of the proven stretch of {} ({})",
                    e.len() - i,
                    entry.name,
                    clock(time(sealed.len().saturating_sub(1)))
                ),
            ));
            return;
        }
        if let Some(j2) = find(i, None).filter(|&j2| j2 != j) {
            let (a, b) = (time(j.saturating_sub(1)), time(j2));
            findings.push(
                Finding::error(
                    Code::ExcerptSpliced,
                    file,
                    format!(
                        "the file's {what} jumps from {} to {} of {}: {}, so it is two stretches joined, not one continuous stretch",
                        clock(a),
                        clock(b),
                        entry.name,
                        if j2 > j {
                            format!("the {:.3} s between were cut out", b - a)
                        } else {
                            "it goes back to an earlier part".to_owned()
                        }
                    ),
                )
                .with_span(a.min(b), a.max(b)),
            );
            j = j2;
            continue;
        }
        // Packets that are nowhere among the sealed ones: changed.
        let mut i2 = i + 1;
        let mut j2 = None;
        while i2 < e.len() {
            if let Some(x) = find(i2, Some(j + (i2 - i))) {
                j2 = Some(x);
                break;
            }
            i2 += 1;
        }
        let end_j = j2.unwrap_or(sealed.len()).max(j + 1);
        findings.push(
            Finding::error(
                Code::ExcerptChanged,
                file,
                format!(
                    "{} packet(s) of the file's {what} at {} of {} are not the sealed ones: the excerpt was changed there",
                    i2 - i,
                    clock(time(j)),
                    entry.name
                ),
            )
            .with_span(time(j), time((end_j - 1).max(j))),
        );
        match j2 {
            Some(x) => {
                i = i2;
                j = x;
            }
            None => return,
        }
    }
    let expect_end = expect0 + st.count as usize;
    if j != expect_end {
        findings.push(
            Finding::error(
                Code::ExcerptEdgeShifted,
                file,
                format!(
                    "the file's {what} ends at {} of {}, not at {} where the proven stretch ends: its end was moved",
                    clock(time(j.saturating_sub(1))),
                    entry.name,
                    clock(time(expect_end.saturating_sub(1)))
                ),
            )
            .with_span(
                time(j.min(expect_end).saturating_sub(1)),
                time(j.max(expect_end).saturating_sub(1)),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_hash_is_recomputed_from_edges_and_packets() {
        let hs: Vec<[u8; 32]> = (0u8..6).map(|i| Framing::Raw.hash(&[i])).collect();
        let mut h = Sha256::new();
        for x in &hs {
            h.update(x);
        }
        let line = WindowLine {
            w: 0,
            s: 0,
            from: 0.0,
            to: 1.0,
            t: 0.0,
            first: 0,
            count: 6,
            sha256: hex::encode(h.finalize()),
            p: None,
            dt: None,
            pt: None,
        };
        let st = ExcerptStream {
            s: 0,
            first: 2,
            count: 3,
            windows: vec![],
            before: hs[..2].iter().map(hex::encode).collect(),
            after: hs[5..].iter().map(hex::encode).collect(),
        };
        let entry: SegmentEntry = serde_json::from_str(
            r#"{"v":1,"kind":"segment","seq":1,"name":"a.m4a","size":1,"sha256":"0000000000000000000000000000000000000000000000000000000000000000","sealed_at":"2026-11-20T10:00:00Z"}"#,
        )
        .unwrap();
        let mut f = Vec::new();
        check_stream(
            &entry,
            &st,
            std::slice::from_ref(&line),
            &hs[2..5],
            "x",
            &mut f,
        );
        assert!(f.is_empty(), "{f:?}");
        check_stream(&entry, &st, &[line], &hs[1..4], "x", &mut f);
        assert_eq!(f[0].code, Code::ExcerptChanged);
    }
}
