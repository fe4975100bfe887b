//! [`SlotTable`]: where each record is in [`MemoryStore`](super::MemoryStore)'s slab, by id.

/// The bits of an entry that hold the slot number (plus one, so that no entry is zero).
const SLOT_BITS: u32 = 48;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

/// A hash table of slot numbers, for a store whose records are never removed: each entry is one
/// word holding a slot number and 16 bits of the hash of the key stored there (its tag).
///
/// Why not `hashbrown::HashTable<usize>`: it keeps its control bytes and its values apart, so
/// inserting a slot number writes a cache line that looking the key up never read. Under the
/// store's lock, whose release waits for every store before it, that miss was the largest cost
/// of creating a record in a large store. Here the probe reads the words that the insert
/// writes, and an entry takes 8 bytes rather than 9.
///
/// Linear probing, at most three quarters full; no removal (so no tombstones). The caller
/// hashes (with a seeded hash: probing is linear, so clustered hashes would hurt) and compares
/// keys through the slot numbers.
///
/// A slot number takes 48 bits: the slab of 2^48 records it would take to exceed them is
/// petabytes, which no allocator hands out.
#[derive(Debug, Default)]
pub(super) struct SlotTable {
    /// Empty (zero) or `tag << 48 | (slot + 1)`; a power of two long, or empty.
    entries: Vec<u64>,
    len: usize,
}

/// The 16 bits of `hash` kept in an entry: its top ones, as the position comes from its low ones.
fn tag(hash: u64) -> u64 {
    hash >> SLOT_BITS
}

impl SlotTable {
    /// A table that holds `len` slots before it grows.
    pub(super) fn with_capacity(len: usize) -> SlotTable {
        SlotTable {
            entries: vec![0; buckets_for(len)],
            len: 0,
        }
    }

    /// How many slots the table holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    /// The slot stored under `hash` for which `eq` holds.
    pub(super) fn find(&self, hash: u64, mut eq: impl FnMut(usize) -> bool) -> Option<usize> {
        let mask = self.entries.len().checked_sub(1)?;
        let mut at = hash as usize & mask;
        // A free entry ends the search long before this bound: the table is never full.
        for _ in 0..self.entries.len() {
            let entry = *self.entries.get(at)?;
            if entry == 0 {
                return None;
            }
            if entry >> SLOT_BITS == tag(hash) && eq(slot_of(entry)) {
                return Some(slot_of(entry));
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// Stores `slot` under `hash`; the caller knows it is not there yet. `rehash` gives the
    /// hash of a slot already stored, for when the table grows.
    pub(super) fn insert(&mut self, hash: u64, slot: usize, rehash: impl Fn(usize) -> u64) {
        if (self.len + 1) * 4 > self.entries.len() * 3 {
            self.grow(rehash);
        }
        place(
            &mut self.entries,
            tag(hash) << SLOT_BITS | (slot as u64 + 1),
            hash,
        );
        self.len += 1;
    }

    /// Doubles the table (at least 16 entries) and places every slot again.
    fn grow(&mut self, rehash: impl Fn(usize) -> u64) {
        let mut entries = vec![0; (self.entries.len() * 2).max(16)];
        for &entry in self.entries.iter().filter(|&&e| e != 0) {
            let hash = rehash(slot_of(entry));
            place(&mut entries, entry, hash);
        }
        self.entries = entries;
    }
}

/// The slot number in a (non-zero) entry.
fn slot_of(entry: u64) -> usize {
    ((entry & SLOT_MASK) as usize).wrapping_sub(1)
}

/// Writes `entry` into the first free entry from `hash`'s position. `entries` is a power of two
/// long and has a free entry.
fn place(entries: &mut [u64], entry: u64, hash: u64) {
    let mask = entries.len().wrapping_sub(1);
    let mut at = hash as usize & mask;
    for _ in 0..entries.len() {
        let Some(e) = entries.get_mut(at) else {
            return;
        };
        if *e == 0 {
            *e = entry;
            return;
        }
        at = (at + 1) & mask;
    }
}

/// The power of two of entries that holds `len` slots at most three quarters full.
fn buckets_for(len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    len.saturating_mul(4)
        .div_ceil(3)
        .max(16)
        .checked_next_power_of_two()
        .unwrap_or(usize::MAX / 2 + 1)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    /// A table over a "slab" of keys, with a hash chosen by the test.
    fn table_of(keys: &[u64], hash: impl Fn(u64) -> u64, capacity: usize) -> SlotTable {
        let mut table = SlotTable::with_capacity(capacity);
        for (slot, &key) in keys.iter().enumerate() {
            table.insert(hash(key), slot, |s| hash(keys[s]));
        }
        table
    }

    fn spread(key: u64) -> u64 {
        key.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
    }

    proptest! {
        /// Every key stored is found at its slot, and no other key is found, whatever the
        /// hash (here clustered on purpose, or all equal) and the starting capacity.
        #[test]
        fn finds_what_was_stored_and_nothing_else(
            keys in proptest::collection::hash_set(any::<u64>(), 0..300),
            absent in proptest::collection::vec(any::<u64>(), 0..50),
            buckets in 0u64..9,
            capacity in 0usize..400,
        ) {
            let keys: Vec<u64> = keys.into_iter().collect();
            // `buckets` 0: every key has the same hash; otherwise a few clusters, with the
            // tags of a good hash or all the same.
            let hash = move |k: u64| match buckets {
                0 => 42,
                1..=4 => (k % buckets) * 977,
                _ => spread(k % buckets) | (k % buckets),
            };
            let table = table_of(&keys, hash, capacity);
            prop_assert_eq!(table.len(), keys.len());
            for (slot, &key) in keys.iter().enumerate() {
                prop_assert_eq!(table.find(hash(key), |s| keys[s] == key), Some(slot));
            }
            let stored: HashSet<u64> = keys.iter().copied().collect();
            for key in absent.into_iter().filter(|k| !stored.contains(k)) {
                prop_assert_eq!(table.find(hash(key), |s| keys[s] == key), None);
            }
        }
    }

    #[test]
    fn an_empty_table_finds_nothing() {
        for table in [SlotTable::default(), SlotTable::with_capacity(0)] {
            assert_eq!(table.find(7, |_| true), None);
            assert_eq!(table.len(), 0);
        }
    }

    #[test]
    fn stays_at_most_three_quarters_full() {
        let keys: Vec<u64> = (0..1000).collect();
        let mut table = SlotTable::default();
        for (slot, &key) in keys.iter().enumerate() {
            table.insert(spread(key), slot, |s| spread(keys[s]));
            assert!(table.len() * 4 <= table.entries.len() * 3);
        }
        // Pre-sized, it does not grow.
        let sized = table_of(&keys, spread, 1000);
        assert_eq!(sized.entries.len(), buckets_for(1000));
        assert_eq!(buckets_for(1000), 2048);
    }

    #[test]
    fn a_slot_keeps_its_tag_apart() {
        // The largest hash and a large slot do not run into each other.
        let slot = (1usize << 40) + 5;
        let mut table = SlotTable::with_capacity(1);
        table.insert(u64::MAX, slot, |_| u64::MAX);
        assert_eq!(table.find(u64::MAX, |s| s == slot), Some(slot));
        assert_eq!(table.find(u64::MAX >> 16, |s| s == slot), None);
    }
}
