//! Reading one segment for sealing: the file is opened once, without
//! following a link and without blocking on a FIFO; its bytes are hashed
//! from that open file and its media facts are read by FFmpeg; the file's
//! identity (device, inode, size, modification and change times, link count)
//! is taken before the first pass and after the last, from the open file and
//! from its name. Only when all of them agree do the hash and the packet
//! windows describe the same bytes; otherwise the file is still being
//! written (or was swapped) and nothing is sealed from this reading.

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use crate::digest::{hash_reader, Sha256Digest};
use crate::format::media::MediaFacts;
use crate::media::{self, MediaOptions};
use crate::store::layout::TOOL_DIR;
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

/// `root/name` opened for reading: no component may be a link, and the file
/// itself must be a regular file with one name. Returns the file, its path
/// and its state.
fn open_segment(
    root: &Path,
    name: &str,
) -> Result<(fs::File, PathBuf, FileState), SegmentReadError> {
    let path =
        crate::store::layout::contained_file(root, name).ok_or(SegmentReadError::NotRegular)?;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                SegmentReadError::NotRegular
            } else {
                SegmentReadError::Io(e)
            }
        })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(SegmentReadError::NotRegular);
    }
    let state = FileState::of(&meta);
    if state.nlink > 1 {
        return Err(SegmentReadError::HardLinked(state.nlink));
    }
    Ok((file, path, state))
}

/// Reads the segment `name` of the session at `root` for sealing as number
/// `seq`: hash, size, media facts and sidecar, all of the same bytes.
/// `between` runs between the hash pass and the media pass.
pub fn read_segment(
    root: &Path,
    name: &str,
    seq: u64,
    opts: &MediaOptions,
    between: Option<&mut BetweenReads>,
) -> Result<SegmentReading, SegmentReadError> {
    let (file, path, before) = open_segment(root, name)?;
    let (sha256, size) = hash_reader(&file)?;
    if let Some(hook) = between {
        hook(&path);
    }
    let (facts, sidecar) = analyze(&path, seq, opts);
    // The same file, unchanged, seen through the open file and through its
    // name: then both passes read the bytes that were hashed.
    let after_open = FileState::of(&file.metadata()?);
    let after_name = match fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_file() => FileState::of(&m),
        Ok(_) => return Err(SegmentReadError::NotRegular),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(SegmentReadError::Changed(
                "it was renamed or removed".into(),
            ))
        }
        Err(e) => return Err(e.into()),
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
