//! A merge of organizations, planned: the contacts it would move, the accounts it would fold,
//! the value it keeps for each field that differs, and what it refuses. A pure function of the
//! organizations, contacts and accounts read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MOST_MERGED, Refusal};
use crate::account::Account;
use crate::id::{AccountId, ContactId, OrganizationId};
use crate::organization::{Organization, OrganizationDetails};
use crate::record::Record;
use crate::store::{Unreadable, Versioned};
use crate::version::Version;

/// A field of an organization's details that two organizations may hold differently: what
/// [`OrganizationChoices`] chooses a value for. Their domains are not chosen: the survivor
/// holds them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationField {
    /// Its name.
    Name,
    /// Its industry.
    Industry,
    /// Its size band.
    Size,
    /// Its country.
    Country,
    /// The owner of the relationship.
    Owner,
}

impl OrganizationField {
    /// Every field, in the order a plan lists them.
    pub const ALL: [OrganizationField; 5] = [
        OrganizationField::Name,
        OrganizationField::Industry,
        OrganizationField::Size,
        OrganizationField::Country,
        OrganizationField::Owner,
    ];

    /// Whether `details` hold a value for the field (a name always is).
    fn is_set(self, details: &OrganizationDetails) -> bool {
        match self {
            OrganizationField::Name => true,
            OrganizationField::Industry => details.industry.is_some(),
            OrganizationField::Size => details.size.is_some(),
            OrganizationField::Country => details.country.is_some(),
            OrganizationField::Owner => details.owner.is_some(),
        }
    }

    /// Whether `a` and `b` hold the same value for the field.
    fn same(self, a: &OrganizationDetails, b: &OrganizationDetails) -> bool {
        match self {
            OrganizationField::Name => a.name == b.name,
            OrganizationField::Industry => a.industry == b.industry,
            OrganizationField::Size => a.size == b.size,
            OrganizationField::Country => a.country == b.country,
            OrganizationField::Owner => a.owner == b.owner,
        }
    }

    /// `into` with the field's value taken from `from`.
    fn copy(self, from: &OrganizationDetails, into: &mut OrganizationDetails) {
        match self {
            OrganizationField::Name => into.name = from.name.clone(),
            OrganizationField::Industry => into.industry = from.industry.clone(),
            OrganizationField::Size => into.size = from.size,
            OrganizationField::Country => into.country = from.country,
            OrganizationField::Owner => into.owner = from.owner.clone(),
        }
    }
}

/// Which organization's value a merge keeps, per field. A field not chosen keeps the
/// survivor's value, or, when the survivor has none, the first merged organization's that has
/// one (in the order the merge lists them).
///
/// ```
/// use prospect::merge::{OrganizationChoices, OrganizationField};
/// # let other = prospect::OrganizationId::from_uuid(prospect::uuid::Uuid::nil());
/// let choices = OrganizationChoices::new().keep(OrganizationField::Name, other);
/// assert_eq!(choices.chosen(OrganizationField::Name), Some(other));
/// assert_eq!(choices.chosen(OrganizationField::Country), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrganizationChoices(BTreeMap<OrganizationField, OrganizationId>);

impl OrganizationChoices {
    /// No choice: every field as by default.
    pub fn new() -> OrganizationChoices {
        OrganizationChoices::default()
    }

    /// The same choices, keeping `organization`'s value of `field` (even none).
    pub fn keep(
        mut self,
        field: OrganizationField,
        organization: OrganizationId,
    ) -> OrganizationChoices {
        self.0.insert(field, organization);
        self
    }

    /// The organization whose value of `field` was chosen, if one was.
    pub fn chosen(&self, field: OrganizationField) -> Option<OrganizationId> {
        self.0.get(&field).copied()
    }
}

/// An organization a plan relies on, at the version it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedOrganization {
    /// The organization.
    pub organization: OrganizationId,
    /// Its version when the plan was made: a merge of an organization changed since is a
    /// conflict.
    pub version: Version,
}

/// The value a merge of organizations keeps for a field they hold differently.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeptField {
    /// The field.
    pub field: OrganizationField,
    /// The organization whose value the survivor keeps.
    pub from: OrganizationId,
    /// The organizations whose value differs from the one kept (they keep theirs, on record).
    pub differing: Vec<OrganizationId>,
}

/// A contact a merge of organizations moves to the survivor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovedContact {
    /// The contact.
    pub contact: ContactId,
    /// Its version when the plan was made: a merge of a contact changed since is a conflict.
    pub version: Version,
    /// The merged organization it belonged to.
    pub from: OrganizationId,
}

/// An organization's account in a merge: the survivor's, into which the others fold, or a
/// merged organization's, folded into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoldedAccount {
    /// The account ([`AccountId::of_organization`]).
    pub account: AccountId,
    /// Its version when the plan was made: a merge of an account changed since is a conflict.
    pub version: Version,
    /// Its organization.
    pub organization: OrganizationId,
}

/// A merge of organizations, planned: the survivor and the merged organizations at the
/// versions read, the choices it was made with, the survivor's details once merged (with every
/// domain of them all), the value kept for each field that differs, every contact it moves to
/// the survivor, the accounts it folds into the survivor's, and anything it refuses. Serde,
/// for a user interface to show and to send back to
/// [`Crm::merge_organizations`](crate::Crm::merge_organizations), which plans again and
/// applies the plan only if the two agree and nothing was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationMergePlan {
    survivor: PinnedOrganization,
    merged: Vec<PinnedOrganization>,
    #[serde(default)]
    choices: OrganizationChoices,
    details: OrganizationDetails,
    kept: Vec<KeptField>,
    contacts: Vec<MovedContact>,
    account: Option<FoldedAccount>,
    folded: Vec<FoldedAccount>,
    refusals: Vec<Refusal>,
}

/// What a plan of a merge of organizations is made from: the organizations, the contacts of
/// the merged ones, and the accounts of them all, as read.
pub(crate) struct OrganizationsRead<'a> {
    pub(crate) survivor: &'a Versioned<Organization>,
    pub(crate) merged: &'a [Versioned<Organization>],
    pub(crate) contacts: &'a [Versioned<Record>],
    pub(crate) accounts: &'a [Versioned<Account>],
    pub(crate) unreadable: &'a [Unreadable],
}

impl OrganizationMergePlan {
    /// Plans the merge of what `read` holds, with `choices`.
    pub(crate) fn new(read: &OrganizationsRead<'_>, choices: OrganizationChoices) -> Self {
        let pin = |o: &Versioned<Organization>| PinnedOrganization {
            organization: o.id(),
            version: o.version(),
        };
        let survivor = read.survivor;
        let mut refusals = refusals(survivor, read.merged, &choices);
        refusals.extend(read.unreadable.iter().map(|u| Refusal::Unreadable {
            kind: u.kind,
            id: u.id.clone(),
        }));
        let mut contacts: Vec<MovedContact> = read
            .contacts
            .iter()
            .filter_map(|r| {
                let Record::Contact(c) = r.value() else {
                    return None;
                };
                Some(MovedContact {
                    contact: c.id(),
                    version: r.version(),
                    from: c.organization()?,
                })
            })
            .collect();
        contacts.sort_by_key(|m| m.contact);
        contacts.dedup_by_key(|m| m.contact);
        let account_of = |o: OrganizationId| {
            let account = read
                .accounts
                .iter()
                .find(|a| a.id() == AccountId::of_organization(o))?;
            Some(FoldedAccount {
                account: account.id(),
                version: account.version(),
                organization: o,
            })
        };
        let account = account_of(survivor.id());
        let folded: Vec<FoldedAccount> = read
            .merged
            .iter()
            .filter(|o| o.id() != survivor.id())
            .filter_map(|o| account_of(o.id()))
            .collect();
        match (account, folded.first()) {
            (None, Some(customer)) => refusals.push(Refusal::NotACustomer {
                customer: customer.organization,
            }),
            (Some(into), Some(_)) if overflows(read.accounts) => {
                refusals.push(Refusal::WonValueOverflows {
                    account: into.account,
                });
            }
            _ => {}
        }
        let (details, kept) = chosen(survivor, read.merged, &choices);
        if details.domains.len() > Organization::MAX_DOMAINS {
            refusals.push(Refusal::TooManyDomains {
                count: details.domains.len(),
            });
        }
        OrganizationMergePlan {
            survivor: pin(survivor),
            merged: read.merged.iter().map(pin).collect(),
            choices,
            details,
            kept,
            contacts,
            account,
            folded,
            refusals,
        }
    }

    /// The organization the others are merged into.
    pub fn survivor(&self) -> PinnedOrganization {
        self.survivor
    }

    /// The organizations merged into the survivor.
    pub fn merged(&self) -> &[PinnedOrganization] {
        &self.merged
    }

    /// The choices the plan was made with.
    pub fn choices(&self) -> &OrganizationChoices {
        &self.choices
    }

    /// The survivor's details once merged: the values kept, and every domain of them all.
    pub fn details(&self) -> &OrganizationDetails {
        &self.details
    }

    /// The value kept for each field the organizations hold differently.
    pub fn kept(&self) -> &[KeptField] {
        &self.kept
    }

    /// Every contact the merge moves to the survivor, in id order.
    pub fn contacts(&self) -> &[MovedContact] {
        &self.contacts
    }

    /// The survivor's account, into which the others fold, if it is a customer.
    pub fn account(&self) -> Option<FoldedAccount> {
        self.account
    }

    /// The accounts of merged organizations the merge folds into the survivor's.
    pub fn folded(&self) -> &[FoldedAccount] {
        &self.folded
    }

    /// What the merge refuses; a plan with any cannot be applied.
    pub fn refusals(&self) -> &[Refusal] {
        &self.refusals
    }

    /// The ids of the merged organizations.
    pub(crate) fn merged_ids(&self) -> Vec<OrganizationId> {
        self.merged.iter().map(|p| p.organization).collect()
    }
}

/// Whether the won values of `accounts` (the survivor's and those folded into it) overflow
/// when added up.
fn overflows(accounts: &[Versioned<Account>]) -> bool {
    let mut total = crate::money::MoneyTotals::new();
    for account in accounts {
        for money in account.won_value().iter() {
            if total.add(money).is_err() {
                return true;
            }
        }
    }
    false
}

/// What the merge of `merged` into `survivor` with `choices` refuses (but what needs their
/// accounts or the details once merged).
fn refusals(
    survivor: &Versioned<Organization>,
    merged: &[Versioned<Organization>],
    choices: &OrganizationChoices,
) -> Vec<Refusal> {
    let mut found = Vec::new();
    if merged.is_empty() {
        found.push(Refusal::NothingToMerge);
    }
    if merged.len() > MOST_MERGED {
        found.push(Refusal::TooMany {
            count: merged.len(),
        });
    }
    let all: Vec<&Versioned<Organization>> = std::iter::once(survivor).chain(merged).collect();
    for (n, organization) in all.iter().enumerate() {
        let id = organization.id();
        if all[..n].iter().any(|o| o.id() == id) {
            found.push(Refusal::OrganizationRepeated { organization: id });
            continue;
        }
        if let Some(into) = organization.merged_into() {
            found.push(Refusal::OrganizationMerged {
                organization: id,
                into,
            });
        }
    }
    for field in OrganizationField::ALL {
        if let Some(organization) = choices.chosen(field) {
            if !all.iter().any(|o| o.id() == organization) {
                found.push(Refusal::OrganizationNotInMerge {
                    field,
                    organization,
                });
            }
        }
    }
    found
}

/// The survivor's details once merged (every domain of them all, sorted, each once), and the
/// value kept for each field that differs.
fn chosen(
    survivor: &Versioned<Organization>,
    merged: &[Versioned<Organization>],
    choices: &OrganizationChoices,
) -> (OrganizationDetails, Vec<KeptField>) {
    let mut details = survivor.details().clone();
    let mut kept = Vec::new();
    let all = || std::iter::once(survivor).chain(merged);
    for field in OrganizationField::ALL {
        let from = choices
            .chosen(field)
            .and_then(|id| all().find(|o| o.id() == id))
            .or_else(|| all().find(|o| field.is_set(o.details())))
            .unwrap_or(survivor);
        field.copy(from.details(), &mut details);
        let differing: Vec<OrganizationId> = all()
            .filter(|o| !field.same(o.details(), from.details()))
            .map(|o| o.id())
            .collect();
        if !differing.is_empty() {
            kept.push(KeptField {
                field,
                from: from.id(),
                differing,
            });
        }
    }
    details.domains = all().flat_map(|o| o.domains().iter().cloned()).collect();
    details.domains.sort();
    details.domains.dedup();
    (details, kept)
}
