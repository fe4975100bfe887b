//! [`AnyOpportunity`]: an opportunity whose stage is known only at run time.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    Contracting, Discovery, Lost, Negotiation, Opportunity, OpportunityData, OpportunityEvidence,
    OpportunityStage, OpportunityState, Placement, Proposal, Won,
};
use crate::contact::LeadSource;
use crate::custom::FieldKey;
use crate::error::RecordError;
use crate::forecast::{ForecastCategory, Probability};
use crate::history::{History, Tag};
use crate::id::{AccountId, ContactId, LeadId, OpportunityId};
use crate::kind::RecordKind;
use crate::money::Money;
use crate::qualification::Qualification;
use crate::text::User;

/// An opportunity whose stage is known only at run time: one variant per stage, each holding
/// the typed opportunity. Serialised exactly like the typed opportunity inside it.
///
/// A snapshot: it is `Clone` (a copy shares the opportunity's core and history), to show and to
/// send. The typed opportunity inside is linear; see [`Opportunity`] for how a typed value comes
/// back from a snapshot.
#[derive(Debug, PartialEq, Eq)]
pub enum AnyOpportunity {
    /// In [`Discovery`].
    Discovery(Opportunity<Discovery>),
    /// In [`Proposal`].
    Proposal(Opportunity<Proposal>),
    /// In [`Negotiation`].
    Negotiation(Opportunity<Negotiation>),
    /// In [`Contracting`].
    Contracting(Opportunity<Contracting>),
    /// [`Won`].
    Won(Opportunity<Won>),
    /// [`Lost`].
    Lost(Opportunity<Lost>),
}

impl Clone for AnyOpportunity {
    /// A copy of the snapshot, sharing the opportunity's core and history.
    fn clone(&self) -> Self {
        match self {
            AnyOpportunity::Discovery(o) => AnyOpportunity::Discovery(o.duplicate()),
            AnyOpportunity::Proposal(o) => AnyOpportunity::Proposal(o.duplicate()),
            AnyOpportunity::Negotiation(o) => AnyOpportunity::Negotiation(o.duplicate()),
            AnyOpportunity::Contracting(o) => AnyOpportunity::Contracting(o.duplicate()),
            AnyOpportunity::Won(o) => AnyOpportunity::Won(o.duplicate()),
            AnyOpportunity::Lost(o) => AnyOpportunity::Lost(o.duplicate()),
        }
    }
}

impl AnyOpportunity {
    /// The opportunity that validated `data` describes. A closed opportunity takes what its
    /// stage holds from its history's last entry, which validation has checked is the step
    /// into that stage.
    fn from_valid(data: OpportunityData) -> Result<AnyOpportunity, RecordError> {
        let last = data.history.last_evidence();
        let any = match (data.stage, last) {
            (OpportunityStage::Discovery, _) => {
                AnyOpportunity::Discovery(Opportunity::open_from(data))
            }
            (OpportunityStage::Proposal, _) => {
                AnyOpportunity::Proposal(Opportunity::open_from(data))
            }
            (OpportunityStage::Negotiation, _) => {
                AnyOpportunity::Negotiation(Opportunity::open_from(data))
            }
            (OpportunityStage::Contracting, _) => {
                AnyOpportunity::Contracting(Opportunity::open_from(data))
            }
            (OpportunityStage::Won, Some(OpportunityEvidence::Won { contract, account })) => {
                let won = Arc::new((contract.share(), *account));
                AnyOpportunity::Won(Opportunity::from_parts(data, won))
            }
            (OpportunityStage::Lost, Some(OpportunityEvidence::Lost(reason))) => {
                let reason = Arc::new(reason.clone());
                AnyOpportunity::Lost(Opportunity::from_parts(data, reason))
            }
            // Validation refuses a history whose last step is not the step into the
            // opportunity's stage, with its evidence; should a record get here anyway, it is
            // refused too.
            (stage, last) => {
                return Err(RecordError::StateMismatch {
                    record: RecordKind::Opportunity,
                    state: stage.as_str(),
                    last: last.map_or("start", Tag::tag),
                });
            }
        };
        Ok(any)
    }

    /// The opportunity's custom fields.
    pub fn custom_fields(&self) -> &crate::custom::CustomFields {
        &self.data().custom
    }

    /// The merges that moved the opportunity to another contact, oldest first.
    pub fn relinks(&self) -> &[crate::relink::Relink] {
        self.data().relinks.as_slice()
    }

    /// The same opportunity moved to contact `to` by a merge or its undo: an entry of its
    /// history, in whatever stage it is.
    pub(crate) fn relinked(&self, step: &crate::relink::Step<'_>, to: ContactId) -> AnyOpportunity {
        let edit = |data: &mut OpportunityData| {
            let entries = data.history.len() + data.custom.edits().len();
            let relinks = data.relinks.pushed(step, data.contact, to, entries);
            data.edit_core(|core| {
                core.contact = to;
                core.relinks = relinks;
            });
        };
        match self {
            AnyOpportunity::Discovery(o) => {
                AnyOpportunity::Discovery(o.duplicate().edit_data(edit))
            }
            AnyOpportunity::Proposal(o) => AnyOpportunity::Proposal(o.duplicate().edit_data(edit)),
            AnyOpportunity::Negotiation(o) => {
                AnyOpportunity::Negotiation(o.duplicate().edit_data(edit))
            }
            AnyOpportunity::Contracting(o) => {
                AnyOpportunity::Contracting(o.duplicate().edit_data(edit))
            }
            AnyOpportunity::Won(o) => AnyOpportunity::Won(o.duplicate().edit_data(edit)),
            AnyOpportunity::Lost(o) => AnyOpportunity::Lost(o.duplicate().edit_data(edit)),
        }
    }

    pub(crate) fn data(&self) -> &OpportunityData {
        match self {
            AnyOpportunity::Discovery(o) => o.data(),
            AnyOpportunity::Proposal(o) => o.data(),
            AnyOpportunity::Negotiation(o) => o.data(),
            AnyOpportunity::Contracting(o) => o.data(),
            AnyOpportunity::Won(o) => o.data(),
            AnyOpportunity::Lost(o) => o.data(),
        }
    }

    /// The opportunity's id, which it keeps in every stage.
    pub fn id(&self) -> OpportunityId {
        self.data().id
    }

    /// The lead it was qualified from.
    pub fn lead(&self) -> LeadId {
        self.data().lead
    }

    /// The contact it is about.
    pub fn contact(&self) -> ContactId {
        self.data().contact
    }

    /// Its stage, as the variant says.
    pub fn stage(&self) -> OpportunityStage {
        self.data().stage
    }

    /// Where the lead it came from came from.
    pub fn source(&self) -> LeadSource {
        self.data().source
    }

    /// The user who owns it, if any.
    pub fn owner(&self) -> Option<&User> {
        self.data().owner.as_ref()
    }

    /// The evidence it was qualified with.
    pub fn qualification(&self) -> &Qualification {
        &self.data().qualification
    }

    /// Its amount: the budget, then the latest proposal's, then the contract's value.
    pub fn amount(&self) -> Money {
        self.data().amount
    }

    /// When it is expected to close.
    pub fn expected_close(&self) -> NaiveDate {
        self.data().expected_close
    }

    /// The probability of closing (the override, or its custom stage's default, or its
    /// stage's). See [`Opportunity::probability`].
    pub fn probability(&self) -> Probability {
        self.data().probability()
    }

    /// The forecast category (the override, or the stage's default).
    pub fn forecast_category(&self) -> ForecastCategory {
        self.data().forecast_category()
    }

    /// The amount weighted by the probability.
    pub fn weighted_amount(&self) -> Money {
        self.amount().percent(self.probability())
    }

    /// When it was created (qualified).
    pub fn created_at(&self) -> DateTime<Utc> {
        self.data().created_at
    }

    /// Every transition, oldest first.
    pub fn history(&self) -> &History<OpportunityStage, OpportunityEvidence> {
        &self.data().history
    }

    /// The pipeline it belongs to, if any. See [`Opportunity::pipeline`].
    pub fn pipeline(&self) -> Option<&FieldKey> {
        self.placement().map(Placement::pipeline)
    }

    /// Where it was last placed in its pipeline. See [`Opportunity::placement`].
    pub fn placement(&self) -> Option<&Placement> {
        self.data().placement.as_ref()
    }

    /// The custom stage it is in. See [`Opportunity::custom_stage`].
    pub fn custom_stage(&self) -> Option<&Placement> {
        self.data().custom_stage()
    }

    /// Whether its contact's personal data was erased. See [`Opportunity::is_erased`].
    pub fn is_erased(&self) -> bool {
        self.data().erased
    }

    /// The same opportunity with its free text redacted by the functions of an erasure,
    /// keeping its erased mark: what a principal without the right to read personal data sees.
    pub(crate) fn redacted(&self) -> AnyOpportunity {
        let erased = self.is_erased();
        match self.erase_personal_data() {
            AnyOpportunity::Discovery(o) => AnyOpportunity::Discovery(o.marked(erased)),
            AnyOpportunity::Proposal(o) => AnyOpportunity::Proposal(o.marked(erased)),
            AnyOpportunity::Negotiation(o) => AnyOpportunity::Negotiation(o.marked(erased)),
            AnyOpportunity::Contracting(o) => AnyOpportunity::Contracting(o.marked(erased)),
            AnyOpportunity::Won(o) => AnyOpportunity::Won(o.marked(erased)),
            AnyOpportunity::Lost(o) => AnyOpportunity::Lost(o.marked(erased)),
        }
    }

    /// The same opportunity with its free text erased, and of what its stage holds by the same
    /// functions.
    pub(crate) fn erase_personal_data(&self) -> AnyOpportunity {
        match self {
            AnyOpportunity::Discovery(o) => AnyOpportunity::Discovery(o.erased(Clone::clone)),
            AnyOpportunity::Proposal(o) => AnyOpportunity::Proposal(o.erased(Clone::clone)),
            AnyOpportunity::Negotiation(o) => AnyOpportunity::Negotiation(o.erased(Clone::clone)),
            AnyOpportunity::Contracting(o) => AnyOpportunity::Contracting(o.erased(Clone::clone)),
            AnyOpportunity::Won(o) => AnyOpportunity::Won(o.erased(|won| {
                let (contract, account) = &**won;
                Arc::new((contract.erased(), *account))
            })),
            AnyOpportunity::Lost(o) => {
                AnyOpportunity::Lost(o.erased(|reason| Arc::new(reason.erased())))
            }
        }
    }

    /// The account the win went to, if it is won.
    pub fn account(&self) -> Option<AccountId> {
        match self {
            AnyOpportunity::Won(o) => Some(o.account()),
            _ => None,
        }
    }
}

impl<S: OpportunityState> From<Opportunity<S>> for AnyOpportunity {
    fn from(opportunity: Opportunity<S>) -> AnyOpportunity {
        S::into_any(opportunity)
    }
}

impl Serialize for AnyOpportunity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.data().serialize(s)
    }
}

impl<'de> Deserialize<'de> for AnyOpportunity {
    /// Reads an opportunity in any stage, refusing one that breaks an invariant.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let data = OpportunityData::deserialize_valid(d)?;
        AnyOpportunity::from_valid(data).map_err(D::Error::custom)
    }
}
