//! `Log::parse` on arbitrary bytes, then `.tree()`, `.header()` and
//! `.segments()`: no panic; the lines and torn tail rebuild the input; every
//! line's entry is `Entry::parse` of its bytes; and the tree agrees with a
//! naive RFC 6962 implementation (roots of every prefix, inclusion and
//! consistency proofs that verify).
#![no_main]

mod common;

use courtseal::entry::Entry;
use courtseal::session::Log;
use courtseal::tlog;
use libfuzzer_sys::fuzz_target;

/// Above this many lines the proof checks are skipped (they hash a lot).
const PROOF_CHECK_MAX: usize = 16;

fuzz_target!(|data: &[u8]| {
    let log = Log::parse(data);

    let mut rebuilt = Vec::new();
    for (i, l) in log.lines.iter().enumerate() {
        assert_eq!(l.number, i + 1);
        assert!(!l.bytes.contains(&b'\n'));
        assert_eq!(l.entry, Entry::parse(&l.bytes));
        rebuilt.extend_from_slice(&l.bytes);
        rebuilt.push(b'\n');
    }
    if let Some(t) = &log.torn_tail {
        assert!(!t.is_empty() && !t.contains(&b'\n'));
        rebuilt.extend_from_slice(t);
    }
    assert_eq!(rebuilt, data, "lines + torn tail do not rebuild the input");

    match (log.header(), log.lines.first().map(|l| &l.entry)) {
        (Some(h), Some(Ok(Entry::Session(h2)))) => assert_eq!(h, h2),
        (None, Some(Ok(Entry::Session(_)))) => panic!("header() missed a session line"),
        (Some(_), _) => panic!("header() from a non-session line"),
        _ => {}
    }
    let segs: Vec<usize> = log.segments().map(|(n, _)| n).collect();
    let expected: Vec<usize> = log
        .lines
        .iter()
        .filter(|l| matches!(l.entry, Ok(Entry::Segment(_))))
        .map(|l| l.number)
        .collect();
    assert_eq!(segs, expected);

    let tree = log.tree();
    let n = log.lines.len();
    assert_eq!(tree.size(), n as u64);
    let leaves: Vec<tlog::Hash> = log.lines.iter().map(|l| tlog::leaf_hash(&l.bytes)).collect();
    assert_eq!(tree.leaves(), &leaves[..]);
    let root = common::naive_mth(&leaves);
    assert_eq!(tree.root(), root, "rs_merkle root differs from RFC 6962 MTH");
    assert_eq!(tree.root_at(n as u64), Some(root));
    assert_eq!(tree.root_at(n as u64 + 1), None);
    if n > PROOF_CHECK_MAX {
        return;
    }
    let roots: Vec<tlog::Hash> = (0..=n).map(|k| common::naive_mth(&leaves[..k])).collect();
    for size in 0..=n {
        let r = roots[size];
        assert_eq!(tree.root_at(size as u64), Some(r));
        // Every proof at the full size; the first and last ones below it.
        let picks = |k: usize| -> Vec<usize> {
            if size == n {
                (0..k).collect()
            } else {
                [0, k.saturating_sub(1)].into_iter().filter(|&i| i < k).collect()
            }
        };
        for i in picks(size) {
            let p = tree
                .inclusion_proof(i as u64, size as u64)
                .expect("inclusion proof in range");
            tlog::verify_inclusion(i as u64, size as u64, &leaves[i], &p, &r)
                .expect("a generated inclusion proof does not verify");
        }
        assert_eq!(tree.inclusion_proof(size as u64, size as u64), None);
        for m in picks(size).into_iter().map(|m| m + 1) {
            let p = tree
                .consistency_proof(m as u64, size as u64)
                .expect("consistency proof in range");
            tlog::verify_consistency(m as u64, size as u64, &roots[m], &r, &p)
                .expect("a generated consistency proof does not verify");
        }
    }
});
