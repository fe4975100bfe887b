//! The JSON bodies the service answers with, as Rust types: what the handlers serialize, and
//! what the OpenAPI document describes ([`openapi`](crate::openapi), derived with utoipa).
//! A record is shown as the library's [`RecordView`](prospect::record::RecordView) (or, redacted,
//! [`Visible`](prospect::access::Visible)), whose fields its docs list; the document gives it as
//! an object, with examples.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A record at a version: a step's write, a read, an item of a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordAt {
    /// The record's version: 1 when created, one more at each write; what a command that
    /// changes it names.
    pub version: u64,
    /// The record, as the library's `RecordView` shows it (`type`, `id`, `state`, its fields,
    /// its history), with the personal data the caller may not read redacted. Its custom
    /// fields, when it has any, are in `custom`: `values`, an object whose keys and value types
    /// are the field schema's (`GET /fields`: schema-dependent, so not described here), each
    /// value `{"type": ..., "value": ...}`; `edits`, each write with its values before and
    /// after; `personal`, the keys holding personal data.
    #[schema(value_type = Object)]
    pub record: Value,
}

/// What a command wrote (in the order the step names its records: a qualification its lead
/// then its opportunity, a win its opportunity then its account), or a record read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Records {
    /// The records.
    pub records: Vec<RecordAt>,
}

/// A page of a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// The records of the page that the caller may read.
    pub records: Vec<RecordAt>,
    /// What to pass as `after` for the next page; `null` after the last.
    pub next: Option<String>,
    /// How many stored rows of the page could not be read (the store names them in its log).
    pub unreadable: usize,
}

/// A page of the outbox's events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Events {
    /// The events, each with its `position`, in commit order (the library's `StoredEvent`).
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Value>,
    /// The position of the page's last event, to pass as `after` next time; `null` when the
    /// page is empty.
    pub last: Option<u64>,
}

/// An error, whatever its status. `kind` says what went wrong in a word, `error` in a
/// sentence; the other fields are there when they apply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// What went wrong: `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `duplicate`, `illegal_move`, `invalid`, `schema_change`, `field`, `stage`, `idempotency_key_reused`,
    /// `unsupported_media_type`, `payload_too_large`, `too_many_requests`, `overloaded`,
    /// `request_timeout`, `store`, ...
    pub kind: String,
    /// What went wrong, for a person.
    pub error: String,
    /// The JSON path of the field at fault in the body (`details.email`), or the name of the
    /// parameter or header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `409` (a stale version): the version the command named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// `409` (a stale version): the version stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_version: Option<u64>,
    /// `409` (a duplicate): the id of the contact or organization that has the email address
    /// or domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<String>,
    /// `422` (an illegal move): the states the step takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Vec<String>>,
    /// `422` (an illegal move): the record's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// `403`: the action the policy denied (`read`, `create`, `edit`, `reassign`, `erase`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `403`: the kind of record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_kind: Option<String>,
    /// `403`: the rule that denied it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}
