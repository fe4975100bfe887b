//! Webhook delivery: a worker per endpoint reads its tenant's outbox from a cursor it keeps on
//! disk and sends each event as a signed [Standard Webhooks](https://www.standardwebhooks.com/)
//! request ([`prospect::webhook::WebhookMessage`]: the event's id is the `webhook-id`, the same
//! at every attempt).
//!
//! - **At least once.** The cursor moves past an event only once it was delivered (a `2xx`) or
//!   parked, and is saved to the state file (written whole, then renamed); after a crash the
//!   worker sends again what followed the saved cursor: a receiver sees a duplicate only as
//!   the same `webhook-id` again, and skips it.
//! - **In order per record.** An event is not sent while an earlier event about the same record
//!   waits for a retry; events about other records go on meanwhile.
//! - **Retries** on the schedule of the convention's reference service
//!   ([`REFERENCE_SCHEDULE`]: at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h);
//!   after the last attempt fails, the message is **parked**: kept in the state file with its
//!   last error ([`EndpointState::parked`], `prospect-service webhooks parked`), and the events
//!   after it go on.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use prospect::event::{Position, StoredEvent};
use prospect::record::RecordId;
use prospect::store::AsyncStore;
use prospect::webhook::{Secret, WebhookMessage};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// The delays before each attempt of the convention's reference service (Svix): at once, then
/// 5 seconds, 5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours and 10 hours after the attempt
/// before. Eight attempts in all, over about 27 hours.
pub const REFERENCE_SCHEDULE: [Duration; 8] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// How many events a worker holds at once (sent or waiting for a retry).
const WINDOW: usize = 512;

/// The endpoints to deliver to, as the service is started with (`--webhooks PATH`, this as
/// JSON).
///
/// ```json
/// {"endpoints": [{"id": "crm-sync", "tenant": "default", "url": "https://example.com/hooks",
///                 "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]}
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The endpoints.
    pub endpoints: Vec<Endpoint>,
    /// The delays before each attempt, in milliseconds (default: [`REFERENCE_SCHEDULE`]): the
    /// number of attempts is their number. For tests.
    #[serde(default)]
    pub schedule_ms: Option<Vec<u64>>,
}

impl WebhookConfig {
    /// The delays before each attempt.
    pub fn schedule(&self) -> Vec<Duration> {
        match &self.schedule_ms {
            Some(ms) if !ms.is_empty() => ms.iter().map(|ms| Duration::from_millis(*ms)).collect(),
            _ => REFERENCE_SCHEDULE.to_vec(),
        }
    }
}

/// An endpoint: where one tenant's events go.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// The endpoint's name, which its state is kept under.
    pub id: String,
    /// The tenant whose outbox it receives.
    pub tenant: String,
    /// Where to `POST` each event.
    pub url: String,
    /// The secret the requests are signed with (`whsec_` and base64, as the convention has it).
    pub secret: String,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// What the state file keeps of an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointState {
    /// Every event up to this position was delivered or parked (`None`: none yet).
    pub cursor: Option<u64>,
    /// The messages whose every attempt failed, oldest first.
    pub parked: Vec<Parked>,
}

/// A message whose every attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parked {
    /// The event's position in the outbox.
    pub position: u64,
    /// The message's `webhook-id` (the event's id).
    pub webhook_id: String,
    /// The record the event is about (`None` for an event that could not be read).
    pub record: Option<RecordId>,
    /// How many attempts were made.
    pub attempts: usize,
    /// Why the last one failed.
    pub last_error: String,
    /// When it was parked.
    pub parked_at: DateTime<Utc>,
}

/// The state of every endpoint, kept in a file.
#[derive(Debug)]
pub struct DeliveryState {
    path: PathBuf,
    endpoints: Mutex<BTreeMap<String, EndpointState>>,
}

impl DeliveryState {
    /// The state kept at `path` (empty when the file does not exist yet).
    ///
    /// # Errors
    ///
    /// When the file exists and cannot be read as a state.
    pub fn open(path: impl Into<PathBuf>) -> Result<DeliveryState, String> {
        let path = path.into();
        let endpoints = match std::fs::read(&path) {
            Ok(text) => {
                serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        Ok(DeliveryState {
            path,
            endpoints: Mutex::new(endpoints),
        })
    }

    /// The state of the endpoint `id`.
    pub fn of(&self, id: &str) -> EndpointState {
        self.lock().get(id).cloned().unwrap_or_default()
    }

    /// Every endpoint's state.
    pub fn all(&self) -> BTreeMap<String, EndpointState> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, EndpointState>> {
        self.endpoints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Records `change` to the endpoint `id`'s state and writes the file: whole, to a file
    /// beside it, flushed to disk, then renamed over it (a crash leaves the old or the new).
    fn save(&self, id: &str, change: impl FnOnce(&mut EndpointState)) -> std::io::Result<()> {
        let text = {
            let mut endpoints = self.lock();
            change(endpoints.entry(id.to_string()).or_default());
            serde_json::to_vec_pretty(&*endpoints).map_err(std::io::Error::other)?
        };
        write_atomically(&self.path, &text)
    }
}

fn write_atomically(path: &Path, text: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(text)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// An event held by a worker: sent, or waiting for its next attempt.
struct Held {
    event: StoredEvent,
    /// Attempts made.
    attempts: usize,
    /// When the next may be made.
    due: Instant,
    last_error: String,
}

/// Delivers `endpoint`'s tenant's events from `store`'s outbox, for ever (until the task is
/// dropped): see the module's docs. `schedule` holds the delay before each attempt.
pub async fn deliver<S: AsyncStore>(
    store: &S,
    endpoint: &Endpoint,
    schedule: &[Duration],
    state: &DeliveryState,
) -> Result<(), String> {
    let secret = Secret::new(&endpoint.secret).map_err(|e| format!("{}: {e}", endpoint.id))?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let schedule = if schedule.is_empty() {
        &REFERENCE_SCHEDULE[..]
    } else {
        schedule
    };
    let mut cursor = state.of(&endpoint.id).cursor;
    // Read up to here; held: the events read and not yet delivered or parked, by position.
    let mut read = cursor;
    let mut held: BTreeMap<u64, Held> = BTreeMap::new();
    loop {
        if held.len() < WINDOW {
            let page = store
                .read_events(read.map(Position::new), WINDOW - held.len())
                .await
                .map_err(|e| e.to_string())?;
            // An unreadable event cannot be sent: it is parked with why, and passed.
            for bad in page.unreadable {
                let parked = Parked {
                    position: bad.position.get(),
                    webhook_id: String::new(),
                    record: None,
                    attempts: 0,
                    last_error: format!("unreadable: {}", bad.reason),
                    parked_at: Utc::now(),
                };
                // Once: a worker started again reads it again before its cursor passes it.
                let _ = state.save(&endpoint.id, |s| {
                    if s.parked.iter().all(|p| p.position != parked.position) {
                        s.parked.push(parked);
                    }
                });
            }
            let now = Instant::now();
            for event in page.events {
                held.insert(
                    event.position.get(),
                    Held {
                        event,
                        attempts: 0,
                        due: now,
                        last_error: String::new(),
                    },
                );
            }
            read = page.last.map(Position::get).or(read);
        }
        // One attempt for each event that is due and has no earlier event of its record held.
        let mut waiting: HashSet<RecordId> = HashSet::new();
        let mut done = Vec::new();
        for (position, h) in held.iter_mut() {
            let record = h.event.event.record();
            if !waiting.insert(record) || h.due > Instant::now() {
                continue;
            }
            h.attempts += 1;
            match attempt(&client, endpoint, &secret, &h.event).await {
                Ok(()) => done.push((*position, None)),
                Err(why) if h.attempts >= schedule.len() => done.push((*position, Some(why))),
                Err(why) => {
                    h.last_error = why;
                    h.due = Instant::now() + schedule[h.attempts];
                }
            }
        }
        let mut parked = Vec::new();
        for (position, failed) in done {
            if let Some(h) = held.remove(&position) {
                if let Some(why) = failed {
                    parked.push(Parked {
                        position,
                        webhook_id: h.event.event.id().to_string(),
                        record: Some(h.event.event.record()),
                        attempts: h.attempts,
                        last_error: why,
                        parked_at: Utc::now(),
                    });
                }
            }
        }
        // The cursor: before the first event still held, or everything read.
        let delivered = match held.keys().next() {
            Some(first) => first.checked_sub(1).filter(|p| *p > 0),
            None => read,
        };
        if delivered != cursor || !parked.is_empty() {
            cursor = delivered;
            let saved = state.save(&endpoint.id, |s| {
                s.cursor = cursor;
                s.parked.extend(parked);
            });
            if let Err(e) = saved {
                eprintln!(
                    "webhooks: {}: the state could not be saved: {e}",
                    endpoint.id
                );
            }
        }
        // Sleep until the next attempt is due, or a moment for new events.
        let next = held.values().map(|h| h.due).min();
        let idle = Instant::now() + Duration::from_millis(100);
        tokio::time::sleep_until(next.map_or(idle, |n| n.min(idle))).await;
    }
}

/// One attempt to deliver `event`: `Ok` on a `2xx`, else why not.
async fn attempt(
    client: &reqwest::Client,
    endpoint: &Endpoint,
    secret: &Secret,
    event: &StoredEvent,
) -> Result<(), String> {
    let message = WebhookMessage::of(&event.event, secret, Utc::now().timestamp())
        .map_err(|e| e.to_string())?;
    let mut request = client
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .body(message.body().to_string());
    for (name, value) in message.headers() {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(format!("answered {}", response.status())),
        Err(e) => Err(e.to_string()),
    }
}

/// Starts a worker for each endpoint of `config` whose tenant `served` serves, on the current
/// runtime; a worker that stops (its store failed) is started again after a second.
pub fn spawn<S, F>(config: &WebhookConfig, state: Arc<DeliveryState>, served: F)
where
    S: AsyncStore + Send + Sync + 'static,
    F: Fn(&str) -> Option<Arc<crate::Served<S>>>,
{
    let schedule = config.schedule();
    for endpoint in &config.endpoints {
        let Some(served) = served(&endpoint.tenant) else {
            eprintln!(
                "webhooks: {}: tenant {} is not served",
                endpoint.id, endpoint.tenant
            );
            continue;
        };
        let (endpoint, schedule, state) = (endpoint.clone(), schedule.clone(), Arc::clone(&state));
        tokio::spawn(async move {
            loop {
                let store = served.crm().store();
                if let Err(e) = deliver(store, &endpoint, &schedule, &state).await {
                    eprintln!("webhooks: {}: {e}; again in a second", endpoint.id);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}
