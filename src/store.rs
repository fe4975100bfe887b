//! Storage: the small [`Store`] and [`AsyncStore`] traits that adapter crates implement, and the
//! values they exchange (versions, atomic batches, queries, pages).
//!
//! The contract, which the conformance kit (feature `testkit`) checks for every adapter:
//!
//! - [`load`](Store::load) returns a record with its [`Version`]: 1 when created, one more at
//!   every update.
//! - [`commit`](Store::commit) applies a [`Batch`] **atomically**: every write is either a create
//!   (the record must not exist) or an update at an expected version (the stored version must be
//!   that one). If any write conflicts, nothing is written and the error is a [`Conflict`] naming
//!   the record, the expected and the actual version. A batch may also require that no contact
//!   has a given email address, which makes duplicate detection race-free; a contact that has
//!   it is reported as [`Conflict::email_taken`] naming the one with the smallest id. It may
//!   require records it does not write to be still at a version
//!   ([`Batch::require_unchanged`]), and a contact to be named by a number of records
//!   ([`Batch::require_records_of`]), checked against what is stored before its own writes
//!   (the records the batch creates do not count). Both hold until the commit ends: a record
//!   created about a contact erased since it was read, or an erasure that missed a record
//!   created since it listed them, is a conflict.
//! - **Which conflict is reported.** When a batch's idempotency key was used, that is the
//!   conflict reported ([`Conflict::key_used`]), whatever else fails: a retried request is
//!   recognised as one even when what it relied on has changed since. When several other
//!   requirements fail, the adapter reports one of them; which one is not specified, and
//!   nothing in this crate relies on it.
//! - **Histories only grow.** An update must carry the stored record's history as a prefix of
//!   its own, for every kind of record: the written record must
//!   [extend](crate::record::Record::extends) the stored one's [`HistoryMark`] (same entries up to the stored length, and erased if the stored one is). Otherwise the
//!   batch is a [`Conflict::stale_history`] and nothing is written, even when the versions
//!   match: a stale copy paired with the current version never replaces a newer record. Keep
//!   the mark beside the record, so that the check does not decode the stored record.
//! - [`find_contacts_by_email`](Store::find_contacts_by_email) matches the
//!   [normalised](crate::EmailAddress::normalized) address.
//! - [`list`](Store::list) pages through the records matching a [`Query`] (a kind, and
//!   optionally a state, an owner, or for activities and tasks the record they are about:
//!   [`Query::activities_about`], [`Query::tasks_about`]) in ascending id order; each page ends with a [`Cursor`] to
//!   continue after. Every record present when paging began (and still matching) is returned
//!   exactly once, even while others are added. Index what a query filters on
//!   ([`Record::regarding`](crate::record::Record::regarding) for activities and tasks), so that a page
//!   costs the same in a large store as in a small one. A query on custom fields
//!   ([`Query::with_field`]) is answered from an index of each record's
//!   [field terms](crate::record::Record::field_terms), replaced whenever the record is written
//!   (see [`FieldTerm`]).
//! - [`scan`](Store::scan) visits every record of a kind, a page at a time.
//! - **The outbox.** A commit appends its batch's [events](Batch::events) in the same atomic
//!   unit as its writes (a conflicted or failed commit appends none), at positions that
//!   follow each other **without gaps** in commit order (each event's is one more than the
//!   one before, so a consumer can tell a pruned event by a gap) and are never given again.
//!   [`read_events`](Store::read_events) returns them after a consumer's position; an event
//!   never becomes readable behind a position a reader has passed (positions given before
//!   commit are not enough: see the guide). [`prune_events`](Store::prune_events) removes
//!   those before a position.
//! - **Idempotency keys.** A batch may carry a request to remember ([`Batch::remember`]): the
//!   commit keeps it, with the id and version of each write, in the same atomic unit, under its
//!   actor and key; if that actor's key is already kept, the batch is a
//!   [`Conflict::key_used`] and nothing is written (so two racing retries commit once).
//!   [`recall_key`](Store::recall_key) gives it back; [`prune_keys`](Store::prune_keys) forgets
//!   those remembered before a time.
//! - **One bad row never takes the store down.** A stored record or event an adapter cannot
//!   decode (corrupt JSON, a broken history, a body that disagrees with its index columns, a
//!   version out of range) is reported, never skipped in silence and never fatal to a read of
//!   the others. A read with room to report it serves every readable row beside it: `list`
//!   reports it in [`Page::unreadable`] (kind, id as stored, reason), counted toward the
//!   limit, and goes on past it; `scan` visits every readable record and returns the
//!   unreadable ones in [`Scanned::unreadable`]; `read_events` reports it in
//!   [`EventPage::unreadable`] and its `last` goes past it. A look-up that reaches it (`load`
//!   of it, `find_contacts_by_email` or `find_organizations_by_domain` matching it) fails with
//!   the adapter's error naming it (its id in the message): a look-up answers a question a
//!   step decides on, such as whether an address is taken, and an answer that left out a
//!   match would be a wrong one. Look-ups that do not reach it answer as before.
//!
//! The conformance kit checks each clause with its cases, and for each a store broken on
//! purpose in this crate's tests fails them; the guide "Writing a storage adapter" lists
//! which cases check which clause.

use std::fmt;
use std::future::Future;
use std::ops::Deref;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::contact::Contact;
use crate::email::EmailAddress;
use crate::event::{EventPage, Position};
use crate::idempotency::{IdempotencyKey, Remembered};

pub use crate::mark::HistoryMark;
use crate::organization::{Domain, Organization};
use crate::record::{Record, RecordId, RecordKind};
use crate::text::User;
pub use crate::version::Version;
pub use batch::{
    Batch, BatchParts, CommitError, Conflict, ConflictKind, DuplicateWrite, IntoWrites,
    Precondition, Write,
};
pub use query::Query;
pub use terms::{FieldMatch, FieldMatchError, FieldTerm};

mod batch;
mod query;
mod terms;

/// A value as stored, with its version: what to pass back to update it.
///
/// Dereferences to the value, so `lead.id()` works on a `Versioned<Lead<S>>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Versioned<T> {
    value: T,
    version: Version,
}

impl<T> Versioned<T> {
    /// `value` at `version`.
    pub fn new(value: T, version: Version) -> Versioned<T> {
        Versioned { value, version }
    }

    /// The version the value was stored at: what an update of it must expect.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The value, borrowed (`Versioned` also dereferences to it).
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The value, without its version.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The value and its version.
    pub fn into_parts(self) -> (T, Version) {
        (self.value, self.version)
    }

    /// Converts the value, keeping the version.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Versioned<U> {
        Versioned {
            value: f(self.value),
            version: self.version,
        }
    }

    /// Converts the value, keeping the version, or fails.
    ///
    /// # Errors
    ///
    /// Whatever `f` returns.
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Versioned<U>, E> {
        Ok(Versioned {
            value: f(self.value)?,
            version: self.version,
        })
    }
}

impl<T> Deref for Versioned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// An opaque position in a listing: list again with it to continue after the last record
/// returned. Its text form (`Display` / `FromStr`) can be handed to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(Uuid);

impl Cursor {
    /// The cursor after the record with `id`.
    pub fn after(id: RecordId) -> Cursor {
        Cursor(id.as_uuid())
    }

    /// The id of the last record returned: continue strictly after it.
    pub fn as_uuid(self) -> Uuid {
        self.0
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.simple())
    }
}

impl std::str::FromStr for Cursor {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Cursor, uuid::Error> {
        Uuid::parse_str(s).map(Cursor)
    }
}

/// A stored record that could not be read back (corrupt, or written by a newer version): which
/// one, as stored, and why. Listings and scans report it and go on with the others.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind} {id} cannot be read: {reason}")]
pub struct Unreadable {
    /// The kind of record it is stored as.
    pub kind: RecordKind,
    /// Its id, as stored (normally a UUID; a corrupt row may hold anything).
    pub id: String,
    /// Why it could not be read.
    pub reason: String,
}

impl Unreadable {
    /// The record of `kind` stored as `id` could not be read, for `reason`.
    pub fn new(kind: RecordKind, id: impl Into<String>, reason: impl fmt::Display) -> Unreadable {
        Unreadable {
            kind,
            id: id.into(),
            reason: reason.to_string(),
        }
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a page reports the records it could not read in `unreadable`"]
pub struct Page {
    /// The records, in ascending id order.
    pub records: Vec<Versioned<Record>>,
    /// The rows of this page that could not be read, in ascending id order: the listing went
    /// on past them.
    pub unreadable: Vec<Unreadable>,
    /// Where to continue, or `None` when no record followed this page when it was read.
    pub next: Option<Cursor>,
}

impl Page {
    /// The page of `query` an adapter makes of the rows its statement read: in id order, at
    /// most `limit` of them and one more (to know whether another page follows), each its id
    /// as stored and its record, or why it cannot be read. The contract's rules in one place:
    /// the page holds the first `limit` rows; a row that does not read is
    /// [`Unreadable`] in its place; a record that does not match `query` (an index row its
    /// body no longer says: the body decides) is left out; the cursor goes past the last row,
    /// readable or not (the last whose id is a UUID).
    ///
    /// ```
    /// use prospect::record::RecordKind;
    /// use prospect::store::{Page, Query};
    /// let rows = vec![("not-a-uuid".to_string(), Err("corrupt JSON".to_string()))];
    /// let page = Page::of_rows(&Query::of_kind(RecordKind::Lead), rows, 10);
    /// assert_eq!((page.records.len(), page.unreadable.len(), page.next), (0, 1, None));
    /// ```
    pub fn of_rows(
        query: &Query,
        mut rows: Vec<(String, Result<Versioned<Record>, String>)>,
        limit: usize,
    ) -> Page {
        let kind = query.kind();
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = more
            .then(|| {
                rows.iter()
                    .rev()
                    .find_map(|(id, _)| Uuid::parse_str(id).ok())
            })
            .flatten()
            .map(Cursor);
        let mut page = Page {
            records: Vec::with_capacity(rows.len()),
            unreadable: Vec::new(),
            next,
        };
        for (id, row) in rows {
            match row {
                Ok(record) if !query.matches(record.value()) => {}
                Ok(record) => page.records.push(record),
                Err(reason) => page.unreadable.push(Unreadable::new(kind, id, reason)),
            }
        }
        page
    }
}

/// What a [`Store::scan`] visited, and the records it could not read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "a scan reports the records it could not read in `unreadable`"]
pub struct Scanned {
    /// How many records were visited.
    pub visited: u64,
    /// The records that could not be read (and so were not visited), in ascending id order.
    pub unreadable: Vec<Unreadable>,
}

impl Scanned {
    /// Whether every record was read.
    pub fn is_complete(&self) -> bool {
        self.unreadable.is_empty()
    }
}

/// How much of its outbox a store keeps, chosen by the application (`MemoryStore::with_retention`,
/// and the SQLite adapter's): every event until a consumer prunes it, or a bound the store
/// holds to by itself at each commit.
///
/// The trade-off, plainly: an event dropped by a bound is gone, read or not. A consumer that
/// falls behind by more than the bound misses events (its next read starts at the first event
/// kept: positions are never given again, so it can tell by the gap). An application that never
/// reads its events should not keep them: [`Crm::without_events`](crate::Crm::without_events)
/// makes none, or `Last(0)` keeps none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Retention {
    /// Every event, until [`Store::prune_events`] removes it: the default, for a consumer that
    /// reads and prunes. Without one, the outbox grows with every commit.
    #[default]
    All,
    /// The last `n` events: older ones are dropped as new ones are appended.
    Last(u64),
    /// The events that occurred at most this long before the newest event kept: older ones are
    /// dropped at each commit.
    Within(chrono::TimeDelta),
}

/// The most records one page holds; larger limits are lowered to it.
pub const MAX_PAGE: usize = 1000;

/// How many records a default [`Store::scan`] reads per page.
pub const SCAN_PAGE: usize = 256;

/// Synchronous storage for records. Small on purpose: an adapter is a few hundred lines; the
/// lifecycle logic stays in [`Crm`](crate::Crm). See the crate docs' guide "Writing a storage
/// adapter", and run the conformance kit (feature `testkit`) against every implementation.
pub trait Store {
    /// The adapter's own failures (I/O, corrupt data). Conflicts are reported apart, as
    /// [`CommitError::Conflict`].
    type Error: std::error::Error + Send + Sync + 'static;

    /// The record with `id` and its version, or `None`.
    ///
    /// # Errors
    ///
    /// The adapter's error, e.g. when the stored record is corrupt.
    fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, Self::Error>;

    /// Applies every write of `batch`, or none.
    ///
    /// # Errors
    ///
    /// [`CommitError::Conflict`] when a write does not find what it expects; the store is then
    /// unchanged. [`CommitError::Store`] when the adapter fails.
    fn commit(&self, batch: Batch) -> Result<(), CommitError<Self::Error>>;

    /// The contacts whose email address matches `email` once normalised, in ascending id order.
    ///
    /// # Errors
    ///
    /// The adapter's error, e.g. naming a matching contact whose stored row cannot be read (a
    /// look-up never leaves out a match in silence).
    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, Self::Error>;

    /// The organizations that have `domain` ([`Record::domains`]), in ascending id order.
    ///
    /// # Errors
    ///
    /// The adapter's error, e.g. naming a matching organization whose stored row cannot be
    /// read.
    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> Result<Vec<Versioned<Organization>>, Self::Error>;

    /// Up to `limit` (at most [`MAX_PAGE`], at least 1) records matching `query` with an id
    /// after `after`, in ascending id order. A stored row that cannot be read counts toward the
    /// limit and is reported in [`Page::unreadable`] instead of the records; the cursor goes
    /// past it.
    ///
    /// # Errors
    ///
    /// The adapter's error (not an unreadable row: that is reported in the page).
    fn list(&self, query: &Query, after: Option<Cursor>, limit: usize)
    -> Result<Page, Self::Error>;

    /// Up to `limit` (at most [`MAX_PAGE`], at least 1: a limit of 0 reads one) events of the
    /// outbox after `after` (from the first kept when `None`), in commit order; an empty page,
    /// whose `last` is `None`, after the last event or any position beyond it. A consumer keeps the page's
    /// [`last`](EventPage::last) position and reads after it next time; an event that cannot be
    /// read is reported in [`EventPage::unreadable`] and counts toward the limit.
    ///
    /// An event is readable once its commit is, and never appears behind a position a reader
    /// has already passed: a store allocates positions in commit order (see the guide
    /// "Writing a storage adapter" for why positions allocated before commit are not enough).
    ///
    /// # Errors
    ///
    /// The adapter's error.
    fn read_events(&self, after: Option<Position>, limit: usize) -> Result<EventPage, Self::Error>;

    /// Removes the events before `before` (those a consumer has handled), and returns how many
    /// it removed. Positions are never reused: the next event still comes after every position
    /// ever read.
    ///
    /// # Errors
    ///
    /// The adapter's error.
    fn prune_events(&self, before: Position) -> Result<u64, Self::Error>;

    /// What a commit remembered of `actor`'s request with `key` ([`Batch::remember`]): the
    /// request and the records its commit wrote, or `None` (never remembered, or pruned).
    ///
    /// # Errors
    ///
    /// The adapter's error, e.g. when the remembered row is corrupt.
    fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> Result<Option<Remembered>, Self::Error>;

    /// Forgets the requests remembered at a time before `before`
    /// ([`IdempotentRequest::at`](crate::idempotency::IdempotentRequest::at)), and returns how
    /// many it forgot. A request forgotten can be made again.
    ///
    /// # Errors
    ///
    /// The adapter's error.
    fn prune_keys(&self, before: DateTime<Utc>) -> Result<u64, Self::Error>;

    /// Calls `visit` on every readable record of `kind`, reading [`SCAN_PAGE`] records at a
    /// time; returns how many were visited and which could not be read. (The default stops if
    /// `list`'s cursor does not advance, rather than loop for ever on a broken adapter.)
    ///
    /// # Errors
    ///
    /// The adapter's error; the records visited before it stay visited.
    fn scan(
        &self,
        kind: RecordKind,
        visit: &mut dyn FnMut(Versioned<Record>),
    ) -> Result<Scanned, Self::Error> {
        let query = Query::of_kind(kind);
        let mut after = None;
        let mut scanned = Scanned::default();
        loop {
            let page = self.list(&query, after, SCAN_PAGE)?;
            scanned.unreadable.extend(page.unreadable);
            for record in page.records {
                scanned.visited += 1;
                visit(record);
            }
            match next_cursor(after, page.next) {
                Some(next) => after = Some(next),
                None => return Ok(scanned),
            }
        }
    }
}

/// Where a listing goes on after a page read after `after`: the page's `next` cursor, unless
/// it does not advance (a broken adapter), where the listing stops rather than loop for ever
/// (the conformance kit fails such an adapter). Every loop over pages shares it.
pub(crate) fn next_cursor(after: Option<Cursor>, next: Option<Cursor>) -> Option<Cursor> {
    next.filter(|next| after.is_none_or(|a| *next > a))
}

/// Asynchronous storage for records: [`Store`]'s twin, with the same contract. Every future is
/// `Send`, so it can run on a multi-threaded executor; no boxing crate is needed.
pub trait AsyncStore: Send + Sync {
    /// The adapter's own failures. Conflicts are reported apart, as [`CommitError::Conflict`].
    type Error: std::error::Error + Send + Sync + 'static;

    /// See [`Store::load`].
    fn load(
        &self,
        id: RecordId,
    ) -> impl Future<Output = Result<Option<Versioned<Record>>, Self::Error>> + Send;

    /// See [`Store::commit`].
    fn commit(
        &self,
        batch: Batch,
    ) -> impl Future<Output = Result<(), CommitError<Self::Error>>> + Send;

    /// See [`Store::find_contacts_by_email`].
    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> impl Future<Output = Result<Vec<Versioned<Contact>>, Self::Error>> + Send;

    /// See [`Store::find_organizations_by_domain`].
    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> impl Future<Output = Result<Vec<Versioned<Organization>>, Self::Error>> + Send;

    /// See [`Store::list`].
    fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> impl Future<Output = Result<Page, Self::Error>> + Send;

    /// See [`Store::read_events`].
    fn read_events(
        &self,
        after: Option<Position>,
        limit: usize,
    ) -> impl Future<Output = Result<EventPage, Self::Error>> + Send;

    /// See [`Store::prune_events`].
    fn prune_events(
        &self,
        before: Position,
    ) -> impl Future<Output = Result<u64, Self::Error>> + Send;

    /// See [`Store::recall_key`].
    fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<Remembered>, Self::Error>> + Send;

    /// See [`Store::prune_keys`].
    fn prune_keys(
        &self,
        before: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64, Self::Error>> + Send;

    /// See [`Store::scan`].
    fn scan(
        &self,
        kind: RecordKind,
        visit: &mut (dyn FnMut(Versioned<Record>) + Send),
    ) -> impl Future<Output = Result<Scanned, Self::Error>> + Send {
        async move {
            let query = Query::of_kind(kind);
            let mut after = None;
            let mut scanned = Scanned::default();
            loop {
                let page = self.list(&query, after, SCAN_PAGE).await?;
                scanned.unreadable.extend(page.unreadable);
                for record in page.records {
                    scanned.visited += 1;
                    visit(record);
                }
                match next_cursor(after, page.next) {
                    Some(next) => after = Some(next),
                    None => return Ok(scanned),
                }
            }
        }
    }
}

macro_rules! forward_store {
    ($($ptr:ty),+) => {$(
        impl<T: Store + ?Sized> Store for $ptr {
            type Error = T::Error;

            fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, T::Error> {
                (**self).load(id)
            }

            fn commit(&self, batch: Batch) -> Result<(), CommitError<T::Error>> {
                (**self).commit(batch)
            }

            fn find_contacts_by_email(
                &self,
                email: &EmailAddress,
            ) -> Result<Vec<Versioned<Contact>>, T::Error> {
                (**self).find_contacts_by_email(email)
            }

            fn find_organizations_by_domain(
                &self,
                domain: &Domain,
            ) -> Result<Vec<Versioned<Organization>>, T::Error> {
                (**self).find_organizations_by_domain(domain)
            }

            fn list(&self, query: &Query, after: Option<Cursor>, limit: usize) -> Result<Page, T::Error> {
                (**self).list(query, after, limit)
            }

            fn read_events(&self, after: Option<Position>, limit: usize) -> Result<EventPage, T::Error> {
                (**self).read_events(after, limit)
            }

            fn prune_events(&self, before: Position) -> Result<u64, T::Error> {
                (**self).prune_events(before)
            }

            fn recall_key(
                &self,
                actor: &User,
                key: &IdempotencyKey,
            ) -> Result<Option<Remembered>, T::Error> {
                (**self).recall_key(actor, key)
            }

            fn prune_keys(&self, before: DateTime<Utc>) -> Result<u64, T::Error> {
                (**self).prune_keys(before)
            }

            fn scan(
                &self,
                kind: RecordKind,
                visit: &mut dyn FnMut(Versioned<Record>),
            ) -> Result<Scanned, T::Error> {
                (**self).scan(kind, visit)
            }
        }

        impl<T: AsyncStore + ?Sized> AsyncStore for $ptr {
            type Error = T::Error;

            fn load(
                &self,
                id: RecordId,
            ) -> impl Future<Output = Result<Option<Versioned<Record>>, T::Error>> + Send {
                (**self).load(id)
            }

            fn commit(
                &self,
                batch: Batch,
            ) -> impl Future<Output = Result<(), CommitError<T::Error>>> + Send {
                (**self).commit(batch)
            }

            fn find_contacts_by_email(
                &self,
                email: &EmailAddress,
            ) -> impl Future<Output = Result<Vec<Versioned<Contact>>, T::Error>> + Send {
                (**self).find_contacts_by_email(email)
            }

            fn find_organizations_by_domain(
                &self,
                domain: &Domain,
            ) -> impl Future<Output = Result<Vec<Versioned<Organization>>, T::Error>> + Send {
                (**self).find_organizations_by_domain(domain)
            }

            fn list(
                &self,
                query: &Query,
                after: Option<Cursor>,
                limit: usize,
            ) -> impl Future<Output = Result<Page, T::Error>> + Send {
                (**self).list(query, after, limit)
            }

            fn read_events(
                &self,
                after: Option<Position>,
                limit: usize,
            ) -> impl Future<Output = Result<EventPage, T::Error>> + Send {
                (**self).read_events(after, limit)
            }

            fn prune_events(
                &self,
                before: Position,
            ) -> impl Future<Output = Result<u64, T::Error>> + Send {
                (**self).prune_events(before)
            }

            fn recall_key(
                &self,
                actor: &User,
                key: &IdempotencyKey,
            ) -> impl Future<Output = Result<Option<Remembered>, T::Error>> + Send {
                (**self).recall_key(actor, key)
            }

            fn prune_keys(
                &self,
                before: DateTime<Utc>,
            ) -> impl Future<Output = Result<u64, T::Error>> + Send {
                (**self).prune_keys(before)
            }

            fn scan(
                &self,
                kind: RecordKind,
                visit: &mut (dyn FnMut(Versioned<Record>) + Send),
            ) -> impl Future<Output = Result<Scanned, T::Error>> + Send {
                (**self).scan(kind, visit)
            }
        }
    )+};
}

// A store shared by reference or by `Arc` is a store.
forward_store!(&T, std::sync::Arc<T>);
