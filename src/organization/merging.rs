//! An organization in a merge: merged into another, or the survivor others were merged into;
//! and the undo of each. Every one is a correction of the organization with a [`MergeNote`].

use std::sync::Arc;

use super::{Organization, OrganizationDetails, data};
use crate::edit::{Change, Correction};
use crate::id::{OrganizationId, RecordId};
use crate::relink::{MergeNote, Step};

impl Organization {
    /// The organization this one was merged into, if it was (and the merge was not undone): a
    /// merged organization stays on record, with its details, but is no longer found by its
    /// domains or its duplicate keys, and its contacts and account are the survivor's. See
    /// [`merge`](crate::merge).
    pub fn merged_into(&self) -> Option<OrganizationId> {
        let note = self.last_note_as_merged()?;
        (!note.is_undo()).then(|| OrganizationId::from_uuid(note.survivor().as_uuid()))
    }

    /// The organizations merged into this one and not unmerged since, in the order they were.
    pub fn merged_organizations(&self) -> Vec<OrganizationId> {
        let mut merged: Vec<OrganizationId> = Vec::new();
        for note in self.notes().filter(|n| n.is_survivor(self.id().into())) {
            let Some((_, of)) = note.organizations() else {
                continue;
            };
            match note.is_undo() {
                false => merged.extend(of),
                true => merged.retain(|o| !of.contains(o)),
            }
        }
        merged
    }

    /// Whether stores find the organization by its domains and its duplicate keys: not merged
    /// into another.
    pub(crate) fn is_findable(&self) -> bool {
        self.merged_into().is_none()
    }

    /// The merge notes of its corrections, oldest first.
    pub(crate) fn notes(&self) -> impl DoubleEndedIterator<Item = &MergeNote> {
        self.data.corrections.iter().filter_map(Correction::merge)
    }

    /// The newest merge note that names this organization as merged (not as the survivor).
    fn last_note_as_merged(&self) -> Option<&MergeNote> {
        self.notes()
            .rev()
            .find(|n| !n.is_survivor(self.id().into()))
    }

    /// The same organization with a correction made by a merge or its undo: `details` after
    /// it (the survivor's chosen or restored details; a merged organization's own), `note`
    /// saying which merge. Never before the latest entry, whatever the step's time.
    pub(crate) fn merge_entry(
        &self,
        step: &Step<'_>,
        note: MergeNote,
        details: OrganizationDetails,
    ) -> Organization {
        let mut data = data::Organization::clone(&self.data);
        let change = Change::new(self.data.details.clone(), details.clone());
        let correction = Correction::by_merge(step, self.latest_at(), change, note);
        data.corrections.push(correction);
        data.details = details;
        Organization {
            data: Arc::new(data),
        }
    }

    /// Checks its merge notes: each is a merge of organizations that names this one (as the
    /// survivor or as merged); one that names it as merged keeps its details; an undo follows
    /// the merge it undoes.
    pub(super) fn check_notes(&self) -> Result<(), &'static str> {
        let notes = self.data.corrections.iter().filter_map(|c| {
            let note = c.merge()?;
            Some((note, c.details().is_change()))
        });
        crate::relink::check_notes(RecordId::Organization(self.id()), notes)
    }
}
