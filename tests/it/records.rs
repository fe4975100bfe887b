//! The dynamic boundary: AnyLead, AnyOpportunity, Record, TryFrom, and validating serde.

use prospect::record::{
    AnyLead, AnyOpportunity, Expected, RECORD_FORMAT, Record, RecordKind, RecordState,
};
use prospect::state::*;
use prospect::testkit::Sample;
use prospect::*;
use serde_json::{Value, json};

use crate::support::*;

/// One record of every kind in every state.
pub(crate) fn every_state(f: &Sample) -> Vec<Record> {
    let ctx = f.ctx();
    let mut records: Vec<Record> = vec![f.contact().into()];
    records.push(f.lead().into());
    records.push(f.working().into());
    records.push(f.working().nurture(f.note("later"), &ctx).into());
    records.push(
        f.lead()
            .disqualify(DisqualifyReason::new(DisqualifyCategory::Unreachable), &ctx)
            .into(),
    );
    let (converted, discovery) = f.discovery();
    records.push(converted.into());
    records.push(AnyOpportunity::from(discovery).into());
    let discovery = reread::<Opportunity<Discovery>>(records.last().unwrap());
    let proposal = discovery.propose(f.proposal(), &ctx).unwrap();
    records.push(proposal.into());
    let proposal = reread::<Opportunity<Proposal>>(records.last().unwrap());
    let negotiation = proposal.negotiate(f.note("terms"), &ctx);
    records.push(negotiation.into());
    let negotiation = reread::<Opportunity<Negotiation>>(records.last().unwrap());
    records.push(
        negotiation
            .lose(LossReason::new(LossCategory::Timing), &ctx)
            .into(),
    );
    let (won, account) = f.won(35_000);
    records.push(f.contracting().into());
    records.push(won.into());
    records.push(account.into());
    records
}

#[test]
fn every_record_in_every_state_round_trips_through_json() {
    let f = Sample::new(42);
    let records = every_state(&f);
    let states: std::collections::HashSet<RecordState> =
        records.iter().map(Record::state).collect();
    assert_eq!(states.len(), 1 + 5 + 6 + 1, "every state is covered");
    for record in records {
        let text = serde_json::to_string(&record).unwrap();
        let back: Record = serde_json::from_str(&text).unwrap();
        assert_eq!(back, record, "{text}");
        assert_eq!(back.id(), record.id());
    }
}

#[test]
fn typed_values_serialise_like_their_dynamic_twins() {
    let f = Sample::new(42);
    let working = f.working();
    let typed = json(&working);
    let any = AnyLead::from(working);
    assert_eq!(typed, json(&any));
    let back: AnyLead = serde_json::from_value(typed).unwrap();
    assert_eq!(back, any);
    let record = json(&Record::from(any));
    assert_eq!(record["type"], "lead");
    assert_eq!(record["status"], "working");

    let (_, discovery) = f.discovery();
    let typed = json(&discovery);
    let back: AnyOpportunity = serde_json::from_value(typed).unwrap();
    assert_eq!(back, AnyOpportunity::from(discovery));
}

#[test]
fn reading_a_typed_value_in_the_wrong_state_names_both_states() {
    let f = Sample::new(42);
    let err = Lead::<Working>::try_from(Record::from(f.lead())).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected lead (working), found lead (new)"),
        "{err}"
    );
    let err = Opportunity::<Won>::try_from(Record::from(f.contracting())).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected opportunity (won), found opportunity (contracting)"),
        "{err}"
    );
}

#[test]
fn try_from_returns_the_typed_value_or_names_expected_and_found() {
    let f = Sample::new(42);
    let any = AnyLead::from(f.lead());
    let err = Lead::<Working>::try_from(any.clone()).unwrap_err();
    assert_eq!(
        err.expected(),
        Expected::State(RecordState::Lead(LeadStatus::Working))
    );
    assert_eq!(err.found(), RecordState::Lead(LeadStatus::New));
    assert_eq!(err.to_string(), "expected lead (working), found lead (new)");
    // The value comes back untouched, so another state can be tried.
    let new: Lead<New> = Lead::try_from(err.into_inner()).unwrap();
    assert_eq!(AnyLead::from(new), any);

    let record = Record::from(f.contracting());
    let err = Lead::<Working>::try_from(record.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected lead (working), found opportunity (contracting)"
    );
    let err = Opportunity::<Won>::try_from(record.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected opportunity (won), found opportunity (contracting)"
    );
    let err = Contact::try_from(record.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected contact, found opportunity (contracting)"
    );
    assert_eq!(err.into_inner(), record);
    let contracting: Opportunity<Contracting> = record.clone().try_into().unwrap();
    let any: AnyOpportunity = record.try_into().unwrap();
    assert_eq!(any, AnyOpportunity::from(contracting));
}

#[test]
fn dynamic_accessors_agree_with_the_typed_ones() {
    let f = Sample::new(42);
    let (converted, discovery) = f.discovery();
    let (id, history) = (converted.id(), converted.history().clone());
    let any = AnyLead::from(converted);
    assert_eq!(any.opportunity(), Some(discovery.id()));
    assert_eq!(any.id(), id);
    assert_eq!(any.status(), LeadStatus::Converted);
    assert_eq!(any.history(), &history);
    assert_eq!(AnyLead::from(f.lead()).opportunity(), None);

    let (won, account) = f.won(10);
    let (amount, probability, weighted) = (won.amount(), won.probability(), won.weighted_amount());
    let any = AnyOpportunity::from(won);
    assert_eq!(any.account(), Some(account.id()));
    assert_eq!(any.amount(), amount);
    assert_eq!(any.probability(), probability);
    assert_eq!(any.weighted_amount(), weighted);
    let record = Record::from(any.clone());
    assert_eq!(record.kind(), RecordKind::Opportunity);
    assert_eq!(record.owner(), any.owner());
    assert!(record.owner().is_some());
    assert_eq!(record.id().to_string(), format!("opportunity {}", any.id()));
}

/// Applies `tamper` to the JSON of `record` and reads it back as a `Record`; returns the error.
fn refused(record: impl Into<Record>, tamper: impl FnOnce(&mut Value)) -> String {
    let mut value = json(&record.into());
    serde_json::from_value::<Record>(value.clone()).expect("the untampered record is valid");
    tamper(&mut value);
    match serde_json::from_value::<Record>(value) {
        Ok(record) => panic!("a tampered record was accepted: {record:?}"),
        Err(e) => e.to_string(),
    }
}

fn last(history: &mut Value) -> &mut Value {
    history.as_array_mut().unwrap().last_mut().unwrap()
}

#[test]
fn forged_records_are_refused_with_a_clear_error() {
    let f = Sample::new(42);
    let (converted, _) = f.discovery();
    let (won, account) = f.won(35_000);
    // Snapshots, which each case copies to tamper with.
    let (converted, won) = (Record::from(converted), Record::from(won));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "converted lead without its conversion",
            refused(converted.clone(), |v| {
                v["history"].as_array_mut().unwrap().pop();
            }),
            "the state is `converted` but the history ends in `working`",
        ),
        (
            "won opportunity whose win is not a contract",
            refused(won.clone(), |v| {
                last(&mut v["history"])["evidence"] = json!({"negotiating": "no contract"});
            }),
            "`contracting` to `won` with evidence `negotiating`",
        ),
        (
            "won opportunity without a contract",
            refused(won.clone(), |v| {
                last(&mut v["history"])["evidence"]["won"]
                    .as_object_mut()
                    .unwrap()
                    .remove("contract");
            }),
            "missing field `contract`",
        ),
        (
            "account with no origin",
            refused(account.clone(), |v| v["wins"] = json!([])),
            "account: wins: an account has at least the win it was made from",
        ),
        (
            "account whose won value is not the sum of its wins",
            refused(account.clone(), |v| v["won_value"]["EUR"] = json!(1)),
            "won_value: differs from the sum of the wins",
        ),
        (
            "probability 250",
            refused(f.contracting(), |v| v["probability_override"] = json!(250)),
            "probability: 250 is out of range 0..=100",
        ),
        (
            "override on a closed opportunity",
            refused(won.clone(), |v| v["probability_override"] = json!(50)),
            "a closed opportunity follows its stage",
        ),
        (
            "unknown state tag",
            refused(f.lead(), |v| v["status"] = json!("hot")),
            "unknown variant `hot`",
        ),
        (
            "history that does not end in the record's state",
            refused(f.working(), |v| v["status"] = json!("nurturing")),
            "the state is `nurturing` but the history ends in `working`",
        ),
        (
            "history that skips a step",
            refused(f.working(), |v| {
                last(&mut v["history"])["from"] = json!("nurturing")
            }),
            "history entry 1 starts from `nurturing` but the previous entry ended in `new`",
        ),
        (
            "history out of order",
            refused(f.working(), |v| {
                last(&mut v["history"])["at"] = json!("2000-01-01T00:00:00Z")
            }),
            "history entry 1 is dated before",
        ),
        (
            "mismatched currencies",
            refused(won.clone(), |v| v["amount"]["currency"] = json!("USD")),
            "amount: an amount of its history is in another currency than its budget",
        ),
        (
            "an amount other than the contract's",
            refused(won.clone(), |v| v["amount"]["minor"] = json!(1)),
            "amount: differs from the signed contract's value",
        ),
        (
            "opportunity qualified from another lead",
            refused(f.discovery().1, |v| v["lead"] = json!(uuid::Uuid::nil())),
            "differs from the lead the history was qualified from",
        ),
        (
            "email that does not parse",
            refused(f.contact(), |v| {
                v["details"]["email"] = json!("not-an-email")
            }),
            "email: missing @",
        ),
        (
            "unknown currency",
            refused(f.discovery().1, |v| v["amount"]["currency"] = json!("XYZ")),
            "currency: unknown ISO 4217 currency code",
        ),
        (
            "zero budget",
            refused(f.discovery().1, |v| {
                v["qualification"]["budget"]["minor"] = json!(0)
            }),
            "budget: must be above zero",
        ),
        (
            "need without requirements",
            refused(f.discovery().1, |v| {
                v["qualification"]["need"]["requirements"] = json!([])
            }),
            "requirements: must not be empty",
        ),
    ];
    assert!(cases.len() >= 10);
    for (case, error, expected) in cases {
        assert!(
            error.contains(expected),
            "{case}: {error:?} does not say {expected:?}"
        );
    }
}

#[test]
fn every_state_has_a_distinct_stable_key() {
    let mut states = vec![RecordState::Contact, RecordState::Account];
    states.extend(LeadStatus::ALL.map(RecordState::Lead));
    states.extend(OpportunityStage::ALL.map(RecordState::Opportunity));
    let keys: std::collections::HashSet<&str> = states.iter().map(|s| s.key()).collect();
    assert_eq!(keys.len(), 13);
    for state in states {
        let expected = match state {
            RecordState::Lead(s) => format!("lead/{s}"),
            RecordState::Opportunity(s) => format!("opportunity/{s}"),
            other => other.kind().to_string(),
        };
        assert_eq!(state.key(), expected);
    }
}

/// Evidence shared behind an `Arc` serialises and shows as its fields, as a plain struct would.
#[test]
fn shared_evidence_serialises_and_debugs_as_its_fields() {
    let f = Sample::new(42);
    let terms = PaymentTerms::new(30, 4).unwrap();
    assert_eq!(
        serde_json::to_value(&terms).unwrap(),
        json!({"net_days": 30, "installments": 4, "note": null})
    );
    assert!(format!("{terms:?}").starts_with("PaymentTerms { net_days: 30, installments: 4"));
    let proposal = f.proposal();
    let value = serde_json::to_value(&proposal).unwrap();
    // Sorted: serde_json keeps insertion order when a crate of the build enables its
    // `preserve_order` (cedar-policy does, in this workspace).
    let mut keys = value
        .as_object()
        .map(|o| o.keys().cloned().collect::<Vec<_>>());
    if let Some(keys) = &mut keys {
        keys.sort();
    }
    assert_eq!(
        keys,
        Some(vec!["amount".into(), "sent_on".into(), "summary".into()])
    );
    assert_eq!(
        serde_json::from_value::<SentProposal>(value).unwrap(),
        proposal
    );
    assert!(format!("{proposal:?}").starts_with("SentProposal { summary: "));
    let contract = f.contract(35_000);
    let value = serde_json::to_value(&contract).unwrap();
    assert_eq!(
        value["value"],
        serde_json::to_value(contract.value()).unwrap()
    );
    assert_eq!(
        serde_json::from_value::<SignedContract>(value).unwrap(),
        contract
    );
    assert!(format!("{contract:?}").starts_with("SignedContract { reference: "));
}

/// Reads `text` as a `Record`; returns the error.
fn refused_text(text: &str) -> String {
    match serde_json::from_str::<Record>(text) {
        Ok(record) => panic!("a forged record was accepted: {record:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn forged_records_that_contradict_their_history_or_format_are_refused() {
    let f = Sample::new(42);
    let ctx = f.ctx();
    let (_, discovery) = f.discovery();
    let discovery = Record::from(discovery);
    let proposal = Record::from(f.discovery().1.propose(f.proposal(), &ctx).unwrap());
    let reopened = Record::from(
        f.discovery()
            .1
            .propose(f.proposal(), &ctx)
            .unwrap()
            .lose(LossReason::new(LossCategory::Price), &ctx)
            .reopen(f.note("again"), &ctx),
    );
    let (_, account) = f.won(35_000);
    let account = Record::from(account);
    let lead = Record::from(f.working());
    let person = f.contact();
    let name = person.party().name().to_string();
    let contact = Record::from(person);
    let erased = Record::from(f.contact().erase(&ctx));
    let mut handed_over = f.working();
    handed_over.reassign(Some(User::new("bob").unwrap()), None, &ctx);
    let handed_over = Record::from(handed_over);
    let mut revised = f.discovery().1;
    revised
        .revise(
            Revision::new()
                .name(f.summary("Bigger deal"))
                .amount(f.eur(50_000))
                .expected_close(f.today() + chrono::Days::new(60)),
            &ctx,
        )
        .unwrap();
    let revised = Record::from(revised);
    let mut overridden = f.discovery().1;
    overridden.override_probability(Probability::new(35).unwrap(), None, &ctx);
    let overridden = Record::from(overridden);
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "a lead whose owner is not the one its hand-off gave it",
            refused(handed_over.clone(), |v| v["owner"] = json!("mallory")),
            "owner: differs from its history's hand-offs",
        ),
        (
            "an opportunity whose name is not its revision's",
            refused(revised.clone(), |v| v["name"] = json!("Other")),
            "name: differs from its history's revisions",
        ),
        (
            "an opportunity whose amount is not its revision's",
            refused(revised.clone(), |v| v["amount"]["minor"] = json!(4_000_000)),
            "amount: differs from its history",
        ),
        (
            "an opportunity whose expected close is not its revision's",
            refused(revised.clone(), |v| {
                v["expected_close"] = json!("2030-01-01")
            }),
            "expected_close: differs from its history",
        ),
        (
            "an override that is not the one its history records",
            refused(overridden.clone(), |v| {
                v["probability_override"] = json!(50)
            }),
            "differs from the latest override in its history",
        ),
        (
            "opportunity in discovery whose amount is not its budget",
            refused(discovery.clone(), |v| v["amount"]["minor"] = json!(1)),
            "amount: differs from its history",
        ),
        (
            "proposal whose amount is not the proposal's",
            refused(proposal.clone(), |v| v["amount"]["minor"] = json!(1)),
            "amount: differs from its history",
        ),
        (
            "reopened opportunity whose amount went back to the budget",
            refused(reopened.clone(), |v| {
                v["amount"]["minor"] = json!(3_000_000)
            }),
            "amount: differs from its history",
        ),
        (
            "expected close that is not the decision date",
            refused(discovery.clone(), |v| {
                v["expected_close"] = json!("2030-01-01")
            }),
            "expected_close: differs from its history",
        ),
        (
            "unknown field on a lead",
            refused(lead.clone(), |v| v["priority"] = json!("high")),
            "unknown field `priority`",
        ),
        (
            "unknown field in a history entry",
            refused(lead.clone(), |v| v["history"][0]["ip"] = json!("10.0.0.1")),
            "unknown field `ip`",
        ),
        (
            "unknown field in a touch",
            refused(lead.clone(), |v| {
                v["history"][1]["evidence"]["touch"]["mood"] = json!("happy")
            }),
            "unknown field `mood`",
        ),
        (
            "unknown field in the qualification",
            refused(discovery.clone(), |v| {
                v["qualification"]["score"] = json!(9)
            }),
            "unknown field `score`",
        ),
        (
            "unknown field in contact details",
            refused(contact.clone(), |v| v["details"]["twitter"] = json!("@x")),
            "unknown field `twitter`",
        ),
        (
            "unknown field in an account's win",
            refused(account.clone(), |v| v["wins"][0]["discount"] = json!(5)),
            "unknown field `discount`",
        ),
        (
            "a record from a newer format",
            refused(lead.clone(), |v| v["format"] = json!(RECORD_FORMAT + 1)),
            "written by a newer version of prospect",
        ),
        (
            "a contact from a newer format",
            refused(contact.clone(), |v| v["format"] = json!(99)),
            "written by a newer version of prospect",
        ),
        (
            "a format that is not a number",
            refused(account.clone(), |v| v["format"] = json!("one")),
            "invalid type",
        ),
        (
            "an erasure dated before the contact was made",
            refused(erased.clone(), |v| {
                v["erased"]["at"] = json!("2000-01-01T00:00:00Z")
            }),
            "erased: the erasure is dated before the contact's creation",
        ),
        (
            "a zero-width space in a stored name",
            refused(contact.clone(), |v| {
                v["details"]["party"]["name"] = json!("Jeanne\u{200B}Martin")
            }),
            // (A JSON value sorts its keys, so `format` comes after the name here: the record
            // is refused once its format is known.)
            "invisible or format character",
        ),
        (
            "a joiner in a stored actor",
            refused(lead.clone(), |v| {
                v["history"][0]["actor"] = json!("ali\u{200D}ce")
            }),
            "invisible or format character",
        ),
        (
            "a stored interest with nothing visible",
            refused(lead.clone(), |v| {
                v["interest"]["summary"] = json!("\u{200D}\u{0301}")
            }),
            "summary: nothing visible",
        ),
        (
            "a zero-width space in a stored name, as stored (format first)",
            refused_text(&serde_json::to_string(&contact).unwrap().replacen(
                &name,
                &name.replacen(' ', "\u{200B}", 1),
                1,
            )),
            "person name: invisible or format character at position 6",
        ),
        (
            "an opportunity qualified after its decision date",
            refused(discovery.clone(), |v| {
                v["created_at"] = json!("2031-01-01T00:00:00Z");
                v["history"][0]["at"] = json!("2031-01-01T00:00:00Z");
            }),
            "the decision date was already past when the lead was qualified",
        ),
        (
            "a duplicate key in a lead",
            refused_text(&json(&lead).to_string().replacen(
                "\"status\":\"working\"",
                "\"status\":\"working\",\"status\":\"new\"",
                1,
            )),
            "duplicate field `status`",
        ),
        (
            "a currency twice in an account's won value",
            refused_text(&json(&account).to_string().replacen(
                "\"won_value\":{\"EUR\":3500000}",
                "\"won_value\":{\"EUR\":3500000,\"EUR\":1}",
                1,
            )),
            "currency EUR is given twice",
        ),
    ];
    assert!(cases.len() >= 19);
    for (case, error, expected) in cases {
        assert!(
            error.contains(expected),
            "{case}: expected an error saying {expected:?}, found {error:?}"
        );
    }
}

#[test]
fn forged_older_records_without_a_format_still_read() {
    let f = Sample::new(42);
    for record in every_state(&f) {
        let mut value = json(&record);
        assert_eq!(value["format"], json!(RECORD_FORMAT), "{}", record.id());
        value.as_object_mut().unwrap().remove("format");
        let back: Record = serde_json::from_value(value).unwrap();
        assert_eq!(back, record, "a record of format 0 reads the same");
        assert_eq!(
            json(&back)["format"],
            json!(RECORD_FORMAT),
            "and is written upgraded"
        );
    }
}

/// Strictness added in format 1 never refuses a record of format 0: text with invisible
/// characters and an erasure dated before its contact, which the crate before format 1 could
/// write, still read when the record has no `"format"`; with `"format": 1`, wherever the field
/// stands, they are refused.
#[test]
fn forged_text_and_times_only_format_0_accepted_are_refused_in_format_1() {
    let f = Sample::new(42);
    let ctx = f.ctx();
    let mut contact = json(&Record::from(f.contact().erase(&ctx)));
    contact["erased"]["at"] = json!("2000-01-01T00:00:00Z");
    let mut lead = json(&Record::from(f.working()));
    lead["interest"]["summary"] = json!("A CRM\u{200B}");
    for value in [&contact, &lead] {
        let mut old = value.clone();
        old.as_object_mut().unwrap().remove("format");
        let record: Record =
            serde_json::from_value(old).unwrap_or_else(|e| panic!("format 0 must still read: {e}"));
        assert_eq!(
            json(&record)["format"],
            json!(RECORD_FORMAT),
            "written back in the current format"
        );
        // The same record in format 1, with the field last: refused.
        let mut text = value.to_string();
        text = text.replacen(&format!("\"format\":{RECORD_FORMAT},"), "", 1);
        text.insert_str(text.len() - 1, ",\"format\":1");
        let error = refused_text(&text);
        assert!(
            error.contains("only records of format 0 may")
                || error.contains("the erasure is dated before the contact's creation"),
            "expected format 1 to refuse what format 0 accepts, found {error:?}"
        );
    }
}

/// Before format 2, overrides were not entries of the history: an opportunity of format 1
/// with an override its history does not record still reads, is written back with it, and
/// reads again.
#[test]
fn overrides_of_format_1_that_no_history_entry_records_still_read() {
    let f = Sample::new(42);
    let mut value = json(&Record::from(f.discovery().1));
    value["probability_override"] = json!(50);
    value["format"] = json!(1);
    let record: Record = serde_json::from_value(value).expect("format 1 still reads");
    let back = json(&record);
    assert_eq!(back["probability_override"], json!(50));
    assert_eq!(back["format"], json!(RECORD_FORMAT));
    serde_json::from_value::<Record>(back).expect("and reads again once written back");
}

/// A contact created with a custom value and written once more: its `"custom"` object with a
/// value, a personal one, and an edit.
fn contact_with_custom_fields(f: &Sample) -> Record {
    use prospect::fields::{
        FieldDefinition, FieldKey, FieldType, FieldUpdate, FieldValue, FieldValues, SchemaChange,
        WithFields,
    };
    let crm = f.crm(prospect::memory::MemoryStore::new());
    let me = f.actor();
    let key = |k: &str| FieldKey::new(k).unwrap();
    let tier = FieldDefinition::new(key("tier"), "Tier", FieldType::Integer { min: 1, max: 3 });
    let nickname = FieldDefinition::new(
        key("nickname"),
        "Nickname",
        FieldType::Text { max_chars: 40 },
    )
    .personal();
    let add = |field| SchemaChange::AddField {
        kind: RecordKind::Contact,
        field,
    };
    f.schema(&crm, [tier, nickname].map(add));
    let mut values = FieldValues::new();
    values.set(key("tier"), FieldValue::Integer(1));
    let contact = crm
        .create_contact(
            WithFields::new(f.contact_details(), values),
            OnDuplicate::Refuse,
            me,
        )
        .unwrap()
        .into_contact();
    let update = FieldUpdate::new()
        .set(key("tier"), FieldValue::Integer(2))
        .set(key("nickname"), FieldValue::Text("Addie".into()));
    crm.set_fields(contact, update, me)
        .unwrap()
        .into_inner()
        .into()
}

/// An opportunity qualified into a pipeline, moved to its second stage with a note, then
/// proposed to (and so placed in the pipeline's stage inside proposal).
fn opportunity_in_a_pipeline(f: &Sample) -> Record {
    use prospect::fields::{
        FieldKey, Pipeline, PipelineStage, SchemaChange, SchemaVersion, WithFields,
    };
    use prospect::state::OpportunityStage as O;
    let crm = f.crm(prospect::memory::MemoryStore::new());
    let me = f.actor();
    let key = |k: &str| FieldKey::new(k).unwrap();
    let stage = |k: &str, backbone, p| {
        PipelineStage::new(key(k), k, backbone, Probability::new(p).unwrap())
    };
    let pipeline = Pipeline::new(
        key("renewals"),
        "Renewals",
        vec![
            stage("usage_review", O::Discovery, 30),
            stage("budget_confirmed", O::Discovery, 45),
            stage("quote", O::Proposal, 60),
            stage("terms", O::Negotiation, 80),
            stage("signature", O::Contracting, 90),
        ],
    );
    crm.change_field_schema(
        SchemaVersion::EMPTY,
        SchemaChange::AddPipeline { pipeline },
        me,
    )
    .unwrap();
    let contact = crm
        .create_contact(f.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let lead = crm.open_lead(&contact, f.interest(), me).unwrap();
    let lead = crm.log_touch(lead, f.touch(), me).unwrap();
    let input = WithFields::from(f.qualification()).in_pipeline(key("renewals"));
    let o = crm.qualify(lead, input, me).unwrap().opportunity;
    let note = Some(f.note("Budget signed off"));
    let o = crm
        .move_stage(o, key("renewals"), key("budget_confirmed"), note, me)
        .unwrap();
    crm.propose(o, f.proposal(), me)
        .unwrap()
        .into_inner()
        .into()
}

/// The API view of every kind of record keeps its documented shape: a sample of each, in every
/// state, serialises to `tests/it/fixtures/records.json`. Run with `PROSPECT_BLESS=1` to write
/// a new sample when a change is meant, and read the diff.
#[test]
fn record_views_keep_their_documented_json_shape() {
    let f = Sample::new(61);
    let ctx = f.ctx();
    let mut records = f.every_state();
    let contact = f.contact();
    let details = ActivityDetails::new(ActivityKind::Meeting, f.summary("Demo"));
    records.push(
        Activity::on_contact(&contact, details, &ctx)
            .unwrap()
            .into(),
    );
    let todo = TaskDetails::new(
        f.summary("Send the quote"),
        f.actor().clone(),
        Due::On(f.today()),
    );
    records.push(Task::on_contact(&contact, todo, &ctx).unwrap().into());
    records.push(contact_with_custom_fields(&f));
    records.push(opportunity_in_a_pipeline(&f));
    let views: Vec<_> = records.iter().map(Record::view).collect();
    let json = serde_json::to_string_pretty(&views).unwrap() + "\n";
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/fixtures/records.json"
    );
    if std::env::var_os("PROSPECT_BLESS").is_some() {
        std::fs::write(path, &json).unwrap();
    }
    let kept = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        json, kept,
        "the records' JSON differs from {path}: if the change is meant, run with PROSPECT_BLESS=1"
    );
    let values: Vec<Value> = serde_json::from_str(&json).unwrap();
    for (value, record) in values.iter().zip(&records) {
        assert_eq!(value["type"], record.kind().as_str(), "tagged by kind");
        assert_eq!(
            value.get("effective").is_some(),
            record.kind() == RecordKind::Opportunity,
            "only opportunities have effective values"
        );
        // The view is the stored form plus what derives: it reads back as the record.
        let mut stored = value.clone();
        stored.as_object_mut().unwrap().remove("effective");
        assert_eq!(&serde_json::from_value::<Record>(stored).unwrap(), record);
    }
}
