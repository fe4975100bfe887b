//! Queries on custom fields: the memory store's index lists what a scan filtered by the query
//! finds, for generated records; the facade never finds a record by a personal value for a
//! reader who may not read it.

use proptest::prelude::*;

use prospect::fields::{
    FieldDefinition, FieldKey, FieldType, FieldValue, FieldValues, PicklistOption, SchemaChange,
    WithFields,
};
use prospect::memory::MemoryStore;
use prospect::record::{Record, RecordId, RecordKind};
use prospect::store::{Batch, FieldMatch, FieldTerm, Query, Store};
use prospect::testkit::Sample;
use prospect::*;

fn key(text: &str) -> FieldKey {
    FieldKey::new(text).unwrap()
}

/// Every id `query` lists in `store`, `limit` a page.
fn listed(store: &MemoryStore, query: &Query, limit: usize) -> Vec<RecordId> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = Store::list(store, query, after, limit).unwrap();
        ids.extend(page.records.iter().map(|r| r.id()));
        match page.next {
            Some(next) => after = Some(next),
            None => return ids,
        }
    }
}

/// The matches to ask about `term`: itself, and for a date the days around it.
fn matches_about(term: FieldTerm) -> Vec<FieldMatch> {
    match term {
        FieldTerm::Date(day) => vec![
            FieldMatch::DateBetween(day, day),
            FieldMatch::DateBetween(day - chrono::TimeDelta::days(40), day),
            FieldMatch::DateBetween(day, day + chrono::TimeDelta::days(40)),
            FieldMatch::DateBetween(day + chrono::TimeDelta::days(1), day),
        ],
        FieldTerm::Boolean(b) => vec![FieldMatch::Boolean(b), FieldMatch::Boolean(!b)],
        other => vec![FieldMatch::from(other)],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// For generated records with custom values, a query by each of their terms (and by date
    /// ranges around each date) lists, page after page, exactly the records a scan filtered by
    /// `Query::matches` finds, in id order.
    #[test]
    fn the_field_index_lists_what_the_query_matches(
        records in prop::collection::vec(
            prospect::strategies::record_with_fields().prop_map(|(_, record)| record),
            1..10,
        ),
        limit in 1usize..4,
    ) {
        let store = MemoryStore::new();
        let mut stored: Vec<Record> = Vec::new();
        for record in records {
            if stored.iter().any(|r| r.id() == record.id()) {
                continue;
            }
            let mut batch = Batch::new();
            batch.create(record.clone()).unwrap();
            Store::commit(&store, batch).unwrap();
            stored.push(record);
        }
        for record in &stored {
            for (field, term) in record.field_terms() {
                for matching in matches_about(term) {
                    let query = Query::of_kind(record.kind()).with_field(field.clone(), matching);
                    let mut expected: Vec<RecordId> = stored
                        .iter()
                        .filter(|r| query.matches(r))
                        .map(Record::id)
                        .collect();
                    expected.sort_by_key(|id| id.as_uuid());
                    prop_assert_eq!(listed(&store, &query, limit), expected, "{:?}", query);
                }
            }
        }
    }
}

#[test]
fn a_term_gives_the_match_that_finds_it_and_its_text() {
    let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let terms = [
        FieldTerm::Picklist(key("gold")),
        FieldTerm::Boolean(true),
        FieldTerm::Date(day),
    ];
    for term in terms {
        let matching = FieldMatch::from(term.clone());
        assert!(matching.accepts(&term), "{term}");
        assert_eq!(matching.text(), term.text(), "{term}");
        assert_eq!(
            matching.days().map(|(first, _)| first),
            term.day(),
            "{term}"
        );
    }
    assert_eq!(FieldTerm::Date(day).to_string(), "date:2027-03-01");
    assert_eq!(FieldTerm::Picklist(key("gold")).text(), "picklist:gold");
    let multi = FieldValue::MultiPicklist([key("a"), key("b")].into_iter().collect());
    assert_eq!(FieldTerm::of(&multi).count(), 2);
    assert_eq!(FieldTerm::of(&FieldValue::Integer(3)).count(), 0);
    assert!(!FieldMatch::DateBetween(day, day).accepts(&FieldTerm::Boolean(true)));
}

proptest! {
    /// A match accepts a value exactly when it accepts one of the value's terms.
    #[test]
    fn a_match_matches_a_value_when_it_accepts_one_of_its_terms(
        (_, record) in prospect::strategies::record_with_fields(),
        (_, other) in prospect::strategies::record_with_fields(),
    ) {
        let values: Vec<&FieldValue> = [&record, &other]
            .into_iter()
            .filter_map(|r| r.custom_fields())
            .flat_map(|c| c.values().iter().map(|(_, v)| v))
            .collect();
        for value in &values {
            for term in FieldTerm::of(value) {
                for matching in matches_about(term) {
                    for candidate in &values {
                        prop_assert_eq!(
                            matching.matches(candidate),
                            FieldTerm::of(candidate).any(|t| matching.accepts(&t)),
                            "{} against {:?}", matching, candidate
                        );
                    }
                }
            }
        }
    }
}

proptest! {
    /// Every match reads back from its text.
    #[test]
    fn a_match_reads_back_from_its_text(
        option in "[a-z][a-z0-9_]{0,20}",
        b in any::<bool>(),
        days in (0i64..100_000, 0i64..400),
        uuid in any::<u128>(),
        kind in 0usize..8,
    ) {
        let first = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()
            + chrono::TimeDelta::days(days.0);
        let id = RecordId::from_parts(RecordKind::ALL[kind], prospect::uuid::Uuid::from_u128(uuid));
        for matching in [
            FieldMatch::Picklist(key(&option)),
            FieldMatch::Boolean(b),
            FieldMatch::DateBetween(first, first + chrono::TimeDelta::days(days.1)),
            FieldMatch::Reference(id),
        ] {
            let text = matching.to_string();
            prop_assert_eq!(text.parse::<FieldMatch>(), Ok(matching), "{}", text);
        }
    }
}

#[test]
fn texts_that_are_not_matches_say_why() {
    for (text, reason) in [
        ("gold", "no `:`"),
        ("colour:red", "not a type of match"),
        ("boolean:yes", "true or false"),
        ("date:2027-13-01", "not a date"),
        ("date:2027-03-01..soon", "not a date"),
        ("reference:contact", "<kind>/<uuid>"),
        ("reference:person/0190", "not a kind of record"),
        ("reference:contact/xyz", "not a UUID"),
        ("picklist:Gold", "lowercase"),
    ] {
        let e = text.parse::<FieldMatch>().unwrap_err();
        assert!(e.reason.contains(reason), "{text}: {e}");
        assert!(e.to_string().contains("expected picklist:<option>"), "{e}");
    }
    assert_eq!(
        "date:2027-03-01".parse::<FieldMatch>(),
        Ok(FieldMatch::DateBetween(
            chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()
        )),
        "one day"
    );
}

/// A reader who may not read personal data does not find a contact by its personal value
/// (the value is redacted from what they see, and what it matches would tell it); one who may,
/// does; a field that is not personal finds the contact for both.
#[test]
fn a_reader_without_personal_data_does_not_find_records_by_personal_values() {
    let sample = Sample::new(290);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let picklist = |options: &[&str]| FieldType::Picklist {
        options: options
            .iter()
            .map(|o| PicklistOption::new(key(o), *o))
            .collect(),
    };
    let fields = [
        FieldDefinition::new(key("health"), "Health", picklist(&["good", "poor"])).personal(),
        FieldDefinition::new(key("tier"), "Tier", picklist(&["gold", "silver"])),
    ];
    sample.schema(
        &crm,
        fields.map(|field| SchemaChange::AddField {
            kind: RecordKind::Contact,
            field,
        }),
    );
    let mut values = FieldValues::new();
    values.set(key("health"), FieldValue::Picklist(key("poor")));
    values.set(key("tier"), FieldValue::Picklist(key("gold")));
    let contact = crm
        .create_contact(
            WithFields::new(sample.contact_details(), values),
            OnDuplicate::Refuse,
            me,
        )
        .unwrap()
        .into_contact();
    let (team, vic) = crate::support::viewer_without_personal_data(&store);
    let by = |field: &str, option: &str| {
        Query::of_kind(RecordKind::Contact)
            .with_field(key(field), FieldMatch::Picklist(key(option)))
    };
    let ids = |crm: &Crm<&MemoryStore>, query: &Query, actor: &User| -> Vec<RecordId> {
        let page = crm.list(query, None, 10, actor).unwrap();
        page.records.iter().map(|r| r.id()).collect()
    };
    let id = RecordId::from(contact.id());
    let sees = Crm::new(&store, prospect::access::AllowAll);
    assert_eq!(ids(&sees, &by("health", "poor"), me), [id]);
    assert_eq!(
        ids(&team, &by("health", "poor"), &vic),
        [],
        "a reader without personal data finds no contact by a personal value"
    );
    assert_eq!(ids(&team, &by("tier", "gold"), &vic), [id]);
    assert_eq!(
        ids(
            &team,
            &by("tier", "gold").with_field(key("health"), FieldMatch::Picklist(key("poor"))),
            &vic
        ),
        []
    );
}
