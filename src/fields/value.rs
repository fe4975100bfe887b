//! The values of custom fields, and how a [`FieldSchema`] checks them: for a write (every rule
//! of the current schema) and for a stored record (every value it could have been written with
//! under an earlier version).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{FieldDefinition, FieldKey, FieldSchema, FieldType, SchemaVersion};
use crate::error::{Field, ValidationError};
use crate::id::RecordId;
use crate::kind::RecordKind;
use crate::money::{Currency, Money};
use crate::text::{Identity, Kind, clean};

/// The value of one custom field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldValue {
    /// For a [`FieldType::Text`] field: the text, as checked (trimmed, no control or invisible
    /// characters).
    Text(String),
    /// For a [`FieldType::Integer`] field.
    Integer(i64),
    /// For a [`FieldType::Decimal`] field: `units` of `10^-places` (12.34 is 1234 units with 2
    /// places), with at most the field's places.
    Decimal {
        /// The value in units.
        units: i64,
        /// The digits after the decimal point.
        places: u8,
    },
    /// For a [`FieldType::Money`] field.
    Money(Money),
    /// For a [`FieldType::Date`] field.
    Date(NaiveDate),
    /// For a [`FieldType::Boolean`] field.
    Boolean(bool),
    /// For a [`FieldType::Picklist`] field: the key of the option chosen.
    Picklist(FieldKey),
    /// For a [`FieldType::MultiPicklist`] field: the keys of the options chosen.
    MultiPicklist(BTreeSet<FieldKey>),
    /// For a [`FieldType::Reference`] field: the record referred to.
    Reference(RecordId),
}

impl FieldValue {
    /// The name of the type of field it is a value for, as errors say it.
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldValue::Text(_) => "text",
            FieldValue::Integer(_) => "integer",
            FieldValue::Decimal { .. } => "decimal",
            FieldValue::Money(_) => "money",
            FieldValue::Date(_) => "date",
            FieldValue::Boolean(_) => "boolean",
            FieldValue::Picklist(_) => "picklist",
            FieldValue::MultiPicklist(_) => "multi-picklist",
            FieldValue::Reference(_) => "reference",
        }
    }
}

/// The custom field values of one record, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldValues(BTreeMap<FieldKey, FieldValue>);

impl FieldValues {
    /// No value.
    pub fn new() -> FieldValues {
        FieldValues::default()
    }

    /// Sets the value of `key`, returning the one it replaces.
    pub fn set(&mut self, key: FieldKey, value: FieldValue) -> Option<FieldValue> {
        self.0.insert(key, value)
    }

    /// Removes the value of `key`, returning it.
    pub fn remove(&mut self, key: &FieldKey) -> Option<FieldValue> {
        self.0.remove(key)
    }

    /// The value of `key`.
    pub fn get(&self, key: &FieldKey) -> Option<&FieldValue> {
        self.0.get(key)
    }

    /// The values, by key in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&FieldKey, &FieldValue)> {
        self.0.iter()
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no value.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why a custom field's key or value was refused: each names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// A key that is not a valid [`FieldKey`].
    #[error("the field key {key:?} is not valid: {reason}")]
    InvalidKey {
        /// The key as given (at most 65 characters of it).
        key: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The schema has no such field for the kind of record.
    #[error("{kind} has no custom field {key}")]
    UnknownField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
    },
    /// The field is retired: it is read in stored records, no longer written.
    #[error("the custom field {key} is retired: it is no longer written")]
    Retired {
        /// The field.
        key: FieldKey,
    },
    /// A required field has no value.
    #[error("the custom field {key} is required")]
    Missing {
        /// The field.
        key: FieldKey,
    },
    /// The value is of another type than the field.
    #[error("the custom field {key} is a {expected} field, given a {found} value")]
    WrongType {
        /// The field.
        key: FieldKey,
        /// The field's type.
        expected: &'static str,
        /// The value's type.
        found: &'static str,
    },
    /// The value is outside the field's bounds, or has more decimal places than it.
    #[error("the custom field {key}: {problem}")]
    OutOfBounds {
        /// The field.
        key: FieldKey,
        /// What is wrong.
        problem: String,
    },
    /// The text is not valid for the field.
    #[error("the custom field {key}: {source}")]
    Text {
        /// The field.
        key: FieldKey,
        /// Why the text was refused.
        source: ValidationError,
    },
    /// The picklist has no such option, or the option is retired (for a write).
    #[error("the custom field {key}: {problem}")]
    Option {
        /// The field.
        key: FieldKey,
        /// What is wrong.
        problem: String,
    },
    /// Money in another currency than the record's.
    #[error("the custom field {key}: an amount in {found}, the record's currency is {expected}")]
    WrongCurrency {
        /// The field.
        key: FieldKey,
        /// The record's currency.
        expected: Currency,
        /// The amount's.
        found: Currency,
    },
    /// A reference to a record of another kind than the field's.
    #[error("the custom field {key} refers to {expected} records, given {found}")]
    WrongReference {
        /// The field.
        key: FieldKey,
        /// The kind the field refers to.
        expected: RecordKind,
        /// The record given.
        found: RecordId,
    },
}

/// Whether a check is for a write (retired fields and options refused) or of a stored record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Write,
    Stored,
}

impl FieldSchema {
    /// Checks `values` for a write of a record of `kind`, under this schema: every key a
    /// current field of the kind, every value of its field's type and within its bounds, no
    /// retired option; and every required field that existed when the record was created
    /// (`created`: the schema version of its creation; this schema's own version for a new
    /// record) has a value. `currency` is the record's (an opportunity's), which money must be
    /// in; `None` for a record without one.
    ///
    /// # Errors
    ///
    /// The first [`FieldError`], naming the field.
    pub fn check_write(
        &self,
        kind: RecordKind,
        values: &FieldValues,
        currency: Option<Currency>,
        created: SchemaVersion,
    ) -> Result<(), FieldError> {
        self.check(kind, values, currency, Purpose::Write)?;
        match self.fields(kind).iter().find(|f| {
            f.required && !f.retired && f.since <= created && values.get(&f.key).is_none()
        }) {
            Some(field) => Err(FieldError::Missing {
                key: field.key.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Checks the values of a stored record of `kind`, as read: every key a field of the kind
    /// (retired ones included), every value of its type and within its bounds (retired options
    /// included). Every value a write accepted under an earlier version of this schema passes:
    /// changes never narrow. A value that fails was forged or damaged.
    ///
    /// # Errors
    ///
    /// The first [`FieldError`], naming the field.
    pub fn check_stored(
        &self,
        kind: RecordKind,
        values: &FieldValues,
        currency: Option<Currency>,
    ) -> Result<(), FieldError> {
        self.check(kind, values, currency, Purpose::Stored)
    }

    fn check(
        &self,
        kind: RecordKind,
        values: &FieldValues,
        currency: Option<Currency>,
        purpose: Purpose,
    ) -> Result<(), FieldError> {
        for (key, value) in values.iter() {
            let field = self
                .field(kind, key)
                .ok_or_else(|| FieldError::UnknownField {
                    kind,
                    key: key.clone(),
                })?;
            if purpose == Purpose::Write && field.retired {
                return Err(FieldError::Retired { key: key.clone() });
            }
            check_value(field, value, currency, purpose)?;
        }
        Ok(())
    }
}

/// Checks `value` against `field`.
fn check_value(
    field: &FieldDefinition,
    value: &FieldValue,
    currency: Option<Currency>,
    purpose: Purpose,
) -> Result<(), FieldError> {
    let key = || field.key.clone();
    let out_of_bounds = |problem: String| FieldError::OutOfBounds {
        key: key(),
        problem,
    };
    match (&field.field_type, value) {
        (FieldType::Text { max_chars }, FieldValue::Text(text)) => {
            let kind = Kind {
                multiline: true,
                identity: Identity::No,
                legacy: false,
            };
            let max = usize::try_from(*max_chars).unwrap_or(usize::MAX);
            match clean(Field::CustomText, text, max, kind) {
                Ok(cleaned) if cleaned == text => Ok(()),
                Ok(_) => Err(FieldError::Text {
                    key: key(),
                    source: ValidationError::Malformed {
                        field: Field::CustomText,
                        problem: "white space around the text",
                    },
                }),
                Err(source) => Err(FieldError::Text { key: key(), source }),
            }
        }
        (FieldType::Integer { min, max }, FieldValue::Integer(n)) => {
            if (min..=max).contains(&n) {
                Ok(())
            } else {
                Err(out_of_bounds(format!("{n} is not within {min}..={max}")))
            }
        }
        (
            FieldType::Decimal { places, min, max },
            FieldValue::Decimal {
                units,
                places: given,
            },
        ) => {
            if given > places {
                return Err(out_of_bounds(format!(
                    "{given} decimal places, the field has {places}"
                )));
            }
            // `given <= places <= MAX_PLACES`: the scale fits, and so does the product.
            let scale = 10_i128
                .checked_pow(u32::from(places - given))
                .unwrap_or(i128::MAX);
            let scaled = i128::from(*units).saturating_mul(scale);
            if (i128::from(*min)..=i128::from(*max)).contains(&scaled) {
                Ok(())
            } else {
                Err(out_of_bounds(format!(
                    "{scaled} units of 10^-{places} are not within {min}..={max}"
                )))
            }
        }
        (FieldType::Money, FieldValue::Money(amount)) => match currency {
            Some(expected) if amount.currency() != expected => Err(FieldError::WrongCurrency {
                key: key(),
                expected,
                found: amount.currency(),
            }),
            _ => Ok(()),
        },
        (FieldType::Date, FieldValue::Date(_)) | (FieldType::Boolean, FieldValue::Boolean(_)) => {
            Ok(())
        }
        (FieldType::Picklist { options }, FieldValue::Picklist(chosen)) => {
            check_option(field, options, chosen, purpose)
        }
        (FieldType::MultiPicklist { options }, FieldValue::MultiPicklist(chosen)) => chosen
            .iter()
            .try_for_each(|c| check_option(field, options, c, purpose)),
        (FieldType::Reference { kind }, FieldValue::Reference(record)) => {
            if record.kind() == *kind {
                Ok(())
            } else {
                Err(FieldError::WrongReference {
                    key: key(),
                    expected: *kind,
                    found: *record,
                })
            }
        }
        (expected, found) => Err(FieldError::WrongType {
            key: key(),
            expected: expected.name(),
            found: found.type_name(),
        }),
    }
}

fn check_option(
    field: &FieldDefinition,
    options: &[super::PicklistOption],
    chosen: &FieldKey,
    purpose: Purpose,
) -> Result<(), FieldError> {
    let problem = match options.iter().find(|o| &o.key == chosen) {
        None => format!("no option {chosen}"),
        Some(o) if o.retired && purpose == Purpose::Write => {
            format!("the option {chosen} is retired")
        }
        Some(_) => return Ok(()),
    };
    Err(FieldError::Option {
        key: field.key.clone(),
        problem,
    })
}
