//! Values at the edges (issue 23): errors that name the field and the unit, the small holes
//! closed (no empty edit, no guessable webhook secret, no reporting currency at another rate
//! than 1, an opportunity's contact checked against its lead's, formats required of the newer
//! kinds).

use chrono::TimeZone;
use prospect::memory::MemoryStore;
use prospect::record::{AnyOpportunity, RECORD_FORMAT, Record};
use prospect::state::{Contracting, Discovery};
use prospect::store::{Batch, Store};
use prospect::testkit::{Sample, check_consistency};
use prospect::*;
use serde_json::{Value, json};

use crate::support::*;

/// What reading `json` as a command says: the path of the field at fault and the error. The
/// step is written first, as the command's docs ask (a JSON value's keys are sorted).
fn command_error(json: &Value) -> (String, String) {
    let text = format!(r#"{{"step":{},"args":{}}}"#, json["step"], json["args"]);
    let reader = &mut serde_json::Deserializer::from_str(&text);
    match serde_path_to_error::deserialize::<_, Command>(reader) {
        Ok(command) => panic!("expected {json} refused, read {}", command.step()),
        Err(e) => (e.path().to_string(), e.inner().to_string()),
    }
}

const LEAD: &str = "019b76da-c300-7000-8000-000000000001";

#[test]
fn errors_name_the_field_and_the_unit() {
    let f = Sample::new(23);
    // A name too long: the path is the name's, the unit characters.
    let mut details = json(&f.contact_details());
    details["party"]["name"] = json!("x".repeat(300));
    let (path, error) =
        command_error(&json!({"step": "create_contact", "args": {"details": details}}));
    assert_eq!(path, "args.details.party.name");
    assert!(
        error.starts_with("person name: 300 characters, at most 200 allowed"),
        "{error}"
    );
    // The same when the kind comes after the name (as some clients write it): the message
    // names the field.
    details["party"] = json!({"name": "x".repeat(300), "kind": "person"});
    let (_, error) =
        command_error(&json!({"step": "create_contact", "args": {"details": details}}));
    assert!(error.starts_with("person name: 300 characters"), "{error}");
    details["party"] = json!({"kind": "organization", "name": "Acme", "job_title": "CEO"});
    let (_, error) =
        command_error(&json!({"step": "create_contact", "args": {"details": details}}));
    assert!(error.contains("unknown field `job_title`"), "{error}");

    // Version 0 names the version.
    let (path, error) = command_error(
        &json!({"step": "nurture", "args": {"lead": LEAD, "version": 0, "note": "later"}}),
    );
    assert_eq!(path, "args.version");
    assert!(error.starts_with("version: 0 is not a version"), "{error}");

    // Too many requirements are counted in items, at the list's path.
    let mut qualification = json(&f.qualification());
    qualification["need"]["requirements"] = json!(vec!["SSO"; 101]);
    let (path, error) = command_error(&json!({"step": "qualify", "args": {
        "lead": LEAD, "version": 1, "qualification": qualification}}));
    assert_eq!(path, "args.qualification.need.requirements");
    assert!(
        error.starts_with("requirements: 101 items, at most 100 allowed"),
        "{error}"
    );
    qualification["need"]["requirements"] = json!([]);
    let (path, error) = command_error(&json!({"step": "qualify", "args": {
        "lead": LEAD, "version": 1, "qualification": qualification}}));
    assert_eq!(path, "args.qualification.need.requirements");
    assert!(
        error.starts_with("requirements: must not be empty"),
        "{error}"
    );

    // Too many domains, in items.
    let mut organization = OrganizationDetails::new(OrganizationName::new("Acme").unwrap());
    for n in 0..=Organization::MAX_DOMAINS {
        organization = organization.with_domain(Domain::new(format!("acme{n}.example")).unwrap());
    }
    let error = Organization::create(organization, &f.ctx()).unwrap_err();
    assert_eq!(error.to_string(), "domain: 21 items, at most 20 allowed");

    // An account's won value with one currency twice names the field.
    let (_, account) = f.won(100);
    let mut value = json(&Record::from(account));
    value["won_value"] = json!({"eur": 1, "EUR": 2});
    let error = serde_json::from_value::<Record>(value)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("won_value: currency EUR is given twice"),
        "{error}"
    );

    // An amount too large for 64-bit minor units says so, without a made-up number.
    let error = Money::parse("9".repeat(40).as_str(), Currency::EUR).unwrap_err();
    assert_eq!(
        error.to_string(),
        "amount: too large: does not fit in 64-bit minor units"
    );
}

#[test]
fn an_empty_revision_is_refused_on_every_path() {
    let f = Sample::new(24);
    let crm = f.crm(MemoryStore::new());
    let me = f.actor();
    let opportunity = crm
        .qualify(
            crm.log_touch(
                crm.open_lead(&crm_contact(&crm, &f), f.interest(), me)
                    .unwrap(),
                f.touch(),
                me,
            )
            .unwrap(),
            f.qualification(),
            me,
        )
        .unwrap()
        .opportunity;
    let id = opportunity.id();
    let version = opportunity.version().get();
    for revision in [
        Revision::new(),
        Revision::new().because(f.note("nothing, really")),
    ] {
        let typed = crm
            .load::<Opportunity<Discovery>>(id, &prospect::testkit::reader())
            .unwrap();
        match crm.revise_opportunity(typed, revision.clone(), me) {
            Err(CrmError::Invalid { cause, .. }) => {
                assert_eq!(
                    cause,
                    ValidationError::Empty {
                        field: Field::Revision
                    }
                );
                assert_eq!(cause.to_string(), "revision: must not be empty");
            }
            other => panic!("expected the empty revision refused, got {other:?}"),
        }
        let command: Command =
            serde_json::from_value(json!({"step": "revise_opportunity", "args": {
            "opportunity": id, "version": version, "revision": json(&revision)}}))
            .unwrap();
        match crm.execute(command, me) {
            Err(CrmError::Invalid { cause, .. }) => {
                assert_eq!(
                    cause,
                    ValidationError::Empty {
                        field: Field::Revision
                    }
                );
            }
            other => panic!("expected the empty revision refused, got {other:?}"),
        }
    }
    assert_eq!(
        crm.load::<AnyOpportunity>(id, &prospect::testkit::reader())
            .unwrap()
            .version()
            .get(),
        version,
        "nothing was written"
    );
}

fn crm_contact(crm: &Crm<MemoryStore>, f: &Sample) -> store::Versioned<Contact> {
    crm.create_contact(f.contact_details(), OnDuplicate::Refuse, f.actor())
        .unwrap()
        .into_contact()
}

#[test]
fn the_reporting_currency_is_worth_one_of_itself() {
    use prospect::funnel::Rates;
    assert!(Rates::into(Currency::EUR).rate(Currency::EUR, "1").is_ok());
    assert!(
        Rates::into(Currency::EUR)
            .rate(Currency::EUR, "1.000")
            .is_ok()
    );
    let error = Rates::into(Currency::EUR)
        .rate(Currency::EUR, "2")
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "exchange rate: the reporting currency's rate into itself is 1"
    );
    assert!(
        Rates::into(Currency::EUR)
            .rate(Currency::USD, "0.92")
            .is_ok()
    );
}

#[test]
fn consistency_checks_an_opportunitys_contact_against_its_leads() {
    let f = Sample::new(25);
    let store = MemoryStore::new();
    let (converted, opportunity) = f.discovery();
    let mut value = json(&Record::from(AnyOpportunity::from(opportunity)));
    // Another contact's id: the record itself is valid, the pair is not.
    value["contact"] = json!(ContactId::generate(&SequentialIds::new(999)));
    let forged: Record = serde_json::from_value(value).unwrap();
    let mut batch = Batch::new();
    batch.create(Record::from(f.contact())).unwrap();
    batch.create(Record::from(converted)).unwrap();
    batch.create(forged).unwrap();
    store.commit(batch).unwrap();
    let problems = check_consistency(&store).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("its contact is not its lead") && p.contains("'s contact")),
        "{problems:?}"
    );
}

#[test]
fn records_of_the_newer_kinds_require_their_format() {
    let f = Sample::new(26);
    let ctx = f.ctx();
    let contact = f.contact();
    let organization = Organization::create(
        OrganizationDetails::new(OrganizationName::new("Acme").unwrap()),
        &ctx,
    )
    .unwrap();
    let activity = Activity::on_contact(
        &contact,
        ActivityDetails::new(ActivityKind::Call, f.summary("Called")),
        &ctx,
    )
    .unwrap();
    let task = Task::on_contact(
        &contact,
        TaskDetails::new(
            f.summary("Call back"),
            f.actor().clone(),
            Due::On(f.today()),
        ),
        &ctx,
    )
    .unwrap();
    for record in [
        Record::from(organization),
        Record::from(activity),
        Record::from(task),
    ] {
        let mut value = json(&record);
        serde_json::from_value::<Record>(value.clone()).expect("reads with its format");
        value.as_object_mut().unwrap().remove("format");
        let error = serde_json::from_value::<Record>(value)
            .unwrap_err()
            .to_string();
        assert!(error.contains("missing field `format`"), "{error}");
    }
}

/// What the facade refused, as the validation error it names (anything else fails the test).
fn invalid<T: std::fmt::Debug>(
    result: Result<T, CrmError<std::convert::Infallible>>,
) -> ValidationError {
    match result {
        Err(CrmError::Invalid { cause, .. }) => cause,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// Runs `json` (a command, written step first) and says what it refused.
fn refused_command(crm: &Crm<MemoryStore>, me: &User, json: Value) -> ValidationError {
    let text = format!(r#"{{"step":{},"args":{}}}"#, json["step"], json["args"]);
    let command: Command = serde_json::from_str(&text).expect("the command reads");
    invalid(crm.execute(command, me))
}

/// The typed step's refusal and the command's, for the same values: both `expected`, and both
/// say so for the same field.
fn both_refuse<T: std::fmt::Debug>(
    crm: &Crm<MemoryStore>,
    me: &User,
    typed: Result<T, CrmError<std::convert::Infallible>>,
    command: Value,
    expected: &ValidationError,
) {
    assert_eq!(&invalid(typed), expected, "the typed path");
    assert_eq!(
        &refused_command(crm, me, command),
        expected,
        "the command path"
    );
}

fn day(text: &str) -> chrono::NaiveDate {
    text.parse().unwrap()
}

/// A deal in discovery, stored: its id and version as JSON, and the typed value.
fn deal(crm: &Crm<MemoryStore>, f: &Sample) -> (Value, u64) {
    let me = f.actor();
    let lead = crm
        .open_lead(&crm_contact(crm, f), f.interest(), me)
        .unwrap();
    let lead = crm.log_touch(lead, f.touch(), me).unwrap();
    let o = crm
        .qualify(lead, f.qualification(), me)
        .unwrap()
        .opportunity;
    (json!(o.id()), o.version().get())
}

/// Every check a typed step makes on the values it is given is made, by the same code, for the
/// same values given as a command: each case is refused by both paths with the same error, and
/// nothing is written.
#[test]
fn the_command_path_refuses_what_the_typed_path_refuses_with_the_same_error() {
    let f = Sample::new(27);
    let crm = f.crm(MemoryStore::new());
    let me = f.actor();
    let today = f.today();
    let eur = |major| f.eur(major);
    let jpy = Money::from_minor(5_000_000, Currency::JPY);
    let proposal =
        |amount, sent_on| SentProposal::new(f.summary("offer"), amount, sent_on).unwrap();
    let contract = |value, signed_on| {
        SignedContract::new(
            Reference::new("C-9").unwrap(),
            value,
            signed_on,
            PersonName::new("Paul Durand").unwrap(),
        )
        .unwrap()
    };

    // Qualifying: the horizon counts from the context's today, whatever the assessment says.
    let far_off = Qualification::builder()
        .need(Need::new(f.summary("A CRM"), vec![Requirement::new("SSO").unwrap()]).unwrap())
        .budget(Budget::new(eur(30_000)).unwrap())
        .timeline(
            Timeline::new(
                day("9999-12-31"),
                day("9999-12-30"),
                &HorizonPolicy::default(),
            )
            .unwrap(),
        );
    let lev = Money::from_minor(1_000_000, Currency::new("BGN").unwrap());
    let qualifications: Vec<(Qualification, ValidationError)> = vec![
        (
            far_off.build(),
            ValidationError::BeyondHorizon {
                field: Field::DecisionDate,
                date: day("9999-12-31"),
                today,
                horizon_days: 365,
            },
        ),
        (
            Qualification::builder()
                .need(
                    Need::new(f.summary("A CRM"), vec![Requirement::new("SSO").unwrap()]).unwrap(),
                )
                .budget(Budget::new(eur(30_000)).unwrap())
                .timeline(
                    Timeline::new(
                        today + chrono::Days::new(30),
                        today + chrono::Days::new(10),
                        &HorizonPolicy::default(),
                    )
                    .unwrap(),
                )
                .build(),
            ValidationError::OutOfWindow {
                field: Field::AssessedOn,
                date: today + chrono::Days::new(10),
                earliest: today - chrono::Days::new(365),
                latest: today + chrono::Days::new(1),
            },
        ),
        (
            Qualification::builder()
                .need(
                    Need::new(f.summary("A CRM"), vec![Requirement::new("SSO").unwrap()]).unwrap(),
                )
                .budget(Budget::new(lev).unwrap())
                .timeline(
                    Timeline::new(
                        today + chrono::Days::new(30),
                        today,
                        &HorizonPolicy::default(),
                    )
                    .unwrap(),
                )
                .build(),
            ValidationError::WithdrawnCurrency {
                field: Field::Budget,
                currency: "BGN",
                since: day("2026-01-01"),
            },
        ),
    ];
    for (qualification, expected) in qualifications {
        let lead = crm
            .open_lead(&crm_contact(&crm, &f), f.interest(), me)
            .unwrap();
        let lead = crm.log_touch(lead, f.touch(), me).unwrap();
        let (id, version) = (json!(lead.id()), lead.version().get());
        let as_json = json(&qualification);
        both_refuse(
            &crm,
            me,
            crm.qualify(lead, qualification, me),
            json!({"step": "qualify", "args": {
            "lead": id, "version": version, "qualification": as_json}}),
            &expected,
        );
    }

    // A deal keeps its currency, and its dates have windows.
    let (id, version) = deal(&crm, &f);
    let load = || {
        crm.load::<Opportunity<Discovery>>(f_id(&id), &prospect::testkit::reader())
            .unwrap()
    };
    let cases: Vec<(SentProposal, ValidationError)> = vec![
        (
            proposal(jpy, today),
            ValidationError::CurrencyMismatch {
                field: Field::ProposalAmount,
                expected: "EUR",
                found: "JPY",
            },
        ),
        (
            proposal(eur(36_000), day("1900-01-01")),
            ValidationError::OutOfWindow {
                field: Field::SentOn,
                date: day("1900-01-01"),
                earliest: today - chrono::Days::new(1),
                latest: today + chrono::Days::new(1),
            },
        ),
        (
            proposal(eur(36_000), today + chrono::Days::new(2)),
            ValidationError::OutOfWindow {
                field: Field::SentOn,
                date: today + chrono::Days::new(2),
                earliest: today - chrono::Days::new(1),
                latest: today + chrono::Days::new(1),
            },
        ),
    ];
    for (p, expected) in cases {
        let as_json = json(&p);
        both_refuse(
            &crm,
            me,
            crm.propose(load(), p, me),
            json!({"step": "propose", "args": {
            "opportunity": id, "version": version, "proposal": as_json}}),
            &expected,
        );
    }
    let revisions: Vec<(Revision, ValidationError)> = vec![
        (
            Revision::new().amount(jpy),
            ValidationError::CurrencyMismatch {
                field: Field::Amount,
                expected: "EUR",
                found: "JPY",
            },
        ),
        (
            Revision::new().expected_close(chrono::NaiveDate::MAX),
            ValidationError::BeyondHorizon {
                field: Field::ExpectedClose,
                date: chrono::NaiveDate::MAX,
                today,
                horizon_days: 365,
            },
        ),
        (
            Revision::new().expected_close(today - chrono::Days::new(1)),
            ValidationError::DateInPast {
                field: Field::ExpectedClose,
                date: today - chrono::Days::new(1),
                today,
            },
        ),
    ];
    for (r, expected) in revisions {
        let as_json = json(&r);
        both_refuse(
            &crm,
            me,
            crm.revise_opportunity(load(), r, me),
            json!({"step": "revise_opportunity", "args": {
            "opportunity": id, "version": version, "revision": as_json}}),
            &expected,
        );
    }

    // Activities in the far past, tasks due in the far future.
    let contact = crm_contact(&crm, &f);
    let long_ago = f.clock().now() - chrono::TimeDelta::days(5 * 365);
    let details = ActivityDetails::new(ActivityKind::Call, f.summary("Called")).at(long_ago);
    let expected = ValidationError::OutOfWindow {
        field: Field::OccurredAt,
        date: long_ago.date_naive(),
        earliest: today - chrono::Days::new(365),
        latest: today + chrono::Days::new(1),
    };
    both_refuse(
        &crm,
        me,
        crm.log_activity_on_contact(&contact, details.clone(), me),
        json!({"step": "log_activity", "args": {
        "record": {"type": "contact", "id": contact.id()}, "details": json(&details)}}),
        &expected,
    );
    let far = today + chrono::Days::new(10 * 365);
    let task = TaskDetails::new(f.summary("Call back"), me.clone(), Due::On(far));
    let expected = ValidationError::OutOfWindow {
        field: Field::Due,
        date: far,
        earliest: today - chrono::Days::new(365),
        latest: today + chrono::Days::new(730),
    };
    both_refuse(
        &crm,
        me,
        crm.add_task_on_contact(&contact, task.clone(), me),
        json!({"step": "add_task", "args": {
        "record": {"type": "contact", "id": contact.id()}, "details": json(&task)}}),
        &expected,
    );

    // A revised proposal, in Proposal: the same rules as the first.
    let o = crm
        .propose(load(), proposal(eur(36_000), today), me)
        .unwrap();
    let expected = ValidationError::CurrencyMismatch {
        field: Field::ProposalAmount,
        expected: "EUR",
        found: "JPY",
    };
    let revised = proposal(jpy, today);
    let typed = crm
        .load::<Opportunity<prospect::state::Proposal>>(o.id(), &prospect::testkit::reader())
        .unwrap();
    both_refuse(
        &crm,
        me,
        crm.revise_proposal(typed, revised.clone(), me),
        json!({"step": "revise_proposal", "args": {
            "opportunity": o.id(), "version": o.version().get(), "proposal": json(&revised)}}),
        &expected,
    );

    // A contract in another currency, or signed long after today.
    let o = crm.negotiate(o, f.note("terms"), me).unwrap();
    let o = crm
        .enter_contracting(o, f.terms(), f.incumbent(), me)
        .unwrap();
    let (id, version) = (json!(o.id()), o.version().get());
    let contracts: Vec<(SignedContract, ValidationError)> = vec![
        (
            contract(jpy, today),
            ValidationError::CurrencyMismatch {
                field: Field::ContractValue,
                expected: "EUR",
                found: "JPY",
            },
        ),
        (
            contract(eur(35_000), day("2099-01-01")),
            ValidationError::OutOfWindow {
                field: Field::SignedOn,
                date: day("2099-01-01"),
                earliest: today - chrono::Days::new(1),
                latest: today + chrono::Days::new(1),
            },
        ),
    ];
    for (c, expected) in contracts {
        let as_json = json(&c);
        let typed = crm
            .load::<Opportunity<Contracting>>(o.id(), &prospect::testkit::reader())
            .unwrap();
        both_refuse(
            &crm,
            me,
            crm.win(typed, c, me),
            json!({"step": "win", "args": {
            "opportunity": id, "version": version, "contract": as_json}}),
            &expected,
        );
    }
    assert_eq!(
        crm.load::<AnyOpportunity>(o.id(), &prospect::testkit::reader())
            .unwrap()
            .version()
            .get(),
        version,
        "nothing was written"
    );
    crm.win(o, contract(eur(35_000), today), me)
        .expect("a contract in the deal's currency, signed today, wins");
}

fn f_id(id: &Value) -> OpportunityId {
    serde_json::from_value(id.clone()).unwrap()
}

#[test]
fn a_deal_in_a_withdrawn_currency_goes_on_in_it() {
    // A deal qualified in leva before 2026 still takes proposals and contracts in leva (a deal
    // keeps one currency); new deals in leva are refused (above).
    let f = Sample::new(28);
    let lev = Currency::new("BGN").unwrap();
    let before = chrono::Utc.with_ymd_and_hms(2025, 12, 1, 9, 0, 0).unwrap();
    let clock = FixedClock::new(before);
    let ids = SequentialIds::new(5);
    let ctx = Context::new(&clock, &ids, f.actor().clone());
    let contact = Contact::create(f.contact_details(), &ctx);
    let lead = Lead::open(&contact, f.interest(), &ctx).log_touch(f.touch(), &ctx);
    let today = ctx.today();
    let qualification = Qualification::builder()
        .need(Need::new(f.summary("A CRM"), vec![Requirement::new("SSO").unwrap()]).unwrap())
        .budget(Budget::new(Money::from_minor(1_000_000, lev)).unwrap())
        .timeline(
            Timeline::new(
                today + chrono::Days::new(60),
                today,
                &HorizonPolicy::default(),
            )
            .unwrap(),
        )
        .build();
    let (_, deal) = lead
        .qualify(qualification, &ctx)
        .expect("the lev was current");
    clock.advance(chrono::TimeDelta::days(40));
    let sent = SentProposal::new(
        f.summary("offer"),
        Money::from_minor(900_000, lev),
        ctx.today(),
    )
    .unwrap();
    let proposed = deal.propose(sent, &ctx).expect("in the deal's currency");
    let record = Record::from(proposed);
    assert_eq!(json(&record)["format"], json!(RECORD_FORMAT));
    serde_json::from_value::<Record>(json(&record)).expect("reads back");
}

/// A deal written by the crate before format 3, in two currencies, still reads, and is written
/// back in format 2 so that it keeps reading; the same record claiming format 3 is refused.
#[test]
fn a_format_2_deal_in_two_currencies_still_reads_and_is_written_back_as_format_2() {
    let f = Sample::new(29);
    let mut value = json(&Record::from(f.proposed()));
    let history = value["history"].as_array_mut().unwrap();
    history[1]["evidence"]["proposed"]["amount"] = json!({"minor": 5_000_000, "currency": "JPY"});
    value["amount"] = json!({"minor": 5_000_000, "currency": "JPY"});
    value["format"] = json!(2);
    let old: Record = serde_json::from_value(value.clone()).expect("format 2 reads");
    assert_eq!(json(&old)["format"], json!(2), "written back as it was");
    serde_json::from_value::<Record>(json(&old)).expect("and reads again");
    value["format"] = json!(3);
    let error = serde_json::from_value::<Record>(value)
        .unwrap_err()
        .to_string();
    assert!(error.contains("a deal keeps one currency"), "{error}");
    assert_eq!(json(&Record::from(f.proposed()))["format"], json!(3));
}

/// Names as people write them: real names in many scripts, with the joiners their scripts need
/// and emoji sequences in display names, are accepted and read back; text that is only
/// invisible, bidirectional controls, and joiners that shape nothing (with which two ids look
/// the same) are refused.
#[test]
fn names_as_people_write_them() {
    let names = [
        // Persian: a zero-width non-joiner between ی and ر, which would otherwise join.
        "علی‌رضا",
        "مریم حسن‌زاده",
        // Arabic.
        "محمد بن عبد الله",
        "فاطمة الزهراء",
        // Hindi: a conjunct shown with a visible virama (ZWNJ) and a half form (ZWJ).
        "लक्ष्मी",
        "क्‌ष",
        "क्‍ष",
        "अर्जुन शर्मा",
        // Hebrew, with points.
        "שָׂרָה כֹּהֵן",
        // Thai, Japanese, Chinese, Korean.
        "สมชาย ใจดี",
        "山田 太郎",
        "やまだ たろう",
        "王小明",
        "김민준",
        // Emoji sequences in display names.
        "Ada 👩‍💻",
        "The 👨‍👩‍👧 family",
        "Ana ❤️",
        "Kofi 👍🏽",
        "Rhys 🏴󠁧󠁢󠁷󠁬󠁳󠁿",
    ];
    for name in names {
        let person = PersonName::new(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let back: PersonName = serde_json::from_value(json(&person)).unwrap();
        assert_eq!(back, person);
        OrganizationName::new(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        JobTitle::new(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // Ids take the joiners their scripts need, not emoji sequences.
    for id in ["علی‌رضا", "क्‌ष", "山田"] {
        User::new(id).unwrap_or_else(|e| panic!("{id}: {e}"));
        Reference::new(id).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    for (text, position) in [("ada👩‍💻", 4), ("love❤️", 5)] {
        assert_eq!(
            User::new(text),
            Err(ValidationError::InvisibleCharacter {
                field: Field::User,
                position
            }),
            "{text}"
        );
    }
    let refused = [
        // Invisible only.
        (
            "\u{200C}",
            ValidationError::InvisibleCharacter {
                field: Field::PersonName,
                position: 0,
            },
        ),
        (
            "\u{200D}\u{200D}",
            ValidationError::InvisibleCharacter {
                field: Field::PersonName,
                position: 0,
            },
        ),
        // A joiner between Latin letters shapes nothing: `ali‍ce` would look like `alice`.
        (
            "ali\u{200D}ce",
            ValidationError::InvisibleCharacter {
                field: Field::PersonName,
                position: 3,
            },
        ),
        (
            "ali\u{200C}ce",
            ValidationError::InvisibleCharacter {
                field: Field::PersonName,
                position: 3,
            },
        ),
        // After a right-joining letter (و joins nothing after it), a non-joiner shapes nothing.
        (
            "و\u{200C}ر",
            ValidationError::InvisibleCharacter {
                field: Field::PersonName,
                position: 1,
            },
        ),
        // A non-joiner at the end of a word.
        (
            "علی\u{200C}",
            ValidationError::InvisibleCharacter {
                field: Field::PersonName,
                position: 3,
            },
        ),
        // Direction marks and bidirectional controls.
        (
            "Ada\u{200F}",
            ValidationError::InvisibleCharacter {
                field: Field::PersonName,
                position: 3,
            },
        ),
        (
            "Ada\u{202E}evil",
            ValidationError::BidiControl {
                field: Field::PersonName,
                position: 3,
            },
        ),
        // A variation selector after a letter.
        (
            "A\u{FE0F}da",
            ValidationError::InvisibleCharacter {
                field: Field::PersonName,
                position: 1,
            },
        ),
        // A zero-width space anywhere.
        (
            "Ada\u{200B}Lovelace",
            ValidationError::InvisibleCharacter {
                field: Field::PersonName,
                position: 3,
            },
        ),
        // Combining marks alone show nothing.
        (
            "\u{0301}\u{0301}",
            ValidationError::NothingVisible {
                field: Field::PersonName,
            },
        ),
    ];
    for (text, expected) in refused {
        assert_eq!(PersonName::new(text), Err(expected), "{text:?}");
    }
    // Free text keeps the joiners and marks anywhere.
    Summary::new("ali\u{200D}ce \u{200F}").unwrap();
}
