//! Webhook delivery against a receiver on loopback that fails on purpose: every event arrives,
//! signed, in order per record; a message that always fails is parked after its last attempt
//! and the others go on; a worker started again resumes from the saved cursor.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use prospect::access::AllowAll;
use prospect::event::Position;
use prospect::memory::MemoryStore;
use prospect::store::AsyncStore;
use prospect::testkit::Sample;
use prospect::webhook::{Secret, verify};
use prospect::{AsyncCrm, OnDuplicate};
use prospect_service::webhooks::{DeliveryState, Endpoint, deliver};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// What the receiver saw of one request.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    /// The record and version the event is about (`data.record`, `data.version`).
    record: String,
    version: u64,
    answered: u16,
}

/// A receiver on loopback: checks each request's signature, answers what `answer` says for
/// the `n`th request of a `webhook-id` (from 1), and keeps every request it saw.
async fn receiver(
    answer: impl Fn(&str, usize, &str) -> StatusCode + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Received>>>) {
    let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
    let log = Arc::clone(&seen);
    let answer = Arc::new(answer);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (log, answer) = (Arc::clone(&log), Arc::clone(&answer));
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string()
                };
                let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
                let secret = Secret::new(SECRET).unwrap();
                let now = chrono::Utc::now().timestamp();
                let signed = verify(
                    &secret,
                    &id,
                    timestamp.parse().unwrap_or(0),
                    &body,
                    &header("webhook-signature"),
                    now,
                );
                assert!(signed.is_ok(), "a request not signed: {signed:?}");
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let record = json["data"]["record"].to_string();
                let version = json["data"]["version"].as_u64().unwrap();
                let mut log = log.lock().unwrap();
                let n = log.iter().filter(|r| r.id == id).count() + 1;
                let status = answer(&id, n, &record);
                log.push(Received {
                    id,
                    record,
                    version,
                    answered: status.as_u16(),
                });
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn endpoint(url: &str) -> Endpoint {
    Endpoint {
        id: "hook".into(),
        tenant: "default".into(),
        url: url.into(),
        secret: SECRET.into(),
    }
}

/// Eight attempts, as the reference schedule, in milliseconds instead of hours.
fn schedule() -> Vec<Duration> {
    [0, 5, 10, 20, 40, 80, 160, 160]
        .map(Duration::from_millis)
        .to_vec()
}

/// Contacts, each with a lead touched twice: several events about each record.
async fn some_work(crm: &AsyncCrm<MemoryStore>, sample: &Sample, contacts: usize) {
    let me = sample.actor();
    for _ in 0..contacts {
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .await
            .unwrap()
            .into_contact();
        let lead = crm
            .open_lead(&contact, sample.interest(), me)
            .await
            .unwrap();
        let lead = crm.log_touch(lead, sample.touch(), me).await.unwrap();
        crm.nurture(lead, sample.note("Later"), me).await.unwrap();
    }
}

/// The last position of the outbox.
async fn last_position(store: &MemoryStore) -> u64 {
    let mut after = None;
    loop {
        let page = store.read_events(after, 1_000).await.unwrap();
        match page.last {
            Some(last) => after = Some(last),
            None => return after.map_or(0, Position::get),
        }
    }
}

/// Waits until the endpoint's saved cursor reaches `last`.
async fn delivered_up_to(state: &DeliveryState, last: u64) {
    for _ in 0..1_000 {
        if state.of("hook").cursor >= Some(last) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the cursor is at {:?}, not {last}", state.of("hook").cursor);
}

/// Checks that every event of `ids` was answered `2xx` at least once, and that per record the
/// first successful deliveries come in version order.
fn check_delivered(seen: &[Received], ids: &[String]) {
    let ok: Vec<&Received> = seen.iter().filter(|r| r.answered < 300).collect();
    for id in ids {
        assert!(
            ok.iter().any(|r| &r.id == id),
            "event {id} was never delivered"
        );
    }
    let mut first: HashMap<&str, ()> = HashMap::new();
    let mut last_version: BTreeMap<&str, u64> = BTreeMap::new();
    for r in ok {
        if first.insert(&r.id, ()).is_some() {
            continue; // a retry of a delivered message: the receiver skips it by its id
        }
        let before = last_version.insert(&r.record, r.version).unwrap_or(0);
        assert!(
            r.version > before,
            "{} delivered at version {} after version {before}",
            r.record,
            r.version
        );
    }
}

async fn event_ids(store: &MemoryStore) -> Vec<String> {
    let page = store.read_events(None, 1_000).await.unwrap();
    page.events
        .iter()
        .map(|e| e.event.id().to_string())
        .collect()
}

#[tokio::test]
async fn every_event_arrives_signed_and_in_order_per_record_despite_failures() {
    let sample = Sample::new(81);
    let crm = AsyncCrm::new(MemoryStore::new(), AllowAll);
    // Each message fails its first 0 to 3 attempts (by its id), some with 500, some 429.
    let (url, seen) = receiver(|id, n, _| {
        let fails = id.bytes().map(usize::from).sum::<usize>() % 4;
        match (n <= fails, n % 2) {
            (true, 0) => StatusCode::TOO_MANY_REQUESTS,
            (true, _) => StatusCode::INTERNAL_SERVER_ERROR,
            (false, _) => StatusCode::NO_CONTENT,
        }
    })
    .await;
    some_work(&crm, &sample, 12).await;
    let dir = std::env::temp_dir().join(format!("webhooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = Arc::new(DeliveryState::open(dir.join("a.json")).unwrap());
    let store = Arc::new(crm);
    let worker = {
        let (store, state) = (Arc::clone(&store), Arc::clone(&state));
        tokio::spawn(
            async move { deliver(store.store(), &endpoint(&url), &schedule(), &state).await },
        )
    };
    // More work while the worker runs.
    some_work(&store, &sample, 8).await;
    let last = last_position(store.store()).await;
    delivered_up_to(&state, last).await;
    worker.abort();
    let ids = event_ids(store.store()).await;
    assert_eq!(ids.len(), 80, "four events per contact");
    let seen = seen.lock().unwrap().clone();
    check_delivered(&seen, &ids);
    assert!(
        seen.iter().any(|r| r.answered >= 500),
        "the receiver failed some attempts"
    );
    assert!(
        state.of("hook").parked.is_empty(),
        "none failed every attempt"
    );
}

#[tokio::test]
async fn a_message_that_always_fails_is_parked_and_the_rest_go_on() {
    let sample = Sample::new(82);
    let crm = AsyncCrm::new(MemoryStore::new(), AllowAll);
    some_work(&crm, &sample, 3).await;
    // Every request about the first contact fails.
    let first = crm.store().read_events(None, 1).await.unwrap().events[0]
        .event
        .record();
    let refused = serde_json::to_value(first).unwrap().to_string();
    let (url, seen) = receiver(move |_, _, record| match record == refused {
        true => StatusCode::SERVICE_UNAVAILABLE,
        false => StatusCode::OK,
    })
    .await;
    let dir = std::env::temp_dir().join(format!("webhooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = Arc::new(DeliveryState::open(dir.join("b.json")).unwrap());
    let worker = {
        let state = Arc::clone(&state);
        let crm = Arc::new(crm);
        let store = Arc::clone(&crm);
        let url = url.clone();
        (
            tokio::spawn(async move {
                deliver(store.store(), &endpoint(&url), &schedule(), &state).await
            }),
            crm,
        )
    };
    let last = last_position(worker.1.store()).await;
    delivered_up_to(&state, last).await;
    worker.0.abort();
    let parked = state.of("hook").parked;
    assert_eq!(parked.len(), 1, "the contact's one event: {parked:?}");
    assert_eq!(parked[0].attempts, 8);
    assert_eq!(parked[0].record, Some(first));
    assert!(
        parked[0].last_error.contains("503"),
        "{}",
        parked[0].last_error
    );
    let seen = seen.lock().unwrap().clone();
    let ids = event_ids(worker.1.store()).await;
    let others: Vec<String> = ids
        .into_iter()
        .filter(|id| *id != parked[0].webhook_id)
        .collect();
    check_delivered(&seen, &others);
    // The parked message is kept in the file, for whoever reads it.
    let again = DeliveryState::open(dir.join("b.json")).unwrap();
    assert_eq!(again.of("hook").parked, parked);
}

#[tokio::test]
async fn a_worker_started_again_resumes_from_the_saved_cursor() {
    let sample = Sample::new(83);
    let crm = Arc::new(AsyncCrm::new(MemoryStore::new(), AllowAll));
    let (url, seen) = receiver(|_, _, _| StatusCode::OK).await;
    let dir = std::env::temp_dir().join(format!("webhooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.json");
    let _ = std::fs::remove_file(&path);
    let run = |state: Arc<DeliveryState>| {
        let (crm, url) = (Arc::clone(&crm), url.clone());
        tokio::spawn(
            async move { deliver(crm.store(), &endpoint(&url), &schedule(), &state).await },
        )
    };
    some_work(&crm, &sample, 2).await;
    let state = Arc::new(DeliveryState::open(&path).unwrap());
    let worker = run(Arc::clone(&state));
    delivered_up_to(&state, last_position(crm.store()).await).await;
    worker.abort();
    let before = seen.lock().unwrap().len();
    assert_eq!(before, 8);
    // Stopped; more work; a worker started again from the file sends only what is new.
    some_work(&crm, &sample, 1).await;
    let state = Arc::new(DeliveryState::open(&path).unwrap());
    let worker = run(Arc::clone(&state));
    delivered_up_to(&state, last_position(crm.store()).await).await;
    worker.abort();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.len(),
        12,
        "the four new events, none of the eight again"
    );
    let ids = event_ids(crm.store()).await;
    check_delivered(&seen, &ids);
}

#[tokio::test]
async fn an_unreadable_event_is_parked_once_and_the_others_go_on() {
    use prospect_sqlite::{AsyncSqliteStore, SqliteStore};
    let sample = Sample::new(84);
    let dir = std::env::temp_dir().join(format!("webhooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join(format!("d-{}.db", prospect::uuid::Uuid::now_v7()));
    {
        let store = AsyncSqliteStore::new(SqliteStore::open(&db).unwrap()).unwrap();
        let crm = AsyncCrm::new(store, AllowAll);
        let me = sample.actor();
        for _ in 0..3 {
            crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
                .await
                .unwrap();
        }
    }
    // The second event's row no longer reads.
    let raw = break_second_event(&db);
    assert_eq!(raw, 1);
    let store = Arc::new(AsyncSqliteStore::new(SqliteStore::open(&db).unwrap()).unwrap());
    // The receiver refuses everything during the first run: the cursor stays before the bad
    // row, so the run after reads it again.
    let open = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let gate = Arc::clone(&open);
    let (url, seen) =
        receiver(
            move |_, _, _| match gate.load(std::sync::atomic::Ordering::SeqCst) {
                true => StatusCode::OK,
                false => StatusCode::SERVICE_UNAVAILABLE,
            },
        )
        .await;
    let path = dir.join(format!("e-{}.json", prospect::uuid::Uuid::now_v7()));
    let run = |state: Arc<DeliveryState>| {
        let (store, url) = (Arc::clone(&store), url.clone());
        tokio::spawn(async move { deliver(&*store, &endpoint(&url), &schedule(), &state).await })
    };
    let state = Arc::new(DeliveryState::open(&path).unwrap());
    let worker = run(Arc::clone(&state));
    while state.of("hook").parked.is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    worker.abort();
    assert_eq!(state.of("hook").cursor, None, "nothing delivered yet");
    open.store(true, std::sync::atomic::Ordering::SeqCst);
    let state = Arc::new(DeliveryState::open(&path).unwrap());
    let worker = run(Arc::clone(&state));
    delivered_up_to(&state, 3).await;
    worker.abort();
    let state = DeliveryState::open(&path).unwrap().of("hook");
    assert_eq!(state.parked.len(), 1, "{:?}", state.parked);
    assert_eq!(state.parked[0].position, 2);
    assert_eq!(state.parked[0].record, None);
    assert!(state.parked[0].last_error.starts_with("unreadable"));
    let delivered: std::collections::BTreeSet<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.answered < 300)
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(delivered.len(), 2, "the two readable events");
}

/// Breaks the second event's row of the SQLite file at `db`; how many rows it changed.
fn break_second_event(db: &std::path::Path) -> usize {
    let raw = rusqlite::Connection::open(db).unwrap();
    raw.execute("UPDATE events SET body = '{' WHERE position = 2", [])
        .unwrap()
}
