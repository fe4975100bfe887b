//! [`MemoryStore`]: the embedded default store, on the standard library's collections.

use std::convert::Infallible;
use std::hash::BuildHasher;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};
use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use crate::contact::Contact;
use crate::email::EmailAddress;
use crate::event::{EventPage, Position};
use crate::idempotency::{IdempotencyKey, Remembered};
use crate::organization::{Domain, Organization};
use crate::record::{Record, RecordId};
use crate::store::{
    AsyncStore, Batch, CommitError, Conflict, Cursor, MAX_PAGE, Page, Precondition, Query,
    Retention, Store, Version, Versioned,
};
use crate::text::User;

mod fields;
mod indexes;
mod keys;
mod newest;
mod outbox;
mod sorted;

use indexes::Indexes;
use outbox::Outbox;

/// Records in memory: the embedded default, for applications that keep their CRM in process and
/// for tests. `Send + Sync`; share it behind an `Arc` (or a `&`) between threads. Implements
/// both [`Store`] and [`AsyncStore`].
///
/// Records are kept in creation order in one vector, with a hash table of their slots (found
/// by the hash of the id, checked against the record's own id); state, owner, contact,
/// organization, creation time, expected close, the record an activity or a task is about and
/// the terms of custom values ([`Record::field_terms`]) are indexed in ordered sets of ids (a
/// kind is its states), so that listings page in id order without scanning every record, and
/// emails and domains in hash maps. The outbox keeps its events packed (about 66 bytes an
/// event; reads give the same events back).
/// Reads run in parallel; a commit takes the write lock for the time it checks and applies its
/// batch, which is what makes it atomic.
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
    /// Every record with its version, in the order they were created: records are never
    /// removed (an erasure is an update), so a record keeps its slot.
    records: Vec<(Record, Version)>,
    /// The slot of each record, found by the hash of its id: the ids themselves are the
    /// records' own, so an entry is a slot and a control byte (a map from id to slot would keep
    /// every id twice, 33 bytes an entry).
    slots: HashTable<usize>,
    /// The hasher of the ids, for [`Inner::slots`].
    hasher: DefaultHashBuilder,
    indexes: Indexes,
    outbox: Outbox,
    /// The requests remembered with their commits ([`Batch::remember`]), by actor and key.
    keys: HashMap<(User, IdempotencyKey), Remembered>,
}

impl Inner {
    /// The record stored under `id`, with its version.
    fn get(&self, id: &RecordId) -> Option<&(Record, Version)> {
        self.slot(id).and_then(|slot| self.records.get(slot))
    }

    /// The slot of the record stored under `id`.
    fn slot(&self, id: &RecordId) -> Option<usize> {
        self.slot_of_hash(self.hasher.hash_one(id), id)
    }

    /// The slot of the record stored under `id`, whose hash is `hash`.
    fn slot_of_hash(&self, hash: u64, id: &RecordId) -> Option<usize> {
        let records = &self.records;
        let holds = |slot: &usize| records.get(*slot).is_some_and(|(r, _)| r.id() == *id);
        self.slots.find(hash, holds).copied()
    }

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
                .contacts_with(email)
                .first()
                .and_then(|id| Some((*id, self.get(&RecordId::Contact(*id))?.1)));
            if let Some((existing, version)) = first {
                return Err(Conflict::email_taken(existing, version));
            }
        }
        for domain in batch.absent_domains() {
            let first = self
                .indexes
                .organizations_with(domain)
                .first()
                .and_then(|id| Some((*id, self.get(&RecordId::Organization(*id))?.1)));
            if let Some((existing, version)) = first {
                return Err(Conflict::domain_taken(existing, version));
            }
        }
        for (id, version) in batch.unchanged() {
            let actual = self.get(id).map(|(_, v)| *v);
            if actual != Some(*version) {
                return Err(Conflict::new(*id, Precondition::Version(*version), actual));
            }
        }
        for (contact, count) in batch.records_of() {
            let found = self.indexes.count_of_contact(*contact);
            if found as u64 != *count {
                return Err(Conflict::records_of_contact(*contact));
            }
        }
        for (organization, count) in batch.records_of_organization() {
            let found = self.indexes.count_of_organization(*organization);
            if found as u64 != *count {
                return Err(Conflict::records_of_organization(*organization));
            }
        }
        for write in batch.writes() {
            let id = write.record().id();
            let stored = self.get(&id);
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
        // Hashed once: a new record's slot is entered under the hash it was looked for by.
        let id = record.id();
        let hash = self.hasher.hash_one(id);
        match self
            .slot_of_hash(hash, &id)
            .and_then(|slot| self.records.get_mut(slot))
        {
            Some((stored, stored_version)) => {
                self.indexes.update(stored, &record);
                *stored = record;
                *stored_version = version;
            }
            None => {
                self.indexes.add(&record);
                let (records, hasher) = (&self.records, &self.hasher);
                let rehash = |slot: &usize| {
                    records
                        .get(*slot)
                        .map_or(0, |(r, _)| hasher.hash_one(r.id()))
                };
                self.slots.insert_unique(hash, records.len(), rehash);
                self.records.push((record, version));
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
                records: Vec::with_capacity(records),
                slots: HashTable::with_capacity(records),
                hasher: DefaultHashBuilder::default(),
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
        let ids = inner.indexes.organizations_with(domain);
        Ok(ids
            .iter()
            .filter_map(|id| match inner.get(&RecordId::Organization(*id)) {
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
        let ids = inner.indexes.contacts_with(email);
        // In id order: the list is kept sorted.
        Ok(ids
            .iter()
            .filter_map(|id| match inner.get(&RecordId::Contact(*id)) {
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
            .filter_map(|id| inner.get(&indexes::id_of(kind, id)))
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
    use crate::event::Event;
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
        assert_eq!(store.read().indexes.email_keys(), 1);
        let mut batch = Batch::new();
        batch
            .update(contact.erase(&ctx), Version::FIRST)
            .expect("one write");
        Store::commit(&store, batch).expect("erased");
        assert_eq!(store.read().indexes.email_keys(), 0);
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

#[cfg(test)]
mod outbox_tests {
    use proptest::prelude::*;

    use super::*;
    use crate::event::{Event, Payload};
    use crate::id::{ContactId, SequentialIds};

    /// A commit of `len` events about one contact, some packed, some kept whole.
    fn commit(ids: &SequentialIds, n: usize, len: usize) -> Vec<Event> {
        let key = Event::commit_key(ids);
        let at = chrono::DateTime::from_timestamp(1_780_000_000 + n as i64, 0).unwrap_or_default();
        let contact = ContactId::from_uuid(uuid::Uuid::from_u128(n as u128 + 1));
        (0..len)
            .map(|i| {
                let payload = match (n + i) % 3 {
                    0 => Payload::ContactErased,
                    1 => Payload::PersonalDataErased { contact },
                    _ => Payload::ContactCorrected(Box::default()),
                };
                let record = (RecordId::Contact(contact), Version::FIRST);
                let actor = User::new(["ana", "bo"][i % 2]).expect("valid");
                Event::new(ids, key, record, actor, at, payload)
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// The outbox, over chunks of a thousand events, reads what a list of every event
        /// committed reads: from any position, by pages of any size, after pruning anywhere.
        #[test]
        fn the_packed_outbox_reads_like_a_list(
            sizes in prop::collection::vec(1usize..6, 300..700),
            prune in 0u64..2_500,
            reads in prop::collection::vec((0u64..2_600, 1usize..300), 1..8),
        ) {
            let ids = SequentialIds::new(9);
            let store = MemoryStore::new();
            let mut all: Vec<Event> = Vec::new();
            for (n, len) in sizes.into_iter().enumerate() {
                let events = commit(&ids, n, len);
                all.extend(events.iter().cloned());
                let mut batch = Batch::new();
                for event in events {
                    batch.emit(event);
                }
                Store::commit(&store, batch).expect("infallible");
            }
            let pruned = Store::prune_events(&store, Position::new(prune)).expect("infallible");
            let kept_from = prune.clamp(1, all.len() as u64 + 1);
            prop_assert_eq!(pruned, kept_from - 1);
            for (after, limit) in reads {
                let page = Store::read_events(&store, Position::new(after).into(), limit)
                    .expect("infallible");
                let first = after.max(kept_from - 1) as usize;
                let expected: Vec<(u64, &Event)> = all
                    .iter()
                    .enumerate()
                    .skip(first)
                    .take(limit.min(MAX_PAGE))
                    .map(|(i, e)| (i as u64 + 1, e))
                    .collect();
                let read: Vec<(u64, &Event)> =
                    page.events.iter().map(|e| (e.position.get(), &e.event)).collect();
                prop_assert_eq!(read, expected);
                prop_assert!(page.unreadable.is_empty());
            }
        }
    }
}
