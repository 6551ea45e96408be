//! The detection matrix: each of the ten formats court recorders write,
//! built here from the bundled sample hearing, sealed once together, and
//! then each operation a forger performs with the `ffmpeg` tool applied to a
//! copy of that sealed session. Every row asserts the exact finding codes
//! for the changed file and, where there is one, the span of the main
//! finding: to the packet, or within one packet duration where the format's
//! packet size is the precision (AAC 21 ms, MP3 24-26 ms, Opus 20 ms, FLAC
//! 85-96 ms, video 40 ms a frame; PCM is placed within one content-defined
//! chunk, about 16-64 ms). Clean copies and stream-copy remuxes (to and
//! from MPEG-TS included) must give no error. Where ffmpeg does not change
//! exactly what its command names (a per-frame mute of PCM, a concat cut
//! of MPEG-TS, whose timestamps start at 1.4 s), the true span is measured
//! from the two files without courtseal ([`measured`]) and asserted.
//!
//! The rows run in one test binary on two threads, sharing the sealed
//! originals; each piece of media is 12 s long.

mod common;

use std::fs;
use std::path::Path;
use std::sync::Mutex;

use serde_json::Value;

const SAMPLE: &str = "samples/session-2026-11-20-courtroom5";

/// A format: the sealed file's name and the ffmpeg arguments that make it
/// from `src.wav` (12 s, 48 kHz stereo speech) and, for video, a test pattern.
struct Format {
    file: &'static str,
    make: &'static [&'static str],
    /// Packet precision in seconds (how far an edge may lie from the edit).
    tol: f64,
    pcm: bool,
    video: bool,
    /// Container a stream-copy remux goes to (ffmpeg's -f name).
    remux_to: &'static str,
}

const V: &[&str] = &[
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=320x240:rate=25",
    "-i",
    "src.wav",
    "-t",
    "12",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-g",
    "25",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-b:a",
    "48k",
];

const FORMATS: &[Format] = &[
    Format {
        file: "w16.wav",
        make: &[
            "-i",
            "src.wav",
            "-ar",
            "16000",
            "-ac",
            "1",
            "-c:a",
            "pcm_s16le",
        ],
        tol: 0.07,
        pcm: true,
        video: false,
        remux_to: "wav",
    },
    Format {
        file: "w48.wav",
        make: &["-i", "src.wav", "-c:a", "pcm_s16le"],
        tol: 0.07,
        pcm: true,
        video: false,
        remux_to: "wav",
    },
    Format {
        file: "a.flac",
        make: &["-i", "src.wav", "-c:a", "flac"],
        tol: 0.1,
        pcm: false,
        video: false,
        remux_to: "matroska",
    },
    Format {
        file: "a.mp3",
        make: &["-i", "src.wav", "-c:a", "libmp3lame", "-b:a", "64k"],
        // Two packets: ffmpeg's stream-copy cut lands on a packet, and the
        // edge is placed within one more.
        tol: 0.05,
        pcm: false,
        video: false,
        remux_to: "matroska",
    },
    Format {
        file: "start.m4a",
        make: &[
            "-i",
            "src.wav",
            "-c:a",
            "aac",
            "-b:a",
            "48k",
            "-movflags",
            "+faststart",
        ],
        tol: 0.03,
        pcm: false,
        video: false,
        remux_to: "mpegts",
    },
    Format {
        file: "end.m4a",
        make: &["-i", "src.wav", "-c:a", "aac", "-b:a", "48k"],
        tol: 0.03,
        pcm: false,
        video: false,
        remux_to: "matroska",
    },
    Format {
        file: "a.opus",
        make: &["-i", "src.wav", "-c:a", "libopus", "-b:a", "32k"],
        tol: 0.03,
        pcm: false,
        video: false,
        remux_to: "matroska",
    },
    Format {
        file: "a.ts",
        make: &[
            "-i", "src.wav", "-c:a", "aac", "-b:a", "48k", "-f", "mpegts",
        ],
        // Two packets (see a.mp3).
        tol: 0.05,
        pcm: false,
        video: false,
        remux_to: "ipod",
    },
    Format {
        file: "v.mp4",
        make: V,
        tol: 0.05,
        pcm: false,
        video: true,
        remux_to: "mpegts",
    },
    Format {
        file: "v.mkv",
        make: V,
        tol: 0.05,
        pcm: false,
        video: true,
        remux_to: "mp4",
    },
];

#[derive(Clone, Copy, Debug)]
enum Op {
    Clean,
    Remux,
    Cut,
    Insert,
    Overwrite,
    Mute,
    Truncate,
    Flip,
    Retime,
}

/// What a row expects for the changed file: its finding codes (sorted),
/// and the span of the one named, as (from, to) in the sealed timeline.
struct Expect {
    codes: &'static [&'static str],
    span: Option<(&'static str, f64, f64)>,
    exit: i32,
}

fn expect(f: &Format, op: Op) -> Option<Expect> {
    use Op::*;
    let changed = |c: &'static str, from: f64, to: f64| Expect {
        codes: if c == "segment.changed" {
            &["segment.changed"]
        } else {
            match c {
                "segment.content_removed" => &["segment.changed", "segment.content_removed"],
                "segment.content_inserted" => &["segment.changed", "segment.content_inserted"],
                "segment.content_edited" => &["segment.changed", "segment.content_edited"],
                "segment.truncated" => &["segment.changed", "segment.truncated"],
                "segment.retimed" => &["segment.changed", "segment.retimed"],
                _ => unreachable!(),
            }
        },
        span: Some((c, from, to)),
        exit: 1,
    };
    Some(match op {
        Clean => Expect {
            codes: &[],
            span: None,
            exit: 0,
        },
        // FFmpeg's WAV muxer writes the same bytes again: nothing to report.
        Remux if f.pcm => Expect {
            codes: &[],
            span: None,
            exit: 0,
        },
        Remux => Expect {
            codes: &["segment.container_rewritten"],
            span: None,
            exit: 0,
        },
        // Video files: one finding per stream (video and audio).
        Cut if f.video => Expect {
            codes: &[
                "segment.changed",
                "segment.content_removed",
                "segment.content_removed",
            ],
            ..changed("segment.content_removed", 4.0, 7.0)
        },
        Truncate if f.video => Expect {
            codes: &["segment.changed", "segment.truncated", "segment.truncated"],
            ..changed("segment.truncated", 8.0, 12.0)
        },
        Cut => changed("segment.content_removed", 4.0, 7.0),
        // An insertion's span is where it goes in the sealed timeline.
        Insert if f.pcm => changed("segment.content_inserted", 5.0, 5.0),
        Overwrite if f.pcm => changed("segment.content_edited", 4.0, 6.0),
        Mute if f.pcm => changed("segment.content_edited", 4.0, 6.0),
        Truncate => changed("segment.truncated", 8.0, 12.0),
        Flip => changed("segment.content_edited", f64::NAN, f64::NAN),
        Retime if f.video => changed("segment.retimed", 0.0, 12.0),
        _ => return None,
    })
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            fs::copy(e.path(), t).unwrap();
        }
    }
}

/// Applies `op` to `dir/s/<file>` as a forger would with ffmpeg; the sealed
/// original is moved to `dir/orig.<ext>` first.
fn forge(dir: &Path, f: &Format, op: Op) {
    let ext = f.file.rsplit('.').next().unwrap();
    let orig = format!("orig.{ext}");
    let target = format!("s/{}", f.file);
    fs::rename(dir.join(&target), dir.join(&orig)).unwrap();
    let ff = |args: &[&str]| common::ffmpeg(dir, args);
    let pcm = "pcm_s16le";
    match op {
        Op::Clean => {
            fs::copy(dir.join(&orig), dir.join(&target)).unwrap();
        }
        Op::Remux => {
            // Saved under the sealed name, as a clerk's "convert" does.
            ff(&["-i", &orig, "-map", "0", "-c", "copy", "-f", f.remux_to, &target]);
        }
        Op::Cut if f.pcm => ff(&[
            "-i",
            &orig,
            "-filter_complex",
            "[0]atrim=end=4[a];[0]atrim=start=7,asetpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=0:a=1",
            "-c:a",
            pcm,
            &target,
        ]),
        Op::Cut => {
            // Stream copy of 0:00-0:04 and 0:07-end joined by the concat demuxer.
            fs::write(
                dir.join("list.txt"),
                format!("file '{orig}'\noutpoint 4\nfile '{orig}'\ninpoint 7\n"),
            )
            .unwrap();
            let tmp = format!("cut.{ext}");
            ff(&[
                "-f", "concat", "-safe", "0", "-i", "list.txt", "-map", "0", "-c", "copy", &tmp,
            ]);
            fs::rename(dir.join(tmp), dir.join(&target)).unwrap();
        }
        Op::Insert => ff(&[
            "-i",
            &orig,
            "-filter_complex",
            "[0]atrim=end=5[a];[0]atrim=start=9:end=11,asetpts=PTS-STARTPTS,areverse[i];[0]atrim=start=5,asetpts=PTS-STARTPTS[b];[a][i][b]concat=n=3:v=0:a=1",
            "-c:a",
            pcm,
            &target,
        ]),
        Op::Overwrite => ff(&[
            "-i",
            &orig,
            "-filter_complex",
            "[0]atrim=end=4[a];[0]atrim=start=4:end=6,asetpts=PTS-STARTPTS,areverse[i];[0]atrim=start=6,asetpts=PTS-STARTPTS[b];[a][i][b]concat=n=3:v=0:a=1",
            "-c:a",
            pcm,
            &target,
        ]),
        Op::Mute => ff(&[
            "-i",
            &orig,
            "-af",
            "volume=enable='between(t,4,6)':volume=0",
            "-c:a",
            pcm,
            &target,
        ]),
        Op::Truncate => {
            let tmp = format!("trunc.{ext}");
            ff(&["-i", &orig, "-map", "0", "-t", "8", "-c", "copy", &tmp]);
            fs::rename(dir.join(tmp), dir.join(&target)).unwrap();
        }
        Op::Flip => {
            let mut b = fs::read(dir.join(&orig)).unwrap();
            let at = b.len() * 6 / 10;
            b[at] ^= 0x55;
            fs::write(dir.join(&target), b).unwrap();
        }
        Op::Retime => {
            // Audio shifted 3 s later against the video, both stream copies.
            let tmp = format!("re.{ext}");
            ff(&[
                "-i", &orig, "-itsoffset", "3", "-i", &orig, "-map", "0:v", "-map", "1:a", "-c",
                "copy", &tmp,
            ]);
            fs::rename(dir.join(tmp), dir.join(&target)).unwrap();
        }
    }
}

struct Outcome {
    exit: i32,
    /// The span the forgery really changed, measured from the files
    /// without courtseal, where ffmpeg did not do exactly what the row's
    /// command asked for (see [`measured`]).
    truth: Option<(f64, f64)>,
    /// (code, span) of the findings at the changed file, sorted by code.
    found: Vec<(String, Option<(f64, f64)>)>,
    /// Findings elsewhere in the session (must be none).
    elsewhere: Vec<String>,
}

fn run_row(base: &Path, vkey: &str, f: &Format, op: Op, n: usize) -> Outcome {
    let dir = base.join(format!("row{n}"));
    copy_dir(&base.join("s"), &dir.join("s"));
    forge(&dir, f, op);
    let truth = measured(&dir, f, op);
    let (code, out, err) = common::run(&dir, &["verify", "s", "--trust", vkey, "--json"]);
    assert!(
        code == 0 || code == 1,
        "{} {op:?}: exit {code}: {err}",
        f.file
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut found = vec![];
    let mut elsewhere = vec![];
    for x in v["findings"].as_array().unwrap() {
        let c = x["code"].as_str().unwrap().to_owned();
        if x["location"].as_str() == Some(f.file) {
            let s = x
                .get("span")
                .map(|s| (s["from"].as_f64().unwrap(), s["to"].as_f64().unwrap()));
            found.push((c, s));
        } else {
            elsewhere.push(format!("{c} at {}", x["location"]));
        }
    }
    found.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let _ = fs::remove_dir_all(&dir);
    Outcome {
        exit: code,
        truth,
        found,
        elsewhere,
    }
}

/// A WAV file's sample rate, bytes per sample frame and sample data.
fn wav(path: &Path) -> (u32, usize, Vec<u8>) {
    let b = fs::read(path).unwrap();
    let (mut rate, mut block, mut data) = (0, 0, Vec::new());
    let mut at = 12;
    while at + 8 <= b.len() {
        let size = u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &b[at + 8..(at + 8 + size).min(b.len())];
        match &b[at..at + 4] {
            b"fmt " => {
                rate = u32::from_le_bytes(body[4..8].try_into().unwrap());
                block = usize::from(u16::from_le_bytes(body[12..14].try_into().unwrap()));
            }
            b"data" => data = body.to_vec(),
            _ => {}
        }
        at += 8 + size + size % 2;
    }
    assert!(
        rate > 0 && block > 0 && !data.is_empty(),
        "{}",
        path.display()
    );
    (rate, block, data)
}

fn ffprobe(dir: &Path, args: &[&str]) -> String {
    let o = std::process::Command::new("ffprobe")
        .current_dir(dir)
        .args(["-v", "error"])
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "ffprobe {args:?}");
    String::from_utf8(o.stdout).unwrap()
}

/// What the forgery really changed, in seconds from the sealed file's
/// start, measured from the original and the forged copy without
/// courtseal, for the rows where ffmpeg does not do exactly what the
/// command says:
///
/// - **A mute of PCM** with `volume=enable='between(t,4,6)'`: the filter
///   evaluates `enable` once per decoded frame, at the frame's start, so
///   the samples change from the first frame starting at or after 4 s
///   (4.096 s at 16 kHz mono, 4.011 s at 48 kHz stereo) to the end of the
///   last frame starting by 6 s. The truth is the first and last sample
///   that differ.
/// - **A stream-copy cut of AAC in MPEG-TS** with the concat demuxer
///   (`outpoint 4`, `inpoint 7`): both points are in the file's own
///   timestamps, which in MPEG-TS start at 1.4 s (the muxer's delay), so
///   the first part ends 2.6 s into the file; and the in-point cannot split
///   a PES packet (some 18 AAC frames), so the copy goes on with the
///   sealed audio from the start of the PES that holds the in-point. An
///   examiner states what is missing from the file as played: from
///   `4 − start` to that PES's start `− start`.
fn measured(dir: &Path, f: &Format, op: Op) -> Option<(f64, f64)> {
    match op {
        Op::Mute if f.pcm => {
            let (rate, block, a) = wav(&dir.join("orig.wav"));
            let (_, _, b) = wav(&dir.join("s").join(f.file));
            let first = a.iter().zip(&b).position(|(x, y)| x != y)?;
            let last = a.iter().zip(&b).rposition(|(x, y)| x != y)?;
            let t = |byte: usize| (byte / block) as f64 / f64::from(rate);
            Some((t(first), t(last + block)))
        }
        Op::Cut if f.file.ends_with(".ts") => {
            let start: f64 = ffprobe(
                dir,
                &[
                    "-show_entries",
                    "format=start_time",
                    "-of",
                    "csv=p=0",
                    "orig.ts",
                ],
            )
            .trim()
            .parse()
            .unwrap();
            let pes = ffprobe(
                dir,
                &[
                    "-show_entries",
                    "packet=pts_time,pos",
                    "-of",
                    "csv=p=0",
                    "orig.ts",
                ],
            );
            // The packets that start a PES carry its byte position; the
            // others (split off it by the AAC parser) have none.
            let resume = pes
                .lines()
                .filter_map(|l| {
                    let mut x = l.split(',');
                    let t: f64 = x.next()?.parse().ok()?;
                    x.next()?.parse::<u64>().ok().map(|_| t)
                })
                .filter(|t| *t <= 7.0)
                .fold(f64::NEG_INFINITY, f64::max);
            assert!(resume.is_finite(), "no PES start before 7 s in orig.ts");
            Some((4.0 - start, resume - start))
        }
        _ => None,
    }
}

/// The sealed session with all ten formats, made and sealed once.
fn sealed() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("s")).unwrap();
    fs::copy(
        common::repo(&format!("{SAMPLE}/record.toml")),
        dir.join("s/record.toml"),
    )
    .unwrap();
    common::demo_key(dir, "demo-recorder");
    let a = common::repo(&format!("{SAMPLE}/seg-0002.m4a"));
    let b = common::repo(&format!("{SAMPLE}/seg-0001.m4a"));
    common::ffmpeg(
        dir,
        &[
            "-i",
            a.to_str().unwrap(),
            "-i",
            b.to_str().unwrap(),
            "-filter_complex",
            "[0][1]concat=n=2:v=0:a=1,atrim=0:12",
            "-ar",
            "48000",
            "-ac",
            "2",
            "-c:a",
            "pcm_s16le",
            "src.wav",
        ],
    );
    std::thread::scope(|sc| {
        for half in [0, 1] {
            sc.spawn(move || {
                for f in FORMATS.iter().skip(half).step_by(2) {
                    let mut args: Vec<&str> = f.make.to_vec();
                    let out = format!("s/{}", f.file);
                    args.push(&out);
                    common::ffmpeg(dir, &args);
                }
            });
        }
    });
    let (code, out, err) = common::run(
        dir,
        &[
            "seal",
            "s",
            "--key",
            "demo-recorder.key",
            "--origin",
            "court.example/matrix",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let vkey = common::repo("keys/demo-recorder.vkey")
        .to_str()
        .unwrap()
        .to_owned();
    (tmp, vkey)
}

const OPS: &[Op] = &[
    Op::Clean,
    Op::Remux,
    Op::Cut,
    Op::Insert,
    Op::Overwrite,
    Op::Mute,
    Op::Truncate,
    Op::Flip,
    Op::Retime,
];

fn check(f: &Format, op: Op, e: &Expect, o: &Outcome) -> Result<(), String> {
    let name = format!("{} {op:?}", f.file);
    if !o.elsewhere.is_empty() {
        return Err(format!("{name}: findings elsewhere: {:?}", o.elsewhere));
    }
    let codes: Vec<&str> = o.found.iter().map(|x| x.0.as_str()).collect();
    if codes != e.codes || o.exit != e.exit {
        return Err(format!(
            "{name}: exit {} codes {:?}, expected exit {} codes {:?}",
            o.exit, o.found, e.exit, e.codes
        ));
    }
    if let Some((code, from, to)) = e.span {
        let (from, to) = o.truth.unwrap_or((from, to));
        let (sf, st) = o
            .found
            .iter()
            .find(|x| x.0 == code)
            .and_then(|x| x.1)
            .ok_or_else(|| format!("{name}: no span on {code}"))?;
        if from.is_nan() {
            // A flipped byte: one short span, at most a second long.
            if st - sf > 1.0 || st <= sf {
                return Err(format!("{name}: span {sf}..{st} for one flipped byte"));
            }
        } else if (sf - from).abs() > f.tol || (st - to).abs() > f.tol {
            return Err(format!(
                "{name}: span {sf}..{st}, expected {from}..{to} within {}",
                f.tol
            ));
        }
    }
    Ok(())
}

#[test]
fn every_forgery_in_every_format_is_named_with_its_span() {
    let (tmp, vkey) = sealed();
    let rows: Vec<(&Format, Op, Expect)> = FORMATS
        .iter()
        .flat_map(|f| {
            OPS.iter()
                .filter_map(move |&op| expect(f, op).map(|e| (f, op, e)))
        })
        .collect();
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|sc| {
        for _ in 0..2 {
            sc.spawn(|| loop {
                let n = {
                    let mut g = next.lock().unwrap();
                    *g += 1;
                    *g - 1
                };
                let Some((f, op, e)) = rows.get(n) else { break };
                let o = run_row(tmp.path(), &vkey, f, *op, n);
                if let Err(m) = check(f, *op, e, &o) {
                    failures.lock().unwrap().push(m);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} rows:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
