//! The adapter's commits against raw rusqlite doing the same writes: the same rows (JSON body and
//! indexed columns), the same statements, one transaction per batch, but none of the adapter.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use prospect::*;
use prospect::{
    record::{Record, StateError},
    store::{Batch, Precondition, Version},
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
    let (record, o) = keep(o.propose(e.proposal.clone(), ctx));
    batches.push(one(record, Some(v(1))));
    let (record, o) = keep(o.negotiate(Note::new("terms").unwrap(), ctx));
    batches.push(one(record, Some(v(2))));
    let (record, o) = keep(o.enter_contracting(
        PaymentTerms::new(30, 4).unwrap(),
        Incumbent::NoneInPlace,
        ctx,
    ));
    batches.push(one(record, Some(v(3))));
    let (won, account) = o.win(e.contract(), ctx);
    let mut win = one(won.into(), Some(v(4)));
    win.create(account).unwrap();
    batches.push(win);
    batches
}

/// The same rows, written with plain rusqlite.
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
        let changed = match expect {
            Precondition::Absent => tx
                .prepare_cached("INSERT INTO records (kind, id, state, owner, email, version, body) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)")
                .unwrap()
                .execute((kind, &uuid, &state, &owner, &email, &body)),
            Precondition::Version(v) => tx
                .prepare_cached("UPDATE records SET state = ?3, owner = ?4, email = ?5, body = ?6, version = version + 1 WHERE kind = ?1 AND id = ?2 AND version = ?7")
                .unwrap()
                .execute((kind, &uuid, &state, &owner, &email, &body, v.get() as i64)),
        }
        .unwrap();
        assert_eq!(changed, 1);
    }
    tx.commit().unwrap();
}

const SCHEMA: &str = "CREATE TABLE records (
    kind TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, owner TEXT, email TEXT,
    version INTEGER NOT NULL CHECK (version >= 1), body TEXT NOT NULL, PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX records_by_state ON records (kind, state, id);
CREATE INDEX records_by_owner ON records (kind, owner, id);
CREATE INDEX records_by_email ON records (email) WHERE email IS NOT NULL;";

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

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(20);
    targets = sqlite
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    baselines::print_ratios(
        "sqlite",
        &[(
            "sqlite_lifecycle_writes",
            "adapter",
            "raw_rusqlite",
            "<= 1.3x",
        )],
    );
}
