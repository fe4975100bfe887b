//! Stale work over many open records: `find_stale` against a plain loop over the same records
//! computing the same idle spans (the time since each opportunity entered its stage, compared
//! with its stage's threshold). Half the opportunities are idle past their threshold.

use std::hint::black_box;
use std::time::Duration;

use chrono::{Days, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use prospect::record::Record;
use prospect::stale::{Escalation, StalePolicy, find_stale};
use prospect::state::{Discovery, OpportunityStage, Proposal};
use prospect::*;

#[path = "baselines/mod.rs"]
mod baselines;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// `n` open opportunities, half in discovery and half in proposal, qualified a day apart.
fn open_opportunities(n: usize) -> Vec<Record> {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
    let clock = FixedClock::new(start);
    let ids = SequentialIds::new(1);
    let ctx = Context::new(&clock, &ids, User::new("claire").unwrap());
    let evidence = baselines::ours::Evidence::new(start.date_naive() + Days::new(30)).unwrap();
    let contact = Contact::create(
        ContactDetails::new(
            Party::person(PersonName::new("Ada").unwrap()),
            LeadSource::Web,
        ),
        &ctx,
    );
    let interest = Interest::new(Summary::new("A CRM").unwrap(), BuyingRole::User);
    (0..n)
        .map(|i| {
            clock.set(start + TimeDelta::minutes(i as i64 % (20 * 24 * 60)));
            let lead = Lead::open(&contact, interest.clone(), &ctx)
                .log_touch(evidence.touch.clone(), &ctx);
            let (_, o) = lead.qualify(evidence.qualification(), &ctx).unwrap();
            if i % 2 == 0 {
                Record::from(o)
            } else {
                Record::from(o.propose(evidence.proposal.clone(), &ctx).unwrap())
            }
        })
        .collect()
}

/// The plain loop: each open opportunity's idle span against its stage's threshold.
fn plain_loop(records: &[Record], now: chrono::DateTime<Utc>) -> Vec<(OpportunityId, TimeDelta)> {
    let thresholds = [TimeDelta::days(10), TimeDelta::days(5)];
    let mut late = Vec::new();
    for record in records {
        if let Record::Opportunity(o) = record {
            let threshold = match o.stage() {
                OpportunityStage::Discovery => thresholds[0],
                OpportunityStage::Proposal => thresholds[1],
                _ => continue,
            };
            if let Some(entered) = o.history().last() {
                let idle = now - entered.at();
                if idle > threshold {
                    late.push((o.id(), idle - threshold));
                }
            }
        }
    }
    late
}

fn stale(c: &mut Criterion) {
    let policy = StalePolicy::new()
        .stale_after::<Discovery>(10 * DAY)
        .stale_after::<Proposal>(5 * DAY)
        .escalate_after(Duration::ZERO, Escalation::RemindOwner)
        .escalate_after(3 * DAY, Escalation::NotifyManager);
    let now = Utc.with_ymd_and_hms(2026, 1, 21, 9, 0, 0).unwrap();
    for n in [100_000, 1_000_000] {
        let records = open_opportunities(n);
        let found = find_stale(&records, &policy, now).len();
        assert_eq!(
            found,
            plain_loop(&records, now).len(),
            "the same records are stale"
        );
        let mut group = c.benchmark_group(format!("stale_{n}"));
        group.sample_size(10);
        group.bench_function("find_stale", |b| {
            b.iter(|| black_box(find_stale(black_box(&records), &policy, now)))
        });
        group.bench_function("plain_loop", |b| {
            b.iter(|| black_box(plain_loop(black_box(&records), now)))
        });
        group.finish();
        drop(black_box(records));
    }
}

criterion_group!(benches, stale);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    baselines::print_ratios(
        "stale",
        &[
            ("stale_100000", "find_stale", "plain_loop", "<= 2x"),
            ("stale_1000000", "find_stale", "plain_loop", "<= 2x"),
        ],
    );
}
