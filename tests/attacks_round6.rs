//! Round 6 of attacks: an insider who can write the session folder (or who
//! hands a user a file to name), against the readers that were still outside
//! the session's door: seal's reading of a segment, the watch inbox, audit's
//! state file, and the files a user names on the command line (a proof, a
//! media file, a state file). Each test is named after the attack and
//! asserts the exact refusal; none may hang, follow a link out of the
//! session, or read a file without a bound.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{copy_sample, demo_key, run, vkey};
use courtseal::media::MediaOptions;
use courtseal::session::{self, HeaderFields, Log, Sealer, SessionPaths};

const ORIGIN: &str = "courtroom5/2026-11-20";

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

/// Watches the FIFO at `path` until the returned guard is dropped: it
/// records whether any process ever opened it for reading (a writer's
/// non-blocking open succeeds only then), and that open frees such a reader
/// (it reads an end of file), so a reader that waits on the FIFO ends with
/// the flag set instead of hanging the test.
struct FifoWatch {
    reached: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FifoWatch {
    fn new(path: PathBuf) -> FifoWatch {
        use std::os::unix::fs::OpenOptionsExt as _;
        let reached = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        let (r, d) = (reached.clone(), done.clone());
        let thread = std::thread::spawn(move || {
            use std::os::unix::fs::FileTypeExt as _;
            let fifo = |m: &fs::Metadata| m.file_type().is_fifo();
            while !d.load(Ordering::SeqCst) {
                // Only while a FIFO is there (before a swap the name may be
                // a regular file, which a writer's open would always open).
                if fs::symlink_metadata(&path).is_ok_and(|m| fifo(&m))
                    && fs::OpenOptions::new()
                        .write(true)
                        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
                        .open(&path)
                        .is_ok_and(|f| f.metadata().is_ok_and(|m| fifo(&m)))
                {
                    r.store(true, Ordering::SeqCst);
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        });
        FifoWatch {
            reached,
            done,
            thread: Some(thread),
        }
    }
    /// Whether a reader ever opened the FIFO (stops watching).
    fn reached(mut self) -> bool {
        self.done.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.reached.load(Ordering::SeqCst)
    }
}

impl Drop for FifoWatch {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

/// A session of one sample segment at `dir/s` (`sub` puts it in a folder),
/// a sealer on it with the demo recorder's key, and `swap` run between the
/// pass that hashes the segment and the pass FFmpeg reads: what seal says.
fn seal_with_swap(
    dir: &Path,
    sub: Option<&str>,
    swap: Box<dyn FnMut(&Path) + Send>,
) -> session::SealOutcome {
    copy_sample(
        &dir.join("s"),
        &["seg-0002.m4a", "seg-0003.mp4", "seg-0004.m4a"],
    );
    if let Some(sub) = sub {
        fs::create_dir(dir.join("s").join(sub)).unwrap();
        fs::rename(
            dir.join("s/seg-0001.m4a"),
            dir.join("s").join(sub).join("seg-0001.m4a"),
        )
        .unwrap();
    }
    demo_key(dir, "demo-recorder");
    let signer = courtseal::keys::load_signer(&dir.join("demo-recorder.key")).unwrap();
    let mut sealer = Sealer::open(
        &dir.join("s"),
        &signer,
        Some(ORIGIN),
        &HeaderFields::default(),
    )
    .unwrap();
    sealer.set_between_reads(swap);
    session::seal_with(sealer, &MediaOptions::default()).unwrap()
}

/// The one finding of a seal that sealed nothing: (code, location, message).
fn refused(dir: &Path, out: &session::SealOutcome) -> (String, String, String) {
    assert!(out.sealed.is_empty(), "{:?}", out.sealed);
    let log = Log::read(&SessionPaths::new(&dir.join("s")).log).unwrap();
    assert_eq!(log.segments().count(), 0);
    assert_eq!(out.skipped.len(), 1, "{:?}", out.skipped);
    let f = &out.skipped[0];
    (
        f.code.to_string(),
        f.location.to_string(),
        f.message.clone(),
    )
}

const NOT_REGULAR: &str =
    "not sealed: it is not a regular file (a link, FIFO or device is never read or sealed)";

// --- seal's reading of a segment --------------------------------------------

/// The segment replaced by a FIFO after it was hashed, before FFmpeg reads
/// it: FFmpeg is given the checked handle, never the name, so it never opens
/// (and never waits on) the FIFO; the name is then seen to be no regular
/// file and nothing is sealed.
#[test]
fn seal_never_opens_a_fifo_swapped_in_for_the_segment_after_hashing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let fifo = dir.join("s/seg-0001.m4a");
    let watch = FifoWatch::new(fifo.clone());
    let out = seal_with_swap(
        dir,
        None,
        Box::new(|p: &Path| {
            fs::remove_file(p).unwrap();
            mkfifo(p);
        }),
    );
    assert!(!watch.reached(), "the sealer opened the FIFO");
    assert_eq!(
        refused(dir, &out),
        (
            "segment.bad_name".to_owned(),
            "seg-0001.m4a".to_owned(),
            NOT_REGULAR.to_owned()
        )
    );
}

/// The segment replaced after hashing by a link to a file outside the
/// session (here a FIFO, so that following the link shows): the link is
/// never followed and nothing is sealed.
#[test]
fn seal_never_follows_a_segment_swapped_for_a_link_to_outside_after_hashing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let outside = dir.join("outside");
    fs::create_dir(&outside).unwrap();
    mkfifo(&outside.join("pipe"));
    let watch = FifoWatch::new(outside.join("pipe"));
    let target = outside.join("pipe");
    let out = seal_with_swap(
        dir,
        None,
        Box::new(move |p: &Path| {
            fs::remove_file(p).unwrap();
            symlink(&target, p).unwrap();
        }),
    );
    assert!(!watch.reached(), "the sealer followed the link");
    assert_eq!(
        refused(dir, &out),
        (
            "segment.bad_name".to_owned(),
            "seg-0001.m4a".to_owned(),
            NOT_REGULAR.to_owned()
        )
    );
}

/// The folder holding the segment moved out of the session after the
/// segment was hashed, and a link to an outside folder (holding a FIFO of
/// the segment's name) left in its place: nothing below the link is opened
/// and nothing is sealed.
#[test]
fn seal_never_enters_a_segment_folder_swapped_for_a_link_after_hashing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let outside = dir.join("outside");
    fs::create_dir(&outside).unwrap();
    mkfifo(&outside.join("seg-0001.m4a"));
    let watch = FifoWatch::new(outside.join("seg-0001.m4a"));
    let (moved, link) = (dir.join("moved-cam1"), dir.join("s/cam1"));
    let out = seal_with_swap(
        dir,
        Some("cam1"),
        Box::new(move |_: &Path| {
            fs::rename(&link, &moved).unwrap();
            symlink(&outside, &link).unwrap();
        }),
    );
    assert!(
        !watch.reached(),
        "the sealer went through the linked folder"
    );
    assert_eq!(
        refused(dir, &out),
        (
            "segment.bad_name".to_owned(),
            "cam1/seg-0001.m4a".to_owned(),
            NOT_REGULAR.to_owned()
        )
    );
}

// --- Files a user names on the command line ---------------------------------

/// A sealed copy of the sample session at `dir/s`, the demo recorder's
/// trust file and a proof of its segment 2 (`seg.tlog-proof`).
fn sealed_with_proof(dir: &Path) {
    copy_sample(&dir.join("s"), &[]);
    demo_key(dir, "demo-recorder");
    fs::write(
        dir.join("trust.txt"),
        format!("recorder {}\n", vkey("demo-recorder")),
    )
    .unwrap();
    let (code, _, err) = run(
        dir,
        &[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            ORIGIN,
            "--no-silence",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(
        dir,
        &[
            "proof",
            "s",
            "seg-0002.m4a",
            "--trust",
            "trust.txt",
            "-o",
            "seg.tlog-proof",
        ],
    );
    assert_eq!(code, 0, "{err}");
}

/// `verify-file` given a FIFO or `/dev/zero` as the proof, the media or the
/// packet windows: each is an exit-2 error naming the file, before anything
/// is opened for reading (a FIFO never waited on, a device never read
/// without end); the file is opened without blocking and checked on its
/// handle, so one swapped in after that look is refused as well.
#[test]
fn verify_file_refuses_a_fifo_or_dev_zero_as_proof_media_or_windows() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sealed_with_proof(dir);
    mkfifo(&dir.join("pipe"));
    let cases: [(&[&str], &str); 5] = [
        (
            &["s/seg-0002.m4a", "--proof", "pipe"],
            "courtseal: error: pipe: not a regular file (a FIFO); give the proof file itself",
        ),
        (
            &["s/seg-0002.m4a", "--proof", "/dev/zero"],
            "courtseal: error: /dev/zero: not a regular file (a device); give the proof file itself",
        ),
        (
            &["pipe", "--proof", "seg.tlog-proof"],
            "courtseal: error: pipe: not a regular file (a FIFO); give the media file itself",
        ),
        (
            &["/dev/zero", "--proof", "seg.tlog-proof"],
            "courtseal: error: /dev/zero: not a regular file (a device); give the media file itself",
        ),
        (
            &["s/seg-0002.m4a", "--proof", "seg.tlog-proof", "--windows", "pipe"],
            "courtseal: error: pipe: not a regular file (a FIFO); give the packet-window file itself",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["verify-file"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--trust", "trust.txt"]);
        let (code, out, err) = run(dir, &all);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert_eq!(err.trim_end(), want, "{args:?}");
    }
}

/// `audit --resume` given a FIFO, `/dev/zero` or a link to a FIFO as its
/// state file, and a new audit given a FIFO as the state to write: an
/// exit-2 error naming the file; nothing waits on it.
#[test]
fn audit_refuses_a_fifo_or_dev_zero_as_its_state_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sealed_with_proof(dir);
    fs::create_dir(dir.join("archive")).unwrap();
    fs::rename(dir.join("s"), dir.join("archive/a")).unwrap();
    demo_key(dir, "demo-secretary");
    mkfifo(&dir.join("pipe"));
    symlink("pipe", dir.join("linked-pipe")).unwrap();
    for state in ["pipe", "/dev/zero", "linked-pipe"] {
        let (code, out, err) = run(
            dir,
            &[
                "audit",
                "archive",
                "--trust",
                "trust.txt",
                "--state",
                state,
                "--resume",
                "--sign",
                "demo-secretary.key",
                "--html",
                "act.html",
            ],
        );
        assert_eq!(code, 2, "{state}: {out}{err}");
        assert_eq!(
            err.trim_end(),
            format!("courtseal: error: {state}: the audit state must be a regular file"),
        );
        assert!(!dir.join("act.html").exists());
    }
    let (code, out, err) = run(
        dir,
        &[
            "audit",
            "archive",
            "--trust",
            "trust.txt",
            "--state",
            "pipe",
        ],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(
        err.trim_end(),
        "courtseal: error: pipe: the audit state must be a regular file"
    );
}

/// `compare` given a FIFO or `/dev/zero` as the independent recording: an
/// exit-2 error naming it; the recording is opened without blocking and
/// FFmpeg handed the checked handle, never the name.
#[test]
fn compare_refuses_a_fifo_or_dev_zero_as_the_independent_recording() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sealed_with_proof(dir);
    mkfifo(&dir.join("pipe"));
    for (file, what) in [("pipe", "a FIFO"), ("/dev/zero", "a device")] {
        let (code, out, err) = run(dir, &["compare", "s", file, "--trust", "trust.txt"]);
        assert_eq!(code, 2, "{file}: {out}{err}");
        assert_eq!(
            err.trim_end(),
            format!(
                "courtseal: error: {file}: not a regular file ({what}); give the independent recording itself"
            )
        );
    }
}

/// `inspect` given a FIFO or `/dev/zero`: an exit-2 error naming it; a
/// real file is opened without blocking and FFmpeg reads the checked
/// handle, while the file is still shown by the name the person gave.
#[test]
fn inspect_refuses_a_fifo_or_dev_zero_and_shows_a_real_file_by_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_sample(&dir.join("s"), &[]);
    mkfifo(&dir.join("pipe"));
    for (file, what) in [("pipe", "a FIFO"), ("/dev/zero", "a device")] {
        let (code, out, err) = run(dir, &["inspect", file]);
        assert_eq!(code, 2, "{file}: {out}{err}");
        assert_eq!(
            err.trim_end(),
            format!(
                "courtseal: error: {file}: not a regular file ({what}); give the media file itself"
            )
        );
    }
    let (code, out, err) = run(dir, &["inspect", "s/seg-0002.m4a"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("File            s/seg-0002.m4a\n"), "{out}");
}

// --- excerpt ------------------------------------------------------------------

/// Copies the folder `from` to `to` (created), files and folders only.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &t);
        } else {
            fs::copy(e.path(), &t).unwrap();
        }
    }
}

/// `excerpt` of a session whose segment, sidecar or log was swapped for a
/// link to a copy outside the session or for a FIFO: refused with the exact
/// finding (verify runs first and reads through the door; excerpt's own
/// reads, the sidecar and the segment, go through the door as well), never
/// waited on, and no excerpt written.
#[test]
fn excerpt_refuses_a_segment_sidecar_or_log_swapped_for_a_link_or_fifo() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sealed_with_proof(dir);
    fs::create_dir(dir.join("outside")).unwrap();
    let swapped = |rel: &str, fifo: bool| {
        let s = format!("x-{}-{fifo}", rel.replace('/', "-"));
        copy_tree(&dir.join("s"), &dir.join(&s));
        let p = dir.join(&s).join(rel);
        if fifo {
            fs::remove_file(&p).unwrap();
            mkfifo(&p);
        } else {
            let moved = dir.join("outside").join(&s);
            fs::rename(&p, &moved).unwrap();
            symlink(&moved, &p).unwrap();
        }
        s
    };
    let not_read = "not a regular file inside the session (a link, FIFO or device is never read)";
    let cases = [
        ("courtseal/windows/2.jsonl", true, format!("the session does not verify for segment seg-0002.m4a (windows.missing at courtseal/windows/2.jsonl: the packet windows sealed for seg-0002.m4a cannot be read ({not_read})); an excerpt of it would prove nothing")),
        ("courtseal/windows/2.jsonl", false, format!("the session does not verify for segment seg-0002.m4a (windows.missing at courtseal/windows/2.jsonl: the packet windows sealed for seg-0002.m4a cannot be read ({not_read})); an excerpt of it would prove nothing")),
        ("seg-0002.m4a", true, "the session does not verify for segment seg-0002.m4a (segment.bad_name at seg-0002.m4a: cannot be sealed or checked: not a regular file); an excerpt of it would prove nothing".to_owned()),
        ("seg-0002.m4a", false, "the session does not verify for segment seg-0002.m4a (segment.missing at seg-0002.m4a: was sealed (segment #2, 119014 bytes) but the file is gone); an excerpt of it would prove nothing".to_owned()),
    ];
    for (rel, fifo, want) in cases {
        let s = swapped(rel, fifo);
        let (code, out, err) = run(
            dir,
            &[
                "excerpt",
                &s,
                "seg-0002.m4a",
                "--from",
                "1",
                "--to",
                "3",
                "-o",
                "out.m4a",
                "--trust",
                "trust.txt",
            ],
        );
        assert_eq!(code, 2, "{rel} {fifo}: {out}{err}");
        assert_eq!(err.trim_end(), format!("courtseal: error: {s}: {want}"));
        assert!(!dir.join("out.m4a").exists());
    }
    for fifo in [true, false] {
        let s = swapped("courtseal/log.jsonl", fifo);
        let (code, out, err) = run(
            dir,
            &[
                "excerpt",
                &s,
                "seg-0002.m4a",
                "--from",
                "1",
                "--to",
                "3",
                "-o",
                "out.m4a",
                "--trust",
                "trust.txt",
            ],
        );
        assert_eq!(code, 2, "log {fifo}: {out}{err}");
        assert_eq!(
            err.trim_end(),
            format!("courtseal: error: {s}/courtseal/log.jsonl: {not_read}")
        );
        assert!(!dir.join("out.m4a").exists());
    }
}

// --- audit --resume: a segment named like a place in the record -------------

/// Stops an audit after `n` sessions have started.
struct StopAfter(std::sync::atomic::AtomicUsize);

impl courtseal::audit::AuditProgress for StopAfter {
    fn start(&self, _: u64, _: u64) {}
    fn file_done(&self, _: u64) {}
    fn session_done(&self, _: &str) {}
    fn should_stop(&self) -> bool {
        let left = self.0.load(Ordering::SeqCst);
        if left == 0 {
            return true;
        }
        self.0.store(left - 1, Ordering::SeqCst);
        false
    }
}

/// A file named `record: x` (and one named like a line of the log) put in
/// a sealed session, which an interrupted audit finds unsealed: resumed
/// from the state, its findings used to come back as the record's place
/// `x`, since the state kept locations only as strings. They come back as
/// the files they are.
#[test]
fn audit_resume_keeps_a_file_named_record_x_a_file() {
    use courtseal::finding::Location;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    demo_key(dir, "demo-recorder");
    demo_key(dir, "demo-secretary");
    fs::write(
        dir.join("trust.txt"),
        format!("recorder {}\n", vkey("demo-recorder")),
    )
    .unwrap();
    for s in ["a", "b"] {
        let rel = format!("archive/{s}");
        copy_sample(&dir.join(&rel), &[]);
        let (code, _, err) = run(
            dir,
            &[
                "seal",
                &rel,
                "--key",
                "demo-recorder.key",
                "--origin",
                ORIGIN,
                "--no-silence",
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    fs::write(dir.join("archive/a/record: x"), b"planted").unwrap();
    let mut trust = courtseal::keys::TrustStore::new();
    trust.load(&dir.join("trust.txt")).unwrap();
    let key = courtseal::audit::StateKey(Arc::new(
        courtseal::keys::load_signer(&dir.join("demo-secretary.key")).unwrap(),
    ));
    let opts = |resume: bool| courtseal::audit::AuditOptions {
        retention: courtseal::audit::Retention {
            years: 1,
            months: 0,
            days: 0,
        },
        due_within_days: 0,
        today: time::macros::date!(2026 - 11 - 25),
        state: Some(dir.join("state.jsonl")),
        resume,
        strict: false,
        state_key: Some(key.clone()),
    };
    let located = |r: &courtseal::audit::AuditReport| -> Vec<Location> {
        r.sessions
            .iter()
            .find(|s| s.session == "a")
            .expect("session a audited")
            .findings
            .iter()
            .map(|f| f.location.clone())
            .filter(|l| *l == "record: x")
            .collect()
    };
    // Interrupted after the first session (one at a time, in order).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let first = pool
        .install(|| {
            courtseal::audit::audit(
                &dir.join("archive"),
                &trust,
                &opts(false),
                &StopAfter(1.into()),
            )
        })
        .unwrap();
    assert!(first.interrupted);
    let direct = located(&first);
    assert_eq!(direct, [Location::File("record: x".into())]);
    let resumed = courtseal::audit::audit(
        &dir.join("archive"),
        &trust,
        &opts(true),
        &StopAfter(99.into()),
    )
    .unwrap();
    assert_eq!(resumed.resumed, 1);
    assert_eq!(resumed.resumed_sessions[0].session, "a");
    assert_eq!(located(&resumed), direct);
}

/// A trust file whose TSA line names a FIFO as the TSA's root
/// certificates, and a `--trust` key file that is a FIFO: verify refuses
/// each at once naming the file (exit 2), never waiting on the FIFO.
#[test]
fn verify_refuses_a_fifo_named_as_tsa_roots_or_as_a_key_without_waiting() {
    let t = tempfile::tempdir().unwrap();
    copy_sample(&t.path().join("s"), &[]);
    mkfifo(&t.path().join("roots.pem"));
    mkfifo(&t.path().join("court.vkey"));
    fs::write(
        t.path().join("trust.txt"),
        "tsa http://127.0.0.1:9/ roots.pem\n",
    )
    .unwrap();
    for trust in ["trust.txt", "court.vkey"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_courtseal"))
            .current_dir(t.path())
            .args(["verify", "s", "--trust", trust])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > std::time::Duration::from_secs(30) {
                let _ = child.kill();
                panic!("verify --trust {trust} waited on a FIFO");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{trust}: {err}");
        assert!(err.contains("not a regular file"), "{trust}: {err}");
    }
}
