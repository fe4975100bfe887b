//! The service over HTTP: a whole lifecycle driven by requests, then a bad request (naming the
//! JSON path of the field at fault), a stale version, an illegal move and a duplicate.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use prospect::User;
use prospect::testkit::Sample;
use prospect_service::Tenants;
use prospect_service::keys::Keys;
use prospect_sqlite::{AsyncSqliteStore, SqliteStore};

/// A fresh SQLite store in memory, for async code.
fn store() -> AsyncSqliteStore {
    AsyncSqliteStore::new(SqliteStore::open_in_memory().unwrap()).unwrap()
}
use serde_json::{Value, json};
use tower::ServiceExt;

mod common;

struct Client {
    router: axum::Router,
    key: String,
}

impl Client {
    /// The service over a fresh store, and a key for `claire`.
    fn new(sample: &Sample) -> Client {
        let crm = sample.async_crm(store());
        let keys = Keys::in_memory();
        let (_, key) = keys
            .create("default", User::new("claire").unwrap())
            .unwrap();
        Client {
            router: prospect_service::router(Tenants::single("default", crm), Arc::new(keys)),
            key,
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
        let mut request = common::json_request(method, uri, &self.key, None);
        *request.body_mut() = body;
        common::call(self.router.clone(), request).await
    }

    /// Runs a command that must succeed; returns the records it wrote.
    async fn step(&self, command: Value) -> Vec<Value> {
        let (status, body) = self.send("POST", "/commands", Some(command.clone())).await;
        assert_eq!(status, StatusCode::OK, "{command}: {body}");
        body["records"].as_array().unwrap().clone()
    }

    /// Creates a contact with `details`: its id.
    async fn contact(&self, details: Value) -> Value {
        let written = self
            .step(json!({"step": "create_contact", "args": { "details": details }}))
            .await;
        at(&written[0]).0
    }

    /// Opens a lead with the sample's interest for `contact`: its id and version.
    async fn lead(&self, contact: &Value, sample: &Sample) -> (Value, u64) {
        let written = self
            .step(json!({"step": "open_lead", "args": { "contact": contact, "interest": of(&sample.interest()) }}))
            .await;
        at(&written[0])
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
    let contact = client.contact(of(&sample.contact_details())).await;
    let (lead, v) = client.lead(&contact, &sample).await;
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
    let (lead, v) = client.lead(&contact, &sample).await;
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

/// Under a role policy, a step the policy denies is `403` naming the action and the rule, and a
/// record the user may not read is `404`.
#[tokio::test]
async fn the_access_policy_answers_403_and_404() {
    use prospect::AsyncCrm;
    use prospect::access::{Directory, Role, RolePolicy};
    // `zed` holds a key but no role.
    let (claire, vic) = (User::new("claire").unwrap(), User::new("vic").unwrap());
    let people = Directory::new()
        .with_user(claire, [Role::new("rep").unwrap()], [])
        .with_user(vic, [Role::new("viewer").unwrap()], []);
    let crm = AsyncCrm::new(store(), RolePolicy::conventional()).with_directory(people);
    let keys = Keys::in_memory();
    let key: std::collections::HashMap<&str, String> = ["claire", "vic", "zed"]
        .into_iter()
        .map(|u| (u, keys.create("default", User::new(u).unwrap()).unwrap().1))
        .collect();
    let router = prospect_service::router(Tenants::single("default", crm), Arc::new(keys));
    let send = |user: &'static str, method: &'static str, uri: String, body: Option<Value>| {
        common::call(
            router.clone(),
            common::json_request(method, &uri, &key[user], body),
        )
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

/// A request without a valid key of the service's tenant is `401`, whatever it asks; a key acts
/// as its user, whatever script the name is in.
#[tokio::test]
async fn requests_need_a_valid_key_of_the_tenant() {
    let sample = Sample::new(83);
    let keys = Arc::new(Keys::in_memory());
    let (_, jose) = keys.create("default", User::new("José").unwrap()).unwrap();
    let (revoked, old) = keys
        .create("default", User::new("claire").unwrap())
        .unwrap();
    keys.revoke(&revoked.id).unwrap();
    let (_, elsewhere) = keys.create("other", User::new("claire").unwrap()).unwrap();
    let crm = sample.async_crm(store());
    let router = prospect_service::router(Tenants::single("default", crm), keys);
    let command =
        json!({"step": "create_contact", "args": {"details": of(&sample.contact_details())}});
    let send = |authorization: Option<String>, content_type: &'static str| {
        let router = router.clone();
        let command = command.clone();
        async move {
            let mut request = Request::builder()
                .method("POST")
                .uri("/commands")
                .header("content-type", content_type);
            if let Some(a) = authorization {
                request = request.header("authorization", a);
            }
            let response = router
                .oneshot(request.body(Body::from(command.to_string())).unwrap())
                .await
                .unwrap();
            let status = response.status();
            let challenge = response.headers().get("www-authenticate").cloned();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap(),
                challenge,
            )
        }
    };
    let json = "application/json";
    let (status, body, challenge) = send(None, json).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["kind"], "unauthorized");
    assert_eq!(challenge.unwrap(), "Bearer");
    for bad in [
        "Bearer pk_nothing_here".to_string(),
        format!("Bearer {old}"),
        format!("Bearer {elsewhere}"),
        // The right id, the secret off by its last digit.
        format!(
            "Bearer {}{}",
            &jose[..jose.len() - 1],
            if jose.ends_with('0') { '1' } else { '0' }
        ),
        format!("Basic {jose}"),
    ] {
        let (status, body, _) = send(Some(bad.clone()), json).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}: {body}");
    }
    let (status, body, _) = send(Some(format!("Bearer {jose}")), json).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["records"][0]["record"]["created_by"], "José");
    // What a web page can send without asking runs nothing.
    let (status, body, _) = send(Some(format!("Bearer {jose}")), "text/plain").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
}

/// Unknown routes and methods answer JSON too.
#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let sample = Sample::new(84);
    let client = Client::new(&sample);
    let (status, body) = client.send("GET", "/nothing", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["kind"], "not_found");
    let (status, body) = client.send("DELETE", "/commands", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["kind"], "method_not_allowed");
}

/// The keys file holds hashes, never a key, readable by its owner only; a revocation written by
/// another process is seen at the next request.
#[test]
fn the_keys_file_holds_no_key_and_revocations_reach_a_running_service() {
    let dir = std::env::temp_dir().join(format!("prospect-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("keys.json");
    let _ = std::fs::remove_file(&path);
    let service = Keys::open(&path).unwrap();
    let cli = Keys::open(&path).unwrap();
    let (record, key) = cli.create("default", User::new("ann").unwrap()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let secret = key.rsplit('_').next().unwrap();
    assert_eq!(secret.len(), 64, "256 bits, hex");
    assert!(!text.contains(secret));
    assert!(text.contains(&record.hash));
    assert_eq!(service.verify(&key).unwrap().unwrap().user.as_str(), "ann");
    cli.revoke(&record.id).unwrap();
    assert_eq!(service.verify(&key).unwrap(), None);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by its owner only");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The service does not start without an access policy.
#[test]
fn the_service_refuses_to_start_without_a_policy() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_prospect-service"))
        .args(["serve", "--db", ":memory:"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("serve needs an access policy"), "{stderr}");
}

/// A body too large is `413`, a request that does not finish in time `408`, a request beyond
/// the bound on concurrent ones `503`: JSON, all three.
#[tokio::test]
async fn limits_answer_json() {
    use prospect_service::Limits;
    let sample = Sample::new(85);
    let keys = Keys::in_memory();
    let (_, key) = keys
        .create("default", User::new("claire").unwrap())
        .unwrap();
    let limits = Limits {
        request_timeout: std::time::Duration::from_millis(300),
        concurrent: 1,
        body_bytes: 1024,
        ..Limits::default()
    };
    let crm = sample.async_crm(store());
    let router =
        prospect_service::router_with(Tenants::single("default", crm), Arc::new(keys), limits);
    let post = |body: Body| {
        Request::builder()
            .method("POST")
            .uri("/commands")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {key}"))
            .body(body)
            .unwrap()
    };
    let answer = common::call;
    let (status, body) = answer(router.clone(), post(Body::from(vec![b' '; 4096]))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["kind"], "payload_too_large");
    // Half a body, and then nothing: it holds the one slot until its time is up.
    let (sender, half) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    sender
        .send(Ok(Bytes::from_static(b"{\"step\":")))
        .await
        .unwrap();
    let stream = tokio_stream_of(half);
    let slow = tokio::spawn(answer(router.clone(), post(Body::from_stream(stream))));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let (status, body) = answer(router.clone(), post(Body::from("{}"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["kind"], "overloaded");
    let (status, body) = slow.await.unwrap();
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{body}");
    assert_eq!(body["kind"], "request_timeout");
    drop(sender);
}

use axum::body::Bytes;

/// A stream of the chunks `receiver` gets, ending when it closes.
fn tokio_stream_of(
    mut receiver: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

/// CORS is closed unless origins are allowed: a browser's preflight from another origin gets
/// no allowance by default, and one only for the origins listed.
#[tokio::test]
async fn cors_is_closed_unless_allowed() {
    use prospect_service::Limits;
    let sample = Sample::new(86);
    let preflight = |origin: &'static str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/commands")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .body(Body::empty())
            .unwrap()
    };
    let allowed = |router: axum::Router, request: Request<Body>| async move {
        let response = router.oneshot(request).await.unwrap();
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string())
    };
    let closed = prospect_service::router(
        Tenants::single("default", sample.async_crm(store())),
        Arc::new(Keys::in_memory()),
    );
    assert_eq!(
        allowed(closed, preflight("https://evil.example")).await,
        None
    );
    let limits = Limits {
        cors_origins: vec!["https://app.example".parse().unwrap()],
        ..Limits::default()
    };
    let open = prospect_service::router_with(
        Tenants::single("default", sample.async_crm(store())),
        Arc::new(Keys::in_memory()),
        limits,
    );
    assert_eq!(
        allowed(open.clone(), preflight("https://app.example")).await,
        Some("https://app.example".to_string())
    );
    assert_eq!(allowed(open, preflight("https://evil.example")).await, None);
}

/// Listings and lookups through the store's indexes, filtered by the policy, a page at a time;
/// events for those who read everything.
#[tokio::test]
async fn lists_lookups_and_events_go_through_the_policy() {
    use prospect::AsyncCrm;
    use prospect::access::{Directory, Role, RolePolicy};
    let people = Directory::new()
        .with_user(
            User::new("claire").unwrap(),
            [Role::new("rep").unwrap()],
            [],
        )
        .with_user(User::new("bob").unwrap(), [Role::new("rep").unwrap()], [])
        .with_user(
            User::new("vic").unwrap(),
            [Role::new("viewer").unwrap()],
            [],
        );
    let crm = AsyncCrm::new(store(), RolePolicy::conventional()).with_directory(people);
    let keys = Keys::in_memory();
    let key: std::collections::HashMap<&str, String> = ["claire", "bob", "vic"]
        .into_iter()
        .map(|u| (u, keys.create("default", User::new(u).unwrap()).unwrap().1))
        .collect();
    let router = prospect_service::router(Tenants::single("default", crm), Arc::new(keys));
    let send = |user: &'static str, method: &'static str, uri: String, body: Option<Value>| {
        common::call(
            router.clone(),
            common::json_request(method, &uri, &key[user], body),
        )
    };
    for (user, name, email) in [
        ("claire", "Ada", "ada@example.com"),
        ("claire", "Grace", "grace@example.com"),
        ("bob", "Edsger", "edsger@example.com"),
    ] {
        let create = json!({"step": "create_contact", "args": {"details": {
            "party": {"kind": "person", "name": name}, "email": email, "source": "web",
            "owner": user}}});
        let (status, body) = send(user, "POST", "/commands".into(), Some(create)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Claire's contacts, one a page.
    let (status, first) = send("claire", "GET", "/records/contact?limit=1".into(), None).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["records"].as_array().unwrap().len(), 1);
    let next = first["next"].as_str().unwrap().to_string();
    let (_, second) = send(
        "claire",
        "GET",
        format!("/records/contact?limit=1&after={next}"),
        None,
    )
    .await;
    assert_eq!(second["records"].as_array().unwrap().len(), 1);
    assert!(second["next"].is_null(), "{second}");
    assert_ne!(first["records"][0], second["records"][0]);
    let (_, all) = send(
        "claire",
        "GET",
        "/records/contact?owner=claire".into(),
        None,
    )
    .await;
    assert_eq!(all["records"].as_array().unwrap().len(), 2);
    let (_, bobs) = send("claire", "GET", "/records/contact?owner=bob".into(), None).await;
    assert!(bobs["records"].as_array().unwrap().is_empty());
    // By email: Claire does not find Bob's contact, nor does the viewer, who reads it redacted
    // (the address is what the redaction hides); its owner does.
    let uri = "/records/contact?email=edsger@example.com".to_string();
    let (_, found) = send("claire", "GET", uri.clone(), None).await;
    assert!(found["records"].as_array().unwrap().is_empty());
    let (_, found) = send("vic", "GET", uri.clone(), None).await;
    assert!(found["records"].as_array().unwrap().is_empty(), "{found}");
    let (_, found) = send("bob", "GET", uri, None).await;
    assert_eq!(found["records"].as_array().unwrap().len(), 1, "{found}");
    // Filters that do not read are 400 with the parameter at fault.
    let (status, body) = send("claire", "GET", "/records/lead?state=won".into(), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["path"], "state");
    let (status, body) = send("claire", "GET", "/records/lead?colour=red".into(), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["path"], "colour");
    // Events: the viewer reads every kind in full, a representative does not.
    let (status, events) = send("vic", "GET", "/events?limit=10".into(), None).await;
    assert_eq!(status, StatusCode::OK, "{events}");
    assert_eq!(events["events"].as_array().unwrap().len(), 3);
    let (_, events) = send("claire", "GET", "/events".into(), None).await;
    assert!(events["events"].as_array().unwrap().is_empty());
}

/// The example access file (the README's) is the conventional roles, and reads.
#[test]
fn the_example_access_file_holds_the_conventional_roles() {
    let text = include_str!("../access.example.json");
    let config: prospect_service::AccessConfig = serde_json::from_str(text).unwrap();
    assert_eq!(config.policy, prospect::access::RolePolicy::conventional());
    let ann = config.directory.principal(&User::new("ann").unwrap());
    assert_eq!(ann.roles().len(), 1);
}

/// Each key has its own rate: beyond its burst it is `429`, as JSON, and other keys go on.
#[tokio::test]
async fn each_key_has_its_own_rate() {
    use prospect_service::Limits;
    let sample = Sample::new(87);
    let keys = Keys::in_memory();
    let (_, busy) = keys.create("default", User::new("ann").unwrap()).unwrap();
    let (_, calm) = keys.create("default", User::new("bob").unwrap()).unwrap();
    let limits = Limits {
        per_key: (1, 2),
        ..Limits::default()
    };
    let router = prospect_service::router_with(
        Tenants::single("default", sample.async_crm(store())),
        Arc::new(keys),
        limits,
    );
    let get = |key: &String| {
        common::call(
            router.clone(),
            common::json_request("GET", "/report", key, None),
        )
    };
    assert_eq!(get(&busy).await.0, StatusCode::OK);
    assert_eq!(get(&busy).await.0, StatusCode::OK);
    let (status, body) = get(&busy).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["kind"], "too_many_requests");
    assert_eq!(get(&calm).await.0, StatusCode::OK);
}

/// The report kept in memory is brought up to date from the events by a task of its own:
/// after any steps, it comes to equal the report of every record.
#[tokio::test]
async fn the_kept_report_equals_a_full_count_after_every_change() {
    use prospect::funnel::PipelineReport;
    let sample = Sample::new(88);
    let shared = Arc::new(store());
    let keys = Keys::in_memory();
    let (_, key) = keys
        .create("default", User::new("claire").unwrap())
        .unwrap();
    let crm = sample.async_crm(Arc::clone(&shared));
    let client = Client {
        router: prospect_service::router(Tenants::single("default", crm), Arc::new(keys)),
        key,
    };
    let full = || async { of(&PipelineReport::from_async_store(&*shared).await.unwrap()) };
    let mut leads = Vec::new();
    for n in 0..3 {
        let details = sample
            .contact_details()
            .with_email(sample.email(&format!("p{n}@example.com")));
        let contact = client.contact(of(&details)).await;
        leads.push(client.lead(&contact, &sample).await);
    }
    let (status, report) = client.send("GET", "/report", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report, full().await);
    // Changes after the report was built: a touch, a qualification, a disqualification.
    let (lead, v) = leads[0].clone();
    let written = client
        .step(json!({"step": "touch", "args": {"lead": lead, "version": v, "touch": of(&sample.touch())}}))
        .await;
    let (lead, v) = at(&written[0]);
    client
        .step(
            json!({"step": "qualify", "args": {"lead": lead, "version": v,
            "qualification": of(&sample.qualification())}}),
        )
        .await;
    let (lead, v) = leads[1].clone();
    client
        .step(
            json!({"step": "disqualify", "args": {"lead": lead, "version": v,
            "reason": of(&sample.disqualification())}}),
        )
        .await;
    // The task that keeps it applies the new events within moments.
    let expected = full().await;
    let mut report = Value::Null;
    for _ in 0..100 {
        report = client.send("GET", "/report", None).await.1;
        if report == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(report, expected);
    assert_eq!(report["opportunities"]["discovery"], 1);
}

/// A command with an `Idempotency-Key`, as a client that may send it again does.
fn keyed(client: &Client, key: &str, body: &Value) -> Request<Body> {
    let mut request = common::json_request("POST", "/commands", &client.key, Some(body.clone()));
    request
        .headers_mut()
        .insert("idempotency-key", key.parse().unwrap());
    request
}

/// The status, whether the answer says it replays, and the body.
async fn call_keyed(client: &Client, request: Request<Body>) -> (StatusCode, bool, Value) {
    let response = client.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, replayed, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn a_request_sent_again_with_its_key_writes_once() {
    let sample = Sample::new(31);
    let client = Client::new(&sample);
    let contacts = || async {
        let (status, body) = client.send("GET", "/records/contact", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["records"].as_array().unwrap().len()
    };
    // A contact without an email: nothing else would stop a second one.
    let create = json!({"step": "create_contact", "args": {"details": {
        "party": {"kind": "person", "name": "Ada"}, "source": "web"}}});
    let key = "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"";
    let (status, replayed, first) = call_keyed(&client, keyed(&client, key, &create)).await;
    assert_eq!((status, replayed), (StatusCode::OK, false), "{first}");
    let (status, replayed, again) = call_keyed(&client, keyed(&client, key, &create)).await;
    assert_eq!((status, replayed), (StatusCode::OK, true), "{again}");
    assert_eq!(again, first, "the first answer, again");
    assert_eq!(contacts().await, 1, "one contact for two requests");

    // Then a lead opened with a key, the request lost and sent again: one lead.
    let contact = first["records"][0]["record"]["id"].clone();
    let open = json!({"step": "open_lead", "args": {"contact": contact,
        "interest": of(&sample.interest())}});
    let (_, _, lead) = call_keyed(&client, keyed(&client, "open-1", &open)).await;
    let (status, replayed, lead_again) = call_keyed(&client, keyed(&client, "open-1", &open)).await;
    assert_eq!((status, replayed), (StatusCode::OK, true));
    assert_eq!(
        lead_again["records"][0]["record"]["id"],
        lead["records"][0]["record"]["id"]
    );

    // The same key with another body: 422, nothing written.
    let other = json!({"step": "create_contact", "args": {"details": {
        "party": {"kind": "person", "name": "Bob"}, "source": "web"}}});
    let (status, _, body) = call_keyed(&client, keyed(&client, key, &other)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["kind"], "idempotency_key_reused");
    assert_eq!(contacts().await, 1);

    // A key that is not one: 400 naming the header.
    let (status, _, body) = call_keyed(&client, keyed(&client, "two words", &create)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["path"], "Idempotency-Key");

    // Eight clients racing with one key: one contact, every answer the same.
    let racing: Vec<_> = (0..8)
        .map(|_| call_keyed(&client, keyed(&client, "race", &other)))
        .collect();
    let answers = futures_util::future::join_all(racing).await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|(status, _, body)| {
            assert_eq!(*status, StatusCode::OK, "{body}");
            body["records"][0]["record"]["id"].to_string()
        })
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "one contact for eight racing requests: {ids:?}"
    );
    assert_eq!(
        answers.iter().filter(|(_, replayed, _)| !replayed).count(),
        1
    );
    assert_eq!(contacts().await, 2);
}

#[tokio::test]
async fn a_client_slow_to_send_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sample = Sample::new(32);
    let client = Client::new(&sample);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(prospect_service::serve(
        listener,
        client.router.clone(),
        std::time::Duration::from_millis(200),
        std::time::Duration::from_secs(1),
        async {
            let _ = stopped.await;
        },
    ));
    // Half a request's headers, then nothing: the server closes the connection.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /openapi.json HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        slow.read_to_end(&mut buffer),
    )
    .await;
    assert!(read.is_ok(), "the connection is still open after 5 s");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // A whole request on another connection is served.
    let mut fine = tokio::net::TcpStream::connect(addr).await.unwrap();
    fine.write_all(b"GET /openapi.json HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    fine.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..40.min(answer.len())]
    );
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .expect("the server stops when told")
        .unwrap();
}

/// The field schema over HTTP, on SQLite: read by a rep, changed by an admin one change at a
/// time; a rep's change is `403`, a change from a version passed `409`, a narrowing `422`, a
/// change not sent as JSON `415`, a body that does not read `400` naming the field.
#[tokio::test]
async fn the_field_schema_is_read_and_changed_over_http() {
    use prospect::AsyncCrm;
    use prospect::access::{Directory, Role, RolePolicy};
    let people = Directory::new()
        .with_user(User::new("ada").unwrap(), [Role::new("admin").unwrap()], [])
        .with_user(User::new("ann").unwrap(), [Role::new("rep").unwrap()], []);
    let crm = AsyncCrm::new(store(), RolePolicy::conventional()).with_directory(people);
    let keys = Keys::in_memory();
    let key: std::collections::HashMap<&str, String> = ["ada", "ann"]
        .into_iter()
        .map(|u| (u, keys.create("default", User::new(u).unwrap()).unwrap().1))
        .collect();
    let router = prospect_service::router(Tenants::single("default", crm), Arc::new(keys));
    let send =
        |user: &'static str, method: &'static str, uri: &'static str, body: Option<Value>| {
            common::call(
                router.clone(),
                common::json_request(method, uri, &key[user], body),
            )
        };
    let (status, body) = send("ann", "GET", "/fields", None).await;
    assert_eq!(
        (status, &body["version"]),
        (StatusCode::OK, &json!(0)),
        "{body}"
    );
    let add = json!({"from": 0, "change": {"change": "add_field", "kind": "opportunity",
        "field": {"key": "seats", "label": "Seats",
            "field_type": {"type": "integer", "min": 1, "max": 500},
            "required": false, "personal": false, "retired": false, "since": 0}}});
    let (status, body) = send("ann", "POST", "/fields/changes", Some(add.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = send("ada", "POST", "/fields/changes", Some(add.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], json!(1), "{body}");
    assert_eq!(
        body["kinds"]["opportunity"][0]["key"],
        json!("seats"),
        "{body}"
    );
    let (status, body) = send("ada", "POST", "/fields/changes", Some(add)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let narrow = json!({"from": 1, "change": {"change": "redefine", "kind": "opportunity",
        "key": "seats", "field_type": {"type": "integer", "min": 1, "max": 100}}});
    let (status, body) = send("ada", "POST", "/fields/changes", Some(narrow)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["kind"], json!("schema_change"), "{body}");
    assert!(body["error"].as_str().unwrap().contains("seats"), "{body}");
    let bad = json!({"from": 1, "change": {"change": "retire_field", "kind": "opportunity",
        "key": "Seats"}});
    let (status, body) = send("ada", "POST", "/fields/changes", Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // An internally tagged change is read whole: the path stops at it, the message names the key.
    assert_eq!(body["path"], json!("change"), "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("\"Seats\""),
        "{body}"
    );
    let mut form = common::json_request("POST", "/fields/changes", &key["ada"], None);
    form.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain"),
    );
    *form.body_mut() = Body::from("{}");
    let (status, body) = common::call(router.clone(), form).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let (status, body) = send("ann", "GET", "/fields", None).await;
    assert_eq!(
        (status, &body["version"]),
        (StatusCode::OK, &json!(1)),
        "{body}"
    );
    // A value the schema refuses, given with a command: `422`, the path naming the field.
    let create = json!({"step": "create_contact", "args": {
        "details": {"party": {"kind": "person", "name": "Ada Lovelace"}, "source": "web",
            "owner": "ada"},
        "fields": {"seats": {"type": "integer", "value": 40}}}});
    let (status, body) = send("ada", "POST", "/commands", Some(create)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        (&body["kind"], &body["path"]),
        (&json!("field"), &json!("args.fields.seats")),
        "{body}"
    );
}

#[tokio::test]
async fn an_opportunity_moves_through_a_pipeline_over_http() {
    let sample = Sample::new(81);
    let client = Client::new(&sample);
    let stage = |key: &str, backbone: &str, probability: u8| {
        json!({"key": key, "label": key, "backbone": backbone, "probability": probability,
            "stale_after_days": null, "retired": false})
    };
    let pipeline = json!({"from": 0, "change": {"change": "add_pipeline", "pipeline": {
        "key": "renewals", "label": "Renewals", "retired": false, "stages": [
            stage("usage_review", "discovery", 30), stage("budget", "discovery", 45),
            stage("quote", "proposal", 60), stage("terms", "negotiation", 80),
            stage("signature", "contracting", 90)]}}});
    let (status, body) = client.send("POST", "/fields/changes", Some(pipeline)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let contact = client.contact(of(&sample.contact_details())).await;
    let (lead, v) = client.lead(&contact, &sample).await;
    let written = client
        .step(json!({"step": "touch", "args": { "lead": lead, "version": v, "touch": of(&sample.touch()) }}))
        .await;
    let (lead, v) = at(&written[0]);
    let written = client
        .step(
            json!({"step": "qualify", "args": { "lead": lead, "version": v,
            "qualification": of(&sample.qualification()), "pipeline": "renewals" }}),
        )
        .await;
    assert_eq!(
        written[1]["record"]["placement"]["stage"], "usage_review",
        "{written:?}"
    );
    assert_eq!(written[1]["record"]["effective"]["probability"], 30);
    let (o, v) = at(&written[1]);
    let written = client
        .step(
            json!({"step": "move_stage", "args": { "opportunity": o, "version": v,
            "pipeline": "renewals", "stage": "budget", "note": "Budget confirmed" }}),
        )
        .await;
    assert_eq!(written[0]["record"]["placement"]["stage"], "budget");
    assert_eq!(written[0]["record"]["effective"]["probability"], 45);
    let (o, v) = at(&written[0]);
    // Into the next backbone stage only by its typed step: `422`, naming the stage.
    let across = json!({"step": "move_stage", "args": { "opportunity": o, "version": v,
        "pipeline": "renewals", "stage": "quote" }});
    let (status, body) = client.send("POST", "/commands", Some(across)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        (&body["kind"], &body["path"]),
        (&json!("stage"), &json!("args.stage")),
        "{body}"
    );
    assert!(body["error"].as_str().unwrap().contains("quote"), "{body}");
    // Another pipeline than its own: `422`, naming the pipeline.
    let other = json!({"step": "move_stage", "args": { "opportunity": o, "version": v,
        "pipeline": "new_business", "stage": "demo" }});
    let (status, body) = client.send("POST", "/commands", Some(other)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["path"], json!("args.pipeline"), "{body}");
    // The typed step lands it in the pipeline's stage inside proposal.
    let written = client
        .step(json!({"step": "propose", "args": { "opportunity": o, "version": v, "proposal": of(&sample.proposal()) }}))
        .await;
    assert_eq!(written[0]["record"]["placement"]["stage"], "quote");
}

/// Contacts listed by a custom field's value: `field[tier]=picklist:gold` gives the gold
/// ones, through the store's field index; a match that does not read is `400` naming the
/// parameter.
#[tokio::test]
async fn records_are_listed_by_custom_field_over_http() {
    let sample = Sample::new(82);
    let client = Client::new(&sample);
    let add = json!({"from": 0, "change": {"change": "add_field", "kind": "contact",
        "field": {"key": "tier", "label": "Tier",
            "field_type": {"type": "picklist", "options": [
                {"key": "gold", "label": "Gold", "retired": false},
                {"key": "silver", "label": "Silver", "retired": false}]},
            "required": false, "personal": false, "retired": false, "since": 0}}});
    let (status, body) = client.send("POST", "/fields/changes", Some(add)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut gold = Vec::new();
    for tier in ["gold", "silver", "gold"] {
        let written = client
            .step(json!({"step": "create_contact", "args": {
                "details": of(&sample.contact_details()),
                "fields": {"tier": {"type": "picklist", "value": tier}}}}))
            .await;
        if tier == "gold" {
            gold.push(written[0]["record"]["id"].clone());
        }
    }
    let (status, body) = client
        .send(
            "GET",
            "/records/contact?field%5Btier%5D=picklist%3Agold&limit=10",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed: Vec<Value> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["id"].clone())
        .collect();
    assert_eq!(listed, gold, "{body}");
    let (status, body) = client
        .send("GET", "/records/contact?field%5Btier%5D=gold", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["path"], json!("field[tier]"), "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("picklist:<option>"),
        "{body}"
    );
}

/// A contact's likely duplicates over HTTP: found by the store's keys, scored and explained;
/// a bad threshold or a kind without duplicates is `400` naming the parameter.
#[tokio::test]
async fn a_contacts_duplicates_are_found_over_http() {
    use prospect::{ContactDetails, LeadSource, Party, PersonName, PhoneNumber};
    let sample = Sample::new(83);
    let client = Client::new(&sample);
    let person = |name: &str, phone: &str| {
        ContactDetails::new(
            Party::person(PersonName::new(name).unwrap()),
            LeadSource::Web,
        )
        .with_phone(PhoneNumber::new(phone).unwrap())
    };
    let mut ids = Vec::new();
    for (name, phone) in [
        ("Robert Smith", "+44 20 7946 0958"),
        ("Bob Smyth", "020 7946 0958"),
        ("Mary Smith", "020 7946 0958"),
    ] {
        let written = client
            .step(json!({"step": "create_contact", "args": {"details": of(&person(name, phone))}}))
            .await;
        ids.push(written[0]["record"]["id"].as_str().unwrap().to_string());
    }
    let (status, body) = client
        .send(
            "GET",
            &format!("/records/contact/{}/duplicates?country=GB", ids[0]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let candidates = body["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1, "Bob, not Mary: {body}");
    assert_eq!(candidates[0]["id"]["id"], json!(ids[1]), "{body}");
    let signals: Vec<&str> = candidates[0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["signal"].as_str().unwrap())
        .collect();
    assert_eq!(signals, ["similar_name", "same_phone"], "{body}");
    let (status, body) = client
        .send(
            "GET",
            &format!("/records/contact/{}/duplicates?threshold=2", ids[0]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["path"], json!("threshold"), "{body}");
    let (status, body) = client
        .send(
            "GET",
            &format!("/records/activity/{}/duplicates", ids[0]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["path"], json!("kind"), "{body}");
}

/// Duplicates merged over HTTP: planned (`POST /merges/plan`), applied by the `merge` command
/// (the merged contact's lead moves; a second `merge` of the same plan is refused, naming why),
/// and undone by `unmerge`.
#[tokio::test]
async fn contacts_are_merged_and_unmerged_over_http() {
    let sample = Sample::new(84);
    let client = Client::new(&sample);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let written = client
            .step(json!({"step": "create_contact", "args": {"details": of(&sample.contact_details())}}))
            .await;
        ids.push(written[0]["record"]["id"].as_str().unwrap().to_string());
    }
    let lead = client
        .step(json!({"step": "open_lead", "args": {"contact": ids[1],
            "interest": of(&sample.interest())}}))
        .await;
    let lead_id = lead[0]["record"]["id"].as_str().unwrap().to_string();
    let request = json!({"survivor": ids[0], "merged": [ids[1]], "choices": {"email": ids[1]}});
    let (status, plan) = client.send("POST", "/merges/plan", Some(request)).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["moved"][0]["record"]["id"], json!(lead_id), "{plan}");
    let merged = client
        .step(json!({"step": "merge", "args": {"plan": plan}}))
        .await;
    assert_eq!(
        merged.len(),
        3,
        "the survivor, the merged contact, the lead"
    );
    let (status, body) = client
        .send("GET", &format!("/records/lead/{lead_id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["records"][0]["record"]["contact"],
        json!(ids[0]),
        "{body}"
    );
    let (status, body) = client
        .send(
            "POST",
            "/commands",
            Some(json!({"step": "merge", "args": {"plan": plan}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["kind"], json!("merge_refused"), "{body}");
    let merge = merged[1]["record"]["corrections"]
        .as_array()
        .and_then(|c| c.last())
        .map(|c| c["merge"]["merge"].clone())
        .unwrap();
    client
        .step(json!({"step": "unmerge", "args": {"survivor": ids[0], "merge": merge}}))
        .await;
    let (_, body) = client
        .send("GET", &format!("/records/lead/{lead_id}"), None)
        .await;
    assert_eq!(
        body["records"][0]["record"]["contact"],
        json!(ids[1]),
        "{body}"
    );
}

/// Organizations merged over HTTP: planned (`POST /organizations/merges/plan`), applied by the
/// `merge_organizations` command (the merged organization's contact moves; a correction of the
/// merged organization is refused, naming its survivor), and undone by
/// `unmerge_organizations`.
#[tokio::test]
async fn organizations_are_merged_and_unmerged_over_http() {
    let sample = Sample::new(85);
    let client = Client::new(&sample);
    let mut ids = Vec::new();
    for (name, domain) in [("ACME", "acme.example"), ("Acme Corp", "acmecorp.example")] {
        let written = client
            .step(json!({"step": "create_organization",
                "args": {"details": {"name": name, "domains": [domain]}}}))
            .await;
        ids.push(written[0]["record"]["id"].as_str().unwrap().to_string());
    }
    let contact = client
        .step(json!({"step": "create_contact", "args": {"details": of(&sample.contact_details())}}))
        .await;
    let contact_id = contact[0]["record"]["id"].as_str().unwrap().to_string();
    client
        .step(
            json!({"step": "link_contact", "args": {"contact": contact_id,
            "version": contact[0]["version"], "organization": ids[1]}}),
        )
        .await;
    let request = json!({"survivor": ids[0], "merged": [ids[1]], "choices": {"name": ids[1]}});
    let (status, plan) = client
        .send("POST", "/organizations/merges/plan", Some(request))
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan["contacts"][0]["contact"], json!(contact_id), "{plan}");
    assert_eq!(plan["details"]["name"], json!("Acme Corp"), "{plan}");
    let merged = client
        .step(json!({"step": "merge_organizations", "args": {"plan": plan}}))
        .await;
    assert_eq!(merged.len(), 3, "the survivor, the merged one, the contact");
    let (_, body) = client
        .send("GET", &format!("/records/contact/{contact_id}"), None)
        .await;
    let organization = &body["records"][0]["record"]["details"]["organization"];
    assert_eq!(*organization, json!(ids[0]), "{body}");
    let (status, body) = client
        .send(
            "POST",
            "/commands",
            Some(
                json!({"step": "correct_organization", "args": {"organization": ids[1],
                "version": merged[1]["version"], "details": {"name": "Other"}}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["kind"], json!("organization_merged"), "{body}");
    let merge = merged[1]["record"]["corrections"]
        .as_array()
        .and_then(|c| c.last())
        .map(|c| c["merge"]["merge"].clone())
        .unwrap();
    client
        .step(json!({"step": "unmerge_organizations",
            "args": {"survivor": ids[0], "merge": merge}}))
        .await;
    let (_, body) = client
        .send("GET", &format!("/records/contact/{contact_id}"), None)
        .await;
    let organization = &body["records"][0]["record"]["details"]["organization"];
    assert_eq!(*organization, json!(ids[1]), "{body}");
}
