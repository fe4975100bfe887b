//! A merge of contacts, planned: what it would move, the value it keeps for each field that
//! differs, and what it refuses. A pure function of the contacts and records read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contact::{Contact, ContactDetails, Party};
use crate::id::{AccountId, ContactId, OrganizationId, RecordId};
use crate::record::Record;
use crate::store::{Unreadable, Versioned};
use crate::version::Version;

/// The most contacts (or organizations) one merge folds into a survivor.
pub const MOST_MERGED: usize = 10;

/// A field of a contact's details that two contacts may hold differently: what
/// [`MergeChoices`] chooses a value for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    /// Who they are (the name, and a person's job title and organization's name).
    Party,
    /// The email address.
    Email,
    /// The phone number.
    Phone,
    /// Where they came from.
    Source,
    /// The owner of the relationship.
    Owner,
    /// The organization they belong to.
    Organization,
}

impl ContactField {
    /// Every field, in the order a plan lists them.
    pub const ALL: [ContactField; 6] = [
        ContactField::Party,
        ContactField::Email,
        ContactField::Phone,
        ContactField::Source,
        ContactField::Owner,
        ContactField::Organization,
    ];

    /// Whether `details` hold a value for the field (a party and a source always are).
    fn is_set(self, details: &ContactDetails) -> bool {
        match self {
            ContactField::Party | ContactField::Source => true,
            ContactField::Email => details.email.is_some(),
            ContactField::Phone => details.phone.is_some(),
            ContactField::Owner => details.owner.is_some(),
            ContactField::Organization => details.organization.is_some(),
        }
    }

    /// Whether `a` and `b` hold the same value for the field.
    fn same(self, a: &ContactDetails, b: &ContactDetails) -> bool {
        match self {
            ContactField::Party => a.party == b.party,
            ContactField::Email => a.email == b.email,
            ContactField::Phone => a.phone == b.phone,
            ContactField::Source => a.source == b.source,
            ContactField::Owner => a.owner == b.owner,
            ContactField::Organization => a.organization == b.organization,
        }
    }

    /// `into` with the field's value taken from `from`.
    fn copy(self, from: &ContactDetails, into: &mut ContactDetails) {
        match self {
            ContactField::Party => into.party = from.party.clone(),
            ContactField::Email => into.email = from.email.clone(),
            ContactField::Phone => into.phone = from.phone.clone(),
            ContactField::Source => into.source = from.source,
            ContactField::Owner => into.owner = from.owner.clone(),
            ContactField::Organization => into.organization = from.organization,
        }
    }
}

/// Which contact's value a merge keeps, per field. A field not chosen keeps the survivor's
/// value, or, when the survivor has none, the first merged contact's that has one (in the
/// order the merge lists them).
///
/// ```
/// use prospect::merge::{ContactField, MergeChoices};
/// # let other = prospect::ContactId::from_uuid(prospect::uuid::Uuid::nil());
/// let choices = MergeChoices::new().keep(ContactField::Email, other);
/// assert_eq!(choices.chosen(ContactField::Email), Some(other));
/// assert_eq!(choices.chosen(ContactField::Phone), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MergeChoices(BTreeMap<ContactField, ContactId>);

impl MergeChoices {
    /// No choice: every field as by default.
    pub fn new() -> MergeChoices {
        MergeChoices::default()
    }

    /// The same choices, keeping `contact`'s value of `field` (even none).
    pub fn keep(mut self, field: ContactField, contact: ContactId) -> MergeChoices {
        self.0.insert(field, contact);
        self
    }

    /// The contact whose value of `field` was chosen, if one was.
    pub fn chosen(&self, field: ContactField) -> Option<ContactId> {
        self.0.get(&field).copied()
    }
}

/// A contact a plan relies on, at the version it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pinned {
    /// The contact.
    pub contact: ContactId,
    /// Its version when the plan was made: a merge of a contact changed since is a conflict.
    pub version: Version,
}

/// The value a merge keeps for a field the contacts hold differently.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keep {
    /// The field.
    pub field: ContactField,
    /// The contact whose value the survivor keeps.
    pub from: ContactId,
    /// The contacts whose value differs from the one kept (they keep theirs, on record).
    pub differing: Vec<ContactId>,
}

/// A record a merge moves to the survivor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moved {
    /// The record (a lead, an opportunity, an account, an activity, a task).
    pub record: RecordId,
    /// Its version when the plan was made: a merge of a record changed since is a conflict.
    pub version: Version,
    /// The merged contact it was of.
    pub from: ContactId,
}

/// Why a merge (or its undo) cannot be made: each names what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// Nothing to merge into the survivor.
    #[error("nothing to merge")]
    NothingToMerge,
    /// More contacts (or organizations) than one merge folds ([`MOST_MERGED`]).
    #[error("{count} records to merge: at most {MOST_MERGED} at once")]
    TooMany {
        /// How many were given.
        count: usize,
    },
    /// A contact is named twice (or the survivor among the merged).
    #[error("contact {contact} is named twice")]
    Repeated {
        /// The contact.
        contact: ContactId,
    },
    /// A contact's personal data was erased: there is nothing to merge.
    #[error("contact {contact} was erased")]
    Erased {
        /// The contact.
        contact: ContactId,
    },
    /// A contact was merged into another already (unmerge it first).
    #[error("contact {contact} was merged into {into}")]
    AlreadyMerged {
        /// The contact.
        contact: ContactId,
        /// Its survivor.
        into: ContactId,
    },
    /// A person and an organization cannot be one contact.
    #[error("contact {contact} is not the same kind of party as the survivor")]
    OtherParty {
        /// The contact.
        contact: ContactId,
    },
    /// A choice names a contact the merge does not.
    #[error("the {field:?} chosen is from contact {contact}, which the merge does not name")]
    NotInMerge {
        /// The field.
        field: ContactField,
        /// The contact.
        contact: ContactId,
    },
    /// An organization is named twice (or the survivor among the merged).
    #[error("organization {organization} is named twice")]
    OrganizationRepeated {
        /// The organization.
        organization: OrganizationId,
    },
    /// An organization was merged into another already (unmerge it first).
    #[error("organization {organization} was merged into {into}")]
    OrganizationMerged {
        /// The organization.
        organization: OrganizationId,
        /// Its survivor.
        into: OrganizationId,
    },
    /// A choice names an organization the merge does not.
    #[error(
        "the {field:?} chosen is from organization {organization}, which the merge does not name"
    )]
    OrganizationNotInMerge {
        /// The field.
        field: super::OrganizationField,
        /// The organization.
        organization: OrganizationId,
    },
    /// The organizations hold more domains together than one may
    /// ([`Organization::MAX_DOMAINS`](crate::Organization::MAX_DOMAINS)).
    #[error("{count} domains together: an organization holds at most 20")]
    TooManyDomains {
        /// How many distinct domains they hold.
        count: usize,
    },
    /// The survivor is not a customer while a merged organization is: an organization's
    /// account is opened by its first win and keeps its id, so the accounts of merged
    /// organizations fold into the survivor's. Merge into the customer instead (the fields
    /// kept can still be any organization's).
    #[error("the survivor has no account while organization {customer} has: merge into it")]
    NotACustomer {
        /// A merged organization with an account.
        customer: OrganizationId,
    },
    /// The survivor's account's won value would overflow with the accounts folded into it.
    #[error("the won value of account {account} would overflow")]
    WonValueOverflows {
        /// The survivor's account.
        account: AccountId,
    },
    /// A record of a merged contact could not be read from the store, so it could not be
    /// moved (`Unreadable` names it).
    #[error("the {kind} stored as {id} could not be read")]
    Unreadable {
        /// Its kind.
        kind: crate::kind::RecordKind,
        /// Its id as stored.
        id: String,
    },
    /// An undo: no merge with this id is on record for the survivor, or it was undone.
    #[error("no merge {merge} of contact {survivor} to undo")]
    NotMerged {
        /// The merge.
        merge: crate::id::MergeId,
        /// The survivor named.
        survivor: ContactId,
    },
    /// An undo: no merge of organizations with this id is on record for the survivor, or it
    /// was undone.
    #[error("no merge {merge} of organization {survivor} to undo")]
    OrganizationNotMerged {
        /// The merge.
        merge: crate::id::MergeId,
        /// The survivor named.
        survivor: OrganizationId,
    },
    /// An undo: the record changed since the merge in a way the undo would overwrite (the
    /// survivor's details corrected, or it merged or unmerged again), or grew since from a
    /// record the merge moved (an activity or a task about it, an opportunity qualified from
    /// it), which the undo would split from it.
    #[error("{record} changed since the merge: the undo would overwrite it")]
    ChangedSince {
        /// The record.
        record: RecordId,
    },
}

/// A merge of contacts, planned: the survivor and the merged contacts at the versions read,
/// the choices it was made with, the survivor's details after the merge, the value kept for
/// each field that differs, every record it moves, and anything it refuses. Serde, for a user
/// interface to show (it holds the survivor's details: personal data) and to send back to
/// [`Crm::merge`](crate::Crm::merge), which plans again and applies the plan only if the two
/// agree and nothing was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergePlan {
    survivor: Pinned,
    merged: Vec<Pinned>,
    #[serde(default)]
    choices: MergeChoices,
    details: ContactDetails,
    kept: Vec<Keep>,
    moved: Vec<Moved>,
    refusals: Vec<Refusal>,
}

impl MergePlan {
    /// Plans the merge of `merged` into `survivor`, with `choices`, moving `records` (those of
    /// the merged contacts, as listed by the store; `unreadable` what it could not read).
    pub(crate) fn new(
        survivor: &Versioned<Contact>,
        merged: &[Versioned<Contact>],
        choices: MergeChoices,
        records: &[Versioned<Record>],
        unreadable: &[Unreadable],
    ) -> MergePlan {
        let pin = |c: &Versioned<Contact>| Pinned {
            contact: c.id(),
            version: c.version(),
        };
        let mut refusals = refusals(survivor, merged, &choices);
        refusals.extend(unreadable.iter().map(|u| Refusal::Unreadable {
            kind: u.kind,
            id: u.id.clone(),
        }));
        let mut moved: Vec<Moved> = records
            .iter()
            .filter_map(|r| {
                let from = r.value().contact()?;
                Some(Moved {
                    record: r.id(),
                    version: r.version(),
                    from,
                })
            })
            .collect();
        moved.sort_by_key(|m| m.record);
        moved.dedup_by_key(|m| m.record);
        let (details, kept) = chosen(survivor, merged, &choices);
        MergePlan {
            survivor: pin(survivor),
            merged: merged.iter().map(pin).collect(),
            choices,
            details,
            kept,
            moved,
            refusals,
        }
    }

    /// The contact the others are merged into.
    pub fn survivor(&self) -> Pinned {
        self.survivor
    }

    /// The contacts merged into the survivor.
    pub fn merged(&self) -> &[Pinned] {
        &self.merged
    }

    /// The choices the plan was made with.
    pub fn choices(&self) -> &MergeChoices {
        &self.choices
    }

    /// The survivor's details once merged.
    pub fn details(&self) -> &ContactDetails {
        &self.details
    }

    /// The value kept for each field the contacts hold differently.
    pub fn kept(&self) -> &[Keep] {
        &self.kept
    }

    /// Every record the merge moves to the survivor, in id order.
    pub fn moved(&self) -> &[Moved] {
        &self.moved
    }

    /// What the merge refuses; a plan with any cannot be applied.
    pub fn refusals(&self) -> &[Refusal] {
        &self.refusals
    }

    /// The ids of the merged contacts.
    pub(crate) fn merged_ids(&self) -> Vec<ContactId> {
        self.merged.iter().map(|p| p.contact).collect()
    }
}

/// What the merge of `merged` into `survivor` with `choices` refuses.
fn refusals(
    survivor: &Versioned<Contact>,
    merged: &[Versioned<Contact>],
    choices: &MergeChoices,
) -> Vec<Refusal> {
    let mut found = Vec::new();
    if merged.is_empty() {
        found.push(Refusal::NothingToMerge);
    }
    let all: Vec<&Versioned<Contact>> = std::iter::once(survivor).chain(merged).collect();
    for (n, contact) in all.iter().enumerate() {
        let id = contact.id();
        if all[..n].iter().any(|c| c.id() == id) {
            found.push(Refusal::Repeated { contact: id });
            continue;
        }
        if contact.erasure().is_some() {
            found.push(Refusal::Erased { contact: id });
        }
        if let Some(into) = contact.merged_into() {
            found.push(Refusal::AlreadyMerged { contact: id, into });
        }
        let person = |c: &Contact| matches!(c.party(), Party::Person(_));
        if person(contact) != person(survivor) {
            found.push(Refusal::OtherParty { contact: id });
        }
    }
    for field in ContactField::ALL {
        if let Some(contact) = choices.chosen(field) {
            if !all.iter().any(|c| c.id() == contact) {
                found.push(Refusal::NotInMerge { field, contact });
            }
        }
    }
    found
}

/// The survivor's details once merged, and the value kept for each field that differs.
fn chosen(
    survivor: &Versioned<Contact>,
    merged: &[Versioned<Contact>],
    choices: &MergeChoices,
) -> (ContactDetails, Vec<Keep>) {
    let mut details = survivor.details().clone();
    let mut kept = Vec::new();
    for field in ContactField::ALL {
        let all = std::iter::once(survivor).chain(merged);
        let from = choices
            .chosen(field)
            .and_then(|id| all.clone().find(|c| c.id() == id))
            .or_else(|| all.clone().find(|c| field.is_set(c.details())))
            .unwrap_or(survivor);
        field.copy(from.details(), &mut details);
        let differing: Vec<ContactId> = all
            .filter(|c| !field.same(c.details(), from.details()))
            .map(|c| c.id())
            .collect();
        if !differing.is_empty() {
            kept.push(Keep {
                field,
                from: from.id(),
                differing,
            });
        }
    }
    (details, kept)
}
