//! The unsigned tail: entries after the latest checkpoint. The sealer signs
//! only what it derived itself, so before a checkpoint covers them each must
//! be shown to be the sealer's own, or correctly signed by someone else:
//!
//! - **Written by this sealer.** Before every append the sealer leaves a
//!   signed note, `courtseal/pending`, naming the log as it stands (size and
//!   root, all vetted) and as it will stand after the append. A run that
//!   stopped before signing its checkpoint is recognised by it: every line up
//!   to a state the note names (matching the log's own tree) is the sealer's.
//! - **Anything after that** is vetted entry by entry: a segment is derived
//!   again from its file (hash, size, media facts, sidecar) and the whole
//!   entry compared byte for byte; an operator event must carry a valid
//!   signature by an operator key (not the recorder's) and not repeat one
//!   already in the log; a record entry must carry a valid signature by a
//!   key other than the recorder's over what its text says, and not repeat one; a recovery entry must name the
//!   layout's own file for the bytes it set aside, holding exactly those
//!   bytes; the session header must name this folder and the fields this
//!   run would write, with an origin a new log may have. Heartbeats,
//!   restarts and closes carry no signature: unless the note vouches for
//!   them they are someone else's, and are refused. The sealing time of a
//!   segment, event or record entry is set by whoever appends the line and
//!   is not signed: one earlier than a time an earlier line states (by more
//!   than 5 s of clock skew), or later than this run's start, was chosen,
//!   and is refused (a backdated event or a late file would otherwise be
//!   signed as sealed at the time).
//!
//! A refusal names the line and why, and nothing is changed.
//!
//! The note's text (never a checkpoint: its second line is not a size):
//!
//! ```text
//! courtseal.pending/v1
//! origin <origin>
//! before <size> <base64 root>
//! after <size> <base64 root>
//! ```

use std::collections::HashSet;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;

use crate::entry::{Entry, SegmentEntry, VERSION};
use crate::log::Log;
use crate::media::MediaOptions;
use crate::note::NoteSigner;
use crate::store::layout::{SessionPaths, TOOL_DIR};
use crate::tlog::{Hash, Tree};

use super::segment::{read_segment, windows_file};
use super::{HeaderFields, SealError};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// First line of the pending note.
pub const PENDING_HEADER: &str = "courtseal.pending/v1";

/// Largest pending note read, in bytes.
const MAX_PENDING_BYTES: u64 = 64 * 1024;

/// Largest sidecar compared when a segment entry is derived again.
const MAX_SIDECAR_BYTES: u64 = 256 << 20;

/// How far (seconds) a sealing time in the unsigned tail may go back
/// before an earlier line's time, or lie ahead of this run's clock: the
/// clock skew allowed between the machines that append to one log.
const SEALING_CLOCK_SKEW_SECS: i64 = 5;

/// `courtseal/pending`.
pub fn pending_file(paths: &SessionPaths) -> std::path::PathBuf {
    paths.dir.join("pending")
}

fn pending_text(origin: &str, before: (u64, &Hash), after: (u64, &Hash)) -> String {
    format!(
        "{PENDING_HEADER}\norigin {origin}\nbefore {} {}\nafter {} {}\n",
        before.0,
        B64.encode(before.1),
        after.0,
        B64.encode(after.1)
    )
}

/// Leaves the pending note for an append that takes the log from `before`
/// (vetted) to `after`, durably, before the append.
pub(super) fn write_pending(
    paths: &SessionPaths,
    signer: &NoteSigner,
    origin: &str,
    before: &Tree,
    after: &Tree,
) -> Result<(), SealError> {
    let text = pending_text(
        origin,
        (before.size(), &before.root()),
        (after.size(), &after.root()),
    );
    let note = signer.sign(&text).map_err(|e| SealError::Mismatch {
        path: paths.log.clone(),
        what: format!("the origin cannot be signed in a note: {e}"),
    })?;
    let target = pending_file(paths);
    let io_at = |p: &Path| {
        let p = p.to_owned();
        move |source| SealError::Io { path: p, source }
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&paths.dir).map_err(io_at(&paths.dir))?;
    tmp.write_all(note.as_bytes()).map_err(io_at(tmp.path()))?;
    tmp.as_file().sync_all().map_err(io_at(tmp.path()))?;
    // A rename replaces whatever has the name (a link included) and never
    // writes through it.
    tmp.persist(&target).map_err(|e| SealError::Io {
        path: target.clone(),
        source: e.error,
    })?;
    super::sync_dir(&paths.dir)
}

/// Removes the pending note once a checkpoint covers everything it names.
pub(super) fn remove_pending(paths: &SessionPaths) {
    let _ = fs::remove_file(pending_file(paths));
}

/// The states the pending note vouches for, when it opens with this
/// sealer's key and names this origin.
fn read_pending(paths: &SessionPaths, signer: &NoteSigner, origin: &str) -> Vec<(u64, Hash)> {
    let Ok(bytes) = paths.read(&format!("{TOOL_DIR}/pending"), MAX_PENDING_BYTES) else {
        return Vec::new();
    };
    let Ok(opened) = crate::note::open(&bytes, std::slice::from_ref(signer.verifier())) else {
        return Vec::new();
    };
    let mut lines = opened.text.lines();
    if lines.next() != Some(PENDING_HEADER)
        || lines.next() != Some(format!("origin {origin}").as_str())
    {
        return Vec::new();
    }
    let mut states = Vec::new();
    for (line, tag) in lines.zip(["before", "after"]) {
        let mut parts = line.split(' ');
        let (Some(t), Some(size), Some(root), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Vec::new();
        };
        let size = size.parse::<u64>().ok();
        let root = B64
            .decode(root)
            .ok()
            .and_then(|r| <Hash>::try_from(r.as_slice()).ok());
        match (t == tag, size, root) {
            (true, Some(s), Some(r)) => states.push((s, r)),
            _ => return Vec::new(),
        }
    }
    states
}

/// What vetting needs to know about the session and this run.
pub(super) struct Vetting<'a> {
    pub paths: &'a SessionPaths,
    pub log: &'a Log,
    pub tree: &'a Tree,
    pub signer: &'a NoteSigner,
    pub fields: &'a HeaderFields,
    pub media: &'a MediaOptions,
    /// The name this run gives the session folder in a new header.
    pub session_name: String,
}

/// Checks every entry after the latest checkpoint (`signed` entries are
/// covered) as described in the module documentation.
pub(super) fn vet_unsigned(v: &Vetting<'_>, signed: u64) -> Result<(), SealError> {
    let size = v.tree.size();
    if signed >= size {
        return Ok(());
    }
    let origin = v.log.header().map(|h| h.origin.clone()).unwrap_or_default();
    let mut vetted = signed;
    for (s, root) in read_pending(v.paths, v.signer, &origin) {
        if s > vetted && v.tree.root_at(s) == Some(root) {
            vetted = s;
        }
    }
    let recorder = v.signer.verifier().to_vkey();
    let mut names: HashSet<&str> = HashSet::new();
    let mut notes: HashSet<&str> = HashSet::new();
    let mut seq = 0u64;
    let mut offset = 0u64;
    // The latest time an earlier line states: a sealing time is set by
    // whoever appends the line, so one that goes back before it (beyond the
    // clock skew allowed between machines) or lies ahead of this run's
    // clock was chosen, not taken when the line was appended.
    let mut latest: Option<time::OffsetDateTime> = None;
    let started = time::OffsetDateTime::now_utc();
    for line in &v.log.lines {
        let refuse = |why: String| SealError::Unvouched {
            path: v.paths.log.clone(),
            line: line.number,
            kind: line
                .entry
                .as_ref()
                .map_or("invalid", |e| e.kind())
                .to_owned(),
            why,
        };
        let entry = line
            .entry
            .as_ref()
            .map_err(|e| refuse(format!("it is not a valid entry ({e})")))?;
        let check = line.number as u64 > vetted;
        let stated = crate::time::UtcTime::parse(entry.time())
            .ok()
            .map(|t| t.instant());
        match entry {
            Entry::Session(h) if check => {
                if line.number != 1 {
                    return Err(refuse("a session header can only be the first line".into()));
                }
                // No checkpoint covers it: a new log, which gets only an
                // origin a checkpoint (and a witness) can carry.
                if let Err(e) = crate::format::origin::Origin::new(&h.origin) {
                    return Err(refuse(format!("its origin {:?} is refused: {e}", h.origin)));
                }
                let want = [
                    ("session", Some(&v.session_name), Some(&h.session)),
                    ("court", v.fields.court.as_ref(), h.court.as_ref()),
                    (
                        "courtroom",
                        v.fields.courtroom.as_ref(),
                        h.courtroom.as_ref(),
                    ),
                    ("case", v.fields.case.as_ref(), h.case.as_ref()),
                    ("judge", v.fields.judge.as_ref(), h.judge.as_ref()),
                    (
                        "secretary",
                        v.fields.secretary.as_ref(),
                        h.secretary.as_ref(),
                    ),
                    ("previous", v.fields.previous.as_ref(), h.previous.as_ref()),
                ];
                if let Some((field, mine, theirs)) = want.iter().find(|(_, a, b)| a != b) {
                    return Err(refuse(format!(
                        "its {field} is {} where this run would write {}",
                        shown(*theirs),
                        shown(*mine)
                    )));
                }
            }
            Entry::Segment(s) => {
                if check {
                    vet_segment(v, s, seq + 1, &line.bytes, &names).map_err(refuse)?;
                }
                names.insert(s.name.as_str());
                seq = seq.max(s.seq);
            }
            Entry::Event(e) => {
                if check {
                    let key = crate::event::check_event(e, &origin).map_err(|err| {
                        refuse(format!("its operator signature does not check: {err}"))
                    })?;
                    if key.to_vkey() == recorder {
                        return Err(refuse(
                            "it is signed by the recorder key, which never signs an operator's event"
                                .into(),
                        ));
                    }
                    if notes.contains(e.note.as_str()) {
                        return Err(refuse(
                            "it repeats an event already in the log (a replayed signature)".into(),
                        ));
                    }
                }
                notes.insert(e.note.as_str());
            }
            Entry::Recovery(r) if check => {
                let want = format!("{TOOL_DIR}/torn/{}", r.offset);
                if r.saved_as != want {
                    return Err(refuse(format!(
                        "it names {:?} for the bytes it set aside; the sealer keeps them only as {want:?}",
                        r.saved_as
                    )));
                }
                if r.offset != offset && !(line.number == 2 && r.offset == 0) {
                    return Err(refuse(format!(
                        "it says an incomplete line began at byte {}, but it follows a log of {offset} bytes",
                        r.offset
                    )));
                }
                // Through the session's door: a link or FIFO is never read.
                let kept = crate::format::entry::check_segment_name(&r.saved_as)
                    .ok()
                    .and_then(|()| v.paths.read(&r.saved_as, r.length).ok());
                let holds = kept.is_some_and(|b| {
                    b.len() as u64 == r.length && crate::digest::Sha256Digest::of(&b) == r.sha256
                });
                if !holds {
                    return Err(refuse(format!(
                        "{} is not a regular file holding the {} bytes it describes",
                        r.saved_as, r.length
                    )));
                }
            }
            Entry::Heartbeat(_) | Entry::Restart(_) | Entry::Close(_) if check => {
                return Err(refuse(
                    "it is a sealing service's own entry, carries no signature, and this sealer has no record of writing it".into(),
                ));
            }
            Entry::Record(r) if check => {
                let rec = crate::record::parse(&r.record).map_err(|_| {
                    refuse("the record text it carries is not a valid short-form record".into())
                })?;
                let fields = crate::record::sealed::fields_of(&rec).map_err(&refuse)?;
                let key =
                    crate::format::statement::check_record(r, &origin, &fields).map_err(|err| {
                        refuse(format!("its operator signature does not check: {err}"))
                    })?;
                if key.to_vkey() == recorder {
                    return Err(refuse(
                        "it is signed by the recorder key, which never signs a court's record"
                            .into(),
                    ));
                }
                if notes.contains(r.note.as_str()) {
                    return Err(refuse(
                        "it repeats a record already in the log (a replayed signature)".into(),
                    ));
                }
                notes.insert(r.note.as_str());
            }
            Entry::Retire(_) if check => {
                return Err(refuse(
                    "a retirement is covered only by its archivist's checkpoint; the recorder never signs it".into(),
                ));
            }
            _ => {}
        }
        // Checked after what the entry says, so that a refusal names the
        // plainest reason.
        if check
            && matches!(
                entry,
                Entry::Segment(_) | Entry::Event(_) | Entry::Record(_)
            )
        {
            let skew = time::Duration::seconds(SEALING_CLOCK_SKEW_SECS);
            let Some(at) = stated else {
                return Err(refuse(format!(
                    "its sealing time {:?} is not a valid time",
                    entry.time()
                )));
            };
            if let Some(before) = latest.filter(|&b| b.checked_sub(skew).is_some_and(|b| at < b)) {
                return Err(refuse(format!(
                    "its sealing time {} is before the time of an earlier line ({}): a sealing time is set when the line is appended, never chosen",
                    entry.time(),
                    before
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default()
                )));
            }
            if started.checked_add(skew).is_some_and(|n| at > n) {
                return Err(refuse(format!(
                    "its sealing time {} is after this run started",
                    entry.time()
                )));
            }
        }
        if let Some(at) = stated {
            latest = Some(latest.map_or(at, |l| l.max(at)));
        }
        offset += line.bytes.len() as u64 + 1;
    }
    Ok(())
}

fn shown(v: Option<&String>) -> String {
    v.map_or_else(|| "absent".into(), |s| format!("{s:?}"))
}

/// Derives the entry of segment `s` again from its file and compares it
/// with the line as stored, byte for byte.
fn vet_segment(
    v: &Vetting<'_>,
    s: &SegmentEntry,
    seq: u64,
    stored: &[u8],
    names: &HashSet<&str>,
) -> Result<(), String> {
    if names.contains(s.name.as_str()) {
        return Err(format!("{} is sealed already by an earlier line", s.name));
    }
    if s.seq != seq {
        return Err(format!(
            "its sequence number is {} where the next one is {seq}",
            s.seq
        ));
    }
    if crate::store::layout::RECORD_FILES.contains(&s.name.as_str())
        || s.name == TOOL_DIR
        || s.name.starts_with(&format!("{TOOL_DIR}/"))
    {
        return Err(format!("it names {}, which is never a segment", s.name));
    }
    // The window length the entry states is used, so that an entry
    // sealed with another --window is derived as it was.
    let mut opts = *v.media;
    if let Some(w) = s.media.as_ref().and_then(|m| m.windows.as_ref()) {
        opts.window_seconds = w.seconds;
    }
    let reading = read_segment(&v.paths.source(), &s.name, seq, &opts, None)
        .map_err(|e| format!("its file {} {e}", s.name))?;
    if reading.size != s.size || reading.sha256 != s.sha256 {
        return Err(format!(
            "its file {} does not hold the bytes it states (size or SHA-256 differ)",
            s.name
        ));
    }
    let rel = windows_file(seq);
    if let Some(want) = &reading.sidecar {
        let have = v.paths.read(&rel, MAX_SIDECAR_BYTES).ok();
        if have.as_deref() != Some(want.as_slice()) {
            return Err(format!(
                "its packet-window sidecar {rel} is not what the file gives"
            ));
        }
    }
    let derived = SegmentEntry {
        v: VERSION,
        kind: "segment".into(),
        seq,
        name: s.name.clone(),
        size: reading.size,
        sha256: reading.sha256,
        sealed_at: s.sealed_at.clone(),
        media: Some(reading.facts),
    };
    let line = crate::entry::to_line(&derived);
    if line != stored {
        return Err(format!(
            "it is not the entry derived from its file {} (they differ in {})",
            s.name,
            differing_fields(stored, &line)
        ));
    }
    Ok(())
}

/// The top-level (and `media`) fields where two entry lines differ.
fn differing_fields(stored: &[u8], derived: &[u8]) -> String {
    use serde_json::Value;
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (
        serde_json::from_slice::<Value>(stored),
        serde_json::from_slice::<Value>(derived),
    ) else {
        return "not the same JSON".into();
    };
    let mut out = Vec::new();
    let keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    let mut seen = HashSet::new();
    for k in keys {
        if !seen.insert(k) {
            continue;
        }
        match (a.get(k), b.get(k)) {
            (Some(Value::Object(x)), Some(Value::Object(y))) if k == "media" => {
                let mut mk: Vec<&String> = x.keys().chain(y.keys()).collect();
                mk.sort();
                mk.dedup();
                for m in mk {
                    if x.get(m) != y.get(m) {
                        out.push(format!("media.{m}"));
                    }
                }
            }
            (x, y) if x != y => out.push(k.clone()),
            _ => {}
        }
    }
    if out.is_empty() {
        "field order or spelling".into()
    } else {
        out.join(", ")
    }
}
