//! The field index: a row per [`FieldTerm`] of each record's custom values
//! ([`Record::field_terms`]), written in the transaction that writes the record, and the SQL
//! that lists records by field ([`Query::with_field`]) from it.
//!
//! A term's rows are `(tenant, kind, field, term, day, id)`, the primary key: `term` is
//! [`FieldTerm::text`] and `day` a date's day from the common era (0 for other terms), so that
//! the records of one term are a range of the key in id order (a page stops after its limit),
//! and a range of dates is a range of the key (its records are sorted, as a period's are).

use deadpool_postgres::Transaction;
use prospect::record::Record;
use prospect::store::{FieldMatch, FieldTerm, Query};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::PostgresError;
use super::row::{Params, day_key};

/// A record's terms, as their rows' columns.
#[derive(Debug, Default)]
pub(crate) struct Terms {
    fields: Vec<String>,
    terms: Vec<String>,
    days: Vec<i32>,
}

impl Terms {
    /// The terms of `record`.
    pub(crate) fn of(record: &Record) -> Terms {
        let mut rows = Terms::default();
        for (field, term) in record.field_terms() {
            rows.fields.push(field.as_str().to_string());
            rows.days.push(day_of(&term));
            rows.terms.push(term.text());
        }
        rows
    }
}

/// The day column of `term`.
fn day_of(term: &FieldTerm) -> i32 {
    term.day().map_or(0, day_key)
}

/// Writes the rows of a record's `terms` (its rows before, if any, are gone): one statement,
/// and none when it has no term.
pub(crate) async fn insert(
    transaction: &Transaction<'_>,
    tenant: &Uuid,
    kind: &str,
    id: &Uuid,
    terms: &Terms,
) -> Result<(), PostgresError> {
    if terms.fields.is_empty() {
        return Ok(());
    }
    let statement = transaction
        .prepare_cached(
            "INSERT INTO field_terms (tenant, kind, id, field, term, day)
             SELECT $1, $2, $3, field, term, day
               FROM unnest($4::text[], $5::text[], $6::int[]) AS t (field, term, day)
             ON CONFLICT DO NOTHING",
        )
        .await?;
    let params: [&(dyn ToSql + Sync); 6] =
        [tenant, &kind, id, &terms.fields, &terms.terms, &terms.days];
    transaction.execute(&statement, &params).await?;
    Ok(())
}

/// Fills the field index from the stored bodies of every tenant (the migration that makes
/// it): those that hold custom values ([`schema::backfill`](crate::schema::backfill)).
pub(crate) async fn backfill(transaction: &Transaction<'_>) -> Result<(), PostgresError> {
    let select = "SELECT tenant, body FROM records WHERE strpos(body, '\"custom\"') > 0";
    crate::schema::backfill(transaction, select, async |tenant, record| {
        let id = record.id();
        let terms = Terms::of(record);
        insert(
            transaction,
            tenant,
            id.kind().as_str(),
            &id.as_uuid(),
            &terms,
        )
        .await
    })
    .await
}

/// How a listing of a query that asks about custom fields reads: the `FROM` clause (the ids
/// of the terms of one field, named `found`, joined to their records, so that a page reads the
/// terms in id order and stops) and the conditions of the other fields, each a look-up of the
/// record's terms.
pub(crate) struct FieldFilter {
    /// The `FROM` clause.
    pub(crate) from: String,
    /// `AND ...` conditions for the other fields.
    pub(crate) conditions: String,
}

/// The [`FieldFilter`] of `query` (`None` when it asks about no field), its parameters pushed
/// by `param` (which gives each one's placeholder). `$1` is the tenant, `$2` the kind. The
/// field that drives is the first asked for one term (its records are in id order), else the
/// first.
pub(crate) fn filter(
    query: &Query,
    params: &mut Params,
    param: impl Fn(&mut Params, Box<dyn ToSql + Sync + Send>) -> String,
) -> Option<FieldFilter> {
    let fields = query.fields();
    let driver = query.leading_field()?;
    let mut conditions = String::new();
    let mut from = String::new();
    for (i, (field, matching)) in fields.iter().enumerate() {
        let field = param(params, Box::new(field.as_str().to_string()));
        let term = param(params, Box::new(matching.text()));
        let day = days(matching, params, &param);
        if i == driver {
            from = format!(
                "(SELECT id AS found FROM field_terms
                   WHERE tenant = $1 AND kind = $2 AND field = {field} AND term = {term}
                     AND {day}) AS by_field
                 JOIN records ON records.tenant = $1 AND records.kind = $2
                                 AND records.id = by_field.found"
            );
        } else {
            conditions.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM field_terms AS t
                   WHERE t.tenant = $1 AND t.kind = $2 AND t.id = records.id
                     AND t.field = {field} AND t.term = {term} AND t.{day})"
            ));
        }
    }
    Some(FieldFilter { from, conditions })
}

/// The condition on `day` of `matching`: one day (0) for a term, a range for a range of dates.
fn days(
    matching: &FieldMatch,
    params: &mut Params,
    param: &impl Fn(&mut Params, Box<dyn ToSql + Sync + Send>) -> String,
) -> String {
    match matching.days() {
        Some((first, last)) => {
            let first = param(params, Box::new(day_key(first)));
            let last = param(params, Box::new(day_key(last)));
            format!("day BETWEEN {first} AND {last}")
        }
        None => format!("day = {}", param(params, Box::new(0_i32))),
    }
}
