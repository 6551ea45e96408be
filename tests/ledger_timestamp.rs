//! RFC 3161 timestamps over ledger checkpoints (`docs/formats.md`, "Ledger
//! timestamps"): `seal --ledger --policy` has the policy's TSAs (a real
//! `openssl ts -reply` behind HTTP) timestamp each new ledger checkpoint,
//! keeps the token in the ledger and beside the session's evidence, and
//! verify checks it offline. Every verdict on a token is compared with
//! `openssl ts -verify` over the same bytes. Each test is named after what
//! it tries.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::tsa::{make_tsa, openssl_verifies, serve, Server, Tsa, GOOD_EXT};
use common::witness_server::serve_witness;
use common::{copy_sample, demo_key, enter_backdated_event, run, vkey};
use courtseal::note::CosignatureSigner;
use courtseal::session::SessionPaths;
use serde_json::Value;

const LEDGER: &str = "court.example/district2/courtroom5";
const WITNESS: &str = "witness0.example/w";

struct Court {
    tmp: tempfile::TempDir,
    tsa: Tsa,
    srv: Server,
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
        let tsa = make_tsa(tmp.path(), "Court", GOOD_EXT, 365);
        let srv = serve(&tsa);
        let c = Court { tmp, tsa, srv };
        c.policy("");
        c
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    /// The sealer's policy: the recorder, the TSA, and `more` lines.
    fn policy(&self, more: &str) {
        fs::write(
            self.p("policy.txt"),
            format!(
                "recorder {}\ntsa {} Court/root.pem\n{more}",
                vkey("demo-recorder"),
                self.srv.url
            ),
        )
        .unwrap();
    }
    /// Seals sample session `s` (copied when absent) into the ledger with
    /// the policy.
    fn seal(&self, s: &str, origin: &str) -> (i32, String) {
        if !self.p(s).exists() {
            copy_sample(&self.p(s), &[]);
        }
        let (code, _, err) = run(
            self.tmp.path(),
            &[
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
                "--policy",
                "policy.txt",
            ],
        );
        (code, err)
    }
    /// The verifier's trust file: recorder, operator, the ledger, the TSA
    /// line `tsa` (a TSA and its roots), and `more` lines.
    fn trust(&self, tsa: &str, more: &str) {
        // No ledger line when nothing was sealed into a ledger.
        let ledger = fs::read_to_string(self.p("ledger/courtseal/ledger.vkey"))
            .map(|k| format!("ledger {}\n", k.trim()))
            .unwrap_or_default();
        fs::write(
            self.p("trust.txt"),
            format!(
                "recorder {}\noperator {}\n{ledger}{tsa}\n{more}",
                vkey("demo-recorder"),
                vkey("demo-secretary"),
            ),
        )
        .unwrap();
    }
    /// The trust file's line for the court's TSA, required.
    fn court_tsa(&self) -> String {
        format!("tsa {} Court/root.pem required", self.srv.url)
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

/// The outside times of a report as (size, kind, file).
fn outside(report: &Value) -> Vec<(u64, String, String)> {
    // Absent from a verify-file report that has none.
    report["outside_times"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|o| {
            (
                o["size"].as_u64().unwrap(),
                o["source"]["kind"].as_str().unwrap().to_owned(),
                o["source"]["file"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The note text of the ledger checkpoint in an evidence file (a
/// tlog-proof): what its tokens are over, as a person would cut it out.
fn ledger_body(evidence: &Path) -> Vec<u8> {
    let text = fs::read_to_string(evidence).unwrap();
    let (_, note) = text.split_once("\n\n").unwrap();
    let (body, _) = note.split_once("\n\n").unwrap();
    format!("{body}\n").into_bytes()
}

/// The session checkpoint's note text (`courtseal/checkpoints/SIZE`).
fn session_body(c: &Court, s: &str, size: u64) -> Vec<u8> {
    let text = fs::read_to_string(SessionPaths::new(&c.p(s)).checkpoint_at(size)).unwrap();
    let (body, _) = text.split_once("\n\n").unwrap();
    format!("{body}\n").into_bytes()
}

fn openssl_agrees(c: &Court, token: &Path, data: &[u8], roots: &Path) -> bool {
    openssl_verifies(
        c.tmp.path(),
        &fs::read(token).unwrap(),
        data,
        roots,
        &c.tsa.dir.join("tsa.pem"),
    )
}

#[test]
fn a_ledger_checkpoint_is_timestamped_and_the_token_beside_the_evidence_verifies_offline_as_openssl_says(
) {
    let c = Court::new();
    let (code, err) = c.seal("s", "courtroom5/2026-11-20");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("timestamped the ledger checkpoint of size 1"),
        "{err}"
    );
    // Kept in the ledger and beside the session's evidence, byte for byte;
    // the session checkpoint itself is not timestamped a second time.
    let kept = fs::read(c.p("ledger/courtseal/timestamps/1.1.tsr")).unwrap();
    let beside = c.p("s/courtseal/ledger/5.proof.1.tsr");
    assert_eq!(fs::read(&beside).unwrap(), kept);
    assert!(!c.p("s/courtseal/timestamps").exists());
    c.trust(&c.court_tsa(), "");
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r, "timestamp.").is_empty(), "{r}");
    assert_eq!(
        outside(&r),
        [(
            5,
            "timestamp".to_owned(),
            "courtseal/ledger/5.proof.1.tsr".to_owned()
        )]
    );
    // openssl agrees: the token is over the ledger checkpoint's note text
    // in the evidence, not over the session's checkpoint.
    let body = ledger_body(&c.p("s/courtseal/ledger/5.proof"));
    assert!(body.starts_with(format!("{LEDGER}\n1\n").as_bytes()));
    assert!(openssl_agrees(&c, &beside, &body, &c.tsa.root_pem()));
    assert!(!openssl_agrees(
        &c,
        &beside,
        &session_body(&c, "s", 5),
        &c.tsa.root_pem()
    ));
    // The session folder copied alone, with the trust file and the TSA's
    // roots only: the same outside time.
    let away = tempfile::tempdir().unwrap();
    copy_tree(&c.p("s"), &away.path().join("s"));
    fs::copy(c.p("trust.txt"), away.path().join("trust.txt")).unwrap();
    fs::create_dir(away.path().join("Court")).unwrap();
    fs::copy(c.tsa.root_pem(), away.path().join("Court/root.pem")).unwrap();
    let (code, r) = verify_at(away.path(), "s");
    assert_eq!(code, 0, "{r}");
    assert_eq!(outside(&r).len(), 1, "{r}");
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dst = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            fs::create_dir_all(&dst).unwrap();
        } else {
            fs::copy(e.path(), &dst).unwrap();
        }
    }
}

#[test]
fn a_ledger_token_moved_beside_another_sessions_evidence_is_an_imprint_mismatch_and_openssl_agrees()
{
    let c = Court::new();
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19").0, 0);
    assert_eq!(c.seal("s", "courtroom5/2026-11-20").0, 0);
    // s0's token (over ledger checkpoint 1) put beside s's evidence
    // (against ledger checkpoint 2) as a second token.
    let moved = c.p("s/courtseal/ledger/5.proof.2.tsr");
    fs::copy(c.p("s0/courtseal/ledger/5.proof.1.tsr"), &moved).unwrap();
    c.trust(&c.court_tsa(), "");
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "timestamp.imprint_mismatch");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/ledger/5.proof.2.tsr");
    assert_eq!(f[0]["severity"], "error");
    assert_eq!(codes(&r, "timestamp."), ["timestamp.imprint_mismatch"]);
    // s's own token still proves its time.
    assert_eq!(
        outside(&r),
        [(
            5,
            "timestamp".to_owned(),
            "courtseal/ledger/5.proof.1.tsr".to_owned()
        )]
    );
    let body = ledger_body(&c.p("s/courtseal/ledger/5.proof"));
    assert!(!openssl_agrees(&c, &moved, &body, &c.tsa.root_pem()));
    let theirs = ledger_body(&c.p("s0/courtseal/ledger/5.proof"));
    assert!(openssl_agrees(&c, &moved, &theirs, &c.tsa.root_pem()));
}

#[test]
fn a_ledger_token_of_a_tsa_the_verifier_does_not_trust_proves_no_time_and_openssl_agrees() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20").0, 0);
    // The verifier trusts another TSA only, and requires it.
    let other = make_tsa(c.tmp.path(), "Other", GOOD_EXT, 365);
    c.trust("tsa http://127.0.0.1:9/tsa Other/root.pem required", "");
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        codes(&r, "timestamp."),
        ["timestamp.missing", "timestamp.untrusted_tsa"],
        "{r}"
    );
    let f = findings_of(&r, "timestamp.untrusted_tsa");
    assert_eq!(f[0]["location"], "courtseal/ledger/5.proof.1.tsr");
    assert_eq!(f[0]["severity"], "warning");
    assert!(outside(&r).is_empty(), "{r}");
    let token = c.p("s/courtseal/ledger/5.proof.1.tsr");
    let body = ledger_body(&c.p("s/courtseal/ledger/5.proof"));
    assert!(!openssl_agrees(&c, &token, &body, &other.root_pem()));
    // No TSA trusted at all: a warning that the tokens prove nothing.
    c.trust("", "");
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    let f = findings_of(&r, "timestamp.untrusted_tsa");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/ledger");
}

#[test]
fn a_ledger_token_whose_evidence_was_deleted_proves_no_time() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20").0, 0);
    fs::remove_file(c.p("s/courtseal/ledger/5.proof")).unwrap();
    c.trust(&c.court_tsa(), "");
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        codes(&r, "timestamp."),
        ["timestamp.missing", "timestamp.malformed"],
        "{r}"
    );
    let f = findings_of(&r, "timestamp.malformed");
    assert_eq!(f[0]["location"], "courtseal/ledger/5.proof.1.tsr");
    assert_eq!(codes(&r, "ledger."), ["ledger.missing"], "{r}");
    assert!(outside(&r).is_empty(), "{r}");
}

/// The ledger's timestamp is the only outside evidence: an insider with
/// the recorder and secretary keys enters an event after it with an
/// earlier time and re-signs the session, then deletes every kept session
/// checkpoint.
#[test]
fn an_event_entered_after_a_timestamped_ledger_checkpoint_is_backdated_even_without_the_sessions_checkpoints(
) {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20").0, 0);
    let stated = time::OffsetDateTime::now_utc() - time::Duration::minutes(20);
    let line = enter_backdated_event(c.tmp.path(), &c.p("s"), "courtroom5/2026-11-20", stated);
    assert_eq!(line, 6);
    let paths = SessionPaths::new(&c.p("s"));
    fs::remove_dir_all(&paths.checkpoints).unwrap();
    fs::create_dir(&paths.checkpoints).unwrap();
    c.trust(&c.court_tsa(), "");
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "event.backdated");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/log.jsonl:6");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("courtseal/ledger/5.proof.1.tsr"),
        "{r}"
    );
    // Without the token, nothing shows it.
    fs::remove_file(c.p("s/courtseal/ledger/5.proof.1.tsr")).unwrap();
    c.trust(&c.court_tsa().replace(" required", ""), "");
    let (_, r) = c.verify("s");
    assert!(findings_of(&r, "event.backdated").is_empty(), "{r}");
}

#[test]
fn a_ledger_that_cannot_be_written_leaves_the_session_checkpoint_timestamped_instead() {
    let c = Court::new();
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19").0, 0);
    let log = c.p("ledger/courtseal/ledger.jsonl");
    fs::remove_file(&log).unwrap();
    fs::create_dir(&log).unwrap();
    let (code, err) = c.seal("s", "courtroom5/2026-11-20");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning: ledger.unreachable:"), "{err}");
    assert!(
        err.contains("timestamped the checkpoint of size 5"),
        "{err}"
    );
    assert!(c.p("s/courtseal/timestamps/5.1.tsr").is_file());
    c.trust(&c.court_tsa(), "");
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r, "timestamp.").is_empty(), "{r}");
    assert_eq!(
        outside(&r),
        [(
            5,
            "timestamp".to_owned(),
            "courtseal/timestamps/5.1.tsr".to_owned()
        )]
    );
}

/// A session appended while the witness was down keeps its timestamped
/// evidence; when a later ledger checkpoint is cosigned, the refresh
/// writes the later evidence beside it (never over a file with a token
/// beside it) and copies the ledger's tokens over that checkpoint too.
#[test]
fn evidence_with_a_token_beside_it_is_never_replaced_and_later_evidence_gains_the_ledgers_tokens() {
    let c = Court::new();
    let key = || ed25519_dalek::SigningKey::from_bytes(&[40; 32]);
    let w = CosignatureSigner::new(WITNESS, key()).unwrap();
    let vk = w.verifier().to_vkey();
    // The witness down (nothing listens on port 9): s is appended as
    // ledger checkpoint 1 and timestamped, but not cosigned.
    c.policy(&format!("witness {vk} http://127.0.0.1:9\nquorum 1\n"));
    let (code, err) = c.seal("s", "courtroom5/2026-11-20");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("witness.unreachable"), "{err}");
    let kept = fs::read(c.p("s/courtseal/ledger/5.proof")).unwrap();
    assert!(c.p("s/courtseal/ledger/5.proof.1.tsr").is_file());
    // The witness back: the next session's ledger checkpoint (2) is
    // cosigned, and s's evidence gains it.
    let url = serve_witness(CosignatureSigner::new(WITNESS, key()).unwrap());
    c.policy(&format!("witness {vk} {url}\nquorum 1\n"));
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("now also have evidence against the cosigned ledger checkpoint of size 2"),
        "{err}"
    );
    assert_eq!(fs::read(c.p("s/courtseal/ledger/5.proof")).unwrap(), kept);
    assert_eq!(
        fs::read(c.p("s/courtseal/ledger/5.2.proof.1.tsr")).unwrap(),
        fs::read(c.p("ledger/courtseal/timestamps/2.1.tsr")).unwrap()
    );
    c.trust(&c.court_tsa(), &format!("witness {vk}\nquorum 1\n"));
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r, "timestamp.").is_empty(), "{r}");
    assert!(codes(&r, "witness.").is_empty(), "{r}");
    let mut o = outside(&r);
    o.sort();
    assert_eq!(
        o,
        [
            (
                5,
                "cosignature".to_owned(),
                "courtseal/ledger/5.2.proof".to_owned()
            ),
            (
                5,
                "timestamp".to_owned(),
                "courtseal/ledger/5.2.proof.1.tsr".to_owned()
            ),
            (
                5,
                "timestamp".to_owned(),
                "courtseal/ledger/5.proof.1.tsr".to_owned()
            ),
        ],
        "{r}"
    );
    let body = ledger_body(&c.p("s/courtseal/ledger/5.2.proof"));
    assert!(openssl_agrees(
        &c,
        &c.p("s/courtseal/ledger/5.2.proof.1.tsr"),
        &body,
        &c.tsa.root_pem()
    ));
}

// The single-file proof (`proof --bundle`, version 4): the tokens the
// session keeps over checkpoints that include the segment, checked by
// `verify-file` with the trust file alone.

/// Seals sample session `s` without a ledger, with the policy's TSA: the
/// session's own checkpoints are timestamped (`courtseal/timestamps/`).
fn seal_alone(c: &Court, s: &str, origin: &str) {
    if !c.p(s).exists() {
        copy_sample(&c.p(s), &[]);
    }
    let (code, _, err) = run(
        c.tmp.path(),
        &[
            "seal",
            s,
            "--key",
            "demo-recorder.key",
            "--origin",
            origin,
            "--policy",
            "policy.txt",
        ],
    );
    assert_eq!(code, 0, "{err}");
}

/// `proof S seg-0001.m4a` (a bundle to `out` when it ends in
/// `.courtseal-proof`, else a bare tlog-proof) under the trust file.
fn make_proof(c: &Court, s: &str, out: &str) {
    let mut args = vec!["proof", s, "seg-0001.m4a", "--trust", "trust.txt"];
    if out.ends_with(".courtseal-proof") {
        args.extend(["--bundle", out]);
    } else {
        args.extend(["--output", out]);
    }
    let (code, _, err) = run(c.tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
}

/// `verify-file s/seg-0001.m4a --proof PROOF --trust trust.txt --json`.
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

fn bundle(c: &Court, name: &str) -> Value {
    serde_json::from_slice(&fs::read(c.p(name)).unwrap()).unwrap()
}

/// Writes `b` as a bundle file named `name`.
fn write_bundle(c: &Court, name: &str, b: &Value) {
    let mut bytes = serde_json::to_vec(b).unwrap();
    bytes.push(b'\n');
    fs::write(c.p(name), bytes).unwrap();
}

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

/// The session folder is gone but for the media file: the proof alone.
fn keep_only_the_media(c: &Court) {
    fs::rename(c.p("s"), c.p("elsewhere")).unwrap();
    fs::create_dir(c.p("s")).unwrap();
    fs::copy(c.p("elsewhere/seg-0001.m4a"), c.p("s/seg-0001.m4a")).unwrap();
    let _ = fs::remove_dir_all(c.p("ledger"));
}

#[test]
fn a_bundle_carries_the_ledger_token_and_verify_file_proves_its_time_alone_as_openssl_says() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20").0, 0);
    c.trust(&c.court_tsa(), "");
    make_proof(&c, "s", "b.courtseal-proof");
    let b = bundle(&c, "b.courtseal-proof");
    assert_eq!(b["bundle"], "courtseal.proof-bundle/v4", "{b}");
    let t = b["timestamps"].as_array().unwrap();
    assert_eq!(t.len(), 1, "{b}");
    assert_eq!(t[0]["over"], "ledger");
    assert_eq!(t[0]["file"], "courtseal/ledger/5.proof.1.tsr");
    let token = b64(t[0]["token"].as_str().unwrap());
    assert_eq!(
        token,
        fs::read(c.p("s/courtseal/ledger/5.proof.1.tsr")).unwrap()
    );
    // openssl agrees: over the ledger part's checkpoint, cut out by hand.
    fs::write(c.p("ledger-part"), b["ledger"].as_str().unwrap()).unwrap();
    let body = ledger_body(&c.p("ledger-part"));
    fs::write(c.p("bundled.tsr"), &token).unwrap();
    assert!(openssl_agrees(
        &c,
        &c.p("bundled.tsr"),
        &body,
        &c.tsa.root_pem()
    ));
    // The session's certificate names the time too.
    let (code, _, err) = run(
        c.tmp.path(),
        &[
            "verify",
            "s",
            "--trust",
            "trust.txt",
            "--html",
            "scert.html",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let html = fs::read_to_string(c.p("scert.html")).unwrap();
    assert!(
        html.contains("The log's first 5 entries existed no later than"),
        "{html}"
    );
    keep_only_the_media(&c);
    let (code, r) = verify_file(&c, "b.courtseal-proof");
    assert_eq!(code, 0, "{r}");
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(
        outside(&r),
        [(
            5,
            "timestamp".to_owned(),
            "b.courtseal-proof (its timestamp courtseal/ledger/5.proof.1.tsr)".to_owned()
        )]
    );
    // The certificate a lawyer files names the time and who vouches for it.
    let (code, _, err) = run(
        c.tmp.path(),
        &[
            "verify-file",
            "s/seg-0001.m4a",
            "--proof",
            "b.courtseal-proof",
            "--trust",
            "trust.txt",
            "--html",
            "cert.html",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let html = fs::read_to_string(c.p("cert.html")).unwrap();
    assert!(html.contains("Outside times"), "{html}");
    assert!(
        html.contains("The sealed recording existed no later than"),
        "{html}"
    );
    assert!(html.contains("by the timestamp of TSA"), "{html}");
}

#[test]
fn a_bundle_stripped_of_its_tokens_or_a_bare_proof_fails_a_required_tsa() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20").0, 0);
    c.trust(&c.court_tsa(), "");
    make_proof(&c, "s", "b.courtseal-proof");
    make_proof(&c, "s", "bare.tlog-proof");
    // The insider's copy: the token taken out, the version put back.
    let mut b = bundle(&c, "b.courtseal-proof");
    b.as_object_mut().unwrap().remove("timestamps");
    b["bundle"] = "courtseal.proof-bundle/v2".into();
    write_bundle(&c, "stripped.courtseal-proof", &b);
    for proof in ["stripped.courtseal-proof", "bare.tlog-proof"] {
        let (code, r) = verify_file(&c, proof);
        assert_eq!(code, 1, "{proof}: {r}");
        assert_eq!(codes(&r, ""), ["timestamp.missing"], "{proof}: {r}");
        let f = findings_of(&r, "timestamp.missing");
        assert_eq!(f[0]["severity"], "error");
        assert_eq!(f[0]["location"], proof);
        assert!(outside(&r).is_empty(), "{r}");
    }
    // Stripped but still called version 4: malformed, not a silent pass.
    b["bundle"] = "courtseal.proof-bundle/v4".into();
    write_bundle(&c, "v4-empty.courtseal-proof", &b);
    let (code, r) = verify_file(&c, "v4-empty.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r, ""), ["proof.malformed"], "{r}");
    // Without `required` the stripped bundle verifies as a version 2 one.
    c.trust(&format!("tsa {} Court/root.pem", c.srv.url), "");
    let (code, r) = verify_file(&c, "stripped.courtseal-proof");
    assert_eq!(code, 0, "{r}");
    assert!(outside(&r).is_empty(), "{r}");
}

#[test]
fn a_token_over_another_sessions_ledger_checkpoint_put_in_a_bundle_proves_no_time_and_openssl_agrees(
) {
    let c = Court::new();
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19").0, 0);
    assert_eq!(c.seal("s", "courtroom5/2026-11-20").0, 0);
    c.trust(&c.court_tsa(), "");
    make_proof(&c, "s", "b.courtseal-proof");
    // s0's token (over ledger checkpoint 1, earlier) put in s's bundle
    // (whose ledger part is against ledger checkpoint 2) in place of its own.
    let theirs = fs::read(c.p("s0/courtseal/ledger/5.proof.1.tsr")).unwrap();
    let mut b = bundle(&c, "b.courtseal-proof");
    {
        use base64::Engine as _;
        b["timestamps"][0]["token"] = base64::engine::general_purpose::STANDARD
            .encode(&theirs)
            .into();
    }
    write_bundle(&c, "moved.courtseal-proof", &b);
    let (code, r) = verify_file(&c, "moved.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    // The required TSA's token is then missing too.
    assert_eq!(
        codes(&r, ""),
        ["timestamp.imprint_mismatch", "timestamp.missing"],
        "{r}"
    );
    let f = findings_of(&r, "timestamp.imprint_mismatch");
    assert_eq!(f[0]["severity"], "error");
    assert_eq!(
        f[0]["location"],
        "moved.courtseal-proof (its timestamp courtseal/ledger/5.proof.1.tsr)"
    );
    assert!(outside(&r).is_empty(), "{r}");
    fs::write(c.p("ledger-part"), b["ledger"].as_str().unwrap()).unwrap();
    fs::write(c.p("theirs.tsr"), &theirs).unwrap();
    assert!(!openssl_agrees(
        &c,
        &c.p("theirs.tsr"),
        &ledger_body(&c.p("ledger-part")),
        &c.tsa.root_pem()
    ));
    // A token over the ledger, in a bundle without its ledger part.
    let mut b = bundle(&c, "b.courtseal-proof");
    b.as_object_mut().unwrap().remove("ledger");
    write_bundle(&c, "no-ledger.courtseal-proof", &b);
    let (code, r) = verify_file(&c, "no-ledger.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        codes(&r, ""),
        ["timestamp.malformed", "timestamp.missing"],
        "{r}"
    );
}

#[test]
fn a_bundle_of_a_session_without_a_ledger_carries_the_earliest_and_newest_tokens_that_include_the_segment(
) {
    let c = Court::new();
    seal_alone(&c, "s", "courtroom5/2026-11-20");
    // A break entered and sealed: a second, later checkpoint, timestamped.
    let (code, _, err) = run(
        c.tmp.path(),
        &[
            "event",
            "s",
            "break",
            "--reason",
            "recess",
            "--key",
            "demo-secretary.key",
        ],
    );
    assert_eq!(code, 0, "{err}");
    seal_alone(&c, "s", "courtroom5/2026-11-20");
    let mut kept: Vec<String> = fs::read_dir(c.p("s/courtseal/timestamps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept, ["5.1.tsr", "6.1.tsr"]);
    c.trust(&c.court_tsa(), "");
    make_proof(&c, "s", "b.courtseal-proof");
    let b = bundle(&c, "b.courtseal-proof");
    assert_eq!(b["bundle"], "courtseal.proof-bundle/v4", "{b}");
    let t = b["timestamps"].as_array().unwrap();
    let files: Vec<&str> = t.iter().map(|t| t["file"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        [
            "courtseal/timestamps/5.1.tsr",
            "courtseal/timestamps/6.1.tsr"
        ]
    );
    assert_eq!(t[0]["over"], "checkpoint");
    assert_eq!(t[0]["size"], 5);
    // RFC 6962: from 5 entries to 6, three hashes; none from 6 to 6.
    assert_eq!(t[0]["consistency"].as_array().unwrap().len(), 3);
    assert_eq!(t[1]["consistency"].as_array().unwrap().len(), 0);
    // openssl agrees on the earlier token, over the checkpoint body a
    // person rebuilds from the bundle's origin, size and root.
    let body = format!(
        "courtroom5/2026-11-20\n5\n{}\n",
        t[0]["root"].as_str().unwrap()
    );
    assert_eq!(body.as_bytes(), session_body(&c, "s", 5));
    fs::write(c.p("t5.tsr"), b64(t[0]["token"].as_str().unwrap())).unwrap();
    assert!(openssl_agrees(
        &c,
        &c.p("t5.tsr"),
        body.as_bytes(),
        &c.tsa.root_pem()
    ));
    keep_only_the_media(&c);
    let (code, r) = verify_file(&c, "b.courtseal-proof");
    assert_eq!(code, 0, "{r}");
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r}");
    let o = outside(&r);
    assert_eq!(o.iter().map(|o| o.0).collect::<Vec<_>>(), [5, 6], "{r}");
    assert_eq!(
        o[0].2,
        "b.courtseal-proof (its timestamp courtseal/timestamps/5.1.tsr)"
    );
}

#[test]
fn a_bundled_token_over_a_tree_without_the_segment_or_not_a_prefix_of_the_proof_proves_no_time() {
    let c = Court::new();
    seal_alone(&c, "s", "courtroom5/2026-11-20");
    c.trust(&c.court_tsa(), "");
    make_proof(&c, "s", "b.courtseal-proof");
    let good = bundle(&c, "b.courtseal-proof");
    assert_eq!(good["timestamps"][0]["size"], 5, "{good}");
    // Claimed over the log's first entry only (the header), which does
    // not include the segment: an earlier time for it, if it counted.
    let mut b = good.clone();
    b["timestamps"][0]["size"] = 1.into();
    b["timestamps"][0]["file"] = "courtseal/timestamps/1.1.tsr".into();
    write_bundle(&c, "short.courtseal-proof", &b);
    // Over another tree of size 5 (another root): not this log's.
    let mut b = good.clone();
    b["timestamps"][0]["root"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
    write_bundle(&c, "other-root.courtseal-proof", &b);
    for (proof, words) in [
        (
            "short.courtseal-proof",
            "does not include the proof's entry",
        ),
        (
            "other-root.courtseal-proof",
            "is not proven to be the first 5 entries",
        ),
    ] {
        let (code, r) = verify_file(&c, proof);
        assert_eq!(code, 1, "{r}");
        assert_eq!(
            codes(&r, ""),
            ["timestamp.malformed", "timestamp.missing"],
            "{proof}: {r}"
        );
        let f = findings_of(&r, "timestamp.malformed");
        assert!(
            f[0]["message"].as_str().unwrap().contains(words),
            "{proof}: {r}"
        );
        assert!(outside(&r).is_empty(), "{r}");
    }
    let (code, r) = verify_file(&c, "b.courtseal-proof");
    assert_eq!(code, 0, "{r}");
}

#[test]
fn a_bundle_made_under_a_trust_file_without_a_tsa_carries_no_token_and_keeps_its_old_version() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20").0, 0);
    c.trust("", "");
    make_proof(&c, "s", "b.courtseal-proof");
    let b = bundle(&c, "b.courtseal-proof");
    assert_eq!(b["bundle"], "courtseal.proof-bundle/v2", "{b}");
    assert!(b.get("timestamps").is_none(), "{b}");
    // A version 4 bundle checked by someone who trusts no TSA: said so,
    // no time, no error.
    c.trust(&c.court_tsa(), "");
    make_proof(&c, "s", "b4.courtseal-proof");
    c.trust("", "");
    let (code, r) = verify_file(&c, "b4.courtseal-proof");
    assert_eq!(code, 0, "{r}");
    assert_eq!(codes(&r, ""), ["timestamp.untrusted_tsa"], "{r}");
    assert!(outside(&r).is_empty(), "{r}");
}

#[test]
fn an_excerpt_bundle_carries_the_ledger_token_and_verify_file_proves_the_excerpts_time() {
    let c = Court::new();
    assert_eq!(c.seal("s", "courtroom5/2026-11-20").0, 0);
    c.trust(&c.court_tsa(), "");
    let (code, _, err) = run(
        c.tmp.path(),
        &[
            "excerpt",
            "s",
            "seg-0001.m4a",
            "--from",
            "2",
            "--to",
            "6",
            "-o",
            "x.m4a",
            "--trust",
            "trust.txt",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let b = bundle(&c, "x.m4a.courtseal-proof");
    assert_eq!(b["bundle"], "courtseal.proof-bundle/v4");
    assert_eq!(b["timestamps"][0]["file"], "courtseal/ledger/5.proof.1.tsr");
    keep_only_the_media(&c);
    let (code, out, err) = run(
        c.tmp.path(),
        &[
            "verify-file",
            "x.m4a",
            "--proof",
            "x.m4a.courtseal-proof",
            "--trust",
            "trust.txt",
            "--json",
        ],
    );
    let r: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    assert_eq!(code, 0, "{r}");
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(
        outside(&r),
        [(
            5,
            "timestamp".to_owned(),
            "x.m4a.courtseal-proof (its timestamp courtseal/ledger/5.proof.1.tsr)".to_owned()
        )]
    );
}
