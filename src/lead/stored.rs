//! A lead's data, whatever its state: what its copies share, its stored form, and the checks a
//! stored lead must pass.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::LeadStatus;
use crate::contact::LeadSource;
use crate::custom::CustomFields;
use crate::error::RecordError;
use crate::format::{Format, ReadingRecord};
use crate::history::{History, Transition};
use crate::id::{ContactId, LeadId};
use crate::kind::RecordKind;
use crate::relink::Relinks;
use crate::text::{Summary, User};

use super::evidence::legal;
use super::{Interest, LeadEvidence};

/// What a lead's steps do not change (a hand-off makes a new one): shared between the copies
/// of a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeadCore {
    pub(crate) id: LeadId,
    pub(crate) contact: ContactId,
    pub(crate) interest: Interest,
    pub(crate) source: LeadSource,
    pub(crate) owner: Option<User>,
    pub(crate) created_at: DateTime<Utc>,
    /// Its custom fields (a write of them makes a new core).
    pub(crate) custom: CustomFields,
    /// The merges that moved it to another contact (a merge makes a new core).
    pub(crate) relinks: Relinks,
}

/// The data of a lead, whatever its state. Cloning it shares the core and the history, so a
/// lead costs a few reference counts to keep in two places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeadData {
    pub(crate) core: Arc<LeadCore>,
    pub(crate) status: LeadStatus,
    pub(crate) history: History<LeadStatus, LeadEvidence>,
    /// Whether its contact's personal data was erased (and with it, its free text).
    pub(crate) erased: bool,
}

impl std::ops::Deref for LeadData {
    type Target = LeadCore;
    fn deref(&self) -> &LeadCore {
        &self.core
    }
}

/// A lead as serialised: its fields in this order.
#[derive(Serialize)]
struct LeadOut<'a> {
    format: Format,
    id: LeadId,
    contact: ContactId,
    status: LeadStatus,
    interest: &'a Interest,
    source: LeadSource,
    owner: &'a Option<User>,
    created_at: DateTime<Utc>,
    history: &'a History<LeadStatus, LeadEvidence>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    erased: bool,
    #[serde(skip_serializing_if = "CustomFields::is_empty")]
    custom: &'a CustomFields,
    #[serde(skip_serializing_if = "Relinks::is_empty")]
    relinks: &'a Relinks,
}

/// A lead as deserialised, before it is validated.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeadIn {
    #[serde(default)]
    format: Format,
    id: LeadId,
    contact: ContactId,
    status: LeadStatus,
    interest: Interest,
    source: LeadSource,
    owner: Option<User>,
    created_at: DateTime<Utc>,
    history: History<LeadStatus, LeadEvidence>,
    #[serde(default)]
    erased: bool,
    #[serde(default)]
    custom: CustomFields,
    #[serde(default)]
    relinks: Relinks,
}

impl Serialize for LeadData {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        LeadOut {
            format: Format,
            id: self.id,
            contact: self.contact,
            status: self.status,
            interest: &self.interest,
            source: self.source,
            owner: &self.owner,
            created_at: self.created_at,
            history: &self.history,
            erased: self.erased,
            custom: &self.custom,
            relinks: &self.relinks,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for LeadData {
    /// Reads the fields only; [`LeadData::deserialize_valid`] also validates.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let reading = ReadingRecord::start();
        let r = LeadIn::deserialize(d)?;
        let Format = r.format;
        reading
            .finish(RecordKind::Lead)
            .map_err(serde::de::Error::custom)?;
        Ok(LeadData {
            core: Arc::new(LeadCore {
                id: r.id,
                contact: r.contact,
                interest: r.interest,
                source: r.source,
                owner: r.owner,
                created_at: r.created_at,
                custom: r.custom,
                relinks: r.relinks,
            }),
            status: r.status,
            history: r.history,
            erased: r.erased,
        })
    }
}

impl LeadData {
    /// The same lead with its free text erased (the interest's summary, and in its history the
    /// touches' summaries, notes and reasons' detail), marked erased: same steps, states, times
    /// and ids.
    pub(crate) fn erase_personal_data(&self) -> LeadData {
        let core = &self.core;
        LeadData {
            core: Arc::new(LeadCore {
                id: core.id,
                contact: core.contact,
                interest: Interest::new(Summary::erased(), core.interest.role),
                source: core.source,
                owner: core.owner.clone(),
                created_at: core.created_at,
                custom: core.custom.erased(),
                relinks: core.relinks.clone(),
            }),
            status: self.status,
            history: self.history.map_evidence(LeadEvidence::erased),
            erased: true,
        }
    }

    /// Checks every invariant a lead read from outside must hold.
    pub(crate) fn validate(&self) -> Result<(), RecordError> {
        self.history
            .validate(RecordKind::Lead, self.status, legal)?;
        if self.history.first().map(Transition::at) != Some(self.created_at) {
            return Err(RecordError::Invariant {
                record: RecordKind::Lead,
                field: "created_at",
                problem: "differs from the time of the first history entry",
            });
        }
        let handoffs = self.history.iter().filter_map(|t| match t.evidence() {
            LeadEvidence::Reassigned(r) => Some(r.owner()),
            _ => None,
        });
        if !crate::edit::chained(handoffs, &self.owner) {
            return Err(RecordError::Invariant {
                record: RecordKind::Lead,
                field: "owner",
                problem: "differs from its history's hand-offs",
            });
        }
        self.custom
            .check(self.history.len(), self.erased)
            .map_err(|problem| RecordError::Custom {
                record: RecordKind::Lead,
                problem,
            })?;
        let entries = self.history.len() + self.custom.edits().len();
        self.relinks.check(RecordKind::Lead, self.contact, entries)
    }

    /// Reads a lead and validates it, whatever its state.
    pub(crate) fn deserialize_valid<'de, D: Deserializer<'de>>(d: D) -> Result<LeadData, D::Error> {
        let data = LeadData::deserialize(d)?;
        data.validate().map_err(serde::de::Error::custom)?;
        Ok(data)
    }
}
