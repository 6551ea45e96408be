//! `TrustStore::load` through a scratch file: the first input byte picks the
//! file name (a trust file, a `.vkey`, a `.pub` or a mode-0600 `.key`), the
//! rest is the file's content. No panic; a load that succeeds is idempotent
//! (loading the same file again adds nothing), a `.vkey`/`.pub` adds exactly
//! one recorder key, and every trusted key prints as a parsable vkey.
#![no_main]

mod common;

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;

use courtseal::keys::{Role, TrustStore};
use courtseal::note::Verifier;
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "trusted-keys",
    "trust.txt",
    "court.vkey",
    "court.pub",
    "demo-recorder.key",
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, content)) = data.split_first() else {
        return;
    };
    let name = NAMES[sel as usize % NAMES.len()];
    let path = common::scratch_dir().join(name);
    let _ = fs::remove_file(&path);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .expect("create scratch file");
    f.write_all(content).expect("write scratch file");
    drop(f);

    let mut store = TrustStore::new();
    let res = store.load(&path);
    if res.is_ok() {
        let first: Vec<(Role, Verifier)> = store.entries().to_vec();
        let single = name.ends_with(".vkey") || name.ends_with(".pub");
        if single {
            assert_eq!(first.len(), 1);
            assert_eq!(first[0].0, Role::Recorder);
        }
        for (_, v) in &first {
            assert_eq!(&Verifier::from_vkey(&v.to_vkey()).unwrap(), v);
        }
        store.load(&path).expect("second load of the same file fails");
        assert_eq!(store.entries(), &first[..], "reloading changed the store");
    }
    let _ = fs::remove_file(&path);
});
