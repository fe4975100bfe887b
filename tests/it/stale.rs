//! Stale work as pure functions: per-stage rotting, first-response times, which events reset
//! the clock, the escalation ladder, and the counts in the funnel report.

use std::time::Duration;

use chrono::TimeDelta;
use proptest::prelude::*;
use prospect::funnel::PipelineReport;
use prospect::memory::MemoryStore;
use prospect::record::{Record, RecordKind};
use prospect::stale::{Breach, Escalation, StaleCheck, StaleCounts, StalePolicy, find_stale};
use prospect::state::{Discovery, OpportunityStage, Proposal};
use prospect::store::Store;
use prospect::testkit::Sample;

use crate::support::everything;
use prospect::*;

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

fn policy() -> StalePolicy {
    StalePolicy::new()
        .stale_after::<Discovery>(10 * DAY)
        .stale_after::<Proposal>(5 * DAY)
        .first_response_within(4 * HOUR)
        .escalate_after(Duration::ZERO, Escalation::RemindOwner)
        .escalate_after(2 * DAY, Escalation::NotifyManager)
        .escalate_after(5 * DAY, Escalation::Reassign)
}

fn call() -> ActivityDetails {
    ActivityDetails::new(ActivityKind::Call, Summary::new("Checking in").unwrap())
}

#[test]
fn stale_deals_rot_per_stage_and_an_activity_resets_the_clock() {
    let sample = Sample::new(40);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let qualify = || {
        let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
        let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
        crm.qualify(lead, sample.qualification(), me)
            .unwrap()
            .opportunity
    };
    let quiet = qualify();
    let worked = qualify();
    let proposed = crm.propose(qualify(), sample.proposal(), me).unwrap();
    sample.clock().advance(TimeDelta::days(6));
    crm.log_activity_on_opportunity(&worked, call(), me)
        .unwrap();
    sample.clock().advance(TimeDelta::days(6));
    let now = sample.clock().now();

    let mut stale = find_stale(&everything(crm.store()), &policy(), now);
    stale.sort_by_key(|s| std::cmp::Reverse(s.overdue));
    let records: Vec<_> = stale.iter().map(|s| s.record()).collect();
    // Quiet for 12 days in discovery (10 allowed), the proposal for 12 (5 allowed); the worked
    // one had a call 6 days ago.
    assert_eq!(records.len(), 2, "{stale:#?}");
    assert!(records.contains(&quiet.id().into()));
    assert!(records.contains(&proposed.id().into()));
    let proposal = &stale[0];
    assert_eq!(
        proposal.record(),
        proposed.id().into(),
        "most overdue first"
    );
    assert_eq!(
        proposal.breach,
        Breach::Rotting {
            opportunity: proposed.id(),
            stage: OpportunityStage::Proposal
        }
    );
    assert_eq!(proposal.threshold, 5 * DAY);
    assert_eq!(proposal.overdue, 7 * DAY);
    assert_eq!(proposal.next_step, Some(Escalation::Reassign));
    assert_eq!(stale[1].overdue, 2 * DAY);
    assert_eq!(stale[1].next_step, Some(Escalation::NotifyManager));
    assert_eq!(stale[1].owner.as_ref(), quiet.owner());

    // When activities do not reset the clock, the worked deal is stale too.
    let strict = policy().activities_reset_the_clock(false);
    assert_eq!(find_stale(&everything(crm.store()), &strict, now).len(), 3);
}

#[test]
fn stale_new_leads_are_those_unanswered_past_the_first_response_time() {
    let sample = Sample::new(41);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let waiting = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let touched = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let called = crm.open_lead(&contact, sample.interest(), me).unwrap();
    sample.clock().advance(TimeDelta::hours(1));
    crm.log_touch(touched, sample.touch(), me).unwrap();
    crm.log_activity_on_lead(&called, call(), me).unwrap();
    sample.clock().advance(TimeDelta::hours(4));
    let stale = find_stale(&everything(crm.store()), &policy(), sample.clock().now());
    assert_eq!(stale.len(), 1, "{stale:#?}");
    assert_eq!(stale[0].breach, Breach::Unanswered { lead: waiting.id() });
    assert_eq!(stale[0].overdue, HOUR);
    assert_eq!(stale[0].next_step, Some(Escalation::RemindOwner));
}

#[test]
fn stale_work_is_found_the_same_from_a_store_scan_and_counted_in_the_report() {
    let sample = Sample::new(42);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    for _ in 0..3 {
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .unwrap()
            .into_contact();
        let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
        let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
        crm.qualify(lead, sample.qualification(), me).unwrap();
        crm.open_lead(&contact, sample.interest(), me).unwrap();
    }
    sample.clock().advance(TimeDelta::days(11));
    let now = sample.clock().now();
    let policy = policy();
    let mut check = StaleCheck::new(&policy);
    for kind in RecordKind::ALL {
        let _ = Store::scan(crm.store(), kind, &mut |r| check.add(&r)).unwrap();
    }
    let from_scan = check.finish(now);
    assert_eq!(
        from_scan,
        find_stale(&everything(crm.store()), &policy, now)
    );
    let counts = StaleCounts::of(&from_scan);
    assert_eq!(counts.by_stage.get(&OpportunityStage::Discovery), Some(&3));
    assert_eq!(counts.unanswered_leads, 3);
    assert_eq!(counts.total(), 6);
    assert_eq!(counts.by_owner.values().sum::<u64>(), 6);

    let mut report = PipelineReport::from_store(crm.store()).unwrap();
    assert_eq!(report.stale(), None);
    report.set_stale(&from_scan);
    assert_eq!(report.stale(), Some(&counts));
    let shown = report.to_string();
    assert!(shown.contains("Stale (6 in all)"), "{shown}");
    assert!(shown.contains("discovery (rotting)"), "{shown}");
}

#[test]
fn stale_ladder_takes_the_furthest_rung_reached() {
    let policy = policy();
    assert_eq!(
        policy.next_step(Duration::ZERO),
        Some(Escalation::RemindOwner)
    );
    assert_eq!(
        policy.next_step(2 * DAY - HOUR),
        Some(Escalation::RemindOwner)
    );
    assert_eq!(policy.next_step(2 * DAY), Some(Escalation::NotifyManager));
    assert_eq!(policy.next_step(Duration::MAX), Some(Escalation::Reassign));
    assert_eq!(StalePolicy::new().next_step(DAY), None);
    let late = StalePolicy::new().escalate_after(DAY, Escalation::NotifyManager);
    assert_eq!(late.next_step(HOUR), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Any thresholds, any clock reading: no panic, and every item is as far past its
    /// threshold as it says.
    #[test]
    fn stale_evaluation_never_panics(
        records in proptest::collection::vec(prospect::strategies::record(), 0..12),
        threshold_secs in any::<u64>(),
        sla_secs in any::<u64>(),
        now in prospect::strategies::clock_reading(),
    ) {
        let policy = StalePolicy::new()
            .stale_after::<Discovery>(Duration::from_secs(threshold_secs))
            .stale_after::<Proposal>(Duration::from_secs(threshold_secs / 2))
            .first_response_within(Duration::from_secs(sla_secs))
            .escalate_after(Duration::from_secs(threshold_secs), Escalation::Reassign);
        let stale = find_stale(&records, &policy, now);
        for item in &stale {
            prop_assert!(item.idle_since <= now);
            let idle = (now - item.idle_since).to_std().unwrap();
            prop_assert_eq!(idle, item.threshold + item.overdue);
            prop_assert_eq!(item.next_step, policy.next_step(item.overdue));
        }
    }
}

#[test]
fn stale_tasks_are_overdue_once_their_owners_day_is_over() {
    use chrono::{FixedOffset, TimeZone, Utc};
    let sample = Sample::new(43);
    let ctx = sample.ctx();
    let contact = sample.contact();
    let day = "2026-03-02".parse().unwrap();
    let task = |owner: &str, due| {
        Record::from(
            Task::on_contact(
                &contact,
                TaskDetails::new(
                    Summary::new("Call back").unwrap(),
                    User::new(owner).unwrap(),
                    due,
                ),
                &ctx,
            )
            .unwrap(),
        )
    };
    let for_sam = task("sam", Due::On(day));
    let for_ana = task("ana", Due::On(day));
    let by_instant = task(
        "ana",
        Due::By(Utc.with_ymd_and_hms(2026, 3, 3, 3, 0, 0).unwrap()),
    );
    let pacific = FixedOffset::west_opt(8 * 3600).unwrap();
    let policy = StalePolicy::new().with_zones(move |user: &User, _at| {
        if user.as_str() == "sam" {
            pacific
        } else {
            FixedOffset::east_opt(0).unwrap()
        }
    });
    // 04:00 UTC on the 3rd: the 2nd is over for ana, not yet for sam (20:00 on the 2nd).
    let now = Utc.with_ymd_and_hms(2026, 3, 3, 4, 0, 0).unwrap();
    let stale = find_stale([&for_sam, &for_ana, &by_instant], &policy, now);
    let overdue: Vec<_> = stale.iter().map(|s| s.record()).collect();
    assert_eq!(overdue, vec![for_ana.id(), by_instant.id()]);
    assert_eq!(stale[0].overdue, 4 * HOUR);
    assert_eq!(stale[1].overdue, HOUR);
    assert_eq!(StaleCounts::of(&stale).overdue_tasks, 2);
    // Eight hours later, sam's day is over too; a done task never is overdue.
    let later = now + TimeDelta::hours(8);
    assert_eq!(find_stale([&for_sam], &policy, later).len(), 1);
    let Record::Task(t) = &for_sam else {
        panic!("a task")
    };
    let done = Record::from(t.complete(&ctx).unwrap());
    assert!(find_stale([&done], &policy, later).is_empty());
}
