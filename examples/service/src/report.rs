//! The pipeline report kept in memory, brought up to date from the outbox at each request: a
//! request reads the events since the last one and the records they name, not every record.
//!
//! Built once (every record of the funnel's kinds, a page at a time, after noting where the
//! outbox ends), then each `GET /report` applies the events committed since: each names a
//! record, whose contribution replaces the one it had. Served whole to the users who read every
//! record of those kinds; the others get the report of what they may read, computed by owner
//! ([`AsyncCrm::report`]).

use std::collections::HashMap;

use prospect::AsyncCrm;
use prospect::event::Position;
use prospect::funnel::{Contributes as _, Contribution, PipelineReport};
use prospect::record::{RecordId, RecordKind};
use prospect::store::{AsyncStore, MAX_PAGE, Query};

/// The kinds of record a report counts.
const KINDS: [RecordKind; 4] = [
    RecordKind::Contact,
    RecordKind::Lead,
    RecordKind::Opportunity,
    RecordKind::Account,
];

/// One tenant's report, kept.
#[derive(Debug, Default)]
pub struct CachedReport {
    state: tokio::sync::Mutex<Option<Kept>>,
}

#[derive(Debug)]
struct Kept {
    report: PipelineReport,
    /// What each record counted for, to take it back when the record changes.
    counted: HashMap<RecordId, Contribution>,
    /// The last event applied.
    after: Option<Position>,
}

impl CachedReport {
    /// The report of every record of `crm`'s store, as of now.
    ///
    /// # Errors
    ///
    /// The store's.
    pub async fn current<S: AsyncStore>(
        &self,
        crm: &AsyncCrm<S>,
    ) -> Result<PipelineReport, S::Error> {
        let store = crm.store();
        let mut state = self.state.lock().await;
        let kept = match state.take() {
            Some(kept) => state.insert(kept),
            None => state.insert(build(store).await?),
        };
        loop {
            let page = store.read_events(kept.after, MAX_PAGE).await?;
            let Some(last) = page.last else { break };
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
        }
        Ok(kept.report.clone())
    }
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
