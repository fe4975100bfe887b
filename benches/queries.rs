//! A contact's records found by the index by contact (`Query::of_contact`) in a store of
//! 1,000,000 records against the same query in a store of 10,000: the time should not depend
//! on the size of the store (goal: at most 1.5×). Each store holds contacts with nine leads
//! each; every query lists one contact's nine leads, the contacts taken in turn (far apart, so
//! that consecutive queries share no cache lines).
//!
//! The same two sizes of the ideal structure for this one question, a hash map from contact to
//! its records already grouped (`ideal_*`), show what the size of the store costs whatever the
//! index: at 10,000 records everything is in the CPU's caches, at 1,000,000 each record read is
//! a trip to memory.

use std::collections::HashMap;
use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use prospect::memory::MemoryStore;
use prospect::record::{Record, RecordKind};
use prospect::store::{Batch, Query, Store};
use prospect::*;

#[path = "baselines/mod.rs"]
mod baselines;

const LEADS_PER_CONTACT: usize = 9;

/// A store of `records` records: contacts with nine leads each. Returns the contacts' ids.
fn store_of(records: usize) -> (MemoryStore, Vec<ContactId>) {
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap());
    let ids = SequentialIds::new(records as u32);
    let ctx = Context::new(&clock, &ids, User::new("claire").unwrap());
    let interest = Interest::new(Summary::new("A CRM").unwrap(), BuyingRole::User);
    let store = MemoryStore::new();
    let mut contacts = Vec::new();
    let mut batch = Batch::new();
    for _ in 0..records / (1 + LEADS_PER_CONTACT) {
        let contact = Contact::create(
            ContactDetails::new(
                Party::person(PersonName::new("Ada").unwrap()),
                LeadSource::Web,
            ),
            &ctx,
        );
        for _ in 0..LEADS_PER_CONTACT {
            batch
                .create(Record::from(Lead::open(&contact, interest.clone(), &ctx)))
                .unwrap();
        }
        contacts.push(contact.id());
        batch.create(contact).unwrap();
        if batch.len() >= 10_000 {
            store.commit(std::mem::take(&mut batch)).unwrap();
        }
    }
    store.commit(batch).unwrap();
    (store, contacts)
}

/// The ideal structure for the question: each contact's records, grouped once.
fn grouped(store: &MemoryStore) -> HashMap<ContactId, Vec<Record>> {
    let mut grouped: HashMap<ContactId, Vec<Record>> = HashMap::new();
    let _ = store
        .scan(RecordKind::Lead, &mut |r| {
            let record = r.into_inner();
            if let Some(contact) = record.contact() {
                grouped.entry(contact).or_default().push(record);
            }
        })
        .unwrap();
    grouped
}

fn contact_records(c: &mut Criterion) {
    let small = store_of(10_000);
    let large = store_of(1_000_000);
    let mut group = c.benchmark_group("contact_records");
    for (name, (store, contacts)) in [("ideal_10000", &small), ("ideal_1000000", &large)] {
        let grouped = grouped(store);
        let mut turn = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                turn = (turn + 7919) % contacts.len();
                let records: Vec<Record> = grouped[&contacts[turn]].clone();
                assert_eq!(records.len(), LEADS_PER_CONTACT);
                black_box(records)
            })
        });
    }
    for (name, (store, contacts)) in [("in_10000", &small), ("in_1000000", &large)] {
        let mut turn = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                turn = (turn + 7919) % contacts.len();
                let query = Query::of_kind(RecordKind::Lead).of_contact(contacts[turn]);
                let page = store.list(black_box(&query), None, 100).unwrap();
                assert_eq!(page.records.len(), LEADS_PER_CONTACT);
                black_box(page)
            })
        });
    }
    group.finish();
    // What erasure did before the index: scan every lead, keep the contact's.
    let mut group = c.benchmark_group("contact_records_by_scan");
    group.sample_size(10);
    for (name, (store, contacts)) in [("scan_10000", &small), ("scan_1000000", &large)] {
        let mut turn = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                turn = (turn + 7919) % contacts.len();
                let mut found = Vec::new();
                let _ = store
                    .scan(RecordKind::Lead, &mut |r| {
                        if r.value().contact() == Some(contacts[turn]) {
                            found.push(r);
                        }
                    })
                    .unwrap();
                assert_eq!(found.len(), LEADS_PER_CONTACT);
                black_box(found)
            })
        });
    }
    group.finish();
}

/// A store of 1,000,000 records owned by 1,000 users: contacts, each with two leads qualified
/// into two open opportunities (five records a contact, the owner's). Returns the store and one
/// representative.
fn owned_store() -> (MemoryStore, User) {
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap());
    let ids = SequentialIds::new(7);
    let owners: Vec<User> = (0..1_000)
        .map(|i| User::new(format!("rep{i}")).unwrap())
        .collect();
    let today = clock.now().date_naive();
    let qualification = || {
        Qualification::builder()
            .need(
                Need::new(
                    Summary::new("Seats").unwrap(),
                    vec![Requirement::new("40 seats").unwrap()],
                )
                .unwrap(),
            )
            .budget(Budget::new(Money::parse("30000", Currency::EUR).unwrap()).unwrap())
            .timeline(
                Timeline::new(
                    today + chrono::Days::new(60),
                    today,
                    &HorizonPolicy::default(),
                )
                .unwrap(),
            )
            .build()
    };
    let interest = Interest::new(Summary::new("A CRM").unwrap(), BuyingRole::User);
    let store = MemoryStore::with_capacity(1_000_000);
    let mut batch = Batch::new();
    for n in 0..200_000 {
        let owner = &owners[n % owners.len()];
        let ctx = Context::new(&clock, &ids, owner.clone());
        let contact = Contact::create(
            ContactDetails::new(
                Party::person(PersonName::new("Ada").unwrap()),
                LeadSource::Web,
            )
            .with_owner(owner.clone()),
            &ctx,
        );
        for _ in 0..2 {
            let lead = Lead::open(&contact, interest.clone(), &ctx).log_touch(
                Touch::new(Channel::Call, Summary::new("Call").unwrap()),
                &ctx,
            );
            let (lead, opportunity) = lead
                .qualify(qualification(), &ctx)
                .map_err(|e| e.cause().clone())
                .unwrap();
            batch.create(Record::from(lead)).unwrap();
            batch.create(Record::from(opportunity)).unwrap();
        }
        batch.create(contact).unwrap();
        if batch.len() >= 10_000 {
            store.commit(std::mem::take(&mut batch)).unwrap();
        }
    }
    store.commit(batch).unwrap();
    (store, owners[7].clone())
}

/// A representative's first page of their open opportunities at 1,000,000 records: through the
/// facade under the conventional role policy (which lists by the owner index the policy
/// reaches, and checks each record) against the same question asked of the store by owner, and
/// against a scan that filters by the policy.
fn access(c: &mut Criterion) {
    use prospect::access::{AccessPolicy as _, Action, Directory, Resource, Role, RolePolicy};
    let (store, rep) = owned_store();
    let directory = Directory::new().with_user(rep.clone(), [Role::new("rep").unwrap()], []);
    let crm = Crm::new(&store, RolePolicy::conventional()).with_directory(directory.clone());
    let open = Query::open(RecordKind::Opportunity);
    let mut group = c.benchmark_group("access");
    group.bench_function("owner_query_1000000", |b| {
        b.iter(|| {
            let page = store
                .list(black_box(&open.clone().owned_by(rep.clone())), None, 100)
                .unwrap();
            assert_eq!(page.records.len(), 100);
            black_box(page)
        })
    });
    group.bench_function("rep_list_1000000", |b| {
        b.iter(|| {
            let page = crm.list(black_box(&open), None, 100, &rep).unwrap();
            assert_eq!(page.records.len(), 100);
            black_box(page)
        })
    });
    group.sample_size(10);
    let policy = RolePolicy::conventional();
    let principal = directory.principal(&rep);
    group.bench_function("scan_filter_1000000", |b| {
        b.iter(|| {
            let mut found = Vec::new();
            let _ = store
                .scan(RecordKind::Opportunity, &mut |r| {
                    if found.len() < 100
                        && policy
                            .decide(&principal, Action::Read, &Resource::of(r.value()))
                            .is_allowed()
                    {
                        found.push(r);
                    }
                })
                .unwrap();
            assert_eq!(found.len(), 100);
            black_box(found)
        })
    });
    group.finish();
}

/// A store of 1,000,000 contacts, through the facade, each owned by one of 1,000 users and
/// with custom values: a `segment` picklist of 1,000 options, a `renewal` date (one of 365
/// days) and an `active` boolean, each taken in turn. Returns the store.
fn fielded_store() -> MemoryStore {
    use prospect::fields::{
        FieldDefinition, FieldKey, FieldType, FieldValue, FieldValues, PicklistOption,
        SchemaChange, SchemaVersion, WithFields,
    };
    let admin = User::new("admin").unwrap();
    let store = MemoryStore::with_capacity(1_000_001);
    let crm = Crm::new(&store, prospect::access::AllowAll);
    let key = |k: String| FieldKey::new(k).unwrap();
    let options: Vec<FieldKey> = (0..1_000).map(|i| key(format!("s{i}"))).collect();
    let picklist = FieldType::Picklist {
        options: options
            .iter()
            .map(|o| PicklistOption::new(o.clone(), o.as_str()))
            .collect(),
    };
    let mut version = SchemaVersion::EMPTY;
    for field in [
        FieldDefinition::new(key("segment".into()), "Segment", picklist),
        FieldDefinition::new(key("renewal".into()), "Renewal", FieldType::Date),
        FieldDefinition::new(key("active".into()), "Active", FieldType::Boolean),
    ] {
        let change = SchemaChange::AddField {
            kind: RecordKind::Contact,
            field,
        };
        version = crm
            .change_field_schema(version, change, &admin)
            .unwrap()
            .version();
    }
    let owners: Vec<User> = (0..1_000)
        .map(|i| User::new(format!("rep{i}")).unwrap())
        .collect();
    let first_day = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .unwrap()
        .date_naive();
    for n in 0..1_000_000 {
        let mut values = FieldValues::new();
        values.set(
            key("segment".into()),
            FieldValue::Picklist(options[n % options.len()].clone()),
        );
        values.set(
            key("renewal".into()),
            FieldValue::Date(first_day + chrono::Days::new((n % 365) as u64)),
        );
        values.set(key("active".into()), FieldValue::Boolean(n % 2 == 0));
        let details = ContactDetails::new(
            Party::person(PersonName::new("Ada").unwrap()),
            LeadSource::Web,
        )
        .with_owner(owners[n % owners.len()].clone());
        crm.create_contact(
            WithFields::new(details, values),
            OnDuplicate::Refuse,
            &admin,
        )
        .unwrap();
    }
    store
}

/// The first page (100) of a custom field's records at 1,000,000 contacts, from the store's
/// field index: by a picklist's option (1,000 contacts each), by a day of a date (about 2,700
/// each, sorted into id order) and by a boolean (half of them), against the same page of one
/// owner's contacts (1,000 each) from the owner index.
fn fields(c: &mut Criterion) {
    use prospect::fields::FieldKey;
    use prospect::store::FieldMatch;
    let store = fielded_store();
    let key = |k: &str| FieldKey::new(k).unwrap();
    let contacts = Query::of_kind(RecordKind::Contact);
    let day = Utc
        .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .unwrap()
        .date_naive();
    let queries = [
        (
            "owner_query_1000000",
            contacts.clone().owned_by(User::new("rep7").unwrap()),
        ),
        (
            "picklist_query_1000000",
            contacts
                .clone()
                .with_field(key("segment"), FieldMatch::Picklist(key("s7"))),
        ),
        (
            "date_query_1000000",
            contacts
                .clone()
                .with_field(key("renewal"), FieldMatch::DateBetween(day, day)),
        ),
        (
            "boolean_query_1000000",
            contacts.with_field(key("active"), FieldMatch::Boolean(true)),
        ),
    ];
    let mut group = c.benchmark_group("fields");
    for (name, query) in queries {
        group.bench_function(name, |b| {
            b.iter(|| {
                let page = store.list(black_box(&query), None, 100).unwrap();
                assert_eq!(page.records.len(), 100);
                black_box(page)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, contact_records, access, fields);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    baselines::print_ratios(
        "queries",
        &[
            ("contact_records", "in_1000000", "in_10000", "<= 1.5x"),
            (
                "contact_records",
                "ideal_1000000",
                "ideal_10000",
                "(the ideal's)",
            ),
            (
                "contact_records",
                "in_10000",
                "ideal_10000",
                "(to the ideal)",
            ),
            (
                "contact_records",
                "in_1000000",
                "ideal_1000000",
                "(to the ideal)",
            ),
            (
                "contact_records_by_scan",
                "scan_1000000",
                "scan_10000",
                "(a scan's)",
            ),
            (
                "access",
                "rep_list_1000000",
                "owner_query_1000000",
                "same order",
            ),
            (
                "access",
                "scan_filter_1000000",
                "owner_query_1000000",
                "(a scan's)",
            ),
            (
                "fields",
                "picklist_query_1000000",
                "owner_query_1000000",
                "same order",
            ),
            (
                "fields",
                "boolean_query_1000000",
                "owner_query_1000000",
                "same order",
            ),
            (
                "fields",
                "date_query_1000000",
                "owner_query_1000000",
                "(a day's 2,700, sorted)",
            ),
        ],
    );
}
