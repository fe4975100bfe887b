//! [`RecordKind`]: the kinds of record. A leaf, so that errors and the stored format can
//! name a kind without depending on the records themselves.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of record: the four of the lifecycle, and the daily work around them.
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
}

impl RecordKind {
    /// Every kind: the lifecycle's in funnel order, then the daily work.
    pub const ALL: [RecordKind; 6] = [
        RecordKind::Contact,
        RecordKind::Lead,
        RecordKind::Opportunity,
        RecordKind::Account,
        RecordKind::Activity,
        RecordKind::Task,
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
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
