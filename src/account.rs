//! Accounts: customers, made by winning an opportunity.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::context::Context;
use crate::custom::CustomFields;
use crate::edit::{Change, Reassignment};
use crate::error::RecordError;
use crate::format::{Format, ReadingRecord};
use crate::id::{AccountId, ContactId, OpportunityId, OrganizationId};
use crate::kind::RecordKind;
use crate::money::{Money, MoneyError, MoneyTotals};
use crate::opportunity::{OpportunityData, SignedContract};
use crate::relink::Relinks;
use crate::text::{Note, Reference, User};

mod fold;

pub use fold::Fold;

/// One opportunity won by an account: an entry of the account's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Win {
    opportunity: OpportunityId,
    contract: Reference,
    value: Money,
    at: DateTime<Utc>,
    actor: User,
}

impl Win {
    /// The opportunity won.
    pub fn opportunity(&self) -> OpportunityId {
        self.opportunity
    }

    /// The reference of its signed contract.
    pub fn contract(&self) -> &Reference {
        &self.contract
    }

    /// The value of the contract that won it: what the win added to the account.
    pub fn value(&self) -> Money {
        self.value
    }

    /// When it was won.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who recorded the win.
    pub fn actor(&self) -> &User {
        &self.actor
    }
}

/// A hand-off of an account: an entry of its history, between its wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handoff {
    at: DateTime<Utc>,
    actor: User,
    /// How many wins came before it: where it stands among them, so that the history's order
    /// does not depend on times that may be equal.
    after_wins: u32,
    reassignment: Reassignment,
}

impl Handoff {
    /// When the account changed hands.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who handed it over.
    pub fn actor(&self) -> &User {
        &self.actor
    }

    /// How many of the account's wins came before it.
    pub fn after_wins(&self) -> usize {
        self.after_wins as usize
    }

    /// The owner before and after, and the reason.
    pub fn reassignment(&self) -> &Reassignment {
        &self.reassignment
    }
}

/// A customer: the end of the funnel.
///
/// Made only by winning an opportunity ([`Opportunity::win`](crate::Opportunity::win)); later
/// wins are added with [`Opportunity::win_for`](crate::Opportunity::win_for) (repeat business).
/// It keeps its primary contact, every opportunity won (its history) and the date it became a
/// customer; its won value per currency is the sum of its wins.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    data: Arc<data::Account>,
}

mod data {
    use super::*;

    /// The account itself, shared between the copies of a [`super::Account`].
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct Account {
        pub(super) id: AccountId,
        pub(super) primary_contact: ContactId,
        /// The organization it is (B2B), or `None`: its primary contact, a person (B2C).
        pub(super) organization: Option<OrganizationId>,
        pub(super) owner: Option<User>,
        pub(super) customer_since: DateTime<Utc>,
        pub(super) wins: Vec<Win>,
        /// The hand-offs, oldest first; each says how many wins came before it.
        pub(super) handoffs: Vec<Handoff>,
        /// Whether personal data in it was erased (the references of erased contacts' wins).
        pub(super) erased: bool,
        pub(super) custom: CustomFields,
        /// The merges that moved it to another contact.
        pub(super) relinks: Relinks,
        /// The folds of merges of organizations: into it, or of it into another (boxed, one
        /// pointer: most accounts have none).
        #[expect(
            clippy::box_collection,
            reason = "one pointer in every account, where a `Vec` is three: most have no fold"
        )]
        pub(super) folds: Option<Box<Vec<super::Fold>>>,
    }
}

/// An account as serialised: its fields in this order, with its won value.
#[derive(Serialize)]
struct AccountOut<'a> {
    format: Format,
    id: AccountId,
    primary_contact: ContactId,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization: Option<OrganizationId>,
    owner: &'a Option<User>,
    customer_since: DateTime<Utc>,
    won_value: MoneyTotals,
    wins: &'a [Win],
    #[serde(skip_serializing_if = "<[Handoff]>::is_empty")]
    handoffs: &'a [Handoff],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    erased: bool,
    #[serde(skip_serializing_if = "CustomFields::is_empty")]
    custom: &'a CustomFields,
    #[serde(skip_serializing_if = "Relinks::is_empty")]
    relinks: &'a Relinks,
    #[serde(skip_serializing_if = "<[Fold]>::is_empty")]
    folds: &'a [Fold],
}

impl Serialize for Account {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = &*self.data;
        AccountOut {
            format: Format,
            id: a.id,
            primary_contact: a.primary_contact,
            organization: a.organization,
            owner: &a.owner,
            customer_since: a.customer_since,
            won_value: self.won_value(),
            wins: &a.wins,
            handoffs: &a.handoffs,
            erased: a.erased,
            custom: &a.custom,
            relinks: &a.relinks,
            folds: self.folds(),
        }
        .serialize(s)
    }
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.data, f)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountRepr {
    #[serde(default)]
    format: Format,
    id: AccountId,
    primary_contact: ContactId,
    #[serde(default)]
    organization: Option<OrganizationId>,
    owner: Option<User>,
    customer_since: DateTime<Utc>,
    #[serde(deserialize_with = "won_value")]
    won_value: MoneyTotals,
    wins: Vec<Win>,
    #[serde(default)]
    handoffs: Vec<Handoff>,
    #[serde(default)]
    erased: bool,
    #[serde(default)]
    custom: CustomFields,
    #[serde(default)]
    relinks: Relinks,
    #[serde(default)]
    folds: Vec<Fold>,
}

/// An account's won value, whose errors name the field (a record read by a store is reported
/// without a path).
fn won_value<'de, D: Deserializer<'de>>(d: D) -> Result<MoneyTotals, D::Error> {
    MoneyTotals::deserialize(d)
        .map_err(|e| serde::de::Error::custom(format_args!("won_value: {e}")))
}

impl Account {
    /// A new account from its first win: a person's (`organization` `None`), or an
    /// organization's, whose id is then [`AccountId::of_organization`].
    pub(crate) fn open(
        id: AccountId,
        organization: Option<OrganizationId>,
        opportunity: &OpportunityData,
        contract: &SignedContract,
        at: DateTime<Utc>,
        ctx: &Context<'_>,
    ) -> Account {
        let id = organization.map_or(id, AccountId::of_organization);
        Account {
            data: Arc::new(data::Account {
                id,
                primary_contact: opportunity.contact,
                organization,
                owner: opportunity.owner.clone(),
                customer_since: at,
                wins: vec![Win {
                    opportunity: opportunity.id,
                    contract: contract.reference().clone(),
                    value: contract.value(),
                    at,
                    actor: ctx.actor().clone(),
                }],
                handoffs: Vec::new(),
                erased: false,
                custom: CustomFields::new(),
                relinks: Relinks::default(),
                folds: None,
            }),
        }
    }

    /// The same account with the contract references of the wins of `erased` opportunities
    /// erased (those of an erased contact) and the reasons of its hand-offs, marked erased.
    /// Same wins, values, owners and times.
    pub(crate) fn erase_personal_data(&self, erased: impl Fn(OpportunityId) -> bool) -> Account {
        let mut data = data::Account::clone(&self.data);
        for win in &mut data.wins {
            if erased(win.opportunity) {
                win.contract = Reference::erased();
            }
        }
        for handoff in &mut data.handoffs {
            handoff.reassignment = handoff.reassignment.erased();
        }
        data.custom = data.custom.erased();
        data.erased = true;
        Account {
            data: Arc::new(data),
        }
    }

    /// The same account with the contract references of every win and the reasons of its
    /// hand-offs redacted, keeping its erased mark: what a principal without the right to read
    /// personal data sees.
    pub(crate) fn redacted(&self) -> Account {
        let mut data = data::Account::clone(&self.erase_personal_data(|_| true).data);
        data.erased = self.data.erased;
        Account {
            data: Arc::new(data),
        }
    }

    /// Whether personal data in the account was erased.
    pub fn is_erased(&self) -> bool {
        self.data.erased
    }

    /// When a win reading the clock at `now` is recorded: never before the latest win, so that
    /// the wins stay in order.
    pub(crate) fn next_win_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.max(self.latest_at())
    }

    /// When the latest entry of its history (a win, a hand-off or a fold) was made.
    fn latest_at(&self) -> DateTime<Utc> {
        let win = self.data.wins.last().map(|w| w.at);
        let handoff = self.data.handoffs.last().map(|h| h.at);
        let fold = self.folds().last().map(|f| f.at());
        win.max(handoff)
            .max(fold)
            .unwrap_or(self.data.customer_since)
    }

    /// Hands the account over to `owner` (`None`: to nobody), for `reason` if one is given:
    /// an entry of its history, with the owner before and after.
    pub fn reassign(&mut self, owner: Option<User>, reason: Option<Note>, ctx: &Context<'_>) {
        let at = self.next_win_at(ctx.now());
        let account = Arc::make_mut(&mut self.data);
        let change = Change::new(account.owner.clone(), owner.clone());
        account.handoffs.push(Handoff {
            at,
            actor: ctx.actor().clone(),
            // An account with more than 4 billion wins does not exist; saturate rather than
            // panic.
            after_wins: u32::try_from(account.wins.len()).unwrap_or(u32::MAX),
            reassignment: Reassignment::new(change, reason),
        });
        account.owner = owner;
    }

    /// The hand-offs, oldest first.
    pub fn handoffs(&self) -> &[Handoff] {
        &self.data.handoffs
    }

    /// Adds a win; on error nothing changed.
    pub(crate) fn add_win(
        &mut self,
        opportunity: &OpportunityData,
        contract: &SignedContract,
        at: DateTime<Utc>,
        ctx: &Context<'_>,
    ) -> Result<(), MoneyError> {
        self.won_value().add(contract.value())?;
        let account = Arc::make_mut(&mut self.data);
        account.wins.push(Win {
            opportunity: opportunity.id,
            contract: contract.reference().clone(),
            value: contract.value(),
            at,
            actor: ctx.actor().clone(),
        });
        Ok(())
    }

    /// The account's id, which it keeps as it wins more.
    pub fn id(&self) -> AccountId {
        self.data.id
    }

    /// The contact of the first opportunity won.
    pub fn primary_contact(&self) -> ContactId {
        self.data.primary_contact
    }

    /// The organization the account is (B2B), or `None` when it is its primary contact's, a
    /// person's (B2C). An organization has one account, whose id is
    /// [`AccountId::of_organization`].
    pub fn organization(&self) -> Option<OrganizationId> {
        self.data.organization
    }

    /// The user who owns the account, if any.
    pub fn owner(&self) -> Option<&User> {
        self.data.owner.as_ref()
    }

    /// When the first opportunity was won.
    pub fn customer_since(&self) -> DateTime<Utc> {
        self.data.customer_since
    }

    /// The value of every contract won, per currency: the sum of the wins and of the won
    /// value of the accounts folded into it ([`folded_accounts`](Self::folded_accounts)),
    /// added up at each call (an account holds a few).
    pub fn won_value(&self) -> MoneyTotals {
        let mut totals = MoneyTotals::new();
        for win in &self.data.wins {
            // Cannot overflow: a win or a fold that would make the totals overflow is refused
            // when it is added, and so is a stored account whose wins and folds do.
            let _ = totals.add(win.value);
        }
        if !self.folds().is_empty() {
            let _ = self.add_folded(&mut totals);
        }
        totals
    }

    /// Every win, oldest first (never empty): the account's history.
    pub fn wins(&self) -> &[Win] {
        &self.data.wins
    }

    /// The opportunities won, oldest first.
    pub fn opportunities(&self) -> impl ExactSizeIterator<Item = OpportunityId> + '_ {
        self.data.wins.iter().map(Win::opportunity)
    }

    /// Checks the invariants of an account: those of a stored one whose won value is the sum
    /// of its wins.
    pub(crate) fn check(&self) -> Result<(), RecordError> {
        self.validate(&self.won_value())
    }

    /// Checks the invariants of a stored account, whose won value reads `won_value`.
    fn validate(&self, won_value: &MoneyTotals) -> Result<(), RecordError> {
        let invariant = |field, problem| {
            Err(RecordError::Invariant {
                record: RecordKind::Account,
                field,
                problem,
            })
        };
        if self
            .data
            .organization
            .is_some_and(|o| AccountId::of_organization(o) != self.data.id)
        {
            return invariant("id", "an organization's account has the organization's id");
        }
        let Some(first) = self.data.wins.first() else {
            return invariant("wins", "an account has at least the win it was made from");
        };
        if first.at != self.data.customer_since {
            return invariant("customer_since", "differs from the date of the first win");
        }
        if self.data.wins.windows(2).any(|w| w[1].at < w[0].at) {
            return invariant("wins", "not in the order they were won");
        }
        let mut seen = HashSet::with_capacity(self.data.wins.len());
        let mut totals = MoneyTotals::new();
        for win in &self.data.wins {
            if !seen.insert(win.opportunity) {
                return invariant("wins", "the same opportunity is won twice");
            }
            if !win.value.is_positive() {
                return invariant("wins", "a contract's value must be above zero");
            }
            if totals.add(win.value).is_err() {
                return invariant("won_value", "overflows");
            }
        }
        self.check_folds()?;
        if self.add_folded(&mut totals).is_err() {
            return invariant("won_value", "overflows");
        }
        if totals != *won_value {
            return invariant("won_value", "differs from the sum of the wins and folds");
        }
        let handoffs = &self.data.handoffs;
        if handoffs
            .windows(2)
            .any(|h| h[1].after_wins < h[0].after_wins || h[1].at < h[0].at)
            || handoffs
                .last()
                .is_some_and(|h| h.after_wins() > self.data.wins.len())
        {
            return invariant("handoffs", "not in the order they were made");
        }
        let wins = &self.data.wins;
        let misplaced = handoffs.iter().any(|h| {
            let after = h.after_wins();
            after
                .checked_sub(1)
                .and_then(|w| wins.get(w))
                .is_some_and(|w| h.at < w.at)
                || wins.get(after).is_some_and(|w| w.at < h.at)
        });
        if misplaced {
            return invariant("handoffs", "a hand-off's time is not between its wins'");
        }
        let owners = handoffs.iter().map(|h| h.reassignment.owner());
        if !crate::edit::chained(owners, &self.data.owner) {
            return invariant("owner", "differs from its history's hand-offs");
        }
        self.data
            .custom
            .check(self.own_entries(), self.data.erased)
            .map_err(|problem| RecordError::Custom {
                record: RecordKind::Account,
                problem,
            })?;
        let entries = self.own_entries() + self.data.custom.edits().len();
        self.data
            .relinks
            .check(RecordKind::Account, self.data.primary_contact, entries)
    }

    /// How many entries its own history has: its wins, hand-offs and folds.
    pub(crate) fn own_entries(&self) -> usize {
        self.data.wins.len() + self.data.handoffs.len() + self.folds().len()
    }

    /// Its custom fields.
    pub fn custom_fields(&self) -> &CustomFields {
        &self.data.custom
    }

    /// The same account with `custom` as its custom fields.
    pub(crate) fn with_custom_fields(mut self, custom: CustomFields) -> Account {
        Arc::make_mut(&mut self.data).custom = custom;
        self
    }

    /// The merges that moved it to another contact, oldest first.
    pub fn relinks(&self) -> &[crate::relink::Relink] {
        self.data.relinks.as_slice()
    }

    /// The same account moved to contact `to` by a merge or its undo: an entry of its
    /// history.
    pub(crate) fn relinked(mut self, step: &crate::relink::Step<'_>, to: ContactId) -> Account {
        let entries = self.own_entries() + self.data.custom.edits().len();
        let data = Arc::make_mut(&mut self.data);
        data.relinks = data.relinks.pushed(step, data.primary_contact, to, entries);
        data.primary_contact = to;
        self
    }
}

impl<'de> Deserialize<'de> for Account {
    /// Reads an account, refusing one that breaks an invariant.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let reading = ReadingRecord::start();
        let r = AccountRepr::deserialize(d)?;
        let Format = r.format;
        reading
            .finish(RecordKind::Account)
            .map_err(serde::de::Error::custom)?;
        let account = Account {
            data: Arc::new(data::Account {
                id: r.id,
                primary_contact: r.primary_contact,
                organization: r.organization,
                owner: r.owner,
                customer_since: r.customer_since,
                wins: r.wins,
                handoffs: r.handoffs,
                erased: r.erased,
                custom: r.custom,
                relinks: r.relinks,
                folds: (!r.folds.is_empty()).then(|| Box::new(r.folds)),
            }),
        };
        account
            .validate(&r.won_value)
            .map_err(serde::de::Error::custom)?;
        Ok(account)
    }
}
