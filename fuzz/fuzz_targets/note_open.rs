//! `note::open` against a fixed trusted set, plus a sign/open round trip of
//! the input used as a note text.
#![no_main]

mod common;

use courtseal::checkpoint::Checkpoint;
use courtseal::note::{self, NoteError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let trusted = common::trusted();
    let split = note::split(data);
    match note::open(data, trusted) {
        Ok(o) => {
            let (text, sigs) = split.expect("open accepted what split refuses");
            assert_eq!(o.text, text);
            assert!(!o.verified.is_empty());
            let is_trusted = |name: &str, id: u32| {
                trusted
                    .iter()
                    .find(|v| v.name() == name && v.key_id() == id)
            };
            // Every signature by a trusted key verifies; the others are
            // returned as unverified.
            let mut n_untrusted = 0;
            for s in &sigs {
                match is_trusted(&s.name, s.key_id) {
                    Some(v) => {
                        assert!(v.verify(text.as_bytes(), &s.sig), "bad trusted sig accepted");
                        assert!(o.verified.contains(v));
                    }
                    None => n_untrusted += 1,
                }
            }
            assert_eq!(o.unverified.len(), n_untrusted);
            for v in &o.verified {
                assert!(trusted.contains(v));
            }
            for u in &o.unverified {
                assert!(is_trusted(&u.name, u.key_id).is_none());
            }
            if let Ok(cp) = Checkpoint::parse(&o.text) {
                assert_eq!(cp.to_text(), o.text);
            }
        }
        Err(e) => match split {
            Err(se) => assert_eq!(e, se),
            Ok(_) => assert!(
                matches!(e, NoteError::BadSignature { .. } | NoteError::NoTrustedSignature),
                "unexpected error after a clean split: {e:?}"
            ),
        },
    }

    // Sign the input as a text; whatever `sign` accepts must open again.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let signer = common::signer();
    if let Ok(signed) = signer.sign(text) {
        let mut keys = trusted.to_vec();
        keys.push(signer.verifier().clone());
        let o = note::open(signed.as_bytes(), &keys).expect("a freshly signed note does not open");
        assert_eq!(o.text, text);
        assert_eq!(o.verified, vec![signer.verifier().clone()]);
        assert!(o.unverified.is_empty());
        // Without the signer's key the note is untrusted, not malformed.
        assert_eq!(
            note::open(signed.as_bytes(), trusted).unwrap_err(),
            NoteError::NoTrustedSignature
        );
    }
});
