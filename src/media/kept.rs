//! What [`super::analyze`] keeps of every packet of a copy to explain it:
//! packet times in a compact form that gives back exactly the values the
//! reader computed.

/// Marks a time kept as seconds rather than as ticks.
const AS_SECONDS: i32 = i32::MIN;

/// One stream's packet times, in file order, seconds from the file's start.
///
/// A time read from a timestamp is kept as the timestamp's ticks from the
/// stream's first one (4 bytes) and converted when asked, by the very
/// expression the reader used (`ticks · num / den − t0` in `f64`), so the
/// value is the same to the bit. A time that is not a timestamp (a packet
/// without one, a PCM chunk) or whose ticks do not fit in 31 bits is kept as
/// it is, at 4 + 16 bytes. [`Times::plain`] keeps every time as seconds
/// (8 bytes), as the reader computed it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Times {
    num: i32,
    den: i32,
    t0: f64,
    base: Option<i64>,
    ticks: Vec<i32>,
    /// `(position, seconds)` of the times kept as seconds, by position.
    seconds: Vec<(usize, f64)>,
    /// Every time as seconds, instead of the above.
    plain: Option<Vec<f64>>,
}

impl Times {
    /// No times yet, for a stream whose time base is `num / den` and whose
    /// file starts at `t0` seconds.
    pub fn new(num: i32, den: i32, t0: f64) -> Self {
        Times {
            num,
            den,
            t0,
            ..Times::default()
        }
    }

    /// The same, keeping every time as seconds: converted when pushed.
    pub fn plain(num: i32, den: i32, t0: f64) -> Self {
        Times {
            plain: Some(Vec::new()),
            ..Times::new(num, den, t0)
        }
    }

    /// Times given as seconds (no time base).
    pub fn from_seconds(times: &[f64]) -> Self {
        Times {
            plain: Some(times.to_vec()),
            ..Times::new(1, 1, 0.0)
        }
    }

    /// Room for `n` more times.
    pub fn reserve(&mut self, n: usize) {
        match &mut self.plain {
            Some(p) => p.reserve(n),
            None => self.ticks.reserve(n),
        }
    }

    fn convert(&self, ts: i64) -> f64 {
        super::ticks_to_seconds(ts, self.num, self.den) - self.t0
    }

    /// The time of timestamp `ts` (in the stream's time base), as the
    /// reader computes it: `seconds(ts) - t0`.
    pub fn push_ticks(&mut self, ts: i64) {
        if self.plain.is_some() {
            let s = self.convert(ts);
            return self.push_seconds(s);
        }
        let base = *self.base.get_or_insert(ts);
        match ts.checked_sub(base).and_then(|d| i32::try_from(d).ok()) {
            Some(d) if d != AS_SECONDS => self.ticks.push(d),
            _ => {
                let s = self.convert(ts);
                self.push_seconds(s);
            }
        }
    }

    /// A time given in seconds.
    pub fn push_seconds(&mut self, s: f64) {
        if let Some(p) = &mut self.plain {
            return p.push(s);
        }
        self.seconds.push((self.ticks.len(), s));
        self.ticks.push(AS_SECONDS);
    }

    /// How many times are kept.
    pub fn len(&self) -> usize {
        self.plain.as_ref().map_or(self.ticks.len(), Vec::len)
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th time, `None` past the end.
    pub fn get(&self, i: usize) -> Option<f64> {
        if let Some(p) = &self.plain {
            return p.get(i).copied();
        }
        let d = *self.ticks.get(i)?;
        if d == AS_SECONDS {
            let k = self.seconds.binary_search_by_key(&i, |p| p.0).ok()?;
            return Some(self.seconds[k].1);
        }
        Some(self.convert(self.base.unwrap_or(0) + i64::from(d)))
    }

    /// The last time.
    pub fn last(&self) -> Option<f64> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// Every time, as seconds.
    pub fn to_vec(&self) -> Vec<f64> {
        let mut v = Vec::with_capacity(self.len());
        v.extend((0..self.len()).filter_map(|i| self.get(i)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_give_back_the_readers_values_to_the_bit() {
        let sec = |x: i64| super::super::ticks_to_seconds(x, 1, 44100);
        let t0 = sec(-1024);
        let mut t = Times::new(1, 44100, t0);
        let ts: Vec<i64> = (0..5000).map(|i| -1024 + i * 1024).collect();
        for &x in &ts {
            t.push_ticks(x);
        }
        t.push_seconds(0.125);
        t.push_ticks(i64::MAX);
        t.push_ticks(-1024 + i64::from(i32::MIN));
        assert_eq!(t.len(), ts.len() + 3);
        for (i, &x) in ts.iter().enumerate() {
            let want = sec(x) - t0;
            assert_eq!(t.get(i).map(f64::to_bits), Some(want.to_bits()));
        }
        assert_eq!(t.get(ts.len()), Some(0.125));
        let want = sec(i64::MAX) - t0;
        assert_eq!(t.get(ts.len() + 1).map(f64::to_bits), Some(want.to_bits()));
        let want = sec(-1024 + i64::from(i32::MIN)) - t0;
        assert_eq!(t.get(ts.len() + 2).map(f64::to_bits), Some(want.to_bits()));
        assert_eq!(t.get(ts.len() + 3), None);
        assert_eq!(t.to_vec().len(), t.len());
        let mut p = Times::plain(1, 44100, t0);
        for &x in &ts {
            p.push_ticks(x);
        }
        let bits = |t: &Times| t.to_vec().into_iter().map(f64::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(&p), bits(&t)[..ts.len()]);
        let s = Times::from_seconds(&[0.5, -1.0, 2.25]);
        assert_eq!(s.to_vec(), vec![0.5, -1.0, 2.25]);
        assert_eq!(s.last(), Some(2.25));
    }
}
