//! `Verifier::from_vkey` on arbitrary text: no panic; what parses prints back
//! as the same text (key ID in lowercase) and parses to the same verifier;
//! and (oracle) any `name+id+key` with a valid name, a valid Ed25519 point and
//! the right key ID is accepted.
#![no_main]

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use courtseal::note::{self, Verifier};
use ed25519_dalek::VerifyingKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let fields: Vec<&str> = s.splitn(3, '+').collect();
    if let Ok(v) = Verifier::from_vkey(s) {
        assert_eq!(fields.len(), 3);
        assert_eq!(v.name(), fields[0]);
        let expected = format!("{}+{}+{}", fields[0], fields[1].to_ascii_lowercase(), fields[2]);
        assert_eq!(v.to_vkey(), expected, "to_vkey does not give back the input");
        assert_eq!(Verifier::from_vkey(&v.to_vkey()).unwrap(), v);
        assert_eq!(note::key_id(v.name(), v.key()), v.key_id());
        // Arbitrary signatures over arbitrary messages must not panic.
        let _ = v.verify(data, data);
        let _ = v.verify(data, &[0u8; 64]);
    }

    // Oracle: rewrite the key ID to the correct one and expect acceptance.
    if fields.len() == 3 && note::check_key_name(fields[0]).is_ok() {
        let Ok(raw) = B64.decode(fields[2]) else {
            return;
        };
        if raw.len() != 33 || raw[0] != note::ALG_ED25519 {
            return;
        }
        let Ok(key) = VerifyingKey::from_bytes(raw[1..].try_into().unwrap()) else {
            return;
        };
        let id = note::key_id(fields[0], &key);
        let fixed = format!("{}+{id:08x}+{}", fields[0], fields[2]);
        let v = Verifier::from_vkey(&fixed).expect("a well-formed vkey is refused");
        assert_eq!(v.key(), &key);
        assert_eq!(v.to_vkey(), fixed);
        let upper = format!("{}+{id:08X}+{}", fields[0], fields[2]);
        assert_eq!(Verifier::from_vkey(&upper).unwrap(), v);
    }
});
