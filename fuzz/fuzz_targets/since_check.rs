//! `verify --since`: the input is the file a party gives (a checkpoint, a
//! tlog-proof or a proof bundle), checked against the seed session's log
//! with the demo recorder trusted. No panic; "consistent" exactly when no
//! finding was made, and then the log's first SIZE entries hash to the
//! root the file states.
#![no_main]

mod common;

use courtseal::keys::{Role, TrustStore};
use courtseal::log::Log;
use courtseal::verify::since::check_since;
use libfuzzer_sys::fuzz_target;

static LOG: &[u8] = include_bytes!("../seeds/log_parse/log.jsonl");

fuzz_target!(|data: &[u8]| {
    let log = Log::parse(LOG);
    let mut trust = TrustStore::new();
    for v in common::trusted() {
        trust.add(Role::Recorder, v.clone());
    }
    let (st, findings) = check_since("given", data, Some(&log), &trust);
    assert_eq!(st.consistent, findings.is_empty(), "{findings:?}");
    for f in &findings {
        assert_eq!(f.location, "given");
    }
    if st.consistent {
        let size = st.size.expect("a consistent checkpoint has a size");
        let tree = log.tree();
        let root = tree.root_at(size).expect("within the log");
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, root);
        assert_eq!(st.root.as_deref(), Some(b64.as_str()));
        assert!(!st.signed_by.is_empty());
    }
    // Without a log nothing is compared, and nothing is wrong but the file.
    let (st2, _) = check_since("given", data, None, &trust);
    assert!(!st2.consistent);
});
