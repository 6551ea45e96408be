//! Cosigned checkpoints (`courtseal/cosigned/SIZE.note`, C2SP
//! `cosignature/v1`): every signature line of the input note checked as a
//! cosignature of a fixed witness. No panic; a line the fixed witness did
//! not make never checks valid; a line it makes over the input's text
//! always does, with its time, and fails on any other text.
#![no_main]

use courtseal::note::{self, Cosignature, CosignatureCheck, CosignatureSigner};
use libfuzzer_sys::fuzz_target;

fn witness() -> &'static CosignatureSigner {
    static W: std::sync::OnceLock<CosignatureSigner> = std::sync::OnceLock::new();
    W.get_or_init(|| {
        CosignatureSigner::new(
            "witness.example/fuzz",
            ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]),
        )
        .expect("fixed witness name is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    let w = witness();
    let v = w.verifier();
    // The vkey form round-trips; a fuzzed vkey never panics.
    assert_eq!(
        note::CosignatureVerifier::from_vkey(&v.to_vkey()).expect("own vkey parses"),
        *v
    );
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(parsed) = note::CosignatureVerifier::from_vkey(s) {
            assert_eq!(parsed.to_vkey(), s, "a parsed vkey prints differently");
        }
    }
    let Ok((text, sigs)) = note::split(data) else {
        return;
    };
    for s in &sigs {
        let c = Cosignature::from_note_signature(s);
        match v.check(&text, s) {
            CosignatureCheck::NotOurs => {
                assert!(s.name != v.name() || s.key_id != v.key_id())
            }
            // Nobody but the fixed key can make a valid line: a fuzzer that
            // finds one has forged Ed25519.
            CosignatureCheck::Valid(t) => {
                let c = c.expect("a valid line reads as a cosignature");
                assert_eq!(c.time, t);
                // Ed25519 signs deterministically: the witness's own line
                // over this text and time is this very signature.
                let own = format!("{text}\n{}", w.cosignature_line(&text, t));
                let (_, own_sigs) = note::split(own.as_bytes()).expect("own line splits");
                assert_eq!(own_sigs[0].sig, s.sig, "a valid line the witness did not make");
            }
            CosignatureCheck::Invalid(_) => {}
        }
    }
    // A line the witness makes over this text checks, with its time; over
    // another text it does not.
    let time = data.len() as u64 * 1_000_003;
    let line = w.cosignature_line(&text, time);
    let note_text = format!("{text}\n{line}");
    let (t2, s2) = note::split(note_text.as_bytes()).expect("a cosigned note splits");
    assert_eq!(t2, text);
    let last = s2.last().expect("the line is there");
    assert_eq!(v.check(&text, last), CosignatureCheck::Valid(time));
    let other = format!("{text}x\n");
    assert!(matches!(v.check(&other, last), CosignatureCheck::Invalid(_)));
});
