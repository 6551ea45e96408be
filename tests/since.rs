//! `verify --since`: a party keeps a checkpoint (saved at the hearing, or
//! inside a proof it was given); the court's insider, holding the recorder
//! key and the session folder, later rewrites or cuts back the log and signs
//! it again. The folder then verifies on its own; the kept checkpoint must
//! show what was done.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{demo_key, run, seal_as_recorder, vkey};
use serde_json::Value;

const ORIGIN: &str = "court.example/since";

struct Party {
    tmp: tempfile::TempDir,
}

impl Party {
    /// `s` holds the first two sample segments, sealed (3 entries); the
    /// party saved its checkpoint as `saved3.note`.
    fn new() -> Party {
        let tmp = tempfile::tempdir().unwrap();
        demo_key(tmp.path(), "demo-recorder");
        demo_key(tmp.path(), "demo-secretary");
        fs::write(
            tmp.path().join("trust.txt"),
            format!("recorder {}\n", vkey("demo-recorder")),
        )
        .unwrap();
        let p = Party { tmp };
        fs::create_dir(p.p("s")).unwrap();
        p.add("seg-0001.m4a");
        p.add("seg-0002.m4a");
        seal_as_recorder(p.tmp.path(), "s", ORIGIN, &["--no-silence"]);
        fs::copy(p.p("s/courtseal/checkpoint"), p.p("saved3.note")).unwrap();
        p
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn add(&self, name: &str) {
        fs::write(self.p(&format!("s/{name}")), common::sample(name)).unwrap();
    }
    /// One more segment sealed (4 entries), its checkpoint saved as `saved4.note`.
    fn grow(&self) {
        self.add("seg-0004.m4a");
        seal_as_recorder(self.tmp.path(), "s", ORIGIN, &["--no-silence"]);
        fs::copy(self.p("s/courtseal/checkpoint"), self.p("saved4.note")).unwrap();
    }
    fn verify(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["verify", "s", "--trust", "trust.txt", "--json"];
        args.extend_from_slice(extra);
        let (code, out, err) = run(self.tmp.path(), &args);
        assert!(code == 0 || code == 1, "exit {code}: {err}");
        (code, serde_json::from_str(&out).unwrap())
    }
}

fn codes(r: &Value) -> Vec<(String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(code: &str, loc: &str) -> (String, String) {
    (code.to_owned(), loc.to_owned())
}

#[test]
fn a_log_that_only_grew_since_the_party_saved_its_checkpoint_is_consistent() {
    let p = Party::new();
    p.grow();
    let (code, r) = p.verify(&["--since", "saved3.note"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(codes(&r), vec![]);
    assert_eq!(r["since"]["file"], "saved3.note");
    assert_eq!(r["since"]["size"], 3);
    assert_eq!(r["since"]["consistent"], true);
    assert_eq!(r["since"]["signed_by"][0], vkey("demo-recorder"));
    let (code, out, _) = run(
        p.tmp.path(),
        &[
            "verify",
            "s",
            "--trust",
            "trust.txt",
            "--since",
            "saved3.note",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("Since        saved3.note: the log still holds its 3 entries unchanged and only adds to them"),
        "{out}"
    );
}

#[test]
fn an_insider_who_reseals_the_session_from_scratch_with_the_recorder_key_is_forked() {
    let p = Party::new();
    // The insider replaces the second segment with another file and seals
    // the folder again from nothing, with the court's own key.
    fs::remove_dir_all(p.p("s/courtseal")).unwrap();
    fs::remove_file(p.p("s/seg-0002.m4a")).unwrap();
    p.add("seg-0004.m4a");
    seal_as_recorder(p.tmp.path(), "s", ORIGIN, &["--no-silence"]);
    let (code, r) = p.verify(&[]);
    assert_eq!(code, 0, "on its own the rewritten folder verifies: {r:#}");
    let (code, r) = p.verify(&["--since", "saved3.note"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec![pair("since.forked", "saved3.note")]);
    assert_eq!(r["since"]["consistent"], false);
    let m = r["findings"][0]["message"].as_str().unwrap();
    assert!(
        m.contains("its first 3 entries, signed by the recorder, hash to"),
        "{m}"
    );
}

#[test]
fn an_insider_who_cuts_the_log_back_and_signs_it_again_is_rolled_back() {
    let p = Party::new();
    p.grow();
    // Back to three entries: the fourth line, its checkpoint and its file go;
    // the kept checkpoint of size 3 becomes the latest again.
    let log = p.p("s/courtseal/log.jsonl");
    let text = fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    fs::write(&log, lines[..3].join("\n") + "\n").unwrap();
    fs::remove_file(p.p("s/courtseal/checkpoints/4")).unwrap();
    fs::copy(
        p.p("s/courtseal/checkpoints/3"),
        p.p("s/courtseal/checkpoint"),
    )
    .unwrap();
    fs::remove_file(p.p("s/seg-0004.m4a")).unwrap();
    let _ = fs::remove_dir_all(p.p("s/courtseal/windows"));
    let (code, r) = p.verify(&["--log-only"]);
    assert_eq!(code, 0, "on its own the cut-back log verifies: {r:#}");
    let (code, r) = p.verify(&["--log-only", "--since", "saved4.note"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec![pair("since.rolled_back", "saved4.note")]);
    let m = r["findings"][0]["message"].as_str().unwrap();
    assert!(
        m.contains("covers 4 entries, but the session's log now holds only 3: entries 4–4"),
        "{m}"
    );
}

#[test]
fn a_checkpoint_signed_by_a_key_the_party_does_not_trust_proves_nothing() {
    let p = Party::new();
    // The same body signed by the secretary's key, as someone would hand
    // the party a "checkpoint" of their own making.
    let text = fs::read_to_string(p.p("saved3.note")).unwrap();
    let body = text.split("\n\n").next().unwrap().to_owned() + "\n";
    let signer = courtseal::keys::load_signer(&p.p("demo-secretary.key")).unwrap();
    fs::write(p.p("forged.note"), signer.sign(&body).unwrap()).unwrap();
    let (code, r) = p.verify(&["--since", "forged.note"]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec![pair("checkpoint.untrusted_key", "forged.note")]
    );
    assert_eq!(r["since"]["size"], Value::Null);
    assert_eq!(r["since"]["consistent"], false);
}

#[test]
fn a_checkpoint_with_one_byte_changed_is_a_bad_signature() {
    let p = Party::new();
    let mut b = fs::read(p.p("saved3.note")).unwrap();
    let i = b.iter().position(|&c| c == b'\n').unwrap() + 1;
    b[i] = b'9'; // the size line
    fs::write(p.p("edited.note"), b).unwrap();
    let (code, r) = p.verify(&["--since", "edited.note"]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec![pair("checkpoint.bad_signature", "edited.note")]
    );
}

#[test]
fn a_checkpoint_of_another_session_is_an_origin_mismatch() {
    let p = Party::new();
    fs::create_dir(p.p("other")).unwrap();
    fs::write(p.p("other/seg-0001.m4a"), common::sample("seg-0001.m4a")).unwrap();
    seal_as_recorder(
        p.tmp.path(),
        "other",
        "court.example/other",
        &["--no-silence"],
    );
    let (code, r) = p.verify(&["--since", "other/courtseal/checkpoint"]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec![pair(
            "checkpoint.origin_mismatch",
            "other/courtseal/checkpoint"
        )]
    );
}

#[test]
fn the_checkpoint_inside_a_proof_the_party_was_given_is_used() {
    let p = Party::new();
    let (code, _, err) = run(
        p.tmp.path(),
        &[
            "proof",
            "s",
            "seg-0001.m4a",
            "-o",
            "seg-0001.tlog-proof",
            "--trust",
            &common::recorder_vkey_file(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(
        p.tmp.path(),
        &[
            "proof",
            "s",
            "seg-0002.m4a",
            "--bundle",
            "seg-0002.courtseal-proof",
            "--trust",
            &common::recorder_vkey_file(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    // Then the insider re-seals from scratch with one file swapped.
    fs::remove_dir_all(p.p("s/courtseal")).unwrap();
    fs::remove_file(p.p("s/seg-0002.m4a")).unwrap();
    p.add("seg-0004.m4a");
    seal_as_recorder(p.tmp.path(), "s", ORIGIN, &["--no-silence"]);
    for f in ["seg-0001.tlog-proof", "seg-0002.courtseal-proof"] {
        let (code, r) = p.verify(&["--since", f]);
        assert_eq!(code, 1, "{f}");
        assert_eq!(codes(&r), vec![pair("since.forked", f)], "{f}");
        assert_eq!(r["since"]["size"], 3, "{f}");
    }
}

#[test]
fn a_fifo_or_a_folder_given_as_the_kept_checkpoint_is_refused_without_waiting() {
    let p = Party::new();
    let fifo = p.p("pipe");
    let st = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(st.success());
    for (what, msg) in [
        ("pipe", "pipe: not a regular file"),
        ("s", "s: is a folder, not a checkpoint file"),
        (
            "nothing.note",
            "nothing.note: cannot read the checkpoint file",
        ),
    ] {
        let (code, _, err) = run(
            p.tmp.path(),
            &["verify", "s", "--trust", "trust.txt", "--since", what],
        );
        assert_eq!(code, 2, "{what}: {err}");
        assert!(err.contains(msg), "{what}: {err}");
    }
}

#[test]
fn a_file_that_is_no_checkpoint_is_malformed() {
    let p = Party::new();
    fs::write(p.p("junk.note"), "hello\n").unwrap();
    let (code, r) = p.verify(&["--since", "junk.note"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), vec![pair("checkpoint.malformed", "junk.note")]);
    fs::write(p.p("junk.tlog-proof"), "c2sp.org/tlog-proof@v1\nindex x\n").unwrap();
    let (code, r) = p.verify(&["--since", "junk.tlog-proof"]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&r),
        vec![pair("checkpoint.malformed", "junk.tlog-proof")]
    );
}
