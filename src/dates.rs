//! Date windows: how far in the past and the future each kind of date a person enters may lie,
//! relative to their today ([`DatePolicy`], with [`HorizonPolicy`] for the dates of decisions
//! and closes). A window is checked when a value is entered, by the typed steps (and so by
//! commands, which run them), never when a stored record is read: a record stays readable
//! whatever today is.

use chrono::{Datelike, NaiveDate};

use crate::error::{Field, ValidationError};

/// How far ahead a decision date (and an opportunity's expected close) may lie for a lead to
/// count as "on the market within a reasonable time". The default is 365 days.
///
/// ```
/// use prospect::HorizonPolicy;
/// assert_eq!(HorizonPolicy::default().days(), 365);
/// assert!(HorizonPolicy::new(0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HorizonPolicy {
    days: u32,
}

impl HorizonPolicy {
    /// The longest horizon a policy may set: ten years.
    pub const MAX_DAYS: u32 = 3653;

    /// The widest horizon, [`MAX_DAYS`](Self::MAX_DAYS): what reading a stored timeline
    /// applies, since the policy in force when it was assessed is not stored.
    pub(crate) const WIDEST: HorizonPolicy = HorizonPolicy {
        days: Self::MAX_DAYS,
    };

    /// A horizon of `days` days.
    ///
    /// # Errors
    ///
    /// [`ValidationError::OutOfRange`] for [`Field::Horizon`] outside 1..=[`Self::MAX_DAYS`].
    pub fn new(days: u32) -> Result<HorizonPolicy, ValidationError> {
        days_in(Field::Horizon, days, 1, Self::MAX_DAYS).map(|days| HorizonPolicy { days })
    }

    /// The horizon in days.
    pub fn days(&self) -> u32 {
        self.days
    }
}

impl Default for HorizonPolicy {
    fn default() -> Self {
        HorizonPolicy { days: 365 }
    }
}

/// The windows of the dates a person enters, relative to their today (the [`Context`](crate::Context)'s
/// [`today`](crate::Context::today), in their offset from UTC):
///
/// | date | window | default |
/// |---|---|---|
/// | something that happened: an activity, a proposal sent, a contract signed, a timeline assessed | from `lookback` days ago to `skew` days ahead (the other party's calendar may be ahead) | 365 days back, 1 day ahead |
/// | a proposal sent, a contract signed | also not before the day the opportunity was created (less `skew`) | |
/// | a decision date, an expected close | from today to the [`HorizonPolicy`] | 365 days ahead |
/// | when a task is due | from `lookback` days ago to `planning` days ahead | 730 days ahead |
///
/// An activity's instant is also never after now ([`ValidationError::InFuture`]): it is logged
/// now, and a stored activity never happened after it was logged. A date outside its window is
/// a [`ValidationError`] naming the field ([`ValidationError::OutOfWindow`],
/// [`ValidationError::DateInPast`], [`ValidationError::BeyondHorizon`]); stored records are
/// never checked against a window, so they read whatever today is.
///
/// Given to a [`Crm`](crate::Crm) with [`Crm::with_dates`](crate::Crm::with_dates) (or to a
/// [`Context`](crate::Context) with [`Context::with_dates`](crate::Context::with_dates)). An
/// import of old data widens `lookback` for its run.
///
/// ```
/// use prospect::{DatePolicy, HorizonPolicy};
/// let policy = DatePolicy::default();
/// assert_eq!((policy.lookback_days(), policy.skew_days(), policy.planning_days()), (365, 1, 730));
/// assert_eq!(policy.horizon(), HorizonPolicy::default());
/// let import = policy.with_lookback(20 * 366)?.with_horizon(HorizonPolicy::new(730)?);
/// assert_eq!(import.lookback_days(), 7320);
/// assert!(DatePolicy::default().with_skew(30).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DatePolicy {
    lookback_days: u32,
    skew_days: u32,
    horizon: HorizonPolicy,
    planning_days: u32,
}

impl Default for DatePolicy {
    fn default() -> Self {
        DatePolicy {
            lookback_days: 365,
            skew_days: 1,
            horizon: HorizonPolicy::default(),
            planning_days: 730,
        }
    }
}

impl DatePolicy {
    /// The widest `lookback` and `planning` a policy may set: a hundred years.
    pub const MAX_DAYS: u32 = 36_525;
    /// The widest `skew` a policy may set: a week.
    pub const MAX_SKEW_DAYS: u32 = 7;

    /// The same policy, with things that happened accepted up to `days` days ago.
    ///
    /// # Errors
    ///
    /// [`ValidationError::OutOfRange`] for [`Field::DateWindow`] outside
    /// 0..=[`MAX_DAYS`](Self::MAX_DAYS).
    pub fn with_lookback(self, days: u32) -> Result<DatePolicy, ValidationError> {
        let lookback_days = days_in(Field::DateWindow, days, 0, Self::MAX_DAYS)?;
        Ok(DatePolicy {
            lookback_days,
            ..self
        })
    }

    /// The same policy, with things that happened accepted up to `days` days after today.
    ///
    /// # Errors
    ///
    /// [`ValidationError::OutOfRange`] for [`Field::DateWindow`] outside
    /// 0..=[`MAX_SKEW_DAYS`](Self::MAX_SKEW_DAYS).
    pub fn with_skew(self, days: u32) -> Result<DatePolicy, ValidationError> {
        let skew_days = days_in(Field::DateWindow, days, 0, Self::MAX_SKEW_DAYS)?;
        Ok(DatePolicy { skew_days, ..self })
    }

    /// The same policy, with decision dates and expected closes accepted up to `horizon`
    /// ahead.
    pub fn with_horizon(self, horizon: HorizonPolicy) -> DatePolicy {
        DatePolicy { horizon, ..self }
    }

    /// The same policy, with tasks due up to `days` days ahead.
    ///
    /// # Errors
    ///
    /// [`ValidationError::OutOfRange`] for [`Field::DateWindow`] outside
    /// 1..=[`MAX_DAYS`](Self::MAX_DAYS).
    pub fn with_planning(self, days: u32) -> Result<DatePolicy, ValidationError> {
        let planning_days = days_in(Field::DateWindow, days, 1, Self::MAX_DAYS)?;
        Ok(DatePolicy {
            planning_days,
            ..self
        })
    }

    /// How many days back a date of something that happened may lie.
    pub fn lookback_days(&self) -> u32 {
        self.lookback_days
    }

    /// How many days after today a date of something that happened may lie.
    pub fn skew_days(&self) -> u32 {
        self.skew_days
    }

    /// How far ahead a decision date or an expected close may lie.
    pub fn horizon(&self) -> HorizonPolicy {
        self.horizon
    }

    /// How many days ahead a task may be due.
    pub fn planning_days(&self) -> u32 {
        self.planning_days
    }

    /// Checks the date of something that happened (`field`): from `lookback` days before
    /// `today` to `skew` days after it, and not before `since` (less `skew`) when given: the day
    /// the record it is about began.
    pub(crate) fn happened(
        &self,
        field: Field,
        date: NaiveDate,
        today: Day,
        since: Option<Day>,
    ) -> Result<NaiveDate, ValidationError> {
        let mut earliest = today.minus(self.lookback_days);
        if let Some(since) = since {
            earliest = earliest.max(since.minus(self.skew_days));
        }
        within(field, date, earliest, today.plus(self.skew_days))
    }

    /// Checks a date to come (`field`: a decision date, an expected close): from `today` to
    /// the horizon.
    pub(crate) fn upcoming(
        &self,
        field: Field,
        date: NaiveDate,
        today: Day,
    ) -> Result<NaiveDate, ValidationError> {
        check_horizon(field, date, today, &self.horizon)
    }

    /// Checks when a task is due: from `lookback` days before `today` to `planning` days after.
    pub(crate) fn due(
        &self,
        field: Field,
        date: NaiveDate,
        today: Day,
    ) -> Result<NaiveDate, ValidationError> {
        let (earliest, latest) = (
            today.minus(self.lookback_days),
            today.plus(self.planning_days),
        );
        within(field, date, earliest, latest)
    }
}

/// Checks that `date` (`field`) lies from `today` to `horizon` days after it.
pub(crate) fn check_horizon(
    field: Field,
    date: NaiveDate,
    today: Day,
    horizon: &HorizonPolicy,
) -> Result<NaiveDate, ValidationError> {
    let day = Day::of(date);
    if day < today {
        return Err(ValidationError::DateInPast {
            field,
            date,
            today: today.date(),
        });
    }
    if day > today.plus(horizon.days) {
        return Err(ValidationError::BeyondHorizon {
            field,
            date,
            today: today.date(),
            horizon_days: horizon.days,
        });
    }
    Ok(date)
}

/// `date`, if it lies from `earliest` to `latest`.
fn within(
    field: Field,
    date: NaiveDate,
    earliest: Day,
    latest: Day,
) -> Result<NaiveDate, ValidationError> {
    if (earliest..=latest).contains(&Day::of(date)) {
        Ok(date)
    } else {
        Err(ValidationError::OutOfWindow {
            field,
            date,
            earliest: earliest.date(),
            latest: latest.date(),
        })
    }
}

/// A calendar day as a number (days from the first day of the common era, as chrono's
/// `num_days_from_ce` counts them), so that a window is two integer comparisons: the dates a
/// step checks are made from numbers only to name a window in an error. Reaches beyond
/// chrono's calendar at its ends, where [`date`](Day::date) clamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Day(i64);

impl Day {
    /// The first day of 1970, the Unix epoch's.
    const EPOCH: i64 = 719_163;

    /// The day of `date`.
    pub(crate) fn of(date: NaiveDate) -> Day {
        Day(i64::from(date.num_days_from_ce()))
    }

    /// The day of the instant `at` for someone `offset_seconds` ahead of UTC: the day of
    /// `at.with_timezone(offset).date_naive()`, by integer arithmetic.
    pub(crate) fn at(at: chrono::DateTime<chrono::Utc>, offset_seconds: i32) -> Day {
        let local = at.timestamp() + i64::from(offset_seconds);
        Day(local.div_euclid(86_400) + Self::EPOCH)
    }

    /// `days` days later.
    fn plus(self, days: u32) -> Day {
        Day(self.0 + i64::from(days))
    }

    /// `days` days earlier.
    fn minus(self, days: u32) -> Day {
        Day(self.0 - i64::from(days))
    }

    /// The day as a date, or the calendar's first or last date beyond its ends.
    pub(crate) fn date(self) -> NaiveDate {
        i32::try_from(self.0)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .unwrap_or(if self.0 < 0 {
                NaiveDate::MIN
            } else {
                NaiveDate::MAX
            })
    }
}

/// `days`, if it lies from `min` to `max`.
fn days_in(field: Field, days: u32, min: u32, max: u32) -> Result<u32, ValidationError> {
    if (min..=max).contains(&days) {
        Ok(days)
    } else {
        Err(ValidationError::OutOfRange {
            field,
            value: i128::from(days),
            min: i128::from(min),
            max: i128::from(max),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn windows_at_their_edges() {
        let policy = DatePolicy::default();
        let today = Day::of(day(2026, 12, 6));
        let happened = |d| policy.happened(Field::SignedOn, d, today, None);
        assert!(happened(day(2025, 12, 6)).is_ok());
        assert!(happened(day(2026, 12, 7)).is_ok());
        assert_eq!(
            happened(day(2025, 12, 5)),
            Err(ValidationError::OutOfWindow {
                field: Field::SignedOn,
                date: day(2025, 12, 5),
                earliest: day(2025, 12, 6),
                latest: day(2026, 12, 7),
            })
        );
        assert!(happened(day(2026, 12, 8)).is_err());
        // Not before the record began (less the skew).
        let since = Some(Day::of(day(2026, 11, 1)));
        assert!(
            policy
                .happened(Field::SentOn, day(2026, 10, 31), today, since)
                .is_ok()
        );
        assert!(
            policy
                .happened(Field::SentOn, day(2026, 10, 30), today, since)
                .is_err()
        );
        assert!(
            policy
                .upcoming(Field::ExpectedClose, today.date(), today)
                .is_ok()
        );
        assert!(
            policy
                .upcoming(Field::ExpectedClose, day(2027, 12, 6), today)
                .is_ok()
        );
        assert!(matches!(
            policy.upcoming(Field::ExpectedClose, day(2027, 12, 7), today),
            Err(ValidationError::BeyondHorizon { .. })
        ));
        assert!(matches!(
            policy.upcoming(Field::ExpectedClose, day(2026, 12, 5), today),
            Err(ValidationError::DateInPast { .. })
        ));
        assert!(policy.due(Field::Due, day(2028, 12, 5), today).is_ok());
        assert!(policy.due(Field::Due, day(2028, 12, 6), today).is_err());
    }

    #[test]
    fn windows_at_the_ends_of_the_calendar_do_not_overflow() {
        let policy = DatePolicy::default()
            .with_lookback(DatePolicy::MAX_DAYS)
            .unwrap();
        for date in [NaiveDate::MIN, NaiveDate::MAX] {
            let today = Day::of(date);
            assert!(
                policy
                    .happened(Field::SentOn, date, today, Some(today))
                    .is_ok()
            );
            assert!(policy.upcoming(Field::DecisionDate, date, today).is_ok());
            assert!(policy.due(Field::Due, date, today).is_ok());
        }
        let error = policy
            .upcoming(Field::DecisionDate, NaiveDate::MAX, Day::of(NaiveDate::MIN))
            .unwrap_err();
        assert!(matches!(error, ValidationError::BeyondHorizon { .. }));
        // A window's end beyond the calendar is named as its last day.
        let error = policy
            .happened(Field::SentOn, NaiveDate::MIN, Day::of(NaiveDate::MAX), None)
            .unwrap_err();
        assert!(
            matches!(error, ValidationError::OutOfWindow { latest, .. } if latest == NaiveDate::MAX)
        );
    }

    proptest::proptest! {
        /// The day of an instant by integer arithmetic is the day of its local date.
        #[test]
        fn the_day_of_an_instant_is_the_day_of_its_local_date(
            seconds in -8_000_000_000_000i64..8_000_000_000_000,
            offset in -86_399i32..86_400,
        ) {
            let at = chrono::DateTime::from_timestamp(seconds, 0).unwrap();
            let zone = chrono::FixedOffset::east_opt(offset).unwrap();
            let local = at.with_timezone(&zone).date_naive();
            proptest::prop_assert_eq!(Day::at(at, offset), Day::of(local));
            proptest::prop_assert_eq!(Day::of(local).date(), local);
        }
    }
}
