//! The baselines that `prospect` is measured against, in the same process: shared by the
//! benches (`#[path]`) and `examples/scale.rs`.
//!
//! - **floor**: plain records with no validation, history or evidence, *moved* into a pre-sized
//!   `HashMap` keyed by id at every save: about the least an in-memory store can do.
//! - **naive**: what a hand-rolled store of *these* records does (module `naive`): the same
//!   records with their histories and evidence, as plain structs of owned `String`s and `Vec`s,
//!   deep-copied into a `HashMap` at every save and out of it at every read, with an index of
//!   contacts by email.
//! - **enum** and **string**: the lifecycle of a lead and an opportunity with the state in a
//!   run-time field (an `enum`, or a `String` as many CRMs store it), the same data, history and
//!   evidence as `prospect`'s typed values, and the same transition checks done at run time.

#![allow(dead_code)]

use std::collections::HashMap;

use prospect::{
    Context, Incumbent, LeadEvidence, OpportunityEvidence, PaymentTerms, Qualification,
    SentProposal, SignedContract, Touch, User, state::LeadStatus, state::OpportunityStage,
};
use uuid::Uuid;

/// `prospect`'s lifecycle, as measured.
pub mod ours {
    use std::hint::black_box;

    use chrono::Days;
    use prospect::memory::MemoryStore;
    use prospect::*;

    use super::Input;

    /// The evidence every lifecycle uses, made once: validated values are cheap to clone. The
    /// qualification and the contract are linear (not `Clone`): each lifecycle builds its own
    /// from parts made once.
    pub struct Evidence {
        pub touch: Touch,
        need: Need,
        budget: Budget,
        timeline: Timeline,
        pub proposal: SentProposal,
        pub note: Note,
        pub terms: PaymentTerms,
        contract_reference: Reference,
        contract_value: Money,
        signed_on: chrono::NaiveDate,
        signed_by: PersonName,
        pub job_title: JobTitle,
        pub organization: OrganizationName,
    }

    impl Evidence {
        pub fn new(today: chrono::NaiveDate) -> Result<Evidence, Box<dyn std::error::Error>> {
            let eur = |major: i64| Money::from_minor(major * 100, Currency::EUR);
            Ok(Evidence {
                touch: Touch::new(Channel::Call, Summary::new("Discovery call")?),
                need: Need::new(
                    Summary::new("Replace spreadsheets")?,
                    vec![Requirement::new("40 seats")?],
                )?,
                budget: Budget::new(eur(30_000))?,
                timeline: Timeline::new(today + Days::new(90), today, &HorizonPolicy::default())?,
                proposal: SentProposal::new(
                    Summary::new("40 seats, 3 years")?,
                    eur(36_000),
                    today,
                )?,
                note: Note::new("Quarterly billing")?,
                terms: PaymentTerms::new(30, 4)?,
                contract_reference: Reference::new("C-1")?,
                contract_value: eur(35_000),
                signed_on: today,
                signed_by: PersonName::new("Paul Durand")?,
                job_title: JobTitle::new("Head of Sales")?,
                organization: OrganizationName::new("Acme SA")?,
            })
        }

        /// A qualification of its own for one lifecycle.
        pub fn qualification(&self) -> Qualification {
            Qualification::builder()
                .need(self.need.clone())
                .budget(self.budget)
                .timeline(self.timeline)
                .build()
        }

        /// A signed contract of its own for one lifecycle.
        pub fn contract(&self) -> SignedContract {
            SignedContract::new(
                self.contract_reference.clone(),
                self.contract_value,
                self.signed_on,
                self.signed_by.clone(),
            )
            .expect("the value is positive")
        }
    }

    impl Evidence {
        /// The contact and the interest of a lifecycle, from its raw input.
        pub fn contact_and_interest(
            &self,
            me: &User,
            input: &Input,
        ) -> Result<(ContactDetails, Interest), Box<dyn std::error::Error>> {
            let person = PersonName::new(&input.name)?;
            let party = Party::employee(person, self.job_title.clone(), self.organization.clone());
            let details = ContactDetails::new(party, LeadSource::Web)
                .with_email(EmailAddress::new(&input.email)?)
                .with_owner(me.clone());
            let interest = Interest::new(Summary::new(&input.interest)?, BuyingRole::Influencer);
            Ok((details, interest))
        }
    }

    /// One lifecycle through the facade.
    pub fn lifecycle(
        crm: &Crm<MemoryStore>,
        me: &User,
        e: &Evidence,
        input: Input,
    ) -> Result<(), Box<dyn std::error::Error>> {
        lifecycle_on(crm, me, e, input)
    }

    /// [`lifecycle`] through a facade over any store.
    pub fn lifecycle_on<S: store::Store>(
        crm: &Crm<S>,
        me: &User,
        e: &Evidence,
        input: Input,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let (details, interest) = e.contact_and_interest(me, &input)?;
        let contact = crm
            .create_contact(details, OnDuplicate::Refuse, me)?
            .into_contact();
        let lead = crm.open_lead(&contact, interest, me)?;
        let lead = crm.log_touch(lead, e.touch.clone(), me)?;
        let Qualified { opportunity, .. } = crm.qualify(lead, e.qualification(), me)?;
        let opportunity = crm.propose(opportunity, e.proposal.clone(), me)?;
        let opportunity = crm.negotiate(opportunity, e.note.clone(), me)?;
        let opportunity =
            crm.enter_contracting(opportunity, e.terms.clone(), Incumbent::NoneInPlace, me)?;
        let WonAccount {
            opportunity: won,
            account,
        } = crm.win(opportunity, e.contract(), me)?;
        black_box((won, account));
        Ok(())
    }
}

/// [`ours::lifecycle`] with ten custom fields on each of its four records (contact, lead,
/// opportunity, account), given with the step that creates each.
pub mod with_fields {
    use std::hint::black_box;

    use prospect::fields::{
        FieldDefinition, FieldKey, FieldType, FieldValue, FieldValues, PicklistOption,
        SchemaChange, SchemaVersion, WithFields,
    };
    use prospect::memory::MemoryStore;
    use prospect::record::{RecordId, RecordKind};
    use prospect::*;

    use super::Input;
    use super::ours::Evidence;

    /// The kinds that get fields.
    const KINDS: [RecordKind; 4] = [
        RecordKind::Contact,
        RecordKind::Lead,
        RecordKind::Opportunity,
        RecordKind::Account,
    ];

    /// Ten fields of every type (money on opportunities only, in their currency) and the
    /// values written.
    fn fields(
        kind: RecordKind,
    ) -> Result<Vec<(FieldDefinition, FieldValue)>, Box<dyn std::error::Error>> {
        let key = |k: &str| FieldKey::new(k);
        let options = vec![
            PicklistOption::new(key("new_business")?, "New business"),
            PicklistOption::new(key("renewal")?, "Renewal"),
            PicklistOption::new(key("upsell")?, "Upsell"),
        ];
        let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).ok_or("no such day")?;
        let mut fields = vec![
            (
                FieldDefinition::new(
                    key("segment")?,
                    "Segment",
                    FieldType::Picklist {
                        options: options.clone(),
                    },
                ),
                FieldValue::Picklist(key("renewal")?),
            ),
            (
                FieldDefinition::new(
                    key("channels")?,
                    "Channels",
                    FieldType::MultiPicklist { options },
                ),
                FieldValue::MultiPicklist([key("new_business")?, key("upsell")?].into()),
            ),
            (
                FieldDefinition::new(
                    key("seats")?,
                    "Seats",
                    FieldType::Integer {
                        min: 1,
                        max: 100_000,
                    },
                ),
                FieldValue::Integer(40),
            ),
            (
                FieldDefinition::new(
                    key("discount")?,
                    "Discount",
                    FieldType::Decimal {
                        places: 2,
                        min: 0,
                        max: 10_000,
                    },
                ),
                FieldValue::Decimal {
                    units: 1250,
                    places: 2,
                },
            ),
            (
                FieldDefinition::new(key("go_live")?, "Go-live", FieldType::Date),
                FieldValue::Date(day),
            ),
            (
                FieldDefinition::new(key("pilot")?, "Pilot", FieldType::Boolean),
                FieldValue::Boolean(true),
            ),
            (
                FieldDefinition::new(key("region")?, "Region", FieldType::Text { max_chars: 40 }),
                FieldValue::Text("EMEA".into()),
            ),
            (
                FieldDefinition::new(
                    key("partner")?,
                    "Partner",
                    FieldType::Reference {
                        kind: RecordKind::Organization,
                    },
                ),
                FieldValue::Reference(RecordId::from_parts(
                    RecordKind::Organization,
                    uuid::Uuid::from_u128(7),
                )),
            ),
            (
                FieldDefinition::new(
                    key("nickname")?,
                    "Nickname",
                    FieldType::Text { max_chars: 40 },
                )
                .personal(),
                FieldValue::Text("Ada".into()),
            ),
        ];
        fields.push(match kind {
            RecordKind::Opportunity => (
                FieldDefinition::new(key("setup_fee")?, "Set-up fee", FieldType::Money),
                FieldValue::Money(Money::from_minor(150_000, Currency::EUR)),
            ),
            _ => (
                FieldDefinition::new(
                    key("score")?,
                    "Score",
                    FieldType::Integer { min: 0, max: 100 },
                ),
                FieldValue::Integer(77),
            ),
        });
        Ok(fields)
    }

    /// The values each kind is created with, in [`KINDS`]'s order.
    pub struct Values([FieldValues; 4]);

    impl Values {
        /// A copy of every kind's values (what a lifecycle clones).
        pub fn clone_all(&self) -> [FieldValues; 4] {
            self.0.clone()
        }
    }

    /// Stores the schema on `crm` (forty fields), and gives the values.
    pub fn schema<S: store::Store>(
        crm: &Crm<S>,
        me: &User,
    ) -> Result<Values, Box<dyn std::error::Error>> {
        let mut version = SchemaVersion::EMPTY;
        let mut all = Vec::new();
        for kind in KINDS {
            let mut values = FieldValues::new();
            for (field, value) in fields(kind)? {
                values.set(field.key().clone(), value);
                let change = SchemaChange::AddField { kind, field };
                version = crm.change_field_schema(version, change, me)?.version();
            }
            all.push(values);
        }
        let all: [FieldValues; 4] = all.try_into().map_err(|_| "four kinds")?;
        Ok(Values(all))
    }

    /// The lifecycle, each record created with its ten values by the step that makes it (the
    /// caller's copy of `values` made in the lifecycle, as an application builds its input).
    pub fn lifecycle(
        crm: &Crm<MemoryStore>,
        me: &User,
        e: &Evidence,
        values: &Values,
        input: Input,
    ) -> Result<(), Box<dyn std::error::Error>> {
        lifecycle_given(crm, me, e, values.clone_all(), input)
    }

    /// [`lifecycle`] with the values given, made before: what the crate's own work costs,
    /// apart from the caller's making of its input.
    pub fn lifecycle_given(
        crm: &Crm<MemoryStore>,
        me: &User,
        e: &Evidence,
        values: [FieldValues; 4],
        input: Input,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let [
            contact_values,
            lead_values,
            opportunity_values,
            account_values,
        ] = values;
        let (details, interest) = e.contact_and_interest(me, &input)?;
        let contact = crm
            .create_contact(
                WithFields::new(details, contact_values),
                OnDuplicate::Refuse,
                me,
            )?
            .into_contact();
        let lead = crm.open_lead(&contact, WithFields::new(interest, lead_values), me)?;
        let lead = crm.log_touch(lead, e.touch.clone(), me)?;
        let qualification = WithFields::new(e.qualification(), opportunity_values);
        let Qualified { opportunity, .. } = crm.qualify(lead, qualification, me)?;
        let opportunity = crm.propose(opportunity, e.proposal.clone(), me)?;
        let opportunity = crm.negotiate(opportunity, e.note.clone(), me)?;
        let opportunity =
            crm.enter_contracting(opportunity, e.terms.clone(), Incumbent::NoneInPlace, me)?;
        let contract = WithFields::new(e.contract(), account_values);
        let WonAccount {
            opportunity: won,
            account,
        } = crm.win(opportunity, contract, me)?;
        black_box((won, account));
        Ok(())
    }
}

/// [`ours::lifecycle`] through the async facade: the same steps, awaited.
pub mod ours_async {
    use super::ours::Evidence;
    use super::*;
    use prospect::memory::MemoryStore;
    use prospect::*;

    pub async fn lifecycle(
        crm: &AsyncCrm<MemoryStore>,
        me: &User,
        e: &Evidence,
        input: Input,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let (details, interest) = e.contact_and_interest(me, &input)?;
        let contact = crm
            .create_contact(details, OnDuplicate::Refuse, me)
            .await?
            .into_contact();
        let lead = crm.open_lead(&contact, interest, me).await?;
        let lead = crm.log_touch(lead, e.touch.clone(), me).await?;
        let Qualified { opportunity, .. } = crm.qualify(lead, e.qualification(), me).await?;
        let opportunity = crm.propose(opportunity, e.proposal.clone(), me).await?;
        let opportunity = crm.negotiate(opportunity, e.note.clone(), me).await?;
        let opportunity = crm
            .enter_contracting(opportunity, e.terms.clone(), Incumbent::NoneInPlace, me)
            .await?;
        let WonAccount {
            opportunity: won,
            account,
        } = crm.win(opportunity, e.contract(), me).await?;
        std::hint::black_box((won, account));
        Ok(())
    }

    /// Polls `future` to its end in place: `MemoryStore`'s futures are ready at once.
    pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(done) = future.as_mut().poll(&mut cx) {
                return done;
            }
        }
    }
}

/// The raw input of one lifecycle: what a form or an import would hand over.
pub struct Input {
    pub name: String,
    pub email: String,
    pub interest: String,
    pub amount_minor: i64,
}

impl Input {
    pub fn nth(i: u64) -> Input {
        Input {
            name: format!("Person {i}"),
            email: format!("person.{i}@company{}.example", i / 3),
            interest: "A CRM for the sales team".to_string(),
            amount_minor: 1_000_000 + (i % 1000) as i64 * 100,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PlainStage {
    New,
    Working,
    Converted,
    Discovery,
    Proposal,
    Negotiation,
    Contracting,
    Won,
}

#[derive(Clone, Debug)]
pub struct PlainContact {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub owner: String,
}

#[derive(Clone, Debug)]
pub struct PlainLead {
    pub id: Uuid,
    pub contact: Uuid,
    pub stage: PlainStage,
    pub interest: String,
    pub owner: String,
    pub opportunity: Option<Uuid>,
}

#[derive(Clone, Debug)]
pub struct PlainOpportunity {
    pub id: Uuid,
    pub lead: Uuid,
    pub contact: Uuid,
    pub stage: PlainStage,
    pub amount_minor: i64,
    pub currency: [u8; 3],
    pub probability: u8,
    pub owner: String,
}

#[derive(Clone, Debug)]
pub struct PlainAccount {
    pub id: Uuid,
    pub contact: Uuid,
    pub won_minor: i64,
}

#[derive(Clone, Debug)]
pub enum Plain {
    Contact(PlainContact),
    Lead(PlainLead),
    Opportunity(PlainOpportunity),
    Account(PlainAccount),
}

/// A source of ids as cheap as `prospect`'s deterministic one.
pub struct Ids(u128);

impl Ids {
    pub fn new() -> Ids {
        Ids(1)
    }

    pub fn next(&mut self) -> Uuid {
        self.0 += 1;
        Uuid::from_u128(self.0)
    }
}

/// The floor: records are moved in, and moved out to be changed.
pub struct Floor(pub HashMap<Uuid, Plain>);

impl Floor {
    fn save(&mut self, id: Uuid, record: Plain) {
        self.0.insert(id, record);
    }
    fn take(&mut self, id: Uuid) -> Plain {
        self.0.remove(&id).expect("saved before")
    }
}

fn step(repo: &mut Floor, id: Uuid, change: impl FnOnce(&mut Plain)) {
    let mut record = repo.take(id);
    change(&mut record);
    repo.save(id, record);
}

fn set_stage(stage: PlainStage, probability: u8) -> impl FnOnce(&mut Plain) {
    move |r| {
        if let Plain::Opportunity(o) = r {
            o.stage = stage;
            o.probability = probability;
        }
    }
}

/// One lifecycle on plain records: contact, lead, touch, qualify, proposal, negotiation,
/// contracting, win, account; every step saved.
pub fn plain_lifecycle(repo: &mut Floor, ids: &mut Ids, input: Input) {
    let (contact, lead, opportunity, account) = (ids.next(), ids.next(), ids.next(), ids.next());
    let owner = "claire".to_string();
    repo.save(
        contact,
        Plain::Contact(PlainContact {
            id: contact,
            name: input.name,
            email: input.email,
            owner: owner.clone(),
        }),
    );
    repo.save(
        lead,
        Plain::Lead(PlainLead {
            id: lead,
            contact,
            stage: PlainStage::New,
            interest: input.interest,
            owner: owner.clone(),
            opportunity: None,
        }),
    );
    step(repo, lead, |r| {
        if let Plain::Lead(l) = r {
            l.stage = PlainStage::Working;
        }
    });
    step(repo, lead, |r| {
        if let Plain::Lead(l) = r {
            l.stage = PlainStage::Converted;
            l.opportunity = Some(opportunity);
        }
    });
    repo.save(
        opportunity,
        Plain::Opportunity(PlainOpportunity {
            id: opportunity,
            lead,
            contact,
            stage: PlainStage::Discovery,
            amount_minor: input.amount_minor,
            currency: *b"EUR",
            probability: 20,
            owner,
        }),
    );
    step(repo, opportunity, set_stage(PlainStage::Proposal, 50));
    step(repo, opportunity, set_stage(PlainStage::Negotiation, 75));
    step(repo, opportunity, set_stage(PlainStage::Contracting, 90));
    step(repo, opportunity, set_stage(PlainStage::Won, 100));
    repo.save(
        account,
        Plain::Account(PlainAccount {
            id: account,
            contact,
            won_minor: input.amount_minor,
        }),
    );
}

pub mod naive;

/// One history entry of the run-time models: when, from, to, who, evidence.
pub type Entry<S, E> = (chrono::DateTime<chrono::Utc>, Option<S>, S, User, E);

/// A lead and its opportunity with the state in a run-time field: the same data, history and
/// evidence as the typed values, and the same checks, at run time.
#[derive(Debug)]
pub struct DynRecord<S> {
    pub status: S,
    pub data: DynData,
    pub lead_history: Vec<Entry<LeadStatus, LeadEvidence>>,
    pub opportunity_history: Vec<Entry<OpportunityStage, OpportunityEvidence>>,
}

#[derive(Debug)]
pub struct DynData {
    pub id: Uuid,
    pub contact: Uuid,
    pub interest: String,
    pub owner: Option<User>,
    pub qualification: Option<Qualification>,
    pub amount_minor: i64,
    pub probability: u8,
}

/// A step the run-time model refuses: from a state it does not take, or with a value the rules
/// refuse (the same rules as `prospect`'s typed steps: dates in their windows, one currency per
/// deal).
#[derive(Debug)]
pub struct Refused;

/// The checks of the typed steps, as an application that keeps its state in a field writes them
/// by hand: today from the context, windows in calendar days.
fn in_window(
    date: chrono::NaiveDate,
    earliest: chrono::NaiveDate,
    latest: chrono::NaiveDate,
) -> Result<(), Refused> {
    if (earliest..=latest).contains(&date) {
        Ok(())
    } else {
        Err(Refused)
    }
}

fn days(n: u32) -> chrono::Days {
    chrono::Days::new(u64::from(n))
}

/// What a run-time state field needs: to say which state it is, and to become another.
pub trait RuntimeState: Clone {
    fn lead(s: LeadStatus) -> Self;
    fn opportunity(s: OpportunityStage) -> Self;
    fn is_lead(&self, s: LeadStatus) -> bool;
    fn is_opportunity(&self, s: OpportunityStage) -> bool;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumState {
    Lead(LeadStatus),
    Opportunity(OpportunityStage),
}

impl RuntimeState for EnumState {
    fn lead(s: LeadStatus) -> Self {
        EnumState::Lead(s)
    }
    fn opportunity(s: OpportunityStage) -> Self {
        EnumState::Opportunity(s)
    }
    fn is_lead(&self, s: LeadStatus) -> bool {
        *self == EnumState::Lead(s)
    }
    fn is_opportunity(&self, s: OpportunityStage) -> bool {
        *self == EnumState::Opportunity(s)
    }
}

/// The state as text, as many CRMs store it: `"lead/working"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringState(pub String);

impl RuntimeState for StringState {
    fn lead(s: LeadStatus) -> Self {
        StringState(format!("lead/{s}"))
    }
    fn opportunity(s: OpportunityStage) -> Self {
        StringState(format!("opportunity/{s}"))
    }
    fn is_lead(&self, s: LeadStatus) -> bool {
        self.0.strip_prefix("lead/") == Some(s.as_str())
    }
    fn is_opportunity(&self, s: OpportunityStage) -> bool {
        self.0.strip_prefix("opportunity/") == Some(s.as_str())
    }
}

impl<S: RuntimeState> DynRecord<S> {
    pub fn open(id: Uuid, contact: Uuid, interest: String, ctx: &Context<'_>) -> DynRecord<S> {
        let mut lead_history = Vec::with_capacity(4);
        lead_history.push((
            ctx.now(),
            None,
            LeadStatus::New,
            ctx.actor().clone(),
            LeadEvidence::Opened,
        ));
        DynRecord {
            status: S::lead(LeadStatus::New),
            data: DynData {
                id,
                contact,
                interest,
                owner: Some(ctx.actor().clone()),
                qualification: None,
                amount_minor: 0,
                probability: 0,
            },
            lead_history,
            opportunity_history: Vec::new(),
        }
    }

    fn lead_step(
        &mut self,
        from: LeadStatus,
        to: LeadStatus,
        evidence: LeadEvidence,
        ctx: &Context<'_>,
    ) -> Result<(), Refused> {
        if !self.status.is_lead(from) {
            return Err(Refused);
        }
        self.lead_history
            .push((ctx.now(), Some(from), to, ctx.actor().clone(), evidence));
        self.status = S::lead(to);
        Ok(())
    }

    fn opportunity_step(
        &mut self,
        from: OpportunityStage,
        to: OpportunityStage,
        evidence: OpportunityEvidence,
        ctx: &Context<'_>,
    ) -> Result<(), Refused> {
        if !self.status.is_opportunity(from) {
            return Err(Refused);
        }
        self.opportunity_history
            .push((ctx.now(), Some(from), to, ctx.actor().clone(), evidence));
        self.status = S::opportunity(to);
        self.data.probability = to.default_probability().get();
        Ok(())
    }

    pub fn log_touch(&mut self, touch: Touch, ctx: &Context<'_>) -> Result<(), Refused> {
        self.lead_step(
            LeadStatus::New,
            LeadStatus::Working,
            LeadEvidence::Touch(touch),
            ctx,
        )
    }

    /// Converts the lead and returns its opportunity, a record of its own (like `prospect`'s).
    pub fn qualify(
        &mut self,
        q: Qualification,
        opportunity: Uuid,
        ctx: &Context<'_>,
    ) -> Result<DynRecord<S>, Refused> {
        let (today, policy) = (ctx.today(), ctx.dates());
        let timeline = q.timeline();
        in_window(
            timeline.decision_date(),
            today,
            today + days(policy.horizon().days()),
        )?;
        in_window(
            timeline.assessed_on(),
            today - days(policy.lookback_days()),
            today + days(policy.skew_days()),
        )?;
        if q.budget()
            .amount()
            .currency()
            .withdrawn_on()
            .is_some_and(|d| d <= today)
        {
            return Err(Refused);
        }
        let evidence = LeadEvidence::Converted {
            opportunity: prospect::OpportunityId::from_uuid(opportunity),
        };
        self.lead_step(LeadStatus::Working, LeadStatus::Converted, evidence, ctx)?;
        let mut history = Vec::with_capacity(4);
        history.push((
            ctx.now(),
            None,
            OpportunityStage::Discovery,
            ctx.actor().clone(),
            OpportunityEvidence::Qualified {
                lead: prospect::LeadId::from_uuid(self.data.id),
            },
        ));
        Ok(DynRecord {
            status: S::opportunity(OpportunityStage::Discovery),
            data: DynData {
                id: opportunity,
                contact: self.data.contact,
                interest: self.data.interest.clone(),
                owner: self.data.owner.clone(),
                amount_minor: q.budget().amount().minor(),
                qualification: Some(q),
                probability: OpportunityStage::Discovery.default_probability().get(),
            },
            lead_history: Vec::new(),
            opportunity_history: history,
        })
    }

    /// A date of something that happened in the deal, and an amount for it: in its window,
    /// not before the deal began, in the deal's currency.
    fn check_deal(
        &self,
        date: chrono::NaiveDate,
        amount: prospect::Money,
        ctx: &Context<'_>,
    ) -> Result<(), Refused> {
        let qualification = self.data.qualification.as_ref().ok_or(Refused)?;
        if amount.currency() != qualification.budget().amount().currency() {
            return Err(Refused);
        }
        let (today, policy) = (ctx.today(), ctx.dates());
        let began = ctx.date_at(self.opportunity_history.first().ok_or(Refused)?.0);
        let earliest = (today - days(policy.lookback_days())).max(began - days(policy.skew_days()));
        in_window(date, earliest, today + days(policy.skew_days()))
    }

    pub fn propose(&mut self, p: SentProposal, ctx: &Context<'_>) -> Result<(), Refused> {
        self.check_deal(p.sent_on(), p.amount(), ctx)?;
        let amount = p.amount().minor();
        self.opportunity_step(
            OpportunityStage::Discovery,
            OpportunityStage::Proposal,
            OpportunityEvidence::Proposed(p),
            ctx,
        )?;
        self.data.amount_minor = amount;
        Ok(())
    }

    pub fn negotiate(&mut self, note: prospect::Note, ctx: &Context<'_>) -> Result<(), Refused> {
        self.opportunity_step(
            OpportunityStage::Proposal,
            OpportunityStage::Negotiation,
            OpportunityEvidence::Negotiating(note),
            ctx,
        )
    }

    pub fn enter_contracting(
        &mut self,
        terms: PaymentTerms,
        incumbent: Incumbent,
        ctx: &Context<'_>,
    ) -> Result<(), Refused> {
        self.opportunity_step(
            OpportunityStage::Negotiation,
            OpportunityStage::Contracting,
            OpportunityEvidence::Contracting { terms, incumbent },
            ctx,
        )
    }

    pub fn win(
        &mut self,
        contract: SignedContract,
        account: Uuid,
        ctx: &Context<'_>,
    ) -> Result<(), Refused> {
        self.check_deal(contract.signed_on(), contract.value(), ctx)?;
        let value = contract.value().minor();
        let account = prospect::AccountId::from_uuid(account);
        self.opportunity_step(
            OpportunityStage::Contracting,
            OpportunityStage::Won,
            OpportunityEvidence::Won { contract, account },
            ctx,
        )?;
        self.data.amount_minor = value;
        Ok(())
    }
}

/// Reads criterion's estimate (in nanoseconds per iteration) of `group/function` from this run:
/// the slope of its linear regression when it has one (what criterion prints as `time`), else
/// the median.
pub fn estimate(group: &str, function: &str) -> Option<f64> {
    // Criterion writes under the workspace's target directory; a bench runs in its package's.
    let relative = format!("criterion/{group}/{function}/new/estimates.json");
    let targets = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain(std::env::current_dir().into_iter().flat_map(|dir| {
            dir.ancestors()
                .map(|d| d.join("target"))
                .collect::<Vec<_>>()
        }));
    let text = targets
        .map(|t| t.join(&relative))
        .find_map(|path| std::fs::read_to_string(path).ok())?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| json["median"]["point_estimate"].as_f64())
}

/// Prints each measured function's ratio to its baseline, from the estimates criterion just
/// wrote: `group: function / baseline = ratio (target)`.
pub fn print_ratios(title: &str, pairs: &[(&str, &str, &str, &str)]) {
    println!("\n{title}: ratios to baselines measured in this run");
    for (group, function, baseline, target) in pairs {
        match (estimate(group, function), estimate(group, baseline)) {
            (Some(f), Some(b)) => println!(
                "  {group}: {function} {:.0} ns / {baseline} {:.0} ns = {:.2}x  (target {target})",
                f,
                b,
                f / b
            ),
            _ => println!("  {group}: {function} / {baseline}: not measured in this run"),
        }
    }
}
