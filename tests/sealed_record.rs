//! The sealed short-form record (`record seal`) and what relies on it:
//! `check` against the sealed record, retention deadlines only from a sealed
//! verdict date, and `retire` (version 2 entries, deleting only the verified
//! file). Each test is an attack by an insider who can write the session
//! folder, or holds one key that may not sign what they sign.

mod common;

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

use courtseal::entry::{self, Entry, RecordEntry};
use courtseal::log::Log;
use courtseal::session;

const ORIGIN: &str = "court.example/record/s";
const TODAY: &str = "2029-11-25";

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fx {
    /// A sealed copy of the sample session at `s`, with the demo recorder
    /// and secretary keys, an archivist key and a trust file for all three.
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        common::demo_key(&dir, "demo-recorder");
        common::demo_key(&dir, "demo-secretary");
        let fx = Fx { _tmp: tmp, dir };
        for name in ["archivist", "intruder"] {
            let (code, _, err) = fx.cs(&["keys", "generate", "--name", name, "--out", "."]);
            assert_eq!(code, 0, "{err}");
        }
        let trust = format!(
            "recorder {}\noperator {}\narchivist {}\n",
            common::vkey("demo-recorder"),
            common::vkey("demo-secretary"),
            fs::read_to_string(fx.p("archivist.vkey")).unwrap().trim()
        );
        fs::write(fx.p("trust.txt"), trust).unwrap();
        common::copy_sample(&fx.p("s"), &[]);
        let (code, _, err) = fx.cs(&[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            ORIGIN,
            "--no-silence",
        ]);
        assert_eq!(code, 0, "{err}");
        fx
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        common::run(&self.dir, args)
    }

    /// Replaces `from` by `to` in the session's record file.
    fn edit_record(&self, from: &str, to: &str) {
        let p = self.p("s/record.toml");
        let r = fs::read_to_string(&p).unwrap();
        assert!(r.contains(from), "{from}");
        fs::write(&p, r.replacen(from, to, 1)).unwrap();
    }

    /// Gives the record a verdict-in-force date.
    fn set_verdict(&self, date: &str) {
        self.edit_record(
            "finalised = 2026-11-21",
            &format!("finalised = 2026-11-21\nverdict_in_force = {date}"),
        );
    }

    /// `record seal` with `key`, checkpointed by the recorder.
    fn seal_record_with(&self, key: &str) -> (i32, String, String) {
        self.cs(&[
            "record",
            "seal",
            "s",
            "--key",
            key,
            "--recorder-key",
            "demo-recorder.key",
        ])
    }

    fn seal_record(&self) {
        let (code, _, err) = self.seal_record_with("demo-secretary.key");
        assert_eq!(code, 0, "{err}");
    }

    /// `seal` again: signs a checkpoint over whatever was appended.
    fn reseal(&self) {
        let (code, _, err) = self.cs(&["seal", "s", "--key", "demo-recorder.key", "--no-silence"]);
        assert_eq!(code, 0, "{err}");
    }

    fn log(&self) -> Log {
        Log::read(&self.p("s/courtseal/log.jsonl")).unwrap()
    }

    fn append(&self, line: &[u8]) {
        session::append_lines(&session::SessionPaths::new(&self.p("s")), &[line.to_vec()]).unwrap();
    }

    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut a = args.to_vec();
        a.push("--json");
        let (code, out, err) = self.cs(&a);
        assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    fn check(&self) -> (i32, Value) {
        self.json(&["check", "s", "--trust", "trust.txt"])
    }

    fn audit_session(&self) -> Value {
        let (_, v) = self.json(&[
            "audit",
            ".",
            "--trust",
            "trust.txt",
            "--today",
            TODAY,
            "--state",
            "state.jsonl",
        ]);
        let sessions = v["report"]["sessions"].as_array().unwrap();
        sessions
            .iter()
            .find(|s| s["session"] == "s")
            .unwrap()
            .clone()
    }

    fn retire(&self, extra: &[&str]) -> (i32, String, String) {
        let mut args = vec![
            "retire",
            "s",
            "--key",
            "archivist.key",
            "--basis",
            "retention period ended",
            "--trust",
            "trust.txt",
            "--today",
            TODAY,
        ];
        args.extend_from_slice(extra);
        self.cs(&args)
    }
}

/// `code location` of every finding in a list.
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

fn last_record(log: &Log) -> (usize, RecordEntry) {
    log.lines
        .iter()
        .rev()
        .find_map(|l| match &l.entry {
            Ok(Entry::Record(r)) => Some((l.number, r.clone())),
            _ => None,
        })
        .unwrap()
}

#[test]
fn record_seal_appends_a_signed_record_that_check_uses() {
    let fx = Fx::new();
    fx.seal_record();
    let (n, r) = last_record(&fx.log());
    assert_eq!((n, r.revision), (6, 1));
    assert_eq!(r.end, "2026-11-20T04:00:51.000Z");
    let (code, v) = fx.check();
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        v["record_source"],
        serde_json::json!({"from": "sealed", "line": 6, "revision": 1})
    );
    assert_eq!(codes(&v["findings"]), Vec::<String>::new());
    assert_eq!(v["verify"]["records"][0]["state"], "in_force");
}

// An insider moves the session's end in the unsigned file (to hide a log
// cut short): check uses the sealed end and says the file differs.
#[test]
fn a_moved_end_time_in_the_record_file_is_reported_and_the_sealed_one_used() {
    let fx = Fx::new();
    fx.seal_record();
    fx.edit_record(
        "end = 2026-11-20T09:00:51+05:00",
        "end = 2026-11-20T09:00:30+05:00",
    );
    let (code, v) = fx.check();
    assert_eq!(code, 1);
    assert_eq!(
        codes(&v["findings"]),
        ["record.differs_from_sealed record: record.toml"]
    );
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("it differs in end;"), "{msg}");
    assert_eq!(v["record"]["end"], "2026-11-20T09:00:51+05:00");
}

#[test]
fn without_a_sealed_record_check_says_the_file_is_unsigned() {
    let fx = Fx::new();
    let (code, v) = fx.check();
    assert_eq!(code, 0);
    assert_eq!(
        codes(&v["findings"]),
        ["record.not_sealed record: record.toml"]
    );
    assert_eq!(v["findings"][0]["severity"], "warning");
    assert_eq!(
        v["record_source"],
        serde_json::json!({"from": "file", "file": "record.toml"})
    );
}

// The insider moves the verdict date in the unsigned file a year back, to
// have the media destroyed now: neither the deadline nor retire moves.
#[test]
fn moving_the_verdict_date_in_the_record_file_does_not_move_the_deadline() {
    let fx = Fx::new();
    fx.set_verdict("2029-11-21");
    fx.seal_record();
    fx.edit_record(
        "verdict_in_force = 2029-11-21",
        "verdict_in_force = 2027-01-10",
    );
    let s = fx.audit_session();
    assert_eq!(s["verdict_in_force"], "2029-11-21");
    assert_eq!(s["deadline"], "2030-11-21");
    assert_eq!(s["retention"], "keep");
    let c = codes(&s["findings"]);
    assert!(
        c.contains(&"retention.no_sealed_date s".to_owned()),
        "{c:?}"
    );
    assert!(
        c.contains(&"record.differs_from_sealed record: s/record.toml".to_owned()),
        "{c:?}"
    );
    let (code, _, err) = fx.retire(&[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("its retention deadline is 2030-11-21"),
        "{err}"
    );
    assert!(fx.p("s/seg-0001.m4a").exists());
}

#[test]
fn retire_refuses_without_a_sealed_verdict_date_even_with_force() {
    let fx = Fx::new();
    // The date is only in the unsigned file.
    fx.set_verdict("2027-01-10");
    let before = fs::read(fx.p("s/courtseal/log.jsonl")).unwrap();
    let (code, _, err) = fx.retire(&["--force"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no short-form record is sealed in its log"),
        "{err}"
    );
    assert!(err.contains("even with --force"), "{err}");
    assert_eq!(fs::read(fx.p("s/courtseal/log.jsonl")).unwrap(), before);
    assert!(fx.p("s/seg-0001.m4a").exists());
    let s = fx.audit_session();
    assert_eq!(s["retention"], "unknown");
    assert!(s["deadline"].is_null());
}

// A key trusted only as archivist signs a record with an early verdict date:
// the archivist may not set the deadline it enforces.
#[test]
fn a_record_signed_by_an_archivist_key_gives_no_deadline() {
    let fx = Fx::new();
    fx.set_verdict("2027-01-10");
    let (code, _, err) = fx.seal_record_with("archivist.key");
    assert_eq!(code, 0, "{err}");
    let (_, v) = fx.json(&["verify", "s", "--trust", "trust.txt"]);
    assert_eq!(
        codes(&v["findings"]),
        ["record.untrusted_operator courtseal/log.jsonl:6"]
    );
    assert_eq!(v["records"][0]["state"], "untrusted");
    let (code, _, err) = fx.retire(&["--force"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no short-form record is sealed"), "{err}");
}

// An insider appends a record entry signed with a key of their own, and the
// next seal signs over it: it is reported and never used.
#[test]
fn a_record_appended_with_an_untrusted_key_is_not_used() {
    let fx = Fx::new();
    fx.set_verdict("2027-01-10");
    let text = fs::read_to_string(fx.p("s/record.toml")).unwrap();
    let rec = courtseal::record::parse(&text).unwrap();
    let fields = courtseal::record::sealed::fields_of(&rec).unwrap();
    let intruder = courtseal::keys::load_signer(&fx.p("intruder.key")).unwrap();
    let mut e =
        courtseal::format::statement::make_record(&intruder, ORIGIN, 1, &text, &fields).unwrap();
    e.sealed_at = entry::now_utc();
    fx.append(&entry::to_line(&e));
    fx.reseal();
    let (_, v) = fx.check();
    assert_eq!(
        codes(&v["verify"]["findings"]),
        ["record.untrusted_operator courtseal/log.jsonl:6"]
    );
    assert_eq!(v["record_source"]["from"], "file");
    let s = fx.audit_session();
    assert!(s["deadline"].is_null(), "{s}");
}

// A correction moved the verdict date (an appeal); the insider appends the
// older revision again to bring back its earlier date.
#[test]
fn a_replayed_older_record_revision_does_not_bring_back_its_verdict_date() {
    let fx = Fx::new();
    fx.set_verdict("2027-01-10");
    fx.seal_record();
    let old = fx.log().lines.last().unwrap().bytes.clone();
    fx.edit_record(
        "verdict_in_force = 2027-01-10",
        "verdict_in_force = 2029-06-01",
    );
    fx.seal_record();
    let (n, r) = last_record(&fx.log());
    assert_eq!((n, r.revision), (7, 2));
    fx.append(&old);
    fx.reseal();
    let (_, v) = fx.json(&["verify", "s", "--trust", "trust.txt"]);
    assert_eq!(
        codes(&v["findings"]),
        ["record.revision_out_of_order courtseal/log.jsonl:8"]
    );
    let states: Vec<&str> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["superseded", "in_force", "out_of_order"]);
    let s = fx.audit_session();
    assert_eq!(s["deadline"], "2030-06-01");
    let (code, _, err) = fx.retire(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("2030-06-01"), "{err}");
}

// The insider edits the record text inside a sealed-looking entry (keeping
// the operator's note) and appends it: its signature no longer matches.
// The sealer never signs it (it vets every unsigned line), and verify does
// not use it.
#[test]
fn a_record_entry_whose_text_was_edited_is_never_signed_and_does_not_verify() {
    let fx = Fx::new();
    fx.seal_record();
    let (_, mut e) = last_record(&fx.log());
    e.record = e.record.replace("10:00:51", "10:00:30");
    e.sha256 = courtseal::digest::Sha256Digest::of(e.record.as_bytes());
    e.end = "2026-11-20T04:00:30.000Z".into();
    e.revision = 2;
    fx.append(&entry::to_line(&e));
    let before = fs::read(fx.p("s/courtseal/log.jsonl")).unwrap();
    let (code, _, err) = fx.cs(&["seal", "s", "--key", "demo-recorder.key", "--no-silence"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("line 7 (record entry) is not covered by any checkpoint, and this sealer signs only what it derived itself: its operator signature does not check"),
        "{err}"
    );
    assert_eq!(fs::read(fx.p("s/courtseal/log.jsonl")).unwrap(), before);
    let (_, v) = fx.json(&["verify", "s", "--trust", "trust.txt"]);
    assert_eq!(
        codes(&v["findings"]),
        ["log.unsigned_entries courtseal/log.jsonl:7"]
    );
    let (_, v) = fx.check();
    assert_eq!(v["record_source"]["revision"], 1);
    assert_eq!(v["record"]["end"], "2026-11-20T09:00:51+05:00");
}

// A record entry appended while no checkpoint covers it counts for nothing.
#[test]
fn a_record_no_trusted_checkpoint_covers_is_not_used() {
    let fx = Fx::new();
    let (code, out, err) = fx.cs(&["record", "seal", "s", "--key", "demo-secretary.key"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no checkpoint signed"), "{out}");
    let (_, v) = fx.check();
    assert_eq!(v["record_source"]["from"], "file");
    assert_eq!(v["verify"]["records"][0]["state"], "unproven");
}

#[test]
fn record_seal_on_a_closed_session_needs_the_recorder_key() {
    let fx = Fx::new();
    let (code, _, err) = fx.cs(&["close", "s", "--key", "demo-recorder.key"]);
    assert_eq!(code, 0, "{err}");
    let before = fs::read(fx.p("s/courtseal/log.jsonl")).unwrap();
    let (code, _, err) = fx.cs(&["record", "seal", "s", "--key", "demo-secretary.key"]);
    assert_eq!(code, 2);
    assert!(err.contains("--recorder-key"), "{err}");
    assert_eq!(fs::read(fx.p("s/courtseal/log.jsonl")).unwrap(), before);
    // With it, the record is sealed after the close.
    fx.seal_record();
    let (code, v) = fx.check();
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["record_source"]["from"], "sealed");
}

// A line planted after the last checkpoint: the recorder key never signs
// over it to seal a record.
#[test]
fn record_seal_never_signs_over_an_unsigned_tail() {
    let fx = Fx::new();
    fx.append(br#"{"v":1,"kind":"heartbeat","at":"2026-11-20T04:00:55.000Z","segments":4}"#);
    let before = fs::read(fx.p("s/courtseal/log.jsonl")).unwrap();
    let (code, _, err) = fx.seal_record_with("demo-secretary.key");
    assert_eq!(code, 2);
    assert!(err.contains("covers in full"), "{err}");
    assert_eq!(fs::read(fx.p("s/courtseal/log.jsonl")).unwrap(), before);
}

#[test]
fn record_seal_refuses_an_unfinalised_record_and_an_unchanged_one() {
    let fx = Fx::new();
    fx.edit_record("finalised = 2026-11-21", "");
    let (code, _, err) = fx.seal_record_with("demo-secretary.key");
    assert_eq!(code, 2);
    assert!(err.contains("no 'finalised' date"), "{err}");
    fx.edit_record(
        "stenography = false",
        "stenography = false\nfinalised = 2026-11-21",
    );
    fx.seal_record();
    let (code, _, err) = fx.seal_record_with("demo-secretary.key");
    assert_eq!(code, 2);
    assert!(
        err.contains("already sealed, byte for byte, as revision 1"),
        "{err}"
    );
}

// Past the sealed deadline, with a stray file open as a finding (--force):
// the version 2 entry records the date, deadline and open finding, and
// verify shows them.
#[test]
fn retire_records_the_date_deadline_and_open_findings_it_relied_on() {
    let fx = Fx::new();
    fx.set_verdict("2027-01-10");
    fx.seal_record();
    fs::write(fx.p("s/stray.m4a"), b"not sealed").unwrap();
    let (code, _, err) = fx.retire(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("segment.unsealed stray.m4a"), "{err}");
    let (code, out, err) = fx.retire(&["--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("4 media file(s) deleted"), "{out}");
    assert!(out.contains("deadline 2028-01-10"), "{out}");
    let log = fx.log();
    let Ok(Entry::Retire(r)) = &log.lines.last().unwrap().entry else {
        panic!("no retire entry");
    };
    assert_eq!(r.v, 2);
    let b = r.relied_on.as_ref().unwrap();
    assert_eq!(
        (
            b.verdict_in_force.as_str(),
            b.deadline.as_str(),
            b.retention.as_str(),
            b.record_line
        ),
        ("2027-01-10", "2028-01-10", "1y0m0d", 6)
    );
    assert_eq!(
        r.open_findings.as_deref().unwrap(),
        ["segment.unsealed stray.m4a".to_owned()]
    );
    assert!(r.note.starts_with("courtseal.retire/v2\n"));
    let (_, v) = fx.json(&["verify", "s", "--trust", "trust.txt"]);
    let retired: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "session.retired")
        .collect();
    let msg = retired[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("relied on the sealed verdict-in-force date 2027-01-10 (record revision 1, log line 6) and the deadline 2028-01-10"),
        "{msg}"
    );
    assert!(
        msg.contains("open findings at destruction: segment.unsealed stray.m4a"),
        "{msg}"
    );
    let s = fx.audit_session();
    assert_eq!(s["status"], "retired");
    let c = codes(&s["findings"]);
    assert!(
        c.contains(&"session.retired courtseal/log.jsonl:7".to_owned()),
        "{c:?}"
    );
}

// Between the check and the deletion an insider swaps a segment for a link
// to a file outside the session holding the same bytes, and another for
// different bytes: neither the outside file nor the changed one is deleted.
#[test]
fn retire_never_deletes_a_file_swapped_for_a_link_or_for_other_bytes() {
    let fx = Fx::new();
    fx.set_verdict("2027-01-10");
    fx.seal_record();
    let outside = fx.p("outside.m4a");
    fs::rename(fx.p("s/seg-0001.m4a"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, fx.p("s/seg-0001.m4a")).unwrap();
    let p = fx.p("s/seg-0002.m4a");
    let mut b = fs::read(&p).unwrap();
    b[100] ^= 1;
    fs::write(&p, &b).unwrap();
    let (code, out, err) = fx.retire(&["--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 media file(s) deleted"), "{out}");
    assert!(out.contains("seg-0001.m4a: not deleted"), "{out}");
    assert!(
        out.contains("seg-0002.m4a: not deleted: its bytes are no longer the sealed ones"),
        "{out}"
    );
    assert!(outside.exists());
    assert_eq!(fs::read(&p).unwrap(), b);
    assert!(!fx.p("s/seg-0003.mp4").exists());
    // Nothing is left under a temporary name.
    let left: Vec<String> = fs::read_dir(fx.p("s"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".courtseal-retire-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Every byte of the session folder, by relative path.
fn snapshot(dir: &std::path::Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

// An archivist who asks what would go lists exactly the media files and
// changes nothing: no entry is signed, no file deleted; the same checks as
// the real run still refuse (an unsealed stray file without --force).
#[test]
fn retire_dry_run_lists_what_would_go_and_touches_nothing() {
    let fx = Fx::new();
    fx.set_verdict("2027-01-10");
    fx.seal_record();
    let before = snapshot(&fx.p("s"));
    let (code, out, err) = fx.retire(&["--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("4 media file(s)")
            && out.contains("would be deleted (dry run: nothing is written or deleted)"),
        "{out}"
    );
    let listed = out.lines().filter(|l| l.starts_with("  ")).count();
    assert_eq!(listed, 4, "{out}");
    assert!(
        out.contains("the log, packet windows and checkpoints would be kept"),
        "{out}"
    );
    assert_eq!(
        snapshot(&fx.p("s")),
        before,
        "a dry run changed the session"
    );
    fs::write(fx.p("s/stray.m4a"), b"not sealed").unwrap();
    let (code, _, err) = fx.retire(&["--dry-run"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("segment.unsealed stray.m4a"), "{err}");
    assert!(!fx
        .log()
        .lines
        .iter()
        .any(|l| matches!(l.entry, Ok(Entry::Retire(_)))));
}
