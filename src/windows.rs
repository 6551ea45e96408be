//! How a changed copy is explained by comparing its packets with the sealed
//! packet windows (whose format is [`crate::format::windows`]).

use std::collections::HashMap;

use sha2::{Digest as _, Sha256};

use crate::finding::Code;
pub use crate::format::windows::*;
use crate::media::{round_us, Keep, MediaAnalysis, Times};

/// One thing that changed in a copy, on the sealed timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// `segment.content_edited`, `segment.content_removed`,
    /// `segment.content_inserted` or `segment.truncated`.
    pub code: Code,
    /// Stream index.
    pub stream: usize,
    /// Start, seconds into the sealed recording.
    pub from: f64,
    /// End, seconds into the sealed recording.
    pub to: f64,
    /// For a person.
    pub message: String,
    /// Where the change sits in the copy's own clock: from the time of the
    /// copy's last unchanged packet before it to that of its first one
    /// after it (the one whose time is in step with what follows). A gap
    /// in the copy's timestamps inside this stretch is the trace of this
    /// change, not a finding of its own. `None` at either end of a stream.
    pub copy_span: Option<(f64, f64)>,
}

/// Formats seconds as `H:MM:SS.mmm`.
pub fn clock(t: f64) -> String {
    let ms = (t.max(0.0) * 1000.0).round() as u64;
    format!(
        "{}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

fn run_hash(ph: &[[u8; 32]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in ph {
        h.update(p);
    }
    h.finalize().into()
}

/// What [`explain`] needs kept of a copy's packets to compare it with
/// `sealed`: the hash prefixes and times, and the full hashes only for a
/// stream that is compared window hash by window hash (a version 1
/// sidecar, or window lines whose packets are not one contiguous run).
pub fn copy_keep(sealed: &Sidecar) -> Keep {
    let by_packets = sealed.header.v >= V2
        && sealed.header.streams.iter().all(|st| {
            let mut next = 0u64;
            sealed.windows.iter().filter(|w| w.s == st.index).all(|w| {
                let ok = w.first == next && w.p.is_some();
                next = w.first.saturating_add(w.count);
                ok
            })
        });
    Keep::ToExplain {
        full_hashes: !by_packets,
    }
}

/// Compares a copy's packets with the sealed windows. Returns no changes
/// when every sealed packet is present, unchanged and in order, and nothing
/// was added: then only the container differs. The copy is analysed keeping
/// at least what [`copy_keep`] says.
#[expect(
    clippy::expect_used,
    reason = "callers analyse the copy with packets kept; without them there is nothing to compare"
)]
pub fn explain(sealed: &Sidecar, now: &MediaAnalysis) -> Vec<Change> {
    let prefixes = now
        .packet_prefixes
        .as_ref()
        .expect("analysis kept packet prefixes");
    let last = now
        .packet_last
        .as_ref()
        .expect("analysis kept the last packet times");
    let presented = now
        .packet_presented
        .as_ref()
        .expect("analysis kept presentation times");
    let mut changes = Vec::new();
    // Match each sealed stream to a stream of the copy of the same kind and
    // codec (the same index first): a remux may reorder streams.
    let copy_streams = &now.header.streams;
    let mut used = vec![false; copy_streams.len()];
    let mut matched: Vec<Option<usize>> = Vec::new();
    for st in &sealed.header.streams {
        let same = |c: &StreamInfo| c.kind == st.kind && c.codec == st.codec;
        let pick = copy_streams
            .get(st.index)
            .filter(|c| same(c) && !used[st.index])
            .map(|_| st.index)
            .or_else(|| copy_streams.iter().position(|c| same(c) && !used[c.index]));
        if let Some(j) = pick {
            used[j] = true;
        }
        matched.push(pick);
    }
    let mut bases: Vec<StreamBase> = Vec::new();
    // Version 1 streams whose packets are all there, unchanged and in
    // order: their timing is compared with the sealed windows' below.
    let mut same_packets: Vec<(&StreamInfo, Vec<&WindowLine>, &Times)> = Vec::new();
    for (st, pick) in sealed.header.streams.iter().zip(&matched) {
        let wins: Vec<&WindowLine> = sealed.windows.iter().filter(|w| w.s == st.index).collect();
        let kind = &st.kind;
        let copy = pick.and_then(|j| Some((j, prefixes.get(j)?, presented.get(j)?)));
        let Some((j, cp, pt)) = copy else {
            let (from, to) = span(&wins);
            changes.push(Change {
                copy_span: None,
                code: Code::SegmentContentRemoved,
                stream: st.index,
                from,
                to,
                message: format!("the {kind} stream ({}) is gone from the copy", st.codec),
            });
            continue;
        };
        match sealed_packets(&wins).filter(|_| sealed.header.v >= V2) {
            Some((sp, stimes)) => {
                let end = wins.last().map_or(0.0, |w| w.to);
                let unit = if st.chunks.is_some() {
                    Unit::Chunk
                } else {
                    Unit::Packet
                };
                let (c, base) = explain_packets(
                    st.index,
                    kind,
                    unit,
                    &sp,
                    &stimes,
                    end,
                    cp,
                    pt,
                    now.damaged_pages,
                );
                changes.extend(c);
                if let Some(b) = base {
                    bases.push(b);
                }
            }
            None => {
                let p = now
                    .packet_hashes
                    .as_ref()
                    .and_then(|h| h.get(j))
                    .expect("analysis kept the full hashes copy_keep asks for");
                let t = now
                    .packet_times
                    .as_ref()
                    .and_then(|t| t.get(j))
                    .expect("analysis kept the stored-order times with the full hashes");
                let c = explain_stream(st.index, kind, &wins, p, &t.to_vec(), st.packets);
                if c.is_empty() {
                    same_packets.push((st, wins, t));
                }
                changes.extend(c);
            }
        }
    }
    // Not one unit of any stream is a sealed one, and the streams do not
    // pair up by kind and codec: not an edit of the segment but another
    // recording. (Streams that pair up but share no packet are each
    // `reencoded`, or `content_edited` with both lengths.)
    let paired = matched.iter().all(Option::is_some) && used.iter().all(|u| *u);
    if sealed.header.v >= V2 && bases.is_empty() && !changes.is_empty() && !paired {
        {
            let to = sealed.windows.iter().map(|w| w.to).fold(0.0, f64::max);
            return vec![Change {
                copy_span: None,
                code: Code::SegmentOtherRecording,
                stream: 0,
                from: 0.0,
                to,
                message: format!(
                    "not one of its audio/video packets is a sealed one, and its streams are not the sealed ones: this is not that segment (a different recording), rather than an edit of it (the copy holds {}; sealed: {})",
                    copy_streams.iter().map(|x| format!("{} ({})", x.kind, x.codec)).collect::<Vec<_>>().join(", "),
                    sealed.header.streams.iter().map(|x| format!("{} ({})", x.kind, x.codec)).collect::<Vec<_>>().join(", ")
                ),
            }];
        }
    }
    changes.extend(cross_stream_timing(&bases));
    changes.extend(timing_changes(&same_packets));
    for (c, was_used) in copy_streams.iter().zip(&used) {
        if !was_used && c.packets > 0 {
            let end = last.get(c.index).copied().flatten().unwrap_or(0.0);
            changes.push(Change {
                copy_span: None,
                code: Code::SegmentContentInserted,
                stream: c.index,
                from: 0.0,
                to: round_us(end.max(0.0)),
                message: format!(
                    "the copy holds a {} stream ({}) that was not sealed",
                    c.kind, c.codec
                ),
            });
        }
    }
    changes.sort_by(|a, b| a.from.total_cmp(&b.from).then(a.stream.cmp(&b.stream)));
    changes
}

/// Within one stream, packets whose time in the copy differs from the sealed
/// one by more than this (after the offset of their stretch is removed) are
/// re-timed. Remuxing rounds times to the container's clock (1 ms in
/// Matroska); this is well above that and below one video frame.
pub const RETIME_TOLERANCE: f64 = 0.02;

/// Between streams: one stream shifted against another by more than this
/// is re-timed. Remuxing may move a stream by its codec's priming (about
/// 21 ms for AAC); lip-sync errors are noticed from about 45 ms on.
pub const CROSS_STREAM_TOLERANCE: f64 = 0.1;

/// A copy with no sealed packet that is within this of the sealed length
/// (or 1% of it) is a re-encode of the whole: priming and padding move an
/// encoder's ends by a few packets.
pub const REENCODE_SLACK: f64 = 0.15;

/// One stream's timing, for the comparison between streams.
struct StreamBase {
    stream: usize,
    kind: String,
    /// Copy time minus sealed time at the first common packet.
    offset: f64,
    /// The sealed stretch the common packets cover.
    from: f64,
    to: f64,
}

/// The sealed packets of one stream from version 2 window lines: hash
/// prefixes and times. Windows without packet times get times spread evenly
/// between their first packet and the next window's.
fn sealed_packets(wins: &[&WindowLine]) -> Option<(Vec<u32>, Vec<f64>)> {
    // As many as the lines hold (each line's `p` holds `count` prefixes).
    let n = wins
        .iter()
        .try_fold(0usize, |n, w| n.checked_add(usize::try_from(w.count).ok()?))?;
    let mut p = Vec::with_capacity(n);
    let mut t = Vec::with_capacity(n);
    for (k, w) in wins.iter().enumerate() {
        if w.first as usize != p.len() {
            return None;
        }
        p.extend(w.prefixes()?);
        match w.packet_times() {
            Some(ts) => t.extend(ts),
            None => {
                let end = wins.get(k + 1).map_or(w.to, |n| n.t);
                let c = w.count as f64;
                t.extend((0..w.count).map(|i| w.t + (end - w.t) * i as f64 / c));
            }
        }
    }
    Some((p, t))
}

/// A stream's packet times read by position: the sealed ones unpacked from
/// the sidecar, or the copy's as kept ([`Times`], converted when read).
trait At {
    /// How many.
    fn count(&self) -> usize;
    /// The `i`-th (`i` below [`At::count`]).
    fn at(&self, i: usize) -> f64;
}

impl At for [f64] {
    fn count(&self) -> usize {
        self.len()
    }
    fn at(&self, i: usize) -> f64 {
        self[i]
    }
}

impl At for Times {
    fn count(&self) -> usize {
        self.len()
    }
    fn at(&self, i: usize) -> f64 {
        self.get(i).unwrap_or(f64::NAN)
    }
}

/// The usual time between packets: the median step of the sorted times.
/// Times already in order (audio, always) are not copied to be sorted.
fn typical_step<T: At + ?Sized>(times: &T) -> f64 {
    let n = times.count();
    let in_order = (1..n).all(|i| times.at(i - 1).total_cmp(&times.at(i)).is_le());
    let mut steps: Vec<f64> = Vec::with_capacity(n.saturating_sub(1));
    if in_order {
        steps.extend(
            (1..n)
                .map(|i| times.at(i) - times.at(i - 1))
                .filter(|d| *d > 0.0),
        );
    } else {
        let mut sorted: Vec<f64> = (0..n).map(|i| times.at(i)).collect();
        sorted.sort_by(f64::total_cmp);
        steps.extend(sorted.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > 0.0));
    }
    if steps.is_empty() {
        return 0.0;
    }
    steps.sort_by(f64::total_cmp);
    steps[steps.len() / 2]
}

/// The time at packet position `i` of a stream: the earliest presentation
/// time of the next few packets (video packets are stored out of
/// presentation order), or the stream's end for `i` past the last packet.
fn time_at<T: At + ?Sized>(times: &T, i: usize, step: f64) -> f64 {
    const REORDER: usize = 8;
    let n = times.count();
    if i < n {
        (i..n.min(i + REORDER))
            .map(|x| times.at(x))
            .fold(f64::INFINITY, f64::min)
    } else {
        (0..n)
            .map(|x| times.at(x))
            .fold(f64::NEG_INFINITY, f64::max)
            + step
    }
}

/// What a stream's sealed units are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// The container's packets.
    Packet,
    /// Content-defined chunks of PCM samples (version 3).
    Chunk,
}

/// Chunks of the copy (and of the sealed stream) that may differ around one
/// cut or insertion in a PCM stream: the chunk the edit falls in, and the
/// ones the chunker needs to fall back into step.
const CHUNKS_AROUND_AN_EDIT: usize = 4;

/// Compares one stream's packets with its sealed packets (version 2):
/// removed, inserted, replaced and cut-off packets to the packet, and
/// re-timed stretches. Also returns the stream's timing for the comparison
/// between streams.
#[allow(clippy::too_many_arguments)]
fn explain_packets(
    s: usize,
    kind: &str,
    unit: Unit,
    sp: &[u32],
    stimes: &[f64],
    sealed_end: f64,
    cp: &[u32],
    ctimes: &Times,
    damaged_pages: usize,
) -> (Vec<Change>, Option<StreamBase>) {
    let sstep = typical_step(stimes);
    let runs = follow_time(crate::align::align(sp, cp), sp, cp, stimes, ctimes, sstep);
    let (n, m) = (sp.len(), cp.len());
    let mut out = Vec::new();
    if runs.len() == 1 && runs[0].len == n && n == m {
        // Every packet is there, in order: only the timing can differ.
        out.extend(retimed(s, kind, &runs, &[], stimes, ctimes));
        return (out, base(s, kind, &runs, &[], stimes, ctimes));
    }
    let cstep = typical_step(ctimes);
    let (runs, joins) = joins(runs, stimes, ctimes, cstep);
    let heads: Vec<usize> = joins.iter().map(|j| j.head).collect();
    // The sealed stream ends with its last packet, and no later than its
    // last window.
    let st = |i: usize| round_us(time_at(stimes, i, sstep).min(sealed_end));
    let ct = |j: usize| time_at(ctimes, j, cstep);
    let lasts = format!(
        "the copy's {kind} lasts {}, the sealed {}",
        secs(if m == 0 { 0.0 } else { ct(m) - ct(0) }),
        secs(st(n) - st(0))
    );
    // Under 5% of the sealed units found again (a few packets of silence
    // or priming that any two encodings share): nothing of it is sealed.
    let covered: usize = runs.iter().map(|r| r.len).sum();
    if runs.is_empty() || covered * 20 < n {
        let none = if covered == 0 {
            format!("none of the copy's {kind} packets is one of the sealed ones")
        } else {
            format!(
                "hardly any of the copy's {kind} packets is one of the sealed ones ({covered} of the sealed {n}, at most what any two encodings of silence share)"
            )
        };
        let (copy_len, sealed_len) = (if m == 0 { 0.0 } else { ct(m) - ct(0) }, st(n) - st(0));
        let diff = copy_len - sealed_len;
        // As long as sealed, to within a packet or two of priming and
        // padding: a re-encode of the whole. Otherwise something was cut
        // or added as well.
        let same_length = diff.abs() <= REENCODE_SLACK.max(0.01 * sealed_len);
        out.push(if same_length {
            Change {
                copy_span: None,
                code: Code::SegmentReencoded,
                stream: s,
                from: st(0),
                to: st(n),
                message: format!(
                    "{none}, but it lasts as long as the sealed {kind}: it was re-encoded (or re-framed), or it is another recording of the same length; none of it can be checked against the seal ({lasts})"
                ),
            }
        } else {
            Change {
                copy_span: None,
                code: Code::SegmentContentEdited,
                stream: s,
                from: st(0),
                to: st(n),
                message: format!(
                    "{none}, and the copy's {kind} is {} {} than sealed: re-encoded with content {} as well, or another recording ({lasts})",
                    length(diff.abs()),
                    if diff < 0.0 { "shorter" } else { "longer" },
                    if diff < 0.0 { "removed" } else { "added" },
                ),
            }
        });
        return (out, None);
    }
    let noun = match unit {
        Unit::Packet => "packet",
        Unit::Chunk => "chunk",
    };
    let packets = |k: usize| {
        if k == 1 {
            format!("1 {noun}")
        } else {
            format!("{k} {noun}s")
        }
    };
    // The gaps before, between and after the common runs.
    let mut gaps = Vec::new();
    let (mut i0, mut j0) = (0usize, 0usize);
    for (r, jn) in runs.iter().zip(&joins) {
        // Packets a join stamped with no time of their own are not played:
        // they are left out of the copy's side of the gap before the run.
        gaps.push((
            i0,
            r.sealed,
            j0,
            r.copy - jn.crushed,
            false,
            *jn,
            r.copy + jn.head,
        ));
        i0 = r.sealed + r.len;
        j0 = r.copy + r.len;
    }
    gaps.push((i0, n, j0, m, true, Join::default(), m));
    for (ia, ib, ja, jb, last, jn, settled) in gaps {
        let (ns, nc) = (ib - ia, jb - ja);
        let (from, to) = (st(ia), st(ib));
        let copy_len = if nc > 0 { ct(jb) - ct(ja) } else { 0.0 };
        let copy_span = (ja > 0 && settled < m).then(|| (ctimes.at(ja - 1), ctimes.at(settled)));
        let crushed = if jn.crushed > 0 {
            format!(
                "; the copy still holds the {} sealed from {} to {}, but stamps {} at {}, the instant of what comes before {}, so {} no time and {} not played (a stream-copy join keeps the packets before its in-point so)",
                packets(jn.crushed),
                clock(stimes[ib - jn.crushed]),
                clock(stimes[ib - 1]),
                if jn.crushed == 1 { "it" } else { "them all" },
                clock(ctimes.at(jb)),
                if jn.crushed == 1 { "it" } else { "them" },
                if jn.crushed == 1 { "it takes" } else { "they take" },
                if jn.crushed == 1 { "is" } else { "are" },
            )
        } else {
            String::new()
        };
        let change = |code, message: String| Change {
            copy_span,
            code,
            stream: s,
            from,
            to,
            message: format!("{message}{crushed} ({lasts})"),
        };
        // PCM chunks: a cut or an insertion between any two samples leaves
        // the few chunks around it different on both sides, while the
        // chunks after it are found again; what was removed or inserted is
        // the difference in length, exact to the sample. Where it lies is
        // known to within the first differing chunk.
        let net = (to - from) - copy_len;
        let around = unit == Unit::Chunk && !last && ns > 0 && nc > 0;
        let within = || {
            let sealed_first = st(ia + 1) - from;
            let copy_first = ct(ja + 1) - ct(ja);
            round_us(
                sealed_first
                    .min(copy_first)
                    .min((to - from).min(copy_len))
                    .max(0.0),
            )
        };
        if around && nc <= CHUNKS_AROUND_AN_EDIT && net > RETIME_TOLERANCE {
            let u = within();
            out.push(Change {
                copy_span: None,
                code: Code::SegmentContentRemoved,
                stream: s,
                from,
                to: round_us(from + u + net),
                message: format!(
                    "{:.3} s of {kind} is missing from the copy at {} (cut between {} and {}; {} of the copy around the cut {} from the sealed ones, as a cut between any two samples leaves them); the copy goes on with the sealed {kind} from between {} and {} ({lasts})",
                    round_us(net),
                    clock(from),
                    clock(from),
                    clock(from + u),
                    packets(nc),
                    if nc == 1 { "differs" } else { "differ" },
                    clock(from + net),
                    clock(from + u + net),
                ),
            });
            continue;
        }
        if around && ns <= CHUNKS_AROUND_AN_EDIT && -net > RETIME_TOLERANCE {
            let u = within();
            out.push(Change {
                copy_span: None,
                code: Code::SegmentContentInserted,
                stream: s,
                from,
                to: round_us(from + u),
                message: format!(
                    "{:.3} s of {kind} that was not sealed is inserted at {} (between {} and {}; {} sealed around it {} in the copy, as an insertion between any two samples leaves them) ({lasts})",
                    round_us(-net),
                    clock(from),
                    clock(from),
                    clock(from + u),
                    packets(ns),
                    if ns == 1 { "differs" } else { "differ" },
                ),
            });
            continue;
        }
        match (ns, nc) {
            (0, 0) => {}
            (_, 0) if last => out.push(change(
                Code::SegmentTruncated,
                format!(
                    "the {kind} stream ends at {} instead of {}: the last {} ({}) are missing",
                    clock(from),
                    clock(to),
                    length(to - from),
                    packets(ns)
                ),
            )),
            (_, 1..=2) if last && copy_len < to - from => out.push(change(
                Code::SegmentTruncated,
                format!(
                    "the {kind} stream ends at about {} instead of {}: the rest is missing, and the copy's last {} differ (cut off in the middle)",
                    clock(from + copy_len),
                    clock(to),
                    packets(nc)
                ),
            )),
            // Packets gone from a copy that has pages failing their
            // checksum, while its clock still has room for them: the file
            // was damaged there (a reader skips a bad page), not cut.
            (_, 0)
                if damaged_pages > 0
                    && copy_span.is_some_and(|(a, b)| {
                        ((b - a) - (to - from) - cstep).abs() <= 2.0 * cstep.max(RETIME_TOLERANCE)
                    }) =>
            {
                out.push(change(
                    Code::SegmentContentEdited,
                    format!(
                        "the {kind} sealed from {} to {} ({}, {}) can no longer be read in the copy: {} of the copy {} its checksum, so readers skip {} (the file's bytes were changed there, not cut: the copy's clock still has room for {})",
                        clock(from),
                        clock(to),
                        packets(ns),
                        length(to - from),
                        if damaged_pages == 1 { "one Ogg page".to_owned() } else { format!("{damaged_pages} Ogg pages") },
                        if damaged_pages == 1 { "fails" } else { "fail" },
                        if damaged_pages == 1 { "it" } else { "them" },
                        if ns == 1 { "it" } else { "them" },
                    ),
                ))
            }
            (_, 0) => out.push(change(
                Code::SegmentContentRemoved,
                format!(
                    "{} of {kind} sealed from {} to {} ({}) is missing from the copy; the copy goes on with the sealed {kind} from {}",
                    length(to - from),
                    clock(from),
                    clock(to),
                    packets(ns),
                    clock(to)
                ),
            )),
            (0, _) => out.push(change(
                Code::SegmentContentInserted,
                if last {
                    format!(
                        "{} of {kind} that was not sealed ({}) follows the end at {}",
                        length(copy_len),
                        packets(nc),
                        clock(from)
                    )
                } else {
                    format!(
                        "{} of {kind} that was not sealed ({}) is inserted at {}",
                        length(copy_len),
                        packets(nc),
                        clock(from)
                    )
                },
            )),
            _ => out.push(change(
                Code::SegmentContentEdited,
                format!(
                    "the {kind} from {} to {} differs from the sealed one: where {} ({}) {} sealed, the copy has {} ({}) of other content",
                    clock(from),
                    clock(to),
                    packets(ns),
                    length(to - from),
                    if ns == 1 { "was" } else { "were" },
                    packets(nc),
                    length(copy_len)
                ),
            )),
        }
    }
    out.extend(retimed(s, kind, &runs, &heads, stimes, ctimes));
    (out, base(s, kind, &runs, &heads, stimes, ctimes))
}

/// Sealed packets a join stamped at the copy's last time before them
/// (within this many seconds) are "crushed": FFmpeg's muxer moves a
/// decoding time that goes back to the one before it, so the packets a
/// stream-copy join keeps from before its in-point all get the time where
/// the first part ended.
const CRUSHED: f64 = 0.001;

/// The longest head of a run whose times are the joining tool's, not the
/// recording's (see [`joins`]), in seconds of the sealed recording.
const JOIN_HEAD: f64 = 1.0;

/// Packets whose offsets must agree for a run's timing to count as settled.
const SETTLE: usize = 8;

/// What a join (a cut or an edit just before a run of common packets) did
/// to the run's first packets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Join {
    /// Packets taken off the run's head: the copy holds them, but stamped
    /// at the instant of the copy's last time before them, so they take no
    /// time and are not played.
    crushed: usize,
    /// Packets at the (remaining) run's head timed by the join: they
    /// continue the copy's clock from before the gap, one usual step on,
    /// while from packet `head` on the run keeps one offset.
    head: usize,
}

/// Looks at the head of every run that follows a gap. A stream copy joined
/// across a cut (FFmpeg's concat demuxer, or a reader resyncing after a
/// damaged page) cannot put the first packets after the cut at their own
/// time: packets kept from before the in-point are stamped at the end of
/// the first part (crushed, taken off the run), and the first packets of
/// a page or PES whose own time is lost continue the clock from before the
/// cut until the next timestamp. Neither is a retiming of the recording;
/// the run's timing is taken from where it settles. A head that does not
/// continue the copy's clock, is longer than [`JOIN_HEAD`] or never
/// settles is left as it is (and reported re-timed).
fn joins(
    runs: Vec<crate::align::Run>,
    stimes: &[f64],
    ctimes: &Times,
    cstep: f64,
) -> (Vec<crate::align::Run>, Vec<Join>) {
    let mut out = Vec::with_capacity(runs.len());
    let mut js = Vec::with_capacity(runs.len());
    let (mut before, mut upto) = (f64::NEG_INFINITY, 0usize);
    for mut r in runs {
        let mut jn = Join::default();
        while upto < r.copy {
            before = before.max(ctimes.at(upto));
            upto += 1;
        }
        if r.copy > 0 && before.is_finite() && r.len > 1 {
            let mut h = 0;
            // At that very instant: a B-frame presented before the latest
            // time already seen (reordering) is not crushed.
            while h + 1 < r.len && (ctimes.at(r.copy + h) - before).abs() <= CRUSHED {
                h += 1;
            }
            r.sealed += h;
            r.copy += h;
            r.len -= h;
            jn.crushed = h;
            let off = |k: usize| ctimes.at(r.copy + k) - stimes[r.sealed + k];
            let continues = (ctimes.at(r.copy) - (before + cstep)).abs() <= RETIME_TOLERANCE;
            if continues {
                for k in 1..r.len {
                    if stimes[r.sealed + k] - stimes[r.sealed] > JOIN_HEAD {
                        break;
                    }
                    let end = (k + SETTLE).min(r.len);
                    let settled = (k..end).all(|x| (off(x) - off(k)).abs() <= RETIME_TOLERANCE);
                    if (off(k) - off(0)).abs() > RETIME_TOLERANCE && settled {
                        jn.head = k;
                        break;
                    }
                }
            }
        }
        out.push(r);
        js.push(jn);
    }
    (out, js)
}

/// Splits runs where repeated content (digital silence: the same packet
/// again and again) was matched to the wrong sealed packets: where the
/// copy's time jumps ahead inside a run by `d` seconds and the packets
/// `d` later in the sealed stream are the copy's too, the sealed packets in
/// between were cut out there, and the run goes on from the later place.
fn follow_time(
    runs: Vec<crate::align::Run>,
    sp: &[u32],
    cp: &[u32],
    stimes: &[f64],
    ctimes: &Times,
    step: f64,
) -> Vec<crate::align::Run> {
    use crate::align::Run;
    if step <= 0.0 {
        return runs;
    }
    let mut out: Vec<Run> = Vec::with_capacity(runs.len());
    for mut r in runs {
        loop {
            let off = |k: usize| ctimes.at(r.copy + k) - stimes[r.sealed + k];
            let base = off(0);
            let Some(k) = (1..r.len).find(|&k| (off(k) - base).abs() > RETIME_TOLERANCE) else {
                out.push(r);
                break;
            };
            let skip = ((off(k) - base) / step).round();
            let (ns, nc) = (r.sealed + k + skip.max(0.0) as usize, r.copy + k);
            let limit = sp.len().saturating_sub(ns).min(cp.len() - nc);
            let same = (0..limit).take_while(|&x| sp[ns + x] == cp[nc + x]).count();
            let in_step =
                ns < stimes.len() && (ctimes.at(nc) - stimes[ns] - base).abs() <= RETIME_TOLERANCE;
            if skip < 1.0 || same == 0 || !in_step {
                out.push(r);
                break;
            }
            out.push(Run {
                sealed: r.sealed,
                copy: r.copy,
                len: k,
            });
            r = Run {
                sealed: ns,
                copy: nc,
                len: same,
            };
        }
    }
    // A split run may now reach into the next one: keep the order strict.
    let mut strict: Vec<Run> = Vec::with_capacity(out.len());
    for r in out {
        match strict.last() {
            Some(p) if r.sealed < p.sealed + p.len || r.copy < p.copy + p.len => {}
            _ => strict.push(r),
        }
    }
    strict
}

/// The stream's offset at its first common packet (past a join's head).
fn base(
    s: usize,
    kind: &str,
    runs: &[crate::align::Run],
    heads: &[usize],
    stimes: &[f64],
    ctimes: &Times,
) -> Option<StreamBase> {
    let first = runs.first()?;
    let last = runs.last()?;
    let h = heads.first().copied().unwrap_or(0);
    Some(StreamBase {
        stream: s,
        kind: kind.to_owned(),
        offset: ctimes.at(first.copy + h) - stimes[first.sealed + h],
        from: stimes[first.sealed],
        to: stimes[last.sealed + last.len - 1],
    })
}

/// Stretches of common packets whose copy time is off the sealed time by
/// more than [`RETIME_TOLERANCE`], once each run's own offset (at its first
/// packet) is removed: timestamps scaled, a pause pushed in, frames held.
/// Each run starts a new offset because an edit before it moves what
/// follows by its length, as it should.
fn retimed(
    s: usize,
    kind: &str,
    runs: &[crate::align::Run],
    heads: &[usize],
    stimes: &[f64],
    ctimes: &Times,
) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    let mut worst_of: Vec<f64> = Vec::new();
    for (x, r) in runs.iter().enumerate() {
        let off = |k: usize| ctimes.at(r.copy + k) - stimes[r.sealed + k];
        // A join's head is timed by the joining tool (see `joins`).
        let head = heads.get(x).copied().unwrap_or(0);
        let base = off(head);
        let mut k = head;
        while k < r.len {
            if (off(k) - base).abs() <= RETIME_TOLERANCE {
                k += 1;
                continue;
            }
            let a = k;
            let mut worst = 0.0f64;
            while k < r.len && (off(k) - base).abs() > RETIME_TOLERANCE {
                let d = off(k) - base;
                if d.abs() > worst.abs() {
                    worst = d;
                }
                k += 1;
            }
            let from = round_us(stimes[r.sealed + a]);
            let to = round_us(
                stimes[r.sealed + a..r.sealed + k]
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max),
            );
            // Stretches less than a second apart are one (packets stored
            // out of order dip in and out of the tolerance).
            match (out.last_mut(), worst_of.last_mut()) {
                (Some(prev), Some(w)) if from - prev.to < 1.0 => {
                    prev.to = prev.to.max(to);
                    if worst.abs() > w.abs() {
                        *w = worst;
                    }
                }
                _ => {
                    out.push(Change {
                        copy_span: None,
                        code: Code::SegmentRetimed,
                        stream: s,
                        from,
                        to,
                        message: String::new(),
                    });
                    worst_of.push(worst);
                }
            }
        }
    }
    for (c, worst) in out.iter_mut().zip(worst_of) {
        c.message = format!(
            "the {kind} packets from {} to {} are the sealed ones, but the copy plays them at other times (up to {:.3} s {} than sealed): their timestamps were changed",
            clock(c.from),
            clock(c.to),
            worst.abs(),
            if worst > 0.0 { "later" } else { "earlier" }
        );
    }
    out
}

/// Streams shifted against each other by more than
/// [`CROSS_STREAM_TOLERANCE`]: each against the first stream.
fn cross_stream_timing(bases: &[StreamBase]) -> Vec<Change> {
    let Some(reference) = bases.first() else {
        return Vec::new();
    };
    bases[1..]
        .iter()
        .filter(|b| (b.offset - reference.offset).abs() > CROSS_STREAM_TOLERANCE)
        .map(|b| {
            let d = b.offset - reference.offset;
            Change {
                copy_span: None,
                code: Code::SegmentRetimed,
                stream: b.stream,
                from: round_us(b.from),
                to: round_us(b.to),
                message: format!(
                    "the {} stream is shifted {:.3} s {} against the {} stream: its packets are the sealed ones, but no longer in sync",
                    b.kind,
                    d.abs(),
                    if d > 0.0 { "later" } else { "earlier" },
                    reference.kind
                ),
            }
        })
        .collect()
}

/// How far (seconds) a packet may sit from its sealed time before the copy
/// counts as re-timed: well above the rounding of any container's time base
/// in a remux, below what is heard as audio out of step with the picture.
pub const TIMING_TOLERANCE: f64 = 0.05;

/// Timing of streams sealed with version 1 sidecars (window hashes only)
/// whose packets are identical and in order. The sealed
/// windows carry the time of each window's first packet (`t`, packet number
/// `first`): that packet's time in the copy is compared with it, after
/// removing one offset common to the whole file (a container that starts
/// its clock elsewhere moves every stream alike). A stream shifted against
/// the others, frames re-timed or played faster show as a span of windows
/// whose first packets moved. What this cannot see: a packet moved inside
/// its window while every window's first packet keeps its time.
fn timing_changes(streams: &[(&StreamInfo, Vec<&WindowLine>, &Times)]) -> Vec<Change> {
    // (stream, window, copy time - sealed time) for every window.
    let mut diffs: Vec<(usize, &WindowLine, f64)> = Vec::new();
    for (st, wins, t) in streams {
        for w in wins {
            if let Some(now) = usize::try_from(w.first).ok().and_then(|i| t.get(i)) {
                // A time before the file's start (codec priming, an edit
                // list) is the start: containers that allow no negative
                // time write it so.
                if now.is_finite() && w.t.is_finite() {
                    diffs.push((st.index, w, now.max(0.0) - w.t.max(0.0)));
                }
            }
        }
    }
    if diffs.is_empty() {
        return Vec::new();
    }
    // The reference clock: the picture when there is one (a sound moved
    // against it is the sound that moved), else the whole file.
    let video = streams
        .iter()
        .find(|(st, _, _)| st.kind == "video")
        .map(|(st, _, _)| st.index);
    let mut sorted: Vec<f64> = diffs
        .iter()
        .filter(|d| video.is_none_or(|v| d.0 == v))
        .map(|d| d.2)
        .collect();
    sorted.sort_by(f64::total_cmp);
    let offset = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    let mut out = Vec::new();
    for (st, _, _) in streams {
        let moved: Vec<(&WindowLine, f64)> = diffs
            .iter()
            .filter(|d| d.0 == st.index && (d.2 - offset).abs() > TIMING_TOLERANCE)
            .map(|d| (d.1, d.2 - offset))
            .collect();
        let (Some(first), Some(last)) = (moved.first(), moved.last()) else {
            continue;
        };
        let worst = moved
            .iter()
            .map(|m| m.1)
            .max_by(|a, b| a.abs().total_cmp(&b.abs()))
            .unwrap_or(0.0);
        let (from, to) = (first.0.from, last.0.to);
        out.push(Change {
            copy_span: None,
            code: Code::SegmentRetimed,
            stream: st.index,
            from,
            to,
            message: format!(
                "every {kind} packet is the sealed one, but from {} to {} they are re-timed: {} of {} sealed windows start up to {:.3} s {} than sealed (a stream shifted against the others, frames re-timed, or played at another speed)",
                clock(from),
                clock(to),
                moved.len(),
                diffs.iter().filter(|d| d.0 == st.index).count(),
                worst.abs(),
                if worst > 0.0 { "later" } else { "earlier" },
                kind = st.kind
            ),
        });
    }
    out
}

fn span(wins: &[&WindowLine]) -> (f64, f64) {
    (
        wins.first().map_or(0.0, |w| w.from),
        wins.last().map_or(0.0, |w| w.to),
    )
}

/// Where each sealed window is found in the copy's packet sequence.
fn locate(wins: &[&WindowLine], p: &[[u8; 32]]) -> Vec<Option<usize>> {
    let n = p.len();
    let in_place = |w: &WindowLine| -> bool {
        let (a, c) = (w.first as usize, w.count as usize);
        a + c <= n && hex::encode(run_hash(&p[a..a + c])) == w.sha256
    };
    let mut found: Vec<Option<usize>> = wins
        .iter()
        .map(|w| in_place(w).then_some(w.first as usize))
        .collect();
    // Windows not in place: index every run of the same length in the copy.
    let mut by_len: HashMap<usize, HashMap<String, Vec<usize>>> = HashMap::new();
    for (i, w) in wins.iter().enumerate() {
        if found[i].is_none() {
            by_len.entry(w.count as usize).or_default();
        }
    }
    for (&c, map) in by_len.iter_mut() {
        if c == 0 || c > n {
            continue;
        }
        for j in 0..=(n - c) {
            map.entry(hex::encode(run_hash(&p[j..j + c])))
                .or_default()
                .push(j);
        }
    }
    // Choose, for each, the occurrence after the previous match that keeps
    // the shift closest to the previous one (identical runs, such as digital
    // silence, repeat).
    let mut prev_end = 0usize;
    let mut prev_off = 0i64;
    for (i, w) in wins.iter().enumerate() {
        if found[i].is_none() {
            if let Some(cands) = by_len
                .get(&(w.count as usize))
                .and_then(|m| m.get(&w.sha256))
            {
                let want = w.first as i64 + prev_off;
                found[i] = cands
                    .iter()
                    .copied()
                    .filter(|&j| j >= prev_end)
                    .min_by_key(|&j| (j as i64 - want).abs());
            }
        }
        if let Some(j) = found[i] {
            prev_end = j + w.count as usize;
            prev_off = j as i64 - w.first as i64;
        }
    }
    found
}

fn explain_stream(
    s: usize,
    kind: &str,
    wins: &[&WindowLine],
    p: &[[u8; 32]],
    t: &[f64],
    sealed_packets: u64,
) -> Vec<Change> {
    let found = locate(wins, p);
    let n = p.len();
    let mut out = Vec::new();
    let all_in_place = wins
        .iter()
        .zip(&found)
        .all(|(w, f)| *f == Some(w.first as usize));
    if all_in_place && n as u64 == sealed_packets {
        return out;
    }
    let avg = {
        let (a, b) = span(wins);
        if sealed_packets > 0 {
            (b - a) / sealed_packets as f64
        } else {
            0.0
        }
    };
    // Anchor: (sealed window index, new start, offset).
    let mut prev: Option<(usize, usize)> = None; // (window index, new start)
    let mut run: Vec<usize> = Vec::new();
    let prev_end_new =
        |prev: Option<(usize, usize)>| prev.map_or(0, |(i, j)| j + wins[i].count as usize);
    let prev_off =
        |prev: Option<(usize, usize)>| prev.map_or(0i64, |(i, j)| j as i64 - wins[i].first as i64);
    let seconds_between = |a: usize, b: usize| -> f64 {
        if b > a && b <= t.len() && a < t.len() {
            let end = if b < t.len() { t[b] } else { t[b - 1] + avg };
            (end - t[a]).max(0.0)
        } else {
            0.0
        }
    };
    let flush = |prev: Option<(usize, usize)>,
                 run: &[usize],
                 next: Option<(usize, usize)>,
                 out: &mut Vec<Change>| {
        let base = prev_end_new(prev);
        match next {
            None => {
                let u = n.saturating_sub(base);
                if let (Some(&first), Some(&last)) = (run.first(), run.last()) {
                    let from = wins[first].from;
                    let to = wins[last].to;
                    if u == 0 {
                        out.push(Change {
                            copy_span: None,
                            code: Code::SegmentTruncated,
                            stream: s,
                            from,
                            to,
                            message: format!(
                                "the {kind} stream ends at {} instead of {}: the rest is missing",
                                clock(from),
                                clock(to)
                            ),
                        });
                    } else {
                        out.push(Change {
                            copy_span: None,
                            code: Code::SegmentContentEdited,
                            stream: s,
                            from,
                            to,
                            message: format!(
                                "the {kind} packets from {} to {} differ from the sealed ones",
                                clock(from),
                                clock(to)
                            ),
                        });
                    }
                } else if u > 0 {
                    let at = prev.map_or(0.0, |(i, _)| wins[i].to);
                    let len = seconds_between(base, n);
                    out.push(Change {
                        copy_span: None,
                        code: Code::SegmentContentInserted,
                        stream: s,
                        from: at,
                        to: at,
                        message: format!(
                            "{} of {kind} that was not sealed follows the end at {}",
                            secs(len),
                            clock(at)
                        ),
                    });
                }
            }
            Some((ni, nj)) => {
                let delta = (nj as i64 - wins[ni].first as i64) - prev_off(prev);
                let from = run.first().map_or(wins[ni].from, |&i| wins[i].from);
                let to = run.last().map_or(wins[ni].from, |&i| wins[i].to);
                if delta < 0 {
                    // Fewer packets now: content was cut out here.
                    let removed = (-delta) as f64 * avg;
                    out.push(Change {
                        copy_span: None,
                        code: Code::SegmentContentRemoved,
                        stream: s,
                        from,
                        to: wins[ni].from.max(to),
                        message: format!(
                            "about {} of {kind} sealed between {} and {} is missing from the copy; the copy continues with the sealed {kind} from {}",
                            secs(removed),
                            clock(from),
                            clock(wins[ni].from.max(to)),
                            clock(wins[ni].from)
                        ),
                    });
                } else if delta > 0 {
                    let len = seconds_between(base, nj);
                    out.push(Change {
                        copy_span: None,
                        code: Code::SegmentContentInserted,
                        stream: s,
                        from,
                        to,
                        message: format!(
                            "{} of {kind} that was not sealed is inserted at {}",
                            secs(len),
                            clock(from)
                        ),
                    });
                } else if !run.is_empty() {
                    out.push(Change {
                        copy_span: None,
                        code: Code::SegmentContentEdited,
                        stream: s,
                        from,
                        to,
                        message: format!(
                            "the {kind} packets from {} to {} differ from the sealed ones",
                            clock(from),
                            clock(to)
                        ),
                    });
                }
            }
        }
    };
    for (i, f) in found.iter().enumerate() {
        match f {
            None => run.push(i),
            Some(j) => {
                flush(prev, &run, Some((i, *j)), &mut out);
                run.clear();
                prev = Some((i, *j));
            }
        }
    }
    flush(prev, &run, None, &mut out);
    out
}

fn secs(s: f64) -> String {
    format!("{:.1} s", round_us(s))
}

/// A length a person reads: to the millisecond below a second (one packet
/// is 21 ms of AAC), to a tenth above.
fn length(s: f64) -> String {
    if s.abs() < 1.0 {
        format!("{:.3} s", round_us(s))
    } else {
        secs(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::MediaFacts;

    /// A packet's hash: that of a distinct payload.
    fn pkt(stream: &str, i: usize) -> [u8; 32] {
        crate::media::packet_hash(format!("{stream} packet {i}").as_bytes())
    }

    /// One stream of a packet trace: kind, codec, hashes, times.
    #[derive(Clone)]
    struct Trace {
        kind: &'static str,
        codec: &'static str,
        hashes: Vec<[u8; 32]>,
        times: Vec<f64>,
    }

    /// `n` packets every `step` seconds from 0.
    fn trace(kind: &'static str, codec: &'static str, n: usize, step: f64) -> Trace {
        Trace {
            kind,
            codec,
            hashes: (0..n).map(|i| pkt(kind, i)).collect(),
            times: (0..n).map(|i| i as f64 * step).collect(),
        }
    }

    impl Trace {
        /// Packets `range` removed; later packets keep their times.
        fn cut(mut self, range: std::ops::Range<usize>) -> Trace {
            self.hashes.drain(range.clone());
            self.times.drain(range);
            self
        }

        /// `n` new packets inserted before packet `at`, `step` apart;
        /// later packets move later by `n·step`.
        fn insert(mut self, at: usize, n: usize, step: f64) -> Trace {
            let t0 = self.times[at];
            for t in &mut self.times[at..] {
                *t += n as f64 * step;
            }
            for k in 0..n {
                self.hashes.insert(at + k, pkt("inserted", k));
                self.times.insert(at + k, t0 + k as f64 * step);
            }
            self
        }

        /// Packet `i` with other bytes.
        fn flip(mut self, i: usize) -> Trace {
            self.hashes[i][0] ^= 1;
            self
        }

        fn truncate(mut self, n: usize) -> Trace {
            self.hashes.truncate(n);
            self.times.truncate(n);
            self
        }
    }

    /// The windows of one stream, as `analyze` cuts them.
    fn windows_of(s: usize, tr: &Trace, seconds: f64) -> Vec<WindowLine> {
        let packets: Vec<(f64, [u8; 32])> = tr
            .times
            .iter()
            .copied()
            .zip(tr.hashes.iter().copied())
            .collect();
        crate::media::windowing::windows(s, seconds, &packets)
    }

    /// What `analyze` returns for a file with these streams (kept packets).
    fn analysis(streams: &[Trace]) -> MediaAnalysis {
        let seconds = 1.0;
        let mut windows: Vec<WindowLine> = streams
            .iter()
            .enumerate()
            .flat_map(|(s, tr)| windows_of(s, tr, seconds))
            .collect();
        windows.sort_by(|a, b| a.w.cmp(&b.w).then(a.s.cmp(&b.s)));
        MediaAnalysis {
            facts: MediaFacts {
                container: Some("test".into()),
                duration: None,
                declared_start: None,
                streams: vec![],
                windows: None,
                observations: vec![],
                unreadable: None,
            },
            header: WindowsHeader {
                v: V2,
                kind: "windows".into(),
                seconds,
                streams: streams
                    .iter()
                    .enumerate()
                    .map(|(index, tr)| StreamInfo {
                        index,
                        kind: tr.kind.into(),
                        codec: tr.codec.into(),
                        packets: tr.hashes.len() as u64,
                        chunks: None,
                    })
                    .collect(),
            },
            windows,
            packet_hashes: Some(streams.iter().map(|t| t.hashes.clone()).collect()),
            packet_prefixes: Some(
                streams
                    .iter()
                    .map(|t| {
                        t.hashes
                            .iter()
                            .map(|h| u32::from_be_bytes([h[0], h[1], h[2], h[3]]))
                            .collect()
                    })
                    .collect(),
            ),
            packet_times: Some(
                streams
                    .iter()
                    .map(|t| Times::from_seconds(&t.times))
                    .collect(),
            ),
            packet_last: Some(streams.iter().map(|t| t.times.last().copied()).collect()),
            packet_presented: Some(
                streams
                    .iter()
                    .map(|t| Times::from_seconds(&t.times))
                    .collect(),
            ),
            damaged_pages: 0,
        }
    }

    /// The sealed sidecar of a file with these streams, through its bytes.
    fn sealed(streams: &[Trace]) -> Sidecar {
        let a = analysis(streams);
        parse(&to_bytes(&a.header, &a.windows)).expect("sidecar parses")
    }

    /// The same as a version 1 sidecar (window hashes only), as sessions
    /// sealed before version 2 have.
    fn sealed_v1(streams: &[Trace]) -> Sidecar {
        let mut a = analysis(streams);
        a.header.v = V1;
        for w in &mut a.windows {
            (w.p, w.dt, w.pt) = (None, None, None);
        }
        parse(&to_bytes(&a.header, &a.windows)).expect("sidecar parses")
    }

    /// (code, stream, from, to) of each change.
    fn changes(sealed_streams: &[Trace], now: &[Trace]) -> Vec<(&'static str, usize, f64, f64)> {
        explain(&sealed_v1(sealed_streams), &analysis(now))
            .into_iter()
            .map(|c| (c.code.as_str(), c.stream, c.from, c.to))
            .collect()
    }

    /// The same against a version 2 sidecar.
    fn changes2(sealed_streams: &[Trace], now: &[Trace]) -> Vec<(&'static str, usize, f64, f64)> {
        explain(&sealed(sealed_streams), &analysis(now))
            .into_iter()
            .map(|c| (c.code.as_str(), c.stream, c.from, c.to))
            .collect()
    }

    /// 10 s of audio: 10 packets of 0.1 s in each 1 s window.
    fn audio() -> Trace {
        trace("audio", "aac", 100, 0.1)
    }

    /// 10 s of video at 4 frames per second.
    fn video() -> Trace {
        trace("video", "h264", 40, 0.25)
    }

    #[test]
    fn sidecar_round_trips_and_windows_are_contiguous() {
        let a = analysis(&[audio(), video()]);
        assert_eq!(a.windows.len(), 20);
        let s = sealed(&[audio(), video()]);
        assert_eq!(s.windows, a.windows);
        let w3: Vec<_> = s.windows.iter().filter(|w| w.w == 3).collect();
        assert_eq!((w3[0].s, w3[0].first, w3[0].count), (0, 30, 10));
        assert_eq!((w3[1].s, w3[1].first, w3[1].count), (1, 12, 4));
    }

    #[test]
    fn identical_packets_explain_nothing() {
        assert_eq!(changes(&[audio(), video()], &[audio(), video()]), vec![]);
    }

    #[test]
    fn container_only_change_explains_nothing() {
        // A remux: the same packets, other times (a new time origin) and
        // the streams in another order.
        let mut a = audio();
        a.times.iter_mut().for_each(|t| *t += 1.4);
        let mut v = video();
        v.times.iter_mut().for_each(|t| *t += 1.4);
        assert_eq!(changes(&[audio(), video()], &[v, a]), vec![]);
    }

    #[test]
    fn one_window_edited() {
        let mut edited = audio();
        for i in 30..40 {
            edited.hashes[i] = pkt("other", i);
        }
        assert_eq!(
            changes(&[audio()], &[edited]),
            vec![("segment.content_edited", 0, 3.0, 4.0)]
        );
    }

    #[test]
    fn flipped_bytes_in_one_packet() {
        let c = explain(&sealed_v1(&[audio()]), &analysis(&[audio().flip(85)]));
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].code.as_str(), c[0].stream, c[0].from, c[0].to),
            ("segment.content_edited", 0, 8.0, 9.0)
        );
        assert_eq!(
            c[0].message,
            "the audio packets from 0:00:08.000 to 0:00:09.000 differ from the sealed ones"
        );
    }

    #[test]
    fn cut_of_whole_windows_is_content_removed() {
        let c = explain(&sealed_v1(&[audio()]), &analysis(&[audio().cut(30..50)]));
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].code.as_str(), c[0].stream, c[0].from, c[0].to),
            ("segment.content_removed", 0, 3.0, 5.0)
        );
        assert_eq!(
            c[0].message,
            "about 2.0 s of audio sealed between 0:00:03.000 and 0:00:05.000 is missing from the copy; the copy continues with the sealed audio from 0:00:05.000"
        );
    }

    #[test]
    fn cut_inside_windows_is_content_removed_over_the_windows_it_touches() {
        let c = explain(&sealed_v1(&[audio()]), &analysis(&[audio().cut(35..45)]));
        assert_eq!(
            c.iter()
                .map(|c| (c.code.as_str(), c.from, c.to))
                .collect::<Vec<_>>(),
            vec![("segment.content_removed", 3.0, 5.0)]
        );
        assert!(
            c[0].message.starts_with("about 1.0 s of audio"),
            "{}",
            c[0].message
        );
    }

    #[test]
    fn insertion_between_windows() {
        let c = explain(
            &sealed_v1(&[audio()]),
            &analysis(&[audio().insert(50, 10, 0.1)]),
        );
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].code.as_str(), c[0].stream, c[0].from, c[0].to),
            ("segment.content_inserted", 0, 5.0, 5.0)
        );
        assert_eq!(
            c[0].message,
            "1.0 s of audio that was not sealed is inserted at 0:00:05.000"
        );
    }

    #[test]
    fn insertion_inside_a_window() {
        assert_eq!(
            changes(&[audio()], &[audio().insert(55, 10, 0.1)]),
            vec![("segment.content_inserted", 0, 5.0, 6.0)]
        );
    }

    #[test]
    fn packets_added_after_the_end() {
        let mut longer = trace("audio", "aac", 110, 0.1);
        longer.hashes[100..].copy_from_slice(
            &audio().hashes[..10]
                .iter()
                .map(|h| {
                    let mut h = *h;
                    h[1] ^= 1;
                    h
                })
                .collect::<Vec<_>>(),
        );
        let c = explain(&sealed_v1(&[audio()]), &analysis(&[longer]));
        assert_eq!(
            c.iter()
                .map(|c| (c.code.as_str(), c.from, c.to))
                .collect::<Vec<_>>(),
            vec![("segment.content_inserted", 10.0, 10.0)]
        );
        assert_eq!(
            c[0].message,
            "1.0 s of audio that was not sealed follows the end at 0:00:10.000"
        );
    }

    #[test]
    fn truncation_at_a_window_boundary() {
        let c = explain(&sealed_v1(&[audio()]), &analysis(&[audio().truncate(70)]));
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].code.as_str(), c[0].stream, c[0].from, c[0].to),
            ("segment.truncated", 0, 7.0, 10.0)
        );
        assert_eq!(
            c[0].message,
            "the audio stream ends at 0:00:07.000 instead of 0:00:10.000: the rest is missing"
        );
    }

    #[test]
    fn two_streams_only_one_changed() {
        let mut v = video();
        v.hashes[9] = pkt("other", 9); // window 2 of the video
        assert_eq!(
            changes(&[audio(), video()], &[audio(), v]),
            vec![("segment.content_edited", 1, 2.0, 3.0)]
        );
        assert_eq!(
            changes(&[audio(), video()], &[audio().cut(20..40), video()]),
            vec![("segment.content_removed", 0, 2.0, 4.0)]
        );
    }

    #[test]
    fn stream_gone_or_added() {
        assert_eq!(
            changes(&[audio(), video()], &[audio()]),
            vec![("segment.content_removed", 1, 0.0, 10.0)]
        );
        assert_eq!(
            changes(&[audio()], &[audio(), video()]),
            vec![("segment.content_inserted", 1, 0.0, 9.75)]
        );
    }

    #[test]
    fn cut_of_identical_windows_shows_as_the_end_missing() {
        // Digital silence: every packet the same, so every window hashes the
        // same. A cut of such content cannot be placed; what is known is
        // that the copy holds two windows fewer: the end is missing.
        let mut silent = trace("audio", "aac", 100, 0.1);
        silent.hashes.iter_mut().for_each(|h| *h = pkt("zero", 0));
        let cut = silent.clone().cut(30..50);
        assert_eq!(
            changes(&[silent], &[cut]),
            vec![("segment.truncated", 0, 8.0, 10.0)]
        );
    }

    #[test]
    fn locate_finds_windows_in_place_moved_or_not_at_all() {
        let s = sealed_v1(&[audio()]);
        let wins: Vec<&WindowLine> = s.windows.iter().collect();
        let found = |tr: Trace| locate(&wins, &tr.hashes);
        let mut expect: Vec<Option<usize>> = (0..10).map(|w| Some(w * 10)).collect();
        assert_eq!(found(audio()), expect);
        // A cut of windows 3 and 4: later windows are found 20 packets earlier.
        let after_cut: Vec<Option<usize>> = (0..10)
            .map(|w| match w {
                3 | 4 => None,
                w if w > 4 => Some(w * 10 - 20),
                w => Some(w * 10),
            })
            .collect();
        assert_eq!(found(audio().cut(30..50)), after_cut);
        // An insertion of 5 packets in window 6: later windows 5 packets later.
        let after_insert: Vec<Option<usize>> = (0..10)
            .map(|w| match w {
                6 => None,
                w if w > 6 => Some(w * 10 + 5),
                w => Some(w * 10),
            })
            .collect();
        assert_eq!(found(audio().insert(63, 5, 0.1)), after_insert);
        // An edited window is not found anywhere.
        expect[8] = None;
        assert_eq!(found(audio().flip(80)), expect);
    }

    #[test]
    fn locate_picks_the_occurrence_of_a_repeated_window_nearest_its_place() {
        // Windows 2 and 5 hash the same; with window 0 cut, each is found at
        // its own place, 10 packets earlier, not at the other's.
        let mut tr = audio();
        let (a, b) = tr.hashes.split_at_mut(50);
        b[..10].copy_from_slice(&a[20..30]);
        let s = sealed_v1(&[tr.clone()]);
        let wins: Vec<&WindowLine> = s.windows.iter().collect();
        let found = locate(&wins, &tr.clone().cut(0..10).hashes);
        assert_eq!(found[5], Some(40));
        assert_eq!(found[2], Some(10));
    }

    #[test]
    fn cut_at_the_start() {
        let c = explain(&sealed_v1(&[audio()]), &analysis(&[audio().cut(0..10)]));
        assert_eq!(
            c.iter()
                .map(|c| (c.code.as_str(), c.from, c.to))
                .collect::<Vec<_>>(),
            vec![("segment.content_removed", 0.0, 1.0)]
        );
        assert!(
            c[0].message.starts_with("about 1.0 s of audio"),
            "{}",
            c[0].message
        );
    }

    #[test]
    fn clock_formats_hours_minutes_seconds_millis() {
        assert_eq!(clock(0.0), "0:00:00.000");
        assert_eq!(clock(3723.0456), "1:02:03.046");
        assert_eq!(clock(-5.0), "0:00:00.000");
    }

    // Version 2 sidecars: every edge at the packet.

    #[test]
    fn v2_identical_and_remuxed_copies_explain_nothing() {
        assert_eq!(changes2(&[audio(), video()], &[audio(), video()]), vec![]);
        let mut a = audio();
        a.times.iter_mut().for_each(|t| *t += 1.4);
        let mut v = video();
        v.times.iter_mut().for_each(|t| *t += 1.4);
        assert_eq!(changes2(&[audio(), video()], &[v, a]), vec![]);
    }

    #[test]
    fn v2_a_cut_inside_a_window_is_placed_to_the_packet() {
        // Packets 35..45 (3.5 s to 4.5 s) cut out, later packets keep times.
        let c = explain(&sealed(&[audio()]), &analysis(&[audio().cut(35..45)]));
        assert_eq!(
            c.iter()
                .map(|c| (c.code.as_str(), c.from, c.to))
                .collect::<Vec<_>>(),
            vec![("segment.content_removed", 3.5, 4.5)]
        );
        assert_eq!(
            c[0].message,
            "1.0 s of audio sealed from 0:00:03.500 to 0:00:04.500 (10 packets) is missing from the copy; the copy goes on with the sealed audio from 0:00:04.500 (the copy's audio lasts 10.0 s, the sealed 10.0 s)"
        );
    }

    #[test]
    fn v2_an_insertion_is_placed_to_the_packet_with_its_length() {
        let c = explain(
            &sealed(&[audio()]),
            &analysis(&[audio().insert(53, 7, 0.1)]),
        );
        assert_eq!(
            c.iter()
                .map(|c| (c.code.as_str(), c.from, c.to))
                .collect::<Vec<_>>(),
            vec![("segment.content_inserted", 5.3, 5.3)]
        );
        assert!(
            c[0].message.starts_with(
                "0.700 s of audio that was not sealed (7 packets) is inserted at 0:00:05.300"
            ),
            "{}",
            c[0].message
        );
    }

    #[test]
    fn v2_a_flipped_packet_is_that_packet() {
        assert_eq!(
            changes2(&[audio()], &[audio().flip(85)]),
            vec![("segment.content_edited", 0, 8.5, 8.6)]
        );
    }

    #[test]
    fn v2_a_truncation_inside_a_window_is_truncated_at_the_last_packet() {
        let c = explain(&sealed(&[audio()]), &analysis(&[audio().truncate(73)]));
        assert_eq!(
            c.iter()
                .map(|c| (c.code.as_str(), c.from, c.to))
                .collect::<Vec<_>>(),
            vec![("segment.truncated", 7.3, 10.0)]
        );
        assert_eq!(
            c[0].message,
            "the audio stream ends at 0:00:07.300 instead of 0:00:10.000: the last 2.7 s (27 packets) are missing (the copy's audio lasts 7.3 s, the sealed 10.0 s)"
        );
    }

    #[test]
    fn v2_a_byte_cut_last_packet_is_still_a_truncation() {
        // The copy ends inside packet 61: FFmpeg hands over what is left.
        let cut = audio().truncate(62).flip(61);
        assert_eq!(
            changes2(&[audio()], &[cut]),
            vec![("segment.truncated", 0, 6.1, 10.0)]
        );
    }

    #[test]
    fn v2_a_cut_at_the_start_and_a_cut_in_silence() {
        assert_eq!(
            changes2(&[audio()], &[audio().cut(0..10)]),
            vec![("segment.content_removed", 0, 0.0, 1.0)]
        );
        // Silence cut with its timestamps kept: the time jump shows where.
        let mut silent = trace("audio", "aac", 100, 0.1);
        silent.hashes.iter_mut().for_each(|h| *h = pkt("zero", 0));
        let cut = silent.clone().cut(30..50);
        assert_eq!(
            changes2(&[silent], &[cut]),
            vec![("segment.content_removed", 0, 3.0, 5.0)]
        );
    }

    #[test]
    fn v2_a_re_encoded_copy_says_so_with_both_lengths() {
        let other = Trace {
            hashes: (0..70).map(|i| pkt("re-encoded", i)).collect(),
            ..trace("audio", "aac", 70, 0.1)
        };
        let c = explain(&sealed(&[audio()]), &analysis(&[other]));
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].code.as_str(), c[0].from, c[0].to),
            ("segment.content_edited", 0.0, 10.0)
        );
        assert_eq!(
            c[0].message,
            "none of the copy's audio packets is one of the sealed ones, and the copy's audio is 3.0 s shorter than sealed: re-encoded with content removed as well, or another recording (the copy's audio lasts 7.0 s, the sealed 10.0 s)"
        );
    }

    #[test]
    fn v2_a_stream_shifted_against_another_is_retimed() {
        let mut a = audio();
        a.times.iter_mut().for_each(|t| *t += 3.0);
        let c = explain(&sealed(&[video(), audio()]), &analysis(&[video(), a]));
        assert_eq!(
            c.iter()
                .map(|c| (c.code.as_str(), c.stream, c.from, c.to))
                .collect::<Vec<_>>(),
            vec![("segment.retimed", 1, 0.0, 9.9)]
        );
        assert!(
            c[0].message
                .contains("shifted 3.000 s later against the video stream"),
            "{}",
            c[0].message
        );
    }

    /// Sealed audio (packets of 0.1 s) joined as FFmpeg's concat demuxer
    /// joins 0:00-0:04 and 0:06-end: packets `keep..60` kept from before
    /// the in-point at `head` times, then the rest 2 s earlier.
    fn joined(keep: usize, head: impl Fn(usize) -> f64) -> Trace {
        let a = audio();
        let mut t = Trace {
            hashes: a.hashes[..40].to_vec(),
            times: a.times[..40].to_vec(),
            ..a.clone()
        };
        for i in keep..100 {
            t.hashes.push(a.hashes[i]);
            t.times
                .push(if i < 60 { head(i) } else { a.times[i] - 2.0 });
        }
        t
    }

    fn coded(c: &[Change]) -> Vec<(&'static str, usize, f64, f64)> {
        c.iter()
            .map(|c| (c.code.as_str(), c.stream, c.from, c.to))
            .collect()
    }

    #[test]
    fn packets_a_join_crushes_onto_the_cut_are_removed_with_it() {
        // Packets 50..60 (5.0-5.9 s) kept from before the in-point, all
        // stamped at 3.9 s, where the first part ended: not played.
        let c = explain(&sealed(&[audio()]), &analysis(&[joined(50, |_| 3.9)]));
        assert_eq!(coded(&c), vec![("segment.content_removed", 0, 4.0, 6.0)]);
        assert!(
            c[0].message.contains(
                "still holds the 10 packets sealed from 0:00:05.000 to 0:00:05.900, but stamps them all at 0:00:03.900"
            ),
            "{}",
            c[0].message
        );
        let (a, b) = c[0].copy_span.unwrap();
        assert!((a - 3.9).abs() < 1e-9 && (b - 4.0).abs() < 1e-9, "{a} {b}");
    }

    #[test]
    fn a_join_head_that_continues_the_clock_is_not_retimed() {
        // Packets 55..60 butted against the first part (4.0-4.4 s), the
        // rest at its own time: 0.5 s of overlap, as an MPEG-TS PES whose
        // timestamp the muxer moved.
        let c = explain(
            &sealed(&[audio()]),
            &analysis(&[joined(55, |i| 4.0 + (i - 55) as f64 * 0.1)]),
        );
        assert_eq!(coded(&c), vec![("segment.content_removed", 0, 4.0, 5.5)]);
    }

    #[test]
    fn a_forger_who_moves_more_than_a_second_after_a_cut_is_still_retimed() {
        // The same head, 1.5 s long (packets 45..60 butted on): longer
        // than any join's, so it is the recording's timing that was changed.
        let c = explain(
            &sealed(&[audio()]),
            &analysis(&[joined(45, |i| 4.0 + (i - 45) as f64 * 0.1)]),
        );
        assert!(
            c.iter().any(|c| c.code == Code::SegmentRetimed),
            "{:?}",
            coded(&c)
        );
    }

    #[test]
    fn a_b_frame_after_a_changed_packet_is_not_taken_for_a_crushed_one() {
        // Decode order I0 P3 B1 B2 P6 B4 B5 …: the B-frames after a changed
        // P-frame are presented before it, which is reordering.
        let mut v = trace("video", "h264", 40, 0.04);
        v.times = std::iter::once(0.0)
            .chain(
                (0..13)
                    .flat_map(|g| [3 * g + 3, 3 * g + 1, 3 * g + 2].map(|x| f64::from(x) * 0.04)),
            )
            .collect();
        let c = explain(&sealed(&[v.clone()]), &analysis(&[v.flip(4)]));
        assert_eq!(
            c.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
            vec!["segment.content_edited"]
        );
        assert!(c[0].message.contains("where 1 packet"), "{}", c[0].message);
    }

    #[test]
    fn packets_crushed_without_a_cut_are_retimed() {
        // A second of packets stamped at one instant in an otherwise
        // intact copy: no join to blame, their timing was changed.
        let mut a = audio();
        a.times[40..50].iter_mut().for_each(|t| *t = 4.0);
        assert_eq!(
            changes2(&[audio()], &[a]),
            vec![("segment.retimed", 0, 4.1, 4.9)]
        );
    }

    #[test]
    fn a_missing_ogg_page_whose_clock_kept_room_is_damage_not_a_cut() {
        let mut now = analysis(&[audio().cut(35..45)]);
        now.damaged_pages = 1;
        let c = explain(&sealed(&[audio()]), &now);
        assert_eq!(coded(&c), vec![("segment.content_edited", 0, 3.5, 4.5)]);
        assert!(c[0]
            .message
            .contains("one Ogg page of the copy fails its checksum"));
    }

    #[test]
    fn a_cut_in_an_ogg_file_with_a_damaged_page_elsewhere_is_still_a_cut() {
        // The forger cuts 1 s and closes the clock, and also damages a
        // page: the cut is not passed off as damage.
        let mut a = audio().cut(35..45);
        a.times[35..].iter_mut().for_each(|t| *t -= 1.0);
        let mut now = analysis(&[a]);
        now.damaged_pages = 1;
        let c = explain(&sealed(&[audio()]), &now);
        assert_eq!(coded(&c), vec![("segment.content_removed", 0, 3.5, 4.5)]);
    }

    #[test]
    fn v2_a_faster_copy_and_a_pushed_in_pause_are_retimed() {
        // Timestamps scaled to play 10% faster.
        let mut fast = audio();
        fast.times.iter_mut().for_each(|t| *t /= 1.1);
        let c = changes2(&[audio()], &[fast]);
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].0, c[0].2, c[0].3), ("segment.retimed", 0.3, 9.9));
        // A 5 s pause pushed in at 4.0 s: the same packets, later.
        let mut paused = audio();
        paused.times[40..].iter_mut().for_each(|t| *t += 5.0);
        assert_eq!(
            changes2(&[audio()], &[paused]),
            vec![("segment.retimed", 0, 4.0, 9.9)]
        );
    }

    #[test]
    fn v2_sidecar_lines_carry_prefixes_and_times() {
        let s = sealed(&[audio(), video()]);
        let w = &s.windows[0];
        assert_eq!(w.prefixes().unwrap().len(), w.count as usize);
        assert_eq!(w.dt, Some(0.1));
        assert!(w.pt.is_none());
        let times = w.packet_times().unwrap();
        assert!((times[3] - 0.3).abs() < 1e-9);
        // Out-of-order packets keep each time.
        let mut v = video();
        v.times.swap(1, 2);
        let s = sealed(&[v.clone()]);
        assert!(s.windows[0].pt.is_some());
        let t = s.windows[0].packet_times().unwrap();
        assert_eq!(t[..4], v.times[..4]);
    }

    #[test]
    fn v2_lines_with_bad_or_mixed_fields_are_refused() {
        let a = analysis(&[audio()]);
        let mut bad = a.windows.clone();
        bad[0].p = Some("AAAA".into());
        assert!(parse(&to_bytes(&a.header, &bad)).is_err());
        let mut both = a.windows.clone();
        both[0].pt = Some("AAAA".into());
        assert!(parse(&to_bytes(&a.header, &both)).is_err());
        let mut h1 = a.header.clone();
        h1.v = V1;
        assert!(
            parse(&to_bytes(&h1, &a.windows)).is_err(),
            "v1 lines carry no prefixes"
        );
    }
}
