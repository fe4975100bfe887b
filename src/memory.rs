//! [`MemoryStore`]: the embedded default store.

use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::ops::Bound;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use uuid::Uuid;

use crate::contact::{Contact, EmailAddress};
use crate::record::{Record, RecordId, RecordKind, RecordState};
use crate::store::{
    AsyncStore, Batch, CommitError, Conflict, Cursor, Expect, MAX_PAGE, Page, Query, Store,
    Version, Versioned,
};
use crate::text::User;

/// Records in memory: the embedded default, for applications that keep their CRM in process and
/// for tests. `Send + Sync`; share it behind an `Arc` (or a `&`) between threads. Implements
/// both [`Store`] and [`AsyncStore`].
///
/// Email, kind, state and owner are indexed, so lookups and listings do not scan every record.
/// Reads run in parallel; a commit takes the write lock for the time it checks and applies its
/// batch, which is what makes it atomic.
///
/// ```
/// use prospect::{Crm, MemoryStore, RecordKind, Store};
/// let crm = Crm::new(MemoryStore::new());
/// assert_eq!(crm.store().scan(RecordKind::Contact, &mut |_| {})?, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    records: HashMap<RecordId, (Record, Version)>,
    by_kind: HashMap<RecordKind, BTreeSet<Uuid>>,
    by_state: HashMap<RecordState, BTreeSet<Uuid>>,
    by_owner: HashMap<(RecordKind, User), BTreeSet<Uuid>>,
    by_email: HashMap<String, BTreeSet<Uuid>>,
}

impl Inner {
    fn index(&mut self, record: &Record) {
        let uuid = record.id().as_uuid();
        let kind = record.kind();
        self.by_kind.entry(kind).or_default().insert(uuid);
        self.by_state
            .entry(record.state())
            .or_default()
            .insert(uuid);
        if let Some(owner) = record.owner() {
            self.by_owner
                .entry((kind, owner.clone()))
                .or_default()
                .insert(uuid);
        }
        if let Some(email) = record.email() {
            self.by_email
                .entry(email.normalized())
                .or_default()
                .insert(uuid);
        }
    }

    fn unindex(&mut self, record: &Record) {
        let uuid = record.id().as_uuid();
        let kind = record.kind();
        // The kind index never changes for a record: it is left alone.
        remove(&mut self.by_state, &record.state(), uuid);
        if let Some(owner) = record.owner() {
            remove(&mut self.by_owner, &(kind, owner.clone()), uuid);
        }
        if let Some(email) = record.email() {
            remove(&mut self.by_email, &email.normalized(), uuid);
        }
    }

    /// The conflict of the first write in `batch` that does not find what it expects.
    fn check(&self, batch: &Batch) -> Result<(), Conflict> {
        for email in batch.absent_emails() {
            if let Some(uuid) = self.by_email.get(email).and_then(|ids| ids.first()) {
                let id = RecordId::from_parts(RecordKind::Contact, *uuid);
                let actual = self.records.get(&id).map(|(_, v)| *v);
                return Err(Conflict::new(id, Expect::Absent, actual));
            }
        }
        for write in batch.writes() {
            let id = write.record().id();
            let actual = self.records.get(&id).map(|(_, v)| *v);
            let ok = match write.expect() {
                Expect::Absent => actual.is_none(),
                Expect::Version(v) => actual == Some(v),
            };
            if !ok {
                return Err(Conflict::new(id, write.expect(), actual));
            }
        }
        Ok(())
    }
}

fn remove<K: std::hash::Hash + Eq>(index: &mut HashMap<K, BTreeSet<Uuid>>, key: &K, uuid: Uuid) {
    if let Some(ids) = index.get_mut(key) {
        ids.remove(&uuid);
        if ids.is_empty() {
            index.remove(key);
        }
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
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
        let (writes, _) = batch.into_parts();
        for write in writes {
            let (record, expect) = write.into_parts();
            let id = record.id();
            if let Some((old, _)) = inner.records.remove(&id) {
                inner.unindex(&old);
            }
            inner.index(&record);
            inner.records.insert(id, (record, expect.written_version()));
        }
        Ok(())
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, Infallible> {
        let inner = self.read();
        let Some(ids) = inner.by_email.get(&email.normalized()) else {
            return Ok(Vec::new());
        };
        Ok(ids
            .iter()
            .filter_map(|uuid| {
                match inner
                    .records
                    .get(&RecordId::from_parts(RecordKind::Contact, *uuid))
                {
                    Some((Record::Contact(c), v)) => Some(Versioned::new(c.clone(), *v)),
                    _ => None,
                }
            })
            .collect())
    }

    fn list(&self, query: &Query, after: Option<Cursor>, limit: usize) -> Result<Page, Infallible> {
        let limit = limit.clamp(1, MAX_PAGE);
        let inner = self.read();
        let kind = query.record_kind();
        // The smallest index that the query selects on.
        let candidates = [
            Some(inner.by_kind.get(&kind)),
            query.record_state().map(|s| inner.by_state.get(&s)),
            query
                .owner()
                .map(|o| inner.by_owner.get(&(kind, o.clone()))),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|ids| ids.map_or(0, BTreeSet::len))
        .flatten();
        let Some(ids) = candidates else {
            return Ok(Page {
                records: Vec::new(),
                next: None,
            });
        };
        let start = after.map_or(Bound::Unbounded, |c| Bound::Excluded(c.as_uuid()));
        let mut matching = ids
            .range((start, Bound::Unbounded))
            .filter_map(|uuid| inner.records.get(&RecordId::from_parts(kind, *uuid)))
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
        Ok(Page { records, next })
    }
}

impl AsyncStore for MemoryStore {
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

    async fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, Infallible> {
        Store::list(self, query, after, limit)
    }
}
