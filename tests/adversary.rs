//! Attacks on the trust policy, the record lookup, retirement and the event
//! inbox, made as a court insider who can write the session folder (with no
//! key, or with one key) or as a hostile file would. Each test is named after
//! the attack and asserts the exact verdict the tool must give.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{copy_sample, demo_key, run, vkey};
use courtseal::checkpoint::Checkpoint;
use courtseal::entry::{self, HeartbeatEntry, RetireEntry, VERSION};
use courtseal::session::{self, Log, SessionPaths};
use serde_json::Value;

const ORIGIN: &str = "court.example/district2/courtroom5/2026-11-20";

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fx {
    /// The sample session sealed by the demo recorder, with an archivist and
    /// an operator key and a trust file naming all of them in their roles.
    fn sealed() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        copy_sample(&dir.join("s"), &[]);
        demo_key(&dir, "demo-recorder");
        let (code, _, err) = run(
            &dir,
            &[
                "seal",
                "s",
                "--key",
                "demo-recorder.key",
                "--origin",
                ORIGIN,
            ],
        );
        assert_eq!(code, 0, "{err}");
        let mut trust = format!("recorder {}\n", vkey("demo-recorder"));
        for (role, name) in [("archivist", "arch"), ("operator", "oper")] {
            let (code, _, err) = run(&dir, &["keys", "generate", "--name", name, "--out", "."]);
            assert_eq!(code, 0, "{err}");
            let v = fs::read_to_string(dir.join(format!("{name}.vkey"))).unwrap();
            trust.push_str(&format!("{role} {}\n", v.trim()));
        }
        fs::write(dir.join("trust.txt"), trust).unwrap();
        Fx { _tmp: tmp, dir }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn paths(&self) -> SessionPaths {
        SessionPaths::new(&self.p("s"))
    }

    fn verify(&self) -> (i32, Value) {
        let (code, out, err) = run(
            &self.dir,
            &["verify", "s", "--trust", "trust.txt", "--json"],
        );
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    fn size(&self) -> u64 {
        Log::read(&self.paths().log).unwrap().tree().size()
    }

    /// Appends an archivist-signed retirement entry naming `segments`,
    /// signed with `key` (a file in the fixture folder), without any
    /// checkpoint.
    fn append_retire(&self, key: &str, segments: &[&str]) {
        let signer = courtseal::keys::load_signer(&self.p(key)).unwrap();
        let at = entry::now_utc();
        let segments: Vec<String> = segments.iter().map(|s| (*s).to_owned()).collect();
        let text = courtseal::retire::retire_text(ORIGIN, &at, "retention ended", &segments);
        let e = RetireEntry {
            v: VERSION,
            kind: "retire".into(),
            at,
            basis: "retention ended".into(),
            segments,
            relied_on: None,
            open_findings: None,
            archivist: signer.verifier().to_vkey(),
            note: signer.sign(&text).unwrap(),
        };
        session::append_lines(&self.paths(), &[entry::to_line(&e)]).unwrap();
    }

    /// Appends a heartbeat: needs no key at all.
    fn append_heartbeat(&self) {
        let e = HeartbeatEntry {
            v: VERSION,
            kind: "heartbeat".into(),
            at: entry::now_utc(),
            segments: 4,
        };
        session::append_lines(&self.paths(), &[entry::to_line(&e)]).unwrap();
    }

    /// Signs a checkpoint over the whole current log with `key`.
    fn sign_checkpoint(&self, key: &str) -> u64 {
        let paths = self.paths();
        let tree = Log::read(&paths.log).unwrap().tree();
        let _ = fs::remove_file(paths.checkpoint_at(tree.size()));
        let signer = courtseal::keys::load_signer(&self.p(key)).unwrap();
        let cp = Checkpoint::new(ORIGIN, tree.size(), tree.root());
        session::write_checkpoint(&paths, &signer, &cp).unwrap();
        tree.size()
    }
}

fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

fn codes_at(v: &Value, location: &str) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"] == location)
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

fn state_of(v: &Value, name: &str) -> String {
    v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .map(|s| s["state"].as_str().unwrap().to_owned())
        .unwrap()
}

/// An archivist appends its retirement entry after the sealed log but no
/// trusted checkpoint covers it: it proves nothing, so a deleted segment is
/// missing, not retired.
#[test]
fn uncovered_retire_entry_does_not_retire_segments() {
    let fx = Fx::sealed();
    let sealed = fx.size();
    fx.append_retire("arch.key", &["seg-0001.m4a"]);
    fs::remove_file(fx.p("s/seg-0001.m4a")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verified_size"].as_u64().unwrap(), sealed);
    assert_eq!(state_of(&v, "seg-0001.m4a"), "missing");
    assert_eq!(codes_at(&v, "seg-0001.m4a"), ["segment.missing"]);
    assert!(!codes(&v).contains(&"session.retired".to_owned()), "{v}");
}

/// An insider with no key appends a heartbeat after the last recorder
/// checkpoint; an archivist then adds its retirement and signs a checkpoint
/// over both: the archivist would vouch for the heartbeat, so it is refused
/// and the retirement does not count.
#[test]
fn archivist_checkpoint_over_an_unsigned_prefix_is_refused() {
    let fx = Fx::sealed();
    let sealed = fx.size();
    fx.append_heartbeat();
    fx.append_retire("arch.key", &["seg-0001.m4a"]);
    fx.sign_checkpoint("arch.key");
    fs::remove_file(fx.p("s/seg-0001.m4a")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verified_size"].as_u64().unwrap(), sealed);
    assert_eq!(
        codes_at(&v, "courtseal/checkpoint"),
        ["checkpoint.untrusted_key"]
    );
    assert_eq!(state_of(&v, "seg-0001.m4a"), "missing");
}

/// The session's tool folder replaced by a link to a folder outside: seal
/// would write the log and checkpoints there. It refuses and writes nothing.
#[test]
fn tool_folder_linked_outside_is_refused_by_seal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_sample(&dir.join("s"), &[]);
    demo_key(dir, "demo-recorder");
    fs::create_dir_all(dir.join("outside")).unwrap();
    std::os::unix::fs::symlink("../outside", dir.join("s/courtseal")).unwrap();
    let (code, _, err) = run(
        dir,
        &[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            ORIGIN,
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(fs::read_dir(dir.join("outside")).unwrap().count(), 0);
}

/// The log itself replaced by a link: appending would write through it.
#[test]
fn log_linked_outside_is_refused_by_seal() {
    let fx = Fx::sealed();
    let outside = fx.p("outside.jsonl");
    fs::rename(fx.p("s/courtseal/log.jsonl"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, fx.p("s/courtseal/log.jsonl")).unwrap();
    fs::write(fx.p("s/seg-0005.m4a"), common::sample("seg-0001.m4a")).unwrap();
    let before = fs::read(&outside).unwrap();
    let (code, _, err) = run(&fx.dir, &["seal", "s", "--key", "demo-recorder.key"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(fs::read(&outside).unwrap(), before);
}

/// An inbox planted as a link to a folder outside the session: the running
/// service renamed (or, for a valid event, deleted) the files there.
#[test]
fn inbox_linked_outside_is_never_touched_by_watch() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    demo_key(dir, "demo-recorder");
    fs::create_dir_all(dir.join("s/courtseal")).unwrap();
    fs::create_dir_all(dir.join("outside")).unwrap();
    fs::write(dir.join("outside/victim.event"), b"someone else's file").unwrap();
    std::os::unix::fs::symlink("../../outside", dir.join("s/courtseal/inbox")).unwrap();
    let mut svc = Command::new(env!("CARGO_BIN_EXE_courtseal"))
        .current_dir(dir)
        .args([
            "seal",
            "s",
            "--watch",
            "--key",
            "demo-recorder.key",
            "--origin",
            ORIGIN,
            "--settle",
            "1",
            "--heartbeat",
            "1",
            "--no-silence",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Two heartbeats: the inbox was looked at several times.
    let until = Instant::now() + Duration::from_secs(20);
    while fs::read_to_string(dir.join("s/courtseal/log.jsonl"))
        .map_or(0, |t| t.matches("\"heartbeat\"").count())
        < 2
    {
        if Instant::now() > until {
            let _ = svc.kill();
            panic!("the service did not start");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, _, err) = run(dir, &["close", "s"]);
    let status = svc.wait().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(status.success());
    assert_eq!(
        fs::read(dir.join("outside/victim.event")).unwrap(),
        b"someone else's file"
    );
    assert_eq!(fs::read_dir(dir.join("outside")).unwrap().count(), 1);
}

/// A record.toml of more than a megabyte: seal read it whole (a huge or
/// endless file would be read without bound); it now refuses to read it and
/// writes the header without its fields.
#[test]
fn oversized_record_is_not_read_by_seal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_sample(&dir.join("s"), &["record.toml"]);
    demo_key(dir, "demo-recorder");
    let mut rec = String::from("court = \"Padded Court\"\n");
    rec.push_str(&format!("# {}\n", "x".repeat(1 << 20)));
    fs::write(dir.join("s/record.toml"), rec).unwrap();
    let (code, _, err) = run(
        dir,
        &[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            ORIGIN,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("larger than 1048576 bytes"), "{err}");
    let log = Log::read(&SessionPaths::new(&dir.join("s")).log).unwrap();
    assert_eq!(log.header().unwrap().court, None);
}

/// A log sealed before the strict origin rule, with spaces in its origin:
/// seal must still append to it (with or without naming the origin) and
/// verify must still accept it.
#[test]
fn legacy_log_with_a_spaced_origin_is_still_sealed() {
    const LEGACY: &str = "Court of Example, courtroom 5, 2026-11-20";
    let fx = Fx::sealed();
    let paths = fx.paths();
    let text = fs::read_to_string(&paths.log).unwrap();
    fs::write(&paths.log, text.replacen(ORIGIN, LEGACY, 1)).unwrap();
    fs::remove_dir_all(&paths.checkpoints).unwrap();
    fs::remove_file(&paths.checkpoint).unwrap();
    fs::create_dir_all(&paths.checkpoints).unwrap();
    let tree = Log::read(&paths.log).unwrap().tree();
    let signer = courtseal::keys::load_signer(&fx.p("demo-recorder.key")).unwrap();
    let cp = Checkpoint::new(LEGACY, tree.size(), tree.root());
    session::write_checkpoint(&paths, &signer, &cp).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 0, "{v}");
    fs::write(fx.p("s/seg-0005.m4a"), common::sample("seg-0001.m4a")).unwrap();
    let (code, _, err) = run(&fx.dir, &["seal", "s", "--key", "demo-recorder.key"]);
    assert_eq!(code, 0, "{err}");
    fs::copy(fx.p("s/seg-0002.m4a"), fx.p("s/seg-0006.m4a")).unwrap();
    let (code, _, err) = run(
        &fx.dir,
        &[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            LEGACY,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, v) = fx.verify();
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["origin"], LEGACY);
    assert_eq!(v["verified_size"].as_u64().unwrap(), fx.size(), "{v}");
    assert_eq!(state_of(&v, "seg-0005.m4a"), "ok");
    assert_eq!(state_of(&v, "seg-0006.m4a"), "ok");
}

/// A proof whose checkpoint carries the trusted recorder's good signature
/// and a bad one under a trusted archivist's name: one bad trusted signature
/// refuses the note, in verify-file as in verify.
#[test]
fn verify_file_refuses_recorder_checkpoint_with_a_bad_archivist_signature() {
    let fx = Fx::sealed();
    let (code, _, err) = run(
        &fx.dir,
        &[
            "proof",
            "s",
            "seg-0001.m4a",
            "-o",
            "p.tlog-proof",
            "--trust",
            &common::recorder_vkey_file(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let original = fs::read_to_string(fx.paths().checkpoint).unwrap();
    let arch = courtseal::keys::load_signer(&fx.p("arch.key")).unwrap();
    let other = arch.sign("some other text\n").unwrap();
    let bad_line = other.lines().last().unwrap();
    assert!(bad_line.starts_with('\u{2014}'));
    let tampered = format!("{original}{bad_line}\n");
    let proof = fs::read_to_string(fx.p("p.tlog-proof")).unwrap();
    assert!(proof.contains(&original));
    fs::write(fx.p("p.tlog-proof"), proof.replace(&original, &tampered)).unwrap();
    let (code, out, err) = run(
        &fx.dir,
        &[
            "verify-file",
            "s/seg-0001.m4a",
            "--proof",
            "p.tlog-proof",
            "--trust",
            "trust.txt",
            "--json",
        ],
    );
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(codes(&v), ["checkpoint.bad_signature"]);
    // The same note as the session's latest checkpoint.
    fs::write(fx.paths().checkpoint, &tampered).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_eq!(
        codes_at(&v, "courtseal/checkpoint"),
        ["checkpoint.bad_signature"]
    );
}

/// A checkpoint over a planted segment signed by an archivist and by a key
/// nobody trusts: the extra signature adds nothing, the archivist may not
/// vouch for a segment.
#[test]
fn archivist_plus_untrusted_signature_vouches_for_nothing() {
    let fx = Fx::sealed();
    let sealed = fx.size();
    let (code, _, err) = run(
        &fx.dir,
        &["keys", "generate", "--name", "mallory", "--out", "."],
    );
    assert_eq!(code, 0, "{err}");
    fs::write(fx.p("s/seg-0005.m4a"), b"planted").unwrap();
    let (code, _, err) = run(&fx.dir, &["seal", "s", "--key", "mallory.key"]);
    assert_eq!(code, 2, "seal with another recorder key is refused: {err}");
    // By hand: a segment entry, then a note signed by both keys.
    let e = courtseal::entry::SegmentEntry {
        v: VERSION,
        kind: "segment".into(),
        seq: 5,
        name: "seg-0005.m4a".into(),
        size: 7,
        sha256: courtseal::digest::Sha256Digest::of(b"planted"),
        sealed_at: entry::now_utc(),
        media: None,
    };
    session::append_lines(&fx.paths(), &[entry::to_line(&e)]).unwrap();
    let tree = Log::read(&fx.paths().log).unwrap().tree();
    let body = Checkpoint::new(ORIGIN, tree.size(), tree.root()).to_text();
    let a = courtseal::keys::load_signer(&fx.p("arch.key"))
        .unwrap()
        .sign(&body)
        .unwrap();
    let m = courtseal::keys::load_signer(&fx.p("mallory.key"))
        .unwrap()
        .sign(&body)
        .unwrap();
    let both = format!("{a}{}\n", m.lines().last().unwrap());
    fs::write(fx.paths().checkpoint, both).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_eq!(v["verified_size"].as_u64().unwrap(), sealed);
    assert_eq!(
        codes_at(&v, "courtseal/checkpoint"),
        ["checkpoint.untrusted_key"]
    );
    assert_eq!(codes_at(&v, "seg-0005.m4a"), ["segment.unsealed"]);
}

/// Two retirements in a row, each under its archivist's own checkpoint:
/// the second extends a prefix the first made trusted, so both count (the
/// policy lets an archivist add only retirement entries, one at a time).
#[test]
fn chain_of_two_retirements_is_trusted_and_adds_only_retirements() {
    let fx = Fx::sealed();
    fx.append_retire("arch.key", &["seg-0001.m4a"]);
    fx.sign_checkpoint("arch.key");
    fx.append_retire("arch.key", &["seg-0002.m4a"]);
    let size = fx.sign_checkpoint("arch.key");
    fs::remove_file(fx.p("s/seg-0001.m4a")).unwrap();
    fs::remove_file(fx.p("s/seg-0002.m4a")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verified_size"].as_u64().unwrap(), size);
    assert_eq!(state_of(&v, "seg-0001.m4a"), "retired");
    assert_eq!(state_of(&v, "seg-0002.m4a"), "retired");
    // A heartbeat slipped in after them cannot ride on a third retirement.
    fx.append_heartbeat();
    fx.append_retire("arch.key", &["seg-0003.mp4"]);
    fx.sign_checkpoint("arch.key");
    fs::remove_file(fx.p("s/seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_eq!(v["verified_size"].as_u64().unwrap(), size);
    assert_eq!(state_of(&v, "seg-0003.mp4"), "missing");
}

/// A sealed segment hard-linked to a file outside the session: retirement
/// removes the session's name only, the outside file keeps its bytes.
#[test]
fn retire_of_a_hard_linked_segment_leaves_the_outside_file() {
    let fx = Fx::sealed();
    fs::write(fx.p("s/record.toml"), {
        let t = String::from_utf8(common::sample("record.toml")).unwrap();
        t.replace(
            "finalised = 2026-11-21",
            "finalised = 2026-11-21\nverdict_in_force = 2026-11-25",
        )
    })
    .unwrap();
    // Only a sealed verdict date gives a deadline.
    let (code, _, err) = run(
        &fx.dir,
        &[
            "record",
            "seal",
            "s",
            "--key",
            "oper.key",
            "--recorder-key",
            "demo-recorder.key",
        ],
    );
    assert_eq!(code, 0, "{err}");
    fs::hard_link(fx.p("s/seg-0001.m4a"), fx.p("outside.m4a")).unwrap();
    let (code, _, err) = run(
        &fx.dir,
        &[
            "retire",
            "s",
            "--key",
            "arch.key",
            "--basis",
            "retention ended",
            "--trust",
            "trust.txt",
            "--today",
            "2028-12-01",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!fx.p("s/seg-0001.m4a").exists());
    assert_eq!(
        fs::read(fx.p("outside.m4a")).unwrap(),
        common::sample("seg-0001.m4a")
    );
    let (code, v) = fx.verify();
    assert_eq!(code, 0, "{v}");
    assert_eq!(state_of(&v, "seg-0001.m4a"), "retired");
}

/// Runs courtseal in `dir`, killing it (and failing) if it has not finished
/// within 20 seconds: (exit code, stderr).
fn run_bounded(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let mut child = Command::new(env!("CARGO_BIN_EXE_courtseal"))
        .current_dir(dir)
        .args(args)
        .env("CI", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            assert!(!err.contains("panicked"), "{err}");
            return (st.code().unwrap_or(-1), err);
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("courtseal {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn mkfifo(path: &std::path::Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(st.success());
}

/// The latest checkpoint replaced by a FIFO: verify and seal blocked on it
/// for ever. Both now refuse it, naming the file.
#[test]
fn fifo_as_latest_checkpoint_hangs_neither_verify_nor_seal() {
    let fx = Fx::sealed();
    fs::remove_file(fx.paths().checkpoint).unwrap();
    mkfifo(&fx.paths().checkpoint);
    let (code, err) = run_bounded(&fx.dir, &["verify", "s", "--trust", "trust.txt"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("courtseal/checkpoint: not a regular file"),
        "{err}"
    );
    let (code, err) = run_bounded(&fx.dir, &["seal", "s", "--key", "demo-recorder.key"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a regular file"), "{err}");
}

/// The log replaced by a FIFO, or by a link to an endless device: verify
/// blocked, or read without bound.
#[test]
fn fifo_or_device_as_log_is_never_read() {
    let fx = Fx::sealed();
    let log = fx.paths().log;
    fs::remove_file(&log).unwrap();
    mkfifo(&log);
    let (code, err) = run_bounded(&fx.dir, &["verify", "s", "--trust", "trust.txt"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("log.jsonl: not a regular file"), "{err}");
    fs::remove_file(&log).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &log).unwrap();
    let (code, err) = run_bounded(&fx.dir, &["verify", "s", "--trust", "trust.txt"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("log.jsonl: not a regular file"), "{err}");
}

/// A `recovery` entry needs no key: one naming an endless device, a file
/// outside the session or a FIFO made verify read without bound or block.
/// None is read; each is reported as missing or changed.
#[test]
fn recovery_entry_naming_a_device_or_fifo_is_never_read() {
    let fx = Fx::sealed();
    mkfifo(&fx.p("s/courtseal/torn-fifo"));
    for saved_as in ["/dev/zero", "../../../../dev/zero", "courtseal/torn-fifo"] {
        let e = courtseal::entry::RecoveryEntry {
            v: VERSION,
            kind: "recovery".into(),
            at: entry::now_utc(),
            offset: 0,
            length: 10,
            sha256: courtseal::digest::Sha256Digest::of(b"0123456789"),
            saved_as: saved_as.into(),
        };
        session::append_lines(&fx.paths(), &[entry::to_line(&e)]).unwrap();
    }
    let (code, err) = run_bounded(&fx.dir, &["verify", "s", "--trust", "trust.txt"]);
    assert_eq!(code, 0, "{err}");
    let (_, v) = fx.verify();
    let recovered: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "log.recovered")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(recovered.len(), 3);
    assert!(recovered
        .iter()
        .all(|m| m.contains("that file is missing or changed")));
}
