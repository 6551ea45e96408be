//! Aligning a copy's packet sequence with the sealed one.
//!
//! Both sides are sequences of short packet-hash prefixes. The result is the
//! runs of packets that are the same, in the same order, on both sides:
//! everything between two runs was removed, inserted or replaced. Written by
//! hand because the general diff crates are quadratic in the worst case (a
//! re-encoded hour has no common packet at all) or stop at a deadline, which
//! would make a court finding depend on the machine's speed; this is linear
//! in the packets (one hash lookup per copy packet) and deterministic.

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
/// First the skeleton: anchors of [`ANCHOR`] packets that occur exactly
/// once on each side, of which the longest chain in order on both sides is
/// kept (as patience diff does), each grown into a run as far as both sides
/// agree. Content that repeats (digital silence, the same packet again and
/// again) cannot anchor; between the skeleton's runs it is matched by
/// [`greedy`].
pub fn align(sealed: &[u32], copy: &[u32]) -> Vec<Run> {
    let k = ANCHOR.min(sealed.len()).min(copy.len());
    if k == 0 || !fits(sealed) || !fits(copy) {
        return Vec::new();
    }
    // The anchors that occur exactly once on each side, as
    // `(copy position, sealed position)`: both sides' anchor positions
    // sorted by anchor (4 bytes a packet each), then walked together.
    let s_sorted = sorted_anchors(sealed, k);
    let c_sorted = sorted_anchors(copy, k);
    let s_once = once(sealed, k, &s_sorted);
    let c_once = once(copy, k, &c_sorted);
    drop((s_sorted, c_sorted));
    // As `(copy, sealed)` 32-bit positions (8 bytes a pair; both fit, see
    // `fits`), sorted as the same positions would be at any width.
    let mut unique: Vec<(u32, u32)> = Vec::with_capacity(s_once.len().min(c_once.len()));
    let (mut a, mut b) = (0usize, 0usize);
    while a < s_once.len() && b < c_once.len() {
        let (i, j) = (s_once[a] as usize, c_once[b] as usize);
        match key(&sealed[i..i + k]).cmp(&key(&copy[j..j + k])) {
            std::cmp::Ordering::Less => a += 1,
            std::cmp::Ordering::Greater => b += 1,
            std::cmp::Ordering::Equal => {
                unique.push((c_once[b], s_once[a]));
                a += 1;
                b += 1;
            }
        }
    }
    drop((s_once, c_once));
    unique.sort_unstable();
    let chain = increasing_chain(&unique);
    // Grow each anchor into a run, bounded by its neighbours.
    let mut skeleton: Vec<Run> = Vec::new();
    for (j, i) in chain.iter().map(|&(j, i)| (j as usize, i as usize)) {
        let (lo_s, lo_c) = skeleton
            .last()
            .map_or((0, 0), |r| (r.sealed + r.len, r.copy + r.len));
        if i < lo_s || j < lo_c {
            continue; // inside the previous run already
        }
        let (mut i0, mut j0) = (i, j);
        while i0 > lo_s && j0 > lo_c && sealed[i0 - 1] == copy[j0 - 1] {
            i0 -= 1;
            j0 -= 1;
        }
        let mut len = i - i0 + k;
        while i0 + len < sealed.len() && j0 + len < copy.len() && sealed[i0 + len] == copy[j0 + len]
        {
            len += 1;
        }
        skeleton.push(Run {
            sealed: i0,
            copy: j0,
            len,
        });
    }
    // Fill the gaps before, between and after the skeleton's runs.
    let mut runs = Vec::new();
    let (mut ps, mut pc) = (0usize, 0usize);
    for r in skeleton.iter().copied().chain(std::iter::once(Run {
        sealed: sealed.len(),
        copy: copy.len(),
        len: 0,
    })) {
        for g in greedy(&sealed[ps..r.sealed], &copy[pc..r.copy]) {
            runs.push(Run {
                sealed: g.sealed + ps,
                copy: g.copy + pc,
                len: g.len,
            });
        }
        if r.len > 0 {
            runs.push(r);
        }
        ps = r.sealed + r.len;
        pc = r.copy + r.len;
    }
    runs
}

/// Whether every position of `seq` fits the 32-bit positions the anchor
/// tables keep (4 bytes a packet rather than 8). Four billion packets is
/// some twenty thousand hours of AAC; a longer sequence is no copy of a
/// sealed segment (the sealed side is bounded by its sidecar's size), and
/// is given no common run.
fn fits(seq: &[u32]) -> bool {
    u32::try_from(seq.len()).is_ok()
}

/// The start of every anchor of `k` packets of `seq`, sorted by the
/// anchor and, for equal anchors, by position.
fn sorted_anchors(seq: &[u32], k: usize) -> Vec<u32> {
    let n = seq.len() + 1 - k;
    let mut v: Vec<u32> = (0..n).filter_map(|i| u32::try_from(i).ok()).collect();
    v.sort_unstable_by_key(|&i| (key(&seq[i as usize..i as usize + k]), i));
    v
}

/// Of `sorted` (from [`sorted_anchors`]), the positions whose anchor
/// occurs only there, still sorted by anchor.
fn once(seq: &[u32], k: usize, sorted: &[u32]) -> Vec<u32> {
    let at = |x: u32| key(&seq[x as usize..x as usize + k]);
    let mut out = Vec::with_capacity(sorted.len());
    let mut g = 0usize;
    while g < sorted.len() {
        let kg = at(sorted[g]);
        let mut h = g + 1;
        while h < sorted.len() && at(sorted[h]) == kg {
            h += 1;
        }
        if h == g + 1 {
            out.push(sorted[g]);
        }
        g = h;
    }
    out
}

/// The longest chain of `(copy, sealed)` pairs, sorted by copy position,
/// whose sealed positions increase too (longest increasing subsequence,
/// O(n log n)).
fn increasing_chain(pairs: &[(u32, u32)]) -> Vec<(u32, u32)> {
    // Pair numbers as 32 bits, `NONE` for none: there are fewer pairs than
    // positions, which fit in 32 bits.
    const NONE: u32 = u32::MAX;
    let Ok(count) = u32::try_from(pairs.len()) else {
        return Vec::new();
    };
    if count == NONE {
        return Vec::new();
    }
    // tails[l]: index of the pair ending the best chain of length l+1.
    let mut tails: Vec<u32> = Vec::new();
    let mut back: Vec<u32> = vec![NONE; pairs.len()];
    for (x, &(_, i)) in (0..count).zip(pairs) {
        let l = tails.partition_point(|&t| pairs[t as usize].1 < i);
        back[x as usize] = l.checked_sub(1).map_or(NONE, |p| tails[p]);
        if l == tails.len() {
            tails.push(x);
        } else {
            tails[l] = x;
        }
    }
    let mut chain = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied().unwrap_or(NONE);
    while at != NONE {
        chain.push(pairs[at as usize]);
        at = back[at as usize];
    }
    chain.reverse();
    chain
}

/// Common runs found by reading the copy once from the start: at each
/// packet the anchor is looked up among the sealed anchors, and of several
/// places (repeated content) the one that keeps the copy in step with the
/// last run is taken; a run is then extended as far as both sides agree,
/// forwards and back to the previous run.
pub fn greedy(sealed: &[u32], copy: &[u32]) -> Vec<Run> {
    let k = ANCHOR.min(sealed.len()).min(copy.len());
    let mut runs = Vec::new();
    if k == 0 {
        return runs;
    }
    if !fits(sealed) || !fits(copy) {
        return runs;
    }
    // Every sealed anchor's position, sorted by anchor then position: the
    // places of one anchor are a slice, ascending.
    let index = sorted_anchors(sealed, k);
    let at = |x: u32| key(&sealed[x as usize..x as usize + k]);
    let (mut next_sealed, mut next_copy) = (0usize, 0usize);
    let mut j = 0usize;
    while j + k <= copy.len() {
        let want = next_sealed + (j - next_copy);
        let want_key = key(&copy[j..j + k]);
        let lo = index.partition_point(|&x| at(x) < want_key);
        let hi = lo + index[lo..].partition_point(|&x| at(x) == want_key);
        let places = &index[lo..hi];
        let pick = Some(places).filter(|p| !p.is_empty()).and_then(|places| {
            // Places are ascending: the first at or after `next_sealed`,
            // and the nearest to `want` from there.
            let from = places.partition_point(|&i| (i as usize) < next_sealed);
            let at = places.partition_point(|&i| (i as usize) < want).max(from);
            [at.checked_sub(1), Some(at)]
                .into_iter()
                .flatten()
                .filter(|&x| x >= from && x < places.len())
                .map(|x| places[x] as usize)
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
        // Ten silent packets are gone; which ten cannot be told: the speech
        // after them anchors the copy, which is matched back through the
        // silence, so they are placed where the silence begins.
        assert_eq!(align(&s, &c), vec![run(10, 0, 90)]);
    }

    #[test]
    fn a_swap_keeps_order_on_both_sides() {
        // The two halves exchanged: only one of them can be in order.
        let mut c = seq(50..100);
        c.extend(0..50);
        let r = align(&seq(0..100), &c);
        assert_eq!(r, vec![run(0, 50, 50)]);
    }

    #[test]
    fn a_cut_inside_repeated_content_is_found_by_the_unique_content_after_it() {
        // Speech, 60 silent packets, speech; 30 silent packets cut and the
        // copy's clock made continuous: the unique speech after the silence
        // anchors it, so nothing after the cut is misplaced (which 30 of
        // the silent packets are gone cannot be told).
        let mut s: Vec<u32> = (0..40).collect();
        s.extend(std::iter::repeat_n(5, 60));
        s.extend(200..260);
        let mut c: Vec<u32> = (0..40).collect();
        c.extend(std::iter::repeat_n(5, 30));
        c.extend(200..260);
        assert_eq!(align(&s, &c), vec![run(0, 0, 70), run(100, 70, 60)]);
    }

    #[test]
    fn the_chain_is_the_longest_in_order() {
        let pairs = [(0, 5), (1, 1), (2, 2), (3, 9), (4, 3)];
        assert_eq!(increasing_chain(&pairs), vec![(1, 1), (2, 2), (4, 3)]);
    }

    #[test]
    fn short_sequences_use_a_shorter_anchor() {
        assert_eq!(align(&[1, 2], &[1, 2]), vec![run(0, 0, 2)]);
        assert_eq!(align(&[], &[1]), vec![]);
    }

    // The hash-map version this module had before its anchor tables were
    // sorted 32-bit positions (a tenth of the memory), and its chain of
    // machine-word pairs: the new one must give the very same runs.
    use std::collections::HashMap;

    fn ref_increasing_chain(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
        let mut tails: Vec<usize> = Vec::new();
        let mut back: Vec<Option<usize>> = vec![None; pairs.len()];
        for (x, &(_, i)) in pairs.iter().enumerate() {
            let l = tails.partition_point(|&t| pairs[t].1 < i);
            back[x] = l.checked_sub(1).map(|p| tails[p]);
            if l == tails.len() {
                tails.push(x);
            } else {
                tails[l] = x;
            }
        }
        let mut chain = Vec::with_capacity(tails.len());
        let mut at = tails.last().copied();
        while let Some(x) = at {
            chain.push(pairs[x]);
            at = back[x];
        }
        chain.reverse();
        chain
    }

    fn ref_align(sealed: &[u32], copy: &[u32]) -> Vec<Run> {
        let k = ANCHOR.min(sealed.len()).min(copy.len());
        if k == 0 {
            return Vec::new();
        }
        // Anchor -> (occurrences in sealed, position, occurrences in copy, position).
        let mut seen: HashMap<u128, (u32, usize, u32, usize)> = HashMap::new();
        for i in 0..=(sealed.len() - k) {
            let e = seen.entry(key(&sealed[i..i + k])).or_insert((0, i, 0, 0));
            e.0 += 1;
        }
        for j in 0..=(copy.len() - k) {
            if let Some(e) = seen.get_mut(&key(&copy[j..j + k])) {
                e.2 += 1;
                e.3 = j;
            }
        }
        let mut unique: Vec<(usize, usize)> = seen
            .values()
            .filter(|e| e.0 == 1 && e.2 == 1)
            .map(|e| (e.3, e.1))
            .collect();
        unique.sort_unstable();
        let chain = ref_increasing_chain(&unique);
        // Grow each anchor into a run, bounded by its neighbours.
        let mut skeleton: Vec<Run> = Vec::new();
        for &(j, i) in &chain {
            let (lo_s, lo_c) = skeleton
                .last()
                .map_or((0, 0), |r| (r.sealed + r.len, r.copy + r.len));
            if i < lo_s || j < lo_c {
                continue; // inside the previous run already
            }
            let (mut i0, mut j0) = (i, j);
            while i0 > lo_s && j0 > lo_c && sealed[i0 - 1] == copy[j0 - 1] {
                i0 -= 1;
                j0 -= 1;
            }
            let mut len = i - i0 + k;
            while i0 + len < sealed.len()
                && j0 + len < copy.len()
                && sealed[i0 + len] == copy[j0 + len]
            {
                len += 1;
            }
            skeleton.push(Run {
                sealed: i0,
                copy: j0,
                len,
            });
        }
        // Fill the gaps before, between and after the skeleton's runs.
        let mut runs = Vec::new();
        let (mut ps, mut pc) = (0usize, 0usize);
        for r in skeleton.iter().copied().chain(std::iter::once(Run {
            sealed: sealed.len(),
            copy: copy.len(),
            len: 0,
        })) {
            for g in ref_greedy(&sealed[ps..r.sealed], &copy[pc..r.copy]) {
                runs.push(Run {
                    sealed: g.sealed + ps,
                    copy: g.copy + pc,
                    len: g.len,
                });
            }
            if r.len > 0 {
                runs.push(r);
            }
            ps = r.sealed + r.len;
            pc = r.copy + r.len;
        }
        runs
    }

    fn ref_greedy(sealed: &[u32], copy: &[u32]) -> Vec<Run> {
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
            while i + len < sealed.len()
                && jj + len < copy.len()
                && sealed[i + len] == copy[jj + len]
            {
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

    #[test]
    fn the_sorted_tables_give_the_same_runs_as_the_hash_maps_did() {
        // Seeded sequences of few distinct values (repeats, as silence
        // makes) and of many, edited by cuts, insertions, swaps and
        // repeats.
        let mut state: u64 = 42;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        for case in 0..400 {
            let alphabet = [3, 8, 50, 100_000][case % 4];
            let n = 1 + next(400) as usize;
            let sealed: Vec<u32> = (0..n).map(|_| next(alphabet) as u32).collect();
            let mut copy = sealed.clone();
            for _ in 0..next(4) {
                let at = next(copy.len() as u64 + 1) as usize;
                match next(4) {
                    0 => {
                        let len = (next(30) as usize).min(copy.len() - at);
                        copy.drain(at..at + len);
                    }
                    1 => {
                        let ins: Vec<u32> = (0..next(20)).map(|_| next(alphabet) as u32).collect();
                        copy.splice(at..at, ins);
                    }
                    2 if copy.len() > 2 => {
                        let b = next(copy.len() as u64) as usize;
                        let a = at.min(copy.len() - 1);
                        copy.swap(a, b);
                    }
                    _ => {
                        let len = (next(10) as usize).min(copy.len() - at);
                        let rep: Vec<u32> = copy[at..at + len].to_vec();
                        copy.splice(at..at, rep);
                    }
                }
            }
            assert_eq!(
                align(&sealed, &copy),
                ref_align(&sealed, &copy),
                "case {case}"
            );
            assert_eq!(
                greedy(&sealed, &copy),
                ref_greedy(&sealed, &copy),
                "case {case}"
            );
        }
    }
}
