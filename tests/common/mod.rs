//! Helpers shared by the integration tests: the repository's demo keys and
//! sample session copied into a test's own folder, and running the binary.
#![allow(dead_code)] // each test file uses its own subset

pub mod tsa;
pub mod witness_server;

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The sample session, relative to the repository.
pub const SAMPLE: &str = "samples/session-2026-11-20-courtroom5";

/// A path in the repository.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Copies the demo key `keys/NAME.key` into `dir` under the same name (the
/// name is the key's identity) with mode 0600, which git does not keep.
pub fn demo_key(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(format!("{name}.key"));
    fs::copy(repo(&format!("keys/{name}.key")), &key).unwrap();
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    key
}

/// The verifier key line of demo key NAME.
pub fn vkey(name: &str) -> String {
    fs::read_to_string(repo(&format!("keys/{name}.vkey")))
        .unwrap()
        .trim()
        .to_owned()
}

/// Copies the sample session's files into `dst` (created), leaving out `without`.
pub fn copy_sample(dst: &Path, without: &[&str]) {
    fs::create_dir_all(dst).unwrap();
    for e in fs::read_dir(repo(SAMPLE)).unwrap() {
        let e = e.unwrap();
        let n = e.file_name().to_string_lossy().into_owned();
        if !without.contains(&n.as_str()) {
            fs::copy(e.path(), dst.join(&n)).unwrap();
        }
    }
}

/// One file of the sample session.
pub fn sample(name: &str) -> Vec<u8> {
    fs::read(repo(SAMPLE).join(name)).unwrap()
}

/// Runs courtseal in `dir` with `CI=true`: (exit code, stdout, stderr). It
/// must never panic, whatever the input.
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_courtseal"))
        .current_dir(dir)
        .args(args)
        .env("CI", "true")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        err,
    )
}

/// Runs the ffmpeg tool in `dir` (quiet, overwriting): test media and the
/// tampered copies a forger would make. Panics with ffmpeg's own message.
pub fn ffmpeg(dir: &Path, args: &[&str]) {
    let o = Command::new("ffmpeg")
        .current_dir(dir)
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .expect("the ffmpeg tool is needed to make test media (run scripts/setup.sh)");
    assert!(
        o.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The insider's backdating, done as the secretary and then the recorder
/// key holder would: `event SESSION break --at STATED --force` entered with
/// the demo secretary key from `cwd`, then the new event's `sealed_at`
/// moved to a second after `stated` and the log's checkpoint signed again
/// with the demo recorder key under `origin`. Returns the event's line
/// number in the log. The court's own material then shows nothing wrong;
/// only outside evidence (a token, a cosignature) can.
pub fn enter_backdated_event(
    cwd: &Path,
    session: &Path,
    origin: &str,
    stated: time::OffsetDateTime,
) -> usize {
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let stated_text = stated.format(rfc3339).unwrap();
    let (code, _, err) = run(
        cwd,
        &[
            "event",
            session.to_str().unwrap(),
            "break",
            "--reason",
            "recess",
            "--at",
            &stated_text,
            "--force",
            "--key",
            "demo-secretary.key",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let paths = courtseal::session::SessionPaths::new(session);
    let mut lines: Vec<String> = fs::read_to_string(&paths.log)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let last = lines.len() - 1;
    let v: serde_json::Value = serde_json::from_str(&lines[last]).unwrap();
    assert_eq!(v["kind"], "event", "{}", lines[last]);
    let old = v["sealed_at"].as_str().unwrap().to_owned();
    let forged = (stated + time::Duration::seconds(1))
        .to_offset(time::UtcOffset::UTC)
        .format(rfc3339)
        .unwrap();
    lines[last] = lines[last].replace(
        &format!(r#""sealed_at":"{old}""#),
        &format!(r#""sealed_at":"{forged}""#),
    );
    fs::write(&paths.log, lines.join("\n") + "\n").unwrap();
    let signer = courtseal::keys::load_signer(&cwd.join("demo-recorder.key")).unwrap();
    let log = courtseal::log::Log::read(&paths.log).unwrap();
    let tree = log.tree();
    let cp = courtseal::checkpoint::Checkpoint::new(origin, tree.size(), tree.root());
    let _ = fs::remove_file(paths.checkpoint_at(tree.size()));
    courtseal::session::write_checkpoint(&paths, &signer, &cp).unwrap();
    last + 1
}

/// `courtseal seal SESSION --key demo-recorder.key --origin ORIGIN EXTRA…`
/// run from `cwd` (which holds the demo key), which must succeed.
pub fn seal_as_recorder(cwd: &Path, session: &str, origin: &str, extra: &[&str]) {
    let mut args = vec![
        "seal",
        session,
        "--key",
        "demo-recorder.key",
        "--origin",
        origin,
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = run(cwd, &args);
    assert_eq!(code, 0, "seal {session}: {out}{err}");
}

/// The demo recorder's verifier key file, by its path in the repository
/// (for `--trust` where a test has no trust file of its own).
pub fn recorder_vkey_file() -> String {
    repo("keys/demo-recorder.vkey").to_str().unwrap().to_owned()
}
