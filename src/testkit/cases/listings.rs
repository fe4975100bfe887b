//! Listings and scans: filters, id order, complete pagination (bounded, so that a broken cursor fails a case instead of hanging it), page limits.

use super::*;

/// A query by owner returns only that owner's records: never an unowned one, never another
/// owner's.
pub fn owner_filter_excludes_unowned_and_other_owners<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(30);
    let ana = crate::text::User::new("ana").expect("valid");
    let mut anas = BTreeSet::new();
    for i in 0..9 {
        let details = sample.contact_details();
        let details = match i % 3 {
            0 => details.with_owner(ana.clone()),
            1 => details.with_owner(crate::text::User::new("ben").expect("valid")),
            _ => crate::contact::ContactDetails {
                owner: None,
                ..details
            },
        };
        let id = create(
            &store,
            crate::contact::Contact::create(details, &sample.ctx()),
        );
        if i % 3 == 0 {
            anas.insert(id);
        }
    }
    let query = Query::of_kind(RecordKind::Contact).owned_by(ana);
    let seen: BTreeSet<RecordId> = page_through(&store, &query, 2, &mut || {})
        .into_iter()
        .collect();
    assert_eq!(
        seen, anas,
        "expected only ana's contacts, found others (unowned or another owner's)"
    );
}

#[track_caller]
fn ids_of<S: Store>(store: &S, query: &Query) -> BTreeSet<RecordId> {
    let page = store.list(query, None, MAX_PAGE).must();
    assert!(page.next.is_none(), "a small listing fits in one page");
    page.records.iter().map(|r| r.id()).collect()
}

/// A record as created by a listing case: its id, state and owner.
type Listed = (RecordId, RecordState, Option<String>);

/// Stores `n` contacts, each with a lead left new, worked or disqualified in turn; returns how
/// each contact and lead should be listed.
#[track_caller]
fn store_leads_in_three_states<S: Store>(store: &S, sample: &Sample, n: usize) -> Vec<Listed> {
    let ctx = sample.ctx();
    let mut listed = Vec::new();
    for i in 0..n {
        let contact = sample.contact();
        let owner = contact.owner().map(|o| o.as_str().to_string());
        create(store, contact.clone());
        listed.push((
            RecordId::Contact(contact.id()),
            RecordState::Contact,
            owner.clone(),
        ));
        let lead = Lead::open(&contact, sample.interest(), &ctx);
        let lead: AnyLead = match i % 3 {
            0 => lead.into(),
            1 => lead.log_touch(sample.touch(), &ctx).into(),
            _ => lead.disqualify(sample.disqualification(), &ctx).into(),
        };
        listed.push((
            RecordId::Lead(lead.id()),
            RecordState::Lead(lead.status()),
            owner,
        ));
        create(store, lead);
    }
    listed
}

/// Listing selects by kind, by state, by owner, and by state and owner together.
pub fn list_filters_by_kind_state_and_owner<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(13);
    let expected = store_leads_in_three_states(&store, &sample, 8);
    let select = |f: &dyn Fn(&Listed) -> bool| -> BTreeSet<RecordId> {
        expected.iter().filter(|e| f(e)).map(|e| e.0).collect()
    };
    let ana = crate::text::User::new("ana").expect("valid");
    let working = RecordState::Lead(LeadStatus::Working);
    assert_eq!(
        ids_of(&store, &Query::of_kind(RecordKind::Lead)),
        select(&|e| e.0.kind() == RecordKind::Lead),
        "list_filters_by_kind_state_and_owner: expected `ids_of(&store, &Query::of_kind(RecordKind::Lead))` to equal `select(&|e| e.0.kind() == RecordKind::Lead)`"
    );
    assert_eq!(
        ids_of(&store, &Query::of_kind(RecordKind::Contact)),
        select(&|e| e.1 == RecordState::Contact),
        "list_filters_by_kind_state_and_owner: expected `ids_of(&store, &Query::of_kind(RecordKind::Contact))` to equal `select(&|e| e.1 == RecordState::Contact)`"
    );
    assert_eq!(
        ids_of(&store, &Query::in_state(working)),
        select(&|e| e.1 == working),
        "list_filters_by_kind_state_and_owner: expected `ids_of(&store, &Query::in_state(working))` to equal `select(&|e| e.1 == working)`"
    );
    assert_eq!(
        ids_of(
            &store,
            &Query::of_kind(RecordKind::Lead).owned_by(ana.clone())
        ),
        select(&|e| e.0.kind() == RecordKind::Lead && e.2.as_deref() == Some("ana")),
        "list_filters_by_kind_state_and_owner: expected `ids_of( &store, &Query::of_kind(RecordKind::Lead).owned_by(ana.clone()) )` to equal `select(&|e| e.0.kind() == RecordKind::Lead && e.2.as_deref() == Some(\"ana\"))`"
    );
    assert_eq!(
        ids_of(&store, &Query::in_state(working).owned_by(ana.clone())),
        select(&|e| e.1 == working && e.2.as_deref() == Some("ana")),
        "list_filters_by_kind_state_and_owner: expected `ids_of(&store, &Query::in_state(working).owned_by(ana.clone()))` to equal `select(&|e| e.1 == working && e.2.as_deref() == Some(\"ana\"))`"
    );
    assert!(
        ids_of(&store, &Query::of_kind(RecordKind::Account)).is_empty(),
        "expected `ids_of(&store, &Query::of_kind(RecordKind::Account)).is_empty()`, found it false"
    );
    assert!(
        ids_of(
            &store,
            &Query::in_state(RecordState::Opportunity(OpportunityStage::Won))
        )
        .is_empty(),
        "list_filters_by_kind_state_and_owner: expected `ids_of( &store, &Query::in_state(RecordState::Opportunity(OpportunityStage::Won)) ) .is_empty()`"
    );
    let nobody = crate::text::User::new("nobody").expect("valid");
    assert!(
        ids_of(&store, &Query::of_kind(RecordKind::Lead).owned_by(nobody)).is_empty(),
        "expected `ids_of(&store, &Query::of_kind(RecordKind::Lead).owned_by(nobody)).is_empty()`, found it false"
    );
}

/// After an update, a record is listed under its new state and no longer under its old one.
pub fn list_follows_state_changes<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(14);
    let lead = new_lead(&store, &sample);
    let id = RecordId::Lead(lead.id());
    let new_state = Query::in_state(RecordState::Lead(LeadStatus::New));
    let working = Query::in_state(RecordState::Lead(LeadStatus::Working));
    assert!(
        ids_of(&store, &new_state).contains(&id),
        "expected `ids_of(&store, &new_state).contains(&id)`, found it false"
    );
    let mut batch = Batch::new();
    batch
        .update(
            lead.log_touch(sample.touch(), &sample.ctx()),
            Version::FIRST,
        )
        .expect("one write");
    commit(&store, batch);
    assert!(
        !ids_of(&store, &new_state).contains(&id),
        "expected `!ids_of(&store, &new_state).contains(&id)`, found it false"
    );
    assert!(
        ids_of(&store, &working).contains(&id),
        "expected `ids_of(&store, &working).contains(&id)`, found it false"
    );
}

/// Paging returns every record once, in ascending id order, and says when it is done.
pub fn pagination_is_complete_and_ordered<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(15);
    let mut ids: Vec<RecordId> = (0..10).map(|_| create(&store, sample.contact())).collect();
    ids.sort();
    for limit in [1, 3, 10, 11] {
        let seen = page_through(
            &store,
            &Query::of_kind(RecordKind::Contact),
            limit,
            &mut || {},
        );
        assert_eq!(seen, ids, "page size {limit}");
    }
    let exact = store
        .list(&Query::of_kind(RecordKind::Contact), None, 10)
        .must();
    assert_eq!(
        exact.records.len(),
        10,
        "pagination_is_complete_and_ordered: expected `exact.records.len()` to equal `10`"
    );
    assert!(exact.next.is_none(), "no next page when nothing follows");
}

/// Paging through a kind whose records are in several states, or through one owner's records,
/// returns each once, in ascending id order, whatever the page size.
pub fn pagination_across_states_is_complete_and_ordered<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(17);
    let mut leads = store_leads_in_three_states(&store, &sample, 12);
    leads.retain(|(id, _, _)| id.kind() == RecordKind::Lead);
    leads.sort();
    let all: Vec<RecordId> = leads.iter().map(|(id, _, _)| *id).collect();
    let ana = crate::text::User::new("ana").expect("valid");
    let anas: Vec<RecordId> = leads
        .iter()
        .filter(|(_, _, owner)| owner.as_deref() == Some("ana"))
        .map(|(id, _, _)| *id)
        .collect();
    assert!(anas.len() > 1, "the sample gives ana several leads");
    for limit in [1, 2, 5, 12, 13] {
        let seen = page_through(&store, &Query::of_kind(RecordKind::Lead), limit, &mut || {});
        assert_eq!(seen, all, "leads in three states, page size {limit}");
        let query = Query::of_kind(RecordKind::Lead).owned_by(ana.clone());
        let seen = page_through(&store, &query, limit, &mut || {});
        assert_eq!(seen, anas, "ana's leads, page size {limit}");
    }
}

/// While one thread pages through contacts, another inserts contacts whose ids sort before and
/// after the cursor: every contact present when paging began is returned exactly once, and no
/// contact twice.
pub fn pagination_under_concurrent_inserts<S: Store + Sync>(new: impl Fn() -> S) {
    let store = new();
    let middle = Sample::new(1000);
    let present: BTreeSet<RecordId> = (0..40).map(|_| create(&store, middle.contact())).collect();
    let (earlier, later) = (Sample::new(1), Sample::new(5000));
    let seen = thread::scope(|s| {
        let inserter = s.spawn(|| {
            for i in 0..40 {
                let sample = if i % 2 == 0 { &earlier } else { &later };
                create(&store, sample.contact());
                thread::yield_now();
            }
        });
        let mut n = 0;
        let seen = page_through(&store, &Query::of_kind(RecordKind::Contact), 3, &mut || {
            // Also insert between pages, deterministically.
            n += 1;
            if n % 4 == 0 {
                create(&store, earlier.contact());
                create(&store, later.contact());
            }
        });
        inserter.join().expect("no panic");
        seen
    });
    let unique: BTreeSet<RecordId> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no record is returned twice");
    assert!(
        present.is_subset(&unique),
        "every record present when paging began is returned"
    );
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ascending order");
}

/// Page limits are kept within 1..=MAX_PAGE.
pub fn page_limits_are_clamped<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(16);
    for _ in 0..3 {
        create(&store, sample.contact());
    }
    let query = Query::of_kind(RecordKind::Contact);
    let zero = store.list(&query, None, 0).must();
    assert_eq!(zero.records.len(), 1, "a limit of 0 is read as 1");
    assert!(
        zero.next.is_some(),
        "expected `zero.next.is_some()`, found it false"
    );
    let huge = store.list(&query, None, usize::MAX).must();
    assert_eq!(
        huge.records.len(),
        3,
        "page_limits_are_clamped: expected `huge.records.len()` to equal `3`"
    );
}

/// A scan visits every record of a kind once; its count matches.
pub fn scan_counts_match<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(17);
    let n = crate::store::SCAN_PAGE + 7;
    let mut batch = Batch::new();
    for _ in 0..n {
        batch.create(sample.contact()).expect("distinct");
    }
    commit(&store, batch);
    create(
        &store,
        Lead::open(&sample.contact(), sample.interest(), &sample.ctx()),
    );
    let mut ids = HashSet::new();
    let count = complete(
        store
            .scan(RecordKind::Contact, &mut |r| {
                assert_eq!(
                    r.kind(),
                    RecordKind::Contact,
                    "scan_counts_match: expected `r.kind()` to equal `RecordKind::Contact`"
                );
                ids.insert(r.id());
            })
            .must(),
    );
    assert_eq!(
        (count, ids.len()),
        (n as u64, n),
        "scan_counts_match: expected `(count, ids.len())` to equal `(n as u64, n)`"
    );
    assert_eq!(
        complete(store.scan(RecordKind::Lead, &mut |_| {}).must()),
        1,
        "scan_counts_match: expected `complete(store.scan(RecordKind::Lead, &mut |_| {{}}).must())` to equal `1`"
    );
    assert_eq!(
        complete(store.scan(RecordKind::Account, &mut |_| {}).must()),
        0,
        "scan_counts_match: expected `complete(store.scan(RecordKind::Account, &mut |_| {{}}).must())` to equal `0`"
    );
}

/// The activities about a record are listed in id order (the order they were logged), a page
/// at a time, and only those: not the activities about the record's contact or another record,
/// nor records of other kinds.
pub fn activities_are_listed_per_record_in_order<S: Store>(new: impl Fn() -> S) {
    use crate::activity::{ActivityDetails, ActivityKind};
    let store = new();
    let sample = Sample::new(31);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let other = crm.open_lead(&contact, sample.interest(), me).must();
    let call =
        |n: usize| ActivityDetails::new(ActivityKind::Call, sample.summary(&format!("call {n}")));
    let mut about_lead = Vec::new();
    for n in 0..7 {
        sample.tick();
        let activity = crm.log_activity_on_lead(&lead, call(n), me).must();
        about_lead.push(RecordId::from(activity.id()));
        crm.log_activity_on_lead(&other, call(n), me).must();
        crm.log_activity_on_contact(&contact, call(n), me).must();
    }
    about_lead.sort();
    for limit in [1, 2, 3, 7, 100] {
        let seen = page_through(
            &store,
            &Query::activities_about(lead.id()),
            limit,
            &mut || {},
        );
        assert_eq!(
            seen, about_lead,
            "expected exactly the lead's activities, in id order, with pages of {limit}"
        );
    }
    let about_contact = page_through(
        &store,
        &Query::activities_about(contact.id()),
        4,
        &mut || {},
    );
    assert_eq!(
        about_contact.len(),
        7,
        "expected the contact's own activities only"
    );
    let nothing = page_through(
        &store,
        &Query::activities_about(RecordId::Account(crate::id::AccountId::from_uuid(
            uuid::Uuid::nil(),
        ))),
        4,
        &mut || {},
    );
    assert!(
        nothing.is_empty(),
        "expected no activity about an unknown record"
    );
}

/// A contact's records of each kind are listed by contact ([`Query::of_contact`]), in id
/// order, a page at a time, and only those: its leads, opportunities, the account of which it
/// is the primary contact, the activities and tasks about it or its records; never another
/// contact's, nor the contact itself.
pub fn records_are_listed_by_contact<S: Store>(new: impl Fn() -> S) {
    use crate::activity::{ActivityDetails, ActivityKind};
    use crate::task::{Due, TaskDetails};
    let store = new();
    let sample = Sample::new(36);
    let crm = sample.crm(&store);
    let me = sample.actor();
    // Each of two contacts: two leads (one qualified and won), an account, an activity and a
    // task about the contact and about its open lead.
    let mut expected: Vec<Vec<(RecordKind, RecordId)>> = Vec::new();
    let mut contacts = Vec::new();
    for _ in 0..2 {
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .must()
            .into_contact();
        let mut mine = Vec::new();
        let mut note = |kind, id: RecordId| mine.push((kind, id));
        let open = crm.open_lead(&contact, sample.interest(), me).must();
        note(RecordKind::Lead, open.id().into());
        let lead = crm.open_lead(&contact, sample.interest(), me).must();
        note(RecordKind::Lead, lead.id().into());
        let lead = crm.log_touch(lead, sample.touch(), me).must();
        let won = crm
            .qualify(lead, sample.qualification(), me)
            .must()
            .opportunity;
        note(RecordKind::Opportunity, won.id().into());
        let won = crm.propose(won, sample.proposal(), me).must();
        let won = crm.negotiate(won, sample.note("price"), me).must();
        let won = crm
            .enter_contracting(won, sample.terms(), sample.incumbent(), me)
            .must();
        let WonAccount { account, .. } = crm.win(won, sample.contract(10_000), me).must();
        note(RecordKind::Account, account.id().into());
        let call = || ActivityDetails::new(ActivityKind::Call, sample.summary("call"));
        let activity = crm.log_activity_on_contact(&contact, call(), me).must();
        note(RecordKind::Activity, activity.id().into());
        let activity = crm.log_activity_on_lead(&open, call(), me).must();
        note(RecordKind::Activity, activity.id().into());
        let todo = || TaskDetails::new(sample.summary("todo"), me.clone(), Due::On(sample.today()));
        let task = crm.add_task_on_contact(&contact, todo(), me).must();
        note(RecordKind::Task, task.id().into());
        let task = crm.add_task_on_lead(&open, todo(), me).must();
        note(RecordKind::Task, task.id().into());
        expected.push(mine);
        contacts.push(contact.id());
    }
    for (contact, mine) in contacts.iter().zip(&expected) {
        for kind in RecordKind::ALL {
            let mut want: Vec<RecordId> = mine
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| *id)
                .collect();
            want.sort();
            for limit in [1, 2, 100] {
                let query = Query::of_kind(kind).of_contact(*contact);
                let seen = page_through(&store, &query, limit, &mut || {});
                assert_eq!(
                    seen, want,
                    "expected the {kind} records of contact {contact} (pages of {limit}), in id order"
                );
            }
        }
    }
    let nobody = crate::id::ContactId::from_uuid(uuid::Uuid::from_u128(7));
    let query = Query::of_kind(RecordKind::Lead).of_contact(nobody);
    assert!(
        page_through(&store, &query, 10, &mut || {}).is_empty(),
        "expected no record of a contact that has none"
    );
}

/// Listing selects by several states at once (and the named open set), and the records nobody
/// owns, a page at a time in id order: leads new, worked, nurtured and disqualified, a third of
/// them without an owner.
pub fn list_filters_by_several_states_and_unowned<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(37);
    let ctx = sample.ctx();
    let mut expected: Vec<Listed> = Vec::new();
    for i in 0..12 {
        let mut details = sample.contact_details();
        if i % 3 == 0 {
            details.owner = None;
        }
        let contact = crate::contact::Contact::create(details, &ctx);
        let owner = contact.owner().map(|o| o.as_str().to_string());
        create(&store, contact.clone());
        expected.push((
            RecordId::Contact(contact.id()),
            RecordState::Contact,
            owner.clone(),
        ));
        let lead = Lead::open(&contact, sample.interest(), &ctx);
        let lead: AnyLead = match i % 4 {
            0 => lead.into(),
            1 => lead.log_touch(sample.touch(), &ctx).into(),
            2 => lead
                .log_touch(sample.touch(), &ctx)
                .nurture(sample.note("later"), &ctx)
                .into(),
            _ => lead.disqualify(sample.disqualification(), &ctx).into(),
        };
        expected.push((
            RecordId::Lead(lead.id()),
            RecordState::Lead(lead.status()),
            owner,
        ));
        create(&store, lead);
    }
    let select = |f: &dyn Fn(&Listed) -> bool| -> Vec<RecordId> {
        let mut ids: Vec<RecordId> = expected.iter().filter(|e| f(e)).map(|e| e.0).collect();
        ids.sort();
        ids
    };
    let is_lead = |e: &Listed| e.0.kind() == RecordKind::Lead;
    let open = |e: &Listed| matches!(e.1, RecordState::Lead(s) if s.is_open());
    let worked = [LeadStatus::Working, LeadStatus::Nurturing].map(RecordState::Lead);
    let cases: Vec<(&str, Query, Vec<RecordId>)> = vec![
        (
            "open leads",
            Query::open(RecordKind::Lead),
            select(&|e| is_lead(e) && open(e)),
        ),
        (
            "leads working or nurturing",
            Query::in_any_state(RecordKind::Lead, worked),
            select(&|e| worked.contains(&e.1)),
        ),
        (
            "leads in a state of another kind",
            Query::in_any_state(
                RecordKind::Lead,
                [RecordState::Opportunity(OpportunityStage::Won)],
            ),
            Vec::new(),
        ),
        (
            "unowned leads",
            Query::of_kind(RecordKind::Lead).unowned(),
            select(&|e| is_lead(e) && e.2.is_none()),
        ),
        (
            "unowned contacts",
            Query::of_kind(RecordKind::Contact).unowned(),
            select(&|e| e.1 == RecordState::Contact && e.2.is_none()),
        ),
        (
            "open unowned leads",
            Query::open(RecordKind::Lead).unowned(),
            select(&|e| is_lead(e) && open(e) && e.2.is_none()),
        ),
        (
            "open leads of ana",
            Query::open(RecordKind::Lead).owned_by(crate::text::User::new("ana").must()),
            select(&|e| is_lead(e) && open(e) && e.2.as_deref() == Some("ana")),
        ),
    ];
    for (what, query, want) in cases {
        assert!(
            !want.is_empty() || what.contains("another kind"),
            "{what}: the case has records"
        );
        for limit in [1, 2, 100] {
            let seen = page_through(&store, &query, limit, &mut || {});
            assert_eq!(
                seen, want,
                "expected the {what} (pages of {limit}), in id order"
            );
        }
    }
}

/// Listing selects records created in a period (from its start, included, to its end,
/// excluded, to the nanosecond) and opportunities expected to close in one (both days
/// included), a page at a time in id order; a revised expected close moves the opportunity
/// between periods; a period that ends before it starts selects nothing.
pub fn list_filters_by_creation_and_expected_close<S: Store>(new: impl Fn() -> S) {
    use crate::opportunity::{Opportunity, Revision};
    use crate::state::Discovery;
    use chrono::{Days, TimeDelta};
    let store = new();
    let sample = Sample::new(38);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let start = crate::context::Clock::now(sample.clock());
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    // A lead an hour (and a nanosecond) apart, and an opportunity deciding in 10, 20, ... days.
    let mut leads = Vec::new();
    let mut opportunities: Vec<(crate::id::OpportunityId, chrono::NaiveDate)> = Vec::new();
    for i in 0..8u32 {
        sample
            .clock()
            .set(start + TimeDelta::hours(i64::from(i)) + TimeDelta::nanoseconds(i64::from(i)));
        let lead = crm.open_lead(&contact, sample.interest(), me).must();
        leads.push((RecordId::from(lead.id()), lead.created_at()));
        let lead = crm.log_touch(lead, sample.touch(), me).must();
        let days = 10 * u64::from(i + 1);
        let qualified = crm
            .qualify(lead, sample.qualification_deciding_in(days), me)
            .must();
        let o = qualified.opportunity;
        opportunities.push((o.id(), o.expected_close()));
    }
    let created = |from, until| -> Vec<RecordId> {
        let mut ids: Vec<RecordId> = leads
            .iter()
            .filter(|(_, at)| (from..until).contains(at))
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids
    };
    let (second, sixth) = (leads[2].1, leads[6].1);
    for (from, until) in [
        (second, sixth),
        (
            second + TimeDelta::nanoseconds(1),
            sixth + TimeDelta::nanoseconds(1),
        ),
        (start - TimeDelta::days(1), start + TimeDelta::days(1)),
        (sixth, second),
    ] {
        let want = created(from, until);
        assert!(!want.is_empty() || from > until, "the case has records");
        for limit in [1, 3, 100] {
            let query = Query::of_kind(RecordKind::Lead).created_between(from, until);
            let seen = page_through(&store, &query, limit, &mut || {});
            assert_eq!(
                seen, want,
                "expected the leads created from {from} until {until} (pages of {limit})"
            );
        }
    }
    let closing = |opportunities: &[(crate::id::OpportunityId, chrono::NaiveDate)], first, last| {
        let mut ids: Vec<RecordId> = opportunities
            .iter()
            .filter(|(_, d)| (first..=last).contains(d))
            .map(|(id, _)| RecordId::from(*id))
            .collect();
        ids.sort();
        ids
    };
    let (first, last) = (opportunities[1].1, opportunities[4].1);
    let query = Query::of_kind(RecordKind::Opportunity).closing_between(first, last);
    assert_eq!(
        page_through(&store, &query, 2, &mut || {}),
        closing(&opportunities, first, last),
        "expected the opportunities closing from {first} to {last}, both included"
    );
    // The last one slips into the period.
    let o = crm
        .load::<Opportunity<Discovery>>(opportunities[7].0, &crate::testkit::reader())
        .must();
    let day = first + Days::new(1);
    crm.revise_opportunity(o, Revision::new().expected_close(day), me)
        .must();
    opportunities[7].1 = day;
    assert_eq!(
        page_through(&store, &query, 2, &mut || {}),
        closing(&opportunities, first, last),
        "expected a revised expected close to move the opportunity into the period"
    );
    let leads_closing = Query::of_kind(RecordKind::Lead).closing_between(first, last);
    assert!(
        page_through(&store, &leads_closing, 2, &mut || {}).is_empty(),
        "list_filters_by_creation_and_expected_close: expected `page_through(&store, &leads_closing, 2, &mut || {{}}).is_empty()`"
    );
    let backwards = Query::of_kind(RecordKind::Opportunity).closing_between(last, first);
    assert!(
        page_through(&store, &backwards, 2, &mut || {}).is_empty(),
        "list_filters_by_creation_and_expected_close: expected `page_through(&store, &backwards, 2, &mut || {{}}).is_empty()`"
    );
}
