//! The outbox of [`MemoryStore`](super::MemoryStore): the events committed, kept until pruned
//! or until its [`Retention`] lets them go.
//!
//! Events are kept packed ([`crate::event::packed`]), in chunks of about a thousand: one
//! buffer of bytes a chunk, with where each commit starts, so that an event kept costs its
//! packed bytes (about 60) and a share of its commit's eight, not an [`Event`]'s 168 and an
//! allocation of its own. A chunk goes when its last event is pruned.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use crate::event::packed::{self, Bytes, Packer, Packing, Shared};
use crate::event::{Event, EventPage, Position, StoredEvent, UnreadableEvent};
use crate::store::{MAX_PAGE, Retention};

/// A chunk takes commits until it holds this many events or bytes.
const CHUNK_EVENTS: usize = 1024;
const CHUNK_BYTES: usize = 64 * 1024;

/// The events committed, in commit order: positions are given under the write lock that makes
/// a commit atomic, so a reader (under the read lock) sees every commit before a position or
/// none of them, and no event can appear behind a position already read.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    /// The chunks kept, by position (ascending), none empty.
    chunks: VecDeque<Chunk>,
    /// The first position kept: the events before it are pruned, even those still in a chunk.
    oldest: u64,
    /// The last position given (0: none yet); never goes back, even when pruned.
    last: u64,
    /// When the newest event occurred.
    newest: Option<DateTime<Utc>>,
    packer: Packer,
}

/// Commits' events, packed one after the other.
#[derive(Debug)]
struct Chunk {
    /// The position of its first event.
    first: u64,
    /// How many events it holds.
    len: usize,
    bytes: Vec<u8>,
    /// Where each commit starts: the index of its first event in the chunk, and its offset in
    /// `bytes` (both below the chunk's bounds, so they fit in 32 bits).
    commits: Vec<(u32, u32)>,
    /// The events not packed ([`Packing::Whole`]).
    whole: Vec<Event>,
}

impl Chunk {
    fn new(first: u64) -> Chunk {
        Chunk {
            first,
            len: 0,
            bytes: Vec::new(),
            commits: Vec::new(),
            whole: Vec::new(),
        }
    }

    /// The position after its last event.
    fn end(&self) -> u64 {
        self.first + self.len as u64
    }

    fn is_full(&self) -> bool {
        self.len >= CHUNK_EVENTS || self.bytes.len() >= CHUNK_BYTES
    }

    /// The events of commit `c`, with their positions, read one after the other (each may
    /// need the one before it).
    fn commit(&self, packer: &Packer, c: usize, mut each: impl FnMut(u64, Result<Event, String>)) {
        let Some(&(index, offset)) = self.commits.get(c) else {
            return;
        };
        let end = self
            .commits
            .get(c + 1)
            .map_or(self.len, |(i, _)| *i as usize);
        let mut bytes = Bytes::new(self.bytes.get(offset as usize..).unwrap_or_default());
        let mut previous: Option<Shared> = None;
        for i in index as usize..end {
            let position = self.first + i as u64;
            match packer.unpack(&mut bytes, previous.as_ref(), &self.whole) {
                Some(event) => {
                    previous = Some(packed::shared(&event));
                    each(position, Ok(event));
                }
                None => {
                    // Nothing after an unreadable event of the commit can be placed.
                    let reason = "the packed event could not be read".to_owned();
                    (i..end).for_each(|i| each(self.first + i as u64, Err(reason.clone())));
                    return;
                }
            }
        }
    }

    /// The commit that holds the event at `position` (in the chunk).
    fn commit_of(&self, position: u64) -> usize {
        let index = position.saturating_sub(self.first);
        self.commits
            .partition_point(|(i, _)| u64::from(*i) <= index)
            .saturating_sub(1)
    }
}

impl Outbox {
    pub(super) fn append(&mut self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        if self.chunks.back().is_none_or(Chunk::is_full) {
            if let Some(full) = self.chunks.back_mut() {
                full.bytes.shrink_to_fit();
                full.commits.shrink_to_fit();
            }
            self.chunks.push_back(Chunk::new(self.last + 1));
        }
        let Some(chunk) = self.chunks.back_mut() else {
            return;
        };
        // A chunk is started below its bounds, so these fit.
        chunk
            .commits
            .push((chunk.len as u32, chunk.bytes.len() as u32));
        // The events are read in place: moving each out of the vector, and again into
        // `previous`, copied every event twice.
        let mut previous: Option<&Event> = None;
        for event in &events {
            self.newest = Some(event.occurred_at());
            let whole = chunk.whole.len();
            let packing = self.packer.pack(event, previous, whole, &mut chunk.bytes);
            if packing == Packing::Whole {
                chunk.whole.push(event.clone());
            }
            previous = Some(event);
            chunk.len += 1;
            self.last += 1;
        }
    }

    pub(super) fn read(&self, after: Option<Position>, limit: usize) -> EventPage {
        let limit = limit.clamp(1, MAX_PAGE);
        let start = after
            .map_or(0, Position::get)
            .saturating_add(1)
            .max(self.oldest);
        let mut page = EventPage::default();
        let first = self.chunks.partition_point(|c| c.end() <= start);
        'chunks: for chunk in self.chunks.range(first..) {
            for c in chunk.commit_of(start)..chunk.commits.len() {
                chunk.commit(&self.packer, c, |position, event| {
                    if position < start || page.events.len() + page.unreadable.len() >= limit {
                        return;
                    }
                    page.last = Some(Position::new(position));
                    match event {
                        Ok(event) => page.events.push(StoredEvent {
                            position: Position::new(position),
                            event,
                        }),
                        Err(reason) => page.unreadable.push(UnreadableEvent {
                            position: Position::new(position),
                            reason,
                        }),
                    }
                });
                if page.events.len() + page.unreadable.len() >= limit {
                    break 'chunks;
                }
            }
        }
        page
    }

    /// Drops what `retention` does not keep, once a commit was appended.
    pub(super) fn retain(&mut self, retention: Retention) {
        match retention {
            Retention::All => {}
            Retention::Last(n) => {
                if self.last > n {
                    self.prune(Position::new(self.last - n + 1));
                }
            }
            Retention::Within(age) => {
                let Some(oldest_kept) = self.newest.map(|newest| newest - age) else {
                    return;
                };
                // A commit's events occurred together: a commit goes whole, when its last
                // event occurred before the oldest time kept.
                while let Some((end, occurred_at)) = self.oldest_commit() {
                    if occurred_at >= oldest_kept {
                        break;
                    }
                    self.prune(Position::new(end));
                }
            }
        }
    }

    /// The end of the oldest commit kept, and when its last event occurred.
    fn oldest_commit(&self) -> Option<(u64, DateTime<Utc>)> {
        let chunk = self.chunks.front()?;
        let c = chunk.commit_of(self.oldest);
        let mut last = None;
        chunk.commit(&self.packer, c, |position, event| {
            last = Some((position + 1, event.ok().map(|e| e.occurred_at())));
        });
        // An unreadable commit is older than any time.
        last.map(|(end, at)| (end, at.unwrap_or(DateTime::<Utc>::MIN_UTC)))
    }

    pub(super) fn prune(&mut self, before: Position) -> u64 {
        let oldest = self.oldest.max(1);
        let kept_from = before.get().clamp(oldest, self.last + 1);
        self.oldest = kept_from;
        while self.chunks.front().is_some_and(|c| c.end() <= kept_from) {
            self.chunks.pop_front();
        }
        kept_from - oldest
    }
}
