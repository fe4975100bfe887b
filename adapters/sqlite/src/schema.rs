//! The database's schema: the migrations that make it, in order, and what a migration does
//! besides its SQL. A database records how many it has had in `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use prospect::record::Record;

use super::{SqliteError, day_key, time_key};

/// The schema version this adapter creates and reads.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The migrations, in order: the schema at version N is made by the first N of them.
const MIGRATIONS: &[&str] = &[
    // 1: the records table and its indexes.
    "CREATE TABLE records (
        kind    TEXT    NOT NULL,
        id      TEXT    NOT NULL,
        state   TEXT    NOT NULL,
        owner   TEXT,
        email   TEXT,
        version INTEGER NOT NULL CHECK (version >= 1),
        body    TEXT    NOT NULL,
        PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;
    CREATE INDEX records_by_state ON records (kind, state, id);
    CREATE INDEX records_by_owner ON records (kind, owner, id);
    CREATE INDEX records_by_email ON records (email) WHERE email IS NOT NULL;",
    // 2: the mark of each record's history (`prospect::store::HistoryMark`), to refuse a stale copy
    // without decoding the stored body. Rows written before have none: the first update of
    // such a row reads its mark from its body.
    "ALTER TABLE records ADD COLUMN history_len INTEGER;
    ALTER TABLE records ADD COLUMN history_tip INTEGER;
    ALTER TABLE records ADD COLUMN erased INTEGER;",
    // 3: the record an activity is about (`kind/uuid`), to list a record's activities in id
    // order without scanning the others.
    "ALTER TABLE records ADD COLUMN regarding TEXT;
    UPDATE records
       SET regarding = json_extract(body, '$.regarding.kind') || '/' || json_extract(body, '$.regarding.id')
     WHERE kind = 'activity';
    CREATE INDEX records_by_regarding ON records (regarding, id) WHERE regarding IS NOT NULL;",
    // 4: the contact each record is of (`prospect::record::Record::contact`), to find a
    // contact's records (for a listing, or an erasure) without scanning the others.
    "ALTER TABLE records ADD COLUMN contact TEXT;
    UPDATE records
       SET contact = CASE kind WHEN 'account' THEN json_extract(body, '$.primary_contact')
                               ELSE json_extract(body, '$.contact') END
     WHERE kind <> 'contact';
    CREATE INDEX records_by_contact ON records (kind, contact, id) WHERE contact IS NOT NULL;",
    // 5: when each record was created (seconds and nanoseconds since the epoch, exact at any
    // date chrono reads) and an opportunity's expected close (days from the common era), to
    // list records by period without scanning the others. `backfill` fills them in from the
    // bodies: SQL cannot read the times exactly.
    "ALTER TABLE records ADD COLUMN created_s INTEGER;
    ALTER TABLE records ADD COLUMN created_ns INTEGER;
    ALTER TABLE records ADD COLUMN expected_close INTEGER;
    CREATE INDEX records_by_created ON records (kind, created_s, created_ns);
    CREATE INDEX records_by_close ON records (expected_close) WHERE expected_close IS NOT NULL;",
    // 6: organizations: the organization a contact belongs to, and a table of the domains of
    // each organization (several per organization), to find duplicates without a scan.
    "ALTER TABLE records ADD COLUMN organization TEXT;
    CREATE INDEX records_by_organization ON records (kind, organization, id)
        WHERE organization IS NOT NULL;
    CREATE TABLE domains (
        domain TEXT NOT NULL,
        id     TEXT NOT NULL,
        PRIMARY KEY (domain, id)
    ) WITHOUT ROWID;
    CREATE INDEX domains_by_id ON domains (id);",
    // 7: the outbox: each commit's events, as JSON, at positions given inside the commit's
    // write transaction (so in commit order: SQLite has one writer at a time). AUTOINCREMENT
    // never gives a position again, even once the events before it are pruned.
    "CREATE TABLE events (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        body     TEXT    NOT NULL
    );",
    // 8: the idempotency keys remembered with their commits (`Batch::remember`), one per actor
    // and key (the primary key makes a second commit with the same key fail inside its
    // transaction), with when (as in 5), the request's fingerprint and the records written
    // (JSON). Pruned by time through the index.
    "CREATE TABLE idempotency_keys (
        actor       TEXT    NOT NULL,
        key         TEXT    NOT NULL,
        fingerprint BLOB    NOT NULL,
        at_s        INTEGER NOT NULL,
        at_ns       INTEGER NOT NULL,
        written     TEXT    NOT NULL,
        PRIMARY KEY (actor, key)
    ) WITHOUT ROWID;
    CREATE INDEX idempotency_keys_by_time ON idempotency_keys (at_s, at_ns);",
    // 9: when each event occurred (seconds since the epoch), for a retention by age
    // (`SqliteStore::with_retention`); the events kept so far get theirs from their bodies.
    "ALTER TABLE events ADD COLUMN occurred_s INTEGER;
    UPDATE events SET occurred_s = unixepoch(json_extract(body, '$.occurred_at'));
    CREATE INDEX events_by_time ON events (occurred_s);",
    // 10: the field index: a row per term of each record's custom values (see `terms`), to
    // list records by field without scanning the others; `backfill` fills it from the bodies.
    "CREATE TABLE field_terms (
        kind  TEXT    NOT NULL,
        field TEXT    NOT NULL,
        term  TEXT    NOT NULL,
        day   INTEGER NOT NULL,
        id    TEXT    NOT NULL,
        PRIMARY KEY (kind, field, term, day, id)
    ) WITHOUT ROWID;
    CREATE INDEX field_terms_by_record ON field_terms (kind, id, field, term, day);",
    // 11: the duplicate keys of contacts and organizations (see `duplicates`), to list the
    // records sharing a key without a scan; `backfill` fills it from the bodies.
    "CREATE TABLE duplicate_keys (
        kind TEXT NOT NULL,
        key  TEXT NOT NULL,
        id   TEXT NOT NULL,
        PRIMARY KEY (kind, key, id)
    ) WITHOUT ROWID;
    CREATE INDEX duplicate_keys_by_record ON duplicate_keys (kind, id, key);",
];

/// What migration `version` does besides its SQL: schema 5 fills in the times of the records
/// already stored, from their bodies (a body that does not read is left for `read` to report),
/// schema 10 their field terms and schema 11 their duplicate keys.
fn backfill(transaction: &rusqlite::Transaction<'_>, version: u32) -> Result<(), SqliteError> {
    match version {
        5 => {}
        10 => return super::terms::backfill(transaction),
        11 => return super::duplicates::backfill(transaction),
        _ => return Ok(()),
    }
    let stored: Vec<(String, String, String)> = transaction
        .prepare("SELECT kind, id, body FROM records")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .filter_map(Result::ok)
        .collect();
    let mut update = transaction.prepare(
        "UPDATE records SET created_s = ?3, created_ns = ?4, expected_close = ?5
          WHERE kind = ?1 AND id = ?2",
    )?;
    for (kind, id, body) in stored {
        if let Ok(record) = serde_json::from_str::<Record>(&body) {
            let (secs, nanos) = time_key(record.created_at());
            update.execute((kind, id, secs, nanos, record.expected_close().map(day_key)))?;
        }
    }
    Ok(())
}

/// Brings the schema to [`SCHEMA_VERSION`], one migration per transaction.
pub(crate) fn migrate(connection: &mut Connection) -> Result<(), SqliteError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = transaction.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(SqliteError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (done, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        transaction.execute_batch(migration)?;
        backfill(&transaction, done as u32 + 1)?;
        transaction.pragma_update(None, "user_version", done as u32 + 1)?;
    }
    transaction.commit()?;
    Ok(())
}
