//! A proven stretch of a sealed segment: checking an excerpt file against
//! the excerpt part of its proof bundle (which `courtseal excerpt` makes).
//!
//! The proof carries, for each stream, the sealed window lines the stretch
//! falls in (each with its inclusion proof in the segment's sealed window
//! tree), the sidecar header that says how units are hashed, and the full
//! SHA-256 of the units of the two edge windows that the excerpt leaves out,
//! so a verifier recomputes every window hash from the excerpt's own units.

use std::collections::HashMap;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::entry::SegmentEntry;
use crate::finding::{Code, Finding};
use crate::format::bundle::{ExcerptPart, ExcerptStream, ProvenLine};
use crate::format::windows::{WindowLine, WindowsHeader};
use crate::tlog;
use crate::windows::clock;

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

/// The stretch a proven excerpt part stands for, timed by the sealed
/// packet times of its window lines (`lines[i]` parsed from stream `i`'s).
pub(crate) fn stretch_of(
    entry: &SegmentEntry,
    part: &ExcerptPart,
    lines: &[Vec<WindowLine>],
) -> Stretch {
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
    let a = crate::media::analyze(path, &opts, crate::media::Keep::All).map_err(|e| e.0)?;
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
        let hs: Vec<[u8; 32]> = (0u8..6).map(|i| crate::media::packet_hash(&[i])).collect();
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
