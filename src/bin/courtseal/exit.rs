//! Exit codes, in one place (documented in README.md).

use courtseal::finding::{has_errors, Finding};

/// Everything that was asked was verified (or done).
pub const OK: u8 = 0;
/// The material has at least one finding of severity error.
pub const FINDINGS: u8 = 1;
/// Operational failure: bad arguments, unreadable input, refused action.
pub const FAILURE: u8 = 2;

/// [`FINDINGS`] when any finding is an error, else [`OK`].
pub fn for_findings(findings: &[Finding]) -> u8 {
    if has_errors(findings) {
        FINDINGS
    } else {
        OK
    }
}
