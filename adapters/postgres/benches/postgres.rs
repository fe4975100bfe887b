//! The adapter against a local PostgreSQL server (`PROSPECT_POSTGRES_URL`;
//! `eval "$(scripts/postgres.sh start)"` starts one):
//!
//! - `postgres_lifecycle_writes`: the batches of lifecycles, as the facade commits them (with
//!   their events), through `PostgresStore`, against raw `tokio-postgres` issuing the same
//!   statements in the same READ COMMITTED transactions on one connection (none of the
//!   adapter: no pool, no retry loop, no encoding beyond the same JSON).
//! - commits per second with 1, 4 and 16 concurrent workers in one tenant, at READ COMMITTED
//!   (the default: commits queue on the tenant's outbox counter) and at SERIALIZABLE (they
//!   fail on it and are run again), printed after the criterion runs.

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Datelike, TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use prospect::event::{EventPage, Position};
use prospect::memory::MemoryStore;
use prospect::record::{Record, RecordId};
use prospect::store::{
    AsyncStore, Batch, BatchParts, CommitError, Cursor, Page, Precondition, Query, Store, Versioned,
};
use prospect::*;
use prospect_postgres::{Isolation, PostgresStore, Tenant};
use tokio_postgres::{IsolationLevel, NoTls};

#[path = "../../../benches/baselines/mod.rs"]
mod baselines;

/// A memory store that keeps a copy of every batch committed to it: the facade's batches,
/// events included, to commit again elsewhere.
#[derive(Default)]
struct Recorder {
    inner: MemoryStore,
    batches: Mutex<Vec<Batch>>,
}

impl Store for Recorder {
    type Error = std::convert::Infallible;
    fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, Self::Error> {
        Store::load(&self.inner, id)
    }
    fn commit(&self, batch: Batch) -> Result<(), CommitError<Self::Error>> {
        let copy = batch.clone();
        Store::commit(&self.inner, batch)?;
        self.batches.lock().unwrap().push(copy);
        Ok(())
    }
    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, Self::Error> {
        Store::find_contacts_by_email(&self.inner, email)
    }
    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> Result<Vec<Versioned<Organization>>, Self::Error> {
        Store::find_organizations_by_domain(&self.inner, domain)
    }
    fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, Self::Error> {
        Store::list(&self.inner, query, after, limit)
    }
    fn read_events(&self, after: Option<Position>, limit: usize) -> Result<EventPage, Self::Error> {
        Store::read_events(&self.inner, after, limit)
    }
    fn prune_events(&self, before: Position) -> Result<u64, Self::Error> {
        Store::prune_events(&self.inner, before)
    }
    fn recall_key(
        &self,
        actor: &User,
        key: &prospect::idempotency::IdempotencyKey,
    ) -> Result<Option<prospect::idempotency::Remembered>, Self::Error> {
        Store::recall_key(&self.inner, actor, key)
    }
    fn prune_keys(&self, before: chrono::DateTime<Utc>) -> Result<u64, Self::Error> {
        Store::prune_keys(&self.inner, before)
    }
}

/// The batches of `n` lifecycles through the facade, ids from `seed`, contacts from the
/// `first`th input on (distinct email addresses).
fn lifecycles(n: u64, seed: u32, first: u64) -> Vec<Batch> {
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let evidence = baselines::ours::Evidence::new(start.date_naive()).unwrap();
    let recorder = Recorder::default();
    {
        let crm = Crm::with_clock_and_ids(
            &recorder,
            prospect::access::AllowAll,
            Arc::new(FixedClock::new(start)),
            Arc::new(SequentialIds::new(seed)),
        );
        let me = User::new("claire").unwrap();
        for i in first..first + n {
            baselines::ours::lifecycle_on(&crm, &me, &evidence, baselines::Input::nth(i)).unwrap();
        }
    }
    recorder.batches.into_inner().unwrap()
}

/// The statements, prepared once on a connection (as the adapter's cache does).
struct Statements {
    set: tokio_postgres::Statement,
    claim: tokio_postgres::Statement,
    email: tokio_postgres::Statement,
    insert: tokio_postgres::Statement,
    select: tokio_postgres::Statement,
    share: tokio_postgres::Statement,
    update: tokio_postgres::Statement,
    events: tokio_postgres::Statement,
}

/// The claim bucket of an email or a domain, as the adapter computes it (FNV-1a of
/// `what:key`, modulo 1024), written out here as any raw client would.
fn bucket(what: &str, key: &str) -> i32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in what.bytes().chain([b':']).chain(key.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % 1024) as i32
}

impl Statements {
    async fn prepare(client: &tokio_postgres::Client) -> Statements {
        Statements {
            set: client
                .prepare("SELECT set_config('prospect.tenant', $1, FALSE)")
                .await
                .unwrap(),
            claim: client
                .prepare(
                    "INSERT INTO claims (tenant, bucket, claimed)
                     SELECT $1, bucket, 1 FROM unnest($2::integer[]) AS bucket ORDER BY bucket
                     ON CONFLICT (tenant, bucket) DO UPDATE SET claimed = claims.claimed + 1",
                )
                .await
                .unwrap(),
            email: client
                .prepare(
                    "SELECT id, version FROM records
                      WHERE tenant = $1 AND kind = 'contact' AND email = $2 ORDER BY id LIMIT 1",
                )
                .await
                .unwrap(),
            insert: client
                .prepare(
                    "INSERT INTO records
                         (tenant, kind, id, state, owner, email, body, history_len, history_tip,
                          erased, regarding, contact, created_s, created_ns, expected_close,
                          organization, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                             $16, 1)
                     ON CONFLICT (tenant, kind, id) DO NOTHING",
                )
                .await
                .unwrap(),
            select: client
                .prepare(
                    "SELECT version, history_len, history_tip, erased FROM records
                      WHERE tenant = $1 AND kind = $2 AND id = $3 FOR UPDATE",
                )
                .await
                .unwrap(),
            share: client
                .prepare(
                    "SELECT version, history_len, history_tip, erased FROM records
                      WHERE tenant = $1 AND kind = $2 AND id = $3 FOR SHARE",
                )
                .await
                .unwrap(),
            update: client
                .prepare(
                    "UPDATE records SET state = $4, owner = $5, email = $6, body = $7,
                            history_len = $8, history_tip = $9, erased = $10, regarding = $11,
                            contact = $12, created_s = $13, created_ns = $14,
                            expected_close = $15, organization = $16, version = version + 1
                      WHERE tenant = $1 AND kind = $2 AND id = $3 AND version = $17",
                )
                .await
                .unwrap(),
            events: client
                .prepare(
                    "WITH head AS (
                         INSERT INTO outbox_heads (tenant, last) VALUES ($1, cardinality($2::text[]))
                         ON CONFLICT (tenant) DO UPDATE SET last = outbox_heads.last + EXCLUDED.last
                         RETURNING last
                     )
                     INSERT INTO events (tenant, position, body)
                     SELECT $1, head.last - cardinality($2::text[]) + event.n, event.body
                       FROM head, unnest($2::text[]) WITH ORDINALITY AS event (body, n)",
                )
                .await
                .unwrap(),
        }
    }
}

/// Commits `batches` with raw tokio-postgres: the adapter's statements, in the same
/// transactions, for `tenant`.
async fn raw_commit(
    client: &mut tokio_postgres::Client,
    statements: &Statements,
    tenant: uuid::Uuid,
    batch: Batch,
) {
    let BatchParts {
        writes,
        events,
        absent_emails,
        unchanged,
        ..
    } = batch.into_parts();
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::ReadCommitted)
        .start()
        .await
        .unwrap();
    let setting = tenant.hyphenated().to_string();
    // The tenant for row-level security, pipelined with the statements, as the adapter does.
    let set_params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&setting];
    let set = tx.execute(&statements.set, &set_params);
    let body = async {
        // The lifecycles' batches write no organization: only emails are claimed.
        let writes: Vec<_> = writes.collect();
        let mut claims: Vec<i32> = absent_emails
            .iter()
            .map(EmailAddress::normalized)
            .chain(
                writes
                    .iter()
                    .filter_map(|w| w.record().email().map(EmailAddress::normalized)),
            )
            .map(|email: String| bucket("email", &email))
            .collect();
        claims.sort_unstable();
        claims.dedup();
        if !claims.is_empty() {
            tx.execute(&statements.claim, &[&tenant, &claims])
                .await
                .unwrap();
        }
        for email in absent_emails {
            let found = tx
                .query_opt(&statements.email, &[&tenant, &email.normalized()])
                .await
                .unwrap();
            assert!(found.is_none());
        }
        // The records the batch relies on (a lead's contact), read with a shared lock.
        for (id, version) in unchanged {
            let (kind, uuid) = (id.kind().as_str(), id.as_uuid());
            let row = tx
                .query_one(&statements.share, &[&tenant, &kind, &uuid])
                .await
                .unwrap();
            let found: i64 = row.get(0);
            assert_eq!(found as u64, version.get());
        }
        for write in writes {
            let (record, expect) = write.into_parts();
            let id = record.id();
            let body = serde_json::to_string(&record).unwrap();
            let (kind, uuid) = (id.kind().as_str(), id.as_uuid());
            let state = record.state().key();
            let owner = record.owner().map(|o| o.as_str().to_string());
            let email = record.email().map(EmailAddress::normalized);
            let regarding = record
                .regarding()
                .map(|r| format!("{}/{}", r.kind().as_str(), r.as_uuid().hyphenated()));
            let contact = record.contact().map(|c| c.as_uuid());
            let created = record.created_at();
            let (secs, nanos) = (
                created.timestamp(),
                i64::from(created.timestamp_subsec_nanos()),
            );
            let close = record.expected_close().map(|d| d.num_days_from_ce());
            let organization = record.organization().map(|o| o.as_uuid());
            let mark = record.history_mark();
            let (len, tip, erased) = (mark.len() as i64, mark.tip() as i64, mark.is_erased());
            match expect {
                Precondition::Absent => {
                    let n = tx
                        .execute(
                            &statements.insert,
                            &[
                                &tenant,
                                &kind,
                                &uuid,
                                &state,
                                &owner,
                                &email,
                                &body,
                                &len,
                                &tip,
                                &erased,
                                &regarding,
                                &contact,
                                &secs,
                                &nanos,
                                &close,
                                &organization,
                            ],
                        )
                        .await
                        .unwrap();
                    assert_eq!(n, 1);
                }
                Precondition::Version(v) => {
                    let row = tx
                        .query_one(&statements.select, &[&tenant, &kind, &uuid])
                        .await
                        .unwrap();
                    let version: i64 = row.get(0);
                    assert_eq!(version as u64, v.get());
                    let expected = v.get() as i64;
                    tx.execute(
                        &statements.update,
                        &[
                            &tenant,
                            &kind,
                            &uuid,
                            &state,
                            &owner,
                            &email,
                            &body,
                            &len,
                            &tip,
                            &erased,
                            &regarding,
                            &contact,
                            &secs,
                            &nanos,
                            &close,
                            &organization,
                            &expected,
                        ],
                    )
                    .await
                    .unwrap();
                }
            }
        }
        if !events.is_empty() {
            let bodies: Vec<String> = events
                .iter()
                .map(|event| serde_json::to_string(event).unwrap())
                .collect();
            tx.execute(&statements.events, &[&tenant, &bodies])
                .await
                .unwrap();
        }
    };
    let (set, ()) = tokio::join!(set, body);
    set.unwrap();
    tx.commit().await.unwrap();
}

fn postgres(c: &mut Criterion) {
    let Ok(url) = std::env::var("PROSPECT_POSTGRES_URL") else {
        eprintln!(
            "skipped: PROSPECT_POSTGRES_URL is not set (eval \"$(scripts/postgres.sh start)\")"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The schema, made once.
    let store = runtime
        .block_on(PostgresStore::connect(&url, Tenant::generate()))
        .unwrap();
    let mut group = c.benchmark_group("postgres_lifecycle_writes");
    group.bench_function("adapter", |b| {
        b.iter_custom(|iters| {
            let batches = lifecycles(iters, 1, 0);
            let store = store.for_tenant(Tenant::generate());
            let began = Instant::now();
            runtime.block_on(async {
                for batch in batches {
                    store.commit(batch).await.unwrap();
                }
            });
            began.elapsed()
        })
    });
    group.bench_function("raw_tokio_postgres", |b| {
        b.iter_custom(|iters| {
            let batches = lifecycles(iters, 1, 0);
            let tenant = Tenant::generate().as_uuid();
            runtime.block_on(async {
                let (mut client, connection) = tokio_postgres::connect(&url, NoTls).await.unwrap();
                let connection = tokio::spawn(connection);
                let statements = Statements::prepare(&client).await;
                let began = Instant::now();
                for batch in batches {
                    raw_commit(&mut client, &statements, tenant, batch).await;
                }
                let elapsed = began.elapsed();
                drop(client);
                let _ = connection.await;
                black_box(elapsed)
            })
        })
    });
    group.finish();
}

/// The adapter and raw tokio-postgres in turns, one lifecycle (its eight commits) each, for
/// `rounds` rounds, the one going first alternating: the medians of their times. A host whose
/// speed drifts during the run (this machine's disk does, by a factor of two over minutes)
/// weighs on both alike, where criterion's two measurements, ten seconds apart, can each meet
/// a different host.
fn interleaved(url: &str, rounds: u64) -> (Duration, Duration) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = PostgresStore::connect(url, Tenant::generate())
            .await
            .unwrap();
        let (mut client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
        tokio::spawn(connection);
        let statements = Statements::prepare(&client).await;
        let raw_tenant = Tenant::generate().as_uuid();
        // The same lifecycles on both sides, each in a tenant of its own.
        let ours = lifecycles(rounds, 7, 0);
        let theirs = lifecycles(rounds, 7, 0);
        assert_eq!(ours.len() as u64, 8 * rounds, "eight commits a lifecycle");
        let (mut ours, mut theirs) = (ours.into_iter(), theirs.into_iter());
        let (mut adapter, mut raw) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            for side in [round % 2, 1 - round % 2] {
                let began = Instant::now();
                if side == 0 {
                    for batch in ours.by_ref().take(8) {
                        store.commit(batch).await.unwrap();
                    }
                    adapter.push(began.elapsed());
                } else {
                    for batch in theirs.by_ref().take(8) {
                        raw_commit(&mut client, &statements, raw_tenant, batch).await;
                    }
                    raw.push(began.elapsed());
                }
            }
        }
        adapter.sort_unstable();
        raw.sort_unstable();
        (adapter[adapter.len() / 2], raw[raw.len() / 2])
    })
}

/// Commits per second with `workers` concurrent workers in one tenant at `isolation`, each
/// committing the lifecycles of its own contacts for `for_how_long`; how many tries were run
/// again; how many commits gave up.
fn commits_per_second(
    url: &str,
    isolation: Isolation,
    workers: usize,
    for_how_long: Duration,
) -> (f64, u64, u64) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = PostgresStore::connect_with(url, Tenant::generate(), workers)
            .await
            .unwrap()
            .with_isolation(isolation);
        let batches: Vec<Vec<Batch>> = (0..workers)
            .map(|w| lifecycles(400, 100 + w as u32, 400 * w as u64))
            .collect();
        let began = Instant::now();
        let tasks: Vec<_> = batches
            .into_iter()
            .map(|batches| {
                let store = store.clone();
                tokio::spawn(async move {
                    let (mut done, mut failed) = (0u64, 0u64);
                    for batch in batches {
                        if began.elapsed() > for_how_long {
                            break;
                        }
                        if let Err(e) = store.commit(batch).await {
                            eprintln!("a commit failed: {e}");
                            failed += 1;
                            break;
                        }
                        done += 1;
                    }
                    (done, failed)
                })
            })
            .collect();
        let (mut commits, mut failed) = (0, 0);
        for task in tasks {
            let (done, gave_up) = task.await.unwrap();
            commits += done;
            failed += gave_up;
        }
        // A worker whose commit gave up stopped there; the rate counts what committed.
        (
            commits as f64 / began.elapsed().as_secs_f64(),
            store.retried(),
            failed,
        )
    })
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(10)).sample_size(10);
    targets = postgres
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    baselines::print_ratios(
        "postgres",
        &[(
            "postgres_lifecycle_writes",
            "adapter",
            "raw_tokio_postgres",
            "<= 1.2x",
        )],
    );
    if let Ok(url) = std::env::var("PROSPECT_POSTGRES_URL") {
        let (adapter, raw) = interleaved(&url, 500);
        println!(
            "\npostgres: a lifecycle's eight commits, 500 rounds in turns (medians): adapter {:.2} ms / raw tokio-postgres {:.2} ms = {:.2}x  (target <= 1.2x)",
            adapter.as_secs_f64() * 1e3,
            raw.as_secs_f64() * 1e3,
            adapter.as_secs_f64() / raw.as_secs_f64()
        );
        println!("\npostgres: commits per second in one tenant (lifecycles with their events)");
        for isolation in [Isolation::ReadCommitted, Isolation::Serializable] {
            for workers in [1, 4, 16] {
                let (rate, retried, failed) =
                    commits_per_second(&url, isolation, workers, Duration::from_secs(5));
                println!(
                    "  {isolation:?}, {workers:>2} workers: {rate:>7.0} commits/s \
                     ({retried} tries run again, {failed} commits gave up)"
                );
            }
        }
    }
}
