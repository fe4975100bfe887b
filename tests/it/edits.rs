//! Edits and hand-offs: each is an entry of the record's history with who, when, the values
//! before and after and the reason; a closed record never changes hands, so reports credit the
//! owner at close; revisions are checked against the actor's today; the stale clock passes over
//! edits.

use std::time::Duration;

use chrono::{Days, TimeDelta};
use prospect::funnel::PipelineReport;
use prospect::memory::MemoryStore;
use prospect::stale::{StalePolicy, find_stale};
use prospect::state::{Discovery, Negotiation, OpportunityStage};
use prospect::store::Versioned;
use prospect::testkit::Sample;
use prospect::*;

use crate::support::everything;

fn user(name: &str) -> User {
    User::new(name).unwrap()
}

/// A contact owned by `owner`, through `crm`.
fn contact_of(crm: &Crm<MemoryStore>, sample: &Sample, owner: &User) -> Versioned<Contact> {
    let details = sample.contact_details().with_owner(owner.clone());
    crm.create_contact(details, OnDuplicate::Refuse, sample.actor())
        .unwrap()
        .into_contact()
}

fn qualified(
    crm: &Crm<MemoryStore>,
    sample: &Sample,
    contact: &Versioned<Contact>,
) -> Versioned<Opportunity<Discovery>> {
    let me = sample.actor();
    let lead = crm.open_lead(contact, sample.interest(), me).unwrap();
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    crm.qualify(lead, sample.qualification(), me)
        .unwrap()
        .opportunity
}

#[test]
fn revise_records_each_value_before_and_after_and_keeps_the_stage() {
    let sample = Sample::new(50);
    let ctx = sample.ctx();
    let (_, mut opportunity) = sample.discovery();
    let (name, amount, close) = (
        opportunity.name().clone(),
        opportunity.amount(),
        opportunity.expected_close(),
    );
    let later = sample.today() + Days::new(120);
    opportunity
        .revise(
            Revision::new()
                .amount(sample.eur(45_000))
                .expected_close(later)
                .because(sample.note("Scope grew")),
            &ctx,
        )
        .unwrap();
    assert_eq!(opportunity.stage(), OpportunityStage::Discovery);
    assert_eq!(
        (opportunity.amount(), opportunity.expected_close()),
        (sample.eur(45_000), later)
    );
    assert_eq!(opportunity.name(), &name, "a name not revised stays");
    let entry = opportunity.history().last().unwrap();
    assert_eq!(
        (entry.from(), entry.to()),
        (
            Some(OpportunityStage::Discovery),
            OpportunityStage::Discovery
        )
    );
    assert_eq!(entry.actor(), sample.actor());
    let OpportunityEvidence::Revised(revised) = entry.evidence() else {
        panic!("expected a revision, found {:?}", entry.evidence());
    };
    assert_eq!(revised.name(), None);
    assert_eq!(
        revised.amount(),
        Some(&Change::new(amount, sample.eur(45_000)))
    );
    assert_eq!(revised.expected_close(), Some(&Change::new(close, later)));
    assert_eq!(revised.reason().map(Note::as_str), Some("Scope grew"));
    // A later proposal sets the amount again; the expected close stays revised.
    let proposal = opportunity.propose(sample.proposal(), &ctx).unwrap();
    assert_eq!(proposal.amount(), sample.proposal().amount());
    assert_eq!(proposal.expected_close(), later);
    let back: record::Record =
        serde_json::from_value(serde_json::to_value(record::Record::from(proposal)).unwrap())
            .unwrap();
    back.validate().unwrap();
}

#[test]
fn revise_refuses_a_past_close_and_an_amount_not_above_zero_and_changes_nothing() {
    let sample = Sample::new(51);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let contact = contact_of(&crm, &sample, &user("ana"));
    let opportunity = qualified(&crm, &sample, &contact);
    let id = opportunity.id();
    let yesterday = sample.today() - Days::new(1);
    let past = crm.revise_opportunity(opportunity, Revision::new().expected_close(yesterday), me);
    match past {
        Err(CrmError::Invalid { record, cause }) => {
            assert_eq!(record, id.into());
            assert_eq!(cause.field(), Field::ExpectedClose);
        }
        other => panic!("expected an invalid expected close, got {other:?}"),
    }
    let opportunity = crm
        .load::<Opportunity<Discovery>>(id, &prospect::testkit::reader())
        .unwrap();
    assert_eq!(opportunity.version().get(), 1, "nothing was written");
    let zero = Money::parse("0", Currency::EUR).unwrap();
    match crm.revise_opportunity(opportunity, Revision::new().amount(zero), me) {
        Err(CrmError::Invalid { cause, .. }) => assert_eq!(cause.field(), Field::Amount),
        other => panic!("expected an invalid amount, got {other:?}"),
    }
    // Today, for a user behind UTC, is still today: the check is in the actor's zone.
    let west = sample
        .crm(crm.into_store())
        .with_zones(chrono::FixedOffset::west_opt(10 * 3600).unwrap());
    let opportunity = west
        .load::<Opportunity<Discovery>>(id, &prospect::testkit::reader())
        .unwrap();
    let local_today = west.context(&user("west")).today();
    assert!(
        local_today < sample.today(),
        "the sample's clock reads before 10:00 UTC"
    );
    let revised = west
        .revise_opportunity(
            opportunity,
            Revision::new().expected_close(local_today),
            &user("west"),
        )
        .unwrap();
    assert_eq!(revised.expected_close(), local_today);
}

#[test]
fn revise_proposal_in_negotiation_replaces_the_amount_and_keeps_the_stage() {
    let sample = Sample::new(52);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let contact = contact_of(&crm, &sample, &user("ana"));
    let opportunity = qualified(&crm, &sample, &contact);
    let opportunity = crm.propose(opportunity, sample.proposal(), me).unwrap();
    let before = opportunity.amount();
    let opportunity = crm
        .negotiate(opportunity, sample.note("price"), me)
        .unwrap();
    let revised = SentProposal::new(
        sample.summary("Discounted"),
        sample.eur(31_000),
        sample.today(),
    )
    .unwrap();
    let opportunity: Versioned<Opportunity<Negotiation>> = crm
        .revise_proposal(opportunity, revised.clone(), me)
        .unwrap();
    assert_eq!(opportunity.stage(), OpportunityStage::Negotiation);
    assert_eq!(opportunity.amount(), sample.eur(31_000));
    assert_eq!(opportunity.proposal(), Some(&revised));
    let stored = crm
        .load::<Opportunity<Negotiation>>(opportunity.id(), &prospect::testkit::reader())
        .unwrap();
    match stored.history().last().unwrap().evidence() {
        OpportunityEvidence::ProposalRevised {
            previous_amount,
            proposal,
        } => {
            assert_eq!(*previous_amount, before);
            assert_eq!(proposal, &revised);
        }
        other => panic!("expected a revised proposal, found {other:?}"),
    }
}

#[test]
fn reassign_after_a_win_leaves_the_closer_credited_in_the_report() {
    let sample = Sample::new(53);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let (ana, bob) = (user("ana"), user("bob"));
    let contact = contact_of(&crm, &sample, &ana);
    let won = qualified(&crm, &sample, &contact);
    // Qualified by ana, handed to bob to close.
    let won = crm
        .reassign_opportunity(won, Some(bob.clone()), Some(sample.note("closer")), me)
        .unwrap();
    let won = crm.propose(won, sample.proposal(), me).unwrap();
    let won = crm.negotiate(won, sample.note("terms"), me).unwrap();
    let won = crm
        .enter_contracting(won, sample.terms(), sample.incumbent(), me)
        .unwrap();
    let won = crm.win(won, sample.contract(30_000), me).unwrap();
    let open = qualified(&crm, &sample, &contact);
    // Bob takes the contact with its open records, then hands it all to ana: the won deal,
    // closed while bob owned it, stays bob's.
    let contact = crm
        .load::<Contact>(contact.id(), &prospect::testkit::reader())
        .unwrap();
    let handed = crm
        .reassign_contact(contact, Some(bob.clone()), Cascade::OpenRecords, None, me)
        .unwrap();
    let ids = |h: &HandedOver| h.opportunities.iter().map(|o| o.id()).collect::<Vec<_>>();
    assert_eq!(
        ids(&handed),
        vec![open.id()],
        "ana's open opportunity goes to bob"
    );
    let handed = crm
        .reassign_contact(
            handed.contact,
            Some(ana.clone()),
            Cascade::OpenRecords,
            None,
            me,
        )
        .unwrap();
    assert_eq!(
        ids(&handed),
        vec![open.id()],
        "bob's open opportunity goes to ana; the won one stays with its owner at close"
    );
    let report = PipelineReport::from_records(&everything(crm.store()));
    let owners: Vec<(Option<String>, u64)> = report
        .by_owner()
        .map(|(o, b)| (o.map(|u| u.as_str().to_owned()), b.won))
        .collect();
    assert!(
        owners.contains(&(Some("bob".to_owned()), 1)),
        "the win is credited to bob, its owner at close: {owners:?}"
    );
    let stored = crm
        .load::<Opportunity<state::Won>>(won.opportunity.id(), &prospect::testkit::reader())
        .unwrap();
    assert_eq!(stored.owner(), Some(&bob));
}

#[test]
fn reassign_keeps_a_deal_rotting_and_an_erased_contact_cannot_be_corrected() {
    let sample = Sample::new(54);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let contact = contact_of(&crm, &sample, &user("ana"));
    let opportunity = qualified(&crm, &sample, &contact);
    sample.clock().advance(TimeDelta::days(12));
    crm.reassign_opportunity(opportunity, Some(user("bob")), None, me)
        .unwrap();
    let policy = StalePolicy::new().stale_after::<Discovery>(Duration::from_secs(10 * 86_400));
    let stale = find_stale(&everything(crm.store()), &policy, sample.clock().now());
    assert_eq!(
        stale.len(),
        1,
        "a hand-off does not reset the clock: {stale:?}"
    );
    let contact = crm
        .load::<Contact>(contact.id(), &prospect::testkit::reader())
        .unwrap();
    let erased = crm.erase_contact(contact, me).unwrap().contact;
    let details = erased.details().clone();
    match crm.correct_contact(erased, details, None, me) {
        Err(CrmError::ContactErased { .. }) => {}
        other => panic!("expected an erased contact to be refused, got {other:?}"),
    }
}

#[test]
fn no_new_work_is_about_an_erased_contact_or_its_records() {
    let sample = Sample::new(55);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let contact = contact_of(&crm, &sample, &user("ana"));
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let erased = crm.erase_contact(contact, me).unwrap();
    let lead = crm
        .load::<Lead<state::New>>(lead.id(), &prospect::testkit::reader())
        .unwrap();
    let call = || ActivityDetails::new(ActivityKind::Call, sample.summary("Hello"));
    let todo = || TaskDetails::new(sample.summary("Call"), me.clone(), Due::On(sample.today()));
    let refused = |result: Result<(), CrmError<std::convert::Infallible>>, what: &str| {
        assert!(
            matches!(result, Err(CrmError::ContactErased { .. })),
            "{what}: expected the erased contact to be refused, got {result:?}"
        );
    };
    refused(
        crm.open_lead(&erased.contact, sample.interest(), me)
            .map(drop),
        "a lead",
    );
    refused(
        crm.log_activity_on_contact(&erased.contact, call(), me)
            .map(drop),
        "an activity on the contact",
    );
    refused(
        crm.log_activity(lead.id(), call(), me).map(drop),
        "an activity on its lead, by id",
    );
    refused(
        crm.add_task_on_lead(&lead, todo(), me).map(drop),
        "a task on its lead",
    );
}
