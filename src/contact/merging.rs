//! A contact in a merge: merged into another, or the survivor others were merged into; and
//! the undo of each. Every one is a correction of the contact with a [`MergeNote`].

use std::sync::Arc;

use super::{Contact, ContactDetails, data};
use crate::edit::{Change, Correction};
use crate::id::ContactId;
use crate::relink::{MergeNote, Step};

impl Contact {
    /// The contact this one was merged into, if it was (and the merge was not undone): a
    /// merged contact stays on record, with its details, but is no longer found by its email
    /// or its duplicate keys, and its records are the survivor's. See [`merge`](crate::merge).
    pub fn merged_into(&self) -> Option<ContactId> {
        let note = self.last_note_as_merged()?;
        (!note.is_undo()).then_some(note.survivor())
    }

    /// The contacts merged into this one and not unmerged since, in the order they were.
    pub fn merged_contacts(&self) -> Vec<ContactId> {
        let mut merged: Vec<ContactId> = Vec::new();
        for note in self.notes().filter(|n| n.survivor() == self.id()) {
            match note.is_undo() {
                false => merged.extend(note.merged()),
                true => merged.retain(|c| !note.merged().contains(c)),
            }
        }
        merged
    }

    /// Whether stores find the contact by its email and its duplicate keys: neither erased nor
    /// merged into another.
    pub(crate) fn is_findable(&self) -> bool {
        self.data.erased.is_none() && self.merged_into().is_none()
    }

    /// The merge notes of its corrections, oldest first.
    pub(crate) fn notes(&self) -> impl DoubleEndedIterator<Item = &MergeNote> {
        self.data.corrections.iter().filter_map(Correction::merge)
    }

    /// The newest merge note that names this contact as merged (not as the survivor).
    fn last_note_as_merged(&self) -> Option<&MergeNote> {
        self.notes().rev().find(|n| n.survivor() != self.id())
    }

    /// The same contact with a correction made by a merge or its undo: `details` after it
    /// (the survivor's chosen or restored details; a merged contact's own), `note` saying
    /// which merge. Never before the latest entry, whatever the step's time.
    pub(crate) fn merge_entry(
        &self,
        step: &Step<'_>,
        note: MergeNote,
        details: ContactDetails,
    ) -> Contact {
        let mut data = data::Contact::clone(&self.data);
        data.corrections.push(Correction {
            at: step.at.max(self.latest_at()),
            by: step.by.clone(),
            details: Change::new(self.data.details.clone(), details.clone()),
            reason: None,
            merge: Some(Box::new(note)),
        });
        data.details = details;
        Contact {
            data: Arc::new(data),
        }
    }

    /// Checks its merge notes: each names this contact (as the survivor or as merged); one
    /// that names it as merged keeps its details; an undo follows the merge it undoes.
    pub(super) fn check_notes(&self) -> Result<(), &'static str> {
        let id = self.id();
        let mut open: Vec<crate::id::MergeId> = Vec::new();
        for correction in &self.data.corrections {
            let Some(note) = correction.merge() else {
                continue;
            };
            if !note.names(id) {
                return Err("a merge note does not name the contact");
            }
            if note.survivor() != id && correction.details().is_change() {
                return Err("a merged contact's details changed in its merge");
            }
            match note.is_undo() {
                false => open.push(note.merge()),
                true if open.contains(&note.merge()) => open.retain(|m| *m != note.merge()),
                true => return Err("an unmerge does not follow its merge"),
            }
        }
        Ok(())
    }
}
