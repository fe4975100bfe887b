//! [`Query`]: which records a listing returns (public path `store::Query`).

use chrono::{DateTime, NaiveDate, Utc};

use super::FieldMatch;
use crate::custom::FieldKey;
use crate::duplicates::DuplicateKey;
use crate::id::{ContactId, OrganizationId};
use crate::record::{Record, RecordId, RecordKind, RecordState};
use crate::text::User;

/// Which records to [`list`](super::Store::list): a kind, and any of the filters below, all of
/// which a record must pass.
///
/// Every filter, with its bounds, as an adapter must apply it (and as [`Query::matches`] does):
///
/// | filter | set by | a record matches when |
/// |---|---|---|
/// | kind | [`of_kind`](Query::of_kind) (every query has one) | [`Record::kind`] is it |
/// | states | [`in_state`](Query::in_state), [`in_any_state`](Query::in_any_state), [`open`](Query::open), [`open_tasks_about`](Query::open_tasks_about) | [`Record::state`] is one of them; an **empty** list matches nothing (not everything) |
/// | owner | [`owned_by`](Query::owned_by) | [`Record::owner`] is that user; a record nobody owns never matches |
/// | unowned | [`unowned`](Query::unowned) | [`Record::owner`] is `None` (`owned_by` and `unowned` replace each other) |
/// | regarding | [`activities_about`](Query::activities_about), [`tasks_about`](Query::tasks_about) | [`Record::regarding`] is that record |
/// | contact | [`of_contact`](Query::of_contact) | [`Record::contact`] is that contact |
/// | organization | [`of_organization`](Query::of_organization) | [`Record::organization`] is that organization |
/// | created | [`created_between(from, until)`](Query::created_between) | `from <= `[`Record::created_at`]` < until` (the end excluded) |
/// | closing | [`closing_between(first, last)`](Query::closing_between) | [`Record::expected_close`] is a day from `first` to `last`, **both included**; a record without one never matches |
/// | fields | [`with_field(key, match)`](Query::with_field), once per field asked about | for each, the record's custom value of `key` matches as [`FieldMatch`] says (a picklist option, a boolean, a date range with both days included, a reference); a record without a value never matches |
/// | duplicate key | [`with_duplicate_key`](Query::with_duplicate_key) | the key is one of [`Record::duplicate_keys`] (byte for byte: [`DuplicateKey::as_str`]) |
///
/// Records come in ascending id order whatever the filters.
///
/// ```
/// use prospect::{state::LeadStatus, store::Query, record::RecordKind, record::RecordState, User};
/// let mine = Query::in_state(RecordState::Lead(LeadStatus::Working)).owned_by(User::new("claire")?);
/// assert_eq!(mine.kind(), RecordKind::Lead);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    kind: RecordKind,
    /// The states a record may be in (`None`: any).
    states: Option<Vec<RecordState>>,
    owner: Option<User>,
    unowned: bool,
    regarding: Option<RecordId>,
    contact: Option<ContactId>,
    organization: Option<OrganizationId>,
    /// Created at or after the first, before the second.
    created: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Expected to close on or after the first day, on or before the second.
    closing: Option<(NaiveDate, NaiveDate)>,
    /// Custom fields and what their values must match, in the order given.
    fields: Vec<(FieldKey, FieldMatch)>,
    /// A key for finding duplicates that the record must have.
    duplicate_key: Option<DuplicateKey>,
}

impl Query {
    /// Every record of `kind`.
    pub fn of_kind(kind: RecordKind) -> Query {
        Query {
            kind,
            states: None,
            owner: None,
            unowned: false,
            regarding: None,
            contact: None,
            organization: None,
            created: None,
            closing: None,
            fields: Vec::new(),
            duplicate_key: None,
        }
    }

    /// Every record in `state` (and so of its kind).
    pub fn in_state(state: RecordState) -> Query {
        Query {
            states: Some(vec![state]),
            ..Query::of_kind(state.kind())
        }
    }

    /// Every record of `kind` in any of `states`. A state of another kind matches nothing.
    ///
    /// ```
    /// use prospect::record::{RecordKind, RecordState};
    /// use prospect::state::LeadStatus;
    /// use prospect::store::Query;
    /// let worked = Query::in_any_state(
    ///     RecordKind::Lead,
    ///     [LeadStatus::Working, LeadStatus::Nurturing].map(RecordState::Lead),
    /// );
    /// assert_eq!(worked.states().map(<[_]>::len), Some(2));
    /// ```
    pub fn in_any_state(kind: RecordKind, states: impl IntoIterator<Item = RecordState>) -> Query {
        let mut states: Vec<RecordState> =
            states.into_iter().filter(|s| s.kind() == kind).collect();
        states.sort_unstable();
        states.dedup();
        Query {
            states: Some(states),
            ..Query::of_kind(kind)
        }
    }

    /// The open records of `kind`: leads new, being worked or nurtured; opportunities in an
    /// open stage; open tasks; every contact, account and activity (they have no closed state).
    pub fn open(kind: RecordKind) -> Query {
        Query::in_any_state(kind, RecordState::all_of(kind).filter(|s| s.is_open()))
    }

    /// The activities about `record`, in the order they were logged (their ids are time-ordered;
    /// an activity's `occurred_at` may be earlier than its logging).
    pub fn activities_about(record: impl Into<RecordId>) -> Query {
        Query {
            regarding: Some(record.into()),
            ..Query::of_kind(RecordKind::Activity)
        }
    }

    /// The same query, restricted to records owned by `owner`.
    pub fn owned_by(self, owner: User) -> Query {
        Query {
            owner: Some(owner),
            unowned: false,
            ..self
        }
    }

    /// The same query, restricted to records that nobody owns (a queue to assign from).
    pub fn unowned(self) -> Query {
        Query {
            owner: None,
            unowned: true,
            ..self
        }
    }

    /// Whether the query is restricted to records that nobody owns ([`unowned`](Self::unowned)).
    pub fn is_unowned(&self) -> bool {
        self.unowned
    }

    /// The same query, restricted to the records of `contact` ([`Record::contact`]): its
    /// leads, opportunities, accounts (of which it is the primary contact), activities or
    /// tasks. Found from an index, whatever the size of the store.
    ///
    /// ```
    /// use prospect::{record::RecordKind, store::Query, ContactId};
    /// # let contact = ContactId::from_uuid(prospect::uuid::Uuid::nil());
    /// let leads = Query::of_kind(RecordKind::Lead).of_contact(contact);
    /// assert_eq!(leads.contact(), Some(contact));
    /// ```
    pub fn of_contact(self, contact: ContactId) -> Query {
        Query {
            contact: Some(contact),
            ..self
        }
    }

    /// The same query, restricted to records created at `from` or later, and before `until`
    /// ([`Record::created_at`]).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use prospect::{record::RecordKind, store::Query};
    /// let january = Query::of_kind(RecordKind::Lead).created_between(
    ///     Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    ///     Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
    /// );
    /// assert!(january.created().is_some());
    /// ```
    pub fn created_between(self, from: DateTime<Utc>, until: DateTime<Utc>) -> Query {
        Query {
            created: Some((from, until)),
            ..self
        }
    }

    /// The same query, restricted to opportunities expected to close from `first` to `last`,
    /// both included ([`Record::expected_close`]). Other kinds have no expected close: none
    /// matches.
    pub fn closing_between(self, first: NaiveDate, last: NaiveDate) -> Query {
        Query {
            closing: Some((first, last)),
            ..self
        }
    }

    /// The same query, restricted to records whose custom field `key` has a value `matching`
    /// ([`FieldMatch`]); each call adds a field a record must match (a second match on the
    /// same field adds to the first: both must hold). Found from the store's index of field
    /// values, whatever the size of the store.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use prospect::fields::FieldKey;
    /// use prospect::{record::RecordKind, store::{FieldMatch, Query}};
    /// let renewals_in_march = Query::of_kind(RecordKind::Account)
    ///     .with_field(FieldKey::new("tier")?, FieldMatch::Picklist(FieldKey::new("gold")?))
    ///     .with_field(
    ///         FieldKey::new("renewal")?,
    ///         FieldMatch::DateBetween(
    ///             NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
    ///             NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
    ///         ),
    ///     );
    /// assert_eq!(renewals_in_march.fields().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_field(mut self, key: FieldKey, matching: FieldMatch) -> Query {
        self.fields.push((key, matching));
        self
    }

    /// The same query, restricted to records that have `key` among their
    /// [`duplicate_keys`](Record::duplicate_keys): the records a candidate search compares
    /// (see [`duplicates`](crate::duplicates)). Found from the store's index of duplicate keys,
    /// whatever the size of the store; a second call replaces the key.
    ///
    /// ```
    /// use prospect::{record::{Record, RecordKind}, store::Query, *};
    /// let ctx = Context::system(User::new("ann")?);
    /// let party = Party::person(PersonName::new("Ada Lovelace")?);
    /// let ada = Record::from(Contact::create(ContactDetails::new(party, LeadSource::Web), &ctx));
    /// let key = ada.duplicate_keys()[0].clone();
    /// let namesakes = Query::of_kind(RecordKind::Contact).with_duplicate_key(key);
    /// assert!(namesakes.matches(&ada));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_duplicate_key(self, key: DuplicateKey) -> Query {
        Query {
            duplicate_key: Some(key),
            ..self
        }
    }

    /// The duplicate key, if restricted to one ([`with_duplicate_key`](Self::with_duplicate_key)).
    pub fn duplicate_key(&self) -> Option<&DuplicateKey> {
        self.duplicate_key.as_ref()
    }

    /// The custom fields the query asks about, with their matches, in the order given.
    pub fn fields(&self) -> &[(FieldKey, FieldMatch)] {
        &self.fields
    }

    /// The position in [`fields`](Self::fields) of the field whose index a store reads first:
    /// the first asked for one term (its records come in id order, so a page stops after its
    /// limit), else the first (a range of dates). `None` when the query asks about no field.
    ///
    /// ```
    /// use prospect::{fields::FieldKey, record::RecordKind, store::{FieldMatch, Query}};
    /// let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    /// let contacts = Query::of_kind(RecordKind::Contact);
    /// assert_eq!(contacts.leading_field(), None);
    /// let query = contacts
    ///     .with_field(FieldKey::new("renewal")?, FieldMatch::DateBetween(day, day))
    ///     .with_field(FieldKey::new("vip")?, FieldMatch::Boolean(true));
    /// assert_eq!(query.leading_field(), Some(1), "the boolean: its records are in id order");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn leading_field(&self) -> Option<usize> {
        let equal = self.fields.iter().position(|(_, m)| m.term().is_some());
        equal.or((!self.fields.is_empty()).then_some(0))
    }

    /// The creation period, if restricted to one: from, until (excluded).
    pub fn created(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.created
    }

    /// The expected-close period, if restricted to one: the first and last days.
    pub fn closing(&self) -> Option<(NaiveDate, NaiveDate)> {
        self.closing
    }

    /// The same query, restricted to the records of `organization`
    /// ([`Record::organization`]): its contacts. Found from an index.
    pub fn of_organization(self, organization: OrganizationId) -> Query {
        Query {
            organization: Some(organization),
            ..self
        }
    }

    /// The organization, if restricted to one ([`of_organization`](Self::of_organization)).
    pub fn organization(&self) -> Option<OrganizationId> {
        self.organization
    }

    /// The contact, if restricted to one ([`of_contact`](Self::of_contact)).
    pub fn contact(&self) -> Option<ContactId> {
        self.contact
    }

    /// The kind of record.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The state, if restricted to exactly one.
    pub fn state(&self) -> Option<RecordState> {
        match self.states.as_deref() {
            Some([state]) => Some(*state),
            _ => None,
        }
    }

    /// The states a record may be in, if restricted (sorted, each once; empty: none matches).
    pub fn states(&self) -> Option<&[RecordState]> {
        self.states.as_deref()
    }

    /// The owner, if restricted to one.
    pub fn owner(&self) -> Option<&User> {
        self.owner.as_ref()
    }

    /// The tasks about `record`, open, done or cancelled, in the order they were created.
    pub fn tasks_about(record: impl Into<RecordId>) -> Query {
        Query {
            regarding: Some(record.into()),
            ..Query::of_kind(RecordKind::Task)
        }
    }

    /// The open tasks about `record` (its next steps), in the order they were created.
    pub fn open_tasks_about(record: impl Into<RecordId>) -> Query {
        Query {
            states: Some(vec![RecordState::Task(crate::task::TaskStatus::Open)]),
            ..Query::tasks_about(record)
        }
    }

    /// The record the activities or tasks are about, if restricted to one
    /// ([`activities_about`](Self::activities_about)).
    pub fn regarding(&self) -> Option<RecordId> {
        self.regarding
    }

    /// Whether `record` matches every filter of the query, exactly as the contract defines
    /// them (see the table in [`Query`]'s docs): an adapter may use it to check a row its
    /// index found, or as the filter of a store small enough to scan.
    pub fn matches(&self, record: &Record) -> bool {
        record.kind() == self.kind
            && self
                .states
                .as_ref()
                .is_none_or(|states| states.contains(&record.state()))
            && self
                .owner
                .as_ref()
                .is_none_or(|o| record.owner() == Some(o))
            && (!self.unowned || record.owner().is_none())
            && self.regarding.is_none_or(|r| record.regarding() == Some(r))
            && self.contact.is_none_or(|c| record.contact() == Some(c))
            && self
                .organization
                .is_none_or(|o| record.organization() == Some(o))
            && self
                .created
                .is_none_or(|(from, until)| (from..until).contains(&record.created_at()))
            && self.closing.is_none_or(|(first, last)| {
                record
                    .expected_close()
                    .is_some_and(|d| (first..=last).contains(&d))
            })
            && self.fields.iter().all(|(key, matching)| {
                record
                    .custom_fields()
                    .and_then(|custom| custom.get(key))
                    .is_some_and(|value| matching.matches(value))
            })
            && self
                .duplicate_key
                .as_ref()
                .is_none_or(|key| record.has_duplicate_key(key))
    }
}
