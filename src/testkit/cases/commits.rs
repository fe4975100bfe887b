//! Commits: round trips, versions, conflicts, atomic batches, races on one record.

use super::*;

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
        assert_eq!(
            loaded.version(),
            Version::FIRST,
            "round_trip_every_state: expected `loaded.version()` to equal `Version::FIRST`"
        );
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
        },
        "create_twice_is_a_conflict: expected `c` to equal `Conflict {{ record: id, expected: None, actual: Some(Version::FIRST), kind: crate::store::ConflictKind::Version, }}`"
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
    assert_eq!(
        c.record,
        RecordId::Lead(working_id),
        "stale_update_is_a_conflict_and_changes_nothing: expected `c.record` to equal `RecordId::Lead(working_id)`"
    );
    assert_eq!(
        (c.expected, c.actual),
        (Some(Version::FIRST), Version::new(2)),
        "stale_update_is_a_conflict_and_changes_nothing: expected `(c.expected, c.actual)` to equal `(Some(Version::FIRST), Version::new(2))`"
    );
    assert_eq!(
        load(&store, RecordId::Lead(working_id)),
        Some(before),
        "stale_update_is_a_conflict_and_changes_nothing: expected `load(&store, RecordId::Lead(working_id))` to equal `Some(before)`"
    );
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
    assert_eq!(
        (c.expected, c.actual),
        (Some(Version::FIRST), None),
        "update_of_a_missing_record_is_a_conflict: expected `(c.expected, c.actual)` to equal `(Some(Version::FIRST), None)`"
    );
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
    assert_eq!(
        c.record, existing,
        "batch_with_one_conflict_writes_nothing: expected `c.record` to equal `existing`"
    );
    assert!(
        load(&store, RecordId::Contact(fresh.id())).is_none(),
        "expected the new contact not to be written, found it stored"
    );
    assert!(
        load(&store, RecordId::Lead(lead_id)).is_none(),
        "expected the new lead not to be written, found it stored"
    );
    assert_eq!(
        snapshot(&store).must(),
        before,
        "batch_with_one_conflict_writes_nothing: expected `snapshot(&store).must()` to equal `before`"
    );
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
        assert_eq!(
            version.get(),
            expected,
            "versions_count_updates: expected `version.get()` to equal `expected`"
        );
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
    assert_eq!(
        loaded.version().get(),
        7,
        "versions_count_updates: expected `loaded.version().get()` to equal `7`"
    );
    assert_eq!(
        *loaded,
        Record::Lead(current),
        "versions_count_updates: expected `*loaded` to equal `Record::Lead(current)`"
    );
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
                (Some(Version::FIRST), Version::new(2)),
                "racing_updates_exactly_one_wins: expected `(c.expected, c.actual)` to equal `(Some(Version::FIRST), Version::new(2))`"
            );
        }
    }
    let stored = load(&store, lead_id).expect("stored");
    assert_eq!(
        stored.version().get(),
        2,
        "racing_updates_exactly_one_wins: expected `stored.version().get()` to equal `2`"
    );
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
        let lead = crm
            .load::<Lead<Working>>(lead_id, &crate::testkit::reader())
            .must();
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
