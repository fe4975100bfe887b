//! [`IdSet`]: the ordered sets of ids behind [`MemoryStore`](super::MemoryStore)'s indexes.

use std::collections::BTreeMap;
use std::collections::btree_map;
use std::ops::Bound;

/// The most ids a chunk holds.
const CHUNK: usize = 64;

/// A set of ids in ascending order, kept in sorted chunks of at most [`CHUNK`] ids. Each chunk
/// is keyed by a bound: its ids are at least its key and less than the next chunk's key. (A key
/// is the chunk's smallest id when the chunk is made; removing ids leaves it alone.)
///
/// About 17 bytes per id when ids arrive in ascending order (as UUID v7 ids do), where a
/// `BTreeSet<u128>` takes about 30: its leaves are split in two when full, so they stay about
/// half full. Removing ids merges a small chunk into the next one, so chunks stay reasonably
/// full whatever the order of the operations. The last chunk is kept when it empties: a state
/// that records pass through (a new lead, an opportunity in proposal) would otherwise allocate
/// and free a chunk for each of them.
#[derive(Debug, Default)]
pub(super) struct IdSet {
    chunks: BTreeMap<u128, Vec<u128>>,
    len: usize,
}

impl IdSet {
    /// How many ids the set holds.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Adds `id`, if it is not there yet.
    pub(super) fn insert(&mut self, id: u128) {
        // Ids usually arrive in ascending order: then they go to the end of the last chunk,
        // found without comparing keys.
        if let Some(mut last) = self.chunks.last_entry() {
            let after_last = *last.key() <= id && last.get().last().is_none_or(|&l| l < id);
            if after_last {
                let chunk = last.get_mut();
                self.len += 1;
                if chunk.len() < CHUNK {
                    chunk.push(id);
                } else {
                    // A set that grows at its end: its next chunk will fill up too, so it is
                    // made full-sized at once rather than grown five times.
                    let mut next = Vec::with_capacity(CHUNK);
                    next.push(id);
                    self.chunks.insert(id, next);
                }
                return;
            }
        }
        // The chunk to hold `id`: the last one keyed at or before it, else the first (which
        // is then keyed anew).
        let found = self
            .chunks
            .range(..=id)
            .next_back()
            .or_else(|| self.chunks.iter().next())
            .map(|(key, _)| *key);
        let Some(key) = found else {
            self.chunks.insert(id, vec![id]);
            self.len = 1;
            return;
        };
        let Some(chunk) = self.chunks.get_mut(&key) else {
            return;
        };
        let Err(at) = chunk.binary_search(&id) else {
            return;
        };
        self.len += 1;
        if chunk.len() < CHUNK {
            chunk.insert(at, id);
        } else if at == CHUNK {
            // Past the end of a full chunk: start a new one. The next chunk, if any, is keyed
            // after `id`.
            self.chunks.insert(id, vec![id]);
        } else {
            let mut upper = chunk.split_off(CHUNK / 2);
            if at <= CHUNK / 2 {
                chunk.insert(at, id);
            } else {
                upper.insert(at - CHUNK / 2, id);
            }
            if let Some(&upper_key) = upper.first() {
                self.chunks.insert(upper_key, upper);
            }
        }
        if id < key {
            if let Some(chunk) = self.chunks.remove(&key) {
                self.chunks.insert(id, chunk);
            }
        }
    }

    /// Removes `id`, if it is there.
    pub(super) fn remove(&mut self, id: u128) {
        // Recent ids are in the last chunk, found without comparing keys.
        let last_key = self.chunks.last_key_value().map(|(key, _)| *key);
        let found = if last_key.is_some_and(|key| key <= id) {
            self.chunks
                .last_entry()
                .map(|last| (*last.key(), last.into_mut()))
        } else {
            self.chunks
                .range_mut(..=id)
                .next_back()
                .map(|(key, chunk)| (*key, chunk))
        };
        let Some((key, chunk)) = found else {
            return;
        };
        let Ok(at) = chunk.binary_search(&id) else {
            return;
        };
        chunk.remove(at);
        self.len -= 1;
        if Some(key) == last_key {
            // The last chunk has no next one to merge with, and stays even when empty.
            return;
        }
        if chunk.is_empty() {
            self.chunks.remove(&key);
        } else if chunk.len() < CHUNK / 4 {
            if chunk.capacity() > 2 * CHUNK / 4 {
                chunk.shrink_to(CHUNK / 4);
            }
            self.merge_next(key);
        }
    }

    /// The ids after `start`, in ascending order.
    pub(super) fn range(&self, start: Bound<u128>) -> Range<'_> {
        // The chunk holding `start` may hold ids after it; the chunks after it only do.
        let from = match start {
            Bound::Included(s) | Bound::Excluded(s) => {
                self.chunks.range(..=s).next_back().map(|(first, _)| *first)
            }
            Bound::Unbounded => None,
        };
        Range {
            chunks: match from {
                Some(first) => self.chunks.range(first..),
                None => self.chunks.range(..),
            },
            ids: [].iter(),
            start,
        }
    }

    /// Moves the ids of the chunk after the one keyed `first` into it, if they fit.
    fn merge_next(&mut self, first: u128) {
        let next = self
            .chunks
            .range((Bound::Excluded(first), Bound::Unbounded))
            .next()
            .map(|(next, ids)| (*next, ids.len()));
        let Some((next, next_len)) = next else {
            return;
        };
        let fits = self
            .chunks
            .get(&first)
            .is_some_and(|chunk| chunk.len() + next_len <= CHUNK);
        if fits {
            if let Some(ids) = self.chunks.remove(&next) {
                if let Some(chunk) = self.chunks.get_mut(&first) {
                    chunk.extend(ids);
                }
            }
        }
    }
}

/// The ids of an [`IdSet`] after a bound, in ascending order.
#[derive(Debug, Clone)]
pub(super) struct Range<'a> {
    chunks: btree_map::Range<'a, u128, Vec<u128>>,
    ids: std::slice::Iter<'a, u128>,
    start: Bound<u128>,
}

impl Iterator for Range<'_> {
    type Item = u128;

    fn next(&mut self) -> Option<u128> {
        loop {
            match self.ids.next() {
                Some(&id) => {
                    let after = match self.start {
                        Bound::Included(s) => id >= s,
                        Bound::Excluded(s) => id > s,
                        Bound::Unbounded => true,
                    };
                    if after {
                        // Every later id is after too.
                        self.start = Bound::Unbounded;
                        return Some(id);
                    }
                }
                None => self.ids = self.chunks.next()?.1.iter(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u128),
        Remove(u128),
        /// Inserts this much above the largest id: ids in ascending order.
        Append(u128),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Few distinct ids, so that removals hit and chunks split and merge; runs of ascending
        // ids as well as random ones.
        prop_oneof![
            (0u128..400).prop_map(Op::Insert),
            (0u128..400).prop_map(Op::Remove),
            (1u128..4).prop_map(Op::Append),
        ]
    }

    fn check(set: &IdSet, model: &BTreeSet<u128>) {
        assert_eq!(set.len(), model.len());
        let all: Vec<u128> = set.range(Bound::Unbounded).collect();
        let expected: Vec<u128> = model.iter().copied().collect();
        assert_eq!(all, expected);
        for (first, chunk) in &set.chunks {
            assert!(chunk.len() <= CHUNK);
            assert!(
                !chunk.is_empty() || set.chunks.last_key_value().map(|(k, _)| k) == Some(first),
                "only the last chunk may be empty"
            );
            assert!(
                chunk.first().is_none_or(|id| id >= first),
                "keyed at or below its ids"
            );
            assert!(chunk.windows(2).all(|w| w[0] < w[1]));
        }
        let keys: Vec<u128> = set.chunks.keys().copied().collect();
        for (chunk, next_key) in set.chunks.values().zip(keys.iter().skip(1)) {
            assert!(
                chunk.last().is_none_or(|id| id < next_key),
                "below the next chunk's key"
            );
        }
    }

    proptest! {
        /// Any sequence of inserts and removals leaves the same ids as a `BTreeSet`, in order,
        /// in well-formed chunks; ranges from any bound agree too.
        #[test]
        fn behaves_like_a_btreeset(ops in prop::collection::vec(op(), 0..1500), from in 0u128..400) {
            let (mut set, mut model) = (IdSet::default(), BTreeSet::new());
            for op in ops {
                match op {
                    Op::Insert(id) => {
                        set.insert(id);
                        model.insert(id);
                    }
                    Op::Remove(id) => {
                        set.remove(id);
                        model.remove(&id);
                    }
                    Op::Append(step) => {
                        let id = model.last().map_or(0, |largest| largest + step);
                        set.insert(id);
                        model.insert(id);
                    }
                }
            }
            check(&set, &model);
            for start in [Bound::Excluded(from), Bound::Included(from)] {
                let got: Vec<u128> = set.range(start).collect();
                let want: Vec<u128> = model.range((start, Bound::Unbounded)).copied().collect();
                prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn ascending_ids_fill_their_chunks() {
        let mut set = IdSet::default();
        for id in 0..(10 * CHUNK as u128) {
            set.insert(id);
        }
        assert_eq!(set.chunks.len(), 10);
        assert!(set.chunks.values().all(|c| c.len() == CHUNK));
        for id in 0..(10 * CHUNK as u128) {
            set.remove(id);
        }
        assert_eq!(set.len(), 0);
        assert!(set.chunks.len() <= 1, "only the last chunk is kept");
        assert!(set.chunks.values().all(Vec::is_empty));
    }
}
