//! `trust add` / `trust show` / `keys show`: a trust file written by the tool
//! is one the verifying commands take, and the name `keys generate --help`
//! recommends is one it accepts.

mod common;

use std::fs;

use common::{copy_sample, demo_key, repo, run};

#[test]
fn the_key_name_the_help_recommends_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (code, help, _) = run(dir.path(), &["keys", "generate", "--help"]);
    assert_eq!(code, 0);
    let name = help
        .split("e.g. ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .map(|s| s.trim_end_matches('.'))
        .unwrap()
        .to_owned();
    assert_eq!(name, "courtroom5.district2.court.example");
    let (code, _, err) = run(dir.path(), &["keys", "generate", "--name", &name]);
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join(format!("{name}.vkey")).is_file());
    // The URL-like form the help once recommended is refused with the rule.
    let (code, _, err) = run(
        dir.path(),
        &["keys", "generate", "--name", "court.example/x"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("no spaces, '+' or '/'"), "{err}");
}

#[test]
fn a_trust_file_written_by_trust_add_verifies_a_sealed_session() {
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
            "court.example/t/1",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let vkey = repo("keys/demo-recorder.vkey");
    let sec = repo("keys/demo-secretary.pub");
    for (role, k) in [("recorder", &vkey), ("operator", &sec)] {
        let (code, out, err) = run(
            d,
            &[
                "trust",
                "add",
                role,
                k.to_str().unwrap(),
                "--trust",
                "court-trust.txt",
            ],
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(&format!("as {role}: may sign")), "{out}");
    }
    // Adding the same key in the same role again changes nothing.
    let before = fs::read(d.join("court-trust.txt")).unwrap();
    let (code, out, _) = run(
        d,
        &[
            "trust",
            "add",
            "recorder",
            vkey.to_str().unwrap(),
            "--trust",
            "court-trust.txt",
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("left unchanged"), "{out}");
    assert_eq!(fs::read(d.join("court-trust.txt")).unwrap(), before);

    let (code, out, err) = run(d, &["verify", "s", "--trust", "court-trust.txt"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, show, _) = run(d, &["trust", "show", "court-trust.txt"]);
    assert_eq!(code, 0);
    let digest = courtseal::digest::Sha256Digest::of(&before).to_hex();
    assert!(show.contains(&format!("SHA-256      {digest}")), "{show}");
    assert!(
        show.contains("recorder  may sign session checkpoints"),
        "{show}"
    );
    assert!(show.contains("demo-recorder (718ea680)"), "{show}");
}

#[test]
fn a_private_key_adds_only_its_public_part() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = demo_key(d, "demo-secretary");
    let (code, _, err) = run(
        d,
        &[
            "trust",
            "add",
            "operator",
            key.to_str().unwrap(),
            "--trust",
            "t.txt",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("only its public verifier key"), "{err}");
    let text = fs::read_to_string(d.join("t.txt")).unwrap();
    assert!(!text.contains("PRIVATE"), "{text}");
    assert!(
        text.contains(&format!("operator {}", common::vkey("demo-secretary"))),
        "{text}"
    );
}

#[test]
fn an_unknown_role_or_a_key_file_as_the_trust_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let vkey = repo("keys/demo-recorder.vkey");
    let (code, _, err) = run(d, &["trust", "add", "judge", vkey.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown role \"judge\""), "{err}");
    assert!(!d.join("trust.txt").exists());
    fs::copy(&vkey, d.join("k.vkey")).unwrap();
    let before = fs::read(d.join("k.vkey")).unwrap();
    let (code, _, err) = run(
        d,
        &[
            "trust",
            "add",
            "operator",
            vkey.to_str().unwrap(),
            "--trust",
            "k.vkey",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("is a key file, not a trust file"), "{err}");
    assert_eq!(fs::read(d.join("k.vkey")).unwrap(), before);
}

#[test]
fn keys_show_prints_the_trust_line() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(
        dir.path(),
        &[
            "keys",
            "show",
            repo("keys/demo-recorder.vkey").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!(
            "trust line   ROLE {}",
            common::vkey("demo-recorder")
        )),
        "{out}"
    );
}
