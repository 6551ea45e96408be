//! The tlog-witness client (<https://c2sp.org/tlog-witness>): submits a
//! session checkpoint to each witness of the policy with the consistency
//! proof from the size it last cosigned, and keeps the cosignatures it
//! returns in `courtseal/cosigned/<size>.note`. Never fails: what went
//! wrong is in the outcome, for a `witness.unreachable` line.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::format::checkpoint::Checkpoint;
use crate::note::{self, CosignatureCheck};
use crate::store::layout::SessionPaths;
use crate::trust::TrustedWitness;

/// How long a witness may take to accept a connection, and to send its
/// whole reply.
pub const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest reply read from a witness.
pub const MAX_REPLY_BYTES: u64 = 64 * 1024;

/// What submitting one checkpoint to one witness came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    /// A valid cosignature of it is kept already.
    Present {
        /// The witness's name.
        witness: String,
    },
    /// The witness cosigned; its line is kept.
    Cosigned {
        /// The witness's name.
        witness: String,
        /// The cosigned checkpoint file.
        file: PathBuf,
        /// The cosignature's time, POSIX seconds.
        time: u64,
    },
    /// The witness answered and refused the checkpoint as inconsistent
    /// with what it cosigned of this log before (422, or a 409 naming a
    /// size larger than this log): another history was shown to it under
    /// this key and origin.
    Refused {
        /// The witness's name.
        witness: String,
        /// Its answer.
        why: String,
    },
    /// Nothing kept this time.
    Failed {
        /// The witness's name.
        witness: String,
        /// Why.
        why: String,
    },
}

/// One line for a person about a [`Submission`] of the checkpoint of `size`.
pub fn describe(s: &Submission, size: u64) -> String {
    match s {
        Submission::Present { witness } => {
            format!("witness {witness} has cosigned the checkpoint of size {size} already")
        }
        Submission::Cosigned {
            witness,
            file,
            time,
        } => format!(
            "witness {witness} cosigned the checkpoint of size {size} at {time} (POSIX seconds); kept in {}",
            file.display()
        ),
        Submission::Refused { witness, why } => format!(
            "error: witness.fork: witness {witness} refused the checkpoint of size {size} ({why}); sealing goes on, but this log is not the one the witness cosigned under this key: keep the other history's cosigned checkpoint as evidence"
        ),
        Submission::Failed { witness, why } => format!(
            "warning: witness.unreachable: witness {witness} did not cosign the checkpoint of size {size} ({why}); sealing goes on, and the next checkpoint is submitted again"
        ),
    }
}

/// The folder of cosigned checkpoints.
pub fn cosigned_dir(paths: &SessionPaths) -> PathBuf {
    paths.dir.join("cosigned")
}

/// The largest size whose kept checkpoint `w` validly cosigned, with
/// whether `size` itself is among them.
fn last_cosigned(dir: &Path, w: &TrustedWitness, size: u64) -> (u64, bool) {
    let mut best = 0;
    let mut this = false;
    let Ok(rd) = std::fs::read_dir(dir) else {
        return (0, false);
    };
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(n) = crate::verify::witnesses::parse_file_name(&name) else {
            continue;
        };
        let Ok(bytes) = crate::store::layout::read_regular(&e.path(), 64 << 10) else {
            continue;
        };
        let Ok((text, sigs)) = note::split(&bytes) else {
            continue;
        };
        if sigs
            .iter()
            .any(|s| matches!(w.key.check(&text, s), CosignatureCheck::Valid(_)))
        {
            best = best.max(n);
            this |= n == size;
        }
    }
    (best, this)
}

/// At most this many witnesses are asked at once (each in its own thread,
/// each bounded by [`WITNESS_TIMEOUT`]); more wait for a free thread.
pub const MAX_PARALLEL: usize = 8;

/// Submits the checkpoint `cp` (whose signed note is `signed`, the bytes of
/// `checkpoints/<size>`) to every witness with a URL, and keeps what they
/// return. The witnesses are asked in parallel: one slow or silent witness
/// delays no other's cosignature being kept. The outcomes are in the trust
/// file's order.
pub fn submit_checkpoint(
    paths: &SessionPaths,
    tree: &crate::tlog::Tree,
    cp: &Checkpoint,
    signed: &[u8],
    witnesses: &[TrustedWitness],
) -> Vec<Submission> {
    submit_checkpoint_then(paths, tree, cp, signed, witnesses, &|_| {})
}

/// [`submit_checkpoint`], calling `kept` with the cosigned file as soon as
/// each witness's cosignature is kept (one call at a time, under the lock
/// that orders writes to that file).
pub fn submit_checkpoint_then(
    paths: &SessionPaths,
    tree: &crate::tlog::Tree,
    cp: &Checkpoint,
    signed: &[u8],
    witnesses: &[TrustedWitness],
    kept: &(dyn Fn(&Path) + Sync),
) -> Vec<Submission> {
    let dir = cosigned_dir(paths);
    let text = cp.to_text();
    let asked: Vec<(&TrustedWitness, &str)> = witnesses
        .iter()
        .filter_map(|w| w.url.as_deref().map(|u| (w, u)))
        .collect();
    let results: Vec<std::sync::Mutex<Option<Submission>>> =
        asked.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let write = std::sync::Mutex::new(());
    let threads = asked.len().min(MAX_PARALLEL);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((w, url)) = asked.get(i) else { break };
                let sub = submit_one(&dir, tree, cp, &text, signed, w, url, &write, kept);
                if let Ok(mut slot) = results[i].lock() {
                    *slot = Some(sub);
                }
            });
        }
    });
    results
        .into_iter()
        .zip(&asked)
        .map(|(r, (w, _))| {
            r.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Submission::Failed {
                    witness: w.key.name().to_owned(),
                    why: "its submission stopped unexpectedly".to_owned(),
                })
        })
        .collect()
}

/// Asks one witness; keeps its cosignature under `write`.
#[allow(clippy::too_many_arguments)]
fn submit_one(
    dir: &Path,
    tree: &crate::tlog::Tree,
    cp: &Checkpoint,
    text: &str,
    signed: &[u8],
    w: &TrustedWitness,
    url: &str,
    write: &std::sync::Mutex<()>,
    kept: &(dyn Fn(&Path) + Sync),
) -> Submission {
    let witness = w.key.name().to_owned();
    let (old, present) = last_cosigned(dir, w, cp.size);
    if present {
        return Submission::Present { witness };
    }
    let outcome = add_checkpoint(url, tree, cp, signed, old).map_err(|e| match e {
        Answer::Fork(why) => (true, why),
        Answer::Other(why) => (false, why),
    });
    let outcome = outcome.and_then(|lines| {
            // Only lines of this witness that hold over this text are kept,
            // and only when dated no later than now (with the clock skew
            // verify allows): a line dated ahead proves no time and would
            // only be refused by every later verify.
            let latest = crate::verify::witnesses::latest_usable_time();
            let mut time = None;
            let mut ahead = None;
            let mut keep = String::new();
            for line in lines.lines().filter(|l| !l.is_empty()) {
                let probe = format!("{text}\n{line}\n");
                let Ok((t, sigs)) = note::split(probe.as_bytes()) else {
                    continue;
                };
                if let Some(CosignatureCheck::Valid(at)) = sigs.first().map(|s| w.key.check(&t, s))
                {
                    if at > latest {
                        ahead = Some(at);
                        continue;
                    }
                    time = Some(at);
                    keep.push_str(line);
                    keep.push('\n');
                }
            }
            let time = time.ok_or_else(|| match ahead {
                Some(at) => (
                    false,
                    format!(
                        "its cosignature is dated {} (POSIX seconds {at}), after now: the witness's clock is ahead or its time is not true; not kept",
                        i64::try_from(at)
                            .ok()
                            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                            .and_then(|t| t
                                .format(&time::format_description::well_known::Rfc3339)
                                .ok())
                            .unwrap_or_else(|| "beyond the calendar".to_owned())
                    ),
                ),
                None => (
                    false,
                    "its reply holds no valid cosignature of its key over the checkpoint"
                        .to_owned(),
                ),
            })?;
            let _held = write.lock().unwrap_or_else(|p| p.into_inner());
            let file = append(dir, cp.size, signed, &keep).map_err(|e| (false, e))?;
            kept(&file);
            Ok((file, time))
        });
    match outcome {
        Ok((file, time)) => Submission::Cosigned {
            witness,
            file,
            time,
        },
        Err((true, why)) => Submission::Refused { witness, why },
        Err((false, why)) => Submission::Failed { witness, why },
    }
}

/// Why a witness gave no cosignature.
enum Answer {
    /// It holds another history of this log (422, or 409 with a larger size).
    Fork(String),
    /// Anything else: unreachable, unknown log, a bad reply.
    Other(String),
}

impl From<String> for Answer {
    fn from(s: String) -> Answer {
        Answer::Other(s)
    }
}

impl From<&str> for Answer {
    fn from(s: &str) -> Answer {
        Answer::Other(s.to_owned())
    }
}

/// `POST URL/add-checkpoint`; on 409 retries once from the size the
/// witness says it has. The cosignature lines of a 200.
fn add_checkpoint(
    url: &str,
    tree: &crate::tlog::Tree,
    cp: &Checkpoint,
    signed: &[u8],
    old: u64,
) -> Result<String, Answer> {
    let mut old = old;
    for _ in 0..2 {
        let mut body = format!("old {old}\n");
        if old > 0 && old < cp.size {
            let proof = tree
                .consistency_proof(old, cp.size)
                .ok_or("no consistency proof between the sizes")?;
            for h in proof {
                body.push_str(&B64.encode(h));
                body.push('\n');
            }
        }
        body.push('\n');
        let mut body = body.into_bytes();
        body.extend_from_slice(signed);
        let (code, ctype, reply) = http_post(&format!("{url}/add-checkpoint"), &body)?;
        let shown = || shown_reply(&reply);
        match code {
            200 => {
                return String::from_utf8(reply).map_err(|_| "its reply is not UTF-8".into())
            }
            409 if ctype.starts_with("text/x.tlog.size") => {
                let n: u64 = shown()
                    .parse()
                    .map_err(|_| format!("409 with a size that is not a number ({:?})", shown()))?;
                if n > cp.size || tree.root_at(n).is_none() && n != 0 {
                    return Err(Answer::Fork(format!(
                        "it has cosigned size {n} of this log, more than this log's {}: another history with this key was shown to it (a fork)",
                        cp.size
                    )));
                }
                old = n;
            }
            // litewitness answers 403 both for an unknown log and for a
            // signature by no key it knows of the log: its text says which.
            403 => return Err(format!("403: it does not know the log {:?} or the key that signed the checkpoint; its operator adds them with witnessctl add-log and add-key ({})", cp.origin, shown()).into()),
            404 => return Err(format!("404: it does not know the log {:?} ({})", cp.origin, shown()).into()),
            422 => return Err(Answer::Fork(format!("422: the consistency proof from size {old} does not verify: this log is not consistent with what it cosigned ({})", shown()))),
            c => return Err(format!("HTTP {c} ({})", shown()).into()),
        }
    }
    Err("409 twice: the witness moved on while it was asked".into())
}

/// A witness's reply text for a person: its first line (Go's `http.Error`
/// ends it with a newline; CR LF or LF), control characters dropped, at
/// most 200 characters.
fn shown_reply(reply: &[u8]) -> String {
    String::from_utf8_lossy(reply)
        .trim()
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// Adds `lines` to `cosigned/<size>.note` (made from `signed` when absent),
/// written to a temporary file, made durable and renamed into place.
fn append(dir: &Path, size: u64, signed: &[u8], lines: &str) -> Result<PathBuf, String> {
    let shown = |e: &dyn std::fmt::Display| format!("{}: {e}", dir.display());
    match std::fs::symlink_metadata(dir) {
        Ok(m) if !m.is_dir() => return Err(shown(&"not a folder; the cosignature is not kept")),
        Ok(_) => {}
        Err(_) => std::fs::create_dir(dir).map_err(|e| shown(&e))?,
    }
    let path = dir.join(format!("{size}.note"));
    let mut bytes =
        crate::store::layout::read_regular(&path, 64 << 10).unwrap_or_else(|_| signed.to_vec());
    let have = String::from_utf8_lossy(&bytes).into_owned();
    for l in lines.lines() {
        if !have.lines().any(|h| h == l) {
            bytes.extend_from_slice(l.as_bytes());
            bytes.push(b'\n');
        }
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| shown(&e))?;
    tmp.write_all(&bytes).map_err(|e| shown(&e))?;
    tmp.as_file().sync_all().map_err(|e| shown(&e))?;
    tmp.persist(&path).map_err(|e| shown(&e))?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644));
    }
    let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    Ok(path)
}

/// One HTTP/1.0 POST: (status, content type, body), bounded.
fn http_post(url: &str, body: &[u8]) -> Result<(u16, String, Vec<u8>), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// witness URLs are supported"))?;
    let (host_port, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host_port.is_empty()
        || !host_port
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        || path.bytes().any(|b| b.is_ascii_control() || b == b' ')
    {
        return Err(format!("{url}: not a usable URL"));
    }
    let addr = if host_port.contains(':') && !host_port.ends_with(']') {
        host_port.to_owned()
    } else {
        format!("{host_port}:80")
    };
    let io = |e: std::io::Error| format!("{url}: {e}");
    let sock = addr
        .to_socket_addrs()
        .map_err(io)?
        .next()
        .ok_or_else(|| format!("{url}: the host name has no address"))?;
    let mut s = TcpStream::connect_timeout(&sock, WITNESS_TIMEOUT).map_err(io)?;
    s.set_read_timeout(Some(WITNESS_TIMEOUT)).map_err(io)?;
    s.set_write_timeout(Some(WITNESS_TIMEOUT)).map_err(io)?;
    let head = format!(
        "POST {path} HTTP/1.0\r\nHost: {host_port}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).map_err(io)?;
    s.write_all(body).map_err(io)?;
    // The whole reply within WITNESS_TIMEOUT, not each read: a server
    // sending a byte now and then must not hold the seal.
    let deadline = std::time::Instant::now() + WITNESS_TIMEOUT;
    let cap = (MAX_REPLY_BYTES + 16 * 1024) as usize;
    let mut reply = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(format!(
                "{url}: no complete reply within {} s",
                WITNESS_TIMEOUT.as_secs()
            ));
        }
        s.set_read_timeout(Some(left)).map_err(io)?;
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                reply.extend_from_slice(&buf[..n.min(cap + 1 - reply.len())]);
                if reply.len() > cap {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(format!(
                    "{url}: no complete reply within {} s",
                    WITNESS_TIMEOUT.as_secs()
                ))
            }
            Err(e) => return Err(io(e)),
        }
    }
    let end = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("{url}: the reply is not HTTP"))?;
    let head = String::from_utf8_lossy(&reply[..end]).into_owned();
    let code = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| format!("{url}: the reply has no status"))?;
    let ctype = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_ascii_lowercase())
        })
        .unwrap_or_default();
    let body = reply[end + 4..].to_vec();
    if body.len() as u64 > MAX_REPLY_BYTES {
        return Err(format!("{url}: the reply is larger than any witness reply"));
    }
    Ok((code, ctype, body))
}

/// Submits the session's latest checkpoint (`courtseal/checkpoint`, checked
/// against the log) to every witness with a URL: its size and the outcomes.
pub fn submit_latest(
    paths: &SessionPaths,
    witnesses: &[TrustedWitness],
) -> Result<(u64, Vec<Submission>), String> {
    let cp = crate::timestamp::latest_checkpoint(paths)?;
    let signed = paths
        .read(crate::store::layout::CHECKPOINT_NAME, 64 << 10)
        .map_err(|e| format!("{}: {e}", paths.checkpoint.display()))?;
    let log = crate::log::Log::read_from(&paths.source())
        .map_err(|e| format!("{}: {e}", paths.log.display()))?;
    let tree = log.tree();
    Ok((
        cp.size,
        submit_checkpoint(paths, &tree, &cp, &signed, witnesses),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-shot HTTP server on 127.0.0.1 answering `reply` to whatever
    /// comes; its URL.
    fn answer_once(reply: &'static [u8]) -> String {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let mut buf = [0u8; 8192];
                let _ = s.read(&mut buf);
                let _ = s.write_all(reply);
            }
        });
        url
    }

    fn tree_of(n: u8) -> (crate::tlog::Tree, Checkpoint) {
        let t = crate::tlog::Tree::from_leaf_hashes((0..n).map(|i| [i; 32]).collect());
        let cp = Checkpoint::new("courtroom5.court.example", t.size(), t.root());
        (t, cp)
    }

    /// litewitness (Go's `http.Error`) ends its text with a newline; the
    /// line shown is the first, whatever the line ending, without controls.
    #[test]
    fn a_reply_is_shown_by_its_first_line_whatever_its_line_ending() {
        assert_eq!(
            shown_reply(b"bad consistency proof\n"),
            "bad consistency proof"
        );
        assert_eq!(shown_reply(b"unknown log\r\nmore\r\n"), "unknown log");
        assert_eq!(shown_reply(b"a\x07b\n"), "ab");
        assert_eq!(shown_reply(&[b'x'; 500]).len(), 200);
    }

    /// A 422 (the proof from the size the witness holds does not verify) is
    /// the witness refusing another history: a fork, not an unreachable
    /// witness.
    #[test]
    fn a_422_is_a_fork() {
        let url = answer_once(
            b"HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbad consistency proof\n",
        );
        let (t, cp) = tree_of(5);
        match add_checkpoint(&url, &t, &cp, b"note\n", 3) {
            Err(Answer::Fork(why)) => {
                assert!(
                    why.starts_with("422: the consistency proof from size 3"),
                    "{why}"
                );
                assert!(why.ends_with("(bad consistency proof)"), "{why}");
            }
            _ => panic!("not a fork"),
        }
    }

    /// A 409 naming a size larger than this log: the witness has cosigned
    /// more of this origin than this log holds.
    #[test]
    fn a_409_with_a_size_larger_than_the_log_is_a_fork() {
        let url =
            answer_once(b"HTTP/1.1 409 Conflict\r\nContent-Type: text/x.tlog.size\r\n\r\n9\n");
        let (t, cp) = tree_of(5);
        match add_checkpoint(&url, &t, &cp, b"note\n", 0) {
            Err(Answer::Fork(why)) => assert!(why.contains("cosigned size 9"), "{why}"),
            _ => panic!("not a fork"),
        }
    }

    /// litewitness answers 403 "unknown log" for a log it was not told
    /// about: the line says so and what its operator does; not a fork.
    #[test]
    fn a_403_names_the_log_and_the_operator_step_and_is_no_fork() {
        let url = answer_once(b"HTTP/1.1 403 Forbidden\r\n\r\nunknown log\n");
        let (t, cp) = tree_of(2);
        match add_checkpoint(&url, &t, &cp, b"note\n", 0) {
            Err(Answer::Other(why)) => {
                assert!(why.contains("\"courtroom5.court.example\""), "{why}");
                assert!(why.contains("witnessctl add-log"), "{why}");
                assert!(why.ends_with("(unknown log)"), "{why}");
            }
            _ => panic!("not a plain failure"),
        }
    }

    #[test]
    fn a_refusal_is_described_as_witness_fork_and_a_failure_as_unreachable() {
        let r = Submission::Refused {
            witness: "w".into(),
            why: "422".into(),
        };
        assert!(describe(&r, 5).starts_with("error: witness.fork: witness w refused"));
        let f = Submission::Failed {
            witness: "w".into(),
            why: "down".into(),
        };
        assert!(describe(&f, 5).starts_with("warning: witness.unreachable: "));
    }
}
