//! The trust policy, attacked as a court insider who holds one key would:
//! each test builds the forged material with the real key and checks that
//! `verify` refuses it with the exact finding.

mod common;

use std::fs;
use std::path::PathBuf;

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
    /// The sample session sealed by the demo recorder, two archivist keys and
    /// a trust file that trusts all three in their roles.
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
        let mut trust = format!(
            "recorder {}\noperator {}\n",
            vkey("demo-recorder"),
            vkey("demo-secretary")
        );
        for name in ["archivist-a", "archivist-b"] {
            let (code, _, err) = run(&dir, &["keys", "generate", "--name", name, "--out", "."]);
            assert_eq!(code, 0, "{err}");
            let v = fs::read_to_string(dir.join(format!("{name}.vkey"))).unwrap();
            trust.push_str(&format!("archivist {}\n", v.trim()));
        }
        fs::write(dir.join("trust.txt"), trust).unwrap();
        Fx { _tmp: tmp, dir }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn verify(&self) -> (i32, Value) {
        let (code, out, err) = run(
            &self.dir,
            &["verify", "s", "--trust", "trust.txt", "--json"],
        );
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    /// Appends a segment entry for a file planted in the session.
    fn plant_segment(&self, name: &str, bytes: &[u8]) {
        fs::write(self.p("s").join(name), bytes).unwrap();
        let paths = SessionPaths::new(&self.p("s"));
        let log = Log::read(&paths.log).unwrap();
        let seq = log.segments().map(|(_, s)| s.seq).max().unwrap() + 1;
        let e = SegmentEntry {
            v: VERSION,
            kind: "segment".into(),
            seq,
            name: name.into(),
            size: bytes.len() as u64,
            sha256: Sha256Digest::of(bytes),
            sealed_at: entry::now_utc(),
            media: None,
        };
        session::append_lines(&paths, &[entry::to_line(&e)]).unwrap();
    }

    /// Signs a checkpoint over the whole current log with `key` (a file in
    /// the fixture folder), replacing any kept checkpoint of that size.
    fn sign_checkpoint(&self, key: &str) -> u64 {
        let paths = SessionPaths::new(&self.p("s"));
        let log = Log::read(&paths.log).unwrap();
        let tree = log.tree();
        let _ = fs::remove_file(paths.checkpoint_at(tree.size()));
        let signer = courtseal::keys::load_signer(&self.p(key)).unwrap();
        let cp = Checkpoint::new(ORIGIN, tree.size(), tree.root());
        session::write_checkpoint(&paths, &signer, &cp).unwrap();
        tree.size()
    }
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

/// An insider with an archivist key plants a file, appends its segment entry
/// and signs a checkpoint over it: an archivist never vouches for segments.
#[test]
fn archivist_key_cannot_vouch_for_a_planted_segment() {
    let fx = Fx::sealed();
    let (_, before) = fx.verify();
    let sealed = before["verified_size"].as_u64().unwrap();
    fx.plant_segment("seg-0005.m4a", b"not the court's recording");
    let size = fx.sign_checkpoint("archivist-a.key");
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_eq!(v["verified_size"].as_u64().unwrap(), sealed);
    let kept = format!("courtseal/checkpoints/{size}");
    for loc in ["courtseal/checkpoint", kept.as_str()] {
        assert_eq!(codes_at(&v, loc), ["checkpoint.untrusted_key"], "{loc}");
    }
    let msg = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"] == "courtseal/checkpoint")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        msg.contains("archivist-a") && msg.contains("not a retirement entry"),
        "{msg}"
    );
    assert_eq!(state_of(&v, "seg-0005.m4a"), "unsealed");
    assert_eq!(codes_at(&v, "seg-0005.m4a"), ["segment.unsealed"]);
}

/// A retirement entry signed by one archivist under a checkpoint signed by
/// another is not that archivist's own retirement: refused.
#[test]
fn archivist_checkpoint_over_another_archivists_retirement_is_refused() {
    let fx = Fx::sealed();
    seal_verdict(&fx.dir, "2026-11-25");
    let (code, _, err) = run(
        &fx.dir,
        &[
            "retire",
            "s",
            "--key",
            "archivist-a.key",
            "--basis",
            "retention ended",
            "--trust",
            "trust.txt",
            "--today",
            "2028-12-01",
            "--force",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, v) = fx.verify();
    assert_eq!(code, 0, "{v}");
    let size = fx.sign_checkpoint("archivist-b.key");
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_eq!(v["verified_size"].as_u64().unwrap(), size - 1);
    assert_eq!(
        codes_at(&v, "courtseal/checkpoint"),
        ["checkpoint.untrusted_key"]
    );
    let msg = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"] == "courtseal/checkpoint")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("not by the checkpoint's signer"), "{msg}");
}

/// `retire --force` after an insider appended an entry: the archivist's
/// checkpoint would vouch for that entry, so retire refuses and writes
/// nothing, and deletes nothing.
#[test]
fn retire_force_refuses_to_sign_over_an_appended_entry() {
    let fx = Fx::sealed();
    seal_verdict(&fx.dir, "2026-11-25");
    fx.plant_segment("seg-0005.m4a", b"planted");
    let log_before = fs::read(fx.p("s/courtseal/log.jsonl")).unwrap();
    let (code, _, err) = run(
        &fx.dir,
        &[
            "retire",
            "s",
            "--key",
            "archivist-a.key",
            "--basis",
            "x",
            "--trust",
            "trust.txt",
            "--force",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not covered by a trusted recorder checkpoint"),
        "{err}"
    );
    assert_eq!(fs::read(fx.p("s/courtseal/log.jsonl")).unwrap(), log_before);
    assert!(fx.p("s/seg-0001.m4a").exists());
}

/// A segment name whose folder an insider replaced by a link to elsewhere:
/// retirement deletes only files inside the session, never through a link.
#[test]
fn retire_never_deletes_through_a_linked_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let s = dir.join("s");
    fs::create_dir_all(s.join("day1")).unwrap();
    fs::write(s.join("day1/a.bin"), b"recording").unwrap();
    demo_key(dir, "demo-recorder");
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
    let (code, _, err) = run(dir, &["keys", "generate", "--name", "arch", "--out", "."]);
    assert_eq!(code, 0, "{err}");
    let trust = format!(
        "recorder {}\noperator {}\narchivist {}\n",
        vkey("demo-recorder"),
        vkey("demo-secretary"),
        fs::read_to_string(dir.join("arch.vkey")).unwrap().trim()
    );
    fs::write(dir.join("trust.txt"), trust).unwrap();
    // A date after the recording (its segments carry no declared start, so
    // the day it is sealed is its first); --force below takes any deadline.
    seal_verdict(dir, "2099-01-01");
    // The folder is swapped for a link to a folder outside the session that
    // holds a file of the same name.
    let outside = dir.join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("a.bin"), b"someone else's file").unwrap();
    fs::rename(s.join("day1"), dir.join("day1-moved")).unwrap();
    std::os::unix::fs::symlink(&outside, s.join("day1")).unwrap();
    let (code, _, err) = run(
        dir,
        &[
            "retire",
            "s",
            "--key",
            "arch.key",
            "--basis",
            "x",
            "--trust",
            "trust.txt",
            "--force",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        outside.join("a.bin").exists(),
        "a file outside the session was deleted"
    );
}

/// A proof whose checkpoint an archivist signed cannot prove a segment: an
/// archivist's checkpoint is trusted only next to its retirement entry.
#[test]
fn proof_signed_by_an_archivist_is_refused() {
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
    // Re-sign the proof's checkpoint with the archivist key.
    let text = fs::read_to_string(fx.p("p.tlog-proof")).unwrap();
    let signer = courtseal::keys::load_signer(&fx.p("archivist-a.key")).unwrap();
    let paths = SessionPaths::new(&fx.p("s"));
    let log = Log::read(&paths.log).unwrap();
    let tree = log.tree();
    let body = Checkpoint::new(ORIGIN, tree.size(), tree.root()).to_text();
    let forged_note = signer.sign(&body).unwrap();
    let original_note = fs::read_to_string(&paths.checkpoint).unwrap();
    assert!(
        text.contains(&original_note),
        "the proof carries the latest checkpoint"
    );
    fs::write(
        fx.p("p.tlog-proof"),
        text.replace(&original_note, &forged_note),
    )
    .unwrap();
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
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["checkpoint.untrusted_key"]);
}

/// The sample record with a verdict date, written into `dir/s` and sealed
/// by the demo secretary (checkpointed by the recorder): retention comes
/// only from a sealed verdict date.
fn seal_verdict(dir: &std::path::Path, date: &str) {
    fs::write(dir.join("s/record.toml"), record_with_verdict(date)).unwrap();
    demo_key(dir, "demo-secretary");
    let (code, _, err) = run(
        dir,
        &[
            "record",
            "seal",
            "s",
            "--key",
            "demo-secretary.key",
            "--recorder-key",
            "demo-recorder.key",
        ],
    );
    assert_eq!(code, 0, "{err}");
}

fn record_with_verdict(date: &str) -> String {
    let t = String::from_utf8(common::sample("record.toml")).unwrap();
    assert!(
        t.contains("finalised = 2026-11-21"),
        "the sample record is finalised"
    );
    t.replace(
        "finalised = 2026-11-21",
        &format!("finalised = 2026-11-21\nverdict_in_force = {date}"),
    )
}

/// A digest written in uppercase hex used to make a byte-identical file
/// "differ": one digest has one spelling, so such a line is a corrupt entry
/// (and the log no longer matches its checkpoint), never a changed file.
#[test]
fn uppercase_hex_digest_is_a_corrupt_entry_not_a_changed_file() {
    let fx = Fx::sealed();
    let log_path = fx.p("s/courtseal/log.jsonl");
    let text = fs::read_to_string(&log_path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let n = lines
        .iter()
        .position(|l| l.contains("\"seg-0001.m4a\""))
        .unwrap();
    let v: Value = serde_json::from_str(&lines[n]).unwrap();
    let hex = v["sha256"].as_str().unwrap();
    lines[n] = lines[n].replace(hex, &hex.to_uppercase());
    fs::write(&log_path, lines.join("\n") + "\n").unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    let at = format!("courtseal/log.jsonl:{}", n + 1);
    assert_eq!(codes_at(&v, &at), ["log.corrupt"]);
    let msg = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"] == at.as_str())
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("lowercase"), "{msg}");
    assert!(codes_at(&v, "seg-0001.m4a")
        .iter()
        .all(|c| c != "segment.changed"));
}

/// The clerk's office must not hand out a proof the recipient cannot rely
/// on: an insider who replaced the session's checkpoint with one signed by
/// an archivist key (or by no trusted key at all) gets no proof, and
/// nothing is written.
#[test]
fn proof_attack_a_session_checkpoint_no_recorder_signed_gets_no_proof() {
    let fx = Fx::sealed();
    let paths = SessionPaths::new(&fx.p("s"));
    let log = Log::read(&paths.log).unwrap();
    let tree = log.tree();
    let body = Checkpoint::new(ORIGIN, tree.size(), tree.root()).to_text();
    for (key, why) in [
        ("archivist-a.key", "trusted as an archivist"),
        ("demo-secretary.key", "not trusted to sign checkpoints"),
    ] {
        if key == "demo-secretary.key" {
            demo_key(&fx.dir, "demo-secretary");
        }
        let signer = courtseal::keys::load_signer(&fx.p(key)).unwrap();
        fs::write(&paths.checkpoint, signer.sign(&body).unwrap()).unwrap();
        let (code, out, err) = run(
            &fx.dir,
            &[
                "proof",
                "s",
                "seg-0001.m4a",
                "--trust",
                "trust.txt",
                "-o",
                "p.tlog-proof",
                "--bundle",
                "p.courtseal-proof",
            ],
        );
        assert_eq!(code, 2, "{key}: {out}{err}");
        assert!(err.contains("courtseal/checkpoint"), "{key}: {err}");
        assert!(err.contains(why), "{key}: {err}");
        assert!(err.contains("would prove nothing"), "{key}: {err}");
        for f in ["p.tlog-proof", "p.windows.jsonl", "p.courtseal-proof"] {
            assert!(!fx.p(f).exists(), "{key}: {f} was written");
        }
    }
}

/// A proof is refused when the court's key is not among the keys given:
/// the clerk would otherwise hand out what the lawyer's check rejects.
#[test]
fn proof_attack_a_checkpoint_signed_by_a_key_the_clerk_was_not_told_to_trust_gets_no_proof() {
    let fx = Fx::sealed();
    let other = fx.p("archivist-b.vkey");
    let (code, _, err) = run(
        &fx.dir,
        &[
            "proof",
            "s",
            "seg-0001.m4a",
            "--trust",
            other.to_str().unwrap(),
            "-o",
            "p.tlog-proof",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not trusted to sign checkpoints"), "{err}");
    assert!(!fx.p("p.tlog-proof").exists());
}

/// A genuine checkpoint of another session copied over this one's: its
/// signature is good, but it is not this log's.
#[test]
fn proof_attack_another_sessions_checkpoint_gets_no_proof() {
    let fx = Fx::sealed();
    let paths = SessionPaths::new(&fx.p("s"));
    let log = Log::read(&paths.log).unwrap();
    let tree = log.tree();
    // Same entries, other origin: the roots agree, the origins do not.
    let body = Checkpoint::new("court.example/another", tree.size(), tree.root()).to_text();
    let signer = courtseal::keys::load_signer(&fx.p("demo-recorder.key")).unwrap();
    fs::write(&paths.checkpoint, signer.sign(&body).unwrap()).unwrap();
    let (code, _, err) = run(
        &fx.dir,
        &[
            "proof",
            "s",
            "seg-0001.m4a",
            "--trust",
            "trust.txt",
            "-o",
            "p.tlog-proof",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("names origin \"court.example/another\", but the session's log is"),
        "{err}"
    );
    assert!(!fx.p("p.tlog-proof").exists());
}
