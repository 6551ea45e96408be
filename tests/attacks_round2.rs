//! Second round of attacks on the verdict, made as a court insider who can
//! write the session folder (with no key, or with one key) or as a hostile
//! file would. Each test is named after the attack and asserts the exact
//! verdict the tool must give.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{copy_sample, demo_key, run, vkey};
use courtseal::checkpoint::Checkpoint;
use courtseal::entry::{self, HeartbeatEntry, VERSION};
use courtseal::session::{self, Log, SessionPaths};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const ORIGIN: &str = "court.example/attacks-round2";

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fx {
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        demo_key(&dir, "demo-recorder");
        demo_key(&dir, "demo-secretary");
        fs::write(
            dir.join("trust.txt"),
            format!(
                "recorder {}\noperator {}\n",
                vkey("demo-recorder"),
                vkey("demo-secretary")
            ),
        )
        .unwrap();
        Fx { _tmp: tmp, dir }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn paths(&self, name: &str) -> SessionPaths {
        SessionPaths::new(&self.p(name))
    }

    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        run(&self.dir, args)
    }

    fn seal_code(&self, name: &str) -> (i32, String) {
        let (code, _, err) = self.cs(&[
            "seal",
            name,
            "--key",
            "demo-recorder.key",
            "--origin",
            ORIGIN,
            "--no-silence",
        ]);
        (code, err)
    }

    fn seal(&self, name: &str) {
        let (code, err) = self.seal_code(name);
        assert_eq!(code, 0, "{err}");
    }

    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut a = args.to_vec();
        a.extend(["--trust", "trust.txt", "--json"]);
        let (code, out, err) = self.cs(&a);
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    fn lines(&self, name: &str) -> Vec<String> {
        fs::read_to_string(self.paths(name).log)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Rewrites the log of `name` with `lines` (an insider editing the
    /// unsigned tail).
    fn write_lines(&self, name: &str, lines: &[String]) {
        let mut text = lines.join("\n");
        text.push('\n');
        fs::write(self.paths(name).log, text).unwrap();
    }

    fn append(&self, name: &str, line: &str) {
        session::append_lines(&self.paths(name), &[line.as_bytes().to_vec()]).unwrap();
    }

    /// Signs a checkpoint over the whole current log with the recorder key.
    fn sign(&self, name: &str) -> u64 {
        let paths = self.paths(name);
        let tree = Log::read(&paths.log).unwrap().tree();
        let signer = courtseal::keys::load_signer(&self.p("demo-recorder.key")).unwrap();
        let cp = Checkpoint::new(ORIGIN, tree.size(), tree.root());
        session::write_checkpoint(&paths, &signer, &cp).unwrap();
        tree.size()
    }

    fn heartbeat(&self, name: &str, at: OffsetDateTime) {
        let e = HeartbeatEntry {
            v: VERSION,
            kind: "heartbeat".into(),
            at: rfc(at),
            segments: 0,
        };
        session::append_lines(&self.paths(name), &[entry::to_line(&e)]).unwrap();
    }

    fn ffmpeg(&self, args: &[&str]) {
        common::ffmpeg(&self.dir, args);
    }

    /// `src` copied to `dst` with its declared start set to `start`.
    fn retimed(&self, src: &str, dst: &str, start: OffsetDateTime) {
        self.ffmpeg(&[
            "-i",
            src,
            "-map",
            "0",
            "-c",
            "copy",
            "-metadata",
            &format!("creation_time={}", rfc(start)),
            dst,
        ]);
    }

    /// The sample record of `name`, moved to run from `start` to `end`,
    /// with `extra` appended.
    fn record_between(&self, name: &str, start: OffsetDateTime, end: OffsetDateTime, extra: &str) {
        let text = String::from_utf8(common::sample("record.toml"))
            .unwrap()
            .replace(
                "start = 2026-11-20T09:00:00+05:00",
                &format!("start = {}", rfc(start)),
            )
            .replace(
                "end = 2026-11-20T09:00:51+05:00",
                &format!("end = {}", rfc(end)),
            );
        fs::write(self.p(&format!("{name}/record.toml")), text + extra).unwrap();
    }
}

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).unwrap()
}

/// The line with its `"sealed_at"` value replaced by `at`.
fn with_sealed_at(line: &str, at: &str) -> String {
    let v: Value = serde_json::from_str(line).unwrap();
    let old = v["sealed_at"].as_str().unwrap();
    line.replace(
        &format!(r#""sealed_at":"{old}""#),
        &format!(r#""sealed_at":"{at}""#),
    )
}

/// An operator signs a break today for a stretch of the hearing, appends
/// it to the log with a sealing time of their own choosing (a moment after
/// the break's start) and removes the kept checkpoints that would show it
/// came later. The sealing time is the sealer's to set: the sealer must not
/// sign a line whose sealing time is earlier than the entries before it,
/// so the break is never "announced at the time".
#[test]
fn an_operator_event_appended_with_a_chosen_sealing_time_is_not_signed() {
    let fx = Fx::new();
    copy_sample(&fx.p("s"), &["seg-0002.m4a"]);
    fx.seal("s");
    let (code, _, err) = fx.cs(&[
        "event",
        "s",
        "break",
        "--reason",
        "break",
        "--force",
        "--at",
        "2026-11-20T09:00:15+05:00",
        "--key",
        "demo-secretary.key",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut lines = fx.lines("s");
    assert_eq!(lines.len(), 5);
    lines[4] = with_sealed_at(&lines[4], "2026-11-20T04:00:16.000Z");
    fx.write_lines("s", &lines);
    for e in fs::read_dir(fx.paths("s").checkpoints).unwrap() {
        fs::remove_file(e.unwrap().path()).unwrap();
    }
    let (code, err) = fx.seal_code("s");
    assert_eq!(code, 2, "the sealer signed a sealing time it did not set");
    assert!(err.contains("line 5"), "{err}");
    assert!(err.contains("sealing time"), "{err}");
    // Nothing was signed: the event stays outside every checkpoint.
    let cp = fs::read_to_string(fx.paths("s").checkpoint).unwrap();
    assert_eq!(cp.lines().nth(1), Some("4"));
    fx.record_between(
        "s",
        OffsetDateTime::parse("2026-11-20T09:00:00+05:00", &Rfc3339).unwrap(),
        OffsetDateTime::parse("2026-11-20T09:00:51+05:00", &Rfc3339).unwrap(),
        "[[break]]\nfrom = 2026-11-20T09:00:15+05:00\nto = 2026-11-20T09:00:29+05:00\nkind = \"break\"\n",
    );
    let (code, c) = fx.json(&["check", "s"]);
    assert_eq!(code, 1, "{c}");
}

/// Under live sealing, a file that arrives long after a stop is given by
/// an insider with no key a segment entry derived exactly as the sealer
/// would, but with an early sealing time, so that it does not look sealed
/// late. The sealer must refuse to sign a sealing time earlier than the
/// entries before it.
#[test]
fn a_segment_entry_appended_with_an_early_sealing_time_is_not_signed() {
    let fx = Fx::new();
    fs::create_dir(fx.p("s")).unwrap();
    fs::create_dir(fx.p("t")).unwrap();
    copy_sample(&fx.p("src"), &[]);
    let t0 = now() - time::Duration::minutes(30);
    fx.retimed("src/seg-0001.m4a", "s/seg-0001.m4a", t0);
    fx.seal("s");
    fx.heartbeat("s", now());
    fx.sign("s");
    fx.retimed(
        "src/seg-0002.m4a",
        "s/seg-0002.m4a",
        t0 + time::Duration::seconds(15),
    );
    // The entry the sealer would write, derived in a copy.
    fs::copy(fx.p("s/seg-0001.m4a"), fx.p("t/seg-0001.m4a")).unwrap();
    fs::copy(fx.p("s/seg-0002.m4a"), fx.p("t/seg-0002.m4a")).unwrap();
    fx.seal("t");
    let line = fx
        .lines("t")
        .into_iter()
        .find(|l| l.contains(r#""name":"seg-0002.m4a""#))
        .unwrap();
    let early = rfc(t0 + time::Duration::seconds(30));
    fs::copy(
        fx.p("t/courtseal/windows/2.jsonl"),
        fx.p("s/courtseal/windows/2.jsonl"),
    )
    .unwrap();
    fx.append("s", &with_sealed_at(&line, &early));
    let (code, err) = fx.seal_code("s");
    assert_eq!(code, 2, "the sealer signed a sealing time it did not set");
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("sealing time"), "{err}");
    let cp = fs::read_to_string(fx.paths("s").checkpoint).unwrap();
    assert_eq!(cp.lines().nth(1), Some("3"));
}

/// An operator seals the record with a verdict-in-force date years before
/// the hearing, so that the retention deadline has long passed and an
/// archivist's `retire` destroys the media days after the session. A record
/// whose verdict date is before its own hearing date is refused by `record
/// seal`; so the operator moves the whole record back to 1999 (hearing,
/// finalisation and verdict), which is consistent in itself. A verdict
/// cannot enter into force before the recording it concludes (the
/// recorder's signed times): no deadline comes from it, nothing is deleted.
#[test]
fn a_sealed_verdict_date_before_the_session_does_not_allow_early_destruction() {
    let fx = Fx::new();
    copy_sample(&fx.p("s"), &[]);
    fx.seal("s");
    let (code, _, err) = fx.cs(&["keys", "generate", "--name", "arch", "--out", "."]);
    assert_eq!(code, 0, "{err}");
    let arch = fs::read_to_string(fx.p("arch.vkey")).unwrap();
    let mut trust = fs::read_to_string(fx.p("trust.txt")).unwrap();
    trust.push_str(&format!("archivist {}\n", arch.trim()));
    fs::write(fx.p("trust.txt"), trust).unwrap();
    let sample = String::from_utf8(common::sample("record.toml")).unwrap();
    // First the date alone: refused before anything is signed.
    let early = sample.replace(
        "finalised = 2026-11-21",
        "finalised = 2026-11-21\nverdict_in_force = 2000-01-01",
    );
    fs::write(fx.p("s/record.toml"), &early).unwrap();
    let log_before = fs::read(fx.paths("s").log).unwrap();
    let seal_record = || {
        fx.cs(&[
            "record",
            "seal",
            "s",
            "--key",
            "demo-secretary.key",
            "--recorder-key",
            "demo-recorder.key",
        ])
    };
    let (code, _, err) = seal_record();
    assert_eq!(
        code, 2,
        "record seal signed a verdict dated before the hearing"
    );
    assert!(err.contains("2000-01-01 is before the hearing"), "{err}");
    assert_eq!(fs::read(fx.paths("s").log).unwrap(), log_before);
    // Then the whole record moved back (Almaty was at +06:00 in 1999).
    let moved = sample
        .replace(
            "start = 2026-11-20T09:00:00+05:00",
            "start = 1999-12-31T09:00:00+06:00",
        )
        .replace(
            "end = 2026-11-20T09:00:51+05:00",
            "end = 1999-12-31T09:00:51+06:00",
        )
        .replace(
            "finalised = 2026-11-21",
            "finalised = 2000-01-01\nverdict_in_force = 2000-01-01",
        );
    fs::write(fx.p("s/record.toml"), &moved).unwrap();
    let (code, _, err) = seal_record();
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = fx.cs(&[
        "retire",
        "s",
        "--key",
        "arch.key",
        "--basis",
        "retention elapsed",
        "--trust",
        "trust.txt",
    ]);
    assert_eq!(
        code, 2,
        "media deleted on a verdict dated before the session: {out}"
    );
    assert!(err.contains("2000-01-01"), "{err}");
    assert!(err.contains("before the session"), "{err}");
    for seg in [
        "seg-0001.m4a",
        "seg-0002.m4a",
        "seg-0003.mp4",
        "seg-0004.m4a",
    ] {
        assert!(fx.p(&format!("s/{seg}")).exists(), "{seg} deleted");
    }
    // The archive's audit takes no deadline from it either, and says why.
    let (code, out, err) = fx.cs(&["audit", ".", "--trust", "trust.txt", "--json"]);
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let s = v["report"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["session"] == "s")
        .unwrap()
        .clone();
    assert!(s["deadline"].is_null(), "{s}");
    let f: Vec<(String, String)> = s["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
            )
        })
        .filter(|(c, _)| c.starts_with("retention."))
        .collect();
    assert_eq!(
        f,
        [(
            "retention.verdict_before_session".to_owned(),
            "s".to_owned()
        )]
    );
}

/// Before the recorder first seals a folder, an insider with no key plants
/// a session header whose origin holds an invisible right-to-left override
/// (and an opening time of their choosing); the sealer, run without
/// `--origin` since a log exists, would sign it. An origin the sealer
/// refuses for a new log is refused in a planted header too.
#[test]
fn a_planted_session_header_with_an_invisible_origin_is_not_signed() {
    let fx = Fx::new();
    copy_sample(
        &fx.p("t"),
        &["seg-0002.m4a", "seg-0003.mp4", "seg-0004.m4a"],
    );
    fx.seal("t");
    let header = fx.lines("t").remove(0);
    let planted = header
        .replace(
            &format!(r#""origin":"{ORIGIN}""#),
            r#""origin":"court.example/\u202eevil""#,
        )
        .replace(r#""session":"t""#, r#""session":"s""#);
    assert_ne!(planted, header);
    copy_sample(
        &fx.p("s"),
        &["seg-0002.m4a", "seg-0003.mp4", "seg-0004.m4a"],
    );
    fs::create_dir(fx.p("s/courtseal")).unwrap();
    fs::write(fx.paths("s").log, format!("{planted}\n")).unwrap();
    let (code, _, err) = fx.cs(&["seal", "s", "--key", "demo-recorder.key", "--no-silence"]);
    assert_eq!(
        code, 2,
        "a planted header with an invisible origin was signed"
    );
    assert!(err.contains("line 1 (session entry)"), "{err}");
    assert!(err.contains("U+202E"), "{err}");
    assert!(!fx.paths("s").checkpoint.exists());
    assert_eq!(fx.lines("s"), [planted]);
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

/// An audit is interrupted after two sessions, one of them damaged. An
/// insider who can write the state file gives the damaged session the
/// result of the intact one (keeping its own fingerprint, so nothing looks
/// changed, and the intact line's signature). Each result is signed by the
/// archivist key over the run and the line, so the forged line does not
/// verify and `audit --resume` audits the damaged session again.
#[test]
fn a_forged_result_in_the_audit_state_is_not_taken_by_resume() {
    let fx = Fx::new();
    let (code, _, err) = fx.cs(&["keys", "generate", "--name", "archivist", "--out", "."]);
    assert_eq!(code, 0, "{err}");
    for (s, origin) in [
        ("a", "court.example/a"),
        ("b", "court.example/b"),
        ("c", "court.example/c"),
    ] {
        copy_sample(&fx.p(&format!("archive/{s}")), &[]);
        let (code, _, err) = fx.cs(&[
            "seal",
            &format!("archive/{s}"),
            "--key",
            "demo-recorder.key",
            "--origin",
            origin,
            "--no-silence",
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let victim = fx.p("archive/b/seg-0001.m4a");
    let mut bytes = fs::read(&victim).unwrap();
    bytes[1000] ^= 1;
    fs::write(&victim, bytes).unwrap();

    let mut trust = courtseal::keys::TrustStore::new();
    trust.load(&fx.p("trust.txt")).unwrap();
    let opts = courtseal::audit::AuditOptions {
        retention: courtseal::audit::Retention {
            years: 1,
            months: 0,
            days: 0,
        },
        due_within_days: 0,
        today: time::macros::date!(2026 - 11 - 25),
        state: Some(fx.p("state.jsonl")),
        resume: false,
        strict: false,
        state_key: Some(courtseal::audit::StateKey(std::sync::Arc::new(
            courtseal::keys::load_signer(&fx.p("archivist.key")).unwrap(),
        ))),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let r = pool
        .install(|| courtseal::audit::audit(&fx.p("archive"), &trust, &opts, &StopAfter(2.into())))
        .unwrap();
    assert!(r.interrupted);
    let audited: Vec<&str> = r.sessions.iter().map(|s| s.session.as_str()).collect();
    assert_eq!(audited, ["a", "b"]);

    // The insider's edit: b's line gets a's result, under b's name.
    let text = fs::read_to_string(fx.p("state.jsonl")).unwrap();
    let mut lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let find = |lines: &[Value], s: &str| {
        lines
            .iter()
            .position(|l| l["result"]["session"] == s)
            .unwrap()
    };
    let (ia, ib) = (find(&lines, "a"), find(&lines, "b"));
    assert_eq!(lines[ia]["result"]["status"], "intact");
    assert_eq!(lines[ib]["result"]["status"], "damaged");
    let mut forged = lines[ia].clone();
    forged["fingerprint"] = lines[ib]["fingerprint"].clone();
    forged["result"]["session"] = "b".into();
    lines[ib] = forged;
    let out: String = lines.iter().map(|l| format!("{l}\n")).collect();
    fs::write(fx.p("state.jsonl"), out).unwrap();

    let archive = fx.p("archive").display().to_string();
    let (code, stdout, err) = fx.cs(&[
        "audit",
        &archive,
        "--trust",
        "trust.txt",
        "--today",
        "2026-11-25",
        "--json",
        "--state",
        "state.jsonl",
        "--resume",
        "--html",
        "act.html",
        "--sign",
        "archivist.key",
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let b = v["report"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["session"] == "b")
        .unwrap()
        .clone();
    assert_eq!(b["status"], "damaged", "{b}");
    assert_eq!(
        code, 1,
        "a damaged session was taken as intact from a forged state"
    );
}

/// The secretary seals the record without the recorder key, so the entry
/// waits for the next seal; before it runs, an insider with no key gives
/// the unsigned entry a verdict-in-force date its signature does not say.
/// The sealer must check a record entry's signature before signing over
/// it, as it does an event's.
#[test]
fn a_record_entry_edited_before_the_next_seal_is_not_signed() {
    let fx = Fx::new();
    copy_sample(&fx.p("s"), &[]);
    fx.seal("s");
    let (code, _, err) = fx.cs(&["record", "seal", "s", "--key", "demo-secretary.key"]);
    assert_eq!(code, 0, "{err}");
    let mut lines = fx.lines("s");
    assert_eq!(lines.len(), 6);
    let edited = lines[5].replace(
        r#""verdict_in_force":null"#,
        r#""verdict_in_force":"2000-01-01""#,
    );
    assert_ne!(edited, lines[5]);
    lines[5] = edited;
    fx.write_lines("s", &lines);
    let (code, err) = fx.seal_code("s");
    assert_eq!(code, 2, "the sealer signed a record entry it did not check");
    assert!(err.contains("line 6 (record entry)"), "{err}");
    assert!(err.contains("signature does not check"), "{err}");
    let cp = fs::read_to_string(fx.paths("s").checkpoint).unwrap();
    assert_eq!(cp.lines().nth(1), Some("5"));
}
