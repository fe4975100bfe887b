//! [`AnyLead`]: a lead whose state is known only at run time.

use chrono::{DateTime, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    Converted, Disqualified, DisqualifyReason, Interest, Lead, LeadData, LeadEvidence, LeadState,
    LeadStatus, New, Nurturing, Working,
};
use crate::contact::LeadSource;
use crate::error::RecordError;
use crate::history::{History, Tag};
use crate::id::{ContactId, LeadId, OpportunityId};
use crate::kind::RecordKind;
use crate::text::User;

/// A lead whose state is known only at run time: one variant per state, each holding the typed
/// lead. Serialised exactly like the typed lead inside it.
///
/// A snapshot: it is `Clone` (a copy shares the lead's core and history), to show and to send.
/// The typed lead inside is linear; see [`Lead`] for how a typed value comes back from a snapshot.
#[derive(Debug, PartialEq, Eq)]
pub enum AnyLead {
    /// A [`New`] lead.
    New(Lead<New>),
    /// A [`Working`] lead.
    Working(Lead<Working>),
    /// A [`Nurturing`] lead.
    Nurturing(Lead<Nurturing>),
    /// A [`Converted`] lead.
    Converted(Lead<Converted>),
    /// A [`Disqualified`] lead.
    Disqualified(Lead<Disqualified>),
}

impl Clone for AnyLead {
    /// A copy of the snapshot, sharing the lead's core and history.
    fn clone(&self) -> Self {
        match self {
            AnyLead::New(l) => AnyLead::New(l.duplicate()),
            AnyLead::Working(l) => AnyLead::Working(l.duplicate()),
            AnyLead::Nurturing(l) => AnyLead::Nurturing(l.duplicate()),
            AnyLead::Converted(l) => AnyLead::Converted(l.duplicate()),
            AnyLead::Disqualified(l) => AnyLead::Disqualified(l.duplicate()),
        }
    }
}

impl AnyLead {
    /// The lead that validated `data` describes. A closed lead takes what its state holds from
    /// its history's last entry, which validation has checked is the step into that state.
    fn from_valid(data: LeadData) -> Result<AnyLead, RecordError> {
        let last = data.history.last_evidence();
        let any = match (data.status, last) {
            (LeadStatus::New, _) => AnyLead::New(Lead::open_from(data)),
            (LeadStatus::Working, _) => AnyLead::Working(Lead::open_from(data)),
            (LeadStatus::Nurturing, _) => AnyLead::Nurturing(Lead::open_from(data)),
            (LeadStatus::Converted, Some(LeadEvidence::Converted { opportunity })) => {
                let opportunity = *opportunity;
                AnyLead::Converted(Lead::from_parts(data, opportunity))
            }
            (LeadStatus::Disqualified, Some(LeadEvidence::Disqualified(reason))) => {
                let reason = reason.clone();
                AnyLead::Disqualified(Lead::from_parts(data, reason))
            }
            // Validation refuses a history whose last step is not the step into the lead's
            // state, with its evidence; should a record get here anyway, it is refused too.
            (status, last) => {
                return Err(RecordError::StateMismatch {
                    record: RecordKind::Lead,
                    state: status.as_str(),
                    last: last.map_or("start", Tag::tag),
                });
            }
        };
        Ok(any)
    }

    /// The lead's custom fields.
    pub fn custom_fields(&self) -> &crate::custom::CustomFields {
        &self.data().custom
    }

    /// The merges that moved the lead to another contact, oldest first.
    pub fn relinks(&self) -> &[crate::relink::Relink] {
        self.data().relinks.as_slice()
    }

    /// The same lead moved to contact `to` by a merge or its undo: an entry of its history,
    /// in whatever state it is.
    pub(crate) fn relinked(&self, step: &crate::relink::Step<'_>, to: ContactId) -> AnyLead {
        let edit = |data: &mut LeadData| {
            let entries = data.history.len() + data.custom.edits().len();
            let relinks = data.relinks.pushed(step, data.contact, to, entries);
            data.core = std::sync::Arc::new(super::stored::LeadCore {
                contact: to,
                relinks,
                ..super::stored::LeadCore::clone(&data.core)
            });
        };
        match self {
            AnyLead::New(l) => AnyLead::New(l.duplicate().edit_data(edit)),
            AnyLead::Working(l) => AnyLead::Working(l.duplicate().edit_data(edit)),
            AnyLead::Nurturing(l) => AnyLead::Nurturing(l.duplicate().edit_data(edit)),
            AnyLead::Converted(l) => AnyLead::Converted(l.duplicate().edit_data(edit)),
            AnyLead::Disqualified(l) => AnyLead::Disqualified(l.duplicate().edit_data(edit)),
        }
    }

    pub(crate) fn data(&self) -> &LeadData {
        match self {
            AnyLead::New(l) => l.data(),
            AnyLead::Working(l) => l.data(),
            AnyLead::Nurturing(l) => l.data(),
            AnyLead::Converted(l) => l.data(),
            AnyLead::Disqualified(l) => l.data(),
        }
    }

    /// The lead's id, which it keeps in every state.
    pub fn id(&self) -> LeadId {
        self.data().id
    }

    /// The contact the lead is about.
    pub fn contact(&self) -> ContactId {
        self.data().contact
    }

    /// The lead's state, as the variant says.
    pub fn status(&self) -> LeadStatus {
        self.data().status
    }

    /// What made the contact a lead.
    pub fn interest(&self) -> &Interest {
        &self.data().interest
    }

    /// Where the lead came from.
    pub fn source(&self) -> LeadSource {
        self.data().source
    }

    /// The user who owns the lead, if any.
    pub fn owner(&self) -> Option<&User> {
        self.data().owner.as_ref()
    }

    /// When the lead was opened.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.data().created_at
    }

    /// Every transition, oldest first.
    pub fn history(&self) -> &History<LeadStatus, LeadEvidence> {
        &self.data().history
    }

    /// Whether its contact's personal data was erased. See [`Lead::is_erased`].
    pub fn is_erased(&self) -> bool {
        self.data().erased
    }

    /// The same lead with the free text of its history erased, and of what its state holds by
    /// the same functions.
    pub(crate) fn erase_personal_data(&self) -> AnyLead {
        match self {
            AnyLead::New(l) => AnyLead::New(l.erased(Clone::clone)),
            AnyLead::Working(l) => AnyLead::Working(l.erased(Clone::clone)),
            AnyLead::Nurturing(l) => AnyLead::Nurturing(l.erased(Clone::clone)),
            // An opportunity's id is not personal data.
            AnyLead::Converted(l) => AnyLead::Converted(l.erased(Clone::clone)),
            AnyLead::Disqualified(l) => AnyLead::Disqualified(l.erased(DisqualifyReason::erased)),
        }
    }

    /// The same lead with its free text redacted by the functions of an erasure, keeping its
    /// erased mark: what a principal without the right to read personal data sees.
    pub(crate) fn redacted(&self) -> AnyLead {
        let erased = self.is_erased();
        match self.erase_personal_data() {
            AnyLead::New(l) => AnyLead::New(l.marked(erased)),
            AnyLead::Working(l) => AnyLead::Working(l.marked(erased)),
            AnyLead::Nurturing(l) => AnyLead::Nurturing(l.marked(erased)),
            AnyLead::Converted(l) => AnyLead::Converted(l.marked(erased)),
            AnyLead::Disqualified(l) => AnyLead::Disqualified(l.marked(erased)),
        }
    }

    /// The opportunity the lead became, if it is converted.
    pub fn opportunity(&self) -> Option<OpportunityId> {
        match self {
            AnyLead::Converted(l) => Some(l.opportunity()),
            _ => None,
        }
    }
}

impl<S: LeadState> From<Lead<S>> for AnyLead {
    fn from(lead: Lead<S>) -> AnyLead {
        S::into_any(lead)
    }
}

impl Serialize for AnyLead {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.data().serialize(s)
    }
}

impl<'de> Deserialize<'de> for AnyLead {
    /// Reads a lead in any state, refusing one that breaks an invariant.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let data = LeadData::deserialize_valid(d)?;
        AnyLead::from_valid(data).map_err(D::Error::custom)
    }
}
