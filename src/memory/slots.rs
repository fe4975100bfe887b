//! [`SlotTable`]: the hash tables of slot numbers behind [`MemoryStore`](super::MemoryStore)'s
//! lookups by id and by email.

/// The bits of a word that hold the slot number plus one (zero: no slot).
const SLOT_BITS: u32 = 48;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

/// A hash table of slot numbers of the store's slab. Each entry is one [`Word`] holding a slot
/// number beside all or part of the hash it was stored under, so that the probe reads the very
/// words that an insert then writes.
///
/// Why not `hashbrown::HashTable<usize>`: it keeps its control bytes and its values apart, so
/// inserting a slot number writes a cache line that looking the key up never read. Under the
/// store's lock, whose release waits for every store before it, that miss was the largest cost
/// of creating a record in a large store.
///
/// Linear probing, at most three quarters full (counting removed entries, which stay as
/// markers until the table is rebuilt). A hash's first entry is its low 48 bits scaled to the
/// table's length, so that a table sized for a given number of slots need not round up to a
/// power of two (a store sized for four million records saves 24 MB). The caller hashes (with a seeded hash: probing is
/// linear, so clustered hashes would hurt) and compares keys through the slot numbers. A key
/// may be stored under several slots (two contacts with one email).
///
/// A slot number takes 48 bits: the slab of 2^48 records it would take to exceed them is
/// petabytes, which no allocator hands out.
#[derive(Debug)]
pub(super) struct SlotTable<W> {
    /// At least 16 long, or empty.
    entries: Vec<W>,
    /// Entries holding a slot.
    len: usize,
    /// Entries whose slot was removed.
    removed: usize,
}

impl<W> Default for SlotTable<W> {
    fn default() -> Self {
        SlotTable {
            entries: Vec::new(),
            len: 0,
            removed: 0,
        }
    }
}

/// An entry of a [`SlotTable`]: the slot plus one in the low 48 bits (zero when the entry is
/// empty or its slot was removed), and what it keeps of the hash above them.
pub(super) trait Word: Copy + Eq {
    /// An entry never used.
    const EMPTY: Self;
    /// An entry whose slot was removed: the probe goes on past it.
    const REMOVED: Self;
    /// An entry holding `slot` under `hash`.
    fn new(hash: u64, slot: usize) -> Self;
    /// The slot plus one; zero when there is none.
    fn slot_plus_one(self) -> u64;
    /// Whether the part of the hash that the entry keeps is that of `hash`.
    fn kept_hash_is(self, hash: u64) -> bool;
    /// The hash the entry was stored under, when it keeps all of it.
    fn hash(self) -> Option<u64>;
}

/// One word: 16 bits of the hash (its top ones; the position comes from the low ones) and the
/// slot. For the table by id, where growing rereads ids from the slab.
impl Word for u64 {
    const EMPTY: u64 = 0;
    const REMOVED: u64 = 1 << SLOT_BITS;
    fn new(hash: u64, slot: usize) -> u64 {
        (hash >> SLOT_BITS) << SLOT_BITS | ((slot as u64).wrapping_add(1) & SLOT_MASK)
    }
    fn slot_plus_one(self) -> u64 {
        self & SLOT_MASK
    }
    fn kept_hash_is(self, hash: u64) -> bool {
        self >> SLOT_BITS == hash >> SLOT_BITS
    }
    fn hash(self) -> Option<u64> {
        None
    }
}

/// Two words: the whole hash and the slot. For the table by email, where rereading each
/// contact's email to grow would cost three cache misses per contact.
impl Word for u128 {
    const EMPTY: u128 = 0;
    const REMOVED: u128 = 1 << 64;
    fn new(hash: u64, slot: usize) -> u128 {
        u128::from(hash) << 64 | u128::from((slot as u64).wrapping_add(1) & SLOT_MASK)
    }
    fn slot_plus_one(self) -> u64 {
        self as u64 & SLOT_MASK
    }
    fn kept_hash_is(self, hash: u64) -> bool {
        (self >> 64) as u64 == hash
    }
    fn hash(self) -> Option<u64> {
        Some((self >> 64) as u64)
    }
}

impl<W: Word> SlotTable<W> {
    /// A table that holds `len` slots before it grows.
    pub(super) fn with_capacity(len: usize) -> SlotTable<W> {
        SlotTable {
            entries: vec![W::EMPTY; buckets_for(len)],
            len: 0,
            removed: 0,
        }
    }

    /// How many slots the table holds.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The slot stored under `hash` for which `eq` holds.
    pub(super) fn find(&self, hash: u64, mut eq: impl FnMut(usize) -> bool) -> Option<usize> {
        self.candidates(hash).find(|&slot| eq(slot))
    }

    /// The slots stored under `hash`, and perhaps a few others whose hash shares what the
    /// entries keep of it: the caller compares keys.
    pub(super) fn candidates(&self, hash: u64) -> Candidates<'_, W> {
        Candidates {
            entries: &self.entries,
            at: home(hash, self.entries.len()),
            hash,
            left: self.entries.len(),
        }
    }

    /// Stores `slot` under `hash`. `rehash` gives the hash of a slot already stored, for when
    /// the table grows and its entries do not keep their whole hash.
    pub(super) fn insert(&mut self, hash: u64, slot: usize, rehash: impl Fn(usize) -> u64) {
        if (self.len + self.removed + 1) * 4 > self.entries.len() * 3 {
            self.rebuild(rehash);
        }
        if place(&mut self.entries, W::new(hash, slot), hash) {
            self.len += 1;
        }
    }

    /// Removes `slot` from under `hash`; whether it was there.
    pub(super) fn remove(&mut self, hash: u64, slot: usize) -> bool {
        let len = self.entries.len();
        let mut at = home(hash, len);
        for _ in 0..len {
            let Some(entry) = self.entries.get_mut(at) else {
                return false;
            };
            if *entry == W::EMPTY {
                return false;
            }
            if entry.kept_hash_is(hash) && entry.slot_plus_one() == (slot as u64).wrapping_add(1) {
                *entry = W::REMOVED;
                self.len -= 1;
                self.removed += 1;
                return true;
            }
            at = next(at, len);
        }
        false
    }

    /// Places every slot again in a table without removed entries: twice as large, unless
    /// removed entries took up most of the room.
    fn rebuild(&mut self, rehash: impl Fn(usize) -> u64) {
        let size = if self.removed > self.len {
            buckets_for(self.len + 1)
        } else {
            (self.entries.len() * 2).max(MIN_LEN)
        };
        let old = std::mem::replace(&mut self.entries, vec![W::EMPTY; size]);
        self.removed = 0;
        for entry in old.into_iter().filter(|e| e.slot_plus_one() != 0) {
            let slot = entry.slot_plus_one() as usize - 1;
            let hash = entry.hash().unwrap_or_else(|| rehash(slot));
            place(&mut self.entries, entry, hash);
        }
    }
}

/// Writes `entry` into the first empty entry from `hash`'s position; whether there was one
/// (there always is: the table is never full).
fn place<W: Word>(entries: &mut [W], entry: W, hash: u64) -> bool {
    let len = entries.len();
    let mut at = home(hash, len);
    for _ in 0..len {
        let Some(free) = entries.get_mut(at) else {
            return false;
        };
        if *free == W::EMPTY {
            *free = entry;
            return true;
        }
        at = next(at, len);
    }
    false
}

/// The first entry to probe for `hash` in a table of `len` entries: its low 48 bits (the bits
/// a one-word entry does not keep) scaled to `len`. Below `len` when `len` is above zero.
fn home(hash: u64, len: usize) -> usize {
    ((u128::from(hash & SLOT_MASK) * len as u128) >> SLOT_BITS) as usize
}

/// The entry after `at`, wrapping at the end.
fn next(at: usize, len: usize) -> usize {
    if at + 1 >= len { 0 } else { at + 1 }
}

/// The slots that may be stored under a hash: see [`SlotTable::candidates`].
#[derive(Debug)]
pub(super) struct Candidates<'a, W> {
    entries: &'a [W],
    /// The next entry to read.
    at: usize,
    hash: u64,
    /// Entries left to read before giving up (never reached: the table is never full).
    left: usize,
}

impl<W: Word> Iterator for Candidates<'_, W> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.left > 0 {
            self.left -= 1;
            let entry = *self.entries.get(self.at)?;
            self.at = next(self.at, self.entries.len());
            if entry == W::EMPTY {
                self.left = 0;
                return None;
            }
            let slot_plus_one = entry.slot_plus_one();
            if slot_plus_one != 0 && entry.kept_hash_is(self.hash) {
                return Some(slot_plus_one as usize - 1);
            }
        }
        None
    }
}

/// The fewest entries a table has once it holds a slot.
const MIN_LEN: usize = 16;

/// The entries that hold `len` slots at most three quarters full.
fn buckets_for(len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    len.saturating_mul(4).div_ceil(3).max(MIN_LEN)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use proptest::prelude::*;

    use super::*;

    fn spread(key: u64) -> u64 {
        key.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
    }

    /// A hash by the test's choice: all keys equal (0), a few clusters whose entries all look
    /// alike (1 to 4), a few clusters with distinct top bits (5 to 8), or hashes whose kept part
    /// is that of a removed entry (9).
    fn chosen_hash(kind: u64) -> impl Fn(u64) -> u64 + Copy {
        move |k: u64| match kind {
            0 => 42,
            1..=4 => (k % kind) * 977,
            9 if k % 2 == 0 => 1,
            9 => 1 << SLOT_BITS | k,
            _ => spread(k % kind) | (k % kind),
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Store a new slot for this key.
        Insert(u64),
        /// Remove the n-th live slot, if any.
        Remove(usize),
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        proptest::collection::vec(
            prop_oneof![
                3 => (0u64..60).prop_map(Op::Insert),
                1 => any::<usize>().prop_map(Op::Remove),
            ],
            0..300,
        )
    }

    /// Runs `ops` on a table and on a model (key of each live slot), then checks that the
    /// table's candidates for every key are exactly the model's slots for it, plus only slots of
    /// keys whose hashes look the same to the entries.
    fn check<W: Word + std::fmt::Debug>(
        ops: Vec<Op>,
        kind: u64,
        capacity: usize,
    ) -> Result<(), TestCaseError> {
        let hash = chosen_hash(kind);
        let mut keys: Vec<u64> = Vec::new(); // the slab: the key of each slot
        let mut live: BTreeSet<usize> = BTreeSet::new();
        let mut table = SlotTable::<W>::with_capacity(capacity);
        for op in ops {
            match op {
                Op::Insert(key) => {
                    let slot = keys.len();
                    keys.push(key);
                    table.insert(hash(key), slot, |s| hash(keys[s]));
                    live.insert(slot);
                }
                Op::Remove(n) => {
                    if let Some(&slot) = live.iter().nth(n % live.len().max(1)) {
                        prop_assert!(table.remove(hash(keys[slot]), slot));
                        live.remove(&slot);
                        prop_assert!(!table.remove(hash(keys[slot]), slot));
                    }
                }
            }
            prop_assert_eq!(table.len(), live.len());
            prop_assert!((table.len + table.removed) * 4 <= table.entries.len() * 3);
        }
        let mut by_key: HashMap<u64, BTreeSet<usize>> = HashMap::new();
        for &slot in &live {
            by_key.entry(keys[slot]).or_default().insert(slot);
        }
        for key in 0..64 {
            let found: BTreeSet<usize> = table
                .candidates(hash(key))
                .filter(|&s| keys[s] == key)
                .collect();
            prop_assert_eq!(&found, &by_key.get(&key).cloned().unwrap_or_default());
            for slot in table.candidates(hash(key)) {
                prop_assert!(live.contains(&slot));
                prop_assert!(W::new(hash(keys[slot]), slot).kept_hash_is(hash(key)));
            }
            let first = table.find(hash(key), |s| keys[s] == key);
            prop_assert_eq!(first.is_some(), !found.is_empty());
            prop_assert!(first.is_none_or(|s| found.contains(&s)));
        }
        Ok(())
    }

    proptest! {
        /// With one word per entry (16 bits of hash kept).
        #[test]
        fn one_word_entries_hold_exactly_the_live_slots(
            ops in ops(), kind in 0u64..10, capacity in 0usize..200,
        ) {
            check::<u64>(ops, kind, capacity)?;
        }

        /// With two words per entry (the whole hash kept).
        #[test]
        fn two_word_entries_hold_exactly_the_live_slots(
            ops in ops(), kind in 0u64..10, capacity in 0usize..200,
        ) {
            check::<u128>(ops, kind, capacity)?;
        }
    }

    #[test]
    fn an_empty_table_finds_nothing() {
        for table in [SlotTable::<u64>::default(), SlotTable::with_capacity(0)] {
            assert_eq!(table.find(7, |_| true), None);
            assert_eq!(table.len(), 0);
        }
        let mut empty = SlotTable::<u128>::default();
        assert!(!empty.remove(7, 0));
    }

    #[test]
    fn pre_sized_it_does_not_grow() {
        let keys: Vec<u64> = (0..1000).collect();
        let mut table = SlotTable::<u64>::with_capacity(1000);
        for (slot, &key) in keys.iter().enumerate() {
            table.insert(spread(key), slot, |s| spread(keys[s]));
        }
        assert_eq!(table.entries.len(), 1334);
        assert_eq!(buckets_for(1000), 1334);
    }

    #[test]
    fn a_slot_keeps_its_tag_apart() {
        // The largest hash and a large slot do not run into each other.
        let slot = (1usize << 40) + 5;
        let mut table = SlotTable::<u64>::with_capacity(1);
        table.insert(u64::MAX, slot, |_| u64::MAX);
        assert_eq!(table.find(u64::MAX, |s| s == slot), Some(slot));
        assert_eq!(table.find(u64::MAX >> 16, |s| s == slot), None);
    }
}
