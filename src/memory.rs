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
    records: HashMap<RecordId, (Record, Version), FastState>,
    /// Ids as `u128`, which compare faster than byte arrays, per kind (in `RecordKind::ALL`
    /// order).
    by_kind: [BTreeSet<u128>; 4],
    by_state: HashMap<RecordState, BTreeSet<u128>, FastState>,
    by_owner: HashMap<(RecordKind, User), BTreeSet<u128>, FastState>,
    /// Contacts by email; `EmailAddress` hashes and compares its normalised form.
    by_email: HashMap<EmailAddress, BTreeSet<u128>, FastState>,
}

fn kind_index(kind: RecordKind) -> usize {
    match kind {
        RecordKind::Contact => 0,
        RecordKind::Lead => 1,
        RecordKind::Opportunity => 2,
        RecordKind::Account => 3,
    }
}

fn key(id: RecordId) -> u128 {
    id.as_uuid().as_u128()
}

fn insert_key<K: std::hash::Hash + Eq>(
    index: &mut HashMap<K, BTreeSet<u128>, FastState>,
    k: K,
    id: u128,
) {
    index.entry(k).or_default().insert(id);
}

fn remove_key<K: std::hash::Hash + Eq>(
    index: &mut HashMap<K, BTreeSet<u128>, FastState>,
    k: &K,
    id: u128,
) {
    if let Some(ids) = index.get_mut(k) {
        ids.remove(&id);
        if ids.is_empty() {
            index.remove(k);
        }
    }
}

impl Inner {
    /// Adds a new record to the indexes.
    fn index(&mut self, record: &Record) {
        let (id, kind) = (key(record.id()), record.kind());
        self.by_kind[kind_index(kind)].insert(id);
        insert_key(&mut self.by_state, record.state(), id);
        if let Some(owner) = record.owner() {
            insert_key(&mut self.by_owner, (kind, owner.clone()), id);
        }
        if let Some(email) = record.email() {
            insert_key(&mut self.by_email, email.clone(), id);
        }
    }

    /// Moves an updated record's index entries where its keys changed (its kind never does).
    fn reindex(&mut self, old: &Record, new: &Record) {
        let (id, kind) = (key(new.id()), new.kind());
        if old.state() != new.state() {
            remove_key(&mut self.by_state, &old.state(), id);
            insert_key(&mut self.by_state, new.state(), id);
        }
        if old.owner() != new.owner() {
            if let Some(owner) = old.owner() {
                remove_key(&mut self.by_owner, &(kind, owner.clone()), id);
            }
            if let Some(owner) = new.owner() {
                insert_key(&mut self.by_owner, (kind, owner.clone()), id);
            }
        }
        if old.email() != new.email() {
            if let Some(email) = old.email() {
                remove_key(&mut self.by_email, email, id);
            }
            if let Some(email) = new.email() {
                insert_key(&mut self.by_email, email.clone(), id);
            }
        }
    }

    /// The conflict of the first write in `batch` that does not find what it expects.
    fn check(&self, batch: &Batch) -> Result<(), Conflict> {
        for email in batch.absent_emails() {
            if let Some(id) = self.by_email.get(email).and_then(|ids| ids.first()) {
                let id = RecordId::from_parts(RecordKind::Contact, Uuid::from_u128(*id));
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

    /// Applies a write that [`check`](Inner::check) accepted.
    fn apply(&mut self, record: Record, version: Version) {
        let id = record.id();
        match self.records.remove(&id) {
            Some((old, _)) => self.reindex(&old, &record),
            None => self.index(&record),
        }
        self.records.insert(id, (record, version));
    }
}

/// A fast hasher for the store's keys, seeded per store from the standard library's random
/// state, so that keys chosen by an attacker cannot be made to collide without knowing the
/// seed.
#[derive(Debug, Clone, Copy)]
struct FastState {
    seed: u64,
}

impl Default for FastState {
    fn default() -> Self {
        use std::hash::BuildHasher;
        let random = std::collections::hash_map::RandomState::new();
        FastState {
            seed: random.hash_one(0x5eed_u64) | 1,
        }
    }
}

impl std::hash::BuildHasher for FastState {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher {
            state: self.seed,
            seed: self.seed,
        }
    }
}

/// Folded multiplication of 64-bit words with the seed.
#[derive(Debug)]
struct FastHasher {
    state: u64,
    seed: u64,
}

fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.state = fold(
                self.state ^ u64::from_le_bytes(word),
                self.seed ^ 0x9E37_79B9_7F4A_7C15,
            );
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.state = fold(self.state ^ n, self.seed ^ 0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        fold(self.state, self.seed.rotate_left(29) | 1)
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// An empty store with room for `records` records before its map of records grows (its
    /// indexes grow as they go): for applications that know their size.
    pub fn with_capacity(records: usize) -> MemoryStore {
        MemoryStore {
            inner: RwLock::new(Inner {
                records: HashMap::with_capacity_and_hasher(records, FastState::default()),
                ..Inner::default()
            }),
        }
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
            inner.apply(record, expect.written_version());
        }
        Ok(())
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, Infallible> {
        let inner = self.read();
        let Some(ids) = inner.by_email.get(email) else {
            return Ok(Vec::new());
        };
        Ok(ids
            .iter()
            .filter_map(|id| {
                match inner.records.get(&RecordId::from_parts(
                    RecordKind::Contact,
                    Uuid::from_u128(*id),
                )) {
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
            Some(Some(&inner.by_kind[kind_index(kind)])),
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
        let start = after.map_or(Bound::Unbounded, |c| Bound::Excluded(c.as_uuid().as_u128()));
        let mut matching = ids
            .range((start, Bound::Unbounded))
            .filter_map(|id| {
                inner
                    .records
                    .get(&RecordId::from_parts(kind, Uuid::from_u128(*id)))
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
