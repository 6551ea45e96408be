//! Proof bundle version 3 (`docs/formats.md`, "Proof bundle version 3"):
//! the single-file proof carries the session's sealed record entry with
//! its inclusion proof under the bundle's own checkpoint, so `verify-file`
//! shows times in the court's zone on signed evidence. Each attack test is
//! named after what the insider or a hostile file tries.

mod common;

use std::fs;
use std::path::PathBuf;

use base64::Engine as _;
use serde_json::Value;

const ORIGIN: &str = "court.example/bundle/s";
const OTHER: &str = "court.example/bundle/s2";

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fx {
    /// Demo recorder and secretary keys, an intruder key, a trust file
    /// (recorder, operator), and the sample session sealed at `s`.
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        common::demo_key(&dir, "demo-recorder");
        common::demo_key(&dir, "demo-secretary");
        let fx = Fx { _tmp: tmp, dir };
        let (code, _, err) = fx.cs(&["keys", "generate", "--name", "intruder", "--out", "."]);
        assert_eq!(code, 0, "{err}");
        fs::write(
            fx.p("trust.txt"),
            format!(
                "recorder {}\noperator {}\n",
                common::vkey("demo-recorder"),
                common::vkey("demo-secretary")
            ),
        )
        .unwrap();
        fx.session("s", ORIGIN);
        fx
    }
    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }
    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        common::run(&self.dir, args)
    }
    fn session(&self, s: &str, origin: &str) {
        common::copy_sample(&self.p(s), &[]);
        let (code, _, err) = self.cs(&[
            "seal",
            s,
            "--key",
            "demo-recorder.key",
            "--origin",
            origin,
            "--no-silence",
        ]);
        assert_eq!(code, 0, "{err}");
    }
    /// `record seal` of session `s`'s record.toml with `key`.
    fn seal_record(&self, s: &str, key: &str) {
        let (code, _, err) = self.cs(&[
            "record",
            "seal",
            s,
            "--key",
            key,
            "--recorder-key",
            "demo-recorder.key",
        ]);
        assert_eq!(code, 0, "{err}");
    }
    /// `proof S seg-0001.m4a --bundle OUT`: the bundle as JSON.
    fn bundle(&self, s: &str, out: &str) -> Value {
        let (code, _, err) = self.cs(&[
            "proof",
            s,
            "seg-0001.m4a",
            "--bundle",
            out,
            "--trust",
            "trust.txt",
        ]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_slice(&fs::read(self.p(out)).unwrap()).unwrap()
    }
    fn write(&self, out: &str, b: &Value) {
        let mut bytes = serde_json::to_vec(b).unwrap();
        bytes.push(b'\n');
        fs::write(self.p(out), bytes).unwrap();
    }
    /// `verify-file s/seg-0001.m4a --proof PROOF --trust trust.txt` with
    /// `extra` arguments first: (exit code, text).
    fn verify_text(&self, proof: &str, extra: &[&str]) -> (i32, String) {
        let mut a: Vec<&str> = extra.to_vec();
        a.extend([
            "verify-file",
            "s/seg-0001.m4a",
            "--proof",
            proof,
            "--trust",
            "trust.txt",
        ]);
        let (code, out, err) = self.cs(&a);
        assert!(code == 0 || code == 1, "exit {code}: {err}");
        (code, out)
    }
    fn verify_json(&self, proof: &str) -> (i32, Value) {
        let (code, out, err) = self.cs(&[
            "verify-file",
            "s/seg-0001.m4a",
            "--proof",
            proof,
            "--trust",
            "trust.txt",
            "--json",
        ]);
        (
            code,
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")),
        )
    }
}

fn times_line(text: &str) -> &str {
    text.lines()
        .find(|l| l.starts_with("Times "))
        .unwrap_or_else(|| panic!("{text}"))
}

fn codes(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

/// The record part's `extra` line, decoded.
fn record_entry(b: &Value) -> String {
    let part = b["record"].as_str().unwrap();
    let extra = part.lines().find_map(|l| l.strip_prefix("extra ")).unwrap();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(extra)
            .unwrap(),
    )
    .unwrap()
}

/// The record part with its `extra` line replaced by `entry`.
fn with_entry(b: &Value, entry: &str) -> String {
    let part = b["record"].as_str().unwrap();
    part.lines()
        .map(|l| {
            if l.starts_with("extra ") {
                format!(
                    "extra {}\n",
                    base64::engine::general_purpose::STANDARD.encode(entry)
                )
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

#[test]
fn a_bundle_of_a_session_with_a_sealed_record_is_v3_and_verify_file_shows_the_courts_local_times() {
    let fx = Fx::new();
    fx.seal_record("s", "demo-secretary.key");
    let b = fx.bundle("s", "b.courtseal-proof");
    assert_eq!(b["bundle"], "courtseal.proof-bundle/v3");
    let entry = record_entry(&b);
    assert!(entry.contains("\"kind\":\"record\""), "{entry}");
    assert!(entry.contains("Asia/Almaty"), "{entry}");
    // The record part is under the very checkpoint of the tlog-proof.
    let cp_of = |t: &str| t[t.find("\n\n").unwrap()..].to_owned();
    assert_eq!(
        cp_of(b["record"].as_str().unwrap()),
        cp_of(b["tlog_proof"].as_str().unwrap())
    );
    let (code, text) = fx.verify_text("b.courtseal-proof", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        times_line(&text).contains("times are local (Asia/Almaty, +05:00)"),
        "{text}"
    );
    // The segment's sealing time is shown with the court's offset.
    let sealed = text.lines().find(|l| l.starts_with("Sealed as")).unwrap();
    assert!(sealed.contains("+05:00"), "{sealed}");
    let (code, r) = fx.verify_json("b.courtseal-proof");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
    assert_eq!(r["record"]["time_zone"], "Asia/Almaty");
    assert_eq!(r["record"]["revision"], 1);
    let line = r["record"]["line"].as_u64().unwrap();
    let log = fs::read_to_string(fx.p("s/courtseal/log.jsonl")).unwrap();
    assert_eq!(log.lines().nth(line as usize - 1).unwrap(), entry);
    // --tz wins over the record's zone.
    let (code, text) = fx.verify_text("b.courtseal-proof", &["--tz", "Europe/Paris"]);
    assert_eq!(code, 0, "{text}");
    assert!(times_line(&text).contains("Europe/Paris"), "{text}");
    assert!(!times_line(&text).contains("Asia/Almaty"), "{text}");
}

#[test]
fn a_session_without_a_sealed_record_gives_a_bundle_without_one_and_utc_times() {
    let fx = Fx::new();
    let b = fx.bundle("s", "b.courtseal-proof");
    assert_eq!(b["bundle"], "courtseal.proof-bundle/v1");
    assert!(b.get("record").is_none(), "{b}");
    let (code, text) = fx.verify_text("b.courtseal-proof", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        times_line(&text).contains(
            "shown in UTC (the proof carries no sealed record naming the court's time zone"
        ),
        "{text}"
    );
    let (_, r) = fx.verify_json("b.courtseal-proof");
    assert!(r.get("record").is_none(), "{r}");
}

#[test]
fn a_record_part_swapped_for_another_sessions_is_refused_and_times_stay_utc() {
    let fx = Fx::new();
    fx.seal_record("s", "demo-secretary.key");
    fx.session("s2", OTHER);
    fx.seal_record("s2", "demo-secretary.key");
    let mut b = fx.bundle("s", "b.courtseal-proof");
    let b2 = fx.bundle("s2", "b2.courtseal-proof");
    // The other session's whole record part (its own checkpoint).
    b["record"] = b2["record"].clone();
    fx.write("swapped.courtseal-proof", &b);
    let (code, r) = fx.verify_json("swapped.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["proof.not_included"], "{r}");
    let f = &r["findings"][0];
    assert_eq!(f["location"], "swapped.courtseal-proof (its record part)");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("under another checkpoint than the bundle's own"),
        "{r}"
    );
    assert!(r.get("record").is_none(), "{r}");
    let (_, text) = fx.verify_text("swapped.courtseal-proof", &[]);
    assert!(times_line(&text).contains("shown in UTC"), "{text}");
    // Only its entry line moved into this bundle's own record part.
    let mut b: Value =
        serde_json::from_slice(&fs::read(fx.p("b.courtseal-proof")).unwrap()).unwrap();
    b["record"] = Value::String(with_entry(&b, &record_entry(&b2)));
    fx.write("swapped-entry.courtseal-proof", &b);
    let (code, r) = fx.verify_json("swapped-entry.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["proof.not_included"], "{r}");
    assert!(
        r["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("its record entry is not proven to be in the signed log"),
        "{r}"
    );
}

#[test]
fn a_record_part_edited_to_another_zone_is_refused_and_times_stay_utc() {
    let fx = Fx::new();
    fx.seal_record("s", "demo-secretary.key");
    let mut b = fx.bundle("s", "b.courtseal-proof");
    let entry = record_entry(&b);
    let edited = entry.replace("Asia/Almaty", "Asia/Tashkent");
    assert_ne!(edited, entry);
    b["record"] = Value::String(with_entry(&b, &edited));
    fx.write("edited.courtseal-proof", &b);
    let (code, r) = fx.verify_json("edited.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["proof.not_included"], "{r}");
    assert_eq!(
        r["findings"][0]["location"],
        "edited.courtseal-proof (its record part)"
    );
    assert!(r.get("record").is_none(), "{r}");
    let (_, text) = fx.verify_text("edited.courtseal-proof", &[]);
    assert!(!text.contains("Asia/Tashkent"), "{text}");
    assert!(times_line(&text).contains("shown in UTC"), "{text}");
}

#[test]
fn a_record_part_signed_by_an_untrusted_key_is_refused_and_times_stay_utc() {
    let fx = Fx::new();
    // The record sealed into the log, but signed by a key the court's
    // trust file does not name as an operator.
    fx.seal_record("s", "intruder.key");
    let b = fx.bundle("s", "b.courtseal-proof");
    assert_eq!(b["bundle"], "courtseal.proof-bundle/v3");
    let (code, r) = fx.verify_json("b.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["record.untrusted_operator"], "{r}");
    let f = &r["findings"][0];
    assert_eq!(f["location"], "b.courtseal-proof (its record part)");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("signed by intruder ("),
        "{r}"
    );
    let (_, text) = fx.verify_text("b.courtseal-proof", &[]);
    assert!(times_line(&text).contains("shown in UTC"), "{text}");
}

#[test]
fn a_record_part_stripped_leaves_utc_times_and_says_so() {
    let fx = Fx::new();
    fx.seal_record("s", "demo-secretary.key");
    let mut b = fx.bundle("s", "b.courtseal-proof");
    // Stripped and relabelled v1: a valid bundle with no zone evidence,
    // verified as a v1 bundle always was, in UTC, saying why.
    b.as_object_mut().unwrap().remove("record");
    b["bundle"] = Value::String("courtseal.proof-bundle/v1".into());
    fx.write("stripped.courtseal-proof", &b);
    let (code, r) = fx.verify_json("stripped.courtseal-proof");
    assert_eq!(code, 0, "{r}");
    assert!(codes(&r).is_empty(), "{r}");
    let (_, text) = fx.verify_text("stripped.courtseal-proof", &[]);
    assert!(
        times_line(&text).contains("shown in UTC (the proof carries no sealed record"),
        "{text}"
    );
    // Stripped but still labelled v3: a malformed bundle.
    b["bundle"] = Value::String("courtseal.proof-bundle/v3".into());
    fx.write("stripped-v3.courtseal-proof", &b);
    let (code, r) = fx.verify_json("stripped-v3.courtseal-proof");
    assert_eq!(code, 1, "{r}");
    assert_eq!(codes(&r), ["proof.malformed"], "{r}");
    assert!(
        r["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("must carry its record member"),
        "{r}"
    );
}

/// The printable certificate of `verify-file --html` a lawyer files shows
/// the court's local times from the bundle's checked record part, as the
/// text does; an edited record part leaves it in UTC.
#[test]
fn the_certificate_of_a_v3_bundle_shows_the_courts_zone_and_an_edited_record_part_leaves_utc() {
    let fx = Fx::new();
    fx.seal_record("s", "demo-secretary.key");
    let mut b = fx.bundle("s", "b.courtseal-proof");
    let html_of = |proof: &str, out: &str| {
        let (code, _, err) = fx.cs(&[
            "verify-file",
            "s/seg-0001.m4a",
            "--proof",
            proof,
            "--trust",
            "trust.txt",
            "--html",
            out,
        ]);
        assert!(code == 0 || code == 1, "exit {code}: {err}");
        code
    };
    assert_eq!(html_of("b.courtseal-proof", "c.html"), 0);
    let html = fs::read_to_string(fx.p("c.html")).unwrap();
    assert!(html.contains("times in Asia/Almaty"), "{html}");
    // The zone in the record part changed by hand: its signature fails, no
    // zone is taken from it.
    let entry = record_entry(&b);
    let edited = entry.replace("Asia/Almaty", "Asia/Tokyo");
    assert_ne!(edited, entry);
    b["record"] = Value::String(with_entry(&b, &edited));
    fx.write("e.courtseal-proof", &b);
    assert_eq!(html_of("e.courtseal-proof", "e.html"), 1);
    let html = fs::read_to_string(fx.p("e.html")).unwrap();
    assert!(!html.contains("Asia/Tokyo"), "{html}");
    assert!(!html.contains("times in Asia/Almaty"), "{html}");
    assert!(html.contains("times in UTC"), "{html}");
}
