//! The events the facade writes: one per record written, the right payload for every kind of
//! step (edits with their values before and after, personal fields named without them), the
//! same through commands, none when turned off, and a documented JSON shape.

use chrono::Days;
use prospect::event::{EVENT_SCHEMA, Event, Payload, PersonalField};
use prospect::memory::MemoryStore;
use prospect::testkit::Sample;
use prospect::*;
use serde_json::json;

use crate::support::all_events;

/// Every payload variant, by name: the walk below must write each.
const EVERY_PAYLOAD: &[&str] = &[
    "ContactCreated",
    "ContactCorrected",
    "ContactErased",
    "PersonalDataErased",
    "OwnerChanged",
    "OrganizationCreated",
    "OrganizationCorrected",
    "LeadOpened",
    "LeadContacted",
    "LeadNurtured",
    "LeadDisqualified",
    "LeadRecycled",
    "LeadQualified",
    "OpportunityOpened",
    "OpportunityAdvanced",
    "OpportunityWon",
    "OpportunityLost",
    "OpportunityReopened",
    "OpportunityRevised",
    "ProposalRevised",
    "ForecastOverridden",
    "AccountOpened",
    "WinAdded",
    "ActivityLogged",
    "TaskAdded",
    "TaskCompleted",
    "TaskCancelled",
];

fn user(name: &str) -> User {
    User::new(name).unwrap()
}

/// The payloads written since `from` events were read, in order.
fn since<S: prospect::store::Store>(store: &S, from: &mut usize) -> Vec<Payload> {
    let events = all_events(store);
    let new = events[*from..]
        .iter()
        .map(|e| e.event.payload().clone())
        .collect();
    *from = events.len();
    new
}

/// A walk through every kind of step, checking the payload each one writes.
#[test]
fn every_kind_of_step_writes_its_event() {
    let f = Sample::new(80);
    let crm = f.crm(MemoryStore::new());
    let me = f.actor();
    let mut read = 0;
    let store = crm.store();

    let acme = crm
        .create_organization(
            OrganizationDetails::new(OrganizationName::new("Acme SA").unwrap())
                .with_domain(Domain::new("acme.example").unwrap()),
            OnDuplicate::Refuse,
            me,
        )
        .unwrap()
        .into_organization();
    let renamed = OrganizationDetails {
        name: OrganizationName::new("Acme Group").unwrap(),
        ..acme.details().clone()
    };
    let acme = crm.correct_organization(acme, renamed, None, me).unwrap();
    match &since(store, &mut read)[..] {
        [
            Payload::OrganizationCreated(created),
            Payload::OrganizationCorrected(corrected),
        ] => {
            assert_eq!(created.name.as_str(), "Acme SA");
            let name = corrected.name.as_ref().expect("the name changed");
            assert_eq!(
                (name.before().as_str(), name.after().as_str()),
                ("Acme SA", "Acme Group")
            );
            assert!(corrected.domains.is_none(), "only what changed");
        }
        other => panic!("{other:?}"),
    }

    let contact = crm
        .create_contact(f.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let corrected = ContactDetails {
        email: Some(f.email("new@example.com")),
        phone: Some(PhoneNumber::new("+33 6 12 34 56 78").unwrap()),
        ..contact.details().clone()
    };
    let contact = crm.correct_contact(contact, corrected, None, me).unwrap();
    let contact = crm
        .reassign_contact(contact, Some(user("dan")), Cascade::ContactOnly, None, me)
        .unwrap()
        .contact;
    let contact = crm.link_contact(contact, &acme, me).unwrap();
    match &since(store, &mut read)[..] {
        [
            Payload::ContactCreated { .. },
            Payload::ContactCorrected(corrected),
            Payload::OwnerChanged { owner },
            Payload::ContactCorrected(linked),
        ] => {
            assert_eq!(
                **corrected,
                event::ContactCorrected {
                    personal: vec![PersonalField::Email, PersonalField::Phone],
                    ..Default::default()
                }
            );
            assert_eq!(owner.after(), &Some(user("dan")));
            assert!(linked.personal.is_empty());
            let organization = linked.organization.as_ref().expect("linked");
            assert_eq!(organization.after(), &Some(acme.id()));
        }
        other => panic!("{other:?}"),
    }

    // Leads: every step.
    let lead = crm.open_lead(&contact, f.interest(), me).unwrap();
    let lead = crm.log_touch(lead, f.touch(), me).unwrap();
    let lead = crm.nurture(lead, f.note("later"), me).unwrap();
    let lead = crm
        .reassign_lead(lead, Some(user("eve")), None, me)
        .unwrap();
    let lead = crm.disqualify(lead, f.disqualification(), me).unwrap();
    let lead = crm.recycle(lead, f.note("again"), me).unwrap();
    let lead = crm.resume(lead, f.touch(), me).unwrap();
    let Qualified { opportunity, lead } = crm.qualify(lead, f.qualification(), me).unwrap();
    let payloads = since(store, &mut read);
    let names: Vec<&str> = payloads.iter().map(Payload::name).collect();
    assert_eq!(
        names,
        [
            "LeadOpened",
            "LeadContacted",
            "LeadNurtured",
            "OwnerChanged",
            "LeadDisqualified",
            "LeadRecycled",
            "LeadContacted",
            "LeadQualified",
            "OpportunityOpened",
        ]
    );
    assert!(matches!(
        payloads[6],
        Payload::LeadContacted {
            from: state::LeadStatus::Nurturing
        }
    ));
    assert_eq!(
        payloads[7],
        Payload::LeadQualified {
            from: state::LeadStatus::Working,
            opportunity: opportunity.id()
        }
    );
    match &payloads[8] {
        Payload::OpportunityOpened {
            lead: from, amount, ..
        } => {
            assert_eq!(*from, lead.id());
            assert_eq!(*amount, opportunity.amount());
        }
        other => panic!("{other:?}"),
    }

    // Opportunities: every step and edit, lost and reopened, then won.
    let before = opportunity.amount();
    let o = crm
        .revise_opportunity(
            opportunity,
            Revision::new()
                .amount(f.eur(31_000))
                .name(f.summary("Bigger")),
            me,
        )
        .unwrap();
    let o = crm.propose(o, f.proposal(), me).unwrap();
    let proposed = o.amount();
    let revised = SentProposal::new(f.summary("Less"), f.eur(34_000), f.today()).unwrap();
    let o = crm.revise_proposal(o, revised, me).unwrap();
    let o = crm
        .override_forecast(o, ForecastCategory::BestCase, None, me)
        .unwrap();
    let o = crm.clear_overrides(o, None, me).unwrap();
    let o = crm.lose(o, f.loss(), me).unwrap();
    let o = crm.reopen(o, f.note("back"), me).unwrap();
    let o = crm.propose(o, f.proposal(), me).unwrap();
    let o = crm.negotiate(o, f.note("price"), me).unwrap();
    let o = crm
        .enter_contracting(o, f.terms(), f.incumbent(), me)
        .unwrap();
    let o = crm
        .reassign_opportunity(o, Some(user("eve")), None, me)
        .unwrap();
    let WonAccount { account, .. } = crm.win(o, f.contract(30_000), me).unwrap();
    let payloads = since(store, &mut read);
    let names: Vec<&str> = payloads.iter().map(Payload::name).collect();
    assert_eq!(
        names,
        [
            "OpportunityRevised",
            "OpportunityAdvanced",
            "ProposalRevised",
            "ForecastOverridden",
            "ForecastOverridden",
            "OpportunityLost",
            "OpportunityReopened",
            "OpportunityAdvanced",
            "OpportunityAdvanced",
            "OpportunityAdvanced",
            "OwnerChanged",
            "OpportunityWon",
            "AccountOpened",
        ]
    );
    assert_eq!(
        payloads[0],
        Payload::OpportunityRevised {
            name: true,
            amount: Some(Change::new(before, f.eur(31_000))),
            expected_close: None,
        }
    );
    assert_eq!(
        payloads[2],
        Payload::ProposalRevised {
            amount: Change::new(proposed, f.eur(34_000))
        }
    );
    assert_eq!(
        payloads[3],
        Payload::ForecastOverridden {
            probability: Change::new(None, None),
            forecast: Change::new(None, Some(ForecastCategory::BestCase)),
        }
    );
    assert!(matches!(
        payloads[5],
        Payload::OpportunityLost {
            from: state::OpportunityStage::Proposal,
            ..
        }
    ));
    assert_eq!(
        payloads[11],
        Payload::OpportunityWon {
            account: account.id(),
            value: f.eur(30_000)
        }
    );

    // An account's second win and its hand-off; work about the contact.
    let lead = crm.open_lead(&contact, f.interest(), me).unwrap();
    let lead = crm.log_touch(lead, f.touch(), me).unwrap();
    let Qualified { opportunity: o, .. } = crm.qualify(lead, f.qualification(), me).unwrap();
    let o = crm.propose(o, f.proposal(), me).unwrap();
    let o = crm.negotiate(o, f.note("price"), me).unwrap();
    let o = crm
        .enter_contracting(o, f.terms(), f.incumbent(), me)
        .unwrap();
    let WonAccount { account, .. } = crm.win_for(o, account, f.contract(5_000), me).unwrap();
    read = all_events(store).len() - 2;
    assert!(matches!(
        &since(store, &mut read)[..],
        [Payload::OpportunityWon { .. }, Payload::WinAdded { value, .. }] if *value == f.eur(5_000)
    ));
    crm.reassign_account(account, Some(user("fay")), None, me)
        .unwrap();
    crm.log_activity_on_contact(
        &contact,
        ActivityDetails::new(ActivityKind::Call, f.summary("Hello")),
        me,
    )
    .unwrap();
    let todo = || {
        TaskDetails::new(
            f.summary("Call back"),
            me.clone(),
            Due::On(f.today() + Days::new(2)),
        )
    };
    let done = crm.add_task_on_contact(&contact, todo(), me).unwrap();
    crm.complete_task(done, me).unwrap();
    let dropped = crm.add_task_on_contact(&contact, todo(), me).unwrap();
    crm.cancel_task(dropped, me).unwrap();
    let names: Vec<&str> = since(store, &mut read).iter().map(Payload::name).collect();
    assert_eq!(
        names,
        [
            "OwnerChanged",
            "ActivityLogged",
            "TaskAdded",
            "TaskCompleted",
            "TaskAdded",
            "TaskCancelled"
        ]
    );

    // The erasure: the contact's, then its records', in one commit.
    let contact = crm
        .load::<Contact>(contact.id(), &prospect::testkit::reader())
        .unwrap();
    let report = crm.erase_contact(contact, me).unwrap();
    let payloads = since(store, &mut read);
    assert_eq!(payloads[0], Payload::ContactErased);
    assert_eq!(
        payloads.len(),
        1 + report.leads.len()
            + report.opportunities.len()
            + report.accounts.len()
            + report.activities.len()
            + report.tasks.len()
    );

    let seen: std::collections::BTreeSet<&str> = all_events(store)
        .iter()
        .map(|e| e.event.payload().name())
        .collect();
    let every: std::collections::BTreeSet<&str> = EVERY_PAYLOAD.iter().copied().collect();
    assert_eq!(seen, every, "the walk writes every kind of event");
}

/// Events read back as written (serde round trip), and keep their documented JSON shape: the
/// events of a short lifecycle are kept in `tests/it/fixtures/events.json`. Run with
/// `PROSPECT_BLESS=1` to write a new sample when a change is meant, and read the diff.
#[test]
fn events_keep_their_documented_json_shape() {
    let f = Sample::new(81);
    let crm = f.crm(MemoryStore::new());
    let me = f.actor();
    let contact = crm
        .create_contact(f.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, f.interest(), me).unwrap();
    let lead = crm.log_touch(lead, f.touch(), me).unwrap();
    let Qualified { opportunity, .. } = crm.qualify(lead, f.qualification(), me).unwrap();
    let o = crm.propose(opportunity, f.proposal(), me).unwrap();
    let o = crm.negotiate(o, f.note("price"), me).unwrap();
    let o = crm
        .enter_contracting(o, f.terms(), f.incumbent(), me)
        .unwrap();
    crm.win(o, f.contract(30_000), me).unwrap();
    let events: Vec<Event> = all_events(crm.store())
        .into_iter()
        .map(|e| e.event)
        .collect();
    let json = serde_json::to_string_pretty(&events).unwrap() + "\n";
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, events, "events read back as written");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/fixtures/events.json");
    if std::env::var_os("PROSPECT_BLESS").is_some() {
        std::fs::write(path, &json).unwrap();
    }
    let kept = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        json, kept,
        "the events' JSON differs from {path}: if the change is meant, run with PROSPECT_BLESS=1"
    );
    let first: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(first[0]["schema"], EVENT_SCHEMA);
    assert_eq!(first[0]["payload"]["type"], "ContactCreated");
    assert_eq!(first[3]["payload"]["type"], "LeadQualified");
    assert_eq!(first[3]["commit"], first[4]["commit"], "one key per commit");
}

/// A command runs the typed step, so it writes the same events.
#[test]
fn commands_write_the_events_of_their_steps() {
    let f = Sample::new(82);
    let crm = f.crm(MemoryStore::new());
    let me = f.actor();
    let details = serde_json::to_value(f.contact_details()).unwrap();
    let command: Command =
        serde_json::from_value(json!({"step": "create_contact", "args": { "details": details }}))
            .unwrap();
    let done = crm.execute(command, me).unwrap();
    let events = all_events(crm.store());
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event.record(), done.records[0].id());
    assert!(matches!(
        events[0].event.payload(),
        Payload::ContactCreated { .. }
    ));
}

/// A facade without events writes none, and its steps work the same.
#[test]
fn a_facade_without_events_writes_none() {
    let f = Sample::new(83);
    let crm = f.crm(MemoryStore::new()).without_events();
    let me = f.actor();
    let contact = crm
        .create_contact(f.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    crm.open_lead(&contact, f.interest(), me).unwrap();
    assert!(all_events(crm.store()).is_empty());
    assert_eq!(crm.store().len(), 2);
}
