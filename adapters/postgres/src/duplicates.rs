//! The index of duplicate keys: a row per [`DuplicateKey`](prospect::duplicates::DuplicateKey)
//! of each contact and organization ([`Record::duplicate_keys`]), written in the transaction
//! that writes the record, and the `FROM` clause that lists records by key
//! ([`Query::with_duplicate_key`]) from it.
//!
//! Rows are `(tenant, kind, key, id)`, the primary key, so that a key's records are a range of
//! it in id order (a page stops after its limit).

use deadpool_postgres::Transaction;
use prospect::duplicates::KINDS;
use prospect::record::Record;
use prospect::store::Query;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::PostgresError;
use super::row::Params;

/// The keys of `record`, as their rows' column: `None` for a kind that has none.
pub(crate) fn keys_of(record: &Record) -> Option<Vec<String>> {
    KINDS.contains(&record.kind()).then(|| {
        record
            .duplicate_keys()
            .iter()
            .map(|k| k.as_str().to_string())
            .collect()
    })
}

/// Makes the rows of a record's `keys` what they are now, in one statement: the rows of keys
/// it no longer has are deleted, those of its new keys inserted (its unchanged keys' rows are
/// left as they are, so the statement's insert and delete never touch one row).
pub(crate) async fn write(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    kind: &str,
    id: &Uuid,
    keys: &[String],
) -> Result<(), PostgresError> {
    let statement = transaction
        .prepare_cached(
            "WITH gone AS (
                 DELETE FROM duplicate_keys
                  WHERE tenant = $1 AND kind = $2 AND id = $3 AND NOT (key = ANY($4::text[])))
             INSERT INTO duplicate_keys (tenant, kind, id, key)
             SELECT $1, $2, $3, key FROM unnest($4::text[]) AS k (key)
             ON CONFLICT DO NOTHING",
        )
        .await?;
    let params: [&(dyn ToSql + Sync); 4] = [tenant, &kind, id, &keys];
    transaction.execute(&statement, &params).await?;
    Ok(())
}

/// The `FROM` clause of a listing by `query`'s duplicate key (`None` when it names none), its
/// parameter pushed by `param`: the ids of the key's rows, named `found`, joined to their
/// records. `$1` is the tenant, `$2` the kind.
pub(crate) fn from(
    query: &Query,
    params: &mut Params,
    param: impl Fn(&mut Params, Box<dyn ToSql + Sync + Send>) -> String,
) -> Option<String> {
    let key = query.duplicate_key()?;
    let key = param(params, Box::new(key.as_str().to_string()));
    Some(format!(
        "(SELECT id AS found FROM duplicate_keys
           WHERE tenant = $1 AND kind = $2 AND key = {key}) AS by_key
         JOIN records ON records.tenant = $1 AND records.kind = $2 AND records.id = by_key.found"
    ))
}

/// Fills the index from the stored bodies of every tenant's contacts and organizations (the
/// migration that makes it; [`schema::backfill`](crate::schema::backfill)).
pub(crate) async fn backfill(transaction: &Transaction<'_>) -> Result<(), PostgresError> {
    let select = "SELECT tenant, body FROM records WHERE kind IN ('contact', 'organization')";
    crate::schema::backfill(transaction, select, async |tenant, record| {
        match keys_of(record) {
            Some(keys) => {
                let id = record.id();
                write(
                    transaction,
                    tenant,
                    id.kind().as_str(),
                    &id.as_uuid(),
                    &keys,
                )
                .await
            }
            None => Ok(()),
        }
    })
    .await
}
