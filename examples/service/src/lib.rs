//! An HTTP service over `prospect` on SQLite or PostgreSQL: the lifecycle, activities, tasks, edits and
//! organizations as JSON [`Command`]s, records and the pipeline report as JSON.
//!
//! - `POST /commands`: a [`Command`] (`{"step": "qualify", "lead": "...", "version": 2, ...}`),
//!   run by [`AsyncCrm::execute`]; answers `200` with the records it wrote, as
//!   [`RecordView`](prospect::record::RecordView)s. With an [`IDEMPOTENCY_KEY`] header, run by
//!   [`AsyncCrm::execute_once`]: sent again with the same key and body, it writes nothing and
//!   answers with what the first wrote ([`REPLAYED`]); with another body, `422`. Keys are kept
//!   [`KEEP_KEYS`].
//! - `GET /records/{kind}`: the records of a kind, filtered and a page at a time.
//! - `GET /records/{kind}/{id}`: a record as [`RecordView`](prospect::record::RecordView).
//! - `GET /events`: the outbox's events after a position.
//! - `GET /report`: the pipeline report, in its documented JSON shape.
//! - `GET /openapi.json`: the API described by OpenAPI 3.1 ([`openapi`]), with an example
//!   request and response for every step; no key needed.
//!
//! Every request carries an API key (`authorization: Bearer pk_…`, made with
//! `prospect-service keys create`, see [`keys`]): without a valid one, of the service's tenant
//! and not revoked, the answer is `401`. The key's user is the principal every step and read
//! is asked for, under the access policy the service was started with ([`AccessConfig`]); it
//! does not start without one. Errors are JSON
//! (`{"error": "...", "kind": "..."}`) with a status that says what went wrong: `400` for a
//! request that does not read (with the JSON `path` of the field at fault), `404`, `409` for a
//! stale version or a duplicate, `422` for an illegal move (with the states the step takes)
//! or a value refused, `403` for a step the access policy denies (with the action and the
//! rule; a record the policy does not let the user read is `404`).

use std::sync::Arc;

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Extension, Path, Query as Params, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use prospect::access::{Action, Directory, Reach, RolePolicy};
use prospect::funnel::PipelineReport;
use prospect::idempotency::{Fingerprint, IdempotencyKey};
use prospect::record::{Expected, Record, RecordId, RecordKind};
use prospect::store::AsyncStore;
use prospect::store::Versioned;
use prospect::{AsyncCrm, Command, CrmError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::util::option_layer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

pub mod body;
pub mod keys;
pub mod openapi;
pub mod report;
pub mod webhooks;

use body::{ErrorBody, Events, Listing, RecordAt, Records};
use keys::{Authenticated, Keys};

/// What serves one tenant: its facade, and its report kept in memory.
#[derive(Debug)]
pub struct Served<S> {
    crm: AsyncCrm<S>,
    report: report::CachedReport,
    /// When the idempotency keys were last pruned (seconds since the epoch; 0: never).
    pruned: std::sync::atomic::AtomicI64,
}

/// How long the service keeps an idempotency key: a retry within this time of the first
/// request is answered from it; after, the key is forgotten (and a request with it runs again).
pub const KEEP_KEYS: chrono::TimeDelta = chrono::TimeDelta::hours(24);

impl<S: AsyncStore + Send + Sync + 'static> Served<S> {
    /// Forgets, on a task of its own, the keys older than [`KEEP_KEYS`], at most once an hour.
    fn prune_keys_when_due(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        // The facade's clock, which stamped the keys.
        let now = self.crm.clock().now();
        let last = self.pruned.load(Ordering::Relaxed);
        let due = now.timestamp() - last >= 3_600;
        if !due
            || self
                .pruned
                .compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let served = Arc::clone(self);
        tokio::spawn(async move {
            // A failure leaves the keys for the next time: they are only kept longer.
            let _ = served.crm.store().prune_keys(now - KEEP_KEYS).await;
        });
    }
}

/// How a tenant's facade is made.
type Find<S> = Box<dyn Fn(&str) -> Option<AsyncCrm<S>> + Send + Sync>;

/// Which facade serves each tenant: one (SQLite: one database, one tenant), or one per tenant
/// made when its first key is used and kept (PostgreSQL: the adapter's tenants, held apart by
/// row-level security).
pub struct Tenants<S> {
    find: Find<S>,
    served: std::sync::Mutex<std::collections::HashMap<String, Arc<Served<S>>>>,
}

impl<S> std::fmt::Debug for Tenants<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenants").finish_non_exhaustive()
    }
}

impl<S: Send + Sync + 'static> Tenants<S> {
    /// `crm` for `tenant`, and no other tenant.
    pub fn single(tenant: &str, crm: AsyncCrm<S>) -> Tenants<S> {
        let served =
            std::collections::HashMap::from([(tenant.to_string(), Arc::new(Served::of(crm)))]);
        Tenants {
            find: Box::new(|_| None),
            served: std::sync::Mutex::new(served),
        }
    }

    /// The facade `find` makes for a tenant (`None`: no such tenant), made once.
    pub fn each(find: impl Fn(&str) -> Option<AsyncCrm<S>> + Send + Sync + 'static) -> Tenants<S> {
        Tenants {
            find: Box::new(find),
            served: std::sync::Mutex::default(),
        }
    }

    /// What serves `tenant`, if it is served.
    pub fn served(&self, tenant: &str) -> Option<Arc<Served<S>>> {
        self.get(tenant)
    }

    fn get(&self, tenant: &str) -> Option<Arc<Served<S>>> {
        let mut served = self.served.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = served.get(tenant) {
            return Some(Arc::clone(found));
        }
        let found = Arc::new(Served::of((self.find)(tenant)?));
        served.insert(tenant.to_string(), Arc::clone(&found));
        Some(found)
    }
}

/// The store of a tenant's facade, held by the task that keeps its report.
struct StoreOf<S>(Arc<Served<S>>);

impl<S> AsRef<S> for StoreOf<S> {
    fn as_ref(&self) -> &S {
        self.0.crm.store()
    }
}

impl<S> Served<S> {
    /// The tenant's facade.
    pub fn crm(&self) -> &AsyncCrm<S> {
        &self.crm
    }

    fn of(crm: AsyncCrm<S>) -> Served<S> {
        Served {
            crm,
            report: report::CachedReport::default(),
            pruned: std::sync::atomic::AtomicI64::new(0),
        }
    }
}

/// Who may do what, as the service is started with (`--access PATH`, this as JSON): the roles
/// and their grants, and the users with their roles, teams and managers.
///
/// ```json
/// {"policy": {"roles": {"rep": {"levels": {"lead": {"read": "own", "edit": "own"}}, "pool": true}}},
///  "directory": {"people": {"ann": {"roles": ["rep"], "teams": ["east"], "manager": "mia"}}}}
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    /// The roles and what each may do.
    pub policy: RolePolicy,
    /// The users.
    pub directory: Directory,
}

impl AccessConfig {
    /// The facade over `store` under this policy and directory.
    pub fn facade<S>(self, store: S) -> AsyncCrm<S> {
        AsyncCrm::new(store, self.policy).with_directory(self.directory)
    }
}

/// What the handlers share: the tenants' facades and the keys.
#[derive(Debug)]
struct App<S> {
    tenants: Arc<Tenants<S>>,
    keys: Arc<Keys>,
}

impl<S> Clone for App<S> {
    fn clone(&self) -> App<S> {
        App {
            tenants: Arc::clone(&self.tenants),
            keys: Arc::clone(&self.keys),
        }
    }
}

/// The bounds a service holds to.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a request may take, its body read included: after it, `408` (a client that
    /// sends half a body and waits holds nothing longer).
    pub request_timeout: Duration,
    /// How many requests run at once; the others are refused at once with `503`.
    pub concurrent: usize,
    /// The largest body, in bytes (`413` beyond).
    pub body_bytes: usize,
    /// The origins a browser may call the service from (CORS); none by default: closed.
    pub cors_origins: Vec<HeaderValue>,
    /// How many requests a key may make a second, sustained (`429` beyond), and how many at
    /// once above that rate (the burst).
    pub per_key: (u32, u32),
    /// How long a client has to send a request's headers ([`serve`]): after it, the
    /// connection is closed (a client that opens connections and sends nothing holds nothing).
    pub header_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            request_timeout: Duration::from_secs(10),
            concurrent: 256,
            body_bytes: 256 * 1024,
            cors_origins: Vec::new(),
            per_key: (200, 400),
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// The routes over the `tenants`' facades, for the holders of `keys`, with the default
/// [`Limits`].
pub fn router<S>(tenants: impl Into<Arc<Tenants<S>>>, keys: Arc<Keys>) -> Router
where
    S: AsyncStore + Send + Sync + 'static,
{
    router_with(tenants, keys, Limits::default())
}

/// The routes over the `tenants`' facades, for the holders of `keys`, within `limits`. Every
/// answer that is not a success is JSON (`{"kind": ..., "error": ...}`), whatever layer made it.
pub fn router_with<S>(
    tenants: impl Into<Arc<Tenants<S>>>,
    keys: Arc<Keys>,
    limits: Limits,
) -> Router
where
    S: AsyncStore + Send + Sync + 'static,
{
    let app = App {
        tenants: tenants.into(),
        keys,
    };
    let cors = match limits.cors_origins.is_empty() {
        true => None,
        false => Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(limits.cors_origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, IDEMPOTENCY_KEY])
                .expose_headers([REPLAYED]),
        ),
    };
    let (rate, burst) = limits.per_key;
    let per_key = GovernorConfigBuilder::default()
        .per_nanosecond(1_000_000_000 / u64::from(rate.max(1)))
        .burst_size(burst.max(1))
        .key_extractor(KeyId)
        .finish()
        .map(GovernorLayer::new);
    let bounds = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "too many requests at once: retry shortly",
            )
        }))
        .load_shed()
        // One bound for the whole service: the router applies a layer to each route.
        .layer(GlobalConcurrencyLimitLayer::new(limits.concurrent))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ));
    Router::new()
        .route("/commands", post(execute::<S>))
        .route("/records/{kind}", get(list::<S>))
        .route("/records/{kind}/{id}", get(record::<S>))
        .route("/records/{kind}/{id}/duplicates", get(duplicates::<S>))
        .route("/report", get(report::<S>))
        .route("/events", get(events::<S>))
        .route("/fields", get(fields::<S>))
        .route("/fields/changes", post(change_fields::<S>))
        .route("/merges/plan", post(plan_merge::<S>))
        .route(
            "/organizations/merges/plan",
            post(plan_organization_merge::<S>),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Inside the authentication: only valid keys have a bucket.
        .route_layer(option_layer(per_key))
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            authenticate::<S>,
        ))
        // Outside the authentication: the document says nothing of any tenant.
        .route("/openapi.json", get(openapi_json))
        .with_state(app)
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(bounds)
        .layer(option_layer(cors))
        .layer(middleware::map_response(as_json))
}

/// Serves `router` on `listener` (HTTP/1.1, behind a proxy that terminates TLS) until
/// `shutdown` completes, then waits for the requests in flight, at most `grace`. A client has
/// `header_timeout` to send each request's headers; then its connection is closed (what
/// `axum::serve` does not bound). A failed accept (too many open files) is retried after a
/// pause, not fatal.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    header_timeout: Duration,
    grace: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A connection that ends in error (a client gone, a timeout) concerns only it.
            let _ = connection.await;
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {}
    }
}

/// Rate limits by the id of the request's (authenticated) key.
#[derive(Debug, Clone, Copy)]
struct KeyId;

impl KeyExtractor for KeyId {
    type Key = String;

    fn extract<T>(&self, request: &axum::http::Request<T>) -> Result<String, GovernorError> {
        request
            .extensions()
            .get::<Authenticated>()
            .map(|who| who.key.clone())
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// An error answer made by a layer (a limit, a timeout) as JSON, like the handlers' own.
async fn as_json(response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.is_success() || status.is_informational() || json {
        return response;
    }
    let kind = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    let (mut parts, _) = response.into_parts();
    let error = ApiError::new(status, &kind, status.canonical_reason().unwrap_or("error"));
    let fresh = error.into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, fresh.into_body())
}

/// The OpenAPI document ([`openapi`]).
async fn openapi_json() -> Response {
    match openapi::json() {
        Ok(document) => ([(header::CONTENT_TYPE, "application/json")], document).into_response(),
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "openapi", e).into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take this method",
    )
}

/// Lets a request through when it carries a valid key of a tenant the service serves, with who
/// it acts for and the tenant's facade; else `401`.
async fn authenticate<S>(State(app): State<App<S>>, mut request: Request, next: Next) -> Response
where
    S: Send + Sync + 'static,
{
    let unauthorized = |why: &str| {
        let mut response =
            ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", why).into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        response
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(presented) = presented else {
        return unauthorized("an API key is required: authorization: Bearer pk_…");
    };
    let found = app
        .keys
        .verify(presented)
        .map(|who| who.and_then(|who| Some((app.tenants.get(&who.tenant)?, who))));
    match found {
        Ok(Some((crm, who))) => {
            request.extensions_mut().insert(who);
            request.extensions_mut().insert(crm);
            next.run(request).await
        }
        Ok(_) => {
            unauthorized("this API key is not valid here (unknown, revoked, or another tenant's)")
        }
        Err(e) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "keys", e).into_response(),
    }
}

/// An error as the service answers it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    /// Boxed: an error travels in every handler's `Result`.
    body: Box<ErrorBody>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &str, error: impl ToString) -> ApiError {
        ApiError {
            status,
            body: Box::new(ErrorBody {
                kind: kind.to_string(),
                error: error.to_string(),
                ..ErrorBody::default()
            }),
        }
    }

    /// The error, naming the field, parameter or header at fault.
    fn at(mut self, path: impl ToString) -> ApiError {
        self.body.path = Some(path.to_string());
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

impl<E: std::fmt::Display> From<CrmError<E>> for ApiError {
    fn from(e: CrmError<E>) -> ApiError {
        let message = e.to_string();
        match e {
            CrmError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            CrmError::Conflict(c) => {
                let mut e = ApiError::new(StatusCode::CONFLICT, "conflict", message);
                e.body.expected_version = c.expected.map(|v| v.get());
                e.body.actual_version = c.actual.map(|v| v.get());
                e
            }
            CrmError::DuplicateContact { existing } => {
                let mut e = ApiError::new(StatusCode::CONFLICT, "duplicate", message);
                e.body.existing = Some(existing.as_uuid().to_string());
                e
            }
            CrmError::DuplicateOrganization { existing } => {
                let mut e = ApiError::new(StatusCode::CONFLICT, "duplicate", message);
                e.body.existing = Some(existing.as_uuid().to_string());
                e
            }
            CrmError::WrongState {
                expected, found, ..
            } => {
                let accepted: Vec<&str> = match expected {
                    Expected::OneOf(states) => states.iter().map(|s| s.key()).collect(),
                    Expected::State(state) => vec![state.key()],
                    Expected::Kind(kind) => vec![kind.as_str()],
                    _ => Vec::new(),
                };
                let mut e =
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "illegal_move", message);
                e.body.accepted = Some(accepted.into_iter().map(str::to_string).collect());
                e.body.found = Some(found.key().to_string());
                e
            }
            CrmError::Forbidden {
                action, kind, rule, ..
            } => {
                let mut e = ApiError::new(StatusCode::FORBIDDEN, "forbidden", message);
                e.body.action = Some(action.to_string());
                e.body.record_kind = Some(kind.as_str().to_string());
                e.body.rule = Some(rule.to_string());
                e
            }
            CrmError::KeyReused { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                message,
            )
            .at("Idempotency-Key"),
            CrmError::Store(_) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "store", message)
            }
            CrmError::Schema(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "schema_change", message)
            }
            CrmError::Field(field) => {
                let e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "field", message);
                match field.key() {
                    Some(key) => e.at(format!("args.fields.{key}")),
                    None => e,
                }
            }
            CrmError::Stage(stage) => {
                use prospect::fields::StageError as E;
                let at = match stage {
                    E::UnknownPipeline { .. }
                    | E::RetiredPipeline { .. }
                    | E::OtherPipeline { .. } => "args.pipeline",
                    _ => "args.stage",
                };
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "stage", message).at(at)
            }
            CrmError::MergeRefused(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "merge_refused", message)
            }
            CrmError::ContactMerged { into, .. } => {
                let mut e =
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "contact_merged", message);
                e.body.existing = Some(into.as_uuid().to_string());
                e
            }
            CrmError::OrganizationMerged { into, .. } => {
                let mut e = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "organization_merged",
                    message,
                );
                e.body.existing = Some(into.as_uuid().to_string());
                e
            }
            _ => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message),
        }
    }
}

/// The written records, as their API view.
pub(crate) fn views(records: &[Versioned<Record>]) -> Records {
    let records = records
        .iter()
        .map(|r| RecordAt {
            version: r.version().get(),
            record: serde_json::to_value(r.value().view()).unwrap_or_default(),
        })
        .collect();
    Records { records }
}

/// `body`, read as JSON into `T`: `415` unless it is sent as JSON (a form or a text/plain
/// body, what a web page can send without asking, runs nothing), `400` naming the path of the
/// first field that does not read.
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
    what: &str,
) -> Result<T, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("{what} is sent as content-type: application/json"),
        ));
    }
    let reader = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(reader).map_err(|e| {
        let path = e.path().to_string();
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.into_inner()).at(path)
    })
}

async fn execute<S: AsyncStore + Send + Sync + 'static>(
    Extension(served): Extension<Arc<Served<S>>>,
    Extension(who): Extension<Authenticated>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let crm = &served.crm;
    let command: Command = json_body(&headers, &body, "a command")?;
    let actor = who.user;
    let Some(key) = idempotency_key(&headers)? else {
        let done = crm.execute(command, &actor).await?;
        return Ok(axum::Json(views(&done.records)).into_response());
    };
    served.prune_keys_when_due();
    let fingerprint = Fingerprint::from_bytes(Sha256::digest(&body).into());
    let done = crm.execute_once(command, &actor, key, fingerprint).await?;
    let mut response = axum::Json(views(&done.executed.records)).into_response();
    if done.replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The header a client names a request it may retry with (the IETF httpapi draft "The
/// Idempotency-Key HTTP Header Field").
pub const IDEMPOTENCY_KEY: header::HeaderName = header::HeaderName::from_static("idempotency-key");

/// The header on the answer to a request made again: `true` (nothing was written; the records
/// are those the first request wrote, as they are now).
pub const REPLAYED: header::HeaderName = header::HeaderName::from_static("idempotent-replayed");

/// The request's idempotency key, if it has one: a structured-field string (`"…"`) as the
/// draft has it, or the bare text; `400` naming the header when it is not a key.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = headers.get(&IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let bad = |why: String| {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", why).at("Idempotency-Key")
    };
    let text = value
        .to_str()
        .map_err(|_| bad("Idempotency-Key: not visible ASCII".to_string()))?;
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    IdempotencyKey::new(text)
        .map(Some)
        .map_err(|e| bad(e.to_string()))
}

async fn record<S: AsyncStore + Send + Sync + 'static>(
    Extension(served): Extension<Arc<Served<S>>>,
    Extension(who): Extension<Authenticated>,
    Path((kind, id)): Path<(String, String)>,
) -> Result<axum::Json<Records>, ApiError> {
    let crm = &served.crm;
    let actor = who.user;
    let bad = |what: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("not a {what}"),
        )
    };
    let kind = RecordKind::ALL
        .into_iter()
        .find(|k| k.as_str() == kind)
        .ok_or_else(|| bad("kind of record").at("kind"))?;
    let uuid = prospect::uuid::Uuid::parse_str(&id).map_err(|_| bad("record id").at("id"))?;
    let id = RecordId::from_parts(kind, uuid);
    // Through the access policy: a record the user may not read is not found, personal data
    // they may not read is redacted.
    let shown = crm.read(id, &actor).await?;
    Ok(axum::Json(Records {
        records: vec![self::shown(shown)],
    }))
}

/// The likely duplicates of a contact or an organization the key's user may read in full
/// ([`Crm::duplicates_of_contact`](prospect::Crm::duplicates_of_contact)), best first, each with
/// its score and reasons: `threshold` (0 to 1; 0.75 by default) and `country` (ISO 3166-1
/// alpha-2, where national phone numbers are dialled) set the rules.
async fn duplicates<S: AsyncStore + Send + Sync + 'static>(
    Extension(served): Extension<Arc<Served<S>>>,
    Extension(who): Extension<Authenticated>,
    Path((kind, id)): Path<(String, String)>,
    Params(params): Params<std::collections::HashMap<String, String>>,
) -> Result<axum::Json<prospect::duplicates::Duplicates>, ApiError> {
    use prospect::duplicates::DuplicateRules;
    let uuid =
        prospect::uuid::Uuid::parse_str(&id).map_err(|_| bad_param("id", "not a record id"))?;
    let mut rules = DuplicateRules::default();
    for (name, value) in &params {
        rules = match name.as_str() {
            "threshold" => match value.parse::<f64>() {
                Ok(t) if (0.0..=1.0).contains(&t) => rules.with_threshold(t),
                _ => return Err(bad_param("threshold", "a number from 0 to 1")),
            },
            "country" => rules
                .with_country(prospect::Country::new(value).map_err(|e| bad_param("country", e))?),
            other => return Err(bad_param(other, "not a parameter of this route")),
        };
    }
    let crm = &served.crm;
    let found = match kind.as_str() {
        "contact" => {
            let id = prospect::ContactId::from_uuid(uuid);
            crm.duplicates_of_contact(id, &rules, &who.user).await?
        }
        "organization" => {
            let id = prospect::OrganizationId::from_uuid(uuid);
            crm.duplicates_of_organization(id, &rules, &who.user)
                .await?
        }
        _ => {
            return Err(bad_param(
                "kind",
                "duplicates are found for contacts and organizations",
            ));
        }
    };
    Ok(axum::Json(found))
}

/// A record as the key's user may see it, with its version.
fn shown(record: prospect::access::Visible) -> RecordAt {
    RecordAt {
        version: record.version().get(),
        record: serde_json::to_value(&record).unwrap_or_default(),
    }
}

fn bad_param(name: &str, why: impl ToString) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", why).at(name)
}

/// The records of a kind the key's user may read, filtered and a page at a time, through the
/// store's indexes: `state` (one or several, comma-separated: `working,nurturing`), `owner`
/// (a user, or `unowned`), `contact`, `organization`, `created_from` and `created_until`
/// (RFC 3339), `closing_from` and `closing_until` (dates), `field[<key>]` (a custom field's
/// value, as [`FieldMatch`](prospect::store::FieldMatch) reads it: `picklist:gold`,
/// `boolean:true`, `date:2027-03-01..2027-03-31`, `reference:contact/<uuid>`; one per field),
/// `after` (the `next` of the page before) and `limit` (at most 1,000); contacts by `email`,
/// organizations by `domain`.
async fn list<S: AsyncStore + Send + Sync + 'static>(
    Extension(served): Extension<Arc<Served<S>>>,
    Extension(who): Extension<Authenticated>,
    Path(kind): Path<String>,
    Params(params): Params<std::collections::HashMap<String, String>>,
) -> Result<axum::Json<Listing>, ApiError> {
    let crm = &served.crm;
    use prospect::store::{Cursor, MAX_PAGE, Query};
    let kind = RecordKind::ALL
        .into_iter()
        .find(|k| k.as_str() == kind)
        .ok_or_else(|| bad_param("kind", "not a kind of record"))?;
    let known = [
        "state",
        "owner",
        "contact",
        "organization",
        "created_from",
        "created_until",
        "closing_from",
        "closing_until",
        "after",
        "limit",
        "email",
        "domain",
    ];
    // A custom field's key, in `field[<key>]`.
    let field_of = |name: &str| {
        name.strip_prefix("field[")
            .and_then(|rest| rest.strip_suffix(']'))
            .map(str::to_string)
    };
    if let Some(unknown) = params
        .keys()
        .find(|k| !known.contains(&k.as_str()) && field_of(k).is_none())
    {
        return Err(bad_param(unknown, format!("unknown filter {unknown}")));
    }
    let get = |name: &str| params.get(name).map(String::as_str);
    let actor = who.user;
    // The lookups by email and domain: their own indexes.
    if let Some(email) = get("email") {
        if kind != RecordKind::Contact {
            return Err(bad_param("email", "contacts only are found by email"));
        }
        let email = prospect::EmailAddress::new(email).map_err(|e| bad_param("email", e))?;
        let found = crm.find_contacts_by_email(&email, &actor).await?;
        return Ok(axum::Json(Listing {
            records: found.into_iter().map(shown).collect(),
            next: None,
            unreadable: 0,
        }));
    }
    if let Some(domain) = get("domain") {
        if kind != RecordKind::Organization {
            return Err(bad_param(
                "domain",
                "organizations only are found by domain",
            ));
        }
        let domain = prospect::Domain::new(domain).map_err(|e| bad_param("domain", e))?;
        let found = crm.find_organizations_by_domain(&domain, &actor).await?;
        return Ok(axum::Json(Listing {
            records: found.into_iter().map(shown).collect(),
            next: None,
            unreadable: 0,
        }));
    }
    let mut query = match get("state") {
        None => Query::of_kind(kind),
        Some(states) => {
            let mut found = Vec::new();
            for state in states.split(',') {
                let key = format!("{}/{}", kind.as_str(), state.trim());
                let state = prospect::record::RecordState::all_of(kind)
                    .find(|s| s.key() == key)
                    .ok_or_else(|| bad_param("state", format!("{key} is not a state")))?;
                found.push(state);
            }
            Query::in_any_state(kind, found)
        }
    };
    match get("owner") {
        Some("unowned") => query = query.unowned(),
        Some(owner) => {
            query = query.owned_by(prospect::User::new(owner).map_err(|e| bad_param("owner", e))?)
        }
        None => {}
    }
    let uuid = |name: &str| -> Result<Option<prospect::uuid::Uuid>, ApiError> {
        get(name)
            .map(|v| prospect::uuid::Uuid::parse_str(v).map_err(|e| bad_param(name, e)))
            .transpose()
    };
    if let Some(contact) = uuid("contact")? {
        query = query.of_contact(prospect::ContactId::from_uuid(contact));
    }
    if let Some(organization) = uuid("organization")? {
        query = query.of_organization(prospect::OrganizationId::from_uuid(organization));
    }
    let instant = |name: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
        get(name)
            .map(|v| {
                chrono::DateTime::parse_from_rfc3339(v)
                    .map(|t| t.to_utc())
                    .map_err(|e| bad_param(name, e))
            })
            .transpose()
    };
    let day = |name: &str| -> Result<Option<chrono::NaiveDate>, ApiError> {
        get(name)
            .map(|v| v.parse().map_err(|e| bad_param(name, e)))
            .transpose()
    };
    let (from, until) = (instant("created_from")?, instant("created_until")?);
    if from.is_some() || until.is_some() {
        query = query.created_between(
            from.unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
            until.unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
        );
    }
    let (first, last) = (day("closing_from")?, day("closing_until")?);
    if first.is_some() || last.is_some() {
        query = query.closing_between(
            first.unwrap_or(chrono::NaiveDate::MIN),
            last.unwrap_or(chrono::NaiveDate::MAX),
        );
    }
    let mut fields: Vec<(&String, &String)> = params
        .iter()
        .filter(|(k, _)| field_of(k).is_some())
        .collect();
    fields.sort();
    for (name, value) in fields {
        let key = field_of(name).unwrap_or_default();
        let key = prospect::fields::FieldKey::new(key).map_err(|e| bad_param(name, e))?;
        let matching = value
            .parse::<prospect::store::FieldMatch>()
            .map_err(|e| bad_param(name, e))?;
        query = query.with_field(key, matching);
    }
    let after = get("after")
        .map(|a| a.parse::<Cursor>().map_err(|e| bad_param("after", e)))
        .transpose()?;
    let limit = match get("limit") {
        None => 100,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_PAGE).contains(l))
            .ok_or_else(|| bad_param("limit", format!("a number from 1 to {MAX_PAGE}")))?,
    };
    let page = crm.list(&query, after, limit, &actor).await?;
    Ok(axum::Json(Listing {
        records: page.records.into_iter().map(shown).collect(),
        next: page.next.map(|c| c.to_string()),
        unreadable: page.unreadable.len(),
    }))
}

/// The outbox's events after `after` (a position), at most `limit` (1,000): those of the
/// record kinds the key's user reads in full ([`Crm::read_events`]).
async fn events<S: AsyncStore + Send + Sync + 'static>(
    Extension(served): Extension<Arc<Served<S>>>,
    Extension(who): Extension<Authenticated>,
    Params(params): Params<std::collections::HashMap<String, String>>,
) -> Result<axum::Json<Events>, ApiError> {
    let crm = &served.crm;
    let after = params
        .get("after")
        .map(|a| {
            a.parse::<u64>()
                .map(prospect::event::Position::new)
                .map_err(|e| bad_param("after", e))
        })
        .transpose()?;
    let limit = match params.get("limit") {
        None => 100,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=1_000).contains(l))
            .ok_or_else(|| bad_param("limit", "a number from 1 to 1000"))?,
    };
    let actor = who.user;
    let page = crm.read_events(after, limit, &actor).await?;
    Ok(axum::Json(Events {
        events: page
            .events
            .iter()
            .map(|e| serde_json::to_value(e).unwrap_or_default())
            .collect(),
        last: page.last.map(|p| p.get()),
    }))
}

/// The field schema of custom fields, as the key's user may read it.
async fn fields<S: AsyncStore + Send + Sync + 'static>(
    Extension(served): Extension<Arc<Served<S>>>,
    Extension(who): Extension<Authenticated>,
) -> Result<axum::Json<prospect::fields::FieldSchema>, ApiError> {
    Ok(axum::Json(served.crm.field_schema(&who.user).await?))
}

/// A merge to plan, as sent: the survivor, the contacts to merge into it, and which contact's
/// value to keep per field (optional).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeRequest {
    survivor: prospect::ContactId,
    merged: Vec<prospect::ContactId>,
    #[serde(default)]
    choices: prospect::merge::MergeChoices,
}

/// Plans a merge of contacts ([`Crm::plan_merge`](prospect::Crm::plan_merge)): nothing is
/// written; the plan is what the `merge` command takes.
async fn plan_merge<S: AsyncStore + Send + Sync + 'static>(
    Extension(served): Extension<Arc<Served<S>>>,
    Extension(who): Extension<Authenticated>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<prospect::merge::MergePlan>, ApiError> {
    let MergeRequest {
        survivor,
        merged,
        choices,
    } = json_body(&headers, &body, "a merge to plan")?;
    Ok(axum::Json(
        served
            .crm
            .plan_merge(survivor, &merged, choices, &who.user)
            .await?,
    ))
}

/// A merge of organizations to plan, as sent: the survivor, the organizations to merge into
/// it, and which organization's value to keep per field (optional).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganizationMergeRequest {
    survivor: prospect::OrganizationId,
    merged: Vec<prospect::OrganizationId>,
    #[serde(default)]
    choices: prospect::merge::OrganizationChoices,
}

/// Plans a merge of organizations
/// ([`Crm::plan_organization_merge`](prospect::Crm::plan_organization_merge)): nothing is
/// written; the plan is what the `merge_organizations` command takes.
async fn plan_organization_merge<S: AsyncStore + Send + Sync + 'static>(
    Extension(served): Extension<Arc<Served<S>>>,
    Extension(who): Extension<Authenticated>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<prospect::merge::OrganizationMergePlan>, ApiError> {
    let OrganizationMergeRequest {
        survivor,
        merged,
        choices,
    } = json_body(&headers, &body, "a merge of organizations to plan")?;
    Ok(axum::Json(
        served
            .crm
            .plan_organization_merge(survivor, &merged, choices, &who.user)
            .await?,
    ))
}

/// A change of the field schema, as sent: the version it was read at, and the change.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldChange {
    from: u32,
    change: prospect::fields::SchemaChange,
}

/// Applies a change to the field schema (`409` when the schema moved on since `from`, `422`
/// when the change would make a stored value invalid).
async fn change_fields<S: AsyncStore + Send + Sync + 'static>(
    Extension(served): Extension<Arc<Served<S>>>,
    Extension(who): Extension<Authenticated>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<prospect::fields::FieldSchema>, ApiError> {
    let FieldChange { from, change } = json_body(&headers, &body, "a schema change")?;
    let from = prospect::fields::SchemaVersion::new(from);
    Ok(axum::Json(
        served
            .crm
            .change_field_schema(from, change, &who.user)
            .await?,
    ))
}

async fn report<S: AsyncStore + Send + Sync + 'static>(
    Extension(served): Extension<Arc<Served<S>>>,
    Extension(who): Extension<Authenticated>,
) -> Result<axum::Json<PipelineReport>, ApiError> {
    let crm = &served.crm;
    // The kept report for those who read every record it counts; by owner for the others.
    let everything = [
        RecordKind::Contact,
        RecordKind::Lead,
        RecordKind::Opportunity,
        RecordKind::Account,
    ]
    .into_iter()
    .all(|kind| crm.reach(&who.user, kind, Action::Read) == Reach::Everything);
    let report = match everything {
        // On a task of its own: a request that times out while the report is first built
        // leaves the building to go on, for the next request.
        true => served.report.current(|| StoreOf(Arc::clone(&served))).await,
        false => {
            crm.report(&prospect::funnel::Scope::all(), &who.user)
                .await?
        }
    };
    Ok(axum::Json(report))
}
