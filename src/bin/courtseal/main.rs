//! The `courtseal` command: parses arguments, runs the library, prints, and
//! maps the outcome to an exit code. No verification logic lives here.

mod cli;
mod exit;
mod output;

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Parser as _;

use courtseal::finding::has_errors;
use courtseal::keys::{self, TrustStore};
use courtseal::note::Verifier;
use courtseal::{proof, session, verify};

use cli::{Cli, Command, KeysCommand};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::FAILURE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let mut msg = format!("courtseal: error: {e}");
            for cause in e.chain().skip(1) {
                // Library errors already name their cause in their message.
                let cause = cause.to_string();
                if !msg.contains(&cause) {
                    msg.push_str(&format!(": {cause}"));
                }
            }
            let _ = writeln!(std::io::stderr(), "{msg}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

/// Writes to standard output; a closed pipe (e.g. `| head`) is not an error.
fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn load_trust(files: &[std::path::PathBuf]) -> Result<TrustStore> {
    let mut t = TrustStore::new();
    for f in files {
        t.load(f)?;
    }
    Ok(t)
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Keys(KeysCommand::Generate { name, out }) => {
            let g = keys::generate(&name, &out)?;
            emit(&format!(
                "private key  {}  (mode 0600: keep it secret)\npublic key   {}\nverifier key {}\n             {}\n",
                g.private.display(),
                g.public.display(),
                g.vkey.display(),
                g.verifier.to_vkey()
            ))?;
            Ok(exit::OK)
        }
        Command::Keys(KeysCommand::Show { file }) => {
            let (kind, v): (&str, Verifier) = if is_private(&file) {
                (
                    "Ed25519 private key (PKCS#8)",
                    keys::load_signer(&file)?.verifier().clone(),
                )
            } else {
                ("Ed25519 public key", keys::load_verifier(&file)?)
            };
            emit(&format!(
                "file         {}\nkind         {kind}\nname         {}\nkey ID       {:08x}\nverifier key {}\n",
                file.display(),
                v.name(),
                v.key_id(),
                v.to_vkey()
            ))?;
            Ok(exit::OK)
        }
        Command::Seal(a) => {
            let signer = keys::load_signer(&a.key)?;
            // A half-edited record must never stop the recording being sealed.
            let mut fields = session::HeaderFields::from_record(&a.session).unwrap_or_else(|e| {
                eprintln!(
                    "courtseal: warning: {e}; the session header is written without its fields"
                );
                session::HeaderFields::default()
            });
            if let Some(prev) = &a.previous {
                let bytes = std::fs::read(prev)
                    .with_context(|| format!("{}: cannot read", prev.display()))?;
                fields.previous = Some(courtseal::digest::Sha256Digest::of(&bytes).to_hex());
            }
            if let Some(dir) = &a.series {
                let vkey = signer.verifier().to_vkey();
                let found = courtseal::series::previous_in_series(dir, &vkey, &a.session)
                    .with_context(|| format!("{}: cannot read the series folder", dir.display()))?;
                if let Some((file, hash)) = found {
                    eprintln!(
                        "courtseal: chaining to the previous session's checkpoint {}",
                        file.display()
                    );
                    fields.previous = Some(hash);
                }
            }
            let opts = media_options(&a.media)?;
            if a.watch {
                return watch(&a, &signer, &fields, opts);
            }
            let outcome = session::seal(&a.session, &signer, a.origin.as_deref(), &fields, &opts)?;
            let text = if a.json {
                output::seal_json(&a.session, &outcome)
            } else {
                output::seal_text(&a.session, &outcome, &signer)
            };
            emit(&text)?;
            Ok(if has_errors(&outcome.skipped) {
                exit::FINDINGS
            } else {
                exit::OK
            })
        }
        Command::Event(a) => {
            let operator = keys::load_signer(&a.key)?;
            let origin = session::origin_of(&a.session)?;
            let at = match &a.at {
                Some(t) => courtseal::event::parse_time(t)?,
                None => courtseal::entry::now_utc(),
            };
            let ev = courtseal::event::make_event(&operator, &origin, &a.kind, &at, &a.reason)?;
            let paths = session::SessionPaths::new(&a.session);
            match session::lock_session(&paths) {
                Ok(lock) => {
                    drop(lock);
                    let ev = session::append_event(&a.session, ev)?;
                    let mut text = format!(
                        "event {} by {} at {} appended (sealed at {})\n",
                        ev.event,
                        operator.name(),
                        ev.at,
                        ev.sealed_at
                    );
                    if let Some(rk) = &a.recorder_key {
                        let recorder = keys::load_signer(rk)?;
                        let mut sealer = session::Sealer::open(
                            &a.session,
                            &recorder,
                            None,
                            &session::HeaderFields::default(),
                        )?;
                        if let Some(cp) = sealer.checkpoint()? {
                            text.push_str(&format!("checkpoint signed: {} entries\n", cp.size));
                        }
                    } else {
                        text.push_str("no sealing service is running: the next 'courtseal seal' signs a checkpoint over it\n");
                    }
                    emit(&text)?;
                }
                Err(session::SealError::Locked(_)) => {
                    let file = courtseal::watch::queue_event(&paths, &ev)?;
                    let deadline = std::time::Instant::now()
                        + std::time::Duration::from_secs_f64(a.wait.max(0.0));
                    while file.exists() && std::time::Instant::now() < deadline {
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    if file.exists() {
                        anyhow::bail!(
                            "{}: the sealing service has not taken the event in within {} s; it stays queued in {}",
                            a.session.display(),
                            a.wait,
                            file.display()
                        );
                    }
                    if file.with_extension("refused").exists() {
                        anyhow::bail!(
                            "{}: the sealing service refused the event",
                            a.session.display()
                        );
                    }
                    emit(&format!(
                        "event {} by {} at {} sealed by the running service\n",
                        ev.event,
                        operator.name(),
                        ev.at
                    ))?;
                }
                Err(e) => return Err(e.into()),
            }
            Ok(exit::OK)
        }
        Command::Close(a) => {
            let paths = session::SessionPaths::new(&a.session);
            if !a.session.is_dir() {
                return Err(session::SealError::NotASession(a.session.clone()).into());
            }
            if !paths.log.exists() {
                anyhow::bail!(
                    "{}: this folder was never sealed; there is nothing to close",
                    a.session.display()
                );
            }
            match session::lock_session(&paths) {
                Err(session::SealError::Locked(_)) => {
                    let req = courtseal::watch::close_request(&paths);
                    std::fs::write(&req, b"close\n")
                        .with_context(|| format!("{}: cannot write", req.display()))?;
                    let deadline = std::time::Instant::now()
                        + std::time::Duration::from_secs_f64(a.wait.max(0.0));
                    while std::time::Instant::now() < deadline {
                        if session::lock_session(&paths).is_ok() {
                            emit(&format!(
                                "{}: closed by the sealing service\n",
                                a.session.display()
                            ))?;
                            return Ok(exit::OK);
                        }
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                    anyhow::bail!(
                        "{}: the sealing service has not closed the session within {} s",
                        a.session.display(),
                        a.wait
                    )
                }
                Ok(lock) => {
                    drop(lock);
                    let Some(k) = &a.key else {
                        anyhow::bail!("{}: no sealing service is running; give --key RECORDER_KEY to close it yourself", a.session.display());
                    };
                    let signer = keys::load_signer(k)?;
                    let mut sealer = session::Sealer::open(
                        &a.session,
                        &signer,
                        None,
                        &session::HeaderFields::default(),
                    )?;
                    if sealer.last_kind() == Some("close") {
                        anyhow::bail!("{}: the session is already closed", a.session.display());
                    }
                    let close = courtseal::entry::CloseEntry {
                        v: courtseal::entry::VERSION,
                        kind: "close".into(),
                        at: courtseal::entry::now_utc(),
                        segments: sealer.segments(),
                        reason: "close-command".into(),
                    };
                    sealer.append(&[courtseal::entry::to_line(&close)])?;
                    let cp = sealer.checkpoint()?;
                    emit(&format!(
                        "{}: closed ({} entries)\n",
                        a.session.display(),
                        cp.map_or(sealer.size(), |c| c.size)
                    ))?;
                    Ok(exit::OK)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Record(cli::RecordCommand::Template) => {
            emit(courtseal::record::TEMPLATE)?;
            Ok(exit::OK)
        }
        Command::Record(cli::RecordCommand::Check { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("{}: cannot read", file.display()))?;
            match courtseal::record::parse(&text) {
                Ok(r) => {
                    emit(&format!(
                        "{}: valid short-form record: case {}, {} to {}, {} break(s), {} failure(s), {} appearance(s)\n",
                        file.display(),
                        r.case,
                        r.start.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                        r.end.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                        r.breaks.len(),
                        r.failures.len(),
                        r.appearances.len()
                    ))?;
                    Ok(exit::OK)
                }
                Err(errs) => {
                    let mut out = String::new();
                    for e in &errs {
                        out.push_str(&format!("{}: {e}\n", file.display()));
                    }
                    emit(&out)?;
                    Ok(exit::FINDINGS)
                }
            }
        }
        Command::Check(a) => {
            let trust = load_trust(&a.trust.trust)?;
            let record_path = a.record.clone().unwrap_or_else(|| {
                let json = a.session.join("record.json");
                if !a.session.join("record.toml").exists() && json.exists() {
                    json
                } else {
                    a.session.join("record.toml")
                }
            });
            let text = std::fs::read_to_string(&record_path).with_context(|| {
                format!(
                    "{}: cannot read the short-form record",
                    record_path.display()
                )
            })?;
            let record = courtseal::record::parse(&text).map_err(|errs| {
                let list: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
                anyhow::anyhow!(
                    "{}: not a valid short-form record: {}",
                    record_path.display(),
                    list.join("; ")
                )
            })?;
            if !(a.tolerance.is_finite() && a.tolerance >= 0.0) {
                anyhow::bail!(
                    "--tolerance must be a number of seconds, not {}",
                    a.tolerance
                );
            }
            let opts = courtseal::timeline::CheckOptions {
                tolerance: std::time::Duration::from_secs_f64(a.tolerance),
                ..Default::default()
            };
            let r = courtseal::timeline::check_session(&a.session, &record, &trust, &opts)?;
            // The command as typed, with the program shown by its name only.
            let mut command: Vec<String> = std::env::args().collect();
            if let Some(first) = command.first_mut() {
                *first = "courtseal".to_owned();
            }
            if let Some(html) = &a.html {
                let page = courtseal::report::html(
                    &r,
                    &trust,
                    &command.join(" "),
                    env!("CARGO_PKG_VERSION"),
                );
                let dir = match html.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let mut tmp = tempfile::NamedTempFile::new_in(dir)
                    .with_context(|| format!("{}: cannot write", html.display()))?;
                tmp.write_all(page.as_bytes())?;
                tmp.persist(html)
                    .map_err(|e| anyhow::anyhow!("{}: {}", html.display(), e.error))?;
            }
            emit(&if a.json {
                output::check_json(&r)
            } else {
                output::check_text(&r)
            })?;
            Ok(if has_errors(&r.all_findings()) {
                exit::FINDINGS
            } else {
                exit::OK
            })
        }
        Command::Audit(a) => audit(a),
        Command::VerifyAct(a) => {
            let trust = load_trust(&a.trust.trust)?;
            let sig = a.sig.clone().unwrap_or_else(|| {
                let mut p = a.act.clone().into_os_string();
                p.push(".sig");
                p.into()
            });
            let act = std::fs::read(&a.act)
                .with_context(|| format!("{}: cannot read", a.act.display()))?;
            let note = std::fs::read(&sig)
                .with_context(|| format!("{}: cannot read the signature", sig.display()))?;
            let name = a
                .act
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match courtseal::audit::verify_act(&act, &name, &note, &trust) {
                Ok(s) => {
                    emit(&format!(
                        "{}: VERIFIED. Signed by archivist {} at {} for archive {}: {}\n",
                        a.act.display(),
                        s.signer,
                        s.at,
                        s.archive,
                        s.summary
                    ))?;
                    Ok(exit::OK)
                }
                Err(e) => {
                    emit(&format!(
                        "{}: NOT VERIFIED. act.bad_signature: {e}\n",
                        a.act.display()
                    ))?;
                    Ok(exit::FINDINGS)
                }
            }
        }
        Command::Export(a) => {
            let today = time::OffsetDateTime::now_utc().date().to_string();
            let bag =
                courtseal::bag::export(&a.session, &a.bagit, env!("CARGO_PKG_VERSION"), &today)?;
            emit(&format!(
                "wrote BagIt bag {}: {} payload files, {} bytes, log and checkpoints as tag files in courtseal/\n",
                bag.path.display(),
                bag.files,
                bag.bytes
            ))?;
            Ok(exit::OK)
        }
        Command::Retire(a) => {
            let archivist = keys::load_signer(&a.key)?;
            let trust = load_trust(&a.trust.trust)?;
            let retention =
                courtseal::audit::Retention::parse(&a.retention).map_err(anyhow::Error::msg)?;
            let today = today(a.today.as_deref())?;
            let r = courtseal::retire::retire(
                &a.session, &archivist, &trust, &a.basis, retention, today, a.force,
            )?;
            emit(&format!(
                "{}: retired by {} at {}: {} media file(s) deleted; the log, packet windows and checkpoints are kept (checkpoint {} entries)\n",
                a.session.display(),
                archivist.name(),
                r.entry.at,
                r.deleted.len(),
                r.checkpoint.size
            ))?;
            Ok(exit::OK)
        }
        Command::Series(a) => {
            let r = courtseal::series::check_series(&a.folder).with_context(|| {
                format!("{}: cannot read the series folder", a.folder.display())
            })?;
            emit(&if a.json {
                output::series_json(&r)
            } else {
                output::series_text(&r)
            })?;
            Ok(if has_errors(&r.findings) {
                exit::FINDINGS
            } else {
                exit::OK
            })
        }
        Command::Verify(a) => {
            let trust = load_trust(&a.trust.trust)?;
            let opts = verify::VerifyOptions {
                check_media: !a.log_only,
            };
            let report = verify::verify_session(&a.session, &trust, opts)?;
            emit(&if a.json {
                output::verify_json(&report)
            } else {
                output::verify_text(&report)
            })?;
            Ok(if has_errors(&report.findings) {
                exit::FINDINGS
            } else {
                exit::OK
            })
        }
        Command::Proof(a) => {
            let p = proof::make_proof(&a.session, &a.segment)?;
            let sidecar = proof::sidecar_for(&a.session, &p);
            let sidecar_to = proof::sidecar_path_for(&a.output);
            for target in std::iter::once(&a.output).chain(sidecar.as_ref().map(|_| &sidecar_to)) {
                if target.exists() {
                    anyhow::bail!(
                        "{}: already exists; refusing to overwrite it",
                        target.display()
                    );
                }
            }
            write_new_file(&a.output, &p.to_text())?;
            emit(&format!(
                "wrote {}: segment {} (log entry {} of {}), checkpoint included\n",
                a.output.display(),
                a.segment,
                p.index + 1,
                courtseal::checkpoint::Checkpoint::parse(
                    &courtseal::note::split(&p.checkpoint)
                        .map(|(t, _)| t)
                        .unwrap_or_default()
                )
                .map(|c| c.size)
                .unwrap_or(0)
            ))?;
            if let Some(sidecar) = sidecar {
                let to = sidecar_to;
                let bytes = std::fs::read(&sidecar)
                    .with_context(|| format!("{}: cannot read", sidecar.display()))?;
                write_new_file(&to, &bytes)?;
                emit(&format!("wrote {}: the segment's packet windows (lets verify-file say what changed in a copy)\n", to.display()))?;
            }
            Ok(exit::OK)
        }
        Command::Inspect(a) => {
            let opts = media_options(&a.media)?;
            let analysis = courtseal::media::analyze(&a.file, &opts, false)
                .map_err(|e| anyhow::anyhow!("{}: media.unreadable: {e}", a.file.display()))?;
            emit(&if a.json {
                output::inspect_json(&a.file, &analysis)
            } else {
                output::inspect_text(&a.file, &analysis)
            })?;
            Ok(exit::OK)
        }
        Command::VerifyFile(a) => {
            let trust = load_trust(&a.trust.trust)?;
            let r = proof::verify_file(
                &a.media,
                &a.proof,
                &trust,
                a.origin.as_deref(),
                a.windows.as_deref(),
            )?;
            emit(&if a.json {
                output::file_json(&r)
            } else {
                output::file_text(&r)
            })?;
            Ok(if has_errors(&r.findings) {
                exit::FINDINGS
            } else {
                exit::OK
            })
        }
    }
}

/// `seal --watch`: runs the service until Ctrl-C, SIGTERM or `courtseal close`.
fn watch(
    a: &cli::SealArgs,
    signer: &courtseal::note::NoteSigner,
    fields: &session::HeaderFields,
    media: courtseal::media::MediaOptions,
) -> Result<u8> {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    let secs = |v: f64, what: &str| -> Result<std::time::Duration> {
        if !(v.is_finite() && v > 0.0 && v <= 86400.0) {
            anyhow::bail!("--{what} must be a positive number of seconds, not {v}");
        }
        Ok(std::time::Duration::from_secs_f64(v))
    };
    let opts = courtseal::watch::WatchOptions {
        settle: secs(a.settle, "settle")?,
        heartbeat: secs(a.heartbeat, "heartbeat")?,
        poll: std::time::Duration::from_millis(250),
        media,
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("cannot install the signal handler")?;
    }
    let mut report = |ev: courtseal::watch::WatchEvent| {
        let _ = emit(&output::watch_line(&ev));
    };
    courtseal::watch::watch(
        &a.session,
        signer,
        a.origin.as_deref(),
        fields,
        &opts,
        &stop,
        &mut report,
    )?;
    Ok(exit::OK)
}

fn today(s: Option<&str>) -> Result<time::Date> {
    match s {
        None => Ok(time::OffsetDateTime::now_utc().date()),
        Some(s) => courtseal::audit::parse_date(s)
            .ok_or_else(|| anyhow::anyhow!("--today must be a date, YYYY-MM-DD, not {s:?}")),
    }
}

/// Progress of an audit: a bar on a terminal, plain lines otherwise (and under CI).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: std::sync::atomic::AtomicU64,
    done: std::sync::atomic::AtomicU64,
    files: std::sync::atomic::AtomicU64,
    sessions: std::sync::atomic::AtomicU64,
    started: std::time::Instant,
    last_line: std::sync::Mutex<std::time::Instant>,
}

impl courtseal::audit::AuditProgress for Progress {
    fn start(&self, bytes: u64, files: u64) {
        use std::sync::atomic::Ordering;
        self.total.store(bytes, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.set_length(bytes);
            b.set_message(format!("0/{files} files"));
        } else {
            eprintln!("audit: {files} files, {} MiB to check", bytes >> 20);
        }
        self.files.store(0, Ordering::Relaxed);
        let _ = files;
    }
    fn file_done(&self, bytes: u64) {
        use std::sync::atomic::Ordering;
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(b) => {
                b.set_position(done);
                b.set_message(format!("{files} files"));
            }
            None => {
                let mut last = self.last_line.lock().expect("lock");
                if last.elapsed() >= std::time::Duration::from_secs(5) {
                    *last = std::time::Instant::now();
                    let secs = self.started.elapsed().as_secs_f64().max(0.001);
                    let total = self.total.load(Ordering::Relaxed);
                    let rate = done as f64 / secs;
                    let eta = if rate > 0.0 {
                        (total.saturating_sub(done)) as f64 / rate
                    } else {
                        0.0
                    };
                    eprintln!(
                        "audit: {} of {} MiB, {files} files, {:.0} MiB/s, about {:.0} s left",
                        done >> 20,
                        total >> 20,
                        rate / 1048576.0,
                        eta
                    );
                }
            }
        }
    }
    fn session_done(&self, _session: &str) {
        self.sessions
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

fn audit(a: cli::AuditArgs) -> Result<u8> {
    use std::io::IsTerminal as _;
    let trust = load_trust(&a.trust.trust)?;
    if !a.archive.is_dir() {
        anyhow::bail!("{}: not a folder", a.archive.display());
    }
    let retention = courtseal::audit::Retention::parse(&a.retention).map_err(anyhow::Error::msg)?;
    let due = courtseal::audit::Retention::parse(&a.due_within).map_err(anyhow::Error::msg)?;
    let today = today(a.today.as_deref())?;
    let due_within_days = (due.after(today) - today).whole_days();
    let state = a
        .state
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from(".courtseal-audit-state.jsonl"));
    if !a.resume {
        let _ = std::fs::remove_file(&state);
    }
    let opts = courtseal::audit::AuditOptions {
        retention,
        due_within_days,
        today,
        state: Some(state),
        resume: a.resume,
    };
    let on_terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let bar = on_terminal.then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
            )
            .expect("template"),
        );
        b
    });
    let progress = Progress {
        bar,
        total: Default::default(),
        done: Default::default(),
        files: Default::default(),
        sessions: Default::default(),
        started: std::time::Instant::now(),
        last_line: std::sync::Mutex::new(std::time::Instant::now()),
    };
    let report = courtseal::audit::audit(&a.archive, &trust, &opts, &progress);
    if let Some(b) = &progress.bar {
        b.finish_and_clear();
    }
    if let Some(html) = &a.html {
        let page = courtseal::audit::act_html(&report, env!("CARGO_PKG_VERSION"));
        write_new_file(html, page.as_bytes())?;
        if let Some(k) = &a.sign {
            let signer = keys::load_signer(k)?;
            let name = html
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = courtseal::audit::act_text(
                &name,
                &courtseal::audit::act_digest(page.as_bytes()),
                &courtseal::entry::now_utc(),
                &report.archive,
                &courtseal::audit::summary(&report),
            );
            let note = signer.sign(&text)?;
            let mut sig = html.clone().into_os_string();
            sig.push(".sig");
            write_new_file(std::path::Path::new(&sig), note.as_bytes())?;
        }
    }
    emit(&if a.json {
        output::audit_json(&report)
    } else {
        output::audit_text(&report, due_within_days)
    })?;
    let mut all: Vec<courtseal::finding::Finding> = report.findings.clone();
    for s in &report.sessions {
        all.extend(s.findings.iter().cloned());
    }
    Ok(if has_errors(&all) {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn media_options(a: &cli::MediaArgs) -> Result<courtseal::media::MediaOptions> {
    if !(a.window.is_finite() && a.window >= 0.01 && a.window <= 3600.0) {
        anyhow::bail!(
            "--window must be between 0.01 and 3600 seconds, not {}",
            a.window
        );
    }
    let min_ok = a.silence_min.is_finite() && a.silence_min > 0.0;
    let threshold_ok = a.silence_threshold.is_finite() && a.silence_threshold <= 0.0;
    if !(min_ok && threshold_ok) {
        anyhow::bail!("--silence-min must be positive and --silence-threshold at most 0 dBFS");
    }
    Ok(courtseal::media::MediaOptions {
        window_seconds: a.window,
        silence: (!a.no_silence).then_some(courtseal::media::SilenceOptions {
            threshold_db: a.silence_threshold,
            min_seconds: a.silence_min,
        }),
    })
}

fn is_private(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "key")
        || std::fs::read_to_string(path).is_ok_and(|t| t.contains("-----BEGIN PRIVATE KEY-----"))
}

/// Writes a new file atomically (temp file, then rename), never replacing one.
fn write_new_file(path: &Path, data: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.write_all(data)?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        // Proofs are public material (temporary files start as 0600).
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.error))
        .context("refusing to overwrite an existing file")?;
    Ok(())
}
