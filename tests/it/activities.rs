//! Activities: logged about a contact, an open lead or an open opportunity, stored as records of
//! their own, refused on closed records, read back validated, erased with their contact.

use chrono::TimeDelta;
use prospect::funnel::PipelineReport;
use prospect::memory::MemoryStore;
use prospect::record::{Expected, Record, RecordKind, RecordState};
use prospect::state::{LeadStatus, OpportunityStage};
use prospect::store::{Query, Store, Versioned};
use prospect::testkit::{Sample, check_consistency};
use prospect::*;

fn call(summary: &str) -> ActivityDetails {
    ActivityDetails::new(ActivityKind::Call, Summary::new(summary).unwrap())
}

#[test]
fn an_activity_is_logged_about_a_contact_a_lead_and_an_opportunity() {
    let sample = Sample::new(3);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    let on_contact = crm
        .log_activity_on_contact(&contact, call("Intro").via(Channel::Call), me)
        .unwrap();
    let earlier = sample.clock().now() - TimeDelta::hours(2);
    let on_lead = crm
        .log_activity_on_lead(
            &lead,
            ActivityDetails::new(ActivityKind::Meeting, Summary::new("Demo").unwrap())
                .at(earlier)
                .with_outcome(Note::new("Wants a quote").unwrap()),
            me,
        )
        .unwrap();
    let opportunity = crm
        .qualify(lead, sample.qualification(), me)
        .unwrap()
        .opportunity;
    let on_opportunity = crm
        .log_activity_on_opportunity(&opportunity, call("Pricing"), me)
        .unwrap();

    assert_eq!(on_contact.regarding(), Regarding::Contact(contact.id()));
    assert_eq!(on_lead.regarding(), Regarding::Lead(on_lead_id(&on_lead)));
    assert_eq!(on_lead.occurred_at(), earlier);
    assert_eq!(on_lead.logged_at(), sample.clock().now());
    assert_eq!(on_lead.outcome().map(Note::as_str), Some("Wants a quote"));
    assert_eq!(
        on_opportunity.regarding(),
        Regarding::Opportunity(opportunity.id())
    );
    for activity in [&on_contact, &on_lead, &on_opportunity] {
        assert_eq!(activity.contact(), contact.id());
        assert_eq!(activity.by(), me);
        let loaded: Versioned<Activity> = crm
            .load(activity.id(), &prospect::testkit::reader())
            .unwrap();
        assert_eq!(loaded.value(), activity.value());
    }
    let page = crm
        .store()
        .list(&Query::of_kind(RecordKind::Activity), None, 10)
        .unwrap();
    assert_eq!(page.records.len(), 3);
    check_consistency(crm.store()).unwrap();
}

fn on_lead_id(activity: &Activity) -> LeadId {
    match activity.regarding() {
        Regarding::Lead(id) => id,
        other => panic!("about {other:?}"),
    }
}

#[test]
fn an_activity_by_id_on_a_closed_record_is_refused_naming_every_open_state() {
    let sample = Sample::new(4);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
    let lead = crm.disqualify(lead, sample.disqualification(), me).unwrap();
    let refused = crm
        .log_activity(lead.id(), call("Too late"), me)
        .unwrap_err();
    match refused {
        CrmError::WrongState {
            expected: expected @ Expected::OneOf(states),
            found,
            ..
        } => {
            assert_eq!(found, RecordState::Lead(LeadStatus::Disqualified));
            assert!(states.contains(&RecordState::Lead(LeadStatus::Nurturing)));
            assert!(states.contains(&RecordState::Opportunity(OpportunityStage::Contracting)));
            assert!(!states.contains(&found));
            assert_eq!(
                expected.to_string(),
                "contact, lead (new), lead (working), lead (nurturing), opportunity (discovery), \
                 opportunity (proposal), opportunity (negotiation) or opportunity (contracting)"
            );
        }
        other => panic!("{other:?}"),
    }
    // By id, an open record takes it.
    let open = crm.open_lead(&contact, sample.interest(), me).unwrap();
    crm.log_activity(open.id(), call("Still there"), me)
        .unwrap();
    crm.log_activity(contact.id(), call("Hello"), me).unwrap();
    let missing = LeadId::from_uuid(uuid::Uuid::nil());
    assert!(matches!(
        crm.log_activity(missing, call("Nobody"), me),
        Err(CrmError::NotFound(_))
    ));
}

#[test]
fn an_activity_that_has_not_happened_yet_is_refused() {
    let sample = Sample::new(5);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let tomorrow = sample.clock().now() + TimeDelta::days(1);
    let refused = crm
        .log_activity_on_contact(&contact, call("Next week").at(tomorrow), me)
        .unwrap_err();
    assert!(
        matches!(
            refused,
            CrmError::Invalid {
                cause: ValidationError::InFuture {
                    field: Field::OccurredAt,
                    ..
                },
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("occurred at"), "{refused}");
}

#[test]
fn activities_do_not_move_the_funnel() {
    let sample = Sample::new(6);
    let crm = sample.crm(MemoryStore::new());
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    crm.open_lead(&contact, sample.interest(), me).unwrap();
    let before = PipelineReport::from_store(crm.store()).unwrap();
    for i in 0..5 {
        crm.log_activity_on_contact(&contact, call(&format!("Call {i}")), me)
            .unwrap();
    }
    let after = PipelineReport::from_store(crm.store()).unwrap();
    assert_eq!(after, before);
}

#[test]
fn a_forged_activity_is_refused() {
    let sample = Sample::new(8);
    let ctx = sample.ctx();
    let contact = sample.contact();
    let activity = Activity::on_contact(&contact, call("Intro"), &ctx).unwrap();
    let good = serde_json::to_value(Record::from(activity)).unwrap();
    assert!(serde_json::from_value::<Record>(good.clone()).is_ok());
    let forged = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        change(&mut v);
        serde_json::from_value::<Record>(v).unwrap_err().to_string()
    };
    let late = forged(&|v| v["occurred_at"] = serde_json::json!("2030-01-01T00:00:00Z"));
    assert!(late.contains("after the activity was logged"), "{late}");
    let erased_with_text = forged(&|v| v["erased"] = serde_json::json!(true));
    assert!(
        erased_with_text.contains("still holds its text"),
        "{erased_with_text}"
    );
    let other_contact =
        forged(&|v| v["contact"] = serde_json::json!("00000000-0000-7000-8000-000000000000"));
    assert!(
        other_contact.contains("differs from the contact"),
        "{other_contact}"
    );
    let unknown = forged(&|v| v["mood"] = serde_json::json!("happy"));
    assert!(unknown.contains("unknown field"), "{unknown}");
}
