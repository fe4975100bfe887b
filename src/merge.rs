//! Merges of duplicate contacts and organizations, and their exact undo.
//!
//! A merge folds one or more contacts (the *merged*) into another (the *survivor*), in one
//! commit: every lead, opportunity, account, activity and task of a merged contact moves to
//! the survivor (a [`Relink`], an entry of the record's history), the survivor's details take
//! the value chosen for each field that differs (a correction), and each merged contact stays
//! on record, saying which contact it was merged into ([`Contact::merged_into`]), no longer
//! found by its email or its duplicate keys. Every entry names the merge ([`MergeId`]).
//!
//! Because nothing is deleted and every entry says what it was before, the merge can be
//! undone exactly ([`Crm::unmerge`](crate::Crm::unmerge)): new entries move each record back
//! to its former contact, give the survivor its details from before the merge, and make the
//! merged contacts contacts again. History is never rewritten.
//!
//! A merge is planned first ([`Crm::plan_merge`](crate::Crm::plan_merge)): the [`MergePlan`]
//! lists every record it would move, the value kept for each field that differs, and what
//! cannot be merged and why ([`Refusal`]); it is serde, for a user interface to show, and
//! [`Crm::merge`](crate::Crm::merge) applies it only if nothing it read has changed since.
//!
//! Organizations merge the same way ([`Crm::plan_organization_merge`],
//! [`Crm::merge_organizations`], [`Crm::unmerge_organizations`], [`OrganizationMergePlan`]):
//! their contacts move to the survivor (a correction of each contact's organization naming the
//! merge), the survivor holds every domain of them all, and each merged organization's account
//! folds into the survivor's: an organization has one account, opened by its first win with
//! the organization's id, so the accounts are not moved but joined, by an entry in both
//! ([`Fold`](crate::Fold)); the survivor's won value counts the folded account's, which keeps
//! its wins on record and counts for nothing in a report. The survivor must therefore be a
//! customer if any of them is ([`Refusal::NotACustomer`]).
//!
//! [`Contact::merged_into`]: crate::Contact::merged_into
//! [`Crm::plan_organization_merge`]: crate::Crm::plan_organization_merge
//! [`Crm::merge_organizations`]: crate::Crm::merge_organizations
//! [`Crm::unmerge_organizations`]: crate::Crm::unmerge_organizations

pub(crate) mod organizations;
mod plan;

pub use crate::id::MergeId;
pub use crate::relink::{MergeNote, Relink};
pub use organizations::{
    FoldedAccount, KeptField, MovedContact, OrganizationChoices, OrganizationField,
    OrganizationMergePlan, PinnedOrganization,
};
pub use plan::{ContactField, Keep, MOST_MERGED, MergeChoices, MergePlan, Moved, Pinned, Refusal};
