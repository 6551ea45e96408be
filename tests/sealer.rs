//! Attacks on the sealer itself, made as a court insider who can write the
//! session folder but holds no key: lines planted after the last checkpoint
//! for the sealer to sign, files that change while they are sealed, links,
//! FIFOs and hard links where the sealer reads or writes, misleading file
//! names, and a stuck event inbox. Each test is named after the attack and
//! asserts the exact verdict.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{copy_sample, demo_key, run, sample, vkey};
use courtseal::entry::{self, CloseEntry, HeartbeatEntry, RestartEntry, VERSION};
use courtseal::media::MediaOptions;
use courtseal::session::{self, FileOutcome, HeaderFields, Log, SealError, Sealer, SessionPaths};
use serde_json::Value;

const ORIGIN: &str = "court.example/district2/courtroom5/2026-11-20";

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fx {
    /// The sample session sealed by the demo recorder, with an operator key.
    fn sealed() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        copy_sample(&dir.join("s"), &[]);
        demo_key(&dir, "demo-recorder");
        demo_key(&dir, "demo-secretary");
        let (code, _, err) = run(
            &dir,
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
        fs::write(
            dir.join("trust.txt"),
            format!(
                "recorder {}\noperator {}\n",
                vkey("demo-recorder"),
                vkey("demo-secretary")
            ),
        )
        .unwrap();
        Fx { _tmp: tmp, dir }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn paths(&self) -> SessionPaths {
        SessionPaths::new(&self.p("s"))
    }

    fn signer(&self, name: &str) -> courtseal::note::NoteSigner {
        courtseal::keys::load_signer(&self.p(&format!("{name}.key"))).unwrap()
    }

    fn lines(&self) -> usize {
        Log::read(&self.paths().log).unwrap().lines.len()
    }

    fn append(&self, line: Vec<u8>) {
        session::append_lines(&self.paths(), &[line]).unwrap();
    }

    fn seal(&self) -> (i32, String, String) {
        run(&self.dir, &["seal", "s", "--key", "demo-recorder.key"])
    }

    fn seal_json(&self) -> (i32, Value) {
        let (code, out, err) = run(
            &self.dir,
            &["seal", "s", "--key", "demo-recorder.key", "--json"],
        );
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    /// Everything the sealer could have changed: the log, the latest
    /// checkpoint and the names in `checkpoints/`.
    fn state(&self) -> (Vec<u8>, Vec<u8>, Vec<String>) {
        let paths = self.paths();
        let mut kept: Vec<String> = fs::read_dir(&paths.checkpoints)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        kept.sort();
        (
            fs::read(&paths.log).unwrap(),
            fs::read(&paths.checkpoint).unwrap(),
            kept,
        )
    }

    /// `seal` refuses (exit 2) naming `line` and `kind` and saying `why`,
    /// and leaves the log and checkpoints byte for byte as they were; a new
    /// segment waiting in the folder is not sealed either.
    fn assert_refused(&self, line: usize, kind: &str, why: &str) {
        fs::write(self.p("s/seg-0009.m4a"), sample("seg-0004.m4a")).unwrap();
        let before = self.state();
        let (code, out, err) = self.seal();
        assert_eq!(code, 2, "{out}{err}");
        let head = format!(
            "line {line} ({kind} entry) is not covered by any checkpoint, and this sealer signs only what it derived itself: "
        );
        assert!(err.contains(&head), "{err}");
        assert!(err.contains(why), "{err}");
        assert_eq!(self.state(), before, "seal changed the log or checkpoints");
        fs::remove_file(self.p("s/seg-0009.m4a")).unwrap();
    }
}

fn codes(v: &Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn sealed_names(fx: &Fx) -> Vec<String> {
    Log::read(&fx.paths().log)
        .unwrap()
        .segments()
        .map(|(_, s)| s.name.clone())
        .collect()
}

// --- Rule 2: the sealer signs only what it derived itself -----------------

/// A heartbeat planted after the last checkpoint would have the recorder
/// key vouch that the service was alive (hiding a stop).
#[test]
fn planted_heartbeat_is_never_signed() {
    let fx = Fx::sealed();
    let n = fx.lines();
    fx.append(entry::to_line(&HeartbeatEntry {
        v: VERSION,
        kind: "heartbeat".into(),
        at: entry::now_utc(),
        segments: 4,
    }));
    fx.assert_refused(
        n + 1,
        "heartbeat",
        "it is a sealing service's own entry, carries no signature, and this sealer has no record of writing it",
    );
}

/// A restart or a close planted after the last checkpoint: neither is
/// signed by anyone, so neither is the sealer's to vouch for.
#[test]
fn planted_restart_or_close_is_never_signed() {
    for kind in ["restart", "close"] {
        let fx = Fx::sealed();
        let n = fx.lines();
        let line = if kind == "restart" {
            entry::to_line(&RestartEntry {
                v: VERSION,
                kind: "restart".into(),
                at: entry::now_utc(),
                last_seen: entry::now_utc(),
            })
        } else {
            entry::to_line(&CloseEntry {
                v: VERSION,
                kind: "close".into(),
                at: entry::now_utc(),
                segments: 4,
                reason: "signal".into(),
            })
        };
        fx.append(line);
        fx.assert_refused(n + 1, kind, "has no record of writing it");
    }
}

/// An operator's event with its reason changed after it was signed.
#[test]
fn event_altered_after_it_was_signed_is_never_signed() {
    let fx = Fx::sealed();
    let n = fx.lines();
    let op = fx.signer("demo-secretary");
    let at = entry::now_utc();
    let mut ev = courtseal::event::make_event(&op, ORIGIN, "pause", &at, "recess").unwrap();
    ev.reason = "technical failure".into();
    ev.sealed_at = entry::now_utc();
    fx.append(entry::to_line(&ev));
    fx.assert_refused(
        n + 1,
        "event",
        "its operator signature does not check: the entry's fields differ from what the operator signed",
    );
}

/// An "operator" event signed with the recorder's own key: the recorder
/// never signs an operator's event.
#[test]
fn event_signed_by_the_recorder_key_is_never_signed() {
    let fx = Fx::sealed();
    let n = fx.lines();
    let rec = fx.signer("demo-recorder");
    let mut ev =
        courtseal::event::make_event(&rec, ORIGIN, "break", &entry::now_utc(), "recess").unwrap();
    ev.sealed_at = entry::now_utc();
    fx.append(entry::to_line(&ev));
    fx.assert_refused(
        n + 1,
        "event",
        "it is signed by the recorder key, which never signs an operator's event",
    );
}

/// A genuine signed event copied a second time (a replay, to claim a second
/// pause): refused; the genuine one is signed.
#[test]
fn replayed_event_is_never_signed() {
    let fx = Fx::sealed();
    let (code, _, err) = run(
        &fx.dir,
        &[
            "event",
            "s",
            "--key",
            "demo-secretary.key",
            "pause",
            "--reason",
            "recess",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let log = Log::read(&fx.paths().log).unwrap();
    let genuine = log.lines.last().unwrap();
    assert!(matches!(genuine.entry, Ok(entry::Entry::Event(_))));
    fx.append(genuine.bytes.clone());
    fx.assert_refused(
        genuine.number + 1,
        "event",
        "it repeats an event already in the log (a replayed signature)",
    );
}

/// An event appended by `courtseal event` with no service running carries
/// its operator's valid signature: the next seal signs it.
#[test]
fn correctly_signed_event_without_a_service_is_signed_by_the_next_seal() {
    let fx = Fx::sealed();
    let (code, _, err) = run(
        &fx.dir,
        &[
            "event",
            "s",
            "--key",
            "demo-secretary.key",
            "break",
            "--reason",
            "recess",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = fx.seal();
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&fx.dir, &["verify", "s", "--trust", "trust.txt", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verified_size"].as_u64().unwrap(), fx.lines() as u64);
}

/// A segment entry for a real file with the right hash, size and sidecar
/// but a media fact made up (a longer duration, to cover a stop): the whole
/// entry is derived again and compared, so it is refused, naming the field.
#[test]
fn segment_entry_with_a_made_up_media_fact_is_never_signed() {
    let fx = Fx::sealed();
    let n = fx.lines();
    fs::write(fx.p("s/seg-0005.m4a"), sample("seg-0002.m4a")).unwrap();
    let true_reading = session::read_segment(
        &courtseal::store::LocalSession::new(&fx.p("s")),
        "seg-0005.m4a",
        5,
        &MediaOptions::default(),
        None,
    )
    .unwrap();
    fs::write(
        fx.p("s/courtseal/windows/5.jsonl"),
        true_reading.sidecar.as_ref().unwrap(),
    )
    .unwrap();
    let mut facts = true_reading.facts.clone();
    facts.duration = facts.duration.map(|d| d + 600.0);
    let forged = entry::SegmentEntry {
        v: VERSION,
        kind: "segment".into(),
        seq: 5,
        name: "seg-0005.m4a".into(),
        size: true_reading.size,
        sha256: true_reading.sha256,
        sealed_at: entry::now_utc(),
        media: Some(facts),
    };
    fx.append(entry::to_line(&forged));
    fx.assert_refused(
        n + 1,
        "segment",
        "it is not the entry derived from its file seg-0005.m4a (they differ in media.duration)",
    );
}

/// A segment entry whose sidecar was swapped for another file's windows.
#[test]
fn segment_entry_with_another_files_windows_is_never_signed() {
    let fx = Fx::sealed();
    let n = fx.lines();
    fs::write(fx.p("s/seg-0005.m4a"), sample("seg-0002.m4a")).unwrap();
    fs::copy(
        fx.p("s/courtseal/windows/1.jsonl"),
        fx.p("s/courtseal/windows/5.jsonl"),
    )
    .unwrap();
    let log = Log::read(&fx.paths().log).unwrap();
    let (_, first) = log.segments().next().unwrap();
    let (sha256, size) = courtseal::digest::hash_file(&fx.p("s/seg-0005.m4a")).unwrap();
    let forged = entry::SegmentEntry {
        v: VERSION,
        kind: "segment".into(),
        seq: 5,
        name: "seg-0005.m4a".into(),
        size,
        sha256,
        sealed_at: entry::now_utc(),
        media: first.media.clone(),
    };
    fx.append(entry::to_line(&forged));
    fx.assert_refused(
        n + 1,
        "segment",
        "its packet-window sidecar courtseal/windows/5.jsonl is not what the file gives",
    );
}

/// A segment entry that names a file already sealed by an earlier line.
#[test]
fn segment_entry_naming_a_sealed_file_again_is_never_signed() {
    let fx = Fx::sealed();
    let n = fx.lines();
    let log = Log::read(&fx.paths().log).unwrap();
    let (_, first) = log.segments().next().unwrap();
    let mut again = first.clone();
    again.seq = 5;
    fx.append(entry::to_line(&again));
    fx.assert_refused(
        n + 1,
        "segment",
        "seg-0001.m4a is sealed already by an earlier line",
    );
}

/// A recovery entry naming a file outside the layout (here an endless
/// device) for the bytes it claims were set aside: never read, refused.
#[test]
fn recovery_entry_naming_a_file_outside_the_layout_is_never_signed() {
    let fx = Fx::sealed();
    let n = fx.lines();
    let offset = fs::metadata(fx.paths().log).unwrap().len();
    let e = entry::RecoveryEntry {
        v: VERSION,
        kind: "recovery".into(),
        at: entry::now_utc(),
        offset,
        length: 10,
        sha256: courtseal::digest::Sha256Digest::of(b"0123456789"),
        saved_as: "/dev/zero".into(),
    };
    fx.append(entry::to_line(&e));
    fx.assert_refused(
        n + 1,
        "recovery",
        &format!("it names \"/dev/zero\" for the bytes it set aside; the sealer keeps them only as \"courtseal/torn/{offset}\""),
    );
}

/// A session header planted before the first seal, naming another session
/// folder: the sealer would start signing a log it did not open.
#[test]
fn planted_session_header_is_never_signed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_sample(&dir.join("s"), &["record.toml"]);
    demo_key(dir, "demo-recorder");
    let header = entry::SessionHeader {
        v: VERSION,
        kind: "session".into(),
        origin: ORIGIN.into(),
        session: "another-session".into(),
        court: None,
        courtroom: None,
        case: None,
        judge: None,
        secretary: None,
        recorder: vkey("demo-recorder"),
        previous: None,
        opened_at: entry::now_utc(),
    };
    fs::create_dir_all(dir.join("s/courtseal")).unwrap();
    let mut line = entry::to_line(&header);
    line.push(b'\n');
    fs::write(dir.join("s/courtseal/log.jsonl"), &line).unwrap();
    let (code, out, err) = run(dir, &["seal", "s", "--key", "demo-recorder.key"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("line 1 (session entry) is not covered by any checkpoint, and this sealer signs only what it derived itself: its session is \"another-session\" where this run would write \"s\""),
        "{err}"
    );
    assert_eq!(fs::read(dir.join("s/courtseal/log.jsonl")).unwrap(), line);
    assert!(!dir.join("s/courtseal/checkpoint").exists());
}

/// A run that appended a heartbeat, a segment and a close and was stopped
/// before its checkpoint: its own pending note vouches for them, the next
/// seal signs them, and the note is gone once they are signed.
#[test]
fn lines_of_a_run_stopped_before_its_checkpoint_are_signed_by_the_next_run() {
    let fx = Fx::sealed();
    fs::write(fx.p("s/seg-0005.m4a"), sample("seg-0002.m4a")).unwrap();
    {
        let signer = fx.signer("demo-recorder");
        let mut s = Sealer::open(&fx.p("s"), &signer, None, &HeaderFields::default()).unwrap();
        s.append(&[entry::to_line(&HeartbeatEntry {
            v: VERSION,
            kind: "heartbeat".into(),
            at: entry::now_utc(),
            segments: 4,
        })])
        .unwrap();
        let out = s
            .seal_file("seg-0005.m4a", &MediaOptions::default())
            .unwrap();
        assert!(matches!(out, FileOutcome::Sealed(..)), "{out:?}");
        // Stopped here: no checkpoint.
    }
    assert!(session::pending_file(&fx.paths()).is_file());
    let (code, out, err) = fx.seal();
    assert_eq!(code, 0, "{out}{err}");
    assert!(!session::pending_file(&fx.paths()).exists());
    let (code, out, err) = run(&fx.dir, &["verify", "s", "--trust", "trust.txt", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verified_size"].as_u64().unwrap(), fx.lines() as u64);
}

/// A pending note copied from another session (same recorder, same
/// origin) vouches for nothing here: its roots are not this log's.
#[test]
fn pending_note_from_another_session_vouches_for_nothing() {
    let fx = Fx::sealed();
    let other = Fx::sealed();
    {
        let signer = other.signer("demo-recorder");
        let mut s = Sealer::open(&other.p("s"), &signer, None, &HeaderFields::default()).unwrap();
        s.append(&[entry::to_line(&HeartbeatEntry {
            v: VERSION,
            kind: "heartbeat".into(),
            at: entry::now_utc(),
            segments: 4,
        })])
        .unwrap();
    }
    let n = fx.lines();
    fx.append(entry::to_line(&HeartbeatEntry {
        v: VERSION,
        kind: "heartbeat".into(),
        at: entry::now_utc(),
        segments: 4,
    }));
    fs::copy(
        session::pending_file(&other.paths()),
        session::pending_file(&fx.paths()),
    )
    .unwrap();
    fx.assert_refused(n + 1, "heartbeat", "has no record of writing it");
}

// --- One reading: hash and media facts of the same bytes -------------------

/// A file appended to between the pass that hashes it and the pass that
/// reads its media facts: its hash and its windows would describe different
/// bytes. It is read again; while it keeps changing it is not sealed at all,
/// and the finding says why.
#[test]
fn file_appended_to_between_hash_and_media_read_is_not_sealed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_sample(
        &dir.join("s"),
        &["seg-0002.m4a", "seg-0003.mp4", "seg-0004.m4a"],
    );
    demo_key(dir, "demo-recorder");
    let signer = courtseal::keys::load_signer(&dir.join("demo-recorder.key")).unwrap();
    let mut sealer = Sealer::open(
        &dir.join("s"),
        &signer,
        Some(ORIGIN),
        &HeaderFields::default(),
    )
    .unwrap();
    sealer.set_between_reads(Box::new(|p: &Path| {
        use std::io::Write as _;
        let mut f = fs::OpenOptions::new().append(true).open(p).unwrap();
        f.write_all(b"more audio").unwrap();
    }));
    let out = session::seal_with(sealer, &MediaOptions::default()).unwrap();
    assert!(out.sealed.is_empty(), "{:?}", out.sealed);
    assert_eq!(out.skipped.len(), 1, "{:?}", out.skipped);
    let f = &out.skipped[0];
    assert_eq!(f.code.to_string(), "segment.unsettled");
    assert_eq!(f.location.to_string(), "seg-0001.m4a");
    assert!(
        f.message
            .starts_with("not sealed: it changed while it was being sealed (its size went from "),
        "{}",
        f.message
    );
    let log = Log::read(&SessionPaths::new(&dir.join("s")).log).unwrap();
    assert_eq!(log.segments().count(), 0);
}

/// A file that was still growing during the first reading and then stopped:
/// the second reading seals it, and its hash is of the bytes it now holds.
#[test]
fn file_still_growing_at_the_first_read_is_sealed_whole_on_the_next() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_sample(
        &dir.join("s"),
        &["seg-0002.m4a", "seg-0003.mp4", "seg-0004.m4a"],
    );
    demo_key(dir, "demo-recorder");
    let signer = courtseal::keys::load_signer(&dir.join("demo-recorder.key")).unwrap();
    let mut sealer = Sealer::open(
        &dir.join("s"),
        &signer,
        Some(ORIGIN),
        &HeaderFields::default(),
    )
    .unwrap();
    let mut first = true;
    sealer.set_between_reads(Box::new(move |p: &Path| {
        if std::mem::take(&mut first) {
            use std::io::Write as _;
            let mut f = fs::OpenOptions::new().append(true).open(p).unwrap();
            f.write_all(b"the last bytes").unwrap();
        }
    }));
    let out = session::seal_with(sealer, &MediaOptions::default()).unwrap();
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    assert_eq!(out.sealed.len(), 1);
    let (sha, size) = courtseal::digest::hash_file(&dir.join("s/seg-0001.m4a")).unwrap();
    assert_eq!(out.sealed[0].sha256, sha);
    assert_eq!(out.sealed[0].size, size);
    assert_eq!(size, sample("seg-0001.m4a").len() as u64 + 14);
}

// --- Links, FIFOs and hard links where the sealer reads or writes ---------

/// A segment that is a hard link to a file outside the session (a key, a
/// document): sealing would bring that file into the session, and every
/// export would copy it out. It is not sealed.
#[test]
fn segment_hard_linked_to_a_file_outside_is_not_sealed() {
    let fx = Fx::sealed();
    fs::hard_link(fx.p("demo-recorder.key"), fx.p("s/seg-0005.m4a")).unwrap();
    let (code, v) = fx.seal_json();
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        codes(&v),
        [("segment.hard_link".to_owned(), "seg-0005.m4a".to_owned())]
    );
    assert!(!sealed_names(&fx).contains(&"seg-0005.m4a".to_owned()));
}

/// A FIFO under a segment's name is never opened for reading (that would
/// block the sealer for ever).
#[test]
fn fifo_under_a_segment_name_is_never_opened() {
    let fx = Fx::sealed();
    let st = std::process::Command::new("mkfifo")
        .arg(fx.p("s/seg-0005.m4a"))
        .status()
        .unwrap();
    assert!(st.success());
    let r = session::read_segment(
        &courtseal::store::LocalSession::new(&fx.p("s")),
        "seg-0005.m4a",
        5,
        &MediaOptions::default(),
        None,
    );
    assert!(
        matches!(r, Err(session::SegmentReadError::NotRegular)),
        "{r:?}"
    );
    let (code, v) = fx.seal_json();
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        codes(&v),
        [("segment.bad_name".to_owned(), "seg-0005.m4a".to_owned())]
    );
}

/// `courtseal/windows/` replaced by a link to a folder outside the session:
/// the next segment's sidecar would be written there. Refused, nothing
/// written outside.
#[test]
fn windows_folder_linked_outside_is_never_written_through() {
    let fx = Fx::sealed();
    fs::create_dir(fx.p("outside")).unwrap();
    let windows = fx.p("s/courtseal/windows");
    fs::rename(&windows, fx.p("windows-moved")).unwrap();
    std::os::unix::fs::symlink(fx.p("outside"), &windows).unwrap();
    fs::write(fx.p("s/seg-0005.m4a"), sample("seg-0002.m4a")).unwrap();
    let (code, out, err) = fx.seal();
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("courtseal/windows"), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(fs::read_dir(fx.p("outside")).unwrap().count(), 0);
}

/// The close request planted as a link to a recording: `courtseal close`
/// wrote "close" through it, destroying the file it points to.
#[test]
fn close_request_planted_as_a_link_is_never_written_through() {
    let fx = Fx::sealed();
    let paths = fx.paths();
    let target = fx.p("s/seg-0001.m4a");
    let before = fs::read(&target).unwrap();
    std::os::unix::fs::symlink(&target, courtseal::watch::close_request(&paths)).unwrap();
    // A service holds the session's lock.
    let _lock = session::lock_session(&paths).unwrap();
    let r = courtseal::inbox::close(&fx.p("s"), None, Duration::from_millis(200));
    assert!(
        matches!(r, Err(courtseal::inbox::InboxError::Request { .. })),
        "{r:?}"
    );
    assert_eq!(fs::read(&target).unwrap(), before);
}

/// A torn tail to recover, with its keeping place `courtseal/torn/<offset>`
/// planted as a link to an endless device: reading it back would never end.
/// It is never read, and seal refuses, naming the file.
#[test]
fn torn_tail_keeping_place_linked_to_an_endless_device_is_never_read() {
    let fx = Fx::sealed();
    let offset = fs::metadata(fx.paths().log).unwrap().len();
    {
        use std::io::Write as _;
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(fx.paths().log)
            .unwrap();
        f.write_all(br#"{"v":1,"kind":"heartbeat","at":"#).unwrap();
    }
    fs::create_dir_all(fx.p("s/courtseal/torn")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", fx.p(&format!("s/courtseal/torn/{offset}"))).unwrap();
    let before = fs::read(fx.paths().log).unwrap();
    let start = Instant::now();
    let (code, out, err) = fx.seal();
    assert!(start.elapsed() < Duration::from_secs(60));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains(&format!("courtseal/torn/{offset}")), "{err}");
    assert_eq!(fs::read(fx.paths().log).unwrap(), before);
}

// --- Names that read as other names ----------------------------------------

/// A file named with a right-to-left override, so that `seg\u{202E}a4m.exe`
/// reads as `segexe.m4a`: refused at seal, naming the code point, and printed
/// escaped in the text output.
#[test]
fn file_name_with_a_right_to_left_override_is_refused_at_seal() {
    let fx = Fx::sealed();
    let name = "seg\u{202E}a4m.exe";
    fs::write(fx.p("s").join(name), sample("seg-0002.m4a")).unwrap();
    let (code, v) = fx.seal_json();
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        codes(&v),
        [("segment.bad_name".to_owned(), name.to_owned())]
    );
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("the file name holds U+202E"));
    assert!(!sealed_names(&fx).contains(&name.to_owned()));
    let (code, out, err) = fx.seal();
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("seg\\u202Ea4m.exe"), "{out}");
    assert!(!out.contains('\u{202E}'), "{out}");
}

/// Zero-width and other invisible characters in a name are refused the
/// same way; an empty or control-character origin is refused before any
/// file is written.
#[test]
fn invisible_characters_in_names_and_bad_origins_are_refused_at_seal() {
    let fx = Fx::sealed();
    for (name, cp) in [
        ("seg\u{200B}0005.m4a", "U+200B"),
        ("seg\u{2066}0006.m4a", "U+2066"),
    ] {
        fs::write(fx.p("s").join(name), b"x").unwrap();
        let (code, v) = fx.seal_json();
        assert_eq!(code, 1, "{v}");
        assert!(
            codes(&v).contains(&("segment.bad_name".to_owned(), name.to_owned())),
            "{v}"
        );
        let msg = v["findings"].to_string();
        assert!(msg.contains(cp), "{msg}");
        fs::remove_file(fx.p("s").join(name)).unwrap();
    }
    for origin in ["", "court\u{7}x", "court\u{202E}x"] {
        let tmp = tempfile::tempdir().unwrap();
        copy_sample(&tmp.path().join("s"), &[]);
        demo_key(tmp.path(), "demo-recorder");
        let (code, _, err) = run(
            tmp.path(),
            &[
                "seal",
                "s",
                "--key",
                "demo-recorder.key",
                "--origin",
                origin,
            ],
        );
        assert_eq!(code, 2, "{origin:?}: {err}");
        assert!(err.contains("origin"), "{err}");
        assert!(!tmp.path().join("s/courtseal/log.jsonl").exists());
    }
}

// --- The event inbox ---------------------------------------------------------

/// A folder named `….event` next to a `….refused` one: the service could
/// not move it aside and refused it again four times a second. Each
/// refusal is now reported once.
#[test]
fn event_folder_next_to_a_refused_folder_is_refused_once() {
    let fx = Fx::sealed();
    let inbox = courtseal::watch::inbox(&fx.paths());
    fs::create_dir_all(inbox.join("x.event")).unwrap();
    fs::create_dir_all(inbox.join("x.refused/keep")).unwrap();
    let signer = fx.signer("demo-recorder");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let opts = courtseal::watch::WatchOptions {
        poll: Duration::from_millis(20),
        ..Default::default()
    };
    let mut refusals = Vec::new();
    let mut looks = 0;
    let mut report = |ev: courtseal::watch::WatchEvent| {
        if let courtseal::watch::WatchEvent::RefusedEvent { file, why } = ev {
            refusals.push((file, why));
        }
        looks += 1;
    };
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(600));
        flag.store(true, Ordering::SeqCst);
    });
    let r = courtseal::watch::watch(
        &fx.p("s"),
        &signer,
        None,
        &HeaderFields::default(),
        &opts,
        &stop,
        &mut report,
    );
    stopper.join().unwrap();
    assert!(r.is_ok(), "{r:?}");
    assert!(looks > 0);
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].0, inbox.join("x.event"));
    assert!(
        refusals[0].1.starts_with("not a regular file (a folder, link or FIFO is never read) (left in place: it could not be renamed to "),
        "{}",
        refusals[0].1
    );
}

/// A line planted in the log while a sealer holds it (the service runs for
/// hours): the sealer notices before its next append and appends nothing,
/// so the planted line never ends up under its checkpoint.
#[test]
fn line_planted_while_the_sealer_holds_the_log_stops_it() {
    let fx = Fx::sealed();
    let signer = fx.signer("demo-recorder");
    let mut s = Sealer::open(&fx.p("s"), &signer, None, &HeaderFields::default()).unwrap();
    let heartbeat = || {
        entry::to_line(&HeartbeatEntry {
            v: VERSION,
            kind: "heartbeat".into(),
            at: entry::now_utc(),
            segments: 4,
        })
    };
    s.append(&[heartbeat()]).unwrap();
    fx.append(heartbeat());
    let before = fs::read(fx.paths().log).unwrap();
    match s.append(&[heartbeat()]) {
        Err(e @ SealError::Damaged { .. }) => assert!(
            e.to_string()
                .contains("the log was changed by another process while this sealer held it"),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read(fx.paths().log).unwrap(), before);
    assert!(matches!(s.checkpoint(), Ok(Some(_))));
    drop(s);
    // The next run vouches for its own heartbeat, not for the planted one.
    let n = Log::read(&fx.paths().log).unwrap().lines.len();
    fx.assert_refused(n, "heartbeat", "has no record of writing it");
}

/// Sealing errors are typed: a refusal of an unsigned line is the
/// `Unvouched` error, naming the line.
#[test]
fn refusal_of_an_unvouched_line_is_a_typed_error() {
    let fx = Fx::sealed();
    let n = fx.lines();
    fx.append(entry::to_line(&HeartbeatEntry {
        v: VERSION,
        kind: "heartbeat".into(),
        at: entry::now_utc(),
        segments: 4,
    }));
    let signer = fx.signer("demo-recorder");
    match Sealer::open(&fx.p("s"), &signer, None, &HeaderFields::default()) {
        Err(SealError::Unvouched { line, kind, .. }) => {
            assert_eq!((line, kind.as_str()), (n + 1, "heartbeat"));
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("opened"),
    }
}
