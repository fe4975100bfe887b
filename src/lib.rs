//! `prospect` puts a company's sales lifecycle into the type system:
//! **Contact → Lead → Opportunity → Account**.
//!
//! Each stage is its own type, and each step forward is a function that *consumes* the earlier
//! value and the *evidence* the step requires. A lead becomes an opportunity only by giving up a
//! [`Qualification`] (need, budget, timeline); an opportunity is won only with a
//! [`SignedContract`]; a step from the wrong state is not a method of that state's type. Mistakes
//! that a CRM catches at run time, if at all, are compile errors here.
//!
//! - [`Contact`]: a person or organization the business has met ([`Party`], a validated
//!   [`EmailAddress`] and [`PhoneNumber`], a [`LeadSource`]).
//! - [`Lead<S>`](Lead): a contact who could produce a sale, in one of the [`state`]s `New`,
//!   `Working`, `Nurturing`, `Converted`, `Disqualified`.
//! - [`Opportunity<S>`](Opportunity): a qualified lead actively pursued, in `Discovery`,
//!   `Proposal`, `Negotiation`, `Contracting`, `Won` or `Lost`.
//! - [`Account`]: a customer, made by winning an opportunity.
//!
//! Every step is recorded in the record's [`History`] (when, from, to, who, and the evidence),
//! with the time and new ids taken from the [`Context`] (an injectable [`Clock`] and
//! [`IdSource`]), so the crate never reads a clock or draws a random number behind the caller's
//! back. It does no I/O at all.
//!
//! # Where things are
//!
//! The crate root holds the lifecycle types, their evidence, the values they are made of, the
//! [`Context`] and the [`Crm`] facade. The rest is grouped:
//!
//! - [`state`]: the state markers (`state::Working`, ...), the traits that group them, and
//!   their run-time twins [`LeadStatus`](state::LeadStatus) and
//!   [`OpportunityStage`](state::OpportunityStage).
//! - [`record`]: records as stored, whose state is known only at run time
//!   ([`AnyLead`](record::AnyLead), [`AnyOpportunity`](record::AnyOpportunity),
//!   [`Record`](record::Record)); `TryFrom` turns them back into typed values, failing with a
//!   [`StateError`](record::StateError) that names the expected and the found state.
//!   Deserialisation validates: a stored record that breaks an invariant (a converted lead
//!   whose history does not say into which opportunity, a won opportunity without a contract,
//!   an email that does not parse) is refused with a [`RecordError`](record::RecordError).
//! - [`access`]: who may do what. The facades act for a principal and ask an
//!   [`AccessPolicy`](access::AccessPolicy) before every step and every read:
//!   [`RolePolicy`](access::RolePolicy) (the CRM conventions, least privilege by default),
//!   [`AllowAll`](access::AllowAll), or `prospect-cedar`'s Cedar policy.
//! - [`store`]: the storage contract, [`Store`](store::Store) and
//!   [`AsyncStore`](store::AsyncStore), and what they exchange.
//! - [`memory`]: [`MemoryStore`](memory::MemoryStore), the embedded default store.
//! - [`event`]: the typed [`Event`](event::Event)s every commit of the facade writes into the
//!   store's outbox, for other systems (read them with
//!   [`Store::read_events`](store::Store::read_events)).
//! - [`funnel`]: [`PipelineReport`](funnel::PipelineReport) and what it is made of.
//! - [`stale`]: stale work (deals idle in their stage, new leads without an answer), found by
//!   pure functions of the records, a policy and `now`.
//!
//! `use prospect::*;` brings in the root and puts [`Store`](store::Store) in scope without its
//! name, so that a store's methods resolve; import what the modules hold by path.
//!
//! # Example
//!
//! ```
//! use chrono::{Days, NaiveDate, TimeZone, Utc};
//! use prospect::*;
//!
//! // A fixed clock and deterministic ids make the example repeatable.
//! let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
//! let ids = SequentialIds::new(1);
//! let ctx = Context::new(&clock, &ids, User::new("alice")?);
//! let today = ctx.today();
//!
//! // An employee of a company shows interest at a trade show.
//! let contact = Contact::create(
//!     ContactDetails::new(
//!         Party::employee(
//!             PersonName::new("Jeanne Martin")?,
//!             JobTitle::new("Sales operations")?,
//!             OrganizationName::new("Acme SA")?,
//!         ),
//!         LeadSource::Event,
//!     )
//!     .with_email(EmailAddress::new("jeanne.martin@acme.example")?),
//!     &ctx,
//! );
//! let lead = Lead::open(
//!     &contact,
//!     Interest::new(Summary::new("A CRM for 40 sellers")?, BuyingRole::Influencer),
//!     &ctx,
//! );
//! let lead = lead.log_touch(Touch::new(Channel::Call, Summary::new("Discovery call")?), &ctx);
//!
//! // Qualifying consumes the lead and the evidence, and yields the opportunity.
//! let qualification = Qualification::builder()
//!     .need(Need::new(Summary::new("Replace spreadsheets")?, vec![Requirement::new("40 seats")?])?)
//!     .budget(Budget::new(Money::parse("30000", Currency::EUR)?)?)
//!     .timeline(Timeline::new(today + Days::new(90), today, &HorizonPolicy::default())?)
//!     .build();
//! let (lead, opportunity) = lead.qualify(qualification, &ctx)?;
//! assert_eq!(lead.opportunity(), opportunity.id());
//!
//! let opportunity = opportunity
//!     .propose(SentProposal::new(Summary::new("40 seats, 3 years")?, Money::parse("36000", Currency::EUR)?, today)?, &ctx)?
//!     .negotiate(Note::new("Asks for quarterly billing")?, &ctx)
//!     .enter_contracting(PaymentTerms::new(30, 4)?, Incumbent::NoneInPlace, &ctx);
//! assert_eq!(opportunity.probability().get(), 90);
//!
//! let contract = SignedContract::new(
//!     Reference::new("C-2026-001")?,
//!     Money::parse("36000", Currency::EUR)?,
//!     today,
//!     PersonName::new("Paul Durand")?,
//! )?;
//! let (won, account) = opportunity.win(contract, &ctx)?;
//! assert_eq!(account.won_value().get(Currency::EUR), Some(won.amount()));
//! assert_eq!(won.history().len(), 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Winning from an earlier stage does not compile:
//!
//! ```compile_fail
//! # use prospect::*;
//! # fn f(o: Opportunity<state::Negotiation>, c: SignedContract, ctx: &Context<'_>) {
//! let (won, account) = o.win(c, ctx); // no method `win` on Opportunity<Negotiation>
//! # }
//! ```
//!
//! # Storage and the funnel
//!
//! Persistence goes through two small traits, [`Store`](store::Store) and
//! [`AsyncStore`](store::AsyncStore): load a record with its [`Version`](store::Version), commit
//! an atomic [`Batch`](store::Batch) of create-only or update-at-version writes (a
//! [`Conflict`](store::Conflict) writes nothing), find contacts by email, list with
//! [`Cursor`](store::Cursor) pagination, scan. [`MemoryStore`](memory::MemoryStore) is the
//! embedded default; `prospect-sqlite` in the repository is a SQLite
//! adapter, and [`guide::writing_a_storage_adapter`] walks through it. [`Crm`] (and
//! [`AsyncCrm`]) run each step of the lifecycle as one commit, and [`Crm::erase_contact`]
//! erases a contact's personal data.
//!
//! [`PipelineReport`](funnel::PipelineReport) sees the funnel: counts, conversion and win rates, durations, pipeline
//! value per currency, breakdowns and reasons; from a store's scan or kept up to date one
//! transition at a time; as a table or an SVG.
//!
//! # Features
//!
//! - `testkit`: the conformance kit for storage adapters (`store_conformance!`,
//!   `async_store_conformance!`, `FaultyStore`, `check_consistency`, `Sample`).
//! - `proptest`: `strategies`, proptest strategies for every domain type.
//!
//! See `ARCHITECTURE.md` in the repository for where things are, `BENCHMARKS.md` for what it
//! costs, `SECURITY.md` for what it guarantees.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms, unreachable_pub)]

pub mod access;
mod account;
mod activity;
mod command;
mod contact;
mod context;
mod crm;
mod custom;
mod dates;
pub mod duplicates;
mod edit;
mod email;
mod error;
pub mod event;
pub mod fields;
mod forecast;
mod format;
pub mod funnel;
pub mod guide;
mod history;
mod id;
pub mod idempotency;
mod kind;
mod lead;
mod mark;
pub mod memory;
pub mod merge;
mod money;
mod opportunity;
mod organization;
mod phone;
mod qualification;
pub mod record;
mod relink;
pub mod stale;
pub mod state;
pub mod store;
#[cfg(feature = "proptest")]
pub mod strategies;
mod task;
#[cfg(feature = "testkit")]
pub mod testkit;
mod text;
mod version;
#[cfg(feature = "webhooks")]
pub mod webhook;

pub use account::{Account, Fold, Handoff, Win};
pub use activity::{Activity, ActivityDetails, ActivityKind, Regarding};
pub use command::{Cascade, Command, Executed, ExecutedOnce, OnDuplicate};
pub use contact::{
    Contact, ContactDetails, ContactErased, Erasure, LeadSource, OrganizationParty, Party, Person,
};
pub use context::{Clock, Context, FixedClock, SystemClock, Zones};
pub use crm::{
    AsyncCrm, ContactOutcome, Crm, CrmError, ErasureReport, HandedOver, MergeOutcome, NextSteps,
    OrganizationMergeOutcome, OrganizationOutcome, Qualified, WonAccount,
};
pub use dates::{DatePolicy, HorizonPolicy};
pub use edit::{Change, Correction, Reassignment};
pub use email::EmailAddress;
pub use error::{Field, ValidationError};
pub use forecast::{ForecastCategory, Probability};
pub use history::{History, HistoryIter, Transition};
pub use id::{
    AccountId, ActivityId, ContactId, FieldSchemaId, IdSource, LeadId, OpportunityId,
    OrganizationId, RandomIds, SequentialIds, TaskId,
};
pub use lead::{
    BuyingRole, Channel, DisqualifyCategory, DisqualifyReason, Interest, Lead, LeadEvidence,
    LeadTransition, QualifyError, Touch,
};
pub use money::{Currency, Money, MoneyError, MoneyTotals};
pub use opportunity::{
    ForecastOverride, Incumbent, LossCategory, LossReason, Opportunity, OpportunityEvidence,
    OpportunityTransition, PaymentTerms, Revised, Revision, SentProposal, SignedContract,
    StepCause, StepError, WinError,
};
pub use organization::{Country, Domain, Organization, OrganizationDetails, SizeBand};
pub use phone::PhoneNumber;
pub use qualification::{
    Authority, Budget, Need, Qualification, QualificationBuilder, Timeline, Unset,
};
pub use task::{Closing, Due, Task, TaskClosed, TaskDetails, TaskStatus};
pub use text::{
    ERASED_TEXT, Industry, JobTitle, Note, OrganizationName, PersonName, Reference, Requirement,
    Summary, User,
};
/// The `uuid` crate, whose [`Uuid`](uuid::Uuid) the ids wrap and [`store`] signatures use.
pub use uuid;

/// [`Store`](store::Store) in scope without its name, so that after `use prospect::*;` a
/// store's methods (`store.load(..)`) resolve. [`AsyncStore`](store::AsyncStore) has methods of
/// the same names: import it by name where it is wanted, and call the one meant as
/// `AsyncStore::load(&store, ..)` when both are in scope.
pub use store::Store as _;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
