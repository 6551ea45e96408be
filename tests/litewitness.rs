//! courtseal's witness client against a real, independent tlog-witness:
//! litewitness (Debian's `torchwood` package, fetched into
//! `.cache/litewitness/` by `scripts/setup.sh`, or found in
//! `$COURTSEAL_LITEWITNESS_DIR`). Each test starts its own ssh-agent
//! holding an Ed25519 key made by ssh-keygen, its own witness database made
//! with witnessctl, and litewitness on a free port of 127.0.0.1, all stopped
//! when the test ends. The court's key is named as the log's origin, as
//! litewitness requires of a log key.

mod common;

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{copy_sample, run};
use courtseal::note::CosignatureVerifier;
use serde_json::Value;

const ORIGIN: &str = "courtroom5.court.example";

/// The folder holding litewitness and witnessctl. A missing one fails the
/// test (in CI and locally alike) saying how to get it.
fn tool_dir() -> PathBuf {
    let dir = std::env::var_os("COURTSEAL_LITEWITNESS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo(".cache/litewitness/usr/bin"));
    for t in ["litewitness", "witnessctl"] {
        assert!(
            dir.join(t).is_file(),
            "{} is missing: run scripts/setup.sh (it fetches litewitness into .cache/litewitness/), or set COURTSEAL_LITEWITNESS_DIR to a folder holding litewitness and witnessctl",
            dir.join(t).display()
        );
    }
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let until = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn check(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A litewitness with its own ssh-agent and database, knowing the court's
/// log. Both processes are ended on drop.
struct Witness {
    dir: PathBuf,
    name: String,
    origin: String,
    fingerprint: String,
    port: u16,
    vkey: String,
    agent: Child,
    server: Option<Child>,
}

impl Witness {
    /// Witness `name` in `dir` (created), told about the log `ORIGIN` with
    /// the court's verifier key `log_vkey`, and started.
    fn new(dir: &Path, name: &str, log_vkey: &str) -> Witness {
        Witness::for_log(dir, name, ORIGIN, log_vkey)
    }

    /// Witness `name` in `dir` (created), told about the log `origin` with
    /// the verifier key `log_vkey` (named `origin`), and started.
    fn for_log(dir: &Path, name: &str, origin: &str, log_vkey: &str) -> Witness {
        let tools = tool_dir();
        fs::create_dir_all(dir).unwrap();
        let key = dir.join("witness-key");
        check(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
                .arg(&key),
        );
        let fp = check(
            Command::new("ssh-keygen")
                .arg("-lf")
                .arg(dir.join("witness-key.pub")),
        );
        let fingerprint = fp.split_whitespace().nth(1).unwrap().to_owned();
        assert!(fingerprint.starts_with("SHA256:"), "{fp}");
        // The public key: ssh wire format, the last 32 bytes are Ed25519's.
        use base64::Engine as _;
        let pubfile = fs::read_to_string(dir.join("witness-key.pub")).unwrap();
        let wire = base64::engine::general_purpose::STANDARD
            .decode(pubfile.split_whitespace().nth(1).unwrap())
            .unwrap();
        let raw: [u8; 32] = wire[wire.len() - 32..].try_into().unwrap();
        let vkey =
            CosignatureVerifier::new(name, ed25519_dalek::VerifyingKey::from_bytes(&raw).unwrap())
                .unwrap()
                .to_vkey();
        let sock = dir.join("agent.sock");
        let agent = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for("ssh-agent's socket", || sock.exists());
        check(
            Command::new("ssh-add")
                .arg(&key)
                .env("SSH_AUTH_SOCK", &sock),
        );
        let db = dir.join("witness.db");
        check(
            Command::new(tools.join("witnessctl"))
                .args(["add-log", "-db"])
                .arg(&db)
                .args(["-origin", origin]),
        );
        check(
            Command::new(tools.join("witnessctl"))
                .args(["add-key", "-db"])
                .arg(&db)
                .args(["-origin", origin, "-key", log_vkey]),
        );
        let mut w = Witness {
            dir: dir.to_owned(),
            name: name.to_owned(),
            origin: origin.to_owned(),
            fingerprint,
            port: free_port(),
            vkey,
            agent,
            server: None,
        };
        w.start();
        w
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts litewitness (again) on its port and waits until it listens.
    /// Checks that the verifier key it announces is the one derived here.
    fn start(&mut self) {
        assert!(self.server.is_none());
        let log = self.dir.join("litewitness.log");
        let child = Command::new(tool_dir().join("litewitness"))
            .arg("-db")
            .arg(self.dir.join("witness.db"))
            .args(["-name", &self.name, "-key", &self.fingerprint, "-ssh-agent"])
            .arg(self.dir.join("agent.sock"))
            .args(["-listen", &format!("127.0.0.1:{}", self.port)])
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        self.server = Some(child);
        let port = self.port;
        let until = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(st) = self.server.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "litewitness exited ({st}): {}",
                    fs::read_to_string(&log).unwrap_or_default()
                );
            }
            assert!(Instant::now() < until, "litewitness does not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        let said = fs::read_to_string(&log).unwrap();
        assert!(
            said.contains(&format!("vkey={}", self.vkey)),
            "litewitness announces another key than {}: {said}",
            self.vkey
        );
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.server.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The size of the court's log the witness last cosigned (its
    /// database, read with witnessctl list-logs).
    fn size(&self) -> u64 {
        let out = check(
            Command::new(tool_dir().join("witnessctl"))
                .args(["list-logs", "-db"])
                .arg(self.dir.join("witness.db")),
        );
        let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
        assert_eq!(v["origin"], self.origin.as_str());
        v["size"].as_u64().unwrap()
    }
}

impl Drop for Witness {
    fn drop(&mut self) {
        self.stop();
        let _ = self.agent.kill();
        let _ = self.agent.wait();
    }
}

/// A court with its key named as the log's origin, witnesses, and a trust
/// file naming them with their URLs.
struct Court {
    tmp: tempfile::TempDir,
    witnesses: Vec<Witness>,
}

impl Court {
    fn new(n: usize, quorum: usize) -> Court {
        let tmp = tempfile::tempdir().unwrap();
        let (code, _, err) = run(tmp.path(), &["keys", "generate", "--name", ORIGIN]);
        assert_eq!(code, 0, "{err}");
        let log_vkey = fs::read_to_string(tmp.path().join(format!("{ORIGIN}.vkey")))
            .unwrap()
            .trim()
            .to_owned();
        let witnesses: Vec<Witness> = (0..n)
            .map(|i| {
                Witness::new(
                    &tmp.path().join(format!("w{i}")),
                    &format!("witness{i}.bar.example/w"),
                    &log_vkey,
                )
            })
            .collect();
        let mut trust = format!("recorder {log_vkey}\n");
        for w in &witnesses {
            trust.push_str(&format!("witness {} {}\n", w.vkey, w.url()));
        }
        trust.push_str(&format!("quorum {quorum}\n"));
        fs::write(tmp.path().join("trust.txt"), trust).unwrap();
        Court { tmp, witnesses }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    /// The trust file names `url` for witness `i` instead of its own.
    fn point_witness_at(&self, i: usize, url: &str) {
        let t = fs::read_to_string(self.p("trust.txt")).unwrap();
        let own = format!("{} {}\n", self.witnesses[i].vkey, self.witnesses[i].url());
        assert!(t.contains(&own));
        let new = format!("{} {url}\n", self.witnesses[i].vkey);
        fs::write(self.p("trust.txt"), t.replace(&own, &new)).unwrap();
    }

    /// `seal SESSION --policy trust.txt`: (exit code, standard error).
    fn seal(&self, session: &str) -> (i32, String) {
        let key = format!("{ORIGIN}.key");
        let (code, _, err) = run(
            self.tmp.path(),
            &[
                "seal",
                session,
                "--key",
                &key,
                "--origin",
                ORIGIN,
                "--policy",
                "trust.txt",
                "--no-silence",
            ],
        );
        (code, err)
    }

    fn verify(&self, session: &str) -> (i32, Value) {
        let (code, out, err) = run(
            self.tmp.path(),
            &[
                "verify",
                session,
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

    /// A new segment in the session (a copy of a sample one).
    fn add_segment(&self, session: &str, name: &str) {
        fs::copy(
            common::repo(common::SAMPLE).join("seg-0001.m4a"),
            self.p(&format!("{session}/{name}")),
        )
        .unwrap();
    }
}

/// A recording HTTP/1.0 proxy on 127.0.0.1 in front of `upstream`: its URL
/// and the request bodies it passed on, so a test sees what courtseal sent.
fn recording_proxy(upstream: String) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{Read as _, Write as _};
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let rec = seen.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut req = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head and a body of Content-Length bytes.
            loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&chunk[..n]);
                if let Some(end) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&req[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if req.len() >= end + 4 + len {
                        rec.lock()
                            .unwrap()
                            .push(String::from_utf8_lossy(&req[end + 4..]).into_owned());
                        break;
                    }
                }
            }
            let Ok(mut up) = TcpStream::connect(upstream.trim_start_matches("http://")) else {
                continue;
            };
            let _ = up.write_all(&req);
            let mut reply = Vec::new();
            let _ = up.read_to_end(&mut reply);
            let _ = s.write_all(&reply);
        }
    });
    (url, seen)
}

fn codes(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

fn finding<'a>(r: &'a Value, code: &str) -> &'a Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code}: {r}"))
}

/// The cosignature lines kept in `cosigned/SIZE.note` of a session.
fn cosignature_lines(c: &Court, session: &str, size: u64) -> Vec<String> {
    let note =
        fs::read_to_string(c.p(&format!("{session}/courtseal/cosigned/{size}.note"))).unwrap();
    let (_, sigs) = note.split_once("\n\n").unwrap();
    sigs.lines()
        .filter(|l| !l.starts_with(&format!("— {ORIGIN} ")))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_session_sealed_with_a_policy_is_cosigned_by_litewitness_and_verifies_witnessed() {
    let c = Court::new(1, 1);
    copy_sample(&c.p("s"), &[]);
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("witness witness0.bar.example/w cosigned the checkpoint of size 5 at "),
        "{err}"
    );
    assert!(!err.contains("witness.unreachable"), "{err}");
    assert_eq!(c.witnesses[0].size(), 5);
    let lines = cosignature_lines(&c, "s", 5);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("— witness0.bar.example/w "),
        "{lines:?}"
    );
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
    // The next segment: submitted with old 5 and a consistency proof
    // (litewitness accepts nothing else from a log it has at 5).
    c.add_segment("s", "seg-0005.m4a");
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cosigned the checkpoint of size 6"), "{err}");
    assert_eq!(c.witnesses[0].size(), 6);
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
    // Sealing again with nothing new asks nobody.
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "witness witness0.bar.example/w has cosigned the checkpoint of size 6 already"
        ),
        "{err}"
    );
}

#[test]
fn seal_watch_with_a_policy_gets_its_checkpoints_cosigned_by_litewitness() {
    let c = Court::new(1, 1);
    fs::create_dir_all(c.p("s")).unwrap();
    let key = format!("{ORIGIN}.key");
    let mut svc = Command::new(env!("CARGO_BIN_EXE_courtseal"))
        .current_dir(c.tmp.path())
        .args([
            "seal",
            "s",
            "--watch",
            "--key",
            &key,
            "--origin",
            ORIGIN,
            "--policy",
            "trust.txt",
            "--settle",
            "1",
            "--heartbeat",
            "1",
            "--no-silence",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let cosigned = c.p("s/courtseal/cosigned");
    let segment_cosigned = || {
        // A cosigned checkpoint of a size that includes the segment entry.
        let log = fs::read_to_string(c.p("s/courtseal/log.jsonl")).unwrap_or_default();
        let Some(at) = log.lines().position(|l| l.contains("\"seg-0001.m4a\"")) else {
            return false;
        };
        fs::read_dir(&cosigned)
            .map(|rd| {
                rd.filter_map(Result::ok).any(|e| {
                    courtseal::verify::witnesses::parse_file_name(&e.file_name().to_string_lossy())
                        .is_some_and(|n| n > at as u64)
                })
            })
            .unwrap_or(false)
    };
    wait_for("the service's first checkpoint", || {
        c.p("s/courtseal/checkpoint").exists()
    });
    c.add_segment("s", "seg-0001.m4a");
    wait_for(
        "litewitness to cosign a checkpoint with the segment",
        segment_cosigned,
    );
    let st = Command::new("kill")
        .args(["-TERM", &svc.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    svc.wait().unwrap();
    // The service submits every checkpoint in the background and, on
    // SIGTERM, the final one (with the close entry) before it exits.
    let entries = fs::read_to_string(c.p("s/courtseal/log.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert!(c
        .p(&format!("s/courtseal/cosigned/{entries}.note"))
        .exists());
    assert_eq!(c.witnesses[0].size(), entries as u64);
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
    assert!(r["closed_at"].is_string(), "{r}");
}

/// The insider holds the court's key and re-seals an edited copy of a
/// witnessed session from scratch, same origin. litewitness answers the
/// first submission (old 0) with 409 and its size 5, then refuses the
/// retry from 5 with 422: the consistency proof from what it cosigned does
/// not verify. Verify of the edited session, given the first session's
/// cosigned checkpoint (which a lawyer kept), names the fork.
#[test]
fn an_insider_who_reseals_an_edited_session_is_refused_by_litewitness_and_verify_shows_the_fork() {
    let c = Court::new(1, 1);
    copy_sample(&c.p("s"), &[]);
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    copy_sample(&c.p("edited"), &[]);
    fs::copy(c.p("edited/seg-0004.m4a"), c.p("edited/seg-0003.mp4")).unwrap();
    let (code, err) = c.seal("edited");
    assert_eq!(code, 0, "sealing is never blocked: {err}");
    assert!(
        err.contains(
            "witness.fork: witness witness0.bar.example/w refused the checkpoint of size 5 (422: "
        ),
        "{err}"
    );
    assert!(!c.p("edited/courtseal/cosigned/5.note").exists());
    assert_eq!(c.witnesses[0].size(), 5);
    // Without the evidence, the edited session is merely not witnessed.
    let (code, r) = c.verify("edited");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.quorum_not_met"], "{r}");
    fs::create_dir_all(c.p("edited/courtseal/cosigned")).unwrap();
    fs::copy(
        c.p("s/courtseal/cosigned/5.note"),
        c.p("edited/courtseal/cosigned/5.note"),
    )
    .unwrap();
    let (code, r) = c.verify("edited");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.fork", "witness.quorum_not_met"], "{r}");
    let f = finding(&r, "witness.fork");
    assert_eq!(f["location"], "courtseal/cosigned/5.note");
    let m = f["message"].as_str().unwrap();
    assert!(m.contains("witness0.bar.example/w at "), "{m}");
    assert!(m.contains("(a fork)"), "{m}");
}

/// The insider re-seals a shorter history (a segment left out): the
/// witness says it has cosigned more of this log than the log holds.
#[test]
fn a_shorter_second_history_is_refused_as_a_fork_from_litewitness_409() {
    let c = Court::new(1, 1);
    copy_sample(&c.p("s"), &[]);
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    copy_sample(&c.p("short"), &["seg-0003.mp4"]);
    let (code, err) = c.seal("short");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("witness.fork: witness witness0.bar.example/w refused the checkpoint of size 4 (it has cosigned size 5 of this log"),
        "{err}"
    );
    fs::create_dir_all(c.p("short/courtseal/cosigned")).unwrap();
    fs::copy(
        c.p("s/courtseal/cosigned/5.note"),
        c.p("short/courtseal/cosigned/5.note"),
    )
    .unwrap();
    let (code, r) = c.verify("short");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.fork", "witness.quorum_not_met"], "{r}");
    assert!(finding(&r, "witness.fork")["message"]
        .as_str()
        .unwrap()
        .contains("removed from the end"));
}

/// The witness is stopped after cosigning size 5: the next seal succeeds
/// with a witness.unreachable line; after the restart, the next seal is
/// cosigned from the old size 5 (litewitness holds 5 and accepts a larger
/// checkpoint only with a consistency proof from it).
#[test]
fn a_witness_stopped_mid_session_does_not_block_sealing_and_cosigns_from_the_old_size_after_restart(
) {
    let mut c = Court::new(1, 1);
    copy_sample(&c.p("s"), &[]);
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    c.witnesses[0].stop();
    c.add_segment("s", "seg-0005.m4a");
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: witness.unreachable: witness witness0.bar.example/w did not cosign the checkpoint of size 6"),
        "{err}"
    );
    assert!(c.p("s/courtseal/checkpoints/6").exists());
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.quorum_not_met"], "{r}");
    assert!(finding(&r, "witness.quorum_not_met")["message"]
        .as_str()
        .unwrap()
        .contains("vouches for the first 5"));
    c.witnesses[0].start();
    assert_eq!(c.witnesses[0].size(), 5);
    // What courtseal sends after the restart is recorded on the way.
    let (proxy, seen) = recording_proxy(c.witnesses[0].url());
    c.point_witness_at(0, &proxy);
    c.add_segment("s", "seg-0006.m4a");
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cosigned the checkpoint of size 7"), "{err}");
    assert_eq!(c.witnesses[0].size(), 7);
    // One request: old 5, the consistency proof from 5 to 7 (RFC 6962:
    // entries 5, 6 and 7's leaves and the root of the first 4), an empty
    // line, the checkpoint of size 7.
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let (head, cp) = seen[0].split_once("\n\n").unwrap();
    let lines: Vec<&str> = head.lines().collect();
    assert_eq!(lines[0], "old 5", "{head}");
    assert_eq!(lines.len(), 1 + 4, "{head}");
    assert!(lines[1..].iter().all(|l| l.len() == 44), "{head}");
    assert!(cp.starts_with(&format!("{ORIGIN}\n7\n")), "{cp}");
    assert!(!c.p("s/courtseal/cosigned/6.note").exists());
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
}

#[test]
fn a_quorum_of_two_litewitness_instances_is_met_and_one_down_is_quorum_not_met() {
    let mut c = Court::new(2, 2);
    copy_sample(&c.p("s"), &[]);
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err.matches("cosigned the checkpoint of size 5 at").count(),
        2,
        "{err}"
    );
    assert_eq!(cosignature_lines(&c, "s", 5).len(), 2);
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
    c.witnesses[1].stop();
    c.add_segment("s", "seg-0005.m4a");
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("witness witness0.bar.example/w cosigned the checkpoint of size 6"),
        "{err}"
    );
    assert!(
        err.contains("witness.unreachable: witness witness1.bar.example/w"),
        "{err}"
    );
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.quorum_not_met"], "{r}");
    let m = finding(&r, "witness.quorum_not_met")["message"]
        .as_str()
        .unwrap();
    assert!(
        m.starts_with("1 of 2 trusted witness(es) cosigned a checkpoint covering all 6"),
        "{m}"
    );
}

// ---------------------------------------------------------------------
// The independent checker (tests/interop/c2sp_verify.py, Python with
// `cryptography`) over litewitness's cosignatures: it agrees with courtseal
// on the good files and on tampered ones.

fn python_cosig(vkey: &str, note: &Path) -> (bool, String) {
    let o = Command::new("python3")
        .arg(common::repo("tests/interop/c2sp_verify.py"))
        .arg("cosig")
        .arg(vkey)
        .arg(note)
        .output()
        .expect("python3 is needed (run scripts/setup.sh)");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), out)
}

/// courtseal's own reading of the file against the witness key: does a
/// valid cosignature of it hold over the note's text?
fn courtseal_cosig(vkey: &str, note: &Path) -> bool {
    let v = CosignatureVerifier::from_vkey(vkey).unwrap();
    let bytes = fs::read(note).unwrap();
    let Ok((text, sigs)) = courtseal::note::split(&bytes) else {
        return false;
    };
    let mut valid = false;
    for s in &sigs {
        match v.check(&text, s) {
            courtseal::note::CosignatureCheck::Valid(_) => valid = true,
            courtseal::note::CosignatureCheck::Invalid(_) => return false,
            courtseal::note::CosignatureCheck::NotOurs => {}
        }
    }
    valid
}

#[test]
fn the_python_checker_agrees_with_courtseal_on_litewitness_cosignatures_good_and_tampered() {
    let c = Court::new(2, 2);
    copy_sample(&c.p("s"), &[]);
    let (code, err) = c.seal("s");
    assert_eq!(code, 0, "{err}");
    let good = c.p("s/courtseal/cosigned/5.note");
    let text = fs::read_to_string(&good).unwrap();
    // One byte of the body changed (the size line), and the file itself.
    let body_changed = c.p("body-changed.note");
    fs::write(&body_changed, text.replacen("\n5\n", "\n6\n", 1)).unwrap();
    let (w0, w1) = (&c.witnesses[0].vkey, &c.witnesses[1].vkey);
    // Another witness's key under witness0's name: another key ID, so no
    // cosignature of that key is there.
    let wrong = {
        use base64::Engine as _;
        let k = w1.splitn(3, '+').nth(2).unwrap();
        let raw = base64::engine::general_purpose::STANDARD.decode(k).unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&raw[1..].try_into().unwrap()).unwrap();
        CosignatureVerifier::new("witness0.bar.example/w", key)
            .unwrap()
            .to_vkey()
    };
    for (vkey, file, want) in [
        (w0, &good, true),
        (w1, &good, true),
        (w0, &body_changed, false),
        (w1, &body_changed, false),
        (&wrong, &good, false),
    ] {
        let (py, out) = python_cosig(vkey, file);
        assert_eq!(py, want, "{vkey} {}: {out}", file.display());
        assert_eq!(
            courtseal_cosig(vkey, file),
            want,
            "{vkey} {}",
            file.display()
        );
        if want {
            assert!(out.starts_with("OK cosigned by "), "{out}");
        }
    }
    // One base64 character of the last line's signature changed (the
    // witnesses are asked in parallel, so the last line is whichever
    // answered last): both checkers refuse that witness's and still accept
    // the other's.
    let sig_changed = c.p("sig-changed.note");
    let mut b = text.clone().into_bytes();
    let i = b.len() - 10;
    b[i] = if b[i] == b'A' { b'B' } else { b'A' };
    fs::write(&sig_changed, b).unwrap();
    let last = text.lines().last().unwrap();
    let (changed, intact) = if last.starts_with("— witness1.bar.example/w ") {
        (w1, w0)
    } else {
        assert!(last.starts_with("— witness0.bar.example/w "), "{text}");
        (w0, w1)
    };
    for (vkey, want) in [(intact, true), (changed, false)] {
        let (py, out) = python_cosig(vkey, &sig_changed);
        assert_eq!(py, want, "{vkey}: {out}");
        assert_eq!(courtseal_cosig(vkey, &sig_changed), want, "{vkey}");
    }
}

/// The C2SP tlog-cosignature example: its witness key is not published, so
/// both checkers read the line and find the same key ID and time, and
/// neither takes it for a cosignature of a key under its name.
#[test]
fn the_python_checker_reads_the_c2sp_cosignature_example_as_courtseal_does() {
    let file = common::repo("tests/vectors/cosignature/c2sp_tlog_cosignature_example.note");
    let o = Command::new("python3")
        .arg(common::repo("tests/interop/c2sp_verify.py"))
        .arg("cosig-lines")
        .arg(&file)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{out}");
    assert_eq!(out, "witness.example.com/w1 8d66cf3f 1679315147\n");
    let bytes = fs::read(&file).unwrap();
    let (_, sigs) = courtseal::note::split(&bytes).unwrap();
    let c = courtseal::note::Cosignature::from_note_signature(&sigs[1]).unwrap();
    assert_eq!(c.time, 1679315147);
    let stranger = CosignatureVerifier::new(
        "witness.example.com/w1",
        ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key(),
    )
    .unwrap()
    .to_vkey();
    assert!(!python_cosig(&stranger, &file).0);
    assert!(!courtseal_cosig(&stranger, &file));
}

// ---------------------------------------------------------------------
// The courtroom's ledger witnessed by litewitness: the witness is told
// once about the ledger's origin and key (the key's name is the origin);
// every session sealed into the ledger is covered by its cosignatures.

const LEDGER: &str = "ledger.courtroom5.court.example";

/// A court whose recorder seals sessions into a ledger, with litewitness
/// instances configured for the ledger (origin and key) and maybe other
/// witnesses (`extra`: trust lines of witnesses that are no litewitness)
/// named first in the trust file.
struct LedgerCourt {
    tmp: tempfile::TempDir,
    witnesses: Vec<Witness>,
}

impl LedgerCourt {
    fn new(n: usize, extra: &str, quorum: usize) -> LedgerCourt {
        let tmp = tempfile::tempdir().unwrap();
        for name in ["recorder5", LEDGER] {
            let (code, _, err) = run(tmp.path(), &["keys", "generate", "--name", name]);
            assert_eq!(code, 0, "{err}");
        }
        let read = |n: &str| {
            fs::read_to_string(tmp.path().join(format!("{n}.vkey")))
                .unwrap()
                .trim()
                .to_owned()
        };
        let ledger_vkey = read(LEDGER);
        assert!(
            ledger_vkey.starts_with(&format!("{LEDGER}+")),
            "{ledger_vkey}"
        );
        let witnesses: Vec<Witness> = (0..n)
            .map(|i| {
                Witness::for_log(
                    &tmp.path().join(format!("w{i}")),
                    &format!("witness{i}.bar.example/w"),
                    LEDGER,
                    &ledger_vkey,
                )
            })
            .collect();
        let mut trust = format!(
            "recorder {}\nledger {ledger_vkey}\n{extra}",
            read("recorder5")
        );
        for w in &witnesses {
            trust.push_str(&format!("witness {} {}\n", w.vkey, w.url()));
        }
        trust.push_str(&format!("quorum {quorum}\n"));
        fs::write(tmp.path().join("trust.txt"), trust).unwrap();
        LedgerCourt { tmp, witnesses }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn seal_args<'a>(session: &'a str, origin: &'a str, ledger: &'a str) -> Vec<String> {
        [
            "seal",
            session,
            "--key",
            "recorder5.key",
            "--origin",
            origin,
            "--ledger",
            ledger,
            "--ledger-key",
            &format!("{LEDGER}.key"),
            "--ledger-origin",
            LEDGER,
            "--policy",
            "trust.txt",
            "--no-silence",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// Seals sample session `session` (copied when absent) under `origin`
    /// into the ledger folder `ledger`: (exit code, standard error).
    fn seal_into(&self, session: &str, origin: &str, ledger: &str) -> (i32, String) {
        if !self.p(session).exists() {
            copy_sample(&self.p(session), &[]);
        }
        let args = LedgerCourt::seal_args(session, origin, ledger);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, err) = run(self.tmp.path(), &args);
        (code, err)
    }

    fn seal(&self, session: &str, origin: &str) -> (i32, String) {
        self.seal_into(session, origin, "ledger")
    }

    fn verify(&self, session: &str) -> (i32, Value) {
        verify_in(self.tmp.path(), session)
    }

    /// The ledger's log: one line per session checkpoint appended.
    fn ledger_size(&self, ledger: &str) -> usize {
        fs::read_to_string(self.p(&format!("{ledger}/courtseal/ledger.jsonl")))
            .unwrap()
            .lines()
            .count()
    }
}

fn verify_in(dir: &Path, session: &str) -> (i32, Value) {
    let (code, out, err) = run(
        dir,
        &[
            "verify",
            session,
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

/// The cosignature lines of witness `name` in a file.
fn lines_of(file: &Path, name: &str) -> Vec<String> {
    fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with(&format!("— {name} ")))
        .map(str::to_owned)
        .collect()
}

/// Copies folder `from` to `to`, files and folders alike.
fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(e.path(), &dest).unwrap();
        }
    }
}

#[test]
fn two_sessions_sealed_into_one_ledger_are_cosigned_by_litewitness_and_one_copied_alone_verifies_witnessed(
) {
    let c = LedgerCourt::new(1, "", 1);
    let (code, err) = c.seal("s1", "courtroom5/2026-11-20");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "ledger {LEDGER}: witness witness0.bar.example/w cosigned the checkpoint of size 1 at "
        )),
        "{err}"
    );
    assert_eq!(c.witnesses[0].size(), 1);
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21");
    assert_eq!(code, 0, "{err}");
    // Size 2, submitted with old 1 and the consistency proof from it:
    // litewitness takes nothing else from a log it holds at 1.
    assert!(
        err.contains("witness witness0.bar.example/w cosigned the checkpoint of size 2 at "),
        "{err}"
    );
    assert!(!err.contains("witness.unreachable"), "{err}");
    assert_eq!(c.witnesses[0].size(), 2);
    assert_eq!(c.ledger_size("ledger"), 2);
    // The ledger keeps the cosigned checkpoints; each session's evidence
    // holds the cosignature over the ledger checkpoint that includes it.
    for (s, size) in [("s1", 1), ("s2", 2)] {
        let cosigned = c.p(&format!("ledger/courtseal/cosigned/{size}.note"));
        assert_eq!(lines_of(&cosigned, "witness0.bar.example/w").len(), 1);
        let evidence = c.p(&format!("{s}/courtseal/ledger/5.proof"));
        let text = fs::read_to_string(&evidence).unwrap();
        assert!(text.contains(&format!("{LEDGER}\n{size}\n")), "{s}: {text}");
        assert_eq!(
            lines_of(&evidence, "witness0.bar.example/w").len(),
            1,
            "{text}"
        );
        // No cosigned/ of the session's own: the witness knows the ledger.
        assert!(!c.p(&format!("{s}/courtseal/cosigned")).exists());
        let (code, r) = c.verify(s);
        assert_eq!(code, 0, "{s}: {r}");
        assert!(codes(&r).is_empty(), "{s}: {r}");
    }
    // Session s1, copied alone (no ledger folder, no witness reachable),
    // with the trust file only: witnessed, offline.
    let other = tempfile::tempdir().unwrap();
    copy_tree(&c.p("s1"), &other.path().join("s1"));
    let trust = fs::read_to_string(c.p("trust.txt")).unwrap();
    // The URLs are where seal reaches the witnesses; verify needs none.
    let offline: String = trust
        .lines()
        .map(|l| match l.strip_prefix("witness ") {
            Some(rest) => format!("witness {}\n", rest.split_whitespace().next().unwrap()),
            None => format!("{l}\n"),
        })
        .collect();
    fs::write(other.path().join("trust.txt"), offline).unwrap();
    drop(c);
    let (code, r) = verify_in(other.path(), "s1");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
    let o = r["outside_times"].as_array().unwrap();
    assert_eq!(o.len(), 1, "{r}");
    assert_eq!(o[0]["size"], 5);
    assert_eq!(o[0]["source"]["kind"], "cosignature");
    assert_eq!(o[0]["source"]["witness"], "witness0.bar.example/w");
    assert_eq!(o[0]["source"]["file"], "courtseal/ledger/5.proof");
    // The cosignature removed from the copy: no longer witnessed.
    let evidence = other.path().join("s1/courtseal/ledger/5.proof");
    let text = fs::read_to_string(&evidence).unwrap();
    let stripped: String = text
        .lines()
        .filter(|l| !l.starts_with("— witness0.bar.example/w "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(stripped, text);
    fs::write(&evidence, stripped).unwrap();
    let (code, r) = verify_in(other.path(), "s1");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.quorum_not_met"], "{r}");
}

/// The insider holds the recorder and ledger keys. After two sessions are
/// witnessed, they roll a copy of the ledger back to before the second
/// session, edit that session, re-seal it and append it again: a second
/// history of the ledger under the same key and origin. litewitness,
/// which cosigned size 2 of the real history, refuses it; verify of the
/// edited session, given the ledger evidence the real session carried (a
/// party's copy), names the fork.
#[test]
fn an_insider_who_reseals_an_edited_session_into_a_second_ledger_history_is_refused_by_litewitness_and_verify_names_the_fork(
) {
    let c = LedgerCourt::new(1, "", 1);
    assert_eq!(c.seal("s1", "courtroom5/2026-11-20").0, 0);
    assert_eq!(c.seal("s2", "courtroom5/2026-11-21").0, 0);
    assert_eq!(c.witnesses[0].size(), 2);
    // A party's copy of the real s2 evidence, made before the insider acts.
    let kept = fs::read(c.p("s2/courtseal/ledger/5.proof")).unwrap();
    // The second history: the ledger as it was after s1 (its log's first
    // line, its checkpoint of size 1 and what was cosigned of it).
    let forked = c.p("ledger-b/courtseal");
    fs::create_dir_all(forked.join("checkpoints")).unwrap();
    fs::create_dir_all(forked.join("cosigned")).unwrap();
    for f in ["origin", "ledger.vkey", "checkpoints/1", "cosigned/1.note"] {
        fs::copy(c.p(&format!("ledger/courtseal/{f}")), forked.join(f)).unwrap();
    }
    fs::copy(
        c.p("ledger/courtseal/checkpoints/1"),
        forked.join("checkpoint"),
    )
    .unwrap();
    let first = fs::read_to_string(c.p("ledger/courtseal/ledger.jsonl"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    fs::write(forked.join("ledger.jsonl"), format!("{first}\n")).unwrap();
    // s2 edited (seg-0003 replaced by another recording) and sealed again
    // from scratch under its own origin.
    copy_sample(&c.p("edited"), &[]);
    fs::copy(c.p("edited/seg-0004.m4a"), c.p("edited/seg-0003.mp4")).unwrap();
    let (code, err) = c.seal_into("edited", "courtroom5/2026-11-21", "ledger-b");
    assert_eq!(code, 0, "sealing is never blocked: {err}");
    assert_eq!(c.ledger_size("ledger-b"), 2);
    assert!(
        err.contains(&format!(
            "ledger {LEDGER}: error: witness.fork: witness witness0.bar.example/w refused the checkpoint of size 2 ("
        )),
        "{err}"
    );
    assert!(!err.contains("witness.unreachable"), "{err}");
    // The witness still holds the real history.
    assert_eq!(c.witnesses[0].size(), 2);
    assert!(!c.p("ledger-b/courtseal/cosigned/2.note").exists());
    assert!(lines_of(
        &c.p("edited/courtseal/ledger/5.proof"),
        "witness0.bar.example/w"
    )
    .is_empty());
    // On its own evidence the edited session is merely not witnessed.
    let (code, r) = c.verify("edited");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.quorum_not_met"], "{r}");
    // With the real session's evidence (the cosigned ledger checkpoint of
    // size 2 and its inclusion proof), verify names the fork.
    fs::write(c.p("edited/courtseal/ledger/5.proof"), &kept).unwrap();
    let (code, r) = c.verify("edited");
    assert_eq!(code, 1, "{r}");
    // The real evidence does not fit the edited log, so this session
    // checkpoint has no valid evidence either (ledger.missing).
    assert_eq!(
        codes(&r),
        ["ledger.fork", "ledger.missing", "witness.quorum_not_met"],
        "{r}"
    );
    let f = finding(&r, "ledger.fork");
    assert_eq!(f["location"], "courtseal/ledger/5.proof");
    let m = f["message"].as_str().unwrap();
    assert!(
        m.contains(&format!("the ledger {LEDGER:?} recorded this session at size 5 with a root that is not that of the log's first 5 entries")),
        "{m}"
    );
}

/// litewitness is stopped after cosigning the ledger's size 1: the next
/// seal appends and signs size 2 with a witness.unreachable line; after the
/// restart the next seal is cosigned from the old size 1, and the session
/// verifies witnessed again.
#[test]
fn litewitness_stopped_mid_way_does_not_block_sealing_into_the_ledger_and_cosigns_after_restart() {
    let mut c = LedgerCourt::new(1, "", 1);
    assert_eq!(c.seal("s", "courtroom5/2026-11-20").0, 0);
    assert_eq!(c.witnesses[0].size(), 1);
    c.witnesses[0].stop();
    fs::copy(
        common::repo(common::SAMPLE).join("seg-0001.m4a"),
        c.p("s/seg-0005.m4a"),
    )
    .unwrap();
    let (code, err) = c.seal("s", "courtroom5/2026-11-20");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: witness.unreachable: witness witness0.bar.example/w did not cosign the checkpoint of size 2"),
        "{err}"
    );
    assert!(c.p("s/courtseal/checkpoints/6").exists());
    assert!(c.p("s/courtseal/ledger/6.proof").exists());
    assert!(c.p("ledger/courtseal/checkpoints/2").exists());
    let (code, r) = c.verify("s");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.quorum_not_met"], "{r}");
    c.witnesses[0].start();
    assert_eq!(c.witnesses[0].size(), 1);
    fs::copy(
        common::repo(common::SAMPLE).join("seg-0001.m4a"),
        c.p("s/seg-0006.m4a"),
    )
    .unwrap();
    let (code, err) = c.seal("s", "courtroom5/2026-11-20");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("witness witness0.bar.example/w cosigned the checkpoint of size 3 at "),
        "{err}"
    );
    assert_eq!(c.witnesses[0].size(), 3);
    assert!(!c.p("ledger/courtseal/cosigned/2.note").exists());
    assert_eq!(
        lines_of(&c.p("s/courtseal/ledger/7.proof"), "witness0.bar.example/w").len(),
        1
    );
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
}

/// A witness that accepts the connection and never answers: its URL, and
/// a flag set once courtseal has closed the connection (given up).
fn silent_witness() -> (String, std::sync::Arc<std::sync::atomic::AtomicBool>) {
    use std::io::Read as _;
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let closed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = closed.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            // Read whatever comes, answer nothing, until the client closes.
            let mut buf = [0u8; 4096];
            while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    (url, closed)
}

/// The policy names first a witness that accepts and never answers, then
/// litewitness. The witnesses are asked in parallel: litewitness's
/// cosignature is in the ledger and in the session while courtseal is
/// still waiting for the silent one (its connection open, seal still
/// running); asked one after the other, it would come only after courtseal
/// gave the silent witness up.
#[test]
fn one_silent_witness_does_not_delay_the_other_witness_cosignature_being_stored() {
    let (silent, closed) = silent_witness();
    let silent_vkey = CosignatureVerifier::new(
        "silent.bar.example/w",
        ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key(),
    )
    .unwrap()
    .to_vkey();
    let c = LedgerCourt::new(1, &format!("witness {silent_vkey} {silent}\n"), 1);
    copy_sample(&c.p("s"), &[]);
    let args = LedgerCourt::seal_args("s", "courtroom5/2026-11-20", "ledger");
    let out = c.p("seal.err");
    let mut seal = Command::new(env!("CARGO_BIN_EXE_courtseal"))
        .current_dir(c.tmp.path())
        .args(&args)
        .stdout(Stdio::null())
        .stderr(fs::File::create(&out).unwrap())
        .spawn()
        .unwrap();
    let evidence = c.p("s/courtseal/ledger/5.proof");
    wait_for(
        "litewitness's cosignature in the session's evidence",
        || !lines_of(&evidence, "witness0.bar.example/w").is_empty(),
    );
    assert!(
        !closed.load(std::sync::atomic::Ordering::SeqCst),
        "courtseal gave the silent witness up before the other's cosignature was stored"
    );
    assert!(
        seal.try_wait().unwrap().is_none(),
        "seal ended before the cosignature was seen"
    );
    assert_eq!(
        lines_of(
            &c.p("ledger/courtseal/cosigned/1.note"),
            "witness0.bar.example/w"
        )
        .len(),
        1
    );
    let st = seal.wait().unwrap();
    assert!(st.success());
    assert!(closed.load(std::sync::atomic::Ordering::SeqCst));
    let err = fs::read_to_string(&out).unwrap();
    // The lines in the trust file's order: the silent witness first.
    let silent_at = err
        .find("warning: witness.unreachable: witness silent.bar.example/w did not cosign the checkpoint of size 1 (")
        .unwrap_or_else(|| panic!("{err}"));
    let cosigned_at = err
        .find("witness witness0.bar.example/w cosigned the checkpoint of size 1 at ")
        .unwrap_or_else(|| panic!("{err}"));
    assert!(silent_at < cosigned_at, "{err}");
    assert!(err.contains("no complete reply within 10 s"), "{err}");
    let (code, r) = c.verify("s");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
}

/// The files in the ledger's register of sessions awaiting a cosignature.
fn pending(c: &LedgerCourt) -> usize {
    fs::read_dir(c.p("ledger/courtseal/pending"))
        .map(|rd| rd.count())
        .unwrap_or(0)
}

/// The lines of a tlog-proof before its blank line (header, extra, index,
/// path).
fn proof_head(text: &str) -> Vec<String> {
    text.lines()
        .take_while(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A ledger in which session `s0` was cosigned (ledger size 1), `s1` was
/// appended while litewitness was down (ledger size 2, not cosigned), and
/// `s2` was sealed after litewitness came back (ledger size 3, cosigned),
/// which moved `s1`'s evidence onto ledger checkpoint 3. Returns the
/// court and `s1`'s evidence as it was before.
fn court_with_a_refreshed_session() -> (LedgerCourt, String) {
    let (mut c, before) = court_with_a_pending_session();
    c.witnesses[0].start();
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("witness witness0.bar.example/w cosigned the checkpoint of size 3 at "),
        "{err}"
    );
    assert!(
        err.contains("the evidence of session checkpoint(s) of size 5 (from 2) is now against the cosigned ledger checkpoint of size 3"),
        "{err}"
    );
    (c, before)
}

/// A ledger in which session `s0` was cosigned (ledger size 1) and `s1`
/// was appended while litewitness was down (ledger size 2, not cosigned,
/// `s1` in the register); litewitness is still down. Returns the court and
/// `s1`'s evidence.
fn court_with_a_pending_session() -> (LedgerCourt, String) {
    let mut c = LedgerCourt::new(1, "", 1);
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19").0, 0);
    assert_eq!(c.witnesses[0].size(), 1);
    c.witnesses[0].stop();
    let (code, err) = c.seal("s1", "courtroom5/2026-11-20");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: witness.unreachable: witness witness0.bar.example/w did not cosign the checkpoint of size 2"),
        "{err}"
    );
    let before = fs::read_to_string(c.p("s1/courtseal/ledger/5.proof")).unwrap();
    assert!(before.contains(&format!("\n{LEDGER}\n2\n")), "{before}");
    assert!(lines_of(
        &c.p("s1/courtseal/ledger/5.proof"),
        "witness0.bar.example/w"
    )
    .is_empty());
    assert_eq!(pending(&c), 1);
    let (code, r) = c.verify("s1");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.quorum_not_met"], "{r}");
    (c, before)
}

/// While s1 waits in the register, an insider moves its evidence folder
/// out of the session and puts a link to it in its place, so that the
/// refresh would write outside the session. The sealer opens the folder
/// without following a link: nothing outside is written, s1 leaves the
/// register with a line saying why. (The same folder swapped for a link
/// after it was opened is `store::folder`'s unit test
/// `a_folder_swapped_for_a_link_after_it_was_opened_is_not_written_through`.)
#[test]
fn a_pending_sessions_evidence_folder_swapped_for_a_link_is_never_written_through() {
    let (mut c, before) = court_with_a_pending_session();
    let outside = c.p("outside");
    fs::rename(c.p("s1/courtseal/ledger"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, c.p("s1/courtseal/ledger")).unwrap();
    c.witnesses[0].start();
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("witness witness0.bar.example/w cosigned the checkpoint of size 3 at "),
        "{err}"
    );
    assert!(!err.contains("is now against"), "{err}");
    assert!(
        err.contains("s1 is no longer a session folder with ledger evidence (or is reached through a link); it leaves the register of sessions awaiting a cosignature"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(outside.join("5.proof")).unwrap(), before);
    let names: Vec<_> = fs::read_dir(&outside)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["5.proof"]);
    assert_eq!(pending(&c), 0);
}

/// litewitness was down while s1 was appended to the ledger; once it is
/// back and cosigns a later ledger checkpoint (sealing s2), s1's evidence
/// is against that checkpoint: the same leaf and index, the cosigned note
/// verbatim. s1 then verifies witnessed, with that cosignature's time as
/// its outside time, and leaves the register.
#[test]
fn a_session_sealed_while_the_witness_was_down_is_witnessed_once_a_later_ledger_checkpoint_is_cosigned(
) {
    let (c, before) = court_with_a_refreshed_session();
    let after = fs::read_to_string(c.p("s1/courtseal/ledger/5.proof")).unwrap();
    let cosigned = fs::read_to_string(c.p("ledger/courtseal/cosigned/3.note")).unwrap();
    assert!(after.ends_with(&format!("\n\n{cosigned}")), "{after}");
    let (b, a) = (proof_head(&before), proof_head(&after));
    assert_eq!(a[..3], b[..3], "same header, leaf and index");
    assert_eq!(a[2], "index 1");
    assert_eq!(
        lines_of(
            &c.p("s1/courtseal/ledger/5.proof"),
            "witness0.bar.example/w"
        )
        .len(),
        1
    );
    assert_eq!(pending(&c), 0);
    let (code, r) = c.verify("s1");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
    let (code, r2) = c.verify("s2");
    assert_eq!(code, 0, "{r2}");
    let o = r["outside_times"].as_array().unwrap();
    assert_eq!(o.len(), 1, "{r}");
    assert_eq!(o[0]["size"], 5);
    assert_eq!(o[0]["source"]["kind"], "cosignature");
    assert_eq!(o[0]["source"]["witness"], "witness0.bar.example/w");
    assert_eq!(o[0]["source"]["file"], "courtseal/ledger/5.proof");
    // The cosignature over ledger checkpoint 3, which s2's evidence holds too.
    assert_eq!(o[0]["time"], r2["outside_times"][0]["time"], "{r2}");
    // The next cosigned checkpoint leaves cosigned evidence alone.
    let (code, err) = c.seal("s3", "courtroom5/2026-11-22");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("is now against"), "{err}");
    assert_eq!(
        fs::read_to_string(c.p("s1/courtseal/ledger/5.proof")).unwrap(),
        after
    );
}

/// The refreshed evidence of s1 is given, by someone editing it, the
/// cosigned ledger checkpoint of size 1, which was signed before s1's
/// leaf (index 1) was appended and so cannot include it.
#[test]
fn refreshed_evidence_given_a_cosigned_ledger_checkpoint_without_the_sessions_leaf_is_ledger_bad_inclusion(
) {
    let (c, _) = court_with_a_refreshed_session();
    let file = c.p("s1/courtseal/ledger/5.proof");
    let head = proof_head(&fs::read_to_string(&file).unwrap());
    let one = fs::read_to_string(c.p("ledger/courtseal/cosigned/1.note")).unwrap();
    assert_eq!(
        lines_of(
            &c.p("ledger/courtseal/cosigned/1.note"),
            "witness0.bar.example/w"
        )
        .len(),
        1
    );
    fs::write(&file, format!("{}\n\n{one}", head.join("\n"))).unwrap();
    let (code, r) = c.verify("s1");
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        codes(&r),
        [
            "ledger.bad_inclusion",
            "ledger.missing",
            "witness.quorum_not_met"
        ],
        "{r}"
    );
    let f = finding(&r, "ledger.bad_inclusion");
    assert_eq!(f["location"], "courtseal/ledger/5.proof");
    assert!(
        f["message"].as_str().unwrap().contains(
            "does not lead from its leaf (index 1) to the root of the ledger checkpoint of size 1"
        ),
        "{f}"
    );
}

/// The witness's cosignature in s1's refreshed evidence is forged: its
/// Ed25519 signature changed by one bit.
#[test]
fn refreshed_evidence_with_a_forged_cosignature_is_witness_bad_cosignature() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let (c, _) = court_with_a_refreshed_session();
    let file = c.p("s1/courtseal/ledger/5.proof");
    let text = fs::read_to_string(&file).unwrap();
    let prefix = "— witness0.bar.example/w ";
    let line = lines_of(&file, "witness0.bar.example/w").remove(0);
    let mut raw = b64.decode(line.strip_prefix(prefix).unwrap()).unwrap();
    raw[4 + 8 + 10] ^= 1;
    let forged = format!("{prefix}{}", b64.encode(raw));
    fs::write(&file, text.replace(&line, &forged)).unwrap();
    let (code, r) = c.verify("s1");
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        codes(&r),
        ["witness.bad_cosignature", "witness.quorum_not_met"],
        "{r}"
    );
    let f = finding(&r, "witness.bad_cosignature");
    assert_eq!(f["location"], "courtseal/ledger/5.proof");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("the Ed25519 signature does not verify"),
        "{f}"
    );
}

/// While litewitness was down the insider rolled the ledger back to size
/// 1, dropping s1's leaf, and sealed s2 and s3 into it once litewitness
/// was back (litewitness had cosigned only size 1, so it accepts that
/// history). The ledger's tree no longer holds s1's leaf at its index, so
/// s1's evidence (the ledger's own signature over the real size 2) is kept
/// as it was, the sealer says why, and verify with the ledger's folder
/// names the fork.
#[test]
fn a_rolled_back_ledger_is_never_used_to_refresh_evidence_and_verify_names_the_fork() {
    let mut c = LedgerCourt::new(1, "", 1);
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19").0, 0);
    c.witnesses[0].stop();
    assert_eq!(c.seal("s1", "courtroom5/2026-11-20").0, 0);
    let kept = fs::read(c.p("s1/courtseal/ledger/5.proof")).unwrap();
    // The roll-back: the log's first line, the checkpoint of size 1.
    let l = c.p("ledger/courtseal");
    let first = fs::read_to_string(l.join("ledger.jsonl"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    fs::write(l.join("ledger.jsonl"), format!("{first}\n")).unwrap();
    fs::copy(l.join("checkpoints/1"), l.join("checkpoint")).unwrap();
    fs::remove_file(l.join("checkpoints/2")).unwrap();
    c.witnesses[0].start();
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("witness witness0.bar.example/w cosigned the checkpoint of size 2 at "),
        "{err}"
    );
    let (code, err) = c.seal("s3", "courtroom5/2026-11-22");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("witness witness0.bar.example/w cosigned the checkpoint of size 3 at "),
        "{err}"
    );
    assert!(
        err.contains("its evidence is not refreshed: the ledger's tree does not hold the leaf or the checkpoint of the evidence of size 5 as the session kept them: the ledger was rewritten or rolled back"),
        "{err}"
    );
    assert_eq!(fs::read(c.p("s1/courtseal/ledger/5.proof")).unwrap(), kept);
    assert_eq!(pending(&c), 1);
    let (code, r) = c.verify("s1");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.quorum_not_met"], "{r}");
    // With the ledger's folder in the trust line, the ledger's own log is
    // compared with what s1 kept.
    let trust = fs::read_to_string(c.p("trust.txt")).unwrap();
    let with_folder: String = trust
        .lines()
        .map(|l| match l.strip_prefix("ledger ") {
            Some(k) => format!("ledger {k} ledger\n"),
            None => format!("{l}\n"),
        })
        .collect();
    fs::write(c.p("trust-folder.txt"), with_folder).unwrap();
    let (code, out, err) = run(
        c.tmp.path(),
        &[
            "verify",
            "s1",
            "--trust",
            "trust-folder.txt",
            "--log-only",
            "--json",
        ],
    );
    let r: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["ledger.fork", "witness.quorum_not_met"], "{r}");
    let f = finding(&r, "ledger.fork");
    assert_eq!(f["location"], "courtseal/ledger/5.proof");
    assert!(
        f["message"].as_str().unwrap().contains(
            "the ledger checkpoint of size 2 kept here is not the ledger's own at that size"
        ),
        "{f}"
    );
}

/// Quorum 2: witness1 is down while s1 is appended, so s1's evidence holds
/// witness0's cosignature alone (quorum not met). Once witness1 is back and
/// cosigns a later ledger checkpoint (sealing s2), s1 gains a second
/// evidence file beside the first, against that checkpoint, with both
/// cosignatures; the first file, and so witness0's earlier time, is kept
/// byte for byte. s1 then verifies with the quorum met and both times.
#[test]
fn a_session_short_of_its_quorum_gains_later_evidence_beside_what_it_kept_and_loses_no_time() {
    let mut c = LedgerCourt::new(2, "", 2);
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19").0, 0);
    c.witnesses[1].stop();
    let (code, err) = c.seal("s1", "courtroom5/2026-11-20");
    assert_eq!(code, 0, "{err}");
    let kept = c.p("s1/courtseal/ledger/5.proof");
    let before = fs::read_to_string(&kept).unwrap();
    assert_eq!(lines_of(&kept, "witness0.bar.example/w").len(), 1);
    assert!(lines_of(&kept, "witness1.bar.example/w").is_empty());
    assert_eq!(pending(&c), 1);
    let (code, r) = c.verify("s1");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["witness.quorum_not_met"], "{r}");
    let early = r["outside_times"][0]["time"].clone();
    c.witnesses[1].start();
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("s1: the session checkpoint(s) of size 5 (from 2) now also have evidence against the cosigned ledger checkpoint of size 3"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&kept).unwrap(), before);
    let beside = c.p("s1/courtseal/ledger/5.3.proof");
    let cosigned = fs::read_to_string(c.p("ledger/courtseal/cosigned/3.note")).unwrap();
    let text = fs::read_to_string(&beside).unwrap();
    assert!(text.ends_with(&format!("\n\n{cosigned}")), "{text}");
    assert_eq!(proof_head(&text)[..3], proof_head(&before)[..3]);
    assert_eq!(lines_of(&beside, "witness1.bar.example/w").len(), 1);
    assert_eq!(pending(&c), 0);
    let (code, r) = c.verify("s1");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
    let o = r["outside_times"].as_array().unwrap();
    assert_eq!(o.len(), 3, "{r}");
    // witness0's time over ledger checkpoint 2 is still the earliest.
    assert_eq!(o[0]["time"], early, "{r}");
    assert_eq!(o[0]["source"]["file"], "courtseal/ledger/5.proof");
    assert!(o[1..]
        .iter()
        .all(|t| t["source"]["file"] == "courtseal/ledger/5.3.proof"));
    // The single-file proof carries the evidence with both cosignatures.
    let seg = "seg-0001.m4a";
    let (code, _, err) = run(
        c.tmp.path(),
        &[
            "proof",
            "s1",
            seg,
            "--trust",
            "trust.txt",
            "--bundle",
            "s1.courtseal-proof",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let bundle = fs::read_to_string(c.p("s1.courtseal-proof")).unwrap();
    assert!(bundle.contains("witness1.bar.example/w"), "{bundle}");
    let (code, out, err) = run(
        c.tmp.path(),
        &[
            "verify-file",
            &format!("s1/{seg}"),
            "--proof",
            "s1.courtseal-proof",
            "--trust",
            "trust.txt",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    // The next cosigned checkpoint adds nothing more.
    let (code, err) = c.seal("s3", "courtroom5/2026-11-22");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("now also have evidence"), "{err}");
    assert!(!c.p("s1/courtseal/ledger/5.4.proof").exists());
}

/// Later evidence renamed so that its name states another ledger
/// checkpoint than the one it holds is `ledger.malformed` and counts for
/// nothing; s2's evidence put in s1's folder under s1's name proves
/// another session's checkpoint (`ledger.bad_inclusion`).
#[test]
fn later_evidence_misnamed_or_taken_from_another_session_counts_for_nothing() {
    let mut c = LedgerCourt::new(2, "", 2);
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19").0, 0);
    c.witnesses[1].stop();
    assert_eq!(c.seal("s1", "courtroom5/2026-11-20").0, 0);
    c.witnesses[1].start();
    assert_eq!(c.seal("s2", "courtroom5/2026-11-21").0, 0);
    let beside = c.p("s1/courtseal/ledger/5.3.proof");
    assert!(beside.exists());
    fs::rename(&beside, c.p("s1/courtseal/ledger/5.9.proof")).unwrap();
    let (code, r) = c.verify("s1");
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        codes(&r),
        ["ledger.malformed", "witness.quorum_not_met"],
        "{r}"
    );
    let f = finding(&r, "ledger.malformed");
    assert_eq!(f["location"], "courtseal/ledger/5.9.proof");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("is named for the ledger checkpoint of size 9 but holds the one of size 3"),
        "{f}"
    );
    fs::remove_file(c.p("s1/courtseal/ledger/5.9.proof")).unwrap();
    fs::copy(
        c.p("s2/courtseal/ledger/5.proof"),
        c.p("s1/courtseal/ledger/5.3.proof"),
    )
    .unwrap();
    let (code, r) = c.verify("s1");
    assert_eq!(code, 1, "{r}");
    assert_eq!(
        codes(&r),
        ["ledger.bad_inclusion", "witness.quorum_not_met"],
        "{r}"
    );
    assert_eq!(
        finding(&r, "ledger.bad_inclusion")["location"],
        "courtseal/ledger/5.3.proof"
    );
}

/// s1 is sealed while the witness is down and then moved to an archive
/// folder before the witness returns, so the register's path no longer
/// finds it: the next cosigned append drops it from the register and
/// leaves it as it was. Sealing it again at its new place (nothing new to
/// append) brings its evidence onto the ledger's latest cosigned
/// checkpoint, and it verifies witnessed.
#[test]
fn a_session_moved_before_the_witness_returned_is_refreshed_when_sealed_again_at_its_new_place() {
    let (mut c, before) = court_with_a_pending_session();
    fs::create_dir(c.p("archive")).unwrap();
    fs::rename(c.p("s1"), c.p("archive/s1")).unwrap();
    c.witnesses[0].start();
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("s1 is no longer a session folder"), "{err}");
    assert_eq!(pending(&c), 0);
    let kept = c.p("archive/s1/courtseal/ledger/5.proof");
    assert_eq!(fs::read_to_string(&kept).unwrap(), before);
    let (code, err) = c.seal("archive/s1", "courtroom5/2026-11-20");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("the evidence of session checkpoint 5 (from ledger checkpoint 2) is now against the cosigned ledger checkpoint of size 3"),
        "{err}"
    );
    assert_eq!(c.ledger_size("ledger"), 3, "nothing new was appended");
    assert_eq!(lines_of(&kept, "witness0.bar.example/w").len(), 1);
    assert_eq!(pending(&c), 0);
    let (code, r) = c.verify("archive/s1");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
    // Sealing it once more changes nothing.
    let (code, err) = c.seal("archive/s1", "courtroom5/2026-11-20");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("is now against"), "{err}");
}

/// The independent checker's `ledger` command over later evidence: it
/// agrees with courtseal (no finding at the file) on good files and on
/// tampered ones.
#[test]
fn the_python_checker_agrees_with_courtseal_on_later_ledger_evidence_good_and_tampered() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut c = LedgerCourt::new(2, "", 2);
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19").0, 0);
    c.witnesses[1].stop();
    assert_eq!(c.seal("s1", "courtroom5/2026-11-20").0, 0);
    c.witnesses[1].start();
    assert_eq!(c.seal("s2", "courtroom5/2026-11-21").0, 0);
    let dir = c.p("s1/courtseal/ledger");
    let good = fs::read(dir.join("5.3.proof")).unwrap();
    let w: Vec<String> = c.witnesses.iter().map(|w| w.vkey.clone()).collect();
    let python = |file: &str, witnesses: &[String]| -> bool {
        let o = Command::new("python3")
            .arg(common::repo("tests/interop/c2sp_verify.py"))
            .arg("ledger")
            .arg(c.p(&format!("{LEDGER}.vkey")))
            .arg(c.p("s1"))
            .arg(dir.join(file))
            .args(witnesses)
            .output()
            .expect("python3 is needed (run scripts/setup.sh)");
        assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
        o.status.success()
    };
    let courtseal = |file: &str| -> bool {
        let (_, r) = c.verify("s1");
        let at = format!("courtseal/ledger/{file}");
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["location"] == at.as_str())
    };
    // Good: the kept file with witness0's cosignature, the later one with both.
    assert!(python("5.proof", &w[..1]) && courtseal("5.proof"));
    assert!(!python("5.proof", &w), "witness1 never cosigned 5.proof");
    assert!(python("5.3.proof", &w) && courtseal("5.3.proof"));
    // Misnamed: the name states another ledger checkpoint.
    fs::rename(dir.join("5.3.proof"), dir.join("5.9.proof")).unwrap();
    assert!(!python("5.9.proof", &w) && !courtseal("5.9.proof"));
    fs::remove_file(dir.join("5.9.proof")).unwrap();
    // Another session's evidence under this session's name.
    fs::copy(c.p("s2/courtseal/ledger/5.proof"), dir.join("5.3.proof")).unwrap();
    assert!(!python("5.3.proof", &w) && !courtseal("5.3.proof"));
    // witness1's cosignature changed by one bit.
    let text = String::from_utf8(good.clone()).unwrap();
    let forged: String = text
        .lines()
        .map(|l| match l.strip_prefix("— witness1.bar.example/w ") {
            Some(sig) => {
                let mut raw = b64.decode(sig).unwrap();
                raw[40] ^= 1;
                format!("— witness1.bar.example/w {}\n", b64.encode(raw))
            }
            None => format!("{l}\n"),
        })
        .collect();
    assert_ne!(forged, text);
    fs::write(dir.join("5.3.proof"), forged).unwrap();
    assert!(!python("5.3.proof", &w) && !courtseal("5.3.proof"));
    assert!(python("5.3.proof", &w[..1]), "witness0's line is intact");
    fs::write(dir.join("5.3.proof"), &good).unwrap();
    assert!(python("5.3.proof", &w) && courtseal("5.3.proof"));
}

/// Two sessions wait in the register; an insider copies s1's evidence
/// over s1b's (the same size, another session's leaf). When the witness is
/// back, s1's evidence is refreshed, s1b's borrowed file is left exactly as
/// it is (no line says it was refreshed), and verify names it.
#[test]
fn refresh_skips_evidence_whose_leaf_is_another_sessions() {
    let (mut c, before) = court_with_a_pending_session();
    let (code, err) = c.seal("s1b", "courtroom5/2026-11-20b");
    assert_eq!(code, 0, "{err}");
    assert_eq!(pending(&c), 2);
    fs::copy(
        c.p("s1/courtseal/ledger/5.proof"),
        c.p("s1b/courtseal/ledger/5.proof"),
    )
    .unwrap();
    c.witnesses[0].start();
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("s1: the evidence of session checkpoint(s) of size 5 (from 2) is now against the cosigned ledger checkpoint of size 4"), "{err}");
    assert!(!err.contains("s1b: the evidence"), "{err}");
    assert_eq!(
        fs::read_to_string(c.p("s1b/courtseal/ledger/5.proof")).unwrap(),
        before
    );
    let (code, r) = c.verify("s1b");
    assert_eq!(code, 1, "{r}");
    assert!(
        codes(&r).contains(&"ledger.bad_inclusion".to_owned()),
        "{r}"
    );
}

/// Before the witness returns, an insider plants in s1's folder a copy of
/// its evidence named as later evidence of a ledger checkpoint it is not
/// (`5.9.proof`). The sealer counts only later evidence that holds as
/// verify checks it, so the plant neither stops the refresh nor releases
/// s1 from the register: s1 gains real later evidence beside it.
#[test]
fn planted_later_evidence_neither_blocks_the_refresh_nor_releases_the_session() {
    let mut c = LedgerCourt::new(2, "", 2);
    assert_eq!(c.seal("s0", "courtroom5/2026-11-19").0, 0);
    c.witnesses[1].stop();
    assert_eq!(c.seal("s1", "courtroom5/2026-11-20").0, 0);
    let dir = c.p("s1/courtseal/ledger");
    fs::copy(dir.join("5.proof"), dir.join("5.9.proof")).unwrap();
    fs::copy(dir.join("5.proof"), dir.join("5.3.proof")).unwrap();
    fs::remove_file(dir.join("5.3.proof")).unwrap();
    c.witnesses[1].start();
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("now also have evidence against the cosigned ledger checkpoint of size 3"),
        "{err}"
    );
    assert_eq!(
        lines_of(&dir.join("5.3.proof"), "witness1.bar.example/w").len(),
        1
    );
    assert_eq!(pending(&c), 0);
    let (_, r) = c.verify("s1");
    assert_eq!(codes(&r), ["ledger.malformed"], "{r}");
    assert_eq!(
        finding(&r, "ledger.malformed")["location"],
        "courtseal/ledger/5.9.proof"
    );
}

/// While s1 waits in the register, an insider replaces its log by 200 KiB
/// with no line break, so that its header cannot be read. The sealer reads
/// at most the first 64 KiB for the session's origin, refreshes nothing,
/// says why, and keeps s1 registered.
#[test]
fn a_pending_sessions_log_without_a_readable_header_is_not_refreshed_nor_read_whole() {
    let (mut c, before) = court_with_a_pending_session();
    fs::write(c.p("s1/courtseal/log.jsonl"), vec![b'x'; 200 << 10]).unwrap();
    c.witnesses[0].start();
    let (code, err) = c.seal("s2", "courtroom5/2026-11-21");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("s1: its evidence is not refreshed: ")
            && err.contains("s1: the session's log has no readable header"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(c.p("s1/courtseal/ledger/5.proof")).unwrap(),
        before
    );
    assert_eq!(pending(&c), 1);
}
