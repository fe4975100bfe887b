//! Pipelines (issue 28, the definitions): each an ordered list of custom stages, every custom
//! stage inside one open stage of the typed backbone (`Discovery`, `Proposal`, `Negotiation`,
//! `Contracting`), with its own default probability and stale-after time. Part of the
//! [`FieldSchema`](super::FieldSchema): one record, one version, for everything a business
//! customises.
//!
//! The backbone stays the typed one: moving between custom stages of one backbone stage needs
//! no evidence, crossing into the next backbone stage is the typed step with its evidence. So a
//! pipeline lists its stages in backbone order, and every open backbone stage has at least one
//! current custom stage, where an opportunity that enters it by a typed step lands.

use serde::{Deserialize, Serialize};

use super::{FieldKey, FieldSchema, SchemaError};
use crate::forecast::Probability;
use crate::history::History;
use crate::opportunity::{CustomStage, OpportunityEvidence, Placement, StageError};
use crate::state::OpportunityStage;

/// A custom stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineStage {
    key: FieldKey,
    label: String,
    backbone: OpportunityStage,
    probability: Probability,
    stale_after_days: Option<u32>,
    retired: bool,
}

impl PipelineStage {
    /// A current custom stage inside `backbone` (an open stage), with the probability an
    /// opportunity takes when it enters it, and no stale-after time of its own.
    pub fn new(
        key: FieldKey,
        label: impl Into<String>,
        backbone: OpportunityStage,
        probability: Probability,
    ) -> PipelineStage {
        PipelineStage {
            key,
            label: label.into(),
            backbone,
            probability,
            stale_after_days: None,
            retired: false,
        }
    }

    /// The same stage, stale once an opportunity has stayed in it `days` days (1 or more).
    #[must_use]
    pub fn stale_after_days(self, days: u32) -> PipelineStage {
        PipelineStage {
            stale_after_days: Some(days),
            ..self
        }
    }

    /// Its stable key.
    pub fn key(&self) -> &FieldKey {
        &self.key
    }

    /// Its label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The backbone stage it is inside.
    pub fn backbone(&self) -> OpportunityStage {
        self.backbone
    }

    /// The probability an opportunity takes when it enters it.
    pub fn probability(&self) -> Probability {
        self.probability
    }

    /// After how many days in it an opportunity is stale, if the stage says.
    pub fn stale_after(&self) -> Option<u32> {
        self.stale_after_days
    }

    /// Whether it is retired: an opportunity in it stays there; none enters it any more.
    pub fn is_retired(&self) -> bool {
        self.retired
    }

    pub(super) fn retire(&mut self) {
        self.retired = true;
    }

    pub(super) fn relabel(&mut self, label: &str) {
        label.clone_into(&mut self.label);
    }

    pub(super) fn set_defaults(&mut self, probability: Probability, stale_after_days: Option<u32>) {
        self.probability = probability;
        self.stale_after_days = stale_after_days;
    }
}

/// A pipeline: its stable key, its label, its custom stages in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    key: FieldKey,
    label: String,
    stages: Vec<PipelineStage>,
    retired: bool,
}

impl Pipeline {
    /// A current pipeline with `stages`, in order.
    pub fn new(key: FieldKey, label: impl Into<String>, stages: Vec<PipelineStage>) -> Pipeline {
        Pipeline {
            key,
            label: label.into(),
            stages,
            retired: false,
        }
    }

    /// Its stable key.
    pub fn key(&self) -> &FieldKey {
        &self.key
    }

    /// Its label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Its stages, retired ones included, in order.
    pub fn stages(&self) -> &[PipelineStage] {
        &self.stages
    }

    /// The stage with `key`, retired or not.
    pub fn stage(&self, key: &FieldKey) -> Option<&PipelineStage> {
        self.stages.iter().find(|s| &s.key == key)
    }

    /// The first current stage inside `backbone`: where an opportunity lands when a typed step
    /// takes it into that backbone stage.
    pub fn entry(&self, backbone: OpportunityStage) -> Option<&PipelineStage> {
        self.stages
            .iter()
            .find(|s| s.backbone == backbone && !s.retired)
    }

    /// Whether it is retired: opportunities in it stay; none is put in it any more.
    pub fn is_retired(&self) -> bool {
        self.retired
    }

    pub(super) fn retire(&mut self) {
        self.retired = true;
    }

    pub(super) fn relabel(&mut self, label: &str) {
        label.clone_into(&mut self.label);
    }

    /// Adds `stage` after the stage `after` (first when `None`).
    pub(super) fn insert(
        &mut self,
        stage: PipelineStage,
        after: Option<&FieldKey>,
    ) -> Result<(), SchemaError> {
        if self.stage(&stage.key).is_some() {
            return Err(self.problem(format!("it already has the stage {}", stage.key)));
        }
        let at = match after {
            None => 0,
            Some(key) => {
                self.stages
                    .iter()
                    .position(|s| &s.key == key)
                    .ok_or_else(|| self.problem(format!("it has no stage {key}")))?
                    + 1
            }
        };
        self.stages.insert(
            at,
            PipelineStage {
                retired: false,
                ..stage
            },
        );
        Ok(())
    }

    /// The stage `key`, not retired, to change.
    pub(super) fn stage_mut(&mut self, key: &FieldKey) -> Result<&mut PipelineStage, SchemaError> {
        let problem = match self.stages.iter().position(|s| &s.key == key) {
            None => format!("it has no stage {key}"),
            Some(i) if self.stages[i].retired => format!("its stage {key} is retired"),
            Some(i) => return Ok(&mut self.stages[i]),
        };
        Err(self.problem(problem))
    }

    pub(super) fn problem(&self, problem: String) -> SchemaError {
        SchemaError::Pipeline {
            key: self.key.clone(),
            problem,
        }
    }

    /// Checks what a pipeline must be: a label; each stage key once, each label one line;
    /// every stage inside an open backbone stage, in backbone order; a stale-after time of at
    /// least a day; and every open backbone stage with a current stage.
    pub(super) fn check(&self) -> Result<(), SchemaError> {
        let line = |label: &str| {
            let label = label.trim();
            !label.is_empty()
                && label.chars().count() <= 200
                && !label.chars().any(char::is_control)
        };
        if !line(&self.label) {
            return Err(self.problem("its label must be 1 to 200 characters on one line".into()));
        }
        for (i, stage) in self.stages.iter().enumerate() {
            if self.stages[..i].iter().any(|s| s.key == stage.key) {
                return Err(self.problem(format!("the stage {} is listed twice", stage.key)));
            }
            if !line(&stage.label) {
                return Err(self.problem(format!(
                    "the label of the stage {} must be 1 to 200 characters on one line",
                    stage.key
                )));
            }
            if !stage.backbone.is_open() {
                return Err(self.problem(format!(
                    "the stage {} is inside {}, which is closed: custom stages are open ones",
                    stage.key, stage.backbone
                )));
            }
            if stage.stale_after_days == Some(0) {
                return Err(self.problem(format!(
                    "the stage {} is stale after 0 days: at least 1",
                    stage.key
                )));
            }
        }
        if let Some(w) = self
            .stages
            .windows(2)
            .find(|w| w[1].backbone < w[0].backbone)
        {
            return Err(self.problem(format!(
                "the stage {} ({}) comes after {} ({}): stages follow the backbone's order",
                w[1].key, w[1].backbone, w[0].key, w[0].backbone
            )));
        }
        for backbone in OpportunityStage::ALL.into_iter().filter(|s| s.is_open()) {
            if self.entry(backbone).is_none() {
                return Err(self.problem(format!(
                    "no current stage is inside {backbone}: an opportunity entering it would \
                     have nowhere to be"
                )));
            }
        }
        Ok(())
    }
}

impl FieldSchema {
    /// The custom stage `stage` of `pipeline`: what
    /// [`Opportunity::move_stage`](crate::Opportunity::move_stage) takes, with the stage's
    /// backbone stage and default probability.
    ///
    /// # Errors
    ///
    /// [`StageError::UnknownPipeline`], [`StageError::UnknownStage`], or
    /// [`StageError::RetiredStage`]: nothing moves into a retired stage.
    pub fn custom_stage(
        &self,
        pipeline: &FieldKey,
        stage: &FieldKey,
    ) -> Result<CustomStage, StageError> {
        let (found, custom) = self.stage_of(pipeline, stage)?;
        if custom.is_retired() {
            return Err(StageError::RetiredStage {
                pipeline: pipeline.clone(),
                stage: stage.clone(),
            });
        }
        Ok(custom_stage(found, custom))
    }

    /// Where an opportunity of `pipeline` lands when a typed step takes it into `backbone`
    /// (or when it is qualified into it): the pipeline's first current stage inside it, which
    /// every pipeline has for every open backbone stage (`Pipeline::check`); `None` for a
    /// closed one.
    pub(crate) fn entry_stage(
        &self,
        pipeline: &FieldKey,
        backbone: OpportunityStage,
    ) -> Result<Option<CustomStage>, StageError> {
        let found = self.known_pipeline(pipeline)?;
        Ok(found
            .entry(backbone)
            .map(|stage| custom_stage(found, stage)))
    }

    /// Whether a stored opportunity's placement, and every move between custom stages its
    /// history records, name a pipeline and a stage of this schema (retired ones included),
    /// each inside the backbone stage the record puts it in. One that does not was forged or
    /// damaged in the store.
    pub(crate) fn check_placement(
        &self,
        placement: Option<&Placement>,
        history: &History<OpportunityStage, OpportunityEvidence>,
    ) -> Result<(), StageError> {
        let moves = history.iter().filter_map(|t| match t.evidence() {
            OpportunityEvidence::StageMoved(m) => Some(m.to()),
            _ => None,
        });
        for placed in placement.into_iter().chain(moves) {
            let (_, stage) = self.stage_of(placed.pipeline(), placed.stage())?;
            if stage.backbone() != placed.backbone() {
                return Err(StageError::OtherBackbone {
                    stage: placed.stage().clone(),
                    inside: stage.backbone(),
                    current: placed.backbone(),
                });
            }
        }
        Ok(())
    }

    /// The pipeline `pipeline`, retired or not.
    fn known_pipeline(&self, pipeline: &FieldKey) -> Result<&Pipeline, StageError> {
        self.pipeline(pipeline)
            .ok_or_else(|| StageError::UnknownPipeline {
                pipeline: pipeline.clone(),
            })
    }

    /// The pipeline `pipeline` and its stage `stage`, retired or not.
    fn stage_of(
        &self,
        pipeline: &FieldKey,
        stage: &FieldKey,
    ) -> Result<(&Pipeline, &PipelineStage), StageError> {
        let found = self.known_pipeline(pipeline)?;
        let custom = found.stage(stage).ok_or_else(|| StageError::UnknownStage {
            pipeline: pipeline.clone(),
            stage: stage.clone(),
        })?;
        Ok((found, custom))
    }
}

fn custom_stage(pipeline: &Pipeline, stage: &PipelineStage) -> CustomStage {
    CustomStage::new(
        pipeline.key.clone(),
        stage.key.clone(),
        stage.backbone,
        stage.probability,
        pipeline.retired,
    )
}
