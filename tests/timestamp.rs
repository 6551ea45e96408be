//! RFC 3161 timestamps against a real TSA: `openssl ts -reply` (behind a
//! tiny HTTP server for requests), with test CAs made by openssl here. Every
//! verdict of courtseal's offline check is compared with `openssl ts -verify`.

mod common;

use common::tsa::{make_tsa, openssl, openssl_verifies, serve, token, Server, Tsa, GOOD_EXT};

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use courtseal::timestamp::{self, Problem};

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

const MESSAGE: &[u8] = b"courtroom5/2026-11-20\n3\nq3bKx0mJk0rW8Jm8cS4m0B1x6xvJ5jM3XcWm1p9oM1Q=\n";

#[test]
fn a_good_token_verifies_and_openssl_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = make_tsa(tmp.path(), "Good", GOOD_EXT, 365);
    for with_cert in [true, false] {
        let t = token(&tsa, MESSAGE, with_cert);
        // A token without the TSA's certificate is checked with the
        // certificate pinned beside the root.
        let mut roots = tsa.roots();
        if !with_cert {
            roots.extend(
                timestamp::load_roots(&fs::read(tsa.dir.join("tsa.pem")).unwrap()).unwrap(),
            );
        }
        let v = timestamp::verify(&t, MESSAGE, &roots, now())
            .unwrap_or_else(|p| panic!("with_cert {with_cert}: {p}"));
        assert_eq!(v.policy, "1.2.3.4.1");
        assert!(v.tsa_name.contains("Good TSA"), "{}", v.tsa_name);
        assert!((now() - v.gen_time).whole_seconds().abs() < 600);
        assert!(!v.serial.is_empty());
        assert!(openssl_verifies(
            tmp.path(),
            &t,
            MESSAGE,
            &tsa.root_pem(),
            &tsa.dir.join("tsa.pem")
        ));
    }
}

#[test]
fn a_token_without_the_tsa_certificate_is_untrusted_unless_it_is_pinned() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = make_tsa(tmp.path(), "Bare", GOOD_EXT, 365);
    let t = token(&tsa, MESSAGE, false);
    let got = timestamp::verify(&t, MESSAGE, &tsa.roots(), now());
    assert!(matches!(got, Err(Problem::UntrustedTsa(_))), "{got:?}");
    // openssl, given only the root and no TSA certificate, refuses it too.
    assert!(!openssl_verifies(
        tmp.path(),
        &t,
        MESSAGE,
        &tsa.root_pem(),
        &tsa.root_pem()
    ));
}

#[test]
fn a_token_over_other_data_is_an_imprint_mismatch_and_openssl_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = make_tsa(tmp.path(), "Other", GOOD_EXT, 365);
    let t = token(&tsa, b"another checkpoint\n", true);
    let got = timestamp::verify(&t, MESSAGE, &tsa.roots(), now());
    assert!(matches!(got, Err(Problem::ImprintMismatch(_))), "{got:?}");
    assert_eq!(got.unwrap_err().code(), "timestamp.imprint_mismatch");
    assert!(!openssl_verifies(
        tmp.path(),
        &t,
        MESSAGE,
        &tsa.root_pem(),
        &tsa.dir.join("tsa.pem")
    ));
}

#[test]
fn a_token_from_an_untrusted_tsa_is_refused_and_openssl_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let court = make_tsa(tmp.path(), "Court", GOOD_EXT, 365);
    let rogue = make_tsa(tmp.path(), "Rogue", GOOD_EXT, 365);
    let t = token(&rogue, MESSAGE, true);
    let got = timestamp::verify(&t, MESSAGE, &court.roots(), now());
    assert!(matches!(got, Err(Problem::UntrustedTsa(_))), "{got:?}");
    assert!(!openssl_verifies(
        tmp.path(),
        &t,
        MESSAGE,
        &court.root_pem(),
        &rogue.dir.join("tsa.pem")
    ));
}

#[test]
fn a_token_signed_with_an_expired_tsa_certificate_is_refused_and_openssl_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = make_tsa(tmp.path(), "Expired", GOOD_EXT, -1);
    let t = token(&tsa, MESSAGE, true);
    let got = timestamp::verify(&t, MESSAGE, &tsa.roots(), now());
    assert!(
        matches!(got, Err(Problem::ExpiredCertificate(_))),
        "{got:?}"
    );
    assert!(!openssl_verifies(
        tmp.path(),
        &t,
        MESSAGE,
        &tsa.root_pem(),
        &tsa.dir.join("tsa.pem")
    ));
}

/// The TSTInfo of `good`, signed with `openssl cms` by a new certificate
/// of `tsa`'s CA with extension lines `ext` (`openssl ts -reply` refuses to
/// sign with a certificate not for timestamping alone, a forger does not).
fn forge(tsa: &Tsa, good: &[u8], name: &str, ext: &str) -> (Vec<u8>, PathBuf) {
    let d = &tsa.dir;
    fs::write(d.join("good.tsr"), good).unwrap();
    openssl(
        d,
        &[
            "cms",
            "-verify",
            "-noverify",
            "-inform",
            "DER",
            "-in",
            "good.tsr",
            "-out",
            "tstinfo.der",
        ],
    );
    let subj = format!("/CN={name}");
    openssl(
        d,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other.csr",
            "-subj",
            &subj,
        ],
    );
    fs::write(d.join("other.cnf"), ext).unwrap();
    let cert = format!("{name}.pem");
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "other.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-days",
            "30",
            "-out",
            &cert,
            "-extfile",
            "other.cnf",
        ],
    );
    openssl(
        d,
        &[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-nosmimecap",
            "-md",
            "sha256",
            "-econtent_type",
            "1.2.840.113549.1.9.16.1.4",
            "-signer",
            &cert,
            "-inkey",
            "other.key",
            "-in",
            "tstinfo.der",
            "-outform",
            "DER",
            "-out",
            "forged.tsr",
        ],
    );
    (fs::read(d.join("forged.tsr")).unwrap(), d.join(cert))
}

#[test]
fn a_token_signed_by_a_certificate_not_for_timestamping_is_refused_and_openssl_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = make_tsa(tmp.path(), "Good", GOOD_EXT, 365);
    let good = token(&tsa, MESSAGE, true);
    for (name, ext) in [
        (
            "web",
            "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        ),
        (
            "soft",
            "basicConstraints=CA:FALSE\nextendedKeyUsage=timeStamping\n",
        ),
        (
            "both",
            "basicConstraints=CA:FALSE\nextendedKeyUsage=critical,timeStamping,codeSigning\n",
        ),
        ("none", "basicConstraints=CA:FALSE\n"),
    ] {
        let (forged, cert) = forge(&tsa, &good, name, ext);
        let got = timestamp::verify(&forged, MESSAGE, &tsa.roots(), now());
        assert!(matches!(got, Err(Problem::NotEku(_))), "{name}: {got:?}");
        assert!(
            !openssl_verifies(tmp.path(), &forged, MESSAGE, &tsa.root_pem(), &cert),
            "{name}"
        );
    }
}

#[test]
fn a_token_whose_content_was_changed_has_a_bad_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = make_tsa(tmp.path(), "Good", GOOD_EXT, 365);
    let mut t = token(&tsa, MESSAGE, true);
    // Flip one byte of the imprint inside the signed TSTInfo.
    let digest = <sha2::Sha256 as sha2::Digest>::digest(MESSAGE);
    let at = t
        .windows(32)
        .position(|w| w == digest.as_slice())
        .expect("the imprint is in the token");
    t[at] ^= 1;
    let got = timestamp::verify(&t, MESSAGE, &tsa.roots(), now());
    assert!(matches!(got, Err(Problem::BadSignature(_))), "{got:?}");
    assert!(!openssl_verifies(
        tmp.path(),
        &t,
        MESSAGE,
        &tsa.root_pem(),
        &tsa.dir.join("tsa.pem")
    ));
}

#[test]
fn a_token_requested_over_http_carries_the_nonce_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = make_tsa(tmp.path(), "Http", GOOD_EXT, 365);
    let srv = serve(&tsa);
    let t = timestamp::request(&srv.url, MESSAGE).unwrap();
    let v = timestamp::verify(&t, MESSAGE, &tsa.roots(), now()).unwrap();
    assert!(v.nonce.is_some());
    assert!(openssl_verifies(
        tmp.path(),
        &t,
        MESSAGE,
        &tsa.root_pem(),
        &tsa.dir.join("tsa.pem")
    ));
    // A TSA that is down is an error of the request, never a panic.
    fs::write(tsa.dir.join("down"), "").unwrap();
    assert!(timestamp::request(&srv.url, MESSAGE).is_err());
}

// ---------------------------------------------------------------------
// Sessions: seal --policy, verify, and what a timestamp proves.

use common::{copy_sample, demo_key, enter_backdated_event, run, vkey};
use courtseal::session::{self, SessionPaths};
use serde_json::Value;

/// A work folder with the demo keys, a TSA behind HTTP and a trust file
/// naming the recorder, the operator and the TSA.
struct Court {
    tmp: tempfile::TempDir,
    tsa: Tsa,
    _srv: Server,
}

impl Court {
    fn new(required: bool) -> Court {
        let tmp = tempfile::tempdir().unwrap();
        demo_key(tmp.path(), "demo-recorder");
        demo_key(tmp.path(), "demo-secretary");
        let tsa = make_tsa(tmp.path(), "Court", GOOD_EXT, 365);
        let srv = serve(&tsa);
        fs::write(
            tmp.path().join("trust.txt"),
            format!(
                "recorder {}\noperator {}\ntsa {} Court/root.pem{}\n",
                vkey("demo-recorder"),
                vkey("demo-secretary"),
                srv.url,
                if required { " required" } else { "" }
            ),
        )
        .unwrap();
        Court {
            tmp,
            tsa,
            _srv: srv,
        }
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn seal(&self, s: &str) -> (i32, String) {
        let (code, _, err) = run(
            self.tmp.path(),
            &[
                "seal",
                s,
                "--key",
                "demo-recorder.key",
                "--origin",
                "courtroom5/2026-11-20",
                "--policy",
                "trust.txt",
            ],
        );
        (code, err)
    }
    fn verify(&self, s: &str) -> (i32, Value) {
        let (code, out, err) = run(
            self.tmp.path(),
            &["verify", s, "--trust", "trust.txt", "--log-only", "--json"],
        );
        (
            code,
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")),
        )
    }
    fn tokens(&self, s: &str) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.p(s).join("courtseal/timestamps"))
            .map(|rd| {
                rd.map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
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

#[test]
fn seal_with_a_policy_keeps_a_token_over_the_checkpoint_that_openssl_verifies() {
    let c = Court::new(true);
    copy_sample(&c.p("s"), &[]);
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("timestamped the checkpoint of size 5"),
        "{err}"
    );
    assert_eq!(c.tokens("s"), ["5.1.tsr"]);
    // The token is over the checkpoint's note text, as kept.
    let cp = fs::read_to_string(c.p("s/courtseal/checkpoints/5")).unwrap();
    let body = cp.split_once("\n\n").unwrap().0.to_owned() + "\n";
    let token = fs::read(c.p("s/courtseal/timestamps/5.1.tsr")).unwrap();
    assert!(openssl_verifies(
        c.tmp.path(),
        &token,
        body.as_bytes(),
        &c.tsa.root_pem(),
        &c.tsa.dir.join("tsa.pem")
    ));
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(
        !codes(&r).iter().any(|c| c.starts_with("timestamp.")),
        "{r}"
    );
    // Sealing again with nothing new asks for nothing new.
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("already timestamped"), "{err}");
    assert_eq!(c.tokens("s"), ["5.1.tsr"]);
}

#[test]
fn a_tsa_that_is_down_never_stops_sealing_and_the_next_seal_asks_again() {
    let c = Court::new(true);
    copy_sample(&c.p("s"), &["seg-0004.m4a"]);
    fs::write(c.tsa.dir.join("down"), "").unwrap();
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("timestamp.unreachable"), "{err}");
    assert!(c.tokens("s").is_empty());
    // Required by the policy, and none kept: an error of its own.
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    assert_eq!(findings_of(&r, "timestamp.missing").len(), 1, "{r}");
    // Back up: the next seal timestamps its new checkpoint, which commits
    // to the one missed.
    fs::remove_file(c.tsa.dir.join("down")).unwrap();
    fs::copy(
        common::repo(&format!("{}/seg-0004.m4a", common::SAMPLE)),
        c.p("s/seg-0004.m4a"),
    )
    .unwrap();
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert_eq!(c.tokens("s"), ["5.1.tsr"]);
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    // `courtseal timestamp` with the TSA up again: nothing more to add.
    let (code, _, err) = run(c.tmp.path(), &["timestamp", "s", "--policy", "trust.txt"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("already timestamped"), "{err}");
}

#[test]
fn a_session_sealed_without_timestamps_verifies_as_before() {
    let c = Court::new(false);
    copy_sample(&c.p("s"), &[]);
    let (code, _, err) = run(
        c.tmp.path(),
        &[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            "courtroom5/2026-11-20",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(c.tokens("s").is_empty());
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(
        !codes(&r).iter().any(|c| c.starts_with("timestamp.")),
        "{r}"
    );
}

#[test]
fn an_insider_who_rewrites_a_timestamped_log_with_the_recorder_key_is_caught() {
    let c = Court::new(false);
    copy_sample(&c.p("s"), &[]);
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    // The insider drops segment 3 from the log and re-signs everything
    // with the recorder key; the TSA's token stays.
    let paths = SessionPaths::new(&c.p("s"));
    let text = fs::read_to_string(&paths.log).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("seg-0003.mp4"))
        .collect();
    fs::write(&paths.log, kept.join("\n") + "\n").unwrap();
    fs::remove_dir_all(&paths.checkpoints).unwrap();
    fs::create_dir(&paths.checkpoints).unwrap();
    fs::remove_file(c.p("s/seg-0003.mp4")).unwrap();
    let signer = courtseal::keys::load_signer(&c.p("demo-recorder.key")).unwrap();
    let log = courtseal::log::Log::read(&paths.log).unwrap();
    let tree = log.tree();
    let cp =
        courtseal::checkpoint::Checkpoint::new("courtroom5/2026-11-20", tree.size(), tree.root());
    session::write_checkpoint(&paths, &signer, &cp).unwrap();
    // Four entries now: the token over five is beyond the log.
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "timestamp.imprint_mismatch");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/timestamps/5.1.tsr");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("removed from the end"),
        "{r}"
    );
}

/// The insider holds the recorder key and controls its clock: after the
/// TSA timestamped the log at T, an operator's break stated 20 minutes
/// before T is appended with a sealing time a second after it and signed
/// by the insider; every kept checkpoint is then deleted. The token over
/// the earlier checkpoint, which does not include the event, remains.
#[test]
fn an_insider_who_enters_an_event_after_a_timestamped_checkpoint_with_an_earlier_time_is_caught() {
    let c = Court::new(false);
    copy_sample(&c.p("s"), &[]);
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert_eq!(c.tokens("s"), ["5.1.tsr"]);
    let stated = time::OffsetDateTime::now_utc() - time::Duration::minutes(20);
    let line = enter_backdated_event(c.tmp.path(), &c.p("s"), "courtroom5/2026-11-20", stated);
    assert_eq!(line, 6);
    let paths = SessionPaths::new(&c.p("s"));
    // Signed by the recorder key, sealing time a second after the stated
    // one: the court's own material alone shows nothing wrong.
    let (_, r) = c.verify("s");
    let f = findings_of(&r, "event.backdated");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/log.jsonl:6");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("courtseal/timestamps/5.1.tsr"),
        "{r}"
    );
    // Every kept checkpoint deleted: the token still shows it.
    fs::remove_dir_all(&paths.checkpoints).unwrap();
    fs::create_dir(&paths.checkpoints).unwrap();
    fs::remove_file(&paths.checkpoint).unwrap();
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "event.backdated");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/log.jsonl:6");
    // Without the token, nothing would show it: the evidence is the token.
    fs::remove_dir_all(c.p("s/courtseal/timestamps")).unwrap();
    let (_, r) = c.verify("s");
    assert!(findings_of(&r, "event.backdated").is_empty(), "{r}");
}

#[test]
fn a_token_planted_from_an_untrusted_tsa_proves_no_time() {
    let c = Court::new(false);
    copy_sample(&c.p("s"), &[]);
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    let rogue = make_tsa(c.tmp.path(), "Rogue", GOOD_EXT, 365);
    let cp = fs::read_to_string(c.p("s/courtseal/checkpoints/5")).unwrap();
    let body = cp.split_once("\n\n").unwrap().0.to_owned() + "\n";
    fs::write(
        c.p("s/courtseal/timestamps/5.2.tsr"),
        token(&rogue, body.as_bytes(), true),
    )
    .unwrap();
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    let f = findings_of(&r, "timestamp.untrusted_tsa");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["severity"], "warning");
    assert_eq!(f[0]["location"], "courtseal/timestamps/5.2.tsr");
}

/// Waits (up to a minute, never a timing assertion) for `cond`.
fn wait_for(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..600 {
        if cond() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("waited a minute for {what}");
}

#[test]
fn seal_watch_timestamps_checkpoints_in_the_background_and_keeps_sealing_while_the_tsa_is_down() {
    let c = Court::new(true);
    copy_sample(&c.p("s"), &["seg-0003.mp4", "seg-0004.m4a"]);
    let mut svc = Command::new(env!("CARGO_BIN_EXE_courtseal"))
        .current_dir(c.tmp.path())
        .args([
            "seal",
            "s",
            "--watch",
            "--key",
            "demo-recorder.key",
            "--origin",
            "courtroom5/2026-11-20",
            "--settle",
            "1",
            "--heartbeat",
            "1",
            "--policy",
            "trust.txt",
        ])
        .env("CI", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let seen = std::sync::Arc::clone(&seen);
        let stdout = svc.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let line = line.unwrap();
                let mut s = seen.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        })
    };
    let saw = |what: &str| seen.lock().unwrap().contains(what);
    wait_for("a first token", || !c.tokens("s").is_empty());
    // The TSA goes down: segments are still sealed, and the service says so.
    fs::write(c.tsa.dir.join("down"), "").unwrap();
    fs::copy(
        common::repo(&format!("{}/seg-0003.mp4", common::SAMPLE)),
        c.p("s/seg-0003.mp4"),
    )
    .unwrap();
    wait_for("seg-0003 sealed", || {
        fs::read_to_string(c.p("s/courtseal/log.jsonl"))
            .unwrap()
            .contains("seg-0003.mp4")
    });
    wait_for("the service to say the TSA is down", || {
        saw("timestamp.unreachable")
    });
    // Back up: the next checkpoints are timestamped again.
    let before = c.tokens("s").len();
    fs::remove_file(c.tsa.dir.join("down")).unwrap();
    wait_for("a token after the TSA came back", || {
        c.tokens("s").len() > before
    });
    let (code, _, err) = run(c.tmp.path(), &["close", "s"]);
    assert_eq!(code, 0, "{err}");
    assert!(svc.wait().unwrap().success());
    reader.join().unwrap();
    let out = seen.lock().unwrap().clone();
    assert!(out.contains("timestamped the checkpoint of size"), "{out}");
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(
        !codes(&r).iter().any(|c| c.starts_with("timestamp.")),
        "{r}"
    );
}

/// The insider writes a log whose last entry states a time three hours
/// ago (signed with the recorder key) and only then has it timestamped:
/// the token proves the entries existed at its genTime, not at their
/// stated times, and verify says so (`timestamp.late`, a warning). A
/// session timestamped as it is sealed has no such warning.
#[test]
fn an_insider_who_timestamps_a_log_written_with_earlier_times_gets_timestamp_late() {
    let c = Court::new(false);
    fs::create_dir_all(c.p("s")).unwrap();
    let signer = courtseal::keys::load_signer(&c.p("demo-recorder.key")).unwrap();
    {
        let mut sealer = session::Sealer::open(
            &c.p("s"),
            &signer,
            Some("courtroom5/2026-11-20"),
            &session::HeaderFields::default(),
        )
        .unwrap();
        let earlier = courtseal::time::format_utc(now() - time::Duration::hours(3));
        let hb = courtseal::entry::HeartbeatEntry {
            v: courtseal::entry::VERSION,
            kind: "heartbeat".into(),
            at: earlier.clone(),
            segments: 0,
        };
        sealer.append(&[courtseal::entry::to_line(&hb)]).unwrap();
        sealer.checkpoint().unwrap();
    }
    let (code, _, err) = run(c.tmp.path(), &["timestamp", "s", "--policy", "trust.txt"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(c.tokens("s").len(), 1);
    let (_, r) = c.verify("s");
    let f = findings_of(&r, "timestamp.late");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["severity"], "warning");
    assert_eq!(
        f[0]["location"],
        format!("courtseal/timestamps/{}", c.tokens("s")[0])
    );
    let m = f[0]["message"].as_str().unwrap();
    assert!(
        m.starts_with("the first token over the checkpoint of size 2 was made at "),
        "{m}"
    );
    assert!(m.contains("(more than the 60 min allowed)"), "{m}");
    // The control: sealed and timestamped at once.
    copy_sample(&c.p("t"), &[]);
    let (code, err) = c.seal("t");
    assert_eq!(code, 0, "{err}");
    assert_eq!(c.tokens("t").len(), 1);
    let (_, r) = c.verify("t");
    assert!(findings_of(&r, "timestamp.late").is_empty(), "{r}");
}
