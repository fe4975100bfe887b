//! Relinks: the entries a merge of contacts writes into the records it moves and the contacts
//! it merges ([`Relink`], [`MergeNote`]; a merge of organizations writes notes too), apart from
//! the merges' plans so that every record kind (and a contact's or an organization's
//! corrections) can hold them. Public through `merge`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::RecordError;
use uuid::Uuid;

use crate::id::{ContactId, MergeId, OrganizationId, RecordId};
use crate::kind::RecordKind;
use crate::text::User;

/// An entry of a record's history that moved it from one contact to another: made by a merge
/// (to the survivor) or by its undo (back to the merged contact). Its `position` places it
/// among the record's other entries, as a custom field edit's does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relink {
    at: DateTime<Utc>,
    by: User,
    merge: MergeId,
    /// Whether it undoes the merge (moves the record back).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    undo: bool,
    /// The contact before.
    from: ContactId,
    /// The contact after.
    to: ContactId,
    position: u32,
}

impl Relink {
    /// When the record was moved.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who moved it (who merged, or unmerged).
    pub fn by(&self) -> &User {
        &self.by
    }

    /// The merge that moved it.
    pub fn merge(&self) -> MergeId {
        self.merge
    }

    /// Whether the entry undoes the merge: the record went back to its former contact.
    pub fn is_undo(&self) -> bool {
        self.undo
    }

    /// The contact before.
    pub fn from(&self) -> ContactId {
        self.from
    }

    /// The contact after.
    pub fn to(&self) -> ContactId {
        self.to
    }

    /// How many entries of the record's history (its own and its custom field edits) came
    /// before it.
    pub fn position(&self) -> usize {
        self.position as usize
    }
}

/// The relinks of a record, oldest first, as every record that names a contact holds them
/// (read through `relinks()`, a slice). None costs one pointer in the record (a thin one: most
/// records are never moved) and nothing stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Relinks(Option<Arc<Vec<Relink>>>);

impl Relinks {
    /// The relinks, oldest first.
    pub(crate) fn as_slice(&self) -> &[Relink] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Whether the record was never moved.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The same relinks and one more, moving the record to `to` after `entries` entries of its
    /// history, by `merge` (or its undo); never dated before the relink before it, whatever
    /// the step's clock reads (the stored record's check refuses relinks out of order).
    pub(crate) fn pushed(
        &self,
        step: &Step<'_>,
        from: ContactId,
        to: ContactId,
        entries: usize,
    ) -> Relinks {
        let last = self.as_slice().last().map(|r| r.at);
        let relink = Relink {
            at: last.map_or(step.at, |last| step.at.max(last)),
            by: step.by.clone(),
            merge: step.merge,
            undo: step.undo,
            from,
            to,
            position: u32::try_from(entries).unwrap_or(u32::MAX),
        };
        let mut all = self.as_slice().to_vec();
        all.push(relink);
        Relinks(Some(Arc::new(all)))
    }

    /// Checks what every stored record's relinks hold: each is placed no earlier than the one
    /// before it and within the record's `entries` other entries, no earlier in time, each
    /// starts from the contact the one before ended in, and the last ends in `contact`.
    pub(crate) fn check(
        &self,
        record: RecordKind,
        contact: ContactId,
        entries: usize,
    ) -> Result<(), RecordError> {
        let invariant = |problem| {
            Err(RecordError::Invariant {
                record,
                field: "relinks",
                problem,
            })
        };
        let all = self.as_slice();
        if all
            .windows(2)
            .any(|w| w[1].position < w[0].position || w[1].at < w[0].at)
        {
            return invariant("a relink is placed or dated before the one before it");
        }
        if all.last().is_some_and(|r| r.position() > entries) {
            return invariant("a relink is placed after the record's last entry");
        }
        let chained = all.windows(2).all(|w| w[0].to == w[1].from)
            && all.last().is_none_or(|r| r.to == contact);
        if !chained {
            return invariant("the contact differs from the latest relink's");
        }
        Ok(())
    }
}

impl Serialize for Relinks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Relinks {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Relinks, D::Error> {
        let all = Vec::<Relink>::deserialize(d)?;
        Ok(match all.is_empty() {
            true => Relinks::default(),
            false => Relinks(Some(Arc::new(all))),
        })
    }
}

/// What a merge (or its undo) writes into each entry: which merge, when, by whom.
#[derive(Debug, Clone)]
pub(crate) struct Step<'a> {
    pub(crate) merge: MergeId,
    pub(crate) undo: bool,
    pub(crate) at: DateTime<Utc>,
    pub(crate) by: &'a User,
}

/// What a correction made by a merge says of it: which merge, of which kind of record (contacts
/// or organizations), the survivor, the records merged into it, and whether the correction
/// undoes the merge. The survivor's correction holds its details before and after; each merged
/// record's keeps its details (the entry only says that it was merged, or that it is a record
/// of its own again). A merge of organizations also corrects each contact it moves to the
/// survivor (or back): that correction changes only the contact's organization.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeNote {
    merge: MergeId,
    /// Contacts (omitted: a note written before organizations were merged) or organizations.
    #[serde(default, skip_serializing_if = "Merged::is_contacts")]
    kind: Merged,
    survivor: Uuid,
    merged: Vec<Uuid>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    undo: bool,
}

/// What a merge folds together: the kinds of record that are merged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Merged {
    #[default]
    Contacts,
    Organizations,
}

impl Merged {
    fn is_contacts(&self) -> bool {
        *self == Merged::Contacts
    }
}

impl MergeNote {
    /// The note of a merge of contacts.
    pub(crate) fn new(step: &Step<'_>, survivor: ContactId, merged: &[ContactId]) -> MergeNote {
        MergeNote {
            merge: step.merge,
            kind: Merged::Contacts,
            survivor: survivor.as_uuid(),
            merged: merged.iter().map(ContactId::as_uuid).collect(),
            undo: step.undo,
        }
    }

    /// The note of a merge of organizations.
    pub(crate) fn of_organizations(
        step: &Step<'_>,
        survivor: OrganizationId,
        merged: &[OrganizationId],
    ) -> MergeNote {
        MergeNote {
            merge: step.merge,
            kind: Merged::Organizations,
            survivor: survivor.as_uuid(),
            merged: merged.iter().map(OrganizationId::as_uuid).collect(),
            undo: step.undo,
        }
    }

    /// The merge.
    pub fn merge(&self) -> MergeId {
        self.merge
    }

    /// The kind of record merged: [`RecordKind::Contact`] or [`RecordKind::Organization`].
    pub fn kind(&self) -> RecordKind {
        match self.kind {
            Merged::Contacts => RecordKind::Contact,
            Merged::Organizations => RecordKind::Organization,
        }
    }

    /// The record the others were merged into.
    pub fn survivor(&self) -> RecordId {
        RecordId::from_parts(self.kind(), self.survivor)
    }

    /// The records merged into the survivor.
    pub fn merged(&self) -> impl ExactSizeIterator<Item = RecordId> + '_ {
        self.merged
            .iter()
            .map(|&uuid| RecordId::from_parts(self.kind(), uuid))
    }

    /// Whether the entry undoes the merge.
    pub fn is_undo(&self) -> bool {
        self.undo
    }

    /// The survivor and the merged contacts of a merge of contacts; `None` for organizations.
    pub(crate) fn contacts(&self) -> Option<(ContactId, Vec<ContactId>)> {
        (self.kind == Merged::Contacts).then(|| {
            let merged = self.merged.iter().map(|&u| ContactId::from_uuid(u));
            (ContactId::from_uuid(self.survivor), merged.collect())
        })
    }

    /// The survivor and the merged organizations of a merge of organizations; `None` for
    /// contacts.
    pub(crate) fn organizations(&self) -> Option<(OrganizationId, Vec<OrganizationId>)> {
        (self.kind == Merged::Organizations).then(|| {
            let merged = self.merged.iter().map(|&u| OrganizationId::from_uuid(u));
            (OrganizationId::from_uuid(self.survivor), merged.collect())
        })
    }

    /// Whether the record `id` (of the merge's kind) takes part in the merge.
    pub(crate) fn names(&self, id: RecordId) -> bool {
        id.kind() == self.kind()
            && (self.survivor == id.as_uuid() || self.merged.contains(&id.as_uuid()))
    }

    /// Whether `id` is the survivor.
    pub(crate) fn is_survivor(&self, id: RecordId) -> bool {
        self.survivor() == id
    }
}

/// Checks the merge notes of the record `id` (a contact's or an organization's corrections
/// made by merges of its kind), oldest first, each with whether its correction changed the
/// record's details: each names the record, as the survivor or as merged; one that names it as
/// merged leaves its details as they were; an undo follows the merge it undoes.
pub(crate) fn check_notes<'a>(
    id: RecordId,
    notes: impl IntoIterator<Item = (&'a MergeNote, bool)>,
) -> Result<(), &'static str> {
    let mut open: Vec<MergeId> = Vec::new();
    for (note, changed) in notes {
        if !note.names(id) {
            return Err("a merge note does not name the record");
        }
        if !note.is_survivor(id) && changed {
            return Err("a merged record's details changed in its merge");
        }
        match note.is_undo() {
            false => open.push(note.merge()),
            true if open.contains(&note.merge()) => open.retain(|m| *m != note.merge()),
            true => return Err("an unmerge does not follow its merge"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn contact(n: u128) -> ContactId {
        ContactId::from_uuid(uuid::Uuid::from_u128(n))
    }

    fn relinks(moves: &[(u128, u128, usize, i64)]) -> Relinks {
        let by = User::new("ann").unwrap();
        moves
            .iter()
            .fold(Relinks::default(), |all, &(from, to, position, second)| {
                let step = Step {
                    merge: MergeId::from_uuid(uuid::Uuid::from_u128(9)),
                    undo: false,
                    at: Utc.timestamp_opt(second, 0).unwrap(),
                    by: &by,
                };
                all.pushed(&step, contact(from), contact(to), position)
            })
    }

    #[test]
    fn relinks_are_checked_as_a_chain_placed_among_the_other_entries() {
        let kind = RecordKind::Lead;
        assert!(Relinks::default().check(kind, contact(1), 1).is_ok());
        let moved = relinks(&[(1, 2, 1, 10), (2, 1, 3, 20)]);
        assert!(moved.check(kind, contact(1), 3).is_ok());
        // The record's contact differs from where the last relink took it.
        assert!(moved.check(kind, contact(2), 3).is_err());
        // A relink placed after the record's last entry.
        assert!(moved.check(kind, contact(1), 2).is_err());
        // A chain that does not follow itself.
        assert!(
            relinks(&[(1, 2, 1, 10), (3, 1, 2, 20)])
                .check(kind, contact(1), 2)
                .is_err()
        );
        // Placed or dated before the one before.
        assert!(
            relinks(&[(1, 2, 2, 10), (2, 1, 1, 20)])
                .check(kind, contact(1), 2)
                .is_err()
        );
        // (Relinks out of order in time are forged, as a store could give them back: the
        // relinks a step makes never are, below.)
        let mut forged = relinks(&[(1, 2, 1, 20), (2, 1, 1, 30)]).as_slice().to_vec();
        forged[1].at = Utc.timestamp_opt(10, 0).unwrap();
        assert!(
            Relinks(Some(Arc::new(forged)))
                .check(kind, contact(1), 2)
                .is_err()
        );
        // A relink made by a clock that reads earlier than the one before is dated with it.
        let behind = relinks(&[(1, 2, 1, 20), (2, 1, 1, 10)]);
        assert_eq!(behind.as_slice()[1].at(), behind.as_slice()[0].at());
        assert!(behind.check(kind, contact(1), 1).is_ok());
        // Stored as a list, read back the same; an empty list is none.
        let text = serde_json::to_string(&moved).unwrap();
        assert_eq!(serde_json::from_str::<Relinks>(&text).unwrap(), moved);
        assert!(serde_json::from_str::<Relinks>("[]").unwrap().is_empty());
    }
}
