//! Custom field values written through the facade: checked against the stored schema, which
//! the commit relies on, and recorded as an entry of the record's history. [`Crm`]'s method,
//! documented, and its logic ([`Steps`]), which [`AsyncCrm`] runs too.

use super::plan::Plan;
use super::steps::{Backend, Steps, run};
use super::*;
use crate::access::Action;
use crate::fields::CustomFields;
use crate::fields::{FieldError, FieldKey, FieldSchema, FieldUpdate, FieldValues};
use crate::id::FieldSchemaId;
use crate::money::Currency;
use crate::record::HasCustomFields;
use crate::store::Precondition;

impl<S: Store> Crm<S> {
    /// Writes `update` to `record`'s custom fields (see [`FieldUpdate`]): each field it sets
    /// or clears is checked against the store's field schema (a current field of the record's
    /// kind, a value of its type within its bounds, an option not retired, money in an
    /// opportunity's currency), and the required fields that existed at the record's first
    /// write of custom values keep one. The write is an entry of the record's history
    /// ([`FieldEdit`](crate::fields::FieldEdit): who, when, each value before and after) and
    /// an event ([`Payload::FieldsChanged`](crate::event::Payload::FieldsChanged), which names
    /// personal fields without their values). The commit relies on the schema it was checked
    /// against: a schema change stored meanwhile makes it a conflict.
    ///
    /// Works on any record that holds custom fields ([`HasCustomFields`]): contacts,
    /// organizations, leads and opportunities in any state, accounts, tasks and activities.
    ///
    /// # Errors
    ///
    /// [`CrmError::Field`] naming the field refused; [`CrmError::Forbidden`] when the policy
    /// does not let `actor` edit the record; [`CrmError::Conflict`] when the record or the
    /// schema changed since they were read; [`CrmError::Store`].
    ///
    /// ```
    /// use prospect::{Crm, User, access::AllowAll, memory::MemoryStore};
    /// use prospect::{ContactDetails, LeadSource, OnDuplicate, Party, PersonName};
    /// use prospect::fields::{FieldDefinition, FieldKey, FieldType, FieldUpdate, FieldValue, SchemaChange, SchemaVersion};
    /// use prospect::record::RecordKind;
    /// let crm = Crm::new(MemoryStore::new(), AllowAll);
    /// let ada = User::new("ada")?;
    /// let tier = FieldKey::new("tier")?;
    /// let field = FieldDefinition::new(tier.clone(), "Tier", FieldType::Integer { min: 1, max: 3 });
    /// crm.change_field_schema(SchemaVersion::EMPTY, SchemaChange::AddField { kind: RecordKind::Contact, field }, &ada)?;
    /// let details = ContactDetails::new(Party::person(PersonName::new("Grace Hopper")?), LeadSource::Event);
    /// let contact = crm.create_contact(details, OnDuplicate::Refuse, &ada)?.into_contact();
    /// let contact = crm.set_fields(contact, FieldUpdate::new().set(tier.clone(), FieldValue::Integer(2)), &ada)?;
    /// assert_eq!(contact.custom_fields().get(&tier), Some(&FieldValue::Integer(2)));
    /// // A value outside the field's bounds is refused, naming the field.
    /// let refused = crm.set_fields(contact, FieldUpdate::new().set(tier, FieldValue::Integer(4)), &ada);
    /// assert!(refused.unwrap_err().to_string().contains("tier"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_fields<T: HasCustomFields>(
        &self,
        record: Versioned<T>,
        update: FieldUpdate,
        actor: &User,
    ) -> Result<Versioned<T>, CrmError<S::Error>> {
        run(self.steps().set_fields(record, update, actor))
    }
}

/// The schema in force for a step: the stored record (shared with the store, not copied), or
/// the empty schema before the first change.
pub(super) enum InForce {
    Empty(FieldSchema),
    Stored(Versioned<crate::fields::SchemaRecord>),
}

impl InForce {
    pub(super) fn schema(&self) -> &FieldSchema {
        match self {
            InForce::Empty(schema) => schema,
            InForce::Stored(stored) => stored.value().schema(),
        }
    }

    /// Makes `plan`'s commit rely on this schema: a change stored meanwhile is a conflict
    /// (the empty schema has no record: no value was written under it).
    pub(super) fn relied_on_by<T>(&self, plan: &mut Plan<T>) {
        if let InForce::Stored(stored) = self {
            plan.batch.require_unchanged(
                RecordId::FieldSchema(FieldSchemaId::STORE),
                stored.version(),
            );
        }
    }
}

/// Why a stored record does not conform to the schema: a custom value, or an opportunity's
/// placement in its pipeline.
#[derive(Debug, thiserror::Error)]
pub(super) enum Nonconforming {
    #[error(transparent)]
    Field(FieldError),
    #[error(transparent)]
    Stage(crate::fields::StageError),
}

impl<E> From<Nonconforming> for CrmError<E> {
    fn from(refused: Nonconforming) -> CrmError<E> {
        match refused {
            Nonconforming::Field(e) => CrmError::Field(e),
            Nonconforming::Stage(e) => CrmError::Stage(e),
        }
    }
}

/// The custom values a step creates a record with, checked: what it sets on the record, and
/// the schema its commit relies on (`None` when there is no value: nothing is loaded).
pub(super) struct Initial {
    pub(super) custom: CustomFields,
    pub(super) schema: Option<InForce>,
}

impl InForce {
    /// Makes `plan` rely on `schema`, when a step's values were checked under one.
    pub(super) fn rely<T>(schema: &Option<InForce>, plan: &mut Plan<T>) {
        if let Some(schema) = schema {
            schema.relied_on_by(plan);
        }
    }
}

impl<B: Backend> Steps<'_, B> {
    /// The schema in force: the stored one, shared, or the empty one before the first change
    /// (then no field exists, and an update that names one is refused before any commit).
    pub(super) async fn schema_in_force(&self) -> Result<InForce, CrmError<B::Error>> {
        Ok(match self.schema_record().await? {
            None => InForce::Empty(FieldSchema::new()),
            Some(stored) => InForce::Stored(stored),
        })
    }

    /// Whether `record`'s custom values, and an opportunity's placement in its pipeline, are
    /// valid under the schema in force, which is loaded into `schema` the first time a record
    /// needs it: every value of a field of its kind, of its type, within its bounds (retired
    /// fields and options included); every pipeline and custom stage it was placed in one of
    /// the schema, inside the backbone stage the record says. One that fails was forged or
    /// damaged in the store.
    pub(super) async fn conforms(
        &self,
        record: &Record,
        schema: &mut Option<InForce>,
    ) -> Result<Result<(), Nonconforming>, CrmError<B::Error>> {
        let custom = record.custom_fields().filter(|c| !c.is_empty());
        let placed = match record {
            Record::Opportunity(o) if o.pipeline().is_some() => Some(o),
            _ => None,
        };
        if custom.is_none() && placed.is_none() {
            return Ok(Ok(()));
        }
        let schema = match schema {
            Some(schema) => schema.schema(),
            None => schema.insert(self.schema_in_force().await?).schema(),
        };
        if let Some(custom) = custom {
            if let Err(e) = schema.check_stored(record.kind(), custom.values(), record.currency()) {
                return Ok(Err(Nonconforming::Field(e)));
            }
        }
        Ok(match placed {
            Some(o) => schema
                .check_placement(o.placement(), o.history())
                .map_err(Nonconforming::Stage),
            None => Ok(()),
        })
    }

    /// The values a record of `kind` (its money in `currency`) is created with, checked as a
    /// write under the schema in force: every key a current field, every value valid, every
    /// required field given.
    pub(super) async fn initial(
        &self,
        kind: RecordKind,
        values: FieldValues,
        currency: Option<Currency>,
    ) -> Result<Initial, CrmError<B::Error>> {
        if values.is_empty() {
            return Ok(Initial {
                custom: CustomFields::new(),
                schema: None,
            });
        }
        let in_force = self.schema_in_force().await?;
        let schema = in_force.schema();
        schema
            .check_write(kind, &values, currency, schema.version())
            .map_err(CrmError::Field)?;
        // The kind's personal fields (few) that have a value.
        let personal: Vec<FieldKey> = schema
            .fields(kind)
            .iter()
            .filter(|f| f.is_personal() && values.get(f.key()).is_some())
            .map(|f| f.key().clone())
            .collect();
        let custom = CustomFields::created(values, personal, schema.version());
        Ok(Initial {
            custom,
            schema: Some(in_force),
        })
    }

    /// Commits `record`, new, created with `values` (checked as [`initial`](Self::initial)
    /// does), with `batch`'s clauses and relying on the schema the values were checked under.
    pub(super) async fn create_with<T: HasCustomFields + crate::record::Snapshot>(
        &self,
        record: T,
        values: FieldValues,
        batch: Batch,
        actor: &User,
        permit: super::steps::Permit,
    ) -> Result<Versioned<T>, CrmError<B::Error>> {
        let currency = match values.is_empty() {
            true => None,
            false => record.to_record().currency(),
        };
        let initial = self.initial(T::KIND, values, currency).await?;
        let mut plan = super::plan::create(record.with_custom_fields(initial.custom), batch);
        InForce::rely(&initial.schema, &mut plan);
        self.apply(plan, actor, permit).await
    }

    pub(super) async fn set_fields<T: HasCustomFields>(
        &self,
        record: Versioned<T>,
        update: FieldUpdate,
        actor: &User,
    ) -> Result<Versioned<T>, CrmError<B::Error>> {
        let (typed, version) = record.into_parts();
        let permit = self
            .allow_on(actor, Action::Edit, &typed.to_record())
            .await?;
        let in_force = self.schema_in_force().await?;
        let mut plan = plan_fields(
            typed,
            version,
            &update,
            in_force.schema(),
            &self.context(actor),
        )?;
        in_force.relied_on_by(&mut plan);
        self.apply(plan, actor, permit).await
    }
}

impl<B: Backend> Steps<'_, B> {
    /// [`set_fields`](Self::set_fields) on a record of any kind that holds custom fields (a
    /// command's, resolved), giving it back as a record.
    pub(super) async fn set_fields_of(
        &self,
        record: Versioned<Record>,
        update: FieldUpdate,
        actor: &User,
    ) -> Result<Versioned<Record>, CrmError<B::Error>> {
        let (record, version) = record.into_parts();
        let id = record.id();
        let found = record.state();
        Ok(match record {
            Record::Contact(c) => self.set(c, version, update, actor).await?,
            Record::Organization(o) => self.set(o, version, update, actor).await?,
            Record::Lead(l) => self.set(l, version, update, actor).await?,
            Record::Opportunity(o) => self.set(o, version, update, actor).await?,
            Record::Account(a) => self.set(a, version, update, actor).await?,
            Record::Task(t) => self.set(t, version, update, actor).await?,
            Record::Activity(a) => self.set(a, version, update, actor).await?,
            Record::FieldSchema(_) => {
                return Err(CrmError::WrongState {
                    record: id,
                    expected: Expected::OneOf(crate::command::accepts::CUSTOMIZABLE),
                    found,
                });
            }
        })
    }

    async fn set<T: HasCustomFields + Into<Record>>(
        &self,
        typed: T,
        version: Version,
        update: FieldUpdate,
        actor: &User,
    ) -> Result<Versioned<Record>, CrmError<B::Error>> {
        let written = self
            .set_fields(Versioned::new(typed, version), update, actor)
            .await?;
        Ok(written.map(Into::into))
    }
}

/// `typed` (at `version`) with `update` written to its custom fields under `schema`, and the
/// batch that writes it.
fn plan_fields<T: HasCustomFields, E>(
    typed: T,
    version: Version,
    update: &FieldUpdate,
    schema: &FieldSchema,
    ctx: &Context<'_>,
) -> Result<Plan<Versioned<T>>, CrmError<E>> {
    let written = with_update(typed, update, schema, ctx)?;
    let mut batch = Batch::new();
    batch.push_distinct(written.to_record(), Precondition::Version(version));
    Ok(Plan {
        batch,
        output: Versioned::new(written, version.next()),
    })
}

/// `typed` with `update` written to its custom fields under `schema`, an edit by the context's
/// actor now (never before its last edit): the update checked, and the values it holds, which
/// a forgery could have put there.
pub(super) fn with_update<T: HasCustomFields, E>(
    typed: T,
    update: &FieldUpdate,
    schema: &FieldSchema,
    ctx: &Context<'_>,
) -> Result<T, CrmError<E>> {
    let stored = typed.to_record();
    let current = typed.fields();
    // A stored value the schema refuses is not carried into the next version.
    schema
        .check_stored(T::KIND, current.values(), stored.currency())
        .and_then(|()| schema.check_update(T::KIND, current, update, stored.currency()))
        .map_err(CrmError::Field)?;
    let personal = |key: &FieldKey| {
        schema
            .field(T::KIND, key)
            .is_some_and(crate::fields::FieldDefinition::is_personal)
    };
    if stored.is_erased() {
        if let Some((key, _)) = update.iter().find(|(k, v)| v.is_some() && personal(k)) {
            return Err(CrmError::Field(FieldError::Erased { key: key.clone() }));
        }
    }
    let at = current
        .edits()
        .last()
        .map_or(ctx.now(), |last| ctx.now().max(last.at()));
    let custom = current.updated(
        update,
        personal,
        schema.version(),
        (at, ctx.actor()),
        stored.own_entries(),
    );
    Ok(typed.with_custom_fields(custom))
}
