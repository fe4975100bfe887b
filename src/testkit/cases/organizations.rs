//! Organizations: duplicates refused (or reused) by domain, race-free; the domain index follows
//! corrections; contacts listed by the organization they belong to, which a link, an unlink or
//! an erasure moves.

use super::*;
use crate::contact::Contact;
use crate::crm::OrganizationOutcome;
use crate::organization::{Domain, Organization, OrganizationDetails};
use crate::text::OrganizationName;

#[track_caller]
fn domain(text: &str) -> Domain {
    Domain::new(text).must()
}

#[track_caller]
fn details(name: &str, domains: &[&str]) -> OrganizationDetails {
    let mut details = OrganizationDetails::new(OrganizationName::new(name).must());
    details.domains = domains.iter().map(|d| domain(d)).collect();
    details
}

/// Through the facade, an organization with a domain another has (in any spelling) is refused,
/// naming the first, and writes nothing, or the first is returned when reusing; correcting an
/// organization to a domain another has is refused too; a domain an organization gives up is
/// free again; the stores find organizations by domain, in id order.
pub fn organizations_are_refused_or_reused_by_domain<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(39);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = crm
        .create_organization(
            details("Acme", &["acme.example", "acme.test"]),
            OnDuplicate::Refuse,
            me,
        )
        .must()
        .into_organization();
    let again = details("Acme SA", &["WWW.ACME.EXAMPLE"]);
    match crm.create_organization(again.clone(), OnDuplicate::Refuse, me) {
        Err(CrmError::DuplicateOrganization { existing }) => assert_eq!(
            existing,
            acme.id(),
            "organizations_are_refused_or_reused_by_domain: expected `existing` to equal `acme.id()`"
        ),
        other => panic!("expected a duplicate organization, got {other:?}"),
    }
    let reused = crm
        .create_organization(again, OnDuplicate::Reuse, me)
        .must();
    assert!(
        matches!(&reused, OrganizationOutcome::Matched(o) if o.id() == acme.id()),
        "expected the existing organization, got {reused:?}"
    );
    let found = store
        .find_organizations_by_domain(&domain("acme.test"))
        .must();
    assert_eq!(
        found,
        vec![acme.clone()],
        "organizations_are_refused_or_reused_by_domain: expected `found` to equal `vec![acme.clone()]`"
    );
    let globex = crm
        .create_organization(
            details("Globex", &["globex.example"]),
            OnDuplicate::Refuse,
            me,
        )
        .must()
        .into_organization();
    let taken = details("Globex", &["globex.example", "acme.test"]);
    match crm.correct_organization(globex.clone(), taken, None, me) {
        Err(CrmError::DuplicateOrganization { existing }) => assert_eq!(
            existing,
            acme.id(),
            "organizations_are_refused_or_reused_by_domain: expected `existing` to equal `acme.id()`"
        ),
        other => panic!("expected a duplicate organization, got {other:?}"),
    }
    // Acme gives up acme.test: Globex may take it, and is found by it.
    let acme = crm
        .correct_organization(acme, details("Acme", &["acme.example"]), None, me)
        .must();
    assert!(
        store
            .find_organizations_by_domain(&domain("acme.test"))
            .must()
            .is_empty(),
        "expected a domain given up to find no organization"
    );
    let globex = crm
        .correct_organization(
            globex,
            details("Globex", &["globex.example", "acme.test"]),
            None,
            me,
        )
        .must();
    assert_eq!(
        store
            .find_organizations_by_domain(&domain("acme.test"))
            .must(),
        vec![globex.clone()],
        "organizations_are_refused_or_reused_by_domain: expected `store .find_organizations_by_domain(&domain(\"acme.test\")) .must()` to equal `vec![globex.clone()]`"
    );
    assert_eq!(
        store
            .find_organizations_by_domain(&domain("acme.example"))
            .must(),
        vec![acme],
        "organizations_are_refused_or_reused_by_domain: expected `store .find_organizations_by_domain(&domain(\"acme.example\")) .must()` to equal `vec![acme]`"
    );
    // Written without the requirement, two organizations may share a domain: both are found,
    // in id order.
    let ctx = sample.ctx();
    let mut batch = Batch::new();
    let twins: Vec<Organization> = (0..2)
        .map(|_| Organization::create(details("Twin", &["twin.example"]), &ctx).must())
        .collect();
    for twin in &twins {
        batch.create(twin.clone()).must();
    }
    commit(&store, batch);
    let mut ids: Vec<_> = twins.iter().map(Organization::id).collect();
    ids.sort();
    let found: Vec<_> = store
        .find_organizations_by_domain(&domain("twin.example"))
        .must()
        .iter()
        .map(|o| o.id())
        .collect();
    assert_eq!(
        found, ids,
        "expected every organization with the domain, in id order"
    );
}

/// Four threads create an organization with the same domain through the facade, refusing
/// duplicates: one organization has it at the end.
pub fn racing_duplicate_organizations_create_one<S: Store + Sync>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(40);
    let crm = sample.crm(&store);
    let created: usize = race(|n, barrier| {
        let name = format!("Racer {n}");
        barrier.wait();
        match crm.create_organization(
            details(&name, &["race.example"]),
            OnDuplicate::Refuse,
            sample.actor(),
        ) {
            Ok(outcome) => usize::from(outcome.is_created()),
            Err(CrmError::DuplicateOrganization { .. }) => 0,
            Err(e) => panic!("{e}"),
        }
    })
    .into_iter()
    .sum();
    assert_eq!(
        created, 1,
        "expected one of four racing creations to succeed, found {created}"
    );
    let found = store
        .find_organizations_by_domain(&domain("race.example"))
        .must();
    assert_eq!(found.len(), 1, "expected one organization with the domain");
}

/// An organization's contacts are listed by it ([`Query::of_organization`]), in id order, a
/// page at a time: a link adds a contact, an unlink and an erasure take it away; the
/// organization itself is left by the erasure.
pub fn contacts_are_listed_by_organization<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(41);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = crm
        .create_organization(details("Acme", &["acme.example"]), OnDuplicate::Refuse, me)
        .must()
        .into_organization();
    let mut members = Vec::new();
    let mut contacts = Vec::new();
    for n in 0..5 {
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .must()
            .into_contact();
        let contact = if n % 2 == 0 {
            let linked = crm.link_contact(contact, &acme, me).must();
            members.push(RecordId::from(linked.id()));
            linked
        } else {
            contact
        };
        contacts.push(contact);
    }
    members.sort();
    let query = Query::of_kind(RecordKind::Contact).of_organization(acme.id());
    for limit in [1, 2, 100] {
        assert_eq!(
            page_through(&store, &query, limit, &mut || {}),
            members,
            "expected the organization's contacts (pages of {limit}), in id order"
        );
    }
    let leaving = contacts.remove(0);
    crm.unlink_contact(leaving.clone(), me).must();
    let erased = contacts.remove(1);
    crm.erase_contact(erased.clone(), me).must();
    members.retain(|id| *id != RecordId::from(leaving.id()) && *id != RecordId::from(erased.id()));
    assert_eq!(
        page_through(&store, &query, 2, &mut || {}),
        members,
        "expected an unlinked and an erased contact to leave the listing"
    );
    let stored = crm
        .load::<Contact>(erased.id(), &crate::testkit::reader())
        .must();
    assert_eq!(
        stored.organization(),
        None,
        "an erased contact keeps no link"
    );
    assert_eq!(
        crm.load::<Organization>(acme.id(), &crate::testkit::reader())
            .must(),
        acme,
        "the erasure leaves the organization"
    );
}

/// The organization steps through [`AsyncCrm`](crate::AsyncCrm): create (refusing and
/// reusing a duplicate), correct, link and unlink a contact.
pub fn async_organizations_through_the_facade<S: AsyncStore>(new: impl Fn() -> S) {
    let sample = Sample::new(42);
    let crm = sample.async_crm(new());
    let me = sample.actor();
    block_on(async {
        let acme = crm
            .create_organization(details("Acme", &["acme.example"]), OnDuplicate::Refuse, me)
            .await
            .must()
            .into_organization();
        let duplicate = crm
            .create_organization(details("Acme", &["acme.example"]), OnDuplicate::Refuse, me)
            .await;
        assert!(
            matches!(duplicate, Err(CrmError::DuplicateOrganization { existing }) if existing == acme.id()),
            "expected a duplicate, got {duplicate:?}"
        );
        let reused = crm
            .create_organization(details("Acme", &["acme.example"]), OnDuplicate::Reuse, me)
            .await
            .must();
        assert!(
            !reused.is_created(),
            "async_organizations_through_the_facade: expected `!reused.is_created()`"
        );
        let acme = crm
            .correct_organization(acme, details("Acme SA", &["acme.example"]), None, me)
            .await
            .must();
        assert_eq!(
            acme.name().as_str(),
            "Acme SA",
            "async_organizations_through_the_facade: expected `acme.name().as_str()` to equal `\"Acme SA\"`"
        );
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .await
            .must()
            .into_contact();
        let contact = crm.link_contact(contact, &acme, me).await.must();
        assert_eq!(
            contact.organization(),
            Some(acme.id()),
            "async_organizations_through_the_facade: expected `contact.organization()` to equal `Some(acme.id())`"
        );
        let contact = crm.unlink_contact(contact, me).await.must();
        assert_eq!(
            contact.organization(),
            None,
            "async_organizations_through_the_facade: expected `contact.organization()` to equal `None`"
        );
    });
}

/// A win for a contact of an organization goes to the organization's account (one per
/// organization, of the organization's id): the first opens it, a win for another of its
/// contacts adds to it; the account is listed by the organization; a contact of no
/// organization gets an account of its own.
pub fn winning_for_an_organization_reuses_its_account<S: Store>(new: impl Fn() -> S) {
    use crate::account::Account;
    use crate::id::AccountId;
    let store = new();
    let sample = Sample::new(43);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = crm
        .create_organization(details("Acme", &["acme.example"]), OnDuplicate::Refuse, me)
        .must()
        .into_organization();
    let win = |contact: &crate::store::Versioned<Contact>| {
        let lead = crm.open_lead(contact, sample.interest(), me).must();
        let lead = crm.log_touch(lead, sample.touch(), me).must();
        let o = crm
            .qualify(lead, sample.qualification(), me)
            .must()
            .opportunity;
        let o = crm.propose(o, sample.proposal(), me).must();
        let o = crm.negotiate(o, sample.note("price"), me).must();
        let o = crm
            .enter_contracting(o, sample.terms(), sample.incumbent(), me)
            .must();
        crm.win(o, sample.contract(10_000), me).must()
    };
    let member = || {
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .must()
            .into_contact();
        crm.link_contact(contact, &acme, me).must()
    };
    let first = win(&member());
    assert_eq!(
        first.account.id(),
        AccountId::of_organization(acme.id()),
        "winning_for_an_organization_reuses_its_account: expected `first.account.id()` to equal `AccountId::of_organization(acme.id())`"
    );
    assert_eq!(
        first.account.organization(),
        Some(acme.id()),
        "winning_for_an_organization_reuses_its_account: expected `first.account.organization()` to equal `Some(acme.id())`"
    );
    let second = win(&member());
    assert_eq!(
        second.account.id(),
        first.account.id(),
        "expected a second contact's win to go to the organization's account"
    );
    assert_eq!(
        second.account.wins().len(),
        2,
        "winning_for_an_organization_reuses_its_account: expected `second.account.wins().len()` to equal `2`"
    );
    let stored = crm
        .load::<Account>(first.account.id(), &crate::testkit::reader())
        .must();
    assert_eq!(
        stored.wins().len(),
        2,
        "winning_for_an_organization_reuses_its_account: expected `stored.wins().len()` to equal `2`"
    );
    let query = Query::of_kind(RecordKind::Account).of_organization(acme.id());
    assert_eq!(
        page_through(&store, &query, 10, &mut || {}),
        vec![RecordId::from(first.account.id())],
        "expected the organization's one account"
    );
    let mut won: Vec<_> = crm
        .opportunities_of_organization(acme.id(), &crate::testkit::reader())
        .must()
        .iter()
        .map(|o| o.id())
        .collect();
    won.sort();
    let mut expected = vec![first.opportunity.id(), second.opportunity.id()];
    expected.sort();
    assert_eq!(
        won, expected,
        "expected the organization's opportunities, by index"
    );
    let person = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let own = win(&person);
    assert_ne!(
        own.account.id(),
        first.account.id(),
        "winning_for_an_organization_reuses_its_account: expected `own.account.id()` to differ from `first.account.id()`"
    );
    assert_eq!(own.account.organization(), None, "a person's account");
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
}
