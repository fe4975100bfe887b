//! A contact's likely duplicates (`Crm::duplicates_of_contact`) among 1,000,000 contacts
//! against the same search among 10,000: found from the store's index of duplicate keys, so
//! the time should depend on how many records share the contact's keys, not on the size of the
//! store (goal: microseconds, not a scan). The contacts are `testkit::people`'s (known
//! duplicates and lookalikes, names from 500 family and 64 given names); each search is about
//! another contact, taken in turn. A scan of every contact (what a search without the index
//! would at least read) is measured beside them.

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use prospect::access::AllowAll;
use prospect::duplicates::DuplicateRules;
use prospect::memory::MemoryStore;
use prospect::record::{Record, RecordKind};
use prospect::store::{Batch, Query, Store};
use prospect::testkit::Sample;
use prospect::testkit::people::people;
use prospect::*;

#[path = "baselines/mod.rs"]
mod baselines;

/// A store of about `contacts` generated contacts (each person 1.6 contacts on average), and
/// their ids.
fn store_of(contacts: usize) -> (MemoryStore, Vec<ContactId>) {
    let sample = Sample::new(29);
    let store = MemoryStore::with_capacity(contacts);
    let mut ids = Vec::with_capacity(contacts);
    let mut batch = Batch::new();
    for generated in people(29, contacts * 10 / 16) {
        let contact = Contact::create(generated.details, &sample.ctx());
        ids.push(contact.id());
        batch.create(Record::from(contact)).unwrap();
        if batch.len() >= 10_000 {
            store.commit(std::mem::take(&mut batch)).unwrap();
        }
    }
    store.commit(batch).unwrap();
    (store, ids)
}

fn candidates(c: &mut Criterion) {
    let rules = DuplicateRules::default().with_country(Country::new("GB").unwrap());
    let actor = User::new("bench").unwrap();
    let mut group = c.benchmark_group("duplicates");
    group.sample_size(20);
    for size in [10_000, 1_000_000] {
        let (store, ids) = store_of(size);
        let crm = Crm::new(&store, AllowAll);
        // How many records a search compares: those sharing one of its keys.
        let searched: Vec<ContactId> = ids.iter().step_by(ids.len() / 1_000).copied().collect();
        let shared: usize = searched
            .iter()
            .map(|id| {
                let contact = store.load((*id).into()).unwrap().unwrap().into_parts().0;
                contact
                    .duplicate_keys()
                    .into_iter()
                    .map(|key| {
                        let query = Query::of_kind(RecordKind::Contact).with_duplicate_key(key);
                        store
                            .list(&query, None, rules.per_key())
                            .unwrap()
                            .records
                            .len()
                    })
                    .sum::<usize>()
            })
            .sum();
        println!(
            "duplicates: {} contacts: {:.1} records share a key with a contact, on average",
            ids.len(),
            shared as f64 / searched.len() as f64
        );
        let mut turn = 0usize;
        group.bench_function(format!("candidates_{size}"), |b| {
            b.iter(|| {
                // Far apart, so that consecutive searches share no cache lines.
                turn = (turn + 7_919) % ids.len();
                black_box(
                    crm.duplicates_of_contact(ids[turn], &rules, &actor)
                        .unwrap(),
                )
            })
        });
        if size == 1_000_000 {
            group.sample_size(10);
            group.bench_function("scan_1000000", |b| {
                b.iter(|| {
                    let mut seen = 0usize;
                    let scanned = store.scan(RecordKind::Contact, &mut |_| seen += 1).unwrap();
                    black_box((seen, scanned))
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, candidates);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    baselines::print_ratios(
        "duplicates",
        &[
            (
                "duplicates",
                "candidates_1000000",
                "candidates_10000",
                "same order",
            ),
            (
                "duplicates",
                "scan_1000000",
                "candidates_1000000",
                "(what the index saves)",
            ),
        ],
    );
}
