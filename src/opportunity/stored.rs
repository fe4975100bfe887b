//! An opportunity's data, whatever its stage: what its copies share, its stored form, and the
//! checks a stored opportunity must pass.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::OpportunityStage;
use crate::contact::LeadSource;
use crate::context::Context;
use crate::custom::CustomFields;
use crate::dates::Day;
use crate::error::{Field, RecordError, ValidationError};
use crate::forecast::{ForecastCategory, Probability};
use crate::format::{Format, ReadingRecord};
use crate::history::History;
use crate::id::{ContactId, LeadId, OpportunityId};
use crate::kind::RecordKind;
use crate::money::{Currency, Money};
use crate::qualification::Qualification;
use crate::relink::Relinks;
use crate::text::{Summary, User};

use super::evidence::legal;
use super::{OpportunityEvidence, Placement, Revised, SentProposal, SignedContract};
use crate::edit::chained;

/// What an opportunity's steps do not change (an edit of its name or owner makes a new one):
/// shared between its copies.
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
    /// Its custom fields (a write of them makes a new core).
    pub(crate) custom: CustomFields,
    /// Where it is in its pipeline, if it belongs to one (a move or a landing makes a new
    /// core).
    pub(crate) placement: Option<Placement>,
    /// The merges that moved it to another contact (a merge makes a new core).
    pub(crate) relinks: Relinks,
}

impl OpportunityData {
    /// Applies `edit` to the core: in place when no copy shares it (an opportunity being
    /// created), else to a new core ([`OpportunityCore::edited`]), the copies keeping the old.
    pub(crate) fn edit_core(&mut self, edit: impl FnOnce(&mut OpportunityCore)) {
        match Arc::get_mut(&mut self.core) {
            Some(core) => edit(core),
            None => self.core = self.core.edited(edit),
        }
    }
}

impl OpportunityCore {
    /// A new core like this one but for `edit` (a new name or owner), for the edit's
    /// opportunity: its copies keep sharing the old one.
    pub(crate) fn edited(&self, edit: impl FnOnce(&mut OpportunityCore)) -> Arc<OpportunityCore> {
        let mut core = OpportunityCore {
            id: self.id,
            lead: self.lead,
            contact: self.contact,
            name: self.name.clone(),
            source: self.source,
            owner: self.owner.clone(),
            qualification: self.qualification.duplicate(),
            created_at: self.created_at,
            custom: self.custom.clone(),
            placement: self.placement.clone(),
            relinks: self.relinks.clone(),
        };
        edit(&mut core);
        Arc::new(core)
    }
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
    format: u32,
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
    #[serde(skip_serializing_if = "CustomFields::is_empty")]
    custom: &'a CustomFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    placement: &'a Option<Placement>,
    #[serde(skip_serializing_if = "Relinks::is_empty")]
    relinks: &'a Relinks,
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
    #[serde(default)]
    custom: CustomFields,
    #[serde(default)]
    placement: Option<Placement>,
    #[serde(default)]
    relinks: Relinks,
}

impl Serialize for OpportunityData {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        // A deal of format 2 in two currencies (which format 3 refuses) is written back in
        // format 2, so that it still reads.
        let format = if self.since_format_3().is_ok() {
            crate::format::RECORD_FORMAT
        } else {
            2
        };
        OpportunityOut {
            format,
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
            custom: &self.custom,
            placement: &self.placement,
            relinks: &self.relinks,
        }
        .serialize(s)
    }
}

/// Whether the decision date was past, for whoever qualified, when the opportunity was
/// qualified at `at`. Qualifying checks the actor's local date, which is at most a day behind
/// the UTC date (an offset is less than a day), so a stored record is refused only when the
/// decision date is before the day before `at`'s UTC date.
fn decided_before_qualified(qualification: &Qualification, at: DateTime<Utc>) -> bool {
    let earliest_today = at.date_naive().pred_opt().unwrap_or(chrono::NaiveDate::MIN);
    qualification.timeline().decision_date() < earliest_today
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
        if format >= 1 && decided_before_qualified(&r.qualification, r.created_at) {
            return Err(serde::de::Error::custom(RecordError::Invariant {
                record: RecordKind::Opportunity,
                field: "qualification",
                problem: "the decision date was already past when the lead was qualified",
            }));
        }
        let data = OpportunityData {
            core: Arc::new(OpportunityCore {
                id: r.id,
                lead: r.lead,
                contact: r.contact,
                name: r.name,
                source: r.source,
                owner: r.owner,
                qualification: r.qualification,
                created_at: r.created_at,
                custom: r.custom,
                placement: r.placement,
                relinks: r.relinks,
            }),
            stage: r.stage,
            amount: r.amount,
            expected_close: r.expected_close,
            probability_override: r.probability_override,
            forecast_override: r.forecast_override,
            history: r.history,
            erased: r.erased,
        };
        if format >= 3 {
            data.since_format_3().map_err(serde::de::Error::custom)?;
        }
        Ok(data)
    }
}

impl OpportunityData {
    /// The same opportunity with its personal data erased, marked erased: its name, its
    /// qualification's text (the need and its requirements, the decision maker), and the free
    /// text of its history (proposals' summaries, notes, terms' notes, the incumbent's name, the
    /// contract's reference and signer, reasons' detail). Same steps, states, times, ids and
    /// amounts.
    pub(crate) fn erase_personal_data(&self) -> OpportunityData {
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
                custom: core.custom.erased(),
                placement: core.placement.clone(),
                relinks: core.relinks.clone(),
            }),
            stage: self.stage,
            amount: self.amount,
            expected_close: self.expected_close,
            probability_override: self.probability_override,
            forecast_override: self.forecast_override,
            history: self.history.map_evidence(OpportunityEvidence::erased),
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
        // latest proposal's, revision's or contract's, or the budget before any; the expected
        // close is the latest revision's, or the qualification's decision date.
        if self.amount != self.derived_amount() {
            return invariant(
                "amount",
                "differs from its history (the latest proposal's, revision's or contract's amount, or the budget)",
            );
        }
        let revisions = || {
            self.history.iter().filter_map(|t| match t.evidence() {
                OpportunityEvidence::Revised(r) => Some(&**r),
                _ => None,
            })
        };
        let decided = self.qualification.timeline().decision_date();
        let closes = revisions().filter_map(Revised::expected_close);
        if !chained(closes, &self.expected_close)
            || revisions()
                .find_map(Revised::expected_close)
                .map_or(self.expected_close, |first| *first.before())
                != decided
        {
            return invariant(
                "expected_close",
                "differs from its history (the latest revision's, or the qualification's decision date)",
            );
        }
        if !chained(revisions().filter_map(Revised::name), &self.name) {
            return invariant("name", "differs from its history's revisions");
        }
        let handoffs = self.history.iter().filter_map(|t| match t.evidence() {
            OpportunityEvidence::Reassigned(r) => Some(r.owner()),
            _ => None,
        });
        if !chained(handoffs, &self.owner) {
            return invariant("owner", "differs from its history's hand-offs");
        }
        if self
            .placement
            .as_ref()
            .is_some_and(|p| !p.backbone().is_open())
        {
            return invariant(
                "placement",
                "a custom stage is inside an open backbone stage",
            );
        }
        if !self.placement_follows_history() {
            return invariant(
                "placement",
                "differs from its history's moves between custom stages",
            );
        }
        if !self.overrides_follow_history() {
            return invariant(
                "probability_override",
                "differs from the latest override in its history since its stage changed",
            );
        }
        self.custom
            .check(self.history.len(), self.erased)
            .map_err(|problem| RecordError::Custom {
                record: RecordKind::Opportunity,
                problem,
            })?;
        let entries = self.history.len() + self.custom.edits().len();
        self.relinks
            .check(RecordKind::Opportunity, self.contact, entries)
    }

    /// Whether the overrides are those of the latest override the history records since the
    /// latest stage change (every stage change clears them), when it records one. When it
    /// records none, any override reads: before format 2, overrides were not entries of the
    /// history, and such a record must still read (and write back).
    fn overrides_follow_history(&self) -> bool {
        let latest = self
            .history
            .newest_first()
            .take_while(|t| t.from() == Some(t.to()))
            .find_map(|t| match t.evidence() {
                OpportunityEvidence::Overridden(o) => {
                    Some((*o.probability().after(), *o.forecast().after()))
                }
                _ => None,
            });
        latest.is_none_or(|latest| latest == (self.probability_override, self.forecast_override))
    }

    /// The checks records of format 3 pass, which older ones may fail (the crate before it let
    /// them through): every amount of the deal is in its budget's currency, and every revision
    /// changes something. A record that fails them (read in format 2) is written back in
    /// format 2, so that it keeps reading; the typed steps never make one.
    fn since_format_3(&self) -> Result<(), RecordError> {
        let currency = self.currency();
        let same = |m: &Money| m.currency() == currency;
        let one_currency = same(&self.amount)
            && self.history.iter().all(|t| match t.evidence() {
                OpportunityEvidence::Proposed(p) => same(&p.amount()),
                OpportunityEvidence::ProposalRevised {
                    previous_amount,
                    proposal,
                } => same(previous_amount) && same(&proposal.amount()),
                OpportunityEvidence::Revised(r) => r
                    .amount()
                    .is_none_or(|c| same(c.before()) && same(c.after())),
                OpportunityEvidence::Won { contract, .. } => same(&contract.value()),
                _ => true,
            });
        if !one_currency {
            return Err(RecordError::Invariant {
                record: RecordKind::Opportunity,
                field: "amount",
                problem: "an amount of its history is in another currency than its budget: a \
                          deal keeps one currency",
            });
        }
        let empty_revision = self.history.iter().any(|t| match t.evidence() {
            OpportunityEvidence::Revised(r) => {
                r.name().is_none() && r.amount().is_none() && r.expected_close().is_none()
            }
            _ => false,
        });
        if empty_revision {
            return Err(RecordError::Invariant {
                record: RecordKind::Opportunity,
                field: "history",
                problem: "a revision changes nothing",
            });
        }
        Ok(())
    }

    /// [`validate`](Self::validate), and the checks of the current format that records of
    /// older formats may fail (reading them checks those by their format).
    pub(crate) fn validate_current(&self) -> Result<(), RecordError> {
        self.validate()?;
        if decided_before_qualified(&self.qualification, self.created_at) {
            return Err(RecordError::Invariant {
                record: RecordKind::Opportunity,
                field: "qualification",
                problem: "the decision date was already past when the lead was qualified",
            });
        }
        Ok(())
    }

    /// The amount the history gives: the latest proposal's or revision's amount or contract's
    /// value, or the budget when there is none.
    fn derived_amount(&self) -> Money {
        self.history
            .newest_first()
            .find_map(|t| match t.evidence() {
                OpportunityEvidence::Proposed(p)
                | OpportunityEvidence::ProposalRevised { proposal: p, .. } => Some(p.amount()),
                OpportunityEvidence::Revised(r) => r.amount().map(|a| *a.after()),
                OpportunityEvidence::Won { contract, .. } => Some(contract.value()),
                _ => None,
            })
            .unwrap_or_else(|| self.qualification.budget().amount())
    }

    /// The deal's currency: its budget's, which every amount of the deal keeps.
    pub(crate) fn currency(&self) -> Currency {
        self.qualification.budget().amount().currency()
    }

    /// The actor's day of a step taken at `now` (never before the latest entry).
    pub(crate) fn step_day(&self, now: DateTime<Utc>, ctx: &Context<'_>) -> Day {
        ctx.day_at(self.history.next_at(now))
    }

    /// Checks a proposal for the deal, on the day of a step taken at `now`: in the deal's
    /// currency, sent within the context's window of things that happened, not before the
    /// opportunity.
    pub(crate) fn check_proposal(
        &self,
        proposal: &SentProposal,
        now: DateTime<Utc>,
        ctx: &Context<'_>,
    ) -> Result<(), ValidationError> {
        let amount = (Field::ProposalAmount, proposal.amount());
        self.check_evidence(amount, (Field::SentOn, proposal.sent_on()), now, ctx)
    }

    /// Checks a contract for the deal, as [`check_proposal`](Self::check_proposal) does a
    /// proposal.
    pub(crate) fn check_contract(
        &self,
        contract: &SignedContract,
        now: DateTime<Utc>,
        ctx: &Context<'_>,
    ) -> Result<(), ValidationError> {
        let value = (Field::ContractValue, contract.value());
        self.check_evidence(value, (Field::SignedOn, contract.signed_on()), now, ctx)
    }

    /// Checks an amount of evidence and the day it happened, each with its field: the amount
    /// in the deal's currency, the day in the context's window, not before the deal began.
    fn check_evidence(
        &self,
        (amount_field, amount): (Field, Money),
        (day_field, day): (Field, NaiveDate),
        now: DateTime<Utc>,
        ctx: &Context<'_>,
    ) -> Result<(), ValidationError> {
        amount.in_currency(amount_field, self.currency())?;
        let began = ctx.day_at(self.created_at);
        ctx.dates()
            .happened(day_field, day, self.step_day(now, ctx), Some(began))
            .map(drop)
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
        self.probability_override.unwrap_or_else(|| {
            self.custom_stage()
                .map_or_else(|| self.stage.default_probability(), Placement::probability)
        })
    }

    /// Its placement, while it is inside its backbone stage (an open one).
    pub(crate) fn custom_stage(&self) -> Option<&Placement> {
        self.placement
            .as_ref()
            .filter(|p| p.backbone() == self.stage)
    }

    /// Whether its placement follows its history's moves between custom stages: every move an
    /// entry inside the backbone stage it was made in, in one pipeline (its placement's: no
    /// move without a placement); consecutive moves with no change of backbone stage between
    /// them chained (each from where the previous went), only the first from no stage unless
    /// the backbone stage changed since; and the placement the newest move's, unless the
    /// backbone stage changed since (a landing, which has no entry).
    fn placement_follows_history(&self) -> bool {
        let mut previous: Option<&Placement> = None;
        let mut crossed = false;
        for entry in self.history.iter() {
            let OpportunityEvidence::StageMoved(m) = entry.evidence() else {
                crossed |= entry.from() != Some(entry.to());
                continue;
            };
            let in_pipeline = self
                .placement
                .as_ref()
                .is_some_and(|p| p.pipeline() == m.to().pipeline());
            let chained = match (previous, m.from()) {
                (Some(p), Some(from)) if !crossed => p.stage() == from,
                (Some(_), None) => crossed,
                _ => true,
            };
            if !in_pipeline || m.to().backbone() != entry.to() || !chained {
                return false;
            }
            previous = Some(m.to());
            crossed = false;
        }
        match (previous, &self.placement) {
            (Some(newest), Some(placement)) => crossed || newest == placement,
            (None, _) => true,
            (Some(_), None) => false,
        }
    }

    pub(crate) fn forecast_category(&self) -> ForecastCategory {
        self.forecast_override
            .unwrap_or_else(|| self.stage.default_forecast())
    }

    /// The evidence of the latest step of kind `pick` since the opportunity was last reopened.
    pub(super) fn current<'a, T>(
        &'a self,
        pick: impl Fn(&'a OpportunityEvidence) -> Option<T>,
    ) -> Option<T> {
        self.history
            .newest_first()
            .take_while(|t| !matches!(t.evidence(), OpportunityEvidence::Reopened(_)))
            .find_map(|t| pick(t.evidence()))
    }
}
