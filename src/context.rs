//! The injectable clock, and the [`Context`] every transition takes: when, who (and where they
//! are, for their "today"), and where new ids come from.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, TimeDelta, Utc};

use crate::dates::{DatePolicy, Day};
use crate::id::{IdSource, RandomIds};
use crate::text::User;

/// Where the current time comes from. Injected through a [`Context`], so that tests can fix it.
///
/// Clocks step back (NTP corrections, two servers whose clocks disagree). A step never records
/// a time before the latest entry of the record it changes: when the clock reads earlier, the
/// step is recorded at the time of that entry (and a win into an existing account, at the time
/// of its latest win; an erasure, not before the contact was recorded). So the times in a
/// history never go back, and whatever a clock reads, every record a step builds reads back.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The default clock: the system's time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move: for tests and simulations.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use prospect::{Clock, FixedClock};
/// let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
/// clock.advance(TimeDelta::days(1));
/// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
/// ```
#[derive(Debug)]
pub struct FixedClock {
    micros: AtomicI64,
}

impl FixedClock {
    /// A clock showing `at` (to the microsecond).
    pub fn new(at: DateTime<Utc>) -> FixedClock {
        FixedClock {
            micros: AtomicI64::new(at.timestamp_micros()),
        }
    }

    /// Sets the time to `at` (to the microsecond).
    pub fn set(&self, at: DateTime<Utc>) {
        self.micros.store(at.timestamp_micros(), Ordering::Relaxed);
    }

    /// Moves the time by `by` (which may be negative), saturating at the ends of the range.
    pub fn advance(&self, by: TimeDelta) {
        let by = by.num_microseconds().unwrap_or(if by < TimeDelta::zero() {
            i64::MIN
        } else {
            i64::MAX
        });
        // `fetch_update` with a closure that always returns `Some` cannot fail.
        let _ = self
            .micros
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |m| {
                Some(m.saturating_add(by))
            });
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        let micros = self.micros.load(Ordering::Relaxed);
        DateTime::from_timestamp_micros(micros).unwrap_or(if micros < 0 {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
    }
}

/// Where each user is: the offset from UTC of their local time, which says what "today" is
/// for them. A user behind UTC in the evening is already in tomorrow in UTC; a date they give as
/// today must not be refused as past.
///
/// `prospect` knows offsets, not time zones: an application that knows its users' IANA zones
/// computes the offset of the zone at `at` (with `chrono-tz` or `jiff`, say), which follows
/// daylight saving time. Implemented by [`FixedOffset`] (every user at that offset) and by any
/// `Fn(&User, DateTime<Utc>) -> FixedOffset`.
pub trait Zones: Send + Sync {
    /// The offset of `user`'s local time at the instant `at`.
    fn offset(&self, user: &User, at: DateTime<Utc>) -> FixedOffset;
}

impl Zones for FixedOffset {
    fn offset(&self, _user: &User, _at: DateTime<Utc>) -> FixedOffset {
        *self
    }
}

impl<F> Zones for F
where
    F: Fn(&User, DateTime<Utc>) -> FixedOffset + Send + Sync,
{
    fn offset(&self, user: &User, at: DateTime<Utc>) -> FixedOffset {
        self(user, at)
    }
}

/// UTC: no offset.
pub(crate) fn utc() -> FixedOffset {
    Utc.fix()
}

/// What every transition needs besides its evidence: the time, the acting user (and the offset
/// of their local time, for their "today"), and a source of new ids. Cheap to create; make one
/// per request or per user.
///
/// ```
/// use chrono::{FixedOffset, TimeZone, Utc};
/// use prospect::{Context, FixedClock, SequentialIds, User};
/// // 04:00 UTC on March 3rd is 20:00 on March 2nd for a user eight hours behind UTC.
/// let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 3, 4, 0, 0).unwrap());
/// let ids = SequentialIds::new(1);
/// let ctx = Context::new(&clock, &ids, User::new("alice")?);
/// assert_eq!(ctx.today().to_string(), "2026-03-03");
/// let ctx = ctx.in_offset(FixedOffset::west_opt(8 * 3600).unwrap());
/// assert_eq!(ctx.today().to_string(), "2026-03-02");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Context<'a> {
    clock: &'a dyn Clock,
    ids: &'a dyn IdSource,
    actor: User,
    offset: FixedOffset,
    dates: DatePolicy,
}

impl<'a> Context<'a> {
    /// A context with the given clock, id source and actor, whose local time is UTC.
    pub fn new(clock: &'a dyn Clock, ids: &'a dyn IdSource, actor: User) -> Context<'a> {
        Context {
            clock,
            ids,
            actor,
            offset: utc(),
            dates: DatePolicy::default(),
        }
    }

    /// A context with the system clock and random UUID v7 ids, whose local time is UTC.
    pub fn system(actor: User) -> Context<'static> {
        Context::new(&SystemClock, &RandomIds, actor)
    }

    /// The same clock and ids, acting as `actor` (at the same offset).
    pub fn acting_as(&self, actor: User) -> Context<'a> {
        Context {
            actor,
            ..self.clone()
        }
    }

    /// The same context for an actor whose local time is `offset` from UTC: [`today`](Self::today)
    /// and the dates checked against it (a timeline's decision date when qualifying) are theirs.
    pub fn in_offset(self, offset: FixedOffset) -> Context<'a> {
        Context { offset, ..self }
    }

    /// The same context, checking the dates its steps are given against `dates` (the
    /// [`DatePolicy::default`] unless said otherwise).
    pub fn with_dates(self, dates: DatePolicy) -> Context<'a> {
        Context { dates, ..self }
    }

    /// The windows the dates given to steps taken with this context must lie in.
    pub fn dates(&self) -> &DatePolicy {
        &self.dates
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's date for the actor: in their offset from UTC (UTC unless
    /// [`in_offset`](Self::in_offset) said otherwise).
    pub fn today(&self) -> NaiveDate {
        self.date_at(self.now())
    }

    /// The actor's local date at the instant `at`.
    pub fn date_at(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset).date_naive()
    }

    /// The actor's local day at the instant `at`, as a number (what date windows compare).
    pub(crate) fn day_at(&self, at: DateTime<Utc>) -> Day {
        Day::at(at, self.offset.local_minus_utc())
    }

    /// The offset from UTC of the actor's local time.
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    /// Who takes the steps made with this context: the actor of their history entries.
    pub fn actor(&self) -> &User {
        &self.actor
    }

    /// Where the context draws new ids from.
    pub fn ids(&self) -> &'a dyn IdSource {
        self.ids
    }

    /// The clock the context reads the time from.
    pub fn clock(&self) -> &'a dyn Clock {
        self.clock
    }
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("now", &self.now())
            .field("actor", &self.actor)
            .field("offset", &self.offset)
            .field("dates", &self.dates)
            .finish_non_exhaustive()
    }
}
