//! Runs of silence in one audio stream: near-silence (RMS below a
//! threshold) and digital silence (every sample exactly zero), judged in
//! blocks of 10 ms. Pure: fed the levels of decoded frames, one frame at a
//! time.

use super::{round_us, Observation, SilenceOptions};

/// The level of one sample instant, over all channels, samples scaled to
/// [-1, 1].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Level {
    /// Mean of the squared samples over the channels.
    pub mean_square: f64,
    /// Largest magnitude over the channels.
    pub peak: f64,
}

impl Level {
    /// The level of one instant from its samples, one per channel.
    pub fn of(samples: &[f64]) -> Level {
        let n = samples.len().max(1) as f64;
        Level {
            mean_square: samples.iter().map(|v| v * v).sum::<f64>() / n,
            peak: samples.iter().fold(0.0, |p, v| p.max(v.abs())),
        }
    }
}

/// How far a frame's own time may be from the time the samples before it
/// reach before the clock resynchronises on it (and runs are cut there).
const RESYNC_SECONDS: f64 = 0.05;

/// A run of consecutive blocks that satisfy a condition.
#[derive(Debug, Clone, Default)]
struct RunTracker {
    start: Option<f64>,
    end: f64,
    runs: Vec<(f64, f64)>,
}

impl RunTracker {
    fn block(&mut self, yes: bool, start: f64, end: f64, min: f64) {
        if yes {
            self.start.get_or_insert(start);
            self.end = end;
        } else {
            self.close(min);
        }
    }

    fn close(&mut self, min: f64) {
        if let Some(start) = self.start.take() {
            if self.end - start >= min {
                self.runs.push((start, self.end));
            }
        }
    }
}

/// Finds runs of near-silence and digital silence in one audio stream.
///
/// Samples are grouped in blocks of 10 ms (at the first frame's rate); a
/// block is near-silent when its RMS is below the threshold, digitally
/// silent when its peak is exactly zero. A run is reported when it lasts at
/// least the minimum. A frame whose time jumps away from where the samples
/// before it end starts a new clock: runs never bridge a jump.
#[derive(Debug, Clone)]
pub struct SilenceDetector {
    opts: SilenceOptions,
    /// Time of the next sample (seconds, stream time).
    clock: Option<f64>,
    block_len: usize,
    block_sq: f64,
    block_peak: f64,
    block_n: usize,
    block_start: f64,
    quiet: RunTracker,
    zero: RunTracker,
}

impl SilenceDetector {
    /// A detector with these options.
    pub fn new(opts: SilenceOptions) -> Self {
        SilenceDetector {
            opts,
            clock: None,
            block_len: 0,
            block_sq: 0.0,
            block_peak: 0.0,
            block_n: 0,
            block_start: 0.0,
            quiet: RunTracker::default(),
            zero: RunTracker::default(),
        }
    }

    /// One decoded frame: its time (seconds, stream time) when known, its
    /// sample rate, and the level of each of its sample instants.
    pub fn frame(&mut self, pts: Option<f64>, rate: u32, levels: &[Level]) {
        let rate = f64::from(rate.max(1));
        if let Some(t) = pts {
            // Resynchronise on the frame's own time when it jumps.
            if self.clock.is_none_or(|c| (c - t).abs() > RESYNC_SECONDS) {
                self.flush_block();
                self.close_runs();
                self.clock = Some(t);
            }
        }
        let clock = *self.clock.get_or_insert(0.0);
        if self.block_len == 0 {
            self.block_len = (rate / 100.0).round().max(1.0) as usize;
        }
        // Block by block rather than sample by sample (the sums are the
        // same, in the same order).
        let mut i = 0;
        while i < levels.len() {
            if self.block_n == 0 {
                self.block_start = clock + i as f64 / rate;
            }
            let take = (self.block_len - self.block_n).min(levels.len() - i);
            let (mut sq, mut peak) = (self.block_sq, self.block_peak);
            for l in &levels[i..i + take] {
                sq += l.mean_square;
                peak = peak.max(l.peak);
            }
            (self.block_sq, self.block_peak) = (sq, peak);
            self.block_n += take;
            i += take;
            if self.block_n == self.block_len {
                self.flush_block();
            }
        }
        self.clock = Some(clock + levels.len() as f64 / rate);
    }

    fn flush_block(&mut self) {
        if self.block_n == 0 {
            return;
        }
        let rms = (self.block_sq / self.block_n as f64).sqrt();
        let db = if rms > 0.0 {
            20.0 * rms.log10()
        } else {
            f64::NEG_INFINITY
        };
        let start = self.block_start;
        let end = start + self.block_n as f64 / (self.block_len as f64 * 100.0);
        let min = self.opts.min_seconds;
        self.quiet
            .block(db < self.opts.threshold_db, start, end, min);
        self.zero.block(self.block_peak == 0.0, start, end, min);
        self.block_sq = 0.0;
        self.block_peak = 0.0;
        self.block_n = 0;
    }

    fn close_runs(&mut self) {
        self.quiet.close(self.opts.min_seconds);
        self.zero.close(self.opts.min_seconds);
    }

    /// The end of the stream: the runs found, as `media.silence`
    /// observations of stream `stream`, in seconds from the file's time
    /// origin `t0` (rounded to 10 ms); digital runs first, then near-silent
    /// ones (a digital run is also near-silent).
    pub fn finish(&mut self, stream: usize, t0: f64) -> Vec<Observation> {
        self.flush_block();
        self.close_runs();
        let t0 = if t0.is_finite() { t0 } else { 0.0 };
        let centi = |x: f64| round_us(((x - t0).max(0.0) * 100.0).round() / 100.0);
        let mut out = Vec::new();
        for (runs, digital) in [(&self.zero.runs, true), (&self.quiet.runs, false)] {
            for &(from, to) in runs {
                out.push(Observation {
                    code: "media.silence".into(),
                    stream,
                    from: centi(from),
                    to: centi(to),
                    threshold_db: Some(self.opts.threshold_db),
                    digital: Some(digital),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples per second in these tests: a 10 ms block is 10 samples.
    const RATE: u32 = 1000;

    /// Mono samples: `(seconds, amplitude)` stretches, in order.
    fn samples(parts: &[(f64, f64)]) -> Vec<f64> {
        parts
            .iter()
            .flat_map(|&(secs, a)| {
                let n = (secs * f64::from(RATE)).round() as usize;
                // A square wave of that amplitude: RMS and peak are `a`.
                (0..n).map(move |i| if i % 2 == 0 { a } else { -a })
            })
            .collect()
    }

    /// Feeds `samples` in frames of 100 (0.1 s), each stamped with its
    /// time from `start`.
    fn feed(d: &mut SilenceDetector, start: f64, samples: &[f64]) {
        for (k, chunk) in samples.chunks(100).enumerate() {
            let levels: Vec<Level> = chunk.iter().map(|&v| Level::of(&[v])).collect();
            d.frame(Some(start + k as f64 * 0.1), RATE, &levels);
        }
    }

    /// (digital, from, to) of each run found, with the default options.
    fn runs(parts: &[(f64, f64)]) -> Vec<(bool, f64, f64)> {
        let mut d = SilenceDetector::new(SilenceOptions::default());
        feed(&mut d, 0.0, &samples(parts));
        summary(&d.finish(0, 0.0))
    }

    fn summary(obs: &[Observation]) -> Vec<(bool, f64, f64)> {
        for o in obs {
            assert_eq!(o.code, "media.silence");
            assert_eq!(o.threshold_db, Some(-60.0));
        }
        obs.iter()
            .map(|o| {
                (
                    o.digital.expect("silence says digital or not"),
                    o.from,
                    o.to,
                )
            })
            .collect()
    }

    const LOUD: f64 = 0.5;
    /// -80 dBFS: near-silent, not zero.
    const QUIET: f64 = 1e-4;

    #[test]
    fn level_of_an_instant() {
        assert_eq!(
            Level::of(&[0.5, -0.25]),
            Level {
                mean_square: (0.25 + 0.0625) / 2.0,
                peak: 0.5
            }
        );
        assert_eq!(Level::of(&[]), Level::default());
    }

    #[test]
    fn sound_throughout_has_no_silence() {
        assert_eq!(runs(&[(10.0, LOUD)]), vec![]);
    }

    #[test]
    fn near_silence_shorter_than_the_minimum_is_not_reported() {
        assert_eq!(runs(&[(2.0, LOUD), (1.5, QUIET), (2.0, LOUD)]), vec![]);
        assert_eq!(runs(&[(2.0, LOUD), (1.99, QUIET), (2.0, LOUD)]), vec![]);
    }

    #[test]
    fn near_silence_longer_than_the_minimum_is_reported() {
        assert_eq!(
            runs(&[(2.0, LOUD), (2.5, QUIET), (2.0, LOUD)]),
            vec![(false, 2.0, 4.5)]
        );
        assert_eq!(
            runs(&[(2.0, LOUD), (2.01, QUIET), (2.0, LOUD)]),
            vec![(false, 2.0, 4.01)]
        );
    }

    #[test]
    fn digital_zero_is_also_near_silence() {
        assert_eq!(
            runs(&[(1.0, LOUD), (3.0, 0.0), (1.0, LOUD)]),
            vec![(true, 1.0, 4.0), (false, 1.0, 4.0)]
        );
    }

    #[test]
    fn near_silence_is_not_digital() {
        // Zero inside a longer quiet stretch: the digital run is only the zeros.
        assert_eq!(
            runs(&[
                (1.0, LOUD),
                (1.0, QUIET),
                (2.5, 0.0),
                (1.0, QUIET),
                (1.0, LOUD)
            ]),
            vec![(true, 2.0, 4.5), (false, 1.0, 5.5)]
        );
    }

    #[test]
    fn silence_at_the_very_end_of_the_file() {
        assert_eq!(runs(&[(5.0, LOUD), (3.0, QUIET)]), vec![(false, 5.0, 8.0)]);
        // The last, partial block counts (without it the run would end at 7.99).
        assert_eq!(
            runs(&[(5.0, LOUD), (2.996, 0.0)]),
            vec![(true, 5.0, 8.0), (false, 5.0, 8.0)]
        );
        assert_eq!(runs(&[(5.0, LOUD), (1.9, QUIET)]), vec![]);
    }

    #[test]
    fn silence_from_the_very_start() {
        assert_eq!(runs(&[(2.5, 0.0), (1.0, LOUD)]).len(), 2);
        assert_eq!(runs(&[(2.5, 0.0), (1.0, LOUD)])[0], (true, 0.0, 2.5));
    }

    #[test]
    fn level_exactly_at_the_threshold_is_not_silence() {
        // A square wave of 0.5 has an RMS of exactly 0.5.
        let at = 20.0 * 0.5f64.log10();
        let opts = |threshold_db| SilenceOptions {
            threshold_db,
            min_seconds: 2.0,
        };
        let run = |threshold_db: f64, a: f64| {
            let mut d = SilenceDetector::new(opts(threshold_db));
            feed(&mut d, 0.0, &samples(&[(3.0, a)]));
            d.finish(0, 0.0)
                .into_iter()
                .map(|o| (o.digital, o.from, o.to))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(at, 0.5), vec![]);
        assert_eq!(run(at, 0.4999), vec![(Some(false), 0.0, 3.0)]);
    }

    #[test]
    fn a_timestamp_jump_cuts_a_run() {
        // 1.5 s of zeros, then the frames' times jump by 10 s, then 1.5 s
        // more: two runs shorter than the minimum, not one of 3 s.
        let mut d = SilenceDetector::new(SilenceOptions::default());
        let zeros = samples(&[(1.5, 0.0)]);
        feed(&mut d, 0.0, &zeros);
        feed(&mut d, 11.5, &zeros);
        assert_eq!(summary(&d.finish(0, 0.0)), vec![]);
        // A jitter of up to 50 ms is not a jump.
        let mut d = SilenceDetector::new(SilenceOptions::default());
        feed(&mut d, 0.0, &zeros);
        feed(&mut d, 1.54, &zeros);
        assert_eq!(
            summary(&d.finish(0, 0.0)),
            vec![(true, 0.0, 3.0), (false, 0.0, 3.0)]
        );
    }

    #[test]
    fn times_are_from_the_file_origin() {
        // The stream starts at 10 s of its own time; the file's origin is 9 s.
        let mut d = SilenceDetector::new(SilenceOptions::default());
        feed(&mut d, 10.0, &samples(&[(1.0, LOUD), (2.5, 0.0)]));
        let obs = d.finish(4, 9.0);
        assert_eq!(obs.iter().map(|o| o.stream).collect::<Vec<_>>(), vec![4, 4]);
        assert_eq!(summary(&obs), vec![(true, 2.0, 4.5), (false, 2.0, 4.5)]);
        // An unknown origin counts as 0.
        let mut d = SilenceDetector::new(SilenceOptions::default());
        feed(&mut d, 0.0, &samples(&[(2.5, 0.0)]));
        assert_eq!(summary(&d.finish(0, f64::INFINITY))[0], (true, 0.0, 2.5));
    }

    #[test]
    fn frames_without_times_follow_on() {
        let mut d = SilenceDetector::new(SilenceOptions::default());
        let s = samples(&[(1.0, LOUD), (2.5, 0.0)]);
        for chunk in s.chunks(100) {
            let levels: Vec<Level> = chunk.iter().map(|&v| Level::of(&[v])).collect();
            d.frame(None, RATE, &levels);
        }
        assert_eq!(
            summary(&d.finish(0, 0.0)),
            vec![(true, 1.0, 3.5), (false, 1.0, 3.5)]
        );
    }
}
