//! How an audit shows its progress on standard error. Whether standard
//! error is a terminal and whether this runs under CI are decided once, in
//! `main`, and passed in: [`resolve`] picks the display, so it can be tested
//! without a terminal.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A bar redrawn in place: only on a terminal, never under CI.
    Bar,
    /// A plain line every few seconds, for logs and CI.
    Lines,
}

/// The display for a run: a bar on a terminal outside CI, plain lines
/// otherwise (a log file or a CI console cannot redraw a bar).
pub fn resolve(is_terminal: bool, is_ci: bool) -> Mode {
    if is_terminal && !is_ci {
        Mode::Bar
    } else {
        Mode::Lines
    }
}

/// How often a plain progress line is written.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Progress of an audit, reported from the worker threads.
pub struct AuditProgress {
    bar: Option<indicatif::ProgressBar>,
    total: AtomicU64,
    done: AtomicU64,
    files: AtomicU64,
    files_total: AtomicU64,
    sessions: AtomicU64,
    sessions_total: AtomicU64,
    started: Instant,
    last_line: Mutex<Instant>,
}

impl AuditProgress {
    /// A display in `mode`, started at `now`.
    pub fn new(mode: Mode, now: Instant) -> AuditProgress {
        let bar = (mode == Mode::Bar).then(|| {
            let b = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {bytes} of {total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
            ) {
                b.set_style(style);
            }
            b
        });
        AuditProgress {
            bar,
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            files: AtomicU64::new(0),
            files_total: AtomicU64::new(0),
            sessions: AtomicU64::new(0),
            sessions_total: AtomicU64::new(0),
            started: now,
            last_line: Mutex::new(now),
        }
    }

    /// `3 of 24 files, 1 of 2 sessions`.
    fn counts(&self) -> String {
        format!(
            "{} of {} files, {} of {} sessions",
            self.files.load(Ordering::Relaxed),
            self.files_total.load(Ordering::Relaxed),
            self.sessions.load(Ordering::Relaxed),
            self.sessions_total.load(Ordering::Relaxed)
        )
    }

    /// Removes the bar, if any, once the audit is over.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl courtseal::audit::AuditProgress for AuditProgress {
    fn sessions(&self, total: u64) {
        self.sessions_total.store(total, Ordering::Relaxed);
    }

    fn start(&self, bytes: u64, files: u64) {
        self.total.store(bytes, Ordering::Relaxed);
        self.files.store(0, Ordering::Relaxed);
        self.files_total.store(files, Ordering::Relaxed);
        let sessions = self.sessions_total.load(Ordering::Relaxed);
        match &self.bar {
            Some(b) => {
                b.set_length(bytes);
                b.set_message(self.counts());
            }
            None => eprintln!(
                "audit: {sessions} session(s), {files} files, {} MiB to check",
                bytes >> 20
            ),
        }
    }

    fn file_done(&self, bytes: u64) {
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(b) = &self.bar {
            b.set_position(done);
            b.set_message(self.counts());
            return;
        }
        let Ok(mut last) = self.last_line.lock() else {
            return;
        };
        if last.elapsed() < LINE_EVERY {
            return;
        }
        *last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let total = self.total.load(Ordering::Relaxed);
        let rate = done as f64 / secs;
        let eta = if rate > 0.0 {
            total.saturating_sub(done) as f64 / rate
        } else {
            0.0
        };
        let _ = files;
        eprintln!(
            "audit: {} of {} MiB, {}, {:.0} MiB/s, about {:.0} s left",
            done >> 20,
            total >> 20,
            self.counts(),
            rate / 1048576.0,
            eta
        );
    }

    fn session_done(&self, _session: &str) {
        self.sessions.fetch_add(1, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.set_message(self.counts());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The bar appears only on a terminal and never under CI.
    #[test]
    fn bar_only_on_a_terminal_outside_ci() {
        assert_eq!(resolve(true, false), Mode::Bar);
        assert_eq!(resolve(true, true), Mode::Lines);
        assert_eq!(resolve(false, false), Mode::Lines);
        assert_eq!(resolve(false, true), Mode::Lines);
    }
}
