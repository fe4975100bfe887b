//! Fixtures: a fixed clock, deterministic ids, and valid evidence for every step.

use prospect::memory::MemoryStore;
use prospect::record::{Record, RecordId, RecordKind, StateError};
use prospect::store::{Store, Versioned};
use prospect::testkit::Sample;
use prospect::*;

/// A facade over `store` for `vic`, a viewer who may read every record but no personal data
/// (what they see is redacted), and `vic`.
pub fn viewer_without_personal_data<S: Store>(store: &S) -> (Crm<&S>, User) {
    use prospect::access::{Action, Directory, Grants, Level, Role, RolePolicy};
    let viewer = Role::new("viewer").unwrap();
    let policy = RolePolicy::new().with_role(
        viewer.clone(),
        Grants::none().grant_every_kind(Action::Read, Level::All),
    );
    let vic = User::new("vic").unwrap();
    let crm = Crm::new(store, policy).with_directory(Directory::new().with_user(
        vic.clone(),
        [viewer],
        [],
    ));
    (crm, vic)
}

/// Every record `store` holds, by kind then id; all of them readable.
pub fn everything<S: Store>(store: &S) -> Vec<Record> {
    let mut all = Vec::new();
    for kind in RecordKind::ALL {
        let scanned = store.scan(kind, &mut |r| all.push(r.into_inner())).unwrap();
        assert!(scanned.is_complete(), "expected every record readable");
    }
    all
}

/// Every event in `store`'s outbox, in commit order.
pub fn all_events<S: Store>(store: &S) -> Vec<prospect::event::StoredEvent> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store.read_events(after, prospect::store::MAX_PAGE).unwrap();
        assert!(page.unreadable.is_empty(), "expected every event readable");
        let Some(last) = page.last else { return all };
        all.extend(page.events);
        after = Some(last);
    }
}

pub fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

/// A typed value read back from a snapshot, as a store's reader gets it (typed values are
/// linear: not `Clone`, not `Deserialize`).
pub fn reread<T>(record: &Record) -> T
where
    T: TryFrom<Record, Error = StateError<Record>>,
{
    T::try_from(record.clone()).unwrap_or_else(|e| panic!("read back: {e}"))
}

/// Two copies of a typed value, as two readers of the same stored record get them.
pub fn two_copies<T>(value: T) -> (T, T)
where
    T: Into<Record> + TryFrom<Record, Error = StateError<Record>>,
{
    let record: Record = value.into();
    (reread(&record), reread(&record))
}

/// Whether what a closed record's state holds (a converted lead's opportunity, a disqualified
/// lead's reason, a won opportunity's contract and account, a lost one's reason) is its
/// history's last evidence; true for records in open states.
pub fn holds_its_last_evidence(record: &Record) -> bool {
    use prospect::record::{AnyLead, AnyOpportunity};
    match record {
        Record::Lead(AnyLead::Converted(l)) => matches!(
            l.history().last().map(|t| t.evidence()),
            Some(LeadEvidence::Converted { opportunity }) if *opportunity == l.opportunity()
        ),
        Record::Lead(AnyLead::Disqualified(l)) => matches!(
            l.history().last().map(|t| t.evidence()),
            Some(LeadEvidence::Disqualified(reason)) if reason == l.reason()
        ),
        Record::Opportunity(AnyOpportunity::Won(o)) => matches!(
            o.history().last().map(|t| t.evidence()),
            Some(OpportunityEvidence::Won { contract, account })
                if contract == o.contract() && *account == o.account()
        ),
        Record::Opportunity(AnyOpportunity::Lost(o)) => matches!(
            o.history().last().map(|t| t.evidence()),
            Some(OpportunityEvidence::Lost(reason)) if reason == o.reason()
        ),
        _ => true,
    }
}

/// A store through which, once armed, another instance changes the store right after a given
/// read: the change lands between a step's check and its commit.
pub struct Midway<'a> {
    pub inner: &'a MemoryStore,
    /// After which read the change is made.
    pub after: After,
    /// The change, made once: arm it again for another.
    pub change: std::sync::Mutex<Option<Change<'a>>>,
}

/// The read a [`Midway`] store's change follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// The next load of the field schema.
    SchemaLoad,
    /// The next listing.
    Listing,
    /// The next listing of records of this kind.
    ListingOf(RecordKind),
    /// The next load of a record of this kind (found or not).
    LoadOf(RecordKind),
}

/// What another instance does to the store.
pub type Change<'a> = Box<dyn FnOnce(&MemoryStore) + Send + 'a>;

impl<'a> Midway<'a> {
    /// A store over `inner` making `change` after the next read `after`.
    pub fn new(inner: &'a MemoryStore, after: After, change: Change<'a>) -> Midway<'a> {
        Midway {
            inner,
            after,
            change: std::sync::Mutex::new(Some(change)),
        }
    }

    /// A store over `inner` with no change armed yet ([`arm`](Self::arm)).
    pub fn unarmed(inner: &'a MemoryStore, after: After) -> Midway<'a> {
        Midway {
            inner,
            after,
            change: std::sync::Mutex::new(None),
        }
    }

    /// Arms `change` for the next read.
    pub fn arm(&self, change: Change<'a>) {
        *self.change.lock().unwrap() = Some(change);
    }

    /// Makes the armed change, if the read just made is the one it follows.
    fn after(&self, read: After) {
        if read == self.after {
            if let Some(change) = self.change.lock().unwrap().take() {
                change(self.inner);
            }
        }
    }
}

impl Store for Midway<'_> {
    type Error = std::convert::Infallible;

    fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, Self::Error> {
        let loaded = self.inner.load(id);
        if matches!(id, RecordId::FieldSchema(_)) {
            self.after(After::SchemaLoad);
        }
        self.after(After::LoadOf(id.kind()));
        loaded
    }
    fn commit(
        &self,
        batch: prospect::store::Batch,
    ) -> Result<(), prospect::store::CommitError<Self::Error>> {
        self.inner.commit(batch)
    }
    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, Self::Error> {
        self.inner.find_contacts_by_email(email)
    }
    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> Result<Vec<Versioned<Organization>>, Self::Error> {
        self.inner.find_organizations_by_domain(domain)
    }
    fn list(
        &self,
        query: &prospect::store::Query,
        after: Option<prospect::store::Cursor>,
        limit: usize,
    ) -> Result<prospect::store::Page, Self::Error> {
        let page = self.inner.list(query, after, limit);
        self.after(After::Listing);
        self.after(After::ListingOf(query.kind()));
        page
    }
    fn read_events(
        &self,
        after: Option<prospect::event::Position>,
        limit: usize,
    ) -> Result<prospect::event::EventPage, Self::Error> {
        self.inner.read_events(after, limit)
    }
    fn prune_events(&self, before: prospect::event::Position) -> Result<u64, Self::Error> {
        self.inner.prune_events(before)
    }
    fn recall_key(
        &self,
        actor: &User,
        key: &prospect::idempotency::IdempotencyKey,
    ) -> Result<Option<prospect::idempotency::Remembered>, Self::Error> {
        self.inner.recall_key(actor, key)
    }
    fn prune_keys(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64, Self::Error> {
        self.inner.prune_keys(before)
    }
}

/// A contact's lead, opened and touched: being worked, ready to qualify.
pub fn worked_lead<S: Store>(crm: &Crm<S>, sample: &Sample) -> Versioned<Lead<state::Working>>
where
    S::Error: std::fmt::Debug,
{
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    crm.log_touch(lead, sample.touch(), me).unwrap()
}
