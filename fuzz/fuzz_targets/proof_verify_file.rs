//! `proof::verify_file` with a fuzzed proof file (through a scratch file) and
//! a fixed media file (no packet-window sidecar): no panic, and a report that claims a signer or a tree
//! size only does so for a proof that parses.
#![no_main]

mod common;

use std::fs;

use courtseal::keys::{Role, TrustStore};
use courtseal::proof::{self, TlogProof};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = common::scratch_dir();
    let media = dir.join("seg-0001.m4a");
    if !media.exists() {
        fs::write(&media, b"not really audio\n").expect("write media");
    }
    let proof_path = dir.join("seg-0001.m4a.tlog-proof");
    fs::write(&proof_path, data).expect("write proof");
    let mut trust = TrustStore::new();
    for v in common::trusted() {
        trust.add(Role::Recorder, v.clone());
    }
    let r = proof::verify_file(&media, &proof_path, &trust, Some("fuzz.example/seed"), None)
        .expect("the scratch files are readable");
    let parsed = TlogProof::parse(data).is_ok();
    if !parsed {
        assert!(r.signed_by.is_empty() && r.tree_size.is_none() && r.entry.is_none());
        assert!(r.findings.iter().any(|f| f.code == "proof.malformed"));
    }
});
