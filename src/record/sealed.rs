//! Sealed short-form records: `record` entries in a session's log, signed by
//! an operator and covered by a trusted checkpoint.
//!
//! A record counts only when all of these hold:
//!
//! - its entry is covered by a trusted checkpoint (the sealer appended it and
//!   signed over it: an entry after the last trusted checkpoint proves
//!   nothing);
//! - its note opens with the operator key the entry names, says exactly what
//!   the record text in the entry says, for this log's origin, and the
//!   digest in the entry is that text's SHA-256;
//! - that key is trusted in a role that may sign records
//!   ([`Statement::Record`]);
//! - its revision is above that of every record already in force (a
//!   replayed older revision never wins).
//!
//! A correction is a later entry with a higher revision: the latest valid
//! one is in force, every one is shown. The verdict-in-force date of the
//! record in force is a *sealed verdict date* only when its signer may also
//! sign [`Statement::VerdictDate`]; that date is the only source of a
//! retention deadline.

use serde::Serialize;
use time::OffsetDateTime;

use super::{parse, ShortFormRecord};
use crate::digest::Sha256Digest;
use crate::finding::{Code, Finding, Location};
use crate::format::entry::{Entry, RecordEntry};
use crate::format::statement::{self, RecordFields};
use crate::log::Log;
use crate::note::Verifier;
use crate::trust::{Statement, TrustStore};

/// The years a record's times may fall in (the same as the command line's
/// dates): far enough from the end of the calendar that no period or
/// tolerance added to them can leave it.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=2999;

/// A record's time converted to UTC, or why it cannot be.
fn utc(what: &str, t: OffsetDateTime) -> Result<String, String> {
    match t.checked_to_offset(time::UtcOffset::UTC) {
        Some(u) if YEARS.contains(&u.year()) && YEARS.contains(&t.year()) => {
            Ok(crate::time::format_utc(u))
        }
        _ => Err(format!(
            "the {what} time {} is outside the years {} to {} that courtseal handles",
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            YEARS.start(),
            YEARS.end()
        )),
    }
}

/// The fields of `r` a record statement signs, or why `r` cannot be sealed
/// (a time outside [`YEARS`]).
pub fn fields_of(r: &ShortFormRecord) -> Result<RecordFields, String> {
    let mut breaks = Vec::new();
    for b in &r.breaks {
        breaks.push((
            utc("break from", b.from)?,
            utc("break to", b.to)?,
            b.kind.as_str().to_owned(),
        ));
    }
    let mut failures = Vec::new();
    for f in &r.failures {
        failures.push((
            utc("failure from", f.from)?,
            utc("failure to", f.to)?,
            f.act_signed_by.len(),
            f.reason.clone(),
        ));
    }
    Ok(RecordFields {
        court: r.court.clone(),
        case: r.case.clone(),
        judge: r.judge.clone(),
        secretary: r.secretary.clone(),
        start: utc("start", r.start)?,
        end: utc("end", r.end)?,
        breaks,
        failures,
        finalised: r.finalised.clone(),
        verdict_in_force: r.verdict_in_force.clone(),
    })
}

/// What became of one `record` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SealedRecordState {
    /// The latest valid record: the one checked against.
    InForce,
    /// Valid, but a later revision replaced it.
    Superseded,
    /// Not covered by a trusted checkpoint: proves nothing.
    Unproven,
    /// Its signature or its fields do not check, or its text is not a valid
    /// record.
    Invalid,
    /// Signed by a key not trusted to sign records.
    Untrusted,
    /// Its revision is not above the record already in force (a replay).
    OutOfOrder,
}

/// One `record` entry of the log, as checked.
#[derive(Debug, Clone, Serialize)]
pub struct SealedRecordStatus {
    /// Log line.
    pub line: usize,
    /// Revision, as the entry says.
    pub revision: u64,
    /// SHA-256 of the record's bytes, as the entry says.
    pub sha256: Sha256Digest,
    /// The operator key's name.
    pub operator: String,
    /// When it was appended.
    pub sealed_at: String,
    /// Its verdict-in-force date, if it gives one.
    pub verdict_in_force: Option<String>,
    /// What became of it.
    pub state: SealedRecordState,
}

/// The record in force.
#[derive(Debug, Clone)]
pub struct InForce {
    /// Its log line.
    pub line: usize,
    /// Its revision.
    pub revision: u64,
    /// SHA-256 of its bytes.
    pub sha256: Sha256Digest,
    /// The record.
    pub record: ShortFormRecord,
    /// The record's text, as sealed.
    pub text: String,
    /// Its signer may sign a verdict-in-force date ([`Statement::VerdictDate`]).
    pub verdict_date_signed: bool,
}

impl InForce {
    /// The sealed verdict-in-force date: the record's date when its signer
    /// may sign one, else `None`.
    pub fn sealed_verdict_date(&self) -> Option<&str> {
        self.verdict_date_signed
            .then_some(self.record.verdict_in_force.as_deref())
            .flatten()
    }
}

/// Every `record` entry of a log, and the one in force.
#[derive(Debug, Clone, Default)]
pub struct SealedRecords {
    /// Every record entry, in log order.
    pub statuses: Vec<SealedRecordStatus>,
    /// The latest valid one, if any.
    pub in_force: Option<InForce>,
    /// Problems with record entries (one per bad entry, on its line).
    pub findings: Vec<Finding>,
}

/// Checks every `record` entry of `log`; `verified_size` is the size the
/// largest trusted checkpoint covers.
pub fn sealed_records(log: &Log, verified_size: u64, trust: &TrustStore) -> SealedRecords {
    let origin = log.header().map(|h| h.origin.as_str()).unwrap_or_default();
    let any_operator = !trust.signers_of(Statement::Record).is_empty();
    let mut out = SealedRecords::default();
    for l in &log.lines {
        let Ok(Entry::Record(e)) = &l.entry else {
            continue;
        };
        let at = Location::log_line(l.number);
        let name = Verifier::from_vkey(&e.operator)
            .map(|v| v.name().to_owned())
            .unwrap_or_else(|_| e.operator.clone());
        let mut status = SealedRecordStatus {
            line: l.number,
            revision: e.revision,
            sha256: e.sha256,
            operator: name,
            sealed_at: e.sealed_at.clone(),
            verdict_in_force: e.verdict_in_force.clone(),
            state: SealedRecordState::Unproven,
        };
        if l.number as u64 > verified_size {
            // Reported as an unsigned entry by verify; never used.
            out.statuses.push(status);
            continue;
        }
        match check_entry(e, origin) {
            Err((code, why)) => {
                status.state = SealedRecordState::Invalid;
                out.findings.push(Finding::error(
                    code,
                    &at,
                    format!(
                        "the record (revision {}) sealed at {}: {why}; it is not used",
                        e.revision, e.sealed_at
                    ),
                ));
            }
            Ok((v, _)) if !trust.allows(&v, Statement::Record) => {
                status.state = SealedRecordState::Untrusted;
                let msg = format!(
                    "the record (revision {}) sealed at {} is signed by {} ({:08x}), which is not trusted as an operator key; it is not used",
                    e.revision,
                    e.sealed_at,
                    v.name(),
                    v.key_id()
                );
                out.findings.push(if any_operator {
                    Finding::error(Code::RecordUntrustedOperator, &at, msg)
                } else {
                    Finding::warning(
                        Code::RecordUntrustedOperator,
                        &at,
                        format!("{msg} (signer not confirmed: you were not given the court's operator keys)"),
                    )
                });
            }
            Ok(_)
                if out
                    .in_force
                    .as_ref()
                    .is_some_and(|f| e.revision <= f.revision) =>
            {
                status.state = SealedRecordState::OutOfOrder;
                let f = out
                    .in_force
                    .as_ref()
                    .map_or((0, 0), |f| (f.revision, f.line));
                out.findings.push(Finding::error(
                    Code::RecordRevisionOutOfOrder,
                    &at,
                    format!(
                        "the record sealed at {} says it is revision {}, but revision {} (line {}) was already in force: a replayed or out-of-order record never replaces a later one; it is not used",
                        e.sealed_at, e.revision, f.0, f.1
                    ),
                ));
            }
            Ok((v, record)) => {
                status.state = SealedRecordState::InForce;
                if let Some(prev) = out
                    .statuses
                    .iter_mut()
                    .find(|s| s.state == SealedRecordState::InForce)
                {
                    prev.state = SealedRecordState::Superseded;
                }
                out.in_force = Some(InForce {
                    line: l.number,
                    revision: e.revision,
                    sha256: e.sha256,
                    record,
                    text: e.record.clone(),
                    verdict_date_signed: trust.allows(&v, Statement::VerdictDate),
                });
            }
        }
        out.statuses.push(status);
    }
    out
}

/// The sealed record a version 3 proof bundle carries (its `record` part),
/// as checked: the court's time zone it names is signed evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundledRecord {
    /// Its line in the session's log (from 1).
    pub line: usize,
    /// Its revision.
    pub revision: u64,
    /// The operator key that signed it (name, key ID and key).
    pub operator: String,
    /// When it was sealed (UTC).
    pub sealed_at: String,
    /// SHA-256 of the record's text.
    pub sha256: Sha256Digest,
    /// The court's IANA time zone it names, if it names one.
    pub time_zone: Option<String>,
}

/// Checks a bundle's record part (`docs/formats.md`, "Proof bundle version
/// 3"): a tlog-proof whose checkpoint is byte for byte the bundle's
/// (`checkpoint`, already verified as `cp`), whose `extra` is a `record`
/// entry included in that checkpoint's tree, signed by a key trusted to
/// sign records, over this log's origin. The finding names `at`.
pub fn check_bundled(
    part: &str,
    checkpoint: &[u8],
    cp: &crate::format::checkpoint::Checkpoint,
    trust: &TrustStore,
    at: &str,
) -> Result<BundledRecord, Box<Finding>> {
    use crate::format::tlog_proof::TlogProof;
    let err = |code: Code, m: String| Box::new(Finding::error(code, at, m));
    let p = TlogProof::parse(part.as_bytes()).map_err(|e| {
        err(
            Code::ProofMalformed,
            format!("is not a tlog-proof ({e}); the court's time zone is not shown from it"),
        )
    })?;
    if p.checkpoint != checkpoint {
        return Err(err(
            Code::ProofNotIncluded,
            "is proven under another checkpoint than the bundle's own: it was taken from another session or another proof; the court's time zone is not shown from it".to_owned(),
        ));
    }
    let extra = p.extra.as_deref().ok_or_else(|| {
        err(
            Code::ProofNoEntry,
            "carries no entry (no 'extra' line)".to_owned(),
        )
    })?;
    let leaf = crate::tlog::leaf_hash(extra);
    crate::tlog::verify_inclusion(p.index, cp.size, &leaf, &p.path, &cp.root).map_err(|e| {
        err(
            Code::ProofNotIncluded,
            format!("its record entry is not proven to be in the signed log ({e}): it was edited or taken from another session; the court's time zone is not shown from it"),
        )
    })?;
    let e = match Entry::parse(extra) {
        Ok(Entry::Record(e)) => e,
        Ok(other) => {
            return Err(err(
                Code::ProofNoEntry,
                format!("its entry is a {} entry, not a record", other.kind()),
            ))
        }
        Err(e) => {
            return Err(err(
                Code::ProofNoEntry,
                format!("its entry does not parse: {e}"),
            ))
        }
    };
    let (v, record) = check_entry(&e, &cp.origin).map_err(|(code, why)| {
        err(
            code,
            format!(
                "the record (revision {}) sealed at {}: {why}; the court's time zone is not shown from it",
                e.revision, e.sealed_at
            ),
        )
    })?;
    if !trust.allows(&v, Statement::Record) {
        return Err(err(
            Code::RecordUntrustedOperator,
            format!(
                "the record (revision {}) sealed at {} is signed by {} ({:08x}), which the trust file does not trust to sign records (operator); the court's time zone is not shown from it",
                e.revision,
                e.sealed_at,
                v.name(),
                v.key_id()
            ),
        ));
    }
    Ok(BundledRecord {
        line: p.index as usize + 1,
        revision: e.revision,
        operator: e.operator.clone(),
        sealed_at: e.sealed_at.clone(),
        sha256: e.sha256,
        time_zone: record.time_zone.clone(),
    })
}

/// Checks one record entry on its own: its text parses as a record within
/// the years handled, and the note says exactly that.
fn check_entry(
    e: &RecordEntry,
    origin: &str,
) -> Result<(Verifier, ShortFormRecord), (Code, String)> {
    let record = parse(&e.record).map_err(|errs| {
        let list: Vec<String> = errs.iter().map(|x| x.to_string()).collect();
        (
            Code::RecordInvalid,
            format!(
                "its text is not a valid short-form record ({})",
                list.join("; ")
            ),
        )
    })?;
    let fields = fields_of(&record).map_err(|why| (Code::RecordInvalid, why))?;
    let v = statement::check_record(e, origin, &fields)
        .map_err(|err| (Code::RecordBadSignature, err.to_string()))?;
    Ok((v, record))
}

/// Where the record checked against comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum RecordSource {
    /// The sealed record in force.
    Sealed {
        /// Its log line.
        line: usize,
        /// Its revision.
        revision: u64,
    },
    /// The unsigned record file (no record is sealed).
    File {
        /// The file, as named in findings.
        file: String,
    },
}

/// The record a check is made against, where it came from, and what is to
/// be said about the record file.
#[derive(Debug, Clone)]
pub struct RecordToCheck {
    /// The record.
    pub record: ShortFormRecord,
    /// Where it came from.
    pub source: RecordSource,
    /// `record.differs_from_sealed` or `record.not_sealed`, when they apply.
    pub findings: Vec<Finding>,
}

/// No record to check against.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoRecord {
    /// Neither a sealed record nor a record file.
    #[error("no short-form record is sealed in the log and there is no record file")]
    None,
    /// No sealed record, and the record file does not parse.
    #[error("{file}: not a valid short-form record: {why}")]
    Invalid {
        /// The file.
        file: String,
        /// Every problem, joined.
        why: String,
    },
}

/// The record to check a session against: the sealed record in force when
/// there is one (the record file, if any, is compared with it: a file that
/// differs is `record.differs_from_sealed`), else the record `file`
/// (`(name, text)`) with a `record.not_sealed` warning.
pub fn record_to_check(
    sealed: &SealedRecords,
    file: Option<(&str, &str)>,
) -> Result<RecordToCheck, NoRecord> {
    match (&sealed.in_force, file) {
        (Some(f), file) => {
            let mut findings = Vec::new();
            if let Some((name, text)) = file {
                if let Some(why) = differences(f, text) {
                    findings.push(Finding::error(
                        Code::RecordDiffersFromSealed,
                        Location::record(name),
                        format!(
                            "{name} differs from the record sealed at line {} (revision {}): {why}; the sealed record is the one checked against",
                            f.line, f.revision
                        ),
                    ));
                }
            }
            Ok(RecordToCheck {
                record: f.record.clone(),
                source: RecordSource::Sealed {
                    line: f.line,
                    revision: f.revision,
                },
                findings,
            })
        }
        (None, Some((name, text))) => {
            let record = parse(text).map_err(|errs| NoRecord::Invalid {
                file: name.to_owned(),
                why: errs
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            })?;
            let findings = vec![Finding::warning(
                Code::RecordNotSealed,
                Location::record(name),
                format!(
                    "no short-form record is sealed in the log: {name} is checked as it is, unsigned, so anyone who could write the folder could have changed it, and its verdict-in-force date gives no retention deadline (seal it with 'courtseal record seal')"
                ),
            )];
            Ok(RecordToCheck {
                record,
                source: RecordSource::File {
                    file: name.to_owned(),
                },
                findings,
            })
        }
        (None, None) => Err(NoRecord::None),
    }
}

/// How a record file's text differs from the sealed record, or `None` when
/// it is byte for byte the sealed one.
fn differences(sealed: &InForce, text: &str) -> Option<String> {
    if Sha256Digest::of(text.as_bytes()) == sealed.sha256 {
        return None;
    }
    let Ok(file) = parse(text) else {
        return Some("it is not a valid short-form record".into());
    };
    let r = &sealed.record;
    let mut fields = Vec::new();
    let mut diff = |name: &str, same: bool| {
        if !same {
            fields.push(name.to_owned());
        }
    };
    diff("court", file.court == r.court);
    diff("courtroom", file.courtroom == r.courtroom);
    diff("case", file.case == r.case);
    diff("case_title", file.case_title == r.case_title);
    diff("judge", file.judge == r.judge);
    diff("secretary", file.secretary == r.secretary);
    diff("place", file.place == r.place);
    diff("start", file.start == r.start);
    diff("end", file.end == r.end);
    diff("stenography", file.stenography == r.stenography);
    diff(
        "no_recording_reason",
        file.no_recording_reason == r.no_recording_reason,
    );
    diff("finalised", file.finalised == r.finalised);
    diff(
        "verdict_in_force",
        file.verdict_in_force == r.verdict_in_force,
    );
    diff("appearance", file.appearances == r.appearances);
    let spans =
        |b: &[super::Break]| -> Vec<_> { b.iter().map(|b| (b.from, b.to, b.kind)).collect() };
    diff("break", spans(&file.breaks) == spans(&r.breaks));
    let fails = |f: &[super::Failure]| -> Vec<_> {
        f.iter()
            .map(|f| (f.from, f.to, f.reason.clone(), f.act_signed_by.clone()))
            .collect()
    };
    diff("failure", fails(&file.failures) == fails(&r.failures));
    Some(if fields.is_empty() {
        "its bytes differ (comments or layout only: every field is the same)".into()
    } else {
        format!("it differs in {}", fields.join(", "))
    })
}
