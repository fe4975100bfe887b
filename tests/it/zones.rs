//! Whose "today": a date checked against today is checked in the actor's offset from UTC.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use prospect::memory::MemoryStore;
use prospect::record::Record;
use prospect::store::{Store, Versioned};
use prospect::testkit::Sample;
use prospect::*;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// A facade whose clock reads `now`, with "sam" at `offset` and everyone else in UTC, and a
/// lead being worked.
fn setup(
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> (Crm<MemoryStore>, Versioned<Lead<state::Working>>) {
    let sample = Sample::new(7);
    let crm = Crm::with_clock_and_ids(
        MemoryStore::new(),
        prospect::access::AllowAll,
        Arc::new(FixedClock::new(now)),
        Arc::new(SequentialIds::new(7)),
    )
    .with_zones(move |user: &User, _at| {
        if user.as_str() == "sam" {
            offset
        } else {
            FixedOffset::east_opt(0).unwrap()
        }
    });
    let me = sample.actor().clone();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, &me)
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), &me).unwrap();
    let lead = crm.log_touch(lead, sample.touch(), &me).unwrap();
    (crm, lead)
}

fn deciding_on(decision: NaiveDate) -> Qualification {
    let sample = Sample::new(1);
    let need = Need::new(
        Summary::new("Replace spreadsheets").unwrap(),
        vec![Requirement::new("40 seats").unwrap()],
    )
    .unwrap();
    Qualification::builder()
        .need(need)
        .budget(Budget::new(sample.eur(30_000)).unwrap())
        .timeline(Timeline::new(decision, decision, &HorizonPolicy::default()).unwrap())
        .build()
}

#[test]
fn today_is_the_actors_date_in_their_offset() {
    let clock = FixedClock::new(at("2026-03-03T04:00:00Z"));
    let ids = SequentialIds::new(1);
    let ctx = Context::new(&clock, &ids, User::new("sam").unwrap());
    assert_eq!(ctx.today(), date("2026-03-03"));
    let behind = ctx
        .clone()
        .in_offset(FixedOffset::west_opt(8 * 3600).unwrap());
    assert_eq!(behind.today(), date("2026-03-02"));
    let ahead = ctx.in_offset(FixedOffset::east_opt(14 * 3600).unwrap());
    assert_eq!(ahead.today(), date("2026-03-03"));
    assert_eq!(
        ahead.date_at(at("2026-03-03T10:00:00Z")),
        date("2026-03-04")
    );
}

#[test]
fn a_user_behind_utc_qualifies_with_their_today_as_decision_date() {
    // 04:00 UTC on the 3rd is 20:00 on the 2nd for sam, eight hours behind.
    let pacific = FixedOffset::west_opt(8 * 3600).unwrap();
    let (crm, lead) = setup(at("2026-03-03T04:00:00Z"), pacific);
    let sam = User::new("sam").unwrap();
    let qualified = crm
        .qualify(lead, deciding_on(date("2026-03-02")), &sam)
        .unwrap();
    // The stored opportunity reads back.
    let stored = crm.store().load(qualified.opportunity.id().into()).unwrap();
    assert!(matches!(
        stored.map(|s| s.into_inner()),
        Some(Record::Opportunity(_))
    ));
}

#[test]
fn the_same_decision_date_is_past_for_a_user_in_utc() {
    let pacific = FixedOffset::west_opt(8 * 3600).unwrap();
    let (crm, lead) = setup(at("2026-03-03T04:00:00Z"), pacific);
    let ana = User::new("ana").unwrap();
    let refused = crm.qualify(lead, deciding_on(date("2026-03-02")), &ana);
    assert!(
        matches!(
            refused,
            Err(CrmError::Invalid {
                cause: ValidationError::DateInPast { .. },
                ..
            })
        ),
        "{refused:?}"
    );
}

#[test]
fn a_user_ahead_of_utc_cannot_decide_on_a_date_past_for_them() {
    // 20:00 UTC on the 2nd is 10:00 on the 3rd for sam, fourteen hours ahead.
    let kiribati = FixedOffset::east_opt(14 * 3600).unwrap();
    let (crm, lead) = setup(at("2026-03-02T20:00:00Z"), kiribati);
    let sam = User::new("sam").unwrap();
    let refused = crm.qualify(lead, deciding_on(date("2026-03-02")), &sam);
    assert!(
        matches!(refused, Err(CrmError::Invalid { .. })),
        "{refused:?}"
    );
}

#[test]
fn a_stored_decision_date_a_day_before_the_utc_date_reads_and_two_days_do_not() {
    let clock_now = Utc.with_ymd_and_hms(2026, 3, 3, 4, 0, 0).unwrap();
    let pacific = FixedOffset::west_opt(8 * 3600).unwrap();
    let (crm, lead) = setup(clock_now, pacific);
    let sam = User::new("sam").unwrap();
    let qualified = crm
        .qualify(lead, deciding_on(date("2026-03-02")), &sam)
        .unwrap();
    let mut json = serde_json::to_value(Record::from(qualified.opportunity.into_inner())).unwrap();
    assert!(serde_json::from_value::<Record>(json.clone()).is_ok());
    json["qualification"]["timeline"]["decision_date"] = serde_json::json!("2026-03-01");
    json["qualification"]["timeline"]["assessed_on"] = serde_json::json!("2026-03-01");
    json["expected_close"] = serde_json::json!("2026-03-01");
    let refused = serde_json::from_value::<Record>(json)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("the decision date was already past"),
        "{refused}"
    );
}
