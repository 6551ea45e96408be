//! Checking sessions against their short-form record, on real sealed
//! sessions built from the samples: one per problem plus a clean one, with
//! the exact codes and wall-clock times; records with every kind of bad
//! field; and the HTML report rendered in headless Chromium.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const SAMPLE: &str = "samples/session-2026-11-20-courtroom5";

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
        let trust = format!(
            "recorder {}\noperator {}\n",
            common::vkey("demo-recorder"),
            common::vkey("demo-secretary")
        );
        fs::write(dir.join("trust.txt"), trust).unwrap();
        Fx { _tmp: tmp, dir }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// A copy of the sample session without the listed segments.
    fn session(&self, name: &str, without: &[&str]) {
        common::copy_sample(&self.p(name), without);
    }

    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        common::run(&self.dir, args)
    }

    fn seal(&self, name: &str) {
        let (code, _, err) = self.cs(&[
            "seal",
            name,
            "--key",
            "demo-recorder.key",
            "--origin",
            "court.example/check-test",
            "--no-silence",
        ]);
        assert_eq!(code, 0, "{err}");
    }

    fn check(&self, name: &str) -> (i32, Value) {
        let (code, out, err) = self.cs(&["check", name, "--trust", "trust.txt", "--json"]);
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    fn edit_record(&self, name: &str, f: impl FnOnce(String) -> String) {
        let p = self.p(&format!("{name}/record.toml"));
        let t = fs::read_to_string(&p).unwrap();
        let n = f(t.clone());
        assert_ne!(n, t);
        fs::write(p, n).unwrap();
    }

    fn ffmpeg(&self, args: &[&str]) {
        common::ffmpeg(&self.dir, args);
    }
}

/// (code, from, to, seconds) of the check's own findings, sorted. The
/// records here are not sealed: `record.not_sealed`, said once per check
/// (tests/sealed_record.rs pins it), is left out.
fn timed(v: &Value) -> Vec<(String, String, String, f64)> {
    let mut out: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] != "record.not_sealed")
        .map(|f| {
            let t = &f["time"];
            (
                f["code"].as_str().unwrap().to_owned(),
                t["from"].as_str().unwrap_or("").to_owned(),
                t["to"].as_str().unwrap_or("").to_owned(),
                (t["seconds"].as_f64().unwrap_or(-1.0) * 1000.0).round() / 1000.0,
            )
        })
        .collect();
    out.sort_by(|a, b| a.partial_cmp(b).unwrap());
    out
}

fn verify_codes(v: &Value) -> Vec<String> {
    v["verify"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

fn row(code: &str, from: &str, to: &str, secs: f64) -> (String, String, String, f64) {
    (code.to_owned(), from.to_owned(), to.to_owned(), secs)
}

/// The sample session and its record: a clean bill, exit 0.
#[test]
fn clean_session_is_fully_covered() {
    let fx = Fx::new();
    fx.session("s", &[]);
    fx.seal("s");
    let (code, v) = fx.check("s");
    assert_eq!(code, 0, "{v}");
    assert_eq!(timed(&v), vec![]);
    assert_eq!(verify_codes(&v), Vec::<String>::new());
    let (_, out, _) = fx.cs(&["check", "s", "--trust", "trust.txt"]);
    assert!(
        out.contains("Result: VERIFIED. Every second of the declared session is covered"),
        "{out}"
    );
}

/// A segment that never reached the sealing step leaves 14 s covered by
/// nothing: an undeclared gap, with its wall-clock times.
#[test]
fn missing_recording_is_an_undeclared_gap() {
    let fx = Fx::new();
    fx.session("s", &["seg-0002.m4a"]);
    fx.seal("s");
    let (code, v) = fx.check("s");
    assert_eq!(code, 1);
    assert_eq!(
        timed(&v),
        vec![row(
            "continuity.undeclared_gap",
            "2026-11-20T09:00:15+05:00",
            "2026-11-20T09:00:29+05:00",
            14.0
        )]
    );
}

/// Recording that starts 10 s after the declared start, and ends 9 s before
/// the declared end.
#[test]
fn late_start_and_early_end() {
    let fx = Fx::new();
    fx.session("s", &[]);
    fx.seal("s");
    fx.edit_record("s", |t| {
        t.replace(
            "start = 2026-11-20T09:00:00+05:00",
            "start = 2026-11-20T08:59:50+05:00",
        )
        .replace(
            "end = 2026-11-20T09:00:51+05:00",
            "end = 2026-11-20T09:01:00+05:00",
        )
    });
    let (code, v) = fx.check("s");
    assert_eq!(code, 1);
    assert_eq!(
        timed(&v),
        vec![
            row(
                "continuity.early_end",
                "2026-11-20T09:00:51+05:00",
                "2026-11-20T09:01:00+05:00",
                9.0
            ),
            row(
                "continuity.late_start",
                "2026-11-20T08:59:50+05:00",
                "2026-11-20T09:00:00+05:00",
                10.0
            ),
        ]
    );
}

/// A stretch without recording covered only by a break in the record that
/// no operator event announced at the time: not "every second accounted
/// for". The record entry is a warning, the stretch an error that the exit
/// status, `--json` (`verified`, `unannounced`) and the text all carry.
#[test]
fn a_declared_break_nobody_announced_is_not_green() {
    let fx = Fx::new();
    fx.session("s", &["seg-0002.m4a"]);
    fx.seal("s");
    fx.edit_record("s", |t| {
        t + "[[break]]\nfrom = 2026-11-20T09:00:15+05:00\nto = 2026-11-20T09:00:29+05:00\nkind = \"break\"\n"
    });
    let (code, v) = fx.check("s");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verified"], false);
    assert_eq!(
        timed(&v),
        vec![
            row(
                "continuity.unannounced_break",
                "2026-11-20T09:00:15+05:00",
                "2026-11-20T09:00:29+05:00",
                14.0
            ),
            row(
                "record.break_not_sealed",
                "2026-11-20T09:00:15+05:00",
                "2026-11-20T09:00:29+05:00",
                14.0
            ),
        ]
    );
    assert_eq!(v["gaps"], serde_json::json!([]));
    assert_eq!(
        v["unannounced"],
        serde_json::json!([{"from": "2026-11-20T04:00:15Z", "to": "2026-11-20T04:00:29Z"}])
    );
    let (code, out, _) = fx.cs(&["check", "s", "--trust", "trust.txt", "--html", "s.html"]);
    assert_eq!(code, 1);
    assert!(out.contains("Result: NOT VERIFIED."), "{out}");
    assert!(
        out.contains("Not every second is accounted for: 1 stretch without recording (14.0 s) is covered only by a break or failure in the record that no operator event announced at the time."),
        "{out}"
    );
    assert!(
        !out.contains("Every second of the declared session is covered"),
        "{out}"
    );
    let page = fs::read_to_string(fx.p("s.html")).unwrap();
    assert!(
        page.contains(courtseal::report::UNANNOUNCED_COLOUR)
            && page.contains("fill=\"url(#hatch-unannounced)\""),
        "drawn in its own colour"
    );
    assert!(
        page.contains("NOT VERIFIED.")
            && page.contains("14 s of the hearing (")
            && page.contains("have no recording and are covered only by a break or failure in the record that no operator announced at the time."),
        "the verdict says so"
    );
}

/// A declared failure whose act nobody signed.
#[test]
fn failure_without_act() {
    let fx = Fx::new();
    fx.session("s", &["seg-0002.m4a"]);
    fx.seal("s");
    fx.edit_record("s", |t| {
        t + "[[failure]]\nfrom = 2026-11-20T09:00:15+05:00\nto = 2026-11-20T09:00:29+05:00\nreason = \"microphone failure\"\nact_signed_by = []\n"
    });
    let (code, v) = fx.check("s");
    assert_eq!(code, 1);
    assert_eq!(
        timed(&v),
        vec![
            row(
                "continuity.unannounced_break",
                "2026-11-20T09:00:15+05:00",
                "2026-11-20T09:00:29+05:00",
                14.0
            ),
            row(
                "record.failure_not_sealed",
                "2026-11-20T09:00:15+05:00",
                "2026-11-20T09:00:29+05:00",
                14.0
            ),
            row(
                "record.failure_without_act",
                "2026-11-20T09:00:15+05:00",
                "2026-11-20T09:00:29+05:00",
                14.0
            ),
        ]
    );
}

/// The record names another judge than the sealed session header.
#[test]
fn record_mismatch_with_sealed_header() {
    let fx = Fx::new();
    fx.session("s", &[]);
    fx.seal("s");
    fx.edit_record("s", |t| {
        t.replace("judge = \"A. B. Seitkali\"", "judge = \"Z. Substitute\"")
    });
    let (code, v) = fx.check("s");
    assert_eq!(code, 1);
    let f: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["location"].as_str().unwrap()))
        .collect();
    assert_eq!(
        f,
        [
            ("record.not_sealed", "record: record.toml"),
            ("record.mismatch", "record: judge")
        ]
    );
}

/// A stop-start inside one file (two recordings joined with a 5 s hole in
/// the timestamps) is an internal gap on the wall clock.
#[test]
fn timestamp_jump_inside_a_file_is_an_internal_gap() {
    let fx = Fx::new();
    fx.session("src", &[]);
    fs::create_dir(fx.p("s")).unwrap();
    let list = format!(
        "file '{}'\nduration 20\nfile '{}'\n",
        fx.p("src/seg-0001.m4a").display(),
        fx.p("src/seg-0002.m4a").display()
    );
    fs::write(fx.p("list.txt"), list).unwrap();
    fx.ffmpeg(&[
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        "list.txt",
        "-c",
        "copy",
        "-metadata",
        "creation_time=2026-11-20T04:00:00Z",
        "s/rec.m4a",
    ]);
    fs::write(
        fx.p("s/record.toml"),
        fs::read_to_string(fx.p("src/record.toml"))
            .unwrap()
            .replace(
                "end = 2026-11-20T09:00:51+05:00",
                "end = 2026-11-20T09:00:34+05:00",
            ),
    )
    .unwrap();
    fx.seal("s");
    let (code, v) = fx.check("s");
    assert_eq!(code, 1);
    assert_eq!(
        timed(&v),
        vec![row(
            "continuity.internal_gap",
            "2026-11-20T09:00:15.04+05:00",
            "2026-11-20T09:00:20+05:00",
            4.96
        )]
    );
    assert_eq!(verify_codes(&v), ["media.internal_gap"]);
}

/// A segment whose declared start is a given time.
fn retimed(fx: &Fx, src: &str, dst: &str, start: time::OffsetDateTime) {
    let t = start
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    fx.ffmpeg(&[
        "-i",
        src,
        "-map",
        "0",
        "-c",
        "copy",
        "-metadata",
        &format!("creation_time={t}"),
        dst,
    ]);
}

/// Live-style: the break is announced as an operator event at the moment it
/// starts (and so is sealed at the time); an event entered later that
/// claims an earlier time than a checkpoint that did not include it is
/// backdated.
#[test]
fn break_sealed_at_the_time_and_a_backdated_event() {
    let fx = Fx::new();
    fx.session("src", &[]);
    fs::create_dir(fx.p("s")).unwrap();
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let t0 = now - time::Duration::seconds(15);
    let sec = time::Duration::seconds;
    retimed(&fx, "src/seg-0001.m4a", "s/seg-0001.m4a", t0);
    fx.seal("s"); // seg-0001, sealed as it ends (now)
    let (code, _, err) = fx.cs(&[
        "event",
        "s",
        "break",
        "--reason",
        "15-minute break",
        "--key",
        "demo-secretary.key",
        "--recorder-key",
        "demo-recorder.key",
    ]);
    assert_eq!(code, 0, "{err}");
    retimed(&fx, "src/seg-0003.mp4", "s/seg-0003.mp4", t0 + sec(29));
    retimed(&fx, "src/seg-0004.m4a", "s/seg-0004.m4a", t0 + sec(39));
    fx.seal("s");
    let rfc = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let record = fs::read_to_string(fx.p("src/record.toml"))
        .unwrap()
        // Its times are written in UTC below, so it names no zone; it is
        // finalised on the day of the session.
        .replace("time_zone = \"Asia/Almaty\"", "")
        .replace(
            "finalised = 2026-11-21",
            &format!("finalised = {}", t0.date()),
        )
        .replace(
            "start = 2026-11-20T09:00:00+05:00",
            &format!("start = {}", rfc(t0)),
        )
        .replace(
            "end = 2026-11-20T09:00:51+05:00",
            &format!("end = {}", rfc(t0 + sec(51))),
        )
        + &format!(
            "[[break]]\nfrom = {}\nto = {}\nkind = \"break\"\n",
            rfc(t0 + sec(15)),
            rfc(t0 + sec(29))
        );
    fs::write(fx.p("s/record.toml"), record).unwrap();
    let (code, v) = fx.check("s");
    assert_eq!(code, 0, "{v}");
    assert_eq!(timed(&v), vec![]);

    // Now someone enters a "stop" claimed for more than the event tolerance
    // (60 s) before checkpoints that were signed without it.
    let claimed = rfc(t0 - sec(50));
    let (code, _, err) = fx.cs(&[
        "event",
        "s",
        "stop",
        "--reason",
        "stopped at the judge's order",
        "--force",
        "--at",
        &claimed,
        "--key",
        "demo-secretary.key",
        "--recorder-key",
        "demo-recorder.key",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, v) = fx.check("s");
    assert_eq!(code, 1);
    let codes: Vec<String> = timed(&v).into_iter().map(|r| r.0).collect();
    assert_eq!(codes, ["event.backdated"]);
    // findings[0] is record.not_sealed (the record here is not sealed).
    assert_eq!(v["findings"][1]["time"]["from"], claimed);
}

/// Records with bad fields: each problem names its field and line.
#[test]
fn record_check_names_field_and_line() {
    let fx = Fx::new();
    let good = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(SAMPLE)
            .join("record.toml"),
    )
    .unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        ("end before start", good.replace("end = 2026-11-20T09:00:51+05:00", "end = 2026-11-20T08:00:00+05:00"), "line 9: end: the session ends"),
        ("unknown field", good.replace("place = ", "venue = "), "line 7: venue: unknown field 'venue'"),
        ("no offset", good.replace("start = 2026-11-20T09:00:00+05:00", "start = 2026-11-20T10:00:00"), "line 8: start: 2026-11-20T10:00:00 has no time zone offset"),
        (
            "break outside the session",
            good.clone() + "[[break]]\nfrom = 2026-11-20T10:00:00+05:00\nto = 2026-11-20T10:10:00+05:00\nkind = \"break\"\n",
            "line 24: break[1]: 2026-11-20T10:00:00+05:00 to 2026-11-20T10:10:00+05:00 is outside the session",
        ),
        (
            "overlapping breaks",
            good.clone()
                + "[[break]]\nfrom = 2026-11-20T09:00:10+05:00\nto = 2026-11-20T09:00:20+05:00\nkind = \"break\"\n"
                + "[[break]]\nfrom = 2026-11-20T09:00:15+05:00\nto = 2026-11-20T09:00:25+05:00\nkind = \"adjournment\"\n",
            "line 28: break[2]: overlaps break[1]",
        ),
        ("bad break kind", good.clone() + "[[break]]\nfrom = 2026-11-20T09:00:10+05:00\nto = 2026-11-20T09:00:20+05:00\nkind = \"lunch\"\n", "line 26: break[1].kind: \"lunch\" is not break, adjournment or deliberation"),
        ("missing judge", good.replace("judge = \"A. B. Seitkali\"\n", ""), "judge: the record has no judge; add a line judge = \"...\""),
        ("date with a time", good.replace("finalised = 2026-11-21", "finalised = 2026-11-21T10:00:00+06:00"), "line 12: finalised: must be a date"),
    ];
    for (what, text, want) in cases {
        fs::write(fx.p("r.toml"), text).unwrap();
        let (code, out, err) = fx.cs(&["record", "check", "r.toml"]);
        assert_eq!(code, 1, "{what}: {out}{err}");
        assert!(out.contains(want), "{what}: want {want:?} in:\n{out}");
    }
    // The template is refused until its placeholders are replaced; JSON is
    // accepted too.
    let (_, template, _) = fx.cs(&["record", "template"]);
    fs::write(fx.p("t.toml"), template).unwrap();
    assert_eq!(fx.cs(&["record", "check", "t.toml"]).0, 1);
    let json = r#"{"court":"District Court No. 2","case":"2-1234/2026","judge":"A","secretary":"B",
        "start":"2026-11-20T09:00:00+05:00","end":"2026-11-20T10:00:00+05:00",
        "break":[{"from":"2026-11-20T09:10:00+05:00","to":"2026-11-20T09:20:00+05:00","kind":"deliberation"}]}"#;
    fs::write(fx.p("r.json"), json).unwrap();
    let (code, out, _) = fx.cs(&["record", "check", "r.json"]);
    assert_eq!(code, 0, "{out}");
    fs::write(fx.p("r.json"), json.replace("+05:00\",\"end", "\",\"end")).unwrap();
    let (code, out, _) = fx.cs(&["record", "check", "r.json"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("start: 2026-11-20T09:00:00 has no time zone offset"),
        "{out}"
    );
}

/// Renders a report in headless Chromium; returns the screenshot's pixels.
fn render(fx: &Fx, html: &Path, png_out: &Path) -> (u32, u32, Vec<u8>) {
    let profile = fx.p(&format!(
        "chromium-profile-{}",
        png_out.file_stem().unwrap().to_string_lossy()
    ));
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1000,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png_out.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium is needed to check the HTML report (scripts/setup.sh installs it)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dec = png::Decoder::new(fs::File::open(png_out).unwrap());
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    // As RGBA, whatever Chromium wrote.
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    (info.width, info.height, rgba)
}

/// Pixels of the gap colour (#d00000), and pixels that are not white.
fn count(px: &[u8]) -> (usize, usize) {
    let mut red = 0;
    let mut ink = 0;
    for p in px.chunks_exact(4) {
        let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
        if (r - 208).abs() <= 6 && g <= 8 && b <= 8 {
            red += 1;
        }
        if r < 240 || g < 240 || b < 240 {
            ink += 1;
        }
    }
    (red, ink)
}

/// The HTML report, rendered by a real browser: not blank, the 14 s gap is
/// drawn in red, a clean session's report has no red at all, and it prints
/// on A4 pages.
#[test]
fn html_report_renders_and_shows_the_gap() {
    let fx = Fx::new();
    fx.session("clean", &[]);
    fx.seal("clean");
    fx.session("gap", &["seg-0002.m4a"]);
    fx.seal("gap");
    for s in ["clean", "gap"] {
        let (code, _, err) = fx.cs(&[
            "check",
            s,
            "--trust",
            "trust.txt",
            "--html",
            &format!("{s}.html"),
        ]);
        assert!(code <= 1, "{err}");
    }
    let page = fs::read_to_string(fx.p("gap.html")).unwrap();
    assert!(
        page.contains("continuity.undeclared_gap") && page.contains("<svg"),
        "report content"
    );
    // Self-contained: nothing is loaded from elsewhere.
    for external in ["src=\"http", "href=\"http", "@import", "url(http", "url(/"] {
        assert!(!page.contains(external), "the report loads {external}");
    }

    let (w, h, px) = render(&fx, &fx.p("clean.html"), &fx.p("clean.png"));
    let (clean_red, ink) = count(&px);
    let total = (w * h) as usize;
    assert!(
        ink > total / 50,
        "the clean page looks blank: {ink} of {total} pixels inked"
    );
    // In a clean report the only red is the legend's two small swatches
    // ("not recorded" and the dashed outline of a missing segment).
    assert!(
        clean_red < 400,
        "a clean report draws no gap: {clean_red} red pixels"
    );
    let (_, _, px) = render(&fx, &fx.p("gap.html"), &fx.p("gap.png"));
    let (red, ink) = count(&px);
    assert!(
        ink > total / 50,
        "the page looks blank: {ink} of {total} pixels inked"
    );
    // The gap is 14 s of a 51 s session drawn twice (declared-session row and
    // "not covered" row) at 20 px high on an 860 px wide axis: well over 2000 px.
    assert!(
        red > clean_red + 2000,
        "the gap is not drawn in red: {red} red pixels ({clean_red} when clean)"
    );

    // Printing: A4 pages (595 x 842 points).
    let pdf = fx.p("gap.pdf");
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            fx.p("chromium-profile-pdf").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", fx.p("gap.html").display()))
        .output()
        .unwrap();
    assert!(o.status.success());
    let bytes = fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("/MediaBox [0 0 594.95996 841.91998]") || text.contains("/MediaBox [0 0 595"),
        "not A4"
    );
}
