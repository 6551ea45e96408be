//! RFC 3161 tokens kept in `courtseal/timestamps/`: each is checked offline
//! against the TSAs the trust file names, over the checkpoint body rebuilt
//! from the log itself (so a token still proves its time when every kept
//! checkpoint file is gone). A valid token is an outside time: the log's
//! first `size` entries existed then.

use sha2::Digest as _;

use crate::finding::{Code, Finding, Severity};
use crate::format::checkpoint::Checkpoint;
use crate::format::timestamp as tsfmt;
use crate::log::Log;
use crate::store::source::{evidence_folder, SessionSource};

/// The folder of the kept timestamp tokens, in the session.
const TOKENS_DIR: &str = "courtseal/timestamps";
use crate::timestamp::{self, Problem, Verified};
use crate::tlog::Tree;
use crate::trust::TrustStore;

/// Who vouches for an outside time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum OutsideSource {
    /// An RFC 3161 token of a trusted TSA.
    Timestamp {
        /// The TSA as its token names it.
        tsa: String,
        /// The token file, relative to the session.
        file: String,
        /// The token's serial number, hexadecimal.
        serial: String,
        /// The TSA's policy OID.
        policy: String,
    },
    /// A `cosignature/v1` of a trusted witness.
    Cosignature {
        /// The witness's key name.
        witness: String,
        /// The cosigned checkpoint file, relative to the session.
        file: String,
    },
}

/// A time the court does not control at which the log's first `size`
/// entries existed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutsideTime {
    /// The checkpoint size it is about.
    pub size: u64,
    /// The time.
    #[serde(with = "time::serde::rfc3339")]
    pub time: time::OffsetDateTime,
    /// Who says so.
    pub source: OutsideSource,
}

/// How long after the time its last entry states a checkpoint's first
/// token may be made before it is `timestamp.late`: `seal` asks right after
/// signing, and a TSA that was down is asked again at the next checkpoint.
pub const LATE_AFTER: time::Duration = time::Duration::hours(1);

/// How long before the TSA certificate of the newest token ends that a
/// fresh token should be added (`timestamp.renewal_due`).
pub const RENEW_BEFORE: time::Duration = time::Duration::days(180);

fn severity(p: &Problem) -> Severity {
    match p {
        // Forged, altered, or over a log that is not this one.
        Problem::Malformed(_) | Problem::BadSignature(_) | Problem::ImprintMismatch(_) => {
            Severity::Error
        }
        // Proves nothing, and is not used; not a sign of tampering.
        Problem::UntrustedTsa(_) | Problem::ExpiredCertificate(_) | Problem::NotEku(_) => {
            Severity::Warning
        }
    }
}

/// A valid token over a ledger checkpoint, kept beside the session's
/// ledger evidence (`courtseal/ledger/<evidence>.<n>.tsr`).
#[derive(Debug, Clone)]
pub struct ValidToken {
    /// The TSA's index in the trust file's `tsa` lines.
    pub tsa: usize,
    /// What the token proved.
    pub verified: Verified,
    /// The outside time: the session's first `size` entries existed then.
    pub outside: OutsideTime,
}

/// Checks the token at `at` over the ledger checkpoint whose note text is
/// `message` (of an evidence file that holds for the session checkpoint of
/// `size`) against each trusted TSA; the finding that says why it proves
/// nothing otherwise.
pub fn check_ledger_token(
    source: &dyn SessionSource,
    at: &str,
    message: &[u8],
    size: u64,
    trust: &TrustStore,
    now: time::OffsetDateTime,
) -> Result<ValidToken, Box<Finding>> {
    let token = source.read(at, tsfmt::MAX_TOKEN_BYTES).map_err(|e| {
        Box::new(Finding::error(
            Code::TimestampMalformed,
            at,
            format!("cannot be read as a token: {e}"),
        ))
    })?;
    verify_token(&token, message, trust, now)
        .map(|(i, v)| ValidToken {
            tsa: i,
            outside: outside_time(size, &v, at),
            verified: v,
        })
        .map_err(|p| {
            let message = match &p {
                Problem::ImprintMismatch(why) => format!(
                    "a token of a trusted TSA beside ledger evidence, but not over that evidence's ledger checkpoint ({why}): it was moved from elsewhere or the evidence was replaced, and proves no time here"
                ),
                p => format!("proves no time: {p}"),
            };
            Box::new(Finding::new(severity(&p), p.code(), at, message))
        })
}

/// The first trusted TSA (its index) under which `token` is valid over
/// `message`, or the most telling reason it is not: a trusted TSA's token
/// that fails before "not a trusted TSA".
fn verify_token(
    token: &[u8],
    message: &[u8],
    trust: &TrustStore,
    now: time::OffsetDateTime,
) -> Result<(usize, Verified), Problem> {
    let mut problems = Vec::new();
    for (i, tsa) in trust.tsas().iter().enumerate() {
        match timestamp::verify(token, message, &tsa.roots, now) {
            Ok(v) => return Ok((i, v)),
            Err(p) => problems.push(p),
        }
    }
    Err(problems
        .iter()
        .find(|p| !matches!(p, Problem::UntrustedTsa(_)))
        .or(problems.first())
        .cloned()
        .unwrap_or_else(|| Problem::UntrustedTsa("no TSA is trusted".to_owned())))
}

fn outside_time(size: u64, v: &Verified, file: &str) -> OutsideTime {
    OutsideTime {
        size,
        time: v.gen_time,
        source: OutsideSource::Timestamp {
            tsa: v.tsa_name.clone(),
            file: file.to_owned(),
            serial: v.serial.clone(),
            policy: v.policy.clone(),
        },
    }
}

/// The ledger part of a bundle, for its tokens: absent, present but not
/// holding (its findings already say why), or holding with the note text
/// of its ledger checkpoint.
#[derive(Debug, Clone, Copy)]
pub enum BundledLedger<'a> {
    /// The bundle carries no ledger part.
    Absent,
    /// It carries one that does not hold.
    Failed,
    /// It holds; the note text of its ledger checkpoint.
    Holds(&'a [u8]),
}

/// Checks the tokens of a version 4 bundle (`verify-file`) against the
/// trusted TSAs: a token over a session checkpoint must be over a tree
/// that includes the proof's entry (`index`) and is proven a prefix of the
/// proof's checkpoint `cp` (already signed by a trusted key); a token over
/// the ledger part must be over that part's ledger checkpoint, which must
/// hold. Each valid one is an outside time; a `required` TSA with none is
/// `timestamp.missing`, whatever the proof's version (a bare tlog-proof
/// and bundles before version 4 carry no token). `at` names the proof.
pub fn check_bundled(
    tokens: &[crate::format::bundle::BundledToken],
    cp: &Checkpoint,
    index: u64,
    ledger: BundledLedger<'_>,
    trust: &TrustStore,
    at: &str,
    findings: &mut Vec<Finding>,
) -> Vec<OutsideTime> {
    use crate::format::bundle::{OVER_CHECKPOINT, OVER_LEDGER};
    let now = time::OffsetDateTime::now_utc();
    let mut out = Vec::new();
    let mut proved = Vec::new();
    if !tokens.is_empty() && trust.tsas().is_empty() {
        findings.push(Finding::warning(
            Code::TimestampUntrustedTsa,
            at,
            format!(
                "the proof carries {} timestamp token(s), but this verification trusts no TSA (give a trust file with tsa lines); they prove no time",
                tokens.len()
            ),
        ));
    }
    for t in tokens.iter().filter(|_| !trust.tsas().is_empty()) {
        let loc = format!("{at} (its timestamp {})", t.file);
        let malformed = |why: String| Finding::error(Code::TimestampMalformed, &loc, why);
        let token = match t.token_bytes() {
            Ok(b) => b,
            Err(why) => {
                findings.push(malformed(why));
                continue;
            }
        };
        let (size, message) = match t.over.as_str() {
            OVER_CHECKPOINT => {
                let Some((size, root, proof)) = t.tree() else {
                    findings.push(malformed(
                        "its root or consistency proof is not base64 of 32-byte hashes".into(),
                    ));
                    continue;
                };
                if size <= index {
                    findings.push(malformed(format!(
                        "is over the checkpoint of size {size}, which does not include the proof's entry (entry {} of the log): it proves no time for it",
                        index + 1
                    )));
                    continue;
                }
                if let Err(e) =
                    crate::tlog::verify_consistency(size, cp.size, &root, &cp.root, &proof)
                {
                    findings.push(malformed(format!(
                        "its checkpoint of size {size} is not proven to be the first {size} entries of the proof's checkpoint of size {} ({e}): it proves no time for this log",
                        cp.size
                    )));
                    continue;
                }
                (
                    size,
                    tsfmt::message(&Checkpoint::new(&cp.origin, size, root)),
                )
            }
            OVER_LEDGER => match ledger {
                BundledLedger::Holds(text) => (cp.size, text.to_vec()),
                BundledLedger::Failed => {
                    findings.push(Finding::warning(
                        Code::TimestampMalformed,
                        &loc,
                        "is over the bundle's ledger part, which does not hold (see its finding): it proves no time",
                    ));
                    continue;
                }
                BundledLedger::Absent => {
                    findings.push(malformed(
                        "is over a ledger part, but the bundle carries none: it proves no time"
                            .into(),
                    ));
                    continue;
                }
            },
            // `Bundle::parse` admits no other.
            other => {
                findings.push(malformed(format!("is over {other:?}")));
                continue;
            }
        };
        match verify_token(&token, &message, trust, now) {
            Ok((i, v)) => {
                out.push(outside_time(size, &v, &loc));
                proved.push(i);
            }
            Err(p) => {
                let message = match &p {
                    Problem::ImprintMismatch(why) => format!(
                        "a token of a trusted TSA, but not over the {} it is bundled as ({why}): it was taken from elsewhere, and proves no time here",
                        if t.over == OVER_LEDGER { "ledger part's checkpoint" } else { "checkpoint" }
                    ),
                    p => format!("proves no time: {p}"),
                };
                findings.push(Finding::new(severity(&p), p.code(), &loc, message));
            }
        }
    }
    for (i, tsa) in trust.tsas().iter().enumerate() {
        if tsa.required && !proved.contains(&i) {
            findings.push(Finding::error(
                Code::TimestampMissing,
                at,
                format!(
                    "the trust file requires a timestamp from {} (roots {}), and this proof carries no valid token of it: its times rest on the court's clock alone (a bare .tlog-proof and bundles before {} carry no token; the session folder may keep one: make a new bundle with 'courtseal proof --bundle', or verify the session)",
                    tsa.url,
                    tsa.roots_file,
                    crate::format::bundle::BUNDLE_V4
                ),
            ));
        }
    }
    out.sort_by_key(|a| (a.size, a.time));
    out
}

/// Checks every kept token; returns the outside times they prove, ordered
/// by size then time. `ledger` are the valid tokens over ledger
/// checkpoints (already checked, their times already outside times): they
/// count with the session's own for renewal, lateness and a required TSA.
pub fn check(
    source: &dyn SessionSource,
    log: &Log,
    tree: &Tree,
    trust: &TrustStore,
    ledger: &[ValidToken],
    findings: &mut Vec<Finding>,
) -> Vec<OutsideTime> {
    let listed = evidence_folder(source, TOKENS_DIR, tsfmt::parse_file_name);
    if listed.not_a_folder {
        findings.push(Finding::warning(
            Code::TimestampMalformed,
            TOKENS_DIR,
            "is not a folder (a link is never followed); no timestamp token is read from it",
        ));
    }
    for name in &listed.misnamed {
        findings.push(Finding::warning(
            Code::TimestampMalformed,
            format!("{TOKENS_DIR}/{name}"),
            "not named SIZE.N.tsr; ignored",
        ));
    }
    // As before the one door: a planted link or FIFO where a token should
    // be is an error, not a stray file.
    for name in &listed.not_regular {
        findings.push(Finding::error(
            Code::TimestampMalformed,
            format!("{TOKENS_DIR}/{name}"),
            "not a regular file (a link, FIFO or folder is never read); ignored",
        ));
    }
    let files: Vec<(u64, u32, String)> = listed
        .files
        .into_iter()
        .map(|((size, n), name)| (size, n, name))
        .collect();
    let mut out = Vec::new();
    if files.is_empty() {
        finish(log, trust, Vec::new(), &[], ledger, findings);
        return out;
    }
    if trust.tsas().is_empty() {
        findings.push(Finding::warning(
            Code::TimestampUntrustedTsa,
            "courtseal/timestamps",
            format!(
                "{} timestamp token(s) kept, but this verification trusts no TSA (give a trust file with tsa lines); they prove no time",
                files.len()
            ),
        ));
        return out;
    }
    let origin = log.header().map(|h| h.origin.clone()).unwrap_or_default();
    let now = time::OffsetDateTime::now_utc();
    // (TSA index, what it proved) for every valid token.
    let mut valid: Vec<(usize, Verified)> = Vec::new();
    for (size, _, name) in &files {
        let at = format!("courtseal/timestamps/{name}");
        let token = match source.read(&at, tsfmt::MAX_TOKEN_BYTES) {
            Ok(t) => t,
            Err(e) => {
                findings.push(Finding::error(
                    Code::TimestampMalformed,
                    &at,
                    format!("cannot be read as a token: {e}"),
                ));
                continue;
            }
        };
        let root = (*size > 0).then(|| tree.root_at(*size)).flatten();
        // Size 0 or beyond the log: no checkpoint of this log has that
        // size, so no token proves its time. It is still checked (against
        // no bytes) to tell a trusted TSA's token from another's; one that
        // verifies is over no bytes at all (anyone may have a TSA stamp
        // the empty string), never over a checkpoint.
        let message = match root {
            Some(r) => tsfmt::message(&Checkpoint::new(&origin, *size, r)),
            None => Vec::new(),
        };
        let mut problems = Vec::new();
        let mut ok = None;
        let mut over_nothing = false;
        for (i, tsa) in trust.tsas().iter().enumerate() {
            match timestamp::verify(&token, &message, &tsa.roots, now) {
                Ok(_) if root.is_none() => {
                    over_nothing = true;
                    problems.push(Problem::ImprintMismatch(
                        "it is over no bytes at all, not over a checkpoint".to_owned(),
                    ));
                }
                Ok(v) => {
                    ok = Some((i, v));
                    break;
                }
                Err(p) => problems.push(p),
            }
        }
        if let Some((i, v)) = ok {
            out.push(OutsideTime {
                size: *size,
                time: v.gen_time,
                source: OutsideSource::Timestamp {
                    tsa: v.tsa_name.clone(),
                    file: at.clone(),
                    serial: v.serial.clone(),
                    policy: v.policy.clone(),
                },
            });
            valid.push((i, v));
            continue;
        }
        // The most telling problem: one past the chain (a trusted TSA's
        // token that fails) before "not a trusted TSA".
        let Some(p) = problems
            .iter()
            .find(|p| !matches!(p, Problem::UntrustedTsa(_)))
            .or(problems.first())
        else {
            continue;
        };
        // A trusted token over another of this log's checkpoints, filed
        // under the wrong size: say so, rather than "rewritten".
        let misfiled = match p {
            Problem::ImprintMismatch(_) if !over_nothing => timestamp::claimed_imprint(&token)
                .and_then(|want| {
                    (1..=tree.size()).find(|k| {
                        tree.root_at(*k).is_some_and(|r| {
                            let m = tsfmt::message(&Checkpoint::new(&origin, *k, r));
                            sha2::Sha256::digest(&m).as_slice() == want.as_slice()
                        })
                    })
                }),
            _ => None,
        };
        let message = match (p, root) {
            (Problem::ImprintMismatch(_), _) if misfiled.is_some() => format!(
                "a token of a trusted TSA filed as the checkpoint of size {size}, but it is over this log's checkpoint of size {}: the file was renamed, and proves no time under this name",
                misfiled.unwrap_or_default()
            ),
            (Problem::ImprintMismatch(why), None) if *size == 0 || over_nothing => format!(
                "a token of a trusted TSA filed as the checkpoint of size {size}, which this log of {} entries has not ({why}): it proves no time",
                tree.size()
            ),
            (Problem::ImprintMismatch(_), None) => format!(
                "a token of a trusted TSA over a checkpoint of size {size}, but the log has {} entries: entries were removed from the end of the log after it was timestamped",
                tree.size()
            ),
            (Problem::ImprintMismatch(why), Some(_)) => format!(
                "a token of a trusted TSA over a checkpoint of size {size} that is not this log's first {size} entries ({why}): the log was rewritten after it was timestamped"
            ),
            (p, _) => format!("proves no time: {p}"),
        };
        findings.push(Finding::new(severity(p), p.code(), at, message));
    }
    finish(log, trust, valid, &out, ledger, findings);
    out.sort_by_key(|a| (a.size, a.time));
    out
}

/// Renewal, lateness and required TSAs, over the session's valid tokens
/// (`valid`, whose outside times are `own`) and the ledger's.
fn finish(
    log: &Log,
    trust: &TrustStore,
    mut valid: Vec<(usize, Verified)>,
    own: &[OutsideTime],
    ledger: &[ValidToken],
    findings: &mut Vec<Finding>,
) {
    let now = time::OffsetDateTime::now_utc();
    valid.extend(ledger.iter().map(|t| (t.tsa, t.verified.clone())));
    let mut times: Vec<OutsideTime> = own.to_vec();
    times.extend(ledger.iter().map(|t| t.outside.clone()));
    // Renewal: the newest token of each TSA, against its certificate's end.
    for (i, tsa) in trust.tsas().iter().enumerate() {
        let newest = valid
            .iter()
            .filter(|(j, _)| *j == i)
            .max_by_key(|(_, v)| v.tsa_cert_not_after);
        if let Some((_, v)) = newest {
            if v.tsa_cert_not_after < now + RENEW_BEFORE {
                findings.push(Finding::warning(
                    Code::TimestampRenewalDue,
                    "courtseal/timestamps",
                    format!(
                        "the newest token of {} ({}) was signed under a certificate valid until {}: add a fresh token over the latest checkpoint (`courtseal timestamp SESSION`) before then",
                        tsa.url,
                        v.tsa_name,
                        timestamp::rfc3339(v.tsa_cert_not_after)
                    ),
                ));
            }
        }
    }
    late(log, &times, findings);
    let proved: Vec<usize> = valid.iter().map(|(i, _)| *i).collect();
    missing(trust, &proved, findings);
}

/// `timestamp.late`: the first valid token over a checkpoint, made more
/// than [`LATE_AFTER`] after the time the checkpoint's last entry states,
/// when no earlier token covers that checkpoint already. It proves the
/// entries existed by its time only, not near their stated times. A later
/// token over a checkpoint that has an earlier one (a renewal) is never
/// late.
fn late(log: &Log, tokens: &[OutsideTime], findings: &mut Vec<Finding>) {
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    };
    let mut sizes: Vec<u64> = tokens.iter().map(|t| t.size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    for size in sizes {
        let Some(first) = tokens
            .iter()
            .filter(|t| t.size >= size)
            .min_by_key(|t| t.time)
        else {
            continue;
        };
        // Reported once, at the checkpoint the earliest token is over.
        if first.size != size {
            continue;
        }
        let Some(stated) = log
            .lines
            .iter()
            .take_while(|l| l.number as u64 <= size)
            .last()
            .and_then(|l| l.entry.as_ref().ok())
            .and_then(|e| parse(e.time()))
        else {
            continue;
        };
        let after = first.time - stated;
        if after > LATE_AFTER {
            let file = match &first.source {
                OutsideSource::Timestamp { file, .. } | OutsideSource::Cosignature { file, .. } => {
                    file.clone()
                }
            };
            findings.push(Finding::warning(
                Code::TimestampLate,
                file,
                format!(
                    "the first token over the checkpoint of size {size} was made at {}, {} min after its last entry's stated time {} (more than the {} min allowed): it proves that these entries existed by then, not at their stated times",
                    timestamp::rfc3339(first.time),
                    after.whole_minutes(),
                    timestamp::rfc3339(stated),
                    LATE_AFTER.whole_minutes()
                ),
            ));
        }
    }
}

fn missing(trust: &TrustStore, proved: &[usize], findings: &mut Vec<Finding>) {
    for (i, tsa) in trust.tsas().iter().enumerate() {
        if tsa.required && !proved.contains(&i) {
            findings.push(Finding::error(
                Code::TimestampMissing,
                "courtseal/timestamps",
                format!(
                    "the trust file requires a timestamp from {} (roots {}), and no valid token of it is kept: the session's times rest on the court's clock alone",
                    tsa.url, tsa.roots_file
                ),
            ));
        }
    }
}

/// The latest outside time of a checkpoint that does not include log line
/// `line`: the entry was appended after it. Of several tokens over one
/// checkpoint only the first counts: a later one (a renewal) proves the
/// checkpoint still existed, not that the log had not grown since.
pub fn not_before(outside: &[OutsideTime], line: u64) -> Option<&OutsideTime> {
    let mut first: std::collections::BTreeMap<u64, &OutsideTime> = Default::default();
    for o in outside.iter().filter(|o| o.size < line) {
        let e = first.entry(o.size).or_insert(o);
        if o.time < e.time {
            *e = o;
        }
    }
    first.into_values().max_by_key(|o| o.time)
}

/// The earliest outside time of a checkpoint that includes log line
/// `line`: the entry was sealed no later.
pub fn no_later_than(outside: &[OutsideTime], line: u64) -> Option<&OutsideTime> {
    outside
        .iter()
        .filter(|o| o.size >= line)
        .min_by_key(|o| o.time)
}
