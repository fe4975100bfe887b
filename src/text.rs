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
//! those characters and combining marks are left out.
//!
//! Text that identifies (names, user ids, references, job titles) takes the zero-width
//! non-joiner and joiner only where they change how a word is written, by the rules of Unicode's
//! identifier standard (UAX #31, section 2.3): a non-joiner between two letters of a joining
//! script (Arabic, Persian, Syriac, N'Ko, Mongolian) that would otherwise join, as in the Persian
//! name علی‌رضا; a non-joiner or joiner after a virama (Devanagari and the other Indic scripts).
//! Display names (a person's or an organization's name, a job title) also take emoji sequences:
//! a joiner between two pictographs (👩‍💻) and a variation selector after one (❤️). Anywhere else
//! those characters, direction marks and variation selectors are refused
//! ([`is_identity_invisible`]): with them, `"alice"` and `"ali\u{200D}ce"` would look the same.
//! Free text (summaries, notes, requirements) takes them anywhere.
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
    identity: Identity::Id,
    legacy: false,
};

/// What a text field accepts beyond the common rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind {
    /// Line breaks and tabs allowed (notes).
    pub(crate) multiline: bool,
    /// Whether the text identifies someone or something, and how.
    pub(crate) identity: Identity,
    /// The rules of records of format 0: invisible characters and text with nothing visible
    /// are accepted.
    pub(crate) legacy: bool,
}

/// Whether a text identifies someone or something: where the joiners, direction marks and
/// variation selectors that free text may hold anywhere are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identity {
    /// Free text (summaries, notes): anywhere.
    No,
    /// An id (a user, a reference): the joiners where UAX #31 allows them in identifiers.
    Id,
    /// A display name (a person's, an organization's, a job title): as an id, and emoji
    /// sequences.
    Name,
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
    for (position, (at, c)) in text.char_indices().enumerate() {
        if is_bidi_control(c) {
            return Err(ValidationError::BidiControl { field, position });
        }
        if c.is_control() && !(kind.multiline && matches!(c, '\n' | '\r' | '\t')) {
            return Err(ValidationError::ControlCharacter { field, position });
        }
        let refused = if is_invisible(c) {
            !(kind.identity == Identity::Name && in_emoji_tag_sequence(text, at))
        } else if kind.identity != Identity::No && is_identity_invisible(c) {
            !joiner_in_context(text, at, kind.identity)
        } else {
            false
        };
        if refused && !kind.legacy {
            return Err(ValidationError::InvisibleCharacter { field, position });
        }
        visible |= !(c.is_whitespace()
            || c.is_control()
            || is_invisible(c)
            || is_identity_invisible(c)
            || is_combining_mark(c));
    }
    if !visible && !kind.legacy {
        return Err(ValidationError::NothingVisible { field });
    }
    Ok(text)
}

/// Whether the joiner, mark or selector at byte `at` of `text` changes how the text around it is
/// written, so that text that identifies may hold it (UAX #31, section 2.3, and, for display
/// names, emoji sequences):
///
/// - a zero-width non-joiner between a letter that joins to what follows and one that joins to
///   what precedes (transparent marks between them skipped): rule A1, Arabic-type scripts;
/// - a zero-width non-joiner or joiner right after a virama (its combining marks skipped): rules
///   A2 and B, Indic scripts;
/// - in display names, a joiner between two pictographs (each with its modifiers and selector),
///   and a variation selector right after a pictograph.
///
/// Direction marks and the Arabic letter mark are never allowed in text that identifies.
fn joiner_in_context(text: &str, at: usize, identity: Identity) -> bool {
    let Some(c) = text[at..].chars().next() else {
        return false;
    };
    let before = text[..at].chars().rev();
    let after = text[at + c.len_utf8()..].chars();
    match c {
        '\u{200C}' => {
            let joins_left = before
                .clone()
                .find(|c| !is_transparent(*c))
                .is_some_and(joins_to_next);
            let joins_right = after
                .clone()
                .find(|c| !is_transparent(*c))
                .is_some_and(joins_to_previous);
            (joins_left && joins_right) || after_virama(text, at)
        }
        '\u{200D}' => {
            after_virama(text, at)
                || (identity == Identity::Name
                    && before
                        .clone()
                        .find(|c| !is_emoji_modifier(*c))
                        .is_some_and(is_pictographic)
                    && after.clone().next().is_some_and(is_pictographic))
        }
        '\u{FE0E}' | '\u{FE0F}' => {
            identity == Identity::Name && before.clone().next().is_some_and(is_pictographic)
        }
        _ => false,
    }
}

/// Whether the character at byte `at` of `text` follows a virama, with only combining marks
/// between them.
fn after_virama(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .rev()
        .find(|c| is_virama(*c) || !is_combining_mark(*c))
        .is_some_and(is_virama)
}

/// Whether the character at byte `at` of `text`, a tag character, belongs to an emoji tag
/// sequence (a subdivision flag: the black flag, tag letters, the cancel tag), which a display
/// name may hold.
fn in_emoji_tag_sequence(text: &str, at: usize) -> bool {
    let is_tag = |c: char| ('\u{E0020}'..='\u{E007F}').contains(&c);
    text[at..].chars().next().is_some_and(is_tag)
        && text[..at].chars().rev().find(|c| !is_tag(*c)) == Some('\u{1F3F4}')
}

/// Letters of the joining scripts that join to the letter before them and not to the one after
/// (joining type R: alef, dal, reh, waw, ...), from Unicode's ArabicShaping.txt.
fn is_right_joining(c: char) -> bool {
    matches!(c,
        '\u{0622}'..='\u{0625}' | '\u{0627}' | '\u{0629}' | '\u{062F}'..='\u{0632}'
        | '\u{0648}' | '\u{0671}'..='\u{0673}' | '\u{0675}'..='\u{0677}'
        | '\u{0688}'..='\u{0699}' | '\u{06C0}' | '\u{06C3}'..='\u{06CB}' | '\u{06CD}'
        | '\u{06CF}' | '\u{06D2}' | '\u{06D3}' | '\u{06D5}' | '\u{06EE}' | '\u{06EF}'
        | '\u{0759}'..='\u{075B}' | '\u{076B}' | '\u{076C}' | '\u{0771}' | '\u{0773}'
        | '\u{0774}' | '\u{0778}' | '\u{0779}' | '\u{08AA}'..='\u{08AC}' | '\u{08AE}'
        | '\u{08B1}' | '\u{08B2}' | '\u{08B9}'
        | '\u{0710}' | '\u{0715}'..='\u{0719}' | '\u{071E}' | '\u{0728}' | '\u{072A}'
        | '\u{072C}' | '\u{072F}' | '\u{074D}'
    )
}

/// Letters of the joining scripts (Arabic, Syriac, N'Ko, Mongolian) that join to a neighbour:
/// dual-joining ones (and the tatweel) join on both sides, right-joining ones
/// ([`is_right_joining`]) to the letter before them only. The hamza and the high hamza join
/// nothing.
fn is_joining_letter(c: char) -> bool {
    matches!(c,
        '\u{0620}' | '\u{0622}'..='\u{064A}' | '\u{066E}' | '\u{066F}' | '\u{0671}'..='\u{0673}'
        | '\u{0675}'..='\u{06D3}' | '\u{06D5}' | '\u{06EE}' | '\u{06EF}' | '\u{06FA}'..='\u{06FC}'
        | '\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08C8}'
        | '\u{0710}' | '\u{0712}'..='\u{072F}' | '\u{074D}'..='\u{074F}'
        | '\u{07CA}'..='\u{07EA}' | '\u{1820}'..='\u{1878}' | '\u{1887}'..='\u{18A8}'
    )
}

/// Joins to the letter that follows it (joining types D and L, and the tatweel).
fn joins_to_next(c: char) -> bool {
    is_joining_letter(c) && !is_right_joining(c)
}

/// Joins to the letter that precedes it (joining types D and R, and the tatweel).
fn joins_to_previous(c: char) -> bool {
    is_joining_letter(c)
}

/// Marks that joining passes over (joining type T): the combining marks, the Arabic harakat and
/// Quranic marks.
fn is_transparent(c: char) -> bool {
    is_combining_mark(c)
        || matches!(c,
            '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}'
            | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E4}' | '\u{06E7}' | '\u{06E8}'
            | '\u{06EA}'..='\u{06ED}' | '\u{0711}' | '\u{0730}'..='\u{074A}'
            | '\u{07EB}'..='\u{07F3}' | '\u{08CA}'..='\u{08E1}' | '\u{08E3}'..='\u{08FF}'
        )
}

/// The viramas (canonical combining class 9) of the scripts whose conjuncts the joiners shape:
/// Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada, Malayalam, Sinhala,
/// Thai, Lao, Tibetan, Myanmar, Tagalog, Khmer, Balinese, Sundanese and others.
fn is_virama(c: char) -> bool {
    matches!(
        c,
        '\u{094D}'
            | '\u{09CD}'
            | '\u{0A4D}'
            | '\u{0ACD}'
            | '\u{0B4D}'
            | '\u{0BCD}'
            | '\u{0C4D}'
            | '\u{0CCD}'
            | '\u{0D3B}'
            | '\u{0D3C}'
            | '\u{0D4D}'
            | '\u{0DCA}'
            | '\u{0E3A}'
            | '\u{0EBA}'
            | '\u{0F84}'
            | '\u{1039}'
            | '\u{103A}'
            | '\u{1714}'
            | '\u{1715}'
            | '\u{1734}'
            | '\u{17D2}'
            | '\u{1A60}'
            | '\u{1B44}'
            | '\u{1BAA}'
            | '\u{1BAB}'
            | '\u{1BF2}'
            | '\u{1BF3}'
            | '\u{2D7F}'
            | '\u{A806}'
            | '\u{A82C}'
            | '\u{A8C4}'
            | '\u{A953}'
            | '\u{A9C0}'
            | '\u{AAF6}'
            | '\u{ABED}'
            | '\u{10A3F}'
            | '\u{11046}'
            | '\u{11070}'
            | '\u{1107F}'
            | '\u{110B9}'
            | '\u{11133}'
            | '\u{11134}'
            | '\u{111C0}'
            | '\u{11235}'
            | '\u{112EA}'
            | '\u{1134D}'
            | '\u{11442}'
            | '\u{114C2}'
            | '\u{115BF}'
            | '\u{1163F}'
            | '\u{116B6}'
            | '\u{1172B}'
            | '\u{11839}'
            | '\u{1193D}'
            | '\u{1193E}'
            | '\u{119E0}'
            | '\u{11A34}'
            | '\u{11A47}'
            | '\u{11A99}'
            | '\u{11C3F}'
            | '\u{11D44}'
            | '\u{11D45}'
            | '\u{11D97}'
            | '\u{11F41}'
            | '\u{11F42}'
    )
}

/// Pictographs that emoji are made of (Unicode's Extended_Pictographic, by its blocks: symbols,
/// arrows, dingbats, the emoji planes), and the keycap bases' combining keycap.
fn is_pictographic(c: char) -> bool {
    matches!(c,
        '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2190}'..='\u{21FF}' | '\u{2300}'..='\u{23FF}' | '\u{25A0}'..='\u{25FF}'
        | '\u{2600}'..='\u{27BF}' | '\u{2900}'..='\u{297F}' | '\u{2B00}'..='\u{2BFF}'
        | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
        | '\u{1F000}'..='\u{1FAFF}' | '\u{1FC00}'..='\u{1FFFD}'
    )
}

/// What may follow a pictograph inside one emoji: the skin-tone modifiers and the variation
/// selectors.
fn is_emoji_modifier(c: char) -> bool {
    matches!(c, '\u{1F3FB}'..='\u{1F3FF}' | '\u{FE0E}' | '\u{FE0F}')
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
        $name:ident, $field:expr, multiline = $multi:expr, identity = $identity:ident
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
                    identity: Identity::$identity,
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
    PersonName, Field::PersonName, multiline = false, identity = Name
);

impl PersonName {
    /// The most characters a person's name may hold.
    pub const MAX_CHARS: usize = 200;

    /// Validates `text` as a person's name: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters; as a display name, zero-width joiners only where they
    /// shape a word (after a virama, or between letters of a joining script: UAX #31) or join
    /// an emoji sequence, variation selectors only after a pictograph, and no direction marks
    /// (see the text policy in `SECURITY.md`).
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
    OrganizationName, Field::OrganizationName, multiline = false, identity = Name
);

impl OrganizationName {
    /// The most characters an organization's name may hold.
    pub const MAX_CHARS: usize = 200;

    /// Validates `text` as an organization's name: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters; as a display name, zero-width joiners only where they
    /// shape a word (after a virama, or between letters of a joining script: UAX #31) or join
    /// an emoji sequence, variation selectors only after a pictograph, and no direction marks
    /// (see the text policy in `SECURITY.md`).
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
    JobTitle, Field::JobTitle, multiline = false, identity = Name
);

impl JobTitle {
    /// The most characters a job title may hold.
    pub const MAX_CHARS: usize = 200;

    /// Validates `text` as a job title: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters; as a display name, zero-width joiners only where they
    /// shape a word (after a virama, or between letters of a joining script: UAX #31) or join
    /// an emoji sequence, variation selectors only after a pictograph, and no direction marks
    /// (see the text policy in `SECURITY.md`).
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
    Summary, Field::Summary, multiline = false, identity = No
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
    Requirement, Field::Requirement, multiline = false, identity = No
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
    Industry, Field::Industry, multiline = false, identity = No
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
    Note, Field::Note, multiline = true, identity = No
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
    Reference, Field::Reference, multiline = false, identity = Id
);

impl Reference {
    /// The most characters a reference may hold.
    pub const MAX_CHARS: usize = 100;

    /// Validates `text` as a reference: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters; as an id, zero-width joiners only where they shape a
    /// word (after a virama, or between letters of a joining script: UAX #31), and no direction
    /// marks or variation selectors (see the text policy in `SECURITY.md`).
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
    User, Field::User, multiline = false, identity = Id
);

impl User {
    /// The most characters a user may hold.
    pub const MAX_CHARS: usize = 128;

    /// Validates `text` as a user: trimmed, not empty, on one line, at most
    /// [`MAX_CHARS`](Self::MAX_CHARS) characters, something visible, no control, bidirectional
    /// override or invisible characters; as an id, zero-width joiners only where they shape a
    /// word (after a virama, or between letters of a joining script: UAX #31), and no direction
    /// marks or variation selectors (see the text policy in `SECURITY.md`).
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

text_type!(
    /// A role of an access policy, e.g. `"rep"` or `"privacy"` (at most 128 characters): what a
    /// principal may do ([`access`](crate::access)).
    Role, Field::Role, multiline = false, identity = Id
);

impl Role {
    /// The most characters a role may hold.
    pub const MAX_CHARS: usize = 128;

    /// Validates `text` as a role, by the rules of a [`User`].
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::Role`].
    pub fn new(text: impl AsRef<str>) -> Result<Role, ValidationError> {
        Role::validated(text.as_ref(), false)
    }

    /// The role's name, as validated.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_type!(
    /// A team of users, e.g. `"emea"` (at most 128 characters): a principal whose role reaches
    /// its team reaches the records of every member ([`access`](crate::access)).
    Team, Field::Team, multiline = false, identity = Id
);

impl Team {
    /// The most characters a team may hold.
    pub const MAX_CHARS: usize = 128;

    /// Validates `text` as a team, by the rules of a [`User`].
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming [`Field::Team`].
    pub fn new(text: impl AsRef<str>) -> Result<Team, ValidationError> {
        Team::validated(text.as_ref(), false)
    }

    /// The team's name, as validated.
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
            identity in proptest::sample::select(vec![Identity::No, Identity::Id, Identity::Name]),
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
