//! Wall-clock times: the one place RFC 3339 is read and written.
//!
//! Times in log entries are UTC with milliseconds (`2026-11-20T04:00:15.000Z`).
//! A time in the log that does not parse makes its entry invalid (a finding
//! on that line), so no check ever skips an entry silently for its time.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// An instant, kept in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(OffsetDateTime);

/// A text that is not an RFC 3339 time with an offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an RFC 3339 time with offset (e.g. 2026-11-20T10:00:00+05:00)")]
pub struct TimeError(pub String);

impl UtcTime {
    /// Now, from the system clock.
    pub fn now() -> UtcTime {
        UtcTime(OffsetDateTime::now_utc())
    }

    /// Parses RFC 3339 with any offset (kept as the same instant, in UTC).
    pub fn parse(s: &str) -> Result<UtcTime, TimeError> {
        OffsetDateTime::parse(s, &Rfc3339)
            .map(UtcTime::from)
            .map_err(|_| TimeError(s.to_owned()))
    }

    /// The instant.
    pub fn instant(self) -> OffsetDateTime {
        self.0
    }

    /// This time plus `seconds`, or `None` if that leaves the calendar
    /// (years 1 to 9999) or `seconds` is not finite.
    pub fn checked_add_seconds(self, seconds: f64) -> Option<UtcTime> {
        if !seconds.is_finite() {
            return None;
        }
        let d = time::Duration::checked_seconds_f64(seconds)?;
        self.0.checked_add(d).map(UtcTime)
    }
}

impl From<OffsetDateTime> for UtcTime {
    fn from(t: OffsetDateTime) -> Self {
        UtcTime(t.to_offset(UtcOffset::UTC))
    }
}

impl fmt::Display for UtcTime {
    /// UTC, RFC 3339, milliseconds: the form of every time in the log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        match self.0.format(&fmt) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

/// The current UTC time as it is written in entries.
pub fn now_utc() -> String {
    UtcTime::now().to_string()
}

/// Formats an instant as it is written in entries (UTC, milliseconds).
pub fn format_utc(t: OffsetDateTime) -> String {
    UtcTime::from(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_times_round_trip_in_utc_with_milliseconds() {
        let t = UtcTime::parse("2026-11-20T10:00:15.04+06:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-20T04:00:15.040Z");
        assert_eq!(UtcTime::parse(&t.to_string()).unwrap(), t);
    }

    #[test]
    fn unparseable_and_offsetless_times_are_refused() {
        for bad in [
            "",
            "14:30",
            "2026-11-20",
            "2026-11-20T10:00:00",
            "2026-13-01T00:00:00Z",
        ] {
            assert!(UtcTime::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn far_future_arithmetic_is_none_not_a_panic() {
        let t = UtcTime::parse("9999-12-31T23:59:59Z").unwrap();
        assert_eq!(t.checked_add_seconds(1.0), None);
        assert_eq!(t.checked_add_seconds(1e300), None);
        assert_eq!(t.checked_add_seconds(f64::NAN), None);
        assert!(t.checked_add_seconds(-1.0).is_some());
    }
}
