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

use crate::entry::Entry;
use crate::finding::{Finding, Severity};
use crate::format::bundle::{Bundle, ExcerptPart, ExcerptStream, ProvenLine, EXCERPT_V1};
use crate::format::windows::{WindowLine, WindowsHeader, V3};
use crate::keys::TrustStore;
use crate::media::chunking::{Chunk, Chunker};
use crate::media::normalise::Framing;
use crate::store::source::{read_io, LocalSession, SessionSource as _};
use crate::stretch::{stretch_of, Stretch};
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
                // On this segment, its sidecar, the log or a checkpoint.
                && f.location.file().is_some_and(|l| {
                    l == name
                        || l == wref.file
                        || l == crate::format::LOG_NAME
                        || l == "courtseal/checkpoint"
                        || l.starts_with("courtseal/checkpoints")
                })
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
    // Every file of the session is read through its door: the sidecar
    // once, bounded, never through a link or from a FIFO.
    let source = LocalSession::new(root);
    let sidecar_path = root.join(&wref.file);
    let sidecar_read = crate::format::entry::check_segment_name(&wref.file)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
        .and_then(|()| read_io(&source, &wref.file, crate::verify::MAX_SIDECAR_BYTES));
    let mut findings = Vec::new();
    let sidecar = crate::verify::check_sidecar(
        sidecar_read
            .as_ref()
            .map(Clone::clone)
            .map_err(|e| std::io::Error::new(e.kind(), e.to_string())),
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
    let sidecar_bytes = sidecar_read.map_err(|e| media_err(&sidecar_path, e.to_string()))?;
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
    // The segment is opened through the door (no link on the way or as the
    // file, a regular file) and FFmpeg reads that checked handle through
    // `/proc/self/fd/N`, never the name: a file swapped in after verify
    // looked at it is not what is cut (see `OpenedFile::fd_path`).
    let segment = source
        .open(&entry.name)
        .map_err(|e| media_err(&segment_path, e.to_string()))?;
    // The handle is the sealed segment verify found intact (not a file
    // put in its place since).
    let (digest, _) = crate::digest::hash_reader(&segment.file)
        .map_err(|e| media_err(&segment_path, e.to_string()))?;
    if digest != entry.sha256 {
        return Err(refused(format!(
            "{}: segment {name} changed while the excerpt was being made; it is no longer the sealed file",
            segment_path.display()
        )));
    }
    let media = segment.fd_path();
    // Read a little past the end: a stream's last packet before `to` is
    // known once a later one is seen (video is stored ahead of its time).
    let scan = scan(&media, &segment_path, to + 5.0, &sidecar.header)?;
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
    let edge_hashes = cut(&media, &segment_path, output, &scan, &plan)?;
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
        bundle: {
            let ledger = crate::proof::ledger_evidence_named_for(root, &tp, trust);
            let record = crate::proof::record_part_for(root, &tp);
            let timestamps = crate::proof::timestamps_for(
                root,
                &tp,
                ledger.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
                trust,
            );
            let ledger = ledger.map(|(_, t)| t);
            Bundle {
                bundle: crate::proof::bundle_version_of(
                    ledger.is_some(),
                    record.is_some(),
                    !timestamps.is_empty(),
                )
                .into(),
                tlog_proof: String::from_utf8_lossy(&tp.to_text()).into_owned(),
                windows: None,
                excerpt: Some(part),
                ledger,
                record,
                timestamps,
            }
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
/// `open` is the name FFmpeg opens, `shown` the one errors name.
fn scan(
    open: &Path,
    path: &Path,
    until: f64,
    header: &WindowsHeader,
) -> Result<Scan, ExcerptError> {
    crate::media::init();
    let mut ictx =
        crate::media::open_input(&open).map_err(|e| media_err(path, crate::media::describe(&e)))?;
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
/// `open` is the name FFmpeg opens, `input` the one errors name.
fn cut(
    open: &Path,
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
    let mut ictx = crate::media::open_input(&open)
        .map_err(|e| media_err(input, crate::media::describe(&e)))?;
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
