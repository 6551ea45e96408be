//! Witness cosignatures (`cosignature/v1`) kept in `courtseal/cosigned/`:
//! what `verify` makes of them against the trust file's `witness` and
//! `quorum` lines. The witnesses here sign with the library's
//! `CosignatureSigner` under keys made by the test; tests/litewitness.rs
//! runs the client against the real litewitness.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{copy_sample, demo_key, enter_backdated_event, run, vkey};
use courtseal::note::CosignatureSigner;
use courtseal::session::{self, SessionPaths};
use serde_json::Value;

const ORIGIN: &str = "courtroom5/2026-11-20";

struct Court {
    tmp: tempfile::TempDir,
    witnesses: Vec<CosignatureSigner>,
}

impl Court {
    /// A sealed sample session `s` and `n` witnesses, trusted with
    /// `quorum` (if any).
    fn new(n: u8, quorum: Option<usize>) -> Court {
        let tmp = tempfile::tempdir().unwrap();
        demo_key(tmp.path(), "demo-recorder");
        demo_key(tmp.path(), "demo-secretary");
        let witnesses: Vec<CosignatureSigner> = (0..n)
            .map(|i| {
                CosignatureSigner::new(
                    &format!("witness{i}.example/w"),
                    ed25519_dalek::SigningKey::from_bytes(&[40 + i; 32]),
                )
                .unwrap()
            })
            .collect();
        let mut trust = format!(
            "recorder {}\noperator {}\n",
            vkey("demo-recorder"),
            vkey("demo-secretary")
        );
        for w in &witnesses {
            trust.push_str(&format!("witness {}\n", w.verifier().to_vkey()));
        }
        if let Some(q) = quorum {
            trust.push_str(&format!("quorum {q}\n"));
        }
        fs::write(tmp.path().join("trust.txt"), trust).unwrap();
        let c = Court { tmp, witnesses };
        copy_sample(&c.p("s"), &[]);
        let (code, _, err) = run(
            c.tmp.path(),
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
        c
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn paths(&self) -> SessionPaths {
        SessionPaths::new(&self.p("s"))
    }
    /// Witness `i` cosigns the kept checkpoint of `size` at `time`.
    fn cosign(&self, i: usize, size: u64, time: u64) {
        let paths = self.paths();
        let dir = paths.dir.join("cosigned");
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{size}.note"));
        let note = fs::read_to_string(&file)
            .unwrap_or_else(|_| fs::read_to_string(paths.checkpoint_at(size)).unwrap());
        let text = &note[..note.find("\n\n").unwrap() + 1];
        let line = self.witnesses[i].cosignature_line(text, time);
        fs::write(&file, format!("{note}{line}")).unwrap();
    }
    fn verify(&self) -> (i32, Value) {
        let (code, out, err) = run(
            self.tmp.path(),
            &[
                "verify",
                "s",
                "--trust",
                "trust.txt",
                "--log-only",
                "--json",
            ],
        );
        (
            code,
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")),
        )
    }
}

fn now() -> u64 {
    time::OffsetDateTime::now_utc().unix_timestamp() as u64
}

fn findings_of<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

fn witness_codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .filter(|c| c.starts_with("witness.") || c == "checkpoint.not_witnessed")
        .collect()
}

#[test]
fn a_checkpoint_cosigned_by_the_quorum_verifies_without_witness_findings() {
    let c = Court::new(2, Some(2));
    c.cosign(0, 5, now());
    c.cosign(1, 5, now());
    let (code, r) = c.verify();
    assert_eq!(code, 0, "{r}");
    assert!(witness_codes(&r).is_empty(), "{r}");
}

#[test]
fn one_witness_of_a_quorum_of_two_is_quorum_not_met() {
    let c = Court::new(2, Some(2));
    c.cosign(1, 5, now());
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(witness_codes(&r), ["witness.quorum_not_met"], "{r}");
    let m = findings_of(&r, "witness.quorum_not_met")[0]["message"]
        .as_str()
        .unwrap();
    assert!(m.starts_with("1 of 2 trusted witness(es)"), "{m}");
}

#[test]
fn without_a_quorum_line_an_unwitnessed_session_is_a_warning() {
    let c = Court::new(1, None);
    let (code, r) = c.verify();
    assert_eq!(code, 0, "{r}");
    assert_eq!(witness_codes(&r), ["checkpoint.not_witnessed"], "{r}");
    c.cosign(0, 5, now());
    let (code, r) = c.verify();
    assert_eq!(code, 0, "{r}");
    assert!(witness_codes(&r).is_empty(), "{r}");
}

#[test]
fn a_session_without_witness_lines_verifies_as_before() {
    let c = Court::new(0, None);
    let (code, r) = c.verify();
    assert_eq!(code, 0, "{r}");
    assert!(witness_codes(&r).is_empty(), "{r}");
}

/// The insider writes a cosignature line under a trusted witness's name and
/// key ID with a signature of its own: it is caught, and does not count.
#[test]
fn a_forged_cosignature_is_bad_cosignature() {
    let c = Court::new(1, Some(1));
    c.cosign(0, 5, now());
    let file = c.paths().dir.join("cosigned/5.note");
    let note = fs::read_to_string(&file).unwrap();
    // Flip one base64 character inside the signature of the last line.
    let mut b = note.into_bytes();
    let at = b.len() - 10;
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    fs::write(&file, b).unwrap();
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "witness.bad_cosignature");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/cosigned/5.note");
    assert_eq!(findings_of(&r, "witness.quorum_not_met").len(), 1, "{r}");
}

/// A cosignature of the witness's key under another name, or of another key
/// under its name, is not its cosignature at all (other key ID).
#[test]
fn a_cosignature_by_an_untrusted_key_under_a_witness_name_counts_for_nothing() {
    let c = Court::new(1, Some(1));
    let impostor = CosignatureSigner::new(
        "witness0.example/w",
        ed25519_dalek::SigningKey::from_bytes(&[99; 32]),
    )
    .unwrap();
    let paths = c.paths();
    fs::create_dir_all(paths.dir.join("cosigned")).unwrap();
    let note = fs::read_to_string(paths.checkpoint_at(5)).unwrap();
    let text = &note[..note.find("\n\n").unwrap() + 1];
    fs::write(
        paths.dir.join("cosigned/5.note"),
        format!("{note}{}", impostor.cosignature_line(text, now())),
    )
    .unwrap();
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(witness_codes(&r), ["witness.quorum_not_met"], "{r}");
}

/// The insider holds the recorder key: after the witness cosigned size 5,
/// it drops a segment and re-signs every checkpoint. The cosigned
/// checkpoint is the evidence of the fork.
#[test]
fn an_insider_who_rewrites_a_witnessed_log_is_a_fork() {
    let c = Court::new(1, None);
    c.cosign(0, 5, now());
    let paths = c.paths();
    let text = fs::read_to_string(&paths.log).unwrap();
    let seg3 = text
        .lines()
        .position(|l| l.contains("seg-0003.mp4"))
        .unwrap();
    let mut kept: Vec<String> = text.lines().map(str::to_owned).collect();
    kept.remove(seg3);
    // Four entries now, one fewer than the witness cosigned.
    fs::write(&paths.log, kept.join("\n") + "\n").unwrap();
    fs::remove_file(c.p("s/seg-0003.mp4")).unwrap();
    fs::remove_dir_all(&paths.checkpoints).unwrap();
    fs::create_dir(&paths.checkpoints).unwrap();
    let signer = courtseal::keys::load_signer(&c.p("demo-recorder.key")).unwrap();
    let log = courtseal::log::Log::read(&paths.log).unwrap();
    let tree = log.tree();
    let cp = courtseal::checkpoint::Checkpoint::new(ORIGIN, tree.size(), tree.root());
    session::write_checkpoint(&paths, &signer, &cp).unwrap();
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "witness.fork");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/cosigned/5.note");
    let m = f[0]["message"].as_str().unwrap();
    assert!(m.contains("witness0.example/w at "), "{m}");
    assert!(m.contains("removed from the end"), "{m}");
}

/// The insider re-seals a different history of the same size with the
/// recorder key; the witnessed checkpoint's root is not the log's.
#[test]
fn a_second_history_of_the_same_size_is_a_fork() {
    let c = Court::new(1, None);
    c.cosign(0, 5, now());
    let paths = c.paths();
    let text = fs::read_to_string(&paths.log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Swap the two last segment entries' order: same size, other root.
    let mut v: Vec<&str> = lines.clone();
    let n = v.len();
    v.swap(n - 1, n - 2);
    fs::write(&paths.log, v.join("\n") + "\n").unwrap();
    fs::remove_dir_all(&paths.checkpoints).unwrap();
    fs::create_dir(&paths.checkpoints).unwrap();
    let signer = courtseal::keys::load_signer(&c.p("demo-recorder.key")).unwrap();
    let log = courtseal::log::Log::read(&paths.log).unwrap();
    let tree = log.tree();
    assert_eq!(tree.size(), 5);
    let cp = courtseal::checkpoint::Checkpoint::new(ORIGIN, tree.size(), tree.root());
    session::write_checkpoint(&paths, &signer, &cp).unwrap();
    let (_, r) = c.verify();
    let f = findings_of(&r, "witness.fork");
    assert_eq!(f.len(), 1, "{r}");
    assert!(
        f[0]["message"].as_str().unwrap().contains("(a fork)"),
        "{r}"
    );
}

/// Like the timestamp case: an operator event appended after a cosigned
/// checkpoint, stating a time 20 minutes before the cosignature, with a
/// forged sealing time, is backdated on the cosignature's time alone.
#[test]
fn an_event_entered_after_a_cosigned_checkpoint_with_an_earlier_time_is_backdated() {
    let c = Court::new(1, None);
    let t = now();
    c.cosign(0, 5, t);
    let stated =
        time::OffsetDateTime::from_unix_timestamp(t as i64).unwrap() - time::Duration::minutes(20);
    let line = enter_backdated_event(c.tmp.path(), &c.p("s"), ORIGIN, stated);
    assert_eq!(line, 6);
    let paths = c.paths();
    fs::remove_dir_all(&paths.checkpoints).unwrap();
    fs::create_dir(&paths.checkpoints).unwrap();
    fs::remove_file(&paths.checkpoint).unwrap();
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    let f = findings_of(&r, "event.backdated");
    assert_eq!(f.len(), 1, "{r}");
    assert_eq!(f[0]["location"], "courtseal/log.jsonl:6");
    let m = f[0]["message"].as_str().unwrap();
    assert!(
        m.contains("witness0.example/w cosigned the log")
            && m.contains("courtseal/cosigned/5.note"),
        "{m}"
    );
    // Without the cosignature, nothing shows it.
    fs::remove_dir_all(paths.dir.join("cosigned")).unwrap();
    let (_, r) = c.verify();
    assert!(findings_of(&r, "event.backdated").is_empty(), "{r}");
}

#[test]
fn a_stray_file_in_cosigned_is_malformed_and_ignored() {
    let c = Court::new(1, None);
    c.cosign(0, 5, now());
    fs::write(c.paths().dir.join("cosigned/05.note"), "x").unwrap();
    fs::write(c.paths().dir.join("cosigned/4.note"), "not a note").unwrap();
    let (code, r) = c.verify();
    assert_eq!(code, 0, "{r}");
    let f = findings_of(&r, "witness.malformed");
    assert_eq!(f.len(), 2, "{r}");
}

#[test]
fn trust_file_witness_and_quorum_lines_are_checked() {
    let c = Court::new(1, None);
    for (line, want) in [
        ("quorum 0", "not a number from 1"),
        ("quorum two", "not a number from 1"),
        (
            &*format!("witness {} ftp://x", c.witnesses[0].verifier().to_vkey()),
            "not an http:// URL",
        ),
    ] {
        fs::write(c.p("bad.txt"), format!("{line}\n")).unwrap();
        let (code, _, err) = run(
            c.tmp.path(),
            &["verify", "s", "--trust", "bad.txt", "--log-only"],
        );
        assert_eq!(code, 2, "{line}: {err}");
        assert!(
            err.contains("bad.txt") && err.contains(want),
            "{line}: {err}"
        );
    }
}

// ---------------------------------------------------------------------
// The client: `seal --policy` submits checkpoints to a tlog-witness
// server. The server here is a minimal add-checkpoint endpoint written by
// the test (old size, consistency proof, 409 with its size, 422 on a bad
// proof) signing with the library's CosignatureSigner.

use std::io::{Read as _, Write as _};
use std::sync::{Arc, Mutex};

struct TestWitness {
    url: String,
    /// (size, root) it last cosigned.
    state: Arc<Mutex<(u64, [u8; 32])>>,
    down: Arc<std::sync::atomic::AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
}

fn serve_witness(signer: CosignatureSigner) -> TestWitness {
    use base64::Engine as _;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let state = Arc::new(Mutex::new((0u64, [0u8; 32])));
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (st, dn, rq) = (state.clone(), down.clone(), requests.clone());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            if dn.load(std::sync::atomic::Ordering::SeqCst) {
                drop(s);
                continue;
            }
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let body = loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map(|v| v.trim().parse().unwrap())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break Some(
                            String::from_utf8(buf[end + 4..end + 4 + len].to_vec()).unwrap(),
                        );
                    }
                }
            };
            let Some(body) = body else { continue };
            rq.lock().unwrap().push(body.clone());
            let (head, note) = body.split_once("\n\n").unwrap();
            let mut lines = head.lines();
            let old: u64 = lines
                .next()
                .unwrap()
                .strip_prefix("old ")
                .unwrap()
                .parse()
                .unwrap();
            let proof: Vec<[u8; 32]> = lines
                .map(|l| {
                    base64::engine::general_purpose::STANDARD
                        .decode(l)
                        .unwrap()
                        .try_into()
                        .unwrap()
                })
                .collect();
            let text = &note[..note.find("\n\n").unwrap() + 1];
            let cp = courtseal::checkpoint::Checkpoint::parse(text).unwrap();
            let mut g = st.lock().unwrap();
            let reply = if old != g.0 {
                format!(
                    "HTTP/1.0 409 Conflict\r\nContent-Type: text/x.tlog.size\r\n\r\n{}\n",
                    g.0
                )
            } else if old > 0
                && courtseal::tlog::verify_consistency(old, cp.size, &g.1, &cp.root, &proof)
                    .is_err()
            {
                "HTTP/1.0 422 Unprocessable Entity\r\n\r\nbad proof\n".to_owned()
            } else {
                *g = (cp.size, cp.root);
                let t = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
                format!(
                    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n{}",
                    signer.cosignature_line(text, t)
                )
            };
            let _ = s.write_all(reply.as_bytes());
        }
    });
    TestWitness {
        url,
        state,
        down,
        requests,
    }
}

fn seal_with_policy(c: &Court, urls: &[&str]) -> (i32, String) {
    let mut trust = format!(
        "recorder {}\noperator {}\n",
        vkey("demo-recorder"),
        vkey("demo-secretary")
    );
    for (w, u) in c.witnesses.iter().zip(urls) {
        trust.push_str(&format!("witness {} {u}\n", w.verifier().to_vkey()));
    }
    trust.push_str(&format!("quorum {}\n", urls.len()));
    fs::write(c.p("trust.txt"), trust).unwrap();
    let (code, _, err) = run(
        c.tmp.path(),
        &[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            ORIGIN,
            "--policy",
            "trust.txt",
        ],
    );
    (code, err)
}

fn signer(i: u8) -> CosignatureSigner {
    CosignatureSigner::new(
        &format!("witness{i}.example/w"),
        ed25519_dalek::SigningKey::from_bytes(&[40 + i; 32]),
    )
    .unwrap()
}

#[test]
fn seal_with_a_policy_gets_the_checkpoint_cosigned_by_two_witnesses() {
    let c = Court::new(2, Some(2));
    let (w0, w1) = (serve_witness(signer(0)), serve_witness(signer(1)));
    let (code, err) = seal_with_policy(&c, &[&w0.url, &w1.url]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err.matches("cosigned the checkpoint of size 5").count(),
        2,
        "{err}"
    );
    let (code, r) = c.verify();
    assert_eq!(code, 0, "{r}");
    assert!(witness_codes(&r).is_empty(), "{r}");
    // A new segment: the next submission carries old 5 and a proof.
    fs::copy(c.p("s/seg-0001.m4a"), c.p("s/seg-0009.m4a")).unwrap();
    let (code, err) = seal_with_policy(&c, &[&w0.url, &w1.url]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err.matches("cosigned the checkpoint of size 6").count(),
        2,
        "{err}"
    );
    let last = w0.requests.lock().unwrap().last().unwrap().clone();
    assert!(
        last.starts_with("old 5\n") && !last.starts_with("old 5\n\n"),
        "{last}"
    );
    assert_eq!(w0.state.lock().unwrap().0, 6);
    let (code, r) = c.verify();
    assert_eq!(code, 0, "{r}");
}

#[test]
fn a_witness_that_is_down_does_not_stop_sealing_and_cosigns_when_it_returns() {
    let c = Court::new(1, Some(1));
    let w = serve_witness(signer(0));
    w.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let (code, err) = seal_with_policy(&c, &[&w.url]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("witness.unreachable"), "{err}");
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert_eq!(witness_codes(&r), ["witness.quorum_not_met"], "{r}");
    w.down.store(false, std::sync::atomic::Ordering::SeqCst);
    let (code, err) = seal_with_policy(&c, &[&w.url]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cosigned the checkpoint of size 5"), "{err}");
    let (code, r) = c.verify();
    assert_eq!(code, 0, "{r}");
}

/// The witness has cosigned more of this log than the client knows (its
/// cosigned file was deleted): it answers 409 with its size, and the client
/// retries from there.
#[test]
fn a_409_is_retried_from_the_size_the_witness_has() {
    let c = Court::new(1, None);
    let w = serve_witness(signer(0));
    let (code, err) = seal_with_policy(&c, &[&w.url]);
    assert_eq!(code, 0, "{err}");
    fs::remove_dir_all(c.paths().dir.join("cosigned")).unwrap();
    fs::copy(c.p("s/seg-0001.m4a"), c.p("s/seg-0009.m4a")).unwrap();
    let (code, err) = seal_with_policy(&c, &[&w.url]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cosigned the checkpoint of size 6"), "{err}");
    let reqs = w.requests.lock().unwrap();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[1].starts_with("old 0\n") && reqs[2].starts_with("old 5\n"));
}

/// A lawyer reading `verify` sees each outside time: which entries existed
/// by when, and who says so (JSON and text agree).
#[test]
fn each_valid_cosignature_is_listed_as_an_outside_time() {
    let c = Court::new(2, None);
    let t = now() - 120;
    c.cosign(0, 5, t);
    c.cosign(1, 5, t + 60);
    let at = |secs: u64, f: &str| {
        let fmt = time::format_description::parse_borrowed::<2>(f).unwrap();
        time::OffsetDateTime::from_unix_timestamp(secs as i64)
            .unwrap()
            .format(&fmt)
            .unwrap()
    };
    let iso = |secs| at(secs, "[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let shown = |secs| at(secs, "[year]-[month]-[day] [hour]:[minute]:[second] +00:00");
    // A cosignature by a key the trust file does not name is no outside time.
    let stranger = CosignatureSigner::new(
        "stranger.example/w",
        ed25519_dalek::SigningKey::from_bytes(&[99; 32]),
    )
    .unwrap();
    let file = c.paths().dir.join("cosigned/5.note");
    let note = fs::read_to_string(&file).unwrap();
    let text = &note[..note.find("\n\n").unwrap() + 1];
    let line = stranger.cosignature_line(text, t);
    fs::write(&file, format!("{note}{line}")).unwrap();
    let (code, r) = c.verify();
    assert_eq!(code, 0, "{r:#}");
    let times: Vec<(u64, String, &str, &str)> = r["outside_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["size"].as_u64().unwrap(),
                o["time"].as_str().unwrap().to_owned(),
                o["source"]["kind"].as_str().unwrap(),
                o["source"]["witness"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        times,
        vec![
            (5, iso(t), "cosignature", "witness0.example/w"),
            (5, iso(t + 60), "cosignature", "witness1.example/w"),
        ]
    );
    let (code, out, err) = run(
        c.tmp.path(),
        &[
            "verify",
            "s",
            "--trust",
            "trust.txt",
            "--log-only",
            "--tz",
            "UTC",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let expected = format!(
        "Outside times (the court does not control them)\n  entries 1–5 existed by {}: cosigned by witness witness0.example/w (courtseal/cosigned/5.note)\n  entries 1–5 existed by {}: cosigned by witness witness1.example/w (courtseal/cosigned/5.note)\n",
        shown(t),
        shown(t + 60)
    );
    assert!(out.contains(&expected), "{out}");
}
