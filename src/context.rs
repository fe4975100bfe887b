//! The injectable clock, and the [`Context`] every transition takes: when, who, and where new
//! ids come from.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

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

/// What every transition needs besides its evidence: the time, the acting user, and a source of
/// new ids. Cheap to create; make one per request or per user.
///
/// ```
/// use prospect::{Context, User};
/// let ctx = Context::system(User::new("alice")?);
/// assert_eq!(ctx.actor().as_str(), "alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Context<'a> {
    clock: &'a dyn Clock,
    ids: &'a dyn IdSource,
    actor: User,
}

impl<'a> Context<'a> {
    /// A context with the given clock, id source and actor.
    pub fn new(clock: &'a dyn Clock, ids: &'a dyn IdSource, actor: User) -> Context<'a> {
        Context { clock, ids, actor }
    }

    /// A context with the system clock and random UUID v7 ids.
    pub fn system(actor: User) -> Context<'static> {
        Context {
            clock: &SystemClock,
            ids: &RandomIds,
            actor,
        }
    }

    /// The same clock and ids, acting as `actor`.
    pub fn acting_as(&self, actor: User) -> Context<'a> {
        Context {
            actor,
            ..self.clone()
        }
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's date, in UTC.
    pub fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
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
            .finish_non_exhaustive()
    }
}
