//! The secondary indexes of [`MemoryStore`](super::MemoryStore): ordered sets of ids, so that
//! a listing pages in id order without scanning every record.
//!
//! Ids are kept as `u128` (which compare fast), in sets kept newest first ([`NewestFirst`],
//! where entering a new id costs a comparison a level). An index whose key is another record
//! (the contact, the organization, the record an activity is about) is one set of pairs per
//! kind, `(that record, this record)`, rather than a set per key: a contact's records take one
//! entry each in a set shared by every contact, not a set (and a node) of their own.

use std::collections::BTreeMap;
use std::ops::Bound;

use chrono::NaiveDate;
use hashbrown::HashMap;
use uuid::Uuid;

use crate::duplicates;
use crate::email::EmailAddress;
use crate::id::{ContactId, OrganizationId};
use crate::kind::RecordKind;
use crate::organization::Domain;
use crate::record::{Record, RecordId, RecordState};
use crate::store::{Cursor, Query};

use super::fields::FieldIndexes;
use super::keys::KeyIndex;
use super::newest::NewestFirst;
use super::sorted::{Sorted, enter_under};
use crate::text::User;

/// `(the record a key names, the record indexed)`.
type Pair = (u128, u128);

/// An id as two halves, the high one first: they order as the id does and need no 16-byte
/// alignment, so that a time and an id take 24 bytes rather than 32.
pub(super) type Halves = (u64, u64);

/// `id` as [`Halves`].
pub(super) fn halves(id: u128) -> Halves {
    ((id >> 64) as u64, id as u64)
}

/// The id of `halves`.
pub(super) fn whole((high, low): Halves) -> u128 {
    (u128::from(high) << 64) | u128::from(low)
}

#[derive(Debug, Default)]
pub(super) struct Indexes {
    /// Ids by state; a kind's records are those of its states. (A state is found by its hash:
    /// an ordered map compared the nested enums key by key at every step.)
    by_state: HashMap<RecordState, NewestFirst<u128>>,
    /// Ids by owner, then kind (owners are few; each has a set per kind).
    by_owner: HashMap<User, BTreeMap<RecordKind, NewestFirst<u128>>>,
    /// Ids of the records nobody owns, by kind.
    unowned: BTreeMap<RecordKind, NewestFirst<u128>>,
    /// Contacts by email (`EmailAddress` hashes and compares its normalised form), in id
    /// order: one contact per address, usually, kept inline.
    by_email: HashMap<EmailAddress, Sorted<ContactId>>,
    /// Activities and tasks by the record they are about: by that record's kind, then pairs.
    by_regarding: BTreeMap<RecordKind, NewestFirst<Pair>>,
    /// Records by kind, then pairs of their contact ([`Record::contact`]) and their id.
    by_contact: BTreeMap<RecordKind, NewestFirst<Pair>>,
    /// Contacts and accounts by kind, then pairs of their organization and their id.
    by_organization: BTreeMap<RecordKind, NewestFirst<Pair>>,
    /// Records by kind, then the second of their creation ([`Record::created_at`]): a whole
    /// number compares faster than a time, and the listing checks the exact time.
    by_created: BTreeMap<RecordKind, NewestFirst<(i64, Halves)>>,
    /// Opportunities by expected close.
    by_close: NewestFirst<(NaiveDate, Halves)>,
    /// Organizations by domain, in id order (usually one per domain, kept inline).
    by_domain: HashMap<Domain, Sorted<OrganizationId>>,
    /// Records by their custom fields' terms ([`Record::field_terms`]).
    by_field: FieldIndexes,
    /// Contacts and organizations by kind, then by the hash of each of their duplicate keys
    /// ([`Record::duplicate_keys`]). The listing checks the key itself, so a collision costs a
    /// look, not a wrong answer.
    by_duplicate_key: BTreeMap<RecordKind, KeyIndex>,
}

fn key(record: &Record) -> u128 {
    record.id().as_uuid().as_u128()
}

/// The ids paired with `of` in `set`, after `start`, in order.
fn paired(
    set: &NewestFirst<Pair>,
    of: u128,
    start: Bound<u128>,
) -> impl Iterator<Item = u128> + '_ {
    let from = match start {
        Bound::Excluded(id) => Bound::Excluded((of, id)),
        _ => Bound::Included((of, 0)),
    };
    set.range(from, Bound::Included((of, u128::MAX)))
        .map(|(_, id)| id)
}

/// How many records the sets of every kind pair with `of`.
fn count_paired(sets: &BTreeMap<RecordKind, NewestFirst<Pair>>, of: Uuid) -> usize {
    let of = of.as_u128();
    sets.values()
        .map(|set| paired(set, of, Bound::Unbounded).count())
        .sum()
}

/// `ids` (a range of an index by something else than the id) after `start`, put in id order:
/// every one of them, as the rest of the query may pass over some.
pub(super) fn in_id_order(mut ids: Vec<u128>, start: Bound<u128>) -> std::vec::IntoIter<u128> {
    if let Bound::Excluded(after) = start {
        ids.retain(|id| *id > after);
    }
    ids.sort_unstable();
    ids.into_iter()
}

/// An index: adds a record's entries to it (`true`) or removes them.
type Index = fn(&mut Indexes, &Record, bool);

/// Every index.
const INDEXES: [Index; 9] = [
    Indexes::state,
    Indexes::owner,
    Indexes::email,
    Indexes::regarding,
    Indexes::contact,
    Indexes::organization,
    Indexes::times,
    Indexes::fields,
    Indexes::duplicate_keys,
];

impl Indexes {
    fn state(&mut self, record: &Record, add: bool) {
        let set = self.by_state.entry(record.state()).or_default();
        set.enter(key(record), add);
    }

    fn owner(&mut self, record: &Record, add: bool) {
        let kinds = match record.owner() {
            None => &mut self.unowned,
            Some(owner) => match self.by_owner.get_mut(owner) {
                Some(kinds) => kinds,
                None => self.by_owner.entry(owner.clone()).or_default(),
            },
        };
        kinds
            .entry(record.kind())
            .or_default()
            .enter(key(record), add);
        if let (Some(owner), false) = (record.owner(), add) {
            if self
                .by_owner
                .get(owner)
                .is_some_and(|kinds| kinds.values().all(NewestFirst::is_empty))
            {
                self.by_owner.remove(owner);
            }
        }
    }

    fn email(&mut self, record: &Record, add: bool) {
        if let (Record::Contact(c), Some(email)) = (record, record.email()) {
            enter_under(&mut self.by_email, email, c.id(), add);
        }
    }

    fn regarding(&mut self, record: &Record, add: bool) {
        if let Some(about) = record.regarding() {
            let set = self.by_regarding.entry(about.kind()).or_default();
            set.enter((about.as_uuid().as_u128(), key(record)), add);
        }
    }

    fn contact(&mut self, record: &Record, add: bool) {
        if let Some(contact) = record.contact() {
            let set = self.by_contact.entry(record.kind()).or_default();
            set.enter((contact.as_uuid().as_u128(), key(record)), add);
        }
    }

    fn times(&mut self, record: &Record, add: bool) {
        let created = self.by_created.entry(record.kind()).or_default();
        let id = halves(key(record));
        created.enter((record.created_at().timestamp(), id), add);
        if let Some(day) = record.expected_close() {
            self.by_close.enter((day, id), add);
        }
    }

    fn fields(&mut self, record: &Record, add: bool) {
        self.by_field.enter(record, add);
    }

    fn duplicate_keys(&mut self, record: &Record, add: bool) {
        if !duplicates::KINDS.contains(&record.kind()) {
            return;
        }
        let (index, id) = (
            self.by_duplicate_key.entry(record.kind()).or_default(),
            key(record),
        );
        // By the hashes of the keys' parts: their texts are not made.
        duplicates::visit_keys(record, None, &mut |kind, parts| {
            index.enter(duplicates::hash_of_parts(kind, parts), id, add);
        });
    }

    fn organization(&mut self, record: &Record, add: bool) {
        if let Record::Organization(o) = record {
            for domain in record.domains() {
                enter_under(&mut self.by_domain, domain, o.id(), add);
            }
        }
        if let Some(organization) = record.organization() {
            let set = self.by_organization.entry(record.kind()).or_default();
            set.enter((organization.as_uuid().as_u128(), key(record)), add);
        }
    }

    /// Enters a new record in every index.
    pub(super) fn add(&mut self, record: &Record) {
        for index in INDEXES {
            index(self, record, true);
        }
    }

    /// Moves the entries of a record updated from `old` to `new` where its keys changed.
    pub(super) fn update(&mut self, old: &Record, new: &Record) {
        type Changed = fn(&Record, &Record) -> bool;
        let indexes: [(Changed, Index); 9] = [
            (|a, b| a.state() != b.state(), Indexes::state),
            (|a, b| a.owner() != b.owner(), Indexes::owner),
            (|a, b| a.email() != b.email(), Indexes::email),
            (|a, b| a.regarding() != b.regarding(), Indexes::regarding),
            (|a, b| a.contact() != b.contact(), Indexes::contact),
            (
                |a, b| (a.domains(), a.organization()) != (b.domains(), b.organization()),
                Indexes::organization,
            ),
            (
                |a, b| (a.created_at(), a.expected_close()) != (b.created_at(), b.expected_close()),
                Indexes::times,
            ),
            (
                |a, b| a.custom_fields() != b.custom_fields(),
                Indexes::fields,
            ),
            (|a, b| !duplicates::same_keys(a, b), Indexes::duplicate_keys),
        ];
        for (changed, index) in indexes {
            if changed(old, new) {
                index(self, old, false);
                index(self, new, true);
            }
        }
    }

    /// The contacts with `email`, in id order.
    pub(super) fn contacts_with(&self, email: &EmailAddress) -> &[ContactId] {
        self.by_email.get(email).map_or(&[], Sorted::as_slice)
    }

    /// How many addresses the email index holds: none is left behind by a contact that no
    /// longer has it.
    #[cfg(test)]
    pub(super) fn email_keys(&self) -> usize {
        self.by_email.len()
    }

    /// The organizations with `domain`, in id order.
    pub(super) fn organizations_with(&self, domain: &Domain) -> &[OrganizationId] {
        self.by_domain.get(domain).map_or(&[], Sorted::as_slice)
    }

    /// How many records `contact` is the contact of, of every kind.
    pub(super) fn count_of_contact(&self, contact: ContactId) -> usize {
        count_paired(&self.by_contact, contact.as_uuid())
    }

    /// How many records name `organization` as theirs: its contacts and its account.
    pub(super) fn count_of_organization(&self, organization: OrganizationId) -> usize {
        count_paired(&self.by_organization, organization.as_uuid())
    }

    /// Ids of `query`'s records after `after`, in id order, from its narrowest index: the
    /// activities about a record, the organization's or the contact's records of the kind, a
    /// custom field's term (or range of dates), the owner's records of the kind, a period, the
    /// state's, or the kind's states merged (the first `limit` of each, enough for a page of
    /// `limit`). The caller filters them by the rest of the query and takes its page.
    pub(super) fn candidates<'a>(
        &'a self,
        query: &Query,
        after_cursor: Option<Cursor>,
        limit: usize,
    ) -> Box<dyn Iterator<Item = u128> + 'a> {
        let start =
            after_cursor.map_or(Bound::Unbounded, |c| Bound::Excluded(c.as_uuid().as_u128()));
        let kind = query.kind();
        let none = || -> Box<dyn Iterator<Item = u128> + 'a> { Box::new(std::iter::empty()) };
        let pairs = |sets: &'a BTreeMap<RecordKind, NewestFirst<Pair>>, of_kind, of: Uuid| {
            sets.get(&of_kind).map_or_else(none, |set| {
                Box::new(paired(set, of.as_u128(), start)) as Box<dyn Iterator<Item = u128>>
            })
        };
        if let Some(duplicate) = query.duplicate_key() {
            let index = self.by_duplicate_key.get(&kind);
            return index.map_or_else(none, |index| {
                Box::new(index.ids(duplicate.hash_of_text(), start).into_iter())
            });
        }
        // A range of an index by something else than the id: every id in it, put in id order
        // (every one of them: the rest of the query may pass over some).
        if let Some(about) = query.regarding() {
            return pairs(&self.by_regarding, about.kind(), about.as_uuid());
        }
        if let Some(organization) = query.organization() {
            return pairs(&self.by_organization, kind, organization.as_uuid());
        }
        if let Some(contact) = query.contact() {
            return pairs(&self.by_contact, kind, contact.as_uuid());
        }
        // A field: the records of one term are in id order; those of a range of dates are not.
        if let Some((field, matching)) = query.leading_field().map(|at| &query.fields()[at]) {
            return self.by_field.candidates(kind, field, matching, start);
        }
        let of_kind = |kinds: Option<&'a BTreeMap<RecordKind, NewestFirst<u128>>>| {
            kinds
                .and_then(|kinds| kinds.get(&kind))
                .map_or_else(none, |ids| {
                    Box::new(ids.after(start)) as Box<dyn Iterator<Item = u128>>
                })
        };
        if let Some(owner) = query.owner() {
            return of_kind(self.by_owner.get(owner));
        }
        if query.is_unowned() {
            return of_kind(Some(&self.unowned));
        }
        // A period: the ids in it, from the index by time.
        if let Some((first, last)) = query.closing() {
            if kind != RecordKind::Opportunity || first > last {
                return none();
            }
            let ids = self
                .by_close
                .range(
                    Bound::Included((first, halves(0))),
                    Bound::Included((last, halves(u128::MAX))),
                )
                .map(|(_, id)| whole(id))
                .collect();
            return Box::new(in_id_order(ids, start));
        }
        if let Some((from, until)) = query.created() {
            let Some(ids) = self.by_created.get(&kind).filter(|_| from < until) else {
                return none();
            };
            // Every second the period touches: the caller keeps the records created in it.
            let seconds = (from.timestamp(), until.timestamp());
            let ids = ids
                .range(
                    Bound::Included((seconds.0, halves(0))),
                    Bound::Included((seconds.1, halves(u128::MAX))),
                )
                .map(|(_, id)| whole(id))
                .collect();
            return Box::new(in_id_order(ids, start));
        }
        if let Some(state) = query.state() {
            let ids = self.by_state.get(&state);
            return ids.map_or_else(none, |ids| Box::new(ids.after(start)));
        }
        // Several states (a kind is all of its states): the first `limit` of each, merged.
        let states: Vec<RecordState> = match query.states() {
            Some(states) => states.to_vec(),
            None => RecordState::all_of(kind).collect(),
        };
        let mut ids: Vec<u128> = states
            .iter()
            .filter_map(|state| self.by_state.get(state))
            .flat_map(|ids| ids.after(start).take(limit))
            .collect();
        ids.sort_unstable();
        ids.truncate(limit);
        Box::new(ids.into_iter())
    }
}

/// A record id as the indexes key it.
pub(super) fn id_of(kind: RecordKind, id: u128) -> RecordId {
    RecordId::from_parts(kind, Uuid::from_u128(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_order_as_the_ids_do_and_give_them_back() {
        let ids = [
            0,
            1,
            u128::from(u64::MAX),
            u128::from(u64::MAX) + 1,
            1 << 100,
            (1 << 100) + 7,
            u128::MAX - 1,
            u128::MAX,
        ];
        for a in ids {
            assert_eq!(whole(halves(a)), a);
            for b in ids {
                assert_eq!(halves(a).cmp(&halves(b)), a.cmp(&b), "{a} and {b}");
            }
        }
        assert_eq!(
            (halves(0), halves(u128::MAX)),
            ((0, 0), (u64::MAX, u64::MAX))
        );
    }
}
