//! `windows::parse` (the packet-window sidecar a verifier reads next to a
//! proof) on arbitrary bytes: no panic; what parses satisfies the checks the
//! parser promises (known stream, packets in range, count > 0, a SHA-256
//! hash), re-serialises with `windows::to_bytes` into something that parses
//! back to the same windows (floats aside: serde_json need not round-trip
//! them bit for bit), and `windows::reference` counts its lines.
#![no_main]

use courtseal::digest::Sha256Digest;
use courtseal::windows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sc) = windows::parse(data) else {
        return;
    };
    let h = &sc.header;
    assert_eq!(h.kind, "windows");
    assert!(h.seconds.is_finite() && h.seconds > 0.0);
    for w in &sc.windows {
        let st = h.streams.get(w.s).expect("window for an unknown stream");
        assert!(w.count > 0);
        assert!(w.first.checked_add(w.count).is_some_and(|e| e <= st.packets));
        w.sha256.parse::<Sha256Digest>().expect("bad window hash accepted");
    }
    let bytes = windows::to_bytes(h, &sc.windows);
    let again = windows::parse(&bytes).expect("re-serialised sidecar does not parse");
    assert_eq!(again.header.streams, h.streams);
    assert_eq!(again.windows.len(), sc.windows.len());
    for (a, b) in sc.windows.iter().zip(&again.windows) {
        assert_eq!((a.w, a.s, a.first, a.count, &a.sha256), (b.w, b.s, b.first, b.count, &b.sha256));
    }
    let r = windows::reference(data, "w.jsonl", h.seconds);
    assert_eq!(r.lines, 1 + sc.windows.len() as u64);
    assert_eq!(r.sha256, Sha256Digest::of(data).to_hex());
});
