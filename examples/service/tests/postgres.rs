//! The service on PostgreSQL, named by `PROSPECT_POSTGRES_URL` (`eval "$(scripts/postgres.sh
//! start)"` starts one): two tenants, each key reaching its own tenant's records only. Without
//! the variable this test is not compiled: an ignored test stands for it (its reason says how to
//! start a server), and a test fails in CI, where it must run.

#[cfg(not(postgres_server))]
#[test]
#[ignore = "PROSPECT_POSTGRES_URL is not set: the service's PostgreSQL test is not compiled; start a throwaway \
            server with `eval \"$(scripts/postgres.sh start)\"` and run it again"]
fn the_service_on_postgres_needs_a_server() {}

#[cfg(not(postgres_server))]
#[test]
fn in_ci_the_service_runs_on_postgres() {
    assert!(
        std::env::var("CI").ok().is_none_or(|ci| ci != "true"),
        "PROSPECT_POSTGRES_URL is not set: in CI the service's PostgreSQL test must run"
    );
}

#[cfg(postgres_server)]
mod common;

#[cfg(postgres_server)]
#[tokio::test(flavor = "multi_thread")]
async fn each_key_reaches_its_own_tenant_only() {
    use std::sync::Arc;

    use axum::http::StatusCode;
    use prospect::User;
    use prospect::access::AllowAll;
    use prospect_postgres::{PostgresStore, Tenant};
    use prospect_service::Tenants;
    use prospect_service::keys::Keys;
    use serde_json::{Value, json};

    let url = std::env::var("PROSPECT_POSTGRES_URL").unwrap();
    let base = PostgresStore::connect(&url, Tenant::generate())
        .await
        .unwrap();
    let tenants = Tenants::each(move |tenant| {
        let id = prospect::uuid::Uuid::parse_str(tenant).ok()?;
        Some(prospect::AsyncCrm::new(
            base.for_tenant(Tenant::from_uuid(id)),
            AllowAll,
        ))
    });
    let keys = Keys::in_memory();
    let (one, two) = (Tenant::generate(), Tenant::generate());
    let ann = User::new("ann").unwrap();
    let (_, key_one) = keys
        .create(&one.as_uuid().to_string(), ann.clone())
        .unwrap();
    let (_, key_two) = keys
        .create(&two.as_uuid().to_string(), ann.clone())
        .unwrap();
    let (_, not_a_tenant) = keys.create("default", ann).unwrap();
    let router = prospect_service::router(tenants, Arc::new(keys));
    let send = |key: String, method: &'static str, uri: String, body: Option<Value>| {
        common::call(
            router.clone(),
            common::json_request(method, &uri, &key, body),
        )
    };
    let create = json!({"step": "create_contact", "args": {"details": {
        "party": {"kind": "person", "name": "Ada"}, "email": "ada@example.com", "source": "web"}}});
    let (status, body) = send(
        key_one.clone(),
        "POST",
        "/commands".into(),
        Some(create.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["records"][0]["record"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The other tenant does not see it, and may create a contact with the same email.
    let (status, _) = send(
        key_two.clone(),
        "GET",
        format!("/records/contact/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = send(key_two, "POST", "/commands".into(), Some(create)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send(
        key_one.clone(),
        "GET",
        format!("/records/contact/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, listed) = send(key_one.clone(), "GET", "/records/contact".into(), None).await;
    assert_eq!(listed["records"].as_array().unwrap().len(), 1);
    // Eight requests racing with one idempotency key: one contact (the key's row in the
    // same transaction as the contact's), every answer naming it.
    let racing = json!({"step": "create_contact", "args": {"details": {
        "party": {"kind": "person", "name": "Bea"}, "source": "web"}}});
    let answers = futures_util::future::join_all((0..8).map(|_| {
        let mut request = common::json_request("POST", "/commands", &key_one, Some(racing.clone()));
        request
            .headers_mut()
            .insert("idempotency-key", "race-on-postgres".parse().unwrap());
        common::call(router.clone(), request)
    }))
    .await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::OK, "{body}");
            body["records"][0]["record"]["id"].to_string()
        })
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "one contact for eight racing requests: {ids:?}"
    );
    let (_, listed) = send(key_one, "GET", "/records/contact".into(), None).await;
    assert_eq!(listed["records"].as_array().unwrap().len(), 2);
    // A key whose tenant is not one of PostgreSQL's (a UUID) reaches nothing.
    let (status, _) = send(not_a_tenant, "GET", "/report".into(), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
