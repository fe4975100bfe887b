//! Email addresses: validated, normalised for matching, redacted in logs.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Field, ValidationError};
use crate::text::{IDENTITY, clean};

/// A validated email address.
///
/// Accepted: `local@domain` with one `@`, a local part of at most 64 characters from the
/// RFC 5322 "atext" set and dots (not first, last or doubled), and a domain of at least two
/// labels of letters, digits and hyphens, at most 254 characters in all. Surrounding white space
/// is trimmed.
///
/// **Internationalised addresses**: refused, with an error that says so. A domain in Unicode
/// must be given in its ASCII (`xn--`) form; a non-ASCII local part (RFC 6531) is not accepted,
/// since many mail systems cannot deliver to it. Quoted local parts and IP-address domains are
/// refused too.
///
/// Two addresses are equal when their [normalised](EmailAddress::normalized) forms are: matching
/// ignores case, as duplicate detection needs.
///
/// `Debug` and `Display` show only the first character of the local part and the domain
/// (`a***@example.com`): the full address is personal data and must not end up in logs. Use
/// [`as_str`](EmailAddress::as_str) to send mail.
///
/// ```
/// use prospect::EmailAddress;
/// let email = EmailAddress::new("  Ada.Lovelace@Example.COM ")?;
/// assert_eq!(email.as_str(), "Ada.Lovelace@Example.COM");
/// assert_eq!(email.normalized(), "ada.lovelace@example.com");
/// assert_eq!(email.to_string(), "A***@Example.COM");
/// assert!(EmailAddress::new("no-at-sign").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct EmailAddress(Arc<str>);

impl EmailAddress {
    /// The longest address accepted, in characters.
    pub const MAX_CHARS: usize = 254;

    /// Validates `address`.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for [`Field::Email`] saying what is wrong, without repeating the
    /// address.
    pub fn new(address: impl AsRef<str>) -> Result<EmailAddress, ValidationError> {
        let text = clean(Field::Email, address.as_ref(), Self::MAX_CHARS, IDENTITY)?;
        if !is_plain_address(text) {
            address_problem(text).map_err(|problem| ValidationError::Malformed {
                field: Field::Email,
                problem,
            })?;
        }
        Ok(EmailAddress(text.into()))
    }

    /// The address as given (trimmed). This is personal data: do not log it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for matching duplicates: lowercase.
    pub fn normalized(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// The domain, after the `@`.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, d)| d)
    }

    fn redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = self.0.chars().next().unwrap_or('?');
        write!(f, "{first}***@{}", self.domain())
    }
}

/// Whether `text` (cleaned) is an address [`EmailAddress`] accepts, from a table of byte classes
/// and a look at each part's ends: the quick check for the common case. Accepts exactly what
/// [`address_problem`] accepts (property tests hold them to it), which is consulted only to name
/// the error.
fn is_plain_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let (local, domain) = (local.as_bytes(), domain.as_bytes());
    // The local part: "atext" and dots, no dot first, last or after another.
    let local_ok = (1..=64).contains(&local.len())
        && local.iter().all(|&b| class(b) & LOCAL != 0)
        && local.first() != Some(&b'.')
        && local.last() != Some(&b'.')
        && !local.windows(2).any(|pair| pair == b"..");
    if !local_ok {
        return false;
    }
    // The domain: two labels or more, of 1 to 63 letters, digits and inner hyphens; the last
    // not all digits. (A second `@` is not a label character.)
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in domain.split(|&b| b == b'.') {
        let label_ok = (1..=63).contains(&label.len())
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
            && label.iter().all(|&b| class(b) & LABEL != 0);
        if !label_ok {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && !last.iter().all(u8::is_ascii_digit)
}

/// The byte classes of [`is_plain_address`]: allowed in a local part ("atext" or a dot).
const LOCAL: u8 = 1;
/// Allowed in a domain label (a letter, a digit or a hyphen).
const LABEL: u8 = 2;
/// The class bits of each byte.
const CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut i = 0;
    while i < classes.len() {
        let b = i as u8;
        if is_atext(b) || b == b'.' {
            classes[i] |= LOCAL;
        }
        if b.is_ascii_alphanumeric() || b == b'-' {
            classes[i] |= LABEL;
        }
        i += 1;
    }
    classes
};

fn class(b: u8) -> u8 {
    CLASSES[usize::from(b)]
}

/// A letter, digit or one of the specials that RFC 5322 allows unquoted in a local part.
const fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
        )
}

/// What is wrong with `text` (cleaned) as an email address, checked rule by rule so that the
/// error names the first rule broken.
fn address_problem(text: &str) -> Result<(), &'static str> {
    if !text.is_ascii() {
        return Err(
            "internationalised addresses are not accepted: give the domain in its ASCII \
             (xn--) form; non-ASCII local parts are refused",
        );
    }
    if text.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err("must not contain spaces");
    }
    let Some((local, domain)) = text.split_once('@') else {
        return Err("missing @");
    };
    if domain.contains('@') {
        return Err("more than one @");
    }
    if local.is_empty() {
        return Err("missing the part before @");
    }
    if local.len() > 64 {
        return Err("the part before @ is longer than 64 characters");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("the part before @ has a misplaced dot");
    }
    if !local.bytes().all(|b| is_atext(b) || b == b'.') {
        return Err("the part before @ has a character that is not allowed");
    }
    if domain.is_empty() {
        return Err("missing the domain after @");
    }
    if domain.ends_with('.') {
        return Err("the domain must not end with a dot");
    }
    let mut labels = 0;
    let mut last = "";
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("the domain has an empty label");
        }
        if label.len() > 63 {
            return Err("a domain label is longer than 63 characters");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a domain label starts or ends with a hyphen");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err("the domain has a character that is not allowed");
        }
        labels += 1;
        last = label;
    }
    if labels < 2 {
        return Err("the domain needs a dot, e.g. example.com");
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err("IP-address domains are not accepted");
    }
    Ok(())
}

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for EmailAddress {}

impl Hash for EmailAddress {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Lowercased a block at a time, so that the hasher takes a few words rather than every
        // byte on its own. Equal addresses have equal lengths, so they are cut the same way.
        let mut buffer = [0u8; 32];
        for chunk in self.0.as_bytes().chunks(buffer.len()) {
            let block = &mut buffer[..chunk.len()];
            block.copy_from_slice(chunk);
            block.make_ascii_lowercase();
            state.write(block);
        }
        state.write_u8(0xff);
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(")?;
        self.redacted(f)?;
        f.write_str(")")
    }
}

impl fmt::Display for EmailAddress {
    /// The redacted form, `a***@example.com`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.redacted(f)
    }
}

impl std::str::FromStr for EmailAddress {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        EmailAddress::new(s)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        EmailAddress::new(raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_forms() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "x@xn--bcher-kva.example",
        ] {
            assert!(EmailAddress::new(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "  ",
            "plain",
            "a@@b.co",
            "a@b@c.co",
            "a b@c.co",
            "a@b.co.",
            ".a@b.co",
            "a.@b.co",
            "a..b@c.co",
            "a@b",
            "a@-b.co",
            "a@b-.co",
            "a@1.2.3.4",
            "ä@b.co",
            "a@bücher.de",
            "@b.co",
            "a@",
            "a@b..co",
            "a\"b@c.co",
        ] {
            let err = EmailAddress::new(bad).unwrap_err();
            assert_eq!(err.field(), Field::Email, "{bad}");
        }
    }

    proptest::proptest! {
        /// The one-pass check accepts exactly the addresses that the rule-by-rule check does,
        /// on strings made of the characters where the rules draw their lines.
        #[test]
        fn one_pass_email_check_agrees_with_the_rules(text in "[aZ09.@\\-+_ \"\u{e4}\x00]{1,16}") {
            proptest::prop_assert_eq!(is_plain_address(&text), address_problem(&text).is_ok());
        }

        /// The same, at the length limits of local parts and labels.
        #[test]
        fn one_pass_email_check_agrees_at_the_length_limits(
            local in proptest::prop_oneof![
                "a{62,66}",
                "[a.\\-]{0,2}a{0,3}[a.]{0,2}",
                "a{1,3}[.]{1,2}a{1,3}",
            ],
            labels in proptest::collection::vec(
                proptest::prop_oneof!["[a1]{61,65}", "[a1]{1,3}", "[a1\\-]{1,4}"],
                0..4,
            ),
        ) {
            let text = format!("{local}@{}", labels.join("."));
            proptest::prop_assert_eq!(is_plain_address(&text), address_problem(&text).is_ok());
        }
    }

    #[test]
    fn usual_addresses_take_the_one_pass_check() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'neil@x-y.example",
        ] {
            assert!(is_plain_address(good), "{good}");
        }
    }

    #[test]
    fn email_matching_ignores_case() {
        let state = std::collections::hash_map::RandomState::new();
        let hash = |e: &EmailAddress| std::hash::BuildHasher::hash_one(&state, e);
        // Shorter and longer than the block the hash lowercases at a time.
        for (a, b) in [
            ("Ada@Example.com", "ada@example.COM"),
            (
                "Ada.Lovelace.Countess@Analytical-Engines.Example.co.uk",
                "ada.lovelace.countess@analytical-engines.example.CO.UK",
            ),
        ] {
            let (a, b) = (EmailAddress::new(a).unwrap(), EmailAddress::new(b).unwrap());
            assert_eq!(a, b);
            assert_eq!(hash(&a), hash(&b));
        }
        let other = EmailAddress::new("ada@example.org").unwrap();
        assert_ne!(
            hash(&other),
            hash(&EmailAddress::new("ada@example.com").unwrap())
        );
    }
}
