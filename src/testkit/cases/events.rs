//! The outbox: events written with their commits, read in commit order from a cursor, never
//! skipped by a reader running during commits, kept across a reopen, pruned.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use super::*;
use crate::context::Clock;
use crate::event::{EVENT_SCHEMA, Event, EventId, Payload, Position, StoredEvent};

/// Every event after `after`, read `page` at a time: checks that positions increase, that no
/// event is unreadable and that each page's `last` is its last event's position.
#[track_caller]
pub(crate) fn read_events_after<S: Store>(
    store: &S,
    after: Option<Position>,
    page: usize,
) -> Vec<StoredEvent> {
    let mut events: Vec<StoredEvent> = Vec::new();
    let mut cursor = after;
    loop {
        let read = store.read_events(cursor, page).must();
        assert!(
            read.unreadable.is_empty(),
            "unreadable events: {:?}",
            read.unreadable
        );
        assert!(
            read.events.len() <= page.max(1),
            "a page holds at most its limit"
        );
        let Some(last) = read.events.last() else {
            assert_eq!(read.last, None, "an empty page has no last position");
            return events;
        };
        assert_eq!(read.last, Some(last.position), "a page's last position");
        for event in &read.events {
            if let Some(before) = cursor {
                assert!(
                    event.position > before,
                    "event at {} read after {before}: not in position order",
                    event.position
                );
            }
            cursor = Some(event.position);
        }
        events.extend(read.events);
    }
}

/// The names of the events' payloads, in order.
fn names(events: &[StoredEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.event.payload().name()).collect()
}

/// Events are written by committed batches only: a batch that conflicts (on a version, an
/// email address, a stale copy through the facade) writes none; a committed batch writes
/// exactly the events it carries, as they were emitted.
pub fn events_are_written_only_by_committed_batches<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(60);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let stale = crm
        .load::<Lead<New>>(lead.id(), &crate::testkit::reader())
        .must();
    crm.log_touch(lead, sample.touch(), me).must();
    match crm.disqualify(stale, sample.disqualification(), me) {
        Err(e) if e.is_conflict() => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        names(&read_events_after(&store, None, MAX_PAGE)),
        ["ContactCreated", "LeadOpened", "LeadContacted"],
        "the conflicted step wrote no event"
    );

    let event = |record: RecordId, version| {
        let ids = crate::id::SequentialIds::new(61);
        Event::new(
            &ids,
            Event::commit_key(&ids),
            (record, version),
            me.clone(),
            sample.clock().now(),
            Payload::ContactErased,
        )
    };
    // A version conflict, a taken address: nothing written, events included.
    let mut batch = Batch::new();
    batch.create(contact.value().clone()).expect("one write");
    batch.emit(event(RecordId::Contact(contact.id()), Version::FIRST));
    conflict::<S>(store.commit(batch));
    let mut batch = Batch::new();
    let other = sample.contact();
    let email = contact.email().cloned().expect("the sample has an email");
    batch.require_no_contact_with(&email);
    batch.emit(event(other.id().into(), Version::FIRST));
    batch.create(other).expect("one write");
    conflict::<S>(store.commit(batch));
    assert_eq!(
        read_events_after(&store, None, MAX_PAGE).len(),
        3,
        "events_are_written_only_by_committed_batches: expected `read_events_after(&store, None, MAX_PAGE).len()` to equal `3`"
    );

    // A committed batch writes its events as emitted; one without events writes none.
    let mut batch = Batch::new();
    let third = sample.contact();
    let emitted = event(third.id().into(), Version::FIRST);
    batch.create(third).expect("one write");
    batch.emit(emitted.clone());
    commit(&store, batch);
    let mut batch = Batch::new();
    batch.create(sample.contact()).expect("one write");
    commit(&store, batch);
    let events = read_events_after(&store, None, MAX_PAGE);
    assert_eq!(
        events.len(),
        4,
        "events_are_written_only_by_committed_batches: expected `events.len()` to equal `4`"
    );
    assert_eq!(events[3].event, emitted, "the event reads back as emitted");
}

/// A lifecycle through the facade writes one event per record written, in commit order: each
/// commit's events side by side under one commit key, each record's versions counting 1, 2,
/// 3, ..., the actor, the clock's time and the schema in every envelope; reading one event at
/// a time gives the same events as reading them all at once.
pub fn events_follow_commit_order_with_one_key_per_commit<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(62);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let Qualified { opportunity, .. } = crm.qualify(lead, sample.qualification(), me).must();
    let opportunity = crm.propose(opportunity, sample.proposal(), me).must();
    let opportunity = crm.negotiate(opportunity, sample.note("price"), me).must();
    let opportunity = crm
        .enter_contracting(opportunity, sample.terms(), sample.incumbent(), me)
        .must();
    crm.win(opportunity, sample.contract(900), me).must();

    let events = read_events_after(&store, None, MAX_PAGE);
    assert_eq!(
        names(&events),
        [
            "ContactCreated",
            "LeadOpened",
            "LeadContacted",
            "LeadQualified",
            "OpportunityOpened",
            "OpportunityAdvanced",
            "OpportunityAdvanced",
            "OpportunityAdvanced",
            "OpportunityWon",
            "AccountOpened",
        ],
        "events_follow_commit_order_with_one_key_per_commit: expected `names(&events)` to equal `[ \"ContactCreated\", \"LeadOpened\", \"LeadContacted\", \"LeadQualified\", \"OpportunityOpened\", \"OpportunityAdvanced\", \"OpportunityAdvanced\", \"OpportunityAdvanced\", \"OpportunityWon\", \"AccountOpened\", ]`"
    );
    assert_eq!(read_events_after(&store, None, 1), events, "one at a time");
    // Commits: the qualification (lead and opportunity) and the win (opportunity and account)
    // write two records each; every other step one.
    let commits: Vec<usize> = events
        .iter()
        .map(|e| {
            events
                .iter()
                .position(|f| f.event.commit() == e.event.commit())
                .expect("itself")
        })
        .collect();
    assert_eq!(
        commits,
        [0, 1, 2, 3, 3, 5, 6, 7, 8, 8],
        "events_follow_commit_order_with_one_key_per_commit: expected `commits` to equal `[0, 1, 2, 3, 3, 5, 6, 7, 8, 8]`"
    );
    let ids: HashSet<EventId> = events.iter().map(|e| e.event.id()).collect();
    assert_eq!(ids.len(), events.len(), "event ids are unique");
    let mut versions: HashMap<RecordId, u64> = HashMap::new();
    for StoredEvent { event, .. } in &events {
        let seen = versions.entry(event.record()).or_insert(0);
        *seen += 1;
        assert_eq!(
            event.version().get(),
            *seen,
            "{}: versions count",
            event.record()
        );
        assert_eq!(
            event.actor(),
            me,
            "events_follow_commit_order_with_one_key_per_commit: expected `event.actor()` to equal `me`"
        );
        assert_eq!(
            event.occurred_at(),
            sample.clock().now(),
            "events_follow_commit_order_with_one_key_per_commit: expected `event.occurred_at()` to equal `sample.clock().now()`"
        );
        assert_eq!(
            event.schema(),
            EVENT_SCHEMA,
            "events_follow_commit_order_with_one_key_per_commit: expected `event.schema()` to equal `EVENT_SCHEMA`"
        );
    }
    for (record, version) in versions {
        let stored = store.load(record).must().expect("stored");
        assert_eq!(stored.version().get(), version, "{record}: its last event");
    }
}

/// Four writer threads commit through the facade (new contacts and leads, and racing steps on
/// shared leads, which conflict) while a reader polls the outbox from its cursor. At the end
/// the reader has seen every committed event, counting each id once (delivery is at least
/// once): none was skipped because it committed after the reader passed its position.
pub fn event_reader_misses_nothing_during_concurrent_commits<S: Store + Sync>(new: impl Fn() -> S) {
    const WRITERS: u64 = 4;
    const ROUNDS: u64 = 60;
    let store = new();
    let sample = Sample::new(63);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let shared: Vec<crate::id::LeadId> = (0..ROUNDS)
        .map(|_| {
            let contact = crm
                .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
                .must()
                .into_contact();
            crm.open_lead(&contact, sample.interest(), me).must().id()
        })
        .collect();
    let before = read_events_after(&store, None, MAX_PAGE).len() as u64;
    let written = std::sync::atomic::AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let seen: Vec<StoredEvent> = thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut seen = Vec::new();
            let mut cursor = None;
            loop {
                // Read `done` before the page: a page read after it is the last word.
                let finished = done.load(Ordering::SeqCst);
                let page = store.read_events(cursor, 16).must();
                cursor = page.last.or(cursor);
                let empty = page.events.is_empty();
                seen.extend(page.events);
                if finished && empty {
                    return seen;
                }
                if empty {
                    thread::yield_now();
                }
            }
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (crm, sample, shared, written) = (&crm, &sample, &shared, &written);
                s.spawn(move || {
                    for lead in shared {
                        let contact = crm
                            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
                            .must()
                            .into_contact();
                        crm.open_lead(&contact, sample.interest(), me).must();
                        written.fetch_add(2, Ordering::SeqCst);
                        // Every writer tries the same step on the same lead: one commits.
                        let touched = crm
                            .load::<Lead<New>>(*lead, &crate::testkit::reader())
                            .and_then(|lead| crm.log_touch(lead, sample.touch(), me));
                        match touched {
                            Ok(_) => {
                                written.fetch_add(1, Ordering::SeqCst);
                            }
                            Err(e) if e.is_conflict() => {}
                            // Touched by another writer already.
                            Err(CrmError::WrongState { .. }) => {}
                            Err(e) => panic!("{e}"),
                        }
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().expect("a writer panicked");
        }
        done.store(true, Ordering::SeqCst);
        reader.join().expect("the reader panicked")
    });
    let committed = read_events_after(&store, None, MAX_PAGE);
    let expected = before + written.load(Ordering::SeqCst);
    assert_eq!(
        committed.len() as u64,
        expected,
        "one event per committed write"
    );
    let all: HashSet<EventId> = committed.iter().map(|e| e.event.id()).collect();
    let read: HashSet<EventId> = seen.iter().map(|e| e.event.id()).collect();
    let missed = all.difference(&read).count();
    assert_eq!(
        missed, 0,
        "the polling reader missed {missed} of {expected} committed events: a commit landed \
         behind a position it had already read"
    );
    assert!(
        read.is_subset(&all),
        "the reader saw events that were never committed"
    );
    assert!(
        seen.windows(2).all(|w| w[0].position < w[1].position),
        "the reader saw positions out of order"
    );
}

/// Pruning removes the events before a position and says how many; reading from the start
/// then begins at that position; positions are never given again, even once every event is
/// pruned.
pub fn events_are_pruned_before_a_position<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(64);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let create = || {
        crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .must();
    };
    for _ in 0..5 {
        create();
    }
    let all = read_events_after(&store, None, MAX_PAGE);
    assert_eq!(
        all.len(),
        5,
        "events_are_pruned_before_a_position: expected `all.len()` to equal `5`"
    );
    assert_eq!(
        store.prune_events(all[2].position).must(),
        2,
        "events_are_pruned_before_a_position: expected `store.prune_events(all[2].position).must()` to equal `2`"
    );
    assert_eq!(
        read_events_after(&store, None, MAX_PAGE),
        all[2..],
        "events_are_pruned_before_a_position: expected `read_events_after(&store, None, MAX_PAGE)` to equal `all[2..]`"
    );
    assert_eq!(
        store.prune_events(all[2].position).must(),
        0,
        "nothing left before"
    );
    let after_last = Position::new(all[4].position.get() + 1);
    assert_eq!(
        store.prune_events(after_last).must(),
        3,
        "events_are_pruned_before_a_position: expected `store.prune_events(after_last).must()` to equal `3`"
    );
    assert!(
        read_events_after(&store, None, MAX_PAGE).is_empty(),
        "events_are_pruned_before_a_position: expected `read_events_after(&store, None, MAX_PAGE).is_empty()`"
    );
    create();
    let next = read_events_after(&store, None, MAX_PAGE);
    assert_eq!(
        next.len(),
        1,
        "events_are_pruned_before_a_position: expected `next.len()` to equal `1`"
    );
    assert!(
        next[0].position > all[4].position,
        "position {} given again after pruning (the last was {})",
        next[0].position,
        all[4].position
    );
    assert_eq!(
        read_events_after(&store, Some(all[4].position), MAX_PAGE),
        next,
        "a consumer's cursor from before the pruning still reads what follows"
    );
    // Any position a consumer gives is read after or pruned before without failing.
    let last = Some(Position::new(u64::MAX));
    assert!(
        read_events_after(&store, last, MAX_PAGE).is_empty(),
        "events_are_pruned_before_a_position: expected `read_events_after(&store, last, MAX_PAGE).is_empty()`"
    );
    assert_eq!(
        store.prune_events(Position::new(u64::MAX)).must(),
        1,
        "events_are_pruned_before_a_position: expected `store.prune_events(Position::new(u64::MAX)).must()` to equal `1`"
    );
}

/// `read_events` clamps its limit to `1..=MAX_PAGE` and reads past the end without failing: a
/// limit of 0 reads one event (never an empty page while events follow, where a consumer
/// would wait for ever), a limit past the number of events (or `usize::MAX`) reads them all,
/// and a read after the last event or far beyond it is an empty page whose `last` is `None`.
/// Positions follow each other **without gaps** in commit order: each event's position is
/// one more than the one before, even with conflicted commits (which carried events) in
/// between and after a pruning, so a consumer tells a pruned or lost event by a gap.
pub fn event_limits_are_clamped_and_positions_have_no_gaps<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(145);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let email = contact.email().cloned().expect("the sample has an email");
    let refused = || {
        // A duplicate contact, refused at commit with its event.
        let other = sample.contact();
        let mut batch = Batch::new();
        batch.require_no_contact_with(&email);
        batch.emit(Event::new(
            &crate::id::SequentialIds::new(146),
            Event::commit_key(&crate::id::SequentialIds::new(146)),
            (RecordId::Contact(other.id()), Version::FIRST),
            me.clone(),
            sample.clock().now(),
            Payload::ContactErased,
        ));
        batch.create(other).must();
        conflict::<S>(store.commit(batch));
    };
    for _ in 0..3 {
        refused();
        let lead = crm.open_lead(&contact, sample.interest(), me).must();
        crm.log_touch(lead, sample.touch(), me).must();
    }
    let all = read_events_after(&store, None, MAX_PAGE);
    assert_eq!(
        all.len(),
        7,
        "one event per committed write, found {}",
        all.len()
    );
    let gaps = |events: &[StoredEvent]| -> Vec<(Position, Position)> {
        events
            .windows(2)
            .filter(|w| w[1].position.get() != w[0].position.get() + 1)
            .map(|w| (w[0].position, w[1].position))
            .collect()
    };
    assert_eq!(
        gaps(&all),
        vec![],
        "expected each position one more than the one before (conflicted commits in between \
         take none), found gaps between these"
    );

    let read = |after: Option<Position>, limit: usize| {
        store
            .read_events(after, limit)
            .unwrap_or_else(|e| panic!("read_events({after:?}, {limit}): {e}"))
    };
    let one = read(None, 0);
    assert_eq!(
        one.events.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![all[0].position],
        "read_events with a limit of 0: expected one event (the limit is clamped to 1)"
    );
    assert_eq!(
        one.last,
        Some(all[0].position),
        "a page of one: its last position"
    );
    for limit in [all.len(), all.len() + 1, MAX_PAGE + 1, usize::MAX] {
        let page = read(None, limit);
        assert_eq!(
            page.events,
            all,
            "read_events with a limit of {limit}, past the {} events: expected them all",
            all.len()
        );
    }
    let last = all[all.len() - 1].position;
    for after in [last, Position::new(last.get() + 1), Position::new(u64::MAX)] {
        for limit in [0, 1, usize::MAX] {
            let page = read(Some(after), limit);
            assert!(
                page.events.is_empty() && page.unreadable.is_empty() && page.last.is_none(),
                "read_events after {after} (the last is {last}), limit {limit}: expected an \
                 empty page with no last position, found {page:?}"
            );
        }
    }

    store.prune_events(all[3].position).must();
    refused();
    crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must();
    let kept = read_events_after(&store, None, MAX_PAGE);
    assert_eq!(
        kept.first().map(|e| e.position),
        Some(all[3].position),
        "after pruning before {}: expected the first event kept there",
        all[3].position
    );
    assert_eq!(
        gaps(&kept),
        vec![],
        "after a pruning and a conflicted commit: expected the next event right after the \
         last, found gaps between these"
    );
}

/// A consumer's cursor works across a reopen: the events after it read back the same, and
/// events committed after the reopen come after every earlier position.
pub fn events_resume_from_a_cursor_after_reopen<S: Store, T: Store>(
    new: impl Fn() -> S,
    reopen: impl FnOnce(S) -> T,
) {
    let store = new();
    let sample = Sample::new(65);
    let me = sample.actor();
    {
        let crm = sample.crm(&store);
        for _ in 0..3 {
            crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
                .must();
        }
    }
    let before = read_events_after(&store, None, MAX_PAGE);
    let cursor = before[1].position;
    let store = reopen(store);
    assert_eq!(
        read_events_after(&store, None, MAX_PAGE),
        before,
        "events_resume_from_a_cursor_after_reopen: expected `read_events_after(&store, None, MAX_PAGE)` to equal `before`"
    );
    assert_eq!(
        read_events_after(&store, Some(cursor), MAX_PAGE),
        before[2..],
        "events_resume_from_a_cursor_after_reopen: expected `read_events_after(&store, Some(cursor), MAX_PAGE)` to equal `before[2..]`"
    );
    sample
        .crm(&store)
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must();
    let after = read_events_after(&store, Some(before[2].position), MAX_PAGE);
    assert_eq!(
        names(&after),
        ["ContactCreated"],
        "events_resume_from_a_cursor_after_reopen: expected `names(&after)` to equal `[\"ContactCreated\"]`"
    );
}

/// The async facade writes its events, read and pruned through the async trait.
pub fn async_events_through_the_facade<S: AsyncStore>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(66);
    let crm = sample.async_crm(&store);
    let me = sample.actor();
    block_on(async {
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .await
            .must()
            .into_contact();
        let lead = crm.open_lead(&contact, sample.interest(), me).await.must();
        crm.log_touch(lead, sample.touch(), me).await.must();
        let page = store.read_events(None, MAX_PAGE).await.must();
        let names: Vec<&str> = page
            .events
            .iter()
            .map(|e| e.event.payload().name())
            .collect();
        assert_eq!(
            names,
            ["ContactCreated", "LeadOpened", "LeadContacted"],
            "async_events_through_the_facade: expected `names` to equal `[\"ContactCreated\", \"LeadOpened\", \"LeadContacted\"]`"
        );
        let last = page.last.expect("three events");
        assert_eq!(
            store.prune_events(last).await.must(),
            2,
            "async_events_through_the_facade: expected `store.prune_events(last).await.must()` to equal `2`"
        );
        let rest = store.read_events(None, MAX_PAGE).await.must();
        assert_eq!(
            rest.events,
            page.events[2..],
            "async_events_through_the_facade: expected `rest.events` to equal `page.events[2..]`"
        );
    });
}
