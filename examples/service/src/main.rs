//! Runs the service: `cargo run -p prospect-service -- [--db PATH] [--addr HOST:PORT]`
//! (defaults: `prospect.db` in the current folder, which git ignores at the checkout's root;
//! `127.0.0.1:3000`). Stops on Ctrl-C.

use std::sync::Arc;

use prospect::Crm;
use prospect_sqlite::SqliteStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut db = String::from("prospect.db");
    let mut addr = String::from("127.0.0.1:3000");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--db" => db = args.next().ok_or("--db takes a path")?,
            "--addr" => addr = args.next().ok_or("--addr takes HOST:PORT")?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    // Every caller may do everything until the service authenticates its callers and maps them
    // to roles (issue 26); the policy is asked at every step and read all the same.
    let crm = Arc::new(Crm::new(
        SqliteStore::open(&db)?,
        prospect::access::AllowAll,
    ));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("prospect-service on http://{addr}, database {db}");
    axum::serve(listener, prospect_service::router(crm))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
