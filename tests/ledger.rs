//! The courtroom ledger (`docs/formats.md`, "Ledger"): sessions sealed
//! with `--ledger` append their checkpoints to one long-lived log and keep
//! its evidence; each test is named after what it tries.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::witness_server::serve_witness;
use common::{copy_sample, demo_key, run, vkey};
use courtseal::note::CosignatureSigner;
use courtseal::session::SessionPaths;
use serde_json::Value;

const LEDGER: &str = "court.example/district2/courtroom5";

struct Court {
    tmp: tempfile::TempDir,
}

impl Court {
    fn new() -> Court {
        let tmp = tempfile::tempdir().unwrap();
        demo_key(tmp.path(), "demo-recorder");
        demo_key(tmp.path(), "demo-secretary");
        courtseal::keys::write_key(
            "ledger5",
            tmp.path(),
            &ed25519_dalek::SigningKey::from_bytes(&[9; 32]),
        )
        .unwrap();
        Court { tmp }
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn paths(&self, s: &str) -> SessionPaths {
        SessionPaths::new(&self.p(s))
    }
    /// Seals sample session `s` (copied when absent) into the ledger.
    fn seal(&self, s: &str, origin: &str, extra: &[&str]) -> (i32, String) {
        if !self.p(s).exists() {
            copy_sample(&self.p(s), &[]);
        }
        let mut args = vec![
            "seal",
            s,
            "--key",
            "demo-recorder.key",
            "--origin",
            origin,
            "--ledger",
            "ledger",
            "--ledger-key",
            "ledger5.key",
            "--ledger-origin",
            LEDGER,
        ];
        args.extend_from_slice(extra);
        let (code, _, err) = run(self.tmp.path(), &args);
        (code, err)
    }
    fn ledger_vkey(&self) -> String {
        fs::read_to_string(self.p("ledger/courtseal/ledger.vkey"))
            .unwrap()
            .trim()
            .to_owned()
    }
    /// A trust file: recorder, operator, the ledger (with its folder when
    /// `folder`), and `more` lines.
    fn trust(&self, folder: bool, more: &str) {
        let l = if folder {
            format!("ledger {} ledger\n", self.ledger_vkey())
        } else {
            format!("ledger {}\n", self.ledger_vkey())
        };
        fs::write(
            self.p("trust.txt"),
            format!(
                "recorder {}\noperator {}\n{l}{more}",
                vkey("demo-recorder"),
                vkey("demo-secretary")
            ),
        )
        .unwrap();
    }
    fn verify(&self, s: &str) -> (i32, Value) {
        verify_at(self.tmp.path(), s)
    }
}

fn verify_at(dir: &Path, s: &str) -> (i32, Value) {
    let (code, out, err) = run(
        dir,
        &["verify", s, "--trust", "trust.txt", "--log-only", "--json"],
    );
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")),
    )
}

fn codes(report: &Value, prefix: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .filter(|c| c.starts_with(prefix))
        .collect()
}

fn findings_of<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

fn ledger_lines(c: &Court) -> Vec<String> {
    fs::read_to_string(c.p("ledger/courtseal/ledger.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn two_sessions_sealed_into_one_ledger_both_verify() {
    let c = Court::new();
    let (code, err) = c.seal("s1", "courtroom5/2026-11-20", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ledger court.example/district2/courtroom5: session checkpoint(s) of size 5 appended; ledger checkpoint of size 1"), "{err}");
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21", &[]);
    assert_eq!(code, 0, "{err}");
    let lines = ledger_lines(&c);
    assert_eq!(lines.len(), 2);
    let leaf: Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(leaf["origin"], "courtroom5/2026-11-21");
    assert_eq!(leaf["size"], 5);
    assert!(c.p("ledger/courtseal/checkpoints/2").is_file());
    assert!(c
        .ledger_vkey()
        .starts_with("court.example/district2/courtroom5+"));
    c.trust(true, "");
    for s in ["s1", "s2"] {
        let (code, r) = c.verify(s);
        assert_eq!(code, 0, "{r}");
        assert!(codes(&r, "ledger.").is_empty(), "{r}");
    }
    // The second session's evidence is against the ledger of size 2.
    let proof = fs::read_to_string(c.p("s2/courtseal/ledger/5.proof")).unwrap();
    assert!(
        proof.starts_with("c2sp.org/tlog-proof@v1\nextra "),
        "{proof}"
    );
    assert!(proof.contains("index 1\n"), "{proof}");
    assert!(
        proof.contains("\n\ncourt.example/district2/courtroom5\n2\n"),
        "{proof}"
    );
    // Sealing again with nothing new appends nothing.
    let (code, err) = c.seal("s1", "courtroom5/2026-11-20", &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ledger_lines(&c).len(), 2);
}

#[test]
fn a_session_copied_alone_verifies_offline() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20", &[]).0, 0);
    let other = tempfile::tempdir().unwrap();
    let vk = c.ledger_vkey();
    fs::create_dir_all(other.path().join("s")).unwrap();
    for e in walkdir::WalkDir::new(c.p("s")) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(c.p("s")).unwrap();
        let to = other.path().join("s").join(rel);
        if e.file_type().is_dir() {
            fs::create_dir_all(&to).unwrap();
        } else {
            fs::copy(e.path(), &to).unwrap();
        }
    }
    fs::write(
        other.path().join("trust.txt"),
        format!("recorder {}\nledger {vk}\n", vkey("demo-recorder")),
    )
    .unwrap();
    drop(c);
    let (code, r) = verify_at(other.path(), "s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r, "ledger.").is_empty(), "{r}");
    // Without the ledger's line the evidence proves nothing, and says so.
    fs::write(
        other.path().join("trust.txt"),
        format!("recorder {}\n", vkey("demo-recorder")),
    )
    .unwrap();
    let (code, r) = verify_at(other.path(), "s");
    assert_eq!(code, 0, "{r}");
    assert_eq!(codes(&r, "ledger."), ["ledger.untrusted"], "{r}");
}

#[test]
fn an_insider_who_reseals_an_edited_session_into_the_ledger_again_is_a_fork() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20", &[]).0, 0);
    // The insider edits a segment, throws the tool folder away and seals
    // the edited session again under its origin, into the same ledger.
    let seg = fs::read_dir(c.p("s"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.is_file())
        .unwrap();
    let mut bytes = fs::read(&seg).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&seg, bytes).unwrap();
    fs::remove_dir_all(c.p("s/courtseal")).unwrap();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20", &[]).0, 0);
    assert_eq!(ledger_lines(&c).len(), 2);
    // Alone, the re-sealed session looks whole; the ledger knows better.
    c.trust(false, "");
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    c.trust(true, "");
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "ledger.fork");
    assert_eq!(f.len(), 2, "{r}");
    let m: Vec<&str> = f.iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert!(
        m.iter().any(|m| m.contains(
            "two checkpoints of this session at size 5 with different roots (leaves 0 and 1)"
        )),
        "{m:?}"
    );
    assert!(
        m.iter().any(|m| m.contains("leaf 0 of the ledger")),
        "{m:?}"
    );
}

#[test]
fn a_deleted_ledger_evidence_file_is_missing() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20", &[]).0, 0);
    c.trust(false, "");
    fs::remove_file(c.p("s/courtseal/ledger/5.proof")).unwrap();
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    let f = findings_of(&r, "ledger.missing");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["severity"], "warning");
    assert!(
        f[0]["message"].as_str().unwrap().contains("of size 5"),
        "{r}"
    );
}

#[test]
fn an_edited_ledger_checkpoint_in_the_evidence_is_bad_signature() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20", &[]).0, 0);
    c.trust(false, "");
    let file = c.p("s/courtseal/ledger/5.proof");
    let text = fs::read_to_string(&file).unwrap();
    let edited = text.replace(&format!("{LEDGER}\n1\n"), &format!("{LEDGER}\n2\n"));
    assert_ne!(edited, text);
    fs::write(&file, edited).unwrap();
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        codes(&r, "ledger."),
        ["ledger.bad_signature", "ledger.missing"],
        "{r}"
    );
    assert_eq!(
        findings_of(&r, "ledger.bad_signature")[0]["location"],
        "courtseal/ledger/5.proof"
    );
}

#[test]
fn a_ledger_checkpoint_with_a_wrong_inclusion_proof_is_bad_inclusion() {
    let c = Court::new();
    assert_eq!(c.seal("s1", "courtroom5/2026-11-20", &[]).0, 0);
    assert_eq!(c.seal("s2", "courtroom5/2026-11-21", &[]).0, 0);
    c.trust(false, "");
    // The proof hash of s2's evidence replaced by another hash.
    let file = c.p("s2/courtseal/ledger/5.proof");
    let text = fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[2] == "index 1", "{text}");
    let forged = text.replacen(lines[3], &base64_of(&[7u8; 32]), 1);
    fs::write(&file, forged).unwrap();
    let (code, r) = c.verify("s2");
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        codes(&r, "ledger."),
        ["ledger.bad_inclusion", "ledger.missing"],
        "{r}"
    );
    // s1's evidence moved into s2 proves another session's checkpoint.
    fs::copy(c.p("s1/courtseal/ledger/5.proof"), &file).unwrap();
    let (code, r) = c.verify("s2");
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "ledger.bad_inclusion");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("of the log \"courtroom5/2026-11-20\", not this session's"),
        "{r}"
    );
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn the_ledger_key_signing_a_session_checkpoint_is_refused() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20", &[]).0, 0);
    c.trust(false, "");
    // The ledger key (under its own name, the ledger's origin) re-signs the
    // session's checkpoints after an edit of the log.
    let paths = c.paths("s");
    let ledger = courtseal::keys::load_signer(&c.p("ledger5.key"))
        .unwrap()
        .renamed(LEDGER)
        .unwrap();
    let log = courtseal::log::Log::read(&paths.log).unwrap();
    let tree = log.tree();
    let cp =
        courtseal::checkpoint::Checkpoint::new("courtroom5/2026-11-20", tree.size(), tree.root());
    let signed = ledger.sign(&cp.to_text()).unwrap();
    fs::write(&paths.checkpoint, &signed).unwrap();
    fs::write(paths.checkpoint_at(5), &signed).unwrap();
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    let cps = codes(&r, "checkpoint.");
    assert!(!cps.is_empty(), "{r}");
    assert!(
        r["checkpoints"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == false),
        "{r}"
    );
    // And the recorder key is refused as a ledger key, before sealing.
    copy_sample(&c.p("t"), &[]);
    let (code, _, err) = run(
        c.tmp.path(),
        &[
            "seal",
            "t",
            "--key",
            "demo-recorder.key",
            "--origin",
            "courtroom5/x",
            "--ledger",
            "ledger2",
            "--ledger-key",
            "demo-recorder.key",
            "--ledger-origin",
            "court.example/x",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the ledger key is the recorder key"), "{err}");
    assert!(!c.p("t/courtseal").exists());
}

#[test]
fn two_processes_sealing_two_sessions_into_one_ledger_at_once_both_land() {
    let c = Court::new();
    // Created first, so both runs find the same origin.
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19", &[]).0, 0);
    copy_sample(&c.p("s1"), &[]);
    copy_sample(&c.p("s2"), &[]);
    let bin = env!("CARGO_BIN_EXE_courtseal");
    let spawn = |s: &str, o: &str| {
        std::process::Command::new(bin)
            .current_dir(c.tmp.path())
            .args([
                "seal",
                s,
                "--key",
                "demo-recorder.key",
                "--origin",
                o,
                "--ledger",
                "ledger",
                "--ledger-key",
                "ledger5.key",
            ])
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|sc| {
        let a = sc.spawn(|| spawn("s1", "courtroom5/2026-11-20"));
        let b = sc.spawn(|| spawn("s2", "courtroom5/2026-11-21"));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let lines = ledger_lines(&c);
    assert_eq!(lines.len(), 3, "{lines:?}");
    c.trust(true, "");
    for s in ["s0", "s1", "s2"] {
        let (code, r) = c.verify(s);
        assert_eq!(code, 0, "{s}: {r}");
        assert!(codes(&r, "ledger.").is_empty(), "{s}: {r}");
    }
}

#[test]
fn a_ledger_that_cannot_be_written_does_not_stop_sealing() {
    let c = Court::new();
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19", &[]).0, 0);
    // The ledger's log replaced by a folder: nothing can be appended.
    let log = c.p("ledger/courtseal/ledger.jsonl");
    fs::remove_file(&log).unwrap();
    fs::create_dir(&log).unwrap();
    let (code, err) = c.seal("s", "courtroom5/2026-11-20", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning: ledger.unreachable:"), "{err}");
    assert!(c.p("s/courtseal/checkpoints/5").is_file());
    c.trust(false, "");
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert_eq!(codes(&r, "ledger."), ["ledger.missing"], "{r}");
}

#[test]
fn an_event_backdated_before_a_ledger_cosignature_is_backdated_without_the_sessions_checkpoints() {
    let c = Court::new();
    let w = CosignatureSigner::new(
        "witness0.example/w",
        ed25519_dalek::SigningKey::from_bytes(&[40; 32]),
    )
    .unwrap();
    let url = serve_witness(
        CosignatureSigner::new(
            "witness0.example/w",
            ed25519_dalek::SigningKey::from_bytes(&[40; 32]),
        )
        .unwrap(),
    );
    // The policy: one witness at its URL, quorum 1. The ledger is created
    // by the first seal, so the trust file names it afterwards.
    let wline = format!("witness {} {url}\nquorum 1\n", w.verifier().to_vkey());
    fs::write(
        c.p("policy.txt"),
        format!("recorder {}\n{wline}", vkey("demo-recorder")),
    )
    .unwrap();
    // A first session creates the ledger (and is cosigned as size 1).
    let (code, err) = c.seal("s0", "courtroom5/2026-11-19", &["--policy", "policy.txt"]);
    assert_eq!(code, 0, "{err}");
    let (code, err) = c.seal("s", "courtroom5/2026-11-20", &["--policy", "policy.txt"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("witness witness0.example/w cosigned the checkpoint of size 2"),
        "{err}"
    );
    // The session folder itself holds no cosigned/ of its own.
    assert!(!c.p("s/courtseal/cosigned").exists());
    let t = time::OffsetDateTime::now_utc();
    c.trust(false, &wline);
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(
        codes(&r, "witness.").is_empty() && codes(&r, "ledger.").is_empty(),
        "{r}"
    );
    // The ledger's cosignature is an outside time of the session: the
    // session checkpoint of size 5 existed by then, on the witness's word.
    let o = &r["outside_times"];
    assert_eq!(o.as_array().unwrap().len(), 1, "{r}");
    assert_eq!(o[0]["size"], 5);
    assert_eq!(o[0]["source"]["kind"], "cosignature");
    assert_eq!(o[0]["source"]["witness"], "witness0.example/w");
    assert_eq!(o[0]["source"]["file"], "courtseal/ledger/5.proof");
    // An event stated 20 minutes before the cosignature, entered after it,
    // with its sealing time forged to look earlier and the log re-signed.
    let stated = t - time::Duration::minutes(20);
    let line =
        common::enter_backdated_event(c.tmp.path(), &c.p("s"), "courtroom5/2026-11-20", stated);
    assert_eq!(line, 6);
    let paths = c.paths("s");
    // Every kept session checkpoint deleted: only the latest remains.
    fs::remove_dir_all(&paths.checkpoints).unwrap();
    fs::create_dir(&paths.checkpoints).unwrap();
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "event.backdated");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/log.jsonl:6");
    let m = f[0]["message"].as_str().unwrap();
    assert!(
        m.contains("witness0.example/w cosigned the log") && m.contains("courtseal/ledger/5.proof"),
        "{m}"
    );
    // Without the ledger's evidence, nothing shows it.
    fs::remove_dir_all(paths.dir.join("ledger")).unwrap();
    let (_, r) = c.verify("s");
    assert!(findings_of(&r, "event.backdated").is_empty(), "{r}");
}

/// A trusted witness's cosignature of the ledger checkpoint dated in 2100
/// (a wrong clock, or a misused key) is no outside time: left in, it would
/// make every later event of the session look backdated.
#[test]
fn a_ledger_cosignature_dated_in_2100_proves_no_time() {
    let c = Court::new();
    let w = || {
        CosignatureSigner::new(
            "witness0.example/w",
            ed25519_dalek::SigningKey::from_bytes(&[40; 32]),
        )
        .unwrap()
    };
    let url = serve_witness(w());
    let wline = format!("witness {} {url}\n", w().verifier().to_vkey());
    fs::write(
        c.p("policy.txt"),
        format!("recorder {}\n{wline}", vkey("demo-recorder")),
    )
    .unwrap();
    let (code, err) = c.seal("s", "courtroom5/2026-11-20", &["--policy", "policy.txt"]);
    assert_eq!(code, 0, "{err}");
    c.trust(false, &wline);
    let evidence = c.p("s/courtseal/ledger/5.proof");
    let text = fs::read_to_string(&evidence).unwrap();
    // The ledger checkpoint's note text is what the witness signs: the
    // three lines before the blank line that ends the checkpoint.
    let cp_start = text.rfind("\n\n").unwrap();
    let before = &text[..cp_start];
    let note_start = before.rfind("\n\n").map_or(0, |i| i + 2);
    let note_text = format!("{}\n", &text[note_start..cp_start]);
    assert_eq!(note_text.lines().count(), 3, "{note_text}");
    let line = w().cosignature_line(&note_text, 4_102_444_800);
    fs::write(&evidence, format!("{text}{line}")).unwrap();
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "witness.bad_cosignature");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/ledger/5.proof");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("is dated 2100-01-01T00:00:00Z, after the time of verification"),
        "{r}"
    );
    let times = r["outside_times"].as_array().unwrap();
    assert_eq!(times.len(), 1, "only the genuine cosignature: {r}");
    assert_ne!(times[0]["time"], "2100-01-01T00:00:00Z");
}

/// A court with one witness (quorum 1) whose two sessions are sealed into
/// the ledger; `b.courtseal-proof` is the single-file proof of
/// `s/seg-0001.m4a`, `b0.courtseal-proof` that of `s0/seg-0001.m4a`.
fn bundled() -> (Court, String) {
    let c = Court::new();
    let key = || ed25519_dalek::SigningKey::from_bytes(&[40; 32]);
    let w = CosignatureSigner::new("witness0.example/w", key()).unwrap();
    let url = serve_witness(CosignatureSigner::new("witness0.example/w", key()).unwrap());
    let wline = format!("witness {} {url}\nquorum 1\n", w.verifier().to_vkey());
    fs::write(
        c.p("policy.txt"),
        format!("recorder {}\n{wline}", vkey("demo-recorder")),
    )
    .unwrap();
    for (s, o) in [
        ("s0", "courtroom5/2026-11-19"),
        ("s", "courtroom5/2026-11-20"),
    ] {
        let (code, err) = c.seal(s, o, &["--policy", "policy.txt"]);
        assert_eq!(code, 0, "{err}");
    }
    c.trust(false, &wline);
    for (s, b) in [("s", "b.courtseal-proof"), ("s0", "b0.courtseal-proof")] {
        let (code, _, err) = run(
            c.tmp.path(),
            &[
                "proof",
                s,
                "seg-0001.m4a",
                "--bundle",
                b,
                "--trust",
                "trust.txt",
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    (c, wline)
}

fn verify_file(c: &Court, proof: &str) -> (i32, Value) {
    let (code, out, err) = run(
        c.tmp.path(),
        &[
            "verify-file",
            "s/seg-0001.m4a",
            "--proof",
            proof,
            "--trust",
            "trust.txt",
            "--json",
        ],
    );
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")),
    )
}

/// Rewrites the bundle's ledger part with `f` into `edited.courtseal-proof`.
fn edit_ledger_part(c: &Court, f: impl Fn(&str) -> String) {
    let mut b: Value =
        serde_json::from_slice(&fs::read(c.p("b.courtseal-proof")).unwrap()).unwrap();
    let edited = f(b["ledger"].as_str().unwrap());
    b["ledger"] = Value::String(edited);
    let mut bytes = serde_json::to_vec(&b).unwrap();
    bytes.push(b'\n');
    fs::write(c.p("edited.courtseal-proof"), bytes).unwrap();
}

#[test]
fn a_single_file_proof_carries_the_ledger_and_its_cosignature_offline() {
    let (c, _) = bundled();
    let b: Value = serde_json::from_slice(&fs::read(c.p("b.courtseal-proof")).unwrap()).unwrap();
    assert_eq!(b["bundle"], "courtseal.proof-bundle/v2");
    assert_eq!(
        b["ledger"].as_str().unwrap().as_bytes(),
        fs::read(c.p("s/courtseal/ledger/5.proof")).unwrap()
    );
    // The session folder and the ledger are gone: the file and the proof alone.
    fs::rename(c.p("s"), c.p("elsewhere")).unwrap();
    fs::create_dir(c.p("s")).unwrap();
    fs::copy(c.p("elsewhere/seg-0001.m4a"), c.p("s/seg-0001.m4a")).unwrap();
    fs::remove_dir_all(c.p("ledger")).unwrap();
    let (code, r) = verify_file(&c, "b.courtseal-proof");
    assert_eq!(code, 0, "{r}");
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r}");
    let o = r["outside_times"].as_array().unwrap();
    assert_eq!(o.len(), 1, "{r}");
    assert_eq!(o[0]["size"], 5);
    assert_eq!(o[0]["source"]["witness"], "witness0.example/w");
    assert_eq!(
        o[0]["source"]["file"],
        "b.courtseal-proof (its ledger part)"
    );
}

#[test]
fn a_bundle_whose_ledger_part_was_edited_is_bad_signature() {
    let (c, _) = bundled();
    // The ledger checkpoint's size line, changed (signature kept).
    edit_ledger_part(&c, |t| {
        let (head, note) = t.split_once("\n\n").unwrap();
        let mut lines: Vec<&str> = note.lines().collect();
        let bigger = format!("{}", lines[1].parse::<u64>().unwrap() + 1);
        lines[1] = &bigger;
        format!("{head}\n\n{}\n", lines.join("\n"))
    });
    let (code, r) = verify_file(&c, "edited.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r, "ledger."), ["ledger.bad_signature"], "{r}");
    assert_eq!(codes(&r, "witness."), ["witness.quorum_not_met"], "{r}");
    assert!(r["outside_times"].is_null(), "{r}");
}

#[test]
fn a_bundle_with_a_wrong_inclusion_proof_in_its_ledger_part_is_bad_inclusion() {
    let (c, _) = bundled();
    // Leaf 1 of the ledger claimed to be leaf 0.
    edit_ledger_part(&c, |t| {
        assert!(t.contains("\nindex 1\n"), "{t}");
        t.replace("\nindex 1\n", "\nindex 0\n")
    });
    let (code, r) = verify_file(&c, "edited.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r, "ledger."), ["ledger.bad_inclusion"], "{r}");
    assert_eq!(codes(&r, "witness."), ["witness.quorum_not_met"], "{r}");
}

#[test]
fn a_bundle_whose_ledger_checkpoint_is_signed_by_an_untrusted_key_is_bad_signature() {
    let (c, _) = bundled();
    // The court re-signs the ledger checkpoint with another key of the
    // ledger's name (the witness's cosignature is kept).
    edit_ledger_part(&c, |t| {
        let (head, note) = t.split_once("\n\n").unwrap();
        let text = &note[..note.find("\n\n").unwrap() + 1];
        let sigs: Vec<&str> = note[text.len() + 1..]
            .lines()
            .filter(|l| !l.starts_with(&format!("— {LEDGER} ")) || l.len() > 200)
            .collect();
        let other = courtseal::note::NoteSigner::new(
            LEDGER,
            ed25519_dalek::SigningKey::from_bytes(&[77; 32]),
        )
        .unwrap();
        // Drop the ledger key's own line: it is the first signature.
        let rest: Vec<&str> = sigs.into_iter().skip(1).collect();
        format!(
            "{head}\n\n{text}\n{}{}\n",
            other.signature_line(text),
            rest.join("\n")
        )
    });
    let (code, r) = verify_file(&c, "edited.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "ledger.bad_signature");
    assert_eq!(f.len(), 1, "{r}");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("not signed by a trusted ledger key"),
        "{r}"
    );
    assert_eq!(codes(&r, "witness."), ["witness.quorum_not_met"], "{r}");
}

#[test]
fn a_bundle_with_the_cosignature_of_another_ledger_checkpoint_is_bad_cosignature() {
    let (c, _) = bundled();
    // The witness's line over the ledger checkpoint of size 1 (the first
    // session's), put in place of its line over this one.
    let b0: Value = serde_json::from_slice(&fs::read(c.p("b0.courtseal-proof")).unwrap()).unwrap();
    let theirs = b0["ledger"]
        .as_str()
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    assert!(theirs.starts_with("— witness0.example/w "), "{theirs}");
    edit_ledger_part(&c, |t| {
        let mine = t.lines().last().unwrap();
        assert!(mine.starts_with("— witness0.example/w ") && mine != theirs);
        t.replace(mine, &theirs)
    });
    let (code, r) = verify_file(&c, "edited.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    assert!(codes(&r, "ledger.").is_empty(), "{r}");
    assert_eq!(
        codes(&r, "witness."),
        ["witness.bad_cosignature", "witness.quorum_not_met"],
        "{r}"
    );
    assert!(r["outside_times"].is_null(), "{r}");
}

#[test]
fn a_bundle_stripped_of_its_ledger_part_fails_the_quorum() {
    let (c, wline) = bundled();
    let mut b: Value =
        serde_json::from_slice(&fs::read(c.p("b.courtseal-proof")).unwrap()).unwrap();
    b.as_object_mut().unwrap().remove("ledger");
    b["bundle"] = Value::String("courtseal.proof-bundle/v1".into());
    let mut bytes = serde_json::to_vec(&b).unwrap();
    bytes.push(b'\n');
    fs::write(c.p("stripped.courtseal-proof"), bytes).unwrap();
    let (code, r) = verify_file(&c, "stripped.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "witness.quorum_not_met");
    assert_eq!(f.len(), 1, "{r}");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("the proof carries no ledger part"),
        "{r}"
    );
    // Only v2 is stripped: keeping v2 without its member is malformed.
    b["bundle"] = Value::String("courtseal.proof-bundle/v2".into());
    let mut bytes = serde_json::to_vec(&b).unwrap();
    bytes.push(b'\n');
    fs::write(c.p("stripped.courtseal-proof"), bytes).unwrap();
    let (_, r) = verify_file(&c, "stripped.courtseal-proof");
    assert_eq!(codes(&r, "proof."), ["proof.malformed"], "{r}");
    // Without a quorum in the trust file, the v1 bundle verifies as before.
    c.trust(false, "");
    let _ = wline;
    let (code, r) = verify_file(&c, "b.courtseal-proof");
    assert_eq!(code, 0, "{r}");
    fs::write(c.p("stripped.courtseal-proof"), {
        let mut b = b.clone();
        b["bundle"] = Value::String("courtseal.proof-bundle/v1".into());
        let mut v = serde_json::to_vec(&b).unwrap();
        v.push(b'\n');
        v
    })
    .unwrap();
    let (code, r) = verify_file(&c, "stripped.courtseal-proof");
    assert_eq!(code, 0, "{r}");
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r}");
}
