//! The second stage of the command line: the raw flags of [`crate::args`]
//! become a checked, typed configuration.
//!
//! Everything a person types is checked here, before any work starts: every
//! number of seconds against its range, every date and period (so that no
//! date arithmetic later can leave the calendar), event kinds and reasons,
//! log origins, the files the command reads (regular files of a sane size,
//! never a FIFO that would hang the run or a folder), and every file the
//! command writes (new, in a folder that exists and can be written). A
//! command receives a [`Config`] and never sees a raw flag.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use time::{Date, OffsetDateTime};

use courtseal::audit::Retention;
use courtseal::media::{MediaOptions, SilenceOptions};

use crate::args::{self, Cli, Command, KeysCommand, RecordCommand, TrustCommand};
use crate::progress;

/// The longest wait, settle time, heartbeat or tolerance accepted: a day.
const MAX_SECONDS: f64 = 86_400.0;
/// The longest retention or reporting period accepted: 100 years.
const MAX_PERIOD_MONTHS: u64 = 1_200;
/// The same limit for a period given in days.
const MAX_PERIOD_DAYS: u64 = 36_525;
/// The years of the dates courtseal handles (`--today`, `--at`, the times
/// of a short-form record): far enough from the end of the calendar that no
/// period or tolerance added to them can leave it.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=2999;
/// The longest log origin accepted, in bytes.
pub const MAX_ORIGIN_BYTES: usize = 256;
/// How far ahead of the clock an operator may date an event (clock skew).
const EVENT_AHEAD: time::Duration = time::Duration::days(1);

/// Size limits of the small files the command line reads.
pub const KEY_BYTES: u64 = 64 << 10;
pub const TRUST_BYTES: u64 = 1 << 20;
pub const CHECKPOINT_BYTES: u64 = 1 << 20;
pub const RECORD_BYTES: u64 = 1 << 20;
pub const PROOF_BYTES: u64 = 16 << 20;
pub const SIDECAR_BYTES: u64 = 256 << 20;
pub const ACT_BYTES: u64 = 256 << 20;
pub const SIGNATURE_BYTES: u64 = 64 << 10;

/// What the outside world tells the command line (passed in, never queried
/// deep inside): the clock, whether standard error is a terminal, whether
/// this runs under CI, and the command as typed.
pub struct Context {
    /// The current time.
    pub now: OffsetDateTime,
    /// Standard error is a terminal.
    pub stderr_is_terminal: bool,
    /// The `CI` environment variable is set.
    pub is_ci: bool,
    /// The command line as typed, the program shown by its name only.
    pub command_line: String,
}

/// A checked command.
pub enum Config {
    /// `keys generate`.
    KeysGenerate {
        /// The key's name.
        name: String,
        /// The folder to write into.
        out: PathBuf,
    },
    /// `keys show`.
    KeysShow {
        /// The key file (a regular file).
        file: PathBuf,
    },
    /// `trust add`.
    TrustAdd {
        /// The role.
        role: courtseal::trust::Role,
        /// The key file.
        keyfile: PathBuf,
        /// The trust file to write.
        trust: PathBuf,
    },
    /// `trust show`.
    TrustShow {
        /// The trust file.
        file: PathBuf,
    },
    /// `seal`.
    Seal(SealConfig),
    /// `timestamp`.
    Timestamp {
        /// The session folder.
        session: PathBuf,
        /// Trust files with tsa lines.
        policy: Vec<PathBuf>,
    },
    /// `verify`.
    Verify(VerifyConfig),
    /// `proof`.
    Proof(ProofConfig),
    /// `verify-file`.
    VerifyFile(VerifyFileConfig),
    /// `excerpt`.
    Excerpt(ExcerptConfig),
    /// `event`.
    Event(EventConfig),
    /// `close`.
    Close(CloseConfig),
    /// `series`.
    Series(SeriesConfig),
    /// `record template`.
    RecordTemplate,
    /// `record check`.
    RecordCheck {
        /// The record file (a regular file).
        file: PathBuf,
    },
    /// `record seal`.
    RecordSeal {
        /// The session folder.
        session: PathBuf,
        /// The operator's key file.
        key: PathBuf,
        /// The recorder's key file, if given.
        recorder_key: Option<PathBuf>,
    },
    /// `check`.
    Check(CheckConfig),
    /// `audit`.
    Audit(AuditConfig),
    /// `verify-act`.
    VerifyAct(VerifyActConfig),
    /// `export`.
    Export(ExportConfig),
    /// `retire`.
    Retire(RetireConfig),
    /// `inspect`.
    Inspect(InspectConfig),
    /// `compare`.
    Compare(CompareConfig),
}

/// `compare`, checked.
pub struct CompareConfig {
    pub session: PathBuf,
    pub recording: Vec<PathBuf>,
    pub trust: Vec<PathBuf>,
    pub independent_session: Option<PathBuf>,
    pub json: bool,
    pub html: Option<HtmlOutput>,
    pub command_line: String,
}

/// A number of seconds checked against its range, kept as typed for messages.
#[derive(Debug, Clone, Copy)]
pub struct Seconds(f64);

impl Seconds {
    /// As a duration (always representable: the range is checked).
    pub fn duration(self) -> Duration {
        Duration::from_secs_f64(self.0)
    }
}

impl std::fmt::Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A log origin that a C2SP checkpoint can carry: non-empty, one line of
/// printable text, no control or invisible formatting characters, no
/// leading or trailing space, at most [`MAX_ORIGIN_BYTES`] bytes.
#[derive(Debug, Clone)]
pub struct Origin(String);

impl Origin {
    /// The origin text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `seal`, checked.
pub struct SealConfig {
    pub session: PathBuf,
    pub key: PathBuf,
    pub origin: Option<Origin>,
    pub previous: Option<PathBuf>,
    pub series: Option<PathBuf>,
    /// `Some` with `--watch`.
    pub watch: Option<WatchConfig>,
    pub media: MediaOptions,
    /// Trust files whose tsa lines name the TSAs asked.
    pub policy: Vec<PathBuf>,
    /// `--ledger DIR --ledger-key FILE [--ledger-origin ORIGIN]`.
    pub ledger: Option<(PathBuf, PathBuf, Option<String>)>,
    pub json: bool,
}

/// `seal --watch` timings, checked.
pub struct WatchConfig {
    pub settle: Duration,
    pub heartbeat: Duration,
    /// Stop below this many free bytes on the session's disk.
    pub min_free: Option<u64>,
}

/// `verify`, checked.
pub struct VerifyConfig {
    pub session: PathBuf,
    pub trust: Vec<PathBuf>,
    pub check_media: bool,
    pub strict: bool,
    pub since: Option<PathBuf>,
    pub json: bool,
    pub quiet: Quiet,
    pub html: Option<HtmlOutput>,
    pub command_line: String,
}

/// A document to write: checked before the work, replaced only with --force.
pub struct HtmlOutput {
    pub path: PathBuf,
    pub force: bool,
}

/// How much `verify` and `verify-file` print (`--quiet`, `--status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    /// The full report.
    No,
    /// Only a failure.
    Failures,
    /// Nothing: the exit status alone.
    Status,
}

impl Quiet {
    fn from_flags(quiet: bool, status: bool) -> Quiet {
        if status {
            Quiet::Status
        } else if quiet {
            Quiet::Failures
        } else {
            Quiet::No
        }
    }
}

/// `proof`, checked: both files it may write are new.
pub struct ProofConfig {
    pub session: PathBuf,
    pub segment: String,
    pub trust: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    /// Where the segment's packet windows go, when it has any.
    pub sidecar_output: Option<PathBuf>,
    /// The single-file bundle, when asked for.
    pub bundle: Option<PathBuf>,
}

/// `excerpt`, checked: both files it writes are new.
pub struct ExcerptConfig {
    pub session: PathBuf,
    pub segment: String,
    /// Seconds of media time.
    pub from: f64,
    pub to: f64,
    pub output: PathBuf,
    pub proof: PathBuf,
    pub trust: Vec<PathBuf>,
    pub json: bool,
}

/// `verify-file`, checked.
pub struct VerifyFileConfig {
    pub media: PathBuf,
    pub proof: PathBuf,
    pub trust: Vec<PathBuf>,
    pub origin: Option<Origin>,
    pub windows: Option<PathBuf>,
    pub strict: bool,
    pub json: bool,
    pub quiet: Quiet,
    pub html: Option<HtmlOutput>,
    pub command_line: String,
}

/// `event`, checked.
pub struct EventConfig {
    pub session: PathBuf,
    /// One of [`courtseal::event::KINDS`].
    pub kind: String,
    pub reason: String,
    pub key: PathBuf,
    /// The stated time, in the UTC form of log entries.
    pub at: EventAt,
    /// When the command runs.
    pub now: OffsetDateTime,
    /// Sign a stated time far from now or outside the session.
    pub force: bool,
    pub recorder_key: Option<PathBuf>,
    pub wait: Seconds,
}

/// `close`, checked.
pub struct CloseConfig {
    pub session: PathBuf,
    pub key: Option<PathBuf>,
    pub wait: Seconds,
}

/// `series`, checked.
pub struct SeriesConfig {
    pub folder: PathBuf,
    pub trust: Vec<PathBuf>,
    pub json: bool,
}

/// `check`, checked.
pub struct CheckConfig {
    pub session: PathBuf,
    pub record: Option<PathBuf>,
    pub trust: Vec<PathBuf>,
    pub tolerance: Seconds,
    /// A new file (or, with --force, one to replace), in a writable folder.
    pub html: Option<HtmlOutput>,
    pub json: bool,
    pub command_line: String,
}

/// `audit`, checked.
pub struct AuditConfig {
    pub archive: PathBuf,
    pub trust: Vec<PathBuf>,
    pub strict: bool,
    pub retention: Retention,
    pub due_within_days: i64,
    pub today: Date,
    pub resume: bool,
    pub state: PathBuf,
    /// The act (a new file) and, with `--sign`, the key and the new signature file.
    pub act: Option<ActOutput>,
    pub json: bool,
    pub progress: progress::Mode,
    pub command_line: String,
}

/// Where `audit` writes its act, and how it signs it.
pub struct ActOutput {
    pub html: PathBuf,
    pub sign: Option<(PathBuf, PathBuf)>,
    /// The archivist's name and post, as printed.
    pub archivist: Option<String>,
    pub archivist_role: String,
}

/// `verify-act`, checked.
pub struct VerifyActConfig {
    pub act: PathBuf,
    pub sig: PathBuf,
    pub trust: Vec<PathBuf>,
}

/// `export`, checked.
pub struct ExportConfig {
    pub session: PathBuf,
    pub trust: Vec<PathBuf>,
    /// A new folder, in a writable folder.
    pub bagit: PathBuf,
    /// The bagging date, YYYY-MM-DD.
    pub today: String,
}

/// `retire`, checked.
pub struct RetireConfig {
    pub session: PathBuf,
    pub key: PathBuf,
    pub basis: String,
    pub trust: Vec<PathBuf>,
    pub retention: Retention,
    pub force: bool,
    pub dry_run: bool,
    pub today: Date,
}

/// `inspect`, checked.
pub struct InspectConfig {
    pub file: PathBuf,
    pub media: MediaOptions,
    pub json: bool,
}

/// Checks the parsed command line; nothing is read beyond file metadata and
/// nothing is written (the writability probe leaves nothing behind).
pub fn resolve(cli: Cli, ctx: &Context) -> Result<Config> {
    Ok(match cli.command {
        Command::Keys(KeysCommand::Generate { name, out }) => Config::KeysGenerate { name, out },
        Command::Keys(KeysCommand::Show { file }) => Config::KeysShow {
            file: input(&file, "key file", KEY_BYTES)?,
        },
        Command::Trust(TrustCommand::Add {
            role,
            keyfile,
            trust,
        }) => Config::TrustAdd {
            role: courtseal::trust::Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown role {role:?}: write recorder, operator, witness or archivist"
                )
            })?,
            keyfile: input(&keyfile, "key file", KEY_BYTES)?,
            trust,
        },
        Command::Trust(TrustCommand::Show { file }) => Config::TrustShow {
            file: input(&file, "trust file", KEY_BYTES * 64)?,
        },
        Command::Seal(a) => {
            let media = media(&a.media)?;
            let watch = if a.watch {
                Some(WatchConfig {
                    settle: seconds("--settle", a.settle, Above(0.0))?.duration(),
                    heartbeat: seconds("--heartbeat", a.heartbeat, Above(0.0))?.duration(),
                    min_free: a.min_free.map(|mb| mb.saturating_mul(1 << 20)),
                })
            } else {
                None
            };
            Config::Seal(SealConfig {
                // The strict rule is for new logs; a log sealed earlier
                // keeps its origin, which must still be nameable.
                origin: a
                    .origin
                    .as_deref()
                    .map(|o| {
                        let log = courtseal::store::layout::SessionPaths::new(&a.session).log;
                        if std::fs::metadata(log).is_ok_and(|m| m.len() > 0) {
                            expected_origin(o)
                        } else {
                            origin(o)
                        }
                    })
                    .transpose()?,
                key: input(&a.key, "key file", KEY_BYTES)?,
                previous: a
                    .previous
                    .as_deref()
                    .map(|p| input(p, "checkpoint file", CHECKPOINT_BYTES))
                    .transpose()?,
                session: a.session,
                series: a.series,
                watch,
                media,
                policy: a
                    .policy
                    .iter()
                    .map(|p| input(p, "trust file", TRUST_BYTES))
                    .collect::<Result<_>>()?,
                ledger: match (a.ledger, a.ledger_key) {
                    (Some(d), Some(k)) => {
                        Some((d, input(&k, "key file", KEY_BYTES)?, a.ledger_origin))
                    }
                    _ => None,
                },
                json: a.json,
            })
        }
        Command::Timestamp(a) => Config::Timestamp {
            session: a.session,
            policy: a
                .policy
                .iter()
                .map(|p| input(p, "trust file", TRUST_BYTES))
                .collect::<Result<_>>()?,
        },
        Command::Verify(a) => Config::Verify(VerifyConfig {
            trust: trust(&a.trust)?,
            session: a.session,
            check_media: !a.log_only,
            strict: a.strict,
            since: a
                .since
                .as_deref()
                .map(|p| input(p, "checkpoint file", PROOF_BYTES))
                .transpose()?,
            json: a.json,
            quiet: Quiet::from_flags(a.quiet, a.status),
            html: html_output(a.html.html.as_deref(), a.html.force)?,
            command_line: ctx.command_line.clone(),
        }),
        Command::Proof(a) => {
            let output = a.output.as_deref().map(new_file).transpose()?;
            let sidecar_output = output
                .as_deref()
                .map(|o| new_file(&courtseal::proof::sidecar_path_for(o)))
                .transpose()?;
            let bundle = a.bundle.as_deref().map(new_file).transpose()?;
            if output.is_some() && output == bundle {
                bail!("-o and --bundle name the same file");
            }
            Config::Proof(ProofConfig {
                trust: trust(&a.trust)?,
                session: a.session,
                segment: a.segment,
                output,
                sidecar_output,
                bundle,
            })
        }
        Command::Excerpt(a) => {
            let from = media_time("--from", &a.from)?;
            let to = media_time("--to", &a.to)?;
            if to <= from {
                bail!("--to {}: the end must come after --from {}", a.to, a.from);
            }
            let output = new_file(&a.output)?;
            let proof = match &a.proof {
                Some(p) => new_file(p)?,
                None => {
                    let mut name = output.clone().into_os_string();
                    name.push(".courtseal-proof");
                    new_file(Path::new(&name))?
                }
            };
            if proof == output {
                bail!("--proof and -o name the same file");
            }
            Config::Excerpt(ExcerptConfig {
                session: a.session,
                segment: a.segment,
                from,
                to,
                output,
                proof,
                trust: trust(&a.trust)?,
                json: a.json,
            })
        }
        Command::VerifyFile(a) => Config::VerifyFile(VerifyFileConfig {
            media: input(&a.media, "media file", u64::MAX)?,
            proof: input(&a.proof, "proof file", PROOF_BYTES)?,
            trust: trust(&a.trust)?,
            origin: a.origin.as_deref().map(expected_origin).transpose()?,
            windows: a
                .windows
                .as_deref()
                .map(|p| input(p, "packet-window file", SIDECAR_BYTES))
                .transpose()?,
            strict: a.strict,
            json: a.json,
            quiet: Quiet::from_flags(a.quiet, a.status),
            html: html_output(a.html.html.as_deref(), a.html.force)?,
            command_line: ctx.command_line.clone(),
        }),
        Command::Event(a) => {
            if courtseal::format::entry::EventKind::parse(&a.kind).is_none() {
                bail!(courtseal::event::EventError::Kind(a.kind));
            }
            if a.reason.trim().is_empty() || a.reason.chars().any(char::is_control) {
                bail!("--reason: {}", courtseal::event::EventError::Reason);
            }
            Config::Event(EventConfig {
                at: match a.at.as_deref().map(clock_time) {
                    Some(Some((h, m, s))) => EventAt::Clock(h, m, s),
                    Some(None) => EventAt::Utc(event_time(a.at.as_deref(), ctx.now)?),
                    None => EventAt::Now(event_time(None, ctx.now)?),
                },
                now: ctx.now,
                force: a.force,
                wait: seconds("--wait", a.wait, AtLeast(0.0))?,
                key: input(&a.key, "key file", KEY_BYTES)?,
                recorder_key: a
                    .recorder_key
                    .as_deref()
                    .map(|p| input(p, "key file", KEY_BYTES))
                    .transpose()?,
                session: a.session,
                kind: a.kind,
                reason: a.reason,
            })
        }
        Command::Close(a) => Config::Close(CloseConfig {
            wait: seconds("--wait", a.wait, AtLeast(0.0))?,
            key: a
                .key
                .as_deref()
                .map(|p| input(p, "key file", KEY_BYTES))
                .transpose()?,
            session: a.session,
        }),
        Command::Series(a) => Config::Series(SeriesConfig {
            trust: a
                .trust
                .iter()
                .map(|p| input(p, "trust file", TRUST_BYTES))
                .collect::<Result<_>>()?,
            folder: a.folder,
            json: a.json,
        }),
        Command::Record(RecordCommand::Template) => Config::RecordTemplate,
        Command::Record(RecordCommand::Check { file }) => Config::RecordCheck {
            file: input(&file, "record file", RECORD_BYTES)?,
        },
        Command::Record(RecordCommand::Seal {
            session,
            key,
            recorder_key,
        }) => Config::RecordSeal {
            key: input(&key, "key file", KEY_BYTES)?,
            recorder_key: recorder_key
                .as_deref()
                .map(|p| input(p, "key file", KEY_BYTES))
                .transpose()?,
            session,
        },
        Command::Check(a) => Config::Check(CheckConfig {
            tolerance: seconds("--tolerance", a.tolerance, AtLeast(0.0))?,
            trust: trust(&a.trust)?,
            record: a
                .record
                .as_deref()
                .map(|p| input(p, "record file", RECORD_BYTES))
                .transpose()?,
            html: html_output(a.html.as_deref(), a.force)?,
            session: a.session,
            json: a.json,
            command_line: ctx.command_line.clone(),
        }),
        Command::Compare(a) => Config::Compare(CompareConfig {
            trust: trust(&a.trust)?,
            recording: a
                .recording
                .iter()
                .map(|p| input(p, "independent recording", u64::MAX))
                .collect::<Result<_>>()?,
            independent_session: a.independent_session,
            session: a.session,
            json: a.json,
            html: html_output(a.html.as_deref(), a.force)?,
            command_line: ctx.command_line.clone(),
        }),
        Command::Audit(a) => audit(a, ctx)?,
        Command::VerifyAct(a) => {
            let sig = a.sig.clone().unwrap_or_else(|| with_suffix(&a.act, ".sig"));
            Config::VerifyAct(VerifyActConfig {
                act: input(&a.act, "act file", ACT_BYTES)?,
                sig: input(&sig, "signature file", SIGNATURE_BYTES)?,
                trust: trust(&a.trust)?,
            })
        }
        Command::Export(a) => Config::Export(ExportConfig {
            trust: trust(&a.trust)?,
            bagit: new_file(&a.bagit)?,
            session: a.session,
            today: ctx.now.date().to_string(),
        }),
        Command::Retire(a) => {
            if a.basis.trim().is_empty() || a.basis.chars().any(char::is_control) {
                bail!("--basis: {}", courtseal::retire::RetireError::Basis);
            }
            Config::Retire(RetireConfig {
                retention: period("--retention", &a.retention)?,
                today: today(a.today.as_deref(), ctx.now)?,
                key: input(&a.key, "key file", KEY_BYTES)?,
                trust: trust(&a.trust)?,
                session: a.session,
                basis: a.basis,
                force: a.force,
                dry_run: a.dry_run,
            })
        }
        Command::Inspect(a) => Config::Inspect(InspectConfig {
            media: media(&a.media)?,
            file: input(&a.file, "media file", u64::MAX)?,
            json: a.json,
        }),
    })
}

fn audit(a: args::AuditArgs, ctx: &Context) -> Result<Config> {
    let trust = trust(&a.trust)?;
    if !a.archive.is_dir() {
        bail!("{}: not a folder", a.archive.display());
    }
    let retention = period("--retention", &a.retention)?;
    let due = period("--due-within", &a.due_within)?;
    let today = today(a.today.as_deref(), ctx.now)?;
    let due_within_days = add_period(today, due)
        .map(|d| (d - today).whole_days())
        .ok_or_else(|| anyhow!("--due-within {:?} leaves the calendar", a.due_within))?;
    let state = a
        .state
        .clone()
        .unwrap_or_else(|| PathBuf::from(".courtseal-audit-state.jsonl"));
    state_file(&state)?;
    let act = match &a.html {
        None => None,
        Some(html) => {
            let html = new_file(html)?;
            let sign = match &a.sign {
                None => None,
                Some(k) => Some((
                    input(k, "key file", KEY_BYTES)?,
                    new_file(&with_suffix(&html, ".sig"))?,
                )),
            };
            for (flag, v) in [
                ("--archivist", a.archivist.as_deref().unwrap_or("")),
                ("--archivist-role", a.archivist_role.as_str()),
            ] {
                if v.chars().any(char::is_control) {
                    bail!("{flag}: must be one line without control characters");
                }
            }
            Some(ActOutput {
                html,
                sign,
                archivist: a.archivist.clone().filter(|n| !n.trim().is_empty()),
                archivist_role: a.archivist_role.clone(),
            })
        }
    };
    Ok(Config::Audit(AuditConfig {
        archive: a.archive,
        trust,
        strict: a.strict,
        retention,
        due_within_days,
        today,
        resume: a.resume,
        state,
        act,
        json: a.json,
        progress: progress::resolve(ctx.stderr_is_terminal, ctx.is_ci),
        command_line: ctx.command_line.clone(),
    }))
}

/// The lower end of a range of seconds.
#[derive(Clone, Copy)]
enum Lower {
    /// The value may be this.
    AtLeast(f64),
    /// The value must be more than this.
    Above(f64),
}
use Lower::{Above, AtLeast};

/// A number as a person would write it: `1e30`, not thirty-one digits.
fn shown(v: f64) -> String {
    if v.is_finite() && (v == 0.0 || (1e-4..1e9).contains(&v.abs())) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Checks a number of seconds against `lower` and [`MAX_SECONDS`].
fn seconds(flag: &str, v: f64, lower: Lower) -> Result<Seconds> {
    let (ok, from) = match lower {
        AtLeast(m) => (v >= m, format!("from {m}")),
        Above(m) => (v > m, format!("above {m} and")),
    };
    if !(v.is_finite() && ok && v <= MAX_SECONDS) {
        bail!(
            "{flag} must be a number of seconds {from} up to {MAX_SECONDS}, not {}",
            shown(v)
        );
    }
    Ok(Seconds(v))
}

fn media(a: &args::MediaArgs) -> Result<MediaOptions> {
    if !(a.window.is_finite() && a.window >= 0.01 && a.window <= 3600.0) {
        bail!(
            "--window must be between 0.01 and 3600 seconds, not {}",
            shown(a.window)
        );
    }
    let silence_min = seconds("--silence-min", a.silence_min, Above(0.0))?;
    if !(a.silence_threshold.is_finite() && a.silence_threshold <= 0.0) {
        bail!(
            "--silence-threshold must be a level of at most 0 dBFS, not {}",
            shown(a.silence_threshold)
        );
    }
    Ok(MediaOptions {
        window_seconds: a.window,
        silence: (!a.no_silence).then_some(SilenceOptions {
            threshold_db: a.silence_threshold,
            min_seconds: silence_min.0,
        }),
        ..MediaOptions::default()
    })
}

/// Checks the origin of a new log: the library's rule (one line of
/// printable text without spaces or '+', so that it can also be a key name).
pub fn origin(s: &str) -> Result<Origin> {
    courtseal::format::origin::Origin::new(s)
        .map(|o| Origin(o.as_str().to_owned()))
        .map_err(|e| anyhow::anyhow!("--origin: {e}"))
}

/// Checks an origin a proof is expected to carry: logs sealed by earlier
/// versions may hold spaces, so only what no checkpoint can carry is refused.
pub fn expected_origin(s: &str) -> Result<Origin> {
    const WHAT: &str = "--origin must be one line of printable text";
    if s.is_empty() {
        bail!("--origin must not be empty: it names the log (e.g. court.example/district2/courtroom5/2026-11-20)");
    }
    if s.len() > MAX_ORIGIN_BYTES {
        bail!(
            "--origin must be at most {MAX_ORIGIN_BYTES} bytes long, not {} bytes",
            s.len()
        );
    }
    if let Some(c) = s.chars().find(|&c| courtseal::format::origin::hidden(c)) {
        bail!(
            "{WHAT}, without control characters, tabs, newlines or invisible formatting characters (it holds U+{:04X})",
            u32::from(c)
        );
    }
    Ok(Origin(s.to_owned()))
}

/// `--today`, or the date of `now`.
fn today(s: Option<&str>, now: OffsetDateTime) -> Result<Date> {
    let Some(s) = s else {
        return Ok(now.date());
    };
    let (from, to) = (YEARS.start(), YEARS.end());
    match courtseal::audit::parse_date(s) {
        Some(d) if YEARS.contains(&d.year()) => Ok(d),
        Some(_) => bail!("--today must be a date from {from}-01-01 to {to}-12-31, not {s:?}"),
        None => bail!("--today must be a date, YYYY-MM-DD, not {s:?}"),
    }
}

/// A period such as `1y`, `18m`, `90d` or `1y6m`, at most 100 years. The
/// same grammar as [`Retention::parse`], with checked sums.
fn period(flag: &str, s: &str) -> Result<Retention> {
    let r = Retention::parse(s).map_err(|e| anyhow!("{flag}: {e}"))?;
    // Retention::parse adds in 32 bits; sum again without overflow.
    let (mut months, mut days, mut num) = (0u64, 0u64, String::new());
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().unwrap_or(u64::MAX);
        num.clear();
        match c {
            'y' => months = months.saturating_add(n.saturating_mul(12)),
            'm' => months = months.saturating_add(n),
            _ => days = days.saturating_add(n),
        }
    }
    if months > MAX_PERIOD_MONTHS || days > MAX_PERIOD_DAYS {
        bail!("{flag} must be a period of at most 100 years (e.g. 1y, 18m or 60d), not {s:?}");
    }
    Ok(r)
}

/// `date` plus `p`, as [`Retention::after`] computes it, or `None` past
/// the calendar.
pub fn add_period(date: Date, p: Retention) -> Option<Date> {
    let months = i64::from(p.years) * 12 + i64::from(p.months);
    let total = i64::from(date.year()) * 12 + (date.month() as i64 - 1) + months;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day)
        .ok()?
        .checked_add(time::Duration::days(i64::from(p.days)))
}

/// `--at` (RFC 3339 with offset, in [`YEARS`] and at most a day ahead of the
/// clock), or now; in the UTC form of log entries.
/// The time an event states.
pub enum EventAt {
    /// No `--at`: now, in the UTC form of log entries.
    Now(String),
    /// A full time, in the UTC form of log entries.
    Utc(String),
    /// A clock time (hour, minute, second) on the session's date in the
    /// court's zone, resolved by the command, which reads the session.
    Clock(u8, u8, u8),
}

/// `14:30` or `14:30:15` as (hour, minute, second); `None` for anything else.
fn clock_time(s: &str) -> Option<(u8, u8, u8)> {
    let parts: Vec<&str> = s.trim().split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<u8>().ok());
    let (h, m, sec) = (n(0)?, n(1)?, n(2)?);
    (h < 24 && m < 60 && sec < 60).then_some((h, m, sec))
}

fn event_time(at: Option<&str>, now: OffsetDateTime) -> Result<String> {
    let Some(s) = at else {
        return Ok(courtseal::entry::format_time(now));
    };
    let t = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|_| anyhow!("--at: {}", courtseal::event::EventError::Time(s.to_owned())))?;
    let utc = t.checked_to_offset(time::UtcOffset::UTC);
    let latest = now + EVENT_AHEAD;
    match utc {
        Some(u) if YEARS.contains(&t.year()) && YEARS.contains(&u.year()) && u <= latest => {
            Ok(courtseal::entry::format_time(u))
        }
        _ => bail!(
            "--at must be a time from {}-01-01 up to a day from now (it states when the action happened), not {s:?}",
            YEARS.start()
        ),
    }
}

/// A file the command reads: it must be a regular file (a FIFO would hang
/// the run, a folder cannot be read) of at most `limit` bytes.
fn input(path: &Path, what: &str, limit: u64) -> Result<PathBuf> {
    let meta = std::fs::metadata(path)
        .map_err(|e| anyhow!("{}: cannot read the {what}: {e}", path.display()))?;
    let ft = meta.file_type();
    if ft.is_dir() {
        bail!("{}: is a folder, not a {what}", path.display());
    }
    if !ft.is_file() {
        bail!(
            "{}: not a regular file ({}); give the {what} itself",
            path.display(),
            special_kind(&ft)
        );
    }
    if meta.len() > limit {
        bail!(
            "{}: too large for a {what} ({} bytes, at most {limit})",
            path.display(),
            meta.len()
        );
    }
    Ok(path.to_owned())
}

fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "a device"
    } else {
        "not a file"
    }
}

/// A time in a recording: seconds (`95.5`), `M:SS(.s)` or `H:MM:SS(.s)`.
fn media_time(flag: &str, s: &str) -> Result<f64> {
    let bad = || {
        anyhow::anyhow!(
            "{flag} {s:?}: not a time in the recording; write seconds (95.5), M:SS (1:35.5) or H:MM:SS (0:01:35.5)"
        )
    };
    let parts: Vec<&str> = s.trim().split(':').collect();
    if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(bad());
    }
    let mut total = 0.0f64;
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if !p.bytes().all(|b| b.is_ascii_digit() || (last && b == b'.')) {
            return Err(bad());
        }
        let v: f64 = p.parse().map_err(|_| bad())?;
        if i > 0 && v >= 60.0 {
            return Err(bad());
        }
        total = total * 60.0 + v;
    }
    if !total.is_finite() || total > 1e7 {
        return Err(bad());
    }
    Ok(total)
}

fn trust(a: &args::TrustArgs) -> Result<Vec<PathBuf>> {
    a.trust
        .iter()
        .map(|p| input(p, "trust file", TRUST_BYTES))
        .collect()
}

/// The folder a new file goes into.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A file (or folder) the command will create: it must not exist (not even
/// as a dangling link), and its folder must exist and be writable, which is
/// tried by creating and removing a temporary file there.
/// A document to write: a new file, or with `force` an existing regular
/// file to replace (never a link, a folder or a device).
fn html_output(path: Option<&Path>, force: bool) -> Result<Option<HtmlOutput>> {
    let Some(path) = path else {
        return Ok(None);
    };
    match path.symlink_metadata() {
        Ok(m) if force && m.is_file() => {
            if path.file_name().is_none() {
                bail!("{}: not a file name", path.display());
            }
            writable_folder(path)?;
        }
        Ok(_) if force => bail!(
            "{}: not a regular file; refusing to replace it even with --force",
            path.display()
        ),
        Ok(_) => bail!(
            "{}: already exists; refusing to overwrite it (use --force to replace it)",
            path.display()
        ),
        Err(_) => {
            new_file(path)?;
        }
    }
    Ok(Some(HtmlOutput {
        path: path.to_owned(),
        force,
    }))
}

fn new_file(path: &Path) -> Result<PathBuf> {
    if path.file_name().is_none() {
        bail!("{}: not a file name", path.display());
    }
    if path.symlink_metadata().is_ok() {
        bail!(
            "{}: already exists; refusing to overwrite it",
            path.display()
        );
    }
    let dir = folder_of(path);
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!("{}: {} is not a folder", path.display(), dir.display()),
        Err(e) => bail!(
            "{}: cannot write into {}: {e}",
            path.display(),
            dir.display()
        ),
    }
    writable_folder(path)?;
    Ok(path.to_owned())
}

/// The audit's state file: a regular file if it exists, in a writable folder.
fn state_file(path: &Path) -> Result<()> {
    if let Ok(m) = path.symlink_metadata() {
        if !m.is_file() {
            bail!("{}: the audit state must be a regular file", path.display());
        }
    }
    writable_folder(path)
}

/// The folder `path` would be written into takes a new file: tried by
/// creating (and dropping, so removing) a temporary file there.
fn writable_folder(path: &Path) -> Result<()> {
    let dir = folder_of(path);
    tempfile::NamedTempFile::new_in(dir).map_err(|e| {
        anyhow!(
            "{}: cannot write into {}: {e}",
            path.display(),
            dir.display()
        )
    })?;
    Ok(())
}

/// `path` with `suffix` appended to its name (`act.html` -> `act.html.sig`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.to_owned().into_os_string();
    p.push(suffix);
    p.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Origins a C2SP checkpoint cannot carry, or that look like another.
    #[test]
    fn origin_refuses_what_a_checkpoint_cannot_carry() {
        for bad in [
            "",
            "a\tb",
            "a\nb",
            "a\rb",
            " a",
            "a ",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{202e}b",
            "a\u{200b}b",
            "a\u{2028}b",
            "Суд №2 зал 5",
            "a+b",
        ] {
            assert!(origin(bad).is_err(), "{bad:?} accepted");
        }
        assert!(expected_origin("Суд №2 зал 5").is_ok());
        assert!(expected_origin("a\tb").is_err());
        assert!(origin(&"a".repeat(courtseal::format::origin::MAX_LEN + 1)).is_err());
        for good in [
            "court.example/district2/courtroom5/2026-11-20",
            "Суд-№2/зал-5",
            &"a".repeat(courtseal::format::origin::MAX_LEN),
        ] {
            assert_eq!(origin(good).unwrap().as_str(), good);
        }
    }

    // The period sums must not wrap around in 32 bits ("4294967295y1y").
    #[test]
    fn period_refuses_sums_that_would_wrap() {
        assert!(period("--retention", "4294967295y1y").is_err());
        assert!(period("--retention", "1000000y").is_err());
        assert!(period("--retention", "36526d").is_err());
        let r = period("--retention", "100y").unwrap();
        assert_eq!((r.years, r.months, r.days), (100, 0, 0));
    }

    // add_period agrees with the library's Retention::after inside the calendar.
    #[test]
    fn add_period_matches_retention_after() {
        let d = Date::from_calendar_date(2024, time::Month::January, 31).unwrap();
        for s in ["1y", "1m", "13m", "1y6m10d", "0d", "100y"] {
            let r = Retention::parse(s).unwrap();
            assert_eq!(add_period(d, r), Some(r.after(d)), "{s}");
        }
        let end = Date::from_calendar_date(9999, time::Month::December, 31).unwrap();
        assert_eq!(add_period(end, Retention::parse("1d").unwrap()), None);
    }

    #[test]
    fn seconds_refuse_nan_inf_negative_and_huge() {
        for v in [f64::NAN, f64::INFINITY, -1.0, 1e30, MAX_SECONDS + 1.0] {
            assert!(seconds("--wait", v, AtLeast(0.0)).is_err(), "{v}");
        }
        assert!(seconds("--settle", 0.0, Above(0.0)).is_err());
        assert_eq!(
            seconds("--wait", 0.0, AtLeast(0.0)).unwrap().duration(),
            Duration::ZERO
        );
        let e = seconds("--wait", 1e30, AtLeast(0.0)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--wait must be a number of seconds from 0 up to 86400, not 1e30"
        );
    }
}
