//! The evidence a lead's steps take (the interest, touches, disqualification reasons), the
//! evidence of its history entries, and the one table of which evidence takes which step.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::LeadStatus;
use crate::edit::Reassignment;
use crate::history::{Tag, Transition};
use crate::id::OpportunityId;
use crate::text::{Note, Summary};

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
    /// How the contact was reached.
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
    /// The reason with its detail erased (the category stays).
    pub(crate) fn erased(&self) -> DisqualifyReason {
        DisqualifyReason {
            category: self.category,
            detail: self.detail.as_ref().map(|_| Note::erased()),
        }
    }

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
    /// the [`Qualification`](crate::Qualification)).
    Converted {
        /// The opportunity the lead became.
        opportunity: OpportunityId,
    },
    /// An open lead changed hands, and stayed in its state
    /// ([`Lead::reassign`](crate::Lead::reassign)). Boxed: rare, and larger than the others.
    Reassigned(Box<Reassignment>),
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
            LeadEvidence::Reassigned(_) => "reassigned",
        }
    }
}

impl Tag for LeadStatus {
    fn tag(&self) -> &'static str {
        self.as_str()
    }
}

impl LeadEvidence {
    /// The same evidence with its free text erased: touches' summaries, notes, reasons'
    /// detail, hand-offs' reasons. Channels, categories, owners and ids stay.
    pub(super) fn erased(&self) -> LeadEvidence {
        match self {
            LeadEvidence::Opened => LeadEvidence::Opened,
            LeadEvidence::Touch(t) => LeadEvidence::Touch(Touch::new(t.channel, Summary::erased())),
            LeadEvidence::Nurtured(_) => LeadEvidence::Nurtured(Note::erased()),
            LeadEvidence::Disqualified(r) => LeadEvidence::Disqualified(r.erased()),
            LeadEvidence::Recycled(_) => LeadEvidence::Recycled(Note::erased()),
            LeadEvidence::Converted { opportunity } => LeadEvidence::Converted {
                opportunity: *opportunity,
            },
            LeadEvidence::Reassigned(r) => LeadEvidence::Reassigned(Box::new(r.erased())),
        }
    }
}

/// One entry of a lead's history.
pub type LeadTransition = Transition<LeadStatus, LeadEvidence>;

/// Whether `from` → `to` with `evidence` is a step the typed API can take. The one table both the
/// transitions and the validation of stored leads follow.
pub(super) fn legal(from: Option<LeadStatus>, to: LeadStatus, evidence: &LeadEvidence) -> bool {
    use LeadEvidence as E;
    use LeadStatus as L;
    match (from, to, evidence) {
        (None, L::New, E::Opened) => true,
        (Some(L::New | L::Nurturing), L::Working, E::Touch(_)) => true,
        (Some(L::Working), L::Nurturing, E::Nurtured(_)) => true,
        (Some(f), L::Disqualified, E::Disqualified(_)) => f.is_open(),
        (Some(L::Disqualified), L::Nurturing, E::Recycled(_)) => true,
        (Some(L::Working | L::Nurturing), L::Converted, E::Converted { .. }) => true,
        (Some(f), t, E::Reassigned(_)) => f == t && f.is_open(),
        _ => false,
    }
}
