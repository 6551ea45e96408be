//! `record::parse` (the short-form record, TOML or JSON, written by other
//! tools and courts) on arbitrary text: no panic; every error names a
//! field; a record that parses is consistent (end after start, breaks and
//! failures inside the session and in order).
#![no_main]

use courtseal::record;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match record::parse(text) {
        Ok(r) => {
            assert!(r.end > r.start);
            for b in &r.breaks {
                assert!(b.from < b.to && b.from >= r.start && b.to <= r.end);
            }
            let mut bs: Vec<_> = r.breaks.iter().collect();
            bs.sort_by_key(|b| b.from);
            for w in bs.windows(2) {
                assert!(w[1].from >= w[0].to, "overlapping breaks accepted");
            }
        }
        Err(errs) => {
            assert!(!errs.is_empty());
            for e in errs {
                assert!(!e.field.is_empty() && !e.message.is_empty());
            }
        }
    }
});
