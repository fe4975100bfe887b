//! Leads: contacts who could produce a sale, as the typestate [`Lead<S>`].

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use crate::contact::{Contact, LeadSource};
use crate::context::Context;
use crate::custom::CustomFields;
use crate::dates::Day;
use crate::edit::{Change, Reassignment};
use crate::error::{Field, ValidationError};
use crate::history::History;
use crate::id::{ContactId, LeadId, OpportunityId};
use crate::opportunity::Discovery;
use crate::opportunity::Opportunity;
use crate::qualification::Qualification;
use crate::text::{Note, User};

mod any;
mod evidence;
mod state;
mod stored;

pub use any::AnyLead;

pub use evidence::{
    BuyingRole, Channel, DisqualifyCategory, DisqualifyReason, Interest, LeadEvidence,
    LeadTransition, Touch,
};
pub use state::{
    Converted, Disqualified, LeadState, LeadStatus, New, Nurturing, OpenLeadState,
    QualifiableState, Working,
};
pub(crate) use stored::{LeadCore, LeadData};

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
/// or the dynamic form [`AnyLead`](crate::record::AnyLead) (a snapshot, which is `Clone` and
/// `Deserialize`). A typed value comes back from a snapshot with `TryFrom`, which is what loading
/// from a store does: two reads of one stored record give two values that claim the same version
/// of its history, and the store accepts the next step of only one of them (see the contract in
/// [`Store`](crate::store::Store)).
pub struct Lead<S: LeadState> {
    data: LeadData,
    /// What this state holds: the evidence of the history's last entry once the lead is closed.
    outcome: S::Outcome,
}

impl<S: LeadState<Outcome = ()>> Lead<S> {
    /// A lead in an open state, which holds nothing but its data.
    pub(crate) fn open_from(data: LeadData) -> Lead<S> {
        Lead { data, outcome: () }
    }
}

impl<S: LeadState> Lead<S> {
    /// A lead from its data and what its state holds. The caller makes sure that the outcome is
    /// the evidence of the history's last entry (a transition, or reading a validated record).
    pub(crate) fn from_parts(data: LeadData, outcome: S::Outcome) -> Lead<S> {
        Lead { data, outcome }
    }

    /// The same lead with `edit` made to its data (what it holds in its state unchanged).
    pub(crate) fn edit_data(mut self, edit: impl FnOnce(&mut LeadData)) -> Lead<S> {
        edit(&mut self.data);
        self
    }

    pub(crate) fn data(&self) -> &LeadData {
        &self.data
    }

    /// A copy sharing the data: for snapshots, inside the crate (a typed lead is linear).
    pub(crate) fn duplicate(&self) -> Lead<S> {
        Lead::from_parts(self.data.clone(), self.outcome.clone())
    }

    /// The same lead with its free text erased: the data's, and the outcome's by `erase_outcome`
    /// (the function that erases the same evidence in the history).
    pub(crate) fn erased(&self, erase_outcome: impl FnOnce(&S::Outcome) -> S::Outcome) -> Lead<S> {
        Lead::from_parts(
            self.data.erase_personal_data(),
            erase_outcome(&self.outcome),
        )
    }

    /// Its custom fields.
    pub fn custom_fields(&self) -> &CustomFields {
        &self.data.custom
    }

    /// The same lead with `custom` as its custom fields.
    pub(crate) fn with_custom_fields(mut self, custom: CustomFields) -> Lead<S> {
        if custom == self.data.custom {
            // Nothing to write (above all, no value on a new lead): the core stays shared.
            return self;
        }
        match Arc::get_mut(&mut self.data.core) {
            // A lead no copy shares yet (one being created): written in place.
            Some(core) => core.custom = custom,
            None => {
                self.data.core = Arc::new(LeadCore {
                    custom,
                    ..LeadCore::clone(&self.data.core)
                });
            }
        }
        self
    }

    /// The same lead, marked erased or not: a redacted copy ([`AnyLead::redacted`]) keeps the
    /// mark of the lead it copies.
    pub(crate) fn marked(mut self, erased: bool) -> Lead<S> {
        self.data.erased = erased;
        self
    }

    /// Moves to state `T` at `at`, recording `evidence`; the lead in `T` holds `outcome`.
    fn step_at<T: LeadState>(
        mut self,
        at: DateTime<Utc>,
        evidence: LeadEvidence,
        outcome: T::Outcome,
        ctx: &Context<'_>,
    ) -> Lead<T> {
        self.data
            .history
            .push(at, S::STATUS, T::STATUS, evidence, ctx.actor());
        self.data.status = T::STATUS;
        Lead::from_parts(self.data, outcome)
    }

    /// Moves to the open state `T` now (never before the latest entry), recording `evidence`.
    fn step<T: LeadState<Outcome = ()>>(
        self,
        evidence: LeadEvidence,
        ctx: &Context<'_>,
    ) -> Lead<T> {
        let at = self.data.history.next_at(ctx.now());
        self.step_at(at, evidence, (), ctx)
    }

    /// The lead's id, which it keeps in every state.
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
        Lead::open_from(LeadData {
            core: Arc::new(LeadCore {
                id: LeadId::generate(ctx.ids()),
                contact: contact.id(),
                interest,
                source: contact.source(),
                owner: contact.owner().cloned(),
                created_at: now,
                custom: CustomFields::new(),
                relinks: crate::relink::Relinks::default(),
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
        let at = self.data.history.next_at(ctx.now());
        self.step_at(at, LeadEvidence::Disqualified(reason.clone()), reason, ctx)
    }

    /// Hands the lead over to `owner` (`None`: to nobody), for `reason` if one is given: an
    /// entry of its history that keeps its state, with the owner before and after. Only an
    /// open lead can change hands: a closed one stays with whoever closed it, which is what
    /// the reports count.
    pub fn reassign(&mut self, owner: Option<User>, reason: Option<Note>, ctx: &Context<'_>) {
        let at = self.data.history.next_at(ctx.now());
        let change = Change::new(self.data.owner.clone(), owner.clone());
        let evidence = LeadEvidence::Reassigned(Box::new(Reassignment::new(change, reason)));
        self.data
            .history
            .push(at, S::STATUS, S::STATUS, evidence, ctx.actor());
        self.data.core = Arc::new(LeadCore {
            owner,
            ..LeadCore::clone(&self.data.core)
        });
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
    /// [`QualifyError`], and nothing changed (the lead and the qualification are given back),
    /// when on the day of the step (the context's [`today`](Context::today)):
    ///
    /// - the timeline's decision date is already past ([`ValidationError::DateInPast`] for
    ///   [`Field::DecisionDate`]: a timeline assessed earlier may have expired since) or beyond
    ///   the context's horizon ([`ValidationError::BeyondHorizon`]), counted from today
    ///   whatever day the timeline says it was assessed on;
    /// - the day it was assessed lies outside the window of things that happened
    ///   ([`ValidationError::OutOfWindow`] for [`Field::AssessedOn`]);
    /// - the budget is in a currency withdrawn by then ([`ValidationError::WithdrawnCurrency`]
    ///   for [`Field::Budget`]).
    ///
    /// The windows are the context's [`DatePolicy`](crate::DatePolicy).
    pub fn qualify(
        self,
        qualification: Qualification,
        ctx: &Context<'_>,
    ) -> Result<(Lead<Converted>, Opportunity<Discovery>), QualifyError<S>> {
        let at = self.data.history.next_at(ctx.now());
        if let Err(cause) = check_qualification(&qualification, ctx.day_at(at), ctx) {
            return Err(QualifyError {
                cause,
                lead: Box::new(self),
                qualification: Box::new(qualification),
            });
        }
        let opportunity = Opportunity::open(&self.data, qualification, at, ctx);
        let converted_into = opportunity.id();
        let lead = self.step_at(
            at,
            LeadEvidence::Converted {
                opportunity: converted_into,
            },
            converted_into,
            ctx,
        );
        Ok((lead, opportunity))
    }
}

/// The checks of a qualification on the day of the step, `today`, by the context's
/// [`DatePolicy`](crate::DatePolicy): whatever day the caller says the timeline was assessed on,
/// the decision date lies from today to the horizon and the assessment within the window of
/// things that happened; a new deal is not in a withdrawn currency.
fn check_qualification(
    qualification: &Qualification,
    today: Day,
    ctx: &Context<'_>,
) -> Result<(), ValidationError> {
    let timeline = qualification.timeline();
    let dates = ctx.dates();
    dates.upcoming(Field::DecisionDate, timeline.decision_date(), today)?;
    dates.happened(Field::AssessedOn, timeline.assessed_on(), today, None)?;
    let currency = qualification.budget().amount().currency();
    match currency.withdrawn_on() {
        Some(since) if Day::of(since) <= today => Err(ValidationError::WithdrawnCurrency {
            field: Field::Budget,
            currency: currency.static_code(),
            since,
        }),
        _ => Ok(()),
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
        &self.outcome
    }
}

impl Lead<Converted> {
    /// The opportunity the lead became.
    pub fn opportunity(&self) -> OpportunityId {
        self.outcome
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
