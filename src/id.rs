//! Record ids (UUID v7 newtypes) and the injectable sources of ids.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::kind::RecordKind;

/// What makes one kind of id a type: its struct and its common traits. Each type's public
/// methods are written out below it, so that they read and link as plain code.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, uuid::Error> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

id_type!(
    /// The id of a [`Contact`](crate::Contact).
    ContactId
);
id_type!(
    /// The id of a [`Lead`](crate::Lead).
    LeadId
);
id_type!(
    /// The id of an [`Opportunity`](crate::Opportunity).
    OpportunityId
);
id_type!(
    /// The id of an [`Account`](crate::Account).
    AccountId
);
id_type!(
    /// The id of an [`Activity`](crate::Activity).
    ActivityId
);
id_type!(
    /// The id of a [`Task`](crate::Task).
    TaskId
);
id_type!(
    /// The id of an [`Organization`](crate::Organization).
    OrganizationId
);
id_type!(
    /// The id of one merge of contacts ([`Crm::merge`](crate::Crm::merge)): what the entries
    /// it wrote share, and what [`Crm::unmerge`](crate::Crm::unmerge) names to undo it.
    MergeId
);
id_type!(
    /// The id of the field schema's record ([`SchemaRecord`](crate::fields::SchemaRecord)):
    /// one per store, [`FieldSchemaId::STORE`].
    FieldSchemaId
);

impl FieldSchemaId {
    /// The id of a store's field schema: there is one.
    pub const STORE: FieldSchemaId =
        FieldSchemaId(Uuid::from_u128(0x0000_0000_0000_7000_8000_f1e1_d5c4_e3a0));

    /// The id read back from storage, from its UUID.
    pub const fn from_uuid(uuid: Uuid) -> FieldSchemaId {
        FieldSchemaId(uuid)
    }

    /// The UUID inside, as stored and as shown.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl ContactId {
    /// The id of a contact read back from storage, from its UUID.
    pub const fn from_uuid(uuid: Uuid) -> ContactId {
        ContactId(uuid)
    }

    /// The UUID inside, as stored and as shown.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// A new id for a contact, from `ids`.
    pub fn generate(ids: &dyn IdSource) -> ContactId {
        ContactId(ids.next_uuid())
    }
}

impl LeadId {
    /// The id of a lead read back from storage, from its UUID.
    pub const fn from_uuid(uuid: Uuid) -> LeadId {
        LeadId(uuid)
    }

    /// The UUID inside, as stored and as shown.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// A new id for a lead, from `ids`.
    pub fn generate(ids: &dyn IdSource) -> LeadId {
        LeadId(ids.next_uuid())
    }
}

impl OpportunityId {
    /// The id of an opportunity read back from storage, from its UUID.
    pub const fn from_uuid(uuid: Uuid) -> OpportunityId {
        OpportunityId(uuid)
    }

    /// The UUID inside, as stored and as shown.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// A new id for an opportunity, from `ids`.
    pub fn generate(ids: &dyn IdSource) -> OpportunityId {
        OpportunityId(ids.next_uuid())
    }
}

impl AccountId {
    /// The id of an account read back from storage, from its UUID.
    pub const fn from_uuid(uuid: Uuid) -> AccountId {
        AccountId(uuid)
    }

    /// The UUID inside, as stored and as shown.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// The id of `organization`'s account: its own UUID (the kinds tell them apart), so that an
    /// organization has one account, and two wins racing to open it create it once (the
    /// second is a conflict, and then wins into it).
    pub const fn of_organization(organization: OrganizationId) -> AccountId {
        AccountId(organization.as_uuid())
    }

    /// A new id for an account, from `ids`.
    pub fn generate(ids: &dyn IdSource) -> AccountId {
        AccountId(ids.next_uuid())
    }
}

impl ActivityId {
    /// The id of an activity read back from storage, from its UUID.
    pub const fn from_uuid(uuid: Uuid) -> ActivityId {
        ActivityId(uuid)
    }

    /// The UUID inside, as stored and as shown.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// A new id for an activity, from `ids`.
    pub fn generate(ids: &dyn IdSource) -> ActivityId {
        ActivityId(ids.next_uuid())
    }
}

impl TaskId {
    /// The id of a task read back from storage, from its UUID.
    pub const fn from_uuid(uuid: Uuid) -> TaskId {
        TaskId(uuid)
    }

    /// The UUID inside, as stored and as shown.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// A new id for a task, from `ids`.
    pub fn generate(ids: &dyn IdSource) -> TaskId {
        TaskId(ids.next_uuid())
    }
}

impl MergeId {
    /// The id of a merge read back from storage, from its UUID.
    pub const fn from_uuid(uuid: Uuid) -> MergeId {
        MergeId(uuid)
    }

    /// The UUID inside, as stored and as shown.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// A new id for a merge, from `ids`.
    pub fn generate(ids: &dyn IdSource) -> MergeId {
        MergeId(ids.next_uuid())
    }
}

impl OrganizationId {
    /// The id of an organization read back from storage, from its UUID.
    pub const fn from_uuid(uuid: Uuid) -> OrganizationId {
        OrganizationId(uuid)
    }

    /// The UUID inside, as stored and as shown.
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }

    /// A new id for an organization, from `ids`.
    pub fn generate(ids: &dyn IdSource) -> OrganizationId {
        OrganizationId(ids.next_uuid())
    }
}

/// Where new ids come from. Injected through a [`Context`](crate::Context), so that tests can
/// use deterministic ids.
pub trait IdSource: Send + Sync {
    /// A new, unique UUID (version 7 for the sources of this crate: time-ordered).
    fn next_uuid(&self) -> Uuid;
}

/// The default id source: random UUID v7 from the system clock and random number generator.
///
/// With the default feature `fast-ids`, the random bits come from a thread-local
/// cryptographically secure generator seeded by the operating system (uuid's `fast-rng`),
/// about five times cheaper than asking the operating system for each id; without it, from the
/// operating system every time.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn next_uuid(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// A deterministic id source for tests and simulations: well-formed UUID v7 whose timestamp
/// is fixed and whose random bits are a seed and a counter, so that every run yields the same
/// ids in the same order.
///
/// ```
/// use prospect::{IdSource, SequentialIds};
/// let a = SequentialIds::new(7);
/// let b = SequentialIds::new(7);
/// assert_eq!(a.next_uuid(), b.next_uuid());
/// assert_ne!(a.next_uuid(), SequentialIds::new(8).next_uuid());
/// assert_eq!(a.next_uuid().get_version_num(), 7);
/// ```
#[derive(Debug, Default)]
pub struct SequentialIds {
    seed: u32,
    next: AtomicU64,
}

impl SequentialIds {
    /// Ids for `seed`, starting from the first.
    pub fn new(seed: u32) -> SequentialIds {
        SequentialIds {
            seed,
            next: AtomicU64::new(0),
        }
    }
}

impl IdSource for SequentialIds {
    fn next_uuid(&self) -> Uuid {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut random = [0u8; 10];
        // The version and variant bits overwrite the high nibble of byte 0 and the top two bits
        // of byte 2: the counter fits below them until 2^62 ids.
        random[2..].copy_from_slice(&n.to_be_bytes());
        // From 2026-01-01T00:00:00Z, one 256 ms slot per seed: ids of one seed are distinct and
        // ordered, ids of two seeds never meet.
        let millis = 1_767_225_600_000 + (u64::from(self.seed) << 8);
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_are_distinct_and_v7() {
        let ids = SequentialIds::new(1);
        let all: std::collections::HashSet<Uuid> = (0..1000).map(|_| ids.next_uuid()).collect();
        assert_eq!(all.len(), 1000);
        assert!(all.iter().all(|u| u.get_version_num() == 7));
    }
}

/// The id of any record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum RecordId {
    /// A contact's id.
    Contact(ContactId),
    /// A lead's id.
    Lead(LeadId),
    /// An opportunity's id.
    Opportunity(OpportunityId),
    /// An account's id.
    Account(AccountId),
    /// An activity's id.
    Activity(ActivityId),
    /// A task's id.
    Task(TaskId),
    /// An organization.
    Organization(OrganizationId),
    /// The field schema ([`FieldSchemaId::STORE`]).
    FieldSchema(FieldSchemaId),
}

impl RecordId {
    /// The id of the record of `kind` with `uuid`, as adapters read it back.
    pub fn from_parts(kind: RecordKind, uuid: Uuid) -> RecordId {
        match kind {
            RecordKind::Contact => RecordId::Contact(ContactId::from_uuid(uuid)),
            RecordKind::Lead => RecordId::Lead(LeadId::from_uuid(uuid)),
            RecordKind::Opportunity => RecordId::Opportunity(OpportunityId::from_uuid(uuid)),
            RecordKind::Account => RecordId::Account(AccountId::from_uuid(uuid)),
            RecordKind::Activity => RecordId::Activity(ActivityId::from_uuid(uuid)),
            RecordKind::Task => RecordId::Task(TaskId::from_uuid(uuid)),
            RecordKind::Organization => RecordId::Organization(OrganizationId::from_uuid(uuid)),
            RecordKind::FieldSchema => RecordId::FieldSchema(FieldSchemaId::from_uuid(uuid)),
        }
    }

    /// The kind of record it names.
    pub fn kind(self) -> RecordKind {
        match self {
            RecordId::Contact(_) => RecordKind::Contact,
            RecordId::Lead(_) => RecordKind::Lead,
            RecordId::Opportunity(_) => RecordKind::Opportunity,
            RecordId::Account(_) => RecordKind::Account,
            RecordId::Activity(_) => RecordKind::Activity,
            RecordId::Task(_) => RecordKind::Task,
            RecordId::Organization(_) => RecordKind::Organization,
            RecordId::FieldSchema(_) => RecordKind::FieldSchema,
        }
    }

    /// The UUID of the record, whatever its kind.
    pub fn as_uuid(self) -> Uuid {
        match self {
            RecordId::Contact(id) => id.as_uuid(),
            RecordId::Lead(id) => id.as_uuid(),
            RecordId::Opportunity(id) => id.as_uuid(),
            RecordId::Account(id) => id.as_uuid(),
            RecordId::Activity(id) => id.as_uuid(),
            RecordId::Task(id) => id.as_uuid(),
            RecordId::Organization(id) => id.as_uuid(),
            RecordId::FieldSchema(id) => id.as_uuid(),
        }
    }
}

impl fmt::Display for RecordId {
    /// `lead 019b...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.as_uuid())
    }
}

macro_rules! id_into_record_id {
    ($($id:ident => $variant:ident),+) => {$(
        impl From<$id> for RecordId {
            fn from(id: $id) -> RecordId {
                RecordId::$variant(id)
            }
        }
    )+};
}
id_into_record_id!(ContactId => Contact, LeadId => Lead, OpportunityId => Opportunity, AccountId => Account, ActivityId => Activity, TaskId => Task, OrganizationId => Organization, FieldSchemaId => FieldSchema);
