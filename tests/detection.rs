//! What was done to a copy, in the formats court recorders write: PCM WAV
//! cut and spliced between samples, stream-copy remuxes into and out of
//! MPEG-TS, files joined by FFmpeg's concat demuxer, and the start time
//! Ogg/Opus and Broadcast WAV declare. Every copy is built here with the
//! `ffmpeg` tool, as a forger would build it, from the bundled samples.

mod common;

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

const SAMPLE: &str = "samples/session-2026-11-20-courtroom5";

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    vkey: String,
}

impl Fx {
    fn new() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        fs::create_dir(dir.join("s")).unwrap();
        fs::copy(
            common::repo(&format!("{SAMPLE}/record.toml")),
            dir.join("s/record.toml"),
        )
        .unwrap();
        common::demo_key(&dir, "demo-recorder");
        let vkey = common::repo("keys/demo-recorder.vkey")
            .to_str()
            .unwrap()
            .to_owned();
        Fx {
            _tmp: tmp,
            dir,
            vkey,
        }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn sample(&self, name: &str) -> String {
        common::repo(&format!("{SAMPLE}/{name}"))
            .to_str()
            .unwrap()
            .to_owned()
    }

    fn ffmpeg(&self, args: &[&str]) {
        common::ffmpeg(&self.dir, args);
    }

    fn seal(&self) {
        let (code, out, err) = common::run(
            &self.dir,
            &[
                "seal",
                "s",
                "--key",
                "demo-recorder.key",
                "--origin",
                "court.example/detection",
                "--json",
            ],
        );
        assert_eq!(code, 0, "{out}{err}");
    }

    fn verify(&self) -> (i32, Value) {
        let (code, out, err) =
            common::run(&self.dir, &["verify", "s", "--trust", &self.vkey, "--json"]);
        assert!(code == 0 || code == 1, "exit {code}: {err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    /// 29 s of the sample hearing (speech and room tone) as PCM WAV.
    fn hearing_wav(&self, rate: &str, channels: &str) {
        let (a, b) = (self.sample("seg-0002.m4a"), self.sample("seg-0001.m4a"));
        self.ffmpeg(&[
            "-i",
            &a,
            "-i",
            &b,
            "-filter_complex",
            "[0][1]concat=n=2:v=0:a=1",
            "-ar",
            rate,
            "-ac",
            channels,
            "-c:a",
            "pcm_s16le",
            "s/hearing.wav",
        ]);
    }
}

/// (code, location, span) of one finding.
type Row = (String, String, Option<(f64, f64)>);

/// The findings as (code, location, span), sorted.
fn findings(v: &Value) -> Vec<Row> {
    let mut f: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
                f.get("span")
                    .map(|s| (s["from"].as_f64().unwrap(), s["to"].as_f64().unwrap())),
            )
        })
        .collect();
    f.sort_by(|a, b| a.partial_cmp(b).unwrap());
    f
}

fn codes(v: &Value) -> Vec<String> {
    findings(v).into_iter().map(|f| f.0).collect()
}

fn message<'a>(v: &'a Value, code: &str) -> &'a str {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {v}"))["message"]
        .as_str()
        .unwrap()
}

fn span(v: &Value, code: &str) -> (f64, f64) {
    findings(v)
        .into_iter()
        .find(|f| f.0 == code)
        .and_then(|f| f.2)
        .unwrap_or_else(|| panic!("no span for {code}"))
}

/// Chunks are about 16 ms; the edge of an edit is placed within one.
const CHUNK: f64 = 0.07;

/// Cuts samples `from..to` (at `rate`) out of the sealed WAV, exactly, and
/// joins the rest with FFmpeg, as an editor's "delete selection" does.
fn cut_samples(fx: &Fx, from: u64, to: u64) {
    fs::rename(fx.p("s/hearing.wav"), fx.p("orig.wav")).unwrap();
    let graph = format!(
        "[0]atrim=end_sample={from}[a];[0]atrim=start_sample={to},asetpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=0:a=1"
    );
    fx.ffmpeg(&[
        "-i",
        "orig.wav",
        "-filter_complex",
        &graph,
        "-c:a",
        "pcm_s16le",
        "s/hearing.wav",
    ]);
}

fn assert_cut(v: &Value, at: f64, len: f64) {
    assert_eq!(
        codes(v),
        vec!["segment.changed", "segment.content_removed"],
        "{v}"
    );
    let (from, to) = span(v, "segment.content_removed");
    assert!(from <= at && at - from < CHUNK, "{from} for a cut at {at}");
    assert!(to >= at + len && to - (at + len) < CHUNK, "{to}");
    let msg = message(v, "segment.content_removed");
    assert!(
        msg.starts_with(&format!(
            "audio stream: {len:.3} s of audio is missing from the copy at "
        )),
        "{msg}"
    );
    assert!(msg.contains("the sealed 29.0 s)"), "{msg}");
}

#[test]
fn a_forger_who_cuts_3_3_s_from_a_16_khz_mono_wav_is_caught_to_the_sample_length() {
    let fx = Fx::new();
    fx.hearing_wav("16000", "1");
    fx.seal();
    let sidecar = fs::read_to_string(fx.p("s/courtseal/windows/1.jsonl")).unwrap();
    assert!(
        sidecar.starts_with(r#"{"v":3,"kind":"windows","seconds":1.0,"streams":[{"index":0,"kind":"audio","codec":"pcm_s16le","packets":"#),
        "{sidecar:.200}"
    );
    assert!(sidecar
        .lines()
        .next()
        .unwrap()
        .ends_with(r#""chunks":{"align":2,"min":128,"avg":512,"max":2048}}]}"#));
    // 0:07.3 to 0:10.6, not on any of FFmpeg's 4096-byte packets.
    cut_samples(&fx, 116_800, 169_600);
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_cut(&v, 7.3, 3.3);
}

#[test]
fn a_forger_who_cuts_3_3_s_from_a_48_khz_stereo_wav_is_caught_to_the_sample_length() {
    let fx = Fx::new();
    fx.hearing_wav("48000", "2");
    fx.seal();
    cut_samples(&fx, 350_400, 508_800);
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_cut(&v, 7.3, 3.3);
}

#[test]
fn a_forger_who_splices_2_5_s_into_a_wav_is_caught_with_its_length() {
    let fx = Fx::new();
    fx.hearing_wav("16000", "1");
    fx.seal();
    fs::rename(fx.p("s/hearing.wav"), fx.p("orig.wav")).unwrap();
    let other = fx.sample("seg-0004.m4a");
    // 2.5 s of another recording put in at sample 81234 (0:05.077).
    fx.ffmpeg(&[
        "-i",
        "orig.wav",
        "-i",
        &other,
        "-filter_complex",
        "[1]aresample=16000,atrim=0:2.5[i];[0]atrim=end_sample=81234[a];[0]atrim=start_sample=81234,asetpts=PTS-STARTPTS[b];[a][i][b]concat=n=3:v=0:a=1",
        "-c:a",
        "pcm_s16le",
        "s/hearing.wav",
    ]);
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_eq!(
        codes(&v),
        vec!["segment.changed", "segment.content_inserted"],
        "{v}"
    );
    let at = 81_234.0 / 16_000.0;
    let (from, to) = span(&v, "segment.content_inserted");
    assert!(from <= at && at - from < CHUNK && to >= at, "{from}..{to}");
    let msg = message(&v, "segment.content_inserted");
    assert!(
        msg.starts_with("audio stream: 2.500 s of audio that was not sealed is inserted at "),
        "{msg}"
    );
}

#[test]
fn a_wav_rewritten_with_the_same_samples_is_only_a_container_rewrite() {
    let fx = Fx::new();
    fx.hearing_wav("16000", "1");
    fx.seal();
    fs::rename(fx.p("s/hearing.wav"), fx.p("orig.wav")).unwrap();
    fx.ffmpeg(&[
        "-i",
        "orig.wav",
        "-c",
        "copy",
        "-metadata",
        "title=copy",
        "s/hearing.wav",
    ]);
    let (_, v) = fx.verify();
    assert_eq!(codes(&v), vec!["segment.container_rewritten"], "{v}");
}

fn sealed_samples() -> Fx {
    let fx = Fx::new();
    for name in ["seg-0002.m4a", "seg-0003.mp4"] {
        fs::copy(fx.sample(name), fx.p(&format!("s/{name}"))).unwrap();
    }
    fx.seal();
    fx
}

/// Stream copy into MPEG-TS (H.264 to Annex B with parameter sets in band,
/// AAC with ADTS headers), and back out to MP4: every coded frame is the
/// sealed one, so both copies are container rewrites, not edits.
#[test]
fn an_mpeg_ts_remux_and_back_is_a_container_rewrite() {
    let fx = sealed_samples();
    fx.ffmpeg(&["-i", "s/seg-0003.mp4", "-map", "0", "-c", "copy", "x.ts"]);
    fx.ffmpeg(&["-i", "x.ts", "-map", "0", "-c", "copy", "back.mp4"]);
    fx.ffmpeg(&["-i", "s/seg-0002.m4a", "-c", "copy", "a.aac"]);
    fs::copy(fx.p("s/seg-0003.mp4"), fx.p("orig.mp4")).unwrap();
    for copy in ["x.ts", "back.mp4"] {
        fs::copy(fx.p(copy), fx.p("s/seg-0003.mp4")).unwrap();
        fs::copy(fx.p("a.aac"), fx.p("s/seg-0002.m4a")).unwrap();
        let (code, v) = fx.verify();
        assert_eq!(code, 0, "{copy}: {v}");
        assert_eq!(
            findings(&v),
            vec![
                (
                    "segment.container_rewritten".to_owned(),
                    "seg-0002.m4a".to_owned(),
                    None
                ),
                (
                    "segment.container_rewritten".to_owned(),
                    "seg-0003.mp4".to_owned(),
                    None
                ),
            ],
            "{copy}"
        );
    }
}

/// Two halves cut at a keyframe and joined again by the concat demuxer
/// (which puts the parameter sets in band): every packet is found, and the
/// only finding is the time the join really moved them by.
#[test]
fn h264_joined_by_the_concat_demuxer_has_no_whole_stream_finding() {
    let fx = sealed_samples();
    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-map",
        "0",
        "-c",
        "copy",
        "-f",
        "segment",
        "-segment_time",
        "5",
        "-reset_timestamps",
        "1",
        "part%d.mp4",
    ]);
    fs::write(fx.p("list.txt"), "file part0.mp4\nfile part1.mp4\n").unwrap();
    fx.ffmpeg(&[
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        "list.txt",
        "-c",
        "copy",
        "s/seg-0003.mp4",
    ]);
    let (_, v) = fx.verify();
    let f = findings(&v);
    assert!(
        f.iter().all(|x| !matches!(
            x.0.as_str(),
            "segment.content_edited" | "segment.content_removed" | "segment.content_inserted"
        )),
        "{f:?}"
    );
    // The join moves the second half by what the first half's audio
    // lacks against its video: re-timed from the join on, never before.
    for (code, _, span) in &f {
        if code == "segment.retimed" {
            let (from, to) = span.unwrap();
            assert!(from > 5.0 && to <= 10.0, "{f:?}");
        }
    }
}

/// An Ogg/Opus file keeps its start time as a stream tag (`DATE`): a copy
/// re-tagged with another start is reported.
#[test]
fn an_ogg_opus_copy_with_another_declared_date_is_reported() {
    let fx = Fx::new();
    let src = fx.sample("seg-0002.m4a");
    fx.ffmpeg(&[
        "-i",
        &src,
        "-map_metadata",
        "-1",
        "-c:a",
        "libopus",
        "-metadata:s:a:0",
        "DATE=2026-11-20T04:00:15Z",
        "s/hearing.ogg",
    ]);
    fx.seal();
    let log = fs::read_to_string(fx.p("s/courtseal/log.jsonl")).unwrap();
    assert!(
        log.contains(r#""declared_start":"2026-11-20T04:00:15.000Z""#),
        "{log}"
    );
    fs::rename(fx.p("s/hearing.ogg"), fx.p("orig.ogg")).unwrap();
    fx.ffmpeg(&[
        "-i",
        "orig.ogg",
        "-map_metadata",
        "-1",
        "-c",
        "copy",
        "-metadata:s:a:0",
        "DATE=2026-11-20T03:00:15Z",
        "s/hearing.ogg",
    ]);
    let (_, v) = fx.verify();
    assert!(
        codes(&v).contains(&"segment.declared_start_changed".to_owned()),
        "{v}"
    );
    let msg = message(&v, "segment.declared_start_changed");
    assert!(
        msg.contains("2026-11-20T03:00:15.000Z in the copy but was 2026-11-20T04:00:15.000Z"),
        "{msg}"
    );
}

/// A Broadcast WAV's `bext` origination date and time are one declared
/// start, not a time of day without its date.
#[test]
fn a_broadcast_wav_origination_is_read_as_a_date_and_time() {
    let fx = Fx::new();
    let src = fx.sample("seg-0002.m4a");
    fx.ffmpeg(&[
        "-i",
        &src,
        "-map_metadata",
        "-1",
        "-ar",
        "16000",
        "-c:a",
        "pcm_s16le",
        "-write_bext",
        "1",
        "-metadata",
        "origination_date=2026-11-20",
        "-metadata",
        "origination_time=10:00:15",
        "s/hearing.wav",
    ]);
    fx.seal();
    let log = fs::read_to_string(fx.p("s/courtseal/log.jsonl")).unwrap();
    assert!(
        log.contains(r#""declared_start":"2026-11-20T10:00:15""#),
        "{log}"
    );
}

/// A whole re-encode of the same length is `reencoded`; a re-encode that
/// also cut 3 s off says so, with both lengths.
#[test]
fn a_forger_who_re_encodes_and_cuts_is_told_apart_from_a_plain_re_encode() {
    let fx = sealed_samples();
    // The audio of seg-0002 (14 s) re-encoded whole, and cut to 7 s.
    fx.ffmpeg(&[
        "-i",
        "s/seg-0002.m4a",
        "-c:a",
        "aac",
        "-b:a",
        "48k",
        "re.m4a",
    ]);
    fx.ffmpeg(&[
        "-i",
        "s/seg-0002.m4a",
        "-t",
        "7",
        "-c:a",
        "aac",
        "-b:a",
        "48k",
        "recut.m4a",
    ]);
    fs::copy(fx.p("re.m4a"), fx.p("s/seg-0002.m4a")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        vec![
            (
                "segment.changed".to_owned(),
                "seg-0002.m4a".to_owned(),
                None
            ),
            (
                "segment.reencoded".to_owned(),
                "seg-0002.m4a".to_owned(),
                Some((span(&v, "segment.reencoded").0, 14.0))
            ),
        ]
    );
    let msg = message(&v, "segment.reencoded");
    assert!(
        msg.ends_with("(the copy's audio lasts 14.0 s, the sealed 14.0 s)"),
        "{msg}"
    );

    fs::copy(fx.p("recut.m4a"), fx.p("s/seg-0002.m4a")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_eq!(
        codes(&v),
        vec!["segment.changed", "segment.content_edited"],
        "{v}"
    );
    let msg = message(&v, "segment.content_edited");
    assert!(
        msg.contains("none of the copy's audio packets is one of the sealed ones, and the copy's audio is 7.0 s shorter than sealed"),
        "{msg}"
    );
    assert!(
        msg.ends_with("(the copy's audio lasts 7.0 s, the sealed 14.0 s)"),
        "{msg}"
    );
}

/// A remux saved under a new name is that sealed segment, renamed.
#[test]
fn a_remux_saved_under_a_new_name_is_the_sealed_segment_moved() {
    let fx = sealed_samples();
    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-map",
        "0",
        "-c",
        "copy",
        "s/hearing-part3.mkv",
    ]);
    fs::remove_file(fx.p("s/seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        vec![("segment.moved".to_owned(), "seg-0003.mp4".to_owned(), None)]
    );
    let msg = message(&v, "segment.moved");
    assert!(
        msg.starts_with("is missing, but hearing-part3.mkv holds its sealed recording"),
        "{msg}"
    );
}

/// The wrong file checked against a proof: not an edit, another recording.
#[test]
fn the_wrong_file_checked_against_a_proof_is_not_that_segment() {
    let fx = sealed_samples();
    let (code, _, err) = common::run(
        &fx.dir,
        &[
            "proof",
            "s",
            "seg-0003.mp4",
            "-o",
            "seg-0003.tlog-proof",
            "--trust",
            &common::recorder_vkey_file(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    fs::copy(fx.sample("seg-0002.m4a"), fx.p("wrong.m4a")).unwrap();
    fs::copy(fx.p("seg-0003.windows.jsonl"), fx.p("wrong.windows.jsonl")).unwrap();
    let (code, out, err) = common::run(
        &fx.dir,
        &[
            "verify-file",
            "wrong.m4a",
            "--proof",
            "seg-0003.tlog-proof",
            "--trust",
            &fx.vkey,
            "--json",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let c = codes(&v);
    assert!(c.contains(&"segment.other_recording".to_owned()), "{v}");
    assert!(
        c.iter().all(|x| !x.starts_with("segment.content_")),
        "{c:?}"
    );
    let msg = message(&v, "segment.other_recording");
    assert!(msg.contains("this is not that segment"), "{msg}");
    assert!(
        msg.ends_with("(the copy holds audio (aac); sealed: video (h264), audio (aac))"),
        "{msg}"
    );
}
