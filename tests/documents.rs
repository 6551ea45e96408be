//! The documents courtseal writes for people, rendered by a real browser
//! (headless Chromium): the check report, the certificates of `verify` and
//! `verify-file`, and the audit act. Each must print on A4, clip no text,
//! and list every segment and event row; the report draws the gap in red.
//! The act shows its own SHA-256 and its signature survives a rename.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const ORIGIN: &str = "court.example/documents-test";

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
        let fx = Fx { _tmp: tmp, dir };
        let (code, _, err) = fx.cs(&["keys", "generate", "--name", "archivist-omarova"]);
        assert_eq!(code, 0, "{err}");
        let trust = format!(
            "recorder {}\noperator {}\narchivist {}\n",
            common::vkey("demo-recorder"),
            common::vkey("demo-secretary"),
            fs::read_to_string(fx.p("archivist-omarova.vkey"))
                .unwrap()
                .trim()
        );
        fs::write(fx.p("trust.txt"), trust).unwrap();
        fx
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        common::run(&self.dir, args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.cs(args);
        assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
        out
    }

    /// The sample session without seg-0002 (a 14 s gap, 09:00:15–09:00:29
    /// at +05:00, the court's zone Asia/Almaty), sealed, with an operator's note signed during it, and
    /// seg-0004 changed after sealing.
    fn damaged_session(&self, name: &str) {
        common::copy_sample(&self.p(name), &["seg-0002.m4a"]);
        self.seal(name);
        self.ok(&[
            "event",
            name,
            "note",
            "--reason",
            "judge: witness K. L. Nurlanova may leave the room",
            "--at",
            "2026-11-20T09:00:20+05:00",
            // Stated long before now: signed on purpose.
            "--force",
            "--key",
            "demo-secretary.key",
            "--recorder-key",
            "demo-recorder.key",
        ]);
        let seg = self.p(&format!("{name}/seg-0004.m4a"));
        let mut bytes = fs::read(&seg).unwrap();
        let n = bytes.len();
        bytes[n / 2] ^= 0x55;
        fs::write(&seg, bytes).unwrap();
    }

    fn seal(&self, name: &str) {
        let (code, _, err) = self.cs(&[
            "seal",
            name,
            "--key",
            "demo-recorder.key",
            "--origin",
            &format!("{ORIGIN}/{name}"),
        ]);
        assert_eq!(code, 0, "{err}");
    }
}

/// Runs headless Chromium on `html` with a fresh profile and `extra`
/// arguments; returns standard output.
fn chromium(fx: &Fx, html: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir_in(&fx.dir).unwrap();
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
            "--no-pdf-header-footer",
            "--window-size=794,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium is needed to check the documents (scripts/setup.sh installs it)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Prints `html` to PDF: asserts every page is A4 (595 x 842 points) and
/// returns the number of pages.
fn assert_a4(fx: &Fx, html: &Path) -> usize {
    let pdf = html.with_extension("pdf");
    chromium(fx, html, &[format!("--print-to-pdf={}", pdf.display())]);
    let text = String::from_utf8_lossy(&fs::read(&pdf).unwrap()).into_owned();
    let boxes: Vec<&str> = text
        .match_indices("/MediaBox [")
        .map(|(i, _)| {
            let rest = &text[i + 11..];
            &rest[..rest.find(']').unwrap()]
        })
        .collect();
    assert!(!boxes.is_empty(), "{}: no page in the PDF", html.display());
    for b in &boxes {
        let n: Vec<f64> = b.split_whitespace().map(|x| x.parse().unwrap()).collect();
        assert!(
            n[0] == 0.0 && n[1] == 0.0 && (n[2] - 595.0).abs() < 1.0 && (n[3] - 842.0).abs() < 1.0,
            "{}: a page is not A4: [{b}]",
            html.display()
        );
    }
    boxes.len()
}

/// A script, added to a copy of the document, that lists every element
/// whose text overflows its box, every table wider than the page body, and
/// every label of the timeline that leaves the picture; Chromium's
/// --dump-dom then shows its verdict as a marker.
const CLIP_CHECK: &str = r#"<script>
(function () {
  var bad = [];
  var body = document.body.getBoundingClientRect();
  document.querySelectorAll('body *').forEach(function (e) {
    if (e.closest('svg')) return;
    if (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1) bad.push(e.tagName + ':' + e.textContent.slice(0, 40));
    var r = e.getBoundingClientRect();
    if (r.width > 0 && (r.right > body.right + 1 || r.left < body.left - 1)) bad.push('outside:' + e.tagName + ':' + e.textContent.slice(0, 40));
  });
  document.querySelectorAll('svg[viewBox]').forEach(function (svg) {
    var vb = svg.viewBox.baseVal;
    svg.querySelectorAll('text').forEach(function (t) {
      var b = t.getBBox();
      if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 || b.y + b.height > vb.y + vb.height + 0.5) bad.push('svg-text:' + t.textContent);
    });
  });
  var m = document.createElement('div');
  m.id = 'clip-verdict';
  m.textContent = bad.length ? 'CLIPPED ' + bad.join(' | ') : 'NOTHING-CLIPPED';
  document.body.appendChild(m);
})();
</script>"#;

fn assert_nothing_clipped(fx: &Fx, html: &Path) {
    assert_eq!(
        clip_verdict(fx, html),
        "NOTHING-CLIPPED",
        "{}",
        html.display()
    );
}

fn clip_verdict(fx: &Fx, html: &Path) -> String {
    let page = fs::read_to_string(html).unwrap();
    let probe = html.with_extension("probe.html");
    fs::write(
        &probe,
        page.replace("</body>", &format!("{CLIP_CHECK}</body>")),
    )
    .unwrap();
    let dom = chromium(fx, &probe, &["--dump-dom".to_owned()]);
    let verdict = dom
        .split("id=\"clip-verdict\">")
        .nth(1)
        .and_then(|r| r.split("</div>").next())
        .unwrap_or("the clip check did not run");
    verdict.to_owned()
}

/// The clip check itself sees clipped text: a cell too narrow for its
/// words, and a timeline label that leaves its picture.
#[test]
fn the_clip_check_sees_clipped_text() {
    let fx = Fx::new();
    let page = r#"<!DOCTYPE html><html><body style="width:600px">
<div style="width:40px;overflow:hidden;white-space:nowrap">2026-11-20 10:00:15 +06:00</div>
<svg viewBox="0 0 100 20" width="100"><text x="90" y="15" font-size="12">10:00:50</text></svg>
</body></html>"#;
    fs::write(fx.p("clipped.html"), page).unwrap();
    let v = clip_verdict(&fx, &fx.p("clipped.html"));
    assert!(
        v.starts_with("CLIPPED") && v.contains("DIV:2026-11-20") && v.contains("svg-text:10:00:50"),
        "{v}"
    );
}

/// Screenshot pixels: (gap-red pixels, inked pixels, total).
fn red_pixels(fx: &Fx, html: &Path) -> (usize, usize, usize) {
    let png_path = html.with_extension("png");
    chromium(fx, html, &[format!("--screenshot={}", png_path.display())]);
    let dec = png::Decoder::new(fs::File::open(&png_path).unwrap());
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let step = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let (mut red, mut ink) = (0, 0);
    for p in buf.chunks_exact(step) {
        let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
        if (r - 208).abs() <= 6 && g <= 8 && b <= 8 {
            red += 1;
        }
        if r < 240 || g < 240 || b < 240 {
            ink += 1;
        }
    }
    (red, ink, (info.width * info.height) as usize)
}

/// The page's text without its tags.
fn text_of(page: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn count(page: &str, needle: &str) -> usize {
    page.matches(needle).count()
}

#[test]
fn the_check_report_names_the_gap_in_local_time_prints_on_a4_and_clips_nothing() {
    let fx = Fx::new();
    fx.damaged_session("gap");
    common::copy_sample(&fx.p("clean"), &[]);
    fx.seal("clean");
    // Arguments are checked before the work: a folder cannot be replaced.
    fs::create_dir(fx.p("taken.html")).unwrap();
    let (code, _, err) = fx.cs(&[
        "check",
        "gap",
        "--trust",
        "trust.txt",
        "--html",
        "taken.html",
        "--force",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a regular file"), "{err}");

    fx.ok(&["check", "gap", "--trust", "trust.txt", "--html", "gap.html"]);
    fx.ok(&[
        "check",
        "clean",
        "--trust",
        "trust.txt",
        "--html",
        "clean.html",
    ]);
    let html = fx.p("gap.html");
    let mode = fs::metadata(&html).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "a document for the parties is readable by all");
    let page = fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("times are local (Asia/Almaty, +05:00)"),
        "the record's zone is named"
    );

    // The headline, in plain words and local time.
    assert!(
        page.contains("14 s of the hearing (09:00:15–09:00:29) were not recorded."),
        "headline"
    );
    assert!(page.contains("(segment seg-0004.m4a) was changed after it was sealed"));
    // Every segment row and every event row, with who and why on paper.
    assert_eq!(count(&page, "class=\"segment-row\""), 3);
    for s in ["seg-0001.m4a", "seg-0003.mp4", "seg-0004.m4a"] {
        assert!(page.contains(s), "{s}");
    }
    assert_eq!(count(&page, "class=\"event-row\""), 1);
    assert!(page.contains("judge: witness K. L. Nurlanova may leave the room"));
    let text = text_of(&page);
    assert!(text.contains("demo-secretary") && text.contains("2026-11-20 09:00:20 +05:00"));
    // The changed segment is not drawn as sealed recording.
    assert!(page.contains("url(#hatch-changed)"));
    // Gap edges labelled; the record's hash and that it is not sealed.
    assert!(page.contains(">09:00:15</text>") && page.contains(">09:00:29</text>"));
    assert!(page.contains("unsigned") && page.contains("SHA-256"));
    assert!(page.contains("counter(page)"), "page numbers");
    for external in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!page.contains(external), "the report loads {external}");
    }

    // Not overwritten without --force; replaced with it.
    let (code, _, err) = fx.cs(&["check", "gap", "--trust", "trust.txt", "--html", "gap.html"]);
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    fx.ok(&[
        "check",
        "gap",
        "--trust",
        "trust.txt",
        "--html",
        "gap.html",
        "--force",
    ]);

    assert_a4(&fx, &html);
    assert_nothing_clipped(&fx, &html);
    let (red, ink, total) = red_pixels(&fx, &html);
    let (clean_red, clean_ink, _) = red_pixels(&fx, &fx.p("clean.html"));
    assert!(
        ink > total / 50 && clean_ink > total / 50,
        "a page looks blank"
    );
    // 14 s of a 51 s session, drawn in two rows 20 px high on a 526 px
    // axis: well over 2000 red pixels more than the clean report's legend.
    assert!(
        red > clean_red + 2000,
        "the gap is not drawn red: {red} red pixels ({clean_red} when clean)"
    );
}

#[test]
fn certificates_of_verify_and_verify_file_state_what_was_checked_on_a4() {
    let fx = Fx::new();
    common::copy_sample(&fx.p("s"), &[]);
    fx.seal("s");
    fx.ok(&[
        "verify",
        "s",
        "--trust",
        "trust.txt",
        "--html",
        "session.html",
    ]);
    let page = fs::read_to_string(fx.p("session.html")).unwrap();
    assert!(page.contains("VERIFIED: all 4 sealed segments of this session are present"));
    assert_eq!(count(&page, "class=\"segment-row\""), 4);
    assert!(page.contains("2-1234/2026") && page.contains("District Court No. 2"));
    assert!(page.contains("09:00:00–09:00:15"), "local recording time");
    assert!(page.contains("What this does not prove"));
    let pages = assert_a4(&fx, &fx.p("session.html"));
    assert!(pages <= 2, "{pages} pages");
    assert_nothing_clipped(&fx, &fx.p("session.html"));

    fx.ok(&[
        "proof",
        "s",
        "seg-0003.mp4",
        "-o",
        "seg-0003.tlog-proof",
        "--trust",
        &common::recorder_vkey_file(),
    ]);
    fx.ok(&[
        "verify-file",
        "s/seg-0003.mp4",
        "--proof",
        "seg-0003.tlog-proof",
        "--trust",
        "trust.txt",
        "--html",
        "file.html",
    ]);
    let page = fs::read_to_string(fx.p("file.html")).unwrap();
    assert!(page.contains(&format!(
        "VERIFIED: this file is byte for byte the recording seg-0003.mp4 sealed into the court&#39;s log {ORIGIN}/s."
    )) || page.contains(&format!(
        "VERIFIED: this file is byte for byte the recording seg-0003.mp4 sealed into the court's log {ORIGIN}/s."
    )), "result sentence");
    let sha = fs::read_to_string(fx.p("s/courtseal/log.jsonl")).unwrap();
    let sealed_hash = sha
        .lines()
        .find(|l| l.contains("seg-0003.mp4"))
        .and_then(|l| l.split("\"sha256\":\"").nth(1))
        .map(|r| &r[..64])
        .unwrap()
        .to_owned();
    assert!(page.contains(&sealed_hash), "the file's SHA-256 is shown");
    assert!(
        page.contains("demo-recorder (key ID"),
        "the signer's key ID"
    );
    let pages = assert_a4(&fx, &fx.p("file.html"));
    assert!(pages <= 2, "{pages} pages");
    assert_nothing_clipped(&fx, &fx.p("file.html"));

    // A changed copy gets a certificate that says so.
    let mut bytes = fs::read(fx.p("s/seg-0003.mp4")).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 1;
    fs::write(fx.p("copy.mp4"), bytes).unwrap();
    let (code, _, err) = fx.cs(&[
        "verify-file",
        "copy.mp4",
        "--proof",
        "seg-0003.tlog-proof",
        "--trust",
        "trust.txt",
        "--html",
        "copy.html",
    ]);
    assert_eq!(code, 1, "{err}");
    let page = fs::read_to_string(fx.p("copy.html")).unwrap();
    assert!(page.contains("NOT VERIFIED") && page.contains("segment.changed"));
}

fn audit(fx: &Fx, act: &str) {
    fx.ok(&[
        "audit",
        "arch",
        "--trust",
        "trust.txt",
        "--html",
        act,
        "--sign",
        "archivist-omarova.key",
        "--archivist",
        "D. E. Omarova",
        "--archivist-role",
        "archivist of District Court No. 2",
        "--today",
        "2027-01-10",
        "--state",
        "state.jsonl",
    ]);
}

#[test]
fn the_audit_act_shows_its_sha256_and_its_signature_survives_a_rename() {
    let fx = Fx::new();
    fs::create_dir(fx.p("arch")).unwrap();
    common::copy_sample(&fx.p("arch/a"), &[]);
    fx.seal("arch/a");
    common::copy_sample(&fx.p("arch/b"), &["seg-0002.m4a"]);
    fx.seal("arch/b");
    audit(&fx, "act.html");
    let page = fs::read_to_string(fx.p("act.html")).unwrap();
    let (digest, shown) = courtseal::audit::act_sha256(page.as_bytes()).unwrap();
    assert_eq!(digest, shown, "the act shows its own SHA-256");
    for want in [
        "D. E. Omarova",
        "archivist of District Court No. 2",
        "archivist-omarova (key ID",
        "2-1234/2026",
        "A. B. Seitkali",
        "1 year after the verdict",
        // The court's zone, from the records (once UTC for every act).
        "times are local (Asia/Almaty, +05:00)",
    ] {
        assert!(page.contains(want), "{want}");
    }
    assert!(
        !page.contains("times in UTC"),
        "the act is in the court's time"
    );
    let abs = fs::canonicalize(fx.p("arch")).unwrap();
    assert!(
        page.contains(&abs.display().to_string()),
        "absolute archive"
    );
    assert_eq!(count(&page, "class=\"session-row\""), 2);
    assert_a4(&fx, &fx.p("act.html"));
    assert_nothing_clipped(&fx, &fx.p("act.html"));

    fs::rename(fx.p("act.html"), fx.p("filed-act.html")).unwrap();
    fs::rename(fx.p("act.html.sig"), fx.p("filed-act.html.sig")).unwrap();
    let (code, out, _) = fx.cs(&["verify-act", "filed-act.html", "--trust", "trust.txt"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("VERIFIED") && out.contains(&digest), "{out}");
}

#[test]
fn an_insider_who_edits_a_signed_act_is_caught_even_with_its_hash_redone() {
    let fx = Fx::new();
    fs::create_dir(fx.p("arch")).unwrap();
    common::copy_sample(&fx.p("arch/b"), &["seg-0002.m4a"]);
    fx.seal("arch/b");
    audit(&fx, "act.html");
    let page = fs::read_to_string(fx.p("act.html")).unwrap();
    // "damaged" becomes "intact" in the session's row.
    let forged = page.replacen(
        "<td class=\"bad-cell\">damaged</td>",
        "<td class=\"ok-cell\">intact</td>",
        1,
    );
    assert_ne!(forged, page);
    fs::write(fx.p("forged.html"), &forged).unwrap();
    let verify = |file: &str| {
        fx.cs(&[
            "verify-act",
            file,
            "--sig",
            "act.html.sig",
            "--trust",
            "trust.txt",
        ])
    };
    let (code, out, _) = verify("forged.html");
    assert_eq!(code, 1);
    assert!(
        out.contains("act.bad_signature") && out.contains("changed after signing"),
        "{out}"
    );
    // The forger also writes the new SHA-256 into the page: it is not the signed one.
    let (digest, shown) = courtseal::audit::act_sha256(forged.as_bytes()).unwrap();
    fs::write(fx.p("forged2.html"), forged.replacen(&shown, &digest, 1)).unwrap();
    let (code, out, _) = verify("forged2.html");
    assert_eq!(code, 1);
    assert!(out.contains("not the act that was signed"), "{out}");
}

/// Acts signed by the previous version (a note over the file's name and
/// the SHA-256 of its whole bytes) keep verifying.
#[test]
fn an_act_signed_in_version_1_keeps_verifying() {
    let fx = Fx::new();
    let act = b"<!DOCTYPE html><html><body>Act of audit</body></html>\n";
    fs::write(fx.p("old-act.html"), act).unwrap();
    let signer = courtseal::keys::load_signer(&fx.p("archivist-omarova.key")).unwrap();
    let text = courtseal::audit::act_text(
        "old-act.html",
        &courtseal::audit::act_digest(act),
        "2026-11-30T10:00:00.000Z",
        "arch",
        "1 sessions, 1 intact",
    );
    fs::write(fx.p("old-act.html.sig"), signer.sign(&text).unwrap()).unwrap();
    let (code, out, _) = fx.cs(&["verify-act", "old-act.html", "--trust", "trust.txt"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("VERIFIED"));
}
