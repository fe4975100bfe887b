//! Custom fields (issue 28, first part): the fields a business adds to each kind of record,
//! defined at run time as data, in a [`FieldSchema`] whose every change keeps every value
//! written under an earlier version valid.
//!
//! A schema lists, per [`RecordKind`], [`FieldDefinition`]s: a stable [`FieldKey`], a label, a
//! [`FieldType`] (text with a maximum length, integer and decimal with bounds, money in the
//! record's currency, date, boolean, picklist, multi-picklist, reference to a record of a given
//! kind), whether it is required and whether it holds **personal data**. The schema changes
//! only through [`SchemaChange`]s, each applied by [`FieldSchema::apply`], which gives the next
//! version or refuses: a field or an option is added or retired (a retired one is still read,
//! never written again), a label renamed, a type redefined only when the new type accepts every
//! value the old one did (a wider text or wider bounds, a decimal with more places); narrowing
//! a bound or changing a type is refused with [`SchemaError::WouldInvalidate`], naming the field.
//!
//! So a value [`check_write`](FieldSchema::check_write) accepted under any version passes
//! [`check_stored`](FieldSchema::check_stored) under every later one: reading an old record under
//! a newer schema works, which a property test checks over generated schemas, changes and
//! values (`tests/it/fields.rs`).
//!
//! ```
//! use prospect::fields::{FieldDefinition, FieldKey, FieldSchema, FieldType, FieldValue, FieldValues, SchemaChange};
//! use prospect::record::RecordKind;
//! let seats = FieldKey::new("seats")?;
//! let schema = FieldSchema::new().apply(&SchemaChange::AddField {
//!     kind: RecordKind::Opportunity,
//!     field: FieldDefinition::new(seats.clone(), "Seats", FieldType::Integer { min: 1, max: 10_000 }),
//! })?;
//! assert_eq!(schema.version().get(), 1);
//! let mut values = FieldValues::new();
//! values.set(seats.clone(), FieldValue::Integer(40));
//! schema.check_write(RecordKind::Opportunity, &values, None, schema.version())?;
//! values.set(seats, FieldValue::Integer(0));
//! assert!(schema
//!     .check_write(RecordKind::Opportunity, &values, None, schema.version())
//!     .is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::kind::RecordKind;

mod record;
mod value;

pub use record::{SchemaEntry, SchemaRecord};
pub use value::{FieldError, FieldValue, FieldValues};

/// The version of a [`FieldSchema`]: 0 for the empty schema, one more at each change applied.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SchemaVersion(u32);

impl SchemaVersion {
    /// The version of the empty schema.
    pub const EMPTY: SchemaVersion = SchemaVersion(0);

    /// Version `n`, as a client that read the schema at it says (a version the schema never
    /// had is simply not the current one: a change from it conflicts).
    pub const fn new(n: u32) -> SchemaVersion {
        SchemaVersion(n)
    }

    /// The version as a number.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The version after this one, or `None` past `u32::MAX` changes.
    fn next(self) -> Option<SchemaVersion> {
        self.0.checked_add(1).map(SchemaVersion)
    }
}

impl fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "schema version {}", self.0)
    }
}

/// The stable key of a custom field or of a picklist option: what records and queries name it
/// by, never changed once given (its label may change). 1 to 64 characters: a lowercase ASCII
/// letter, then lowercase letters, digits and underscores.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldKey(Arc<str>);

impl FieldKey {
    /// The most characters a key has.
    pub const MAX_CHARS: usize = 64;

    /// Validates `key`.
    ///
    /// # Errors
    ///
    /// [`FieldError::InvalidKey`] saying what is wrong with it.
    pub fn new(key: impl AsRef<str>) -> Result<FieldKey, FieldError> {
        let key = key.as_ref();
        let invalid = |reason| FieldError::InvalidKey {
            key: key.chars().take(Self::MAX_CHARS + 1).collect(),
            reason,
        };
        let mut chars = key.chars();
        match chars.next() {
            None => return Err(invalid("empty")),
            Some(c) if !c.is_ascii_lowercase() => {
                return Err(invalid("must start with a lowercase ASCII letter"));
            }
            Some(_) => {}
        }
        if key.len() > Self::MAX_CHARS {
            return Err(invalid("longer than 64 characters"));
        }
        if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(invalid(
                "only lowercase ASCII letters, digits and underscores",
            ));
        }
        Ok(FieldKey(Arc::from(key)))
    }

    /// The key, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldKey({:?})", &*self.0)
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for FieldKey {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<FieldKey, FieldError> {
        FieldKey::new(s)
    }
}

impl Serialize for FieldKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FieldKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FieldKey, D::Error> {
        let raw = String::deserialize(d)?;
        FieldKey::new(raw).map_err(serde::de::Error::custom)
    }
}

/// An option of a picklist: its stable key, its label, whether it is retired (still read in
/// stored records, no longer written).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PicklistOption {
    key: FieldKey,
    label: String,
    retired: bool,
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

    fn options_mut(&mut self) -> Option<&mut Vec<PicklistOption>> {
        match self {
            FieldType::Picklist { options } | FieldType::MultiPicklist { options } => Some(options),
            _ => None,
        }
    }

    /// Why the type is not well formed, if it is not.
    fn problem(&self) -> Option<String> {
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
    fn narrows(&self, old: &FieldType) -> Option<String> {
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
    key: FieldKey,
    label: String,
    field_type: FieldType,
    required: bool,
    personal: bool,
    retired: bool,
    /// The version the field was added in (set by [`FieldSchema::apply`]).
    since: SchemaVersion,
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

    /// The same field, required: a record created once it exists must have a value.
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

/// A change to a [`FieldSchema`]: the only way it changes, so that no change can make a stored
/// value invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum SchemaChange {
    /// Adds a field to a kind of record (its key new for that kind, retired ones included).
    AddField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        field: FieldDefinition,
    },
    /// Retires a field: stored values are still read; none is written again.
    RetireField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
    },
    /// Renames a field's label (its key stays).
    RelabelField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// The new label.
        label: String,
    },
    /// Gives a field a new type that accepts every value the old one did (a wider text or
    /// wider bounds, more decimal places); anything else is refused.
    Redefine {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// The new type.
        field_type: FieldType,
    },
    /// Adds an option to a picklist or multi-picklist.
    AddOption {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// The option.
        option: PicklistOption,
    },
    /// Retires an option: stored values are still read; it is no longer written.
    RetireOption {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// The option's key.
        option: FieldKey,
    },
    /// Renames an option's label (its key stays).
    RelabelOption {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// The option's key.
        option: FieldKey,
        /// The new label.
        label: String,
    },
}

/// Why a [`SchemaChange`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The kind already has a field with this key (retired or not).
    #[error("{kind} already has a field {key}")]
    DuplicateField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
    },
    /// The kind has no field with this key.
    #[error("{kind} has no field {key}")]
    UnknownField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
    },
    /// The field is retired: it no longer changes.
    #[error("the field {key} of {kind} is retired")]
    RetiredField {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
    },
    /// The picklist already has this option, or has no such option.
    #[error("the field {key} of {kind}: {problem}")]
    Option {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// What is wrong.
        problem: String,
    },
    /// The field's definition is not well formed (empty bounds, a text allowing no character,
    /// a picklist without a current option, an empty label).
    #[error("the field {key} of {kind} is not well formed: {problem}")]
    Malformed {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// What is wrong.
        problem: String,
    },
    /// The change would make a stored value invalid: refused (a migration that rewrites
    /// records is the way to do it).
    #[error(
        "the field {key} of {kind} cannot change so: {why}, and a stored value could become invalid"
    )]
    WouldInvalidate {
        /// The kind of record.
        kind: RecordKind,
        /// The field.
        key: FieldKey,
        /// What would narrow.
        why: String,
    },
    /// The schema has had `u32::MAX` changes.
    #[error("the schema has no version after {0}")]
    Exhausted(SchemaVersion),
}

/// The custom fields of every kind of record, at a version. Data: it serialises, and changes
/// only through [`apply`](FieldSchema::apply). Reading one checks what `apply` keeps: each
/// field well formed, each key once per kind, each added at a version the schema has reached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldSchema {
    version: SchemaVersion,
    kinds: BTreeMap<RecordKind, Vec<FieldDefinition>>,
}

impl<'de> Deserialize<'de> for FieldSchema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FieldSchema, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Stored {
            version: SchemaVersion,
            kinds: BTreeMap<RecordKind, Vec<FieldDefinition>>,
        }
        let Stored { version, kinds } = Stored::deserialize(d)?;
        for (kind, fields) in &kinds {
            for (i, field) in fields.iter().enumerate() {
                well_formed(*kind, field).map_err(serde::de::Error::custom)?;
                if fields[..i].iter().any(|f| f.key == field.key) {
                    return Err(serde::de::Error::custom(SchemaError::DuplicateField {
                        kind: *kind,
                        key: field.key.clone(),
                    }));
                }
                if field.since == SchemaVersion::EMPTY || field.since > version {
                    return Err(serde::de::Error::custom(format!(
                        "the field {} of {kind} was added at {}, which the schema at {version} \
                         has not reached",
                        field.key, field.since
                    )));
                }
            }
        }
        Ok(FieldSchema { version, kinds })
    }
}

impl FieldSchema {
    /// The empty schema, at [`SchemaVersion::EMPTY`].
    pub fn new() -> FieldSchema {
        FieldSchema::default()
    }

    /// Its version.
    pub fn version(&self) -> SchemaVersion {
        self.version
    }

    /// The fields of `kind`, retired ones included, in the order they were added.
    pub fn fields(&self, kind: RecordKind) -> &[FieldDefinition] {
        self.kinds.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// The field of `kind` with `key`, retired or not.
    pub fn field(&self, kind: RecordKind, key: &FieldKey) -> Option<&FieldDefinition> {
        self.fields(kind).iter().find(|f| &f.key == key)
    }

    /// The schema after `change`, at the next version.
    ///
    /// # Errors
    ///
    /// A [`SchemaError`] naming the kind and the field, when the change would make a stored
    /// value invalid or does not fit the schema.
    pub fn apply(&self, change: &SchemaChange) -> Result<FieldSchema, SchemaError> {
        let version = self
            .version
            .next()
            .ok_or(SchemaError::Exhausted(self.version))?;
        let mut next = self.clone();
        next.version = version;
        match change {
            SchemaChange::AddField { kind, field } => {
                if self.field(*kind, &field.key).is_some() {
                    return Err(SchemaError::DuplicateField {
                        kind: *kind,
                        key: field.key.clone(),
                    });
                }
                let field = FieldDefinition {
                    retired: false,
                    since: version,
                    ..field.clone()
                };
                well_formed(*kind, &field)?;
                next.kinds.entry(*kind).or_default().push(field);
            }
            SchemaChange::RetireField { kind, key } => {
                next.current_mut(*kind, key)?.retired = true;
            }
            SchemaChange::RelabelField { kind, key, label } => {
                let field = next.current_mut(*kind, key)?;
                field.label.clone_from(label);
                well_formed(*kind, field)?;
            }
            SchemaChange::Redefine {
                kind,
                key,
                field_type,
            } => {
                let field = next.current_mut(*kind, key)?;
                // Well formed first: the comparison below relies on the new type's bounds.
                let redefined = FieldDefinition {
                    field_type: field_type.clone(),
                    ..field.clone()
                };
                well_formed(*kind, &redefined)?;
                if let Some(why) = field_type.narrows(&field.field_type) {
                    return Err(SchemaError::WouldInvalidate {
                        kind: *kind,
                        key: key.clone(),
                        why,
                    });
                }
                *field = redefined;
            }
            SchemaChange::AddOption { kind, key, option } => {
                let options = next.options_mut(*kind, key)?;
                if options.iter().any(|o| o.key == option.key) {
                    return Err(SchemaError::Option {
                        kind: *kind,
                        key: key.clone(),
                        problem: format!("it already has the option {}", option.key),
                    });
                }
                options.push(PicklistOption {
                    retired: false,
                    ..option.clone()
                });
                let field = next.current_mut(*kind, key)?;
                well_formed(*kind, field)?;
            }
            SchemaChange::RetireOption { kind, key, option } => {
                next.option_mut(*kind, key, option)?.retired = true;
                let field = next.current_mut(*kind, key)?;
                well_formed(*kind, field)?;
            }
            SchemaChange::RelabelOption {
                kind,
                key,
                option,
                label,
            } => {
                next.option_mut(*kind, key, option)?.label.clone_from(label);
                let field = next.current_mut(*kind, key)?;
                well_formed(*kind, field)?;
            }
        }
        Ok(next)
    }

    /// The field of `kind` with `key`, not retired, to change.
    fn current_mut(
        &mut self,
        kind: RecordKind,
        key: &FieldKey,
    ) -> Result<&mut FieldDefinition, SchemaError> {
        let field = self
            .kinds
            .get_mut(&kind)
            .and_then(|fields| fields.iter_mut().find(|f| &f.key == key))
            .ok_or_else(|| SchemaError::UnknownField {
                kind,
                key: key.clone(),
            })?;
        if field.retired {
            return Err(SchemaError::RetiredField {
                kind,
                key: key.clone(),
            });
        }
        Ok(field)
    }

    fn options_mut(
        &mut self,
        kind: RecordKind,
        key: &FieldKey,
    ) -> Result<&mut Vec<PicklistOption>, SchemaError> {
        self.current_mut(kind, key)?
            .field_type
            .options_mut()
            .ok_or_else(|| SchemaError::Option {
                kind,
                key: key.clone(),
                problem: "it is not a picklist".to_string(),
            })
    }

    fn option_mut(
        &mut self,
        kind: RecordKind,
        key: &FieldKey,
        option: &FieldKey,
    ) -> Result<&mut PicklistOption, SchemaError> {
        self.options_mut(kind, key)?
            .iter_mut()
            .find(|o| &o.key == option)
            .ok_or_else(|| SchemaError::Option {
                kind,
                key: key.clone(),
                problem: format!("it has no option {option}"),
            })
    }
}

/// Checks that `field` of `kind` is well formed: a label, a type whose bounds hold something.
fn well_formed(kind: RecordKind, field: &FieldDefinition) -> Result<(), SchemaError> {
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
