//! The lifecycle through the facades, sync and async.

use super::*;

/// A whole lifecycle through the facade, with repeat business, leaves a consistent store whose
/// records load back as the facade returned them.
pub fn lifecycle_through_the_facade<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(18);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let mut account = None;
    for round in 0..3 {
        let lead = crm.open_lead(&contact, sample.interest(), me).must();
        let lead = crm.log_touch(lead, sample.touch(), me).must();
        let lead = crm.nurture(lead, sample.note("later"), me).must();
        let lead = crm.disqualify(lead, sample.disqualification(), me).must();
        let lead = crm.recycle(lead, sample.note("again"), me).must();
        let Qualified { lead, opportunity } = crm.qualify(lead, sample.qualification(), me).must();
        assert_eq!(
            crm.load::<Lead<crate::state::Converted>>(lead.id(), &crate::testkit::reader())
                .must(),
            lead,
            "lifecycle_through_the_facade: expected `crm.load::<Lead<crate::state::Converted>>(lead.id(), &crate::testkit::reader()) .must()` to equal `lead`"
        );
        let opportunity = crm.propose(opportunity, sample.proposal(), me).must();
        let opportunity = crm.lose(opportunity, sample.loss(), me).must();
        let opportunity = crm.reopen(opportunity, sample.note("back"), me).must();
        let opportunity = crm.propose(opportunity, sample.proposal(), me).must();
        let opportunity = crm.negotiate(opportunity, sample.note("price"), me).must();
        let opportunity = crm
            .enter_contracting(opportunity, sample.terms(), sample.incumbent(), me)
            .must();
        let WonAccount {
            opportunity: won,
            account: updated,
        } = match account.take() {
            None => crm
                .win(opportunity, sample.contract(1000 + round), me)
                .must(),
            Some(existing) => crm
                .win_for(opportunity, existing, sample.contract(1000 + round), me)
                .must(),
        };
        assert_eq!(
            crm.load::<crate::opportunity::Opportunity<crate::state::Won>>(
                won.id(),
                &crate::testkit::reader()
            )
            .must(),
            won,
            "lifecycle_through_the_facade: expected `crm.load::<crate::opportunity::Opportunity<crate::state::Won>>( won.id(), &crate::testkit::reader() ) .must()` to equal `won`"
        );
        assert_eq!(
            crm.load::<crate::account::Account>(updated.id(), &crate::testkit::reader())
                .must(),
            updated,
            "lifecycle_through_the_facade: expected `crm.load::<crate::account::Account>(updated.id(), &crate::testkit::reader()) .must()` to equal `updated`"
        );
        assert_eq!(
            updated.version().get(),
            round as u64 + 1,
            "lifecycle_through_the_facade: expected `updated.version().get()` to equal `round as u64 + 1`"
        );
        account = Some(updated);
    }
    let account = account.expect("won three times");
    assert_eq!(
        account.wins().len(),
        3,
        "lifecycle_through_the_facade: expected `account.wins().len()` to equal `3`"
    );
    assert_eq!(
        account.won_value().get(crate::money::Currency::EUR),
        Some(sample.eur(3003)),
        "lifecycle_through_the_facade: expected `account.won_value().get(crate::money::Currency::EUR)` to equal `Some(sample.eur(3003))`"
    );
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
    match crm.load::<Lead<New>>(RecordId::Contact(contact.id()), &crate::testkit::reader()) {
        Err(CrmError::WrongState {
            found: RecordState::Contact,
            ..
        }) => {}
        other => panic!("expected a wrong-state error, got {other:?}"),
    }
}

/// A facade step on a stale value is a conflict and leaves the store unchanged.
pub fn facade_conflict_leaves_the_store_unchanged<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(19);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let stale = crm
        .load::<Lead<New>>(lead.id(), &crate::testkit::reader())
        .must();
    crm.disqualify(lead, sample.disqualification(), me).must();
    let before = snapshot(&store).must();
    match crm.log_touch(stale, sample.touch(), me) {
        Err(e) if e.is_conflict() => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        snapshot(&store).must(),
        before,
        "facade_conflict_leaves_the_store_unchanged: expected `snapshot(&store).must()` to equal `before`"
    );
}

/// The async scan (the trait's default or the adapter's own) visits every record of a kind.
pub fn async_scan_counts_match<S: AsyncStore>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(20);
    let n = crate::store::SCAN_PAGE + 3;
    block_on(async {
        let mut batch = Batch::new();
        for _ in 0..n {
            batch.create(sample.contact()).expect("distinct");
        }
        if let Err(e) = store.commit(batch).await {
            panic!("{e}");
        }
        let mut seen = HashSet::new();
        let count = complete(
            store
                .scan(RecordKind::Contact, &mut |r| {
                    seen.insert(r.id());
                })
                .await
                .must(),
        );
        assert_eq!(
            (count, seen.len()),
            (n as u64, n),
            "async_scan_counts_match: expected `(count, seen.len())` to equal `(n as u64, n)`"
        );
    });
}

/// A lifecycle through the async facade.
pub fn async_lifecycle_through_the_facade<S: AsyncStore>(new: impl Fn() -> S) {
    let sample = Sample::new(21);
    let crm = sample.async_crm(new());
    let me = sample.actor();
    block_on(async {
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Reuse, me)
            .await
            .must()
            .into_contact();
        let again = crm
            .create_contact(
                sample
                    .contact_details()
                    .with_email(contact.email().expect("has one").clone()),
                OnDuplicate::Reuse,
                me,
            )
            .await
            .must();
        assert!(!again.is_created(), "the existing contact is reused");
        let lead = crm.open_lead(&contact, sample.interest(), me).await.must();
        let lead = crm.log_touch(lead, sample.touch(), me).await.must();
        let Qualified { opportunity, .. } =
            crm.qualify(lead, sample.qualification(), me).await.must();
        let opportunity = crm.propose(opportunity, sample.proposal(), me).await.must();
        let opportunity = crm
            .negotiate(opportunity, sample.note("price"), me)
            .await
            .must();
        let opportunity = crm
            .enter_contracting(opportunity, sample.terms(), sample.incumbent(), me)
            .await
            .must();
        let WonAccount {
            opportunity: won,
            account,
        } = crm.win(opportunity, sample.contract(500), me).await.must();
        assert_eq!(
            account.opportunities().collect::<Vec<_>>(),
            [won.id()],
            "async_lifecycle_through_the_facade: expected `account.opportunities().collect::<Vec<_>>()` to equal `[won.id()]`"
        );
        let loaded = crm
            .load::<crate::account::Account>(account.id(), &crate::testkit::reader())
            .await
            .must();
        assert_eq!(
            loaded, account,
            "async_lifecycle_through_the_facade: expected `loaded` to equal `account`"
        );
    });
    if let Err(problems) = check_consistency(&crate::testkit::Blocking(crm.into_store())) {
        panic!("{problems:?}");
    }
}

/// The futures of the store and of the async facade are `Send` (checked at compile time).
pub fn async_futures_are_send<S: AsyncStore>(new: impl Fn() -> S) {
    fn send<T: Send>(_: &T) {}
    let sample = Sample::new(22);
    let crm = sample.async_crm(new());
    let lead = Lead::open(&sample.contact(), sample.interest(), &sample.ctx());
    let id = RecordId::Lead(lead.id());
    send(&crm.store().load(id));
    send(&crm.store().list(&Query::of_kind(RecordKind::Lead), None, 1));
    send(&crm.create_contact(
        sample.contact_details(),
        OnDuplicate::Refuse,
        sample.actor(),
    ));
    send(&crm.log_touch(
        Versioned::new(lead, Version::FIRST),
        sample.touch(),
        sample.actor(),
    ));
}

/// Activities about a contact, a lead and an opportunity are stored as records of their own:
/// they load back as logged, list under their kind in id order, and are erased with their
/// contact (their text gone, the rest kept).
pub fn activities_are_stored_and_erased_with_their_contact<S: Store>(new: impl Fn() -> S) {
    use crate::activity::{Activity, ActivityDetails, ActivityKind};
    let store = new();
    let sample = Sample::new(23);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let details = |what: &str| {
        ActivityDetails::new(ActivityKind::Meeting, sample.summary(what))
            .with_outcome(sample.note("a quote"))
    };
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let on_lead = crm.log_activity_on_lead(&lead, details("demo"), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let opportunity = crm
        .qualify(lead, sample.qualification(), me)
        .must()
        .opportunity;
    let logged = [
        crm.log_activity_on_contact(&contact, details("intro"), me)
            .must(),
        on_lead,
        crm.log_activity(opportunity.id(), details("pricing"), me)
            .must(),
    ];
    for activity in &logged {
        assert_eq!(
            &crm.load::<Activity>(activity.id(), &crate::testkit::reader())
                .must(),
            activity,
            "expected the activity to load back as logged"
        );
    }
    let mut listed: Vec<RecordId> = Vec::new();
    let scanned = store
        .scan(RecordKind::Activity, &mut |r| listed.push(r.id()))
        .must();
    assert!(
        scanned.is_complete(),
        "expected every activity to be readable"
    );
    let mut expected: Vec<RecordId> = logged.iter().map(|a| a.id().into()).collect();
    expected.sort();
    assert_eq!(listed, expected, "expected the activities, in id order");
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
    let erased = crm.erase_contact(contact, me).must();
    assert_eq!(
        erased.activities.len(),
        3,
        "expected its three activities erased"
    );
    for activity in &logged {
        let stored = crm
            .load::<Activity>(activity.id(), &crate::testkit::reader())
            .must();
        assert!(stored.is_erased(), "expected the activity marked erased");
        assert_ne!(
            stored.summary(),
            activity.summary(),
            "expected its summary erased"
        );
        assert_eq!(
            stored.outcome().map(|o| o.as_str()),
            Some(crate::text::ERASED_TEXT),
            "activities_are_stored_and_erased_with_their_contact: expected `stored.outcome().map(|o| o.as_str())` to equal `Some(crate::text::ERASED_TEXT)`"
        );
        assert_eq!(
            (stored.kind(), stored.occurred_at(), stored.regarding()),
            (
                activity.kind(),
                activity.occurred_at(),
                activity.regarding()
            ),
            "expected what is not personal kept"
        );
    }
}

/// Tasks about a contact, a lead and an opportunity are stored as records of their own: they
/// load back, are listed per record in id order and by status, close once (a closed task is
/// listed under its new status), and are erased with their contact.
pub fn tasks_are_stored_closed_listed_and_erased<S: Store>(new: impl Fn() -> S) {
    use crate::store::Query;
    use crate::task::{Due, Task, TaskDetails, TaskStatus};
    let store = new();
    let sample = Sample::new(29);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let todo =
        |what: &str| TaskDetails::new(sample.summary(what), me.clone(), Due::On(sample.today()));
    let on_contact = crm
        .add_task_on_contact(&contact, todo("brochure"), me)
        .must();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let on_lead = crm.add_task_on_lead(&lead, todo("call back"), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let opportunity = crm
        .qualify(lead, sample.qualification(), me)
        .must()
        .opportunity;
    let first = crm
        .add_task_on_opportunity(&opportunity, todo("quote"), me)
        .must();
    let second = crm
        .add_task_on_opportunity(&opportunity, todo("demo"), me)
        .must();
    let first = crm.complete_task(first, me).must();
    assert_eq!(
        crm.load::<Task>(first.id(), &crate::testkit::reader())
            .must(),
        first,
        "expected the done task to load back as done"
    );
    let about = page_through(&store, &Query::tasks_about(opportunity.id()), 2, &mut || {});
    let mut expected = vec![RecordId::from(first.id()), RecordId::from(second.id())];
    expected.sort();
    assert_eq!(
        about, expected,
        "expected the opportunity's tasks, in id order"
    );
    assert_eq!(
        page_through(
            &store,
            &Query::open_tasks_about(opportunity.id()),
            2,
            &mut || {}
        ),
        vec![RecordId::from(second.id())],
        "expected the opportunity's open tasks only"
    );
    let open = page_through(
        &store,
        &Query::in_state(RecordState::Task(TaskStatus::Open)),
        2,
        &mut || {},
    );
    let mut expected = vec![
        RecordId::from(on_contact.id()),
        RecordId::from(on_lead.id()),
        RecordId::from(second.id()),
    ];
    expected.sort();
    assert_eq!(open, expected, "expected the open tasks only");
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
    let erased = crm.erase_contact(contact, me).must();
    assert_eq!(erased.tasks.len(), 4, "expected its four tasks erased");
    let stored = crm
        .load::<Task>(second.id(), &crate::testkit::reader())
        .must();
    assert!(stored.is_erased(), "expected the task marked erased");
    assert_eq!(
        stored.subject().as_str(),
        crate::text::ERASED_TEXT,
        "tasks_are_stored_closed_listed_and_erased: expected `stored.subject().as_str()` to equal `crate::text::ERASED_TEXT`"
    );
    assert_eq!(
        stored.status(),
        TaskStatus::Open,
        "expected its status kept"
    );
}
