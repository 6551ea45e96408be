//! Exit codes, in one place (documented in README.md).

/// Everything that was asked was verified (or done).
pub const OK: u8 = 0;
/// The material has at least one finding of severity error.
pub const FINDINGS: u8 = 1;
/// Operational failure: bad arguments, unreadable input, refused action.
pub const FAILURE: u8 = 2;
