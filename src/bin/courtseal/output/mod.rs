//! How results are shown: [`text`] for people, [`json`] for machines.

pub mod json;
pub mod text;

use std::io::Write as _;

/// Writes to standard output; a closed pipe (e.g. `| head`) is not an error.
pub fn emit(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}
