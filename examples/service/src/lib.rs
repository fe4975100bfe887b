//! An HTTP service over `prospect` on SQLite: the lifecycle, activities, tasks, edits and
//! organizations as JSON [`Command`]s, records and the pipeline report as JSON.
//!
//! - `POST /commands`: a [`Command`] (`{"step": "qualify", "lead": "...", "version": 2, ...}`),
//!   run by [`Crm::execute`]; answers `200` with the records it wrote, as
//!   [`RecordView`](prospect::record::RecordView)s.
//! - `GET /records/{kind}/{id}`: a record as [`RecordView`](prospect::record::RecordView).
//! - `GET /report`: the pipeline report, in its documented JSON shape.
//!
//! The acting user is the `x-user` header (`api` when absent), percent-encoded as UTF-8 when it
//! is not ASCII (`Jos%C3%A9`: a header carries ASCII only; raw non-ASCII bytes are refused with
//! an error that says so). Errors are JSON
//! (`{"error": "...", "kind": "..."}`) with a status that says what went wrong: `400` for a
//! request that does not read (with the JSON `path` of the field at fault), `404`, `409` for a
//! stale version or a duplicate, `422` for an illegal move (with the states the step takes)
//! or a value refused, `403` for a step the access policy denies (with the action and the
//! rule; a record the policy does not let the user read is `404`).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use prospect::funnel::PipelineReport;
use prospect::record::{Expected, Record, RecordId, RecordKind};
use prospect::store::Versioned;
use prospect::{Command, Crm, CrmError, User};
use prospect_sqlite::{SqliteError, SqliteStore};
use serde_json::{Value, json};

/// The facade the handlers share.
pub type Service = Arc<Crm<SqliteStore>>;

/// The routes, over `crm`.
pub fn router(crm: Service) -> Router {
    Router::new()
        .route("/commands", post(execute))
        .route("/records/{kind}/{id}", get(record))
        .route("/report", get(report))
        .with_state(crm)
}

/// An error as the service answers it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    fn new(status: StatusCode, kind: &str, error: impl ToString) -> ApiError {
        ApiError {
            status,
            body: json!({"kind": kind, "error": error.to_string()}),
        }
    }

    fn with(mut self, field: &str, value: Value) -> ApiError {
        self.body[field] = value;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

impl From<CrmError<SqliteError>> for ApiError {
    fn from(e: CrmError<SqliteError>) -> ApiError {
        let message = e.to_string();
        match e {
            CrmError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            CrmError::Conflict(c) => ApiError::new(StatusCode::CONFLICT, "conflict", message)
                .with("expected_version", json!(c.expected.map(|v| v.get())))
                .with("actual_version", json!(c.actual.map(|v| v.get()))),
            CrmError::DuplicateContact { existing } => {
                ApiError::new(StatusCode::CONFLICT, "duplicate", message)
                    .with("existing", json!(existing.as_uuid()))
            }
            CrmError::DuplicateOrganization { existing } => {
                ApiError::new(StatusCode::CONFLICT, "duplicate", message)
                    .with("existing", json!(existing.as_uuid()))
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
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "illegal_move", message)
                    .with("accepted", json!(accepted))
                    .with("found", json!(found.key()))
            }
            CrmError::Forbidden {
                action, kind, rule, ..
            } => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
                .with("action", json!(action))
                .with("record_kind", json!(kind))
                .with("rule", json!(rule.to_string())),
            CrmError::Store(_) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "store", message)
            }
            _ => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message),
        }
    }
}

/// The acting user: the `x-user` header, or `api`. A header carries visible ASCII only, so a
/// name in another script is sent percent-encoded as UTF-8 (`José` as `Jos%C3%A9`) and decoded
/// here; a header with other bytes is refused with an error that says so.
fn actor(headers: &HeaderMap) -> Result<User, ApiError> {
    let bad = |e: &dyn std::fmt::Display| {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e).with("path", json!("x-user"))
    };
    let Some(value) = headers.get("x-user") else {
        return User::new("api").map_err(|e| bad(&e));
    };
    let text = value.to_str().map_err(|_| {
        bad(
            &"x-user: not visible ASCII; send a name in another script percent-encoded as \
               UTF-8, e.g. Jos%C3%A9 for José",
        )
    })?;
    let name = percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map_err(|_| bad(&"x-user: the percent-encoded bytes are not UTF-8"))?;
    User::new(name).map_err(|e| bad(&e))
}

/// Runs blocking work (SQLite) off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "panic", e)))
}

/// The written records, as their API view.
fn views(records: &[Versioned<Record>]) -> Value {
    let views: Vec<Value> = records
        .iter()
        .map(|r| json!({"version": r.version().get(), "record": r.value().view()}))
        .collect();
    json!({ "records": views })
}

async fn execute(
    State(crm): State<Service>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = actor(&headers)?;
    let reader = &mut serde_json::Deserializer::from_slice(&body);
    let command: Command = serde_path_to_error::deserialize(reader).map_err(|e| {
        let path = e.path().to_string();
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.into_inner())
            .with("path", json!(path))
    })?;
    blocking(move || {
        let done = crm.execute(command, &actor)?;
        Ok(axum::Json(views(&done.records)))
    })
    .await
}

async fn record(
    State(crm): State<Service>,
    headers: HeaderMap,
    Path((kind, id)): Path<(String, String)>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = actor(&headers)?;
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
        .ok_or_else(|| bad("kind of record").with("path", json!("kind")))?;
    let uuid = prospect::uuid::Uuid::parse_str(&id)
        .map_err(|_| bad("record id").with("path", json!("id")))?;
    let id = RecordId::from_parts(kind, uuid);
    blocking(move || {
        // Through the access policy: a record the user may not read is not found, personal
        // data they may not read is redacted.
        let shown = crm.read(id, &actor).map_err(ApiError::from)?;
        let view = json!({"version": shown.version().get(), "record": shown});
        Ok(axum::Json(json!({ "records": [view] })))
    })
    .await
}

async fn report(
    State(crm): State<Service>,
    headers: HeaderMap,
) -> Result<axum::Json<PipelineReport>, ApiError> {
    let actor = actor(&headers)?;
    blocking(move || {
        crm.report(&prospect::funnel::Scope::all(), &actor)
            .map(axum::Json)
            .map_err(ApiError::from)
    })
    .await
}
