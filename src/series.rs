//! A courtroom's series of sessions, chained: each session's header names
//! (by SHA-256) a checkpoint of the same recorder's previous session, so a
//! session deleted from the series breaks the chain where it stood.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::digest::Sha256Digest;
use crate::finding::{Code, Finding};
use crate::keys::TrustStore;
use crate::session::{self, Log, SessionPaths};
use crate::store::source::{Kind, SessionSource};
use crate::store::{Archive, LocalArchive};

/// One session found in a series folder.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesSession {
    /// The session folder, relative to the series folder.
    pub folder: String,
    /// The recorder key that opened it.
    pub recorder: String,
    /// When it was opened.
    pub opened_at: String,
    /// The checkpoint of the previous session it names, if any.
    pub previous: Option<String>,
    /// The previous session found, if any.
    pub previous_folder: Option<String>,
    /// SHA-256 of its latest checkpoint file.
    pub final_checkpoint: Option<String>,
}

/// The result of checking a series.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesReport {
    /// The series folder.
    pub folder: String,
    /// Sessions, in the order they were opened.
    pub sessions: Vec<SeriesSession>,
    /// Problems found.
    pub findings: Vec<Finding>,
}

struct Found {
    path: PathBuf,
    folder: String,
    recorder: String,
    opened_at: String,
    previous: Option<String>,
    /// SHA-256 of every checkpoint file the session holds (with a trust
    /// store: only those that verify against its current log).
    checkpoints: Vec<String>,
    /// SHA-256 of checkpoint files that do not verify (with a trust store).
    unverified: Vec<String>,
    latest: Option<String>,
}

/// Largest checkpoint file read, in bytes.
const MAX_CHECKPOINT_BYTES: u64 = session::MAX_CHECKPOINT_BYTES;

/// Does a checkpoint file verify: signed by a trusted recorder key, for
/// this log's origin, and its root is that of the log as it is now?
fn verifies(bytes: &[u8], log: &Log, origin: &str, trust: &TrustStore) -> bool {
    let Ok(opened) = crate::verify::checkpoints::open_standalone(bytes, trust, "") else {
        return false;
    };
    let cp = opened.checkpoint;
    cp.origin == origin && log.tree().root_at(cp.size) == Some(cp.root)
}

fn h_origin(log: &Log) -> String {
    log.header().map(|h| h.origin.clone()).unwrap_or_default()
}

/// The checkpoint files of a session, by name inside it: `checkpoints/<size>`
/// by size, the other names of that folder, then `checkpoint` (as
/// [`session::checkpoint_files`] orders them), listed through its door (a
/// name that is not UTF-8 is never opened in place of another).
fn checkpoint_names(source: &dyn SessionSource) -> Vec<String> {
    const FOLDER: &str = "courtseal/checkpoints";
    let mut by_size = std::collections::BTreeMap::new();
    let mut odd = Vec::new();
    if let Ok(Some(listed)) = source.list(FOLDER) {
        for l in listed.into_iter().filter(|l| l.kind != Kind::NotUtf8) {
            match l
                .name
                .parse::<u64>()
                .ok()
                .filter(|s| s.to_string() == l.name)
            {
                Some(size) => {
                    by_size.insert(size, format!("{FOLDER}/{}", l.name));
                }
                None => odd.push(format!("{FOLDER}/{}", l.name)),
            }
        }
    }
    let mut out: Vec<String> = by_size.into_values().collect();
    out.extend(odd);
    out.push(session::CHECKPOINT_NAME.to_owned());
    out
}

/// Every session folder directly in `dir`, each read through its door; the
/// folder listed without following a link (a link there is not a session
/// of the series).
fn sessions_in(dir: &Path, trust: Option<&TrustStore>) -> std::io::Result<Vec<Found>> {
    let archive = LocalArchive::new(dir);
    let mut out = Vec::new();
    let listed = archive.list(".")?.unwrap_or_default();
    for l in listed {
        if l.kind != Kind::Folder {
            continue;
        }
        let Ok(source) = archive.session(&l.name) else {
            continue;
        };
        let path = archive.shown(&l.name);
        let Ok(log) = Log::read_from(&source) else {
            continue;
        };
        let Some(h) = log.header() else { continue };
        let read = |rel: &str| source.read(rel, MAX_CHECKPOINT_BYTES).ok();
        let (mut checkpoints, mut unverified) = (Vec::new(), Vec::new());
        for rel in checkpoint_names(&source) {
            let Some(bytes) = read(&rel) else { continue };
            let h = Sha256Digest::of(&bytes).to_hex();
            match trust {
                Some(t) if !verifies(&bytes, &log, &h_origin(&log), t) => unverified.push(h),
                _ => checkpoints.push(h),
            }
        }
        let latest = read(session::CHECKPOINT_NAME).map(|b| Sha256Digest::of(&b).to_hex());
        out.push(Found {
            folder: l.name.clone(),
            path,
            recorder: h.recorder.clone(),
            opened_at: h.opened_at.clone(),
            previous: h.previous.clone(),
            checkpoints,
            unverified,
            latest,
        });
    }
    out.sort_by(|a, b| a.opened_at.cmp(&b.opened_at).then(a.folder.cmp(&b.folder)));
    Ok(out)
}

/// The latest checkpoint of the most recently opened session in `dir` sealed
/// with `recorder` (other than `exclude`): its file and SHA-256.
pub fn previous_in_series(
    dir: &Path,
    recorder: &str,
    exclude: &Path,
) -> std::io::Result<Option<(PathBuf, String)>> {
    let exclude = exclude
        .canonicalize()
        .unwrap_or_else(|_| exclude.to_owned());
    let found = sessions_in(dir, None)?;
    Ok(found
        .into_iter()
        .filter(|f| {
            f.recorder == recorder
                && f.path.canonicalize().unwrap_or_else(|_| f.path.clone()) != exclude
        })
        .filter_map(|f| {
            f.latest
                .clone()
                .map(|h| (SessionPaths::new(&f.path).checkpoint, h))
        })
        .next_back())
}

/// Checks the chain of every recorder's sessions in `dir`, matching links
/// by checkpoint file hash alone (see [`check_series_trusted`]).
pub fn check_series(dir: &Path) -> std::io::Result<SeriesReport> {
    check_series_with(dir, None)
}

/// Checks the chain of every recorder's sessions in `dir`, following a link
/// only to a checkpoint that verifies: signed by a trusted recorder key,
/// for that session's origin, and consistent with that session's log as it
/// is now. A link to a checkpoint that does not is `session.chain_unverified`.
pub fn check_series_trusted(dir: &Path, trust: &TrustStore) -> std::io::Result<SeriesReport> {
    check_series_with(dir, Some(trust))
}

fn check_series_with(dir: &Path, trust: Option<&TrustStore>) -> std::io::Result<SeriesReport> {
    let found = sessions_in(dir, trust)?;
    let mut findings = Vec::new();
    let mut by_checkpoint: HashMap<&str, &Found> = HashMap::new();
    let mut by_unverified: HashMap<&str, &Found> = HashMap::new();
    for f in &found {
        for c in &f.checkpoints {
            by_checkpoint.insert(c.as_str(), f);
        }
        for c in &f.unverified {
            by_unverified.insert(c.as_str(), f);
        }
    }
    let mut firsts: HashMap<&str, Vec<&Found>> = HashMap::new();
    let mut successors: HashMap<&str, Vec<&Found>> = HashMap::new();
    let mut sessions = Vec::new();
    for f in &found {
        let prev = f
            .previous
            .as_deref()
            .and_then(|p| by_checkpoint.get(p).copied());
        match (&f.previous, prev) {
            (None, _) => firsts.entry(f.recorder.as_str()).or_default().push(f),
            (Some(p), None) if by_unverified.contains_key(p.as_str()) => {
                findings.push(Finding::error(
                    Code::SessionChainUnverified,
                    &f.folder,
                    format!(
                        "names a checkpoint of {} (SHA-256 {}…) that does not verify: it is not signed by a trusted recorder key, or it does not match that session's log as it is now (rewritten, or rolled back); the link is not followed",
                        by_unverified[p.as_str()].folder,
                        &p[..12.min(p.len())]
                    ),
                ))
            }
            (Some(p), None) => findings.push(Finding::error(
                Code::SessionChainBroken,
                &f.folder,
                format!(
                    "names a previous session (checkpoint SHA-256 {}…) that is not in this series: a session of this courtroom was deleted, moved or altered",
                    &p[..12.min(p.len())]
                ),
            )),
            (Some(_), Some(pf)) => {
                if pf.recorder != f.recorder {
                    findings.push(Finding::warning(
                        Code::SessionChainOtherRecorder,
                        &f.folder,
                        format!("chains to {}, which was sealed with another recorder key", pf.folder),
                    ));
                }
                successors.entry(pf.folder.as_str()).or_default().push(f);
            }
        }
        sessions.push(SeriesSession {
            folder: f.folder.clone(),
            recorder: f.recorder.clone(),
            opened_at: f.opened_at.clone(),
            previous: f.previous.clone(),
            previous_folder: prev.map(|p| p.folder.clone()),
            final_checkpoint: f.latest.clone(),
        });
    }
    for (prev, next) in &successors {
        if next.len() > 1 {
            let names: Vec<&str> = next.iter().map(|f| f.folder.as_str()).collect();
            findings.push(Finding::error(
                Code::SessionChainForked,
                *prev,
                format!(
                    "is named as the previous session by {} sessions: {}",
                    next.len(),
                    names.join(", ")
                ),
            ));
        }
    }
    for (_, firsts) in firsts {
        for f in firsts.iter().skip(1) {
            findings.push(Finding::warning(
                Code::SessionChainUnlinked,
                &f.folder,
                "names no previous session although the same recorder has an earlier session here",
            ));
        }
    }
    Ok(SeriesReport {
        folder: dir.display().to_string(),
        sessions,
        findings,
    })
}
