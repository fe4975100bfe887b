//! The field schema of custom fields: one record per store, changed one change per commit,
//! racing changes never both applied.

use super::*;
use crate::contact::Contact;
use crate::fields::{
    FieldDefinition, FieldKey, FieldType, SchemaChange, SchemaRecord, SchemaVersion,
};
use crate::id::FieldSchemaId;

#[track_caller]
fn add_field(name: &str) -> SchemaChange {
    SchemaChange::AddField {
        kind: RecordKind::Opportunity,
        field: FieldDefinition::new(FieldKey::new(name).must(), name, FieldType::Boolean),
    }
}

/// The schema is stored as one record of kind `field_schema` (its id
/// [`FieldSchemaId::STORE`]): a first change creates it, the next ones update it, each commit
/// with its event; it reads back with its whole history (a scan of the kind finds it); four
/// facades changing it from the same version at once apply exactly one change, the others
/// conflict; a change from a version already passed conflicts and changes nothing.
pub fn field_schema_changes_race_and_one_wins<S: Store + Sync>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(148);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let first = crm
        .change_field_schema(SchemaVersion::EMPTY, add_field("first"), me)
        .must();
    assert_eq!(first.version().get(), 1, "the first change makes version 1");
    let results = race(|i, barrier| {
        let crm = sample.crm(&store);
        barrier.wait();
        crm.change_field_schema(first.version(), add_field(&format!("racer_{i}")), me)
    });
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        won, 1,
        "four changes from version 1 at once: expected exactly one applied, found {won}"
    );
    for result in &results {
        if let Err(e) = result {
            assert!(
                e.is_conflict(),
                "a change that lost the race: expected a conflict, found {e}"
            );
        }
    }
    let stale = crm.change_field_schema(first.version(), add_field("late"), me);
    assert!(
        matches!(&stale, Err(e) if e.is_conflict()),
        "a change from version 1 once the schema is at 2: expected a conflict, found {stale:?}"
    );
    let now = crm.field_schema(me).must();
    assert_eq!(
        (
            now.version().get(),
            now.fields(RecordKind::Opportunity).len()
        ),
        (2, 2),
        "the schema after the race: expected version 2 with two fields"
    );
    let id = RecordId::FieldSchema(FieldSchemaId::STORE);
    let stored = load(&store, id).expect("the schema is stored under FieldSchemaId::STORE");
    assert_eq!(
        stored.version().get(),
        2,
        "the schema's record: expected its store version to be the schema's"
    );
    match stored.value() {
        Record::FieldSchema(record) => {
            let record: &SchemaRecord = record;
            assert_eq!(
                (record.schema(), record.history().len()),
                (&now, 2),
                "the schema's record: expected the schema and its two changes"
            );
        }
        other => panic!("expected the field schema under its id, found {other:?}"),
    }
    let mut scanned = 0;
    let scan = store
        .scan(RecordKind::FieldSchema, &mut |_| scanned += 1)
        .must();
    assert!(
        scan.is_complete() && scanned == 1,
        "a scan of the field schema kind: expected its one record, found {scanned}"
    );
    let events = store.read_events(None, MAX_PAGE).must();
    let changed = events
        .events
        .iter()
        .filter(|e| e.event.payload().name() == "FieldSchemaChanged")
        .count();
    assert_eq!(
        changed, 2,
        "expected one FieldSchemaChanged event per change applied, found {changed}"
    );
}

/// A record's custom field edits are entries of its history, which the store checks: a lead
/// and a contact with values written read back with their values and edits; a copy from
/// before an edit, moved on by a step of its own (as many entries as the stored record, but
/// not its last), written at the current version is a stale-history conflict.
pub fn field_edits_are_history_the_store_checks<S: Store>(new: impl Fn() -> S) {
    use crate::fields::{FieldUpdate, FieldValue};
    let store = new();
    let sample = Sample::new(149);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let score = FieldKey::new("score").must();
    let mut version = SchemaVersion::EMPTY;
    for kind in [RecordKind::Contact, RecordKind::Lead] {
        let field = FieldDefinition::new(
            score.clone(),
            "Score",
            FieldType::Integer { min: 1, max: 5 },
        );
        version = crm
            .change_field_schema(version, SchemaChange::AddField { kind, field }, me)
            .must()
            .version();
    }
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let reader = crate::testkit::reader();
    let contact_copy = crm.load::<Contact>(contact.id(), &reader).must();
    let lead_copy = crm.load::<Lead<New>>(lead.id(), &reader).must();
    let update = FieldUpdate::new().set(score.clone(), FieldValue::Integer(4));
    let contact = crm.set_fields(contact, update.clone(), me).must();
    let lead = crm.set_fields(lead, update, me).must();
    for (written, id) in [
        (Record::from(contact.value().clone()), contact.id().into()),
        (
            crate::record::Snapshot::snapshot(lead.value()),
            lead.id().into(),
        ),
    ] {
        let stored = load(&store, id).expect("the record is stored");
        assert_eq!(
            stored.value(),
            &written,
            "{id}: a record with custom field values and their edit: expected it read back as written"
        );
    }
    let ctx = sample.ctx();
    let moved_on: [(Record, RecordId, Version); 2] = [
        (
            contact_copy
                .value()
                .correct(sample.contact_details(), None, &ctx)
                .must()
                .into(),
            contact.id().into(),
            contact.version(),
        ),
        (
            lead_copy
                .into_inner()
                .log_touch(sample.touch(), &ctx)
                .into(),
            lead.id().into(),
            lead.version(),
        ),
    ];
    for (copy, id, version) in moved_on {
        let stored = load(&store, id).expect("the record is stored");
        assert_eq!(
            copy.history_mark().len(),
            stored.value().history_mark().len(),
            "{id}: the copy has as many entries as the stored record"
        );
        let mut batch = Batch::new();
        batch.update(copy, version).expect("one write");
        let c = conflict::<S>(store.commit(batch));
        assert_eq!(
            c,
            Conflict::stale_history(id, version),
            "{id}: a copy from before a custom field edit, moved on by a step of its own and \
             written at the current version: expected a stale-history conflict (the mark counts \
             field edits among the entries), found {c}"
        );
    }
}
