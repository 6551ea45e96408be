//! Aligning a copy's packet sequence with the sealed one.
//!
//! Both sides are sequences of short packet-hash prefixes. The result is the
//! runs of packets that are the same, in the same order, on both sides:
//! everything between two runs was removed, inserted or replaced. Written by
//! hand because the general diff crates are quadratic in the worst case (a
//! re-encoded hour has no common packet at all) or stop at a deadline, which
//! would make a court finding depend on the machine's speed; this is linear
//! in the packets (one hash lookup per copy packet) and deterministic.

use std::collections::HashMap;

/// Consecutive packets that must agree before a run is accepted: one
/// prefix alone could agree by chance; four cannot (2⁻¹²⁸).
pub const ANCHOR: usize = 4;

/// `len` packets that are the same: sealed `sealed..sealed+len`, copy
/// `copy..copy+len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// First sealed packet.
    pub sealed: usize,
    /// First packet of the copy.
    pub copy: usize,
    /// Number of packets.
    pub len: usize,
}

fn key(w: &[u32]) -> u128 {
    w.iter().fold(0u128, |k, &x| (k << 32) | u128::from(x))
}

/// The runs of packets common to `sealed` and `copy`, in order on both
/// sides (each run starts after the previous one ends, on both sides).
///
/// The copy is read once from the start; at each packet the anchor of
/// [`ANCHOR`] packets is looked up among the sealed anchors, and of several
/// places (repeated content such as digital silence) the one that keeps the
/// copy in step with the last run is taken. A run is then extended as far
/// as both sides agree, forwards and back to the previous run.
pub fn align(sealed: &[u32], copy: &[u32]) -> Vec<Run> {
    let k = ANCHOR.min(sealed.len()).min(copy.len());
    let mut runs = Vec::new();
    if k == 0 {
        return runs;
    }
    let mut index: HashMap<u128, Vec<usize>> = HashMap::new();
    for i in 0..=(sealed.len() - k) {
        index.entry(key(&sealed[i..i + k])).or_default().push(i);
    }
    let (mut next_sealed, mut next_copy) = (0usize, 0usize);
    let mut j = 0usize;
    while j + k <= copy.len() {
        let want = next_sealed + (j - next_copy);
        let pick = index.get(&key(&copy[j..j + k])).and_then(|places| {
            // Places are ascending: the first at or after `next_sealed`,
            // and the nearest to `want` from there.
            let from = places.partition_point(|&i| i < next_sealed);
            let at = places.partition_point(|&i| i < want).max(from);
            [at.checked_sub(1), Some(at)]
                .into_iter()
                .flatten()
                .filter(|&x| x >= from && x < places.len())
                .map(|x| places[x])
                .min_by_key(|&i| i.abs_diff(want))
        });
        let Some(mut i) = pick else {
            j += 1;
            continue;
        };
        let mut jj = j;
        while i > next_sealed && jj > next_copy && sealed[i - 1] == copy[jj - 1] {
            i -= 1;
            jj -= 1;
        }
        let mut len = j - jj + k;
        while i + len < sealed.len() && jj + len < copy.len() && sealed[i + len] == copy[jj + len] {
            len += 1;
        }
        runs.push(Run {
            sealed: i,
            copy: jj,
            len,
        });
        next_sealed = i + len;
        next_copy = jj + len;
        j = next_copy;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(r: std::ops::Range<u32>) -> Vec<u32> {
        r.collect()
    }

    fn run(sealed: usize, copy: usize, len: usize) -> Run {
        Run { sealed, copy, len }
    }

    #[test]
    fn identical_is_one_run() {
        assert_eq!(align(&seq(0..100), &seq(0..100)), vec![run(0, 0, 100)]);
    }

    #[test]
    fn a_cut_splits_into_two_runs() {
        let mut c = seq(0..30);
        c.extend(40..100);
        assert_eq!(
            align(&seq(0..100), &c),
            vec![run(0, 0, 30), run(40, 30, 60)]
        );
    }

    #[test]
    fn an_insertion_leaves_a_copy_only_gap() {
        let mut c = seq(0..30);
        c.extend(1000..1007);
        c.extend(30..100);
        assert_eq!(
            align(&seq(0..100), &c),
            vec![run(0, 0, 30), run(30, 37, 70)]
        );
    }

    #[test]
    fn a_replacement_leaves_gaps_on_both_sides() {
        let mut c = seq(0..100);
        c[50] = 7777;
        c[51] = 7778;
        assert_eq!(
            align(&seq(0..100), &c),
            vec![run(0, 0, 50), run(52, 52, 48)]
        );
    }

    #[test]
    fn a_truncation_ends_the_last_run_early() {
        assert_eq!(align(&seq(0..100), &seq(0..61)), vec![run(0, 0, 61)]);
    }

    #[test]
    fn a_single_changed_packet_at_the_edges() {
        let mut c = seq(0..20);
        c[0] = 9999;
        c[19] = 9998;
        assert_eq!(align(&seq(0..20), &c), vec![run(1, 1, 18)]);
    }

    #[test]
    fn nothing_in_common_is_no_run() {
        assert_eq!(align(&seq(0..100), &seq(500..600)), vec![]);
    }

    #[test]
    fn repeated_content_keeps_the_copy_in_step() {
        // Digital silence: the same packet over and over, then speech.
        let mut s = vec![5u32; 50];
        s.extend(100..150);
        let mut c = vec![5u32; 40];
        c.extend(100..150);
        // Ten silent packets are gone; which ten cannot be told, so they
        // are placed where the silence ends.
        assert_eq!(align(&s, &c), vec![run(0, 0, 40), run(50, 40, 50)]);
    }

    #[test]
    fn a_swap_keeps_order_on_both_sides() {
        // The two halves exchanged: only one of them can be in order.
        let mut c = seq(50..100);
        c.extend(0..50);
        let r = align(&seq(0..100), &c);
        assert_eq!(r, vec![run(50, 0, 50)]);
    }

    #[test]
    fn short_sequences_use_a_shorter_anchor() {
        assert_eq!(align(&[1, 2], &[1, 2]), vec![run(0, 0, 2)]);
        assert_eq!(align(&[], &[1]), vec![]);
    }
}
