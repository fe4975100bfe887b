//! Validated constructors refuse bad values with an error that names the field.

use chrono::{Days, NaiveDate};
use prospect::*;

#[test]
fn text_fields_are_trimmed_and_refuse_empty_long_control_and_bidi_text() {
    assert_eq!(PersonName::new("  Ada  ").unwrap().as_str(), "Ada");
    let long = "x".repeat(201);
    let cases: [(Result<PersonName, ValidationError>, &str); 5] = [
        (PersonName::new(""), "person name: must not be empty"),
        (PersonName::new(" \t\n "), "person name: must not be empty"),
        (
            PersonName::new(&long),
            "person name: 201 characters, at most 200 allowed",
        ),
        (
            PersonName::new("Ada\u{0}Lovelace"),
            "person name: control character at position 3",
        ),
        (
            PersonName::new("Ada\u{202E}ecalevol"),
            "person name: bidirectional control character at position 3",
        ),
    ];
    for (result, message) in cases {
        assert_eq!(result.unwrap_err().to_string(), message);
    }
    assert!(
        Note::new("line one\nline two").is_ok(),
        "notes may span lines"
    );
    assert_eq!(
        Summary::new("one\ntwo").unwrap_err().field(),
        Field::Summary
    );
    assert_eq!(User::new("").unwrap_err().field(), Field::User);
    assert_eq!(
        OrganizationName::new("").unwrap_err().field(),
        Field::OrganizationName
    );
    assert_eq!(
        JobTitle::new("\u{2066}x").unwrap_err().field(),
        Field::JobTitle
    );
    assert_eq!(
        Reference::new("x".repeat(101)).unwrap_err().field(),
        Field::Reference
    );
    assert_eq!(
        Requirement::new(" ").unwrap_err().field(),
        Field::Requirement
    );
}

#[test]
fn errors_never_repeat_personal_data() {
    let err = EmailAddress::new("secret person@example.com").unwrap_err();
    assert!(!err.to_string().contains("secret"), "{err}");
    let err = PhoneNumber::new("+44 20 7946 CALL").unwrap_err();
    assert!(!err.to_string().contains("7946"), "{err}");
    assert_eq!(err.to_string(), "phone: letters are not allowed");
}

#[test]
fn money_evidence_must_be_positive() {
    let zero = Money::zero(Currency::EUR);
    let negative = Money::from_minor(-1, Currency::EUR);
    assert_eq!(
        Budget::new(zero).unwrap_err(),
        ValidationError::NotPositive {
            field: Field::Budget
        }
    );
    assert_eq!(Budget::new(negative).unwrap_err().field(), Field::Budget);
    let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let summary = Summary::new("x").unwrap();
    assert_eq!(
        SentProposal::new(summary, zero, today).unwrap_err().field(),
        Field::ProposalAmount
    );
    let contract = SignedContract::new(
        Reference::new("C").unwrap(),
        negative,
        today,
        PersonName::new("P").unwrap(),
    );
    assert_eq!(contract.unwrap_err().field(), Field::ContractValue);
    assert_eq!(
        Money::parse("12,50", Currency::EUR).unwrap_err().field(),
        Field::Amount
    );
    assert_eq!(Currency::new("EURO").unwrap_err().field(), Field::Currency);
    assert_eq!(
        Currency::new("ABC").unwrap_err().to_string(),
        "currency: unknown ISO 4217 currency code"
    );
}

#[test]
fn timelines_are_checked_against_the_horizon() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let policy = HorizonPolicy::new(90).unwrap();
    assert!(
        Timeline::new(today, today, &policy).is_ok(),
        "deciding today is fine"
    );
    assert!(Timeline::new(today + Days::new(90), today, &policy).is_ok());
    let err = Timeline::new(today + Days::new(91), today, &policy).unwrap_err();
    assert_eq!(
        err.to_string(),
        "decision date: 2026-06-01 is beyond the horizon of 90 days from 2026-03-02"
    );
    let err = Timeline::new(today - Days::new(1), today, &policy).unwrap_err();
    assert_eq!(
        err.to_string(),
        "decision date: 2026-03-01 is in the past (today is 2026-03-02)"
    );
    assert_eq!(HorizonPolicy::new(0).unwrap_err().field(), Field::Horizon);
    assert_eq!(
        HorizonPolicy::new(4000).unwrap_err().field(),
        Field::Horizon
    );
}

#[test]
fn numbers_are_range_checked() {
    assert_eq!(
        Probability::new(101).unwrap_err().to_string(),
        "probability: 101 is out of range 0..=100"
    );
    assert_eq!(Probability::new(100).unwrap(), Probability::CERTAIN);
    assert_eq!(
        PaymentTerms::new(366, 1).unwrap_err().field(),
        Field::PaymentDays
    );
    assert_eq!(
        PaymentTerms::new(30, 0).unwrap_err().field(),
        Field::Installments
    );
    assert_eq!(
        PaymentTerms::new(30, 121).unwrap_err().field(),
        Field::Installments
    );
    let too_many = vec![Requirement::new("r").unwrap(); Need::MAX_REQUIREMENTS + 1];
    assert_eq!(
        Need::new(Summary::new("s").unwrap(), too_many)
            .unwrap_err()
            .field(),
        Field::RequirementList
    );
}
