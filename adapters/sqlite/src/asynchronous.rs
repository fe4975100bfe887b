//! [`AsyncSqliteStore`]: the SQLite store for async code, on threads of its own.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use prospect::event::{EventPage, Position};
use prospect::idempotency::{IdempotencyKey, Remembered};
use prospect::record::{Record, RecordId};
use prospect::store::{AsyncStore, Batch, CommitError, Cursor, Page, Query, Store, Versioned};
use prospect::{Contact, Domain, EmailAddress, Organization, User};

use crate::{SqliteError, SqliteStore};

/// How many threads an [`AsyncSqliteStore`] runs its calls on: commits take turns on the
/// writing connection while the other threads read.
pub const WORKERS: usize = 4;

/// A job for a worker: a call on the store.
type Job = Box<dyn FnOnce(&SqliteStore) + Send>;

/// A [`SqliteStore`] as an [`AsyncStore`]: each call runs on one of [`WORKERS`] threads of
/// the store's own, and the caller's task waits for its answer without blocking the thread it
/// runs on. SQLite's calls block (the disk, the write lock); running them on the async
/// runtime's threads would stall every other task on those threads. Works with any executor
/// (tokio, async-std, the conformance kit's `block_on`): it needs no runtime crate.
///
/// ```
/// use prospect::AsyncCrm;
/// use prospect_sqlite::{AsyncSqliteStore, SqliteStore};
/// let crm = AsyncCrm::new(AsyncSqliteStore::new(SqliteStore::open_in_memory()?)?, prospect::access::AllowAll);
/// # Ok::<(), prospect_sqlite::SqliteError>(())
/// ```
pub struct AsyncSqliteStore {
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
    /// The store's file; `None` in memory.
    path: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for AsyncSqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncSqliteStore")
            .field("workers", &self.workers.len())
            .finish_non_exhaustive()
    }
}

impl AsyncSqliteStore {
    /// `store`, run on [`WORKERS`] threads of its own.
    ///
    /// # Errors
    ///
    /// [`SqliteError::Thread`] when the operating system refuses a thread.
    pub fn new(store: SqliteStore) -> Result<AsyncSqliteStore, SqliteError> {
        let path = store.path().map(std::path::Path::to_path_buf);
        let store = Arc::new(store);
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let mut async_store = AsyncSqliteStore {
            jobs: Some(jobs),
            workers: Vec::with_capacity(WORKERS),
            path,
        };
        for n in 0..WORKERS {
            let (store, queue) = (Arc::clone(&store), Arc::clone(&queue));
            // On an error, dropping `async_store` stops the workers already started.
            let worker = std::thread::Builder::new()
                .name(format!("prospect-sqlite-{n}"))
                .spawn(move || work(&store, &queue))
                .map_err(SqliteError::Thread)?;
            async_store.workers.push(worker);
        }
        Ok(async_store)
    }

    /// The file the store was opened on; `None` in memory.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    /// Runs `call` on a worker; its answer, or [`SqliteError::Stopped`] if the worker could
    /// not give one (it panicked).
    fn run<T: Send + 'static>(
        &self,
        call: impl FnOnce(&SqliteStore) -> T + Send + 'static,
    ) -> Reply<T> {
        let slot = Arc::new(Mutex::new(Slot {
            answer: None,
            gone: false,
            waker: None,
        }));
        let answer = Answer(Arc::clone(&slot));
        let job: Job = Box::new(move |store| answer.send(call(store)));
        // Sending fails only once the store is dropped, which a caller holding `&self` cannot
        // see: the reply then reports the worker gone.
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
        Reply(slot)
    }
}

impl Drop for AsyncSqliteStore {
    fn drop(&mut self) {
        // Closing the queue ends the workers once they have done what was queued.
        drop(self.jobs.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// A worker: runs jobs until the queue closes.
fn work(store: &SqliteStore, queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.recv()
        };
        match job {
            Ok(job) => job(store),
            Err(_) => return,
        }
    }
}

/// Where a worker leaves its answer for the waiting task.
struct Slot<T> {
    answer: Option<T>,
    /// The job was dropped unanswered (its worker panicked).
    gone: bool,
    waker: Option<Waker>,
}

/// The worker's end: sends the answer, or, dropped unanswered, says the worker is gone.
struct Answer<T>(Arc<Mutex<Slot<T>>>);

impl<T> Answer<T> {
    fn send(self, value: T) {
        let waker = {
            let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            slot.answer = Some(value);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Drop for Answer<T> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.answer.is_some() {
                return;
            }
            slot.gone = true;
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The task's end: a future of the answer.
struct Reply<T>(Arc<Mutex<Slot<T>>>);

impl<T> Future for Reply<T> {
    type Output = Result<T, SqliteError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(answer) = slot.answer.take() {
            return Poll::Ready(Ok(answer));
        }
        if slot.gone {
            return Poll::Ready(Err(SqliteError::Stopped));
        }
        slot.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl AsyncStore for AsyncSqliteStore {
    type Error = SqliteError;

    async fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, SqliteError> {
        self.run(move |store| store.load(id)).await?
    }

    async fn commit(&self, batch: Batch) -> Result<(), CommitError<SqliteError>> {
        self.run(move |store| store.commit(batch))
            .await
            .map_err(CommitError::Store)?
    }

    async fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, SqliteError> {
        let email = email.clone();
        self.run(move |store| store.find_contacts_by_email(&email))
            .await?
    }

    async fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> Result<Vec<Versioned<Organization>>, SqliteError> {
        let domain = domain.clone();
        self.run(move |store| store.find_organizations_by_domain(&domain))
            .await?
    }

    async fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, SqliteError> {
        let query = query.clone();
        self.run(move |store| store.list(&query, after, limit))
            .await?
    }

    async fn read_events(
        &self,
        after: Option<Position>,
        limit: usize,
    ) -> Result<EventPage, SqliteError> {
        self.run(move |store| store.read_events(after, limit))
            .await?
    }

    async fn prune_events(&self, before: Position) -> Result<u64, SqliteError> {
        self.run(move |store| store.prune_events(before)).await?
    }

    async fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> Result<Option<Remembered>, SqliteError> {
        let (actor, key) = (actor.clone(), key.clone());
        self.run(move |store| store.recall_key(&actor, &key))
            .await?
    }

    async fn prune_keys(&self, before: DateTime<Utc>) -> Result<u64, SqliteError> {
        self.run(move |store| store.prune_keys(before)).await?
    }
}
