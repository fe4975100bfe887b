//! What a custom field is: its [`FieldType`] with its bounds (and the picklist options a
//! type may have), and its [`FieldDefinition`]; whether a new type narrows an old one, and
//! whether a definition is well formed.

use serde::{Deserialize, Serialize};

use super::{FieldKey, SchemaError, SchemaVersion};
use crate::kind::RecordKind;

/// An option of a picklist: its stable key, its label, whether it is retired (still read in
/// stored records, no longer written).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PicklistOption {
    pub(super) key: FieldKey,
    pub(super) label: String,
    pub(super) retired: bool,
}

impl PicklistOption {
    /// A new, current option.
    pub fn new(key: FieldKey, label: impl Into<String>) -> PicklistOption {
        PicklistOption {
            key,
            label: label.into(),
            retired: false,
        }
    }

    /// Its key.
    pub fn key(&self) -> &FieldKey {
        &self.key
    }

    /// Its label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether it is retired.
    pub fn is_retired(&self) -> bool {
        self.retired
    }
}

/// The type of a custom field, with its bounds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum FieldType {
    /// Text of at most `max_chars` characters (1 to [`FieldType::MAX_TEXT`]), on several lines,
    /// checked as the crate's notes are (no control or invisible characters).
    Text {
        /// The most characters a value has.
        max_chars: u32,
    },
    /// A whole number from `min` to `max`, both included.
    Integer {
        /// The smallest value.
        min: i64,
        /// The largest value.
        max: i64,
    },
    /// A decimal number, as a whole number of units of `10^-places` (with 2 places, 1234 is
    /// 12.34), from `min` to `max` units, both included; `places` at most 9.
    Decimal {
        /// The digits after the decimal point.
        places: u8,
        /// The smallest value, in units.
        min: i64,
        /// The largest value, in units.
        max: i64,
    },
    /// An amount of money in the record's currency (a record without one takes any).
    Money,
    /// A calendar day.
    Date,
    /// Yes or no.
    Boolean,
    /// One of the options.
    Picklist {
        /// The options, in the order a user interface shows them.
        options: Vec<PicklistOption>,
    },
    /// Any set of the options.
    MultiPicklist {
        /// The options, in the order a user interface shows them.
        options: Vec<PicklistOption>,
    },
    /// A record of `kind`.
    Reference {
        /// The kind of record referred to.
        kind: RecordKind,
    },
}

impl FieldType {
    /// The most characters a text field may allow.
    pub const MAX_TEXT: u32 = 10_000;

    /// The most places a decimal field may have.
    pub const MAX_PLACES: u8 = 9;

    /// The name of the type, as errors say it.
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::Text { .. } => "text",
            FieldType::Integer { .. } => "integer",
            FieldType::Decimal { .. } => "decimal",
            FieldType::Money => "money",
            FieldType::Date => "date",
            FieldType::Boolean => "boolean",
            FieldType::Picklist { .. } => "picklist",
            FieldType::MultiPicklist { .. } => "multi-picklist",
            FieldType::Reference { .. } => "reference",
        }
    }

    /// The options of a picklist or multi-picklist.
    pub fn options(&self) -> Option<&[PicklistOption]> {
        match self {
            FieldType::Picklist { options } | FieldType::MultiPicklist { options } => Some(options),
            _ => None,
        }
    }

    pub(super) fn options_mut(&mut self) -> Option<&mut Vec<PicklistOption>> {
        match self {
            FieldType::Picklist { options } | FieldType::MultiPicklist { options } => Some(options),
            _ => None,
        }
    }

    /// Why the type is not well formed, if it is not.
    pub(super) fn problem(&self) -> Option<String> {
        match self {
            FieldType::Text { max_chars } if !(1..=Self::MAX_TEXT).contains(max_chars) => Some(
                format!("a text field allows 1 to {} characters", Self::MAX_TEXT),
            ),
            FieldType::Integer { min, max } | FieldType::Decimal { min, max, .. } if min > max => {
                Some(format!("its bounds are empty ({min} > {max})"))
            }
            FieldType::Decimal { places, .. } if *places > Self::MAX_PLACES => Some(format!(
                "a decimal field has at most {} places",
                Self::MAX_PLACES
            )),
            FieldType::Picklist { options } | FieldType::MultiPicklist { options } => {
                if options.iter().all(PicklistOption::is_retired) {
                    return Some("a picklist needs a current option".to_string());
                }
                let mut keys: Vec<&FieldKey> = options.iter().map(|o| &o.key).collect();
                keys.sort();
                keys.windows(2)
                    .find(|w| w[0] == w[1])
                    .map(|w| format!("the option {} is listed twice", w[0]))
            }
            _ => None,
        }
    }

    /// Why `self` (the new type) would refuse a value `old` accepted, if it would.
    pub(super) fn narrows(&self, old: &FieldType) -> Option<String> {
        use FieldType as T;
        match (old, self) {
            (T::Text { max_chars: was }, T::Text { max_chars: now }) => {
                (now < was).then(|| format!("its text would go from {was} to {now} characters"))
            }
            (T::Integer { min: a, max: b }, T::Integer { min: c, max: d }) => {
                (c > a || d < b).then(|| format!("its bounds would go from {a}..={b} to {c}..={d}"))
            }
            (
                T::Decimal {
                    places: p,
                    min: a,
                    max: b,
                },
                T::Decimal {
                    places: q,
                    min: c,
                    max: d,
                },
            ) => {
                if q < p {
                    return Some(format!("its places would go from {p} to {q}"));
                }
                // Values keep their meaning: old units scaled to the new places (both at most
                // `MAX_PLACES`, so the scale and the products fit in an i128).
                let scale = 10_i128.checked_pow(u32::from(q - p)).unwrap_or(i128::MAX);
                let (a, b) = (
                    i128::from(*a).saturating_mul(scale),
                    i128::from(*b).saturating_mul(scale),
                );
                (i128::from(*c) > a || i128::from(*d) < b)
                    .then(|| "its bounds would no longer hold every value they held".to_string())
            }
            (T::Picklist { .. }, T::Picklist { .. })
            | (T::MultiPicklist { .. }, T::MultiPicklist { .. }) => Some(
                "options change one at a time (AddOption, RetireOption, RelabelOption)".to_string(),
            ),
            (T::Reference { kind: was }, T::Reference { kind: now }) => {
                (was != now).then(|| format!("its references would go from {was} to {now} records"))
            }
            (old, new) if old == new => None,
            (old, new) if std::mem::discriminant(old) == std::mem::discriminant(new) => None,
            (old, new) => Some(format!(
                "its type would go from {} to {}",
                old.name(),
                new.name()
            )),
        }
    }
}

/// A custom field of one kind of record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDefinition {
    pub(super) key: FieldKey,
    pub(super) label: String,
    pub(super) field_type: FieldType,
    pub(super) required: bool,
    pub(super) personal: bool,
    pub(super) retired: bool,
    /// The version the field was added in (set by [`FieldSchema::apply`]).
    pub(super) since: SchemaVersion,
}

impl FieldDefinition {
    /// A field that is optional and holds no personal data.
    pub fn new(key: FieldKey, label: impl Into<String>, field_type: FieldType) -> FieldDefinition {
        FieldDefinition {
            key,
            label: label.into(),
            field_type,
            required: false,
            personal: false,
            retired: false,
            since: SchemaVersion::EMPTY,
        }
    }

    /// The same field, required: a record whose custom values are first written once it exists
    /// (given with the step that creates it, or by its first
    /// [`set_fields`](crate::Crm::set_fields)) must have a value from then on. A record created
    /// with no value at all is not refused: its first write of values must give it.
    #[must_use]
    pub fn required(self) -> FieldDefinition {
        FieldDefinition {
            required: true,
            ..self
        }
    }

    /// The same field, holding personal data: named only in events, redacted by the access
    /// policy, erased with its contact.
    #[must_use]
    pub fn personal(self) -> FieldDefinition {
        FieldDefinition {
            personal: true,
            ..self
        }
    }

    /// Its stable key.
    pub fn key(&self) -> &FieldKey {
        &self.key
    }

    /// Its label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Its type.
    pub fn field_type(&self) -> &FieldType {
        &self.field_type
    }

    /// Whether a record created once it exists must have a value.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// Whether it holds personal data.
    pub fn is_personal(&self) -> bool {
        self.personal
    }

    /// Whether it is retired: read in stored records, no longer written.
    pub fn is_retired(&self) -> bool {
        self.retired
    }

    /// The schema version it was added in.
    pub fn since(&self) -> SchemaVersion {
        self.since
    }
}

/// Checks that `field` of `kind` is well formed: a label, a type whose bounds hold something.
pub(super) fn well_formed(kind: RecordKind, field: &FieldDefinition) -> Result<(), SchemaError> {
    let malformed = |problem: String| SchemaError::Malformed {
        kind,
        key: field.key.clone(),
        problem,
    };
    let label = field.label.trim();
    if label.is_empty() || label.chars().count() > 200 || label.chars().any(char::is_control) {
        return Err(malformed(
            "its label must be 1 to 200 characters on one line".to_string(),
        ));
    }
    if let Some(options) = field.field_type.options() {
        for option in options {
            let label = option.label.trim();
            if label.is_empty()
                || label.chars().count() > 200
                || label.chars().any(char::is_control)
            {
                return Err(malformed(format!(
                    "the label of the option {} must be 1 to 200 characters on one line",
                    option.key
                )));
            }
        }
    }
    field
        .field_type
        .problem()
        .map_or(Ok(()), |p| Err(malformed(p)))
}
