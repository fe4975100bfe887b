//! The states of a lead: the zero-sized markers for the type parameter of [`Lead`], the
//! sealed traits that group them, and their run-time twin [`LeadStatus`]. Public as
//! `prospect::state`.
//!
//! The markers are uninhabited enums: they exist only in types. The traits are sealed, so the
//! set of states is closed and every transition between them is one this crate defines.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{AnyLead, DisqualifyReason, Lead};
use crate::id::OpportunityId;

pub(crate) mod sealed {
    use std::fmt;

    use super::{AnyLead, Lead, LeadState};

    /// What only this crate implements for a lead state: what a lead in it holds, and the way
    /// between it and its variant of [`AnyLead`].
    pub trait Sealed: Sized {
        /// What a lead in this state holds besides the data every state shares: nothing while
        /// it is open, the opportunity it became once converted, the reason it was
        /// disqualified. The same evidence as the history's last entry, kept in the type so
        /// that the closed states' accessors read it without looking for it.
        type Outcome: Clone + fmt::Debug + Send + Sync + 'static;

        /// The lead as the variant of [`AnyLead`] for this state.
        fn into_any(lead: Lead<Self>) -> AnyLead
        where
            Self: LeadState;

        /// The lead inside `any` if it is in this state; otherwise `any`, untouched.
        fn from_any(any: AnyLead) -> Result<Lead<Self>, AnyLead>
        where
            Self: LeadState;
    }
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

impl LeadState for New {
    const STATUS: LeadStatus = LeadStatus::New;
}

impl LeadState for Working {
    const STATUS: LeadStatus = LeadStatus::Working;
}

impl LeadState for Nurturing {
    const STATUS: LeadStatus = LeadStatus::Nurturing;
}

impl LeadState for Converted {
    const STATUS: LeadStatus = LeadStatus::Converted;
}

impl LeadState for Disqualified {
    const STATUS: LeadStatus = LeadStatus::Disqualified;
}

impl OpenLeadState for New {}
impl OpenLeadState for Working {}
impl OpenLeadState for Nurturing {}
impl QualifiableState for Working {}
impl QualifiableState for Nurturing {}

impl sealed::Sealed for New {
    type Outcome = ();

    fn into_any(lead: Lead<New>) -> AnyLead {
        AnyLead::New(lead)
    }

    fn from_any(any: AnyLead) -> Result<Lead<New>, AnyLead> {
        match any {
            AnyLead::New(lead) => Ok(lead),
            other => Err(other),
        }
    }
}

impl sealed::Sealed for Working {
    type Outcome = ();

    fn into_any(lead: Lead<Working>) -> AnyLead {
        AnyLead::Working(lead)
    }

    fn from_any(any: AnyLead) -> Result<Lead<Working>, AnyLead> {
        match any {
            AnyLead::Working(lead) => Ok(lead),
            other => Err(other),
        }
    }
}

impl sealed::Sealed for Nurturing {
    type Outcome = ();

    fn into_any(lead: Lead<Nurturing>) -> AnyLead {
        AnyLead::Nurturing(lead)
    }

    fn from_any(any: AnyLead) -> Result<Lead<Nurturing>, AnyLead> {
        match any {
            AnyLead::Nurturing(lead) => Ok(lead),
            other => Err(other),
        }
    }
}

impl sealed::Sealed for Converted {
    type Outcome = OpportunityId;

    fn into_any(lead: Lead<Converted>) -> AnyLead {
        AnyLead::Converted(lead)
    }

    fn from_any(any: AnyLead) -> Result<Lead<Converted>, AnyLead> {
        match any {
            AnyLead::Converted(lead) => Ok(lead),
            other => Err(other),
        }
    }
}

impl sealed::Sealed for Disqualified {
    type Outcome = DisqualifyReason;

    fn into_any(lead: Lead<Disqualified>) -> AnyLead {
        AnyLead::Disqualified(lead)
    }

    fn from_any(any: AnyLead) -> Result<Lead<Disqualified>, AnyLead> {
        match any {
            AnyLead::Disqualified(lead) => Ok(lead),
            other => Err(other),
        }
    }
}

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
