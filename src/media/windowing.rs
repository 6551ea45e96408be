//! Packet windows of one stream: consecutive runs of its packets, cut by
//! media time, each hashed as the sidecar defines (`SHA-256` over the
//! packets' own SHA-256s). Pure: fed one packet's time and hash at a time,
//! in file order.

use sha2::{Digest as _, Sha256};

use super::round_us;
use crate::format::windows::{packet_fields, WindowLine};

struct Open {
    index: i64,
    first: u64,
    count: u64,
    t: f64,
    hasher: Sha256,
    hashes: Vec<[u8; 32]>,
    times: Vec<f64>,
}

/// Cuts one stream's packets into windows of `seconds` of media time.
///
/// A window holds a contiguous run of the stream's packets: a packet that
/// would go back to an earlier window (out of order) stays in the current
/// one. Window 0 starts at the file's start; a packet timed before it
/// (codec priming) belongs to window 0.
pub struct Windower {
    stream: usize,
    seconds: f64,
    packets: u64,
    open: Option<Open>,
}

impl Windower {
    /// Windows of `seconds` (positive) for stream `stream`.
    pub fn new(stream: usize, seconds: f64) -> Self {
        Windower {
            stream,
            seconds,
            packets: 0,
            open: None,
        }
    }

    /// One packet: its time in stored order (decoding time, seconds from
    /// the file's start), its presentation time and the SHA-256 of its
    /// payload. Returns the window it closes, if it starts a new one.
    pub fn push(&mut self, t: f64, presented: f64, hash: [u8; 32]) -> Option<WindowLine> {
        let k = ((t / self.seconds).floor() as i64).max(0);
        let n = self.packets;
        self.packets += 1;
        if let Some(open) = &mut self.open {
            if k <= open.index {
                open.hasher.update(hash);
                open.count += 1;
                open.hashes.push(hash);
                open.times.push(presented);
                return None;
            }
        }
        let mut hasher = Sha256::new();
        hasher.update(hash);
        let done = self.open.replace(Open {
            index: k,
            first: n,
            count: 1,
            t,
            hasher,
            hashes: vec![hash],
            times: vec![presented],
        });
        done.map(|d| self.line(d))
    }

    /// The end of the stream: the last window, if any.
    pub fn finish(&mut self) -> Option<WindowLine> {
        let done = self.open.take()?;
        Some(self.line(done))
    }

    fn line(&self, w: Open) -> WindowLine {
        let times: Vec<f64> = w.times.iter().map(|&t| round_us(t)).collect();
        let (p, dt, pt) = packet_fields(&w.hashes, round_us(w.t), &times);
        WindowLine {
            w: w.index,
            s: self.stream,
            from: round_us(w.index as f64 * self.seconds),
            to: round_us((w.index + 1) as f64 * self.seconds),
            t: round_us(w.t),
            first: w.first,
            count: w.count,
            sha256: hex::encode(w.hasher.finalize()),
            p: Some(p),
            dt,
            pt,
        }
    }
}

/// The windows of a whole stream of (time, packet hash), in file order.
pub fn windows(stream: usize, seconds: f64, packets: &[(f64, [u8; 32])]) -> Vec<WindowLine> {
    let mut w = Windower::new(stream, seconds);
    let mut out: Vec<WindowLine> = packets
        .iter()
        .filter_map(|&(t, h)| w.push(t, t, h))
        .collect();
    out.extend(w.finish());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(i: u8) -> [u8; 32] {
        [i; 32]
    }

    fn sha_of(hashes: &[[u8; 32]]) -> String {
        let mut s = Sha256::new();
        for x in hashes {
            s.update(x);
        }
        hex::encode(s.finalize())
    }

    #[test]
    fn packets_are_cut_by_media_time() {
        let p = [
            (0.0, h(0)),
            (0.5, h(1)),
            (1.0, h(2)),
            (2.5, h(3)),
            (2.9, h(4)),
        ];
        let w = windows(2, 1.0, &p);
        let got: Vec<_> = w
            .iter()
            .map(|l| (l.w, l.s, l.first, l.count, l.from, l.to, l.t))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 2, 0, 2, 0.0, 1.0, 0.0),
                (1, 2, 2, 1, 1.0, 2.0, 1.0),
                (2, 2, 3, 2, 2.0, 3.0, 2.5),
            ]
        );
        assert_eq!(w[0].sha256, sha_of(&[h(0), h(1)]));
        assert_eq!(w[2].sha256, sha_of(&[h(3), h(4)]));
    }

    #[test]
    fn priming_before_zero_is_window_zero_and_late_packets_stay() {
        // A packet timed before the file's start, and one that goes back
        // (B-frame order) into a window already left.
        let p = [
            (-0.02, h(0)),
            (0.3, h(1)),
            (1.2, h(2)),
            (0.9, h(3)),
            (1.4, h(4)),
        ];
        let w = windows(0, 1.0, &p);
        let got: Vec<_> = w.iter().map(|l| (l.w, l.first, l.count)).collect();
        assert_eq!(got, vec![(0, 0, 2), (1, 2, 3)]);
        assert_eq!(w[0].t, -0.02);
    }

    #[test]
    fn empty_stream_has_no_window() {
        assert_eq!(windows(0, 1.0, &[]), vec![]);
    }
}
