//! The origin line of a log: the first line of every checkpoint, the log's
//! unique identity (C2SP tlog-checkpoint).
//!
//! The checkpoint format itself only needs a non-empty line without a
//! newline. A new log gets a stricter origin, so that it can also be a
//! signed-note key name (witnesses name the log's key after its origin) and
//! be read unambiguously by a person: printable, no Unicode space, no `+`,
//! at most [`MAX_LEN`] bytes. Logs sealed earlier are read as they are.

use std::fmt;

/// Longest origin accepted for a new log, in bytes.
pub const MAX_LEN: usize = 255;

/// A checked origin for a new log.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

/// Why an origin was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    /// Nothing given.
    #[error("the origin is empty")]
    Empty,
    /// Too long.
    #[error("the origin is {0} bytes long; at most {MAX_LEN} are allowed")]
    TooLong(usize),
    /// A control character (tab, newline, ...) or an invisible one.
    #[error("the origin must be one line of printable text, without control characters, tabs, newlines or invisible formatting characters (it holds U+{0:04X})")]
    Control(u32),
    /// A space or `+`.
    #[error("the origin holds {0:?}; it must not contain spaces or '+' (it is also a key name), e.g. court.example/district2/courtroom5/2026-11-20")]
    Forbidden(char),
}

impl Origin {
    /// Checks `s` as the origin of a new log.
    pub fn new(s: &str) -> Result<Origin, OriginError> {
        if s.is_empty() {
            return Err(OriginError::Empty);
        }
        if s.len() > MAX_LEN {
            return Err(OriginError::TooLong(s.len()));
        }
        if let Some(c) = s.chars().find(|c| hidden(*c)) {
            return Err(OriginError::Control(c as u32));
        }
        if let Some(c) = s.chars().find(|c| c.is_whitespace() || *c == '+') {
            return Err(OriginError::Forbidden(c));
        }
        Ok(Origin(s.to_owned()))
    }

    /// The origin line.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters no origin may hold: controls (C0, DEL, C1), whitespace other
/// than the space, and invisible formatting or direction marks that would
/// make two different origins look the same.
pub fn hidden(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// `s` as it may be printed: every [`hidden`] character except the newline
/// is shown as its code point, `\u202E`, so that a name made to read as
/// another (a right-to-left override, a zero-width space) is seen as it is,
/// and a carriage return or terminal escape cannot rewrite what was printed.
/// Inside a JSON string the escape means the same character, so a whole
/// JSON document may be passed through as well. Segment names hold no
/// backslash, so the escape cannot be confused with a name.
pub fn escape(s: &str) -> String {
    if !s.chars().any(|c| c != '\n' && hidden(c)) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c != '\n' && hidden(c) {
            out.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_spaces_and_empty_origins_are_refused() {
        assert_eq!(Origin::new(""), Err(OriginError::Empty));
        assert_eq!(Origin::new("a\tb"), Err(OriginError::Control(9)));
        assert_eq!(Origin::new("a\nb"), Err(OriginError::Control(10)));
        assert_eq!(Origin::new(" a"), Err(OriginError::Forbidden(' ')));
        assert_eq!(Origin::new("a+b"), Err(OriginError::Forbidden('+')));
        assert_eq!(Origin::new("a\u{202e}b"), Err(OriginError::Control(0x202e)));
        assert_eq!(Origin::new("a\u{a0}b"), Err(OriginError::Control(0xa0)));
        assert_eq!(
            Origin::new(&"x".repeat(MAX_LEN + 1)),
            Err(OriginError::TooLong(MAX_LEN + 1))
        );
        let ok = "court.example/district2/courtroom5/2026-11-20";
        assert_eq!(escape("seg\u{202e}4pm.m4a"), "seg\\u202E4pm.m4a");
        assert_eq!(escape("tab\there\n"), "tab\\u0009here\n");
        let json = serde_json::to_string("a\u{2066}b\u{85}").unwrap();
        let back: String = serde_json::from_str(&escape(&json)).unwrap();
        assert_eq!(back, "a\u{2066}b\u{85}");
        assert_eq!(escape(ok), ok);
        assert_eq!(Origin::new(ok).map(|o| o.to_string()), Ok(ok.to_owned()));
    }
}
