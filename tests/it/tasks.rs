//! Tasks: added about a contact, an open lead or an open opportunity, done or cancelled once,
//! listed per record, overdue by their owner's today, validated when read.

use chrono::{Days, FixedOffset, TimeDelta, TimeZone, Utc};
use prospect::memory::MemoryStore;
use prospect::record::{Expected, Record, RecordState};
use prospect::store::{Query, Store, Versioned};
use prospect::testkit::{Sample, check_consistency};
use prospect::*;

use crate::support::{After, Midway};

fn todo(sample: &Sample, subject: &str, due: Due) -> TaskDetails {
    TaskDetails::new(Summary::new(subject).unwrap(), sample.actor().clone(), due)
}

/// A new contact's lead, worked and qualified: its opportunity, in discovery.
fn qualified<S: Store>(
    crm: &Crm<S>,
    sample: &Sample,
) -> Versioned<Opportunity<prospect::state::Discovery>>
where
    S::Error: std::fmt::Debug,
{
    let lead = crate::support::worked_lead(crm, sample);
    crm.qualify(lead, sample.qualification(), sample.actor())
        .unwrap()
        .opportunity
}

#[test]
fn a_task_is_added_done_or_cancelled_once_and_listed_per_record() {
    let sample = Sample::new(50);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let today = sample.today();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let call_back = crm
        .add_task_on_lead(&lead, todo(&sample, "Call back", Due::On(today)), me)
        .unwrap();
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    let opportunity = crm
        .qualify(lead, sample.qualification(), me)
        .unwrap()
        .opportunity;
    let quote = crm
        .add_task_on_opportunity(
            &opportunity,
            todo(&sample, "Send the quote", Due::On(today + Days::new(2))),
            me,
        )
        .unwrap();
    let demo = crm
        .add_task_on_opportunity(
            &opportunity,
            todo(
                &sample,
                "Book a demo",
                Due::By(sample.clock().now() + TimeDelta::hours(3)),
            ),
            me,
        )
        .unwrap();
    assert!(quote.is_open() && quote.closed().is_none());
    sample.tick();
    let quote = crm.complete_task(quote, me).unwrap();
    assert_eq!(quote.status(), TaskStatus::Done);
    assert_eq!(quote.closed().map(|c| c.at), Some(sample.clock().now()));
    assert_eq!(quote.version().get(), 2);
    let demo = crm.cancel_task(demo, me).unwrap();
    assert_eq!(demo.status(), TaskStatus::Cancelled);
    // Once closed, a task does not close again.
    match crm.complete_task(quote.clone(), me) {
        Err(CrmError::WrongState {
            expected: Expected::State(RecordState::Task(TaskStatus::Open)),
            found: RecordState::Task(TaskStatus::Done),
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    let listed: Vec<_> = crm
        .store()
        .list(&Query::tasks_about(opportunity.id()), None, 10)
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.id())
        .collect();
    assert_eq!(listed, vec![quote.id().into(), demo.id().into()]);
    let open: Vec<_> = crm
        .store()
        .list(
            &Query::in_state(RecordState::Task(TaskStatus::Open)),
            None,
            10,
        )
        .unwrap()
        .records;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id(), call_back.id().into());
    let loaded: Versioned<Task> = crm.load(quote.id(), &prospect::testkit::reader()).unwrap();
    assert_eq!(loaded, quote);
    check_consistency(crm.store()).unwrap();
}

#[test]
fn a_task_due_on_a_day_is_overdue_once_the_day_is_over_for_whoever_looks() {
    let sample = Sample::new(51);
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 3, 4, 0, 0).unwrap());
    let ids = SequentialIds::new(3);
    let ctx = Context::new(&clock, &ids, sample.actor().clone());
    let contact = sample.contact();
    let march_2 = "2026-03-02".parse().unwrap();
    let task = Task::on_contact(&contact, todo(&sample, "Call", Due::On(march_2)), &ctx).unwrap();
    // 04:00 UTC on the 3rd: the 2nd is over in UTC, not eight hours behind.
    assert!(task.is_overdue(&ctx));
    let pacific = ctx
        .clone()
        .in_offset(FixedOffset::west_opt(8 * 3600).unwrap());
    assert!(!task.is_overdue(&pacific));
    let by = Task::on_contact(
        &contact,
        todo(
            &sample,
            "Call",
            Due::By(clock.now() + TimeDelta::minutes(1)),
        ),
        &ctx,
    )
    .unwrap();
    assert!(!by.is_overdue(&ctx));
    clock.advance(TimeDelta::minutes(2));
    assert!(by.is_overdue(&ctx));
    assert!(
        !by.complete(&ctx).unwrap().is_overdue(&ctx),
        "a done task is not overdue"
    );
}

#[test]
fn a_forged_task_is_refused() {
    let sample = Sample::new(52);
    let ctx = sample.ctx();
    let task = Task::on_contact(
        &sample.contact(),
        todo(&sample, "Call", Due::On(sample.today())),
        &ctx,
    )
    .unwrap();
    let open = serde_json::to_value(Record::from(task.clone())).unwrap();
    let done = serde_json::to_value(Record::from(task.complete(&ctx).unwrap())).unwrap();
    assert!(serde_json::from_value::<Record>(open.clone()).is_ok());
    assert!(serde_json::from_value::<Record>(done.clone()).is_ok());
    let refused = |mut v: serde_json::Value, change: &dyn Fn(&mut serde_json::Value)| {
        change(&mut v);
        serde_json::from_value::<Record>(v).unwrap_err().to_string()
    };
    let done_without_when = refused(done.clone(), &|v| {
        v.as_object_mut().unwrap().remove("closed");
    });
    assert!(
        done_without_when.contains("says not when"),
        "{done_without_when}"
    );
    let open_but_closed = refused(done.clone(), &|v| v["status"] = serde_json::json!("open"));
    assert!(
        open_but_closed.contains("an open task is closed"),
        "{open_but_closed}"
    );
    let closed_early = refused(done, &|v| {
        v["closed"]["at"] = serde_json::json!("2000-01-01T00:00:00Z")
    });
    assert!(
        closed_early.contains("before the task was created"),
        "{closed_early}"
    );
    let erased = refused(open, &|v| v["erased"] = serde_json::json!(true));
    assert!(erased.contains("still holds its subject"), "{erased}");
}

#[test]
fn a_stage_that_requires_a_next_step_is_refused_to_an_opportunity_without_an_open_task() {
    use prospect::state::{Discovery, Negotiation, OpportunityStage, Proposal};
    let sample = Sample::new(53);
    let crm = sample.crm(MemoryStore::new()).with_next_steps(
        NextSteps::none()
            .required_in::<Proposal>()
            .required_in::<Negotiation>()
            .required_in::<Discovery>(),
    );
    let me = sample.actor();
    // Qualifying makes the opportunity: it cannot have a task before it exists.
    let discovery = qualified(&crm, &sample);
    let id = discovery.id();
    let reloaded = || {
        crm.load::<Opportunity<Discovery>>(id, &prospect::testkit::reader())
            .unwrap()
    };
    match crm.propose(discovery, sample.proposal(), me) {
        Err(CrmError::NextStepRequired {
            opportunity,
            stage: OpportunityStage::Proposal,
        }) => assert_eq!(opportunity, id),
        other => panic!("{other:?}"),
    }
    // A done task is no next step; an open one is.
    let call = crm
        .add_task_on_opportunity(
            &reloaded(),
            todo(&sample, "Call", Due::On(sample.today())),
            me,
        )
        .unwrap();
    crm.complete_task(call, me).unwrap();
    assert!(matches!(
        crm.propose(reloaded(), sample.proposal(), me),
        Err(CrmError::NextStepRequired { .. })
    ));
    let quote = crm
        .add_task_on_opportunity(
            &reloaded(),
            todo(&sample, "Quote", Due::On(sample.today())),
            me,
        )
        .unwrap();
    let proposal = crm.propose(reloaded(), sample.proposal(), me).unwrap();
    // Done with it: negotiation requires another.
    crm.complete_task(quote, me).unwrap();
    let refused = crm
        .negotiate(proposal, sample.note("price"), me)
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("has no open next step, which negotiation requires"),
        "{refused}"
    );
    // Losing needs none; reopening into discovery does.
    let proposal = crm
        .load::<Opportunity<Proposal>>(id, &prospect::testkit::reader())
        .unwrap();
    let lost = crm.lose(proposal, sample.loss(), me).unwrap();
    assert!(matches!(
        crm.reopen(lost, sample.note("back"), me),
        Err(CrmError::NextStepRequired {
            stage: OpportunityStage::Discovery,
            ..
        })
    ));
}

#[test]
fn without_a_next_step_policy_no_stage_requires_a_task() {
    let sample = Sample::new(54);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let o = qualified(&crm, &sample);
    crm.propose(o, sample.proposal(), me).unwrap();
}

#[test]
fn a_next_step_closed_between_the_check_and_the_commit_is_a_conflict() {
    use prospect::state::{Discovery, Proposal};
    let sample = Sample::new(55);
    let memory = MemoryStore::new();
    // Another user completes the task right after the facade's listing of next steps.
    let store = Midway::unarmed(&memory, After::Listing);
    let crm = sample
        .crm(&store)
        .with_next_steps(NextSteps::none().required_in::<Proposal>());
    let me = sample.actor();
    let discovery = qualified(&crm, &sample);
    let id = discovery.id();
    let quote = crm
        .add_task_on_opportunity(
            &discovery,
            todo(&sample, "Quote", Due::On(sample.today())),
            me,
        )
        .unwrap();
    let closer = &sample;
    store.arm(Box::new(move |inner| {
        closer
            .crm(inner)
            .complete_task(quote, closer.actor())
            .unwrap();
    }));
    // The check finds the open task; it is done before the move commits.
    let refused = crm.propose(discovery, sample.proposal(), me).unwrap_err();
    assert!(refused.is_conflict(), "{refused}");
    assert!(
        crm.load::<Opportunity<Discovery>>(id, &prospect::testkit::reader())
            .is_ok(),
        "still in discovery"
    );
    // Read again, it has no next step.
    let again = crm
        .load::<Opportunity<Discovery>>(id, &prospect::testkit::reader())
        .unwrap();
    assert!(matches!(
        crm.propose(again, sample.proposal(), me),
        Err(CrmError::NextStepRequired { .. })
    ));
}
