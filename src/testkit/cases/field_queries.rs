//! Listings by custom field ([`Query::with_field`]): by a picklist's (or a multi-picklist's)
//! option, a boolean, a range of dates and a reference, each a page at a time in id order, and
//! the index following every write of the values (an edit, a cleared value, an erasure).

use chrono::{NaiveDate, TimeDelta};

use super::*;
use crate::contact::Contact;
use crate::fields::{
    FieldDefinition, FieldKey, FieldType, FieldUpdate, FieldValue, FieldValues, PicklistOption,
    SchemaChange, WithFields,
};
use crate::store::FieldMatch;

#[track_caller]
fn key(text: &str) -> FieldKey {
    FieldKey::new(text).must()
}

fn options(keys: &[&str]) -> Vec<PicklistOption> {
    keys.iter()
        .map(|k| PicklistOption::new(key(k), *k))
        .collect()
}

/// The contacts' fields the cases query: `industry` (picklist: retail, software, energy),
/// `interests` (multi-picklist: crm, erp, bi), `active` (boolean), `renewal` (date),
/// `referred_by` and `mentor` (references to contacts), and a personal `hobby` (picklist:
/// chess, golf).
fn query_schema<S: Store>(crm: &Crm<S>, sample: &Sample) {
    let fields = [
        FieldDefinition::new(
            key("industry"),
            "Industry",
            FieldType::Picklist {
                options: options(&["retail", "software", "energy"]),
            },
        ),
        FieldDefinition::new(
            key("interests"),
            "Interests",
            FieldType::MultiPicklist {
                options: options(&["crm", "erp", "bi"]),
            },
        ),
        FieldDefinition::new(key("active"), "Active", FieldType::Boolean),
        FieldDefinition::new(key("renewal"), "Renewal", FieldType::Date),
        FieldDefinition::new(
            key("referred_by"),
            "Referred by",
            FieldType::Reference {
                kind: RecordKind::Contact,
            },
        ),
        FieldDefinition::new(
            key("mentor"),
            "Mentor",
            FieldType::Reference {
                kind: RecordKind::Contact,
            },
        ),
        FieldDefinition::new(
            key("hobby"),
            "Hobby",
            FieldType::Picklist {
                options: options(&["chess", "golf"]),
            },
        )
        .personal(),
    ];
    let changes = fields.map(|field| SchemaChange::AddField {
        kind: RecordKind::Contact,
        field,
    });
    sample.schema(crm, changes);
}

/// A contact created with `values`.
#[track_caller]
fn contact_with<S: Store>(
    crm: &Crm<S>,
    sample: &Sample,
    values: Vec<(&str, FieldValue)>,
) -> Versioned<Contact> {
    let mut set = FieldValues::new();
    for (k, value) in values {
        set.set(key(k), value);
    }
    let details = WithFields::new(sample.contact_details(), set);
    crm.create_contact(details, OnDuplicate::Refuse, sample.actor())
        .must()
        .into_contact()
}

/// Lists `query` two records a page (every page checked) and compares the ids with `expected`
/// (sorted here: a listing is in id order).
#[track_caller]
fn lists<S: Store>(store: &S, what: &str, query: &Query, expected: &[RecordId]) {
    let mut expected = expected.to_vec();
    expected.sort_by_key(|id| id.as_uuid());
    let found = page_through(store, query, 2, &mut || {});
    assert_eq!(
        found, expected,
        "a listing of the contacts {what}, two a page: expected these, in id order"
    );
}

fn contacts() -> Query {
    Query::of_kind(RecordKind::Contact)
}

fn picklist(option: &str) -> FieldMatch {
    FieldMatch::Picklist(key(option))
}

/// Twelve contacts, each of an industry (retail, software, energy, or none, in turn) and with
/// interests (crm and bi, erp, or none, in turn): a query by a picklist's option lists those
/// of that option; one by a multi-picklist's option lists every contact whose options include
/// it; an option asked of another field finds none (the field is part of the match); two
/// fields at once find the records matching both.
pub fn records_are_listed_by_picklist_option<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(150);
    let crm = sample.crm(&store);
    query_schema(&crm, &sample);
    let industries = ["retail", "software", "energy"];
    let mut made = Vec::new();
    for i in 0..12 {
        let mut values = Vec::new();
        if let Some(industry) = industries.get(i % 4) {
            values.push(("industry", FieldValue::Picklist(key(industry))));
        }
        let interests: &[&str] = [&["crm", "bi"][..], &["erp"], &[]][i % 3];
        if !interests.is_empty() {
            let set = interests.iter().map(|k| key(k)).collect();
            values.push(("interests", FieldValue::MultiPicklist(set)));
        }
        made.push(RecordId::from(contact_with(&crm, &sample, values).id()));
    }
    let which = |keep: &dyn Fn(usize) -> bool| -> Vec<RecordId> {
        (0..12).filter(|i| keep(*i)).map(|i| made[i]).collect()
    };
    let industry = key("industry");
    let interests = key("interests");
    lists(
        &store,
        "in software (a picklist)",
        &contacts().with_field(industry.clone(), picklist("software")),
        &which(&|i| i % 4 == 1),
    );
    for (option, keep) in [("crm", 0), ("bi", 0), ("erp", 1)] {
        lists(
            &store,
            &format!("interested in {option} (one option of a multi-picklist)"),
            &contacts().with_field(interests.clone(), picklist(option)),
            &which(&|i| i % 3 == keep),
        );
    }
    lists(
        &store,
        "whose industry is crm (an option of another field)",
        &contacts().with_field(industry.clone(), picklist("crm")),
        &[],
    );
    lists(
        &store,
        "in retail and interested in crm",
        &contacts()
            .with_field(industry, picklist("retail"))
            .with_field(interests, picklist("crm")),
        &which(&|i| i % 12 == 0),
    );
}

/// Twelve contacts, active, inactive or with no value in turn: `Boolean(true)` lists the
/// active, `Boolean(false)` the inactive, and neither lists a contact without a value.
pub fn records_are_listed_by_boolean<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(151);
    let crm = sample.crm(&store);
    query_schema(&crm, &sample);
    let mut made = Vec::new();
    for i in 0..12 {
        let values = match i % 3 {
            0 => vec![("active", FieldValue::Boolean(true))],
            1 => vec![("active", FieldValue::Boolean(false))],
            _ => vec![("industry", FieldValue::Picklist(key("retail")))],
        };
        made.push(RecordId::from(contact_with(&crm, &sample, values).id()));
    }
    for (value, keep) in [(true, 0), (false, 1)] {
        let expected: Vec<RecordId> = (0..12).filter(|i| i % 3 == keep).map(|i| made[i]).collect();
        lists(
            &store,
            &format!("whose `active` is {value} (those without a value are neither)"),
            &contacts().with_field(key("active"), FieldMatch::Boolean(value)),
            &expected,
        );
    }
}

/// Twelve contacts with renewal dates that go back a day with each (so that the dates' order
/// is not the ids'), every fourth without one: a range lists the contacts whose date is in it,
/// **both days included**, in id order; a range of one day lists that day's; a range whose last
/// day is before its first lists none.
pub fn records_are_listed_by_date_range<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(152);
    let crm = sample.crm(&store);
    query_schema(&crm, &sample);
    let base = NaiveDate::from_ymd_opt(2027, 3, 1).expect("a date");
    let day = |i: usize| base + TimeDelta::days(12 - i as i64);
    let mut made = Vec::new();
    for i in 0..12 {
        let values = match i % 4 {
            3 => vec![("active", FieldValue::Boolean(true))],
            _ => vec![("renewal", FieldValue::Date(day(i)))],
        };
        made.push(RecordId::from(contact_with(&crm, &sample, values).id()));
    }
    let dated = |first: usize, last: usize| -> Vec<RecordId> {
        (0..12)
            .filter(|i| i % 4 != 3 && (first..=last).contains(&(12 - i)))
            .map(|i| made[i])
            .collect()
    };
    let renewal = key("renewal");
    let between = |first: usize, last: usize| {
        contacts().with_field(
            renewal.clone(),
            FieldMatch::DateBetween(day(12 - first), day(12 - last)),
        )
    };
    // Days are counted from `base`: contact i renews on day 12 - i (contacts 3, 7 and 11
    // have no date).
    assert!(dated(2, 8).len() == 6 && dated(6, 6).len() == 1);
    lists(
        &store,
        "renewing from day 2 to day 8, both included (each has a contact)",
        &between(2, 8),
        &dated(2, 8),
    );
    lists(
        &store,
        "renewing on day 6 (a range of one day)",
        &between(6, 6),
        &dated(6, 6),
    );
    lists(
        &store,
        "renewing from day 8 to day 2 (a range that ends before it starts)",
        &between(8, 2),
        &[],
    );
}

/// Two contacts others refer to; twelve contacts referred by one or the other in turn, and
/// mentored by the first one in three: a query by reference lists the contacts whose field
/// refers to that record, never those that refer to it through another field.
pub fn records_are_listed_by_reference<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(153);
    let crm = sample.crm(&store);
    query_schema(&crm, &sample);
    let first = RecordId::from(contact_with(&crm, &sample, Vec::new()).id());
    let second = RecordId::from(contact_with(&crm, &sample, Vec::new()).id());
    let mut made = Vec::new();
    for i in 0..12 {
        let mut values = vec![(
            "referred_by",
            FieldValue::Reference(if i % 2 == 0 { first } else { second }),
        )];
        if i % 3 == 0 {
            values.push(("mentor", FieldValue::Reference(first)));
        }
        made.push(RecordId::from(contact_with(&crm, &sample, values).id()));
    }
    let which = |keep: &dyn Fn(usize) -> bool| -> Vec<RecordId> {
        (0..12).filter(|i| keep(*i)).map(|i| made[i]).collect()
    };
    lists(
        &store,
        "referred by the first",
        &contacts().with_field(key("referred_by"), FieldMatch::Reference(first)),
        &which(&|i| i % 2 == 0),
    );
    lists(
        &store,
        "referred by the second",
        &contacts().with_field(key("referred_by"), FieldMatch::Reference(second)),
        &which(&|i| i % 2 == 1),
    );
    lists(
        &store,
        "mentored by the first",
        &contacts().with_field(key("mentor"), FieldMatch::Reference(first)),
        &which(&|i| i % 3 == 0),
    );
}

/// A contact's entries in the field index follow its values: after an edit it is listed under
/// its new option, not its old; after a value is cleared it is listed under none; once it is
/// erased, its personal values (a hobby) list it no more, and the others still do.
pub fn field_index_follows_edits_and_erasure<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(154);
    let crm = sample.crm(&store);
    let me = sample.actor();
    query_schema(&crm, &sample);
    let contact = contact_with(
        &crm,
        &sample,
        vec![
            ("industry", FieldValue::Picklist(key("retail"))),
            ("active", FieldValue::Boolean(true)),
            ("hobby", FieldValue::Picklist(key("chess"))),
        ],
    );
    let other = contact_with(
        &crm,
        &sample,
        vec![("industry", FieldValue::Picklist(key("retail")))],
    );
    let (id, other_id) = (RecordId::from(contact.id()), RecordId::from(other.id()));
    let industry = |option| contacts().with_field(key("industry"), picklist(option));
    lists(&store, "in retail", &industry("retail"), &[id, other_id]);
    let update = FieldUpdate::new()
        .set(key("industry"), FieldValue::Picklist(key("software")))
        .clear(key("active"));
    let contact = crm.set_fields(contact, update, me).must();
    lists(
        &store,
        "in retail, after one moved to software",
        &industry("retail"),
        &[other_id],
    );
    lists(
        &store,
        "in software, after one moved there",
        &industry("software"),
        &[id],
    );
    lists(
        &store,
        "active, after the value was cleared",
        &contacts().with_field(key("active"), FieldMatch::Boolean(true)),
        &[],
    );
    let hobby = contacts().with_field(key("hobby"), picklist("chess"));
    lists(&store, "playing chess (a personal value)", &hobby, &[id]);
    crm.erase_contact(contact, me).must();
    lists(
        &store,
        "playing chess, once the contact was erased",
        &hobby,
        &[],
    );
    lists(
        &store,
        "in software, once the contact was erased (not personal: kept)",
        &industry("software"),
        &[id],
    );
}
