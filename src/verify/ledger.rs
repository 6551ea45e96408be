//! Ledger evidence kept in `courtseal/ledger/` (`docs/formats.md`,
//! "Ledger"): each file proves that a session checkpoint, rebuilt from the
//! log itself, is a leaf of a ledger checkpoint signed by a trusted ledger
//! key, and carries the witnesses' cosignatures over that ledger
//! checkpoint. A valid cosignature is an outside time for the session's
//! first `size` entries, and counts toward the witnesses' quorum.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::finding::{Code, Finding};
use crate::format::checkpoint::Checkpoint;
use crate::format::ledger::{self as lf, Leaf};
use crate::format::tlog_proof::TlogProof;
use crate::log::Log;
use crate::note::{self, CosignatureCheck};
use crate::store::source::{evidence_folder, SessionSource};
use crate::tlog::{self, Hash, Tree};
use crate::trust::TrustStore;

use super::timestamps::{OutsideSource, OutsideTime};

/// One evidence file opened: its signed checkpoint and leaf, and per
/// trusted witness the check of each unverified signature line; or the
/// finding that stopped it.
type Opened = Result<(Checkpoint, Leaf, Vec<Vec<CosignatureCheck>>, Vec<u8>), Box<Finding>>;

/// The folder, relative to the session.
pub const LEDGER_DIR: &str = "courtseal/ledger";

/// What the ledger evidence proves.
#[derive(Debug, Clone, Default)]
pub struct LedgerEvidence {
    /// Outside times from the cosignatures over ledger checkpoints.
    pub outside: Vec<OutsideTime>,
    /// Per trusted witness (in the trust file's order): the largest session
    /// size a ledger checkpoint it validly cosigned includes.
    pub covered: Vec<u64>,
    /// The valid timestamp tokens over ledger checkpoints (their outside
    /// times are in `outside` too).
    pub tokens: Vec<super::timestamps::ValidToken>,
}

fn time_of(secs: u64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()
}

/// Checks every evidence file against the trusted ledgers, the witnesses
/// and the log. `trusted_sizes` are the sizes of the session's trusted
/// checkpoints (each should have evidence), `verified_size` the verified
/// prefix.
pub fn check(
    source: &dyn SessionSource,
    log: &Log,
    tree: &Tree,
    trust: &TrustStore,
    trusted_sizes: &[u64],
    verified_size: u64,
    findings: &mut Vec<Finding>,
) -> LedgerEvidence {
    let witnesses = trust.witnesses();
    let mut out = LedgerEvidence {
        outside: Vec::new(),
        covered: vec![0; witnesses.len()],
        tokens: Vec::new(),
    };
    let listed = evidence_folder(source, LEDGER_DIR, lf::parse_listed);
    if listed.not_a_folder {
        findings.push(Finding::warning(
            Code::LedgerMalformed,
            LEDGER_DIR,
            "is not a folder (a link is never followed); no ledger evidence is read from it",
        ));
    }
    for name in &listed.misnamed {
        findings.push(Finding::warning(
            Code::LedgerMalformed,
            format!("{LEDGER_DIR}/{name}"),
            "not named SIZE.proof, SIZE.LEDGER-SIZE.proof or EVIDENCE.N.tsr; ignored",
        ));
    }
    for name in &listed.not_regular {
        findings.push(Finding::warning(
            Code::LedgerMalformed,
            format!("{LEDGER_DIR}/{name}"),
            "not a regular file (a link, FIFO or folder is never read); ignored",
        ));
    }
    // Evidence files, and the timestamp tokens beside each (by the
    // evidence file's name).
    let mut files: Vec<((u64, Option<u64>), String)> = Vec::new();
    let mut tokens: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (named, name) in listed.files {
        match named {
            lf::Named::Evidence(size, later) => files.push(((size, later), name)),
            lf::Named::Token(size, later, _) => tokens
                .entry(lf::evidence_name(size, later))
                .or_default()
                .push(name),
        }
    }
    let ledgers = trust.ledgers();
    if ledgers.is_empty() {
        if !files.is_empty() {
            findings.push(Finding::warning(
                Code::LedgerUntrusted,
                LEDGER_DIR,
                format!(
                    "{} ledger evidence file(s) kept, but this verification trusts no ledger (give a trust file with the ledger's 'ledger' line); they prove nothing",
                    files.len()
                ),
            ));
        }
        return out;
    }
    let keys: Vec<note::Verifier> = ledgers.iter().map(|l| l.key.clone()).collect();
    let origin = log.header().map(|h| h.origin.clone()).unwrap_or_default();
    let mut proven: Vec<u64> = Vec::new();
    // Ledger checkpoints seen: (ledger origin, size) -> (root, file).
    let mut seen: BTreeMap<(String, u64), (Hash, String)> = BTreeMap::new();
    // The signatures, the costly part (a ledger signature and one check per
    // cosignature line and witness in every file), are checked for all
    // files at once on every core; the findings follow in the files' order.
    let opened_files: Vec<Opened> = files
        .par_iter()
        .map(|(_, name)| {
            let at = format!("{LEDGER_DIR}/{name}");
            let bytes = match source.read(&at, lf::MAX_EVIDENCE_BYTES) {
                Ok(b) => b,
                Err(e) => {
                    return Err(Box::new(Finding::warning(
                        Code::LedgerMalformed,
                        &at,
                        format!("cannot be read: {e}"),
                    )))
                }
            };
            let (opened, cp, leaf) = open_evidence(&bytes, &keys, &at, false)?;
            let text = opened.text.clone().into_bytes();
            let checks = witnesses
                .iter()
                .map(|w| {
                    opened
                        .unverified
                        .iter()
                        .map(|s| w.key.check(&opened.text, s))
                        .collect()
                })
                .collect();
            Ok((cp, leaf, checks, text))
        })
        .collect();
    // A token beside evidence that is not kept proves nothing.
    for (evidence, names) in &tokens {
        if !files.iter().any(|(_, n)| n == evidence) {
            for name in names {
                findings.push(Finding::warning(
                    Code::TimestampMalformed,
                    format!("{LEDGER_DIR}/{name}"),
                    format!("a timestamp token beside the ledger evidence {evidence}, which is not kept: it proves no time"),
                ));
            }
        }
    }
    let token_count: usize = tokens.values().map(Vec::len).sum();
    if token_count > 0 && trust.tsas().is_empty() {
        findings.push(Finding::warning(
            Code::TimestampUntrustedTsa,
            LEDGER_DIR,
            format!(
                "{token_count} timestamp token(s) over ledger checkpoints kept, but this verification trusts no TSA (give a trust file with tsa lines); they prove no time"
            ),
        ));
    }
    let now = time::OffsetDateTime::now_utc();
    for (((size, later), name), pre) in files.iter().zip(opened_files) {
        let at = format!("{LEDGER_DIR}/{name}");
        let (cp, leaf, checks, text) = match pre {
            Ok(e) => e,
            Err(f) => {
                findings.push(*f);
                continue;
            }
        };
        // Later evidence names the ledger checkpoint it is against.
        if let Some(m) = later.filter(|m| *m != cp.size) {
            findings.push(Finding::warning(
                Code::LedgerMalformed,
                &at,
                format!(
                    "is named for the ledger checkpoint of size {m} but holds the one of size {}; ignored",
                    cp.size
                ),
            ));
            continue;
        }
        if leaf.origin != origin || leaf.size != *size {
            findings.push(Finding::error(
                Code::LedgerBadInclusion,
                &at,
                format!(
                    "proves the checkpoint of size {} of the log {:?}, not this session's checkpoint of size {size} ({origin:?})",
                    leaf.size, leaf.origin
                ),
            ));
            continue;
        }
        match seen.get(&(cp.origin.clone(), cp.size)) {
            Some((root, other)) if *root != cp.root => findings.push(Finding::error(
                Code::LedgerFork,
                &at,
                format!(
                    "the ledger {:?} signed two checkpoints of size {} with different roots ({other} and this file): the ledger was forked",
                    cp.origin, cp.size
                ),
            )),
            Some(_) => {}
            None => {
                seen.insert((cp.origin.clone(), cp.size), (cp.root, at.clone()));
            }
        }
        let ours = (*size > 0).then(|| tree.root_at(*size)).flatten();
        match ours {
            None => {
                findings.push(Finding::error(
                    Code::LedgerFork,
                    &at,
                    format!(
                        "the ledger {:?} recorded this session at size {size}, but the log has {} entries: entries were removed after it was appended",
                        cp.origin,
                        tree.size()
                    ),
                ));
                continue;
            }
            Some(root) if root != leaf.root => {
                findings.push(Finding::error(
                    Code::LedgerFork,
                    &at,
                    format!(
                        "the ledger {:?} recorded this session at size {size} with a root that is not that of the log's first {size} entries: the session was rewritten after it was appended",
                        cp.origin
                    ),
                ));
                continue;
            }
            Some(_) => {}
        }
        proven.push(*size);
        // The TSAs' tokens over this file's ledger checkpoint: each valid
        // one is an outside time for the session's first `size` entries.
        if !trust.tsas().is_empty() {
            for tname in tokens.get(name).map(Vec::as_slice).unwrap_or_default() {
                let tat = format!("{LEDGER_DIR}/{tname}");
                match super::timestamps::check_ledger_token(source, &tat, &text, *size, trust, now)
                {
                    Ok(v) => {
                        out.outside.push(v.outside.clone());
                        out.tokens.push(v);
                    }
                    Err(f) => findings.push(*f),
                }
            }
        }
        let latest = super::witnesses::latest_usable_time();
        for (i, (w, checks)) in witnesses.iter().zip(checks).enumerate() {
            let mut first = true;
            for check in checks {
                match check {
                    CosignatureCheck::NotOurs => {}
                    CosignatureCheck::Valid(t) if t > latest => {
                        findings.push(super::witnesses::dated_after_verification(w, t, &at))
                    }
                    CosignatureCheck::Valid(t) => {
                        out.covered[i] = out.covered[i].max(*size);
                        if first {
                            first = false;
                            if let Some(time) = time_of(t) {
                                out.outside.push(OutsideTime {
                                    size: *size,
                                    time,
                                    source: OutsideSource::Cosignature {
                                        witness: w.key.name().to_owned(),
                                        file: at.clone(),
                                    },
                                });
                            }
                        }
                    }
                    CosignatureCheck::Invalid(why) => findings.push(Finding::error(
                        Code::WitnessBadCosignature,
                        &at,
                        format!(
                            "the cosignature line of witness {} (key ID {:08x}) over the ledger checkpoint does not hold: {why}; it was forged or the checkpoint was altered after it was cosigned",
                            w.key.name(),
                            w.key.key_id()
                        ),
                    )),
                }
            }
        }
    }
    // Every trusted checkpoint should have its evidence.
    let mut want: Vec<u64> = trusted_sizes.to_vec();
    if verified_size > 0 {
        want.push(verified_size);
    }
    want.sort_unstable();
    want.dedup();
    proven.sort_unstable();
    let lacking: Vec<String> = want
        .iter()
        .filter(|s| **s > 0 && proven.binary_search(s).is_err())
        .map(u64::to_string)
        .collect();
    if !lacking.is_empty() {
        findings.push(Finding::warning(
            Code::LedgerMissing,
            LEDGER_DIR,
            format!(
                "no valid ledger evidence for the session checkpoint(s) of size {}: they were never appended to the ledger, or their evidence was removed",
                lacking.join(", ")
            ),
        ));
    }
    for l in ledgers {
        if let Some(folder) = &l.folder {
            check_folder(folder, l.key.name(), &origin, tree, &seen, findings);
        }
    }
    out.outside.sort_by_key(|a| (a.size, a.time));
    out
}

/// Checks the session against the ledger's own log: every leaf of this
/// session's origin holds the log's root at its size, and every kept
/// ledger checkpoint has the ledger's root at its size.
fn check_folder(
    folder: &std::path::Path,
    ledger: &str,
    origin: &str,
    tree: &Tree,
    seen: &BTreeMap<(String, u64), (Hash, String)>,
    findings: &mut Vec<Finding>,
) {
    let p = folder.join("courtseal").join(lf::LOG);
    let shown = p.display().to_string();
    let bytes = match crate::store::layout::read_regular(&p, lf::MAX_LOG_BYTES) {
        Ok(b) => b,
        Err(e) => {
            findings.push(Finding::warning(
                Code::LedgerMalformed,
                &shown,
                format!(
                    "the ledger's log cannot be read ({e}); the session is not compared with it"
                ),
            ));
            return;
        }
    };
    let mut hashes = Vec::new();
    let mut ours: BTreeMap<u64, (Hash, u64)> = BTreeMap::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        hashes.push(tlog::leaf_hash(line));
        let Ok(leaf) = Leaf::parse(line) else {
            continue;
        };
        if leaf.origin != origin {
            continue;
        }
        let index = i as u64;
        if let Some((root, first)) = ours.get(&leaf.size) {
            if *root != leaf.root {
                findings.push(Finding::error(
                    Code::LedgerFork,
                    &shown,
                    format!(
                        "the ledger {ledger:?} holds two checkpoints of this session at size {} with different roots (leaves {first} and {index}): the session was re-sealed after it was appended",
                        leaf.size
                    ),
                ));
            }
        } else {
            ours.insert(leaf.size, (leaf.root, index));
        }
        let mine = (leaf.size > 0).then(|| tree.root_at(leaf.size)).flatten();
        if mine != Some(leaf.root) {
            findings.push(Finding::error(
                Code::LedgerFork,
                &shown,
                format!(
                    "leaf {index} of the ledger {ledger:?} records this session at size {} with a root that is not this log's: the session was rewritten or re-sealed after it was appended",
                    leaf.size
                ),
            ));
        }
    }
    let ltree = Tree::from_leaf_hashes(hashes);
    for ((o, size), (root, file)) in seen {
        if o != ledger {
            continue;
        }
        if ltree.root_at(*size) != Some(*root) {
            findings.push(Finding::error(
                Code::LedgerFork,
                file,
                format!(
                    "the ledger checkpoint of size {size} kept here is not the ledger's own at that size ({shown}): the ledger was rewritten"
                ),
            ));
        }
    }
}

/// Checks the ledger part of a version 2 proof bundle against the session
/// checkpoint `cp` the bundle's tlog-proof is against (already verified
/// under a trusted recorder key): the ledger checkpoint is signed by a
/// trusted ledger key, the leaf is `cp` and is included in it, and the
/// trusted witnesses' cosignatures over it are outside times for `cp`'s
/// entries and count toward the quorum, with the same findings as
/// `verify` gives a session. `evidence` is `None` for a proof without a
/// ledger part: then only a quorum the trust file requires is reported.
pub fn check_bundled(
    evidence: Option<&str>,
    cp: &Checkpoint,
    trust: &TrustStore,
    at: &str,
    findings: &mut Vec<Finding>,
) -> Vec<OutsideTime> {
    check_bundled_text(evidence, cp, trust, at, findings).0
}

/// [`check_bundled`], with the note text of the ledger part's checkpoint
/// when the part holds (signed by a trusted ledger key, `cp` included in
/// it): what its timestamp tokens are over.
pub fn check_bundled_text(
    evidence: Option<&str>,
    cp: &Checkpoint,
    trust: &TrustStore,
    at: &str,
    findings: &mut Vec<Finding>,
) -> (Vec<OutsideTime>, Option<String>) {
    let witnesses = trust.witnesses();
    let mut covered = vec![false; witnesses.len()];
    let mut outside = Vec::new();
    let mut held = None;
    if let Some(text) = evidence {
        held = check_bundled_part(
            text.as_bytes(),
            cp,
            trust,
            at,
            &mut covered,
            &mut outside,
            findings,
        );
    }
    if (evidence.is_some() || trust.quorum().is_some()) && !witnesses.is_empty() && cp.size > 0 {
        let have = covered.iter().filter(|c| **c).count();
        let need = trust.quorum().unwrap_or(1);
        if have < need {
            let what = format!(
                "{have} of {} trusted witness(es) cosigned a ledger checkpoint including the proof's checkpoint of {} entries{}",
                witnesses.len(),
                cp.size,
                if evidence.is_none() {
                    " (the proof carries no ledger part)"
                } else if held.is_none() {
                    " (its ledger part does not hold)"
                } else {
                    ""
                }
            );
            if trust.quorum().is_some() {
                findings.push(Finding::error(
                    Code::WitnessQuorumNotMet,
                    at,
                    format!("{what}: the trust file requires {need} witnesses, so the log could have been rolled back or rewritten by the key holder unnoticed"),
                ));
            } else {
                findings.push(Finding::warning(
                    Code::CheckpointNotWitnessed,
                    at,
                    format!("{what}: the proof's checkpoint is not yet witnessed"),
                ));
            }
        }
    }
    outside.sort_by_key(|a: &OutsideTime| a.time);
    (outside, held)
}

fn check_bundled_part(
    bytes: &[u8],
    session: &Checkpoint,
    trust: &TrustStore,
    at: &str,
    covered: &mut [bool],
    outside: &mut Vec<OutsideTime>,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    let ledgers = trust.ledgers();
    if ledgers.is_empty() {
        findings.push(Finding::warning(
            Code::LedgerUntrusted,
            at,
            "the proof carries ledger evidence, but this verification trusts no ledger (give a trust file with the ledger's 'ledger' line); it proves nothing",
        ));
        return None;
    }
    if bytes.len() as u64 > lf::MAX_EVIDENCE_BYTES {
        findings.push(Finding::error(
            Code::LedgerMalformed,
            at,
            format!("is larger than {} bytes", lf::MAX_EVIDENCE_BYTES),
        ));
        return None;
    }
    let keys: Vec<note::Verifier> = ledgers.iter().map(|l| l.key.clone()).collect();
    let (opened, _, leaf) = match open_evidence(bytes, &keys, at, true) {
        Ok(e) => e,
        Err(f) => {
            findings.push(*f);
            return None;
        }
    };
    if leaf.origin != session.origin || leaf.size != session.size || leaf.root != session.root {
        findings.push(Finding::error(
            Code::LedgerBadInclusion,
            at,
            format!(
                "proves the checkpoint of size {} of the log {:?}, not the proof's checkpoint of size {} of {:?} (or another root)",
                leaf.size, leaf.origin, session.size, session.origin
            ),
        ));
        return None;
    }
    let latest = super::witnesses::latest_usable_time();
    for (i, w) in trust.witnesses().iter().enumerate() {
        for s in opened.unverified.iter() {
            match w.key.check(&opened.text, s) {
                CosignatureCheck::NotOurs => {}
                CosignatureCheck::Valid(t) if t > latest => {
                    findings.push(super::witnesses::dated_after_verification(w, t, at))
                }
                CosignatureCheck::Valid(t) => {
                    if !covered[i] {
                        covered[i] = true;
                        if let Some(time) = time_of(t) {
                            outside.push(OutsideTime {
                                size: session.size,
                                time,
                                source: OutsideSource::Cosignature {
                                    witness: w.key.name().to_owned(),
                                    file: at.to_owned(),
                                },
                            });
                        }
                    }
                }
                CosignatureCheck::Invalid(why) => findings.push(Finding::error(
                    Code::WitnessBadCosignature,
                    at,
                    format!(
                        "the cosignature line of witness {} (key ID {:08x}) over the ledger checkpoint does not hold: {why}; it was forged or the checkpoint was altered after it was cosigned",
                        w.key.name(),
                        w.key.key_id()
                    ),
                )),
            }
        }
    }
    Some(opened.text)
}

/// Opens one ledger evidence file (a tlog-proof whose `extra` line is the
/// leaf): the ledger checkpoint signed by one of `keys` under its own
/// origin's name, the inclusion proof of the leaf in it, and the leaf read
/// as a session checkpoint. The one finding that stops it otherwise; a
/// file that is not evidence at all is a warning in a session (a stray
/// file) and an error in a bundle (`strict`), where it was sent as proof.
/// Shared by the session's files and a bundle's ledger part, so both
/// refuse the same evidence with the same words.
fn open_evidence(
    bytes: &[u8],
    keys: &[note::Verifier],
    at: &str,
    strict: bool,
) -> Result<(note::OpenedNote, Checkpoint, Leaf), Box<Finding>> {
    let malformed = |m: String| {
        Box::new(if strict {
            Finding::error(Code::LedgerMalformed, at, m)
        } else {
            Finding::warning(Code::LedgerMalformed, at, m)
        })
    };
    let proof = TlogProof::parse(bytes).map_err(|e| malformed(e.to_string()))?;
    let extra = proof
        .extra
        .as_deref()
        .ok_or_else(|| malformed("the proof carries no leaf (no 'extra' line)".to_owned()))?;
    let opened = note::open(&proof.checkpoint, keys).map_err(|e| {
        Box::new(Finding::error(
            Code::LedgerBadSignature,
            at,
            format!("the ledger checkpoint is not signed by a trusted ledger key ({e}): the evidence was forged or altered"),
        ))
    })?;
    let cp = Checkpoint::parse(&opened.text).map_err(|e| {
        Box::new(Finding::error(
            Code::LedgerBadSignature,
            at,
            format!("the signed ledger note is not a checkpoint ({e})"),
        ))
    })?;
    if !opened.verified.iter().any(|v| v.name() == cp.origin) {
        return Err(Box::new(Finding::error(
            Code::LedgerBadSignature,
            at,
            format!(
                "the ledger checkpoint of {:?} is signed by the ledger key {}, which signs only the ledger {:?}",
                cp.origin,
                opened.verified.iter().map(|v| v.name().to_owned()).collect::<Vec<_>>().join(", "),
                opened.verified.first().map(|v| v.name()).unwrap_or_default()
            ),
        )));
    }
    if tlog::verify_inclusion(
        proof.index,
        cp.size,
        &tlog::leaf_hash(extra),
        &proof.path,
        &cp.root,
    )
    .is_err()
    {
        return Err(Box::new(Finding::error(
            Code::LedgerBadInclusion,
            at,
            format!(
                "the inclusion proof does not lead from its leaf (index {}) to the root of the ledger checkpoint of size {}: the evidence was altered",
                proof.index, cp.size
            ),
        )));
    }
    let leaf = Leaf::parse(extra).map_err(|e| {
        Box::new(Finding::error(
            Code::LedgerBadInclusion,
            at,
            format!("the ledger holds a leaf that is not a session checkpoint ({e})"),
        ))
    })?;
    Ok((opened, cp, leaf))
}
