//! The conformance kit against SQLite, in memory and on files; and what only a database has:
//! two connections racing, reopening, schema versions, corrupt rows.

use std::path::PathBuf;
use std::sync::Barrier;
use std::thread;

use prospect::testkit::Sample;
use prospect::*;
use prospect::{
    record::{Record, RecordId, RecordKind},
    store::{Batch, CommitError, ConflictKind, Query, Versioned},
};
use prospect_sqlite::{AsyncSqliteStore, SCHEMA_VERSION, SqliteError, SqliteStore};

/// A new database file under cargo's temporary directory for tests.
fn temp_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("prospect-{}.db", uuid::Uuid::now_v7()))
}

fn file_store() -> SqliteStore {
    SqliteStore::open(temp_path()).expect("a new database file opens")
}

prospect::store_conformance!(in_memory, SqliteStore::open_in_memory().expect("opens"));
/// Closes a file store and opens its file again.
fn reopen(store: SqliteStore) -> SqliteStore {
    let path = store.path().expect("a file store").to_owned();
    drop(store);
    SqliteStore::open(path).expect("the file opens again")
}

/// The kit's `corrupt` hook, on the file at `path`: the record's body (or the event's)
/// replaced by JSON no release reads, its row and index columns left as they were.
fn corrupt_file(path: &std::path::Path, plant: prospect::testkit::Plant) {
    use prospect::testkit::Plant;
    let raw = rusqlite::Connection::open(path).expect("the file opens");
    let changed = match plant {
        Plant::Record(id) => raw.execute(
            "UPDATE records SET body = '{\"type\": \"broken\"}' WHERE kind = ?1 AND id = ?2",
            [id.kind().as_str(), &id.as_uuid().hyphenated().to_string()],
        ),
        Plant::Event(position) => raw.execute(
            "UPDATE events SET body = '{\"type\": \"broken\"}' WHERE position = ?1",
            [i64::try_from(position.get()).expect("a position SQLite keeps")],
        ),
        other => panic!("a plant this test does not know: {other:?}"),
    };
    assert_eq!(
        changed.expect("the row is updated"),
        1,
        "{plant:?}: one row"
    );
}

fn corrupt(store: &SqliteStore, plant: prospect::testkit::Plant) {
    corrupt_file(store.path().expect("a file store"), plant);
}

prospect::store_conformance!(on_file, file_store(), reopen = reopen, corrupt = corrupt);

/// Closes an async file store (its threads end) and opens its file again.
fn reopen_async(store: AsyncSqliteStore) -> AsyncSqliteStore {
    let path = store.path().expect("a file store").to_owned();
    drop(store);
    AsyncSqliteStore::new(SqliteStore::open(path).expect("the file opens again"))
        .expect("its threads start")
}

fn corrupt_async(store: &AsyncSqliteStore, plant: prospect::testkit::Plant) {
    corrupt_file(store.path().expect("a file store"), plant);
}

prospect::async_store_conformance!(
    async_in_memory,
    AsyncSqliteStore::new(SqliteStore::open_in_memory().expect("opens"))
        .expect("its threads start")
);
prospect::async_store_conformance!(
    async_on_file,
    AsyncSqliteStore::new(file_store()).expect("its threads start"),
    reopen = reopen_async,
    corrupt = corrupt_async,
    stress = 2_000
);

/// A commit that waits for the write lock (another connection holds it) does not hold up
/// reads: they go through the store's read-only connections.
#[test]
fn reads_do_not_wait_behind_a_commit() {
    let path = temp_path();
    let store = SqliteStore::open(&path).unwrap();
    let sample = Sample::new(7);
    let contact = sample.contact();
    let mut batch = Batch::new();
    batch.create(contact.clone()).unwrap();
    store.commit(batch).unwrap();
    // Another connection takes the write lock and keeps it.
    let mut other = rusqlite::Connection::open(&path).unwrap();
    let holder = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    thread::scope(|s| {
        let waiting = s.spawn(|| {
            let mut batch = Batch::new();
            batch.create(sample.contact()).unwrap();
            // Waits for the lock (the busy timeout), holding the store's writer.
            store.commit(batch)
        });
        thread::sleep(std::time::Duration::from_millis(200));
        let began = std::time::Instant::now();
        for _ in 0..20 {
            assert!(
                store
                    .load(RecordId::Contact(contact.id()))
                    .unwrap()
                    .is_some()
            );
        }
        let reading = began.elapsed();
        assert!(
            !waiting.is_finished(),
            "the commit is still waiting for the lock"
        );
        assert!(
            reading < std::time::Duration::from_secs(2),
            "reads waited {reading:?} behind a commit"
        );
        drop(holder);
        waiting.join().unwrap().unwrap();
    });
}

/// A store commits with `synchronous = FULL` unless told otherwise.
#[test]
fn durability_is_full_by_default_and_normal_on_request() {
    use prospect_sqlite::Durability;
    assert_eq!(file_store().durability().unwrap(), Durability::Full);
    let normal = SqliteStore::open_with(temp_path(), Durability::Normal).unwrap();
    assert_eq!(normal.durability().unwrap(), Durability::Normal);
}

#[test]
fn two_connections_racing_on_one_record_never_lose_an_update() {
    let path = temp_path();
    let (a, b) = (
        SqliteStore::open(&path).unwrap(),
        SqliteStore::open(&path).unwrap(),
    );
    let sample = Sample::new(1);
    let contact = sample.contact();
    let mut batch = Batch::new();
    batch.create(contact.clone()).unwrap();
    a.commit(batch).unwrap();
    let id = RecordId::Contact(contact.id());
    let rounds = 50;
    let wins: Vec<usize> = (0..rounds)
        .map(|_| {
            let current = a.load(id).unwrap().unwrap();
            let barrier = Barrier::new(2);
            let won: usize = thread::scope(|s| {
                let racers = [&a, &b].map(|store| {
                    let (current, barrier) = (current.clone(), &barrier);
                    s.spawn(move || {
                        let mut batch = Batch::new();
                        batch
                            .update(current.value().clone(), current.version())
                            .unwrap();
                        barrier.wait();
                        match store.commit(batch) {
                            Ok(()) => 1,
                            Err(CommitError::Conflict(c)) => {
                                assert_eq!(c.expected, Some(current.version()));
                                assert_eq!(c.actual, Some(current.version().next()));
                                0
                            }
                            Err(e) => panic!("{e}"),
                        }
                    })
                });
                racers.into_iter().map(|h| h.join().unwrap()).sum()
            });
            won
        })
        .collect();
    assert!(
        wins.iter().all(|w| *w == 1),
        "exactly one writer wins each round: {wins:?}"
    );
    let last = b.load(id).unwrap().unwrap();
    assert_eq!(
        last.version().get(),
        rounds as u64 + 1,
        "every update counted: none lost"
    );
}

#[test]
fn a_reopened_database_keeps_its_records_and_schema_version() {
    let path = temp_path();
    let sample = Sample::new(2);
    let records = sample.every_state();
    {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let mut batch = Batch::new();
        for record in &records {
            batch.create(record.clone()).unwrap();
        }
        store.commit(batch).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    for record in records {
        assert_eq!(
            store.load(record.id()).unwrap().unwrap().into_inner(),
            record
        );
    }
}

#[test]
fn a_database_from_a_newer_adapter_is_refused() {
    let path = temp_path();
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.pragma_update(None, "user_version", 99).unwrap();
    }
    match SqliteStore::open(&path) {
        Err(SqliteError::SchemaTooNew {
            found: 99,
            supported,
        }) => assert_eq!(supported, SCHEMA_VERSION),
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn a_corrupt_row_is_an_error_naming_the_record_and_the_others_are_still_served() {
    let path = temp_path();
    let store = SqliteStore::open(&path).unwrap();
    let sample = Sample::new(3);
    let (good, bad) = (sample.contact(), sample.contact());
    let mut batch = Batch::new();
    batch.create(good.clone()).unwrap();
    batch.create(bad.clone()).unwrap();
    store.commit(batch).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    let bad_id = bad.id().as_uuid().hyphenated().to_string();
    raw.execute(
        "UPDATE records SET body = json_set(body, '$.details.email', 'not-an-email') WHERE id = ?1",
        [&bad_id],
    )
    .unwrap();
    let err = store.load(RecordId::Contact(bad.id())).unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&bad_id), "{message}");
    assert!(message.contains("email: missing @"), "{message}");
    assert_eq!(
        store
            .load(RecordId::Contact(good.id()))
            .unwrap()
            .unwrap()
            .into_inner(),
        Record::Contact(good)
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Random legal walks through the facade on SQLite, under arbitrary clock readings: every
    /// record is stored as JSON and read back (the walk loads and scans each one).
    #[test]
    fn clock_readings_never_make_a_row_unreadable(
        readings in proptest::collection::vec(prospect::strategies::clock_reading(), 1..24),
        choices in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..160),
    ) {
        let store = SqliteStore::open_in_memory().unwrap();
        prospect::testkit::walk_under_clock(&store, readings, &choices);
    }
}

/// Rows written by schema 1 have no history mark: an update reads it from the body, so a stale
/// copy is refused there too, and a good update fills the mark in.
#[test]
fn rows_written_before_the_history_mark_are_checked_from_their_body() {
    let path = temp_path();
    let sample = Sample::new(4);
    let crm = sample.crm(SqliteStore::open(&path).unwrap());
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    let stale_copy = crm
        .load::<Lead<state::Working>>(lead.id(), &prospect::User::new("test:reader").unwrap())
        .unwrap();
    let lead = crm.nurture(lead, sample.note("later"), me).unwrap();
    // Forget the marks, as a database migrated from schema 1 has none.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE records SET history_len = NULL, history_tip = NULL, erased = NULL",
        [],
    )
    .unwrap();
    let stale = Versioned::new(stale_copy.into_inner(), lead.version());
    match crm.disqualify(stale, sample.disqualification(), me) {
        Err(CrmError::Conflict(c)) => assert_eq!(c.kind, ConflictKind::StaleHistory, "{c}"),
        other => panic!("expected a stale-history conflict, got {other:?}"),
    }
    let lead = crm.resume(lead, sample.touch(), me).unwrap();
    let (len, erased): (i64, bool) = raw
        .query_row(
            "SELECT history_len, erased FROM records WHERE kind = 'lead' AND id = ?1",
            [lead.id().as_uuid().hyphenated().to_string()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((len, erased), (4, false), "the update wrote the mark");
}

/// The bytes of the database file, its write-ahead log and its shared-memory file (those that
/// exist), for searching.
fn raw_files(path: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            std::fs::read(&file)
                .ok()
                .map(|bytes| (file.display().to_string(), bytes))
        })
        .collect()
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// After `erase_contact`, no erased value is left in the database file, its WAL or its
/// shared-memory file: read raw with the store still open, and again after reopening.
#[test]
fn erase_leaves_no_erased_value_in_the_files() {
    let path = temp_path();
    let sample = Sample::new(5);
    let me = sample.actor();
    let secrets = [
        "zqsecret.person@zqmail.example",
        "Zqsecret Person",
        "Zqsecret interest",
        "+44 20 7946 0958",
    ];
    {
        let crm = sample.crm(SqliteStore::open(&path).unwrap());
        let details = ContactDetails::new(
            Party::person(PersonName::new(secrets[1]).unwrap()),
            LeadSource::Web,
        )
        .with_email(EmailAddress::new(secrets[0]).unwrap())
        .with_phone(PhoneNumber::new(secrets[3]).unwrap());
        let contact = crm
            .create_contact(details, OnDuplicate::Refuse, me)
            .unwrap()
            .into_contact();
        let interest = Interest::new(Summary::new(secrets[2]).unwrap(), BuyingRole::User);
        let lead = crm.open_lead(&contact, interest, me).unwrap();
        let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
        crm.nurture(lead, sample.note("later"), me).unwrap();
        // Other records around it, written before and after.
        for _ in 0..20 {
            crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
                .unwrap();
        }
        let before = raw_files(&path);
        assert!(
            before.iter().any(|(_, bytes)| holds(bytes, secrets[0])),
            "the test looks at the right files"
        );
        let contact = crm
            .load::<Contact>(contact.id(), &prospect::User::new("test:reader").unwrap())
            .unwrap();
        crm.erase_contact(contact, me).unwrap();
        for (file, bytes) in raw_files(&path) {
            for secret in secrets {
                assert!(
                    !holds(&bytes, secret),
                    "{secret:?} is still in {file} (store open)"
                );
            }
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store
            .scan(RecordKind::Contact, &mut |_| {})
            .unwrap()
            .visited,
        21
    );
    for (file, bytes) in raw_files(&path) {
        for secret in secrets {
            assert!(
                !holds(&bytes, secret),
                "{secret:?} is still in {file} (reopened)"
            );
        }
    }
}

/// Rows corrupted several ways: each is reported by `load` (naming it) and by `list` and
/// `scan` (with its id and reason), and every other record is still served; the funnel
/// report, `check_consistency` and an erasure go on with the rest and say what they could not
/// read.
#[test]
fn corrupt_rows_are_reported_and_every_other_record_is_served() {
    let path = temp_path();
    let sample = Sample::new(6);
    let crm = sample.crm(SqliteStore::open(&path).unwrap());
    let me = sample.actor();
    let contacts: Vec<Versioned<Contact>> = (0..12)
        .map(|_| {
            crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
                .unwrap()
                .into_contact()
        })
        .collect();
    let mut leads = Vec::new();
    for contact in &contacts {
        let lead = crm.open_lead(contact, sample.interest(), me).unwrap();
        leads.push(crm.log_touch(lead, sample.touch(), me).unwrap().id());
    }
    let report = prospect::funnel::PipelineReport::from_store(crm.store()).unwrap();
    assert_eq!(report.unreadable(), 0);

    // (what is done to the row, the SQL, what the error says)
    let corruptions: &[(&str, &str, &str)] = &[
        (
            "bad JSON",
            "UPDATE records SET body = '{\"type\": \"lead\",' WHERE id = ?1",
            "EOF",
        ),
        (
            "a wrong JSON type",
            "UPDATE records SET body = json_set(body, '$.history[1].at', 42) WHERE id = ?1",
            "history[1].at: invalid type",
        ),
        (
            "a BLOB body",
            "UPDATE records SET body = CAST(body AS BLOB) WHERE id = ?1",
            "not text",
        ),
        (
            "a broken history",
            "UPDATE records SET body = json_remove(body, '$.history[0]') WHERE id = ?1",
            "history",
        ),
        (
            "a state column that disagrees",
            "UPDATE records SET state = 'lead/new' WHERE id = ?1",
            "state column disagrees",
        ),
        (
            "an owner column that disagrees",
            "UPDATE records SET owner = 'mallory' WHERE id = ?1",
            "owner column disagrees",
        ),
        (
            "a contact column that disagrees",
            "UPDATE records SET contact = 'someone else' WHERE id = ?1",
            "contact column disagrees",
        ),
        (
            "a version of 0",
            "UPDATE records SET version = 0 WHERE id = ?1",
            "not a version",
        ),
        (
            "a version that is text",
            "UPDATE records SET version = 'two' WHERE id = ?1",
            "not an integer",
        ),
    ];
    let raw = rusqlite::Connection::open(&path).unwrap();
    // The CHECK on version forbids 0 and text: a database edited by another tool may not have it.
    raw.pragma_update(None, "ignore_check_constraints", true)
        .unwrap();
    let mut bad = std::collections::BTreeMap::new();
    for ((what, sql, says), id) in corruptions.iter().zip(&leads) {
        let uuid = id.as_uuid().hyphenated().to_string();
        assert_eq!(raw.execute(sql, [&uuid]).unwrap(), 1, "{what}");
        bad.insert(uuid, (*what, *says));
    }
    let store = crm.store();
    for id in &leads {
        let uuid = id.as_uuid().hyphenated().to_string();
        match (store.load(RecordId::Lead(*id)), bad.get(&uuid)) {
            (Err(e), Some((what, says))) => {
                let message = e.to_string();
                assert!(
                    message.contains(&uuid),
                    "{what}: {message} names the record"
                );
                assert!(message.contains(says), "{what}: {message} says {says:?}");
            }
            (Ok(Some(_)), None) => {}
            (other, expected) => panic!("lead {uuid}: {other:?}, expected {expected:?}"),
        }
    }
    // Listings page past the unreadable rows, a few at a time.
    let mut listed = Vec::new();
    let mut unreadable = Vec::new();
    let mut after = None;
    for _ in 0..20 {
        let page = store
            .list(&Query::of_kind(RecordKind::Lead), after, 3)
            .unwrap();
        listed.extend(page.records.iter().map(|r| r.id()));
        unreadable.extend(page.unreadable);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        listed.len(),
        leads.len() - corruptions.len(),
        "every good lead is listed"
    );
    assert_eq!(
        unreadable.len(),
        corruptions.len(),
        "every bad one is reported"
    );
    for u in &unreadable {
        let (what, says) = bad[&u.id];
        assert_eq!(u.kind, RecordKind::Lead, "{what}");
        assert!(u.reason.contains(says), "{what}: {u} says {says:?}");
    }
    let scanned = store.scan(RecordKind::Lead, &mut |_| {}).unwrap();
    assert_eq!(scanned.visited as usize, leads.len() - corruptions.len());
    assert_eq!(scanned.unreadable, unreadable);
    // Those who read everything go on with the rest, and say what they could not read.
    let report = prospect::funnel::PipelineReport::from_store(store).unwrap();
    assert_eq!(report.unreadable() as usize, corruptions.len());
    assert_eq!(
        report.total_leads() as usize,
        leads.len() - corruptions.len()
    );
    let problems = prospect::testkit::check_consistency(store).unwrap_err();
    assert_eq!(problems.len(), corruptions.len(), "{problems:?}");
    // An erasure finds the contact's records by contact: a contact whose lead is readable
    // erases it, and one whose lead is corrupt is told so (the other contacts' rows are none
    // of its business).
    let erased = crm.erase_contact(contacts[11].clone(), me).unwrap();
    assert_eq!(erased.leads.len(), 1, "the contact's own lead is readable");
    assert!(erased.unreadable.is_empty(), "{:?}", erased.unreadable);
    let erased = crm.erase_contact(contacts[0].clone(), me).unwrap();
    assert!(erased.leads.is_empty());
    assert_eq!(
        erased
            .unreadable
            .iter()
            .map(|u| u.id.as_str())
            .collect::<Vec<_>>(),
        vec![leads[0].as_uuid().hyphenated().to_string()],
        "its corrupt lead is reported"
    );
}

/// Schema 3 keeps the record an activity is about in a column, schema 4 the contact each
/// record is of, schema 5 when it was created and an opportunity's expected close: a database
/// of schema 2 gets them all filled in from the bodies when it is opened (every kind of
/// record, every state: each row reads, so its columns say what its body says), and lists by
/// them.
#[test]
fn migrating_from_schema_2_fills_in_what_each_activity_is_about_each_records_contact_and_times() {
    let path = temp_path();
    let sample = Sample::new(12);
    let me = sample.actor();
    let (lead_id, logged, account_contact) = {
        let crm = sample.crm(SqliteStore::open(&path).unwrap());
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .unwrap()
            .into_contact();
        let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
        let call =
            || prospect::ActivityDetails::new(prospect::ActivityKind::Call, sample.summary("call"));
        let mut logged = Vec::new();
        for _ in 0..3 {
            logged.push(RecordId::from(
                crm.log_activity_on_lead(&lead, call(), me).unwrap().id(),
            ));
            crm.log_activity_on_contact(&contact, call(), me).unwrap();
        }
        logged.sort();
        let every = sample.every_state();
        let account_contact = every
            .iter()
            .find(|r| r.kind() == RecordKind::Account)
            .and_then(Record::contact)
            .unwrap();
        let mut batch = Batch::new();
        for record in every {
            batch.create(record).unwrap();
        }
        crm.store().commit(batch).unwrap();
        (lead.id(), logged, account_contact)
    };
    // Back to schema 2: no columns, no indexes.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP INDEX records_by_regarding;
         ALTER TABLE records DROP COLUMN regarding;
         DROP INDEX records_by_contact;
         ALTER TABLE records DROP COLUMN contact;
         DROP INDEX records_by_created;
         DROP INDEX records_by_close;
         ALTER TABLE records DROP COLUMN created_s;
         ALTER TABLE records DROP COLUMN created_ns;
         ALTER TABLE records DROP COLUMN expected_close;
         DROP INDEX records_by_organization;
         ALTER TABLE records DROP COLUMN organization;
         DROP TABLE domains;
         DROP TABLE events;
         DROP TABLE idempotency_keys;
         DROP TABLE field_terms;
         DROP TABLE duplicate_keys;
         PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(raw);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let page = store
        .list(&Query::activities_about(lead_id), None, 10)
        .unwrap();
    assert!(page.unreadable.is_empty(), "{:?}", page.unreadable);
    let listed: Vec<RecordId> = page.records.iter().map(|r| r.id()).collect();
    assert_eq!(listed, logged);
    // Every record reads (its contact column says what its body says), and a contact's
    // records are listed by it.
    for kind in RecordKind::ALL {
        let scanned = store.scan(kind, &mut |_| {}).unwrap();
        assert!(scanned.is_complete(), "{kind}: {:?}", scanned.unreadable);
    }
    let lead = store.load(RecordId::Lead(lead_id)).unwrap().unwrap();
    let contact = lead.value().contact().unwrap();
    let of = |kind| {
        let page = store
            .list(&Query::of_kind(kind).of_contact(contact), None, 10)
            .unwrap();
        page.records.len()
    };
    assert_eq!((of(RecordKind::Lead), of(RecordKind::Activity)), (1, 6));
    let accounts = store
        .list(
            &Query::of_kind(RecordKind::Account).of_contact(account_contact),
            None,
            10,
        )
        .unwrap();
    assert_eq!(
        accounts.records.len(),
        1,
        "the account of its primary contact"
    );
}

/// The positions of the events kept.
fn kept(store: &SqliteStore) -> Vec<u64> {
    let page = prospect::store::Store::read_events(store, None, 1_000).unwrap();
    page.events.iter().map(|e| e.position.get()).collect()
}

#[test]
fn a_bounded_outbox_keeps_its_last_events_or_its_recent_ones() {
    let sample = Sample::new(97);
    let me = sample.actor();
    // By count: the last three, whatever a consumer read.
    let store = SqliteStore::open_in_memory()
        .unwrap()
        .with_retention(prospect::store::Retention::Last(3));
    let crm = sample.crm(&store);
    for _ in 0..5 {
        crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .unwrap();
    }
    assert_eq!(kept(&store), [3, 4, 5]);
    // By age: the events within two hours of the newest.
    let store =
        SqliteStore::open(temp_path())
            .unwrap()
            .with_retention(prospect::store::Retention::Within(
                chrono::TimeDelta::hours(2),
            ));
    let crm = sample.crm(&store);
    for _ in 0..5 {
        crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .unwrap();
        sample.tick(); // an hour
    }
    assert_eq!(
        kept(&store),
        [3, 4, 5],
        "the last three hours, two before the newest"
    );
    // By default, every event, until pruned.
    let store = SqliteStore::open_in_memory().unwrap();
    let crm = sample.crm(&store);
    for _ in 0..5 {
        crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .unwrap();
    }
    assert_eq!(kept(&store), [1, 2, 3, 4, 5]);
}

#[test]
fn migrating_from_schema_8_gives_the_events_kept_their_time() {
    let sample = Sample::new(98);
    let path = temp_path();
    {
        let store = SqliteStore::open(&path).unwrap();
        let crm = sample.crm(&store);
        crm.create_contact(
            sample.contact_details(),
            OnDuplicate::Refuse,
            sample.actor(),
        )
        .unwrap();
    }
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP INDEX events_by_time;
         ALTER TABLE events DROP COLUMN occurred_s;
         DROP TABLE field_terms;
         DROP TABLE duplicate_keys;
         PRAGMA user_version = 8;",
    )
    .unwrap();
    drop(raw);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let occurred: i64 = raw
        .query_row("SELECT occurred_s FROM events", [], |row| row.get(0))
        .unwrap();
    assert_eq!(occurred, sample.clock().now().timestamp());
}

#[test]
fn migrating_from_schema_9_indexes_the_custom_values_stored() {
    use prospect::fields::{
        FieldDefinition, FieldKey, FieldType, FieldValue, FieldValues, PicklistOption,
        SchemaChange, SchemaVersion, WithFields,
    };
    use prospect::store::FieldMatch;
    let sample = Sample::new(99);
    let path = temp_path();
    let key = |k: &str| FieldKey::new(k).unwrap();
    let tier = key("tier");
    let created: Vec<RecordId> = {
        let store = SqliteStore::open(&path).unwrap();
        let crm = sample.crm(&store);
        let options = ["gold", "silver"]
            .map(|o| PicklistOption::new(key(o), o))
            .to_vec();
        let field = FieldDefinition::new(tier.clone(), "Tier", FieldType::Picklist { options });
        let change = SchemaChange::AddField {
            kind: RecordKind::Contact,
            field,
        };
        crm.change_field_schema(SchemaVersion::EMPTY, change, sample.actor())
            .unwrap();
        (0..4)
            .map(|i| {
                let mut values = FieldValues::new();
                values.set(
                    tier.clone(),
                    FieldValue::Picklist(key(["gold", "silver"][i % 2])),
                );
                let details = WithFields::new(sample.contact_details(), values);
                let contact = crm
                    .create_contact(details, OnDuplicate::Refuse, sample.actor())
                    .unwrap()
                    .into_contact();
                RecordId::from(contact.id())
            })
            .collect()
    };
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE field_terms; DROP TABLE duplicate_keys; PRAGMA user_version = 9;",
    )
    .unwrap();
    drop(raw);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let gold =
        Query::of_kind(RecordKind::Contact).with_field(tier, FieldMatch::Picklist(key("gold")));
    let page = store.list(&gold, None, 10).unwrap();
    let listed: Vec<RecordId> = page.records.iter().map(|r| r.id()).collect();
    let mut expected = vec![created[0], created[2]];
    expected.sort_by_key(|id| id.as_uuid());
    assert_eq!(
        listed, expected,
        "the gold contacts, indexed by the migration"
    );
}

#[test]
fn migrating_from_schema_10_indexes_the_duplicate_keys_of_contacts_and_organizations() {
    use prospect::{Domain, OrganizationDetails, OrganizationName};
    let sample = Sample::new(100);
    let path = temp_path();
    let (contact, organization) = {
        let store = SqliteStore::open(&path).unwrap();
        let crm = sample.crm(&store);
        let contact = crm
            .create_contact(
                sample.contact_details(),
                OnDuplicate::Refuse,
                sample.actor(),
            )
            .unwrap()
            .into_contact()
            .into_parts()
            .0;
        let details = OrganizationDetails::new(OrganizationName::new("ACME Corp").unwrap())
            .with_domain(Domain::new("acme.test").unwrap());
        let organization = crm
            .create_organization(details, OnDuplicate::Refuse, sample.actor())
            .unwrap()
            .into_organization()
            .into_parts()
            .0;
        (Record::from(contact), Record::from(organization))
    };
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch("DROP TABLE duplicate_keys; PRAGMA user_version = 10;")
        .unwrap();
    drop(raw);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    for record in [contact, organization] {
        let keys = record.duplicate_keys();
        assert!(!keys.is_empty());
        for key in keys {
            let query = Query::of_kind(record.kind()).with_duplicate_key(key.clone());
            let listed: Vec<RecordId> = store
                .list(&query, None, 10)
                .unwrap()
                .records
                .iter()
                .map(|r| r.id())
                .collect();
            assert_eq!(
                listed,
                [record.id()],
                "by its {} key, indexed by the migration",
                key.kind()
            );
        }
    }
}
