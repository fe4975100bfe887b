//! The report as data: `Serialize` for [`PipelineReport`] and its parts, in one documented
//! shape (see [`PipelineReport`]'s "As JSON"). Written by hand over the report's accessors, so
//! that the shape is what the report says, not how it keeps its counts.

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use super::measures::write_amount;
use super::{
    Amounts, Breakdown, Durations, FunnelStage, PipelineBreakdown, PipelineReport, StageBreakdown,
};
use crate::stale::StaleCounts;
use crate::state::{LeadStatus, OpportunityStage};
use crate::text::User;

/// The version of the report's JSON shape, in its `"schema"` field: raised when a field changes
/// meaning or goes away (fields may be added without it).
///
/// - 1: the first shape.
/// - 2: `conversion` holds rates of records only (`leads_converted`, `opportunities_won`,
///   `win_rate`); the funnel's rates, of contacts, are in `funnel_conversion` (a contact to lead
///   rate was in `conversion`, beside rates of records under names that read like the funnel's).
pub const REPORT_SCHEMA: u32 = 2;

/// Pairs serialised as a map, in their order (a `BTreeMap` would sort the lifecycle's states
/// by name).
struct Ordered<'a, V: Serialize>(Vec<(&'a str, V)>);

impl<V: Serialize> Serialize for Ordered<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl Serialize for Amounts {
    /// A map from currency code to the sum in major units, as an exact decimal string (money
    /// is never a float): `{"EUR": "48600.00", "JPY": "120000"}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (currency, minor) in self.iter() {
            let mut text = String::new();
            // Writing to a String cannot fail.
            let _ = write_amount(&mut text, minor, currency, false);
            let decimal = text.split(' ').next().unwrap_or_default();
            map.serialize_entry(currency.code(), decimal)?;
        }
        map.end()
    }
}

impl Serialize for Durations {
    /// `{"count": 3597, "mean_days": 17.5, "median_days": 13.6}`; the days are `null` when
    /// nothing was measured.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Durations", 3)?;
        out.serialize_field("count", &self.count())?;
        out.serialize_field("mean_days", &self.mean_days())?;
        out.serialize_field("median_days", &self.median_days())?;
        out.end()
    }
}

impl Serialize for Breakdown {
    /// Its counts, its win rate (`null` when nothing closed) and its won value.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Breakdown", 7)?;
        out.serialize_field("leads", &self.leads)?;
        out.serialize_field("converted", &self.converted)?;
        out.serialize_field("opportunities", &self.opportunities)?;
        out.serialize_field("won", &self.won)?;
        out.serialize_field("lost", &self.lost)?;
        out.serialize_field("win_rate", &self.win_rate())?;
        out.serialize_field("won_value", &self.won_value)?;
        out.end()
    }
}

impl Serialize for PipelineBreakdown {
    /// Its counts, its win rate (`null` when nothing closed), its values, and its open
    /// opportunities per custom stage: `{"opportunities", "won", "lost", "win_rate",
    /// "open_value", "weighted_value", "won_value", "stages": {key: {"open", "open_value",
    /// "weighted_value"}}}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let stages = Ordered(
            self.stages
                .iter()
                .map(|(key, stage)| (key.as_str(), stage))
                .collect(),
        );
        let mut out = s.serialize_struct("PipelineBreakdown", 8)?;
        out.serialize_field("opportunities", &self.opportunities)?;
        out.serialize_field("won", &self.won)?;
        out.serialize_field("lost", &self.lost)?;
        out.serialize_field("win_rate", &self.win_rate())?;
        out.serialize_field("open_value", &self.open_value)?;
        out.serialize_field("weighted_value", &self.weighted_value)?;
        out.serialize_field("won_value", &self.won_value)?;
        out.serialize_field("stages", &stages)?;
        out.end()
    }
}

impl Serialize for StageBreakdown {
    /// `{"open": 4, "open_value": {...}, "weighted_value": {...}}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("StageBreakdown", 3)?;
        out.serialize_field("open", &self.open)?;
        out.serialize_field("open_value", &self.open_value)?;
        out.serialize_field("weighted_value", &self.weighted_value)?;
        out.end()
    }
}

/// One owner's breakdown: the owner (`null`: nobody) beside its counts.
#[derive(Serialize)]
struct OwnerRow<'a> {
    owner: Option<&'a User>,
    #[serde(flatten)]
    breakdown: &'a Breakdown,
}

/// A reason and how often it was given.
#[derive(Serialize)]
struct ReasonRow<K> {
    category: K,
    count: u64,
}

/// Ranked reasons as rows.
fn reasons<K>(ranked: Vec<(K, u64)>) -> Vec<ReasonRow<K>> {
    ranked
        .into_iter()
        .map(|(category, count)| ReasonRow { category, count })
        .collect()
}

impl Serialize for StaleCounts {
    /// `{"total": 77, "rotting": {"proposal": 13, ...}, "rotting_by_pipeline": {"renewals":
    /// {"quote": 2, ...}, ...}, "unanswered_leads": 4,
    /// "overdue_tasks": 42, "by_owner": [{"owner": "ana", "count": 7}, ...]}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Row<'a> {
            owner: Option<&'a User>,
            count: u64,
        }
        let rotting = Ordered(
            self.by_stage
                .iter()
                .map(|(stage, count)| (stage.as_str(), *count))
                .collect(),
        );
        let by_owner: Vec<Row<'_>> = self
            .by_owner
            .iter()
            .map(|(owner, count)| Row {
                owner: owner.as_ref(),
                count: *count,
            })
            .collect();
        let rotting_by_pipeline = Ordered(
            self.by_custom_stage
                .iter()
                .map(|(pipeline, stages)| {
                    let stages = stages.iter().map(|(k, n)| (k.as_str(), *n)).collect();
                    (pipeline.as_str(), Ordered(stages))
                })
                .collect(),
        );
        let mut out = s.serialize_struct("StaleCounts", 6)?;
        out.serialize_field("total", &self.total())?;
        out.serialize_field("rotting", &rotting)?;
        out.serialize_field("rotting_by_pipeline", &rotting_by_pipeline)?;
        out.serialize_field("unanswered_leads", &self.unanswered_leads)?;
        out.serialize_field("overdue_tasks", &self.overdue_tasks)?;
        out.serialize_field("by_owner", &by_owner)?;
        out.end()
    }
}

impl Serialize for PipelineReport {
    /// The shape documented on [`PipelineReport`] ("As JSON").
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let leads = Ordered(
            LeadStatus::ALL
                .iter()
                .map(|status| (status.as_str(), self.leads(*status)))
                .collect(),
        );
        let opportunities = Ordered(
            OpportunityStage::ALL
                .iter()
                .map(|stage| (stage.as_str(), self.opportunities(*stage)))
                .collect(),
        );
        let funnel = |count: &dyn Fn(FunnelStage) -> u64| {
            Ordered(
                FunnelStage::ALL
                    .iter()
                    .map(|stage| (stage.key(), count(*stage)))
                    .collect(),
            )
        };
        let funnel_conversion = Ordered(
            FunnelStage::ALL[1..]
                .iter()
                .map(|stage| (stage.key(), self.funnel_conversion(*stage)))
                .collect(),
        );
        let conversion = Ordered(vec![
            ("leads_converted", self.leads_converted()),
            ("opportunities_won", self.opportunities_won()),
            ("win_rate", self.win_rate()),
        ]);
        let time = Ordered(vec![
            ("lead_to_opportunity", self.days_lead_to_opportunity()),
            ("opportunity_to_close", self.days_opportunity_to_close()),
        ]);
        let value = Ordered(vec![
            ("open", self.open_value()),
            ("weighted", self.weighted_value()),
            ("won", self.won_value()),
        ]);
        let by_source = Ordered(
            self.by_source()
                .map(|(source, breakdown)| (source.as_str(), breakdown))
                .collect(),
        );
        let by_owner: Vec<OwnerRow<'_>> = self
            .by_owner()
            .map(|(owner, breakdown)| OwnerRow { owner, breakdown })
            .collect();
        let by_pipeline = Ordered(
            self.by_pipeline()
                .map(|(key, breakdown)| (key.as_str(), breakdown))
                .collect(),
        );
        let mut out = s.serialize_struct("PipelineReport", 19)?;
        out.serialize_field("schema", &REPORT_SCHEMA)?;
        out.serialize_field("contacts", &self.contacts())?;
        out.serialize_field("accounts", &self.accounts())?;
        out.serialize_field("leads", &leads)?;
        out.serialize_field("opportunities", &opportunities)?;
        out.serialize_field("funnel_reached", &funnel(&|stage| self.reached(stage)))?;
        out.serialize_field("funnel_furthest", &funnel(&|stage| self.furthest(stage)))?;
        out.serialize_field("funnel_conversion", &funnel_conversion)?;
        out.serialize_field("conversion", &conversion)?;
        out.serialize_field("time", &time)?;
        out.serialize_field("value", &value)?;
        out.serialize_field("by_source", &by_source)?;
        out.serialize_field("by_owner", &by_owner)?;
        out.serialize_field("by_pipeline", &by_pipeline)?;
        out.serialize_field("disqualify_reasons", &reasons(self.disqualify_reasons()))?;
        out.serialize_field("loss_reasons", &reasons(self.loss_reasons()))?;
        out.serialize_field("stale", &self.stale())?;
        out.serialize_field("unreadable", &self.unreadable())?;
        out.end()
    }
}
