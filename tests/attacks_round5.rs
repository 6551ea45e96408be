//! Round 5 of attacks: an insider who can write the session (or archive)
//! folder, against the readers that once reached files by path: `proof`,
//! `compare`, `series`, `audit` and verify's own hashing. Each test is
//! named after the attack; every file must be reached through the session's
//! door (no link followed on the way or as the file, no FIFO opened, no
//! file read past its limit).

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{copy_sample, demo_key, run, sample, vkey};
use serde_json::Value;

const ORIGIN: &str = "courtroom5/2026-11-20";

struct Fx {
    tmp: tempfile::TempDir,
}

impl Fx {
    /// The demo keys and a trust file naming the recorder.
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        demo_key(tmp.path(), "demo-recorder");
        fs::write(
            tmp.path().join("trust.txt"),
            format!("recorder {}\n", vkey("demo-recorder")),
        )
        .unwrap();
        Fx { tmp }
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        run(self.tmp.path(), args)
    }
    /// A copy of the sample session at `rel`, sealed (with `extra`).
    fn sealed(&self, rel: &str, extra: &[&str]) {
        copy_sample(&self.p(rel), &[]);
        let mut args = vec![
            "seal",
            rel,
            "--key",
            "demo-recorder.key",
            "--origin",
            ORIGIN,
            "--no-silence",
        ];
        args.extend_from_slice(extra);
        let (code, _, err) = self.cs(&args);
        assert_eq!(code, 0, "{err}");
    }
    fn proof(&self, session: &str) -> (i32, String, String) {
        self.cs(&[
            "proof",
            session,
            "seg-0002.m4a",
            "--trust",
            "trust.txt",
            "-o",
            "seg.tlog-proof",
        ])
    }
}

/// Frees a reader blocked on the FIFO at `path` until `done` (so that a
/// reader that waits on it ends with the wrong result instead of hanging
/// the test).
fn unblock_readers(path: PathBuf, done: Arc<AtomicBool>) {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::thread::spawn(move || {
        while !done.load(Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(200));
            let _ = fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&path);
        }
    });
}

fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
}

/// The tool's folder moved out of the session and a link left in its place,
/// to the folder of another sealed session: `proof` must not make a proof
/// from the log and checkpoint it would find through the link.
#[test]
fn proof_with_the_tool_folder_linked_to_another_sealed_session_reads_nothing_through_it() {
    let fx = Fx::new();
    fx.sealed("s", &[]);
    fx.sealed("other", &[]);
    fs::remove_dir_all(fx.p("s/courtseal")).unwrap();
    symlink(fx.p("other/courtseal"), fx.p("s/courtseal")).unwrap();
    let (code, out, err) = fx.proof("s");
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("courtseal/log.jsonl: not a regular file inside the session"),
        "{err}"
    );
    assert!(!fx.p("seg.tlog-proof").exists());
}

/// A FIFO planted as the latest checkpoint: `proof` must refuse it at once,
/// never wait for a writer.
#[test]
fn proof_with_a_fifo_as_the_latest_checkpoint_is_not_waited_on() {
    let fx = Fx::new();
    fx.sealed("s", &[]);
    let cp = fx.p("s/courtseal/checkpoint");
    fs::remove_file(&cp).unwrap();
    mkfifo(&cp);
    let done = Arc::new(AtomicBool::new(false));
    unblock_readers(cp, done.clone());
    let (code, out, err) = fx.proof("s");
    done.store(true, Ordering::SeqCst);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("courtseal/checkpoint: not a regular file inside the session"),
        "{err}"
    );
}

/// A latest checkpoint of 2 MiB (a real one is under a kilobyte): refused
/// by its size, never read into memory.
#[test]
fn proof_with_a_checkpoint_larger_than_any_is_refused_unread() {
    let fx = Fx::new();
    fx.sealed("s", &[]);
    let cp = fx.p("s/courtseal/checkpoint");
    let mut big = fs::read(&cp).unwrap();
    big.resize(2 << 20, b'\n');
    fs::write(&cp, big).unwrap();
    let (code, out, err) = fx.proof("s");
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("courtseal/checkpoint: larger than 1048576 bytes"),
        "{err}"
    );
}

/// The packet-window folder moved outside the session and a link left: the
/// proof's windows must not be read through it (they would be whatever the
/// insider keeps there).
#[test]
fn proof_with_the_windows_folder_linked_to_outside_takes_no_windows_from_there() {
    let fx = Fx::new();
    fx.sealed("s", &[]);
    fs::rename(fx.p("s/courtseal/windows"), fx.p("kept-windows")).unwrap();
    symlink(fx.p("kept-windows"), fx.p("s/courtseal/windows")).unwrap();
    let (code, out, err) = fx.proof("s");
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("not a regular file inside the session; cannot read the packet-window file"),
        "{err}"
    );
    assert!(!fx.p("seg.tlog-proof").exists());
    assert!(!fx.p("seg.windows.jsonl").exists());
}

/// A sealed segment replaced by a link to a recording outside the session:
/// `compare` must not decode it as part of the official recording.
#[test]
fn compare_does_not_decode_a_segment_replaced_by_a_link_to_a_recording_outside() {
    let fx = Fx::new();
    fx.sealed("s", &[]);
    fs::rename(fx.p("s/seg-0002.m4a"), fx.p("outside.m4a")).unwrap();
    symlink(fx.p("outside.m4a"), fx.p("s/seg-0002.m4a")).unwrap();
    fs::write(fx.p("dictaphone.m4a"), sample("seg-0001.m4a")).unwrap();
    let (code, out, err) = fx.cs(&[
        "compare",
        "s",
        "dictaphone.m4a",
        "--trust",
        "trust.txt",
        "--json",
    ]);
    assert!(code == 0 || code == 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let official: Vec<&str> = v["official"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        official,
        ["seg-0001.m4a", "seg-0003.mp4", "seg-0004.m4a"],
        "{v:#}"
    );
}

/// A folder of the recording replaced by a link to a folder outside holding
/// a file: verify lists the link, never hashes what is behind it.
#[test]
fn verify_does_not_hash_through_a_recording_folder_linked_to_outside() {
    let fx = Fx::new();
    fx.sealed("s", &[]);
    fs::create_dir(fx.p("outside")).unwrap();
    fs::write(fx.p("outside/extra.m4a"), sample("seg-0001.m4a")).unwrap();
    symlink(fx.p("outside"), fx.p("s/cam2")).unwrap();
    let (code, out, err) = fx.cs(&["verify", "s", "--trust", "trust.txt", "--json"]);
    assert!(code == 0 || code == 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"].as_str().unwrap().starts_with("cam2"))
        .map(|f| (f["code"].as_str().unwrap(), f["location"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [("segment.symlink", "cam2")], "{v:#}");
}

/// The first session of a series moved away with its tool folder left as a
/// link to where it went: `series` must not read that session's log and
/// checkpoints through the link and call the chain intact.
#[test]
fn series_does_not_read_a_session_through_its_linked_tool_folder() {
    let fx = Fx::new();
    fx.sealed("series/1", &[]);
    copy_sample(&fx.p("series/2"), &[]);
    let (code, _, err) = fx.cs(&[
        "seal",
        "series/2",
        "--key",
        "demo-recorder.key",
        "--origin",
        "court.example/2",
        "--series",
        "series",
        "--no-silence",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = fx.cs(&["series", "series"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("follows 1"), "{out}");
    fs::rename(fx.p("series/1/courtseal"), fx.p("moved-courtseal")).unwrap();
    symlink(fx.p("moved-courtseal"), fx.p("series/1/courtseal")).unwrap();
    let (code, out, err) = fx.cs(&["series", "series", "--json"]);
    assert_eq!(code, 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let folders: Vec<&str> = v["report"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["folder"].as_str().unwrap())
        .collect();
    assert_eq!(folders, ["2"], "{v:#}");
}

/// FIFOs planted in an archive, at its top and as a session's record: the
/// audit reads neither (it would hang for ever) and says what it could not
/// read.
#[test]
fn audit_does_not_wait_on_a_fifo_in_the_archive_or_as_a_record() {
    let fx = Fx::new();
    fx.sealed("archive/a", &[]);
    fx.sealed("archive/b", &[]);
    mkfifo(&fx.p("archive/pipe"));
    fs::remove_file(fx.p("archive/b/record.toml")).unwrap();
    mkfifo(&fx.p("archive/b/record.toml"));
    let done = Arc::new(AtomicBool::new(false));
    unblock_readers(fx.p("archive/pipe"), done.clone());
    unblock_readers(fx.p("archive/b/record.toml"), done.clone());
    let (code, out, err) = fx.cs(&[
        "audit",
        "archive",
        "--trust",
        "trust.txt",
        "--today",
        "2026-11-25",
        "--json",
    ]);
    done.store(true, Ordering::SeqCst);
    assert_eq!(code, 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let sessions: Vec<&str> = v["report"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session"].as_str().unwrap())
        .collect();
    assert_eq!(sessions, ["a", "b"], "{v:#}");
    let b = &v["report"]["sessions"][1];
    let record: Vec<&str> = b["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "record.invalid")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(record.len(), 1, "{b:#}");
    assert!(
        record[0].ends_with("record.toml: the short-form record is not a regular file"),
        "{b:#}"
    );
}

/// A session folder whose name is not UTF-8, in an archive: it cannot be
/// opened by the name shown, so the audit names it as not audited rather
/// than pass over it or audit another folder under the lossy name.
#[test]
fn audit_names_a_session_folder_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt as _;
    let fx = Fx::new();
    fx.sealed("archive/a", &[]);
    let raw = fx.p("archive").join(std::ffi::OsStr::from_bytes(b"b\xff"));
    fs::rename(fx.p("archive/a"), &raw).unwrap();
    fx.sealed("archive/a", &[]);
    let (code, out, err) = fx.cs(&[
        "audit",
        "archive",
        "--trust",
        "trust.txt",
        "--today",
        "2026-11-25",
        "--json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(&str, String)> = v["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap(),
                f["location"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("archive.unreadable", "archive/b\u{FFFD}".to_owned())],
        "{v:#}"
    );
    assert_eq!(v["report"]["sessions"].as_array().unwrap().len(), 1);
}
