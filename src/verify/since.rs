//! `verify --since`: a checkpoint a party kept (saved at the hearing, or
//! the one inside a proof it was given) against the session's log now.
//!
//! The party's checkpoint is signed by the court's recorder key, so it says
//! what the log was when the party got it. The log must still hold those
//! entries, unchanged: its first SIZE entries must hash to the kept root.
//! The log is read whole here, so the roots are compared directly (a
//! consistency proof would show the same thing with less of the log).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::Serialize;

use crate::finding::{Code, Finding};
use crate::format::bundle::Bundle;
use crate::format::tlog_proof::TlogProof;
use crate::log::Log;
use crate::trust::TrustStore;

use super::checkpoints;

/// What the party's checkpoint came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SinceStatus {
    /// The file given, as typed.
    pub file: String,
    /// The size of the party's checkpoint, when it opened.
    pub size: Option<u64>,
    /// Its root, base64, when it opened.
    pub root: Option<String>,
    /// Trusted recorder keys that signed it.
    pub signed_by: Vec<String>,
    /// True when the session's log is an append-only extension of it.
    pub consistent: bool,
}

/// The signed checkpoint inside `bytes`: a bare checkpoint note, a
/// `tlog-proof@v1`, or a proof bundle (whose tlog-proof holds it).
fn checkpoint_bytes(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if Bundle::is_bundle(bytes) {
        let b = Bundle::parse(bytes).map_err(|e| e.to_string())?;
        let p = TlogProof::parse(b.tlog_proof.as_bytes()).map_err(|e| e.to_string())?;
        return Ok(p.checkpoint);
    }
    if bytes.starts_with(b"c2sp.org/tlog-proof@v1\n") {
        let p = TlogProof::parse(bytes).map_err(|e| e.to_string())?;
        return Ok(p.checkpoint);
    }
    Ok(bytes.to_vec())
}

/// Checks the party's checkpoint `bytes`, from the file shown as `file`,
/// against `log`. The findings say what is wrong; none when the log is an
/// extension of it.
pub fn check_since(
    file: &str,
    bytes: &[u8],
    log: Option<&Log>,
    trust: &TrustStore,
) -> (SinceStatus, Vec<Finding>) {
    let mut st = SinceStatus {
        file: file.to_owned(),
        size: None,
        root: None,
        signed_by: vec![],
        consistent: false,
    };
    let cp_bytes = match checkpoint_bytes(bytes) {
        Ok(b) => b,
        Err(e) => {
            let f = Finding::error(
                Code::CheckpointMalformed,
                file,
                format!("the checkpoint given with --since cannot be read: {e}"),
            );
            return (st, vec![f]);
        }
    };
    let opened = match checkpoints::open_standalone(&cp_bytes, trust, file) {
        Ok(o) => o,
        Err(f) => return (st, vec![f]),
    };
    let cp = &opened.checkpoint;
    st.size = Some(cp.size);
    st.root = Some(B64.encode(cp.root));
    st.signed_by = opened.signed_by();
    let Some(log) = log else {
        // The log's own absence is reported by verify already.
        return (st, vec![]);
    };
    if let Some(h) = log.header() {
        if h.origin != cp.origin {
            let f = Finding::error(
                Code::CheckpointOriginMismatch,
                file,
                format!(
                    "the checkpoint given with --since is of origin {:?}, but this session's log is {:?}: it is not a checkpoint of this session",
                    cp.origin, h.origin
                ),
            );
            return (st, vec![f]);
        }
    }
    let tree = log.tree();
    let Some(root) = tree.root_at(cp.size) else {
        let f = Finding::error(
            Code::SinceRolledBack,
            file,
            format!(
                "the checkpoint given with --since, signed by the recorder, covers {} entries, but the session's log now holds only {}: entries {}–{} were removed after it was given out",
                cp.size,
                tree.size(),
                tree.size() + 1,
                cp.size
            ),
        );
        return (st, vec![f]);
    };
    if root != cp.root {
        let f = Finding::error(
            Code::SinceForked,
            file,
            format!(
                "the session's log is not an extension of the checkpoint given with --since: its first {} entries, signed by the recorder, hash to {}, but the log's first {} entries now hash to {}. The log was rewritten after this checkpoint was given out; the file is the evidence",
                cp.size,
                B64.encode(cp.root),
                cp.size,
                B64.encode(root)
            ),
        );
        return (st, vec![f]);
    }
    st.consistent = true;
    (st, vec![])
}

/// [`check_since`] on a verified session: its status and findings join the
/// session's report.
pub fn apply(v: &mut super::VerifiedSession, file: &str, bytes: &[u8], trust: &TrustStore) {
    let (st, findings) = check_since(file, bytes, Some(&v.log), trust);
    v.report.since = Some(st);
    v.report.findings.extend(findings);
}
