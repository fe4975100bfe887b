//! Erasure leaves nothing: every text field of every record kind is filled with a marker, the
//! contact is erased, and no marker survives in anything the store holds.
//!
//! The test checks its own coverage first: before the erasure, every string in the records'
//! JSON must carry the marker unless its field is structural (ids, states, times, actors, ...).
//! A text field added later fails that check until the test fills it, and then fails the
//! erasure check until erasure clears it.

use chrono::Days;
use prospect::testkit::Sample;
use prospect::*;
use prospect::{
    memory::MemoryStore,
    record::{Record, RecordKind},
};
use serde_json::Value;

use crate::support::*;

/// The marker, in every text that describes the person.
const MARK: &str = "zqmark";

/// Fields whose strings are structure, not text about the person.
const STRUCTURAL: &[&str] = &[
    "type",
    "id",
    "contact",
    "lead",
    "opportunity",
    "account",
    "primary_contact",
    "status",
    "stage",
    "source",
    "owner",
    "actor",
    "created_by",
    "by",
    "at",
    "created_at",
    "customer_since",
    "from",
    "to",
    "channel",
    "role",
    "category",
    "currency",
    "decision_date",
    "assessed_on",
    "sent_on",
    "signed_on",
    "expected_close",
    "forecast_override",
    "kind",
    "occurred_at",
    "logged_at",
    "on",
    "personal",
    "pipeline",
    "backbone",
];

/// Paths (suffixes) whose strings are structure inside an edit's values before and after:
/// owners (users), dates and forecast categories.
const STRUCTURAL_EDITS: &[&str] = &[
    ".owner.before",
    ".owner.after",
    ".expected_close.before",
    ".expected_close.after",
    ".forecast.before",
    ".forecast.after",
];

/// Unit variants of evidence, which serialise as a bare string.
const UNIT_EVIDENCE: &[&str] = &["opened", "none_in_place"];

fn marked(text: &str) -> String {
    format!("{MARK} {text}")
}

fn summary(text: &str) -> Summary {
    Summary::new(marked(text)).unwrap()
}

fn marked_note(text: &str) -> Note {
    Note::new(marked(text)).unwrap()
}

/// Every string leaf of `value` whose field is not structural, with its path.
fn text_leaves(value: &Value, path: &str, key: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s)
            if !STRUCTURAL.contains(&key)
                && prospect::uuid::Uuid::parse_str(s).is_err()
                && !UNIT_EVIDENCE.contains(&s.as_str())
                && !STRUCTURAL_EDITS.iter().any(|edit| path.ends_with(edit)) =>
        {
            out.push((path.to_string(), s.clone()));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                text_leaves(item, &format!("{path}[{i}]"), key, out);
            }
        }
        Value::Object(fields) => {
            for (k, v) in fields {
                text_leaves(v, &format!("{path}.{k}"), k, out);
            }
        }
        _ => {}
    }
}

#[test]
fn erase_leaves_no_marker_in_any_text_field_of_any_record() {
    let f = Sample::new(42);
    let crm = Crm::with_clock_and_ids(
        MemoryStore::new(),
        prospect::access::AllowAll,
        std::sync::Arc::new(FixedClock::new(f.clock().now())),
        std::sync::Arc::new(SequentialIds::new(9)),
    );
    let me = User::new("claire").unwrap();
    let today = f.today();
    // The company the contact works for: not personal data, left as it is by the erasure.
    let acme = crm
        .create_organization(
            OrganizationDetails::new(OrganizationName::new("Acme SA").unwrap())
                .with_domain(Domain::new("acme.example").unwrap()),
            OnDuplicate::Refuse,
            &me,
        )
        .unwrap()
        .into_organization();
    let contact = crm
        .create_contact(
            ContactDetails::new(
                Party::employee(
                    PersonName::new(marked("Jeanne")).unwrap(),
                    JobTitle::new(marked("buyer")).unwrap(),
                    OrganizationName::new(marked("Acme")).unwrap(),
                ),
                LeadSource::Event,
            )
            .with_email(EmailAddress::new(format!("{MARK}@{MARK}.example")).unwrap())
            .with_phone(PhoneNumber::new("+33 6 98 76 54 32").unwrap())
            .with_owner(User::new("bob").unwrap())
            .with_organization(acme.id()),
            OnDuplicate::Refuse,
            &me,
        )
        .unwrap()
        .into_contact();
    let interest = || Interest::new(summary("interest"), BuyingRole::DecisionMaker);
    let qualification = || {
        Qualification::builder()
            .need(
                Need::new(
                    summary("need"),
                    vec![
                        Requirement::new(marked("first")).unwrap(),
                        Requirement::new(marked("second")).unwrap(),
                    ],
                )
                .unwrap(),
            )
            .budget(Budget::new(f.eur(30_000)).unwrap())
            .timeline(
                Timeline::new(today + Days::new(30), today, &HorizonPolicy::default()).unwrap(),
            )
            .authority(Authority {
                decision_maker: PersonName::new(marked("Paul")).unwrap(),
                job_title: Some(JobTitle::new(marked("director")).unwrap()),
                contact: None,
            })
            .build()
    };
    let contracting = || {
        let lead = crm.open_lead(&contact, interest(), &me).unwrap();
        let lead = crm
            .log_touch(lead, Touch::new(Channel::Call, summary("call")), &me)
            .unwrap();
        let lead = crm.nurture(lead, marked_note("later"), &me).unwrap();
        let lead = crm
            .resume(lead, Touch::new(Channel::Meeting, summary("meeting")), &me)
            .unwrap();
        let Qualified { opportunity: o, .. } = crm.qualify(lead, qualification(), &me).unwrap();
        let proposal = SentProposal::new(summary("proposal"), f.eur(36_000), today).unwrap();
        let o = crm.propose(o, proposal, &me).unwrap();
        let o = crm.negotiate(o, marked_note("negotiation"), &me).unwrap();
        let terms = PaymentTerms::new(30, 4)
            .unwrap()
            .with_note(marked_note("terms"));
        let incumbent = Incumbent::Dismissed(OrganizationName::new(marked("Rival")).unwrap());
        crm.enter_contracting(o, terms, incumbent, &me).unwrap()
    };
    let contract = |reference: &str| {
        SignedContract::new(
            Reference::new(marked(reference)).unwrap(),
            f.eur(35_000),
            today,
            PersonName::new(marked("Signer")).unwrap(),
        )
        .unwrap()
    };
    let WonAccount { account, .. } = crm.win(contracting(), contract("C-1"), &me).unwrap();
    let WonAccount { account, .. } = crm
        .win_for(contracting(), account, contract("C-2"), &me)
        .unwrap();
    let dan = User::new("dan").unwrap();
    crm.reassign_account(
        account,
        Some(dan.clone()),
        Some(marked_note("handoff")),
        &me,
    )
    .unwrap();
    // Activities about the contact, a lead and an opportunity (the last two by id, as a service
    // would), with a summary and an outcome.
    let work = |what: &str| {
        ActivityDetails::new(ActivityKind::Call, summary(what)).with_outcome(marked_note("outcome"))
    };
    crm.log_activity_on_contact(&contact, work("about the contact"), &me)
        .unwrap();
    let due = Due::On(today + Days::new(3));
    let task = crm
        .add_task_on_contact(
            &contact,
            TaskDetails::new(summary("send the quote"), me.clone(), due),
            &me,
        )
        .unwrap();
    crm.complete_task(task, &me).unwrap();
    // A lead disqualified with a detail and recycled with a note.
    let lead = crm.open_lead(&contact, interest(), &me).unwrap();
    crm.log_activity(lead.id(), work("about the lead"), &me)
        .unwrap();
    let reason = DisqualifyReason::new(DisqualifyCategory::Other).with_detail(marked_note("why"));
    let lead = crm.disqualify(lead, reason, &me).unwrap();
    crm.recycle(lead, marked_note("again"), &me).unwrap();
    // An opportunity lost with a detail and reopened with a note.
    let lead = crm.open_lead(&contact, interest(), &me).unwrap();
    let lead = crm
        .log_touch(lead, Touch::new(Channel::Email, summary("mail")), &me)
        .unwrap();
    let Qualified { opportunity: o, .. } = crm.qualify(lead, qualification(), &me).unwrap();
    crm.log_activity(o.id(), work("about the opportunity"), &me)
        .unwrap();
    let reason = LossReason::new(LossCategory::Other).with_detail(marked_note("lost"));
    let o = crm.lose(o, reason, &me).unwrap();
    let o = crm.reopen(o, marked_note("reopened"), &me).unwrap();
    // Edits: the opportunity revised, its proposal revised, its probability overridden; the
    // contact corrected, then handed over with its open records.
    let revision = Revision::new()
        .name(summary("renamed"))
        .expected_close(today + Days::new(60))
        .because(marked_note("revised"));
    let o = crm.revise_opportunity(o, revision, &me).unwrap();
    let proposal = SentProposal::new(summary("proposal"), f.eur(36_000), today).unwrap();
    let o = crm.propose(o, proposal, &me).unwrap();
    let revised = SentProposal::new(summary("revised proposal"), f.eur(38_000), today).unwrap();
    let o = crm.revise_proposal(o, revised, &me).unwrap();
    // A move between custom stages, with a note: the opportunity joins a pipeline.
    let o = join_a_pipeline(&crm, o, marked_note("moved"), &me);
    let probability = Probability::new(70).unwrap();
    crm.override_probability(o, probability, Some(marked_note("override")), &me)
        .unwrap();
    let contact = crm
        .load::<Contact>(contact.id(), &prospect::testkit::reader())
        .unwrap();
    let corrected = ContactDetails {
        party: Party::person(PersonName::new(marked("Jeanne D.")).unwrap()),
        ..contact.details().clone()
    };
    let contact = crm
        .correct_contact(contact, corrected, Some(marked_note("married")), &me)
        .unwrap();
    let handed = crm
        .reassign_contact(
            contact,
            Some(dan),
            Cascade::OpenRecords,
            Some(marked_note("handoff")),
            &me,
        )
        .unwrap();
    assert_eq!(
        (handed.leads.len(), handed.opportunities.len()),
        (1, 1),
        "the recycled lead and the reopened opportunity go with the contact"
    );

    // A personal custom text field on every kind that holds personal data, written twice on
    // every record (so that its edits hold values before and after).
    mark_custom_fields(&crm, &me);

    // Coverage: every text the records hold carries the marker.
    let before = everything(crm.store());
    let kinds: std::collections::HashSet<RecordKind> = before.iter().map(Record::kind).collect();
    assert_eq!(
        kinds.len(),
        RecordKind::ALL.len(),
        "every kind of record is covered"
    );
    // Not personal data: an organization, and the field schema (keys and labels).
    let personal =
        |r: &&Record| !matches!(r.kind(), RecordKind::Organization | RecordKind::FieldSchema);
    for record in before.iter().filter(personal) {
        let mut leaves = Vec::new();
        text_leaves(&json(record), "", "", &mut leaves);
        for (path, text) in leaves {
            if path.ends_with(".phone") {
                continue;
            }
            assert!(
                text.to_lowercase().contains(MARK),
                "{}: the text field {path} ({text:?}) does not carry the marker: fill it in this \
                 test, so that its erasure is checked",
                record.id()
            );
        }
    }

    // Read again: its custom fields were written since the hand-off.
    let contact = crm
        .load::<Contact>(handed.contact.id(), &prospect::testkit::reader())
        .unwrap();
    let erased = crm.erase_contact(contact, &me).unwrap();
    assert_eq!(
        (
            erased.leads.len(),
            erased.opportunities.len(),
            erased.accounts.len(),
            erased.activities.len(),
            erased.tasks.len()
        ),
        (4, 3, 1, 3, 1)
    );

    let after = everything(crm.store());
    assert_eq!(after.len(), before.len());
    let organization = |records: &[Record]| {
        records
            .iter()
            .find(|r| r.kind() == RecordKind::Organization)
            .cloned()
    };
    assert_eq!(
        organization(&after),
        organization(&before),
        "the organization is not personal data: the erasure leaves it"
    );
    for record in after.iter().filter(personal) {
        let text = serde_json::to_string(record).unwrap().to_lowercase();
        assert!(
            !text.contains(MARK),
            "{}: personal data survived the erasure: {text}",
            record.id()
        );
        for digits in ["98 76 54 32", "98765432"] {
            assert!(
                !text.contains(digits),
                "{}: the phone number survived",
                record.id()
            );
        }
        let erased = match record {
            Record::Contact(c) => c.erasure().is_some(),
            Record::Lead(l) => l.is_erased(),
            Record::Opportunity(o) => o.is_erased(),
            Record::Account(a) => a.is_erased(),
            Record::Activity(a) => a.is_erased(),
            Record::Task(t) => t.is_erased(),
            Record::Organization(_) | Record::FieldSchema(_) => false,
        };
        assert!(erased, "{}: marked erased", record.id());
        assert!(
            holds_its_last_evidence(record),
            "{}: what its state holds was erased as its history was",
            record.id()
        );
    }

    // The events, delivered before the erasure and after, never held the personal data: an
    // erasure has nothing to recall from the systems they went to.
    let events = all_events(crm.store());
    assert!(
        events.len() > 50,
        "every step wrote its events ({})",
        events.len()
    );
    for stored in &events {
        let text = serde_json::to_string(&stored.event).unwrap().to_lowercase();
        assert!(!text.contains(MARK), "an event holds personal data: {text}");
        for digits in ["98 76 54 32", "98765432"] {
            assert!(!text.contains(digits), "an event holds the phone number");
        }
    }
    // The erasure's commit: the contact's erasure, and its records' under the same key.
    let last = &events[events.len() - 1].event;
    let erasure: Vec<&event::Event> = events
        .iter()
        .map(|e| &e.event)
        .filter(|e| e.commit() == last.commit())
        .collect();
    assert_eq!(erasure.len(), 1 + 4 + 3 + 1 + 3 + 1);
    assert!(matches!(
        erasure[0].payload(),
        event::Payload::ContactErased
    ));
    assert!(erasure[1..].iter().all(|e| matches!(
        e.payload(),
        event::Payload::PersonalDataErased { contact } if *contact == erased.contact.id()
    )));
}

/// `o`, moved with `note` into the stage `quote` of a pipeline added for it.
fn join_a_pipeline(
    crm: &Crm<MemoryStore>,
    o: prospect::store::Versioned<Opportunity<state::Proposal>>,
    note: Note,
    me: &User,
) -> prospect::store::Versioned<Opportunity<state::Proposal>> {
    use prospect::fields::{FieldKey, Pipeline, PipelineStage, SchemaChange};
    use prospect::state::OpportunityStage as O;
    let key = |k: &str| FieldKey::new(k).unwrap();
    let stages = [
        ("meeting", O::Discovery),
        ("quote", O::Proposal),
        ("terms", O::Negotiation),
        ("signature", O::Contracting),
    ]
    .map(|(k, backbone)| PipelineStage::new(key(k), k, backbone, Probability::new(50).unwrap()));
    let pipeline = Pipeline::new(key("deals"), "Deals", stages.to_vec());
    let version = crm.field_schema(me).unwrap().version();
    crm.change_field_schema(version, SchemaChange::AddPipeline { pipeline }, me)
        .unwrap();
    crm.move_stage(o, key("deals"), key("quote"), Some(note), me)
        .unwrap()
}

/// Adds a personal text field `diary` to every kind that holds personal data, and writes it
/// twice on every such record, marked.
fn mark_custom_fields(crm: &Crm<MemoryStore>, me: &User) {
    use prospect::fields::{
        FieldDefinition, FieldKey, FieldType, FieldUpdate, FieldValue, SchemaChange,
    };
    use prospect::record::{AnyLead, AnyOpportunity};
    let diary = FieldKey::new("diary").unwrap();
    let mut version = crm.field_schema(me).unwrap().version();
    for kind in RecordKind::ALL {
        if matches!(kind, RecordKind::Organization | RecordKind::FieldSchema) {
            continue;
        }
        let field = FieldDefinition::new(diary.clone(), "Diary", FieldType::Text { max_chars: 80 })
            .personal();
        version = crm
            .change_field_schema(version, SchemaChange::AddField { kind, field }, me)
            .unwrap()
            .version();
    }
    let reader = prospect::testkit::reader();
    let update = |n: u32| {
        FieldUpdate::new().set(
            diary.clone(),
            FieldValue::Text(marked(&format!("entry {n}"))),
        )
    };
    for record in everything(crm.store()) {
        let id = record.id();
        for n in 0..2 {
            match record.kind() {
                RecordKind::Contact => drop(
                    crm.set_fields(crm.load::<Contact>(id, &reader).unwrap(), update(n), me)
                        .unwrap(),
                ),
                RecordKind::Lead => drop(
                    crm.set_fields(crm.load::<AnyLead>(id, &reader).unwrap(), update(n), me)
                        .unwrap(),
                ),
                RecordKind::Opportunity => drop(
                    crm.set_fields(
                        crm.load::<AnyOpportunity>(id, &reader).unwrap(),
                        update(n),
                        me,
                    )
                    .unwrap(),
                ),
                RecordKind::Account => drop(
                    crm.set_fields(crm.load::<Account>(id, &reader).unwrap(), update(n), me)
                        .unwrap(),
                ),
                RecordKind::Activity => drop(
                    crm.set_fields(crm.load::<Activity>(id, &reader).unwrap(), update(n), me)
                        .unwrap(),
                ),
                RecordKind::Task => drop(
                    crm.set_fields(crm.load::<Task>(id, &reader).unwrap(), update(n), me)
                        .unwrap(),
                ),
                _ => {}
            }
        }
    }
}
