//! The states of leads and opportunities: zero-sized markers for the type parameter of
//! [`Lead`](crate::Lead) and [`Opportunity`](crate::Opportunity), the sealed traits that group
//! them, and their run-time twins [`LeadStatus`] and [`OpportunityStage`].
//!
//! The markers are uninhabited enums: they exist only in types. The traits are sealed, so the
//! set of states is closed and every transition between them is one this crate defines.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::forecast::{ForecastCategory, Probability};

mod sealed {
    pub trait Sealed {}
}

/// A state of a [`Lead`](crate::Lead). Sealed: implemented by [`New`], [`Working`],
/// [`Nurturing`], [`Converted`] and [`Disqualified`] only.
pub trait LeadState: sealed::Sealed + fmt::Debug + Send + Sync + 'static {
    /// The run-time twin of this state.
    const STATUS: LeadStatus;
}

/// A lead state from which the lead can still be disqualified: [`New`], [`Working`],
/// [`Nurturing`].
pub trait OpenLeadState: LeadState {}

/// A lead state from which the lead can be qualified into an opportunity: [`Working`],
/// [`Nurturing`]. A [`New`] lead has not been contacted yet, so it cannot be qualified.
pub trait QualifiableState: OpenLeadState {}

/// A stage of an [`Opportunity`](crate::Opportunity). Sealed: implemented by [`Discovery`],
/// [`Proposal`], [`Negotiation`], [`Contracting`], [`Won`] and [`Lost`] only.
pub trait OpportunityState: sealed::Sealed + fmt::Debug + Send + Sync + 'static {
    /// The run-time twin of this stage.
    const STAGE: OpportunityStage;
}

/// An open opportunity stage, which can be lost and whose probability can be overridden:
/// [`Discovery`], [`Proposal`], [`Negotiation`], [`Contracting`].
pub trait OpenStage: OpportunityState {}

/// A lead just opened: nobody has talked to them yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum New {}

/// A lead being worked: contact was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Working {}

/// A lead interested but not ready yet, kept warm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Nurturing {}

/// A lead qualified into an opportunity (terminal; it keeps its opportunity's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Converted {}

/// A lead found not worth pursuing, with a reason (it can be recycled to [`Nurturing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Disqualified {}

/// An opportunity whose needs and requirements are being explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Discovery {}

/// An opportunity to which a proposal has been sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proposal {}

/// An opportunity whose proposal is being negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Negotiation {}

/// An opportunity whose payment terms are agreed and whose prospect has no incumbent supplier
/// left: contracts are being signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Contracting {}

/// A won opportunity: the contract is signed and the party is an account (terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Won {}

/// A lost opportunity, with a reason (it can be reopened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lost {}

macro_rules! state_impls {
    ($trait:ident, $konst:ident, $tag:ident: $($name:ident),+) => {$(
        impl sealed::Sealed for $name {}

        impl $trait for $name {
            const $konst: $tag = $tag::$name;
        }
    )+};
}

state_impls!(LeadState, STATUS, LeadStatus: New, Working, Nurturing, Converted, Disqualified);
state_impls!(
    OpportunityState, STAGE, OpportunityStage:
    Discovery, Proposal, Negotiation, Contracting, Won, Lost
);

impl OpenLeadState for New {}
impl OpenLeadState for Working {}
impl OpenLeadState for Nurturing {}
impl QualifiableState for Working {}
impl QualifiableState for Nurturing {}

impl OpenStage for Discovery {}
impl OpenStage for Proposal {}
impl OpenStage for Negotiation {}
impl OpenStage for Contracting {}

/// The state of a lead, known at run time: the twin of the [`LeadState`] markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// See [`New`].
    New,
    /// See [`Working`].
    Working,
    /// See [`Nurturing`].
    Nurturing,
    /// See [`Converted`].
    Converted,
    /// See [`Disqualified`].
    Disqualified,
}

impl LeadStatus {
    /// Every status, in funnel order.
    pub const ALL: [LeadStatus; 5] = [
        LeadStatus::New,
        LeadStatus::Working,
        LeadStatus::Nurturing,
        LeadStatus::Converted,
        LeadStatus::Disqualified,
    ];

    /// The lowercase name, as serialised: `"new"`, `"working"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Working => "working",
            LeadStatus::Nurturing => "nurturing",
            LeadStatus::Converted => "converted",
            LeadStatus::Disqualified => "disqualified",
        }
    }

    /// Whether the lead is still open (neither converted nor disqualified).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            LeadStatus::New | LeadStatus::Working | LeadStatus::Nurturing
        )
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The stage of an opportunity, known at run time: the twin of the [`OpportunityState`]
/// markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStage {
    /// See [`Discovery`].
    Discovery,
    /// See [`Proposal`].
    Proposal,
    /// See [`Negotiation`].
    Negotiation,
    /// See [`Contracting`].
    Contracting,
    /// See [`Won`].
    Won,
    /// See [`Lost`].
    Lost,
}

impl OpportunityStage {
    /// Every stage, in funnel order.
    pub const ALL: [OpportunityStage; 6] = [
        OpportunityStage::Discovery,
        OpportunityStage::Proposal,
        OpportunityStage::Negotiation,
        OpportunityStage::Contracting,
        OpportunityStage::Won,
        OpportunityStage::Lost,
    ];

    /// The lowercase name, as serialised: `"discovery"`, `"proposal"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            OpportunityStage::Discovery => "discovery",
            OpportunityStage::Proposal => "proposal",
            OpportunityStage::Negotiation => "negotiation",
            OpportunityStage::Contracting => "contracting",
            OpportunityStage::Won => "won",
            OpportunityStage::Lost => "lost",
        }
    }

    /// Whether the opportunity is still open (neither won nor lost).
    pub fn is_open(self) -> bool {
        !matches!(self, OpportunityStage::Won | OpportunityStage::Lost)
    }

    /// The default probability of closing from this stage: Discovery 20, Proposal 50,
    /// Negotiation 75, Contracting 90, Won 100, Lost 0.
    pub fn default_probability(self) -> Probability {
        let percent = match self {
            OpportunityStage::Discovery => 20,
            OpportunityStage::Proposal => 50,
            OpportunityStage::Negotiation => 75,
            OpportunityStage::Contracting => 90,
            OpportunityStage::Won => 100,
            OpportunityStage::Lost => 0,
        };
        Probability::saturating(percent)
    }

    /// The default forecast category of this stage: Discovery and Proposal are
    /// [`Pipeline`](ForecastCategory::Pipeline), Negotiation
    /// [`BestCase`](ForecastCategory::BestCase), Contracting
    /// [`Commit`](ForecastCategory::Commit), Won [`Closed`](ForecastCategory::Closed), Lost
    /// [`Omitted`](ForecastCategory::Omitted).
    pub fn default_forecast(self) -> ForecastCategory {
        match self {
            OpportunityStage::Discovery | OpportunityStage::Proposal => ForecastCategory::Pipeline,
            OpportunityStage::Negotiation => ForecastCategory::BestCase,
            OpportunityStage::Contracting => ForecastCategory::Commit,
            OpportunityStage::Won => ForecastCategory::Closed,
            OpportunityStage::Lost => ForecastCategory::Omitted,
        }
    }
}

impl fmt::Display for OpportunityStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
