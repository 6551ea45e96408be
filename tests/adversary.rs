//! Attacks on the trust policy, the record lookup, retirement and the event
//! inbox, made as a court insider who can write the session folder (with no
//! key, or with one key) or as a hostile file would. Each test is named after
//! the attack and asserts the exact verdict the tool must give.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{copy_sample, demo_key, run, vkey};
use courtseal::checkpoint::Checkpoint;
use courtseal::entry::{self, HeartbeatEntry, RetireEntry, VERSION};
use courtseal::session::{self, Log, SessionPaths};
use serde_json::Value;

const ORIGIN: &str = "court.example/district2/courtroom5/2026-11-20";

struct Fx {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Fx {
    /// The sample session sealed by the demo recorder, with an archivist and
    /// an operator key and a trust file naming all of them in their roles.
    fn sealed() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        copy_sample(&dir.join("s"), &[]);
        demo_key(&dir, "demo-recorder");
        let (code, _, err) = run(
            &dir,
            &[
                "seal",
                "s",
                "--key",
                "demo-recorder.key",
                "--origin",
                ORIGIN,
            ],
        );
        assert_eq!(code, 0, "{err}");
        let mut trust = format!("recorder {}\n", vkey("demo-recorder"));
        for (role, name) in [("archivist", "arch"), ("operator", "oper")] {
            let (code, _, err) = run(&dir, &["keys", "generate", "--name", name, "--out", "."]);
            assert_eq!(code, 0, "{err}");
            let v = fs::read_to_string(dir.join(format!("{name}.vkey"))).unwrap();
            trust.push_str(&format!("{role} {}\n", v.trim()));
        }
        fs::write(dir.join("trust.txt"), trust).unwrap();
        Fx { _tmp: tmp, dir }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn paths(&self) -> SessionPaths {
        SessionPaths::new(&self.p("s"))
    }

    fn verify(&self) -> (i32, Value) {
        let (code, out, err) = run(
            &self.dir,
            &["verify", "s", "--trust", "trust.txt", "--json"],
        );
        assert!(code == 0 || code == 1, "{err}");
        (code, serde_json::from_str(&out).unwrap())
    }

    fn size(&self) -> u64 {
        Log::read(&self.paths().log).unwrap().tree().size()
    }

    /// Appends an archivist-signed retirement entry naming `segments`,
    /// signed with `key` (a file in the fixture folder), without any
    /// checkpoint.
    fn append_retire(&self, key: &str, segments: &[&str]) {
        let signer = courtseal::keys::load_signer(&self.p(key)).unwrap();
        let at = entry::now_utc();
        let segments: Vec<String> = segments.iter().map(|s| (*s).to_owned()).collect();
        let text = courtseal::retire::retire_text(ORIGIN, &at, "retention ended", &segments);
        let e = RetireEntry {
            v: VERSION,
            kind: "retire".into(),
            at,
            basis: "retention ended".into(),
            segments,
            archivist: signer.verifier().to_vkey(),
            note: signer.sign(&text).unwrap(),
        };
        session::append_lines(&self.paths(), &[entry::to_line(&e)]).unwrap();
    }

    /// Appends a heartbeat: needs no key at all.
    fn append_heartbeat(&self) {
        let e = HeartbeatEntry {
            v: VERSION,
            kind: "heartbeat".into(),
            at: entry::now_utc(),
            segments: 4,
        };
        session::append_lines(&self.paths(), &[entry::to_line(&e)]).unwrap();
    }

    /// Signs a checkpoint over the whole current log with `key`.
    fn sign_checkpoint(&self, key: &str) -> u64 {
        let paths = self.paths();
        let tree = Log::read(&paths.log).unwrap().tree();
        let _ = fs::remove_file(paths.checkpoint_at(tree.size()));
        let signer = courtseal::keys::load_signer(&self.p(key)).unwrap();
        let cp = Checkpoint::new(ORIGIN, tree.size(), tree.root());
        session::write_checkpoint(&paths, &signer, &cp).unwrap();
        tree.size()
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

fn codes_at(v: &Value, location: &str) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"] == location)
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

fn state_of(v: &Value, name: &str) -> String {
    v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .map(|s| s["state"].as_str().unwrap().to_owned())
        .unwrap()
}

/// An archivist appends its retirement entry after the sealed log but no
/// trusted checkpoint covers it: it proves nothing, so a deleted segment is
/// missing, not retired.
#[test]
fn uncovered_retire_entry_does_not_retire_segments() {
    let fx = Fx::sealed();
    let sealed = fx.size();
    fx.append_retire("arch.key", &["seg-0001.m4a"]);
    fs::remove_file(fx.p("s/seg-0001.m4a")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verified_size"].as_u64().unwrap(), sealed);
    assert_eq!(state_of(&v, "seg-0001.m4a"), "missing");
    assert_eq!(codes_at(&v, "seg-0001.m4a"), ["segment.missing"]);
    assert!(!codes(&v).contains(&"session.retired".to_owned()), "{v}");
}

/// An insider with no key appends a heartbeat after the last recorder
/// checkpoint; an archivist then adds its retirement and signs a checkpoint
/// over both: the archivist would vouch for the heartbeat, so it is refused
/// and the retirement does not count.
#[test]
fn archivist_checkpoint_over_an_unsigned_prefix_is_refused() {
    let fx = Fx::sealed();
    let sealed = fx.size();
    fx.append_heartbeat();
    fx.append_retire("arch.key", &["seg-0001.m4a"]);
    fx.sign_checkpoint("arch.key");
    fs::remove_file(fx.p("s/seg-0001.m4a")).unwrap();
    let (code, v) = fx.verify();
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verified_size"].as_u64().unwrap(), sealed);
    assert_eq!(
        codes_at(&v, "courtseal/checkpoint"),
        ["checkpoint.untrusted_key"]
    );
    assert_eq!(state_of(&v, "seg-0001.m4a"), "missing");
}
