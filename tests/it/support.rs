//! Fixtures: a fixed clock, deterministic ids, and valid evidence for every step.

use prospect::memory::MemoryStore;
use prospect::record::{Record, RecordId, RecordKind, StateError};
use prospect::store::{Store, Versioned};
use prospect::*;

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

/// A store that, the first time the facade loads the field schema, lets another instance
/// change it before answering: the change lands between the check and the commit.
pub struct SchemaChangedMidway<'a> {
    pub inner: &'a MemoryStore,
    pub change: std::sync::Mutex<Option<Change<'a>>>,
}

/// What another instance does to the store.
pub type Change<'a> = Box<dyn FnOnce(&MemoryStore) + Send + 'a>;

impl Store for SchemaChangedMidway<'_> {
    type Error = std::convert::Infallible;

    fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, Self::Error> {
        let loaded = self.inner.load(id);
        if matches!(id, RecordId::FieldSchema(_)) {
            if let Some(change) = self.change.lock().unwrap().take() {
                change(self.inner);
            }
        }
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
        self.inner.list(query, after, limit)
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
