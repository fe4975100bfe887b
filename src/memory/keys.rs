//! The index of duplicate keys of [`MemoryStore`](super::MemoryStore): per kind, the records
//! of each key's hash ([`Record::duplicate_keys`](crate::record::Record::duplicate_keys)),
//! in a hash map, so that entering a key is one probe. An ordered set of `(hash, id)` pairs was
//! the first form: a contact's keys fall at random places in it, and at a million contacts
//! each insert walked its levels from memory (about 5 µs a lifecycle, measured in turns).

use std::ops::Bound;

use hashbrown::HashMap;

use super::indexes::{Halves, halves, whole};

/// The records of one key's hash, in id order: most keys are one record's (an email, a
/// phone), which takes no allocation of its own; a name shared by several holds a list.
#[derive(Debug)]
enum Ids {
    /// One record, its id as two halves (so that the map's entries need no 16-byte
    /// alignment).
    One(Halves),
    /// Several, sorted.
    Many(Vec<u128>),
}

/// The records of every key's hash of one kind.
#[derive(Debug, Default)]
pub(super) struct KeyIndex(HashMap<u64, Ids>);

impl KeyIndex {
    /// Enters `id` under `hash` (`add`), or removes it.
    pub(super) fn enter(&mut self, hash: u64, id: u128, add: bool) {
        use hashbrown::hash_map::Entry;
        match (self.0.entry(hash), add) {
            (Entry::Vacant(vacant), true) => {
                vacant.insert(Ids::One(halves(id)));
            }
            (Entry::Vacant(_), false) => {}
            (Entry::Occupied(mut occupied), add) => {
                let ids = occupied.get_mut();
                let mut listed = match ids {
                    Ids::One(one) => vec![whole(*one)],
                    Ids::Many(many) => std::mem::take(many),
                };
                match (listed.binary_search(&id), add) {
                    (Err(at), true) => listed.insert(at, id),
                    (Ok(at), false) => {
                        listed.remove(at);
                    }
                    _ => {}
                }
                match listed.as_slice() {
                    [] => {
                        occupied.remove();
                    }
                    [one] => *ids = Ids::One(halves(*one)),
                    _ => *ids = Ids::Many(listed),
                }
            }
        }
    }

    /// The ids under `hash` after `start`, in order.
    pub(super) fn ids(&self, hash: u64, start: Bound<u128>) -> Vec<u128> {
        let after = |id: &u128| match start {
            Bound::Excluded(after) => *id > after,
            _ => true,
        };
        match self.0.get(&hash) {
            None => Vec::new(),
            Some(Ids::One(one)) => Some(whole(*one)).filter(after).into_iter().collect(),
            Some(Ids::Many(many)) => {
                let from = many.partition_point(|id| !after(id));
                many[from..].to_vec()
            }
        }
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
