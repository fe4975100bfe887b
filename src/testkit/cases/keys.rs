//! Idempotency keys: remembered in the commit that writes, recalled per actor and key, used
//! once even by racing commits, pruned by time, replayed by the facade.

use chrono::{DateTime, Utc};

use super::*;
use crate::command::Command;
use crate::contact::Contact;
use crate::event::{Event, Payload};
use crate::idempotency::{Fingerprint, IdempotencyKey, IdempotentRequest, Remembered};
use crate::text::User;

/// An event about `contact`'s creation, as a batch built by hand carries one.
#[track_caller]
fn event_for(contact: &Contact, actor: &User) -> Event {
    let ids = crate::id::SequentialIds::new(95);
    Event::new(
        &ids,
        Event::commit_key(&ids),
        (RecordId::Contact(contact.id()), Version::FIRST),
        actor.clone(),
        at(0),
        Payload::ContactErased,
    )
}

#[track_caller]
fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::new(text).must()
}

#[track_caller]
fn user(name: &str) -> User {
    User::new(name).must()
}

/// A time `seconds` after a fixed origin.
fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_780_000_000 + seconds, 0).unwrap_or_default()
}

#[track_caller]
fn request(actor: &User, key: &IdempotencyKey, print: u8, when: i64) -> IdempotentRequest {
    IdempotentRequest {
        actor: actor.clone(),
        key: key.clone(),
        fingerprint: Fingerprint::from_bytes([print; 32]),
        at: at(when),
    }
}

/// A batch creating `record` that remembers `request`.
#[track_caller]
fn keyed(record: impl Into<Record>, request: IdempotentRequest) -> Batch {
    let mut batch = Batch::new();
    batch.create(record).expect("one write");
    batch.remember(request);
    batch
}

#[track_caller]
fn recall<S: Store>(store: &S, actor: &User, key: &IdempotencyKey) -> Option<Remembered> {
    store
        .recall_key(actor, key)
        .unwrap_or_else(|e| panic!("recall key {key} of {actor}: {e}"))
}

/// A batch's request is remembered under its actor and key with the id and written version of
/// each write; the same actor's key is then a [`ConflictKind::KeyUsed`] conflict that writes
/// nothing (no record, no event), while another actor's same key and the actor's other keys
/// are free; a batch that writes nothing remembers nothing.
pub fn remembered_keys_are_recalled_and_used_once<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(90);
    let (ann, bob) = (user("kit:ann"), user("kit:bob"));
    let k = key("retry-1");
    assert_eq!(recall(&store, &ann, &k), None, "no key is remembered yet");

    let contact = sample.contact();
    let first = request(&ann, &k, 1, 0);
    let mut batch = keyed(contact.clone(), first.clone());
    batch.emit(event_for(&contact, &ann));
    commit(&store, batch);
    let remembered = recall(&store, &ann, &k).expect("the commit remembered its request");
    assert_eq!(
        remembered.request, first,
        "the request comes back as it went in"
    );
    assert_eq!(
        remembered.written,
        vec![(RecordId::Contact(contact.id()), Version::FIRST)],
        "what the commit wrote, at the version it wrote"
    );
    assert_eq!(recall(&store, &bob, &k), None, "keys are each actor's own");
    assert_eq!(
        recall(&store, &ann, &key("retry-2")),
        None,
        "remembered_keys_are_recalled_and_used_once: expected `recall(&store, &ann, &key(\"retry-2\"))` to equal `None`"
    );

    let events = store.read_events(None, MAX_PAGE).must().events.len();
    let other = sample.contact();
    let mut again = keyed(other.clone(), request(&ann, &k, 1, 1));
    again.emit(event_for(&other, &ann));
    let c = conflict::<S>(store.commit(again));
    assert_eq!(
        (c.kind, c.record),
        (ConflictKind::KeyUsed, RecordId::Contact(other.id())),
        "a key used before conflicts, naming the batch's first write"
    );
    assert!(
        load(&store, RecordId::Contact(other.id())).is_none(),
        "a batch whose key was used writes nothing"
    );
    assert_eq!(
        store.read_events(None, MAX_PAGE).must().events.len(),
        events,
        "nor any event"
    );
    assert_eq!(
        recall(&store, &ann, &k).map(|r| r.request),
        Some(first),
        "the first request stays remembered"
    );

    commit(&store, keyed(other.clone(), request(&bob, &k, 2, 2)));
    assert!(
        recall(&store, &bob, &k).is_some(),
        "another actor's same key is theirs"
    );

    // An update remembers the version it wrote.
    let stored = load(&store, RecordId::Contact(contact.id())).expect("stored");
    let mut update = Batch::new();
    update
        .update(stored.value().clone(), stored.version())
        .expect("one write");
    update.remember(request(&ann, &key("retry-3"), 3, 3));
    commit(&store, update);
    assert_eq!(
        recall(&store, &ann, &key("retry-3")).map(|r| r.written),
        Some(vec![(
            RecordId::Contact(contact.id()),
            Version::FIRST.next()
        )]),
        "remembered_keys_are_recalled_and_used_once: expected `recall(&store, &ann, &key(\"retry-3\")).map(|r| r.written)` to equal `Some(vec![( RecordId::Contact(contact.id()), Version::FIRST.next() )])`"
    );

    let mut nothing = Batch::new();
    nothing.remember(request(&ann, &key("retry-4"), 4, 4));
    commit(&store, nothing);
    assert_eq!(
        recall(&store, &ann, &key("retry-4")),
        None,
        "a batch that writes nothing remembers nothing"
    );
}

/// When a batch's key was used **and** other requirements fail (a record required unchanged
/// that changed, an address required absent that is taken, a stale version), the conflict
/// reported is [`ConflictKind::KeyUsed`]: a retried request is recognised as one whatever
/// changed since its first commit, so that the facade replays it instead of reporting a
/// conflict. (Which of several other failing requirements is reported is not specified.)
pub fn a_used_key_is_the_conflict_reported_first<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(147);
    let ann = user("kit:ann");
    let k = key("retry-first");
    let contact = sample.contact();
    let email = contact.email().cloned().expect("the sample has an email");
    commit(&store, keyed(contact.clone(), request(&ann, &k, 1, 0)));
    let mut update = Batch::new();
    update.update(contact.clone(), Version::FIRST).must();
    commit(&store, update);

    let other = sample.contact();
    let mut retry = Batch::new();
    retry.require_unchanged(RecordId::Contact(contact.id()), Version::FIRST);
    retry.require_no_contact_with(&email);
    retry.create(other.clone()).must();
    retry.update(contact, Version::FIRST).must();
    retry.remember(request(&ann, &k, 1, 1));
    let c = conflict::<S>(store.commit(retry));
    assert_eq!(
        (c.kind, c.record),
        (ConflictKind::KeyUsed, RecordId::Contact(other.id())),
        "a batch whose key was used, with a changed record, a taken address and a stale \
         version besides: expected the used key reported first, naming the first write; \
         found {c}"
    );
    assert!(
        load(&store, RecordId::Contact(other.id())).is_none(),
        "the refused batch wrote nothing"
    );
}

/// [`Store::prune_keys`] forgets the requests remembered before a time and counts them; a key
/// forgotten can be used again.
pub fn keys_are_pruned_before_a_time<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(91);
    let ann = user("kit:ann");
    let keys = [key("k-0"), key("k-1"), key("k-2")];
    for (when, k) in (0..).zip(&keys) {
        commit(
            &store,
            keyed(sample.contact(), request(&ann, k, 1, when * 60)),
        );
    }
    assert_eq!(store.prune_keys(at(60)).must(), 1, "one before the minute");
    assert_eq!(recall(&store, &ann, &keys[0]), None, "forgotten");
    assert!(recall(&store, &ann, &keys[1]).is_some(), "kept: not before");
    assert!(recall(&store, &ann, &keys[2]).is_some(), "kept");
    assert_eq!(store.prune_keys(at(60)).must(), 0, "nothing left before");
    commit(
        &store,
        keyed(sample.contact(), request(&ann, &keys[0], 2, 200)),
    );
    assert_eq!(
        recall(&store, &ann, &keys[0]).map(|r| r.request.fingerprint),
        Some(Fingerprint::from_bytes([2; 32])),
        "a forgotten key is used again"
    );
    assert_eq!(
        store.prune_keys(at(i64::from(u32::MAX))).must(),
        3,
        "keys_are_pruned_before_a_time: expected `store.prune_keys(at(i64::from(u32::MAX))).must()` to equal `3`"
    );
}

/// Four commits racing with one actor's key, each creating its own contact: exactly one
/// commits, the others are [`ConflictKind::KeyUsed`] conflicts and write nothing. Then four
/// [`Crm::execute_once`](crate::Crm::execute_once) calls racing with one key: one contact,
/// every call answered with it.
pub fn racing_retries_with_one_key_commit_once<S: Store + Sync>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(92);
    let ann = user("kit:ann");
    let k = key("race");
    let contacts: Vec<Contact> = (0..4).map(|_| sample.contact()).collect();
    let results = race(|i, barrier| {
        let batch = keyed(contacts[i].clone(), request(&ann, &k, 1, 0));
        barrier.wait();
        store.commit(batch)
    });
    let won: Vec<usize> = (0..4).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(won.len(), 1, "exactly one commit with the key: {results:?}");
    for (i, result) in results.into_iter().enumerate() {
        if let Err(e) = result {
            assert_eq!(
                conflict::<S>(Err(e)).kind,
                ConflictKind::KeyUsed,
                "racing_retries_with_one_key_commit_once: expected `conflict::<S>(Err(e)).kind` to equal `ConflictKind::KeyUsed`"
            );
        }
        let stored = load(&store, RecordId::Contact(contacts[i].id())).is_some();
        assert_eq!(
            stored,
            won == [i],
            "contact {i} stored only if its commit won"
        );
    }

    let crm = sample.crm(&store);
    let details = sample.contact_details();
    let print = Fingerprint::from_bytes([9; 32]);
    let answers = race(|_, barrier| {
        let command = Command::CreateContact {
            details: details.clone(),
            on_duplicate: OnDuplicate::Refuse,
            fields: crate::fields::FieldValues::new(),
        };
        barrier.wait();
        crm.execute_once(command, &ann, key("race-facade"), print)
            .must()
    });
    let ids: BTreeSet<RecordId> = answers
        .iter()
        .flat_map(|a| a.executed.records.iter().map(|r| r.id()))
        .collect();
    assert_eq!(ids.len(), 1, "one contact for four racing calls: {ids:?}");
    assert_eq!(
        answers.iter().filter(|a| !a.replayed).count(),
        1,
        "one call wrote, three were answered from it"
    );
}

/// [`Crm::execute_once`](crate::Crm::execute_once) over the store: a qualification made again
/// with its key writes nothing and answers with the lead and the opportunity the first wrote, in
/// the same order; the same key with another fingerprint is
/// [`CrmError::KeyReused`]; a failed step remembers nothing.
pub fn facade_replays_a_request_made_again<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(93);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let command = || Command::Qualify {
        lead: lead.id(),
        version: lead.version(),
        qualification: sample.qualification(),
        fields: crate::fields::FieldValues::new(),
        pipeline: None,
    };
    let (k, print) = (key("qualify-once"), Fingerprint::from_bytes([5; 32]));
    let first = crm.execute_once(command(), me, k.clone(), print).must();
    assert!(
        !first.replayed,
        "facade_replays_a_request_made_again: expected `!first.replayed`"
    );
    let events = store.read_events(None, MAX_PAGE).must().events.len();
    let again = crm.execute_once(command(), me, k.clone(), print).must();
    assert!(again.replayed, "the same request again is a replay");
    assert_eq!(
        again.executed, first.executed,
        "answered with what the first wrote, in its order"
    );
    assert_eq!(
        store.read_events(None, MAX_PAGE).must().events.len(),
        events,
        "a replay writes nothing"
    );
    let other = crm.execute_once(command(), me, k.clone(), Fingerprint::from_bytes([6; 32]));
    assert!(
        matches!(other, Err(CrmError::KeyReused { ref key }) if *key == k),
        "{other:?}"
    );
    // A step that fails remembers nothing: its key is free for the request made right.
    let lost = key("fails-first");
    let wrong = crm.execute_once(command(), me, lost.clone(), print);
    assert!(
        wrong.is_err(),
        "the lead is converted: qualifying it again fails"
    );
    assert_eq!(
        recall(&store, me, &lost),
        None,
        "facade_replays_a_request_made_again: expected `recall(&store, me, &lost)` to equal `None`"
    );
}

/// Remembered requests are recalled after the store is closed and opened again.
pub fn keys_are_recalled_after_reopen<S: Store, T: Store>(
    new: impl Fn() -> S,
    reopen: impl FnOnce(S) -> T,
) {
    let store = new();
    let sample = Sample::new(94);
    let ann = user("kit:ann");
    let k = key("durable");
    let contact = sample.contact();
    let first = request(&ann, &k, 1, 0);
    commit(&store, keyed(contact.clone(), first.clone()));
    let store = reopen(store);
    let remembered = recall(&store, &ann, &k).expect("kept across a reopen");
    assert_eq!(
        remembered.request, first,
        "keys_are_recalled_after_reopen: expected `remembered.request` to equal `first`"
    );
    assert_eq!(
        remembered.written,
        vec![(RecordId::Contact(contact.id()), Version::FIRST)],
        "keys_are_recalled_after_reopen: expected `remembered.written` to equal `vec![(RecordId::Contact(contact.id()), Version::FIRST)]`"
    );
    let c = conflict::<T>(store.commit(keyed(sample.contact(), request(&ann, &k, 1, 1))));
    assert_eq!(
        c.kind,
        ConflictKind::KeyUsed,
        "keys_are_recalled_after_reopen: expected `c.kind` to equal `ConflictKind::KeyUsed`"
    );
}
