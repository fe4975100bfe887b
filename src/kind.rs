//! [`RecordKind`]: the four kinds of record. A leaf, so that errors and the stored format can
//! name a kind without depending on the records themselves.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The four kinds of record.
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
}

impl RecordKind {
    /// Every kind, in funnel order.
    pub const ALL: [RecordKind; 4] = [
        RecordKind::Contact,
        RecordKind::Lead,
        RecordKind::Opportunity,
        RecordKind::Account,
    ];

    /// The lowercase name, as serialised: `"contact"`, `"lead"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Contact => "contact",
            RecordKind::Lead => "lead",
            RecordKind::Opportunity => "opportunity",
            RecordKind::Account => "account",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
