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

/// The transitions of a record, oldest first. Never empty for a valid record: the first entry
/// is the record's creation.
///
/// Stored as a persistent list, newest entry first: a step adds one entry (one allocation) and
/// cloning a history shares its entries instead of copying them, so a record can be kept by its
/// caller and by a store at the cost of a reference count.
pub struct History<S, E> {
    newest: Option<Arc<Node<S, E>>>,
}

struct Node<S, E> {
    entry: Transition<S, E>,
    previous: Option<Arc<Node<S, E>>>,
}

impl<S, E> History<S, E> {
    /// A history holding only the creation of a record in state `to`, at `at`.
    pub(crate) fn start(at: DateTime<Utc>, to: S, evidence: E, actor: &User) -> History<S, E> {
        History {
            newest: Some(Arc::new(Node {
                entry: Transition {
                    at,
                    from: None,
                    to,
                    actor: actor.clone(),
                    evidence,
                },
                previous: None,
            })),
        }
    }

    /// A history of `entries`, oldest first.
    fn from_entries(entries: Vec<Transition<S, E>>) -> History<S, E> {
        let mut newest: Option<Arc<Node<S, E>>> = None;
        for entry in entries {
            newest = Some(Arc::new(Node {
                entry,
                previous: newest,
            }));
        }
        History { newest }
    }

    /// Appends a step from `from` to `to`, taken at `at` by `actor`.
    pub(crate) fn push(&mut self, at: DateTime<Utc>, from: S, to: S, evidence: E, actor: &User) {
        let previous = self.newest.take();
        self.newest = Some(Arc::new(Node {
            entry: Transition {
                at,
                from: Some(from),
                to,
                actor: actor.clone(),
                evidence,
            },
            previous,
        }));
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

    /// The transitions, newest first, without allocating.
    pub(crate) fn newest_first(&self) -> impl Iterator<Item = &Transition<S, E>> {
        std::iter::successors(self.newest.as_deref(), |n| n.previous.as_deref()).map(|n| &n.entry)
    }

    /// Whether `older`'s entries are this history's own, shared: its newest entry is one of
    /// this history's nodes. True when this history was made by steps on a copy of `older` (the
    /// persistent list shares them), in as many steps as were added; false otherwise, e.g. for a
    /// history read back from storage or rewritten by erasure (compare by
    /// [`HistoryMark`](crate::store::HistoryMark) then).
    pub(crate) fn shares(&self, older: &History<S, E>) -> bool {
        let Some(target) = &older.newest else {
            return false;
        };
        std::iter::successors(self.newest.as_ref(), |n| n.previous.as_ref())
            .any(|node| Arc::ptr_eq(node, target))
    }

    /// The transitions, oldest first.
    pub fn iter(&self) -> HistoryIter<'_, S, E> {
        let mut entries: Vec<&Transition<S, E>> = self.newest_first().collect();
        entries.reverse();
        HistoryIter(entries.into_iter())
    }

    /// How many transitions there are. Counts them (the length is not stored: a few bytes per
    /// entry of every stored record, for a count that is rarely asked).
    pub fn len(&self) -> usize {
        self.newest_first().count()
    }

    /// Whether there are none (never the case for a valid record).
    pub fn is_empty(&self) -> bool {
        self.newest.is_none()
    }

    /// The first transition: the record's creation.
    pub fn first(&self) -> Option<&Transition<S, E>> {
        self.newest_first().last()
    }

    /// The latest transition: the one into the record's current state.
    pub fn last(&self) -> Option<&Transition<S, E>> {
        self.newest.as_deref().map(|n| &n.entry)
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
            newest: self.newest.clone(),
        }
    }
}

impl<S, E> Drop for History<S, E> {
    /// Frees a long list one node at a time, not recursively.
    fn drop(&mut self) {
        let mut next = self.newest.take();
        while let Some(node) = next {
            match Arc::try_unwrap(node) {
                Ok(mut node) => next = node.previous.take(),
                Err(_) => break,
            }
        }
    }
}

impl<S: PartialEq, E: PartialEq> PartialEq for History<S, E> {
    fn eq(&self, other: &Self) -> bool {
        let same_node = match (&self.newest, &other.newest) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_node || self.newest_first().eq(other.newest_first())
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
pub struct HistoryIter<'a, S, E>(std::vec::IntoIter<&'a Transition<S, E>>);

impl<'a, S, E> Iterator for HistoryIter<'a, S, E> {
    type Item = &'a Transition<S, E>;
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<S, E> DoubleEndedIterator for HistoryIter<'_, S, E> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back()
    }
}

impl<S, E> ExactSizeIterator for HistoryIter<'_, S, E> {}

impl<S, E> std::iter::FusedIterator for HistoryIter<'_, S, E> {}

/// A short name for a state or a kind of evidence, used in [`RecordError`].
pub(crate) trait Tag {
    fn tag(&self) -> &'static str;
}
