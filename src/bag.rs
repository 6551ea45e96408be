//! Exporting a session as a BagIt bag (RFC 8493) for long-term storage: the
//! recording files and the short-form record as payload under `data/`, the
//! courtseal log, checkpoints and packet windows as tag files under
//! `courtseal/`, with SHA-256 manifests for both.
//!
//! Written here rather than with a crate: the format is a few text files,
//! and the payload must be copied while hashed and checked against the
//! sealed hashes, which no BagIt crate does.
//!
//! Export vouches for every payload file: the session is verified first
//! (strictly: only byte-identical segments) against the trusted keys, and a
//! session with any error finding (a missing or changed segment, a file not
//! sealed, no trusted checkpoint, ...) is refused with the findings named.
//! Files an operating system or editor dropped (`Thumbs.db`, `.DS_Store`,
//! ...) are left out. Names that the Library of Congress `bagit` tool reads
//! back differently (a `%`, which RFC 8493 percent-encodes but `bagit`
//! does not decode; whitespace at the end, which it strips) are refused.
//!
//! A bag courtseal exported is verified as a bag ([`is_bag`],
//! [`check_bag`]): `courtseal verify BAG` and `audit` check its manifests
//! and then the session inside it, the recording under `data/`.

use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::finding::Severity;
use crate::keys::TrustStore;
use crate::session::{Log, ScanItem, SessionPaths, TOOL_DIR};
pub use crate::store::bagit::{check_bag, is_bag, name_not_round_trippable, PAYLOAD_DIR};
use crate::store::source::{LocalSession, SessionSource as _};
use crate::verify::{self, SegmentState, VerifyOptions};

/// Why a bag was not written.
#[derive(Debug, thiserror::Error)]
pub enum BagError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The output exists.
    #[error("{0}: already exists; a bag is never written over anything")]
    Exists(PathBuf),
    /// A payload file does not match its sealed hash.
    #[error("{0}: does not match its sealed SHA-256; refusing to export a damaged recording (verify the session)")]
    Mismatch(String),
    /// The session does not verify well enough to be vouched for.
    #[error("{session}: refusing to export what cannot be vouched for: {what}")]
    Refused {
        /// The session.
        session: PathBuf,
        /// What is wrong, naming each file or finding.
        what: String,
    },
    /// The session cannot be examined.
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BagError + '_ {
    move |source| BagError::Io {
        path: path.to_owned(),
        source,
    }
}

/// RFC 8493 §2.1.3: CR, LF and % in a manifest path are percent-encoded.
fn manifest_path(p: &str) -> String {
    p.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Copies the session's file `rel` to `to` while hashing; returns (hex
/// SHA-256, bytes). The file is read through the session's door: never
/// through a link, never a FIFO.
fn copy_hashed(source: &LocalSession, rel: &str, to: &Path) -> Result<(String, u64), BagError> {
    if let Some(d) = to.parent() {
        fs::create_dir_all(d).map_err(io(d))?;
    }
    let from = source.root().join(rel);
    let from = from.as_path();
    let mut src = source
        .open(rel)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
        .map_err(io(from))?
        .file;
    let mut dst = fs::File::create(to).map_err(io(to))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = src.read(&mut buf).map_err(io(from))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        dst.write_all(&buf[..k]).map_err(io(to))?;
        n += k as u64;
    }
    dst.sync_all().map_err(io(to))?;
    Ok((hex::encode(h.finalize()), n))
}

/// What the export wrote.
#[derive(Debug)]
pub struct Bag {
    /// The bag folder.
    pub path: PathBuf,
    /// Payload files.
    pub files: usize,
    /// Payload bytes.
    pub bytes: u64,
    /// Files left out as not part of the evidence (OS or editor droppings).
    pub left_out: Vec<String>,
}

/// Writes the session at `root` as a bag at `out` (which must not exist).
/// Sealed segments must match their sealed hashes.
pub fn export(
    root: &Path,
    out: &Path,
    trust: &TrustStore,
    version: &str,
    today: &str,
) -> Result<Bag, BagError> {
    if out.exists() {
        return Err(BagError::Exists(out.to_owned()));
    }
    let refuse = |what: String| BagError::Refused {
        session: root.to_owned(),
        what,
    };
    if is_bag(root) {
        return Err(refuse(
            "it is already a bag (copy the bag itself; verify it with courtseal verify)".into(),
        ));
    }
    // Vouch first: the session verifies, strictly, against the trusted keys.
    let report = verify::verify_session(
        root,
        trust,
        VerifyOptions {
            check_media: true,
            strict: true,
        },
    )?;
    if report.verified_size == 0 {
        return Err(refuse(
            "no trusted checkpoint covers its log, so nothing in it is proven sealed".into(),
        ));
    }
    let errors: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{} {}", f.code, f.location))
        .collect();
    if !errors.is_empty() {
        return Err(refuse(format!(
            "{} error finding(s): {} (run courtseal verify)",
            errors.len(),
            errors.join("; ")
        )));
    }
    let left_out: Vec<String> = report
        .segments
        .iter()
        .filter(|s| s.state == SegmentState::NotEvidence)
        .map(|s| s.name.clone())
        .collect();
    let vouched: std::collections::HashSet<&str> = report
        .segments
        .iter()
        .filter(|s| s.state == SegmentState::Ok)
        .map(|s| s.name.as_str())
        .collect();
    if let Some((name, why)) = vouched
        .iter()
        .find_map(|n| name_not_round_trippable(n).map(|w| (n, w)))
    {
        return Err(refuse(format!(
            "the file name {name:?} cannot be written in a bag that the bagit tool reads back: {why}"
        )));
    }
    let paths = SessionPaths::new(root);
    let source = paths.source();
    let log = Log::read_from(&source).map_err(io(&paths.log))?;
    let sealed: std::collections::HashMap<&str, crate::digest::Sha256Digest> = log
        .segments()
        .filter(|(_, s)| vouched.contains(s.name.as_str()))
        .map(|(_, s)| (s.name.as_str(), s.sha256))
        .collect();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".bag-")
        .tempdir_in(&parent)
        .map_err(io(&parent))?;
    let bag = tmp.path();

    // Payload: every segment file and the record, checked while copied.
    let mut manifest = String::new();
    let (mut files, mut bytes) = (0usize, 0u64);
    // Only what verification vouched for; a file that appeared since is
    // not in the payload.
    let mut payload: Vec<String> = crate::store::source::scan(&source, None)
        .into_iter()
        .filter_map(|i| match i {
            ScanItem::File { name, .. } if sealed.contains_key(name.as_str()) => Some(name),
            _ => None,
        })
        .collect();
    if let Some((name, _)) = crate::store::source::record_in(&source, root).map_err(io(root))? {
        payload.push(name.to_owned());
    }
    payload.sort();
    if payload
        .iter()
        .filter(|n| sealed.contains_key(n.as_str()))
        .count()
        != sealed.len()
    {
        return Err(refuse(
            "a sealed segment disappeared while it was exported".into(),
        ));
    }
    for name in &payload {
        let (hash, n) = copy_hashed(&source, name, &bag.join("data").join(name))?;
        if let Some(want) = sealed.get(name.as_str()) {
            // Checked on the bytes copied: a file changed since it was
            // verified is never exported.
            if want.to_hex() != hash {
                return Err(BagError::Mismatch(name.clone()));
            }
        }
        manifest.push_str(&format!("{hash}  data/{}\n", manifest_path(name)));
        files += 1;
        bytes += n;
    }
    fs::create_dir_all(bag.join("data")).map_err(io(bag))?;

    // Tag files: the courtseal folder (log, checkpoints, windows).
    let mut tagmanifest = String::new();
    let mut tags = Vec::new();
    crate::store::source::files_below(&source, TOOL_DIR, &mut tags);
    tags.retain(|p| {
        let n = p.rsplit('/').next().unwrap_or("");
        n != "lock" && !n.starts_with(".tmp")
    });
    // In path order (component by component), as before.
    tags.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    for rel in &tags {
        let (hash, _) = copy_hashed(&source, rel, &bag.join(rel))?;
        tagmanifest.push_str(&format!("{hash}  {}\n", manifest_path(rel)));
    }
    let header = log.header();
    let mut info = format!(
        "Bag-Software-Agent: courtseal {version}\nBagging-Date: {today}\nPayload-Oxum: {bytes}.{files}\n"
    );
    if let Some(h) = header {
        info.push_str(&format!("External-Identifier: {}\n", h.origin));
        if let Some(c) = &h.court {
            info.push_str(&format!("Source-Organization: {c}\n"));
        }
        if let Some(c) = &h.case {
            info.push_str(&format!("External-Description: court session recording, case {c}, sealed with courtseal (log and checkpoints in courtseal/)\n"));
        }
    }
    let write = |name: &str, text: &str| -> Result<String, BagError> {
        let p = bag.join(name);
        fs::write(&p, text).map_err(io(&p))?;
        Ok(hex::encode(Sha256::digest(text.as_bytes())))
    };
    let bagit = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
    for (name, text) in [
        ("bagit.txt", bagit),
        ("bag-info.txt", info.as_str()),
        ("manifest-sha256.txt", manifest.as_str()),
    ] {
        let h = write(name, text)?;
        tagmanifest.push_str(&format!("{h}  {name}\n"));
    }
    write("tagmanifest-sha256.txt", &tagmanifest)?;
    let kept = tmp.keep();
    fs::rename(&kept, out).map_err(io(out))?;
    Ok(Bag {
        path: out.to_owned(),
        files,
        bytes,
        left_out,
    })
}
