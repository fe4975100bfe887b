//! Leads: contacts who could produce a sale, as the typestate [`Lead<S>`].

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::contact::{Contact, LeadSource};
use crate::context::Context;
use crate::error::{Field, RecordError, ValidationError};
use crate::format::{Format, ReadingRecord};
use crate::history::{History, Tag, Transition};
use crate::id::{ContactId, LeadId, OpportunityId};
use crate::kind::RecordKind;
use crate::opportunity::Opportunity;
use crate::qualification::Qualification;
use crate::state::{
    Converted, Discovery, Disqualified, LeadState, LeadStatus, New, Nurturing, OpenLeadState,
    QualifiableState, Working,
};
use crate::text::{Note, Summary, User};

/// The role the lead's person plays in the purchase. The seed: the lead may not be the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BuyingRole {
    /// Makes the purchase decision.
    DecisionMaker,
    /// Can sway the decision.
    Influencer,
    /// Advises on the purchase.
    Advisor,
    /// Will use what is bought.
    User,
    /// Not known yet.
    Unknown,
}

/// What made a contact a lead: what they are interested in, and their role in the purchase.
/// Every field is validated by its type, so the fields are public.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interest {
    /// What they want, e.g. "CRM for a 40-seat sales team".
    pub summary: Summary,
    /// Their role in the purchase.
    pub role: BuyingRole,
}

impl Interest {
    /// An interest in `summary` by someone in `role`.
    pub fn new(summary: Summary, role: BuyingRole) -> Interest {
        Interest { summary, role }
    }
}

/// How a touch reached the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Channel {
    /// A phone or video call.
    Call,
    /// An email exchange.
    Email,
    /// A meeting in person.
    Meeting,
    /// A chat or text message.
    Message,
    /// Anything else.
    Other,
}

/// A contact made with the lead: the evidence that a lead is being worked. Every field is
/// validated by its type, so the fields are public.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Touch {
    /// How.
    pub channel: Channel,
    /// What was said or agreed.
    pub summary: Summary,
}

impl Touch {
    /// A touch through `channel`, summarised by `summary`.
    pub fn new(channel: Channel, summary: Summary) -> Touch {
        Touch { channel, summary }
    }
}

/// Why a lead was disqualified: a predefined category and, optionally, free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DisqualifyCategory {
    /// They do not need what is sold.
    NoNeed,
    /// They cannot pay for it.
    NoBudget,
    /// They will not buy within a reasonable time.
    NoTimeline,
    /// Nobody could be reached.
    Unreachable,
    /// They are no longer interested.
    NotInterested,
    /// The lead duplicates another one.
    Duplicate,
    /// They chose a competitor before it came to an opportunity.
    Competitor,
    /// Not a customer the business wants (size, sector, region).
    NotAFit,
    /// Anything else: say what in the detail.
    Other,
}

impl DisqualifyCategory {
    /// The snake-case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            DisqualifyCategory::NoNeed => "no_need",
            DisqualifyCategory::NoBudget => "no_budget",
            DisqualifyCategory::NoTimeline => "no_timeline",
            DisqualifyCategory::Unreachable => "unreachable",
            DisqualifyCategory::NotInterested => "not_interested",
            DisqualifyCategory::Duplicate => "duplicate",
            DisqualifyCategory::Competitor => "competitor",
            DisqualifyCategory::NotAFit => "not_a_fit",
            DisqualifyCategory::Other => "other",
        }
    }
}

impl fmt::Display for DisqualifyCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Why a lead was disqualified. The fields have no invariant between them, so they are public.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisqualifyReason {
    /// The predefined category.
    pub category: DisqualifyCategory,
    /// Free text, if any.
    pub detail: Option<Note>,
}

impl DisqualifyReason {
    /// A reason with a category and no detail.
    pub fn new(category: DisqualifyCategory) -> DisqualifyReason {
        DisqualifyReason {
            category,
            detail: None,
        }
    }

    /// The same reason with free text.
    pub fn with_detail(self, detail: Note) -> DisqualifyReason {
        DisqualifyReason {
            detail: Some(detail),
            ..self
        }
    }
}

/// The evidence of one step in a lead's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LeadEvidence {
    /// The lead was opened (its [`Interest`] is on the lead).
    Opened,
    /// Contact was made: `New` or `Nurturing` to `Working`.
    Touch(Touch),
    /// Interested but not ready: `Working` to `Nurturing`.
    Nurtured(Note),
    /// Not worth pursuing: an open state to `Disqualified`.
    Disqualified(DisqualifyReason),
    /// Worth another try: `Disqualified` to `Nurturing`.
    Recycled(Note),
    /// Qualified: `Working` or `Nurturing` to `Converted`, into this opportunity (which keeps
    /// the [`Qualification`]).
    Converted {
        /// The opportunity the lead became.
        opportunity: OpportunityId,
    },
}

impl Tag for LeadEvidence {
    fn tag(&self) -> &'static str {
        match self {
            LeadEvidence::Opened => "opened",
            LeadEvidence::Touch(_) => "touch",
            LeadEvidence::Nurtured(_) => "nurtured",
            LeadEvidence::Disqualified(_) => "disqualified",
            LeadEvidence::Recycled(_) => "recycled",
            LeadEvidence::Converted { .. } => "converted",
        }
    }
}

impl Tag for LeadStatus {
    fn tag(&self) -> &'static str {
        self.as_str()
    }
}

/// One entry of a lead's history.
pub type LeadTransition = Transition<LeadStatus, LeadEvidence>;

/// Whether `from` → `to` with `evidence` is a step the typed API can take. The one table both the
/// transitions and the validation of stored leads follow.
fn legal(from: Option<LeadStatus>, to: LeadStatus, evidence: &LeadEvidence) -> bool {
    use LeadEvidence as E;
    use LeadStatus as L;
    match (from, to, evidence) {
        (None, L::New, E::Opened) => true,
        (Some(L::New | L::Nurturing), L::Working, E::Touch(_)) => true,
        (Some(L::Working), L::Nurturing, E::Nurtured(_)) => true,
        (Some(f), L::Disqualified, E::Disqualified(_)) => f.is_open(),
        (Some(L::Disqualified), L::Nurturing, E::Recycled(_)) => true,
        (Some(L::Working | L::Nurturing), L::Converted, E::Converted { .. }) => true,
        _ => false,
    }
}

/// What never changes once a lead is opened: shared between the copies of a lead.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LeadCore {
    pub(crate) id: LeadId,
    pub(crate) contact: ContactId,
    pub(crate) interest: Interest,
    pub(crate) source: LeadSource,
    pub(crate) owner: Option<User>,
    pub(crate) created_at: DateTime<Utc>,
}

/// The data of a lead, whatever its state. Cloning it shares the core and the history, so a
/// lead costs a few reference counts to keep in two places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeadData {
    pub(crate) core: Arc<LeadCore>,
    pub(crate) status: LeadStatus,
    pub(crate) history: History<LeadStatus, LeadEvidence>,
    /// Whether its contact's personal data was erased (and with it, its free text).
    pub(crate) erased: bool,
}

impl std::ops::Deref for LeadData {
    type Target = LeadCore;
    fn deref(&self) -> &LeadCore {
        &self.core
    }
}

/// A lead as serialised: its fields in this order.
#[derive(Serialize)]
struct LeadOut<'a> {
    format: Format,
    id: LeadId,
    contact: ContactId,
    status: LeadStatus,
    interest: &'a Interest,
    source: LeadSource,
    owner: &'a Option<User>,
    created_at: DateTime<Utc>,
    history: &'a History<LeadStatus, LeadEvidence>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    erased: bool,
}

/// A lead as deserialised, before it is validated.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadIn {
    #[serde(default)]
    format: Format,
    id: LeadId,
    contact: ContactId,
    status: LeadStatus,
    interest: Interest,
    source: LeadSource,
    owner: Option<User>,
    created_at: DateTime<Utc>,
    history: History<LeadStatus, LeadEvidence>,
    #[serde(default)]
    erased: bool,
}

impl Serialize for LeadData {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        LeadOut {
            format: Format,
            id: self.id,
            contact: self.contact,
            status: self.status,
            interest: &self.interest,
            source: self.source,
            owner: &self.owner,
            created_at: self.created_at,
            history: &self.history,
            erased: self.erased,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for LeadData {
    /// Reads the fields only; [`LeadData::deserialize_valid`] also validates.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let reading = ReadingRecord::start();
        let r = LeadIn::deserialize(d)?;
        let Format = r.format;
        reading
            .finish(RecordKind::Lead)
            .map_err(serde::de::Error::custom)?;
        Ok(LeadData {
            core: Arc::new(LeadCore {
                id: r.id,
                contact: r.contact,
                interest: r.interest,
                source: r.source,
                owner: r.owner,
                created_at: r.created_at,
            }),
            status: r.status,
            history: r.history,
            erased: r.erased,
        })
    }
}

impl LeadData {
    /// The same lead with its free text erased (the interest's summary, and in its history the
    /// touches' summaries, notes and reasons' detail), marked erased: same steps, states, times
    /// and ids.
    pub(crate) fn erase_personal_data(&self) -> LeadData {
        let core = &self.core;
        LeadData {
            core: Arc::new(LeadCore {
                id: core.id,
                contact: core.contact,
                interest: Interest::new(Summary::erased(), core.interest.role),
                source: core.source,
                owner: core.owner.clone(),
                created_at: core.created_at,
            }),
            status: self.status,
            history: self.history.map_evidence(|e| match e {
                LeadEvidence::Touch(t) => {
                    LeadEvidence::Touch(Touch::new(t.channel, Summary::erased()))
                }
                LeadEvidence::Nurtured(_) => LeadEvidence::Nurtured(Note::erased()),
                LeadEvidence::Disqualified(r) => LeadEvidence::Disqualified(DisqualifyReason {
                    category: r.category,
                    detail: r.detail.as_ref().map(|_| Note::erased()),
                }),
                LeadEvidence::Recycled(_) => LeadEvidence::Recycled(Note::erased()),
                LeadEvidence::Opened => LeadEvidence::Opened,
                LeadEvidence::Converted { opportunity } => LeadEvidence::Converted {
                    opportunity: *opportunity,
                },
            }),
            erased: true,
        }
    }

    /// Checks every invariant a lead read from outside must hold.
    pub(crate) fn validate(&self) -> Result<(), RecordError> {
        self.history
            .validate(RecordKind::Lead, self.status, legal)?;
        if self.history.first().map(Transition::at) != Some(self.created_at) {
            return Err(RecordError::Invariant {
                record: RecordKind::Lead,
                field: "created_at",
                problem: "differs from the time of the first history entry",
            });
        }
        Ok(())
    }

    /// Reads a lead and validates it, whatever its state.
    pub(crate) fn deserialize_valid<'de, D: Deserializer<'de>>(d: D) -> Result<LeadData, D::Error> {
        let data = LeadData::deserialize(d)?;
        data.validate().map_err(serde::de::Error::custom)?;
        Ok(data)
    }
}

/// A contact who could produce a sale, in state `S`: [`New`], [`Working`], [`Nurturing`],
/// [`Converted`] or [`Disqualified`].
///
/// Each transition consumes the lead and the evidence it needs and returns the lead in its new
/// state, with one more entry in its [history](Lead::history). A step that is not allowed from
/// `S` is not a method of `Lead<S>`: it does not compile.
///
/// ```
/// use prospect::*;
/// use prospect::state::*;
/// let ctx = Context::system(User::new("alice")?);
/// let contact = Contact::create(
///     ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Web),
///     &ctx,
/// );
/// let lead: Lead<New> = Lead::open(
///     &contact,
///     Interest::new(Summary::new("A CRM for 40 sellers")?, BuyingRole::Influencer),
///     &ctx,
/// );
/// let lead: Lead<Working> = lead.log_touch(Touch::new(Channel::Call, Summary::new("Intro call")?), &ctx);
/// let lead: Lead<Nurturing> = lead.nurture(Note::new("Budget opens in Q3")?, &ctx);
/// assert_eq!(lead.history().len(), 3);
/// assert_eq!(lead.status(), LeadStatus::Nurturing);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Linear
///
/// A `Lead<S>` is neither `Clone` nor `Deserialize`, so a step that consumes it (qualifying,
/// disqualifying) cannot be taken twice from one value. To show or send a copy, use a reference
/// or the dynamic form [`AnyLead`](crate::AnyLead) (a snapshot, which is `Clone` and
/// `Deserialize`). A typed value comes back from a snapshot with `TryFrom`, which is what loading
/// from a store does: two reads of one stored record give two values that claim the same version
/// of its history, and the store accepts the next step of only one of them (see the contract in
/// [`Store`](crate::Store)).
pub struct Lead<S: LeadState> {
    data: LeadData,
    state: PhantomData<S>,
}

impl<S: LeadState> Lead<S> {
    pub(crate) fn from_data(data: LeadData) -> Lead<S> {
        Lead {
            data,
            state: PhantomData,
        }
    }

    pub(crate) fn data(&self) -> &LeadData {
        &self.data
    }

    pub(crate) fn into_data(self) -> LeadData {
        self.data
    }

    /// Moves to state `T` at `at`, recording `evidence`.
    fn step_at<T: LeadState>(
        mut self,
        at: DateTime<Utc>,
        evidence: LeadEvidence,
        ctx: &Context<'_>,
    ) -> Lead<T> {
        self.data
            .history
            .push(at, S::STATUS, T::STATUS, evidence, ctx.actor());
        self.data.status = T::STATUS;
        Lead::from_data(self.data)
    }

    /// Moves to state `T` now (never before the latest entry), recording `evidence`.
    fn step<T: LeadState>(self, evidence: LeadEvidence, ctx: &Context<'_>) -> Lead<T> {
        let at = self.data.history.next_at(ctx.now());
        self.step_at(at, evidence, ctx)
    }

    /// The lead's id.
    pub fn id(&self) -> LeadId {
        self.data.id
    }

    /// The contact the lead is about.
    pub fn contact(&self) -> ContactId {
        self.data.contact
    }

    /// The state, at run time (always `S::STATUS`).
    pub fn status(&self) -> LeadStatus {
        S::STATUS
    }

    /// What made the contact a lead.
    pub fn interest(&self) -> &Interest {
        &self.data.interest
    }

    /// Where the lead came from (the contact's source when the lead was opened).
    pub fn source(&self) -> LeadSource {
        self.data.source
    }

    /// The user who owns the lead, if any.
    pub fn owner(&self) -> Option<&User> {
        self.data.owner.as_ref()
    }

    /// When the lead was opened.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.data.created_at
    }

    /// Every transition, oldest first.
    pub fn history(&self) -> &History<LeadStatus, LeadEvidence> {
        &self.data.history
    }

    /// Whether its contact's personal data was erased, and with it the lead's free text
    /// ([`Crm::erase_contact`](crate::Crm::erase_contact)).
    pub fn is_erased(&self) -> bool {
        self.data.erased
    }
}

impl Lead<New> {
    /// Opens a lead for `contact`, who showed `interest`. The contact stays on record; it may
    /// have several leads over time. The lead takes the contact's source and owner.
    pub fn open(contact: &Contact, interest: Interest, ctx: &Context<'_>) -> Lead<New> {
        let now = ctx.now();
        Lead::from_data(LeadData {
            core: Arc::new(LeadCore {
                id: LeadId::generate(ctx.ids()),
                contact: contact.id(),
                interest,
                source: contact.source(),
                owner: contact.owner().cloned(),
                created_at: now,
            }),
            status: LeadStatus::New,
            history: History::start(now, LeadStatus::New, LeadEvidence::Opened, ctx.actor()),
            erased: false,
        })
    }

    /// Contact was made: the lead is being worked.
    pub fn log_touch(self, touch: Touch, ctx: &Context<'_>) -> Lead<Working> {
        self.step(LeadEvidence::Touch(touch), ctx)
    }
}

impl Lead<Working> {
    /// Interested, not ready yet: keep the lead warm.
    pub fn nurture(self, note: Note, ctx: &Context<'_>) -> Lead<Nurturing> {
        self.step(LeadEvidence::Nurtured(note), ctx)
    }
}

impl Lead<Nurturing> {
    /// Contact was made again: the lead is worked anew.
    pub fn resume(self, touch: Touch, ctx: &Context<'_>) -> Lead<Working> {
        self.step(LeadEvidence::Touch(touch), ctx)
    }
}

impl<S: OpenLeadState> Lead<S> {
    /// Not worth pursuing, for `reason`.
    pub fn disqualify(self, reason: DisqualifyReason, ctx: &Context<'_>) -> Lead<Disqualified> {
        self.step(LeadEvidence::Disqualified(reason), ctx)
    }
}

impl<S: QualifiableState> Lead<S> {
    /// Qualifies the lead with its evidence: the lead is converted (it stays on record, pointing
    /// at its opportunity) and a new opportunity in [`Discovery`] keeps the qualification.
    ///
    /// The opportunity's amount starts at the budget and its expected close date at the
    /// timeline's decision date; it takes the lead's source and owner. The conversion and the
    /// opportunity's creation are recorded at the same instant.
    ///
    /// # Errors
    ///
    /// [`QualifyError`] when the timeline's decision date is already past on the day of the
    /// step ([`ValidationError::DateInPast`] for [`Field::DecisionDate`]): a timeline assessed
    /// earlier may have expired since. Nothing changed; the lead and the qualification are
    /// given back.
    pub fn qualify(
        self,
        qualification: Qualification,
        ctx: &Context<'_>,
    ) -> Result<(Lead<Converted>, Opportunity<Discovery>), QualifyError<S>> {
        let at = self.data.history.next_at(ctx.now());
        let (decision, today) = (qualification.timeline().decision_date(), at.date_naive());
        if decision < today {
            return Err(QualifyError {
                cause: ValidationError::DateInPast {
                    field: Field::DecisionDate,
                    date: decision,
                    today,
                },
                lead: Box::new(self),
                qualification: Box::new(qualification),
            });
        }
        let opportunity = Opportunity::open(&self.data, qualification, at, ctx);
        let lead = self.step_at(
            at,
            LeadEvidence::Converted {
                opportunity: opportunity.id(),
            },
            ctx,
        );
        Ok((lead, opportunity))
    }
}

/// Qualifying was refused ([`Lead::qualify`]); the lead and the qualification are as they were,
/// and given back.
#[derive(Debug, thiserror::Error)]
#[error("cannot qualify lead {}: {cause}", .lead.id())]
pub struct QualifyError<S: QualifiableState> {
    cause: ValidationError,
    lead: Box<Lead<S>>,
    qualification: Box<Qualification>,
}

impl<S: QualifiableState> QualifyError<S> {
    /// Why it was refused.
    pub fn cause(&self) -> &ValidationError {
        &self.cause
    }

    /// The lead and the qualification, untouched.
    pub fn into_parts(self) -> (Lead<S>, Qualification) {
        (*self.lead, *self.qualification)
    }
}

impl Lead<Disqualified> {
    /// Worth another try: back to nurturing. The reason is cleared from the lead's state; the
    /// history keeps it.
    pub fn recycle(self, note: Note, ctx: &Context<'_>) -> Lead<Nurturing> {
        self.step(LeadEvidence::Recycled(note), ctx)
    }

    /// Why the lead was disqualified.
    pub fn reason(&self) -> &DisqualifyReason {
        match self.data.history.last_evidence() {
            Some(LeadEvidence::Disqualified(reason)) => reason,
            _ => unreachable!("a disqualified lead's history ends in its disqualification"),
        }
    }
}

impl Lead<Converted> {
    /// The opportunity the lead became.
    pub fn opportunity(&self) -> OpportunityId {
        match self.data.history.last_evidence() {
            Some(LeadEvidence::Converted { opportunity }) => *opportunity,
            _ => unreachable!("a converted lead's history ends in its conversion"),
        }
    }
}

impl<S: LeadState> PartialEq for Lead<S> {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
    }
}

impl<S: LeadState> Eq for Lead<S> {}

impl<S: LeadState> fmt::Debug for Lead<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lead")
            .field("state", &S::STATUS)
            .field("id", &self.data.id)
            .field("contact", &self.data.contact)
            .field("interest", &self.data.interest)
            .field("source", &self.data.source)
            .field("owner", &self.data.owner)
            .field("created_at", &self.data.created_at)
            .field("history", &self.data.history)
            .finish()
    }
}

impl<S: LeadState> Serialize for Lead<S> {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        self.data.serialize(s)
    }
}
