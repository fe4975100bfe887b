//! History: every transition of a record, with when, from, to, who, and the evidence.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::RecordError;
use crate::record::RecordKind;
use crate::text::User;

/// One step in a record's life: when, from which state (none for the first), to which, by whom,
/// and the evidence that justified it.
///
/// `S` is the run-time state ([`LeadStatus`](crate::LeadStatus) or
/// [`OpportunityStage`](crate::OpportunityStage)) and `E` the evidence
/// ([`LeadEvidence`](crate::LeadEvidence) or [`OpportunityEvidence`](crate::OpportunityEvidence)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct History<S, E>(Vec<Transition<S, E>>);

impl<S: Copy, E> History<S, E> {
    /// A history holding only the creation of a record in state `to`, at `at`.
    pub(crate) fn start(at: DateTime<Utc>, to: S, evidence: E, actor: &User) -> History<S, E> {
        let mut entries = Vec::with_capacity(4);
        entries.push(Transition {
            at,
            from: None,
            to,
            actor: actor.clone(),
            evidence,
        });
        History(entries)
    }

    /// Appends a step from `from` to `to`, taken at `at` by `actor`.
    pub(crate) fn push(&mut self, at: DateTime<Utc>, from: S, to: S, evidence: E, actor: &User) {
        self.0.push(Transition {
            at,
            from: Some(from),
            to,
            actor: actor.clone(),
            evidence,
        });
    }

    /// The transitions, oldest first.
    pub fn iter(&self) -> HistoryIter<'_, S, E> {
        HistoryIter(self.0.iter())
    }

    /// How many transitions there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (never the case for a valid record).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first transition: the record's creation.
    pub fn first(&self) -> Option<&Transition<S, E>> {
        self.0.first()
    }

    /// The latest transition: the one into the record's current state.
    pub fn last(&self) -> Option<&Transition<S, E>> {
        self.0.last()
    }

    /// The evidence of the latest transition. Only for records whose history was validated
    /// (every typed record's is): it is never empty.
    pub(crate) fn last_evidence(&self) -> Option<&E> {
        self.0.last().map(|t| &t.evidence)
    }

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
        let Some(last) = self.0.last() else {
            return Err(RecordError::EmptyHistory { record });
        };
        let mut previous: Option<&Transition<S, E>> = None;
        for (index, t) in self.0.iter().enumerate() {
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

impl<'a, S, E> IntoIterator for &'a History<S, E> {
    type Item = &'a Transition<S, E>;
    type IntoIter = HistoryIter<'a, S, E>;
    fn into_iter(self) -> Self::IntoIter {
        HistoryIter(self.0.iter())
    }
}

/// The transitions of a [`History`], oldest first (or newest first, with `.rev()`).
#[derive(Debug, Clone)]
pub struct HistoryIter<'a, S, E>(std::slice::Iter<'a, Transition<S, E>>);

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
