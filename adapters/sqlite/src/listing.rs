//! Listings: the SQL of a [`Query`]'s page (from the records' index columns, or from the field
//! index when it asks about custom fields), and the page made of the rows it reads.

use super::*;

/// The statement that reads the rows of a page of `query` after `after` (`limit` of them and
/// one more, to know whether another page follows), with its parameters.
pub(crate) fn select(query: &Query, after: Option<Cursor>, limit: usize) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = Vec::new();
    let mut field_params: Vec<Value> = Vec::new();
    // A duplicate key drives when there is one (a key has few records): the query's fields, if
    // any, are then checked on the rows by `Page::of_rows`, as every row is.
    let by_key = duplicates::from(query, &mut params);
    let fields = match by_key {
        Some(_) => None,
        None => terms::filter(query, &mut params, &mut field_params),
    };
    let from = by_key.unwrap_or_else(|| fields.as_ref().map_or("records", |f| f.from.as_str()));
    let mut sql = format!("SELECT {COLUMNS} FROM {from} WHERE kind = ?");
    params.push(Value::from(query.kind().as_str().to_string()));
    if let Some(states) = query.states() {
        let marks = vec!["?"; states.len()].join(", ");
        sql.push_str(&format!(" AND state IN ({marks})"));
        params.extend(states.iter().map(|s| Value::from(s.key().to_string())));
    }
    if let Some(owner) = query.owner() {
        sql.push_str(" AND owner = ?");
        params.push(Value::from(owner.as_str().to_string()));
    }
    if query.is_unowned() {
        sql.push_str(" AND owner IS NULL");
    }
    if let Some(about) = query.regarding() {
        sql.push_str(" AND regarding = ?");
        params.push(Value::from(regarding_key(about)));
    }
    if let Some(contact) = query.contact() {
        sql.push_str(" AND contact = ?");
        params.push(Value::from(contact_key(contact)));
    }
    if let Some(organization) = query.organization() {
        sql.push_str(" AND organization = ?");
        params.push(Value::from(organization.as_uuid().hyphenated().to_string()));
    }
    if let Some((from, until)) = query.created() {
        sql.push_str(" AND (created_s, created_ns) >= (?, ?) AND (created_s, created_ns) < (?, ?)");
        for (secs, nanos) in [time_key(from), time_key(until)] {
            params.extend([Value::from(secs), Value::from(nanos)]);
        }
    }
    if let Some((first, last)) = query.closing() {
        sql.push_str(" AND expected_close BETWEEN ? AND ?");
        params.extend([Value::from(day_key(first)), Value::from(day_key(last))]);
    }
    // By field: the other fields' conditions; the ids are the driving field's terms'.
    let id = match &fields {
        Some(fields) => {
            sql.push_str(&fields.conditions);
            params.append(&mut field_params);
            "found"
        }
        None if by_key.is_some() => "found",
        None => "id",
    };
    if let Some(after) = after {
        sql.push_str(&format!(" AND {id} > ?"));
        params.push(Value::from(after.as_uuid().hyphenated().to_string()));
    }
    // One more than the page, to know whether another page follows.
    sql.push_str(&format!(" ORDER BY {id} LIMIT {}", limit + 1));
    (sql, params)
}

/// The page of `query` made of the rows `found` (at most `limit` of them and one more):
/// [`Page::of_rows`], the reason of a row that does not read being its corruption's.
pub(crate) fn page(query: &Query, found: Vec<Row>, limit: usize) -> Page {
    let rows = found
        .into_iter()
        .map(|row| {
            let record = row.record.map_err(|e| match e {
                SqliteError::Corrupt { reason, .. } => reason,
                other => other.to_string(),
            });
            (row.id, record)
        })
        .collect();
    Page::of_rows(query, rows, limit)
}

#[cfg(test)]
mod tests {
    use prospect::fields::FieldKey;
    use prospect::record::RecordKind;
    use prospect::store::FieldMatch;

    use super::*;

    /// The plan SQLite chooses for a page of `query`, one step a line.
    fn plan(query: &Query) -> String {
        let mut connection = Connection::open_in_memory().expect("a database in memory");
        schema::migrate(&mut connection).expect("migrated");
        let (sql, params) = select(
            query,
            Some(Cursor::after(RecordId::Contact(
                prospect::ContactId::from_uuid(uuid::Uuid::nil()),
            ))),
            50,
        );
        let mut statement = connection
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("a valid statement");
        let steps = statement
            .query_map(params_from_iter(params), |row| row.get::<_, String>(3))
            .expect("a plan");
        steps
            .map(|s| s.expect("a step"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A query on fields reads the field index's range of the first field asked for one term,
    /// in id order (no sort), each record by its key, each other field by the record's terms:
    /// no scan, whatever the store holds.
    #[test]
    fn a_field_query_reads_the_field_index_without_a_scan_or_a_sort() {
        let key = |k: &str| FieldKey::new(k).expect("a key");
        let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("a date");
        let query = Query::of_kind(RecordKind::Contact)
            .with_field(key("renewal"), FieldMatch::DateBetween(day, day))
            .with_field(key("tier"), FieldMatch::Picklist(key("gold")));
        let steps = plan(&query);
        assert!(
            steps.contains("SEARCH field_terms USING PRIMARY KEY (kind=? AND field=? AND term=? AND day=? AND id>?)"),
            "{steps}"
        );
        assert!(
            steps.contains("SEARCH records USING PRIMARY KEY"),
            "{steps}"
        );
        assert!(steps.contains("field_terms_by_record"), "{steps}");
        assert!(
            !steps.contains("SCAN") && !steps.contains("TEMP B-TREE"),
            "{steps}"
        );
        let dates = plan(
            &Query::of_kind(RecordKind::Contact)
                .with_field(key("renewal"), FieldMatch::DateBetween(day, day)),
        );
        assert!(
            dates.contains("SEARCH field_terms USING PRIMARY KEY (kind=? AND field=? AND term=? AND day>? AND day<?)"),
            "a range of dates is a range of the index (its ids sorted): {dates}"
        );
        assert!(
            !dates.contains("SCAN records") && !dates.contains("SCAN field_terms"),
            "{dates}"
        );
    }

    /// A listing by duplicate key reads the key's range of the index in id order, each record
    /// by its key: no scan, no sort.
    #[test]
    fn a_duplicate_key_query_reads_the_key_index_without_a_scan_or_a_sort() {
        use prospect::{Contact, ContactDetails, Context, LeadSource, Party, PersonName, User};
        let ctx = Context::system(User::new("ann").expect("a user"));
        let party = Party::person(PersonName::new("Ada Lovelace").expect("a name"));
        let ada = Record::from(Contact::create(
            ContactDetails::new(party, LeadSource::Web),
            &ctx,
        ));
        let key = ada.duplicate_keys().swap_remove(0);
        let steps = plan(&Query::of_kind(RecordKind::Contact).with_duplicate_key(key));
        assert!(
            steps.contains("SEARCH duplicate_keys USING PRIMARY KEY (kind=? AND key=? AND id>?)"),
            "{steps}"
        );
        assert!(
            steps.contains("SEARCH records USING PRIMARY KEY"),
            "{steps}"
        );
        assert!(
            !steps.contains("SCAN") && !steps.contains("TEMP B-TREE"),
            "{steps}"
        );
    }
}
