//! How results are shown: [`text`] for people, [`json`] for machines.

pub mod json;
pub mod text;

use std::io::Write as _;

/// Writes to standard output; a closed pipe (e.g. `| head`) is not an error.
/// Every text-direction, invisible or control character other than the
/// newline is written as its escape (`\u202E`), so that no name in any
/// report reads as another; in JSON the escape means the same character.
pub fn emit(text: &str) -> std::io::Result<()> {
    let text = courtseal::format::origin::escape(text);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}
