//! Duplicates: the keys stores index a contact and an organization by, so that their likely
//! duplicates are found without a scan, and the scoring that explains each candidate.
//!
//! Finding duplicates is two steps. **Blocking**: a record's [`DuplicateKey`]s
//! ([`Record::duplicate_keys`]) are a few short texts that a record and its duplicates are
//! likely to share even when written differently (the email; the phone's last eight digits;
//! the family name's sound with the given name, and the family name with the given name's
//! sound, so that a typo in one of them still shares a key; an organization's name without
//! its legal form, its sound, its domains). Every store indexes them (a clause of the store
//! contract, [`Query::with_duplicate_key`](crate::store::Query::with_duplicate_key)).
//! **Scoring**: each record sharing a key is compared with the subject
//! ([`compare`]): a score from 0 to 1, the sum of the [`Reason`]s found (a similar name, the
//! same email, the same phone in its [canonical form](crate::PhoneNumber::canonical), the
//! same company domain, the same organization), each with what it counted. A candidate needs
//! a similar name: an email or a phone alone (a shared mailbox, a family's phone) is not a
//! duplicate.
//!
//! ```
//! use prospect::duplicates::{DuplicateRules, compare};
//! use prospect::record::Record;
//! use prospect::*;
//! let ctx = Context::system(User::new("ann")?);
//! let contact = |name: &str, phone: &str| -> Result<Record, ValidationError> {
//!     let details = ContactDetails::new(Party::person(PersonName::new(name)?), LeadSource::Web)
//!         .with_phone(PhoneNumber::new(phone)?);
//!     Ok(Contact::create(details, &ctx).into())
//! };
//! let rules = DuplicateRules::default().with_country(Country::new("GB")?);
//! let (jon, john) = (contact("Jon Smyth", "020 7946 0958")?, contact("John Smith", "+44 20 7946 0958")?);
//! let found = compare(&jon, &john, &rules).expect("a candidate");
//! assert!(found.score >= rules.threshold());
//! assert_eq!(found.reasons.len(), 2, "a similar name and the same phone");
//! // The same phone without a similar name: a family's phone, not a duplicate.
//! assert!(compare(&jon, &contact("Mary Smith", "020 7946 0958")?, &rules).is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Crm::duplicates_of_contact`](crate::Crm::duplicates_of_contact) and
//! [`Crm::duplicates_of_organization`](crate::Crm::duplicates_of_organization) do both
//! through the store and the access policy.

use std::fmt;
use std::hash::{DefaultHasher, Hasher};

use serde::{Deserialize, Serialize};

use crate::contact::{Contact, Party};
use crate::kind::RecordKind;
use crate::organization::{Country, Organization};
use crate::record::Record;

mod names;
mod score;

pub(crate) use score::Features;
pub use score::{Candidate, Duplicates, Reason, Signal, compare};

use names::{PersonKey, sound};

/// The kinds of records that have duplicate keys: contacts and organizations
/// ([`Record::duplicate_keys`] is empty for every other kind). An adapter writes and replaces
/// key rows for these kinds only.
pub const KINDS: [RecordKind; 2] = [RecordKind::Contact, RecordKind::Organization];

/// What a [`DuplicateKey`] is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyKind {
    /// A contact's email, normalised.
    Email,
    /// A contact's phone: its last eight digits ([`PhoneNumber::tail`](crate::PhoneNumber::tail)).
    Phone,
    /// A person's family name by its sound, with their given name (a nickname read as the name
    /// it is short for): shared despite a typo in the family name.
    FamilySound,
    /// A person's family name, with their given name by its sound: shared despite a typo in
    /// the given name.
    GivenSound,
    /// An organization's name (or a contact's, when the contact is an organization) without
    /// its legal form, case, accents or spacing.
    OrganizationName,
    /// An organization's name by its sound, with its first three letters.
    OrganizationSound,
    /// One of an organization's domains.
    Domain,
}

impl KeyKind {
    /// The key's prefix in its text.
    fn prefix(self) -> &'static str {
        match self {
            KeyKind::Email => "email",
            KeyKind::Phone => "phone",
            KeyKind::FamilySound => "family",
            KeyKind::GivenSound => "given",
            KeyKind::OrganizationName => "org",
            KeyKind::OrganizationSound => "org-sound",
            KeyKind::Domain => "domain",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// A blocking key: a short text that a record and its likely duplicates share
/// ([`Record::duplicate_keys`]); stores index records by it, so that a record's candidates are
/// found without a scan ([`Query::with_duplicate_key`](crate::store::Query::with_duplicate_key)).
///
/// Its text ([`as_str`](Self::as_str)) is `kind:value` (`phone:79460958`,
/// `family:s53:john`, `org:acme`): what an adapter stores and compares, byte for byte. It is
/// personal data (an email, a phone's digits, a name): `Debug` and `Display` show its kind
/// only.
///
/// ```
/// use prospect::duplicates::KeyKind;
/// use prospect::record::Record;
/// use prospect::*;
/// let ctx = Context::system(User::new("ann")?);
/// let details = ContactDetails::new(Party::person(PersonName::new("Bob Smith")?), LeadSource::Web)
///     .with_email(EmailAddress::new("Bob@Example.com")?);
/// let record = Record::from(Contact::create(details, &ctx));
/// let keys = record.duplicate_keys();
/// let texts: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
/// assert_eq!(texts, ["email:bob@example.com", "family:s53:robert", "given:smith:r163"]);
/// assert_eq!(keys[0].kind(), KeyKind::Email);
/// assert_eq!(format!("{:?}", keys[0]), "DuplicateKey(email:…)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DuplicateKey {
    kind: KeyKind,
    /// `kind:value`, made in one allocation.
    text: Box<str>,
}

impl DuplicateKey {
    /// The key of `kind` whose value is `parts` put together.
    fn new(kind: KeyKind, parts: &[&str]) -> DuplicateKey {
        let prefix = kind.prefix();
        let len = prefix.len() + 1 + parts.iter().map(|p| p.len()).sum::<usize>();
        let mut text = String::with_capacity(len);
        text.push_str(prefix);
        text.push(':');
        parts.iter().for_each(|p| text.push_str(p));
        DuplicateKey {
            kind,
            text: text.into_boxed_str(),
        }
    }

    /// What the key is made of.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The key's text, `kind:value`: personal data, for a store to keep and compare.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The hash of the key's text, by the standard library's hasher with its fixed keys (the
    /// same in every run): what the memory store indexes keys by
    /// ([`hash_of_parts`] gives the same without the text).
    pub(crate) fn hash_of_text(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        hasher.write(self.text.as_bytes());
        hasher.finish()
    }
}

impl fmt::Debug for DuplicateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DuplicateKey({}:…)", self.kind)
    }
}

impl fmt::Display for DuplicateKey {
    /// The kind only (the value is personal data).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:…", self.kind)
    }
}

impl Record {
    /// The keys a store indexes this record by, for finding its duplicates
    /// ([`DuplicateKey`]): a contact's and an organization's, none for other kinds, none for
    /// a contact whose personal data was erased. Each key once, in the order of their kinds.
    ///
    /// An adapter keeps exactly these for each record, replaced in the commit that writes it
    /// (see [`Query::with_duplicate_key`](crate::store::Query::with_duplicate_key)).
    pub fn duplicate_keys(&self) -> Vec<DuplicateKey> {
        let mut keys = keys_of(self, None);
        keys.sort();
        keys.dedup();
        keys
    }

    /// Whether `key` is one of [`duplicate_keys`](Self::duplicate_keys), making only the
    /// record's keys of that kind (what [`Query::matches`](crate::store::Query::matches) asks
    /// of every record a listing by key reads).
    pub fn has_duplicate_key(&self, key: &DuplicateKey) -> bool {
        keys_of(self, Some(key.kind())).contains(key)
    }
}

/// The keys of `record`, all of them or those of one kind (unsorted, maybe repeated).
fn keys_of(record: &Record, only: Option<KeyKind>) -> Vec<DuplicateKey> {
    let mut keys = Vec::with_capacity(4);
    visit_keys(record, only, &mut |kind, parts| {
        keys.push(DuplicateKey::new(kind, parts))
    });
    keys
}

/// The hash of a key of `kind` whose value is `parts` put together: the same as
/// [`DuplicateKey::hash_of_text`] of that key, made without the key's text (the memory store
/// indexes keys by this hash).
pub(crate) fn hash_of_parts(kind: KeyKind, parts: &[&str]) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(kind.prefix().as_bytes());
    hasher.write(b":");
    parts.iter().for_each(|p| hasher.write(p.as_bytes()));
    hasher.finish()
}

/// Gives `visit` each key of `record` (of kind `only`, if given) as its kind and the parts of
/// its value, without making its text.
pub(crate) fn visit_keys(
    record: &Record,
    only: Option<KeyKind>,
    visit: &mut dyn FnMut(KeyKind, &[&str]),
) {
    let wanted = |kind| only.is_none_or(|only| only == kind);
    match record {
        Record::Contact(c) if c.is_findable() => contact_keys(c, &wanted, visit),
        Record::Organization(o) if o.is_findable() => organization_keys(o, &wanted, visit),
        _ => {}
    }
}

/// Whether `a` and `b`, two versions of one record, have the same duplicate keys, by what they
/// are made of (cheaper than making them).
pub(crate) fn same_keys(a: &Record, b: &Record) -> bool {
    match (a, b) {
        (Record::Contact(a), Record::Contact(b)) => {
            (a.party(), a.email(), a.phone(), a.is_findable())
                == (b.party(), b.email(), b.phone(), b.is_findable())
        }
        (Record::Organization(a), Record::Organization(b)) => {
            (a.name(), a.domains(), a.is_findable()) == (b.name(), b.domains(), b.is_findable())
        }
        (a, b) => a.kind() == b.kind(),
    }
}

fn contact_keys(
    contact: &Contact,
    wanted: &dyn Fn(KeyKind) -> bool,
    visit: &mut dyn FnMut(KeyKind, &[&str]),
) {
    if let Some(email) = contact.email().filter(|_| wanted(KeyKind::Email)) {
        // Normalized (lowercase) without a copy when it already is, as most addresses are.
        let address = email.as_str();
        match address.bytes().any(|b| b.is_ascii_uppercase()) {
            true => visit(KeyKind::Email, &[&email.normalized()]),
            false => visit(KeyKind::Email, &[address]),
        }
    }
    if let Some(phone) = contact.phone().filter(|_| wanted(KeyKind::Phone)) {
        visit(KeyKind::Phone, &[&phone.tail()]);
    }
    match contact.party() {
        Party::Person(person) if wanted(KeyKind::FamilySound) || wanted(KeyKind::GivenSound) => {
            let name = PersonKey::of(person.name.as_str());
            if !name.family.is_empty() && wanted(KeyKind::FamilySound) {
                visit(
                    KeyKind::FamilySound,
                    &[&sound(&name.family), ":", &name.given],
                );
            }
            if !name.given.is_empty() && wanted(KeyKind::GivenSound) {
                visit(
                    KeyKind::GivenSound,
                    &[&name.family, ":", &sound(&name.given)],
                );
            }
        }
        Party::Organization(party) if wanted(KeyKind::OrganizationName) => {
            visit(
                KeyKind::OrganizationName,
                &[&names::organization(party.name.as_str())],
            );
        }
        _ => {}
    }
}

fn organization_keys(
    organization: &Organization,
    wanted: &dyn Fn(KeyKind) -> bool,
    visit: &mut dyn FnMut(KeyKind, &[&str]),
) {
    if wanted(KeyKind::OrganizationName) || wanted(KeyKind::OrganizationSound) {
        let name = names::organization(organization.name().as_str());
        let start: String = name.chars().take(3).collect();
        visit(KeyKind::OrganizationName, &[&name]);
        visit(KeyKind::OrganizationSound, &[&sound(&name), ":", &start]);
    }
    if wanted(KeyKind::Domain) {
        for domain in organization.domains() {
            visit(KeyKind::Domain, &[domain.as_str()]);
        }
    }
}

/// How candidates are scored and where phones are dialled: the score a candidate needs
/// (0.75 by default), the country national numbers are read in (none by default: a national
/// number then matches only the same digits), and how many records sharing one key are
/// compared (200 by default; a key shared by more is reported as crowded, see
/// [`Duplicates::crowded`]).
///
/// ```
/// use prospect::{Country, duplicates::DuplicateRules};
/// let rules = DuplicateRules::default().with_threshold(0.9).with_country(Country::new("FR")?);
/// assert_eq!(rules.threshold(), 0.9);
/// assert_eq!(DuplicateRules::default().with_threshold(7.0).threshold(), 1.0, "clamped");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DuplicateRules {
    threshold: f64,
    country: Option<Country>,
    per_key: usize,
}

impl Default for DuplicateRules {
    fn default() -> DuplicateRules {
        DuplicateRules {
            threshold: DuplicateRules::THRESHOLD,
            country: None,
            per_key: 200,
        }
    }
}

impl DuplicateRules {
    /// The default threshold: a similar name and one more reason (the same email or phone), or
    /// the same name and two weaker ones (the company's domain and organization).
    pub const THRESHOLD: f64 = 0.75;

    /// The same rules with `threshold`, clamped to 0..=1 (a NaN keeps the default).
    pub fn with_threshold(self, threshold: f64) -> DuplicateRules {
        let threshold = if threshold.is_nan() {
            DuplicateRules::THRESHOLD
        } else {
            threshold.clamp(0.0, 1.0)
        };
        DuplicateRules { threshold, ..self }
    }

    /// The same rules with national phone numbers read as dialled in `country`.
    pub fn with_country(self, country: Country) -> DuplicateRules {
        DuplicateRules {
            country: Some(country),
            ..self
        }
    }

    /// The same rules comparing at most `per_key` records sharing one key (at least 1; a
    /// store gives at most a page, [`MAX_PAGE`](crate::store::MAX_PAGE)).
    pub fn with_per_key(self, per_key: usize) -> DuplicateRules {
        DuplicateRules {
            per_key: per_key.max(1),
            ..self
        }
    }

    /// The score a candidate needs.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The country national phone numbers are read in.
    pub fn country(&self) -> Option<Country> {
        self.country
    }

    /// How many records sharing one key are compared.
    pub fn per_key(&self) -> usize {
        self.per_key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::{ContactDetails, LeadSource};
    use crate::context::Context;
    use crate::organization::{Domain, OrganizationDetails};
    use crate::text::{OrganizationName, PersonName, User};

    /// The memory store enters keys by the hash of their parts and looks them up by the hash
    /// of their text: the two must agree, key by key.
    #[test]
    fn a_key_hashes_the_same_from_its_parts_and_from_its_text() {
        let ctx = Context::system(User::new("ann").expect("a user"));
        let person = ContactDetails::new(
            Party::person(PersonName::new("Ada Lovelace").expect("a name")),
            LeadSource::Web,
        )
        .with_email(crate::email::EmailAddress::new("ada@example.test").expect("an email"))
        .with_phone(crate::phone::PhoneNumber::new("+44 20 7946 0958").expect("a phone"));
        let organization =
            OrganizationDetails::new(OrganizationName::new("ACME Corp").expect("a name"))
                .with_domain(Domain::new("acme.test").expect("a domain"));
        let records = [
            Record::from(Contact::create(person, &ctx)),
            Record::from(
                crate::organization::Organization::create(organization, &ctx)
                    .expect("an organization"),
            ),
        ];
        for record in records {
            let mut hashes = Vec::new();
            visit_keys(&record, None, &mut |kind, parts| {
                hashes.push(hash_of_parts(kind, parts))
            });
            let texts: Vec<u64> = keys_of(&record, None)
                .iter()
                .map(DuplicateKey::hash_of_text)
                .collect();
            assert_eq!(hashes, texts);
            assert!(hashes.len() >= 3);
        }
    }
}
