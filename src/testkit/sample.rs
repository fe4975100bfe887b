//! [`Sample`]: valid records and evidence, deterministically.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{Days, NaiveDate, TimeDelta, TimeZone, Utc};

use crate::account::Account;
use crate::contact::{Contact, ContactDetails, LeadSource, Party};
use crate::context::{Clock, Context, FixedClock};
use crate::crm::{AsyncCrm, Crm};
use crate::dates::HorizonPolicy;
use crate::email::EmailAddress;
use crate::id::SequentialIds;
use crate::lead::{
    BuyingRole, Channel, Converted, DisqualifyCategory, DisqualifyReason, Interest, Lead, New,
    Touch, Working,
};
use crate::money::{Currency, Money};
use crate::opportunity::{
    Contracting, Discovery, Incumbent, LossCategory, LossReason, Opportunity, PaymentTerms,
    Proposal, SentProposal, SignedContract, Won,
};
use crate::qualification::{Budget, Need, Qualification, Timeline};
use crate::record::Record;
use crate::text::{
    JobTitle, Note, OrganizationName, PersonName, Reference, Requirement, Summary, User,
};

/// Valid records and evidence from a fixed clock (starting 2026-03-02 09:00 UTC) and
/// deterministic ids: the same seed gives the same values. Shareable between threads.
///
/// Its constructors of fixed values cannot fail; they `expect` so, as test support may.
#[derive(Debug, Clone)]
pub struct Sample {
    clock: Arc<FixedClock>,
    ids: Arc<SequentialIds>,
    actor: User,
    next: Arc<AtomicU64>,
}

fn text<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().expect("sample text is valid")
}

impl Sample {
    /// A sample whose ids derive from `seed`.
    pub fn new(seed: u32) -> Sample {
        let start = Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("a valid date");
        Sample {
            clock: Arc::new(FixedClock::new(start)),
            ids: Arc::new(SequentialIds::new(seed)),
            actor: text("sample"),
            next: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A context with the sample's clock and ids, acting as `"sample"`.
    pub fn ctx(&self) -> Context<'_> {
        Context::new(&*self.clock, &*self.ids, self.actor.clone())
    }

    /// The acting user, `"sample"`.
    pub fn actor(&self) -> &User {
        &self.actor
    }

    /// A facade over `store` with the sample's clock and ids.
    pub fn crm<S>(&self, store: S) -> Crm<S> {
        Crm::with_clock_and_ids(
            store,
            crate::access::AllowAll,
            self.clock.clone(),
            self.ids.clone(),
        )
    }

    /// An async facade over `store` with the sample's clock and ids.
    pub fn async_crm<S>(&self, store: S) -> AsyncCrm<S> {
        AsyncCrm::with_clock_and_ids(
            store,
            crate::access::AllowAll,
            self.clock.clone(),
            self.ids.clone(),
        )
    }

    /// Applies `changes` to the field schema `crm` stores, one after another from its version
    /// now, as the sample's actor: the schema's version after the last. Panics (as a test does)
    /// when one is refused.
    ///
    /// ```
    /// use prospect::fields::{FieldDefinition, FieldKey, FieldType, SchemaChange};
    /// use prospect::{memory::MemoryStore, record::RecordKind, testkit::Sample};
    /// let sample = Sample::new(1);
    /// let crm = sample.crm(MemoryStore::new());
    /// let field = FieldDefinition::new(FieldKey::new("vip")?, "VIP", FieldType::Boolean);
    /// let version = sample.schema(&crm, [SchemaChange::AddField { kind: RecordKind::Contact, field }]);
    /// assert_eq!(version.get(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[track_caller]
    pub fn schema<S: crate::store::Store>(
        &self,
        crm: &Crm<S>,
        changes: impl IntoIterator<Item = crate::fields::SchemaChange>,
    ) -> crate::fields::SchemaVersion {
        let mut version = match crm.field_schema(&self.actor) {
            Ok(schema) => schema.version(),
            Err(e) => panic!("the field schema cannot be read: {e}"),
        };
        for change in changes {
            version = match crm.change_field_schema(version, change, &self.actor) {
                Ok(schema) => schema.version(),
                Err(e) => panic!("a schema change refused: {e}"),
            };
        }
        version
    }

    /// The sample's clock, to move it on or set it.
    pub fn clock(&self) -> &FixedClock {
        &self.clock
    }

    /// Moves the clock on by an hour.
    pub fn tick(&self) {
        self.clock.advance(TimeDelta::hours(1));
    }

    /// Today, by the sample's clock.
    pub fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    /// The details of a new person at a new address (`person-N@example.com`), owned by `"ana"`
    /// or `"ben"` in turn.
    pub fn contact_details(&self) -> ContactDetails {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let owner = if n % 2 == 0 { "ana" } else { "ben" };
        ContactDetails::new(
            Party::employee(
                text(&format!("Person {n}")),
                text::<JobTitle>("Buyer"),
                text::<OrganizationName>(&format!("Company {}", n / 3)),
            ),
            LeadSource::ALL[(n % LeadSource::ALL.len() as u64) as usize],
        )
        .with_email(self.email(&format!("person-{n}@example.com")))
        .with_owner(text(owner))
    }

    /// A new contact with [`contact_details`](Sample::contact_details).
    pub fn contact(&self) -> Contact {
        Contact::create(self.contact_details(), &self.ctx())
    }

    /// `address`, validated.
    pub fn email(&self, address: &str) -> EmailAddress {
        text(address)
    }

    /// `note`, validated.
    pub fn note(&self, note: &str) -> Note {
        text(note)
    }

    /// `summary`, validated.
    pub fn summary(&self, summary: &str) -> Summary {
        text(summary)
    }

    /// An interest: "A CRM for the sales team", from an influencer.
    pub fn interest(&self) -> Interest {
        Interest::new(text("A CRM for the sales team"), BuyingRole::Influencer)
    }

    /// A touch: a discovery call.
    pub fn touch(&self) -> Touch {
        Touch::new(Channel::Call, text("Discovery call"))
    }

    /// A qualification: 30,000 EUR, a decision in 90 days.
    pub fn qualification(&self) -> Qualification {
        self.qualification_deciding_in(90)
    }

    /// A qualification assessed today: a budget of 30,000 in `currency` (a deal's currency: its
    /// proposals and contract must be in it), a decision in 90 days.
    pub fn qualification_in(&self, currency: Currency) -> Qualification {
        self.qualification_with(
            Money::from_minor(
                30_000 * 10i64.pow(u32::from(currency.minor_digits())),
                currency,
            ),
            90,
        )
    }

    /// A qualification assessed today: 30,000 EUR, a decision in `days` days (at most the
    /// default horizon).
    pub fn qualification_deciding_in(&self, days: u64) -> Qualification {
        self.qualification_with(self.eur(30_000), days)
    }

    fn qualification_with(&self, budget: Money, days: u64) -> Qualification {
        let today = self.today();
        Qualification::builder()
            .need(
                Need::new(
                    text("Replace spreadsheets"),
                    vec![text::<Requirement>("40 seats")],
                )
                .expect("one requirement"),
            )
            .budget(Budget::new(budget).expect("positive"))
            .timeline(
                Timeline::new(today + Days::new(days), today, &HorizonPolicy::default())
                    .expect("within the horizon"),
            )
            .build()
    }

    /// A proposal of 36,000 EUR.
    pub fn proposal(&self) -> SentProposal {
        SentProposal::new(
            text::<Summary>("40 seats, 3 years"),
            self.eur(36_000),
            self.today(),
        )
        .expect("positive")
    }

    /// Net 30 days, in 4 installments.
    pub fn terms(&self) -> PaymentTerms {
        PaymentTerms::new(30, 4).expect("in range")
    }

    /// No incumbent supplier.
    pub fn incumbent(&self) -> Incumbent {
        Incumbent::NoneInPlace
    }

    /// A contract of `major` EUR (at least 1).
    pub fn contract(&self, major: i64) -> SignedContract {
        SignedContract::new(
            text::<Reference>("C-1"),
            self.eur(major.max(1)),
            self.today(),
            text::<PersonName>("Paul Durand"),
        )
        .expect("positive")
    }

    /// A loss reason: the price, without detail.
    pub fn loss(&self) -> LossReason {
        LossReason::new(LossCategory::Price)
    }

    /// A disqualification reason: no budget, without detail.
    pub fn disqualification(&self) -> DisqualifyReason {
        DisqualifyReason::new(DisqualifyCategory::NoBudget)
    }

    /// `major` euros.
    pub fn eur(&self, major: i64) -> Money {
        Money::from_minor(major.saturating_mul(100), Currency::EUR)
    }

    /// A new lead of a new contact.
    pub fn lead(&self) -> Lead<New> {
        Lead::open(&self.contact(), self.interest(), &self.ctx())
    }

    /// A new lead, touched.
    pub fn working(&self) -> Lead<Working> {
        self.lead().log_touch(self.touch(), &self.ctx())
    }

    /// A new lead, touched and qualified: the converted lead and its opportunity.
    pub fn discovery(&self) -> (Lead<Converted>, Opportunity<Discovery>) {
        self.working()
            .qualify(self.qualification(), &self.ctx())
            .expect("the sample's timeline is ahead")
    }

    /// A new opportunity with the sample's proposal.
    pub fn proposed(&self) -> Opportunity<Proposal> {
        self.discovery()
            .1
            .propose(self.proposal(), &self.ctx())
            .expect("the sample's proposal is in the deal's currency, sent today")
    }

    /// A new opportunity, proposed, negotiated and in contracting.
    pub fn contracting(&self) -> Opportunity<Contracting> {
        let ctx = self.ctx();
        self.proposed()
            .negotiate(self.note("terms"), &ctx)
            .enter_contracting(self.terms(), self.incumbent(), &ctx)
    }

    /// A new opportunity, won with a contract of `major` EUR into a new account.
    pub fn won(&self, major: i64) -> (Opportunity<Won>, Account) {
        self.contracting()
            .win(self.contract(major), &self.ctx())
            .expect("the sample's contract is in the deal's currency, signed today")
    }

    /// One record of every kind in every state (13 records: a contact, a lead in each of 5
    /// states, an opportunity in each of 6 stages, an account), all distinct.
    pub fn every_state(&self) -> Vec<Record> {
        let ctx = self.ctx();
        let lead = || self.lead();
        let working = || self.working();
        let discovery = || self.discovery();
        let (converted, in_discovery) = discovery();
        let (won, account) = self.won(35_000);
        vec![
            self.contact().into(),
            lead().into(),
            working().into(),
            working().nurture(self.note("later"), &ctx).into(),
            converted.into(),
            lead().disqualify(self.disqualification(), &ctx).into(),
            in_discovery.into(),
            self.proposed().into(),
            self.proposed().negotiate(self.note("price"), &ctx).into(),
            self.contracting().into(),
            won.into(),
            discovery().1.lose(self.loss(), &ctx).into(),
            account.into(),
        ]
    }
}
