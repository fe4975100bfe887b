//! Scoring a pair of records: the reasons they may be one, each with what it counts.

use serde::{Deserialize, Serialize};

use super::names::{self, PersonKey};
use super::{DuplicateRules, KeyKind};
use crate::contact::{Contact, Party};
use crate::organization::Organization;
use crate::record::{Record, RecordId};

/// How similar two names must be (Jaro-Winkler, 0 to 1) to count as one name written two ways.
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
    /// Their names are alike (Jaro-Winkler of the folded names, given and family names each
    /// at least 0.85, nicknames read as the names they stand for): `similarity` from 0.85
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

/// Compares `subject` with `other` (two contacts or two organizations): the candidate when
/// their score reaches the rules' threshold, `None` otherwise, for the same record, for
/// records of other kinds, and for a contact whose personal data was erased. A candidate
/// needs a similar name; its [`keys`](Candidate::keys) are those the two records share.
pub fn compare(subject: &Record, other: &Record, rules: &DuplicateRules) -> Option<Candidate> {
    if subject.id() == other.id() {
        return None;
    }
    let (signals, organizations) = match (subject, other) {
        (Record::Contact(a), Record::Contact(b)) => {
            if a.erasure().is_some() || b.erasure().is_some() {
                return None;
            }
            (contacts(a, b, rules), false)
        }
        (Record::Organization(a), Record::Organization(b)) => (organizations(a, b), true),
        _ => return None,
    };
    if !signals
        .iter()
        .any(|s| matches!(s, Signal::SimilarName { .. }))
    {
        return None;
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
    let theirs = other.duplicate_keys();
    let mut keys: Vec<KeyKind> = subject
        .duplicate_keys()
        .iter()
        .filter(|k| theirs.contains(k))
        .map(|k| k.kind())
        .collect();
    keys.dedup();
    Some(Candidate {
        id: other.id(),
        score,
        reasons,
        keys,
    })
}

fn contacts(a: &Contact, b: &Contact, rules: &DuplicateRules) -> Vec<Signal> {
    let mut signals = Vec::new();
    if let Some(similarity) = party_similarity(a.party(), b.party()) {
        signals.push(Signal::SimilarName { similarity });
    }
    match (a.email(), b.email()) {
        (Some(x), Some(y)) if x == y => signals.push(Signal::SameEmail),
        (Some(x), Some(y)) => {
            let domain = |e: &crate::email::EmailAddress| {
                let normalized = e.normalized();
                normalized
                    .rsplit_once('@')
                    .map(|(_, d)| d.to_string())
                    .unwrap_or_default()
            };
            let (dx, dy) = (domain(x), domain(y));
            if dx == dy && !FREE_MAIL.contains(&dx.as_str()) {
                signals.push(Signal::SameEmailDomain);
            }
        }
        _ => {}
    }
    if let (Some(x), Some(y)) = (a.phone(), b.phone()) {
        let (x, y) = (x.canonical(rules.country()), y.canonical(rules.country()));
        // A national form left as written (its country unknown) matches the international
        // form it ends, without its trunk `0`.
        let ends = |international: &str, national: &str| {
            let national = national.strip_prefix('0').unwrap_or(national);
            international.starts_with('+')
                && national.len() >= 7
                && international.ends_with(national)
        };
        if x == y || ends(&x, &y) || ends(&y, &x) {
            signals.push(Signal::SamePhone);
        }
    }
    let linked = a.organization().is_some() && a.organization() == b.organization();
    let named = match (a.party().organization_name(), b.party().organization_name()) {
        (Some(x), Some(y)) => names::organization(x.as_str()) == names::organization(y.as_str()),
        _ => false,
    };
    let both_people = matches!((a.party(), b.party()), (Party::Person(_), Party::Person(_)));
    if linked || (named && both_people) {
        signals.push(Signal::SameOrganization);
    }
    signals
}

fn organizations(a: &Organization, b: &Organization) -> Vec<Signal> {
    let mut signals = Vec::new();
    let (x, y) = (
        names::organization(a.name().as_str()),
        names::organization(b.name().as_str()),
    );
    let similarity = similarity(&x, &y);
    if similarity >= SIMILAR {
        signals.push(Signal::SimilarName { similarity });
    }
    if a.domains().iter().any(|d| b.domains().contains(d)) {
        signals.push(Signal::SharedDomain);
    }
    signals
}

/// How alike two folded names are, 0 to 1: Jaro-Winkler, or the share of letters a
/// Damerau-Levenshtein edit leaves in place when that is more (two letters swapped in a
/// short name).
fn similarity(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b).max(strsim::normalized_damerau_levenshtein(a, b))
}

/// How alike two parties' names are, when alike enough to count.
fn party_similarity(a: &Party, b: &Party) -> Option<f64> {
    let similarity = match (a, b) {
        (Party::Person(a), Party::Person(b)) => people(
            &PersonKey::of(a.name.as_str()),
            &PersonKey::of(b.name.as_str()),
        )?,
        (Party::Organization(a), Party::Organization(b)) => similarity(
            &names::organization(a.name.as_str()),
            &names::organization(b.name.as_str()),
        ),
        _ => return None,
    };
    (similarity >= SIMILAR).then_some(similarity)
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
