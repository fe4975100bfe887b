//! [`HistoryMark`]: what a store keeps of a record's history, beside the record, to refuse a
//! write whose history does not extend the stored one (a stale copy paired with the current
//! version) without decoding the stored record.
//!
//! A record's history is its list of entries: a lead's or an opportunity's transitions (edits
//! included), an account's wins and hand-offs, a contact's creation, corrections and erasure. A write extends the stored record when the
//! stored history is a prefix of the written one, which the mark checks by the length and a
//! fingerprint of the last entry. The fingerprint covers what erasure never changes (times,
//! states, actors, the kind of evidence, ids, amounts and dates), not free text, so erasing a
//! record (which rewrites the text of earlier entries) still extends it; and the mark says
//! whether the record is erased, so that a copy made before the erasure can never be written
//! back over it.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{Account, Handoff, Win};
use crate::activity::Activity;
use crate::contact::Contact;
use crate::custom::{FieldEdit, FieldKey};
use crate::edit::Reassignment;
use crate::history::{Tag, Transition};
use crate::lead::LeadEvidence;
use crate::money::Money;
use crate::opportunity::{Incumbent, OpportunityEvidence};
use crate::organization::Organization;
use crate::record::Record;
use crate::relink::Relink;
use crate::state::{LeadStatus, OpportunityStage};
use crate::task::Task;
use crate::text::User;

/// What a store keeps of a record's history to check that an update extends it: the number of
/// entries, a fingerprint of the last one, and whether the record is erased.
///
/// An adapter stores the mark of every record it writes ([`Record::history_mark`]) beside the
/// record, and refuses an update whose record does not [extend](Record::extends) the stored
/// mark with [`Conflict::stale_history`](crate::store::Conflict::stale_history). Its parts are plain
/// numbers, to keep in columns and give back to [`HistoryMark::new`].
///
/// ```
/// use prospect::{store::HistoryMark, record::Record};
/// # fn demo(stored: &Record, written: &Record) {
/// let mark = stored.history_mark();
/// let kept = (mark.len(), mark.tip(), mark.is_erased()); // three columns
/// let mark = HistoryMark::new(kept.0, kept.1, kept.2);
/// if !written.extends(&mark) {
///     // a stale copy: refuse the write
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryMark {
    len: u64,
    tip: u64,
    erased: bool,
}

impl HistoryMark {
    /// The mark of a history of `len` entries whose last entry has the fingerprint `tip`, of a
    /// record erased or not: as an adapter reads it back.
    pub fn new(len: u64, tip: u64, erased: bool) -> HistoryMark {
        HistoryMark { len, tip, erased }
    }

    /// How many entries the history has.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the history has no entry (never the case for a valid record).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The fingerprint of the last entry: 64 bits of FNV-1a over what erasure never changes.
    /// Stable across versions of this crate and across platforms, so it can be stored.
    pub fn tip(&self) -> u64 {
        self.tip
    }

    /// Whether the record's personal data was erased.
    pub fn is_erased(&self) -> bool {
        self.erased
    }
}

impl fmt::Display for HistoryMark {
    /// `3 entries, last 0x…`, and `, erased`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} entries, last {:#018x}", self.len, self.tip)?;
        if self.erased {
            f.write_str(", erased")?;
        }
        Ok(())
    }
}

impl Record {
    /// The mark of the record's history, for a store to keep beside it.
    pub fn history_mark(&self) -> HistoryMark {
        let len = self.history_len();
        HistoryMark {
            len: len as u64,
            tip: len.checked_sub(1).map_or(0, |last| self.fingerprint(last)),
            erased: self.is_erased(),
        }
    }

    /// Whether this record's history extends the one `stored` marks: it is at least as long,
    /// its entry at the stored last position is the stored last entry, and, if the stored
    /// record is erased, so is this one. An update that does not extend the stored record is a
    /// stale copy and must be refused.
    pub fn extends(&self, stored: &HistoryMark) -> bool {
        let len = self.history_len() as u64;
        let Some(last) = stored.len.checked_sub(1) else {
            return false;
        };
        len >= stored.len
            && usize::try_from(last).is_ok_and(|last| self.fingerprint(last) == stored.tip)
            && (!stored.erased || self.is_erased())
    }

    /// [`extends`](Self::extends) checked against the stored record itself: a history that
    /// shares the stored one's entries (a step on a copy read from the same store, the usual
    /// case) is recognised by pointer in as many steps as it added, without counting entries or
    /// computing fingerprints; anything else is compared by mark.
    pub(crate) fn extends_record(&self, stored: &Record) -> bool {
        let shared = match (self, stored) {
            (Record::Lead(new), Record::Lead(old)) => {
                new.data().history.shares(&old.data().history)
            }
            (Record::Opportunity(new), Record::Opportunity(old)) => {
                new.data().history.shares(&old.data().history)
            }
            _ => false,
        };
        // The custom fields' edits are entries too: equal ones add none (an `Arc`'s
        // equality is by pointer first).
        let same_edits = self.custom_fields() == stored.custom_fields()
            && self.relinks().len() == stored.relinks().len();
        (shared && same_edits && (!stored.is_erased() || self.is_erased()))
            || self.extends(&stored.history_mark())
    }

    /// How many entries the record's history has: its own, its custom field edits and its
    /// relinks.
    fn history_len(&self) -> usize {
        self.edited_len() + self.relinks().len()
    }

    /// How many of its own entries and custom field edits the record has: where a relink made
    /// now is placed.
    pub(crate) fn edited_len(&self) -> usize {
        self.own_entries() + self.custom_fields().map_or(0, |c| c.edits().len())
    }

    /// Whether the record's personal data was erased.
    pub(crate) fn is_erased(&self) -> bool {
        match self {
            Record::Contact(c) => c.erasure().is_some(),
            Record::Lead(l) => l.is_erased(),
            Record::Opportunity(o) => o.is_erased(),
            Record::Account(a) => a.is_erased(),
            Record::Activity(a) => a.is_erased(),
            Record::Task(t) => t.is_erased(),
            // Not personal data: never erased.
            Record::Organization(_) | Record::FieldSchema(_) => false,
        }
    }

    /// The fingerprint of entry `index` (oldest first), or 0 if there is none. The record's
    /// relinks are among its other entries: one made when the record had `p` of them comes
    /// after them, and after the relinks made before it.
    fn fingerprint(&self, index: usize) -> u64 {
        let mut edited = index;
        for (n, relink) in self.relinks().iter().enumerate() {
            match (relink.position() + n).cmp(&index) {
                std::cmp::Ordering::Less => edited -= 1,
                std::cmp::Ordering::Equal => return relink_entry(relink),
                std::cmp::Ordering::Greater => break,
            }
        }
        self.edited_fingerprint(edited)
    }

    /// The fingerprint of entry `index` (oldest first) of its own entries and custom field
    /// edits, or 0 if there is none. The custom field edits are among its own entries: an
    /// edit made when the record had `p` own entries comes after them, and after the edits
    /// made before it.
    fn edited_fingerprint(&self, index: usize) -> u64 {
        let mut own = index;
        for (n, edit) in self
            .custom_fields()
            .map_or(&[][..], |c| c.edits())
            .iter()
            .enumerate()
        {
            match (edit.position() + n).cmp(&index) {
                std::cmp::Ordering::Less => own -= 1,
                std::cmp::Ordering::Equal => return field_edit(edit),
                std::cmp::Ordering::Greater => break,
            }
        }
        self.own_fingerprint(own)
    }

    /// The fingerprint of the record's own entry `index` (oldest first), or 0 if there is none.
    fn own_fingerprint(&self, index: usize) -> u64 {
        let from_newest = self.own_entries().checked_sub(index + 1);
        let entry = match (self, from_newest) {
            (_, None) => None,
            (Record::Contact(c), Some(_)) => contact_entry(c, index),
            (Record::Lead(l), Some(n)) => l
                .data()
                .history
                .newest_first()
                .nth(n)
                .map(|t| lead_entry(t).finish()),
            (Record::Opportunity(o), Some(n)) => o
                .data()
                .history
                .newest_first()
                .nth(n)
                .map(|t| opportunity_entry(t).finish()),
            (Record::Account(a), Some(_)) => account_entry(a, index),
            (Record::Activity(a), Some(_)) => Some(activity_entry(a)),
            (Record::Task(t), Some(_)) => task_entry(t, index),
            (Record::Organization(o), Some(_)) => organization_entry(o, index),
            (Record::FieldSchema(s), Some(_)) => schema_entry(s, index),
        };
        entry.unwrap_or(0)
    }
}

/// A relink: when, by whom, which merge, and the contacts before and after.
fn relink_entry(relink: &Relink) -> u64 {
    let ids = [
        relink.merge().as_uuid(),
        relink.from().as_uuid(),
        relink.to().as_uuid(),
    ];
    let kind = if relink.is_undo() {
        "unmerged"
    } else {
        "merged"
    };
    let f = Fingerprint::new()
        .str(kind)
        .time(relink.at())
        .user(relink.by());
    ids.iter()
        .fold(f, |f, id| {
            let (high, low) = id.as_u64_pair();
            f.u64(high).u64(low)
        })
        .finish()
}

/// A custom field edit: when, by whom, under which schema version, and which fields (never
/// their values, which an erasure may remove).
fn field_edit(edit: &FieldEdit) -> u64 {
    let mut f = Fingerprint::new()
        .str("field_edit")
        .time(edit.at())
        .user(edit.by())
        .u64(edit.position() as u64)
        .u64(u64::from(edit.schema_version().get()));
    for (key, _) in edit.changes() {
        f = f.str(key.as_str());
    }
    f.finish()
}

/// An activity's one entry: its logging, by whom, and what it was (never its text).
fn activity_entry(activity: &Activity) -> u64 {
    Fingerprint::new()
        .str("logged")
        .str(activity.kind().as_str())
        .time(activity.occurred_at())
        .time(activity.logged_at())
        .user(activity.by())
        .finish()
}

/// An organization's entries: its creation, then its corrections.
fn organization_entry(organization: &Organization, index: usize) -> Option<u64> {
    let (at, by, what) = match index.checked_sub(1) {
        None => (
            organization.created_at(),
            organization.created_by(),
            "created",
        ),
        Some(i) => {
            let c = organization.corrections().get(i)?;
            (c.at(), c.by(), "corrected")
        }
    };
    Some(Fingerprint::new().str(what).time(at).user(by).finish())
}

/// A field schema's entries: each change, when, by whom, and the version it made (changes
/// follow each other, so the version says which change it was).
fn schema_entry(schema: &crate::fields::SchemaRecord, index: usize) -> Option<u64> {
    let entry = schema.history().get(index)?;
    Some(
        Fingerprint::new()
            .str("schema changed")
            .u64(index as u64 + 1)
            .time(entry.at)
            .user(&entry.actor)
            .finish(),
    )
}

/// A task's entries: its creation, then its closing (never its subject).
fn task_entry(task: &Task, index: usize) -> Option<u64> {
    match (index, task.closed()) {
        (0, _) => Some(
            Fingerprint::new()
                .str("created")
                .time(task.created_at())
                .user(task.created_by())
                .finish(),
        ),
        (1, Some(closing)) => Some(
            Fingerprint::new()
                .str(task.status().as_str())
                .time(closing.at)
                .user(&closing.by)
                .finish(),
        ),
        _ => None,
    }
}

/// A contact's entries: its creation, its corrections (never their details but the owner's),
/// then its erasure.
fn contact_entry(contact: &Contact, index: usize) -> Option<u64> {
    let corrections = contact.corrections();
    if index == 0 {
        return Some(
            Fingerprint::new()
                .str("created")
                .time(contact.created_at())
                .user(contact.created_by())
                .finish(),
        );
    }
    if let Some(c) = corrections.get(index - 1) {
        let owner = |d: &crate::contact::ContactDetails| {
            d.owner.as_ref().map_or("-", User::as_str).to_owned()
        };
        let f = Fingerprint::new()
            .str("corrected")
            .time(c.at())
            .user(c.by())
            .str(&owner(c.details().before()))
            .str(&owner(c.details().after()));
        // A correction made by a merge says which, and whether it undid it (nothing is added
        // for the others, whose fingerprints stay as they were stored).
        let f = match c.merge() {
            Some(note) => {
                let (high, low) = note.merge().as_uuid().as_u64_pair();
                f.str(if note.is_undo() { "unmerged" } else { "merged" })
                    .u64(high)
                    .u64(low)
            }
            None => f,
        };
        return Some(f.finish());
    }
    match (index - 1 - corrections.len(), contact.erasure()) {
        (0, Some(erasure)) => Some(
            Fingerprint::new()
                .str("erased")
                .time(erasure.at)
                .user(&erasure.by)
                .finish(),
        ),
        _ => None,
    }
}

fn transition<S: Copy + Tag, E: Tag>(t: &Transition<S, E>) -> Fingerprint {
    Fingerprint::new()
        .time(t.at())
        .str(t.from().as_ref().map_or("start", Tag::tag))
        .str(t.to().tag())
        .user(t.actor())
        .str(t.evidence().tag())
}

fn lead_entry(t: &Transition<LeadStatus, LeadEvidence>) -> Fingerprint {
    let f = transition(t);
    match t.evidence() {
        LeadEvidence::Converted { opportunity } => f.bytes(opportunity.as_uuid().as_bytes()),
        LeadEvidence::Reassigned(r) => owners(f, r),
        _ => f,
    }
}

/// A hand-off's owners, before and after (`-` for nobody: a user name is never empty).
fn owners(f: Fingerprint, r: &Reassignment) -> Fingerprint {
    let name = |u: &Option<User>| u.as_ref().map_or("-", User::as_str).to_owned();
    f.str(&name(r.owner().before()))
        .str(&name(r.owner().after()))
}

fn opportunity_entry(t: &Transition<OpportunityStage, OpportunityEvidence>) -> Fingerprint {
    let f = transition(t);
    match t.evidence() {
        OpportunityEvidence::Qualified { lead } => f.bytes(lead.as_uuid().as_bytes()),
        OpportunityEvidence::Proposed(p) => f.money(p.amount()).date(p.sent_on()),
        OpportunityEvidence::Contracting { terms, incumbent } => f
            .u64(u64::from(terms.net_days()))
            .u64(u64::from(terms.installments()))
            .str(match incumbent {
                Incumbent::NoneInPlace => "none",
                Incumbent::Dismissed(_) => "dismissed",
            }),
        OpportunityEvidence::Won { contract, account } => f
            .money(contract.value())
            .date(contract.signed_on())
            .bytes(account.as_uuid().as_bytes()),
        OpportunityEvidence::ProposalRevised {
            previous_amount,
            proposal,
        } => f
            .money(*previous_amount)
            .money(proposal.amount())
            .date(proposal.sent_on()),
        OpportunityEvidence::Revised(r) => {
            let f = match r.amount() {
                Some(a) => f.money(*a.before()).money(*a.after()),
                None => f,
            };
            match r.expected_close() {
                Some(d) => f.date(*d.before()).date(*d.after()),
                None => f,
            }
        }
        OpportunityEvidence::Reassigned(r) => owners(f, r),
        OpportunityEvidence::StageMoved(m) => f
            .str(m.to().pipeline().as_str())
            .str(m.from().map_or("-", FieldKey::as_str))
            .str(m.to().stage().as_str()),
        OpportunityEvidence::Negotiating(_)
        | OpportunityEvidence::Lost(_)
        | OpportunityEvidence::Reopened(_)
        | OpportunityEvidence::Overridden(_) => f,
    }
}

/// An account's entry `index`: its wins and hand-offs in the order they were made, each
/// hand-off after as many wins as it says.
fn account_entry(account: &Account, index: usize) -> Option<u64> {
    let mut handoffs = account.handoffs().iter().peekable();
    let mut entries = Vec::with_capacity(index + 1);
    for (won, w) in account.wins().iter().enumerate() {
        while let Some(h) = handoffs.next_if(|h| h.after_wins() <= won) {
            entries.push(handoff(h));
        }
        entries.push(win(w));
    }
    entries.extend(handoffs.map(handoff));
    // Each fold is placed after the entries (folds included) before it.
    for f in account.folds() {
        entries.insert(f.position().min(entries.len()), fold(f));
    }
    entries.get(index).map(|f| f.0)
}

fn fold(f: &crate::account::Fold) -> Fingerprint {
    let ids = [
        f.merge().as_uuid(),
        f.account().as_uuid(),
        f.into_account().as_uuid(),
    ];
    let kind = if f.is_undo() { "unfolded" } else { "folded" };
    let start = Fingerprint::new().str(kind).time(f.at()).user(f.by());
    let with_ids = ids.iter().fold(start, |fp, id| {
        let (high, low) = id.as_u64_pair();
        fp.u64(high).u64(low)
    });
    f.won_value().iter().fold(with_ids, |fp, m| fp.money(m))
}

fn handoff(h: &Handoff) -> Fingerprint {
    owners(
        Fingerprint::new()
            .str("handed_off")
            .time(h.at())
            .user(h.actor()),
        h.reassignment(),
    )
}

fn win(w: &Win) -> Fingerprint {
    Fingerprint::new()
        .str("won")
        .bytes(w.opportunity().as_uuid().as_bytes())
        .money(w.value())
        .time(w.at())
        .user(w.actor())
}

/// 64-bit FNV-1a over explicitly encoded fields (little-endian numbers, length-prefixed text),
/// so that a fingerprint is the same on every platform and in every version.
struct Fingerprint(u64);

impl Fingerprint {
    fn new() -> Fingerprint {
        Fingerprint(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(mut self, bytes: &[u8]) -> Fingerprint {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }

    fn u64(self, n: u64) -> Fingerprint {
        self.bytes(&n.to_le_bytes())
    }

    fn i64(self, n: i64) -> Fingerprint {
        self.bytes(&n.to_le_bytes())
    }

    fn str(self, s: &str) -> Fingerprint {
        self.u64(s.len() as u64).bytes(s.as_bytes())
    }

    fn user(self, user: &User) -> Fingerprint {
        self.str(user.as_str())
    }

    fn time(self, at: DateTime<Utc>) -> Fingerprint {
        self.i64(at.timestamp())
            .u64(u64::from(at.timestamp_subsec_nanos()))
    }

    fn date(self, date: NaiveDate) -> Fingerprint {
        self.i64(i64::from(date.num_days_from_ce()))
    }

    fn money(self, amount: Money) -> Fingerprint {
        self.i64(amount.minor()).str(amount.currency().code())
    }

    fn finish(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_reference_values() {
        // The published FNV-1a 64 test vectors: the fingerprint is stored, so it must not drift.
        assert_eq!(Fingerprint::new().finish(), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            Fingerprint::new().bytes(b"a").finish(),
            0xaf63_dc4c_8601_ec8c
        );
        assert_eq!(
            Fingerprint::new().bytes(b"foobar").finish(),
            0x8594_4171_f739_67e8
        );
    }
}

#[cfg(test)]
mod pinned {
    use chrono::TimeZone;

    use crate::contact::{ContactDetails, LeadSource, Party};
    use crate::context::{Context, FixedClock};
    use crate::id::SequentialIds;
    use crate::lead::{BuyingRole, Channel, Interest, Lead, Touch};
    use crate::record::Record;
    use crate::text::{PersonName, Summary, User};

    /// Marks are stored by adapters: the fingerprint of a fixed entry must never change (a
    /// change here makes every stored mark stale). If this fails, the encoding drifted.
    #[test]
    fn the_fingerprint_of_a_fixed_entry_does_not_drift() {
        let clock = FixedClock::new(
            chrono::Utc
                .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
                .single()
                .expect("a valid date"),
        );
        let ids = SequentialIds::new(1);
        let ctx = Context::new(&clock, &ids, User::new("alice").expect("valid"));
        let contact = crate::contact::Contact::create(
            ContactDetails::new(
                Party::person(PersonName::new("Ada").expect("valid")),
                LeadSource::Web,
            ),
            &ctx,
        );
        let lead = Lead::open(
            &contact,
            Interest::new(Summary::new("A CRM").expect("valid"), BuyingRole::User),
            &ctx,
        )
        .log_touch(
            Touch::new(Channel::Call, Summary::new("Call").expect("valid")),
            &ctx,
        );
        let mark = Record::from(lead).history_mark();
        assert_eq!((mark.len(), mark.is_erased()), (2, false));
        assert_eq!(mark.tip(), PINNED, "{:#018x}", mark.tip());
    }

    const PINNED: u64 = 0xf5e3_f3e2_cc26_8e8a;
}
