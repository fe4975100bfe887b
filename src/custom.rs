//! The custom field values a record holds, apart from the schema that defines them
//! ([`fields`](crate::fields), their one public path): keys, values, the versions of the
//! schema they were written under, and each record's [`CustomFields`]. Apart so that records
//! hold values without depending on the schema's pipelines, which name opportunity stages.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod record;
mod value;

pub use record::{CustomFields, FieldEdit, FieldUpdate, WithFields};
pub use value::{FieldError, FieldValue, FieldValues};

/// The version of a [`FieldSchema`](crate::fields::FieldSchema): 0 for the empty schema, one more at each change applied.
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
    pub(crate) fn next(self) -> Option<SchemaVersion> {
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
#[derive(Clone)]
pub struct FieldKey(Arc<str>);

impl std::hash::Hash for FieldKey {
    /// The text's hash, as equality is the text's.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

// Equality and order are the key's text's; a key compared with a copy of itself (values keyed
// by the schema's keys) is equal without reading it.
impl PartialEq for FieldKey {
    fn eq(&self, other: &FieldKey) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl Eq for FieldKey {}

impl PartialOrd for FieldKey {
    fn partial_cmp(&self, other: &FieldKey) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FieldKey {
    fn cmp(&self, other: &FieldKey) -> std::cmp::Ordering {
        if Arc::ptr_eq(&self.0, &other.0) {
            return std::cmp::Ordering::Equal;
        }
        self.0.cmp(&other.0)
    }
}

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
    /// The key, padded to the formatter's width if it has one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
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
