//! Phone numbers: validated, normalised for matching, redacted in logs.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Field, ValidationError};
use crate::organization::Country;
use crate::text::{IDENTITY, clean};

mod calling;

/// A validated phone number: 7 to 15 digits (the E.164 maximum), with an optional leading `+`
/// and the usual separators (spaces, `-`, `.`, parentheses). Letters are refused.
///
/// Two numbers are equal when their [normalised](PhoneNumber::normalized) forms are.
/// `Debug` and `Display` show only the last two digits (`***78`).
///
/// ```
/// use prospect::PhoneNumber;
/// let phone = PhoneNumber::new("+33 (0)1 23 45 67 78")?;
/// assert_eq!(phone.normalized(), "+330123456778");
/// assert_eq!(phone.to_string(), "***78");
/// assert!(PhoneNumber::new("1-800-FLOWERS").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PhoneNumber(Arc<str>);

impl PhoneNumber {
    /// The longest number accepted, in characters, separators included.
    pub const MAX_CHARS: usize = 40;

    /// Validates `number`.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for [`Field::Phone`] saying what is wrong, without repeating the
    /// number.
    pub fn new(number: impl AsRef<str>) -> Result<PhoneNumber, ValidationError> {
        let text = clean(Field::Phone, number.as_ref(), Self::MAX_CHARS, IDENTITY)?;
        let bad = |problem| {
            Err(ValidationError::Malformed {
                field: Field::Phone,
                problem,
            })
        };
        let mut digits = 0;
        for (i, c) in text.chars().enumerate() {
            match c {
                '0'..='9' => digits += 1,
                '+' if i == 0 => {}
                '+' => return bad("+ is only allowed first"),
                ' ' | '-' | '.' | '(' | ')' => {}
                c if c.is_alphabetic() => return bad("letters are not allowed"),
                _ => return bad("only digits, a leading +, spaces, -, . and parentheses"),
            }
        }
        if digits < 7 {
            return bad("too few digits (at least 7)");
        }
        if digits > 15 {
            return bad("too many digits (at most 15)");
        }
        Ok(PhoneNumber(text.into()))
    }

    /// The number as given (trimmed). This is personal data: do not log it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits, with a leading `+` if one was given.
    pub fn normalized(&self) -> String {
        self.0
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect()
    }

    /// The number in one form for matching duplicates: its international (E.164) form,
    /// `+` and digits, when it says its country (a leading `+` or `00`; a trunk `(0)` after the
    /// country code is dropped) or when it is national and `country` is the country it is
    /// dialled in (one of about sixty whose calling codes are known: the trunk prefix is
    /// dropped and the calling code put first). Otherwise its digits as written.
    ///
    /// ```
    /// use prospect::{Country, PhoneNumber};
    /// let fr = Some(Country::new("FR")?);
    /// let forms = ["+33 (0)1 23 45 67 78", "0033 1 23 45 67 78", "01.23.45.67.78"];
    /// for form in forms {
    ///     assert_eq!(PhoneNumber::new(form)?.canonical(fr), "+33123456778", "{form}");
    /// }
    /// assert_eq!(PhoneNumber::new("01 23 45 67 78")?.canonical(None), "0123456778");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn canonical(&self, country: Option<Country>) -> String {
        let text = self.0.replace("(0)", "");
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if text.starts_with('+') {
            return format!("+{digits}");
        }
        if let Some(international) = digits.strip_prefix("00") {
            return format!("+{international}");
        }
        match country.and_then(|c| Some((c, calling::code(c)?))) {
            Some((country, code)) => format!("+{code}{}", calling::national(country, &digits)),
            None => digits,
        }
    }

    /// The last eight digits (all of them, for a shorter number): what the national and the
    /// international forms of one number share, whatever the country, and so the key by which
    /// stores find a number's duplicates ([`DuplicateKey`](crate::duplicates::DuplicateKey)).
    ///
    /// ```
    /// use prospect::PhoneNumber;
    /// let national = PhoneNumber::new("01 23 45 67 78")?;
    /// let international = PhoneNumber::new("+33 1 23 45 67 78")?;
    /// assert_eq!(national.tail(), "23456778");
    /// assert_eq!(national.tail(), international.tail());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tail(&self) -> String {
        let digits: Vec<char> = self.0.chars().filter(char::is_ascii_digit).collect();
        digits[digits.len().saturating_sub(8)..].iter().collect()
    }

    fn redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits: Vec<char> = self.0.chars().filter(char::is_ascii_digit).collect();
        let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
        write!(f, "***{tail}")
    }
}

impl PartialEq for PhoneNumber {
    fn eq(&self, other: &Self) -> bool {
        self.normalized() == other.normalized()
    }
}

impl Eq for PhoneNumber {}

impl Hash for PhoneNumber {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized().hash(state);
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber(")?;
        self.redacted(f)?;
        f.write_str(")")
    }
}

impl fmt::Display for PhoneNumber {
    /// The redacted form, `***78`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.redacted(f)
    }
}

impl std::str::FromStr for PhoneNumber {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        PhoneNumber::new(s)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        PhoneNumber::new(raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::EmailAddress;

    #[test]
    fn phone_forms() {
        assert!(PhoneNumber::new("+1 (555) 010-9999").is_ok());
        for bad in [
            "123456",
            "+1 555 CALL NOW",
            "12+3456789",
            "1234567890123456",
            "555#1234567",
        ] {
            assert_eq!(
                PhoneNumber::new(bad).unwrap_err().field(),
                Field::Phone,
                "{bad}"
            );
        }
    }

    #[test]
    fn personal_data_is_redacted() {
        let e = EmailAddress::new("secret.person@example.com").unwrap();
        let p = PhoneNumber::new("+44 20 7946 0958").unwrap();
        for shown in [
            format!("{e:?}"),
            e.to_string(),
            format!("{p:?}"),
            p.to_string(),
        ] {
            assert!(!shown.contains("secret.person"), "{shown}");
            assert!(!shown.contains("7946"), "{shown}");
        }
    }
}
