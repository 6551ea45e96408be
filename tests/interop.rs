//! Interoperability: files courtseal writes are accepted by an independent
//! verifier written from the specifications alone (tests/interop/c2sp_verify.py,
//! Python + `cryptography`), and tampered ones are refused by it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn courtseal() -> Command {
    Command::new(env!("CARGO_BIN_EXE_courtseal"))
}

fn python_verifier(args: &[&Path]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/c2sp_verify.py");
    let out = Command::new("python3").arg(script).args(args).output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            panic!("python3 is needed for the interoperability test (run scripts/setup.sh): {e}")
        }
    };
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !text.contains("ModuleNotFoundError"),
        "the Python package cryptography is needed (run scripts/setup.sh): {text}"
    );
    (out.status.success(), text)
}

/// A sealed copy of the sample session plus a private key copy with mode 0600.
fn sealed_sample() -> (tempfile::TempDir, PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt as _;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("session");
    std::fs::create_dir(&session).unwrap();
    for e in std::fs::read_dir(root.join("samples/session-2026-11-20-courtroom5")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), session.join(e.file_name())).unwrap();
    }
    let key = tmp.path().join("demo-recorder.key");
    std::fs::copy(root.join("keys/demo-recorder.key"), &key).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let st = courtseal()
        .args(["seal", "--origin", "court.example/interop"])
        .arg(&session)
        .arg("--key")
        .arg(&key)
        .status()
        .unwrap();
    assert!(st.success());
    (tmp, session, root.join("keys/demo-recorder.vkey"))
}

#[test]
fn independent_verifier_accepts_a_sealed_log_and_its_checkpoints() {
    let (_tmp, session, vkey) = sealed_sample();
    std::fs::write(session.join("late.m4a"), b"appended later").unwrap();
    let key = session.parent().unwrap().join("demo-recorder.key");
    assert!(courtseal()
        .arg("seal")
        .arg(&session)
        .arg("--key")
        .arg(&key)
        .status()
        .unwrap()
        .success());
    let (ok, out) = python_verifier(&[Path::new("log"), &vkey, &session]);
    assert!(ok, "{out}");
    assert_eq!(
        out.trim(),
        "OK 6 entries, 3 checkpoints, origin court.example/interop"
    );
}

#[test]
fn independent_verifier_accepts_a_tlog_proof_and_refuses_a_changed_file() {
    let (tmp, session, vkey) = sealed_sample();
    let proof = tmp.path().join("seg-0003.mp4.tlog-proof");
    let st = courtseal()
        .arg("proof")
        .arg(&session)
        .arg("seg-0003.mp4")
        .arg("--trust")
        .arg(&vkey)
        .arg("-o")
        .arg(&proof)
        .status()
        .unwrap();
    assert!(st.success());
    let media = session.join("seg-0003.mp4");
    let (ok, out) = python_verifier(&[Path::new("proof"), &vkey, &proof, &media]);
    assert!(ok, "{out}");
    assert_eq!(
        out.trim(),
        "OK seg-0003.mp4 is entry 3 of 5 in court.example/interop"
    );

    let mut bytes = std::fs::read(&media).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let changed = tmp.path().join("changed.mp4");
    std::fs::write(&changed, bytes).unwrap();
    let (ok, out) = python_verifier(&[Path::new("proof"), &vkey, &proof, &changed]);
    assert!(!ok);
    assert_eq!(out.trim(), "FAIL: file does not match the sealed entry");
}

#[test]
fn independent_verifier_refuses_a_log_line_changed_after_sealing() {
    let (_tmp, session, vkey) = sealed_sample();
    let log = session.join("courtseal/log.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replacen("\"seq\":2", "\"seq\":9", 1)).unwrap();
    let (ok, out) = python_verifier(&[Path::new("log"), &vkey, &session]);
    assert!(!ok);
    assert!(
        out.starts_with("FAIL: ") && out.contains("does not hash to its signed root"),
        "{out}"
    );
}
