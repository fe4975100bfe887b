//! Folds: the entries a merge of organizations writes into their accounts. An organization has
//! one account ([`AccountId::of_organization`]), whose wins are its history; when organizations
//! merge, the accounts of the merged ones fold into the survivor's as a block, each keeping its
//! wins: the survivor's account counts their won value, and each folded account says which
//! account it was folded into (and counts for nothing in a report). Undone by an entry that
//! unfolds it, with the same won value.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Account, data};
use crate::error::RecordError;
use crate::id::{AccountId, MergeId};
use crate::kind::RecordKind;
use crate::money::{MoneyError, MoneyTotals};
use crate::relink::Step;
use crate::text::User;

/// An entry of an account's history, written by a merge of organizations (or its undo) into
/// both accounts it joins: the account folded into another, with its won value then, which
/// the other counts as its own until the merge is undone. Its `position` places it among the
/// account's wins and hand-offs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fold {
    at: DateTime<Utc>,
    by: User,
    merge: MergeId,
    /// Whether it undoes the fold (the account is its own again).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    undo: bool,
    /// The account folded.
    account: AccountId,
    /// The account it was folded into.
    into: AccountId,
    /// The folded account's won value when it was folded.
    won: MoneyTotals,
    /// How many of the account's wins, hand-offs and folds came before it.
    position: u32,
}

impl Fold {
    /// When the account was folded (or unfolded).
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// Who merged (or unmerged) the organizations.
    pub fn by(&self) -> &User {
        &self.by
    }

    /// The merge of organizations that folded it.
    pub fn merge(&self) -> MergeId {
        self.merge
    }

    /// Whether the entry undoes the fold.
    pub fn is_undo(&self) -> bool {
        self.undo
    }

    /// The account folded.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// The account it was folded into.
    pub fn into_account(&self) -> AccountId {
        self.into
    }

    /// The folded account's won value when it was folded: what the account it was folded into
    /// counts as its own.
    pub fn won_value(&self) -> &MoneyTotals {
        &self.won
    }

    /// How many entries of the account's own history (its wins, hand-offs and folds) came
    /// before it.
    pub fn position(&self) -> usize {
        self.position as usize
    }
}

impl Account {
    /// The folds of its history (into it, or of it into another), oldest first.
    pub fn folds(&self) -> &[Fold] {
        self.data.folds.as_deref().map_or(&[], Vec::as_slice)
    }

    /// The account this one was folded into by a merge of organizations, if it was (and the
    /// merge was not undone): it keeps its wins on record, but its won value counts in that
    /// account, and it counts for nothing in a report.
    pub fn folded_into(&self) -> Option<AccountId> {
        let last = self.folds().iter().rev().find(|f| f.account == self.id())?;
        (!last.undo).then_some(last.into)
    }

    /// The accounts folded into this one and not unfolded since, with the won value each
    /// brought, in the order they were folded.
    pub fn folded_accounts(&self) -> Vec<(AccountId, &MoneyTotals)> {
        let mut open: Vec<(AccountId, &MoneyTotals)> = Vec::new();
        for fold in self.folds().iter().filter(|f| f.into == self.id()) {
            match fold.undo {
                false => open.push((fold.account, &fold.won)),
                true => open.retain(|(a, _)| *a != fold.account),
            }
        }
        open
    }

    /// The same account with `folded` folded into it by `step`: its won value counts here.
    ///
    /// # Errors
    ///
    /// [`MoneyError::Overflow`] when the won value would overflow; nothing changed then.
    pub(crate) fn folding(&self, step: &Step<'_>, folded: &Account) -> Result<Account, MoneyError> {
        let won = folded.won_value();
        let mut total = self.won_value();
        for money in won.iter() {
            total.add(money)?;
        }
        Ok(self.with_fold(step, folded.id(), self.id(), won))
    }

    /// The same account folded into `into` by `step`.
    pub(crate) fn folded(&self, step: &Step<'_>, into: AccountId) -> Account {
        self.with_fold(step, self.id(), into, self.won_value())
    }

    /// The same account with the fold `fold` (of this account, or into it) undone by `step`.
    pub(crate) fn unfolded(&self, step: &Step<'_>, fold: &Fold) -> Account {
        self.with_fold(step, fold.account, fold.into, fold.won.clone())
    }

    /// The open folds `merge` made in this account (into it, or of it): what its undo undoes.
    pub(crate) fn folds_of(&self, merge: MergeId) -> Vec<Fold> {
        let mut open: Vec<Fold> = Vec::new();
        for fold in self.folds().iter().filter(|f| f.merge == merge) {
            match fold.undo {
                false => open.push(fold.clone()),
                true => open.retain(|f| f.account != fold.account),
            }
        }
        open
    }

    fn with_fold(
        &self,
        step: &Step<'_>,
        account: AccountId,
        into: AccountId,
        won: MoneyTotals,
    ) -> Account {
        let position = u32::try_from(self.own_entries()).unwrap_or(u32::MAX);
        let mut data = data::Account::clone(&self.data);
        data.folds.get_or_insert_default().push(Fold {
            at: self.next_win_at(step.at),
            by: step.by.clone(),
            merge: step.merge,
            undo: step.undo,
            account,
            into,
            won,
            position,
        });
        Account {
            data: std::sync::Arc::new(data),
        }
    }

    /// The won value of the accounts folded into this one and not unfolded, added to `totals`.
    pub(super) fn add_folded(&self, totals: &mut MoneyTotals) -> Result<(), MoneyError> {
        for (_, won) in self.folded_accounts() {
            for money in won.iter() {
                totals.add(money)?;
            }
        }
        Ok(())
    }

    /// Checks the folds: each joins this account to another, placed and dated no earlier than
    /// the one before (and not before the account was won), with a won value above zero; an
    /// undo follows the fold it undoes, with its won value.
    pub(super) fn check_folds(&self) -> Result<(), RecordError> {
        let invariant = |problem| {
            Err(RecordError::Invariant {
                record: RecordKind::Account,
                field: "folds",
                problem,
            })
        };
        let folds = self.folds();
        if folds
            .windows(2)
            .any(|w| w[1].position <= w[0].position || w[1].at < w[0].at)
            || folds
                .first()
                .is_some_and(|f| f.at < self.customer_since() || f.position == 0)
        {
            return invariant("a fold is placed or dated before the entry before it");
        }
        if folds
            .last()
            .is_some_and(|f| f.position() >= self.own_entries())
        {
            return invariant("a fold is placed after the account's last entry");
        }
        let mut open: Vec<&Fold> = Vec::new();
        for fold in folds {
            let id = self.id();
            if (fold.account == id) == (fold.into == id) {
                return invariant("a fold does not join this account to another");
            }
            if fold.won.is_empty() || fold.won.iter().any(|m| !m.is_positive()) {
                return invariant("a fold's won value must be above zero");
            }
            match fold.undo {
                false => open.push(fold),
                true => {
                    let undone = open.iter().position(|f| {
                        (f.merge, f.account, f.into, &f.won)
                            == (fold.merge, fold.account, fold.into, &fold.won)
                    });
                    let Some(undone) = undone else {
                        return invariant("an unfold does not follow its fold");
                    };
                    open.remove(undone);
                }
            }
        }
        Ok(())
    }
}
