//! The conformance cases. Each takes a constructor of fresh, empty stores and panics (as a test
//! does) when the store breaks the contract of [`Store`].

use std::collections::{BTreeSet, HashSet};
use std::sync::Barrier;
use std::thread;

use crate::crm::{ContactOutcome, CrmError, OnDuplicate};
use crate::lead::Lead;
use crate::record::{AnyLead, Record, RecordId, RecordKind, RecordState};
use crate::state::{LeadStatus, New, OpportunityStage, Working};
use crate::store::{
    AsyncStore, Batch, CommitError, Conflict, MAX_PAGE, Query, Store, Version, Versioned,
};
use crate::testkit::{Sample, block_on, check_consistency, snapshot};

/// Unwraps a result, panicking with the error's message.
trait Must<T> {
    fn must(self) -> T;
}

impl<T, E: std::fmt::Display> Must<T> for Result<T, E> {
    fn must(self) -> T {
        match self {
            Ok(value) => value,
            Err(e) => panic!("{e}"),
        }
    }
}

fn commit<S: Store>(store: &S, batch: Batch) {
    if let Err(e) = store.commit(batch) {
        panic!("commit failed: {e}");
    }
}

fn create<S: Store>(store: &S, record: impl Into<Record>) -> RecordId {
    let record = record.into();
    let id = record.id();
    let mut batch = Batch::new();
    batch.create(record).expect("one write");
    commit(store, batch);
    id
}

/// How many records a scan visited, once it is known to have read every one.
fn complete(scanned: crate::store::Scanned) -> u64 {
    assert!(
        scanned.is_complete(),
        "expected every record to be readable, found unreadable ones: {:?}",
        scanned.unreadable
    );
    scanned.visited
}

fn conflict<S: Store>(result: Result<(), CommitError<S::Error>>) -> Conflict {
    match result {
        Err(CommitError::Conflict(c)) => c,
        Err(CommitError::Store(e)) => panic!("expected a conflict, got a store error: {e}"),
        Ok(()) => panic!("expected a conflict, the commit succeeded"),
    }
}

/// Runs `racer` on four threads at once (each gets its number and a barrier to wait at once it
/// is ready, so that they race), and returns their results in thread order.
fn race<T: Send>(racer: impl Fn(usize, &Barrier) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(4);
    thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (racer, barrier) = (&racer, &barrier);
                s.spawn(move || racer(i, barrier))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    })
}

fn load<S: Store>(store: &S, id: RecordId) -> Option<Versioned<Record>> {
    store.load(id).unwrap_or_else(|e| panic!("load {id}: {e}"))
}

/// Two copies of a typed value, as two clients that read the same record get them: through its
/// snapshot (typed values are not `Clone`).
fn two_copies<T>(value: T) -> (T, T)
where
    T: Into<Record> + TryFrom<Record, Error = crate::record::StateError<Record>>,
{
    let record: Record = value.into();
    let copy = |r: Record| T::try_from(r).unwrap_or_else(|e| panic!("read back: {e}"));
    (copy(record.clone()), copy(record))
}

fn new_lead<S: Store>(store: &S, sample: &Sample) -> Lead<New> {
    let contact = sample.contact();
    create(store, contact.clone());
    let (lead, stored) = two_copies(Lead::open(&contact, sample.interest(), &sample.ctx()));
    create(store, stored);
    lead
}

/// Every record of every kind in every state is stored and loaded back equal, at version 1.
pub fn round_trip_every_state<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let records = Sample::new(1).every_state();
    let states: HashSet<RecordState> = records.iter().map(Record::state).collect();
    assert_eq!(states.len(), 13, "the sample covers every state");
    let mut batch = Batch::new();
    for record in &records {
        batch.create(record.clone()).expect("distinct records");
    }
    commit(&store, batch);
    for record in records {
        let loaded = load(&store, record.id()).expect("the record was stored");
        assert_eq!(loaded.version(), Version::FIRST);
        assert_eq!(*loaded, record, "{} comes back as it went in", record.id());
    }
}

/// Loading an id that was never stored gives `None`, for every kind.
pub fn load_missing_is_none<S: Store>(new: impl Fn() -> S) {
    let store = new();
    create(&store, Sample::new(2).contact());
    for kind in RecordKind::ALL {
        let id = RecordId::from_parts(kind, uuid::Uuid::from_u128(7));
        assert!(load(&store, id).is_none(), "{id}");
    }
}

/// Creating a record that exists is a conflict naming it, expecting no record and finding
/// version 1.
pub fn create_twice_is_a_conflict<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let contact = Sample::new(3).contact();
    let id = create(&store, contact.clone());
    let mut batch = Batch::new();
    batch.create(contact).expect("one write");
    let c = conflict::<S>(store.commit(batch));
    assert_eq!(
        c,
        Conflict {
            record: id,
            expected: None,
            actual: Some(Version::FIRST),
            kind: crate::store::ConflictKind::Version,
        }
    );
}

/// An update at a stale version is a conflict naming both versions, and changes nothing.
pub fn stale_update_is_a_conflict_and_changes_nothing<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(4);
    let (lead, stale_lead) = two_copies(new_lead(&store, &sample));
    let ctx = sample.ctx();
    let working = lead.log_touch(sample.touch(), &ctx);
    let working_id = working.id();
    let mut batch = Batch::new();
    batch.update(working, Version::FIRST).expect("one write");
    commit(&store, batch);
    let lead = stale_lead;
    let before = load(&store, RecordId::Lead(lead.id())).expect("stored");
    let mut stale = Batch::new();
    stale
        .update(
            lead.disqualify(sample.disqualification(), &ctx),
            Version::FIRST,
        )
        .expect("one write");
    let c = conflict::<S>(store.commit(stale));
    assert_eq!(c.record, RecordId::Lead(working_id));
    assert_eq!(
        (c.expected, c.actual),
        (Some(Version::FIRST), Version::new(2))
    );
    assert_eq!(load(&store, RecordId::Lead(working_id)), Some(before));
}

/// Updating a record that does not exist is a conflict (expected a version, found none).
pub fn update_of_a_missing_record_is_a_conflict<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let contact = Sample::new(5).contact();
    let mut batch = Batch::new();
    batch
        .update(contact.clone(), Version::FIRST)
        .expect("one write");
    let c = conflict::<S>(store.commit(batch));
    assert_eq!((c.expected, c.actual), (Some(Version::FIRST), None));
    assert!(
        load(&store, RecordId::Contact(contact.id())).is_none(),
        "expected `load(&store, RecordId::Contact(contact.id())).is_none()`, found it false"
    );
}

/// A batch whose last write conflicts writes none of the others.
pub fn batch_with_one_conflict_writes_nothing<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(6);
    let existing = create(&store, sample.contact());
    let before = snapshot(&store).must();
    let fresh = sample.contact();
    let lead = Lead::open(&fresh, sample.interest(), &sample.ctx());
    let mut batch = Batch::new();
    let lead_id = lead.id();
    batch.create(fresh.clone()).expect("distinct");
    batch.create(lead).expect("distinct");
    let existing_contact = load(&store, existing).expect("stored").into_inner();
    batch
        .update(existing_contact, Version::new(9).expect("not 0"))
        .expect("distinct");
    let c = conflict::<S>(store.commit(batch));
    assert_eq!(c.record, existing);
    assert!(
        load(&store, RecordId::Contact(fresh.id())).is_none(),
        "expected the new contact not to be written, found it stored"
    );
    assert!(
        load(&store, RecordId::Lead(lead_id)).is_none(),
        "expected the new lead not to be written, found it stored"
    );
    assert_eq!(snapshot(&store).must(), before);
}

/// Every update adds one to the version.
pub fn versions_count_updates<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(7);
    let ctx = sample.ctx();
    let lead = new_lead(&store, &sample);
    let id = RecordId::Lead(lead.id());
    let mut current: AnyLead = lead.into();
    for expected in 1..=6u64 {
        let version = load(&store, id).expect("stored").version();
        assert_eq!(version.get(), expected);
        current = match current {
            AnyLead::New(l) => l.log_touch(sample.touch(), &ctx).into(),
            AnyLead::Working(l) => l.nurture(sample.note("later"), &ctx).into(),
            AnyLead::Nurturing(l) => l.resume(sample.touch(), &ctx).into(),
            other => panic!("unexpected {:?}", other.status()),
        };
        let mut batch = Batch::new();
        batch.update(current.clone(), version).expect("one write");
        commit(&store, batch);
    }
    let loaded = load(&store, id).expect("stored");
    assert_eq!(loaded.version().get(), 7);
    assert_eq!(*loaded, Record::Lead(current));
}

/// Four threads update the same record at the same version: exactly one wins, the others get
/// a conflict, and the winner's write is the one stored (no lost update).
pub fn racing_updates_exactly_one_wins<S: Store + Sync>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(8);
    // Each racer reads its own copy of the lead, as a client would.
    let snapshot = Record::from(new_lead(&store, &sample));
    let lead_id = snapshot.id();
    let outcomes: Vec<(usize, Result<(), Conflict>)> = race(|i, barrier| {
        let ctx = sample.ctx();
        let lead = Lead::<New>::try_from(snapshot.clone()).unwrap_or_else(|e| panic!("{e}"));
        let next: AnyLead = if i % 2 == 0 {
            lead.log_touch(sample.touch(), &ctx).into()
        } else {
            lead.disqualify(sample.disqualification(), &ctx).into()
        };
        let mut batch = Batch::new();
        batch.update(next, Version::FIRST).expect("one write");
        barrier.wait();
        let result = match store.commit(batch) {
            Ok(()) => Ok(()),
            Err(CommitError::Conflict(c)) => Err(c),
            Err(CommitError::Store(e)) => panic!("store error: {e}"),
        };
        (i, result)
    });
    let winners: Vec<usize> = outcomes
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one writer wins: {outcomes:?}");
    for (_, r) in &outcomes {
        if let Err(c) = r {
            assert_eq!(
                (c.expected, c.actual),
                (Some(Version::FIRST), Version::new(2))
            );
        }
    }
    let stored = load(&store, lead_id).expect("stored");
    assert_eq!(stored.version().get(), 2);
    let expected = if winners[0] % 2 == 0 {
        LeadStatus::Working
    } else {
        LeadStatus::Disqualified
    };
    assert_eq!(
        stored.state(),
        RecordState::Lead(expected),
        "the winner's write is stored"
    );
}

/// Four threads qualify the same lead through the facade: one opportunity is created, the
/// others get a conflict, and the store stays consistent.
pub fn racing_qualifications_create_one_opportunity<S: Store + Sync>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(9);
    let crm = sample.crm(&store);
    let contact = crm
        .create_contact(
            sample.contact_details(),
            OnDuplicate::Refuse,
            sample.actor(),
        )
        .must()
        .into_contact();
    let lead = crm
        .open_lead(&contact, sample.interest(), sample.actor())
        .must();
    let lead_id = crm
        .log_touch(lead, sample.touch(), sample.actor())
        .must()
        .id();
    let results: Vec<bool> = race(|_, barrier| {
        let qualification = sample.qualification();
        // Each racer reads the lead before any of them qualifies it.
        let lead = crm.load::<Lead<Working>>(lead_id).must();
        barrier.wait();
        match crm.qualify(lead, qualification, sample.actor()) {
            Ok(_) => true,
            Err(CrmError::Conflict(_)) => false,
            Err(e) => panic!("{e}"),
        }
    });
    let won = results.iter().filter(|ok| **ok).count();
    assert_eq!(
        won, 1,
        "expected one of four racing qualifications to commit, found {won} (per thread: {results:?})"
    );
    let count = complete(store.scan(RecordKind::Opportunity, &mut |_| {}).must());
    assert_eq!(count, 1, "one opportunity for one lead");
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
}

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
        assert_eq!(*found[0], contact);
        assert_eq!(found[0].version(), Version::FIRST);
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

/// A query by owner returns only that owner's records: never an unowned one, never another
/// owner's.
pub fn owner_filter_excludes_unowned_and_other_owners<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(30);
    let ana = crate::text::User::new("ana").expect("valid");
    let mut anas = BTreeSet::new();
    for i in 0..9 {
        let details = sample.contact_details();
        let details = match i % 3 {
            0 => details.with_owner(ana.clone()),
            1 => details.with_owner(crate::text::User::new("ben").expect("valid")),
            _ => crate::contact::ContactDetails {
                owner: None,
                ..details
            },
        };
        let id = create(
            &store,
            crate::contact::Contact::create(details, &sample.ctx()),
        );
        if i % 3 == 0 {
            anas.insert(id);
        }
    }
    let query = Query::kind(RecordKind::Contact).owned_by(ana);
    let seen: BTreeSet<RecordId> = page_through(&store, &query, 2, &mut || {})
        .into_iter()
        .collect();
    assert_eq!(
        seen, anas,
        "expected only ana's contacts, found others (unowned or another owner's)"
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
        Err(CrmError::DuplicateContact { existing }) => assert_eq!(existing, first.id()),
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
            assert_eq!(existing.id(), first.id());
            assert_eq!(existing.version(), first.version());
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

fn ids_of<S: Store>(store: &S, query: &Query) -> BTreeSet<RecordId> {
    let page = store.list(query, None, MAX_PAGE).must();
    assert!(page.next.is_none(), "a small listing fits in one page");
    page.records.iter().map(|r| r.id()).collect()
}

/// A record as created by a listing case: its id, state and owner.
type Listed = (RecordId, RecordState, Option<String>);

/// Stores `n` contacts, each with a lead left new, worked or disqualified in turn; returns how
/// each contact and lead should be listed.
fn store_leads_in_three_states<S: Store>(store: &S, sample: &Sample, n: usize) -> Vec<Listed> {
    let ctx = sample.ctx();
    let mut listed = Vec::new();
    for i in 0..n {
        let contact = sample.contact();
        let owner = contact.owner().map(|o| o.as_str().to_string());
        create(store, contact.clone());
        listed.push((
            RecordId::Contact(contact.id()),
            RecordState::Contact,
            owner.clone(),
        ));
        let lead = Lead::open(&contact, sample.interest(), &ctx);
        let lead: AnyLead = match i % 3 {
            0 => lead.into(),
            1 => lead.log_touch(sample.touch(), &ctx).into(),
            _ => lead.disqualify(sample.disqualification(), &ctx).into(),
        };
        listed.push((
            RecordId::Lead(lead.id()),
            RecordState::Lead(lead.status()),
            owner,
        ));
        create(store, lead);
    }
    listed
}

/// Listing selects by kind, by state, by owner, and by state and owner together.
pub fn list_filters_by_kind_state_and_owner<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(13);
    let expected = store_leads_in_three_states(&store, &sample, 8);
    let select = |f: &dyn Fn(&Listed) -> bool| -> BTreeSet<RecordId> {
        expected.iter().filter(|e| f(e)).map(|e| e.0).collect()
    };
    let ana = crate::text::User::new("ana").expect("valid");
    let working = RecordState::Lead(LeadStatus::Working);
    assert_eq!(
        ids_of(&store, &Query::kind(RecordKind::Lead)),
        select(&|e| e.0.kind() == RecordKind::Lead)
    );
    assert_eq!(
        ids_of(&store, &Query::kind(RecordKind::Contact)),
        select(&|e| e.1 == RecordState::Contact)
    );
    assert_eq!(
        ids_of(&store, &Query::state(working)),
        select(&|e| e.1 == working)
    );
    assert_eq!(
        ids_of(&store, &Query::kind(RecordKind::Lead).owned_by(ana.clone())),
        select(&|e| e.0.kind() == RecordKind::Lead && e.2.as_deref() == Some("ana"))
    );
    assert_eq!(
        ids_of(&store, &Query::state(working).owned_by(ana.clone())),
        select(&|e| e.1 == working && e.2.as_deref() == Some("ana"))
    );
    assert!(
        ids_of(&store, &Query::kind(RecordKind::Account)).is_empty(),
        "expected `ids_of(&store, &Query::kind(RecordKind::Account)).is_empty()`, found it false"
    );
    assert!(
        ids_of(
            &store,
            &Query::state(RecordState::Opportunity(OpportunityStage::Won))
        )
        .is_empty()
    );
    let nobody = crate::text::User::new("nobody").expect("valid");
    assert!(
        ids_of(&store, &Query::kind(RecordKind::Lead).owned_by(nobody)).is_empty(),
        "expected `ids_of(&store, &Query::kind(RecordKind::Lead).owned_by(nobody)).is_empty()`, found it false"
    );
}

/// After an update, a record is listed under its new state and no longer under its old one.
pub fn list_follows_state_changes<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(14);
    let lead = new_lead(&store, &sample);
    let id = RecordId::Lead(lead.id());
    let new_state = Query::state(RecordState::Lead(LeadStatus::New));
    let working = Query::state(RecordState::Lead(LeadStatus::Working));
    assert!(
        ids_of(&store, &new_state).contains(&id),
        "expected `ids_of(&store, &new_state).contains(&id)`, found it false"
    );
    let mut batch = Batch::new();
    batch
        .update(
            lead.log_touch(sample.touch(), &sample.ctx()),
            Version::FIRST,
        )
        .expect("one write");
    commit(&store, batch);
    assert!(
        !ids_of(&store, &new_state).contains(&id),
        "expected `!ids_of(&store, &new_state).contains(&id)`, found it false"
    );
    assert!(
        ids_of(&store, &working).contains(&id),
        "expected `ids_of(&store, &working).contains(&id)`, found it false"
    );
}

fn page_through<S: Store>(
    store: &S,
    query: &Query,
    limit: usize,
    between: &mut dyn FnMut(),
) -> Vec<RecordId> {
    let mut seen = Vec::new();
    let mut after = None;
    // Bounded: a store whose cursor does not advance must fail the case, not hang it.
    for _ in 0..MAX_PAGES {
        let page = store.list(query, after, limit).must();
        assert!(
            page.records.len() <= limit,
            "a page of limit {limit}: expected at most {limit} records, found {}",
            page.records.len()
        );
        assert!(
            page.unreadable.is_empty(),
            "expected every record to be readable, found unreadable ones: {:?}",
            page.unreadable
        );
        seen.extend(page.records.iter().map(|r| r.id()));
        between();
        match page.next {
            Some(next) if after.is_some_and(|a| next <= a) => panic!(
                "the cursor did not advance: expected a cursor after {}, found {next}",
                after.map_or_else(String::new, |a| a.to_string())
            ),
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
    panic!(
        "paging did not end: expected the last page within {MAX_PAGES} pages, found more \
         ({} records seen)",
        seen.len()
    );
}

/// The most pages a kit case reads in one listing before it calls the store broken.
const MAX_PAGES: usize = 10_000;

/// Paging returns every record once, in ascending id order, and says when it is done.
pub fn pagination_is_complete_and_ordered<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(15);
    let mut ids: Vec<RecordId> = (0..10).map(|_| create(&store, sample.contact())).collect();
    ids.sort();
    for limit in [1, 3, 10, 11] {
        let seen = page_through(&store, &Query::kind(RecordKind::Contact), limit, &mut || {});
        assert_eq!(seen, ids, "page size {limit}");
    }
    let exact = store
        .list(&Query::kind(RecordKind::Contact), None, 10)
        .must();
    assert_eq!(exact.records.len(), 10);
    assert!(exact.next.is_none(), "no next page when nothing follows");
}

/// Paging through a kind whose records are in several states, or through one owner's records,
/// returns each once, in ascending id order, whatever the page size.
pub fn pagination_across_states_is_complete_and_ordered<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(17);
    let mut leads = store_leads_in_three_states(&store, &sample, 12);
    leads.retain(|(id, _, _)| id.kind() == RecordKind::Lead);
    leads.sort();
    let all: Vec<RecordId> = leads.iter().map(|(id, _, _)| *id).collect();
    let ana = crate::text::User::new("ana").expect("valid");
    let anas: Vec<RecordId> = leads
        .iter()
        .filter(|(_, _, owner)| owner.as_deref() == Some("ana"))
        .map(|(id, _, _)| *id)
        .collect();
    assert!(anas.len() > 1, "the sample gives ana several leads");
    for limit in [1, 2, 5, 12, 13] {
        let seen = page_through(&store, &Query::kind(RecordKind::Lead), limit, &mut || {});
        assert_eq!(seen, all, "leads in three states, page size {limit}");
        let query = Query::kind(RecordKind::Lead).owned_by(ana.clone());
        let seen = page_through(&store, &query, limit, &mut || {});
        assert_eq!(seen, anas, "ana's leads, page size {limit}");
    }
}

/// While one thread pages through contacts, another inserts contacts whose ids sort before and
/// after the cursor: every contact present when paging began is returned exactly once, and no
/// contact twice.
pub fn pagination_under_concurrent_inserts<S: Store + Sync>(new: impl Fn() -> S) {
    let store = new();
    let middle = Sample::new(1000);
    let present: BTreeSet<RecordId> = (0..40).map(|_| create(&store, middle.contact())).collect();
    let (earlier, later) = (Sample::new(1), Sample::new(5000));
    let seen = thread::scope(|s| {
        let inserter = s.spawn(|| {
            for i in 0..40 {
                let sample = if i % 2 == 0 { &earlier } else { &later };
                create(&store, sample.contact());
                thread::yield_now();
            }
        });
        let mut n = 0;
        let seen = page_through(&store, &Query::kind(RecordKind::Contact), 3, &mut || {
            // Also insert between pages, deterministically.
            n += 1;
            if n % 4 == 0 {
                create(&store, earlier.contact());
                create(&store, later.contact());
            }
        });
        inserter.join().expect("no panic");
        seen
    });
    let unique: BTreeSet<RecordId> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no record is returned twice");
    assert!(
        present.is_subset(&unique),
        "every record present when paging began is returned"
    );
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ascending order");
}

/// Page limits are kept within 1..=MAX_PAGE.
pub fn page_limits_are_clamped<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(16);
    for _ in 0..3 {
        create(&store, sample.contact());
    }
    let query = Query::kind(RecordKind::Contact);
    let zero = store.list(&query, None, 0).must();
    assert_eq!(zero.records.len(), 1, "a limit of 0 is read as 1");
    assert!(
        zero.next.is_some(),
        "expected `zero.next.is_some()`, found it false"
    );
    let huge = store.list(&query, None, usize::MAX).must();
    assert_eq!(huge.records.len(), 3);
}

/// A scan visits every record of a kind once; its count matches.
pub fn scan_counts_match<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(17);
    let n = crate::store::SCAN_PAGE + 7;
    let mut batch = Batch::new();
    for _ in 0..n {
        batch.create(sample.contact()).expect("distinct");
    }
    commit(&store, batch);
    create(
        &store,
        Lead::open(&sample.contact(), sample.interest(), &sample.ctx()),
    );
    let mut ids = HashSet::new();
    let count = complete(
        store
            .scan(RecordKind::Contact, &mut |r| {
                assert_eq!(r.kind(), RecordKind::Contact);
                ids.insert(r.id());
            })
            .must(),
    );
    assert_eq!((count, ids.len()), (n as u64, n));
    assert_eq!(
        complete(store.scan(RecordKind::Lead, &mut |_| {}).must()),
        1
    );
    assert_eq!(
        complete(store.scan(RecordKind::Account, &mut |_| {}).must()),
        0
    );
}

/// A whole lifecycle through the facade, with repeat business, leaves a consistent store whose
/// records load back as the facade returned them.
pub fn lifecycle_through_the_facade<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(18);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let mut account = None;
    for round in 0..3 {
        let lead = crm.open_lead(&contact, sample.interest(), me).must();
        let lead = crm.log_touch(lead, sample.touch(), me).must();
        let lead = crm.nurture(lead, sample.note("later"), me).must();
        let lead = crm.disqualify(lead, sample.disqualification(), me).must();
        let lead = crm.recycle(lead, sample.note("again"), me).must();
        let (lead, opportunity) = crm.qualify(lead, sample.qualification(), me).must();
        assert_eq!(
            crm.load::<Lead<crate::state::Converted>>(lead.id()).must(),
            lead
        );
        let opportunity = crm.propose(opportunity, sample.proposal(), me).must();
        let opportunity = crm.lose(opportunity, sample.loss(), me).must();
        let opportunity = crm.reopen(opportunity, sample.note("back"), me).must();
        let opportunity = crm.propose(opportunity, sample.proposal(), me).must();
        let opportunity = crm.negotiate(opportunity, sample.note("price"), me).must();
        let opportunity = crm
            .enter_contracting(opportunity, sample.terms(), sample.incumbent(), me)
            .must();
        let (won, updated) = match account.take() {
            None => crm
                .win(opportunity, sample.contract(1000 + round), me)
                .must(),
            Some(existing) => crm
                .win_for(opportunity, existing, sample.contract(1000 + round), me)
                .must(),
        };
        assert_eq!(
            crm.load::<crate::opportunity::Opportunity<crate::state::Won>>(won.id())
                .must(),
            won
        );
        assert_eq!(
            crm.load::<crate::account::Account>(updated.id()).must(),
            updated
        );
        assert_eq!(updated.version().get(), round as u64 + 1);
        account = Some(updated);
    }
    let account = account.expect("won three times");
    assert_eq!(account.wins().len(), 3);
    assert_eq!(
        account.won_value().get(crate::money::Currency::EUR),
        Some(sample.eur(3003))
    );
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
    match crm.load::<Lead<New>>(RecordId::Contact(contact.id())) {
        Err(CrmError::WrongState {
            found: RecordState::Contact,
            ..
        }) => {}
        other => panic!("expected a wrong-state error, got {other:?}"),
    }
}

/// A facade step on a stale value is a conflict and leaves the store unchanged.
pub fn facade_conflict_leaves_the_store_unchanged<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(19);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let stale = crm.load::<Lead<New>>(lead.id()).must();
    crm.disqualify(lead, sample.disqualification(), me).must();
    let before = snapshot(&store).must();
    match crm.log_touch(stale, sample.touch(), me) {
        Err(e) if e.is_conflict() => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(snapshot(&store).must(), before);
}

/// The async scan (the trait's default or the adapter's own) visits every record of a kind.
pub fn async_scan_counts_match<S: AsyncStore>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(20);
    let n = crate::store::SCAN_PAGE + 3;
    block_on(async {
        let mut batch = Batch::new();
        for _ in 0..n {
            batch.create(sample.contact()).expect("distinct");
        }
        if let Err(e) = store.commit(batch).await {
            panic!("{e}");
        }
        let mut seen = HashSet::new();
        let count = complete(
            store
                .scan(RecordKind::Contact, &mut |r| {
                    seen.insert(r.id());
                })
                .await
                .must(),
        );
        assert_eq!((count, seen.len()), (n as u64, n));
    });
}

/// A lifecycle through the async facade.
pub fn async_lifecycle_through_the_facade<S: AsyncStore>(new: impl Fn() -> S) {
    let sample = Sample::new(21);
    let crm = sample.async_crm(new());
    let me = sample.actor();
    block_on(async {
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Reuse, me)
            .await
            .must()
            .into_contact();
        let again = crm
            .create_contact(
                sample
                    .contact_details()
                    .with_email(contact.email().expect("has one").clone()),
                OnDuplicate::Reuse,
                me,
            )
            .await
            .must();
        assert!(!again.is_created(), "the existing contact is reused");
        let lead = crm.open_lead(&contact, sample.interest(), me).await.must();
        let lead = crm.log_touch(lead, sample.touch(), me).await.must();
        let (_, opportunity) = crm.qualify(lead, sample.qualification(), me).await.must();
        let opportunity = crm.propose(opportunity, sample.proposal(), me).await.must();
        let opportunity = crm
            .negotiate(opportunity, sample.note("price"), me)
            .await
            .must();
        let opportunity = crm
            .enter_contracting(opportunity, sample.terms(), sample.incumbent(), me)
            .await
            .must();
        let (won, account) = crm.win(opportunity, sample.contract(500), me).await.must();
        assert_eq!(account.opportunities().collect::<Vec<_>>(), [won.id()]);
        let loaded = crm
            .load::<crate::account::Account>(account.id())
            .await
            .must();
        assert_eq!(loaded, account);
    });
    if let Err(problems) = check_consistency(&crate::testkit::Blocking(crm.into_store())) {
        panic!("{problems:?}");
    }
}

/// The futures of the store and of the async facade are `Send` (checked at compile time).
pub fn async_futures_are_send<S: AsyncStore>(new: impl Fn() -> S) {
    fn send<T: Send>(_: &T) {}
    let sample = Sample::new(22);
    let crm = sample.async_crm(new());
    let lead = Lead::open(&sample.contact(), sample.interest(), &sample.ctx());
    let id = RecordId::Lead(lead.id());
    send(&crm.store().load(id));
    send(&crm.store().list(&Query::kind(RecordKind::Lead), None, 1));
    send(&crm.create_contact(
        sample.contact_details(),
        OnDuplicate::Refuse,
        sample.actor(),
    ));
    send(&crm.log_touch(
        Versioned::new(lead, Version::FIRST),
        sample.touch(),
        sample.actor(),
    ));
}

/// Erasing a contact removes its personal data from it and from its leads and opportunities,
/// keeps their ids, states, amounts and history shapes and the funnel, and the contact is no
/// longer found by email. Another contact is untouched.
pub fn erase_removes_personal_data_and_keeps_the_funnel<S: Store>(new: impl Fn() -> S) {
    use crate::funnel::PipelineReport;
    use crate::phone::PhoneNumber;
    use crate::qualification::{Authority, Budget, HorizonPolicy, Need, Qualification, Timeline};
    use crate::text::{PersonName, Requirement, Summary};

    let store = new();
    let sample = Sample::new(23);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let secret_email = "secret.person@example.com";
    let details = sample
        .contact_details()
        .with_email(sample.email(secret_email))
        .with_phone(PhoneNumber::new("+44 20 7946 0958").must());
    let contact = crm
        .create_contact(details, OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let other = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let lead = crm
        .nurture(lead, sample.note("Call her at home after six"), me)
        .must();
    let lead = crm.resume(lead, sample.touch(), me).must();
    let today = sample.today();
    let qualification = Qualification::builder()
        .need(
            Need::new(
                Summary::new("CRM").must(),
                vec![Requirement::new("40 seats").must()],
            )
            .must(),
        )
        .budget(Budget::new(sample.eur(20_000)).must())
        .timeline(
            Timeline::new(
                today + chrono::Days::new(30),
                today,
                &HorizonPolicy::default(),
            )
            .must(),
        )
        .authority(Authority::new(PersonName::new("Paul Secret").must()))
        .build();
    let (_, opportunity) = crm.qualify(lead, qualification, me).must();
    let opportunity = crm.propose(opportunity, sample.proposal(), me).must();
    let opportunity = crm
        .negotiate(
            opportunity,
            sample.note("Her private number is on file"),
            me,
        )
        .must();
    let opportunity = crm
        .enter_contracting(opportunity, sample.terms(), sample.incumbent(), me)
        .must();
    let contract = crate::opportunity::SignedContract::new(
        crate::text::Reference::new("C-9").must(),
        sample.eur(19_000),
        today,
        PersonName::new("Paul Secret").must(),
    )
    .must();
    crm.win(opportunity, contract, me).must();
    let second = crm.open_lead(&contact, sample.interest(), me).must();
    let reason = crate::lead::DisqualifyReason::new(crate::lead::DisqualifyCategory::Duplicate)
        .with_detail(sample.note("Same person as Paul Secret's assistant"));
    crm.disqualify(second, reason, me).must();
    let other_lead = crm.open_lead(&other, sample.interest(), me).must();

    let report = PipelineReport::from_store(&store).must();
    let before = snapshot(&store).must();
    let erased = crm.erase_contact(contact.clone(), me).must();
    assert_eq!(
        (
            erased.leads.len(),
            erased.opportunities.len(),
            erased.accounts.len()
        ),
        (2, 1, 1),
        "(leads, opportunities, accounts) erased"
    );
    let after = snapshot(&store).must();

    assert_eq!(
        PipelineReport::from_store(&store).must(),
        report,
        "the funnel does not change"
    );
    assert!(
        store
            .find_contacts_by_email(&sample.email(secret_email))
            .must()
            .is_empty()
    );
    let loaded = load(&store, RecordId::Contact(contact.id())).expect("still stored");
    match &*loaded {
        Record::Contact(c) => {
            assert!(
                c.erased().is_some(),
                "expected `c.erased().is_some()`, found it false"
            );
            assert_eq!(c.party().name(), crate::text::ERASED);
            assert!(
                c.email().is_none() && c.phone().is_none(),
                "expected `c.email().is_none() && c.phone().is_none()`, found it false"
            );
        }
        other => panic!("a contact was expected, found {other:?}"),
    }
    assert_eq!(before.len(), after.len(), "no record appears or disappears");
    for (id, was) in &before {
        let now = &after[id];
        assert_eq!(was.state(), now.state(), "{id}: same state");
        match (&**was, &**now) {
            (Record::Lead(a), Record::Lead(b)) => {
                assert_eq!(
                    a.history().len(),
                    b.history().len(),
                    "{id}: same history shape"
                );
                let steps = |l: &AnyLead| {
                    l.history()
                        .iter()
                        .map(|t| (t.from(), t.to(), t.at()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(steps(a), steps(b), "{id}");
            }
            (Record::Opportunity(a), Record::Opportunity(b)) => {
                assert_eq!(
                    a.history().len(),
                    b.history().len(),
                    "{id}: same history shape"
                );
                assert_eq!(a.amount(), b.amount(), "{id}: same amount");
            }
            _ => {}
        }
    }
    assert_eq!(
        after[&RecordId::Lead(other_lead.id())],
        before[&RecordId::Lead(other_lead.id())]
    );
    assert_eq!(
        after[&RecordId::Contact(other.id())],
        before[&RecordId::Contact(other.id())]
    );
    let mut stored = String::new();
    for record in after.values() {
        stored.push_str(&format!("{record:?}"));
        stored.push_str(&free_text(record));
    }
    for secret in [
        "secret.person",
        "7946",
        "Paul Secret",
        "at home",
        "private number",
        "C-9",
    ] {
        assert!(!stored.contains(secret), "{secret:?} is still stored");
    }
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
}

/// Every text a record holds, for searching erased data (without a JSON dependency).
fn free_text(record: &Record) -> String {
    let mut text = String::new();
    match record {
        Record::Contact(c) => {
            text.push_str(c.party().name());
            if let Some(e) = c.email() {
                text.push_str(e.as_str());
            }
            if let Some(p) = c.phone() {
                text.push_str(p.as_str());
            }
        }
        Record::Lead(l) => {
            for t in l.history() {
                text.push_str(&format!("{:?}", t.evidence()));
            }
        }
        Record::Opportunity(o) => {
            text.push_str(&format!("{:?}", o.qualification()));
            for t in o.history() {
                text.push_str(&format!("{:?}", t.evidence()));
            }
        }
        Record::Account(a) => {
            for win in a.wins() {
                text.push_str(win.contract().as_str());
            }
        }
    }
    text
}

/// A walk of 600 steps through the facade, under a clock that steps back (by a second, by a
/// year), repeats instants, and jumps to the earliest and latest instants `chrono` represents:
/// every record stored reads back, by load and by scan, and the invariants across records hold.
pub fn clock_steps_never_make_a_record_unreadable<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let mut rng = SplitMix(11);
    let choices: Vec<u8> = (0..600).map(|_| (rng.next() & 0xFF) as u8).collect();
    let walked =
        crate::testkit::walk_under_clock(&store, crate::testkit::awkward_readings(), &choices);
    // Fewer than the choices: a step with nothing to do is skipped, and a lead whose history
    // reached the far future cannot be qualified any more (its timeline is then past).
    assert!(
        walked.steps > 300,
        "expected the walk to take more than 300 steps, found {}",
        walked.steps
    );
    let won = walked
        .records
        .values()
        .filter(|r| r.state() == RecordState::Opportunity(OpportunityStage::Won))
        .count();
    assert!(won > 0, "the walk won opportunities");
}

/// Asserts that `result` is a stale-history conflict on `record` at `version`.
fn stale<T: std::fmt::Debug, E: std::fmt::Display>(
    what: &str,
    result: Result<T, CrmError<E>>,
    record: RecordId,
    version: Version,
) {
    match result {
        Err(CrmError::Conflict(c)) => assert_eq!(
            c,
            Conflict::stale_history(record, version),
            "{what}: expected a stale-history conflict on {record} at {version}, found {c}"
        ),
        Err(e) => panic!("{what}: expected a stale-history conflict, found the error {e}"),
        Ok(v) => panic!("{what}: expected a stale-history conflict, the step committed {v:?}"),
    }
}

/// A copy read before the latest update, paired with the current version, is refused with a
/// [`ConflictKind::StaleHistory`](crate::store::ConflictKind::StaleHistory) conflict and
/// changes nothing: for a lead (a disqualified lead converted from an older copy), an
/// opportunity (a lost one advanced from an older copy), a contact after its erasure (the
/// erasure undone by writing back the copy), and an account after a win (a win added to a copy
/// that lacks it).
pub fn stale_copy_at_the_current_version_is_a_conflict<S: Store>(new: impl Fn() -> S) {
    use crate::account::Account;
    use crate::contact::Contact;
    use crate::opportunity::Opportunity;
    use crate::state::{Contracting, Proposal};
    let store = new();
    let sample = Sample::new(27);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();

    // A lead: worked (v2), copied, disqualified (v3); the copy is qualified at v3.
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let copy = crm.load::<Lead<Working>>(lead.id()).must().into_inner();
    let lead = crm.disqualify(lead, sample.disqualification(), me).must();
    let before = snapshot(&store).must();
    let result = crm.qualify(
        Versioned::new(copy, lead.version()),
        sample.qualification(),
        me,
    );
    stale("a lead", result, RecordId::Lead(lead.id()), lead.version());
    assert_eq!(
        snapshot(&store).must(),
        before,
        "a lead: nothing was written"
    );

    // An opportunity: proposed (v2), copied, lost (v3); the copy is negotiated at v3.
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let (_, o) = crm.qualify(lead, sample.qualification(), me).must();
    let o = crm.propose(o, sample.proposal(), me).must();
    let copy = crm
        .load::<Opportunity<Proposal>>(o.id())
        .must()
        .into_inner();
    let o = crm.lose(o, sample.loss(), me).must();
    let before = snapshot(&store).must();
    let result = crm.negotiate(Versioned::new(copy, o.version()), sample.note("n"), me);
    stale(
        "an opportunity",
        result,
        RecordId::Opportunity(o.id()),
        o.version(),
    );
    assert_eq!(
        snapshot(&store).must(),
        before,
        "an opportunity: nothing was written"
    );

    // An account: won (v1), copied, won again (v2); a third win is added to the copy at v2.
    let contracting = || {
        let lead = crm.open_lead(&contact, sample.interest(), me).must();
        let lead = crm.log_touch(lead, sample.touch(), me).must();
        let (_, o) = crm.qualify(lead, sample.qualification(), me).must();
        let o = crm.propose(o, sample.proposal(), me).must();
        let o = crm.negotiate(o, sample.note("n"), me).must();
        crm.enter_contracting(o, sample.terms(), sample.incumbent(), me)
            .must()
    };
    let (_, account) = crm.win(contracting(), sample.contract(10), me).must();
    let copy = crm.load::<Account>(account.id()).must().into_inner();
    let (_, account) = crm
        .win_for(contracting(), account, sample.contract(20), me)
        .must();
    let third: Versioned<Opportunity<Contracting>> = contracting();
    let before = snapshot(&store).must();
    let result = crm.win_for(
        third,
        Versioned::new(copy, account.version()),
        sample.contract(30),
        me,
    );
    stale(
        "an account",
        result,
        RecordId::Account(account.id()),
        account.version(),
    );
    assert_eq!(
        snapshot(&store).must(),
        before,
        "an account: nothing was written"
    );

    // A contact: copied, erased (v2); the copy is written back at v2.
    let copy = crm.load::<Contact>(contact.id()).must().into_inner();
    let erased = crm.erase_contact(contact, me).must().contact;
    let before = snapshot(&store).must();
    let mut batch = Batch::new();
    batch.update(copy, erased.version()).expect("one write");
    let c = conflict::<S>(store.commit(batch));
    assert_eq!(
        c,
        Conflict::stale_history(RecordId::Contact(erased.id()), erased.version()),
        "a contact written back over its erasure: expected a stale-history conflict, found {c}"
    );
    assert_eq!(
        snapshot(&store).must(),
        before,
        "a contact: the erasure stands"
    );
    // The erased contact itself, written again unchanged, extends its own history.
    let mut batch = Batch::new();
    batch
        .update(erased.value().clone(), erased.version())
        .expect("one write");
    commit(&store, batch);
}

/// Records written, updated, erased and refused as stale read back the same after the store is
/// closed and opened again (`reopen` takes the store and gives it back reopened): records and
/// versions, the email index, and the history marks (a stale copy is still refused).
pub fn records_read_back_after_reopen<S: Store, T: Store>(
    new: impl Fn() -> S,
    reopen: impl FnOnce(S) -> T,
) {
    let store = new();
    let sample = Sample::new(32);
    let mut batch = Batch::new();
    for record in sample.every_state() {
        batch.create(record).expect("distinct");
    }
    commit(&store, batch);
    let (lead_id, stale, version, email) = {
        let crm = sample.crm(&store);
        let me = sample.actor();
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .must()
            .into_contact();
        let email = contact.email().cloned().expect("the sample has an email");
        let other = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .must()
            .into_contact();
        let lead = crm.open_lead(&contact, sample.interest(), me).must();
        let lead = crm.log_touch(lead, sample.touch(), me).must();
        let stale = crm.load::<Lead<Working>>(lead.id()).must().into_inner();
        let lead = crm.nurture(lead, sample.note("later"), me).must();
        crm.erase_contact(other, me).must();
        (lead.id(), stale, lead.version(), email)
    };
    let before = snapshot(&store).must();
    let store = reopen(store);
    let after = snapshot(&store).must();
    assert_eq!(
        after.len(),
        before.len(),
        "expected {} records after reopening, found {}",
        before.len(),
        after.len()
    );
    for (id, was) in &before {
        assert_eq!(
            after.get(id),
            Some(was),
            "{id}: expected the record as written, found another after reopening"
        );
    }
    let found = store.find_contacts_by_email(&email).must();
    assert_eq!(
        found.len(),
        1,
        "expected the contact by its email after reopening, found {}",
        found.len()
    );
    let mut batch = Batch::new();
    batch
        .update(
            stale.disqualify(sample.disqualification(), &sample.ctx()),
            version,
        )
        .expect("one write");
    let c = conflict::<T>(store.commit(batch));
    assert_eq!(
        c,
        Conflict::stale_history(RecordId::Lead(lead_id), version),
        "expected a stale copy to be refused after reopening, found {c}"
    );
}

/// A small, seeded generator for the stress case.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// How many operations each of the four threads of the stress case runs.
pub const STRESS_OPERATIONS: u64 = 10_000;

/// Four threads run [`STRESS_OPERATIONS`] operations each through the facade on a shared pool of
/// leads and opportunities, racing on the same records: new leads, touches, nurturing,
/// qualifications, disqualifications, every stage, losses, reopenings, wins. Conflicts are
/// expected and counted. At the end every record's version is one more than the updates that
/// succeeded on it (no update lost), no lead has two opportunities, and every invariant holds.
pub fn stress_concurrent_lifecycles<S: Store + Sync>(new: impl Fn() -> S) {
    stress_concurrent_lifecycles_with(new, STRESS_OPERATIONS);
}

/// [`stress_concurrent_lifecycles`] with `operations` per thread instead of
/// [`STRESS_OPERATIONS`]: for a store too slow for the default (the macros'
/// `stress = N`). At least 300, so that the threads still race.
pub fn stress_concurrent_lifecycles_with<S: Store + Sync>(new: impl Fn() -> S, operations: u64) {
    use std::collections::HashMap;
    let operations = operations.max(300);
    use std::sync::Mutex;

    let store = new();
    let sample = Sample::new(24);
    let crm = sample.crm(&store);
    let pool: Mutex<Vec<RecordId>> = Mutex::new(Vec::new());
    // Successful writes per record: its creation counts 1, each update 1 more.
    let writes: Mutex<HashMap<RecordId, u64>> = Mutex::new(HashMap::new());
    let count = |ids: &[RecordId]| {
        let mut writes = writes.lock().expect("no panic while held");
        for id in ids {
            *writes.entry(*id).or_insert(0) += 1;
        }
    };
    let conflicts = std::sync::atomic::AtomicU64::new(0);
    thread::scope(|s| {
        for t in 0..4u64 {
            let (crm, sample, pool, count, conflicts) = (&crm, &sample, &pool, &count, &conflicts);
            s.spawn(move || {
                let mut rng = SplitMix(t + 1);
                let me = sample.actor();
                for _ in 0..operations {
                    let pick = {
                        let pool = pool.lock().expect("no panic while held");
                        // Mostly the newest records, which the other threads are working on
                        // too: that is where the races are.
                        let len = pool.len() as u64;
                        let window = if rng.next() % 4 == 0 { len } else { len.min(8) };
                        (len > 0 && rng.next() % 10 != 0)
                            .then(|| pool[(len - 1 - rng.next() % window.max(1)) as usize])
                    };
                    let choice = rng.next();
                    let outcome = match pick {
                        None => {
                            let contact = crm
                                .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
                                .must()
                                .into_contact();
                            let lead = crm.open_lead(&contact, sample.interest(), me).must();
                            count(&[RecordId::Contact(contact.id()), RecordId::Lead(lead.id())]);
                            pool.lock()
                                .expect("no panic while held")
                                .push(RecordId::Lead(lead.id()));
                            Ok(())
                        }
                        Some(id) => stress_step(crm, sample, id, choice, pool, count),
                    };
                    match outcome {
                        Ok(()) => {}
                        Err(CrmError::Conflict(_)) => {
                            conflicts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            });
        }
    });
    let writes = writes.into_inner().expect("no panic while held");
    for (id, n) in &writes {
        let stored = load(&store, *id).expect("every record written is stored");
        assert_eq!(
            stored.version().get(),
            *n,
            "{id}: every successful write counted, none lost"
        );
    }
    let (records, updates) = (writes.len(), writes.values().sum::<u64>());
    let conflicts = conflicts.into_inner();
    eprintln!("stress: {records} records, {updates} successful writes, {conflicts} conflicts");
    assert!(
        records as u64 > operations / 10,
        "expected the stress to write more than {} records, found {records}",
        operations / 10
    );
    assert!(conflicts > 0, "the threads raced on the same records");
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
}

/// One step on the record `id`, chosen by `choice` among those its state allows; counts the
/// records it wrote, and pools the opportunity it made.
fn stress_step<S: Store>(
    crm: &crate::crm::Crm<&S>,
    sample: &Sample,
    id: RecordId,
    choice: u64,
    pool: &std::sync::Mutex<Vec<RecordId>>,
    count: &(dyn Fn(&[RecordId]) + Sync),
) -> Result<(), CrmError<S::Error>> {
    use crate::testkit::walk::{Stepped, step_on};
    let loaded = crm
        .store()
        .load(id)
        .map_err(CrmError::Store)?
        .expect("pooled records exist");
    match step_on(crm, sample, loaded, choice, None)? {
        Stepped::Closed => {}
        Stepped::Moved => count(&[id]),
        Stepped::Qualified(o) => {
            let o = RecordId::Opportunity(o);
            count(&[id, o]);
            pool.lock().expect("no panic while held").push(o);
        }
        Stepped::Won(account) => count(&[id, RecordId::Account(account)]),
    }
    Ok(())
}
