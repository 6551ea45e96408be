//! Retention arithmetic: how long recordings are kept after the verdict
//! enters into force, the deadline that gives, and where a session stands
//! with respect to it on a given day.
//!
//! Pure and checked: a period or a date that would leave the calendar
//! (years past 9999, periods of billions of months) is an error, never a
//! panic and never a wrapped-around date.

use serde::{Deserialize, Serialize};
use time::Date;

/// How long recordings are kept after the verdict enters into force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// Years.
    pub years: u32,
    /// Months.
    pub months: u32,
    /// Days.
    pub days: u32,
}

/// A deadline that cannot be put on the calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{date} plus {years} year(s), {months} month(s) and {days} day(s) is past the last date that can be represented ({max})", max = Date::MAX)]
pub struct DeadlineOverflow {
    /// The date the period was added to.
    pub date: Date,
    /// The period's years.
    pub years: u32,
    /// The period's months.
    pub months: u32,
    /// The period's days.
    pub days: u32,
}

impl Retention {
    /// Parses `1y`, `18m`, `90d`, or combinations like `1y6m`.
    pub fn parse(s: &str) -> Result<Retention, String> {
        let mut r = Retention {
            years: 0,
            months: 0,
            days: 0,
        };
        let mut num = String::new();
        let mut any = false;
        let too_long = || format!("{s:?}: the period is too long");
        for c in s.trim().chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            if num.is_empty() {
                return Err(format!("{s:?}: expected a number before {c:?}"));
            }
            let n: u32 = num.parse().map_err(|_| too_long())?;
            num.clear();
            let field = match c {
                'y' => &mut r.years,
                'm' => &mut r.months,
                'd' => &mut r.days,
                _ => {
                    return Err(format!(
                        "{s:?}: unknown unit {c:?} (use y, m or d, e.g. 5y or 60d)"
                    ))
                }
            };
            *field = field.checked_add(n).ok_or_else(too_long)?;
            any = true;
        }
        if !num.is_empty() || !any {
            return Err(format!("{s:?}: expected a period such as 1y, 18m or 60d"));
        }
        Ok(r)
    }

    /// `date` plus this period: years and months first (on the last day of
    /// a shorter month when the day does not exist there, so Feb 29 + 1y is
    /// Feb 28), then days. An error when the result is not a date.
    pub fn checked_after(&self, date: Date) -> Result<Date, DeadlineOverflow> {
        let overflow = || DeadlineOverflow {
            date,
            years: self.years,
            months: self.months,
            days: self.days,
        };
        let add_months = i64::from(self.years)
            .checked_mul(12)
            .and_then(|m| m.checked_add(i64::from(self.months)))
            .ok_or_else(overflow)?;
        let total_months = i64::from(date.year()) * 12 + (date.month() as i64 - 1) + add_months;
        let year = i32::try_from(total_months.div_euclid(12)).map_err(|_| overflow())?;
        let month = u8::try_from(total_months.rem_euclid(12) + 1)
            .ok()
            .and_then(|m| time::Month::try_from(m).ok())
            .ok_or_else(overflow)?;
        let day = date.day().min(month.length(year));
        let d = Date::from_calendar_date(year, month, day).map_err(|_| overflow())?;
        d.checked_add(time::Duration::days(i64::from(self.days)))
            .ok_or_else(overflow)
    }

    /// `date` plus this period, as [`Retention::checked_after`], but a
    /// deadline past the calendar is its last day ([`Date::MAX`],
    /// 9999-12-31): such a deadline is never reached, which is the
    /// safe reading for a retention deadline.
    pub fn after(&self, date: Date) -> Date {
        self.checked_after(date).unwrap_or(Date::MAX)
    }
}

/// Where a session stands with respect to its retention deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionState {
    /// No verdict date known: keep.
    Unknown,
    /// Deadline not yet near.
    Keep,
    /// Deadline within the window asked for.
    Due,
    /// Deadline passed.
    Overdue,
    /// Due or overdue, but the session has open findings: never safe to destroy.
    Hold,
    /// Media already destroyed under a signed retirement entry.
    Retired,
}

impl RetentionState {
    /// The state of a session on `today`: `deadline` is `None` when none is
    /// known; the deadline day itself is due, the day after overdue; a
    /// session due or overdue with open error findings is on hold.
    pub fn on(
        deadline: Option<Date>,
        today: Date,
        due_within_days: i64,
        retired: bool,
        open_errors: bool,
    ) -> RetentionState {
        if retired {
            return RetentionState::Retired;
        }
        let Some(deadline) = deadline else {
            return RetentionState::Unknown;
        };
        let until = (deadline - today).whole_days();
        let state = if until < 0 {
            RetentionState::Overdue
        } else if until <= due_within_days {
            RetentionState::Due
        } else {
            RetentionState::Keep
        };
        if open_errors && matches!(state, RetentionState::Due | RetentionState::Overdue) {
            RetentionState::Hold
        } else {
            state
        }
    }
}

/// The first day of the session's recording: the UTC date of the first
/// segment a trusted checkpoint covers, by the earlier of its declared start
/// (the recorder's media facts) and its sealing time, both signed by the
/// recorder's key; an operator's key can change neither.
pub fn first_sealed_day(log: &crate::log::Log, verified_size: u64) -> Option<Date> {
    let n = usize::try_from(verified_size).unwrap_or(usize::MAX);
    let day = |t: &str| {
        crate::time::UtcTime::parse(t)
            .ok()
            .map(|t| t.instant().date())
    };
    log.lines.iter().take(n).find_map(|l| match &l.entry {
        Ok(crate::entry::Entry::Segment(s)) => {
            let declared = s
                .media
                .as_ref()
                .and_then(|m| m.declared_start.as_deref())
                .and_then(day);
            match (declared, day(&s.sealed_at)) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
        _ => None,
    })
}

/// Why `verdict` cannot be the date the session's verdict entered into
/// force: it is before the session was recorded. A verdict cannot enter
/// into force before the hearing it concludes, so a deadline taken from
/// such a date would let the media be destroyed early. One day of slack
/// covers a court east of UTC whose local date is a day ahead.
pub fn verdict_before_session(verdict: Date, first_sealed: Option<Date>) -> Option<String> {
    let first = first_sealed?;
    let earliest = first.previous_day().unwrap_or(first);
    (verdict < earliest).then(|| {
        format!(
            "the sealed verdict-in-force date {verdict} is before the session was recorded (its first segment was sealed on {first}); a verdict cannot enter into force before the hearing, so no retention deadline is taken from it and the session is kept"
        )
    })
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn r(years: u32, months: u32, days: u32) -> Retention {
        Retention {
            years,
            months,
            days,
        }
    }

    #[test]
    fn parse_forms() {
        assert_eq!(Retention::parse("1y"), Ok(r(1, 0, 0)));
        assert_eq!(Retention::parse("18m"), Ok(r(0, 18, 0)));
        assert_eq!(Retention::parse("90d"), Ok(r(0, 0, 90)));
        assert_eq!(Retention::parse(" 1y6m10d "), Ok(r(1, 6, 10)));
        assert_eq!(Retention::parse("1y1y"), Ok(r(2, 0, 0)));
    }

    #[test]
    fn parse_refuses_bad_periods() {
        for bad in ["", "y", "5", "5w", "1y2", "-1y", "1.5y"] {
            assert!(Retention::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            Retention::parse("5w"),
            Err("\"5w\": unknown unit 'w' (use y, m or d, e.g. 5y or 60d)".into())
        );
    }

    // A number past u32, or a sum of parts past u32, used to be misread as
    // "no number" or wrap around (release builds) to a short period.
    #[test]
    fn parse_huge_period_is_an_error_not_a_wrap() {
        assert_eq!(
            Retention::parse("99999999999y"),
            Err("\"99999999999y\": the period is too long".into())
        );
        assert_eq!(
            Retention::parse("4294967295y1y"),
            Err("\"4294967295y1y\": the period is too long".into())
        );
        assert_eq!(Retention::parse("4294967295d"), Ok(r(0, 0, u32::MAX)));
    }

    #[test]
    fn deadline_adds_years_months_days() {
        let v = date!(2024 - 03 - 15);
        assert_eq!(r(1, 0, 0).checked_after(v), Ok(date!(2025 - 03 - 15)));
        assert_eq!(r(0, 18, 0).checked_after(v), Ok(date!(2025 - 09 - 15)));
        assert_eq!(r(0, 0, 90).checked_after(v), Ok(date!(2024 - 06 - 13)));
        assert_eq!(r(1, 6, 20).checked_after(v), Ok(date!(2025 - 10 - 05)));
        assert_eq!(r(0, 0, 0).checked_after(v), Ok(v));
        // Months roll over the year.
        assert_eq!(
            r(0, 10, 0).checked_after(date!(2024 - 11 - 30)),
            Ok(date!(2025 - 09 - 30))
        );
    }

    #[test]
    fn feb_29_plus_one_year_is_feb_28() {
        assert_eq!(
            r(1, 0, 0).checked_after(date!(2024 - 02 - 29)),
            Ok(date!(2025 - 02 - 28))
        );
        assert_eq!(
            r(4, 0, 0).checked_after(date!(2024 - 02 - 29)),
            Ok(date!(2028 - 02 - 29))
        );
        // Days are added after the months: 2024-02-29 + 1y1d is 2025-03-01.
        assert_eq!(
            r(1, 0, 1).checked_after(date!(2024 - 02 - 29)),
            Ok(date!(2025 - 03 - 01))
        );
    }

    #[test]
    fn end_of_month_takes_the_last_day_of_a_shorter_month() {
        assert_eq!(
            r(0, 1, 0).checked_after(date!(2025 - 01 - 31)),
            Ok(date!(2025 - 02 - 28))
        );
        assert_eq!(
            r(0, 1, 0).checked_after(date!(2024 - 01 - 31)),
            Ok(date!(2024 - 02 - 29))
        );
        assert_eq!(
            r(0, 3, 0).checked_after(date!(2025 - 01 - 31)),
            Ok(date!(2025 - 04 - 30))
        );
        assert_eq!(
            r(0, 1, 0).checked_after(date!(2025 - 04 - 30)),
            Ok(date!(2025 - 05 - 30))
        );
    }

    #[test]
    fn last_representable_day_is_reachable() {
        assert_eq!(
            r(0, 0, 1).checked_after(date!(9999 - 12 - 30)),
            Ok(date!(9999 - 12 - 31))
        );
        assert_eq!(
            r(1, 0, 0).checked_after(date!(9998 - 12 - 31)),
            Ok(date!(9999 - 12 - 31))
        );
    }

    // A verdict date late in 9999, or a period of billions of years, used
    // to panic ("valid date", date + days overflow) or wrap the month count.
    #[test]
    fn far_future_deadline_is_an_error_not_a_panic() {
        let cases = [
            (r(1, 0, 0), date!(9999 - 06 - 01)),
            (r(0, 7, 0), date!(9999 - 06 - 01)),
            (r(0, 0, 1), date!(9999 - 12 - 31)),
            (r(u32::MAX, u32::MAX, u32::MAX), date!(2024 - 01 - 01)),
            (r(0, u32::MAX, 0), date!(2024 - 01 - 01)),
            (r(0, 0, u32::MAX), date!(2024 - 01 - 01)),
            (r(u32::MAX, 0, 0), date!(2024 - 01 - 01)),
        ];
        for (period, verdict) in cases {
            let e = period.checked_after(verdict).unwrap_err();
            assert_eq!(e.date, verdict);
            assert!(e.to_string().ends_with("(9999-12-31)"), "{e}");
            // The infallible form keeps such a session for ever.
            assert_eq!(period.after(verdict), Date::MAX);
        }
    }

    #[test]
    fn state_at_the_edges() {
        let deadline = Some(date!(2025 - 06 - 10));
        let on = |today: Date, due: i64| RetentionState::on(deadline, today, due, false, false);
        assert_eq!(on(date!(2025 - 06 - 11), 0), RetentionState::Overdue);
        assert_eq!(on(date!(2025 - 06 - 10), 0), RetentionState::Due);
        assert_eq!(on(date!(2025 - 06 - 09), 0), RetentionState::Keep);
        assert_eq!(on(date!(2025 - 05 - 11), 30), RetentionState::Due);
        assert_eq!(on(date!(2025 - 05 - 10), 30), RetentionState::Keep);
    }

    #[test]
    fn open_errors_hold_only_what_is_due_or_overdue() {
        let deadline = Some(date!(2025 - 06 - 10));
        let held = |today: Date| RetentionState::on(deadline, today, 30, false, true);
        assert_eq!(held(date!(2025 - 07 - 01)), RetentionState::Hold);
        assert_eq!(held(date!(2025 - 06 - 01)), RetentionState::Hold);
        assert_eq!(held(date!(2025 - 01 - 01)), RetentionState::Keep);
    }

    #[test]
    fn retired_and_unknown() {
        let today = date!(2025 - 06 - 10);
        assert_eq!(
            RetentionState::on(None, today, 30, false, true),
            RetentionState::Unknown
        );
        assert_eq!(
            RetentionState::on(None, today, 30, true, false),
            RetentionState::Retired
        );
        assert_eq!(
            RetentionState::on(Some(date!(2020 - 01 - 01)), today, 30, true, true),
            RetentionState::Retired
        );
    }

    #[test]
    fn parse_date_is_strict() {
        assert_eq!(parse_date("2024-02-29"), Some(date!(2024 - 02 - 29)));
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("2025-2-3"), None);
        assert_eq!(parse_date("2025-02-03T00:00:00Z"), None);
        assert_eq!(parse_date(""), None);
    }
}
