//! BagIt (RFC 8493) bags as courtseal exports them, read back: whether a
//! folder is one, and whether its manifests still hold. The layout:
//!
//! ```text
//! BAG/bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
//! BAG/data/...        the payload: the recording files and the short-form record
//! BAG/courtseal/...   tag files: the session's log, checkpoints and packet windows
//! ```

use std::path::Path;

use crate::finding::{Code, Finding};
use crate::store::layout::{self, TOOL_DIR};
use crate::store::source::{read_io, Kind, LocalSession, SessionSource};

/// The payload folder of a bag.
pub const PAYLOAD_DIR: &str = "data";

/// Why a payload name cannot be written so that `bagit` (bagit-python)
/// reads it back as the same name, if it cannot.
pub fn name_not_round_trippable(name: &str) -> Option<&'static str> {
    if name.contains('%') {
        return Some("it holds a '%', which RFC 8493 writes as %25 in a manifest and the bagit tool does not decode");
    }
    // Python's str.strip() removes these at the end of a manifest line.
    let py_space = |c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c);
    if name.chars().next_back().is_some_and(py_space) {
        return Some("it ends in whitespace, which the bagit tool strips from a manifest line");
    }
    None
}

/// True when `root` is laid out as a bag courtseal exported: `bagit.txt`,
/// `data/` and `courtseal/log.jsonl`, none of them a link.
pub fn is_bag(root: &Path) -> bool {
    is_bag_in(&LocalSession::new(root))
}

/// [`is_bag`] of a session read through its door.
pub fn is_bag_in(source: &dyn SessionSource) -> bool {
    let is = |rel: &str, dir: bool| {
        source.stat(rel).is_ok_and(|k| match k {
            Some(Kind::Folder) => dir,
            Some(Kind::File(_)) => !dir,
            _ => false,
        })
    };
    is("bagit.txt", false) && is(PAYLOAD_DIR, true) && is(&format!("{TOOL_DIR}/log.jsonl"), false)
}

/// Largest tag file (bagit.txt, bag-info.txt, a manifest) read, in bytes.
const MAX_TAG_BYTES: u64 = 64 << 20;

fn decode_manifest_path(p: &str) -> String {
    p.replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%25", "%")
}

/// Reads a manifest: (path, hex SHA-256) per line, or a finding.
#[allow(clippy::result_large_err)] // a finding is the error; one per manifest
fn read_manifest(source: &dyn SessionSource, name: &str) -> Result<Vec<(String, String)>, Finding> {
    let bad = |what: String| Finding::error(Code::BagInvalid, name, what);
    let bytes =
        read_io(source, name, MAX_TAG_BYTES).map_err(|e| bad(format!("cannot be read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| bad("is not UTF-8".into()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some((hash, path)) = line.split_once(' ') else {
            return Err(bad(format!("line {}: not 'CHECKSUM PATH'", i + 1)));
        };
        let path = path.trim_start_matches(' ');
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) || path.is_empty() {
            return Err(bad(format!("line {}: not 'SHA-256 PATH'", i + 1)));
        }
        out.push((decode_manifest_path(path), hash.to_ascii_lowercase()));
    }
    Ok(out)
}

/// Checks the bag's own structure: `bagit.txt`, every payload file listed
/// in `manifest-sha256.txt` with its hash and nothing listed that is not
/// there, `Payload-Oxum`, and the tag files of `tagmanifest-sha256.txt`.
/// The session inside is verified separately (the segments against the
/// sealed log). Files an operating system dropped into `data/` later are
/// left to that verification (reported there as not part of the evidence).
pub fn check_bag(root: &Path) -> Vec<Finding> {
    check_bag_in(&LocalSession::new(root))
}

/// The UTF-8 text of the tag file `rel`.
fn tag_text(source: &dyn SessionSource, rel: &str) -> std::io::Result<String> {
    String::from_utf8(read_io(source, rel, MAX_TAG_BYTES)?).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{rel}: not UTF-8 text"),
        )
    })
}

/// The SHA-256 and size of the regular file `rel`, streamed from the
/// handle checked to be one.
fn hash_in(
    source: &dyn SessionSource,
    rel: &str,
) -> std::io::Result<(crate::digest::Sha256Digest, u64)> {
    let f = source
        .open(rel)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    crate::digest::hash_reader(&f.file)
}

/// [`check_bag`] of a bag read through its door: no file is read through
/// a link or from a FIFO.
pub fn check_bag_in(source: &dyn SessionSource) -> Vec<Finding> {
    let mut findings = Vec::new();
    match tag_text(source, "bagit.txt") {
        Ok(t) if t.lines().any(|l| l.starts_with("BagIt-Version: ")) => {}
        Ok(_) => findings.push(Finding::error(
            Code::BagInvalid,
            "bagit.txt",
            "has no BagIt-Version line: not a bag",
        )),
        Err(e) => findings.push(Finding::error(
            Code::BagInvalid,
            "bagit.txt",
            format!("cannot be read: {e}"),
        )),
    }
    // Every regular file under data/, by its name relative to the bag.
    let mut found = Vec::new();
    crate::store::source::files_below(source, PAYLOAD_DIR, &mut found);
    let files: std::collections::BTreeSet<String> = found.into_iter().collect();
    let mut oxum = (0u64, 0u64);
    match read_manifest(source, "manifest-sha256.txt") {
        Err(f) => findings.push(f),
        Ok(entries) => {
            let listed: std::collections::HashSet<&str> =
                entries.iter().map(|(p, _)| p.as_str()).collect();
            for (path, want) in &entries {
                let full = files.get(path.as_str());
                match full.map(|p| hash_in(source, p)) {
                    None => findings.push(Finding::error(
                        Code::BagManifestMismatch,
                        path,
                        "is listed in manifest-sha256.txt but is not in the bag",
                    )),
                    Some(Err(e)) => findings.push(Finding::error(
                        Code::BagManifestMismatch,
                        path,
                        format!("cannot be read: {e}"),
                    )),
                    Some(Ok((d, n))) => {
                        oxum = (oxum.0.saturating_add(n), oxum.1 + 1);
                        if d.to_hex() != *want {
                            findings.push(Finding::error(
                                Code::BagManifestMismatch,
                                path,
                                "does not match its SHA-256 in manifest-sha256.txt: the bag's payload was changed after export",
                            ));
                        }
                    }
                }
            }
            for path in &files {
                let own = path.strip_prefix("data/").unwrap_or(path);
                if !listed.contains(path.as_str()) && !layout::is_os_dropping(own) {
                    findings.push(Finding::error(
                        Code::BagManifestMismatch,
                        path,
                        "is in the bag's payload but not in manifest-sha256.txt: it was added after export",
                    ));
                }
            }
        }
    }
    if let Ok(info) = tag_text(source, "bag-info.txt") {
        let want = format!("{}.{}", oxum.0, oxum.1);
        if let Some(v) = info.lines().find_map(|l| l.strip_prefix("Payload-Oxum: ")) {
            if v.trim() != want && findings.is_empty() {
                findings.push(Finding::error(
                    Code::BagManifestMismatch,
                    "bag-info.txt",
                    format!(
                        "Payload-Oxum is {}, but the payload listed is {want} (bytes.files)",
                        v.trim()
                    ),
                ));
            }
        }
    }
    match read_manifest(source, "tagmanifest-sha256.txt") {
        Err(f) => findings.push(f),
        Ok(entries) => {
            for (path, want) in &entries {
                let ok = entry_check_name(path)
                    .then(|| hash_in(source, path).ok())
                    .flatten();
                match ok {
                    Some((d, _)) if d.to_hex() == *want => {}
                    Some(_) => findings.push(Finding::error(
                        Code::BagManifestMismatch,
                        path,
                        "does not match its SHA-256 in tagmanifest-sha256.txt: a tag file was changed after export",
                    )),
                    None => findings.push(Finding::error(
                        Code::BagManifestMismatch,
                        path,
                        "is listed in tagmanifest-sha256.txt but is not a regular file in the bag",
                    )),
                }
            }
        }
    }
    findings
}

fn entry_check_name(p: &str) -> bool {
    crate::format::entry::check_segment_name(p).is_ok()
}
