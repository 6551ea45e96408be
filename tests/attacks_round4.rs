//! Round 4 of attacks: a hostile witness server against the tlog-witness
//! client, and a trusted witness whose cosignature is dated far in the
//! future. Each test is named after the attack.

mod common;

use std::fs;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;

use common::{copy_sample, demo_key, enter_backdated_event, run, vkey};
use courtseal::note::CosignatureSigner;
use courtseal::session::SessionPaths;
use serde_json::Value;

const ORIGIN: &str = "courtroom5/2026-11-20";

struct Court {
    tmp: tempfile::TempDir,
    witness: CosignatureSigner,
}

impl Court {
    /// A sealed sample session `s` and one witness.
    fn new() -> Court {
        let tmp = tempfile::tempdir().unwrap();
        demo_key(tmp.path(), "demo-recorder");
        demo_key(tmp.path(), "demo-secretary");
        let witness = CosignatureSigner::new(
            "witness0.example/w",
            ed25519_dalek::SigningKey::from_bytes(&[40; 32]),
        )
        .unwrap();
        let c = Court { tmp, witness };
        c.trust(None);
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
    /// Writes trust.txt: the recorder, the operator and the witness (at
    /// `url`, if any) with a quorum of 1 when it has a URL.
    fn trust(&self, url: Option<&str>) {
        let mut t = format!(
            "recorder {}\noperator {}\nwitness {}",
            vkey("demo-recorder"),
            vkey("demo-secretary"),
            self.witness.verifier().to_vkey()
        );
        match url {
            Some(u) => t.push_str(&format!(" {u}\nquorum 1\n")),
            None => t.push('\n'),
        }
        fs::write(self.p("trust.txt"), t).unwrap();
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn paths(&self) -> SessionPaths {
        SessionPaths::new(&self.p("s"))
    }
    /// The witness cosigns the kept checkpoint of `size` at `time`.
    fn cosign(&self, size: u64, time: u64) {
        let paths = self.paths();
        let dir = paths.dir.join("cosigned");
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("{size}.note"));
        let note = fs::read_to_string(&file)
            .unwrap_or_else(|_| fs::read_to_string(paths.checkpoint_at(size)).unwrap());
        let text = &note[..note.find("\n\n").unwrap() + 1];
        let line = self.witness.cosignature_line(text, time);
        fs::write(&file, format!("{note}{line}")).unwrap();
    }
    /// Seals `s` again with the witness at `url` in the policy.
    fn seal_with(&self, url: &str) -> (i32, String) {
        self.trust(Some(url));
        let (code, _, err) = run(
            self.tmp.path(),
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

fn findings_of<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// Reads one whole HTTP request (headers, then Content-Length bytes), so
/// that answering and closing never resets a connection the client is
/// still writing to (which would read as "unreachable", not as the attack).
fn read_request(s: &mut std::net::TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut need: Option<usize> = None;
    loop {
        if let Some(n) = need {
            if buf.len() >= n {
                return;
            }
        } else if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            need = Some(end + 4 + len);
            continue;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A server on 127.0.0.1 that reads each request and hands the socket to
/// `serve`; its URL.
fn hostile(serve: fn(std::net::TcpStream)) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            read_request(&mut s);
            std::thread::spawn(move || serve(s));
        }
    });
    url
}

/// The seal goes on with one `witness.unreachable` line saying `why`, and
/// nothing is kept: the log and checkpoint still verify as before.
fn seal_survives(c: &Court, url: &str, why: &str) {
    let log = fs::read(c.paths().log).unwrap();
    let (code, err) = c.seal_with(url);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("witness.unreachable"))
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains("witness witness0.example/w did not cosign the checkpoint of size 5")
            && lines[0].contains(why),
        "{err}"
    );
    assert_eq!(fs::read(c.paths().log).unwrap(), log);
    assert!(!c.paths().dir.join("cosigned/5.note").exists());
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    let codes: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["witness.quorum_not_met"], "{r}");
}

#[test]
fn a_witness_that_trickles_its_reply_one_byte_a_second_cannot_hold_the_seal() {
    let c = Court::new();
    let url = hostile(|mut s| {
        let _ = s.write_all(b"HTTP/1.0 200 OK\r\n");
        // A header that never ends, a byte a second, until the client leaves.
        while s.write_all(b"X").is_ok() {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    });
    seal_survives(&c, &url, "no complete reply within 10 s");
}

#[test]
fn a_witness_that_accepts_and_never_answers_is_given_up() {
    let c = Court::new();
    let url = hostile(|s| {
        std::thread::sleep(std::time::Duration::from_secs(60));
        drop(s);
    });
    seal_survives(&c, &url, "no complete reply within 10 s");
}

#[test]
fn a_witness_reply_far_larger_than_any_is_refused_unread() {
    let c = Court::new();
    let url = hostile(|mut s| {
        let _ = s.write_all(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n");
        let chunk = [b'a'; 4096];
        // 64 MiB unless the client stops reading first.
        for _ in 0..16384 {
            if s.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    seal_survives(&c, &url, "the reply is larger than any witness reply");
}

#[test]
fn a_witness_reply_with_a_huge_content_length_is_read_only_as_far_as_it_goes() {
    let c = Court::new();
    let url = hostile(|mut s| {
        let _ = s.write_all(
            b"HTTP/1.0 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n\xe2\x80\x94 witness0.example/w AAAA\n",
        );
    });
    seal_survives(
        &c,
        &url,
        "its reply holds no valid cosignature of its key over the checkpoint",
    );
}

#[test]
fn a_witness_redirect_is_not_followed() {
    let c = Court::new();
    let url = hostile(|mut s| {
        let _ = s.write_all(
            b"HTTP/1.0 302 Found\r\nLocation: http://127.0.0.1:1/add-checkpoint\r\n\r\nmoved\n",
        );
    });
    seal_survives(&c, &url, "HTTP 302 (moved)");
}

#[test]
fn a_witness_that_answers_409_with_the_same_size_forever_is_asked_twice_only() {
    let c = Court::new();
    let url = hostile(|mut s| {
        let _ = s.write_all(b"HTTP/1.0 409 Conflict\r\nContent-Type: text/x.tlog.size\r\n\r\n0\n");
    });
    seal_survives(
        &c,
        &url,
        "409 twice: the witness moved on while it was asked",
    );
}

#[test]
fn a_witness_200_with_a_cosignature_of_another_checkpoint_keeps_nothing() {
    let c = Court::new();
    // A valid line of the trusted witness, over another text.
    let line = c.witness.cosignature_line(
        &format!("{ORIGIN}\n4\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"),
        1,
    );
    let reply: &'static str = Box::leak(
        format!("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n{line}").into_boxed_str(),
    );
    REPLY.set(reply).unwrap();
    let url = hostile(|mut s| {
        let _ = s.write_all(REPLY.get().unwrap().as_bytes());
    });
    seal_survives(
        &c,
        &url,
        "its reply holds no valid cosignature of its key over the checkpoint",
    );
}

static REPLY: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// A witness (or one who holds its key) answering with a valid
/// cosignature of the very checkpoint, dated 2100: seal keeps nothing, says
/// why, and sealing goes on (verify would refuse the line anyway).
#[test]
fn a_witness_200_with_a_cosignature_dated_in_2100_keeps_nothing() {
    let c = Court::new();
    let note = fs::read_to_string(c.paths().checkpoint_at(5)).unwrap();
    let text = &note[..note.find("\n\n").unwrap() + 1];
    let line = c.witness.cosignature_line(text, 4_102_444_800); // 2100-01-01
    let reply: &'static str = Box::leak(
        format!("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n{line}").into_boxed_str(),
    );
    FUTURE_REPLY.set(reply).unwrap();
    let url = hostile(|mut s| {
        let _ = s.write_all(FUTURE_REPLY.get().unwrap().as_bytes());
    });
    seal_survives(
        &c,
        &url,
        "its cosignature is dated 2100-01-01T00:00:00Z (POSIX seconds 4102444800), after now",
    );
}

static FUTURE_REPLY: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// A trusted witness's cosignature dated in 2100 would be an outside time
/// saying size 5 existed "by" 2100: harmless alone, but then a stated time
/// of now... is not what it claims. Worse, as the latest outside time it
/// would make every later event look backdated. It is refused as dated
/// after the time of verification, like a token from the future.
#[test]
fn a_cosignature_dated_in_2100_is_no_outside_time_and_no_quorum() {
    let c = Court::new();
    c.trust(Some("http://127.0.0.1:1"));
    c.cosign(5, 4_102_444_800); // 2100-01-01T00:00:00Z
    let stated = time::OffsetDateTime::now_utc();
    let line = enter_backdated_event(c.tmp.path(), &c.p("s"), ORIGIN, stated);
    assert_eq!(line, 6);
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    assert!(findings_of(&r, "event.backdated").is_empty(), "{r}");
    let bad = findings_of(&r, "witness.bad_cosignature");
    assert_eq!(bad.len(), 1, "{r}");
    assert_eq!(bad[0]["location"], "courtseal/cosigned/5.note");
    let m = bad[0]["message"].as_str().unwrap();
    assert!(
        m.contains("is dated 2100-01-01T00:00:00Z, after the time of verification"),
        "{m}"
    );
    assert_eq!(findings_of(&r, "witness.quorum_not_met").len(), 1, "{r}");
    assert!(
        r["outside_times"].as_array().is_none_or(|a| a.is_empty()),
        "{r}"
    );
    // Dated now, the same cosignature counts.
    fs::remove_file(c.paths().dir.join("cosigned/5.note")).unwrap();
    c.cosign(5, time::OffsetDateTime::now_utc().unix_timestamp() as u64);
    let (_, r) = c.verify();
    assert!(findings_of(&r, "witness.bad_cosignature").is_empty(), "{r}");
    assert_eq!(r["outside_times"].as_array().unwrap().len(), 1, "{r}");
}

/// Frees a reader blocked on the FIFO at `path` (should one ever open it)
/// until `done`: opens it for writing without blocking, then closes it, so
/// that reader sees an empty file. A verify that waits on the FIFO then
/// ends with the wrong finding instead of hanging the test.
fn unblock_readers(path: PathBuf, done: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::thread::spawn(move || {
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(200));
            let _ = fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&path);
        }
    });
}

fn mkfifo(path: &std::path::Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
}

/// An insider plants a FIFO among the cosigned checkpoints: verify must
/// not wait on it (it would hang an archive audit for ever), and the
/// cosignature kept beside it still counts.
#[test]
fn a_fifo_planted_among_the_cosigned_checkpoints_is_not_waited_on() {
    let c = Court::new();
    c.trust(Some("http://127.0.0.1:1"));
    c.cosign(5, time::OffsetDateTime::now_utc().unix_timestamp() as u64);
    let fifo = c.paths().dir.join("cosigned/7.note");
    mkfifo(&fifo);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    unblock_readers(fifo, done.clone());
    let (_, r) = c.verify();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let bad = findings_of(&r, "witness.malformed");
    assert_eq!(bad.len(), 1, "{r}");
    assert_eq!(bad[0]["location"], "courtseal/cosigned/7.note");
    assert_eq!(
        bad[0]["message"],
        "not a regular file (a link, FIFO or folder is never read); ignored"
    );
    assert_eq!(r["outside_times"].as_array().unwrap().len(), 1, "{r}");
    assert!(findings_of(&r, "witness.quorum_not_met").is_empty(), "{r}");
}

/// An insider replaces the cosigned folder by a link to a folder outside
/// the session holding a valid cosignature: nothing is read through the
/// link, so nothing outside the session vouches for it.
#[test]
fn a_cosigned_folder_linked_to_outside_the_session_is_not_read_through() {
    let c = Court::new();
    c.trust(Some("http://127.0.0.1:1"));
    c.cosign(5, time::OffsetDateTime::now_utc().unix_timestamp() as u64);
    let dir = c.paths().dir.join("cosigned");
    fs::rename(&dir, c.p("elsewhere")).unwrap();
    std::os::unix::fs::symlink(c.p("elsewhere"), &dir).unwrap();
    let (code, r) = c.verify();
    assert_eq!(code, 1, "{r}");
    let bad = findings_of(&r, "witness.malformed");
    assert_eq!(bad.len(), 1, "{r}");
    assert_eq!(bad[0]["location"], "courtseal/cosigned");
    assert!(
        bad[0]["message"]
            .as_str()
            .unwrap()
            .contains("a link is never followed"),
        "{r}"
    );
    assert!(
        r["outside_times"].as_array().is_none_or(|a| a.is_empty()),
        "{r}"
    );
    assert_eq!(findings_of(&r, "witness.quorum_not_met").len(), 1, "{r}");
}

/// An insider moves the kept checkpoints out of the session and leaves a
/// link: verify reads none of them through it and says so; the session's
/// latest checkpoint, inside, is still checked.
#[test]
fn a_checkpoints_folder_linked_to_outside_the_session_is_not_read_through() {
    let c = Court::new();
    let dir = c.paths().checkpoints;
    fs::rename(&dir, c.p("kept-elsewhere")).unwrap();
    std::os::unix::fs::symlink(c.p("kept-elsewhere"), &dir).unwrap();
    let (_, r) = c.verify();
    let bad = findings_of(&r, "checkpoint.malformed");
    assert_eq!(bad.len(), 1, "{r}");
    assert_eq!(bad[0]["location"], "courtseal/checkpoints");
    let files: Vec<&str> = r["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["courtseal/checkpoint"], "{r}");
}

/// An insider hides a file among the kept checkpoints under a name that
/// is not UTF-8, and plants a second file under the name it shows as: the
/// hidden one is named and never opened, and the decoy is not read in its
/// place as if it were the hidden one.
#[test]
fn a_file_in_checkpoints_named_in_bytes_that_are_not_utf8_is_named_and_never_opened() {
    use std::os::unix::ffi::OsStrExt as _;
    let c = Court::new();
    let dir = c.paths().checkpoints;
    fs::copy(
        dir.join("5"),
        dir.join(std::ffi::OsStr::from_bytes(b"5\xff")),
    )
    .unwrap();
    let (_, r) = c.verify();
    let bad = findings_of(&r, "checkpoint.malformed");
    assert_eq!(bad.len(), 1, "{r}");
    assert_eq!(bad[0]["location"], "courtseal/checkpoints/5\u{FFFD}");
    assert!(
        bad[0]["message"]
            .as_str()
            .unwrap()
            .contains("whose name is not UTF-8"),
        "{r}"
    );
    // The genuine checkpoints still verify; the hidden copy adds nothing.
    assert_eq!(r["verified_size"], 5, "{r}");
}
