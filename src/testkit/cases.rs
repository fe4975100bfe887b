//! The conformance cases. Each takes a constructor of fresh, empty stores and panics (as a test
//! does) when the store breaks the contract of [`Store`].

use std::collections::{BTreeSet, HashSet};
use std::sync::Barrier;
use std::thread;

use crate::command::OnDuplicate;
use crate::crm::{ContactOutcome, Crm, CrmError, Qualified, WonAccount};
use crate::lead::Lead;
use crate::record::{AnyLead, Record, RecordId, RecordKind, RecordState};
use crate::state::{LeadStatus, New, OpportunityStage, Working};
use crate::store::{
    AsyncStore, Batch, CommitError, Conflict, ConflictKind, MAX_PAGE, Query, Store, Version,
    Versioned,
};
use crate::testkit::{Sample, SplitMix64, block_on, check_consistency, snapshot};

mod commits;
mod duplicate_keys;
mod edits;
mod emails;
mod erasure;
mod events;
mod facade;
mod field_queries;
mod integrity;
mod keys;
mod listings;
mod merges;
mod organizations;
mod schema;
mod stress;
mod unreadable;

pub use commits::*;
pub use duplicate_keys::*;
pub use edits::*;
pub use emails::*;
pub use erasure::*;
pub use events::*;
pub use facade::*;
pub use field_queries::*;
pub use integrity::*;
pub use keys::*;
pub use listings::*;
pub use merges::*;
pub use organizations::*;
pub use schema::*;
pub use stress::*;
pub use unreadable::*;

/// Unwraps a result, panicking with the error's message.
trait Must<T> {
    #[track_caller]
    fn must(self) -> T;
}

impl<T, E: std::fmt::Display> Must<T> for Result<T, E> {
    #[track_caller]
    fn must(self) -> T {
        match self {
            Ok(value) => value,
            Err(e) => panic!("{e}"),
        }
    }
}

#[track_caller]
fn commit<S: Store>(store: &S, batch: Batch) {
    if let Err(e) = store.commit(batch) {
        panic!("commit failed: {e}");
    }
}

#[track_caller]
fn create<S: Store>(store: &S, record: impl Into<Record>) -> RecordId {
    let record = record.into();
    let id = record.id();
    let mut batch = Batch::new();
    batch.create(record).expect("one write");
    commit(store, batch);
    id
}

/// How many records a scan visited, once it is known to have read every one.
#[track_caller]
fn complete(scanned: crate::store::Scanned) -> u64 {
    assert!(
        scanned.is_complete(),
        "expected every record to be readable, found unreadable ones: {:?}",
        scanned.unreadable
    );
    scanned.visited
}

#[track_caller]
fn conflict<S: Store>(result: Result<(), CommitError<S::Error>>) -> Conflict {
    match result {
        Err(CommitError::Conflict(c)) => c,
        Err(CommitError::Store(e)) => panic!("expected a conflict, got a store error: {e}"),
        Ok(()) => panic!("expected a conflict, the commit succeeded"),
    }
}

/// Runs `racer` on four threads at once (each gets its number and a barrier to wait at once it
/// is ready, so that they race), and returns their results in thread order.
fn race<T: Send>(racer: impl Fn(usize, &Barrier) -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(4);
    thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (racer, barrier) = (&racer, &barrier);
                s.spawn(move || racer(i, barrier))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    })
}

#[track_caller]
fn load<S: Store>(store: &S, id: RecordId) -> Option<Versioned<Record>> {
    store.load(id).unwrap_or_else(|e| panic!("load {id}: {e}"))
}

/// Two copies of a typed value, as two clients that read the same record get them: through its
/// snapshot (typed values are not `Clone`).
#[track_caller]
fn two_copies<T>(value: T) -> (T, T)
where
    T: Into<Record> + TryFrom<Record, Error = crate::record::StateError<Record>>,
{
    let record: Record = value.into();
    let copy = |r: Record| T::try_from(r).unwrap_or_else(|e| panic!("read back: {e}"));
    (copy(record.clone()), copy(record))
}

#[track_caller]
fn new_lead<S: Store>(store: &S, sample: &Sample) -> Lead<New> {
    let contact = sample.contact();
    create(store, contact.clone());
    let (lead, stored) = two_copies(Lead::open(&contact, sample.interest(), &sample.ctx()));
    create(store, stored);
    lead
}

/// Every id `query` lists, paging `limit` at a time and calling `between` after each page;
/// every page checked: within its limit, readable, its cursor advancing.
#[track_caller]
pub(super) fn page_through<S: Store>(
    store: &S,
    query: &Query,
    limit: usize,
    between: &mut dyn FnMut(),
) -> Vec<RecordId> {
    let mut seen = Vec::new();
    let mut after = None;
    // Bounded: a store whose cursor does not advance must fail the case, not hang it.
    for _ in 0..MAX_PAGES {
        let page = store.list(query, after, limit).must();
        assert!(
            page.records.len() <= limit,
            "a page of limit {limit}: expected at most {limit} records, found {}",
            page.records.len()
        );
        assert!(
            page.unreadable.is_empty(),
            "expected every record to be readable, found unreadable ones: {:?}",
            page.unreadable
        );
        seen.extend(page.records.iter().map(|r| r.id()));
        between();
        match page.next {
            Some(next) if after.is_some_and(|a| next <= a) => panic!(
                "the cursor did not advance: expected a cursor after {}, found {next}",
                after.map_or_else(String::new, |a| a.to_string())
            ),
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
    panic!(
        "paging did not end: expected the last page within {MAX_PAGES} pages, found more \
         ({} records seen)",
        seen.len()
    );
}

/// The most pages a kit case reads in one listing before it calls the store broken.
const MAX_PAGES: usize = 10_000;
