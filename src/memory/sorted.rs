//! [`Sorted`]: the records under one key of a hash-map index of [`MemoryStore`](super::MemoryStore)
//! (an email, a domain, a duplicate key's hash), in id order, the common case of one record
//! inline.

use std::hash::Hash;

use hashbrown::HashMap;
use hashbrown::hash_map::Entry;

/// Adds `value` under `key` in `map` (`add`), or removes it, and the key with its last value:
/// what every hash-map index of the store does on a commit.
pub(super) fn enter_under<K, V>(map: &mut HashMap<K, Sorted<V>>, key: &K, value: V, add: bool)
where
    K: Hash + Eq + Clone,
    V: Ord + Copy,
{
    // One probe: most keys entered are new (a new contact's address, a new key's hash), and
    // those need the key cloned into the map anyway.
    match (map.entry(key.clone()), add) {
        (Entry::Vacant(vacant), true) => {
            vacant.insert(Sorted::One(value));
        }
        (Entry::Vacant(_), false) => {}
        (Entry::Occupied(mut occupied), add) => {
            if !occupied.get_mut().enter(value, add) {
                occupied.remove();
            }
        }
    }
}

/// Values in order, without repeats: most keys are one record's (an email, a domain, a
/// phone), which then takes no allocation of its own; a key shared by several holds a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Sorted<V> {
    /// One value.
    One(V),
    /// Several, sorted (never fewer than two: [`Sorted::enter`] goes back to `One`).
    Many(Vec<V>),
}

impl<V: Ord + Copy> Sorted<V> {
    /// Adds `value` (`add`) or removes it. `false` when nothing is left, for the caller to
    /// remove the key.
    pub(super) fn enter(&mut self, value: V, add: bool) -> bool {
        match self {
            Sorted::One(one) => match (add, *one == value) {
                (true, false) => *self = Sorted::Many(vec![value.min(*one), value.max(*one)]),
                (false, true) => return false,
                // Added again, or removed when absent: nothing changes.
                _ => {}
            },
            Sorted::Many(many) => {
                match (many.binary_search(&value), add) {
                    (Err(at), true) => many.insert(at, value),
                    (Ok(at), false) => {
                        many.remove(at);
                    }
                    _ => {}
                }
                if let [one] = many.as_slice() {
                    *self = Sorted::One(*one);
                }
            }
        }
        true
    }

    /// The values, in order.
    pub(super) fn as_slice(&self) -> &[V] {
        match self {
            Sorted::One(one) => std::slice::from_ref(one),
            Sorted::Many(many) => many,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_entered_and_removed_in_order_and_one_is_kept_inline() {
        let mut sorted = Sorted::One(5);
        assert!(sorted.enter(5, true), "added again: nothing changes");
        assert_eq!(sorted, Sorted::One(5));
        assert!(
            sorted.enter(9, false),
            "removed when absent: nothing changes"
        );
        for value in [9, 1, 7, 1] {
            assert!(sorted.enter(value, true));
        }
        assert_eq!(sorted.as_slice(), [1, 5, 7, 9]);
        for value in [7, 1, 8, 5] {
            assert!(sorted.enter(value, false));
        }
        assert_eq!(sorted, Sorted::One(9), "one left is inline again");
        assert!(!sorted.enter(9, false), "nothing left");
        let mut pair = Sorted::One(3);
        assert!(pair.enter(2, true));
        assert_eq!(pair.as_slice(), [2, 3], "a smaller value goes first");
    }

    #[test]
    fn a_key_is_entered_with_its_first_value_and_removed_with_its_last() {
        let mut map = HashMap::new();
        enter_under(&mut map, &"k", 2, false);
        assert!(map.is_empty(), "removed when absent: no key made");
        enter_under(&mut map, &"k", 2, true);
        enter_under(&mut map, &"k", 1, true);
        assert_eq!(map.get("k").map(Sorted::as_slice), Some(&[1, 2][..]));
        enter_under(&mut map, &"k", 2, false);
        assert_eq!(map.get("k"), Some(&Sorted::One(1)));
        enter_under(&mut map, &"k", 1, false);
        assert!(map.is_empty(), "the key goes with its last value");
    }
}
