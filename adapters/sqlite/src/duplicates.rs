//! The index of duplicate keys: a row per [`DuplicateKey`](prospect::duplicates::DuplicateKey)
//! of each contact and organization ([`Record::duplicate_keys`]), written in the commit that
//! writes the record, and the `FROM` clause that lists records by key
//! ([`Query::with_duplicate_key`](prospect::store::Query::with_duplicate_key)) from it.
//!
//! Rows are `(kind, key, id)`, the primary key, so that a key's records are a range of it in id
//! order (a page stops after its limit).

use prospect::duplicates::KINDS;
use prospect::store::Query;
use rusqlite::types::Value;

use super::Record;

/// Replaces, inside a commit's transaction, the rows of `record` by its keys now (`created`:
/// the record is new, it has none to replace).
pub(crate) fn write(
    transaction: &rusqlite::Transaction<'_>,
    record: &Record,
    created: bool,
) -> rusqlite::Result<()> {
    if !KINDS.contains(&record.kind()) {
        return Ok(());
    }
    let (kind, id) = (
        record.kind().as_str(),
        record.id().as_uuid().hyphenated().to_string(),
    );
    if !created {
        transaction
            .prepare_cached("DELETE FROM duplicate_keys WHERE kind = ?1 AND id = ?2")?
            .execute((kind, &id))?;
    }
    for key in record.duplicate_keys() {
        transaction
            .prepare_cached(
                "INSERT OR IGNORE INTO duplicate_keys (kind, key, id) VALUES (?1, ?2, ?3)",
            )?
            .execute((kind, key.as_str(), &id))?;
    }
    Ok(())
}

/// The `FROM` clause of a listing by `query`'s duplicate key, its parameters pushed: the ids
/// of the key's rows, named `found`, joined to their records. `None` when the query names no
/// key.
pub(crate) fn from(query: &Query, params: &mut Vec<Value>) -> Option<&'static str> {
    let key = query.duplicate_key()?;
    let kind = query.kind().as_str();
    params.extend([
        Value::from(kind.to_string()),
        Value::from(key.as_str().to_string()),
        Value::from(kind.to_string()),
    ]);
    Some(
        "(SELECT id AS found FROM duplicate_keys WHERE kind = ? AND key = ?)
         CROSS JOIN records ON records.kind = ? AND records.id = found",
    )
}

/// Fills the index from the stored bodies of contacts and organizations (the migration that
/// makes it), one at a time (a body that does not read is left for `read` to report).
pub(crate) fn backfill(transaction: &rusqlite::Transaction<'_>) -> Result<(), super::SqliteError> {
    let mut select = transaction
        .prepare("SELECT body FROM records WHERE kind IN ('contact', 'organization')")?;
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        let body: String = row.get(0)?;
        if let Ok(record) = serde_json::from_str::<Record>(&body) {
            write(transaction, &record, true)?;
        }
    }
    Ok(())
}
