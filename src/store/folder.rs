//! A folder opened once, whose files are then read, written and removed
//! by name only, relative to that very folder.
//!
//! The sealer writes evidence into folders an insider can also write (a
//! session's `courtseal/ledger/`). Checking a path for a link and then
//! writing to the same path leaves a moment in which the folder, or one
//! above it, can be swapped for a link to anywhere: the write would land
//! outside the session. An [`OpenedFolder`] closes that moment: the folder
//! is opened once, every folder below the starting point with `O_NOFOLLOW`,
//! and every later read (`openat` with `O_NOFOLLOW | O_NONBLOCK`, the opened
//! file checked to be a regular file), write (a new file made with
//! `O_CREAT | O_EXCL | O_NOFOLLOW` in the folder, made durable, then
//! `renameat` onto its name) and removal (`unlinkat`) is relative to the
//! open handle. Swapping the folder's path afterwards changes nothing: the
//! handle still names the folder that was opened, wherever it now is.
//!
//! `tempfile` and `std::fs` only take paths, so this is written on `rustix`.

use std::io::{self, Write as _};
use std::os::fd::{AsFd as _, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags, RenameFlags};

use crate::store::source::{list_opened, open_regular_at, read_opened, Listed, ReadError};

/// A folder opened once (see the module's notes).
#[derive(Debug)]
pub struct OpenedFolder {
    fd: OwnedFd,
    shown: PathBuf,
}

fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

fn name_ok(name: &str) -> io::Result<()> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?} is not a file name inside the folder"),
        ));
    }
    Ok(())
}

fn linked(what: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{}: is a link or not a folder; courtseal never reads or writes through a link",
            what.display()
        ),
    )
}

/// The folder at the absolute path `root`, every component of it opened
/// from `/` with `O_NOFOLLOW`: a link anywhere on the path is refused
/// (`ELOOP`), not only as its last component. A relative path, or one
/// holding `.` or `..`, is refused too.
fn open_without_links(root: &Path) -> Result<OwnedFd, rustix::io::Errno> {
    use std::path::Component;
    if !root.is_absolute() {
        return Err(rustix::io::Errno::INVAL);
    }
    let mut fd = rustix::fs::open(
        "/",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    for c in root.components() {
        match c {
            Component::RootDir => {}
            Component::Normal(name) => {
                fd = rustix::fs::openat(&fd, name, dir_flags(), Mode::empty())?;
            }
            _ => return Err(rustix::io::Errno::INVAL),
        }
    }
    Ok(fd)
}

/// How long [`OpenedFolder::lock`] waits for another sealer.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The folder's lock, held until dropped.
#[derive(Debug)]
pub struct FolderLock<'a> {
    folder: &'a OpenedFolder,
}

impl Drop for FolderLock<'_> {
    fn drop(&mut self) {
        let _ = rustix::fs::flock(self.folder.fd.as_fd(), rustix::fs::FlockOperation::Unlock);
    }
}

impl OpenedFolder {
    /// Takes an exclusive `flock(2)` on the folder itself, waiting at most
    /// 10 s: two sealers that read a file, add to it and rename it into
    /// place do so one after the other, never at once, so neither loses
    /// what the other wrote.
    pub fn lock(&self) -> io::Result<FolderLock<'_>> {
        let start = std::time::Instant::now();
        loop {
            match rustix::fs::flock(
                self.fd.as_fd(),
                rustix::fs::FlockOperation::NonBlockingLockExclusive,
            ) {
                Ok(()) => return Ok(FolderLock { folder: self }),
                Err(rustix::io::Errno::WOULDBLOCK) if start.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(rustix::io::Errno::WOULDBLOCK) => {
                    return Err(io::Error::other(format!(
                        "{}: another sealer held the folder's lock for more than {} s",
                        self.shown.display(),
                        LOCK_WAIT.as_secs()
                    )))
                }
                Err(e) => {
                    return Err(io::Error::other(format!(
                        "{}: {}",
                        self.shown.display(),
                        io::Error::from(e)
                    )))
                }
            }
        }
    }

    /// Opens `root` (following the path as given when `follow_root`, else
    /// refusing a link as its last component), then each of `below` in turn
    /// without following a link; a folder of `below` that is missing is
    /// made when `create`, else the answer is `None`.
    pub fn open(
        root: &Path,
        follow_root: bool,
        below: &[&str],
        create: bool,
    ) -> io::Result<Option<OpenedFolder>> {
        let opened = if follow_root {
            rustix::fs::open(
                root,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
        } else {
            open_without_links(root)
        };
        let mut fd = match opened {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => return Err(linked(root)),
            Err(e) => {
                return Err(io::Error::other(format!(
                    "{}: {}",
                    root.display(),
                    io::Error::from(e)
                )))
            }
        };
        let mut shown = root.to_owned();
        for f in below {
            name_ok(f)?;
            shown.push(f);
            let next = match rustix::fs::openat(&fd, *f, dir_flags(), Mode::empty()) {
                Err(rustix::io::Errno::NOENT) if create => {
                    match rustix::fs::mkdirat(&fd, *f, Mode::from_raw_mode(0o755)) {
                        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                        Err(e) => {
                            return Err(io::Error::other(format!(
                                "{}: {}",
                                shown.display(),
                                io::Error::from(e)
                            )))
                        }
                    }
                    let _ = rustix::fs::fsync(fd.as_fd());
                    rustix::fs::openat(&fd, *f, dir_flags(), Mode::empty())
                }
                r => r,
            };
            fd = match next {
                Ok(d) => d,
                Err(rustix::io::Errno::NOENT) => return Ok(None),
                Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
                    return Err(linked(&shown))
                }
                Err(e) => {
                    return Err(io::Error::other(format!(
                        "{}: {}",
                        shown.display(),
                        io::Error::from(e)
                    )))
                }
            };
        }
        Ok(Some(OpenedFolder { fd, shown }))
    }

    /// The folder's path as it was opened (for messages only).
    pub fn shown(&self) -> &Path {
        &self.shown
    }

    /// `name`'s path as the folder was opened (for messages only).
    pub fn shown_file(&self, name: &str) -> PathBuf {
        self.shown.join(name)
    }

    fn err(&self, name: &str, e: impl Into<io::Error>) -> io::Error {
        let e: io::Error = e.into();
        io::Error::new(
            e.kind(),
            format!("{}: {e}", self.shown_file(name).display()),
        )
    }

    /// The names in the folder, sorted, each as found without following a
    /// link.
    pub fn list(&self) -> io::Result<Vec<Listed>> {
        list_opened(&self.fd)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.shown.display())))
    }

    /// Whether `name` exists in the folder (as anything, a link included).
    pub fn exists(&self, name: &str) -> bool {
        name_ok(name).is_ok()
            && rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).is_ok()
    }

    /// The bytes of the regular file `name` (never a link, FIFO or
    /// device), refused when longer than `limit`: the session door's own
    /// open and read, relative to this folder.
    pub fn read(&self, name: &str, limit: u64) -> io::Result<Vec<u8>> {
        name_ok(name)?;
        open_regular_at(&self.fd, name)
            .and_then(|o| read_opened(o, limit))
            .map_err(|e| {
                let kind = match e {
                    ReadError::Missing => io::ErrorKind::NotFound,
                    ReadError::Io(ref e) => e.kind(),
                    _ => io::ErrorKind::InvalidData,
                };
                let what = match e {
                    ReadError::NotRegular => {
                        "is a link or not a regular file (a link, FIFO or device is never read)"
                            .to_owned()
                    }
                    e => e.to_string(),
                };
                io::Error::new(kind, format!("{}: {what}", self.shown_file(name).display()))
            })
    }

    /// A new file in the folder holding `bytes`, made durable, under a
    /// temporary name of its own (`.tmp` and 32 random hex digits).
    fn temporary(&self, bytes: &[u8]) -> io::Result<String> {
        for _ in 0..8 {
            let mut rnd = [0u8; 16];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut rnd);
            let tmp = format!(".tmp{}", hex::encode(rnd));
            let fd = match rustix::fs::openat(
                &self.fd,
                tmp.as_str(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o644),
            ) {
                Ok(fd) => fd,
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(self.err(&tmp, e)),
            };
            let mut f = std::fs::File::from(fd);
            let written = f
                .write_all(bytes)
                // Readable by the verifiers whatever the umask.
                .and_then(|()| {
                    rustix::fs::fchmod(f.as_fd(), Mode::from_raw_mode(0o644)).map_err(Into::into)
                })
                .and_then(|()| f.sync_all());
            if let Err(e) = written {
                let _ = rustix::fs::unlinkat(&self.fd, tmp.as_str(), AtFlags::empty());
                return Err(self.err(&tmp, e));
            }
            return Ok(tmp);
        }
        Err(io::Error::other(format!(
            "{}: no free temporary name",
            self.shown.display()
        )))
    }

    /// Writes `bytes` as the new file `name`; an existing `name` is never
    /// replaced (`AlreadyExists`).
    pub fn write_new(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        name_ok(name)?;
        let tmp = self.temporary(bytes)?;
        let moved = match rustix::fs::renameat_with(
            &self.fd,
            tmp.as_str(),
            &self.fd,
            name,
            RenameFlags::NOREPLACE,
        ) {
            // A file system without renameat2: a hard link never replaces
            // either.
            Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
                rustix::fs::linkat(&self.fd, tmp.as_str(), &self.fd, name, AtFlags::empty()).map(
                    |()| {
                        let _ = rustix::fs::unlinkat(&self.fd, tmp.as_str(), AtFlags::empty());
                    },
                )
            }
            r => r,
        };
        if let Err(e) = moved {
            let _ = rustix::fs::unlinkat(&self.fd, tmp.as_str(), AtFlags::empty());
            return Err(self.err(name, e));
        }
        rustix::fs::fsync(self.fd.as_fd()).map_err(|e| self.err(name, e))
    }

    /// Replaces the file `name` (or makes it) with `bytes`, atomically.
    pub fn replace(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        name_ok(name)?;
        let tmp = self.temporary(bytes)?;
        if let Err(e) = rustix::fs::renameat(&self.fd, tmp.as_str(), &self.fd, name) {
            let _ = rustix::fs::unlinkat(&self.fd, tmp.as_str(), AtFlags::empty());
            return Err(self.err(name, e));
        }
        rustix::fs::fsync(self.fd.as_fd()).map_err(|e| self.err(name, e))
    }

    /// Removes the file `name` (a link is removed as a link, never
    /// followed).
    pub fn remove(&self, name: &str) -> io::Result<()> {
        name_ok(name)?;
        rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()).map_err(|e| self.err(name, e))?;
        rustix::fs::fsync(self.fd.as_fd()).map_err(|e| self.err(name, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_folder_swapped_for_a_link_after_it_was_opened_is_not_written_through() {
        let t = tempfile::tempdir().unwrap();
        let session = t.path().join("s");
        std::fs::create_dir_all(session.join("courtseal/ledger")).unwrap();
        let outside = t.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        let f = OpenedFolder::open(&session, false, &["courtseal", "ledger"], false)
            .unwrap()
            .unwrap();
        // The insider moves the folder away and puts a link in its place.
        std::fs::rename(session.join("courtseal/ledger"), t.path().join("moved")).unwrap();
        symlink(&outside, session.join("courtseal/ledger")).unwrap();
        f.write_new("1.proof", b"new\n").unwrap();
        f.replace("2.proof", b"replaced\n").unwrap();
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        assert_eq!(
            std::fs::read(t.path().join("moved/1.proof")).unwrap(),
            b"new\n"
        );
        assert_eq!(
            std::fs::read(t.path().join("moved/2.proof")).unwrap(),
            b"replaced\n"
        );
    }

    #[test]
    fn a_link_on_the_way_to_the_folder_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let session = t.path().join("s");
        std::fs::create_dir_all(&session).unwrap();
        let outside = t.path().join("outside");
        std::fs::create_dir_all(outside.join("ledger")).unwrap();
        symlink(&outside, session.join("courtseal")).unwrap();
        let e = OpenedFolder::open(&session, false, &["courtseal", "ledger"], true).unwrap_err();
        assert!(e.to_string().contains("is a link or not a folder"), "{e}");
        // A session folder that is itself a link is refused when its path
        // must not be followed.
        let linked = t.path().join("l");
        symlink(&outside, &linked).unwrap();
        let e = OpenedFolder::open(&linked, false, &["ledger"], false).unwrap_err();
        assert!(e.to_string().contains("is a link or not a folder"), "{e}");
        assert!(OpenedFolder::open(&linked, true, &["ledger"], false)
            .unwrap()
            .is_some());
    }

    #[test]
    fn a_registered_sessions_parent_swapped_for_a_link_is_not_followed() {
        let t = tempfile::tempdir().unwrap();
        let court = t.path().join("court");
        std::fs::create_dir_all(court.join("s/courtseal/ledger")).unwrap();
        let abs = std::fs::canonicalize(&court).unwrap().join("s");
        assert!(
            OpenedFolder::open(&abs, false, &["courtseal", "ledger"], false)
                .unwrap()
                .is_some()
        );
        // The courtroom folder above the session is swapped for a link to
        // another place holding a session of the same name.
        let other = t.path().join("other");
        std::fs::create_dir_all(other.join("s/courtseal/ledger")).unwrap();
        std::fs::rename(&court, t.path().join("court-moved")).unwrap();
        symlink(&other, &court).unwrap();
        let e = OpenedFolder::open(&abs, false, &["courtseal", "ledger"], false).unwrap_err();
        assert!(e.to_string().contains("is a link or not a folder"), "{e}");
        assert!(OpenedFolder::open(Path::new("relative/s"), false, &[], false).is_err());
    }

    #[test]
    fn the_folder_lock_is_exclusive_between_handles() {
        let t = tempfile::tempdir().unwrap();
        let a = OpenedFolder::open(t.path(), true, &[], false)
            .unwrap()
            .unwrap();
        let b = OpenedFolder::open(t.path(), true, &[], false)
            .unwrap()
            .unwrap();
        let held = a.lock().unwrap();
        assert_eq!(
            rustix::fs::flock(
                b.fd.as_fd(),
                rustix::fs::FlockOperation::NonBlockingLockExclusive
            ),
            Err(rustix::io::Errno::WOULDBLOCK)
        );
        drop(held);
        drop(b.lock().unwrap());
    }

    #[test]
    fn a_fifo_or_a_link_in_the_folder_is_not_read_and_write_new_never_replaces() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("d");
        std::fs::create_dir(&d).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            d.join("fifo"),
            rustix::fs::FileType::Fifo,
            Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        std::fs::write(t.path().join("secret"), b"secret").unwrap();
        symlink(t.path().join("secret"), d.join("link")).unwrap();
        let f = OpenedFolder::open(&d, true, &[], false).unwrap().unwrap();
        assert!(f
            .read("fifo", 10)
            .unwrap_err()
            .to_string()
            .contains("not a regular file"));
        assert!(f
            .read("link", 10)
            .unwrap_err()
            .to_string()
            .contains("is a link"));
        // Replacing a link replaces the link, not the file it names.
        f.replace("link", b"x").unwrap();
        assert_eq!(std::fs::read(t.path().join("secret")).unwrap(), b"secret");
        let e = f.write_new("link", b"y").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists, "{e}");
        assert_eq!(f.read("link", 10).unwrap(), b"x");
        f.write_new("big", &[0u8; 11]).unwrap();
        assert!(f
            .read("big", 10)
            .unwrap_err()
            .to_string()
            .contains("larger than 10 bytes"));
        f.remove("big").unwrap();
        assert!(!f.exists("big"));
        // No temporary file is left behind.
        let names: Vec<String> = f.list().unwrap().into_iter().map(|l| l.name).collect();
        assert_eq!(names, ["fifo", "link"]);
    }
}
