//! The report by pipeline and custom stage (issue 28): per pipeline, its opportunities, won
//! and lost, its open, weighted and won value, and per custom stage the open opportunities in
//! it. Kept up to date one record at a time, as the rest of the report.

use std::collections::BTreeMap;

use super::Amounts;
use crate::custom::FieldKey;
use crate::money::Money;
use crate::opportunity::{OpportunityData, Placement};
use crate::state::OpportunityStage;

/// One pipeline's counts and values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineBreakdown {
    /// Its opportunities, in any stage.
    pub opportunities: u64,
    /// Those won.
    pub won: u64,
    /// Those lost.
    pub lost: u64,
    /// The amounts of its open opportunities.
    pub open_value: Amounts,
    /// The amounts of its open opportunities weighted by their probability.
    pub weighted_value: Amounts,
    /// The amounts of those won.
    pub won_value: Amounts,
    /// Its open opportunities per custom stage they are in (none for one a typed step took
    /// into a backbone stage outside the facade, until it is placed there), by key.
    pub stages: BTreeMap<FieldKey, StageBreakdown>,
}

impl PipelineBreakdown {
    /// Opportunities won out of those closed, if any closed.
    pub fn win_rate(&self) -> Option<f64> {
        super::ratio(self.won, self.won + self.lost)
    }

    fn is_empty(&self) -> bool {
        self.opportunities == 0 && self.won_value.is_empty() && self.stages.is_empty()
    }
}

/// The open opportunities in one custom stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageBreakdown {
    /// How many.
    pub open: u64,
    /// Their amounts.
    pub open_value: Amounts,
    /// Their amounts weighted by their probability.
    pub weighted_value: Amounts,
}

/// What an opportunity in a pipeline adds: its pipeline, and its custom stage while it is in
/// one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Placed {
    pipeline: FieldKey,
    stage: Option<FieldKey>,
}

impl Placed {
    pub(super) fn of(data: &OpportunityData) -> Option<Placed> {
        let placement = data.placement.as_ref()?;
        Some(Placed {
            pipeline: placement.pipeline().clone(),
            stage: data.custom_stage().map(Placement::stage).cloned(),
        })
    }
}

/// Adds (`sign` 1) or removes (-1) an opportunity of `placed` in `stage`, of `amount`,
/// `weighted` by its probability.
pub(super) fn change(
    by_pipeline: &mut BTreeMap<FieldKey, PipelineBreakdown>,
    placed: &Placed,
    stage: OpportunityStage,
    (amount, weighted): (Money, Money),
    sign: i64,
) {
    let money_sign = i128::from(sign);
    let pipeline = by_pipeline.entry(placed.pipeline.clone()).or_default();
    super::bump(&mut pipeline.opportunities, sign);
    match stage {
        OpportunityStage::Won => {
            super::bump(&mut pipeline.won, sign);
            pipeline.won_value.change(amount, money_sign);
        }
        OpportunityStage::Lost => super::bump(&mut pipeline.lost, sign),
        _ => {
            pipeline.open_value.change(amount, money_sign);
            pipeline.weighted_value.change(weighted, money_sign);
        }
    }
    if let Some(key) = placed.stage.as_ref().filter(|_| stage.is_open()) {
        let custom = pipeline.stages.entry(key.clone()).or_default();
        super::bump(&mut custom.open, sign);
        custom.open_value.change(amount, money_sign);
        custom.weighted_value.change(weighted, money_sign);
        if custom.open == 0 && custom.open_value.is_empty() {
            pipeline.stages.remove(key);
        }
    }
    if pipeline.is_empty() {
        by_pipeline.remove(&placed.pipeline);
    }
}
