//! Webhook signatures by the [Standard Webhooks](https://www.standardwebhooks.com/) convention
//! (feature `webhooks`), with no I/O: the application sends the request, this module says what
//! its `webhook-id`, `webhook-timestamp` and `webhook-signature` headers hold, and checks them
//! on the receiving side. [`WebhookMessage::of`] turns an [`Event`] of the outbox into the
//! whole request: its JSON body and its three headers.
//!
//! The signature is `v1,` and the base64 HMAC-SHA256, under the endpoint's secret, of
//! `id.timestamp.body`; a header may hold several (space-separated) while a secret is rotated.
//! Verification compares in constant time (RustCrypto's `hmac`) and refuses a timestamp more
//! than [`TOLERANCE`] away from now, so that a captured request cannot be replayed later.
//!
//! ```
//! use prospect::webhook::{Secret, sign, verify};
//! let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! let (id, timestamp, body) = ("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
//! let signature = sign(&secret, id, timestamp, body)?;
//! assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
//! assert!(verify(&secret, id, timestamp, body, &signature, timestamp).is_ok());
//! # Ok::<(), prospect::webhook::WebhookError>(())
//! ```

use base64::Engine;
use serde::Serialize;

use crate::event::Event;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a signed timestamp may be from now, in seconds, either way (five minutes, as the
/// convention recommends).
pub const TOLERANCE: i64 = 5 * 60;

/// A webhook request for one [`Event`], signed: send [`body`](Self::body) with the
/// [`headers`](Self::headers) (and `content-type: application/json`).
///
/// The body has the convention's shape, `{"type": ..., "timestamp": ..., "data": ...}`: the
/// payload's name, when the event occurred, and the event (envelope and payload, as
/// [`Event`] serialises). The message id is the event's id, the same at every retry, so
/// that a receiver skips a delivery it has already handled.
///
/// ```
/// use prospect::memory::MemoryStore;
/// use prospect::webhook::{Secret, WebhookMessage, verify};
/// use prospect::*;
/// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll);
/// let details = ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Referral);
/// crm.create_contact(details, OnDuplicate::Refuse, &User::new("alice")?)?;
/// let event = &crm.store().read_events(None, 10)?.events[0].event;
///
/// let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let now = 1_800_000_000;
/// let message = WebhookMessage::of(event, &secret, now)?;
/// assert!(message.body().starts_with(r#"{"type":"ContactCreated","#));
/// let [(_, id), (_, timestamp), (_, signature)] = message.headers();
/// assert_eq!(id, event.id().to_string());
/// assert!(verify(&secret, &id, timestamp.parse()?, message.body().as_bytes(), &signature, now).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookMessage {
    id: String,
    timestamp: i64,
    body: String,
    signature: String,
}

/// The body of a webhook: the convention's envelope around an event.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: chrono::DateTime<chrono::Utc>,
    data: &'a Event,
}

impl WebhookMessage {
    /// The request for `event`, sent at `timestamp` (seconds since the epoch: the time of this
    /// attempt, which the receiver checks against its clock), signed with `secret`.
    ///
    /// # Errors
    ///
    /// [`WebhookError::Encode`] if the event cannot be written as JSON (it always can: its
    /// maps have text keys); [`WebhookError::BadSecret`] (never, for a [`Secret`] that was made).
    pub fn of(
        event: &Event,
        secret: &Secret,
        timestamp: i64,
    ) -> Result<WebhookMessage, WebhookError> {
        let body = serde_json::to_string(&Body {
            kind: event.payload().name(),
            timestamp: event.occurred_at(),
            data: event,
        })
        .map_err(|e| WebhookError::Encode(e.to_string()))?;
        let id = event.id().to_string();
        let signature = sign(secret, &id, timestamp, body.as_bytes())?;
        Ok(WebhookMessage {
            id,
            timestamp,
            body,
            signature,
        })
    }

    /// The JSON body.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The `webhook-id` header: the event's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The `webhook-timestamp` header, in seconds since the epoch.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The `webhook-signature` header: `v1,` and the base64 signature.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The three headers, by name: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("webhook-id", self.id.clone()),
            ("webhook-timestamp", self.timestamp.to_string()),
            ("webhook-signature", self.signature.clone()),
        ]
    }
}

/// An endpoint's signing secret: `whsec_` and base64 (the prefix is optional), as the
/// convention writes it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    /// Never shows the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// A webhook could not be signed or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The secret is not base64 (after an optional `whsec_` prefix), or is empty.
    #[error("the webhook secret is not whsec_ and base64")]
    BadSecret,
    /// The secret is shorter than [`MIN_SECRET_BYTES`]: short keys can be guessed, and anyone
    /// who guesses one can sign.
    #[error("the webhook secret is {len} bytes; at least {MIN_SECRET_BYTES} are needed")]
    ShortSecret {
        /// The bytes of the secret given.
        len: usize,
    },
    /// No signature of the header matches the payload.
    #[error("no webhook signature matches")]
    NoMatch,
    /// The timestamp is more than [`TOLERANCE`] seconds from now.
    #[error("the webhook timestamp {timestamp} is more than {TOLERANCE} s from now ({now})")]
    Stale {
        /// The signed timestamp.
        timestamp: i64,
        /// Now, as given.
        now: i64,
    },
    /// An event could not be written as JSON.
    #[error("the event cannot be written as JSON: {0}")]
    Encode(String),
}

/// The fewest bytes a [`Secret`] may have: 24, the shortest key of the Standard Webhooks
/// convention (whose keys are 24 to 64 bytes).
pub const MIN_SECRET_BYTES: usize = 24;

impl Secret {
    /// The secret written as the convention does (`whsec_...`, or the base64 alone), of at
    /// least [`MIN_SECRET_BYTES`].
    ///
    /// # Errors
    ///
    /// [`WebhookError::BadSecret`] when it is not base64 or is empty;
    /// [`WebhookError::ShortSecret`] when it is shorter than [`MIN_SECRET_BYTES`].
    pub fn new(text: &str) -> Result<Secret, WebhookError> {
        let encoded = text.trim();
        let encoded = encoded.strip_prefix("whsec_").unwrap_or(encoded);
        match STANDARD.decode(encoded) {
            Ok(key) if !key.is_empty() => Secret::from_bytes(key),
            _ => Err(WebhookError::BadSecret),
        }
    }

    /// A secret of these bytes, at least [`MIN_SECRET_BYTES`] of them.
    ///
    /// # Errors
    ///
    /// [`WebhookError::ShortSecret`].
    pub fn from_bytes(key: impl Into<Vec<u8>>) -> Result<Secret, WebhookError> {
        let key = key.into();
        if key.len() < MIN_SECRET_BYTES {
            return Err(WebhookError::ShortSecret { len: key.len() });
        }
        Ok(Secret(key))
    }

    /// The MAC of `id.timestamp.body` under this secret. (HMAC takes a key of any length, so
    /// the error is never seen; it is reported, not assumed away.)
    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Result<Hmac<Sha256>, WebhookError> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).map_err(|_| WebhookError::BadSecret)?;
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        Ok(mac)
    }
}

/// The `webhook-signature` header of `body`, sent as message `id` at `timestamp` (seconds
/// since the epoch): `v1,` and the base64 signature.
///
/// # Errors
///
/// [`WebhookError::BadSecret`] (never, for a [`Secret`] that was made).
pub fn sign(
    secret: &Secret,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, WebhookError> {
    let tag = secret.mac(id, timestamp, body)?.finalize().into_bytes();
    Ok(format!("v1,{}", STANDARD.encode(tag)))
}

/// Checks a received webhook: `signatures` is its `webhook-signature` header (one or more
/// `v1,<base64>`, space-separated), `now` the receiver's time in seconds. Accepts when one of
/// them is the signature of `id.timestamp.body`, compared in constant time, and `timestamp`
/// is within [`TOLERANCE`] of `now`.
///
/// # Errors
///
/// [`WebhookError::Stale`], [`WebhookError::NoMatch`].
pub fn verify(
    secret: &Secret,
    id: &str,
    timestamp: i64,
    body: &[u8],
    signatures: &str,
    now: i64,
) -> Result<(), WebhookError> {
    if now.abs_diff(timestamp) > TOLERANCE.unsigned_abs() {
        return Err(WebhookError::Stale { timestamp, now });
    }
    let mac = secret.mac(id, timestamp, body)?;
    let matches = signatures
        .split_whitespace()
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|s| STANDARD.decode(s).ok())
        .any(|tag| mac.clone().verify_slice(&tag).is_ok());
    if matches {
        Ok(())
    } else {
        Err(WebhookError::NoMatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The convention's published example: secret, message id, timestamp, payload and the
    /// signature they make.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_published_example_signs_and_verifies() {
        let secret = Secret::new(SECRET).unwrap();
        assert_eq!(sign(&secret, ID, TIMESTAMP, BODY).unwrap(), SIGNATURE);
        assert_eq!(
            verify(&secret, ID, TIMESTAMP, BODY, SIGNATURE, TIMESTAMP),
            Ok(())
        );
        // Among others, as while a secret is rotated.
        let several = format!("v1,bm90IGl0 {SIGNATURE} v2,whatever");
        assert_eq!(
            verify(&secret, ID, TIMESTAMP, BODY, &several, TIMESTAMP + 60),
            Ok(())
        );
    }

    #[test]
    fn a_changed_byte_a_wrong_secret_or_a_stale_timestamp_is_refused() {
        let secret = Secret::new(SECRET).unwrap();
        let other = Secret::from_bytes(*b"another secret, 24 bytes").unwrap();
        let tampered = br#"{"test": 2432232315}"#;
        assert_eq!(
            verify(&secret, ID, TIMESTAMP, tampered, SIGNATURE, TIMESTAMP),
            Err(WebhookError::NoMatch)
        );
        assert_eq!(
            verify(&secret, "msg_other", TIMESTAMP, BODY, SIGNATURE, TIMESTAMP),
            Err(WebhookError::NoMatch)
        );
        assert_eq!(
            verify(&other, ID, TIMESTAMP, BODY, SIGNATURE, TIMESTAMP),
            Err(WebhookError::NoMatch)
        );
        assert_eq!(
            verify(&secret, ID, TIMESTAMP, BODY, "v1,not base64!", TIMESTAMP),
            Err(WebhookError::NoMatch)
        );
        let late = TIMESTAMP + TOLERANCE + 1;
        assert_eq!(
            verify(&secret, ID, TIMESTAMP, BODY, SIGNATURE, late),
            Err(WebhookError::Stale {
                timestamp: TIMESTAMP,
                now: late
            })
        );
        assert_eq!(Secret::new("whsec_"), Err(WebhookError::BadSecret));
        assert_eq!(Secret::new("whsec_***"), Err(WebhookError::BadSecret));
        // One byte, or 23, can be guessed: refused.
        assert_eq!(
            Secret::new("whsec_c2VjcmV0"),
            Err(WebhookError::ShortSecret { len: 6 })
        );
        assert_eq!(
            Secret::from_bytes([7u8]),
            Err(WebhookError::ShortSecret { len: 1 })
        );
        assert_eq!(
            Secret::from_bytes([7u8; 23]),
            Err(WebhookError::ShortSecret { len: 23 })
        );
        assert!(Secret::from_bytes([7u8; 24]).is_ok());
        assert_eq!(format!("{secret:?}"), "Secret(..)");
    }

    /// An event's message: the convention's body around the event, its id as the message id
    /// (the same at a retry, signed anew for the retry's time), a signature that verifies and
    /// stops verifying when the body changes.
    #[test]
    fn an_event_becomes_a_signed_message_that_verifies() {
        use crate::event::{Event, Payload};
        use crate::id::SequentialIds;
        use crate::record::RecordId;
        use crate::store::Version;
        use chrono::TimeZone;

        let ids = SequentialIds::new(5);
        let record = RecordId::Contact(crate::id::ContactId::from_uuid(uuid::Uuid::nil()));
        let at = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let event = Event::new(
            &ids,
            Event::commit_key(&ids),
            (record, Version::FIRST),
            crate::text::User::new("alice").unwrap(),
            at,
            Payload::ContactErased,
        );
        let secret = Secret::new(SECRET).unwrap();
        let message = WebhookMessage::of(&event, &secret, TIMESTAMP).unwrap();
        let body: serde_json::Value = serde_json::from_str(message.body()).unwrap();
        assert_eq!(body["type"], "ContactErased");
        assert_eq!(body["timestamp"], "2026-03-02T09:00:00Z");
        assert_eq!(body["data"]["id"], event.id().to_string());
        assert_eq!(message.id(), event.id().to_string());
        let headers = message.headers();
        assert_eq!(headers[1], ("webhook-timestamp", TIMESTAMP.to_string()));
        assert_eq!(
            verify(
                &secret,
                message.id(),
                TIMESTAMP,
                message.body().as_bytes(),
                message.signature(),
                TIMESTAMP
            ),
            Ok(())
        );
        let tampered = message.body().replace("alice", "mallory");
        assert_eq!(
            verify(
                &secret,
                message.id(),
                TIMESTAMP,
                tampered.as_bytes(),
                message.signature(),
                TIMESTAMP
            ),
            Err(WebhookError::NoMatch)
        );
        let retry = WebhookMessage::of(&event, &secret, TIMESTAMP + 60).unwrap();
        assert_eq!((retry.id(), retry.body()), (message.id(), message.body()));
        assert_ne!(retry.signature(), message.signature());
    }
}
