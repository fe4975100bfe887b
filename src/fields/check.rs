//! How a [`FieldSchema`] checks custom field values: for a write (every rule of the current
//! schema) and for a stored record (every value it could have been written with under an
//! earlier version).

use super::{
    CustomFields, FieldDefinition, FieldError, FieldKey, FieldSchema, FieldType, FieldUpdate,
    FieldValue, FieldValues, SchemaVersion,
};
use crate::error::{Field, ValidationError};
use crate::kind::RecordKind;
use crate::money::Currency;
use crate::text::{Identity, Kind, clean};

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
        self.required(kind, created, |key| values.get(key).is_some())
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

    /// Checks `update` of the custom fields `current` of a record of `kind`, under this
    /// schema: every field it writes a current field of the kind, every value it sets of its
    /// field's type, within its bounds, with no retired option; and, after it, every required
    /// field that existed at the record's first write of custom values (this version for a
    /// record that has none yet) still has a value. The fields it does not name are not
    /// checked again (a value of a field retired since stays as it is).
    ///
    /// # Errors
    ///
    /// The first [`FieldError`], naming the field.
    pub fn check_update(
        &self,
        kind: RecordKind,
        current: &CustomFields,
        update: &FieldUpdate,
        currency: Option<Currency>,
    ) -> Result<(), FieldError> {
        for (key, value) in update.iter() {
            // A clear is a write too: a retired field is not cleared either.
            let field = self.field_for(kind, key, Purpose::Write)?;
            if let Some(value) = value {
                check_value(field, value, currency, Purpose::Write)?;
            }
        }
        let since = current.since().unwrap_or(self.version);
        self.required(kind, since, |key| match update.get(key) {
            Some(value) => value.is_some(),
            None => current.get(key).is_some(),
        })
    }

    fn check(
        &self,
        kind: RecordKind,
        values: &FieldValues,
        currency: Option<Currency>,
        purpose: Purpose,
    ) -> Result<(), FieldError> {
        // The kind's fields, looked up once for all the values.
        let fields = self.fields(kind);
        for (key, value) in values.iter() {
            check_value(
                field_in(fields, kind, key, purpose)?,
                value,
                currency,
                purpose,
            )?;
        }
        Ok(())
    }

    /// The field of `kind` with `key`: one of the kind's, and not retired for a write.
    fn field_for(
        &self,
        kind: RecordKind,
        key: &FieldKey,
        purpose: Purpose,
    ) -> Result<&FieldDefinition, FieldError> {
        field_in(self.fields(kind), kind, key, purpose)
    }

    /// The rule of required fields: every current required field of `kind` that existed at
    /// version `since` (a record's first write of values) has a value (`has_value`).
    fn required(
        &self,
        kind: RecordKind,
        since: SchemaVersion,
        has_value: impl Fn(&FieldKey) -> bool,
    ) -> Result<(), FieldError> {
        match self
            .fields(kind)
            .iter()
            .find(|f| f.required && !f.retired && f.since <= since && !has_value(&f.key))
        {
            Some(field) => Err(FieldError::Missing {
                key: field.key.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// The field of `kind` with `key` among `fields` (the kind's): one of them, and not retired
/// for a write.
fn field_in<'f>(
    fields: &'f [FieldDefinition],
    kind: RecordKind,
    key: &FieldKey,
    purpose: Purpose,
) -> Result<&'f FieldDefinition, FieldError> {
    let field = fields
        .iter()
        .find(|f| &f.key == key)
        .ok_or_else(|| FieldError::UnknownField {
            kind,
            key: key.clone(),
        })?;
    if purpose == Purpose::Write && field.retired {
        return Err(FieldError::Retired { key: key.clone() });
    }
    Ok(field)
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
