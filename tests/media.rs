//! Media-aware sealing on real files: every tampered copy is built here with
//! the `ffmpeg` tool from the bundled samples, and each test asserts the exact
//! finding codes and the time ranges (to the packet window) that courtseal
//! reports. The tool must be installed (scripts/setup.sh): a missing `ffmpeg`
//! fails these tests instead of skipping them.

mod common;

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    vkey: PathBuf,
}

impl Fx {
    /// A sealed copy of the sample session in a temporary folder.
    fn sealed() -> Fx {
        let fx = Fx::unsealed();
        let out = fx.cs(&[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            "court.example/media-test",
            "--json",
        ]);
        assert_eq!(out.0, 0, "{}", out.1);
        fx
    }

    fn unsealed() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        common::copy_sample(&dir.join("s"), &[]);
        common::demo_key(&dir, "demo-recorder");
        let vkey = common::repo("keys/demo-recorder.vkey");
        Fx {
            _tmp: tmp,
            dir,
            vkey,
        }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// Runs courtseal in the fixture folder: (exit code, stdout, stderr).
    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        common::run(&self.dir, args)
    }

    fn verify(&self, session: &str) -> (i32, Value) {
        let (code, out, err) = self.cs(&[
            "verify",
            session,
            "--trust",
            self.vkey.to_str().unwrap(),
            "--json",
        ]);
        assert!(code == 0 || code == 1, "exit {code}: {err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    fn ffmpeg(&self, args: &[&str]) {
        common::ffmpeg(&self.dir, args);
    }
}

/// (code, location, from, to) of every finding, sorted; spans rounded to ms.
/// (code, location, span) of one finding.
type Row = (String, String, Option<(f64, f64)>);

fn findings(v: &Value) -> Vec<Row> {
    let mut f: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let span = f.get("span").map(|s| {
                (
                    ms(s["from"].as_f64().unwrap()),
                    ms(s["to"].as_f64().unwrap()),
                )
            });
            (
                f["code"].as_str().unwrap().to_owned(),
                f["location"].as_str().unwrap().to_owned(),
                span,
            )
        })
        .collect();
    f.sort_by(|a, b| a.partial_cmp(b).unwrap());
    f
}

fn ms(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

type Want<'a> = (&'a str, &'a str, Option<(f64, f64)>);

fn want(items: &[Want]) -> Vec<Row> {
    let mut w: Vec<_> = items
        .iter()
        .map(|(c, l, s)| ((*c).to_owned(), (*l).to_owned(), *s))
        .collect();
    w.sort_by(|a, b| a.partial_cmp(b).unwrap());
    w
}

fn state_of(v: &Value, name: &str) -> String {
    v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The clean sample session: no findings at all, and the silence in it is
/// listed as observations (not verdicts): the muted microphone in seg-0004
/// as digital silence, the room tone in seg-0001 as near-silence.
#[test]
fn clean_samples_give_no_findings_and_silence_is_observed() {
    let fx = Fx::sealed();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 0);
    assert_eq!(findings(&v), vec![]);
    let obs: Vec<(String, bool, f64, f64)> = v["observations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["segment"].as_str().unwrap().to_owned(),
                o["digital"].as_bool().unwrap(),
                o["from"].as_f64().unwrap(),
                o["to"].as_f64().unwrap(),
            )
        })
        .collect();
    // samples/README.md: seg-0004 is exactly zero from about 3.88 s to 6.91 s;
    // seg-0001 is room tone only from about 6.1 s to 9.7 s.
    let digital: Vec<_> = obs.iter().filter(|o| o.1).collect();
    assert_eq!(digital.len(), 1, "{obs:?}");
    assert_eq!(digital[0].0, "seg-0004.m4a");
    assert!(
        (digital[0].2 - 3.9).abs() < 0.1 && (digital[0].3 - 6.9).abs() < 0.1,
        "{obs:?}"
    );
    let near: Vec<_> = obs.iter().filter(|o| !o.1).map(|o| o.0.as_str()).collect();
    assert_eq!(near, vec!["seg-0001.m4a", "seg-0004.m4a"], "{obs:?}");
    let s1 = obs.iter().find(|o| o.0 == "seg-0001.m4a").unwrap();
    assert!(s1.2 <= 6.2 && s1.3 >= 9.6, "{obs:?}");
}

/// The sealed entry carries the media facts a court needs: container,
/// streams, duration, declared start time and the packet-window reference.
#[test]
fn sealed_entries_carry_media_facts() {
    let fx = Fx::sealed();
    let log = fs::read_to_string(fx.p("s/courtseal/log.jsonl")).unwrap();
    let entries: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seg3 = &entries[3];
    assert_eq!(seg3["name"], "seg-0003.mp4");
    let m = &seg3["media"];
    assert_eq!(m["container"], "mov,mp4,m4a,3gp,3g2,mj2");
    assert_eq!(m["duration"], 10.0);
    assert_eq!(m["declared_start"], "2026-11-20T04:00:29.000Z");
    let streams = m["streams"].as_array().unwrap();
    assert_eq!(streams[0]["kind"], "video");
    assert_eq!(streams[0]["codec"], "h264");
    assert_eq!(
        (streams[0]["width"].as_u64(), streams[0]["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert_eq!(streams[0]["frame_rate"], "15/1");
    assert_eq!(streams[0]["packets"], 150);
    assert_eq!(streams[1]["kind"], "audio");
    assert_eq!(streams[1]["codec"], "aac");
    assert_eq!(streams[1]["sample_rate"], 48000);
    assert_eq!(streams[1]["channels"], 1);
    let w = &m["windows"];
    assert_eq!(w["file"], "courtseal/windows/3.jsonl");
    assert_eq!(w["seconds"], 1.0);
    let sidecar = fs::read(fx.p("s/courtseal/windows/3.jsonl")).unwrap();
    assert_eq!(
        courtseal::digest::Sha256Digest::of(&sidecar).to_hex(),
        w["sha256"].as_str().unwrap()
    );
    assert_eq!(
        sidecar.iter().filter(|&&b| b == b'\n').count() as u64,
        w["lines"].as_u64().unwrap()
    );
}

/// One flipped byte inside the audio data: the edit is placed on the packet
/// that holds it (byte 59507 of seg-0002.m4a lies in the AAC packet
/// presented from 7.168 s to 7.189 s).
#[test]
fn flipped_byte_is_localised_to_its_window() {
    let fx = Fx::sealed();
    let p = fx.p("s/seg-0002.m4a");
    let mut b = fs::read(&p).unwrap();
    let mid = b.len() / 2;
    assert_eq!(mid, 59507);
    b[mid] ^= 0x01;
    fs::write(&p, b).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        want(&[
            ("segment.changed", "seg-0002.m4a", None),
            (
                "segment.content_edited",
                "seg-0002.m4a",
                Some((7.168, 7.189))
            ),
        ])
    );
}

/// A copy remuxed from MP4 to Matroska has different bytes but every packet
/// intact: a warning that says so, and the verification passes.
#[test]
fn mp4_to_mkv_remux_is_container_rewritten_not_an_edit() {
    let fx = Fx::sealed();
    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-map",
        "0",
        "-c",
        "copy",
        "-f",
        "matroska",
        "remuxed.mkv",
    ]);
    fs::rename(fx.p("remuxed.mkv"), fx.p("s/seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        findings(&v),
        want(&[("segment.container_rewritten", "seg-0003.mp4", None)])
    );
    assert_eq!(state_of(&v, "seg-0003.mp4"), "rewritten");
}

/// Two seconds cut from the middle (5 s to 7 s) and the rest joined again
/// with stream copy: reported as removed content at 0:00:05-0:00:07.
#[test]
fn two_seconds_cut_from_the_middle_are_found() {
    let fx = Fx::sealed();
    fx.ffmpeg(&["-i", "s/seg-0001.m4a", "-t", "5", "-c", "copy", "a.m4a"]);
    fx.ffmpeg(&["-ss", "7", "-i", "s/seg-0001.m4a", "-c", "copy", "b.m4a"]);
    fs::write(fx.p("list.txt"), "file a.m4a\nfile b.m4a\n").unwrap();
    fx.ffmpeg(&[
        "-f", "concat", "-safe", "0", "-i", "list.txt", "-c", "copy", "cut.m4a",
    ]);
    fs::rename(fx.p("cut.m4a"), fx.p("s/seg-0001.m4a")).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        want(&[
            ("segment.changed", "seg-0001.m4a", None),
            (
                "segment.content_removed",
                "seg-0001.m4a",
                Some((5.013, 6.997))
            ),
        ])
    );
    let msg = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "segment.content_removed")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    // Stream copy cuts on AAC packets: the first removed packet starts at
    // 5.013 s, the copy goes on with the packet at 6.997 s.
    assert!(
        msg.starts_with("audio stream: 2.0 s of audio sealed from 0:00:05.013 to 0:00:06.997 (93 packets) is missing from the copy"),
        "{msg}"
    );
    assert!(msg.ends_with("the sealed 15.0 s)"), "{msg}");
}

/// A copy cut short at 8 s (re-muxed, so still playable) is `truncated`,
/// ending at 0:00:08 instead of 0:00:14.
#[test]
fn truncated_copy_ends_early() {
    let fx = Fx::sealed();
    fx.ffmpeg(&["-i", "s/seg-0002.m4a", "-t", "8", "-c", "copy", "short.m4a"]);
    fs::rename(fx.p("short.m4a"), fx.p("s/seg-0002.m4a")).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        want(&[
            ("segment.changed", "seg-0002.m4a", None),
            ("segment.truncated", "seg-0002.m4a", Some((8.0, 14.0))),
        ])
    );
}

/// Cutting the file's bytes short loses the MP4 index (moov at the end): the
/// copy can no longer be read as media, and says so.
#[test]
fn byte_truncated_mp4_without_moov_is_unreadable() {
    let fx = Fx::sealed();
    let p = fx.p("s/seg-0004.m4a");
    let b = fs::read(&p).unwrap();
    fs::write(&p, &b[..60000]).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        want(&[
            ("media.unreadable", "seg-0004.m4a", None),
            ("segment.changed", "seg-0004.m4a", None)
        ])
    );
}

/// Two segments joined into one file with a 5 s hole in the timestamps (as a
/// stop-start inside one recording looks): sealed with the gap as an
/// observation, which verify reports as `media.internal_gap` with its place.
#[test]
fn concatenation_with_a_gap_is_an_internal_gap() {
    let fx = Fx::unsealed();
    fs::create_dir(fx.p("joined")).unwrap();
    let s1 = fx.p("s/seg-0001.m4a");
    let s2 = fx.p("s/seg-0002.m4a");
    let list = format!(
        "file '{}'\nduration 20\nfile '{}'\n",
        s1.display(),
        s2.display()
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
        "joined/rec.m4a",
    ]);
    let (code, out, err) = fx.cs(&[
        "seal",
        "joined",
        "--key",
        "demo-recorder.key",
        "--origin",
        "court.example/joined",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let sealed: Value = serde_json::from_str(&out).unwrap();
    let obs = &sealed["sealed"][0]["media"]["observations"];
    let gap = obs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "media.internal_gap")
        .expect("gap observed at seal");
    assert_eq!(
        (
            ms(gap["from"].as_f64().unwrap()),
            ms(gap["to"].as_f64().unwrap())
        ),
        (15.040, 20.0)
    );
    let (code, v) = fx.verify("joined");
    assert_eq!(code, 0, "an observation is a warning, not a failure");
    assert_eq!(
        findings(&v),
        want(&[("media.internal_gap", "rec.m4a", Some((15.04, 20.0)))])
    );
}

/// Files FFmpeg cannot read are still sealed by their bytes, each with the
/// reason, and verify normally; a video-only file is read fine.
#[test]
fn unreadable_files_are_sealed_by_bytes_with_the_reason() {
    let fx = Fx::unsealed();
    fs::create_dir(fx.p("odd")).unwrap();
    fs::write(fx.p("odd/empty.mp4"), b"").unwrap();
    fs::write(
        fx.p("odd/notes.mp4"),
        b"This is a text file, not a video.\n",
    )
    .unwrap();
    let b = fs::read(fx.p("s/seg-0001.m4a")).unwrap();
    fs::write(fx.p("odd/nomoov.m4a"), &b[..50000]).unwrap();
    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-an",
        "-c",
        "copy",
        "odd/video-only.mp4",
    ]);
    let (code, out, err) = fx.cs(&[
        "seal",
        "odd",
        "--key",
        "demo-recorder.key",
        "--origin",
        "court.example/odd",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        findings(&v),
        want(&[
            ("media.unreadable", "empty.mp4", None),
            ("media.unreadable", "nomoov.m4a", None),
            ("media.unreadable", "notes.mp4", None),
        ])
    );
    let entries = v["sealed"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    for e in entries {
        let m = &e["media"];
        if e["name"] == "video-only.mp4" {
            assert_eq!(m["streams"].as_array().unwrap().len(), 1);
            assert_eq!(m["streams"][0]["kind"], "video");
        } else {
            assert!(
                m["unreadable"].as_str().is_some_and(|r| !r.is_empty()),
                "{e}"
            );
            assert!(m.get("windows").is_none());
        }
    }
    let (code, v) = fx.verify("odd");
    assert_eq!(code, 0);
    assert_eq!(findings(&v), vec![]);
}

/// The sidecar is sealed material: editing or deleting it is an error, and
/// a changed segment can then not be explained (only `segment.changed`).
#[test]
fn edited_or_deleted_sidecar_is_reported() {
    let fx = Fx::sealed();
    let sc = fx.p("s/courtseal/windows/2.jsonl");
    let text = fs::read_to_string(&sc).unwrap();
    fs::write(&sc, text.replacen("\"count\":", "\"count\": ", 1)).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        want(&[("windows.changed", "courtseal/windows/2.jsonl", None)])
    );

    fs::remove_file(&sc).unwrap();
    let p = fx.p("s/seg-0002.m4a");
    let mut b = fs::read(&p).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x01;
    fs::write(&p, b).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        want(&[
            ("segment.changed", "seg-0002.m4a", None),
            ("windows.missing", "courtseal/windows/2.jsonl", None)
        ])
    );
}

/// A lawyer with one downloaded file, its proof and the windows file next to
/// it learns what changed in a cut copy, and that a remuxed copy is intact.
#[test]
fn verify_file_explains_a_changed_download() {
    let fx = Fx::sealed();
    let (code, out, err) = fx.cs(&[
        "proof",
        "s",
        "seg-0003.mp4",
        "-o",
        "seg-0003.tlog-proof",
        "--trust",
        &common::recorder_vkey_file(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("seg-0003.windows.jsonl"), "{out}");
    assert!(fx.p("seg-0003.windows.jsonl").is_file());
    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-map",
        "0",
        "-c",
        "copy",
        "-f",
        "matroska",
        "copy.mkv",
    ]);
    let vk = fx.vkey.to_str().unwrap().to_owned();
    let (code, out, _) = fx.cs(&[
        "verify-file",
        "copy.mkv",
        "--proof",
        "seg-0003.tlog-proof",
        "--trust",
        &vk,
        "--json",
    ]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        findings(&v),
        want(&[("segment.container_rewritten", "copy.mkv", None)])
    );

    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-map",
        "0",
        "-t",
        "6",
        "-c",
        "copy",
        "short.mp4",
    ]);
    let (code, out, _) = fx.cs(&[
        "verify-file",
        "short.mp4",
        "--proof",
        "seg-0003.tlog-proof",
        "--trust",
        &vk,
        "--json",
    ]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    // Both streams end at 6 s instead of 10 s, each at its last packet. Cutting H.264 by stream copy
    // keeps one reordered frame past the cut, so the copy itself has a hole
    // in its presentation timestamps just before its end: reported as a gap
    // in this copy.
    assert_eq!(
        findings(&v),
        want(&[
            ("media.internal_gap", "short.mp4", Some((6.067, 6.267))),
            ("segment.changed", "short.mp4", None),
            ("segment.truncated", "short.mp4", Some((6.016, 10.0))),
            ("segment.truncated", "short.mp4", Some((6.067, 10.0))),
        ])
    );
}

/// A copy with an extra track muxed in is not "intact": the unsealed stream
/// is reported as inserted content.
#[test]
fn an_added_track_is_inserted_content() {
    let fx = Fx::sealed();
    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-i",
        "s/seg-0002.m4a",
        "-map",
        "0:0",
        "-map",
        "0:1",
        "-map",
        "1:0",
        "-c",
        "copy",
        "-f",
        "mp4",
        "added.mp4",
    ]);
    fs::rename(fx.p("added.mp4"), fx.p("s/seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        want(&[
            ("segment.changed", "seg-0003.mp4", None),
            (
                "segment.content_inserted",
                "seg-0003.mp4",
                Some((0.0, 13.995))
            ),
        ])
    );
}

/// A remux that puts the streams in another order keeps every packet: still
/// only a rewritten container.
#[test]
fn reordered_streams_are_matched_by_kind_and_codec() {
    let fx = Fx::sealed();
    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-map",
        "0:1",
        "-map",
        "0:0",
        "-c",
        "copy",
        "-f",
        "mp4",
        "swapped.mp4",
    ]);
    fs::rename(fx.p("swapped.mp4"), fx.p("s/seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        findings(&v),
        want(&[("segment.container_rewritten", "seg-0003.mp4", None)])
    );
}

/// A copy whose declared start time (creation_time) was changed says so,
/// even though every packet is intact.
#[test]
fn a_changed_declared_start_time_is_reported() {
    let fx = Fx::sealed();
    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-map",
        "0",
        "-c",
        "copy",
        "-metadata",
        "creation_time=2026-11-20T05:00:29Z",
        "-f",
        "mp4",
        "retimed.mp4",
    ]);
    fs::rename(fx.p("retimed.mp4"), fx.p("s/seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        findings(&v),
        want(&[
            ("segment.container_rewritten", "seg-0003.mp4", None),
            ("segment.declared_start_changed", "seg-0003.mp4", None),
        ])
    );
}

/// Timestamps that start over inside one file (two MPEG-TS recordings
/// joined byte for byte) are one reversal, not one warning per packet.
#[test]
fn a_timestamp_restart_is_reported_once() {
    let fx = Fx::unsealed();
    fs::create_dir(fx.p("ts")).unwrap();
    fx.ffmpeg(&["-i", "s/seg-0001.m4a", "-c", "copy", "-f", "mpegts", "a.ts"]);
    fx.ffmpeg(&["-i", "s/seg-0002.m4a", "-c", "copy", "-f", "mpegts", "b.ts"]);
    let mut joined = fs::read(fx.p("a.ts")).unwrap();
    joined.extend(fs::read(fx.p("b.ts")).unwrap());
    fs::write(fx.p("ts/rec.ts"), joined).unwrap();
    let (code, _, err) = fx.cs(&[
        "seal",
        "ts",
        "--key",
        "demo-recorder.key",
        "--origin",
        "court.example/ts",
        "--no-silence",
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, v) = fx.verify("ts");
    let reversals: Vec<_> = findings(&v)
        .into_iter()
        .filter(|f| f.0 == "media.timestamp_reversal")
        .collect();
    assert_eq!(reversals.len(), 1, "{v}");
    assert_eq!(reversals[0].2.map(|s| s.1), Some(14.677));
}

/// Sound shifted 3 s against the picture with stream copy (`-itsoffset`):
/// every packet is the sealed one, so before packet times were sealed this
/// was "intact"; it is `segment.retimed` with the shift.
#[test]
fn audio_shifted_against_video_is_retimed_not_intact() {
    let fx = Fx::sealed();
    fx.ffmpeg(&[
        "-i",
        "s/seg-0003.mp4",
        "-itsoffset",
        "3",
        "-i",
        "s/seg-0003.mp4",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c",
        "copy",
        "shifted.mp4",
    ]);
    fs::rename(fx.p("shifted.mp4"), fx.p("s/seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        findings(&v),
        want(&[
            ("segment.changed", "seg-0003.mp4", None),
            ("segment.retimed", "seg-0003.mp4", Some((-0.021, 9.984))),
        ])
    );
    let msg = v["findings"][1]["message"].as_str().unwrap();
    assert!(
        msg.contains("the audio stream is shifted 2.999 s later against the video stream"),
        "{msg}"
    );
}

/// Timestamps scaled to play about 10% faster (`-itsscale 0.9`, stream
/// copy): the same packets at other times, in both streams.
#[test]
fn a_copy_played_faster_is_retimed() {
    let fx = Fx::sealed();
    fx.ffmpeg(&[
        "-itsscale",
        "0.9",
        "-i",
        "s/seg-0003.mp4",
        "-map",
        "0",
        "-c",
        "copy",
        "fast.mp4",
    ]);
    fs::rename(fx.p("fast.mp4"), fx.p("s/seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        findings(&v),
        want(&[
            ("segment.changed", "seg-0003.mp4", None),
            ("segment.retimed", "seg-0003.mp4", Some((0.192, 9.984))),
            ("segment.retimed", "seg-0003.mp4", Some((0.267, 9.933))),
        ])
    );
}

/// A copy cut at 6.5 s, inside a one-second window: `truncated` at each
/// stream's last packet, not "edited from 6 s to the end".
#[test]
fn truncation_inside_a_window_is_truncated_at_the_last_packet() {
    let fx = Fx::sealed();
    fx.ffmpeg(&[
        "-i",
        "s/seg-0002.m4a",
        "-t",
        "6.5",
        "-c",
        "copy",
        "short.m4a",
    ]);
    fs::rename(fx.p("short.m4a"), fx.p("s/seg-0002.m4a")).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        want(&[
            ("segment.changed", "seg-0002.m4a", None),
            ("segment.truncated", "seg-0002.m4a", Some((6.507, 14.0))),
        ])
    );
}

/// Remuxes between MP4, QuickTime and Matroska keep every packet and its
/// presentation time: only the container changed.
#[test]
fn remux_to_mov_and_back_keeps_packets_and_times() {
    let fx = Fx::sealed();
    fx.ffmpeg(&["-i", "s/seg-0003.mp4", "-map", "0", "-c", "copy", "a.mov"]);
    fx.ffmpeg(&[
        "-i", "a.mov", "-map", "0", "-c", "copy", "-f", "matroska", "b.mkv",
    ]);
    fs::rename(fx.p("b.mkv"), fx.p("s/seg-0003.mp4")).unwrap();
    let (code, v) = fx.verify("s");
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        findings(&v),
        want(&[("segment.container_rewritten", "seg-0003.mp4", None)])
    );
}

/// What explaining keeps of a copy is exact: the same hash prefixes and,
/// to the bit, the same times as when everything is kept (then the times
/// are the seconds the reader computed; to explain, they are timestamp
/// ticks converted when asked), no window lines and no
/// full hashes nor stored-order times (but the last) unless a version 1
/// sidecar needs them; and the window lines
/// sealing writes are the ones made when every packet is kept too. On the
/// sample's AAC and H.264+AAC segments, a Matroska remux (1 ms clock), an
/// MPEG-TS remux (90 kHz clock, ADTS framing) and a 16 kHz PCM WAV
/// (content-defined chunks).
#[test]
fn what_explaining_keeps_gives_the_same_prefixes_and_times_to_the_bit() {
    use courtseal::media::{analyze, Keep, MediaOptions};
    let fx = Fx::unsealed();
    fx.ffmpeg(&["-i", "s/seg-0003.mp4", "-map", "0", "-c", "copy", "a.mkv"]);
    fx.ffmpeg(&["-i", "s/seg-0003.mp4", "-map", "0", "-c", "copy", "a.ts"]);
    fx.ffmpeg(&[
        "-i",
        "s/seg-0001.m4a",
        "-ac",
        "1",
        "-ar",
        "16000",
        "-c:a",
        "pcm_s16le",
        "a.wav",
    ]);
    let opts = MediaOptions {
        silence: None,
        ..MediaOptions::default()
    };
    for f in ["s/seg-0001.m4a", "s/seg-0003.mp4", "a.mkv", "a.ts", "a.wav"] {
        let all = analyze(&fx.p(f), &opts, Keep::All).unwrap();
        let sealing = analyze(&fx.p(f), &opts, Keep::Windows).unwrap();
        assert!(!sealing.windows.is_empty(), "{f}");
        assert_eq!(sealing.windows, all.windows, "{f}");
        assert!(sealing.packet_prefixes.is_none() && sealing.packet_hashes.is_none());
        for full in [false, true] {
            let ex = analyze(&fx.p(f), &opts, Keep::ToExplain { full_hashes: full }).unwrap();
            assert!(ex.windows.is_empty(), "{f}");
            assert_eq!(ex.header, all.header, "{f}");
            assert_eq!(ex.packet_prefixes, all.packet_prefixes, "{f}");
            assert_eq!(ex.packet_hashes.is_some(), full, "{f}");
            if full {
                assert_eq!(ex.packet_hashes, all.packet_hashes, "{f}");
            }
            let hashes = all.packet_hashes.as_ref().unwrap();
            for (s, h) in hashes.iter().enumerate() {
                let p = &ex.packet_prefixes.as_ref().unwrap()[s];
                assert_eq!(p.len(), h.len(), "{f}");
                for (p, h) in p.iter().zip(h) {
                    assert_eq!(p.to_be_bytes(), h[..4], "{f}");
                }
            }
            assert_eq!(ex.packet_times.is_some(), full, "{f}");
            let last: Vec<Option<u64>> = all
                .packet_times
                .as_ref()
                .unwrap()
                .iter()
                .map(|t| t.last().map(f64::to_bits))
                .collect();
            let ex_last: Vec<Option<u64>> = ex
                .packet_last
                .as_ref()
                .unwrap()
                .iter()
                .map(|t| t.map(f64::to_bits))
                .collect();
            assert_eq!(ex_last, last, "{f}");
            let mut pairs = vec![(&all.packet_presented, &ex.packet_presented)];
            if full {
                pairs.push((&all.packet_times, &ex.packet_times));
            }
            for (a, b) in pairs {
                let (a, b) = (a.as_ref().unwrap(), b.as_ref().unwrap());
                assert_eq!(a.len(), b.len(), "{f}");
                for (a, b) in a.iter().zip(b) {
                    let bits = |t: &courtseal::media::Times| -> Vec<u64> {
                        t.to_vec().into_iter().map(f64::to_bits).collect()
                    };
                    assert_eq!(bits(a), bits(b), "{f}");
                }
            }
        }
    }
}
