//! Edits: changes to a record that move it to no other state (a correction, a revision, a
//! hand-off). Each is an entry of the record's history, with who, when, the value before and
//! after, and the reason when one is given.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::relink::MergeNote;
use crate::text::{Note, User};

/// A value before and after an edit.
///
/// ```
/// use prospect::{Change, User};
/// let handoff = Change::new(Some(User::new("alice")?), Some(User::new("bob")?));
/// assert_eq!(handoff.after().as_ref().map(User::as_str), Some("bob"));
/// assert!(handoff.is_change());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change<T> {
    before: T,
    after: T,
}

impl<T> Change<T> {
    /// `before` became `after`.
    pub fn new(before: T, after: T) -> Change<T> {
        Change { before, after }
    }

    /// The value before the edit.
    pub fn before(&self) -> &T {
        &self.before
    }

    /// The value after the edit.
    pub fn after(&self) -> &T {
        &self.after
    }

    /// The same change with both values mapped by `f` (for erasing them).
    pub(crate) fn map<U>(&self, f: impl Fn(&T) -> U) -> Change<U> {
        Change {
            before: f(&self.before),
            after: f(&self.after),
        }
    }
}

impl<T: PartialEq> Change<T> {
    /// Whether the value after differs from the value before (an edit may set a value to what
    /// it was: that is recorded too, as what the user did).
    pub fn is_change(&self) -> bool {
        self.before != self.after
    }
}

/// A correction of a record's details (a [`Contact`](crate::Contact)'s, an
/// [`Organization`](crate::Organization)'s), as recorded in its history: when, by whom, the
/// details `D` before and after, and the reason if one was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction<D> {
    pub(crate) at: DateTime<Utc>,
    pub(crate) by: User,
    pub(crate) details: Change<D>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<Note>,
    /// The merge that made the correction, if one did (boxed: rare).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) merge: Option<Box<MergeNote>>,
}

impl<D> Correction<D> {
    /// When the correction was made.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who made it.
    pub fn by(&self) -> &User {
        &self.by
    }

    /// The details before and after.
    pub fn details(&self) -> &Change<D> {
        &self.details
    }

    /// Why, if a reason was given.
    pub fn reason(&self) -> Option<&Note> {
        self.reason.as_ref()
    }

    /// The merge (or its undo) that made the correction, if one did: see
    /// [`merge`](crate::merge).
    pub fn merge(&self) -> Option<&MergeNote> {
        self.merge.as_deref()
    }
}

impl<D> Correction<D> {
    /// The correction a merge (or its undo) makes, by `step`, from `before` to `after`, said
    /// by `note`; never dated before `latest`, the record's latest entry, whatever the step's
    /// clock reads.
    pub(crate) fn by_merge(
        step: &crate::relink::Step<'_>,
        latest: DateTime<Utc>,
        details: Change<D>,
        note: MergeNote,
    ) -> Correction<D> {
        Correction {
            at: step.at.max(latest),
            by: step.by.clone(),
            details,
            reason: None,
            merge: Some(Box::new(note)),
        }
    }
}

/// A hand-off: the owner of a record changed, and why.
///
/// The entry of a [`Crm::reassign_lead`](crate::Crm::reassign_lead),
/// [`Crm::reassign_opportunity`](crate::Crm::reassign_opportunity),
/// [`Crm::reassign_contact`](crate::Crm::reassign_contact) or
/// [`Crm::reassign_account`](crate::Crm::reassign_account). Owners are users of the
/// application, not personal data of the contact: erasure keeps them (and erases the reason).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reassignment {
    owner: Change<Option<User>>,
    reason: Option<Note>,
}

impl Reassignment {
    pub(crate) fn new(owner: Change<Option<User>>, reason: Option<Note>) -> Reassignment {
        Reassignment { owner, reason }
    }

    /// The owner before and after.
    pub fn owner(&self) -> &Change<Option<User>> {
        &self.owner
    }

    /// Why, if a reason was given.
    pub fn reason(&self) -> Option<&Note> {
        self.reason.as_ref()
    }

    /// The same hand-off with its reason erased.
    pub(crate) fn erased(&self) -> Reassignment {
        Reassignment {
            owner: self.owner.clone(),
            reason: self.reason.as_ref().map(|_| Note::erased()),
        }
    }
}

/// Whether `changes` (oldest first) follow each other (each starts from the value the one
/// before ended in) and end in `current`; true when there are none, since what a record held
/// before its first edit is not recorded elsewhere. The check of every stored record's edits.
pub(crate) fn chained<'a, T: PartialEq + 'a>(
    changes: impl IntoIterator<Item = &'a Change<T>>,
    current: &T,
) -> bool {
    let mut last: Option<&T> = None;
    for change in changes {
        if last.is_some_and(|previous| *previous != change.before) {
            return false;
        }
        last = Some(&change.after);
    }
    last.is_none_or(|after| after == current)
}
