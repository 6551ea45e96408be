//! Sealing: appending new segments and signing a new checkpoint, durably,
//! and never rewriting what was sealed.
//!
//! Layout:
//!
//! ```text
//! SESSION/                      recorder output: every regular file is a segment
//! SESSION/record.toml           optional short-form record (not a segment)
//! SESSION/courtseal/log.jsonl   the log, one entry per line
//! SESSION/courtseal/checkpoint  the latest signed checkpoint
//! SESSION/courtseal/checkpoints/<size>   every checkpoint ever signed
//! ```

pub mod record;

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use crate::checkpoint::Checkpoint;
use crate::entry::{self, Entry, RecoveryEntry, SegmentEntry, SessionHeader, VERSION};
use crate::finding::{Code, Finding};
use crate::media::MediaOptions;
use crate::note::NoteSigner;
use crate::tlog::{self, Tree};

pub use crate::log::{Log, LogLine};
pub use crate::store::layout::*;

mod segment;
mod tail;

pub use segment::{read_segment, windows_file, BetweenReads, SegmentReadError, SegmentReading};
pub use tail::{pending_file, PENDING_HEADER};

/// Open flags for every file the sealer writes or locks: a link planted at
/// the name is refused by the kernel (never written through), and opening
/// a FIFO planted there does not block.
const NO_FOLLOW: i32 = libc::O_NOFOLLOW | libc::O_NONBLOCK;

/// Descriptive fields for the session header (from the short-form record or
/// the command line).
#[derive(Debug, Clone, Default)]
pub struct HeaderFields {
    /// Court.
    pub court: Option<String>,
    /// Courtroom.
    pub courtroom: Option<String>,
    /// Case number.
    pub case: Option<String>,
    /// Judge.
    pub judge: Option<String>,
    /// Secretary.
    pub secretary: Option<String>,
    /// SHA-256 of the previous session's final checkpoint.
    pub previous: Option<String>,
}

impl HeaderFields {
    /// Reads court, courtroom, case, judge and secretary from a short-form
    /// record (`record.toml`), when the session has one. Other fields are
    /// left to the record check.
    pub fn from_record(root: &Path) -> Result<HeaderFields, SealError> {
        // The one record rule, read through the session's door.
        let source = crate::store::source::LocalSession::new(root);
        let Some((name, text)) =
            crate::store::source::record_in(&source, root).map_err(|e| SealError::Io {
                path: root.to_owned(),
                source: e,
            })?
        else {
            return Ok(HeaderFields::default());
        };
        let path = root.join(name);
        if text.trim_start().starts_with('{') {
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| SealError::Record {
                    path: path.clone(),
                    what: e.to_string(),
                })?;
            let get = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
            return Ok(HeaderFields {
                court: get("court"),
                courtroom: get("courtroom"),
                case: get("case"),
                judge: get("judge"),
                secretary: get("secretary"),
                previous: None,
            });
        }
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| SealError::Record {
                path: path.clone(),
                what: e.message().to_owned(),
            })?;
        let get = |k: &str| table.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        Ok(HeaderFields {
            court: get("court"),
            courtroom: get("courtroom"),
            case: get("case"),
            judge: get("judge"),
            secretary: get("secretary"),
            previous: None,
        })
    }
}

/// An operational failure of `seal`: nothing was changed on disk unless the
/// message says so.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The origin given for a new log cannot be used.
    #[error("origin {origin:?} cannot be used: {why}")]
    BadOrigin {
        /// The origin as given.
        origin: String,
        /// Why.
        why: crate::format::origin::OriginError,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The session folder does not exist or is not a folder.
    #[error("{0}: not a session folder (it does not exist or is not a directory)")]
    NotASession(PathBuf),
    /// The short-form record cannot be read.
    #[error("{path}: cannot read the short-form record: {what}")]
    Record {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// Another process holds the session's lock.
    #[error("{0}: another courtseal process is sealing this session")]
    Locked(PathBuf),
    /// The log on disk is damaged; sealing on top of it would hide that.
    #[error("{path}: {what}; refusing to seal on top of it (run 'courtseal verify' for details)")]
    Damaged {
        /// The log or checkpoint.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// The key or origin given do not match the session's log.
    #[error("{path}: {what}")]
    Mismatch {
        /// The log.
        path: PathBuf,
        /// What differs.
        what: String,
    },
    /// No origin was given for a new log.
    #[error("{0}: this session has no log yet; give --origin to start one")]
    NoOrigin(PathBuf),
    /// An entry after the latest checkpoint is not one this sealer can
    /// vouch for: it did not write it, and it is not correctly signed.
    #[error("{path}: line {line} ({kind} entry) is not covered by any checkpoint, and this sealer signs only what it derived itself: {why}. Nothing was changed; run 'courtseal verify' for details")]
    Unvouched {
        /// The log.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// The entry's kind.
        kind: String,
        /// Why it cannot be vouched for.
        why: String,
    },
}

/// What became of one file offered for sealing.
#[derive(Debug, Clone)]
pub enum FileOutcome {
    /// Sealed: its entry, and a finding when FFmpeg could not read it.
    Sealed(Box<SegmentEntry>, Option<Finding>),
    /// Not sealed (it is not a plain file with one name, or it kept
    /// changing while it was read): why, as a finding.
    NotSealed(Finding),
}

/// What a `seal` run did.
#[derive(Debug, Clone)]
pub struct SealOutcome {
    /// True if this run created the log.
    pub created: bool,
    /// Segments sealed by this run.
    pub sealed: Vec<SegmentEntry>,
    /// Files that could not be sealed (symlinks, bad names, unreadable).
    pub skipped: Vec<Finding>,
    /// The checkpoint signed by this run, if anything new was appended.
    pub checkpoint: Option<Checkpoint>,
    /// Entries in the log after this run.
    pub size: u64,
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> SealError + '_ {
    move |source| SealError::Io {
        path: path.to_owned(),
        source,
    }
}

/// An open session being sealed: holds the session's lock, the tree of the
/// log as it stands, and appends entries and signs checkpoints over them.
///
/// Entries are appended (and made durable) first; a checkpoint over them is
/// signed when [`Sealer::checkpoint`] is called.
pub struct Sealer<'k> {
    paths: SessionPaths,
    /// The session folder, opened once: every segment is listed and read
    /// from this one handle, through the door.
    source: crate::store::source::LocalSession,
    signer: &'k NoteSigner,
    origin: String,
    tree: Tree,
    signed: u64,
    known: HashSet<String>,
    seq: u64,
    segments: u64,
    last_time: Option<String>,
    last_kind: Option<String>,
    seen_before: Option<String>,
    notes: HashSet<String>,
    created: bool,
    between: Option<Box<BetweenReads>>,
    /// Length of the log file as this sealer left it.
    log_len: u64,
    _lock: fs::File,
}

/// How often a file that changes while it is read is read again before it
/// is left unsealed for now.
const READ_ATTEMPTS: usize = 3;

/// Takes the session's lock, or says another process holds it.
pub fn lock_session(paths: &SessionPaths) -> Result<fs::File, SealError> {
    // Nothing is ever written through a link: a tool folder, log or lock
    // planted as a link would put the session's log somewhere else.
    let linked = |p: &Path| fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    let (torn, windows) = (paths.dir.join("torn"), paths.dir.join("windows"));
    for p in [
        &paths.dir,
        &paths.checkpoints,
        &paths.log,
        &paths.lock,
        &torn,
        &windows,
    ] {
        if linked(p) {
            return Err(SealError::Damaged {
                path: p.clone(),
                what: "is a symbolic link; courtseal never writes through a link".into(),
            });
        }
    }
    fs::create_dir_all(&paths.checkpoints).map_err(io_at(&paths.checkpoints))?;
    // Created just now, or there already: either way it must not be a link
    // (one planted between the look above and here is refused as well).
    for p in [&paths.dir, &paths.checkpoints] {
        if !fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
            return Err(SealError::Damaged {
                path: p.clone(),
                what: "is not a folder (a symbolic link?); courtseal never writes through a link"
                    .into(),
            });
        }
    }
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(NO_FOLLOW)
        .open(&paths.lock)
        .map_err(io_at(&paths.lock))?;
    if !lock.metadata().is_ok_and(|m| m.is_file()) {
        return Err(SealError::Damaged {
            path: paths.lock.clone(),
            what: "is not a regular file; courtseal never locks through a FIFO or device".into(),
        });
    }
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(fs::TryLockError::WouldBlock) => Err(SealError::Locked(paths.root.clone())),
        Err(fs::TryLockError::Error(e)) => Err(SealError::Io {
            path: paths.lock.clone(),
            source: e,
        }),
    }
}

impl<'k> Sealer<'k> {
    /// Opens the session at `root` for sealing with `signer`: takes the
    /// lock, checks the log is whole and matches its latest checkpoint, moves
    /// aside an incomplete last line left by a crash (recording a `recovery`
    /// entry), and appends the session header to a new log.
    pub fn open(
        root: &Path,
        signer: &'k NoteSigner,
        origin: Option<&str>,
        fields: &HeaderFields,
    ) -> Result<Sealer<'k>, SealError> {
        Self::open_with(root, signer, origin, fields, &MediaOptions::default())
    }

    /// [`Sealer::open`], deriving segment entries of the unsigned tail
    /// again with `media` (the window length each entry states is kept).
    pub fn open_with(
        root: &Path,
        signer: &'k NoteSigner,
        origin: Option<&str>,
        fields: &HeaderFields,
        media: &MediaOptions,
    ) -> Result<Sealer<'k>, SealError> {
        if !root.is_dir() {
            return Err(SealError::NotASession(root.to_owned()));
        }
        let paths = SessionPaths::new(root);
        let lock = lock_session(&paths)?;
        let mut log = match Log::read_from(&paths.source()) {
            Ok(l) => l,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Log::default(),
            Err(e) => {
                return Err(SealError::Io {
                    path: paths.log.clone(),
                    source: e,
                })
            }
        };
        // Everything is checked before anything is changed: a log that is
        // damaged in any other way is refused untouched, and a new log only
        // gets an origin that a checkpoint (and a witness) can carry.
        if log.header().is_none() {
            if let Some(o) = origin {
                crate::format::origin::Origin::new(o).map_err(|e| SealError::BadOrigin {
                    origin: o.to_owned(),
                    why: e,
                })?;
            }
        }
        let session_name = root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let (tree, signed) = check_existing(&paths, &log, signer, origin)?;
        tail::vet_unsigned(
            &tail::Vetting {
                paths: &paths,
                log: &log,
                tree: &tree,
                signer,
                fields,
                media,
                session_name: session_name.clone(),
            },
            signed,
        )?;
        let recovery = match log.torn_tail.take() {
            Some(tail) => Some(set_torn_tail_aside(&paths, &log, &tail)?),
            None => None,
        };
        let created = log.lines.is_empty();
        if log
            .lines
            .last()
            .is_some_and(|l| matches!(l.entry, Ok(Entry::Close(_))))
        {
            return Err(SealError::Mismatch {
                path: paths.log.clone(),
                what: "this session was closed; nothing more is sealed in it (start a new session folder)".into(),
            });
        }
        let origin = match log.header() {
            Some(h) => h.origin.clone(),
            None => origin
                .ok_or_else(|| SealError::NoOrigin(root.to_owned()))?
                .to_owned(),
        };
        let mut sealer = Sealer {
            log_len: log.lines.iter().map(|l| l.bytes.len() as u64 + 1).sum(),
            signed,
            known: log.segments().map(|(_, s)| s.name.clone()).collect(),
            seq: log.segments().map(|(_, s)| s.seq).max().unwrap_or(0),
            segments: log.segments().count() as u64,
            last_time: log
                .lines
                .iter()
                .rev()
                .find_map(|l| l.entry.as_ref().ok().map(|e| e.time().to_owned())),
            last_kind: log
                .lines
                .last()
                .and_then(|l| l.entry.as_ref().ok().map(|e| e.kind().to_owned())),
            seen_before: log
                .lines
                .iter()
                .rev()
                .find_map(|l| l.entry.as_ref().ok().map(|e| e.time().to_owned())),
            notes: log
                .lines
                .iter()
                .filter_map(|l| match &l.entry {
                    Ok(Entry::Event(e)) => Some(e.note.clone()),
                    _ => None,
                })
                .collect(),
            source: crate::store::source::LocalSession::new(&paths.root),
            paths,
            signer,
            origin,
            tree,
            created,
            between: None,
            _lock: lock,
        };
        if created {
            let header = SessionHeader {
                v: VERSION,
                kind: "session".into(),
                origin: sealer.origin.clone(),
                session: session_name,
                court: fields.court.clone(),
                courtroom: fields.courtroom.clone(),
                case: fields.case.clone(),
                judge: fields.judge.clone(),
                secretary: fields.secretary.clone(),
                recorder: signer.verifier().to_vkey(),
                previous: fields.previous.clone(),
                opened_at: entry::now_utc(),
            };
            sealer.append(&[entry::to_line(&header)])?;
        }
        if let Some(r) = recovery {
            sealer.append(&[entry::to_line(&r)])?;
        }
        Ok(sealer)
    }

    /// The session's paths.
    pub fn paths(&self) -> &SessionPaths {
        &self.paths
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// True if this run created the log.
    pub fn created(&self) -> bool {
        self.created
    }

    /// Entries in the log.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// Segments sealed so far.
    pub fn segments(&self) -> u64 {
        self.segments
    }

    /// The kind of the last entry, when the log has one.
    pub fn last_kind(&self) -> Option<&str> {
        self.last_kind.as_deref()
    }

    /// The time of the last entry the log held before this run opened it.
    pub fn seen_before(&self) -> Option<&str> {
        self.seen_before.as_deref()
    }

    /// The time of the last entry, when the log has one.
    pub fn last_time(&self) -> Option<&str> {
        self.last_time.as_deref()
    }

    /// True if this signed event note is already in the log.
    pub fn has_event(&self, note: &str) -> bool {
        self.notes.contains(note)
    }

    /// True if a segment of this name is already in the log.
    pub fn is_sealed(&self, name: &str) -> bool {
        self.known.contains(name)
    }

    /// The session folder as this sealer reads it: opened once, every name
    /// reached through the door (no link followed, no FIFO waited on).
    pub fn source(&self) -> &crate::store::source::LocalSession {
        &self.source
    }

    /// Runs `hook` between the pass that hashes each file and the pass that
    /// reads its media facts (for tests of a file changed in between).
    pub fn set_between_reads(&mut self, hook: Box<BetweenReads>) {
        self.between = Some(hook);
    }

    /// Appends lines (one write, fsynced) and adds them to the tree. The
    /// pending note for the append is left first, so that a run stopped
    /// before its checkpoint is recognised as this sealer's own.
    pub fn append(&mut self, lines: &[Vec<u8>]) -> Result<(), SealError> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut after = self.tree.clone();
        for l in lines {
            after.push(tlog::leaf_hash(l));
        }
        tail::write_pending(&self.paths, self.signer, &self.origin, &self.tree, &after)?;
        // The lock keeps courtseal's own processes out; bytes written to the
        // log by anything else since this sealer last wrote it would end up
        // under its next checkpoint's lines without being vetted.
        let found = match fs::symlink_metadata(&self.paths.log) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io_at(&self.paths.log)(e)),
        };
        if found != self.log_len {
            return Err(SealError::Damaged {
                path: self.paths.log.clone(),
                what: format!(
                    "the log was changed by another process while this sealer held it ({} bytes expected, {found} found); nothing more is appended",
                    self.log_len
                ),
            });
        }
        append_lines(&self.paths, lines)?;
        self.log_len += lines.iter().map(|l| l.len() as u64 + 1).sum::<u64>();
        self.tree = after;
        for l in lines {
            if let Ok(e) = Entry::parse(l) {
                self.last_time = Some(e.time().to_owned());
                self.last_kind = Some(e.kind().to_owned());
                if let Entry::Event(ev) = e {
                    self.notes.insert(ev.note);
                }
            }
        }
        Ok(())
    }

    /// Hashes and reads one segment file (`name`, relative to the session)
    /// and appends its entry, when one reading gives a hash and media facts
    /// of the same bytes; a file that keeps changing while it is read (it
    /// is still being written) is read again, then left unsealed for now.
    pub fn seal_file(
        &mut self,
        name: &str,
        media: &MediaOptions,
    ) -> Result<FileOutcome, SealError> {
        let seq = self.seq + 1;
        let mut attempt = 0;
        let reading = loop {
            attempt += 1;
            let hook = self.between.as_deref_mut();
            match read_segment(&self.source, name, seq, media, hook) {
                Ok(r) => break r,
                Err(SegmentReadError::Changed(_)) if attempt < READ_ATTEMPTS => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(SegmentReadError::Io(e)) => {
                    return Err(SealError::Io {
                        path: self.paths.root.join(name),
                        source: e,
                    })
                }
                Err(e) => return Ok(FileOutcome::NotSealed(not_sealed(name, &e))),
            }
        };
        if let Some(bytes) = &reading.sidecar {
            write_sidecar(&self.paths, seq, bytes)?;
        }
        let facts = reading.facts;
        let finding = facts.unreadable.as_ref().map(|why| {
            Finding::warning(
                Code::MediaUnreadable,
                name,
                format!("sealed by its bytes only: FFmpeg cannot read it as media ({why})"),
            )
        });
        let seg = SegmentEntry {
            v: VERSION,
            kind: "segment".into(),
            seq,
            name: name.to_owned(),
            size: reading.size,
            sha256: reading.sha256,
            sealed_at: entry::now_utc(),
            media: Some(facts),
        };
        self.append(&[entry::to_line(&seg)])?;
        self.seq = seq;
        self.segments += 1;
        self.known.insert(name.to_owned());
        Ok(FileOutcome::Sealed(Box::new(seg), finding))
    }

    /// Signs a checkpoint over the whole log, if it holds entries no
    /// checkpoint covers yet.
    pub fn checkpoint(&mut self) -> Result<Option<Checkpoint>, SealError> {
        if self.tree.size() <= self.signed {
            return Ok(None);
        }
        let cp = Checkpoint::new(&self.origin, self.tree.size(), self.tree.root());
        write_checkpoint(&self.paths, self.signer, &cp)?;
        self.signed = cp.size;
        // Everything the pending note vouched for is signed now.
        tail::remove_pending(&self.paths);
        Ok(Some(cp))
    }
}

/// The finding for a file that was not sealed.
fn not_sealed(name: &str, e: &SegmentReadError) -> Finding {
    let code = match e {
        SegmentReadError::Io(_) => Code::SegmentUnreadable,
        SegmentReadError::NotRegular => Code::SegmentBadName,
        SegmentReadError::HardLinked(_) => Code::SegmentHardLink,
        SegmentReadError::Changed(_) => Code::SegmentUnsettled,
    };
    Finding::error(code, name, format!("not sealed: it {e}"))
}

/// Why a name found in the folder is not sealed at all: a bidirectional
/// control or an invisible character would make it read as another name.
pub fn name_refusal(name: &str) -> Option<Finding> {
    let c = name.chars().find(|c| crate::format::origin::hidden(*c))?;
    Some(Finding::error(
        Code::SegmentBadName,
        name,
        format!(
            "not sealed: the file name holds U+{:04X}, an invisible or text-direction character that makes a name read as another; rename the file",
            c as u32
        ),
    ))
}

/// Seals a session folder: appends an entry for every segment not yet in the
/// log (the header first, for a new log) and signs a checkpoint over the
/// whole log. Existing lines and checkpoints are never rewritten.
pub fn seal(
    root: &Path,
    signer: &NoteSigner,
    origin: Option<&str>,
    fields: &HeaderFields,
    media: &MediaOptions,
) -> Result<SealOutcome, SealError> {
    let sealer = Sealer::open_with(root, signer, origin, fields, media)?;
    seal_with(sealer, media)
}

/// [`seal`] with a sealer already open.
pub fn seal_with(mut sealer: Sealer<'_>, media: &MediaOptions) -> Result<SealOutcome, SealError> {
    // Listed through the session's door (no folder that is a link entered).
    let items = crate::store::source::scan(&sealer.source, None);
    let mut skipped = scan_findings(&items);
    let mut sealed = Vec::new();
    for item in &items {
        let ScanItem::File { name, .. } = item else {
            continue;
        };
        if sealer.is_sealed(name) {
            continue;
        }
        if let Some(f) = name_refusal(name) {
            skipped.push(f);
            continue;
        }
        match sealer.seal_file(name, media)? {
            FileOutcome::Sealed(seg, finding) => {
                skipped.extend(finding);
                sealed.push(*seg);
            }
            FileOutcome::NotSealed(f) => skipped.push(f),
        }
    }
    let checkpoint = sealer.checkpoint()?;
    Ok(SealOutcome {
        created: sealer.created(),
        sealed,
        skipped,
        checkpoint,
        size: sealer.size(),
    })
}

/// Moves an incomplete last line (left by a crash in the middle of an
/// append) out of the log: its bytes are kept in `courtseal/torn/<offset>`,
/// the log is cut back to its last complete line, and the returned
/// `recovery` entry (appended next) records what was moved and where. The
/// bytes were never part of a complete line, so no checkpoint covers them.
fn set_torn_tail_aside(
    paths: &SessionPaths,
    log: &Log,
    tail: &[u8],
) -> Result<RecoveryEntry, SealError> {
    let offset: u64 = log.lines.iter().map(|l| l.bytes.len() as u64 + 1).sum();
    let dir = paths.dir.join("torn");
    fs::create_dir_all(&dir).map_err(io_at(&dir))?;
    if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
        return Err(SealError::Damaged {
            path: dir,
            what: "is not a folder (a symbolic link?); courtseal never writes through a link"
                .into(),
        });
    }
    let saved = dir.join(offset.to_string());
    // Only a regular file no longer than the tail is read back: a link,
    // FIFO or device planted under that name is never read.
    match paths.read(&format!("{TOOL_DIR}/torn/{offset}"), tail.len() as u64) {
        // Kept already by an earlier attempt that stopped before cutting.
        Ok(existing) if existing == tail => {}
        _ => {
            let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io_at(&dir))?;
            tmp.write_all(tail).map_err(io_at(tmp.path()))?;
            make_public(tmp.as_file(), tmp.path())?;
            tmp.as_file().sync_all().map_err(io_at(tmp.path()))?;
            tmp.persist_noclobber(&saved).map_err(|e| SealError::Io {
                path: saved.clone(),
                source: e.error,
            })?;
            sync_dir(&dir)?;
        }
    }
    let f = fs::OpenOptions::new()
        .write(true)
        .custom_flags(NO_FOLLOW)
        .open(&paths.log)
        .map_err(io_at(&paths.log))?;
    f.set_len(offset).map_err(io_at(&paths.log))?;
    f.sync_all().map_err(io_at(&paths.log))?;
    Ok(RecoveryEntry {
        v: VERSION,
        kind: "recovery".into(),
        at: entry::now_utc(),
        offset,
        length: tail.len() as u64,
        sha256: crate::digest::Sha256Digest::of(tail),
        saved_as: format!("{TOOL_DIR}/torn/{offset}"),
    })
}

/// Writes the packet-window sidecar of segment `seq` (durably, before the
/// entry that names it is appended).
fn write_sidecar(paths: &SessionPaths, seq: u64, bytes: &[u8]) -> Result<(), SealError> {
    let rel = windows_file(seq);
    let dir = paths.dir.join("windows");
    fs::create_dir_all(&dir).map_err(io_at(&dir))?;
    // courtseal/windows/ planted as a link would put the sidecar elsewhere.
    if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
        return Err(SealError::Damaged {
            path: dir,
            what: "is not a folder (a symbolic link?); courtseal never writes through a link"
                .into(),
        });
    }
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io_at(&dir))?;
    tmp.write_all(bytes).map_err(io_at(tmp.path()))?;
    make_public(tmp.as_file(), tmp.path())?;
    tmp.as_file().sync_all().map_err(io_at(tmp.path()))?;
    // Not yet named by any entry (its sequence number is new), so a file
    // left by an interrupted run may be replaced (a rename replaces a link
    // at the name; it never writes through it).
    let target = paths.root.join(&rel);
    tmp.persist(&target).map_err(|e| SealError::Io {
        path: target.clone(),
        source: e.error,
    })?;
    sync_dir(&dir)
}

/// Before appending: the log must be whole, made by this key and origin, and
/// still match the latest checkpoint. Returns the tree of the current log
/// and the size of its latest checkpoint (0 if none).
fn check_existing(
    paths: &SessionPaths,
    log: &Log,
    signer: &NoteSigner,
    origin: Option<&str>,
) -> Result<(Tree, u64), SealError> {
    let damaged = |what: String| SealError::Damaged {
        path: paths.log.clone(),
        what,
    };

    if let Some(bad) = log.lines.iter().find(|l| l.entry.is_err()) {
        return Err(damaged(format!("line {} is not a valid entry", bad.number)));
    }
    if log.lines.is_empty() {
        // A new log is only started in a session that never had one: signed
        // checkpoints without a log mean the log was deleted or emptied.
        let signed_before = paths.checkpoint.exists()
            || checkpoint_files(paths)
                .map(|f| !f.is_empty())
                .unwrap_or(true);
        if signed_before {
            return Err(damaged(
                "the log is missing or empty, but this session has signed checkpoints: the log was deleted or emptied".into(),
            ));
        }
        return Ok((Tree::new(), 0));
    }
    let header = log
        .header()
        .ok_or_else(|| damaged("the first line is not a session header".into()))?;
    if let Some(o) = origin {
        if o != header.origin {
            return Err(SealError::Mismatch {
                path: paths.log.clone(),
                what: format!(
                    "this session's log has origin {:?}, not {o:?}",
                    header.origin
                ),
            });
        }
    }
    if header.recorder != signer.verifier().to_vkey() {
        return Err(SealError::Mismatch {
            path: paths.log.clone(),
            what: format!(
                "this session is sealed by recorder key {}, not by {}",
                header.recorder,
                signer.verifier().to_vkey()
            ),
        });
    }
    let tree = log.tree();
    let cp_damaged = |what: String| SealError::Damaged {
        path: paths.checkpoint.clone(),
        what,
    };
    match paths.read(
        crate::store::layout::CHECKPOINT_NAME,
        crate::store::layout::MAX_CHECKPOINT_BYTES,
    ) {
        Ok(bytes) => {
            // The one checkpoint verifier, trusting only this sealer's key.
            let mut own = crate::trust::TrustStore::new();
            own.add(crate::trust::Role::Recorder, signer.verifier().clone());
            let cp = crate::verify::checkpoints::open(&bytes, &own, "courtseal/checkpoint")
                .map_err(|f| {
                    cp_damaged(format!(
                        "the latest checkpoint does not open with this key: {}",
                        f.message
                    ))
                })?
                .checkpoint;
            if cp.origin != header.origin {
                return Err(cp_damaged(
                    "the latest checkpoint names another origin".into(),
                ));
            }
            match tree.root_at(cp.size) {
                Some(root) if root == cp.root => Ok((tree, cp.size)),
                Some(_) => Err(damaged(format!(
                    "the log no longer matches its checkpoint of size {}",
                    cp.size
                ))),
                None => Err(damaged(format!(
                    "the log holds {} entries but its checkpoint covers {}",
                    tree.size(),
                    cp.size
                ))),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok((tree, 0)),
        Err(e) => Err(SealError::Io {
            path: paths.checkpoint.clone(),
            source: e,
        }),
    }
}

/// Appends whole lines in one write and makes them durable before any
/// checkpoint that covers them is written. Callers hold the session's lock.
pub fn append_lines(paths: &SessionPaths, lines: &[Vec<u8>]) -> Result<(), SealError> {
    if lines.is_empty() {
        return Ok(());
    }
    let new_file = !paths.log.exists();
    let mut buf = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for l in lines {
        buf.extend_from_slice(l);
        buf.push(b'\n');
    }
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(NO_FOLLOW)
        .open(&paths.log)
        .map_err(io_at(&paths.log))?;
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return Err(SealError::Damaged {
            path: paths.log.clone(),
            what: "is not a regular file; courtseal never writes through a FIFO or device".into(),
        });
    }
    f.write_all(&buf).map_err(io_at(&paths.log))?;
    f.sync_all().map_err(io_at(&paths.log))?;
    if new_file {
        sync_dir(&paths.dir)?;
    }
    Ok(())
}

/// Sealed files are public material, readable by everyone (temporary files
/// are created 0600).
fn make_public(f: &fs::File, path: &Path) -> Result<(), SealError> {
    use std::os::unix::fs::PermissionsExt as _;
    f.set_permissions(fs::Permissions::from_mode(0o644))
        .map_err(io_at(path))
}

fn sync_dir(dir: &Path) -> Result<(), SealError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_at(dir))
}

/// Signs `cp` and writes it to `checkpoints/<size>` (never overwriting) and
/// then atomically to `checkpoint`. Callers hold the session's lock.
#[expect(
    clippy::expect_used,
    reason = "Checkpoint::to_text always makes a valid note text (checked origins, no empty lines)"
)]
pub fn write_checkpoint(
    paths: &SessionPaths,
    signer: &NoteSigner,
    cp: &Checkpoint,
) -> Result<(), SealError> {
    let note = signer
        .sign(&cp.to_text())
        .expect("checkpoint text is a valid note text");
    let kept = paths.checkpoint_at(cp.size);
    let mut tmp =
        tempfile::NamedTempFile::new_in(&paths.checkpoints).map_err(io_at(&paths.checkpoints))?;
    tmp.write_all(note.as_bytes()).map_err(io_at(tmp.path()))?;
    make_public(tmp.as_file(), tmp.path())?;
    tmp.as_file().sync_all().map_err(io_at(tmp.path()))?;
    if let Err(e) = tmp.persist_noclobber(&kept) {
        return Err(SealError::Damaged {
            path: kept.clone(),
            what: format!(
                "a checkpoint of this size already exists and is never overwritten ({})",
                e.error
            ),
        });
    }
    sync_dir(&paths.checkpoints)?;
    let mut tmp = tempfile::NamedTempFile::new_in(&paths.dir).map_err(io_at(&paths.dir))?;
    tmp.write_all(note.as_bytes()).map_err(io_at(tmp.path()))?;
    make_public(tmp.as_file(), tmp.path())?;
    tmp.as_file().sync_all().map_err(io_at(tmp.path()))?;
    tmp.persist(&paths.checkpoint).map_err(|e| SealError::Io {
        path: paths.checkpoint.clone(),
        source: e.error,
    })?;
    sync_dir(&paths.dir)
}

/// The origin of the session's log, from its header.
pub fn origin_of(root: &Path) -> Result<String, SealError> {
    let paths = SessionPaths::new(root);
    if !root.is_dir() {
        return Err(SealError::NotASession(root.to_owned()));
    }
    let log = Log::read_from(&paths.source()).map_err(io_at(&paths.log))?;
    log.header()
        .map(|h| h.origin.clone())
        .ok_or_else(|| SealError::Damaged {
            path: paths.log.clone(),
            what: "the log has no session header".into(),
        })
}

/// Appends an operator event to a session no service is sealing (takes the
/// lock). No checkpoint is signed: the next `seal` (or the service) covers it.
pub fn append_event(
    root: &Path,
    mut ev: crate::entry::EventEntry,
) -> Result<crate::entry::EventEntry, SealError> {
    let paths = SessionPaths::new(root);
    let _lock = lock_session(&paths)?;
    let log = Log::read_from(&paths.source()).map_err(io_at(&paths.log))?;
    let damaged = |what: &str| SealError::Damaged {
        path: paths.log.clone(),
        what: what.into(),
    };
    if log.torn_tail.is_some() {
        return Err(damaged(
            "the log ends in an incomplete line; run 'courtseal seal' to recover it first",
        ));
    }
    let header = log
        .header()
        .ok_or_else(|| damaged("the log has no session header"))?;
    if log
        .lines
        .last()
        .is_some_and(|l| matches!(l.entry, Ok(Entry::Close(_))))
    {
        return Err(SealError::Mismatch {
            path: paths.log.clone(),
            what: "this session was closed; nothing more is sealed in it".into(),
        });
    }
    crate::event::check_event(&ev, &header.origin).map_err(|e| damaged(&e.to_string()))?;
    ev.sealed_at = entry::now_utc();
    append_lines(&paths, &[entry::to_line(&ev)])?;
    Ok(ev)
}
