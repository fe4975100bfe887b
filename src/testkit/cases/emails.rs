//! Contacts by email: look-ups, the required-absent email and its conflict, duplicates through the facade.

use super::*;

/// Email lookup matches the normalised address: case and surrounding spaces do not matter, and
/// other addresses are not found.
pub fn email_lookup_ignores_case_and_spaces<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(10);
    let details = sample
        .contact_details()
        .with_email(sample.email("Jeanne.Martin@Acme.example"));
    let contact = crate::contact::Contact::create(details, &sample.ctx());
    create(&store, contact.clone());
    create(&store, sample.contact());
    for query in [
        "jeanne.martin@acme.example",
        "  JEANNE.MARTIN@ACME.EXAMPLE  ",
        "Jeanne.Martin@Acme.example",
    ] {
        let found = store.find_contacts_by_email(&sample.email(query)).must();
        assert_eq!(found.len(), 1, "{query:?}");
        assert_eq!(
            *found[0], contact,
            "email_lookup_ignores_case_and_spaces: expected `*found[0]` to equal `contact`"
        );
        assert_eq!(
            found[0].version(),
            Version::FIRST,
            "email_lookup_ignores_case_and_spaces: expected `found[0].version()` to equal `Version::FIRST`"
        );
    }
    let none = store
        .find_contacts_by_email(&sample.email("jeanne.martin@acme.example.org"))
        .must();
    assert!(
        none.is_empty(),
        "expected `none.is_empty()`, found it false"
    );
}

/// Several contacts with one address are found together, in ascending id order, each at its
/// version.
pub fn email_lookup_returns_every_match_in_id_order<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(28);
    let mut ids = Vec::new();
    for (i, address) in ["same@example.com", "SAME@example.com", " same@EXAMPLE.com"]
        .iter()
        .enumerate()
    {
        let details = sample.contact_details().with_email(sample.email(address));
        let contact = crate::contact::Contact::create(details, &sample.ctx());
        ids.push(contact.id());
        create(&store, contact.clone());
        if i == 1 {
            // One of them updated, so that versions differ.
            let mut batch = Batch::new();
            batch.update(contact, Version::FIRST).expect("one write");
            commit(&store, batch);
        }
        create(&store, sample.contact());
    }
    ids.sort();
    let found = store
        .find_contacts_by_email(&sample.email("same@example.com"))
        .must();
    let found_ids: Vec<_> = found.iter().map(|c| c.id()).collect();
    assert_eq!(
        found_ids, ids,
        "expected the three contacts with the address in ascending id order, found {found_ids:?}"
    );
    for c in &found {
        let stored = load(&store, RecordId::Contact(c.id())).expect("stored");
        assert_eq!(
            c.version(),
            stored.version(),
            "{}: expected the stored version, found another",
            c.id()
        );
    }
}

/// The conflict of a required-absent email names the existing contact with the smallest id, as
/// [`Conflict::email_taken`] does: expected absent, found at its version.
pub fn duplicate_email_conflict_names_the_first_contact<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(29);
    let mut existing = Vec::new();
    for _ in 0..3 {
        let details = sample
            .contact_details()
            .with_email(sample.email("taken@example.com"));
        let contact = crate::contact::Contact::create(details, &sample.ctx());
        existing.push((contact.id(), contact.clone()));
        create(&store, contact);
    }
    existing.sort_by_key(|(id, _)| *id);
    let (first, contact) = existing[0].clone();
    let mut batch = Batch::new();
    batch.update(contact, Version::FIRST).expect("one write");
    commit(&store, batch);
    let mut batch = Batch::new();
    batch.require_no_contact_with(&sample.email("Taken@Example.com"));
    batch.create(sample.contact()).expect("one write");
    let c = conflict::<S>(store.commit(batch));
    let expected = Conflict::email_taken(first, Version::new(2).expect("not 0"));
    assert_eq!(
        c, expected,
        "expected {expected} (the contact with the smallest id), found {c}"
    );
}

/// A batch that requires no contact with an address conflicts, writing nothing, when one
/// exists (whatever the case).
pub fn absent_email_requirement_conflicts<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(11);
    let details = sample
        .contact_details()
        .with_email(sample.email("dup@example.com"));
    let first = crate::contact::Contact::create(details.clone(), &sample.ctx());
    create(&store, first.clone());
    let second = crate::contact::Contact::create(
        details.with_email(sample.email("DUP@example.com")),
        &sample.ctx(),
    );
    let mut batch = Batch::new();
    batch.require_no_contact_with(&sample.email("Dup@Example.com"));
    batch.create(second.clone()).expect("one write");
    let c = conflict::<S>(store.commit(batch));
    assert_eq!(
        c.record,
        RecordId::Contact(first.id()),
        "expected the conflict to name the existing contact, found {c}"
    );
    assert!(
        load(&store, RecordId::Contact(second.id())).is_none(),
        "expected the new contact not to be written, found it stored"
    );
}

/// Four threads create a contact with the same address through the facade, refusing
/// duplicates: one contact exists at the end.
pub fn racing_duplicate_contacts_create_one<S: Store + Sync>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(12);
    let crm = sample.crm(&store);
    let created: usize = race(|_, barrier| {
        let details = sample
            .contact_details()
            .with_email(sample.email("race@example.com"));
        barrier.wait();
        match crm.create_contact(details, OnDuplicate::Refuse, sample.actor()) {
            Ok(outcome) => usize::from(outcome.is_created()),
            Err(CrmError::DuplicateContact { .. }) => 0,
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
        .find_contacts_by_email(&sample.email("race@example.com"))
        .must();
    assert_eq!(
        found.len(),
        1,
        "expected one contact with the address, found {}",
        found.len()
    );
}

/// Through the facade, a second contact with the same (normalised) address is refused, naming
/// the first and writing nothing, or the first is returned when reusing; a contact without an
/// address is never a duplicate.
pub fn facade_refuses_or_reuses_duplicate_contacts<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(21);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let with = |address: &str| sample.contact_details().with_email(sample.email(address));
    let first = crm
        .create_contact(with("dup@example.com"), OnDuplicate::Refuse, me)
        .must();
    assert!(
        first.is_created(),
        "expected `first.is_created()`, found it false"
    );
    let first = first.into_contact();
    let before = snapshot(&store).must();
    match crm.create_contact(with(" DUP@Example.com "), OnDuplicate::Refuse, me) {
        Err(CrmError::DuplicateContact { existing }) => assert_eq!(
            existing,
            first.id(),
            "facade_refuses_or_reuses_duplicate_contacts: expected `existing` to equal `first.id()`"
        ),
        other => panic!("a duplicate must be refused, naming the first contact: {other:?}"),
    }
    assert!(
        snapshot(&store).must() == before,
        "a refused duplicate writes nothing"
    );
    match crm
        .create_contact(with("dup@EXAMPLE.com"), OnDuplicate::Reuse, me)
        .must()
    {
        ContactOutcome::Matched(existing) => {
            assert_eq!(
                existing.id(),
                first.id(),
                "facade_refuses_or_reuses_duplicate_contacts: expected `existing.id()` to equal `first.id()`"
            );
            assert_eq!(
                existing.version(),
                first.version(),
                "facade_refuses_or_reuses_duplicate_contacts: expected `existing.version()` to equal `first.version()`"
            );
        }
        other => panic!("reusing must return the first contact: {other:?}"),
    }
    assert!(
        snapshot(&store).must() == before,
        "a reused contact writes nothing"
    );
    let created = crm
        .create_contact(with("other@example.com"), OnDuplicate::Reuse, me)
        .must();
    assert!(
        created.is_created(),
        "a new address is created when reusing"
    );
    let mut anonymous = sample.contact_details();
    anonymous.email = None;
    for _ in 0..2 {
        let outcome = crm
            .create_contact(anonymous.clone(), OnDuplicate::Refuse, me)
            .must();
        assert!(
            outcome.is_created(),
            "without an address, never a duplicate"
        );
    }
}
