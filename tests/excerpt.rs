//! Excerpt proofs on real media: segments made here with the `ffmpeg` tool
//! (AAC in .m4a, PCM in .wav, H.264 and AAC in .mp4), sealed with the demo
//! key, cut with `courtseal excerpt` and checked with `verify-file` and the
//! court's key alone. Each tampered excerpt is built for real and must fail
//! with its exact finding code.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    vkey: String,
}

/// A session `s` of four segments, sealed: two AAC recordings (a.m4a,
/// d.m4a), a PCM WAV (b.wav) and H.264+AAC (c.mp4). Noise makes every
/// packet distinct, as speech does.
fn sealed() -> Fx {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    std::fs::create_dir(dir.join("s")).unwrap();
    common::demo_key(&dir, "demo-recorder");
    let fx = Fx {
        _tmp: tmp,
        vkey: common::repo("keys/demo-recorder.vkey")
            .to_str()
            .unwrap()
            .to_owned(),
        dir,
    };
    fx.ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=d=60:c=pink:r=44100:a=0.3:seed=3",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "s/a.m4a",
    ]);
    fx.ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=d=40:c=white:r=16000:a=0.2:seed=5",
        "-ac",
        "1",
        "-c:a",
        "pcm_s16le",
        "s/b.wav",
    ]);
    fx.ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=d=30:s=320x240:r=25",
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=d=30:r=48000:a=0.2:seed=13",
        "-c:v",
        "libx264",
        "-g",
        "50",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        "s/c.mp4",
    ]);
    fx.ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=d=30:c=brown:r=44100:a=0.3:seed=17",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "s/d.m4a",
    ]);
    let (code, out, err) = fx.cs(&[
        "seal",
        "s",
        "--key",
        "demo-recorder.key",
        "--origin",
        "court.example/excerpt-test",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    fx
}

impl Fx {
    fn cs(&self, args: &[&str]) -> (i32, String, String) {
        common::run(&self.dir, args)
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn ffmpeg(&self, args: &[&str]) {
        common::ffmpeg(&self.dir, args);
    }

    /// `courtseal excerpt s SEGMENT --from A --to B -o OUT`, which must succeed.
    fn excerpt(&self, segment: &str, from: &str, to: &str, out: &str) -> Value {
        let (code, stdout, err) = self.cs(&[
            "excerpt", "s", segment, "--from", from, "--to", to, "-o", out, "--trust", &self.vkey,
            "--json",
        ]);
        assert_eq!(code, 0, "{stdout}{err}");
        serde_json::from_str(&stdout).unwrap()
    }

    /// `verify-file FILE --proof PROOF --json`: (exit code, report).
    fn verify(&self, file: &str, proof: &str) -> (i32, Value) {
        let (code, out, err) = self.cs(&[
            "verify-file",
            file,
            "--proof",
            proof,
            "--trust",
            &self.vkey,
            "--json",
        ]);
        assert!(code == 0 || code == 1, "exit {code}: {err}");
        (code, serde_json::from_str(&out).unwrap())
    }
}

fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

fn near(a: &Value, b: f64, tol: f64) -> bool {
    (a.as_f64().unwrap() - b).abs() <= tol
}

#[test]
fn excerpts_of_aac_wav_and_h264_verify_as_the_exact_stretch() {
    let fx = sealed();
    // AAC: 1024 samples at 44.1 kHz per packet.
    let made = fx.excerpt("a.m4a", "10", "0:20", "x.m4a");
    let (code, v) = fx.verify("x.m4a", "x.m4a.courtseal-proof");
    assert_eq!(code, 0, "{v}");
    assert_eq!(codes(&v), Vec::<String>::new());
    let x = &v["excerpt"];
    assert_eq!(x, &made["stretch"], "the maker and the verifier agree");
    assert_eq!(x["segment"], "a.m4a");
    assert!(near(&x["from"], 10.0, 0.024), "{x}");
    assert!(near(&x["to"], 20.0, 0.024), "{x}");
    assert_eq!(x["wall_by"], "sealing time");
    assert!(x["wall_from"].as_str().unwrap().ends_with('Z'));
    let st = &x["streams"][0];
    assert_eq!(st["kind"], "audio");
    let (first, last) = (st["first"].as_u64().unwrap(), st["last"].as_u64().unwrap());
    assert!((last - first) as f64 > 9.9 * 44100.0 / 1024.0, "{st}");

    // PCM WAV: a packet is 2048 samples at 16 kHz (0.128 s).
    fx.excerpt("b.wav", "5.3", "12", "x.wav");
    let (code, v) = fx.verify("x.wav", "x.wav.courtseal-proof");
    assert_eq!(code, 0, "{v}");
    assert!(near(&v["excerpt"]["from"], 5.3, 0.128), "{v}");
    assert!(near(&v["excerpt"]["to"], 12.0, 0.128), "{v}");

    // H.264 with a keyframe every 2 s: 10.5 starts on the keyframe at 10.
    let made = fx.excerpt("c.mp4", "10.5", "20", "x.mp4");
    assert!(near(&made["stretch"]["from"], 10.0, 0.001), "{made}");
    let (code, v) = fx.verify("x.mp4", "x.mp4.courtseal-proof");
    assert_eq!(code, 0, "{v}");
    let kinds: Vec<&str> = v["excerpt"]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["video", "audio"]);
    // The text names the stretch for a person.
    let (code, text, _) = fx.cs(&[
        "verify-file",
        "x.mp4",
        "--proof",
        "x.mp4.courtseal-proof",
        "--trust",
        &fx.vkey,
    ]);
    assert_eq!(code, 0);
    assert!(text.contains("Result: EXCERPT VERIFIED"), "{text}");
    assert!(text.contains("c.mp4 from 0:00:10.000"), "{text}");
    assert!(text.contains("video stream 0: packets 250.."), "{text}");
}

#[test]
fn an_excerpt_remuxed_to_another_container_still_verifies() {
    let fx = sealed();
    fx.excerpt("c.mp4", "4", "12", "x.mp4");
    fx.ffmpeg(&["-i", "x.mp4", "-c", "copy", "x.mkv"]);
    fx.ffmpeg(&["-i", "x.mkv", "-c", "copy", "x.mov"]);
    for f in ["x.mkv", "x.mov"] {
        let (code, v) = fx.verify(f, "x.mp4.courtseal-proof");
        assert_eq!(code, 0, "{f}: {v}");
        assert_eq!(v["excerpt"]["segment"], "c.mp4");
    }
    fx.excerpt("b.wav", "1", "3", "x.wav");
    fx.ffmpeg(&["-i", "x.wav", "-c", "copy", "w.mkv"]);
    let (code, v) = fx.verify("w.mkv", "x.wav.courtseal-proof");
    assert_eq!(code, 0, "{v}");
}

#[test]
fn an_excerpt_with_one_changed_byte_is_caught() {
    let fx = sealed();
    let made = fx.excerpt("b.wav", "5", "12", "x.wav");
    let mut bytes = std::fs::read(fx.p("x.wav")).unwrap();
    // A byte in the samples, about 3.1 s into the excerpt (16-bit mono at 16 kHz).
    let at = 44 + 100_000;
    bytes[at] ^= 0x40;
    std::fs::write(fx.p("y.wav"), &bytes).unwrap();
    let (code, v) = fx.verify("y.wav", "x.wav.courtseal-proof");
    assert_eq!(code, 1);
    assert_eq!(codes(&v), ["excerpt.changed"], "{v}");
    let span = &v["findings"][0]["span"];
    // The sample holding the byte is 100,000 bytes (3.125 s of 16-bit mono at
    // 16 kHz) past the first sample; the header before the samples is a few
    // dozen bytes, so a few milliseconds earlier. Content-defined chunks end
    // where the content says: one changed byte changes the chunk holding it
    // and may move the next cut point or two, so the span runs from the start
    // of the first changed chunk to the start of the last, each chunk at most
    // 1,024 bytes (0.032 s) long.
    let t = made["stretch"]["from"].as_f64().unwrap() + 100_000.0 / 32_000.0;
    let (from, to) = (span["from"].as_f64().unwrap(), span["to"].as_f64().unwrap());
    assert!(
        from <= t + 0.001,
        "the span starts after the changed byte: {span} {t}"
    );
    assert!(
        to + 0.032 >= t - 0.01,
        "the span ends before the changed byte: {span} {t}"
    );
    assert!(to - from <= 0.25, "the span is not a few chunks: {span}");
}

#[test]
fn an_excerpt_whose_start_was_moved_is_caught() {
    let fx = sealed();
    fx.excerpt("a.m4a", "10", "20", "x.m4a");
    // Another cut of the same recording, half a second later, offered with the first proof.
    fx.excerpt("a.m4a", "10.5", "20", "y.m4a");
    let (code, v) = fx.verify("y.m4a", "x.m4a.courtseal-proof");
    assert_eq!(code, 1);
    assert_eq!(codes(&v), ["excerpt.edge_shifted"], "{v}");
    let m = v["findings"][0]["message"].as_str().unwrap();
    assert!(m.contains("packets later"), "{m}");
    // And one that ends early.
    fx.excerpt("a.m4a", "10", "15", "z.m4a");
    let (code, v) = fx.verify("z.m4a", "x.m4a.courtseal-proof");
    assert_eq!(code, 1);
    assert_eq!(codes(&v), ["excerpt.edge_shifted"], "{v}");
}

#[test]
fn an_excerpt_of_another_segment_is_caught() {
    let fx = sealed();
    fx.excerpt("a.m4a", "10", "20", "x.m4a");
    fx.excerpt("d.m4a", "10", "20", "y.m4a");
    let (code, v) = fx.verify("y.m4a", "x.m4a.courtseal-proof");
    assert_eq!(code, 1);
    assert_eq!(codes(&v), ["excerpt.other_recording"], "{v}");
    // The proof still names what it is for: a.m4a.
    assert_eq!(v["excerpt"]["segment"], "a.m4a");
}

#[test]
fn two_stretches_joined_into_one_excerpt_are_caught() {
    let fx = sealed();
    fx.excerpt("a.m4a", "10", "40", "long.m4a");
    fx.excerpt("a.m4a", "10", "20", "p1.m4a");
    fx.excerpt("a.m4a", "30", "40", "p2.m4a");
    std::fs::write(fx.p("list.txt"), "file 'p1.m4a'\nfile 'p2.m4a'\n").unwrap();
    fx.ffmpeg(&[
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        "list.txt",
        "-c",
        "copy",
        "joined.m4a",
    ]);
    let (code, v) = fx.verify("joined.m4a", "long.m4a.courtseal-proof");
    assert_eq!(code, 1);
    assert_eq!(codes(&v), ["excerpt.spliced"], "{v}");
    let span = &v["findings"][0]["span"];
    assert!(near(&span["from"], 20.0, 0.05), "{span}");
    assert!(near(&span["to"], 30.0, 0.05), "{span}");
}

#[test]
fn an_insider_who_joins_two_proofs_into_one_is_caught() {
    let fx = sealed();
    fx.excerpt("a.m4a", "10", "20", "p1.m4a");
    fx.excerpt("a.m4a", "30", "40", "p2.m4a");
    std::fs::write(fx.p("list.txt"), "file 'p1.m4a'\nfile 'p2.m4a'\n").unwrap();
    fx.ffmpeg(&[
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        "list.txt",
        "-c",
        "copy",
        "joined.m4a",
    ]);
    // The first proof with the second's windows appended and its count
    // raised: every line is a real sealed line, but packets are skipped.
    let read =
        |p: &str| -> Value { serde_json::from_slice(&std::fs::read(fx.p(p)).unwrap()).unwrap() };
    let mut b = read("p1.m4a.courtseal-proof");
    let second = read("p2.m4a.courtseal-proof");
    let s1 = &mut b["excerpt"]["streams"][0];
    let s2 = &second["excerpt"]["streams"][0];
    let mut w = s1["windows"].as_array().unwrap().clone();
    w.extend(s2["windows"].as_array().unwrap().iter().cloned());
    s1["windows"] = Value::Array(w);
    s1["count"] = (s1["count"].as_u64().unwrap() + s2["count"].as_u64().unwrap()).into();
    s1["after"] = s2["after"].clone();
    let mut bytes = serde_json::to_vec(&b).unwrap();
    bytes.push(b'\n');
    std::fs::write(fx.p("forged.courtseal-proof"), bytes).unwrap();
    let (code, v) = fx.verify("joined.m4a", "forged.courtseal-proof");
    assert_eq!(code, 1);
    assert!(codes(&v).contains(&"excerpt.spliced".to_owned()), "{v}");
}

#[test]
fn an_edited_window_line_in_the_proof_is_not_included() {
    let fx = sealed();
    fx.excerpt("a.m4a", "10", "12", "x.m4a");
    let text = std::fs::read_to_string(fx.p("x.m4a.courtseal-proof")).unwrap();
    let mut b: Value = serde_json::from_str(&text).unwrap();
    let line = b["excerpt"]["streams"][0]["windows"][1]["line"]
        .as_str()
        .unwrap()
        .replace("\"w\":", "\"w\": ");
    b["excerpt"]["streams"][0]["windows"][1]["line"] = line.into();
    let mut bytes = serde_json::to_vec(&b).unwrap();
    bytes.push(b'\n');
    std::fs::write(fx.p("edited.courtseal-proof"), bytes).unwrap();
    let (code, v) = fx.verify("x.m4a", "edited.courtseal-proof");
    assert_eq!(code, 1);
    assert_eq!(codes(&v), ["proof.not_included"], "{v}");
}

#[test]
fn the_proof_discloses_only_the_stretch_windows() {
    let fx = sealed();
    fx.excerpt("a.m4a", "10", "20", "x.m4a");
    let text = std::fs::read_to_string(fx.p("x.m4a.courtseal-proof")).unwrap();
    let b: Value = serde_json::from_str(&text).unwrap();
    assert!(
        b.get("windows").is_none(),
        "no full sidecar in an excerpt bundle"
    );
    let lines = b["excerpt"]["streams"][0]["windows"].as_array().unwrap();
    // 1 s windows: the ten windows of 10..20 s and at most one partial edge.
    assert!((10..=11).contains(&lines.len()), "{}", lines.len());
    for l in lines {
        let w: Value = serde_json::from_str(l["line"].as_str().unwrap()).unwrap();
        let from = w["from"].as_f64().unwrap();
        assert!((10.0..20.0).contains(&from), "{w}");
    }
}

#[test]
fn a_segment_no_trusted_checkpoint_covers_is_refused() {
    let fx = sealed();
    let other = common::repo("keys/demo-secretary.vkey");
    let (code, _, err) = fx.cs(&[
        "excerpt",
        "s",
        "a.m4a",
        "--from",
        "1",
        "--to",
        "2",
        "-o",
        "x.m4a",
        "--trust",
        other.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("trusted"), "{err}");
    assert!(!fx.p("x.m4a").exists() && !fx.p("x.m4a.courtseal-proof").exists());
    // A segment whose recording was changed is refused too (a byte of its
    // audio, in the middle of the file).
    let seg = fx.p("s/d.m4a");
    let mut bytes = std::fs::read(&seg).unwrap();
    let n = bytes.len() / 2;
    bytes[n] ^= 1;
    std::fs::write(&seg, bytes).unwrap();
    let (code, _, err) = fx.cs(&[
        "excerpt", "s", "d.m4a", "--from", "1", "--to", "2", "-o", "y.m4a", "--trust", &fx.vkey,
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("does not verify for segment d.m4a"), "{err}");
    assert!(!fx.p("y.m4a").exists());
}

#[test]
fn a_whole_segment_bundle_verifies_alone_and_explains_a_remux() {
    let fx = sealed();
    let (code, out, err) = fx.cs(&[
        "proof",
        "s",
        "c.mp4",
        "--bundle",
        "c.courtseal-proof",
        "--trust",
        &common::recorder_vkey_file(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!Path::new(&fx.p("c.windows.jsonl")).exists());
    std::fs::copy(fx.p("s/c.mp4"), fx.p("c.mp4")).unwrap();
    let (code, v) = fx.verify("c.mp4", "c.courtseal-proof");
    assert_eq!(code, 0, "{v}");
    assert_eq!(codes(&v), Vec::<String>::new());
    // No side files: the bundle's own packet windows explain a remux.
    fx.ffmpeg(&["-i", "c.mp4", "-c", "copy", "c.mkv"]);
    let (code, v) = fx.verify("c.mkv", "c.courtseal-proof");
    assert_eq!(code, 0, "{v}");
    assert_eq!(codes(&v), ["segment.container_rewritten"]);
    // The separate files keep working.
    let (code, _, err) = fx.cs(&[
        "proof",
        "s",
        "c.mp4",
        "-o",
        "c.tlog-proof",
        "--trust",
        &common::recorder_vkey_file(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, v) = fx.verify("c.mkv", "c.tlog-proof");
    assert_eq!(code, 0, "{v}");
    assert_eq!(codes(&v), ["segment.container_rewritten"]);
}
