//! Scoring a pair of records: the reasons they may be one, each with what it counts.

use serde::{Deserialize, Serialize};

use super::names::{self, PersonKey};
use super::{DuplicateRules, KeyKind};
use crate::contact::{Contact, Party};
use crate::record::{Record, RecordId};

/// How similar two names must be ([`similarity`], 0 to 1) to count as one name written two ways.
const SIMILAR: f64 = 0.85;

/// Mail providers whose addresses say nothing about where their owner works: two addresses at
/// one of them are not a reason.
const FREE_MAIL: &[&str] = &[
    "163.com",
    "aol.com",
    "free.fr",
    "gmail.com",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hotmail.com",
    "icloud.com",
    "laposte.net",
    "live.com",
    "mail.ru",
    "me.com",
    "orange.fr",
    "outlook.com",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "web.de",
    "yahoo.com",
    "yandex.ru",
];

/// Something two records share that says they may be one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Signal {
    /// Their names are alike: the folded names' Jaro-Winkler similarity (or the share of
    /// letters an edit leaves in place, two swapped letters one edit, when that is more), of
    /// the given and the family names each at least 0.85, nicknames read as the names they
    /// stand for, an initial as 0.9 of the name it starts: `similarity` (their mean) from 0.85
    /// to 1. For organizations, their names without legal forms.
    SimilarName {
        /// How alike, 0.85 to 1.
        similarity: f64,
    },
    /// The same email, normalised.
    SameEmail,
    /// The same phone number in its canonical form
    /// ([`PhoneNumber::canonical`](crate::PhoneNumber::canonical)), or one national form
    /// ending the other's international one.
    SamePhone,
    /// Emails at the same company domain (not a free mail provider's), different addresses.
    SameEmailDomain,
    /// The same organization: linked to the same organization record, or working at
    /// organizations of the same name.
    SameOrganization,
    /// Organizations sharing a domain.
    SharedDomain,
}

impl Signal {
    /// What the signal counts in a score.
    fn weight(self, organizations: bool) -> f64 {
        match self {
            Signal::SimilarName { similarity } if organizations => 0.8 * similarity,
            Signal::SimilarName { similarity } => 0.5 * similarity,
            Signal::SameEmail => 0.4,
            Signal::SamePhone => 0.3,
            Signal::SameEmailDomain | Signal::SameOrganization => 0.15,
            Signal::SharedDomain => 0.5,
        }
    }
}

/// One reason a candidate was scored as it was: the signal and what it counted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// What the two records share.
    #[serde(flatten)]
    pub signal: Signal,
    /// What it counted in the score.
    pub weight: f64,
}

/// A likely duplicate, explained: its score (the sum of its reasons' weights, at most 1), the
/// reasons, and the keys by which the store found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The record that may be a duplicate.
    pub id: RecordId,
    /// From 0 to 1.
    pub score: f64,
    /// Why, strongest first.
    pub reasons: Vec<Reason>,
    /// The kinds of the keys it shares with the subject (how it was found).
    pub keys: Vec<KeyKind>,
}

/// The likely duplicates of a record, best first
/// ([`Crm::duplicates_of_contact`](crate::Crm::duplicates_of_contact)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duplicates {
    /// The record whose duplicates these are.
    pub of: RecordId,
    /// The candidates at or above the rules' threshold, highest score first (then by id).
    pub candidates: Vec<Candidate>,
    /// Keys shared by more records than the rules compare
    /// ([`DuplicateRules::per_key`]): records found only by them may be missing. A common
    /// name does this; the email and phone keys rarely do.
    pub crowded: Vec<KeyKind>,
}

/// What a record is compared by, read once: a search reads its subject's once for every
/// record it compares.
pub(crate) struct Features<'a> {
    record: &'a Record,
    name: Name,
    /// The normalised email and its domain.
    email: Option<(String, String)>,
    /// The phone's canonical form.
    phone: Option<String>,
    /// The organization a contact is linked to.
    organization: Option<crate::id::OrganizationId>,
    /// The organization a person works at, by name, as matching reads it.
    employer: Option<String>,
}

/// A name as matching reads it.
enum Name {
    Person(PersonKey),
    /// An organization's, or a contact's that is an organization.
    Organization(String),
}

impl<'a> Features<'a> {
    /// The features of `record`: `None` for a kind duplicates are not searched among, and for
    /// a contact whose personal data was erased.
    pub(crate) fn of(record: &'a Record, rules: &DuplicateRules) -> Option<Features<'a>> {
        match record {
            Record::Contact(c) if c.erasure().is_none() => {
                Some(Features::contact(record, c, rules))
            }
            Record::Organization(o) => Some(Features {
                record,
                name: Name::Organization(names::organization(o.name().as_str())),
                email: None,
                phone: None,
                organization: None,
                employer: None,
            }),
            _ => None,
        }
    }

    fn contact(record: &'a Record, c: &Contact, rules: &DuplicateRules) -> Features<'a> {
        let (name, employer) = match c.party() {
            Party::Person(p) => (
                Name::Person(PersonKey::of(p.name.as_str())),
                p.organization
                    .as_ref()
                    .map(|o| names::organization(o.as_str())),
            ),
            Party::Organization(o) => (
                Name::Organization(names::organization(o.name.as_str())),
                None,
            ),
        };
        let email = c
            .email()
            .map(|e| (e.normalized(), e.domain().to_ascii_lowercase()));
        Features {
            record,
            name,
            email,
            phone: c.phone().map(|p| p.canonical(rules.country())),
            organization: c.organization(),
            employer,
        }
    }

    /// `other` as a candidate duplicate of this record, when it is one (see [`compare`]).
    pub(crate) fn candidate(
        &self,
        other: &Features<'_>,
        rules: &DuplicateRules,
    ) -> Option<Candidate> {
        if self.record.id() == other.record.id() || self.record.kind() != other.record.kind() {
            return None;
        }
        let organizations = self.record.kind() == crate::kind::RecordKind::Organization;
        let similarity = match (&self.name, &other.name) {
            (Name::Person(a), Name::Person(b)) => people(a, b)?,
            (Name::Organization(a), Name::Organization(b)) => similarity(a, b),
            _ => return None,
        };
        // A candidate needs a similar name: an email or a phone alone is not a duplicate.
        if similarity < SIMILAR {
            return None;
        }
        let mut signals = vec![Signal::SimilarName { similarity }];
        if organizations {
            if let (Record::Organization(a), Record::Organization(b)) = (self.record, other.record)
            {
                if a.domains().iter().any(|d| b.domains().contains(d)) {
                    signals.push(Signal::SharedDomain);
                }
            }
        } else {
            self.contact_signals(other, &mut signals);
        }
        let mut reasons: Vec<Reason> = signals
            .into_iter()
            .map(|signal| Reason {
                signal,
                weight: signal.weight(organizations),
            })
            .collect();
        reasons.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        let score = reasons.iter().map(|r| r.weight).sum::<f64>().min(1.0);
        if score < rules.threshold() {
            return None;
        }
        let theirs = other.record.duplicate_keys();
        let mut keys: Vec<KeyKind> = self
            .record
            .duplicate_keys()
            .iter()
            .filter(|k| theirs.contains(k))
            .map(|k| k.kind())
            .collect();
        keys.dedup();
        Some(Candidate {
            id: other.record.id(),
            score,
            reasons,
            keys,
        })
    }

    /// The signals of two contacts besides their names.
    fn contact_signals(&self, other: &Features<'_>, signals: &mut Vec<Signal>) {
        match (&self.email, &other.email) {
            (Some((x, _)), Some((y, _))) if x == y => signals.push(Signal::SameEmail),
            (Some((_, dx)), Some((_, dy))) if dx == dy && !FREE_MAIL.contains(&dx.as_str()) => {
                signals.push(Signal::SameEmailDomain);
            }
            _ => {}
        }
        if let (Some(x), Some(y)) = (&self.phone, &other.phone) {
            // A national form left as written (its country unknown) matches the international
            // form it ends, without its trunk `0`.
            let ends = |international: &str, national: &str| {
                let national = national.strip_prefix('0').unwrap_or(national);
                international.starts_with('+')
                    && national.len() >= 7
                    && international.ends_with(national)
            };
            if x == y || ends(x, y) || ends(y, x) {
                signals.push(Signal::SamePhone);
            }
        }
        let linked = self.organization.is_some() && self.organization == other.organization;
        let employer = self.employer.is_some() && self.employer == other.employer;
        if linked || employer {
            signals.push(Signal::SameOrganization);
        }
    }
}

/// Compares `subject` with `other` (two contacts or two organizations): the candidate when
/// their score reaches the rules' threshold, `None` otherwise, for the same record, for
/// records of other kinds, and for a contact whose personal data was erased. A candidate
/// needs a similar name; its [`keys`](Candidate::keys) are those the two records share.
pub fn compare(subject: &Record, other: &Record, rules: &DuplicateRules) -> Option<Candidate> {
    Features::of(subject, rules)?.candidate(&Features::of(other, rules)?, rules)
}

/// How alike two folded names are, 0 to 1: Jaro-Winkler, or the share of letters an edit
/// leaves in place (optimal string alignment: two letters swapped count as one edit) when that
/// is more (a swap in a short name).
fn similarity(a: &str, b: &str) -> f64 {
    let edited = match a.chars().count().max(b.chars().count()) {
        0 => 1.0,
        longest => 1.0 - strsim::osa_distance(a, b) as f64 / longest as f64,
    };
    strsim::jaro_winkler(a, b).max(edited)
}

/// How alike two people's names are: given and family names compared apart (a family member
/// has the family name and another given name), each at least [`SIMILAR`]; an initial is as
/// good as 0.9 of the name it starts; a missing given name 0.9 of any.
fn people(a: &PersonKey, b: &PersonKey) -> Option<f64> {
    let family = similarity(&a.family, &b.family);
    let given = match (a.given.chars().count(), b.given.chars().count()) {
        (0, _) | (_, 0) => 0.9,
        (1, _) | (_, 1) if a.given.chars().next() == b.given.chars().next() => 0.9,
        _ => similarity(&a.given, &b.given),
    };
    (family >= SIMILAR && given >= SIMILAR).then_some((family + given) / 2.0)
}
