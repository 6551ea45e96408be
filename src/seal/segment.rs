//! Reading one segment for sealing: the file is opened once, through the
//! session's door (no link followed at any component, no FIFO waited on);
//! its bytes are hashed from that open file and its media facts are read by
//! FFmpeg from the same handle (`/proc/self/fd/N`); the file's
//! identity (device, inode, size, modification and change times, link count)
//! is taken before the first pass and after the last, from the open file and
//! from its name. Only when all of them agree do the hash and the packet
//! windows describe the same bytes; otherwise the file is still being
//! written (or was swapped) and nothing is sealed from this reading.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use crate::digest::{hash_reader, Sha256Digest};
use crate::format::entry;
use crate::format::media::MediaFacts;
use crate::media::{self, MediaOptions};
use crate::store::layout::TOOL_DIR;
use crate::store::source::{LocalSession, OpenedFile, ReadError, SessionSource as _};
use crate::windows;

/// The sidecar of segment number `seq`, relative to the session folder.
pub fn windows_file(seq: u64) -> String {
    format!("{TOOL_DIR}/windows/{seq}.jsonl")
}

/// What identifies one state of a file: if any of it differs between two
/// looks, the bytes may differ. The change time cannot be set by a user, so
/// a file rewritten and given back its old modification time still shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileState {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    nlink: u64,
}

impl FileState {
    fn of(m: &fs::Metadata) -> FileState {
        FileState {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
            nlink: m.nlink(),
        }
    }

    /// What differs from `later`, in words.
    fn differences(&self, later: &FileState) -> String {
        let mut what = Vec::new();
        if (self.dev, self.ino) != (later.dev, later.ino) {
            what.push("it was replaced by another file".to_owned());
        }
        if self.size != later.size {
            what.push(format!(
                "its size went from {} to {} bytes",
                self.size, later.size
            ));
        }
        if self.mtime != later.mtime {
            what.push("its modification time changed".to_owned());
        }
        if self.ctime != later.ctime && what.is_empty() {
            what.push("its status change time changed (it was written to or renamed)".to_owned());
        }
        if self.nlink != later.nlink {
            what.push(format!(
                "its number of names went from {} to {}",
                self.nlink, later.nlink
            ));
        }
        what.join(", ")
    }
}

/// Why a segment was not read for sealing.
#[derive(Debug, thiserror::Error)]
pub enum SegmentReadError {
    /// It cannot be opened or read.
    #[error("cannot be read: {0}")]
    Io(#[from] io::Error),
    /// A link, FIFO, device or folder (possibly swapped in after the folder
    /// was listed): never opened for reading, never sealed.
    #[error("is not a regular file (a link, FIFO or device is never read or sealed)")]
    NotRegular,
    /// The file has more than one name: another name (a hard link) may be
    /// a file outside the session, which sealing would bring into it.
    #[error("has {0} names (hard links); a segment must be the only name of its file, since another name may be a file outside the session")]
    HardLinked(u64),
    /// The file changed between the passes that read it.
    #[error("changed while it was being sealed ({0}); it is still being written, so it is not sealed now")]
    Changed(String),
}

/// One consistent reading of a segment.
#[derive(Debug, Clone)]
pub struct SegmentReading {
    /// SHA-256 of its bytes.
    pub sha256: Sha256Digest,
    /// Its size in bytes.
    pub size: u64,
    /// Its media facts; `windows` names the sidecar of `seq`.
    pub facts: MediaFacts,
    /// The sidecar bytes, when FFmpeg could read the file.
    pub sidecar: Option<Vec<u8>>,
}

/// A hook run between the pass that hashes a file and the pass that reads
/// its media facts (tests use it to change the file in between).
pub type BetweenReads = dyn FnMut(&Path) + Send;

/// The segment `name` opened through the session's door: reached from the
/// session folder's one handle without following a link at any component,
/// opened without blocking on a FIFO, and checked on the *handle* to be a
/// regular file with one name. Returns the opened file and its state.
fn open_segment(
    source: &LocalSession,
    name: &str,
) -> Result<(OpenedFile, FileState), SegmentReadError> {
    entry::check_segment_name(name).map_err(|_| SegmentReadError::NotRegular)?;
    let opened = source.open(name).map_err(door_error)?;
    let state = FileState::of(&opened.file.metadata()?);
    if state.nlink > 1 {
        return Err(SegmentReadError::HardLinked(state.nlink));
    }
    Ok((opened, state))
}

/// A refusal of the door as a refusal to seal.
fn door_error(e: ReadError) -> SegmentReadError {
    match e {
        ReadError::NotRegular => SegmentReadError::NotRegular,
        ReadError::Missing => {
            SegmentReadError::Io(io::Error::new(io::ErrorKind::NotFound, "not found"))
        }
        ReadError::Io(e) => SegmentReadError::Io(e),
        // `open` sets no limit.
        ReadError::TooLarge(n) => SegmentReadError::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {n} bytes"),
        )),
    }
}

/// Reads the segment `name` of the session `source` for sealing as number
/// `seq`: hash, size, media facts and sidecar, all of the same bytes.
/// `between` runs between the hash pass and the media pass (it is given the
/// segment's local path).
///
/// Both passes read the one handle the door checked: the hash from it, and
/// FFmpeg from [`OpenedFile::fd_path`], which reopens that inode and never
/// the name, so a link, FIFO or folder link put in place of the name (or of
/// a folder on its way) after the check is never what FFmpeg opens. The
/// name is then looked at again through the door, to see the file is still
/// the one sealed there.
pub fn read_segment(
    source: &LocalSession,
    name: &str,
    seq: u64,
    opts: &MediaOptions,
    between: Option<&mut BetweenReads>,
) -> Result<SegmentReading, SegmentReadError> {
    let (opened, before) = open_segment(source, name)?;
    let (sha256, size) = hash_reader(&opened.file)?;
    if let Some(hook) = between {
        hook(&source.root().join(name));
    }
    let (facts, sidecar) = analyze(&opened.fd_path(), seq, opts);
    // The same file, unchanged, seen through the open file and through its
    // name (reached through the door again): then both passes read the
    // bytes that were hashed, and they are the file the name holds.
    let after_open = FileState::of(&opened.file.metadata()?);
    let after_name = match source.open(name) {
        Ok(again) => FileState::of(&again.file.metadata()?),
        Err(ReadError::Missing) => {
            return Err(SegmentReadError::Changed(
                "it was renamed or removed".into(),
            ))
        }
        Err(e) => return Err(door_error(e)),
    };
    for later in [after_open, after_name] {
        if later != before {
            return Err(SegmentReadError::Changed(before.differences(&later)));
        }
    }
    if size != before.size {
        return Err(SegmentReadError::Changed(format!(
            "{size} bytes were read from a file of {} bytes",
            before.size
        )));
    }
    Ok(SegmentReading {
        sha256,
        size,
        facts,
        sidecar,
    })
}

/// Media facts and sidecar bytes of the file at `path`, sealed as number
/// `seq`. A file FFmpeg cannot read gets facts that say why, and no sidecar.
fn analyze(path: &Path, seq: u64, opts: &MediaOptions) -> (MediaFacts, Option<Vec<u8>>) {
    match media::analyze(path, opts, media::Keep::Windows) {
        Ok(a) => {
            let bytes = windows::to_bytes(&a.header, &a.windows);
            let mut facts = a.facts;
            facts.windows = Some(windows::reference(
                &bytes,
                &windows_file(seq),
                a.header.seconds,
            ));
            (facts, Some(bytes))
        }
        Err(e) => (
            MediaFacts {
                container: None,
                duration: None,
                declared_start: None,
                streams: Vec::new(),
                windows: None,
                observations: Vec::new(),
                unreadable: Some(e.0),
            },
            None,
        ),
    }
}
