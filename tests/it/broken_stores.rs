//! The conformance kit against stores broken on purpose: a small, plain store that keeps every
//! clause of the contract, and copies of it that each break one. The kit must pass the first and
//! fail every other, and this test says which cases catch which breakage.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use prospect::duplicates::DuplicateKey;
use prospect::fields::{FieldKey, FieldValue};
use prospect::testkit::{Plant, cases};
use prospect::*;
use prospect::{
    event::{Event, EventPage, Position, StoredEvent, UnreadableEvent},
    idempotency::{IdempotencyKey, Remembered},
    record::{Record, RecordId},
    store::{
        Batch, CommitError, Conflict, Cursor, FieldMatch, FieldTerm, HistoryMark, MAX_PAGE, Page,
        Precondition, Query, Store, Unreadable, Version, Versioned, Write,
    },
};

/// The clause a store breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Breakage {
    /// None: the store keeps the contract.
    None,
    /// Writes are applied whatever version they expect.
    IgnoresVersions,
    /// A batch's writes are applied one by one, up to the first that conflicts.
    NonAtomicBatch,
    /// A listing after a cursor starts at the record the cursor points at, again.
    RepeatingCursor,
    /// Listings and email look-ups come in descending id order.
    WrongOrder,
    /// An update whose history does not extend the stored one is applied.
    NoHistoryCheck,
    /// The email index keeps a contact's old address after an update.
    StaleEmailIndex,
    /// A query by owner also returns records without an owner.
    OwnerFilterLetsUnownedThrough,
    /// A query for the activities about a record returns every activity.
    RegardingIgnored,
    /// A query for a contact's records returns the records of every contact.
    ContactIgnored,
    /// A query for several states returns records in the first of them only.
    FirstStateOnly,
    /// A query for a creation period includes the records created at its end.
    PeriodEndIncluded,
    /// A batch that requires no organization with a domain is applied anyway.
    DomainCheckIgnored,
    /// A batch's events are appended before its writes are checked: a conflicted batch
    /// leaves its events in the outbox.
    EventsOfConflictedBatches,
    /// Positions are given before the commit takes the lock (as a database sequence is), so a
    /// commit can land behind a position a reader has passed: the classic outbox gap.
    PositionsBeforeCommit,
    /// Pruning gives positions again: the next event takes the position after the last one
    /// kept.
    PruneReusesPositions,
    /// Events are read newest first.
    EventsNewestFirst,
    /// A batch that requires a record it does not write to be unchanged is applied anyway.
    UnchangedIgnored,
    /// A batch that requires a contact to be named by a number of records is applied anyway.
    RecordsOfIgnored,
    /// A batch whose idempotency key was remembered before is applied anyway (and remembered
    /// again).
    KeyUsedIgnored,
    /// A row that cannot be read is left out of pages, scans, event pages and look-ups, in
    /// silence.
    SkipsUnreadable,
    /// A page or an event page with a row that cannot be read fails whole.
    FailsOnUnreadable,
    /// The history check forgets whether a stored record other than a contact is erased (the
    /// mark's erased flag is kept for contacts only).
    ErasedFlagDropped,
    /// A contact's records are counted after the batch's own writes (those it creates count).
    RecordsOfCountsOwnWrites,
    /// `read_events` takes its limit as given: 0 reads nothing, more than `MAX_PAGE` reads more.
    EventLimitUnclamped,
    /// Every commit takes its positions before its checks, so a conflicted commit leaves a gap.
    PositionsWithGaps,
    /// A used idempotency key is checked after the other requirements: a retry whose record
    /// changed since is reported as that change.
    KeyCheckedLast,
    /// The field index leaves out multi-picklists' options.
    MultiPicklistNotIndexed,
    /// A query for a boolean field's `false` also finds the records without a value.
    MissingBooleanIsFalse,
    /// A query for a range of dates leaves out its last day.
    FieldDateEndExcluded,
    /// The field index finds a term under any field (its key is not part of the entry).
    FieldKeyIgnored,
    /// The field index keeps the terms a record was created with: updates do not move them.
    FieldTermsNotMoved,
    /// Only a record's first duplicate key is indexed.
    FirstDuplicateKeyOnly,
    /// The duplicate keys a record was created with stay: updates (a correction, an erasure)
    /// do not move them.
    DuplicateKeysNotMoved,
    /// A record's contact is indexed as it was created: a merge (a relink) does not move it.
    ContactFixedAtCreation,
    /// Organizations are found by the domains in their details, a merged one's too (not by
    /// `Record::domains`, which a merged organization has none of).
    MergedDomainsKept,
    /// An organization's records are counted after the batch's own writes (a contact it moves
    /// there counts, one it moves away does not).
    RecordsOfOrganizationAfterWrites,
}

/// The contact `record` is indexed under: its contact, or, when the breakage keeps it as it
/// was created, the contact it had before its first relink.
fn indexed_contact(record: &Record, breakage: Breakage) -> Option<ContactId> {
    match (breakage, record.relinks().first()) {
        (Breakage::ContactFixedAtCreation, Some(first)) => Some(first.from()),
        _ => record.contact(),
    }
}

/// What the plain store reports when it meets a row planted as unreadable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct PlainError(String);

/// The error for the unreadable record `id`.
fn cannot_read(id: RecordId) -> PlainError {
    PlainError(format!("{id} cannot be read: planted by the kit"))
}

#[derive(Debug, Default)]
struct State {
    /// The outbox, by position.
    events: BTreeMap<Position, Event>,
    /// The last position given.
    last: u64,
    records: BTreeMap<RecordId, (Record, Version)>,
    /// Normalised address → contacts, as indexed when written.
    emails: BTreeMap<String, BTreeSet<RecordId>>,
    /// Each record's custom field terms, as indexed when written.
    terms: BTreeMap<RecordId, Vec<(FieldKey, FieldTerm)>>,
    /// Each record's duplicate keys, as indexed when written.
    duplicate_keys: BTreeMap<RecordId, Vec<DuplicateKey>>,
    /// The remembered requests, by actor and key.
    keys: BTreeMap<(User, IdempotencyKey), Remembered>,
    /// The records planted as unreadable (their index entries stay).
    bad: BTreeSet<RecordId>,
    /// The events planted as unreadable.
    bad_events: BTreeSet<Position>,
}

/// A store in a `BTreeMap` behind a mutex, with one clause broken (or none).
#[derive(Debug)]
struct Plain {
    breakage: Breakage,
    state: Mutex<State>,
    /// Positions given before the lock ([`Breakage::PositionsBeforeCommit`]).
    sequence: AtomicU64,
}

impl Plain {
    /// The domains `record` is found by: `Record::domains`, or, when the breakage keeps them,
    /// an organization's own.
    fn domains_of<'a>(&self, record: &'a Record) -> &'a [Domain] {
        match (self.breakage, record) {
            (Breakage::MergedDomainsKept, Record::Organization(o)) => o.domains(),
            _ => record.domains(),
        }
    }

    fn new(breakage: Breakage) -> Plain {
        Plain {
            breakage,
            state: Mutex::new(State::default()),
            sequence: AtomicU64::new(0),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The kit's `corrupt` hook: the record or event can no longer be read.
    fn corrupt(&self, plant: Plant) {
        let mut state = self.state();
        match plant {
            Plant::Record(id) => state.bad.insert(id),
            Plant::Event(position) => state.bad_events.insert(position),
            _ => unreachable!("the kit plants records and events"),
        };
    }

    /// `found`, the records a look-up reached, as this store serves them: an error naming the
    /// first unreadable one (or, broken, without them).
    fn served<T>(&self, state: &State, found: Vec<(RecordId, T)>) -> Result<Vec<T>, PlainError> {
        let mut served = Vec::new();
        for (id, value) in found {
            if !state.bad.contains(&id) {
                served.push(value);
            } else if self.breakage != Breakage::SkipsUnreadable {
                return Err(cannot_read(id));
            }
        }
        Ok(served)
    }
}

impl State {
    fn append(&mut self, events: Vec<Event>, breakage: Breakage) {
        for event in events {
            self.last = match (breakage, self.events.last_key_value()) {
                (Breakage::PruneReusesPositions, Some((last, _))) => last.get() + 1,
                (Breakage::PruneReusesPositions, None) => 1,
                _ => self.last + 1,
            };
            self.events.insert(Position::new(self.last), event);
        }
    }

    fn check(&self, write: &Write, breakage: Breakage) -> Result<(), Conflict> {
        let id = write.record().id();
        let stored = self.records.get(&id);
        let actual = stored.map(|(_, v)| *v);
        let fits = match write.precondition() {
            Precondition::Absent => actual.is_none(),
            Precondition::Version(v) => actual == Some(v),
        };
        if !fits && breakage != Breakage::IgnoresVersions {
            return Err(Conflict::new(id, write.precondition(), actual));
        }
        if let (Some((record, version)), Precondition::Version(_)) = (stored, write.precondition())
        {
            let mut mark = record.history_mark();
            if breakage == Breakage::ErasedFlagDropped && !matches!(record, Record::Contact(_)) {
                mark = HistoryMark::new(mark.len(), mark.tip(), false);
            }
            if breakage != Breakage::NoHistoryCheck && !write.record().extends(&mark) {
                return Err(Conflict::stale_history(id, *version));
            }
        }
        Ok(())
    }

    fn apply(&mut self, record: Record, breakage: Breakage) {
        let id = record.id();
        let version = self
            .records
            .get(&id)
            .map_or(Version::FIRST, |(_, v)| v.next());
        if let Some((old, _)) = self.records.get(&id) {
            if let Some(email) = old.email() {
                if breakage != Breakage::StaleEmailIndex {
                    if let Some(ids) = self.emails.get_mut(&email.normalized()) {
                        ids.remove(&id);
                    }
                }
            }
        }
        if let Some(email) = record.email() {
            self.emails
                .entry(email.normalized())
                .or_default()
                .insert(id);
        }
        let terms = record
            .custom_fields()
            .into_iter()
            .flat_map(|custom| custom.values().iter())
            .filter(|(_, value)| {
                breakage != Breakage::MultiPicklistNotIndexed
                    || !matches!(value, FieldValue::MultiPicklist(_))
            })
            .flat_map(|(key, value)| FieldTerm::of(value).map(move |term| (key.clone(), term)))
            .collect();
        if breakage != Breakage::FieldTermsNotMoved || !self.records.contains_key(&id) {
            self.terms.insert(id, terms);
        }
        let mut keys = record.duplicate_keys();
        if breakage == Breakage::FirstDuplicateKeyOnly {
            keys.truncate(1);
        }
        if breakage != Breakage::DuplicateKeysNotMoved || !self.records.contains_key(&id) {
            self.duplicate_keys.insert(id, keys);
        }
        self.records.insert(id, (record, version));
    }

    /// Whether the record `id` has, as indexed, a value of each field `query` asks about that
    /// matches.
    fn fields_match(&self, id: &RecordId, query: &Query, breakage: Breakage) -> bool {
        let terms = self.terms.get(id).map_or(&[][..], Vec::as_slice);
        query.fields().iter().all(|(field, matching)| {
            if breakage == Breakage::MissingBooleanIsFalse
                && *matching == FieldMatch::Boolean(false)
                && !terms.iter().any(|(key, _)| key == field)
            {
                return true;
            }
            terms.iter().any(|(key, term)| {
                (key == field || breakage == Breakage::FieldKeyIgnored)
                    && match (matching, term) {
                        (FieldMatch::DateBetween(first, last), FieldTerm::Date(day))
                            if breakage == Breakage::FieldDateEndExcluded =>
                        {
                            (first..last).contains(&day)
                        }
                        _ => matching.accepts(term),
                    }
            })
        })
    }
}

impl Store for Plain {
    type Error = PlainError;

    fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, Self::Error> {
        let state = self.state();
        if state.bad.contains(&id) {
            return Err(cannot_read(id));
        }
        Ok(state
            .records
            .get(&id)
            .map(|(r, v)| Versioned::new(r.clone(), *v)))
    }

    fn commit(&self, batch: Batch) -> Result<(), CommitError<Self::Error>> {
        // A sequence read outside the lock, then a pause before the commit: a commit that
        // took a later position lands first (every other commit pauses longer), as in a
        // database whose sequence gives positions before commit.
        let reserved = (self.breakage == Breakage::PositionsBeforeCommit).then(|| {
            let first = self
                .sequence
                .fetch_add(batch.events().len() as u64, Ordering::SeqCst);
            let pause = if first % 2 == 0 { 3_000 } else { 100 };
            std::thread::sleep(std::time::Duration::from_micros(pause));
            first
        });
        let mut state = self.state();
        if self.breakage == Breakage::EventsOfConflictedBatches {
            state.append(batch.events().to_vec(), self.breakage);
        }
        if self.breakage == Breakage::PositionsWithGaps {
            state.last += batch.events().len() as u64;
        }
        let key_used = match (batch.remembered(), batch.writes().first()) {
            (Some(request), Some(first))
                if self.breakage != Breakage::KeyUsedIgnored
                    && state
                        .keys
                        .contains_key(&(request.actor.clone(), request.key.clone())) =>
            {
                Some(Conflict::key_used(first.record().id()))
            }
            _ => None,
        };
        if let (Some(conflict), false) = (&key_used, self.breakage == Breakage::KeyCheckedLast) {
            return Err((*conflict).into());
        }
        for email in batch.absent_emails() {
            let first = state
                .emails
                .get(&email.normalized())
                .and_then(|ids| ids.iter().next())
                .and_then(|id| state.records.get(id));
            if let Some((Record::Contact(c), version)) = first {
                return Err(Conflict::email_taken(c.id(), *version).into());
            }
        }
        let domains = match self.breakage {
            Breakage::DomainCheckIgnored => &[][..],
            _ => batch.absent_domains(),
        };
        for domain in domains {
            // Organizations by scan: this store keeps no index of domains.
            let first = state
                .records
                .values()
                .find(|(r, _)| r.domains().contains(domain));
            if let Some((Record::Organization(o), version)) = first {
                return Err(Conflict::domain_taken(o.id(), *version).into());
            }
        }
        if self.breakage != Breakage::UnchangedIgnored {
            for (id, version) in batch.unchanged() {
                let actual = state.records.get(id).map(|(_, v)| *v);
                if actual != Some(*version) {
                    let expected = store::Precondition::Version(*version);
                    return Err(Conflict::new(*id, expected, actual).into());
                }
            }
        }
        if self.breakage != Breakage::RecordsOfIgnored {
            for (contact, count) in batch.records_of() {
                // By scan: this store keeps no index of contacts' records.
                let mut found = state
                    .records
                    .values()
                    .filter(|(r, _)| indexed_contact(r, self.breakage) == Some(*contact))
                    .count();
                if self.breakage == Breakage::RecordsOfCountsOwnWrites {
                    found += batch
                        .writes()
                        .iter()
                        .filter(|w| {
                            w.precondition() == Precondition::Absent
                                && w.record().contact() == Some(*contact)
                        })
                        .count();
                }
                if found as u64 != *count {
                    return Err(Conflict::records_of_contact(*contact).into());
                }
            }
        }
        for (organization, count) in batch.records_of_organization() {
            // By scan: this store keeps no index of organizations' records.
            let names = |r: &Record| r.organization() == Some(*organization);
            let mut found = state.records.values().filter(|(r, _)| names(r)).count();
            if self.breakage == Breakage::RecordsOfOrganizationAfterWrites {
                for write in batch.writes() {
                    let id = write.record().id();
                    let was = state.records.get(&id).is_some_and(|(r, _)| names(r));
                    found = found + usize::from(names(write.record())) - usize::from(was);
                }
            }
            if found as u64 != *count {
                return Err(Conflict::records_of_organization(*organization).into());
            }
        }
        if self.breakage == Breakage::KeyCheckedLast {
            // Broken: every write checked before the key.
            for write in batch.writes() {
                state.check(write, self.breakage)?;
            }
            if let Some(conflict) = key_used {
                return Err(conflict.into());
            }
        }
        let parts = batch.into_parts();
        if let Some(remembered) = parts.remember {
            let request = &remembered.request;
            let key = (request.actor.clone(), request.key.clone());
            state.keys.insert(key, *remembered);
        }
        let writes: Vec<Write> = parts.writes.collect();
        if self.breakage == Breakage::NonAtomicBatch {
            for write in writes {
                state.check(&write, self.breakage)?;
                state.apply(write.into_parts().0, self.breakage);
            }
            state.append(parts.events, self.breakage);
            return Ok(());
        }
        for write in &writes {
            state.check(write, self.breakage)?;
        }
        match reserved {
            Some(first) => {
                for (n, event) in (first + 1..).zip(parts.events) {
                    state.events.insert(Position::new(n), event);
                }
            }
            None if self.breakage == Breakage::EventsOfConflictedBatches => {}
            None => state.append(parts.events, self.breakage),
        }
        for write in writes {
            state.apply(write.into_parts().0, self.breakage);
        }
        Ok(())
    }

    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> Result<Vec<Versioned<Organization>>, Self::Error> {
        let state = self.state();
        let found = state
            .records
            .values()
            .filter_map(|(r, v)| match r {
                Record::Organization(o) if self.domains_of(r).contains(domain) => {
                    Some((r.id(), Versioned::new(o.clone(), *v)))
                }
                _ => None,
            })
            .collect();
        self.served(&state, found)
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, Self::Error> {
        let state = self.state();
        let mut found: Vec<(RecordId, Versioned<Contact>)> = state
            .emails
            .get(&email.normalized())
            .into_iter()
            .flatten()
            .filter_map(|id| state.records.get(id))
            .filter(|(r, _)| {
                // A correct store checks the contact still has the address.
                self.breakage == Breakage::StaleEmailIndex || r.email() == Some(email)
            })
            .filter_map(|(r, v)| match r {
                Record::Contact(c) => Some((r.id(), Versioned::new(c.clone(), *v))),
                _ => None,
            })
            .collect();
        if self.breakage == Breakage::WrongOrder {
            found.reverse();
        }
        self.served(&state, found)
    }

    fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, Self::Error> {
        let limit = limit.clamp(1, MAX_PAGE);
        let state = self.state();
        let owner_ok = |r: &Record| match (query.owner(), r.owner()) {
            (None, owner) => !query.is_unowned() || owner.is_none(),
            (Some(_), None) => self.breakage == Breakage::OwnerFilterLetsUnownedThrough,
            (Some(want), Some(has)) => want == has,
        };
        let after_cursor = |id: &RecordId| match after {
            None => true,
            Some(c) if self.breakage == Breakage::RepeatingCursor => id.as_uuid() >= c.as_uuid(),
            Some(c) => id.as_uuid() > c.as_uuid(),
        };
        let mut matching = state.records.iter().filter(|(id, (r, _))| {
            id.kind() == query.kind()
                && after_cursor(id)
                && query.states().is_none_or(|s| match self.breakage {
                    Breakage::FirstStateOnly => s.first() == Some(&r.state()),
                    _ => s.contains(&r.state()),
                })
                && (self.breakage == Breakage::RegardingIgnored
                    || query
                        .regarding()
                        .is_none_or(|about| r.regarding() == Some(about)))
                && (self.breakage == Breakage::ContactIgnored
                    || query
                        .contact()
                        .is_none_or(|c| indexed_contact(r, self.breakage) == Some(c)))
                && query
                    .organization()
                    .is_none_or(|o| r.organization() == Some(o))
                && query
                    .created()
                    .is_none_or(|(from, until)| match self.breakage {
                        Breakage::PeriodEndIncluded => (from..=until).contains(&r.created_at()),
                        _ => (from..until).contains(&r.created_at()),
                    })
                && query.closing().is_none_or(|(first, last)| {
                    r.expected_close()
                        .is_some_and(|d| (first..=last).contains(&d))
                })
                && owner_ok(r)
                && state.fields_match(id, query, self.breakage)
                && query.duplicate_key().is_none_or(|key| {
                    state
                        .duplicate_keys
                        .get(id)
                        .is_some_and(|keys| keys.contains(key))
                })
        });
        let rows: Vec<(&RecordId, &(Record, Version))> = matching.by_ref().take(limit).collect();
        let next = match (rows.last(), matching.next()) {
            (Some((last, _)), Some(_)) => Some(Cursor::after(**last)),
            _ => None,
        };
        let (mut records, mut unreadable) = (Vec::new(), Vec::new());
        for (id, (r, v)) in rows {
            if !state.bad.contains(id) {
                records.push(Versioned::new(r.clone(), *v));
                continue;
            }
            match self.breakage {
                Breakage::SkipsUnreadable => {}
                Breakage::FailsOnUnreadable => return Err(cannot_read(*id)),
                _ => unreadable.push(Unreadable::new(
                    id.kind(),
                    id.as_uuid().to_string(),
                    "planted by the kit",
                )),
            }
        }
        if self.breakage == Breakage::WrongOrder {
            records.reverse();
        }
        Ok(Page {
            records,
            unreadable,
            next,
        })
    }

    fn read_events(&self, after: Option<Position>, limit: usize) -> Result<EventPage, Self::Error> {
        let state = self.state();
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let limit = match self.breakage {
            Breakage::EventLimitUnclamped => limit,
            _ => limit.clamp(1, MAX_PAGE),
        };
        let mut page = EventPage::default();
        for (position, event) in state.events.range((start, Bound::Unbounded)).take(limit) {
            page.last = Some(*position);
            if !state.bad_events.contains(position) {
                page.events.push(StoredEvent {
                    position: *position,
                    event: event.clone(),
                });
                continue;
            }
            match self.breakage {
                Breakage::SkipsUnreadable => {}
                Breakage::FailsOnUnreadable => {
                    return Err(PlainError(format!(
                        "the event at {position} cannot be read"
                    )));
                }
                _ => page.unreadable.push(UnreadableEvent {
                    position: *position,
                    reason: "planted by the kit".to_string(),
                }),
            }
        }
        if self.breakage == Breakage::EventsNewestFirst {
            page.events.reverse();
        }
        Ok(page)
    }

    fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> Result<Option<Remembered>, Self::Error> {
        Ok(self
            .state()
            .keys
            .get(&(actor.clone(), key.clone()))
            .cloned())
    }

    fn prune_keys(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64, Self::Error> {
        let mut state = self.state();
        let kept = state.keys.len();
        state.keys.retain(|_, r| r.request.at >= before);
        Ok((kept - state.keys.len()) as u64)
    }

    fn prune_events(&self, before: Position) -> Result<u64, Self::Error> {
        let mut state = self.state();
        let kept = state.events.split_off(&before);
        let removed = std::mem::replace(&mut state.events, kept).len();
        Ok(removed as u64)
    }
}

/// A conformance case, named, run against one kind of store.
type Case<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// Runs each case against stores with `breakage`; returns the names of the cases that failed.
/// (The stress case is left out: whether its threads meet is a matter of timing.)
fn failing_cases(breakage: Breakage) -> Vec<&'static str> {
    let new = move || Plain::new(breakage);
    let corrupt = |store: &Plain, plant| store.corrupt(plant);
    let cases: Vec<Case<'_>> = vec![
        (
            "round_trip_every_state",
            Box::new(move || cases::round_trip_every_state(new)),
        ),
        (
            "create_twice_is_a_conflict",
            Box::new(move || cases::create_twice_is_a_conflict(new)),
        ),
        (
            "stale_update_is_a_conflict_and_changes_nothing",
            Box::new(move || cases::stale_update_is_a_conflict_and_changes_nothing(new)),
        ),
        (
            "update_of_a_missing_record_is_a_conflict",
            Box::new(move || cases::update_of_a_missing_record_is_a_conflict(new)),
        ),
        (
            "batch_with_one_conflict_writes_nothing",
            Box::new(move || cases::batch_with_one_conflict_writes_nothing(new)),
        ),
        (
            "versions_count_updates",
            Box::new(move || cases::versions_count_updates(new)),
        ),
        (
            "racing_updates_exactly_one_wins",
            Box::new(move || cases::racing_updates_exactly_one_wins(new)),
        ),
        (
            "racing_qualifications_create_one_opportunity",
            Box::new(move || cases::racing_qualifications_create_one_opportunity(new)),
        ),
        (
            "email_lookup_ignores_case_and_spaces",
            Box::new(move || cases::email_lookup_ignores_case_and_spaces(new)),
        ),
        (
            "email_lookup_returns_every_match_in_id_order",
            Box::new(move || cases::email_lookup_returns_every_match_in_id_order(new)),
        ),
        (
            "duplicate_email_conflict_names_the_first_contact",
            Box::new(move || cases::duplicate_email_conflict_names_the_first_contact(new)),
        ),
        (
            "list_filters_by_kind_state_and_owner",
            Box::new(move || cases::list_filters_by_kind_state_and_owner(new)),
        ),
        (
            "owner_filter_excludes_unowned_and_other_owners",
            Box::new(move || cases::owner_filter_excludes_unowned_and_other_owners(new)),
        ),
        (
            "pagination_is_complete_and_ordered",
            Box::new(move || cases::pagination_is_complete_and_ordered(new)),
        ),
        (
            "pagination_across_states_is_complete_and_ordered",
            Box::new(move || cases::pagination_across_states_is_complete_and_ordered(new)),
        ),
        (
            "scan_counts_match",
            Box::new(move || cases::scan_counts_match(new)),
        ),
        (
            "lifecycle_through_the_facade",
            Box::new(move || cases::lifecycle_through_the_facade(new)),
        ),
        (
            "facade_conflict_leaves_the_store_unchanged",
            Box::new(move || cases::facade_conflict_leaves_the_store_unchanged(new)),
        ),
        (
            "erase_removes_personal_data_and_keeps_the_funnel",
            Box::new(move || cases::erase_removes_personal_data_and_keeps_the_funnel(new)),
        ),
        (
            "stale_copy_at_the_current_version_is_a_conflict",
            Box::new(move || cases::stale_copy_at_the_current_version_is_a_conflict(new)),
        ),
        (
            "field_edits_are_history_the_store_checks",
            Box::new(move || cases::field_edits_are_history_the_store_checks(new)),
        ),
        (
            "records_read_back_after_reopen",
            Box::new(move || cases::records_read_back_after_reopen(new, |s| s)),
        ),
        (
            "activities_are_stored_and_erased_with_their_contact",
            Box::new(move || cases::activities_are_stored_and_erased_with_their_contact(new)),
        ),
        (
            "activities_are_listed_per_record_in_order",
            Box::new(move || cases::activities_are_listed_per_record_in_order(new)),
        ),
        (
            "corrected_email_moves_the_email_index",
            Box::new(move || cases::corrected_email_moves_the_email_index(new)),
        ),
        (
            "reassign_moves_records_between_owners",
            Box::new(move || cases::reassign_moves_records_between_owners(new)),
        ),
        (
            "revise_and_override_read_back",
            Box::new(move || cases::revise_and_override_read_back(new)),
        ),
        (
            "records_are_listed_by_contact",
            Box::new(move || cases::records_are_listed_by_contact(new)),
        ),
        (
            "list_filters_by_several_states_and_unowned",
            Box::new(move || cases::list_filters_by_several_states_and_unowned(new)),
        ),
        (
            "list_filters_by_creation_and_expected_close",
            Box::new(move || cases::list_filters_by_creation_and_expected_close(new)),
        ),
        (
            "organizations_are_refused_or_reused_by_domain",
            Box::new(move || cases::organizations_are_refused_or_reused_by_domain(new)),
        ),
        (
            "contacts_are_listed_by_organization",
            Box::new(move || cases::contacts_are_listed_by_organization(new)),
        ),
        (
            "events_are_written_only_by_committed_batches",
            Box::new(move || cases::events_are_written_only_by_committed_batches(new)),
        ),
        (
            "events_follow_commit_order_with_one_key_per_commit",
            Box::new(move || cases::events_follow_commit_order_with_one_key_per_commit(new)),
        ),
        (
            "event_reader_misses_nothing_during_concurrent_commits",
            Box::new(move || cases::event_reader_misses_nothing_during_concurrent_commits(new)),
        ),
        (
            "events_are_pruned_before_a_position",
            Box::new(move || cases::events_are_pruned_before_a_position(new)),
        ),
        (
            "events_resume_from_a_cursor_after_reopen",
            Box::new(move || cases::events_resume_from_a_cursor_after_reopen(new, |s| s)),
        ),
        (
            "required_unchanged_record_conflicts_once_it_changed",
            Box::new(move || cases::required_unchanged_record_conflicts_once_it_changed(new)),
        ),
        (
            "required_records_of_a_contact_conflict_once_one_was_added",
            Box::new(move || cases::required_records_of_a_contact_conflict_once_one_was_added(new)),
        ),
        (
            "records_about_a_contact_erased_since_it_was_read_are_refused",
            Box::new(move || {
                cases::records_about_a_contact_erased_since_it_was_read_are_refused(new)
            }),
        ),
        (
            "erasure_racing_new_records_leaves_none_with_its_text",
            Box::new(move || cases::erasure_racing_new_records_leaves_none_with_its_text(new)),
        ),
        (
            "remembered_keys_are_recalled_and_used_once",
            Box::new(move || cases::remembered_keys_are_recalled_and_used_once(new)),
        ),
        (
            "keys_are_pruned_before_a_time",
            Box::new(move || cases::keys_are_pruned_before_a_time(new)),
        ),
        (
            "racing_retries_with_one_key_commit_once",
            Box::new(move || cases::racing_retries_with_one_key_commit_once(new)),
        ),
        (
            "facade_replays_a_request_made_again",
            Box::new(move || cases::facade_replays_a_request_made_again(new)),
        ),
        (
            "keys_are_recalled_after_reopen",
            Box::new(move || cases::keys_are_recalled_after_reopen(new, |s| s)),
        ),
        (
            "pre_erasure_copies_of_a_contacts_records_are_refused",
            Box::new(move || cases::pre_erasure_copies_of_a_contacts_records_are_refused(new)),
        ),
        (
            "records_of_a_contact_are_counted_before_the_batch_writes",
            Box::new(move || cases::records_of_a_contact_are_counted_before_the_batch_writes(new)),
        ),
        (
            "event_limits_are_clamped_and_positions_have_no_gaps",
            Box::new(move || cases::event_limits_are_clamped_and_positions_have_no_gaps(new)),
        ),
        (
            "a_used_key_is_the_conflict_reported_first",
            Box::new(move || cases::a_used_key_is_the_conflict_reported_first(new)),
        ),
        (
            "records_are_listed_by_picklist_option",
            Box::new(move || cases::records_are_listed_by_picklist_option(new)),
        ),
        (
            "records_are_listed_by_boolean",
            Box::new(move || cases::records_are_listed_by_boolean(new)),
        ),
        (
            "records_are_listed_by_date_range",
            Box::new(move || cases::records_are_listed_by_date_range(new)),
        ),
        (
            "records_are_listed_by_reference",
            Box::new(move || cases::records_are_listed_by_reference(new)),
        ),
        (
            "field_index_follows_edits_and_erasure",
            Box::new(move || cases::field_index_follows_edits_and_erasure(new)),
        ),
        (
            "records_are_listed_by_duplicate_key",
            Box::new(move || cases::records_are_listed_by_duplicate_key(new)),
        ),
        (
            "duplicate_keys_follow_edits_and_erasure",
            Box::new(move || cases::duplicate_keys_follow_edits_and_erasure(new)),
        ),
        (
            "records_follow_a_merge_of_their_contact",
            Box::new(move || cases::records_follow_a_merge_of_their_contact(new)),
        ),
        (
            "organizations_follow_a_merge",
            Box::new(move || cases::organizations_follow_a_merge(new)),
        ),
        (
            "records_of_an_organization_are_counted",
            Box::new(move || cases::records_of_an_organization_are_counted(new)),
        ),
        (
            "bad_records_are_reported_in_pages_and_scans",
            Box::new(move || cases::bad_records_are_reported_in_pages_and_scans(new, corrupt)),
        ),
        (
            "bad_records_fail_their_lookups_naming_them",
            Box::new(move || cases::bad_records_fail_their_lookups_naming_them(new, corrupt)),
        ),
        (
            "bad_events_are_reported_in_their_page",
            Box::new(move || cases::bad_events_are_reported_in_their_page(new, corrupt)),
        ),
    ];
    cases
        .into_iter()
        .filter(|(_, case)| catch_unwind(AssertUnwindSafe(case)).is_err())
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn the_kit_passes_a_plain_store_and_fails_each_broken_one() {
    // (the breakage, a case that must catch it)
    let expected: &[(Breakage, &str)] = &[
        (
            Breakage::IgnoresVersions,
            "stale_update_is_a_conflict_and_changes_nothing",
        ),
        (
            Breakage::NonAtomicBatch,
            "batch_with_one_conflict_writes_nothing",
        ),
        (
            Breakage::RepeatingCursor,
            "pagination_is_complete_and_ordered",
        ),
        (
            Breakage::WrongOrder,
            "email_lookup_returns_every_match_in_id_order",
        ),
        (
            Breakage::NoHistoryCheck,
            "stale_copy_at_the_current_version_is_a_conflict",
        ),
        (
            Breakage::StaleEmailIndex,
            "erase_removes_personal_data_and_keeps_the_funnel",
        ),
        (
            Breakage::StaleEmailIndex,
            "corrected_email_moves_the_email_index",
        ),
        (Breakage::NoHistoryCheck, "revise_and_override_read_back"),
        (
            Breakage::NoHistoryCheck,
            "field_edits_are_history_the_store_checks",
        ),
        (
            Breakage::OwnerFilterLetsUnownedThrough,
            "owner_filter_excludes_unowned_and_other_owners",
        ),
        (
            Breakage::RegardingIgnored,
            "activities_are_listed_per_record_in_order",
        ),
        (Breakage::ContactIgnored, "records_are_listed_by_contact"),
        (
            Breakage::FirstStateOnly,
            "list_filters_by_several_states_and_unowned",
        ),
        (
            Breakage::PeriodEndIncluded,
            "list_filters_by_creation_and_expected_close",
        ),
        (
            Breakage::DomainCheckIgnored,
            "organizations_are_refused_or_reused_by_domain",
        ),
        (
            Breakage::EventsOfConflictedBatches,
            "events_are_written_only_by_committed_batches",
        ),
        (
            Breakage::PositionsBeforeCommit,
            "event_reader_misses_nothing_during_concurrent_commits",
        ),
        (
            Breakage::PruneReusesPositions,
            "events_are_pruned_before_a_position",
        ),
        (
            Breakage::EventsNewestFirst,
            "events_follow_commit_order_with_one_key_per_commit",
        ),
        (
            Breakage::UnchangedIgnored,
            "required_unchanged_record_conflicts_once_it_changed",
        ),
        (
            Breakage::UnchangedIgnored,
            "records_about_a_contact_erased_since_it_was_read_are_refused",
        ),
        (
            Breakage::RecordsOfIgnored,
            "required_records_of_a_contact_conflict_once_one_was_added",
        ),
        (
            Breakage::KeyUsedIgnored,
            "remembered_keys_are_recalled_and_used_once",
        ),
        (
            Breakage::KeyUsedIgnored,
            "racing_retries_with_one_key_commit_once",
        ),
        (Breakage::KeyUsedIgnored, "keys_are_recalled_after_reopen"),
        (
            Breakage::SkipsUnreadable,
            "bad_records_are_reported_in_pages_and_scans",
        ),
        (
            Breakage::SkipsUnreadable,
            "bad_records_fail_their_lookups_naming_them",
        ),
        (
            Breakage::SkipsUnreadable,
            "bad_events_are_reported_in_their_page",
        ),
        (
            Breakage::FailsOnUnreadable,
            "bad_records_are_reported_in_pages_and_scans",
        ),
        (
            Breakage::FailsOnUnreadable,
            "bad_events_are_reported_in_their_page",
        ),
        (
            Breakage::ErasedFlagDropped,
            "pre_erasure_copies_of_a_contacts_records_are_refused",
        ),
        (
            Breakage::RecordsOfCountsOwnWrites,
            "records_of_a_contact_are_counted_before_the_batch_writes",
        ),
        (
            Breakage::EventLimitUnclamped,
            "event_limits_are_clamped_and_positions_have_no_gaps",
        ),
        (
            Breakage::PositionsWithGaps,
            "event_limits_are_clamped_and_positions_have_no_gaps",
        ),
        (
            Breakage::KeyCheckedLast,
            "a_used_key_is_the_conflict_reported_first",
        ),
        (
            Breakage::MultiPicklistNotIndexed,
            "records_are_listed_by_picklist_option",
        ),
        (
            Breakage::MissingBooleanIsFalse,
            "records_are_listed_by_boolean",
        ),
        (
            Breakage::FieldDateEndExcluded,
            "records_are_listed_by_date_range",
        ),
        (Breakage::FieldKeyIgnored, "records_are_listed_by_reference"),
        (
            Breakage::FieldTermsNotMoved,
            "field_index_follows_edits_and_erasure",
        ),
        (
            Breakage::FirstDuplicateKeyOnly,
            "records_are_listed_by_duplicate_key",
        ),
        (
            Breakage::DuplicateKeysNotMoved,
            "duplicate_keys_follow_edits_and_erasure",
        ),
        (
            Breakage::ContactFixedAtCreation,
            "records_follow_a_merge_of_their_contact",
        ),
        (Breakage::MergedDomainsKept, "organizations_follow_a_merge"),
    ];
    let passing = failing_cases(Breakage::None);
    assert!(passing.is_empty(), "the plain store fails {passing:?}");
    let mut report = String::new();
    for (breakage, must_catch) in expected {
        let caught = failing_cases(*breakage);
        report.push_str(&format!("{breakage:?}: caught by {caught:?}\n"));
        assert!(
            caught.contains(must_catch),
            "{breakage:?}: expected {must_catch} to fail, found only {caught:?}"
        );
    }
    eprintln!("{report}");
}
