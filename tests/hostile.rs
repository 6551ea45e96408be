//! Hostile input: arguments and files that used to panic, hang or do work
//! before being refused. Each row runs the binary on real material (the
//! demo keys, the sample session sealed for real) and must end with exit 1
//! or 2 and one sentence on standard error naming the problem: never a
//! panic (exit 101), never a hang, never work done before the refusal.

mod common;

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::Read as _;
use std::os::unix::ffi::OsStrExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longer than any row needs; a row that takes this long hangs.
const TIMEOUT: Duration = Duration::from_secs(30);
const ORIGIN: &str = "court.example/hostile";

/// The material every row runs against.
struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fx {
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        common::demo_key(&dir, "demo-recorder");
        common::demo_key(&dir, "demo-secretary");
        fs::write(
            dir.join("trust.txt"),
            format!(
                "recorder {}\noperator {}\n",
                common::vkey("demo-recorder"),
                common::vkey("demo-secretary")
            ),
        )
        .unwrap();
        let fx = Fx { _tmp: tmp, dir };
        // A sealed session, and one never sealed.
        common::copy_sample(&fx.p("archive/s"), &[]);
        let (code, _, err) = fx.run([
            "seal",
            "archive/s",
            "--key",
            "demo-recorder.key",
            "--origin",
            ORIGIN,
            "--no-silence",
        ]);
        assert_eq!(code, 0, "{err}");
        common::copy_sample(&fx.p("fresh"), &[]);
        // A FIFO, a folder and a plain file where files are read or written.
        let o = Command::new("mkfifo").arg(fx.p("fifo")).output().unwrap();
        assert!(o.status.success(), "mkfifo");
        fs::create_dir(fx.p("adir")).unwrap();
        fs::write(fx.p("afile"), b"not a folder\n").unwrap();
        // A session whose record.toml is a FIFO.
        fs::create_dir(fx.p("fifo-record")).unwrap();
        let o = Command::new("mkfifo")
            .arg(fx.p("fifo-record/record.toml"))
            .output()
            .unwrap();
        assert!(o.status.success(), "mkfifo");
        fx
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// Runs courtseal in the fixture with `CI=true`, killing it after
    /// [`TIMEOUT`]: (exit code, stdout, stderr).
    fn run<I, S>(&self, args: I) -> (i32, String, String)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut child = Command::new(env!("CARGO_BIN_EXE_courtseal"))
            .current_dir(&self.dir)
            .args(args)
            .env("CI", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let readers = (
            std::thread::spawn(move || {
                let mut s = Vec::new();
                let _ = out.read_to_end(&mut s);
                s
            }),
            std::thread::spawn(move || {
                let mut s = Vec::new();
                let _ = err.read_to_end(&mut s);
                s
            }),
        );
        let started = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("courtseal hangs (killed after {TIMEOUT:?})");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = String::from_utf8_lossy(&readers.0.join().unwrap()).into_owned();
        let err = String::from_utf8_lossy(&readers.1.join().unwrap()).into_owned();
        (status.code().unwrap_or(-1), out, err)
    }
}

/// One hostile case: the arguments, the exit code, and words of the one
/// sentence on standard error that name the problem.
struct Row {
    args: Vec<OsString>,
    code: i32,
    says: String,
    /// Refused by the argument parser, whose message has several lines.
    by_clap: bool,
}

fn row(args: &[&str], code: i32, says: &str) -> Row {
    Row {
        args: args.iter().map(OsString::from).collect(),
        code,
        says: says.to_owned(),
        by_clap: false,
    }
}

/// Runs every row; all failures are reported together.
fn check_rows(fx: &Fx, rows: Vec<Row>) {
    let mut failed = Vec::new();
    for r in rows {
        let shown = r
            .args
            .iter()
            .map(|a| format!("{a:?}"))
            .collect::<Vec<_>>()
            .join(" ");
        let (code, out, err) = fx.run(&r.args);
        let lines: Vec<&str> = err.lines().collect();
        let mut why = Vec::new();
        if code == 101 || err.contains("panicked") {
            why.push("panicked".to_owned());
        }
        if code != r.code {
            why.push(format!("exit {code}, expected {}", r.code));
        }
        if !err.contains(&r.says) {
            why.push(format!("stderr does not say {:?}", r.says));
        }
        if !r.by_clap {
            if lines.len() != 1 || !lines[0].starts_with("courtseal: error: ") {
                why.push("stderr is not one 'courtseal: error:' sentence".to_owned());
            }
            if code == 2 && !out.is_empty() {
                why.push("printed on stdout before failing".to_owned());
            }
        }
        if !why.is_empty() {
            failed.push(format!(
                "{shown}\n    {}\n    stderr: {err}",
                why.join("; ")
            ));
        }
    }
    assert!(failed.is_empty(), "\n{}", failed.join("\n"));
}

// Huge, negative, NaN and infinite numbers of seconds panicked inside
// Duration::from_secs_f64 (or Instant + Duration), or waited forever.
#[test]
fn numbers_out_of_range_name_the_flag_and_range() {
    let fx = Fx::new();
    let mut rows = Vec::new();
    for (wait, shown) in [
        ("1e30", "1e30"),
        ("NaN", "NaN"),
        ("inf", "inf"),
        ("-1", "-1"),
        ("86401", "86401"),
    ] {
        let flag = format!("--wait={wait}");
        rows.push(row(
            &[
                "event",
                "archive/s",
                "note",
                "--reason",
                "r",
                "--key",
                "demo-secretary.key",
                &flag,
            ],
            2,
            &format!("--wait must be a number of seconds from 0 up to 86400, not {shown}"),
        ));
    }
    rows.extend([
        row(
            &["close", "archive/s", "--wait", "1e30"],
            2,
            "--wait must be a number of seconds from 0 up to 86400, not 1e30",
        ),
        row(
            &[
                "check",
                "archive/s",
                "--trust",
                "trust.txt",
                "--tolerance",
                "1e300",
            ],
            2,
            "--tolerance must be a number of seconds from 0 up to 86400, not 1e300",
        ),
        row(
            &[
                "check",
                "archive/s",
                "--trust",
                "trust.txt",
                "--tolerance",
                "NaN",
            ],
            2,
            "--tolerance must be a number of seconds from 0 up to 86400, not NaN",
        ),
        row(
            &[
                "check",
                "archive/s",
                "--trust",
                "trust.txt",
                "--tolerance=-0.5",
            ],
            2,
            "--tolerance must be a number of seconds from 0 up to 86400, not -0.5",
        ),
        row(
            &[
                "seal",
                "fresh",
                "--key",
                "demo-recorder.key",
                "--origin",
                ORIGIN,
                "--watch",
                "--settle",
                "1e30",
            ],
            2,
            "--settle must be a number of seconds above 0 and up to 86400, not 1e30",
        ),
        row(
            &[
                "seal",
                "fresh",
                "--key",
                "demo-recorder.key",
                "--origin",
                ORIGIN,
                "--watch",
                "--settle",
                "0",
            ],
            2,
            "--settle must be a number of seconds above 0 and up to 86400, not 0",
        ),
        row(
            &[
                "seal",
                "fresh",
                "--key",
                "demo-recorder.key",
                "--origin",
                ORIGIN,
                "--watch",
                "--heartbeat",
                "inf",
            ],
            2,
            "--heartbeat must be a number of seconds above 0 and up to 86400, not inf",
        ),
        row(
            &[
                "seal",
                "fresh",
                "--key",
                "demo-recorder.key",
                "--origin",
                ORIGIN,
                "--watch",
                "--heartbeat=-3",
            ],
            2,
            "--heartbeat must be a number of seconds above 0 and up to 86400, not -3",
        ),
        row(
            &[
                "seal",
                "fresh",
                "--key",
                "demo-recorder.key",
                "--origin",
                ORIGIN,
                "--window",
                "1e30",
            ],
            2,
            "--window must be between 0.01 and 3600 seconds, not 1e30",
        ),
        row(
            &["inspect", "archive/s/seg-0001.m4a", "--window", "NaN"],
            2,
            "--window must be between 0.01 and 3600 seconds, not NaN",
        ),
        row(
            &[
                "inspect",
                "archive/s/seg-0001.m4a",
                "--silence-min",
                "1e300",
            ],
            2,
            "--silence-min must be a number of seconds above 0 and up to 86400, not 1e300",
        ),
        row(
            &[
                "inspect",
                "archive/s/seg-0001.m4a",
                "--silence-threshold",
                "inf",
            ],
            2,
            "--silence-threshold must be a level of at most 0 dBFS, not inf",
        ),
    ]);
    check_rows(&fx, rows);
    // Nothing was sealed in the fresh session by the refused seals.
    assert!(!fx.p("fresh/courtseal").exists());
}

// `audit --html EXISTING` refused the file only after hashing the whole
// archive; every output file of every command is now checked first.
#[test]
fn existing_or_unwritable_output_files_are_refused_before_any_work() {
    let fx = Fx::new();
    for f in [
        "act.html",
        "taken.html.sig",
        "report.html",
        "p.tlog-proof",
        "q.windows.jsonl",
    ] {
        fs::write(fx.p(f), b"already here\n").unwrap();
    }
    let audit = |extra: &[&'static str]| {
        let mut a = vec![
            "audit",
            "archive",
            "--trust",
            "trust.txt",
            "--today",
            "2026-11-25",
        ];
        a.extend_from_slice(extra);
        a
    };
    let rows = vec![
        // One sentence on stderr: no "audit: N files" line, so nothing was hashed.
        row(
            &audit(&["--html", "act.html"]),
            2,
            "act.html: already exists; refusing to overwrite it",
        ),
        row(
            &audit(&["--html", "taken.html", "--sign", "demo-recorder.key"]),
            2,
            "taken.html.sig: already exists; refusing to overwrite it",
        ),
        row(
            &audit(&["--html", "nowhere/act.html"]),
            2,
            "nowhere/act.html: cannot write into nowhere",
        ),
        row(
            &audit(&["--html", "afile/act.html"]),
            2,
            "afile/act.html: afile is not a folder",
        ),
        row(
            &audit(&["--state", "adir"]),
            2,
            "adir: the audit state must be a regular file",
        ),
        row(
            &[
                "check",
                "archive/s",
                "--trust",
                "trust.txt",
                "--html",
                "report.html",
            ],
            2,
            "report.html: already exists; refusing to overwrite it",
        ),
        row(
            &[
                "check",
                "archive/s",
                "--trust",
                "trust.txt",
                "--html",
                "nowhere/r.html",
            ],
            2,
            "nowhere/r.html: cannot write into nowhere",
        ),
        row(
            &[
                "proof",
                "archive/s",
                "seg-0001.m4a",
                "-o",
                "p.tlog-proof",
                "--trust",
                &common::recorder_vkey_file(),
            ],
            2,
            "p.tlog-proof: already exists; refusing to overwrite it",
        ),
        // The packet windows would go next to the proof, over an existing file.
        row(
            &[
                "proof",
                "archive/s",
                "seg-0001.m4a",
                "-o",
                "q.tlog-proof",
                "--trust",
                &common::recorder_vkey_file(),
            ],
            2,
            "q.windows.jsonl: already exists; refusing to overwrite it",
        ),
        row(
            &[
                "export",
                "archive/s",
                "--bagit",
                "adir",
                "--trust",
                "trust.txt",
            ],
            2,
            "adir: already exists; refusing to overwrite it",
        ),
        row(
            &[
                "export",
                "archive/s",
                "--bagit",
                "afile/bag",
                "--trust",
                "trust.txt",
            ],
            2,
            "afile/bag: afile is not a folder",
        ),
    ];
    check_rows(&fx, rows);
    assert!(
        !fx.p("q.tlog-proof").exists(),
        "the proof was written before the refusal"
    );
    assert!(
        !fx.p("taken.html").exists(),
        "the act was written before the refusal"
    );
    assert_eq!(fs::read(fx.p("report.html")).unwrap(), b"already here\n");
    assert!(
        !fx.p(".courtseal-audit-state.jsonl").exists(),
        "the audit ran before the refusal"
    );
}

// `check --html` wrote its report with mode 0600 (a temporary file's) and
// silently replaced an existing file.
#[test]
fn check_html_is_written_0644_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt as _;
    let fx = Fx::new();
    let args = [
        "check",
        "archive/s",
        "--trust",
        "trust.txt",
        "--html",
        "r.html",
    ];
    let (code, _, err) = fx.run(args);
    assert!(code <= 1, "{err}");
    let page = fs::read_to_string(fx.p("r.html")).unwrap();
    assert!(page.contains("<html"), "not the report");
    let mode = fs::metadata(fx.p("r.html")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    let (code, out, err) = fx.run(args);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.contains("r.html: already exists; refusing to overwrite it"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(fx.p("r.html")).unwrap(), page);
}

// `--origin $'a\tb'` panicked after the log had been appended; origins a
// C2SP checkpoint cannot carry (or that look like another) are refused
// before the session folder is touched.
#[test]
fn bad_origins_are_refused_before_the_log_is_touched() {
    let fx = Fx::new();
    let seal = |origin: &str| -> Vec<String> {
        [
            "seal",
            "fresh",
            "--key",
            "demo-recorder.key",
            "--no-silence",
            "--origin",
            origin,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let long = "x".repeat(257);
    let cases: Vec<(String, &str)> = vec![
        ("a\tb".into(), "(it holds U+0009)"),
        ("a\nb".into(), "(it holds U+000A)"),
        ("a\r".into(), "(it holds U+000D)"),
        ("court\u{1b}[31m".into(), "(it holds U+001B)"),
        ("a\u{7f}".into(), "(it holds U+007F)"),
        ("a\u{85}b".into(), "(it holds U+0085)"),
        ("a\u{2028}b".into(), "(it holds U+2028)"),
        (
            "court.example/\u{202e}1moortruoc".into(),
            "(it holds U+202E)",
        ),
        ("court\u{200b}.example".into(), "(it holds U+200B)"),
        ("".into(), "--origin: the origin is empty"),
        (
            " court.example/5".into(),
            "--origin: the origin holds ' '; it must not contain spaces",
        ),
        (
            "court.example/5 ".into(),
            "--origin: the origin holds ' '; it must not contain spaces",
        ),
        (
            long,
            "--origin: the origin is 257 bytes long; at most 255 are allowed",
        ),
    ];
    let mut rows = Vec::new();
    for (origin, says) in &cases {
        let a = seal(origin);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        rows.push(row(&a, 2, says));
    }
    // The origin a downloaded proof is checked against, too.
    rows.push(row(
        &[
            "verify-file",
            "archive/s/seg-0001.m4a",
            "--proof",
            "afile",
            "--trust",
            "trust.txt",
            "--origin",
            "a\tb",
        ],
        2,
        "(it holds U+0009)",
    ));
    // Not UTF-8 at all: refused by the parser.
    rows.push(Row {
        args: ["seal", "fresh", "--key", "demo-recorder.key", "--origin"]
            .iter()
            .map(OsString::from)
            .chain([OsStr::from_bytes(b"court\xff").to_owned()])
            .collect(),
        code: 2,
        says: "invalid UTF-8".into(),
        by_clap: true,
    });
    check_rows(&fx, rows);
    assert!(
        !fx.p("fresh/courtseal").exists(),
        "a refused origin touched the session folder"
    );
    // The same session seals with a good origin (the rows were refused for their origin only).
    let (code, _, err) = fx.run(seal("Суд-№2/зал-5/2026-11-20"));
    assert_eq!(code, 0, "{err}");
}

// Far-future dates and periods panicked in date arithmetic ("overflow
// adding duration to date", "local datetime out of valid range").
#[test]
fn far_future_dates_and_periods_are_refused() {
    let fx = Fx::new();
    let audit = |extra: &[&'static str]| {
        let mut a = vec!["audit", "archive", "--trust", "trust.txt"];
        a.extend_from_slice(extra);
        a
    };
    let retire = |extra: &[&'static str]| {
        let mut a = vec![
            "retire",
            "archive/s",
            "--key",
            "demo-recorder.key",
            "--basis",
            "order 1",
            "--trust",
            "trust.txt",
        ];
        a.extend_from_slice(extra);
        a
    };
    let event = |at: &'static str| {
        vec![
            "event",
            "archive/s",
            "note",
            "--reason",
            "r",
            "--key",
            "demo-secretary.key",
            "--force",
            "--at",
            at,
        ]
    };
    // A record whose session ends in the year 9999 (check reads it itself).
    common::copy_sample(&fx.p("far"), &[]);
    let rec = fs::read_to_string(fx.p("far/record.toml")).unwrap();
    fs::write(
        fx.p("far/record.toml"),
        rec.replace(
            "end = 2026-11-20T09:00:51+05:00",
            "end = 9999-12-31T23:59:59+00:00",
        ),
    )
    .unwrap();
    let (code, _, err) = fx.run([
        "seal",
        "far",
        "--key",
        "demo-recorder.key",
        "--origin",
        ORIGIN,
        "--no-silence",
    ]);
    assert_eq!(code, 0, "{err}");
    // A verdict in force in the year 9999 (retire reads record.toml).
    common::copy_sample(&fx.p("verdict"), &[]);
    let rec = fs::read_to_string(fx.p("verdict/record.toml")).unwrap();
    fs::write(
        fx.p("verdict/record.toml"),
        rec.replace(
            "finalised = 2026-11-21",
            "finalised = 2026-11-21\nverdict_in_force = 9999-12-21",
        ),
    )
    .unwrap();
    let (code, _, err) = fx.run([
        "seal",
        "verdict",
        "--key",
        "demo-recorder.key",
        "--origin",
        ORIGIN,
        "--no-silence",
    ]);
    assert_eq!(code, 0, "{err}");
    // Sealed by the secretary: only a sealed verdict date is used.
    let (code, _, err) = fx.run([
        "record",
        "seal",
        "verdict",
        "--key",
        "demo-secretary.key",
        "--recorder-key",
        "demo-recorder.key",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = vec![
        row(
            &audit(&["--today", "9999-12-31"]),
            2,
            "--today must be a date from 1970-01-01 to 2999-12-31, not \"9999-12-31\"",
        ),
        row(
            &audit(&["--today", "31.12.2026"]),
            2,
            "--today must be a date, YYYY-MM-DD, not \"31.12.2026\"",
        ),
        row(
            &audit(&["--due-within", "1000000000d"]),
            2,
            "--due-within must be a period of at most 100 years",
        ),
        row(
            &audit(&["--retention", "1000000y"]),
            2,
            "--retention must be a period of at most 100 years",
        ),
        // 2^32 - 1 years plus one wrapped around to zero in 32 bits.
        row(
            &audit(&["--retention", "4294967295y1y"]),
            2,
            "--retention: \"4294967295y1y\": the period is too long",
        ),
        row(
            &audit(&["--retention", "99999999999y"]),
            2,
            "--retention: \"99999999999y\": the period is too long",
        ),
        row(
            &retire(&["--today", "9999-12-31"]),
            2,
            "--today must be a date from 1970-01-01 to 2999-12-31",
        ),
        row(
            &retire(&["--retention", "1000000y"]),
            2,
            "--retention must be a period of at most 100 years",
        ),
        row(
            &[
                "retire",
                "verdict",
                "--key",
                "demo-recorder.key",
                "--basis",
                "order 1",
                "--trust",
                "trust.txt",
            ],
            2,
            "verdict: the sealed verdict-in-force date 9999-12-21 (line 6) plus the retention period is out of range (9999-12-21 plus 1 year(s), 0 month(s) and 0 day(s) is past the last date that can be represented",
        ),
        row(
            &event("9999-12-31T23:59:59Z"),
            2,
            "--at must be a time from 1970-01-01 up to a day from now",
        ),
        // Its UTC form is past the end of the calendar.
        row(
            &event("9999-12-31T23:59:59-23:00"),
            2,
            "--at must be a time from 1970-01-01 up to a day from now",
        ),
        row(
            &event("0000-01-01T00:00:00+23:59"),
            2,
            "--at must be a time from 1970-01-01 up to a day from now",
        ),
        row(
            &event("2999-01-01T00:00:00Z"),
            2,
            "--at must be a time from 1970-01-01 up to a day from now",
        ),
        row(
            &event("yesterday"),
            2,
            "--at: the time \"yesterday\" is not an RFC 3339 time with offset",
        ),
        row(
            &["check", "far", "--trust", "trust.txt"],
            2,
            "far/record.toml: the end time 9999-12-31T23:59:59Z is outside the years 1970 to 2999",
        ),
    ];
    check_rows(&fx, rows);
    // The refused events were not appended.
    let log = fs::read_to_string(fx.p("archive/s/courtseal/log.jsonl")).unwrap();
    assert!(!log.contains("\"event\""), "a refused event was appended");
}

// Files where a file is read: a FIFO hung the run (open blocks until a
// writer comes), a folder or a missing file gave an unclear error.
#[test]
fn fifos_folders_and_odd_paths_where_a_file_is_read() {
    let fx = Fx::new();
    let non_utf8 = OsStr::from_bytes(b"gone-\xff.vkey").to_owned();
    let mut rows = vec![
        row(
            &["verify", "archive/s", "--trust", "fifo"],
            2,
            "fifo: not a regular file (a FIFO); give the trust file itself",
        ),
        row(
            &["verify", "archive/s", "--trust", "adir"],
            2,
            "adir: is a folder, not a trust file",
        ),
        row(
            &["verify", "archive/s", "--trust", "missing.vkey"],
            2,
            "missing.vkey: cannot read the trust file",
        ),
        row(
            &["keys", "show", "fifo"],
            2,
            "fifo: not a regular file (a FIFO); give the key file itself",
        ),
        row(
            &["keys", "show", "adir"],
            2,
            "adir: is a folder, not a key file",
        ),
        row(
            &["record", "check", "fifo"],
            2,
            "fifo: not a regular file (a FIFO); give the record file itself",
        ),
        row(
            &["record", "check", "adir"],
            2,
            "adir: is a folder, not a record file",
        ),
        row(
            &[
                "check",
                "archive/s",
                "--trust",
                "trust.txt",
                "--record",
                "fifo",
            ],
            2,
            "fifo: not a regular file (a FIFO)",
        ),
        // The record found in the session folder itself.
        row(
            &["check", "fifo-record", "--trust", "trust.txt"],
            2,
            "fifo-record/record.toml: the short-form record is not a regular file",
        ),
        row(
            &["seal", "fresh", "--key", "fifo", "--origin", ORIGIN],
            2,
            "fifo: not a regular file (a FIFO); give the key file itself",
        ),
        row(
            &["seal", "fresh", "--key", "adir", "--origin", ORIGIN],
            2,
            "adir: is a folder, not a key file",
        ),
        row(
            &[
                "seal",
                "fresh",
                "--key",
                "demo-recorder.key",
                "--origin",
                ORIGIN,
                "--previous",
                "fifo",
            ],
            2,
            "fifo: not a regular file (a FIFO); give the checkpoint file itself",
        ),
        row(
            &[
                "event",
                "archive/s",
                "note",
                "--reason",
                "r",
                "--key",
                "demo-secretary.key",
                "--recorder-key",
                "fifo",
            ],
            2,
            "fifo: not a regular file (a FIFO); give the key file itself",
        ),
        row(
            &["close", "archive/s", "--key", "fifo"],
            2,
            "fifo: not a regular file (a FIFO)",
        ),
        row(
            &[
                "verify-file",
                "fifo",
                "--proof",
                "afile",
                "--trust",
                "trust.txt",
            ],
            2,
            "fifo: not a regular file (a FIFO); give the media file itself",
        ),
        row(
            &[
                "verify-file",
                "archive/s/seg-0001.m4a",
                "--proof",
                "fifo",
                "--trust",
                "trust.txt",
            ],
            2,
            "give the proof file itself",
        ),
        row(
            &[
                "verify-file",
                "adir",
                "--proof",
                "afile",
                "--trust",
                "trust.txt",
            ],
            2,
            "adir: is a folder, not a media file",
        ),
        row(
            &[
                "verify-file",
                "archive/s/seg-0001.m4a",
                "--proof",
                "afile",
                "--trust",
                "trust.txt",
                "--windows",
                "fifo",
            ],
            2,
            "give the packet-window file itself",
        ),
        row(
            &["verify-act", "fifo", "--trust", "trust.txt"],
            2,
            "fifo: not a regular file (a FIFO); give the act file itself",
        ),
        row(
            &[
                "verify-act",
                "afile",
                "--sig",
                "fifo",
                "--trust",
                "trust.txt",
            ],
            2,
            "give the signature file itself",
        ),
        row(
            &["inspect", "fifo"],
            2,
            "fifo: not a regular file (a FIFO); give the media file itself",
        ),
        row(
            &["inspect", "adir"],
            2,
            "adir: is a folder, not a media file",
        ),
        row(
            &[
                "retire",
                "archive/s",
                "--key",
                "fifo",
                "--basis",
                "b",
                "--trust",
                "trust.txt",
            ],
            2,
            "give the key file itself",
        ),
        row(
            &["audit", "afile", "--trust", "trust.txt"],
            2,
            "afile: not a folder",
        ),
    ];
    // retire read the session's record.toml: a FIFO there hung it. It now
    // reads only the sealed record, and a folder never sealed is refused
    // before anything is read or written.
    rows.push(row(
        &[
            "retire",
            "fifo-record",
            "--key",
            "demo-recorder.key",
            "--basis",
            "b",
            "--trust",
            "trust.txt",
        ],
        2,
        "fifo-record: this folder was never sealed; there is nothing to retire",
    ));
    // Paths that are not UTF-8: named (lossily) in the message, never a panic.
    rows.push(Row {
        args: vec![
            "verify".into(),
            "archive/s".into(),
            "--trust".into(),
            non_utf8.clone(),
        ],
        code: 2,
        says: "gone-\u{fffd}.vkey: cannot read the trust file".into(),
        by_clap: false,
    });
    rows.push(Row {
        args: vec![
            "verify".into(),
            non_utf8.clone(),
            "--trust".into(),
            "trust.txt".into(),
        ],
        code: 2,
        says: "not a session folder".into(),
        by_clap: false,
    });
    rows.push(Row {
        args: vec!["keys".into(), "show".into(), non_utf8],
        code: 2,
        says: "gone-\u{fffd}.vkey: cannot read the key file".into(),
        by_clap: false,
    });
    check_rows(&fx, rows);
}

// `check` read the command line with std::env::args, which panics on an
// argument that is not UTF-8 (a session folder with such a name).
#[test]
fn check_of_a_session_in_a_non_utf8_folder_does_not_panic() {
    let fx = Fx::new();
    let name = OsStr::from_bytes(b"sess-\xff");
    let from = fx.p("archive/s");
    let to = fx.dir.join(name);
    fs::rename(&from, &to).unwrap();
    let (code, _, err) = fx.run([
        OsStr::new("check"),
        name,
        OsStr::new("--trust"),
        OsStr::new("trust.txt"),
        OsStr::new("--html"),
        OsStr::new("r.html"),
    ]);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let page = fs::read_to_string(fx.p("r.html")).unwrap();
    assert!(
        page.contains("courtseal check sess-\u{fffd} --trust trust.txt"),
        "the command line is not in the report"
    );
}

// Far-future dates inside the material (not on the command line) still
// panic inside the library; each test pins one library fix to make.

/// The sample session's record with `from` replaced by `to`.
fn edit_record(fx: &Fx, from: &str, to: &str) {
    let p = fx.p("archive/s/record.toml");
    let rec = fs::read_to_string(&p).unwrap();
    assert!(rec.contains(from));
    fs::write(&p, rec.replace(from, to)).unwrap();
}

// audit::Retention::after: "valid date" expect on a verdict date whose
// deadline leaves the calendar; the audit reads each record itself, so this
// must be a finding on that session.
#[test]
fn audit_of_a_verdict_date_whose_deadline_leaves_the_calendar() {
    let fx = Fx::new();
    edit_record(
        &fx,
        "finalised = 2026-11-21",
        "finalised = 2026-11-21\nverdict_in_force = 9999-12-21",
    );
    let (code, out, err) = fx.run([
        "audit",
        "archive",
        "--trust",
        "trust.txt",
        "--today",
        "2026-11-25",
        "--json",
    ]);
    // No panic: a deadline past the calendar is never reached, so the
    // session is kept with its deadline unknown.
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let s = &v["report"]["sessions"][0];
    assert_eq!(s["retention"], "unknown", "{v}");
    assert!(s["deadline"].is_null(), "{s}");
}

// timeline: a record time at the end of the calendar moved to another
// offset ("local datetime out of valid range") inside an audit.
#[test]
fn audit_of_a_record_ending_in_the_year_9999() {
    let fx = Fx::new();
    edit_record(
        &fx,
        "end = 2026-11-20T09:00:51+05:00",
        "end = 9999-12-31T23:59:59+00:00",
    );
    let (code, _, err) = fx.run([
        "audit",
        "archive",
        "--trust",
        "trust.txt",
        "--today",
        "2026-11-25",
    ]);
    assert!(code == 1 || code == 2, "exit {code}: {err}");
}

// timeline: the event tolerance added to an event dated in the year 9999
// ("resulting value is out of range"); the command line refuses such an
// --at, but a log can hold one (appended here through the library).
#[test]
fn check_of_an_event_dated_in_the_year_9999() {
    let fx = Fx::new();
    let operator = courtseal::keys::load_signer(&fx.p("demo-secretary.key")).unwrap();
    let ev = courtseal::event::make_event(
        &operator,
        ORIGIN,
        "note",
        "9999-12-31T23:59:59.000Z",
        "dated at the end of the calendar",
    )
    .unwrap();
    courtseal::session::append_event(&fx.p("archive/s"), ev).unwrap();
    let (code, _, err) = fx.run([
        "seal",
        "archive/s",
        "--key",
        "demo-recorder.key",
        "--no-silence",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = fx.run(["check", "archive/s", "--trust", "trust.txt", "--json"]);
    // No panic, and the event is still reported as stated.
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    assert!(out.contains("9999-12-31T23:59:59"), "{out}");
}

// Event kinds and reasons, the basis of a destruction and output names that
// name no file were checked only once the work was under way.
#[test]
fn words_and_names_are_checked_before_any_work() {
    let fx = Fx::new();
    let event = |kind: &'static str, reason: &'static str| {
        vec![
            "event",
            "archive/s",
            kind,
            "--reason",
            reason,
            "--key",
            "demo-secretary.key",
        ]
    };
    let rows = vec![
        row(&event("bogus", "r"), 2, "unknown event kind \"bogus\""),
        row(
            &event("note", "two\nlines"),
            2,
            "--reason: the reason must be one line of text",
        ),
        row(
            &event("note", " "),
            2,
            "--reason: the reason must be one line of text",
        ),
        row(
            &[
                "retire",
                "archive/s",
                "--key",
                "demo-recorder.key",
                "--basis",
                "a\u{7}",
                "--trust",
                "trust.txt",
            ],
            2,
            "--basis: the basis must be one line of text",
        ),
        row(
            &[
                "proof",
                "archive/s",
                "seg-0001.m4a",
                "-o",
                "/",
                "--trust",
                &common::recorder_vkey_file(),
            ],
            2,
            "/: not a file name",
        ),
        row(
            &["audit", "archive", "--trust", "trust.txt", "--html", "."],
            2,
            ".: not a file name",
        ),
    ];
    check_rows(&fx, rows);
    let log = fs::read_to_string(fx.p("archive/s/courtseal/log.jsonl")).unwrap();
    assert!(!log.contains("\"event\""), "a refused event was appended");
}

// audit reads each session's record itself: a FIFO there hangs the audit.
#[test]
fn audit_of_a_session_whose_record_is_a_fifo() {
    let fx = Fx::new();
    fs::remove_file(fx.p("archive/s/record.toml")).unwrap();
    let o = Command::new("mkfifo")
        .arg(fx.p("archive/s/record.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "mkfifo");
    let (code, out, err) = fx.run([
        "audit",
        "archive",
        "--trust",
        "trust.txt",
        "--today",
        "2026-11-25",
        "--json",
    ]);
    assert_eq!(code, 1, "{err}");
    // Reported as the session's finding, with the reason.
    assert!(
        out.contains("\"record.invalid\"") && out.contains("not a regular file"),
        "{out}"
    );
}

// An event stated at the far ends of the calendar, sealed now: backdated
// or in the future from the entry alone, with checked arithmetic (no panic
// computing how far apart the two times are).
#[test]
fn verify_of_events_stated_at_the_ends_of_the_calendar() {
    let fx = Fx::new();
    let operator = courtseal::keys::load_signer(&fx.p("demo-secretary.key")).unwrap();
    for at in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"] {
        let ev = courtseal::event::make_event(&operator, ORIGIN, "break", at, "edge").unwrap();
        courtseal::session::append_event(&fx.p("archive/s"), ev).unwrap();
    }
    let (code, _, err) = fx.run([
        "seal",
        "archive/s",
        "--key",
        "demo-recorder.key",
        "--no-silence",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = fx.run(["verify", "archive/s", "--trust", "trust.txt", "--json"]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["location"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("event.backdated", "courtseal/log.jsonl:6"),
            ("event.future", "courtseal/log.jsonl:7")
        ]
    );
    let (code, _, err) = fx.run(["check", "archive/s", "--trust", "trust.txt"]);
    assert_eq!(code, 1, "{err}");
}

// Every file in checkpoints/ is now opened: a stray one too large to be a
// checkpoint, a FIFO or a folder there is a warning, never a hang, a huge
// read or a refusal to examine the session.
#[test]
fn stray_files_in_checkpoints_are_ignored_with_a_warning() {
    let fx = Fx::new();
    let dir = fx.p("archive/s/courtseal/checkpoints");
    let big = fs::File::create(dir.join("backup.bak")).unwrap();
    big.set_len(64 << 20).unwrap();
    let o = Command::new("mkfifo")
        .arg(dir.join(".tmp-fifo"))
        .output()
        .unwrap();
    assert!(o.status.success(), "mkfifo");
    fs::create_dir(dir.join("7")).unwrap();
    let (code, out, err) = fx.run(["verify", "archive/s", "--trust", "trust.txt", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut codes: Vec<(&str, &str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["location"].as_str().unwrap(),
            )
        })
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            (
                "checkpoint.malformed",
                "warning",
                "courtseal/checkpoints/.tmp-fifo"
            ),
            ("checkpoint.malformed", "warning", "courtseal/checkpoints/7"),
            (
                "checkpoint.malformed",
                "warning",
                "courtseal/checkpoints/backup.bak"
            ),
        ]
    );
}

// Sealed records: out-of-range dates inside signed material are findings on
// their entry, never a panic, and never a deadline.

/// `record seal` of the sample session, checkpointed by the recorder.
fn seal_record(fx: &Fx) -> (i32, String, String) {
    fx.run([
        "record",
        "seal",
        "archive/s",
        "--key",
        "demo-secretary.key",
        "--recorder-key",
        "demo-recorder.key",
    ])
}

#[test]
fn a_sealed_verdict_date_whose_deadline_leaves_the_calendar_is_a_finding() {
    let fx = Fx::new();
    edit_record(
        &fx,
        "finalised = 2026-11-21",
        "finalised = 2026-11-21\nverdict_in_force = 9999-12-21",
    );
    let (code, _, err) = seal_record(&fx);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = fx.run([
        "audit",
        "archive",
        "--trust",
        "trust.txt",
        "--today",
        "2026-11-25",
        "--due-within",
        "100y",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let s = &v["report"]["sessions"][0];
    assert_eq!(s["retention"], "unknown", "{v}");
    assert!(s["deadline"].is_null(), "{s}");
    let codes: Vec<&str> = s["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["retention.out_of_range"], "{s}");
    let (code, _, err) = fx.run([
        "retire",
        "archive/s",
        "--key",
        "demo-secretary.key",
        "--basis",
        "retention ended",
        "--trust",
        "trust.txt",
        "--force",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("out of range"), "{err}");
    assert!(fx.p("archive/s/seg-0001.m4a").exists());
}

#[test]
fn record_seal_of_a_record_ending_in_the_year_9999_is_refused_before_the_log_is_touched() {
    let fx = Fx::new();
    edit_record(
        &fx,
        "end = 2026-11-20T09:00:51+05:00",
        "end = 9999-12-31T23:59:59-05:00",
    );
    let log = fx.p("archive/s/courtseal/log.jsonl");
    let before = fs::read(&log).unwrap();
    let (code, _, err) = seal_record(&fx);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("outside the years 1970 to 2999"), "{err}");
    assert_eq!(fs::read(&log).unwrap(), before);
}

// A record entry signed by the court's own operator key whose record ends
// in the year 9999 (made through the library, as a hostile tool would): a
// finding on its line in check and audit, never arithmetic off the calendar.
#[test]
fn a_sealed_record_ending_in_the_year_9999_is_a_finding_on_its_entry() {
    let fx = Fx::new();
    let text = fs::read_to_string(fx.p("archive/s/record.toml"))
        .unwrap()
        .replace(
            "end = 2026-11-20T09:00:51+05:00",
            "end = 9999-12-31T23:59:59+00:00",
        );
    let fields = courtseal::format::statement::RecordFields {
        court: "District Court No. 2".into(),
        case: "2-1234/2026".into(),
        judge: "A. B. Seitkali".into(),
        secretary: "D. E. Omarova".into(),
        start: "2026-11-20T04:00:00.000Z".into(),
        end: "9999-12-31T23:59:59.000Z".into(),
        breaks: vec![],
        failures: vec![],
        finalised: Some("2026-11-21".into()),
        verdict_in_force: None,
    };
    let operator = courtseal::keys::load_signer(&fx.p("demo-secretary.key")).unwrap();
    let mut e =
        courtseal::format::statement::make_record(&operator, ORIGIN, 1, &text, &fields).unwrap();
    e.sealed_at = courtseal::entry::now_utc();
    courtseal::session::append_lines(
        &courtseal::session::SessionPaths::new(&fx.p("archive/s")),
        &[courtseal::entry::to_line(&e)],
    )
    .unwrap();
    // The sealer never signs it: it vets the record and its years.
    let (code, _, err) = fx.run([
        "seal",
        "archive/s",
        "--key",
        "demo-recorder.key",
        "--no-silence",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("outside the years"), "{err}");
    // A recorder key holder can still sign a checkpoint over it by hand:
    // verify, check and audit must then report it, never panic.
    let paths = courtseal::session::SessionPaths::new(&fx.p("archive/s"));
    let tree = courtseal::log::Log::read(&paths.log).unwrap().tree();
    let recorder = courtseal::keys::load_signer(&fx.p("demo-recorder.key")).unwrap();
    let cp = courtseal::checkpoint::Checkpoint::new(ORIGIN, tree.size(), tree.root());
    courtseal::session::write_checkpoint(&paths, &recorder, &cp).unwrap();
    let (code, out, err) = fx.run(["check", "archive/s", "--trust", "trust.txt", "--json"]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = &v["verify"]["findings"][0];
    assert_eq!(
        (f["code"].as_str(), f["location"].as_str()),
        (Some("record.invalid"), Some("courtseal/log.jsonl:6"))
    );
    assert!(
        f["message"].as_str().unwrap().contains("outside the years"),
        "{f}"
    );
    let (code, _, err) = fx.run(["audit", "archive", "--trust", "trust.txt"]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn due_within_a_hundred_thousand_years_is_refused() {
    let fx = Fx::new();
    let (code, _, err) = fx.run([
        "audit",
        "archive",
        "--trust",
        "trust.txt",
        "--due-within",
        "100000y",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--due-within"), "{err}");
}
