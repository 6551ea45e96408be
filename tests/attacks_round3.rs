//! Third round of attacks, on what was built last: RFC 3161 timestamps,
//! excerpt proofs, the sealed record and retention, and the HTML documents.
//! Made as a court insider who can write the session folder, holds one key
//! and controls the clock, or as a hostile file would. Each test is named
//! after the attack and asserts the exact verdict the tool must give.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{copy_sample, demo_key, run, vkey};
use courtseal::timestamp::{self, Problem};
use serde_json::Value;

// ---------------------------------------------------------------------
// Test TSAs made by openssl (`openssl ts -reply` is the real TSA).

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

struct Tsa {
    dir: PathBuf,
}

impl Tsa {
    fn roots(&self) -> Vec<x509_cert::Certificate> {
        timestamp::load_roots(&fs::read(self.dir.join("root.pem")).unwrap()).unwrap()
    }
}

const GOOD_EXT: &str = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n";

fn ec_req(dir: &Path, key: &str, out: &str, subj: &str, x509: bool) {
    let mut a = vec!["req"];
    if x509 {
        a.push("-x509");
    } else {
        a.push("-new");
    }
    a.extend([
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key,
        "-out",
        out,
        "-subj",
        subj,
    ]);
    if x509 {
        a.extend([
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
    }
    openssl(dir, &a);
}

/// A root CA named `CN=<root_cn>` and a TSA certificate it issues.
fn make_tsa(base: &Path, name: &str, root_cn: &str) -> Tsa {
    let dir = base.join(name);
    fs::create_dir_all(&dir).unwrap();
    ec_req(
        &dir,
        "root.key",
        "root.pem",
        &format!("/CN={root_cn}"),
        true,
    );
    ec_req(
        &dir,
        "tsa.key",
        "tsa.csr",
        &format!("/CN={name} TSA"),
        false,
    );
    fs::write(dir.join("ext.cnf"), GOOD_EXT).unwrap();
    openssl(
        &dir,
        &[
            "x509", "-req", "-in", "tsa.csr", "-CA", "root.pem", "-CAkey", "root.key", "-days",
            "365", "-out", "tsa.pem", "-extfile", "ext.cnf",
        ],
    );
    fs::copy(dir.join("root.pem"), dir.join("chain.pem")).unwrap();
    fs::write(
        dir.join("ts.cnf"),
        format!(
            "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\ndir = {d}\nserial = {d}/serial\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\nordering = yes\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            d = dir.display()
        ),
    )
    .unwrap();
    fs::write(dir.join("serial"), "01\n").unwrap();
    Tsa { dir }
}

/// A token from `tsa` over `data`, carrying the TSA's certificate.
fn token(tsa: &Tsa, data: &[u8]) -> Vec<u8> {
    let d = &tsa.dir;
    fs::write(d.join("data"), data).unwrap();
    openssl(
        d,
        &[
            "ts", "-query", "-data", "data", "-sha256", "-cert", "-out", "q.tsq",
        ],
    );
    openssl(
        d,
        &[
            "ts",
            "-reply",
            "-config",
            "ts.cnf",
            "-queryfile",
            "q.tsq",
            "-signer",
            "tsa.pem",
            "-inkey",
            "tsa.key",
            "-chain",
            "chain.pem",
            "-token_out",
            "-out",
            "t.tsr",
        ],
    );
    fs::read(d.join("t.tsr")).unwrap()
}

// ---------------------------------------------------------------------
// A sealed sample session, a court TSA the trust file requires.

const ORIGIN: &str = "courtroom5/2026-11-20";

struct Court {
    tmp: tempfile::TempDir,
    tsa: Tsa,
}

impl Court {
    /// The sample session sealed in `s` (five entries), no token kept yet;
    /// the trust file names the court's TSA, `required`.
    fn new() -> Court {
        let tmp = tempfile::tempdir().unwrap();
        demo_key(tmp.path(), "demo-recorder");
        demo_key(tmp.path(), "demo-secretary");
        let tsa = make_tsa(tmp.path(), "Court", "Court Root CA");
        fs::write(
            tmp.path().join("trust.txt"),
            format!(
                "recorder {}\noperator {}\ntsa http://127.0.0.1:9/tsa Court/root.pem required\n",
                vkey("demo-recorder"),
                vkey("demo-secretary"),
            ),
        )
        .unwrap();
        let c = Court { tmp, tsa };
        copy_sample(&c.p("s"), &[]);
        common::seal_as_recorder(c.tmp.path(), "s", ORIGIN, &[]);
        fs::create_dir_all(c.p("s/courtseal/timestamps")).unwrap();
        c
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        run(self.tmp.path(), args)
    }
    /// The note text of the kept checkpoint of `size`: what a token is over.
    fn body(&self, size: u64) -> String {
        let cp = fs::read_to_string(self.p(&format!("s/courtseal/checkpoints/{size}"))).unwrap();
        cp.split_once("\n\n").unwrap().0.to_owned() + "\n"
    }
    fn plant(&self, name: &str, bytes: &[u8]) {
        fs::write(self.p(&format!("s/courtseal/timestamps/{name}")), bytes).unwrap();
    }
    fn verify(&self) -> (i32, Value) {
        let (code, out, err) = self.cs(&[
            "verify",
            "s",
            "--trust",
            "trust.txt",
            "--log-only",
            "--json",
        ]);
        (
            code,
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")),
        )
    }
}

fn findings_of<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

fn timestamp_codes(report: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("timestamp."))
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn t(code: &str, sev: &str, loc: &str) -> (String, String, String) {
    (code.to_owned(), sev.to_owned(), loc.to_owned())
}

// ---------------------------------------------------------------------
// (a) RFC 3161 timestamps

#[test]
fn a_genuine_token_over_the_last_checkpoint_satisfies_a_required_tsa() {
    let c = Court::new();
    c.plant("5.1.tsr", &token(&c.tsa, c.body(5).as_bytes()));
    let (code, r) = c.verify();
    assert_eq!(code, 0, "{r}");
    assert!(timestamp_codes(&r).is_empty(), "{r}");
}

/// The required TSA's tokens are deleted: the session must not pass.
#[test]
fn deleting_every_token_of_a_required_tsa_is_timestamp_missing() {
    let c = Court::new();
    c.plant("5.1.tsr", &token(&c.tsa, c.body(5).as_bytes()));
    fs::remove_dir_all(c.p("s/courtseal/timestamps")).unwrap();
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        timestamp_codes(&r),
        [t("timestamp.missing", "error", "courtseal/timestamps")],
        "{r}"
    );
}

/// Anyone may ask a public TSA to timestamp anything, the empty string
/// included. A token over no bytes, filed as the checkpoint of size 0 (or
/// of a size the log does not reach), is over no checkpoint of this log:
/// it must neither prove a time nor stand in for the required TSA's token.
#[test]
fn a_token_over_empty_bytes_filed_as_size_0_does_not_satisfy_a_required_tsa() {
    let c = Court::new();
    c.plant("0.1.tsr", &token(&c.tsa, b""));
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        timestamp_codes(&r),
        [
            t(
                "timestamp.imprint_mismatch",
                "error",
                "courtseal/timestamps/0.1.tsr"
            ),
            t("timestamp.missing", "error", "courtseal/timestamps"),
        ],
        "{r}"
    );
    let m = findings_of(&r, "timestamp.imprint_mismatch")[0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(m.contains("over no bytes at all"), "{m}");
}

#[test]
fn a_token_over_empty_bytes_filed_beyond_the_log_does_not_satisfy_a_required_tsa() {
    let c = Court::new();
    c.plant("999.1.tsr", &token(&c.tsa, b""));
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        timestamp_codes(&r),
        [
            t(
                "timestamp.imprint_mismatch",
                "error",
                "courtseal/timestamps/999.1.tsr"
            ),
            t("timestamp.missing", "error", "courtseal/timestamps"),
        ],
        "{r}"
    );
}

/// A genuine token of another TSA (its own root, same CA name) over this
/// very checkpoint does not stand in for the required one.
#[test]
fn a_token_from_another_tsa_whose_root_has_the_same_name_is_untrusted() {
    let c = Court::new();
    let other = make_tsa(c.tmp.path(), "Other", "Court Root CA");
    c.plant("5.1.tsr", &token(&other, c.body(5).as_bytes()));
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    // Its issuer is named like the trusted root, but the root never signed
    // it: a bad signature, not merely an unknown TSA.
    assert_eq!(
        timestamp_codes(&r),
        [
            t(
                "timestamp.bad_signature",
                "error",
                "courtseal/timestamps/5.1.tsr"
            ),
            t("timestamp.missing", "error", "courtseal/timestamps"),
        ],
        "{r}"
    );
}

/// A genuine token over the checkpoint of size 5 renamed to claim size 4
/// (an earlier time for fewer entries) proves nothing of size 4.
#[test]
fn a_token_file_renamed_to_another_size_proves_no_time() {
    let c = Court::new();
    c.plant("4.1.tsr", &token(&c.tsa, c.body(5).as_bytes()));
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        timestamp_codes(&r),
        [
            t(
                "timestamp.imprint_mismatch",
                "error",
                "courtseal/timestamps/4.1.tsr"
            ),
            t("timestamp.missing", "error", "courtseal/timestamps"),
        ],
        "{r}"
    );
    // Named for what it is: not a rewritten log, a renamed file.
    let m = findings_of(&r, "timestamp.imprint_mismatch")[0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        m.contains("over this log's checkpoint of size 5: the file was renamed"),
        "{m}"
    );
}

/// A token over the checkpoint of another session (same TSA, other log).
#[test]
fn a_token_over_another_sessions_checkpoint_is_an_imprint_mismatch() {
    let c = Court::new();
    let other = format!("{ORIGIN}-b\n5\n{}\n", "A".repeat(43) + "=");
    c.plant("5.1.tsr", &token(&c.tsa, other.as_bytes()));
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        timestamp_codes(&r),
        [
            t(
                "timestamp.imprint_mismatch",
                "error",
                "courtseal/timestamps/5.1.tsr"
            ),
            t("timestamp.missing", "error", "courtseal/timestamps"),
        ],
        "{r}"
    );
}

#[test]
fn a_huge_token_file_is_refused_unread_and_proves_no_time() {
    let c = Court::new();
    let mut big = token(&c.tsa, c.body(5).as_bytes());
    big.resize(64 << 20, 0);
    c.plant("5.1.tsr", &big);
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        timestamp_codes(&r),
        [
            t(
                "timestamp.malformed",
                "error",
                "courtseal/timestamps/5.1.tsr"
            ),
            t("timestamp.missing", "error", "courtseal/timestamps"),
        ],
        "{r}"
    );
}

#[test]
fn a_fifo_token_file_never_hangs_verify() {
    let c = Court::new();
    let fifo = c.p("s/courtseal/timestamps/5.1.tsr");
    let ok = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        timestamp_codes(&r),
        [
            t(
                "timestamp.malformed",
                "error",
                "courtseal/timestamps/5.1.tsr"
            ),
            t("timestamp.missing", "error", "courtseal/timestamps"),
        ],
        "{r}"
    );
}

/// A genuine token kept outside the session, linked in: never followed
/// (the session folder must stand on its own).
#[test]
fn a_symlinked_token_file_is_not_followed() {
    let c = Court::new();
    fs::write(c.p("outside.tsr"), token(&c.tsa, c.body(5).as_bytes())).unwrap();
    std::os::unix::fs::symlink(c.p("outside.tsr"), c.p("s/courtseal/timestamps/5.1.tsr")).unwrap();
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        timestamp_codes(&r),
        [
            t(
                "timestamp.malformed",
                "error",
                "courtseal/timestamps/5.1.tsr"
            ),
            t("timestamp.missing", "error", "courtseal/timestamps"),
        ],
        "{r}"
    );
}

/// The timestamps folder replaced by a link to a folder of genuine tokens
/// elsewhere.
#[test]
fn a_symlinked_timestamps_folder_is_not_followed() {
    let c = Court::new();
    fs::remove_dir(c.p("s/courtseal/timestamps")).unwrap();
    fs::create_dir(c.p("elsewhere")).unwrap();
    fs::write(
        c.p("elsewhere/5.1.tsr"),
        token(&c.tsa, c.body(5).as_bytes()),
    )
    .unwrap();
    std::os::unix::fs::symlink(c.p("elsewhere"), c.p("s/courtseal/timestamps")).unwrap();
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        timestamp_codes(&r),
        [
            t("timestamp.malformed", "warning", "courtseal/timestamps"),
            t("timestamp.missing", "error", "courtseal/timestamps"),
        ],
        "{r}"
    );
}

/// A token stating a time after the time of verification (a TSA clock
/// set ahead, or a verifier's clock set back to make a token look fresh).
#[test]
fn a_token_dated_in_the_future_of_the_verification_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let tsa = make_tsa(tmp.path(), "Court", "Court Root CA");
    let tok = token(&tsa, b"m");
    let now = time::OffsetDateTime::now_utc();
    assert!(timestamp::verify(&tok, b"m", &tsa.roots(), now).is_ok());
    match timestamp::verify(&tok, b"m", &tsa.roots(), now - time::Duration::hours(1)) {
        Err(Problem::Malformed(m)) => assert!(m.contains("after the time of verification"), "{m}"),
        other => panic!("{other:?}"),
    }
}

/// Chain tricks: the token carries a forged "root" with the trusted
/// root's name and its own key, which issued the signing certificate.
#[test]
fn a_token_carrying_a_lookalike_root_is_a_bad_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let court = make_tsa(tmp.path(), "Court", "Court Root CA");
    // The forger's CA has the same name; its chain.pem (the lookalike) is
    // carried in every token it makes.
    let forger = make_tsa(tmp.path(), "Forger", "Court Root CA");
    let tok = token(&forger, b"m");
    let now = time::OffsetDateTime::now_utc();
    match timestamp::verify(&tok, b"m", &court.roots(), now) {
        Err(Problem::BadSignature(m)) => assert!(m.contains("names a trusted root"), "{m}"),
        other => panic!("{other:?}"),
    }
}

/// Chain trick: the TSA's own (non-CA) certificate issues a second
/// timestamping certificate (as a TSA key holder gone rogue, or a
/// certificate of the chain misused as a CA).
#[test]
fn a_certificate_issued_by_a_non_ca_tsa_certificate_is_untrusted() {
    let tmp = tempfile::tempdir().unwrap();
    let court = make_tsa(tmp.path(), "Court", "Court Root CA");
    let d = &court.dir;
    ec_req(d, "sub.key", "sub.csr", "/CN=Sub TSA", false);
    openssl(
        d,
        &[
            "x509", "-req", "-in", "sub.csr", "-CA", "tsa.pem", "-CAkey", "tsa.key", "-days", "30",
            "-out", "sub.pem", "-extfile", "ext.cnf",
        ],
    );
    // The sub certificate signs; the chain carried is the TSA's certificate.
    fs::copy(d.join("tsa.pem"), d.join("chain.pem")).unwrap();
    fs::write(d.join("data"), b"m").unwrap();
    openssl(
        d,
        &[
            "ts", "-query", "-data", "data", "-sha256", "-cert", "-out", "q.tsq",
        ],
    );
    openssl(
        d,
        &[
            "ts",
            "-reply",
            "-config",
            "ts.cnf",
            "-queryfile",
            "q.tsq",
            "-signer",
            "sub.pem",
            "-inkey",
            "sub.key",
            "-chain",
            "chain.pem",
            "-token_out",
            "-out",
            "sub.tsr",
        ],
    );
    let tok = fs::read(d.join("sub.tsr")).unwrap();
    let now = time::OffsetDateTime::now_utc();
    match timestamp::verify(&tok, b"m", &court.roots(), now) {
        Err(Problem::UntrustedTsa(m)) => assert!(m.contains("Sub TSA"), "{m}"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------
// (b) Excerpt proofs: a hostile proof handed to verify-file

/// A sealed session `s` with one AAC segment `a.m4a` (20 s of noise) and an
/// excerpt of it, 5 s to 10 s, as `x.m4a` with `x.m4a.courtseal-proof`.
struct Ex {
    tmp: tempfile::TempDir,
    vkey: String,
}

impl Ex {
    fn new() -> Ex {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        fs::create_dir(d.join("s")).unwrap();
        demo_key(d, "demo-recorder");
        demo_key(d, "demo-secretary");
        common::ffmpeg(
            d,
            &[
                "-f",
                "lavfi",
                "-i",
                "anoisesrc=d=20:c=pink:r=44100:a=0.3:seed=41",
                "-c:a",
                "aac",
                "-b:a",
                "96k",
                "s/a.m4a",
            ],
        );
        let ex = Ex {
            vkey: common::repo("keys/demo-recorder.vkey")
                .to_str()
                .unwrap()
                .to_owned(),
            tmp,
        };
        common::seal_as_recorder(ex.tmp.path(), "s", "court.example/round3", &[]);
        let (code, out, err) = ex.cs(&[
            "excerpt", "s", "a.m4a", "--from", "5", "--to", "10", "-o", "x.m4a", "--trust",
            &ex.vkey,
        ]);
        assert_eq!(code, 0, "{out}{err}");
        ex
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        run(self.tmp.path(), args)
    }
    fn bundle(&self) -> Value {
        serde_json::from_slice(&fs::read(self.p("x.m4a.courtseal-proof")).unwrap()).unwrap()
    }
    fn write(&self, name: &str, v: &Value) {
        let mut b = serde_json::to_vec(v).unwrap();
        b.push(b'\n');
        fs::write(self.p(name), b).unwrap();
    }
    /// `verify-file x.m4a --proof PROOF --json`: (exit code, report, stderr).
    fn verify(&self, proof: &str) -> (i32, Option<Value>, String) {
        let (code, out, err) = self.cs(&[
            "verify-file",
            "x.m4a",
            "--proof",
            proof,
            "--trust",
            &self.vkey,
            "--json",
        ]);
        (code, serde_json::from_str(&out).ok(), err)
    }
}

fn all_codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn excerpt_attacks_hostile_proof_files_give_a_finding_never_a_hang_or_a_panic() {
    let ex = Ex::new();
    let (code, v, err) = ex.verify("x.m4a.courtseal-proof");
    assert_eq!(code, 0, "{err}");
    assert!(all_codes(&v.unwrap()).is_empty());

    // A FIFO given as the proof: refused before it is opened (no writer
    // ever comes; reading it would hang).
    let ok = Command::new("mkfifo")
        .arg(ex.p("fifo-proof"))
        .status()
        .unwrap();
    assert!(ok.success());
    let (code, _, err) = ex.verify("fifo-proof");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("fifo-proof") && err.contains("not a regular file"),
        "{err}"
    );

    // A proof of 4 GiB (sparse): refused unread.
    let f = fs::File::create(ex.p("huge-proof")).unwrap();
    f.set_len(4 << 30).unwrap();
    let (code, _, err) = ex.verify("huge-proof");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("huge-proof") && err.contains("too large"),
        "{err}"
    );

    // Deeply nested JSON.
    let deep = "{\"bundle\":".to_owned() + &"[".repeat(100_000) + &"]".repeat(100_000) + "}\n";
    fs::write(ex.p("deep-proof"), deep).unwrap();
    let (code, v, err) = ex.verify("deep-proof");
    assert_eq!(code, 1, "{err}");
    assert_eq!(all_codes(&v.unwrap()), ["proof.malformed"]);

    // Numbers beyond any index or count.
    for (field, value) in [
        ("n", serde_json::json!(u64::MAX)),
        ("n", serde_json::json!(1e300)),
        ("n", serde_json::json!(-1)),
    ] {
        let mut b = ex.bundle();
        b["excerpt"]["streams"][0]["windows"][0][field] = value.clone();
        ex.write("num-proof", &b);
        let (code, v, err) = ex.verify("num-proof");
        assert_eq!(code, 1, "{field}={value}: {err}");
        let c = all_codes(&v.unwrap());
        assert!(
            c == ["proof.not_included"] || c == ["proof.malformed"],
            "{field}={value}: {c:?}"
        );
    }
    for (field, value) in [
        ("first", serde_json::json!(u64::MAX)),
        ("count", serde_json::json!(u64::MAX)),
        ("first", serde_json::json!(0)),
    ] {
        let mut b = ex.bundle();
        b["excerpt"]["streams"][0][field] = value.clone();
        ex.write("num-proof", &b);
        let (code, v, err) = ex.verify("num-proof");
        assert_eq!(code, 1, "{field}={value}: {err}");
        assert_eq!(
            all_codes(&v.unwrap()),
            ["proof.malformed"],
            "{field}={value}"
        );
    }
    // Two hundred thousand edge hashes (under the size limit).
    let mut b = ex.bundle();
    b["excerpt"]["streams"][0]["before"] = Value::Array(vec!["00".repeat(32).into(); 200_000]);
    ex.write("wide-proof", &b);
    let (code, v, err) = ex.verify("wide-proof");
    assert_eq!(code, 1, "{err}");
    assert_eq!(all_codes(&v.unwrap()), ["proof.malformed"]);
}

#[test]
fn excerpt_attack_bundle_header_lies_about_its_version_or_units() {
    let ex = Ex::new();
    // A version this tool does not know.
    let mut b = ex.bundle();
    b["excerpt"]["v"] = 2.into();
    ex.write("v-proof", &b);
    let (code, v, _) = ex.verify("v-proof");
    assert_eq!(code, 1);
    assert_eq!(all_codes(&v.unwrap()), ["proof.malformed"]);
    // The sidecar header it carries, edited to another unit version: it is
    // no longer the sealed header.
    let mut b = ex.bundle();
    let h = b["excerpt"]["header"]["line"].as_str().unwrap().to_owned();
    let mut hv: Value = serde_json::from_str(&h).unwrap();
    let old = hv["v"].as_u64().unwrap();
    hv["v"] = (if old == 3 { 2 } else { 3 }).into();
    b["excerpt"]["header"]["line"] = serde_json::to_string(&hv).unwrap().into();
    ex.write("h-proof", &b);
    let (code, v, _) = ex.verify("h-proof");
    assert_eq!(code, 1);
    assert_eq!(all_codes(&v.unwrap()), ["proof.not_included"]);
    // An unknown field smuggled in (a zone or a claimed time a viewer
    // might show).
    let mut b = ex.bundle();
    b["excerpt"]["wall_from"] = "2026-11-20T09:00:00Z".into();
    ex.write("f-proof", &b);
    let (code, v, _) = ex.verify("f-proof");
    assert_eq!(code, 1);
    assert_eq!(all_codes(&v.unwrap()), ["proof.malformed"]);
}

/// The proof edited to claim an earlier stretch: the first window moved
/// to another sealed line, renumbered. Every line must be the one sealed
/// at its number.
#[test]
fn excerpt_attack_proof_renumbered_to_claim_another_stretch() {
    let ex = Ex::new();
    let mut b = ex.bundle();
    let w = b["excerpt"]["streams"][0]["windows"]
        .as_array_mut()
        .unwrap();
    for l in w.iter_mut() {
        let n = l["n"].as_u64().unwrap();
        l["n"] = (n - 3).into();
    }
    ex.write("r-proof", &b);
    let (code, v, _) = ex.verify("r-proof");
    assert_eq!(code, 1);
    let c = all_codes(&v.unwrap());
    assert!(
        !c.is_empty() && c.iter().all(|c| c == "proof.not_included"),
        "{c:?}"
    );
}

/// An excerpt whose proof is signed by a key the court never trusted (a
/// forger's own session of the same file): never EXCERPT VERIFIED.
#[test]
fn excerpt_attack_proof_from_a_forgers_session_signed_by_another_key() {
    let ex = Ex::new();
    fs::create_dir(ex.p("f")).unwrap();
    fs::copy(ex.p("s/a.m4a"), ex.p("f/a.m4a")).unwrap();
    let (code, _, err) = ex.cs(&[
        "seal",
        "f",
        "--key",
        "demo-secretary.key",
        "--origin",
        "court.example/round3",
    ]);
    assert_eq!(code, 0, "{err}");
    let sec = common::repo("keys/demo-secretary.vkey");
    let (code, _, err) = ex.cs(&[
        "excerpt",
        "f",
        "a.m4a",
        "--from",
        "5",
        "--to",
        "10",
        "-o",
        "y.m4a",
        "--trust",
        sec.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, v, _) = ex.verify("y.m4a.courtseal-proof");
    assert_eq!(code, 1);
    let c = all_codes(&v.unwrap());
    assert_eq!(c, ["checkpoint.untrusted_key"], "{c:?}");
    let (code, text, _) = ex.cs(&[
        "verify-file",
        "x.m4a",
        "--proof",
        "y.m4a.courtseal-proof",
        "--trust",
        &ex.vkey,
    ]);
    assert_eq!(code, 1);
    assert!(
        !text.contains("VERIFIED") || text.contains("NOT VERIFIED"),
        "{text}"
    );
}

// ---------------------------------------------------------------------
// (d) HTML documents: injection through what an insider or a party writes

const HOSTILE: &str = r#"x"'</style></title><script>alert(1)</script><img src=x onerror=alert(2)>"#;

/// Every free text of the record (case, judge, a name) and an operator's
/// reason carries markup; neither the check report nor the certificate
/// may run or render it, and the @page rule (CSS inside <style>) must not
/// be closed by it.
#[test]
fn html_attack_markup_in_record_fields_and_event_reasons_is_shown_as_text() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    demo_key(d, "demo-recorder");
    demo_key(d, "demo-secretary");
    fs::write(
        d.join("trust.txt"),
        format!(
            "recorder {}\noperator {}\n",
            vkey("demo-recorder"),
            vkey("demo-secretary")
        ),
    )
    .unwrap();
    copy_sample(&d.join("s"), &["seg-0002.m4a"]);
    let rec = fs::read_to_string(d.join("s/record.toml")).unwrap();
    let toml_str = |s: &str| format!("{:?}", s);
    let rec = rec
        .replace(
            "\"2-1234/2026\"",
            &toml_str(&format!("2-1234/2026{HOSTILE}")),
        )
        .replace("\"A. B. Seitkali\"", &toml_str(&format!("A. B.{HOSTILE}")))
        .replace("\"M. Ivanova\"", &toml_str(&format!("M.{HOSTILE}")));
    fs::write(d.join("s/record.toml"), rec).unwrap();
    common::seal_as_recorder(d, "s", ORIGIN, &[]);
    let reason = format!("judge: {HOSTILE}");
    let (code, _, err) = run(
        d,
        &[
            "event",
            "s",
            "note",
            "--reason",
            &reason,
            "--at",
            "2026-11-20T09:00:20+05:00",
            "--force",
            "--key",
            "demo-secretary.key",
            "--recorder-key",
            "demo-recorder.key",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(
        d,
        &["check", "s", "--trust", "trust.txt", "--html", "check.html"],
    );
    assert!(code == 0 || code == 1, "{err}");
    let (code, _, err) = run(
        d,
        &["verify", "s", "--trust", "trust.txt", "--html", "cert.html"],
    );
    assert!(code == 0 || code == 1, "{err}");
    for doc in ["check.html", "cert.html"] {
        let page = fs::read_to_string(d.join(doc)).unwrap();
        for bad in ["<script", "<img", "onerror=alert(2)>", "</style></title>"] {
            assert!(!page.contains(bad), "{doc} carries {bad:?} as markup");
        }
        // One <style> element, closed once.
        assert_eq!(page.matches("</style>").count(), 1, "{doc}");
    }
    let page = fs::read_to_string(d.join("check.html")).unwrap();
    // Shown as text, where the case and the reason belong.
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "check.html"
    );
    assert!(page.contains("judge: x"), "the reason is shown");
}

// ---------------------------------------------------------------------
// (c) audit --resume: a forged or replayed state

struct StopAfter(std::sync::atomic::AtomicUsize);

impl courtseal::audit::AuditProgress for StopAfter {
    fn start(&self, _: u64, _: u64) {}
    fn file_done(&self, _: u64) {}
    fn session_done(&self, _: &str) {}
    fn should_stop(&self) -> bool {
        let left = self.0.load(std::sync::atomic::Ordering::SeqCst);
        if left == 0 {
            return true;
        }
        self.0.store(left - 1, std::sync::atomic::Ordering::SeqCst);
        false
    }
}

/// The archivist's signed result lines of one interrupted run, replayed
/// under the header of another run of the same audit, and one line edited
/// from "damaged" to "intact": none is taken; every session is hashed.
#[test]
fn audit_resume_attack_replayed_and_edited_state_lines_are_not_taken() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    demo_key(d, "demo-recorder");
    let (code, _, err) = run(
        d,
        &["keys", "generate", "--name", "archivist", "--out", "."],
    );
    assert_eq!(code, 0, "{err}");
    fs::write(
        d.join("trust.txt"),
        format!(
            "recorder {}\narchivist {}\n",
            vkey("demo-recorder"),
            fs::read_to_string(d.join("archivist.vkey")).unwrap().trim()
        ),
    )
    .unwrap();
    for s in ["a", "b", "c"] {
        copy_sample(&d.join(format!("archive/{s}")), &[]);
        common::seal_as_recorder(d, &format!("archive/{s}"), ORIGIN, &["--no-silence"]);
    }
    // Session a is damaged before any audit.
    let seg = d.join("archive/a/seg-0001.m4a");
    let mut b = fs::read(&seg).unwrap();
    b[1000] ^= 1;
    fs::write(&seg, b).unwrap();
    let mut trust = courtseal::keys::TrustStore::new();
    trust.load(&d.join("trust.txt")).unwrap();
    let opts = |state: &str| courtseal::audit::AuditOptions {
        retention: courtseal::audit::Retention {
            years: 1,
            months: 0,
            days: 0,
        },
        due_within_days: 0,
        today: time::macros::date!(2026 - 11 - 25),
        state: Some(d.join(state)),
        resume: false,
        strict: false,
        state_key: Some(courtseal::audit::StateKey(std::sync::Arc::new(
            courtseal::keys::load_signer(&d.join("archivist.key")).unwrap(),
        ))),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    // Run A: two sessions audited (a and b, one at a time), then stopped.
    let ra = pool
        .install(|| {
            courtseal::audit::audit(
                &d.join("archive"),
                &trust,
                &opts("a.jsonl"),
                &StopAfter(2.into()),
            )
        })
        .unwrap();
    assert!(ra.interrupted, "the run stops before it completes");
    // Run B: stopped at once.
    let rb = pool
        .install(|| {
            courtseal::audit::audit(
                &d.join("archive"),
                &trust,
                &opts("b.jsonl"),
                &StopAfter(0.into()),
            )
        })
        .unwrap();
    assert!(rb.interrupted);
    let a_text = fs::read_to_string(d.join("a.jsonl")).unwrap();
    let b_text = fs::read_to_string(d.join("b.jsonl")).unwrap();
    let a_lines: Vec<&str> = a_text.lines().skip(1).collect();
    assert!(!a_lines.is_empty(), "{a_text}");
    let b_header = b_text.lines().next().unwrap();
    let archive = d.join("archive").display().to_string();
    let resume = |state: &str| {
        let (code, out, err) = run(
            d,
            &[
                "audit",
                &archive,
                "--trust",
                "trust.txt",
                "--today",
                "2026-11-25",
                "--json",
                "--state",
                state,
                "--resume",
                "--sign",
                "archivist.key",
                "--html",
                &format!("{state}.html"),
            ],
        );
        assert!(code == 0 || code == 1, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        (code, v)
    };
    // Replayed under B's header.
    fs::write(
        d.join("replay.jsonl"),
        format!("{b_header}\n{}\n", a_lines.join("\n")),
    )
    .unwrap();
    let (code, v) = resume("replay.jsonl");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["report"]["resumed"], 0, "{v}");
    // Edited under its own header: a's "damaged" made "intact".
    let a_header = a_text.lines().next().unwrap();
    let edited: Vec<String> = a_lines
        .iter()
        .map(|l| l.replace("\"damaged\"", "\"intact\""))
        .collect();
    assert_ne!(edited.join("\n"), a_lines.join("\n"), "{a_text}");
    fs::write(
        d.join("edited.jsonl"),
        format!("{a_header}\n{}\n", edited.join("\n")),
    )
    .unwrap();
    let (code, v) = resume("edited.jsonl");
    assert_eq!(code, 1, "{v}");
    let a_row = v["report"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["session"] == "a")
        .unwrap()
        .clone();
    assert_eq!(a_row["status"], "damaged", "{v}");
    // Only b's untouched line may be taken.
    assert!(v["report"]["resumed"].as_u64().unwrap() <= 1, "{v}");
}

/// A lawyer reading green: the certificate of an excerpt, and of a whole
/// segment remuxed into another container, must not say "byte for byte
/// the recording".
#[test]
fn html_attack_a_green_certificate_never_overstates_an_excerpt_or_a_remux() {
    let ex = Ex::new();
    let (code, _, err) = ex.cs(&[
        "verify-file",
        "x.m4a",
        "--proof",
        "x.m4a.courtseal-proof",
        "--trust",
        &ex.vkey,
        "--html",
        "x.html",
    ]);
    assert_eq!(code, 0, "{err}");
    let page = fs::read_to_string(ex.p("x.html")).unwrap();
    assert!(
        page.contains(
            "VERIFIED: this file is an excerpt, not the whole recording: a.m4a from 0:00:0"
        ),
        "{page}"
    );
    assert!(!page.contains("byte for byte the recording"), "{page}");

    // The whole segment, remuxed (every packet the sealed one).
    let (code, _, err) = ex.cs(&[
        "proof",
        "s",
        "a.m4a",
        "--bundle",
        "a.courtseal-proof",
        "--trust",
        &common::recorder_vkey_file(),
    ]);
    assert_eq!(code, 0, "{err}");
    common::ffmpeg(ex.tmp.path(), &["-i", "s/a.m4a", "-c", "copy", "a.mkv"]);
    let (code, out, err) = ex.cs(&[
        "verify-file",
        "a.mkv",
        "--proof",
        "a.courtseal-proof",
        "--trust",
        &ex.vkey,
        "--html",
        "a.html",
    ]);
    let page = fs::read_to_string(ex.p("a.html")).unwrap();
    if code == 0 {
        assert!(
            page.contains("but the file is not byte for byte the sealed one"),
            "{out}{err}"
        );
    }
    assert!(
        !page.contains("this file is byte for byte the recording"),
        "{code} {out}{err}"
    );
    // The sealed file itself: byte for byte.
    fs::copy(ex.p("s/a.m4a"), ex.p("a.m4a")).unwrap();
    let (code, _, err) = ex.cs(&[
        "verify-file",
        "a.m4a",
        "--proof",
        "a.courtseal-proof",
        "--trust",
        &ex.vkey,
        "--html",
        "same.html",
    ]);
    assert_eq!(code, 0, "{err}");
    let page = fs::read_to_string(ex.p("same.html")).unwrap();
    assert!(
        page.contains("VERIFIED: this file is byte for byte the recording a.m4a"),
        "{page}"
    );
}
