//! The one checkpoint verifier: every command that relies on a signed
//! checkpoint (verify, verify-file, seal, check, series, audit, retire)
//! asks it, so the rules below hold everywhere.
//!
//! A checkpoint is *trusted* when
//! 1. it is a well-formed C2SP signed note whose every signature by a trusted
//!    key verifies (one bad trusted signature refuses the note), and
//! 2. the trust policy ([`crate::trust`]) lets one of its verified signers
//!    sign it: a recorder key signs any checkpoint of its log; an archivist
//!    key only a checkpoint that extends an already trusted prefix by exactly
//!    one `retire` entry signed by that same archivist ([`Statement::RetireCheckpoint`]);
//! 3. its origin is the log's, and the log is an extension of it (RFC 9162
//!    §2.1.4 consistency from its size to the log's size).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rayon::prelude::*;
use serde::Serialize;

use crate::finding::{Code, Finding};
use crate::format::checkpoint::Checkpoint;
use crate::format::entry::Entry;
use crate::format::statement::check_retire;
use crate::log::Log;
use crate::note::{self, NoteError, Verifier};
use crate::tlog::{self, Tree};
use crate::trust::{Statement, TrustStore};

/// A checkpoint that was examined.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointStatus {
    /// The file, relative to the session folder.
    pub file: String,
    /// The tree size it claims, when it parses.
    pub size: Option<u64>,
    /// Root hash, base64, when it parses.
    pub root: Option<String>,
    /// Trusted keys whose signatures verified.
    pub signed_by: Vec<String>,
    /// True for `courtseal/checkpoint` (the latest), false for a kept one.
    pub latest: bool,
    /// True if signed by a key the policy allows and consistent with the log.
    pub ok: bool,
}

/// A signed checkpoint opened under the trust policy, before it is compared
/// with any log.
#[derive(Debug, Clone)]
pub struct OpenedCheckpoint {
    /// The checkpoint body.
    pub checkpoint: Checkpoint,
    /// Verified signers trusted to sign session checkpoints.
    pub recorders: Vec<Verifier>,
    /// Verified signers trusted only for the checkpoint over their own
    /// retirement entry.
    pub archivists: Vec<Verifier>,
}

impl OpenedCheckpoint {
    /// Every verified, trusted signer, as verifier keys.
    pub fn signed_by(&self) -> Vec<String> {
        self.recorders
            .iter()
            .chain(&self.archivists)
            .map(Verifier::to_vkey)
            .collect()
    }
}

fn signer_list(bytes: &[u8]) -> String {
    note::split(bytes)
        .map(|(_, s)| {
            s.iter()
                .map(|s| format!("{} ({:08x})", s.name, s.key_id))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Opens the signed checkpoint `bytes` (found at `location`): its signatures
/// under the policy, then its body. A refusal is the finding that says why.
#[allow(clippy::result_large_err)] // the refusal is the finding a caller reports
pub fn open(bytes: &[u8], trust: &TrustStore, location: &str) -> Result<OpenedCheckpoint, Finding> {
    let recorders = trust.signers_of(Statement::SessionCheckpoint);
    let archivists = trust.signers_of(Statement::RetireCheckpoint);
    let mut candidates = recorders.clone();
    candidates.extend(
        archivists
            .iter()
            .filter(|a| !recorders.contains(a))
            .cloned(),
    );
    let opened = match note::open(bytes, &candidates) {
        Ok(o) => o,
        Err(NoteError::BadSignature { name, key_id }) => {
            return Err(Finding::error(
                Code::CheckpointBadSignature,
                location,
                format!("the signature by trusted key {name} ({key_id:08x}) does not verify: the checkpoint was altered or forged"),
            ))
        }
        Err(NoteError::NoTrustedSignature) => {
            return Err(Finding::error(
                Code::CheckpointUntrustedKey,
                location,
                format!(
                    "signed only by keys that are not trusted to sign checkpoints: {}",
                    signer_list(bytes)
                ),
            ))
        }
        Err(e) => {
            return Err(Finding::error(
                Code::CheckpointMalformed,
                location,
                format!("not a valid signed checkpoint: {e}"),
            ))
        }
    };
    let checkpoint = Checkpoint::parse(&opened.text)
        .map_err(|e| Finding::error(Code::CheckpointMalformed, location, e.to_string()))?;
    let (rec, arch): (Vec<Verifier>, Vec<Verifier>) = opened
        .verified
        .into_iter()
        .partition(|v| recorders.contains(v));
    Ok(OpenedCheckpoint {
        checkpoint,
        recorders: rec,
        archivists: arch,
    })
}

/// Opens a checkpoint that must stand on its own, without the log it
/// belongs to (an offline proof): only a recorder signature counts, since
/// an archivist's checkpoint is trusted only next to the entry it covers.
#[allow(clippy::result_large_err)] // as for `open`
pub fn open_standalone(
    bytes: &[u8],
    trust: &TrustStore,
    location: &str,
) -> Result<OpenedCheckpoint, Finding> {
    let opened = open(bytes, trust, location)?;
    if opened.recorders.is_empty() {
        return Err(Finding::error(
            Code::CheckpointUntrustedKey,
            location,
            format!(
                "signed only by {}, trusted as an archivist: an archivist's checkpoint vouches only for its own retirement entry, so it cannot prove a segment",
                names(&opened.archivists)
            ),
        ));
    }
    Ok(opened)
}

fn names(vs: &[Verifier]) -> String {
    vs.iter()
        .map(|v| format!("{} ({:08x})", v.name(), v.key_id()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A checkpoint file of a session, as read from the session folder.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    /// Where it is, relative to the session folder.
    pub file: String,
    /// The size its file name claims (kept checkpoints are named by size).
    pub named_size: Option<u64>,
    /// True for `courtseal/checkpoint`.
    pub latest: bool,
    /// A file in `checkpoints/` not named by a tree size (a temporary file,
    /// a renamed copy): it counts only if it opens as a trusted checkpoint.
    pub stray: bool,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The verdict on every checkpoint of one session log.
#[derive(Debug, Clone, Default)]
pub struct CheckpointsVerdict {
    /// One status per file, in the order given.
    pub statuses: Vec<CheckpointStatus>,
    /// The largest size covered by a trusted checkpoint consistent with the
    /// log (0: nothing in the log is proven).
    pub verified_size: u64,
    /// What was wrong.
    pub findings: Vec<Finding>,
}

/// A checkpoint that opened and matched the log, before the policy decides
/// whether its signers may sign it.
struct Candidate {
    index: usize,
    opened: OpenedCheckpoint,
}

/// Checks every checkpoint file of a session against its log and the policy.
pub fn check_session_checkpoints(
    files: &[CheckpointFile],
    log: &Log,
    tree: &Tree,
    trust: &TrustStore,
) -> CheckpointsVerdict {
    let mut v = CheckpointsVerdict::default();
    let origin = log.header().map(|h| h.origin.as_str());
    let root = tree.root();
    let mut candidates = Vec::new();
    // The signatures are checked on every core first; the findings follow
    // in the files' order.
    let opened_files: Vec<_> = files
        .par_iter()
        .map(|f| open(&f.bytes, trust, &f.file).map_err(Box::new))
        .collect();
    for ((index, f), opened) in files.iter().enumerate().zip(opened_files) {
        let mut st = CheckpointStatus {
            file: f.file.clone(),
            size: None,
            root: None,
            signed_by: vec![],
            latest: f.latest,
            ok: false,
        };
        let opened = match opened {
            Ok(o) => o,
            Err(finding) if f.stray => {
                v.findings.push(Finding::warning(
                    Code::CheckpointMalformed,
                    &f.file,
                    format!(
                        "a file in checkpoints/ not named by a tree size, and not a trusted checkpoint ({}); ignored",
                        finding.message
                    ),
                ));
                v.statuses.push(st);
                continue;
            }
            Err(finding) => {
                v.findings.push(*finding);
                v.statuses.push(st);
                continue;
            }
        };
        let cp = &opened.checkpoint;
        st.signed_by = opened.signed_by();
        st.size = Some(cp.size);
        st.root = Some(B64.encode(cp.root));
        let mut ok = true;
        if let Some(origin) = origin {
            if cp.origin != origin {
                ok = false;
                v.findings.push(Finding::error(
                    Code::CheckpointOriginMismatch,
                    &f.file,
                    format!(
                        "names origin {:?} but the session's log is {:?}",
                        cp.origin, origin
                    ),
                ));
            }
        }
        if let Some(n) = f.named_size {
            if n != cp.size {
                ok = false;
                v.findings.push(Finding::error(
                    Code::CheckpointSizeMismatch,
                    &f.file,
                    format!(
                        "the file is named for size {n} but the signed checkpoint is for size {}",
                        cp.size
                    ),
                ));
            }
        }
        if cp.size > tree.size() {
            ok = false;
            v.findings.push(Finding::error(
                Code::CheckpointSizeMismatch,
                &f.file,
                format!(
                    "a trusted checkpoint{} covers {} entries but the log holds only {}: the log was rolled back (entries were removed from its end)",
                    if f.stray { " kept under a name that is not its size" } else { "" },
                    cp.size,
                    tree.size()
                ),
            ));
        } else if cp.size == 0 {
            ok = false;
            v.findings.push(Finding::error(
                Code::CheckpointMalformed,
                &f.file,
                "a checkpoint of an empty log proves nothing",
            ));
        } else {
            let consistent = tree
                .consistency_proof(cp.size, tree.size())
                .ok_or_else(|| "no consistency proof can be built".to_owned())
                .and_then(|proof| {
                    tlog::verify_consistency(cp.size, tree.size(), &cp.root, &root, &proof)
                        .map_err(|e| e.to_string())
                });
            if let Err(e) = consistent {
                ok = false;
                v.findings.push(Finding::error(
                    Code::LogRewritten,
                    &f.file,
                    format!(
                        "the log is not an extension of this signed checkpoint ({e}): its first {} entries were changed after they were sealed",
                        cp.size
                    ),
                ));
            }
        }
        v.statuses.push(st);
        if ok {
            candidates.push(Candidate { index, opened });
        }
    }

    // The policy. Recorder-signed checkpoints stand on their own; an
    // archivist's only on top of a trusted prefix, by exactly its own
    // retirement entry. Smaller sizes first, so that prefixes are known.
    candidates.sort_by_key(|c| c.opened.checkpoint.size);
    let mut trusted_sizes: Vec<u64> = candidates
        .iter()
        .filter(|c| !c.opened.recorders.is_empty())
        .map(|c| c.opened.checkpoint.size)
        .collect();
    for c in &candidates {
        let size = c.opened.checkpoint.size;
        let accepted = if !c.opened.recorders.is_empty() {
            true
        } else {
            match retirement_extension(log, size, &c.opened.archivists, origin.unwrap_or("")) {
                Ok(()) if trusted_sizes.contains(&(size - 1)) => {
                    trusted_sizes.push(size);
                    true
                }
                Ok(()) => {
                    v.findings.push(Finding::error(
                        Code::CheckpointUntrustedKey,
                        &files[c.index].file,
                        format!(
                            "signed only by archivist {}, but the {} entries before its retirement entry are not covered by a trusted recorder checkpoint: an archivist may only add its own retirement entry to a sealed log",
                            names(&c.opened.archivists),
                            size - 1
                        ),
                    ));
                    false
                }
                Err(why) => {
                    v.findings.push(Finding::error(
                        Code::CheckpointUntrustedKey,
                        &files[c.index].file,
                        format!(
                            "signed only by archivist {}, which may sign only the checkpoint over its own retirement entry; {why}",
                            names(&c.opened.archivists)
                        ),
                    ));
                    false
                }
            }
        };
        if accepted {
            v.statuses[c.index].ok = true;
            v.verified_size = v.verified_size.max(size);
        } else {
            v.statuses[c.index].signed_by.clear();
        }
    }
    v
}

/// Is entry `size` (1-based) of `log` a retirement entry signed by one of
/// `archivists`, for this origin?
fn retirement_extension(
    log: &Log,
    size: u64,
    archivists: &[Verifier],
    origin: &str,
) -> Result<(), String> {
    let line = usize::try_from(size)
        .ok()
        .and_then(|n| log.lines.get(n.wrapping_sub(1)))
        .ok_or_else(|| format!("entry {size} is not in the log"))?;
    let Ok(Entry::Retire(r)) = &line.entry else {
        return Err(format!(
            "entry {size}, the last it covers, is not a retirement entry"
        ));
    };
    let signer = check_retire(r, origin)
        .map_err(|e| format!("the retirement entry {size} does not verify: {e}"))?;
    if !archivists.contains(&signer) {
        return Err(format!(
            "the retirement entry {size} is signed by {} ({:08x}), not by the checkpoint's signer",
            signer.name(),
            signer.key_id()
        ));
    }
    Ok(())
}
