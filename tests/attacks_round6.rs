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
            while !d.load(Ordering::SeqCst) {
                if fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(&path)
                    .is_ok()
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
