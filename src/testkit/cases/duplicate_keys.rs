//! Listings by duplicate key ([`Query::with_duplicate_key`]): each of a record's keys finds
//! exactly the records of its kind that have it, a page at a time in id order, and the index
//! follows every write of what the keys are made of (a correction, an erasure).

use super::*;
use crate::contact::{ContactDetails, LeadSource, Party};
use crate::email::EmailAddress;
use crate::organization::{Domain, OrganizationDetails};
use crate::phone::PhoneNumber;
use crate::text::{OrganizationName, PersonName};

fn person(name: &str, email: Option<&str>, phone: Option<&str>) -> ContactDetails {
    let mut details =
        ContactDetails::new(Party::person(PersonName::new(name).must()), LeadSource::Web);
    if let Some(email) = email {
        details = details.with_email(EmailAddress::new(email).must());
    }
    if let Some(phone) = phone {
        details = details.with_phone(PhoneNumber::new(phone).must());
    }
    details
}

fn organization(name: &str, domains: &[&str]) -> OrganizationDetails {
    domains.iter().fold(
        OrganizationDetails::new(OrganizationName::new(name).must()),
        |details, domain| details.with_domain(Domain::new(domain).must()),
    )
}

/// Checks that a listing by each key of `records` (two a page) gives exactly the records of
/// `records` that have it, in id order.
#[track_caller]
fn each_key_lists_its_records<S: Store>(store: &S, records: &[Record]) {
    for record in records {
        for key in record.duplicate_keys() {
            let mut expected: Vec<RecordId> = records
                .iter()
                .filter(|r| r.kind() == record.kind() && r.duplicate_keys().contains(&key))
                .map(Record::id)
                .collect();
            expected.sort_by_key(|id| id.as_uuid());
            let query = Query::of_kind(record.kind()).with_duplicate_key(key.clone());
            let found = page_through(store, &query, 2, &mut || {});
            assert_eq!(
                found,
                expected,
                "the {}s listed by a key of kind {} of {}, two a page: expected every record \
                 of the kind with that key (Record::duplicate_keys), in id order",
                record.kind(),
                key.kind(),
                record.id()
            );
        }
    }
}

/// Contacts written alike and not (a typo, a nickname, one phone in two forms, a family
/// sharing a phone, a company met as a contact) and organizations (one name with two legal
/// forms): a listing by each key of each record finds exactly the records of
/// its kind with that key (an organization's name key does not find the contact met under that
/// name), and the keys two records share are the ones expected of them.
pub fn records_are_listed_by_duplicate_key<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(160);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = |details: ContactDetails| -> Record {
        crm.create_contact(details, OnDuplicate::Refuse, me)
            .must()
            .into_contact()
            .into_parts()
            .0
            .into()
    };
    let john = contact(person(
        "John Smith",
        Some("john@acme.test"),
        Some("+44 20 7946 0958"),
    ));
    let smyth = contact(person("John Smyth", None, Some("020 7946 0958")));
    let mary = contact(person("Mary Smith", None, Some("020 7946 0958")));
    let bob = contact(person("Bob Jones", Some("bob@acme.test"), None));
    let robert = contact(person("Robert Jones", Some("rj@other.test"), None));
    let company = contact(ContactDetails::new(
        Party::organization(OrganizationName::new("ACME Corp").must()),
        LeadSource::Web,
    ));
    let org = |details| -> Record {
        crm.create_organization(details, OnDuplicate::Refuse, me)
            .must()
            .into_organization()
            .into_parts()
            .0
            .into()
    };
    let acme = org(organization("ACME Corp", &["acme.test"]));
    let acme_again = org(organization("Acme Corporation", &["acme.example"]));
    let globex = org(organization("Globex", &["globex.test"]));
    let records = [
        john.clone(),
        smyth.clone(),
        mary.clone(),
        bob.clone(),
        robert.clone(),
        company,
        acme.clone(),
        acme_again.clone(),
        globex,
    ];
    each_key_lists_its_records(&store, &records);
    let shared = |a: &Record, b: &Record| -> Vec<String> {
        let theirs = b.duplicate_keys();
        a.duplicate_keys()
            .iter()
            .filter(|k| theirs.contains(k))
            .map(|k| k.kind().to_string())
            .collect()
    };
    assert_eq!(
        shared(&john, &smyth),
        ["phone", "family"],
        "John Smith and John Smyth"
    );
    assert_eq!(shared(&john, &mary), ["phone"], "John and Mary Smith");
    assert_eq!(
        shared(&bob, &robert),
        ["family", "given"],
        "Bob and Robert Jones"
    );
    assert_eq!(
        shared(&acme, &acme_again),
        ["org", "org-sound"],
        "ACME Corp and Acme Corporation"
    );
}

/// A contact's keys move with what they are made of: after a correction of its name, email
/// and phone, the old keys no longer list it and the new ones do; once it is erased, none of
/// its keys lists it. An organization's follow its name and domains.
pub fn duplicate_keys_follow_edits_and_erasure<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(161);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let created = crm
        .create_contact(
            person(
                "Ada Lovelace",
                Some("ada@example.test"),
                Some("020 7946 0001"),
            ),
            OnDuplicate::Refuse,
            me,
        )
        .must()
        .into_contact();
    let id = RecordId::from(created.value().id());
    let before = Record::from(created.value().clone()).duplicate_keys();
    let lists = |key: &crate::duplicates::DuplicateKey, what: &str, expected: &[RecordId]| {
        let query = Query::of_kind(RecordKind::Contact).with_duplicate_key(key.clone());
        assert_eq!(
            page_through(&store, &query, 2, &mut || {}),
            expected,
            "a listing by the contact's {} key {what}",
            key.kind()
        );
    };
    for key in &before {
        lists(key, "when created", &[id]);
    }
    let corrected = crm
        .correct_contact(
            created,
            person(
                "Grace Hopper",
                Some("grace@example.test"),
                Some("020 7946 0002"),
            ),
            None,
            me,
        )
        .must();
    let after = Record::from(corrected.value().clone()).duplicate_keys();
    for key in &before {
        lists(key, "it had before a correction", &[]);
    }
    for key in &after {
        lists(key, "after a correction", &[id]);
    }
    crm.erase_contact(corrected, me).must();
    for key in &after {
        lists(key, "once the contact was erased", &[]);
    }
    let organization = crm
        .create_organization(
            organization("Initech", &["initech.test"]),
            OnDuplicate::Refuse,
            me,
        )
        .must()
        .into_organization();
    let org_id = RecordId::from(organization.value().id());
    let before = Record::from(organization.value().clone()).duplicate_keys();
    let renamed = crm
        .correct_organization(
            organization,
            self::organization("Hooli", &["hooli.test"]),
            None,
            me,
        )
        .must();
    for key in &before {
        let query = Query::of_kind(RecordKind::Organization).with_duplicate_key(key.clone());
        assert_eq!(
            page_through(&store, &query, 2, &mut || {}),
            [],
            "a listing by the {} key the organization had before it was renamed",
            key.kind()
        );
    }
    for key in Record::from(renamed.value().clone()).duplicate_keys() {
        let query = Query::of_kind(RecordKind::Organization).with_duplicate_key(key.clone());
        assert_eq!(
            page_through(&store, &query, 2, &mut || {}),
            [org_id],
            "a listing by the {} key of the renamed organization",
            key.kind()
        );
    }
}
