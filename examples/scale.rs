//! How `prospect` scales: N whole lifecycles through the `Crm` facade on a `MemoryStore`, then
//! the floor and naive baselines at the same N, in this process, one after the other, each on a
//! thread (and so an allocator arena) of its own. The floor moves plain records without history
//! or evidence into a pre-sized map; the naive baseline is a hand-rolled store of the same
//! records, histories and evidence, deep-copied in at every save and out at every read
//! (`benches/baselines`).
//!
//! A lifecycle: create a contact, open a lead, log a touch, qualify, move the opportunity
//! through proposal, negotiation and contracting, win it, open the account; every step
//! committed.
//!
//! ```text
//! cargo run --release --example scale -- [--lifecycles N]   (default 1000000) [--roles]
//!                                                            [--pruned-events | --no-events]
//!
//! With `--roles`, the facade acts under `RolePolicy::conventional()` for a representative
//! (what a team's application pays for its access policy); by default under `AllowAll`.
//! With `--pruned-events`, a consumer reads the outbox after every hundred lifecycles, a page
//! at a time, and prunes what it read (as an integration does); by default the events stay in
//! the outbox (an application that never reads them). With `--no-events`, the facade writes
//! none (`Crm::without_events`): what the events cost, against the two runs above.
//! ```
//!
//! It prints the time per lifecycle, the bytes and allocations per lifecycle (counted by a global
//! allocator), the peak resident set size after the lifecycles, and the baselines; its last line
//! is the contract:
//!
//! `lifecycles=N ns_per_lifecycle=X bytes_per_lifecycle=Y peak_rss_bytes=Z floor_ratio=R naive_ratio=Q events=kept|pruned|off`

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::error::Error;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, mpsc};
use std::thread;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use prospect::memory::MemoryStore;
use prospect::*;

#[path = "../benches/baselines/mod.rs"]
mod baselines;

/// What becomes of the events the lifecycles write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Events {
    /// They stay in the outbox.
    Kept,
    /// A consumer reads and prunes them after every hundred lifecycles.
    Pruned,
    /// The facade writes none.
    Off,
}

impl Events {
    /// `chosen` on the command line after `self`: the default gives way, the two others
    /// exclude each other.
    fn then(self, chosen: Events) -> Result<Events, &'static str> {
        match self {
            Events::Kept => Ok(chosen),
            _ if self == chosen => Ok(chosen),
            _ => Err("--pruned-events and --no-events exclude each other"),
        }
    }

    /// The contract line's name for it.
    fn name(self) -> &'static str {
        match self {
            Events::Kept => "kept",
            Events::Pruned => "pruned",
            Events::Off => "off",
        }
    }
}

/// Counts the bytes allocated and the allocations, to report them per lifecycle.
struct Counting;

static ALLOCATED: AtomicU64 = AtomicU64::new(0);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static FREED: AtomicU64 = AtomicU64::new(0);

// SAFETY: delegates to the system allocator and only adds a counter.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size() as u64, Ordering::Relaxed);
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        FREED.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(
            new_size.saturating_sub(layout.size()) as u64,
            Ordering::Relaxed,
        );
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The peak resident set size of this process so far (Linux; 0 elsewhere).
fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

struct Run {
    nanos: f64,
    bytes: f64,
    /// Calls to the allocator (`alloc` and `realloc`) per lifecycle.
    allocations: f64,
}

fn measure(n: u64, mut run: impl FnMut(u64)) -> Run {
    let bytes_before = ALLOCATED.load(Ordering::Relaxed);
    let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    for i in 0..n {
        run(i);
    }
    let elapsed = start.elapsed();
    Run {
        nanos: elapsed.as_nanos() as f64 / n as f64,
        bytes: (ALLOCATED.load(Ordering::Relaxed) - bytes_before) as f64 / n as f64,
        allocations: (ALLOCATIONS.load(Ordering::Relaxed) - allocations_before) as f64 / n as f64,
    }
}

/// A run's measurements, and for the lifecycles through `prospect` what it left in memory.
struct Outcome {
    run: Run,
    /// Peak RSS of the process after the run.
    peak: u64,
    /// Bytes allocated and not freed after the run.
    live: u64,
    /// Records in the store after the run.
    stored: usize,
}

impl Outcome {
    fn baseline(run: Run) -> Outcome {
        Outcome {
            run,
            peak: 0,
            live: 0,
            stored: 0,
        }
    }
}

/// `n` lifecycles through `Crm` on a `MemoryStore`.
fn lifecycles_run(
    start: chrono::DateTime<Utc>,
    n: u64,
    roles: bool,
    events: Events,
) -> Result<Outcome, String> {
    let clock = Arc::new(FixedClock::new(start));
    let me = User::new("claire").map_err(|e| e.to_string())?;
    // Pre-sized, as the floor's map is: four records per lifecycle.
    let store = MemoryStore::with_capacity(4 * n as usize);
    let (clock_, ids) = (clock.clone(), Arc::new(SequentialIds::new(1)));
    let crm = match roles {
        false => Crm::with_clock_and_ids(store, prospect::access::AllowAll, clock_, ids),
        true => {
            let rep = prospect::access::Role::new("rep").map_err(|e| e.to_string())?;
            let team = prospect::access::Directory::new().with_user(me.clone(), [rep], []);
            let policy = prospect::access::RolePolicy::conventional();
            Crm::with_clock_and_ids(store, policy, clock_, ids).with_directory(team)
        }
    };
    let crm = match events {
        Events::Off => crm.without_events(),
        Events::Kept | Events::Pruned => crm,
    };
    let evidence =
        baselines::ours::Evidence::new(clock.now().date_naive()).map_err(|e| e.to_string())?;
    let mut failed = None;
    let mut cursor = None;
    let run = measure(n, |i| {
        if let Err(e) = baselines::ours::lifecycle(&crm, &me, &evidence, baselines::Input::nth(i)) {
            failed.get_or_insert(e.to_string());
        }
        if events == Events::Pruned && i % 100 == 99 {
            cursor = consume(crm.store(), cursor);
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(Outcome {
        run,
        peak: peak_rss_bytes(),
        live: ALLOCATED.load(Ordering::Relaxed) - FREED.load(Ordering::Relaxed),
        stored: crm.store().len(),
    })
}

/// What a consumer of the outbox does: reads every event after `cursor`, a page at a time,
/// then prunes what it read; returns the new cursor.
fn consume(
    store: &MemoryStore,
    mut cursor: Option<prospect::event::Position>,
) -> Option<prospect::event::Position> {
    use prospect::store::Store;
    loop {
        let Ok(page) = store.read_events(cursor, prospect::store::MAX_PAGE);
        black_box(&page.events);
        match page.last {
            Some(last) => cursor = Some(last),
            None => break,
        }
    }
    if let Some(last) = cursor {
        let _ = store.prune_events(prospect::event::Position::new(last.get() + 1));
    }
    cursor
}

/// The floor baseline: `n` lifecycles of plain records moved into a pre-sized map.
fn floor_run(n: u64) -> Run {
    let mut floor = baselines::Floor(HashMap::with_capacity(4 * n as usize));
    let mut ids = baselines::Ids::new();
    let run = measure(n, |i| {
        baselines::plain_lifecycle(&mut floor, &mut ids, baselines::Input::nth(i))
    });
    black_box(floor.0.len());
    run
}

/// The naive baseline: `n` lifecycles of the same records, histories and evidence in a
/// hand-rolled store that deep-copies them in at every save and out at every read.
fn naive_run(start: chrono::DateTime<Utc>, n: u64) -> Run {
    let mut naive = baselines::naive::Store::default();
    let mut ids = baselines::Ids::new();
    let run = measure(n, |i| {
        baselines::naive::lifecycle(&mut naive, &mut ids, baselines::Input::nth(i), start)
    });
    black_box(naive.records.len());
    run
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut n: u64 = 1_000_000;
    let mut roles = false;
    let mut events = Events::Kept;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lifecycles" => {
                n = args
                    .next()
                    .ok_or("--lifecycles needs a value")?
                    .parse()
                    .map_err(|e| format!("--lifecycles: {e}"))?;
            }
            "--roles" => roles = true,
            "--pruned-events" => events = events.then(Events::Pruned)?,
            "--no-events" => events = events.then(Events::Off)?,
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: scale [--lifecycles N] [--roles] \
                     [--pruned-events | --no-events]"
                )
                .into());
            }
        }
    }
    let n = n.max(1);
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .ok_or("start")?;
    // The three runs take turns, each on a thread of its own that is kept alive until all are
    // done (waiting at `gate`), so that each allocates from an allocator arena of its own:
    // fresh memory for every run, rather than memory the run before it freed, which would make
    // the later runs cheaper for a reason that has nothing to do with them.
    let gate = RwLock::new(());
    let (ours, floor_run, naive_run) = thread::scope(|threads| {
        let closed = gate.write().unwrap_or_else(PoisonError::into_inner);
        let on_own_thread = |run: Box<dyn FnOnce() -> Result<Outcome, String> + Send>| {
            let (send, result) = mpsc::channel();
            let gate = &gate;
            threads.spawn(move || {
                let _ = send.send(run());
                drop(gate.read());
            });
            result
                .recv()
                .unwrap_or(Err("a run's thread stopped before reporting".into()))
        };
        eprintln!("running {n} lifecycles through Crm + MemoryStore ...");
        let ours = on_own_thread(Box::new(move || lifecycles_run(start, n, roles, events)));
        eprintln!("running the floor baseline ...");
        let floor = on_own_thread(Box::new(move || Ok(Outcome::baseline(floor_run(n)))));
        eprintln!("running the naive baseline ...");
        let naive = on_own_thread(Box::new(move || Ok(Outcome::baseline(naive_run(start, n)))));
        drop(closed);
        (ours, floor, naive)
    });
    let (ours, floor_run, naive_run) = (ours?, floor_run?.run, naive_run?.run);
    let Outcome {
        run: ours,
        peak,
        live,
        stored,
    } = ours;

    println!("lifecycles            {n} ({stored} records stored)");
    println!(
        "prospect              {:>10.0} ns/lifecycle {:>8.0} bytes allocated/lifecycle {:>6.1} allocations/lifecycle",
        ours.nanos, ours.bytes, ours.allocations
    );
    println!(
        "floor (moved)         {:>10.0} ns/lifecycle {:>8.0} bytes allocated/lifecycle {:>6.1} allocations/lifecycle",
        floor_run.nanos, floor_run.bytes, floor_run.allocations
    );
    println!(
        "naive (deep copies)   {:>10.0} ns/lifecycle {:>8.0} bytes allocated/lifecycle {:>6.1} allocations/lifecycle",
        naive_run.nanos, naive_run.bytes, naive_run.allocations
    );
    println!(
        "peak RSS              {:.1} MiB after the lifecycles ({:.0} bytes of live heap per lifecycle)",
        peak as f64 / (1 << 20) as f64,
        live as f64 / n as f64
    );
    println!(
        "lifecycles={n} ns_per_lifecycle={:.0} bytes_per_lifecycle={:.0} peak_rss_bytes={peak} floor_ratio={:.2} naive_ratio={:.2} events={}",
        ours.nanos,
        ours.bytes,
        ours.nanos / floor_run.nanos,
        ours.nanos / naive_run.nanos,
        events.name()
    );
    Ok(())
}
