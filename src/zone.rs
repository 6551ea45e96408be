//! The court's time zone: local wall-clock times for people, checked
//! offsets for records.
//!
//! The log keeps every time in UTC; people read times in the court's own
//! zone. A [`CourtZone`] is an IANA zone name (`Asia/Almaty`) resolved against
//! the tz database bundled into the program, so the same input gives the same
//! text on every machine, whatever its own zone files say.
//!
//! ```
//! use courtseal::time::UtcTime;
//! use courtseal::zone::CourtZone;
//!
//! let almaty = CourtZone::new("Asia/Almaty").unwrap();
//! let t = UtcTime::parse("2026-11-20T05:00:30Z").unwrap();
//! assert_eq!(almaty.local(t), "2026-11-20 10:00:30 +05:00");
//! // Kazakhstan has been at UTC+5 since 2024-03-01: +06:00 is refused.
//! let wrong = time::macros::datetime!(2026-11-20 10:00:00 +06:00);
//! let e = almaty.check(wrong).unwrap_err();
//! assert_eq!(e.expected, "+05:00");
//! ```

use std::fmt;

use jiff::tz::TimeZone;
use time::{OffsetDateTime, UtcOffset};

use crate::time::UtcTime;

/// A court's time zone, by its IANA name.
#[derive(Debug, Clone, PartialEq)]
pub struct CourtZone {
    name: String,
    tz: TimeZone,
}

/// A zone name the bundled tz database does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a time zone name known to the tz database; \
     write the court's IANA zone, e.g. \"Asia/Almaty\" or \"Europe/Berlin\""
)]
pub struct ZoneError(pub String);

/// A time whose written offset is not the one the zone has at that instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetMismatch {
    /// The time as written (RFC 3339, its own offset).
    pub written: String,
    /// The offset as written (`+06:00`).
    pub found: String,
    /// The zone's offset at that instant (`+05:00`).
    pub expected: String,
    /// The zone's name.
    pub zone: String,
    /// The same instant, written with the zone's offset.
    pub same_instant: String,
    /// The same clock reading, written with the zone's offset.
    pub same_clock: String,
}

impl fmt::Display for OffsetMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} has offset {}, but {} is at {} on that date; write {} if {} was \
             read off the court's clock, or {} for the same instant",
            self.written,
            self.found,
            self.zone,
            self.expected,
            self.same_clock,
            clock_part(&self.written),
            self.same_instant
        )
    }
}

impl std::error::Error for OffsetMismatch {}

/// `10:00:00` out of `2026-11-20T10:00:00+06:00`.
fn clock_part(rfc3339: &str) -> &str {
    rfc3339
        .split_once('T')
        .map(|(_, t)| t.get(..8).unwrap_or(t))
        .unwrap_or(rfc3339)
}

/// `+05:00`, or `+05:30:15` when the offset has seconds.
pub fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, (s / 60) % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{sec:02}")
    }
}

impl CourtZone {
    /// The zone named `name` (IANA, e.g. `Asia/Almaty`; `UTC` is one too).
    pub fn new(name: &str) -> Result<CourtZone, ZoneError> {
        let trimmed = name.trim();
        // Only names: a bare offset or POSIX rule would not follow the
        // court's rule changes, which is the point of naming the zone.
        if trimmed.is_empty()
            || trimmed.starts_with(['+', '-'])
            || trimmed.chars().any(|c| c.is_ascii_digit()) && !trimmed.contains('/')
        {
            return Err(ZoneError(name.to_owned()));
        }
        let tz = jiff::tz::db()
            .get(trimmed)
            .map_err(|_| ZoneError(name.to_owned()))?;
        let name = tz.iana_name().unwrap_or(trimmed).to_owned();
        Ok(CourtZone { name, tz })
    }

    /// UTC, for records that name no zone and no `--tz`.
    pub fn utc() -> CourtZone {
        CourtZone {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    /// The zone's IANA name, as the tz database spells it.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn timestamp(t: UtcTime) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_nanosecond(t.instant().unix_timestamp_nanos()).ok()
    }

    /// The zone's offset from UTC at `t`, in seconds (0 outside the range
    /// the tz library handles, which no court time reaches).
    pub fn offset_seconds(&self, t: UtcTime) -> i32 {
        Self::timestamp(t).map_or(0, |ts| self.tz.to_offset(ts).seconds())
    }

    /// `t` as the zone's clock showed it.
    pub fn to_local(&self, t: UtcTime) -> OffsetDateTime {
        let off = UtcOffset::from_whole_seconds(self.offset_seconds(t)).unwrap_or(UtcOffset::UTC);
        // At the edge of the calendar (9999-12-31) the local time may not
        // exist: show the instant in UTC rather than fail.
        t.instant().checked_to_offset(off).unwrap_or(t.instant())
    }

    /// `2026-11-20 10:00:30 +05:00`: the time a person reads (whole seconds,
    /// truncated), with its offset.
    pub fn local(&self, t: UtcTime) -> String {
        let l = self.to_local(t);
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}",
            l.year(),
            u8::from(l.month()),
            l.day(),
            l.hour(),
            l.minute(),
            l.second(),
            format_offset(l.offset().whole_seconds())
        )
    }

    /// `10:00:30`: the clock time alone, for a span on one known date.
    pub fn local_clock(&self, t: UtcTime) -> String {
        let l = self.to_local(t);
        format!("{:02}:{:02}:{:02}", l.hour(), l.minute(), l.second())
    }

    /// `2026-11-20T10:00:30+05:00`: RFC 3339 in the zone's offset (whole
    /// seconds), for a value a person may copy into a record.
    pub fn local_rfc3339(&self, t: UtcTime) -> String {
        let l = self.to_local(t);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            l.year(),
            u8::from(l.month()),
            l.day(),
            l.hour(),
            l.minute(),
            l.second(),
            format_offset(l.offset().whole_seconds())
        )
    }

    /// Checks that `t`, as written in a record, uses the offset the zone
    /// has at that instant.
    ///
    /// A time whose instant leaves the calendar is not checked here: the
    /// range check of its reader refuses it.
    pub fn check(&self, t: OffsetDateTime) -> Result<(), Box<OffsetMismatch>> {
        let Some(utc) = t.checked_to_offset(UtcOffset::UTC) else {
            return Ok(());
        };
        self.check_offset(UtcTime::from(utc), t.offset().whole_seconds())
    }

    /// The court's calendar date at `t`.
    pub fn local_date(&self, t: UtcTime) -> time::Date {
        self.to_local(t).date()
    }

    /// Checks that a time written with offset `written_offset` (seconds) uses
    /// the offset the zone has at that instant.
    pub fn check_offset(&self, t: UtcTime, written_offset: i32) -> Result<(), Box<OffsetMismatch>> {
        let expected = self.offset_seconds(t);
        if expected == written_offset {
            return Ok(());
        }
        let written_off = UtcOffset::from_whole_seconds(written_offset).unwrap_or(UtcOffset::UTC);
        let as_written = t
            .instant()
            .checked_to_offset(written_off)
            .unwrap_or(t.instant());
        let written = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            as_written.year(),
            u8::from(as_written.month()),
            as_written.day(),
            as_written.hour(),
            as_written.minute(),
            as_written.second(),
            format_offset(written_offset)
        );
        // The same clock reading in the zone: shift by the difference.
        let same_clock = UtcTime::from(
            as_written
                .replace_offset(UtcOffset::from_whole_seconds(expected).unwrap_or(UtcOffset::UTC)),
        );
        Err(Box::new(OffsetMismatch {
            written,
            found: format_offset(written_offset),
            expected: format_offset(expected),
            zone: self.name.clone(),
            same_instant: self.local_rfc3339(t),
            same_clock: self.local_rfc3339(same_clock),
        }))
    }

    /// The instant the court's clock read `hour:minute:second` on `date`.
    /// A clock time the zone skips or repeats (a daylight-saving change) is
    /// refused with the reason, never guessed.
    pub fn at_clock(
        &self,
        date: time::Date,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<UtcTime, String> {
        let bad = || format!("{hour:02}:{minute:02}:{second:02} is not a clock time");
        let h = i8::try_from(hour).map_err(|_| bad())?;
        let m = i8::try_from(minute).map_err(|_| bad())?;
        let s = i8::try_from(second).map_err(|_| bad())?;
        let d = jiff::civil::Date::new(
            i16::try_from(date.year()).map_err(|_| bad())?,
            i8::try_from(u8::from(date.month())).map_err(|_| bad())?,
            i8::try_from(date.day()).map_err(|_| bad())?,
        )
        .map_err(|_| bad())?;
        let dt = jiff::civil::DateTime::new(d.year(), d.month(), d.day(), h, m, s, 0)
            .map_err(|_| bad())?;
        let ts = self
            .tz
            .to_ambiguous_timestamp(dt)
            .unambiguous()
            .map_err(|_| {
                format!(
                    "{date} {hour:02}:{minute:02}:{second:02} is skipped or repeated by a clock \
                 change in {}; give the time with its offset (RFC 3339)",
                    self.name
                )
            })?;
        let t = OffsetDateTime::from_unix_timestamp_nanos(ts.as_nanosecond()).map_err(|_| bad())?;
        Ok(UtcTime::from(t))
    }
}

impl fmt::Display for CourtZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn almaty_moved_to_utc_plus_5_on_2024_03_01() {
        let z = CourtZone::new("Asia/Almaty").unwrap();
        let before = UtcTime::parse("2024-02-20T04:00:00Z").unwrap();
        let after = UtcTime::parse("2026-11-20T04:00:00Z").unwrap();
        assert_eq!(z.local(before), "2024-02-20 10:00:00 +06:00");
        assert_eq!(z.local(after), "2026-11-20 09:00:00 +05:00");
    }

    #[test]
    fn offsets_and_bare_numbers_are_not_zone_names() {
        for bad in ["", "+05:00", "-3", "UTC+5", "Asia/Nowhere", "GMT+5x"] {
            assert!(CourtZone::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(CourtZone::new("utc").unwrap().name(), "UTC");
    }

    #[test]
    fn a_wrong_offset_says_what_to_write() {
        let z = CourtZone::new("Asia/Almaty").unwrap();
        let t = UtcTime::parse("2026-11-20T10:00:00+06:00").unwrap();
        let e = z.check_offset(t, 6 * 3600).unwrap_err();
        assert_eq!(e.same_clock, "2026-11-20T10:00:00+05:00");
        assert_eq!(e.same_instant, "2026-11-20T09:00:00+05:00");
        let ok = time::macros::datetime!(2026-11-20 10:00:00 +05:00);
        assert!(z.check(ok).is_ok());
        let wrong = time::macros::datetime!(2026-11-20 10:00:00 +06:00);
        assert_eq!(z.check(wrong).unwrap_err(), e);
    }

    #[test]
    fn the_last_second_of_the_calendar_is_shown_not_a_panic() {
        let z = CourtZone::new("Asia/Almaty").unwrap();
        let t = time::macros::datetime!(9999-12-31 23:59:59 +00:00);
        assert!(!z.local(UtcTime::from(t)).is_empty());
        let _ = z.check(t);
        let w = time::macros::datetime!(9999-12-31 23:59:59 -05:00);
        assert!(z.check(w).is_ok());
    }

    #[test]
    fn a_skipped_clock_time_is_refused() {
        let z = CourtZone::new("Europe/Berlin").unwrap();
        let d = time::Date::from_calendar_date(2026, time::Month::March, 29).unwrap();
        assert!(z.at_clock(d, 2, 30, 0).is_err());
        assert_eq!(
            z.at_clock(d, 3, 30, 0).unwrap().to_string(),
            "2026-03-29T01:30:00.000Z"
        );
        assert!(z.at_clock(d, 24, 0, 0).is_err());
    }
}
