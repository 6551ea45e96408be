//! `courtseal record template`, `courtseal record check` and
//! `courtseal record seal`.

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

/// Signs the session's record into its log with the operator's key (and
/// the checkpoint over it with the recorder key, when given).
pub fn seal(session: &Path, key: &Path, recorder_key: Option<&Path>) -> Result<Done> {
    let operator = courtseal::keys::load_signer(key)?;
    let recorder = recorder_key.map(courtseal::keys::load_signer).transpose()?;
    let Some((file, text)) = courtseal::store::layout::read_record(session).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot read the short-form record: {e}",
            session.display()
        )
    })?
    else {
        anyhow::bail!(
            "{}: has no short-form record (record.toml or record.json) to seal",
            session.display()
        );
    };
    let r = courtseal::session::record::seal_record(
        session,
        &file,
        &text,
        &operator,
        recorder.as_ref(),
    )?;
    let mut out = format!(
        "{}: record revision {} (case {}, SHA-256 {}) signed by {} and appended at line {} (sealed at {})\n",
        file.display(),
        r.entry.revision,
        r.entry.case,
        r.entry.sha256.short(),
        operator.name(),
        r.line,
        r.entry.sealed_at
    );
    match &r.checkpoint {
        Some(cp) => out.push_str(&format!(
            "checkpoint signed: {} entries; the sealed record is now the one 'check' uses\n",
            cp.size
        )),
        None => out.push_str(
            "no checkpoint signed: the record counts once the next 'courtseal seal' signs over it\n",
        ),
    }
    Ok(Done::new(out, exit::OK))
}
