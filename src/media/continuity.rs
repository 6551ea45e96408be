//! Timestamp discontinuities in one stream: forward jumps (nothing was
//! recorded for a while inside the file) and reversals (the timeline
//! restarts). Pure: fed one packet's presentation time and duration at a
//! time, in the order the file holds them.

use std::collections::VecDeque;

use super::{round_us, Observation};

/// How many packets presentation order may lag decode order (B-frames).
pub const REORDER_DEPTH: usize = 16;

/// How many recent steps and durations the usual packet duration is taken from.
const RECENT: usize = 16;

/// Shortest forward jump reported, in seconds (whatever the packet duration).
pub const MIN_GAP_SECONDS: f64 = 0.1;

/// Finds forward jumps and reversals in one stream's timestamps.
///
/// Packets are put back in presentation order by a small reorder buffer
/// ([`REORDER_DEPTH`] packets), so B-frames are not jumps. A forward jump
/// is a gap when the next packet starts more than two usual packet
/// durations and more than [`MIN_GAP_SECONDS`] after the previous one
/// should have ended. The usual duration is the smallest positive duration
/// or step among recent packets, so a container that hides a gap in one
/// long packet duration (as MP4 does) still shows it. A step back in time
/// is one reversal, and the timeline goes on from there.
#[derive(Debug, Clone)]
pub struct Continuity {
    stream: usize,
    /// Reorder buffer: (presentation time, duration).
    pending: Vec<(f64, f64)>,
    /// The latest presentation time taken out of the buffer.
    prev_t: Option<f64>,
    recent: VecDeque<f64>,
}

impl Continuity {
    /// A tracker for stream `stream` (the index its observations name).
    pub fn new(stream: usize) -> Self {
        Continuity {
            stream,
            pending: Vec::with_capacity(REORDER_DEPTH + 1),
            prev_t: None,
            recent: VecDeque::with_capacity(RECENT + 1),
        }
    }

    /// One packet: presentation time and duration, seconds (a duration of
    /// 0 or less is unknown). Observations found go to `out`.
    pub fn push(&mut self, t: f64, dur: f64, out: &mut Vec<Observation>) {
        self.pending.push((t, dur));
        if self.pending.len() > REORDER_DEPTH {
            self.pop_min(out);
        }
    }

    /// The end of the stream: the packets still buffered.
    pub fn finish(&mut self, out: &mut Vec<Observation>) {
        while !self.pending.is_empty() {
            self.pop_min(out);
        }
    }

    fn pop_min(&mut self, out: &mut Vec<Observation>) {
        let Some(i) = (0..self.pending.len())
            .min_by(|&a, &b| self.pending[a].0.total_cmp(&self.pending[b].0))
        else {
            return;
        };
        let (t, dur) = self.pending.swap_remove(i);
        self.step(t, dur, out);
    }

    fn usual(&self) -> f64 {
        self.recent.iter().copied().fold(f64::INFINITY, f64::min)
    }

    fn step(&mut self, t: f64, dur: f64, out: &mut Vec<Observation>) {
        let stream = self.stream;
        let obs = |code: &str, from: f64, to: f64| Observation {
            code: code.into(),
            stream,
            from: round_us(from),
            to: round_us(to),
            threshold_db: None,
            digital: None,
        };
        if let Some(prev) = self.prev_t {
            let usual = self.usual();
            if t < prev {
                // One finding per reversal: the timeline restarts here.
                out.push(obs("media.timestamp_reversal", t, prev));
                self.prev_t = Some(t);
                if dur > 0.0 {
                    self.remember(dur);
                }
                return;
            } else if usual.is_finite() {
                let expected_end = prev + usual;
                let jump = t - expected_end;
                if jump > 2.0 * usual && jump > MIN_GAP_SECONDS {
                    out.push(obs("media.internal_gap", expected_end, t));
                }
            }
            let step = t - prev;
            if step > 0.0 {
                self.remember(step);
            }
        }
        if dur > 0.0 {
            self.remember(dur);
        }
        self.prev_t = Some(self.prev_t.map_or(t, |p| p.max(t)));
    }

    fn remember(&mut self, d: f64) {
        self.recent.push_back(d);
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
    }
}

/// The discontinuities of a whole stream of (presentation time, duration)
/// packets, in file order.
pub fn scan(stream: usize, packets: impl IntoIterator<Item = (f64, f64)>) -> Vec<Observation> {
    let mut c = Continuity::new(stream);
    let mut out = Vec::new();
    for (t, dur) in packets {
        c.push(t, dur, &mut out);
    }
    c.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (code, from, to) of each observation.
    fn found(obs: &[Observation]) -> Vec<(&str, f64, f64)> {
        obs.iter()
            .map(|o| (o.code.as_str(), o.from, o.to))
            .collect()
    }

    /// `n` packets of `step` seconds from `start`, each lasting `step`.
    fn steady(start: f64, step: f64, n: usize) -> Vec<(f64, f64)> {
        (0..n).map(|i| (start + i as f64 * step, step)).collect()
    }

    #[test]
    fn steady_stream_has_no_finding() {
        assert_eq!(found(&scan(0, steady(0.0, 0.02, 500))), vec![]);
        // Unknown durations: the usual step comes from the steps alone.
        let no_dur = (0..500).map(|i| (i as f64 * 0.02, 0.0));
        assert_eq!(found(&scan(0, no_dur)), vec![]);
    }

    #[test]
    fn forward_jump_is_a_gap_from_expected_end_to_next_packet() {
        // 1/32 s packets up to 0.96875 (ends at 1.0), then from 5.0 on.
        let mut p = steady(0.0, 0.03125, 32);
        p.extend(steady(5.0, 0.03125, 32));
        assert_eq!(found(&scan(3, p)), vec![("media.internal_gap", 1.0, 5.0)]);
        assert_eq!(scan(3, steady(0.0, 1.0, 1)).len(), 0);
    }

    #[test]
    fn jump_hidden_in_one_long_sample_is_still_a_gap() {
        // MP4 style: the packet before the gap lasts until the next one,
        // so durations alone show no hole.
        let mut p = steady(0.0, 0.03125, 32);
        p[31].1 = 5.0 - 0.96875;
        p.extend(steady(5.0, 0.03125, 32));
        assert_eq!(found(&scan(0, p)), vec![("media.internal_gap", 1.0, 5.0)]);
    }

    #[test]
    fn reordered_b_frames_are_not_a_gap() {
        // Decode order I P B B P B B …: presentation times 0, 3, 1, 2, 6, 4, 5, …
        let f = 0.04;
        let mut p = vec![(0.0, f)];
        for g in 0..100 {
            let base = (g * 3) as f64;
            p.extend([
                ((base + 3.0) * f, f),
                ((base + 1.0) * f, f),
                ((base + 2.0) * f, f),
            ]);
        }
        assert_eq!(found(&scan(0, p)), vec![]);
    }

    #[test]
    fn reorder_deeper_than_the_buffer_is_a_reversal() {
        // A packet presented more than REORDER_DEPTH packets late cannot be
        // put back in place.
        let mut p = steady(0.0, 0.03125, 64);
        let late = p.remove(10);
        p.insert(10 + REORDER_DEPTH + 1, late);
        assert_eq!(
            found(&scan(0, p)),
            vec![("media.timestamp_reversal", 0.3125, 0.34375)]
        );
    }

    #[test]
    fn gap_threshold_is_two_usual_durations() {
        // Quarter-second packets: a gap must exceed 0.5 s past the expected end.
        let run = |next: f64| {
            let mut p = steady(0.0, 0.25, 5); // last at 1.0, ends at 1.25
            p.extend(steady(next, 0.25, 5));
            scan(0, p)
        };
        assert_eq!(found(&run(1.75)), vec![]);
        assert_eq!(
            found(&run(1.8125)),
            vec![("media.internal_gap", 1.25, 1.8125)]
        );
    }

    #[test]
    fn gap_threshold_is_at_least_a_tenth_of_a_second() {
        // 1/64 s packets: two durations is 1/32 s, but a jump must also
        // exceed 0.1 s.
        let run = |next: f64| {
            let mut p = steady(0.0, 0.015625, 64); // ends at 1.0
            p.extend(steady(next, 0.015625, 64));
            scan(0, p)
        };
        assert_eq!(found(&run(1.09375)), vec![]);
        assert_eq!(found(&run(1.125)), vec![("media.internal_gap", 1.0, 1.125)]);
    }

    #[test]
    fn restart_is_one_reversal() {
        // Timestamps start over (two recordings joined byte for byte): one
        // observation, from the time it went back to, not one per packet.
        let mut p = steady(0.0, 0.03125, 64); // up to 1.96875
        p.extend(steady(0.5, 0.03125, 64)); // 0.5 to 2.46875
        let obs = scan(1, p);
        assert_eq!(obs.len(), 1, "{obs:?}");
        assert_eq!(
            (obs[0].code.as_str(), obs[0].stream, obs[0].from),
            ("media.timestamp_reversal", 1, 0.5)
        );
    }

    #[test]
    fn observations_name_the_stream_and_round_to_the_microsecond() {
        let p = vec![(0.0, 0.1), (0.1, 0.1), (0.2, 0.1), (1.000_000_4, 0.1)];
        let obs = scan(7, p);
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].stream, 7);
        assert_eq!((obs[0].from, obs[0].to), (0.3, 1.0));
        assert_eq!((obs[0].threshold_db, obs[0].digital), (None, None));
    }
}
