//! A batch of writes and what a commit of it expects ([`Precondition`], the batch's
//! requirements), and why a commit writes nothing ([`Conflict`], [`CommitError`]).

use crate::email::EmailAddress;
use crate::event::Event;
use crate::id::{ContactId, OrganizationId};
use crate::idempotency::{IdempotentRequest, Remembered};
use crate::organization::Domain;
use crate::record::{Record, RecordId};

#[cfg(doc)]
use super::Store;
use super::Version;

/// What a write expects to find in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precondition {
    /// The record does not exist: a create.
    Absent,
    /// The record is at this version: an update.
    Version(Version),
}

impl Precondition {
    /// The version the record has once the write is applied.
    pub fn written_version(self) -> Version {
        match self {
            Precondition::Absent => Version::FIRST,
            Precondition::Version(v) => v.next(),
        }
    }
}

/// One write of a [`Batch`]: a record and what it expects to replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    record: Record,
    precondition: Precondition,
}

impl Write {
    /// The record to store.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// What the write expects to find.
    pub fn precondition(&self) -> Precondition {
        self.precondition
    }

    /// The record and its expectation.
    pub fn into_parts(self) -> (Record, Precondition) {
        (self.record, self.precondition)
    }
}

/// The writes of a batch: most batches hold one or two, kept inline so that committing a step
/// allocates nothing for them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Writes {
    One([Write; 1]),
    Two([Write; 2]),
    Many(Vec<Write>),
}

impl Default for Writes {
    fn default() -> Self {
        Writes::Many(Vec::new())
    }
}

impl Writes {
    fn push(&mut self, write: Write) {
        // The first write and the writes after the third change nothing else in place.
        match self {
            Writes::Many(v) if v.is_empty() => *self = Writes::One([write]),
            Writes::Many(v) => v.push(write),
            Writes::One(_) | Writes::Two(_) => {
                *self = match std::mem::take(self) {
                    Writes::One([a]) => Writes::Two([a, write]),
                    Writes::Two([a, b]) => Writes::Many(vec![a, b, write]),
                    Writes::Many(mut v) => {
                        v.push(write);
                        Writes::Many(v)
                    }
                }
            }
        }
    }

    fn as_slice(&self) -> &[Write] {
        match self {
            Writes::One(w) => w,
            Writes::Two(w) => w,
            Writes::Many(w) => w,
        }
    }
}

/// The writes of a [`Batch`], by value, in the order they were added.
#[derive(Debug)]
pub struct IntoWrites(IntoWritesInner);

#[derive(Debug)]
enum IntoWritesInner {
    One(std::array::IntoIter<Write, 1>),
    Two(std::array::IntoIter<Write, 2>),
    Many(std::vec::IntoIter<Write>),
}

impl Iterator for IntoWrites {
    type Item = Write;
    fn next(&mut self) -> Option<Write> {
        match &mut self.0 {
            IntoWritesInner::One(w) => w.next(),
            IntoWritesInner::Two(w) => w.next(),
            IntoWritesInner::Many(w) => w.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IntoWritesInner::One(w) => w.size_hint(),
            IntoWritesInner::Two(w) => w.size_hint(),
            IntoWritesInner::Many(w) => w.size_hint(),
        }
    }
}

impl ExactSizeIterator for IntoWrites {}

/// The same record was written twice in one [`Batch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is written twice in one batch")]
pub struct DuplicateWrite(pub RecordId);

/// Writes applied together or not at all, by [`Store::commit`]. At most one write per record.
///
/// ```
/// use prospect::{store::Batch, store::Version};
/// # fn demo(contact: prospect::Contact, lead: prospect::record::AnyLead) -> Result<(), prospect::store::DuplicateWrite> {
/// let mut batch = Batch::new();
/// batch.create(contact)?;
/// batch.update(lead, Version::FIRST)?;
/// assert_eq!(batch.len(), 2);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    writes: Writes,
    absent_emails: Vec<EmailAddress>,
    absent_domains: Vec<Domain>,
    unchanged: Vec<(RecordId, Version)>,
    records_of: Vec<(ContactId, u64)>,
    records_of_organization: Vec<(OrganizationId, u64)>,
    events: Vec<Event>,
    /// Boxed: most batches carry no request, and a batch is moved at every step.
    remember: Option<Box<IdempotentRequest>>,
}

/// A [`Batch`] taken apart by [`Batch::into_parts`], for an adapter to apply.
#[derive(Debug)]
pub struct BatchParts {
    /// The writes, in the order they were added.
    pub writes: IntoWrites,
    /// The email addresses no contact may have ([`Batch::require_no_contact_with`]).
    pub absent_emails: Vec<EmailAddress>,
    /// The domains no organization may have ([`Batch::require_no_organization_with`]).
    pub absent_domains: Vec<Domain>,
    /// The records that must still be at these versions, not written by the batch
    /// ([`Batch::require_unchanged`]).
    pub unchanged: Vec<(RecordId, Version)>,
    /// How many records must name each contact as theirs ([`Batch::require_records_of`]).
    pub records_of: Vec<(ContactId, u64)>,
    /// How many records must name each organization as theirs
    /// ([`Batch::require_records_of_organization`]).
    pub records_of_organization: Vec<(OrganizationId, u64)>,
    /// The events to append to the outbox, in this order, in the same atomic unit as the
    /// writes ([`Batch::emit`]).
    pub events: Vec<Event>,
    /// The request to remember with the writes, and what it wrote ([`Batch::remember`]): `None`
    /// when the batch carries none or writes nothing. (Boxed: most batches carry none.)
    pub remember: Option<Box<Remembered>>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Adds a create: `record` must not exist yet.
    ///
    /// # Errors
    ///
    /// [`DuplicateWrite`] when the batch already writes this record.
    pub fn create(&mut self, record: impl Into<Record>) -> Result<&mut Batch, DuplicateWrite> {
        self.push(record.into(), Precondition::Absent)
    }

    /// Adds an update: `record` must be stored at version `expected`.
    ///
    /// # Errors
    ///
    /// [`DuplicateWrite`] when the batch already writes this record.
    pub fn update(
        &mut self,
        record: impl Into<Record>,
        expected: Version,
    ) -> Result<&mut Batch, DuplicateWrite> {
        self.push(record.into(), Precondition::Version(expected))
    }

    fn push(
        &mut self,
        record: Record,
        precondition: Precondition,
    ) -> Result<&mut Batch, DuplicateWrite> {
        let id = record.id();
        if self.writes.as_slice().iter().any(|w| w.record.id() == id) {
            return Err(DuplicateWrite(id));
        }
        self.writes.push(Write {
            record,
            precondition,
        });
        Ok(self)
    }

    /// Adds a write the caller knows to be for a record not yet in the batch (the facade's
    /// batches write records of distinct kinds).
    pub(crate) fn push_distinct(&mut self, record: Record, precondition: Precondition) {
        debug_assert!(
            self.writes
                .as_slice()
                .iter()
                .all(|w| w.record.id() != record.id())
        );
        self.writes.push(Write {
            record,
            precondition,
        });
    }

    /// Requires that, when the batch is applied, no stored contact has `email` (normalised): the
    /// batch conflicts with the first one that does. Makes "refuse duplicates" race-free.
    pub fn require_no_contact_with(&mut self, email: &EmailAddress) -> &mut Batch {
        self.absent_emails.push(email.clone());
        self
    }

    /// Requires that, when the batch is applied, no stored organization has `domain`: the
    /// batch conflicts with the first one that does
    /// ([`ConflictKind::DomainTaken`]). Makes refusing duplicate organizations race-free.
    pub fn require_no_organization_with(&mut self, domain: &Domain) -> &mut Batch {
        self.absent_domains.push(domain.clone());
        self
    }

    /// The domains no organization may have.
    pub fn absent_domains(&self) -> &[Domain] {
        &self.absent_domains
    }

    /// Requires that, when the batch is applied, the record `id` (which the batch does not
    /// write) is still stored at `version`: the batch conflicts otherwise
    /// ([`ConflictKind::Version`]). For a step that relies on a record it reads, as a lead
    /// opened for a contact relies on the contact not being erased since it was read.
    pub fn require_unchanged(&mut self, id: RecordId, version: Version) -> &mut Batch {
        self.unchanged.push((id, version));
        self
    }

    /// Remembers `request` with the batch's writes, in the same atomic unit, under its actor
    /// and key ([`Store::recall_key`]); the batch conflicts
    /// ([`ConflictKind::KeyUsed`]) if a commit already remembered that actor's key. Makes a
    /// retried request race-free: two retries racing each other commit once
    /// ([`idempotency`](crate::idempotency)). A batch that writes nothing remembers nothing.
    pub fn remember(&mut self, request: IdempotentRequest) -> &mut Batch {
        self.remember = Some(Box::new(request));
        self
    }

    /// The request the batch remembers.
    pub fn remembered(&self) -> Option<&IdempotentRequest> {
        self.remember.as_deref()
    }

    /// The records that must still be at these versions.
    pub fn unchanged(&self) -> &[(RecordId, Version)] {
        &self.unchanged
    }

    /// Requires that, when the batch is applied, exactly `count` stored records (before the
    /// batch's own writes) name `contact` as their contact ([`Record::contact`]: its leads, opportunities, the accounts of which
    /// it is the primary contact, its activities and tasks): the batch conflicts otherwise
    /// ([`ConflictKind::RecordsOfContact`]). For a step that must have seen every record of a
    /// contact, as an erasure must: one created after it listed them would keep its text.
    pub fn require_records_of(&mut self, contact: ContactId, count: u64) -> &mut Batch {
        self.records_of.push((contact, count));
        self
    }

    /// How many records must name each contact as theirs.
    pub fn records_of(&self) -> &[(ContactId, u64)] {
        &self.records_of
    }

    /// Requires that, when the batch is applied, exactly `count` stored records (before the
    /// batch's own writes) name `organization` as theirs ([`Record::organization`]: its
    /// contacts and its account): the batch conflicts otherwise
    /// ([`ConflictKind::RecordsOfOrganization`]). For a step that must have seen every record
    /// of an organization, as a merge of organizations must: a contact linked to it after the
    /// merge listed them would stay with a merged organization.
    pub fn require_records_of_organization(
        &mut self,
        organization: OrganizationId,
        count: u64,
    ) -> &mut Batch {
        self.records_of_organization.push((organization, count));
        self
    }

    /// How many records must name each organization as theirs.
    pub fn records_of_organization(&self) -> &[(OrganizationId, u64)] {
        &self.records_of_organization
    }

    /// The writes, in the order they were added.
    pub fn writes(&self) -> &[Write] {
        self.writes.as_slice()
    }

    /// The email addresses no contact may have (compared in their normalised form).
    pub fn absent_emails(&self) -> &[EmailAddress] {
        &self.absent_emails
    }

    /// How many records the batch writes.
    pub fn len(&self) -> usize {
        self.writes.as_slice().len()
    }

    /// Whether there are no writes.
    pub fn is_empty(&self) -> bool {
        self.writes.as_slice().is_empty()
    }

    /// Adds an event for the outbox: the commit appends the batch's events, in the order
    /// they were added, in the same atomic unit as its writes (none if it writes nothing).
    /// The facade adds one per write ([`event`](crate::event)); a batch built by hand carries
    /// the events its author adds.
    pub fn emit(&mut self, event: Event) -> &mut Batch {
        self.events.push(event);
        self
    }

    /// Adds `events` after those already added (taking the vector as it is when there are
    /// none: the facade's events cost no copy).
    pub(crate) fn emit_all(&mut self, mut events: Vec<Event>) {
        if self.events.is_empty() {
            self.events = events;
        } else {
            self.events.append(&mut events);
        }
    }

    /// The events the commit appends to the outbox.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The batch's parts, to apply them.
    pub fn into_parts(self) -> BatchParts {
        let empty = self.is_empty();
        let remember = self.remember.filter(|_| !empty).map(|request| {
            Box::new(Remembered {
                request: *request,
                written: self
                    .writes
                    .as_slice()
                    .iter()
                    .map(|w| (w.record.id(), w.precondition.written_version()))
                    .collect(),
            })
        });
        let writes = match self.writes {
            Writes::One(w) => IntoWritesInner::One(w.into_iter()),
            Writes::Two(w) => IntoWritesInner::Two(w.into_iter()),
            Writes::Many(w) => IntoWritesInner::Many(w.into_iter()),
        };
        BatchParts {
            writes: IntoWrites(writes),
            absent_emails: self.absent_emails,
            absent_domains: self.absent_domains,
            unchanged: self.unchanged,
            records_of: self.records_of,
            records_of_organization: self.records_of_organization,
            events: self.events,
            remember,
        }
    }
}

/// What a [`Conflict`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConflictKind {
    /// The record is not at the version the write expected (or exists when it should not, or
    /// does not exist when it should).
    Version,
    /// A contact with an email address the batch required absent exists
    /// ([`Batch::require_no_contact_with`]).
    EmailTaken,
    /// The version matches, but the written record's history does not extend the stored one:
    /// a stale copy paired with the current version ([`Record::extends`]).
    StaleHistory,
    /// An organization with a domain the batch required absent exists
    /// ([`Batch::require_no_organization_with`]).
    DomainTaken,
    /// The contact is not named by as many records as the batch required
    /// ([`Batch::require_records_of`]): one was added since the batch was built.
    RecordsOfContact,
    /// The organization is not named by as many records as the batch required
    /// ([`Batch::require_records_of_organization`]): one was added since the batch was built.
    RecordsOfOrganization,
    /// A commit already remembered the actor's idempotency key ([`Batch::remember`]): the
    /// request was made before. The record named is the batch's first write.
    KeyUsed,
}

/// A write of a batch did not find what it expected; nothing of the batch was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("conflict on {record}: {}", describe(self))]
pub struct Conflict {
    /// The record at fault.
    pub record: RecordId,
    /// The version the write expected (`None`: that it did not exist).
    pub expected: Option<Version>,
    /// The version found (`None`: it does not exist).
    pub actual: Option<Version>,
    /// What the conflict is about.
    pub kind: ConflictKind,
}

fn show(v: &Option<Version>) -> String {
    v.map_or_else(|| "no record".to_string(), |v| v.to_string())
}

fn describe(c: &Conflict) -> String {
    match c.kind {
        ConflictKind::Version => {
            format!("expected {}, found {}", show(&c.expected), show(&c.actual))
        }
        ConflictKind::EmailTaken => format!(
            "it has an email address the batch required absent ({})",
            show(&c.actual)
        ),
        ConflictKind::DomainTaken => format!(
            "it has a domain the batch required absent ({})",
            show(&c.actual)
        ),
        ConflictKind::RecordsOfContact => {
            "records naming it as their contact were added since the batch was built".to_string()
        }
        ConflictKind::RecordsOfOrganization => {
            "records naming it as their organization were added since the batch was built"
                .to_string()
        }
        ConflictKind::KeyUsed => {
            "the batch's idempotency key was remembered by an earlier commit".to_string()
        }
        ConflictKind::StaleHistory => format!(
            "at {}, the written history does not extend the stored one (a stale copy)",
            show(&c.actual)
        ),
    }
}

impl Conflict {
    /// The conflict of a write whose precondition was `expected` and that found `actual`.
    pub fn new(record: RecordId, expected: Precondition, actual: Option<Version>) -> Conflict {
        Conflict {
            record,
            expected: match expected {
                Precondition::Absent => None,
                Precondition::Version(v) => Some(v),
            },
            actual,
            kind: ConflictKind::Version,
        }
    }

    /// The conflict of a batch that required no contact with an email address, when
    /// `existing` (the stored contact with that address with the smallest id) is at `version`.
    pub fn email_taken(existing: ContactId, version: Version) -> Conflict {
        Conflict {
            record: RecordId::Contact(existing),
            expected: None,
            actual: Some(version),
            kind: ConflictKind::EmailTaken,
        }
    }

    /// The conflict of a batch that required no organization with a domain, when `existing`
    /// (the stored organization with that domain with the smallest id) is at `version`.
    pub fn domain_taken(existing: OrganizationId, version: Version) -> Conflict {
        Conflict {
            record: RecordId::Organization(existing),
            expected: None,
            actual: Some(version),
            kind: ConflictKind::DomainTaken,
        }
    }

    /// The conflict of a batch that required `contact` to be named by a number of records
    /// that it is not named by ([`Batch::require_records_of`]).
    pub fn records_of_contact(contact: ContactId) -> Conflict {
        Conflict {
            record: RecordId::Contact(contact),
            expected: None,
            actual: None,
            kind: ConflictKind::RecordsOfContact,
        }
    }

    /// The conflict of a batch that required `organization` to be named by a number of
    /// records that it is not named by ([`Batch::require_records_of_organization`]).
    pub fn records_of_organization(organization: OrganizationId) -> Conflict {
        Conflict {
            record: RecordId::Organization(organization),
            expected: None,
            actual: None,
            kind: ConflictKind::RecordsOfOrganization,
        }
    }

    /// The conflict of a batch whose idempotency key a commit already remembered
    /// ([`Batch::remember`]); `first_write` is the batch's first write.
    pub fn key_used(first_write: RecordId) -> Conflict {
        Conflict {
            record: first_write,
            expected: None,
            actual: None,
            kind: ConflictKind::KeyUsed,
        }
    }

    /// The conflict of an update at the right `version` whose record does not extend the
    /// stored one's history.
    pub fn stale_history(record: RecordId, version: Version) -> Conflict {
        Conflict {
            record,
            expected: Some(version),
            actual: Some(version),
            kind: ConflictKind::StaleHistory,
        }
    }
}

/// Why [`Store::commit`] wrote nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError<E> {
    /// A write did not find what it expected (or a required-absent email was found): reload and
    /// retry.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// The store failed.
    #[error("store error: {0}")]
    Store(#[source] E),
}
