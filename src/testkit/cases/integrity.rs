//! What the typed values promise end to end: erasure, clocks, stale copies, reopening.

use super::*;

/// Erasing a contact removes its personal data from it and from its leads and opportunities,
/// keeps their ids, states, amounts and history shapes and the funnel, and the contact is no
/// longer found by email. Another contact is untouched.
pub fn erase_removes_personal_data_and_keeps_the_funnel<S: Store>(new: impl Fn() -> S) {
    use crate::dates::HorizonPolicy;
    use crate::funnel::PipelineReport;
    use crate::phone::PhoneNumber;
    use crate::qualification::{Authority, Budget, Need, Qualification, Timeline};
    use crate::text::{PersonName, Requirement, Summary};

    let store = new();
    let sample = Sample::new(23);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let secret_email = "secret.person@example.com";
    let details = sample
        .contact_details()
        .with_email(sample.email(secret_email))
        .with_phone(PhoneNumber::new("+44 20 7946 0958").must());
    let contact = crm
        .create_contact(details, OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let other = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let lead = crm
        .nurture(lead, sample.note("Call her at home after six"), me)
        .must();
    let lead = crm.resume(lead, sample.touch(), me).must();
    let today = sample.today();
    let qualification = Qualification::builder()
        .need(
            Need::new(
                Summary::new("CRM").must(),
                vec![Requirement::new("40 seats").must()],
            )
            .must(),
        )
        .budget(Budget::new(sample.eur(20_000)).must())
        .timeline(
            Timeline::new(
                today + chrono::Days::new(30),
                today,
                &HorizonPolicy::default(),
            )
            .must(),
        )
        .authority(Authority::new(PersonName::new("Paul Secret").must()))
        .build();
    let Qualified { opportunity, .. } = crm.qualify(lead, qualification, me).must();
    let opportunity = crm.propose(opportunity, sample.proposal(), me).must();
    let opportunity = crm
        .negotiate(
            opportunity,
            sample.note("Her private number is on file"),
            me,
        )
        .must();
    let opportunity = crm
        .enter_contracting(opportunity, sample.terms(), sample.incumbent(), me)
        .must();
    let contract = crate::opportunity::SignedContract::new(
        crate::text::Reference::new("C-9").must(),
        sample.eur(19_000),
        today,
        PersonName::new("Paul Secret").must(),
    )
    .must();
    crm.win(opportunity, contract, me).must();
    let second = crm.open_lead(&contact, sample.interest(), me).must();
    let reason = crate::lead::DisqualifyReason::new(crate::lead::DisqualifyCategory::Duplicate)
        .with_detail(sample.note("Same person as Paul Secret's assistant"));
    crm.disqualify(second, reason, me).must();
    let other_lead = crm.open_lead(&other, sample.interest(), me).must();

    let report = PipelineReport::from_store(&store).must();
    let before = snapshot(&store).must();
    let erased = crm.erase_contact(contact.clone(), me).must();
    assert_eq!(
        (
            erased.leads.len(),
            erased.opportunities.len(),
            erased.accounts.len()
        ),
        (2, 1, 1),
        "(leads, opportunities, accounts) erased"
    );
    let after = snapshot(&store).must();

    assert_eq!(
        PipelineReport::from_store(&store).must(),
        report,
        "the funnel does not change"
    );
    assert!(
        store
            .find_contacts_by_email(&sample.email(secret_email))
            .must()
            .is_empty(),
        "erase_removes_personal_data_and_keeps_the_funnel: expected `store .find_contacts_by_email(&sample.email(secret_email)) .must() .is_empty()`"
    );
    let loaded = load(&store, RecordId::Contact(contact.id())).expect("still stored");
    match &*loaded {
        Record::Contact(c) => {
            assert!(
                c.erasure().is_some(),
                "expected `c.erasure().is_some()`, found it false"
            );
            assert_eq!(
                c.party().name(),
                crate::text::ERASED_TEXT,
                "erase_removes_personal_data_and_keeps_the_funnel: expected `c.party().name()` to equal `crate::text::ERASED_TEXT`"
            );
            assert!(
                c.email().is_none() && c.phone().is_none(),
                "expected `c.email().is_none() && c.phone().is_none()`, found it false"
            );
        }
        other => panic!("a contact was expected, found {other:?}"),
    }
    assert_eq!(before.len(), after.len(), "no record appears or disappears");
    for (id, was) in &before {
        let now = &after[id];
        assert_eq!(was.state(), now.state(), "{id}: same state");
        match (&**was, &**now) {
            (Record::Lead(a), Record::Lead(b)) => {
                assert_eq!(
                    a.history().len(),
                    b.history().len(),
                    "{id}: same history shape"
                );
                let steps = |l: &AnyLead| {
                    l.history()
                        .iter()
                        .map(|t| (t.from(), t.to(), t.at()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(steps(a), steps(b), "{id}");
            }
            (Record::Opportunity(a), Record::Opportunity(b)) => {
                assert_eq!(
                    a.history().len(),
                    b.history().len(),
                    "{id}: same history shape"
                );
                assert_eq!(a.amount(), b.amount(), "{id}: same amount");
            }
            _ => {}
        }
    }
    assert_eq!(
        after[&RecordId::Lead(other_lead.id())],
        before[&RecordId::Lead(other_lead.id())],
        "erase_removes_personal_data_and_keeps_the_funnel: expected `after[&RecordId::Lead(other_lead.id())]` to equal `before[&RecordId::Lead(other_lead.id())]`"
    );
    assert_eq!(
        after[&RecordId::Contact(other.id())],
        before[&RecordId::Contact(other.id())],
        "erase_removes_personal_data_and_keeps_the_funnel: expected `after[&RecordId::Contact(other.id())]` to equal `before[&RecordId::Contact(other.id())]`"
    );
    let mut stored = String::new();
    for record in after.values() {
        stored.push_str(&format!("{record:?}"));
        stored.push_str(&free_text(record));
    }
    for secret in [
        "secret.person",
        "7946",
        "Paul Secret",
        "at home",
        "private number",
        "C-9",
    ] {
        assert!(!stored.contains(secret), "{secret:?} is still stored");
    }
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
}

/// Every text a record holds, for searching erased data (without a JSON dependency).
fn free_text(record: &Record) -> String {
    let mut text = String::new();
    match record {
        Record::Contact(c) => {
            text.push_str(c.party().name());
            if let Some(e) = c.email() {
                text.push_str(e.as_str());
            }
            if let Some(p) = c.phone() {
                text.push_str(p.as_str());
            }
        }
        Record::Lead(l) => {
            for t in l.history() {
                text.push_str(&format!("{:?}", t.evidence()));
            }
        }
        Record::Opportunity(o) => {
            text.push_str(&format!("{:?}", o.qualification()));
            for t in o.history() {
                text.push_str(&format!("{:?}", t.evidence()));
            }
        }
        Record::Account(a) => {
            for win in a.wins() {
                text.push_str(win.contract().as_str());
            }
        }
        Record::Task(t) => text.push_str(t.subject().as_str()),
        // Not personal data: erasure leaves them.
        Record::Organization(_) | Record::FieldSchema(_) => {}
        Record::Activity(a) => {
            text.push_str(a.summary().as_str());
            if let Some(outcome) = a.outcome() {
                text.push_str(outcome.as_str());
            }
        }
    }
    text
}

/// A walk of 600 steps through the facade, under a clock that steps back (by a second, by a
/// year), repeats instants, and jumps to the earliest and latest instants `chrono` represents:
/// every record stored reads back, by load and by scan, and the invariants across records hold.
pub fn clock_steps_never_make_a_record_unreadable<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let mut rng = SplitMix64::new(11);
    let choices: Vec<u8> = (0..600).map(|_| (rng.next_u64() & 0xFF) as u8).collect();
    let walked =
        crate::testkit::walk_under_clock(&store, crate::testkit::awkward_readings(), &choices);
    // Fewer than the choices: a step with nothing to do is skipped, and a lead whose history
    // reached the far future cannot be qualified any more (its timeline is then past).
    assert!(
        walked.steps > 300,
        "expected the walk to take more than 300 steps, found {}",
        walked.steps
    );
    let won = walked
        .records
        .values()
        .filter(|r| r.state() == RecordState::Opportunity(OpportunityStage::Won))
        .count();
    assert!(won > 0, "the walk won opportunities");
}

/// Asserts that `result` is a stale-history conflict on `record` at `version`.
#[track_caller]
fn stale<T: std::fmt::Debug, E: std::fmt::Display>(
    what: &str,
    result: Result<T, CrmError<E>>,
    record: RecordId,
    version: Version,
) {
    match result {
        Err(CrmError::Conflict(c)) => assert_eq!(
            c,
            Conflict::stale_history(record, version),
            "{what}: expected a stale-history conflict on {record} at {version}, found {c}"
        ),
        Err(e) => panic!("{what}: expected a stale-history conflict, found the error {e}"),
        Ok(v) => panic!("{what}: expected a stale-history conflict, the step committed {v:?}"),
    }
}

/// A copy read before the latest update, paired with the current version, is refused with a
/// [`ConflictKind::StaleHistory`](crate::store::ConflictKind::StaleHistory) conflict and
/// changes nothing: for a lead (a disqualified lead converted from an older copy), an
/// opportunity (a lost one advanced from an older copy), a contact after its erasure (the
/// erasure undone by writing back the copy), and an account after a win (a win added to a copy
/// that lacks it).
pub fn stale_copy_at_the_current_version_is_a_conflict<S: Store>(new: impl Fn() -> S) {
    use crate::account::Account;
    use crate::contact::Contact;
    use crate::opportunity::Opportunity;
    use crate::state::{Contracting, Proposal};
    let store = new();
    let sample = Sample::new(27);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();

    // A lead: worked (v2), copied, disqualified (v3); the copy is qualified at v3.
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let copy = crm
        .load::<Lead<Working>>(lead.id(), &crate::testkit::reader())
        .must()
        .into_inner();
    let lead = crm.disqualify(lead, sample.disqualification(), me).must();
    let before = snapshot(&store).must();
    let result = crm.qualify(
        Versioned::new(copy, lead.version()),
        sample.qualification(),
        me,
    );
    stale("a lead", result, RecordId::Lead(lead.id()), lead.version());
    assert_eq!(
        snapshot(&store).must(),
        before,
        "a lead: nothing was written"
    );

    // An opportunity: proposed (v2), copied, lost (v3); the copy is negotiated at v3.
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let Qualified { opportunity: o, .. } = crm.qualify(lead, sample.qualification(), me).must();
    let o = crm.propose(o, sample.proposal(), me).must();
    let copy = crm
        .load::<Opportunity<Proposal>>(o.id(), &crate::testkit::reader())
        .must()
        .into_inner();
    let o = crm.lose(o, sample.loss(), me).must();
    let before = snapshot(&store).must();
    let result = crm.negotiate(Versioned::new(copy, o.version()), sample.note("n"), me);
    stale(
        "an opportunity",
        result,
        RecordId::Opportunity(o.id()),
        o.version(),
    );
    assert_eq!(
        snapshot(&store).must(),
        before,
        "an opportunity: nothing was written"
    );

    // An account: won (v1), copied, won again (v2); a third win is added to the copy at v2.
    let contracting = || {
        let lead = crm.open_lead(&contact, sample.interest(), me).must();
        let lead = crm.log_touch(lead, sample.touch(), me).must();
        let Qualified { opportunity: o, .. } = crm.qualify(lead, sample.qualification(), me).must();
        let o = crm.propose(o, sample.proposal(), me).must();
        let o = crm.negotiate(o, sample.note("n"), me).must();
        crm.enter_contracting(o, sample.terms(), sample.incumbent(), me)
            .must()
    };
    let WonAccount { account, .. } = crm.win(contracting(), sample.contract(10), me).must();
    let copy = crm
        .load::<Account>(account.id(), &crate::testkit::reader())
        .must()
        .into_inner();
    let WonAccount { account, .. } = crm
        .win_for(contracting(), account, sample.contract(20), me)
        .must();
    let third: Versioned<Opportunity<Contracting>> = contracting();
    let before = snapshot(&store).must();
    let result = crm.win_for(
        third,
        Versioned::new(copy, account.version()),
        sample.contract(30),
        me,
    );
    stale(
        "an account",
        result,
        RecordId::Account(account.id()),
        account.version(),
    );
    assert_eq!(
        snapshot(&store).must(),
        before,
        "an account: nothing was written"
    );

    // A contact: copied, erased (v2); the copy is written back at v2.
    let copy = crm
        .load::<Contact>(contact.id(), &crate::testkit::reader())
        .must()
        .into_inner();
    let erased = crm.erase_contact(contact, me).must().contact;
    let before = snapshot(&store).must();
    let mut batch = Batch::new();
    batch.update(copy, erased.version()).expect("one write");
    let c = conflict::<S>(store.commit(batch));
    assert_eq!(
        c,
        Conflict::stale_history(RecordId::Contact(erased.id()), erased.version()),
        "a contact written back over its erasure: expected a stale-history conflict, found {c}"
    );
    assert_eq!(
        snapshot(&store).must(),
        before,
        "a contact: the erasure stands"
    );
    // The erased contact itself, written again unchanged, extends its own history.
    let mut batch = Batch::new();
    batch
        .update(erased.value().clone(), erased.version())
        .expect("one write");
    commit(&store, batch);
}

/// Copies of a contact's lead and opportunity read before the contact was erased, written back
/// over the erased records at their current versions, are each refused with a stale-history
/// conflict and change nothing: erasing a record rewrites the text of its entries and adds
/// none, so only the history mark's erased flag tells the copy from the erased record, for
/// every kind (not only contacts).
pub fn pre_erasure_copies_of_a_contacts_records_are_refused<S: Store>(new: impl Fn() -> S) {
    use crate::opportunity::Opportunity;
    use crate::state::Discovery;
    let store = new();
    let sample = Sample::new(143);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let lead = crm.open_lead(&contact, sample.interest(), me).must();
    let lead = crm.log_touch(lead, sample.touch(), me).must();
    let other = crm.open_lead(&contact, sample.interest(), me).must();
    let other = crm.log_touch(other, sample.touch(), me).must();
    let Qualified { opportunity, .. } = crm.qualify(other, sample.qualification(), me).must();
    let reader = crate::testkit::reader();
    let lead_copy: Record = crm
        .load::<Lead<Working>>(lead.id(), &reader)
        .must()
        .into_inner()
        .into();
    let opportunity_copy: Record = crm
        .load::<Opportunity<Discovery>>(opportunity.id(), &reader)
        .must()
        .into_inner()
        .into();
    let report = crm.erase_contact(contact, me).must();
    assert!(
        report.leads.len() == 2 && report.opportunities.len() == 1,
        "the erasure reaches the contact's two leads and its opportunity, found {report:?}"
    );
    let before = snapshot(&store).must();
    for copy in [lead_copy, opportunity_copy] {
        let id = copy.id();
        let erased = load(&store, id).expect("the erased record is stored");
        assert!(
            erased.value().history_mark().is_erased(),
            "{id}: expected the stored record erased"
        );
        let mut batch = Batch::new();
        batch.update(copy, erased.version()).expect("one write");
        let c = conflict::<S>(store.commit(batch));
        assert_eq!(
            c,
            Conflict::stale_history(id, erased.version()),
            "{id}: a copy from before its contact's erasure written back at the current \
             version: expected a stale-history conflict (keep the mark's erased flag for \
             every kind), found {c}"
        );
    }
    assert_eq!(
        snapshot(&store).must(),
        before,
        "the erasure stands: nothing was written"
    );
}

/// Records written, updated, erased and refused as stale read back the same after the store is
/// closed and opened again (`reopen` takes the store and gives it back reopened): records and
/// versions, the email index, and the history marks (a stale copy is still refused).
pub fn records_read_back_after_reopen<S: Store, T: Store>(
    new: impl Fn() -> S,
    reopen: impl FnOnce(S) -> T,
) {
    let store = new();
    let sample = Sample::new(32);
    let mut batch = Batch::new();
    for record in sample.every_state() {
        batch.create(record).expect("distinct");
    }
    commit(&store, batch);
    let (lead_id, stale, version, email) = {
        let crm = sample.crm(&store);
        let me = sample.actor();
        let contact = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .must()
            .into_contact();
        let email = contact.email().cloned().expect("the sample has an email");
        let other = crm
            .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .must()
            .into_contact();
        let lead = crm.open_lead(&contact, sample.interest(), me).must();
        let lead = crm.log_touch(lead, sample.touch(), me).must();
        let stale = crm
            .load::<Lead<Working>>(lead.id(), &crate::testkit::reader())
            .must()
            .into_inner();
        let lead = crm.nurture(lead, sample.note("later"), me).must();
        crm.erase_contact(other, me).must();
        (lead.id(), stale, lead.version(), email)
    };
    let before = snapshot(&store).must();
    let store = reopen(store);
    let after = snapshot(&store).must();
    assert_eq!(
        after.len(),
        before.len(),
        "expected {} records after reopening, found {}",
        before.len(),
        after.len()
    );
    for (id, was) in &before {
        assert_eq!(
            after.get(id),
            Some(was),
            "{id}: expected the record as written, found another after reopening"
        );
    }
    let found = store.find_contacts_by_email(&email).must();
    assert_eq!(
        found.len(),
        1,
        "expected the contact by its email after reopening, found {}",
        found.len()
    );
    let mut batch = Batch::new();
    batch
        .update(
            stale.disqualify(sample.disqualification(), &sample.ctx()),
            version,
        )
        .expect("one write");
    let c = conflict::<T>(store.commit(batch));
    assert_eq!(
        c,
        Conflict::stale_history(RecordId::Lead(lead_id), version),
        "expected a stale copy to be refused after reopening, found {c}"
    );
}
