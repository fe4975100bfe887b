//! The main example's sales year on PostgreSQL: the same simulation as `examples/pipeline.rs`
//! (included from there), through `Crm` on a `BlockingPostgresStore`, in a tenant of its own.
//!
//! ```text
//! eval "$(scripts/postgres.sh start)"
//! cargo run -p prospect-postgres --release --example pipeline-postgres -- --store "$PROSPECT_POSTGRES_URL" --contacts 1000
//! ```

use std::error::Error;

use prospect_postgres::{BlockingPostgresStore, Tenant};

// The simulation; its own `main` runs it on the in-memory store, unused here.
#[allow(dead_code)]
#[path = "../../../examples/pipeline.rs"]
mod pipeline;

fn main() -> Result<(), Box<dyn Error>> {
    let options = match pipeline::options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    if !options.store.starts_with("postgres://") && !options.store.starts_with("postgresql://") {
        eprintln!("--store must be a postgres:// URL (scripts/postgres.sh start makes a server)");
        std::process::exit(2);
    }
    let tenant = Tenant::generate();
    let store = BlockingPostgresStore::connect(&options.store, tenant)?;
    eprintln!("on PostgreSQL, {tenant}");
    pipeline::run(store, options)
}
