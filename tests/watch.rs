//! Sealing at capture, on real runs of `courtseal seal --watch`: segments
//! written over time (partly written files, temporary names), operator
//! events through the service and without it, heartbeats, SIGKILL and
//! restart, SIGTERM, `courtseal close`, and a chain of sessions.

mod common;

use std::fs;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_courtseal")
}

impl Fx {
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        common::demo_key(&dir, "demo-recorder");
        common::demo_key(&dir, "demo-secretary");
        let trust = format!(
            "# recorder and operator keys of the demo courtroom\nrecorder {}\noperator {}\n",
            common::vkey("demo-recorder"),
            common::vkey("demo-secretary")
        );
        fs::write(dir.join("trust.txt"), trust).unwrap();
        Fx { _tmp: tmp, dir }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn sample(&self, name: &str) -> Vec<u8> {
        common::sample(name)
    }

    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        common::run(&self.dir, args)
    }

    /// Starts the service on `session` (heartbeats every second, settle 1 s).
    fn watch(&self, session: &str) -> Child {
        fs::create_dir_all(self.p(session)).unwrap();
        let child = Command::new(bin())
            .current_dir(&self.dir)
            .args([
                "seal",
                session,
                "--watch",
                "--key",
                "demo-recorder.key",
                "--origin",
                "court.example/watch-test",
                "--settle",
                "1",
                "--heartbeat",
                "1",
                "--no-silence",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the service to hold the session (its first checkpoint).
        self.wait_for(
            || self.p(&format!("{session}/courtseal/checkpoint")).exists(),
            "the service to start",
        );
        child
    }

    fn wait_for(&self, cond: impl Fn() -> bool, what: &str) {
        let until = Instant::now() + Duration::from_secs(20);
        while !cond() {
            assert!(Instant::now() < until, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn entries(&self, session: &str) -> Vec<Value> {
        fs::read_to_string(self.p(&format!("{session}/courtseal/log.jsonl")))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn sealed_names(&self, session: &str) -> Vec<String> {
        self.entries(session)
            .iter()
            .filter(|e| e["kind"] == "segment")
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect()
    }

    fn verify(&self, session: &str, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["verify", session, "--trust", "trust.txt", "--json"];
        args.extend_from_slice(extra);
        let (code, out, err) = self.cs(&args);
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap())
    }
}

/// The kinds of the log's entries, heartbeats left out (their number depends
/// on timing).
fn kinds(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .filter(|k| k != "heartbeat")
        .collect()
}

fn codes(v: &Value) -> Vec<String> {
    let mut c: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    c.sort();
    c
}

fn kill(child: &mut Child, signal: &str) {
    let st = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    child.wait().unwrap();
}

/// A whole session under the service: a segment written under a temporary
/// name and renamed, one written in two steps (partly written for a while),
/// operator events taken in by the running service, heartbeats while nothing
/// arrives, SIGKILL in the middle, a segment and an event arriving while the
/// service is down, restart, and `courtseal close`. The final log holds the
/// exact expected entries and verifies.
#[test]
fn watch_session_with_events_kill_and_restart() {
    let fx = Fx::new();
    let mut svc = fx.watch("s");

    // Written under a temporary name, then renamed: sealed at once.
    fs::write(fx.p("s/seg-0001.m4a.part"), fx.sample("seg-0001.m4a")).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        fx.sealed_names("s").is_empty(),
        "a .part file must not be sealed"
    );
    fs::rename(fx.p("s/seg-0001.m4a.part"), fx.p("s/seg-0001.m4a")).unwrap();
    fx.wait_for(
        || fx.sealed_names("s") == ["seg-0001.m4a"],
        "seg-0001 to be sealed",
    );

    // Partly written: the first half sits there for less than the settle
    // time, then the rest arrives; only the whole file is sealed.
    let seg2 = fx.sample("seg-0002.m4a");
    let mut f = fs::File::create(fx.p("s/seg-0002.m4a")).unwrap();
    f.write_all(&seg2[..seg2.len() / 2]).unwrap();
    f.flush().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    f.write_all(&seg2[seg2.len() / 2..]).unwrap();
    drop(f);

    // An operator event while the service runs.
    let (code, out, err) = fx.cs(&[
        "event",
        "s",
        "pause",
        "--reason",
        "judge ordered a pause",
        "--key",
        "demo-secretary.key",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sealed by the running service"), "{out}");
    fx.wait_for(|| fx.sealed_names("s").len() == 2, "seg-0002 to be sealed");
    let seg2_entry = fx
        .entries("s")
        .into_iter()
        .find(|e| e["name"] == "seg-0002.m4a")
        .unwrap();
    assert_eq!(
        seg2_entry["size"],
        seg2.len() as u64,
        "sealed only when complete"
    );
    std::thread::sleep(Duration::from_millis(1500)); // at least one heartbeat

    // SIGKILL: nothing sealed is lost, and what is on disk verifies.
    kill(&mut svc, "-KILL");
    let (code, v) = fx.verify("s", &["--log-only"]);
    assert_eq!(code, 0, "after SIGKILL: {v}");

    // While the service is down: a segment and an event (no service: the
    // event is appended and waits for the next checkpoint).
    fs::write(fx.p("s/seg-0003.mp4"), fx.sample("seg-0003.mp4")).unwrap();
    let (code, out, err) = fx.cs(&[
        "event",
        "s",
        "resume",
        "--reason",
        "recording resumed",
        "--key",
        "demo-secretary.key",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no sealing service is running"), "{out}");

    let mut svc = fx.watch("s");
    fx.wait_for(
        || fx.sealed_names("s").len() == 3,
        "seg-0003 to be sealed after the restart",
    );
    let (code, out, err) = fx.cs(&["close", "s"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("closed by the sealing service"), "{out}");
    svc.wait().unwrap();

    let entries = fx.entries("s");
    assert_eq!(
        kinds(&entries),
        ["session", "segment", "event", "segment", "event", "restart", "segment", "close"],
        "{entries:#?}"
    );
    assert!(entries.iter().filter(|e| e["kind"] == "heartbeat").count() >= 1);
    let events: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e["kind"] == "event")
        .map(|e| (e["event"].as_str().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        events,
        [
            ("pause", "judge ordered a pause"),
            ("resume", "recording resumed")
        ]
    );
    let (code, v) = fx.verify("s", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(codes(&v), ["service.restarted"]);
    assert_eq!(
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ok"] == true)
            .count(),
        2
    );
    assert!(v["closed_at"].is_string());
}

/// SIGTERM stops the service cleanly: what is complete is sealed, a close
/// entry and a final checkpoint are written.
#[test]
fn sigterm_closes_the_session() {
    let fx = Fx::new();
    let mut svc = fx.watch("t");
    fs::write(fx.p("t/seg-0001.m4a"), fx.sample("seg-0001.m4a")).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    kill(&mut svc, "-TERM");
    let entries = fx.entries("t");
    assert_eq!(kinds(&entries), ["session", "segment", "close"]);
    assert_eq!(entries.last().unwrap()["reason"], "signal");
    let (code, v) = fx.verify("t", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(codes(&v), Vec::<String>::new());
    // A closed session is never reopened.
    let (code, _, err) = fx.cs(&[
        "seal",
        "t",
        "--watch",
        "--key",
        "demo-recorder.key",
        "--settle",
        "1",
        "--heartbeat",
        "1",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("closed"), "{err}");
    // Nor by a plain seal or an event appended afterwards.
    fs::write(fx.p("t/late.m4a"), fx.sample("seg-0002.m4a")).unwrap();
    let (code, _, err) = fx.cs(&["seal", "t", "--key", "demo-recorder.key", "--no-silence"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = fx.cs(&[
        "event",
        "t",
        "note",
        "--reason",
        "afterthought",
        "--key",
        "demo-secretary.key",
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(kinds(&fx.entries("t")), ["session", "segment", "close"]);
}

/// SIGKILL at many moments while segments keep arriving: after each kill the
/// log and checkpoints verify, nothing sealed before is lost, and the
/// restarted service goes on; at the end every segment is sealed once.
#[test]
fn repeated_sigkill_never_loses_or_corrupts() {
    let fx = Fx::new();
    let names = [
        "seg-0001.m4a",
        "seg-0002.m4a",
        "seg-0003.mp4",
        "seg-0004.m4a",
    ];
    let mut sealed_before: Vec<String> = Vec::new();
    for (round, name) in names.iter().enumerate() {
        let mut svc = fx.watch("k");
        fs::write(fx.p(&format!("k/{name}")), fx.sample(name)).unwrap();
        // Kill at a different moment each round, sometimes mid-seal.
        std::thread::sleep(Duration::from_millis(40 + 170 * round as u64));
        kill(&mut svc, "-KILL");
        let now = fx.sealed_names("k");
        assert!(
            now.starts_with(&sealed_before),
            "round {round}: lost {sealed_before:?} -> {now:?}"
        );
        let (code, v) = fx.verify("k", &["--log-only"]);
        assert_eq!(code, 0, "round {round}: {v}");
        sealed_before = now;
    }
    let mut svc = fx.watch("k");
    fx.wait_for(|| fx.sealed_names("k").len() == 4, "all four segments");
    kill(&mut svc, "-TERM");
    let mut names_sealed = fx.sealed_names("k");
    names_sealed.sort();
    assert_eq!(names_sealed, names);
    let (code, v) = fx.verify("k", &[]);
    assert_eq!(code, 0, "{v}");
    assert!(
        codes(&v)
            .iter()
            .all(|c| c == "service.restarted" || c == "log.recovered"),
        "{v}"
    );
}

/// An event whose signature was made by a key the court does not trust as
/// an operator is reported; one whose text was altered after signing fails.
#[test]
fn event_signatures_are_checked() {
    let fx = Fx::new();
    fs::create_dir(fx.p("e")).unwrap();
    fs::write(fx.p("e/seg-0001.m4a"), fx.sample("seg-0001.m4a")).unwrap();
    let (code, _, err) = fx.cs(&[
        "seal",
        "e",
        "--key",
        "demo-recorder.key",
        "--origin",
        "court.example/e",
        "--no-silence",
    ]);
    assert_eq!(code, 0, "{err}");
    fx.cs(&["keys", "generate", "--name", "stranger", "--out", "."]);
    let (code, _, err) = fx.cs(&[
        "event",
        "e",
        "stop",
        "--reason",
        "stopped before the witness",
        "--key",
        "stranger.key",
        "--recorder-key",
        "demo-recorder.key",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, v) = fx.verify("e", &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), ["event.untrusted_operator"]);

    // Alter the reason inside the sealed log: the log no longer matches its
    // checkpoints, and the operator's signature no longer matches the text.
    let log = fs::read_to_string(fx.p("e/courtseal/log.jsonl")).unwrap();
    fs::write(
        fx.p("e/courtseal/log.jsonl"),
        log.replace("stopped before the witness\"", "technical failure\""),
    )
    .unwrap();
    let (_, v) = fx.verify("e", &[]);
    let c = codes(&v);
    assert!(
        c.contains(&"event.bad_signature".to_owned()) && c.contains(&"log.rewritten".to_owned()),
        "{c:?}"
    );
}

/// Three sessions of one courtroom, each chained to the previous one's
/// final checkpoint; deleting the middle one breaks the chain at the third.
#[test]
fn chain_across_three_sessions_shows_a_deleted_one() {
    let fx = Fx::new();
    fs::create_dir(fx.p("series")).unwrap();
    for (i, seg) in ["seg-0001.m4a", "seg-0002.m4a", "seg-0004.m4a"]
        .iter()
        .enumerate()
    {
        let s = format!("series/2026-11-2{i}");
        fs::create_dir(fx.p(&s)).unwrap();
        fs::write(fx.p(&format!("{s}/{seg}")), fx.sample(seg)).unwrap();
        let origin = format!("court.example/courtroom5/2026-11-2{i}");
        let (code, _, err) = fx.cs(&[
            "seal",
            &s,
            "--key",
            "demo-recorder.key",
            "--origin",
            &origin,
            "--series",
            "series",
            "--no-silence",
        ]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            err.contains("chaining to the previous session"),
            i > 0,
            "{err}"
        );
        let (code, _, err) = fx.cs(&["close", &s, "--key", "demo-recorder.key"]);
        assert_eq!(code, 0, "{err}");
        std::thread::sleep(Duration::from_millis(20)); // distinct opening times
    }
    let (code, out, _) = fx.cs(&["series", "series", "--json"]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let links: Vec<Option<&str>> = v["report"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["previous_folder"].as_str())
        .collect();
    assert_eq!(links, [None, Some("2026-11-20"), Some("2026-11-21")]);

    fs::remove_dir_all(fx.p("series/2026-11-21")).unwrap();
    let (code, out, _) = fx.cs(&["series", "series", "--json"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let f: Vec<(&str, &str)> = v["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["location"].as_str().unwrap()))
        .collect();
    assert_eq!(f, [("session.chain_broken", "2026-11-22")]);
}

/// With `--min-free` above what the disk has, the service stops at its
/// first check with the `disk.nearly_full` line and a failure status, and
/// the session it sealed up to then verifies (nothing half-written).
#[test]
fn the_service_stops_when_the_disk_is_nearly_full_and_what_it_sealed_verifies() {
    let fx = Fx::new();
    fs::create_dir_all(fx.p("s")).unwrap();
    fs::write(fx.p("s/seg-001.m4a"), fx.sample("seg-0001.m4a")).unwrap();
    // No disk here has an exabyte free: the limit is always above it.
    let out = Command::new(bin())
        .current_dir(&fx.dir)
        .args([
            "seal",
            "s",
            "--watch",
            "--key",
            "demo-recorder.key",
            "--origin",
            "court.example/watch-test",
            "--settle",
            "1",
            "--heartbeat",
            "1",
            "--no-silence",
            "--min-free",
            "1000000000000",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("STOP disk.nearly_full:") && stdout.contains("below 1000000000000 MB"),
        "{stdout}"
    );
    assert!(
        stderr.contains("stopped: the disk is nearly full (disk.nearly_full)"),
        "{stderr}"
    );
    let (code, out, err) = fx.cs(&["verify", "s", "--trust", "trust.txt", "--log-only"]);
    assert_eq!(code, 0, "{out}{err}");
}
