//! [`SchemaRecord`]: the field schema as the store keeps it, a record of its own (kind
//! [`RecordKind::FieldSchema`], one per store, under [`FieldSchemaId::STORE`]), with every
//! change that made it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::{FieldSchema, SchemaChange, SchemaError};
use crate::context::Context;
use crate::error::RecordError;
use crate::id::FieldSchemaId;
use crate::kind::RecordKind;
use crate::text::User;

/// One change of the schema, as its record keeps it: the change, when and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaEntry {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Who made it.
    pub actor: User,
    /// The change.
    pub change: SchemaChange,
}

/// The field schema as stored: a record of kind [`RecordKind::FieldSchema`], one per store,
/// whose history is every [`SchemaChange`] applied since the empty schema, in order.
///
/// Keeping the schema as a record gives it what the store contract already gives records: a
/// version, so that two instances changing the schema at once cannot both win (the second
/// conflicts); a history that only grows; an event in the same commit as each change; and the
/// access policy deciding who may read and change it. Reading it back replays its history: a
/// stored schema that is not what its changes make is refused.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SchemaRecord {
    /// Shared between copies, so that a [`Record`](crate::record::Record) stays small.
    data: Arc<Data>,
}

/// A schema record's data.
#[derive(Debug, PartialEq, Eq, Serialize)]
struct Data {
    format: crate::format::Format,
    id: FieldSchemaId,
    #[serde(skip)]
    schema: FieldSchema,
    history: Vec<SchemaEntry>,
}

impl std::fmt::Debug for SchemaRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.data, f)
    }
}

impl SchemaRecord {
    /// The record of the schema made by `change` alone, from the empty one, now, by the
    /// context's actor.
    ///
    /// # Errors
    ///
    /// As [`FieldSchema::apply`].
    pub fn first(change: SchemaChange, ctx: &Context<'_>) -> Result<SchemaRecord, SchemaError> {
        let schema = FieldSchema::new().apply(&change)?;
        Ok(SchemaRecord::of(
            FieldSchemaId::STORE,
            schema,
            vec![SchemaEntry {
                at: ctx.now(),
                actor: ctx.actor().clone(),
                change,
            }],
        ))
    }

    /// The record after `change`, now, by the context's actor (at the time of the last change
    /// or later, if the clock went back).
    ///
    /// # Errors
    ///
    /// As [`FieldSchema::apply`].
    pub fn change(
        &self,
        change: SchemaChange,
        ctx: &Context<'_>,
    ) -> Result<SchemaRecord, SchemaError> {
        let schema = self.data.schema.apply(&change)?;
        let mut history = self.data.history.clone();
        let at = ctx.now().max(self.updated_at());
        history.push(SchemaEntry {
            at,
            actor: ctx.actor().clone(),
            change,
        });
        Ok(SchemaRecord::of(self.data.id, schema, history))
    }

    fn of(id: FieldSchemaId, schema: FieldSchema, history: Vec<SchemaEntry>) -> SchemaRecord {
        SchemaRecord {
            data: Arc::new(Data {
                format: crate::format::Format,
                id,
                schema,
                history,
            }),
        }
    }

    /// Its id: always [`FieldSchemaId::STORE`].
    pub fn id(&self) -> FieldSchemaId {
        self.data.id
    }

    /// The schema.
    pub fn schema(&self) -> &FieldSchema {
        &self.data.schema
    }

    /// Every change, oldest first.
    pub fn history(&self) -> &[SchemaEntry] {
        &self.data.history
    }

    /// When its first change was made.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.data
            .history
            .first()
            .map_or(DateTime::UNIX_EPOCH, |e| e.at)
    }

    /// When its last change was made.
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.data
            .history
            .last()
            .map_or(DateTime::UNIX_EPOCH, |e| e.at)
    }

    /// Checks what a stored schema record must be: its id the store's, at least one change,
    /// changes in time order, each one applying to what the ones before made.
    fn replayed(id: FieldSchemaId, history: Vec<SchemaEntry>) -> Result<SchemaRecord, RecordError> {
        let invariant = |field, problem| RecordError::Invariant {
            record: RecordKind::FieldSchema,
            field,
            problem,
        };
        if id != FieldSchemaId::STORE {
            return Err(invariant(
                "id",
                "a field schema's id is FieldSchemaId::STORE",
            ));
        }
        if history.is_empty() {
            return Err(RecordError::EmptyHistory {
                record: RecordKind::FieldSchema,
            });
        }
        if history.windows(2).any(|w| w[1].at < w[0].at) {
            return Err(invariant(
                "history",
                "a change is dated before the change before it",
            ));
        }
        let mut schema = FieldSchema::new();
        for entry in &history {
            schema = schema.apply(&entry.change).map_err(|_| {
                invariant(
                    "history",
                    "a change does not apply to the schema the changes before it made",
                )
            })?;
        }
        Ok(SchemaRecord::of(id, schema, history))
    }
}

impl<'de> Deserialize<'de> for SchemaRecord {
    /// Reads a schema record and replays its history (the schema is what its changes make).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Stored {
            #[allow(dead_code)]
            format: crate::format::Format,
            id: FieldSchemaId,
            history: Vec<SchemaEntry>,
        }
        let reading = crate::format::ReadingRecord::start();
        let stored = Stored::deserialize(d)?;
        reading
            .finish(RecordKind::FieldSchema)
            .map_err(serde::de::Error::custom)?;
        SchemaRecord::replayed(stored.id, stored.history).map_err(serde::de::Error::custom)
    }
}
