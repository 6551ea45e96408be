//! An archive as `audit` and `series` see it: a folder of session folders,
//! listed without following a link, each session opened as a
//! [`SessionSource`].
//!
//! The local implementation, [`LocalArchive`], opens the archive folder once
//! and reaches every folder below it from that handle one component at a
//! time with `O_NOFOLLOW`, as [`LocalSession`] does inside a session. A
//! session is handed out as a [`LocalSession`] on the folder handle found by
//! that walk, so a session folder swapped for a link between the listing
//! and the audit is never read through, and nothing in the archive is ever
//! opened for reading by the listing (a FIFO is only named).

use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::store::source::{
    components, descend, list_opened, reopen, Listed, LocalSession, SessionSource,
};

/// A folder of sessions, by names relative to it (`/` separated; `.` is
/// the archive folder itself).
pub trait Archive: Sync {
    /// How a session of this archive is read.
    type Session: SessionSource;

    /// The names in the folder `rel` of the archive, sorted, each as found
    /// without following a link; `None` when it is not there (the archive
    /// folder itself not there is an error). An error when `rel` is not a
    /// folder reached without a link.
    fn list(&self, rel: &str) -> io::Result<Option<Vec<Listed>>>;

    /// The folder `rel` of the archive, opened as a session: an error when
    /// it is not a folder reached without following a link.
    fn session(&self, rel: &str) -> io::Result<Self::Session>;

    /// Where `rel` is shown (and, for a local archive, found on disk).
    fn shown(&self, rel: &str) -> PathBuf;

    /// Where the link `rel` points, when it leads to a folder (looked at
    /// through the link, never opened): what an audit says it did not
    /// follow.
    fn link_to_folder(&self, rel: &str) -> Option<String>;
}

/// An archive folder on the local disk.
#[derive(Debug)]
pub struct LocalArchive {
    root: PathBuf,
    opened: OnceLock<Result<OwnedFd, rustix::io::Errno>>,
}

impl LocalArchive {
    /// The archive at `root` (opened at the first name asked for; the
    /// archive folder itself is the one folder reached by its path).
    pub fn new(root: &Path) -> Self {
        LocalArchive {
            root: root.to_owned(),
            opened: OnceLock::new(),
        }
    }

    /// The archive folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder `rel`, opened from the archive's handle one component at
    /// a time, never through a link.
    fn folder(&self, rel: &str) -> io::Result<OwnedFd> {
        let dir = reopen(&self.opened, &self.root)?;
        if rel == "." {
            return Ok(dir);
        }
        descend(dir, &components(rel)?, rel)
    }
}

impl Archive for LocalArchive {
    type Session = LocalSession;

    fn list(&self, rel: &str) -> io::Result<Option<Vec<Listed>>> {
        match self.folder(rel) {
            Ok(d) => list_opened(&d).map(Some),
            // The archive itself not there is an error, not an empty one.
            Err(e) if e.kind() == io::ErrorKind::NotFound && rel != "." => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn session(&self, rel: &str) -> io::Result<LocalSession> {
        let fd = self.folder(rel)?;
        Ok(LocalSession::opened(&self.shown(rel), fd))
    }

    fn shown(&self, rel: &str) -> PathBuf {
        if rel == "." {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    fn link_to_folder(&self, rel: &str) -> Option<String> {
        let (parent, last) = match rel.rsplit_once('/') {
            Some((p, l)) => (p, l),
            None => (".", rel),
        };
        let dir = self.folder(parent).ok()?;
        // A stat through the link (no open): only to say what it is.
        let st = rustix::fs::statat(&dir, last, rustix::fs::AtFlags::empty()).ok()?;
        if rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::Directory {
            return None;
        }
        let target = rustix::fs::readlinkat(&dir, last, Vec::new()).ok()?;
        Some(target.to_string_lossy().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::source::Kind;

    #[test]
    fn a_session_folder_linked_to_outside_is_listed_as_a_link_and_never_opened() {
        let a = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(outside.path().join("courtseal")).unwrap();
        std::fs::write(outside.path().join("courtseal/log.jsonl"), b"x\n").unwrap();
        std::fs::create_dir_all(a.path().join("s1/courtseal")).unwrap();
        std::fs::write(a.path().join("s1/courtseal/log.jsonl"), b"own\n").unwrap();
        std::os::unix::fs::symlink(outside.path(), a.path().join("s2")).unwrap();
        let arch = LocalArchive::new(a.path());
        let listed = arch.list(".").unwrap().unwrap();
        let kinds: Vec<(&str, Kind)> = listed.iter().map(|l| (l.name.as_str(), l.kind)).collect();
        assert_eq!(kinds, [("s1", Kind::Folder), ("s2", Kind::Link)]);
        assert!(arch.session("s2").is_err());
        assert!(arch.list("s2").is_err());
        let s1 = arch.session("s1").unwrap();
        assert_eq!(s1.read("courtseal/log.jsonl", 10).unwrap(), b"own\n");
        assert!(arch.session("../x").is_err());
    }

    #[test]
    fn a_fifo_in_the_archive_is_listed_without_being_opened() {
        let a = tempfile::tempdir().unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            a.path().join("pipe"),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let arch = LocalArchive::new(a.path());
        let listed = arch.list(".").unwrap().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].kind, Kind::Other);
        assert!(arch.session("pipe").is_err());
    }
}
