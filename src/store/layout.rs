//! The layout of a session folder: every name courtseal gives a file in it,
//! and which files are segments.
//!
//! ```text
//! SESSION/                      recorder output: every regular file is a segment
//! SESSION/record.toml           optional short-form record (not a segment)
//! SESSION/courtseal/log.jsonl   the log, one entry per line
//! SESSION/courtseal/checkpoint  the latest signed checkpoint
//! SESSION/courtseal/checkpoints/<size>   every checkpoint ever signed
//! SESSION/courtseal/timestamps/<size>.<n>.tsr   RFC 3161 tokens over them
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::finding::{Code, Finding};
use crate::format::entry;

/// The tool's own folder inside a session.
pub const TOOL_DIR: &str = "courtseal";
/// The latest checkpoint, by its name inside the session.
pub const CHECKPOINT_NAME: &str = "courtseal/checkpoint";
/// Short-form record file names that are never segments.
pub const RECORD_FILES: [&str; 2] = ["record.toml", "record.json"];

/// Paths of a session folder.
#[derive(Debug, Clone)]
pub struct SessionPaths {
    /// The session folder.
    pub root: PathBuf,
    /// `courtseal/`.
    pub dir: PathBuf,
    /// `courtseal/log.jsonl`.
    pub log: PathBuf,
    /// `courtseal/checkpoint`.
    pub checkpoint: PathBuf,
    /// `courtseal/checkpoints/`.
    pub checkpoints: PathBuf,
    /// `courtseal/lock`.
    pub lock: PathBuf,
}

impl SessionPaths {
    /// The paths of the session at `root`.
    pub fn new(root: &Path) -> Self {
        let dir = root.join(TOOL_DIR);
        SessionPaths {
            root: root.to_owned(),
            log: dir.join("log.jsonl"),
            checkpoint: dir.join("checkpoint"),
            checkpoints: dir.join("checkpoints"),
            lock: dir.join("lock"),
            dir,
        }
    }

    /// `courtseal/checkpoints/<size>`.
    pub fn checkpoint_at(&self, size: u64) -> PathBuf {
        self.checkpoints.join(size.to_string())
    }

    /// The session, to be read through its door
    /// ([`LocalSession`](crate::store::source::LocalSession)).
    pub fn source(&self) -> crate::store::source::LocalSession {
        crate::store::source::LocalSession::new(&self.root)
    }

    /// The regular file `rel` inside the session, of at most `limit`
    /// bytes, read through its door ([`read_io`](crate::store::source::read_io)):
    /// never through a link at any component, never a FIFO.
    pub fn read(&self, rel: &str, limit: u64) -> io::Result<Vec<u8>> {
        crate::store::source::read_io(&self.source(), rel, limit)
    }
}

/// One thing found in a session folder.
#[derive(Debug, Clone)]
pub enum ScanItem {
    /// A regular file: a segment.
    File {
        /// Relative `/`-separated name.
        name: String,
        /// Full path.
        path: PathBuf,
    },
    /// A symbolic link: never followed, never sealed.
    Symlink {
        /// Relative name.
        name: String,
    },
    /// A name that cannot be sealed (not UTF-8, or not a clean path).
    BadName {
        /// The name as well as it can be shown.
        shown: String,
        /// Why.
        why: String,
    },
    /// Something that could not be read while listing.
    Unreadable {
        /// The name as well as it can be shown.
        shown: String,
        /// The error.
        error: String,
    },
}

/// Lists the session folder: every regular file below it except the tool's
/// own folder and the short-form record, sorted by name. Symbolic links are
/// listed but never followed.
pub fn scan(root: &Path) -> Vec<ScanItem> {
    let mut items = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !(e.depth() == 1 && e.file_name() == TOOL_DIR && e.file_type().is_dir()));
    for e in walker {
        let e = match e {
            Ok(e) => e,
            Err(err) => {
                let shown = err
                    .path()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                items.push(ScanItem::Unreadable {
                    shown,
                    error: err.to_string(),
                });
                continue;
            }
        };
        if e.file_type().is_dir() {
            continue;
        }
        let Ok(rel) = e.path().strip_prefix(root) else {
            continue; // walkdir yields only paths below the root
        };
        let shown = rel.to_string_lossy().into_owned();
        let Some(parts) = rel
            .iter()
            .map(|c| c.to_str())
            .collect::<Option<Vec<&str>>>()
        else {
            items.push(ScanItem::BadName {
                shown,
                why: "the file name is not valid UTF-8".into(),
            });
            continue;
        };
        let name = parts.join("/");
        if e.depth() == 1 && RECORD_FILES.contains(&name.as_str()) {
            continue;
        }
        if let Err(why) = entry::check_segment_name(&name) {
            items.push(ScanItem::BadName {
                shown,
                why: why.into(),
            });
            continue;
        }
        if e.file_type().is_symlink() {
            items.push(ScanItem::Symlink { name });
        } else if e.file_type().is_file() {
            items.push(ScanItem::File {
                name,
                path: e.path().to_owned(),
            });
        } else {
            items.push(ScanItem::BadName {
                shown,
                why: "not a regular file".into(),
            });
        }
    }
    items
}

/// Files an operating system, a file manager or an editor leaves in a
/// folder on its own: never part of a recording. Matched on the file's own
/// name (any folder), or any folder on the way.
pub fn is_os_dropping(name: &str) -> bool {
    const FILES: [&str; 3] = ["thumbs.db", "ehthumbs.db", "desktop.ini"];
    const DIRS: [&str; 4] = ["__MACOSX", ".Spotlight-V100", ".Trashes", ".fseventsd"];
    let mut parts = name.rsplit('/');
    let file = parts.next().unwrap_or(name);
    if parts.any(|d| DIRS.contains(&d)) {
        return true;
    }
    FILES.contains(&file.to_ascii_lowercase().as_str())
        || file == ".DS_Store"
        || file.starts_with("._")
        || file.ends_with('~')
        || file.to_ascii_lowercase().ends_with(".bak")
}

/// Findings for what a scan could not seal or check.
pub fn scan_findings(items: &[ScanItem]) -> Vec<Finding> {
    items
        .iter()
        .filter_map(|i| match i {
            ScanItem::File { .. } => None,
            ScanItem::Symlink { name } => Some(Finding::warning(
                Code::SegmentSymlink,
                name,
                "is a symbolic link; links are never followed, so it is neither sealed nor checked",
            )),
            ScanItem::BadName { shown, why } => Some(Finding::error(
                Code::SegmentBadName,
                shown,
                format!("cannot be sealed or checked: {why}"),
            )),
            ScanItem::Unreadable { shown, error } => Some(Finding::error(
                Code::SegmentUnreadable,
                shown,
                format!("cannot be read: {error}"),
            )),
        })
        .collect()
}

/// Every checkpoint file of a session: `checkpoints/<size>` files by size,
/// then `checkpoint`. Names in `checkpoints/` that are not sizes are
/// returned with `None`.
pub fn checkpoint_files(paths: &SessionPaths) -> io::Result<Vec<(PathBuf, Option<u64>)>> {
    let mut by_size: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut odd = Vec::new();
    match fs::read_dir(&paths.checkpoints) {
        Ok(rd) => {
            for e in rd {
                let e = e?;
                let name = e.file_name();
                match name
                    .to_str()
                    .and_then(|n| n.parse::<u64>().ok().filter(|s| s.to_string() == n))
                {
                    Some(size) => {
                        by_size.insert(size, e.path());
                    }
                    None => odd.push((e.path(), None)),
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut out: Vec<(PathBuf, Option<u64>)> =
        by_size.into_iter().map(|(s, p)| (p, Some(s))).collect();
    out.extend(odd);
    Ok(out)
}

/// The session's short-form record: `record.toml`, or `record.json` when
/// there is no `record.toml`. This is the one rule every command uses. A
/// session holding both is refused (which one counts would be a guess), and
/// so is a record that is not a regular file (a link could point anywhere).
pub fn record_file(root: &Path) -> io::Result<Option<PathBuf>> {
    let mut found = Vec::new();
    for name in RECORD_FILES {
        let p = root.join(name);
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_file() => found.push(p),
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{}: the short-form record is not a regular file",
                        p.display()
                    ),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: holds both record.toml and record.json; keep only the record in force",
                root.display()
            ),
        )),
    }
}

/// Largest short-form record read, in bytes (a real one is a few kilobytes).
pub const MAX_RECORD_BYTES: u64 = 1 << 20;

/// The session's short-form record ([`record_file`]'s rule) and its text,
/// read through the session's door
/// ([`record_in`](crate::store::source::record_in)): a link on the way or
/// as the record, a FIFO or a device is never read.
pub fn read_record(root: &Path) -> io::Result<Option<(PathBuf, String)>> {
    let source = crate::store::source::LocalSession::new(root);
    Ok(crate::store::source::record_in(&source, root)?.map(|(n, t)| (root.join(n), t)))
}

/// Why a small file was not read.
#[derive(Debug, thiserror::Error)]
pub enum BoundedReadError {
    /// It cannot be opened or read.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A FIFO, device, folder or (inside a session) link: refused before it
    /// is opened, since reading it could hang or leave the session.
    #[error("not a regular file")]
    NotRegular,
    /// Larger than the limit: refused rather than read whole.
    #[error("larger than {0} bytes")]
    TooLarge(u64),
}

/// Opens a file to read it: a name a person typed (`follow_link`: a link
/// is followed, as a person expects) or a name inside a session (a link is
/// refused). The file is opened without blocking (a FIFO never waits for a
/// writer) and without becoming the controlling terminal, and the *opened*
/// handle is checked to be a regular file before a byte is read: a FIFO or
/// device swapped in after a look at the name is never what is read. Give
/// a tool that wants a path (FFmpeg) [`OpenedFile::fd_path`] of the result,
/// never the name.
///
/// [`OpenedFile::fd_path`]: crate::store::source::OpenedFile::fd_path
pub fn open_given(
    path: &Path,
    follow_link: bool,
) -> Result<crate::store::source::OpenedFile, BoundedReadError> {
    use rustix::fs::{Mode, OFlags};
    let mut flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    if !follow_link {
        flags |= OFlags::NOFOLLOW;
    }
    let fd = rustix::fs::open(path, flags, Mode::empty()).map_err(|e| match e {
        rustix::io::Errno::LOOP if !follow_link => BoundedReadError::NotRegular,
        e => BoundedReadError::Io(e.into()),
    })?;
    let st = rustix::fs::fstat(&fd).map_err(|e| BoundedReadError::Io(e.into()))?;
    if rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::RegularFile {
        return Err(BoundedReadError::NotRegular);
    }
    let file = fs::File::from(fd);
    // Reads block again from here on (a regular file never waits anyway).
    rustix::fs::fcntl_setfl(&file, rustix::fs::OFlags::empty())
        .map_err(|e| BoundedReadError::Io(e.into()))?;
    Ok(crate::store::source::OpenedFile {
        file,
        len: u64::try_from(st.st_size).unwrap_or(0),
    })
}

/// Reads a regular file of at most `limit` bytes ([`open_given`]:
/// `follow_link` says whether a link is followed, a name a person typed, or
/// refused, a name inside a session which must not lead out of it). A FIFO
/// or device is refused without waiting on it, a larger file unread.
pub fn read_bounded(
    path: &Path,
    follow_link: bool,
    limit: u64,
) -> Result<Vec<u8>, BoundedReadError> {
    use std::io::Read as _;
    let opened = open_given(path, follow_link)?;
    // Refused before a byte is read (the read below still stops at the
    // limit, should the file grow meanwhile).
    if opened.len > limit {
        return Err(BoundedReadError::TooLarge(limit));
    }
    let mut buf = Vec::new();
    opened
        .file
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(BoundedReadError::TooLarge(limit));
    }
    Ok(buf)
}

/// The size and SHA-256 of a file a person named ([`open_given`], a link
/// followed): a FIFO or device is an error saying it is not a regular file,
/// never waited on or read without end.
pub fn hash_given(path: &Path) -> io::Result<(crate::digest::Sha256Digest, u64)> {
    let opened = open_given(path, true).map_err(|e| match e {
        BoundedReadError::Io(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
    })?;
    crate::digest::hash_reader(&opened.file)
}

/// Largest checkpoint file read, in bytes (a real one is well under a kilobyte).
pub const MAX_CHECKPOINT_BYTES: u64 = 1 << 20;

/// [`read_bounded`] for a name inside a session (a link, FIFO or device is
/// never read), with the reason as an I/O error naming the file.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_bounded(path, false, limit).map_err(|e| match e {
        BoundedReadError::Io(e) => e,
        BoundedReadError::NotRegular => io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: not a regular file (a link, FIFO or device is never read)",
                path.display()
            ),
        ),
        BoundedReadError::TooLarge(limit) => io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: larger than {limit} bytes", path.display()),
        ),
    })
}

/// Reads a small regular file inside a session as UTF-8 ([`read_regular`]).
pub fn read_bounded_text(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_regular(path, limit)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: not UTF-8 text", path.display()),
        )
    })
}
