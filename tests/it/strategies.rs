//! The public strategies (feature `proptest`) make valid, varied values.

use std::collections::HashSet;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use prospect::record::{Record, RecordState};
use prospect::strategies;
use prospect::*;

use crate::support::holds_its_last_evidence;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generated_records_round_trip_and_type_back(record in strategies::record()) {
        let text = serde_json::to_string(&record).unwrap();
        let back: Record = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &record);
        prop_assert!(holds_its_last_evidence(&record));
        prop_assert!(holds_its_last_evidence(&back));
        prop_assert!(holds_its_last_evidence(&back.clone()));
        match record {
            Record::Contact(c) => prop_assert_eq!(Contact::try_from(Record::Contact(c.clone())).unwrap(), c),
            Record::Lead(l) => prop_assert_eq!(l.history().last().unwrap().to(), l.status()),
            Record::Opportunity(o) => prop_assert!(o.probability().get() <= 100),
            Record::Account(a) => prop_assert!(!a.wins().is_empty()),
            Record::Activity(a) => prop_assert!(a.occurred_at() <= a.logged_at()),
            Record::Task(t) => prop_assert_eq!(t.is_open(), t.closed().is_none()),
            Record::Organization(o) => prop_assert!(o.domains().windows(2).all(|w| w[0] < w[1])),
            Record::FieldSchema(s) => prop_assert_eq!(s.schema().version().get() as usize, s.history().len()),
        }
    }

    #[test]
    fn generated_values_are_valid(
        email in strategies::email(),
        phone in strategies::phone(),
        money in strategies::money(),
        details in strategies::contact_details(),
        qualification in strategies::qualification(),
    ) {
        prop_assert_eq!(EmailAddress::new(email.as_str()).unwrap(), email);
        prop_assert_eq!(PhoneNumber::new(phone.as_str()).unwrap(), phone);
        prop_assert!(money.is_positive());
        let json = serde_json::to_value(&details).unwrap();
        prop_assert_eq!(serde_json::from_value::<ContactDetails>(json).unwrap(), details);
        prop_assert!(!qualification.need().requirements().is_empty());
    }
}

#[test]
fn the_strategies_reach_every_state() {
    let mut runner = TestRunner::deterministic();
    let mut states = HashSet::new();
    let leads = strategies::lead();
    let opportunities = strategies::opportunity();
    for _ in 0..400 {
        states.insert(RecordState::Lead(
            leads.new_tree(&mut runner).unwrap().current().status(),
        ));
        states.insert(RecordState::Opportunity(
            opportunities
                .new_tree(&mut runner)
                .unwrap()
                .current()
                .stage(),
        ));
    }
    assert_eq!(states.len(), 5 + 6, "{states:?}");
}

/// The generated records hold every kind of edit: hand-offs of leads, opportunities, contacts
/// and accounts, revisions, revised proposals and overrides; so the properties over them
/// (serde round trips, validation, erasure) cover edits too.
#[test]
fn the_strategies_reach_every_kind_of_edit() {
    let mut runner = TestRunner::deterministic();
    let mut edits = HashSet::new();
    let (leads, opportunities) = (strategies::lead(), strategies::opportunity());
    let (contacts, accounts) = (strategies::contact(), strategies::account());
    for _ in 0..400 {
        let lead = leads.new_tree(&mut runner).unwrap().current();
        for t in lead.history().iter() {
            if matches!(t.evidence(), LeadEvidence::Reassigned(_)) {
                edits.insert("lead reassigned");
            }
        }
        let opportunity = opportunities.new_tree(&mut runner).unwrap().current();
        for t in opportunity.history().iter() {
            edits.insert(match t.evidence() {
                OpportunityEvidence::Revised(_) => "opportunity revised",
                OpportunityEvidence::ProposalRevised { .. } => "proposal revised",
                OpportunityEvidence::Overridden(_) => "overridden",
                OpportunityEvidence::Reassigned(_) => "opportunity reassigned",
                _ => continue,
            });
        }
        if !contacts
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .corrections()
            .is_empty()
        {
            edits.insert("contact reassigned");
        }
        if !accounts
            .new_tree(&mut runner)
            .unwrap()
            .current()
            .handoffs()
            .is_empty()
        {
            edits.insert("account reassigned");
        }
    }
    assert_eq!(edits.len(), 7, "{edits:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Generated schemas are what their changes make, their records round-trip through JSON,
    /// and the values drawn for a kind are accepted for a write and as stored.
    #[test]
    fn generated_schemas_and_values_are_valid(
        (schema, values, kind) in strategies::field_schema().prop_flat_map(|schema| {
            let kind = prop::sample::select(vec![
                prospect::record::RecordKind::Contact,
                prospect::record::RecordKind::Opportunity,
                prospect::record::RecordKind::Organization,
            ]);
            (Just(schema), kind).prop_flat_map(|(schema, kind)| {
                let values = strategies::field_values(&schema, kind, Currency::EUR);
                (Just(schema), values, Just(kind))
            })
        }),
        record in strategies::schema_record(),
    ) {
        let check = schema.check_write(kind, &values, Some(Currency::EUR), schema.version());
        prop_assert!(check.is_ok(), "{:?}", check);
        prop_assert!(schema.check_stored(kind, &values, Some(Currency::EUR)).is_ok());
        let json = serde_json::to_string(&Record::FieldSchema(record.clone())).unwrap();
        let back: Record = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, Record::FieldSchema(record.clone()));
        prop_assert_eq!(record.schema().version().get() as usize, record.history().len());
    }
}
