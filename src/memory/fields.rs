//! The field index of [`MemoryStore`](super::MemoryStore): the terms of records' custom values
//! ([`Record::field_terms`]), per kind and field, each kind of term in the structure that
//! answers its match: the records of a picklist option or of a boolean in an ordered set of
//! ids (a page reads them in id order and stops), dates and references in ordered sets of
//! pairs (a range of days; the records referring to one record).

use std::ops::Bound;

use chrono::NaiveDate;
use hashbrown::HashMap;

use super::indexes::in_id_order;
use super::newest::NewestFirst;
use crate::custom::{FieldKey, FieldValue};
use crate::kind::RecordKind;
use crate::record::Record;
use crate::store::FieldMatch;

/// The terms of one field of one kind.
#[derive(Debug, Default)]
struct FieldIndex {
    /// Ids by picklist option (options are few: a set each).
    options: HashMap<FieldKey, NewestFirst<u128>>,
    /// Ids whose value is `false`, then `true`.
    booleans: [NewestFirst<u128>; 2],
    /// `(day, id)`.
    days: NewestFirst<(NaiveDate, u128)>,
    /// `(the record referred to, id)`: most records are referred to by few (no set each).
    references: NewestFirst<(u128, u128)>,
}

impl FieldIndex {
    /// Enters `id` under `option` (`add`), or removes it (and the option's set once empty).
    fn option(&mut self, option: &FieldKey, id: u128, add: bool) {
        match self.options.get_mut(option) {
            Some(ids) => {
                ids.enter(id, add);
                if ids.is_empty() {
                    self.options.remove(option);
                }
            }
            None if add => self
                .options
                .entry(option.clone())
                .or_default()
                .enter(id, add),
            None => {}
        }
    }
}

/// A look-up key of [`FieldIndexes`] that borrows its field: hashed and compared as the
/// `(kind, field)` it stands for.
#[derive(Hash)]
struct FieldOf<'a>(RecordKind, &'a FieldKey);

impl hashbrown::Equivalent<(RecordKind, FieldKey)> for FieldOf<'_> {
    fn equivalent(&self, key: &(RecordKind, FieldKey)) -> bool {
        self.0 == key.0 && *self.1 == key.1
    }
}

/// Every field's index, by kind and field.
#[derive(Debug, Default)]
pub(super) struct FieldIndexes(HashMap<(RecordKind, FieldKey), FieldIndex>);

impl FieldIndexes {
    /// Adds `record`'s terms (`add`) or removes them: those of [`Record::field_terms`], read
    /// from the values in place (no term is made: a commit enters every value of every record
    /// it creates, and a property test checks this index against the terms).
    pub(super) fn enter(&mut self, record: &Record, add: bool) {
        let Some(custom) = record.custom_fields().filter(|c| !c.is_empty()) else {
            return;
        };
        let (kind, id) = (record.kind(), record.id().as_uuid().as_u128());
        for (field, value) in custom.values().iter() {
            let indexed = matches!(
                value,
                FieldValue::Picklist(_)
                    | FieldValue::MultiPicklist(_)
                    | FieldValue::Boolean(_)
                    | FieldValue::Date(_)
                    | FieldValue::Reference(_)
            );
            if !indexed {
                continue;
            }
            let index = match self.0.get_mut(&FieldOf(kind, field)) {
                Some(index) => index,
                None if add => self.0.entry((kind, field.clone())).or_default(),
                None => continue,
            };
            match value {
                FieldValue::Picklist(option) => index.option(option, id, add),
                FieldValue::MultiPicklist(options) => {
                    for option in options {
                        index.option(option, id, add);
                    }
                }
                FieldValue::Boolean(b) => index.booleans[usize::from(*b)].enter(id, add),
                FieldValue::Date(day) => index.days.enter((*day, id), add),
                FieldValue::Reference(to) => {
                    index.references.enter((to.as_uuid().as_u128(), id), add);
                }
                FieldValue::Text(_)
                | FieldValue::Integer(_)
                | FieldValue::Decimal { .. }
                | FieldValue::Money(_) => {}
            }
        }
    }

    /// The ids of `kind`'s records whose `field` `matching` may accept, after `start`, in id
    /// order (the caller checks each against the whole query).
    pub(super) fn candidates<'a>(
        &'a self,
        kind: RecordKind,
        field: &FieldKey,
        matching: &FieldMatch,
        start: Bound<u128>,
    ) -> Box<dyn Iterator<Item = u128> + 'a> {
        let none = || -> Box<dyn Iterator<Item = u128> + 'a> { Box::new(std::iter::empty()) };
        let Some(index) = self.0.get(&FieldOf(kind, field)) else {
            return none();
        };
        let after = |ids: &'a NewestFirst<u128>| -> Box<dyn Iterator<Item = u128> + 'a> {
            Box::new(ids.after(start))
        };
        match matching {
            FieldMatch::Picklist(option) => index.options.get(option).map_or_else(none, after),
            FieldMatch::Boolean(b) => after(&index.booleans[usize::from(*b)]),
            FieldMatch::Reference(to) => {
                let to = to.as_uuid().as_u128();
                let from = match start {
                    Bound::Excluded(id) => Bound::Excluded((to, id)),
                    _ => Bound::Included((to, 0)),
                };
                let range = index
                    .references
                    .range(from, Bound::Included((to, u128::MAX)));
                Box::new(range.map(|(_, id)| id))
            }
            FieldMatch::DateBetween(first, last) if first <= last => {
                let days = index.days.range(
                    Bound::Included((*first, 0)),
                    Bound::Included((*last, u128::MAX)),
                );
                let ids = days.map(|(_, id)| id).collect();
                Box::new(in_id_order(ids, start))
            }
            FieldMatch::DateBetween(..) => none(),
        }
    }
}
