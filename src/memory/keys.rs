//! The index of duplicate keys of [`MemoryStore`](super::MemoryStore): per kind, the records
//! of each key's hash ([`Record::duplicate_keys`](crate::record::Record::duplicate_keys)),
//! in a hash map, so that entering a key is one probe. An ordered set of `(hash, id)` pairs was
//! the first form: a contact's keys fall at random places in it, and at a million contacts
//! each insert walked its levels from memory (about 5 µs a lifecycle, measured in turns).

use std::ops::Bound;

use hashbrown::HashMap;

use super::indexes::{Halves, halves, whole};
use super::sorted::{Sorted, enter_under};

/// The records of every key's hash of one kind, their ids as two halves (so that the map's
/// entries need no 16-byte alignment; halves order as the ids do).
#[derive(Debug, Default)]
pub(super) struct KeyIndex(HashMap<u64, Sorted<Halves>>);

impl KeyIndex {
    /// Enters `id` under `hash` (`add`), or removes it.
    pub(super) fn enter(&mut self, hash: u64, id: u128, add: bool) {
        enter_under(&mut self.0, &hash, halves(id), add);
    }

    /// The ids under `hash` after `start`, in order.
    pub(super) fn ids(&self, hash: u64, start: Bound<u128>) -> Vec<u128> {
        let listed = self.0.get(&hash).map_or(&[][..], Sorted::as_slice);
        let from = match start {
            Bound::Excluded(after) => listed.partition_point(|id| whole(*id) <= after),
            _ => 0,
        };
        listed[from..].iter().map(|id| whole(*id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_entered_removed_and_read_in_order() {
        let mut index = KeyIndex::default();
        let big = u128::MAX - 1;
        for id in [5, big, 1, 3] {
            index.enter(7, id, true);
        }
        index.enter(7, 3, true);
        assert_eq!(index.ids(7, Bound::Unbounded), [1, 3, 5, big]);
        assert_eq!(index.ids(7, Bound::Excluded(3)), [5, big]);
        for id in [1, 5, 3] {
            index.enter(7, id, false);
        }
        assert_eq!(index.ids(7, Bound::Unbounded), [big]);
        assert_eq!(index.ids(7, Bound::Excluded(big)), Vec::<u128>::new());
        index.enter(7, big, false);
        assert!(index.0.is_empty(), "a key without records is removed");
        index.enter(8, 9, false);
        assert!(index.0.is_empty());
    }
}
