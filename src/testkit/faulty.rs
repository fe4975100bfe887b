//! [`FaultyStore`]: a store that fails on demand.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::contact::Contact;
use crate::email::EmailAddress;
use crate::event::{EventPage, Position};
use crate::record::{Record, RecordId};
use crate::store::{Batch, CommitError, Conflict, Cursor, Page, Query, Store, Versioned};

/// A failure to inject into one call of a [`FaultyStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The call fails with [`FaultyError::Injected`] and does nothing.
    Fail,
    /// A commit fails with a [`Conflict`] on its first write and does nothing (other calls fail
    /// as with [`Fault::Fail`]).
    Conflict,
    /// A commit is applied, then reported as failed with [`FaultyError::Injected`]: the reply
    /// was lost (other calls fail as with [`Fault::Fail`]).
    FailAfterCommit,
}

/// The error of a [`FaultyStore`]: an injected failure, or the wrapped store's own.
#[derive(Debug, thiserror::Error)]
pub enum FaultyError<E> {
    /// A failure injected into call number `call` (counted from 1).
    #[error("injected failure in call {call}")]
    Injected {
        /// The call that failed.
        call: u64,
    },
    /// The wrapped store failed.
    #[error(transparent)]
    Inner(E),
}

/// Wraps a store and injects a [`Fault`] into chosen calls (counted over every method, from 1),
/// to test that callers leave the store consistent whatever fails.
///
/// ```
/// use prospect::testkit::{Fault, FaultyStore};
/// use prospect::{memory::MemoryStore, record::RecordId, store::Store, ContactId};
/// let store = FaultyStore::new(MemoryStore::new());
/// store.inject_next(Fault::Fail);
/// assert!(store.load(RecordId::Contact(ContactId::from_uuid(uuid::Uuid::nil()))).is_err());
/// ```
#[derive(Debug)]
pub struct FaultyStore<S> {
    inner: S,
    calls: AtomicU64,
    faults: Mutex<BTreeMap<u64, Fault>>,
}

impl<S> FaultyStore<S> {
    /// `inner`, with no fault planned.
    pub fn new(inner: S) -> FaultyStore<S> {
        FaultyStore {
            inner,
            calls: AtomicU64::new(0),
            faults: Mutex::new(BTreeMap::new()),
        }
    }

    /// Plans `fault` for call number `call` (counted from 1 since the store was made).
    pub fn inject(&self, call: u64, fault: Fault) {
        self.faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(call, fault);
    }

    /// Plans `fault` for the next call.
    pub fn inject_next(&self, fault: Fault) {
        self.inject(self.calls() + 1, fault);
    }

    /// Forgets the faults planned and not reached yet.
    pub fn clear(&self) {
        self.faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// How many calls were made.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// The store the faults are injected in front of.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Counts a call; returns its number and its planned fault.
    fn call(&self) -> (u64, Option<Fault>) {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let fault = self
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&call);
        (call, fault)
    }

    fn guard<T, E>(&self, run: impl FnOnce() -> Result<T, E>) -> Result<T, FaultyError<E>> {
        match self.call() {
            (call, Some(_)) => Err(FaultyError::Injected { call }),
            (_, None) => run().map_err(FaultyError::Inner),
        }
    }
}

impl<S: Store> Store for FaultyStore<S> {
    type Error = FaultyError<S::Error>;

    fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, Self::Error> {
        self.guard(|| self.inner.load(id))
    }

    fn commit(&self, batch: Batch) -> Result<(), CommitError<Self::Error>> {
        let inner = |e| match e {
            CommitError::Conflict(c) => CommitError::Conflict(c),
            CommitError::Store(e) => CommitError::Store(FaultyError::Inner(e)),
        };
        match self.call() {
            (_, None) => self.inner.commit(batch).map_err(inner),
            (call, Some(Fault::Fail)) => Err(CommitError::Store(FaultyError::Injected { call })),
            (call, Some(Fault::Conflict)) => match batch.writes().first() {
                Some(w) => Err(CommitError::Conflict(Conflict::new(
                    w.record().id(),
                    w.precondition(),
                    None,
                ))),
                None => Err(CommitError::Store(FaultyError::Injected { call })),
            },
            (call, Some(Fault::FailAfterCommit)) => {
                self.inner.commit(batch).map_err(inner)?;
                Err(CommitError::Store(FaultyError::Injected { call }))
            }
        }
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, Self::Error> {
        self.guard(|| self.inner.find_contacts_by_email(email))
    }

    fn find_organizations_by_domain(
        &self,
        domain: &crate::organization::Domain,
    ) -> Result<Vec<Versioned<crate::organization::Organization>>, Self::Error> {
        self.guard(|| self.inner.find_organizations_by_domain(domain))
    }

    fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, Self::Error> {
        self.guard(|| self.inner.list(query, after, limit))
    }

    fn read_events(&self, after: Option<Position>, limit: usize) -> Result<EventPage, Self::Error> {
        self.guard(|| self.inner.read_events(after, limit))
    }

    fn prune_events(&self, before: Position) -> Result<u64, Self::Error> {
        self.guard(|| self.inner.prune_events(before))
    }

    fn recall_key(
        &self,
        actor: &crate::text::User,
        key: &crate::idempotency::IdempotencyKey,
    ) -> Result<Option<crate::idempotency::Remembered>, Self::Error> {
        self.guard(|| self.inner.recall_key(actor, key))
    }

    fn prune_keys(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64, Self::Error> {
        self.guard(|| self.inner.prune_keys(before))
    }
}
