//! The OpenAPI document: every route and every step in it, each example a command that reads
//! and an answer of the service's shape, the routes it names all served, and the committed copy
//! (`openapi.json`) current. (CI also runs a validator of OpenAPI 3.1 on the copy.)

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::StatusCode;
use prospect::access::AllowAll;
use prospect::memory::MemoryStore;
use prospect::{AsyncCrm, Command, User};
use prospect_service::Tenants;
use prospect_service::body::Records;
use prospect_service::keys::Keys;
use prospect_service::openapi::{self, ROUTES};
use serde_json::Value;

mod common;

fn document() -> Value {
    serde_json::from_str(openapi::json().unwrap()).unwrap()
}

#[test]
fn the_document_describes_every_route_and_every_step() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    let described: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(described, routes, "the document's routes are the service's");

    let content = &document["paths"]["/commands"]["post"];
    let requests = &content["requestBody"]["content"]["application/json"]["examples"];
    let responses = &content["responses"]["200"]["content"]["application/json"]["examples"];
    for step in Command::STEPS {
        let request = &requests[*step]["value"];
        let command: Command = serde_json::from_value(request.clone())
            .unwrap_or_else(|e| panic!("the example of {step} does not read: {e}"));
        assert_eq!(command.step(), *step);
        let response: Records = serde_json::from_value(responses[*step]["value"].clone())
            .unwrap_or_else(|e| panic!("the answer to {step} is not the service's: {e}"));
        assert!(!response.records.is_empty(), "{step} wrote something");
        assert!(
            document["components"]["schemas"][format!("Command_{step}")].is_object(),
            "{step} has its schema"
        );
    }
    assert_eq!(
        requests.as_object().unwrap().len(),
        Command::STEPS.len(),
        "one example per step, no other"
    );
    // Typed: the document reads back as utoipa's OpenAPI types.
    let typed: utoipa::openapi::OpenApi = serde_json::from_value(document).unwrap();
    assert_eq!(typed.paths.paths.len(), ROUTES.len(), "one path per route");
}

#[tokio::test]
async fn every_route_it_names_is_served() {
    let keys = Keys::in_memory();
    let (_, key) = keys.create("default", User::new("ann").unwrap()).unwrap();
    let crm = AsyncCrm::new(MemoryStore::new(), AllowAll);
    let router = prospect_service::router(Tenants::single("default", crm), Arc::new(keys));
    for (method, path) in ROUTES {
        let uri = path
            .replace("{kind}", "contact")
            .replace("{id}", &prospect::uuid::Uuid::nil().to_string());
        let body = (*method == "post").then(|| serde_json::json!({"step": "no_such_step"}));
        let request = common::json_request(&method.to_uppercase(), &uri, &key, body);
        let (status, body) = common::call(router.clone(), request).await;
        assert_ne!(
            body["error"], "no such route",
            "{method} {path} is not served"
        );
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
    // The document needs no key.
    let request = axum::http::Request::get("/openapi.json")
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, body) = common::call(router, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, document());
}

/// The copy committed beside the crate is the document the code makes: run with
/// `PROSPECT_BLESS=1` to write it again after a change.
#[test]
fn the_committed_copy_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    let made = format!("{}\n", openapi::json().unwrap());
    if std::env::var_os("PROSPECT_BLESS").is_some() {
        std::fs::write(path, &made).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == made,
        "examples/service/openapi.json differs from the document the code makes: \
         run `PROSPECT_BLESS=1 cargo test -p prospect-service --test openapi` and commit it"
    );
}

/// `STEPS.md`, a curl command per step made from the same examples, is current too.
#[test]
fn the_curl_guide_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/STEPS.md");
    let made = openapi::curl_guide().unwrap();
    if std::env::var_os("PROSPECT_BLESS").is_some() {
        std::fs::write(path, &made).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == made,
        "examples/service/STEPS.md differs from the guide the code makes: \
         run `PROSPECT_BLESS=1 cargo test -p prospect-service --test openapi` and commit it"
    );
    for step in Command::STEPS {
        assert!(
            made.contains(&format!("## `{step}`")),
            "{step} has its command"
        );
    }
}
