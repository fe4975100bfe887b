//! The run-time command API: a whole lifecycle driven by JSON commands, the caller's version
//! checked before the state, illegal moves naming every state a step takes, steps that start
//! from several states, and the async facade on the same path.

use prospect::memory::MemoryStore;
use prospect::record::{Expected, Record, RecordId, RecordState};
use prospect::state::{LeadStatus, OpportunityStage};
use prospect::store::Versioned;
use prospect::testkit::{Sample, block_on};
use prospect::*;
use serde_json::{Value, json};

fn command(value: Value) -> Command {
    serde_json::from_value(value).unwrap()
}

fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

/// The id and version of the `n`th record written, as JSON.
fn at(done: &Executed, n: usize) -> (Value, u64) {
    let record: &Versioned<Record> = &done.records[n];
    let id = json!(record.id().as_uuid());
    (id, record.version().get())
}

#[test]
fn a_whole_lifecycle_runs_from_json_commands() {
    let sample = Sample::new(70);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let run = |value| crm.execute(command(value), me).unwrap();
    let done = run(json!({
        "step": "create_contact", "args": {
        "details": json_of(&sample.contact_details()) }
    }));
    let (contact, _) = at(&done, 0);
    let done = run(
        json!({"step": "open_lead", "args": { "contact": contact, "interest": json_of(&sample.interest()) }}),
    );
    let (lead, v) = at(&done, 0);
    let done = run(
        json!({"step": "touch", "args": { "lead": lead, "version": v, "touch": json_of(&sample.touch()) }}),
    );
    let (lead, v) = at(&done, 0);
    let done = run(json!({
        "step": "qualify", "args": { "lead": lead, "version": v,
        "qualification": json_of(&sample.qualification()) }
    }));
    assert_eq!(
        done.records.len(),
        2,
        "the converted lead and its opportunity"
    );
    assert_eq!(
        done.records[0].value().state(),
        RecordState::Lead(LeadStatus::Converted)
    );
    let (o, v) = at(&done, 1);
    let done = run(
        json!({"step": "propose", "args": { "opportunity": o, "version": v, "proposal": json_of(&sample.proposal()) }}),
    );
    let (o, v) = at(&done, 0);
    let done = run(
        json!({"step": "negotiate", "args": { "opportunity": o, "version": v, "note": "Price" }}),
    );
    let (o, v) = at(&done, 0);
    let done = run(json!({
        "step": "enter_contracting", "args": { "opportunity": o, "version": v,
        "terms": json_of(&sample.terms()), "incumbent": json_of(&sample.incumbent()) }
    }));
    let (o, v) = at(&done, 0);
    let done = run(json!({
        "step": "win", "args": { "opportunity": o, "version": v,
        "contract": json_of(&sample.contract(30_000)) }
    }));
    assert_eq!(
        done.records[0].value().state(),
        RecordState::Opportunity(OpportunityStage::Won)
    );
    assert_eq!(done.records[1].value().state(), RecordState::Account);
    // What execute returned is what the store holds.
    for record in &done.records {
        assert_eq!(
            crm.store().load(record.id()).unwrap().as_ref(),
            Some(record)
        );
    }
}

#[test]
fn the_callers_version_is_checked_before_the_state() {
    let sample = Sample::new(71);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let lead = crm.store().commit({
        let mut batch = prospect::store::Batch::new();
        batch.create(sample.working()).unwrap();
        batch
    });
    lead.unwrap();
    let stored = crm
        .store()
        .list(
            &prospect::store::Query::of_kind(prospect::record::RecordKind::Lead),
            None,
            10,
        )
        .unwrap()
        .records
        .remove(0);
    let id = json!(stored.id().as_uuid());
    // A touch on a lead being worked is the wrong state, but version 7 is checked first.
    let stale = crm.execute(
        command(
            json!({"step": "touch", "args": { "lead": id, "version": 7, "touch": json_of(&sample.touch()) }}),
        ),
        me,
    );
    match stale {
        Err(CrmError::Conflict(c)) => {
            assert_eq!(c.expected.map(|v| v.get()), Some(7));
            assert_eq!(c.actual, Some(stored.version()));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // At its version, the touch is refused naming both states a touch takes.
    let wrong = crm.execute(
        command(json!({"step": "touch", "args": { "lead": id, "version": stored.version().get(), "touch": json_of(&sample.touch()) }})),
        me,
    );
    match wrong {
        Err(CrmError::WrongState {
            expected, found, ..
        }) => {
            assert_eq!(
                expected,
                Expected::OneOf(&[
                    RecordState::Lead(LeadStatus::New),
                    RecordState::Lead(LeadStatus::Nurturing)
                ])
            );
            assert_eq!(found, RecordState::Lead(LeadStatus::Working));
            let message = CrmError::<std::convert::Infallible>::WrongState {
                record: stored.id(),
                expected,
                found,
            }
            .to_string();
            assert!(
                message.contains("lead (new) or lead (nurturing)"),
                "{message}"
            );
        }
        other => panic!("expected the wrong state, got {other:?}"),
    }
    let missing = crm.execute(
        command(json!({"step": "nurture", "args": { "lead": prospect::uuid::Uuid::nil(), "version": 1, "note": "x" }})),
        me,
    );
    assert!(matches!(
        missing,
        Err(CrmError::NotFound(RecordId::Lead(_)))
    ));
}

#[test]
fn steps_from_several_states_need_no_dispatch_by_the_caller() {
    let sample = Sample::new(72);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let disqualify = |lead: Versioned<Record>| {
        crm.execute(
            command(json!({
                "step": "disqualify", "args": { "lead": lead.id().as_uuid(), "version": lead.version().get(),
                "reason": json_of(&sample.disqualification()) }
            })),
            me,
        )
    };
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let new = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let working = crm
        .log_touch(
            crm.open_lead(&contact, sample.interest(), me).unwrap(),
            sample.touch(),
            me,
        )
        .unwrap();
    let nurturing = crm
        .nurture(
            crm.log_touch(
                crm.open_lead(&contact, sample.interest(), me).unwrap(),
                sample.touch(),
                me,
            )
            .unwrap(),
            sample.note("later"),
            me,
        )
        .unwrap();
    for lead in [
        new.map(Record::from),
        working.map(Record::from),
        nurturing.map(Record::from),
    ] {
        let done = disqualify(lead).unwrap();
        assert_eq!(
            done.records[0].value().state(),
            RecordState::Lead(LeadStatus::Disqualified)
        );
        // Disqualified now: disqualifying again names every open state.
        let again = disqualify(done.records[0].clone());
        assert!(matches!(
            again,
            Err(CrmError::WrongState {
                expected: Expected::OneOf(states),
                ..
            }) if states.len() == 3
        ));
    }
}

#[test]
fn a_bad_command_is_refused_when_it_is_read() {
    let bad = serde_json::from_value::<Command>(
        json!({"step": "touch", "args": { "lead": "not an id" }}),
    );
    assert!(bad.is_err());
    let unknown = serde_json::from_value::<Command>(json!({"step": "teleport"}));
    let message = unknown.unwrap_err().to_string();
    assert!(message.contains("teleport"), "{message}");
    let empty_note = serde_json::from_value::<Command>(json!({
        "step": "nurture", "args": { "lead": prospect::uuid::Uuid::nil(), "version": 1, "note": "  " }
    }));
    assert!(empty_note.unwrap_err().to_string().contains("note"));
}

#[test]
fn the_async_facade_executes_the_same_commands() {
    let sample = Sample::new(73);
    let crm = sample.async_crm(MemoryStore::new());
    let me = sample.actor();
    block_on(async {
        let done = crm
            .execute(
                command(json!({"step": "create_contact", "args": { "details": json_of(&sample.contact_details()) }})),
                me,
            )
            .await
            .unwrap();
        let contact = json!(done.records[0].id().as_uuid());
        let done = crm
            .execute(
                command(json!({"step": "open_lead", "args": { "contact": contact, "interest": json_of(&sample.interest()) }})),
                me,
            )
            .await
            .unwrap();
        let lead = &done.records[0];
        let done = crm
            .execute(
                command(json!({
                    "step": "touch", "args": { "lead": lead.id().as_uuid(), "version": lead.version().get(),
                    "touch": json_of(&sample.touch()) }
                })),
                me,
            )
            .await
            .unwrap();
        assert_eq!(
            done.records[0].value().state(),
            RecordState::Lead(LeadStatus::Working)
        );
    });
}

#[test]
fn daily_work_edits_and_organizations_run_from_json_commands() {
    let sample = Sample::new(74);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let run = |value| crm.execute(command(value), me);
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let lead_ref = json!({"type": "lead", "id": lead.id().as_uuid()});
    let call = ActivityDetails::new(ActivityKind::Call, sample.summary("Called"));
    let done = run(
        json!({"step": "log_activity", "args": { "record": lead_ref, "details": json_of(&call) }}),
    )
    .unwrap();
    assert_eq!(
        done.records[0].value().kind(),
        prospect::record::RecordKind::Activity
    );
    let todo = TaskDetails::new(
        sample.summary("Send the deck"),
        me.clone(),
        Due::On(sample.today()),
    );
    let done =
        run(json!({"step": "add_task", "args": { "record": lead_ref, "details": json_of(&todo) }}))
            .unwrap();
    let (task, v) = at(&done, 0);
    let done =
        run(json!({"step": "complete_task", "args": { "task": task, "version": v }})).unwrap();
    assert_eq!(
        done.records[0].value().state(),
        RecordState::Task(prospect::TaskStatus::Done)
    );
    let again = run(json!({"step": "cancel_task", "args": { "task": task, "version": v + 1 }}));
    assert!(
        matches!(again, Err(CrmError::WrongState { .. })),
        "{again:?}"
    );
    let done = run(json!({
        "step": "reassign_lead", "args": { "lead": lead.id().as_uuid(), "version": lead.version().get(),
        "owner": "bob", "reason": "Territories changed" }
    }))
    .unwrap();
    match done.records[0].value() {
        Record::Lead(l) => assert_eq!(l.owner().map(User::as_str), Some("bob")),
        other => panic!("{other:?}"),
    }
    // An opportunity: revised, then its proposal revised only once there is one.
    let lead = crm
        .load::<Lead<prospect::state::New>>(lead.id(), &prospect::testkit::reader())
        .unwrap();
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    let o = crm
        .qualify(lead, sample.qualification(), me)
        .unwrap()
        .opportunity;
    let revision = json!({"amount": json_of(&sample.eur(50_000)), "reason": "More seats"});
    let done = run(json!({
        "step": "revise_opportunity", "args": { "opportunity": o.id().as_uuid(), "version": o.version().get(),
        "revision": revision }
    }))
    .unwrap();
    let (oid, v) = at(&done, 0);
    let refused = run(json!({
        "step": "revise_proposal", "args": { "opportunity": oid, "version": v,
        "proposal": json_of(&sample.proposal()) }
    }));
    match refused {
        Err(CrmError::WrongState {
            expected: Expected::OneOf(states),
            ..
        }) => {
            assert_eq!(states.len(), 2, "proposal or negotiation")
        }
        other => panic!("expected the wrong state, got {other:?}"),
    }
    let done = run(json!({
        "step": "reassign_opportunity", "args": { "opportunity": oid, "version": v, "owner": null }
    }))
    .unwrap();
    match done.records[0].value() {
        Record::Opportunity(o) => {
            assert_eq!(o.owner(), None);
            assert_eq!(o.amount(), sample.eur(50_000));
        }
        other => panic!("{other:?}"),
    }
    // A contact corrected, and an organization created once.
    let contact = crm
        .load::<Contact>(contact.id(), &prospect::testkit::reader())
        .unwrap();
    let details = ContactDetails {
        owner: Some(User::new("cid").unwrap()),
        ..contact.details().clone()
    };
    run(json!({
        "step": "correct_contact", "args": { "contact": contact.id().as_uuid(), "version": contact.version().get(),
        "details": json_of(&details) }
    }))
    .unwrap();
    let acme = json!({"name": "Acme", "domains": ["acme.example"]});
    run(json!({"step": "create_organization", "args": { "details": acme }})).unwrap();
    let duplicate = run(json!({"step": "create_organization", "args": { "details": acme }}));
    assert!(
        matches!(duplicate, Err(CrmError::DuplicateOrganization { .. })),
        "{duplicate:?}"
    );
}

#[test]
fn contacts_and_organizations_are_handed_linked_and_erased_by_commands() {
    let sample = Sample::new(75);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let run = |value| crm.execute(command(value), me);
    let acme = crm
        .create_organization(
            OrganizationDetails::new(OrganizationName::new("Acme").unwrap()),
            OnDuplicate::Refuse,
            me,
        )
        .unwrap()
        .into_organization();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    let o = crm
        .qualify(lead, sample.qualification(), me)
        .unwrap()
        .opportunity;
    let done = run(json!({"step": "link_contact", "args": {
        "contact": contact.id().as_uuid(), "version": 1, "organization": acme.id().as_uuid()}}))
    .unwrap();
    let (c, v) = at(&done, 0);
    let done = run(json!({"step": "reassign_contact", "args": {
        "contact": c, "version": v, "owner": "dan", "cascade": "open_records"}}))
    .unwrap();
    assert_eq!(
        done.records.len(),
        2,
        "the contact and its open opportunity: {done:?}"
    );
    assert_eq!(done.records[1].id(), RecordId::Opportunity(o.id()));
    let (c, v) = at(&done, 0);
    let (oid, ov) = at(&done, 1);
    let done = run(json!({"step": "override_probability", "args": {
        "opportunity": oid, "version": ov, "probability": 35}}))
    .unwrap();
    match done.records[0].value() {
        Record::Opportunity(o) => assert_eq!(o.probability().get(), 35),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        crm.opportunities_of_organization(acme.id(), &prospect::testkit::reader())
            .unwrap()
            .len(),
        1
    );
    let done =
        run(json!({"step": "unlink_contact", "args": {"contact": c, "version": v}})).unwrap();
    let (c, v) = at(&done, 0);
    assert!(
        crm.opportunities_of_organization(acme.id(), &prospect::testkit::reader())
            .unwrap()
            .is_empty()
    );
    let done = run(json!({"step": "correct_organization", "args": {
        "organization": acme.id().as_uuid(), "version": acme.version().get(),
        "details": {"name": "Acme SA", "domains": ["acme.example"]}}}))
    .unwrap();
    assert_eq!(done.records[0].value().domains().len(), 1);
    let done = run(json!({"step": "erase_contact", "args": {"contact": c, "version": v}})).unwrap();
    assert!(
        done.records.len() >= 3,
        "the contact, its lead and its opportunity: {done:?}"
    );
}

#[test]
fn an_account_is_handed_over_by_command() {
    let sample = Sample::new(76);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let mut batch = prospect::store::Batch::new();
    let (_, account) = sample.won(20_000);
    let id = account.id();
    batch.create(account).unwrap();
    crm.store().commit(batch).unwrap();
    let done = crm
        .execute(
            command(json!({"step": "reassign_account", "args": {
                "account": id.as_uuid(), "version": 1, "owner": "eve", "reason": "Key account"}})),
            me,
        )
        .unwrap();
    match done.records[0].value() {
        Record::Account(a) => {
            assert_eq!(a.owner().map(User::as_str), Some("eve"));
            assert_eq!(a.handoffs().len(), 1);
        }
        other => panic!("{other:?}"),
    }
}
