//! courtseal: tamper-evident sealing of court-session recordings.
//!
//! Segments of a recording are hashed (SHA-256) into an append-only log of
//! JSON lines; the log is an RFC 6962 Merkle tree whose roots are signed as
//! C2SP checkpoints with Ed25519. Anyone with the court's public key can then
//! verify, offline, that every sealed segment is present and unchanged and
//! that the log was only ever appended to — or learn exactly where not.
//!
//! This library never prints and never exits: it returns findings as data.
#![forbid(unsafe_code)]
// Outside tests, an unwrap is a panic waiting for the input that breaks it.
#![warn(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]
#![deny(missing_docs)]

// Paths of modules that moved into the sealed contract layer.
pub use format::checkpoint;
pub use format::entry;
pub use format::statement as event;

/// The session folder as the modules before the store boundary named it:
/// its layout, its log and sealing.
pub mod session {
    pub use crate::log::{Log, LogLine};
    pub use crate::seal::*;
    pub use crate::store::layout::*;
}

pub mod align;
pub mod audit;
pub mod bag;
pub mod certificate;
pub mod compare;
pub mod compare_report;
pub mod digest;
pub mod document;
pub mod excerpt;
pub mod finding;
pub mod format;
pub mod inbox;
pub mod keys;
pub mod ledger;
pub mod log;
pub mod media;
pub mod named;
pub mod note;
pub mod proof;
pub mod record;
pub mod report;
pub mod retention;
pub mod retire;
pub mod seal;
pub mod series;
pub mod store;
pub mod stretch;
pub mod time;
pub mod timeline;
pub mod timestamp;
pub mod tlog;
pub mod trust;
pub mod verify;
pub mod watch;
pub mod windows;
pub mod witness;
pub mod zone;
