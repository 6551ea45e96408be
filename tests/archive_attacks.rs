//! Honest material is not called tampering, bytes and content are never
//! confused, export vouches only for what verifies, bags verify as bags,
//! archives are audited whole and a series follows only verified links:
//! each test builds the material at test time the way an insider, a copy
//! portal or an operating system would, and checks the exact findings.

mod common;

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use common::{copy_sample, demo_key, run, vkey};
use courtseal::checkpoint::Checkpoint;
use courtseal::digest::Sha256Digest;
use courtseal::entry::{self, SegmentEntry, VERSION};
use courtseal::session::{self, Log, SessionPaths};
use serde_json::Value;

const ORIGIN: &str = "court.example/district2/courtroom5/2026-11-20";

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fx {
    /// The demo keys, and a trust file with the recorder, the secretary as
    /// operator and a fresh archivist.
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        demo_key(&dir, "demo-recorder");
        demo_key(&dir, "demo-secretary");
        let fx = Fx { _tmp: tmp, dir };
        let (code, _, err) = fx.cs(&["keys", "generate", "--name", "archivist", "--out", "."]);
        assert_eq!(code, 0, "{err}");
        let trust = format!(
            "recorder {}\noperator {}\narchivist {}\n",
            vkey("demo-recorder"),
            vkey("demo-secretary"),
            fs::read_to_string(fx.p("archivist.vkey")).unwrap().trim()
        );
        fs::write(fx.p("trust.txt"), trust).unwrap();
        fs::write(fx.p("recorder.vkey"), vkey("demo-recorder") + "\n").unwrap();
        fx
    }

    /// A copy of the sample session at `rel`, sealed.
    fn sealed(&self, rel: &str) {
        copy_sample(&self.p(rel), &[]);
        self.seal(rel, ORIGIN);
    }

    fn seal(&self, rel: &str, origin: &str) {
        let (code, _, err) = self.cs(&[
            "seal",
            rel,
            "--key",
            "demo-recorder.key",
            "--origin",
            origin,
            "--no-silence",
        ]);
        assert_eq!(code, 0, "{err}");
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        run(&self.dir, args)
    }

    /// `verify --json` with extra arguments: (exit code, JSON).
    fn verify(&self, target: &str, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["verify", target, "--json"];
        args.extend_from_slice(extra);
        if !extra.contains(&"--trust") {
            args.extend(["--trust", "trust.txt"]);
        }
        let (code, out, err) = self.cs(&args);
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    fn ffmpeg(&self, args: &[&str]) {
        common::ffmpeg(&self.dir, args);
    }

    fn audit(&self, archive: &str, extra: &[&str]) -> (i32, Value, String) {
        let mut args = vec![
            "audit",
            archive,
            "--trust",
            "trust.txt",
            "--today",
            "2026-11-25",
            "--json",
            "--state",
            "state.jsonl",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = self.cs(&args);
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap(), err)
    }
}

/// (code, severity, location) of every finding, sorted.
fn rows(findings: &Value) -> Vec<(String, String, String)> {
    let mut r: Vec<(String, String, String)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    r.sort();
    r
}

fn row(code: &str, severity: &str, location: &str) -> (String, String, String) {
    (code.into(), severity.into(), location.into())
}

fn state_of(v: &Value, name: &str) -> String {
    v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .map(|s| s["state"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no segment {name} in {v}"))
}

// ---- 12. Honest material is not called tampering ----

/// A copy opened on Windows and macOS and edited once: the thumbnail
/// cache, folder settings, Finder files and an editor's backups are
/// reported apart, as not part of the evidence, never as "added after
/// sealing"; the session still verifies.
#[test]
fn os_and_editor_droppings_are_not_called_added_after_sealing() {
    let fx = Fx::new();
    fx.sealed("s");
    for name in [
        "Thumbs.db",
        "desktop.ini",
        ".DS_Store",
        "record.toml~",
        "notes.bak",
        "._seg-0001.m4a",
    ] {
        fs::write(fx.p("s").join(name), b"dropped by the system").unwrap();
    }
    let (code, v) = fx.verify("s", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        rows(&v["findings"]),
        [
            ".DS_Store",
            "._seg-0001.m4a",
            "Thumbs.db",
            "desktop.ini",
            "notes.bak",
            "record.toml~"
        ]
        .map(|n| row("segment.not_evidence", "warning", n))
    );
    assert_eq!(state_of(&v, "Thumbs.db"), "not_evidence");
    // A real recording file added after sealing is still an error.
    fs::write(fx.p("s/seg-0005.m4a"), b"added").unwrap();
    let (code, v) = fx.verify("s", &[]);
    assert_eq!(code, 1);
    assert!(rows(&v["findings"]).contains(&row("segment.unsealed", "error", "seg-0005.m4a")));
}

/// Events signed by the secretary, verified by a party given only the
/// recorder key: a warning naming the key, "signer not confirmed", not an
/// error that reads as tampering. With the court's trust file, confirmed.
#[test]
fn events_by_operator_keys_not_given_are_signer_not_confirmed() {
    let fx = Fx::new();
    fx.sealed("s");
    let (code, _, err) = fx.cs(&[
        "event",
        "s",
        "break",
        "--reason",
        "15-minute break",
        "--key",
        "demo-secretary.key",
        "--recorder-key",
        "demo-recorder.key",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, v) = fx.verify("s", &["--trust", "recorder.vkey"]);
    assert_eq!(code, 0, "{v}");
    let f = &v["findings"][0];
    assert_eq!(
        rows(&v["findings"]),
        [row(
            "event.signer_not_confirmed",
            "warning",
            "courtseal/log.jsonl:6"
        )]
    );
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.starts_with("signer not confirmed: you were not given the court's operator keys")
            && msg.contains("demo-secretary"),
        "{msg}"
    );
    let (_, out, _) = fx.cs(&["verify", "s", "--trust", "recorder.vkey"]);
    assert!(out.contains("(signer not confirmed)"), "{out}");
    let (code, v) = fx.verify("s", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(rows(&v["findings"]), []);
    assert_eq!(v["events"][0]["ok"], true);
}

/// The court's public key, renamed on the way ("court key (1).pub", or a
/// name that is another key's): trusted by its key, whatever its name.
#[test]
fn a_renamed_pub_file_is_trusted_by_its_key() {
    let fx = Fx::new();
    fx.sealed("s");
    let pem = fs::read(common::repo("keys/demo-recorder.pub")).unwrap();
    for name in ["court key (1).pub", "courtroom5.pub"] {
        fs::write(fx.p(name), &pem).unwrap();
        let (code, v) = fx.verify("s", &["--trust", name]);
        assert_eq!(code, 0, "{name}: {v}");
        assert_eq!(rows(&v["findings"]), [], "{name}");
        assert!(v["checkpoints"][0]["signed_by"][0]
            .as_str()
            .unwrap()
            .starts_with("demo-recorder+"));
    }
    // Another key under the recorder's file name is not trusted.
    let (code, _, err) = fx.cs(&["keys", "generate", "--name", "other", "--out", "k"]);
    assert_eq!(code, 0, "{err}");
    fs::copy(fx.p("k/other.pub"), fx.p("demo-recorder.pub")).unwrap();
    let (code, v) = fx.verify("s", &["--trust", "demo-recorder.pub"]);
    assert_eq!(code, 1);
    assert!(rows(&v["findings"])
        .iter()
        .any(|r| r.0 == "checkpoint.untrusted_key"));
}

/// An entry, signed with the recorder key, that names the short-form
/// record or the tool's own log as a segment: a corrupt entry, not "the
/// file is gone".
#[test]
fn an_entry_naming_the_record_or_the_log_is_a_corrupt_entry() {
    let fx = Fx::new();
    fx.sealed("s");
    let paths = SessionPaths::new(&fx.p("s"));
    for (i, name) in ["record.toml", "courtseal/log.jsonl"].iter().enumerate() {
        let e = SegmentEntry {
            v: VERSION,
            kind: "segment".into(),
            seq: 5 + i as u64,
            name: (*name).into(),
            size: 3,
            sha256: Sha256Digest::of(b"abc"),
            sealed_at: entry::now_utc(),
            media: None,
        };
        session::append_lines(&paths, &[entry::to_line(&e)]).unwrap();
    }
    let log = Log::read(&paths.log).unwrap();
    let tree = log.tree();
    let signer = courtseal::keys::load_signer(&fx.p("demo-recorder.key")).unwrap();
    session::write_checkpoint(
        &paths,
        &signer,
        &Checkpoint::new(ORIGIN, tree.size(), tree.root()),
    )
    .unwrap();
    let (code, v) = fx.verify("s", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rows(&v["findings"]),
        [
            row("log.corrupt", "error", "courtseal/log.jsonl:6"),
            row("log.corrupt", "error", "courtseal/log.jsonl:7"),
        ]
    );
}

/// An RSA or ECDSA key given where an Ed25519 key belongs is named by its
/// real algorithm, as a trusted key and as a signing key.
#[test]
fn a_non_ed25519_key_is_named_by_its_algorithm() {
    let fx = Fx::new();
    fx.sealed("s");
    let openssl = |args: &[&str]| {
        let o = Command::new("openssl")
            .current_dir(&fx.dir)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "rsa.key",
    ]);
    openssl(&["pkey", "-in", "rsa.key", "-pubout", "-out", "rsa.pub"]);
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "ec.key",
    ]);
    openssl(&["pkey", "-in", "ec.key", "-pubout", "-out", "ec.pub"]);
    for (file, alg) in [
        ("rsa.pub", "this is an RSA key, not an Ed25519 key"),
        (
            "ec.pub",
            "this is an elliptic-curve (ECDSA) key on curve P-256, not an Ed25519 key",
        ),
    ] {
        let (code, _, err) = fx.cs(&["verify", "s", "--trust", file]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(alg), "{err}");
    }
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(fx.p("rsa.key"), fs::Permissions::from_mode(0o600)).unwrap();
    let (code, _, err) = fx.cs(&["seal", "s", "--key", "rsa.key"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("this is an RSA key, not an Ed25519 private key"),
        "{err}"
    );
}

/// A copy saved under another folder name still verifies, with a warning
/// that names both names.
#[test]
fn a_renamed_session_folder_is_a_warning() {
    let fx = Fx::new();
    fx.sealed("session-2026-11-20-courtroom5");
    fs::rename(fx.p("session-2026-11-20-courtroom5"), fx.p("download (2)")).unwrap();
    let (code, v) = fx.verify("download (2)", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        rows(&v["findings"]),
        [row("session.folder_renamed", "warning", ".")]
    );
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("\"download (2)\"") && msg.contains("\"session-2026-11-20-courtroom5\""),
        "{msg}"
    );
}

// ---- 7. Bytes and content are never confused ----

/// A portal's remux: every packet identical, the bytes not. The Result line
/// says CONTENT VERIFIED, FILE REWRITTEN, never BYTES VERIFIED; `--strict`
/// refuses it, in verify and in verify-file; the audit counts it apart; the
/// export refuses it.
#[test]
fn a_remuxed_copy_is_content_verified_never_bytes_verified() {
    let fx = Fx::new();
    fx.sealed("a/s");
    let (_, out, _) = fx.cs(&["verify", "a/s", "--trust", "trust.txt"]);
    assert!(
        out.contains(
            "\nResult: BYTES VERIFIED. All 4 sealed segments are present and byte-identical"
        ),
        "{out}"
    );
    let (code, _, err) = fx.cs(&[
        "proof",
        "a/s",
        "seg-0003.mp4",
        "-o",
        "seg-0003.tlog-proof",
        "--trust",
        &common::recorder_vkey_file(),
    ]);
    assert_eq!(code, 0, "{err}");
    fx.ffmpeg(&[
        "-i",
        "a/s/seg-0003.mp4",
        "-c",
        "copy",
        "-f",
        "matroska",
        "remux.mkv",
    ]);
    fs::copy(fx.p("remux.mkv"), fx.p("a/s/seg-0003.mp4")).unwrap();
    let (code, out, _) = fx.cs(&["verify", "a/s", "--trust", "trust.txt"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\nResult: CONTENT VERIFIED, FILE REWRITTEN. All 4 sealed segments are present; 3 byte-identical, 1 only content-identical"), "{out}");
    assert!(!out.contains("BYTES VERIFIED"), "{out}");
    let (code, v) = fx.verify("a/s", &["--strict"]);
    assert_eq!(code, 1);
    assert_eq!(
        rows(&v["findings"]),
        [row("segment.container_rewritten", "error", "seg-0003.mp4")]
    );
    assert_eq!(state_of(&v, "seg-0003.mp4"), "rewritten");

    let vf = |extra: &[&str]| {
        let mut args = vec![
            "verify-file",
            "remux.mkv",
            "--proof",
            "seg-0003.tlog-proof",
            "--trust",
            "trust.txt",
        ];
        args.extend_from_slice(extra);
        fx.cs(&args)
    };
    let (code, out, _) = vf(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("\nResult: CONTENT VERIFIED, FILE REWRITTEN. "),
        "{out}"
    );
    let (code, out, _) = vf(&["--strict"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\nResult: NOT VERIFIED. 1 error"), "{out}");

    let (code, v, _) = fx.audit("a", &[]);
    assert_eq!(code, 0, "{v}");
    let s = &v["report"]["sessions"][0];
    assert_eq!(s["status"], "content_verified");
    assert_eq!(s["retention"], "unknown");
    assert_eq!(s["rewritten"], serde_json::json!(["seg-0003.mp4"]));
    assert_eq!(v["totals"]["content_verified"], 1);
    assert_eq!(v["totals"]["intact"], 0);
    let (code, v, _) = fx.audit("a", &["--strict"]);
    assert_eq!(code, 1);
    assert_eq!(v["report"]["sessions"][0]["status"], "damaged");

    let (code, _, err) = fx.cs(&["export", "a/s", "--bagit", "bag", "--trust", "trust.txt"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("refusing to export what cannot be vouched for")
            && err.contains("segment.container_rewritten seg-0003.mp4"),
        "{err}"
    );
    assert!(!fx.p("bag").exists());
}

/// Audio shifted half a second against the video, every packet kept: not
/// "intact", but an error with the span of the windows whose packets moved.
#[test]
fn audio_shifted_against_video_is_retimed_with_its_span() {
    let fx = Fx::new();
    fx.sealed("s");
    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-itsoffset",
        "0.5",
        "-i",
        "s/seg-0003.mp4",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c",
        "copy",
        "-f",
        "matroska",
        "shifted.mkv",
    ]);
    fs::copy(fx.p("shifted.mkv"), fx.p("s/seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify("s", &[]);
    assert_eq!(code, 1, "{v}");
    let timing: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "segment.retimed")
        .collect();
    assert_eq!(timing.len(), 1, "{v}");
    assert_eq!(timing[0]["severity"], "error");
    assert_eq!(timing[0]["location"], "seg-0003.mp4");
    let msg = timing[0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("audio stream: the audio stream is shifted 0.5"),
        "{msg}"
    );
    assert!(msg.contains("s later against the video stream"), "{msg}");
    assert_eq!(timing[0]["span"]["from"], -0.021333);
    assert_eq!(state_of(&v, "seg-0003.mp4"), "changed");
    assert!(!rows(&v["findings"])
        .iter()
        .any(|r| r.0 == "segment.container_rewritten"));
}

// ---- 13. export refuses what it cannot vouch for; bags verify as bags ----

/// Export refuses a session with a missing sealed segment, with a file
/// that was never sealed, and one no trusted checkpoint covers, naming
/// each; OS droppings are left out, not refused.
#[test]
fn export_refuses_a_missing_segment_an_unsealed_file_and_no_trusted_checkpoint() {
    let fx = Fx::new();
    let export = |s: &str, trust: &str| {
        fx.cs(&[
            "export",
            s,
            "--bagit",
            &format!("{s}.bag"),
            "--trust",
            trust,
        ])
    };
    fx.sealed("missing");
    fs::remove_file(fx.p("missing/seg-0002.m4a")).unwrap();
    let (code, _, err) = export("missing", "trust.txt");
    assert_eq!(code, 2);
    assert!(err.contains("segment.missing seg-0002.m4a"), "{err}");

    fx.sealed("added");
    fs::write(fx.p("added/extra.mp4"), b"not sealed").unwrap();
    let (code, _, err) = export("added", "trust.txt");
    assert_eq!(code, 2);
    assert!(err.contains("segment.unsealed extra.mp4"), "{err}");

    fx.sealed("other");
    let (code, _, _) = fx.cs(&["keys", "generate", "--name", "stranger", "--out", "."]);
    assert_eq!(code, 0);
    let (code, _, err) = export("other", "stranger.vkey");
    assert_eq!(code, 2);
    assert!(
        err.contains("no trusted checkpoint covers its log"),
        "{err}"
    );
    for s in ["missing", "added", "other"] {
        assert!(!fx.p(&format!("{s}.bag")).exists());
    }

    fx.sealed("clean");
    fs::write(fx.p("clean/Thumbs.db"), b"cache").unwrap();
    let (code, out, err) = export("clean", "trust.txt");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("5 payload files") && out.contains("left out, not part of the evidence (files an operating system or editor leaves): Thumbs.db"), "{out}");
    assert!(!fx.p("clean.bag/data/Thumbs.db").exists());
}

/// A file name the bagit tool would read back as another name is refused
/// by export, naming it.
#[test]
fn export_refuses_a_name_bagit_cannot_round_trip() {
    let fx = Fx::new();
    copy_sample(&fx.p("s"), &[]);
    fs::rename(fx.p("s/seg-0004.m4a"), fx.p("s/seg 100%.m4a")).unwrap();
    fx.seal("s", ORIGIN);
    let (code, _, err) = fx.cs(&["export", "s", "--bagit", "bag", "--trust", "trust.txt"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("\"seg 100%.m4a\" cannot be written in a bag"),
        "{err}"
    );
}

/// A bag courtseal exported verifies as a bag, with `verify` and in an
/// audit; a payload file changed in the bag, or one added to it, is found
/// by the bag's manifest and by the sealed log.
#[test]
fn an_exported_bag_verifies_as_a_bag_and_a_changed_bag_does_not() {
    let fx = Fx::new();
    fx.sealed("s");
    fs::create_dir(fx.p("archive")).unwrap();
    let (code, _, err) = fx.cs(&[
        "export",
        "s",
        "--bagit",
        "archive/bag",
        "--trust",
        "trust.txt",
    ]);
    assert_eq!(code, 0, "{err}");
    let o = Command::new("bagit.py")
        .current_dir(&fx.dir)
        .args(["--validate", "archive/bag"])
        .output()
        .expect("bagit.py (pip install bagit) is needed");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, v) = fx.verify("archive/bag", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["bag"], true);
    assert_eq!(rows(&v["findings"]), []);
    let (_, out, _) = fx.cs(&["verify", "archive/bag", "--trust", "trust.txt"]);
    assert!(
        out.contains("Bag          BagIt bag, manifests checked; the recording is under data/"),
        "{out}"
    );
    assert!(out.contains("\nResult: BYTES VERIFIED."), "{out}");
    let (code, v, _) = fx.audit("archive", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["report"]["sessions"][0]["session"], "bag");
    assert_eq!(v["report"]["sessions"][0]["status"], "intact");

    let p = fx.p("archive/bag/data/seg-0002.m4a");
    let mut b = fs::read(&p).unwrap();
    b[100] ^= 1;
    fs::write(&p, b).unwrap();
    fs::write(fx.p("archive/bag/data/late.m4a"), b"added").unwrap();
    let (code, v) = fx.verify("archive/bag", &[]);
    assert_eq!(code, 1);
    let r = rows(&v["findings"]);
    for want in [
        row("bag.manifest_mismatch", "error", "data/late.m4a"),
        row("bag.manifest_mismatch", "error", "data/seg-0002.m4a"),
        row("segment.changed", "error", "seg-0002.m4a"),
        row("segment.unsealed", "error", "late.m4a"),
    ] {
        assert!(r.contains(&want), "{want:?} in {r:?}");
    }
    let (code, v, _) = fx.audit("archive", &[]);
    assert_eq!(code, 1);
    assert_eq!(v["report"]["sessions"][0]["status"], "damaged");
}

// ---- 10. Archives are audited whole ----

/// A session folder that is a link, and a session nested inside another:
/// each is a finding of the audit and is in its act, never silence.
#[test]
fn linked_and_nested_sessions_are_findings_of_the_audit_and_its_act() {
    let fx = Fx::new();
    fx.sealed("archive/a");
    fx.sealed("elsewhere/b");
    std::os::unix::fs::symlink(fx.p("elsewhere/b"), fx.p("archive/link")).unwrap();
    copy_sample(&fx.p("archive/a/inner"), &[]);
    fx.seal("archive/a/inner", "court.example/inner");
    let (code, v, _) = fx.audit("archive", &["--html", "act.html"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        rows(&v["report"]["findings"]),
        [
            row("archive.nested_session", "error", "archive/a/inner"),
            row("archive.symlink", "error", "archive/link"),
        ]
    );
    let act = fs::read_to_string(fx.p("act.html")).unwrap();
    assert!(
        act.contains("archive.nested_session") && act.contains("archive.symlink"),
        "{act}"
    );
}

/// A folder that cannot be listed is a finding (as root every folder can
/// be read, so a session whose log is not a file stands in for it): the
/// session is "unreadable", never skipped.
#[test]
fn an_unreadable_session_is_reported_never_skipped() {
    let fx = Fx::new();
    fx.sealed("archive/a");
    fx.sealed("archive/b");
    fs::remove_file(fx.p("archive/b/courtseal/log.jsonl")).unwrap();
    fs::create_dir(fx.p("archive/b/courtseal/log.jsonl")).unwrap();
    fs::write(fx.p("archive/b/record.toml"), common::sample("record.toml")).unwrap();
    let (code, v, _) = fx.audit("archive", &[]);
    assert_eq!(code, 1, "{v}");
    let names: Vec<(&str, &str)> = v["report"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["session"].as_str().unwrap(),
                s["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, [("a", "intact"), ("b", "unreadable")]);
}

struct StopAfter(std::sync::atomic::AtomicUsize);

impl courtseal::audit::AuditProgress for StopAfter {
    fn start(&self, _: u64, _: u64) {}
    fn file_done(&self, _: u64) {}
    fn session_done(&self, _: &str) {}
    fn should_stop(&self) -> bool {
        // Let `n` sessions start, then stop.
        let left = self.0.load(std::sync::atomic::Ordering::SeqCst);
        if left == 0 {
            return true;
        }
        self.0.store(left - 1, std::sync::atomic::Ordering::SeqCst);
        false
    }
}

/// The archivist key, which signs the results kept for `--resume`.
fn state_key(fx: &Fx) -> courtseal::audit::StateKey {
    courtseal::audit::StateKey(std::sync::Arc::new(
        courtseal::keys::load_signer(&fx.p("archivist.key")).unwrap(),
    ))
}

fn audit_options(fx: &Fx, resume: bool) -> courtseal::audit::AuditOptions {
    courtseal::audit::AuditOptions {
        retention: courtseal::audit::Retention {
            years: 1,
            months: 0,
            days: 0,
        },
        due_within_days: 0,
        today: time::macros::date!(2026 - 11 - 25),
        state: Some(fx.p("state.jsonl")),
        resume,
        strict: false,
        state_key: Some(state_key(fx)),
    }
}

/// `--resume` goes on only from an interrupted run of the same audit: the
/// act names the sessions taken from it and when they were hashed; the
/// state is removed when the run completes; the state of another audit is
/// refused; a file changed and given back its modification time is hashed
/// again (the fingerprint holds the change time and inode).
#[test]
fn resume_only_goes_on_from_an_interrupted_run_of_the_same_audit() {
    let fx = Fx::new();
    for s in ["a", "b", "c"] {
        fx.sealed(&format!("archive/{s}"));
    }
    let mut trust = courtseal::keys::TrustStore::new();
    trust.load(&fx.p("trust.txt")).unwrap();
    // Interrupted: one session audited, then stopped (run one at a time).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let r = pool
        .install(|| {
            courtseal::audit::audit(
                &fx.p("archive"),
                &trust,
                &audit_options(&fx, false),
                &StopAfter(1.into()),
            )
        })
        .unwrap();
    assert!(r.interrupted);
    assert_eq!(r.sessions.len(), 1);
    let done = r.sessions[0].session.clone();
    assert!(fx.p("state.jsonl").exists());

    // Another audit's options (here: --strict) cannot take from it.
    let mut strict = audit_options(&fx, true);
    strict.strict = true;
    let e = courtseal::audit::audit(&fx.p("archive"), &trust, &strict, &StopAfter(99.into()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "it is the state of an audit with other trusted keys, retention, date or --strict"
        ),
        "{e}"
    );

    let archive = fx.p("archive").display().to_string();
    // Without the key that signed its results, nothing is taken from it.
    let (code, _, err) = fx.cs(&[
        "audit",
        &archive,
        "--trust",
        "trust.txt",
        "--today",
        "2026-11-25",
        "--state",
        "state.jsonl",
        "--resume",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("taken only when signed by the key that signs the act"),
        "{err}"
    );
    let (code, v, _) = fx.audit(
        &archive,
        &["--resume", "--html", "act.html", "--sign", "archivist.key"],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["report"]["resumed"], 1);
    assert_eq!(v["report"]["run"], r.run);
    assert_eq!(v["report"]["resumed_sessions"][0]["session"], done);
    let hashed_at = v["report"]["resumed_sessions"][0]["hashed_at"]
        .as_str()
        .unwrap();
    let act = fs::read_to_string(fx.p("act.html")).unwrap();
    assert!(
        act.contains(&format!(
            "{done}: taken from the interrupted run {} of this audit, hashed at <span class=\"t\">{}</span>",
            r.run,
            // The act is in the court's zone, which the sample records name.
            courtseal::document::Clock::in_zone(
                courtseal::zone::CourtZone::new("Asia/Almaty").unwrap(),
                time::OffsetDateTime::now_utc()
            )
            .local_text(hashed_at)
        )),
        "{act}"
    );
    assert!(
        !fx.p("state.jsonl").exists(),
        "a completed run leaves no state"
    );
    let (code, _, err) = fx.cs(&[
        "audit",
        &archive,
        "--trust",
        "trust.txt",
        "--state",
        "state.jsonl",
        "--resume",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("nothing can be resumed from it"), "{err}");

    // A file changed with its mtime set back is hashed again: a new run,
    // interrupted after two sessions.
    let r = pool
        .install(|| {
            courtseal::audit::audit(
                &fx.p("archive"),
                &trust,
                &audit_options(&fx, false),
                &StopAfter(2.into()),
            )
        })
        .unwrap();
    assert!(r.interrupted);
    assert_eq!(r.sessions.len(), 2);
    let victim = fx.p(&format!("archive/{}/seg-0001.m4a", r.sessions[0].session));
    let mtime = fs::metadata(&victim).unwrap().modified().unwrap();
    let mut b = fs::read(&victim).unwrap();
    b[1000] ^= 1;
    fs::write(&victim, b).unwrap();
    fs::File::options()
        .write(true)
        .open(&victim)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(fs::metadata(&victim).unwrap().modified().unwrap(), mtime);
    let (code, v, _) = fx.audit(
        &archive,
        &["--resume", "--html", "act2.html", "--sign", "archivist.key"],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["report"]["resumed"], 1);
    assert_eq!(
        v["report"]["resumed_sessions"][0]["session"],
        r.sessions[1].session
    );
    let victim_row = v["report"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["session"] == r.sessions[0].session)
        .unwrap();
    assert_eq!(victim_row["status"], "damaged");
}

// ---- 3. series --trust ----

/// A series whose second session names the first one's checkpoint, after
/// the first one's log was rewritten and its checkpoints re-signed by a
/// key nobody trusts: with --trust the link is not followed.
#[test]
fn series_follows_a_link_only_to_a_checkpoint_that_verifies() {
    let fx = Fx::new();
    copy_sample(&fx.p("series/1"), &[]);
    fx.seal("series/1", "court.example/1");
    copy_sample(&fx.p("series/2"), &[]);
    let (code, _, err) = fx.cs(&[
        "seal",
        "series/2",
        "--key",
        "demo-recorder.key",
        "--origin",
        "court.example/2",
        "--series",
        "series",
        "--no-silence",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = fx.cs(&["series", "series", "--trust", "trust.txt"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("follows 1"), "{out}");
    // The first session's log is changed after the link was made: the
    // checkpoint the second names no longer matches it.
    let log = fx.p("series/1/courtseal/log.jsonl");
    let text = fs::read_to_string(&log).unwrap();
    fs::write(&log, text.replacen("seg-0002.m4a", "seg-0002.m4b", 1)).unwrap();
    let (code, out, _) = fx.cs(&["series", "series"]);
    assert_eq!(code, 0, "by file hash alone the link still holds: {out}");
    let (code, out, _) = fx.cs(&["series", "series", "--trust", "trust.txt", "--json"]);
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        rows(&v["report"]["findings"]),
        [row("session.chain_unverified", "error", "2")]
    );
}
