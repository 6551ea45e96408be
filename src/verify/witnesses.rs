//! Witness cosignatures kept in `courtseal/cosigned/`: each file is a
//! checkpoint note as the recorder signed it with the `cosignature/v1`
//! lines of the witnesses that accepted it appended. Every cosignature of a
//! witness the trust file names is checked over the note text; the text is
//! then compared with the checkpoint rebuilt from the log itself, so a
//! cosigned checkpoint the log is not consistent with is a fork, whatever
//! the checkpoint files say. A valid cosignature is an outside time.

use crate::finding::{Code, Finding};
use crate::format::checkpoint::Checkpoint;
use crate::log::Log;
use crate::note::{self, CosignatureCheck};
use crate::store::source::{evidence_folder, SessionSource};
use crate::tlog::Tree;
use crate::trust::TrustStore;

use super::timestamps::{OutsideSource, OutsideTime};

/// The folder, relative to the session.
pub const COSIGNED_DIR: &str = "courtseal/cosigned";

/// The largest cosigned checkpoint file read.
pub const MAX_COSIGNED_FILE: u64 = 64 * 1024;

/// How far after the time of verification a cosignature may be dated
/// (clock skew) and still be used.
pub const FUTURE_SLACK_SECS: u64 = 600;

/// `SIZE.note` with SIZE decimal without leading zeros.
pub fn parse_file_name(name: &str) -> Option<u64> {
    let n = name.strip_suffix(".note")?;
    let ok =
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'));
    ok.then(|| n.parse().ok()).flatten()
}

/// The latest cosignature time (POSIX seconds) that proves a time: now,
/// plus [`FUTURE_SLACK_SECS`] of clock skew.
pub fn latest_usable_time() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp())
        .unwrap_or(0)
        .saturating_add(FUTURE_SLACK_SECS)
}

/// The finding for a valid cosignature of `w` dated `t`, after the time of
/// verification, in the file `at`: it proves no time and counts for nothing.
pub fn dated_after_verification(w: &crate::trust::TrustedWitness, t: u64, at: &str) -> Finding {
    Finding::error(
        Code::WitnessBadCosignature,
        at,
        format!(
            "the cosignature of witness {} (key ID {:08x}) is dated {}, after the time of verification: the witness's clock is wrong or its key is misused; it is not an outside time and does not count toward the quorum",
            w.key.name(),
            w.key.key_id(),
            time_of(t)
                .map(crate::timestamp::rfc3339)
                .unwrap_or_else(|| format!("{t} (POSIX seconds)"))
        ),
    )
}

fn time_of(secs: u64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()
}

/// Checks every kept cosigned checkpoint against the witnesses of `trust`
/// and the log; says whether the verified prefix (`verified_size` entries)
/// is witnessed by the quorum, counting what the witnesses cosigned of the
/// ledger (`ledger_covered`, per witness). Returns the outside times the valid
/// cosignatures prove.
pub fn check(
    source: &dyn SessionSource,
    log: &Log,
    tree: &Tree,
    trust: &TrustStore,
    verified_size: u64,
    ledger_covered: &[u64],
    findings: &mut Vec<Finding>,
) -> Vec<OutsideTime> {
    let listed = evidence_folder(source, COSIGNED_DIR, parse_file_name);
    if listed.not_a_folder {
        findings.push(Finding::warning(
            Code::WitnessMalformed,
            COSIGNED_DIR,
            "is not a folder (a link is never followed); no cosignature is read from it",
        ));
    }
    for name in &listed.misnamed {
        findings.push(Finding::warning(
            Code::WitnessMalformed,
            format!("{COSIGNED_DIR}/{name}"),
            "not named SIZE.note; ignored",
        ));
    }
    for name in &listed.not_regular {
        findings.push(Finding::warning(
            Code::WitnessMalformed,
            format!("{COSIGNED_DIR}/{name}"),
            "not a regular file (a link, FIFO or folder is never read); ignored",
        ));
    }
    let files = listed.files;
    let witnesses = trust.witnesses();
    let mut out = Vec::new();
    if witnesses.is_empty() {
        if !files.is_empty() {
            findings.push(Finding::warning(
                Code::CheckpointNotWitnessed,
                COSIGNED_DIR,
                format!(
                    "{} cosigned checkpoint(s) kept, but this verification trusts no witness (give a trust file with witness lines); they prove nothing",
                    files.len()
                ),
            ));
        }
        return out;
    }
    let origin = log.header().map(|h| h.origin.clone()).unwrap_or_default();
    // A cosignature dated later than this (POSIX seconds) proves no time.
    let latest = latest_usable_time();
    // Per witness: the largest size it validly cosigned in this log.
    let mut covered: Vec<u64> = vec![0; witnesses.len()];
    for (c, l) in covered.iter_mut().zip(ledger_covered) {
        *c = *l;
    }
    for (size, name) in &files {
        let at = format!("{COSIGNED_DIR}/{name}");
        let bytes = match source.read(&at, MAX_COSIGNED_FILE) {
            Ok(b) => b,
            Err(e) => {
                findings.push(Finding::warning(
                    Code::WitnessMalformed,
                    &at,
                    format!("cannot be read: {e}"),
                ));
                continue;
            }
        };
        let (text, sigs) = match note::split(&bytes) {
            Ok(x) => x,
            Err(e) => {
                findings.push(Finding::warning(
                    Code::WitnessMalformed,
                    &at,
                    format!("not a signed note: {e}"),
                ));
                continue;
            }
        };
        // Every cosignature of a trusted witness must hold.
        let mut valid: Vec<(usize, u64)> = Vec::new();
        for (i, w) in witnesses.iter().enumerate() {
            for s in &sigs {
                match w.key.check(&text, s) {
                    CosignatureCheck::NotOurs => {}
                    CosignatureCheck::Valid(t) if t > latest => {
                        findings.push(dated_after_verification(w, t, &at))
                    }
                    CosignatureCheck::Valid(t) => {
                        if !valid.iter().any(|(j, _)| *j == i) {
                            valid.push((i, t));
                        }
                    }
                    CosignatureCheck::Invalid(why) => findings.push(Finding::error(
                        Code::WitnessBadCosignature,
                        &at,
                        format!(
                            "the cosignature line of witness {} (key ID {:08x}) does not hold: {why}; it was forged or the checkpoint was altered after it was cosigned",
                            w.key.name(),
                            w.key.key_id()
                        ),
                    )),
                }
            }
        }
        if valid.is_empty() {
            continue;
        }
        let names = valid
            .iter()
            .map(|(i, t)| {
                format!(
                    "{} at {}",
                    witnesses[*i].key.name(),
                    time_of(*t)
                        .map(crate::timestamp::rfc3339)
                        .unwrap_or_else(|| t.to_string())
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let cp = match Checkpoint::parse(&text) {
            Ok(cp) => cp,
            Err(e) => {
                findings.push(Finding::error(
                    Code::WitnessFork,
                    &at,
                    format!("cosigned by {names}, but it is not a checkpoint ({e})"),
                ));
                continue;
            }
        };
        if cp.origin != origin {
            findings.push(Finding::warning(
                Code::WitnessMalformed,
                &at,
                format!(
                    "cosigned by {names} for the log {:?}, not this session's log {origin:?}; ignored",
                    cp.origin
                ),
            ));
            continue;
        }
        if cp.size != *size {
            findings.push(Finding::warning(
                Code::WitnessMalformed,
                &at,
                format!(
                    "holds a checkpoint of size {}, not {size} as its name says; ignored",
                    cp.size
                ),
            ));
            continue;
        }
        let ours = (*size > 0).then(|| tree.root_at(*size)).flatten();
        match ours {
            None => {
                findings.push(Finding::error(
                    Code::WitnessFork,
                    &at,
                    format!(
                        "witnessed evidence: {names} cosigned this log at size {size}, but the log has {} entries: entries were removed from the end of the log after it was witnessed",
                        tree.size()
                    ),
                ));
                continue;
            }
            Some(root) if root != cp.root || !cp.extensions.is_empty() => {
                findings.push(Finding::error(
                    Code::WitnessFork,
                    &at,
                    format!(
                        "witnessed evidence: {names} cosigned a checkpoint of size {size} whose root is not that of this log's first {size} entries: the log was rewritten after it was witnessed (a fork)"
                    ),
                ));
                continue;
            }
            Some(_) => {}
        }
        for (i, t) in valid {
            covered[i] = covered[i].max(*size);
            if let Some(time) = time_of(t) {
                out.push(OutsideTime {
                    size: *size,
                    time,
                    source: OutsideSource::Cosignature {
                        witness: witnesses[i].key.name().to_owned(),
                        file: at.clone(),
                    },
                });
            }
        }
    }
    if verified_size > 0 {
        let have = covered.iter().filter(|c| **c >= verified_size).count();
        let need = trust.quorum().unwrap_or(1);
        // The largest prefix the quorum (or one witness) vouches for.
        let mut sorted = covered.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let witnessed = sorted.get(need.saturating_sub(1)).copied().unwrap_or(0);
        if have < need {
            let what = format!(
                "{have} of {} trusted witness(es) cosigned a checkpoint covering all {verified_size} sealed entries; the quorum of {need} vouches for the first {witnessed}",
                witnesses.len()
            );
            if trust.quorum().is_some() {
                findings.push(Finding::error(
                    Code::WitnessQuorumNotMet,
                    COSIGNED_DIR,
                    format!("{what}: the trust file requires {need} witnesses, so the rest could have been rolled back or rewritten by the key holder unnoticed"),
                ));
            } else {
                findings.push(Finding::warning(
                    Code::CheckpointNotWitnessed,
                    COSIGNED_DIR,
                    format!("{what}: entries after that are not yet witnessed"),
                ));
            }
        }
    }
    out.sort_by_key(|a| (a.size, a.time));
    out
}
