//! The evidence an opportunity's steps take (proposals, payment terms, the incumbent, signed
//! contracts, loss reasons), the evidence of its history entries, and the one table of which
//! evidence takes which step.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize, Serializer};

use super::{OpportunityStage, StageMove};
use crate::edit::{Change, Reassignment};
use crate::error::{Field, ValidationError};
use crate::forecast::{ForecastCategory, Probability};
use crate::history::{Tag, Transition};
use crate::id::{AccountId, LeadId};
use crate::money::Money;
use crate::text::{Note, OrganizationName, PersonName, Reference, Summary};

/// A proposal sent to the prospect: the evidence for the [`Proposal`](crate::state::Proposal) stage. Its amount becomes
/// the opportunity's amount.
///
/// ```
/// use chrono::NaiveDate;
/// use prospect::{Currency, Money, SentProposal, Summary};
/// let proposal = SentProposal::new(
///     Summary::new("40 seats, 3 years")?,
///     Money::parse("36000", Currency::EUR)?,
///     NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
/// )?;
/// assert_eq!(proposal.amount().minor(), 3_600_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Shared behind an `Arc`, like all the larger evidence: a clone costs a reference count, and
/// the proposal takes one word in its history entry.
#[derive(Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "data::SentProposal")]
pub struct SentProposal(Arc<data::SentProposal>);

/// The data of the evidence that is shared behind an `Arc` (a clone costs a reference count,
/// and the evidence takes one word in a history entry), serialised and shown as it.
mod data {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct SentProposal {
        pub(super) summary: Summary,
        pub(super) amount: Money,
        pub(super) sent_on: NaiveDate,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
    pub(super) struct PaymentTerms {
        pub(super) net_days: u16,
        pub(super) installments: u16,
        pub(super) note: Option<Note>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct SignedContract {
        pub(super) reference: Reference,
        pub(super) value: Money,
        pub(super) signed_on: NaiveDate,
        pub(super) signed_by: PersonName,
    }
}

/// `Serialize` and `Debug` for evidence shared behind an `Arc`: as the data it shares.
macro_rules! as_shared_data {
    ($($ty:ident),+) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(s)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.0, f)
            }
        }
    )+};
}

as_shared_data!(SentProposal, PaymentTerms, SignedContract);

impl TryFrom<data::SentProposal> for SentProposal {
    type Error = ValidationError;
    fn try_from(r: data::SentProposal) -> Result<SentProposal, ValidationError> {
        SentProposal::new(r.summary, r.amount, r.sent_on)
    }
}

impl SentProposal {
    /// A proposal of `summary` for `amount`, sent on `sent_on`.
    ///
    /// # Errors
    ///
    /// [`ValidationError::NotPositive`] for [`Field::ProposalAmount`] when the amount is zero or
    /// less.
    pub fn new(
        summary: Summary,
        amount: Money,
        sent_on: NaiveDate,
    ) -> Result<SentProposal, ValidationError> {
        let amount = amount.positive(Field::ProposalAmount)?;
        Ok(SentProposal(Arc::new(data::SentProposal {
            summary,
            amount,
            sent_on,
        })))
    }

    /// What is proposed.
    pub fn summary(&self) -> &Summary {
        &self.0.summary
    }

    /// For how much.
    pub fn amount(&self) -> Money {
        self.0.amount
    }

    /// When it was sent.
    pub fn sent_on(&self) -> NaiveDate {
        self.0.sent_on
    }
}

/// Agreed payment terms: part of the evidence for the [`Contracting`](crate::state::Contracting) stage.
///
/// ```
/// use prospect::PaymentTerms;
/// let terms = PaymentTerms::new(30, 12)?; // net 30, in 12 installments
/// assert_eq!(terms.net_days(), 30);
/// assert!(PaymentTerms::new(30, 0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Shared behind an `Arc`: a clone costs a reference count.
#[derive(Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "PaymentTermsRepr")]
pub struct PaymentTerms(Arc<data::PaymentTerms>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentTermsRepr {
    net_days: u32,
    installments: u32,
    note: Option<Note>,
}

impl TryFrom<PaymentTermsRepr> for PaymentTerms {
    type Error = ValidationError;
    fn try_from(r: PaymentTermsRepr) -> Result<PaymentTerms, ValidationError> {
        let terms = PaymentTerms::new(r.net_days, r.installments)?;
        Ok(match r.note {
            Some(note) => terms.with_note(note),
            None => terms,
        })
    }
}

impl PaymentTerms {
    /// The longest payment delay accepted, in days.
    pub const MAX_NET_DAYS: u32 = 365;
    /// The most installments accepted.
    pub const MAX_INSTALLMENTS: u32 = 120;

    /// Payment due `net_days` after invoice (0 for on receipt), in `installments` parts.
    ///
    /// # Errors
    ///
    /// [`ValidationError::OutOfRange`] for [`Field::PaymentDays`] above
    /// [`Self::MAX_NET_DAYS`], or for [`Field::Installments`] outside
    /// 1..=[`Self::MAX_INSTALLMENTS`].
    pub fn new(net_days: u32, installments: u32) -> Result<PaymentTerms, ValidationError> {
        let range = |field, value: u32, min: u32, max: u32| {
            if (min..=max).contains(&value) {
                // At most 365 or 120: fits.
                Ok(u16::try_from(value).unwrap_or(u16::MAX))
            } else {
                Err(ValidationError::OutOfRange {
                    field,
                    value: i128::from(value),
                    min: i128::from(min),
                    max: i128::from(max),
                })
            }
        };
        Ok(PaymentTerms(Arc::new(data::PaymentTerms {
            net_days: range(Field::PaymentDays, net_days, 0, Self::MAX_NET_DAYS)?,
            installments: range(Field::Installments, installments, 1, Self::MAX_INSTALLMENTS)?,
            note: None,
        })))
    }

    /// The same terms with a note (penalties, discounts, ...).
    pub fn with_note(mut self, note: Note) -> PaymentTerms {
        Arc::make_mut(&mut self.0).note = Some(note);
        self
    }

    /// Days from invoice to payment.
    pub fn net_days(&self) -> u32 {
        u32::from(self.0.net_days)
    }

    /// Number of installments.
    pub fn installments(&self) -> u32 {
        u32::from(self.0.installments)
    }

    /// The note, if any.
    pub fn note(&self) -> Option<&Note> {
        self.0.note.as_ref()
    }
}

/// The prospect's current supplier, as it must be to enter [`Contracting`](crate::state::Contracting): dismissed, or none
/// to begin with. (An incumbent still in place cannot be expressed: the seed's opportunity "has
/// dismissed its current supplier".)
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Incumbent {
    /// The prospect had no supplier for this.
    NoneInPlace,
    /// The prospect dismissed this supplier.
    Dismissed(OrganizationName),
}

impl fmt::Display for Incumbent {
    /// `none in place`, or `dismissed SpreadCo`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Incumbent::NoneInPlace => f.write_str("none in place"),
            Incumbent::Dismissed(name) => write!(f, "dismissed {name}"),
        }
    }
}

/// A signed contract: the evidence for winning an opportunity. Its value becomes the
/// opportunity's amount and is added to the account's won value.
///
/// **Linear**: not `Clone`, so one contract wins one opportunity. Winning consumes it; the won
/// opportunity's history keeps it, and lends it out only by reference
/// ([`Opportunity::contract`](crate::Opportunity::contract)). Its data is shared behind an `Arc`, so it takes one word in the
/// history entry of a win (which keeps every opportunity's history entries small, whatever their
/// evidence).
#[derive(PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "data::SignedContract")]
pub struct SignedContract(Arc<data::SignedContract>);

impl TryFrom<data::SignedContract> for SignedContract {
    type Error = ValidationError;
    fn try_from(r: data::SignedContract) -> Result<SignedContract, ValidationError> {
        SignedContract::new(r.reference, r.value, r.signed_on, r.signed_by)
    }
}

impl SignedContract {
    /// A second handle on the same contract, inside the crate: a won opportunity keeps it both
    /// in its history and in its state.
    pub(crate) fn share(&self) -> SignedContract {
        SignedContract(Arc::clone(&self.0))
    }

    /// The contract with its reference and signatory erased.
    pub(crate) fn erased(&self) -> SignedContract {
        SignedContract(Arc::new(data::SignedContract {
            reference: Reference::erased(),
            signed_by: PersonName::erased(),
            ..data::SignedContract::clone(&self.0)
        }))
    }

    /// Contract `reference` for `value`, signed on `signed_on` by `signed_by` for the customer.
    ///
    /// # Errors
    ///
    /// [`ValidationError::NotPositive`] for [`Field::ContractValue`] when the value is zero or
    /// less.
    pub fn new(
        reference: Reference,
        value: Money,
        signed_on: NaiveDate,
        signed_by: PersonName,
    ) -> Result<SignedContract, ValidationError> {
        let value = value.positive(Field::ContractValue)?;
        Ok(SignedContract(Arc::new(data::SignedContract {
            reference,
            value,
            signed_on,
            signed_by,
        })))
    }

    /// The contract's reference in the customer's or the seller's system.
    pub fn reference(&self) -> &Reference {
        &self.0.reference
    }

    /// The value signed for: the won opportunity's amount.
    pub fn value(&self) -> Money {
        self.0.value
    }

    /// When it was signed.
    pub fn signed_on(&self) -> NaiveDate {
        self.0.signed_on
    }

    /// Who signed it for the customer.
    pub fn signed_by(&self) -> &PersonName {
        &self.0.signed_by
    }
}

/// Why an opportunity was lost: a predefined category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LossCategory {
    /// Too expensive.
    Price,
    /// A competitor won.
    Competitor,
    /// The budget went away.
    NoBudget,
    /// No decision was made; the status quo won.
    NoDecision,
    /// Bad timing; maybe later.
    Timing,
    /// The product did not fit the requirements.
    ProductFit,
    /// The prospect stopped answering.
    Unresponsive,
    /// Anything else: say what in the detail.
    Other,
}

impl LossCategory {
    /// The snake-case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            LossCategory::Price => "price",
            LossCategory::Competitor => "competitor",
            LossCategory::NoBudget => "no_budget",
            LossCategory::NoDecision => "no_decision",
            LossCategory::Timing => "timing",
            LossCategory::ProductFit => "product_fit",
            LossCategory::Unresponsive => "unresponsive",
            LossCategory::Other => "other",
        }
    }
}

impl fmt::Display for LossCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Why an opportunity was lost. The fields have no invariant between them, so they are public.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossReason {
    /// The predefined category.
    pub category: LossCategory,
    /// Free text, if any.
    pub detail: Option<Note>,
}

impl LossReason {
    /// The reason with its detail erased (the category stays).
    pub(crate) fn erased(&self) -> LossReason {
        LossReason {
            category: self.category,
            detail: self.detail.as_ref().map(|_| Note::erased()),
        }
    }

    /// A reason with a category and no detail.
    pub fn new(category: LossCategory) -> LossReason {
        LossReason {
            category,
            detail: None,
        }
    }

    /// The same reason with free text.
    pub fn with_detail(self, detail: Note) -> LossReason {
        LossReason {
            detail: Some(detail),
            ..self
        }
    }
}

/// The evidence of one step in an opportunity's history.
///
/// Not `Clone`: a win's entry holds its [`SignedContract`], which is linear.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OpportunityEvidence {
    /// Qualified from this lead (the [`Qualification`](crate::Qualification) is on the opportunity).
    Qualified {
        /// The lead that was converted.
        lead: LeadId,
    },
    /// `Discovery` to `Proposal`: the proposal sent.
    Proposed(SentProposal),
    /// `Proposal` to `Negotiation`: what is being negotiated.
    Negotiating(Note),
    /// `Negotiation` to `Contracting`: agreed terms, and the incumbent out of the way.
    Contracting {
        /// The agreed payment terms.
        terms: PaymentTerms,
        /// The prospect's previous supplier.
        incumbent: Incumbent,
    },
    /// `Contracting` to `Won`: the signed contract, and the account it went to.
    Won {
        /// The contract the opportunity was won with.
        contract: SignedContract,
        /// The account, new or existing, that the win belongs to.
        account: AccountId,
    },
    /// An open stage to `Lost`: why.
    Lost(LossReason),
    /// `Lost` to `Discovery`: why it is worth another try.
    Reopened(Note),
    /// A revised proposal replaced the one on the table, in `Proposal` or `Negotiation` (the
    /// stage stays): its amount becomes the opportunity's.
    ProposalRevised {
        /// The opportunity's amount before.
        previous_amount: Money,
        /// The proposal sent.
        proposal: SentProposal,
    },
    /// The name, amount or expected close of an open opportunity were revised (the stage
    /// stays). Boxed, as are the other edits: rare, and larger than the steps.
    Revised(Box<Revised>),
    /// An open opportunity changed hands (the stage stays).
    Reassigned(Box<Reassignment>),
    /// The probability or forecast category of an open opportunity was overridden, or the
    /// override cleared (the stage stays).
    Overridden(Box<ForecastOverride>),
    /// A move between custom stages of its pipeline, inside its backbone stage (which stays):
    /// no evidence needed.
    StageMoved(Box<StageMove>),
}

/// What to revise on an open opportunity: any of its name, amount and expected close, and
/// why. Given to [`Opportunity::revise`](crate::Opportunity::revise), which records a
/// [`Revised`] entry with the values before and after.
///
/// ```
/// use chrono::NaiveDate;
/// use prospect::{Currency, Money, Note, Revision};
/// let revision = Revision::new()
///     .amount(Money::parse("42000", Currency::EUR)?)
///     .expected_close(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap())
///     .because(Note::new("Two more sites")?);
/// assert!(revision.name_given().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Revision {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) amount: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expected_close: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<Note>,
}

impl Revision {
    /// A revision that changes nothing yet.
    pub fn new() -> Revision {
        Revision::default()
    }

    /// The same revision, renaming the opportunity.
    pub fn name(self, name: Summary) -> Revision {
        Revision {
            name: Some(name),
            ..self
        }
    }

    /// The same revision, with a new amount (checked when revising: above zero).
    pub fn amount(self, amount: Money) -> Revision {
        Revision {
            amount: Some(amount),
            ..self
        }
    }

    /// The same revision, with a new expected close (checked when revising: not before the
    /// actor's today).
    pub fn expected_close(self, date: NaiveDate) -> Revision {
        Revision {
            expected_close: Some(date),
            ..self
        }
    }

    /// The same revision, with the reason for it.
    pub fn because(self, reason: Note) -> Revision {
        Revision {
            reason: Some(reason),
            ..self
        }
    }

    /// The new name, if one is given.
    pub fn name_given(&self) -> Option<&Summary> {
        self.name.as_ref()
    }

    /// The new amount, if one is given.
    pub fn amount_given(&self) -> Option<Money> {
        self.amount
    }

    /// The new expected close, if one is given.
    pub fn expected_close_given(&self) -> Option<NaiveDate> {
        self.expected_close
    }

    /// The same revision, checked for `deal` on the day of the step: something to change (a
    /// reason alone changes nothing), the amount above zero and in the deal's currency, the
    /// expected close from today to the context's horizon.
    pub(crate) fn checked(
        self,
        deal: &super::OpportunityData,
        ctx: &crate::context::Context<'_>,
    ) -> Result<Revision, ValidationError> {
        if self.name.is_none() && self.amount.is_none() && self.expected_close.is_none() {
            return Err(ValidationError::Empty {
                field: Field::Revision,
            });
        }
        if let Some(amount) = self.amount {
            amount
                .positive(Field::Amount)?
                .in_currency(Field::Amount, deal.currency())?;
        }
        if let Some(date) = self.expected_close {
            ctx.dates()
                .upcoming(Field::ExpectedClose, date, deal.step_day(ctx.now(), ctx))?;
        }
        Ok(self)
    }
}

/// A revision as recorded: each field revised, before and after, and the reason if one was
/// given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revised {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<Change<Summary>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    amount: Option<Change<Money>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expected_close: Option<Change<NaiveDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<Note>,
}

impl Revised {
    pub(crate) fn new(
        name: Option<Change<Summary>>,
        amount: Option<Change<Money>>,
        expected_close: Option<Change<NaiveDate>>,
        reason: Option<Note>,
    ) -> Revised {
        Revised {
            name,
            amount,
            expected_close,
            reason,
        }
    }

    /// The name before and after, if it was revised.
    pub fn name(&self) -> Option<&Change<Summary>> {
        self.name.as_ref()
    }

    /// The amount before and after, if it was revised.
    pub fn amount(&self) -> Option<&Change<Money>> {
        self.amount.as_ref()
    }

    /// The expected close before and after, if it was revised.
    pub fn expected_close(&self) -> Option<&Change<NaiveDate>> {
        self.expected_close.as_ref()
    }

    /// Why, if a reason was given.
    pub fn reason(&self) -> Option<&Note> {
        self.reason.as_ref()
    }

    /// The same revision with its free text erased: the names and the reason.
    fn erased(&self) -> Revised {
        Revised {
            name: self.name.as_ref().map(|c| c.map(|_| Summary::erased())),
            amount: self.amount,
            expected_close: self.expected_close,
            reason: self.reason.as_ref().map(|_| Note::erased()),
        }
    }
}

/// An override of an open opportunity's probability and forecast category as recorded: both,
/// before and after (`None`: the stage's default), and the reason if one was given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForecastOverride {
    probability: Change<Option<Probability>>,
    forecast: Change<Option<ForecastCategory>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<Note>,
}

impl ForecastOverride {
    pub(crate) fn new(
        probability: Change<Option<Probability>>,
        forecast: Change<Option<ForecastCategory>>,
        reason: Option<Note>,
    ) -> ForecastOverride {
        ForecastOverride {
            probability,
            forecast,
            reason,
        }
    }

    /// The overriding probability before and after.
    pub fn probability(&self) -> &Change<Option<Probability>> {
        &self.probability
    }

    /// The overriding forecast category before and after.
    pub fn forecast(&self) -> &Change<Option<ForecastCategory>> {
        &self.forecast
    }

    /// Why, if a reason was given.
    pub fn reason(&self) -> Option<&Note> {
        self.reason.as_ref()
    }

    fn erased(&self) -> ForecastOverride {
        ForecastOverride {
            reason: self.reason.as_ref().map(|_| Note::erased()),
            ..self.clone()
        }
    }
}

impl Tag for OpportunityEvidence {
    fn tag(&self) -> &'static str {
        match self {
            OpportunityEvidence::Qualified { .. } => "qualified",
            OpportunityEvidence::Proposed(_) => "proposed",
            OpportunityEvidence::Negotiating(_) => "negotiating",
            OpportunityEvidence::Contracting { .. } => "contracting",
            OpportunityEvidence::Won { .. } => "won",
            OpportunityEvidence::Lost(_) => "lost",
            OpportunityEvidence::Reopened(_) => "reopened",
            OpportunityEvidence::ProposalRevised { .. } => "proposal_revised",
            OpportunityEvidence::Revised(_) => "revised",
            OpportunityEvidence::Reassigned(_) => "reassigned",
            OpportunityEvidence::Overridden(_) => "overridden",
            OpportunityEvidence::StageMoved(_) => "stage_moved",
        }
    }
}

impl Tag for OpportunityStage {
    fn tag(&self) -> &'static str {
        self.as_str()
    }
}

impl OpportunityEvidence {
    /// The same evidence with its free text and person names erased: proposals' summaries,
    /// notes, terms' notes, the dismissed incumbent's name, the contract's reference and signer,
    /// reasons' detail, revised names, the reasons of edits and the notes of moves between
    /// custom stages. Amounts, dates, ids, owners and
    /// categories stay.
    pub(super) fn erased(&self) -> OpportunityEvidence {
        let erased_note = |n: &Option<Note>| n.as_ref().map(|_| Note::erased());
        match self {
            OpportunityEvidence::Qualified { lead } => {
                OpportunityEvidence::Qualified { lead: *lead }
            }
            OpportunityEvidence::Proposed(p) => {
                OpportunityEvidence::Proposed(SentProposal(Arc::new(data::SentProposal {
                    summary: Summary::erased(),
                    ..data::SentProposal::clone(&p.0)
                })))
            }
            OpportunityEvidence::Negotiating(_) => OpportunityEvidence::Negotiating(Note::erased()),
            OpportunityEvidence::Contracting { terms, incumbent } => {
                OpportunityEvidence::Contracting {
                    terms: PaymentTerms(Arc::new(data::PaymentTerms {
                        note: erased_note(&terms.0.note),
                        ..data::PaymentTerms::clone(&terms.0)
                    })),
                    incumbent: match incumbent {
                        Incumbent::NoneInPlace => Incumbent::NoneInPlace,
                        Incumbent::Dismissed(_) => Incumbent::Dismissed(OrganizationName::erased()),
                    },
                }
            }
            OpportunityEvidence::Won { contract, account } => OpportunityEvidence::Won {
                contract: contract.erased(),
                account: *account,
            },
            OpportunityEvidence::Lost(r) => OpportunityEvidence::Lost(r.erased()),
            OpportunityEvidence::Reopened(_) => OpportunityEvidence::Reopened(Note::erased()),
            OpportunityEvidence::ProposalRevised {
                previous_amount,
                proposal,
            } => OpportunityEvidence::ProposalRevised {
                previous_amount: *previous_amount,
                proposal: SentProposal(Arc::new(data::SentProposal {
                    summary: Summary::erased(),
                    ..data::SentProposal::clone(&proposal.0)
                })),
            },
            OpportunityEvidence::Revised(r) => OpportunityEvidence::Revised(Box::new(r.erased())),
            OpportunityEvidence::Reassigned(r) => {
                OpportunityEvidence::Reassigned(Box::new(r.erased()))
            }
            OpportunityEvidence::Overridden(o) => {
                OpportunityEvidence::Overridden(Box::new(o.erased()))
            }
            OpportunityEvidence::StageMoved(m) => {
                OpportunityEvidence::StageMoved(Box::new(m.erased()))
            }
        }
    }
}

/// One entry of an opportunity's history.
pub type OpportunityTransition = Transition<OpportunityStage, OpportunityEvidence>;

/// Whether `from` → `to` with `evidence` is a step the typed API can take. The one table both the
/// transitions and the validation of stored opportunities follow.
pub(super) fn legal(
    from: Option<OpportunityStage>,
    to: OpportunityStage,
    evidence: &OpportunityEvidence,
) -> bool {
    use OpportunityEvidence as E;
    use OpportunityStage as O;
    match (from, to, evidence) {
        (None, O::Discovery, E::Qualified { .. }) => true,
        (Some(O::Discovery), O::Proposal, E::Proposed(_)) => true,
        (Some(O::Proposal), O::Negotiation, E::Negotiating(_)) => true,
        (Some(O::Negotiation), O::Contracting, E::Contracting { .. }) => true,
        (Some(O::Contracting), O::Won, E::Won { .. }) => true,
        (Some(f), O::Lost, E::Lost(_)) => f.is_open(),
        (Some(O::Lost), O::Discovery, E::Reopened(_)) => true,
        (Some(f), t, E::ProposalRevised { .. }) => {
            f == t && matches!(f, O::Proposal | O::Negotiation)
        }
        (Some(f), t, E::Revised(_) | E::Reassigned(_) | E::Overridden(_) | E::StageMoved(_)) => {
            f == t && f.is_open()
        }
        _ => false,
    }
}
