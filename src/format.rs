//! The format of stored records: the version every record is written with, and what reading
//! a record of an older format allows (so that strictness added in a format never refuses a
//! record written before it).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::RecordError;
use crate::kind::RecordKind;

/// The format of stored records this version of the crate writes, and the newest it reads.
///
/// Every record is serialised with a `"format"` field. A record of an older format (format 0:
/// written before the field existed) is read, and written back in this format; a record of a
/// newer format is refused with an error saying that a newer version of `prospect` wrote it,
/// so that a stricter reader never misreads what a newer writer meant.
///
/// - 0: before the field.
/// - 1: the field; leads, opportunities and accounts may say `"erased": true`; unknown fields
///   and duplicate keys are refused.
/// - 2: edits are entries of a record's history (hand-offs, revisions, revised proposals,
///   overrides, a contact's corrections, an account's hand-offs): a reader of format 1 would
///   not know them.
/// - 3: a deal keeps one currency (every amount of an opportunity's history is in its budget's
///   currency) and every revision changes something; organizations, activities and tasks
///   (which never had a format 0) must say their format. A record of format 2 that breaks the
///   first two still reads (the crate before format 3 could write it), and is written back in
///   format 2.
pub const RECORD_FORMAT: u32 = 3;

/// The `"format"` field of a stored record: written as [`RECORD_FORMAT`], read as any format up
/// to it (absent: 0), a newer one refused. Zero-sized.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Format;

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(RECORD_FORMAT)
    }
}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let format = u32::deserialize(d)?;
        if format > RECORD_FORMAT {
            return Err(serde::de::Error::custom(format_args!(
                "format: the record is of format {format}, written by a newer version of \
                 prospect; this version reads formats up to {RECORD_FORMAT}"
            )));
        }
        READING.with(|r| r.set(Reading { format, ..r.get() }));
        Ok(Format)
    }
}

/// What is known of the record being read on this thread: its format (0 until its `"format"`
/// field says otherwise), and whether text that only format 0 accepts was read in it.
#[derive(Debug, Clone, Copy)]
struct Reading {
    format: u32,
    legacy_text: bool,
}

thread_local! {
    /// Outside a record, text is read by the rules of the current format.
    static READING: std::cell::Cell<Reading> = const {
        std::cell::Cell::new(Reading { format: RECORD_FORMAT, legacy_text: false })
    };
}

/// The reading of one record, so that strictness added in a format never refuses a record of an
/// older one: text that format 0 accepted (invisible characters) still reads in a record of
/// format 0, and is refused in a newer one, wherever its `"format"` field stands.
pub(crate) struct ReadingRecord {
    previous: Reading,
}

impl ReadingRecord {
    /// Starts reading a record: of format 0 until its `"format"` field is read.
    pub(crate) fn start() -> ReadingRecord {
        let previous = READING.with(|r| {
            r.replace(Reading {
                format: 0,
                legacy_text: false,
            })
        });
        ReadingRecord { previous }
    }

    /// The record's format, once its fields are read.
    ///
    /// # Errors
    ///
    /// For a record of `kind` of format 1 or newer that holds text only format 0 accepts.
    pub(crate) fn finish(&self, kind: RecordKind) -> Result<u32, RecordError> {
        let reading = READING.with(std::cell::Cell::get);
        if reading.format >= 1 && reading.legacy_text {
            return Err(RecordError::Invariant {
                record: kind,
                field: "text",
                problem: "holds invisible or format characters, which only records of format 0 \
                          may",
            });
        }
        Ok(reading.format)
    }
}

impl Drop for ReadingRecord {
    fn drop(&mut self) {
        READING.with(|r| r.set(self.previous));
    }
}

/// Whether text refused only for invisible characters may be read anyway: inside a record that
/// may be of format 0 (which is then noted, so that a newer format refuses it).
pub(crate) fn accept_legacy_text() -> bool {
    READING.with(|r| {
        let reading = r.get();
        let legacy = reading.format == 0;
        if legacy {
            r.set(Reading {
                legacy_text: true,
                ..reading
            });
        }
        legacy
    })
}
