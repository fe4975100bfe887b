//! Every value a constructor makes reads back: `T::new(x)`, serialised and deserialised, is the
//! same value (and serialises to the same text), for generated inputs that include the shapes
//! that break normalisations: repeated prefixes and suffixes, mixed case, trailing dots,
//! surrounding white space, both Unicode normal forms, joiners, and the longest allowed
//! lengths. A constructor's normalisation is also idempotent: `T::new` of a value's own text
//! gives the value back (the reader of a stored value and the constructor are one function).

use std::fmt::Debug;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use proptest::prelude::*;
use proptest::sample::select;
use prospect::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `value` serialised, deserialised and serialised again: equal, and the same text.
fn reads_back<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let json = serde_json::to_string(value).expect("every value serialises");
    let back: T = serde_json::from_str(&json)
        .map_err(|e| TestCaseError::fail(format!("{value:?} as {json} does not read back: {e}")))?;
    prop_assert_eq!(&back, value);
    prop_assert_eq!(serde_json::to_string(&back).expect("serialises"), json);
    Ok(())
}

/// Pieces that adversarial text is made of: white space of several kinds, prefixes and
/// suffixes that normalisations strip, case, both normal forms of accented letters, joiners
/// and invisible characters, right-to-left and Indic script, emoji.
const PIECES: &[&str] = &[
    " ",
    "  ",
    "\t",
    "\n",
    "\u{a0}",
    "\u{3000}",
    "www.",
    "WWW.",
    "Www.",
    ".",
    "..",
    "-",
    "xn--",
    "acme",
    "ACME",
    "Example",
    "co",
    "a",
    "Z",
    "0",
    "12",
    "@",
    "+",
    "(",
    ")",
    "'",
    "é",
    "e\u{301}",
    "Å",
    "A\u{30a}",
    "ß",
    "İ",
    "\u{212a}",
    "ﬁ",
    "\u{200c}",
    "\u{200d}",
    "\u{200b}",
    "\u{feff}",
    "\u{202e}",
    "\u{200e}",
    "\u{fe0f}",
    "علی",
    "رضا",
    "می",
    "خواهم",
    "क्",
    "ष",
    "दे",
    "שלום",
    "สวัสดี",
    "田中",
    "张伟",
    "김",
    "😀",
    "👩",
    "💻",
    "\u{1f3fd}",
    "\r\n",
];

/// Text made of up to eight pieces.
fn pieces() -> impl Strategy<Value = String> {
    proptest::collection::vec(select(PIECES), 0..8).prop_map(|p| p.concat())
}

/// Text around the longest length `max`: a repeated character (ASCII, precomposed, decomposed
/// or CJK), sometimes with surrounding white space.
fn around(max: usize) -> impl Strategy<Value = String> {
    (
        select(vec!["a", "é", "e\u{301}", "字", "😀"]),
        max.saturating_sub(2)..=max + 1,
        any::<bool>(),
    )
        .prop_map(|(unit, n, padded)| {
            let text = unit.repeat(n);
            if padded { format!("  {text} ") } else { text }
        })
}

/// Adversarial text for a field of at most `max` characters.
fn text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![3 => pieces(), 1 => around(max)]
}

/// Checks that a text value, when `new` accepts `raw`, reads back and is a fixed point of
/// `new`.
fn text_reads_back<T>(
    raw: &str,
    new: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + AsRef<str>,
{
    if let Ok(value) = new(raw) {
        reads_back(&value)?;
        let again = new(value.as_ref());
        prop_assert_eq!(again.as_ref(), Ok(&value), "not idempotent");
    }
    Ok(())
}

/// A date anywhere in chrono's range.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    let (min, max) = (
        NaiveDate::MIN.num_days_from_ce(),
        NaiveDate::MAX.num_days_from_ce(),
    );
    prop_oneof![
        (min..=max).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).expect("in range")),
        Just(NaiveDate::MIN),
        Just(NaiveDate::MAX),
    ]
}

/// An instant anywhere in chrono's range, to the microsecond (what stores keep).
fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    let (min, max) = (
        DateTime::<Utc>::MIN_UTC.timestamp_micros(),
        DateTime::<Utc>::MAX_UTC.timestamp_micros(),
    );
    (min..=max).prop_map(|m| DateTime::from_timestamp_micros(m).expect("in range"))
}

fn any_currency() -> impl Strategy<Value = Currency> {
    // The withdrawn ones too: records in them still read.
    let mut all: Vec<Currency> = Currency::all().collect();
    all.push(Currency::new("BGN").expect("withdrawn, still read"));
    select(all)
}

fn summary() -> impl Strategy<Value = Summary> {
    text(Summary::MAX_CHARS).prop_filter_map("a summary", |t| Summary::new(t).ok())
}

fn money() -> impl Strategy<Value = Money> {
    (any::<i64>(), any_currency()).prop_map(|(m, c)| Money::from_minor(m, c))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn text_values_read_back(raw in text(4001)) {
        text_reads_back(&raw, |t| PersonName::new(t))?;
        text_reads_back(&raw, |t| OrganizationName::new(t))?;
        text_reads_back(&raw, |t| JobTitle::new(t))?;
        text_reads_back(&raw, |t| Summary::new(t))?;
        text_reads_back(&raw, |t| Requirement::new(t))?;
        text_reads_back(&raw, |t| Industry::new(t))?;
        text_reads_back(&raw, |t| Note::new(t))?;
        text_reads_back(&raw, |t| Reference::new(t))?;
        text_reads_back(&raw, |t| User::new(t))?;
    }

    #[test]
    fn text_values_read_back_at_their_longest(
        raw in prop_oneof![around(100), around(128), around(200), around(500), around(4000)]
    ) {
        text_reads_back(&raw, |t| PersonName::new(t))?;
        text_reads_back(&raw, |t| Summary::new(t))?;
        text_reads_back(&raw, |t| Industry::new(t))?;
        text_reads_back(&raw, |t| Note::new(t))?;
        text_reads_back(&raw, |t| Reference::new(t))?;
        text_reads_back(&raw, |t| User::new(t))?;
    }

    #[test]
    fn domains_read_back(
        raw in prop_oneof![
            proptest::collection::vec(
                select(vec!["www.", "WWW.", "www", "acme", "Example", ".", "..", "-", "xn--", " ", "1", "co", "a"]),
                0..9,
            ).prop_map(|p| p.concat()),
            (1usize..6, any::<bool>()).prop_map(|(n, dot)| format!("{}acme.example{}", "www.".repeat(n), if dot { "." } else { "" })),
            (60usize..=66).prop_map(|n| format!("{}.{}.example", "a".repeat(n), "b".repeat(180))),
        ]
    ) {
        if let Ok(domain) = Domain::new(&raw) {
            reads_back(&domain)?;
            let again = Domain::new(domain.as_str());
            prop_assert_eq!(again.as_ref(), Ok(&domain), "not idempotent");
        }
    }

    #[test]
    fn emails_and_phones_read_back(
        email in proptest::collection::vec(
            select(vec!["a", "A", ".", "@", "+", "-", "_", "example", "COM", " ", "xn--", "!", "'", "é"]),
            0..10,
        ).prop_map(|p| p.concat()),
        phone in proptest::collection::vec(
            select(vec!["+", "1", "23", "456", " ", "(", ")", "-", ".", "0", "x", "\u{a0}"]),
            0..12,
        ).prop_map(|p| p.concat()),
    ) {
        if let Ok(value) = EmailAddress::new(&email) {
            reads_back(&value)?;
            // Equality ignores case: the text itself must read back too.
            let back: EmailAddress = serde_json::from_value(serde_json::to_value(&value).unwrap()).unwrap();
            prop_assert_eq!(back.as_str(), value.as_str());
            prop_assert_eq!(EmailAddress::new(value.as_str()).map(|e| e.as_str().to_string()), Ok(value.as_str().to_string()));
        }
        if let Ok(value) = PhoneNumber::new(&phone) {
            reads_back(&value)?;
            let back: PhoneNumber = serde_json::from_value(serde_json::to_value(&value).unwrap()).unwrap();
            prop_assert_eq!(back.as_str(), value.as_str());
        }
    }

    #[test]
    fn codes_and_amounts_read_back(
        code in "[ a-zA-Z]{0,5}",
        amount in "[ ]?[-+]?[0-9]{0,20}(\\.[0-9]{0,5})?[ ]?",
        currency in any_currency(),
        minor in any::<i64>(),
        percent in any::<u32>(),
    ) {
        if let Ok(c) = Currency::new(&code) {
            reads_back(&c)?;
        }
        if let Ok(c) = Country::new(&code) {
            reads_back(&c)?;
        }
        if let Ok(m) = Money::parse(&amount, currency) {
            reads_back(&m)?;
        }
        reads_back(&Money::from_minor(minor, currency))?;
        if let Ok(p) = Probability::new(percent) {
            reads_back(&p)?;
        }
    }

    #[test]
    fn dates_read_back(date in any_date(), at in any_instant()) {
        reads_back(&date)?;
        reads_back(&at)?;
        reads_back(&Due::On(date))?;
        reads_back(&Due::By(at))?;
    }

    #[test]
    fn evidence_reads_back(
        summary in summary(),
        amount in money(),
        date in any_date(),
        other in any_date(),
        horizon in any::<u32>(),
        net in any::<u32>(),
        installments in any::<u32>(),
        requirements in 0usize..102,
        name in text(200),
        reference in text(100),
    ) {
        if let Ok(p) = SentProposal::new(summary.clone(), amount, date) {
            reads_back(&p)?;
        }
        if let (Ok(r), Ok(n)) = (Reference::new(&reference), PersonName::new(&name)) {
            if let Ok(c) = SignedContract::new(r, amount, date, n) {
                reads_back(&c)?;
            }
        }
        if let Ok(t) = PaymentTerms::new(net, installments) {
            reads_back(&t)?;
            reads_back(&t.with_note(Note::new("net 30, 2 % discount at 10 days").unwrap()))?;
        }
        if let Ok(policy) = HorizonPolicy::new(horizon) {
            if let Ok(t) = Timeline::new(date, other, &policy) {
                reads_back(&t)?;
            }
        }
        if let Ok(b) = Budget::new(amount) {
            reads_back(&b)?;
        }
        let listed = vec![Requirement::new("SSO").unwrap(); requirements];
        if let Ok(need) = Need::new(summary.clone(), listed) {
            reads_back(&need)?;
        }
        reads_back(&Interest::new(summary.clone(), BuyingRole::DecisionMaker))?;
        reads_back(&Touch::new(Channel::Call, summary.clone()))?;
        reads_back(&LossReason::new(LossCategory::Price).with_detail(Note::new("too dear").unwrap()))?;
        reads_back(&DisqualifyReason::new(DisqualifyCategory::NoBudget))?;
        if let Ok(n) = PersonName::new(&name) {
            reads_back(&Authority::new(n))?;
        }
    }

    #[test]
    fn details_read_back(
        name in text(200),
        domains in proptest::collection::vec(
            prop_oneof![
                Just("www.www.acme.example".to_string()),
                Just("WWW.Acme.Example.".to_string()),
                "[a-c]{1,3}\\.(example|co)",
            ],
            0..24,
        ),
        country in "[a-zA-Z ]{2,3}",
        at in any_instant(),
        due in any_date(),
    ) {
        if let Ok(person) = PersonName::new(&name) {
            let details = ContactDetails::new(Party::person(person.clone()), LeadSource::Web)
                .with_email(EmailAddress::new("ada@example.com").unwrap())
                .with_phone(PhoneNumber::new("+33 1 23 45 67 89").unwrap());
            reads_back(&details)?;
            if let (Ok(title), Ok(org)) = (JobTitle::new(&name), OrganizationName::new(&name)) {
                reads_back(&Party::employee(person, title, org))?;
            }
        }
        if let Ok(org) = OrganizationName::new(&name) {
            reads_back(&Party::organization(org))?;
        }
        if let Ok(org) = OrganizationName::new(&name) {
            let mut details = OrganizationDetails::new(org);
            for raw in &domains {
                if let Ok(domain) = Domain::new(raw) {
                    details = details.with_domain(domain);
                }
            }
            if let Ok(country) = Country::new(&country) {
                details = details.with_country(country);
            }
            reads_back(&details)?;
            let ctx = Context::system(User::new("claire").unwrap());
            if let Ok(organization) = Organization::create(details, &ctx) {
                reads_back(&organization)?;
            }
        }
        if let Ok(summary) = Summary::new(&name) {
            reads_back(&ActivityDetails::new(ActivityKind::Call, summary.clone()).at(at))?;
            reads_back(&TaskDetails::new(summary, User::new("claire").unwrap(), Due::On(due)))?;
        }
    }

    #[test]
    fn ids_read_back(n in any::<u128>()) {
        let text = format!("\"{}\"", uuid_text(n));
        if let Ok(id) = serde_json::from_str::<ContactId>(&text) {
            reads_back(&id)?;
        }
        if let Ok(id) = serde_json::from_str::<OpportunityId>(&text) {
            reads_back(&id)?;
        }
    }
}

/// `n` written as a UUID (8-4-4-4-12 hexadecimal digits).
fn uuid_text(n: u128) -> String {
    let hex = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[test]
fn a_domain_with_repeated_www_reads_back() {
    let domain = Domain::new("www.www.acme.example").unwrap();
    assert_eq!(domain.as_str(), "acme.example");
    let domain = Domain::new("WWW.www.Www.acme.example.").unwrap();
    assert_eq!(domain.as_str(), "acme.example");
    let domain = Domain::new("www.www.example").unwrap();
    assert_eq!(domain.as_str(), "www.example");
    assert_eq!(Domain::new(domain.as_str()).unwrap(), domain);
    let back: Domain = serde_json::from_str("\"www.example\"").unwrap();
    assert_eq!(back, domain);
    // A stored domain not in its normal form is still refused.
    assert!(serde_json::from_str::<Domain>("\"www.acme.example\"").is_err());
}
