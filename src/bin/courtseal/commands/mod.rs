//! One file per command. Each takes its checked configuration
//! ([`crate::config`]), runs the library, and returns what to print and the
//! exit code; it never sees a raw flag and never exits.

mod audit;
mod check;
mod close;
mod compare;
mod event;
mod excerpt;
mod export;
mod inspect;
mod keys;
mod proof;
mod record;
mod retire;
mod seal;
mod series;
mod trust;
mod verify;
mod verify_act;
mod verify_file;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use courtseal::keys::TrustStore;

use crate::config::{self, Config};

/// What a command leaves to print on standard output, and its exit code.
pub struct Done {
    /// Printed on standard output.
    pub stdout: String,
    /// The exit code ([`crate::exit`]).
    pub code: u8,
}

impl Done {
    fn new(stdout: String, code: u8) -> Done {
        Done { stdout, code }
    }
}

/// The time zone the session's record names (`time_zone`), if it has a
/// readable record that names a valid one.
fn session_zone(session: &Path) -> Option<courtseal::zone::CourtZone> {
    let (_, text) = courtseal::store::layout::read_record(session).ok()??;
    zone_of_record(&text)
}

/// The zone a record's text names, read leniently: a record with other
/// problems still says which zone it is in.
fn zone_of_record(text: &str) -> Option<courtseal::zone::CourtZone> {
    let v: toml::Table = toml::from_str(text).ok()?;
    courtseal::zone::CourtZone::new(v.get("time_zone")?.as_str()?).ok()
}

/// Runs a checked command.
pub fn run(config: Config) -> Result<Done> {
    let session = match &config {
        Config::Seal(c) => Some(&c.session),
        Config::Verify(c) => Some(&c.session),
        Config::Event(c) => Some(&c.session),
        Config::Close(c) => Some(&c.session),
        Config::Check(c) => Some(&c.session),
        Config::Retire(c) => Some(&c.session),
        Config::Compare(c) => Some(&c.session),
        _ => None,
    };
    if let Some(s) = session {
        crate::output::text::set_session_zone(session_zone(s));
    }
    match config {
        Config::KeysGenerate { name, out } => keys::generate(&name, &out),
        Config::KeysShow { file } => keys::show(&file),
        Config::TrustAdd {
            role,
            keyfile,
            trust,
        } => trust::add(role, &keyfile, &trust),
        Config::TrustShow { file } => trust::show(&file),
        Config::Seal(c) => seal::run(&c),
        Config::Timestamp { session, policy } => seal::timestamp(&session, &policy),
        Config::Verify(c) => verify::run(&c),
        Config::Proof(c) => proof::run(&c),
        Config::VerifyFile(c) => verify_file::run(&c),
        Config::Excerpt(c) => excerpt::run(&c),
        Config::Event(c) => event::run(&c),
        Config::Close(c) => close::run(&c),
        Config::Series(c) => series::run(&c),
        Config::RecordTemplate => record::template(),
        Config::RecordCheck { file } => record::check(&file),
        Config::RecordSeal {
            session,
            key,
            recorder_key,
        } => record::seal(&session, &key, recorder_key.as_deref()),
        Config::Check(c) => check::run(&c),
        Config::Audit(c) => audit::run(&c),
        Config::VerifyAct(c) => verify_act::run(&c),
        Config::Export(c) => export::run(&c),
        Config::Retire(c) => retire::run(&c),
        Config::Inspect(c) => inspect::run(&c),
        Config::Compare(c) => compare::run(&c),
    }
}

/// The trust store built from the `--trust` files.
fn load_trust(files: &[PathBuf]) -> Result<TrustStore> {
    let mut t = TrustStore::new();
    for f in files {
        t.load(f)?;
    }
    Ok(t)
}

/// How a file to read was named.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Named {
    /// On the command line: a link is followed, as a person expects.
    /// (A file inside a session is never read by path: it is read through
    /// the session's door, `courtseal::store::SessionSource`.)
    ByUser,
}

/// Reads a small regular file, at most `limit` bytes: a FIFO or a device is
/// refused before it is opened (it could hang the run), a link inside a
/// session is not followed, a larger file is refused rather than read whole.
fn read_small(path: &Path, named: Named, what: &str, limit: u64) -> Result<Vec<u8>> {
    use courtseal::store::layout::{read_bounded, BoundedReadError};
    match read_bounded(path, named == Named::ByUser, limit) {
        Ok(data) => Ok(data),
        Err(BoundedReadError::NotRegular) => bail!(
            "{}: not a regular file; cannot read the {what}",
            path.display()
        ),
        Err(BoundedReadError::TooLarge(_)) => bail!(
            "{}: too large for a {what} (more than {limit} bytes)",
            path.display()
        ),
        Err(BoundedReadError::Io(e)) => {
            Err(e).with_context(|| format!("{}: cannot read the {what}", path.display()))
        }
    }
}

/// [`read_small`], as UTF-8 text.
fn read_small_text(path: &Path, named: Named, what: &str, limit: u64) -> Result<String> {
    String::from_utf8(read_small(path, named, what, limit)?)
        .map_err(|_| anyhow::anyhow!("{}: the {what} is not UTF-8 text", path.display()))
}

/// Writes a document for people: a new file, or with --force a replacement
/// of the file there (atomically: the old one stays whole until the new one
/// is complete). Mode 0644.
fn write_document(out: &config::HtmlOutput, data: &[u8]) -> Result<()> {
    if !out.force {
        return write_new_file(&out.path, data);
    }
    let path = &out.path;
    if path.symlink_metadata().is_ok_and(|m| !m.is_file()) {
        bail!(
            "{}: not a regular file; refusing to replace it even with --force",
            path.display()
        );
    }
    write_public_file(path, data, true)
}

/// Writes a new file atomically (a temporary file in the same folder,
/// flushed to disk, then linked in under its name), never replacing one.
/// The file is public material: mode 0644 (temporary files start as 0600).
fn write_new_file(path: &Path, data: &[u8]) -> Result<()> {
    write_public_file(path, data, false)
}

/// Writes `data` as `path` atomically, mode 0644: a temporary file in the
/// same folder, flushed, then renamed over an existing file when `replace`,
/// else linked in only if no file has the name; then the folder is flushed.
fn write_public_file(path: &Path, data: &[u8], replace: bool) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = config::folder_of(path);
    let cannot = || format!("{}: cannot write", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(cannot)?;
    tmp.write_all(data).with_context(cannot)?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .with_context(cannot)?;
    tmp.as_file().sync_all().with_context(cannot)?;
    let persisted = if replace {
        tmp.persist(path)
    } else {
        tmp.persist_noclobber(path)
    };
    persisted.map_err(|e| {
        if !replace && e.error.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{}: already exists; refusing to overwrite it",
                path.display()
            )
        } else {
            anyhow::anyhow!("{}: cannot write: {}", path.display(), e.error)
        }
    })?;
    // The new name is durable once its folder is.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
