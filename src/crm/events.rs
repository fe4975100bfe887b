//! The events of a commit, read from the records it writes.

use chrono::{DateTime, Utc};

use crate::account::Account;
use crate::contact::{Contact, ContactDetails};
use crate::edit::Change;
use crate::event::{
    CommitKey, ContactCorrected, Event, EventId, FieldChanged, FieldsChanged,
    OrganizationCorrected, OrganizationCreated, Payload, PersonalField,
};
use crate::fields::FieldEdit;
use crate::id::IdSource;
use crate::lead::LeadEvidence;
use crate::opportunity::OpportunityEvidence;
use crate::organization::{Organization, OrganizationDetails};
use crate::record::{AnyLead, AnyOpportunity, Record};
use crate::relink::Relink;
use crate::store::{Precondition, Write};
use crate::task::{Task, TaskStatus};
use crate::text::User;

/// The events of the writes of one commit, by `actor`, each with a new id from `ids` and all
/// with one commit key.
///
/// What each write did is read from the record it writes: a create is the record's creation
/// (`ContactCreated`, `LeadOpened`, ...); an update is the newest entry of its history (a
/// lead's or an opportunity's last transition, a contact's or an organization's last
/// correction, an account's last win or hand-off, a task's closing). When it happened is that
/// entry's time, which the step took from the context's clock ([`when`]). One rule needs the
/// whole batch: the batch that writes an erased contact is its erasure, and its other writes
/// are that erasure reaching the contact's records (`PersonalDataErased`, at the erasure's
/// time).
pub(crate) fn of_writes(writes: &[Write], ids: &dyn IdSource, actor: &User) -> Vec<Event> {
    let erased = writes.iter().find_map(|w| match w.record() {
        Record::Contact(c) => c.erasure().map(|e| (c.id(), e.at)),
        _ => None,
    });
    // The commit is known by its first event's id.
    let first = EventId::from_uuid(ids.next_uuid());
    let commit = CommitKey::from_uuid(first.as_uuid());
    writes
        .iter()
        .enumerate()
        .map(|(n, write)| {
            let record = write.record();
            let created = write.precondition() == Precondition::Absent;
            let (payload, at) = match (erased, record) {
                (Some((contact, at)), r) if !matches!(r, Record::Contact(_)) => {
                    (Payload::PersonalDataErased { contact }, at)
                }
                _ => (payload_of(record, created), when(record, created)),
            };
            let version = write.precondition().written_version();
            let id = match n {
                0 => first,
                _ => EventId::from_uuid(ids.next_uuid()),
            };
            Event::with_id(
                id,
                commit,
                (record.id(), version),
                actor.clone(),
                at,
                payload,
            )
        })
        .collect()
}

/// What writing `record` did: its creation when `created`, else its newest change.
fn payload_of(record: &Record, created: bool) -> Payload {
    if let Some(relink) = newest_relink(record).filter(|_| !created) {
        return Payload::Relinked {
            merge: relink.merge(),
            contact: Change::new(relink.from(), relink.to()),
            undone: relink.is_undo(),
        };
    }
    if let Some(edit) = newest_field_edit(record).filter(|_| !created) {
        let custom = record.custom_fields();
        let fields = edit
            .changes()
            .map(|(key, change)| FieldChanged {
                key: key.clone(),
                change: match custom.is_some_and(|c| c.is_personal(key)) {
                    true => None,
                    false => Some(change.clone()),
                },
            })
            .collect();
        return Payload::FieldsChanged(Box::new(FieldsChanged {
            schema: edit.schema_version(),
            fields,
        }));
    }
    match record {
        Record::Contact(c) if created => Payload::ContactCreated {
            source: c.source(),
            owner: c.owner().cloned(),
            organization: c.organization(),
        },
        Record::Contact(c) => contact_changed(c),
        Record::Organization(o) if created => organization_created(o.details()),
        Record::Organization(o) => organization_corrected(o),
        Record::Lead(lead) if created => Payload::LeadOpened {
            contact: lead.contact(),
            source: lead.source(),
            owner: lead.owner().cloned(),
        },
        Record::Lead(lead) => lead_changed(lead),
        Record::Opportunity(o) if created => opportunity_opened(o),
        Record::Opportunity(o) => opportunity_changed(o),
        Record::Account(a) => account_changed(a, created),
        Record::Activity(a) => Payload::ActivityLogged {
            regarding: a.regarding().into(),
            contact: a.contact(),
            kind: a.kind(),
            occurred_at: a.occurred_at(),
        },
        Record::FieldSchema(s) => match s.history().last() {
            Some(entry) => Payload::FieldSchemaChanged {
                version: s.schema().version(),
                change: Box::new(entry.change.clone()),
            },
            None => unreachable!("a schema record has at least one change"),
        },
        Record::Task(t) if created => task_added(t),
        Record::Task(t) => match t.status() {
            TaskStatus::Cancelled => Payload::TaskCancelled,
            // An open task is only ever written again by an erasure.
            TaskStatus::Done | TaskStatus::Open => Payload::TaskCompleted,
        },
    }
}

/// The record's custom field edit, when it is the newest entry of its history (made after
/// every entry of its own and every relink).
fn newest_field_edit(record: &Record) -> Option<&FieldEdit> {
    let edit = record.custom_fields()?.edits().last()?;
    let after_relinks = record
        .relinks()
        .last()
        .is_none_or(|r| r.position() < record.edited_len());
    (edit.position() == record.own_entries() && after_relinks).then_some(edit)
}

/// The account's fold, when it is the newest of its own entries.
fn newest_fold(account: &Account) -> Option<&crate::account::Fold> {
    let fold = account.folds().last()?;
    (fold.position() + 1 == account.own_entries()).then_some(fold)
}

/// The event of an account written by a merge of organizations (or its undo), whose newest
/// entry is `fold`: the survivor is the organization of the account folded into, the merged
/// ones those whose accounts the merge folded here (this one, for a folded account).
fn folded(account: &Account, fold: &crate::account::Fold) -> Payload {
    let organization = |a: crate::id::AccountId| crate::id::OrganizationId::from_uuid(a.as_uuid());
    let merged = account
        .folds()
        .iter()
        .filter(|f| f.merge() == fold.merge() && f.is_undo() == fold.is_undo())
        .map(|f| organization(f.account()))
        .collect();
    Payload::OrganizationsMerged {
        merge: fold.merge(),
        survivor: organization(fold.into_account()),
        merged,
        undone: fold.is_undo(),
    }
}

/// The record's relink, when it is the newest entry of its history.
fn newest_relink(record: &Record) -> Option<&Relink> {
    let relink = record.relinks().last()?;
    (relink.position() == record.edited_len()).then_some(relink)
}

/// When the change that writing `record` records happened: its creation when `created`, else
/// the time of its newest entry (the one [`payload_of`] describes).
fn when(record: &Record, created: bool) -> DateTime<Utc> {
    let edited = newest_field_edit(record).filter(|_| !created);
    let relinked = newest_relink(record).filter(|_| !created);
    let newest = match record {
        _ if created => None,
        _ if relinked.is_some() => relinked.map(Relink::at),
        _ if edited.is_some() => edited.map(FieldEdit::at),
        Record::Contact(c) => c
            .erasure()
            .map(|e| e.at)
            .or_else(|| c.corrections().last().map(|c| c.at())),
        Record::Organization(o) => o.corrections().last().map(|c| c.at()),
        Record::Lead(lead) => lead.history().last().map(|t| t.at()),
        Record::Opportunity(o) => o.history().last().map(|t| t.at()),
        Record::Account(a) => match (newest_fold(a), a.handoffs().last()) {
            (Some(fold), _) => Some(fold.at()),
            (_, Some(handoff)) if handoff.after_wins() == a.wins().len() => Some(handoff.at()),
            _ => a.wins().last().map(|w| w.at()),
        },
        Record::Task(t) => t.closed().map(|c| c.at),
        Record::FieldSchema(s) => Some(s.updated_at()),
        Record::Activity(_) => None,
    };
    newest.unwrap_or_else(|| record.created_at())
}

/// `Some(change)` when the two differ.
fn changed<T: Clone + PartialEq>(before: &T, after: &T) -> Option<Change<T>> {
    (before != after).then(|| Change::new(before.clone(), after.clone()))
}

fn contact_changed(contact: &Contact) -> Payload {
    if contact.erasure().is_some() {
        return Payload::ContactErased;
    }
    let Some(correction) = contact.corrections().last() else {
        // Written again unchanged: nothing to say but that it is as created.
        return payload_of(&Record::Contact(contact.clone()), true);
    };
    if let Some(note) = correction.merge() {
        return merged(note);
    }
    let (before, after): (&ContactDetails, &ContactDetails) =
        (correction.details().before(), correction.details().after());
    let personal: Vec<PersonalField> = [
        (before.party != after.party, PersonalField::Party),
        (before.email != after.email, PersonalField::Email),
        (before.phone != after.phone, PersonalField::Phone),
    ]
    .into_iter()
    .filter_map(|(differs, field)| differs.then_some(field))
    .collect();
    let source = changed(&before.source, &after.source);
    let organization = changed(&before.organization, &after.organization);
    let owner = changed(&before.owner, &after.owner);
    match owner {
        Some(owner) if personal.is_empty() && source.is_none() && organization.is_none() => {
            Payload::OwnerChanged { owner }
        }
        owner => Payload::ContactCorrected(Box::new(ContactCorrected {
            personal,
            source,
            owner,
            organization,
        })),
    }
}

/// The event of a record written by a merge (or its undo) that `note` describes.
fn merged(note: &crate::relink::MergeNote) -> Payload {
    if let Some((survivor, merged)) = note.organizations() {
        return Payload::OrganizationsMerged {
            merge: note.merge(),
            survivor,
            merged,
            undone: note.is_undo(),
        };
    }
    let contact = |id: crate::id::RecordId| crate::id::ContactId::from_uuid(id.as_uuid());
    Payload::ContactsMerged {
        merge: note.merge(),
        survivor: contact(note.survivor()),
        merged: note.merged().map(contact).collect(),
        undone: note.is_undo(),
    }
}

fn organization_created(details: &OrganizationDetails) -> Payload {
    Payload::OrganizationCreated(Box::new(OrganizationCreated {
        name: details.name.clone(),
        domains: details.domains.clone(),
        industry: details.industry.clone(),
        size: details.size,
        country: details.country,
        owner: details.owner.clone(),
    }))
}

fn organization_corrected(organization: &Organization) -> Payload {
    let Some(correction) = organization.corrections().last() else {
        return organization_created(organization.details());
    };
    if let Some(note) = correction.merge() {
        return merged(note);
    }
    let (before, after) = (correction.details().before(), correction.details().after());
    let fields = OrganizationCorrected {
        name: changed(&before.name, &after.name),
        domains: changed(&before.domains, &after.domains),
        industry: changed(&before.industry, &after.industry),
        size: changed(&before.size, &after.size),
        country: changed(&before.country, &after.country),
        owner: changed(&before.owner, &after.owner),
    };
    match fields {
        OrganizationCorrected {
            name: None,
            domains: None,
            industry: None,
            size: None,
            country: None,
            owner: Some(owner),
        } => Payload::OwnerChanged { owner },
        fields => Payload::OrganizationCorrected(Box::new(fields)),
    }
}

fn lead_changed(lead: &AnyLead) -> Payload {
    let Some(last) = lead.history().last() else {
        return payload_of(&Record::Lead(lead.clone()), true);
    };
    let from = last.from().unwrap_or(last.to());
    match last.evidence() {
        LeadEvidence::Opened => payload_of(&Record::Lead(lead.clone()), true),
        LeadEvidence::Touch(_) => Payload::LeadContacted { from },
        LeadEvidence::Nurtured(_) => Payload::LeadNurtured,
        LeadEvidence::Disqualified(reason) => Payload::LeadDisqualified {
            from,
            category: reason.category,
        },
        LeadEvidence::Recycled(_) => Payload::LeadRecycled,
        LeadEvidence::Converted { opportunity } => Payload::LeadQualified {
            from,
            opportunity: *opportunity,
        },
        LeadEvidence::Reassigned(r) => Payload::OwnerChanged {
            owner: r.owner().clone(),
        },
    }
}

fn opportunity_opened(o: &AnyOpportunity) -> Payload {
    Payload::OpportunityOpened {
        lead: o.lead(),
        contact: o.contact(),
        amount: o.amount(),
        expected_close: o.expected_close(),
        owner: o.owner().cloned(),
    }
}

fn opportunity_changed(o: &AnyOpportunity) -> Payload {
    let Some(last) = o.history().last() else {
        return opportunity_opened(o);
    };
    let from = last.from().unwrap_or(last.to());
    match last.evidence() {
        OpportunityEvidence::Qualified { .. } => opportunity_opened(o),
        OpportunityEvidence::Proposed(_)
        | OpportunityEvidence::Negotiating(_)
        | OpportunityEvidence::Contracting { .. } => Payload::OpportunityAdvanced {
            from,
            to: last.to(),
            amount: o.amount(),
        },
        OpportunityEvidence::Won { contract, account } => Payload::OpportunityWon {
            account: *account,
            value: contract.value(),
        },
        OpportunityEvidence::Lost(reason) => Payload::OpportunityLost {
            from,
            category: reason.category,
        },
        OpportunityEvidence::Reopened(_) => Payload::OpportunityReopened,
        OpportunityEvidence::ProposalRevised {
            previous_amount,
            proposal,
        } => Payload::ProposalRevised {
            amount: Change::new(*previous_amount, proposal.amount()),
        },
        OpportunityEvidence::Revised(r) => Payload::OpportunityRevised {
            name: r.name().is_some(),
            amount: r.amount().copied(),
            expected_close: r.expected_close().copied(),
        },
        OpportunityEvidence::Reassigned(r) => Payload::OwnerChanged {
            owner: r.owner().clone(),
        },
        OpportunityEvidence::Overridden(f) => Payload::ForecastOverridden {
            probability: *f.probability(),
            forecast: *f.forecast(),
        },
        OpportunityEvidence::StageMoved(m) => Payload::StageMoved {
            pipeline: m.to().pipeline().clone(),
            from: m.from().cloned(),
            to: m.to().stage().clone(),
        },
    }
}

/// An account's creation (its first win), or its newest change: a hand-off placed after every
/// win, else its last win.
fn account_changed(account: &Account, created: bool) -> Payload {
    if let Some(fold) = newest_fold(account).filter(|_| !created) {
        return folded(account, fold);
    }
    let wins = account.wins();
    match (account.handoffs().last(), wins) {
        (Some(handoff), _) if !created && handoff.after_wins() == wins.len() => {
            Payload::OwnerChanged {
                owner: handoff.reassignment().owner().clone(),
            }
        }
        (_, [first, ..]) if created => Payload::AccountOpened {
            contact: account.primary_contact(),
            organization: account.organization(),
            opportunity: first.opportunity(),
            value: first.value(),
        },
        (_, [.., last]) => Payload::WinAdded {
            opportunity: last.opportunity(),
            value: last.value(),
        },
        // No account is without the win it was made from (checked when one is read, and by
        // construction): an unchanged owner is all there is to say.
        (_, []) => Payload::OwnerChanged {
            owner: Change::new(account.owner().cloned(), account.owner().cloned()),
        },
    }
}

fn task_added(task: &Task) -> Payload {
    Payload::TaskAdded {
        regarding: task.regarding().into(),
        contact: task.contact(),
        owner: task.owner().clone(),
        due: task.due(),
    }
}
