//! The stages of an opportunity: the zero-sized markers for the type parameter of
//! [`Opportunity`], the sealed traits that group them, and their run-time twin
//! [`OpportunityStage`]. Public as `prospect::state`.
//!
//! The markers are uninhabited enums: they exist only in types. The traits are sealed, so the
//! set of stages is closed and every transition between them is one this crate defines.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{AnyOpportunity, LossReason, Opportunity, SignedContract};
use crate::forecast::{ForecastCategory, Probability};
use crate::id::AccountId;

pub(crate) mod sealed {
    use std::fmt;

    use super::{AnyOpportunity, Opportunity, OpportunityState};

    /// What only this crate implements for an opportunity stage: what an opportunity in it
    /// holds, and the way between it and its variant of [`AnyOpportunity`].
    pub trait Sealed: Sized {
        /// What an opportunity in this stage holds besides the data every stage shares:
        /// nothing while it is open, the contract and the account once won, the reason once
        /// lost (behind an `Arc`, so that a closed opportunity is one pointer larger than an
        /// open one). The same evidence as the history's last entry, kept in the type so that
        /// the closed stages' accessors read it without looking for it.
        type Outcome: Clone + fmt::Debug + Send + Sync + 'static;

        /// The opportunity as the variant of [`AnyOpportunity`] for this stage.
        fn into_any(opportunity: Opportunity<Self>) -> AnyOpportunity
        where
            Self: OpportunityState;

        /// The opportunity inside `any` if it is in this stage; otherwise `any`, untouched.
        fn from_any(any: AnyOpportunity) -> Result<Opportunity<Self>, AnyOpportunity>
        where
            Self: OpportunityState;
    }
}

/// A stage of an [`Opportunity`](crate::Opportunity). Sealed: implemented by [`Discovery`],
/// [`Proposal`], [`Negotiation`], [`Contracting`], [`Won`] and [`Lost`] only.
pub trait OpportunityState: sealed::Sealed + fmt::Debug + Send + Sync + 'static {
    /// The run-time twin of this stage.
    const STAGE: OpportunityStage;
}

/// An open opportunity stage, which can be lost and whose probability can be overridden:
/// [`Discovery`], [`Proposal`], [`Negotiation`], [`Contracting`].
pub trait OpenStage: OpportunityState {}

/// An open stage with a proposal on the table, which a revised proposal can replace
/// ([`Opportunity::revise_proposal`](crate::Opportunity::revise_proposal)): [`Proposal`] and
/// [`Negotiation`].
pub trait ProposalStage: OpenStage {}

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

impl OpportunityState for Discovery {
    const STAGE: OpportunityStage = OpportunityStage::Discovery;
}

impl OpportunityState for Proposal {
    const STAGE: OpportunityStage = OpportunityStage::Proposal;
}

impl OpportunityState for Negotiation {
    const STAGE: OpportunityStage = OpportunityStage::Negotiation;
}

impl OpportunityState for Contracting {
    const STAGE: OpportunityStage = OpportunityStage::Contracting;
}

impl OpportunityState for Won {
    const STAGE: OpportunityStage = OpportunityStage::Won;
}

impl OpportunityState for Lost {
    const STAGE: OpportunityStage = OpportunityStage::Lost;
}

impl OpenStage for Discovery {}
impl OpenStage for Proposal {}
impl OpenStage for Negotiation {}
impl OpenStage for Contracting {}
impl ProposalStage for Proposal {}
impl ProposalStage for Negotiation {}

impl sealed::Sealed for Discovery {
    type Outcome = ();

    fn into_any(opportunity: Opportunity<Discovery>) -> AnyOpportunity {
        AnyOpportunity::Discovery(opportunity)
    }

    fn from_any(any: AnyOpportunity) -> Result<Opportunity<Discovery>, AnyOpportunity> {
        match any {
            AnyOpportunity::Discovery(opportunity) => Ok(opportunity),
            other => Err(other),
        }
    }
}

impl sealed::Sealed for Proposal {
    type Outcome = ();

    fn into_any(opportunity: Opportunity<Proposal>) -> AnyOpportunity {
        AnyOpportunity::Proposal(opportunity)
    }

    fn from_any(any: AnyOpportunity) -> Result<Opportunity<Proposal>, AnyOpportunity> {
        match any {
            AnyOpportunity::Proposal(opportunity) => Ok(opportunity),
            other => Err(other),
        }
    }
}

impl sealed::Sealed for Negotiation {
    type Outcome = ();

    fn into_any(opportunity: Opportunity<Negotiation>) -> AnyOpportunity {
        AnyOpportunity::Negotiation(opportunity)
    }

    fn from_any(any: AnyOpportunity) -> Result<Opportunity<Negotiation>, AnyOpportunity> {
        match any {
            AnyOpportunity::Negotiation(opportunity) => Ok(opportunity),
            other => Err(other),
        }
    }
}

impl sealed::Sealed for Contracting {
    type Outcome = ();

    fn into_any(opportunity: Opportunity<Contracting>) -> AnyOpportunity {
        AnyOpportunity::Contracting(opportunity)
    }

    fn from_any(any: AnyOpportunity) -> Result<Opportunity<Contracting>, AnyOpportunity> {
        match any {
            AnyOpportunity::Contracting(opportunity) => Ok(opportunity),
            other => Err(other),
        }
    }
}

impl sealed::Sealed for Won {
    type Outcome = Arc<(SignedContract, AccountId)>;

    fn into_any(opportunity: Opportunity<Won>) -> AnyOpportunity {
        AnyOpportunity::Won(opportunity)
    }

    fn from_any(any: AnyOpportunity) -> Result<Opportunity<Won>, AnyOpportunity> {
        match any {
            AnyOpportunity::Won(opportunity) => Ok(opportunity),
            other => Err(other),
        }
    }
}

impl sealed::Sealed for Lost {
    type Outcome = Arc<LossReason>;

    fn into_any(opportunity: Opportunity<Lost>) -> AnyOpportunity {
        AnyOpportunity::Lost(opportunity)
    }

    fn from_any(any: AnyOpportunity) -> Result<Opportunity<Lost>, AnyOpportunity> {
        match any {
            AnyOpportunity::Lost(opportunity) => Ok(opportunity),
            other => Err(other),
        }
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
