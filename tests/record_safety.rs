//! The record, safe by default: the template cannot pass unedited, the zone's
//! offsets and dates after the hearing are checked, TOML mistakes are told
//! in words, and an event's stated time is sanity-checked before signing.

mod common;

use std::fs;

use common::{copy_sample, demo_key, run};

const GOOD: &str = r#"court = "District Court No. 2"
case = "2-1234/2026"
judge = "A. B. Seitkali"
secretary = "D. E. Omarova"
time_zone = "Asia/Almaty"
start = 2026-11-20T10:00:00+05:00
end = 2026-11-20T11:00:00+05:00
finalised = 2026-11-21
"#;

fn errors(text: &str) -> Vec<String> {
    match courtseal::record::parse(text) {
        Ok(_) => vec![],
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_secretary_who_files_the_template_unedited_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, template, _) = run(dir.path(), &["record", "template"]);
    fs::write(dir.path().join("r.toml"), &template).unwrap();
    let (code, out, err) = run(dir.path(), &["record", "check", "r.toml"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("placeholder"), "{out}");
    // With the times filled in, every remaining placeholder is named.
    let filled = template
        .lines()
        .map(|l| {
            if l.starts_with("start =") {
                "start = 2026-11-20T10:00:00+05:00".to_owned()
            } else if l.starts_with("end =") {
                "end = 2026-11-20T11:00:00+05:00".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let e = errors(&filled);
    for f in [
        "court",
        "case",
        "judge",
        "secretary",
        "time_zone",
        "appearance[1].name",
    ] {
        assert!(
            e.iter()
                .any(|x| x.contains(&format!(": {f}: ")) && x.contains("placeholder")),
            "{f}: {e:?}"
        );
    }
    assert!(
        !filled.contains("verdict_in_force = 2"),
        "no ready-made verdict date"
    );
}

#[test]
fn an_offset_an_hour_off_for_the_zone_says_what_to_write() {
    assert!(errors(GOOD).is_empty(), "{:?}", errors(GOOD));
    let bad = GOOD.replace(
        "start = 2026-11-20T10:00:00+05:00",
        "start = 2026-11-20T10:00:00+06:00",
    );
    assert_eq!(
        errors(&bad),
        ["line 6: start: 2026-11-20T10:00:00+06:00 has offset +06:00, but Asia/Almaty is at +05:00 on that date; write 2026-11-20T10:00:00+05:00 if 10:00:00 was read off the court's clock, or 2026-11-20T09:00:00+05:00 for the same instant"]
    );
    // Before 2024-03-01, +06:00 was right for Almaty.
    let old = GOOD
        .replace("2026-11-20T10:00:00+05:00", "2023-11-20T10:00:00+06:00")
        .replace("2026-11-20T11:00:00+05:00", "2023-11-20T11:00:00+06:00")
        .replace("2026-11-21", "2023-11-21");
    assert!(errors(&old).is_empty(), "{:?}", errors(&old));
    // A record without time_zone keeps working as before.
    let no_zone = bad.replace("time_zone = \"Asia/Almaty\"\n", "");
    assert!(errors(&no_zone).is_empty(), "{:?}", errors(&no_zone));
    let unknown = GOOD.replace("Asia/Almaty", "Asia/Atlantis");
    assert!(
        errors(&unknown)[0].starts_with("line 5: time_zone: \"Asia/Atlantis\" is not a time zone")
    );
}

#[test]
fn a_finalisation_or_verdict_date_before_the_hearing_is_refused() {
    let e = errors(&GOOD.replace("finalised = 2026-11-21", "finalised = 2026-11-19"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("line 8: finalised: 2026-11-19 is before the hearing (2026-11-20)"),
        "{e:?}"
    );
    let e = errors(&format!("{GOOD}verdict_in_force = 2025-12-21\n"));
    assert!(
        e[0].starts_with("line 9: verdict_in_force: 2025-12-21 is before the hearing"),
        "{e:?}"
    );
    // The day of the hearing itself is allowed.
    assert!(errors(&GOOD.replace("2026-11-21", "2026-11-20")).is_empty());
}

#[test]
fn toml_mistakes_are_told_as_what_was_written_and_what_to_write() {
    let e = errors(&GOOD.replace("finalised = 2026-11-21", "finalised = 21.11.2026"));
    assert_eq!(
        e,
        ["line 8: finalised: 21.11.2026 is not a date courtseal reads; write 2026-11-21 (YEAR-MONTH-DAY, no quotes)"]
    );
    let e = errors(&GOOD.replace(
        "start = 2026-11-20T10:00:00+05:00",
        "start = \"2026-11-20T10:00:00+05:00\"",
    ));
    assert_eq!(
        e,
        ["line 6: start: \"2026-11-20T10:00:00+05:00\" is quoted, so it is text, not a time; write it without the quotes: 2026-11-20T10:00:00+05:00"]
    );
    let e = errors(&GOOD.replace("judge = \"A. B. Seitkali\"\n", ""));
    assert_eq!(
        e,
        ["judge: the record has no judge; add a line judge = \"...\" before the first [[...]] table"]
    );
    let e = errors(&format!("{GOOD}[[appearance]]\nrole = \"witness\"\n"));
    assert_eq!(
        e,
        ["line 9: name: this table has no name; add a line name = \"...\""]
    );
}

/// A sealed copy of the sample whose record is in Asia/Almaty.
fn sealed_sample(d: &std::path::Path) {
    let key = demo_key(d, "demo-recorder");
    demo_key(d, "demo-secretary");
    copy_sample(&d.join("s"), &[]);
    let (code, _, err) = run(
        d,
        &[
            "seal",
            "s",
            "--key",
            key.to_str().unwrap(),
            "--origin",
            "court.example/r/1",
        ],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn an_operator_who_states_a_time_outside_the_session_must_force_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sealed_sample(d);
    let event = |at: &str, force: bool| {
        let mut a = vec![
            "event",
            "s",
            "note",
            "--reason",
            "r",
            "--key",
            "demo-secretary.key",
            "--at",
            at,
        ];
        if force {
            a.push("--force");
        }
        run(d, &a)
    };
    // 14:30 on the session's date in Almaty: hours after the sample's end,
    // and (the sample being in the past) far from now.
    let (code, _, err) = event("14:30", false);
    assert_eq!(code, 2);
    assert!(err.contains("--at 2026-11-20 14:30:00 +05:00 is"), "{err}");
    assert!(err.contains("--force"), "{err}");
    let before = fs::read(d.join("s/courtseal/log.jsonl")).unwrap();
    assert_eq!(
        fs::read(d.join("s/courtseal/log.jsonl")).unwrap(),
        before,
        "nothing signed"
    );
    // A clock time inside the session, forced past the distance from now.
    let (code, out, err) = event("09:00:20", true);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("at 2026-11-20T04:00:20.000Z"), "{out}");
    // A clock time that is not one.
    let (code, _, _) = event("25:61", true);
    assert_eq!(code, 2);
}

#[test]
fn a_clock_time_without_a_zone_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sealed_sample(d);
    let rec = fs::read_to_string(d.join("s/record.toml")).unwrap();
    let mut lines: Vec<&str> = rec
        .lines()
        .filter(|l| !l.starts_with("time_zone"))
        .collect();
    lines.push("");
    fs::write(d.join("s/record.toml"), lines.join("\n")).unwrap();
    let (code, _, err) = run(
        d,
        &[
            "event",
            "s",
            "note",
            "--reason",
            "r",
            "--key",
            "demo-secretary.key",
            "--at",
            "09:00",
            "--force",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("needs the court's time zone"), "{err}");
}
