//! Opportunities: qualified leads actively pursued, as the typestate [`Opportunity<S>`], and the
//! evidence each stage takes.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::account::Account;
use crate::contact::LeadSource;
use crate::context::Context;
use crate::error::{Field, RecordError, ValidationError};
use crate::forecast::{ForecastCategory, Probability};
use crate::format::{Format, ReadingRecord};
use crate::history::{History, Tag, Transition};
use crate::id::{AccountId, ContactId, LeadId, OpportunityId};
use crate::kind::RecordKind;
use crate::lead::LeadData;
use crate::money::{Money, MoneyError};
use crate::qualification::Qualification;
use crate::state::{
    Contracting, Discovery, Lost, Negotiation, OpenStage, OpportunityStage, OpportunityState,
    Proposal, Won,
};
use crate::text::{Note, OrganizationName, PersonName, Reference, Summary, User};

/// A proposal sent to the prospect: the evidence for the [`Proposal`] stage. Its amount becomes
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

/// Agreed payment terms: part of the evidence for the [`Contracting`] stage.
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

/// The prospect's current supplier, as it must be to enter [`Contracting`]: dismissed, or none
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
/// ([`Opportunity::contract`]). Its data is shared behind an `Arc`, so it takes one word in the
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

    /// The contract's reference.
    pub fn reference(&self) -> &Reference {
        &self.0.reference
    }

    /// The contract's value.
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
    /// Qualified from this lead (the [`Qualification`] is on the opportunity).
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
        /// The signed contract.
        contract: SignedContract,
        /// The account, new or existing, that the win belongs to.
        account: AccountId,
    },
    /// An open stage to `Lost`: why.
    Lost(LossReason),
    /// `Lost` to `Discovery`: why it is worth another try.
    Reopened(Note),
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
        }
    }
}

impl Tag for OpportunityStage {
    fn tag(&self) -> &'static str {
        self.as_str()
    }
}

/// One entry of an opportunity's history.
pub type OpportunityTransition = Transition<OpportunityStage, OpportunityEvidence>;

/// Whether `from` → `to` with `evidence` is a step the typed API can take. The one table both the
/// transitions and the validation of stored opportunities follow.
fn legal(
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
        _ => false,
    }
}

/// What never changes once an opportunity is qualified: shared between its copies.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OpportunityCore {
    pub(crate) id: OpportunityId,
    pub(crate) lead: LeadId,
    pub(crate) contact: ContactId,
    pub(crate) name: Summary,
    pub(crate) source: LeadSource,
    pub(crate) owner: Option<User>,
    pub(crate) qualification: Qualification,
    pub(crate) created_at: DateTime<Utc>,
}

/// The data of an opportunity, whatever its stage. Cloning it shares the core and the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpportunityData {
    pub(crate) core: Arc<OpportunityCore>,
    pub(crate) stage: OpportunityStage,
    pub(crate) amount: Money,
    pub(crate) expected_close: NaiveDate,
    pub(crate) probability_override: Option<Probability>,
    pub(crate) forecast_override: Option<ForecastCategory>,
    pub(crate) history: History<OpportunityStage, OpportunityEvidence>,
    /// Whether its contact's personal data was erased (and with it, its free text).
    pub(crate) erased: bool,
}

impl std::ops::Deref for OpportunityData {
    type Target = OpportunityCore;
    fn deref(&self) -> &OpportunityCore {
        &self.core
    }
}

/// An opportunity as serialised: its fields in this order.
#[derive(Serialize)]
struct OpportunityOut<'a> {
    format: Format,
    id: OpportunityId,
    lead: LeadId,
    contact: ContactId,
    stage: OpportunityStage,
    name: &'a Summary,
    source: LeadSource,
    owner: &'a Option<User>,
    qualification: &'a Qualification,
    amount: Money,
    expected_close: NaiveDate,
    probability_override: Option<Probability>,
    forecast_override: Option<ForecastCategory>,
    created_at: DateTime<Utc>,
    history: &'a History<OpportunityStage, OpportunityEvidence>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    erased: bool,
}

/// An opportunity as deserialised, before it is validated.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpportunityIn {
    #[serde(default)]
    format: Format,
    id: OpportunityId,
    lead: LeadId,
    contact: ContactId,
    stage: OpportunityStage,
    name: Summary,
    source: LeadSource,
    owner: Option<User>,
    qualification: Qualification,
    amount: Money,
    expected_close: NaiveDate,
    probability_override: Option<Probability>,
    forecast_override: Option<ForecastCategory>,
    created_at: DateTime<Utc>,
    history: History<OpportunityStage, OpportunityEvidence>,
    #[serde(default)]
    erased: bool,
}

impl Serialize for OpportunityData {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        OpportunityOut {
            format: Format,
            id: self.id,
            lead: self.lead,
            contact: self.contact,
            stage: self.stage,
            name: &self.name,
            source: self.source,
            owner: &self.owner,
            qualification: &self.qualification,
            amount: self.amount,
            expected_close: self.expected_close,
            probability_override: self.probability_override,
            forecast_override: self.forecast_override,
            created_at: self.created_at,
            history: &self.history,
            erased: self.erased,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for OpportunityData {
    /// Reads the fields only; [`OpportunityData::deserialize_valid`] also validates.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let reading = ReadingRecord::start();
        let r = OpportunityIn::deserialize(d)?;
        let Format = r.format;
        let format = reading
            .finish(RecordKind::Opportunity)
            .map_err(serde::de::Error::custom)?;
        // Since format 1, qualifying refuses a decision date already past (before, it did not).
        if format >= 1 && r.qualification.timeline().decision_date() < r.created_at.date_naive() {
            return Err(serde::de::Error::custom(RecordError::Invariant {
                record: RecordKind::Opportunity,
                field: "qualification",
                problem: "the decision date was already past when the lead was qualified",
            }));
        }
        Ok(OpportunityData {
            core: Arc::new(OpportunityCore {
                id: r.id,
                lead: r.lead,
                contact: r.contact,
                name: r.name,
                source: r.source,
                owner: r.owner,
                qualification: r.qualification,
                created_at: r.created_at,
            }),
            stage: r.stage,
            amount: r.amount,
            expected_close: r.expected_close,
            probability_override: r.probability_override,
            forecast_override: r.forecast_override,
            history: r.history,
            erased: r.erased,
        })
    }
}

impl OpportunityData {
    /// The same opportunity with its personal data erased, marked erased: its name, its
    /// qualification's text (the need and its requirements, the decision maker), and the free
    /// text of its history (proposals' summaries, notes, terms' notes, the incumbent's name, the
    /// contract's reference and signer, reasons' detail). Same steps, states, times, ids and
    /// amounts.
    pub(crate) fn erase_personal_data(&self) -> OpportunityData {
        let erased_note = |n: &Option<Note>| n.as_ref().map(|_| Note::erased());
        let core = &self.core;
        OpportunityData {
            core: Arc::new(OpportunityCore {
                id: core.id,
                lead: core.lead,
                contact: core.contact,
                name: Summary::erased(),
                source: core.source,
                owner: core.owner.clone(),
                qualification: core.qualification.erase_personal_data(),
                created_at: core.created_at,
            }),
            stage: self.stage,
            amount: self.amount,
            expected_close: self.expected_close,
            probability_override: self.probability_override,
            forecast_override: self.forecast_override,
            history: self.history.map_evidence(|e| match e {
                OpportunityEvidence::Negotiating(_) => {
                    OpportunityEvidence::Negotiating(Note::erased())
                }
                OpportunityEvidence::Contracting { terms, incumbent } => {
                    OpportunityEvidence::Contracting {
                        terms: PaymentTerms(Arc::new(data::PaymentTerms {
                            note: erased_note(&terms.0.note),
                            ..data::PaymentTerms::clone(&terms.0)
                        })),
                        incumbent: match incumbent {
                            Incumbent::NoneInPlace => Incumbent::NoneInPlace,
                            Incumbent::Dismissed(_) => {
                                Incumbent::Dismissed(OrganizationName::erased())
                            }
                        },
                    }
                }
                OpportunityEvidence::Won { contract, account } => OpportunityEvidence::Won {
                    contract: SignedContract(Arc::new(data::SignedContract {
                        reference: Reference::erased(),
                        signed_by: PersonName::erased(),
                        ..data::SignedContract::clone(&contract.0)
                    })),
                    account: *account,
                },
                OpportunityEvidence::Lost(r) => OpportunityEvidence::Lost(LossReason {
                    category: r.category,
                    detail: erased_note(&r.detail),
                }),
                OpportunityEvidence::Reopened(_) => OpportunityEvidence::Reopened(Note::erased()),
                OpportunityEvidence::Qualified { lead } => {
                    OpportunityEvidence::Qualified { lead: *lead }
                }
                OpportunityEvidence::Proposed(p) => {
                    OpportunityEvidence::Proposed(SentProposal(Arc::new(data::SentProposal {
                        summary: Summary::erased(),
                        ..data::SentProposal::clone(&p.0)
                    })))
                }
            }),
            erased: true,
        }
    }

    /// Checks every invariant an opportunity read from outside must hold.
    pub(crate) fn validate(&self) -> Result<(), RecordError> {
        let invariant = |field, problem| {
            Err(RecordError::Invariant {
                record: RecordKind::Opportunity,
                field,
                problem,
            })
        };
        self.history
            .validate(RecordKind::Opportunity, self.stage, legal)?;
        match self.history.first() {
            Some(first) if first.at() != self.created_at => {
                return invariant(
                    "created_at",
                    "differs from the time of the first history entry",
                );
            }
            Some(first)
                if *first.evidence() != (OpportunityEvidence::Qualified { lead: self.lead }) =>
            {
                return invariant(
                    "lead",
                    "differs from the lead the history was qualified from",
                );
            }
            _ => {}
        }
        if !self.amount.is_positive() {
            return invariant("amount", "must be above zero");
        }
        if !self.stage.is_open()
            && (self.probability_override.is_some() || self.forecast_override.is_some())
        {
            return invariant(
                "probability_override",
                "a closed opportunity follows its stage's probability and forecast",
            );
        }
        if let Some(OpportunityEvidence::Won { contract, .. }) = self.history.last_evidence() {
            if contract.value() != self.amount {
                return invariant("amount", "differs from the signed contract's value");
            }
        }
        // What derives from the history says what the history says: the amount is the
        // latest proposal's or contract's, or the budget before any; the expected close is the
        // qualification's decision date (no step moves it).
        if self.amount != self.derived_amount() {
            return invariant(
                "amount",
                "differs from its history (the latest proposal's amount, or the budget)",
            );
        }
        if self.expected_close != self.qualification.timeline().decision_date() {
            return invariant(
                "expected_close",
                "differs from the qualification's decision date",
            );
        }
        Ok(())
    }

    /// [`validate`](Self::validate), and the checks of the current format that records of
    /// older formats may fail (reading them checks those by their format).
    pub(crate) fn validate_current(&self) -> Result<(), RecordError> {
        self.validate()?;
        if self.qualification.timeline().decision_date() < self.created_at.date_naive() {
            return Err(RecordError::Invariant {
                record: RecordKind::Opportunity,
                field: "qualification",
                problem: "the decision date was already past when the lead was qualified",
            });
        }
        Ok(())
    }

    /// The amount the history gives: the latest proposal's amount or contract's value, or the
    /// budget when there is neither.
    fn derived_amount(&self) -> Money {
        self.history
            .newest_first()
            .find_map(|t| match t.evidence() {
                OpportunityEvidence::Proposed(p) => Some(p.amount()),
                OpportunityEvidence::Won { contract, .. } => Some(contract.value()),
                _ => None,
            })
            .unwrap_or_else(|| self.qualification.budget().amount())
    }

    /// Reads an opportunity and validates it, whatever its stage.
    pub(crate) fn deserialize_valid<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<OpportunityData, D::Error> {
        let data = OpportunityData::deserialize(d)?;
        data.validate().map_err(serde::de::Error::custom)?;
        Ok(data)
    }

    pub(crate) fn probability(&self) -> Probability {
        self.probability_override
            .unwrap_or_else(|| self.stage.default_probability())
    }

    pub(crate) fn forecast_category(&self) -> ForecastCategory {
        self.forecast_override
            .unwrap_or_else(|| self.stage.default_forecast())
    }

    /// The evidence of the latest step of kind `pick` since the opportunity was last reopened.
    fn current<'a, T>(&'a self, pick: impl Fn(&'a OpportunityEvidence) -> Option<T>) -> Option<T> {
        self.history
            .newest_first()
            .take_while(|t| !matches!(t.evidence(), OpportunityEvidence::Reopened(_)))
            .find_map(|t| pick(t.evidence()))
    }
}

/// A qualified lead actively pursued, in stage `S`: [`Discovery`], [`Proposal`],
/// [`Negotiation`], [`Contracting`], [`Won`] or [`Lost`].
///
/// Made only by [`Lead::qualify`](crate::Lead::qualify). Each advance consumes the opportunity
/// and its evidence (a [`SentProposal`]; a note on the negotiation; [`PaymentTerms`] and the
/// [`Incumbent`] out of the way; a [`SignedContract`]); any open stage can be
/// [lost](Opportunity::lose), and a lost opportunity [reopened](Opportunity::reopen).
///
/// Probability and forecast category follow the stage
/// ([`OpportunityStage::default_probability`]) unless overridden in an open stage; every stage
/// change clears the override.
///
/// # Linear
///
/// An `Opportunity<S>` is neither `Clone` nor `Deserialize`, so a step that consumes it (a win, a
/// loss, an advance) cannot be taken twice from one value. To show or send a copy, use a
/// reference or the dynamic form [`AnyOpportunity`](crate::AnyOpportunity) (a snapshot, which is
/// `Clone` and `Deserialize`). A typed value comes back from a snapshot with `TryFrom`, which is
/// what loading from a store does: two reads of one stored record give two values that claim
/// the same version of its history, and the store accepts the next step of only one of them
/// (see the contract in [`Store`](crate::Store)).
pub struct Opportunity<S: OpportunityState> {
    data: OpportunityData,
    state: PhantomData<S>,
}

impl<S: OpportunityState> Opportunity<S> {
    pub(crate) fn from_data(data: OpportunityData) -> Opportunity<S> {
        Opportunity {
            data,
            state: PhantomData,
        }
    }

    pub(crate) fn data(&self) -> &OpportunityData {
        &self.data
    }

    pub(crate) fn into_data(self) -> OpportunityData {
        self.data
    }

    /// Moves to stage `T` at `at` (never before the latest entry), recording `evidence`, and
    /// clears any override.
    fn step<T: OpportunityState>(
        mut self,
        at: DateTime<Utc>,
        evidence: OpportunityEvidence,
        ctx: &Context<'_>,
    ) -> Opportunity<T> {
        let at = self.data.history.next_at(at);
        self.data
            .history
            .push(at, S::STAGE, T::STAGE, evidence, ctx.actor());
        self.data.stage = T::STAGE;
        self.data.probability_override = None;
        self.data.forecast_override = None;
        Opportunity::from_data(self.data)
    }

    /// The opportunity's id.
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

    /// The probability of closing: the override if one is set, else the stage's default.
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

    /// Whether its contact's personal data was erased, and with it the opportunity's free text
    /// ([`Crm::erase_contact`](crate::Crm::erase_contact)).
    pub fn is_erased(&self) -> bool {
        self.data.erased
    }

    /// The proposal sent since the opportunity was last reopened, if any.
    pub fn proposal(&self) -> Option<&SentProposal> {
        self.data.current(|e| match e {
            OpportunityEvidence::Proposed(p) => Some(p),
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
        Opportunity::from_data(OpportunityData {
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
            }),
        })
    }

    /// A proposal was sent: its amount becomes the opportunity's amount.
    pub fn propose(self, proposal: SentProposal, ctx: &Context<'_>) -> Opportunity<Proposal> {
        let amount = proposal.amount();
        let mut next: Opportunity<Proposal> =
            self.step(ctx.now(), OpportunityEvidence::Proposed(proposal), ctx);
        next.data.amount = amount;
        next
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

/// Winning into an existing [`Account`] was refused; the opportunity, the contract and the
/// account are as they were, and given back.
#[derive(Debug, thiserror::Error)]
#[error("cannot add the win to account {account}: {cause}")]
pub struct WinError {
    account: AccountId,
    cause: MoneyError,
    opportunity: Box<Opportunity<Contracting>>,
    contract: Box<SignedContract>,
}

impl WinError {
    /// The account the win was for.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// Why it was refused.
    pub fn cause(&self) -> MoneyError {
        self.cause
    }

    /// The opportunity and the contract, untouched.
    pub fn into_parts(self) -> (Opportunity<Contracting>, SignedContract) {
        (*self.opportunity, *self.contract)
    }
}

impl Opportunity<Contracting> {
    /// The contract is signed: the opportunity is won and the party becomes a new [`Account`],
    /// with this contact as its primary contact.
    pub fn win(self, contract: SignedContract, ctx: &Context<'_>) -> (Opportunity<Won>, Account) {
        let now = self.data.history.next_at(ctx.now());
        let account = Account::open(
            AccountId::generate(ctx.ids()),
            &self.data,
            &contract,
            now,
            ctx,
        );
        (self.won(contract, account.id(), now, ctx), account)
    }

    /// The contract is signed by an existing customer (repeat business): the opportunity is won
    /// and the win is added to `account`.
    ///
    /// # Errors
    ///
    /// [`WinError`] when the account's won value in the contract's currency would overflow; then
    /// nothing changed, and the error gives the opportunity and the contract back.
    pub fn win_for(
        self,
        account: &mut Account,
        contract: SignedContract,
        ctx: &Context<'_>,
    ) -> Result<Opportunity<Won>, WinError> {
        // Never before the opportunity's latest step, nor before the account's latest win.
        let now = account.next_win_at(self.data.history.next_at(ctx.now()));
        match account.add_win(&self.data, &contract, now, ctx) {
            Ok(()) => Ok(self.won(contract, account.id(), now, ctx)),
            Err(cause) => Err(WinError {
                account: account.id(),
                cause,
                opportunity: Box::new(self),
                contract: Box::new(contract),
            }),
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
        let mut won: Opportunity<Won> =
            self.step(at, OpportunityEvidence::Won { contract, account }, ctx);
        won.data.amount = value;
        won
    }
}

impl<S: OpenStage> Opportunity<S> {
    /// Lost, for `reason`.
    pub fn lose(self, reason: LossReason, ctx: &Context<'_>) -> Opportunity<Lost> {
        self.step(ctx.now(), OpportunityEvidence::Lost(reason), ctx)
    }

    /// Overrides the stage's default probability until the next stage change.
    pub fn override_probability(&mut self, probability: Probability) {
        self.data.probability_override = Some(probability);
    }

    /// Overrides the stage's default forecast category until the next stage change.
    pub fn override_forecast(&mut self, category: ForecastCategory) {
        self.data.forecast_override = Some(category);
    }

    /// Returns to the stage's default probability and forecast category.
    pub fn clear_overrides(&mut self) {
        self.data.probability_override = None;
        self.data.forecast_override = None;
    }
}

impl Opportunity<Won> {
    /// The signed contract.
    pub fn contract(&self) -> &SignedContract {
        match self.data.history.last_evidence() {
            Some(OpportunityEvidence::Won { contract, .. }) => contract,
            _ => unreachable!("a won opportunity's history ends in its win"),
        }
    }

    /// The account the win went to.
    pub fn account(&self) -> AccountId {
        match self.data.history.last_evidence() {
            Some(OpportunityEvidence::Won { account, .. }) => *account,
            _ => unreachable!("a won opportunity's history ends in its win"),
        }
    }
}

impl Opportunity<Lost> {
    /// Why it was lost.
    pub fn reason(&self) -> &LossReason {
        match self.data.history.last_evidence() {
            Some(OpportunityEvidence::Lost(reason)) => reason,
            _ => unreachable!("a lost opportunity's history ends in its loss"),
        }
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
