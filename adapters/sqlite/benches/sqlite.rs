//! The adapter's commits against raw rusqlite doing the same writes: the same rows (JSON body and
//! indexed columns), the same statements, one transaction per batch, but none of the adapter.
//! And reading a million events from the outbox through the adapter against raw rusqlite
//! reading the same rows, a page at a time, and decoding each body as a consumer would.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use prospect::*;
use prospect::{
    record::{Record, StateError},
    store,
    store::{Batch, Precondition, Store, Version},
};
use prospect_sqlite::SqliteStore;
use rusqlite::{Connection, TransactionBehavior};

#[path = "../../../benches/baselines/mod.rs"]
mod baselines;

/// The batches of one lifecycle, as the facade commits them.
fn lifecycle_batches(i: u64, e: &baselines::ours::Evidence, ctx: &Context<'_>) -> Vec<Batch> {
    let input = baselines::Input::nth(i);
    let contact = Contact::create(
        ContactDetails::new(
            Party::person(PersonName::new(&input.name).unwrap()),
            LeadSource::Web,
        )
        .with_email(EmailAddress::new(&input.email).unwrap()),
        ctx,
    );
    let v = |n| Version::new(n).unwrap();
    let one = |record: Record, expected: Option<Version>| {
        let mut batch = Batch::new();
        match expected {
            None => batch.create(record).unwrap(),
            Some(v) => batch.update(record, v).unwrap(),
        };
        batch
    };
    let lead = Lead::open(
        &contact,
        Interest::new(Summary::new(&input.interest).unwrap(), BuyingRole::User),
        ctx,
    );
    // Typed values are linear: each step's record goes into its batch as a snapshot, and the
    // lifecycle goes on with the value read back from it.
    fn keep<T>(value: T) -> (Record, T)
    where
        T: Into<Record> + TryFrom<Record, Error = StateError<Record>>,
    {
        let record: Record = value.into();
        (record.clone(), T::try_from(record).unwrap())
    }
    let (record, lead) = keep(lead);
    let mut batches = vec![one(contact.into(), None), one(record, None)];
    let (record, lead) = keep(lead.log_touch(e.touch.clone(), ctx));
    batches.push(one(record, Some(v(1))));
    let (lead, o) = lead.qualify(e.qualification(), ctx).unwrap();
    let mut qualify = one(lead.into(), Some(v(2)));
    let (record, o) = keep(o);
    qualify.create(record).unwrap();
    batches.push(qualify);
    let (record, o) = keep(o.propose(e.proposal.clone(), ctx).unwrap());
    batches.push(one(record, Some(v(1))));
    let (record, o) = keep(o.negotiate(Note::new("terms").unwrap(), ctx));
    batches.push(one(record, Some(v(2))));
    let (record, o) = keep(o.enter_contracting(
        PaymentTerms::new(30, 4).unwrap(),
        Incumbent::NoneInPlace,
        ctx,
    ));
    batches.push(one(record, Some(v(3))));
    let (won, account) = o.win(e.contract(), ctx).unwrap();
    let mut win = one(won.into(), Some(v(4)));
    win.create(account).unwrap();
    batches.push(win);
    batches
}

/// The same rows, written with plain rusqlite.
/// What raw rusqlite writes for a record: the adapter's columns, computed the same way (an
/// application keeping these queries would keep these columns), but none of its checks.
fn raw_commit(connection: &mut Connection, batch: Batch) {
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .unwrap();
    for write in batch.into_parts().writes {
        let (record, expect) = write.into_parts();
        let id = record.id();
        let body = serde_json::to_string(&record).unwrap();
        let (kind, uuid) = (id.kind().as_str(), id.as_uuid().hyphenated().to_string());
        let state = record.state().key();
        let owner = record.owner().map(|o| o.as_str().to_string());
        let email = record.email().map(EmailAddress::normalized);
        let regarding = record
            .regarding()
            .map(|r| format!("{}/{}", r.kind().as_str(), r.as_uuid().hyphenated()));
        let contact = record
            .contact()
            .map(|c| c.as_uuid().hyphenated().to_string());
        let created = record.created_at();
        let (created_s, created_ns) = (
            created.timestamp(),
            i64::from(created.timestamp_subsec_nanos()),
        );
        let close = record
            .expected_close()
            .map(|day| i64::from(chrono::Datelike::num_days_from_ce(&day)));
        let organization = record
            .organization()
            .map(|o| o.as_uuid().hyphenated().to_string());
        let mark = record.history_mark();
        let (len, tip, erased) = (mark.len() as i64, mark.tip() as i64, mark.is_erased());
        let changed = match expect {
            Precondition::Absent => tx
                .prepare_cached(
                    "INSERT INTO records (kind, id, state, owner, email, version, body, history_len,
                         history_tip, erased, regarding, contact, created_s, created_ns,
                         expected_close, organization)
                     VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                )
                .unwrap()
                .execute((
                    kind, &uuid, &state, &owner, &email, &body, len, tip, erased, &regarding,
                    &contact, created_s, created_ns, close, &organization,
                )),
            Precondition::Version(v) => tx
                .prepare_cached(
                    "UPDATE records SET state = ?3, owner = ?4, email = ?5, body = ?6,
                         history_len = ?8, history_tip = ?9, erased = ?10, regarding = ?11,
                         contact = ?12, created_s = ?13, created_ns = ?14, expected_close = ?15,
                         organization = ?16, version = version + 1
                     WHERE kind = ?1 AND id = ?2 AND version = ?7",
                )
                .unwrap()
                .execute((
                    kind, &uuid, &state, &owner, &email, &body, v.get() as i64, len, tip, erased,
                    &regarding, &contact, created_s, created_ns, close, &organization,
                )),
        }
        .unwrap();
        assert_eq!(changed, 1);
    }
    tx.commit().unwrap();
}

/// The adapter's table of records and its indexes, as its migrations leave them.
const SCHEMA: &str = "CREATE TABLE records (
    kind TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, owner TEXT, email TEXT,
    version INTEGER NOT NULL CHECK (version >= 1), body TEXT NOT NULL, history_len INTEGER,
    history_tip INTEGER, erased INTEGER, regarding TEXT, contact TEXT, created_s INTEGER,
    created_ns INTEGER, expected_close INTEGER, organization TEXT, PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX records_by_state ON records (kind, state, id);
CREATE INDEX records_by_owner ON records (kind, owner, id);
CREATE INDEX records_by_email ON records (email) WHERE email IS NOT NULL;
CREATE INDEX records_by_regarding ON records (regarding, id) WHERE regarding IS NOT NULL;
CREATE INDEX records_by_contact ON records (kind, contact, id) WHERE contact IS NOT NULL;
CREATE INDEX records_by_created ON records (kind, created_s, created_ns);
CREATE INDEX records_by_close ON records (expected_close) WHERE expected_close IS NOT NULL;
CREATE INDEX records_by_organization ON records (kind, organization, id)
    WHERE organization IS NOT NULL;";

fn sqlite(c: &mut Criterion) {
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
    let evidence = baselines::ours::Evidence::new(clock.now().date_naive()).unwrap();
    // The batches of `iters` lifecycles, made before the clock starts.
    let batches = |iters: u64| -> Vec<Vec<Batch>> {
        let ids = SequentialIds::new(1);
        let ctx = Context::new(&clock, &ids, User::new("claire").unwrap());
        (0..iters)
            .map(|i| lifecycle_batches(i, &evidence, &ctx))
            .collect()
    };
    let mut group = c.benchmark_group("sqlite_lifecycle_writes");
    group.bench_function("adapter", |b| {
        b.iter_custom(|iters| {
            let batches = batches(iters);
            let store = SqliteStore::open_in_memory().unwrap();
            let began = Instant::now();
            for lifecycle in batches {
                for batch in lifecycle {
                    store.commit(batch).unwrap();
                }
            }
            let elapsed = began.elapsed();
            drop(black_box(store));
            elapsed
        })
    });
    group.bench_function("raw_rusqlite", |b| {
        b.iter_custom(|iters| {
            let batches = batches(iters);
            let mut connection = Connection::open_in_memory().unwrap();
            connection.execute_batch(SCHEMA).unwrap();
            let began = Instant::now();
            for lifecycle in batches {
                for batch in lifecycle {
                    raw_commit(&mut connection, batch);
                }
            }
            let elapsed = began.elapsed();
            drop(black_box(connection));
            elapsed
        })
    });
    group.finish();
}

/// How many events the outbox bench reads.
const EVENTS: u64 = 1_000_000;

/// A file database whose outbox holds [`EVENTS`] events: the events of a hundred lifecycles
/// through the facade (every kind a lifecycle writes), copied with new ids until there are a
/// million, committed ten thousand at a time.
fn outbox_of_a_million(path: &std::path::Path) {
    use prospect::event::Event;
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let evidence = baselines::ours::Evidence::new(start.date_naive()).unwrap();
    let crm = Crm::with_clock_and_ids(
        prospect::memory::MemoryStore::new(),
        prospect::access::AllowAll,
        std::sync::Arc::new(FixedClock::new(start)),
        std::sync::Arc::new(SequentialIds::new(2)),
    );
    let me = User::new("claire").unwrap();
    for i in 0..100 {
        baselines::ours::lifecycle(&crm, &me, &evidence, baselines::Input::nth(i)).unwrap();
    }
    let sample: Vec<Event> = crm
        .store()
        .read_events(None, store::MAX_PAGE)
        .unwrap()
        .events
        .into_iter()
        .map(|e| e.event)
        .collect();
    let store = SqliteStore::open(path).unwrap();
    let ids = SequentialIds::new(3);
    let mut written = 0;
    while written < EVENTS {
        let mut batch = Batch::new();
        for event in sample.iter().cycle().take(10_000) {
            let commit = Event::commit_key(&ids);
            batch.emit(Event::new(
                &ids,
                commit,
                (event.record(), event.version()),
                event.actor().clone(),
                event.occurred_at(),
                event.payload().clone(),
            ));
        }
        written += batch.events().len() as u64;
        store.commit(batch).unwrap();
    }
}

fn outbox(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("prospect-outbox-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("outbox.db");
    outbox_of_a_million(&path);
    let mut group = c.benchmark_group("sqlite_outbox_read");
    group.throughput(criterion::Throughput::Elements(EVENTS));
    group.bench_function("adapter", |b| {
        let store = SqliteStore::open(&path).unwrap();
        b.iter(|| {
            let mut after = None;
            let mut read = 0u64;
            loop {
                let page = store.read_events(after, store::MAX_PAGE).unwrap();
                let Some(last) = page.last else { break };
                read += page.events.len() as u64;
                black_box(page.events);
                after = Some(last);
            }
            assert_eq!(read, EVENTS);
        })
    });
    // The same statement and pages, each body decoded into an `Event`: what a consumer reading
    // the table by hand does.
    group.bench_function("raw_rusqlite", |b| {
        let connection = Connection::open(&path).unwrap();
        b.iter(|| {
            let mut after = 0i64;
            let mut read = 0u64;
            loop {
                let mut statement = connection
                    .prepare_cached(
                        "SELECT position, body FROM events WHERE position > ?1 ORDER BY position LIMIT ?2",
                    )
                    .unwrap();
                let mut rows = statement.query((after, store::MAX_PAGE as i64)).unwrap();
                let mut page = Vec::with_capacity(store::MAX_PAGE);
                while let Some(row) = rows.next().unwrap() {
                    after = row.get(0).unwrap();
                    let body = row.get_ref(1).unwrap().as_str().unwrap();
                    let event: prospect::event::Event = serde_json::from_str(body).unwrap();
                    page.push((after, event));
                }
                if page.is_empty() {
                    break;
                }
                read += page.len() as u64;
                black_box(page);
            }
            assert_eq!(read, EVENTS);
        })
    });
    // The rows alone, not decoded: what the decoding costs.
    group.bench_function("raw_rows_only", |b| {
        let connection = Connection::open(&path).unwrap();
        b.iter(|| {
            let mut after = 0i64;
            let mut read = 0u64;
            loop {
                let mut statement = connection
                    .prepare_cached(
                        "SELECT position, body FROM events WHERE position > ?1 ORDER BY position LIMIT ?2",
                    )
                    .unwrap();
                let mut rows = statement.query((after, store::MAX_PAGE as i64)).unwrap();
                let mut n = 0;
                while let Some(row) = rows.next().unwrap() {
                    after = row.get(0).unwrap();
                    black_box(row.get_ref(1).unwrap().as_str().unwrap().len());
                    n += 1;
                }
                if n == 0 {
                    break;
                }
                read += n;
            }
            assert_eq!(read, EVENTS);
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(20);
    targets = sqlite
}

criterion_group! {
    name = outbox_benches;
    config = Criterion::default().measurement_time(Duration::from_secs(20)).sample_size(10);
    targets = outbox
}

fn main() {
    benches();
    outbox_benches();
    Criterion::default().configure_from_args().final_summary();
    baselines::print_ratios(
        "sqlite",
        &[
            (
                "sqlite_lifecycle_writes",
                "adapter",
                "raw_rusqlite",
                "<= 1.3x",
            ),
            ("sqlite_outbox_read", "adapter", "raw_rusqlite", "<= 1.3x"),
            (
                "sqlite_outbox_read",
                "adapter",
                "raw_rows_only",
                "(the decoding's share)",
            ),
        ],
    );
}
