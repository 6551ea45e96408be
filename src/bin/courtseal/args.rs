//! Command-line arguments, as clap parses them (the first stage). The doc
//! comment of each field is its `--help` text. Nothing here is checked beyond
//! its type: [`crate::config`] turns these raw flags into a checked
//! configuration before any work starts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Seal court-session recordings so that anyone holding the court's public key
/// can prove, offline, that a recording is complete and unaltered.
///
/// Exit status: 0 everything verified; 1 findings of severity error;
/// 2 operational failure (bad arguments, unreadable input, refused action).
#[derive(Debug, Parser)]
#[command(name = "courtseal", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Show times in this IANA zone, e.g. Asia/Almaty (default: the record's time_zone, else UTC)
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate and inspect Ed25519 keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write and explain a trust file: the court's keys, each with its role.
    ///
    /// A trust file has one 'ROLE VERIFIER-KEY' line per key (roles:
    /// recorder, operator, witness, archivist). The court publishes it; every
    /// verifying command takes it with --trust.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Seal a session folder: append every new segment to its log and sign a checkpoint.
    ///
    /// Every regular file below SESSION is a segment, except the tool's own
    /// SESSION/courtseal/ folder and a short-form record SESSION/record.toml.
    /// Running it again seals only the files that appeared since; nothing
    /// already sealed is ever rewritten.
    Seal(SealArgs),
    /// Add a fresh RFC 3161 timestamp over a session's latest checkpoint.
    ///
    /// Asks each TSA named by the tsa lines of the policy that has not
    /// timestamped that checkpoint yet. Use it to retry after a TSA was
    /// down, and to renew a session's timestamps before the TSA's
    /// certificate ends: the latest checkpoint commits to everything before.
    Timestamp(TimestampArgs),
    /// Verify a session folder: log, checkpoints and every segment.
    ///
    /// Reports every problem found in one run. Exit 0 when everything
    /// verified, 1 when any finding is an error, 2 when the session cannot be
    /// examined.
    Verify(VerifyArgs),
    /// Write an offline proof (C2SP tlog-proof) for one sealed segment.
    Proof(ProofArgs),
    /// Verify one downloaded segment (or an excerpt of one) with its proof
    /// and the court's public key.
    VerifyFile(VerifyFileArgs),
    /// Cut a stretch of a sealed segment by stream copy, with a proof that
    /// it is that stretch of the sealed recording and discloses nothing else.
    ///
    /// The session is verified first. The excerpt's packets are the sealed
    /// ones byte for byte; with video it starts on the keyframe at or before
    /// --from. The proof (OUTPUT.courtseal-proof) is checked with
    /// `courtseal verify-file OUTPUT --proof OUTPUT.courtseal-proof --trust KEY`.
    Excerpt(ExcerptArgs),
    /// Record an operator event (start, pause, resume, stop, failure, break,
    /// adjournment, note), signed with the operator's own key.
    ///
    /// While `seal --watch` runs, the service takes the event in and seals it
    /// within a second; otherwise it is appended to the log and covered by the
    /// next checkpoint (at once with --recorder-key).
    Event(EventArgs),
    /// Ask the running sealing service to close the session (or close it
    /// yourself with --key when no service runs).
    Close(CloseArgs),
    /// Check the chain of a courtroom's sessions in a folder: a deleted
    /// session shows as a broken link.
    Series(SeriesArgs),
    /// The short-form record: print a template, check a record file, or seal
    /// the finalised record into a session's log.
    #[command(subcommand)]
    Record(RecordCommand),
    /// Check a session against its short-form record: every second of the
    /// declared session must be covered by sealed recording or by a declared
    /// break or failure sealed at the time. Also runs everything verify checks.
    Check(CheckArgs),
    /// Audit every session below an archive folder: verify each in full (and
    /// check it against its record), in parallel, with retention deadlines.
    Audit(AuditArgs),
    /// Check the signature of an audit act.
    VerifyAct(VerifyActArgs),
    /// Export a session as a BagIt bag (RFC 8493) for long-term storage.
    Export(ExportArgs),
    /// After the retention deadline: record a signed destruction entry and
    /// delete the media, keeping the log, hashes and checkpoints.
    Retire(RetireArgs),
    /// Show what courtseal reads in a media file: streams, timing, packet
    /// windows, internal gaps and silence (nothing is written).
    Inspect(InspectArgs),
    /// Align an independent recording of the same room (a lawyer's
    /// dictaphone) with the sealed official one by its sound, and say which
    /// stretches either one lacks, on the session's wall clock.
    ///
    /// The session is verified first. Several files of one independent
    /// recording are given in order. The result is evidence to weigh, not a
    /// proof. Exit 1 when the official recording lacks a stretch the
    /// independent one has.
    Compare(CompareArgs),
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The session folder.
    pub session: PathBuf,
    /// The independent recording's files, in order (any format FFmpeg reads).
    #[arg(required = true, value_name = "RECORDING")]
    pub recording: Vec<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// The session folder in which the independent recording's owner sealed
    /// it (default: a courtseal session holding the file, if any).
    #[arg(long, value_name = "DIR")]
    pub independent_session: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write the comparison for people (HTML, prints on A4): both
    /// recordings on one timeline, the findings, what was compared.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Replace the --html file if it exists (default: refuse).
    #[arg(long, requires = "html")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct EventArgs {
    /// The session folder.
    pub session: PathBuf,
    /// Sign a stated time more than 10 minutes from now, or outside the session's record.
    #[arg(long)]
    pub force: bool,
    /// start, pause, resume, stop, failure, break, adjournment or note.
    pub kind: String,
    /// Why, in one line (e.g. "judge ordered a 15-minute break").
    #[arg(long)]
    pub reason: String,
    /// The operator's own private key (who did this is what it proves).
    #[arg(long)]
    pub key: PathBuf,
    /// When the action happened (default: now): RFC 3339 with offset, or a
    /// clock time HH:MM[:SS] on the session's date in the court's time zone.
    #[arg(long)]
    pub at: Option<String>,
    /// When no service runs: the recorder key, to sign a checkpoint at once.
    #[arg(long, value_name = "KEY")]
    pub recorder_key: Option<PathBuf>,
    /// How long to wait for a running service to seal the event.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub wait: f64,
}

#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Print a commented template of record.toml.
    Template,
    /// Check a record file (TOML, or JSON), naming the field and line of each problem.
    Check {
        /// The record file.
        file: PathBuf,
    },
    /// Sign the session's finalised record (its record.toml or record.json)
    /// into its log, as the next revision: from then on `check` uses the
    /// sealed record, and retention deadlines come from its
    /// verdict-in-force date. A correction is sealed the same way, after the
    /// file is corrected; nothing is ever rewritten.
    Seal {
        /// The session folder.
        session: PathBuf,
        /// The operator's own private key (the secretary's or the court office's).
        #[arg(long)]
        key: PathBuf,
        /// The recorder key, to sign the checkpoint that makes the record
        /// count at once (required once the session is closed).
        #[arg(long, value_name = "KEY")]
        recorder_key: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The session folder.
    pub session: PathBuf,
    /// The short-form record (default: SESSION/record.toml).
    #[arg(long)]
    pub record: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Gaps and offsets up to this many seconds are not reported.
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub tolerance: f64,
    /// Also write a self-contained HTML report for people (prints on A4).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Replace the --html file if it exists (default: refuse).
    #[arg(long, requires = "html")]
    pub force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The archive folder (sessions anywhere below it).
    pub archive: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Retention period after the verdict enters into force (e.g. 1y, 5y, 18m, 90d).
    #[arg(long, default_value = "1y")]
    pub retention: String,
    /// List sessions whose deadline falls within this period (e.g. 60d).
    #[arg(long, default_value = "0d")]
    pub due_within: String,
    /// Only byte-identical segments pass: a file whose container was
    /// rewritten (every packet identical) makes its session damaged.
    #[arg(long)]
    pub strict: bool,
    /// Go on from an interrupted audit: sessions already audited and unchanged are not rehashed.
    /// Needs --sign with the key the interrupted run was given: only results it signed are taken.
    #[arg(long)]
    pub resume: bool,
    /// Where the audit records its progress (default: .courtseal-audit-state.jsonl in the current folder).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Write the act of the audit for people (HTML).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Sign the act with an archivist's key (writes FILE.sig next to the act).
    #[arg(long, value_name = "KEY", requires = "html")]
    pub sign: Option<PathBuf>,
    /// The archivist's name as printed in the act's signature block.
    #[arg(long, value_name = "NAME", requires = "html")]
    pub archivist: Option<String>,
    /// The archivist's post as printed in the act's signature block.
    #[arg(
        long,
        value_name = "POST",
        default_value = "archivist",
        requires = "html"
    )]
    pub archivist_role: String,
    /// The date of the audit, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub today: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyActArgs {
    /// The act file (HTML).
    pub act: PathBuf,
    /// Its signature (default: ACT.sig).
    #[arg(long)]
    pub sig: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The session folder.
    pub session: PathBuf,
    /// Write a BagIt bag to this folder (must not exist).
    #[arg(long, value_name = "OUT")]
    pub bagit: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
}

#[derive(Debug, Args)]
pub struct RetireArgs {
    /// The session folder.
    pub session: PathBuf,
    /// The archivist's private key.
    #[arg(long)]
    pub key: PathBuf,
    /// The legal basis for the destruction, one line.
    #[arg(long)]
    pub basis: String,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Retention period after the verdict enters into force.
    #[arg(long, default_value = "1y")]
    pub retention: String,
    /// Retire even before the deadline or with open findings.
    #[arg(long)]
    pub force: bool,
    /// List what would be deleted, after every check, and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The date to judge the deadline by, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub today: Option<String>,
}

#[derive(Debug, Args)]
pub struct SeriesArgs {
    /// The folder holding the session folders.
    pub folder: PathBuf,
    /// Trusted keys: each session's checkpoints are verified, and a link is
    /// followed only to a checkpoint that verifies against that session's
    /// current log. Without it, links are matched by file hash alone.
    #[arg(long, value_name = "FILE")]
    pub trust: Vec<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The session folder.
    pub session: PathBuf,
    /// The recorder key, to close a session no service is sealing.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// How long to wait for the running service to close.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub wait: f64,
}

#[derive(Debug, Args, Clone)]
pub struct MediaArgs {
    /// Length of a packet window, in seconds of media time.
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    pub window: f64,
    /// Audio quieter than this (RMS over 10 ms, dBFS) counts as near-silence.
    #[arg(long, default_value_t = -60.0, value_name = "DB", allow_hyphen_values = true)]
    pub silence_threshold: f64,
    /// Report runs of silence at least this long.
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub silence_min: f64,
    /// Do not decode audio to look for silence.
    #[arg(long)]
    pub no_silence: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The media file.
    pub file: PathBuf,
    #[command(flatten)]
    pub media: MediaArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Add a key in a role to a trust file (created if missing).
    Add {
        /// recorder, operator, witness or archivist.
        role: String,
        /// The key: a .vkey, .pub or .key file (only its public part is written).
        keyfile: PathBuf,
        /// The trust file to add it to.
        #[arg(long, value_name = "FILE", default_value = "trust.txt")]
        trust: PathBuf,
    },
    /// Explain a trust file: each key, its role and what it may sign, and the file's SHA-256.
    Show {
        /// The trust file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a key: DIR/NAME.key (private, mode 0600), DIR/NAME.pub and DIR/NAME.vkey.
    Generate {
        /// The key's name, in signatures and as the file name.
        ///
        /// A key name is letters, digits and '.', '-', '_' (no spaces, '+' or
        /// '/'), not starting with '.'. A dotted name that says whose key it
        /// is, e.g. courtroom5.district2.court.example.
        #[arg(long)]
        name: String,
        /// Folder to write the three files into (created if missing).
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Print a key's name, key ID and verifier key (.key, .pub or .vkey).
    Show {
        /// The key file.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct SealArgs {
    /// The session folder.
    pub session: PathBuf,
    /// The recorder's private key (PKCS#8 PEM, mode 0600).
    #[arg(long)]
    pub key: PathBuf,
    /// The log's origin: a unique name for this session's log.
    ///
    /// Required when the session is sealed for the first time; afterwards it
    /// must match the log's origin if given.
    #[arg(long)]
    pub origin: Option<String>,
    /// The same recorder's previous session's final checkpoint file, to chain sessions.
    #[arg(long, conflicts_with = "series")]
    pub previous: Option<PathBuf>,
    /// A folder of this courtroom's sessions: the previous session sealed
    /// with the same key is found there and chained to.
    #[arg(long, value_name = "DIR")]
    pub series: Option<PathBuf>,
    /// Keep running: seal each segment as the recorder finishes it, with
    /// heartbeats, until Ctrl-C, SIGTERM or `courtseal close`.
    #[arg(long)]
    pub watch: bool,
    /// With --watch: a file whose size has not changed for this long is finished.
    #[arg(
        long,
        default_value_t = 10.0,
        value_name = "SECONDS",
        requires = "watch"
    )]
    pub settle: f64,
    /// With --watch: seconds between heartbeat entries.
    #[arg(
        long,
        default_value_t = 30.0,
        value_name = "SECONDS",
        requires = "watch"
    )]
    pub heartbeat: f64,
    /// With --watch: stop sealing, with a disk.nearly_full line, when the session's disk has less than MB free.
    #[arg(long, value_name = "MB", requires = "watch")]
    pub min_free: Option<u64>,
    #[command(flatten)]
    pub media: MediaArgs,
    /// A trust file whose tsa lines name the timestamping authorities asked
    /// for an RFC 3161 timestamp over each new checkpoint, and whose
    /// `witness VKEY URL` lines name the tlog-witnesses (litewitness) asked
    /// to cosign it. Repeat for several. A TSA or witness that is down never
    /// stops sealing.
    #[arg(long, value_name = "TRUST-FILE")]
    pub policy: Vec<PathBuf>,
    /// The courtroom's ledger folder: each session checkpoint is appended
    /// to it, and its checkpoints (not the session's) go to the witnesses
    /// of --policy. A ledger that cannot be written never stops sealing.
    #[arg(long, value_name = "DIR", requires = "ledger_key")]
    pub ledger: Option<PathBuf>,
    /// The ledger's own private key (not the recorder key); its name is the
    /// ledger's origin.
    #[arg(long, value_name = "FILE", requires = "ledger")]
    pub ledger_key: Option<PathBuf>,
    /// The ledger's origin, needed when the ledger is new (e.g.
    /// court.example/district2/courtroom5); afterwards it must match.
    #[arg(long, value_name = "ORIGIN", requires = "ledger")]
    pub ledger_origin: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TimestampArgs {
    /// The session folder.
    pub session: PathBuf,
    /// A trust file whose tsa lines name the TSAs to ask. Repeat for several.
    #[arg(long, required = true, value_name = "TRUST-FILE")]
    pub policy: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// A trusted key: a .vkey or .pub file (a recorder key), or a trust file
    /// of 'ROLE VERIFIER-KEY' lines. Repeat for several.
    #[arg(long, required = true, value_name = "FILE")]
    pub trust: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The session folder.
    pub session: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Check the log and checkpoints only, without hashing the segment files.
    #[arg(long)]
    pub log_only: bool,
    /// Only byte-identical segments pass: a file whose container was
    /// rewritten (every packet identical) is an error.
    #[arg(long)]
    pub strict: bool,
    /// A checkpoint you kept (saved at the hearing, or a .tlog-proof or
    /// .courtseal-proof you were given): the log must still extend it, unchanged.
    #[arg(long, value_name = "CHECKPOINT_FILE")]
    pub since: Option<PathBuf>,
    /// Print the result as JSON (schema in docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// Print only a failure (like sha256sum -c --quiet): nothing when it verifies.
    #[arg(long, conflicts_with_all = ["json", "status"])]
    pub quiet: bool,
    /// Print nothing: the exit status alone says the result (0 verified, 1 not, 2 could not check).
    #[arg(long, conflicts_with = "json")]
    pub status: bool,
    #[command(flatten)]
    pub html: HtmlArgs,
}

#[derive(Debug, Args)]
pub struct HtmlArgs {
    /// Also write a certificate of verification for people (HTML, prints on A4).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Replace the --html file if it exists (default: refuse).
    #[arg(long, requires = "html")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ProofArgs {
    /// The session folder.
    pub session: PathBuf,
    /// The segment's name in the session (as listed by verify).
    pub segment: String,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Where to write the proof (conventionally NAME.tlog-proof); its
    /// packet windows go next to it as NAME.windows.jsonl.
    #[arg(short, long, required_unless_present = "bundle")]
    pub output: Option<PathBuf>,
    /// Also (or instead) write one file holding the proof, the packet
    /// windows and the checkpoint (conventionally NAME.courtseal-proof),
    /// which verify-file takes as --proof.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExcerptArgs {
    /// The session folder.
    pub session: PathBuf,
    /// The segment's name in the session (as listed by verify).
    pub segment: String,
    /// Start, in the segment's media time: seconds (95.5), or M:SS or H:MM:SS(.s).
    #[arg(long, value_name = "TIME")]
    pub from: String,
    /// End, in the segment's media time.
    #[arg(long, value_name = "TIME")]
    pub to: String,
    /// The excerpt file to write (its type follows its extension: use the
    /// segment's own, e.g. .m4a, .mp4, .wav).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Where to write the proof (default: OUTPUT.courtseal-proof).
    #[arg(long, value_name = "FILE")]
    pub proof: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyFileArgs {
    /// The downloaded media file.
    pub media: PathBuf,
    /// Its proof file: a .tlog-proof, or a .courtseal-proof bundle (a whole
    /// segment's or an excerpt's).
    #[arg(long)]
    pub proof: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// The log origin you expect (refuse a proof from any other log).
    #[arg(long)]
    pub origin: Option<String>,
    /// The segment's packet-window sidecar (default: NAME.windows.jsonl next
    /// to NAME.tlog-proof, as `courtseal proof` writes it). Used only to say
    /// what changed when the file does not match.
    #[arg(long, value_name = "FILE")]
    pub windows: Option<PathBuf>,
    /// Only a byte-identical file passes: a file whose container was
    /// rewritten (every packet identical) is an error.
    #[arg(long)]
    pub strict: bool,
    /// Print the result as JSON (schema in docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// Print only a failure (like sha256sum -c --quiet): nothing when it verifies.
    #[arg(long, conflicts_with_all = ["json", "status"])]
    pub quiet: bool,
    /// Print nothing: the exit status alone says the result (0 verified, 1 not, 2 could not check).
    #[arg(long, conflicts_with = "json")]
    pub status: bool,
    #[command(flatten)]
    pub html: HtmlArgs,
}
