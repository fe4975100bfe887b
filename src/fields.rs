//! Custom fields and pipelines (issue 28): the fields a business adds to each kind of record,
//! defined at run time as data, in a [`FieldSchema`] whose every change keeps every value
//! written under an earlier version valid; and the pipelines its opportunities go through.
//!
//! A record holds its values in its [`CustomFields`]; a creating step takes them with its input
//! ([`WithFields`]), [`Crm::set_fields`](crate::Crm::set_fields) writes them later. A pipeline
//! ([`Pipeline`]) is an ordered list of custom stages ([`PipelineStage`]), each inside one open
//! stage of the typed backbone: an opportunity qualified into one
//! ([`WithFields::in_pipeline`]) is placed in it ([`Placement`]), moves between the custom
//! stages of its backbone stage without evidence
//! ([`Opportunity::move_stage`](crate::Opportunity::move_stage), with a [`CustomStage`] the
//! schema gives; recorded as a [`StageMove`]; refused with a [`StageError`]), and crosses into
//! the next backbone stage only by its typed step.
//!
//! A schema lists, per [`RecordKind`], [`FieldDefinition`]s: a stable [`FieldKey`], a label, a
//! [`FieldType`] (text with a maximum length, integer and decimal with bounds, money in the
//! record's currency, date, boolean, picklist, multi-picklist, reference to a record of a given
//! kind), whether it is required and whether it holds **personal data**. The schema changes
//! only through [`SchemaChange`]s, each applied by [`FieldSchema::apply`], which gives the next
//! version or refuses: a field or an option is added or retired (a retired one is still read,
//! never written again), a label renamed, a type redefined only when the new type accepts every
//! value the old one did (a wider text or wider bounds, a decimal with more places); narrowing
//! a bound or changing a type is refused with [`SchemaError::WouldInvalidate`], naming the field.
//!
//! So a value [`check_write`](FieldSchema::check_write) accepted under any version passes
//! [`check_stored`](FieldSchema::check_stored) under every later one: reading an old record under
//! a newer schema works, which a property test checks over generated schemas, changes and
//! values (`tests/it/fields.rs`).
//!
//! ```
//! use prospect::fields::{FieldDefinition, FieldKey, FieldSchema, FieldType, FieldValue, FieldValues, SchemaChange};
//! use prospect::record::RecordKind;
//! let seats = FieldKey::new("seats")?;
//! let schema = FieldSchema::new().apply(&SchemaChange::AddField {
//!     kind: RecordKind::Opportunity,
//!     field: FieldDefinition::new(seats.clone(), "Seats", FieldType::Integer { min: 1, max: 10_000 }),
//! })?;
//! assert_eq!(schema.version().get(), 1);
//! let mut values = FieldValues::new();
//! values.set(seats.clone(), FieldValue::Integer(40));
//! schema.check_write(RecordKind::Opportunity, &values, None, schema.version())?;
//! values.set(seats, FieldValue::Integer(0));
//! assert!(schema
//!     .check_write(RecordKind::Opportunity, &values, None, schema.version())
//!     .is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::kind::RecordKind;

mod check;
mod definition;
mod pipeline;
mod record;

pub use crate::custom::{
    CustomFields, FieldEdit, FieldError, FieldKey, FieldUpdate, FieldValue, FieldValues,
    SchemaVersion, WithFields,
};
pub use crate::opportunity::{CustomStage, Placement, StageError, StageMove};
use definition::well_formed;
pub use definition::{FieldDefinition, FieldType, PicklistOption};
pub use pipeline::{Pipeline, PipelineStage};
pub use record::{SchemaEntry, SchemaRecord};

/// A change to a [`FieldSchema`]: the only way it changes, so that no change can make a stored
/// value invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum SchemaChange {
    /// Adds a field to a kind of record (its key new for that kind, retired ones included).
    AddField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        field: FieldDefinition,
    },
    /// Retires a field: stored values are still read; none is written again.
    RetireField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
    },
    /// Renames a field's label (its key stays).
    RelabelField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// The new label.
        label: String,
    },
    /// Gives a field a new type that accepts every value the old one did (a wider text or
    /// wider bounds, more decimal places); anything else is refused.
    Redefine {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// The new type.
        field_type: FieldType,
    },
    /// Adds an option to a picklist or multi-picklist.
    AddOption {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// The option.
        option: PicklistOption,
    },
    /// Retires an option: stored values are still read; it is no longer written.
    RetireOption {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// The option's key.
        option: FieldKey,
    },
    /// Renames an option's label (its key stays).
    RelabelOption {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// The option's key.
        option: FieldKey,
        /// The new label.
        label: String,
    },
    /// Adds a pipeline (its key new, retired ones included).
    AddPipeline {
        /// The pipeline.
        pipeline: Pipeline,
    },
    /// Retires a pipeline: opportunities in it stay; none is put in it any more.
    RetirePipeline {
        /// The pipeline.
        pipeline: FieldKey,
    },
    /// Renames a pipeline's label.
    RelabelPipeline {
        /// The pipeline.
        pipeline: FieldKey,
        /// The new label.
        label: String,
    },
    /// Adds a stage to a pipeline, after the stage `after` (first when `None`), where the
    /// backbone's order allows it.
    AddStage {
        /// The pipeline.
        pipeline: FieldKey,
        /// The stage.
        stage: PipelineStage,
        /// The stage it comes after.
        after: Option<FieldKey>,
    },
    /// Retires a stage: opportunities in it stay there; none enters it any more. Refused when
    /// its backbone stage would have no current stage left.
    RetireStage {
        /// The pipeline.
        pipeline: FieldKey,
        /// The stage.
        stage: FieldKey,
    },
    /// Renames a stage's label.
    RelabelStage {
        /// The pipeline.
        pipeline: FieldKey,
        /// The stage.
        stage: FieldKey,
        /// The new label.
        label: String,
    },
    /// Sets a stage's default probability and stale-after time (for opportunities entering it
    /// from then on).
    SetStageDefaults {
        /// The pipeline.
        pipeline: FieldKey,
        /// The stage.
        stage: FieldKey,
        /// The probability an opportunity takes when it enters the stage.
        probability: crate::forecast::Probability,
        /// After how many days in the stage an opportunity is stale, if the stage says.
        stale_after_days: Option<u32>,
    },
}

/// Why a [`SchemaChange`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The kind already has a field with this key (retired or not).
    #[error("{kind} already has a field {key}")]
    DuplicateField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
    },
    /// The kind has no field with this key.
    #[error("{kind} has no field {key}")]
    UnknownField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
    },
    /// The field is retired: it no longer changes.
    #[error("the field {key} of {kind} is retired")]
    RetiredField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
    },
    /// The picklist already has this option, or has no such option.
    #[error("the field {key} of {kind}: {problem}")]
    Option {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// What is wrong.
        problem: String,
    },
    /// The field's definition is not well formed (empty bounds, a text allowing no character,
    /// a picklist without a current option, an empty label).
    #[error("the field {key} of {kind} is not well formed: {problem}")]
    Malformed {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// What is wrong.
        problem: String,
    },
    /// The change would make a stored value invalid: refused (a migration that rewrites
    /// records is the way to do it).
    #[error(
        "the field {key} of {kind} cannot change so: {why}, and a stored value could become invalid"
    )]
    WouldInvalidate {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// What would narrow.
        why: String,
    },
    /// A pipeline change that does not fit: an unknown or retired pipeline or stage, a key
    /// given twice, stages out of the backbone's order, a backbone stage left without a current
    /// stage.
    #[error("the pipeline {key}: {problem}")]
    Pipeline {
        /// The pipeline.
        key: FieldKey,
        /// What is wrong.
        problem: String,
    },
    /// The schema has had `u32::MAX` changes.
    #[error("the schema has no version after {0}")]
    Exhausted(SchemaVersion),
}

/// The custom fields of every kind of record, at a version. Data: it serialises, and changes
/// only through [`apply`](FieldSchema::apply). Reading one checks what `apply` keeps: each
/// field well formed, each key once per kind, each added at a version the schema has reached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldSchema {
    version: SchemaVersion,
    kinds: BTreeMap<RecordKind, Vec<FieldDefinition>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pipelines: Vec<Pipeline>,
}

impl<'de> Deserialize<'de> for FieldSchema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FieldSchema, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Stored {
            version: SchemaVersion,
            kinds: BTreeMap<RecordKind, Vec<FieldDefinition>>,
            #[serde(default)]
            pipelines: Vec<Pipeline>,
        }
        let Stored {
            version,
            kinds,
            pipelines,
        } = Stored::deserialize(d)?;
        for (i, pipeline) in pipelines.iter().enumerate() {
            pipeline.check().map_err(serde::de::Error::custom)?;
            if pipelines[..i].iter().any(|p| p.key() == pipeline.key()) {
                return Err(serde::de::Error::custom(
                    pipeline.problem("it is listed twice".to_string()),
                ));
            }
        }
        for (kind, fields) in &kinds {
            for (i, field) in fields.iter().enumerate() {
                well_formed(*kind, field).map_err(serde::de::Error::custom)?;
                if fields[..i].iter().any(|f| f.key == field.key) {
                    return Err(serde::de::Error::custom(SchemaError::DuplicateField {
                        kind: *kind,
                        key: field.key.clone(),
                    }));
                }
                if field.since == SchemaVersion::EMPTY || field.since > version {
                    return Err(serde::de::Error::custom(format!(
                        "the field {} of {kind} was added at {}, which the schema at {version} \
                         has not reached",
                        field.key, field.since
                    )));
                }
            }
        }
        Ok(FieldSchema {
            version,
            kinds,
            pipelines,
        })
    }
}

impl FieldSchema {
    /// The empty schema, at [`SchemaVersion::EMPTY`].
    pub fn new() -> FieldSchema {
        FieldSchema::default()
    }

    /// Its version.
    pub fn version(&self) -> SchemaVersion {
        self.version
    }

    /// The fields of `kind`, retired ones included, in the order they were added.
    pub fn fields(&self, kind: RecordKind) -> &[FieldDefinition] {
        self.kinds.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// The field of `kind` with `key`, retired or not.
    pub fn field(&self, kind: RecordKind, key: &FieldKey) -> Option<&FieldDefinition> {
        self.fields(kind).iter().find(|f| &f.key == key)
    }

    /// The pipelines, retired ones included, in the order they were added.
    pub fn pipelines(&self) -> &[Pipeline] {
        &self.pipelines
    }

    /// The pipeline with `key`, retired or not.
    pub fn pipeline(&self, key: &FieldKey) -> Option<&Pipeline> {
        self.pipelines.iter().find(|p| p.key() == key)
    }

    /// The pipeline `key`, not retired, to change.
    fn pipeline_mut(&mut self, key: &FieldKey) -> Result<&mut Pipeline, SchemaError> {
        let problem = match self.pipelines.iter().position(|p| p.key() == key) {
            None => "there is no such pipeline",
            Some(i) if self.pipelines[i].is_retired() => "it is retired",
            Some(i) => return Ok(&mut self.pipelines[i]),
        };
        Err(SchemaError::Pipeline {
            key: key.clone(),
            problem: problem.to_string(),
        })
    }

    /// Applies a change to one pipeline, then checks it.
    fn change_pipeline(
        &mut self,
        key: &FieldKey,
        change: impl FnOnce(&mut Pipeline) -> Result<(), SchemaError>,
    ) -> Result<(), SchemaError> {
        let pipeline = self.pipeline_mut(key)?;
        change(pipeline)?;
        pipeline.check()
    }

    /// The schema after `change`, at the next version.
    ///
    /// # Errors
    ///
    /// A [`SchemaError`] naming the kind and the field, when the change would make a stored
    /// value invalid or does not fit the schema.
    pub fn apply(&self, change: &SchemaChange) -> Result<FieldSchema, SchemaError> {
        let version = self
            .version
            .next()
            .ok_or(SchemaError::Exhausted(self.version))?;
        let mut next = self.clone();
        next.version = version;
        match change {
            SchemaChange::AddField { kind, field } => {
                if self.field(*kind, &field.key).is_some() {
                    return Err(SchemaError::DuplicateField {
                        kind: *kind,
                        key: field.key.clone(),
                    });
                }
                let field = FieldDefinition {
                    retired: false,
                    since: version,
                    ..field.clone()
                };
                well_formed(*kind, &field)?;
                next.kinds.entry(*kind).or_default().push(field);
            }
            SchemaChange::RetireField { kind, key } => {
                next.current_mut(*kind, key)?.retired = true;
            }
            SchemaChange::RelabelField { kind, key, label } => {
                let field = next.current_mut(*kind, key)?;
                field.label.clone_from(label);
                well_formed(*kind, field)?;
            }
            SchemaChange::Redefine {
                kind,
                key,
                field_type,
            } => {
                let field = next.current_mut(*kind, key)?;
                // Well formed first: the comparison below relies on the new type's bounds.
                let redefined = FieldDefinition {
                    field_type: field_type.clone(),
                    ..field.clone()
                };
                well_formed(*kind, &redefined)?;
                if let Some(why) = field_type.narrows(&field.field_type) {
                    return Err(SchemaError::WouldInvalidate {
                        kind: *kind,
                        key: key.clone(),
                        why,
                    });
                }
                *field = redefined;
            }
            SchemaChange::AddOption { kind, key, option } => {
                let options = next.options_mut(*kind, key)?;
                if options.iter().any(|o| o.key == option.key) {
                    return Err(SchemaError::Option {
                        kind: *kind,
                        key: key.clone(),
                        problem: format!("it already has the option {}", option.key),
                    });
                }
                options.push(PicklistOption {
                    retired: false,
                    ..option.clone()
                });
                let field = next.current_mut(*kind, key)?;
                well_formed(*kind, field)?;
            }
            SchemaChange::RetireOption { kind, key, option } => {
                next.option_mut(*kind, key, option)?.retired = true;
                let field = next.current_mut(*kind, key)?;
                well_formed(*kind, field)?;
            }
            SchemaChange::RelabelOption {
                kind,
                key,
                option,
                label,
            } => {
                next.option_mut(*kind, key, option)?.label.clone_from(label);
                let field = next.current_mut(*kind, key)?;
                well_formed(*kind, field)?;
            }
            SchemaChange::AddPipeline { pipeline } => {
                if self.pipeline(pipeline.key()).is_some() {
                    return Err(pipeline.problem("it exists already".to_string()));
                }
                let pipeline = Pipeline::new(
                    pipeline.key().clone(),
                    pipeline.label(),
                    pipeline.stages().to_vec(),
                );
                pipeline.check()?;
                next.pipelines.push(pipeline);
            }
            SchemaChange::RetirePipeline { pipeline } => {
                next.pipeline_mut(pipeline)?.retire();
            }
            SchemaChange::RelabelPipeline { pipeline, label } => {
                next.change_pipeline(pipeline, |p| {
                    p.relabel(label);
                    Ok(())
                })?;
            }
            SchemaChange::AddStage {
                pipeline,
                stage,
                after,
            } => {
                next.change_pipeline(pipeline, |p| p.insert(stage.clone(), after.as_ref()))?;
            }
            SchemaChange::RetireStage { pipeline, stage } => {
                next.change_pipeline(pipeline, |p| {
                    p.stage_mut(stage)?.retire();
                    Ok(())
                })?;
            }
            SchemaChange::RelabelStage {
                pipeline,
                stage,
                label,
            } => {
                next.change_pipeline(pipeline, |p| {
                    p.stage_mut(stage)?.relabel(label);
                    Ok(())
                })?;
            }
            SchemaChange::SetStageDefaults {
                pipeline,
                stage,
                probability,
                stale_after_days,
            } => {
                next.change_pipeline(pipeline, |p| {
                    p.stage_mut(stage)?
                        .set_defaults(*probability, *stale_after_days);
                    Ok(())
                })?;
            }
        }
        Ok(next)
    }

    /// The field of `kind` with `key`, not retired, to change.
    fn current_mut(
        &mut self,
        kind: RecordKind,
        key: &FieldKey,
    ) -> Result<&mut FieldDefinition, SchemaError> {
        let field = self
            .kinds
            .get_mut(&kind)
            .and_then(|fields| fields.iter_mut().find(|f| &f.key == key))
            .ok_or_else(|| SchemaError::UnknownField {
                kind,
                key: key.clone(),
            })?;
        if field.retired {
            return Err(SchemaError::RetiredField {
                kind,
                key: key.clone(),
            });
        }
        Ok(field)
    }

    fn options_mut(
        &mut self,
        kind: RecordKind,
        key: &FieldKey,
    ) -> Result<&mut Vec<PicklistOption>, SchemaError> {
        self.current_mut(kind, key)?
            .field_type
            .options_mut()
            .ok_or_else(|| SchemaError::Option {
                kind,
                key: key.clone(),
                problem: "it is not a picklist".to_string(),
            })
    }

    fn option_mut(
        &mut self,
        kind: RecordKind,
        key: &FieldKey,
        option: &FieldKey,
    ) -> Result<&mut PicklistOption, SchemaError> {
        self.options_mut(kind, key)?
            .iter_mut()
            .find(|o| &o.key == option)
            .ok_or_else(|| SchemaError::Option {
                kind,
                key: key.clone(),
                problem: format!("it has no option {option}"),
            })
    }
}
