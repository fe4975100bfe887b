//! Duplicates in the sales year: some people come back later under another record (a typo in
//! the family name, another email at their company, their phone written the national way),
//! sometimes with a lead of their own, and their company is recorded twice, under its short
//! name and its full legal name. At the year's end the duplicate organizations are looked for
//! (`Crm::duplicates_of_organization`) and merged, then the duplicate contacts
//! (`Crm::duplicates_of_contact`), each planned and merged into the first record; the report
//! says how many.

use std::error::Error;

use prospect::duplicates::DuplicateRules;
use prospect::funnel::{Contributes, PipelineReport};
use prospect::merge::{MergeChoices, OrganizationChoices};
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

/// What the year's end found of the organizations: those recorded twice, the duplicates found
/// (the planted ones, and others), the organizations merged, and the contacts moved.
#[derive(Default)]
pub struct OrganizationMerges {
    pub planted: usize,
    pub found_planted: usize,
    pub found_others: usize,
    pub merged: usize,
    pub moved: usize,
}

/// Records the company of each planted contact twice: `Company K` (the original's, with its
/// domain) and `Company K SAS` (the duplicate's, without), then looks for each one's
/// duplicates and merges them into it, moving their contacts. Contacts and organizations
/// count for nothing more in the report as they move: the live report is unchanged.
pub fn merge_organizations<Db: Store>(
    crm: &Crm<Db>,
    planted: &[Planted],
    me: &User,
) -> Result<OrganizationMerges, Box<dyn Error>> {
    let mut companies: Vec<(OrganizationId, OrganizationId)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in planted {
        if !seen.insert(p.company) {
            continue;
        }
        let short =
            OrganizationDetails::new(OrganizationName::new(format!("Company {}", p.company))?)
                .with_domain(Domain::new(format!("company{}.example", p.company))?);
        let short = crm
            .create_organization(short, OnDuplicate::Refuse, me)?
            .into_organization();
        let legal =
            OrganizationDetails::new(OrganizationName::new(format!("Company {} SAS", p.company))?);
        let legal = crm
            .create_organization(legal, OnDuplicate::Refuse, me)?
            .into_organization();
        for (contact, organization) in [(Some(p.original), &short), (p.duplicate, &legal)] {
            if let Some(contact) = contact {
                let contact = crm.load::<Contact>(contact, me)?;
                crm.link_contact(contact, organization, me)?;
            }
        }
        companies.push((short.id(), legal.id()));
    }
    let mut merges = OrganizationMerges {
        planted: companies.len(),
        ..OrganizationMerges::default()
    };
    let rules = DuplicateRules::default();
    for (short, legal) in companies {
        let found = crm.duplicates_of_organization(short, &rules, me)?;
        let duplicates: Vec<OrganizationId> = found
            .candidates
            .iter()
            .filter_map(|c| match c.id {
                RecordId::Organization(id) => Some(id),
                _ => None,
            })
            .collect();
        merges.found_planted += duplicates.iter().filter(|&&d| d == legal).count();
        merges.found_others += duplicates.iter().filter(|&&d| d != legal).count();
        if duplicates.is_empty() {
            continue;
        }
        let plan =
            crm.plan_organization_merge(short, &duplicates, OrganizationChoices::new(), me)?;
        if !plan.refusals().is_empty() {
            continue;
        }
        let outcome = crm.merge_organizations(&plan, me)?;
        merges.merged += outcome.merged.len();
        merges.moved += outcome.contacts.len();
    }
    Ok(merges)
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
