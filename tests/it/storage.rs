//! MemoryStore against the conformance kit, and every facade step under injected faults.

use proptest::prelude::*;
use prospect::testkit::{Fault, FaultyStore, Sample, check_consistency, snapshot};
use prospect::*;
use prospect::{
    memory::MemoryStore,
    record::{Record, RecordId, StateError},
    store::Versioned,
};

prospect::store_conformance!(memory, MemoryStore::new());
prospect::async_store_conformance!(memory_async, MemoryStore::new());
prospect::store_conformance!(memory_shared, std::sync::Arc::new(MemoryStore::new()));

/// A step of the lifecycle through the facade, prepared from a consistent store: running it
/// commits once.
type Step<'a> = Box<
    dyn Fn(
            &Crm<&'a FaultyStore<MemoryStore>>,
        )
            -> Result<(), CrmError<prospect::testkit::FaultyError<std::convert::Infallible>>>
        + 'a,
>;

/// A stored value as a snapshot, from which each run of a step reads its own typed copy.
fn snap<T: Into<Record>>(value: Versioned<T>) -> Versioned<Record> {
    value.map(Into::into)
}

/// A typed copy of a snapshot (typed values are not `Clone`).
fn typed<T: TryFrom<Record, Error = StateError<Record>>>(
    snapshot: &Versioned<Record>,
) -> Versioned<T> {
    snapshot
        .clone()
        .try_map(T::try_from)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Builds a store holding a record ready for each facade step, and the steps.
fn every_step<'a>(
    sample: &'a Sample,
    store: &'a FaultyStore<MemoryStore>,
) -> Vec<(&'static str, Step<'a>)> {
    let crm = sample.crm(store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let new = || crm.open_lead(&contact, sample.interest(), me).unwrap();
    let working = || crm.log_touch(new(), sample.touch(), me).unwrap();
    let nurturing = snap(crm.nurture(working(), sample.note("later"), me).unwrap());
    let disqualified = snap(
        crm.disqualify(new(), sample.disqualification(), me)
            .unwrap(),
    );
    let discovery = || {
        crm.qualify(working(), sample.qualification(), me)
            .unwrap()
            .opportunity
    };
    let proposal = || crm.propose(discovery(), sample.proposal(), me).unwrap();
    let negotiation = snap(crm.negotiate(proposal(), sample.note("price"), me).unwrap());
    let contracting = || {
        let n = crm.negotiate(proposal(), sample.note("price"), me).unwrap();
        crm.enter_contracting(n, sample.terms(), sample.incumbent(), me)
            .unwrap()
    };
    let lost = snap(crm.lose(discovery(), sample.loss(), me).unwrap());
    let WonAccount { account, .. } = crm.win(contracting(), sample.contract(10), me).unwrap();
    let (new_lead, working_lead, discovery_, proposal_, contracting_a, contracting_b) = (
        snap(new()),
        snap(working()),
        snap(discovery()),
        snap(proposal()),
        snap(contracting()),
        snap(contracting()),
    );
    let details = sample.contact_details();
    let reused = sample.contact_details();
    // A contact with a lead, to erase: erasure scans leads, opportunities, accounts,
    // activities and tasks, then commits.
    let to_erase = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    crm.open_lead(&to_erase, sample.interest(), me).unwrap();
    let call = || ActivityDetails::new(ActivityKind::Call, Summary::new("Call").unwrap());
    let activity_lead = snap(new());
    let activity_opportunity = snap(discovery());
    vec![
        (
            "log_activity_on_contact",
            Box::new({
                let c = contact.clone();
                move |crm| crm.log_activity_on_contact(&c, call(), me).map(drop)
            }),
        ),
        (
            "log_activity_on_lead",
            Box::new({
                let l = activity_lead.clone();
                move |crm| {
                    let lead = typed::<Lead<state::New>>(&l);
                    crm.log_activity_on_lead(&lead, call(), me).map(drop)
                }
            }),
        ),
        (
            "log_activity_on_opportunity",
            Box::new({
                let o = activity_opportunity.clone();
                move |crm| {
                    let o = typed::<Opportunity<state::Discovery>>(&o);
                    crm.log_activity_on_opportunity(&o, call(), me).map(drop)
                }
            }),
        ),
        (
            "log_activity",
            Box::new({
                let id = activity_opportunity.value().id();
                move |crm| crm.log_activity(id, call(), me).map(drop)
            }),
        ),
        (
            "erase_contact",
            Box::new(move |crm| crm.erase_contact(to_erase.clone(), me).map(drop)),
        ),
        (
            "create_contact (reuse)",
            Box::new(move |crm| {
                crm.create_contact(reused.clone(), OnDuplicate::Reuse, me)
                    .map(drop)
            }),
        ),
        (
            "create_contact",
            Box::new(move |crm| {
                crm.create_contact(details.clone(), OnDuplicate::Refuse, me)
                    .map(drop)
            }),
        ),
        (
            "open_lead",
            Box::new({
                let c = contact.clone();
                move |crm| crm.open_lead(&c, sample.interest(), me).map(drop)
            }),
        ),
        (
            "log_touch",
            Box::new(move |crm| {
                crm.log_touch(typed(&new_lead), sample.touch(), me)
                    .map(drop)
            }),
        ),
        (
            "nurture",
            Box::new(move |crm| {
                crm.nurture(typed(&working_lead), sample.note("n"), me)
                    .map(drop)
            }),
        ),
        (
            "resume",
            Box::new(move |crm| crm.resume(typed(&nurturing), sample.touch(), me).map(drop)),
        ),
        (
            "recycle",
            Box::new(move |crm| {
                crm.recycle(typed(&disqualified), sample.note("r"), me)
                    .map(drop)
            }),
        ),
        (
            "disqualify",
            Box::new({
                let l = snap(working());
                move |crm| {
                    crm.disqualify(
                        typed::<Lead<state::Working>>(&l),
                        sample.disqualification(),
                        me,
                    )
                    .map(drop)
                }
            }),
        ),
        (
            "qualify",
            Box::new({
                let l = snap(working());
                move |crm| {
                    crm.qualify(
                        typed::<Lead<state::Working>>(&l),
                        sample.qualification(),
                        me,
                    )
                    .map(drop)
                }
            }),
        ),
        (
            "propose",
            Box::new(move |crm| {
                crm.propose(typed(&discovery_), sample.proposal(), me)
                    .map(drop)
            }),
        ),
        (
            "negotiate",
            Box::new(move |crm| {
                crm.negotiate(typed(&proposal_), sample.note("p"), me)
                    .map(drop)
            }),
        ),
        (
            "enter_contracting",
            Box::new(move |crm| {
                crm.enter_contracting(typed(&negotiation), sample.terms(), sample.incumbent(), me)
                    .map(drop)
            }),
        ),
        (
            "win",
            Box::new(move |crm| {
                crm.win(typed(&contracting_a), sample.contract(5), me)
                    .map(drop)
            }),
        ),
        (
            "win_for",
            Box::new(move |crm| {
                crm.win_for(
                    typed(&contracting_b),
                    account.clone(),
                    sample.contract(5),
                    me,
                )
                .map(drop)
            }),
        ),
        (
            "lose",
            Box::new({
                let o = snap(discovery());
                move |crm| {
                    crm.lose(
                        typed::<Opportunity<state::Discovery>>(&o),
                        sample.loss(),
                        me,
                    )
                    .map(drop)
                }
            }),
        ),
        (
            "reopen",
            Box::new(move |crm| crm.reopen(typed(&lost), sample.note("back"), me).map(drop)),
        ),
    ]
}

fn consistent(store: &FaultyStore<MemoryStore>) {
    if let Err(problems) = check_consistency(store.inner()) {
        panic!("{problems:?}");
    }
}

#[test]
fn every_facade_step_leaves_the_store_unchanged_when_its_commit_fails() {
    let sample = Sample::new(100);
    let store = FaultyStore::new(MemoryStore::new());
    let steps = every_step(&sample, &store);
    let crm = sample.crm(&store);
    assert_eq!(steps.len(), 21);
    for (name, step) in &steps {
        // Fail every call the step makes, one at a time (its lookups, then its commit), until
        // the step makes fewer calls than the one planned to fail: it then runs to the end.
        let mut failed_calls = 0;
        'calls: for k in 1.. {
            for fault in [Fault::Fail, Fault::Conflict] {
                let before = snapshot(store.inner()).unwrap();
                let calls = store.calls();
                store.inject(calls + k, fault);
                let result = step(&crm);
                if store.calls() < calls + k {
                    // The fault was not reached: the step made k - 1 calls, and succeeded.
                    store.clear();
                    assert!(result.is_ok(), "{name}: {result:?}");
                    break 'calls;
                }
                assert!(
                    result.is_err(),
                    "{name}: the {fault:?} injected into call {k} is reported"
                );
                assert_eq!(
                    snapshot(store.inner()).unwrap(),
                    before,
                    "{name}: unchanged after {fault:?} in call {k}"
                );
                consistent(&store);
            }
            failed_calls = k;
        }
        // Each step is one call, its commit (refusing a duplicate contact needs no lookup),
        // except those that look first: reusing a contact looks it up by email; logging an
        // activity by id loads the record; winning loads the contact (to win for its
        // organization, when it belongs to one); erasing lists the contact's leads,
        // opportunities, accounts, activities and tasks (a page each, here). Every one of
        // those calls was failed in turn above.
        let expected = match *name {
            "create_contact (reuse)" | "log_activity" | "win" => 2,
            "erase_contact" => 6,
            _ => 1,
        };
        assert_eq!(
            failed_calls, expected,
            "{name}: expected {expected} store calls, found {failed_calls}"
        );
    }
}

#[test]
fn every_facade_step_is_safe_to_retry_when_the_reply_of_its_commit_is_lost() {
    let sample = Sample::new(200);
    let store = FaultyStore::new(MemoryStore::new());
    let steps = every_step(&sample, &store);
    let crm = sample.crm(&store);
    for (name, step) in &steps {
        // Let lookups through; lose the reply of the commit.
        let before = snapshot(store.inner()).unwrap();
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            let calls = store.calls();
            store.inject(calls + attempt, Fault::FailAfterCommit);
            let result = step(&crm);
            if snapshot(store.inner()).unwrap() != before || attempt > 8 {
                break result;
            }
        };
        assert!(
            result.is_err(),
            "{name}: the lost reply is reported as a failure"
        );
        consistent(&store);
        let after = snapshot(store.inner()).unwrap();
        // Retrying with the same inputs cannot apply the step twice.
        match step(&crm) {
            Err(CrmError::Conflict(_)) | Err(CrmError::DuplicateContact { .. }) => {}
            Ok(()) if *name == "open_lead" || name.starts_with("log_activity") => {
                // Opening a lead or logging an activity twice makes a second one: a new record,
                // not a lost update.
            }
            Ok(()) if *name == "create_contact (reuse)" => {
                // Reusing finds the contact the lost commit created: no second contact.
            }
            other => panic!("{name}: a retry after a lost reply must conflict, got {other:?}"),
        }
        if *name != "open_lead" && !name.starts_with("log_activity") {
            assert_eq!(
                snapshot(store.inner()).unwrap(),
                after,
                "{name}: the retry changed nothing"
            );
        }
        consistent(&store);
    }
}

#[test]
fn faulty_store_counts_calls_and_fails_only_where_told() {
    let store = FaultyStore::new(MemoryStore::new());
    let id = RecordId::Contact(ContactId::from_uuid(uuid::Uuid::nil()));
    assert!(store.load(id).unwrap().is_none());
    store.inject(3, Fault::Fail);
    assert!(store.load(id).is_ok());
    let err = store.load(id).unwrap_err();
    assert_eq!(err.to_string(), "injected failure in call 3");
    assert!(store.load(id).is_ok());
    assert_eq!(store.calls(), 4);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random legal walks through the facade on `MemoryStore`, under arbitrary clock readings
    /// (steps back, equal instants, far past and future): every record reads back from the
    /// store, and through JSON.
    #[test]
    fn clock_readings_never_make_a_record_unreadable(
        readings in proptest::collection::vec(prospect::strategies::clock_reading(), 1..24),
        choices in proptest::collection::vec(any::<u8>(), 1..160),
    ) {
        let store = MemoryStore::new();
        let walked = prospect::testkit::walk_under_clock(&store, readings, &choices);
        for record in walked.records.values() {
            let text = serde_json::to_string(record.value()).unwrap();
            let back: Record = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            prop_assert_eq!(&back, record.value());
        }
    }
}

/// `Query::matches` honours every filter: for queries on each filter (state, owner, unowned,
/// contact, organization, the record activities are about, creation and expected-close
/// periods), the records it accepts are exactly those `MemoryStore` lists through its indexes.
#[test]
fn query_matches_agrees_with_the_listing_for_every_filter() {
    use prospect::record::{RecordKind, RecordState};
    use prospect::state::LeadStatus;
    use prospect::store::{Query, Store};
    let store = MemoryStore::new();
    let sample = Sample::new(150);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = crm
        .create_organization(
            OrganizationDetails::new("Acme".parse().unwrap()),
            OnDuplicate::Refuse,
            me,
        )
        .unwrap()
        .into_organization();
    let mut contacts = Vec::new();
    for n in 0..4 {
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .unwrap()
            .into_contact();
        let contact = if n % 2 == 0 {
            crm.link_contact(contact, &acme, me).unwrap()
        } else {
            contact
        };
        let lead = crm.open_lead(&contact, sample.interest(), me).unwrap();
        if n > 0 {
            let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
            if n > 1 {
                crm.qualify(lead, sample.qualification(), me).unwrap();
            }
        }
        contacts.push(contact);
    }
    let mut unowned = sample.contact_details();
    unowned.owner = None;
    let unowned = crm
        .create_contact(unowned, OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    crm.log_activity_on_contact(
        &unowned,
        ActivityDetails::new(ActivityKind::Call, sample.summary("call")),
        me,
    )
    .unwrap();
    let mut batch = prospect::store::Batch::new();
    for record in sample.every_state() {
        batch.create(record).unwrap();
    }
    store.commit(batch).unwrap();
    let all = snapshot(&store).unwrap();
    let first = all.values().next().unwrap().created_at();
    let day = sample.today();
    let queries = [
        Query::in_state(RecordState::Lead(LeadStatus::Working)),
        Query::in_any_state(RecordKind::Lead, []),
        Query::open(RecordKind::Opportunity),
        Query::of_kind(RecordKind::Lead).owned_by("ben".parse().unwrap()),
        Query::of_kind(RecordKind::Contact).owned_by("ana".parse().unwrap()),
        Query::of_kind(RecordKind::Contact).unowned(),
        Query::of_kind(RecordKind::Lead).of_contact(contacts[2].id()),
        Query::of_kind(RecordKind::Contact).of_organization(acme.id()),
        Query::activities_about(unowned.id()),
        Query::of_kind(RecordKind::Lead)
            .created_between(first, first + chrono::TimeDelta::seconds(1)),
        Query::of_kind(RecordKind::Opportunity)
            .closing_between(day, day + chrono::TimeDelta::days(400)),
    ];
    for query in queries {
        let mut listed: Vec<RecordId> = Vec::new();
        let mut after = None;
        loop {
            let page = store.list(&query, after, 2).unwrap();
            listed.extend(page.records.iter().map(|r| r.id()));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let matched: Vec<RecordId> = all
            .values()
            .filter(|r| query.matches(r))
            .map(|r| r.id())
            .collect();
        assert!(
            !matched.is_empty() || query.states() == Some(&[]),
            "{query:?}: a query that matches nothing proves nothing"
        );
        assert_eq!(listed, matched, "{query:?}");
    }
}
