//! Validated text: names, titles, summaries, notes, references and user names.
//!
//! Every text newtype is trimmed of surrounding white space, must not be empty, has a maximum
//! length in characters, and refuses control characters (notes may hold line breaks and tabs) and
//! Unicode bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make
//! text display as something it is not.
//!
//! It also refuses invisible and format characters with which two values could look identical
//! and differ ([`is_invisible`]: zero-width spaces, word joiners, the byte order mark, soft
//! hyphens, Hangul fillers, tag characters, ...), and text with nothing visible once white space,
//! those characters and combining marks are left out. Text that identifies (names, user ids,
//! references, job titles) also refuses the joiners, direction marks and variation selectors that
//! free text (summaries, notes, requirements) may hold for scripts and emoji that need them
//! ([`is_identity_invisible`]).
//!
//! The text is shared, not copied, when a value is cloned (a reference count): records are kept
//! by callers and stores at once, and evidence is often reused.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Field, ValidationError};

/// The text that replaces erased personal data: `[erased]`.
pub const ERASED_TEXT: &str = "[erased]";

/// Email addresses and phone numbers identify a person: one line, no invisible characters.
pub(crate) const IDENTITY: Kind = Kind {
    multiline: false,
    identity: true,
    legacy: false,
};

/// What a text field accepts beyond the common rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind {
    /// Line breaks and tabs allowed (notes).
    pub(crate) multiline: bool,
    /// The text identifies someone or something (names, user ids, references): joiners,
    /// direction marks and variation selectors are refused too.
    pub(crate) identity: bool,
    /// The rules of records of format 0: invisible characters and text with nothing visible
    /// are accepted.
    pub(crate) legacy: bool,
}

/// Checks `raw` for a text field and returns it trimmed.
pub(crate) fn clean(
    field: Field,
    raw: &str,
    max: usize,
    kind: Kind,
) -> Result<&str, ValidationError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ValidationError::Empty { field });
    }
    if text.is_ascii() {
        // No ASCII character is invisible, and trimmed ASCII text without controls shows
        // something.
        return clean_ascii(field, text, max, kind.multiline);
    }
    clean_chars(field, text, max, kind)
}

/// [`clean`]'s checks on trimmed ASCII text, byte by byte: each character is one byte, so the
/// length and the positions are byte counts, and no ASCII character is a bidirectional control.
/// Gives the same result as [`clean_chars`].
fn clean_ascii(
    field: Field,
    text: &str,
    max: usize,
    multiline: bool,
) -> Result<&str, ValidationError> {
    let len = text.len();
    if len > max {
        return Err(ValidationError::TooLong { field, max, len });
    }
    let refused =
        |b: u8| (b < 0x20 || b == 0x7f) & !(multiline && matches!(b, b'\n' | b'\r' | b'\t'));
    // Without an early exit, so that the common case, no control character, is vectorised.
    if !text.bytes().fold(false, |found, b| found | refused(b)) {
        return Ok(text);
    }
    let position = text.bytes().position(refused).unwrap_or(0);
    Err(ValidationError::ControlCharacter { field, position })
}

/// [`clean`]'s checks on trimmed, non-empty text of any script, character by character.
fn clean_chars(field: Field, text: &str, max: usize, kind: Kind) -> Result<&str, ValidationError> {
    let len = text.chars().count();
    if len > max {
        return Err(ValidationError::TooLong { field, max, len });
    }
    let mut visible = false;
    for (position, c) in text.chars().enumerate() {
        if is_bidi_control(c) {
            return Err(ValidationError::BidiControl { field, position });
        }
        if c.is_control() && !(kind.multiline && matches!(c, '\n' | '\r' | '\t')) {
            return Err(ValidationError::ControlCharacter { field, position });
        }
        if !kind.legacy && (is_invisible(c) || (kind.identity && is_identity_invisible(c))) {
            return Err(ValidationError::InvisibleCharacter { field, position });
        }
        visible |= !(c.is_whitespace()
            || c.is_control()
            || is_identity_invisible(c)
            || is_combining_mark(c));
    }
    if !visible && !kind.legacy {
        return Err(ValidationError::NothingVisible { field });
    }
    Ok(text)
}

/// Invisible and format characters refused in every text: they show nothing (or nothing of
/// their own) and would let two values look identical. Unicode's default-ignorable code points
/// and format characters, except those [`is_identity_invisible`] lists, which some scripts and
/// emoji need.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                      // soft hyphen
        | '\u{034F}'                    // combining grapheme joiner
        | '\u{115F}' | '\u{1160}'       // Hangul choseong and jungseong fillers
        | '\u{17B4}' | '\u{17B5}'       // Khmer inherent vowels
        | '\u{180B}'..='\u{180F}'       // Mongolian free variation selectors, vowel separator
        | '\u{200B}'                    // zero-width space
        | '\u{2028}' | '\u{2029}'       // line and paragraph separators
        | '\u{2060}'..='\u{2065}'       // word joiner, invisible operators
        | '\u{206A}'..='\u{206F}'       // deprecated format characters
        | '\u{3164}'                    // Hangul filler
        | '\u{FEFF}'                    // zero-width no-break space, byte order mark
        | '\u{FFA0}'                    // halfwidth Hangul filler
        | '\u{FFF0}'..='\u{FFFB}'       // unassigned specials, interlinear annotations
        | '\u{1BCA0}'..='\u{1BCA3}'     // shorthand format controls
        | '\u{1D173}'..='\u{1D17A}'     // musical format controls
        | '\u{E0000}'..='\u{E0FFF}'     // tags, variation selectors supplement, unassigned
    )
}

/// Format characters that free text may hold (Persian and Indic scripts need the zero-width
/// joiners, right-to-left text the direction marks, emoji the joiner and variation selectors)
/// but text that identifies may not: with them, `"alice"` and `"ali\u{200D}ce"` look the same.
pub(crate) fn is_identity_invisible(c: char) -> bool {
    matches!(c,
        '\u{061C}'                      // Arabic letter mark
        | '\u{200C}'..='\u{200F}'       // zero-width non-joiner and joiner, direction marks
        | '\u{FE00}'..='\u{FE0F}'       // variation selectors
    )
}

/// Combining marks of the main combining blocks: they show only on a base character, so a
/// text of them alone shows nothing.
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Bidirectional embeddings, overrides and isolates (not the plain marks LRM, RLM and ALM, which
/// right-to-left text legitimately uses).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// What makes one kind of text a type: its struct, the checks of [`clean`] with its rules
/// (`rules` builds a [`Kind`] with `legacy` as given), and its common traits. Each type's public
/// methods (`new`, `as_str`, `MAX_CHARS`) are written out below it, so that they read and link
/// as plain code.
macro_rules! text_type {
    (
        $(#[$meta:meta])*
        $name:ident, $field:expr, multiline = $multi:expr, identity = $identity:expr
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl $name {
            /// `text`, checked by the rules of this type (`legacy`: as a record of format 0
            /// is read).
            fn validated(text: &str, legacy: bool) -> Result<Self, ValidationError> {
                let kind = Kind {
                    multiline: $multi,
                    identity: $identity,
                    legacy,
                };
                clean($field, text, Self::MAX_CHARS, kind).map(|t| Self(Arc::from(t)))
            }

            /// The [`ERASED_TEXT`](crate::ERASED_TEXT) tombstone, which is valid for every text
            /// field.
            #[allow(dead_code)]
            pub(crate) fn erased() -> Self {
                Self(Arc::from(ERASED_TEXT))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&&*self.0).finish()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, ValidationError> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;
            fn try_from(s: &str) -> Result<Self, ValidationError> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, ValidationError> {
                Self::new(s)
            }
        }

        impl Serialize for $name {
            fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Validates like [`new`](Self::new); inside a record of format 0, text with
            /// invisible characters (which format 0 accepted) is still read.
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                match Self::validated(&raw, false) {
                    Err(ValidationError::InvisibleCharacter { .. } | ValidationError::NothingVisible { .. })
                        if crate::format::accept_legacy_text() =>
                    {
                        Self::validated(&raw, true).map_err(serde::de::Error::custom)
                    }
                    other => other.map_err(serde::de::Error::custom),
                }
            }
        }
    };
}

text_type!(
    /// A person's name, as they write it (at most 200 characters).
    PersonName, Field::PersonName, multiline = false, identity = true
);

impl PersonName {
    /// The most characters a person's name may hold.
    pub const MAX_CHARS: usize = 200;

    /// Validates `text` as a person's name: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters; as text that identifies someone or something, no joiners,
    /// direction marks or variation selectors either (see the text policy in `SECURITY.md`).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::PersonName`].
    pub fn new(text: impl AsRef<str>) -> Result<PersonName, ValidationError> {
        PersonName::validated(text.as_ref(), false)
    }

    /// The name, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// An organization's name (at most 200 characters).
    OrganizationName, Field::OrganizationName, multiline = false, identity = true
);

impl OrganizationName {
    /// The most characters an organization's name may hold.
    pub const MAX_CHARS: usize = 200;

    /// Validates `text` as an organization's name: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters; as text that identifies someone or something, no joiners,
    /// direction marks or variation selectors either (see the text policy in `SECURITY.md`).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::OrganizationName`].
    pub fn new(text: impl AsRef<str>) -> Result<OrganizationName, ValidationError> {
        OrganizationName::validated(text.as_ref(), false)
    }

    /// The name, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// A person's job title, e.g. "Head of Procurement" (at most 200 characters).
    JobTitle, Field::JobTitle, multiline = false, identity = true
);

impl JobTitle {
    /// The most characters a job title may hold.
    pub const MAX_CHARS: usize = 200;

    /// Validates `text` as a job title: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters; as text that identifies someone or something, no joiners,
    /// direction marks or variation selectors either (see the text policy in `SECURITY.md`).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::JobTitle`].
    pub fn new(text: impl AsRef<str>) -> Result<JobTitle, ValidationError> {
        JobTitle::validated(text.as_ref(), false)
    }

    /// The title, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// A one-line summary: what a lead is interested in, what a proposal offers (at most 500
    /// characters).
    Summary, Field::Summary, multiline = false, identity = false
);

impl Summary {
    /// The most characters a summary may hold.
    pub const MAX_CHARS: usize = 500;

    /// Validates `text` as a summary: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters (see the text policy in `SECURITY.md`).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::Summary`].
    pub fn new(text: impl AsRef<str>) -> Result<Summary, ValidationError> {
        Summary::validated(text.as_ref(), false)
    }

    /// The summary, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// A requirement identified while qualifying a lead, e.g. "SSO with the customer's IdP"
    /// (at most 500 characters).
    Requirement, Field::Requirement, multiline = false, identity = false
);

impl Requirement {
    /// The most characters a requirement may hold.
    pub const MAX_CHARS: usize = 500;

    /// Validates `text` as a requirement: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters (see the text policy in `SECURITY.md`).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::Requirement`].
    pub fn new(text: impl AsRef<str>) -> Result<Requirement, ValidationError> {
        Requirement::validated(text.as_ref(), false)
    }

    /// The requirement, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// An organization's industry, in the application's words, e.g. `"Retail"` (at most 100
    /// characters).
    Industry, Field::Industry, multiline = false, identity = false
);

impl Industry {
    /// The most characters an industry may hold.
    pub const MAX_CHARS: usize = 100;

    /// Validates `text` as an industry: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters (see the text policy in `SECURITY.md`).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::Industry`].
    pub fn new(text: impl AsRef<str>) -> Result<Industry, ValidationError> {
        Industry::validated(text.as_ref(), false)
    }

    /// The industry, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// A free-text note; may span several lines (at most 4000 characters).
    Note, Field::Note, multiline = true, identity = false
);

impl Note {
    /// The most characters a note may hold.
    pub const MAX_CHARS: usize = 4000;

    /// Validates `text` as a note: trimmed, not empty, may span several lines, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters (see the text policy in `SECURITY.md`).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::Note`].
    pub fn new(text: impl AsRef<str>) -> Result<Note, ValidationError> {
        Note::validated(text.as_ref(), false)
    }

    /// The note, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// A reference to a document, e.g. a contract number (at most 100 characters).
    Reference, Field::Reference, multiline = false, identity = true
);

impl Reference {
    /// The most characters a reference may hold.
    pub const MAX_CHARS: usize = 100;

    /// Validates `text` as a reference: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters; as text that identifies someone or something, no joiners,
    /// direction marks or variation selectors either (see the text policy in `SECURITY.md`).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::Reference`].
    pub fn new(text: impl AsRef<str>) -> Result<Reference, ValidationError> {
        Reference::validated(text.as_ref(), false)
    }

    /// The reference, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// A user of the CRM: the owner of a record or the actor of a transition, e.g. `"alice"` or
    /// `"import:webform"` (at most 128 characters).
    ///
    User, Field::User, multiline = false, identity = true
);

impl User {
    /// The most characters a user may hold.
    pub const MAX_CHARS: usize = 128;

    /// Validates `text` as a user: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters; as text that identifies someone or something, no joiners,
    /// direction marks or variation selectors either (see the text policy in `SECURITY.md`).
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::User`].
    pub fn new(text: impl AsRef<str>) -> Result<User, ValidationError> {
        User::validated(text.as_ref(), false)
    }

    /// The user's name, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The byte-wise checks of trimmed ASCII text (what `clean` gives them) give exactly the
        /// results, errors included, of the character-wise checks that any text goes through.
        #[test]
        fn ascii_checks_agree_with_char_checks(
            text in "[\\x00-\\x7f]{1,40}",
            max in 1usize..48,
            multiline: bool,
            identity: bool,
        ) {
            let text = text.trim();
            prop_assume!(!text.is_empty());
            let kind = Kind { multiline, identity, legacy: false };
            prop_assert_eq!(
                clean_ascii(Field::Note, text, max, multiline),
                clean_chars(Field::Note, text, max, kind)
            );
        }
    }
}
