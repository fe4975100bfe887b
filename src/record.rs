//! Records as stored and read back: values whose state is known only at run time
//! ([`AnyLead`], [`AnyOpportunity`], [`Record`]), the way back to typed states (`TryFrom`,
//! failing with a [`StateError`]), and what reading a stored record can fail with
//! ([`RecordError`]).
//!
//! A store holds and returns [`Record`]s; [`Crm`](crate::Crm) and
//! [`Store::load`](crate::store::Store::load) turn them into the typed values of the crate root.
//! Every record is serialised with its [`RECORD_FORMAT`], and deserialising one validates it:
//! a record that breaks an invariant the typed API keeps is refused.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::account::Account;
use crate::activity::{Activity, Regarding};
use crate::contact::Contact;
use crate::email::EmailAddress;
pub use crate::error::RecordError;
use crate::fields::SchemaRecord;
pub use crate::format::RECORD_FORMAT;
pub use crate::id::RecordId;
use crate::id::{ContactId, OrganizationId};
pub use crate::kind::RecordKind;
pub use crate::lead::AnyLead;
use crate::lead::Lead;
pub use crate::opportunity::AnyOpportunity;
use crate::opportunity::Opportunity;
use crate::organization::Organization;
use crate::state::{LeadState, LeadStatus, OpportunityStage, OpportunityState};
use crate::task::{Task, TaskStatus};
use crate::text::User;

mod custom;

pub use custom::HasCustomFields;

/// The kind and the state of a record, known at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordState {
    /// A contact (contacts have no states).
    Contact,
    /// A lead in this status.
    Lead(LeadStatus),
    /// An opportunity in this stage.
    Opportunity(OpportunityStage),
    /// An account (accounts have no states).
    Account,
    /// An activity (activities have no states).
    Activity,
    /// A task in this status.
    Task(TaskStatus),
    /// An organization (organizations have no states).
    Organization,
    /// The field schema (it has no states).
    FieldSchema,
}

impl RecordState {
    /// Every state of `kind`, in order.
    pub fn all_of(kind: RecordKind) -> impl Iterator<Item = RecordState> {
        let states: Vec<RecordState> = match kind {
            RecordKind::Contact => vec![RecordState::Contact],
            RecordKind::Lead => LeadStatus::ALL.map(RecordState::Lead).to_vec(),
            RecordKind::Opportunity => OpportunityStage::ALL.map(RecordState::Opportunity).to_vec(),
            RecordKind::Account => vec![RecordState::Account],
            RecordKind::Activity => vec![RecordState::Activity],
            RecordKind::Task => TaskStatus::ALL.map(RecordState::Task).to_vec(),
            RecordKind::Organization => vec![RecordState::Organization],
            RecordKind::FieldSchema => vec![RecordState::FieldSchema],
        };
        states.into_iter()
    }

    /// Whether a record in this state is open: a lead new, being worked or nurtured; an
    /// opportunity in an open stage; an open task; any contact, account or activity (they have
    /// no closed state).
    pub fn is_open(self) -> bool {
        match self {
            RecordState::Lead(s) => s.is_open(),
            RecordState::Opportunity(s) => s.is_open(),
            RecordState::Task(s) => s == TaskStatus::Open,
            RecordState::Organization | RecordState::FieldSchema => true,
            RecordState::Contact | RecordState::Account | RecordState::Activity => true,
        }
    }

    /// A short, stable key for storing and indexing the state: `contact`, `lead/new`, ...,
    /// `opportunity/won`, `account`, `activity`, `task/open`, `task/done`, `task/cancelled`.
    pub fn key(self) -> &'static str {
        match self {
            RecordState::Contact => "contact",
            RecordState::Lead(s) => match s {
                LeadStatus::New => "lead/new",
                LeadStatus::Working => "lead/working",
                LeadStatus::Nurturing => "lead/nurturing",
                LeadStatus::Converted => "lead/converted",
                LeadStatus::Disqualified => "lead/disqualified",
            },
            RecordState::Opportunity(s) => match s {
                OpportunityStage::Discovery => "opportunity/discovery",
                OpportunityStage::Proposal => "opportunity/proposal",
                OpportunityStage::Negotiation => "opportunity/negotiation",
                OpportunityStage::Contracting => "opportunity/contracting",
                OpportunityStage::Won => "opportunity/won",
                OpportunityStage::Lost => "opportunity/lost",
            },
            RecordState::Account => "account",
            RecordState::Activity => "activity",
            RecordState::Task(TaskStatus::Open) => "task/open",
            RecordState::Task(TaskStatus::Done) => "task/done",
            RecordState::Task(TaskStatus::Cancelled) => "task/cancelled",
            RecordState::Organization => "organization",
            RecordState::FieldSchema => "field_schema",
        }
    }

    /// The kind of record.
    pub fn kind(self) -> RecordKind {
        match self {
            RecordState::Contact => RecordKind::Contact,
            RecordState::Lead(_) => RecordKind::Lead,
            RecordState::Opportunity(_) => RecordKind::Opportunity,
            RecordState::Account => RecordKind::Account,
            RecordState::Activity => RecordKind::Activity,
            RecordState::Task(_) => RecordKind::Task,
            RecordState::Organization => RecordKind::Organization,
            RecordState::FieldSchema => RecordKind::FieldSchema,
        }
    }
}

impl fmt::Display for RecordState {
    /// `contact`, `lead (working)`, `opportunity (won)`, `account`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordState::Contact => f.write_str("contact"),
            RecordState::Lead(s) => write!(f, "lead ({s})"),
            RecordState::Opportunity(s) => write!(f, "opportunity ({s})"),
            RecordState::Account => f.write_str("account"),
            RecordState::Activity => f.write_str("activity"),
            RecordState::Task(s) => write!(f, "task ({s})"),
            RecordState::Organization => f.write_str("organization"),
            RecordState::FieldSchema => f.write_str("field schema"),
        }
    }
}

impl From<Regarding> for RecordId {
    fn from(regarding: Regarding) -> RecordId {
        match regarding {
            Regarding::Contact(id) => RecordId::Contact(id),
            Regarding::Lead(id) => RecordId::Lead(id),
            Regarding::Opportunity(id) => RecordId::Opportunity(id),
        }
    }
}

/// What a failed conversion to a typed value, or a step, expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Expected {
    /// Any record of this kind.
    Kind(RecordKind),
    /// A record in this state.
    State(RecordState),
    /// A record in one of these states (a step that several states allow).
    OneOf(&'static [RecordState]),
}

impl fmt::Display for Expected {
    /// `lead`, `lead (working)`, `contact, lead (new) or lead (working)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Kind(k) => write!(f, "{k}"),
            Expected::State(s) => write!(f, "{s}"),
            Expected::OneOf(states) => {
                for (i, s) in states.iter().enumerate() {
                    let separator = match states.len() - i {
                        _ if i == 0 => "",
                        1 => " or ",
                        _ => ", ",
                    };
                    write!(f, "{separator}{s}")?;
                }
                Ok(())
            }
        }
    }
}

/// A record was not of the kind or in the state a typed value requires. The record is given
/// back by [`into_inner`](StateError::into_inner), so another state can be tried.
///
/// ```
/// use prospect::{record::AnyLead, Lead, state::Working};
/// # fn demo(any: AnyLead) {
/// match Lead::<Working>::try_from(any) {
///     Ok(working) => { /* log a touch, qualify, ... */ }
///     Err(e) => eprintln!("{e}"), // "expected lead (working), found lead (new)"
/// }
/// # }
/// ```
pub struct StateError<T> {
    expected: Expected,
    found: RecordState,
    value: Box<T>,
}

impl<T> StateError<T> {
    /// What was expected.
    pub fn expected(&self) -> Expected {
        self.expected
    }

    /// What was found.
    pub fn found(&self) -> RecordState {
        self.found
    }

    /// The record, untouched.
    pub fn into_inner(self) -> T {
        *self.value
    }
}

impl<T> fmt::Debug for StateError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateError")
            .field("expected", &self.expected)
            .field("found", &self.found)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for StateError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

impl<T> std::error::Error for StateError<T> {}

impl<S: LeadState> TryFrom<AnyLead> for Lead<S> {
    type Error = StateError<AnyLead>;
    fn try_from(any: AnyLead) -> Result<Lead<S>, StateError<AnyLead>> {
        S::from_any(any).map_err(|any| StateError {
            expected: Expected::State(RecordState::Lead(S::STATUS)),
            found: RecordState::Lead(any.status()),
            value: Box::new(any),
        })
    }
}

impl<S: OpportunityState> TryFrom<AnyOpportunity> for Opportunity<S> {
    type Error = StateError<AnyOpportunity>;
    fn try_from(any: AnyOpportunity) -> Result<Opportunity<S>, StateError<AnyOpportunity>> {
        S::from_any(any).map_err(|any| StateError {
            expected: Expected::State(RecordState::Opportunity(S::STAGE)),
            found: RecordState::Opportunity(any.stage()),
            value: Box::new(any),
        })
    }
}

/// Any record: what storage holds and hands back. Serialised with a `"type"` field naming the
/// kind beside the record's own fields; reading one validates it like its typed form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A contact (contacts have no states).
    Contact(Contact),
    /// A lead, in any state.
    Lead(AnyLead),
    /// An opportunity, in any stage.
    Opportunity(AnyOpportunity),
    /// An account (accounts have no states).
    Account(Account),
    /// An activity (activities have no states).
    Activity(Activity),
    /// A task, open, done or cancelled.
    Task(Task),
    /// An organization.
    Organization(Organization),
    /// The field schema of the store's custom fields.
    FieldSchema(SchemaRecord),
}

impl Record {
    /// The record's id, with its kind.
    pub fn id(&self) -> RecordId {
        match self {
            Record::Contact(c) => RecordId::Contact(c.id()),
            Record::Lead(l) => RecordId::Lead(l.id()),
            Record::Opportunity(o) => RecordId::Opportunity(o.id()),
            Record::Account(a) => RecordId::Account(a.id()),
            Record::Activity(a) => RecordId::Activity(a.id()),
            Record::Task(t) => RecordId::Task(t.id()),
            Record::Organization(o) => RecordId::Organization(o.id()),
            Record::FieldSchema(s) => RecordId::FieldSchema(s.id()),
        }
    }

    /// The kind of record.
    pub fn kind(&self) -> RecordKind {
        self.state().kind()
    }

    /// The kind and state of the record.
    pub fn state(&self) -> RecordState {
        match self {
            Record::Contact(_) => RecordState::Contact,
            Record::Lead(l) => RecordState::Lead(l.status()),
            Record::Opportunity(o) => RecordState::Opportunity(o.stage()),
            Record::Account(_) => RecordState::Account,
            Record::Activity(_) => RecordState::Activity,
            Record::Task(t) => RecordState::Task(t.status()),
            Record::Organization(_) => RecordState::Organization,
            Record::FieldSchema(_) => RecordState::FieldSchema,
        }
    }

    /// Checks every invariant that reading the record back checks (its history against the
    /// transition table, its state against its history, amounts, ...): `Ok` for every record the
    /// typed API builds. A store that keeps records in memory can check what it holds without
    /// serialising it.
    ///
    /// # Errors
    ///
    /// The first broken invariant.
    pub fn validate(&self) -> Result<(), RecordError> {
        match self {
            Record::Contact(c) => c.validate(),
            Record::Lead(l) => l.data().validate(),
            Record::Opportunity(o) => o.data().validate_current(),
            Record::Account(a) => a.check(),
            Record::Activity(a) => a.check(),
            Record::Task(t) => t.check(),
            Record::Organization(o) => o.validate(),
            // Checked when read: its history replays to its schema, which only the changes
            // of `SchemaRecord` build.
            Record::FieldSchema(_) => Ok(()),
        }
    }

    /// The email address of a contact, which stores index (normalised) to find duplicates;
    /// `None` for other records, and for a contact merged into another
    /// ([`Contact::merged_into`](crate::Contact::merged_into)): its survivor is the one found.
    pub fn email(&self) -> Option<&EmailAddress> {
        match self {
            Record::Contact(c) if c.merged_into().is_none() => c.email(),
            _ => None,
        }
    }

    /// The record an activity or a task is about, which stores index to list a record's
    /// activities and tasks; `None` for other records.
    pub fn regarding(&self) -> Option<RecordId> {
        match self {
            Record::Activity(a) => Some(a.regarding().into()),
            Record::Task(t) => Some(t.regarding().into()),
            _ => None,
        }
    }

    /// The contact the record is of, which stores index to find a contact's records without
    /// scanning: a lead's or an opportunity's contact, an account's primary contact, the
    /// contact an activity or a task is about (directly or through its lead or opportunity);
    /// `None` for a contact. Only a merge of contacts changes it (an entry of the record's
    /// history, [`Record::relinks`]).
    pub fn contact(&self) -> Option<ContactId> {
        match self {
            Record::Contact(_) => None,
            Record::Lead(l) => Some(l.contact()),
            Record::Opportunity(o) => Some(o.contact()),
            Record::Account(a) => Some(a.primary_contact()),
            Record::Activity(a) => Some(a.contact()),
            Record::Task(t) => Some(t.contact()),
            Record::Organization(_) | Record::FieldSchema(_) => None,
        }
    }

    /// The merges that moved the record from one contact to another, oldest first: entries of
    /// its history ([`merge`](crate::merge)); none for a contact (whose merges are
    /// corrections), an organization or the schema.
    pub fn relinks(&self) -> &[crate::relink::Relink] {
        match self {
            Record::Lead(l) => l.relinks(),
            Record::Opportunity(o) => o.relinks(),
            Record::Account(a) => a.relinks(),
            Record::Activity(a) => a.relinks(),
            Record::Task(t) => t.relinks(),
            Record::Contact(_) | Record::Organization(_) | Record::FieldSchema(_) => &[],
        }
    }

    /// The same record moved to contact `to` by a merge or its undo (`None` for a record that
    /// has no contact).
    pub(crate) fn relinked(&self, step: &crate::relink::Step<'_>, to: ContactId) -> Option<Record> {
        Some(match self {
            Record::Lead(l) => Record::Lead(l.relinked(step, to)),
            Record::Opportunity(o) => Record::Opportunity(o.relinked(step, to)),
            Record::Account(a) => Record::Account(a.clone().relinked(step, to)),
            Record::Activity(a) => Record::Activity(a.clone().relinked(step, to)),
            Record::Task(t) => Record::Task(t.clone().relinked(step, to)),
            Record::Contact(_) | Record::Organization(_) | Record::FieldSchema(_) => return None,
        })
    }

    /// When the record was created: a contact's, lead's, opportunity's or task's creation, an
    /// account's first win, an activity's logging. Stores index it to list records created in
    /// a period ([`Query::created_between`](crate::store::Query::created_between)).
    pub fn created_at(&self) -> DateTime<Utc> {
        match self {
            Record::Contact(c) => c.created_at(),
            Record::Lead(l) => l.created_at(),
            Record::Opportunity(o) => o.created_at(),
            Record::Account(a) => a.customer_since(),
            Record::Activity(a) => a.logged_at(),
            Record::Task(t) => t.created_at(),
            Record::Organization(o) => o.created_at(),
            Record::FieldSchema(s) => s.created_at(),
        }
    }

    /// An opportunity's expected close; `None` for other records. Stores index it to list the
    /// opportunities expected to close in a period
    /// ([`Query::closing_between`](crate::store::Query::closing_between)).
    pub fn expected_close(&self) -> Option<NaiveDate> {
        match self {
            Record::Opportunity(o) => Some(o.expected_close()),
            _ => None,
        }
    }

    /// The web domains of an organization, which stores index to find duplicates; empty for
    /// other records, and for an organization merged into another
    /// ([`Organization::merged_into`](crate::Organization::merged_into)): its survivor holds
    /// them and is the one found.
    pub fn domains(&self) -> &[crate::organization::Domain] {
        match self {
            Record::Organization(o) if o.is_findable() => o.domains(),
            _ => &[],
        }
    }

    /// The organization a contact belongs to, or an account is, which stores index to list an
    /// organization's contacts and account
    /// ([`Query::of_organization`](crate::store::Query::of_organization)); `None` for other
    /// records.
    pub fn organization(&self) -> Option<OrganizationId> {
        match self {
            Record::Contact(c) => c.organization(),
            Record::Account(a) => a.organization(),
            _ => None,
        }
    }

    /// The user who owns the record, if any.
    pub fn owner(&self) -> Option<&User> {
        match self {
            Record::Contact(c) => c.owner(),
            Record::Lead(l) => l.owner(),
            Record::Opportunity(o) => o.owner(),
            Record::Account(a) => a.owner(),
            Record::Activity(a) => Some(a.by()),
            Record::Task(t) => Some(t.owner()),
            Record::Organization(o) => o.owner(),
            Record::FieldSchema(_) => None,
        }
    }
}

impl Record {
    /// The same record with its personal data redacted, by the functions an erasure uses: a
    /// contact's name, job title, email address and phone, and every record's free text become
    /// [`ERASED_TEXT`](crate::ERASED_TEXT); ids, states, amounts, dates and owners stay. An
    /// organization holds no personal data.
    pub(crate) fn redacted(&self) -> Record {
        match self {
            Record::Contact(c) => Record::Contact(c.redacted()),
            Record::Lead(l) => Record::Lead(l.redacted()),
            Record::Opportunity(o) => Record::Opportunity(o.redacted()),
            Record::Account(a) => Record::Account(a.redacted()),
            Record::Activity(a) => Record::Activity(a.redacted()),
            Record::Task(t) => Record::Task(t.redacted()),
            Record::Organization(o) => Record::Organization(o.clone()),
            Record::FieldSchema(s) => Record::FieldSchema(s.clone()),
        }
    }
}

macro_rules! into_record {
    ($($ty:ty => $variant:ident),+) => {$(
        impl From<$ty> for Record {
            fn from(value: $ty) -> Record {
                Record::$variant(value)
            }
        }
    )+};
}
into_record!(Contact => Contact, AnyLead => Lead, AnyOpportunity => Opportunity, Account => Account, Activity => Activity, Task => Task, Organization => Organization, SchemaRecord => FieldSchema);

/// A snapshot of a value as a [`Record`], leaving the value where it is: how the facade puts a
/// copy of a linear value into a batch while handing the value itself back to its caller.
/// Crate-private, so that no public path duplicates a typed value.
pub(crate) trait Snapshot {
    fn snapshot(&self) -> Record;
}

impl Snapshot for Contact {
    fn snapshot(&self) -> Record {
        Record::Contact(self.clone())
    }
}

impl Snapshot for Account {
    fn snapshot(&self) -> Record {
        Record::Account(self.clone())
    }
}

impl Snapshot for Organization {
    fn snapshot(&self) -> Record {
        Record::Organization(self.clone())
    }
}

impl Snapshot for Task {
    fn snapshot(&self) -> Record {
        Record::Task(self.clone())
    }
}

impl Snapshot for Activity {
    fn snapshot(&self) -> Record {
        Record::Activity(self.clone())
    }
}

impl<S: LeadState> Snapshot for Lead<S> {
    fn snapshot(&self) -> Record {
        Record::Lead(self.duplicate().into())
    }
}

impl<S: OpportunityState> Snapshot for Opportunity<S> {
    fn snapshot(&self) -> Record {
        Record::Opportunity(self.duplicate().into())
    }
}

impl<S: LeadState> From<Lead<S>> for Record {
    fn from(lead: Lead<S>) -> Record {
        Record::Lead(lead.into())
    }
}

impl<S: OpportunityState> From<Opportunity<S>> for Record {
    fn from(opportunity: Opportunity<S>) -> Record {
        Record::Opportunity(opportunity.into())
    }
}

macro_rules! record_into {
    ($($ty:ty => $variant:ident),+) => {$(
        impl TryFrom<Record> for $ty {
            type Error = StateError<Record>;
            fn try_from(record: Record) -> Result<$ty, StateError<Record>> {
                match record {
                    Record::$variant(value) => Ok(value),
                    other => Err(StateError {
                        expected: Expected::Kind(RecordKind::$variant),
                        found: other.state(),
                        value: Box::new(other),
                    }),
                }
            }
        }
    )+};
}
record_into!(Contact => Contact, AnyLead => Lead, AnyOpportunity => Opportunity, Account => Account, Activity => Activity, Task => Task, Organization => Organization);

impl<S: LeadState> TryFrom<Record> for Lead<S> {
    type Error = StateError<Record>;
    fn try_from(record: Record) -> Result<Lead<S>, StateError<Record>> {
        let found = record.state();
        let refuse = |record| StateError {
            expected: Expected::State(RecordState::Lead(S::STATUS)),
            found,
            value: Box::new(record),
        };
        match record {
            Record::Lead(any) => {
                Lead::try_from(any).map_err(|e| refuse(Record::Lead(e.into_inner())))
            }
            other => Err(refuse(other)),
        }
    }
}

impl<S: OpportunityState> TryFrom<Record> for Opportunity<S> {
    type Error = StateError<Record>;
    fn try_from(record: Record) -> Result<Opportunity<S>, StateError<Record>> {
        let found = record.state();
        let refuse = |record| StateError {
            expected: Expected::State(RecordState::Opportunity(S::STAGE)),
            found,
            value: Box::new(record),
        };
        match record {
            Record::Opportunity(any) => {
                Opportunity::try_from(any).map_err(|e| refuse(Record::Opportunity(e.into_inner())))
            }
            other => Err(refuse(other)),
        }
    }
}

/// A record as an API shows it: its stored form, tagged with `"type"` like [`Record`] whatever
/// the kind, and for an opportunity an `"effective"` object with what derives from its stage
/// and overrides: `probability` (percent), `forecast_category` and `weighted_amount` (the
/// amount at that probability, a [`Money`](crate::Money)). A record with custom fields has a
/// `"custom"` object ([`CustomFields`](crate::fields::CustomFields)): `values` by key (each
/// `{"type": ..., "value": ...}`, its keys and types the field schema's), `edits` (each write,
/// with the values before and after), `personal` (the keys holding personal data) and the
/// schema versions they were written under; a record without has none.
///
/// The same shape for every kind, whether the record came as a [`Record`] or as a typed or
/// dynamic value turned into one (`Record::from(any_lead)`); `tests/it/fixtures/records.json`
/// holds a sample of every kind, which a test keeps in step with the code.
///
/// ```
/// # use prospect::*;
/// # use prospect::record::Record;
/// # let ctx = Context::system(User::new("claire")?);
/// # let contact = Contact::create(ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Web), &ctx);
/// # let lead = Lead::open(&contact, Interest::new(Summary::new("A CRM")?, BuyingRole::User), &ctx)
/// #     .log_touch(Touch::new(Channel::Call, Summary::new("Call")?), &ctx);
/// # let today = ctx.today();
/// # let qualification = Qualification::builder()
/// #     .need(Need::new(Summary::new("Seats")?, vec![Requirement::new("40 seats")?])?)
/// #     .budget(Budget::new(Money::parse("30000", Currency::EUR)?)?)
/// #     .timeline(Timeline::new(today + chrono::Days::new(60), today, &HorizonPolicy::default())?)
/// #     .build();
/// # let (_, opportunity) = lead.qualify(qualification, &ctx).map_err(|e| e.cause().clone())?;
/// let record = Record::from(opportunity);
/// let json = serde_json::to_value(record.view())?;
/// assert_eq!(json["type"], "opportunity");
/// assert_eq!(json["stage"], "discovery");
/// assert_eq!(json["effective"]["probability"], 20);
/// assert_eq!(json["effective"]["forecast_category"], "pipeline");
/// assert_eq!(json["effective"]["weighted_amount"]["minor"], 600_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RecordView<'a> {
    #[serde(flatten)]
    record: &'a Record,
    #[serde(skip_serializing_if = "Option::is_none")]
    effective: Option<Effective>,
}

/// What derives from an opportunity's stage and overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct Effective {
    probability: crate::forecast::Probability,
    forecast_category: crate::forecast::ForecastCategory,
    weighted_amount: crate::money::Money,
}

impl Record {
    /// The record as an API shows it: see [`RecordView`].
    pub fn view(&self) -> RecordView<'_> {
        let effective = match self {
            Record::Opportunity(o) => Some(Effective {
                probability: o.probability(),
                forecast_category: o.forecast_category(),
                weighted_amount: o.weighted_amount(),
            }),
            _ => None,
        };
        RecordView {
            record: self,
            effective,
        }
    }
}
