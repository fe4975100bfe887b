//! Fixtures: a fixed clock, deterministic ids, and valid evidence for every step.

use prospect::record::{Record, RecordKind, StateError};
use prospect::store::Store;
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
