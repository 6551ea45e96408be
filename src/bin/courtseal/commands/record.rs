//! `courtseal record template` and `courtseal record check`.

use std::path::Path;

use anyhow::Result;

use super::{read_small_text, Done, Named};
use crate::config::RECORD_BYTES;
use crate::exit;

/// Prints the commented template of record.toml.
pub fn template() -> Result<Done> {
    Ok(Done::new(courtseal::record::TEMPLATE.to_owned(), exit::OK))
}

/// Checks a record file, naming the field and line of each problem.
pub fn check(file: &Path) -> Result<Done> {
    let text = read_small_text(file, Named::ByUser, "record file", RECORD_BYTES)?;
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    Ok(match courtseal::record::parse(&text) {
        Ok(r) => Done::new(
            format!(
                "{}: valid short-form record: case {}, {} to {}, {} break(s), {} failure(s), {} appearance(s)\n",
                file.display(),
                r.case,
                r.start.format(rfc3339).unwrap_or_default(),
                r.end.format(rfc3339).unwrap_or_default(),
                r.breaks.len(),
                r.failures.len(),
                r.appearances.len()
            ),
            exit::OK,
        ),
        Err(errs) => {
            let out: String = errs
                .iter()
                .map(|e| format!("{}: {e}\n", file.display()))
                .collect();
            Done::new(out, exit::FINDINGS)
        }
    })
}
