//! An opportunity in a pipeline (issue 28): the custom stage it is in, inside its backbone
//! stage ([`Placement`]); a move between custom stages of one backbone stage, an entry of its
//! history that needs no evidence ([`StageMove`]); a custom stage checked against a schema,
//! which is what a move takes ([`CustomStage`]); and why a move is refused ([`StageError`]).
//!
//! The backbone stays the typed one: crossing into the next backbone stage is the typed step,
//! with its evidence, and the facade then places the opportunity at the pipeline's first current
//! stage inside the new backbone stage (a landing, which needs no entry of its own: the typed
//! step's entry is when it happened, and the placement says where it landed).

use serde::{Deserialize, Serialize};

use super::OpportunityStage;
use crate::custom::FieldKey;
use crate::forecast::Probability;
use crate::text::Note;

/// Where an opportunity is in its pipeline: the pipeline, the custom stage, the backbone stage
/// that custom stage is inside, and the probability the opportunity took when it entered it (a
/// later change of the stage's default does not move opportunities already in it).
///
/// An opportunity is *in* its placement while its backbone stage is the placement's; a closed
/// one keeps the placement it closed from, and one moved on by a typed step outside the
/// facade keeps its previous placement until it is placed again ([`Opportunity::custom_stage`](crate::Opportunity::custom_stage)).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    pipeline: FieldKey,
    stage: FieldKey,
    backbone: OpportunityStage,
    probability: Probability,
}

impl Placement {
    /// The pipeline.
    pub fn pipeline(&self) -> &FieldKey {
        &self.pipeline
    }

    /// The custom stage.
    pub fn stage(&self) -> &FieldKey {
        &self.stage
    }

    /// The backbone stage the custom stage is inside.
    pub fn backbone(&self) -> OpportunityStage {
        self.backbone
    }

    /// The probability the opportunity took when it entered the custom stage.
    pub fn probability(&self) -> Probability {
        self.probability
    }
}

/// A custom stage of a pipeline, checked against a field schema: what
/// [`Opportunity::move_stage`](crate::Opportunity::move_stage) takes. Made by
/// [`FieldSchema::custom_stage`](crate::fields::FieldSchema::custom_stage).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomStage {
    placement: Placement,
    pipeline_retired: bool,
}

impl CustomStage {
    /// The stage `stage` of `pipeline`, inside `backbone`, with its default probability; the
    /// schema says whether the pipeline is retired.
    pub(crate) fn new(
        pipeline: FieldKey,
        stage: FieldKey,
        backbone: OpportunityStage,
        probability: Probability,
        pipeline_retired: bool,
    ) -> CustomStage {
        CustomStage {
            placement: Placement {
                pipeline,
                stage,
                backbone,
                probability,
            },
            pipeline_retired,
        }
    }

    /// Where an opportunity moved to it is.
    pub fn placement(&self) -> &Placement {
        &self.placement
    }

    /// Whether its pipeline is retired: an opportunity in it moves on; none joins it.
    pub fn pipeline_is_retired(&self) -> bool {
        self.pipeline_retired
    }

    pub(crate) fn into_placement(self) -> Placement {
        self.placement
    }
}

/// A move between custom stages of one backbone stage, as recorded in the history (an entry
/// that keeps the backbone stage): the custom stage before (`None` when the opportunity was in
/// none: it joined the pipeline, or a typed step outside the facade had not placed it), where
/// it went, and why, if a note was given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageMove {
    from: Option<FieldKey>,
    to: Placement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<Note>,
}

impl StageMove {
    pub(crate) fn new(from: Option<FieldKey>, to: Placement, note: Option<Note>) -> StageMove {
        StageMove { from, to, note }
    }

    /// The custom stage before, if it was in one.
    pub fn from(&self) -> Option<&FieldKey> {
        self.from.as_ref()
    }

    /// Where it went.
    pub fn to(&self) -> &Placement {
        &self.to
    }

    /// Why, if a note was given.
    pub fn note(&self) -> Option<&Note> {
        self.note.as_ref()
    }

    /// The same move with its note erased.
    pub(super) fn erased(&self) -> StageMove {
        StageMove {
            note: self.note.as_ref().map(|_| Note::erased()),
            ..self.clone()
        }
    }
}

/// Why an opportunity cannot be moved to a custom stage, or why a stored placement does not
/// fit the schema. Each variant names the pipeline or the stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StageError {
    /// The schema has no such pipeline.
    #[error("the schema has no pipeline {pipeline}")]
    UnknownPipeline {
        /// The pipeline.
        pipeline: FieldKey,
    },
    /// The pipeline has no such stage.
    #[error("the pipeline {pipeline} has no stage {stage}")]
    UnknownStage {
        /// The pipeline.
        pipeline: FieldKey,
        /// The stage.
        stage: FieldKey,
    },
    /// The stage is retired: opportunities in it stay, none moves into it.
    #[error("the stage {stage} of the pipeline {pipeline} is retired: nothing moves into it")]
    RetiredStage {
        /// The pipeline.
        pipeline: FieldKey,
        /// The stage.
        stage: FieldKey,
    },
    /// The pipeline is retired: opportunities in it stay and move on, none joins it.
    #[error("the pipeline {pipeline} is retired: no opportunity joins it")]
    RetiredPipeline {
        /// The pipeline.
        pipeline: FieldKey,
    },
    /// The opportunity belongs to another pipeline.
    #[error("the opportunity is in the pipeline {current}, not {given}: it belongs to one")]
    OtherPipeline {
        /// Its pipeline.
        current: FieldKey,
        /// The pipeline of the stage given.
        given: FieldKey,
    },
    /// The custom stage is inside another backbone stage than the opportunity's: crossing the
    /// backbone is the typed step, with its evidence. (In a stored record: a forgery.)
    #[error(
        "the stage {stage} is inside {inside}, the opportunity is in {current}: another \
         backbone stage is reached by its typed step"
    )]
    OtherBackbone {
        /// The custom stage.
        stage: FieldKey,
        /// The backbone stage it is inside.
        inside: OpportunityStage,
        /// The opportunity's backbone stage.
        current: OpportunityStage,
    },
    /// The opportunity is in that stage already.
    #[error("the opportunity is in the stage {stage} already")]
    AlreadyThere {
        /// The stage.
        stage: FieldKey,
    },
}
