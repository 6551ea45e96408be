//! A session as the checks see it: names relative to the session folder,
//! read through one door.
//!
//! Checks never open a path of their own. They ask a [`SessionSource`] to
//! list a folder, say what a name is, or read a file of at most so many
//! bytes, always by a name relative to the session (`courtseal/log.jsonl`,
//! `courtseal/cosigned/12.note`). The local implementation,
//! [`LocalSession`], reaches every name from the session folder one
//! component at a time with `openat(2)` and `O_NOFOLLOW`, opens the last one
//! with `O_NONBLOCK` and checks the *opened* file is a regular file before
//! a byte is read. So a link planted anywhere on the way (a component or
//! the file itself) never leads out of the session, a FIFO is never waited
//! on, a device is never read, and a file swapped between a check and the
//! read cannot slip through: what is checked is what is read.

use std::io::{self, Read as _};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{FileType, Mode, OFlags};

use crate::format::entry;
use crate::store::layout::{ScanItem, MAX_RECORD_BYTES, RECORD_FILES, TOOL_DIR};

/// What a name in the session is, as found without following a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file of this many bytes.
    File(u64),
    /// A folder.
    Folder,
    /// A symbolic link (never followed).
    Link,
    /// A FIFO, socket or device, or a name that could not be looked at
    /// (never opened for reading).
    Other,
    /// A name that is not UTF-8. Names are asked for as text, so it could
    /// not be opened as itself (the lossy name shown might be another
    /// file's): it is never opened, only named.
    NotUtf8,
}

/// One name in a listed folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The name in the folder (lossy UTF-8).
    pub name: String,
    /// What it is.
    pub kind: Kind,
}

/// Why a name could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not there.
    #[error("not found")]
    Missing,
    /// A link (on the way or itself), FIFO, device or folder: refused before
    /// a byte is read.
    #[error("not a regular file inside the session (a link, FIFO or device is never read)")]
    NotRegular,
    /// Larger than the limit: refused rather than read whole.
    #[error("larger than {0} bytes")]
    TooLarge(u64),
    /// Any other I/O error.
    #[error(transparent)]
    Io(io::Error),
}

/// A session's files, by names relative to the session folder (`/`
/// separated, no `.` or `..` component, no leading `/`).
pub trait SessionSource: Sync {
    /// What `rel` is; `None` when it is not there.
    fn stat(&self, rel: &str) -> io::Result<Option<Kind>>;

    /// The names in the folder `rel`, sorted; `None` when it is not there.
    /// An error when `rel` is there but is not a folder reached without a
    /// link. `.` lists the session folder itself.
    fn list(&self, rel: &str) -> io::Result<Option<Vec<Listed>>>;

    /// The bytes of the regular file `rel`, of at most `limit` bytes.
    fn read(&self, rel: &str, limit: u64) -> Result<Vec<u8>, ReadError>;

    /// The regular file `rel`, opened for reading (to stream a file too
    /// large to read whole, or to hand to FFmpeg): the handle of the very
    /// file that was checked to be a regular file inside the session.
    fn open(&self, rel: &str) -> Result<OpenedFile, ReadError>;

    /// Where `rel` is on the local disk, to show it; `None` for a source
    /// that is not a local folder. (A tool that needs a path to read, such
    /// as FFmpeg, is given [`OpenedFile::fd_path`] of [`Self::open`]'s
    /// handle, never this.)
    fn local_path(&self, rel: &str) -> Option<PathBuf>;
}

/// A regular file of the session, opened: what was checked is this handle.
#[derive(Debug)]
pub struct OpenedFile {
    /// The open file.
    pub file: std::fs::File,
    /// Its size when it was opened.
    pub len: u64,
}

impl OpenedFile {
    /// A name that opens this very file again, for a tool that wants a
    /// path (FFmpeg): `/proc/self/fd/N` of the checked handle.
    ///
    /// Why this is not a TOCTOU hole: the handle was opened without
    /// following a link at any component, and `fstat` on the *handle* said
    /// it is a regular file. Opening `/proc/self/fd/N` reopens the inode
    /// the handle refers to, not a name in the session folder, so a link,
    /// FIFO or other file put in place of the name after the check is never
    /// what the tool opens. The name stays valid as long as `self` lives.
    pub fn fd_path(&self) -> PathBuf {
        use std::os::fd::AsRawFd as _;
        PathBuf::from(format!("/proc/self/fd/{}", self.file.as_raw_fd()))
    }
}

/// What identifies one state of a name in a session (see
/// [`LocalSession::metadata`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    /// What it is.
    pub kind: Kind,
    /// Its device.
    pub dev: u64,
    /// Its inode.
    pub ino: u64,
    /// Its size in bytes.
    pub size: u64,
    /// Its modification time: seconds, nanoseconds.
    pub mtime: (i64, i64),
    /// Its status change time: seconds, nanoseconds.
    pub ctime: (i64, i64),
}

/// A session folder on the local disk.
#[derive(Debug)]
pub struct LocalSession {
    root: PathBuf,
    /// The session folder, opened once at the first name asked for: every
    /// later name is reached from this very folder, so swapping the folder
    /// (or a link above it) meanwhile cannot make two reads look in two
    /// different folders.
    opened: std::sync::OnceLock<Result<OwnedFd, rustix::io::Errno>>,
}

impl LocalSession {
    /// The session at `root` (not opened until a name is asked for).
    pub fn new(root: &Path) -> Self {
        LocalSession {
            root: root.to_owned(),
            opened: std::sync::OnceLock::new(),
        }
    }

    /// The session whose folder is already open as `folder` (found by a
    /// walk that followed no link); `root` is where it is, for display and
    /// for tools that need a path.
    pub fn opened(root: &Path, folder: OwnedFd) -> Self {
        let opened = std::sync::OnceLock::new();
        let _ = opened.set(Ok(folder));
        LocalSession {
            root: root.to_owned(),
            opened,
        }
    }

    /// The session folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The name of the folder this session reads, from its opened handle
    /// (`/proc/self/fd/N`): the folder actually read, even when `root` was
    /// reached through a link or the folder was renamed since it was
    /// opened. `None` when the handle cannot say (no `/proc`, or the folder
    /// was removed).
    pub fn folder_name(&self) -> Option<String> {
        use std::os::fd::AsRawFd as _;
        use std::os::unix::ffi::OsStrExt as _;
        let dir = self.root_dir().ok()?;
        let target =
            rustix::fs::readlink(format!("/proc/self/fd/{}", dir.as_raw_fd()), Vec::new()).ok()?;
        let bytes = target.as_bytes();
        if !bytes.starts_with(b"/") || bytes.ends_with(b" (deleted)") {
            return None;
        }
        Path::new(std::ffi::OsStr::from_bytes(bytes))
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
    }

    /// What identifies the state of `rel` (`.` is the session folder
    /// itself), as found without following a link at any component:
    /// metadata only, nothing is opened for reading. `None` when it is not
    /// there.
    pub fn metadata(&self, rel: &str) -> io::Result<Option<Metadata>> {
        let st = if rel == "." {
            rustix::fs::fstat(self.root_dir()?)
        } else {
            let (dir, last) = match self.parent_of(rel) {
                Ok(d) => d,
                Err(e) if not_found(&e) => return Ok(None),
                Err(e) => return Err(e),
            };
            rustix::fs::statat(&dir, last, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
        };
        match st {
            Ok(st) => Ok(Some(Metadata {
                kind: kind_of(&st),
                dev: st.st_dev,
                ino: st.st_ino,
                size: u64::try_from(st.st_size).unwrap_or(0),
                mtime: (st.st_mtime, i64::try_from(st.st_mtime_nsec).unwrap_or(0)),
                ctime: (st.st_ctime, i64::try_from(st.st_ctime_nsec).unwrap_or(0)),
            })),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The folder `rel` of the session, opened through the door (every
    /// component reached without following a link), for a caller that must
    /// also change names in it (the watch inbox): an error when a component
    /// is a link or not a folder.
    pub fn folder(&self, rel: &str) -> io::Result<OwnedFd> {
        let parts = components(rel)?;
        descend(self.root_dir()?, &parts, rel)
    }

    /// A handle of its own on the session folder, opened once.
    fn root_dir(&self) -> io::Result<OwnedFd> {
        reopen(&self.opened, &self.root)
    }

    /// The folder holding `rel`'s last component, opened component by
    /// component without following a link, and that last component.
    fn parent_of<'a>(&self, rel: &'a str) -> io::Result<(OwnedFd, &'a str)> {
        let parts = components(rel)?;
        let (last, folders) = parts.split_last().ok_or_else(|| invalid(rel))?;
        let dir = descend(self.root_dir()?, folders, rel)?;
        Ok((dir, last))
    }
}

/// A handle of its own on the folder `root`, which `once` opens at the
/// first call: every later name is reached from that very folder, never
/// from the path again.
pub(crate) fn reopen(
    once: &std::sync::OnceLock<Result<OwnedFd, rustix::io::Errno>>,
    root: &Path,
) -> io::Result<OwnedFd> {
    let opened = once
        .get_or_init(|| {
            rustix::fs::open(
                root,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
        })
        .as_ref()
        .map_err(|e| io::Error::from(*e))?;
    Ok(rustix::fs::openat(
        opened,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// The folder `folders` below `dir`, opened one component at a time
/// without following a link; `rel` names it in errors.
pub(crate) fn descend(mut dir: OwnedFd, folders: &[&str], rel: &str) -> io::Result<OwnedFd> {
    for f in folders {
        dir = rustix::fs::openat(
            &dir,
            *f,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            // A link or a file where a folder should be.
            rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{rel}: a folder on its way is a link or not a folder (a link is never followed)"),
            ),
            e => e.into(),
        })?;
    }
    Ok(dir)
}

/// The components of a relative name, refused when it could leave the
/// folder or is empty.
pub(crate) fn components(rel: &str) -> io::Result<Vec<&str>> {
    let parts: Vec<&str> = rel.split('/').collect();
    if rel.is_empty()
        || parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == ".." || p.contains('\0'))
    {
        return Err(invalid(rel));
    }
    Ok(parts)
}

fn invalid(rel: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{rel:?} is not a name inside the folder (it is empty, or leaves it)"),
    )
}

pub(crate) fn kind_of(st: &rustix::fs::Stat) -> Kind {
    match FileType::from_raw_mode(st.st_mode) {
        FileType::RegularFile => Kind::File(u64::try_from(st.st_size).unwrap_or(0)),
        FileType::Directory => Kind::Folder,
        FileType::Symlink => Kind::Link,
        _ => Kind::Other,
    }
}

fn not_found(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound
}

/// The names in the opened folder `dir`, sorted, each as found without
/// following a link.
pub(crate) fn list_opened(dir: &OwnedFd) -> io::Result<Vec<Listed>> {
    let mut out = Vec::new();
    for e in rustix::fs::Dir::read_from(dir)? {
        let e = e?;
        let raw = e.file_name().to_bytes();
        if raw == b"." || raw == b".." {
            continue;
        }
        let Ok(name) = std::str::from_utf8(raw).map(str::to_owned) else {
            out.push(Listed {
                name: String::from_utf8_lossy(raw).into_owned(),
                kind: Kind::NotUtf8,
            });
            continue;
        };
        let kind =
            match rustix::fs::statat(dir, e.file_name(), rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => kind_of(&st),
                // Gone between the listing and the look: not listed.
                Err(rustix::io::Errno::NOENT) => continue,
                // One name that cannot be looked at is that name's problem,
                // not the folder's: listed, never opened.
                Err(_) => Kind::Other,
            };
        out.push(Listed { name, kind });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The regular file `name` in the opened folder `dir`: no link is
/// followed, a FIFO opens without blocking and, like a device or folder, is
/// refused on the *opened* handle before any read.
pub(crate) fn open_regular_at(dir: &OwnedFd, name: &str) -> Result<OpenedFile, ReadError> {
    let fd = rustix::fs::openat(
        dir,
        name,
        // NOCTTY: a planted terminal device is never made verify's own.
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| match e {
        rustix::io::Errno::NOENT => ReadError::Missing,
        rustix::io::Errno::LOOP => ReadError::NotRegular,
        e => ReadError::Io(e.into()),
    })?;
    let st = rustix::fs::fstat(&fd).map_err(|e| ReadError::Io(e.into()))?;
    let Kind::File(len) = kind_of(&st) else {
        return Err(ReadError::NotRegular);
    };
    Ok(OpenedFile {
        file: std::fs::File::from(fd),
        len,
    })
}

/// The bytes of `opened`, refused when more than `limit`.
pub(crate) fn read_opened(opened: OpenedFile, limit: u64) -> Result<Vec<u8>, ReadError> {
    if opened.len > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let mut buf = Vec::new();
    opened
        .file
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    // The file may have grown since it was looked at.
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(buf)
}

impl SessionSource for LocalSession {
    fn stat(&self, rel: &str) -> io::Result<Option<Kind>> {
        let (dir, last) = match self.parent_of(rel) {
            Ok(d) => d,
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        match rustix::fs::statat(&dir, last, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(kind_of(&st))),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn list(&self, rel: &str) -> io::Result<Option<Vec<Listed>>> {
        if rel == "." {
            return match self.root_dir() {
                Ok(d) => list_opened(&d).map(Some),
                Err(e) if not_found(&e) => Ok(None),
                Err(e) => Err(e),
            };
        }
        let (parent, last) = match self.parent_of(rel) {
            Ok(d) => d,
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let dir = match rustix::fs::openat(
            &parent,
            last,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(d) => d,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{rel}: not a folder (a link is never followed)"),
                ))
            }
            Err(e) => return Err(e.into()),
        };
        list_opened(&dir).map(Some)
    }

    fn read(&self, rel: &str, limit: u64) -> Result<Vec<u8>, ReadError> {
        read_opened(self.open(rel)?, limit)
    }

    fn open(&self, rel: &str) -> Result<OpenedFile, ReadError> {
        let (dir, last) = self.parent_of(rel).map_err(|e| {
            if not_found(&e) {
                ReadError::Missing
            } else if e.kind() == io::ErrorKind::InvalidData {
                ReadError::NotRegular
            } else {
                ReadError::Io(e)
            }
        })?;
        open_regular_at(&dir, last)
    }

    fn local_path(&self, rel: &str) -> Option<PathBuf> {
        components(rel).ok()?;
        Some(self.root.join(rel))
    }
}

/// Lists the recording below `under` (the session folder itself when
/// `None`, or a bag's `data`) through `source`, as
/// [`layout::scan`](crate::store::layout::scan) does a path: every regular
/// file except the tool's own folder and the short-form record at the top,
/// sorted by name; links, FIFOs and devices listed but never opened, nor a
/// folder on the way followed when it is a link. Each file's
/// [`ScanItem::File`] `path` is its local path (shown only); the name to
/// open it by is `under/name`.
pub fn scan(source: &dyn SessionSource, under: Option<&str>) -> Vec<ScanItem> {
    let mut items = Vec::new();
    scan_folder(source, under, "", &mut items);
    items
}

/// The name inside the session of segment `name` below `under`.
pub fn segment_rel(under: Option<&str>, name: &str) -> String {
    match under {
        Some(u) => format!("{u}/{name}"),
        None => name.to_owned(),
    }
}

fn scan_folder(
    source: &dyn SessionSource,
    under: Option<&str>,
    at: &str,
    items: &mut Vec<ScanItem>,
) {
    let folder = match (under, at.is_empty()) {
        (None, true) => ".".to_owned(),
        (None, false) => at.to_owned(),
        (Some(u), true) => u.to_owned(),
        (Some(u), false) => format!("{u}/{at}"),
    };
    let listed = match source.list(&folder) {
        Ok(Some(l)) => l,
        Ok(None) => return,
        Err(e) => {
            items.push(ScanItem::Unreadable {
                shown: at.to_owned(),
                error: e.to_string(),
            });
            return;
        }
    };
    for l in listed {
        let name = if at.is_empty() {
            l.name.clone()
        } else {
            format!("{at}/{}", l.name)
        };
        let top = at.is_empty();
        match l.kind {
            Kind::Folder if top && l.name == TOOL_DIR => {}
            Kind::Folder => scan_folder(source, under, &name, items),
            Kind::NotUtf8 => items.push(ScanItem::BadName {
                shown: name,
                why: "the file name is not valid UTF-8".into(),
            }),
            _ if top && RECORD_FILES.contains(&name.as_str()) => {}
            kind => {
                if let Err(why) = entry::check_segment_name(&name) {
                    items.push(ScanItem::BadName {
                        shown: name,
                        why: why.into(),
                    });
                    continue;
                }
                match kind {
                    Kind::Link => items.push(ScanItem::Symlink { name }),
                    Kind::File(_) => {
                        let rel = segment_rel(under, &name);
                        let path = source
                            .local_path(&rel)
                            .unwrap_or_else(|| PathBuf::from(&rel));
                        items.push(ScanItem::File { name, path });
                    }
                    _ => items.push(ScanItem::BadName {
                        shown: name,
                        why: "not a regular file".into(),
                    }),
                }
            }
        }
    }
}

/// Every regular file below the folder `rel` of `source`, by its name in
/// the session, as found without following a link (a folder that is a link
/// is not entered, a name that is not UTF-8 is not opened), in the order of
/// a walk sorted by name.
pub fn files_below(source: &dyn SessionSource, rel: &str, out: &mut Vec<String>) {
    let Ok(Some(listed)) = source.list(rel) else {
        return;
    };
    for l in listed {
        let name = format!("{rel}/{}", l.name);
        match l.kind {
            Kind::File(_) => out.push(name),
            Kind::Folder => files_below(source, &name, out),
            _ => {}
        }
    }
}

/// [`SessionSource::read`], its refusals as I/O errors naming `rel` (a
/// missing file is [`io::ErrorKind::NotFound`]), for callers that report
/// I/O errors.
pub fn read_io(source: &dyn SessionSource, rel: &str, limit: u64) -> io::Result<Vec<u8>> {
    source.read(rel, limit).map_err(|e| match e {
        ReadError::Missing => io::Error::new(io::ErrorKind::NotFound, format!("{rel}: not found")),
        ReadError::Io(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidData, format!("{rel}: {other}")),
    })
}

/// The session's short-form record through `source`: `record.toml`, or
/// `record.json` when there is no `record.toml` (the one rule every command
/// uses, as [`layout::record_file`](crate::store::layout::record_file)
/// states it), and its text. A session holding both is refused, and so is
/// a record that is not a regular file reached without a link, larger than
/// [`MAX_RECORD_BYTES`] or not UTF-8. `shown` is the session folder as
/// errors name it.
pub fn record_in(
    source: &dyn SessionSource,
    shown: &Path,
) -> io::Result<Option<(&'static str, String)>> {
    let mut found = Vec::new();
    for name in RECORD_FILES {
        match source.stat(name)? {
            None => {}
            Some(Kind::File(_)) => found.push(name),
            Some(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{}: the short-form record is not a regular file",
                        shown.join(name).display()
                    ),
                ))
            }
        }
    }
    let name = match found.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: holds both record.toml and record.json; keep only the record in force",
                    shown.display()
                ),
            ))
        }
    };
    let at = shown.join(name);
    let bytes = source.read(name, MAX_RECORD_BYTES).map_err(|e| match e {
        ReadError::Io(e) => e,
        ReadError::Missing => io::Error::new(
            io::ErrorKind::NotFound,
            format!("{}: not found", at.display()),
        ),
        ReadError::NotRegular => io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: not a regular file (a link, FIFO or device is never read)",
                at.display()
            ),
        ),
        ReadError::TooLarge(limit) => io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: larger than {limit} bytes", at.display()),
        ),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: not UTF-8 text", at.display()),
        )
    })?;
    Ok(Some((name, text)))
}

/// The files of an evidence folder (`courtseal/cosigned`,
/// `courtseal/ledger`, `courtseal/timestamps`), by the name each must have.
#[derive(Debug)]
pub struct EvidenceFolder<T> {
    /// Files whose names parse, sorted by what the name says, then by name.
    pub files: Vec<(T, String)>,
    /// Names that do not parse (an interrupted write's `.tmp…` excluded).
    pub misnamed: Vec<String>,
    /// Names that parse but are not regular files (links, FIFOs, folders).
    pub not_regular: Vec<String>,
    /// The folder is there but is not a folder (or is a link).
    pub not_a_folder: bool,
}

/// Lists the evidence folder `rel` of `source`: each name parsed by `parse`.
/// An absent folder is an empty one.
pub fn evidence_folder<T: Ord>(
    source: &dyn SessionSource,
    rel: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> EvidenceFolder<T> {
    let mut out = EvidenceFolder {
        files: Vec::new(),
        misnamed: Vec::new(),
        not_regular: Vec::new(),
        not_a_folder: false,
    };
    let listed = match source.list(rel) {
        Ok(Some(l)) => l,
        Ok(None) => return out,
        Err(_) => {
            out.not_a_folder = true;
            return out;
        }
    };
    for l in listed {
        // An interrupted write of the sealer's, never evidence.
        if l.name.starts_with(".tmp") {
            continue;
        }
        match parse(&l.name) {
            Some(t) if matches!(l.kind, Kind::File(_)) => out.files.push((t, l.name)),
            // Never parses as evidence: only named.
            _ if l.kind == Kind::NotUtf8 => out.misnamed.push(l.name),
            Some(_) => out.not_regular.push(l.name),
            None => out.misnamed.push(l.name),
        }
    }
    out.files.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn session() -> (tempfile::TempDir, LocalSession) {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("courtseal/cosigned")).unwrap();
        std::fs::write(t.path().join("courtseal/log.jsonl"), b"line\n").unwrap();
        let s = LocalSession::new(t.path());
        (t, s)
    }

    #[test]
    fn a_regular_file_inside_is_read_within_its_limit_and_refused_above_it() {
        let (_t, s) = session();
        assert_eq!(s.read("courtseal/log.jsonl", 5).unwrap(), b"line\n");
        assert!(matches!(
            s.read("courtseal/log.jsonl", 4),
            Err(ReadError::TooLarge(4))
        ));
        assert!(matches!(
            s.read("courtseal/none", 4),
            Err(ReadError::Missing)
        ));
        assert_eq!(s.stat("courtseal/log.jsonl").unwrap(), Some(Kind::File(5)));
        assert_eq!(s.stat("courtseal/none").unwrap(), None);
    }

    #[test]
    fn a_link_as_the_file_or_on_its_way_is_never_followed() {
        let (t, s) = session();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"outside").unwrap();
        symlink(
            outside.path().join("secret"),
            t.path().join("courtseal/cosigned/1.note"),
        )
        .unwrap();
        assert!(matches!(
            s.read("courtseal/cosigned/1.note", 100),
            Err(ReadError::NotRegular)
        ));
        assert_eq!(
            s.stat("courtseal/cosigned/1.note").unwrap(),
            Some(Kind::Link)
        );
        // A folder on the way replaced by a link to a folder outside.
        std::fs::create_dir(outside.path().join("ledger")).unwrap();
        std::fs::write(outside.path().join("ledger/1.proof"), b"outside").unwrap();
        symlink(
            outside.path().join("ledger"),
            t.path().join("courtseal/ledger"),
        )
        .unwrap();
        assert!(matches!(
            s.read("courtseal/ledger/1.proof", 100),
            Err(ReadError::NotRegular)
        ));
        assert!(s.list("courtseal/ledger").is_err());
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_on_it() {
        let (t, s) = session();
        let p = t.path().join("courtseal/cosigned/2.note");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &p,
            FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        // Returns at once (an open without O_NONBLOCK would wait for a writer).
        assert!(matches!(
            s.read("courtseal/cosigned/2.note", 100),
            Err(ReadError::NotRegular)
        ));
        assert_eq!(
            s.stat("courtseal/cosigned/2.note").unwrap(),
            Some(Kind::Other)
        );
    }

    #[test]
    fn a_name_that_is_not_utf8_is_listed_as_such_and_never_stands_for_another_file() {
        use std::os::unix::ffi::OsStrExt as _;
        let (t, s) = session();
        let d = t.path().join("courtseal/cosigned");
        // A name of raw bytes, and a file named as its lossy form would be.
        std::fs::write(
            d.join(std::ffi::OsStr::from_bytes(b"5\xff.note")),
            b"hidden",
        )
        .unwrap();
        std::fs::write(d.join("5\u{FFFD}.note"), b"decoy").unwrap();
        let listed = s.list("courtseal/cosigned").unwrap().unwrap();
        let mut kinds: Vec<Kind> = listed.iter().map(|l| l.kind).collect();
        kinds.sort_by_key(|k| format!("{k:?}"));
        assert_eq!(kinds, [Kind::File(5), Kind::NotUtf8], "{listed:?}");
        let parse = |n: &str| n.strip_suffix(".note").map(str::to_owned);
        let f = evidence_folder(&s, "courtseal/cosigned", parse);
        assert_eq!(f.misnamed, ["5\u{FFFD}.note"]);
        assert_eq!(
            f.files,
            [("5\u{FFFD}".to_owned(), "5\u{FFFD}.note".to_owned())]
        );
    }

    #[test]
    fn the_session_folder_swapped_after_the_first_read_is_not_read_from() {
        let (t, s) = session();
        assert_eq!(s.read("courtseal/log.jsonl", 100).unwrap(), b"line\n");
        // The insider moves the session away and puts another in its place.
        let moved = t.path().with_extension("moved");
        std::fs::rename(t.path(), &moved).unwrap();
        std::fs::create_dir_all(t.path().join("courtseal")).unwrap();
        std::fs::write(t.path().join("courtseal/log.jsonl"), b"other\n").unwrap();
        let got = s.read("courtseal/log.jsonl", 100).unwrap();
        std::fs::remove_dir_all(t.path()).unwrap();
        std::fs::rename(&moved, t.path()).unwrap();
        assert_eq!(got, b"line\n");
    }

    #[test]
    fn a_name_that_could_leave_the_session_is_refused() {
        let (_t, s) = session();
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "courtseal/../../x",
            "a//b",
            "./x",
        ] {
            assert!(s.read(bad, 10).is_err(), "{bad:?}");
            assert!(s.local_path(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_scan_lists_a_linked_folder_and_a_fifo_without_entering_or_opening_them() {
        let (t, s) = session();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x.m4a"), b"outside").unwrap();
        std::fs::create_dir(t.path().join("cam1")).unwrap();
        std::fs::write(t.path().join("cam1/a.m4a"), b"a").unwrap();
        std::fs::write(t.path().join("b.m4a"), b"b").unwrap();
        std::fs::write(t.path().join("record.toml"), b"r").unwrap();
        symlink(outside.path(), t.path().join("cam2")).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            t.path().join("pipe"),
            FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let shown: Vec<String> = scan(&s, None)
            .iter()
            .map(|i| match i {
                ScanItem::File { name, path } => {
                    assert_eq!(path, &t.path().join(name));
                    format!("file {name}")
                }
                ScanItem::Symlink { name } => format!("link {name}"),
                ScanItem::BadName { shown, why } => format!("bad {shown}: {why}"),
                ScanItem::Unreadable { shown, .. } => format!("unreadable {shown}"),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "file b.m4a",
                "file cam1/a.m4a",
                "link cam2",
                "bad pipe: not a regular file"
            ]
        );
        // Below a folder (a bag's data/): names relative to it.
        let under: Vec<String> = scan(&s, Some("cam1"))
            .iter()
            .filter_map(|i| match i {
                ScanItem::File { name, .. } => Some(segment_rel(Some("cam1"), name)),
                _ => None,
            })
            .collect();
        assert_eq!(under, ["cam1/a.m4a"]);
        let opened = s.open("cam1/a.m4a").unwrap();
        assert_eq!(std::fs::read(opened.fd_path()).unwrap(), b"a");
        assert!(matches!(s.open("cam2/x.m4a"), Err(ReadError::NotRegular)));
    }

    #[test]
    fn the_record_is_found_by_the_one_rule_and_never_read_through_a_link() {
        let (t, s) = session();
        assert!(record_in(&s, t.path()).unwrap().is_none());
        std::fs::write(t.path().join("record.json"), b"{}").unwrap();
        assert_eq!(
            record_in(&s, t.path()).unwrap(),
            Some(("record.json", "{}".to_owned()))
        );
        std::fs::write(t.path().join("record.toml"), b"x").unwrap();
        assert!(record_in(&s, t.path())
            .unwrap_err()
            .to_string()
            .contains("holds both record.toml and record.json"));
        std::fs::remove_file(t.path().join("record.json")).unwrap();
        std::fs::remove_file(t.path().join("record.toml")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("r.toml"), b"outside").unwrap();
        symlink(outside.path().join("r.toml"), t.path().join("record.toml")).unwrap();
        assert!(record_in(&s, t.path())
            .unwrap_err()
            .to_string()
            .ends_with("record.toml: the short-form record is not a regular file"));
    }

    #[test]
    fn an_evidence_folder_lists_files_by_their_parsed_names_and_names_the_rest() {
        let (t, s) = session();
        let d = t.path().join("courtseal/cosigned");
        std::fs::write(d.join("10.note"), b"x").unwrap();
        std::fs::write(d.join("9.note"), b"x").unwrap();
        std::fs::write(d.join("junk"), b"x").unwrap();
        std::fs::write(d.join(".tmp123"), b"x").unwrap();
        std::fs::create_dir(d.join("11.note")).unwrap();
        let parse = |n: &str| n.strip_suffix(".note").and_then(|n| n.parse::<u64>().ok());
        let f = evidence_folder(&s, "courtseal/cosigned", parse);
        assert_eq!(
            f.files,
            vec![(9, "9.note".to_owned()), (10, "10.note".to_owned())]
        );
        assert_eq!(f.misnamed, ["junk"]);
        assert_eq!(f.not_regular, ["11.note"]);
        assert!(!f.not_a_folder);
        assert!(evidence_folder(&s, "courtseal/none", parse)
            .files
            .is_empty());
        std::fs::write(t.path().join("courtseal/ledger"), b"a file").unwrap();
        assert!(evidence_folder(&s, "courtseal/ledger", parse).not_a_folder);
    }
}
