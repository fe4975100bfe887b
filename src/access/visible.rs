//! [`Visible`]: a record as a principal may see it, its personal data redacted unless the policy
//! lets the principal read it.

use serde::{Serialize, Serializer};

use crate::kind::RecordKind;
use crate::record::{Record, RecordId, RecordState};
use crate::store::{Cursor, Unreadable, Version, Versioned};
use crate::text::User;

/// A record as a principal may see it, read through a facade ([`Crm::read`](crate::Crm::read),
/// [`Crm::list`](crate::Crm::list)). When the policy does not let the principal read its
/// personal data ([`Action::ReadPersonal`](super::Action::ReadPersonal)), it is **redacted**: a
/// contact's name, job title, email address and phone number and every record's free text
/// (summaries, notes, references, reasons' details) are [`ERASED_TEXT`](crate::ERASED_TEXT), by
/// the same functions an erasure uses, which name every field they keep (an allow-list: a new
/// field is hidden until its type says otherwise). A redacted record is never handed out as a
/// [`Record`]: it can be shown ([`Serialize`]: the [`RecordView`](crate::record::RecordView) with
/// `"version"` and `"redacted"`) but not written back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visible {
    record: Versioned<Record>,
    redacted: bool,
}

impl Visible {
    /// `record` as shown: whole, or redacted.
    pub(crate) fn new(record: Versioned<Record>, personal: bool) -> Visible {
        match personal {
            true => Visible {
                record,
                redacted: false,
            },
            false => Visible {
                record: record.map(|r| r.redacted()),
                redacted: true,
            },
        }
    }

    /// The record, when it is whole; `None` when its personal data is redacted.
    pub fn record(&self) -> Option<&Versioned<Record>> {
        (!self.redacted).then_some(&self.record)
    }

    /// The record, when it is whole, giving up the view.
    pub fn into_record(self) -> Option<Versioned<Record>> {
        (!self.redacted).then_some(self.record)
    }

    /// Whether its personal data is redacted.
    pub fn is_redacted(&self) -> bool {
        self.redacted
    }

    /// The record's id.
    pub fn id(&self) -> RecordId {
        self.record.value().id()
    }

    /// The record's kind.
    pub fn kind(&self) -> RecordKind {
        self.record.value().kind()
    }

    /// The record's kind and state.
    pub fn state(&self) -> RecordState {
        self.record.value().state()
    }

    /// The record's owner, if any.
    pub fn owner(&self) -> Option<&User> {
        self.record.value().owner()
    }

    /// The record's version.
    pub fn version(&self) -> Version {
        self.record.version()
    }
}

impl Serialize for Visible {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shown<'a> {
            version: Version,
            redacted: bool,
            #[serde(flatten)]
            record: crate::record::RecordView<'a>,
        }
        Shown {
            version: self.record.version(),
            redacted: self.redacted,
            record: self.record.value().view(),
        }
        .serialize(s)
    }
}

/// A page of a principal's listing ([`Crm::list`](crate::Crm::list)): what the policy lets
/// them see, in ascending id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisiblePage {
    /// The records, in ascending id order.
    pub records: Vec<Visible>,
    /// The rows of this page that could not be read (their ids only: the listing went on).
    pub unreadable: Vec<Unreadable>,
    /// Where to continue, or `None` when no record followed this page when it was read.
    pub next: Option<Cursor>,
}
