//! The log: newline-terminated JSON lines, each the bytes of one RFC 6962
//! leaf, and an incomplete last line left by an interrupted write.

use std::io;
use std::path::Path;

use crate::entry::{Entry, EntryError, SegmentEntry, SessionHeader};
use crate::tlog::{self, Tree};

/// One line of the log as stored.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// Line number, from 1.
    pub number: usize,
    /// The bytes of the line, without its newline: the hashed bytes.
    pub bytes: Vec<u8>,
    /// The parsed entry, or why it does not parse.
    pub entry: Result<Entry, EntryError>,
}

/// The log as read from disk.
#[derive(Debug, Clone, Default)]
pub struct Log {
    /// Complete (newline-terminated) lines.
    pub lines: Vec<LogLine>,
    /// Bytes after the last newline: a torn write.
    pub torn_tail: Option<Vec<u8>>,
}

/// Largest session log read, in bytes: a day of sealing with a heartbeat
/// every second is well under a tenth of this; anything larger is refused
/// rather than read into memory.
pub const MAX_LOG_BYTES: u64 = 1 << 30;

impl Log {
    /// Reads and parses a log file.
    pub fn read(path: &Path) -> io::Result<Log> {
        // A link, FIFO or device planted as the log is never read.
        Ok(Log::parse(&crate::store::layout::read_regular(
            path,
            MAX_LOG_BYTES,
        )?))
    }

    /// Reads and parses the log of a session (`courtseal/log.jsonl`)
    /// through its door: never through a link, never a FIFO, at most
    /// [`MAX_LOG_BYTES`].
    pub fn read_from(source: &dyn crate::store::SessionSource) -> io::Result<Log> {
        Ok(Log::parse(&crate::store::source::read_io(
            source,
            crate::format::LOG_NAME,
            MAX_LOG_BYTES,
        )?))
    }

    /// Parses log bytes.
    pub fn parse(data: &[u8]) -> Log {
        let mut log = Log::default();
        let mut rest = data;
        while !rest.is_empty() {
            match rest.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let bytes = rest[..i].to_vec();
                    let entry = Entry::parse(&bytes);
                    log.lines.push(LogLine {
                        number: log.lines.len() + 1,
                        bytes,
                        entry,
                    });
                    rest = &rest[i + 1..];
                }
                None => {
                    log.torn_tail = Some(rest.to_vec());
                    break;
                }
            }
        }
        log
    }

    /// The RFC 6962 tree over every complete line.
    pub fn tree(&self) -> Tree {
        Tree::from_leaf_hashes(
            self.lines
                .iter()
                .map(|l| tlog::leaf_hash(&l.bytes))
                .collect(),
        )
    }

    /// The session header, if the first line is one.
    pub fn header(&self) -> Option<&SessionHeader> {
        match self.lines.first().map(|l| &l.entry) {
            Some(Ok(Entry::Session(h))) => Some(h),
            _ => None,
        }
    }

    /// The segment entries with their line numbers.
    pub fn segments(&self) -> impl Iterator<Item = (usize, &SegmentEntry)> {
        self.lines.iter().filter_map(|l| match &l.entry {
            Ok(Entry::Segment(s)) => Some((l.number, s)),
            _ => None,
        })
    }
}
