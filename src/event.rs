//! Events: what changed, as typed data for other systems, written by every commit of the
//! facade into the store's outbox.
//!
//! Every step of [`Crm`](crate::Crm) and [`AsyncCrm`](crate::AsyncCrm) (and so every
//! [`Command`](crate::Command)) commits, with its records, one [`Event`] per record it writes:
//! an envelope (an [`EventId`], the record, its [`Version`] after the change, a [`CommitKey`]
//! shared by the events of one commit, the actor, when, and the [`EVENT_SCHEMA`]) around a
//! [`Payload`] that says what happened (`LeadQualified`, `OpportunityWon`, `OwnerChanged`, ...).
//! Edits carry the changed fields with their values before and after, except personal fields,
//! which are named without their values ([`PersonalField`]).
//!
//! **Payloads hold no personal data**: ids, states, amounts, dates, categories, owners (users
//! of the application) and organizations' details, never a contact's name, email address or
//! phone number, and no free text (notes, summaries, reasons' details). An erasure therefore
//! never has to reach events already delivered to other systems: see SECURITY.md.
//!
//! The store keeps the events in its outbox, in commit order, until they are pruned:
//! [`Store::read_events`](crate::store::Store::read_events) reads them after a [`Position`] the
//! consumer keeps; delivery is at least once, so a consumer skips the ids it has seen.
//!
//! ```
//! use prospect::memory::MemoryStore;
//! use prospect::event::Payload;
//! use prospect::*;
//! let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll);
//! let me = User::new("alice")?;
//! let details = ContactDetails::new(Party::person(PersonName::new("Ada Lovelace")?), LeadSource::Referral);
//! let contact = crm.create_contact(details, OnDuplicate::Refuse, &me)?.into_contact();
//!
//! let page = crm.store().read_events(None, 100)?;
//! let created = &page.events[0].event;
//! assert_eq!(created.record(), contact.id().into());
//! assert!(matches!(created.payload(), Payload::ContactCreated { .. }));
//! // No personal data: the name is not in the event.
//! assert!(!serde_json::to_string(created)?.contains("Ada"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

pub(crate) mod packed;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::activity::ActivityKind;
use crate::contact::LeadSource;
use crate::edit::Change;
use crate::forecast::{ForecastCategory, Probability};
use crate::id::{AccountId, ContactId, IdSource, LeadId, OpportunityId, OrganizationId};
use crate::lead::DisqualifyCategory;
use crate::money::Money;
use crate::opportunity::LossCategory;
use crate::organization::{Country, Domain, SizeBand};
use crate::record::RecordId;
use crate::state::{LeadStatus, OpportunityStage};
use crate::task::Due;
use crate::text::{Industry, OrganizationName, User};
use crate::version::Version;

/// The schema of the events this version of the crate writes, in every envelope: raised when
/// the shape of an event changes in a way a consumer must know about.
pub const EVENT_SCHEMA: u32 = 1;

/// The id of an event: a UUID v7 from the facade's [`IdSource`]. Delivery is at least once;
/// a consumer that has seen an id skips it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(Uuid);

/// The key shared by the events of one commit: a consumer applies them together, or groups
/// them (Salesforce calls it the transaction key). The facade uses the id of the commit's first
/// event (unique as it is, and one UUID fewer to draw per commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CommitKey(Uuid);

macro_rules! uuid_newtype {
    ($($name:ident),+) => {$(
        impl $name {
            /// The UUID.
            pub fn as_uuid(self) -> Uuid {
                self.0
            }

            /// The value with this UUID (for reading one back).
            pub fn from_uuid(uuid: Uuid) -> $name {
                $name(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )+};
}

uuid_newtype!(EventId, CommitKey);

/// Something that happened to one record, in one commit: the envelope of a [`Payload`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    id: EventId,
    record: RecordId,
    version: Version,
    commit: CommitKey,
    actor: User,
    occurred_at: DateTime<Utc>,
    schema: u32,
    payload: Payload,
}

impl Event {
    /// An event of `record`, written at `version` by the commit `commit`, made by `actor` at
    /// `occurred_at`, with a new id from `ids` and the current [`EVENT_SCHEMA`]. The facade
    /// makes its own; this is for batches built by hand.
    pub fn new(
        ids: &dyn IdSource,
        commit: CommitKey,
        (record, version): (RecordId, Version),
        actor: User,
        occurred_at: DateTime<Utc>,
        payload: Payload,
    ) -> Event {
        Event::with_id(
            EventId(ids.next_uuid()),
            commit,
            (record, version),
            actor,
            occurred_at,
            payload,
        )
    }

    /// [`Event::new`] with its id given.
    pub(crate) fn with_id(
        id: EventId,
        commit: CommitKey,
        (record, version): (RecordId, Version),
        actor: User,
        occurred_at: DateTime<Utc>,
        payload: Payload,
    ) -> Event {
        Event {
            id,
            record,
            version,
            commit,
            actor,
            occurred_at,
            schema: EVENT_SCHEMA,
            payload,
        }
    }

    /// A new commit key from `ids`, for the events of a batch built by hand.
    pub fn commit_key(ids: &dyn IdSource) -> CommitKey {
        CommitKey(ids.next_uuid())
    }

    /// The event's id.
    pub fn id(&self) -> EventId {
        self.id
    }

    /// The record that changed.
    pub fn record(&self) -> RecordId {
        self.record
    }

    /// The record's version after the change: its events' versions count 1, 2, 3, ...
    pub fn version(&self) -> Version {
        self.version
    }

    /// The key shared by the events of the same commit.
    pub fn commit(&self) -> CommitKey {
        self.commit
    }

    /// Who made the change (a consumer skips its own writes by it).
    pub fn actor(&self) -> &User {
        &self.actor
    }

    /// When the change happened: the time its history entry records (taken from the
    /// context's clock by the step that made it).
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }

    /// The schema the event was written in ([`EVENT_SCHEMA`] for new events).
    pub fn schema(&self) -> u32 {
        self.schema
    }

    /// What happened.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }
}

/// A personal field of a contact, named in [`Payload::ContactCorrected`] without its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalField {
    /// Who the contact is: a person's name, job title and employer, or an organization's name.
    Party,
    /// The email address.
    Email,
    /// The phone number.
    Phone,
}

/// What happened to a record: one variant per kind of change. Ids, states, amounts, dates,
/// categories and owners only (see the [module](self) docs): the record itself is named in the
/// envelope ([`Event::record`]).
///
/// Serialised with its variant's name in `"type"`: `{"type": "LeadQualified", "from":
/// "working", "opportunity": "…"}`. Later versions add variants, so match with a `_` arm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
#[non_exhaustive]
pub enum Payload {
    /// A contact was recorded.
    ContactCreated {
        /// Where it came from.
        source: LeadSource,
        /// Who owns it.
        owner: Option<User>,
        /// The organization it belongs to.
        organization: Option<OrganizationId>,
    },
    /// A contact's details were corrected: the fields that changed (boxed: rare, and the
    /// largest payload).
    ContactCorrected(Box<ContactCorrected>),
    /// A contact's personal data was erased (the right to erasure).
    ContactErased,
    /// A record of an erased contact had its personal data erased with it, in the same commit
    /// as the contact's [`ContactErased`](Payload::ContactErased).
    PersonalDataErased {
        /// The erased contact.
        contact: ContactId,
    },
    /// A record changed hands (a contact, an open lead or opportunity, an account, an
    /// organization).
    OwnerChanged {
        /// The owner before and after.
        owner: Change<Option<User>>,
    },
    /// An organization was recorded.
    OrganizationCreated(Box<OrganizationCreated>),
    /// An organization's details were corrected: the fields that changed.
    OrganizationCorrected(Box<OrganizationCorrected>),
    /// The field schema changed (custom fields: labels and keys, no personal data).
    FieldSchemaChanged {
        /// The schema's version after the change.
        version: crate::fields::SchemaVersion,
        /// The change.
        change: Box<crate::fields::SchemaChange>,
    },
    /// Contacts were merged into a survivor ([`Crm::merge`](crate::Crm::merge)), or the merge
    /// was undone ([`Crm::unmerge`](crate::Crm::unmerge)): the event of the survivor and of
    /// each merged contact (ids only; the survivor's details that changed are not said).
    ContactsMerged {
        /// The merge.
        merge: crate::id::MergeId,
        /// The contact the others were merged into.
        survivor: ContactId,
        /// The contacts merged into it.
        merged: Vec<ContactId>,
        /// Whether the merge was undone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        undone: bool,
    },
    /// Organizations were merged into a survivor
    /// ([`Crm::merge_organizations`](crate::Crm::merge_organizations)), or the merge was
    /// undone: the event of every record the merge wrote (ids only): the survivor and each
    /// merged organization, each contact it moved to the survivor (or back), and each account
    /// folded (or unfolded); an account's names as merged the organizations whose accounts
    /// were folded into it (its own, for a folded account).
    OrganizationsMerged {
        /// The merge.
        merge: crate::id::MergeId,
        /// The organization the others were merged into.
        survivor: OrganizationId,
        /// The organizations merged into it.
        merged: Vec<OrganizationId>,
        /// Whether the merge was undone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        undone: bool,
    },
    /// A record moved to another contact, by a merge (to the survivor) or its undo (back).
    Relinked {
        /// The merge.
        merge: crate::id::MergeId,
        /// The contact before and after.
        contact: Change<ContactId>,
        /// Whether the merge was undone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        undone: bool,
    },
    /// A record's custom fields were written ([`Crm::set_fields`](crate::Crm::set_fields)):
    /// each field, its values before and after unless it holds personal data (boxed: rare).
    FieldsChanged(Box<FieldsChanged>),
    /// A lead was opened for a contact.
    LeadOpened {
        /// The contact.
        contact: ContactId,
        /// Where it came from.
        source: LeadSource,
        /// Who owns it.
        owner: Option<User>,
    },
    /// Contact was made with a lead: it is now being worked.
    LeadContacted {
        /// The status before (new or nurturing).
        from: LeadStatus,
    },
    /// A lead was put to nurturing.
    LeadNurtured,
    /// A lead was disqualified.
    LeadDisqualified {
        /// The status before.
        from: LeadStatus,
        /// Why, as a category (the detail is free text, not in the event).
        category: DisqualifyCategory,
    },
    /// A disqualified lead was recycled into nurturing.
    LeadRecycled,
    /// A lead was qualified and converted into an opportunity.
    LeadQualified {
        /// The status before.
        from: LeadStatus,
        /// The opportunity it became.
        opportunity: OpportunityId,
    },
    /// An opportunity was created by qualifying a lead.
    OpportunityOpened {
        /// The lead it was qualified from.
        lead: LeadId,
        /// The contact.
        contact: ContactId,
        /// Its amount.
        amount: Money,
        /// When it is expected to close.
        expected_close: NaiveDate,
        /// Who owns it.
        owner: Option<User>,
    },
    /// An opportunity moved forward to an open stage (proposal, negotiation, contracting).
    OpportunityAdvanced {
        /// The stage before.
        from: OpportunityStage,
        /// The stage now.
        to: OpportunityStage,
        /// Its amount now.
        amount: Money,
    },
    /// An opportunity was won.
    OpportunityWon {
        /// The account the win went to.
        account: AccountId,
        /// The contract's value.
        value: Money,
    },
    /// An opportunity was lost.
    OpportunityLost {
        /// The stage before.
        from: OpportunityStage,
        /// Why, as a category.
        category: LossCategory,
    },
    /// A lost opportunity was reopened, in discovery.
    OpportunityReopened,
    /// An open opportunity was revised.
    OpportunityRevised {
        /// Whether its name was revised (a summary: free text, not in the event).
        name: bool,
        /// The amount, if revised.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<Change<Money>>,
        /// The expected close, if revised.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected_close: Option<Change<NaiveDate>>,
    },
    /// A revised proposal replaced the one on the table.
    ProposalRevised {
        /// The opportunity's amount before and after.
        amount: Change<Money>,
    },
    /// An opportunity's probability or forecast category was overridden, or the override
    /// cleared (`None`: the stage's default).
    ForecastOverridden {
        /// The probability override before and after.
        probability: Change<Option<Probability>>,
        /// The forecast category override before and after.
        forecast: Change<Option<ForecastCategory>>,
    },
    /// An opportunity moved between custom stages of its pipeline, inside its backbone stage
    /// ([`Crm::move_stage`](crate::Crm::move_stage)); the typed steps, which cross the
    /// backbone, are [`OpportunityAdvanced`](Payload::OpportunityAdvanced) and the others.
    StageMoved {
        /// Its pipeline.
        pipeline: crate::fields::FieldKey,
        /// The custom stage before, if it was in one.
        from: Option<crate::fields::FieldKey>,
        /// The custom stage it moved to.
        to: crate::fields::FieldKey,
    },
    /// An account was opened by a win.
    AccountOpened {
        /// Its primary contact.
        contact: ContactId,
        /// The organization it is the account of, if any.
        organization: Option<OrganizationId>,
        /// The opportunity won.
        opportunity: OpportunityId,
        /// The contract's value.
        value: Money,
    },
    /// Another win went to an account.
    WinAdded {
        /// The opportunity won.
        opportunity: OpportunityId,
        /// The contract's value.
        value: Money,
    },
    /// An activity was logged.
    ActivityLogged {
        /// The record it is about.
        regarding: RecordId,
        /// Its contact.
        contact: ContactId,
        /// What kind of activity.
        kind: ActivityKind,
        /// When it happened.
        occurred_at: DateTime<Utc>,
    },
    /// A task was added.
    TaskAdded {
        /// The record it is about.
        regarding: RecordId,
        /// Its contact.
        contact: ContactId,
        /// Who is to do it.
        owner: User,
        /// By when.
        due: Due,
    },
    /// A task was done.
    TaskCompleted,
    /// A task was cancelled.
    TaskCancelled,
}

/// The fields of a contact that a correction changed ([`Payload::ContactCorrected`]): the
/// personal ones named, the others before and after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactCorrected {
    /// The personal fields that changed, without their values.
    pub personal: Vec<PersonalField>,
    /// The source, if it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Change<LeadSource>>,
    /// The owner, if it changed along with other fields (a hand-off alone is
    /// [`OwnerChanged`](Payload::OwnerChanged)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Change<Option<User>>>,
    /// The organization, if the contact was linked, unlinked or moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Change<Option<OrganizationId>>>,
}

/// The custom fields a write changed ([`Payload::FieldsChanged`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsChanged {
    /// The schema version the values were written under.
    pub schema: crate::fields::SchemaVersion,
    /// Each field written, in key order.
    pub fields: Vec<FieldChanged>,
}

/// One custom field a write changed: its key, and its values before and after (`None`: no
/// value) unless it holds personal data, which is named only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldChanged {
    /// The field.
    pub key: crate::fields::FieldKey,
    /// Its values before and after; `None` for a field that holds personal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change<Option<crate::fields::FieldValue>>>,
}

/// An organization as [`Payload::OrganizationCreated`] describes it: not personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationCreated {
    /// Its name.
    pub name: OrganizationName,
    /// Its domains.
    pub domains: Vec<Domain>,
    /// Its industry.
    pub industry: Option<Industry>,
    /// Its size.
    pub size: Option<SizeBand>,
    /// Its country.
    pub country: Option<Country>,
    /// Who owns it.
    pub owner: Option<User>,
}

/// The fields of an organization that a correction changed, before and after
/// ([`Payload::OrganizationCorrected`]); the others are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationCorrected {
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Change<OrganizationName>>,
    /// Its domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Change<Vec<Domain>>>,
    /// Its industry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<Change<Option<Industry>>>,
    /// Its size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Change<Option<SizeBand>>>,
    /// Its country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Change<Option<Country>>>,
    /// Its owner, if it changed along with other fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Change<Option<User>>>,
}

impl Payload {
    /// The variant's name, as in the serialised `"type"` (`"LeadQualified"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Payload::ContactCreated { .. } => "ContactCreated",
            Payload::ContactCorrected(_) => "ContactCorrected",
            Payload::ContactErased => "ContactErased",
            Payload::PersonalDataErased { .. } => "PersonalDataErased",
            Payload::OwnerChanged { .. } => "OwnerChanged",
            Payload::OrganizationCreated(_) => "OrganizationCreated",
            Payload::OrganizationCorrected(_) => "OrganizationCorrected",
            Payload::FieldSchemaChanged { .. } => "FieldSchemaChanged",
            Payload::FieldsChanged(_) => "FieldsChanged",
            Payload::ContactsMerged { .. } => "ContactsMerged",
            Payload::Relinked { .. } => "Relinked",
            Payload::OrganizationsMerged { .. } => "OrganizationsMerged",
            Payload::LeadOpened { .. } => "LeadOpened",
            Payload::LeadContacted { .. } => "LeadContacted",
            Payload::LeadNurtured => "LeadNurtured",
            Payload::LeadDisqualified { .. } => "LeadDisqualified",
            Payload::LeadRecycled => "LeadRecycled",
            Payload::LeadQualified { .. } => "LeadQualified",
            Payload::OpportunityOpened { .. } => "OpportunityOpened",
            Payload::OpportunityAdvanced { .. } => "OpportunityAdvanced",
            Payload::OpportunityWon { .. } => "OpportunityWon",
            Payload::OpportunityLost { .. } => "OpportunityLost",
            Payload::OpportunityReopened => "OpportunityReopened",
            Payload::OpportunityRevised { .. } => "OpportunityRevised",
            Payload::ProposalRevised { .. } => "ProposalRevised",
            Payload::ForecastOverridden { .. } => "ForecastOverridden",
            Payload::StageMoved { .. } => "StageMoved",
            Payload::AccountOpened { .. } => "AccountOpened",
            Payload::WinAdded { .. } => "WinAdded",
            Payload::ActivityLogged { .. } => "ActivityLogged",
            Payload::TaskAdded { .. } => "TaskAdded",
            Payload::TaskCompleted => "TaskCompleted",
            Payload::TaskCancelled => "TaskCancelled",
        }
    }
}

/// Where an event stands in the outbox: positions grow with commit order and are never
/// reused, even after pruning. A consumer keeps the position of the last event it handled and
/// reads after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Position(u64);

impl Position {
    /// The position `n` (1 is the first event a store writes).
    pub fn new(n: u64) -> Position {
        Position(n)
    }

    /// The position as a number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for Position {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Position, Self::Err> {
        s.parse().map(Position)
    }
}

/// An event as the outbox holds it: where it stands, and the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Its position in the outbox.
    pub position: Position,
    /// The event.
    pub event: Event,
}

/// An event the store holds but cannot read (corrupt, or written in a newer schema): where it
/// stands, and why. Reading goes on past it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("the event at position {position} cannot be read: {reason}")]
pub struct UnreadableEvent {
    /// Its position in the outbox.
    pub position: Position,
    /// Why it could not be read.
    pub reason: String,
}

/// Events read from the outbox ([`Store::read_events`](crate::store::Store::read_events)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "a page of events reports the ones it could not read in `unreadable`"]
pub struct EventPage {
    /// The events, in commit order.
    pub events: Vec<StoredEvent>,
    /// The events of this page that could not be read, in position order.
    pub unreadable: Vec<UnreadableEvent>,
    /// Where to read after next: the position of the last event of the page, read or not;
    /// `None` when the page is empty (keep the position you read after).
    pub last: Option<Position>,
}
