//! `TlogProof::parse` on arbitrary bytes: no panic; to_text(parse(b)) == b
//! exactly and parse(to_text(p)) == p; then the steps `verify-file` takes on a
//! parsed proof (open the checkpoint, parse it, parse the entry, check the
//! inclusion proof) must not panic either.
#![no_main]

mod common;

use courtseal::checkpoint::Checkpoint;
use courtseal::entry::Entry;
use courtseal::note;
use courtseal::proof::TlogProof;
use courtseal::tlog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = TlogProof::parse(data) else {
        return;
    };
    assert!(!p.checkpoint.is_empty());
    let t = p.to_text();
    assert_eq!(t, data, "proof text does not round-trip");
    assert_eq!(TlogProof::parse(&t).unwrap(), p);

    let leaf = match &p.extra {
        Some(e) => {
            let _ = Entry::parse(e);
            tlog::leaf_hash(e)
        }
        None => [0u8; 32],
    };
    let _ = note::open(&p.checkpoint, common::trusted());
    // Check the inclusion proof against the checkpoint body whether or not
    // it is signed, to reach verify_inclusion with fuzzed sizes and paths.
    if let Ok((text, _)) = note::split(&p.checkpoint) {
        if let Ok(cp) = Checkpoint::parse(&text) {
            let _ = tlog::verify_inclusion(p.index, cp.size, &leaf, &p.path, &cp.root);
        }
    }
});
