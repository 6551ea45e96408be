//! End-to-end tests of the `courtseal` command on real folders.
//!
//! Every test works on a copy of the sample session in its own temporary
//! folder, with the demo keys copied next to it (git does not keep mode 0600,
//! so the private keys are chmod'ed 0600 in the copy, never in the repo).
//! Tampering tests build real tampered files and assert the exact set of
//! `(code, location)` findings of `--json` output, and the exit code
//! (0 clean, 1 error findings, 2 operational failure).

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use base64::Engine as _;
use serde_json::Value;
use tempfile::TempDir;

use courtseal::checkpoint::Checkpoint;
use courtseal::digest::Sha256Digest;
use courtseal::keys::load_signer;
use courtseal::note::NoteSigner;
use courtseal::session::Log;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/samples/session-2026-11-20-courtroom5"
);
const REPO_KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/keys");
const SESSION_NAME: &str = "session-2026-11-20-courtroom5";
const ORIGIN: &str = "court.example/district2/courtroom5/2026-11-20";
const LOG: &str = "courtseal/log.jsonl";
const SEGMENTS: [&str; 4] = [
    "seg-0001.m4a",
    "seg-0002.m4a",
    "seg-0003.mp4",
    "seg-0004.m4a",
];

// ---------------------------------------------------------------- helpers

/// The result of one run of the command.
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `courtseal ARGS`; no run may ever panic.
fn courtseal<I, S>(args: I) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::cargo_bin("courtseal")
        .expect("binary built")
        .args(args)
        .output()
        .expect("runs");
    let o = Out {
        code: out.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !o.stderr.contains("panicked"),
        "the command panicked:\n{}",
        o.stderr
    );
    o
}

/// Sorted `(code, location)` pairs of a JSON report's findings.
fn findings(v: &Value) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    f.sort();
    f
}

#[track_caller]
fn assert_findings(v: &Value, expected: &[(&str, &str)]) {
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(c, l)| ((*c).to_owned(), (*l).to_owned()))
        .collect();
    want.sort();
    assert_eq!(
        findings(v),
        want,
        "full report:\n{}",
        serde_json::to_string_pretty(v).unwrap()
    );
}

fn segment_states(v: &Value) -> Vec<(String, String)> {
    let mut s: Vec<(String, String)> = v["segments"]
        .as_array()
        .expect("segments array")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    s.sort();
    s
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Flips every bit of the byte in the middle of a file (same size).
fn flip_middle_byte(path: &Path) {
    let mut b = fs::read(path).unwrap();
    let i = b.len() / 2;
    b[i] ^= 0xff;
    fs::write(path, b).unwrap();
}

/// The lines of a file, each with its newline.
fn lines_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Byte equality with a readable failure message (lengths and text, not byte lists).
#[track_caller]
fn assert_bytes_eq(got: &[u8], want: &[u8], what: &str) {
    if got != want {
        panic!(
            "{what}\n got {} bytes:\n{}\nwant {} bytes:\n{}",
            got.len(),
            String::from_utf8_lossy(got),
            want.len(),
            String::from_utf8_lossy(want)
        );
    }
}

/// Runs an external program that the test needs (never skipped).
fn run_tool(program: &str, args: &[&OsStr]) -> std::process::Output {
    std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is required by this test and could not be run: {e}"))
}

/// A temporary copy of the sample session and of the demo keys.
struct Fx {
    tmp: TempDir,
    session: PathBuf,
    keys: PathBuf,
}

impl Fx {
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let session = tmp.path().join(SESSION_NAME);
        copy_dir(Path::new(SAMPLE), &session);
        let keys = tmp.path().join("keys");
        copy_dir(Path::new(REPO_KEYS), &keys);
        for k in ["demo-recorder.key", "demo-secretary.key"] {
            chmod(&keys.join(k), 0o600);
        }
        Fx { tmp, session, keys }
    }

    /// A fresh copy, sealed once with the recorder key.
    fn sealed() -> Fx {
        let fx = Fx::new();
        let o = fx.seal();
        assert_eq!(o.code, 0, "seal failed:\n{}\n{}", o.stdout, o.stderr);
        fx
    }

    fn key(&self, file: &str) -> PathBuf {
        self.keys.join(file)
    }

    /// The trusted recorder key used by most tests (its `.vkey`, whose base64
    /// holds '+': see `verify_trusts_recorder_vkey_file`).
    fn trust(&self) -> PathBuf {
        self.key("demo-recorder.vkey")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.session.join(rel)
    }

    fn seal(&self) -> Out {
        courtseal([
            OsStr::new("seal"),
            self.session.as_os_str(),
            OsStr::new("--key"),
            self.key("demo-recorder.key").as_os_str(),
            OsStr::new("--origin"),
            OsStr::new(ORIGIN),
        ])
    }

    fn seal_json(&self) -> Out {
        courtseal([
            OsStr::new("seal"),
            self.session.as_os_str(),
            OsStr::new("--key"),
            self.key("demo-recorder.key").as_os_str(),
            OsStr::new("--json"),
        ])
    }

    fn verify_with(&self, trust: &Path) -> Out {
        courtseal([
            OsStr::new("verify"),
            self.session.as_os_str(),
            OsStr::new("--trust"),
            trust.as_os_str(),
            OsStr::new("--json"),
        ])
    }

    /// `verify --json` with the recorder key; returns exit code and report.
    fn verify(&self) -> (i32, Value) {
        let o = self.verify_with(&self.trust());
        assert!(
            o.code == 0 || o.code == 1,
            "verify exit {}:\n{}",
            o.code,
            o.stderr
        );
        (o.code, o.json())
    }

    fn verify_text(&self) -> Out {
        courtseal([
            OsStr::new("verify"),
            self.session.as_os_str(),
            OsStr::new("--trust"),
            self.trust().as_os_str(),
        ])
    }

    /// Writes a proof of `segment` into the temp folder.
    fn proof(&self, segment: &str) -> PathBuf {
        let out = self.tmp.path().join(format!("{segment}.tlog-proof"));
        let trust = self.trust();
        let o = courtseal([
            OsStr::new("proof"),
            self.session.as_os_str(),
            OsStr::new(segment),
            OsStr::new("--trust"),
            trust.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ]);
        assert_eq!(o.code, 0, "proof failed: {}", o.stderr);
        out
    }

    fn verify_file(&self, media: &Path, proof: &Path, extra: &[&str]) -> Out {
        let mut args: Vec<&OsStr> = vec![
            OsStr::new("verify-file"),
            media.as_os_str(),
            OsStr::new("--proof"),
            proof.as_os_str(),
            OsStr::new("--trust"),
        ];
        let trust = self.trust();
        args.push(trust.as_os_str());
        args.extend(extra.iter().map(OsStr::new));
        args.push(OsStr::new("--json"));
        courtseal(args)
    }
}

// ------------------------------------------------------------ clean / seal

/// A freshly sealed sample session must verify with no finding at all.
#[test]
fn clean_session_seals_and_verifies() {
    let fx = Fx::sealed();
    let (code, v) = fx.verify();
    assert_eq!(code, 0);
    assert_findings(&v, &[]);
    assert_eq!(v["verified"], true);
    assert_eq!(v["entries"], 5);
    assert_eq!(v["verified_size"], 5);
    assert_eq!(v["origin"], ORIGIN);
    let want: Vec<(String, String)> = SEGMENTS
        .iter()
        .map(|s| ((*s).to_owned(), "ok".to_owned()))
        .collect();
    assert_eq!(segment_states(&v), want);
    let t = fx.verify_text();
    assert_eq!(t.code, 0);
    assert!(t.stdout.contains("Result: BYTES VERIFIED"), "{}", t.stdout);
}

/// Sealing is append-only: a re-seal adds only the new file, a new kept
/// checkpoint, and leaves every earlier byte of log and checkpoints alone.
#[test]
fn reseal_appends_only_new_file_and_keeps_history() {
    let fx = Fx::sealed();
    let log_before = fs::read(fx.path(LOG)).unwrap();
    let cp5_before = fs::read(fx.path("courtseal/checkpoints/5")).unwrap();
    let mut new = fs::read(fx.path("seg-0001.m4a")).unwrap();
    new.reverse();
    fs::write(fx.path("seg-0005.m4a"), &new).unwrap();

    let o = fx.seal_json();
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = o.json();
    assert_eq!(v["created"], false);
    let sealed: Vec<(&str, u64)> = v["sealed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["seq"].as_u64().unwrap()))
        .collect();
    assert_eq!(sealed, vec![("seg-0005.m4a", 5)]);
    assert_eq!(v["checkpoint_size"], 6);
    assert_eq!(v["size"], 6);
    // Reversed bytes are not media: sealed by its bytes, with the reason.
    assert_findings(&v, &[("media.unreadable", "seg-0005.m4a")]);

    assert!(fx.path("courtseal/checkpoints/6").is_file());
    assert_eq!(
        fs::read(fx.path("courtseal/checkpoints/5")).unwrap(),
        cp5_before
    );
    assert_eq!(
        fs::read(fx.path("courtseal/checkpoint")).unwrap(),
        fs::read(fx.path("courtseal/checkpoints/6")).unwrap()
    );
    let log_after = fs::read(fx.path(LOG)).unwrap();
    let (before, after) = (lines_of(&log_before), lines_of(&log_after));
    assert_eq!(before.len(), 5);
    assert_eq!(after.len(), 6);
    assert_bytes_eq(
        &after[..5].concat(),
        &before.concat(),
        "the first 5 log lines must be unchanged byte-for-byte",
    );

    let (code, v) = fx.verify();
    assert_eq!(code, 0);
    assert_findings(&v, &[]);
    assert_eq!(v["verified_size"], 6);
    assert_eq!(
        segment_states(&v).iter().filter(|(_, s)| s == "ok").count(),
        5
    );
}

/// Re-sealing with nothing new must neither append nor sign anything.
#[test]
fn reseal_with_nothing_new_writes_nothing() {
    let fx = Fx::sealed();
    let list = |fx: &Fx| {
        let mut n: Vec<_> = fs::read_dir(fx.path("courtseal/checkpoints"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        n.sort();
        n
    };
    let (log, cp, kept) = (
        fs::read(fx.path(LOG)).unwrap(),
        fs::read(fx.path("courtseal/checkpoint")).unwrap(),
        list(&fx),
    );
    let o = fx.seal();
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("Nothing new to seal"), "{}", o.stdout);
    assert_eq!(list(&fx), kept);
    assert_bytes_eq(
        &fs::read(fx.path(LOG)).unwrap(),
        &log,
        "re-seal with nothing new changed the log",
    );
    assert_eq!(fs::read(fx.path("courtseal/checkpoint")).unwrap(), cp);
}

/// An empty session is a valid session: header only, checkpoint of size 1.
#[test]
fn empty_session_seals_header_only_and_verifies() {
    let fx = Fx::new();
    let empty = fx.tmp.path().join("empty-session");
    fs::create_dir(&empty).unwrap();
    let o = courtseal([
        OsStr::new("seal"),
        empty.as_os_str(),
        OsStr::new("--key"),
        fx.key("demo-recorder.key").as_os_str(),
        OsStr::new("--origin"),
        OsStr::new(ORIGIN),
        OsStr::new("--json"),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = o.json();
    assert_eq!(v["checkpoint_size"], 1);
    assert_eq!(v["sealed"].as_array().unwrap().len(), 0);
    let log = fs::read(empty.join(LOG)).unwrap();
    assert_eq!(lines_of(&log).len(), 1);
    assert!(log.starts_with(br#"{"v":1,"kind":"session""#));
    assert!(empty.join("courtseal/checkpoints/1").is_file());
    let o = courtseal([
        OsStr::new("verify"),
        empty.as_os_str(),
        OsStr::new("--trust"),
        fx.trust().as_os_str(),
        OsStr::new("--json"),
    ]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    assert_findings(&o.json(), &[]);
}

// ------------------------------------------------------- segment findings

/// One flipped byte in the middle of a sealed file (same size) is caught.
#[test]
fn segment_changed_one_byte_same_size() {
    let fx = Fx::sealed();
    flip_middle_byte(&fx.path("seg-0002.m4a"));
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    // The packet windows place the edit in the recording (tests/media.rs
    // checks the exact time range).
    assert_findings(
        &v,
        &[
            ("segment.changed", "seg-0002.m4a"),
            ("segment.content_edited", "seg-0002.m4a"),
        ],
    );
    assert!(segment_states(&v).contains(&("seg-0002.m4a".into(), "changed".into())));
}

/// A deleted sealed file is reported missing, nothing else.
#[test]
fn segment_missing_after_delete() {
    let fx = Fx::sealed();
    fs::remove_file(fx.path("seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(&v, &[("segment.missing", "seg-0003.mp4")]);
}

/// A renamed sealed file is reported once as moved (not missing + unsealed).
#[test]
fn segment_moved_after_rename() {
    let fx = Fx::sealed();
    fs::rename(fx.path("seg-0002.m4a"), fx.path("renamed.m4a")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(&v, &[("segment.moved", "seg-0002.m4a")]);
}

/// Swapping two sealed files' contents: each holds the other's bytes.
#[test]
fn segment_moved_when_two_files_swapped() {
    let fx = Fx::sealed();
    let (a, b) = (fx.path("seg-0001.m4a"), fx.path("seg-0004.m4a"));
    let (ba, bb) = (fs::read(&a).unwrap(), fs::read(&b).unwrap());
    fs::write(&a, bb).unwrap();
    fs::write(&b, ba).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(
        &v,
        &[
            ("segment.moved", "seg-0001.m4a"),
            ("segment.moved", "seg-0004.m4a"),
        ],
    );
}

/// A file added after sealing is reported unsealed.
#[test]
fn segment_unsealed_new_file() {
    let fx = Fx::sealed();
    fs::write(fx.path("seg-0005.m4a"), b"recorded after the seal").unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(&v, &[("segment.unsealed", "seg-0005.m4a")]);
}

/// A symlink inside the session is a warning only (exit 0) and is never
/// followed: neither /etc/passwd nor a link to a copy of sealed bytes is read.
#[test]
fn segment_symlink_is_warning_and_not_followed() {
    let fx = Fx::sealed();
    std::os::unix::fs::symlink("/etc/passwd", fx.path("passwd.m4a")).unwrap();
    // If verify followed links, this one would show up as a copy of seg-0001.
    let outside = fx.tmp.path().join("outside-copy.m4a");
    fs::copy(fx.path("seg-0001.m4a"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, fx.path("copy.m4a")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 0);
    assert_findings(
        &v,
        &[
            ("segment.symlink", "copy.m4a"),
            ("segment.symlink", "passwd.m4a"),
        ],
    );
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["severity"] == "warning"));
    let want: Vec<(String, String)> = SEGMENTS
        .iter()
        .map(|s| ((*s).to_owned(), "ok".to_owned()))
        .collect();
    assert_eq!(
        segment_states(&v),
        want,
        "links must not be listed as segments"
    );
    assert_eq!(v["verified"], true);
}

/// A non-UTF-8 file name cannot be sealed: seal skips and reports it, and
/// verify reports it too; the other segments are sealed normally.
#[test]
fn segment_bad_name_non_utf8() {
    let fx = Fx::new();
    let bad = fx.session.join(OsStr::from_bytes(b"seg-\xff.m4a"));
    fs::write(&bad, b"bytes under a name that is not UTF-8").unwrap();
    let shown = "seg-\u{FFFD}.m4a";
    let o = courtseal([
        OsStr::new("seal"),
        fx.session.as_os_str(),
        OsStr::new("--key"),
        fx.key("demo-recorder.key").as_os_str(),
        OsStr::new("--origin"),
        OsStr::new(ORIGIN),
        OsStr::new("--json"),
    ]);
    assert_eq!(o.code, 1, "a skipped file is an error finding of the seal");
    let v = o.json();
    assert_findings(&v, &[("segment.bad_name", shown)]);
    let sealed: Vec<&str> = v["sealed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(sealed, SEGMENTS);
    assert_eq!(v["checkpoint_size"], 5);
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(&v, &[("segment.bad_name", shown)]);
}

// ----------------------------------------------------------- log findings

/// A folder that was never sealed: no log, and every file is unsealed.
#[test]
fn log_missing_on_unsealed_folder() {
    let fx = Fx::new();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    let mut want = vec![("log.missing", LOG)];
    want.extend(SEGMENTS.iter().map(|s| ("segment.unsealed", *s)));
    assert_findings(&v, &want);
    assert_eq!(v["entries"], 0);
}

/// Garbled JSON in a middle line: the line is corrupt, the signed roots no
/// longer match (log.rewritten on both checkpoints, so nothing is covered),
/// and no file is vouched for by a log no trusted checkpoint covers.
#[test]
fn log_corrupt_line_in_the_middle() {
    let fx = Fx::sealed();
    let log = fs::read_to_string(fx.path(LOG)).unwrap();
    let mut lines: Vec<String> = log.lines().map(str::to_owned).collect();
    assert!(lines[2].contains(r#""name":"seg-0002.m4a""#));
    lines[2] = lines[2].replacen(r#""kind":"segment""#, r#""kind"!"segment""#, 1);
    fs::write(fx.path(LOG), lines.join("\n") + "\n").unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(
        &v,
        &[
            ("log.corrupt", "courtseal/log.jsonl:3"),
            ("log.rewritten", "courtseal/checkpoint"),
            ("log.rewritten", "courtseal/checkpoints/5"),
            ("log.unsigned_entries", "courtseal/log.jsonl:1"),
            ("segment.unsealed", "seg-0001.m4a"),
            ("segment.unsealed", "seg-0002.m4a"),
            ("segment.unsealed", "seg-0003.mp4"),
            ("segment.unsealed", "seg-0004.m4a"),
        ],
    );
    assert_eq!(v["verified_size"], 0);
}

/// Bytes after the last newline (an interrupted write) are a torn tail.
#[test]
fn log_torn_tail() {
    let fx = Fx::sealed();
    let mut log = fs::read(fx.path(LOG)).unwrap();
    log.extend_from_slice(br#"{"v":1,"kind":"segm"#);
    fs::write(fx.path(LOG), log).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(&v, &[("log.torn_tail", "courtseal/log.jsonl:6")]);
}

/// A valid entry appended without a checkpoint is not covered by any signature.
#[test]
fn log_unsigned_entries_after_append_without_checkpoint() {
    let fx = Fx::sealed();
    let data = b"a segment slipped in without a checkpoint".to_vec();
    fs::write(fx.path("seg-0005.m4a"), &data).unwrap();
    let line = format!(
        r#"{{"v":1,"kind":"segment","seq":5,"name":"seg-0005.m4a","size":{},"sha256":"{}","sealed_at":"2026-11-20T04:01:00.000Z"}}"#,
        data.len(),
        Sha256Digest::of(&data).to_hex()
    );
    let mut log = fs::read(fx.path(LOG)).unwrap();
    log.extend_from_slice(line.as_bytes());
    log.push(b'\n');
    fs::write(fx.path(LOG), log).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    // The signed prefix still verifies; the unsigned line proves nothing, so
    // the file it names counts as unsealed.
    assert_findings(
        &v,
        &[
            ("log.unsigned_entries", "courtseal/log.jsonl:6"),
            ("segment.unsealed", "seg-0005.m4a"),
        ],
    );
    assert_eq!(v["entries"], 6);
    assert_eq!(v["verified_size"], 5);
}

/// An attacker who edits both a file and its log line: the file matches the
/// log (no segment.changed), but the log no longer matches its signatures,
/// so no entry is proven and no file is vouched for (not even the edited one).
#[test]
fn log_rewritten_when_file_and_log_both_edited() {
    let fx = Fx::sealed();
    let seg = fx.path("seg-0002.m4a");
    let old = Sha256Digest::of(&fs::read(&seg).unwrap()).to_hex();
    flip_middle_byte(&seg);
    let new = Sha256Digest::of(&fs::read(&seg).unwrap()).to_hex();
    let log = fs::read_to_string(fx.path(LOG)).unwrap();
    assert_eq!(log.matches(&old).count(), 1);
    fs::write(fx.path(LOG), log.replace(&old, &new)).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(
        &v,
        &[
            ("log.rewritten", "courtseal/checkpoint"),
            ("log.rewritten", "courtseal/checkpoints/5"),
            ("log.unsigned_entries", "courtseal/log.jsonl:1"),
            ("segment.unsealed", "seg-0001.m4a"),
            ("segment.unsealed", "seg-0002.m4a"),
            ("segment.unsealed", "seg-0003.mp4"),
            ("segment.unsealed", "seg-0004.m4a"),
        ],
    );
    assert!(segment_states(&v).contains(&("seg-0002.m4a".into(), "unsealed".into())));
}

// ---------------------------------------------------- checkpoint findings

/// Deleting the latest checkpoint is reported; the kept one still covers the log.
#[test]
fn checkpoint_missing_latest() {
    let fx = Fx::sealed();
    fs::remove_file(fx.path("courtseal/checkpoint")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(&v, &[("checkpoint.missing", "courtseal/checkpoint")]);
    assert_eq!(v["verified_size"], 5);
}

/// Trailing junk after the signature lines makes the note malformed.
#[test]
fn checkpoint_malformed_trailing_junk() {
    let fx = Fx::sealed();
    let mut cp = fs::read(fx.path("courtseal/checkpoint")).unwrap();
    cp.extend_from_slice(b"junk after the signatures\n");
    fs::write(fx.path("courtseal/checkpoint"), cp).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(&v, &[("checkpoint.malformed", "courtseal/checkpoint")]);
}

/// A changed root line under an unchanged signature is a bad signature.
#[test]
fn checkpoint_bad_signature_root_changed() {
    let fx = Fx::sealed();
    let p = fx.path("courtseal/checkpoints/5");
    let text = fs::read_to_string(&p).unwrap();
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let c = lines[2].remove(0);
    lines[2].insert(0, if c == 'A' { 'B' } else { 'A' });
    fs::write(&p, lines.join("\n")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(
        &v,
        &[("checkpoint.bad_signature", "courtseal/checkpoints/5")],
    );
}

/// Trusting only the other demo key: no checkpoint is trusted, nothing covered.
#[test]
fn checkpoint_untrusted_key() {
    let fx = Fx::sealed();
    let o = fx.verify_with(&fx.key("demo-secretary.vkey"));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_findings(
        &o.json(),
        &[
            ("checkpoint.untrusted_key", "courtseal/checkpoint"),
            ("checkpoint.untrusted_key", "courtseal/checkpoints/5"),
            ("log.unsigned_entries", "courtseal/log.jsonl:1"),
            ("segment.unsealed", "seg-0001.m4a"),
            ("segment.unsealed", "seg-0002.m4a"),
            ("segment.unsealed", "seg-0003.mp4"),
            ("segment.unsealed", "seg-0004.m4a"),
        ],
    );
}

/// A checkpoint properly signed by the recorder but for another origin.
#[test]
fn checkpoint_origin_mismatch() {
    let fx = Fx::sealed();
    let signer: NoteSigner = load_signer(&fx.key("demo-recorder.key")).unwrap();
    let root = Log::read(&fx.path(LOG)).unwrap().tree().root_at(3).unwrap();
    let cp = Checkpoint::new("court.example/some-other-session", 3, root);
    fs::write(
        fx.path("courtseal/checkpoints/3"),
        signer.sign(&cp.to_text()).unwrap(),
    )
    .unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(
        &v,
        &[("checkpoint.origin_mismatch", "courtseal/checkpoints/3")],
    );
}

/// Removing the last log line: the checkpoints cover more than the log holds.
#[test]
fn checkpoint_size_mismatch_after_last_line_removed() {
    let fx = Fx::sealed();
    let log = fs::read(fx.path(LOG)).unwrap();
    let lines = lines_of(&log);
    fs::write(fx.path(LOG), lines[..4].concat()).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(
        &v,
        &[
            ("checkpoint.size_mismatch", "courtseal/checkpoint"),
            ("checkpoint.size_mismatch", "courtseal/checkpoints/5"),
            ("log.unsigned_entries", "courtseal/log.jsonl:1"),
            ("segment.unsealed", "seg-0001.m4a"),
            ("segment.unsealed", "seg-0002.m4a"),
            ("segment.unsealed", "seg-0003.mp4"),
            ("segment.unsealed", "seg-0004.m4a"),
        ],
    );
}

/// A kept checkpoint whose file name is not its signed size.
#[test]
fn checkpoint_size_mismatch_file_named_for_another_size() {
    let fx = Fx::sealed();
    fs::rename(
        fx.path("courtseal/checkpoints/5"),
        fx.path("courtseal/checkpoints/4"),
    )
    .unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_findings(
        &v,
        &[("checkpoint.size_mismatch", "courtseal/checkpoints/4")],
    );
}

// ------------------------------------------------------ proof/verify-file

/// The offline path: proof for one segment, verify-file of that segment.
#[test]
fn proof_and_verify_file_happy_path() {
    let fx = Fx::sealed();
    let proof = fx.proof("seg-0003.mp4");
    let o = fx.verify_file(&fx.path("seg-0003.mp4"), &proof, &["--origin", ORIGIN]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let v = o.json();
    assert_findings(&v, &[]);
    assert_eq!(v["verified"], true);
    assert_eq!(v["origin"], ORIGIN);
    assert_eq!(v["tree_size"], 5);
    assert_eq!(v["entry"]["name"], "seg-0003.mp4");
}

/// A proof from another log than the one expected is refused.
#[test]
fn verify_file_origin_mismatch() {
    let fx = Fx::sealed();
    let proof = fx.proof("seg-0003.mp4");
    let o = fx.verify_file(
        &fx.path("seg-0003.mp4"),
        &proof,
        &["--origin", "court.example/another-log"],
    );
    assert_eq!(o.code, 1);
    assert_findings(
        &o.json(),
        &[("checkpoint.origin_mismatch", &proof.display().to_string())],
    );
}

/// A downloaded copy with one byte changed does not verify.
#[test]
fn verify_file_segment_changed() {
    let fx = Fx::sealed();
    let proof = fx.proof("seg-0002.m4a");
    let copy = fx.tmp.path().join("download.m4a");
    fs::copy(fx.path("seg-0002.m4a"), &copy).unwrap();
    flip_middle_byte(&copy);
    let o = fx.verify_file(&copy, &proof, &[]);
    assert_eq!(o.code, 1);
    // `proof` wrote the packet windows next to the proof, so the edit is
    // also placed in the recording.
    let at = copy.display().to_string();
    assert_findings(
        &o.json(),
        &[("segment.changed", &at), ("segment.content_edited", &at)],
    );
}

fn edit_proof(proof: &Path, f: impl FnOnce(String) -> String) {
    let t = fs::read_to_string(proof).unwrap();
    let n = f(t.clone());
    assert_ne!(n, t, "the edit must change the proof");
    fs::write(proof, n).unwrap();
}

/// A garbled proof header is a malformed proof.
#[test]
fn verify_file_proof_malformed_header() {
    let fx = Fx::sealed();
    let proof = fx.proof("seg-0002.m4a");
    edit_proof(&proof, |t| {
        t.replacen("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v9", 1)
    });
    let o = fx.verify_file(&fx.path("seg-0002.m4a"), &proof, &[]);
    assert_eq!(o.code, 1);
    assert_findings(
        &o.json(),
        &[("proof.malformed", &proof.display().to_string())],
    );
}

/// A proof without its extra (entry) line proves no file.
#[test]
fn verify_file_proof_no_entry() {
    let fx = Fx::sealed();
    let proof = fx.proof("seg-0002.m4a");
    edit_proof(&proof, |t| {
        t.lines()
            .filter(|l| !l.starts_with("extra "))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let o = fx.verify_file(&fx.path("seg-0002.m4a"), &proof, &[]);
    assert_eq!(o.code, 1);
    assert_findings(
        &o.json(),
        &[("proof.no_entry", &proof.display().to_string())],
    );
}

/// A changed index breaks the inclusion proof.
#[test]
fn verify_file_proof_not_included() {
    let fx = Fx::sealed();
    let proof = fx.proof("seg-0002.m4a");
    edit_proof(&proof, |t| t.replacen("\nindex 2\n", "\nindex 3\n", 1));
    let o = fx.verify_file(&fx.path("seg-0002.m4a"), &proof, &[]);
    assert_eq!(o.code, 1);
    assert_findings(
        &o.json(),
        &[("proof.not_included", &proof.display().to_string())],
    );
}

/// Asking for a proof of a segment that was never sealed is an operational error.
#[test]
fn proof_unknown_segment_exit_2() {
    let fx = Fx::sealed();
    let out = fx.tmp.path().join("nope.tlog-proof");
    let trust = fx.trust();
    let o = courtseal([
        OsStr::new("proof"),
        fx.session.as_os_str(),
        OsStr::new("no-such-segment.m4a"),
        OsStr::new("--trust"),
        trust.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("no-such-segment.m4a"), "{}", o.stderr);
    assert!(!out.exists());
}

// ------------------------------------------------------------------- keys

/// `keys generate`: private key 0600, and OpenSSL derives the same .pub.
#[test]
fn keys_generate_mode_0600_and_openssl_pub_matches() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k");
    let o = courtseal([
        OsStr::new("keys"),
        OsStr::new("generate"),
        OsStr::new("--name"),
        OsStr::new("court5"),
        OsStr::new("--out"),
        dir.as_os_str(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let key = dir.join("court5.key");
    assert_eq!(
        fs::metadata(&key).unwrap().permissions().mode() & 0o7777,
        0o600
    );
    assert!(dir.join("court5.vkey").is_file());
    let out = run_tool(
        "openssl",
        &[
            OsStr::new("pkey"),
            OsStr::new("-in"),
            key.as_os_str(),
            OsStr::new("-pubout"),
        ],
    );
    assert!(
        out.status.success(),
        "openssl cannot read the key: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, fs::read(dir.join("court5.pub")).unwrap());
}

/// A checkpoint signature made by courtseal is a plain Ed25519 signature
/// over the note text that OpenSSL verifies with the .pub file.
#[test]
fn keys_checkpoint_signature_verifies_with_openssl() {
    let fx = Fx::new();
    let dir = fx.tmp.path().join("k");
    let o = courtseal([
        OsStr::new("keys"),
        OsStr::new("generate"),
        OsStr::new("--name"),
        OsStr::new("court5"),
        OsStr::new("--out"),
        dir.as_os_str(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = courtseal([
        OsStr::new("seal"),
        fx.session.as_os_str(),
        OsStr::new("--key"),
        dir.join("court5.key").as_os_str(),
        OsStr::new("--origin"),
        OsStr::new(ORIGIN),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let note = fs::read_to_string(fx.path("courtseal/checkpoint")).unwrap();
    let blank = note.rfind("\n\n").expect("blank line before signatures");
    let text = &note[..blank + 1];
    let sig_line = note[blank + 2..].lines().next().unwrap();
    let b64 = sig_line
        .strip_prefix("\u{2014} court5 ")
        .expect("signature line by court5");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(raw.len(), 4 + 64);
    let text_file = dir.join("text");
    let sig_file = dir.join("sig");
    fs::write(&text_file, text).unwrap();
    fs::write(&sig_file, &raw[4..]).unwrap();
    let pubkey = dir.join("court5.pub");
    let out = run_tool(
        "openssl",
        &[
            OsStr::new("pkeyutl"),
            OsStr::new("-verify"),
            OsStr::new("-pubin"),
            OsStr::new("-inkey"),
            pubkey.as_os_str(),
            OsStr::new("-rawin"),
            OsStr::new("-in"),
            text_file.as_os_str(),
            OsStr::new("-sigfile"),
            sig_file.as_os_str(),
        ],
    );
    assert!(
        out.status.success(),
        "openssl does not verify the checkpoint signature: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `keys show` on .key, .pub and .vkey prints the name, key ID and verifier
/// key recorded in the .vkey file.
#[test]
fn keys_show_matches_vkey_file() {
    let fx = Fx::new();
    let vkey = fs::read_to_string(fx.key("demo-recorder.vkey"))
        .unwrap()
        .trim()
        .to_owned();
    let mut parts = vkey.splitn(3, '+');
    let (name, id) = (parts.next().unwrap(), parts.next().unwrap());
    for file in [
        "demo-recorder.key",
        "demo-recorder.pub",
        "demo-recorder.vkey",
    ] {
        let o = courtseal([
            OsStr::new("keys"),
            OsStr::new("show"),
            fx.key(file).as_os_str(),
        ]);
        assert_eq!(o.code, 0, "keys show {file}: {}", o.stderr);
        let field = |label: &str| -> String {
            o.stdout
                .lines()
                .find_map(|l| l.strip_prefix(label))
                .unwrap_or_else(|| panic!("no {label:?} line in:\n{}", o.stdout))
                .trim()
                .to_owned()
        };
        assert_eq!(field("name "), name, "{file}");
        assert_eq!(field("key ID "), id, "{file}");
        assert_eq!(field("verifier key "), vkey, "{file}");
    }
}

/// The recorder's own .vkey file is accepted by --trust and verifies its seal
/// (its base64 key holds '+', which once made it "malformed").
#[test]
fn verify_trusts_recorder_vkey_file() {
    let fx = Fx::sealed();
    assert!(
        fs::read_to_string(fx.key("demo-recorder.vkey"))
            .unwrap()
            .matches('+')
            .count()
            > 2
    );
    let o = fx.verify_with(&fx.key("demo-recorder.vkey"));
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    assert_findings(&o.json(), &[]);
    let t = fx.verify_text();
    assert!(
        t.stdout.contains("signed by demo-recorder (718ea680)"),
        "{}",
        t.stdout
    );
}

/// The SPKI .pub form of the recorder key is an equivalent --trust argument.
#[test]
fn verify_trusts_recorder_pub_file() {
    let fx = Fx::sealed();
    let o = fx.verify_with(&fx.key("demo-recorder.pub"));
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    assert_findings(&o.json(), &[]);
}

/// A private key readable by others is refused before anything is written.
#[test]
fn keys_too_open_private_key_refused() {
    let fx = Fx::new();
    chmod(&fx.key("demo-recorder.key"), 0o644);
    let o = fx.seal();
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("too open"), "{}", o.stderr);
    assert!(
        !fx.path("courtseal").exists(),
        "nothing may be written with a refused key"
    );
}

/// Keys of the wrong type (RSA, P-256) are refused cleanly, with exit 2.
#[test]
fn keys_wrong_type_refused() {
    let fx = Fx::new();
    for (name, args) in [
        (
            "rsa",
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
        ),
        (
            "p256",
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
        ),
    ] {
        let key = fx.keys.join(format!("{name}.key"));
        let mut a: Vec<&OsStr> = vec![OsStr::new("genpkey")];
        a.extend(args.iter().map(OsStr::new));
        a.extend([OsStr::new("-out"), key.as_os_str()]);
        let out = run_tool("openssl", &a);
        assert!(
            out.status.success(),
            "openssl genpkey {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        chmod(&key, 0o600);
        let o = courtseal([
            OsStr::new("seal"),
            fx.session.as_os_str(),
            OsStr::new("--key"),
            key.as_os_str(),
            OsStr::new("--origin"),
            OsStr::new(ORIGIN),
        ]);
        assert_eq!(o.code, 2, "{name}: {}", o.stderr);
        assert!(
            o.stderr.contains("not an Ed25519 private key"),
            "{name}: {}",
            o.stderr
        );
        assert!(
            o.stderr.contains(&key.display().to_string()),
            "{name}: {}",
            o.stderr
        );
        assert_eq!(
            o.stderr.trim_end().lines().count(),
            1,
            "{name}: {}",
            o.stderr
        );
        let o = courtseal([OsStr::new("keys"), OsStr::new("show"), key.as_os_str()]);
        assert_eq!(o.code, 2, "keys show {name}: {}", o.stderr);
    }
    assert!(!fx.path("courtseal").exists());
}

/// A trust file with roles and comments: the recorder line is trusted.
#[test]
fn trust_file_with_roles_and_comments() {
    let fx = Fx::sealed();
    let rec = fs::read_to_string(fx.key("demo-recorder.vkey")).unwrap();
    let sec = fs::read_to_string(fx.key("demo-secretary.vkey")).unwrap();
    let trust = fx.tmp.path().join("court.trust");
    fs::write(
        &trust,
        format!(
            "# keys of District Court No. 2\n\nrecorder {}   # courtroom 5 recorder\nwitness {}\n",
            rec.trim(),
            sec.trim()
        ),
    )
    .unwrap();
    let o = fx.verify_with(&trust);
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    assert_findings(&o.json(), &[]);
}

/// Roles matter: a key trusted only as witness does not verify checkpoints,
/// the same key as recorder does (secretary key, whose vkey has no '+').
#[test]
fn trust_file_roles_restrict_keys() {
    let fx = Fx::new();
    let o = courtseal([
        OsStr::new("seal"),
        fx.session.as_os_str(),
        OsStr::new("--key"),
        fx.key("demo-secretary.key").as_os_str(),
        OsStr::new("--origin"),
        OsStr::new(ORIGIN),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let sec = fs::read_to_string(fx.key("demo-secretary.vkey")).unwrap();
    let trust = fx.tmp.path().join("court.trust");
    fs::write(&trust, format!("# witness only\nwitness {}\n", sec.trim())).unwrap();
    let o = fx.verify_with(&trust);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_findings(
        &o.json(),
        &[
            ("checkpoint.untrusted_key", "courtseal/checkpoint"),
            ("checkpoint.untrusted_key", "courtseal/checkpoints/5"),
            ("log.unsigned_entries", "courtseal/log.jsonl:1"),
            ("segment.unsealed", "seg-0001.m4a"),
            ("segment.unsealed", "seg-0002.m4a"),
            ("segment.unsealed", "seg-0003.mp4"),
            ("segment.unsealed", "seg-0004.m4a"),
        ],
    );
    fs::write(
        &trust,
        format!("# recorder\nrecorder {}  # comment\n", sec.trim()),
    )
    .unwrap();
    let o = fx.verify_with(&trust);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_findings(&o.json(), &[]);
}

/// An unknown role is an operational error naming the offending line.
#[test]
fn trust_file_unknown_role_exit_2() {
    let fx = Fx::sealed();
    let sec = fs::read_to_string(fx.key("demo-secretary.vkey")).unwrap();
    let trust = fx.tmp.path().join("court.trust");
    fs::write(&trust, format!("# comment\njudge {}\n", sec.trim())).unwrap();
    let o = fx.verify_with(&trust);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("line 2"), "{}", o.stderr);
    assert!(o.stderr.contains("judge"), "{}", o.stderr);
    assert!(o.stdout.is_empty());
}

// -------------------------------------------------------------- bad input

/// A session folder that does not exist: exit 2, one line naming it.
#[test]
fn missing_session_folder_exit_2() {
    let fx = Fx::new();
    let gone = fx.tmp.path().join("no-such-session");
    let v = courtseal([
        OsStr::new("verify"),
        gone.as_os_str(),
        OsStr::new("--trust"),
        fx.trust().as_os_str(),
    ]);
    let s = courtseal([
        OsStr::new("seal"),
        gone.as_os_str(),
        OsStr::new("--key"),
        fx.key("demo-recorder.key").as_os_str(),
        OsStr::new("--origin"),
        OsStr::new(ORIGIN),
    ]);
    for o in [v, s] {
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert_eq!(o.stderr.trim_end().lines().count(), 1, "{}", o.stderr);
        assert!(
            o.stderr.contains(&gone.display().to_string()),
            "{}",
            o.stderr
        );
        assert!(o.stdout.is_empty());
    }
    assert!(
        !gone.exists(),
        "seal must not create a missing session folder"
    );
}

/// An incomplete last line (a crash in the middle of an append) is never
/// silently dropped or rewritten: seal keeps its bytes in courtseal/torn/,
/// cuts the log back to its last complete line, records a `recovery` entry,
/// and carries on; verify then reports the recovery (info) and passes.
#[test]
fn seal_recovers_a_torn_last_line_and_keeps_its_bytes() {
    let fx = Fx::sealed();
    let good = fs::read(fx.path(LOG)).unwrap();
    let mut log = good.clone();
    log.extend_from_slice(b"{\"v\":1,");
    fs::write(fx.path(LOG), &log).unwrap();
    fs::write(fx.path("seg-0005.m4a"), b"new").unwrap();
    let o = fx.seal();
    assert_eq!(o.code, 0, "{}", o.stderr);
    let after = fs::read(fx.path(LOG)).unwrap();
    assert_bytes_eq(
        &after[..good.len()],
        &good,
        "the complete lines must stay as they were",
    );
    let kept = fx.path(&format!("courtseal/torn/{}", good.len()));
    assert_eq!(fs::read(&kept).unwrap(), b"{\"v\":1,");
    let lines = lines_of(&after);
    let recovery: Value = serde_json::from_slice(&lines[5]).unwrap();
    assert_eq!(recovery["kind"], "recovery");
    assert_eq!(recovery["offset"], good.len() as u64);
    assert_eq!(recovery["length"], 7);
    let seg: Value = serde_json::from_slice(&lines[6]).unwrap();
    assert_eq!(seg["name"], "seg-0005.m4a");
    let (code, v) = fx.verify();
    assert_eq!(code, 0, "{v}");
    assert_findings(&v, &[("log.recovered", "courtseal/log.jsonl:6")]);
}

/// A log truncated to 0 bytes under existing checkpoints is damage, not a new
/// session: seal must refuse (exit 2) and leave the log as it is.
#[test]
fn seal_refuses_emptied_log_and_leaves_it_alone() {
    let fx = Fx::sealed();
    fs::write(fx.path(LOG), b"").unwrap();
    let cp = fs::read(fx.path("courtseal/checkpoint")).unwrap();
    let o = fx.seal();
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert_bytes_eq(
        &fs::read(fx.path(LOG)).unwrap(),
        b"",
        "seal appended to an emptied log although it refused",
    );
    assert_eq!(fs::read(fx.path("courtseal/checkpoint")).unwrap(), cp);
}

/// A deleted log under existing checkpoints must not be silently replaced by
/// a new log with a new signed history.
#[test]
fn seal_refuses_deleted_log_with_existing_checkpoints() {
    let fx = Fx::sealed();
    fs::remove_file(fx.path(LOG)).unwrap();
    fs::write(fx.path("seg-0005.m4a"), b"new").unwrap();
    let cp = fs::read(fx.path("courtseal/checkpoint")).unwrap();
    let o = fx.seal();
    assert_eq!(
        o.code, 2,
        "seal started a new log over a sealed history:\n{}",
        o.stdout
    );
    assert!(!fx.path(LOG).exists());
    assert!(!fx.path("courtseal/checkpoints/6").exists());
    assert_eq!(fs::read(fx.path("courtseal/checkpoint")).unwrap(), cp);
}

/// Truncated and garbled logs never panic: verify reports findings (exit 1),
/// seal and proof refuse (exit 2) or succeed, and nothing crashes.
#[test]
fn garbled_and_truncated_logs_never_panic() {
    let fx = Fx::sealed();
    let good = fs::read(fx.path(LOG)).unwrap();
    let mut variants: Vec<(String, Vec<u8>)> = Vec::new();
    // An empty log (cut 0) is pinned on its own by seal_refuses_emptied_log_and_leaves_it_alone.
    for cut in (1..good.len()).step_by(29).chain([good.len() - 1]) {
        variants.push((format!("truncated at {cut}"), good[..cut].to_vec()));
    }
    let lines = lines_of(&good);
    let garbage: [&[u8]; 14] = [
        b"",
        b"null",
        b"[]",
        b"\xff\xfe\x00binary",
        br#"{"v":18446744073709551616,"kind":"segment"}"#,
        br#"{"v":1,"kind":"segment","seq":-1,"name":"x","size":1,"sha256":"00","sealed_at":""}"#,
        br#"{"v":1,"kind":"segment","seq":9,"name":"../../etc/passwd","size":1,"sha256":"0000000000000000000000000000000000000000000000000000000000000000","sealed_at":""}"#,
        br#"{"v":1,"kind":"segment","seq":9,"name":"seg-0001.m4a","size":1,"sha256":"zz","sealed_at":""}"#,
        br#"{"v":2,"kind":"segment"}"#,
        br#"{"v":1,"kind":"witness"}"#,
        br#"{"v":1,"kind":"session"}"#,
        b"{\"v\":1,\"kind\":\"segment\",\"name\":\"\xe2\x80\xae\"}",
        &[b'{'; 4096],
        b"\r",
    ];
    for (i, g) in garbage.iter().enumerate() {
        for at in [0, 2, 4] {
            let mut l = lines.clone();
            l[at] = [*g, b"\n"].concat();
            variants.push((format!("garbage {i} at line {}", at + 1), l.concat()));
        }
    }
    let mut dup = lines.clone();
    dup.insert(1, lines[0].clone());
    dup.push(lines[2].clone());
    variants.push(("duplicate header and segment".into(), dup.concat()));
    for (what, bytes) in variants {
        fs::write(fx.path(LOG), &bytes).unwrap();
        let o = fx.verify_with(&fx.trust());
        assert_eq!(o.code, 1, "verify, {what}: {}", o.stderr);
        assert!(!findings(&o.json()).is_empty(), "verify, {what}");
        let trust = fx.trust();
        let o = courtseal([
            OsStr::new("proof"),
            fx.session.as_os_str(),
            OsStr::new("seg-0001.m4a"),
            OsStr::new("--trust"),
            trust.as_os_str(),
            OsStr::new("-o"),
            fx.tmp.path().join("p.tlog-proof").as_os_str(),
        ]);
        assert!(o.code == 2, "proof, {what}: exit {} {}", o.code, o.stderr);
        let o = fx.seal();
        assert_eq!(o.code, 2, "seal, {what}: {}", o.stdout);
        assert_bytes_eq(
            &fs::read(fx.path(LOG)).unwrap(),
            &bytes,
            &format!("seal changed the log, {what}"),
        );
    }
}

/// A line appended by hand after the last checkpoint must not get signed by
/// the next seal unless it tells the truth about its file: a forged entry
/// for bytes that are not there is refused (exit 2), and nothing is written.
#[test]
fn seal_refuses_to_sign_a_forged_unsigned_entry() {
    let fx = Fx::sealed();
    let mut log = fs::read(fx.path(LOG)).unwrap();
    let forged = format!(
        "{{\"v\":1,\"kind\":\"segment\",\"seq\":5,\"name\":\"seg-0005.m4a\",\"size\":3,\"sha256\":\"{}\",\"sealed_at\":\"2026-11-20T04:01:00.000Z\"}}\n",
        "ab".repeat(32)
    );
    log.extend_from_slice(forged.as_bytes());
    fs::write(fx.path(LOG), &log).unwrap();
    fs::write(fx.path("seg-0005.m4a"), b"xyz").unwrap();
    let o = fx.seal();
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(
        o.stderr
            .contains("line 6 (segment entry) is not covered by any checkpoint, and this sealer signs only what it derived itself: its file seg-0005.m4a does not hold the bytes it states"),
        "{}",
        o.stderr
    );
    assert_bytes_eq(
        &fs::read(fx.path(LOG)).unwrap(),
        &log,
        "seal changed the log",
    );
    assert!(!fx.path("courtseal/checkpoints/6").exists());
}

/// Entries left unsigned by an interrupted seal (it appended, then stopped
/// before signing) are recognised by the sealer's own pending note and
/// signed by the next seal, and the session then verifies.
#[test]
fn seal_signs_honest_unsigned_entries_left_by_an_interrupted_run() {
    let fx = Fx::sealed();
    fs::write(fx.path("seg-0005.m4a"), b"segment written before a crash").unwrap();
    {
        let signer = courtseal::keys::load_signer(&fx.key("demo-recorder.key")).unwrap();
        let mut sealer = courtseal::session::Sealer::open(
            &fx.session,
            &signer,
            None,
            &courtseal::session::HeaderFields::default(),
        )
        .unwrap();
        let media = courtseal::media::MediaOptions::default();
        let out = sealer.seal_file("seg-0005.m4a", &media).unwrap();
        assert!(matches!(out, courtseal::session::FileOutcome::Sealed(..)));
        // Stops here, before any checkpoint is signed.
    }
    assert!(!fx.path("courtseal/checkpoints/6").exists());
    let o = fx.seal();
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(fx.path("courtseal/checkpoints/6").is_file());
    let (code, v) = fx.verify();
    assert_eq!(code, 0, "{v}");
    assert_findings(&v, &[]);
}
