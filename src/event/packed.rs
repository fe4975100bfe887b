//! Events in a compact form, for a store that keeps its outbox in memory
//! ([`MemoryStore`](crate::memory::MemoryStore)): the same events back, in about a third of an
//! [`Event`]'s 168 bytes.
//!
//! An event is written as a flag byte, its id, its record and version, and its payload's fields
//! one after the other; integers as LEB128 varints, ids as their 16 bytes. What the events of a
//! commit share is written once, at its first event: the commit key (the first event's id, as
//! the facade makes it), the actor (an index into the actors seen, each kept once) and the
//! time. The payloads of a lifecycle's and a day's steps are written field by field; the rare
//! ones (corrections, organizations, a disqualification, a loss, a revision, a task added) and
//! any event of an older schema are not packed: the caller keeps those whole.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hashbrown::HashMap;
use uuid::Uuid;

use super::{CommitKey, EVENT_SCHEMA, Event, EventId, Payload};
use crate::activity::ActivityKind;
use crate::contact::LeadSource;
use crate::edit::Change;
use crate::id::{AccountId, ContactId, LeadId, OpportunityId, OrganizationId};
use crate::kind::RecordKind;
use crate::money::{Currency, Money};
use crate::record::RecordId;
use crate::state::{LeadStatus, OpportunityStage};
use crate::text::User;
use crate::version::Version;

/// The commit key is the event's own id.
const OWN_KEY: u8 = 1;
/// The commit key, actor and time are the previous event's (of the same commit).
const AS_PREVIOUS: u8 = 1 << 1;
/// The event is kept whole by the caller: only its index there follows.
const WHOLE: u8 = 1 << 2;

/// The actors (and owners) of the packed events, each kept once.
#[derive(Debug, Default)]
pub(crate) struct Packer {
    users: Vec<User>,
    index: HashMap<User, u64>,
    /// The user packed last, and their index.
    recent: Option<(User, u64)>,
}

/// What the events of a commit share: its key, its actor and its time.
pub(crate) type Shared = (CommitKey, User, DateTime<Utc>);

/// What an event shares with the others of its commit.
pub(crate) fn shared(event: &Event) -> Shared {
    (event.commit, event.actor.clone(), event.occurred_at)
}

/// What [`Packer::pack`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Packing {
    /// Written to the bytes.
    Packed,
    /// Not packable: to be kept whole by the caller, at the index written to the bytes.
    Whole,
}

impl Packer {
    fn user(&mut self, user: &User) -> u64 {
        // Most events are by the actor of the event before them: no hashing for those.
        if let Some(index) = self
            .recent
            .as_ref()
            .filter(|(u, _)| u == user)
            .map(|(_, i)| *i)
        {
            return index;
        }
        if let Some(index) = self.index.get(user) {
            self.recent = Some((user.clone(), *index));
            return *index;
        }
        let index = self.users.len() as u64;
        self.users.push(user.clone());
        self.index.insert(user.clone(), index);
        index
    }

    fn optional_user(&mut self, out: &mut Vec<u8>, user: Option<&User>) {
        let index = user.map_or(0, |user| self.user(user) + 1);
        varint(out, index);
    }

    /// Writes `event` to `out`, after `previous` (the event before it in the same commit; none
    /// for a commit's first event); `whole` is the index the caller keeps it at when it is not
    /// packable ([`Packing::Whole`]).
    pub(crate) fn pack(
        &mut self,
        event: &Event,
        previous: Option<&Event>,
        whole: usize,
        out: &mut Vec<u8>,
    ) -> Packing {
        let start = out.len();
        out.reserve(128);
        let shared = previous.is_some_and(|p| {
            (p.commit, &p.actor, p.occurred_at) == (event.commit, &event.actor, event.occurred_at)
        });
        let mut flags = 0;
        if shared {
            flags |= AS_PREVIOUS;
        } else if event.commit.0 == event.id.0 {
            flags |= OWN_KEY;
        }
        out.push(flags);
        out.extend_from_slice(event.id.0.as_bytes());
        record(out, event.record);
        varint(out, event.version.get());
        if !shared {
            if flags & OWN_KEY == 0 {
                out.extend_from_slice(event.commit.0.as_bytes());
            }
            let actor = self.user(&event.actor);
            varint(out, actor);
            time(out, event.occurred_at);
        }
        if event.schema != EVENT_SCHEMA || !self.payload(out, &event.payload) {
            out.truncate(start);
            out.push(WHOLE);
            varint(out, whole as u64);
            return Packing::Whole;
        }
        Packing::Packed
    }

    /// Writes a payload's tag and fields; `false` for the payloads not packed.
    fn payload(&mut self, out: &mut Vec<u8>, payload: &Payload) -> bool {
        let Some(tag) = tag(payload) else {
            return false;
        };
        out.push(tag);
        match payload {
            Payload::ContactCreated {
                source,
                owner,
                organization,
            } => {
                index_of(out, &LeadSource::ALL, source);
                self.optional_user(out, owner.as_ref());
                optional_uuid(out, organization.map(|o| o.as_uuid()));
            }
            Payload::PersonalDataErased { contact } => uuid(out, contact.as_uuid()),
            Payload::OwnerChanged { owner } => {
                self.optional_user(out, owner.before().as_ref());
                self.optional_user(out, owner.after().as_ref());
            }
            Payload::LeadOpened {
                contact,
                source,
                owner,
            } => {
                uuid(out, contact.as_uuid());
                index_of(out, &LeadSource::ALL, source);
                self.optional_user(out, owner.as_ref());
            }
            Payload::LeadContacted { from } => index_of(out, &LeadStatus::ALL, from),
            Payload::LeadQualified { from, opportunity } => {
                index_of(out, &LeadStatus::ALL, from);
                uuid(out, opportunity.as_uuid());
            }
            Payload::OpportunityOpened {
                lead,
                contact,
                amount,
                expected_close,
                owner,
            } => {
                uuid(out, lead.as_uuid());
                uuid(out, contact.as_uuid());
                money(out, *amount);
                date(out, *expected_close);
                self.optional_user(out, owner.as_ref());
            }
            Payload::OpportunityAdvanced { from, to, amount } => {
                index_of(out, &OpportunityStage::ALL, from);
                index_of(out, &OpportunityStage::ALL, to);
                money(out, *amount);
            }
            Payload::OpportunityWon { account, value } => {
                uuid(out, account.as_uuid());
                money(out, *value);
            }
            Payload::AccountOpened {
                contact,
                organization,
                opportunity,
                value,
            } => {
                uuid(out, contact.as_uuid());
                optional_uuid(out, organization.map(|o| o.as_uuid()));
                uuid(out, opportunity.as_uuid());
                money(out, *value);
            }
            Payload::WinAdded { opportunity, value } => {
                uuid(out, opportunity.as_uuid());
                money(out, *value);
            }
            Payload::ActivityLogged {
                regarding,
                contact,
                kind,
                occurred_at,
            } => {
                record(out, *regarding);
                uuid(out, contact.as_uuid());
                index_of(out, &ActivityKind::ALL, kind);
                time(out, *occurred_at);
            }
            // The payloads without fields: the tag says it all.
            _ => {}
        }
        true
    }

    /// Reads the event at the start of `bytes`, after an event of the same commit that shared
    /// `previous`; `whole` gives the events kept whole. `None` when the bytes are not an event
    /// this packer wrote.
    pub(crate) fn unpack(
        &self,
        bytes: &mut Bytes<'_>,
        previous: Option<&Shared>,
        whole: &[Event],
    ) -> Option<Event> {
        let flags = bytes.u8()?;
        if flags & WHOLE != 0 {
            return whole.get(usize::try_from(bytes.varint()?).ok()?).cloned();
        }
        let id = EventId(bytes.uuid()?);
        let record = bytes.record()?;
        let version = Version::new(bytes.varint()?)?;
        let (commit, actor, occurred_at) = match previous {
            Some((commit, actor, at)) if flags & AS_PREVIOUS != 0 => (*commit, actor.clone(), *at),
            _ => {
                let commit = match flags & OWN_KEY {
                    0 => CommitKey(bytes.uuid()?),
                    _ => CommitKey(id.0),
                };
                (
                    commit,
                    self.user_at(bytes.varint()?)?.clone(),
                    bytes.time()?,
                )
            }
        };
        let payload = self.unpack_payload(bytes)?;
        Some(Event::with_id(
            id,
            commit,
            (record, version),
            actor,
            occurred_at,
            payload,
        ))
    }

    fn user_at(&self, index: u64) -> Option<&User> {
        self.users.get(usize::try_from(index).ok()?)
    }

    fn read_optional_user(&self, bytes: &mut Bytes<'_>) -> Option<Option<User>> {
        match bytes.varint()? {
            0 => Some(None),
            index => self.user_at(index - 1).cloned().map(Some),
        }
    }

    fn unpack_payload(&self, bytes: &mut Bytes<'_>) -> Option<Payload> {
        let payload = match bytes.u8()? {
            0 => Payload::ContactCreated {
                source: bytes.one_of(&LeadSource::ALL)?,
                owner: self.read_optional_user(bytes)?,
                organization: bytes.optional_uuid()?.map(OrganizationId::from_uuid),
            },
            1 => Payload::ContactErased,
            2 => Payload::PersonalDataErased {
                contact: ContactId::from_uuid(bytes.uuid()?),
            },
            3 => Payload::OwnerChanged {
                owner: Change::new(
                    self.read_optional_user(bytes)?,
                    self.read_optional_user(bytes)?,
                ),
            },
            4 => Payload::LeadOpened {
                contact: ContactId::from_uuid(bytes.uuid()?),
                source: bytes.one_of(&LeadSource::ALL)?,
                owner: self.read_optional_user(bytes)?,
            },
            5 => Payload::LeadContacted {
                from: bytes.one_of(&LeadStatus::ALL)?,
            },
            6 => Payload::LeadNurtured,
            7 => Payload::LeadRecycled,
            8 => Payload::LeadQualified {
                from: bytes.one_of(&LeadStatus::ALL)?,
                opportunity: OpportunityId::from_uuid(bytes.uuid()?),
            },
            9 => Payload::OpportunityOpened {
                lead: LeadId::from_uuid(bytes.uuid()?),
                contact: ContactId::from_uuid(bytes.uuid()?),
                amount: bytes.money()?,
                expected_close: bytes.date()?,
                owner: self.read_optional_user(bytes)?,
            },
            10 => Payload::OpportunityAdvanced {
                from: bytes.one_of(&OpportunityStage::ALL)?,
                to: bytes.one_of(&OpportunityStage::ALL)?,
                amount: bytes.money()?,
            },
            11 => Payload::OpportunityWon {
                account: AccountId::from_uuid(bytes.uuid()?),
                value: bytes.money()?,
            },
            12 => Payload::OpportunityReopened,
            13 => Payload::AccountOpened {
                contact: ContactId::from_uuid(bytes.uuid()?),
                organization: bytes.optional_uuid()?.map(OrganizationId::from_uuid),
                opportunity: OpportunityId::from_uuid(bytes.uuid()?),
                value: bytes.money()?,
            },
            14 => Payload::WinAdded {
                opportunity: OpportunityId::from_uuid(bytes.uuid()?),
                value: bytes.money()?,
            },
            15 => Payload::ActivityLogged {
                regarding: bytes.record()?,
                contact: ContactId::from_uuid(bytes.uuid()?),
                kind: bytes.one_of(&ActivityKind::ALL)?,
                occurred_at: bytes.time()?,
            },
            16 => Payload::TaskCompleted,
            17 => Payload::TaskCancelled,
            _ => return None,
        };
        Some(payload)
    }
}

/// The tag of a payload packed field by field; `None` for the ones kept whole.
fn tag(payload: &Payload) -> Option<u8> {
    Some(match payload {
        Payload::ContactCreated { .. } => 0,
        Payload::ContactErased => 1,
        Payload::PersonalDataErased { .. } => 2,
        Payload::OwnerChanged { .. } => 3,
        Payload::LeadOpened { .. } => 4,
        Payload::LeadContacted { .. } => 5,
        Payload::LeadNurtured => 6,
        Payload::LeadRecycled => 7,
        Payload::LeadQualified { .. } => 8,
        Payload::OpportunityOpened { .. } => 9,
        Payload::OpportunityAdvanced { .. } => 10,
        Payload::OpportunityWon { .. } => 11,
        Payload::OpportunityReopened => 12,
        Payload::AccountOpened { .. } => 13,
        Payload::WinAdded { .. } => 14,
        Payload::ActivityLogged { .. } => 15,
        Payload::TaskCompleted => 16,
        Payload::TaskCancelled => 17,
        _ => return None,
    })
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    (value >> 1) as i64 ^ -((value & 1) as i64)
}

fn uuid(out: &mut Vec<u8>, uuid: Uuid) {
    out.extend_from_slice(uuid.as_bytes());
}

fn optional_uuid(out: &mut Vec<u8>, id: Option<Uuid>) {
    match id {
        None => out.push(0),
        Some(id) => {
            out.push(1);
            uuid(out, id);
        }
    }
}

fn record(out: &mut Vec<u8>, id: RecordId) {
    index_of(out, &RecordKind::ALL, &id.kind());
    uuid(out, id.as_uuid());
}

fn time(out: &mut Vec<u8>, at: DateTime<Utc>) {
    varint(out, zigzag(at.timestamp()));
    varint(out, u64::from(at.timestamp_subsec_nanos()));
}

fn date(out: &mut Vec<u8>, day: NaiveDate) {
    varint(out, zigzag(i64::from(day.num_days_from_ce())));
}

fn money(out: &mut Vec<u8>, money: Money) {
    varint(out, zigzag(money.minor()));
    out.extend_from_slice(&money.currency().to_bytes());
}

/// Writes the index of `value` among `all` (each of these enums lists all its values).
fn index_of<T: PartialEq>(out: &mut Vec<u8>, all: &[T], value: &T) {
    let index = all.iter().position(|v| v == value);
    // Every value is in its list, so the fallback (which unpacks as nothing) is never taken.
    out.push(index.map_or(u8::MAX, |i| i as u8));
}

/// Packed bytes being read.
#[derive(Debug)]
pub(crate) struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    /// The bytes `bytes`, from their start.
    pub(crate) fn new(bytes: &'a [u8]) -> Bytes<'a> {
        Bytes(bytes)
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|[b]| b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn uuid(&mut self) -> Option<Uuid> {
        self.take::<16>().map(Uuid::from_bytes)
    }

    fn optional_uuid(&mut self) -> Option<Option<Uuid>> {
        match self.u8()? {
            0 => Some(None),
            _ => self.uuid().map(Some),
        }
    }

    fn one_of<T: Copy>(&mut self, all: &[T]) -> Option<T> {
        all.get(usize::from(self.u8()?)).copied()
    }

    fn record(&mut self) -> Option<RecordId> {
        let kind = self.one_of(&RecordKind::ALL)?;
        Some(RecordId::from_parts(kind, self.uuid()?))
    }

    fn time(&mut self) -> Option<DateTime<Utc>> {
        let seconds = unzigzag(self.varint()?);
        let nanos = u32::try_from(self.varint()?).ok()?;
        DateTime::from_timestamp(seconds, nanos)
    }

    fn date(&mut self) -> Option<NaiveDate> {
        let days = i32::try_from(unzigzag(self.varint()?)).ok()?;
        NaiveDate::from_num_days_from_ce_opt(days)
    }

    fn money(&mut self) -> Option<Money> {
        let minor = unzigzag(self.varint()?);
        Some(Money::from_minor(
            minor,
            Currency::from_bytes(self.take::<4>()?)?,
        ))
    }

    /// Whether every byte was read.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::lead::DisqualifyCategory;
    use crate::task::Due;

    fn id() -> impl Strategy<Value = Uuid> + Clone {
        any::<u128>().prop_map(Uuid::from_u128)
    }

    fn user() -> impl Strategy<Value = User> + Clone {
        prop::sample::select(vec!["ana", "bo", "claire"]).prop_map(|u| User::new(u).expect("valid"))
    }

    fn money() -> impl Strategy<Value = Money> + Clone {
        let currencies: Vec<Currency> = Currency::all().collect();
        (any::<i64>(), prop::sample::select(currencies)).prop_map(|(m, c)| Money::from_minor(m, c))
    }

    fn time() -> impl Strategy<Value = DateTime<Utc>> {
        (-62_000_000_000i64..250_000_000_000, 0u32..2_000_000_000)
            .prop_filter_map("a time chrono can hold", |(seconds, nanos)| {
                DateTime::from_timestamp(seconds, nanos)
            })
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (-300_000i32..3_000_000).prop_filter_map("a date", NaiveDate::from_num_days_from_ce_opt)
    }

    fn record() -> impl Strategy<Value = RecordId> {
        (prop::sample::select(RecordKind::ALL.to_vec()), id())
            .prop_map(|(kind, id)| RecordId::from_parts(kind, id))
    }

    fn payload() -> impl Strategy<Value = Payload> {
        let owner = proptest::option::of(user());
        let source = prop::sample::select(LeadSource::ALL.to_vec());
        let status = prop::sample::select(LeadStatus::ALL.to_vec());
        let stage = prop::sample::select(OpportunityStage::ALL.to_vec());
        prop_oneof![
            (source.clone(), owner.clone(), proptest::option::of(id())).prop_map(
                |(source, owner, organization)| Payload::ContactCreated {
                    source,
                    owner,
                    organization: organization.map(OrganizationId::from_uuid),
                }
            ),
            Just(Payload::ContactErased),
            id().prop_map(|c| Payload::PersonalDataErased {
                contact: ContactId::from_uuid(c)
            }),
            (owner.clone(), owner.clone()).prop_map(|(before, after)| Payload::OwnerChanged {
                owner: Change::new(before, after)
            }),
            (id(), source, owner.clone()).prop_map(|(contact, source, owner)| {
                Payload::LeadOpened {
                    contact: ContactId::from_uuid(contact),
                    source,
                    owner,
                }
            }),
            status
                .clone()
                .prop_map(|from| Payload::LeadContacted { from }),
            Just(Payload::LeadNurtured),
            Just(Payload::LeadRecycled),
            (status.clone(), id()).prop_map(|(from, o)| Payload::LeadQualified {
                from,
                opportunity: OpportunityId::from_uuid(o),
            }),
            (id(), id(), money(), date(), owner).prop_map(|(lead, contact, amount, day, owner)| {
                Payload::OpportunityOpened {
                    lead: LeadId::from_uuid(lead),
                    contact: ContactId::from_uuid(contact),
                    amount,
                    expected_close: day,
                    owner,
                }
            }),
            (stage.clone(), stage.clone(), money())
                .prop_map(|(from, to, amount)| Payload::OpportunityAdvanced { from, to, amount }),
            (id(), money()).prop_map(|(a, value)| Payload::OpportunityWon {
                account: AccountId::from_uuid(a),
                value,
            }),
            Just(Payload::OpportunityReopened),
            (id(), proptest::option::of(id()), id(), money()).prop_map(|(c, org, o, value)| {
                Payload::AccountOpened {
                    contact: ContactId::from_uuid(c),
                    organization: org.map(OrganizationId::from_uuid),
                    opportunity: OpportunityId::from_uuid(o),
                    value,
                }
            }),
            (id(), money()).prop_map(|(o, value)| Payload::WinAdded {
                opportunity: OpportunityId::from_uuid(o),
                value,
            }),
            (
                record(),
                id(),
                prop::sample::select(ActivityKind::ALL.to_vec()),
                time()
            )
                .prop_map(|(regarding, c, kind, occurred_at)| {
                    Payload::ActivityLogged {
                        regarding,
                        contact: ContactId::from_uuid(c),
                        kind,
                        occurred_at,
                    }
                }),
            Just(Payload::TaskCompleted),
            Just(Payload::TaskCancelled),
            // Kept whole.
            status.prop_map(|from| Payload::LeadDisqualified {
                from,
                category: DisqualifyCategory::NoNeed,
            }),
            (record(), id(), user(), date()).prop_map(|(regarding, c, owner, day)| {
                Payload::TaskAdded {
                    regarding,
                    contact: ContactId::from_uuid(c),
                    owner,
                    due: Due::On(day),
                }
            }),
        ]
    }

    /// A commit's events: the first one's id is the commit key, as the facade makes them, or
    /// not (a batch built by hand); some events of another actor, time or schema.
    fn commit() -> impl Strategy<Value = Vec<Event>> {
        let event = (
            id(),
            record(),
            1u64..u64::MAX,
            payload(),
            user(),
            time(),
            0u8..8,
        );
        (
            id(),
            any::<bool>(),
            user(),
            time(),
            prop::collection::vec(event, 1..6),
        )
            .prop_map(|(key, own_key, actor, at, events)| {
                let mut commit = CommitKey(key);
                events
                    .into_iter()
                    .enumerate()
                    .map(
                        |(i, (id, record, version, payload, other, other_at, odd))| {
                            if i == 0 && own_key {
                                commit = CommitKey(id);
                            }
                            let version = Version::new(version).expect("not zero");
                            let (actor, at) = match odd {
                                0 => (other, at),
                                1 => (actor.clone(), other_at),
                                _ => (actor.clone(), at),
                            };
                            let mut event = Event::with_id(
                                EventId(id),
                                commit,
                                (record, version),
                                actor,
                                at,
                                payload,
                            );
                            if odd == 2 {
                                event.schema = EVENT_SCHEMA + 1;
                            }
                            event
                        },
                    )
                    .collect()
            })
    }

    proptest! {
        /// Packed then unpacked, every event is itself again, and every byte is read.
        #[test]
        fn events_unpack_as_they_were_packed(commits in prop::collection::vec(commit(), 1..4)) {
            let mut packer = Packer::default();
            let (mut bytes, mut whole) = (Vec::new(), Vec::new());
            let mut starts = Vec::new();
            for events in &commits {
                starts.push(bytes.len());
                let mut previous = None;
                for event in events {
                    if packer.pack(event, previous, whole.len(), &mut bytes) == Packing::Whole {
                        whole.push(event.clone());
                    }
                    previous = Some(event);
                }
            }
            let mut read = Bytes::new(&bytes);
            for events in &commits {
                let mut previous = None;
                for event in events {
                    let unpacked = packer.unpack(&mut read, previous.as_ref(), &whole);
                    prop_assert_eq!(unpacked.as_ref(), Some(event));
                    previous = Some(shared(event));
                }
            }
            prop_assert!(read.is_empty());
        }
    }

    /// A lifecycle's events take about 60 bytes each, packed.
    #[test]
    fn a_packed_event_is_small() {
        let actor = User::new("claire").expect("valid");
        let at = DateTime::from_timestamp(1_780_000_000, 0).expect("a time");
        let eur = Money::from_minor(3_600_000, Currency::EUR);
        let event = |n: u128, payload| {
            let id = Uuid::from_u128(n);
            let record = RecordId::from_parts(RecordKind::Opportunity, Uuid::from_u128(n + 1));
            let version = Version::new(3).expect("not zero");
            Event::with_id(
                EventId(id),
                CommitKey(id),
                (record, version),
                actor.clone(),
                at,
                payload,
            )
        };
        let advanced = event(
            7,
            Payload::OpportunityAdvanced {
                from: OpportunityStage::Proposal,
                to: OpportunityStage::Negotiation,
                amount: eur,
            },
        );
        let mut bytes = Vec::new();
        let packing = Packer::default().pack(&advanced, None, 0, &mut bytes);
        assert_eq!(packing, Packing::Packed);
        assert_eq!(bytes.len(), 1 + 16 + 17 + 1 + 1 + 6 + 1 + 1 + 1 + 4 + 4);
    }
}
