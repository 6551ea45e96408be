//! `courtseal seal`, once or as the service (`--watch`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context as _, Result};

use courtseal::digest::Sha256Digest;
use courtseal::format::origin::escape;
use courtseal::keys;
use courtseal::note::NoteSigner;
use courtseal::session::{self, HeaderFields};

use super::{read_small, Done, Named};
use crate::config::{SealConfig, WatchConfig, CHECKPOINT_BYTES};
use crate::exit;
use crate::output::{self, json, text};

/// Seals the session's new segments and signs a checkpoint.
pub fn run(c: &SealConfig) -> Result<Done> {
    let signer = keys::load_signer(&c.key)?;
    // A half-edited record must never stop the recording being sealed.
    let mut fields = HeaderFields::from_record(&c.session).unwrap_or_else(|e| {
        eprintln!(
            "{}",
            escape(&format!(
                "courtseal: warning: {e}; the session header is written without its fields"
            ))
        );
        HeaderFields::default()
    });
    if let Some(prev) = &c.previous {
        let bytes = read_small(prev, Named::ByUser, "checkpoint file", CHECKPOINT_BYTES)?;
        fields.previous = Some(Sha256Digest::of(&bytes).to_hex());
    }
    if let Some(dir) = &c.series {
        let vkey = signer.verifier().to_vkey();
        let found = courtseal::series::previous_in_series(dir, &vkey, &c.session)
            .with_context(|| format!("{}: cannot read the series folder", dir.display()))?;
        if let Some((file, hash)) = found {
            eprintln!(
                "{}",
                escape(&format!(
                    "courtseal: chaining to the previous session's checkpoint {}",
                    file.display()
                ))
            );
            fields.previous = Some(hash);
        }
    }
    let origin = c.origin.as_ref().map(|o| o.as_str());
    // A misconfigured ledger is refused before anything is sealed; one that
    // cannot be written later is a line, never a stop.
    let ledger = match &c.ledger {
        Some((dir, key, lorigin)) => {
            let key = keys::load_signer(key)?;
            Some(
                courtseal::ledger::Ledger::open(dir, &key, lorigin.as_deref(), signer.verifier())
                    .map_err(anyhow::Error::msg)?,
            )
        }
        None => None,
    };
    if let Some(w) = &c.watch {
        return watch(c, w, &signer, &fields, ledger);
    }
    let policy = super::load_trust(&c.policy)?;
    let tsas = policy.tsas().to_vec();
    let witnesses = policy.witnesses().to_vec();
    let ledger = ledger.map(|l| l.with_tsas(tsas.clone()));
    let outcome = session::seal(&c.session, &signer, origin, &fields, &c.media)?;
    // Sealed and signed first: a timestamp or a cosignature only adds to it.
    // With a ledger, the TSAs are asked about the ledger checkpoint (and
    // about the session's own only when nothing reached the ledger).
    if let Some(l) = &ledger {
        let (lines, appended) = ledger_append(l, &c.session, &signer, &witnesses);
        for line in lines {
            eprintln!("{}", escape(&format!("courtseal: {line}")));
        }
        if !appended && !tsas.is_empty() {
            stamp_latest(&c.session, &tsas);
        }
    } else {
        if !tsas.is_empty() {
            stamp_latest(&c.session, &tsas);
        }
        if witnesses.iter().any(|w| w.url.is_some()) {
            for line in witness_latest(&c.session, &witnesses) {
                eprintln!("{}", escape(&format!("courtseal: {line}")));
            }
        }
    }
    let out = if c.json {
        json::seal(&c.session, &outcome)?
    } else {
        text::seal_text(&c.session, &outcome, &signer)
    };
    Ok(Done::new(out, exit::for_findings(&outcome.skipped)))
}

/// Asks every TSA without a token over the session's latest checkpoint for
/// one; one line on standard error for each, never an error.
fn stamp_latest(root: &std::path::Path, tsas: &[courtseal::timestamp::TrustedTsa]) -> bool {
    let paths = session::SessionPaths::new(root);
    match courtseal::timestamp::latest_checkpoint(&paths) {
        Ok(cp) => {
            let stamps = courtseal::timestamp::stamp_checkpoint(&paths, &cp, tsas);
            for s in &stamps {
                eprintln!(
                    "{}",
                    escape(&format!(
                        "courtseal: {}",
                        courtseal::timestamp::describe(s, cp.size)
                    ))
                );
            }
            stamps
                .iter()
                .all(|s| !matches!(s, courtseal::timestamp::Stamp::Failed { .. }))
        }
        Err(e) => {
            eprintln!(
                "{}",
                escape(&format!(
                    "courtseal: warning: timestamp.unreachable: nothing timestamped: {e}"
                ))
            );
            false
        }
    }
}

/// Appends the session's new checkpoints to the ledger, has its TSAs
/// timestamp the ledger checkpoint and gives it to the witnesses: one line
/// each, never an error. Whether a ledger checkpoint was signed over the
/// session.
fn ledger_append(
    ledger: &courtseal::ledger::Ledger,
    root: &std::path::Path,
    signer: &NoteSigner,
    witnesses: &[courtseal::trust::TrustedWitness],
) -> (Vec<String>, bool) {
    let paths = session::SessionPaths::new(root);
    match ledger.append_session(&paths, signer.verifier()) {
        // Sealed earlier (perhaps moved since): cosignatures that came
        // later still reach its evidence.
        Ok(None) => (ledger.refresh_sealed(root, witnesses), false),
        Ok(Some(a)) => {
            let sizes: Vec<String> = a.sessions.iter().map(|(s, _)| s.to_string()).collect();
            let mut out = vec![format!(
                "ledger {}: session checkpoint(s) of size {} appended; ledger checkpoint of size {}",
                ledger.origin(),
                sizes.join(", "),
                a.checkpoint.size
            )];
            out.extend(ledger.stamp_and_witness(&a, witnesses));
            (out, true)
        }
        Err(e) => (
            vec![format!(
                "warning: ledger.unreachable: {e}; the session is sealed, and its checkpoints are appended at the next run"
            )],
            false,
        ),
    }
}

/// Submits the latest checkpoint to the policy's witnesses: one line each.
fn witness_latest(
    root: &std::path::Path,
    witnesses: &[courtseal::trust::TrustedWitness],
) -> Vec<String> {
    let paths = session::SessionPaths::new(root);
    match courtseal::witness::submit_latest(&paths, witnesses) {
        Ok((size, subs)) => subs
            .iter()
            .map(|s| courtseal::witness::describe(s, size))
            .collect(),
        Err(e) => vec![format!(
            "warning: witness.unreachable: nothing submitted to the witnesses: {e}"
        )],
    }
}

/// `courtseal timestamp SESSION --policy FILE`: a fresh token over the
/// latest checkpoint from every TSA that has none over it yet.
pub fn timestamp(root: &std::path::Path, policy: &[std::path::PathBuf]) -> Result<Done> {
    let tsas = super::load_trust(policy)?.tsas().to_vec();
    if tsas.is_empty() {
        anyhow::bail!("the policy names no TSA (no tsa lines)");
    }
    if !root.is_dir() {
        anyhow::bail!("{}: not a session folder", root.display());
    }
    let ok = stamp_latest(root, &tsas);
    Ok(Done::new(
        String::new(),
        if ok { exit::OK } else { exit::FINDINGS },
    ))
}

/// `seal --watch`: runs the service until Ctrl-C, SIGTERM or `courtseal close`,
/// printing a line for everything it does.
fn watch(
    c: &SealConfig,
    w: &WatchConfig,
    signer: &NoteSigner,
    fields: &HeaderFields,
    ledger: Option<courtseal::ledger::Ledger>,
) -> Result<Done> {
    let opts = courtseal::watch::WatchOptions {
        settle: w.settle,
        heartbeat: w.heartbeat,
        poll: std::time::Duration::from_millis(250),
        media: c.media,
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("cannot install the signal handler")?;
    }
    let full = AtomicBool::new(false);
    // Timestamps are asked in the background: a slow or absent TSA never
    // holds up sealing. Each new checkpoint commits to the ones before, so
    // one missed is covered by the next.
    let policy = super::load_trust(&c.policy)?;
    let tsas = policy.tsas().to_vec();
    let witnesses = policy.witnesses().to_vec();
    let submits = witnesses.iter().any(|w| w.url.is_some());
    let ledger = ledger.map(|l| l.with_tsas(tsas.clone()));
    let (tx, rx) = std::sync::mpsc::channel::<courtseal::checkpoint::Checkpoint>();
    let paths = session::SessionPaths::new(&c.session);
    let root = c.session.clone();
    let recorder = signer.verifier().clone();
    let stamper = (!tsas.is_empty() || submits || ledger.is_some()).then(|| {
        std::thread::spawn(move || {
            while let Ok(mut cp) = rx.recv() {
                // Only the newest of those waiting.
                while let Ok(newer) = rx.try_recv() {
                    cp = newer;
                }
                let stamp_session = || {
                    for s in courtseal::timestamp::stamp_checkpoint(&paths, &cp, &tsas) {
                        let _ = output::emit(&format!(
                            "{}\n",
                            courtseal::timestamp::describe(&s, cp.size)
                        ));
                    }
                };
                // With a ledger, the TSAs and the witnesses are given its
                // checkpoint; the session's own is timestamped only when
                // nothing reached the ledger.
                if let Some(l) = &ledger {
                    match l.append_session(&paths, &recorder) {
                        Ok(None) => stamp_session(),
                        Ok(Some(a)) => {
                            let _ = output::emit(&format!(
                                "ledger {}: session checkpoint of size {} appended; ledger checkpoint of size {}\n",
                                l.origin(),
                                a.sessions.last().map_or(0, |(s, _)| *s),
                                a.checkpoint.size
                            ));
                            for line in l.stamp_and_witness(&a, &witnesses) {
                                let _ = output::emit(&format!("{line}\n"));
                            }
                        }
                        Err(e) => {
                            let _ = output::emit(&format!(
                                "warning: ledger.unreachable: {e}; sealing goes on, and the checkpoint is appended with the next one\n"
                            ));
                            stamp_session();
                        }
                    }
                } else {
                    stamp_session();
                }
                if ledger.is_none() && submits {
                // The witnesses are given the latest checkpoint on disk,
                // which commits to this one.
                    for line in witness_latest(&root, &witnesses) {
                        let _ = output::emit(&format!("{line}\n"));
                    }
                }
            }
        })
    });
    let mut report = |ev: courtseal::watch::WatchEvent| {
        if let (courtseal::watch::WatchEvent::Checkpoint(cp), Some(_)) = (&ev, &stamper) {
            let _ = tx.send(cp.clone());
        }
        let _ = output::emit(&text::watch_line(&ev));
        // The disk is checked at every event (a heartbeat at the latest).
        if let Some(min) = w.min_free {
            if let Some(free) = free_bytes(&c.session) {
                if free < min && !full.swap(true, Ordering::SeqCst) {
                    let _ = output::emit(&format!(
                        "{}  STOP disk.nearly_full: {} MB free on the disk of {}, below {} MB: sealing stops now; what was sealed stays verifiable; free space and start again\n",
                        text::zone().local(courtseal::time::UtcTime::now()),
                        free >> 20,
                        c.session.display(),
                        min >> 20
                    ));
                    stop.store(true, Ordering::SeqCst);
                }
            }
        }
    };
    let result = courtseal::watch::watch(
        &c.session,
        signer,
        c.origin.as_ref().map(|o| o.as_str()),
        fields,
        &opts,
        &stop,
        &mut report,
    );
    drop(tx);
    if let Some(t) = stamper {
        let _ = t.join();
    }
    result?;
    if full.load(Ordering::SeqCst) {
        anyhow::bail!(
            "{}: stopped: the disk is nearly full (disk.nearly_full)",
            c.session.display()
        );
    }
    Ok(Done::new(String::new(), exit::OK))
}

/// Free bytes for an unprivileged writer on the disk of `path`.
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let s = rustix::fs::statvfs(path).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}
