//! Custom field values on records: written through the facades on every kind of record, each
//! write an entry of the record's history (before and after) and an event, checked against the
//! stored schema, erased and redacted when personal, and refused when the schema changed
//! between the check and the commit.

use prospect::event::{FieldChanged, Payload};
use prospect::fields::{
    FieldDefinition, FieldError, FieldKey, FieldType, FieldUpdate, FieldValue, SchemaChange,
    SchemaVersion,
};
use prospect::memory::MemoryStore;
use prospect::record::{Record, RecordId, RecordKind};
use prospect::store::{Store, Versioned};
use prospect::testkit::Sample;
use prospect::*;

use crate::support::{After, Change, Midway, all_events, everything, json};

fn key(text: &str) -> FieldKey {
    FieldKey::new(text).unwrap()
}

/// A schema with a `score` (1 to 5) on every kind that holds custom fields, a personal
/// `nickname` on contacts, a required `segment` picklist on opportunities added after the
/// others, and money on opportunities.
fn schema_changes() -> Vec<SchemaChange> {
    let kinds = [
        RecordKind::Contact,
        RecordKind::Organization,
        RecordKind::Lead,
        RecordKind::Opportunity,
        RecordKind::Account,
        RecordKind::Task,
        RecordKind::Activity,
    ];
    let mut changes: Vec<_> = kinds
        .into_iter()
        .map(|kind| SchemaChange::AddField {
            kind,
            field: FieldDefinition::new(
                key("score"),
                "Score",
                FieldType::Integer { min: 1, max: 5 },
            ),
        })
        .collect();
    changes.push(SchemaChange::AddField {
        kind: RecordKind::Contact,
        field: FieldDefinition::new(
            key("nickname"),
            "Nickname",
            FieldType::Text { max_chars: 40 },
        )
        .personal(),
    });
    changes.push(SchemaChange::AddField {
        kind: RecordKind::Opportunity,
        field: FieldDefinition::new(key("setup_fee"), "Set-up fee", FieldType::Money),
    });
    changes
}

fn with_schema<S: Store>(crm: &Crm<S>, me: &User) {
    let mut version = SchemaVersion::EMPTY;
    for change in schema_changes() {
        version = crm
            .change_field_schema(version, change, me)
            .unwrap()
            .version();
    }
}

/// A contact, new, by the sample's actor.
fn new_contact<S: Store>(crm: &Crm<S>, sample: &Sample) -> Versioned<Contact>
where
    S::Error: std::fmt::Debug,
{
    crm.create_contact(
        sample.contact_details(),
        OnDuplicate::Refuse,
        sample.actor(),
    )
    .unwrap()
    .into_contact()
}

fn score(n: i64) -> FieldUpdate {
    FieldUpdate::new().set(key("score"), FieldValue::Integer(n))
}

/// Sets `score` to 3 then 4 on `record`, and checks the values, the edits (before and after,
/// at the record's own history's length), the stored copy and the event of each write.
fn scored_twice<S: Store, T>(crm: &Crm<S>, record: Versioned<T>, me: &User) -> Versioned<T>
where
    T: prospect::record::HasCustomFields + Into<Record>,
    S::Error: std::fmt::Debug,
{
    let record = crm.set_fields(record, score(3), me).unwrap();
    let record = crm.set_fields(record, score(4), me).unwrap();
    let fields = prospect::record::HasCustomFields::fields(record.value());
    assert_eq!(fields.get(&key("score")), Some(&FieldValue::Integer(4)));
    let edits = fields.edits();
    assert_eq!(edits.len(), 2);
    let changes: Vec<_> = edits
        .iter()
        .map(|e| {
            let (k, c) = e.changes().next().unwrap();
            (k.clone(), c.before().clone(), c.after().clone())
        })
        .collect();
    assert_eq!(
        changes,
        [
            (key("score"), None, Some(FieldValue::Integer(3))),
            (
                key("score"),
                Some(FieldValue::Integer(3)),
                Some(FieldValue::Integer(4))
            ),
        ]
    );
    let events = all_events(crm.store());
    let last = &events.last().unwrap().event;
    match last.payload() {
        Payload::FieldsChanged(changed) => assert_eq!(
            changed.fields,
            [FieldChanged {
                key: key("score"),
                change: Some(prospect::Change::new(
                    Some(FieldValue::Integer(3)),
                    Some(FieldValue::Integer(4))
                )),
            }]
        ),
        other => panic!("expected FieldsChanged, found {other:?}"),
    }
    assert_eq!(
        (last.record(), last.version()),
        (
            prospect::record::HasCustomFields::record_id(record.value()),
            record.version()
        )
    );
    record
}

#[test]
fn every_kind_of_record_holds_values_written_as_history_entries_with_events() {
    let sample = Sample::new(281);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    with_schema(&crm, me);
    let contact = new_contact(&crm, &sample);
    let contact = scored_twice(&crm, contact, me);
    let organization = crm
        .create_organization(
            OrganizationDetails::new(OrganizationName::new("Acme").unwrap()),
            OnDuplicate::Refuse,
            me,
        )
        .unwrap()
        .into_organization();
    scored_twice(&crm, organization, me);
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let lead = scored_twice(&crm, lead, me);
    // A step after an edit: the lead's own history goes on, its edits stay where they were.
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    assert_eq!(lead.custom_fields().edits()[1].position(), 1);
    assert_eq!(lead.history().len(), 2);
    let opportunity = crm
        .qualify(lead, sample.qualification(), me)
        .unwrap()
        .opportunity;
    assert!(
        opportunity.custom_fields().is_empty(),
        "an opportunity's fields are its own"
    );
    let opportunity = scored_twice(&crm, opportunity, me);
    let opportunity = crm.propose(opportunity, sample.proposal(), me).unwrap();
    let opportunity = crm
        .negotiate(opportunity, sample.note("terms"), me)
        .unwrap();
    let opportunity = crm
        .enter_contracting(opportunity, sample.terms(), sample.incumbent(), me)
        .unwrap();
    let won = crm.win(opportunity, sample.contract(30_000), me).unwrap();
    scored_twice(&crm, won.account, me);
    let task = crm
        .add_task_on_contact(
            &contact,
            TaskDetails::new(
                sample.summary("Call back"),
                me.clone(),
                Due::On(sample.today()),
            ),
            me,
        )
        .unwrap();
    scored_twice(&crm, task, me);
    let activity = crm
        .log_activity_on_contact(
            &contact,
            ActivityDetails::new(ActivityKind::Call, sample.summary("Called")),
            me,
        )
        .unwrap();
    scored_twice(&crm, activity, me);
    // Every record reads back as written, and its serde form round-trips.
    for record in everything(&store) {
        record.validate().unwrap();
        let back: Record = serde_json::from_value(json(&record)).unwrap();
        assert_eq!(back, record);
    }
}

fn refused<T: std::fmt::Debug>(
    result: Result<T, CrmError<std::convert::Infallible>>,
) -> FieldError {
    match result {
        Err(CrmError::Field(e)) => e,
        other => panic!("expected a refused field, found {other:?}"),
    }
}

#[test]
fn values_the_schema_does_not_accept_are_refused_naming_the_field() {
    let sample = Sample::new(282);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    with_schema(&crm, me);
    let contact = || {
        crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .unwrap()
            .into_contact()
    };
    let update = |k: &str, v: FieldValue| FieldUpdate::new().set(key(k), v);
    let e = refused(crm.set_fields(contact(), update("seats", FieldValue::Integer(1)), me));
    assert!(
        matches!(e, FieldError::UnknownField { kind: RecordKind::Contact, ref key } if key.as_str() == "seats")
    );
    let e = refused(crm.set_fields(contact(), update("score", FieldValue::Boolean(true)), me));
    assert!(matches!(e, FieldError::WrongType { .. }), "{e}");
    let e = refused(crm.set_fields(contact(), update("score", FieldValue::Integer(9)), me));
    assert!(e.to_string().contains("score"), "{e}");
    // Money on an opportunity is in its currency (the sample's deals are in euros).
    let lead = crm.open_lead(&contact(), sample.interest(), me).unwrap();
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    let opportunity = crm
        .qualify(lead, sample.qualification(), me)
        .unwrap()
        .opportunity;
    let dollars = Money::parse("100", Currency::USD).unwrap();
    let e = refused(crm.set_fields(
        opportunity,
        update("setup_fee", FieldValue::Money(dollars)),
        me,
    ));
    assert!(matches!(e, FieldError::WrongCurrency { .. }), "{e}");
    // A retired field is read, no longer written.
    let contact = crm.set_fields(contact(), score(2), me).unwrap();
    let version = crm.field_schema(me).unwrap().version();
    crm.change_field_schema(
        version,
        SchemaChange::RetireField {
            kind: RecordKind::Contact,
            key: key("score"),
        },
        me,
    )
    .unwrap();
    let reread = crm.load::<Contact>(contact.id(), me).unwrap();
    assert_eq!(
        reread.custom_fields().get(&key("score")),
        Some(&FieldValue::Integer(2))
    );
    let e = refused(crm.set_fields(reread, score(3), me));
    assert!(matches!(e, FieldError::Retired { .. }), "{e}");
    // Nothing was written by a refused update.
    let stored = crm.load::<Contact>(contact.id(), me).unwrap();
    assert_eq!(stored.version(), contact.version());
}

#[test]
fn a_required_field_keeps_a_value_from_the_first_write_on() {
    let sample = Sample::new(283);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let tier =
        FieldDefinition::new(key("tier"), "Tier", FieldType::Integer { min: 1, max: 3 }).required();
    let note = FieldDefinition::new(key("note"), "Note", FieldType::Text { max_chars: 40 });
    let schema = crm
        .change_field_schema(
            SchemaVersion::EMPTY,
            SchemaChange::AddField {
                kind: RecordKind::Contact,
                field: tier,
            },
            me,
        )
        .unwrap();
    crm.change_field_schema(
        schema.version(),
        SchemaChange::AddField {
            kind: RecordKind::Contact,
            field: note,
        },
        me,
    )
    .unwrap();
    let contact = new_contact(&crm, &sample);
    let note = |text: &str| FieldValue::Text(text.to_string());
    let e = refused(crm.set_fields(contact, FieldUpdate::new().set(key("note"), note("hi")), me));
    assert_eq!(e, FieldError::Missing { key: key("tier") });
    let contact = crm.load::<Contact>(e_contact(&crm, me), me).unwrap();
    let contact = crm
        .set_fields(
            contact,
            FieldUpdate::new()
                .set(key("tier"), FieldValue::Integer(1))
                .set(key("note"), note("hi")),
            me,
        )
        .unwrap();
    let contact = crm
        .set_fields(contact, FieldUpdate::new().clear(key("note")), me)
        .unwrap();
    assert_eq!(contact.custom_fields().get(&key("note")), None);
    let e = refused(crm.set_fields(contact, FieldUpdate::new().clear(key("tier")), me));
    assert_eq!(e, FieldError::Missing { key: key("tier") });
}

/// The one contact `crm` holds.
fn e_contact<S: Store>(crm: &Crm<S>, me: &User) -> ContactId
where
    S::Error: std::fmt::Debug,
{
    let page = crm
        .list(
            &prospect::store::Query::of_kind(RecordKind::Contact),
            None,
            10,
            me,
        )
        .unwrap();
    match page.records[0].record().map(|r| r.value()) {
        Some(Record::Contact(c)) => c.id(),
        other => panic!("expected a contact, found {other:?}"),
    }
}

#[test]
fn personal_values_are_erased_with_their_contact_redacted_and_named_only_in_events() {
    let sample = Sample::new(284);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    with_schema(&crm, me);
    let contact = new_contact(&crm, &sample);
    let nickname = |text: &str| FieldValue::Text(text.to_string());
    let contact = crm
        .set_fields(
            contact,
            score(2).set(key("nickname"), nickname("Ziggy")),
            me,
        )
        .unwrap();
    let contact = crm
        .set_fields(
            contact,
            FieldUpdate::new().set(key("nickname"), nickname("Zed")),
            me,
        )
        .unwrap();
    match all_events(&store).last().map(|e| e.event.payload().clone()) {
        Some(Payload::FieldsChanged(changed)) => assert_eq!(
            changed.fields,
            [FieldChanged {
                key: key("nickname"),
                change: None
            }],
            "a personal field is named, its values are not"
        ),
        other => panic!("expected FieldsChanged, found {other:?}"),
    }
    // A principal who may not read personal data sees the record without its personal values.
    let (team, vic) = crate::support::viewer_without_personal_data(&store);
    let shown = serde_json::to_string(&team.read(contact.id(), &vic).unwrap()).unwrap();
    assert!(!shown.contains("Zed"), "{shown}");
    let whole = serde_json::to_string(&crm.read(contact.id(), me).unwrap()).unwrap();
    assert!(whole.contains("Zed"), "{whole}");
    assert!(shown.contains("\"score\""), "{shown}");
    // The erasure removes the personal values and their history; the others stay.
    crm.erase_contact(contact, me).unwrap();
    let erased = crm.load::<Contact>(e_contact(&crm, me), me).unwrap();
    let fields = erased.custom_fields();
    assert_eq!(fields.get(&key("nickname")), None);
    assert_eq!(fields.get(&key("score")), Some(&FieldValue::Integer(2)));
    let json = serde_json::to_string(erased.value()).unwrap();
    assert!(!json.contains("Zed") && !json.contains("Ziggy"), "{json}");
    // A personal field is not written again on an erased contact; the others are.
    let e = refused(crm.set_fields(
        crm.load::<Contact>(erased.id(), me).unwrap(),
        FieldUpdate::new().set(key("nickname"), nickname("Zed")),
        me,
    ));
    assert_eq!(
        e,
        FieldError::Erased {
            key: key("nickname")
        }
    );
    crm.set_fields(erased, score(5), me).unwrap();
}

#[test]
fn field_edits_are_entries_of_the_history_the_store_checks() {
    let sample = Sample::new(285);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    with_schema(&crm, me);
    let contact = new_contact(&crm, &sample);
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let stored = |id: LeadId| crm.store().load(id.into()).unwrap().unwrap().into_inner();
    let before = stored(lead.id());
    let edited = crm.set_fields(lead, score(1), me).unwrap();
    let after = stored(edited.id());
    assert!(after.extends(&before.history_mark()));
    assert!(!before.extends(&after.history_mark()));
    // A copy from before the edit, moved on by a step of its own, has as many entries as the
    // edited record but not its last one: a stale copy.
    let ctx = sample.ctx();
    let stale: Lead<prospect::state::New> = crate::support::reread(&before);
    let stale = Record::from(stale.log_touch(sample.touch(), &ctx));
    assert_eq!(stale.history_mark().len(), after.history_mark().len());
    assert!(!stale.extends(&after.history_mark()));
    let touched = Record::from(
        crm.log_touch(edited, sample.touch(), me)
            .unwrap()
            .into_inner(),
    );
    assert!(touched.extends(&after.history_mark()));
    assert_eq!(touched.history_mark().len(), 3);
}

#[test]
fn a_schema_change_between_the_check_and_the_commit_makes_the_write_a_conflict() {
    let sample = Sample::new(286);
    let store = MemoryStore::new();
    let me = sample.actor();
    with_schema(&sample.crm(&store), me);
    let contact = sample
        .crm(&store)
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let version = sample.crm(&store).field_schema(me).unwrap().version();
    let retire: Change = Box::new(|inner| {
        let other = Sample::new(287);
        let retired = SchemaChange::RetireField {
            kind: RecordKind::Contact,
            key: key("score"),
        };
        other
            .crm(inner)
            .change_field_schema(version, retired, other.actor())
            .unwrap();
    });
    let midway = Midway::new(&store, After::SchemaLoad, retire);
    let crm = sample.crm(&midway);
    let id = contact.id();
    match crm.set_fields(contact, score(3), me) {
        Err(CrmError::Conflict(conflict)) => {
            assert_eq!(conflict.record, RecordId::FieldSchema(FieldSchemaId::STORE));
        }
        other => panic!("expected a conflict on the schema, found {other:?}"),
    }
    let stored = crm.load::<Contact>(id, me).unwrap();
    assert!(stored.custom_fields().is_empty(), "nothing was written");
    // Read again, the write is checked against the schema in force: the field is retired.
    let e = refused(crm.set_fields(stored, score(3), me));
    assert!(matches!(e, FieldError::Retired { .. }), "{e}");
}

#[test]
fn commands_write_fields_on_any_record_and_name_the_field_or_state_refused() {
    let sample = Sample::new(288);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    with_schema(&crm, me);
    let contact = new_contact(&crm, &sample);
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    let command = |record: serde_json::Value, version: u64, fields: serde_json::Value| {
        serde_json::from_value::<Command>(serde_json::json!({
            "step": "set_fields",
            "args": { "record": record, "version": version, "fields": fields }
        }))
        .unwrap()
    };
    let lead_id = json(&RecordId::Lead(lead.id()));
    let executed = crm
        .execute(
            command(
                lead_id.clone(),
                2,
                serde_json::json!({ "score": { "type": "integer", "value": 5 } }),
            ),
            me,
        )
        .unwrap();
    let written = &executed.records[0];
    assert_eq!(written.version().get(), 3);
    assert_eq!(
        written.value().custom_fields().unwrap().get(&key("score")),
        Some(&FieldValue::Integer(5))
    );
    // The version read is checked first, then the values.
    let stale = crm.execute(
        command(lead_id.clone(), 2, serde_json::json!({ "score": null })),
        me,
    );
    assert!(matches!(stale, Err(CrmError::Conflict(_))), "{stale:?}");
    let refused = crm.execute(
        command(
            lead_id,
            3,
            serde_json::json!({ "score": { "type": "integer", "value": 6 } }),
        ),
        me,
    );
    match refused {
        Err(CrmError::Field(e)) => assert!(e.to_string().contains("score"), "{e}"),
        other => panic!("expected a refused field, found {other:?}"),
    }
    // The schema's own record holds no custom fields.
    let schema = json(&RecordId::FieldSchema(FieldSchemaId::STORE));
    let version = crm.field_schema(me).unwrap().version().get();
    let refused = crm.execute(
        command(schema, u64::from(version), serde_json::json!({})),
        me,
    );
    assert!(
        matches!(refused, Err(CrmError::WrongState { .. })),
        "{refused:?}"
    );
}

/// A value the schema refuses, forged into the store (the record itself is consistent: no
/// store can tell), is refused by every read through the facade, naming the field: loaded,
/// read, listed (reported as unreadable), and never carried into a new version.
#[test]
fn forged_values_that_break_the_schema_are_refused_on_read_naming_the_field() {
    let sample = Sample::new(289);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    with_schema(&crm, me);
    let contact = new_contact(&crm, &sample);
    let (id, version) = (contact.id(), contact.version());
    let mut forged = json(contact.value());
    forged["custom"] = serde_json::json!({
        "since": 1, "schema": 1,
        "values": { "score": { "type": "integer", "value": 9 } }
    });
    let forged = Record::from(serde_json::from_value::<Contact>(forged).unwrap());
    forged.validate().unwrap();
    let mut batch = prospect::store::Batch::new();
    batch.update(forged, version).unwrap();
    store.commit(batch).unwrap();
    let named = |e: &FieldError| {
        assert_eq!(e.key(), Some(&key("score")), "{e}");
    };
    match crm.load::<Contact>(id, me) {
        Err(CrmError::Field(e)) => named(&e),
        other => panic!("load: expected a refused field, found {other:?}"),
    }
    match crm.read(id, me) {
        Err(CrmError::Field(e)) => named(&e),
        other => panic!("read: expected a refused field, found {other:?}"),
    }
    let page = crm
        .list(
            &prospect::store::Query::of_kind(RecordKind::Contact),
            None,
            10,
            me,
        )
        .unwrap();
    assert!(page.records.is_empty());
    assert_eq!(page.unreadable.len(), 1);
    assert!(
        page.unreadable[0].reason.contains("score"),
        "{:?}",
        page.unreadable
    );
    // A step given the stored record as a typed value (read without the facade) does not
    // carry the forged value into a new version.
    let raw: Contact =
        crate::support::reread(&store.load(id.into()).unwrap().unwrap().into_inner());
    let refused = crm.set_fields(
        Versioned::new(raw, store.load(id.into()).unwrap().unwrap().version()),
        FieldUpdate::new(),
        me,
    );
    match refused {
        Err(CrmError::Field(e)) => named(&e),
        other => panic!("set_fields: expected a refused field, found {other:?}"),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Generated records with custom values: each is valid, round-trips through serde, holds
    /// values its schema accepts, and still reads under every later version of that schema
    /// (more changes, those that apply); its mark is its own.
    #[test]
    fn records_with_values_read_under_every_later_schema(
        (schema, record) in prospect::strategies::record_with_fields(),
        later in prospect::strategies::schema_changes(),
    ) {
        record.validate().unwrap();
        let back: Record = serde_json::from_value(json(&record)).unwrap();
        proptest::prop_assert_eq!(&back, &record);
        proptest::prop_assert!(record.extends(&record.history_mark()));
        let custom = record.custom_fields().unwrap();
        let currency = match &record {
            Record::Opportunity(o) => Some(o.amount().currency()),
            _ => None,
        };
        schema.check_stored(record.kind(), custom.values(), currency).unwrap();
        let mut evolved = schema;
        for change in &later {
            if let Ok(next) = evolved.apply(change) {
                evolved = next;
                let checked = evolved.check_stored(record.kind(), custom.values(), currency);
                proptest::prop_assert!(checked.is_ok(), "{:?} after {:?}", checked, change);
            }
        }
    }
}

fn values(pairs: &[(&str, FieldValue)]) -> prospect::fields::FieldValues {
    let mut values = prospect::fields::FieldValues::new();
    for (k, v) in pairs {
        values.set(key(k), v.clone());
    }
    values
}

/// Values given with the step that creates a record land in its commit: no edit, no event of
/// their own, the schema's required fields checked; a win writes them on the account it opens,
/// or as an edit of the organization's account it goes into.
#[test]
fn values_given_at_creation_land_in_the_creating_commit() {
    use prospect::fields::WithFields;
    let sample = Sample::new(290);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    with_schema(&crm, me);
    let tier =
        FieldDefinition::new(key("tier"), "Tier", FieldType::Integer { min: 1, max: 3 }).required();
    let version = crm.field_schema(me).unwrap().version();
    crm.change_field_schema(
        version,
        SchemaChange::AddField {
            kind: RecordKind::Contact,
            field: tier,
        },
        me,
    )
    .unwrap();
    // A required field is required of a creation with values.
    let refused = crm.create_contact(
        WithFields::new(
            sample.contact_details(),
            values(&[("score", FieldValue::Integer(2))]),
        ),
        OnDuplicate::Refuse,
        me,
    );
    match refused {
        Err(CrmError::Field(e)) => assert_eq!(e, FieldError::Missing { key: key("tier") }),
        other => panic!("expected the required field, found {other:?}"),
    }
    let events_before = all_events(&store).len();
    let contact = crm
        .create_contact(
            WithFields::new(
                sample.contact_details(),
                values(&[
                    ("score", FieldValue::Integer(2)),
                    ("tier", FieldValue::Integer(1)),
                ]),
            ),
            OnDuplicate::Refuse,
            me,
        )
        .unwrap()
        .into_contact();
    let fields = contact.custom_fields();
    assert_eq!(fields.get(&key("tier")), Some(&FieldValue::Integer(1)));
    assert!(fields.edits().is_empty(), "the creation entry covers them");
    assert_eq!(
        all_events(&store).len(),
        events_before + 1,
        "one event: the creation"
    );
    let lead = crm
        .open_lead(
            &contact,
            WithFields::new(
                sample.interest(),
                values(&[("score", FieldValue::Integer(3))]),
            ),
            me,
        )
        .unwrap();
    assert_eq!(
        lead.custom_fields().get(&key("score")),
        Some(&FieldValue::Integer(3))
    );
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    let dollars = Money::parse("100", Currency::USD).unwrap();
    let euros = Money::parse("100", Currency::EUR).unwrap();
    let (lead, refused) = {
        let reader = prospect::testkit::reader();
        let id = lead.id();
        let refused = crm.qualify(
            lead,
            WithFields::new(
                sample.qualification(),
                values(&[("setup_fee", FieldValue::Money(dollars))]),
            ),
            me,
        );
        (
            crm.load::<Lead<prospect::state::Working>>(id, &reader)
                .unwrap(),
            refused,
        )
    };
    assert!(
        matches!(
            refused,
            Err(CrmError::Field(FieldError::WrongCurrency { .. }))
        ),
        "{refused:?}"
    );
    let opportunity = crm
        .qualify(
            lead,
            WithFields::new(
                sample.qualification(),
                values(&[("setup_fee", FieldValue::Money(euros))]),
            ),
            me,
        )
        .unwrap()
        .opportunity;
    assert_eq!(
        opportunity.custom_fields().get(&key("setup_fee")),
        Some(&FieldValue::Money(euros))
    );
    let opportunity = crm.propose(opportunity, sample.proposal(), me).unwrap();
    let opportunity = crm
        .negotiate(opportunity, sample.note("terms"), me)
        .unwrap();
    let opportunity = crm
        .enter_contracting(opportunity, sample.terms(), sample.incumbent(), me)
        .unwrap();
    let won = crm
        .win(
            opportunity,
            WithFields::new(
                sample.contract(30_000),
                values(&[("score", FieldValue::Integer(5))]),
            ),
            me,
        )
        .unwrap();
    let account = won.account;
    assert_eq!(
        account.custom_fields().get(&key("score")),
        Some(&FieldValue::Integer(5))
    );
    assert!(account.custom_fields().edits().is_empty());
    for record in everything(&store) {
        record.validate().unwrap();
    }
}

#[test]
fn a_win_into_an_organizations_account_writes_its_values_as_an_edit() {
    use prospect::fields::WithFields;
    let sample = Sample::new(291);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    with_schema(&crm, me);
    let acme = crm
        .create_organization(
            OrganizationDetails::new(OrganizationName::new("Acme").unwrap()),
            OnDuplicate::Refuse,
            me,
        )
        .unwrap()
        .into_organization();
    let contact = new_contact(&crm, &sample);
    let contact = crm.link_contact(contact, &acme, me).unwrap();
    let won = |score: i64| {
        let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
        let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
        let o = crm
            .qualify(lead, sample.qualification(), me)
            .unwrap()
            .opportunity;
        let o = crm.propose(o, sample.proposal(), me).unwrap();
        let o = crm.negotiate(o, sample.note("terms"), me).unwrap();
        let o = crm
            .enter_contracting(o, sample.terms(), sample.incumbent(), me)
            .unwrap();
        let values = values(&[("score", FieldValue::Integer(score))]);
        crm.win(o, WithFields::new(sample.contract(30_000), values), me)
            .unwrap()
            .account
    };
    let first = won(2);
    assert!(first.custom_fields().edits().is_empty(), "opened with them");
    let second = won(4);
    assert_eq!(second.id(), first.id(), "the organization's one account");
    assert_eq!(
        second.custom_fields().get(&key("score")),
        Some(&FieldValue::Integer(4))
    );
    let edit = &second.custom_fields().edits()[0];
    assert_eq!(edit.position(), 1, "after its first win, before its second");
    assert_eq!(second.wins().len(), 2);
    store
        .load(second.id().into())
        .unwrap()
        .unwrap()
        .value()
        .validate()
        .unwrap();
}

#[test]
fn creation_commands_take_fields() {
    let sample = Sample::new(292);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    with_schema(&crm, me);
    let command: Command = serde_json::from_value(serde_json::json!({
        "step": "create_contact",
        "args": {
            "details": json(&sample.contact_details()),
            "fields": { "score": { "type": "integer", "value": 1 } }
        }
    }))
    .unwrap();
    let executed = crm.execute(command, me).unwrap();
    let contact = executed.records[0].value();
    assert_eq!(
        contact.custom_fields().unwrap().get(&key("score")),
        Some(&FieldValue::Integer(1))
    );
}

#[test]
fn tasks_and_activities_are_created_with_values_too() {
    use prospect::fields::WithFields;
    let sample = Sample::new(293);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    with_schema(&crm, me);
    let contact = new_contact(&crm, &sample);
    let details = TaskDetails::new(
        sample.summary("Call back"),
        me.clone(),
        Due::On(sample.today()),
    );
    let task = crm
        .add_task_on_contact(
            &contact,
            WithFields::new(details, values(&[("score", FieldValue::Integer(4))])),
            me,
        )
        .unwrap();
    assert_eq!(
        task.custom_fields().get(&key("score")),
        Some(&FieldValue::Integer(4))
    );
    let refused = crm.log_activity_on_contact(
        &contact,
        WithFields::new(
            ActivityDetails::new(ActivityKind::Call, sample.summary("Called")),
            values(&[("score", FieldValue::Integer(0))]),
        ),
        me,
    );
    assert!(
        matches!(
            refused,
            Err(CrmError::Field(FieldError::OutOfBounds { .. }))
        ),
        "{refused:?}"
    );
    let command: Command = serde_json::from_value(serde_json::json!({
        "step": "log_activity",
        "args": {
            "record": json(&RecordId::Contact(contact.id())),
            "details": { "kind": "call", "summary": "Called" },
            "fields": { "score": { "type": "integer", "value": 5 } }
        }
    }))
    .unwrap();
    let executed = crm.execute(command, me).unwrap();
    assert_eq!(
        executed.records[0]
            .value()
            .custom_fields()
            .unwrap()
            .get(&key("score")),
        Some(&FieldValue::Integer(5))
    );
}

/// A stored record whose custom fields contradict themselves is refused when read, naming
/// custom fields: edits out of time order, edits that do not lead to the value, a personal
/// value left in an erased record.
#[test]
fn forged_custom_fields_are_refused_when_read() {
    let sample = Sample::new(294);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    with_schema(&crm, me);
    let contact = new_contact(&crm, &sample);
    let contact = crm.set_fields(contact, score(2), me).unwrap();
    sample.tick();
    let contact = crm.set_fields(contact, score(3), me).unwrap();
    let good = json(contact.value());
    serde_json::from_value::<Contact>(good.clone()).unwrap();
    let refused = |forged: serde_json::Value| {
        let e = serde_json::from_value::<Contact>(forged)
            .unwrap_err()
            .to_string();
        assert!(e.contains("custom fields"), "{e}");
    };
    let mut forged = good.clone();
    forged["custom"]["edits"][0]["at"] = forged["custom"]["edits"][1]["at"].clone();
    forged["custom"]["edits"][1]["at"] = json(&chrono::DateTime::<chrono::Utc>::UNIX_EPOCH);
    refused(forged);
    let mut forged = good.clone();
    forged["custom"]["values"]["score"]["value"] = serde_json::json!(4);
    refused(forged);
    let mut forged = good.clone();
    forged["custom"]["edits"][1]["position"] = serde_json::json!(9);
    refused(forged);
    let erased = crm.erase_contact(contact, me).unwrap().contact;
    let mut forged = json(erased.value());
    forged["custom"]["values"]["nickname"] = serde_json::json!({"type": "text", "value": "Zed"});
    forged["custom"]["personal"] = serde_json::json!(["nickname"]);
    refused(forged);
}
