//! Helpers shared by the fuzz targets (not a target itself).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use courtseal::note::{NoteSigner, Verifier};
use courtseal::tlog::{self, Hash};

/// Verifier keys the targets trust: the C2SP examples, the Go checksum
/// database and the demo recorder (all keys that signed a seed).
pub const TRUSTED_VKEYS: &[&str] = &[
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
    "demo-recorder+718ea680+AdQm4BXH/1pA+G2HV+4hmbdzrR1arIXyaZSLqKXeCJBI",
];

/// The fixed trusted verifier set, parsed once.
pub fn trusted() -> &'static [Verifier] {
    static T: OnceLock<Vec<Verifier>> = OnceLock::new();
    T.get_or_init(|| {
        TRUSTED_VKEYS
            .iter()
            .map(|v| Verifier::from_vkey(v).expect("fixed trusted vkey parses"))
            .collect()
    })
}

/// A fixed signer, to sign fuzzed texts and check that they open again.
pub fn signer() -> &'static NoteSigner {
    static S: OnceLock<NoteSigner> = OnceLock::new();
    S.get_or_init(|| {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        NoteSigner::new("fuzz.example/signer", key).expect("fixed key name is valid")
    })
}

/// A private scratch directory for targets that must go through a file
/// (one per process, on tmpfs when there is one).
pub fn scratch_dir() -> &'static PathBuf {
    static D: OnceLock<PathBuf> = OnceLock::new();
    D.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        // Remove what earlier, finished runs left behind (libFuzzer exits
        // without running destructors).
        if let Ok(rd) = std::fs::read_dir(&base) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix("courtseal-fuzz-") {
                    if !std::path::Path::new("/proc").join(pid).exists() {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
        }
        let d = base.join(format!("courtseal-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("create scratch dir");
        d
    })
}

/// Independent, naive RFC 6962 `MTH` over leaf hashes (differential oracle
/// for `tlog::Tree`, which uses `rs_merkle`).
pub fn naive_mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => tlog::EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            tlog::node_hash(&naive_mth(&leaves[..k]), &naive_mth(&leaves[k..]))
        }
    }
}
