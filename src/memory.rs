//! [`MemoryStore`]: the embedded default store.

use std::collections::HashMap;
use std::convert::Infallible;
use std::hash::BuildHasher;
use std::ops::{Bound, RangeBounds};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use uuid::Uuid;

use crate::contact::{Contact, EmailAddress};
use crate::record::{Record, RecordId, RecordKind, RecordState};
use crate::store::{
    AsyncStore, Batch, CommitError, Conflict, Cursor, Expect, MAX_PAGE, Page, Query, Store,
    Version, Versioned,
};
use crate::text::User;

mod idset;
mod slots;

use idset::IdSet;
use slots::SlotTable;

/// Records in memory: the embedded default, for applications that keep their CRM in process and
/// for tests. `Send + Sync`; share it behind an `Arc` (or a `&`) between threads. Implements
/// both [`Store`] and [`AsyncStore`].
///
/// Email, state and owner are indexed (a kind is listed by merging its states), so lookups and
/// listings do not scan every record. A million lifecycles (four million records with their
/// histories) take about 2 GB.
///
/// Reads run in parallel; a commit takes the write lock for the time it checks and applies its
/// batch, which is what makes it atomic.
///
/// ```
/// use prospect::{Crm, MemoryStore, RecordKind, Store};
/// let crm = Crm::new(MemoryStore::new());
/// assert_eq!(crm.store().scan(RecordKind::Contact, &mut |_| {})?.visited, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every record with its version, in the order they were created. Records are never
    /// removed (an erasure is an update), so a record keeps its slot for the life of the store.
    slots: Vec<(Record, Version)>,
    /// Where each record is in `slots`: a table of slot numbers, hashed by the record's id and
    /// compared against the id of the record in the slot, so that the ids are not stored twice.
    /// (A map from id to slot would take 25 bytes per entry instead of 8.)
    positions: SlotTable<u64>,
    indexes: Indexes,
    /// Scratch for the commit under way: the slot of each write's record (`None` for a new
    /// one), as [`check`](Inner::check) found it, so that applying the writes does not look
    /// them up again. Kept to reuse its allocation.
    found: Vec<Option<usize>>,
}

/// What is hashed of a record's id: its UUID as two words, and its kind.
fn hash_id(hasher: &FastState, id: RecordId) -> u64 {
    use std::hash::Hasher;
    let uuid = id.as_uuid().as_u64_pair();
    let mut h = hasher.build_hasher();
    h.write_u64(uuid.0 ^ kind_index(id.kind()) as u64);
    h.write_u64(uuid.1);
    h.finish()
}

/// The secondary indexes. Ids are kept as `u128`, which compare faster than byte arrays.
#[derive(Debug, Default)]
struct Indexes {
    /// Ids per state, at [`state_index`]; a kind's records are the union of its states' sets,
    /// so there is no separate index by kind.
    by_state: [IdSet; STATES],
    /// Ids per owner, by kind at [`kind_index`]: looked up by a borrowed `User`, so that adding
    /// a record neither clones nor hashes a key of its own.
    by_owner: HashMap<User, [Option<Ids>; KINDS], FastState>,
    /// Contacts by email: slot numbers, hashed by the email (`EmailAddress` hashes and compares
    /// its normalised form) and compared against the email of the contact in the slot, so that
    /// the emails are not stored twice. Each entry keeps the whole hash beside the slot (16
    /// bytes), so that growing the table reads no contact's email again (three cache misses
    /// each).
    by_email: SlotTable<u128>,
    /// The store's hasher, for ids and emails.
    hasher: FastState,
}

/// How many states there are: contact, 5 lead statuses, 6 opportunity stages, account.
const STATES: usize = 13;

/// The position of `state` in [`Indexes::by_state`]: each kind's states are contiguous, in
/// [`states_of`] order.
fn state_index(state: RecordState) -> usize {
    match state {
        RecordState::Contact => 0,
        RecordState::Lead(status) => 1 + status as usize,
        RecordState::Opportunity(stage) => 6 + stage as usize,
        RecordState::Account => 12,
    }
}

/// The positions in [`Indexes::by_state`] of the states of `kind`.
fn states_of(kind: RecordKind) -> std::ops::Range<usize> {
    match kind {
        RecordKind::Contact => 0..1,
        RecordKind::Lead => 1..6,
        RecordKind::Opportunity => 6..12,
        RecordKind::Account => 12..13,
    }
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

/// The ids of one owner's records of one kind. An owner with a single record keeps its id
/// inline rather than in a set of its own.
#[derive(Debug)]
enum Ids {
    One(u128),
    Many(IdSet),
}

impl Ids {
    fn insert(&mut self, id: u128) {
        match self {
            Ids::One(one) if *one == id => {}
            Ids::One(one) => {
                let mut ids = IdSet::default();
                ids.insert(*one);
                ids.insert(id);
                *self = Ids::Many(ids);
            }
            Ids::Many(ids) => ids.insert(id),
        }
    }

    /// Removes `id`; whether none is left.
    fn remove(&mut self, id: u128) -> bool {
        match self {
            Ids::One(one) => *one == id,
            Ids::Many(ids) => {
                ids.remove(id);
                let (len, first) = (ids.len(), ids.range(Bound::Unbounded).next());
                if let (1, Some(last)) = (len, first) {
                    *self = Ids::One(last);
                }
                len == 0
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Ids::One(_) => 1,
            Ids::Many(ids) => ids.len(),
        }
    }

    /// The ids after `start`, in order.
    fn range(&self, start: Bound<u128>) -> IdRange<'_> {
        match self {
            Ids::One(one) => {
                IdRange::One(Some(*one).filter(|id| (start, Bound::Unbounded).contains(id)))
            }
            Ids::Many(ids) => IdRange::Many(ids.range(start)),
        }
    }
}

/// The ids of one set after a cursor, in order.
#[derive(Debug, Clone)]
enum IdRange<'a> {
    One(Option<u128>),
    Many(idset::Range<'a>),
}

impl Iterator for IdRange<'_> {
    type Item = u128;
    fn next(&mut self) -> Option<u128> {
        match self {
            IdRange::One(one) => one.take(),
            IdRange::Many(ids) => ids.next(),
        }
    }
}

/// The union of a few sets of ids, in order: what an index by kind would hold, from the sets by
/// state.
struct Merge<'a> {
    heads: Vec<(u128, IdRange<'a>)>,
}

impl<'a> Merge<'a> {
    fn new(ranges: impl IntoIterator<Item = IdRange<'a>>) -> Merge<'a> {
        Merge {
            heads: ranges
                .into_iter()
                .filter_map(|mut r| r.next().map(|first| (first, r)))
                .collect(),
        }
    }
}

impl Iterator for Merge<'_> {
    type Item = u128;
    fn next(&mut self) -> Option<u128> {
        // The sets are disjoint (a record is in one state), and there are at most six.
        let (at, _) = self
            .heads
            .iter()
            .enumerate()
            .min_by_key(|(_, (id, _))| *id)?;
        let (id, rest) = &mut self.heads[at];
        let smallest = *id;
        match rest.next() {
            Some(next) => *id = next,
            None => {
                self.heads.swap_remove(at);
            }
        }
        Some(smallest)
    }
}

/// How many record kinds there are.
const KINDS: usize = 4;

impl Indexes {
    /// Adds `id`, of `kind`, to `owner`'s records.
    fn add_owned(&mut self, owner: &User, kind: RecordKind, id: u128) {
        let kinds = match self.by_owner.get_mut(owner) {
            Some(kinds) => kinds,
            None => self.by_owner.entry(owner.clone()).or_default(),
        };
        match &mut kinds[kind_index(kind)] {
            Some(ids) => ids.insert(id),
            none => *none = Some(Ids::One(id)),
        }
    }

    /// Removes `id`, of `kind`, from `owner`'s records; forgets an owner left with none.
    fn remove_owned(&mut self, owner: &User, kind: RecordKind, id: u128) {
        let Some(kinds) = self.by_owner.get_mut(owner) else {
            return;
        };
        let of_kind = &mut kinds[kind_index(kind)];
        if of_kind.as_mut().is_some_and(|ids| ids.remove(id)) {
            *of_kind = None;
            if kinds.iter().all(Option::is_none) {
                self.by_owner.remove(owner);
            }
        }
    }
}

impl Indexes {
    /// The stored contacts with `email`, in no particular order.
    fn with_email<'a>(
        &'a self,
        email: &'a EmailAddress,
        slots: &'a [(Record, Version)],
    ) -> impl Iterator<Item = &'a (Record, Version)> {
        self.by_email
            .candidates(self.hasher.hash_one(email))
            .filter_map(|at| slots.get(at))
            .filter(move |(record, _)| record.email() == Some(email))
    }

    fn add_email(&mut self, email: &EmailAddress, at: usize, slots: &[(Record, Version)]) {
        let hasher = self.hasher;
        self.by_email.insert(hasher.hash_one(email), at, |at| {
            // Not called: the entries keep their whole hash.
            slots
                .get(at)
                .and_then(|(record, _)| record.email())
                .map_or(0, |email| hasher.hash_one(email))
        });
    }

    /// Adds the new record in slot `at`.
    fn add(&mut self, at: usize, slots: &[(Record, Version)]) {
        let Some((record, _)) = slots.get(at) else {
            return;
        };
        let (id, kind) = (key(record.id()), record.kind());
        self.by_state[state_index(record.state())].insert(id);
        if let Some(owner) = record.owner() {
            self.add_owned(owner, kind, id);
        }
        if let Some(email) = record.email() {
            self.add_email(email, at, slots);
        }
    }

    /// Moves the entries of the record updated in slot `at` from `old` where its keys changed
    /// (its kind never does).
    fn update(&mut self, old: &Record, at: usize, slots: &[(Record, Version)]) {
        let Some((new, _)) = slots.get(at) else {
            return;
        };
        let (id, kind) = (key(new.id()), new.kind());
        if old.state() != new.state() {
            self.by_state[state_index(old.state())].remove(id);
            self.by_state[state_index(new.state())].insert(id);
        }
        if old.owner() != new.owner() {
            if let Some(owner) = old.owner() {
                self.remove_owned(owner, kind, id);
            }
            if let Some(owner) = new.owner() {
                self.add_owned(owner, kind, id);
            }
        }
        if old.email() != new.email() {
            if let Some(email) = old.email() {
                self.by_email.remove(self.hasher.hash_one(email), at);
            }
            if let Some(email) = new.email() {
                self.add_email(email, at, slots);
            }
        }
    }
}

impl Inner {
    /// The slot of the record with `id`.
    fn position(&self, id: RecordId) -> Option<usize> {
        let slots = &self.slots;
        self.positions
            .find(hash_id(&self.indexes.hasher, id), |at| {
                slots.get(at).is_some_and(|(record, _)| record.id() == id)
            })
    }

    /// The stored record with `id`, and its version.
    fn get(&self, id: RecordId) -> Option<&(Record, Version)> {
        self.position(id).and_then(|at| self.slots.get(at))
    }

    /// The conflict of the first write in `batch` that does not find what it expects; if there
    /// is none, the slots of the writes' records are left in `found`, in order.
    fn check(&mut self, batch: &Batch) -> Result<(), Conflict> {
        self.found.clear();
        for email in batch.absent_emails() {
            let first = self
                .indexes
                .with_email(email, &self.slots)
                .min_by_key(|(record, _)| record.id());
            if let Some((Record::Contact(contact), version)) = first {
                return Err(Conflict::email_taken(contact.id(), *version));
            }
        }
        for write in batch.writes() {
            let id = write.record().id();
            let at = self.position(id);
            let actual = at.and_then(|at| self.slots.get(at)).map(|(_, v)| *v);
            let ok = match write.expect() {
                Expect::Absent => actual.is_none(),
                Expect::Version(v) => actual == Some(v),
            };
            if !ok {
                return Err(Conflict::new(id, write.expect(), actual));
            }
            // The history clause, checked against the stored record, which is at hand.
            if let (Some((stored, version)), Expect::Version(_)) =
                (at.and_then(|at| self.slots.get(at)), write.expect())
            {
                if !write.record().extends_record(stored) {
                    return Err(Conflict::stale_history(id, *version));
                }
            }
            self.found.push(at);
        }
        Ok(())
    }

    /// Applies a write that [`check`](Inner::check) accepted, whose record it found at
    /// `position`.
    fn apply(&mut self, record: Record, version: Version, position: Option<usize>) {
        let id = record.id();
        if let Some((at, (stored, stored_version))) =
            position.and_then(|at| Some((at, self.slots.get_mut(at)?)))
        {
            let old = std::mem::replace(stored, record);
            *stored_version = version;
            self.indexes.update(&old, at, &self.slots);
            return;
        }
        let at = self.slots.len();
        self.slots.push((record, version));
        self.indexes.add(at, &self.slots);
        let (slots, hasher) = (&self.slots, &self.indexes.hasher);
        self.positions.insert(hash_id(hasher, id), at, |at| {
            // Called when the table grows, for slots already stored.
            slots
                .get(at)
                .map_or(0, |(record, _)| hash_id(hasher, record.id()))
        });
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

    /// An empty store with room for `records` records before it grows: for applications that
    /// know their size. (Its indexes grow as they go.)
    ///
    /// # Panics
    ///
    /// When the room asked for exceeds what an allocation can hold (`isize::MAX` bytes), as
    /// [`Vec::with_capacity`] does.
    pub fn with_capacity(records: usize) -> MemoryStore {
        MemoryStore {
            inner: RwLock::new(Inner {
                slots: Vec::with_capacity(records),
                positions: SlotTable::with_capacity(records),
                indexes: Indexes::default(),
                found: Vec::new(),
            }),
        }
    }

    /// How many records are stored.
    pub fn len(&self) -> usize {
        self.read().slots.len()
    }

    /// Whether no record is stored.
    pub fn is_empty(&self) -> bool {
        self.read().slots.is_empty()
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
            .get(id)
            .map(|(record, version)| Versioned::new(record.clone(), *version)))
    }

    fn commit(&self, batch: Batch) -> Result<(), CommitError<Infallible>> {
        let mut inner = self.write();
        inner.check(&batch)?;
        let (writes, _) = batch.into_parts();
        let found = std::mem::take(&mut inner.found);
        // `check` found one slot per write (a batch writes each record once).
        for (write, &at) in writes.zip(&found) {
            let (record, expect) = write.into_parts();
            inner.apply(record, expect.written_version(), at);
        }
        inner.found = found;
        Ok(())
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, Infallible> {
        let inner = self.read();
        let mut found: Vec<Versioned<Contact>> = inner
            .indexes
            .with_email(email, &inner.slots)
            .filter_map(|(record, version)| match record {
                Record::Contact(c) => Some(Versioned::new(c.clone(), *version)),
                _ => None,
            })
            .collect();
        found.sort_by_key(|c| c.value().id());
        Ok(found)
    }

    fn list(&self, query: &Query, after: Option<Cursor>, limit: usize) -> Result<Page, Infallible> {
        let limit = limit.clamp(1, MAX_PAGE);
        let inner = self.read();
        let indexes = &inner.indexes;
        let kind = query.record_kind();
        let start = after.map_or(Bound::Unbounded, |c| Bound::Excluded(c.as_uuid().as_u128()));
        let by_owner = query.owner().map(|o| {
            let kinds = indexes.by_owner.get(o);
            kinds.and_then(|kinds| kinds[kind_index(kind)].as_ref())
        });
        let by_state = query
            .record_state()
            .map(|s| &indexes.by_state[state_index(s)]);
        let of_kind = &indexes.by_state[states_of(kind)];
        // Walk the smallest of the sets that the query selects on, and filter by the rest.
        let ids = match (by_owner, by_state) {
            // No record has this owner.
            (Some(None), _) => Merge::new([]),
            (Some(Some(owned)), state) if state.is_none_or(|ids| owned.len() <= ids.len()) => {
                Merge::new([owned.range(start)])
            }
            (_, Some(ids)) => Merge::new([IdRange::Many(ids.range(start))]),
            (_, None) => Merge::new(of_kind.iter().map(|ids| IdRange::Many(ids.range(start)))),
        };
        let mut matching = ids
            .filter_map(|id| inner.get(RecordId::from_parts(kind, Uuid::from_u128(id))))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::{ContactDetails, LeadSource, Party};
    use crate::context::{Context, FixedClock};
    use crate::id::SequentialIds;
    use crate::text::PersonName;

    /// The email index forgets a contact's old address when it changes: stale entries would be
    /// filtered out on lookup, so only the index's size shows them.
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
}
