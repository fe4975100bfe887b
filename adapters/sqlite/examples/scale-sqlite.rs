//! N lifecycles through `Crm` on a `SqliteStore` in a file, then a pipeline report by a full
//! scan of it: the time per lifecycle, the file's size and the report's time, for
//! BENCHMARKS.md.
//!
//! ```text
//! cargo run --release -p prospect-sqlite --example scale-sqlite -- --lifecycles 1000000 \
//!     --path target/scale.db [--pruned-events] [--durability full|normal]
//! ```
//!
//! With `--pruned-events`, a consumer reads and prunes the outbox every hundred lifecycles, as
//! an integration does; without, every event is kept. `--durability normal` commits without
//! waiting for the disk (the default, `full`, syncs every commit). The last line is
//! `lifecycles=N us_per_lifecycle=X file_bytes=Y report_seconds=Z events=kept|pruned
//! durability=full|normal`.

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use prospect::event::Position;
use prospect::funnel::PipelineReport;
use prospect::store::{MAX_PAGE, Store};
use prospect::{Clock, Crm, FixedClock, SequentialIds, User};
use prospect_sqlite::{Durability, SqliteStore};

#[path = "../../../benches/baselines/mod.rs"]
mod baselines;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (mut n, mut path, mut pruned) = (10_000u64, "target/scale-sqlite.db".to_owned(), false);
    let mut durability = Durability::Full;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lifecycles" => n = args.next().ok_or("--lifecycles N")?.parse()?,
            "--path" => path = args.next().ok_or("--path FILE")?,
            "--pruned-events" => pruned = true,
            "--durability" => {
                durability = match args.next().as_deref() {
                    Some("full") => Durability::Full,
                    Some("normal") => Durability::Normal,
                    _ => return Err("--durability full|normal".into()),
                }
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let start = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .ok_or("a time")?;
    let clock = Arc::new(FixedClock::new(start));
    let ids = Arc::new(SequentialIds::new(1));
    let store = SqliteStore::open_with(&path, durability)?;
    let crm = Crm::with_clock_and_ids(store, prospect::access::AllowAll, clock.clone(), ids);
    let me = User::new("claire")?;
    let evidence = baselines::ours::Evidence::new(clock.now().date_naive())?;
    let mut cursor: Option<Position> = None;
    let began = Instant::now();
    for i in 0..n {
        baselines::ours::lifecycle_on(&crm, &me, &evidence, baselines::Input::nth(i))?;
        if pruned && i % 100 == 99 {
            loop {
                let page = crm.store().read_events(cursor, MAX_PAGE)?;
                match page.last {
                    Some(last) => cursor = Some(last),
                    None => break,
                }
            }
            if let Some(last) = cursor {
                crm.store().prune_events(Position::new(last.get() + 1))?;
            }
        }
        if (i + 1) % (n / 10).max(1) == 0 {
            eprintln!(
                "  {} of {n} lifecycles ({:.0} s)",
                i + 1,
                began.elapsed().as_secs_f64()
            );
        }
    }
    let elapsed = began.elapsed();
    let reported = Instant::now();
    let report = PipelineReport::from_store(crm.store())?;
    let report_time = reported.elapsed();
    std::hint::black_box(&report);
    let file_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{path}{suffix}")).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "lifecycles={n} us_per_lifecycle={:.1} file_bytes={file_bytes} report_seconds={:.2} events={} durability={}",
        elapsed.as_secs_f64() * 1e6 / n as f64,
        report_time.as_secs_f64(),
        if pruned { "pruned" } else { "kept" },
        if durability == Durability::Full {
            "full"
        } else {
            "normal"
        },
    );
    Ok(())
}
