//! The court's time zone: local times people read, from the bundled tz
//! database (not the machine's), and `--tz` over the record's zone.

mod common;

use courtseal::time::UtcTime;
use courtseal::zone::CourtZone;

use common::{copy_sample, demo_key, run};

#[test]
fn local_times_come_from_the_bundled_database_not_the_machine() {
    // Whatever zone files or TZ the machine has, the answer is the same.
    let z = CourtZone::new("Asia/Almaty").unwrap();
    let t = UtcTime::parse("2026-11-20T05:00:30Z").unwrap();
    assert_eq!(z.local(t), "2026-11-20 10:00:30 +05:00");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_courtseal"))
        .args(["--tz", "Asia/Almaty", "keys", "show"])
        .arg(common::repo("keys/demo-recorder.vkey"))
        .env("TZ", "America/New_York")
        .env("TZDIR", "/nonexistent")
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn an_unknown_zone_is_refused_with_what_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        dir.path(),
        &["--tz", "Asia/Alma-Ata-Nowhere", "keys", "show", "x.vkey"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("--tz") && err.contains("e.g. \"Asia/Almaty\""),
        "{err}"
    );
    let (code, _, err) = run(dir.path(), &["--tz", "+05:00", "keys", "show", "x.vkey"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn verify_shows_sealing_times_in_the_records_zone_and_tz_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = demo_key(d, "demo-recorder");
    copy_sample(&d.join("s"), &[]);
    let (code, _, err) = run(
        d,
        &[
            "seal",
            "s",
            "--key",
            key.to_str().unwrap(),
            "--origin",
            "court.example/z/1",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let vkey = common::repo("keys/demo-recorder.vkey");
    let (code, out, _) = run(d, &["verify", "s", "--trust", vkey.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Times        shown in Asia/Almaty, the court's time zone"),
        "{out}"
    );
    let (code, out, _) = run(
        d,
        &[
            "--tz",
            "Europe/Berlin",
            "verify",
            "s",
            "--trust",
            vkey.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("shown in Europe/Berlin"), "{out}");
}

#[test]
fn check_draws_the_timeline_in_local_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = demo_key(d, "demo-recorder");
    copy_sample(&d.join("s"), &[]);
    run(
        d,
        &[
            "seal",
            "s",
            "--key",
            key.to_str().unwrap(),
            "--origin",
            "court.example/z/2",
        ],
    );
    let vkey = common::repo("keys/demo-recorder.vkey");
    let (code, out, err) = run(d, &["check", "s", "--trust", vkey.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    // The sample starts at 04:00:00Z: 09:00 in Almaty since 2024-03-01.
    assert!(
        out.contains("2026-11-20 09:00:00 +05:00 to 2026-11-20 09:00:15 +05:00  seg-0001.m4a"),
        "{out}"
    );
}
