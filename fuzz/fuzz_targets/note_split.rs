//! `note::split` on arbitrary bytes: no panic, and whatever splits must be
//! rebuilt byte for byte from its parts (text, then a blank line, then one
//! `— name base64(keyID || sig)` line per signature).
#![no_main]

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use courtseal::note::{self, MAX_SIGNATURES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((text, sigs)) = note::split(data) else {
        return;
    };
    assert!(text.ends_with('\n'), "text without its final newline");
    assert!(!sigs.is_empty() && sigs.len() <= MAX_SIGNATURES);
    let mut rebuilt = text.clone();
    rebuilt.push('\n');
    for s in &sigs {
        note::check_key_name(&s.name).expect("split accepted a bad key name");
        assert!(!s.sig.is_empty(), "empty signature accepted");
        let mut raw = s.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&s.sig);
        rebuilt.push_str(&format!("\u{2014} {} {}\n", s.name, B64.encode(raw)));
    }
    assert_eq!(rebuilt.as_bytes(), data, "split is not lossless");
    assert_eq!(note::split(rebuilt.as_bytes()).unwrap(), (text, sigs));
});
