//! Duplicates found as the issue measures them: on a generated set of contacts with known
//! duplicates and people who only look alike (`testkit::people`), the precision and recall of
//! the candidates at the default threshold, through the facade over the memory store.

use std::collections::{BTreeSet, HashMap};

use prospect::access::AllowAll;
use prospect::duplicates::{DuplicateRules, Signal};
use prospect::memory::MemoryStore;
use prospect::record::Record;
use prospect::store::{Batch, Store};
use prospect::testkit::Sample;
use prospect::testkit::people::{Variation, people};
use prospect::*;

/// Precision and recall of the candidates of every contact of `people(seed, persons)`, with
/// the pairs missed and the pairs wrongly found, by variation.
struct Measured {
    precision: f64,
    recall: f64,
    missed: HashMap<Variation, usize>,
    wrong: Vec<(Variation, Variation)>,
    /// Contacts, true pairs, pairs found.
    sizes: (usize, usize, usize),
}

fn measure(seed: u64, persons: usize, rules: &DuplicateRules) -> Measured {
    let sample = Sample::new(seed as u32);
    let generated = people(seed, persons);
    let store = MemoryStore::new();
    let mut batch = Batch::new();
    let mut ids = Vec::new();
    for g in &generated {
        let contact = Contact::create(g.details.clone(), &sample.ctx());
        ids.push(contact.id());
        batch.create(Record::from(contact)).unwrap();
    }
    store.commit(batch).unwrap();
    let crm = Crm::new(&store, AllowAll);
    let index: HashMap<ContactId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let pair = |a: usize, b: usize| (a.min(b), a.max(b));
    let truth: BTreeSet<(usize, usize)> = generated
        .iter()
        .enumerate()
        .filter(|(_, g)| g.variation.is_duplicate())
        .map(|(i, g)| pair(i, g.person))
        .collect();
    let mut found = BTreeSet::new();
    for (i, id) in ids.iter().enumerate() {
        let duplicates = crm
            .duplicates_of_contact(*id, rules, sample.actor())
            .unwrap();
        for candidate in duplicates.candidates {
            let record::RecordId::Contact(other) = candidate.id else {
                panic!("a contact's candidate is a contact: {:?}", candidate.id);
            };
            assert!(
                candidate
                    .reasons
                    .iter()
                    .any(|r| matches!(r.signal, Signal::SimilarName { .. })),
                "every candidate has a similar name"
            );
            found.insert(pair(i, index[&other]));
        }
    }
    let right = found.intersection(&truth).count() as f64;
    let variation = |(a, b): &(usize, usize)| {
        let (a, b) = (generated[*a].variation, generated[*b].variation);
        if a == Variation::Original { b } else { a }
    };
    let mut missed = HashMap::new();
    for p in truth.difference(&found) {
        *missed.entry(variation(p)).or_insert(0) += 1;
    }
    let wrong = found
        .difference(&truth)
        .map(|(a, b)| (generated[*a].variation, generated[*b].variation))
        .collect();
    Measured {
        precision: right / found.len().max(1) as f64,
        recall: right / truth.len().max(1) as f64,
        missed,
        wrong,
        sizes: (generated.len(), truth.len(), found.len()),
    }
}

/// The goal: at least 0.95 of each at the default threshold, phones read as GB's (the
/// generated numbers are). Printed for BENCHMARKS.md (`cargo test --all-features --test it
/// duplicates -- --nocapture`).
#[test]
fn candidates_at_the_default_threshold_are_precise_and_complete() {
    let rules = DuplicateRules::default().with_country(Country::new("GB").unwrap());
    let measured = measure(29, 3_000, &rules);
    let (contacts, truth, found) = measured.sizes;
    eprintln!(
        "{contacts} contacts, {truth} true pairs, {found} found: precision {:.3}, recall {:.3}; \
         missed by variation {:?}; wrong pairs {:?}",
        measured.precision, measured.recall, measured.missed, measured.wrong
    );
    assert!(
        measured.precision >= 0.95,
        "precision {:.3}",
        measured.precision
    );
    assert!(measured.recall >= 0.95, "recall {:.3}", measured.recall);
    // The set is not too easy: at a threshold a name alone reaches, the namesakes come in.
    let loose = measure(29, 3_000, &rules.with_threshold(0.5));
    let namesakes = loose
        .wrong
        .iter()
        .filter(|pair| matches!(pair, (_, Variation::Namesake) | (Variation::Namesake, _)))
        .count();
    eprintln!(
        "at 0.5: precision {:.3}, recall {:.3}, {} wrong pairs ({namesakes} with a namesake)",
        loose.precision,
        loose.recall,
        loose.wrong.len()
    );
    assert!(
        loose.precision < 0.95 && namesakes > 0,
        "{:?}",
        loose.wrong.len()
    );
}

/// A search shows only the candidates the actor may read with their personal data (what a
/// candidate shares with the contact is personal data), and one about a contact the actor may
/// not read is "not found".
#[test]
fn candidates_are_those_the_actor_may_read() {
    use prospect::access::{Directory, Role, RolePolicy};
    let (ann, bob, boss) = (
        User::new("ann").unwrap(),
        User::new("bob").unwrap(),
        User::new("boss").unwrap(),
    );
    let rep = Role::new("rep").unwrap();
    let crm = Crm::new(MemoryStore::new(), RolePolicy::conventional()).with_directory(
        Directory::new()
            .with_user(ann.clone(), [rep.clone()], [])
            .with_user(bob.clone(), [rep], [])
            .with_user(boss.clone(), [Role::new("admin").unwrap()], []),
    );
    let person = |name: &str, owner: &User| {
        ContactDetails::new(
            Party::person(PersonName::new(name).unwrap()),
            LeadSource::Web,
        )
        .with_phone(PhoneNumber::new("+44 20 7946 0958").unwrap())
        .with_owner(owner.clone())
    };
    let robert = crm
        .create_contact(person("Robert Smith", &ann), OnDuplicate::Refuse, &ann)
        .unwrap()
        .into_contact()
        .value()
        .id();
    let bobs = crm
        .create_contact(person("Bob Smith", &bob), OnDuplicate::Refuse, &bob)
        .unwrap()
        .into_contact()
        .value()
        .id();
    let rules = DuplicateRules::default();
    let as_ann = crm.duplicates_of_contact(robert, &rules, &ann).unwrap();
    assert!(
        as_ann.candidates.is_empty(),
        "Bob's contact is not Ann's to see"
    );
    let as_boss = crm.duplicates_of_contact(robert, &rules, &boss).unwrap();
    let found: Vec<_> = as_boss.candidates.iter().map(|c| c.id).collect();
    assert_eq!(found, [record::RecordId::from(bobs)]);
    assert!(matches!(
        crm.duplicates_of_contact(bobs, &rules, &ann),
        Err(CrmError::NotFound(_))
    ));
}

/// Organizations: one name with two legal forms, and a shared domain, are candidates; a
/// similar name alone at a lower score.
#[test]
fn organizations_are_found_by_name_and_domain() {
    let crm = Crm::new(MemoryStore::new(), AllowAll);
    let me = User::new("ann").unwrap();
    let organization = |name: &str, domain: &str| {
        crm.create_organization(
            OrganizationDetails::new(OrganizationName::new(name).unwrap())
                .with_domain(Domain::new(domain).unwrap()),
            OnDuplicate::Refuse,
            &me,
        )
        .unwrap()
        .into_organization()
        .value()
        .id()
    };
    let acme = organization("ACME Corp", "acme.test");
    let again = organization("Acme Corporation", "acme-corp.test");
    organization("Globex", "globex.test");
    let found = crm
        .duplicates_of_organization(acme, &DuplicateRules::default(), &me)
        .unwrap();
    let ids: Vec<_> = found.candidates.iter().map(|c| c.id).collect();
    assert_eq!(ids, [record::RecordId::from(again)]);
    assert_eq!(
        found.candidates[0].score, 0.8,
        "the same name, no shared domain"
    );
}

mod properties {
    use proptest::prelude::*;
    use prospect::duplicates::{DuplicateRules, compare};
    use prospect::record::Record;
    use prospect::strategies;

    proptest! {
        /// For any contacts and organizations (any names, emails, phones, in any script):
        /// making their keys and comparing them never panics; a record has each of its keys
        /// (`has_duplicate_key` agrees with `duplicate_keys`), keeps them through its stored
        /// form, and two records score the same whichever is the subject.
        #[test]
        fn keys_and_scores_hold_for_any_records(
            a in strategies::contact(),
            b in strategies::contact(),
            x in strategies::organization(),
            y in strategies::organization(),
            phone in strategies::phone(),
        ) {
            let rules = DuplicateRules::default().with_threshold(0.0);
            prop_assert!(phone.canonical(None).chars().all(|c| c == '+' || c.is_ascii_digit()));
            for (a, b) in [(Record::from(a), Record::from(b)), (Record::from(x), Record::from(y))] {
                let keys = a.duplicate_keys();
                for key in &keys {
                    prop_assert!(a.has_duplicate_key(key));
                }
                let stored: Record = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
                prop_assert_eq!(stored.duplicate_keys(), keys);
                let there = compare(&a, &b, &rules).map(|c| c.score);
                let back = compare(&b, &a, &rules).map(|c| c.score);
                prop_assert_eq!(there, back);
                prop_assert!(compare(&a, &a, &rules).is_none(), "a record is not its own duplicate");
            }
        }
    }
}

/// A reader who may read contacts but not their personal data does not find a contact by one
/// of its duplicate keys (made of its name, email and phone: a listing by key would tell them
/// what the redaction hides), nor by its email; one who may, does.
#[test]
fn a_reader_without_personal_data_does_not_find_contacts_by_duplicate_key() {
    use prospect::record::{RecordId, RecordKind};
    use prospect::store::Query;
    let store = MemoryStore::new();
    let me = User::new("ann").unwrap();
    let everyone = Crm::new(&store, AllowAll);
    let details = ContactDetails::new(
        Party::person(PersonName::new("Ada Lovelace").unwrap()),
        LeadSource::Web,
    )
    .with_email(EmailAddress::new("ada@example.test").unwrap());
    let ada = everyone
        .create_contact(details, OnDuplicate::Refuse, &me)
        .unwrap()
        .into_contact();
    let (team, vic) = crate::support::viewer_without_personal_data(&store);
    let key = Record::from(ada.value().clone()).duplicate_keys()[0].clone();
    let query = Query::of_kind(RecordKind::Contact).with_duplicate_key(key);
    let ids = |page: prospect::access::VisiblePage| -> Vec<RecordId> {
        page.records.iter().map(|r| r.id()).collect()
    };
    assert_eq!(
        ids(everyone.list(&query, None, 10, &me).unwrap()),
        [RecordId::from(ada.value().id())]
    );
    assert_eq!(ids(team.list(&query, None, 10, &vic).unwrap()), []);
    // Nor by its email.
    let email = EmailAddress::new("ada@example.test").unwrap();
    assert!(
        team.find_contacts_by_email(&email, &vic)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        everyone.find_contacts_by_email(&email, &me).unwrap().len(),
        1
    );
    // The contact itself is theirs to read, redacted.
    assert!(team.read(ada.value().id(), &vic).is_ok());
}
