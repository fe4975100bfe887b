//! What a step of the facade gives back ([`Qualified`], [`WonAccount`], [`ErasureReport`],
//! [`HandedOver`], the outcomes of creating a contact or an organization), and why it fails
//! ([`CrmError`]).

use crate::access::{Action, Rule};
use crate::account::Account;
use crate::activity::Activity;
use crate::contact::Contact;
use crate::error::ValidationError;
use crate::id::{ContactId, OpportunityId, OrganizationId};
use crate::kind::RecordKind;
use crate::lead::Lead;
use crate::money::MoneyError;
use crate::opportunity::Opportunity;
use crate::organization::Organization;
use crate::record::{AnyLead, AnyOpportunity, Expected, RecordId, RecordState};
use crate::state::{Converted, Discovery, OpportunityStage, Won};
use crate::store::{CommitError, Conflict, Unreadable, Versioned};
use crate::task::Task;

#[cfg(doc)]
use {
    super::{Crm, NextSteps},
    crate::command::OnDuplicate,
};

/// What [`Crm::create_contact`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactOutcome {
    /// A new contact was stored.
    Created(Versioned<Contact>),
    /// A contact with the same email address existed and is returned
    /// ([`OnDuplicate::Reuse`]).
    Matched(Versioned<Contact>),
}

impl ContactOutcome {
    /// The contact, created or matched.
    pub fn into_contact(self) -> Versioned<Contact> {
        match self {
            ContactOutcome::Created(c) | ContactOutcome::Matched(c) => c,
        }
    }

    /// Whether a new contact was stored.
    pub fn is_created(&self) -> bool {
        matches!(self, ContactOutcome::Created(_))
    }
}

/// What [`Crm::create_organization`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganizationOutcome {
    /// A new organization was stored.
    Created(Versioned<Organization>),
    /// An organization with one of the domains existed and is returned
    /// ([`OnDuplicate::Reuse`]).
    Matched(Versioned<Organization>),
}

impl OrganizationOutcome {
    /// The organization, created or matched.
    pub fn into_organization(self) -> Versioned<Organization> {
        match self {
            OrganizationOutcome::Created(o) | OrganizationOutcome::Matched(o) => o,
        }
    }

    /// Whether a new organization was stored.
    pub fn is_created(&self) -> bool {
        matches!(self, OrganizationOutcome::Created(_))
    }
}

/// Why a [`Crm`] step failed. In every case the store is unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrmError<E> {
    /// Another writer changed a record since it was read: reload it and retry.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// A contact with this email address exists ([`OnDuplicate::Refuse`]).
    #[error("a contact with this email address exists: {existing}")]
    DuplicateContact {
        /// The existing contact.
        existing: ContactId,
    },
    /// No record has this id.
    #[error("{0} not found")]
    NotFound(RecordId),
    /// The record is not in the state the step requires.
    #[error("{record}: expected {expected}, found {found}")]
    WrongState {
        /// The record the step was given.
        record: RecordId,
        /// The state the step requires.
        expected: Expected,
        /// The state it is in.
        found: RecordState,
    },
    /// Adding a win to an account would overflow its won value.
    #[error("{0}")]
    Money(#[from] MoneyError),
    /// The step's evidence is not valid on the day of the step (a qualification whose decision
    /// date is already past).
    #[error("{record}: {cause}")]
    Invalid {
        /// The record the step was for.
        record: RecordId,
        /// What is not valid.
        cause: ValidationError,
    },
    /// The opportunity would enter a stage that requires an open next step
    /// ([`NextSteps`]), and it has none: add a task about it first.
    #[error("opportunity {opportunity} has no open next step, which {stage} requires")]
    NextStepRequired {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The stage it would have entered.
        stage: OpportunityStage,
    },
    /// The values given for a new record are not valid together (a check their types cannot
    /// make alone, such as how many domains an organization has).
    #[error("{0}")]
    InvalidInput(ValidationError),
    /// An organization with one of these domains exists ([`OnDuplicate::Refuse`]).
    #[error("an organization with this domain exists: {existing}")]
    DuplicateOrganization {
        /// The existing organization.
        existing: OrganizationId,
    },
    /// The contact was erased: it cannot be corrected or handed over, and no new lead,
    /// activity or task can be about it or its records.
    #[error("contact {contact} was erased")]
    ContactErased {
        /// The contact.
        contact: ContactId,
    },
    /// The contact was merged into another ([`merge`](crate::merge)): it cannot be corrected
    /// or handed over, and no new lead, activity or task can be about it; its survivor holds
    /// its records now.
    #[error("contact {contact} was merged into {into}")]
    ContactMerged {
        /// The contact.
        contact: ContactId,
        /// The contact it was merged into.
        into: ContactId,
    },
    /// The organization was merged into another ([`Crm::merge_organizations`]): it refuses
    /// corrections and new contacts, and its account (folded into the survivor's) new wins;
    /// its contacts are the survivor's now.
    ///
    /// [`Crm::merge_organizations`]: crate::Crm::merge_organizations
    #[error("organization {organization} was merged into {into}")]
    OrganizationMerged {
        /// The organization.
        organization: OrganizationId,
        /// The organization it was merged into.
        into: OrganizationId,
    },
    /// A merge or an unmerge that cannot be made, and every reason why: nothing was written
    /// ([`Crm::merge`](crate::Crm::merge), [`Crm::unmerge`](crate::Crm::unmerge)).
    #[error("the merge cannot be made: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    MergeRefused(Vec<crate::merge::Refusal>),
    /// The access policy does not let the acting principal take this action: nothing was
    /// written. A read the policy denies is [`NotFound`](CrmError::NotFound) instead (see
    /// [`access`](crate::access)).
    #[error("forbidden: {action} on {kind}{}: {rule}", record.map(|r| format!(" {r}")).unwrap_or_default())]
    Forbidden {
        /// The action denied.
        action: Action,
        /// The kind of record.
        kind: RecordKind,
        /// The record, when it exists.
        record: Option<RecordId>,
        /// The rule that denied it.
        rule: Rule,
    },
    /// The actor used this idempotency key before for another request (one with another
    /// [`Fingerprint`](crate::idempotency::Fingerprint)): nothing was written. A client sends
    /// a new key with a new request ([`Crm::execute_once`]).
    #[error("idempotency key {key} was used for another request")]
    KeyReused {
        /// The key.
        key: crate::idempotency::IdempotencyKey,
    },
    /// The store failed.
    #[error("store error: {0}")]
    Store(#[source] E),
    /// A change of the field schema that does not apply: it would make a stored value invalid,
    /// or does not fit the schema ([`Crm::change_field_schema`](crate::Crm::change_field_schema)).
    #[error("{0}")]
    Schema(crate::fields::SchemaError),
    /// A custom field value refused by the schema, naming the field
    /// ([`Crm::set_fields`](crate::Crm::set_fields)).
    #[error("{0}")]
    Field(crate::fields::FieldError),
    /// A move to a custom stage refused, or an opportunity's placement that does not fit the
    /// schema, naming the pipeline or the stage ([`Crm::move_stage`](crate::Crm::move_stage)).
    #[error("{0}")]
    Stage(crate::fields::StageError),
}

impl<E> From<CommitError<E>> for CrmError<E> {
    fn from(e: CommitError<E>) -> CrmError<E> {
        match e {
            CommitError::Conflict(c) => CrmError::Conflict(c),
            CommitError::Store(e) => CrmError::Store(e),
        }
    }
}

impl<E> CrmError<E> {
    /// Whether the step lost a race and can be retried after reloading.
    pub fn is_conflict(&self) -> bool {
        matches!(self, CrmError::Conflict(_))
    }
}

/// What [`Crm::qualify`] stored: the converted lead and the new opportunity, committed together.
#[derive(Debug)]
pub struct Qualified {
    /// The lead, now [`Converted`].
    pub lead: Versioned<Lead<Converted>>,
    /// The opportunity it became, in [`Discovery`].
    pub opportunity: Versioned<Opportunity<Discovery>>,
}

/// What [`Crm::win`] and [`Crm::win_for`] stored: the won opportunity and the new or updated
/// account, committed together.
#[derive(Debug)]
pub struct WonAccount {
    /// The opportunity, now [`Won`].
    pub opportunity: Versioned<Opportunity<Won>>,
    /// The account it opened or added to.
    pub account: Versioned<Account>,
}

/// What [`Crm::erase_contact`] stored: the erased contact, and its leads, opportunities,
/// accounts, activities and tasks with their free text erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureReport {
    /// The contact, its personal data replaced by a tombstone.
    pub contact: Versioned<Contact>,
    /// The contacts merged into it ([`Contact::merged_contacts`]), erased with it: what they
    /// held is what it holds.
    pub merged: Vec<Versioned<Contact>>,
    /// Its leads.
    pub leads: Vec<Versioned<AnyLead>>,
    /// Its opportunities.
    pub opportunities: Vec<Versioned<AnyOpportunity>>,
    /// The accounts it is the primary contact of, or that won one of its opportunities.
    pub accounts: Vec<Versioned<Account>>,
    /// The activities about it or its leads and opportunities.
    pub activities: Vec<Versioned<Activity>>,
    /// The tasks about it or its leads and opportunities.
    pub tasks: Vec<Versioned<Task>>,
    /// Stored records the store lists as the contact's but could not read: they were not
    /// erased. Empty when the erasure is complete.
    pub unreadable: Vec<Unreadable>,
}

/// What [`Crm::reassign_contact`] stored: the contact, and the records the hand-off cascaded
/// to, committed together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandedOver {
    /// The contact, with its new owner.
    pub contact: Versioned<Contact>,
    /// Its open leads handed over with it.
    pub leads: Vec<Versioned<AnyLead>>,
    /// Its open opportunities handed over with it.
    pub opportunities: Vec<Versioned<AnyOpportunity>>,
}
