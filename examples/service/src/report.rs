//! The pipeline report kept in memory per tenant, and kept up to date from the outbox by a task
//! of its own: a `GET /report` answers with the latest report it published, without reading a
//! record.
//!
//! The task starts with the tenant's first `GET /report`: it notes where the outbox ends, counts
//! every record of the funnel's kinds (a page at a time), publishes the report, then applies the
//! events committed since, a page at a time (each page's records read once, each one's
//! contribution replacing the one it had), publishing after each page and resting a moment when
//! it has caught up. Under a stream of writes the report lags behind them by at most what the
//! task has not read yet; it never blocks a request. Served whole to users who read every record
//! of those kinds; the others get the report of what they may read, computed by owner
//! ([`AsyncCrm::report`](prospect::AsyncCrm::report)).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use prospect::event::Position;
use prospect::funnel::{Contributes as _, Contribution, PipelineReport};
use prospect::record::{RecordId, RecordKind};
use prospect::store::{AsyncStore, MAX_PAGE, Query};
use tokio::sync::watch;

/// The kinds of record a report counts.
const KINDS: [RecordKind; 4] = [
    RecordKind::Contact,
    RecordKind::Lead,
    RecordKind::Opportunity,
    RecordKind::Account,
];

/// How long the task rests when it has read every event, or after a store error.
const REST: Duration = Duration::from_millis(50);

/// One tenant's report, kept by a task of its own.
#[derive(Debug)]
pub struct CachedReport {
    started: AtomicBool,
    latest: watch::Sender<Option<PipelineReport>>,
}

impl Default for CachedReport {
    fn default() -> CachedReport {
        CachedReport {
            started: AtomicBool::new(false),
            latest: watch::Sender::new(None),
        }
    }
}

impl CachedReport {
    /// The latest report of the store `store` gives, starting the task that keeps it (which
    /// holds `store`) on the first call, and waiting for its first count then.
    pub async fn current<S, H>(&self, store: impl FnOnce() -> H) -> PipelineReport
    where
        S: AsyncStore + 'static,
        H: AsRef<S> + Send + 'static,
    {
        if !self.started.swap(true, Ordering::SeqCst) {
            tokio::spawn(keep(store(), self.latest.clone()));
        }
        let mut latest = self.latest.subscribe();
        match latest.wait_for(Option::is_some).await {
            Ok(report) => report.clone().unwrap_or_default(),
            // The task ended (its runtime is shutting down).
            Err(_) => PipelineReport::default(),
        }
    }
}

/// The report as kept: what each record counted for, and the last event applied.
struct Kept {
    report: PipelineReport,
    counted: HashMap<RecordId, Contribution>,
    after: Option<Position>,
}

/// Counts, publishes, then applies the outbox's events as they come, for as long as anyone
/// may ask (the runtime's life).
async fn keep<S, H>(store: H, latest: watch::Sender<Option<PipelineReport>>)
where
    S: AsyncStore,
    H: AsRef<S>,
{
    let store = store.as_ref();
    let mut kept = loop {
        match build(store).await {
            Ok(kept) => break kept,
            Err(_) => tokio::time::sleep(REST).await,
        }
    };
    latest.send_replace(Some(kept.report.clone()));
    loop {
        match apply_page(store, &mut kept).await {
            Ok(true) => {
                latest.send_replace(Some(kept.report.clone()));
            }
            Ok(false) | Err(_) => tokio::time::sleep(REST).await,
        }
    }
}

/// Applies the next page of events; whether there was one.
async fn apply_page<S: AsyncStore>(store: &S, kept: &mut Kept) -> Result<bool, S::Error> {
    let page = store.read_events(kept.after, MAX_PAGE).await?;
    let Some(last) = page.last else {
        return Ok(false);
    };
    // Each record once a page, however many of its events the page holds.
    let mut changed: Vec<RecordId> = page
        .events
        .iter()
        .map(|stored| stored.event.record())
        .filter(|id| KINDS.contains(&id.kind()))
        .collect();
    changed.sort_unstable_by_key(|id| id.as_uuid());
    changed.dedup();
    for id in changed {
        if let Some(record) = store.load(id).await? {
            let now = record.value().contribution();
            match kept.counted.insert(id, now.clone()) {
                Some(before) => kept.report.replace(&before, &now),
                None => kept.report.add(&now),
            }
        }
    }
    kept.after = Some(last);
    Ok(true)
}

/// Where the outbox ends, then every record of the report's kinds counted.
async fn build<S: AsyncStore>(store: &S) -> Result<Kept, S::Error> {
    let mut after = None;
    loop {
        let page = store.read_events(after, MAX_PAGE).await?;
        match page.last {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    let mut kept = Kept {
        report: PipelineReport::new(),
        counted: HashMap::new(),
        after,
    };
    for kind in KINDS {
        let query = Query::of_kind(kind);
        let mut cursor = None;
        loop {
            let page = store.list(&query, cursor, MAX_PAGE).await?;
            for record in &page.records {
                let contribution = record.value().contribution();
                kept.report.add(&contribution);
                kept.counted.insert(record.value().id(), contribution);
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(kept)
}
