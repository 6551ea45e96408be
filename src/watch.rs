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
        seal_finished(&mut sealer, &paths, opts, &mut tracker, false, report)?;
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
    seal_finished(&mut sealer, &paths, opts, &mut tracker, true, report)?;
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
    paths: &SessionPaths,
    opts: &WatchOptions,
    tracker: &mut Tracker,
    closing: bool,
    report: &mut dyn FnMut(WatchEvent),
) -> Result<(), SealError> {
    // Listed through the session's door (no folder that is a link entered).
    let items = crate::store::source::scan(&paths.source(), None);
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
    for (name, path) in all.iter().filter(|(n, _)| !is_temporary(n)) {
        if sealer.is_sealed(name) {
            continue;
        }
        if let Some(f) = session::name_refusal(name) {
            tracker.report_once(f, report);
            continue;
        }
        let Ok(meta) = fs::symlink_metadata(path) else {
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
    // Only a real folder inside the session: through a link planted as the
    // inbox, files elsewhere would be renamed or deleted.
    if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
        return Ok(());
    }
    let Ok(rd) = fs::read_dir(&dir) else {
        return Ok(());
    };
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "event"))
        .collect();
    files.sort();
    for file in files {
        if tracker.refused.contains(&file) {
            continue;
        }
        // An event waiting in the inbox has no sealing time yet, so it is
        // read as an event entry, not as a log line. Only a small regular
        // file is read (a FIFO or a link planted there is refused).
        let regular = fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_file());
        let parsed = regular
            .then(|| crate::store::layout::read_bounded_text(&file, 64 * 1024).ok())
            .flatten()
            .and_then(|t| serde_json::from_str::<EventEntry>(t.trim_end()).ok())
            .filter(|e| e.v == VERSION && e.kind == "event");
        let Some(mut ev) = parsed else {
            let why = if regular {
                "not an event entry"
            } else {
                "not a regular file (a folder, link or FIFO is never read)"
            };
            refuse(&mut tracker.refused, &file, why.into(), report);
            continue;
        };
        if let Err(e) = event::check_event(&ev, sealer.origin()) {
            refuse(&mut tracker.refused, &file, e.to_string(), report);
            continue;
        }
        if !sealer.has_event(&ev.note) {
            ev.sealed_at = entry::now_utc();
            sealer.append(&[entry::to_line(&ev)])?;
            report(WatchEvent::Event(ev));
        }
        fs::remove_file(&file).map_err(|e| SealError::Io {
            path: file.clone(),
            source: e,
        })?;
    }
    Ok(())
}

/// Refuses an inbox entry: renames it `….refused` and reports it. A
/// refusal is reported once: an entry that cannot be moved aside (a folder
/// named `….event` next to a `….refused` one) is remembered in `refused`
/// and not refused again on every look.
fn refuse(
    refused: &mut HashSet<PathBuf>,
    file: &Path,
    why: String,
    report: &mut dyn FnMut(WatchEvent),
) {
    if !refused.insert(file.to_owned()) {
        return;
    }
    let bad = file.with_extension("refused");
    // Never over an existing name: a refused event already there stays.
    let moved = fs::symlink_metadata(&bad).is_err() && fs::rename(file, &bad).is_ok();
    if moved {
        refused.remove(file);
        report(WatchEvent::RefusedEvent { file: bad, why });
    } else {
        report(WatchEvent::RefusedEvent {
            file: file.to_owned(),
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
