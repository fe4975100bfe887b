//! Merges of contacts: every record moved in one commit, refused when it cannot be made, a
//! conflict when anything changed since the plan, and undone exactly.

use chrono::Days;
use proptest::prelude::*;
use prospect::event::Payload;
use prospect::funnel::Scope;
use prospect::memory::MemoryStore;
use prospect::merge::{ContactField, MergeChoices, Refusal};
use prospect::record::{AnyLead, AnyOpportunity, Record, RecordId, RecordKind};
use prospect::store::Versioned;
use prospect::testkit::Sample;
use prospect::*;
use serde_json::{Value, json};

use crate::support::*;

/// What a contact has, by flags: an open lead, an opportunity in proposal, a won account, an
/// activity and a task about the contact, an activity about its open lead.
#[derive(Debug, Clone, Copy)]
struct Has {
    lead: bool,
    opportunity: bool,
    account: bool,
    activity: bool,
    task: bool,
}

impl Has {
    const ALL: Has = Has {
        lead: true,
        opportunity: true,
        account: true,
        activity: true,
        task: true,
    };
}

/// A contact with what `has` says.
fn contact_with(crm: &Crm<&MemoryStore>, sample: &Sample, has: Has) -> Versioned<Contact> {
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let worked = || {
        let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
        crm.log_touch(lead, sample.touch(), me).unwrap()
    };
    if has.lead {
        let lead = worked();
        crm.log_activity_on_lead(&lead, activity("about the lead"), me)
            .unwrap();
    }
    if has.opportunity {
        let Qualified { opportunity, .. } =
            crm.qualify(worked(), sample.qualification(), me).unwrap();
        crm.propose(opportunity, sample.proposal(), me).unwrap();
    }
    if has.account {
        let Qualified { opportunity, .. } =
            crm.qualify(worked(), sample.qualification(), me).unwrap();
        let o = crm.propose(opportunity, sample.proposal(), me).unwrap();
        let o = crm.negotiate(o, sample.note("terms"), me).unwrap();
        let o = crm
            .enter_contracting(o, sample.terms(), sample.incumbent(), me)
            .unwrap();
        crm.win(o, sample.contract(5_000), me).unwrap();
    }
    if has.activity {
        crm.log_activity_on_contact(&contact, activity("a call"), me)
            .unwrap();
    }
    if has.task {
        let due = Due::On(sample.today() + Days::new(3));
        let details = TaskDetails::new(sample.summary("send the quote"), me.clone(), due);
        crm.add_task_on_contact(&contact, details, me).unwrap();
    }
    crm.load::<Contact>(contact.id(), me).unwrap()
}

fn activity(what: &str) -> ActivityDetails {
    ActivityDetails::new(ActivityKind::Call, Summary::new(what).unwrap())
}

/// Every record as JSON without what a merge and its undo add (their entries, the versions
/// and the contacts' corrections): what the undo must give back.
fn observable(store: &MemoryStore) -> Vec<Value> {
    everything(store)
        .iter()
        .map(|r| {
            let mut value = json(r);
            if let Some(fields) = value.as_object_mut() {
                fields.remove("relinks");
                if matches!(r, Record::Contact(_)) {
                    fields.remove("corrections");
                }
            }
            value
        })
        .collect()
}

#[test]
fn a_merge_moves_every_record_in_one_commit_and_its_undo_moves_them_back() {
    let sample = Sample::new(71);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let robert = contact_with(&crm, &sample, Has::LEAD);
    let bob = contact_with(&crm, &sample, Has::ALL);
    let before = observable(&store);
    let report = crm.report(&Scope::all(), me).unwrap();

    let choices = MergeChoices::new().keep(ContactField::Email, bob.id());
    let plan = crm
        .plan_merge(robert.id(), &[bob.id()], choices, me)
        .unwrap();
    assert!(plan.refusals().is_empty(), "{:?}", plan.refusals());
    // Two leads of Bob's converted and one open, two opportunities, the account, three
    // activities (the contact, the lead) and the task.
    let of_bob = |kind| {
        plan.moved()
            .iter()
            .filter(|m| m.record.kind() == kind)
            .count()
    };
    assert_eq!(of_bob(RecordKind::Lead), 3);
    assert_eq!(of_bob(RecordKind::Opportunity), 2);
    assert_eq!(of_bob(RecordKind::Account), 1);
    assert_eq!(of_bob(RecordKind::Activity), 2);
    assert_eq!(of_bob(RecordKind::Task), 1);
    assert_eq!(
        plan.details().email,
        bob.details().email,
        "the email chosen"
    );
    let kept = plan
        .kept()
        .iter()
        .find(|k| k.field == ContactField::Email)
        .unwrap();
    assert_eq!(kept.from, bob.id());
    // The plan is data: it goes to a user interface and back.
    let plan: prospect::merge::MergePlan =
        serde_json::from_value(json(&plan)).expect("a plan reads back");

    let events_before = all_events(&store).len();
    let merged = crm.merge(&plan, me).unwrap();
    assert_eq!(merged.moved.len(), plan.moved().len());
    for record in everything(&store) {
        if let Some(contact) = record.contact() {
            assert_eq!(contact, robert.id(), "{} still names Bob", record.id());
        }
    }
    let bob_now = crm.load::<Contact>(bob.id(), me).unwrap();
    assert_eq!(bob_now.merged_into(), Some(robert.id()));
    assert_eq!(
        bob_now.details(),
        bob.details(),
        "Bob keeps his details, on record"
    );
    let email = bob.email().unwrap();
    let found = crm.find_contacts_by_email(email, me).unwrap();
    assert_eq!(
        found.iter().map(|c| c.id()).collect::<Vec<_>>(),
        [RecordId::from(robert.id())]
    );
    assert!(
        Record::from(bob_now.value().clone())
            .duplicate_keys()
            .is_empty()
    );
    // One event per record written, ids only.
    let events = all_events(&store);
    assert_eq!(events.len() - events_before, 2 + plan.moved().len());
    let relinked = events[events_before..]
        .iter()
        .filter(|e| matches!(e.event.payload(), Payload::Relinked { .. }))
        .count();
    assert_eq!(relinked, plan.moved().len());
    // A merged contact takes no new work and no correction.
    let refused = crm.open_lead(&bob_now, sample.interest(), me);
    assert!(matches!(refused, Err(CrmError::ContactMerged { into, .. }) if into == robert.id()));

    let undone = crm.unmerge(robert.id(), merged.merge, me).unwrap();
    assert_eq!(undone.moved.len(), plan.moved().len());
    assert_eq!(
        observable(&store),
        before,
        "every record as before the merge"
    );
    assert_eq!(crm.report(&Scope::all(), me).unwrap(), report);
    let found = crm.find_contacts_by_email(email, me).unwrap();
    assert_eq!(
        found.iter().map(|c| c.id()).collect::<Vec<_>>(),
        [RecordId::from(bob.id())]
    );
    // Undone once: there is nothing more to undo.
    let again = crm.unmerge(robert.id(), merged.merge, me);
    assert!(
        matches!(again, Err(CrmError::MergeRefused(r)) if matches!(r[..], [Refusal::NotMerged { .. }]))
    );
    // Every record still reads back valid from the store's stored form.
    for record in everything(&store) {
        let text = serde_json::to_string(&record).unwrap();
        let back: Record = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, record);
    }
}

impl Has {
    const NONE: Has = Has {
        lead: false,
        opportunity: false,
        account: false,
        activity: false,
        task: false,
    };
    const LEAD: Has = Has {
        lead: true,
        ..Has::NONE
    };
    const TASK: Has = Has {
        task: true,
        ..Has::NONE
    };
    const ACTIVITY: Has = Has {
        activity: true,
        ..Has::NONE
    };
}

/// `merged` merged into `survivor` as planned with no choice.
fn merge(
    crm: &Crm<&MemoryStore>,
    survivor: ContactId,
    merged: &[ContactId],
    me: &User,
) -> MergeOutcome {
    let plan = crm
        .plan_merge(survivor, merged, MergeChoices::new(), me)
        .unwrap();
    crm.merge(&plan, me).unwrap()
}

#[test]
fn a_record_created_or_changed_since_the_plan_is_a_conflict() {
    let sample = Sample::new(72);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let robert = contact_with(&crm, &sample, Has::NONE);
    let bob = contact_with(&crm, &sample, Has::ACTIVITY);
    let plan = crm
        .plan_merge(robert.id(), &[bob.id()], MergeChoices::new(), me)
        .unwrap();
    crm.log_activity_on_contact(&bob, activity("since the plan"), me)
        .unwrap();
    let conflict = crm.merge(&plan, me);
    assert!(
        matches!(conflict, Err(CrmError::Conflict(_))),
        "{conflict:?}"
    );
    // Planned again, it goes through.
    let plan = crm
        .plan_merge(robert.id(), &[bob.id()], MergeChoices::new(), me)
        .unwrap();
    assert_eq!(plan.moved().len(), 2);
    crm.merge(&plan, me).unwrap();
}

#[test]
fn what_cannot_be_merged_is_refused_with_every_reason() {
    let sample = Sample::new(73);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let a = contact_with(&crm, &sample, Has::NONE);
    let b = contact_with(&crm, &sample, Has::NONE);
    let c = contact_with(&crm, &sample, Has::NONE);
    let erased = crm.erase_contact(c, me).unwrap().contact;
    let plan = crm
        .plan_merge(
            a.id(),
            &[b.id(), a.id(), erased.id()],
            MergeChoices::new(),
            me,
        )
        .unwrap();
    assert_eq!(
        plan.refusals(),
        [
            Refusal::Repeated { contact: a.id() },
            Refusal::Erased {
                contact: erased.id()
            },
        ]
    );
    let refused = crm.merge(&plan, me);
    assert!(matches!(refused, Err(CrmError::MergeRefused(r)) if r.len() == 2));
    let nothing = crm
        .plan_merge(a.id(), &[], MergeChoices::new(), me)
        .unwrap();
    assert_eq!(nothing.refusals(), [Refusal::NothingToMerge]);
    let many = vec![b.id(); prospect::merge::MOST_MERGED + 1];
    let refused = crm.plan_merge(a.id(), &many, MergeChoices::new(), me);
    assert!(
        matches!(&refused, Err(CrmError::MergeRefused(r)) if matches!(r[..], [Refusal::TooMany { count: 11 }])),
        "{refused:?}"
    );
    // Merged once, a contact is not merged again.
    merge(&crm, a.id(), &[b.id()], me);
    let again = crm
        .plan_merge(a.id(), &[b.id()], MergeChoices::new(), me)
        .unwrap();
    assert_eq!(
        again.refusals(),
        [Refusal::AlreadyMerged {
            contact: b.id(),
            into: a.id()
        }]
    );
}

#[test]
fn an_undo_that_would_overwrite_a_later_change_is_refused_and_erasure_reaches_merged_contacts() {
    let sample = Sample::new(74);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let a = contact_with(&crm, &sample, Has::NONE);
    let b = contact_with(&crm, &sample, Has::LEAD);
    let merged = merge(&crm, a.id(), &[b.id()], me);
    // The survivor corrected since: the undo would overwrite its details.
    let survivor = merged.survivor;
    let details = survivor
        .details()
        .clone()
        .with_phone(PhoneNumber::new("+44 20 7946 0958").unwrap());
    let survivor = crm.correct_contact(survivor, details, None, me).unwrap();
    let refused = crm.unmerge(a.id(), merged.merge, me);
    assert!(
        matches!(&refused, Err(CrmError::MergeRefused(r)) if r[..] == [Refusal::ChangedSince { record: a.id().into() }]),
        "{refused:?}"
    );
    // Erasing the survivor erases what the merged contact held; the undo is refused.
    let report = crm.erase_contact(survivor, me).unwrap();
    assert_eq!(report.merged.len(), 1);
    let b_now = crm.load::<Contact>(b.id(), me).unwrap();
    assert!(b_now.erasure().is_some());
    assert_ne!(b_now.details(), b.details());
    let refused = crm.unmerge(a.id(), merged.merge, me);
    assert!(
        matches!(&refused, Err(CrmError::MergeRefused(r)) if r[..] == [Refusal::Erased { contact: a.id() }])
    );
}

#[test]
fn merging_needs_the_right_to_edit_every_record() {
    use prospect::access::{Action, Directory, Grants, Level, Role, RolePolicy};
    let sample = Sample::new(75);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let a = contact_with(&crm, &sample, Has::NONE);
    let b = contact_with(&crm, &sample, Has::TASK);
    // A viewer without personal data cannot even plan.
    let (viewer, vic) = viewer_without_personal_data(&store);
    let refused = viewer.plan_merge(a.id(), &[b.id()], MergeChoices::new(), &vic);
    assert!(
        matches!(refused, Err(CrmError::Forbidden { .. })),
        "{refused:?}"
    );
    // An editor of contacts who may not edit tasks: neither the plan nor the merge, naming
    // the task.
    let role = Role::new("contacts").unwrap();
    let grants = Grants::none()
        .grant_every_kind(Action::Read, Level::All)
        .grant_every_kind(Action::ReadPersonal, Level::All)
        .grant(RecordKind::Contact, Action::Edit, Level::All);
    let cleo = User::new("cleo").unwrap();
    let editor = Crm::new(&store, RolePolicy::new().with_role(role.clone(), grants))
        .with_directory(Directory::new().with_user(cleo.clone(), [role], []));
    let refused = editor.plan_merge(a.id(), &[b.id()], MergeChoices::new(), &cleo);
    assert!(
        matches!(
            &refused,
            Err(CrmError::Forbidden {
                kind: RecordKind::Task,
                ..
            })
        ),
        "{refused:?}"
    );
    let plan = crm
        .plan_merge(a.id(), &[b.id()], MergeChoices::new(), me)
        .unwrap();
    let refused = editor.merge(&plan, &cleo);
    assert!(
        matches!(
            &refused,
            Err(CrmError::Forbidden {
                kind: RecordKind::Task,
                ..
            })
        ),
        "{refused:?}"
    );
    let refused = viewer.merge(&plan, &vic);
    assert!(
        matches!(refused, Err(CrmError::Forbidden { .. })),
        "{refused:?}"
    );
    assert_eq!(crm.load::<Contact>(b.id(), me).unwrap().merged_into(), None);
    // An actor who may edit every record merges it.
    crm.merge(&plan, me).unwrap();
}

fn has() -> impl Strategy<Value = Has> {
    any::<[bool; 5]>().prop_map(|[lead, opportunity, account, activity, task]| Has {
        lead,
        opportunity,
        account,
        activity,
        task,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// For any contacts with any records, and any choices: merge then unmerge leaves every
    /// record's observable fields and links, and the funnel report, as they were.
    #[test]
    fn merge_then_unmerge_restores_every_record_and_the_funnel(
        seed in 0u32..1000,
        survivor in has(),
        others in prop::collection::vec(has(), 1..3),
        choose in prop::collection::vec((0usize..6, 0usize..3), 0..4),
    ) {
        let sample = Sample::new(1_000 + seed);
        let store = MemoryStore::new();
        let crm = sample.crm(&store);
        let me = sample.actor();
        let survivor = contact_with(&crm, &sample, survivor);
        let others: Vec<_> = others.into_iter().map(|h| contact_with(&crm, &sample, h)).collect();
        let ids: Vec<ContactId> = others.iter().map(|c| c.id()).collect();
        let mut choices = MergeChoices::new();
        for (field, contact) in choose {
            let contact = ids.get(contact).copied().unwrap_or(survivor.id());
            choices = choices.keep(ContactField::ALL[field], contact);
        }
        let before = observable(&store);
        let report = crm.report(&Scope::all(), me).unwrap();
        let plan = crm.plan_merge(survivor.id(), &ids, choices, me).unwrap();
        prop_assert!(plan.refusals().is_empty(), "{:?}", plan.refusals());
        let merged = crm.merge(&plan, me).unwrap();
        crm.unmerge(survivor.id(), merged.merge, me).unwrap();
        prop_assert_eq!(observable(&store), before);
        prop_assert_eq!(crm.report(&Scope::all(), me).unwrap(), report);
    }
}

#[test]
fn an_undo_is_rebased_over_work_on_moved_records_and_refused_when_work_grew_from_them() {
    let sample = Sample::new(76);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let a = contact_with(&crm, &sample, Has::NONE);
    let b = contact_with(&crm, &sample, Has::NONE);
    let lead = crm.open_lead(&b, sample.interest(), me).unwrap();
    let lead_id = lead.id();
    let plan = crm
        .plan_merge(a.id(), &[b.id()], MergeChoices::new(), me)
        .unwrap();
    let merged = crm.merge(&plan, me).unwrap();
    // The moved lead is worked for its new contact: the undo is rebased over that (the lead
    // goes back to Bob, working as it is now).
    let lead = crm.load::<Lead<state::New>>(lead_id, me).unwrap();
    crm.log_touch(lead, sample.touch(), me).unwrap();
    crm.unmerge(a.id(), merged.merge, me).unwrap();
    let lead = crm.load::<AnyLead>(lead_id, me).unwrap();
    assert_eq!(lead.value().contact(), b.id());
    assert_eq!(lead.value().status(), state::LeadStatus::Working);

    // Merged again, and this time the lead is qualified for the survivor: the opportunity
    // grew from a moved record, which the undo would split from it, so it is refused.
    let a = crm.load::<Contact>(a.id(), me).unwrap();
    let merged = merge(&crm, a.id(), &[b.id()], me);
    let lead = crm.load::<Lead<state::Working>>(lead_id, me).unwrap();
    let Qualified { opportunity, .. } = crm.qualify(lead, sample.qualification(), me).unwrap();
    let refused = crm.unmerge(a.id(), merged.merge, me);
    let named = RecordId::from(opportunity.id());
    assert!(
        matches!(&refused, Err(CrmError::MergeRefused(r)) if r[..] == [Refusal::ChangedSince { record: named }]),
        "{refused:?}"
    );
    let opportunity = crm.load::<AnyOpportunity>(opportunity.id(), me).unwrap();
    assert_eq!(opportunity.value().contact(), a.id());
}

#[test]
fn erasing_a_survivor_reaches_every_contact_merged_into_it_in_turn() {
    let sample = Sample::new(77);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let a = contact_with(&crm, &sample, Has::NONE);
    let b = contact_with(&crm, &sample, Has::NONE);
    let c = contact_with(&crm, &sample, Has::LEAD);
    // B into A, then A into C: B's details are held by a contact merged into C's merged one.
    let plan = crm
        .plan_merge(a.id(), &[b.id()], MergeChoices::new(), me)
        .unwrap();
    crm.merge(&plan, me).unwrap();
    let merged = merge(&crm, c.id(), &[a.id()], me);
    let report = crm.erase_contact(merged.survivor, me).unwrap();
    assert_eq!(report.merged.len(), 2, "A and B");
    for id in [a.id(), b.id()] {
        let contact = crm.load::<Contact>(id, me).unwrap();
        assert!(
            contact.erasure().is_some(),
            "{id} erased with its survivor's survivor"
        );
    }
}

#[test]
fn forged_merge_entries_are_refused_when_read() {
    let sample = Sample::new(80);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let a = contact_with(&crm, &sample, Has::NONE);
    let b = contact_with(&crm, &sample, Has::LEAD);
    let merged = merge(&crm, a.id(), &[b.id()], me);
    let reads = |value: &Value| serde_json::from_value::<Record>(value.clone());
    let contact = json(&Record::from(merged.merged[0].value().clone()));
    assert!(reads(&contact).is_ok());
    let nobody = "019b76da-0000-7000-8000-0000000000ff";
    let forge = |path: &[&str], to: Value, mut value: Value| {
        let mut at = &mut value;
        for step in path {
            at = match step.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*step],
            };
        }
        *at = to;
        value
    };
    // A merge note that does not name the contact; an undo with no merge before it; a merged
    // contact whose details changed in its merge.
    let last = contact["corrections"].as_array().unwrap().len() - 1;
    let last = last.to_string();
    let note = |field| ["corrections", &last, "merge", field];
    assert!(reads(&forge(&note("merged"), json!([nobody]), contact.clone())).is_err());
    assert!(reads(&forge(&note("undo"), json!(true), contact.clone())).is_err());
    let phone = ["corrections", &last, "details", "after", "phone"];
    let changed = forge(&phone, json!("+44 20 7946 0000"), contact.clone());
    assert!(
        reads(&forge(
            &["details", "phone"],
            json!("+44 20 7946 0000"),
            changed
        ))
        .is_err()
    );
    // A moved lead whose contact is not where its relink took it.
    let lead = merged
        .moved
        .iter()
        .find(|r| r.id().kind() == RecordKind::Lead)
        .unwrap();
    let lead = json(lead.value());
    assert!(reads(&lead).is_ok());
    assert!(reads(&forge(&["contact"], json!(nobody), lead.clone())).is_err());
    assert!(reads(&forge(&["relinks", "0", "position"], json!(99), lead)).is_err());
}

#[test]
fn the_async_facade_merges_and_unmerges_through_the_same_steps() {
    let sample = Sample::new(81);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let a = contact_with(&crm, &sample, Has::NONE);
    let b = contact_with(&crm, &sample, Has::LEAD);
    let async_crm = sample.async_crm(&store);
    let plan = prospect::testkit::block_on(async_crm.plan_merge(
        a.id(),
        &[b.id()],
        MergeChoices::new(),
        me,
    ))
    .unwrap();
    let merged = prospect::testkit::block_on(async_crm.merge(&plan, me)).unwrap();
    assert_eq!(merged.moved.len(), plan.moved().len());
    prospect::testkit::block_on(async_crm.unmerge(a.id(), merged.merge, me)).unwrap();
    assert_eq!(crm.load::<Contact>(b.id(), me).unwrap().merged_into(), None);
}

/// An activity logged about a moved lead while an unmerge reads (after it listed the
/// survivor's activities, before it commits): the undo conflicts rather than split the
/// activity from its lead.
#[test]
fn work_created_about_a_moved_record_during_an_undo_is_a_conflict() {
    use crate::support::{After, Midway};
    let sample = Sample::new(82);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let a = contact_with(&crm, &sample, Has::NONE);
    let b = contact_with(&crm, &sample, Has::NONE);
    let lead = crm.open_lead(&b, sample.interest(), me).unwrap();
    let merged = merge(&crm, a.id(), &[b.id()], me);
    let midway = Midway::unarmed(&store, After::ListingOf(RecordKind::Task));
    let undoing = sample.crm(&midway);
    let lead_id = lead.id();
    let other = me.clone();
    midway.arm(Box::new(move |inner| {
        let crm = Sample::new(83).crm(inner);
        let lead = crm.load::<Lead<state::New>>(lead_id, &other).unwrap();
        crm.log_activity_on_lead(&lead, activity("meanwhile"), &other)
            .unwrap();
    }));
    let refused = undoing.unmerge(a.id(), merged.merge, me);
    assert!(
        matches!(&refused, Err(CrmError::Conflict(c)) if c.kind == prospect::store::ConflictKind::RecordsOfContact),
        "{refused:?}"
    );
    // Tried again, the activity is seen: refused, naming it.
    let again = crm.unmerge(a.id(), merged.merge, me);
    assert!(
        matches!(&again, Err(CrmError::MergeRefused(r)) if matches!(r[..], [Refusal::ChangedSince { .. }])),
        "{again:?}"
    );
}
