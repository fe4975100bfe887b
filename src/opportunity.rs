//! Opportunities: qualified leads actively pursued, as the typestate [`Opportunity<S>`], and the
//! evidence each stage takes.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Serialize, Serializer};

use crate::account::Account;
use crate::contact::LeadSource;
use crate::context::Context;
use crate::custom::{CustomFields, FieldKey};
use crate::edit::{Change, Reassignment};
use crate::error::ValidationError;
use crate::forecast::{ForecastCategory, Probability};
use crate::history::History;
use crate::id::{AccountId, ContactId, LeadId, OpportunityId, OrganizationId};
use crate::lead::LeadData;
use crate::money::{Money, MoneyError};
use crate::qualification::Qualification;
use crate::text::{Note, Summary, User};

mod any;
mod evidence;
mod pipeline;
mod stage;
mod stored;

pub use any::AnyOpportunity;

pub use evidence::{
    ForecastOverride, Incumbent, LossCategory, LossReason, OpportunityEvidence,
    OpportunityTransition, PaymentTerms, Revised, Revision, SentProposal, SignedContract,
};
pub use pipeline::{CustomStage, Placement, StageError, StageMove};
pub use stage::{
    Contracting, Discovery, Lost, Negotiation, OpenStage, OpportunityStage, OpportunityState,
    Proposal, ProposalStage, Won,
};
pub(crate) use stored::{OpportunityCore, OpportunityData};

/// A qualified lead actively pursued, in stage `S`: [`Discovery`], [`Proposal`],
/// [`Negotiation`], [`Contracting`], [`Won`] or [`Lost`].
///
/// Made only by [`Lead::qualify`](crate::Lead::qualify). Each advance consumes the opportunity
/// and its evidence (a [`SentProposal`]; a note on the negotiation; [`PaymentTerms`] and the
/// [`Incumbent`] out of the way; a [`SignedContract`]); any open stage can be
/// [lost](Opportunity::lose), and a lost opportunity [reopened](Opportunity::reopen).
///
/// Probability and forecast category follow the stage
/// ([`OpportunityStage::default_probability`]), or the custom stage of its pipeline it is in
/// ([`custom_stage`](Opportunity::custom_stage)), unless overridden in an open stage; every
/// stage change clears the override. Moves between custom stages of one backbone stage
/// ([`move_stage`](Opportunity::move_stage)) need no evidence.
///
/// # Linear
///
/// An `Opportunity<S>` is neither `Clone` nor `Deserialize`, so a step that consumes it (a win, a
/// loss, an advance) cannot be taken twice from one value. To show or send a copy, use a
/// reference or the dynamic form [`AnyOpportunity`](crate::record::AnyOpportunity) (a snapshot, which is
/// `Clone` and `Deserialize`). A typed value comes back from a snapshot with `TryFrom`, which is
/// what loading from a store does: two reads of one stored record give two values that claim
/// the same version of its history, and the store accepts the next step of only one of them
/// (see the contract in [`Store`](crate::store::Store)).
pub struct Opportunity<S: OpportunityState> {
    data: OpportunityData,
    /// What this stage holds: the evidence of the history's last entry once the opportunity is
    /// closed.
    outcome: S::Outcome,
}

impl<S: OpportunityState<Outcome = ()>> Opportunity<S> {
    /// An opportunity in an open stage, which holds nothing but its data.
    pub(crate) fn open_from(data: OpportunityData) -> Opportunity<S> {
        Opportunity { data, outcome: () }
    }
}

impl<S: OpportunityState> Opportunity<S> {
    /// An opportunity from its data and what its stage holds. The caller makes sure that the
    /// outcome is the evidence of the history's last entry (a transition, or reading a
    /// validated record).
    pub(crate) fn from_parts(data: OpportunityData, outcome: S::Outcome) -> Opportunity<S> {
        Opportunity { data, outcome }
    }

    /// The same opportunity with `edit` made to its data (what it holds in its stage
    /// unchanged).
    pub(crate) fn edit_data(mut self, edit: impl FnOnce(&mut OpportunityData)) -> Opportunity<S> {
        edit(&mut self.data);
        self
    }

    pub(crate) fn data(&self) -> &OpportunityData {
        &self.data
    }

    /// A copy sharing the data: for snapshots, inside the crate (a typed opportunity is
    /// linear).
    pub(crate) fn duplicate(&self) -> Opportunity<S> {
        Opportunity::from_parts(self.data.clone(), self.outcome.clone())
    }

    /// The same opportunity with its free text erased: the data's, and the outcome's by
    /// `erase_outcome` (the function that erases the same evidence in the history).
    pub(crate) fn erased(
        &self,
        erase_outcome: impl FnOnce(&S::Outcome) -> S::Outcome,
    ) -> Opportunity<S> {
        Opportunity::from_parts(
            self.data.erase_personal_data(),
            erase_outcome(&self.outcome),
        )
    }

    /// The same opportunity, marked erased or not: a redacted copy
    /// Its custom fields.
    pub fn custom_fields(&self) -> &CustomFields {
        &self.data.custom
    }

    /// The same opportunity with `custom` as its custom fields.
    pub(crate) fn with_custom_fields(mut self, custom: CustomFields) -> Opportunity<S> {
        if custom == self.data.custom {
            // Nothing to write (above all, no value on a new opportunity): the core stays shared.
            return self;
        }
        self.data.edit_core(|core| core.custom = custom);
        self
    }

    /// ([`AnyOpportunity::redacted`]) keeps the mark of the opportunity it copies.
    pub(crate) fn marked(mut self, erased: bool) -> Opportunity<S> {
        self.data.erased = erased;
        self
    }

    /// Moves to stage `T` at `at` (never before the latest entry), recording `evidence`, and
    /// clears any override; the opportunity in `T` holds `outcome`.
    fn move_to<T: OpportunityState>(
        mut self,
        at: DateTime<Utc>,
        evidence: OpportunityEvidence,
        outcome: T::Outcome,
        ctx: &Context<'_>,
    ) -> Opportunity<T> {
        let at = self.data.history.next_at(at);
        self.data
            .history
            .push(at, S::STAGE, T::STAGE, evidence, ctx.actor());
        self.data.stage = T::STAGE;
        self.data.probability_override = None;
        self.data.forecast_override = None;
        Opportunity::from_parts(self.data, outcome)
    }

    /// Moves to the open stage `T`, as [`move_to`](Self::move_to).
    fn step<T: OpportunityState<Outcome = ()>>(
        self,
        at: DateTime<Utc>,
        evidence: OpportunityEvidence,
        ctx: &Context<'_>,
    ) -> Opportunity<T> {
        self.move_to(at, evidence, (), ctx)
    }

    /// The opportunity's id, which it keeps in every stage.
    pub fn id(&self) -> OpportunityId {
        self.data.id
    }

    /// The lead it was qualified from.
    pub fn lead(&self) -> LeadId {
        self.data.lead
    }

    /// The contact it is about.
    pub fn contact(&self) -> ContactId {
        self.data.contact
    }

    /// The stage, at run time (always `S::STAGE`).
    pub fn stage(&self) -> OpportunityStage {
        S::STAGE
    }

    /// Its name: the interest of the lead it came from.
    pub fn name(&self) -> &Summary {
        &self.data.name
    }

    /// Where the lead it came from came from.
    pub fn source(&self) -> LeadSource {
        self.data.source
    }

    /// The user who owns it, if any.
    pub fn owner(&self) -> Option<&User> {
        self.data.owner.as_ref()
    }

    /// The evidence it was qualified with.
    pub fn qualification(&self) -> &Qualification {
        &self.data.qualification
    }

    /// Its amount: the budget at first, then the proposal's amount, then the contract's value.
    pub fn amount(&self) -> Money {
        self.data.amount
    }

    /// When it is expected to close: the qualification's decision date.
    pub fn expected_close(&self) -> NaiveDate {
        self.data.expected_close
    }

    /// The probability of closing: the override if one is set, else the default of its custom
    /// stage when it is in one ([`Placement::probability`]), else its stage's default.
    pub fn probability(&self) -> Probability {
        self.data.probability()
    }

    /// The forecast category: the override if one is set, else the stage's default.
    pub fn forecast_category(&self) -> ForecastCategory {
        self.data.forecast_category()
    }

    /// The amount weighted by the probability.
    pub fn weighted_amount(&self) -> Money {
        self.data.amount.percent(self.probability())
    }

    /// When it was created (qualified).
    pub fn created_at(&self) -> DateTime<Utc> {
        self.data.created_at
    }

    /// Every transition, oldest first.
    pub fn history(&self) -> &History<OpportunityStage, OpportunityEvidence> {
        &self.data.history
    }

    /// The pipeline it belongs to, if it was put in one.
    pub fn pipeline(&self) -> Option<&FieldKey> {
        self.data.placement.as_ref().map(Placement::pipeline)
    }

    /// Where it was last placed in its pipeline, if it belongs to one: the custom stage it is
    /// in while it is in the placement's backbone stage; for a closed opportunity, the custom
    /// stage it closed from.
    pub fn placement(&self) -> Option<&Placement> {
        self.data.placement.as_ref()
    }

    /// The custom stage it is in: its placement, when the placement is inside its backbone
    /// stage (`None` for an opportunity in no pipeline, a closed one, or one a typed step took
    /// into the next backbone stage outside the facade, until it is placed there).
    pub fn custom_stage(&self) -> Option<&Placement> {
        self.data.custom_stage()
    }

    /// Whether its contact's personal data was erased, and with it the opportunity's free text
    /// ([`Crm::erase_contact`](crate::Crm::erase_contact)).
    pub fn is_erased(&self) -> bool {
        self.data.erased
    }

    /// The proposal sent since the opportunity was last reopened, if any.
    pub fn proposal(&self) -> Option<&SentProposal> {
        self.data.current(|e| match e {
            OpportunityEvidence::Proposed(p)
            | OpportunityEvidence::ProposalRevised { proposal: p, .. } => Some(p),
            _ => None,
        })
    }

    /// The payment terms agreed since the opportunity was last reopened, if any.
    pub fn payment_terms(&self) -> Option<&PaymentTerms> {
        self.data.current(|e| match e {
            OpportunityEvidence::Contracting { terms, .. } => Some(terms),
            _ => None,
        })
    }

    /// What became of the incumbent supplier, if the opportunity reached contracting since it
    /// was last reopened.
    pub fn incumbent(&self) -> Option<&Incumbent> {
        self.data.current(|e| match e {
            OpportunityEvidence::Contracting { incumbent, .. } => Some(incumbent),
            _ => None,
        })
    }
}

impl Opportunity<Discovery> {
    /// A new opportunity qualified from `lead` at `now`.
    pub(crate) fn open(
        lead: &LeadData,
        qualification: Qualification,
        now: DateTime<Utc>,
        ctx: &Context<'_>,
    ) -> Opportunity<Discovery> {
        let evidence = OpportunityEvidence::Qualified { lead: lead.id };
        Opportunity::open_from(OpportunityData {
            stage: OpportunityStage::Discovery,
            amount: qualification.budget().amount(),
            expected_close: qualification.timeline().decision_date(),
            probability_override: None,
            forecast_override: None,
            history: History::start(now, OpportunityStage::Discovery, evidence, ctx.actor()),
            erased: false,
            core: Arc::new(OpportunityCore {
                id: OpportunityId::generate(ctx.ids()),
                lead: lead.id,
                contact: lead.contact,
                name: lead.interest.summary.clone(),
                source: lead.source,
                owner: lead.owner.clone(),
                qualification,
                created_at: now,
                custom: CustomFields::new(),
                placement: None,
                relinks: crate::relink::Relinks::default(),
            }),
        })
    }

    /// A proposal was sent: its amount becomes the opportunity's amount.
    ///
    /// # Errors
    ///
    /// [`StepError`], and nothing changed (the opportunity and the proposal are given back),
    /// when the proposal is in another currency than the deal
    /// ([`ValidationError::CurrencyMismatch`] for
    /// [`Field::ProposalAmount`](crate::Field::ProposalAmount)) or was sent on a day outside
    /// the context's window ([`ValidationError::OutOfWindow`] for
    /// [`Field::SentOn`](crate::Field::SentOn): not before the opportunity, not in the future
    /// beyond the skew).
    pub fn propose(
        self,
        proposal: SentProposal,
        ctx: &Context<'_>,
    ) -> Result<Opportunity<Proposal>, StepError<Discovery, SentProposal>> {
        let now = ctx.now();
        if let Err(cause) = self.data.check_proposal(&proposal, now, ctx) {
            return Err(StepError::new("propose", cause, self, proposal));
        }
        let amount = proposal.amount();
        let mut next: Opportunity<Proposal> =
            self.step(now, OpportunityEvidence::Proposed(proposal), ctx);
        next.data.amount = amount;
        Ok(next)
    }
}

impl Opportunity<Proposal> {
    /// The prospect is negotiating the proposal; `note` says on what.
    pub fn negotiate(self, note: Note, ctx: &Context<'_>) -> Opportunity<Negotiation> {
        self.step(ctx.now(), OpportunityEvidence::Negotiating(note), ctx)
    }
}

impl Opportunity<Negotiation> {
    /// Payment terms are agreed and the incumbent supplier is dismissed (or there was none):
    /// contracts are being drawn up.
    pub fn enter_contracting(
        self,
        terms: PaymentTerms,
        incumbent: Incumbent,
        ctx: &Context<'_>,
    ) -> Opportunity<Contracting> {
        self.step(
            ctx.now(),
            OpportunityEvidence::Contracting { terms, incumbent },
            ctx,
        )
    }
}

/// A step of an opportunity was refused: its evidence does not fit the deal (another
/// currency, a date outside the context's window), or the account's won value would overflow.
/// Nothing changed: the opportunity and the evidence are given back, untouched.
#[derive(Debug, thiserror::Error)]
#[error("cannot {step} opportunity {id}: {cause}", id = .opportunity.id())]
pub struct StepError<S: OpportunityState, E> {
    step: &'static str,
    cause: StepCause,
    opportunity: Box<Opportunity<S>>,
    evidence: Box<E>,
}

/// A win that was refused ([`Opportunity::win`], [`Opportunity::win_for_organization`],
/// [`Opportunity::win_for`]): the contract and the opportunity are given back.
pub type WinError = StepError<Contracting, SignedContract>;

/// Why a step of an opportunity was refused ([`StepError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StepCause {
    /// The evidence does not fit the deal: a value names its field.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The account's won value in the contract's currency would overflow.
    #[error("account {account}: {cause}")]
    WonValue {
        /// The account the win was for.
        account: AccountId,
        /// The overflow.
        cause: MoneyError,
    },
}

impl<S: OpportunityState, E> StepError<S, E> {
    fn new(
        step: &'static str,
        cause: impl Into<StepCause>,
        opportunity: Opportunity<S>,
        evidence: E,
    ) -> StepError<S, E> {
        StepError {
            step,
            cause: cause.into(),
            opportunity: Box::new(opportunity),
            evidence: Box::new(evidence),
        }
    }

    /// The step refused, as a command names it (`"propose"`, `"win"`).
    pub fn step(&self) -> &'static str {
        self.step
    }

    /// Why it was refused.
    pub fn cause(&self) -> &StepCause {
        &self.cause
    }

    /// The opportunity, as it was.
    pub fn opportunity(&self) -> &Opportunity<S> {
        &self.opportunity
    }

    /// The opportunity and the evidence, untouched.
    pub fn into_parts(self) -> (Opportunity<S>, E) {
        (*self.opportunity, *self.evidence)
    }
}

impl Opportunity<Contracting> {
    /// The contract is signed: the opportunity is won and the party becomes a new [`Account`],
    /// with this contact as its primary contact.
    ///
    /// # Errors
    ///
    /// [`WinError`], and nothing changed, when the contract does not fit the deal: its value in
    /// another currency ([`ValidationError::CurrencyMismatch`] for
    /// [`Field::ContractValue`](crate::Field::ContractValue)), signed on a day outside the
    /// context's window ([`ValidationError::OutOfWindow`] for
    /// [`Field::SignedOn`](crate::Field::SignedOn): not before the opportunity, not in the
    /// future beyond the skew).
    pub fn win(
        self,
        contract: SignedContract,
        ctx: &Context<'_>,
    ) -> Result<(Opportunity<Won>, Account), WinError> {
        self.win_new_account(|| AccountId::generate(ctx.ids()), None, contract, ctx)
    }

    /// The contract is signed for a contact of `organization`, which becomes a customer: the
    /// opportunity is won and the organization's account
    /// ([`AccountId::of_organization`], one per organization) is opened with this win. When
    /// the organization is a customer already, win into its account with
    /// [`win_for`](Self::win_for) ([`Crm::win`](crate::Crm::win) chooses).
    ///
    /// # Errors
    ///
    /// As [`win`](Self::win).
    pub fn win_for_organization(
        self,
        organization: OrganizationId,
        contract: SignedContract,
        ctx: &Context<'_>,
    ) -> Result<(Opportunity<Won>, Account), WinError> {
        let id = || AccountId::of_organization(organization);
        self.win_new_account(id, Some(organization), contract, ctx)
    }

    /// Won into a new account, with the id `id` gives once the contract passed its checks (of
    /// `organization`, if any).
    fn win_new_account(
        self,
        id: impl FnOnce() -> AccountId,
        organization: Option<OrganizationId>,
        contract: SignedContract,
        ctx: &Context<'_>,
    ) -> Result<(Opportunity<Won>, Account), WinError> {
        let now = ctx.now();
        if let Err(cause) = self.data.check_contract(&contract, now, ctx) {
            return Err(StepError::new("win", cause, self, contract));
        }
        let now = self.data.history.next_at(now);
        let account = Account::open(id(), organization, &self.data, &contract, now, ctx);
        Ok((self.won(contract, account.id(), now, ctx), account))
    }

    /// The contract is signed by an existing customer (repeat business): the opportunity is won
    /// and the win is added to `account`.
    ///
    /// # Errors
    ///
    /// [`WinError`] as [`win`](Self::win), or when the account's won value in the contract's
    /// currency would overflow ([`StepCause::WonValue`]); then nothing changed (the account
    /// neither), and the error gives the opportunity and the contract back.
    pub fn win_for(
        self,
        account: &mut Account,
        contract: SignedContract,
        ctx: &Context<'_>,
    ) -> Result<Opportunity<Won>, WinError> {
        let now = ctx.now();
        if let Err(cause) = self.data.check_contract(&contract, now, ctx) {
            return Err(StepError::new("win", cause, self, contract));
        }
        // Never before the opportunity's latest step, nor before the account's latest win.
        let now = account.next_win_at(self.data.history.next_at(now));
        match account.add_win(&self.data, &contract, now, ctx) {
            Ok(()) => Ok(self.won(contract, account.id(), now, ctx)),
            Err(cause) => {
                let account = account.id();
                let cause = StepCause::WonValue { account, cause };
                Err(StepError::new("win", cause, self, contract))
            }
        }
    }

    fn won(
        self,
        contract: SignedContract,
        account: AccountId,
        at: DateTime<Utc>,
        ctx: &Context<'_>,
    ) -> Opportunity<Won> {
        let value = contract.value();
        let evidence = OpportunityEvidence::Won {
            contract: contract.share(),
            account,
        };
        let mut won: Opportunity<Won> =
            self.move_to(at, evidence, Arc::new((contract, account)), ctx);
        won.data.amount = value;
        won
    }
}

impl<S: OpenStage> Opportunity<S> {
    /// Lost, for `reason`.
    pub fn lose(self, reason: LossReason, ctx: &Context<'_>) -> Opportunity<Lost> {
        let evidence = OpportunityEvidence::Lost(reason.clone());
        self.move_to(ctx.now(), evidence, Arc::new(reason), ctx)
    }

    /// Revises the name, amount or expected close, for the revision's reason: an entry of the
    /// history that keeps the stage, with each value before and after. A value revised to what
    /// it was is recorded as given. A later proposal or contract sets the amount again; the
    /// expected close stays until revised again.
    ///
    /// # Errors
    ///
    /// The opportunity is unchanged, and the error names the field, when the revision changes
    /// nothing ([`ValidationError::Empty`] for [`Field::Revision`](crate::Field::Revision): a reason alone is not a
    /// revision), the amount is zero or less ([`ValidationError::NotPositive`] for
    /// [`Field::Amount`](crate::Field::Amount)) or in another currency than the deal
    /// ([`ValidationError::CurrencyMismatch`]), or the expected close is before the actor's
    /// today or beyond the context's horizon ([`ValidationError::DateInPast`],
    /// [`ValidationError::BeyondHorizon`] for [`Field::ExpectedClose`](crate::Field::ExpectedClose)).
    pub fn revise(&mut self, revision: Revision, ctx: &Context<'_>) -> Result<(), ValidationError> {
        let Revision {
            name,
            amount,
            expected_close,
            reason,
        } = revision.checked(&self.data, ctx)?;
        let data = &self.data;
        let revised = Revised::new(
            name.as_ref()
                .map(|n| Change::new(data.name.clone(), n.clone())),
            amount.map(|a| Change::new(data.amount, a)),
            expected_close.map(|d| Change::new(data.expected_close, d)),
            reason,
        );
        self.record(OpportunityEvidence::Revised(Box::new(revised)), ctx);
        if let Some(amount) = amount {
            self.data.amount = amount;
        }
        if let Some(date) = expected_close {
            self.data.expected_close = date;
        }
        if let Some(name) = name {
            self.data.edit_core(|core| core.name = name);
        }
        Ok(())
    }

    /// Hands the opportunity over to `owner` (`None`: to nobody), for `reason` if one is
    /// given: an entry of its history that keeps the stage, with the owner before and after.
    /// Only an open opportunity changes hands: a closed one stays with its owner at close,
    /// which is whom the reports credit.
    pub fn reassign(&mut self, owner: Option<User>, reason: Option<Note>, ctx: &Context<'_>) {
        let change = Change::new(self.data.owner.clone(), owner.clone());
        let evidence = OpportunityEvidence::Reassigned(Box::new(Reassignment::new(change, reason)));
        self.record(evidence, ctx);
        self.data.edit_core(|core| core.owner = owner);
    }

    /// Overrides the stage's default probability until the next stage change, for `reason`
    /// if one is given: an entry of the history, with the override before and after.
    pub fn override_probability(
        &mut self,
        probability: Probability,
        reason: Option<Note>,
        ctx: &Context<'_>,
    ) {
        self.set_overrides(Some(probability), self.data.forecast_override, reason, ctx);
    }

    /// Overrides the stage's default forecast category until the next stage change, for
    /// `reason` if one is given: an entry of the history, with the override before and after.
    pub fn override_forecast(
        &mut self,
        category: ForecastCategory,
        reason: Option<Note>,
        ctx: &Context<'_>,
    ) {
        self.set_overrides(self.data.probability_override, Some(category), reason, ctx);
    }

    /// Returns to the stage's default probability and forecast category: an entry of the
    /// history, with the overrides before.
    pub fn clear_overrides(&mut self, reason: Option<Note>, ctx: &Context<'_>) {
        self.set_overrides(None, None, reason, ctx);
    }

    fn set_overrides(
        &mut self,
        probability: Option<Probability>,
        forecast: Option<ForecastCategory>,
        reason: Option<Note>,
        ctx: &Context<'_>,
    ) {
        let entry = ForecastOverride::new(
            Change::new(self.data.probability_override, probability),
            Change::new(self.data.forecast_override, forecast),
            reason,
        );
        self.record(OpportunityEvidence::Overridden(Box::new(entry)), ctx);
        self.data.probability_override = probability;
        self.data.forecast_override = forecast;
    }

    /// Moves it to `stage`, a custom stage inside its backbone stage, with `note` if one is
    /// given: an entry of the history that keeps the backbone stage and needs no evidence
    /// ([`StageMove`], with the custom stage before), after which it is in `stage` and takes
    /// its default probability (an override stays until the next change of backbone stage).
    /// An opportunity in no pipeline joins `stage`'s. Crossing into another backbone stage is
    /// its typed step ([`propose`](Opportunity::propose), ...), which needs evidence.
    ///
    /// # Errors
    ///
    /// The opportunity is unchanged when `stage` is inside another backbone stage
    /// ([`StageError::OtherBackbone`]), of another pipeline than the opportunity's
    /// ([`StageError::OtherPipeline`]), the one it is in ([`StageError::AlreadyThere`]), or
    /// of a retired pipeline it is not in ([`StageError::RetiredPipeline`]).
    pub fn move_stage(
        &mut self,
        stage: CustomStage,
        note: Option<Note>,
        ctx: &Context<'_>,
    ) -> Result<(), StageError> {
        let to = stage.placement();
        if to.backbone() != S::STAGE {
            return Err(StageError::OtherBackbone {
                stage: to.stage().clone(),
                inside: to.backbone(),
                current: S::STAGE,
            });
        }
        match &self.data.placement {
            Some(current) if current.pipeline() != to.pipeline() => {
                return Err(StageError::OtherPipeline {
                    current: current.pipeline().clone(),
                    given: to.pipeline().clone(),
                });
            }
            None if stage.pipeline_is_retired() => {
                return Err(StageError::RetiredPipeline {
                    pipeline: to.pipeline().clone(),
                });
            }
            _ => {}
        }
        let from = self.data.custom_stage().map(|p| p.stage().clone());
        if from.as_ref() == Some(to.stage()) {
            return Err(StageError::AlreadyThere {
                stage: to.stage().clone(),
            });
        }
        let to = stage.into_placement();
        let entry = StageMove::new(from, to.clone(), note);
        self.record(OpportunityEvidence::StageMoved(Box::new(entry)), ctx);
        self.data.edit_core(|core| core.placement = Some(to));
        Ok(())
    }

    /// Places it in `stage` with no entry of its own: where it lands in its pipeline when
    /// it is qualified, or when a typed step has just taken it into `stage`'s backbone stage
    /// (that step's entry says when). The facade gives the pipeline's entry stage for the
    /// opportunity's, inside `S`.
    pub(crate) fn land(mut self, stage: CustomStage) -> Opportunity<S> {
        debug_assert_eq!(stage.placement().backbone(), S::STAGE);
        let to = stage.into_placement();
        self.data.edit_core(|core| core.placement = Some(to));
        self
    }

    /// Records `evidence` as an entry that keeps the stage, now (never before the latest
    /// entry).
    fn record(&mut self, evidence: OpportunityEvidence, ctx: &Context<'_>) {
        let at = self.data.history.next_at(ctx.now());
        self.data
            .history
            .push(at, S::STAGE, S::STAGE, evidence, ctx.actor());
    }
}

impl<S: ProposalStage> Opportunity<S> {
    /// A revised proposal replaces the one on the table, in [`Proposal`] or [`Negotiation`]:
    /// an entry of the history that keeps the stage, with the amount before; the proposal's
    /// amount becomes the opportunity's.
    ///
    /// # Errors
    ///
    /// As [`propose`](Opportunity::propose) ([`ValidationError::CurrencyMismatch`],
    /// [`ValidationError::OutOfWindow`]); the opportunity is then unchanged.
    pub fn revise_proposal(
        &mut self,
        proposal: SentProposal,
        ctx: &Context<'_>,
    ) -> Result<(), ValidationError> {
        self.data.check_proposal(&proposal, ctx.now(), ctx)?;
        let amount = proposal.amount();
        let evidence = OpportunityEvidence::ProposalRevised {
            previous_amount: self.data.amount,
            proposal,
        };
        self.record(evidence, ctx);
        self.data.amount = amount;
        Ok(())
    }
}

impl Opportunity<Won> {
    /// The contract the opportunity was won with.
    pub fn contract(&self) -> &SignedContract {
        &self.outcome.0
    }

    /// The account the win went to.
    pub fn account(&self) -> AccountId {
        self.outcome.1
    }
}

impl Opportunity<Lost> {
    /// Why it was lost.
    pub fn reason(&self) -> &LossReason {
        &self.outcome
    }

    /// Worth another try: back to [`Discovery`]. The loss reason is cleared from the
    /// opportunity's state (as are the proposal and terms of the previous attempt); the history
    /// keeps them all.
    pub fn reopen(self, note: Note, ctx: &Context<'_>) -> Opportunity<Discovery> {
        self.step(ctx.now(), OpportunityEvidence::Reopened(note), ctx)
    }
}

impl<S: OpportunityState> PartialEq for Opportunity<S> {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
    }
}

impl<S: OpportunityState> Eq for Opportunity<S> {}

impl<S: OpportunityState> fmt::Debug for Opportunity<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opportunity")
            .field("stage", &S::STAGE)
            .field("id", &self.data.id)
            .field("lead", &self.data.lead)
            .field("contact", &self.data.contact)
            .field("name", &self.data.name)
            .field("amount", &self.data.amount)
            .field("probability", &self.probability())
            .field("forecast", &self.forecast_category())
            .field("expected_close", &self.data.expected_close)
            .field("qualification", &self.data.qualification)
            .field("history", &self.data.history)
            .finish_non_exhaustive()
    }
}

impl<S: OpportunityState> Serialize for Opportunity<S> {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        self.data.serialize(s)
    }
}
