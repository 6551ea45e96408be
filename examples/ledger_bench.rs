//! Material for `bench/ledger.sh`: a courtroom ledger of many checkpoints,
//! each cosigned by two witnesses, in the formats `seal --ledger` writes
//! (`docs/formats.md`, "Ledger"), made without the sealing path's fsyncs.
//!
//! `ledger_bench OUT SESSIONS PER_SESSION RECORDER_KEY LEDGER_KEY`
//!
//! Makes `SESSIONS` session folders `OUT/s0000`… (a header,
//! `PER_SESSION - 1` heartbeat entries and a close entry, a recorder
//! checkpoint after each) and the ledger `OUT/ledger` holding one leaf per session
//! checkpoint, appended one at a time as the sealer does: a ledger
//! checkpoint signed after each leaf, its two cosignatures, and in the
//! session the leaf's inclusion proof in it (`courtseal/ledger/SIZE.proof`).
//! Prints the trust file's lines.

use std::fs;
use std::path::{Path, PathBuf};

use courtseal::checkpoint::Checkpoint;
use courtseal::entry::{self, CloseEntry, HeartbeatEntry};
use courtseal::format::ledger::{self as lf, Leaf};
use courtseal::format::tlog_proof::TlogProof;
use courtseal::note::CosignatureSigner;
use courtseal::session::{HeaderFields, Log, SessionPaths};
use courtseal::tlog::{self, Tree};

const LEDGER: &str = "ledger.bench.court.example";

fn main() -> Result<(), String> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 6 {
        return Err("usage: ledger_bench OUT SESSIONS PER_SESSION RECORDER_KEY LEDGER_KEY".into());
    }
    let out = PathBuf::from(&a[1]);
    let sessions: u64 = a[2].parse().map_err(|e| format!("SESSIONS: {e}"))?;
    let per: u64 = a[3].parse().map_err(|e| format!("PER_SESSION: {e}"))?;
    let s = |e: &dyn std::fmt::Display| e.to_string();
    let recorder = courtseal::keys::load_signer(Path::new(&a[4])).map_err(|e| s(&e))?;
    let lkey = courtseal::keys::load_signer(Path::new(&a[5]))
        .map_err(|e| s(&e))?
        .renamed(LEDGER)
        .map_err(|e| s(&e))?;
    let witnesses: Vec<CosignatureSigner> = (0..2u8)
        .map(|i| {
            CosignatureSigner::new(
                &format!("witness{i}.bench.example/w"),
                ed25519_dalek::SigningKey::from_bytes(&[40 + i; 32]),
            )
        })
        .collect::<Result<_, _>>()
        .map_err(|e| s(&e))?;
    let lroot = out.join("ledger");
    let lp = SessionPaths::new(&lroot);
    let cosigned = lp.dir.join("cosigned");
    for d in [&lp.checkpoints, &cosigned] {
        fs::create_dir_all(d).map_err(|e| s(&e))?;
    }
    fs::write(lp.dir.join("origin"), format!("{LEDGER}\n")).map_err(|e| s(&e))?;
    fs::write(
        lp.dir.join("ledger.vkey"),
        format!("{}\n", lkey.verifier().to_vkey()),
    )
    .map_err(|e| s(&e))?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    let mut ltree = Tree::new();
    let mut llog = String::new();
    let mut latest = Vec::new();
    for n in 0..sessions {
        let root = out.join(format!("s{n:04}"));
        fs::create_dir_all(&root).map_err(|e| s(&e))?;
        let origin = format!("courtroom5/bench-{n:04}");
        let paths = SessionPaths::new(&root);
        {
            let mut sealer = courtseal::session::Sealer::open(
                &root,
                &recorder,
                Some(&origin),
                &HeaderFields::default(),
            )
            .map_err(|e| s(&e))?;
            let mut lines: Vec<Vec<u8>> = (1..per)
                .map(|_| {
                    entry::to_line(&HeartbeatEntry {
                        v: entry::VERSION,
                        kind: "heartbeat".into(),
                        at: entry::now_utc(),
                        segments: 0,
                    })
                })
                .collect();
            lines.push(entry::to_line(&CloseEntry {
                v: entry::VERSION,
                kind: "close".into(),
                at: entry::now_utc(),
                segments: 0,
                reason: "close-command".into(),
            }));
            sealer.append(&lines).map_err(|e| s(&e))?;
            sealer.checkpoint().map_err(|e| s(&e))?;
        }
        let tree = Log::read(&paths.log).map_err(|e| s(&e))?.tree();
        let evidence = paths.dir.join(lf::DIR);
        fs::create_dir_all(&evidence).map_err(|e| s(&e))?;
        // A recorder checkpoint after each heartbeat (the last one is the
        // sealer's own), each appended to the ledger on its own.
        for size in 2..=tree.size() {
            let root = tree.root_at(size).ok_or("no root")?;
            if size < tree.size() {
                let cp = Checkpoint::new(&origin, size, root);
                let note = recorder.sign(&cp.to_text()).map_err(|e| s(&e))?;
                fs::write(paths.checkpoint_at(size), note).map_err(|e| s(&e))?;
            }
            let line = Leaf {
                origin: origin.clone(),
                size,
                root,
            }
            .to_line();
            ltree.push(tlog::leaf_hash(line.as_bytes()));
            llog.push_str(&line);
            llog.push('\n');
            let lcp = Checkpoint::new(
                LEDGER,
                ltree.size(),
                ltree.root_at(ltree.size()).ok_or("no root")?,
            );
            let text = lcp.to_text();
            let mut signed = lkey.sign(&text).map_err(|e| s(&e))?.into_bytes();
            fs::write(lp.checkpoint_at(lcp.size), &signed).map_err(|e| s(&e))?;
            latest.clone_from(&signed);
            for w in &witnesses {
                signed.extend_from_slice(w.cosignature_line(&text, now).as_bytes());
            }
            fs::write(cosigned.join(format!("{}.note", lcp.size)), &signed).map_err(|e| s(&e))?;
            let index = lcp.size - 1;
            let proof = TlogProof {
                extra: Some(line.into_bytes()),
                index,
                path: ltree.inclusion_proof(index, lcp.size).ok_or("no proof")?,
                checkpoint: signed,
            };
            fs::write(evidence.join(lf::file_name(size)), proof.to_text()).map_err(|e| s(&e))?;
        }
    }
    fs::write(lp.dir.join(lf::LOG), llog).map_err(|e| s(&e))?;
    fs::write(&lp.checkpoint, latest).map_err(|e| s(&e))?;
    println!("recorder {}", recorder.verifier().to_vkey());
    println!("ledger {} ledger", lkey.verifier().to_vkey());
    for w in &witnesses {
        println!("witness {}", w.verifier().to_vkey());
    }
    println!("quorum 2");
    Ok(())
}
