//! Pure transitions, no store: the typestate API against the same lifecycle with the state in a
//! run-time `enum` and in a `String`, doing the same work (data, history, evidence, checks).

use std::hint::black_box;

use chrono::{Days, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group};
use prospect::record::AnyOpportunity;
use prospect::*;

#[path = "baselines/mod.rs"]
mod baselines;
use baselines::{DynRecord, EnumState, RuntimeState, StringState};

struct Fixture {
    clock: FixedClock,
    ids: SequentialIds,
    contact: Contact,
    interest: Interest,
    touch: Touch,
    need: Need,
    budget: Budget,
    timeline: Timeline,
    proposal: SentProposal,
    note: Note,
    terms: PaymentTerms,
}

fn fixture() -> Fixture {
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
    let ids = SequentialIds::new(1);
    let today = clock.now().date_naive();
    let ctx = Context::new(&clock, &ids, User::new("claire").unwrap());
    let eur = |major: i64| Money::from_minor(major * 100, Currency::EUR);
    let contact = Contact::create(
        ContactDetails::new(
            Party::person(PersonName::new("Ada").unwrap()),
            LeadSource::Web,
        ),
        &ctx,
    );
    Fixture {
        contact,
        interest: Interest::new(Summary::new("A CRM").unwrap(), BuyingRole::User),
        touch: Touch::new(Channel::Call, Summary::new("Call").unwrap()),
        need: Need::new(
            Summary::new("CRM").unwrap(),
            vec![Requirement::new("40 seats").unwrap()],
        )
        .unwrap(),
        budget: Budget::new(eur(30_000)).unwrap(),
        timeline: Timeline::new(today + Days::new(90), today, &HorizonPolicy::default()).unwrap(),
        proposal: SentProposal::new(Summary::new("40 seats").unwrap(), eur(36_000), today).unwrap(),
        note: Note::new("Quarterly billing").unwrap(),
        terms: PaymentTerms::new(30, 4).unwrap(),
        clock,
        ids,
    }
}

impl Fixture {
    /// A qualification of its own (qualifications are linear, not `Clone`).
    fn qualification(&self) -> Qualification {
        Qualification::builder()
            .need(self.need.clone())
            .budget(self.budget)
            .timeline(self.timeline)
            .build()
    }
}

fn dyn_lead<S: RuntimeState>(f: &Fixture, ctx: &Context<'_>) -> DynRecord<S> {
    let (id, opportunity) = (ctx.ids().next_uuid(), ctx.ids().next_uuid());
    let mut lead = DynRecord::<S>::open(id, f.contact.id().as_uuid(), "A CRM".to_string(), ctx);
    lead.log_touch(f.touch.clone(), ctx).unwrap();
    let opportunity = lead.qualify(f.qualification(), opportunity, ctx).unwrap();
    black_box((lead, opportunity.data.id)).0
}

fn lead_transitions(c: &mut Criterion) {
    let f = fixture();
    let ctx = Context::new(&f.clock, &f.ids, User::new("claire").unwrap());
    let mut group = c.benchmark_group("lead_transitions");
    group.bench_function("typestate", |b| {
        b.iter_batched(
            || (f.interest.clone(), f.touch.clone(), f.qualification()),
            |(interest, touch, qualification)| {
                let lead = Lead::open(&f.contact, interest, &ctx);
                let lead = lead.log_touch(touch, &ctx);
                black_box(lead.qualify(qualification, &ctx))
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("enum", |b| {
        b.iter(|| black_box(dyn_lead::<EnumState>(&f, &ctx)))
    });
    group.bench_function("string", |b| {
        b.iter(|| black_box(dyn_lead::<StringState>(&f, &ctx)))
    });
    group.finish();
}

fn opportunity_advances(c: &mut Criterion) {
    let f = fixture();
    let ctx = Context::new(&f.clock, &f.ids, User::new("claire").unwrap());
    let working = Lead::open(&f.contact, f.interest.clone(), &ctx).log_touch(f.touch.clone(), &ctx);
    let (_, discovery) = working.qualify(f.qualification(), &ctx).unwrap();
    // Typed values are linear: each iteration reads its own copy from a snapshot, in the setup.
    let discovery = AnyOpportunity::from(discovery);
    let mut group = c.benchmark_group("opportunity_advances");
    group.bench_function("typestate", |b| {
        b.iter_batched(
            || {
                (
                    Opportunity::<state::Discovery>::try_from(discovery.clone()).unwrap(),
                    f.proposal.clone(),
                    f.note.clone(),
                    f.terms.clone(),
                )
            },
            |(o, proposal, note, terms)| {
                black_box(
                    o.propose(proposal, &ctx)
                        .unwrap()
                        .negotiate(note, &ctx)
                        .enter_contracting(terms, Incumbent::NoneInPlace, &ctx),
                )
            },
            BatchSize::SmallInput,
        )
    });
    fn advance<S: RuntimeState>(b: &mut criterion::Bencher<'_>, f: &Fixture, ctx: &Context<'_>) {
        // Each iteration gets its own opportunity in discovery, made in the setup.
        let discovery = || {
            let mut lead = DynRecord::<S>::open(
                ctx.ids().next_uuid(),
                f.contact.id().as_uuid(),
                "A CRM".into(),
                ctx,
            );
            lead.log_touch(f.touch.clone(), ctx).unwrap();
            lead.qualify(f.qualification(), ctx.ids().next_uuid(), ctx)
                .unwrap()
        };
        b.iter_batched(
            || {
                (
                    discovery(),
                    f.proposal.clone(),
                    f.note.clone(),
                    f.terms.clone(),
                )
            },
            |(mut o, proposal, note, terms)| {
                o.propose(proposal, ctx).unwrap();
                o.negotiate(note, ctx).unwrap();
                o.enter_contracting(terms, Incumbent::NoneInPlace, ctx)
                    .unwrap();
                black_box(o)
            },
            BatchSize::SmallInput,
        )
    }
    group.bench_function("enum", |b| advance::<EnumState>(b, &f, &ctx));
    group.bench_function("string", |b| advance::<StringState>(b, &f, &ctx));
    group.finish();
}

criterion_group!(benches, lead_transitions, opportunity_advances);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    baselines::print_ratios(
        "transitions",
        &[
            ("lead_transitions", "typestate", "enum", "<= 1.05x"),
            ("lead_transitions", "typestate", "string", "< 1x"),
            ("opportunity_advances", "typestate", "enum", "<= 1.05x"),
            ("opportunity_advances", "typestate", "string", "< 1x"),
        ],
    );
}
