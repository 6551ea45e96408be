//! The one door to the disk: how a session folder is laid out and read.

pub mod archive;
pub mod bagit;
pub mod folder;
pub mod layout;
pub mod source;

pub use archive::{Archive, LocalArchive};
pub use source::{LocalSession, SessionSource};
