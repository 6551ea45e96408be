//! Attacks on the verdict of `verify` and `check`, made as a court insider
//! who can write the session folder: lines appended to the log that no
//! trusted checkpoint covers, a log rolled back, events stated at another
//! time than they were sealed, a recorder tag set to hide a stop, a live
//! session whose close is missing. Each test is named after the attack and
//! asserts the exact codes, locations and times the tool must give.

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

const ORIGIN: &str = "court.example/verdict-test";

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

    fn seal(&self, name: &str) {
        let (code, _, err) = self.cs(&[
            "seal",
            name,
            "--key",
            "demo-recorder.key",
            "--origin",
            ORIGIN,
            "--no-silence",
        ]);
        assert_eq!(code, 0, "{err}");
    }

    /// A copy of the sample session without `without`, sealed.
    fn sealed(&self, name: &str, without: &[&str]) {
        copy_sample(&self.p(name), without);
        self.seal(name);
    }

    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut a = args.to_vec();
        a.extend(["--trust", "trust.txt", "--json"]);
        let (code, out, err) = self.cs(&a);
        assert!(code == 0 || code == 1, "{err}");
        let mut v: Value = serde_json::from_str(&out).unwrap();
        // The record of these sessions is never sealed (`record seal`): check
        // says so first, with a warning tests/sealed_record.rs pins. Taken
        // out here so each test reads the findings of its own attack.
        if args.first() == Some(&"check") {
            let f = v["findings"].as_array_mut().unwrap();
            assert_eq!(f[0]["code"], "record.not_sealed", "{f:?}");
            f.remove(0);
        }
        (code, v)
    }

    fn lines(&self, name: &str) -> Vec<String> {
        fs::read_to_string(self.paths(name).log)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
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

    /// The sample record of `name`, moved to run from `start` to `end`.
    fn record_between(&self, name: &str, start: OffsetDateTime, end: OffsetDateTime) {
        // Its times are written in UTC, so it names no zone; it is
        // finalised on the day it ends.
        let text = String::from_utf8(common::sample("record.toml"))
            .unwrap()
            .replace("time_zone = \"Asia/Almaty\"", "")
            .replace(
                "finalised = 2026-11-21",
                &format!("finalised = {}", end.date()),
            )
            .replace(
                "start = 2026-11-20T09:00:00+05:00",
                &format!("start = {}", rfc(start)),
            )
            .replace(
                "end = 2026-11-20T09:00:51+05:00",
                &format!("end = {}", rfc(end)),
            );
        fs::write(self.p(&format!("{name}/record.toml")), text).unwrap();
    }
}

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).unwrap()
}

/// "code location" of each finding.
fn codes(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["code"].as_str().unwrap(),
                f["location"].as_str().unwrap()
            )
        })
        .collect()
}

fn state_of(v: &Value, name: &str) -> String {
    v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .map(|s| s["state"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The log line that seals `name` in session `from`.
fn entry_line(fx: &Fx, from: &str, name: &str) -> String {
    fx.lines(from)
        .into_iter()
        .find(|l| l.contains(&format!(r#""name":"{name}""#)))
        .unwrap()
}

/// A segment entry appended by hand after the last checkpoint, with its
/// file put in place: the file is not sealed, and the recording it claims
/// does not fill the gap on the timeline.
#[test]
fn an_appended_unsigned_segment_is_not_counted_as_sealed() {
    let fx = Fx::new();
    fx.sealed("full", &[]);
    fx.sealed("s", &["seg-0002.m4a"]);
    fx.append("s", &entry_line(&fx, "full", "seg-0002.m4a"));
    fs::copy(fx.p("full/seg-0002.m4a"), fx.p("s/seg-0002.m4a")).unwrap();

    let (code, v) = fx.json(&["verify", "s"]);
    assert_eq!(code, 1);
    assert_eq!(v["verified_size"], 4);
    assert_eq!(
        codes(&v["findings"]),
        [
            "log.unsigned_entries courtseal/log.jsonl:5",
            "segment.unsealed seg-0002.m4a"
        ]
    );
    assert_eq!(state_of(&v, "seg-0002.m4a"), "unsealed");

    let (code, c) = fx.json(&["check", "s"]);
    assert_eq!(code, 1);
    let placed: Vec<&str> = c["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(placed, ["seg-0001.m4a", "seg-0003.mp4", "seg-0004.m4a"]);
    assert_eq!(
        codes(&c["findings"]),
        ["continuity.undeclared_gap 2026-11-20T09:00:15+05:00 to 2026-11-20T09:00:29+05:00"]
    );
}

/// An appended entry naming a file that is not there: itself a finding.
#[test]
fn an_unproven_entry_naming_a_missing_file_is_reported() {
    let fx = Fx::new();
    fx.sealed("full", &[]);
    fx.sealed("s", &["seg-0002.m4a"]);
    fx.append("s", &entry_line(&fx, "full", "seg-0002.m4a"));
    let (code, v) = fx.json(&["verify", "s"]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&v["findings"]),
        [
            "log.unsigned_entries courtseal/log.jsonl:5",
            "log.unproven_file_missing courtseal/log.jsonl:5"
        ]
    );
    assert_eq!(v["findings"][1]["severity"], "error");
    assert_eq!(state_of(&v, "seg-0002.m4a"), "");
}

/// Verified with a key that signed none of its checkpoints, a log vouches
/// for no file and places nothing on the timeline.
#[test]
fn a_log_no_trusted_checkpoint_covers_vouches_for_no_file() {
    let fx = Fx::new();
    fx.sealed("s", &[]);
    // Only the operator key is trusted to sign checkpoints now.
    fs::write(
        fx.p("trust.txt"),
        format!("recorder {}\n", vkey("demo-secretary")),
    )
    .unwrap();
    let (code, v) = fx.json(&["verify", "s"]);
    assert_eq!(code, 1);
    assert_eq!(v["verified_size"], 0);
    let states: Vec<&str> = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["unsealed"; 4]);
    let (code, c) = fx.json(&["check", "s"]);
    assert_eq!(code, 1);
    assert_eq!(c["segments"], serde_json::json!([]));
    assert_eq!(
        codes(&c["findings"]),
        ["continuity.undeclared_gap 2026-11-20T09:00:00+05:00 to 2026-11-20T09:00:51+05:00"]
    );
}

/// An operator event signed by a trusted operator but appended after the
/// last checkpoint announces nothing, and its times are not judged.
#[test]
fn an_appended_unsigned_event_does_not_announce_a_break() {
    let fx = Fx::new();
    fx.sealed("s", &["seg-0002.m4a"]);
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
    fs::write(
        fx.p("s/record.toml"),
        String::from_utf8(common::sample("record.toml")).unwrap()
            + "[[break]]\nfrom = 2026-11-20T09:00:15+05:00\nto = 2026-11-20T09:00:29+05:00\nkind = \"break\"\n",
    )
    .unwrap();
    let (code, c) = fx.json(&["check", "s"]);
    assert_eq!(code, 1);
    assert_eq!(c["verify"]["events"][0]["sealed"], false);
    assert_eq!(c["verify"]["events"][0]["ok"], true);
    assert_eq!(
        codes(&c["verify"]["findings"]),
        ["log.unsigned_entries courtseal/log.jsonl:5"]
    );
    assert_eq!(
        codes(&c["findings"]),
        [
            "record.break_not_sealed record: line 24",
            "continuity.unannounced_break 2026-11-20T09:00:15+05:00 to 2026-11-20T09:00:29+05:00"
        ]
    );
    assert_eq!(c["marks"], serde_json::json!([]));
}

/// The log cut back to an earlier size together with its latest
/// checkpoint: a trusted checkpoint for the longer log, kept in
/// checkpoints/ under any name, shows the rollback.
#[test]
fn a_rolled_back_log_is_caught_by_a_checkpoint_under_any_name() {
    for stray in ["5.bak", ".tmp-5", "latest"] {
        let fx = Fx::new();
        fx.sealed("s", &["seg-0004.m4a"]);
        fs::copy(
            common::repo(common::SAMPLE).join("seg-0004.m4a"),
            fx.p("s/seg-0004.m4a"),
        )
        .unwrap();
        fx.seal("s");
        let paths = fx.paths("s");
        // Roll back: four lines, the latest checkpoint replaced by the one
        // for four, the one for five kept only under another name.
        let lines = fx.lines("s");
        fs::write(&paths.log, lines[..4].join("\n") + "\n").unwrap();
        fs::copy(paths.checkpoint_at(4), &paths.checkpoint).unwrap();
        fs::rename(paths.checkpoint_at(5), paths.checkpoints.join(stray)).unwrap();
        fs::remove_file(fx.p("s/seg-0004.m4a")).unwrap();
        let (code, v) = fx.json(&["verify", "s"]);
        assert_eq!(code, 1, "{stray}");
        assert_eq!(
            codes(&v["findings"]),
            [format!(
                "checkpoint.size_mismatch courtseal/checkpoints/{stray}"
            )],
            "{stray}"
        );
        assert!(
            v["findings"][0]["message"]
                .as_str()
                .unwrap()
                .contains("kept under a name that is not its size"),
            "{v}"
        );
        // A stray file that is no trusted checkpoint is only a warning.
        fs::write(paths.checkpoints.join(stray), "not a checkpoint\n").unwrap();
        let (code, v) = fx.json(&["verify", "s"]);
        assert_eq!(code, 0, "{stray}: {v}");
        assert_eq!(
            codes(&v["findings"]),
            [format!(
                "checkpoint.malformed courtseal/checkpoints/{stray}"
            )]
        );
        assert_eq!(v["findings"][0]["severity"], "warning");
    }
}

/// A session the service ran (heartbeats, signed) whose close entry is
/// missing: verify warns, check refuses to rely on the record's end alone.
#[test]
fn a_live_session_without_its_close_is_reported_not_closed() {
    let fx = Fx::new();
    fx.sealed("s", &[]);
    fx.heartbeat("s", now());
    let size = fx.sign("s");
    assert_eq!(size, 6);
    let (code, v) = fx.json(&["verify", "s"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        codes(&v["findings"]),
        ["session.not_closed courtseal/log.jsonl"]
    );
    assert_eq!(v["findings"][0]["severity"], "warning");
    assert_eq!(v["closed_at"], Value::Null);
    let (code, c) = fx.json(&["check", "s"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&c["findings"]), ["record.end_not_sealed record: end"]);
    let (_, out, _) = fx.cs(&["verify", "s", "--trust", "trust.txt"]);
    assert!(
        out.contains("Service      1 heartbeat; session not closed"),
        "{out}"
    );

    // A close appended after the last checkpoint does not count either.
    let (code, _, err) = fx.cs(&["close", "s", "--key", "demo-recorder.key"]);
    assert_eq!(code, 0, "{err}");
    let (code, c) = fx.json(&["check", "s"]);
    assert_eq!(code, 0, "{c}");
    let lines = fx.lines("s");
    assert!(lines.last().unwrap().contains(r#""kind":"close""#));
    fs::remove_file(fx.paths("s").checkpoint_at(7)).unwrap();
    fs::copy(fx.paths("s").checkpoint_at(6), fx.paths("s").checkpoint).unwrap();
    let (code, c) = fx.json(&["check", "s"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&c["findings"]), ["record.end_not_sealed record: end"]);
    assert_eq!(c["verify"]["closed_at"], Value::Null);
}

/// An event stated long before it was entered is backdated from its entry
/// alone, with no kept checkpoint to compare it with.
#[test]
fn an_event_stated_far_before_it_was_sealed_is_backdated_from_the_entry_alone() {
    let fx = Fx::new();
    fx.sealed("s", &[]);
    let (code, _, err) = fx.cs(&[
        "event",
        "s",
        "pause",
        "--reason",
        "judge ordered a break",
        "--force",
        "--at",
        "2026-11-20T09:00:20+05:00",
        "--key",
        "demo-secretary.key",
        "--recorder-key",
        "demo-recorder.key",
    ]);
    assert_eq!(code, 0, "{err}");
    for e in fs::read_dir(fx.paths("s").checkpoints).unwrap() {
        fs::remove_file(e.unwrap().path()).unwrap();
    }
    let (code, v) = fx.json(&["verify", "s"]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&v["findings"]),
        ["event.backdated courtseal/log.jsonl:6"]
    );
    let f = &v["findings"][0];
    assert_eq!(f["time"]["from"], "2026-11-20T04:00:20Z");
    // The same instant (the finding's time drops trailing zeros of the
    // milliseconds, the entry keeps three digits).
    let instant = |x: &Value| {
        OffsetDateTime::parse(
            x.as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert_eq!(
        instant(&f["time"]["to"]),
        instant(&v["events"][0]["sealed_at"])
    );
}

/// An event stated for a time after it was sealed describes what had not
/// happened: a warning, and it announces nothing.
#[test]
fn an_event_stated_after_it_was_sealed_is_future_and_announces_nothing() {
    let fx = Fx::new();
    fx.sealed("s", &[]);
    let later = rfc(now() + time::Duration::hours(1));
    let (code, _, err) = fx.cs(&[
        "event",
        "s",
        "break",
        "--reason",
        "break announced in advance",
        "--force",
        "--at",
        &later,
        "--key",
        "demo-secretary.key",
        "--recorder-key",
        "demo-recorder.key",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, v) = fx.json(&["verify", "s"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        codes(&v["findings"]),
        ["event.future courtseal/log.jsonl:6"]
    );
    assert_eq!(v["findings"][0]["severity"], "warning");
    assert_eq!(v["findings"][0]["time"]["to"], later);
}

/// A recorder tag set so that a file claims to end after it was sealed:
/// reported, and the file is placed by its sealing time, which says why.
#[test]
fn a_segment_tagged_to_end_after_its_sealing_is_placed_by_its_sealing_time() {
    let fx = Fx::new();
    fs::create_dir(fx.p("s")).unwrap();
    copy_sample(&fx.p("src"), &[]);
    let t0 = now();
    fx.retimed(
        "src/seg-0001.m4a",
        "s/seg-0001.m4a",
        t0 + time::Duration::hours(1),
    );
    fx.record_between(
        "s",
        t0 - time::Duration::seconds(15),
        t0 + time::Duration::seconds(60),
    );
    fx.seal("s");
    let (code, c) = fx.json(&["check", "s"]);
    assert_eq!(code, 1);
    let found = codes(&c["findings"]);
    assert_eq!(
        found[0], "continuity.ends_after_sealing courtseal/log.jsonl:2",
        "{found:?}"
    );
    let seg = &c["segments"][0];
    assert_eq!(seg["placed_by"], "sealing time");
    assert!(
        seg["why"]
            .as_str()
            .unwrap()
            .contains("would end it after it was sealed"),
        "{seg}"
    );
    let (_, out, _) = fx.cs(&["check", "s", "--trust", "trust.txt"]);
    assert!(
        out.contains("seg-0001.m4a  (placed by sealing time: its declared start would end it after it was sealed"),
        "{out}"
    );
}

/// Under live sealing, a file tagged to start earlier than it did, to
/// cover a stop, is sealed long after the end it claims while heartbeats
/// show the service was running: reported, and placed by its sealing time,
/// which shows the stop.
#[test]
fn a_segment_tagged_to_hide_a_stop_under_live_sealing_is_sealed_late() {
    let fx = Fx::new();
    fs::create_dir(fx.p("s")).unwrap();
    copy_sample(&fx.p("src"), &[]);
    let t0 = now() - time::Duration::minutes(30);
    // Recorded from t0 for 15 s, then nothing, then a file that claims to
    // follow at once (t0 + 15 s) but only arrives now.
    fx.retimed("src/seg-0001.m4a", "s/seg-0001.m4a", t0);
    fx.seal("s");
    fx.heartbeat("s", t0 + time::Duration::minutes(10));
    fx.sign("s");
    fx.retimed(
        "src/seg-0002.m4a",
        "s/seg-0002.m4a",
        t0 + time::Duration::seconds(15),
    );
    fx.seal("s");
    let (code, _, err) = fx.cs(&["close", "s", "--key", "demo-recorder.key"]);
    assert_eq!(code, 0, "{err}");
    fx.record_between("s", t0, t0 + time::Duration::seconds(29));
    let (code, c) = fx.json(&["check", "s"]);
    assert_eq!(code, 1);
    let found: Vec<&str> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    // Placed by its sealing time, it ends now: the declared session from
    // t0 + 15 s on has no recording.
    assert_eq!(found, ["continuity.sealed_late", "continuity.early_end"]);
    assert_eq!(c["findings"][0]["location"], "courtseal/log.jsonl:4");
    assert_eq!(
        c["findings"][1]["time"]["from"],
        rfc(t0 + time::Duration::seconds(15))
    );
    let seg = &c["segments"][1];
    assert_eq!(seg["name"], "seg-0002.m4a");
    assert_eq!(seg["placed_by"], "sealing time");
    assert!(
        seg["why"]
            .as_str()
            .unwrap()
            .contains("while the sealing service was running"),
        "{seg}"
    );
}
