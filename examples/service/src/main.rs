//! Runs the service, or manages its API keys.
//!
//! ```text
//! prospect-service serve --access ACCESS.json [--store sqlite:PATH | --store postgres://...]
//!                        [--keys PATH] [--tenant NAME] [--addr HOST:PORT]
//!                        [--cors-origin https://app.example[,...]] [--rate PER_SECOND[,BURST]]
//!                        [--webhooks WEBHOOKS.json] [--webhook-state PATH]
//! prospect-service webhooks parked [--webhook-state PATH]
//! prospect-service check [--store sqlite:PATH | --store postgres://...] [--tenant NAME]
//! prospect-service keys create --user NAME [--keys PATH] [--tenant NAME]
//! prospect-service keys revoke ID [--keys PATH]
//! prospect-service keys list [--keys PATH]
//! ```
//!
//! Defaults: `sqlite:prospect.db` and `prospect-keys.json` in the current folder (which git
//! ignores at the checkout's root), tenant `default`, `127.0.0.1:3000`. On SQLite one database
//! serves one tenant (`--tenant`); on PostgreSQL every tenant a key names (a UUID: `keys create
//! --tenant <uuid>`), each held apart by the adapter's row-level security. `serve` refuses to start without
//! an access policy ([`AccessConfig`](prospect_service::AccessConfig)). Each key may make 200
//! requests a second, with bursts of 400 (`--rate`). With `--webhooks`, each endpoint it names
//! gets its tenant's events ([`webhooks`](prospect_service::webhooks)), the cursors and parked
//! messages kept in `--webhook-state` (default `prospect-webhooks.json`). Stops on Ctrl-C.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use prospect::User;
use prospect_postgres::{BlockingPostgresStore, PostgresStore, Tenant};
use prospect_service::keys::Keys;
use prospect_service::webhooks::{self, DeliveryState, WebhookConfig};
use prospect_service::{AccessConfig, Limits, Tenants};
use prospect_sqlite::{AsyncSqliteStore, SqliteStore};

const USAGE: &str = "usage:
  prospect-service serve --access ACCESS.json [--store sqlite:PATH | --store postgres://...]
                         [--keys PATH] [--tenant NAME] [--addr HOST:PORT]
                         [--cors-origin https://app.example[,...]] [--rate PER_SECOND[,BURST]]
                         [--webhooks WEBHOOKS.json] [--webhook-state PATH]
  prospect-service webhooks parked [--webhook-state PATH]
  prospect-service check [--store sqlite:PATH | --store postgres://...] [--tenant NAME]
  prospect-service keys create --user NAME [--keys PATH] [--tenant NAME]
  prospect-service keys revoke ID [--keys PATH]
  prospect-service keys list [--keys PATH]";

/// The options (`--name value`) and the other words, in order.
fn parse(args: &[String]) -> Result<(HashMap<&str, &str>, Vec<&str>), String> {
    let (mut options, mut words) = (HashMap::new(), Vec::new());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.strip_prefix("--") {
            Some(name) => {
                let value = args.next().ok_or(format!("--{name} takes a value"))?;
                options.insert(name, value.as_str());
            }
            None => words.push(arg.as_str()),
        }
    }
    Ok((options, words))
}

/// A store's URL without its password, for the log.
fn redacted(store: &str) -> String {
    match (store.find("://"), store.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &store[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &store[..scheme + 3], &store[at..]),
                None => store.to_string(),
            }
        }
        _ => store.to_string(),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("prospect-service: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let (options, words) = parse(args)?;
    let allowed = |names: &[&str]| match options.keys().find(|k| !names.contains(k)) {
        Some(unknown) => Err(format!("unknown option --{unknown}")),
        None => Ok(()),
    };
    let keys_path = options.get("keys").copied().unwrap_or("prospect-keys.json");
    let tenant = options.get("tenant").copied().unwrap_or("default");
    let keys = || Keys::open(keys_path).map_err(|e| e.to_string());
    let state_path = options
        .get("webhook-state")
        .copied()
        .unwrap_or("prospect-webhooks.json");
    match words.as_slice() {
        ["serve"] => {
            allowed(&[
                "access",
                "store",
                "db",
                "keys",
                "tenant",
                "addr",
                "cors-origin",
                "rate",
                "webhooks",
                "webhook-state",
            ])?;
            let webhooks = match options.get("webhooks") {
                None => None,
                Some(path) => {
                    let text = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
                    let config: WebhookConfig =
                        serde_json::from_slice(&text).map_err(|e| format!("{path}: {e}"))?;
                    let state = DeliveryState::open(state_path)?;
                    Some((config, Arc::new(state)))
                }
            };
            let access = options
                .get("access")
                .ok_or("serve needs an access policy: --access ACCESS.json (see the README)")?;
            let text = std::fs::read(access).map_err(|e| format!("{access}: {e}"))?;
            let config: AccessConfig =
                serde_json::from_slice(&text).map_err(|e| format!("{access}: {e}"))?;
            let store = match (options.get("store"), options.get("db")) {
                (Some(store), _) => store.to_string(),
                (None, Some(db)) => format!("sqlite:{db}"),
                (None, None) => "sqlite:prospect.db".to_string(),
            };
            let addr = options.get("addr").copied().unwrap_or("127.0.0.1:3000");
            let mut limits = Limits::default();
            for origin in options
                .get("cors-origin")
                .into_iter()
                .flat_map(|o| o.split(','))
            {
                let origin = origin
                    .trim()
                    .parse()
                    .map_err(|_| format!("--cors-origin: {origin:?} is not a header value"))?;
                limits.cors_origins.push(origin);
            }
            if let Some(rate) = options.get("rate") {
                let bad = || format!("--rate: {rate:?} is not PER_SECOND[,BURST]");
                let (per_second, burst) = rate.split_once(',').unwrap_or((rate, rate));
                let per_second: u32 = per_second.trim().parse().map_err(|_| bad())?;
                let burst: u32 = burst.trim().parse().map_err(|_| bad())?;
                limits.per_key = (per_second, burst.max(per_second));
            }
            let header_timeout = limits.header_timeout;
            let keys = Arc::new(keys()?);
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let router = if let Some(path) = store.strip_prefix("sqlite:") {
                    let sqlite = SqliteStore::open(path).map_err(|e| format!("{path}: {e}"))?;
                    let sqlite = AsyncSqliteStore::new(sqlite).map_err(|e| e.to_string())?;
                    let tenants = Arc::new(Tenants::single(tenant, config.facade(sqlite)));
                    if let Some((config, state)) = &webhooks {
                        webhooks::spawn(config, Arc::clone(state), |t| tenants.served(t));
                    }
                    prospect_service::router_with(tenants, keys, limits)
                } else if store.starts_with("postgres://") || store.starts_with("postgresql://") {
                    // One pool; each tenant's store shares it, scoped to the tenant.
                    let base =
                        PostgresStore::connect(&store, Tenant::from_uuid(Default::default()))
                            .await
                            .map_err(|e| format!("--store: {e}"))?;
                    let tenants = Arc::new(Tenants::each(move |tenant| {
                        let id = prospect::uuid::Uuid::parse_str(tenant).ok()?;
                        let store = base.for_tenant(Tenant::from_uuid(id));
                        Some(config.clone().facade(store))
                    }));
                    if let Some((config, state)) = &webhooks {
                        webhooks::spawn(config, Arc::clone(state), |t| tenants.served(t));
                    }
                    prospect_service::router_with(tenants, keys, limits)
                } else {
                    return Err(format!(
                        "--store: {store}: expected sqlite:PATH or postgres://..."
                    ));
                };
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|e| format!("{addr}: {e}"))?;
                eprintln!(
                    "prospect-service on http://{addr}, store {}",
                    redacted(&store)
                );
                let shutdown = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                let grace = std::time::Duration::from_secs(10);
                prospect_service::serve(listener, router, header_timeout, grace, shutdown).await;
                Ok(())
            })
        }
        ["check"] => {
            // The invariants that span records (the conformance kit's), on a stopped service's
            // store or a running one's: a lead's contact exists, a converted lead has one
            // opportunity, a won opportunity its account, every record reads...
            allowed(&["store", "tenant"])?;
            let store = options
                .get("store")
                .copied()
                .unwrap_or("sqlite:prospect.db");
            let checked = if let Some(path) = store.strip_prefix("sqlite:") {
                let sqlite = SqliteStore::open(path).map_err(|e| format!("{path}: {e}"))?;
                prospect::testkit::check_consistency(&sqlite)
            } else {
                let id = prospect::uuid::Uuid::parse_str(tenant).map_err(|_| {
                    format!("--tenant: {tenant} is not a tenant of PostgreSQL (a UUID)")
                })?;
                let postgres = BlockingPostgresStore::connect(store, Tenant::from_uuid(id))
                    .map_err(|e| format!("--store: {e}"))?;
                prospect::testkit::check_consistency(&postgres)
            };
            match checked {
                Ok(()) => {
                    println!("consistent");
                    Ok(())
                }
                Err(problems) => {
                    for problem in &problems {
                        println!("{problem}");
                    }
                    Err(format!("{} problems", problems.len()))
                }
            }
        }
        ["webhooks", "parked"] => {
            allowed(&["webhook-state"])?;
            for (endpoint, state) in DeliveryState::open(state_path)?.all() {
                for parked in state.parked {
                    let line = serde_json::json!({"endpoint": endpoint, "parked": parked});
                    println!("{line}");
                }
            }
            Ok(())
        }
        ["keys", "create"] => {
            allowed(&["user", "keys", "tenant"])?;
            let user = options.get("user").ok_or("keys create needs --user NAME")?;
            let user = User::new(user).map_err(|e| format!("--user: {e}"))?;
            let (record, key) = keys()?.create(tenant, user).map_err(|e| e.to_string())?;
            eprintln!(
                "key {} for {} in tenant {}: shown this once, stored only as its hash",
                record.id, record.user, record.tenant
            );
            println!("{key}");
            Ok(())
        }
        ["keys", "revoke", id] => {
            allowed(&["keys"])?;
            let record = keys()?.revoke(id).map_err(|e| e.to_string())?;
            eprintln!("key {} of {} revoked", record.id, record.user);
            Ok(())
        }
        ["keys", "list"] => {
            allowed(&["keys"])?;
            for r in keys()?.list().map_err(|e| e.to_string())? {
                let state = r
                    .revoked_at
                    .map_or_else(|| "active".to_string(), |at| format!("revoked {at}"));
                println!(
                    "{}\t{}\t{}\t{}\t{state}",
                    r.id, r.tenant, r.user, r.created_at
                );
            }
            Ok(())
        }
        _ => Err("expected serve or keys create|revoke|list".into()),
    }
}
