//! Reading rows back: the columns every read selects, a row decoded into a record (checked
//! against its index columns), and what a corrupt row says.

use super::*;

/// The columns every read selects, in the order [`read`] reads them.
pub(crate) const COLUMNS: &str = "kind, id, version, body, state, owner, email, regarding, contact, \
    created_s, created_ns, expected_close, organization";

/// Decodes a stored body, refusing one that is not a valid record of that kind and id.
pub(crate) fn decode(
    kind: &str,
    id: &str,
    version: i64,
    body: &str,
) -> Result<Versioned<Record>, SqliteError> {
    let corrupt = |reason: String| SqliteError::Corrupt {
        record: format!("{kind} {id}"),
        reason,
    };
    let record: Record = serde_json::from_str(body).map_err(|e| corrupt(explain(kind, body, e)))?;
    if record.kind().as_str() != kind || record.id().as_uuid().hyphenated().to_string() != id {
        return Err(corrupt(format!("the body holds {}", record.id())));
    }
    let version = u64::try_from(version)
        .ok()
        .and_then(Version::new)
        .ok_or_else(|| corrupt(format!("version {version} is not a version")))?;
    Ok(Versioned::new(record, version))
}

/// Why `body` does not decode, naming the path of the field at fault ("history[1].at: invalid
/// type ...") where it can: the body is read again, only on this path, as the kind the row says
/// (a record's `type` tag hides the path from a plain decode).
pub(crate) fn explain(kind: &str, body: &str, error: serde_json::Error) -> String {
    fn at_path<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Option<String> {
        serde_path_to_error::deserialize::<_, T>(value)
            .err()
            .map(|e| e.to_string())
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(body) else {
        return error.to_string();
    };
    if let Some(fields) = value.as_object_mut() {
        fields.remove("type");
    }
    let pathed = match kind {
        "contact" => at_path::<Contact>(value),
        "lead" => at_path::<prospect::record::AnyLead>(value),
        "opportunity" => at_path::<prospect::record::AnyOpportunity>(value),
        "account" => at_path::<prospect::Account>(value),
        _ => None,
    };
    pathed.unwrap_or_else(|| error.to_string())
}

/// One stored row: its id as stored, and its record, or why it cannot be read.
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) record: Result<Versioned<Record>, SqliteError>,
}

/// A column's integer, if it holds one.
pub(crate) fn integer(value: ValueRef<'_>) -> Option<i64> {
    match value {
        ValueRef::Integer(i) => Some(i),
        _ => None,
    }
}

/// A column's text, if it holds text.
pub(crate) fn text(value: ValueRef<'_>) -> Option<&str> {
    match value {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

/// The `regarding` column of an activity about `record`: `lead/<uuid>`, ...
pub(crate) fn regarding_key(record: RecordId) -> String {
    format!(
        "{}/{}",
        record.kind().as_str(),
        record.as_uuid().hyphenated()
    )
}

/// The `contact` column of a record of `contact`: its hyphenated UUID, as the body says it.
pub(crate) fn contact_key(contact: ContactId) -> String {
    contact.as_uuid().hyphenated().to_string()
}

/// Reads a row of [`COLUMNS`]. Only a failure of SQLite itself is an error: a row that does not
/// hold a valid record is a [`Row`] whose record says why.
pub(crate) fn read(row: &rusqlite::Row<'_>) -> Result<Row, rusqlite::Error> {
    let kind = text(row.get_ref(0)?).unwrap_or("?").to_string();
    let id = text(row.get_ref(1)?).unwrap_or("?").to_string();
    let corrupt = |reason: &str| SqliteError::Corrupt {
        record: format!("{kind} {id}"),
        reason: reason.to_string(),
    };
    let version = match row.get_ref(2)? {
        ValueRef::Integer(v) => Ok(v),
        _ => Err(corrupt("the version is not an integer")),
    };
    let body = text(row.get_ref(3)?).ok_or_else(|| corrupt("the body is not text"));
    let record = version
        .and_then(|v| decode(&kind, &id, v, body?))
        .and_then(|r| {
            // The index columns must say what the body says, or listings would lie.
            let (state, owner, email, regarding, contact) = (
                text(row.get_ref(4)?),
                text(row.get_ref(5)?),
                text(row.get_ref(6)?),
                text(row.get_ref(7)?),
                text(row.get_ref(8)?),
            );
            if state != Some(r.state().key()) {
                Err(corrupt("the state column disagrees with the body"))
            } else if owner != r.owner().map(|o| o.as_str()) {
                Err(corrupt("the owner column disagrees with the body"))
            } else if email.map(str::to_string) != r.email().map(EmailAddress::normalized) {
                Err(corrupt("the email column disagrees with the body"))
            } else if regarding.map(str::to_string) != r.regarding().map(regarding_key) {
                Err(corrupt("the regarding column disagrees with the body"))
            } else if contact.map(str::to_string) != r.contact().map(contact_key) {
                Err(corrupt("the contact column disagrees with the body"))
            } else if (integer(row.get_ref(9)?), integer(row.get_ref(10)?))
                != (
                    Some(time_key(r.created_at()).0),
                    Some(time_key(r.created_at()).1),
                )
            {
                Err(corrupt(
                    "the created_s and created_ns columns disagree with the body",
                ))
            } else if integer(row.get_ref(11)?) != r.expected_close().map(day_key) {
                Err(corrupt("the expected_close column disagrees with the body"))
            } else if text(row.get_ref(12)?).map(str::to_string)
                != r.organization()
                    .map(|o| o.as_uuid().hyphenated().to_string())
            {
                Err(corrupt("the organization column disagrees with the body"))
            } else {
                Ok(r)
            }
        });
    Ok(Row { id, record })
}

/// Reads the rows of a query of [`COLUMNS`].
pub(crate) fn rows(
    statement: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<Row>, SqliteError> {
    let mut rows = statement.query(params)?;
    let mut read_rows = Vec::new();
    while let Some(row) = rows.next()? {
        read_rows.push(read(row)?);
    }
    Ok(read_rows)
}

pub(crate) fn version_of(
    transaction: &rusqlite::Transaction<'_>,
    id: RecordId,
) -> Result<Option<Version>, SqliteError> {
    Ok(stored_mark(transaction, id)?.map(|(version, _)| version))
}

/// The stored version of `id` and the mark of its history (read from its body for a row
/// written before the mark was kept), or `None` when there is no such record.
pub(crate) fn stored_mark(
    transaction: &rusqlite::Transaction<'_>,
    id: RecordId,
) -> Result<Option<(Version, HistoryMark)>, SqliteError> {
    type Row = (i64, Option<i64>, Option<i64>, Option<bool>);
    let (kind, uuid) = (id.kind().as_str(), id.as_uuid().hyphenated().to_string());
    let row: Option<Row> = transaction
        .prepare_cached(
            "SELECT version, history_len, history_tip, erased FROM records
             WHERE kind = ?1 AND id = ?2",
        )?
        .query_row((kind, &uuid), |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    let Some((version, len, tip, erased)) = row else {
        return Ok(None);
    };
    let corrupt = |reason: String| SqliteError::Corrupt {
        record: format!("{kind} {uuid}"),
        reason,
    };
    let version = u64::try_from(version)
        .ok()
        .and_then(Version::new)
        .ok_or_else(|| corrupt(format!("version {version} is not a version")))?;
    let mark = match (len.map(u64::try_from), tip, erased) {
        // The tip is a u64 kept in SQLite's i64: the same 64 bits.
        (Some(Ok(len)), Some(tip), Some(erased)) => HistoryMark::new(len, tip as u64, erased),
        (None, None, None) => {
            let body: String = transaction
                .prepare_cached("SELECT body FROM records WHERE kind = ?1 AND id = ?2")?
                .query_row((kind, &uuid), |row| row.get(0))?;
            decode(kind, &uuid, version.get() as i64, &body)?.history_mark()
        }
        _ => return Err(corrupt("the history mark is incomplete or negative".into())),
    };
    Ok(Some((version, mark)))
}
