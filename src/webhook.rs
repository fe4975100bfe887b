//! Webhook signatures by the [Standard Webhooks](https://www.standardwebhooks.com/) convention
//! (feature `webhooks`), with no I/O: the application sends the request, this module says what
//! its `webhook-id`, `webhook-timestamp` and `webhook-signature` headers hold, and checks them
//! on the receiving side.
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
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a signed timestamp may be from now, in seconds, either way (five minutes, as the
/// convention recommends).
pub const TOLERANCE: i64 = 5 * 60;

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
}

impl Secret {
    /// The secret written as the convention does (`whsec_...`, or the base64 alone).
    ///
    /// # Errors
    ///
    /// [`WebhookError::BadSecret`].
    pub fn new(text: &str) -> Result<Secret, WebhookError> {
        let encoded = text.trim();
        let encoded = encoded.strip_prefix("whsec_").unwrap_or(encoded);
        match STANDARD.decode(encoded) {
            Ok(key) if !key.is_empty() => Ok(Secret(key)),
            _ => Err(WebhookError::BadSecret),
        }
    }

    /// A secret of these bytes.
    pub fn from_bytes(key: impl Into<Vec<u8>>) -> Secret {
        Secret(key.into())
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
        let other = Secret::new("whsec_c2VjcmV0").unwrap();
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
        assert_eq!(format!("{secret:?}"), "Secret(..)");
    }
}
