//! The one door to the disk: how a session folder is laid out and read.

pub mod bagit;
pub mod layout;
pub mod source;

pub use source::{LocalSession, SessionSource};
