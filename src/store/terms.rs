//! Queries on custom fields: the [`FieldTerm`]s a record's values give a store's index, and
//! the [`FieldMatch`] a [`Query`](super::Query) asks of one field (public path `store::`).

use std::fmt;

use chrono::NaiveDate;

use crate::custom::{FieldKey, FieldValue};
use crate::record::{Record, RecordId};

/// One entry a record's custom value gives the field index of a store: what a
/// [`FieldMatch`] finds it by. Values of the types a query can ask about give terms; text,
/// numbers and money give none.
///
/// | value | terms |
/// |---|---|
/// | [`FieldValue::Picklist`] | one [`Picklist`](FieldTerm::Picklist): the option chosen |
/// | [`FieldValue::MultiPicklist`] | one [`Picklist`](FieldTerm::Picklist) per option chosen |
/// | [`FieldValue::Boolean`] | one [`Boolean`](FieldTerm::Boolean) |
/// | [`FieldValue::Date`] | one [`Date`](FieldTerm::Date) |
/// | [`FieldValue::Reference`] | one [`Reference`](FieldTerm::Reference) |
///
/// An adapter keeps, for every stored record, exactly the terms of
/// [`Record::field_terms`]: written with the record, replaced when it is updated (an edit, a
/// cleared value, an erasure of personal values), in the same transaction. A store that keeps
/// its terms as text uses [`text`](FieldTerm::text) and [`day`](FieldTerm::day), which
/// [`FieldMatch::text`] and [`FieldMatch::days`] query.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldTerm {
    /// A picklist's option, or one of a multi-picklist's.
    Picklist(FieldKey),
    /// A boolean's value.
    Boolean(bool),
    /// A date.
    Date(NaiveDate),
    /// The record a reference refers to.
    Reference(RecordId),
}

impl FieldTerm {
    /// The terms `value` gives (none for text, numbers and money).
    pub fn of(value: &FieldValue) -> impl Iterator<Item = FieldTerm> + '_ {
        let one = match value {
            FieldValue::Picklist(option) => Some(FieldTerm::Picklist(option.clone())),
            FieldValue::Boolean(b) => Some(FieldTerm::Boolean(*b)),
            FieldValue::Date(day) => Some(FieldTerm::Date(*day)),
            FieldValue::Reference(id) => Some(FieldTerm::Reference(*id)),
            FieldValue::Text(_)
            | FieldValue::Integer(_)
            | FieldValue::Decimal { .. }
            | FieldValue::Money(_)
            | FieldValue::MultiPicklist(_) => None,
        };
        let options = match value {
            FieldValue::MultiPicklist(options) => Some(options.iter()),
            _ => None,
        };
        one.into_iter().chain(
            options
                .into_iter()
                .flatten()
                .map(|option| FieldTerm::Picklist(option.clone())),
        )
    }

    /// The term as text, for a store that indexes terms in a text column: `picklist:<option>`,
    /// `boolean:true` or `boolean:false`, `reference:<kind>/<uuid>`, and `date` for every date
    /// (whose day is [`day`](Self::day), in a column of its own, so that a range of days is a
    /// range of the index). Every term a [`FieldMatch`] finds has the match's
    /// [`text`](FieldMatch::text).
    pub fn text(&self) -> String {
        match self {
            FieldTerm::Picklist(option) => format!("picklist:{option}"),
            FieldTerm::Boolean(b) => format!("boolean:{b}"),
            FieldTerm::Date(_) => "date".to_string(),
            FieldTerm::Reference(id) => format!("reference:{}/{}", id.kind(), id.as_uuid()),
        }
    }

    /// The day of a date term.
    pub fn day(&self) -> Option<NaiveDate> {
        match self {
            FieldTerm::Date(day) => Some(*day),
            _ => None,
        }
    }
}

impl fmt::Display for FieldTerm {
    /// The term as text, a date's with its day (`date:2026-05-01`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldTerm::Date(day) => write!(f, "date:{day}"),
            other => f.write_str(&other.text()),
        }
    }
}

/// What a [`Query`](super::Query) asks of one custom field
/// ([`Query::with_field`](super::Query::with_field)): a record matches when its value of the
/// field gives a [`FieldTerm`] the match accepts.
///
/// | match | a record matches when the field's value |
/// |---|---|
/// | [`Picklist(option)`](FieldMatch::Picklist) | is that option of a picklist, or a multi-picklist's options include it |
/// | [`Boolean(b)`](FieldMatch::Boolean) | is `b` (a record **without** a value matches neither `true` nor `false`) |
/// | [`DateBetween(first, last)`](FieldMatch::DateBetween) | is a date from `first` to `last`, **both included** (none if `first > last`) |
/// | [`Reference(id)`](FieldMatch::Reference) | refers to `id` |
///
/// A record with no value for the field never matches, nor does one of another field with the
/// same value: the field's key is part of the match.
///
/// ```
/// use prospect::fields::{FieldKey, FieldValue};
/// use prospect::store::FieldMatch;
/// let enterprise = FieldMatch::Picklist(FieldKey::new("enterprise")?);
/// assert!(enterprise.matches(&FieldValue::Picklist(FieldKey::new("enterprise")?)));
/// assert!(!enterprise.matches(&FieldValue::Picklist(FieldKey::new("startup")?)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldMatch {
    /// The option, in a picklist or a multi-picklist.
    Picklist(FieldKey),
    /// The boolean's value.
    Boolean(bool),
    /// A date from the first day to the last, both included.
    DateBetween(NaiveDate, NaiveDate),
    /// A reference to the record.
    Reference(RecordId),
}

impl FieldMatch {
    /// Whether `term` is one the match finds.
    pub fn accepts(&self, term: &FieldTerm) -> bool {
        match (self, term) {
            (FieldMatch::Picklist(wanted), FieldTerm::Picklist(option)) => wanted == option,
            (FieldMatch::Boolean(wanted), FieldTerm::Boolean(b)) => wanted == b,
            (FieldMatch::DateBetween(first, last), FieldTerm::Date(day)) => {
                (first..=last).contains(&day)
            }
            (FieldMatch::Reference(wanted), FieldTerm::Reference(id)) => wanted == id,
            _ => false,
        }
    }

    /// Whether a field's `value` matches: one of its terms ([`FieldTerm::of`]) is accepted.
    pub fn matches(&self, value: &FieldValue) -> bool {
        // The terms' cases, on the value in place (a listing checks every record it returns).
        match (self, value) {
            (FieldMatch::Picklist(wanted), FieldValue::Picklist(option)) => wanted == option,
            (FieldMatch::Picklist(wanted), FieldValue::MultiPicklist(options)) => {
                options.contains(wanted)
            }
            (FieldMatch::Boolean(wanted), FieldValue::Boolean(b)) => wanted == b,
            (FieldMatch::DateBetween(first, last), FieldValue::Date(day)) => {
                (first..=last).contains(&day)
            }
            (FieldMatch::Reference(wanted), FieldValue::Reference(id)) => wanted == id,
            _ => false,
        }
    }

    /// The one term an equality match finds (`None` for a date range, which finds a range).
    pub fn term(&self) -> Option<FieldTerm> {
        match self {
            FieldMatch::Picklist(option) => Some(FieldTerm::Picklist(option.clone())),
            FieldMatch::Boolean(b) => Some(FieldTerm::Boolean(*b)),
            FieldMatch::DateBetween(..) => None,
            FieldMatch::Reference(id) => Some(FieldTerm::Reference(*id)),
        }
    }

    /// The [`text`](FieldTerm::text) of every term the match finds: for a date range, `date`
    /// (the days are [`days`](Self::days)); for the others, their [`term`](Self::term)'s.
    pub fn text(&self) -> String {
        self.term()
            .map_or_else(|| "date".to_string(), |term| term.text())
    }

    /// The first and last days of a date range.
    pub fn days(&self) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            FieldMatch::DateBetween(first, last) => Some((*first, *last)),
            _ => None,
        }
    }
}

impl fmt::Display for FieldMatch {
    /// The match as text, as [`FromStr`](std::str::FromStr) reads it: `picklist:<option>`,
    /// `boolean:true`, `date:<first>..<last>`, `reference:<kind>/<uuid>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldMatch::DateBetween(first, last) => write!(f, "date:{first}..{last}"),
            other => f.write_str(&other.text()),
        }
    }
}

/// Why a text is not a [`FieldMatch`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a field match ({reason}): expected picklist:<option>, boolean:true or \
     boolean:false, date:<first>..<last> (or date:<day>), or reference:<kind>/<uuid>"
)]
pub struct FieldMatchError {
    /// The text, as given (at most 100 characters of it).
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl std::str::FromStr for FieldMatch {
    type Err = FieldMatchError;

    /// Reads a match from its text ([`Display`](fmt::Display)'s form): for a query string, a
    /// command line.
    ///
    /// ```
    /// use prospect::store::FieldMatch;
    /// let march: FieldMatch = "date:2027-03-01..2027-03-31".parse()?;
    /// assert_eq!(march.to_string(), "date:2027-03-01..2027-03-31");
    /// assert!("boolean:yes".parse::<FieldMatch>().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn from_str(text: &str) -> Result<FieldMatch, FieldMatchError> {
        let refused = |reason: String| FieldMatchError {
            text: text.chars().take(100).collect(),
            reason,
        };
        let (what, value) = text
            .split_once(':')
            .ok_or_else(|| refused("no `:` after its type".to_string()))?;
        let day = |v: &str| {
            v.parse::<NaiveDate>()
                .map_err(|e| refused(format!("{v:?} is not a date: {e}")))
        };
        match what {
            "picklist" => FieldKey::new(value)
                .map(FieldMatch::Picklist)
                .map_err(|e| refused(e.to_string())),
            "boolean" => match value {
                "true" => Ok(FieldMatch::Boolean(true)),
                "false" => Ok(FieldMatch::Boolean(false)),
                _ => Err(refused("a boolean is true or false".to_string())),
            },
            "date" => {
                let (first, last) = value.split_once("..").unwrap_or((value, value));
                Ok(FieldMatch::DateBetween(day(first)?, day(last)?))
            }
            "reference" => {
                let (kind, uuid) = value
                    .split_once('/')
                    .ok_or_else(|| refused("a reference is <kind>/<uuid>".to_string()))?;
                let kind = crate::kind::RecordKind::ALL
                    .into_iter()
                    .find(|k| k.as_str() == kind)
                    .ok_or_else(|| refused(format!("{kind:?} is not a kind of record")))?;
                let uuid = uuid::Uuid::parse_str(uuid)
                    .map_err(|e| refused(format!("{uuid:?} is not a UUID: {e}")))?;
                Ok(FieldMatch::Reference(RecordId::from_parts(kind, uuid)))
            }
            other => Err(refused(format!("{other:?} is not a type of match"))),
        }
    }
}

impl From<FieldTerm> for FieldMatch {
    /// The match that finds exactly `term` (a date's is the range of that one day).
    fn from(term: FieldTerm) -> FieldMatch {
        match term {
            FieldTerm::Picklist(option) => FieldMatch::Picklist(option),
            FieldTerm::Boolean(b) => FieldMatch::Boolean(b),
            FieldTerm::Date(day) => FieldMatch::DateBetween(day, day),
            FieldTerm::Reference(id) => FieldMatch::Reference(id),
        }
    }
}

impl Record {
    /// The [`FieldTerm`]s of the record's custom values, by field in key order: what a store's
    /// field index holds for it (none for a record without such values).
    ///
    /// ```
    /// use prospect::store::FieldTerm;
    /// # use prospect::*;
    /// # let (clock, ids) = (FixedClock::new(chrono::DateTime::UNIX_EPOCH), SequentialIds::new(1));
    /// # let ctx = Context::new(&clock, &ids, User::new("ana")?);
    /// # let details = ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Web);
    /// let record = prospect::record::Record::from(Contact::create(details, &ctx));
    /// assert_eq!(record.field_terms().count(), 0, "no custom value, no term");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn field_terms(&self) -> impl Iterator<Item = (&FieldKey, FieldTerm)> + '_ {
        self.custom_fields()
            .into_iter()
            .flat_map(|custom| custom.values().iter())
            .flat_map(|(key, value)| FieldTerm::of(value).map(move |term| (key, term)))
    }
}
