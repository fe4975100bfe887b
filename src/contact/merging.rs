//! A contact in a merge: merged into another, or the survivor others were merged into; moved
//! to another organization by a merge of organizations; and the undo of each. Every one is a
//! correction of the contact with a [`MergeNote`].

use std::sync::Arc;

use super::{Contact, ContactDetails, data};
use crate::edit::{Change, Correction};
use crate::id::{ContactId, OrganizationId, RecordId};
use crate::kind::RecordKind;
use crate::relink::{MergeNote, Step};

impl Contact {
    /// The contact this one was merged into, if it was (and the merge was not undone): a
    /// merged contact stays on record, with its details, but is no longer found by its email
    /// or its duplicate keys, and its records are the survivor's. See [`merge`](crate::merge).
    pub fn merged_into(&self) -> Option<ContactId> {
        let note = self.last_note_as_merged()?;
        (!note.is_undo()).then(|| ContactId::from_uuid(note.survivor().as_uuid()))
    }

    /// The contacts merged into this one and not unmerged since, in the order they were.
    pub fn merged_contacts(&self) -> Vec<ContactId> {
        let mut merged: Vec<ContactId> = Vec::new();
        for (note, (_, of)) in self
            .notes()
            .filter(|n| n.is_survivor(self.id().into()))
            .filter_map(|n| Some((n, n.contacts()?)))
        {
            match note.is_undo() {
                false => merged.extend(of),
                true => merged.retain(|c| !of.contains(c)),
            }
        }
        merged
    }

    /// Whether stores find the contact by its email and its duplicate keys: neither erased nor
    /// merged into another.
    pub(crate) fn is_findable(&self) -> bool {
        self.data.erased.is_none() && self.merged_into().is_none()
    }

    /// The notes of its corrections made by merges of contacts (not those that moved it to
    /// another organization), oldest first.
    pub(crate) fn notes(&self) -> impl DoubleEndedIterator<Item = &MergeNote> {
        self.data
            .corrections
            .iter()
            .filter_map(Correction::merge)
            .filter(|n| n.kind() == RecordKind::Contact)
    }

    /// The newest merge note that names this contact as merged (not as the survivor).
    fn last_note_as_merged(&self) -> Option<&MergeNote> {
        self.notes()
            .rev()
            .find(|n| !n.is_survivor(self.id().into()))
    }

    /// The same contact with a correction made by a merge or its undo: `details` after it
    /// (the survivor's chosen or restored details; a merged contact's own; a contact moved by
    /// a merge of organizations, its own with the organization changed), `note` saying which
    /// merge. Never before the latest entry, whatever the step's time.
    pub(crate) fn merge_entry(
        &self,
        step: &Step<'_>,
        note: MergeNote,
        details: ContactDetails,
    ) -> Contact {
        let mut data = data::Contact::clone(&self.data);
        let change = Change::new(self.data.details.clone(), details.clone());
        let correction = Correction::by_merge(step, self.latest_at(), change, note);
        data.corrections.push(correction);
        data.details = details;
        Contact {
            data: Arc::new(data),
        }
    }

    /// The merge of organizations that moved the contact to its organization, if the newest
    /// correction that changed its organization was one (and not its undo).
    pub(crate) fn moved_by_organization_merge(&self) -> Option<&MergeNote> {
        self.last_organization_change()?
            .merge()
            .filter(|n| n.organizations().is_some() && !n.is_undo())
    }

    /// The organization it had before the newest correction that changed it: where an undo
    /// of the merge that moved it takes it back.
    pub(crate) fn organization_before_move(&self) -> Option<OrganizationId> {
        self.last_organization_change()?
            .details()
            .before()
            .organization
    }

    /// The newest correction that changed its organization.
    fn last_organization_change(&self) -> Option<&Correction<ContactDetails>> {
        self.data
            .corrections
            .iter()
            .rev()
            .find(|c| c.details().before().organization != c.details().after().organization)
    }

    /// Checks its merge notes: a merge of organizations changes only its organization, from
    /// one the merge names to another; the merges of contacts as
    /// [`check_notes`](crate::relink::check_notes) says (each names this contact, one that
    /// names it as merged keeps its details, an undo follows its merge).
    pub(super) fn check_notes(&self) -> Result<(), &'static str> {
        let mut of_contacts = Vec::new();
        for correction in &self.data.corrections {
            let Some(note) = correction.merge() else {
                continue;
            };
            let (before, after) = (correction.details().before(), correction.details().after());
            if note.organizations().is_none() {
                of_contacts.push((note, correction.details().is_change()));
                continue;
            }
            let named = |o: Option<crate::id::OrganizationId>| {
                o.is_some_and(|o| note.names(RecordId::Organization(o)))
            };
            let moved = ContactDetails {
                organization: after.organization,
                ..before.clone()
            };
            if moved != *after || !named(before.organization) || !named(after.organization) {
                return Err("a merge of organizations changed more than the organization");
            }
        }
        crate::relink::check_notes(RecordId::Contact(self.id()), of_contacts)
    }
}
