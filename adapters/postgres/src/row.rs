//! Rows read back: the columns every read selects, a row checked against its body (a row whose
//! index columns disagree with it is unreadable, naming why), the statement of a listing, and
//! its page. The index columns' keys are here too, which the commit writes.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use prospect::EmailAddress;
use prospect::record::{Record, RecordId, StateError};
use prospect::store::{Cursor, Page, Query, Versioned};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::{PostgresError, Tenant, stored_version};

/// A statement's parameters, owned.
pub(crate) type Params = Vec<Box<dyn ToSql + Sync + Send>>;

/// The `created_s` and `created_ns` columns of a record created at `at`.
pub(crate) fn time_key(at: DateTime<Utc>) -> (i64, i64) {
    (at.timestamp(), i64::from(at.timestamp_subsec_nanos()))
}

/// The `expected_close` column of an opportunity expected to close on `day`.
pub(crate) fn day_key(day: NaiveDate) -> i32 {
    day.num_days_from_ce()
}

/// The `regarding` column of an activity or a task about `record`: `lead/<uuid>`, ...
pub(crate) fn regarding_key(record: RecordId) -> String {
    format!(
        "{}/{}",
        record.kind().as_str(),
        record.as_uuid().hyphenated()
    )
}

/// The columns every read selects, in the order [`read`] reads them.
pub(crate) const COLUMNS: &str = "kind, id, version, body, state, owner, email, regarding, contact, \
    created_s, created_ns, expected_close, organization";

/// One stored row: its id, and its record, or why it cannot be read.
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) record: Result<Versioned<Record>, PostgresError>,
}

/// Reads a row of [`COLUMNS`]: a row that does not hold a valid record, or whose index
/// columns disagree with its body, is a [`Row`] whose record says why.
pub(crate) fn read(row: &tokio_postgres::Row) -> Row {
    let kind: String = row.try_get(0).unwrap_or_else(|_| "?".into());
    let id = row
        .try_get::<_, Uuid>(1)
        .map_or_else(|_| "?".to_string(), |u| u.hyphenated().to_string());
    let what = format!("{kind} {id}");
    let corrupt = |reason: String| PostgresError::Corrupt {
        record: what.clone(),
        reason,
    };
    let record = (|| {
        let version: i64 = row.try_get(2).map_err(|e| corrupt(e.to_string()))?;
        let body: String = row.try_get(3).map_err(|e| corrupt(e.to_string()))?;
        let record: Record = serde_json::from_str(&body).map_err(|e| corrupt(e.to_string()))?;
        if record.kind().as_str() != kind || record.id().as_uuid().hyphenated().to_string() != id {
            return Err(corrupt(format!("the body holds {}", record.id())));
        }
        let version = stored_version(&what, version)?;
        let column = |n: usize| -> Option<String> { row.try_get(n).ok().flatten() };
        let uuid = |n: usize| -> Option<Uuid> { row.try_get(n).ok().flatten() };
        let disagrees = |name: &str| corrupt(format!("the {name} column disagrees with the body"));
        if column(4).as_deref() != Some(record.state().key()) {
            return Err(disagrees("state"));
        }
        if column(5).as_deref() != record.owner().map(|o| o.as_str()) {
            return Err(disagrees("owner"));
        }
        if column(6) != record.email().map(EmailAddress::normalized) {
            return Err(disagrees("email"));
        }
        if column(7) != record.regarding().map(regarding_key) {
            return Err(disagrees("regarding"));
        }
        if uuid(8) != record.contact().map(|c| c.as_uuid()) {
            return Err(disagrees("contact"));
        }
        let created: (Option<i64>, Option<i64>) = (row.try_get(9).ok(), row.try_get(10).ok());
        let (secs, nanos) = time_key(record.created_at());
        if created != (Some(secs), Some(nanos)) {
            return Err(disagrees("created_s and created_ns"));
        }
        let close: Option<i32> = row.try_get(11).ok().flatten();
        if close != record.expected_close().map(day_key) {
            return Err(disagrees("expected_close"));
        }
        if uuid(12) != record.organization().map(|o| o.as_uuid()) {
            return Err(disagrees("organization"));
        }
        Ok(Versioned::new(record, version))
    })();
    Row { id, record }
}

/// A row's record as `T` (a contact, an organization): a row of another kind than its query
/// asked for is corrupt.
pub(crate) fn typed<T>(row: Row) -> Result<Versioned<T>, PostgresError>
where
    T: TryFrom<Record, Error = StateError<Record>>,
{
    let record = row.record?;
    let id = record.id();
    record
        .try_map(T::try_from)
        .map_err(|e| PostgresError::Corrupt {
            record: id.to_string(),
            reason: e.to_string(),
        })
}

/// The statement listing `query`'s records of `tenant` after `after`, one more than `limit`
/// (to know whether another page follows), and its parameters.
pub(crate) fn list_statement(
    tenant: Tenant,
    query: &Query,
    after: Option<Cursor>,
    limit: usize,
) -> (String, Params) {
    let mut params: Params = vec![
        Box::new(tenant.0),
        Box::new(query.kind().as_str().to_string()),
    ];
    let next_param = |params: &mut Vec<Box<dyn ToSql + Sync + Send>>,
                      value: Box<dyn ToSql + Sync + Send>| {
        params.push(value);
        format!("${}", params.len())
    };
    // A duplicate key drives when there is one (a key has few records): the query's fields, if
    // any, are then checked on the rows by `Page::of_rows`, as every row is.
    let by_key = crate::duplicates::from(query, &mut params, next_param);
    let fields = match by_key {
        Some(_) => None,
        None => crate::terms::filter(query, &mut params, next_param),
    };
    let from = by_key
        .as_deref()
        .unwrap_or_else(|| fields.as_ref().map_or("records", |f| f.from.as_str()));
    let mut sql =
        format!("SELECT {COLUMNS} FROM {from} WHERE records.tenant = $1 AND records.kind = $2");
    if let Some(fields) = &fields {
        sql.push_str(&fields.conditions);
    }
    if let Some(states) = query.states() {
        let keys: Vec<String> = states.iter().map(|s| s.key().to_string()).collect();
        let p = next_param(&mut params, Box::new(keys));
        sql.push_str(&format!(" AND state = ANY({p})"));
    }
    if let Some(owner) = query.owner() {
        let p = next_param(&mut params, Box::new(owner.as_str().to_string()));
        sql.push_str(&format!(" AND owner = {p}"));
    }
    if query.is_unowned() {
        sql.push_str(" AND owner IS NULL");
    }
    if let Some(about) = query.regarding() {
        let p = next_param(&mut params, Box::new(regarding_key(about)));
        sql.push_str(&format!(" AND regarding = {p}"));
    }
    if let Some(contact) = query.contact() {
        let p = next_param(&mut params, Box::new(contact.as_uuid()));
        sql.push_str(&format!(" AND contact = {p}"));
    }
    if let Some(organization) = query.organization() {
        let p = next_param(&mut params, Box::new(organization.as_uuid()));
        sql.push_str(&format!(" AND organization = {p}"));
    }
    if let Some((from, until)) = query.created() {
        let (from, until) = (time_key(from), time_key(until));
        let (a, b) = (
            next_param(&mut params, Box::new(from.0)),
            next_param(&mut params, Box::new(from.1)),
        );
        let (c, d) = (
            next_param(&mut params, Box::new(until.0)),
            next_param(&mut params, Box::new(until.1)),
        );
        sql.push_str(&format!(
            " AND (created_s, created_ns) >= ({a}, {b}) AND (created_s, created_ns) < ({c}, {d})"
        ));
    }
    if let Some((first, last)) = query.closing() {
        let a = next_param(&mut params, Box::new(day_key(first)));
        let b = next_param(&mut params, Box::new(day_key(last)));
        sql.push_str(&format!(" AND expected_close BETWEEN {a} AND {b}"));
    }
    // By field, the ids are the driving field's terms'.
    let id = if fields.is_some() || by_key.is_some() {
        "found"
    } else {
        "id"
    };
    if let Some(after) = after {
        let p = next_param(&mut params, Box::new(after.as_uuid()));
        sql.push_str(&format!(" AND {id} > {p}"));
    }
    // One more than the page, to know whether another page follows.
    sql.push_str(&format!(" ORDER BY {id} LIMIT {}", limit + 1));
    (sql, params)
}

/// The page of `query`'s records the rows `found` of a listing of at most `limit` make: a row
/// that does not read is in `unreadable`.
pub(crate) fn page(query: &Query, found: Vec<Row>, limit: usize) -> Page {
    let rows = found
        .into_iter()
        .map(|row| {
            let record = row.record.map_err(|e| match e {
                PostgresError::Corrupt { reason, .. } => reason,
                other => other.to_string(),
            });
            (row.id, record)
        })
        .collect();
    Page::of_rows(query, rows, limit)
}
