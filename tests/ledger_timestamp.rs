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
        let ledger = fs::read_to_string(self.p("ledger/courtseal/ledger.vkey")).unwrap();
        fs::write(
            self.p("trust.txt"),
            format!(
                "recorder {}\noperator {}\nledger {}\n{tsa}\n{more}",
                vkey("demo-recorder"),
                vkey("demo-secretary"),
                ledger.trim()
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
    report["outside_times"]
        .as_array()
        .unwrap()
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
