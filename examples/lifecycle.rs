//! The seed's story, step by step: an employee of a company shows interest, is contacted, is
//! qualified with evidence; the opportunity moves through its stages to a signed contract, and
//! the company becomes an account.
//!
//! Run it with `cargo run --example lifecycle`.

use chrono::{Days, TimeDelta, TimeZone, Utc};
use prospect::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A fixed clock, moved on by hand, and deterministic ids: the story prints the same every
    // time. A real application would use `Context::system(user)`.
    let clock = FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .ok_or("date")?,
    );
    let ids = SequentialIds::new(2026);
    let marketing = Context::new(&clock, &ids, User::new("marketing:webform")?);
    let seller = marketing.acting_as(User::new("claire")?);
    let later = |days: u64| clock.advance(TimeDelta::days(days as i64));

    // 1. Contact: someone at Acme fills in a form on the website.
    let contact = Contact::create(
        ContactDetails::new(
            Party::employee(
                PersonName::new("Jeanne Martin")?,
                JobTitle::new("Head of Sales Operations")?,
                OrganizationName::new("Acme SA")?,
            ),
            LeadSource::Web,
        )
        .with_email(EmailAddress::new("jeanne.martin@acme.example")?)
        .with_phone(PhoneNumber::new("+33 1 23 45 67 89")?)
        .with_owner(User::new("claire")?),
        &marketing,
    );
    println!(
        "1. Contact      {} of {}",
        contact.party().name(),
        org(&contact)
    );
    println!(
        "                email {} (redacted in logs), phone {}, source {}",
        contact.email().ok_or("email")?,
        contact.phone().ok_or("phone")?,
        contact.source()
    );

    // 2. Lead: she is interested, but she advises the purchase; she does not decide it.
    let lead = Lead::open(
        &contact,
        Interest::new(
            Summary::new("A CRM for a 40-seat sales team")?,
            BuyingRole::Advisor,
        ),
        &marketing,
    );
    println!(
        "2. Lead         {}: \"{}\" (role: {:?})",
        lead.status(),
        lead.interest().summary,
        lead.interest().role
    );

    // 3. Contact is made: the lead is worked.
    later(1);
    let lead = lead.log_touch(
        Touch::new(
            Channel::Call,
            Summary::new("Discovery call: 40 sellers on spreadsheets")?,
        ),
        &seller,
    );
    println!(
        "3. Touch        {} after a call by {}",
        lead.status(),
        seller.actor()
    );

    // 4. Qualification: need, budget and timeline are established (and authority: a strong sign).
    later(6);
    let today = seller.today();
    let qualification = Qualification::builder()
        .need(Need::new(
            Summary::new("Replace the spreadsheets the sales team shares")?,
            vec![
                Requirement::new("40 seats, growing to 60")?,
                Requirement::new("Import 12,000 existing contacts")?,
                Requirement::new("Single sign-on with their directory")?,
            ],
        )?)
        .budget(Budget::new(Money::parse("45000", Currency::EUR)?)?)
        .timeline(Timeline::new(
            today + Days::new(75),
            today,
            &HorizonPolicy::default(),
        )?)
        .authority(Authority::new(PersonName::new("Paul Durand")?))
        .build();
    println!(
        "4. Qualified    need: {} ({} requirements), budget {}, decision by {}, decided by {}",
        qualification.need().summary(),
        qualification.need().requirements().len(),
        qualification.budget().amount(),
        qualification.timeline().decision_date(),
        qualification
            .authority()
            .map_or("unknown", |a| a.decision_maker.as_str()),
    );
    let (lead, opportunity) = lead.qualify(qualification, &seller)?;
    println!(
        "   Lead         {}, pointing at opportunity {}",
        lead.status(),
        lead.opportunity()
    );
    stage("5. Opportunity", &opportunity);

    // The hand-off: Claire qualified the lead; Marc, an account executive, closes the deal. The
    // opportunity's history records who handed it over, from whom to whom, and why.
    let mut opportunity = opportunity;
    let marc = User::new("marc")?;
    opportunity.reassign(
        Some(marc.clone()),
        Some(Note::new(
            "Enterprise deal: an account executive takes over",
        )?),
        &seller,
    );
    println!(
        "   Handed off   to {}, who takes it from here",
        opportunity.owner().map_or("nobody", User::as_str)
    );
    let seller = seller.acting_as(marc);

    // 5. Proposal.
    later(10);
    let opportunity = opportunity.propose(
        SentProposal::new(
            Summary::new("60 seats, 3 years, onboarding included")?,
            Money::parse("48600", Currency::EUR)?,
            seller.today(),
        )?,
        &seller,
    )?;
    stage("6. Advanced", &opportunity);

    // 6. Negotiation.
    later(8);
    let opportunity = opportunity.negotiate(
        Note::new("Asks for quarterly billing and a 10% discount")?,
        &seller,
    );
    stage("7. Advanced", &opportunity);

    // 7. Contracting: payment terms agreed, the current supplier dismissed.
    later(12);
    let opportunity = opportunity.enter_contracting(
        PaymentTerms::new(30, 12)?
            .with_note(Note::new("Monthly installments over the first year")?),
        Incumbent::Dismissed(OrganizationName::new("SpreadCo")?),
        &seller,
    );
    stage("8. Advanced", &opportunity);
    if let (Some(terms), Some(incumbent)) = (opportunity.payment_terms(), opportunity.incumbent()) {
        println!(
            "                terms: net {} days in {} installments; incumbent: {incumbent}",
            terms.net_days(),
            terms.installments()
        );
    }

    // 8. Won: the contract is signed, and Acme becomes an account.
    later(9);
    let contract = SignedContract::new(
        Reference::new("ACME-2026-001")?,
        Money::parse("45000", Currency::EUR)?,
        seller.today(),
        PersonName::new("Paul Durand")?,
    )?;
    let (won, account) = opportunity.win(contract, &seller)?;
    stage("9. Won", &won);
    println!(
        "                contract {} signed by {} on {}",
        won.contract().reference(),
        won.contract().signed_by(),
        won.contract().signed_on()
    );
    println!(
        "10. Account     {} since {}, won {} over {} opportunity",
        account.id(),
        account.customer_since().date_naive(),
        account.won_value(),
        account.wins().len(),
    );

    // The audit trail: why was this opportunity won, and by whom?
    println!("\nHistory of the opportunity:");
    for t in won.history() {
        let from = t.from().map_or("(start)".to_string(), |s| s.to_string());
        println!(
            "  {}  {:>11} -> {:<11} by {:<8} evidence: {}",
            t.at().format("%Y-%m-%d"),
            from,
            t.to(),
            t.actor(),
            evidence(t.evidence())
        );
    }
    println!("\nHistory of the lead:");
    for t in lead.history() {
        let from = t.from().map_or("(start)".to_string(), |s| s.to_string());
        println!(
            "  {}  {:>11} -> {:<11} by {}",
            t.at().format("%Y-%m-%d"),
            from,
            t.to(),
            t.actor()
        );
    }
    Ok(())
}

fn org(contact: &Contact) -> &str {
    contact
        .party()
        .organization_name()
        .map_or("(no organization)", |o| o.as_str())
}

fn stage<S: state::OpportunityState>(label: &str, o: &Opportunity<S>) {
    println!(
        "{label:<15}{}: amount {}, probability {}, forecast {}, weighted {}",
        o.stage(),
        o.amount(),
        o.probability(),
        o.forecast_category(),
        o.weighted_amount(),
    );
}

fn evidence(e: &OpportunityEvidence) -> String {
    match e {
        OpportunityEvidence::Qualified { lead } => format!("qualified from lead {lead}"),
        OpportunityEvidence::Proposed(p) => {
            format!("proposal \"{}\" for {}", p.summary(), p.amount())
        }
        OpportunityEvidence::Negotiating(n) => format!("negotiating \"{n}\""),
        OpportunityEvidence::Contracting { terms, incumbent } => {
            format!(
                "net {} days x{}, incumbent {incumbent}",
                terms.net_days(),
                terms.installments()
            )
        }
        OpportunityEvidence::Won { contract, account } => {
            format!(
                "contract {} for {} into account {account}",
                contract.reference(),
                contract.value()
            )
        }
        OpportunityEvidence::Lost(reason) => format!("lost: {}", reason.category),
        OpportunityEvidence::Reopened(n) => format!("reopened: \"{n}\""),
        OpportunityEvidence::Reassigned(r) => {
            let name = |u: &Option<User>| u.as_ref().map_or("nobody", User::as_str).to_owned();
            format!(
                "handed from {} to {}: \"{}\"",
                name(r.owner().before()),
                name(r.owner().after()),
                r.reason().map_or("", Note::as_str)
            )
        }
        other => format!("{other:?}"),
    }
}
