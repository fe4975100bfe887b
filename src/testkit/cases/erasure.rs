//! Erasure against the records created about a contact at the same time: a batch can require
//! a record it does not write to be unchanged, and a contact to be named by a number of
//! records, so that a record created about a contact erased since it was read, or an erasure
//! that missed a record created since it listed them, is a conflict. Nothing about an erased
//! contact keeps its text.

use super::*;
use crate::activity::{ActivityDetails, ActivityKind};
use crate::id::ContactId;
use crate::store::ConflictKind;
use crate::task::{Due, TaskDetails};

/// The conflict of `batch`, which must be refused; `written` must not be stored after it.
#[track_caller]
fn refused<S: Store>(store: &S, batch: Batch, written: RecordId) -> Conflict {
    let conflict = match store.commit(batch) {
        Err(CommitError::Conflict(c)) => c,
        Err(CommitError::Store(e)) => panic!("expected a conflict, got the store's error {e}"),
        Ok(()) => panic!("expected a conflict, the batch committed"),
    };
    assert!(
        load(store, written).is_none(),
        "expected nothing of the refused batch written, found {written}"
    );
    conflict
}

/// A batch that creates a new contact (the id it writes) under the requirement `require` adds.
#[track_caller]
fn creating_one(sample: &Sample, require: impl FnOnce(&mut Batch)) -> (Batch, RecordId) {
    let other = sample.contact();
    let written = RecordId::Contact(other.id());
    let mut batch = Batch::new();
    require(&mut batch);
    batch.create(other).must();
    (batch, written)
}

/// A batch that requires a record to be unchanged commits while it is, and conflicts once it
/// was updated or when it does not exist, naming it, the version required and the one found.
pub fn required_unchanged_record_conflicts_once_it_changed<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(40);
    let contact = sample.contact();
    let relied = create(&store, contact.clone());
    let relying = |b: &mut Batch| {
        b.require_unchanged(relied, Version::FIRST);
    };
    commit(&store, creating_one(&sample, relying).0);
    let mut batch = Batch::new();
    batch.update(contact, Version::FIRST).must();
    commit(&store, batch);
    let (batch, written) = creating_one(&sample, relying);
    let conflict = refused(&store, batch, written);
    assert_eq!(
        (
            conflict.record,
            conflict.expected,
            conflict.actual,
            conflict.kind
        ),
        (
            relied,
            Some(Version::FIRST),
            Some(Version::FIRST.next()),
            ConflictKind::Version
        ),
        "expected the relied-on record named with both versions"
    );
    let missing = RecordId::Contact(sample.contact().id());
    let (batch, written) = creating_one(&sample, |b| {
        b.require_unchanged(missing, Version::FIRST);
    });
    let conflict = refused(&store, batch, written);
    assert_eq!(
        (conflict.record, conflict.actual),
        (missing, None),
        "expected the missing record named"
    );
}

/// A batch that requires a contact to be named by `n` records commits while it is, and
/// conflicts once another record names it ([`ConflictKind::RecordsOfContact`]).
pub fn required_records_of_a_contact_conflict_once_one_was_added<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(41);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let count = |n: u64| {
        creating_one(&sample, |b| {
            b.require_records_of(contact.id(), n);
        })
    };
    commit(&store, count(0).0);
    crm.open_lead(&contact, sample.interest(), me).must();
    commit(&store, count(1).0);
    crm.log_activity_on_contact(&contact, details(&sample, "call"), me)
        .must();
    let (batch, written) = count(1);
    let conflict = refused(&store, batch, written);
    assert_eq!(
        (conflict.record, conflict.kind),
        (
            RecordId::Contact(contact.id()),
            ConflictKind::RecordsOfContact
        ),
        "expected the contact named"
    );
    commit(&store, count(2).0);
}

/// The count a batch requires of a contact's records is of the records stored **before** the
/// batch's own writes: a batch that creates a lead of a contact named by one record, and
/// requires one, commits; one that creates another and requires three (what would be stored
/// after it) conflicts, naming the contact, and writes nothing. Deterministic: no race needed
/// to tell a count made before the writes from one made after.
pub fn records_of_a_contact_are_counted_before_the_batch_writes<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(144);
    let contact = sample.contact();
    create(&store, contact.clone());
    create(
        &store,
        Lead::open(&contact, sample.interest(), &sample.ctx()),
    );
    let creating = |required: u64| {
        let lead = Lead::open(&contact, sample.interest(), &sample.ctx());
        let written = RecordId::Lead(lead.id());
        let mut batch = Batch::new();
        batch.require_records_of(contact.id(), required);
        batch.create(lead).must();
        (batch, written)
    };
    let (batch, written) = creating(1);
    if let Err(e) = store.commit(batch) {
        panic!(
            "a batch creating a lead of a contact named by one record, requiring one: expected \
             it to commit (the count is of what is stored before the batch's writes), found {e}"
        );
    }
    assert!(load(&store, written).is_some(), "the lead was written");
    let (batch, written) = creating(3);
    let conflict = refused(&store, batch, written);
    assert_eq!(
        (conflict.record, conflict.kind),
        (
            RecordId::Contact(contact.id()),
            ConflictKind::RecordsOfContact
        ),
        "a batch creating a third lead and requiring three (the count after its writes): \
         expected the contact named, found {conflict}"
    );
}

fn details(sample: &Sample, what: &str) -> ActivityDetails {
    ActivityDetails::new(ActivityKind::Call, sample.summary(what))
}

/// Records about a contact, a lead or an opportunity read before the contact was erased are
/// refused as conflicts: nothing new about an erased contact is stored.
pub fn records_about_a_contact_erased_since_it_was_read_are_refused<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(42);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    // The lead as read before the erasure (the erasure takes only the contact).
    let (stale_contact, stale_lead) = (contact.clone(), lead);
    crm.erase_contact(contact, me).must();
    let task = TaskDetails::new(
        sample.summary("call back"),
        me.clone(),
        Due::On(sample.today()),
    );
    let outcomes = [
        (
            "a lead",
            crm.open_lead(&stale_contact, sample.interest(), me).err(),
        ),
        (
            "an activity on the contact",
            crm.log_activity_on_contact(&stale_contact, details(&sample, "call"), me)
                .err(),
        ),
        (
            "an activity on the lead",
            crm.log_activity_on_lead(&stale_lead, details(&sample, "demo"), me)
                .err(),
        ),
        (
            "a task on the contact",
            crm.add_task_on_contact(&stale_contact, task.clone(), me)
                .err(),
        ),
        (
            "a task on the lead",
            crm.add_task_on_lead(&stale_lead, task, me).err(),
        ),
    ];
    for (what, outcome) in outcomes {
        match outcome {
            Some(e) if e.is_conflict() => {}
            other => panic!("expected {what} about the erased contact refused, got {other:?}"),
        }
    }
    assert_eq!(
        records_of(&store, stale_contact.id()).len(),
        1,
        "expected its one lead only"
    );
}

/// Every record naming `contact`, of every kind that names one.
#[track_caller]
fn records_of<S: Store>(store: &S, contact: ContactId) -> Vec<Versioned<Record>> {
    let mut found = Vec::new();
    for kind in [
        RecordKind::Lead,
        RecordKind::Opportunity,
        RecordKind::Account,
        RecordKind::Activity,
        RecordKind::Task,
    ] {
        let page = store
            .list(&Query::of_kind(kind).of_contact(contact), None, MAX_PAGE)
            .must();
        found.extend(page.records);
    }
    found
}

/// Three threads log activities and add tasks about a contact and its lead, each time on
/// copies read just before, while a fourth erases the contact (reading again after a
/// conflict). At the end every record of the contact is erased: none was created after the
/// erasure read them and kept its text.
pub fn erasure_racing_new_records_leaves_none_with_its_text<S: Store + Sync>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(43);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let (contact, lead) = (contact.id(), lead.id());
    race(|n, barrier| {
        barrier.wait();
        if n == 0 {
            // Let the others start, then erase.
            for _ in 0..3 {
                thread::yield_now();
            }
            loop {
                let current = crm
                    .load::<crate::contact::Contact>(contact, &crate::testkit::reader())
                    .must();
                match crm.erase_contact(current, me) {
                    Ok(_) => return,
                    Err(e) if e.is_conflict() => continue,
                    Err(e) => panic!("{e}"),
                }
            }
        }
        for i in 0..40 {
            let current = crm
                .load::<crate::contact::Contact>(contact, &crate::testkit::reader())
                .must();
            if current.erasure().is_some() {
                return;
            }
            let outcome = if i % 2 == 0 {
                crm.log_activity(lead, details(&sample, "call"), me)
                    .map(|_| ())
            } else {
                let task = TaskDetails::new(
                    sample.summary("follow up"),
                    me.clone(),
                    Due::On(sample.today()),
                );
                crm.add_task_on_contact(&current, task, me).map(|_| ())
            };
            match outcome {
                Ok(()) => {}
                Err(e) if e.is_conflict() => {}
                Err(CrmError::ContactErased { .. }) => return,
                Err(e) => panic!("{e}"),
            }
        }
    });
    for record in records_of(&store, contact) {
        assert!(
            record.value().history_mark().is_erased(),
            "expected every record of the erased contact erased, found {} with its text",
            record.id()
        );
    }
}
