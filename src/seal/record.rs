//! `record seal`: an operator signs the session's finalised short-form
//! record into its log as a `record` entry
//! ([`crate::record::sealed`] says when it counts).
//!
//! The operator's signature says who vouches for the record; the entry
//! counts only once a trusted recorder checkpoint covers it, like every
//! entry. With the recorder key, the checkpoint is signed at once, and only
//! over a log its latest checkpoint already covers in full (the sealer signs
//! only what it derived: the one entry added here). Without it, an open
//! session's next `seal` covers the entry; a closed session needs the
//! recorder key, since nothing else will sign over it.

use std::io;
use std::path::Path;

use crate::checkpoint::Checkpoint;
use crate::digest::Sha256Digest;
use crate::entry::{self, Entry, RecordEntry};
use crate::format::statement::make_record;
use crate::log::Log;
use crate::note::NoteSigner;
use crate::record::sealed::fields_of;
use crate::store::layout::{self, SessionPaths};

use super::{append_lines, lock_session, write_checkpoint, SealError};

/// What `record seal` did.
#[derive(Debug)]
pub struct RecordSealed {
    /// The entry appended (with its sealing time).
    pub entry: RecordEntry,
    /// Its log line.
    pub line: usize,
    /// The checkpoint signed over it, when the recorder key was given.
    pub checkpoint: Option<Checkpoint>,
}

/// Signs the record `text` (the session's record file, `file` naming it in
/// messages) with `operator` and appends it to the log of the session at
/// `root`, as the next revision; signs a checkpoint over it with `recorder`
/// when given. Refuses, leaving the log as it is, a record that does not
/// parse, is not finalised, or is byte for byte the latest one sealed; a
/// damaged log; a session a running service holds; and, with the recorder
/// key, a log with entries its latest checkpoint does not cover.
pub fn seal_record(
    root: &Path,
    file: &Path,
    text: &str,
    operator: &NoteSigner,
    recorder: Option<&NoteSigner>,
) -> Result<RecordSealed, SealError> {
    if !root.is_dir() {
        return Err(SealError::NotASession(root.to_owned()));
    }
    let paths = SessionPaths::new(root);
    let refuse = |what: String| SealError::Record {
        path: file.to_owned(),
        what,
    };
    let record = crate::record::parse(text).map_err(|errs| {
        refuse(format!(
            "not a valid short-form record: {}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    if record.finalised.is_none() {
        return Err(refuse(
            "the record has no 'finalised' date: only a finalised record is sealed".into(),
        ));
    }
    let fields = fields_of(&record).map_err(refuse)?;
    let _lock = lock_session(&paths)?;
    let log = match Log::read_from(&paths.source()) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(SealError::Damaged {
                path: paths.log.clone(),
                what: "this folder was never sealed: there is no log to seal the record into"
                    .into(),
            })
        }
        Err(e) => {
            return Err(SealError::Io {
                path: paths.log.clone(),
                source: e,
            })
        }
    };
    let damaged = |what: String| SealError::Damaged {
        path: paths.log.clone(),
        what,
    };
    if log.torn_tail.is_some() {
        return Err(damaged(
            "the log ends in an incomplete line; run 'courtseal seal' to recover it first".into(),
        ));
    }
    if let Some(bad) = log.lines.iter().find(|l| l.entry.is_err()) {
        return Err(damaged(format!("line {} is not a valid entry", bad.number)));
    }
    let header = log
        .header()
        .ok_or_else(|| damaged("the log has no session header".into()))?;
    let origin = header.origin.clone();
    let records: Vec<&RecordEntry> = log
        .lines
        .iter()
        .filter_map(|l| match &l.entry {
            Ok(Entry::Record(r)) => Some(r),
            _ => None,
        })
        .collect();
    let digest = Sha256Digest::of(text.as_bytes());
    if let Some(last) = records.last().filter(|r| r.sha256 == digest) {
        return Err(refuse(format!(
            "this record is already sealed, byte for byte, as revision {}; a correction is sealed after the file is corrected",
            last.revision
        )));
    }
    let revision = records
        .iter()
        .map(|r| r.revision)
        .max()
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| damaged("the record revisions are exhausted".into()))?;
    let closed = log
        .lines
        .iter()
        .any(|l| matches!(l.entry, Ok(Entry::Close(_))));
    let mut tree = log.tree();
    match recorder {
        None if closed => {
            return Err(SealError::Mismatch {
                path: paths.log.clone(),
                what: "this session is closed, so no later 'seal' will sign over the record: give the recorder key (--recorder-key) to sign the checkpoint that makes it count".into(),
            })
        }
        None => {}
        Some(r) => {
            if header.recorder != r.verifier().to_vkey() {
                return Err(SealError::Mismatch {
                    path: paths.log.clone(),
                    what: format!(
                        "this session is sealed by recorder key {}, not by {}",
                        header.recorder,
                        r.verifier().to_vkey()
                    ),
                });
            }
            covered_in_full(&paths, &log, &tree, r)?;
        }
    }
    let mut e = make_record(operator, &origin, revision, text, &fields)
        .map_err(|err| refuse(err.to_string()))?;
    e.sealed_at = entry::now_utc();
    let line = entry::to_line(&e);
    append_lines(&paths, std::slice::from_ref(&line))?;
    tree.push(crate::tlog::leaf_hash(&line));
    let checkpoint = match recorder {
        Some(r) => {
            let cp = Checkpoint::new(&origin, tree.size(), tree.root());
            write_checkpoint(&paths, r, &cp)?;
            Some(cp)
        }
        None => None,
    };
    Ok(RecordSealed {
        entry: e,
        line: log.lines.len() + 1,
        checkpoint,
    })
}

/// The latest checkpoint opens with the recorder key and covers the whole
/// log: the recorder then signs over nothing but the record it adds.
fn covered_in_full(
    paths: &SessionPaths,
    log: &Log,
    tree: &crate::tlog::Tree,
    recorder: &NoteSigner,
) -> Result<(), SealError> {
    let not_covered = |why: String| {
        SealError::Damaged {
        path: paths.checkpoint.clone(),
        what: format!(
            "{why}; the recorder signs a checkpoint only over a log its latest checkpoint covers in full, so nothing was done"
        ),
    }
    };
    let bytes = paths
        .read(layout::CHECKPOINT_NAME, layout::MAX_CHECKPOINT_BYTES)
        .map_err(|e| not_covered(format!("the latest checkpoint cannot be read ({e})")))?;
    let mut own = crate::trust::TrustStore::new();
    own.add(crate::trust::Role::Recorder, recorder.verifier().clone());
    let cp = crate::verify::checkpoints::open(&bytes, &own, "courtseal/checkpoint")
        .map_err(|f| {
            not_covered(format!(
                "the latest checkpoint does not open with the recorder key ({})",
                f.message
            ))
        })?
        .checkpoint;
    let header_origin = log.header().map(|h| h.origin.as_str()).unwrap_or_default();
    if cp.origin != header_origin
        || cp.size != log.lines.len() as u64
        || tree.root_at(cp.size) != Some(cp.root)
    {
        return Err(not_covered(format!(
            "the latest checkpoint (size {}) does not cover the log's {} entries as they are",
            cp.size,
            log.lines.len()
        )));
    }
    Ok(())
}
