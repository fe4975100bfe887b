//! A JSON round trip (serialise, then deserialise with validation) of each record type, against
//! a plain struct holding the same data that `serde` reads without validation: the price of
//! refusing forged records.

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use prospect::record::{AnyLead, AnyOpportunity};
use prospect::*;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

#[path = "baselines/mod.rs"]
mod baselines;

#[derive(Serialize, Deserialize)]
struct PlainContact {
    id: Uuid,
    details: PlainDetails,
    created_at: DateTime<Utc>,
    created_by: String,
}

#[derive(Serialize, Deserialize)]
struct PlainDetails {
    party: PlainParty,
    email: Option<String>,
    phone: Option<String>,
    source: String,
    owner: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum PlainParty {
    Person {
        name: String,
        job_title: Option<String>,
        organization: Option<String>,
    },
    Organization {
        name: String,
    },
}

#[derive(Serialize, Deserialize)]
struct PlainEntry<E> {
    at: DateTime<Utc>,
    from: Option<String>,
    to: String,
    actor: String,
    evidence: E,
}

#[derive(Serialize, Deserialize)]
struct PlainReason {
    category: String,
    detail: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PlainLeadEvidence {
    Opened,
    Touch { channel: String, summary: String },
    Nurtured(String),
    Disqualified(PlainReason),
    Recycled(String),
    Converted { opportunity: Uuid },
}

#[derive(Serialize, Deserialize)]
struct PlainInterest {
    summary: String,
    role: String,
}

#[derive(Serialize, Deserialize)]
struct PlainLead {
    id: Uuid,
    contact: Uuid,
    status: String,
    interest: PlainInterest,
    source: String,
    owner: Option<String>,
    created_at: DateTime<Utc>,
    history: Vec<PlainEntry<PlainLeadEvidence>>,
}

#[derive(Serialize, Deserialize)]
struct PlainMoney {
    minor: i64,
    currency: String,
}

#[derive(Serialize, Deserialize)]
struct PlainQualification {
    need: PlainNeed,
    budget: PlainMoney,
    timeline: PlainTimeline,
    authority: Option<PlainAuthority>,
}

#[derive(Serialize, Deserialize)]
struct PlainNeed {
    summary: String,
    requirements: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct PlainTimeline {
    decision_date: NaiveDate,
    assessed_on: NaiveDate,
}

#[derive(Serialize, Deserialize)]
struct PlainAuthority {
    decision_maker: String,
    job_title: Option<String>,
    contact: Option<Uuid>,
}

#[derive(Serialize, Deserialize)]
struct PlainTerms {
    net_days: u32,
    installments: u32,
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PlainIncumbent {
    NoneInPlace,
    Dismissed(String),
}

#[derive(Serialize, Deserialize)]
struct PlainContract {
    reference: String,
    value: PlainMoney,
    signed_on: NaiveDate,
    signed_by: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PlainOpportunityEvidence {
    Qualified {
        lead: Uuid,
    },
    Proposed {
        summary: String,
        amount: PlainMoney,
        sent_on: NaiveDate,
    },
    Negotiating(String),
    Contracting {
        terms: PlainTerms,
        incumbent: PlainIncumbent,
    },
    Won {
        contract: PlainContract,
        account: Uuid,
    },
    Lost(PlainReason),
    Reopened(String),
}

#[derive(Serialize, Deserialize)]
struct PlainOpportunity {
    id: Uuid,
    lead: Uuid,
    contact: Uuid,
    stage: String,
    name: String,
    source: String,
    owner: Option<String>,
    qualification: PlainQualification,
    amount: PlainMoney,
    expected_close: NaiveDate,
    probability_override: Option<u8>,
    forecast_override: Option<String>,
    created_at: DateTime<Utc>,
    history: Vec<PlainEntry<PlainOpportunityEvidence>>,
}

#[derive(Serialize, Deserialize)]
struct PlainWin {
    opportunity: Uuid,
    contract: String,
    value: PlainMoney,
    at: DateTime<Utc>,
    actor: String,
}

#[derive(Serialize, Deserialize)]
struct PlainAccount {
    id: Uuid,
    primary_contact: Uuid,
    owner: Option<String>,
    customer_since: DateTime<Utc>,
    won_value: BTreeMap<String, i64>,
    wins: Vec<PlainWin>,
}

fn round_trip<T: Serialize + DeserializeOwned>(value: &T) -> T {
    let text = serde_json::to_string(value).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Measures `typed` and the plain struct read from its JSON, in group `name`.
fn pair<T: Serialize + DeserializeOwned, P: Serialize + DeserializeOwned>(
    c: &mut Criterion,
    name: &str,
    typed: T,
) {
    let plain: P = serde_json::from_str(&serde_json::to_string(&typed).unwrap()).unwrap();
    let mut group = c.benchmark_group(name);
    group.bench_function("prospect", |b| {
        b.iter(|| black_box(round_trip(black_box(&typed))))
    });
    group.bench_function("plain", |b| {
        b.iter(|| black_box(round_trip(black_box(&plain))))
    });
    group.finish();
}

fn serde(c: &mut Criterion) {
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
    let ids = SequentialIds::new(1);
    let ctx = Context::new(&clock, &ids, User::new("claire").unwrap());
    let e = baselines::ours::Evidence::new(clock.now().date_naive()).unwrap();
    let contact = Contact::create(
        ContactDetails::new(
            Party::employee(
                PersonName::new("Jeanne Martin").unwrap(),
                e.job_title.clone(),
                e.organization.clone(),
            ),
            LeadSource::Web,
        )
        .with_email(EmailAddress::new("jeanne.martin@acme.example").unwrap())
        .with_phone(PhoneNumber::new("+33 1 23 45 67 89").unwrap())
        .with_owner(User::new("claire").unwrap()),
        &ctx,
    );
    let lead = Lead::open(
        &contact,
        Interest::new(Summary::new("A CRM").unwrap(), BuyingRole::User),
        &ctx,
    )
    .log_touch(e.touch.clone(), &ctx);
    let (converted, o) = lead.qualify(e.qualification(), &ctx).unwrap();
    let (won, account) = o
        .propose(e.proposal.clone(), &ctx)
        .unwrap()
        .negotiate(e.note.clone(), &ctx)
        .enter_contracting(e.terms.clone(), Incumbent::NoneInPlace, &ctx)
        .win(e.contract(), &ctx)
        .unwrap();
    pair::<Contact, PlainContact>(c, "serde_contact", contact);
    // Typed values are not `Deserialize`: stored leads and opportunities are read as their
    // dynamic forms, then turned into typed values with `TryFrom`.
    pair::<AnyLead, PlainLead>(c, "serde_lead", converted.into());
    pair::<AnyOpportunity, PlainOpportunity>(c, "serde_opportunity", won.into());
    pair::<Account, PlainAccount>(c, "serde_account", account);
}

criterion_group!(benches, serde);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    baselines::print_ratios(
        "serde",
        &[
            ("serde_contact", "prospect", "plain", "<= 1.5x"),
            ("serde_lead", "prospect", "plain", "<= 1.5x"),
            ("serde_opportunity", "prospect", "plain", "<= 1.5x"),
            ("serde_account", "prospect", "plain", "<= 1.5x"),
        ],
    );
}
