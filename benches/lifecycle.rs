//! A whole lifecycle through the `Crm` facade on a `MemoryStore`, against the floor (plain
//! records moved into a pre-sized map) and the naive store (the same records, histories and
//! evidence as plain structs, deep-copied in at every save and out at every read).
//! `memory_store_async` runs the same lifecycle through `AsyncCrm`, polled in place.
//! Every measurement starts from an empty store, sized for the records it will hold (as the
//! floor's map is). The group `events` measures what the outbox costs: the same lifecycles
//! with their events and without.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use prospect::memory::MemoryStore;
use prospect::*;
use prospect::{state, store};

#[path = "baselines/mod.rs"]
mod baselines;
use baselines::{Floor, Ids, Input, naive, ours, ours_async, plain_lifecycle, with_fields};

fn lifecycle(c: &mut Criterion) {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let me = User::new("claire").unwrap();
    let evidence = ours::Evidence::new(start.date_naive()).unwrap();
    let mut group = c.benchmark_group("lifecycle");
    // The facade a lifecycle bench runs on: the store pre-sized, as the floor's map is (four
    // records per lifecycle, and the field schema's).
    let facade = |iters: u64| {
        Crm::with_clock_and_ids(
            MemoryStore::with_capacity(4 * iters as usize + 1),
            prospect::access::AllowAll,
            Arc::new(FixedClock::new(start)),
            Arc::new(SequentialIds::new(1)),
        )
    };
    group.bench_function("memory_store", |b| {
        b.iter_custom(|iters| {
            let crm = facade(iters);
            let began = Instant::now();
            for i in 0..iters {
                ours::lifecycle(&crm, &me, &evidence, Input::nth(i)).unwrap();
            }
            let elapsed = began.elapsed();
            drop(black_box(crm));
            elapsed
        })
    });
    group.bench_function("memory_store_async", |b| {
        b.iter_custom(|iters| {
            let crm = AsyncCrm::with_clock_and_ids(
                MemoryStore::with_capacity(4 * iters as usize),
                prospect::access::AllowAll,
                Arc::new(FixedClock::new(start)),
                Arc::new(SequentialIds::new(1)),
            );
            let began = Instant::now();
            for i in 0..iters {
                let step = ours_async::lifecycle(&crm, &me, &evidence, Input::nth(i));
                ours_async::block_on(step).unwrap();
            }
            let elapsed = began.elapsed();
            drop(black_box(crm));
            elapsed
        })
    });
    // The same lifecycle under the conventional role policy, acting as a representative.
    let directory = prospect::access::Directory::new().with_user(
        me.clone(),
        [prospect::access::Role::new("rep").unwrap()],
        [],
    );
    group.bench_function("memory_store_role_policy", |b| {
        b.iter_custom(|iters| {
            let crm = Crm::with_clock_and_ids(
                MemoryStore::with_capacity(4 * iters as usize),
                prospect::access::RolePolicy::conventional(),
                Arc::new(FixedClock::new(start)),
                Arc::new(SequentialIds::new(1)),
            )
            .with_directory(directory.clone());
            let began = Instant::now();
            for i in 0..iters {
                ours::lifecycle(&crm, &me, &evidence, Input::nth(i)).unwrap();
            }
            let elapsed = began.elapsed();
            drop(black_box(crm));
            elapsed
        })
    });
    group.bench_function("memory_store_with_fields", |b| {
        b.iter_custom(|iters| {
            let crm = facade(iters);
            let values = with_fields::schema(&crm, &me).unwrap();
            let began = Instant::now();
            for i in 0..iters {
                with_fields::lifecycle(&crm, &me, &evidence, &values, Input::nth(i)).unwrap();
            }
            let elapsed = began.elapsed();
            drop(black_box(crm));
            elapsed
        })
    });
    // The same, the values made before the clock starts (moved into the steps): the crate's
    // own cost of checking and storing them, apart from the caller's making of its input.
    group.bench_function("memory_store_with_fields_given", |b| {
        b.iter_custom(|iters| {
            let crm = facade(iters);
            let values = with_fields::schema(&crm, &me).unwrap();
            let given: Vec<_> = (0..iters).map(|_| values.clone_all()).collect();
            let began = Instant::now();
            for (i, values) in given.into_iter().enumerate() {
                let input = Input::nth(i as u64);
                with_fields::lifecycle_given(&crm, &me, &evidence, values, input).unwrap();
            }
            let elapsed = began.elapsed();
            drop(black_box(crm));
            elapsed
        })
    });
    group.bench_function("floor", |b| {
        b.iter_custom(|iters| {
            let mut floor = Floor(HashMap::with_capacity(4 * iters as usize));
            let mut ids = Ids::new();
            let began = Instant::now();
            for i in 0..iters {
                plain_lifecycle(&mut floor, &mut ids, Input::nth(i));
            }
            let elapsed = began.elapsed();
            drop(black_box(floor));
            elapsed
        })
    });
    group.bench_function("naive", |b| {
        b.iter_custom(|iters| {
            let mut store = naive::Store::default();
            let mut ids = Ids::new();
            let began = Instant::now();
            for i in 0..iters {
                naive::lifecycle(&mut store, &mut ids, Input::nth(i), start);
            }
            let elapsed = began.elapsed();
            drop(black_box(store));
            elapsed
        })
    });
    group.finish();
}

/// What the outbox costs: a thousand lifecycles through the facade on a fresh store, with
/// their events (ten a lifecycle) and without. Each measurement is one batch of a thousand on
/// its own store, dropped outside the timing, so that both sides hold the same, bounded,
/// amount of memory (a store growing for the whole run measures page faults as much as work).
fn events(c: &mut Criterion) {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let me = User::new("claire").unwrap();
    let evidence = ours::Evidence::new(start.date_naive()).unwrap();
    const N: u64 = 1_000;
    let fresh = |events: bool| {
        let crm = Crm::with_clock_and_ids(
            MemoryStore::with_capacity(4 * N as usize),
            prospect::access::AllowAll,
            Arc::new(FixedClock::new(start)),
            Arc::new(SequentialIds::new(1)),
        );
        if events { crm } else { crm.without_events() }
    };
    let mut group = c.benchmark_group("events");
    group.throughput(criterion::Throughput::Elements(N));
    for (name, with) in [("with_events", true), ("without_events", false)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || fresh(with),
                |crm| {
                    for i in 0..N {
                        ours::lifecycle(&crm, &me, &evidence, Input::nth(i)).unwrap();
                    }
                    crm
                },
                criterion::BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// `n` opportunities in discovery, each of its own contact, on a fresh store.
fn discoveries(
    n: u64,
    me: &User,
    evidence: &ours::Evidence,
) -> (
    Crm<MemoryStore>,
    Vec<store::Versioned<Opportunity<state::Discovery>>>,
) {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let crm = Crm::with_clock_and_ids(
        MemoryStore::with_capacity(4 * n as usize + 8),
        prospect::access::AllowAll,
        Arc::new(FixedClock::new(start)),
        Arc::new(SequentialIds::new(1)),
    );
    let opportunities = (0..n)
        .map(|i| {
            let input = Input::nth(i);
            let details = ContactDetails::new(
                Party::person(PersonName::new(&input.name).unwrap()),
                LeadSource::Web,
            )
            .with_email(EmailAddress::new(&input.email).unwrap());
            let contact = crm
                .create_contact(details, OnDuplicate::Refuse, me)
                .unwrap()
                .into_contact();
            let interest = Interest::new(Summary::new(&input.interest).unwrap(), BuyingRole::User);
            let lead = crm.open_lead(&contact, interest, me).unwrap();
            let lead = crm.log_touch(lead, evidence.touch.clone(), me).unwrap();
            crm.qualify(lead, evidence.qualification(), me)
                .unwrap()
                .opportunity
        })
        .collect();
    (crm, opportunities)
}

/// Logging an activity on an open opportunity against advancing one a stage (a proposal),
/// both one commit through the facade.
fn daily_work(c: &mut Criterion) {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let me = User::new("claire").unwrap();
    let evidence = ours::Evidence::new(start.date_naive()).unwrap();
    let call = ActivityDetails::new(ActivityKind::Call, Summary::new("Pricing call").unwrap());
    let mut group = c.benchmark_group("daily_work");
    group.bench_function("log_activity", |b| {
        b.iter_custom(|iters| {
            let (crm, opportunities) = discoveries(iters, &me, &evidence);
            let began = Instant::now();
            for o in &opportunities {
                black_box(
                    crm.log_activity_on_opportunity(o, call.clone(), &me)
                        .unwrap(),
                );
            }
            began.elapsed()
        })
    });
    group.bench_function("stage_advance", |b| {
        b.iter_custom(|iters| {
            let (crm, opportunities) = discoveries(iters, &me, &evidence);
            let began = Instant::now();
            for o in opportunities {
                black_box(crm.propose(o, evidence.proposal.clone(), &me).unwrap());
            }
            began.elapsed()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(30);
    targets = lifecycle, events, daily_work
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    baselines::print_ratios(
        "lifecycle",
        &[
            ("lifecycle", "memory_store", "floor", "<= 1.5x"),
            ("lifecycle", "memory_store_async", "memory_store", "~ 1x"),
            (
                "lifecycle",
                "memory_store_role_policy",
                "memory_store",
                "<= 1.10x",
            ),
            (
                "lifecycle",
                "memory_store_with_fields",
                "memory_store",
                "<= 1.2x",
            ),
            (
                "lifecycle",
                "memory_store_with_fields_given",
                "memory_store",
                "none: the crate's own share",
            ),
            ("events", "with_events", "without_events", "<= 1.15x"),
            ("lifecycle", "memory_store", "naive", "<= 0.5x"),
            ("daily_work", "log_activity", "stage_advance", "<= 1.5x"),
        ],
    );
}
