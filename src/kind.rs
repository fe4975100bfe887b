//! [`RecordKind`]: the kinds of record. A leaf, so that errors and the stored format can
//! name a kind without depending on the records themselves.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of record: the four of the lifecycle, the daily work around them, and the
/// organizations contacts work for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A [`Contact`](crate::Contact).
    Contact,
    /// A [`Lead`](crate::Lead), in any state.
    Lead,
    /// An [`Opportunity`](crate::Opportunity), in any stage.
    Opportunity,
    /// An [`Account`](crate::Account).
    Account,
    /// An [`Activity`](crate::Activity).
    Activity,
    /// A [`Task`](crate::Task), open, done or cancelled.
    Task,
    /// An [`Organization`](crate::Organization).
    Organization,
    /// The field schema of the store's custom fields
    /// ([`SchemaRecord`](crate::fields::SchemaRecord)): one record per store.
    FieldSchema,
}

impl RecordKind {
    /// Every kind: the lifecycle's in funnel order, the daily work, organizations, then the
    /// field schema.
    pub const ALL: [RecordKind; 8] = [
        RecordKind::Contact,
        RecordKind::Lead,
        RecordKind::Opportunity,
        RecordKind::Account,
        RecordKind::Activity,
        RecordKind::Task,
        RecordKind::Organization,
        RecordKind::FieldSchema,
    ];

    /// The lowercase name, as serialised: `"contact"`, `"lead"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Contact => "contact",
            RecordKind::Lead => "lead",
            RecordKind::Opportunity => "opportunity",
            RecordKind::Account => "account",
            RecordKind::Activity => "activity",
            RecordKind::Task => "task",
            RecordKind::Organization => "organization",
            RecordKind::FieldSchema => "field_schema",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
