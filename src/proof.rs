//! Offline proofs for one segment: C2SP `tlog-proof@v1`
//! (<https://c2sp.org/tlog-proof>), whose `extra` line carries the base64 of
//! the segment's log entry, so a single downloaded file can be checked with
//! the proof and the court's public key alone.

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::checkpoint::Checkpoint;
use crate::entry::{Entry, SegmentEntry};
use crate::finding::{Code, Finding};
use crate::format::bundle::Bundle;
use crate::keys::TrustStore;
use crate::log::Log;
use crate::note;
use crate::store::layout::{SessionPaths, CHECKPOINT_NAME, MAX_CHECKPOINT_BYTES, TOOL_DIR};
use crate::store::source::{read_io, LocalSession, SessionSource as _};
use crate::tlog;

pub use crate::format::tlog_proof::{ProofFormatError, TlogProof, HEADER};

/// Why a proof could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MakeProofError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// No such segment in the log.
    #[error("{session}: no segment named {name:?} is sealed in this session")]
    NoSuchSegment {
        /// The session.
        session: PathBuf,
        /// The name asked for.
        name: String,
    },
    /// The session does not verify well enough to prove anything.
    #[error("{path}: {what}")]
    Unprovable {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
}

/// Builds the proof of segment `name` against the session's latest checkpoint.
///
/// The log and the checkpoint are read through the session's door
/// ([`LocalSession`]): a link (as the file or a folder on its way), a FIFO
/// or a file larger than any checkpoint is refused, never read.
pub fn make_proof(root: &Path, name: &str) -> Result<TlogProof, MakeProofError> {
    let paths = SessionPaths::new(root);
    let source = LocalSession::new(root);
    let log = Log::read_from(&source).map_err(|e| MakeProofError::Io {
        path: paths.log.clone(),
        source: e,
    })?;
    let note_bytes = read_io(&source, CHECKPOINT_NAME, MAX_CHECKPOINT_BYTES).map_err(|e| {
        MakeProofError::Io {
            path: paths.checkpoint.clone(),
            source: e,
        }
    })?;
    let unprovable = |path: &Path, what: String| MakeProofError::Unprovable {
        path: path.to_owned(),
        what,
    };
    let (text, _) =
        note::split(&note_bytes).map_err(|e| unprovable(&paths.checkpoint, e.to_string()))?;
    let cp = Checkpoint::parse(&text).map_err(|e| unprovable(&paths.checkpoint, e.to_string()))?;
    let line = log
        .lines
        .iter()
        .find(|l| matches!(&l.entry, Ok(Entry::Segment(s)) if s.name == name))
        .ok_or_else(|| MakeProofError::NoSuchSegment {
            session: root.to_owned(),
            name: name.to_owned(),
        })?;
    let index = (line.number - 1) as u64;
    let tree = log.tree();
    if tree.root_at(cp.size) != Some(cp.root) {
        return Err(unprovable(
            &paths.log,
            "the log does not match its latest checkpoint; run 'courtseal verify'".into(),
        ));
    }
    let path = tree.inclusion_proof(index, cp.size).ok_or_else(|| {
        unprovable(&paths.checkpoint, format!("segment {name:?} is not yet covered by the latest checkpoint; run 'courtseal seal' first"))
    })?;
    Ok(TlogProof {
        extra: Some(line.bytes.clone()),
        index,
        path,
        checkpoint: note_bytes,
    })
}

/// Checks, before a proof is written, that the recipient will be able to
/// rely on it: its checkpoint is signed by a key `trust` lets sign session
/// checkpoints, and it is this session's (the log's origin).
/// [`make_proof`] has already checked that the log matches it.
pub fn check_provable(
    root: &Path,
    p: &TlogProof,
    trust: &TrustStore,
) -> Result<(), MakeProofError> {
    let paths = SessionPaths::new(root);
    let opened =
        crate::verify::checkpoints::open_standalone(&p.checkpoint, trust, "courtseal/checkpoint")
            .map_err(|f| MakeProofError::Unprovable {
            path: paths.checkpoint.clone(),
            what: format!(
                "{} ({}); a proof with it would prove nothing to anyone who trusts these keys",
                f.message, f.code
            ),
        })?;
    let log = Log::read_from(&LocalSession::new(root)).map_err(|e| MakeProofError::Io {
        path: paths.log.clone(),
        source: e,
    })?;
    let origin = log.header().map(|h| h.origin.clone());
    if origin.as_deref() != Some(opened.checkpoint.origin.as_str()) {
        return Err(MakeProofError::Unprovable {
            path: paths.checkpoint.clone(),
            what: format!(
                "names origin {:?}, but the session's log is {:?}",
                opened.checkpoint.origin,
                origin.unwrap_or_default()
            ),
        });
    }
    Ok(())
}

/// The single-file proof of segment `name`: its tlog-proof and, when it
/// has them, its sealed packet windows (read from the session folder).
pub fn make_bundle(
    root: &Path,
    name: &str,
    windows: Option<Vec<u8>>,
    trust: &TrustStore,
) -> Result<Bundle, MakeProofError> {
    let p = make_proof(root, name)?;
    let text = |b: Vec<u8>, path: &Path| {
        String::from_utf8(b).map_err(|_| MakeProofError::Unprovable {
            path: path.to_owned(),
            what: "is not UTF-8 text".into(),
        })
    };
    let ledger = ledger_evidence_named_for(root, &p, trust);
    let record = record_part_for(root, &p);
    let timestamps = timestamps_for(
        root,
        &p,
        ledger.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
        trust,
    );
    let ledger = ledger.map(|(_, t)| t);
    Ok(Bundle {
        bundle: bundle_version_of(ledger.is_some(), record.is_some(), !timestamps.is_empty())
            .into(),
        tlog_proof: text(p.to_text(), &SessionPaths::new(root).checkpoint)?,
        windows: windows.map(|w| text(w, root)).transpose()?,
        excerpt: None,
        ledger,
        record,
        timestamps,
    })
}

/// The bundle version for what it carries: v3 with a record part, v2 with
/// a ledger part alone, else v1 (exactly as before v3 existed).
pub fn bundle_version(ledger: bool, record: bool) -> &'static str {
    match (ledger, record) {
        (_, true) => crate::format::bundle::BUNDLE_V3,
        (true, false) => crate::format::bundle::BUNDLE_V2,
        (false, false) => crate::format::bundle::BUNDLE,
    }
}

/// [`bundle_version`], and v4 whenever the bundle carries timestamps (a
/// bundle without them is written exactly as before v4 existed).
pub fn bundle_version_of(ledger: bool, record: bool, timestamps: bool) -> &'static str {
    if timestamps {
        crate::format::bundle::BUNDLE_V4
    } else {
        bundle_version(ledger, record)
    }
}

/// The timestamp tokens a bundle for proof `p` carries (version 4), each
/// one that the session keeps and that a TSA of `trust` validates, over a
/// checkpoint that includes the proof's entry:
///
/// - of the session's own (`courtseal/timestamps/SIZE.N.tsr`, `SIZE` from
///   the entry's up to the proof's checkpoint), for each trusted TSA the
///   token over the smallest checkpoint (the earliest time that includes
///   the entry, the one a backdating question asks for) and its newest one
///   (a renewal, whose certificate ages last), each with the tree's root
///   and the consistency proof to the proof's checkpoint;
/// - every token kept beside the ledger evidence the bundle carries
///   (`ledger`: its file name and text), over that ledger checkpoint.
///
/// With no TSA in `trust` none is carried: a token `proof` cannot check
/// would be sent unchecked. At most [`crate::format::bundle::MAX_TOKENS`].
pub fn timestamps_for(
    root: &Path,
    p: &TlogProof,
    ledger: Option<(&str, &str)>,
    trust: &TrustStore,
) -> Vec<crate::format::bundle::BundledToken> {
    use crate::format::bundle::{BundledToken, MAX_TOKENS, OVER_CHECKPOINT, OVER_LEDGER};
    use crate::format::timestamp as tsfmt;
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    if trust.tsas().is_empty() {
        return Vec::new();
    }
    let Some(cp) = note::split(&p.checkpoint)
        .ok()
        .and_then(|(t, _)| Checkpoint::parse(&t).ok())
    else {
        return Vec::new();
    };
    let source = LocalSession::new(root);
    let now = time::OffsetDateTime::now_utc();
    // The first trusted TSA a token verifies under, over `message`.
    let valid = |token: &[u8], message: &[u8]| {
        trust.tsas().iter().enumerate().find_map(|(i, tsa)| {
            crate::timestamp::verify(token, message, &tsa.roots, now)
                .ok()
                .map(|v| (i, v.gen_time))
        })
    };
    let mut out = Vec::new();
    if let Ok(log) = Log::read_from(&source) {
        let tree = log.tree();
        let origin = log.header().map(|h| h.origin.clone()).unwrap_or_default();
        if tree.root_at(cp.size) == Some(cp.root) && origin == cp.origin {
            let dir = format!("{TOOL_DIR}/{}", tsfmt::DIR);
            let listed =
                crate::store::source::evidence_folder(&source, &dir, tsfmt::parse_file_name);
            // (TSA, size, time, file, token) of every valid one.
            let mut found = Vec::new();
            for ((size, _), name) in listed.files {
                if size <= p.index || size > cp.size {
                    continue;
                }
                let Some(r) = tree.root_at(size) else {
                    continue;
                };
                let at = format!("{dir}/{name}");
                let Ok(token) = source.read(&at, tsfmt::MAX_TOKEN_BYTES) else {
                    continue;
                };
                let message = tsfmt::message(&Checkpoint::new(&origin, size, r));
                if let Some((i, t)) = valid(&token, &message) {
                    found.push((i, size, t, at, token, r));
                }
            }
            let mut chosen: Vec<usize> = Vec::new();
            for i in 0..trust.tsas().len() {
                let of: Vec<usize> = (0..found.len()).filter(|k| found[*k].0 == i).collect();
                let first = of.iter().min_by_key(|k| (found[**k].1, found[**k].2));
                let newest = of.iter().max_by_key(|k| (found[**k].2, found[**k].1));
                chosen.extend(first.into_iter().chain(newest).copied());
            }
            chosen.sort_unstable();
            chosen.dedup();
            for k in chosen {
                let (_, size, _, at, token, r) = &found[k];
                let Some(proof) = tree.consistency_proof(*size, cp.size) else {
                    continue;
                };
                out.push(BundledToken {
                    over: OVER_CHECKPOINT.into(),
                    file: at.clone(),
                    size: Some(*size),
                    root: Some(b64(r)),
                    consistency: Some(proof.iter().map(|h| b64(h)).collect()),
                    token: b64(token),
                });
            }
        }
    }
    if let Some((evidence, text)) = ledger {
        let message = TlogProof::parse(text.as_bytes())
            .ok()
            .and_then(|t| note::split(&t.checkpoint).ok())
            .map(|(t, _)| t.into_bytes());
        let dir = format!("{TOOL_DIR}/{}", crate::format::ledger::DIR);
        if let (Some(message), Ok(Some(listed))) = (message, source.list(&dir)) {
            let mut names: Vec<(u32, String)> = listed
                .into_iter()
                .filter_map(|l| match crate::format::ledger::parse_listed(&l.name)? {
                    crate::format::ledger::Named::Token(size, later, n)
                        if crate::format::ledger::evidence_name(size, later) == evidence =>
                    {
                        Some((n, l.name))
                    }
                    _ => None,
                })
                .collect();
            names.sort();
            for (_, name) in names {
                let at = format!("{dir}/{name}");
                let Ok(token) = source.read(&at, tsfmt::MAX_TOKEN_BYTES) else {
                    continue;
                };
                if valid(&token, &message).is_some() {
                    out.push(BundledToken {
                        over: OVER_LEDGER.into(),
                        file: at,
                        size: None,
                        root: None,
                        consistency: None,
                        token: b64(&token),
                    });
                }
            }
        }
    }
    out.truncate(MAX_TOKENS);
    out
}

/// The record part of a bundle for proof `p`: the last `record` entry the
/// proof's checkpoint covers, as a tlog-proof under that same checkpoint
/// (byte for byte). `None` when the session sealed no record before it.
pub fn record_part_for(root: &Path, p: &TlogProof) -> Option<String> {
    let (text, _) = note::split(&p.checkpoint).ok()?;
    let cp = Checkpoint::parse(&text).ok()?;
    let log = Log::read_from(&LocalSession::new(root)).ok()?;
    let line = log
        .lines
        .iter()
        .rfind(|l| l.number as u64 <= cp.size && matches!(l.entry, Ok(Entry::Record(_))))?;
    let tree = log.tree();
    if tree.root_at(cp.size) != Some(cp.root) {
        return None;
    }
    let index = line.number as u64 - 1;
    let part = TlogProof {
        extra: Some(line.bytes.clone()),
        index,
        path: tree.inclusion_proof(index, cp.size)?,
        checkpoint: p.checkpoint.clone(),
    };
    String::from_utf8(part.to_text()).ok()
}

/// The session's ledger evidence for the checkpoint a proof is against
/// (`courtseal/ledger/<size>.proof`, or later evidence of that size,
/// `<size>.<ledger size>.proof`), when the session keeps it. A bundle
/// carries one ledger part: of several files, the one that holds under
/// `trust` exactly as `verify-file` will check it (no finding) with the
/// most trusted witnesses validly cosigning, the kept `<size>.proof` when
/// several have as many (its times are the earliest); a file that does not
/// hold is taken only when none does. What this gives up: when the
/// witnesses' cosignatures are split across files, or a witness's earliest
/// time is only in `<size>.proof`, the bundle has what one file has.
pub fn ledger_evidence_for(root: &Path, p: &TlogProof, trust: &TrustStore) -> Option<String> {
    ledger_evidence_named_for(root, p, trust).map(|(_, t)| t)
}

/// [`ledger_evidence_for`], with the chosen file's name in
/// `courtseal/ledger/` (its tokens are kept beside it).
pub fn ledger_evidence_named_for(
    root: &Path,
    p: &TlogProof,
    trust: &TrustStore,
) -> Option<(String, String)> {
    let (text, _) = note::split(&p.checkpoint).ok()?;
    let cp = Checkpoint::parse(&text).ok()?;
    let dir = format!("{TOOL_DIR}/{}", crate::format::ledger::DIR);
    let source = LocalSession::new(root);
    let mut names: Vec<(Option<u64>, String)> = source
        .list(&dir)
        .ok()
        .flatten()?
        .into_iter()
        .filter_map(
            |l| match crate::format::ledger::parse_any_file_name(&l.name) {
                Some((size, later)) if size == cp.size => Some((later, l.name)),
                _ => None,
            },
        )
        .collect();
    names.sort();
    // (holds, trusted witnesses cosigning, the file's name and text)
    let mut best: Option<(bool, usize, String, String)> = None;
    for (later, name) in names {
        let Some(text) = source
            .read(
                &format!("{dir}/{name}"),
                crate::format::ledger::MAX_EVIDENCE_BYTES,
            )
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
        else {
            continue;
        };
        let mut findings = Vec::new();
        let outside =
            crate::verify::ledger::check_bundled(Some(&text), &cp, trust, &name, &mut findings);
        // Later evidence must be of the ledger checkpoint its name states.
        let named_right = later.is_none_or(|m| {
            TlogProof::parse(text.as_bytes())
                .ok()
                .and_then(|t| note::split(&t.checkpoint).ok())
                .and_then(|(t, _)| Checkpoint::parse(&t).ok())
                .is_some_and(|c| c.size == m)
        });
        let holds = named_right
            && !findings.iter().any(|f| {
                f.code != crate::finding::Code::WitnessQuorumNotMet
                    && f.code != crate::finding::Code::CheckpointNotWitnessed
            });
        let mut cosigners: Vec<String> = outside
            .iter()
            .filter_map(|o| match &o.source {
                crate::verify::timestamps::OutsideSource::Cosignature { witness, .. } => {
                    Some(witness.clone())
                }
                _ => None,
            })
            .collect();
        cosigners.sort();
        cosigners.dedup();
        let better = match &best {
            None => true,
            Some((h, n, _, _)) => (holds, cosigners.len()) > (*h, *n),
        };
        if better {
            best = Some((holds, cosigners.len(), name, text));
        }
    }
    best.map(|(_, _, n, t)| (n, t))
}

/// Where `courtseal proof` puts a segment's packet-window sidecar next to
/// its proof: `NAME.tlog-proof` → `NAME.windows.jsonl`.
pub fn sidecar_path_for(proof: &Path) -> PathBuf {
    let name = proof
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".tlog-proof").unwrap_or(&name);
    proof.with_file_name(format!("{stem}.windows.jsonl"))
}

/// The sealed packet-window sidecar of the segment a proof is for, if it has one.
pub fn sidecar_for(root: &Path, proof: &TlogProof) -> Option<PathBuf> {
    sidecar_name(proof).map(|n| root.join(n))
}

/// The name inside the session of the sidecar of the segment a proof is for.
fn sidecar_name(proof: &TlogProof) -> Option<String> {
    match Entry::parse(proof.extra.as_deref()?) {
        Ok(Entry::Segment(s)) => s.media?.windows.map(|w| w.file),
        _ => None,
    }
}

/// The bytes of the sealed packet-window sidecar of the segment a proof is
/// for (at most `limit`), read through the session's door: `None` when the
/// entry names none; a link (as the file or on its way), a FIFO or a larger
/// file is refused.
pub fn read_sidecar(
    root: &Path,
    proof: &TlogProof,
    limit: u64,
) -> Option<Result<Vec<u8>, crate::store::source::ReadError>> {
    let name = sidecar_name(proof)?;
    Some(LocalSession::new(root).read(&name, limit))
}

/// The result of checking one file against a proof.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The media file checked.
    pub file: String,
    /// The proof file.
    pub proof: String,
    /// The log origin named by the checkpoint.
    pub origin: Option<String>,
    /// The checkpoint's tree size.
    pub tree_size: Option<u64>,
    /// Trusted keys that signed the checkpoint.
    pub signed_by: Vec<String>,
    /// The sealed entry, when the proof carries one.
    pub entry: Option<SegmentEntry>,
    /// SHA-256 of the file as found.
    pub sha256: Option<String>,
    /// Every problem found.
    pub findings: Vec<Finding>,
    /// For an excerpt (a bundle with an excerpt part): the stretch of the
    /// sealed segment it proves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<crate::stretch::Stretch>,
    /// Outside times proven by a version 2 bundle's ledger evidence (the
    /// witnesses' cosignatures over the ledger checkpoint that includes the
    /// proof's checkpoint).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outside_times: Vec<crate::verify::timestamps::OutsideTime>,
    /// A version 3 bundle's record part, when it checks: the sealed record
    /// that names the court's time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<crate::record::sealed::BundledRecord>,
}

/// The media file itself cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct VerifyFileError {
    /// The file.
    pub path: PathBuf,
    /// The cause.
    pub source: io::Error,
}

/// Checks `media` against the proof: the checkpoint is signed by a trusted
/// recorder key, the entry is included in the checkpointed tree, and the
/// file's SHA-256 and size are those of the entry.
pub fn verify_file(
    media: &Path,
    proof_path: &Path,
    trust: &TrustStore,
    expected_origin: Option<&str>,
    windows: Option<&Path>,
) -> Result<FileReport, VerifyFileError> {
    verify_file_with(media, proof_path, trust, expected_origin, windows, false)
}

/// Largest proof, bundle or packet-window file `verify-file` reads, in
/// bytes: a bundle carries a whole sidecar (at most 256 MiB) as JSON text.
pub const MAX_PROOF_BYTES: u64 = 512 << 20;

/// Reads a proof or window file a person named (a link is followed): a
/// FIFO or a device is refused before it is opened (it could hang the
/// run), and a file larger than [`MAX_PROOF_BYTES`] is refused unread.
fn read_given(p: &Path) -> io::Result<Vec<u8>> {
    use crate::store::layout::{read_bounded, BoundedReadError};
    read_bounded(p, true, MAX_PROOF_BYTES).map_err(|e| match e {
        BoundedReadError::Io(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
    })
}

/// [`verify_file`]; with `strict`, only a byte-identical file passes (a
/// file whose container was rewritten is an error, not a warning).
pub fn verify_file_with(
    media: &Path,
    proof_path: &Path,
    trust: &TrustStore,
    expected_origin: Option<&str>,
    windows: Option<&Path>,
    strict: bool,
) -> Result<FileReport, VerifyFileError> {
    let read = |p: &Path| {
        read_given(p).map_err(|e| VerifyFileError {
            path: p.to_owned(),
            source: e,
        })
    };
    let proof_bytes = read(proof_path)?;
    // A file a person named: a link is followed, a FIFO or device refused
    // without waiting on it.
    let (digest, size) = crate::store::layout::hash_given(media).map_err(|e| VerifyFileError {
        path: media.to_owned(),
        source: e,
    })?;
    let loc = proof_path.display().to_string();
    let mut r = FileReport {
        file: media.display().to_string(),
        proof: loc.clone(),
        origin: None,
        tree_size: None,
        signed_by: vec![],
        entry: None,
        sha256: Some(digest.to_hex()),
        findings: vec![],
        excerpt: None,
        outside_times: vec![],
        record: None,
    };
    // A bundle carries the tlog-proof, and the windows or an excerpt part.
    let (proof_bytes, bundled_windows, excerpt, ledger, record, tokens) =
        if Bundle::is_bundle(&proof_bytes) {
            match Bundle::parse(&proof_bytes) {
                Ok(b) => (
                    b.tlog_proof.into_bytes(),
                    b.windows.map(String::into_bytes),
                    b.excerpt,
                    b.ledger,
                    b.record,
                    b.timestamps,
                ),
                Err(e) => {
                    r.findings
                        .push(Finding::error(Code::ProofMalformed, &loc, e.to_string()));
                    return Ok(r);
                }
            }
        } else {
            (proof_bytes, None, None, None, None, Vec::new())
        };
    let proof = match TlogProof::parse(&proof_bytes) {
        Ok(p) => p,
        Err(e) => {
            r.findings
                .push(Finding::error(Code::ProofMalformed, &loc, e.to_string()));
            return Ok(r);
        }
    };
    let cp = match crate::verify::checkpoints::open_standalone(&proof.checkpoint, trust, &loc) {
        Ok(opened) => {
            r.signed_by = opened.signed_by();
            Some(opened.checkpoint)
        }
        Err(finding) => {
            r.findings.push(finding);
            None
        }
    };
    let Some(extra) = proof.extra.as_deref() else {
        r.findings.push(Finding::error(
            Code::ProofNoEntry,
            &loc,
            "the proof carries no entry (no 'extra' line)",
        ));
        return Ok(r);
    };
    let entry = match Entry::parse(extra) {
        Ok(Entry::Segment(s)) => Some(s),
        Ok(other) => {
            r.findings.push(Finding::error(
                Code::ProofNoEntry,
                &loc,
                format!(
                    "the proof's entry is a {} entry, not a segment",
                    other.kind()
                ),
            ));
            None
        }
        Err(e) => {
            r.findings.push(Finding::error(
                Code::ProofNoEntry,
                &loc,
                format!("the proof's entry does not parse: {e}"),
            ));
            None
        }
    };
    if let Some(cp) = &cp {
        r.origin = Some(cp.origin.clone());
        r.tree_size = Some(cp.size);
        if let Some(o) = expected_origin {
            if o != cp.origin {
                r.findings.push(Finding::error(
                    Code::CheckpointOriginMismatch,
                    &loc,
                    format!("the checkpoint is for log {:?}, not {o:?}", cp.origin),
                ));
            }
        }
        let leaf = tlog::leaf_hash(extra);
        if let Err(e) = tlog::verify_inclusion(proof.index, cp.size, &leaf, &proof.path, &cp.root) {
            r.findings.push(Finding::error(
                Code::ProofNotIncluded,
                &loc,
                format!("the entry is not proven to be in the signed log: {e}"),
            ));
        }
        // The ledger part and the witnesses' quorum.
        let (outside, held) = crate::verify::ledger::check_bundled_text(
            ledger.as_deref(),
            cp,
            trust,
            &format!("{loc} (its ledger part)"),
            &mut r.findings,
        );
        r.outside_times = outside;
        // A version 4 bundle's timestamps, and the TSAs the trust file
        // requires.
        {
            use crate::verify::timestamps::{check_bundled, BundledLedger};
            let over_ledger = match (&ledger, &held) {
                (None, _) => BundledLedger::Absent,
                (Some(_), None) => BundledLedger::Failed,
                (Some(_), Some(text)) => BundledLedger::Holds(text.as_bytes()),
            };
            r.outside_times.extend(check_bundled(
                &tokens,
                cp,
                proof.index,
                over_ledger,
                trust,
                &loc,
                &mut r.findings,
            ));
            r.outside_times.sort_by_key(|a| (a.time, a.size));
        }
        // A version 3 bundle's record part: the court's zone, signed.
        if let Some(part) = &record {
            match crate::record::sealed::check_bundled(
                part,
                &proof.checkpoint,
                cp,
                trust,
                &format!("{loc} (its record part)"),
            ) {
                Ok(rec) => r.record = Some(rec),
                Err(f) => r.findings.push(*f),
            }
        }
    }
    if let (Some(s), Some(part)) = (&entry, &excerpt) {
        r.excerpt = crate::stretch::verify(media, s, part, &loc, &mut r.findings);
    } else if let Some(s) = &entry {
        if s.sha256 != digest || s.size != size {
            let what = if s.size != size {
                format!("is {size} bytes, sealed as {} bytes", s.size)
            } else {
                "has the sealed size but different content".to_owned()
            };
            r.findings.push(Finding::error(
                Code::SegmentChanged,
                r.file.clone(),
                format!(
                    "{what}; its SHA-256 does not match sealed segment {} (sealed {})",
                    s.name,
                    s.sha256.short()
                ),
            ));
            // Say what changed, when the sealed packet windows are at hand.
            let sidecar_path = windows
                .map(Path::to_owned)
                .unwrap_or_else(|| sidecar_path_for(proof_path));
            let has_windows = s.media.as_ref().and_then(|m| m.windows.as_ref()).is_some();
            if has_windows
                && windows.is_none()
                && bundled_windows.is_none()
                && !sidecar_path.exists()
            {
                r.findings.push(Finding::info(
                    Code::WindowsMissing,
                    sidecar_path.display().to_string(),
                    "no packet-window file next to the proof, so what changed cannot be said (get NAME.windows.jsonl with the proof)",
                ));
            } else if has_windows {
                let loc = sidecar_path.display().to_string();
                let bytes = match (&bundled_windows, windows) {
                    (Some(b), None) => Ok(b.clone()),
                    _ => read_given(&sidecar_path),
                };
                let loc = if bundled_windows.is_some() && windows.is_none() {
                    format!("{} (its packet windows)", proof_path.display())
                } else {
                    loc
                };
                if let Some(sc) = crate::verify::check_sidecar(bytes, s, &loc, &mut r.findings) {
                    let file = r.file.clone();
                    let state =
                        crate::verify::explain_change(s, media, &file, &sc, &mut r.findings);
                    if strict && state == crate::verify::SegmentState::Rewritten {
                        crate::verify::apply_strict(&mut r.findings, &file);
                    }
                }
            }
        }
    }
    r.entry = entry;
    Ok(r)
}
