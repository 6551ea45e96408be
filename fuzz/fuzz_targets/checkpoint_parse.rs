//! `Checkpoint::parse` on arbitrary text (and on the text of anything that
//! splits as a note): no panic, and to_text(parse(t)) == t exactly, so
//! parse(to_text(cp)) == cp. Also Checkpoint::new(origin, ..) round-trips.
#![no_main]

use courtseal::checkpoint::Checkpoint;
use courtseal::note;
use courtseal::tlog;
use libfuzzer_sys::fuzz_target;

fn check(text: &str) {
    if let Ok(cp) = Checkpoint::parse(text) {
        assert!(!cp.origin.is_empty() && !cp.origin.contains('\n'));
        let t = cp.to_text();
        assert_eq!(t, text, "checkpoint text does not round-trip");
        assert_eq!(Checkpoint::parse(&t).unwrap(), cp);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    check(s);
    if let Ok((text, _)) = note::split(data) {
        check(&text);
    }
    // A checkpoint built from any non-empty one-line origin parses back.
    let origin = s.split('\n').next().unwrap_or("");
    if !origin.is_empty() {
        let size = u64::from_le_bytes(tlog::leaf_hash(data)[..8].try_into().unwrap());
        let cp = Checkpoint::new(origin, size, tlog::leaf_hash(data));
        assert_eq!(Checkpoint::parse(&cp.to_text()).unwrap(), cp);
    }
});
