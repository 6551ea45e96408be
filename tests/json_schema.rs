//! Every `--json` output validated against its JSON Schema in `docs/schemas/`,
//! on real sessions built from the samples (tampered ones too, so findings,
//! spans and nulls appear); the schemas shown to refuse what they do not
//! describe; and the field tables of `docs/json.md` (and of the media object
//! in `docs/formats.md`) kept naming exactly the fields of the schemas.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::PathBuf;

use jsonschema::{Draft, Retrieve, Uri, Validator};
use serde_json::{json, Value};

fn schemas_dir() -> PathBuf {
    common::repo("docs/schemas")
}

/// Resolves the schemas' relative references (`common.json#/$defs/...`) to
/// the files beside them, and nothing else: no network, no other file.
struct SchemaFiles;

impl Retrieve for SchemaFiles {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let dir = schemas_dir();
        let path = PathBuf::from(uri.path().as_str());
        if uri.scheme().as_str() != "file" || path.parent() != Some(dir.as_path()) {
            return Err(format!("{uri}: not a schema in docs/schemas").into());
        }
        Ok(serde_json::from_slice(&fs::read(&path)?)?)
    }
}

fn load(name: &str) -> Value {
    let p = schemas_dir().join(name);
    let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn validator(name: &str) -> Validator {
    let schema = load(name);
    assert!(
        jsonschema::meta::is_valid(&schema),
        "{name} is not a valid JSON Schema"
    );
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "{name}"
    );
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .with_base_uri(format!("file://{}", schemas_dir().join(name).display()))
        .with_retriever(SchemaFiles)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The schema's complaints about `v`, one line each (empty: valid).
fn errors(schema: &Validator, v: &Value) -> Vec<String> {
    schema
        .iter_errors(v)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid(schema: &Validator, v: &Value, what: &str) {
    let errs = errors(schema, v);
    assert!(
        errs.is_empty(),
        "{what} does not match its schema:\n{}\n{v:#}",
        errs.join("\n")
    );
}

/// A test's folder: the demo keys and a trust file for recorder and operator.
struct Dir {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Dir {
    fn new() -> Dir {
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
        Dir { _tmp: tmp, dir }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        common::run(&self.dir, args)
    }

    /// Runs a command with `--json`: its exit status and its output, which
    /// must be one JSON object and a newline.
    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut a = args.to_vec();
        a.push("--json");
        let (code, out, err) = self.run(&a);
        assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
        assert!(out.ends_with("}\n"), "{args:?}: {out}");
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert!(v.is_object());
        (code, v)
    }

    fn seal(&self, session: &str, origin: &str) {
        let (code, _, err) = self.run(&[
            "seal",
            session,
            "--key",
            "demo-recorder.key",
            "--origin",
            origin,
            "--no-silence",
        ]);
        assert_eq!(code, 0, "{err}");
    }

    fn flip_middle_byte(&self, rel: &str) {
        let mut b = fs::read(self.p(rel)).unwrap();
        let i = b.len() / 2;
        b[i] ^= 0x01;
        fs::write(self.p(rel), b).unwrap();
    }
}

fn codes(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["code"].as_str().unwrap(),
                f["location"].as_str().unwrap()
            )
        })
        .collect()
}

/// The sample session with a file FFmpeg cannot read and a symbolic link,
/// sealed twice (`seal --json` of both runs returned), then an operator
/// event, closed, and tampered with: a bit of seg-0002.m4a flipped,
/// seg-0003.mp4 deleted, a copy of seg-0004.m4a added as seg-0005.m4a, and
/// the root of the kept checkpoint 6 edited.
fn tampered_sample(d: &Dir) -> (Value, Value) {
    common::copy_sample(&d.p("s"), &[]);
    fs::write(d.p("s/notes.mp4"), vec![b'x'; 3000]).unwrap();
    symlink("seg-0001.m4a", d.p("s/link.m4a")).unwrap();
    let seal = ["seal", "s", "--key", "demo-recorder.key"];
    let (code, first) = d.json(&[&seal[..], &["--origin", "court.example/json/s"]].concat());
    assert_eq!(code, 0);
    let (code, again) = d.json(&seal);
    assert_eq!(code, 0);
    let (code, _, err) = d.run(&[
        "event",
        "s",
        "pause",
        "--reason",
        "judge ordered a break",
        "--key",
        "demo-secretary.key",
        "--force",
        "--at",
        "2026-11-20T09:00:20+05:00",
        "--recorder-key",
        "demo-recorder.key",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = d.run(&["close", "s", "--key", "demo-recorder.key"]);
    assert_eq!(code, 0, "{err}");

    d.flip_middle_byte("s/seg-0002.m4a");
    fs::remove_file(d.p("s/seg-0003.mp4")).unwrap();
    fs::copy(d.p("s/seg-0004.m4a"), d.p("s/seg-0005.m4a")).unwrap();
    let cp = d.p("s/courtseal/checkpoints/6");
    let text = fs::read_to_string(&cp).unwrap();
    let mut lines: Vec<&str> = text.split('\n').collect();
    // Change the root's first base64 digit (to A, or to B when it is an A:
    // the root depends on the sealing times, so any digit can come first).
    let other = if lines[2].starts_with('A') { "B" } else { "A" };
    let root = lines[2].replacen(|_| true, other, 1);
    assert_ne!(root, lines[2]);
    lines[2] = &root;
    fs::write(&cp, lines.join("\n")).unwrap();
    (first, again)
}

#[test]
fn seal_json_matches_its_schema() {
    let d = Dir::new();
    let (first, again) = tampered_sample(&d);
    let schema = validator("seal.json");
    assert_valid(&schema, &first, "seal --json (first run)");
    assert_valid(&schema, &again, "seal --json (nothing new)");
    assert_eq!(first["created"], true);
    assert_eq!(first["checkpoint_size"], 6);
    let names: Vec<_> = first["sealed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "notes.mp4",
            "seg-0001.m4a",
            "seg-0002.m4a",
            "seg-0003.mp4",
            "seg-0004.m4a"
        ]
    );
    // The unreadable file: nulls and `unreadable`, no windows.
    let notes = &first["sealed"][0]["media"];
    assert_eq!(notes["container"], Value::Null);
    assert!(notes["unreadable"].is_string());
    assert!(notes.get("windows").is_none());
    // A video stream with its own fields.
    assert_eq!(
        first["sealed"][3]["media"]["streams"][0]["frame_rate"],
        "15/1"
    );
    assert_eq!(
        codes(&first["findings"]),
        ["segment.symlink link.m4a", "media.unreadable notes.mp4"]
    );
    assert_eq!(again["created"], false);
    assert_eq!(again["sealed"], json!([]));
    assert_eq!(again["checkpoint_size"], Value::Null);
}

#[test]
fn verify_json_of_a_tampered_session_matches_its_schema() {
    let d = Dir::new();
    tampered_sample(&d);
    let schema = validator("verify.json");
    let (code, v) = d.json(&["verify", "s", "--trust", "trust.txt"]);
    assert_eq!(code, 1);
    assert_valid(&schema, &v, "verify --json");
    assert_eq!(
        codes(&v["findings"]),
        [
            "event.backdated courtseal/log.jsonl:7",
            "checkpoint.bad_signature courtseal/checkpoints/6",
            "segment.symlink link.m4a",
            "segment.changed seg-0002.m4a",
            "segment.content_edited seg-0002.m4a",
            "segment.missing seg-0003.mp4",
            "segment.unsealed seg-0005.m4a",
        ]
    );
    assert_eq!(
        v["findings"][4]["span"],
        json!({"from": 7.168, "to": 7.189334})
    );
    assert_eq!(v["findings"][0]["time"]["from"], "2026-11-20T04:00:20Z");
    assert_eq!(v["checkpoints"][0]["root"], Value::Null);
    assert_eq!(v["checkpoints"][0]["size"], Value::Null);
    let states: Vec<_> = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["ok", "ok", "changed", "missing", "ok", "unsealed"]);
    assert_eq!(v["segments"][3]["found_sha256"], Value::Null);
    assert_eq!(v["observations"].as_array().unwrap().len(), 3);
    assert_eq!(v["events"][0]["event"], "pause");
    assert!(v["closed_at"].is_string());

    let (code, v) = d.json(&["verify", "s", "--trust", "trust.txt", "--log-only"]);
    assert_eq!(code, 1);
    assert_valid(&schema, &v, "verify --log-only --json");
    assert!(v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["state"] == "unchecked" && s["found_sha256"].is_null()));
}

#[test]
fn verify_json_without_a_log_matches_its_schema() {
    let d = Dir::new();
    common::copy_sample(&d.p("s"), &[]);
    let (code, v) = d.json(&["verify", "s", "--trust", "trust.txt"]);
    assert_eq!(code, 1);
    assert_valid(&validator("verify.json"), &v, "verify --json (no log)");
    assert_eq!(v["origin"], Value::Null);
    assert_eq!(v["entries"], 0);
    assert_eq!(codes(&v["findings"])[0], "log.missing courtseal/log.jsonl");
}

#[test]
fn verify_json_with_a_kept_checkpoint_matches_its_schema() {
    let d = Dir::new();
    common::copy_sample(&d.p("s"), &[]);
    d.seal("s", "court.example/schema");
    fs::copy(d.p("s/courtseal/checkpoint"), d.p("kept.note")).unwrap();
    let (code, v) = d.json(&[
        "verify",
        "s",
        "--trust",
        "trust.txt",
        "--since",
        "kept.note",
    ]);
    assert_eq!(code, 0);
    assert_valid(&validator("verify.json"), &v, "verify --since --json");
    assert_eq!(v["since"]["consistent"], true);
    // Not a trusted checkpoint: size and root are null, and still valid.
    fs::write(d.p("junk.note"), "junk\n").unwrap();
    let (code, v) = d.json(&[
        "verify",
        "s",
        "--trust",
        "trust.txt",
        "--since",
        "junk.note",
    ]);
    assert_eq!(code, 1);
    assert_valid(
        &validator("verify.json"),
        &v,
        "verify --since --json (junk)",
    );
    assert_eq!(v["since"]["size"], Value::Null);
}

#[test]
fn verify_file_json_matches_its_schema() {
    let d = Dir::new();
    common::copy_sample(&d.p("s"), &[]);
    d.seal("s", "court.example/json/vf");
    fs::create_dir(d.p("dl")).unwrap();
    let (code, _, err) = d.run(&[
        "proof",
        "s",
        "seg-0002.m4a",
        "-o",
        "dl/seg-0002.m4a.tlog-proof",
        "--trust",
        &common::recorder_vkey_file(),
    ]);
    assert_eq!(code, 0, "{err}");
    fs::copy(d.p("s/seg-0002.m4a"), d.p("dl/seg-0002.m4a")).unwrap();
    fs::write(d.p("dl/bad.tlog-proof"), "not a proof\n").unwrap();
    let schema = validator("verify-file.json");
    let vf = |proof: &str| {
        d.json(&[
            "verify-file",
            "dl/seg-0002.m4a",
            "--proof",
            proof,
            "--trust",
            "trust.txt",
        ])
    };

    let (code, v) = vf("dl/seg-0002.m4a.tlog-proof");
    assert_eq!(code, 0);
    assert_valid(&schema, &v, "verify-file --json (intact)");
    assert_eq!(v["entry"]["name"], "seg-0002.m4a");

    d.flip_middle_byte("dl/seg-0002.m4a");
    let (code, v) = vf("dl/seg-0002.m4a.tlog-proof");
    assert_eq!(code, 1);
    assert_valid(&schema, &v, "verify-file --json (changed)");
    assert_eq!(
        codes(&v["findings"]),
        [
            "segment.changed dl/seg-0002.m4a",
            "segment.content_edited dl/seg-0002.m4a"
        ]
    );
    assert!(v["findings"][1]["span"].is_object());

    fs::remove_file(d.p("dl/seg-0002.m4a.windows.jsonl")).unwrap();
    let (code, v) = vf("dl/seg-0002.m4a.tlog-proof");
    assert_eq!(code, 1);
    assert_valid(&schema, &v, "verify-file --json (no windows)");
    assert_eq!(
        codes(&v["findings"]),
        [
            "segment.changed dl/seg-0002.m4a",
            "windows.missing dl/seg-0002.m4a.windows.jsonl"
        ]
    );

    // A version 3 bundle: the sealed record with the court's zone.
    let (code, _, err) = d.run(&[
        "record",
        "seal",
        "s",
        "--key",
        "demo-secretary.key",
        "--recorder-key",
        "demo-recorder.key",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = d.run(&[
        "proof",
        "s",
        "seg-0001.m4a",
        "--bundle",
        "dl/v3.courtseal-proof",
        "--trust",
        "trust.txt",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, v) = d.json(&[
        "verify-file",
        "s/seg-0001.m4a",
        "--proof",
        "dl/v3.courtseal-proof",
        "--trust",
        "trust.txt",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_valid(&schema, &v, "verify-file --json (bundle v3, record)");
    assert_eq!(v["record"]["time_zone"], "Asia/Almaty");

    let (code, v) = vf("dl/bad.tlog-proof");
    assert_eq!(code, 1);
    assert_valid(&schema, &v, "verify-file --json (malformed proof)");
    assert_eq!(codes(&v["findings"]), ["proof.malformed dl/bad.tlog-proof"]);
    for k in ["entry", "origin", "tree_size"] {
        assert_eq!(v[k], Value::Null, "{k}");
    }
}

#[test]
fn inspect_json_matches_its_schema() {
    let d = Dir::new();
    let schema = validator("inspect.json");
    for (name, kinds, observations) in [
        ("seg-0003.mp4", vec!["video", "audio"], 0),
        ("seg-0004.m4a", vec!["audio"], 2),
    ] {
        let file = common::repo(common::SAMPLE).join(name);
        let (code, v) = d.json(&["inspect", file.to_str().unwrap()]);
        assert_eq!(code, 0);
        assert_valid(&schema, &v, &format!("inspect --json {name}"));
        let got: Vec<_> = v["media"]["streams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["kind"].as_str().unwrap())
            .collect();
        assert_eq!(got, kinds, "{name}");
        assert_eq!(
            v["media"]["observations"].as_array().unwrap().len(),
            observations
        );
    }
}

#[test]
fn check_json_matches_its_schema() {
    let d = Dir::new();
    let schema = validator("check.json");

    // Breaks, failures, an event mark and verify's own findings. (The
    // event, stated years before it was sealed, is backdated from the entry
    // alone, in verify's findings: the kept checkpoint that would also show
    // it was entered late is the one tampered with.)
    tampered_sample(&d);
    let mut record = fs::read_to_string(d.p("s/record.toml")).unwrap();
    record.push_str(
        "[[break]]\nfrom = 2026-11-20T09:00:20+05:00\nto = 2026-11-20T09:00:25+05:00\n\
         kind = \"break\"\n[[failure]]\nfrom = 2026-11-20T09:00:40+05:00\n\
         to = 2026-11-20T09:00:45+05:00\nreason = \"power cut\"\n",
    );
    fs::write(d.p("s/record.toml"), record).unwrap();
    let (code, v) = d.json(&["check", "s", "--trust", "trust.txt"]);
    assert_eq!(code, 1);
    assert_valid(&schema, &v, "check --json (breaks and failures)");
    assert_eq!(
        codes(&v["findings"]),
        [
            "record.not_sealed record: record.toml",
            "record.break_not_sealed record: line 24",
            "record.failure_without_act record: line 28",
            "record.failure_not_sealed record: line 28",
        ]
    );
    assert_eq!(
        v["record_source"],
        json!({"from": "file", "file": "record.toml"})
    );
    assert_eq!(v["marks"][0]["kind"], "event:pause");
    assert_eq!(v["record"]["breaks"][0]["index"], 1);
    assert_eq!(v["verify"]["counts"]["error"], 6);

    // An undeclared gap: seg-0002.m4a never sealed.
    common::copy_sample(&d.p("g"), &["seg-0002.m4a"]);
    d.seal("g", "court.example/json/gap");
    let (code, v) = d.json(&["check", "g", "--trust", "trust.txt"]);
    assert_eq!(code, 1);
    assert_valid(&schema, &v, "check --json (gap)");
    assert_eq!(
        codes(&v["findings"]),
        [
            "record.not_sealed record: record.toml",
            "continuity.undeclared_gap 2026-11-20T09:00:15+05:00 to 2026-11-20T09:00:29+05:00"
        ]
    );
    assert_eq!(
        v["gaps"],
        json!([{"from": "2026-11-20T04:00:15Z", "to": "2026-11-20T04:00:29Z"}])
    );
}

#[test]
fn series_json_matches_its_schema() {
    let d = Dir::new();
    fs::create_dir(d.p("series")).unwrap();
    for day in ["2026-11-20", "2026-11-21", "2026-11-22"] {
        let s = format!("series/{day}");
        fs::create_dir(d.p(&s)).unwrap();
        fs::write(
            d.p(&format!("{s}/seg-0001.m4a")),
            common::sample("seg-0004.m4a"),
        )
        .unwrap();
        let (code, _, err) = d.run(&[
            "seal",
            &s,
            "--key",
            "demo-recorder.key",
            "--origin",
            &format!("court.example/json/{day}"),
            "--series",
            "series",
            "--no-silence",
        ]);
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = d.run(&["close", &s, "--key", "demo-recorder.key"]);
        assert_eq!(code, 0, "{err}");
    }
    let schema = validator("series.json");
    let (code, v) = d.json(&["series", "series"]);
    assert_eq!(code, 0);
    assert_valid(&schema, &v, "series --json");
    assert_eq!(v["report"]["sessions"][0]["previous"], Value::Null);
    assert_eq!(v["report"]["sessions"][1]["previous_folder"], "2026-11-20");

    fs::remove_dir_all(d.p("series/2026-11-21")).unwrap();
    let (code, v) = d.json(&["series", "series"]);
    assert_eq!(code, 1);
    assert_valid(&schema, &v, "series --json (broken chain)");
    assert_eq!(
        codes(&v["report"]["findings"]),
        ["session.chain_broken 2026-11-22"]
    );
    assert_eq!(v["report"]["sessions"][1]["previous_folder"], Value::Null);
}

#[test]
fn audit_json_matches_its_schema() {
    let d = Dir::new();
    // intact, past its retention deadline (a warning, retention "overdue")
    common::copy_sample(&d.p("arch/a"), &[]);
    let rec = d.p("arch/a/record.toml");
    let text = fs::read_to_string(&rec).unwrap();
    fs::write(
        &rec,
        text.replace(
            "finalised = 2026-11-21",
            "finalised = 2026-11-21\nverdict_in_force = 2026-11-25",
        ),
    )
    .unwrap();
    d.seal("arch/a", "court.example/json/a");
    // Only a sealed verdict date gives a deadline.
    let (code, _, err) = d.run(&[
        "record",
        "seal",
        "arch/a",
        "--key",
        "demo-secretary.key",
        "--recorder-key",
        "demo-recorder.key",
    ]);
    assert_eq!(code, 0, "{err}");
    // damaged: a segment deleted
    common::copy_sample(&d.p("arch/b"), &[]);
    d.seal("arch/b", "court.example/json/b");
    fs::remove_file(d.p("arch/b/seg-0003.mp4")).unwrap();
    let (code, v) = d.json(&[
        "audit",
        "arch",
        "--trust",
        "trust.txt",
        "--today",
        "2028-01-10",
        "--state",
        "state.jsonl",
    ]);
    assert_eq!(code, 1);
    assert_valid(&validator("audit.json"), &v, "audit --json");
    let sessions = v["report"]["sessions"].as_array().unwrap();
    assert_eq!(sessions[0]["status"], "intact");
    assert_eq!(sessions[0]["retention"], "overdue");
    assert_eq!(sessions[0]["deadline"], "2027-11-25");
    assert_eq!(codes(&sessions[0]["findings"]), ["retention.overdue a"]);
    assert_eq!(sessions[1]["status"], "damaged");
    assert_eq!(sessions[1]["missing"], json!(["seg-0003.mp4"]));
    assert_eq!(sessions[1]["deadline"], Value::Null);
    assert_eq!(v["totals"]["sessions"], 2);
}

#[test]
fn log_lines_match_the_log_entry_schema() {
    let d = Dir::new();
    tampered_sample(&d);
    let schema = validator("log-entry.json");
    let log = fs::read_to_string(d.p("s/courtseal/log.jsonl")).unwrap();
    let mut kinds = vec![];
    for (i, line) in log.lines().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_valid(&schema, &v, &format!("log line {}", i + 1));
        kinds.push(v["kind"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        kinds,
        ["session", "segment", "segment", "segment", "segment", "segment", "event", "close"]
    );
}

/// Sets the value at a JSON pointer (the parent must exist).
fn set(v: &mut Value, pointer: &str, new: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match v.pointer_mut(parent).unwrap() {
        Value::Object(m) => {
            m.insert(key.to_owned(), new);
        }
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = new,
        _ => panic!("{pointer}"),
    }
}

fn remove(v: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    v.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(key)
        .unwrap();
}

// A schema that accepts anything proves nothing: each edit of a real output
// below must be refused.
#[test]
fn schemas_refuse_what_they_do_not_describe() {
    let d = Dir::new();
    let (seal_out, _) = tampered_sample(&d);
    let (_, verify_out) = d.json(&["verify", "s", "--trust", "trust.txt"]);
    let verify = validator("verify.json");
    let seal = validator("seal.json");
    assert_valid(&verify, &verify_out, "verify --json");
    let cases: Vec<(&Validator, &Value, &str, Option<Value>)> = vec![
        (&verify, &verify_out, "/surprise", Some(json!(1))),
        (&verify, &verify_out, "/findings/0/surprise", Some(json!(1))),
        (
            &verify,
            &verify_out,
            "/findings/0/severity",
            Some(json!("fatal")),
        ),
        (
            &verify,
            &verify_out,
            "/findings/0/code",
            Some(json!("Segment Changed")),
        ),
        (
            &verify,
            &verify_out,
            "/findings/4/span/from",
            Some(json!("7")),
        ),
        (
            &verify,
            &verify_out,
            "/segments/0/state",
            Some(json!("fine")),
        ),
        (
            &verify,
            &verify_out,
            "/segments/0/found_sha256",
            Some(json!("C1EABD5F")),
        ),
        (
            &verify,
            &verify_out,
            "/checkpoints/1/root",
            Some(json!("not base64")),
        ),
        (
            &verify,
            &verify_out,
            "/observations/0/code",
            Some(json!("media.noise")),
        ),
        (
            &verify,
            &verify_out,
            "/observations/0/surprise",
            Some(json!(true)),
        ),
        (
            &verify,
            &verify_out,
            "/events/0/event",
            Some(json!("lunch")),
        ),
        (&verify, &verify_out, "/counts/fatal", Some(json!(0))),
        (&verify, &verify_out, "/verified_size", Some(json!(-1))),
        (&verify, &verify_out, "/command", Some(json!("check"))),
        (&verify, &verify_out, "/closed_at", Some(json!("yesterday"))),
        (&verify, &verify_out, "/origin", None),
        (&verify, &verify_out, "/findings/0/message", None),
        (
            &seal,
            &seal_out,
            "/sealed/1/media/streams/0/kind",
            Some(json!("sound")),
        ),
        (
            &seal,
            &seal_out,
            "/sealed/1/media/windows/file",
            Some(json!("../x")),
        ),
        (&seal, &seal_out, "/sealed/1/media/surprise", Some(json!(1))),
        (
            &seal,
            &seal_out,
            "/sealed/1/sealed_at",
            Some(json!("2026-11-25T08:43:01Z")),
        ),
        (&seal, &seal_out, "/sealed/1/media", None),
        (
            &seal,
            &seal_out,
            "/sealed/0/media/container",
            Some(json!("mov")),
        ),
    ];
    for (schema, original, pointer, new) in cases {
        let mut v = original.clone();
        match &new {
            Some(n) => set(&mut v, pointer, n.clone()),
            None => remove(&mut v, pointer),
        }
        assert!(
            !errors(schema, &v).is_empty(),
            "the schema accepts {pointer} = {new:?}"
        );
    }
}

/// The field names of a table's first column: each `name` in backticks,
/// several per cell possible (`from`, `to`); `a.b` is field `b` of `a`.
fn table_fields(rows: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for row in rows {
        let cell = row.trim_start_matches('|').split('|').next().unwrap();
        for (i, part) in cell.split('`').enumerate() {
            if i % 2 == 1 {
                out.insert(part.to_owned());
            }
        }
    }
    out
}

/// Every field table (`| field | type | meaning |`) of a markdown file, with
/// the `<!-- schema: FILE#POINTER -->` marker on the line before it, if any.
fn tables(md: &str) -> Vec<(Option<String>, usize, BTreeSet<String>)> {
    let lines: Vec<&str> = md.lines().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with("| field |") {
            let start = i;
            let marker = lines[..start]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .and_then(|l| l.strip_prefix("<!-- schema: "))
                .and_then(|l| l.strip_suffix(" -->"))
                .map(str::to_owned);
            i += 2; // header and separator
            let mut rows = vec![];
            while i < lines.len() && lines[i].starts_with('|') {
                rows.push(lines[i]);
                i += 1;
            }
            out.push((marker, start + 1, table_fields(&rows)));
        } else {
            i += 1;
        }
    }
    out
}

/// The object schema at `FILE#POINTER`, following a `$ref` at its top.
fn object_at(target: &str) -> Value {
    let (file, pointer) = target.split_once('#').unwrap();
    let mut v = load(file)
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {target}"))
        .clone();
    if v.get("properties").is_none() {
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let r = if r.starts_with('#') {
                format!("{file}{r}")
            } else {
                r.to_owned()
            };
            v = object_at(&r);
        }
    }
    v
}

/// The property names of an object schema: its own, and those of an
/// `allOf`/`$ref` it extends (the segment observation adds `segment`).
fn properties(target: &str) -> BTreeSet<String> {
    let (file, _) = target.split_once('#').unwrap();
    let (_, pointer) = target.split_once('#').unwrap();
    let v = load(file).pointer(pointer).unwrap().clone();
    let mut out: BTreeSet<String> = v
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let r = if r.starts_with('#') {
            format!("{file}{r}")
        } else {
            r.to_owned()
        };
        let base = object_at(&r);
        out.extend(base["properties"].as_object().unwrap().keys().cloned());
    }
    out
}

/// Every object schema (one with `properties`) in a schema file, by pointer.
fn object_schemas(file: &str) -> Vec<String> {
    fn walk(v: &Value, ptr: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if m.contains_key("properties") {
                    out.push(ptr.clone());
                }
                for (k, c) in m {
                    walk(
                        c,
                        format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    walk(c, format!("{ptr}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = vec![];
    walk(&load(file), String::new(), &mut out);
    out
}

// The doc and the schemas must not drift apart: every field table in
// json.md names exactly the fields of the schema object its marker points
// to, and every object in the schemas is either such a table's, or one of
// the small objects json.md describes in a sentence, whose fields it names.
#[test]
fn json_md_tables_and_schemas_name_the_same_fields() {
    let md = fs::read_to_string(common::repo("docs/json.md")).unwrap();
    let formats = fs::read_to_string(common::repo("docs/formats.md")).unwrap();
    let mut covered: BTreeMap<String, ()> = BTreeMap::new();
    let mut problems = vec![];

    for (marker, line, fields) in tables(&md) {
        let Some(target) = marker else {
            problems.push(format!(
                "json.md:{line}: field table without a <!-- schema: --> marker"
            ));
            continue;
        };
        for t in check_table(&format!("json.md:{line}"), &target, &fields, &mut problems) {
            covered.insert(t, ());
        }
    }
    // The media object is documented field by field in formats.md; json.md
    // links there. Its tables come in this order.
    let media = &formats[formats.find("### The `media` object").unwrap()..];
    let media = &media[..media.find("\n## ").unwrap()];
    let targets = [
        "common.json#/$defs/media",
        "common.json#/$defs/stream",
        "common.json#/$defs/observation_fields",
        "common.json#/$defs/windows",
    ];
    let media_tables = tables(media);
    assert_eq!(
        media_tables.len(),
        targets.len(),
        "tables of the media object in formats.md"
    );
    for ((_, line, fields), target) in media_tables.into_iter().zip(targets) {
        let what = format!("formats.md (media object) table at +{line}");
        for t in check_table(&what, target, &fields, &mut problems) {
            covered.insert(t, ());
        }
    }

    // Objects json.md describes in a sentence, not a table, and the log
    // entries (fields in formats.md): each field must be named there, as
    // `name` or as "name" in a JSON example.
    let prose: &[(&str, &str)] = &[
        ("common.json#/$defs/counts", &md),
        ("verify.json#/$defs/segment_observation", &md),
        ("common.json#/$defs/finding/properties/span", &md),
        ("common.json#/$defs/finding/properties/time", &md),
        ("check.json#/$defs/stretch", &md),
        ("check.json#/$defs/record_source", &md),
        (
            "verify-file.json#/properties/excerpt/properties/streams/items",
            &md,
        ),
        ("check.json#/$defs/record/properties/appearances/items", &md),
        ("check.json#/$defs/record/properties/breaks/items", &md),
        ("check.json#/$defs/record/properties/failures/items", &md),
        ("audit.json#/properties/report/properties/retention", &md),
        ("audit.json#/properties/totals", &md),
        (
            "audit.json#/properties/report/properties/resumed_sessions/items",
            &md,
        ),
        ("log-entry.json#", &formats),
        ("log-entry.json#/oneOf/0", &formats),
        ("log-entry.json#/oneOf/2", &formats),
        ("log-entry.json#/oneOf/3", &formats),
        ("log-entry.json#/oneOf/4", &formats),
        ("log-entry.json#/oneOf/5", &formats),
        ("log-entry.json#/oneOf/6", &formats),
    ];
    for (target, text) in prose {
        for f in properties(target) {
            if !text.contains(&format!("`{f}`")) && !text.contains(&format!("\"{f}\"")) {
                problems.push(format!("{target}: field `{f}` is not named in the doc"));
            }
        }
        covered.insert((*target).to_owned(), ());
    }

    let mut files: Vec<String> = fs::read_dir(schemas_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "audit.json",
            "check.json",
            "common.json",
            "compare.json",
            "inspect.json",
            "log-entry.json",
            "seal.json",
            "series.json",
            "verify-file.json",
            "verify.json"
        ]
    );
    for file in &files {
        if file != "common.json" {
            assert!(
                md.contains(&format!("(schemas/{file})")),
                "json.md does not link {file}"
            );
        }
        for ptr in object_schemas(file) {
            let target = format!("{file}#{ptr}");
            // A closed object (no field beyond those it lists) must be
            // documented; narrowing a shared one adds no field of its own.
            let o = load(file).pointer(&ptr).unwrap().clone();
            let closed = o.get("additionalProperties") == Some(&json!(false))
                || o.get("unevaluatedProperties") == Some(&json!(false));
            if closed && !covered.contains_key(&target) {
                problems.push(format!(
                    "{target}: an object no table or sentence of the doc covers"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A table's fields against the object's: the same names. A dotted name
/// (`report.folder`) belongs to the object named before the dot. Returns the
/// objects the table covers.
fn check_table(
    what: &str,
    target: &str,
    fields: &BTreeSet<String>,
    problems: &mut Vec<String>,
) -> Vec<String> {
    let mut by_object: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in fields {
        match f.split_once('.') {
            Some((obj, sub)) => by_object
                .entry(format!("{target}/properties/{obj}"))
                .or_default()
                .insert(sub.to_owned()),
            None => by_object
                .entry(target.to_owned())
                .or_default()
                .insert(f.clone()),
        };
    }
    let targets: Vec<String> = by_object.keys().cloned().collect();
    for (t, documented) in by_object {
        let schema = properties(&t);
        for f in documented.difference(&schema) {
            problems.push(format!("{what}: `{f}` is documented but not in {t}"));
        }
        for f in schema.difference(&documented) {
            problems.push(format!(
                "{what}: `{f}` of {t} is not documented in the table"
            ));
        }
    }
    targets
}

#[test]
fn schema_paths_resolve_only_to_docs_schemas() {
    // The retriever serves the schema folder and refuses anything else.
    let r = SchemaFiles;
    let ok: Uri<String> = Uri::parse(format!(
        "file://{}",
        schemas_dir().join("common.json").display()
    ))
    .unwrap();
    assert!(r.retrieve(&ok).is_ok());
    let bad: Uri<String> =
        Uri::parse(format!("file://{}", common::repo("Cargo.toml").display())).unwrap();
    assert!(r.retrieve(&bad).is_err());
}
