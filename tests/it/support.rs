//! Fixtures: a fixed clock, deterministic ids, and valid evidence for every step.

use chrono::{Days, NaiveDate, TimeDelta, TimeZone, Utc};
use prospect::record::{Record, StateError};
use prospect::state::*;
use prospect::*;

/// A fixed clock and deterministic ids; `ctx()` acts as "alice".
pub struct Fixture {
    pub clock: FixedClock,
    pub ids: SequentialIds,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            clock: FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()),
            ids: SequentialIds::new(42),
        }
    }

    pub fn ctx(&self) -> Context<'_> {
        Context::new(&self.clock, &self.ids, user("alice"))
    }

    /// Moves the clock on by an hour, so that history entries have distinct times.
    pub fn tick(&self) {
        self.clock.advance(TimeDelta::hours(1));
    }

    pub fn today(&self) -> NaiveDate {
        self.ctx().today()
    }

    pub fn contact(&self) -> Contact {
        Contact::create(
            ContactDetails::new(
                Party::employee(
                    PersonName::new("Jeanne Martin").unwrap(),
                    JobTitle::new("Sales operations").unwrap(),
                    OrganizationName::new("Acme SA").unwrap(),
                ),
                LeadSource::Event,
            )
            .with_email(EmailAddress::new("jeanne.martin@acme.example").unwrap())
            .with_phone(PhoneNumber::new("+33 1 23 45 67 89").unwrap())
            .with_owner(user("bob")),
            &self.ctx(),
        )
    }

    pub fn lead(&self) -> Lead<New> {
        Lead::open(&self.contact(), interest(), &self.ctx())
    }

    pub fn working(&self) -> Lead<Working> {
        self.lead().log_touch(touch(), &self.ctx())
    }

    pub fn qualification(&self) -> Qualification {
        let q = self.qualification_deciding_in(90);
        Qualification::builder()
            .need(q.need().clone())
            .budget(q.budget())
            .timeline(q.timeline())
            .authority(Authority::new(PersonName::new("Paul Durand").unwrap()))
            .build()
    }

    /// A qualification assessed today, deciding in `days` days.
    pub fn qualification_deciding_in(&self, days: u64) -> Qualification {
        let today = self.today();
        Qualification::builder()
            .need(
                Need::new(
                    Summary::new("Replace the spreadsheets").unwrap(),
                    vec![Requirement::new("40 seats").unwrap()],
                )
                .unwrap(),
            )
            .budget(Budget::new(eur(30_000)).unwrap())
            .timeline(
                Timeline::new(today + Days::new(days), today, &HorizonPolicy::default()).unwrap(),
            )
            .build()
    }

    pub fn discovery(&self) -> (Lead<Converted>, Opportunity<Discovery>) {
        self.working()
            .qualify(self.qualification(), &self.ctx())
            .unwrap()
    }

    pub fn proposal(&self) -> SentProposal {
        SentProposal::new(
            Summary::new("40 seats, 3 years").unwrap(),
            eur(36_000),
            self.today(),
        )
        .unwrap()
    }

    pub fn contracting(&self) -> Opportunity<Contracting> {
        let ctx = self.ctx();
        self.discovery()
            .1
            .propose(self.proposal(), &ctx)
            .negotiate(note("Quarterly billing"), &ctx)
            .enter_contracting(
                PaymentTerms::new(30, 4).unwrap(),
                Incumbent::NoneInPlace,
                &ctx,
            )
    }

    pub fn contract(&self, major: i64) -> SignedContract {
        SignedContract::new(
            Reference::new("C-2026-001").unwrap(),
            eur(major),
            self.today(),
            PersonName::new("Paul Durand").unwrap(),
        )
        .unwrap()
    }
}

pub fn user(name: &str) -> User {
    User::new(name).unwrap()
}

pub fn eur(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::EUR)
}

pub fn note(text: &str) -> Note {
    Note::new(text).unwrap()
}

pub fn interest() -> Interest {
    Interest::new(
        Summary::new("A CRM for 40 sellers").unwrap(),
        BuyingRole::Influencer,
    )
}

pub fn touch() -> Touch {
    Touch::new(Channel::Call, Summary::new("Discovery call").unwrap())
}

pub fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

/// A typed value read back from a snapshot, as a store's reader gets it (typed values are
/// linear: not `Clone`, not `Deserialize`).
pub fn reread<T>(record: &Record) -> T
where
    T: TryFrom<Record, Error = StateError<Record>>,
{
    T::try_from(record.clone()).unwrap_or_else(|e| panic!("read back: {e}"))
}

/// Two copies of a typed value, as two readers of the same stored record get them.
pub fn two_copies<T>(value: T) -> (T, T)
where
    T: Into<Record> + TryFrom<Record, Error = StateError<Record>>,
{
    let record: Record = value.into();
    (reread(&record), reread(&record))
}

/// Whether what a closed record's state holds (a converted lead's opportunity, a disqualified
/// lead's reason, a won opportunity's contract and account, a lost one's reason) is its
/// history's last evidence; true for records in open states.
pub fn holds_its_last_evidence(record: &Record) -> bool {
    use prospect::record::{AnyLead, AnyOpportunity};
    match record {
        Record::Lead(AnyLead::Converted(l)) => matches!(
            l.history().last().map(|t| t.evidence()),
            Some(LeadEvidence::Converted { opportunity }) if *opportunity == l.opportunity()
        ),
        Record::Lead(AnyLead::Disqualified(l)) => matches!(
            l.history().last().map(|t| t.evidence()),
            Some(LeadEvidence::Disqualified(reason)) if reason == l.reason()
        ),
        Record::Opportunity(AnyOpportunity::Won(o)) => matches!(
            o.history().last().map(|t| t.evidence()),
            Some(OpportunityEvidence::Won { contract, account })
                if contract == o.contract() && *account == o.account()
        ),
        Record::Opportunity(AnyOpportunity::Lost(o)) => matches!(
            o.history().last().map(|t| t.evidence()),
            Some(OpportunityEvidence::Lost(reason)) if reason == o.reason()
        ),
        _ => true,
    }
}
