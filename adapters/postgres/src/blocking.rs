//! [`BlockingPostgresStore`]: the PostgreSQL store for synchronous callers.

use chrono::{DateTime, Utc};
use prospect::event::{EventPage, Position};
use prospect::idempotency::{IdempotencyKey, Remembered};
use prospect::record::{Record, RecordId};
use prospect::store::{AsyncStore, Batch, CommitError, Cursor, Page, Query, Store, Versioned};
use prospect::{Contact, Domain, EmailAddress, Organization, User};

use crate::{Isolation, PostgresError, PostgresStore, Tenant};

/// A [`PostgresStore`] for synchronous callers: a [`Store`] that runs each call on a tokio
/// runtime of its own (two worker threads), blocking the calling thread until it is done.
///
/// Do not use it from inside a tokio runtime (blocking a runtime's thread on another runtime
/// panics): there, use [`PostgresStore`] and [`AsyncCrm`](prospect::AsyncCrm). Calls from
/// several threads run at once, each on a connection of the pool.
pub struct BlockingPostgresStore {
    runtime: tokio::runtime::Runtime,
    store: PostgresStore,
}

impl std::fmt::Debug for BlockingPostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingPostgresStore")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl BlockingPostgresStore {
    /// Connects as [`PostgresStore::connect`] does, on a runtime of its own.
    ///
    /// # Errors
    ///
    /// As [`PostgresStore::connect`]; [`PostgresError::Config`] if the runtime cannot start.
    pub fn connect(url: &str, tenant: Tenant) -> Result<BlockingPostgresStore, PostgresError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| PostgresError::Config(format!("the runtime did not start: {e}")))?;
        let store = runtime.block_on(PostgresStore::connect(url, tenant))?;
        Ok(BlockingPostgresStore { runtime, store })
    }

    /// The same store, committing at `isolation`.
    pub fn with_isolation(self, isolation: Isolation) -> BlockingPostgresStore {
        BlockingPostgresStore {
            runtime: self.runtime,
            store: self.store.with_isolation(isolation),
        }
    }

    /// The async store it runs (sharing its pool).
    pub fn store(&self) -> &PostgresStore {
        &self.store
    }
}

impl Store for BlockingPostgresStore {
    type Error = PostgresError;

    fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, PostgresError> {
        self.runtime.block_on(AsyncStore::load(&self.store, id))
    }

    fn commit(&self, batch: Batch) -> Result<(), CommitError<PostgresError>> {
        self.runtime
            .block_on(AsyncStore::commit(&self.store, batch))
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, PostgresError> {
        self.runtime
            .block_on(AsyncStore::find_contacts_by_email(&self.store, email))
    }

    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> Result<Vec<Versioned<Organization>>, PostgresError> {
        self.runtime
            .block_on(AsyncStore::find_organizations_by_domain(
                &self.store,
                domain,
            ))
    }

    fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, PostgresError> {
        self.runtime
            .block_on(AsyncStore::list(&self.store, query, after, limit))
    }

    fn read_events(
        &self,
        after: Option<Position>,
        limit: usize,
    ) -> Result<EventPage, PostgresError> {
        self.runtime
            .block_on(AsyncStore::read_events(&self.store, after, limit))
    }

    fn prune_events(&self, before: Position) -> Result<u64, PostgresError> {
        self.runtime
            .block_on(AsyncStore::prune_events(&self.store, before))
    }

    fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> Result<Option<Remembered>, PostgresError> {
        self.runtime
            .block_on(AsyncStore::recall_key(&self.store, actor, key))
    }

    fn prune_keys(&self, before: DateTime<Utc>) -> Result<u64, PostgresError> {
        self.runtime
            .block_on(AsyncStore::prune_keys(&self.store, before))
    }
}
