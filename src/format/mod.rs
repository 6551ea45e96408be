//! The sealed contract: pure bytes <-> types, no I/O and no FFmpeg.
//!
//! Everything here is part of what an independent verifier must be able to
//! check, documented byte by byte in `docs/formats.md`: log entries, C2SP
//! checkpoints, the texts of signed statements, the `tlog-proof` file, the proof
//! bundle and the origin line.

/// The session's log, by its name in the session folder.
pub const LOG_NAME: &str = "courtseal/log.jsonl";

pub mod bundle;
pub mod checkpoint;
pub mod entry;
pub mod ledger;
pub mod media;
pub mod origin;
pub mod statement;
pub mod timestamp;
pub mod tlog_proof;
pub mod windows;
