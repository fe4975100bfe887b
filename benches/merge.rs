//! A merge of contacts and its undo, against a correction of one contact (one record written):
//! a round trip (plan, merge, unmerge) of a duplicate with `k` records (a worked lead, an
//! activity and a task each count one) into its survivor, among 10,000 pairs of contacts. A
//! merge writes the survivor, the merged contact and its `k` records, after reading them
//! through the index by contact; so does its undo: the round trip should cost about twice
//! `k + 2` writes and a few listings, not more as the store grows. Every iteration takes
//! another pair (and the baseline another contact), but criterion runs many: by the end each
//! contact holds tens of corrections, and a contact's write copies its corrections, which the
//! contacts' share of both figures reflects.
//!
//! Organizations the same way, against a correction of one organization: a round trip of a
//! duplicate organization with two contacts (one of them a customer: its account folds into
//! the survivor's) into a survivor that is a customer, among 2,000 pairs: six records written
//! each way (the two organizations, the two contacts, the two accounts).

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use prospect::memory::MemoryStore;
use prospect::merge::{MergeChoices, OrganizationChoices};
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

/// `pairs` pairs of organizations: the survivor with a customer, the duplicate with a customer
/// and a contact who is not.
fn organization_pairs(
    crm: &Crm<&MemoryStore>,
    sample: &Sample,
    pairs: usize,
) -> Vec<(OrganizationId, OrganizationId)> {
    let me = sample.actor();
    let organization = |n: usize, what: &str| {
        let details = OrganizationDetails::new(
            OrganizationName::new(format!("Organization {n} {what}")).unwrap(),
        );
        crm.create_organization(details, OnDuplicate::Refuse, me)
            .unwrap()
            .into_organization()
    };
    let member = |organization: &Versioned<Organization>, customer: bool| {
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .unwrap()
            .into_contact();
        let contact = crm.link_contact(contact, organization, me).unwrap();
        if customer {
            let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
            let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
            let o = crm.qualify(lead, sample.qualification(), me).unwrap();
            let o = crm.propose(o.opportunity, sample.proposal(), me).unwrap();
            let o = crm.negotiate(o, sample.note("terms"), me).unwrap();
            let o = crm
                .enter_contracting(o, sample.terms(), sample.incumbent(), me)
                .unwrap();
            crm.win(o, sample.contract(1_000), me).unwrap();
        }
    };
    (0..pairs)
        .map(|n| {
            let (survivor, duplicate) = (organization(n, "SA"), organization(n, "Group"));
            member(&survivor, true);
            member(&duplicate, true);
            member(&duplicate, false);
            (survivor.id(), duplicate.id())
        })
        .collect()
}

fn organization_merges(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge");
    let sample = Sample::new(30);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor().clone();
    let all = organization_pairs(&crm, &sample, 2_000);
    let mut turn = 0usize;
    group.bench_function("organizations_round_trip_6_records", |b| {
        b.iter(|| {
            turn = (turn + 7_919) % all.len();
            let (survivor, duplicate) = all[turn];
            let plan = crm
                .plan_organization_merge(survivor, &[duplicate], OrganizationChoices::new(), &me)
                .unwrap();
            let merged = crm.merge_organizations(&plan, &me).unwrap();
            black_box(
                crm.unmerge_organizations(survivor, merged.merge, &me)
                    .unwrap(),
            )
        })
    });
    group.bench_function("correct_organization", |b| {
        b.iter(|| {
            turn = (turn + 7_919) % all.len();
            let organization = crm.load::<Organization>(all[turn].0, &me).unwrap();
            let details = organization.details().clone();
            black_box(
                crm.correct_organization(organization, details, None, &me)
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, merges, organization_merges);

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
            (
                "merge",
                "organizations_round_trip_6_records",
                "correct_organization",
                "6 writes each way",
            ),
        ],
    );
}
