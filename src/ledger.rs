//! A courtroom's ledger (`docs/formats.md`, "Ledger"): a long-lived log
//! whose leaves are the session checkpoints the recorder signed, under one
//! stable origin and a key named after it. The sealer appends each new
//! session checkpoint to it, signs the ledger checkpoint, and keeps in the
//! session the inclusion proof with that checkpoint, so the session alone
//! carries the ledger's evidence. The ledger's checkpoints, not the
//! session's, are what the witnesses are given. Nothing here ever stops a
//! session being sealed: what went wrong is a message for a
//! `ledger.unreachable` line.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::format::checkpoint::Checkpoint;
use crate::format::ledger::{self as lf, Leaf};
use crate::format::origin::Origin;
use crate::log::Log;
use crate::note::{self, NoteSigner, Verifier};
use crate::proof::TlogProof;
use crate::store::folder::OpenedFolder;
use crate::store::layout::SessionPaths;
use crate::store::source::Kind;
use crate::timestamp::TrustedTsa;
use crate::tlog::{self, Tree};
use crate::trust::TrustedWitness;
use crate::witness::Submission;

/// How long an append waits for another sealer holding the ledger's lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// A ledger as the sealer is given it: its folder and key.
pub struct Ledger {
    /// The ledger folder.
    pub root: PathBuf,
    paths: SessionPaths,
    signer: NoteSigner,
    origin: String,
    tsas: Vec<TrustedTsa>,
}

/// The ledger's checkpoint after one append, and what it covers.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The session checkpoint sizes appended, each with its evidence file.
    pub sessions: Vec<(u64, PathBuf)>,
    /// The ledger checkpoint signed over them.
    pub checkpoint: Checkpoint,
    /// Its signed note.
    pub signed: Vec<u8>,
    /// The ledger's tree at that size.
    pub tree: Tree,
    /// The session folder the evidence was written into.
    pub session: PathBuf,
    /// Lines for a person: evidence files that could not be written.
    pub unwritten: Vec<String>,
}

/// The ledger's register of sessions whose evidence holds no cosignature
/// yet, inside the ledger's tool folder (`docs/formats.md`, "Ledger").
pub const PENDING_DIR: &str = "pending";

/// Largest register entry read (a session folder's path and a newline).
const MAX_PENDING_BYTES: u64 = 4096;

/// One evidence file of a session moved onto a later, cosigned ledger
/// checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// The session checkpoint size (the file `courtseal/ledger/SIZE.proof`).
    pub size: u64,
    /// The size of the ledger checkpoint the evidence held before.
    pub from: u64,
    /// The size of the cosigned ledger checkpoint it is now against.
    pub to: u64,
    /// Whether the new evidence was written beside the kept file
    /// (`SIZE.LEDGER-SIZE.proof`) rather than in its place.
    pub beside: bool,
    /// How many of the ledger's timestamp tokens over the new ledger
    /// checkpoint were copied beside it, or why none could be.
    pub tokens: Result<usize, String>,
}

fn shown(p: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", p.display())
}

fn linked(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// The session's `courtseal/ledger/` below `root` (followed as given
/// when `follow_root`, never through a link below it), opened once; made
/// when `create`. `None` when it is not there.
fn evidence_folder(root: &Path, create: bool) -> Result<Option<OpenedFolder>, String> {
    evidence_folder_at(root, true, create).map_err(|e| e.to_string())
}

fn evidence_folder_at(
    root: &Path,
    follow_root: bool,
    create: bool,
) -> std::io::Result<Option<OpenedFolder>> {
    OpenedFolder::open(
        root,
        follow_root,
        &[crate::store::layout::TOOL_DIR, lf::DIR],
        create,
    )
}

impl Ledger {
    /// The ledger at `root` signed by `key` (whatever its file's name: the
    /// ledger key is named after the origin). A new ledger needs `origin`;
    /// an existing one must have it. The recorder's key is refused.
    pub fn open(
        root: &Path,
        key: &NoteSigner,
        origin: Option<&str>,
        recorder: &Verifier,
    ) -> Result<Ledger, String> {
        if key.verifier().key() == recorder.key() {
            return Err(format!(
                "{}: the ledger key is the recorder key; a ledger needs its own key (one key, one kind of checkpoint)",
                root.display()
            ));
        }
        let paths = SessionPaths::new(root);
        let origin_file = paths.dir.join("origin");
        let kept = match crate::store::layout::read_regular(&origin_file, 4096) {
            Ok(b) => Some(
                String::from_utf8(b)
                    .ok()
                    .and_then(|s| s.strip_suffix('\n').map(str::to_owned))
                    .ok_or_else(|| {
                        format!(
                            "{}: not an origin line; the ledger is damaged",
                            origin_file.display()
                        )
                    })?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("{}: {e}", origin_file.display())),
        };
        let origin = match (kept, origin) {
            (Some(k), Some(o)) if k != o => {
                return Err(format!(
                    "{}: this ledger's origin is {k:?}, not {o:?}",
                    root.display()
                ))
            }
            (Some(k), _) => k,
            (None, Some(o)) => o.to_owned(),
            (None, None) => {
                return Err(format!(
                    "{}: no ledger here yet; a new ledger needs --ledger-origin (e.g. court.example/district2/courtroom5)",
                    root.display()
                ))
            }
        };
        Origin::new(&origin).map_err(|e| format!("ledger origin {origin:?}: {e}"))?;
        let signer = key
            .renamed(&origin)
            .map_err(|e| format!("ledger origin {origin:?}: {e}"))?;
        Ok(Ledger {
            root: root.to_owned(),
            paths,
            signer,
            origin,
            tsas: Vec::new(),
        })
    }

    /// The TSAs asked for tokens over this ledger's checkpoints (the
    /// policy's `tsa` lines); none unless given.
    pub fn with_tsas(self, tsas: Vec<TrustedTsa>) -> Ledger {
        Ledger { tsas, ..self }
    }

    /// Asks each TSA without a token over the ledger checkpoint of `a` for
    /// one, keeps it in `LEDGER/courtseal/timestamps/`, and copies every
    /// valid token over that checkpoint beside the evidence written into
    /// the session (`<evidence>.<n>.tsr`, `docs/formats.md`, "Ledger
    /// timestamps"). Lines for a person, one per TSA; never an error.
    pub fn stamp(&self, a: &Appended) -> Vec<String> {
        if self.tsas.is_empty() {
            return Vec::new();
        }
        let size = a.checkpoint.size;
        let folder = format!(
            "{}",
            self.paths.dir.join(crate::format::timestamp::DIR).display()
        );
        let mut out: Vec<String> =
            crate::timestamp::stamp_checkpoint(&self.paths, &a.checkpoint, &self.tsas)
                .iter()
                .map(|s| {
                    format!(
                        "ledger {}: {}",
                        self.origin,
                        crate::timestamp::describe_as(s, "ledger checkpoint", size, &folder)
                    )
                })
                .collect();
        let tokens = self.tokens_over(&a.checkpoint);
        if tokens.is_empty() || a.sessions.is_empty() {
            return out;
        }
        let copied = evidence_folder(&a.session, false).and_then(|f| {
            let f = f.ok_or_else(|| {
                format!(
                    "{}: the ledger evidence folder is gone",
                    a.session.display()
                )
            })?;
            let _lock = f.lock().map_err(|e| e.to_string())?;
            let mut n = 0;
            for (s, _) in &a.sessions {
                n += put_tokens(&f, &lf::file_name(*s), &a.checkpoint, &tokens)?;
            }
            Ok(n)
        });
        match copied {
            Ok(0) => {}
            Ok(n) => out.push(format!(
                "ledger {}: {n} timestamp token(s) over the ledger checkpoint of size {size} kept beside the session's evidence",
                self.origin
            )),
            Err(e) => out.push(format!(
                "warning: timestamp.unreachable: the ledger checkpoint's timestamps are not copied into the session: {e}"
            )),
        }
        out
    }

    /// [`Ledger::stamp`] and [`Ledger::witness`] at once, so that a TSA
    /// that is down or slow never delays the witnesses (nor they it). The
    /// lines of the one, then of the other.
    pub fn stamp_and_witness(&self, a: &Appended, witnesses: &[TrustedWitness]) -> Vec<String> {
        if self.tsas.is_empty() {
            return self.witness(a, witnesses);
        }
        let stopped = || {
            vec!["warning: timestamp.unreachable: the ledger checkpoint was not timestamped (the request stopped)".to_owned()]
        };
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::channel();
            s.spawn(move || {
                let _ = tx.send(self.stamp(a));
            });
            // The refresh of other sessions waits for the tokens, so that
            // it copies them beside the evidence it writes.
            let stamped = std::sync::Mutex::new(None);
            let wait = || {
                if let Ok(mut g) = stamped.lock() {
                    if g.is_none() {
                        *g = Some(rx.recv().unwrap_or_else(|_| stopped()));
                    }
                }
            };
            let witnessed = self.witness_then(a, witnesses, &wait);
            wait();
            let mut out = stamped.into_inner().ok().flatten().unwrap_or_else(stopped);
            out.extend(witnessed);
            out
        })
    }

    /// The tokens kept in `LEDGER/courtseal/timestamps/` over `cp` that
    /// verify under one of this ledger's TSAs, in their files' order.
    fn tokens_over(&self, cp: &Checkpoint) -> Vec<Vec<u8>> {
        if self.tsas.is_empty() {
            return Vec::new();
        }
        let message = crate::format::timestamp::message(cp);
        let now = time::OffsetDateTime::now_utc();
        crate::timestamp::tokens_at(&crate::timestamp::tokens_dir(&self.paths), cp.size)
            .iter()
            .filter_map(|p| crate::timestamp::read_token(p).ok())
            .filter(|t| {
                self.tsas
                    .iter()
                    .any(|tsa| crate::timestamp::verify(t, &message, &tsa.roots, now).is_ok())
            })
            .collect()
    }

    /// The ledger's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The ledger key's verifier (named after the origin).
    pub fn verifier(&self) -> &Verifier {
        self.signer.verifier()
    }

    /// Creates the folder, `origin` and `ledger.vkey` when absent.
    fn create(&self) -> Result<(), String> {
        let dir = &self.paths.dir;
        for p in [&self.root, dir, &self.paths.checkpoints] {
            if linked(p) {
                return Err(format!(
                    "{}: is a symbolic link; courtseal never writes through a link",
                    p.display()
                ));
            }
        }
        fs::create_dir_all(&self.paths.checkpoints).map_err(shown(&self.paths.checkpoints))?;
        for (name, text) in [
            ("origin", format!("{}\n", self.origin)),
            ("ledger.vkey", format!("{}\n", self.verifier().to_vkey())),
        ] {
            let p = dir.join(name);
            if fs::symlink_metadata(&p).is_ok() {
                continue;
            }
            write_new(&p, text.as_bytes())?;
        }
        Ok(())
    }

    /// Takes the ledger's lock, waiting at most [`LOCK_WAIT`].
    fn lock(&self) -> Result<fs::File, String> {
        let p = &self.paths.lock;
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(p)
            .map_err(shown(p))?;
        if !f.metadata().is_ok_and(|m| m.is_file()) {
            return Err(format!("{}: not a regular file", p.display()));
        }
        let start = Instant::now();
        loop {
            match f.try_lock() {
                Ok(()) => return Ok(f),
                Err(fs::TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(format!(
                        "{}: another sealer held the ledger's lock for more than {} s",
                        p.display(),
                        LOCK_WAIT.as_secs()
                    ))
                }
                Err(fs::TryLockError::Error(e)) => return Err(format!("{}: {e}", p.display())),
            }
        }
    }

    /// The ledger's log: whole lines (an incomplete last line is moved to
    /// `torn/<offset>` and cut off), under the lock.
    fn read_log(&self) -> Result<Vec<u8>, String> {
        let p = self.paths.dir.join(lf::LOG);
        if linked(&p) {
            return Err(format!("{}: is a symbolic link", p.display()));
        }
        let mut bytes = match crate::store::layout::read_regular(&p, lf::MAX_LOG_BYTES) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("{}: {e}", p.display())),
        };
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            let cut = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let torn = self.paths.dir.join("torn");
            fs::create_dir_all(&torn).map_err(shown(&torn))?;
            write_new(&torn.join(cut.to_string()), &bytes[cut..])?;
            let f = fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(&p)
                .map_err(shown(&p))?;
            f.set_len(cut as u64).map_err(shown(&p))?;
            f.sync_all().map_err(shown(&p))?;
            bytes.truncate(cut);
        }
        Ok(bytes)
    }

    /// Appends every checkpoint of the session at `session` that the
    /// recorder (`recorder`) signed over the log's own entries and that has
    /// no ledger evidence yet, signs the ledger checkpoint and writes the
    /// evidence into the session. `None` when there was nothing to append.
    pub fn append_session(
        &self,
        session: &SessionPaths,
        recorder: &Verifier,
    ) -> Result<Option<Appended>, String> {
        let log = Log::read_from(&session.source()).map_err(shown(&session.log))?;
        let tree = log.tree();
        let origin = log
            .header()
            .map(|h| h.origin.clone())
            .ok_or_else(|| format!("{}: the log has no header", session.log.display()))?;
        // The evidence folder, opened once: every look and write below is
        // relative to this handle, so swapping the folder (or one above it)
        // for a link meanwhile cannot send a write out of the session.
        let evidence = evidence_folder(&session.root, false)?;
        let mut todo: Vec<Leaf> = Vec::new();
        for (path, size) in
            crate::store::layout::checkpoint_files(session).map_err(shown(&session.checkpoints))?
        {
            let Some(size) = size else { continue };
            if evidence
                .as_ref()
                .is_some_and(|e| e.exists(&lf::file_name(size)))
            {
                continue;
            }
            let Ok(bytes) = crate::store::layout::read_regular(&path, 64 << 10) else {
                continue;
            };
            let Ok(opened) = note::open(&bytes, std::slice::from_ref(recorder)) else {
                continue;
            };
            let Ok(cp) = Checkpoint::parse(&opened.text) else {
                continue;
            };
            if cp.origin == origin && cp.size == size && tree.root_at(size) == Some(cp.root) {
                todo.push(Leaf {
                    origin: origin.clone(),
                    size,
                    root: cp.root,
                });
            }
        }
        if todo.is_empty() {
            return Ok(None);
        }
        todo.sort_by_key(|l| l.size);
        self.create()?;
        let _lock = self.lock()?;
        let bytes = self.read_log()?;
        let mut hashes: Vec<tlog::Hash> = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(tlog::leaf_hash)
            .collect();
        let first = hashes.len() as u64;
        let mut add = String::new();
        let mut lines = Vec::new();
        for l in &todo {
            let line = l.to_line();
            hashes.push(tlog::leaf_hash(line.as_bytes()));
            add.push_str(&line);
            add.push('\n');
            lines.push(line);
        }
        let ltree = Tree::from_leaf_hashes(hashes);
        let logp = self.paths.dir.join(lf::LOG);
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&logp)
            .map_err(shown(&logp))?;
        f.write_all(add.as_bytes()).map_err(shown(&logp))?;
        f.sync_all().map_err(shown(&logp))?;
        let cp = Checkpoint::new(&self.origin, ltree.size(), ltree.root());
        let signed = self
            .signer
            .sign(&cp.to_text())
            .map_err(|e| format!("cannot sign the ledger checkpoint: {e}"))?
            .into_bytes();
        let at = self.paths.checkpoint_at(cp.size);
        if fs::symlink_metadata(&at).is_err() {
            write_new(&at, &signed)?;
        }
        replace(&self.paths.checkpoint, &signed)?;
        drop(_lock);
        // The session's evidence: one proof per appended checkpoint.
        let evidence = match evidence {
            Some(e) => e,
            None => evidence_folder(&session.root, true)?
                .ok_or_else(|| format!("{}: no session folder", session.root.display()))?,
        };
        let mut sessions = Vec::new();
        let mut unwritten = Vec::new();
        for (i, (l, line)) in todo.iter().zip(&lines).enumerate() {
            let index = first + i as u64;
            let path = ltree
                .inclusion_proof(index, cp.size)
                .ok_or("no inclusion proof in the ledger's tree")?;
            let proof = TlogProof {
                extra: Some(line.as_bytes().to_vec()),
                index,
                path,
                checkpoint: signed.clone(),
            };
            let name = lf::file_name(l.size);
            // One file that cannot be written (a name planted meanwhile)
            // does not cost the others theirs.
            match evidence.write_new(&name, &proof.to_text()) {
                Ok(()) => sessions.push((l.size, evidence.shown_file(&name))),
                Err(e) => unwritten.push(format!(
                    "warning: ledger.unreachable: the evidence of session checkpoint {} (ledger leaf {index}) is not written: {e}",
                    l.size
                )),
            }
        }
        Ok(Some(Appended {
            unwritten,
            sessions,
            checkpoint: cp,
            signed,
            tree: ltree,
            session: session.root.clone(),
        }))
    }

    /// Submits the ledger checkpoint of `a` to the witnesses with a URL and
    /// copies their cosignatures into the session's evidence files. Lines
    /// for a person, one per witness. A checkpoint the ledger has grown past
    /// already is left to the sealer of the later one.
    pub fn witness(&self, a: &Appended, witnesses: &[TrustedWitness]) -> Vec<String> {
        self.witness_then(a, witnesses, &|| {})
    }

    /// [`Ledger::witness`], calling `before_refresh` once the witnesses
    /// have answered and before other sessions' evidence is refreshed.
    fn witness_then(
        &self,
        a: &Appended,
        witnesses: &[TrustedWitness],
        before_refresh: &dyn Fn(),
    ) -> Vec<String> {
        if !witnesses.iter().any(|w| w.url.is_some()) {
            return a.unwritten.clone();
        }
        let latest = crate::store::layout::read_regular(&self.paths.checkpoint, 64 << 10)
            .ok()
            .and_then(|b| note::split(&b).ok())
            .and_then(|(t, _)| Checkpoint::parse(&t).ok());
        if let Some(l) = latest.filter(|l| l.size > a.checkpoint.size) {
            return a.unwritten.iter().cloned().chain([format!(
                "ledger checkpoint of size {} was overtaken by size {} before it was submitted; the witnesses are given the later one",
                a.checkpoint.size, l.size
            )]).collect();
        }
        // Each cosignature reaches the session's evidence as soon as it is
        // kept: a slow witness delays no other's.
        let problems = std::sync::Mutex::new(Vec::new());
        let copy = |cosigned: &Path| {
            if let Err(e) = copy_cosignatures(cosigned, &a.signed, &a.session, &a.sessions) {
                if let Ok(mut p) = problems.lock() {
                    p.push(format!(
                        "warning: ledger.unreachable: the cosignatures are not copied into the session: {e}"
                    ));
                }
            }
        };
        let subs = crate::witness::submit_checkpoint_then(
            &self.paths,
            &a.tree,
            &a.checkpoint,
            &a.signed,
            witnesses,
            &copy,
        );
        let mut out: Vec<String> = subs
            .iter()
            .map(|s| {
                format!(
                    "ledger {}: {}",
                    self.origin,
                    crate::witness::describe(s, a.checkpoint.size)
                )
            })
            .collect();
        out.splice(0..0, a.unwritten.iter().cloned());
        // A cosignature kept by an earlier run but not yet in the session.
        if subs.iter().any(|s| matches!(s, Submission::Present { .. })) {
            let cosigned = crate::witness::cosigned_dir(&self.paths)
                .join(format!("{}.note", a.checkpoint.size));
            copy(&cosigned);
        }
        let mut problems = problems.into_inner().unwrap_or_default();
        problems.dedup();
        out.extend(problems);
        // Sessions whose evidence is still without a cosignature (a witness
        // was down when they were appended) get evidence against this
        // checkpoint, if it was cosigned.
        before_refresh();
        let cosigned =
            crate::witness::cosigned_dir(&self.paths).join(format!("{}.note", a.checkpoint.size));
        let note = crate::store::layout::read_regular(&cosigned, lf::MAX_EVIDENCE_BYTES)
            .ok()
            // Only the checkpoint this sealer signed, with lines added to it.
            .filter(|b| b.starts_with(&a.signed));
        let have = note
            .as_deref()
            .map(|b| asked_cosigners(b, witnesses))
            .unwrap_or_else(|| vec![false; witnesses.len()]);
        // A witness asked did not cosign: the session waits in the register
        // for a later cosigned ledger checkpoint.
        if !all_asked(&have, witnesses) {
            if let Err(e) = self.register_pending(&a.session) {
                out.push(format!(
                    "warning: ledger.unreachable: the session is not registered for a later cosigned ledger checkpoint: {e}"
                ));
            }
        }
        if let Some(note) = note.filter(|_| have.iter().any(|h| *h)) {
            out.extend(self.refresh_pending(a, &note, witnesses));
        }
        out
    }

    /// For a session with nothing new to append (sealed earlier, perhaps
    /// moved since): its evidence is brought onto the ledger's latest
    /// checkpoint if that one is cosigned, exactly as after an append
    /// (`refresh_session`), and the session is registered at its present
    /// path while its evidence still lacks a witness asked. Lines for a
    /// person; never an error.
    pub fn refresh_sealed(&self, session: &Path, witnesses: &[TrustedWitness]) -> Vec<String> {
        let mut out = Vec::new();
        if !witnesses.iter().any(|w| w.url.is_some()) {
            return out;
        }
        let evidence = match evidence_folder(session, false) {
            Ok(Some(e)) => e,
            Ok(None) => return out,
            Err(e) => {
                out.push(format!(
                    "warning: ledger.unreachable: the session's ledger evidence is not refreshed: {e}"
                ));
                return out;
            }
        };
        let latest = match self.latest_cosigned(witnesses) {
            Ok(Some(a)) => a,
            Ok(None) => {
                // Nothing cosigned to refresh from yet: wait in the register.
                if let Err(e) = self.register_pending(session) {
                    out.push(format!(
                        "warning: ledger.unreachable: the session is not registered for a later cosigned ledger checkpoint: {e}"
                    ));
                }
                return out;
            }
            Err(e) => {
                out.push(format!(
                    "warning: ledger.unreachable: the session's ledger evidence is not refreshed: {e}"
                ));
                return out;
            }
        };
        let (a, note) = latest;
        let a = Appended {
            session: session.to_owned(),
            ..a
        };
        match refresh_session(
            &evidence,
            session,
            &self.origin,
            self.verifier(),
            &a,
            &note,
            witnesses,
            &self.tokens_over(&a.checkpoint),
        ) {
            Ok((done, left)) => {
                for r in &done {
                    out.push(format!(
                        "ledger {}: the evidence of session checkpoint {} (from ledger checkpoint {}) {} the cosigned ledger checkpoint of size {}",
                        self.origin,
                        r.size,
                        r.from,
                        if r.beside { "now also has evidence against" } else { "is now against" },
                        r.to
                    ));
                    if let Err(e) = &r.tokens {
                        out.push(format!(
                            "warning: timestamp.unreachable: the ledger checkpoint's timestamps are not copied beside the evidence of session checkpoint {}: {e}",
                            r.size
                        ));
                    }
                }
                if left > 0 {
                    if let Err(e) = self.register_pending(session) {
                        out.push(format!(
                            "warning: ledger.unreachable: the session is not registered for a later cosigned ledger checkpoint: {e}"
                        ));
                    }
                }
            }
            Err(e) => out.push(format!(
                "warning: ledger.unreachable: the session's evidence is not refreshed: {e}"
            )),
        }
        out
    }

    /// The ledger's latest checkpoint, as an [`Appended`] covering no
    /// session, with its cosigned note, when a witness asked validly
    /// cosigned it; the ledger's log is read under its lock and must have
    /// the checkpoint's root at its size.
    fn latest_cosigned(
        &self,
        witnesses: &[TrustedWitness],
    ) -> Result<Option<(Appended, Vec<u8>)>, String> {
        let signed = match crate::store::layout::read_regular(&self.paths.checkpoint, 64 << 10) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", self.paths.checkpoint.display())),
        };
        let opened = note::open(&signed, std::slice::from_ref(self.verifier()))
            .map_err(|e| format!("{}: {e}", self.paths.checkpoint.display()))?;
        let cp = Checkpoint::parse(&opened.text)
            .map_err(|e| format!("{}: {e}", self.paths.checkpoint.display()))?;
        let cosigned = crate::witness::cosigned_dir(&self.paths).join(format!("{}.note", cp.size));
        let Some(note) = crate::store::layout::read_regular(&cosigned, lf::MAX_EVIDENCE_BYTES)
            .ok()
            .filter(|b| b.starts_with(&signed))
            .filter(|b| asked_cosigners(b, witnesses).into_iter().any(|c| c))
        else {
            return Ok(None);
        };
        let bytes = {
            let _lock = self.lock()?;
            self.read_log()?
        };
        let hashes: Vec<tlog::Hash> = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .take(usize::try_from(cp.size).unwrap_or(usize::MAX))
            .map(tlog::leaf_hash)
            .collect();
        let tree = Tree::from_leaf_hashes(hashes);
        if tree.size() != cp.size || tree.root() != cp.root {
            return Err(format!(
                "{}: the ledger's log does not have its latest checkpoint's root at size {}",
                self.root.display(),
                cp.size
            ));
        }
        Ok(Some((
            Appended {
                unwritten: Vec::new(),
                sessions: Vec::new(),
                checkpoint: cp,
                signed,
                tree,
                session: PathBuf::new(),
            },
            note,
        )))
    }

    /// The register `pending/`, opened once (made when `create`); `None`
    /// when it is not there.
    fn pending_folder(&self, create: bool) -> Result<Option<OpenedFolder>, String> {
        OpenedFolder::open(
            &self.root,
            true,
            &[crate::store::layout::TOOL_DIR, PENDING_DIR],
            create,
        )
        .map_err(|e| e.to_string())
    }

    /// Registers the session at `session` in `pending/`: one file named by
    /// the hex SHA-256 of the folder's absolute path, holding that path and
    /// a newline. Kept until none of its evidence lacks a cosignature.
    fn register_pending(&self, session: &Path) -> Result<(), String> {
        let abs = fs::canonicalize(session).map_err(shown(session))?;
        let text = abs
            .to_str()
            .filter(|t| !t.chars().any(char::is_control))
            .ok_or_else(|| {
                format!(
                    "{}: the path is not UTF-8 or holds a control character",
                    abs.display()
                )
            })?;
        let dir = self
            .pending_folder(true)?
            .ok_or_else(|| format!("{}: no ledger folder", self.root.display()))?;
        let name = crate::digest::Sha256Digest::of(text.as_bytes()).to_hex();
        match dir.write_new(&name, format!("{text}\n").as_bytes()) {
            Ok(()) => Ok(()),
            // Registered before, or meanwhile by another sealer.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Once the ledger checkpoint of `a` is cosigned (`cosigned` is its
    /// `cosigned/SIZE.note`, holding a valid cosignature of a trusted
    /// witness), every registered session whose evidence holds none gets
    /// evidence against it (`refresh_session`). A session none of whose
    /// evidence lacks a cosignature any more leaves the register. Lines for
    /// a person; never an error.
    fn refresh_pending(
        &self,
        a: &Appended,
        cosigned: &[u8],
        witnesses: &[TrustedWitness],
    ) -> Vec<String> {
        let mut out = Vec::new();
        let dir = match self.pending_folder(false) {
            Ok(Some(d)) => d,
            Ok(None) => return out,
            Err(e) => {
                out.push(format!(
                    "warning: ledger.unreachable: the register is not read: {e}"
                ));
                return out;
            }
        };
        let Ok(listed) = dir.list() else {
            return out;
        };
        let tokens = self.tokens_over(&a.checkpoint);
        let entries: Vec<String> = listed
            .into_iter()
            .filter(|l| {
                matches!(l.kind, Kind::File(_))
                    && l.name.len() == 64
                    && l.name.bytes().all(|b| b.is_ascii_hexdigit())
            })
            .map(|l| l.name)
            .collect();
        for entry in entries {
            let Some(session) = dir
                .read(&entry, MAX_PENDING_BYTES)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.strip_suffix('\n').map(PathBuf::from))
                .filter(|p| p.is_absolute())
            else {
                continue;
            };
            // The registered path is the session folder's own, without a
            // link: a link in its place (or below it) is not followed.
            let evidence = match evidence_folder_at(&session, false, false) {
                Ok(Some(e)) => e,
                // A passing error (permissions, no file handles left) is
                // not a reason to give the session up: it stays registered.
                Err(e) if e.kind() != std::io::ErrorKind::InvalidData => {
                    out.push(format!(
                        "warning: ledger.unreachable: {}: its evidence is not refreshed this time: {e}",
                        session.display()
                    ));
                    continue;
                }
                Ok(None) | Err(_) => {
                    let _ = dir.remove(&entry);
                    out.push(format!(
                        "ledger {}: {} is no longer a session folder with ledger evidence (or is reached through a link); it leaves the register of sessions awaiting a cosignature",
                        self.origin,
                        session.display()
                    ));
                    continue;
                }
            };
            match refresh_session(
                &evidence,
                &session,
                &self.origin,
                self.verifier(),
                a,
                cosigned,
                witnesses,
                &tokens,
            ) {
                Ok((done, left)) => {
                    let sizes = |beside: bool| -> Vec<String> {
                        done.iter()
                            .filter(|r| r.beside == beside)
                            .map(|r| format!("{} (from {})", r.size, r.from))
                            .collect()
                    };
                    let (moved, added) = (sizes(false), sizes(true));
                    for r in &done {
                        if let Err(e) = &r.tokens {
                            out.push(format!(
                                "warning: timestamp.unreachable: {}: the ledger checkpoint's timestamps are not copied beside the evidence of session checkpoint {}: {e}",
                                session.display(),
                                r.size
                            ));
                        }
                    }
                    if !moved.is_empty() {
                        out.push(format!(
                            "ledger {}: {}: the evidence of session checkpoint(s) of size {} is now against the cosigned ledger checkpoint of size {}",
                            self.origin,
                            session.display(),
                            moved.join(", "),
                            a.checkpoint.size
                        ));
                    }
                    if !added.is_empty() {
                        out.push(format!(
                            "ledger {}: {}: the session checkpoint(s) of size {} now also have evidence against the cosigned ledger checkpoint of size {}, with the cosignatures of witnesses their evidence lacked (the evidence kept is unchanged)",
                            self.origin,
                            session.display(),
                            added.join(", "),
                            a.checkpoint.size
                        ));
                    }
                    if left == 0 {
                        let _ = dir.remove(&entry);
                    }
                }
                Err(e) => out.push(format!(
                    "warning: ledger.unreachable: {}: its evidence is not refreshed: {e}",
                    session.display()
                )),
            }
        }
        out
    }
}

/// Which of the witnesses asked (those with a URL) validly cosigned the
/// note `bytes`, in their order.
fn asked_cosigners(bytes: &[u8], witnesses: &[TrustedWitness]) -> Vec<bool> {
    cosigners(bytes, witnesses)
        .into_iter()
        .zip(witnesses)
        .map(|(c, w)| c && w.url.is_some())
        .collect()
}

/// Which of `witnesses` validly cosigned the note `bytes` (at a time no
/// later than a verifier would use), in their order.
fn cosigners(bytes: &[u8], witnesses: &[TrustedWitness]) -> Vec<bool> {
    let Ok((text, sigs)) = note::split(bytes) else {
        return vec![false; witnesses.len()];
    };
    let latest = crate::verify::witnesses::latest_usable_time();
    witnesses
        .iter()
        .map(|w| {
            sigs.iter().any(|s| {
                matches!(w.key.check(&text, s), note::CosignatureCheck::Valid(t) if t <= latest)
            })
        })
        .collect()
}

/// Whether every witness the sealer asks (those with a URL) is among
/// `have`.
fn all_asked(have: &[bool], witnesses: &[TrustedWitness]) -> bool {
    witnesses
        .iter()
        .zip(have)
        .all(|(w, h)| *h || w.url.is_none())
}

/// One evidence file of this ledger as kept: its leaf line, index, ledger
/// checkpoint and which witnesses validly cosigned it, and whether it holds
/// any line beyond the ledger's own signature.
struct KeptEvidence {
    extra: Vec<u8>,
    index: u64,
    checkpoint: Checkpoint,
    cosigned: Vec<bool>,
    other_lines: bool,
}

/// `bytes` as this ledger's evidence (parses, verifies under the ledger
/// key with the ledger's origin, its inclusion proof holds), else `None`.
fn kept_evidence(
    bytes: &[u8],
    origin: &str,
    ledger_key: &Verifier,
    witnesses: &[TrustedWitness],
) -> Option<KeptEvidence> {
    let kept = TlogProof::parse(bytes).ok()?;
    let extra = kept.extra.as_deref()?;
    let opened = note::open(&kept.checkpoint, std::slice::from_ref(ledger_key)).ok()?;
    let kcp = Checkpoint::parse(&opened.text).ok()?;
    if kcp.origin != origin {
        return None;
    }
    let leaf = tlog::leaf_hash(extra);
    tlog::verify_inclusion(kept.index, kcp.size, &leaf, &kept.path, &kcp.root).ok()?;
    Some(KeptEvidence {
        extra: extra.to_vec(),
        index: kept.index,
        cosigned: cosigners(&kept.checkpoint, witnesses),
        other_lines: !opened.unverified.is_empty(),
        checkpoint: kcp,
    })
}

/// The origin in the session's log header, read through the door from the
/// log's first line alone (at most 64 KiB): the refresh needs nothing else
/// of a log that may be a gigabyte.
fn session_origin(session: &Path) -> Option<String> {
    use crate::store::SessionSource as _;
    use std::io::BufRead as _;
    let opened = crate::store::LocalSession::new(session)
        .open(crate::format::LOG_NAME)
        .ok()?;
    let mut first = Vec::new();
    std::io::BufReader::new(std::io::Read::take(opened.file, 64 << 10))
        .read_until(b'\n', &mut first)
        .ok()?;
    Log::parse(&first).header().map(|h| h.origin.clone())
}

/// Brings the session's ledger evidence onto the cosigned ledger
/// checkpoint of `a` (whose cosigned note is `cosigned`) where that adds a
/// witness, never taking anything away (`docs/formats.md`, "Later
/// cosignatures"). For each session checkpoint's `<size>.proof` that is
/// this ledger's evidence against a smaller ledger checkpoint, and whose
/// leaf at its index and whose checkpoint's root at its size the ledger's
/// tree holds (else the ledger was rewritten: nothing is written):
/// - holding no line beyond the ledger's signature and no later evidence,
///   it is replaced (temporary file, renamed over it) by the same leaf and
///   index, the inclusion proof in `a`'s tree and the cosigned note
///   verbatim;
/// - holding cosignatures of some of the witnesses asked but not of all,
///   with no kept evidence of its size against `a`'s ledger checkpoint,
///   and `cosigned` holds a witness that none of its size's evidence holds,
///   the same proof is written as the new file
///   `<size>.<ledger size>.proof` beside it (nothing is replaced).
///
/// Returns what was written and how many session checkpoints still lack
/// the cosignature of some witness asked.
#[allow(clippy::too_many_arguments)]
fn refresh_session(
    evidence: &OpenedFolder,
    session: &Path,
    origin: &str,
    ledger_key: &Verifier,
    a: &Appended,
    cosigned: &[u8],
    witnesses: &[TrustedWitness],
    tokens: &[Vec<u8>],
) -> Result<(Vec<Refreshed>, usize), String> {
    let mut primary: Vec<(u64, String)> = Vec::new();
    let mut later: std::collections::BTreeMap<u64, Vec<(u64, String)>> = Default::default();
    // Evidence files with a timestamp token beside them: the token is over
    // their ledger checkpoint, so they are never replaced.
    let mut stamped: std::collections::BTreeSet<String> = Default::default();
    for l in evidence.list().map_err(|e| e.to_string())? {
        if !matches!(l.kind, Kind::File(_)) {
            continue;
        }
        match lf::parse_listed(&l.name) {
            Some(lf::Named::Evidence(size, None)) => primary.push((size, l.name)),
            Some(lf::Named::Evidence(size, Some(m))) => {
                later.entry(size).or_default().push((m, l.name))
            }
            Some(lf::Named::Token(size, m, _)) => {
                stamped.insert(lf::evidence_name(size, m));
            }
            None => {}
        }
    }
    primary.sort();
    // The session's own origin, from its log: evidence of another
    // session's checkpoint put here is never refreshed.
    let own = session_origin(session).ok_or_else(|| {
        format!(
            "{}: the session's log has no readable header",
            session.display()
        )
    })?;
    let offered = asked_cosigners(cosigned, witnesses);
    // Two sealers refreshing, or one refreshing while another copies a
    // cosignature in, take turns: what one wrote is read by the other.
    let _lock = evidence.lock().map_err(|e| e.to_string())?;
    let mut done = Vec::new();
    let mut left = 0;
    let mut refused = Vec::new();
    for (size, file) in primary {
        let Some(kept) = evidence
            .read(&file, lf::MAX_EVIDENCE_BYTES)
            .ok()
            .and_then(|b| kept_evidence(&b, origin, ledger_key, witnesses))
        else {
            continue;
        };
        // Only evidence of this very session checkpoint (the leaf's size is
        // the file's name) is ever refreshed.
        if Leaf::parse(&kept.extra).map_or(true, |l| l.size != size || l.origin != own) {
            continue;
        }
        // What the evidence of this size holds altogether.
        let mut have = kept.cosigned.clone();
        let mut against_this = kept.checkpoint.size >= a.checkpoint.size;
        let laters = later.get(&size).map(Vec::as_slice).unwrap_or_default();
        for (m, name) in laters {
            // Only later evidence that holds as verify checks it counts:
            // the same leaf and index, the ledger checkpoint its name says.
            let Some(k) = evidence
                .read(name, lf::MAX_EVIDENCE_BYTES)
                .ok()
                .and_then(|b| kept_evidence(&b, origin, ledger_key, witnesses))
                .filter(|k| {
                    k.extra == kept.extra && k.index == kept.index && k.checkpoint.size == *m
                })
            else {
                continue;
            };
            against_this |= *m >= a.checkpoint.size;
            for (h, c) in have.iter_mut().zip(&k.cosigned) {
                *h |= *c;
            }
        }
        if all_asked(&have, witnesses) {
            continue;
        }
        let adds = offered.iter().zip(&have).any(|(o, h)| *o && !*h);
        let bare = !kept.other_lines && laters.is_empty() && !stamped.contains(&file);
        // A file with any line beyond the ledger's own signature holds a
        // cosignature, perhaps of a witness this sealer no longer trusts
        // but a verifier does: it is never replaced, only added to.
        if against_this || !adds {
            left += 1;
            continue;
        }
        let leaf = tlog::leaf_hash(&kept.extra);
        let ours = usize::try_from(kept.index)
            .ok()
            .and_then(|i| a.tree.leaves().get(i));
        let path = (ours == Some(&leaf)
            && a.tree.root_at(kept.checkpoint.size) == Some(kept.checkpoint.root))
        .then(|| a.tree.inclusion_proof(kept.index, a.checkpoint.size))
        .flatten()
        .filter(|path| {
            tlog::verify_inclusion(
                kept.index,
                a.checkpoint.size,
                &leaf,
                path,
                &a.checkpoint.root,
            )
            .is_ok()
        });
        let Some(path) = path else {
            refused.push(size.to_string());
            left += 1;
            continue;
        };
        let proof = TlogProof {
            extra: Some(kept.extra.clone()),
            index: kept.index,
            path,
            checkpoint: cosigned.to_vec(),
        }
        .to_text();
        let written = if bare {
            file.clone()
        } else {
            lf::later_file_name(size, a.checkpoint.size)
        };
        if bare {
            evidence.replace(&file, &proof)
        } else {
            match evidence.write_new(&written, &proof) {
                // Written meanwhile by another sealer.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                r => r,
            }
        }
        .map_err(|e| e.to_string())?;
        // The ledger's timestamps over the checkpoint it is now against.
        let stamped = put_tokens(evidence, &written, &a.checkpoint, tokens);
        for (h, o) in have.iter_mut().zip(&offered) {
            *h |= *o;
        }
        if !all_asked(&have, witnesses) {
            left += 1;
        }
        done.push(Refreshed {
            size,
            from: kept.checkpoint.size,
            to: a.checkpoint.size,
            beside: !bare,
            tokens: stamped,
        });
    }
    if !refused.is_empty() {
        return Err(format!(
            "the ledger's tree does not hold the leaf or the checkpoint of the evidence of size {} as the session kept them: the ledger was rewritten or rolled back; that evidence is kept as it is",
            refused.join(", ")
        ));
    }
    Ok((done, left))
}

/// Copies each of `tokens` (timestamp tokens over the ledger checkpoint
/// `cp`) that is not there yet beside the evidence file `evidence` of the
/// opened folder, as the first free `<evidence>.<n>.tsr`; nothing is
/// copied when the evidence file is not (or no longer) against `cp`. The
/// caller holds the folder's lock. Returns how many were copied.
fn put_tokens(
    folder: &OpenedFolder,
    evidence: &str,
    cp: &Checkpoint,
    tokens: &[Vec<u8>],
) -> Result<usize, String> {
    if tokens.is_empty() {
        return Ok(0);
    }
    let bytes = folder
        .read(evidence, lf::MAX_EVIDENCE_BYTES)
        .map_err(|e| e.to_string())?;
    let against = TlogProof::parse(&bytes)
        .ok()
        .and_then(|p| note::split(&p.checkpoint).ok().map(|(t, _)| t))
        .and_then(|t| Checkpoint::parse(&t).ok());
    // Replaced meanwhile by a refresh: a token over `cp` beside it would
    // be over another checkpoint than the file's.
    if against.is_none_or(|k| k.origin != cp.origin || k.size != cp.size || k.root != cp.root) {
        return Ok(0);
    }
    let mut beside: Vec<(u32, Vec<u8>)> = Vec::new();
    for l in folder.list().map_err(|e| e.to_string())? {
        if let Some(lf::Named::Token(s, m, n)) = lf::parse_listed(&l.name) {
            if lf::evidence_name(s, m) == evidence {
                beside.push((
                    n,
                    folder
                        .read(&l.name, lf::MAX_TOKEN_BYTES)
                        .unwrap_or_default(),
                ));
            }
        }
    }
    let mut next = beside.iter().map(|(n, _)| *n).max().unwrap_or(0) + 1;
    let mut copied = 0;
    for t in tokens {
        if beside.iter().any(|(_, b)| b == t) {
            continue;
        }
        loop {
            if next > 1000 {
                return Err(format!(
                    "{}: a thousand tokens beside it already",
                    folder.shown_file(evidence).display()
                ));
            }
            match folder.write_new(&lf::token_file_name(evidence, next), t) {
                Ok(()) => {
                    copied += 1;
                    next += 1;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => next += 1,
                Err(e) => return Err(e.to_string()),
            }
        }
    }
    Ok(copied)
}

/// Appends to each evidence file of the session at `session` the lines of
/// `cosigned` that follow the signed ledger checkpoint and that it does not
/// hold yet. The evidence folder is opened once, never through a link.
fn copy_cosignatures(
    cosigned: &Path,
    signed: &[u8],
    session: &Path,
    files: &[(u64, PathBuf)],
) -> Result<(), String> {
    let bytes = crate::store::layout::read_regular(cosigned, lf::MAX_EVIDENCE_BYTES)
        .map_err(shown(cosigned))?;
    let Some(extra) = bytes.strip_prefix(signed) else {
        return Err(format!(
            "{}: does not begin with the ledger checkpoint",
            cosigned.display()
        ));
    };
    let extra = String::from_utf8_lossy(extra).into_owned();
    let evidence = evidence_folder(session, false)?
        .ok_or_else(|| format!("{}: the ledger evidence folder is gone", session.display()))?;
    let _lock = evidence.lock().map_err(|e| e.to_string())?;
    for (size, _) in files {
        let name = lf::file_name(*size);
        let mut have = evidence
            .read(&name, lf::MAX_EVIDENCE_BYTES)
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&have).into_owned();
        let mut changed = false;
        for l in extra.lines().filter(|l| !l.is_empty()) {
            if !text.lines().any(|h| h == l) {
                have.extend_from_slice(l.as_bytes());
                have.push(b'\n');
                changed = true;
            }
        }
        if changed {
            evidence.replace(&name, &have).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Writes `bytes` to a new file at `path` (a temporary file made durable
/// and renamed without replacing anything).
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp")
        .tempfile_in(dir)
        .map_err(shown(dir))?;
    tmp.write_all(bytes).map_err(shown(path))?;
    tmp.as_file().sync_all().map_err(shown(path))?;
    tmp.persist_noclobber(path)
        .map_err(|e| format!("{}: {}", path.display(), e.error))?;
    set_readable(path);
    let _ = fs::File::open(dir).and_then(|d| d.sync_all());
    Ok(())
}

/// Replaces `path` with `bytes` (a temporary file renamed into place).
fn replace(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp")
        .tempfile_in(dir)
        .map_err(shown(dir))?;
    tmp.write_all(bytes).map_err(shown(path))?;
    tmp.as_file().sync_all().map_err(shown(path))?;
    tmp.persist(path)
        .map_err(|e| format!("{}: {}", path.display(), e.error))?;
    set_readable(path);
    let _ = fs::File::open(dir).and_then(|d| d.sync_all());
    Ok(())
}

fn set_readable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o644));
}
