//! The field schema of custom fields through the facade: read by whoever the policy lets read
//! it, changed one [`SchemaChange`] per commit by whoever it lets change it, two racing changes
//! never both applied. [`Crm`]'s methods, documented, and their logic ([`Steps`]), which
//! [`AsyncCrm`] runs too.

use super::plan::Plan;
use super::steps::{Backend, Steps, run};
use super::*;
use crate::access::{Action, Resource};
use crate::fields::{FieldSchema, SchemaChange, SchemaRecord, SchemaVersion};
use crate::id::FieldSchemaId;
use crate::store::Precondition;

impl<S: Store> Crm<S> {
    /// The store's field schema (the custom fields of every kind of record), at its version:
    /// the empty schema at [`SchemaVersion::EMPTY`] until a first change is stored.
    ///
    /// # Errors
    ///
    /// [`CrmError::Forbidden`] when the policy does not let `actor` read it;
    /// [`CrmError::WrongState`] when the store holds something else under its id;
    /// [`CrmError::Store`].
    ///
    /// ```
    /// use prospect::{Crm, User, access::AllowAll, memory::MemoryStore};
    /// use prospect::fields::{FieldDefinition, FieldKey, FieldType, SchemaChange, SchemaVersion};
    /// use prospect::record::RecordKind;
    /// let crm = Crm::new(MemoryStore::new(), AllowAll);
    /// let admin = User::new("ada")?;
    /// assert_eq!(crm.field_schema(&admin)?.version(), SchemaVersion::EMPTY);
    /// let seats = FieldDefinition::new(FieldKey::new("seats")?, "Seats", FieldType::Integer { min: 1, max: 10_000 });
    /// let change = SchemaChange::AddField { kind: RecordKind::Opportunity, field: seats };
    /// let schema = crm.change_field_schema(SchemaVersion::EMPTY, change.clone(), &admin)?;
    /// assert_eq!(schema.version().get(), 1);
    /// // A change made from the version before is refused: another change came first.
    /// assert!(crm.change_field_schema(SchemaVersion::EMPTY, change, &admin).unwrap_err().is_conflict());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn field_schema(&self, actor: &User) -> Result<FieldSchema, CrmError<S::Error>> {
        run(self.steps().field_schema(actor))
    }

    /// Applies `change` to the store's field schema, which `actor` read at version `from`, and
    /// stores the result at the next version, with the change in its history and an event
    /// ([`Payload::FieldSchemaChanged`](crate::event::Payload::FieldSchemaChanged)). The schema
    /// is one record (kind [`RecordKind::FieldSchema`]): when another change was stored since
    /// `from`, or is stored at the same moment, this one conflicts and changes nothing.
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the schema is no longer at `from`; [`CrmError::Schema`] when
    /// the change does not apply (it would make a stored value invalid, or does not fit the
    /// schema); [`CrmError::Forbidden`] when the policy does not let `actor` create (the first
    /// change) or edit the schema; [`CrmError::Store`].
    pub fn change_field_schema(
        &self,
        from: SchemaVersion,
        change: SchemaChange,
        actor: &User,
    ) -> Result<FieldSchema, CrmError<S::Error>> {
        run(self.steps().change_field_schema(from, change, actor))
    }
}

/// The resource the policy decides on for the schema: its one record, owned by no one.
fn resource<'a>() -> Resource<'a> {
    Resource::new(RecordKind::FieldSchema).with_id(RecordId::FieldSchema(FieldSchemaId::STORE))
}

impl<B: Backend> Steps<'_, B> {
    /// The stored schema record, or `None` before the first change.
    pub(super) async fn schema_record(
        &self,
    ) -> Result<Option<Versioned<SchemaRecord>>, CrmError<B::Error>> {
        let id = RecordId::FieldSchema(FieldSchemaId::STORE);
        let loaded = self.store.load(id).await.map_err(CrmError::Store)?;
        match loaded {
            None => Ok(None),
            Some(stored) => match stored.into_parts() {
                (Record::FieldSchema(schema), version) => Ok(Some(Versioned::new(schema, version))),
                (other, _) => Err(CrmError::WrongState {
                    record: id,
                    expected: Expected::Kind(RecordKind::FieldSchema),
                    found: other.state(),
                }),
            },
        }
    }

    pub(super) async fn field_schema(
        &self,
        actor: &User,
    ) -> Result<FieldSchema, CrmError<B::Error>> {
        let _ = self.allow(actor, Action::Read, resource())?;
        Ok(self
            .schema_record()
            .await?
            .map_or_else(FieldSchema::new, |stored| stored.schema().clone()))
    }

    pub(super) async fn change_field_schema(
        &self,
        from: SchemaVersion,
        change: SchemaChange,
        actor: &User,
    ) -> Result<FieldSchema, CrmError<B::Error>> {
        let stored = self.schema_record().await?;
        let action = match stored {
            None => Action::Create,
            Some(_) => Action::Edit,
        };
        let permit = self.allow(actor, action, resource())?;
        let id = RecordId::FieldSchema(FieldSchemaId::STORE);
        // One change per commit: the store's version of the record is the schema's.
        let expected = Version::new(u64::from(from.get()));
        let actual = stored.as_ref().map(Versioned::version);
        if expected != actual {
            let expected = expected.map_or(Precondition::Absent, Precondition::Version);
            return Err(CrmError::Conflict(Conflict::new(id, expected, actual)));
        }
        let ctx = self.context(actor);
        let (record, precondition) = match stored {
            None => (SchemaRecord::first(change, &ctx), Precondition::Absent),
            Some(stored) => {
                let (record, version) = stored.into_parts();
                (record.change(change, &ctx), Precondition::Version(version))
            }
        };
        let record = record.map_err(CrmError::Schema)?;
        let schema = record.schema().clone();
        let mut batch = Batch::new();
        batch.push_distinct(Record::FieldSchema(record), precondition);
        self.apply(
            Plan {
                batch,
                output: schema,
            },
            actor,
            permit,
        )
        .await
    }
}
