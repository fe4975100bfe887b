//! The field index: a row per [`FieldTerm`] of each record's custom values
//! ([`Record::field_terms`]), written in the commit that writes the record, and the SQL that
//! lists records by field ([`Query::with_field`](prospect::store::Query::with_field)) from it.
//!
//! A term's rows are `(kind, field, term, day, id)`, the primary key: `term` is
//! [`FieldTerm::text`] and `day` a date's day from the common era (0 for other terms), so that
//! the records of one term are a range of the key in id order (a page stops after its limit),
//! and a range of dates is a range of the key (its records are sorted, as a period's are).

use prospect::store::{FieldMatch, FieldTerm, Query};
use rusqlite::types::Value;

use super::{Record, day_key};

/// The day column of `term`.
fn day_of(term: &FieldTerm) -> i64 {
    term.day().map_or(0, day_key)
}

/// Replaces, inside a commit's transaction, the rows of `record` by its terms now (`created`:
/// the record is new, it has none to replace).
pub(crate) fn write(
    transaction: &rusqlite::Transaction<'_>,
    record: &Record,
    created: bool,
) -> rusqlite::Result<()> {
    let (kind, id) = (
        record.kind().as_str(),
        record.id().as_uuid().hyphenated().to_string(),
    );
    if !created {
        transaction
            .prepare_cached("DELETE FROM field_terms WHERE kind = ?1 AND id = ?2")?
            .execute((kind, &id))?;
    }
    for (field, term) in record.field_terms() {
        transaction
            .prepare_cached(
                "INSERT OR IGNORE INTO field_terms (kind, field, term, day, id)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute((kind, field.as_str(), term.text(), day_of(&term), &id))?;
    }
    Ok(())
}

/// The condition on `day` of `matching`, with its parameters: one day (0) for a term, a range
/// for a range of dates.
fn days(matching: &FieldMatch, params: &mut Vec<Value>) -> &'static str {
    match matching.days() {
        Some((first, last)) => {
            params.extend([Value::from(day_key(first)), Value::from(day_key(last))]);
            "day BETWEEN ? AND ?"
        }
        None => {
            params.push(Value::from(0_i64));
            "day = ?"
        }
    }
}

/// How a listing of `query` reads records when it asks about custom fields: the `FROM` clause
/// (the ids of the terms of one field, named `found`, joined to their records, so that a page
/// reads the terms in id order and stops) and the conditions of the other fields, each its
/// own look-up of the record's terms. `None` when the query asks about no field.
pub(crate) struct FieldFilter {
    /// The `FROM` clause, its parameters first.
    pub(crate) from: String,
    /// `AND ...` conditions for the other fields.
    pub(crate) conditions: String,
}

/// The [`FieldFilter`] of `query`, its parameters pushed: those of `from`, then those of the
/// conditions. The field that drives is the first asked for one term (its records are in id
/// order), else the first.
pub(crate) fn filter(
    query: &Query,
    from_params: &mut Vec<Value>,
    condition_params: &mut Vec<Value>,
) -> Option<FieldFilter> {
    let fields = query.fields();
    let driver = query.leading_field()?;
    let kind = query.kind().as_str();
    let (field, matching) = &fields[driver];
    from_params.extend([
        Value::from(kind.to_string()),
        Value::from(field.as_str().to_string()),
        Value::from(matching.text()),
    ]);
    let day = days(matching, from_params);
    from_params.push(Value::from(kind.to_string()));
    // A range of dates is read whole, then sorted. Its subquery has a limit so that it is not
    // flattened into the join: flattened, SQLite bounds the index's range by the first day
    // only, and reads on to the field's last term.
    let whole = if matching.days().is_some() {
        " LIMIT -1"
    } else {
        ""
    };
    let from = format!(
        "(SELECT id AS found FROM field_terms
           WHERE kind = ? AND field = ? AND term = ? AND {day}{whole})
         CROSS JOIN records ON records.kind = ? AND records.id = found"
    );
    let mut conditions = String::new();
    for (i, (field, matching)) in fields.iter().enumerate() {
        if i == driver {
            continue;
        }
        condition_params.extend([
            Value::from(field.as_str().to_string()),
            Value::from(matching.text()),
        ]);
        let day = days(matching, condition_params);
        conditions.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM field_terms AS t WHERE t.kind = records.kind
               AND t.id = records.id AND t.field = ? AND t.term = ? AND t.{day})"
        ));
    }
    Some(FieldFilter { from, conditions })
}

/// Fills the field index from the stored bodies (the migration that makes it), reading the
/// records that hold custom values one at a time (a body that does not read is left for
/// `read` to report).
pub(crate) fn backfill(transaction: &rusqlite::Transaction<'_>) -> Result<(), super::SqliteError> {
    let mut select =
        transaction.prepare("SELECT body FROM records WHERE instr(body, '\"custom\"') > 0")?;
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        let body: String = row.get(0)?;
        if let Ok(record) = serde_json::from_str::<Record>(&body) {
            write(transaction, &record, true)?;
        }
    }
    Ok(())
}
