//! Sealing at capture: a service that runs for the length of a court
//! session, seals each segment as soon as the recorder has finished it,
//! appends heartbeats while nothing arrives, takes in operator events, and
//! closes the session cleanly.
//!
//! A segment counts as finished when any of these holds (whichever first):
//! - the recorder has started a later segment (a file whose name sorts after it);
//! - its size and modification time have not changed for `settle`;
//! - the session is being closed.
//!
//! Files still being written under a temporary name are never sealed until
//! they are renamed: names starting with `.`, ending in `~`, or with the
//! extension `.part`, `.partial`, `.tmp`, `.temp`, `.crdownload`,
//! `.download`, `.inprogress` or `.writing`.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::checkpoint::Checkpoint;
use crate::entry::{
    self, CloseEntry, EventEntry, HeartbeatEntry, RestartEntry, SegmentEntry, VERSION,
};
use crate::event;
use crate::finding::{Code, Finding};
use crate::media::MediaOptions;
use crate::note::NoteSigner;
use crate::session::{self, FileOutcome, HeaderFields, ScanItem, SealError, Sealer, SessionPaths};
use crate::store::source::{Kind, LocalSession, ReadError, SessionSource as _};

/// Extensions of names a recorder writes to before renaming a finished file.
const TEMP_EXTENSIONS: [&str; 8] = [
    "part",
    "partial",
    "tmp",
    "temp",
    "crdownload",
    "download",
    "inprogress",
    "writing",
];

/// True for a name under which a file is still being written.
pub fn is_temporary(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    if base.starts_with('.') || base.ends_with('~') {
        return true;
    }
    match base.rsplit_once('.') {
        Some((_, ext)) => TEMP_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()),
        None => false,
    }
}

/// The name a temporary file will have when finished: without a leading
/// `.`, a trailing `~` or a temporary extension.
pub fn final_name(name: &str) -> String {
    let (dir, base) = match name.rsplit_once('/') {
        Some((d, b)) => (format!("{d}/"), b),
        None => (String::new(), name),
    };
    let mut b = base
        .trim_start_matches('.')
        .trim_end_matches('~')
        .to_owned();
    if let Some((stem, ext)) = b.rsplit_once('.') {
        if TEMP_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) {
            b = stem.to_owned();
        }
    }
    format!("{dir}{b}")
}

/// How the service behaves.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// A file unchanged this long is finished.
    pub settle: Duration,
    /// Interval between heartbeats.
    pub heartbeat: Duration,
    /// How often the folder is looked at.
    pub poll: Duration,
    /// Media reading.
    pub media: MediaOptions,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            settle: Duration::from_secs(10),
            heartbeat: Duration::from_secs(30),
            poll: Duration::from_millis(250),
            media: MediaOptions::default(),
        }
    }
}

/// What the service did, reported as it happens.
#[derive(Debug, Clone)]
pub enum WatchEvent {
    /// The service started on a new session.
    Opened,
    /// The service started again on a session it had not closed.
    Restarted {
        /// Time of the last entry before the restart.
        last_seen: String,
    },
    /// A segment was sealed.
    Sealed(SegmentEntry),
    /// Something in the folder could not be sealed, or was read only by bytes.
    Finding(Finding),
    /// An operator event was taken in.
    Event(EventEntry),
    /// An operator event in the inbox was refused.
    RefusedEvent {
        /// The inbox file.
        file: PathBuf,
        /// Why.
        why: String,
    },
    /// A heartbeat was appended.
    Heartbeat(String),
    /// A checkpoint was signed.
    Checkpoint(Checkpoint),
    /// The session was closed.
    Closed {
        /// `signal` or `close-command`.
        reason: String,
    },
}

/// The file `courtseal close` creates to ask the service to close.
pub fn close_request(paths: &SessionPaths) -> PathBuf {
    paths.dir.join("close-request")
}

/// The folder where `courtseal event` leaves events for a running service.
pub fn inbox(paths: &SessionPaths) -> PathBuf {
    paths.dir.join("inbox")
}

struct Seen {
    size: u64,
    modified: Option<SystemTime>,
    since: Instant,
}

/// What the service remembers between looks at the folder.
#[derive(Default)]
struct Tracker {
    /// Unsealed files: size and time last seen changing.
    seen: HashMap<String, Seen>,
    /// Final names of files seen under a temporary name.
    temps: HashSet<String>,
    /// Findings already reported.
    reported: HashSet<String>,
    /// Inbox files refused and reported (a refusal is reported once, even
    /// when the file cannot be moved aside).
    refused: HashSet<PathBuf>,
}

impl Tracker {
    /// Reports `f` unless the same code was reported for the same place.
    fn report_once(&mut self, f: Finding, report: &mut dyn FnMut(WatchEvent)) {
        if self.reported.insert(format!("{}:{}", f.code, f.location)) {
            report(WatchEvent::Finding(f));
        }
    }
}

/// Runs the sealing service on `root` until `stop` is set or a close request
/// appears; then seals what is finished, appends a `close` entry and signs a
/// final checkpoint.
pub fn watch(
    root: &Path,
    signer: &NoteSigner,
    origin: Option<&str>,
    fields: &HeaderFields,
    opts: &WatchOptions,
    stop: &AtomicBool,
    report: &mut dyn FnMut(WatchEvent),
) -> Result<(), SealError> {
    let mut sealer = Sealer::open_with(root, signer, origin, fields, &opts.media)?;

    if sealer.created() {
        report(WatchEvent::Opened);
    } else {
        let last_seen = sealer.seen_before().unwrap_or_default().to_owned();
        let r = RestartEntry {
            v: VERSION,
            kind: "restart".into(),
            at: entry::now_utc(),
            last_seen: last_seen.clone(),
        };
        sealer.append(&[entry::to_line(&r)])?;
        report(WatchEvent::Restarted { last_seen });
    }
    if let Some(cp) = sealer.checkpoint()? {
        report(WatchEvent::Checkpoint(cp));
    }
    let paths = sealer.paths().clone();
    let _ = fs::remove_file(close_request(&paths));
    let mut tracker = Tracker::default();
    // Asked to close: anything at the name, never followed.
    let close_asked = |p: &SessionPaths| fs::symlink_metadata(close_request(p)).is_ok();
    let mut last_heartbeat = Instant::now();
    let reason = loop {
        if stop.load(Ordering::SeqCst) {
            break "signal";
        }
        if close_asked(&paths) {
            break "close-command";
        }
        take_inbox(&mut sealer, &paths, &mut tracker, report)?;
        seal_finished(&mut sealer, opts, &mut tracker, false, report)?;
        if last_heartbeat.elapsed() >= opts.heartbeat {
            let hb = HeartbeatEntry {
                v: VERSION,
                kind: "heartbeat".into(),
                at: entry::now_utc(),
                segments: sealer.segments(),
            };
            sealer.append(&[entry::to_line(&hb)])?;
            report(WatchEvent::Heartbeat(hb.at));
            last_heartbeat = Instant::now();
        }
        if let Some(cp) = sealer.checkpoint()? {
            report(WatchEvent::Checkpoint(cp));
        }
        sleep_unless_stopped(opts.poll, stop);
    };
    take_inbox(&mut sealer, &paths, &mut tracker, report)?;
    seal_finished(&mut sealer, opts, &mut tracker, true, report)?;
    let close = CloseEntry {
        v: VERSION,
        kind: "close".into(),
        at: entry::now_utc(),
        segments: sealer.segments(),
        reason: reason.into(),
    };
    sealer.append(&[entry::to_line(&close)])?;
    if let Some(cp) = sealer.checkpoint()? {
        report(WatchEvent::Checkpoint(cp));
    }
    let _ = fs::remove_file(close_request(&paths));
    report(WatchEvent::Closed {
        reason: reason.into(),
    });
    Ok(())
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let until = Instant::now() + total;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step.min(until.saturating_duration_since(Instant::now())));
    }
}

/// Seals every finished, unsealed, non-temporary segment; with `closing`,
/// every one that is not under a temporary name.
fn seal_finished(
    sealer: &mut Sealer<'_>,
    opts: &WatchOptions,
    tracker: &mut Tracker,
    closing: bool,
    report: &mut dyn FnMut(WatchEvent),
) -> Result<(), SealError> {
    // Listed through the session's door (no folder that is a link entered).
    let items = crate::store::source::scan(sealer.source(), None);
    for f in session::scan_findings(&items) {
        tracker.report_once(f, report);
    }
    let all: Vec<(&str, &Path)> = items
        .iter()
        .filter_map(|i| match i {
            ScanItem::File { name, path } => Some((name.as_str(), path.as_path())),
            _ => None,
        })
        .collect();
    for (name, _) in all.iter().filter(|(n, _)| is_temporary(n)) {
        tracker.temps.insert(final_name(name));
    }
    let now = Instant::now();
    for (name, _) in all.iter().filter(|(n, _)| !is_temporary(n)) {
        if sealer.is_sealed(name) {
            continue;
        }
        if let Some(f) = session::name_refusal(name) {
            tracker.report_once(f, report);
            continue;
        }
        // Its size and modification time, from the file reached through
        // the door (a name swapped for a link or FIFO is not looked at).
        let Ok(meta) = sealer.source().open(name).and_then(|f| {
            f.file
                .metadata()
                .map_err(crate::store::source::ReadError::Io)
        }) else {
            continue;
        };
        let (size, modified) = (meta.len(), meta.modified().ok());
        let entry = tracker.seen.entry((*name).to_owned()).or_insert(Seen {
            size,
            modified,
            since: now,
        });
        if entry.size != size || entry.modified != modified {
            *entry = Seen {
                size,
                modified,
                since: now,
            };
        }
        // The recorder has moved on to a later file (under any name).
        let next_started = all
            .iter()
            .any(|(n, _)| *n > *name && final_name(n) != *name);
        // It was written under a temporary name and renamed when finished.
        let renamed = tracker.temps.contains(*name);
        let settled = now.duration_since(entry.since) >= opts.settle;
        if closing || next_started || renamed || settled {
            match sealer.seal_file(name, &opts.media)? {
                FileOutcome::Sealed(seg, finding) => {
                    tracker.seen.remove(*name);
                    tracker.temps.remove(*name);
                    report(WatchEvent::Sealed(*seg));
                    if let Some(f) = finding {
                        report(WatchEvent::Finding(f));
                    }
                    if let Some(cp) = sealer.checkpoint()? {
                        report(WatchEvent::Checkpoint(cp));
                    }
                }
                // Still being written: it is looked at again until it
                // settles (said only if it is still changing at close).
                FileOutcome::NotSealed(f) if f.code == Code::SegmentUnsettled && !closing => {
                    tracker.seen.remove(*name);
                }
                FileOutcome::NotSealed(f) => tracker.report_once(f, report),
            }
        }
    }
    Ok(())
}

/// The inbox folder, by its name in the session.
const INBOX_REL: &str = "courtseal/inbox";

/// Largest event file read from the inbox, in bytes (an event line is well
/// under a kilobyte).
const MAX_EVENT_BYTES: u64 = 64 * 1024;

/// Takes in the events `courtseal event` left for the service: each is
/// checked against its own operator key, stamped with the time it is
/// sealed, appended, and only then removed from the inbox.
fn take_inbox(
    sealer: &mut Sealer<'_>,
    paths: &SessionPaths,
    tracker: &mut Tracker,
    report: &mut dyn FnMut(WatchEvent),
) -> Result<(), SealError> {
    let dir = inbox(paths);
    // Listed and read through the session's door: the inbox folder (and
    // the tool folder above it) only when it is a real folder inside the
    // session, reached without a link (through a link planted as the inbox,
    // files elsewhere would be read, renamed or deleted).
    // The inbox folder is opened once, through the door; it is listed, each
    // event read, and each taken or refused one removed or renamed from
    // that one handle, so a folder swapped for a link meanwhile cannot send
    // a removal or a rename out of the session.
    let Ok(folder) = sealer.source().folder(INBOX_REL) else {
        return Ok(());
    };
    let Ok(again) = rustix::io::dup(&folder) else {
        return Ok(());
    };
    let inbox_source = LocalSession::opened(&dir, again);
    let Ok(Some(listed)) = inbox_source.list(".") else {
        return Ok(());
    };
    let names: Vec<(String, Kind)> = listed
        .into_iter()
        // A name that is not UTF-8 was never written by `courtseal event`
        // and cannot be opened as itself: it is left alone.
        .filter(|l| l.kind != Kind::NotUtf8)
        .filter(|l| Path::new(&l.name).extension().is_some_and(|x| x == "event"))
        .map(|l| (l.name, l.kind))
        .collect();
    for (name, _) in names {
        let file = dir.join(&name);
        if tracker.refused.contains(&file) {
            continue;
        }
        // An event waiting in the inbox has no sealing time yet, so it is
        // read as an event entry, not as a log line. Only a small regular
        // file is read, from the handle the door checked (a FIFO or a link
        // planted there, or swapped in after the listing, is refused).
        let read = inbox_source.read(&name, MAX_EVENT_BYTES);
        let regular = match &read {
            // Taken in (or removed) since it was listed.
            Err(ReadError::Missing) => continue,
            Err(ReadError::NotRegular) => false,
            _ => true,
        };
        let parsed = read
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| serde_json::from_str::<EventEntry>(t.trim_end()).ok())
            .filter(|e| e.v == VERSION && e.kind == "event");
        let Some(mut ev) = parsed else {
            let why = if regular {
                "not an event entry"
            } else {
                "not a regular file (a folder, link or FIFO is never read)"
            };
            refuse(
                &mut tracker.refused,
                (&folder, &dir, &name),
                why.into(),
                report,
            );
            continue;
        };
        if let Err(e) = event::check_event(&ev, sealer.origin()) {
            refuse(
                &mut tracker.refused,
                (&folder, &dir, &name),
                e.to_string(),
                report,
            );
            continue;
        }
        if !sealer.has_event(&ev.note) {
            ev.sealed_at = entry::now_utc();
            sealer.append(&[entry::to_line(&ev)])?;
            report(WatchEvent::Event(ev));
        }
        rustix::fs::unlinkat(&folder, name.as_str(), rustix::fs::AtFlags::empty()).map_err(
            |e| SealError::Io {
                path: file.clone(),
                source: e.into(),
            },
        )?;
    }
    Ok(())
}

/// Refuses an inbox entry: renames it `….refused` and reports it. A
/// refusal is reported once: an entry that cannot be moved aside (a folder
/// named `….event` next to a `….refused` one) is remembered in `refused`
/// and not refused again on every look.
///
/// `at` is the inbox folder's handle, its path (to show) and the entry's
/// name in it: the entry is renamed within that handle, never by path.
fn refuse(
    refused: &mut HashSet<PathBuf>,
    at: (&std::os::fd::OwnedFd, &Path, &str),
    why: String,
    report: &mut dyn FnMut(WatchEvent),
) {
    let (folder, dir, name) = at;
    let file = dir.join(name);
    if !refused.insert(file.clone()) {
        return;
    }
    let bad_name = Path::new(name)
        .with_extension("refused")
        .to_string_lossy()
        .into_owned();
    let bad = dir.join(&bad_name);
    // Never over an existing name: a refused event already there stays.
    let free = matches!(
        rustix::fs::statat(
            folder,
            bad_name.as_str(),
            rustix::fs::AtFlags::SYMLINK_NOFOLLOW
        ),
        Err(rustix::io::Errno::NOENT)
    );
    let moved = free && rustix::fs::renameat(folder, name, folder, bad_name.as_str()).is_ok();
    if moved {
        refused.remove(&file);
        report(WatchEvent::RefusedEvent { file: bad, why });
    } else {
        report(WatchEvent::RefusedEvent {
            file: file.clone(),
            why: format!(
                "{why} (left in place: it could not be renamed to {})",
                bad.display()
            ),
        });
    }
}

/// Leaves an event for the running service (atomically: a temp file renamed
/// into the inbox). Returns the inbox file.
pub fn queue_event(paths: &SessionPaths, ev: &EventEntry) -> Result<PathBuf, SealError> {
    let dir = inbox(paths);
    fs::create_dir_all(&dir).map_err(|e| SealError::Io {
        path: dir.clone(),
        source: e,
    })?;
    if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
        return Err(SealError::Damaged {
            path: dir,
            what: "is not a folder (a symbolic link?); courtseal never writes through a link"
                .into(),
        });
    }
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let target = dir.join(format!("{nanos:020}-{}.event", std::process::id()));
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| SealError::Io {
        path: dir.clone(),
        source: e,
    })?;
    let mut line = entry::to_line(ev);
    line.push(b'\n');
    tmp.write_all(&line).map_err(|e| SealError::Io {
        path: tmp.path().to_owned(),
        source: e,
    })?;
    tmp.as_file().sync_all().map_err(|e| SealError::Io {
        path: tmp.path().to_owned(),
        source: e,
    })?;
    tmp.persist(&target).map_err(|e| SealError::Io {
        path: target.clone(),
        source: e.error,
    })?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A sealer on a new, empty session at `dir/s`, and its inbox.
    fn sealer_in(dir: &Path) -> (Sealer<'static>, SessionPaths) {
        let root = dir.join("s");
        fs::create_dir(&root).unwrap();
        // The signer outlives the test: leaked, as a test may.
        let signer: &'static NoteSigner = Box::leak(Box::new(
            NoteSigner::new("test-recorder", signer_key()).unwrap(),
        ));
        let s = Sealer::open(
            &root,
            signer,
            Some("court.example/room5"),
            &HeaderFields::default(),
        )
        .unwrap();
        let paths = SessionPaths::new(&root);
        fs::create_dir_all(inbox(&paths)).unwrap();
        (s, paths)
    }

    fn signer_key() -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&[1u8; 32])
    }

    /// What one look at the inbox reports: each refusal's file and reason.
    fn look(sealer: &mut Sealer<'_>, paths: &SessionPaths) -> Vec<(PathBuf, String)> {
        let mut tracker = Tracker::default();
        let mut out = Vec::new();
        take_inbox(sealer, paths, &mut tracker, &mut |ev| {
            if let WatchEvent::RefusedEvent { file, why } = ev {
                out.push((file, why));
            }
        })
        .unwrap();
        out
    }

    /// The tool folder moved out of the running session and a link to an
    /// outside folder left in its place, whose `inbox/` holds someone
    /// else's file: the service used to read it and rename it `.refused`
    /// (or, for a valid event, delete it). The inbox is reached through the
    /// session's door, so nothing below the link is read or moved.
    #[test]
    fn the_inbox_is_not_read_through_a_tool_folder_swapped_for_a_link() {
        let t = tempfile::tempdir().unwrap();
        let (mut sealer, paths) = sealer_in(t.path());
        let outside = t.path().join("outside");
        fs::create_dir_all(outside.join("inbox")).unwrap();
        fs::write(outside.join("inbox/victim.event"), b"someone else's file").unwrap();
        fs::rename(&paths.dir, t.path().join("moved")).unwrap();
        symlink(&outside, &paths.dir).unwrap();
        assert_eq!(look(&mut sealer, &paths), []);
        assert_eq!(
            fs::read(outside.join("inbox/victim.event")).unwrap(),
            b"someone else's file"
        );
        assert_eq!(fs::read_dir(outside.join("inbox")).unwrap().count(), 1);
    }

    /// An event file that is a link to a file outside, a FIFO, or larger
    /// than any event: each refused as what it is, none followed, waited on
    /// or read whole.
    #[test]
    fn an_inbox_event_that_is_a_link_a_fifo_or_huge_is_refused_unread() {
        let t = tempfile::tempdir().unwrap();
        let (mut sealer, paths) = sealer_in(t.path());
        let dir = inbox(&paths);
        fs::write(t.path().join("secret"), b"outside").unwrap();
        symlink(t.path().join("secret"), dir.join("1-link.event")).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            dir.join("2-fifo.event"),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        fs::write(dir.join("3-huge.event"), vec![b' '; 64 * 1024 + 1]).unwrap();
        let got = look(&mut sealer, &paths);
        let not_regular = "not a regular file (a folder, link or FIFO is never read)";
        assert_eq!(
            got,
            [
                (dir.join("1-link.refused"), not_regular.to_owned()),
                (dir.join("2-fifo.refused"), not_regular.to_owned()),
                (dir.join("3-huge.refused"), "not an event entry".to_owned()),
            ]
        );
        assert_eq!(fs::read(t.path().join("secret")).unwrap(), b"outside");
    }
}
