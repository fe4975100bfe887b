//! The custom fields of one record: their values, which of them are personal data, the schema
//! version they were written under, and their edits. Every kind of record but the schema's own
//! holds one [`CustomFields`], the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{FieldKey, FieldValue, FieldValues, SchemaVersion};
use crate::edit::{Change, chained};
use crate::qualification::Qualification;
use crate::text::User;

/// The custom field values of a record and their history.
///
/// A record created with values ([`WithFields`]) holds them from its creation, which its
/// creation entry covers; every later write is a [`FieldEdit`]: who, when, and each field's
/// value before and after.
/// The edits are entries of the record's history like its others: each says how many of the
/// record's own entries came before it ([`FieldEdit::position`]), so the record's history is
/// the two, interleaved in the order they were made, and the store's history check
/// ([`HistoryMark`](crate::store::HistoryMark)) covers both.
///
/// Which values are personal data is copied from the schema when they are written, so that
/// an erasure and a redaction need no schema: they remove the personal values (and their
/// edits' values before and after), and keep the others.
///
/// Empty (no value was ever written) costs one pointer in the record and nothing stored.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CustomFields(Option<Arc<CustomData>>);

/// What a record's [`CustomFields`] hold once a value was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomData {
    /// The schema version of the record's first write of custom values: the required fields
    /// that existed then are required of every later write.
    since: SchemaVersion,
    /// The schema version the values were last written under.
    schema: SchemaVersion,
    values: FieldValues,
    /// The keys whose values are personal data.
    #[serde(default, skip_serializing_if = "Keys::is_empty")]
    personal: Keys,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    edits: Vec<FieldEdit>,
}

static NO_VALUES: FieldValues = FieldValues(BTreeMap::new());

/// A set of keys, as a sorted vector: a record's personal keys are few, and a vector of them
/// is one small allocation where a tree takes a node. Read in any order, with repeats, as a
/// set was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
struct Keys(Vec<FieldKey>);

impl Keys {
    fn contains(&self, key: &FieldKey) -> bool {
        self.0.binary_search(key).is_ok()
    }

    fn insert(&mut self, key: &FieldKey) {
        if let Err(at) = self.0.binary_search(key) {
            self.0.insert(at, key.clone());
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Keys {
    fn from_unsorted(mut keys: Vec<FieldKey>) -> Keys {
        keys.sort_unstable();
        keys.dedup();
        Keys(keys)
    }
}

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Keys, D::Error> {
        Vec::<FieldKey>::deserialize(d).map(Keys::from_unsorted)
    }
}

impl CustomFields {
    /// No custom value.
    pub fn new() -> CustomFields {
        CustomFields::default()
    }

    /// The values as they are now, by key.
    pub fn values(&self) -> &FieldValues {
        self.0.as_ref().map_or(&NO_VALUES, |d| &d.values)
    }

    /// The value of `key`.
    pub fn get(&self, key: &FieldKey) -> Option<&FieldValue> {
        self.values().get(key)
    }

    /// Whether no value was ever written.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The schema version the values were last written under (`None` if none ever was). A
    /// record read under a later version is checked against that later one: changes never
    /// make a written value invalid.
    pub fn schema_version(&self) -> Option<SchemaVersion> {
        self.0.as_ref().map(|d| d.schema)
    }

    /// The schema version of the first write of the record's custom values: the required
    /// fields that existed then must keep a value.
    pub fn since(&self) -> Option<SchemaVersion> {
        self.0.as_ref().map(|d| d.since)
    }

    /// Whether the value of `key` is personal data (as the schema said when it was written).
    pub fn is_personal(&self, key: &FieldKey) -> bool {
        self.0.as_ref().is_some_and(|d| d.personal.contains(key))
    }

    /// The edits, oldest first.
    pub fn edits(&self) -> &[FieldEdit] {
        self.0.as_ref().map_or(&[], |d| d.edits.as_slice())
    }

    /// The values a record is created with, written under `schema`; `personal` lists the
    /// keys of those that hold personal data. Its creation entry covers them: no edit. Empty when there is
    /// no value.
    pub(crate) fn created(
        values: FieldValues,
        personal: Vec<FieldKey>,
        schema: SchemaVersion,
    ) -> CustomFields {
        if values.is_empty() {
            return CustomFields::new();
        }
        CustomFields(Some(Arc::new(CustomData {
            since: schema,
            schema,
            personal: Keys::from_unsorted(personal),
            values,
            edits: Vec::new(),
        })))
    }

    /// These fields after `update`, made at `at` by `by` under `schema` when the record's own
    /// history had `position` entries: the new values and an edit with each updated field's
    /// value before and after (an update to the value a field had is recorded as given).
    pub(crate) fn updated(
        &self,
        update: &FieldUpdate,
        personal: impl Fn(&FieldKey) -> bool,
        schema: SchemaVersion,
        (at, by): (DateTime<Utc>, &User),
        position: usize,
    ) -> CustomFields {
        let mut data = match &self.0 {
            Some(d) => CustomData::clone(d),
            None => CustomData {
                since: schema,
                schema,
                values: FieldValues::new(),
                personal: Keys::default(),
                edits: Vec::new(),
            },
        };
        let mut changes = BTreeMap::new();
        for (key, after) in update.iter() {
            let before = match after {
                Some(value) => data.values.set(key.clone(), value.clone()),
                None => data.values.remove(key),
            };
            if personal(key) {
                data.personal.insert(key);
            }
            changes.insert(key.clone(), Change::new(before, after.cloned()));
        }
        data.schema = schema;
        data.edits.push(FieldEdit {
            at,
            by: by.clone(),
            position: u32::try_from(position).unwrap_or(u32::MAX),
            schema,
            changes,
        });
        CustomFields(Some(Arc::new(data)))
    }

    /// These fields with their personal values removed, in the values and in every edit's
    /// values before and after: what an erasure keeps, and what a redaction shows.
    pub(crate) fn erased(&self) -> CustomFields {
        let Some(data) = &self.0 else {
            return CustomFields::new();
        };
        if data.personal.is_empty() {
            return self.clone();
        }
        let mut data = CustomData::clone(data);
        for key in &data.personal.0 {
            data.values.remove(key);
        }
        for edit in &mut data.edits {
            for (key, change) in &mut edit.changes {
                if data.personal.contains(key) {
                    *change = Change::new(None, None);
                }
            }
        }
        CustomFields(Some(Arc::new(data)))
    }

    /// Whether the fields are consistent with a record whose own history has `own_entries`
    /// entries and which is `erased` or not: the edits in order (positions, schema versions and
    /// times never going back, none past the record's history), each field's changes following each
    /// other and ending in its value, and, once erased, no personal value left.
    ///
    /// # Errors
    ///
    /// What is wrong, to put in the record's error.
    pub(crate) fn check(&self, own_entries: usize, erased: bool) -> Result<(), String> {
        let Some(data) = &self.0 else {
            return Ok(());
        };
        if data.since > data.schema {
            return Err(format!(
                "custom fields first written under {} but last under {}",
                data.since, data.schema
            ));
        }
        let mut last = (0, data.since);
        for (n, edit) in data.edits.iter().enumerate() {
            let here = (edit.position as usize, edit.schema);
            let earlier = n.checked_sub(1).and_then(|p| data.edits.get(p));
            if here.0 < last.0
                || here.1 < last.1
                || here.0 > own_entries
                || here.1 > data.schema
                || earlier.is_some_and(|e| edit.at < e.at)
            {
                return Err(format!(
                    "the custom field edit at position {} under {} is out of order",
                    edit.position, edit.schema
                ));
            }
            last = here;
        }
        let keys: BTreeSet<&FieldKey> = data
            .edits
            .iter()
            .flat_map(|e| e.changes.keys())
            .chain(data.values.iter().map(|(k, _)| k))
            .collect();
        for key in keys {
            let changes = data.edits.iter().filter_map(|e| e.changes.get(key));
            if !chained(changes, &data.values.get(key).cloned()) {
                return Err(format!(
                    "the edits of the custom field {key} do not lead to its value"
                ));
            }
        }
        if erased {
            let personal = |k: &FieldKey| data.personal.contains(k);
            let kept = data.values.iter().any(|(k, _)| personal(k))
                || data.edits.iter().any(|e| {
                    e.changes
                        .iter()
                        .any(|(k, c)| personal(k) && (c.before().is_some() || c.after().is_some()))
                });
            if kept {
                return Err("an erased record still holds personal custom field values".into());
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for CustomFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => f.write_str("CustomFields(none)"),
            Some(data) => std::fmt::Debug::fmt(data, f),
        }
    }
}

impl Serialize for CustomFields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.as_deref().serialize(s)
    }
}

impl<'de> Deserialize<'de> for CustomFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CustomFields, D::Error> {
        Ok(CustomFields(
            Option::<CustomData>::deserialize(d)?.map(Arc::new),
        ))
    }
}

/// One write of a record's custom fields after its creation: an entry of its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldEdit {
    at: DateTime<Utc>,
    by: User,
    position: u32,
    schema: SchemaVersion,
    changes: BTreeMap<FieldKey, Change<Option<FieldValue>>>,
}

impl FieldEdit {
    /// When it was made.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who made it.
    pub fn by(&self) -> &User {
        &self.by
    }

    /// How many of the record's own entries (its creation, transitions, corrections, ...)
    /// came before it: where it sits in the record's history.
    pub fn position(&self) -> usize {
        self.position as usize
    }

    /// The schema version it was made under.
    pub fn schema_version(&self) -> SchemaVersion {
        self.schema
    }

    /// Each field written, with its value before and after (`None`: no value). A personal
    /// field's values are gone once the record is erased.
    pub fn changes(
        &self,
    ) -> impl ExactSizeIterator<Item = (&FieldKey, &Change<Option<FieldValue>>)> {
        self.changes.iter()
    }
}

/// What a write of a record's custom fields sets (`Some`) or clears (`None`), by key; the
/// fields it does not name keep their values.
///
/// As JSON, an object from key to value, `null` to clear:
/// `{"seats": {"type": "integer", "value": 40}, "region": null}`.
///
/// ```
/// use prospect::fields::{FieldKey, FieldUpdate, FieldValue};
/// let update = FieldUpdate::new()
///     .set(FieldKey::new("seats")?, FieldValue::Integer(40))
///     .clear(FieldKey::new("region")?);
/// assert_eq!(update.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldUpdate(BTreeMap<FieldKey, Option<FieldValue>>);

impl FieldUpdate {
    /// An update that changes nothing.
    pub fn new() -> FieldUpdate {
        FieldUpdate::default()
    }

    /// The same update, also setting `key` to `value`.
    #[must_use]
    pub fn set(mut self, key: FieldKey, value: FieldValue) -> FieldUpdate {
        self.0.insert(key, Some(value));
        self
    }

    /// The same update, also clearing `key`.
    #[must_use]
    pub fn clear(mut self, key: FieldKey) -> FieldUpdate {
        self.0.insert(key, None);
        self
    }

    /// Each field written, with its new value (`None`: cleared), in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&FieldKey, Option<&FieldValue>)> {
        self.0.iter().map(|(k, v)| (k, v.as_ref()))
    }

    /// What it writes to `key`: `None` if nothing, `Some(None)` if it clears it.
    pub fn get(&self, key: &FieldKey) -> Option<Option<&FieldValue>> {
        self.0.get(key).map(Option::as_ref)
    }

    /// How many fields it writes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it writes no field.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<FieldValues> for FieldUpdate {
    /// An update setting each of `values`.
    fn from(values: FieldValues) -> FieldUpdate {
        FieldUpdate(values.0.into_iter().map(|(k, v)| (k, Some(v))).collect())
    }
}

/// The input of a step that creates a record, with the custom field values the record is
/// created with: what [`Crm::create_contact`](crate::Crm::create_contact),
/// [`create_organization`](crate::Crm::create_organization),
/// [`open_lead`](crate::Crm::open_lead), [`qualify`](crate::Crm::qualify) (the
/// opportunity's values) and [`win`](crate::Crm::win) (the account's) take. The input alone
/// converts into one with no value, so those steps take it as before.
///
/// The values are checked as a write under the schema in force, every required field of the
/// kind included, and land in the step's own commit: no edit, no event of their own.
///
/// ```
/// use prospect::fields::{FieldKey, FieldValue, FieldValues, WithFields};
/// use prospect::{ContactDetails, LeadSource, Party, PersonName};
/// let details = ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Web);
/// let mut values = FieldValues::new();
/// values.set(FieldKey::new("tier")?, FieldValue::Integer(2));
/// let input = WithFields::new(details, values);
/// assert_eq!(input.values().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithFields<T> {
    input: T,
    values: FieldValues,
    /// The pipeline a qualification puts its opportunity in.
    pipeline: Option<FieldKey>,
}

impl<T> WithFields<T> {
    /// `input`, the record it makes created with `values`.
    pub fn new(input: T, values: FieldValues) -> WithFields<T> {
        WithFields {
            input,
            values,
            pipeline: None,
        }
    }

    /// The step's input.
    pub fn input(&self) -> &T {
        &self.input
    }

    /// The values.
    pub fn values(&self) -> &FieldValues {
        &self.values
    }

    /// The input and the values.
    pub fn into_parts(self) -> (T, FieldValues) {
        (self.input, self.values)
    }
}

impl WithFields<Qualification> {
    /// The same qualification, whose opportunity belongs to `pipeline`: it is created in the
    /// pipeline's first current stage inside `Discovery`, and every typed step then places it
    /// in the pipeline's first current stage inside the backbone stage it enters
    /// ([`Crm::move_stage`](crate::Crm::move_stage) moves it between them). Without it, the
    /// opportunity is in no pipeline (it can join one by a move).
    ///
    /// ```
    /// use prospect::Qualification;
    /// use prospect::fields::{FieldError, FieldKey, WithFields};
    /// fn renewal(q: Qualification) -> Result<WithFields<Qualification>, FieldError> {
    ///     Ok(WithFields::from(q).in_pipeline(FieldKey::new("renewals")?))
    /// }
    /// ```
    #[must_use]
    pub fn in_pipeline(self, pipeline: FieldKey) -> WithFields<Qualification> {
        WithFields {
            pipeline: Some(pipeline),
            ..self
        }
    }

    /// The pipeline the opportunity is put in, if one was given.
    pub fn pipeline(&self) -> Option<&FieldKey> {
        self.pipeline.as_ref()
    }
}

impl<T> From<T> for WithFields<T> {
    /// `input` with no value.
    fn from(input: T) -> WithFields<T> {
        WithFields::new(input, FieldValues::new())
    }
}
