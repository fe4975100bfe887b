//! The service over HTTP: a whole lifecycle driven by requests, then a bad request (naming the
//! JSON path of the field at fault), a stale version, an illegal move and a duplicate.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use prospect::testkit::Sample;
use prospect_sqlite::SqliteStore;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Client {
    router: axum::Router,
}

impl Client {
    fn new(sample: &Sample) -> Client {
        let crm = sample.crm(SqliteStore::open_in_memory().unwrap());
        Client {
            router: prospect_service::router(Arc::new(crm)),
        }
    }

    async fn send(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let body = match body {
            Some(b) => Body::from(b.to_string()),
            None => Body::empty(),
        };
        self.request(method, uri, body).await
    }

    /// Posts a command written by hand, its keys in the order given.
    async fn send_text(&self, text: &'static str) -> (StatusCode, Value) {
        self.request("POST", "/commands", Body::from(text)).await
    }

    async fn request(&self, method: &str, uri: &str, body: Body) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .header("x-user", "claire")
            .body(body)
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    /// Runs a command that must succeed; returns the records it wrote.
    async fn step(&self, command: Value) -> Vec<Value> {
        let (status, body) = self.send("POST", "/commands", Some(command.clone())).await;
        assert_eq!(status, StatusCode::OK, "{command}: {body}");
        body["records"].as_array().unwrap().clone()
    }
}

fn of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

/// The id and version of a written record.
fn at(written: &Value) -> (Value, u64) {
    (
        written["record"]["id"].clone(),
        written["version"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn a_whole_lifecycle_through_http() {
    let sample = Sample::new(80);
    let client = Client::new(&sample);
    let written = client
        .step(
            json!({"step": "create_contact", "args": { "details": of(&sample.contact_details()) }}),
        )
        .await;
    let (contact, _) = at(&written[0]);
    let written = client
        .step(json!({"step": "open_lead", "args": { "contact": contact, "interest": of(&sample.interest()) }}))
        .await;
    let (lead, v) = at(&written[0]);
    client
        .step(
            json!({"step": "log_activity", "args": { "record": {"type": "lead", "id": lead},
            "details": {"kind": "call", "summary": "First call"} }}),
        )
        .await;
    let written = client
        .step(json!({"step": "touch", "args": { "lead": lead, "version": v, "touch": of(&sample.touch()) }}))
        .await;
    let (lead, v) = at(&written[0]);
    let written = client
        .step(
            json!({"step": "qualify", "args": { "lead": lead, "version": v,
            "qualification": of(&sample.qualification()) }}),
        )
        .await;
    assert_eq!(written[0]["record"]["status"], "converted");
    let (o, v) = at(&written[1]);
    let written = client
        .step(json!({"step": "propose", "args": { "opportunity": o, "version": v, "proposal": of(&sample.proposal()) }}))
        .await;
    let (o, v) = at(&written[0]);
    assert_eq!(written[0]["record"]["effective"]["probability"], 50);
    let written = client
        .step(json!({"step": "negotiate", "args": { "opportunity": o, "version": v, "note": "Price" }}))
        .await;
    let (o, v) = at(&written[0]);
    let written = client
        .step(
            json!({"step": "enter_contracting", "args": { "opportunity": o, "version": v,
            "terms": of(&sample.terms()), "incumbent": of(&sample.incumbent()) }}),
        )
        .await;
    let (o, v) = at(&written[0]);
    let written = client
        .step(
            json!({"step": "win", "args": { "opportunity": o, "version": v,
            "contract": of(&sample.contract(30_000)) }}),
        )
        .await;
    assert_eq!(written[0]["record"]["stage"], "won");
    assert_eq!(written[1]["record"]["type"], "account");
    let uuid = o.as_str().unwrap();
    let (status, body) = client
        .send("GET", &format!("/records/opportunity/{uuid}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["records"][0]["record"]["stage"], "won");
    let (status, report) = client.send("GET", "/report", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["opportunities"]["won"], 1);
    assert_eq!(report["value"]["won"]["EUR"], "30000.00");
}

#[tokio::test]
async fn errors_say_what_went_wrong() {
    let sample = Sample::new(81);
    let client = Client::new(&sample);
    // A bad request names the JSON path of the field at fault (as a client writes it: the
    // step first).
    let (status, body) = client
        .send_text(
            r#"{"step": "create_contact", "args": {"details": {
                "party": {"kind": "person", "name": "Ada"},
                "email": "not an address", "source": "web"}}}"#,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["path"], "args.details.email", "{body}");
    let (status, body) = client.send_text(r#"{"step": "teleport"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let details = of(&sample
        .contact_details()
        .with_email(sample.email("ada@example.com")));
    let written = client
        .step(json!({"step": "create_contact", "args": { "details": details }}))
        .await;
    let (contact, _) = at(&written[0]);
    // A duplicate: the same address again.
    let (status, body) = client
        .send(
            "POST",
            "/commands",
            Some(json!({"step": "create_contact", "args": { "details": details }})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["kind"], "duplicate");
    assert_eq!(body["existing"], contact);
    let written = client
        .step(json!({"step": "open_lead", "args": { "contact": contact, "interest": of(&sample.interest()) }}))
        .await;
    let (lead, v) = at(&written[0]);
    client
        .step(json!({"step": "touch", "args": { "lead": lead, "version": v, "touch": of(&sample.touch()) }}))
        .await;
    // A stale version: the lead moved on since version 1.
    let (status, body) = client
        .send(
            "POST",
            "/commands",
            Some(
                json!({"step": "nurture", "args": { "lead": lead, "version": v, "note": "Later" }}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["kind"], "conflict");
    assert_eq!(body["actual_version"], v + 1);
    // An illegal move: a touch on a lead being worked, naming the states a touch takes.
    let (status, body) = client
        .send(
            "POST",
            "/commands",
            Some(json!({"step": "touch", "args": { "lead": lead, "version": v + 1, "touch": of(&sample.touch()) }})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["kind"], "illegal_move");
    assert_eq!(body["accepted"], json!(["lead/new", "lead/nurturing"]));
    assert_eq!(body["found"], "lead/working");
    let (status, _) = client
        .send(
            "GET",
            &format!("/records/lead/{}", prospect::uuid::Uuid::nil()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Who acted: the `x-user` header, percent-encoded as UTF-8 when it is not ASCII; raw
/// non-ASCII bytes are refused with an error that says how to send them.
#[tokio::test]
async fn the_acting_user_is_any_name_percent_encoded() {
    let sample = Sample::new(83);
    let client = Client::new(&sample);
    let create = |user: &[u8]| {
        let command =
            json!({"step": "create_contact", "args": {"details": of(&sample.contact_details())}});
        Request::builder()
            .method("POST")
            .uri("/commands")
            .header("content-type", "application/json")
            .header("x-user", axum::http::HeaderValue::from_bytes(user).unwrap())
            .body(Body::from(command.to_string()))
            .unwrap()
    };
    let run = |request: Request<Body>| {
        let router = client.router.clone();
        async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let (status, body) = run(create("Jos%C3%A9".as_bytes())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["records"][0]["record"]["created_by"], "José");
    let (status, body) = run(create("علی%E2%80%8Cرضا".as_bytes())).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "raw UTF-8 is not ASCII: {body}"
    );
    let (status, body) = run(create("José".as_bytes())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["path"], "x-user");
    assert!(
        body["error"].as_str().unwrap().starts_with(
            "x-user: not visible ASCII; send a name in another script percent-encoded"
        ),
        "{body}"
    );
    let (status, body) = run(create(b"%FF%FE")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "x-user: the percent-encoded bytes are not UTF-8"
    );
    let (status, body) = run(create(b"%E2%80%8B")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a zero-width space alone: {body}"
    );
    assert!(
        body["error"].as_str().unwrap().starts_with("user:"),
        "{body}"
    );
}

/// Under a role policy, a step the policy denies is `403` naming the action and the rule, and a
/// record the user may not read is `404`.
#[tokio::test]
async fn the_access_policy_answers_403_and_404() {
    use prospect::access::{Directory, Role, RolePolicy};
    use prospect::{Crm, User};
    let (claire, vic, zed) = (
        User::new("claire").unwrap(),
        User::new("vic").unwrap(),
        User::new("zed").unwrap(),
    );
    let people = Directory::new()
        .with_user(claire, [Role::new("rep").unwrap()], [])
        .with_user(vic, [Role::new("viewer").unwrap()], []);
    let crm = Crm::new(
        SqliteStore::open_in_memory().unwrap(),
        RolePolicy::conventional(),
    )
    .with_directory(people);
    let router = prospect_service::router(Arc::new(crm));
    let send = |user: &'static str, method: &'static str, uri: String, body: Option<Value>| {
        let router = router.clone();
        async move {
            let request = Request::builder()
                .method(method)
                .uri(uri)
                .header("content-type", "application/json")
                .header("x-user", user)
                .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    let create = json!({"step": "create_contact", "args": {"details": {
        "party": {"kind": "person", "name": "Ada"}, "source": "web", "owner": "claire"}}});
    let (status, body) = send("claire", "POST", "/commands".into(), Some(create.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["records"][0]["record"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The viewer reads it, redacted; may not create one.
    let (status, body) = send("vic", "GET", format!("/records/contact/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["records"][0]["record"]["redacted"], json!(true));
    assert!(!body.to_string().contains("Ada"), "{body}");
    let (status, body) = send("vic", "POST", "/commands".into(), Some(create)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["kind"], "forbidden");
    assert_eq!(body["action"], "create");
    assert!(
        body["rule"].as_str().unwrap().contains("least privilege"),
        "{body}"
    );
    // A user with no role does not learn that the record exists.
    let (status, body) = send("zed", "GET", format!("/records/contact/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
