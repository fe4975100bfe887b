//! The values of custom fields, and the errors that name a field.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::FieldKey;
use crate::error::ValidationError;
use crate::id::RecordId;
use crate::kind::RecordKind;
use crate::money::{Currency, Money};

/// The value of one custom field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldValue {
    /// For a [`FieldType::Text`](crate::fields::FieldType::Text) field: the text, as checked (trimmed, no control or invisible
    /// characters).
    Text(String),
    /// For a [`FieldType::Integer`](crate::fields::FieldType::Integer) field.
    Integer(i64),
    /// For a [`FieldType::Decimal`](crate::fields::FieldType::Decimal) field: `units` of `10^-places` (12.34 is 1234 units with 2
    /// places), with at most the field's places.
    Decimal {
        /// The value in units.
        units: i64,
        /// The digits after the decimal point.
        places: u8,
    },
    /// For a [`FieldType::Money`](crate::fields::FieldType::Money) field.
    Money(Money),
    /// For a [`FieldType::Date`](crate::fields::FieldType::Date) field.
    Date(NaiveDate),
    /// For a [`FieldType::Boolean`](crate::fields::FieldType::Boolean) field.
    Boolean(bool),
    /// For a [`FieldType::Picklist`](crate::fields::FieldType::Picklist) field: the key of the option chosen.
    Picklist(FieldKey),
    /// For a [`FieldType::MultiPicklist`](crate::fields::FieldType::MultiPicklist) field: the keys of the options chosen.
    MultiPicklist(BTreeSet<FieldKey>),
    /// For a [`FieldType::Reference`](crate::fields::FieldType::Reference) field: the record referred to.
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
pub struct FieldValues(pub(super) BTreeMap<FieldKey, FieldValue>);

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
    /// A personal field written on a record whose contact was erased.
    #[error("the custom field {key} holds personal data, and the record's contact was erased")]
    Erased {
        /// The field.
        key: FieldKey,
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

impl FieldError {
    /// The field refused, when the error is about one (all but an invalid key).
    pub fn key(&self) -> Option<&FieldKey> {
        match self {
            FieldError::InvalidKey { .. } => None,
            FieldError::UnknownField { key, .. }
            | FieldError::Retired { key }
            | FieldError::Missing { key }
            | FieldError::WrongType { key, .. }
            | FieldError::OutOfBounds { key, .. }
            | FieldError::Text { key, .. }
            | FieldError::Option { key, .. }
            | FieldError::WrongCurrency { key, .. }
            | FieldError::Erased { key }
            | FieldError::WrongReference { key, .. } => Some(key),
        }
    }
}
