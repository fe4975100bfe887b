//! Custom fields: the schema's keys, its changes (each refused when a stored value could become
//! invalid), the checks of values for a write and of stored ones, and the property that every
//! value written under any version reads under every later one.

use std::collections::BTreeSet;

use proptest::prelude::*;
use prospect::fields::{
    FieldDefinition, FieldError, FieldKey, FieldSchema, FieldType, FieldValue, FieldValues,
    PicklistOption, SchemaChange, SchemaError, SchemaVersion,
};
use prospect::record::{RecordId, RecordKind};
use prospect::testkit::SplitMix64;
use prospect::{Currency, Money};

fn key(text: &str) -> FieldKey {
    FieldKey::new(text).unwrap()
}

fn add(kind: RecordKind, field: FieldDefinition) -> SchemaChange {
    SchemaChange::AddField { kind, field }
}

fn values(pairs: &[(&str, FieldValue)]) -> FieldValues {
    let mut values = FieldValues::new();
    for (k, v) in pairs {
        values.set(key(k), v.clone());
    }
    values
}

const O: RecordKind = RecordKind::Opportunity;

/// A schema with one field of each type on opportunities.
fn every_type() -> FieldSchema {
    let options = || {
        vec![
            PicklistOption::new(key("new"), "New business"),
            PicklistOption::new(key("renewal"), "Renewal"),
        ]
    };
    let fields = [
        FieldDefinition::new(key("note"), "Note", FieldType::Text { max_chars: 20 }),
        FieldDefinition::new(
            key("seats"),
            "Seats",
            FieldType::Integer { min: 1, max: 100 },
        )
        .required(),
        FieldDefinition::new(
            key("discount"),
            "Discount",
            FieldType::Decimal {
                places: 2,
                min: 0,
                max: 5_000,
            },
        ),
        FieldDefinition::new(key("setup_fee"), "Set-up fee", FieldType::Money),
        FieldDefinition::new(key("go_live"), "Go-live", FieldType::Date),
        FieldDefinition::new(key("pilot"), "Pilot", FieldType::Boolean),
        FieldDefinition::new(
            key("motion"),
            "Motion",
            FieldType::Picklist { options: options() },
        ),
        FieldDefinition::new(
            key("channels"),
            "Channels",
            FieldType::MultiPicklist { options: options() },
        ),
        FieldDefinition::new(
            key("partner"),
            "Partner",
            FieldType::Reference {
                kind: RecordKind::Organization,
            },
        ),
        FieldDefinition::new(key("birthday"), "Birthday", FieldType::Date).personal(),
    ];
    fields
        .into_iter()
        .try_fold(FieldSchema::new(), |schema, field| {
            schema.apply(&add(O, field))
        })
        .unwrap()
}

#[test]
fn field_keys_are_lowercase_identifiers() {
    for good in ["a", "seats", "go_live_2", &"x".repeat(64)] {
        assert!(FieldKey::new(good).is_ok(), "{good:?} is a key");
    }
    for (bad, says) in [
        ("", "empty"),
        ("Seats", "lowercase"),
        ("2nd", "lowercase"),
        ("go-live", "underscores"),
        ("café", "underscores"),
        (&"x".repeat(65), "64"),
    ] {
        match FieldKey::new(bad) {
            Err(e @ FieldError::InvalidKey { .. }) => {
                assert!(e.to_string().contains(says), "{bad:?}: {e}");
            }
            other => panic!("{bad:?}: expected InvalidKey, found {other:?}"),
        }
    }
    let json = serde_json::to_string(&key("seats")).unwrap();
    assert_eq!(json, "\"seats\"");
    assert!(serde_json::from_str::<FieldKey>("\"Seats\"").is_err());
}

#[test]
fn the_schema_is_data_and_each_change_is_a_version() {
    let schema = every_type();
    assert_eq!(schema.version().get(), 10);
    assert_eq!(schema.fields(O).len(), 10);
    assert!(schema.fields(RecordKind::Lead).is_empty());
    assert_eq!(schema.field(O, &key("seats")).unwrap().since().get(), 2);
    let json = serde_json::to_string(&schema).unwrap();
    let back: FieldSchema = serde_json::from_str(&json).unwrap();
    assert_eq!(back, schema, "the schema round-trips through JSON: {json}");
    let bad = json.replacen("\"version\":10", "\"version\":10,\"extra\":1", 1);
    assert!(
        serde_json::from_str::<FieldSchema>(&bad).is_err(),
        "unknown fields are refused"
    );
    // What `apply` keeps is checked on reading: bounds, places, keys once, versions reached.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let forge = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut forged = value.clone();
        edit(&mut forged);
        serde_json::from_value::<FieldSchema>(forged)
            .expect_err("a forged schema is refused")
            .to_string()
    };
    let seats =
        |v: &mut serde_json::Value| -> serde_json::Value { v["kinds"]["opportunity"][1].clone() };
    assert!(
        forge(&|v| v["kinds"]["opportunity"][1]["field_type"]["min"] = 500.into())
            .contains("seats")
    );
    assert!(
        forge(&|v| v["kinds"]["opportunity"][2]["field_type"]["places"] = 200.into())
            .contains("places")
    );
    assert!(
        forge(&|v| {
            let copy = seats(v);
            v["kinds"]["opportunity"].as_array_mut().unwrap().push(copy);
        })
        .contains("already has a field seats")
    );
    assert!(forge(&|v| v["version"] = 3.into()).contains("has not reached"));
    // A redefinition with absurd places is refused as malformed, never computed with.
    let absurd = SchemaChange::Redefine {
        kind: O,
        key: key("discount"),
        field_type: FieldType::Decimal {
            places: 255,
            min: 0,
            max: 5_000,
        },
    };
    assert!(matches!(
        schema.apply(&absurd),
        Err(SchemaError::Malformed { .. })
    ));
}

#[test]
fn changes_that_keep_every_value_are_applied() {
    let schema = every_type();
    let changes = [
        SchemaChange::RelabelField {
            kind: O,
            key: key("seats"),
            label: "Licensed seats".into(),
        },
        SchemaChange::Redefine {
            kind: O,
            key: key("note"),
            field_type: FieldType::Text { max_chars: 200 },
        },
        SchemaChange::Redefine {
            kind: O,
            key: key("seats"),
            field_type: FieldType::Integer { min: 0, max: 1_000 },
        },
        SchemaChange::Redefine {
            kind: O,
            key: key("discount"),
            field_type: FieldType::Decimal {
                places: 3,
                min: 0,
                max: 50_000,
            },
        },
        SchemaChange::AddOption {
            kind: O,
            key: key("motion"),
            option: PicklistOption::new(key("upsell"), "Upsell"),
        },
        SchemaChange::RetireOption {
            kind: O,
            key: key("motion"),
            option: key("new"),
        },
        SchemaChange::RelabelOption {
            kind: O,
            key: key("motion"),
            option: key("renewal"),
            label: "Renewal (annual)".into(),
        },
        SchemaChange::RetireField {
            kind: O,
            key: key("pilot"),
        },
    ];
    let end = changes
        .iter()
        .try_fold(schema.clone(), |s, c| s.apply(c))
        .unwrap();
    assert_eq!(end.version().get(), schema.version().get() + 8);
    assert_eq!(
        end.field(O, &key("seats")).unwrap().label(),
        "Licensed seats"
    );
    assert!(end.field(O, &key("pilot")).unwrap().is_retired());
    let options = end
        .field(O, &key("motion"))
        .unwrap()
        .field_type()
        .options()
        .unwrap();
    assert_eq!(
        options
            .iter()
            .map(|o| (o.key().as_str(), o.label(), o.is_retired()))
            .collect::<Vec<_>>(),
        [
            ("new", "New business", true),
            ("renewal", "Renewal (annual)", false),
            ("upsell", "Upsell", false)
        ]
    );
}

#[test]
fn changes_that_could_invalidate_a_stored_value_are_refused_naming_the_field() {
    let schema = every_type();
    let narrowing = [
        ("note", FieldType::Text { max_chars: 19 }, "characters"),
        ("seats", FieldType::Integer { min: 2, max: 100 }, "bounds"),
        ("seats", FieldType::Integer { min: 1, max: 99 }, "bounds"),
        (
            "discount",
            FieldType::Decimal {
                places: 1,
                min: 0,
                max: 500,
            },
            "places",
        ),
        (
            "discount",
            FieldType::Decimal {
                places: 3,
                min: 0,
                max: 49_999,
            },
            "bounds",
        ),
        ("seats", FieldType::Text { max_chars: 100 }, "type"),
        ("pilot", FieldType::Date, "type"),
        (
            "partner",
            FieldType::Reference {
                kind: RecordKind::Contact,
            },
            "references",
        ),
        (
            "motion",
            FieldType::Picklist {
                options: vec![PicklistOption::new(key("other"), "Other")],
            },
            "one at a time",
        ),
    ];
    for (field, field_type, says) in narrowing {
        let change = SchemaChange::Redefine {
            kind: O,
            key: key(field),
            field_type,
        };
        match schema.apply(&change) {
            Err(e @ SchemaError::WouldInvalidate { .. }) => {
                let message = e.to_string();
                assert!(
                    message.contains(field) && message.contains(says),
                    "{field}: {message}"
                );
            }
            other => panic!("{field}: expected WouldInvalidate, found {other:?}"),
        }
    }
    // Other refusals, each naming the field.
    let refused = [
        add(
            O,
            FieldDefinition::new(key("seats"), "Again", FieldType::Boolean),
        ),
        add(
            O,
            FieldDefinition::new(key("empty"), "Empty", FieldType::Integer { min: 2, max: 1 }),
        ),
        add(
            O,
            FieldDefinition::new(key("nothing"), "Nothing", FieldType::Text { max_chars: 0 }),
        ),
        add(
            O,
            FieldDefinition::new(key("blank"), " ", FieldType::Boolean),
        ),
        SchemaChange::RetireField {
            kind: O,
            key: key("absent"),
        },
        SchemaChange::AddOption {
            kind: O,
            key: key("seats"),
            option: PicklistOption::new(key("x"), "X"),
        },
        SchemaChange::AddOption {
            kind: O,
            key: key("motion"),
            option: PicklistOption::new(key("new"), "Again"),
        },
        SchemaChange::RetireOption {
            kind: O,
            key: key("motion"),
            option: key("absent"),
        },
    ];
    for change in refused {
        let e = schema.apply(&change).unwrap_err();
        assert!(
            !matches!(e, SchemaError::WouldInvalidate { .. }),
            "{change:?}: {e}"
        );
    }
    // The last current option cannot be retired; a retired field no longer changes.
    let one_left = schema
        .apply(&SchemaChange::RetireOption {
            kind: O,
            key: key("motion"),
            option: key("new"),
        })
        .unwrap();
    let last = SchemaChange::RetireOption {
        kind: O,
        key: key("motion"),
        option: key("renewal"),
    };
    assert!(matches!(
        one_left.apply(&last),
        Err(SchemaError::Malformed { .. })
    ));
    let retired = schema
        .apply(&SchemaChange::RetireField {
            kind: O,
            key: key("note"),
        })
        .unwrap();
    let relabel = SchemaChange::RelabelField {
        kind: O,
        key: key("note"),
        label: "Notes".into(),
    };
    assert!(matches!(
        retired.apply(&relabel),
        Err(SchemaError::RetiredField { .. })
    ));
}

#[test]
fn values_are_checked_for_a_write_and_as_stored() {
    let schema = every_type();
    let eur = Currency::EUR;
    let organization = RecordId::Organization(prospect::OrganizationId::from_uuid(
        prospect::uuid::Uuid::from_u128(1),
    ));
    let good = values(&[
        ("note", FieldValue::Text("two lines\nof text".into())),
        ("seats", FieldValue::Integer(40)),
        (
            "discount",
            FieldValue::Decimal {
                units: 125,
                places: 1,
            },
        ),
        (
            "setup_fee",
            FieldValue::Money(Money::from_minor(50_000, eur)),
        ),
        (
            "go_live",
            FieldValue::Date(chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()),
        ),
        ("pilot", FieldValue::Boolean(true)),
        ("motion", FieldValue::Picklist(key("renewal"))),
        (
            "channels",
            FieldValue::MultiPicklist(BTreeSet::from([key("new"), key("renewal")])),
        ),
        ("partner", FieldValue::Reference(organization)),
    ]);
    let now = schema.version();
    schema.check_write(O, &good, Some(eur), now).unwrap();
    schema.check_stored(O, &good, Some(eur)).unwrap();
    let json = serde_json::to_string(&good).unwrap();
    assert_eq!(serde_json::from_str::<FieldValues>(&json).unwrap(), good);

    let with = |k: &str, v: FieldValue| {
        let mut values = good.clone();
        values.set(key(k), v);
        values
    };
    let contact = RecordId::Contact(prospect::ContactId::from_uuid(prospect::uuid::Uuid::nil()));
    let bad: Vec<(FieldValues, &str)> = vec![
        (
            with("unknown", FieldValue::Boolean(true)),
            "no custom field unknown",
        ),
        (
            with("seats", FieldValue::Integer(0)),
            "seats: 0 is not within 1..=100",
        ),
        (
            with("seats", FieldValue::Boolean(true)),
            "seats is a integer field, given a boolean",
        ),
        (with("note", FieldValue::Text("x".repeat(21))), "note"),
        (with("note", FieldValue::Text(" padded".into())), "note"),
        (with("note", FieldValue::Text("bell\u{7}".into())), "note"),
        (
            with(
                "discount",
                FieldValue::Decimal {
                    units: 1,
                    places: 3,
                },
            ),
            "discount: 3 decimal places",
        ),
        (
            with(
                "discount",
                FieldValue::Decimal {
                    units: 501,
                    places: 1,
                },
            ),
            "discount: 5010 units",
        ),
        (
            with(
                "setup_fee",
                FieldValue::Money(Money::from_minor(1, Currency::USD)),
            ),
            "setup_fee: an amount in USD",
        ),
        (
            with("motion", FieldValue::Picklist(key("churn"))),
            "motion: no option churn",
        ),
        (
            with(
                "channels",
                FieldValue::MultiPicklist(BTreeSet::from([key("x")])),
            ),
            "channels: no option x",
        ),
        (
            with("partner", FieldValue::Reference(contact)),
            "partner refers to organization",
        ),
    ];
    for (values, says) in bad {
        for result in [
            schema.check_write(O, &values, Some(eur), now),
            schema.check_stored(O, &values, Some(eur)),
        ] {
            let e = result.expect_err(says);
            assert!(e.to_string().contains(says), "expected {says:?}, found {e}");
        }
    }

    // Required: for records created once the field exists; not for older ones.
    let mut without_seats = good.clone();
    without_seats.remove(&key("seats"));
    assert_eq!(
        schema.check_write(O, &without_seats, Some(eur), now),
        Err(FieldError::Missing { key: key("seats") })
    );
    schema
        .check_write(O, &without_seats, Some(eur), SchemaVersion::EMPTY)
        .unwrap();
    schema.check_stored(O, &without_seats, Some(eur)).unwrap();

    // Retired fields and options: read, no longer written.
    let retired = schema
        .apply(&SchemaChange::RetireField {
            kind: O,
            key: key("pilot"),
        })
        .unwrap()
        .apply(&SchemaChange::RetireOption {
            kind: O,
            key: key("motion"),
            option: key("renewal"),
        })
        .unwrap();
    retired.check_stored(O, &good, Some(eur)).unwrap();
    let pilot_only = values(&[
        ("seats", FieldValue::Integer(1)),
        ("pilot", FieldValue::Boolean(true)),
    ]);
    let e = retired
        .check_write(O, &pilot_only, Some(eur), now)
        .expect_err("a retired field is not written");
    assert_eq!(e, FieldError::Retired { key: key("pilot") });
    let mut without_pilot = good.clone();
    without_pilot.remove(&key("pilot"));
    let e = retired
        .check_write(O, &without_pilot, Some(eur), now)
        .expect_err("a retired option is not written");
    assert!(e.to_string().contains("option renewal is retired"), "{e}");
}

/// A value `field` accepts for a write, drawn from `rng`.
fn value_for(field: &FieldDefinition, rng: &mut SplitMix64) -> FieldValue {
    let within = |rng: &mut SplitMix64, min: i64, max: i64| {
        let span = (i128::from(max) - i128::from(min)) as u128;
        let offset = u128::from(rng.next_u64()) % (span + 1);
        (i128::from(min) + offset as i128) as i64
    };
    let pick = |rng: &mut SplitMix64, options: &[PicklistOption]| {
        let current: Vec<&PicklistOption> = options.iter().filter(|o| !o.is_retired()).collect();
        current[rng.between(0, current.len() as u64 - 1) as usize]
            .key()
            .clone()
    };
    match field.field_type() {
        FieldType::Text { max_chars } => {
            let len = rng.between(1, u64::from(*max_chars).min(12));
            FieldValue::Text("x".repeat(len as usize))
        }
        FieldType::Integer { min, max } => FieldValue::Integer(within(rng, *min, *max)),
        FieldType::Decimal { places, min, max } => FieldValue::Decimal {
            units: within(rng, *min, *max),
            places: *places,
        },
        FieldType::Money => {
            FieldValue::Money(Money::from_minor(rng.next_u64() as i64, Currency::EUR))
        }
        FieldType::Date => FieldValue::Date(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
        FieldType::Boolean => FieldValue::Boolean(rng.chance(0.5)),
        FieldType::Picklist { options } => FieldValue::Picklist(pick(rng, options)),
        FieldType::MultiPicklist { options } => {
            FieldValue::MultiPicklist(BTreeSet::from([pick(rng, options)]))
        }
        FieldType::Reference { kind } => FieldValue::Reference(RecordId::from_parts(
            *kind,
            prospect::uuid::Uuid::from_u128(u128::from(rng.next_u64())),
        )),
        other => panic!("a type this test does not draw: {other:?}"),
    }
}

/// A change drawn from `rng` against `schema`: often one that `apply` refuses.
fn change_for(schema: &FieldSchema, rng: &mut SplitMix64, n: usize) -> SchemaChange {
    if rng.chance(0.25) {
        return pipeline_change_for(rng, n);
    }
    let kind = [O, RecordKind::Contact][rng.between(0, 1) as usize];
    let fields = schema.fields(kind);
    let existing = (!fields.is_empty())
        .then(|| fields[rng.between(0, fields.len() as u64 - 1) as usize].clone());
    let bound = |rng: &mut SplitMix64| rng.between(0, 200) as i64 - 100;
    let new_type = |rng: &mut SplitMix64| match rng.between(0, 7) {
        0 => FieldType::Text {
            max_chars: rng.between(0, 30) as u32,
        },
        1 => {
            let (a, b) = (bound(rng), bound(rng));
            FieldType::Integer {
                min: a.min(b),
                max: a.max(b),
            }
        }
        2 => {
            let (a, b) = (bound(rng), bound(rng));
            FieldType::Decimal {
                places: rng.between(0, 3) as u8,
                min: a.min(b),
                max: a.max(b),
            }
        }
        3 => FieldType::Money,
        4 => FieldType::Date,
        5 => FieldType::Boolean,
        6 => FieldType::Picklist {
            options: vec![
                PicklistOption::new(key("a"), "A"),
                PicklistOption::new(key("b"), "B"),
            ],
        },
        _ => FieldType::Reference {
            kind: RecordKind::Account,
        },
    };
    match (rng.between(0, 6), existing) {
        (0 | 1, _) | (_, None) => add(
            kind,
            FieldDefinition::new(key(&format!("f{}", rng.between(0, 9))), "F", new_type(rng)),
        ),
        (2, Some(f)) => SchemaChange::RetireField {
            kind,
            key: f.key().clone(),
        },
        (3, Some(f)) => {
            // Often a widening of the type it has, sometimes anything.
            let field_type = match f.field_type() {
                FieldType::Text { max_chars } if rng.chance(0.7) => FieldType::Text {
                    max_chars: max_chars + rng.between(0, 5) as u32,
                },
                FieldType::Integer { min, max } if rng.chance(0.7) => FieldType::Integer {
                    min: min - rng.between(0, 5) as i64,
                    max: max + rng.between(0, 5) as i64,
                },
                FieldType::Decimal { places, min, max } if rng.chance(0.7) => {
                    let more = rng.between(0, 1) as u8;
                    let scale = 10_i64.pow(u32::from(more));
                    FieldType::Decimal {
                        places: places + more,
                        min: min * scale - rng.between(0, 5) as i64,
                        max: max * scale + rng.between(0, 5) as i64,
                    }
                }
                _ => new_type(rng),
            };
            SchemaChange::Redefine {
                kind,
                key: f.key().clone(),
                field_type,
            }
        }
        (4, Some(f)) => SchemaChange::AddOption {
            kind,
            key: f.key().clone(),
            option: PicklistOption::new(key(&format!("o{n}")), "O"),
        },
        (5, Some(f)) => SchemaChange::RetireOption {
            kind,
            key: f.key().clone(),
            option: key(["a", "b"][rng.between(0, 1) as usize]),
        },
        (_, Some(f)) => SchemaChange::RelabelField {
            kind,
            key: f.key().clone(),
            label: format!("Label {n}"),
        },
    }
}

/// A pipeline change drawn from `rng`, on the pipelines `p0` and `p1`: often refused (a stage
/// out of order, the last one of its backbone stage retired).
fn pipeline_change_for(rng: &mut SplitMix64, n: usize) -> SchemaChange {
    use prospect::Probability;
    use prospect::fields::{Pipeline, PipelineStage};
    use prospect::state::OpportunityStage as S;
    let open = [S::Discovery, S::Proposal, S::Negotiation, S::Contracting];
    let pipeline = key(["p0", "p1"][rng.between(0, 1) as usize]);
    let stage_key = |rng: &mut SplitMix64| key(&format!("s{}", rng.between(0, 7)));
    let stage = |rng: &mut SplitMix64, k: FieldKey| {
        let backbone = open[rng.between(0, 3) as usize];
        PipelineStage::new(
            k,
            "S",
            backbone,
            Probability::new(rng.between(0, 100) as u32).unwrap(),
        )
    };
    match rng.between(0, 5) {
        0 => SchemaChange::AddPipeline {
            pipeline: Pipeline::new(
                pipeline,
                "P",
                open.iter()
                    .enumerate()
                    .map(|(i, b)| {
                        PipelineStage::new(
                            key(&format!("s{i}")),
                            "S",
                            *b,
                            Probability::new(50).unwrap(),
                        )
                    })
                    .collect(),
            ),
        },
        1 => {
            let k = key(&format!("n{n}"));
            SchemaChange::AddStage {
                pipeline,
                stage: stage(rng, k),
                after: rng.chance(0.7).then(|| stage_key(rng)),
            }
        }
        2 => SchemaChange::RetireStage {
            pipeline,
            stage: stage_key(rng),
        },
        3 => SchemaChange::SetStageDefaults {
            pipeline,
            stage: stage_key(rng),
            probability: Probability::new(rng.between(0, 100) as u32).unwrap(),
            stale_after_days: rng.chance(0.5).then(|| rng.between(0, 30) as u32),
        },
        4 => SchemaChange::RelabelStage {
            pipeline,
            stage: stage_key(rng),
            label: format!("Stage {n}"),
        },
        _ => SchemaChange::RetirePipeline { pipeline },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Over generated schemas, changes and values: every value a write accepted under some
    /// version passes the stored check under every later version; every refused change leaves
    /// the schema as it was; versions count the changes applied.
    #[test]
    fn every_value_written_under_any_version_reads_under_every_later_one(seed in any::<u64>()) {
        let mut rng = SplitMix64::new(seed);
        let mut schema = FieldSchema::new();
        let mut written: Vec<(RecordKind, FieldValues, SchemaVersion)> = Vec::new();
        for n in 0..40 {
            let change = change_for(&schema, &mut rng, n);
            // A refused change leaves the schema as it was; an applied one gives a schema
            // that reading accepts (every rule `apply` keeps is one a reader checks).
            if let Ok(next) = schema.apply(&change) {
                prop_assert_eq!(next.version().get(), schema.version().get() + 1);
                let json = serde_json::to_string(&next).unwrap();
                let read = serde_json::from_str::<FieldSchema>(&json);
                prop_assert!(read.as_ref().is_ok_and(|r| r == &next), "{:?}: {:?}", change, read);
                schema = next;
            }
            // A record written now, with a value for every current field.
            let kind = [O, RecordKind::Contact][rng.between(0, 1) as usize];
            let mut values = FieldValues::new();
            for field in schema.fields(kind).iter().filter(|f| !f.is_retired()) {
                values.set(field.key().clone(), value_for(field, &mut rng));
            }
            let check = schema.check_write(kind, &values, Some(Currency::EUR), schema.version());
            prop_assert!(check.is_ok(), "a drawn value refused: {:?}", check);
            written.push((kind, values, schema.version()));
            for (kind, values, at) in &written {
                let read = schema.check_stored(*kind, values, Some(Currency::EUR));
                prop_assert!(
                    read.is_ok(),
                    "a record written under {} does not read under {}: {:?}",
                    at, schema.version(), read
                );
            }
        }
    }
}

/// Through both facades under the conventional roles: an admin changes the schema, a rep reads
/// it and may not change it, a change that would invalidate stored values is refused and writes
/// nothing; the async facade reads what the sync one wrote.
#[test]
fn the_schema_changes_through_the_facades_under_the_policy() {
    use prospect::access::{Directory, Role, RolePolicy};
    use prospect::memory::MemoryStore;
    use prospect::{AsyncCrm, Crm, CrmError, User};
    let store = MemoryStore::new();
    let (ada, ann) = (User::new("ada").unwrap(), User::new("ann").unwrap());
    let directory = Directory::new()
        .with_user(ada.clone(), [Role::new("admin").unwrap()], [])
        .with_user(ann.clone(), [Role::new("rep").unwrap()], []);
    let crm = Crm::new(&store, RolePolicy::conventional()).with_directory(directory.clone());
    let seats = FieldDefinition::new(
        key("seats"),
        "Seats",
        FieldType::Integer { min: 1, max: 100 },
    );
    let schema = crm
        .change_field_schema(SchemaVersion::EMPTY, add(O, seats), &ada)
        .unwrap();
    assert_eq!(
        crm.field_schema(&ann).unwrap(),
        schema,
        "a rep reads the schema"
    );
    let relabel = SchemaChange::RelabelField {
        kind: O,
        key: key("seats"),
        label: "Licences".into(),
    };
    match crm.change_field_schema(schema.version(), relabel, &ann) {
        Err(CrmError::Forbidden { .. }) => {}
        other => panic!("a rep changing the schema: expected Forbidden, found {other:?}"),
    }
    let narrow = SchemaChange::Redefine {
        kind: O,
        key: key("seats"),
        field_type: FieldType::Integer { min: 1, max: 50 },
    };
    match crm.change_field_schema(schema.version(), narrow, &ada) {
        Err(CrmError::Schema(SchemaError::WouldInvalidate { key: k, .. })) => {
            assert_eq!(k, key("seats"));
        }
        other => panic!("a narrowing: expected WouldInvalidate, found {other:?}"),
    }
    let async_crm = AsyncCrm::new(&store, RolePolicy::conventional()).with_directory(directory);
    let read = prospect::testkit::block_on(async_crm.field_schema(&ann)).unwrap();
    assert_eq!(
        read, schema,
        "the schema is unchanged, and the async facade reads it"
    );
    let widen = SchemaChange::Redefine {
        kind: O,
        key: key("seats"),
        field_type: FieldType::Integer { min: 1, max: 500 },
    };
    let widened =
        prospect::testkit::block_on(async_crm.change_field_schema(schema.version(), widen, &ada))
            .unwrap();
    assert_eq!(widened.version().get(), 2);
    assert_eq!(crm.field_schema(&ada).unwrap(), widened);
}

/// A stored schema record is read by replaying its history: it round-trips as a `Record`, and
/// a forged one (another id, no change, a change that does not apply, changes out of time
/// order, an unknown field) is refused naming what is wrong.
#[test]
fn a_stored_schema_is_its_replayed_history_and_forgeries_are_refused() {
    use prospect::fields::SchemaRecord;
    use prospect::record::Record;
    let sample = prospect::testkit::Sample::new(151);
    let ctx = sample.ctx();
    let record = SchemaRecord::first(
        add(
            O,
            FieldDefinition::new(key("seats"), "Seats", FieldType::Boolean),
        ),
        &ctx,
    )
    .unwrap()
    .change(
        SchemaChange::RetireField {
            kind: O,
            key: key("seats"),
        },
        &ctx,
    )
    .unwrap();
    let json = serde_json::to_value(Record::FieldSchema(record.clone())).unwrap();
    assert_eq!(json["type"], "field_schema");
    let back: Record = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, Record::FieldSchema(record.clone()));
    assert_eq!(back.state().key(), "field_schema");
    assert_eq!(back.history_mark().len(), 2);

    let forge = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut forged = json.clone();
        edit(&mut forged);
        serde_json::from_value::<Record>(forged)
            .expect_err("a forged schema record is refused")
            .to_string()
    };
    let other_id = forge(&|v| v["id"] = serde_json::json!("00000000-0000-7000-8000-000000000001"));
    assert!(other_id.contains("id"), "{other_id}");
    let empty = forge(&|v| v["history"] = serde_json::json!([]));
    assert!(empty.contains("history is empty"), "{empty}");
    let out_of_order = forge(&|v| {
        let first = v["history"][0].clone();
        v["history"][0] = v["history"][1].clone();
        v["history"][1] = first;
    });
    assert!(out_of_order.contains("history"), "{out_of_order}");
    let unknown = forge(&|v| v["schema"] = serde_json::json!({}));
    assert!(unknown.contains("unknown field"), "{unknown}");
    let backwards_in_time =
        forge(&|v| v["history"][1]["at"] = serde_json::json!("2000-01-01T00:00:00Z"));
    assert!(
        backwards_in_time.contains("dated before"),
        "{backwards_in_time}"
    );
}

/// Pipelines: custom stages inside the open backbone stages, in its order, each backbone stage
/// with a current stage; added, relabelled, given defaults, retired, and refused when a change
/// would break that.
#[test]
fn pipelines_keep_their_stages_inside_the_backbone() {
    use prospect::Probability;
    use prospect::fields::{Pipeline, PipelineStage};
    use prospect::state::OpportunityStage as S;
    let stage = |k: &str, backbone, p| {
        PipelineStage::new(
            key(k),
            k.replace('_', " "),
            backbone,
            Probability::new(p).unwrap(),
        )
    };
    let renewals = Pipeline::new(
        key("renewals"),
        "Renewals",
        vec![
            stage("check_in", S::Discovery, 20),
            stage("usage_review", S::Discovery, 30).stale_after_days(14),
            stage("quote", S::Proposal, 50),
            stage("terms", S::Negotiation, 70),
            stage("paperwork", S::Contracting, 90),
        ],
    );
    let add = SchemaChange::AddPipeline {
        pipeline: renewals.clone(),
    };
    let schema = FieldSchema::new().apply(&add).unwrap();
    let stored = schema.pipeline(&key("renewals")).unwrap();
    assert_eq!(stored.entry(S::Discovery).unwrap().key(), &key("check_in"));
    assert_eq!(
        stored.entry(S::Contracting).unwrap().key(),
        &key("paperwork")
    );
    assert_eq!(
        stored.stage(&key("usage_review")).unwrap().stale_after(),
        Some(14)
    );
    let json = serde_json::to_string(&schema).unwrap();
    assert_eq!(serde_json::from_str::<FieldSchema>(&json).unwrap(), schema);
    assert!(
        matches!(schema.apply(&add), Err(SchemaError::Pipeline { .. })),
        "added twice"
    );

    let renewals_key = || key("renewals");
    let ok = [
        SchemaChange::AddStage {
            pipeline: renewals_key(),
            stage: stage("legal", S::Contracting, 95),
            after: Some(key("paperwork")),
        },
        SchemaChange::RetireStage {
            pipeline: renewals_key(),
            stage: key("check_in"),
        },
        SchemaChange::RelabelStage {
            pipeline: renewals_key(),
            stage: key("quote"),
            label: "Renewal quote".into(),
        },
        SchemaChange::SetStageDefaults {
            pipeline: renewals_key(),
            stage: key("terms"),
            probability: Probability::new(75).unwrap(),
            stale_after_days: Some(7),
        },
        SchemaChange::RelabelPipeline {
            pipeline: renewals_key(),
            label: "Renewals (annual)".into(),
        },
    ];
    let changed = ok
        .iter()
        .try_fold(schema.clone(), |s, c| s.apply(c))
        .unwrap();
    let pipeline = changed.pipeline(&renewals_key()).unwrap();
    assert_eq!(pipeline.label(), "Renewals (annual)");
    assert_eq!(
        pipeline.entry(S::Discovery).unwrap().key(),
        &key("usage_review"),
        "the retired stage is no longer where opportunities enter"
    );
    assert!(pipeline.stage(&key("check_in")).unwrap().is_retired());
    assert_eq!(pipeline.stages().last().unwrap().key(), &key("legal"));
    assert_eq!(
        pipeline.stage(&key("terms")).unwrap().probability(),
        Probability::new(75).unwrap()
    );

    let refused = [
        // Out of the backbone's order: a proposal stage after a contracting one.
        (
            SchemaChange::AddStage {
                pipeline: renewals_key(),
                stage: stage("late_quote", S::Proposal, 50),
                after: Some(key("paperwork")),
            },
            "backbone's order",
        ),
        // Inside a closed stage.
        (
            SchemaChange::AddStage {
                pipeline: renewals_key(),
                stage: stage("won_party", S::Won, 100),
                after: Some(key("paperwork")),
            },
            "closed",
        ),
        // The last current stage of Proposal.
        (
            SchemaChange::RetireStage {
                pipeline: renewals_key(),
                stage: key("quote"),
            },
            "no current stage is inside proposal",
        ),
        (
            SchemaChange::AddStage {
                pipeline: renewals_key(),
                stage: stage("quote", S::Proposal, 50),
                after: None,
            },
            "already has the stage quote",
        ),
        (
            SchemaChange::RelabelStage {
                pipeline: key("absent"),
                stage: key("quote"),
                label: "x".into(),
            },
            "no such pipeline",
        ),
        (
            SchemaChange::SetStageDefaults {
                pipeline: renewals_key(),
                stage: key("quote"),
                probability: Probability::new(50).unwrap(),
                stale_after_days: Some(0),
            },
            "0 days",
        ),
        (
            SchemaChange::AddPipeline {
                pipeline: Pipeline::new(
                    key("short"),
                    "Short",
                    vec![stage("only", S::Discovery, 10)],
                ),
            },
            "no current stage is inside proposal",
        ),
    ];
    for (change, says) in refused {
        let e = schema.apply(&change).expect_err(says);
        assert!(
            matches!(e, SchemaError::Pipeline { .. }) && e.to_string().contains(says),
            "{change:?}: expected {says:?}, found {e}"
        );
    }
    let retired = schema
        .apply(&SchemaChange::RetirePipeline {
            pipeline: renewals_key(),
        })
        .unwrap();
    assert!(retired.pipeline(&renewals_key()).unwrap().is_retired());
    let e = retired.apply(&ok[0]).unwrap_err();
    assert!(e.to_string().contains("retired"), "{e}");
}
