//! A SQLite storage adapter for [`prospect`], written as any downstream adapter would be: with
//! `prospect`'s public API only.
//!
//! - Records are stored as JSON, beside indexed columns for kind, state, owner and the
//!   normalised email of contacts; the terms of custom values (`field_terms`) and the
//!   duplicate keys of contacts and organizations (`duplicate_keys`) are tables of their own,
//!   rewritten in the commit that writes the record.
//! - The schema is created and migrated on open, and its version kept in `PRAGMA user_version`.
//! - Every commit is one `BEGIN IMMEDIATE` transaction whose version checks are SQL conditions
//!   (`UPDATE … WHERE version = ?`), so two connections racing on one record give a conflict,
//!   never a lost update. File databases use WAL mode.
//! - SQLite is bundled: no system library is needed.
//! - **Durability**: a commit that returned survives a power loss (`synchronous = FULL`, the
//!   default); [`Durability::Normal`] trades the last commits before a power loss (never the
//!   database's integrity, nor anything on a crash of the application) for speed
//!   ([`SqliteStore::open_with`]).
//! - **Reads do not wait behind a commit**: on a file, reads go through a small pool of
//!   read-only connections ([`READERS`]); in WAL mode they never wait for the writer.
//! - **Async**: [`AsyncSqliteStore`] is an [`AsyncStore`](prospect::store::AsyncStore) that
//!   runs each call on threads of its own, so that under tokio (or any executor) SQLite's
//!   blocking calls never run on the runtime's threads.
//! - Erasure leaves nothing on disk: the connection runs with `secure_delete` on (freed space
//!   is zeroed), and a commit that erases a record is followed by a truncating checkpoint, so
//!   that neither the file, its write-ahead log nor its shared-memory file holds an erased
//!   value (see [`SqliteStore::checkpoint`] for the case of a concurrent reader).
//!
//! ```
//! use prospect::{Crm, record::RecordKind, store::Store};
//! use prospect_sqlite::SqliteStore;
//!
//! let crm = Crm::new(SqliteStore::open_in_memory()?, prospect::access::AllowAll);
//! assert_eq!(crm.store().scan(RecordKind::Lead, &mut |_| {})?.visited, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod asynchronous;
mod duplicates;
mod listing;
mod row;
mod schema;
mod terms;

pub use asynchronous::{AsyncSqliteStore, WORKERS};
use row::*;
pub use schema::SCHEMA_VERSION;
use schema::migrate;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use prospect::{
    Contact, ContactId, Domain, EmailAddress, Organization, User,
    event::EventPage,
    event::Position,
    event::StoredEvent,
    event::UnreadableEvent,
    idempotency::{Fingerprint, IdempotencyKey, IdempotentRequest, Remembered},
    record::Record,
    record::RecordId,
    store::Batch,
    store::BatchParts,
    store::CommitError,
    store::Conflict,
    store::Cursor,
    store::HistoryMark,
    store::MAX_PAGE,
    store::Page,
    store::Precondition,
    store::Query,
    store::Retention,
    store::Store,
    store::Version,
    store::Versioned,
};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params_from_iter};

/// The `created_s` and `created_ns` columns of a record created at `at`.
fn time_key(at: DateTime<Utc>) -> (i64, i64) {
    (at.timestamp(), i64::from(at.timestamp_subsec_nanos()))
}

/// Drops, in a commit's transaction, the events `retention` does not keep, once the commit's
/// own `events` are in.
fn retain(
    transaction: &rusqlite::Transaction<'_>,
    retention: Retention,
    events: &[prospect::event::Event],
) -> Result<(), rusqlite::Error> {
    match retention {
        Retention::Last(n) => {
            // The last position given is this commit's last event's.
            let last = transaction.last_insert_rowid();
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            transaction
                .prepare_cached("DELETE FROM events WHERE position <= ?1")?
                .execute([last.saturating_sub(n)])?;
        }
        Retention::Within(age) => {
            let newest = events.iter().map(|e| e.occurred_at()).max();
            if let Some(oldest_kept) = newest.and_then(|n| n.checked_sub_signed(age)) {
                transaction
                    .prepare_cached("DELETE FROM events WHERE occurred_s < ?1")?
                    .execute([oldest_kept.timestamp()])?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Remembers a committing batch's request, inside its transaction: a conflict naming the
/// batch's first write when the actor's key is already remembered.
fn remember_key(
    transaction: &rusqlite::Transaction<'_>,
    remembered: &Remembered,
) -> Result<(), CommitError<SqliteError>> {
    let request = &remembered.request;
    let first = remembered.written[0].0;
    let written = serde_json::to_string(&remembered.written).map_err(|source| {
        CommitError::Store(SqliteError::Encode {
            record: first,
            source,
        })
    })?;
    let (at_s, at_ns) = time_key(request.at);
    let inserted = transaction
        .prepare_cached(
            "INSERT INTO idempotency_keys (actor, key, fingerprint, at_s, at_ns, written)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (actor, key) DO NOTHING",
        )
        .and_then(|mut s| {
            s.execute((
                request.actor.as_str(),
                request.key.as_str(),
                &request.fingerprint.as_bytes()[..],
                at_s,
                at_ns,
                &written,
            ))
        })
        .map_err(|e| CommitError::Store(SqliteError::Sqlite(e)))?;
    if inserted == 0 {
        return Err(Conflict::key_used(first).into());
    }
    Ok(())
}

/// The `expected_close` column of an opportunity expected to close on `day`.
fn day_key(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce())
}

/// How long a connection waits for another's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong in the adapter. Conflicts are not errors of the adapter: they are reported as
/// [`CommitError::Conflict`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored row could not be read back as a valid record; the other rows are unaffected.
    #[error("{record} is corrupt: {reason}")]
    Corrupt {
        /// The row's kind and id, as stored.
        record: String,
        /// Why it was refused.
        reason: String,
    },
    /// A record could not be encoded as JSON.
    #[error("{record} cannot be encoded: {source}")]
    Encode {
        /// The record that could not be encoded.
        record: RecordId,
        /// Why `serde_json` refused it.
        #[source]
        source: serde_json::Error,
    },
    /// An [`AsyncSqliteStore`] worker thread could not start.
    #[error("a worker thread could not start: {0}")]
    Thread(#[source] std::io::Error),
    /// An [`AsyncSqliteStore`] worker stopped before answering (it panicked): the call may or
    /// may not have been applied.
    #[error("the worker thread stopped before answering")]
    Stopped,
    /// The database was made by a newer version of this adapter.
    #[error("the database schema is version {found}; this adapter reads up to {supported}")]
    SchemaTooNew {
        /// The version found.
        found: u32,
        /// The newest version this adapter knows.
        supported: u32,
    },
}

/// How far a commit has gone to disk when it returns (SQLite's `synchronous`, in WAL mode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Durability {
    /// `synchronous = FULL`: the write-ahead log is synced at every commit, so a commit that
    /// returned survives a power loss. The default.
    #[default]
    Full,
    /// `synchronous = NORMAL`: the log is synced at checkpoints only. The database is never
    /// corrupted, and a crash of the application loses nothing, but a power loss (or an
    /// operating-system crash) may lose the last commits that returned. Faster.
    Normal,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        }
    }
}

/// How many read-only connections a store on a file keeps, so that reads do not wait behind a
/// commit (in WAL mode a reader never waits for the writer).
pub const READERS: usize = 4;

/// A [`Store`] in a SQLite database: a file, or memory.
///
/// Commits go through one connection, behind a mutex; on a file, reads go through a small pool
/// of read-only connections ([`READERS`]), so that they run while a commit is being written.
/// Open several `SqliteStore`s on one file for several writers; they coordinate through
/// SQLite's locks. For async code, [`AsyncSqliteStore`] runs the same store on threads of its
/// own.
#[derive(Debug)]
pub struct SqliteStore {
    connection: Mutex<Connection>,
    /// Read-only connections to the same file (none in memory: reads use `connection`).
    readers: Vec<Mutex<Connection>>,
    /// Which reader to try first next.
    next_reader: AtomicUsize,
    path: Option<PathBuf>,
    /// How much of the outbox is kept ([`SqliteStore::with_retention`]).
    retention: Retention,
}

impl SqliteStore {
    /// Opens (or creates) the database at `path`, in WAL mode, creating or migrating its
    /// schema, with [`Durability::Full`]: a commit that returned survives a power loss.
    ///
    /// # Errors
    ///
    /// [`SqliteError::Sqlite`] when the file cannot be opened, [`SqliteError::SchemaTooNew`].
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, SqliteError> {
        SqliteStore::open_with(path, Durability::Full)
    }

    /// [`open`](Self::open) with the given [`Durability`].
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_with(
        path: impl AsRef<Path>,
        durability: Durability,
    ) -> Result<SqliteStore, SqliteError> {
        let connection = Connection::open(path.as_ref())?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", durability.pragma())?;
        let mut store = SqliteStore::setup(connection)?;
        // Opened once the schema is there.
        store.readers = (0..READERS)
            .map(|_| {
                let reader = Connection::open_with_flags(
                    path.as_ref(),
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                reader.busy_timeout(BUSY_TIMEOUT)?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<_, SqliteError>>()?;
        store.path = Some(path.as_ref().to_path_buf());
        Ok(store)
    }

    /// The durability commits have (`synchronous`, as SQLite reports it).
    ///
    /// # Errors
    ///
    /// [`SqliteError::Sqlite`].
    pub fn durability(&self) -> Result<Durability, SqliteError> {
        let level: i64 = self
            .connection()
            .pragma_query_value(None, "synchronous", |row| row.get(0))?;
        // 2 is FULL, 3 EXTRA (stronger still); 1 NORMAL; 0 OFF, which this adapter never sets.
        Ok(if level >= 2 {
            Durability::Full
        } else {
            Durability::Normal
        })
    }

    /// A new database in memory, private to this store.
    ///
    /// # Errors
    ///
    /// [`SqliteError::Sqlite`].
    pub fn open_in_memory() -> Result<SqliteStore, SqliteError> {
        SqliteStore::setup(Connection::open_in_memory()?)
    }

    fn setup(mut connection: Connection) -> Result<SqliteStore, SqliteError> {
        connection.busy_timeout(BUSY_TIMEOUT)?;
        // Deleted and overwritten content is overwritten with zeros, so that an erased value
        // does not linger in the file's free space.
        connection.pragma_update(None, "secure_delete", "ON")?;
        migrate(&mut connection)?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
            path: None,
            retention: Retention::All,
        })
    }

    /// The same store, keeping only what `retention` says of its outbox (default:
    /// [`Retention::All`], every event until pruned), dropped in each commit's transaction.
    /// The trade-off is [`Retention`]'s: an event dropped is gone for a consumer that had not
    /// read it.
    #[must_use]
    pub fn with_retention(self, retention: Retention) -> SqliteStore {
        SqliteStore { retention, ..self }
    }

    /// The file the store was opened on; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Copies every change in the write-ahead log into the database file and truncates the log
    /// to nothing, so that earlier versions of rows (erased values among them) are no longer
    /// in it. A commit that erases a record does this by itself; call it again when that
    /// checkpoint could not complete because another connection was reading.
    ///
    /// Returns whether the checkpoint completed.
    ///
    /// # Errors
    ///
    /// [`SqliteError::Sqlite`].
    pub fn checkpoint(&self) -> Result<bool, SqliteError> {
        checkpoint(&self.connection())
    }

    /// The schema version of the database (always [`SCHEMA_VERSION`] once opened).
    ///
    /// # Errors
    ///
    /// [`SqliteError::Sqlite`].
    pub fn schema_version(&self) -> Result<u32, SqliteError> {
        Ok(self
            .connection()
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    // A panic while the connection is held rolls its transaction back (the transaction's drop),
    // so a poisoned mutex still guards a usable connection.
    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection to read with: a free read-only one if there is one (the next in turn, else
    /// the first free), else the next in turn when it frees up; the writer's in memory.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return self.connection();
        }
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = self.readers.len();
        for i in 0..n {
            match self.readers[(start + i) % n].try_lock() {
                Ok(reader) => return reader,
                Err(TryLockError::Poisoned(e)) => return e.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        self.readers[start % n]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A truncating checkpoint; whether it completed (it cannot while another connection reads an
/// older snapshot). Nothing to do for a database in memory.
fn checkpoint(connection: &Connection) -> Result<bool, SqliteError> {
    let busy: i64 =
        connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
    Ok(busy == 0)
}

impl Store for SqliteStore {
    type Error = SqliteError;

    fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, SqliteError> {
        let connection = self.reader();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM records WHERE kind = ?1 AND id = ?2"
        ))?;
        let found = rows(
            &mut statement,
            (id.kind().as_str(), id.as_uuid().hyphenated().to_string()),
        )?;
        found.into_iter().next().map(|row| row.record).transpose()
    }

    fn commit(&self, batch: Batch) -> Result<(), CommitError<SqliteError>> {
        let store = |e: SqliteError| CommitError::Store(e);
        let sqlite = |e: rusqlite::Error| CommitError::Store(SqliteError::Sqlite(e));
        let mut connection = self.connection();
        // IMMEDIATE takes the write lock first: the checks below and the writes see one state.
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite)?;
        let BatchParts {
            writes,
            absent_emails,
            absent_domains,
            unchanged,
            records_of,
            records_of_organization,
            events,
            remember,
        } = batch.into_parts();
        // The key first: a retry is recognised as one whatever changed since its first
        // commit (the contract's order of conflicts).
        if let Some(remembered) = &remember {
            remember_key(&transaction, remembered)?;
        }
        // Whether the batch erases a record: then the log is checkpointed after the commit.
        let mut erasing = false;
        for email in &absent_emails {
            let existing: Option<(String, i64)> = transaction
                .query_row(
                    "SELECT id, version FROM records WHERE kind = 'contact' AND email = ?1 ORDER BY id LIMIT 1",
                    [email.normalized()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(sqlite)?;
            if let Some((id, version)) = existing {
                let uuid = uuid::Uuid::parse_str(&id).map_err(|e| {
                    store(SqliteError::Corrupt {
                        record: format!("contact {id}"),
                        reason: e.to_string(),
                    })
                })?;
                let actual = u64::try_from(version)
                    .ok()
                    .and_then(Version::new)
                    .ok_or_else(|| {
                        store(SqliteError::Corrupt {
                            record: format!("contact {id}"),
                            reason: format!("version {version} is not a version"),
                        })
                    })?;
                return Err(Conflict::email_taken(ContactId::from_uuid(uuid), actual).into());
            }
        }
        for domain in &absent_domains {
            let existing: Option<(String, i64)> = transaction
                .query_row(
                    "SELECT r.id, r.version FROM domains d
                       JOIN records r ON r.kind = 'organization' AND r.id = d.id
                      WHERE d.domain = ?1 ORDER BY r.id LIMIT 1",
                    [domain.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(sqlite)?;
            if let Some((id, version)) = existing {
                let corrupt = |reason: String| {
                    store(SqliteError::Corrupt {
                        record: format!("organization {id}"),
                        reason,
                    })
                };
                let uuid = uuid::Uuid::parse_str(&id).map_err(|e| corrupt(e.to_string()))?;
                let actual = u64::try_from(version)
                    .ok()
                    .and_then(Version::new)
                    .ok_or_else(|| corrupt(format!("version {version} is not a version")))?;
                let existing = prospect::OrganizationId::from_uuid(uuid);
                return Err(Conflict::domain_taken(existing, actual).into());
            }
        }
        for (id, version) in unchanged {
            let actual = version_of(&transaction, id).map_err(store)?;
            if actual != Some(version) {
                return Err(Conflict::new(id, Precondition::Version(version), actual).into());
            }
        }
        for (contact, count) in records_of {
            // One index range per kind that names a contact.
            let found: i64 = transaction
                .prepare_cached(
                    "SELECT count(*) FROM records
                      WHERE kind IN ('lead', 'opportunity', 'account', 'activity', 'task')
                        AND contact = ?1",
                )
                .and_then(|mut s| s.query_row([contact_key(contact)], |row| row.get(0)))
                .map_err(sqlite)?;
            if u64::try_from(found).ok() != Some(count) {
                return Err(Conflict::records_of_contact(contact).into());
            }
        }
        for (organization, count) in records_of_organization {
            // One index range per kind that names an organization.
            let found: i64 = transaction
                .prepare_cached(
                    "SELECT count(*) FROM records
                      WHERE kind IN ('contact', 'account') AND organization = ?1",
                )
                .and_then(|mut s| {
                    let key = organization.as_uuid().hyphenated().to_string();
                    s.query_row([key], |row| row.get(0))
                })
                .map_err(sqlite)?;
            if u64::try_from(found).ok() != Some(count) {
                return Err(Conflict::records_of_organization(organization).into());
            }
        }
        for write in writes {
            let (record, expect) = write.into_parts();
            let id = record.id();
            let body = serde_json::to_string(&record)
                .map_err(|source| store(SqliteError::Encode { record: id, source }))?;
            let (kind, uuid) = (id.kind().as_str(), id.as_uuid().hyphenated().to_string());
            let state = record.state().key();
            let owner = record.owner().map(|o| o.as_str().to_string());
            let email = record.email().map(EmailAddress::normalized);
            let regarding = record.regarding().map(regarding_key);
            let contact = record.contact().map(contact_key);
            let (created_s, created_ns) = time_key(record.created_at());
            let expected_close = record.expected_close().map(day_key);
            let organization = record
                .organization()
                .map(|o| o.as_uuid().hyphenated().to_string());
            let mark = record.history_mark();
            let (len, tip, erased) = (mark.len() as i64, mark.tip() as i64, mark.is_erased());
            // Cached statements: prepared once per connection, not once per write.
            match expect {
                Precondition::Absent => {
                    let inserted = transaction
                        .prepare_cached(
                            "INSERT INTO records
                                 (kind, id, state, owner, email, version, body,
                                  history_len, history_tip, erased, regarding, contact,
                                  created_s, created_ns, expected_close, organization)
                             VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                                     ?14, ?15)
                             ON CONFLICT (kind, id) DO NOTHING",
                        )
                        .and_then(|mut s| {
                            s.execute((
                                kind,
                                &uuid,
                                &state,
                                &owner,
                                &email,
                                &body,
                                len,
                                tip,
                                erased,
                                &regarding,
                                &contact,
                                created_s,
                                created_ns,
                                expected_close,
                                &organization,
                            ))
                        })
                        .map_err(sqlite)?;
                    if inserted == 0 {
                        let actual = version_of(&transaction, id).map_err(store)?;
                        // Dropping the transaction rolls back the writes made so far.
                        return Err(Conflict::new(id, expect, actual).into());
                    }
                }
                Precondition::Version(v) => {
                    // The write lock is held: what is read here is what the update replaces.
                    match stored_mark(&transaction, id).map_err(store)? {
                        None => return Err(Conflict::new(id, expect, None).into()),
                        Some((actual, _)) if actual != v => {
                            return Err(Conflict::new(id, expect, Some(actual)).into());
                        }
                        Some((_, stored)) if !record.extends(&stored) => {
                            return Err(Conflict::stale_history(id, v).into());
                        }
                        Some((_, stored)) => erasing |= erased && !stored.is_erased(),
                    }
                    transaction
                        .prepare_cached(
                            "UPDATE records SET state = ?3, owner = ?4, email = ?5, body = ?6,
                                    history_len = ?8, history_tip = ?9, erased = ?10,
                                    regarding = ?11, contact = ?12, created_s = ?13,
                                    created_ns = ?14, expected_close = ?15, organization = ?16,
                                    version = version + 1
                             WHERE kind = ?1 AND id = ?2 AND version = ?7",
                        )
                        .and_then(|mut s| {
                            s.execute((
                                kind,
                                &uuid,
                                &state,
                                &owner,
                                &email,
                                &body,
                                v.get() as i64,
                                len,
                                tip,
                                erased,
                                &regarding,
                                &contact,
                                created_s,
                                created_ns,
                                expected_close,
                                &organization,
                            ))
                        })
                        .map_err(sqlite)?;
                }
            }
            terms::write(&transaction, &record, expect == Precondition::Absent).map_err(sqlite)?;
            duplicates::write(&transaction, &record, expect == Precondition::Absent)
                .map_err(sqlite)?;
            if record.kind() == prospect::record::RecordKind::Organization {
                // The organization's domains, as its body says, replace those it had.
                transaction
                    .prepare_cached("DELETE FROM domains WHERE id = ?1")
                    .and_then(|mut s| s.execute([&uuid]))
                    .map_err(sqlite)?;
                for domain in record.domains() {
                    transaction
                        .prepare_cached("INSERT INTO domains (domain, id) VALUES (?1, ?2)")
                        .and_then(|mut s| s.execute((domain.as_str(), &uuid)))
                        .map_err(sqlite)?;
                }
            }
        }
        // The events, in the same transaction: a position is given while this writer holds
        // the database's only write lock, so positions follow commit order and a reader never
        // finds a gap that a later commit fills.
        for event in &events {
            let body = serde_json::to_string(event).map_err(|source| {
                store(SqliteError::Encode {
                    record: event.record(),
                    source,
                })
            })?;
            transaction
                .prepare_cached("INSERT INTO events (body, occurred_s) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute((body, event.occurred_at().timestamp())))
                .map_err(sqlite)?;
        }
        if !events.is_empty() {
            retain(&transaction, self.retention, &events).map_err(sqlite)?;
        }
        transaction.commit().map_err(sqlite)?;
        if erasing {
            // The erased values are still in the log's earlier frames: copy the log into the
            // file (where secure_delete zeroed them) and truncate it. The commit stands whatever
            // happens here (an error now would say it did not): if a reader holds an older
            // snapshot, or the checkpoint fails, `SqliteStore::checkpoint` (or the next
            // erasure) finishes the job.
            let _ = checkpoint(&connection);
        }
        Ok(())
    }

    fn read_events(&self, after: Option<Position>, limit: usize) -> Result<EventPage, SqliteError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let after = after.map_or(0, |p| i64::try_from(p.get()).unwrap_or(i64::MAX));
        let connection = self.reader();
        let mut statement = connection.prepare_cached(
            "SELECT position, body FROM events WHERE position > ?1 ORDER BY position LIMIT ?2",
        )?;
        let mut page = EventPage::default();
        let mut rows = statement.query((after, limit as i64))?;
        while let Some(row) = rows.next()? {
            let position: i64 = row.get(0)?;
            let position = Position::new(u64::try_from(position).unwrap_or(0));
            page.last = Some(position);
            let read = match row.get_ref(1)? {
                ValueRef::Text(body) => serde_json::from_slice(body).map_err(|e| e.to_string()),
                other => Err(format!("the body is {:?}, not text", other.data_type())),
            };
            match read {
                Ok(event) => page.events.push(StoredEvent { position, event }),
                Err(reason) => page.unreadable.push(UnreadableEvent { position, reason }),
            }
        }
        Ok(page)
    }

    fn prune_events(&self, before: Position) -> Result<u64, SqliteError> {
        let before = i64::try_from(before.get()).unwrap_or(i64::MAX);
        let connection = self.connection();
        let removed = connection
            .prepare_cached("DELETE FROM events WHERE position < ?1")?
            .execute([before])?;
        Ok(removed as u64)
    }

    fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> Result<Option<Remembered>, SqliteError> {
        let connection = self.reader();
        let row: Option<(Vec<u8>, i64, i64, String)> = connection
            .prepare_cached(
                "SELECT fingerprint, at_s, at_ns, written FROM idempotency_keys
                  WHERE actor = ?1 AND key = ?2",
            )?
            .query_row([actor.as_str(), key.as_str()], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .optional()?;
        let Some((fingerprint, at_s, at_ns, written)) = row else {
            return Ok(None);
        };
        let corrupt = |reason: String| SqliteError::Corrupt {
            record: format!("idempotency key {key} of {actor}"),
            reason,
        };
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

    fn prune_keys(&self, before: DateTime<Utc>) -> Result<u64, SqliteError> {
        let (s, ns) = time_key(before);
        let connection = self.connection();
        let removed = connection
            .prepare_cached(
                "DELETE FROM idempotency_keys WHERE at_s < ?1 OR (at_s = ?1 AND at_ns < ?2)",
            )?
            .execute([s, ns])?;
        Ok(removed as u64)
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, SqliteError> {
        let connection = self.reader();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM records WHERE kind = 'contact' AND email = ?1 ORDER BY id"
        ))?;
        rows(&mut statement, [email.normalized()])?
            .into_iter()
            .map(|row| {
                let r = row.record?;
                let id = r.id();
                r.try_map(Contact::try_from)
                    .map_err(|e| SqliteError::Corrupt {
                        record: id.to_string(),
                        reason: e.to_string(),
                    })
            })
            .collect()
    }

    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> Result<Vec<Versioned<Organization>>, SqliteError> {
        let connection = self.reader();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM records WHERE kind = 'organization'
                AND id IN (SELECT id FROM domains WHERE domain = ?1) ORDER BY id"
        ))?;
        let found: Result<Vec<Versioned<Organization>>, SqliteError> =
            rows(&mut statement, [domain.as_str()])?
                .into_iter()
                .map(|row| {
                    let r = row.record?;
                    let id = r.id();
                    r.try_map(Organization::try_from)
                        .map_err(|e| SqliteError::Corrupt {
                            record: id.to_string(),
                            reason: e.to_string(),
                        })
                })
                .collect();
        // The body decides: a row of the domains table that its organization no longer says
        // (a database edited by hand) finds nothing.
        Ok(found?
            .into_iter()
            .filter(|o| o.domains().contains(domain))
            .collect())
    }

    fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, SqliteError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let (sql, params) = listing::select(query, after, limit);
        let connection = self.reader();
        let mut statement = connection.prepare_cached(&sql)?;
        let found = rows(&mut statement, params_from_iter(params))?;
        Ok(listing::page(query, found, limit))
    }
}
