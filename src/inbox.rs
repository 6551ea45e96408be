//! The event inbox: how an operator's event or a close request reaches a
//! session, whether or not a sealing service (`seal --watch`) holds it.
//!
//! A session is sealed by at most one process, the one holding its lock
//! (`courtseal/lock`). The protocol:
//!
//! - **No service runs** (the lock is free): the event is appended to the log
//!   directly, under the lock, after it is checked against its own operator
//!   key and the log's origin. No checkpoint is signed unless the recorder
//!   key is given; otherwise the next `seal` covers the event.
//! - **A service runs** (the lock is held): the event is left in the inbox
//!   folder `courtseal/inbox/` as one file `TIME-PID.event` holding the entry
//!   line, written to a temporary file and renamed in, so the service never
//!   reads half an event. The service takes each in
//!   ([`crate::watch`]): checks it, stamps its sealing time, appends it, and
//!   only then removes the file; an event it refuses is renamed
//!   `….refused`. The sender waits for the file to go, up to its limit; an
//!   event not taken in within it stays queued and is sealed later.
//! - **Closing**: with a service running, the sender writes the close request
//!   `courtseal/close-request`; the service seals what is finished, appends a
//!   `close` entry, signs a final checkpoint and releases the lock, which is
//!   how the sender learns it is done. With no service, the session is
//!   closed directly with the recorder key.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::checkpoint::Checkpoint;
use crate::entry::{self, CloseEntry, EventEntry, VERSION};
use crate::note::NoteSigner;
use crate::session::{self, HeaderFields, SealError, Sealer, SessionPaths};
use crate::watch;

/// How often the sender looks whether the service has taken an event in.
const EVENT_POLL: Duration = Duration::from_millis(50);
/// How often the sender looks whether the service has closed the session.
const CLOSE_POLL: Duration = Duration::from_millis(100);

/// An event or close request that could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// The session could not be read, locked or appended to.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The running service did not take the event in within the wait.
    #[error("{session}: the sealing service has not taken the event in within {waited} s; it stays queued in {file}")]
    NotTaken {
        /// The session folder.
        session: PathBuf,
        /// How long the sender waited, in seconds.
        waited: f64,
        /// The queued event file.
        file: PathBuf,
    },
    /// The running service refused the event.
    #[error("{0}: the sealing service refused the event")]
    Refused(PathBuf),
    /// There is no log to close.
    #[error("{0}: this folder was never sealed; there is nothing to close")]
    NeverSealed(PathBuf),
    /// The close request could not be written.
    #[error("{path}: cannot write: {source}")]
    Request {
        /// The close request file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The running service did not close the session within the wait.
    #[error("{session}: the sealing service has not closed the session within {waited} s")]
    NotClosed {
        /// The session folder.
        session: PathBuf,
        /// How long the sender waited, in seconds.
        waited: f64,
    },
    /// The last entry of the log is already a `close`.
    #[error("{0}: the session is already closed")]
    AlreadyClosed(PathBuf),
}

/// What became of an event.
#[derive(Debug)]
pub enum Delivered {
    /// No service runs: the event was appended to the log directly.
    Appended {
        /// The entry as appended (with its sealing time).
        event: EventEntry,
        /// The checkpoint signed over it, when a recorder key was given and
        /// anything was left to sign.
        checkpoint: Option<Checkpoint>,
    },
    /// The running service took the event in and sealed it.
    TakenByService {
        /// The entry as handed over (the service stamps its sealing time).
        event: EventEntry,
    },
}

/// Hands the signed event `ev` to the session at `root`: appends it when no
/// service runs (then signs a checkpoint with `recorder`, if given), or
/// leaves it in the inbox and waits up to `wait` for the service to seal it.
pub fn deliver_event(
    root: &Path,
    ev: EventEntry,
    recorder: Option<&NoteSigner>,
    wait: Duration,
) -> Result<Delivered, InboxError> {
    let paths = SessionPaths::new(root);
    match session::lock_session(&paths) {
        Ok(lock) => {
            // append_event takes the lock itself.
            drop(lock);
            let event = session::append_event(root, ev)?;
            let checkpoint = match recorder {
                Some(r) => Sealer::open(root, r, None, &HeaderFields::default())?.checkpoint()?,
                None => None,
            };
            Ok(Delivered::Appended { event, checkpoint })
        }
        Err(SealError::Locked(_)) => {
            let file = watch::queue_event(&paths, &ev)?;
            let deadline = Instant::now() + wait;
            while file.exists() && Instant::now() < deadline {
                std::thread::sleep(EVENT_POLL);
            }
            if file.exists() {
                return Err(InboxError::NotTaken {
                    session: root.to_owned(),
                    waited: wait.as_secs_f64(),
                    file,
                });
            }
            if file.with_extension("refused").exists() {
                return Err(InboxError::Refused(root.to_owned()));
            }
            Ok(Delivered::TakenByService { event: ev })
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes the close request without following a link planted at its name
/// (through one, "close" would overwrite any file the link points to) and
/// without blocking on a FIFO.
fn write_close_request(req: &Path) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(req)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a regular file (a link, FIFO or device is never written)",
        ));
    }
    f.write_all(b"close\n")
}

/// What became of a close request.
#[derive(Debug, PartialEq, Eq)]
pub enum Closed {
    /// The running service closed the session.
    ByService,
    /// No service runs; the session was closed with the recorder key. The
    /// log holds this many entries, all covered by the final checkpoint.
    Directly(u64),
    /// No service runs and no recorder key was given: nothing was done.
    NoService,
}

/// Closes the session at `root`: asks the running service and waits up to
/// `wait` for it to release the lock, or, with no service, appends the
/// `close` entry and signs the final checkpoint with `recorder`.
pub fn close(
    root: &Path,
    recorder: Option<&NoteSigner>,
    wait: Duration,
) -> Result<Closed, InboxError> {
    let paths = SessionPaths::new(root);
    if !root.is_dir() {
        return Err(SealError::NotASession(root.to_owned()).into());
    }
    if !paths.log.exists() {
        return Err(InboxError::NeverSealed(root.to_owned()));
    }
    match session::lock_session(&paths) {
        Err(SealError::Locked(_)) => {
            let req = watch::close_request(&paths);
            write_close_request(&req).map_err(|source| InboxError::Request {
                path: req.clone(),
                source,
            })?;
            let deadline = Instant::now() + wait;
            while Instant::now() < deadline {
                if session::lock_session(&paths).is_ok() {
                    return Ok(Closed::ByService);
                }
                std::thread::sleep(CLOSE_POLL);
            }
            Err(InboxError::NotClosed {
                session: root.to_owned(),
                waited: wait.as_secs_f64(),
            })
        }
        Ok(lock) => {
            // Sealer::open takes the lock itself.
            drop(lock);
            let Some(recorder) = recorder else {
                return Ok(Closed::NoService);
            };
            let mut sealer = Sealer::open(root, recorder, None, &HeaderFields::default())?;
            if sealer.last_kind() == Some("close") {
                return Err(InboxError::AlreadyClosed(root.to_owned()));
            }
            let close = CloseEntry {
                v: VERSION,
                kind: "close".into(),
                at: entry::now_utc(),
                segments: sealer.segments(),
                reason: "close-command".into(),
            };
            sealer.append(&[entry::to_line(&close)])?;
            let cp = sealer.checkpoint()?;
            Ok(Closed::Directly(cp.map_or(sealer.size(), |c| c.size)))
        }
        Err(e) => Err(e.into()),
    }
}
