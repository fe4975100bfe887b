//! Every transition, its evidence and its history entry.

use prospect::state::*;
use prospect::testkit::Sample;
use prospect::*;
use prospect::{
    memory::MemoryStore,
    record::{AnyLead, Record, RecordId, RecordKind},
    store::Store,
};

use crate::support::*;

#[test]
fn opening_a_lead_keeps_the_contact_and_takes_its_source_and_owner() {
    let f = Sample::new(42);
    let contact = f.contact();
    let first = Lead::open(&contact, f.interest(), &f.ctx());
    let second = Lead::open(&contact, f.interest(), &f.ctx());
    assert_ne!(first.id(), second.id(), "a contact may have several leads");
    assert_eq!(first.contact(), contact.id());
    assert_eq!(first.source(), contact.source());
    assert_eq!(first.owner(), contact.owner());
    assert_eq!(first.status(), LeadStatus::New);
    let opened = first.history().first().unwrap();
    assert_eq!(opened.from(), None);
    assert_eq!(opened.to(), LeadStatus::New);
    assert_eq!(opened.evidence(), &LeadEvidence::Opened);
    assert_eq!(opened.actor(), f.actor());
    assert_eq!(opened.at(), first.created_at());
}

#[test]
fn each_lead_step_records_from_to_actor_time_and_evidence() {
    let f = Sample::new(42);
    let lead = f.lead();
    f.tick();
    let ctx = f.ctx().acting_as(User::new("carol").unwrap());
    let working = lead.log_touch(f.touch(), &ctx);
    let last = working.history().last().unwrap();
    assert_eq!(
        (last.from(), last.to()),
        (Some(LeadStatus::New), LeadStatus::Working)
    );
    assert_eq!(last.actor(), &User::new("carol").unwrap());
    assert_eq!(last.at(), f.clock().now());
    assert_eq!(last.evidence(), &LeadEvidence::Touch(f.touch()));

    let nurturing = working.nurture(f.note("Budget opens in Q3"), &ctx);
    assert_eq!(
        nurturing.history().last().unwrap().evidence(),
        &LeadEvidence::Nurtured(f.note("Budget opens in Q3"))
    );
    let working = nurturing.resume(f.touch(), &ctx);
    assert_eq!(working.history().len(), 4);
    let steps: Vec<_> = working
        .history()
        .iter()
        .map(|t| (t.from(), t.to()))
        .collect();
    assert_eq!(
        steps,
        [
            (None, LeadStatus::New),
            (Some(LeadStatus::New), LeadStatus::Working),
            (Some(LeadStatus::Working), LeadStatus::Nurturing),
            (Some(LeadStatus::Nurturing), LeadStatus::Working),
        ]
    );
}

#[test]
fn disqualify_from_every_open_state_and_recycle_clears_the_reason() {
    let f = Sample::new(42);
    let ctx = f.ctx();
    let reason = DisqualifyReason::new(DisqualifyCategory::NoBudget)
        .with_detail(f.note("Frozen until 2027"));
    let from_new = f.lead().disqualify(reason.clone(), &ctx);
    let from_working = f.working().disqualify(reason.clone(), &ctx);
    let from_nurturing = f
        .working()
        .nurture(f.note("later"), &ctx)
        .disqualify(reason.clone(), &ctx);
    for lead in [&from_new, &from_working, &from_nurturing] {
        assert_eq!(lead.reason(), &reason);
        assert_eq!(lead.status(), LeadStatus::Disqualified);
    }
    let recycled = from_working.recycle(f.note("New budget"), &ctx);
    assert_eq!(recycled.status(), LeadStatus::Nurturing);
    // The reason is no longer the lead's state, but the history keeps it.
    assert!(
        recycled
            .history()
            .iter()
            .any(|t| t.evidence() == &LeadEvidence::Disqualified(reason.clone()))
    );
    // A recycled lead can be qualified from Nurturing.
    let (converted, opportunity) = recycled.qualify(f.qualification(), &ctx).unwrap();
    assert_eq!(converted.opportunity(), opportunity.id());
}

#[test]
fn qualifying_converts_the_lead_and_opens_an_opportunity_with_the_evidence() {
    let f = Sample::new(42);
    let lead = f.working();
    let lead_id = lead.id();
    // Qualifications are linear: an equal one is built to compare with.
    let (qualification, expected) = (f.qualification(), f.qualification());
    let (converted, opportunity) = lead.qualify(qualification, &f.ctx()).unwrap();
    let qualification = expected;

    assert_eq!(converted.id(), lead_id);
    assert_eq!(converted.status(), LeadStatus::Converted);
    assert_eq!(converted.opportunity(), opportunity.id());
    assert_eq!(
        converted.history().last().unwrap().evidence(),
        &LeadEvidence::Converted {
            opportunity: opportunity.id()
        }
    );

    assert_eq!(opportunity.lead(), lead_id);
    assert_eq!(opportunity.contact(), converted.contact());
    assert_eq!(opportunity.qualification(), &qualification);
    assert_eq!(opportunity.amount(), qualification.budget().amount());
    assert_eq!(
        opportunity.expected_close(),
        qualification.timeline().decision_date()
    );
    assert_eq!(opportunity.name(), &converted.interest().summary);
    assert_eq!(opportunity.source(), converted.source());
    assert_eq!(opportunity.owner(), converted.owner());
    assert_eq!(opportunity.stage(), OpportunityStage::Discovery);
    assert_eq!(opportunity.history().len(), 1);
    assert_eq!(
        opportunity.history().first().unwrap().evidence(),
        &OpportunityEvidence::Qualified { lead: lead_id }
    );
}

#[test]
fn probability_and_forecast_follow_the_stage() {
    let f = Sample::new(42);
    let ctx = f.ctx();
    let (_, discovery) = f.discovery();
    assert_eq!(
        (discovery.probability().get(), discovery.forecast_category()),
        (20, ForecastCategory::Pipeline)
    );
    let proposal = discovery.propose(f.proposal(), &ctx).unwrap();
    assert_eq!(
        (proposal.probability().get(), proposal.forecast_category()),
        (50, ForecastCategory::Pipeline)
    );
    assert_eq!(
        proposal.amount(),
        f.eur(36_000),
        "the proposal's amount becomes the opportunity's"
    );
    let negotiation = proposal.negotiate(f.note("discount"), &ctx);
    assert_eq!(
        (
            negotiation.probability().get(),
            negotiation.forecast_category()
        ),
        (75, ForecastCategory::BestCase)
    );
    let contracting = negotiation.enter_contracting(
        PaymentTerms::new(45, 1).unwrap(),
        Incumbent::Dismissed(OrganizationName::new("OldCRM Ltd").unwrap()),
        &ctx,
    );
    assert_eq!(
        (
            contracting.probability().get(),
            contracting.forecast_category()
        ),
        (90, ForecastCategory::Commit)
    );
    assert_eq!(contracting.payment_terms().unwrap().net_days(), 45);
    assert_eq!(
        contracting.incumbent(),
        Some(&Incumbent::Dismissed(
            OrganizationName::new("OldCRM Ltd").unwrap()
        ))
    );
    assert_eq!(contracting.proposal(), Some(&f.proposal()));
    let (won, _) = contracting.win(f.contract(35_000), &ctx).unwrap();
    assert_eq!(
        (won.probability().get(), won.forecast_category()),
        (100, ForecastCategory::Closed)
    );
    let lost = f
        .discovery()
        .1
        .lose(LossReason::new(LossCategory::Price), &ctx);
    assert_eq!(
        (lost.probability().get(), lost.forecast_category()),
        (0, ForecastCategory::Omitted)
    );
}

#[test]
fn overrides_hold_until_the_next_stage_change() {
    let f = Sample::new(42);
    let ctx = f.ctx();
    let (_, mut opportunity) = f.discovery();
    opportunity.override_probability(Probability::new(35).unwrap(), None, &ctx);
    opportunity.override_forecast(
        ForecastCategory::BestCase,
        Some(f.note("Champion left")),
        &ctx,
    );
    assert_eq!(opportunity.probability().get(), 35);
    assert_eq!(opportunity.forecast_category(), ForecastCategory::BestCase);
    assert_eq!(opportunity.weighted_amount(), f.eur(10_500));
    assert_eq!(
        opportunity.stage(),
        OpportunityStage::Discovery,
        "an override keeps the stage"
    );
    let overrides: Vec<_> = opportunity
        .history()
        .iter()
        .filter_map(|t| match t.evidence() {
            OpportunityEvidence::Overridden(o) => Some(o.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        overrides.len(),
        2,
        "each override is an entry of the history"
    );
    assert_eq!(
        overrides[1].probability().before().map(|p| p.get()),
        Some(35)
    );
    assert_eq!(overrides[1].forecast().before(), &None);
    assert_eq!(
        overrides[1].forecast().after(),
        &Some(ForecastCategory::BestCase)
    );
    assert_eq!(
        overrides[1].reason().map(|n| n.as_str()),
        Some("Champion left")
    );
    opportunity.clear_overrides(None, &ctx);
    assert_eq!(opportunity.probability().get(), 20);
    opportunity.override_probability(Probability::new(5).unwrap(), None, &ctx);
    let proposal = opportunity.propose(f.proposal(), &ctx).unwrap();
    assert_eq!(
        proposal.probability().get(),
        50,
        "a stage change clears the override"
    );
}

#[test]
fn winning_makes_an_account_and_the_contract_value_the_amount() {
    let f = Sample::new(42);
    let ctx = f.ctx();
    let contracting = f.contracting();
    let contact = contracting.contact();
    f.tick();
    let (won, account) = contracting.win(f.contract(35_000), &ctx).unwrap();
    assert_eq!(won.amount(), f.eur(35_000));
    assert_eq!(won.contract(), &f.contract(35_000));
    assert_eq!(won.account(), account.id());
    assert_eq!(won.stage(), OpportunityStage::Won);
    assert_eq!(won.history().len(), 5);
    assert_eq!(account.primary_contact(), contact);
    assert_eq!(account.owner(), won.owner());
    assert!(account.owner().is_some());
    assert_eq!(account.customer_since(), f.clock().now());
    assert_eq!(account.opportunities().collect::<Vec<_>>(), [won.id()]);
    assert_eq!(account.won_value().get(Currency::EUR), Some(f.eur(35_000)));
    assert_eq!(account.wins()[0].contract(), f.contract(1).reference());
}

#[test]
fn repeat_business_adds_to_the_existing_account() {
    let f = Sample::new(42);
    let ctx = f.ctx();
    let (_, mut account) = f.won(35_000);
    let since = account.customer_since();
    f.tick();
    let second = f.contracting();
    let won = second
        .win_for(&mut account, f.contract(5_000), &ctx)
        .unwrap();
    assert_eq!(won.account(), account.id());
    assert_eq!(account.wins().len(), 2);
    assert_eq!(
        account.customer_since(),
        since,
        "still a customer since the first win"
    );
    assert_eq!(account.won_value().get(Currency::EUR), Some(f.eur(40_000)));
    let usd = SignedContract::new(
        Reference::new("C-US-1").unwrap(),
        Money::from_minor(100, Currency::USD),
        f.today(),
        PersonName::new("Sam").unwrap(),
    )
    .unwrap();
    // A deal in dollars, from qualification to close.
    let (_, in_dollars) = f
        .working()
        .qualify(f.qualification_in(Currency::USD), &ctx)
        .unwrap();
    let offer = SentProposal::new(
        f.summary("offer"),
        Money::from_minor(100, Currency::USD),
        f.today(),
    )
    .unwrap();
    in_dollars
        .propose(offer, &ctx)
        .unwrap()
        .negotiate(f.note("terms"), &ctx)
        .enter_contracting(f.terms(), f.incumbent(), &ctx)
        .win_for(&mut account, usd, &ctx)
        .unwrap();
    assert_eq!(
        account.won_value().iter().count(),
        2,
        "currencies are kept apart"
    );
    assert_eq!(account.won_value().to_string(), "40000.00 EUR + 1.00 USD");
}

#[test]
fn a_win_that_would_overflow_is_refused_and_gives_everything_back() {
    let f = Sample::new(42);
    let ctx = f.ctx();
    let huge = |reference: &str| {
        SignedContract::new(
            Reference::new(reference).unwrap(),
            Money::from_minor(i64::MAX, Currency::EUR),
            f.today(),
            PersonName::new("Paul").unwrap(),
        )
        .unwrap()
    };
    let (_, mut account) = f.contracting().win(huge("A"), &ctx).unwrap();
    let before = account.clone();
    let (contracting, expected) = two_copies(f.contracting());
    let err = contracting
        .win_for(&mut account, huge("B"), &ctx)
        .unwrap_err();
    assert!(matches!(
        err.cause(),
        StepCause::WonValue { account: a, cause: MoneyError::Overflow { .. } } if *a == account.id()
    ));
    assert_eq!(err.step(), "win");
    assert!(err.to_string().contains("overflow"), "{err}");
    assert_eq!(account, before, "the account is unchanged");
    let (opportunity, contract) = err.into_parts();
    assert_eq!(opportunity, expected, "the opportunity is unchanged");
    assert_eq!(contract, huge("B"));
}

#[test]
fn every_open_stage_can_be_lost_and_reopening_clears_the_attempt() {
    let f = Sample::new(42);
    let ctx = f.ctx();
    let reason = LossReason::new(LossCategory::Competitor).with_detail(f.note("Went with BigCRM"));
    let (_, discovery) = f.discovery();
    let lost_in_discovery = discovery.lose(reason.clone(), &ctx);
    let lost_in_contracting = f.contracting().lose(reason.clone(), &ctx);
    assert_eq!(lost_in_discovery.reason(), &reason);
    assert_eq!(lost_in_contracting.reason(), &reason);
    assert!(
        lost_in_contracting.payment_terms().is_some(),
        "a lost opportunity shows how far it got"
    );

    let reopened = lost_in_contracting.reopen(f.note("They are back"), &ctx);
    assert_eq!(reopened.stage(), OpportunityStage::Discovery);
    assert_eq!(reopened.proposal(), None, "the new attempt starts afresh");
    assert_eq!(reopened.payment_terms(), None);
    assert!(
        reopened
            .history()
            .iter()
            .any(|t| t.evidence() == &OpportunityEvidence::Lost(reason.clone())),
        "the history keeps the loss"
    );
    let (won, _) = reopened
        .propose(f.proposal(), &ctx)
        .unwrap()
        .negotiate(f.note("again"), &ctx)
        .enter_contracting(
            PaymentTerms::new(0, 1).unwrap(),
            Incumbent::NoneInPlace,
            &ctx,
        )
        .win(f.contract(30_000), &ctx)
        .unwrap();
    assert_eq!(won.history().len(), 10);
}

#[test]
fn contexts_choose_the_actor_and_the_system_context_works() {
    let ctx = Context::system(User::new("importer").unwrap());
    let contact = Contact::create(
        ContactDetails::new(
            Party::organization(OrganizationName::new("Globex").unwrap()),
            LeadSource::Partner,
        ),
        &ctx,
    );
    assert_eq!(contact.created_by(), &User::new("importer").unwrap());
    assert_eq!(contact.id().as_uuid().get_version_num(), 7);
    assert!(contact.created_at() <= chrono::Utc::now());
    assert_eq!(contact.party().name(), "Globex");
}

#[test]
fn a_very_long_history_is_shared_and_dropped_without_recursion() {
    let f = Sample::new(42);
    let ctx = f.ctx();
    let mut lead = f.working();
    for _ in 0..100_000 {
        lead = lead.nurture(f.note("later"), &ctx).resume(f.touch(), &ctx);
    }
    assert_eq!(lead.history().len(), 200_002);
    let copy = AnyLead::from(reread::<Lead<Working>>(&Record::from(lead)));
    assert_eq!(copy.history().len(), 200_002, "a copy shares the entries");
    assert_eq!(
        copy.history().first().unwrap().evidence(),
        &LeadEvidence::Opened
    );
    drop(copy); // a recursive drop of 200,002 nodes would overflow the stack
}

#[test]
fn qualifying_with_a_timeline_already_past_is_refused_and_gives_everything_back() {
    let f = Sample::new(42);
    // Assessed today, decided in 30 days; the lead is qualified 31 days later.
    let qualification = f.qualification_deciding_in(30);
    let lead = f.working();
    let id = lead.id();
    f.clock().advance(chrono::TimeDelta::days(31));
    let err = lead.qualify(qualification, &f.ctx()).unwrap_err();
    assert!(
        matches!(
            err.cause(),
            ValidationError::DateInPast {
                field: Field::DecisionDate,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("decision date"), "{err}");
    let (lead, qualification) = err.into_parts();
    assert_eq!((lead.id(), lead.status()), (id, LeadStatus::Working));
    assert_eq!(lead.history().len(), 2, "nothing was recorded");
    // On the day of the decision it is still accepted.
    let f2 = Sample::new(42);
    let lead = f2.working();
    f2.clock().advance(chrono::TimeDelta::days(30));
    assert!(
        lead.qualify(f2.qualification_deciding_in(0), &f2.ctx())
            .is_ok()
    );
    drop(qualification);
}

#[test]
fn the_facade_refuses_a_past_timeline_and_writes_nothing() {
    let f = Sample::new(42);
    let crm = Crm::with_clock_and_ids(
        MemoryStore::new(),
        prospect::access::AllowAll,
        std::sync::Arc::new(FixedClock::new(
            f.clock().now() + chrono::TimeDelta::days(120),
        )),
        std::sync::Arc::new(SequentialIds::new(5)),
    );
    let me = User::new("claire").unwrap();
    let contact = crm
        .create_contact(
            ContactDetails::new(
                Party::person(PersonName::new("Ada").unwrap()),
                LeadSource::Web,
            ),
            OnDuplicate::Refuse,
            &me,
        )
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, f.interest(), &me).unwrap();
    let lead = crm.log_touch(lead, f.touch(), &me).unwrap();
    let id = lead.id();
    // Assessed 120 days before the facade's today, deciding 90 days after it was assessed.
    match crm.qualify(lead, f.qualification(), &me) {
        Err(CrmError::Invalid { record, cause }) => {
            assert_eq!(record, RecordId::Lead(id));
            assert_eq!(cause.field(), Field::DecisionDate);
        }
        other => panic!("expected the qualification to be refused, got {other:?}"),
    }
    let stored = crm
        .load::<Lead<Working>>(id, &prospect::testkit::reader())
        .unwrap();
    assert_eq!(stored.version().get(), 2, "the lead is unchanged");
    let count = Store::scan(crm.store(), RecordKind::Opportunity, &mut |_| {}).unwrap();
    assert_eq!(count.visited, 0, "no opportunity");
}
