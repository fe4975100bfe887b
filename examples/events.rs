//! The outbox, consumed: a few lifecycles run through the facade, then a consumer reads their
//! events from its cursor, a page at a time, and prints each one with the signed webhook
//! request it would send (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
//! `webhook-signature`). Delivery is at least once: the consumer skips ids it has handled,
//! keeps its cursor, and prunes what it has handled.
//!
//! Run it with `cargo run --example events --features webhooks`.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use prospect::event::{EventId, Position};
use prospect::memory::MemoryStore;
use prospect::webhook::{Secret, WebhookMessage, verify};
use prospect::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A fixed clock and deterministic ids: the output is the same at every run.
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .ok_or("date")?,
    ));
    let crm = Crm::with_clock_and_ids(
        MemoryStore::new(),
        prospect::access::AllowAll,
        clock.clone(),
        Arc::new(SequentialIds::new(15)),
    );
    run_lifecycles(&crm, &clock)?;

    // The consumer: its cursor and the ids it has handled would be stored by the application
    // (next to its own data, in the same transaction as its side effects, to be exact).
    let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    let mut cursor: Option<Position> = None;
    let mut handled: HashSet<EventId> = HashSet::new();
    let now = clock.now().timestamp();
    loop {
        let page = crm.store().read_events(cursor, 4)?;
        for unreadable in &page.unreadable {
            eprintln!("skipped: {unreadable}");
        }
        let Some(last) = page.last else { break };
        for stored in &page.events {
            let event = &stored.event;
            if !handled.insert(event.id()) {
                continue; // delivered twice: already handled
            }
            let record = event.record();
            println!(
                "{:<4} {:<20} {:<12} {} v{}  by {}",
                format!("#{}", stored.position),
                event.payload().name(),
                record.kind().as_str(),
                short(&record.as_uuid().to_string()),
                event.version().get(),
                event.actor(),
            );
            let message = WebhookMessage::of(event, &secret, now)?;
            for (name, value) in message.headers() {
                println!("     {name}: {value}");
            }
            println!("     {}", message.body());
            // What the receiving end checks.
            verify(
                &secret,
                message.id(),
                message.timestamp(),
                message.body().as_bytes(),
                message.signature(),
                now,
            )?;
        }
        cursor = Some(last);
    }
    let Some(cursor) = cursor else {
        return Err("no events".into());
    };
    println!("\n{} events handled, cursor at #{cursor}", handled.len());
    // Handled events can go: prune up to and including the cursor.
    let pruned = crm.store().prune_events(Position::new(cursor.get() + 1))?;
    let left = crm.store().read_events(None, 10)?.events.len();
    println!("pruned {pruned}, {left} left; the next event comes after #{cursor}");
    Ok(())
}

/// Two prospects: one won, one disqualified.
fn run_lifecycles(
    crm: &Crm<MemoryStore>,
    clock: &FixedClock,
) -> Result<(), Box<dyn std::error::Error>> {
    let claire = User::new("claire")?;
    let today = || clock.now().date_naive();
    let jeanne = crm
        .create_contact(
            ContactDetails::new(
                Party::person(PersonName::new("Jeanne Martin")?),
                LeadSource::Web,
            )
            .with_email(EmailAddress::new("jeanne@acme.example")?)
            .with_owner(claire.clone()),
            OnDuplicate::Refuse,
            &claire,
        )?
        .into_contact();
    let lead = crm.open_lead(
        &jeanne,
        Interest::new(
            Summary::new("A CRM for 40 sellers")?,
            BuyingRole::DecisionMaker,
        ),
        &claire,
    )?;
    let lead = crm.log_touch(
        lead,
        Touch::new(Channel::Call, Summary::new("Discovery call")?),
        &claire,
    )?;
    let eur = |major: i64| Money::parse(&major.to_string(), Currency::EUR);
    let qualification = Qualification::builder()
        .need(Need::new(
            Summary::new("Replace spreadsheets")?,
            vec![Requirement::new("40 seats")?],
        )?)
        .budget(Budget::new(eur(30_000)?)?)
        .timeline(Timeline::new(
            today() + chrono::Days::new(60),
            today(),
            &HorizonPolicy::default(),
        )?)
        .build();
    let Qualified { opportunity, .. } = crm.qualify(lead, qualification, &claire)?;
    clock.advance(TimeDelta::days(7));
    let proposal = SentProposal::new(Summary::new("40 seats")?, eur(36_000)?, today())?;
    let opportunity = crm.propose(opportunity, proposal, &claire)?;
    let opportunity = crm.negotiate(opportunity, Note::new("Price")?, &claire)?;
    let opportunity = crm.enter_contracting(
        opportunity,
        PaymentTerms::new(30, 1)?,
        Incumbent::NoneInPlace,
        &claire,
    )?;
    clock.advance(TimeDelta::days(7));
    let contract = SignedContract::new(
        Reference::new("C-2026-001")?,
        eur(35_000)?,
        today(),
        PersonName::new("Jeanne Martin")?,
    )?;
    crm.win(opportunity, contract, &claire)?;

    let paul = crm
        .create_contact(
            ContactDetails::new(
                Party::person(PersonName::new("Paul Durand")?),
                LeadSource::Event,
            ),
            OnDuplicate::Refuse,
            &claire,
        )?
        .into_contact();
    let lead = crm.open_lead(
        &paul,
        Interest::new(Summary::new("Curious")?, BuyingRole::Influencer),
        &claire,
    )?;
    crm.disqualify(
        lead,
        DisqualifyReason::new(DisqualifyCategory::NoBudget),
        &claire,
    )?;
    Ok(())
}

/// The last twelve characters of an id, enough to tell them apart here.
fn short(id: &str) -> &str {
    &id[id.len().saturating_sub(12)..]
}
