//! Idempotent steps: a request that a client may send again (after a dropped connection, a
//! timeout) commits once, and a retry is answered with what the first one wrote.
//!
//! The client names the request with an [`IdempotencyKey`]; the application gives a
//! [`Fingerprint`] of what was asked (a digest of the request's body, say), and
//! [`Crm::execute_once`](crate::Crm::execute_once) runs the command with the key recorded **in
//! the same commit** as the step's writes ([`Batch::remember`](crate::store::Batch::remember)):
//! two retries racing each other make one commit, and the other is answered from the record of
//! the first. The store keeps, per actor and key, the fingerprint, when, and the id and version
//! of every record written ([`Remembered`]), never the records' contents: a replay reads the
//! records as they are now, so an erasure since the first request still holds.
//!
//! A key is kept until the application prunes it ([`Store::prune_keys`](crate::store::Store::prune_keys));
//! the service example keeps them 24 hours.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Field, ValidationError};
use crate::record::RecordId;
use crate::text::User;
use crate::version::Version;

/// A client's name for one request it may send again: 1 to [`IdempotencyKey::MAX`] visible
/// ASCII characters (a UUID, typically), as the IETF draft "The Idempotency-Key HTTP Header
/// Field" has clients send them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey(Arc<str>);

impl IdempotencyKey {
    /// The longest key, in characters.
    pub const MAX: usize = 255;

    /// The key `raw`, checked.
    ///
    /// # Errors
    ///
    /// [`ValidationError::Empty`], [`ValidationError::TooLong`], or
    /// [`ValidationError::ControlCharacter`] for a character that is not visible ASCII (a
    /// space, a control, any non-ASCII character), each naming
    /// [`Field::IdempotencyKey`].
    pub fn new(raw: &str) -> Result<IdempotencyKey, ValidationError> {
        let field = Field::IdempotencyKey;
        if raw.is_empty() {
            return Err(ValidationError::Empty { field });
        }
        let len = raw.chars().count();
        if len > Self::MAX {
            return Err(ValidationError::TooLong {
                field,
                max: Self::MAX,
                len,
            });
        }
        if let Some(position) = raw.chars().position(|c| !c.is_ascii_graphic()) {
            return Err(ValidationError::ControlCharacter { field, position });
        }
        Ok(IdempotencyKey(raw.into()))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl std::str::FromStr for IdempotencyKey {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<IdempotencyKey, ValidationError> {
        IdempotencyKey::new(s)
    }
}

impl Serialize for IdempotencyKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IdempotencyKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<IdempotencyKey, D::Error> {
        let raw = String::deserialize(deserializer)?;
        IdempotencyKey::new(&raw).map_err(serde::de::Error::custom)
    }
}

/// What a request asked, as 32 bytes the application computes (a SHA-256 of the request's
/// body, for instance): the same key sent with another fingerprint is a different request, and
/// [`Crm::execute_once`](crate::Crm::execute_once) refuses it
/// ([`CrmError::KeyReused`](crate::CrmError::KeyReused)).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint made of `bytes`.
    pub const fn from_bytes(bytes: [u8; 32]) -> Fingerprint {
        Fingerprint(bytes)
    }

    /// The fingerprint's bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The fingerprint made of a slice of 32 bytes (as a database gives a blob back), or
    /// `None` for any other length.
    pub fn from_slice(bytes: &[u8]) -> Option<Fingerprint> {
        <[u8; 32]>::try_from(bytes).ok().map(Fingerprint)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl fmt::Display for Fingerprint {
    /// The bytes in lowercase hexadecimal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// A request made with a key: who made it, under which key, what it asked and when. A batch
/// carries one to be remembered with its writes ([`Batch::remember`](crate::store::Batch::remember)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentRequest {
    /// Who made the request: keys are the actor's own (two actors may use the same key).
    pub actor: User,
    /// The client's key.
    pub key: IdempotencyKey,
    /// What the request asked.
    pub fingerprint: Fingerprint,
    /// When it was committed (the facade's clock): what [`Store::prune_keys`](crate::store::Store::prune_keys) compares.
    pub at: DateTime<Utc>,
}

/// What a store remembers of a request it committed: the request and every record its commit
/// wrote, with the version written, in the batch's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    /// The request.
    pub request: IdempotentRequest,
    /// The records its commit wrote, at the version it wrote.
    pub written: Vec<(RecordId, Version)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_visible_ascii_of_bounded_length() {
        assert_eq!(
            IdempotencyKey::new("8e03978e-40d5-43e8-bc93-6894a57f9324")
                .map(|k| k.to_string())
                .ok()
                .as_deref(),
            Some("8e03978e-40d5-43e8-bc93-6894a57f9324")
        );
        let field = Field::IdempotencyKey;
        assert_eq!(
            IdempotencyKey::new(""),
            Err(ValidationError::Empty { field })
        );
        assert_eq!(
            IdempotencyKey::new("a b"),
            Err(ValidationError::ControlCharacter { field, position: 1 })
        );
        assert_eq!(
            IdempotencyKey::new("clé"),
            Err(ValidationError::ControlCharacter { field, position: 2 })
        );
        let long = "k".repeat(IdempotencyKey::MAX + 1);
        assert_eq!(
            IdempotencyKey::new(&long),
            Err(ValidationError::TooLong {
                field,
                max: IdempotencyKey::MAX,
                len: IdempotencyKey::MAX + 1
            })
        );
        assert!(IdempotencyKey::new(&long[1..]).is_ok());
    }

    #[test]
    fn a_key_round_trips_through_serde_and_refuses_a_bad_one() {
        let key = IdempotencyKey::new("retry-1").ok();
        let json = serde_json::to_string(&key).ok();
        assert_eq!(json.as_deref(), Some("\"retry-1\""));
        let back: Option<IdempotencyKey> = json.and_then(|j| serde_json::from_str(&j).ok());
        assert_eq!(back, key);
        assert!(serde_json::from_str::<IdempotencyKey>("\"a b\"").is_err());
    }

    #[test]
    fn a_fingerprint_shows_as_hex_and_reads_back_from_32_bytes() {
        let print = Fingerprint::from_bytes([0xab; 32]);
        assert_eq!(print.to_string(), "ab".repeat(32));
        assert_eq!(Fingerprint::from_slice(print.as_bytes()), Some(print));
        assert_eq!(Fingerprint::from_slice(&[0; 31]), None);
    }
}
