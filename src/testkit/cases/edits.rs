//! Edits and hand-offs through the facade: a corrected email address moves in the email index,
//! race-free; a hand-off moves records between owners' listings, and leaves closed records with
//! their owner at close; revisions and overrides read back with their values before and after.

use super::*;
use crate::account::Account;
use crate::command::Cascade;
use crate::crm::HandedOver;
use crate::opportunity::{Opportunity, OpportunityEvidence, Revision};
use crate::record::AnyOpportunity;
use crate::state::{Discovery, Proposal};
use crate::text::User;

#[track_caller]
fn user(name: &str) -> User {
    match User::new(name) {
        Ok(user) => user,
        Err(e) => panic!("{e}"),
    }
}

/// The ids of `owner`'s records of `kind`, in id order.
#[track_caller]
fn owned<S: Store>(store: &S, kind: RecordKind, owner: &User) -> Vec<RecordId> {
    let query = Query::of_kind(kind).owned_by(owner.clone());
    page_through(store, &query, 2, &mut || {})
}

/// A contact's corrected email address is found and its old one no longer is; correcting a
/// contact to an address another contact has is refused, naming that contact, and writes
/// nothing; a correction that keeps the address needs no check.
pub fn corrected_email_moves_the_email_index<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(31);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = |details| {
        crm.create_contact(details, OnDuplicate::Refuse, me)
            .must()
            .into_contact()
    };
    let first = contact(sample.contact_details());
    let second = contact(sample.contact_details());
    let old = first.email().cloned().expect("the sample has an address");
    let new_address = sample.email("moved@example.com");
    let details = crate::contact::ContactDetails {
        email: Some(new_address.clone()),
        ..first.details().clone()
    };
    let first = crm
        .correct_contact(first, details, Some(sample.note("new job")), me)
        .must();
    assert_eq!(first.version().get(), 2, "expected one update");
    let found = |email| store.find_contacts_by_email(email).must();
    assert!(
        found(&old).is_empty(),
        "expected the old address to find no contact once corrected"
    );
    assert_eq!(
        found(&new_address),
        vec![first.clone()],
        "expected the new address to find the corrected contact"
    );
    let stored = crm
        .load::<crate::contact::Contact>(first.id(), &crate::testkit::reader())
        .must();
    let correction = stored.corrections().last().expect("one correction");
    assert_eq!(
        correction.details().before().email.as_ref(),
        Some(&old),
        "corrected_email_moves_the_email_index: expected `correction.details().before().email.as_ref()` to equal `Some(&old)`"
    );
    assert_eq!(
        correction.details().after().email.as_ref(),
        Some(&new_address),
        "corrected_email_moves_the_email_index: expected `correction.details().after().email.as_ref()` to equal `Some(&new_address)`"
    );
    let taken = crate::contact::ContactDetails {
        email: first.email().cloned(),
        ..second.details().clone()
    };
    match crm.correct_contact(second.clone(), taken, None, me) {
        Err(CrmError::DuplicateContact { existing }) => assert_eq!(
            existing,
            first.id(),
            "expected the duplicate to name the contact with the address"
        ),
        other => panic!("expected a duplicate contact, got {other:?}"),
    }
    assert_eq!(
        crm.load::<crate::contact::Contact>(second.id(), &crate::testkit::reader())
            .must(),
        second,
        "expected a refused correction to write nothing"
    );
    let renamed = crate::contact::ContactDetails {
        owner: Some(user("cid")),
        ..first.details().clone()
    };
    let first = crm.correct_contact(first, renamed, None, me).must();
    assert_eq!(
        found(&new_address),
        vec![first],
        "corrected_email_moves_the_email_index: expected `found(&new_address)` to equal `vec![first]`"
    );
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
}

/// Four threads each correct their own contact to one new address: one of them has it at the
/// end, the others are refused as duplicates.
pub fn racing_email_corrections_give_the_address_once<S: Store + Sync>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(32);
    let crm = sample.crm(&store);
    let contacts: Vec<_> = (0..4)
        .map(|_| {
            crm.create_contact(
                sample.contact_details(),
                OnDuplicate::Refuse,
                sample.actor(),
            )
            .must()
            .into_contact()
        })
        .collect();
    let address = sample.email("contested@example.com");
    let corrected: usize = race(|n, barrier| {
        let contact = contacts[n].clone();
        let details = crate::contact::ContactDetails {
            email: Some(address.clone()),
            ..contact.details().clone()
        };
        barrier.wait();
        match crm.correct_contact(contact, details, None, sample.actor()) {
            Ok(_) => 1,
            Err(CrmError::DuplicateContact { .. }) => 0,
            Err(e) => panic!("{e}"),
        }
    })
    .into_iter()
    .sum();
    assert_eq!(
        corrected, 1,
        "expected one of four racing corrections to succeed, found {corrected}"
    );
    let found = store.find_contacts_by_email(&address).must();
    assert_eq!(
        found.len(),
        1,
        "expected one contact with the address, found {}",
        found.len()
    );
}

/// A contact handed over with its open records moves them to the new owner's listings, and
/// leaves its closed opportunity (and any record of another owner) where it was: reports
/// credit the owner at close. Leads, opportunities and accounts handed over alone move too,
/// and every hand-off reads back from its record's history.
pub fn reassign_moves_records_between_owners<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(33);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let (ana, bob, cid) = (user("ana"), user("bob"), user("cid"));
    let details = sample.contact_details().with_owner(ana.clone());
    let contact = crm
        .create_contact(details, OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    // A won opportunity, an open one, an open lead of ana's, and an open lead of cid's.
    let qualified = |lead| crm.qualify(lead, sample.qualification(), me).must();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let won = qualified(lead).opportunity;
    let won = crm.propose(won, sample.proposal(), me).must();
    let won = crm.negotiate(won, sample.note("price"), me).must();
    let won = crm
        .enter_contracting(won, sample.terms(), sample.incumbent(), me)
        .must();
    let won = crm.win(won, sample.contract(30_000), me).must();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let open: Versioned<Opportunity<Discovery>> = qualified(lead).opportunity;
    let open_lead = crm.open_lead(&contact, sample.interest(), me).must();
    let others = crm.open_lead(&contact, sample.interest(), me).must();
    let others = crm
        .reassign_lead(others, Some(cid.clone()), None, me)
        .must();
    let HandedOver {
        contact,
        leads,
        opportunities,
    } = crm
        .reassign_contact(
            contact,
            Some(bob.clone()),
            Cascade::OpenRecords,
            Some(sample.note("ana moved to key accounts")),
            me,
        )
        .must();
    assert_eq!(
        contact.owner(),
        Some(&bob),
        "reassign_moves_records_between_owners: expected `contact.owner()` to equal `Some(&bob)`"
    );
    assert_eq!(
        leads.iter().map(|l| l.id()).collect::<Vec<_>>(),
        vec![open_lead.id()],
        "expected ana's one open lead to go with the contact"
    );
    assert_eq!(
        opportunities.iter().map(|o| o.id()).collect::<Vec<_>>(),
        vec![open.id()],
        "expected the open opportunity to go with the contact, and the won one to stay"
    );
    let mut expected = vec![RecordId::from(open_lead.id())];
    assert_eq!(
        owned(&store, RecordKind::Lead, &bob),
        expected,
        "reassign_moves_records_between_owners: expected `owned(&store, RecordKind::Lead, &bob)` to equal `expected`"
    );
    assert_eq!(
        owned(&store, RecordKind::Opportunity, &bob),
        vec![RecordId::from(open.id())],
        "reassign_moves_records_between_owners: expected `owned(&store, RecordKind::Opportunity, &bob)` to equal `vec![RecordId::from(open.id())]`"
    );
    assert_eq!(
        owned(&store, RecordKind::Opportunity, &ana),
        vec![RecordId::from(won.opportunity.id())],
        "expected the won opportunity to stay with its owner at close"
    );
    assert_eq!(
        owned(&store, RecordKind::Lead, &cid),
        vec![RecordId::from(others.id())],
        "expected another owner's lead to stay with them"
    );
    let stored = crm
        .load::<Opportunity<Discovery>>(open.id(), &crate::testkit::reader())
        .must();
    let handoff = stored
        .history()
        .last()
        .map(|t| t.evidence())
        .and_then(|e| match e {
            OpportunityEvidence::Reassigned(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the hand-off is the opportunity's last entry");
    assert_eq!(
        handoff.owner().before().as_ref(),
        Some(&ana),
        "reassign_moves_records_between_owners: expected `handoff.owner().before().as_ref()` to equal `Some(&ana)`"
    );
    assert_eq!(
        handoff.owner().after().as_ref(),
        Some(&bob),
        "reassign_moves_records_between_owners: expected `handoff.owner().after().as_ref()` to equal `Some(&bob)`"
    );
    assert_eq!(
        handoff.reason().map(|n| n.as_str()),
        Some("ana moved to key accounts"),
        "reassign_moves_records_between_owners: expected `handoff.reason().map(|n| n.as_str())` to equal `Some(\"ana moved to key accounts\")`"
    );
    assert_eq!(
        stored.stage(),
        OpportunityStage::Discovery,
        "reassign_moves_records_between_owners: expected `stored.stage()` to equal `OpportunityStage::Discovery`"
    );
    // Alone: the opportunity back to ana, the account to cid.
    let open = crm
        .reassign_opportunity(stored, Some(ana.clone()), None, me)
        .must();
    expected.clear();
    assert_eq!(
        owned(&store, RecordKind::Opportunity, &bob),
        expected,
        "reassign_moves_records_between_owners: expected `owned(&store, RecordKind::Opportunity, &bob)` to equal `expected`"
    );
    assert_eq!(
        open.owner(),
        Some(&ana),
        "reassign_moves_records_between_owners: expected `open.owner()` to equal `Some(&ana)`"
    );
    let account = crm
        .reassign_account(won.account, Some(cid.clone()), None, me)
        .must();
    let stored = crm
        .load::<Account>(account.id(), &crate::testkit::reader())
        .must();
    assert_eq!(
        stored.owner(),
        Some(&cid),
        "reassign_moves_records_between_owners: expected `stored.owner()` to equal `Some(&cid)`"
    );
    assert_eq!(
        stored.handoffs().len(),
        1,
        "reassign_moves_records_between_owners: expected `stored.handoffs().len()` to equal `1`"
    );
    assert_eq!(
        stored.handoffs()[0]
            .reassignment()
            .owner()
            .before()
            .as_ref(),
        Some(&ana),
        "reassign_moves_records_between_owners: expected `stored.handoffs()[0] .reassignment() .owner() .before() .as_ref()` to equal `Some(&ana)`"
    );
    assert_eq!(
        owned(&store, RecordKind::Account, &cid),
        vec![RecordId::from(account.id())],
        "reassign_moves_records_between_owners: expected `owned(&store, RecordKind::Account, &cid)` to equal `vec![RecordId::from(account.id())]`"
    );
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
}

/// A revision (name, amount, expected close), a revised proposal and an override read back as
/// written, in the same stage, with the values before and after; a stale copy of the
/// opportunity is refused after them.
pub fn revise_and_override_read_back<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(34);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let opportunity = crm
        .qualify(lead, sample.qualification(), me)
        .must()
        .opportunity;
    let stale = load(&store, RecordId::from(opportunity.id()))
        .expect("the opportunity is stored")
        .into_parts()
        .0;
    let close = sample.today() + chrono::Days::new(90);
    let revision = Revision::new()
        .name(sample.summary("Forty seats"))
        .amount(sample.eur(42_000))
        .expected_close(close)
        .because(sample.note("two more sites"));
    let opportunity = crm.revise_opportunity(opportunity, revision, me).must();
    let opportunity = crm.propose(opportunity, sample.proposal(), me).must();
    let revised = crate::opportunity::SentProposal::new(
        sample.summary("Forty-five seats"),
        sample.eur(47_000),
        sample.today(),
    )
    .must();
    let opportunity = crm.revise_proposal(opportunity, revised, me).must();
    let probability = crate::forecast::Probability::new(65).must();
    let opportunity = crm
        .override_probability(opportunity, probability, Some(sample.note("champion")), me)
        .must();
    let stored = crm
        .load::<Opportunity<Proposal>>(opportunity.id(), &crate::testkit::reader())
        .must();
    assert_eq!(stored, opportunity, "expected the edits to read back");
    assert_eq!(
        stored.name().as_str(),
        "Forty seats",
        "revise_and_override_read_back: expected `stored.name().as_str()` to equal `\"Forty seats\"`"
    );
    assert_eq!(
        stored.amount(),
        sample.eur(47_000),
        "revise_and_override_read_back: expected `stored.amount()` to equal `sample.eur(47_000)`"
    );
    assert_eq!(
        stored.expected_close(),
        close,
        "revise_and_override_read_back: expected `stored.expected_close()` to equal `close`"
    );
    assert_eq!(
        stored.probability(),
        probability,
        "revise_and_override_read_back: expected `stored.probability()` to equal `probability`"
    );
    let revision = stored
        .history()
        .iter()
        .find_map(|t| match t.evidence() {
            OpportunityEvidence::Revised(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the revision is in the history");
    assert_eq!(
        revision.amount().map(|a| *a.after()),
        Some(sample.eur(42_000)),
        "revise_and_override_read_back: expected `revision.amount().map(|a| *a.after())` to equal `Some(sample.eur(42_000))`"
    );
    assert_eq!(
        revision.expected_close().map(|d| *d.before()),
        Some(sample.qualification().timeline().decision_date()),
        "revise_and_override_read_back: expected `revision.expected_close().map(|d| *d.before())` to equal `Some(sample.qualification().timeline().decision_date())`"
    );
    let record = Record::from(AnyOpportunity::from(stored.into_parts().0));
    let mut batch = Batch::new();
    batch.update(stale, opportunity.version()).must();
    assert_eq!(
        conflict::<S>(store.commit(batch)).kind,
        crate::store::ConflictKind::StaleHistory,
        "expected a copy from before the edits to be refused at the current version"
    );
    assert_eq!(
        load(&store, record.id()).map(Versioned::into_parts),
        Some((record, opportunity.version())),
        "revise_and_override_read_back: expected `load(&store, record.id()).map(Versioned::into_parts)` to equal `Some((record, opportunity.version()))`"
    );
}

/// The edits through [`AsyncCrm`](crate::AsyncCrm): a contact's address corrected (a taken
/// one refused as a duplicate), the contact handed over with its open lead and opportunity, the
/// opportunity revised, its proposal revised, its forecast overridden and the override
/// cleared, the lead and the account handed over; each reads back.
pub fn async_edits_through_the_facade<S: AsyncStore>(new: impl Fn() -> S) {
    use crate::contact::{Contact, ContactDetails};
    use crate::forecast::ForecastCategory;
    let sample = Sample::new(35);
    let crm = sample.async_crm(new());
    let me = sample.actor();
    let bob = user("bob");
    block_on(async {
        let create = |details| crm.create_contact(details, OnDuplicate::Refuse, me);
        let taken = create(sample.contact_details()).await.must().into_contact();
        let contact = create(sample.contact_details()).await.must().into_contact();
        let details = ContactDetails {
            email: taken.email().cloned(),
            ..contact.details().clone()
        };
        match crm
            .correct_contact(contact.clone(), details, None, me)
            .await
        {
            Err(CrmError::DuplicateContact { existing }) => assert_eq!(
                existing,
                taken.id(),
                "async_edits_through_the_facade: expected `existing` to equal `taken.id()`"
            ),
            other => panic!("expected a duplicate contact, got {other:?}"),
        }
        let details = ContactDetails {
            email: Some(sample.email("new-address@example.com")),
            ..contact.details().clone()
        };
        let contact = crm.correct_contact(contact, details, None, me).await.must();
        let lead = crm.open_lead(&contact, sample.interest(), me).await.must();
        let lead = crm.log_touch(lead, sample.touch(), me).await.must();
        let Qualified { opportunity, .. } =
            crm.qualify(lead, sample.qualification(), me).await.must();
        let open_lead = crm.open_lead(&contact, sample.interest(), me).await.must();
        let handed = crm
            .reassign_contact(contact, Some(bob.clone()), Cascade::OpenRecords, None, me)
            .await
            .must();
        assert_eq!(
            (handed.leads.len(), handed.opportunities.len()),
            (1, 1),
            "expected the open lead and the opportunity to go with the contact"
        );
        let stored = crm
            .store()
            .load(RecordId::from(handed.contact.id()))
            .await
            .must();
        assert_eq!(
            stored.map(|s| s.into_parts().0),
            Some(Record::from(Contact::clone(&handed.contact))),
            "expected the contact to read back"
        );
        let opportunity = crm
            .load::<Opportunity<Discovery>>(opportunity.id(), &crate::testkit::reader())
            .await
            .must();
        assert_eq!(
            opportunity.owner(),
            Some(&bob),
            "async_edits_through_the_facade: expected `opportunity.owner()` to equal `Some(&bob)`"
        );
        let revision = Revision::new().amount(sample.eur(41_000));
        let opportunity = crm
            .revise_opportunity(opportunity, revision, me)
            .await
            .must();
        let opportunity = crm.propose(opportunity, sample.proposal(), me).await.must();
        let revised = crate::opportunity::SentProposal::new(
            sample.summary("revised"),
            sample.eur(39_000),
            sample.today(),
        )
        .must();
        let opportunity = crm.revise_proposal(opportunity, revised, me).await.must();
        let opportunity = crm
            .override_forecast(opportunity, ForecastCategory::Commit, None, me)
            .await
            .must();
        assert_eq!(
            opportunity.forecast_category(),
            ForecastCategory::Commit,
            "async_edits_through_the_facade: expected `opportunity.forecast_category()` to equal `ForecastCategory::Commit`"
        );
        let opportunity = crm.clear_overrides(opportunity, None, me).await.must();
        let stored = crm
            .load::<Opportunity<Proposal>>(opportunity.id(), &crate::testkit::reader())
            .await
            .must();
        assert_eq!(stored, opportunity, "expected the edits to read back");
        assert_eq!(
            stored.amount(),
            sample.eur(39_000),
            "async_edits_through_the_facade: expected `stored.amount()` to equal `sample.eur(39_000)`"
        );
        let lead = crm
            .load::<Lead<New>>(open_lead.id(), &crate::testkit::reader())
            .await
            .must();
        let lead = crm.reassign_lead(lead, None, None, me).await.must();
        assert_eq!(
            lead.owner(),
            None,
            "async_edits_through_the_facade: expected `lead.owner()` to equal `None`"
        );
        let won = crm.negotiate(stored, sample.note("price"), me).await.must();
        let won = crm
            .enter_contracting(won, sample.terms(), sample.incumbent(), me)
            .await
            .must();
        let won = crm.win(won, sample.contract(20_000), me).await.must();
        let account = crm
            .reassign_account(won.account, Some(user("cid")), None, me)
            .await
            .must();
        let stored = crm
            .load::<Account>(account.id(), &crate::testkit::reader())
            .await
            .must();
        assert_eq!(
            stored.owner(),
            Some(&user("cid")),
            "async_edits_through_the_facade: expected `stored.owner()` to equal `Some(&user(\"cid\"))`"
        );
    });
}
