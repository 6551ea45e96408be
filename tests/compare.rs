//! `courtseal compare`: an independent recording (a lawyer's dictaphone)
//! against the sealed official one. The speech is made at test time with
//! espeak-ng (several voices, sentences that do not repeat); the official
//! recording is clean, the independent one is phone-band, with echo, noise,
//! a start 7.3 s earlier, a clock 0.07% fast and MP3 at 32 kb/s mono.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use jsonschema::{Draft, Retrieve, Uri, Validator};
use serde_json::Value;

/// The independent clock runs this much fast.
const SPEED: f64 = 1.0007;
/// The independent recording starts this many seconds before the official.
const LEAD: f64 = 7.3;

/// Independent second of master second `m`.
fn ind(m: f64) -> f64 {
    (LEAD + m) / SPEED
}

struct Material {
    dir: tempfile::TempDir,
}

fn ffmpeg(dir: &Path, args: &[&str]) {
    common::ffmpeg(dir, args);
}

/// Writes `{prefix}{v}.wav` for each voice: `per_voice` sentences of words
/// drawn at random (seed `seed`), numbered on from voice to voice, so no
/// sentence repeats.
fn speak(dir: &Path, voices: &[&str], per_voice: usize, seed: u64, prefix: &str) {
    let subj = [
        "the witness",
        "the clerk",
        "my neighbour",
        "the driver",
        "the accountant",
        "her brother",
        "the officer",
        "the landlord",
        "a teacher",
        "the nurse",
    ];
    let verb = [
        "saw",
        "signed",
        "carried",
        "repaired",
        "sold",
        "painted",
        "counted",
        "opened",
        "described",
        "forgot",
    ];
    let obj = [
        "a green truck",
        "the blue contract",
        "forty boxes",
        "the old bridge",
        "a broken window",
        "the second invoice",
        "three horses",
        "a wooden ladder",
        "the night train",
        "a silver watch",
    ];
    let place = [
        "near the station",
        "in the market",
        "behind the school",
        "at the harbour",
        "on Main Street",
        "in the basement",
        "by the river",
        "at the airport",
        "in the garden",
        "on the top floor",
    ];
    let when = [
        "on Monday",
        "in March",
        "at noon",
        "last winter",
        "before dawn",
        "after lunch",
        "on the fifth of May",
        "in nineteen ninety",
        "at midnight",
        "yesterday",
    ];
    let mut state: u64 = seed;
    let mut pick = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    };
    for (v, voice) in voices.iter().enumerate() {
        let mut text = String::new();
        for k in 0..per_voice {
            let n = v * per_voice + k;
            text.push_str(&format!(
                "{} {} {} {} {}, number {}.\n",
                subj[pick(10)],
                verb[pick(10)],
                obj[pick(10)],
                place[pick(10)],
                when[pick(10)],
                n + 1
            ));
        }
        fs::write(dir.join(format!("{prefix}{v}.txt")), text).unwrap();
        let o = Command::new("espeak-ng")
            .current_dir(dir)
            .args([
                "-v",
                voice,
                "-s",
                "150",
                "-g",
                "4",
                "-f",
                &format!("{prefix}{v}.txt"),
                "-w",
                &format!("{prefix}{v}.wav"),
            ])
            .output()
            .expect("espeak-ng is needed to make test speech");
        assert!(o.status.success());
    }
}

/// The speech (about 3.6 minutes, three voices) and the unrelated speech, once.
fn material() -> &'static Path {
    static M: OnceLock<Material> = OnceLock::new();
    M.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let voices = ["en-us", "en-gb", "en-gb-scotland", "en+f3"];
        speak(dir.path(), &voices, 12, 7, "v");
        ffmpeg(
            dir.path(),
            &[
                "-i",
                "v0.wav",
                "-i",
                "v1.wav",
                "-i",
                "v2.wav",
                "-filter_complex",
                "[0][1][2]concat=n=3:v=0:a=1,aresample=48000",
                "master.wav",
            ],
        );
        ffmpeg(
            dir.path(),
            &["-i", "v3.wav", "-ar", "16000", "unrelated.wav"],
        );
        Material { dir }
    })
    .dir
    .path()
}

/// Longer speech (about 9 minutes, three voices, other sentences), for a
/// cut of 5 minutes, once: `master-long.wav` in the material folder.
fn long_master() -> &'static Path {
    static L: OnceLock<PathBuf> = OnceLock::new();
    L.get_or_init(|| {
        let dir = material();
        speak(dir, &["en-us+m3", "en-gb+f2", "en-us"], 30, 99, "l");
        ffmpeg(
            dir,
            &[
                "-i",
                "l0.wav",
                "-i",
                "l1.wav",
                "-i",
                "l2.wav",
                "-filter_complex",
                "[0][1][2]concat=n=3:v=0:a=1,aresample=48000",
                "master-long.wav",
            ],
        );
        dir.join("master-long.wav")
    })
}

/// The independent recording of master seconds `keep` (each a stretch
/// `(from, to)`; a gap between stretches is the device stopped).
fn independent(out: &Path, name: &str, filter_master: &str) -> PathBuf {
    independent_of(&material().join("master.wav"), out, name, filter_master)
}

/// [`independent`] of another master.
fn independent_of(master: &Path, out: &Path, name: &str, filter_master: &str) -> PathBuf {
    let p = out.join(name);
    ffmpeg(out, &[
        "-f", "lavfi", "-i", &format!("anoisesrc=d={LEAD}:r=48000:a=0.003:seed=7"),
        "-i", master.to_str().unwrap(),
        "-filter_complex",
        &format!("[1]{filter_master}[m];[0][m]concat=n=2:v=0:a=1,highpass=f=300,lowpass=f=3400,aecho=0.8:0.6:35|70:0.35|0.2,asetrate=48000*{SPEED},aresample=48000[s];anoisesrc=d=600:r=48000:a=0.01:seed=11[n];[s][n]amix=inputs=2:duration=first:normalize=0"),
        "-ac", "1", "-ar", "22050", "-c:a", "libmp3lame", "-b:a", "32k", p.to_str().unwrap(),
    ]);
    p
}

/// An official segment of `master` (after `filter`), declared to start
/// `start` seconds after 05:00:00Z.
fn segment_of(master: &Path, dir: &Path, name: &str, filter: &str, start: f64) {
    let t = time::OffsetDateTime::parse(
        "2026-11-20T05:00:00Z",
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
        + time::Duration::seconds_f64(start);
    let t = t
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    ffmpeg(
        dir,
        &[
            "-i",
            master.to_str().unwrap(),
            "-af",
            &format!("{filter},asetpts=N/SR/TB"),
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-metadata",
            &format!("creation_time={t}"),
            name,
        ],
    );
}

/// A sealed session folder `s` in a fresh folder with the given segments.
fn session(segments: &[(&str, &str, f64)]) -> tempfile::TempDir {
    session_of(&material().join("master.wav"), segments)
}

/// [`session`] of another master.
fn session_of(master: &Path, segments: &[(&str, &str, f64)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("s")).unwrap();
    for (name, filter, start) in segments {
        segment_of(master, &d.path().join("s"), name, filter, *start);
    }
    common::demo_key(d.path(), "demo-recorder");
    let (code, out, err) = common::run(
        d.path(),
        &[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            "court.example/compare",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    d
}

fn compare(dir: &Path, files: &[&Path]) -> (i32, Value) {
    let vkey = common::repo("keys/demo-recorder.vkey");
    let mut args = vec!["compare".to_owned(), "s".to_owned()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend([
        "--trust".to_owned(),
        vkey.display().to_string(),
        "--json".to_owned(),
    ]);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = common::run(dir, &a);
    assert!(code == 0 || code == 1, "{out}{err}");
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")),
    )
}

fn near(v: &Value, want: f64, what: &str) {
    let got = v.as_f64().unwrap();
    assert!(
        (got - want).abs() <= 0.5,
        "{what}: got {got}, want {want} ± 0.5"
    );
}

fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

/// The intact case (an official recording that lacks nothing), made and
/// compared once: its folder, exit status and `--json` output.
fn intact() -> &'static (tempfile::TempDir, i32, Value) {
    static I: OnceLock<(tempfile::TempDir, i32, Value)> = OnceLock::new();
    I.get_or_init(|| {
        let d = session(&[("rec.m4a", "anull", 0.0)]);
        let i = independent(d.path(), "dictaphone.mp3", "anull");
        let (code, v) = compare(d.path(), &[&i]);
        (d, code, v)
    })
}

#[test]
fn intact_official_lacks_nothing_and_the_drift_is_measured() {
    let (_, code, v) = intact();
    let (code, v) = (*code, v.clone());
    assert_eq!(code, 0, "{v:#}");
    assert!(
        v["missing_from_official"].as_array().unwrap().is_empty(),
        "{v:#}"
    );
    assert!(
        !codes(&v).iter().any(|c| c.starts_with("compare.")),
        "{v:#}"
    );
    let ppm = v["drift_ppm"].as_f64().unwrap();
    assert!((ppm - 700.0).abs() < 100.0, "{ppm}");
    // Second 0 of the independent recording is 7.3 s before 05:00:00.
    let start = time::OffsetDateTime::parse(
        v["independent_start"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let want = time::OffsetDateTime::parse(
        "2026-11-20T04:59:52.7Z",
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(((start - want).as_seconds_f64()).abs() < 0.5, "{start}");
    assert!(v["note"].as_str().unwrap().contains("not a proof"));
}

#[test]
fn a_stopped_recording_two_segments_with_60_s_between_is_found() {
    let d = session(&[("a.m4a", "atrim=0:80", 0.0), ("b.m4a", "atrim=140", 140.0)]);
    let i = independent(d.path(), "dictaphone.mp3", "anull");
    let (code, v) = compare(d.path(), &[&i]);
    assert_eq!(code, 1, "{v:#}");
    let m = v["missing_from_official"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{v:#}");
    near(&m[0]["independent_from"], ind(80.0), "from");
    near(&m[0]["independent_to"], ind(140.0), "to");
    near(&m[0]["seconds"], 60.0 / SPEED, "length");
    assert_eq!(
        m[0]["from"].as_str().unwrap()[..19],
        *"2026-11-20T05:01:20",
        "{v:#}"
    );
    assert!(m[0]["declared"].as_array().unwrap().is_empty());
    assert!(
        v["missing_from_independent"].as_array().unwrap().is_empty(),
        "{v:#}"
    );
}

#[test]
fn ten_seconds_cut_out_of_one_segment_are_found() {
    // The cut starts in a pause of 0.25 s (master 99.86-100.11 s). Probes
    // of the stretch after the cut once matched, alternating with misses,
    // 0.8 s before its true start (speech like the speech before the cut)
    // and placed the start 0.5 s early; an edge is now the end of steady
    // matches.
    let d = session(&[("rec.m4a", "aselect='not(between(t,100,110))'", 0.0)]);
    let i = independent(d.path(), "dictaphone.mp3", "anull");
    let (code, v) = compare(d.path(), &[&i]);
    assert_eq!(code, 1, "{v:#}");
    let m = v["missing_from_official"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{v:#}");
    near(&m[0]["independent_from"], ind(100.0), "from");
    near(&m[0]["independent_to"], ind(110.0), "to");
}

#[test]
fn sixty_seconds_cut_out_at_two_places_are_both_found() {
    let d = session(&[(
        "rec.m4a",
        "aselect='not(between(t,40,50)+between(t,120,180))'",
        0.0,
    )]);
    let i = independent(d.path(), "dictaphone.mp3", "anull");
    let (code, v) = compare(d.path(), &[&i]);
    assert_eq!(code, 1, "{v:#}");
    let m = v["missing_from_official"].as_array().unwrap();
    assert_eq!(m.len(), 2, "{v:#}");
    near(&m[0]["independent_from"], ind(40.0), "from");
    near(&m[0]["independent_to"], ind(50.0), "to");
    near(&m[1]["independent_from"], ind(120.0), "from");
    near(&m[1]["independent_to"], ind(180.0), "to");
}

#[test]
fn five_minutes_cut_out_of_a_longer_hearing_are_one_stretch() {
    let master = long_master();
    let d = session_of(
        master,
        &[("rec.m4a", "aselect='not(between(t,120,420))'", 0.0)],
    );
    let i = independent_of(master, d.path(), "dictaphone.mp3", "anull");
    let (code, v) = compare(d.path(), &[&i]);
    assert_eq!(code, 1, "{v:#}");
    let m = v["missing_from_official"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{v:#}");
    near(&m[0]["independent_from"], ind(120.0), "from");
    near(&m[0]["independent_to"], ind(420.0), "to");
    // On the wall clock: the official recording skips at 05:02:00.
    let rfc = &time::format_description::well_known::Rfc3339;
    let from = time::OffsetDateTime::parse(m[0]["from"].as_str().unwrap(), rfc).unwrap();
    let want = time::OffsetDateTime::parse("2026-11-20T05:02:00Z", rfc).unwrap();
    assert!((from - want).as_seconds_f64().abs() <= 0.5, "{v:#}");
    assert!(
        v["missing_from_independent"].as_array().unwrap().is_empty(),
        "{v:#}"
    );
}

#[test]
fn both_recordings_stopped_together_lack_nothing() {
    // The official recording stopped from master second 80 to 140 (two
    // segments, the second declared at 05:02:20), and the dictaphone was
    // off for the same minute (two files): neither has what the other
    // lacks.
    let d = session(&[("a.m4a", "atrim=0:80", 0.0), ("b.m4a", "atrim=140", 140.0)]);
    let a = independent(d.path(), "part1.mp3", "atrim=0:80");
    let b = d.path().join("part2.mp3");
    ffmpeg(
        d.path(),
        &[
            "-i",
            material().join("master.wav").to_str().unwrap(),
            "-af",
            &format!("atrim=140,asetpts=N/SR/TB,highpass=f=300,lowpass=f=3400,asetrate=48000*{SPEED},aresample=48000"),
            "-ac",
            "1",
            "-ar",
            "22050",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "32k",
            b.to_str().unwrap(),
        ],
    );
    let (code, v) = compare(d.path(), &[&a, &b]);
    assert_eq!(code, 0, "{v:#}");
    assert!(
        v["missing_from_official"].as_array().unwrap().is_empty(),
        "{v:#}"
    );
    assert!(
        v["missing_from_independent"].as_array().unwrap().is_empty(),
        "{v:#}"
    );
    assert!(!v["matched"].as_array().unwrap().is_empty(), "{v:#}");
}

#[test]
fn the_independent_recording_stopped_for_a_while_is_information() {
    let d = session(&[("rec.m4a", "anull", 0.0)]);
    let a = independent(d.path(), "part1.mp3", "atrim=0:100");
    let b = d.path().join("part2.mp3");
    ffmpeg(
        d.path(),
        &[
            "-i",
            material().join("master.wav").to_str().unwrap(),
            "-af",
            "atrim=130,asetpts=N/SR/TB,highpass=f=300,lowpass=f=3400",
            "-ac",
            "1",
            "-ar",
            "22050",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "32k",
            b.to_str().unwrap(),
        ],
    );
    let (code, v) = compare(d.path(), &[&a, &b]);
    assert_eq!(code, 0, "{v:#}");
    assert!(
        v["missing_from_official"].as_array().unwrap().is_empty(),
        "{v:#}"
    );
    let m = v["missing_from_independent"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{v:#}");
    near(&m[0]["seconds"], 30.0, "length");
    assert!(codes(&v).contains(&"compare.missing_from_independent".to_owned()));
}

#[test]
fn long_silences_on_both_sides_are_no_false_stretch() {
    // The room falls silent for 40 s at master second 90 (both hear it).
    let f =
        "atrim=0:90[x];[0]atrim=90,asetpts=N/SR/TB,adelay=40s:all=1[y];[x][y]concat=n=2:v=0:a=1";
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("s")).unwrap();
    let m = material();
    ffmpeg(
        d.path(),
        &[
            "-i",
            m.join("master.wav").to_str().unwrap(),
            "-filter_complex",
            &format!("[0]{f}"),
            "-c:a",
            "pcm_s16le",
            "silent.wav",
        ],
    );
    ffmpeg(
        d.path(),
        &[
            "-i",
            "silent.wav",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-metadata",
            "creation_time=2026-11-20T05:00:00Z",
            "s/rec.m4a",
        ],
    );
    common::demo_key(d.path(), "demo-recorder");
    let (code, out, err) = common::run(
        d.path(),
        &[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            "court.example/compare",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let i = d.path().join("dictaphone.mp3");
    ffmpeg(
        d.path(),
        &[
            "-i",
            "silent.wav",
            "-af",
            &format!("highpass=f=300,lowpass=f=3400,asetrate=48000*{SPEED},aresample=48000"),
            "-ac",
            "1",
            "-ar",
            "22050",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "32k",
            "dictaphone.mp3",
        ],
    );
    let (code, v) = compare(d.path(), &[&i]);
    assert_eq!(code, 0, "{v:#}");
    assert!(
        v["missing_from_official"].as_array().unwrap().is_empty(),
        "{v:#}"
    );
    assert!(
        v["missing_from_independent"].as_array().unwrap().is_empty(),
        "{v:#}"
    );
    assert!(
        v["not_compared"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["reason"] == "silence"),
        "{v:#}"
    );
}

#[test]
fn an_unrelated_recording_matches_nothing_and_says_so() {
    let d = session(&[("rec.m4a", "anull", 0.0)]);
    let u = material().join("unrelated.wav");
    let (code, v) = compare(d.path(), &[&u]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(codes(&v), ["compare.nothing_matches"], "{v:#}");
    assert!(v["matched"].as_array().unwrap().is_empty());
    assert!(v["missing_from_official"].as_array().unwrap().is_empty());
}

#[test]
fn a_dictaphone_sealed_with_the_lawyers_own_key_says_when() {
    let d = session(&[("rec.m4a", "anull", 0.0)]);
    fs::create_dir(d.path().join("lawyer")).unwrap();
    let i = independent(&d.path().join("lawyer"), "dictaphone.mp3", "anull");
    let (code, out, err) = common::run(
        d.path(),
        &[
            "keys",
            "generate",
            "--name",
            "lawyer.example",
            "--out",
            "keys",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = common::run(
        d.path(),
        &[
            "seal",
            "lawyer",
            "--key",
            "keys/lawyer.example.key",
            "--origin",
            "lawyer.example/dictaphone",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (_, v) = compare(d.path(), &[&i]);
    let s = &v["independent"][0]["sealed"];
    assert_eq!(s["session"], "lawyer", "{v:#}");
    assert!(s["sealed_at"].as_str().unwrap().starts_with("20"), "{v:#}");
}

/// Resolves the schemas' relative references (`common.json#/$defs/...`) to
/// the files beside them, and nothing else.
struct SchemaFiles;

impl Retrieve for SchemaFiles {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let dir = common::repo("docs/schemas");
        let path = PathBuf::from(uri.path().as_str());
        if uri.scheme().as_str() != "file" || path.parent() != Some(dir.as_path()) {
            return Err(format!("{uri}: not a schema in docs/schemas").into());
        }
        Ok(serde_json::from_slice(&fs::read(&path)?)?)
    }
}

fn compare_schema() -> Validator {
    let p = common::repo("docs/schemas/compare.json");
    let schema: Value = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
    assert!(jsonschema::meta::is_valid(&schema), "compare.json");
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .with_base_uri(format!("file://{}", p.display()))
        .with_retriever(SchemaFiles)
        .build(&schema)
        .unwrap()
}

fn schema_errors(schema: &Validator, v: &Value) -> Vec<String> {
    schema
        .iter_errors(v)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn a_real_compare_json_matches_docs_schemas_compare_json() {
    let (_, code, v) = intact();
    assert_eq!(*code, 0, "{v:#}");
    let schema = compare_schema();
    let errs = schema_errors(&schema, v);
    assert!(errs.is_empty(), "{}\n{v:#}", errs.join("\n"));
    // The output has what makes the check worth something: a match, a
    // start on the wall clock, a measured drift, the session's verify.
    assert!(!v["matched"].as_array().unwrap().is_empty(), "{v:#}");
    assert!(v["independent_start"].is_string(), "{v:#}");
    assert!(v["drift_ppm"].is_number(), "{v:#}");
    assert_eq!(v["verify"]["command"], "verify", "{v:#}");
    // And the schema refuses what it does not describe.
    let mut extra = v.clone();
    extra["lawyer"] = Value::from("added");
    assert!(!schema_errors(&schema, &extra).is_empty());
    let mut bad = v.clone();
    bad["matched"][0]["confidence"] = Value::from(1.5);
    assert!(!schema_errors(&schema, &bad).is_empty());
}

/// The sample session, sealed, in a fresh folder as `s`: enough for the
/// hostile recordings, which are refused before any sound is compared.
fn sealed_sample() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    common::copy_sample(&d.path().join("s"), &[]);
    common::demo_key(d.path(), "demo-recorder");
    let (code, out, err) = common::run(
        d.path(),
        &[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            "court.example/compare",
            "--no-silence",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    d
}

/// Runs `compare s REC --trust ... --json` in `dir`, killed if it has not
/// ended after a minute (a hang is a failure, not a slow run): (exit
/// status, stderr).
fn compare_guarded(dir: &Path, rec: &str) -> (i32, String) {
    use std::io::Read as _;
    use std::time::{Duration, Instant};
    let vkey = common::repo("keys/demo-recorder.vkey");
    let mut child = Command::new(env!("CARGO_BIN_EXE_courtseal"))
        .current_dir(dir)
        .args(["compare", "s", rec, "--trust"])
        .arg(&vkey)
        .arg("--json")
        .env("CI", "true")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("compare {rec}: still running after 60 s (it hangs)");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    (status.code().unwrap_or(-1), err)
}

fn assert_refused(dir: &Path, rec: &str) -> String {
    let (code, err) = compare_guarded(dir, rec);
    assert_eq!(code, 2, "compare {rec}: {err}");
    assert!(err.contains(rec), "the message does not name {rec}: {err}");
    err
}

#[test]
fn a_fifo_given_as_the_independent_recording_is_refused_not_waited_on() {
    let d = sealed_sample();
    let fifo = d.path().join("dictaphone.mp3");
    let ok = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    let err = assert_refused(d.path(), "dictaphone.mp3");
    assert!(err.contains("FIFO"), "{err}");
}

#[test]
fn a_fifo_inside_the_sealed_session_is_refused_not_waited_on() {
    // Where a recording was sealed is looked up in the folders above it:
    // a FIFO there must not be opened either.
    let d = sealed_sample();
    let fifo = d.path().join("s").join("dictaphone.mp3");
    let ok = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    let err = assert_refused(d.path(), "s/dictaphone.mp3");
    assert!(err.contains("FIFO"), "{err}");
}

#[test]
fn a_folder_given_as_the_independent_recording_is_refused() {
    let d = sealed_sample();
    fs::create_dir(d.path().join("dictaphone.mp3")).unwrap();
    let err = assert_refused(d.path(), "dictaphone.mp3");
    assert!(err.contains("folder"), "{err}");
}

#[test]
fn an_empty_file_given_as_the_independent_recording_is_refused() {
    let d = sealed_sample();
    fs::write(d.path().join("dictaphone.wav"), b"").unwrap();
    let err = assert_refused(d.path(), "dictaphone.wav");
    assert!(err.contains("empty"), "{err}");
}

#[test]
fn a_wav_header_claiming_4_gib_of_data_with_none_is_refused() {
    let d = sealed_sample();
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&u32::MAX.to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes()); // PCM
    h.extend_from_slice(&1u16.to_le_bytes()); // mono
    h.extend_from_slice(&48000u32.to_le_bytes());
    h.extend_from_slice(&96000u32.to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(h.len(), 44);
    fs::write(d.path().join("dictaphone.wav"), &h).unwrap();
    assert_refused(d.path(), "dictaphone.wav");
}

/// Runs `compare s FILES... --trust ... --html OUT` in `dir`: (exit
/// status, stdout, stderr).
fn compare_html(dir: &Path, files: &[&Path], out: &str, extra: &[&str]) -> (i32, String, String) {
    let vkey = common::repo("keys/demo-recorder.vkey");
    let mut args = vec!["compare".to_owned(), "s".to_owned()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend([
        "--trust".to_owned(),
        vkey.display().to_string(),
        "--html".to_owned(),
        out.to_owned(),
    ]);
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    common::run(dir, &a)
}

/// Headless Chromium on `html` with a fresh profile and `extra` arguments.
fn chromium(html: &Path, extra: &[String]) {
    let profile = tempfile::tempdir().unwrap();
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
}

/// Prints `html` to PDF: every page is A4 (595 x 842 points); the number
/// of pages.
fn assert_a4(html: &Path) -> usize {
    let pdf = html.with_extension("pdf");
    chromium(html, &[format!("--print-to-pdf={}", pdf.display())]);
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

/// A screenshot's pixels: (red of a missing stretch, inked, total).
fn red_pixels(html: &Path) -> (usize, usize, usize) {
    let png_path = html.with_extension("png");
    chromium(html, &[format!("--screenshot={}", png_path.display())]);
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

/// A copy of the document without its legend (the only red a clean
/// comparison may show).
fn without_legend(html: &Path) -> PathBuf {
    let page = fs::read_to_string(html).unwrap();
    let a = page.find("<p class=\"legend\">").expect("a legend");
    let b = a + page[a..].find("</p>").unwrap() + 4;
    let out = html.with_extension("nolegend.html");
    fs::write(&out, format!("{}{}", &page[..a], &page[b..])).unwrap();
    out
}

#[test]
fn the_html_draws_a_cut_in_red_on_one_timeline_prints_on_a4_and_a_clean_one_has_no_red() {
    // 60 s cut out of the official recording at master second 120.
    let d = session(&[("rec.m4a", "aselect='not(between(t,120,180))'", 0.0)]);
    let i = independent(d.path(), "dictaphone.mp3", "anull");
    let (code, out, err) = compare_html(d.path(), &[&i], "cut.html", &[]);
    assert_eq!(code, 1, "{out}{err}");
    let html = d.path().join("cut.html");
    let mode = fs::metadata(&html).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "a document for the parties is readable by all");
    let page = fs::read_to_string(&html).unwrap();
    // The headline, the findings, what was compared, the limits, the command.
    assert!(
        page.contains(
            "The official recording lacks 1 stretch that the independent recording holds"
        ),
        "headline"
    );
    assert!(page.contains("compare.missing_from_official"));
    assert!(page.contains("evidence to weigh, not a proof"));
    let sealed = fs::read_to_string(d.path().join("s/courtseal/log.jsonl")).unwrap();
    let rec_hash = sealed
        .lines()
        .find(|l| l.contains("rec.m4a"))
        .and_then(|l| l.split("\"sha256\":\"").nth(1))
        .map(|r| r[..64].to_owned())
        .unwrap();
    assert!(page.contains(&rec_hash), "the sealed segment's SHA-256");
    let ind_hash = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(fs::read(&i).unwrap()))
    };
    assert!(page.contains(&ind_hash), "the independent file's SHA-256");
    assert!(page.contains("dictaphone.mp3") && page.contains("rec.m4a"));
    assert!(page.contains("--html cut.html"), "the command");
    assert!(page.contains(concat!("courtseal ", env!("CARGO_PKG_VERSION"))));
    for external in [
        "src=\"http",
        "href=\"http",
        "@import",
        "url(http",
        "<script",
    ] {
        assert!(!page.contains(external), "the document holds {external}");
    }
    // Both lanes, the matched stretches joined, the cut's times in red.
    assert!(page.contains(">Official (sealed)</text>") && page.contains(">Independent</text>"));
    assert!(
        count(&page, "class=\"joined\"") >= 2,
        "two matched stretches joined"
    );
    assert_eq!(count(&page, "class=\"missing\""), 1);
    assert!(
        ["05:01:59–05:02:5", "05:02:00–05:02:5", "05:02:00–05:03:0"]
            .iter()
            .any(|t| page.contains(&format!(" s missing: {t}"))),
        "the cut's times"
    );

    let clean = intact().0.path();
    let (code, out, err) = compare_html(clean, &[&clean.join("dictaphone.mp3")], "clean.html", &[]);
    assert_eq!(code, 0, "{out}{err}");
    let clean_html = clean.join("clean.html");
    let clean_page = fs::read_to_string(&clean_html).unwrap();
    assert!(clean_page
        .contains("Where both could be compared, the official recording holds everything"));
    assert_eq!(count(&clean_page, "class=\"missing\""), 0);

    let pages = assert_a4(&html);
    assert!(pages <= 3, "{pages} pages");
    assert_a4(&clean_html);
    let (red, ink, total) = red_pixels(&html);
    let (clean_red, clean_ink, _) = red_pixels(&clean_html);
    assert!(
        ink > total / 50 && clean_ink > total / 50,
        "a page looks blank"
    );
    // 60 s of about 230 s on a 526 px axis, 22 px high: over 2500 red
    // pixels on the lane alone, beyond the legend's swatch.
    assert!(
        red > clean_red + 2500,
        "the cut is not drawn red: {red} red pixels ({clean_red} when clean)"
    );
    let (bare_red, bare_ink, _) = red_pixels(&without_legend(&clean_html));
    assert!(
        bare_ink > total / 50,
        "the page without its legend looks blank"
    );
    assert_eq!(
        bare_red, 0,
        "a clean comparison shows red outside its legend"
    );
    assert!(clean_red > 0, "the legend's red swatch is drawn");
}

#[test]
fn an_existing_html_file_is_refused_before_any_work_and_replaced_only_with_force() {
    let (dir, _, _) = intact();
    let d = dir.path();
    let i = d.join("dictaphone.mp3");
    fs::write(d.join("taken.html"), "the lawyer's own notes").unwrap();
    let (code, out, err) = compare_html(d, &[&i], "taken.html", &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("taken.html") && err.contains("already exists"),
        "{err}"
    );
    assert!(out.is_empty(), "work was done before the refusal: {out}");
    assert_eq!(
        fs::read_to_string(d.join("taken.html")).unwrap(),
        "the lawyer's own notes"
    );
    // A folder is not replaced even with --force.
    fs::create_dir_all(d.join("folder.html")).unwrap();
    let (code, out, err) = compare_html(d, &[&i], "folder.html", &["--force"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("folder.html") && err.contains("not a regular file"),
        "{err}"
    );
    // With --force the file is replaced whole, readable by all.
    let (code, out, err) = compare_html(d, &[&i], "taken.html", &["--force"]);
    assert_eq!(code, 0, "{out}{err}");
    let page = fs::read_to_string(d.join("taken.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>"));
    let mode = fs::metadata(d.join("taken.html"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644);
}

#[test]
fn a_hostile_file_name_is_shown_escaped_in_the_html() {
    let (dir, _, _) = intact();
    let d = dir.path();
    // A file name cannot hold a slash; everything else is allowed.
    let name = "x<img src=x onerror=alert(1)>&\"\u{202E}3pm.mp3";
    fs::copy(d.join("dictaphone.mp3"), d.join(name)).unwrap();
    let (code, out, err) = compare_html(d, &[Path::new(name)], "hostile.html", &[]);
    assert_eq!(code, 0, "{out}{err}");
    let page = fs::read_to_string(d.join("hostile.html")).unwrap();
    assert!(!page.contains("<img"), "markup from a file name");
    assert!(
        !page.contains('\u{202E}'),
        "a direction override from a file name"
    );
    assert!(
        page.contains("x&lt;img src=x onerror=alert(1)&gt;&amp;&quot;\\u202E3pm.mp3"),
        "the name is shown as it is"
    );
}

fn count(page: &str, needle: &str) -> usize {
    page.matches(needle).count()
}

#[test]
fn a_concat_script_naming_a_fifo_is_refused_not_followed() {
    // FFmpeg picks its concat demuxer from the content alone; the script
    // would make it open the FIFO beside it (a blocking open) or any file
    // it names. Only recording containers are opened.
    let d = sealed_sample();
    let ok = Command::new("mkfifo")
        .arg(d.path().join("pipe.wav"))
        .status()
        .unwrap();
    assert!(ok.success());
    fs::write(
        d.path().join("dictaphone.mp3"),
        "ffconcat version 1.0\nfile 'pipe.wav'\n",
    )
    .unwrap();
    let err = assert_refused(d.path(), "dictaphone.mp3");
    assert!(err.contains("does not open"), "{err}");
}

#[test]
fn a_segment_swapped_for_another_recording_after_sealing_is_not_compared_as_official() {
    // The insider puts another sealed segment's bytes under seg-0002.m4a:
    // verify reports the change, and compare must not go on to align the
    // lawyer's recording with audio that is not the sealed one.
    let d = sealed_sample();
    fs::copy(
        d.path().join("s/seg-0004.m4a"),
        d.path().join("s/seg-0002.m4a"),
    )
    .unwrap();
    fs::copy(
        d.path().join("s/seg-0004.m4a"),
        d.path().join("dictaphone.m4a"),
    )
    .unwrap();
    let (code, err) = compare_guarded(d.path(), "dictaphone.m4a");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("seg-0002.m4a") && err.contains("not the sealed segment"),
        "{err}"
    );
}
