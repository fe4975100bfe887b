//! A merge of contacts and its undo, against a correction of one contact (one record written):
//! a round trip (plan, merge, unmerge) of a duplicate with `k` records (a worked lead, an
//! activity and a task each count one) into its survivor, among 10,000 pairs of contacts. A
//! merge writes the survivor, the merged contact and its `k` records, after reading them
//! through the index by contact; so does its undo: the round trip should cost about twice
//! `k + 2` writes and a few listings, not more as the store grows. Every iteration takes
//! another pair (and the baseline another contact), but criterion runs many: by the end each
//! contact holds tens of corrections, and a contact's write copies its corrections, which the
//! contacts' share of both figures reflects.

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use prospect::memory::MemoryStore;
use prospect::merge::MergeChoices;
use prospect::store::Versioned;
use prospect::testkit::Sample;
use prospect::*;

#[path = "baselines/mod.rs"]
mod baselines;

/// `pairs` pairs of contacts, each duplicate with `leads` worked leads, each lead with an
/// activity and a task.
fn pairs(
    crm: &Crm<&MemoryStore>,
    sample: &Sample,
    pairs: usize,
    leads: usize,
) -> Vec<(ContactId, ContactId)> {
    let me = sample.actor();
    let create = || {
        crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .unwrap()
            .into_contact()
    };
    (0..pairs)
        .map(|_| {
            let (survivor, duplicate): (Versioned<Contact>, Versioned<Contact>) =
                (create(), create());
            for _ in 0..leads {
                let lead = crm.open_lead(&duplicate, sample.interest(), me).unwrap();
                let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
                let call = ActivityDetails::new(ActivityKind::Call, sample.summary("a call"));
                crm.log_activity_on_lead(&lead, call, me).unwrap();
                let due = Due::On(sample.today() + chrono::Days::new(3));
                let task = TaskDetails::new(sample.summary("call back"), me.clone(), due);
                crm.add_task_on_lead(&lead, task, me).unwrap();
            }
            (survivor.id(), duplicate.id())
        })
        .collect()
}

fn merges(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge");
    for leads in [0, 1, 4] {
        let sample = Sample::new(29);
        let store = MemoryStore::new();
        let crm = sample.crm(&store);
        let me = sample.actor().clone();
        let all = pairs(&crm, &sample, 10_000, leads);
        let records = 3 * leads;
        let mut turn = 0usize;
        group.bench_function(format!("round_trip_{records}_records"), |b| {
            b.iter(|| {
                turn = (turn + 7_919) % all.len();
                let (survivor, duplicate) = all[turn];
                let plan = crm
                    .plan_merge(survivor, &[duplicate], MergeChoices::new(), &me)
                    .unwrap();
                let merged = crm.merge(&plan, &me).unwrap();
                black_box(crm.unmerge(survivor, merged.merge, &me).unwrap())
            })
        });
        if leads == 0 {
            group.bench_function("correct_contact", |b| {
                b.iter(|| {
                    turn = (turn + 7_919) % all.len();
                    let contact = crm.load::<Contact>(all[turn].0, &me).unwrap();
                    let details = contact.details().clone();
                    black_box(crm.correct_contact(contact, details, None, &me).unwrap())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, merges);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    baselines::print_ratios(
        "merge",
        &[
            (
                "merge",
                "round_trip_0_records",
                "correct_contact",
                "2 writes each way",
            ),
            (
                "merge",
                "round_trip_3_records",
                "correct_contact",
                "5 writes each way",
            ),
            (
                "merge",
                "round_trip_12_records",
                "correct_contact",
                "14 writes each way",
            ),
        ],
    );
}
