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
