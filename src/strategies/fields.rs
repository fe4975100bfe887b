//! Strategies for custom fields: keys, types, schemas (built by the changes that make them),
//! their stored records, and values a schema accepts.

use proptest::prelude::*;
use proptest::sample::select;

use crate::context::{Context, FixedClock};
use crate::fields::{
    CustomFields, FieldDefinition, FieldKey, FieldSchema, FieldType, FieldUpdate, FieldValue,
    FieldValues, PicklistOption, SchemaChange, SchemaRecord,
};
use crate::id::SequentialIds;
use crate::kind::RecordKind;
use crate::money::{Currency, Money};
use crate::record::{Record, RecordId};
use crate::text::User;

/// A field key: a lowercase letter and up to 15 lowercase letters, digits and underscores.
pub fn field_key() -> impl Strategy<Value = FieldKey> + Clone {
    "[a-z][a-z0-9_]{0,15}".prop_filter_map("a key", |k| FieldKey::new(k).ok())
}

/// A well-formed field type, of every kind of type, with bounds that hold something.
pub fn field_type() -> impl Strategy<Value = FieldType> + Clone {
    let bounds = (-1_000_i64..1_000, 0_i64..1_000).prop_map(|(min, span)| (min, min + span));
    let options = prop::collection::btree_set(field_key(), 1..5).prop_map(|keys| {
        keys.into_iter()
            .map(|k| {
                let label = k.as_str().replace('_', " ");
                PicklistOption::new(k, label)
            })
            .collect::<Vec<_>>()
    });
    prop_oneof![
        (1_u32..=200).prop_map(|max_chars| FieldType::Text { max_chars }),
        bounds
            .clone()
            .prop_map(|(min, max)| FieldType::Integer { min, max }),
        (0_u8..=4, bounds).prop_map(|(places, (min, max))| FieldType::Decimal { places, min, max }),
        Just(FieldType::Money),
        Just(FieldType::Date),
        Just(FieldType::Boolean),
        options
            .clone()
            .prop_map(|options| FieldType::Picklist { options }),
        options.prop_map(|options| FieldType::MultiPicklist { options }),
        select(RecordKind::ALL.to_vec()).prop_map(|kind| FieldType::Reference { kind }),
    ]
}

/// A field definition, required or not, personal or not.
pub fn field_definition() -> impl Strategy<Value = FieldDefinition> + Clone {
    (field_key(), field_type(), any::<bool>(), any::<bool>()).prop_map(
        |(key, field_type, required, personal)| {
            let label = key.as_str().replace('_', " ");
            let field = FieldDefinition::new(key, label, field_type);
            let field = if required { field.required() } else { field };
            if personal { field.personal() } else { field }
        },
    )
}

/// The changes that make a schema: fields added to some kinds, some retired.
pub fn schema_changes() -> impl Strategy<Value = Vec<SchemaChange>> {
    let kinds = [
        RecordKind::Contact,
        RecordKind::Lead,
        RecordKind::Opportunity,
        RecordKind::Account,
        RecordKind::Organization,
        RecordKind::Task,
        RecordKind::Activity,
    ];
    prop::collection::vec(
        (select(kinds.to_vec()), field_definition(), any::<bool>()),
        1..8,
    )
    .prop_map(|fields| {
        let mut changes = Vec::new();
        for (kind, field, retire) in fields {
            let key = field.key().clone();
            changes.push(SchemaChange::AddField { kind, field });
            if retire {
                changes.push(SchemaChange::RetireField { kind, key });
            }
        }
        changes
    })
}

/// A field schema, made by applying [`schema_changes`] (those that apply: a key added twice to
/// a kind is refused the second time).
pub fn field_schema() -> impl Strategy<Value = FieldSchema> {
    schema_changes().prop_map(|changes| {
        changes.iter().fold(FieldSchema::new(), |schema, change| {
            schema.apply(change).unwrap_or(schema)
        })
    })
}

/// The stored record of a schema made by [`schema_changes`], each change by `"admin"` a minute
/// after the one before.
pub fn schema_record() -> impl Strategy<Value = SchemaRecord> {
    schema_changes().prop_filter_map("at least one change applies", |changes| {
        let clock = FixedClock::new(super::ACTIVITY_LOGGED_AT);
        let ids = SequentialIds::new(1);
        let ctx = Context::new(&clock, &ids, User::new("admin").ok()?);
        let mut record: Option<SchemaRecord> = None;
        for change in changes {
            let next = match &record {
                None => SchemaRecord::first(change, &ctx),
                Some(r) => r.change(change, &ctx),
            };
            if let Ok(next) = next {
                record = Some(next);
            }
            clock.advance(chrono::TimeDelta::minutes(1));
        }
        record
    })
}

/// A value `field` accepts for a write (of a record in `currency`, for money).
pub fn field_value(field: &FieldDefinition, currency: Currency) -> BoxedStrategy<FieldValue> {
    match field.field_type().clone() {
        FieldType::Text { max_chars } => {
            // Words of letters and digits, as long as the field allows (at most 40).
            let max = max_chars.clamp(1, 40);
            proptest::string::string_regex(&format!("[A-Za-z0-9]{{1,{max}}}")).map_or_else(
                |_| Just(FieldValue::Text("x".to_string())).boxed(),
                |s| s.prop_map(FieldValue::Text).boxed(),
            )
        }
        FieldType::Integer { min, max } => (min..=max).prop_map(FieldValue::Integer).boxed(),
        FieldType::Decimal { places, min, max } => (min..=max)
            .prop_map(move |units| FieldValue::Decimal { units, places })
            .boxed(),
        FieldType::Money => (0_i64..10_000_000)
            .prop_map(move |minor| FieldValue::Money(Money::from_minor(minor, currency)))
            .boxed(),
        FieldType::Date => (0_u64..3_650)
            .prop_map(|days| {
                let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
                FieldValue::Date(day + chrono::Days::new(days))
            })
            .boxed(),
        FieldType::Boolean => any::<bool>().prop_map(FieldValue::Boolean).boxed(),
        FieldType::Picklist { options } | FieldType::MultiPicklist { options } => {
            let multi = matches!(field.field_type(), FieldType::MultiPicklist { .. });
            let current: Vec<FieldKey> = options
                .iter()
                .filter(|o| !o.is_retired())
                .map(|o| o.key().clone())
                .collect();
            if multi {
                prop::sample::subsequence(current.clone(), 0..=current.len())
                    .prop_map(|keys| FieldValue::MultiPicklist(keys.into_iter().collect()))
                    .boxed()
            } else {
                select(current).prop_map(FieldValue::Picklist).boxed()
            }
        }
        FieldType::Reference { kind } => any::<u128>()
            .prop_map(move |n| {
                FieldValue::Reference(RecordId::from_parts(kind, uuid::Uuid::from_u128(n)))
            })
            .boxed(),
    }
}

/// A value for every current field of `kind` in `schema`: what a write under it accepts.
pub fn field_values(
    schema: &FieldSchema,
    kind: RecordKind,
    currency: Currency,
) -> BoxedStrategy<FieldValues> {
    let fields: Vec<FieldDefinition> = schema
        .fields(kind)
        .iter()
        .filter(|f| !f.is_retired())
        .cloned()
        .collect();
    let values: Vec<BoxedStrategy<(FieldKey, FieldValue)>> = fields
        .into_iter()
        .map(|f| {
            let key = f.key().clone();
            field_value(&f, currency)
                .prop_map(move |v| (key.clone(), v))
                .boxed()
        })
        .collect();
    values
        .prop_map(|pairs| {
            let mut values = FieldValues::new();
            for (key, value) in pairs {
                values.set(key, value);
            }
            values
        })
        .boxed()
}

/// A record holding custom values valid under the schema it comes with: a record of any kind
/// that holds custom fields, written once or twice with values for every current field of its
/// kind (personal ones removed again when the record is erased, as an erasure does).
pub fn record_with_fields() -> impl Strategy<Value = (FieldSchema, Record)> {
    (
        field_schema().boxed(),
        super::record_without_fields().boxed(),
    )
        .prop_filter("a kind that holds custom fields", |(_, record)| {
            record.kind() != RecordKind::FieldSchema
        })
        .prop_flat_map(|(schema, record)| {
            let currency = record.currency().unwrap_or(Currency::EUR);
            let kind = record.kind();
            let writes = prop::collection::vec(field_values(&schema, kind, currency), 1..3);
            (Just(schema), Just(record), writes)
        })
        .prop_filter_map("a valid actor", |(schema, record, writes)| {
            let kind = record.kind();
            let personal = |key: &FieldKey| {
                schema
                    .field(kind, key)
                    .is_some_and(FieldDefinition::is_personal)
            };
            let by = User::new("admin").ok()?;
            let mut custom = CustomFields::new();
            for values in writes {
                custom = custom.updated(
                    &FieldUpdate::from(values),
                    personal,
                    schema.version(),
                    (super::ACTIVITY_LOGGED_AT, &by),
                    record.own_entries(),
                );
            }
            if record.is_erased() {
                custom = custom.erased();
            }
            Some((schema, record.with_custom_fields(custom)))
        })
}

/// The schema whose one pipeline, `sales`, generated opportunities are placed in (one walk in
/// three): two stages inside discovery (`first_call`, `demo`, where walks move between them),
/// then one inside each other open stage, the last stale after 14 days. Its version is 1.
pub fn pipeline_schema() -> FieldSchema {
    use crate::fields::{Pipeline, PipelineStage};
    use crate::forecast::Probability;
    use crate::state::OpportunityStage as O;
    let key = |k: &str| FieldKey::new(k).unwrap_or_else(|e| unreachable!("{e}"));
    let stage = |k: &str, backbone, p: u32| {
        let probability = Probability::new(p).unwrap_or_else(|e| unreachable!("{e}"));
        PipelineStage::new(key(k), k, backbone, probability)
    };
    let sales = Pipeline::new(
        key("sales"),
        "Sales",
        vec![
            stage("first_call", O::Discovery, 10),
            stage("demo", O::Discovery, 30),
            stage("quote", O::Proposal, 55),
            stage("terms", O::Negotiation, 70),
            stage("signature", O::Contracting, 90).stale_after_days(14),
        ],
    );
    FieldSchema::new()
        .apply(&SchemaChange::AddPipeline { pipeline: sales })
        .unwrap_or_else(|e| unreachable!("{e}"))
}
