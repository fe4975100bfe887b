//! A sales year, simulated through the `Crm` facade on a `MemoryStore` (or on PostgreSQL, with
//! `cargo run -p prospect-postgres --release --example pipeline-postgres -- --store
//! postgres://…`, which runs this same simulation), then the funnel.
//!
//! Contacts arrive from a mix of sources over the year and are owned by six sellers; some become
//! leads, are worked, nurtured, disqualified or qualified; opportunities move through their
//! stages, in four currencies, and are won or lost (some reopened), worked between steps (calls,
//! meetings and emails; next steps as tasks), now and then handed to another seller, slipped or
//! discounted; customers come back for repeat business. The generator is seeded and deterministic: the same seed gives the same year.
//!
//! The business has custom fields and pipelines of its own (`pipeline/custom.rs`): contacts an
//! `industry`, opportunities a `segment` and `seats`; new business goes through a pipeline with
//! a first meeting and a demo inside discovery, repeat business through renewals. The report
//! shows each pipeline's stages, and the opportunities by segment.
//!
//! ```text
//! cargo run --release --example pipeline -- [--contacts N] [--seed S] [--svg PATH]
//! ```
//!
//! About one contact in thirty comes back later in the year under another record (a typo in the
//! family name, another address at the same company, the phone written the national way:
//! `pipeline/duplicates.rs`). At the year's end each one's duplicates are looked for through the
//! store's duplicate keys and merged into the first record (a plan, then one commit each); the
//! output counts them. The generator draws names from 64, two contacts a company, so now and
//! then two namesakes at one company are found too (and merged, as a user shown the same name,
//! company and email domain would).
//!
//! It keeps a report up to date one transition at a time while it simulates (the merges
//! included), and checks at the end that it equals the report computed by scanning the store.

use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Days, TimeDelta, TimeZone, Utc};
use prospect::*;
use prospect::{
    fields::WithFields,
    funnel::{Contributes, PipelineReport},
    memory::MemoryStore,
    record::RecordKind,
    stale::{Escalation, StaleCheck, StalePolicy},
    store::{Store, Versioned},
};

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Command-line options.
pub struct Options {
    pub contacts: u64,
    pub seed: u64,
    pub svg: Option<String>,
    /// `memory` (this example), or a `postgres://` URL (the PostgreSQL adapter's example).
    pub store: String,
}

pub fn options() -> Result<Options, String> {
    let mut options = Options {
        contacts: 10_000,
        seed: 2026,
        svg: None,
        store: "memory".to_string(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--contacts" => {
                options.contacts = value("--contacts")?
                    .parse()
                    .map_err(|e| format!("--contacts: {e}"))?;
            }
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?;
            }
            "--svg" => options.svg = Some(value("--svg")?),
            "--store" => options.store = value("--store")?,
            "--help" | "-h" => {
                return Err("usage: pipeline [--contacts N (10000)] [--seed S (2026)] \
                     [--svg PATH] [--store memory | postgres://...]"
                    .to_string());
            }
            other => return Err(format!("unknown argument {other:?}; try --help")),
        }
    }
    Ok(options)
}

/// The crate's seeded generator (the testkit's), included by path: this example runs without
/// the `testkit` feature.
#[path = "../src/testkit/rng.rs"]
mod rng;
use rng::SplitMix64 as Rng;

/// The custom fields and pipelines (a module of this example, included by path so that the
/// PostgreSQL adapter's example, which includes this file, finds it too).
#[path = "pipeline/custom.rs"]
mod custom;
#[path = "pipeline/duplicates.rs"]
mod duplicates;

/// Every table of weights below has a choice with a weight.
const NO_WEIGHTS: &str = "an empty table of weights";

const SELLERS: [&str; 6] = ["claire", "malik", "sofia", "tomas", "yuki", "ana"];
const FIRST: [&str; 8] = [
    "Jeanne", "Paul", "Amira", "Lars", "Mei", "Diego", "Ines", "Kofi",
];
const LAST: [&str; 8] = [
    "Martin", "Durand", "Haddad", "Nilsen", "Chen", "Rossi", "Silva", "Mensah",
];
const TITLES: [&str; 5] = [
    "Head of Sales",
    "CTO",
    "Procurement Manager",
    "COO",
    "Office Manager",
];

/// The simulation: the facade, its clock, the live report, and the accounts by contact.
struct Year<Db> {
    crm: Crm<Db>,
    clock: Arc<FixedClock>,
    rng: Rng,
    /// Draws for the calls and meetings between steps, apart from `rng` so that adding them
    /// did not change the funnel.
    work: Rng,
    live: PipelineReport,
    accounts: HashMap<ContactId, Versioned<Account>>,
    /// Each open deal's next step, as a task, until it is done or dropped.
    next_steps: HashMap<OpportunityId, Versioned<Task>>,
    marketing: User,
    year_end: chrono::DateTime<Utc>,
    /// Draws for the custom values and stage moves, apart from `rng` too.
    custom: Rng,
    /// Draws for the contacts who come back as duplicates, apart from `rng` too.
    dups: Rng,
    /// The contacts who will come back as duplicates.
    planted: Vec<duplicates::Planted>,
}

type Step<T> = Result<T, Box<dyn Error>>;

impl<Db: Store> Year<Db> {
    /// Moves the clock on by `low` to `high` days; false once the year is over, when the
    /// story stops where it is (so that the year ends with work in progress).
    fn later(&self, low: u64, high: u64, rng: &mut Rng) -> bool {
        self.clock
            .advance(TimeDelta::hours(rng.between(low * 24, high * 24) as i64));
        self.clock.now() < self.year_end
    }

    /// Runs `step` on `value`, and moves the live report from `value` to the result.
    fn track<A: Contributes, B: Contributes>(
        &mut self,
        value: A,
        step: impl FnOnce(&Crm<Db>, A) -> Result<B, CrmError<Db::Error>>,
    ) -> Step<B> {
        let before = value.contribution();
        let after = step(&self.crm, value)?;
        self.live.replace(&before, &after.contribution());
        Ok(after)
    }

    /// The seller works the deal before its next step: now and then a call, a meeting or an
    /// email, logged as an activity (which does not move the funnel, and keeps the deal fresh);
    /// the deal's previous next step is done (or dropped), and most of the time a new one is
    /// planned for the coming days. Those still open at the end of the year may be overdue.
    fn work<S: state::OpenStage>(&mut self, o: &Versioned<Opportunity<S>>, me: &User) -> Step<()> {
        if let Some(task) = self.next_steps.remove(&o.id()) {
            if self.work.chance(0.8) {
                self.crm.complete_task(task, me)?;
            } else {
                self.crm.cancel_task(task, me)?;
            }
        }
        if self.work.chance(0.6) {
            let due = self.crm.context(me).today() + Days::new(self.work.between(3, 10));
            let step = TaskDetails::new(Summary::new("Next step")?, me.clone(), Due::On(due));
            let task = self.crm.add_task_on_opportunity(o, step, me)?;
            self.next_steps.insert(o.id(), task);
        }
        for _ in 0..self.work.between(0, 2) {
            let kind = self
                .work
                .weighted(&[
                    (ActivityKind::Call, 5),
                    (ActivityKind::Email, 3),
                    (ActivityKind::Meeting, 2),
                ])
                .ok_or(NO_WEIGHTS)?;
            let details = ActivityDetails::new(kind, Summary::new("Follow-up")?);
            self.crm.log_activity_on_opportunity(o, details, me)?;
        }
        Ok(())
    }

    fn contact(&mut self, i: u64) -> Step<()> {
        let rng = &mut self.rng;
        let source = rng
            .weighted(&[
                (LeadSource::Web, 35),
                (LeadSource::Referral, 12),
                (LeadSource::Event, 15),
                (LeadSource::Outbound, 18),
                (LeadSource::Partner, 8),
                (LeadSource::Campaign, 10),
                (LeadSource::Other, 2),
            ])
            .ok_or(NO_WEIGHTS)?;
        let owner = (!rng.chance(0.04)).then(|| SELLERS[rng.next_u64() as usize % SELLERS.len()]);
        let first = FIRST[rng.next_u64() as usize % FIRST.len()];
        let last = LAST[rng.next_u64() as usize % LAST.len()];
        let company = format!("Company {}", i / 2);
        let mut details = ContactDetails::new(
            Party::employee(
                PersonName::new(format!("{first} {last}"))?,
                JobTitle::new(TITLES[rng.next_u64() as usize % TITLES.len()])?,
                OrganizationName::new(&company)?,
            ),
            source,
        )
        .with_email(EmailAddress::new(format!(
            "{}.{}.{i}@company{}.example",
            first.to_lowercase(),
            last.to_lowercase(),
            i / 2
        ))?);
        if let Some(owner) = owner {
            details = details.with_owner(User::new(owner)?);
        }
        // About one contact in thirty comes back later in the year under another record.
        let comes_back = self.dups.chance(0.03);
        if comes_back {
            details = details.with_phone(PhoneNumber::new(duplicates::phone(i))?);
        }
        let details = WithFields::new(details, custom::contact_values(&mut self.custom));
        let contact = self
            .crm
            .create_contact(details, OnDuplicate::Reuse, &self.marketing)?
            .into_contact();
        if comes_back {
            self.planted.push(duplicates::Planted {
                original: contact.id(),
                first,
                last,
                company: i / 2,
                phone: duplicates::phone(i),
                duplicate: None,
            });
        }
        self.live.add(&contact.contribution());
        let lead_rate = match source {
            LeadSource::Referral => 0.8,
            LeadSource::Partner => 0.7,
            LeadSource::Event => 0.6,
            LeadSource::Web => 0.55,
            LeadSource::Campaign => 0.45,
            _ => 0.35,
        };
        if self.rng.chance(lead_rate) {
            self.lead(&contact, true)?;
        }
        Ok(())
    }

    fn seller(&self, contact: &Contact) -> Step<User> {
        Ok(contact.owner().cloned().unwrap_or(User::new("sales-desk")?))
    }

    fn lead(&mut self, contact: &Versioned<Contact>, first_time: bool) -> Step<()> {
        let me = self.seller(contact)?;
        let summary = Summary::new(if first_time {
            "A CRM for the sales team"
        } else {
            "More seats and a second team"
        })?;
        let role = self
            .rng
            .weighted(&[
                (BuyingRole::DecisionMaker, 3),
                (BuyingRole::Influencer, 4),
                (BuyingRole::Advisor, 2),
                (BuyingRole::User, 2),
                (BuyingRole::Unknown, 1),
            ])
            .ok_or(NO_WEIGHTS)?;
        let lead = self
            .crm
            .open_lead(contact, Interest::new(summary, role), &self.marketing)?;
        self.live.add(&lead.contribution());
        let mut rng = Rng::new(self.rng.next_u64());
        if !self.later(0, 3, &mut rng) {
            return Ok(());
        }
        let disqualify = |category| DisqualifyReason::new(category);
        if rng.chance(if first_time { 0.15 } else { 0.05 }) {
            let reason = disqualify(DisqualifyCategory::Unreachable);
            self.track(lead, |crm, l| crm.disqualify(l, reason, &me))?;
            return Ok(());
        }
        let touch = Touch::new(Channel::Call, Summary::new("Discovery call")?);
        let mut lead = self.track(lead, |crm, l| crm.log_touch(l, touch.clone(), &me))?;
        while rng.chance(0.25) {
            let note = Note::new("Not ready yet")?;
            let nurturing = self.track(lead, |crm, l| crm.nurture(l, note, &me))?;
            if !self.later(10, 60, &mut rng) {
                return Ok(());
            }
            if rng.chance(0.45) {
                let reason = disqualify(
                    rng.weighted(&[
                        (DisqualifyCategory::NoTimeline, 3),
                        (DisqualifyCategory::NotInterested, 2),
                    ])
                    .ok_or(NO_WEIGHTS)?,
                );
                self.track(nurturing, |crm, l| crm.disqualify(l, reason, &me))?;
                return Ok(());
            }
            lead = self.track(nurturing, |crm, l| crm.resume(l, touch.clone(), &me))?;
        }
        if !self.later(2, 20, &mut rng) {
            return Ok(());
        }
        if !rng.chance(if first_time { 0.45 } else { 0.7 }) {
            let reason = disqualify(
                rng.weighted(&[
                    (DisqualifyCategory::NoNeed, 4),
                    (DisqualifyCategory::NoBudget, 5),
                    (DisqualifyCategory::NotAFit, 3),
                    (DisqualifyCategory::Competitor, 2),
                    (DisqualifyCategory::Duplicate, 1),
                ])
                .ok_or(NO_WEIGHTS)?,
            );
            self.track(lead, |crm, l| crm.disqualify(l, reason, &me))?;
            return Ok(());
        }
        let currency = rng
            .weighted(&[
                (Currency::EUR, 60),
                (Currency::USD, 25),
                (Currency::GBP, 10),
                (Currency::JPY, 5),
            ])
            .ok_or(NO_WEIGHTS)?;
        let scale = if currency == Currency::JPY { 1 } else { 100 };
        let per_unit = if currency == Currency::JPY { 150 } else { 1 };
        let budget = Money::from_minor(
            rng.between(5, 200) as i64 * 1000 * scale * per_unit,
            currency,
        );
        let today = self.crm.context(&me).today();
        let qualification = Qualification::builder()
            .need(Need::new(
                Summary::new("Replace spreadsheets")?,
                vec![Requirement::new(format!("{} seats", rng.between(5, 200)))?],
            )?)
            .budget(Budget::new(budget)?)
            .timeline(Timeline::new(
                today + Days::new(rng.between(30, 180)),
                today,
                &HorizonPolicy::default(),
            )?)
            .build();
        let before = lead.contribution();
        let (values, pipeline) = custom::opportunity_values(&mut self.custom, first_time);
        let qualification = WithFields::new(qualification, values).in_pipeline(pipeline);
        let Qualified { lead, opportunity } = self.crm.qualify(lead, qualification, &me)?;
        self.live.replace(&before, &lead.contribution());
        self.live.add(&opportunity.contribution());
        let id = opportunity.id();
        self.opportunity(contact, opportunity, budget, &me, &mut rng)?;
        self.settle(id, &me)?;
        if first_time && self.accounts.contains_key(&contact.id()) && rng.chance(0.2) {
            if !self.later(30, 120, &mut rng) {
                return Ok(());
            }
            self.lead(contact, false)?;
        }
        Ok(())
    }

    fn opportunity(
        &mut self,
        contact: &Versioned<Contact>,
        mut discovery: Versioned<Opportunity<state::Discovery>>,
        budget: Money,
        me: &User,
        rng: &mut Rng,
    ) -> Step<()> {
        let lose = |rng: &mut Rng, weights: &[(LossCategory, u64)]| -> Step<LossReason> {
            Ok(LossReason::new(rng.weighted(weights).ok_or(NO_WEIGHTS)?))
        };
        for attempt in 0..2 {
            if !self.later(3, 20, rng) {
                return Ok(());
            }
            self.work(&discovery, me)?;
            discovery = self.hand_off_or_revise(discovery, me)?;
            if rng.chance(0.25) {
                let reason = lose(
                    rng,
                    &[
                        (LossCategory::NoDecision, 3),
                        (LossCategory::Timing, 2),
                        (LossCategory::ProductFit, 2),
                    ],
                )?;
                let lost = self.track(discovery, |crm, o| crm.lose(o, reason, me))?;
                match self.reopen(lost, attempt, me, rng)? {
                    Some(again) => {
                        discovery = again;
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            let amount = Money::from_minor(
                budget.minor() / 100 * rng.between(90, 120) as i64,
                budget.currency(),
            );
            let today = self.crm.context(me).today();
            let proposal =
                SentProposal::new(Summary::new("Seats, onboarding, support")?, amount, today)?;
            let Some(demoed) = self.demo(discovery, me)? else {
                return Ok(());
            };
            let proposal = self.track(demoed, |crm, o| crm.propose(o, proposal, me))?;
            if !self.later(5, 25, rng) {
                return Ok(());
            }
            self.work(&proposal, me)?;
            if rng.chance(0.3) {
                let reason = lose(
                    rng,
                    &[
                        (LossCategory::Price, 4),
                        (LossCategory::Competitor, 3),
                        (LossCategory::NoBudget, 1),
                    ],
                )?;
                let lost = self.track(proposal, |crm, o| crm.lose(o, reason, me))?;
                match self.reopen(lost, attempt, me, rng)? {
                    Some(again) => {
                        discovery = again;
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            let note = Note::new("Discount and billing")?;
            let mut negotiation = self.track(proposal, |crm, o| crm.negotiate(o, note, me))?;
            if !self.later(5, 20, rng) {
                return Ok(());
            }
            self.work(&negotiation, me)?;
            // A discount: a revised proposal, one time in four.
            if self.work.chance(0.25) {
                let discounted = Money::from_minor(
                    negotiation.amount().minor() / 100 * 93,
                    negotiation.amount().currency(),
                );
                let today = self.crm.context(me).today();
                let revised =
                    SentProposal::new(Summary::new("With a 7% discount")?, discounted, today)?;
                negotiation =
                    self.track(negotiation, |crm, o| crm.revise_proposal(o, revised, me))?;
            }
            if rng.chance(0.2) {
                let reason = lose(
                    rng,
                    &[
                        (LossCategory::Price, 3),
                        (LossCategory::Competitor, 3),
                        (LossCategory::Unresponsive, 1),
                    ],
                )?;
                self.track(negotiation, |crm, o| crm.lose(o, reason, me))?;
                return Ok(());
            }
            let terms = PaymentTerms::new(
                rng.weighted(&[(30, 5), (45, 2), (60, 1)])
                    .ok_or(NO_WEIGHTS)?,
                rng.weighted(&[(1, 3), (4, 2), (12, 1)]).ok_or(NO_WEIGHTS)?,
            )?;
            let incumbent = if rng.chance(0.6) {
                Incumbent::Dismissed(OrganizationName::new("SpreadCo")?)
            } else {
                Incumbent::NoneInPlace
            };
            let contracting = self.track(negotiation, |crm, o| {
                crm.enter_contracting(o, terms, incumbent, me)
            })?;
            if !self.later(3, 15, rng) {
                return Ok(());
            }
            if rng.chance(0.1) {
                let reason = lose(
                    rng,
                    &[(LossCategory::NoDecision, 2), (LossCategory::Other, 1)],
                )?;
                self.track(contracting, |crm, o| crm.lose(o, reason, me))?;
                return Ok(());
            }
            let value = Money::from_minor(
                contracting.amount().minor() / 100 * rng.between(90, 100) as i64,
                amount.currency(),
            );
            let today = self.crm.context(me).today();
            let contract = SignedContract::new(
                Reference::new(format!("C-{}", contracting.id()))?,
                value,
                today,
                PersonName::new("Purchasing")?,
            )?;
            let before = contracting.contribution();
            let WonAccount {
                opportunity: won,
                account,
            } = match self.accounts.remove(&contact.id()) {
                Some(existing) => {
                    self.live.remove(&existing.contribution());
                    self.crm.win_for(contracting, existing, contract, me)?
                }
                None => self.crm.win(contracting, contract, me)?,
            };
            self.live.replace(&before, &won.contribution());
            self.live.add(&account.contribution());
            self.accounts.insert(contact.id(), account);
            return Ok(());
        }
        Ok(())
    }

    /// Once a deal is won or lost, its next step is done: closed with it. (A deal still open
    /// at the end of the year keeps its own.)
    fn settle(&mut self, id: OpportunityId, me: &User) -> Step<()> {
        let closed = match self.crm.store().load(id.into())? {
            Some(record) => !matches!(
                record.value().state(),
                record::RecordState::Opportunity(stage) if stage.is_open()
            ),
            None => false,
        };
        if let Some(task) = self.next_steps.remove(&id) {
            if closed {
                self.crm.complete_task(task, me)?;
            } else {
                self.next_steps.insert(id, task);
            }
        }
        Ok(())
    }

    /// Now and then, in discovery: the qualifier hands the deal to another seller to close
    /// (one time in eight), or the customer's decision slips by a month (one time in ten).
    fn hand_off_or_revise(
        &mut self,
        o: Versioned<Opportunity<state::Discovery>>,
        me: &User,
    ) -> Step<Versioned<Opportunity<state::Discovery>>> {
        if self.work.chance(0.125) {
            let closer = User::new(SELLERS[self.work.next_u64() as usize % SELLERS.len()])?;
            let reason = Note::new("Handed to a closer")?;
            return self.track(o, |crm, o| {
                crm.reassign_opportunity(o, Some(closer), Some(reason), me)
            });
        }
        if self.work.chance(0.1) {
            let today = self.crm.context(me).today();
            let slipped = o.expected_close().max(today) + Days::new(30);
            let revision = Revision::new()
                .expected_close(slipped)
                .because(Note::new("The decision moved to next month")?);
            return self.track(o, |crm, o| crm.revise_opportunity(o, revision, me));
        }
        Ok(o)
    }

    /// In new business, most deals get a demo a few days before the proposal: a move between
    /// the custom stages inside discovery, which needs no evidence. `None` when the year ends
    /// meanwhile (the deal stays in its demo).
    fn demo(
        &mut self,
        o: Versioned<Opportunity<state::Discovery>>,
        me: &User,
    ) -> Step<Option<Versioned<Opportunity<state::Discovery>>>> {
        let first_meeting = o
            .custom_stage()
            .is_some_and(|p| p.stage().as_str() == "first_meeting");
        if !first_meeting || !self.custom.chance(0.7) {
            return Ok(Some(o));
        }
        let (pipeline, demo) = (custom::key("new_business"), custom::key("demo"));
        let note = Note::new("Demo given")?;
        let o = self.track(o, |crm, o| {
            crm.move_stage(o, pipeline, demo, Some(note), me)
        })?;
        let days = self.custom.between(2, 6) as i64;
        self.clock.advance(TimeDelta::days(days));
        Ok((self.clock.now() < self.year_end).then_some(o))
    }

    /// Reopens a lost opportunity one time in ten, on its first attempt.
    fn reopen(
        &mut self,
        lost: Versioned<Opportunity<state::Lost>>,
        attempt: u32,
        me: &User,
        rng: &mut Rng,
    ) -> Step<Option<Versioned<Opportunity<state::Discovery>>>> {
        if attempt > 0 || !rng.chance(0.1) {
            return Ok(None);
        }
        if !self.later(20, 60, rng) {
            return Ok(None);
        }
        let note = Note::new("They came back")?;
        Ok(Some(self.track(lost, |crm, o| crm.reopen(o, note, me))?))
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    if options.store != "memory" {
        eprintln!(
            "this example runs on the in-memory store; for {}, run \
             `cargo run -p prospect-postgres --release --example pipeline-postgres -- --store URL`",
            options.store
        );
        std::process::exit(2);
    }
    run(MemoryStore::new(), options)
}

/// The year, on `store`.
pub fn run<S: Store>(store: S, options: Options) -> Result<(), Box<dyn Error>> {
    let start = Utc
        .with_ymd_and_hms(2026, 1, 5, 8, 0, 0)
        .single()
        .ok_or("start date")?;
    let clock = Arc::new(FixedClock::new(start));
    let ids = Arc::new(SequentialIds::new(options.seed as u32));
    let mut year = Year {
        crm: Crm::with_clock_and_ids(store, prospect::access::AllowAll, clock.clone(), ids),
        clock,
        rng: Rng::new(options.seed),
        work: Rng::new(options.seed ^ 0x05EE_D0FD_411F),
        live: PipelineReport::new(),
        accounts: HashMap::new(),
        next_steps: HashMap::new(),
        marketing: User::new("marketing")?,
        year_end: start + TimeDelta::days(365),
        custom: Rng::new(options.seed ^ 0x0C05_70F1_E1D5),
        dups: Rng::new(options.seed ^ 0x0D0B_1E5E_ED00),
        planted: Vec::new(),
    };
    let schema = custom::define(&year.crm, &User::new("admin")?)?;
    let began = Instant::now();
    let n = options.contacts;
    let progress_every = if n >= 20_000 { n / 10 } else { u64::MAX };
    for i in 0..n {
        // Contacts arrive evenly over the year; each one's story is simulated to its end.
        let offset = TimeDelta::minutes((i as f64 * 365.0 * 24.0 * 60.0 / n.max(1) as f64) as i64);
        year.clock.set(start + offset);
        year.contact(i)?;
        if (i + 1) % progress_every == 0 {
            eprintln!(
                "  simulated {:>8} of {n} contacts ({:.1} s)",
                i + 1,
                began.elapsed().as_secs_f64()
            );
        }
    }
    // The people who came back under another record, then the duplicates found and merged.
    let mut planted = std::mem::take(&mut year.planted);
    for p in &mut planted {
        duplicates::come_back(
            &year.crm,
            &mut year.live,
            p,
            &mut year.dups,
            &year.marketing,
        )?;
    }
    let admin = User::new("admin")?;
    let organizations = duplicates::merge_organizations(&year.crm, &planted, &admin)?;
    let merges = duplicates::merge_all(&year.crm, &mut year.live, &planted, &admin)?;
    let simulated = began.elapsed();
    let scanned = Instant::now();
    let report = PipelineReport::from_store(year.crm.store())?;
    let scan_time = scanned.elapsed();
    if report != year.live {
        return Err("the incremental report differs from the full scan".into());
    }
    // What has gone stale by the end of the year: deals idle in their stage, new leads nobody
    // answered, and next steps past due.
    let policy = StalePolicy::new()
        .stale_after::<state::Discovery>(21 * DAY)
        .stale_after::<state::Proposal>(14 * DAY)
        .stale_after::<state::Negotiation>(10 * DAY)
        .stale_after::<state::Contracting>(10 * DAY)
        .with_pipelines(&schema)
        .first_response_within(2 * DAY)
        .escalate_after(Duration::ZERO, Escalation::RemindOwner)
        .escalate_after(7 * DAY, Escalation::NotifyManager)
        .escalate_after(30 * DAY, Escalation::Reassign);
    let mut check = StaleCheck::new(&policy);
    let mut records = 0;
    for kind in RecordKind::ALL {
        records += Store::scan(year.crm.store(), kind, &mut |r| check.add(&r))?.visited;
    }
    let stale = check.finish(year.year_end);
    let mut report = report;
    report.set_stale(&stale);

    println!("A sales year: {n} contacts, seed {}\n", options.seed);
    println!("{report}");
    custom::print_pipelines(&schema, &report);
    custom::print_industries(year.crm.store())?;
    custom::print_segments(year.crm.store(), &schema)?;
    println!(
        "Duplicates: {} people came back under another record (a typo in the name, another \
         email, the phone written nationally); {} of them and {} other contacts found by their \
         keys, {} merged into the first record, {} records moved to it.\n",
        merges.planted, merges.found_planted, merges.found_others, merges.merged, merges.moved
    );
    println!(
        "Organizations: {} companies recorded twice (a short name with its domain, the legal \
         name without); {} of their duplicates and {} others found by their keys, {} merged, \
         {} contacts moved to the first record.\n",
        organizations.planted,
        organizations.found_planted,
        organizations.found_others,
        organizations.merged,
        organizations.moved
    );
    println!(
        "{} records; simulated in {:.2} s, report by full scan in {:.3} s (the incremental report, kept up to date at every step, is equal)",
        records,
        simulated.as_secs_f64(),
        scan_time.as_secs_f64()
    );
    if let Some(path) = options.svg {
        std::fs::write(&path, report.to_svg())?;
        println!("funnel chart written to {path}");
    }
    Ok(())
}
