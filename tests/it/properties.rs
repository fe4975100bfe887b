//! Properties: any sequence of legal transitions keeps the invariants; every record round-trips
//! through serde; no validated constructor or deserialiser panics on arbitrary input.

use chrono::TimeDelta;
use proptest::prelude::*;
use prospect::record::{AnyLead, AnyOpportunity, Record};
use prospect::state::*;
use prospect::testkit::Sample;
use prospect::*;

/// Where a random walk through the lifecycle is.
#[allow(clippy::large_enum_variant, reason = "one value per test case")]
/// A snapshot of a converted lead, through its serialised form (typed values are not `Clone`).
fn lead_snapshot(lead: &Lead<Converted>) -> Record {
    let any: AnyLead = serde_json::from_value(serde_json::to_value(lead).unwrap()).unwrap();
    Record::Lead(any)
}

enum Walk {
    /// Working a lead.
    Lead(AnyLead),
    /// The lead was converted; working its opportunity.
    Opportunity {
        lead: Lead<Converted>,
        opportunity: AnyOpportunity,
    },
}

impl Walk {
    fn lead_len(&self) -> usize {
        match self {
            Walk::Lead(l) => l.history().len(),
            Walk::Opportunity { lead, .. } => lead.history().len(),
        }
    }

    fn opportunity_len(&self) -> Option<usize> {
        match self {
            Walk::Lead(_) => None,
            Walk::Opportunity { opportunity, .. } => Some(opportunity.history().len()),
        }
    }
}

/// What a step did, so the property knows how each history must have grown.
#[derive(Debug, PartialEq)]
enum Moved {
    Lead,
    Qualified,
    Opportunity,
    Override,
    /// The opportunity was won; the walk starts again with a new lead.
    Won(OpportunityId),
}

/// Takes the legal move numbered `choice` (modulo the moves available) from where `walk` is.
fn step(f: &Sample, walk: Walk, account: &mut Option<Account>, choice: u8) -> (Walk, Moved) {
    let ctx = f.ctx();
    let reason = || DisqualifyReason::new(DisqualifyCategory::NoTimeline);
    let loss = || LossReason::new(LossCategory::NoDecision);
    let lead = |l: AnyLead| (Walk::Lead(l), Moved::Lead);
    let opp = |lead, o: AnyOpportunity, moved| {
        (
            Walk::Opportunity {
                lead,
                opportunity: o,
            },
            moved,
        )
    };
    match walk {
        Walk::Lead(AnyLead::New(l)) => match choice % 2 {
            0 => lead(l.log_touch(f.touch(), &ctx).into()),
            _ => lead(l.disqualify(reason(), &ctx).into()),
        },
        Walk::Lead(AnyLead::Working(l)) => match choice % 3 {
            0 => lead(l.nurture(f.note("later"), &ctx).into()),
            1 => lead(l.disqualify(reason(), &ctx).into()),
            _ => {
                let (l, o) = l.qualify(f.qualification(), &ctx).unwrap();
                opp(l, o.into(), Moved::Qualified)
            }
        },
        Walk::Lead(AnyLead::Nurturing(l)) => match choice % 3 {
            0 => lead(l.resume(f.touch(), &ctx).into()),
            1 => lead(l.disqualify(reason(), &ctx).into()),
            _ => {
                let (l, o) = l.qualify(f.qualification(), &ctx).unwrap();
                opp(l, o.into(), Moved::Qualified)
            }
        },
        Walk::Lead(AnyLead::Disqualified(l)) => lead(l.recycle(f.note("again"), &ctx).into()),
        Walk::Lead(AnyLead::Converted(_)) => unreachable!("a converted lead walks its opportunity"),
        Walk::Opportunity {
            lead: l,
            opportunity,
        } => {
            let percent = Probability::new(u32::from(choice) % 101).unwrap();
            match opportunity {
                AnyOpportunity::Discovery(mut o) => match choice % 3 {
                    0 => opp(
                        l,
                        o.propose(f.proposal(), &ctx).unwrap().into(),
                        Moved::Opportunity,
                    ),
                    1 => opp(l, o.lose(loss(), &ctx).into(), Moved::Opportunity),
                    _ => {
                        o.override_probability(percent, None, &ctx);
                        opp(l, o.into(), Moved::Override)
                    }
                },
                AnyOpportunity::Proposal(mut o) => match choice % 3 {
                    0 => opp(
                        l,
                        o.negotiate(f.note("price"), &ctx).into(),
                        Moved::Opportunity,
                    ),
                    1 => opp(l, o.lose(loss(), &ctx).into(), Moved::Opportunity),
                    _ => {
                        o.override_forecast(ForecastCategory::Commit, None, &ctx);
                        opp(l, o.into(), Moved::Override)
                    }
                },
                AnyOpportunity::Negotiation(mut o) => match choice % 3 {
                    0 => {
                        let terms = PaymentTerms::new(u32::from(choice), 1).unwrap();
                        opp(
                            l,
                            o.enter_contracting(terms, Incumbent::NoneInPlace, &ctx)
                                .into(),
                            Moved::Opportunity,
                        )
                    }
                    1 => opp(l, o.lose(loss(), &ctx).into(), Moved::Opportunity),
                    _ => {
                        o.override_probability(percent, None, &ctx);
                        opp(l, o.into(), Moved::Override)
                    }
                },
                AnyOpportunity::Contracting(mut o) => match choice % 3 {
                    0 => {
                        let contract = f.contract(1 + i64::from(choice));
                        let won = match account {
                            Some(account) => o.win_for(account, contract, &ctx).unwrap(),
                            None => {
                                let (won, new) = o.win(contract, &ctx).unwrap();
                                *account = Some(new);
                                won
                            }
                        };
                        let id = won.id();
                        opp(l, won.into(), Moved::Won(id))
                    }
                    1 => opp(l, o.lose(loss(), &ctx).into(), Moved::Opportunity),
                    _ => {
                        o.override_probability(percent, None, &ctx);
                        opp(l, o.into(), Moved::Override)
                    }
                },
                AnyOpportunity::Lost(o) => {
                    opp(l, o.reopen(f.note("back"), &ctx).into(), Moved::Opportunity)
                }
                AnyOpportunity::Won(_) => (Walk::Lead(f.lead().into()), Moved::Lead),
            }
        }
    }
}

fn round_trips(record: Record) {
    let text = serde_json::to_string(&record).unwrap();
    let back: Record = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(back, record);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn legal_transitions_keep_every_invariant(
        steps in proptest::collection::vec((any::<u8>(), 0u16..600), 1..40),
    ) {
        let f = Sample::new(42);
        let mut walk = Walk::Lead(f.lead().into());
        let mut account: Option<Account> = None;
        for (choice, minutes) in steps {
            f.clock().advance(TimeDelta::minutes(i64::from(minutes)));
            let (lead_before, opp_before) = (walk.lead_len(), walk.opportunity_len());
            let (next, moved) = step(&f, walk, &mut account, choice);
            walk = next;
            match &moved {
                Moved::Lead if opp_before.is_none() => prop_assert_eq!(walk.lead_len(), lead_before + 1),
                Moved::Lead => prop_assert_eq!(walk.lead_len(), 1, "a new lead after a win"),
                Moved::Qualified => {
                    prop_assert_eq!(walk.lead_len(), lead_before + 1);
                    prop_assert_eq!(walk.opportunity_len(), Some(1));
                }
                Moved::Opportunity | Moved::Won(_) => {
                    prop_assert_eq!(walk.opportunity_len(), opp_before.map(|n| n + 1));
                }
                Moved::Override => prop_assert_eq!(walk.opportunity_len(), opp_before.map(|n| n + 1)),
            }
            match &walk {
                Walk::Lead(l) => {
                    prop_assert_eq!(l.history().last().unwrap().to(), l.status());
                    round_trips(l.clone().into());
                }
                Walk::Opportunity { lead, opportunity } => {
                    prop_assert_eq!(lead.opportunity(), opportunity.id());
                    prop_assert_eq!(opportunity.lead(), lead.id());
                    prop_assert!(opportunity.probability().get() <= 100);
                    prop_assert_eq!(opportunity.history().last().unwrap().to(), opportunity.stage());
                    if !opportunity.stage().is_open() {
                        prop_assert_eq!(opportunity.probability(), opportunity.stage().default_probability());
                    }
                    round_trips(lead_snapshot(lead));
                    round_trips(opportunity.clone().into());
                }
            }
            if let Moved::Won(id) = moved {
                let account = account.as_ref().unwrap();
                prop_assert_eq!(account.opportunities().last(), Some(id));
                round_trips(account.clone().into());
            }
        }
    }

    #[test]
    fn text_constructors_never_panic_and_keep_what_they_accept(text in any::<String>()) {
        fn check<T: AsRef<str>>(result: Result<T, ValidationError>, input: &str) {
            if let Ok(value) = result {
                assert_eq!(value.as_ref(), input.trim());
            }
        }
        check(PersonName::new(&text), &text);
        check(OrganizationName::new(&text), &text);
        check(JobTitle::new(&text), &text);
        check(Summary::new(&text), &text);
        check(Requirement::new(&text), &text);
        check(Note::new(&text), &text);
        check(Reference::new(&text), &text);
        check(User::new(&text), &text);
        if let Ok(email) = EmailAddress::new(&text) {
            prop_assert_eq!(email.as_str(), text.trim());
            prop_assert_eq!(EmailAddress::new(email.normalized()).unwrap(), email.clone());
            prop_assert!(!email.to_string().contains(email.as_str()) || email.as_str().len() <= 1);
        }
        if let Ok(phone) = PhoneNumber::new(&text) {
            prop_assert_eq!(PhoneNumber::new(phone.normalized()).unwrap(), phone);
        }
        let _ = Currency::new(&text);
        for currency in [Currency::EUR, Currency::JPY] {
            if let Ok(money) = Money::parse(&text, currency) {
                prop_assert_eq!(Money::parse(&money.to_string().replace(currency.code(), ""), currency).unwrap(), money);
            }
        }
    }

    #[test]
    fn email_like_strings_never_panic(
        local in "[a-zA-Z0-9.+_ @\"-]{0,70}",
        domain in "[a-zA-Z0-9.-]{0,70}",
    ) {
        let _ = EmailAddress::new(format!("{local}@{domain}"));
        let _ = PhoneNumber::new(&local);
    }

    #[test]
    fn money_strings_never_panic(text in "[-+]?[0-9]{0,25}(\\.[0-9]{0,5})?") {
        if let Ok(money) = Money::parse(&text, Currency::EUR) {
            prop_assert_eq!(Money::parse(&money.to_string().replace(" EUR", ""), Currency::EUR).unwrap(), money);
        }
    }

    #[test]
    fn numbers_never_panic(n in any::<u32>(), m in any::<u32>()) {
        prop_assert_eq!(Probability::new(n).is_ok(), n <= 100);
        prop_assert_eq!(HorizonPolicy::new(n).is_ok(), (1..=3653).contains(&n));
        let _ = PaymentTerms::new(n, m);
    }

    #[test]
    fn deserialisers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<Record>(&bytes);
        let _ = serde_json::from_slice::<AnyLead>(&bytes);
        let _ = serde_json::from_slice::<AnyOpportunity>(&bytes);
        let _ = serde_json::from_slice::<Account>(&bytes);
    }
}
