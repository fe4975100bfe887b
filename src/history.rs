//! History: every transition of a record, with when, from, to, who, and the evidence.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::RecordError;
use crate::kind::RecordKind;
use crate::text::User;

/// One step in a record's life: when, from which state (none for the first), to which, by whom,
/// and the evidence that justified it.
///
/// `S` is the run-time state ([`LeadStatus`](crate::state::LeadStatus) or
/// [`OpportunityStage`](crate::state::OpportunityStage)) and `E` the evidence
/// ([`LeadEvidence`](crate::LeadEvidence) or [`OpportunityEvidence`](crate::OpportunityEvidence)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition<S, E> {
    at: DateTime<Utc>,
    from: Option<S>,
    to: S,
    actor: User,
    evidence: E,
}

impl<S: Copy, E> Transition<S, E> {
    /// When the step was taken.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The state before the step; `None` for the record's first entry.
    pub fn from(&self) -> Option<S> {
        self.from
    }

    /// The state after the step.
    pub fn to(&self) -> S {
        self.to
    }

    /// Who took the step.
    pub fn actor(&self) -> &User {
        &self.actor
    }

    /// The evidence the step consumed.
    pub fn evidence(&self) -> &E {
        &self.evidence
    }
}

/// How many items a history's slice holds at most: a history of up to this many entries is
/// one slice, and a step copies at most this many items.
const CHUNK: usize = 32;

/// The transitions of a record, oldest first. Never empty for a valid record: the first entry
/// is the record's creation.
///
/// Stored as a shared slice of its newest entries (all of them, for a history of up to 32
/// entries: one allocation), whose first item, in a longer history, is the history before
/// them. Cloning a history shares its entries instead of copying them, so a record can be kept
/// by its caller and by a store at the cost of a reference count; a step makes a new slice of
/// the newest entries and its own (at most 32 items copied, a reference count each for what
/// the entries share), or starts a new slice after a full one.
pub struct History<S, E> {
    items: Arc<[Item<S, E>]>,
}

/// An item of a history's slice.
#[derive(Debug)]
enum Item<S, E> {
    /// An entry.
    Entry(Transition<S, E>),
    /// The entries before the slice's others (its first item only), and how many they are.
    /// `None` only while the history is dropped ([`History::take_earlier`]).
    Earlier(Option<History<S, E>>, usize),
}

impl<S, E> Item<S, E> {
    fn entry(&self) -> Option<&Transition<S, E>> {
        match self {
            Item::Entry(t) => Some(t),
            Item::Earlier(..) => None,
        }
    }
}

impl<S: Copy, E: Shared> Item<S, E> {
    /// The same item, sharing what it holds.
    fn shared(&self) -> Item<S, E> {
        match self {
            Item::Entry(t) => Item::Entry(Transition {
                at: t.at,
                from: t.from,
                to: t.to,
                actor: t.actor.clone(),
                evidence: t.evidence.shared(),
            }),
            Item::Earlier(earlier, len) => Item::Earlier(earlier.clone(), *len),
        }
    }
}

impl<S, E> History<S, E> {
    /// A history holding only the creation of a record in state `to`, at `at`.
    pub(crate) fn start(at: DateTime<Utc>, to: S, evidence: E, actor: &User) -> History<S, E> {
        History {
            items: Arc::new([Item::Entry(Transition {
                at,
                from: None,
                to,
                actor: actor.clone(),
                evidence,
            })]),
        }
    }

    /// A history of `entries`, oldest first, in slices as steps would have made them.
    fn from_entries(entries: Vec<Transition<S, E>>) -> History<S, E> {
        let total = entries.len();
        let mut entries = entries.into_iter();
        let mut history = History {
            items: entries.by_ref().take(CHUNK).map(Item::Entry).collect(),
        };
        let mut len = history.items.len();
        while len < total {
            let items: Arc<[Item<S, E>]> = std::iter::once(Item::Earlier(Some(history), len))
                .chain(entries.by_ref().take(CHUNK - 1).map(Item::Entry))
                .collect();
            len += items.len() - 1;
            history = History { items };
        }
        history
    }

    /// The history before this slice's entries, and how many entries it has.
    fn earlier(&self) -> Option<(&History<S, E>, usize)> {
        match self.items.first() {
            Some(Item::Earlier(Some(earlier), len)) => Some((earlier, *len)),
            _ => None,
        }
    }

    /// This slice's own entries (without the history before them).
    fn own(&self) -> &[Item<S, E>] {
        match self.items.first() {
            Some(Item::Earlier(..)) => &self.items[1..],
            _ => &self.items,
        }
    }

    /// The history before this slice's entries, taken out of the slice if no other history
    /// shares it: for dropping a long history one slice at a time.
    fn take_earlier(&mut self) -> Option<History<S, E>> {
        match Arc::get_mut(&mut self.items)?.first_mut()? {
            Item::Earlier(earlier, _) => earlier.take(),
            Item::Entry(_) => None,
        }
    }

    /// Appends a step from `from` to `to`, taken at `at` by `actor`.
    pub(crate) fn push(&mut self, at: DateTime<Utc>, from: S, to: S, evidence: E, actor: &User)
    where
        S: Copy,
        E: Shared,
    {
        let step = Item::Entry(Transition {
            at,
            from: Some(from),
            to,
            actor: actor.clone(),
            evidence,
        });
        self.items = match self.items.len() < CHUNK {
            true => self
                .items
                .iter()
                .map(Item::shared)
                .chain(std::iter::once(step))
                .collect(),
            false => Arc::new([Item::Earlier(Some(self.clone()), self.len()), step]),
        };
    }

    /// The same steps, each with its evidence replaced by `f` of it: for erasing personal data
    /// while keeping the shape of the history.
    pub(crate) fn map_evidence(&self, f: impl Fn(&E) -> E) -> History<S, E>
    where
        S: Copy,
    {
        History::from_entries(
            self.iter()
                .map(|t| Transition {
                    at: t.at,
                    from: t.from,
                    to: t.to,
                    actor: t.actor.clone(),
                    evidence: f(&t.evidence),
                })
                .collect(),
        )
    }

    /// The transitions, newest first.
    pub(crate) fn newest_first(&self) -> std::iter::Rev<HistoryIter<'_, S, E>> {
        self.iter().rev()
    }

    /// Whether this history continues `older`: it is at least as long, and its entry at
    /// `older`'s last position is `older`'s last entry, equal in every part (free text
    /// included). True when this history was made by steps on a copy of `older`; false for a
    /// history rewritten by erasure (compare by [`HistoryMark`](crate::store::HistoryMark)
    /// then, which leaves free text out).
    pub(crate) fn continues(&self, older: &History<S, E>) -> bool
    where
        S: PartialEq,
        E: PartialEq,
    {
        let Some(last) = older.len().checked_sub(1) else {
            return false;
        };
        Arc::ptr_eq(&self.items, &older.items)
            || self.get(last).is_some_and(|t| Some(t) == older.last())
    }

    /// The entry at `index`, oldest first.
    fn get(&self, index: usize) -> Option<&Transition<S, E>> {
        let mut history = self;
        loop {
            match history.earlier() {
                Some((earlier, len)) if index < len => history = earlier,
                Some((_, len)) => return history.own().get(index - len)?.entry(),
                None => return history.own().get(index)?.entry(),
            }
        }
    }

    /// The transitions, oldest first.
    pub fn iter(&self) -> HistoryIter<'_, S, E> {
        // The slices before this one, oldest first (none, and no allocation, for a history
        // of one slice).
        let mut older = Vec::new();
        let mut earlier = self.earlier();
        while let Some((history, _)) = earlier {
            older.push(history.own());
            earlier = history.earlier();
        }
        older.reverse();
        let entry: EntryOf<'_, S, E> = Item::entry;
        HistoryIter {
            entries: older
                .into_iter()
                .chain(Some(self.own()))
                .flatten()
                .filter_map(entry),
            remaining: self.len(),
        }
    }

    /// How many transitions there are.
    pub fn len(&self) -> usize {
        self.earlier().map_or(0, |(_, len)| len) + self.own().len()
    }

    /// Whether there are none (never the case for a valid record).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first transition: the record's creation.
    pub fn first(&self) -> Option<&Transition<S, E>> {
        self.get(0)
    }

    /// The latest transition: the one into the record's current state.
    pub fn last(&self) -> Option<&Transition<S, E>> {
        self.own().last()?.entry()
    }

    /// The latest entry that moved the record to its state (its creation, or a step from
    /// another state): the edits since (hand-offs, revisions) are passed over, newest first.
    pub(crate) fn last_move(&self) -> Option<&Transition<S, E>>
    where
        S: Copy + PartialEq,
    {
        self.newest_first().find(|t| t.from != Some(t.to))
    }

    /// When the next step reading the clock at `now` is recorded: `now`, or the time of the
    /// latest entry if the clock reads earlier (a clock stepped back, or two machines whose
    /// clocks disagree). Times in a history never go back, so what a step records always reads
    /// back.
    pub(crate) fn next_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.last().map_or(now, |last| now.max(last.at))
    }

    /// The evidence of the latest transition. Only for records whose history was validated
    /// (every typed record's is): it is never empty.
    pub(crate) fn last_evidence(&self) -> Option<&E> {
        self.last().map(|t| &t.evidence)
    }
}

impl<S: Copy, E> History<S, E> {
    /// Checks the history of a record that is now in `state`: it starts from nothing, every
    /// entry starts where the previous one ended, every step is `legal`, times never go back, and
    /// it ends in `state`.
    pub(crate) fn validate(
        &self,
        record: RecordKind,
        state: S,
        legal: impl Fn(Option<S>, S, &E) -> bool,
    ) -> Result<(), RecordError>
    where
        S: Tag + PartialEq,
        E: Tag,
    {
        let Some(last) = self.last() else {
            return Err(RecordError::EmptyHistory { record });
        };
        let mut previous: Option<&Transition<S, E>> = None;
        for (index, t) in self.iter().enumerate() {
            let ended = previous.map(|p| p.to);
            if t.from != ended {
                return Err(RecordError::BrokenHistory {
                    record,
                    index,
                    from: t.from.as_ref().map_or("start", Tag::tag),
                    previous: ended.as_ref().map_or("start", Tag::tag),
                });
            }
            if !legal(t.from, t.to, &t.evidence) {
                return Err(RecordError::IllegalTransition {
                    record,
                    index,
                    from: t.from.as_ref().map_or("start", Tag::tag),
                    to: t.to.tag(),
                    evidence: t.evidence.tag(),
                });
            }
            if previous.is_some_and(|p| t.at < p.at) {
                return Err(RecordError::HistoryOutOfOrder { record, index });
            }
            previous = Some(t);
        }
        if last.to != state {
            return Err(RecordError::StateMismatch {
                record,
                state: state.tag(),
                last: last.to.tag(),
            });
        }
        Ok(())
    }
}

impl<S, E> Clone for History<S, E> {
    /// Shares the entries: a reference count, whatever the length.
    fn clone(&self) -> Self {
        History {
            items: Arc::clone(&self.items),
        }
    }
}

impl<S, E> Drop for History<S, E> {
    /// Frees a long history one slice at a time, not recursively.
    fn drop(&mut self) {
        let mut next = self.take_earlier();
        while let Some(mut history) = next {
            next = history.take_earlier();
        }
    }
}

impl<S: PartialEq, E: PartialEq> PartialEq for History<S, E> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.items, &other.items)
            || (self.len() == other.len() && self.iter().eq(other.iter()))
    }
}

impl<S: Eq, E: Eq> Eq for History<S, E> {}

impl<S: fmt::Debug, E: fmt::Debug> fmt::Debug for History<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<S: Serialize, E: Serialize> Serialize for History<S, E> {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de, S: Deserialize<'de>, E: Deserialize<'de>> Deserialize<'de> for History<S, E> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Transition<S, E>>::deserialize(d).map(History::from_entries)
    }
}

impl<'a, S, E> IntoIterator for &'a History<S, E> {
    type Item = &'a Transition<S, E>;
    type IntoIter = HistoryIter<'a, S, E>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The transitions of a [`History`], oldest first (or newest first, with `.rev()`).
#[derive(Debug, Clone)]
pub struct HistoryIter<'a, S, E> {
    entries: Entries<'a, S, E>,
    /// How many are left, for [`ExactSizeIterator`].
    remaining: usize,
}

/// The entry an item is, if it is one.
type EntryOf<'a, S, E> = fn(&'a Item<S, E>) -> Option<&'a Transition<S, E>>;

/// The entries of a history's slices, oldest slice first.
type Entries<'a, S, E> = std::iter::FilterMap<
    std::iter::Flatten<
        std::iter::Chain<
            std::vec::IntoIter<&'a [Item<S, E>]>,
            std::option::IntoIter<&'a [Item<S, E>]>,
        >,
    >,
    EntryOf<'a, S, E>,
>;

impl<'a, S, E> Iterator for HistoryIter<'a, S, E> {
    type Item = &'a Transition<S, E>;
    fn next(&mut self) -> Option<Self::Item> {
        let next = self.entries.next()?;
        self.remaining -= 1;
        Some(next)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<S, E> DoubleEndedIterator for HistoryIter<'_, S, E> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let next = self.entries.next_back()?;
        self.remaining -= 1;
        Some(next)
    }
}

impl<S, E> ExactSizeIterator for HistoryIter<'_, S, E> {}

impl<S, E> std::iter::FusedIterator for HistoryIter<'_, S, E> {}

/// Evidence a history copies when it makes its slice one entry longer: the copy shares what
/// the evidence holds. Inside the crate only: a win's evidence holds its contract, which is
/// linear for every caller (not `Clone`) but which a history may hold in each of its slices.
pub(crate) trait Shared {
    /// A second handle on the same evidence.
    fn shared(&self) -> Self;
}

/// A short name for a state or a kind of evidence, used in [`RecordError`].
pub(crate) trait Tag {
    fn tag(&self) -> &'static str;
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// A state: entries are told apart by their times.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum State {
        Open,
    }

    /// Evidence, as large as a lead's or an opportunity's.
    #[derive(Debug, PartialEq)]
    struct Evidence([u64; 4]);

    impl Shared for Evidence {
        fn shared(&self) -> Evidence {
            Evidence(self.0)
        }
    }

    type Lead = History<State, Evidence>;

    /// A history of `n` entries made by steps, each a second after the one before.
    fn stepped(n: usize) -> Lead {
        let at = |i: usize| Utc.timestamp_opt(1_700_000_000 + i as i64, 0).unwrap();
        let actor = User::new("claire").unwrap();
        let mut history = History::start(at(0), State::Open, Evidence([0; 4]), &actor);
        for i in 1..n {
            history.push(at(i), State::Open, State::Open, Evidence([0; 4]), &actor);
        }
        history
    }

    #[test]
    fn an_item_is_no_larger_than_an_entry() {
        assert_eq!(
            size_of::<Item<State, Evidence>>(),
            size_of::<Transition<State, Evidence>>()
        );
    }

    #[test]
    fn long_histories_read_as_their_entries_in_order() {
        for n in [
            1,
            2,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            2 * CHUNK - 1,
            2 * CHUNK,
            5 * CHUNK + 3,
        ] {
            let history = stepped(n);
            let times: Vec<i64> = history.iter().map(|t| t.at.timestamp()).collect();
            let expected: Vec<i64> = (0..n as i64).map(|i| 1_700_000_000 + i).collect();
            assert_eq!(times, expected, "{n} entries");
            assert_eq!((history.len(), history.iter().len()), (n, n));
            let newest: Vec<i64> = history.newest_first().map(|t| t.at.timestamp()).collect();
            assert_eq!(newest, expected.iter().rev().copied().collect::<Vec<_>>());
            assert_eq!(history.first().map(|t| t.from), Some(None));
            assert_eq!(
                history.last().map(|t| t.at.timestamp()),
                expected.last().copied()
            );
            for (i, t) in history.iter().enumerate() {
                assert_eq!(history.get(i), Some(t));
            }
            assert_eq!(history.get(n), None);
            // Read back from its entries: the same history, in the same slices.
            let entries = history.iter().map(|t| Transition {
                at: t.at,
                from: t.from,
                to: t.to,
                actor: t.actor.clone(),
                evidence: Evidence([0; 4]),
            });
            let read = History::from_entries(entries.collect());
            assert_eq!(read, history);
            assert_eq!(read.items.len(), history.items.len(), "{n} entries");
            // Every shorter history it was made from is continued; a longer one is not.
            for shorter in 1..=n {
                assert!(history.continues(&stepped(shorter)), "{shorter} of {n}");
            }
            assert!(!history.continues(&stepped(n + 1)));
        }
    }

    #[test]
    fn a_step_copies_at_most_a_slice() {
        let history = stepped(3 * CHUNK);
        assert!(history.items.len() <= CHUNK);
        let mut next = history.clone();
        next.push(
            Utc::now(),
            State::Open,
            State::Open,
            Evidence([0; 4]),
            &User::new("a").unwrap(),
        );
        assert!(next.items.len() <= CHUNK);
        assert!(next.continues(&history));
        assert_eq!(next.len(), history.len() + 1);
    }
}
