//! Archivists: an archive of several sessions (clean, changed, missing,
//! unsealed, overdue, retired) audited with the exact expected summary;
//! resuming an interrupted audit; the signed act; retirement; and BagIt
//! export validated by the Library of Congress `bagit` tool.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const TODAY: &str = "2029-11-25";

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fx {
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        common::demo_key(&dir, "demo-recorder");
        common::demo_key(&dir, "demo-secretary");
        let fx = Fx { _tmp: tmp, dir };
        let (code, _, err) = fx.cs(&["keys", "generate", "--name", "archivist", "--out", "."]);
        assert_eq!(code, 0, "{err}");
        let trust = format!(
            "recorder {}\noperator {}\narchivist {}\n",
            common::vkey("demo-recorder"),
            common::vkey("demo-secretary"),
            fs::read_to_string(fx.p("archivist.vkey")).unwrap().trim()
        );
        fs::write(fx.p("trust.txt"), trust).unwrap();
        fx
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        common::run(&self.dir, args)
    }

    /// A copy of the sample session at `rel`, its record saying the verdict
    /// entered into force on `verdict` (if given), sealed unless `seal` is
    /// false, and then its record sealed by the secretary (only a sealed
    /// verdict date gives a deadline).
    fn session(&self, rel: &str, verdict: Option<&str>, seal: bool) {
        let dst = self.p(rel);
        common::copy_sample(&dst, &[]);
        if let Some(v) = verdict {
            let r = fs::read_to_string(dst.join("record.toml")).unwrap();
            fs::write(
                dst.join("record.toml"),
                r.replace(
                    "finalised = 2026-11-21",
                    &format!("finalised = 2026-11-21\nverdict_in_force = {v}"),
                ),
            )
            .unwrap();
        }
        if seal {
            let origin = format!("court.example/{rel}");
            let (code, _, err) = self.cs(&[
                "seal",
                rel,
                "--key",
                "demo-recorder.key",
                "--origin",
                &origin,
                "--no-silence",
            ]);
            assert_eq!(code, 0, "{err}");
            self.seal_record(rel);
        }
    }

    /// `record seal` of the session's record, checkpointed by the recorder.
    fn seal_record(&self, rel: &str) {
        let (code, _, err) = self.cs(&[
            "record",
            "seal",
            rel,
            "--key",
            "demo-secretary.key",
            "--recorder-key",
            "demo-recorder.key",
        ]);
        assert_eq!(code, 0, "{err}");
    }

    fn audit(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec![
            "audit",
            "archive",
            "--trust",
            "trust.txt",
            "--today",
            TODAY,
            "--json",
            "--state",
            "state.jsonl",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = self.cs(&args);
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap())
    }
}

/// (session, status, retention, error codes) for every session.
fn table(v: &Value) -> Vec<(String, String, String, Vec<String>)> {
    v["report"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut errs: Vec<String> = s["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["severity"] == "error")
                .map(|f| f["code"].as_str().unwrap().to_owned())
                .collect();
            errs.sort();
            errs.dedup();
            (
                s["session"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
                s["retention"].as_str().unwrap().to_owned(),
                errs,
            )
        })
        .collect()
}

fn row(
    s: &str,
    status: &str,
    retention: &str,
    errs: &[&str],
) -> (String, String, String, Vec<String>) {
    (
        s.into(),
        status.into(),
        retention.into(),
        errs.iter().map(|e| (*e).to_owned()).collect(),
    )
}

fn build_archive(fx: &Fx) {
    // Verdict in force a year ago: the deadline (2029-12-21) is within 60 days.
    fx.session("archive/2026/clean", Some("2028-12-21"), true);
    fx.session("archive/2026/changed", Some("2028-12-21"), true);
    let p = fx.p("archive/2026/changed/seg-0002.m4a");
    let mut b = fs::read(&p).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x01;
    fs::write(&p, b).unwrap();
    fx.session("archive/2026/missing", None, true);
    fs::remove_file(fx.p("archive/2026/missing/seg-0003.mp4")).unwrap();
    fx.session("archive/2026/unsealed", None, false);
    fx.session("archive/2024/overdue", Some("2027-01-10"), true);
    fx.session("archive/2024/retired", Some("2027-01-10"), true);
    let (code, out, err) = fx.cs(&[
        "retire",
        "archive/2024/retired",
        "--key",
        "archivist.key",
        "--basis",
        "one year after the verdict entered into force",
        "--trust",
        "trust.txt",
        "--today",
        TODAY,
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

/// The archive's audit: every session with its exact status, retention
/// state and errors. The overdue session is flagged; the changed one is
/// never "safe to destroy".
#[test]
fn audit_reports_every_session_exactly() {
    let fx = Fx::new();
    build_archive(&fx);
    let (code, v) = fx.audit(&["--due-within", "60d"]);
    assert_eq!(code, 1);
    assert_eq!(
        table(&v),
        vec![
            row("2024/overdue", "intact", "overdue", &[]),
            row("2024/retired", "retired", "retired", &[]),
            row(
                "2026/changed",
                "damaged",
                "due",
                &["segment.changed", "segment.content_edited"]
            )
            .clone()
            .with_hold(),
            row("2026/clean", "intact", "due", &[]),
            row("2026/missing", "damaged", "unknown", &["segment.missing"]),
            row(
                "2026/unsealed",
                "unsealed",
                "unknown",
                &[
                    "continuity.undeclared_gap",
                    "log.missing",
                    "segment.unsealed"
                ]
            ),
        ]
    );
    let totals = &v["totals"];
    assert_eq!(
        (
            totals["sessions"].as_u64(),
            totals["intact"].as_u64(),
            totals["damaged"].as_u64()
        ),
        (Some(6), Some(2), Some(2))
    );
    assert_eq!(
        (totals["unsealed"].as_u64(), totals["retired"].as_u64()),
        (Some(1), Some(1))
    );
    let overdue = &v["report"]["sessions"][0];
    assert_eq!(overdue["deadline"], "2028-01-10");
    assert!(overdue["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "retention.overdue"));
    // The text summary for people.
    let (_, out, _) = fx.cs(&[
        "audit",
        "archive",
        "--trust",
        "trust.txt",
        "--today",
        TODAY,
        "--due-within",
        "60d",
        "--state",
        "s2.jsonl",
    ]);
    assert!(
        out.contains(
            "Summary: 6 sessions, 2 intact, 0 content verified, 2 damaged, 1 unsealed, 1 retired, 0 unreadable"
        ),
        "{out}"
    );
    assert!(out.contains("Due for a retention decision (within 60 days, or overdue): 2024/overdue, 2026/changed, 2026/clean"), "{out}");
}

trait Hold {
    fn with_hold(self) -> Self;
}

impl Hold for (String, String, String, Vec<String>) {
    /// Due, but with open findings: on hold, never safe to destroy.
    fn with_hold(mut self) -> Self {
        self.2 = "hold".into();
        self
    }
}

// Resuming an interrupted audit (only a run of the same audit, the state
// removed on completion, the fingerprint with inode and change time) is
// tested in archive_attacks.rs: resume_only_goes_on_from_an_interrupted_run_of_the_same_audit.

/// The act of the audit, signed by the archivist, verifies; a changed act
/// or a signature by an untrusted key does not.
#[test]
fn signed_act_verifies_and_detects_changes() {
    let fx = Fx::new();
    fx.session("archive/a", None, true);
    let (code, _, err) = fx.cs(&[
        "audit",
        "archive",
        "--trust",
        "trust.txt",
        "--html",
        "act.html",
        "--sign",
        "archivist.key",
        "--state",
        "s.jsonl",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = fx.cs(&["verify-act", "act.html", "--trust", "trust.txt"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("VERIFIED. Signed by archivist archivist"),
        "{out}"
    );
    assert!(out.contains("1 sessions, 1 intact"), "{out}");
    let act = fs::read_to_string(fx.p("act.html")).unwrap();
    fs::write(fx.p("act.html"), act.replace("intact", "damaged")).unwrap();
    let (code, out, _) = fx.cs(&["verify-act", "act.html", "--trust", "trust.txt"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("act.bad_signature") && out.contains("changed after signing"),
        "{out}"
    );
    fs::write(fx.p("act.html"), act).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::write(
        fx.p("recorder-only.txt"),
        format!(
            "recorder {}\n",
            fs::read_to_string(root.join("keys/demo-recorder.vkey"))
                .unwrap()
                .trim()
        ),
    )
    .unwrap();
    let (code, _, _) = fx.cs(&["verify-act", "act.html", "--trust", "recorder-only.txt"]);
    assert_eq!(code, 1);
    // A party given only the archivist's public key file checks the act
    // with it alone; the recorder's key file, given the same way, is not
    // taken as the act's signer.
    let (code, out, err) = fx.cs(&["verify-act", "act.html", "--trust", "archivist.vkey"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("VERIFIED. Signed by archivist archivist"),
        "{out}"
    );
    let recorder_vkey = root.join("keys/demo-recorder.vkey");
    let (code, out, _) = fx.cs(&[
        "verify-act",
        "act.html",
        "--trust",
        recorder_vkey.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("NOT VERIFIED. act.bad_signature"), "{out}");
}

/// Retirement refuses before the deadline and with open findings, and says
/// why; afterwards the media are gone, the log and checkpoints stay, and
/// verify reports the media as retired, not missing.
#[test]
fn retire_refuses_early_or_damaged_then_keeps_the_record() {
    let fx = Fx::new();
    fx.session("early", Some("2029-10-01"), true);
    let (code, _, err) = fx.cs(&[
        "retire",
        "early",
        "--key",
        "archivist.key",
        "--basis",
        "x",
        "--trust",
        "trust.txt",
        "--today",
        TODAY,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("its retention deadline is 2030-10-01") && err.contains("refusing"),
        "{err}"
    );
    assert!(fx.p("early/seg-0001.m4a").exists());

    fx.session("damaged", Some("2027-01-10"), true);
    fs::remove_file(fx.p("damaged/seg-0004.m4a")).unwrap();
    let log_before = fs::read(fx.p("damaged/courtseal/log.jsonl")).unwrap();
    let (code, _, err) = fx.cs(&[
        "retire",
        "damaged",
        "--key",
        "archivist.key",
        "--basis",
        "x",
        "--trust",
        "trust.txt",
        "--today",
        TODAY,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("open findings (segment.missing seg-0004.m4a)"),
        "{err}"
    );
    assert_eq!(
        fs::read(fx.p("damaged/courtseal/log.jsonl")).unwrap(),
        log_before,
        "a refusal writes nothing"
    );

    fx.session("due", Some("2027-01-10"), true);
    let (code, _, err) = fx.cs(&[
        "retire",
        "due",
        "--key",
        "archivist.key",
        "--basis",
        "retention ended",
        "--trust",
        "trust.txt",
        "--today",
        TODAY,
    ]);
    assert_eq!(code, 0, "{err}");
    let left: Vec<String> = fs::read_dir(fx.p("due"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut left = left;
    left.sort();
    assert_eq!(left, ["courtseal", "record.toml"]);
    assert!(fx.p("due/courtseal/windows/1.jsonl").exists());
    let (code, out, _) = fx.cs(&["verify", "due", "--trust", "trust.txt", "--json"]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let states: Vec<&str> = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["retired"; 4]);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["session.retired"]);
    // Without the archivist trusted, the retirement is not accepted.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, out, _) = fx.cs(&[
        "verify",
        "due",
        "--trust",
        root.join("keys/demo-recorder.vkey").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    codes.sort();
    codes.dedup();
    assert_eq!(
        codes,
        [
            "checkpoint.untrusted_key",
            "log.unsigned_entries",
            "record.untrusted_operator",
            "retire.untrusted_archivist",
            "segment.missing"
        ]
    );
}

/// A session exported as a BagIt bag passes `bagit.py --validate` (the
/// Library of Congress tool from PyPI), and a bag with a changed payload
/// file does not.
#[test]
fn bagit_export_validates_with_the_real_bagit_tool() {
    let fx = Fx::new();
    fx.session("s", None, true);
    let (code, out, err) = fx.cs(&["export", "s", "--bagit", "bag", "--trust", "trust.txt"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("5 payload files"), "{out}");
    let info = fs::read_to_string(fx.p("bag/bag-info.txt")).unwrap();
    assert!(info.contains("Payload-Oxum: 437383.5\n"), "{info}");
    let validate = |bag: &str| {
        Command::new("bagit.py")
            .current_dir(&fx.dir)
            .args(["--validate", bag])
            .output()
            .expect("bagit.py (pip install bagit) is needed; scripts/setup.sh installs it")
    };
    let o = validate("bag");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bag is valid"));
    let p = fx.p("bag/data/seg-0002.m4a");
    let mut b = fs::read(&p).unwrap();
    b[100] ^= 1;
    fs::write(&p, b).unwrap();
    assert!(!validate("bag").status.success());
    // Never written over anything.
    let (code, _, err) = fx.cs(&["export", "s", "--bagit", "bag", "--trust", "trust.txt"]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
}

/// Symbolic links are never followed out of the archive: a link to a
/// session elsewhere is not audited, and that is said (`archive.symlink`).
#[test]
fn audit_never_follows_links_out_of_the_archive() {
    let fx = Fx::new();
    fx.session("archive/inside", None, true);
    fx.session("elsewhere/outside", None, true);
    std::os::unix::fs::symlink(fx.p("elsewhere/outside"), fx.p("archive/link")).unwrap();
    let (code, v) = fx.audit(&[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["report"]["findings"][0]["code"], "archive.symlink");
    assert_eq!(v["report"]["findings"][0]["location"], "archive/link");
    let names: Vec<&str> = v["report"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["inside"]);
}
