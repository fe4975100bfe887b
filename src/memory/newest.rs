//! [`NewestFirst`]: the ordered sets of [`MemoryStore`](super::MemoryStore)'s indexes, kept
//! in descending order and read in ascending order.
//!
//! The standard library's B-tree searches each node from its first key. New records' ids
//! (sequential, or UUID v7, which start with the time) are mostly the greatest yet, and so are
//! the keys they make in an index (a creation time, a pair of a recent contact and its new
//! record): kept in ascending order, entering one compares it with every key of each node on
//! the way down to the last leaf; kept in descending order, with the first key of each. Reads
//! walk the set backwards, so that they still give ascending order.

use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::ops::Bound;

/// An ordered set whose newest (greatest) keys are found first.
#[derive(Debug)]
pub(super) struct NewestFirst<K>(BTreeSet<Reverse<K>>);

impl<K> Default for NewestFirst<K> {
    fn default() -> Self {
        NewestFirst(BTreeSet::new())
    }
}

impl<K: Ord + Copy> NewestFirst<K> {
    /// Adds `key` (`add`), or removes it.
    pub(super) fn enter(&mut self, key: K, add: bool) {
        if add {
            self.0.insert(Reverse(key));
        } else {
            self.0.remove(&Reverse(key));
        }
    }

    /// Whether the set holds no key.
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys from `from` to `to`, in ascending order. `from` must not be greater than `to`
    /// (nor equal to it when both are excluded), as for [`BTreeSet::range`].
    pub(super) fn range(
        &self,
        from: Bound<K>,
        to: Bound<K>,
    ) -> impl DoubleEndedIterator<Item = K> + '_ {
        self.0
            .range((to.map(Reverse), from.map(Reverse)))
            .rev()
            .map(|Reverse(key)| *key)
    }

    /// The keys after `start`, in ascending order.
    pub(super) fn after(&self, start: Bound<K>) -> impl DoubleEndedIterator<Item = K> + '_ {
        self.range(start, Bound::Unbounded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_in_ascending_order_whatever_order_they_came_in() {
        let mut set = NewestFirst::default();
        for key in [5u128, 1, 9, 3, 7, 3] {
            set.enter(key, true);
        }
        set.enter(9, false);
        assert!(set.after(Bound::Unbounded).eq([1, 3, 5, 7]));
        assert!(set.after(Bound::Excluded(3)).eq([5, 7]));
        assert!(set.after(Bound::Included(3)).eq([3, 5, 7]));
        assert!(set.range(Bound::Included(2), Bound::Included(5)).eq([3, 5]));
        assert!(set.range(Bound::Excluded(3), Bound::Excluded(7)).eq([5]));
        assert!(set.range(Bound::Included(7), Bound::Excluded(7)).eq([]));
        assert!(!set.is_empty());
        for key in [1, 3, 5, 7] {
            set.enter(key, false);
        }
        assert!(set.is_empty());
    }
}
