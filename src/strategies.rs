//! `proptest` strategies for every domain type (feature `proptest`), so that adapter authors
//! and users can property-test with realistic, valid values.
//!
//! Records are made the only way they can be: through the lifecycle, by a random walk of legal
//! transitions from a fixed clock at a random instant and deterministic ids from a random seed.
//!
//! ```
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//! use prospect::strategies;
//!
//! // In a test, the `proptest!` macro does the same.
//! TestRunner::default().run(&strategies::record(), |record| {
//!     prop_assert_eq!(record.id().kind(), record.kind());
//!     Ok(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::{DateTime, Days, TimeDelta, Utc};
use proptest::prelude::*;
use proptest::sample::select;

use crate::account::Account;
use crate::activity::{Activity, ActivityDetails, ActivityKind};
use crate::contact::{Contact, ContactDetails, LeadSource, Party};
use crate::context::{Context, FixedClock};
use crate::dates::HorizonPolicy;
use crate::email::EmailAddress;
use crate::forecast::Probability;
use crate::id::SequentialIds;
use crate::lead::{
    BuyingRole, Channel, DisqualifyCategory, DisqualifyReason, Interest, Lead, Touch,
};
use crate::money::{Currency, Money};
use crate::opportunity::{
    Incumbent, LossCategory, LossReason, PaymentTerms, Revision, SentProposal, SignedContract,
};
use crate::organization::{Country, Domain, Organization, OrganizationDetails, SizeBand};
use crate::phone::PhoneNumber;
use crate::qualification::{Authority, Budget, Need, Qualification, Timeline};
use crate::record::{AnyLead, AnyOpportunity, Record};
use crate::task::{Due, Task, TaskDetails};
use crate::text::{
    Industry, JobTitle, Note, OrganizationName, PersonName, Reference, Requirement, Summary, User,
};

mod fields;

pub use fields::{
    field_definition, field_key, field_schema, field_type, field_value, field_values,
    pipeline_schema, record_with_fields, schema_changes, schema_record,
};

/// Strings made by `pattern` that `make` accepts (the patterns below only make valid ones; the
/// filter is a safety net, never the generator).
fn valid<T: std::fmt::Debug>(
    pattern: &'static str,
    make: fn(&str) -> Option<T>,
) -> impl Strategy<Value = T> + Clone {
    pattern.prop_filter_map("generated text must be valid", move |s: String| make(&s))
}

/// A person's name: one or two words, sometimes with an accent or a hyphen.
pub fn person_name() -> impl Strategy<Value = PersonName> + Clone {
    valid(
        "[A-Z][a-zéèïô]{1,10}(-[A-Z][a-z]{1,8})? [A-Z][a-z']{1,14}",
        |s| PersonName::new(s).ok(),
    )
}

/// An organization's name.
pub fn organization_name() -> impl Strategy<Value = OrganizationName> + Clone {
    valid(
        "[A-Z][a-z]{2,12}( [A-Z][a-z]{2,10})?( (SA|Ltd|GmbH|Inc))?",
        |s| OrganizationName::new(s).ok(),
    )
}

/// A job title.
pub fn job_title() -> impl Strategy<Value = JobTitle> + Clone {
    select(vec![
        "Head of Sales",
        "Procurement Manager",
        "CTO",
        "Office Manager",
        "Sales Operations Analyst",
        "Chief Executive Officer",
    ])
    .prop_filter_map("valid", |s| JobTitle::new(s).ok())
}

/// A user: a short lowercase handle.
pub fn user() -> impl Strategy<Value = User> + Clone {
    valid("[a-z]{2,8}", |s| User::new(s).ok())
}

/// A one-line summary.
pub fn summary() -> impl Strategy<Value = Summary> + Clone {
    valid("[A-Z][a-z]{2,10}( [a-z0-9]{1,10}){0,8}", |s| {
        Summary::new(s).ok()
    })
}

/// A requirement.
pub fn requirement() -> impl Strategy<Value = Requirement> + Clone {
    valid("[A-Z][a-z]{2,10}( [a-z0-9]{1,10}){0,6}", |s| {
        Requirement::new(s).ok()
    })
}

/// A note of one to three lines.
pub fn note() -> impl Strategy<Value = Note> + Clone {
    valid("[A-Z][a-z ,.0-9]{0,60}(\n[A-Za-z ,.0-9]{1,60}){0,2}", |s| {
        Note::new(s).ok()
    })
}

/// A reference, e.g. `C-2026-0042`.
pub fn reference() -> impl Strategy<Value = Reference> + Clone {
    valid("[A-Z]{1,4}-20[0-9]{2}-[0-9]{1,5}", |s| {
        Reference::new(s).ok()
    })
}

/// An email address, in mixed case at times.
pub fn email() -> impl Strategy<Value = EmailAddress> + Clone {
    valid(
        "[a-zA-Z][a-z0-9]{0,10}([.+_-][a-z0-9]{1,8})?@[a-z][a-z0-9-]{0,10}[a-z0-9]\\.(com|org|net|fr|de|example|co\\.uk)",
        |s| EmailAddress::new(s).ok(),
    )
}

/// A phone number, international or national, with separators at times.
pub fn phone() -> impl Strategy<Value = PhoneNumber> + Clone {
    valid(
        "(\\+[1-9][0-9]{1,2} )?\\(?[0-9]{2,4}\\)?[ .-]?[0-9]{3,4}[ .-]?[0-9]{3,4}",
        |s| PhoneNumber::new(s).ok(),
    )
}

/// An active ISO 4217 currency, the common ones more often.
pub fn currency() -> impl Strategy<Value = Currency> + Clone {
    prop_oneof![
        3 => select(vec![Currency::EUR, Currency::USD, Currency::GBP, Currency::CHF, Currency::JPY]),
        1 => select(Currency::all().collect::<Vec<_>>()),
    ]
}

/// An amount above zero, up to ten million major units.
pub fn money() -> impl Strategy<Value = Money> + Clone {
    (1i64..=1_000_000_000, currency()).prop_map(|(minor, c)| Money::from_minor(minor, c))
}

/// A lead source.
pub fn lead_source() -> impl Strategy<Value = LeadSource> + Clone {
    select(LeadSource::ALL.to_vec())
}

/// A party: a person (sometimes with a job title and an organization) or an organization.
pub fn party() -> impl Strategy<Value = Party> + Clone {
    prop_oneof![
        3 => (person_name(), proptest::option::of(job_title()), proptest::option::of(organization_name()))
            .prop_map(|(name, job_title, organization)| Party::Person(crate::contact::Person { name, job_title, organization })),
        1 => organization_name().prop_map(Party::organization),
    ]
}

/// Contact details, with an email, a phone and an owner most of the time.
pub fn contact_details() -> impl Strategy<Value = ContactDetails> + Clone {
    (
        party(),
        proptest::option::weighted(0.8, email()),
        proptest::option::weighted(0.5, phone()),
        lead_source(),
        proptest::option::weighted(0.7, user()),
    )
        .prop_map(|(party, email, phone, source, owner)| ContactDetails {
            organization: None,
            party,
            email,
            phone,
            source,
            owner,
        })
}

/// An interest.
pub fn interest() -> impl Strategy<Value = Interest> + Clone {
    (
        summary(),
        select(vec![
            BuyingRole::DecisionMaker,
            BuyingRole::Influencer,
            BuyingRole::Advisor,
            BuyingRole::User,
            BuyingRole::Unknown,
        ]),
    )
        .prop_map(|(summary, role)| Interest::new(summary, role))
}

/// A touch.
pub fn touch() -> impl Strategy<Value = Touch> + Clone {
    (
        select(vec![
            Channel::Call,
            Channel::Email,
            Channel::Meeting,
            Channel::Message,
            Channel::Other,
        ]),
        summary(),
    )
        .prop_map(|(channel, summary)| Touch::new(channel, summary))
}

/// What an activity was: any kind, a summary, at times a channel and an outcome, and when it
/// happened up to a week before it is logged (or when it is logged).
pub fn activity_details() -> impl Strategy<Value = ActivityDetails> + Clone {
    (
        select(ActivityKind::ALL.to_vec()),
        summary(),
        proptest::option::of(select(vec![
            Channel::Call,
            Channel::Email,
            Channel::Meeting,
            Channel::Message,
            Channel::Other,
        ])),
        proptest::option::of(note()),
        proptest::option::of(0i64..7 * 24 * 3600),
    )
        .prop_map(
            |(kind, summary, channel, outcome, seconds_before)| ActivityDetails {
                kind,
                summary,
                occurred_at: seconds_before.map(|s| ACTIVITY_LOGGED_AT - TimeDelta::seconds(s)),
                channel,
                outcome,
            },
        )
}

/// When [`activity`] logs its activities and [`task`] makes its tasks, and where
/// [`clock_reading`] clusters: 2026-03-02 09:00 UTC.
const ACTIVITY_LOGGED_AT: DateTime<Utc> = match DateTime::from_timestamp(1_772_442_000, 0) {
    Some(at) => at,
    None => DateTime::UNIX_EPOCH,
};

/// An activity about a new contact, or about that contact's new or worked lead.
pub fn activity() -> impl Strategy<Value = Activity> {
    (
        contact_details(),
        interest(),
        touch(),
        activity_details(),
        user(),
        0u8..3,
        any::<u32>(),
    )
        .prop_filter_map(
            "logged after it happened",
            |(details, interest, touch, activity, actor, on, seed)| {
                let clock = FixedClock::new(ACTIVITY_LOGGED_AT);
                let ids = SequentialIds::new(seed);
                let ctx = Context::new(&clock, &ids, actor);
                let contact = Contact::create(details, &ctx);
                let lead = Lead::open(&contact, interest, &ctx);
                match on {
                    0 => Activity::on_contact(&contact, activity, &ctx),
                    1 => Activity::on_lead(&lead, activity, &ctx),
                    _ => Activity::on_lead(&lead.log_touch(touch, &ctx), activity, &ctx),
                }
                .ok()
            },
        )
}

/// A task about a new contact or that contact's new lead, due on a day or by an instant within
/// a month of its creation, and at times done or cancelled an hour later.
pub fn task() -> impl Strategy<Value = Task> {
    (
        contact_details(),
        interest(),
        summary(),
        user(),
        user(),
        any::<bool>(),
        -30i64..30,
        0u8..3,
        any::<u32>(),
    )
        .prop_filter_map(
            "a task closes once",
            |(details, interest, subject, owner, actor, on_lead, days, closed, seed)| {
                let clock = FixedClock::new(ACTIVITY_LOGGED_AT);
                let ids = SequentialIds::new(seed);
                let ctx = Context::new(&clock, &ids, actor);
                let contact = Contact::create(details, &ctx);
                let due = if days % 2 == 0 {
                    Due::On(ACTIVITY_LOGGED_AT.date_naive() + TimeDelta::days(days))
                } else {
                    Due::By(ACTIVITY_LOGGED_AT + TimeDelta::days(days))
                };
                let details = TaskDetails::new(subject, owner, due);
                // Due within a month: inside the default window.
                let task = if on_lead {
                    Task::on_lead(&Lead::open(&contact, interest, &ctx), details, &ctx)
                } else {
                    Task::on_contact(&contact, details, &ctx)
                }
                .ok()?;
                clock.advance(TimeDelta::hours(1));
                match closed {
                    0 => Some(task),
                    1 => task.complete(&ctx).ok(),
                    _ => task.cancel(&ctx).ok(),
                }
            },
        )
}

/// A web domain: one to three labels under a top-level one, at times written with `www.` or
/// in capitals (which validation normalises).
pub fn domain() -> impl Strategy<Value = Domain> + Clone {
    valid("(www\\.)?([a-zA-Z0-9]{1,12}\\.){1,3}[a-z]{2,6}", |s| {
        Domain::new(s).ok()
    })
}

/// An organization, sometimes with domains, industry, size, country and owner, and sometimes
/// corrected once.
pub fn organization() -> impl Strategy<Value = Organization> {
    let countries = ["FR", "DE", "JP", "US", "BR", "NG"].map(|c| Country::new(c).ok());
    (
        organization_name(),
        proptest::collection::vec(domain(), 0..4),
        proptest::option::of(valid("[A-Z][a-z]{2,12}", |s| Industry::new(s).ok())),
        proptest::option::of(select(vec![
            SizeBand::Micro,
            SizeBand::Small,
            SizeBand::Medium,
            SizeBand::Large,
            SizeBand::Enterprise,
        ])),
        select(countries.to_vec()),
        proptest::option::of(user()),
        user(),
        proptest::option::of(organization_name()),
        any::<u32>(),
    )
        .prop_filter_map(
            "an organization",
            |(name, domains, industry, size, country, owner, actor, renamed, seed)| {
                let clock = FixedClock::new(ACTIVITY_LOGGED_AT);
                let ids = SequentialIds::new(seed);
                let ctx = Context::new(&clock, &ids, actor);
                let details = OrganizationDetails {
                    name,
                    domains,
                    industry,
                    size,
                    country,
                    owner,
                };
                let organization = Organization::create(details, &ctx).ok()?;
                match renamed {
                    None => Some(organization),
                    Some(name) => {
                        clock.advance(TimeDelta::hours(1));
                        let details = OrganizationDetails {
                            name,
                            ..organization.details().clone()
                        };
                        organization.correct(details, None, &ctx).ok()
                    }
                }
            },
        )
}

/// A disqualification reason, with a detail at times.
pub fn disqualify_reason() -> impl Strategy<Value = DisqualifyReason> + Clone {
    (
        select(vec![
            DisqualifyCategory::NoNeed,
            DisqualifyCategory::NoBudget,
            DisqualifyCategory::NoTimeline,
            DisqualifyCategory::Unreachable,
            DisqualifyCategory::NotInterested,
            DisqualifyCategory::Duplicate,
            DisqualifyCategory::Competitor,
            DisqualifyCategory::NotAFit,
            DisqualifyCategory::Other,
        ]),
        proptest::option::of(note()),
    )
        .prop_map(|(category, detail)| DisqualifyReason { category, detail })
}

/// A loss reason, with a detail at times.
pub fn loss_reason() -> impl Strategy<Value = LossReason> + Clone {
    (
        select(vec![
            LossCategory::Price,
            LossCategory::Competitor,
            LossCategory::NoBudget,
            LossCategory::NoDecision,
            LossCategory::Timing,
            LossCategory::ProductFit,
            LossCategory::Unresponsive,
            LossCategory::Other,
        ]),
        proptest::option::of(note()),
    )
        .prop_map(|(category, detail)| LossReason { category, detail })
}

/// Payment terms.
pub fn payment_terms() -> impl Strategy<Value = PaymentTerms> + Clone {
    (0u32..=PaymentTerms::MAX_NET_DAYS, 1u32..=24).prop_filter_map("in range", |(days, parts)| {
        PaymentTerms::new(days, parts).ok()
    })
}

/// What became of the incumbent supplier.
pub fn incumbent() -> impl Strategy<Value = Incumbent> + Clone {
    prop_oneof![
        Just(Incumbent::NoneInPlace),
        organization_name().prop_map(Incumbent::Dismissed),
    ]
}

/// A qualification assessed on `today`, with a decision date within a year.
pub fn qualification_on(today: chrono::NaiveDate) -> impl Strategy<Value = Qualification> + Clone {
    (
        summary(),
        proptest::collection::vec(requirement(), 1..5),
        money(),
        0u64..=365,
        proptest::option::of(person_name()),
    )
        .prop_filter_map(
            "valid",
            move |(summary, requirements, budget, days, authority)| {
                let timeline =
                    Timeline::new(today + Days::new(days), today, &HorizonPolicy::default())
                        .ok()?;
                let builder = Qualification::builder()
                    .need(Need::new(summary, requirements).ok()?)
                    .budget(Budget::new(budget).ok()?)
                    .timeline(timeline);
                Some(match authority {
                    Some(name) => builder.authority(Authority::new(name)).build(),
                    None => builder.build(),
                })
            },
        )
}

/// A qualification assessed on 2026-03-02.
pub fn qualification() -> impl Strategy<Value = Qualification> + Clone {
    qualification_on(chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default())
}

/// Everything a random lifecycle needs: where the clock starts, the id seed, the evidence, and
/// the choices at each step.
#[derive(Debug, Clone)]
struct Walk {
    start: DateTime<Utc>,
    seed: u32,
    details: ContactDetails,
    interest: Interest,
    touch: Touch,
    note: Note,
    disqualify: DisqualifyReason,
    loss: LossReason,
    proposal_amount: Money,
    terms: PaymentTerms,
    incumbent: Incumbent,
    reference: Reference,
    signer: PersonName,
    actor: User,
    need: Need,
    budget: Budget,
    decision_in_days: u64,
    authority: Option<PersonName>,
    choices: Vec<u8>,
}

fn walk() -> impl Strategy<Value = Walk> {
    let evidence = (
        contact_details(),
        interest(),
        touch(),
        note(),
        disqualify_reason(),
        loss_reason(),
        money(),
    );
    let more = (
        payment_terms(),
        incumbent(),
        reference(),
        person_name(),
        user(),
    );
    let qualification = (
        summary(),
        proptest::collection::vec(requirement(), 1..5),
        money(),
        0u64..=365,
        proptest::option::of(person_name()),
    );
    (
        // 2020-01-01 to 2030-01-01, to the second.
        1_577_836_800i64..1_893_456_000,
        any::<u32>(),
        evidence,
        more,
        qualification,
        proptest::collection::vec(any::<u8>(), 0..12),
    )
        .prop_filter_map(
            "a valid start",
            |(
                secs,
                seed,
                (details, interest, touch, note, disqualify, loss, proposal_amount),
                (terms, incumbent, reference, signer, actor),
                (summary, requirements, budget, decision_in_days, authority),
                choices,
            )| {
                // A deal keeps one currency: the proposals' is the budget's.
                let proposal_amount = Money::from_minor(proposal_amount.minor(), budget.currency());
                Some(Walk {
                    need: Need::new(summary, requirements).ok()?,
                    budget: Budget::new(budget).ok()?,
                    decision_in_days,
                    authority,
                    start: DateTime::from_timestamp(secs, 0)?,
                    seed,
                    details,
                    interest,
                    touch,
                    note,
                    disqualify,
                    loss,
                    proposal_amount,
                    terms,
                    incumbent,
                    reference,
                    signer,
                    actor,
                    choices,
                })
            },
        )
}

/// Where a walk ends: the contact, the lead, and the opportunity and account if it got there.
struct Walked {
    contact: Contact,
    lead: AnyLead,
    opportunity: Option<AnyOpportunity>,
    account: Option<Account>,
}

impl Walk {
    /// The qualification, assessed today.
    fn qualification(&self, today: chrono::NaiveDate) -> Option<Qualification> {
        let timeline = Timeline::new(
            today + Days::new(self.decision_in_days),
            today,
            &HorizonPolicy::default(),
        )
        .ok()?;
        let builder = Qualification::builder()
            .need(self.need.clone())
            .budget(self.budget)
            .timeline(timeline);
        Some(match &self.authority {
            Some(name) => builder.authority(Authority::new(name.clone())).build(),
            None => builder.build(),
        })
    }

    /// Walks the lifecycle; qualifies the lead only if `qualify`.
    fn run(self, qualify: bool) -> Walked {
        let clock = FixedClock::new(self.start);
        let ids = SequentialIds::new(self.seed);
        let ctx = Context::new(&clock, &ids, self.actor.clone());
        let mut contact = Contact::create(self.details.clone(), &ctx);
        // Every other contact is handed over once (a correction of its owner).
        if self.seed % 2 == 1 {
            clock.advance(TimeDelta::minutes(5));
            if let Ok(handed) =
                contact.reassign(Some(self.actor.clone()), Some(self.note.clone()), &ctx)
            {
                contact = handed;
            }
        }
        let owner = |choice: u8| (choice % 2 == 0).then(|| self.actor.clone());
        let mut lead: AnyLead = Lead::open(&contact, self.interest.clone(), &ctx).into();
        let mut choices = self.choices.iter().copied();
        // The lead's walk: stops when the choices run out or the lead is qualified.
        let mut opportunity: Option<AnyOpportunity> = None;
        for choice in choices.by_ref() {
            clock.advance(TimeDelta::hours(i64::from(choice) + 1));
            lead = match lead {
                AnyLead::New(l) if choice % 4 == 0 => {
                    l.disqualify(self.disqualify.clone(), &ctx).into()
                }
                AnyLead::New(l) => l.log_touch(self.touch.clone(), &ctx).into(),
                AnyLead::Working(mut l) if choice % 7 == 6 => {
                    l.reassign(owner(choice), Some(self.note.clone()), &ctx);
                    l.into()
                }
                AnyLead::Working(l) => match (choice % 3, qualify) {
                    (0, true) => match self.qualification(ctx.today()) {
                        Some(q) => match l.qualify(q, &ctx) {
                            Ok((l, o)) => {
                                opportunity = Some(o.into());
                                l.into()
                            }
                            // Assessed today, so never past; if it were, the lead stays.
                            Err(e) => e.into_parts().0.into(),
                        },
                        None => l.nurture(self.note.clone(), &ctx).into(),
                    },
                    (1, _) => l.disqualify(self.disqualify.clone(), &ctx).into(),
                    _ => l.nurture(self.note.clone(), &ctx).into(),
                },
                AnyLead::Nurturing(l) => match choice % 2 {
                    0 => l.resume(self.touch.clone(), &ctx).into(),
                    _ => l.disqualify(self.disqualify.clone(), &ctx).into(),
                },
                AnyLead::Disqualified(l) => l.recycle(self.note.clone(), &ctx).into(),
                converted @ AnyLead::Converted(_) => converted,
            };
            if opportunity.is_some() {
                break;
            }
        }
        // The opportunity's walk, with the choices left; one in three in the pipeline of
        // `pipeline_schema`, landed by each typed step into an open stage, and moved between
        // its stages inside discovery.
        let mut account = None;
        let schema = (self.seed % 3 == 0).then(pipeline_schema);
        if let Some(mut o) = opportunity.take() {
            let today = |clock: &FixedClock| crate::context::Clock::now(clock).date_naive();
            o = land(o, schema.as_ref());
            for choice in choices {
                clock.advance(TimeDelta::hours(i64::from(choice) + 1));
                let before = o.stage();
                o = match o {
                    AnyOpportunity::Discovery(mut o) if choice % 11 == 10 && schema.is_some() => {
                        let to = match o.custom_stage().map(|p| p.stage().as_str()) {
                            Some("first_call") => "demo",
                            _ => "first_call",
                        };
                        let key = crate::fields::FieldKey::new(to);
                        let stage = schema.as_ref().zip(key.ok()).and_then(|(schema, to)| {
                            schema.custom_stage(&pipeline_key(), &to).ok()
                        });
                        if let Some(stage) = stage {
                            // Inside its backbone stage, to the other stage: never refused.
                            let _ = o.move_stage(stage, Some(self.note.clone()), &ctx);
                        }
                        o.into()
                    }
                    // Edits, in every open stage: a revision, a revised proposal, an override,
                    // a hand-off.
                    AnyOpportunity::Discovery(mut o) if choice % 7 == 6 => {
                        let revision = Revision::new()
                            .name(self.interest.summary.clone())
                            .amount(self.proposal_amount)
                            .expected_close(today(&clock) + Days::new(self.decision_in_days))
                            .because(self.note.clone());
                        // An amount not above zero is refused, and the opportunity unchanged.
                        let _ = o.revise(revision, &ctx);
                        o.into()
                    }
                    AnyOpportunity::Proposal(mut o) if choice % 7 == 6 => {
                        if let Ok(p) =
                            SentProposal::new(o.name().clone(), self.proposal_amount, today(&clock))
                        {
                            // In the deal's currency and sent today: never refused.
                            let _ = o.revise_proposal(p, &ctx);
                        }
                        o.into()
                    }
                    AnyOpportunity::Negotiation(mut o) if choice % 7 == 6 => {
                        let percent = Probability::new(u32::from(choice) % 101).ok();
                        if let Some(p) = percent {
                            o.override_probability(p, Some(self.note.clone()), &ctx);
                        }
                        o.into()
                    }
                    AnyOpportunity::Contracting(mut o) if choice % 7 == 6 => {
                        o.reassign(owner(choice), None, &ctx);
                        o.into()
                    }
                    AnyOpportunity::Discovery(o) if choice % 5 == 0 => {
                        o.lose(self.loss.clone(), &ctx).into()
                    }
                    AnyOpportunity::Discovery(o) => match SentProposal::new(
                        o.name().clone(),
                        self.proposal_amount,
                        today(&clock),
                    ) {
                        Ok(p) => match o.propose(p, &ctx) {
                            Ok(proposed) => proposed.into(),
                            Err(refused) => refused.into_parts().0.into(),
                        },
                        Err(_) => o.into(),
                    },
                    AnyOpportunity::Proposal(o) if choice % 5 == 0 => {
                        o.lose(self.loss.clone(), &ctx).into()
                    }
                    AnyOpportunity::Proposal(o) => o.negotiate(self.note.clone(), &ctx).into(),
                    AnyOpportunity::Negotiation(o) if choice % 5 == 0 => {
                        o.lose(self.loss.clone(), &ctx).into()
                    }
                    AnyOpportunity::Negotiation(o) => o
                        .enter_contracting(self.terms.clone(), self.incumbent.clone(), &ctx)
                        .into(),
                    AnyOpportunity::Contracting(o) if choice % 5 == 0 => {
                        o.lose(self.loss.clone(), &ctx).into()
                    }
                    AnyOpportunity::Contracting(o) => {
                        let value = o.amount();
                        match SignedContract::new(
                            self.reference.clone(),
                            value,
                            today(&clock),
                            self.signer.clone(),
                        ) {
                            Ok(contract) => match o.win(contract, &ctx) {
                                Ok((won, new)) => {
                                    account = Some(new);
                                    won.into()
                                }
                                Err(refused) => refused.into_parts().0.into(),
                            },
                            Err(_) => o.into(),
                        }
                    }
                    AnyOpportunity::Lost(o) => o.reopen(self.note.clone(), &ctx).into(),
                    won @ AnyOpportunity::Won(_) => {
                        if let Some(account) = account.as_mut() {
                            account.reassign(owner(choice), Some(self.note.clone()), &ctx);
                        }
                        won
                    }
                };
                if o.stage() != before {
                    o = land(o, schema.as_ref());
                }
            }
            opportunity = Some(o);
        }
        Walked {
            contact,
            lead,
            opportunity,
            account,
        }
    }
}

/// The key of `pipeline_schema`'s pipeline.
fn pipeline_key() -> crate::fields::FieldKey {
    crate::fields::FieldKey::new("sales").unwrap_or_else(|e| unreachable!("{e}"))
}

/// `o` placed where a typed step into its stage lands it in `schema`'s pipeline (the facade's
/// landing), when there is a schema and the stage is open.
fn land(o: AnyOpportunity, schema: Option<&crate::fields::FieldSchema>) -> AnyOpportunity {
    let Some(schema) = schema else { return o };
    let Ok(Some(stage)) = schema.entry_stage(&pipeline_key(), o.stage()) else {
        return o;
    };
    match o {
        AnyOpportunity::Discovery(o) => o.land(stage).into(),
        AnyOpportunity::Proposal(o) => o.land(stage).into(),
        AnyOpportunity::Negotiation(o) => o.land(stage).into(),
        AnyOpportunity::Contracting(o) => o.land(stage).into(),
        closed => closed,
    }
}

/// A contact.
pub fn contact() -> impl Strategy<Value = Contact> {
    walk().prop_map(|w| w.run(false).contact)
}

/// A lead in any state, with a history of legal steps.
pub fn lead() -> impl Strategy<Value = AnyLead> {
    walk().prop_map(|w| w.run(true).lead)
}

/// An opportunity in any stage, with a history of legal steps.
pub fn opportunity() -> impl Strategy<Value = AnyOpportunity> {
    walk()
        .prop_map(|mut w| {
            // Qualify at the first chance: a touch, then qualification.
            w.choices.splice(0..0, [1, 3]);
            w.run(true).opportunity
        })
        .prop_filter_map("qualified", |o| o)
}

/// An account, from a won opportunity.
pub fn account() -> impl Strategy<Value = Account> {
    walk()
        .prop_map(|mut w| {
            // Touch, qualify, propose, negotiate, contract, win, and maybe a hand-off.
            w.choices.truncate(1);
            w.choices.splice(0..0, [1, 3, 1, 1, 1, 1]);
            w.run(true).account
        })
        .prop_filter_map("won", |a| a)
}

/// Any record: of any kind, one in four holding custom values ([`record_with_fields`]).
pub fn record() -> impl Strategy<Value = Record> {
    prop_oneof![
        3 => record_without_fields().boxed(),
        1 => record_with_fields().prop_map(|(_, record)| record).boxed(),
    ]
}

/// A record of any kind, with no custom value.
fn record_without_fields() -> impl Strategy<Value = Record> {
    prop_oneof![
        contact().prop_map(Record::Contact),
        lead().prop_map(Record::Lead),
        opportunity().prop_map(Record::Opportunity),
        account().prop_map(Record::Account),
        activity().prop_map(Record::Activity),
        task().prop_map(Record::Task),
        organization().prop_map(Record::Organization),
        schema_record().prop_map(Record::FieldSchema),
    ]
}

/// A clock reading for a clock that misbehaves: anywhere `chrono` can represent (its earliest
/// and latest instants included), or within an hour of 2026-03-02 09:00 UTC, where steps back
/// and equal instants are likely. For driving `testkit::walk_under_clock` and
/// `testkit::SteppingClock` (feature `testkit`).
pub fn clock_reading() -> impl Strategy<Value = DateTime<Utc>> {
    let base = ACTIVITY_LOGGED_AT;
    let (min, max) = (
        DateTime::<Utc>::MIN_UTC.timestamp(),
        DateTime::<Utc>::MAX_UTC.timestamp(),
    );
    prop_oneof![
        3 => (-3_600i64..3_600).prop_map(move |s| base + TimeDelta::seconds(s)),
        1 => Just(base),
        1 => (min..=max).prop_map(|s| {
            DateTime::<Utc>::from_timestamp(s, 0).unwrap_or(DateTime::UNIX_EPOCH)
        }),
        1 => prop_oneof![Just(DateTime::<Utc>::MIN_UTC), Just(DateTime::<Utc>::MAX_UTC)],
    ]
}
