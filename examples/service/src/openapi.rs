//! The service described by OpenAPI 3.1, served at `GET /openapi.json` ([`document`]).
//!
//! What comes from the Rust types: the schemas of the bodies the service answers with, derived
//! by utoipa from [`body`](crate::body)'s types (the handlers serialize those same types); the
//! list of steps, from [`Command::STEPS`]; and every example: each step's request is a
//! [`Command`] and its response what the service answers to it, made by running every step once
//! ([`examples`]) on a store in memory with a fixed clock and ids, so that the document is the
//! same at every build (a copy is committed as `openapi.json`, and a test fails when it drifts).
//! What does not: the schema of each step's `args`, given as an object with its example (the
//! library's types have no schema derive; `prospect::Command`'s docs list each field).

use std::sync::{Arc, OnceLock};

use chrono::TimeZone;
use prospect::access::AllowAll;
use prospect::memory::MemoryStore;
use prospect::merge::{MergeChoices, OrganizationChoices};
use prospect::uuid::Uuid;
use prospect::{
    Command, Contact, ContactId, Crm, FixedClock, Organization, OrganizationId, SequentialIds, User,
};
use serde_json::{Map, Value, json};
use utoipa::{PartialSchema, ToSchema};

use crate::body::{ErrorBody, Events, Listing, RecordAt, Records};

/// Every route the service answers, as (method, path): the document describes each, and only
/// these.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/commands"),
    ("get", "/records/{kind}"),
    ("get", "/records/{kind}/{id}"),
    ("get", "/records/{kind}/{id}/duplicates"),
    ("get", "/report"),
    ("get", "/events"),
    ("get", "/fields"),
    ("post", "/fields/changes"),
    ("post", "/merges/plan"),
    ("post", "/organizations/merges/plan"),
    ("get", "/openapi.json"),
];

/// One step, run: the command sent and what the service answered.
#[derive(Debug, Clone)]
pub struct StepExample {
    /// The step's name (`"step"`).
    pub step: &'static str,
    /// The command, as sent.
    pub request: Value,
    /// The answer.
    pub response: Records,
}

/// The document, as JSON, made once.
///
/// # Errors
///
/// When an example step fails to run (a bug in this module, which its tests catch).
pub fn json() -> Result<&'static str, &'static str> {
    static DOCUMENT: OnceLock<Result<String, String>> = OnceLock::new();
    DOCUMENT
        .get_or_init(|| {
            let document = serde_json::to_value(document()?).map_err(|e| e.to_string())?;
            serde_json::to_string_pretty(&sorted(document)).map_err(|e| e.to_string())
        })
        .as_deref()
        .map_err(String::as_str)
}

/// A guide with a `curl` command for every step, made from [`examples`] (the committed
/// `STEPS.md` beside the crate; a test fails when it drifts).
///
/// # Errors
///
/// When an example step fails to run.
pub fn curl_guide() -> Result<String, String> {
    let mut guide = String::from(
        "# Every step, with curl\n\n\
         Made from the examples of the OpenAPI document (`openapi.json`): each request as the \
         service took it when every step was run once, on a store in memory. The ids are those \
         of that run: put yours (the records' ids and versions come back in each answer).\n\n\
         ```sh\n\
         KEY=pk_...   # prospect-service keys create --user NAME\n\
         api() { curl -s -H \"authorization: Bearer $KEY\" -H 'content-type: application/json' \\\n\
         \x20   -H \"idempotency-key: $(uuidgen)\" localhost:3000/commands -d \"$1\"; echo; }\n\
         ```\n",
    );
    for example in examples()? {
        // The step first, as a person writes it.
        let args = serde_json::to_string(&sorted(example.request["args"].clone()))
            .map_err(|e| e.to_string())?;
        let body = format!("{{\"step\":\"{}\",\"args\":{args}}}", example.step);
        guide.push_str(&format!(
            "\n## `{}`\n\n```sh\napi '{}'\n```\n",
            example.step,
            body.replace('\'', "'\\''")
        ));
    }
    Ok(guide)
}

/// `value` with the keys of every object in order: the same text whether or not serde_json
/// keeps insertion order (a feature another crate of the build may turn on).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The OpenAPI document of the service.
///
/// # Errors
///
/// When an example step fails to run, or the document does not read as OpenAPI (bugs in this
/// module, which its tests catch).
pub fn document() -> Result<utoipa::openapi::OpenApi, String> {
    let examples = examples()?;
    let mut schemas = Map::new();
    let mut add = |name: std::borrow::Cow<'static, str>, schema| {
        schemas.insert(
            name.into_owned(),
            serde_json::to_value(schema).unwrap_or_default(),
        );
    };
    add(RecordAt::name(), RecordAt::schema());
    add(Records::name(), Records::schema());
    add(Listing::name(), Listing::schema());
    add(Events::name(), Events::schema());
    add(ErrorBody::name(), ErrorBody::schema());
    let mut steps = Vec::new();
    for step in Command::STEPS {
        let name = format!("Command_{step}");
        schemas.insert(
            name.clone(),
            json!({
                "type": "object",
                "description": format!("The step `{step}`: its arguments are those of \
                    `prospect::Command`'s variant of that name."),
                "required": ["step", "args"],
                "additionalProperties": false,
                "properties": {
                    "step": {"type": "string", "enum": [step]},
                    "args": {"type": "object"},
                },
            }),
        );
        steps.push(json!({"$ref": format!("#/components/schemas/{name}")}));
    }
    schemas.insert(
        "Command".into(),
        json!({"oneOf": steps, "discriminator": {"propertyName": "step"}}),
    );
    let requests: Map<String, Value> = examples
        .iter()
        .map(|e| (e.step.to_string(), json!({"value": e.request})))
        .collect();
    let responses: Map<String, Value> = examples
        .iter()
        .map(|e| {
            let value = serde_json::to_value(&e.response).unwrap_or_default();
            (e.step.to_string(), json!({"value": value}))
        })
        .collect();
    let error = |description: &str| json!({"$ref": "#/components/responses/Error", "description": description});
    let errors = |codes: &[(&str, &str)]| -> Map<String, Value> {
        codes
            .iter()
            .map(|(code, why)| (code.to_string(), error(why)))
            .collect()
    };
    let common = [
        ("401", "No valid key of a served tenant."),
        (
            "408",
            "The request, its body included, took longer than the service allows.",
        ),
        ("429", "The key's rate is spent: retry later."),
        ("503", "Too many requests at once: retry shortly."),
    ];
    let with = |answers: Value, codes: &[(&str, &str)]| {
        let mut all = errors(&common);
        all.extend(errors(codes));
        if let Value::Object(answers) = answers {
            all.extend(answers);
        }
        Value::Object(all)
    };
    let limit = |max: u64| {
        json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1,
            "maximum": max}, "description": format!("At most this many (1 to {max}).")})
    };
    let query = |name: &str, description: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}, "description": description});
    let listing = json!({"application/json": {"schema": {"$ref": "#/components/schemas/Listing"}}});
    let document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "prospect-service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The sales lifecycle of `prospect` over HTTP: every step a command, \
                records and the pipeline report read through the access policy. Every request \
                but this document's carries an API key (`authorization: Bearer pk_…`).",
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
        },
        "security": [{"api_key": []}],
        "paths": {
            "/commands": {"post": {
                "operationId": "execute",
                "summary": "Take a step",
                "description": "Runs a `prospect::Command` as the key's user, through the \
                    access policy. With an `Idempotency-Key`, a request sent again with the \
                    same key and body writes nothing and is answered with what the first \
                    wrote (`idempotent-replayed: true`); with another body, `422`.",
                "parameters": [{"name": "idempotency-key", "in": "header", "required": false,
                    "schema": {"type": "string", "maxLength": 257},
                    "description": "A key for a request the client may send again (the IETF \
                        httpapi draft's `Idempotency-Key`): 1 to 255 visible ASCII \
                        characters, quoted or not. Kept 24 hours."}],
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Command"},
                    "examples": requests,
                }}},
                "responses": with(json!({"200": {
                    "description": "The records the step wrote, at their new versions.",
                    "headers": {"idempotent-replayed": {
                        "description": "`true` when the request was made before with its key: \
                            nothing was written, the records are those the first wrote, as \
                            they are now.",
                        "schema": {"type": "string", "enum": ["true"]}}},
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Records"},
                        "examples": responses,
                    }},
                }}), &[
                    ("400", "The body does not read as a command (`path` names the field)."),
                    ("403", "The access policy denies the step (with the action and the rule)."),
                    ("404", "No record the key's user may read has this id."),
                    ("409", "A stale version, or a duplicate email address or domain."),
                    ("413", "The body is too large."),
                    ("415", "The body is not `application/json`."),
                    ("422", "An illegal move (with the states the step takes), a value refused, \
                        or an idempotency key sent before with another body."),
                ]),
            }},
            "/records/{kind}": {"get": {
                "operationId": "list",
                "summary": "List records of a kind",
                "description": "The records of a kind the key's user may read, a page at a time \
                    in id order, through the store's indexes. `email` (contacts) and `domain` \
                    (organizations) look up instead, in one page.",
                "parameters": [
                    {"name": "kind", "in": "path", "required": true, "schema": {"type": "string",
                        "enum": ["contact", "lead", "opportunity", "account", "activity",
                            "task", "organization"]}},
                    query("state", "One state or several, comma-separated (`working,nurturing`)."),
                    query("owner", "A user, or `unowned`."),
                    query("contact", "A contact's id: its records."),
                    query("organization", "An organization's id: its contacts."),
                    query("created_from", "Created at or after (RFC 3339)."),
                    query("created_until", "Created before (RFC 3339)."),
                    query("closing_from", "Expected to close on or after (a date)."),
                    query("closing_until", "Expected to close on or before (a date)."),
                    {"name": "field", "in": "query", "required": false, "style": "deepObject",
                        "explode": true,
                        "description": "Custom fields' values, one per field: \
                            `field[tier]=picklist:gold`, `field[active]=boolean:true`, \
                            `field[renewal]=date:2027-03-01..2027-03-31`, \
                            `field[partner]=reference:contact/<uuid>`. A record matches each; \
                            read from the store's field index.",
                        "schema": {"type": "object",
                            "additionalProperties": {"type": "string"}}},
                    query("email", "Contacts with this address, normalised (only those the \
                        key's user may read with their personal data)."),
                    query("domain", "Organizations with this domain."),
                    query("after", "The `next` of the page before."),
                    limit(prospect::store::MAX_PAGE as u64),
                ],
                "responses": with(json!({"200": {"description": "A page.", "content": listing}}),
                    &[("400", "A parameter does not read (`path` names it).")]),
            }},
            "/records/{kind}/{id}": {"get": {
                "operationId": "read",
                "summary": "Read a record",
                "description": "The record, with the personal data the key's user may not read \
                    redacted.",
                "parameters": [
                    {"name": "kind", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "id", "in": "path", "required": true,
                        "schema": {"type": "string", "format": "uuid"}},
                ],
                "responses": with(json!({"200": {"description": "The record.",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Records"}}}}}),
                    &[("400", "Not a kind or not an id."),
                      ("404", "No record the key's user may read has this id.")]),
            }},
            "/records/{kind}/{id}/duplicates": {"get": {
                "operationId": "duplicates",
                "summary": "A contact's or an organization's likely duplicates",
                "description": "The records sharing a blocking key with it (found from the \
                    store's index, never a scan), scored from 0 to 1 with the reasons (a similar \
                    name, the same email, the same phone, the same company domain or \
                    organization, a shared domain), best first: those at or above the threshold \
                    that the key's user may read in full. `prospect::duplicates::Duplicates` \
                    documents the shape.",
                "parameters": [
                    {"name": "kind", "in": "path", "required": true,
                        "schema": {"type": "string", "enum": ["contact", "organization"]}},
                    {"name": "id", "in": "path", "required": true,
                        "schema": {"type": "string", "format": "uuid"}},
                    {"name": "threshold", "in": "query", "required": false,
                        "schema": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.75},
                        "description": "The score a candidate needs."},
                    {"name": "country", "in": "query", "required": false,
                        "schema": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
                        "description": "Where national phone numbers are dialled (ISO 3166-1 \
                            alpha-2)."},
                ],
                "responses": with(json!({"200": {"description": "The candidates.",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}),
                    &[("400", "A parameter does not read (`path` names it)."),
                      ("403", "The key's user may read the record but not its personal data."),
                      ("404", "No record the key's user may read has this id.")]),
            }},
            "/report": {"get": {
                "operationId": "report",
                "summary": "The pipeline report",
                "description": "The funnel of the records the key's user may read, in the shape \
                    `prospect::funnel::PipelineReport` documents (`REPORT_SCHEMA`).",
                "responses": with(json!({"200": {"description": "The report.",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}), &[]),
            }},
            "/events": {"get": {
                "operationId": "events",
                "summary": "Read the outbox",
                "description": "The events after a position, of the kinds of records the key's \
                    user reads in full.",
                "parameters": [
                    {"name": "after", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0},
                        "description": "The `last` of the page before."},
                    limit(1_000),
                ],
                "responses": with(json!({"200": {"description": "A page of events.",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Events"}}}}}),
                    &[("400", "A parameter does not read.")]),
            }},
            "/fields": {"get": {
                "operationId": "fields",
                "summary": "The field schema",
                "description": "The custom fields of every kind of record \
                    (`prospect::fields::FieldSchema`: its `version`, and its fields by kind), \
                    version 0 and no field until a first change.",
                "responses": with(json!({"200": {"description": "The schema.",
                    "content": {"application/json": {"schema": {"type": "object",
                        "required": ["version", "kinds"],
                        "properties": {"version": {"type": "integer", "minimum": 0},
                            "kinds": {"type": "object"}}}}}}}), &[]),
            }},
            "/fields/changes": {"post": {
                "operationId": "change_fields",
                "summary": "Change the field schema",
                "description": "Applies one `prospect::fields::SchemaChange` to the schema read \
                    at version `from`: add or retire a field or a picklist option, rename a \
                    label, widen a type. One change per request; another change stored since \
                    `from` makes it a conflict.",
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"type": "object", "required": ["from", "change"],
                        "additionalProperties": false,
                        "properties": {"from": {"type": "integer", "minimum": 0},
                            "change": {"type": "object", "required": ["change"]}}},
                    "example": {"from": 0, "change": {"change": "add_field", "kind": "opportunity",
                        "field": {"key": "seats", "label": "Seats",
                            "field_type": {"type": "integer", "min": 1, "max": 500},
                            "required": false, "personal": false, "retired": false, "since": 0}}},
                }}},
                "responses": with(json!({"200": {"description": "The schema after the change.",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}), &[
                    ("400", "The body does not read as a change (`path` names the field)."),
                    ("403", "The access policy does not let the key's user change the schema."),
                    ("409", "The schema is no longer at `from`."),
                    ("415", "The body is not `application/json`."),
                    ("422", "The change would make a stored value invalid, or does not fit the \
                        schema."),
                ]),
            }},
            "/merges/plan": {"post": {
                "operationId": "plan_merge",
                "summary": "Plan a merge of contacts",
                "description": "Plans the merge of `merged` into `survivor` \
                    (`prospect::merge::MergePlan`): every record it would move, the survivor's \
                    details once merged, the value kept for each field the contacts hold \
                    differently (`choices` picks the contact per field), and every refusal. \
                    Nothing is written: send the plan back in a `merge` command, which applies \
                    it if nothing changed since; `unmerge` undoes a merge.",
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"type": "object", "required": ["survivor", "merged"],
                        "additionalProperties": false,
                        "properties": {"survivor": {"type": "string", "format": "uuid"},
                            "merged": {"type": "array", "items": {"type": "string", "format": "uuid"}},
                            "choices": {"type": "object", "additionalProperties":
                                {"type": "string", "format": "uuid"}}}},
                    "example": {"survivor": "019b76da-ef00-7000-8000-000000000000",
                        "merged": ["019b76da-ef00-7000-8000-000000000007"],
                        "choices": {"email": "019b76da-ef00-7000-8000-000000000007"}},
                }}},
                "responses": with(json!({"200": {"description": "The plan.",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}), &[
                    ("400", "The body does not read as a merge to plan (`path` names the field)."),
                    ("403", "The access policy does not let the key's user read a contact's \
                        personal data."),
                    ("404", "A contact does not exist, or the key's user may not read it."),
                    ("415", "The body is not `application/json`."),
                ]),
            }},
            "/organizations/merges/plan": {"post": {
                "operationId": "plan_organization_merge",
                "summary": "Plan a merge of organizations",
                "description": "Plans the merge of the organizations `merged` into `survivor` \
                    (`prospect::merge::OrganizationMergePlan`): every contact it would move, \
                    the accounts it would fold into the survivor's, the survivor's details once \
                    merged (every domain of them all, and the value kept for each field they \
                    hold differently: `choices` picks the organization per field), and every \
                    refusal. Nothing is written: send the plan back in a \
                    `merge_organizations` command, which applies it if nothing changed since; \
                    `unmerge_organizations` undoes a merge.",
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"type": "object", "required": ["survivor", "merged"],
                        "additionalProperties": false,
                        "properties": {"survivor": {"type": "string", "format": "uuid"},
                            "merged": {"type": "array", "items": {"type": "string", "format": "uuid"}},
                            "choices": {"type": "object", "additionalProperties":
                                {"type": "string", "format": "uuid"}}}},
                    "example": {"survivor": "019b76da-ef00-7000-8000-000000000000",
                        "merged": ["019b76da-ef00-7000-8000-00000000000c"],
                        "choices": {"name": "019b76da-ef00-7000-8000-00000000000c"}},
                }}},
                "responses": with(json!({"200": {"description": "The plan.",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}), &[
                    ("400", "The body does not read as a merge to plan (`path` names the field)."),
                    ("403", "The access policy does not let the key's user edit an organization, \
                        a contact or an account the merge would write."),
                    ("404", "An organization does not exist, or the key's user may not read it."),
                    ("415", "The body is not `application/json`."),
                ]),
            }},
            "/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document.",
                    "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {
            "schemas": schemas,
            "responses": {"Error": {
                "description": "An error.",
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ErrorBody"}}},
            }},
            "securitySchemes": {"api_key": {"type": "http", "scheme": "bearer",
                "description": "An API key made with `prospect-service keys create`."}},
        },
    });
    serde_json::from_value(document).map_err(|e| format!("not OpenAPI: {e}"))
}

/// Every step of [`Command::STEPS`] run once, in an order that leads each to a record in the
/// state it takes, as `ann`, who may do everything, on a store in memory: its request and the
/// service's answer.
///
/// # Errors
///
/// The step that failed, and why.
pub fn examples() -> Result<Vec<StepExample>, String> {
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .ok_or("no such time")?;
    let crm = Crm::with_clock_and_ids(
        MemoryStore::new(),
        AllowAll,
        Arc::new(FixedClock::new(start)),
        Arc::new(SequentialIds::new(1)),
    );
    let me = User::new("ann").map_err(|e| e.to_string())?;
    let mut script = Script {
        crm,
        me,
        examples: Vec::new(),
    };
    let eur = |major: i64| json!({"currency": "EUR", "minor": major * 100});
    let qualification = json!({
        "need": {"summary": "Replace spreadsheets", "requirements": ["40 seats"]},
        "budget": eur(30_000),
        "timeline": {"assessed_on": "2026-03-02", "decision_date": "2026-05-31"},
        "authority": null});
    let proposal = |major| {
        json!({"summary": "40 seats, 3 years", "amount": eur(major),
        "sent_on": "2026-03-02"})
    };
    let details = |title: &str| {
        json!({
        "party": {"kind": "person", "name": "Ada Lovelace", "job_title": title,
            "organization": "Acme"},
        "email": "ada@acme.example", "phone": "+44 20 7946 0000", "source": "web",
        "owner": "ann"})
    };
    let s = &mut script;

    let (org, v) = s.run(
        "create_organization",
        json!({"details": {"name": "Acme",
        "domains": ["acme.example"]}}),
    )?[0];
    s.run(
        "correct_organization",
        json!({"organization": org, "version": v,
        "details": {"name": "Acme SA", "domains": ["acme.example"]},
        "reason": "Registered name"}),
    )?;
    let (c, v) = s.run(
        "create_contact",
        json!({"details": details("Head of Sales")}),
    )?[0];
    let (c, v) = s.run(
        "link_contact",
        json!({"contact": c, "version": v,
        "organization": org}),
    )?[0];
    let (c, _) = s.run(
        "correct_contact",
        json!({"contact": c, "version": v,
        "details": details("VP Sales"), "reason": "New title"}),
    )?[0];
    let open = json!({"contact": c, "interest": {"summary": "A CRM for the sales team",
        "role": "influencer"}});
    let (lead, v) = s.run("open_lead", open.clone())?[0];
    let (lead, v) = s.run(
        "touch",
        json!({"lead": lead, "version": v,
        "touch": {"channel": "call", "summary": "Discovery call"}}),
    )?[0];
    let (lead, v) = s.run(
        "nurture",
        json!({"lead": lead, "version": v,
        "note": "Budget next quarter"}),
    )?[0];
    let about = json!({"type": "lead", "id": lead});
    s.run(
        "log_activity",
        json!({"record": about,
        "details": {"kind": "call", "summary": "Checked in"}}),
    )?;
    let task = json!({"record": about, "details": {"subject": "Call back", "owner": "ann",
        "due": {"on": "2026-03-09"}}});
    let (t, tv) = s.run("add_task", task.clone())?[0];
    s.run("complete_task", json!({"task": t, "version": tv}))?;
    let (t, tv) = s.run("add_task", task)?[0];
    s.run("cancel_task", json!({"task": t, "version": tv}))?;
    let (lead, v) = s.run(
        "reassign_lead",
        json!({"lead": lead, "version": v,
        "owner": "bob", "reason": "Territory"}),
    )?[0];
    let (o, v) = s.run(
        "qualify",
        json!({"lead": lead, "version": v,
        "qualification": qualification}),
    )?[1];
    let (o, v) = s.run(
        "revise_opportunity",
        json!({"opportunity": o, "version": v,
        "revision": {"amount": eur(40_000), "reason": "More seats"}}),
    )?[0];
    let (o, v) = s.run(
        "override_probability",
        json!({"opportunity": o, "version": v,
        "probability": 35, "reason": "Champion left"}),
    )?[0];
    let (o, v) = s.run(
        "override_forecast",
        json!({"opportunity": o, "version": v,
        "category": "commit"}),
    )?[0];
    let (o, v) = s.run("clear_overrides", json!({"opportunity": o, "version": v}))?[0];
    let (o, v) = s.run(
        "reassign_opportunity",
        json!({"opportunity": o, "version": v,
        "owner": "ann"}),
    )?[0];
    let (o, v) = s.run(
        "propose",
        json!({"opportunity": o, "version": v,
        "proposal": proposal(36_000)}),
    )?[0];
    let (o, v) = s.run(
        "revise_proposal",
        json!({"opportunity": o, "version": v,
        "proposal": proposal(34_000)}),
    )?[0];
    let (o, v) = s.run(
        "negotiate",
        json!({"opportunity": o, "version": v,
        "note": "Price"}),
    )?[0];
    let (o, v) = s.run(
        "enter_contracting",
        json!({"opportunity": o, "version": v,
        "terms": {"net_days": 30, "installments": 4, "note": null},
        "incumbent": "none_in_place"}),
    )?[0];
    let (account, v) = s.run(
        "win",
        json!({"opportunity": o, "version": v, "contract": {
        "reference": "C-1", "signed_by": "Paul Durand", "signed_on": "2026-03-02",
        "value": eur(30_000)}}),
    )?[1];
    s.run(
        "reassign_account",
        json!({"account": account, "version": v, "owner": "cid",
        "reason": "Key account"}),
    )?;
    // A second lead, disqualified then recycled; a third, qualified, lost and reopened.
    let (lead, v) = s.run("open_lead", open.clone())?[0];
    let (lead, v) = s.run(
        "disqualify",
        json!({"lead": lead, "version": v,
        "reason": {"category": "no_budget", "detail": null}}),
    )?[0];
    s.run(
        "recycle",
        json!({"lead": lead, "version": v, "note": "Budget found"}),
    )?;
    let (lead, v) = s.run("open_lead", open)?[0];
    let (lead, v) = s.run(
        "touch",
        json!({"lead": lead, "version": v,
        "touch": {"channel": "email", "summary": "Sent the brochure"}}),
    )?[0];
    let (o, v) = s.run(
        "qualify",
        json!({"lead": lead, "version": v,
        "qualification": qualification}),
    )?[1];
    let (o, v) = s.run(
        "lose",
        json!({"opportunity": o, "version": v,
        "reason": {"category": "price", "detail": null}}),
    )?[0];
    let (o, v) = s.run(
        "reopen",
        json!({"opportunity": o, "version": v, "note": "They called back"}),
    )?[0];
    // A custom field on opportunities, then its value on the reopened one.
    let seats = prospect::fields::FieldKey::new("seats").map_err(|e| e.to_string())?;
    let field = prospect::fields::FieldDefinition::new(
        seats,
        "Seats",
        prospect::fields::FieldType::Integer { min: 1, max: 500 },
    );
    let change = prospect::fields::SchemaChange::AddField {
        kind: prospect::record::RecordKind::Opportunity,
        field,
    };
    s.crm
        .change_field_schema(prospect::fields::SchemaVersion::EMPTY, change, &s.me)
        .map_err(|e| e.to_string())?;
    let (o, v) = s.run(
        "set_fields",
        json!({"record": {"type": "opportunity", "id": o}, "version": v,
        "fields": {"seats": {"type": "integer", "value": 40}}}),
    )?[0];
    // A pipeline, which the reopened opportunity joins at one of its stages.
    let pipeline: prospect::fields::Pipeline = serde_json::from_value(json!({
        "key": "new_business", "label": "New business", "retired": false, "stages": [
        {"key": "first_meeting", "label": "First meeting", "backbone": "discovery",
            "probability": 10, "stale_after_days": 14, "retired": false},
        {"key": "demo", "label": "Demo", "backbone": "discovery",
            "probability": 25, "stale_after_days": null, "retired": false},
        {"key": "quote", "label": "Quote", "backbone": "proposal",
            "probability": 50, "stale_after_days": null, "retired": false},
        {"key": "terms", "label": "Terms", "backbone": "negotiation",
            "probability": 70, "stale_after_days": null, "retired": false},
        {"key": "signature", "label": "Signature", "backbone": "contracting",
            "probability": 90, "stale_after_days": null, "retired": false}]}))
    .map_err(|e| e.to_string())?;
    let change = prospect::fields::SchemaChange::AddPipeline { pipeline };
    let version = s
        .crm
        .field_schema(&s.me)
        .map_err(|e| e.to_string())?
        .version();
    s.crm
        .change_field_schema(version, change, &s.me)
        .map_err(|e| e.to_string())?;
    s.run(
        "move_stage",
        json!({"opportunity": o, "version": v, "pipeline": "new_business", "stage": "demo",
        "note": "Demo booked"}),
    )?;
    // A duplicate of the contact, merged into it and unmerged.
    let (d, _) = s.run(
        "create_contact",
        json!({"details": {"party": {"kind": "person", "name": "Ada Lovelace"},
        "email": "ada.lovelace@mail.example", "source": "event"}}),
    )?[0];
    let (survivor, duplicate) = (ContactId::from_uuid(c), ContactId::from_uuid(d));
    let plan = s
        .crm
        .plan_merge(survivor, &[duplicate], MergeChoices::new(), &s.me)
        .map_err(|e| e.to_string())?;
    s.run("merge", json!({"plan": plan}))?;
    let merged = s
        .crm
        .load::<Contact>(duplicate, &s.me)
        .map_err(|e| e.to_string())?;
    let merge = last_merge(merged.corrections()).ok_or("the merged contact has no merge entry")?;
    s.run("unmerge", json!({"survivor": c, "merge": merge}))?;
    // A duplicate of the organization, merged into it and unmerged.
    let (duplicate, _) = s.run(
        "create_organization",
        json!({"details": {"name": "Acme Corporation",
        "domains": ["acmecorp.example"]}}),
    )?[0];
    let (survivor, duplicate) = (
        OrganizationId::from_uuid(org),
        OrganizationId::from_uuid(duplicate),
    );
    let plan = s
        .crm
        .plan_organization_merge(survivor, &[duplicate], OrganizationChoices::new(), &s.me)
        .map_err(|e| e.to_string())?;
    s.run("merge_organizations", json!({"plan": plan}))?;
    let merged = s
        .crm
        .load::<Organization>(duplicate, &s.me)
        .map_err(|e| e.to_string())?;
    let merge =
        last_merge(merged.corrections()).ok_or("the merged organization has no merge entry")?;
    s.run(
        "unmerge_organizations",
        json!({"survivor": org, "merge": merge}),
    )?;
    let contact = s.version_of(c)?;
    let (c, v) = s.run(
        "reassign_contact",
        json!({"contact": c, "version": contact,
        "owner": "bob", "cascade": "open_records", "reason": "Territory"}),
    )?[0];
    let (c, v) = s.run("unlink_contact", json!({"contact": c, "version": v}))?[0];
    s.run("erase_contact", json!({"contact": c, "version": v}))?;

    let mut examples = script.examples;
    // The first run of each step is its example, in the order of the steps.
    let mut first = Vec::new();
    for step in Command::STEPS {
        let example = examples
            .iter()
            .position(|e| e.step == *step)
            .map(|i| examples.remove(i))
            .ok_or_else(|| format!("no example of the step {step}"))?;
        first.push(example);
    }
    Ok(first)
}

/// The merge that made the last of `corrections`, if one did.
fn last_merge<D>(corrections: &[prospect::Correction<D>]) -> Option<prospect::merge::MergeId> {
    corrections.last()?.merge().map(|n| n.merge())
}

/// The steps run so far, on one facade.
struct Script {
    crm: Crm<MemoryStore>,
    me: User,
    examples: Vec<StepExample>,
}

impl Script {
    /// Runs the command `step` with `args`: the id and version of each record it wrote.
    fn run(&mut self, step: &'static str, args: Value) -> Result<Vec<(Uuid, u64)>, String> {
        let request = json!({"step": step, "args": args});
        let command: Command = serde_json::from_value(request.clone())
            .map_err(|e| format!("{step}: does not read: {e}"))?;
        let done = self
            .crm
            .execute(command, &self.me)
            .map_err(|e| format!("{step}: {e}"))?;
        let written = done
            .records
            .iter()
            .map(|r| (r.id().as_uuid(), r.version().get()))
            .collect();
        self.examples.push(StepExample {
            step,
            request,
            response: crate::views(&done.records),
        });
        Ok(written)
    }

    /// The version of the record `id` names, as stored now.
    fn version_of(&self, contact: Uuid) -> Result<u64, String> {
        let id = prospect::record::RecordId::Contact(prospect::ContactId::from_uuid(contact));
        let found = prospect::store::Store::load(self.crm.store(), id)
            .map_err(|e| e.to_string())?
            .ok_or("the contact is gone")?;
        Ok(found.version().get())
    }
}
