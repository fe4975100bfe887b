//! The custom fields of any record: read from a [`Record`], and written through the typed
//! records that hold them ([`HasCustomFields`]).

use super::{AnyLead, AnyOpportunity, Record, Snapshot};
use crate::account::Account;
use crate::activity::Activity;
use crate::contact::Contact;
use crate::custom::CustomFields;
use crate::kind::RecordKind;
use crate::lead::Lead;
use crate::money::Currency;
use crate::opportunity::Opportunity;
use crate::organization::Organization;
use crate::state::{LeadState, OpportunityState};
use crate::task::Task;

impl Record {
    /// The record's custom fields; `None` for the schema's own record, which has none.
    pub fn custom_fields(&self) -> Option<&CustomFields> {
        match self {
            Record::Contact(c) => Some(c.custom_fields()),
            Record::Lead(l) => Some(l.custom_fields()),
            Record::Opportunity(o) => Some(o.custom_fields()),
            Record::Account(a) => Some(a.custom_fields()),
            Record::Activity(a) => Some(a.custom_fields()),
            Record::Task(t) => Some(t.custom_fields()),
            Record::Organization(o) => Some(o.custom_fields()),
            Record::FieldSchema(_) => None,
        }
    }

    /// How many entries the record's own history has (its custom field edits apart).
    pub(crate) fn own_entries(&self) -> usize {
        match self {
            Record::Contact(c) => c.own_entries(),
            Record::Lead(l) => l.history().len(),
            Record::Opportunity(o) => o.history().len(),
            Record::Account(a) => a.own_entries(),
            Record::Activity(a) => a.own_entries(),
            Record::Task(t) => t.own_entries(),
            Record::Organization(o) => o.own_entries(),
            Record::FieldSchema(s) => s.history().len(),
        }
    }

    /// The same record with `custom` as its custom fields (the schema's record, which has
    /// none, unchanged): for the strategies.
    #[cfg(feature = "proptest")]
    pub(crate) fn with_custom_fields(self, custom: CustomFields) -> Record {
        use sealed::Fields as _;
        match self {
            Record::Contact(c) => Record::Contact(c.with_custom_fields(custom)),
            Record::Lead(l) => Record::Lead(l.with_custom_fields(custom)),
            Record::Opportunity(o) => Record::Opportunity(o.with_custom_fields(custom)),
            Record::Account(a) => Record::Account(a.with_custom_fields(custom)),
            Record::Activity(a) => Record::Activity(a.with_custom_fields(custom)),
            Record::Task(t) => Record::Task(t.with_custom_fields(custom)),
            Record::Organization(o) => Record::Organization(o.with_custom_fields(custom)),
            Record::FieldSchema(s) => Record::FieldSchema(s),
        }
    }

    /// The currency the record's money fields are in: an opportunity's; `None` (any) for the
    /// others.
    pub(crate) fn currency(&self) -> Option<Currency> {
        match self {
            Record::Opportunity(o) => Some(o.amount().currency()),
            _ => None,
        }
    }
}

pub(crate) mod sealed {
    use crate::custom::CustomFields;
    use crate::record::Record;

    /// What the facade needs of a typed record to write its custom fields.
    pub trait Fields: Sized {
        /// The same record with `custom` as its custom fields.
        fn with_custom_fields(self, custom: CustomFields) -> Self;
        /// The record as stored (sharing its data).
        fn to_record(&self) -> Record;
    }
}

/// A typed record that holds custom fields: a [`Contact`], an [`Organization`], a [`Lead`] and
/// an [`Opportunity`] in any state (typed, or as an [`AnyLead`] or [`AnyOpportunity`]), an
/// [`Account`], a [`Task`] and an [`Activity`]: what
/// [`Crm::set_fields`](crate::Crm::set_fields) takes. Sealed.
pub trait HasCustomFields: sealed::Fields + Send + 'static {
    /// The kind of record.
    const KIND: RecordKind;

    /// Its custom fields.
    fn fields(&self) -> &CustomFields;

    /// Its id, as any record's.
    fn record_id(&self) -> crate::id::RecordId {
        self.to_record().id()
    }
}

/// The two impls of a kind of record whose type has no state parameter.
macro_rules! has_custom_fields {
    ($($ty:ident),+ $(,)?) => {$(
        impl sealed::Fields for $ty {
            fn with_custom_fields(self, custom: CustomFields) -> Self {
                $ty::with_custom_fields(self, custom)
            }
            fn to_record(&self) -> Record {
                Snapshot::snapshot(self)
            }
        }

        impl HasCustomFields for $ty {
            const KIND: RecordKind = RecordKind::$ty;
            fn fields(&self) -> &CustomFields {
                self.custom_fields()
            }
        }
    )+};
}

has_custom_fields!(Contact, Organization, Account, Task, Activity);

impl<S: LeadState> sealed::Fields for Lead<S> {
    fn with_custom_fields(self, custom: CustomFields) -> Self {
        Lead::with_custom_fields(self, custom)
    }
    fn to_record(&self) -> Record {
        Snapshot::snapshot(self)
    }
}

impl<S: LeadState> HasCustomFields for Lead<S> {
    const KIND: RecordKind = RecordKind::Lead;
    fn fields(&self) -> &CustomFields {
        self.custom_fields()
    }
}

impl<S: OpportunityState> sealed::Fields for Opportunity<S> {
    fn with_custom_fields(self, custom: CustomFields) -> Self {
        Opportunity::with_custom_fields(self, custom)
    }
    fn to_record(&self) -> Record {
        Snapshot::snapshot(self)
    }
}

impl<S: OpportunityState> HasCustomFields for Opportunity<S> {
    const KIND: RecordKind = RecordKind::Opportunity;
    fn fields(&self) -> &CustomFields {
        self.custom_fields()
    }
}

impl sealed::Fields for AnyLead {
    fn with_custom_fields(self, custom: CustomFields) -> Self {
        match self {
            AnyLead::New(l) => AnyLead::New(l.with_custom_fields(custom)),
            AnyLead::Working(l) => AnyLead::Working(l.with_custom_fields(custom)),
            AnyLead::Nurturing(l) => AnyLead::Nurturing(l.with_custom_fields(custom)),
            AnyLead::Converted(l) => AnyLead::Converted(l.with_custom_fields(custom)),
            AnyLead::Disqualified(l) => AnyLead::Disqualified(l.with_custom_fields(custom)),
        }
    }
    fn to_record(&self) -> Record {
        Record::Lead(self.clone())
    }
}

/// A lead whatever its state (as a command or a listing reads it).
impl HasCustomFields for AnyLead {
    const KIND: RecordKind = RecordKind::Lead;
    fn fields(&self) -> &CustomFields {
        self.custom_fields()
    }
}

impl sealed::Fields for AnyOpportunity {
    fn with_custom_fields(self, custom: CustomFields) -> Self {
        use AnyOpportunity as O;
        match self {
            O::Discovery(o) => O::Discovery(o.with_custom_fields(custom)),
            O::Proposal(o) => O::Proposal(o.with_custom_fields(custom)),
            O::Negotiation(o) => O::Negotiation(o.with_custom_fields(custom)),
            O::Contracting(o) => O::Contracting(o.with_custom_fields(custom)),
            O::Won(o) => O::Won(o.with_custom_fields(custom)),
            O::Lost(o) => O::Lost(o.with_custom_fields(custom)),
        }
    }
    fn to_record(&self) -> Record {
        Record::Opportunity(self.clone())
    }
}

/// An opportunity whatever its stage (as a command or a listing reads it).
impl HasCustomFields for AnyOpportunity {
    const KIND: RecordKind = RecordKind::Opportunity;
    fn fields(&self) -> &CustomFields {
        self.custom_fields()
    }
}
