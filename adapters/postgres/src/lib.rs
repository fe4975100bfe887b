//! A PostgreSQL storage adapter for [`prospect`]: native async ([`PostgresStore`], an
//! [`AsyncStore`]) on `tokio-postgres` with a `deadpool` connection pool, and blocking
//! ([`BlockingPostgresStore`], a [`Store`](prospect::store::Store)) for synchronous callers. Written, as any
//! downstream adapter would be, with `prospect`'s public API only.
//!
//! - **One tenant per store.** Every row carries a tenant id that leads its primary key and
//!   every index, and every statement is scoped to the store's [`Tenant`]: a store opened for
//!   one tenant can neither read nor write another's rows, and the rows of a tenant can be
//!   co-located by distributing on the tenant column (Citus). Row-level security backs this
//!   up: every table of tenants' rows has a forced policy that shows and accepts only the rows
//!   of the tenant the connection names (the store names it at every use), so that a role
//!   that is neither a superuser nor `BYPASSRLS` is held to its tenant by the database itself.
//! - **Every commit is one transaction**, whose version checks, history-prefix checks,
//!   required-absent emails and domains, and outbox are SQL inside it, each backed by a row it
//!   locks or writes (the record's row, a claim row per bucket of addresses, the tenant's outbox
//!   counter), so that they hold until it ends. It runs at READ COMMITTED, where a commit
//!   waits for a row another holds and then goes on, or at SERIALIZABLE, where it fails
//!   instead ([`Isolation`]). A serialization failure or a deadlock (SQLSTATE `40001`,
//!   `40P01`) rolls it back whole and it is run again, with bounded, jittered exponential
//!   backoff ([`Retry`]): a write retried and then committed is reported as committed, never as
//!   a conflict. No `LISTEN`/`NOTIFY`, no advisory locks, no sequences: what CockroachDB,
//!   YugabyteDB and Aurora DSQL lack is not used.
//! - **The outbox is read without gaps.** A commit appends its events last, taking their
//!   positions from a one-row counter per tenant (`outbox_heads`) that it updates in the same
//!   transaction: the row is locked until the commit ends, so positions are given in commit
//!   order, and a reader that has read a position has seen every commit before it. (A
//!   sequence would give positions before commit, and a later position could become visible
//!   before an earlier one: the gap the store contract forbids.)
//! - **The schema is created and migrated in code**, its version kept in `prospect_schema`.
//! - Statements are prepared once per connection and cached.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use prospect::AsyncCrm;
//! use prospect_postgres::{PostgresStore, Tenant};
//! let store = PostgresStore::connect("postgres://prospect@127.0.0.1/prospect", Tenant::from_uuid(uuid::Uuid::nil())).await?;
//! let crm = AsyncCrm::new(store, prospect::access::AllowAll);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod blocking;
mod commit;
mod duplicates;
mod row;
mod schema;
mod terms;

pub use blocking::BlockingPostgresStore;
use commit::{
    Prepared, absent_checks, append_events, apply, claim, moved_by_updates, records_of_checks,
    remember_key, stored_version, unchanged_checks,
};
use row::{COLUMNS, Row, read, time_key, typed};
pub use schema::SCHEMA_VERSION;
use schema::{MIGRATIONS, SET_TENANT};

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use prospect::event::{EventPage, Position, StoredEvent, UnreadableEvent};
use prospect::idempotency::{Fingerprint, IdempotencyKey, IdempotentRequest, Remembered};
use prospect::record::{Record, RecordId};
use prospect::store::{
    AsyncStore, Batch, CommitError, Conflict, Cursor, MAX_PAGE, Page, Query, Versioned,
};
use prospect::{Contact, Domain, EmailAddress, Organization, User};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, NoTls};
use uuid::Uuid;

/// The tenant a store is opened for: every row it reads or writes is that tenant's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tenant(Uuid);

impl Tenant {
    /// The tenant with this id.
    pub fn from_uuid(id: Uuid) -> Tenant {
        Tenant(id)
    }

    /// A new tenant id (a UUID v7).
    pub fn generate() -> Tenant {
        Tenant(Uuid::now_v7())
    }

    /// The tenant's id.
    pub fn as_uuid(self) -> Uuid {
        self.0
    }

    /// The tenant's id as [`SET_TENANT`] takes it.
    fn setting(self) -> String {
        self.0.hyphenated().to_string()
    }
}

impl std::fmt::Display for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "tenant {}", self.0)
    }
}

/// How a commit that meets a serialization failure or a deadlock is run again: up to
/// `attempts` times in all, waiting a random time up to `first`, then up to twice as long each
/// time, never more than `max` ("full jitter", so that racing writers spread out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// How many times a commit is tried in all (at least 1).
    pub attempts: u32,
    /// The longest wait before the second try.
    pub first: Duration,
    /// The longest wait before any try.
    pub max: Duration,
}

impl Default for Retry {
    /// Twenty tries, waits from up to 2 ms to up to 500 ms (at most about six seconds in
    /// all).
    fn default() -> Retry {
        Retry {
            attempts: 20,
            first: Duration::from_millis(2),
            max: Duration::from_millis(500),
        }
    }
}

impl Retry {
    /// The wait before try number `attempt + 1` (after `attempt` failed tries, from 1): random,
    /// up to `first * 2^(attempt - 1)`, at most `max`.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .first
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.max);
        // A random fraction: the standard library's randomly seeded hasher, hashed once.
        let random = RandomState::new().hash_one(attempt);
        ceiling.mul_f64((random >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// What went wrong in the adapter. Conflicts are not errors of the adapter: they are reported as
/// [`CommitError::Conflict`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostgresError {
    /// The server failed a statement, or the connection to it failed.
    #[error("postgres: {}", describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection could be had from the pool (the server is unreachable, or every
    /// connection is busy for too long).
    #[error("postgres connection pool: {}", describe_pool(.0))]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The connection URL does not parse, or the pool cannot be built from it.
    #[error("postgres configuration: {0}")]
    Config(String),
    /// A commit met serialization failures or deadlocks on every try: nothing was written.
    #[error(
        "the commit was refused {attempts} times by serialization failures or deadlocks; nothing was written: {}",
        describe(last)
    )]
    Contention {
        /// How many times it was tried.
        attempts: u32,
        /// The last failure.
        #[source]
        last: tokio_postgres::Error,
    },
    /// A stored row could not be read back as a valid record; the other rows are unaffected.
    #[error("{record} is corrupt: {reason}")]
    Corrupt {
        /// The row's kind and id, as stored.
        record: String,
        /// Why it was refused.
        reason: String,
    },
    /// A record or an event could not be encoded as JSON.
    #[error("{record} cannot be encoded: {source}")]
    Encode {
        /// The record (or the record of the event) that could not be encoded.
        record: RecordId,
        /// Why `serde_json` refused it.
        #[source]
        source: serde_json::Error,
    },
    /// The database was made by a newer version of this adapter.
    #[error("the database schema is version {found}; this adapter reads up to {supported}")]
    SchemaTooNew {
        /// The version found.
        found: i32,
        /// The newest version this adapter knows.
        supported: i32,
    },
}

/// A driver error with what the server said, when it said something: "SQLSTATE 40001: could
/// not serialize access ..." rather than the driver's bare "db error".
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("SQLSTATE {}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// A pool error, with what the server said when a new connection failed.
fn describe_pool(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(e) => describe(e),
        other => other.to_string(),
    }
}

/// How many connections a store's pool holds by default.
pub const POOL_SIZE: usize = 16;

/// An [`AsyncStore`] in a PostgreSQL database, for one [`Tenant`], on a pool of connections.
///
/// `Clone` shares the pool. Run it on a tokio runtime.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    tenant: Tenant,
    retry: Retry,
    isolation: Isolation,
    /// How many tries were run again (shared by the clones of the store).
    retried: Arc<AtomicU64>,
}

/// The isolation level of a store's commits. Both are correct: every check a commit makes is
/// backed by a row it locks or writes (the record's row for its version and history, a claim
/// row for an absent email or domain, the tenant's outbox counter for positions). They differ
/// in what a commit does when another holds a row it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Isolation {
    /// PostgreSQL's default, and this store's: a commit waits for the row, then goes on with
    /// what the other committed. Commits of one tenant queue on its outbox counter instead of
    /// failing; only a deadlock is run again.
    #[default]
    ReadCommitted,
    /// Every commit SERIALIZABLE: a commit that waited for a row another then changed fails
    /// (SQLSTATE `40001`) and is run again from the start ([`Retry`]). For engines that run
    /// every transaction so (CockroachDB by default, Aurora DSQL), or to test under it.
    Serializable,
}

impl Isolation {
    fn level(self) -> IsolationLevel {
        match self {
            Isolation::ReadCommitted => IsolationLevel::ReadCommitted,
            Isolation::Serializable => IsolationLevel::Serializable,
        }
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("tenant", &self.tenant)
            .field("retry", &self.retry)
            .field("isolation", &self.isolation)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/database`) with a pool
    /// of [`POOL_SIZE`] connections, creates or migrates the schema, and opens the store for
    /// `tenant`.
    ///
    /// # Errors
    ///
    /// [`PostgresError::Config`] for a URL that does not parse; [`PostgresError::Pool`] or
    /// [`PostgresError::Postgres`] when the server cannot be reached;
    /// [`PostgresError::SchemaTooNew`].
    pub async fn connect(url: &str, tenant: Tenant) -> Result<PostgresStore, PostgresError> {
        PostgresStore::connect_with(url, tenant, POOL_SIZE).await
    }

    /// [`connect`](Self::connect) with a pool of `connections` connections (at least 1).
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn connect_with(
        url: &str,
        tenant: Tenant,
        connections: usize,
    ) -> Result<PostgresStore, PostgresError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| PostgresError::Config(e.to_string()))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // A connection the server closed (a restart) is dropped, not handed out; no
                // query per checkout (`Verified` costs a round trip per call: see the README).
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(connections.max(1))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| PostgresError::Config(e.to_string()))?;
        let store = PostgresStore {
            pool,
            tenant,
            retry: Retry::default(),
            isolation: Isolation::default(),
            retried: Arc::new(AtomicU64::new(0)),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The same store (sharing its pool), retrying contended commits by `retry`.
    pub fn with_retry(self, retry: Retry) -> PostgresStore {
        PostgresStore { retry, ..self }
    }

    /// The same store (sharing its pool), committing at `isolation`.
    pub fn with_isolation(self, isolation: Isolation) -> PostgresStore {
        PostgresStore { isolation, ..self }
    }

    /// The isolation level of the store's commits.
    pub fn isolation(&self) -> Isolation {
        self.isolation
    }

    /// The same pool, opened for another tenant.
    pub fn for_tenant(&self, tenant: Tenant) -> PostgresStore {
        PostgresStore {
            tenant,
            ..self.clone()
        }
    }

    /// The tenant the store reads and writes.
    pub fn tenant(&self) -> Tenant {
        self.tenant
    }

    /// How many times a transaction of this store (or of a store sharing its pool) met a
    /// serialization failure or a deadlock and was run again, since the pool was made.
    pub fn retried(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }

    /// The schema version of the database (always [`SCHEMA_VERSION`] once connected).
    ///
    /// # Errors
    ///
    /// [`PostgresError::Pool`], [`PostgresError::Postgres`].
    pub async fn schema_version(&self) -> Result<i32, PostgresError> {
        let client = self.pool.get().await?;
        let row = client
            .query_one("SELECT version FROM prospect_schema", &[])
            .await?;
        Ok(row.get(0))
    }

    /// Brings the schema to [`SCHEMA_VERSION`] in one serializable transaction; two stores
    /// migrating at once retry until one has done it. A schema already up to date is only
    /// read: a role without the right to create tables can connect to it.
    async fn migrate(&self) -> Result<(), PostgresError> {
        let found = match self.schema_version().await {
            Ok(found) => found,
            Err(PostgresError::Postgres(e)) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => 0,
            Err(e) => return Err(e),
        };
        if found > SCHEMA_VERSION {
            return Err(PostgresError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        self.retrying(contended_or_concurrent_ddl, || async {
            let mut client = self.pool.get().await?;
            let transaction = client
                .build_transaction()
                .isolation_level(IsolationLevel::Serializable)
                .start()
                .await?;
            transaction
                .batch_execute(
                    "CREATE TABLE IF NOT EXISTS prospect_schema (
                        one     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
                        version INTEGER NOT NULL
                    )",
                )
                .await?;
            let found: i32 = transaction
                .query_opt("SELECT version FROM prospect_schema", &[])
                .await?
                .map_or(0, |row| row.get(0));
            if found > SCHEMA_VERSION {
                return Err(PostgresError::SchemaTooNew {
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            for (done, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
                transaction.batch_execute(migration).await?;
                if done + 1 == schema::FIELD_TERMS {
                    terms::backfill(&transaction).await?;
                }
                if done + 1 == schema::DUPLICATE_KEYS {
                    duplicates::backfill(&transaction).await?;
                }
            }
            transaction
                .execute(
                    "INSERT INTO prospect_schema (one, version) VALUES (TRUE, $1)
                     ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
                    &[&SCHEMA_VERSION],
                )
                .await?;
            transaction.commit().await?;
            Ok(())
        })
        .await
    }

    /// Runs `attempt` until it succeeds, fails with an error `contended` does not accept, or
    /// has been tried [`Retry::attempts`] times (then [`PostgresError::Contention`]), waiting
    /// [`Retry::backoff`] between tries.
    async fn retrying<T, F, Fut>(
        &self,
        contended: fn(&tokio_postgres::Error) -> bool,
        attempt: F,
    ) -> Result<T, PostgresError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, PostgresError>>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(PostgresError::Postgres(e)) if contended(&e) => {
                    if tries >= self.retry.attempts.max(1) {
                        return Err(PostgresError::Contention {
                            attempts: tries,
                            last: e,
                        });
                    }
                    self.retried.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(self.retry.backoff(tries)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One try of a commit: the outcome (committed, or the conflict that rolled it back), or
    /// an error (a retryable one among them).
    async fn try_commit(&self, prepared: &Prepared) -> Result<Result<(), Conflict>, PostgresError> {
        let mut client = self.pool.get().await?;
        let transaction = client
            .build_transaction()
            .isolation_level(self.isolation.level())
            .start()
            .await?;
        let set = transaction.prepare_cached(SET_TENANT).await?;
        let setting = self.tenant.setting();
        // Pipelined, in this order (`biased`: each branch sends its first request when first
        // polled): the tenant is set before the commit's first statement runs, in the same
        // round trip.
        let (_, outcome) = tokio::try_join!(
            biased;
            async {
                transaction
                    .execute(&set, &[&setting])
                    .await
                    .map_err(PostgresError::from)
            },
            statements(&transaction, &self.tenant.0, prepared)
        )?;
        match outcome {
            Ok(()) => transaction.commit().await?,
            Err(_) => transaction.rollback().await?,
        }
        Ok(outcome)
    }

    async fn rows(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, PostgresError> {
        let client = self.pool.get().await?;
        let (set, statement) = (
            client.prepare_cached(SET_TENANT).await?,
            client.prepare_cached(sql).await?,
        );
        // Pipelined, in this order (`biased`): the tenant is set before the query runs, in the
        // same round trip.
        let setting = self.tenant.setting();
        let set_params: [&(dyn ToSql + Sync); 1] = [&setting];
        let (_, rows) = tokio::try_join!(
            biased;
            client.execute(&set, &set_params),
            client.query(&statement, params)
        )?;
        Ok(rows.iter().map(read).collect())
    }
}

/// A commit's statements, in the order they lock rows: claims, absence checks, records
/// required unchanged, writes, the count of a contact's records, events. The outcome: written
/// (yet to commit), or the conflict that stops the batch.
async fn statements(
    transaction: &deadpool_postgres::Transaction<'_>,
    tenant: &Uuid,
    prepared: &Prepared,
) -> Result<Result<(), Conflict>, PostgresError> {
    claim(transaction, tenant, prepared).await?;
    if let Some(conflict) = remember_key(transaction, tenant, prepared).await? {
        return Ok(Err(conflict));
    }
    if let Some(conflict) = absent_checks(transaction, tenant, prepared).await? {
        return Ok(Err(conflict));
    }
    if let Some(conflict) = unchanged_checks(transaction, tenant, prepared).await? {
        return Ok(Err(conflict));
    }
    let moved = moved_by_updates(transaction, tenant, prepared).await?;
    for write in &prepared.writes {
        if let Some(conflict) = apply(transaction, tenant, write).await? {
            return Ok(Err(conflict));
        }
    }
    if let Some(conflict) = records_of_checks(transaction, tenant, prepared, &moved).await? {
        return Ok(Err(conflict));
    }
    append_events(transaction, tenant, prepared).await?;
    Ok(Ok(()))
}

/// A serialization failure or a deadlock: the transaction was rolled back whole, and can run
/// again.
fn contended(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(&SqlState::T_R_SERIALIZATION_FAILURE | &SqlState::T_R_DEADLOCK_DETECTED)
    )
}

/// [`contended`], or, while the schema is created, a table, type or row created at the same
/// moment by another connection doing the same.
fn contended_or_concurrent_ddl(e: &tokio_postgres::Error) -> bool {
    contended(e)
        || matches!(
            e.code(),
            Some(
                &SqlState::UNIQUE_VIOLATION
                    | &SqlState::DUPLICATE_TABLE
                    | &SqlState::DUPLICATE_OBJECT
            )
        )
}

impl AsyncStore for PostgresStore {
    type Error = PostgresError;

    async fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, PostgresError> {
        let sql =
            format!("SELECT {COLUMNS} FROM records WHERE tenant = $1 AND kind = $2 AND id = $3");
        let (kind, uuid) = (id.kind().as_str(), id.as_uuid());
        let found = self.rows(&sql, &[&self.tenant.0, &kind, &uuid]).await?;
        found.into_iter().next().map(|row| row.record).transpose()
    }

    async fn commit(&self, batch: Batch) -> Result<(), CommitError<PostgresError>> {
        let prepared = Prepared::of(batch).map_err(CommitError::Store)?;
        // A conflict is the outcome of a try that ran to its end: reported, not retried.
        match self
            .retrying(contended, || self.try_commit(&prepared))
            .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(conflict)) => Err(CommitError::Conflict(conflict)),
            Err(e) => Err(CommitError::Store(e)),
        }
    }

    async fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, PostgresError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM records
              WHERE tenant = $1 AND kind = 'contact' AND email = $2 ORDER BY id"
        );
        let normalized = email.normalized();
        self.rows(&sql, &[&self.tenant.0, &normalized])
            .await?
            .into_iter()
            .map(typed)
            .collect()
    }

    async fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> Result<Vec<Versioned<Organization>>, PostgresError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM records
              WHERE tenant = $1 AND kind = 'organization'
                AND id IN (SELECT id FROM domains WHERE tenant = $1 AND domain = $2)
              ORDER BY id"
        );
        let name = domain.as_str();
        let found = self
            .rows(&sql, &[&self.tenant.0, &name])
            .await?
            .into_iter()
            .map(typed::<Organization>)
            .collect::<Result<Vec<_>, _>>()?;
        // The body decides: a row of the domains table its organization no longer says finds
        // nothing.
        Ok(found
            .into_iter()
            .filter(|o| o.domains().contains(domain))
            .collect())
    }

    async fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, PostgresError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let (sql, params) = row::list_statement(self.tenant, query, after, limit);
        let refs: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let found = self.rows(&sql, &refs).await?;
        Ok(row::page(query, found, limit))
    }

    async fn read_events(
        &self,
        after: Option<Position>,
        limit: usize,
    ) -> Result<EventPage, PostgresError> {
        let limit = limit.clamp(1, MAX_PAGE) as i64;
        let after = after.map_or(0, |p| i64::try_from(p.get()).unwrap_or(i64::MAX));
        let client = self.pool.get().await?;
        let (set, statement) = (
            client.prepare_cached(SET_TENANT).await?,
            client
                .prepare_cached(
                    "SELECT position, body FROM events
                      WHERE tenant = $1 AND position > $2 ORDER BY position LIMIT $3",
                )
                .await?,
        );
        let setting = self.tenant.setting();
        let set_params: [&(dyn ToSql + Sync); 1] = [&setting];
        let params: [&(dyn ToSql + Sync); 3] = [&self.tenant.0, &after, &limit];
        let (_, rows) = tokio::try_join!(
            biased;
            client.execute(&set, &set_params),
            client.query(&statement, &params)
        )?;
        let mut page = EventPage::default();
        for row in rows {
            let position: i64 = row.get(0);
            let position = Position::new(u64::try_from(position).unwrap_or(0));
            page.last = Some(position);
            let body: String = row.get(1);
            match serde_json::from_str(&body) {
                Ok(event) => page.events.push(StoredEvent { position, event }),
                Err(e) => page.unreadable.push(UnreadableEvent {
                    position,
                    reason: e.to_string(),
                }),
            }
        }
        Ok(page)
    }

    async fn prune_events(&self, before: Position) -> Result<u64, PostgresError> {
        let before = i64::try_from(before.get()).unwrap_or(i64::MAX);
        let client = self.pool.get().await?;
        let (set, statement) = (
            client.prepare_cached(SET_TENANT).await?,
            client
                .prepare_cached("DELETE FROM events WHERE tenant = $1 AND position < $2")
                .await?,
        );
        let setting = self.tenant.setting();
        let set_params: [&(dyn ToSql + Sync); 1] = [&setting];
        let params: [&(dyn ToSql + Sync); 2] = [&self.tenant.0, &before];
        let (_, pruned) = tokio::try_join!(
            biased;
            client.execute(&set, &set_params),
            client.execute(&statement, &params)
        )?;
        Ok(pruned)
    }

    async fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> Result<Option<Remembered>, PostgresError> {
        let client = self.pool.get().await?;
        let (set, statement) = (
            client.prepare_cached(SET_TENANT).await?,
            client
                .prepare_cached(
                    "SELECT fingerprint, at_s, at_ns, written FROM idempotency_keys
                      WHERE tenant = $1 AND actor = $2 AND key = $3",
                )
                .await?,
        );
        let setting = self.tenant.setting();
        let set_params: [&(dyn ToSql + Sync); 1] = [&setting];
        let (who, what) = (actor.as_str(), key.as_str());
        let params: [&(dyn ToSql + Sync); 3] = [&self.tenant.0, &who, &what];
        let (_, row) = tokio::try_join!(
            biased;
            client.execute(&set, &set_params),
            client.query_opt(&statement, &params)
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let corrupt = |reason: String| PostgresError::Corrupt {
            record: format!("idempotency key {key} of {actor}"),
            reason,
        };
        let (fingerprint, at_s, at_ns, written): (Vec<u8>, i64, i64, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let fingerprint = Fingerprint::from_slice(&fingerprint)
            .ok_or_else(|| corrupt(format!("a fingerprint of {} bytes", fingerprint.len())))?;
        let at = u32::try_from(at_ns)
            .ok()
            .and_then(|ns| DateTime::from_timestamp(at_s, ns))
            .ok_or_else(|| corrupt(format!("no time at {at_s} s {at_ns} ns")))?;
        let written = serde_json::from_str(&written).map_err(|e| corrupt(e.to_string()))?;
        Ok(Some(Remembered {
            request: IdempotentRequest {
                actor: actor.clone(),
                key: key.clone(),
                fingerprint,
                at,
            },
            written,
        }))
    }

    async fn prune_keys(&self, before: DateTime<Utc>) -> Result<u64, PostgresError> {
        let (s, ns) = time_key(before);
        let client = self.pool.get().await?;
        let (set, statement) = (
            client.prepare_cached(SET_TENANT).await?,
            client
                .prepare_cached(
                    "DELETE FROM idempotency_keys
                      WHERE tenant = $1 AND (at_s < $2 OR (at_s = $2 AND at_ns < $3))",
                )
                .await?,
        );
        let setting = self.tenant.setting();
        let set_params: [&(dyn ToSql + Sync); 1] = [&setting];
        let params: [&(dyn ToSql + Sync); 3] = [&self.tenant.0, &s, &ns];
        let (_, pruned) = tokio::try_join!(
            biased;
            client.execute(&set, &set_params),
            client.execute(&statement, &params)
        )?;
        Ok(pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_bounded() {
        let retry = Retry::default();
        for attempt in 1..40 {
            let wait = retry.backoff(attempt);
            assert!(wait <= retry.max, "{wait:?} at {attempt}");
            let ceiling = retry
                .first
                .saturating_mul(1 << (attempt - 1).min(20))
                .min(retry.max);
            assert!(wait <= ceiling);
        }
    }
}
