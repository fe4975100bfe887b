//! Hostile input: every bad value is refused with an error naming its field; no constructor or
//! deserialiser panics, whatever it is fed; personal data stays out of `Debug` and `Display`.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use prospect::testkit::Sample;
use prospect::*;
use prospect::{
    record::{AnyLead, AnyOpportunity, Record},
    store::{Version, Versioned},
};
use serde_json::Value;

use crate::support::*;

fn field<T>(result: Result<T, ValidationError>) -> Result<Field, String> {
    match result {
        Ok(_) => Err("accepted".to_string()),
        Err(e) => Ok(e.field()),
    }
}

#[test]
fn bad_input_is_refused_with_an_error_naming_the_field() {
    let long = "x".repeat(100 * 1024);
    let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let policy = HorizonPolicy::default();
    let eur = |minor| Money::from_minor(minor, Currency::EUR);
    let date = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let cases: Vec<(&str, Result<Field, String>, Field)> = vec![
        // Names and text.
        ("empty name", field(PersonName::new("")), Field::PersonName),
        (
            "whitespace-only name",
            field(PersonName::new(" \t\n ")),
            Field::PersonName,
        ),
        (
            "100 KB name",
            field(PersonName::new(&long)),
            Field::PersonName,
        ),
        (
            "NUL in a name",
            field(PersonName::new("Ada\u{0}Lovelace")),
            Field::PersonName,
        ),
        (
            "bell in a name",
            field(PersonName::new("Ada\u{7}")),
            Field::PersonName,
        ),
        (
            "line break in a name",
            field(PersonName::new("Ada\nLovelace")),
            Field::PersonName,
        ),
        (
            "right-to-left override in a name",
            field(PersonName::new("Ada\u{202E}ecalevol")),
            Field::PersonName,
        ),
        (
            "isolate in a name",
            field(PersonName::new("\u{2066}Ada")),
            Field::PersonName,
        ),
        (
            "empty organization",
            field(OrganizationName::new("")),
            Field::OrganizationName,
        ),
        (
            "100 KB organization",
            field(OrganizationName::new(&long)),
            Field::OrganizationName,
        ),
        (
            "override in an organization",
            field(OrganizationName::new("\u{202D}Acme")),
            Field::OrganizationName,
        ),
        (
            "terminal escape in a job title",
            field(JobTitle::new("\u{1b}[31mCEO")),
            Field::JobTitle,
        ),
        (
            "two-line summary",
            field(Summary::new("one\ntwo")),
            Field::Summary,
        ),
        ("100 KB summary", field(Summary::new(&long)), Field::Summary),
        ("empty note", field(Note::new("")), Field::Note),
        ("100 KB note", field(Note::new(&long)), Field::Note),
        (
            "override in a note",
            field(Note::new("pay \u{202E}0001")),
            Field::Note,
        ),
        (
            "101-character reference",
            field(Reference::new("R".repeat(101))),
            Field::Reference,
        ),
        ("NUL in a user", field(User::new("al\u{0}ice")), Field::User),
        (
            "blank requirement",
            field(Requirement::new("  ")),
            Field::Requirement,
        ),
        // Email.
        (
            "email without @",
            field(EmailAddress::new("jeanne.acme.example")),
            Field::Email,
        ),
        (
            "email with two @",
            field(EmailAddress::new("jeanne@@acme.example")),
            Field::Email,
        ),
        (
            "email with @ in the domain",
            field(EmailAddress::new("a@b@acme.example")),
            Field::Email,
        ),
        (
            "email with a space",
            field(EmailAddress::new("jeanne martin@acme.example")),
            Field::Email,
        ),
        (
            "email with a trailing dot",
            field(EmailAddress::new("jeanne@acme.example.")),
            Field::Email,
        ),
        (
            "email without a dot in the domain",
            field(EmailAddress::new("jeanne@localhost")),
            Field::Email,
        ),
        (
            "email with a doubled dot",
            field(EmailAddress::new("jeanne..martin@acme.example")),
            Field::Email,
        ),
        (
            "email with a leading dot",
            field(EmailAddress::new(".jeanne@acme.example")),
            Field::Email,
        ),
        (
            "internationalised domain (policy: give the xn-- form)",
            field(EmailAddress::new("jeanne@café.example")),
            Field::Email,
        ),
        (
            "internationalised local part (policy: refused)",
            field(EmailAddress::new("jérôme@acme.example")),
            Field::Email,
        ),
        (
            "IP-address domain",
            field(EmailAddress::new("root@10.0.0.1")),
            Field::Email,
        ),
        (
            "hyphen-led domain label",
            field(EmailAddress::new("a@-acme.example")),
            Field::Email,
        ),
        (
            "quoted local part",
            field(EmailAddress::new("\"a b\"@acme.example")),
            Field::Email,
        ),
        (
            "300-character email",
            field(EmailAddress::new(format!(
                "{}@acme.example",
                "a".repeat(300)
            ))),
            Field::Email,
        ),
        (
            "override in an email",
            field(EmailAddress::new("a\u{202E}b@acme.example")),
            Field::Email,
        ),
        // Phone.
        (
            "phone with letters",
            field(PhoneNumber::new("1-800-FLOWERS")),
            Field::Phone,
        ),
        (
            "phone with an extension letter",
            field(PhoneNumber::new("+1 555 0100 x12")),
            Field::Phone,
        ),
        (
            "phone with too few digits",
            field(PhoneNumber::new("12 34 56")),
            Field::Phone,
        ),
        (
            "phone with too many digits",
            field(PhoneNumber::new("+1234567890123456")),
            Field::Phone,
        ),
        (
            "phone with a second +",
            field(PhoneNumber::new("+33+123456789")),
            Field::Phone,
        ),
        (
            "phone with #",
            field(PhoneNumber::new("555-0100#2")),
            Field::Phone,
        ),
        // Money and currency.
        ("zero budget", field(Budget::new(eur(0))), Field::Budget),
        (
            "negative budget",
            field(Budget::new(eur(-100))),
            Field::Budget,
        ),
        (
            "zero proposal",
            field(SentProposal::new(Summary::new("p").unwrap(), eur(0), today)),
            Field::ProposalAmount,
        ),
        (
            "negative contract",
            field(SignedContract::new(
                Reference::new("C").unwrap(),
                eur(-1),
                today,
                PersonName::new("P").unwrap(),
            )),
            Field::ContractValue,
        ),
        (
            "amount that overflows",
            field(Money::parse("99999999999999999999", Currency::EUR)),
            Field::Amount,
        ),
        (
            "amount with a comma",
            field(Money::parse("1,50", Currency::EUR)),
            Field::Amount,
        ),
        (
            "amount with too many decimals",
            field(Money::parse("12.345", Currency::EUR)),
            Field::Amount,
        ),
        (
            "amount in exponent form",
            field(Money::parse("1e5", Currency::EUR)),
            Field::Amount,
        ),
        (
            "unknown currency",
            field(Currency::new("XYZ")),
            Field::Currency,
        ),
        (
            "four-letter currency",
            field(Currency::new("EURO")),
            Field::Currency,
        ),
        (
            "currency symbol",
            field(Currency::new("€")),
            Field::Currency,
        ),
        // Dates, horizons, probabilities, terms.
        (
            "decision date in the past",
            field(Timeline::new(date(1), today, &policy)),
            Field::DecisionDate,
        ),
        (
            "decision date beyond the horizon",
            field(Timeline::new(today + Days::new(366), today, &policy)),
            Field::DecisionDate,
        ),
        (
            "horizon of 0 days",
            field(HorizonPolicy::new(0)),
            Field::Horizon,
        ),
        (
            "probability 101",
            field(Probability::new(101)),
            Field::Probability,
        ),
        (
            "probability 250",
            field(Probability::new(250)),
            Field::Probability,
        ),
        (
            "payment in 366 days",
            field(PaymentTerms::new(366, 1)),
            Field::PaymentDays,
        ),
        (
            "zero installments",
            field(PaymentTerms::new(30, 0)),
            Field::Installments,
        ),
        (
            "need without requirements",
            field(Need::new(Summary::new("s").unwrap(), vec![])),
            Field::RequirementList,
        ),
    ];
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for (case, got, expected) in cases {
        assert_eq!(got, Ok(expected), "{case}");
    }
}

#[test]
fn every_error_message_names_its_field() {
    let errors = [
        PersonName::new("").unwrap_err(),
        EmailAddress::new("x").unwrap_err(),
        PhoneNumber::new("12").unwrap_err(),
        Currency::new("XYZ").unwrap_err(),
        Probability::new(101).unwrap_err(),
    ];
    for e in errors {
        assert!(e.to_string().starts_with(e.field().name()), "{e}");
    }
}

/// Arbitrary JSON values, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
        prop_oneof![
            Just("lead"),
            Just("contact"),
            Just("won"),
            Just("EUR"),
            Just("2026-03-02T09:00:00Z")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the value at a path chosen by `choices` in `value` with `replacement`.
fn mutate(value: &mut Value, choices: &[usize], replacement: Value) {
    match (choices.split_first(), value) {
        (Some((choice, rest)), Value::Object(map)) if !map.is_empty() => {
            let key = map.keys().nth(choice % map.len()).cloned().unwrap();
            mutate(map.get_mut(&key).unwrap(), rest, replacement);
        }
        (Some((choice, rest)), Value::Array(items)) if !items.is_empty() => {
            let len = items.len();
            mutate(&mut items[choice % len], rest, replacement);
        }
        (_, target) => *target = replacement,
    }
}

fn deserialise_everything(value: &Value) {
    let _ = serde_json::from_value::<Record>(value.clone());
    let _ = serde_json::from_value::<AnyLead>(value.clone());
    let _ = serde_json::from_value::<AnyOpportunity>(value.clone());
    let _ = serde_json::from_value::<Contact>(value.clone());
    let _ = serde_json::from_value::<Account>(value.clone());
    let _ = serde_json::from_value::<Versioned<Record>>(value.clone());
    let _ = serde_json::from_value::<Qualification>(value.clone());
    let _ = serde_json::from_value::<Money>(value.clone());
    let _ = serde_json::from_value::<prospect::fields::FieldSchema>(value.clone());
    let _ = serde_json::from_value::<prospect::fields::SchemaChange>(value.clone());
    let _ = serde_json::from_value::<prospect::fields::FieldValues>(value.clone());
}

/// A schema record with a field of every type and a pipeline, as JSON.
fn schema_record_json() -> Value {
    use prospect::Probability;
    use prospect::fields::*;
    use prospect::state::OpportunityStage as S;
    let f = Sample::new(43);
    let key = |k: &str| FieldKey::new(k).unwrap();
    let options = || {
        vec![
            PicklistOption::new(key("a"), "A"),
            PicklistOption::new(key("b"), "B"),
        ]
    };
    let types = [
        FieldType::Text { max_chars: 40 },
        FieldType::Integer { min: -5, max: 5 },
        FieldType::Decimal {
            places: 2,
            min: 0,
            max: 900,
        },
        FieldType::Money,
        FieldType::Date,
        FieldType::Boolean,
        FieldType::Picklist { options: options() },
        FieldType::MultiPicklist { options: options() },
        FieldType::Reference {
            kind: prospect::record::RecordKind::Account,
        },
    ];
    let mut record: Option<SchemaRecord> = None;
    let ctx = f.ctx();
    let mut changes: Vec<SchemaChange> = types
        .into_iter()
        .enumerate()
        .map(|(i, t)| SchemaChange::AddField {
            kind: prospect::record::RecordKind::Opportunity,
            field: FieldDefinition::new(key(&format!("f{i}")), "F", t),
        })
        .collect();
    let stage = |k: &str, b| PipelineStage::new(key(k), "S", b, Probability::new(50).unwrap());
    changes.push(SchemaChange::AddPipeline {
        pipeline: Pipeline::new(
            key("p"),
            "P",
            vec![
                stage("d", S::Discovery),
                stage("p", S::Proposal),
                stage("n", S::Negotiation),
                stage("c", S::Contracting),
            ],
        ),
    });
    for change in changes {
        record = Some(match record {
            None => SchemaRecord::first(change, &ctx).unwrap(),
            Some(r) => r.change(change, &ctx).unwrap(),
        });
    }
    json(&Record::FieldSchema(record.unwrap()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_deserialiser_panics_on_arbitrary_json(value in json_value()) {
        deserialise_everything(&value);
    }

    #[test]
    fn no_deserialiser_panics_on_a_record_with_one_part_replaced(
        which in 0usize..13,
        path in proptest::collection::vec(any::<usize>(), 0..6),
        replacement in json_value(),
    ) {
        let f = Sample::new(42);
        let records = crate::records::every_state(&f);
        let mut value = json(&records[which % records.len()]);
        mutate(&mut value, &path, replacement);
        deserialise_everything(&value);
        // What is accepted is valid: it serialises back to what was read.
        if let Ok(record) = serde_json::from_value::<Record>(value.clone()) {
            let again: Record = serde_json::from_value(json(&record)).unwrap();
            prop_assert_eq!(again, record);
        }
    }

    #[test]
    fn no_deserialiser_panics_on_a_schema_record_with_one_part_replaced(
        path in proptest::collection::vec(any::<usize>(), 0..8),
        replacement in json_value(),
    ) {
        let mut value = schema_record_json();
        mutate(&mut value, &path, replacement);
        deserialise_everything(&value);
        if let Ok(record) = serde_json::from_value::<Record>(value.clone()) {
            let again: Record = serde_json::from_value(json(&record)).unwrap();
            prop_assert_eq!(again, record);
        }
    }

    #[test]
    fn no_deserialiser_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<Record>(&bytes);
        let _ = serde_json::from_slice::<Versioned<Record>>(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = EmailAddress::new(text);
            let _ = PhoneNumber::new(text);
            let _ = Money::parse(text, Currency::EUR);
        }
    }
}

#[test]
fn debug_and_display_never_print_an_email_or_phone_number() {
    let f = Sample::new(42);
    let (email, phone) = ("jeanne.martin@acme.example", "+33 1 23 45 67 89");
    let details = f
        .contact_details()
        .with_email(f.email(email))
        .with_phone(PhoneNumber::new(phone).unwrap());
    let contact = Contact::create(details, &f.ctx());
    assert_eq!(contact.email().unwrap().as_str(), email);
    let versioned = Versioned::new(contact.clone(), Version::FIRST);
    let record = Record::from(contact.clone());
    let shown = [
        format!("{contact:?}"),
        format!("{contact:#?}"),
        format!("{versioned:?}"),
        format!("{record:?}"),
        format!("{:?}", contact.details()),
        format!("{}", contact.email().unwrap()),
        format!("{}", contact.phone().unwrap()),
        format!("{:?}", EmailAddress::new(email).unwrap_err_or_ok()),
    ];
    for text in shown {
        assert!(
            !text.contains(email) && !text.contains("jeanne.martin"),
            "email in {text}"
        );
        assert!(
            !text.contains(phone) && !text.contains("45 67"),
            "phone in {text}"
        );
    }
}

trait UnwrapErrOrOk {
    fn unwrap_err_or_ok(self) -> String;
}

impl<T: std::fmt::Debug, E: std::fmt::Debug> UnwrapErrOrOk for Result<T, E> {
    fn unwrap_err_or_ok(self) -> String {
        match self {
            Ok(v) => format!("{v:?}"),
            Err(e) => format!("{e:?}"),
        }
    }
}

#[test]
fn bad_input_with_invisible_characters_or_nothing_visible_is_refused() {
    let invisible = |field, position| ValidationError::InvisibleCharacter { field, position };
    let nothing = |field| ValidationError::NothingVisible { field };
    let cases: Vec<(&str, Result<(), ValidationError>, ValidationError)> = vec![
        (
            "zero-width space in a user id",
            User::new("alice\u{200B}").map(drop),
            invisible(Field::User, 5),
        ),
        (
            "zero-width joiner in a user id",
            User::new("ali\u{200D}ce").map(drop),
            invisible(Field::User, 3),
        ),
        (
            "right-to-left mark in a user id",
            User::new("alice\u{200F}").map(drop),
            invisible(Field::User, 5),
        ),
        (
            "soft hyphen in a name",
            PersonName::new("Jean\u{AD}ne").map(drop),
            invisible(Field::PersonName, 4),
        ),
        (
            "Hangul filler as a name",
            PersonName::new("\u{3164}").map(drop),
            invisible(Field::PersonName, 0),
        ),
        (
            "tag characters in an organization",
            OrganizationName::new("Acme\u{E0041}").map(drop),
            invisible(Field::OrganizationName, 4),
        ),
        (
            "byte order mark in a note",
            Note::new("\u{FEFF}").map(drop),
            invisible(Field::Note, 0),
        ),
        (
            "variation selector in a reference",
            Reference::new("C-1\u{FE0F}").map(drop),
            invisible(Field::Reference, 3),
        ),
        (
            "word joiner in a job title",
            JobTitle::new("C\u{2060}EO").map(drop),
            invisible(Field::JobTitle, 1),
        ),
        (
            "Mongolian vowel separator in a requirement",
            Requirement::new("SSO\u{180E}").map(drop),
            invisible(Field::Requirement, 3),
        ),
        (
            "line separator in a summary",
            Summary::new("one\u{2028}two").map(drop),
            invisible(Field::Summary, 3),
        ),
        (
            "a lone combining mark as a summary",
            Summary::new("\u{0301}").map(drop),
            nothing(Field::Summary),
        ),
        (
            "only a joiner as a summary",
            Summary::new("\u{200D}").map(drop),
            nothing(Field::Summary),
        ),
        (
            "only direction marks as a note",
            Note::new("\u{200E}\u{200F}").map(drop),
            nothing(Field::Note),
        ),
    ];
    for (case, got, expected) in cases {
        assert_eq!(got, Err(expected), "{case}");
    }
    // Free text keeps what scripts and emoji need; a combining mark on a letter is visible.
    assert!(
        Note::new("می\u{200C}خواهم").is_ok(),
        "Persian needs the non-joiner"
    );
    assert!(
        Note::new("\u{1F469}\u{200D}\u{1F4BB} on the call").is_ok(),
        "an emoji sequence"
    );
    assert!(
        PersonName::new("Jose\u{0301}").is_ok(),
        "a combining accent on a letter"
    );
    // Two user ids that would look identical cannot both exist.
    assert!(User::new("alice").is_ok());
    assert!(User::new("ali\u{200C}ce").is_err());
}
