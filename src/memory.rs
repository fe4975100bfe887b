//! [`MemoryStore`]: the embedded default store, on the standard library's collections.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::convert::Infallible;
use std::ops::Bound;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use hashbrown::HashMap;
use uuid::Uuid;

use crate::contact::Contact;
use crate::email::EmailAddress;
use crate::event::{Event, EventPage, Position, StoredEvent};
use chrono::{DateTime, NaiveDate, Utc};

use crate::id::{ContactId, OrganizationId};
use crate::idempotency::{IdempotencyKey, Remembered};
use crate::kind::RecordKind;
use crate::organization::{Domain, Organization};
use crate::record::{Record, RecordId, RecordState};
use crate::store::{
    AsyncStore, Batch, CommitError, Conflict, Cursor, MAX_PAGE, Page, Precondition, Query,
    Retention, Store, Version, Versioned,
};
use crate::text::User;

/// Records in memory: the embedded default, for applications that keep their CRM in process and
/// for tests. `Send + Sync`; share it behind an `Arc` (or a `&`) between threads. Implements
/// both [`Store`] and [`AsyncStore`].
///
/// Records are kept in a hash map by id; state, owner, contact and the record an activity or
/// a task is about are indexed in ordered sets of ids (a kind is its states), so that listings
/// page in id order without scanning every record, and email in a hash map. Reads run in
/// parallel; a commit takes the write lock for the time it checks and applies its batch, which
/// is what makes it atomic.
///
/// ```
/// use prospect::{Crm, memory::MemoryStore, record::RecordKind, store::Store};
/// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll);
/// assert_eq!(crm.store().scan(RecordKind::Contact, &mut |_| {})?.visited, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RwLock<Inner>,
    /// How much of the outbox is kept ([`MemoryStore::with_retention`]).
    retention: Retention,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every record with its version. Records are never removed (an erasure is an update).
    records: HashMap<RecordId, (Record, Version)>,
    indexes: Indexes,
    outbox: Outbox,
    /// The requests remembered with their commits ([`Batch::remember`]), by actor and key.
    keys: HashMap<(User, IdempotencyKey), Remembered>,
}

/// The events committed, in commit order: positions are given under the write lock that makes
/// a commit atomic, so a reader (under the read lock) sees every commit before a position or
/// none of them, and no event can appear behind a position already read.
///
/// Each commit's events are kept as the facade made them (one boxed slice, not copied event
/// by event), with the position of the first.
#[derive(Debug, Default)]
struct Outbox {
    /// The commits kept, by position (ascending), none empty.
    commits: VecDeque<Committed>,
    /// The last position given (0: none yet); never goes back, even when pruned.
    last: u64,
}

/// The events of one commit, the first at position `first`, the others after it.
#[derive(Debug)]
struct Committed {
    first: u64,
    events: Box<[Event]>,
}

impl Committed {
    /// The position after the last event.
    fn end(&self) -> u64 {
        self.first + self.events.len() as u64
    }
}

impl Outbox {
    fn append(&mut self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let first = self.last + 1;
        self.last += events.len() as u64;
        self.commits.push_back(Committed {
            first,
            events: events.into_boxed_slice(),
        });
    }

    fn read(&self, after: Option<Position>, limit: usize) -> EventPage {
        let after = after.map_or(0, Position::get);
        // The first commit with an event after `after`.
        let start = self
            .commits
            .partition_point(|c| c.end() <= after.saturating_add(1));
        let events: Vec<StoredEvent> = self
            .commits
            .range(start..)
            .flat_map(|c| (c.first..).zip(c.events.iter()))
            .filter(|(position, _)| *position > after)
            .take(limit.clamp(1, MAX_PAGE))
            .map(|(position, event)| StoredEvent {
                position: Position::new(position),
                event: event.clone(),
            })
            .collect();
        EventPage {
            last: events.last().map(|e| e.position),
            events,
            unreadable: Vec::new(),
        }
    }

    /// Drops what `retention` does not keep, once a commit was appended.
    fn retain(&mut self, retention: Retention) {
        match retention {
            Retention::All => {}
            Retention::Last(n) => {
                if self.last > n {
                    self.prune(Position::new(self.last - n + 1));
                }
            }
            Retention::Within(age) => {
                let newest = self.commits.back().and_then(|c| c.events.last());
                let Some(oldest_kept) = newest.map(|e| e.occurred_at() - age) else {
                    return;
                };
                // A commit's events occurred together: a commit goes whole.
                while let Some(commit) = self.commits.front() {
                    match commit.events.last() {
                        Some(e) if e.occurred_at() < oldest_kept => self.commits.pop_front(),
                        _ => break,
                    };
                }
            }
        }
    }

    fn prune(&mut self, before: Position) -> u64 {
        let before = before.get();
        let mut removed = 0;
        while let Some(commit) = self.commits.front_mut() {
            if commit.end() <= before {
                removed += commit.events.len() as u64;
                self.commits.pop_front();
            } else {
                // A commit pruned in part keeps its events from `before` on.
                let keep = before.saturating_sub(commit.first) as usize;
                if keep > 0 {
                    removed += keep as u64;
                    commit.events = commit.events[keep..].into();
                    commit.first = before;
                }
                break;
            }
        }
        removed
    }
}

/// The secondary indexes: sets of ids (as `u128`, which compare fast), ordered so that a range
/// of one gives records in id order.
#[derive(Debug, Default)]
struct Indexes {
    /// Ids by state; a kind's records are those of its states.
    by_state: BTreeMap<RecordState, BTreeSet<u128>>,
    /// Ids by owner, then kind.
    by_owner: HashMap<User, BTreeMap<RecordKind, BTreeSet<u128>>>,
    /// Ids of the records nobody owns, by kind.
    unowned: BTreeMap<RecordKind, BTreeSet<u128>>,
    /// Contacts by email (`EmailAddress` hashes and compares its normalised form), in id
    /// order: one contact per address, usually, so a short sorted list rather than a set.
    by_email: HashMap<EmailAddress, Vec<ContactId>>,
    /// Activities and tasks by the record they are about.
    by_regarding: HashMap<RecordId, BTreeSet<u128>>,
    /// Records by their contact ([`Record::contact`]), then kind.
    by_contact: HashMap<ContactId, BTreeMap<RecordKind, BTreeSet<u128>>>,
    /// Records by kind, then creation time ([`Record::created_at`]).
    by_created: BTreeMap<RecordKind, BTreeSet<(DateTime<Utc>, u128)>>,
    /// Opportunities by expected close.
    by_close: BTreeSet<(NaiveDate, u128)>,
    /// Organizations by domain, in id order (usually one per domain).
    by_domain: HashMap<Domain, Vec<OrganizationId>>,
    /// Contacts and accounts by organization, then kind.
    by_organization: HashMap<OrganizationId, BTreeMap<RecordKind, BTreeSet<u128>>>,
}

fn key(record: &Record) -> u128 {
    record.id().as_uuid().as_u128()
}

/// The ids of `set` after `start`, in order.
fn after(set: &BTreeSet<u128>, start: Bound<u128>) -> impl Iterator<Item = u128> + '_ {
    set.range((start, Bound::Unbounded)).copied()
}

impl Indexes {
    fn add_state(&mut self, record: &Record) {
        self.by_state
            .entry(record.state())
            .or_default()
            .insert(key(record));
    }

    fn remove_state(&mut self, record: &Record) {
        if let Some(ids) = self.by_state.get_mut(&record.state()) {
            ids.remove(&key(record));
        }
    }

    fn add_owner(&mut self, record: &Record) {
        if record.owner().is_none() {
            self.unowned
                .entry(record.kind())
                .or_default()
                .insert(key(record));
        }
        if let Some(owner) = record.owner() {
            let kinds = match self.by_owner.get_mut(owner) {
                Some(kinds) => kinds,
                None => self.by_owner.entry(owner.clone()).or_default(),
            };
            kinds.entry(record.kind()).or_default().insert(key(record));
        }
    }

    fn remove_owner(&mut self, record: &Record) {
        let Some(owner) = record.owner() else {
            if let Some(ids) = self.unowned.get_mut(&record.kind()) {
                ids.remove(&key(record));
            }
            return;
        };
        if let Some(kinds) = self.by_owner.get_mut(owner) {
            if let Some(ids) = kinds.get_mut(&record.kind()) {
                ids.remove(&key(record));
            }
            if kinds.values().all(BTreeSet::is_empty) {
                self.by_owner.remove(owner);
            }
        }
    }

    fn add_email(&mut self, record: &Record) {
        if let Record::Contact(c) = record {
            if let Some(email) = c.email() {
                let ids = self.by_email.entry(email.clone()).or_default();
                if let Err(at) = ids.binary_search(&c.id()) {
                    ids.insert(at, c.id());
                }
            }
        }
    }

    fn remove_email(&mut self, record: &Record) {
        if let Record::Contact(c) = record {
            if let Some(email) = c.email() {
                if let Some(ids) = self.by_email.get_mut(email) {
                    ids.retain(|id| *id != c.id());
                    if ids.is_empty() {
                        self.by_email.remove(email);
                    }
                }
            }
        }
    }

    fn add_regarding(&mut self, record: &Record) {
        if let Some(about) = record.regarding() {
            self.by_regarding
                .entry(about)
                .or_default()
                .insert(key(record));
        }
    }

    fn remove_regarding(&mut self, record: &Record) {
        if let Some(about) = record.regarding() {
            if let Some(ids) = self.by_regarding.get_mut(&about) {
                ids.remove(&key(record));
                if ids.is_empty() {
                    self.by_regarding.remove(&about);
                }
            }
        }
    }

    fn add_contact(&mut self, record: &Record) {
        if let Some(contact) = record.contact() {
            self.by_contact
                .entry(contact)
                .or_default()
                .entry(record.kind())
                .or_default()
                .insert(key(record));
        }
    }

    fn remove_contact(&mut self, record: &Record) {
        if let Some(kinds) = record.contact().and_then(|c| self.by_contact.get_mut(&c)) {
            if let Some(ids) = kinds.get_mut(&record.kind()) {
                ids.remove(&key(record));
            }
        }
    }

    fn add_times(&mut self, record: &Record) {
        self.by_created
            .entry(record.kind())
            .or_default()
            .insert((record.created_at(), key(record)));
        if let Some(day) = record.expected_close() {
            self.by_close.insert((day, key(record)));
        }
    }

    fn remove_times(&mut self, record: &Record) {
        if let Some(ids) = self.by_created.get_mut(&record.kind()) {
            ids.remove(&(record.created_at(), key(record)));
        }
        if let Some(day) = record.expected_close() {
            self.by_close.remove(&(day, key(record)));
        }
    }

    fn add_organization_keys(&mut self, record: &Record) {
        if let Record::Organization(o) = record {
            for domain in o.domains() {
                let ids = self.by_domain.entry(domain.clone()).or_default();
                if let Err(at) = ids.binary_search(&o.id()) {
                    ids.insert(at, o.id());
                }
            }
        }
        if let Some(organization) = record.organization() {
            self.by_organization
                .entry(organization)
                .or_default()
                .entry(record.kind())
                .or_default()
                .insert(key(record));
        }
    }

    fn remove_organization_keys(&mut self, record: &Record) {
        if let Record::Organization(o) = record {
            for domain in o.domains() {
                if let Some(ids) = self.by_domain.get_mut(domain) {
                    ids.retain(|id| *id != o.id());
                    if ids.is_empty() {
                        self.by_domain.remove(domain);
                    }
                }
            }
        }
        if let Some(ids) = record
            .organization()
            .and_then(|o| self.by_organization.get_mut(&o))
            .and_then(|kinds| kinds.get_mut(&record.kind()))
        {
            ids.remove(&key(record));
        }
    }

    fn add(&mut self, record: &Record) {
        self.add_organization_keys(record);
        self.add_times(record);
        self.add_state(record);
        self.add_owner(record);
        self.add_email(record);
        self.add_regarding(record);
        self.add_contact(record);
    }

    /// Moves the entries of a record updated from `old` to `new` where its keys changed.
    fn update(&mut self, old: &Record, new: &Record) {
        if old.state() != new.state() {
            self.remove_state(old);
            self.add_state(new);
        }
        if old.owner() != new.owner() {
            self.remove_owner(old);
            self.add_owner(new);
        }
        if old.email() != new.email() {
            self.remove_email(old);
            self.add_email(new);
        }
        if old.regarding() != new.regarding() {
            self.remove_regarding(old);
            self.add_regarding(new);
        }
        if old.contact() != new.contact() {
            self.remove_contact(old);
            self.add_contact(new);
        }
        if (old.domains(), old.organization()) != (new.domains(), new.organization()) {
            self.remove_organization_keys(old);
            self.add_organization_keys(new);
        }
        if (old.created_at(), old.expected_close()) != (new.created_at(), new.expected_close()) {
            self.remove_times(old);
            self.add_times(new);
        }
    }

    /// Ids of `query`'s records after `after`, in id order, from its narrowest index: the
    /// activities about a record, the contact's records of the kind, the owner's records of the kind, the state's, or the kind's
    /// states merged (the first `limit` of each, enough for a page of `limit`). The caller filters them by the rest of the query
    /// and takes its page.
    fn candidates<'a>(
        &'a self,
        query: &Query,
        after_cursor: Option<Cursor>,
        limit: usize,
    ) -> Box<dyn Iterator<Item = u128> + 'a> {
        let start =
            after_cursor.map_or(Bound::Unbounded, |c| Bound::Excluded(c.as_uuid().as_u128()));
        let kind = query.kind();
        let owned = |owner| {
            self.by_owner
                .get(owner)
                .and_then(|kinds: &BTreeMap<_, _>| kinds.get(&kind))
        };
        let none = || -> Box<dyn Iterator<Item = u128> + 'a> { Box::new(std::iter::empty()) };
        if let Some(about) = query.regarding() {
            let ids = self.by_regarding.get(&about);
            return ids.map_or_else(none, |ids| Box::new(after(ids, start)));
        }
        if let Some(organization) = query.organization() {
            let ids = self
                .by_organization
                .get(&organization)
                .and_then(|kinds| kinds.get(&kind));
            return ids.map_or_else(none, |ids| Box::new(after(ids, start)));
        }
        if let Some(contact) = query.contact() {
            let ids = self
                .by_contact
                .get(&contact)
                .and_then(|kinds| kinds.get(&kind));
            return ids.map_or_else(none, |ids| Box::new(after(ids, start)));
        }
        if let Some(owner) = query.owner() {
            return owned(owner).map_or_else(none, |ids| Box::new(after(ids, start)));
        }
        if query.is_unowned() {
            let ids = self.unowned.get(&kind);
            return ids.map_or_else(none, |ids| Box::new(after(ids, start)));
        }
        // A period: the ids in it, from the index by time, put in id order (every one of them:
        // the rest of the query may pass over some).
        let in_id_order = |mut ids: Vec<u128>| -> Box<dyn Iterator<Item = u128> + 'a> {
            ids.retain(|id| match start {
                Bound::Excluded(after) => *id > after,
                _ => true,
            });
            ids.sort_unstable();
            Box::new(ids.into_iter())
        };
        if let Some((first, last)) = query.closing() {
            if kind != RecordKind::Opportunity || first > last {
                return none();
            }
            let days = (
                Bound::Included((first, 0)),
                Bound::Included((last, u128::MAX)),
            );
            return in_id_order(self.by_close.range(days).map(|(_, id)| *id).collect());
        }
        if let Some((from, until)) = query.created() {
            let Some(ids) = self.by_created.get(&kind).filter(|_| from < until) else {
                return none();
            };
            let period = (Bound::Included((from, 0)), Bound::Excluded((until, 0)));
            return in_id_order(ids.range(period).map(|(_, id)| *id).collect());
        }
        if let Some(state) = query.state() {
            let ids = self.by_state.get(&state);
            return ids.map_or_else(none, |ids| Box::new(after(ids, start)));
        }
        // Several states (a kind is all of its states): the first `limit` of each, merged.
        let states: Vec<RecordState> = match query.states() {
            Some(states) => states.to_vec(),
            None => RecordState::all_of(kind).collect(),
        };
        let mut ids: Vec<u128> = states
            .iter()
            .filter_map(|state| self.by_state.get(state))
            .flat_map(|ids| after(ids, start).take(limit))
            .collect();
        ids.sort_unstable();
        ids.truncate(limit);
        Box::new(ids.into_iter())
    }
}

impl Inner {
    /// The conflict of the first write in `batch` that does not find what it expects.
    fn check(&self, batch: &Batch) -> Result<(), Conflict> {
        if let (Some(request), Some(first)) = (batch.remembered(), batch.writes().first()) {
            if self
                .keys
                .contains_key(&(request.actor.clone(), request.key.clone()))
            {
                return Err(Conflict::key_used(first.record().id()));
            }
        }
        for email in batch.absent_emails() {
            let first = self
                .indexes
                .by_email
                .get(email)
                .and_then(|ids| ids.first())
                .and_then(|id| Some((*id, self.records.get(&RecordId::Contact(*id))?.1)));
            if let Some((existing, version)) = first {
                return Err(Conflict::email_taken(existing, version));
            }
        }
        for domain in batch.absent_domains() {
            let first = self
                .indexes
                .by_domain
                .get(domain)
                .and_then(|ids| ids.first())
                .and_then(|id| Some((*id, self.records.get(&RecordId::Organization(*id))?.1)));
            if let Some((existing, version)) = first {
                return Err(Conflict::domain_taken(existing, version));
            }
        }
        for (id, version) in batch.unchanged() {
            let actual = self.records.get(id).map(|(_, v)| *v);
            if actual != Some(*version) {
                return Err(Conflict::new(*id, Precondition::Version(*version), actual));
            }
        }
        for (contact, count) in batch.records_of() {
            let found: usize = self
                .indexes
                .by_contact
                .get(contact)
                .map_or(0, |kinds| kinds.values().map(BTreeSet::len).sum());
            if found as u64 != *count {
                return Err(Conflict::records_of_contact(*contact));
            }
        }
        for write in batch.writes() {
            let id = write.record().id();
            let stored = self.records.get(&id);
            let actual = stored.map(|(_, v)| *v);
            let fits = match write.precondition() {
                Precondition::Absent => actual.is_none(),
                Precondition::Version(v) => actual == Some(v),
            };
            if !fits {
                return Err(Conflict::new(id, write.precondition(), actual));
            }
            // The history clause, checked against the stored record, which is at hand.
            if let (Some((stored, version)), Precondition::Version(_)) =
                (stored, write.precondition())
            {
                if !write.record().extends_record(stored) {
                    return Err(Conflict::stale_history(id, *version));
                }
            }
        }
        Ok(())
    }

    /// Applies a write that [`check`](Inner::check) accepted.
    fn apply(&mut self, record: Record, version: Version) {
        match self.records.get_mut(&record.id()) {
            Some((stored, stored_version)) => {
                self.indexes.update(stored, &record);
                *stored = record;
                *stored_version = version;
            }
            None => {
                self.indexes.add(&record);
                self.records.insert(record.id(), (record, version));
            }
        }
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// An empty store with room for `records` records before its map of records grows: for
    /// applications that know their size.
    ///
    /// # Panics
    ///
    /// When the room asked for exceeds what an allocation can hold, as
    /// [`HashMap::with_capacity`] does.
    pub fn with_capacity(records: usize) -> MemoryStore {
        MemoryStore {
            retention: Retention::All,
            inner: RwLock::new(Inner {
                records: HashMap::with_capacity(records),
                indexes: Indexes::default(),
                outbox: Outbox::default(),
                keys: HashMap::new(),
            }),
        }
    }

    /// The same store, keeping only what `retention` says of its outbox (default:
    /// [`Retention::All`], every event until pruned). The trade-off is [`Retention`]'s.
    ///
    /// ```
    /// use prospect::memory::MemoryStore;
    /// use prospect::store::Retention;
    /// // An application whose integration reads the outbox at least once a day.
    /// let store = MemoryStore::new().with_retention(Retention::Within(chrono::TimeDelta::days(2)));
    /// # let _ = store;
    /// ```
    #[must_use]
    pub fn with_retention(self, retention: Retention) -> MemoryStore {
        MemoryStore { retention, ..self }
    }

    /// How many records are stored.
    pub fn len(&self) -> usize {
        self.read().records.len()
    }

    /// Whether no record is stored.
    pub fn is_empty(&self) -> bool {
        self.read().records.is_empty()
    }

    // A panic while the lock is held cannot leave a half-applied batch: a commit checks
    // everything before it changes anything, and its changes do not panic. So a poisoned lock
    // still guards consistent data.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store for MemoryStore {
    type Error = Infallible;

    fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, Infallible> {
        Ok(self
            .read()
            .records
            .get(&id)
            .map(|(record, version)| Versioned::new(record.clone(), *version)))
    }

    fn commit(&self, batch: Batch) -> Result<(), CommitError<Infallible>> {
        let mut inner = self.write();
        inner.check(&batch)?;
        let parts = batch.into_parts();
        inner.outbox.append(parts.events);
        inner.outbox.retain(self.retention);
        for write in parts.writes {
            let (record, expect) = write.into_parts();
            inner.apply(record, expect.written_version());
        }
        if let Some(remembered) = parts.remember {
            let request = &remembered.request;
            let key = (request.actor.clone(), request.key.clone());
            inner.keys.insert(key, *remembered);
        }
        Ok(())
    }

    fn read_events(&self, after: Option<Position>, limit: usize) -> Result<EventPage, Infallible> {
        Ok(self.read().outbox.read(after, limit))
    }

    fn prune_events(&self, before: Position) -> Result<u64, Infallible> {
        Ok(self.write().outbox.prune(before))
    }

    fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> Result<Option<Remembered>, Infallible> {
        Ok(self.read().keys.get(&(actor.clone(), key.clone())).cloned())
    }

    fn prune_keys(&self, before: DateTime<Utc>) -> Result<u64, Infallible> {
        let mut inner = self.write();
        let kept = inner.keys.len();
        inner.keys.retain(|_, r| r.request.at >= before);
        Ok((kept - inner.keys.len()) as u64)
    }

    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> Result<Vec<Versioned<Organization>>, Infallible> {
        let inner = self.read();
        let ids = inner.indexes.by_domain.get(domain).into_iter().flatten();
        Ok(ids
            .filter_map(|id| match inner.records.get(&RecordId::Organization(*id)) {
                Some((Record::Organization(o), version)) => {
                    Some(Versioned::new(o.clone(), *version))
                }
                _ => None,
            })
            .collect())
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, Infallible> {
        let inner = self.read();
        let ids = inner.indexes.by_email.get(email).into_iter().flatten();
        // In id order: the list is kept sorted.
        Ok(ids
            .filter_map(|id| match inner.records.get(&RecordId::Contact(*id)) {
                Some((Record::Contact(c), version)) => Some(Versioned::new(c.clone(), *version)),
                _ => None,
            })
            .collect())
    }

    fn list(&self, query: &Query, after: Option<Cursor>, limit: usize) -> Result<Page, Infallible> {
        let limit = limit.clamp(1, MAX_PAGE);
        let inner = self.read();
        let kind = query.kind();
        // One more than the page, to know whether another follows.
        let mut matching = inner
            .indexes
            .candidates(query, after, limit + 1)
            .filter_map(|id| {
                let id = RecordId::from_parts(kind, Uuid::from_u128(id));
                inner.records.get(&id)
            })
            .filter(|(record, _)| query.matches(record));
        let records: Vec<Versioned<Record>> = matching
            .by_ref()
            .take(limit)
            .map(|(record, version)| Versioned::new(record.clone(), *version))
            .collect();
        let next = match (records.last(), matching.next()) {
            (Some(last), Some(_)) => Some(Cursor::after(last.id())),
            _ => None,
        };
        // Records in memory are always readable: they were validated when written.
        Ok(Page {
            records,
            unreadable: Vec::new(),
            next,
        })
    }
}

impl AsyncStore for MemoryStore {
    async fn read_events(
        &self,
        after: Option<Position>,
        limit: usize,
    ) -> Result<EventPage, Infallible> {
        Store::read_events(self, after, limit)
    }

    async fn prune_events(&self, before: Position) -> Result<u64, Infallible> {
        Store::prune_events(self, before)
    }

    async fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> Result<Option<Remembered>, Infallible> {
        Store::recall_key(self, actor, key)
    }

    async fn prune_keys(&self, before: DateTime<Utc>) -> Result<u64, Infallible> {
        Store::prune_keys(self, before)
    }

    type Error = Infallible;

    async fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, Infallible> {
        Store::load(self, id)
    }

    async fn commit(&self, batch: Batch) -> Result<(), CommitError<Infallible>> {
        Store::commit(self, batch)
    }

    async fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, Infallible> {
        Store::find_contacts_by_email(self, email)
    }

    async fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> Result<Vec<Versioned<Organization>>, Infallible> {
        Store::find_organizations_by_domain(self, domain)
    }

    async fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, Infallible> {
        Store::list(self, query, after, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::{ContactDetails, LeadSource, Party};
    use crate::context::{Context, FixedClock};
    use crate::id::SequentialIds;
    use crate::text::PersonName;

    /// The email index forgets a contact's old address when it changes.
    #[test]
    fn email_index_drops_an_erased_address() {
        let clock = FixedClock::new(chrono::DateTime::UNIX_EPOCH);
        let ids = SequentialIds::new(1);
        let ctx = Context::new(&clock, &ids, User::new("ana").expect("valid"));
        let email = EmailAddress::new("ana@example.com").expect("valid");
        let details = ContactDetails::new(
            Party::person(PersonName::new("Ana").expect("valid")),
            LeadSource::Web,
        )
        .with_email(email.clone());
        let contact = Contact::create(details, &ctx);
        let store = MemoryStore::new();
        let mut batch = Batch::new();
        batch.create(contact.clone()).expect("one write");
        Store::commit(&store, batch).expect("created");
        assert_eq!(store.read().indexes.by_email.len(), 1);
        let mut batch = Batch::new();
        batch
            .update(contact.erase(&ctx), Version::FIRST)
            .expect("one write");
        Store::commit(&store, batch).expect("erased");
        assert_eq!(store.read().indexes.by_email.len(), 0);
        assert!(
            Store::find_contacts_by_email(&store, &email)
                .expect("infallible")
                .is_empty()
        );
    }

    /// A contact created at `seconds` after the epoch, with its creation's event.
    fn created_at(seconds: i64, ids: &SequentialIds) -> Batch {
        let at = chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default();
        let clock = FixedClock::new(at);
        let ctx = Context::new(&clock, ids, User::new("ana").expect("valid"));
        let details = ContactDetails::new(
            Party::person(PersonName::new("Ana").expect("valid")),
            LeadSource::Web,
        );
        let contact = Contact::create(details, &ctx);
        let event = Event::new(
            ids,
            Event::commit_key(ids),
            (RecordId::Contact(contact.id()), Version::FIRST),
            User::new("ana").expect("valid"),
            at,
            crate::event::Payload::ContactErased,
        );
        let mut batch = Batch::new();
        batch.create(contact).expect("one write");
        batch.emit(event);
        batch
    }

    fn positions(store: &MemoryStore) -> Vec<u64> {
        let page = Store::read_events(store, None, MAX_PAGE).expect("infallible");
        page.events.iter().map(|e| e.position.get()).collect()
    }

    /// `Last(n)` keeps the last n events, `Last(0)` none; positions go on from the last given.
    #[test]
    fn a_bounded_outbox_keeps_its_last_events() {
        let ids = SequentialIds::new(2);
        let store = MemoryStore::new().with_retention(Retention::Last(3));
        for n in 0..5 {
            Store::commit(&store, created_at(n, &ids)).expect("created");
        }
        assert_eq!(positions(&store), [3, 4, 5]);
        Store::commit(&store, created_at(5, &ids)).expect("created");
        assert_eq!(positions(&store), [4, 5, 6]);
        let none = MemoryStore::new().with_retention(Retention::Last(0));
        Store::commit(&none, created_at(0, &ids)).expect("created");
        assert!(positions(&none).is_empty());
        assert_eq!(none.len(), 1, "the record is stored all the same");
        let all = MemoryStore::new();
        for n in 0..5 {
            Store::commit(&all, created_at(n, &ids)).expect("created");
        }
        assert_eq!(
            positions(&all),
            [1, 2, 3, 4, 5],
            "by default every event is kept"
        );
    }

    /// `Within(age)` keeps the events that occurred at most `age` before the newest.
    #[test]
    fn an_outbox_bounded_by_age_drops_the_older_events() {
        let ids = SequentialIds::new(3);
        let store =
            MemoryStore::new().with_retention(Retention::Within(chrono::TimeDelta::seconds(60)));
        for seconds in [0, 30, 59, 61, 100] {
            Store::commit(&store, created_at(seconds, &ids)).expect("created");
        }
        // The newest occurred at 100: what occurred at 40 or later is kept (59, 61, 100).
        assert_eq!(positions(&store), [3, 4, 5]);
        Store::commit(&store, created_at(200, &ids)).expect("created");
        assert_eq!(positions(&store), [6]);
    }
}
