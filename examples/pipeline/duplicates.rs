//! Duplicates in the sales year: some people come back later under another record (a typo in
//! the family name, another email at their company, their phone written the national way),
//! sometimes with a lead of their own. At the year's end the duplicates are looked for
//! (`Crm::duplicates_of_contact`), planned and merged into the first record; the report says
//! how many.

use std::error::Error;

use prospect::duplicates::DuplicateRules;
use prospect::funnel::{Contributes, PipelineReport};
use prospect::merge::MergeChoices;
use prospect::record::{Record, RecordId};
use prospect::store::{Store, Versioned};
use prospect::*;

use super::Rng;

/// A contact who will come back as a duplicate: its record, and how it was written.
pub struct Planted {
    pub original: ContactId,
    pub first: &'static str,
    pub last: &'static str,
    pub company: u64,
    pub phone: String,
    /// The record it came back as, once it did.
    pub duplicate: Option<ContactId>,
}

/// What the year's end found: duplicates planted, those found (the planted ones, and others),
/// the contacts merged, and the records moved.
#[derive(Default)]
pub struct Merges {
    pub planted: usize,
    pub found_planted: usize,
    pub found_others: usize,
    pub merged: usize,
    pub moved: usize,
}

/// The phone of the `i`th contact, written internationally (the original's way).
pub fn phone(i: u64) -> String {
    format!(
        "+33 1 {:02} {:02} {:02} {:02}",
        i % 100,
        (i / 100) % 100,
        (i / 10_000) % 100,
        42
    )
}

/// A family name with two of its inner letters swapped: a typist's slip.
fn typo(last: &str) -> String {
    let mut letters: Vec<char> = last.chars().collect();
    if letters.len() > 3 {
        letters.swap(2, 3);
    }
    letters.into_iter().collect()
}

/// Creates the duplicate of `planted`: the name with a typo, another address at the same
/// company, the phone written nationally; with a lead of its own half of the time. The live
/// report follows.
pub fn come_back<Db: Store>(
    crm: &Crm<Db>,
    live: &mut PipelineReport,
    planted: &mut Planted,
    rng: &mut Rng,
    me: &User,
) -> Result<(), Box<dyn Error>> {
    let national = format!("0{}", planted.phone.trim_start_matches("+33 "));
    let details = ContactDetails::new(
        Party::person(PersonName::new(format!(
            "{} {}",
            planted.first,
            typo(planted.last)
        ))?),
        LeadSource::Web,
    )
    .with_email(EmailAddress::new(format!(
        "{}{}@company{}.example",
        planted.first.chars().next().unwrap_or('x').to_lowercase(),
        planted.last.to_lowercase(),
        planted.company
    ))?)
    .with_phone(PhoneNumber::new(national)?);
    let contact = crm
        .create_contact(details, OnDuplicate::Refuse, me)?
        .into_contact();
    live.add(&contact.contribution());
    planted.duplicate = Some(contact.id());
    if rng.chance(0.5) {
        let interest = Interest::new(
            Summary::new("Asked for a demo again")?,
            BuyingRole::Influencer,
        );
        let lead = crm.open_lead(&contact, interest, me)?;
        live.add(&lead.contribution());
    }
    Ok(())
}

/// Looks for each planted contact's duplicates and merges those found into it, one plan and
/// one commit each; the live report follows every record the merges wrote.
pub fn merge_all<Db: Store>(
    crm: &Crm<Db>,
    live: &mut PipelineReport,
    planted: &[Planted],
    me: &User,
) -> Result<Merges, Box<dyn Error>> {
    let rules = DuplicateRules::default().with_country(Country::new("FR")?);
    let mut merges = Merges {
        planted: planted.len(),
        ..Merges::default()
    };
    for planted in planted {
        let found = crm.duplicates_of_contact(planted.original, &rules, me)?;
        let duplicates: Vec<ContactId> = found
            .candidates
            .iter()
            .filter_map(|c| match c.id {
                RecordId::Contact(id) => Some(id),
                _ => None,
            })
            .collect();
        let is_planted = |d: &ContactId| planted.duplicate == Some(*d);
        merges.found_planted += duplicates.iter().filter(|d| is_planted(d)).count();
        merges.found_others += duplicates.iter().filter(|d| !is_planted(d)).count();
        if duplicates.is_empty() {
            continue;
        }
        let plan = crm.plan_merge(planted.original, &duplicates, MergeChoices::new(), me)?;
        if !plan.refusals().is_empty() {
            continue;
        }
        // What each record written counted before the merge, to move the live report.
        let mut written: Vec<RecordId> = vec![planted.original.into()];
        written.extend(duplicates.iter().map(|&d| RecordId::from(d)));
        written.extend(plan.moved().iter().map(|m| m.record));
        let mut before = std::collections::HashMap::with_capacity(written.len());
        for id in written {
            if let Some(old) = crm.store().load(id).map_err(|e| format!("{e:?}"))? {
                before.insert(id, old.value().contribution());
            }
        }
        let outcome = crm.merge(&plan, me)?;
        let after: Vec<Versioned<Record>> = std::iter::once(outcome.survivor.map(Record::from))
            .chain(outcome.merged.into_iter().map(|c| c.map(Record::from)))
            .chain(outcome.moved)
            .collect();
        for new in &after {
            if let Some(old) = before.get(&new.value().id()) {
                live.replace(old, &new.value().contribution());
            }
        }
        merges.merged += duplicates.len();
        merges.moved += plan.moved().len();
    }
    Ok(merges)
}
