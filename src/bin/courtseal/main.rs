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
            let mut fields = session::HeaderFields::from_record(&a.session)?;
            if let Some(prev) = &a.previous {
                let bytes = std::fs::read(prev)
                    .with_context(|| format!("{}: cannot read", prev.display()))?;
                fields.previous = Some(courtseal::digest::Sha256Digest::of(&bytes).to_hex());
            }
            let opts = media_options(&a.media)?;
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
