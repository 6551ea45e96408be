//! The `courtseal` command: parses the arguments, resolves them into a
//! checked configuration, runs the command, prints, and maps the outcome to
//! an exit code. No verification logic lives here.
//!
//! - [`args`]: the clap definitions (the first stage: raw flags);
//! - [`config`]: the second stage, every value checked before any work;
//! - [`commands`]: one file per command, over the checked configuration;
//! - [`output`]: text for people, typed JSON envelopes for machines;
//! - [`progress`]: how an audit shows progress (decided here, passed in);
//! - [`exit`]: the exit codes.
#![forbid(unsafe_code)]
// Outside tests, an unwrap is a panic waiting for the input that breaks it.
#![warn(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod args;
mod commands;
mod config;
mod exit;
mod output;
mod progress;

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    // Parse.
    let cli = match args::Cli::try_parse() {
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
    // The time zone people read times in, when given.
    if let Some(tz) = &cli.tz {
        match courtseal::zone::CourtZone::new(tz) {
            Ok(z) => output::text::set_zone_override(z),
            Err(e) => {
                fail(&anyhow::anyhow!("--tz: {e}"));
                return ExitCode::from(exit::FAILURE);
            }
        }
    }
    // Resolve, with what the outside world says passed in.
    let ctx = config::Context {
        now: time::OffsetDateTime::now_utc(),
        stderr_is_terminal: std::io::stderr().is_terminal(),
        is_ci: std::env::var_os("CI").is_some(),
        command_line: command_line(),
    };
    // Dispatch, print, exit.
    let done = config::resolve(cli, &ctx).and_then(commands::run);
    match done.and_then(|d| output::emit(&d.stdout).map(|()| d.code).map_err(Into::into)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            fail(&e);
            ExitCode::from(exit::FAILURE)
        }
    }
}

/// One sentence on standard error: the error and the causes it does not
/// already name.
fn fail(e: &anyhow::Error) {
    let mut msg = format!("courtseal: error: {e}");
    for cause in e.chain().skip(1) {
        // Library errors already name their cause in their message.
        let cause = cause.to_string();
        if !msg.contains(&cause) {
            msg.push_str(&format!(": {cause}"));
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "{}",
        courtseal::format::origin::escape(&msg)
    );
}

/// The command as typed, with the program shown by its name only (for the
/// HTML report). Arguments that are not UTF-8 are shown with U+FFFD.
fn command_line() -> String {
    let mut words: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Some(first) = words.first_mut() {
        "courtseal".clone_into(first);
    }
    words
        .iter()
        .map(|w| quoted(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word as a POSIX shell reads it back: as it is when it is plain, else
/// in single quotes.
fn quoted(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars().all(|c| {
            c.is_alphanumeric()
                || "-_./:=+@,%".contains(c)
                || !(c.is_ascii() || c.is_whitespace() || c.is_control())
        });
    if plain {
        w.to_owned()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}
