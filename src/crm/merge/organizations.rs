//! Merges of organizations through the facade: planned from what the store holds, applied in
//! one commit that relies on everything the plan read, and undone exactly
//! ([`merge`](crate::merge)). [`Crm`]'s methods, documented, and their logic ([`Steps`]), which
//! [`AsyncCrm`] runs too.

use super::super::steps::{Backend, Permit, Steps, Subject as _, run};
use super::super::*;
use crate::access::Action;
use crate::id::MergeId;
use crate::merge::organizations::OrganizationsRead;
use crate::merge::{
    MOST_MERGED, OrganizationChoices, OrganizationMergePlan, PinnedOrganization, Refusal,
};
use crate::relink::{MergeNote, Step};
use crate::store::{Conflict, Precondition, Unreadable};

/// What [`Crm::merge_organizations`] or [`Crm::unmerge_organizations`] stored: the merge, the
/// survivor, the merged organizations, every contact moved (to the survivor, or back) and
/// every account folded (or unfolded), at their new versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationMergeOutcome {
    /// The merge (what [`Crm::unmerge_organizations`] names).
    pub merge: MergeId,
    /// The survivor.
    pub survivor: Versioned<Organization>,
    /// The merged organizations, in the merge's order.
    pub merged: Vec<Versioned<Organization>>,
    /// The contacts moved.
    pub contacts: Vec<Versioned<Contact>>,
    /// The accounts written: the survivor's, and those folded into it.
    pub accounts: Vec<Versioned<Account>>,
}

impl<S: Store> Crm<S> {
    /// Plans the merge of the organizations `merged` into `survivor` with `choices`
    /// ([`merge`](crate::merge)): the survivor's details once merged (every domain of them
    /// all, and the value kept for each field they hold differently), every contact of a
    /// merged organization it would move to the survivor (found by the store's index by
    /// organization), the accounts it would fold into the survivor's, and what it refuses.
    /// Nothing is written; the plan is what [`merge_organizations`](Self::merge_organizations)
    /// applies.
    ///
    /// ```
    /// use prospect::merge::OrganizationChoices;
    /// use prospect::memory::MemoryStore;
    /// use prospect::*;
    /// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll);
    /// let me = User::new("ann")?;
    /// let organization = |name: &str, domain: &str| -> Result<_, Box<dyn std::error::Error>> {
    ///     let details = OrganizationDetails::new(OrganizationName::new(name)?)
    ///         .with_domain(Domain::new(domain)?);
    ///     Ok(crm.create_organization(details, OnDuplicate::Refuse, &me)?.into_organization())
    /// };
    /// let acme = organization("ACME", "acme.example")?;
    /// let corp = organization("Acme Corporation", "acmecorp.example")?;
    /// let person = ContactDetails::new(Party::person(PersonName::new("Ada Lovelace")?), LeadSource::Web);
    /// let ada = crm.create_contact(person, OnDuplicate::Refuse, &me)?.into_contact();
    /// let ada = crm.link_contact(ada, &corp, &me)?;
    ///
    /// let plan = crm.plan_organization_merge(acme.id(), &[corp.id()], OrganizationChoices::new(), &me)?;
    /// assert_eq!(plan.contacts().len(), 1, "Ada");
    /// assert_eq!(plan.details().domains.len(), 2);
    /// let merged = crm.merge_organizations(&plan, &me)?;
    /// assert_eq!(crm.load::<Contact>(ada.id(), &me)?.value().organization(), Some(acme.id()));
    /// let found = crm.find_organizations_by_domain(&Domain::new("acmecorp.example")?, &me)?;
    /// assert_eq!(found[0].id(), acme.id().into());
    ///
    /// // Undone exactly: Ada is Acme Corporation's again, and so is its domain.
    /// crm.unmerge_organizations(acme.id(), merged.merge, &me)?;
    /// assert_eq!(crm.load::<Contact>(ada.id(), &me)?.value().organization(), Some(corp.id()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmError::MergeRefused`] when more than [`MOST_MERGED`](crate::merge::MOST_MERGED)
    /// organizations are named (nothing is read then; every other refusal is in the plan);
    /// [`CrmError::NotFound`] when an organization does not exist or `actor` may not read it;
    /// [`CrmError::Forbidden`] when they may not edit an organization, a contact or an account
    /// the merge would write (as [`merge_organizations`](Self::merge_organizations)
    /// requires); [`CrmError::Store`].
    pub fn plan_organization_merge(
        &self,
        survivor: OrganizationId,
        merged: &[OrganizationId],
        choices: OrganizationChoices,
        actor: &User,
    ) -> Result<OrganizationMergePlan, CrmError<S::Error>> {
        run(self
            .steps()
            .plan_organization_merge(survivor, merged, choices, actor))
    }

    /// Applies `plan` in one commit: plans the merge again from what the store holds, and
    /// commits it if the two agree. The survivor's details become the plan's (a correction
    /// naming the merge: every domain of them all), every contact the plan lists moves to the
    /// survivor (a correction of its organization naming the merge), the account of each
    /// merged organization folds into the survivor's (an entry in both: the survivor's counts
    /// its won value, see [`Account::folds`]), and each merged organization stays on record,
    /// merged into the survivor: no longer found by its domains or its duplicate keys,
    /// refusing corrections and new contacts. The commit relies on the version of every record
    /// it writes; one event per record written
    /// ([`Payload::OrganizationsMerged`](crate::event::Payload::OrganizationsMerged)).
    ///
    /// The commit relies on the merged organizations having no contact or account the plan
    /// does not list ([`Batch::require_records_of_organization`]), so a contact linked to one
    /// meanwhile is a conflict, never left with a merged organization; once merged,
    /// [`link_contact`](Self::link_contact) refuses it.
    ///
    /// # Errors
    ///
    /// [`CrmError::MergeRefused`] with every [`Refusal`]; [`CrmError::Conflict`] when an
    /// organization, a contact or an account changed since the plan, or a merged organization
    /// has a contact or an account the plan does not list (the conflict names it, as a record
    /// the plan expected absent; plan again);
    /// [`CrmError::Forbidden`] unless `actor` may edit every record it writes;
    /// [`CrmError::NotFound`]; [`CrmError::Store`].
    pub fn merge_organizations(
        &self,
        plan: &OrganizationMergePlan,
        actor: &User,
    ) -> Result<OrganizationMergeOutcome, CrmError<S::Error>> {
        run(self.steps().merge_organizations(plan, actor))
    }

    /// Undoes the merge of organizations `merge` into `survivor`, exactly, as new entries of
    /// every history: each merged organization is one again (found by its domains and keys),
    /// each contact the merge moved goes back to its former organization, each account it
    /// folded unfolds (the survivor's account no longer counts its won value), and the
    /// survivor's details are those it had before the merge. Contacts changed since in other
    /// ways keep those changes (the undo is rebased over them); contacts linked to the
    /// survivor since, and wins added to its account since, stay the survivor's.
    ///
    /// # Errors
    ///
    /// [`CrmError::MergeRefused`] when there is no such merge to undo
    /// ([`Refusal::OrganizationNotMerged`]), or the survivor was corrected, merged or
    /// unmerged since, or a merged organization merged since, which the undo would overwrite
    /// ([`Refusal::ChangedSince`], naming it); [`CrmError::Conflict`] when a record changed
    /// meanwhile; [`CrmError::Forbidden`] unless `actor` may edit every record it writes;
    /// [`CrmError::NotFound`]; [`CrmError::Store`].
    pub fn unmerge_organizations(
        &self,
        survivor: OrganizationId,
        merge: MergeId,
        actor: &User,
    ) -> Result<OrganizationMergeOutcome, CrmError<S::Error>> {
        run(self.steps().unmerge_organizations(survivor, merge, actor))
    }
}

/// As `AsyncCrm`'s other methods: each future is `Send`.
#[expect(
    clippy::manual_async_fn,
    reason = "an `async fn` cannot declare that its future is `Send`"
)]
impl<S: AsyncStore> AsyncCrm<S> {
    /// See [`Crm::plan_organization_merge`].
    pub fn plan_organization_merge<'a>(
        &'a self,
        survivor: OrganizationId,
        merged: &'a [OrganizationId],
        choices: OrganizationChoices,
        actor: &'a User,
    ) -> impl Future<Output = Result<OrganizationMergePlan, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .plan_organization_merge(survivor, merged, choices, actor)
                .await
        }
    }

    /// See [`Crm::merge_organizations`].
    pub fn merge_organizations<'a>(
        &'a self,
        plan: &'a OrganizationMergePlan,
        actor: &'a User,
    ) -> impl Future<Output = Result<OrganizationMergeOutcome, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().merge_organizations(plan, actor).await }
    }

    /// See [`Crm::unmerge_organizations`].
    pub fn unmerge_organizations<'a>(
        &'a self,
        survivor: OrganizationId,
        merge: MergeId,
        actor: &'a User,
    ) -> impl Future<Output = Result<OrganizationMergeOutcome, CrmError<S::Error>>> + Send + 'a
    {
        async move {
            self.steps()
                .unmerge_organizations(survivor, merge, actor)
                .await
        }
    }
}

/// What a plan reads: the organizations, the contacts of the merged ones, and the accounts of
/// them all.
struct Read {
    survivor: Versioned<Organization>,
    merged: Vec<Versioned<Organization>>,
    contacts: Vec<Versioned<Record>>,
    accounts: Vec<Versioned<Account>>,
    unreadable: Vec<Unreadable>,
}

impl Read {
    fn plan(&self, choices: OrganizationChoices) -> OrganizationMergePlan {
        OrganizationMergePlan::new(
            &OrganizationsRead {
                survivor: &self.survivor,
                merged: &self.merged,
                contacts: &self.contacts,
                accounts: &self.accounts,
                unreadable: &self.unreadable,
            },
            choices,
        )
    }
}

impl<B: Backend> Steps<'_, B> {
    pub(in crate::crm) async fn plan_organization_merge(
        &self,
        survivor: OrganizationId,
        merged: &[OrganizationId],
        choices: OrganizationChoices,
        actor: &User,
    ) -> Result<OrganizationMergePlan, CrmError<B::Error>> {
        let read = self.read_organizations(survivor, merged, actor).await?;
        // A plan lists only what its actor may merge (as the merge requires).
        let _ = self.allow_organization_edits(&read, actor).await?;
        Ok(read.plan(choices))
    }

    /// The organizations of a merge, loaded for `actor`, the contacts of the merged ones, and
    /// the accounts of them all.
    async fn read_organizations(
        &self,
        survivor: OrganizationId,
        merged: &[OrganizationId],
        actor: &User,
    ) -> Result<Read, CrmError<B::Error>> {
        // Refused before anything is read: a plan sent back may name any number.
        if merged.len() > MOST_MERGED {
            return Err(CrmError::MergeRefused(vec![Refusal::TooMany {
                count: merged.len(),
            }]));
        }
        let survivor = self
            .load_for::<Organization>(survivor.into(), actor)
            .await?;
        let mut organizations = Vec::with_capacity(merged.len());
        let mut contacts = Vec::new();
        let mut accounts = Vec::new();
        let mut unreadable = Vec::new();
        self.account_of(survivor.id(), &mut accounts).await?;
        for &id in merged {
            organizations.push(self.load_for::<Organization>(id.into(), actor).await?);
            if id == survivor.id() || merged.iter().filter(|&&m| m == id).count() > 1 {
                continue;
            }
            let query = Query::of_kind(RecordKind::Contact).of_organization(id);
            self.list_all(&query, &mut |page| {
                contacts.extend(
                    page.records
                        .into_iter()
                        .filter(|r| r.value().organization() == Some(id)),
                );
                unreadable.extend(page.unreadable);
            })
            .await?;
            self.account_of(id, &mut accounts).await?;
        }
        Ok(Read {
            survivor,
            merged: organizations,
            contacts,
            accounts,
            unreadable,
        })
    }

    /// Adds the account of `organization`, if it has one, to `accounts`.
    async fn account_of(
        &self,
        organization: OrganizationId,
        accounts: &mut Vec<Versioned<Account>>,
    ) -> Result<(), CrmError<B::Error>> {
        let id = AccountId::of_organization(organization).into();
        let loaded = self.store.load(id).await.map_err(CrmError::Store)?;
        if loaded.is_some() {
            accounts.push(plan::typed(id, loaded)?);
        }
        Ok(())
    }

    /// The permit to edit every organization, contact and account a merge (or its undo)
    /// writes.
    async fn allow_organization_edits(
        &self,
        read: &Read,
        actor: &User,
    ) -> Result<Permit, CrmError<B::Error>> {
        let mut permit = self.allow(actor, Action::Edit, read.survivor.resource())?;
        for organization in &read.merged {
            permit = permit.and(self.allow(actor, Action::Edit, organization.resource())?);
        }
        for record in &read.contacts {
            permit = permit.and(self.allow_on(actor, Action::Edit, record.value()).await?);
        }
        for account in &read.accounts {
            permit = permit.and(self.allow(actor, Action::Edit, account.resource())?);
        }
        Ok(permit)
    }

    pub(in crate::crm) async fn merge_organizations(
        &self,
        plan: &OrganizationMergePlan,
        actor: &User,
    ) -> Result<OrganizationMergeOutcome, CrmError<B::Error>> {
        let ids = plan.merged_ids();
        let read = self
            .read_organizations(plan.survivor().organization, &ids, actor)
            .await?;
        let fresh = read.plan(plan.choices().clone());
        if !fresh.refusals().is_empty() {
            return Err(CrmError::MergeRefused(fresh.refusals().to_vec()));
        }
        if let Some(conflict) = difference(plan, &fresh) {
            return Err(CrmError::Conflict(conflict));
        }
        let permit = self.allow_organization_edits(&read, actor).await?;
        let ctx = self.context(actor);
        let step = Step {
            merge: MergeId::generate(ctx.ids()),
            undo: false,
            at: ctx.now(),
            by: actor,
        };
        let survivor_id = read.survivor.id();
        let note = MergeNote::of_organizations(&step, survivor_id, &ids);
        let mut writes = Writes::new(step.merge, read.survivor.clone());
        for &organization in &ids {
            // Exactly the contacts and the account the plan lists name it (counted before
            // this commit's writes): a contact linked since would stay with a merged
            // organization.
            let contacts = fresh.contacts().iter().filter(|c| c.from == organization);
            let account = fresh
                .folded()
                .iter()
                .filter(|a| a.organization == organization);
            let count = contacts.count() + account.count();
            writes
                .batch
                .require_records_of_organization(organization, count as u64);
        }
        // The merged organizations first: they give up their domains before the survivor
        // takes them.
        writes.organizations(&step, &note, read.merged);
        let (survivor, version) = read.survivor.into_parts();
        let survivor = survivor.merge_entry(&step, note.clone(), fresh.details().clone());
        writes.outcome.survivor = writes.write(survivor, version);
        writes.contacts(&step, &note, read.contacts, |_| Some(survivor_id));
        // Every merged organization's account into the survivor's.
        let into = AccountId::of_organization(survivor_id);
        let (mut survivor_account, others): (Vec<_>, Vec<_>) =
            read.accounts.into_iter().partition(|a| a.id() == into);
        if let Some(account) = survivor_account.pop().filter(|_| !others.is_empty()) {
            let (mut account, version) = account.into_parts();
            for other in others {
                let (other, other_version) = other.into_parts();
                account = account.folding(&step, &other).map_err(|_| {
                    CrmError::MergeRefused(vec![Refusal::WonValueOverflows { account: into }])
                })?;
                let folded = writes.write(other.folded(&step, into), other_version);
                writes.outcome.accounts.push(folded);
            }
            let account = writes.write(account, version);
            writes.outcome.accounts.push(account);
        }
        self.apply(writes.into_plan(), actor, permit).await
    }

    pub(in crate::crm) async fn unmerge_organizations(
        &self,
        survivor: OrganizationId,
        merge: MergeId,
        actor: &User,
    ) -> Result<OrganizationMergeOutcome, CrmError<B::Error>> {
        let loaded = self
            .load_for::<Organization>(survivor.into(), actor)
            .await?;
        let refuse = |refusal| Err(CrmError::MergeRefused(vec![refusal]));
        let corrections = loaded.corrections();
        let made = corrections.iter().rposition(|c| {
            c.merge()
                .is_some_and(|n| n.merge() == merge && n.survivor() == survivor.into())
        });
        let Some(at) = made else {
            return refuse(Refusal::OrganizationNotMerged { merge, survivor });
        };
        let note = corrections[at].merge();
        let Some(merged_ids) = note
            .filter(|n| !n.is_undo())
            .and_then(|n| Some(n.organizations()?.1))
        else {
            return refuse(Refusal::OrganizationNotMerged { merge, survivor });
        };
        if at + 1 != corrections.len() {
            return refuse(Refusal::ChangedSince {
                record: survivor.into(),
            });
        }
        let before = corrections[at].details().before().clone();
        // The merged organizations, still merged by this merge.
        let mut merged = Vec::with_capacity(merged_ids.len());
        for &id in &merged_ids {
            let organization = self.load_for::<Organization>(id.into(), actor).await?;
            let last = organization
                .notes()
                .rev()
                .find(|n| !n.is_survivor(id.into()));
            if last.is_none_or(|n| n.merge() != merge || n.is_undo()) {
                return refuse(Refusal::ChangedSince { record: id.into() });
            }
            merged.push(organization);
        }
        // The survivor's contacts this merge moved to it (those linked to it since stay).
        let mut contacts = Vec::new();
        let mut unreadable = Vec::new();
        let query = Query::of_kind(RecordKind::Contact).of_organization(survivor);
        self.list_all(&query, &mut |page| {
            contacts.extend(page.records.into_iter().filter(|r| {
                match r.value() {
                    Record::Contact(c) => {
                        c.organization() == Some(survivor)
                            && c.moved_by_organization_merge()
                                .is_some_and(|n| n.merge() == merge)
                    }
                    _ => false,
                }
            }));
            unreadable.extend(page.unreadable);
        })
        .await?;
        if let Some(u) = unreadable.first() {
            return refuse(Refusal::Unreadable {
                kind: u.kind,
                id: u.id.clone(),
            });
        }
        let mut accounts = Vec::new();
        self.account_of(survivor, &mut accounts).await?;
        for &id in &merged_ids {
            self.account_of(id, &mut accounts).await?;
        }
        accounts.retain(|a| !a.folds_of(merge).is_empty());
        let read = Read {
            survivor: loaded,
            merged,
            contacts,
            accounts,
            unreadable,
        };
        let permit = self.allow_organization_edits(&read, actor).await?;
        let ctx = self.context(actor);
        let step = Step {
            merge,
            undo: true,
            at: ctx.now(),
            by: actor,
        };
        let undo = MergeNote::of_organizations(&step, survivor, &merged_ids);
        let mut writes = Writes::new(merge, read.survivor.clone());
        // The survivor first: it gives back the domains the merged organizations take again.
        let (current, version) = read.survivor.into_parts();
        let restored = current.merge_entry(&step, undo.clone(), before);
        writes.outcome.survivor = writes.write(restored, version);
        writes.organizations(&step, &undo, read.merged);
        // Each contact back to the organization the merge moved it from.
        writes.contacts(
            &step,
            &undo,
            read.contacts,
            Contact::organization_before_move,
        );
        for account in read.accounts {
            let (mut account, version) = account.into_parts();
            for fold in account.folds_of(merge) {
                account = account.unfolded(&step, &fold);
            }
            let account = writes.write(account, version);
            writes.outcome.accounts.push(account);
        }
        self.apply(writes.into_plan(), actor, permit).await
    }
}

/// What a merge of organizations (or its undo) writes, as it is written: the batch, and what
/// the caller gets once it is committed.
struct Writes {
    batch: Batch,
    outcome: OrganizationMergeOutcome,
}

impl Writes {
    fn new(merge: MergeId, survivor: Versioned<Organization>) -> Writes {
        Writes {
            batch: Batch::new(),
            outcome: OrganizationMergeOutcome {
                merge,
                survivor,
                merged: Vec::new(),
                contacts: Vec::new(),
                accounts: Vec::new(),
            },
        }
    }

    /// `value`, read at `version`, written: as it will be stored.
    fn write<T: Clone + Into<Record>>(&mut self, value: T, version: Version) -> Versioned<T> {
        self.batch
            .push_distinct(value.clone().into(), Precondition::Version(version));
        Versioned::new(value, version.next())
    }

    /// Each of `merged` with its entry (its details kept).
    fn organizations(
        &mut self,
        step: &Step<'_>,
        note: &MergeNote,
        merged: Vec<Versioned<Organization>>,
    ) {
        for organization in merged {
            let (organization, version) = organization.into_parts();
            let details = organization.details().clone();
            let organization = organization.merge_entry(step, note.clone(), details);
            let written = self.write(organization, version);
            self.outcome.merged.push(written);
        }
    }

    /// Each of `contacts` moved to the organization `to` gives it.
    fn contacts(
        &mut self,
        step: &Step<'_>,
        note: &MergeNote,
        contacts: Vec<Versioned<Record>>,
        to: impl Fn(&Contact) -> Option<OrganizationId>,
    ) {
        for record in contacts {
            let (record, version) = record.into_parts();
            let Record::Contact(contact) = record else {
                continue;
            };
            let details = ContactDetails {
                organization: to(&contact),
                ..contact.details().clone()
            };
            let moved = contact.merge_entry(step, note.clone(), details);
            let written = self.write(moved, version);
            self.outcome.contacts.push(written);
        }
    }

    fn into_plan(self) -> plan::Plan<OrganizationMergeOutcome> {
        plan::Plan {
            batch: self.batch,
            output: self.outcome,
        }
    }
}

/// The first way `fresh` differs from `plan` as a conflict: an organization, a contact or an
/// account at another version, or one listed by one and not the other.
fn difference(plan: &OrganizationMergePlan, fresh: &OrganizationMergePlan) -> Option<Conflict> {
    let changed = |id: RecordId, old: Version, new: Option<Version>| {
        Some(Conflict::new(id, Precondition::Version(old), new))
    };
    let pins = |p: &OrganizationMergePlan| -> Vec<PinnedOrganization> {
        std::iter::once(p.survivor())
            .chain(p.merged().iter().copied())
            .collect()
    };
    for (old, new) in pins(plan).into_iter().zip(pins(fresh)) {
        if old.version != new.version {
            return changed(old.organization.into(), old.version, Some(new.version));
        }
    }
    let contacts = |p: &OrganizationMergePlan| -> Vec<(RecordId, Version)> {
        p.contacts()
            .iter()
            .map(|c| (c.contact.into(), c.version))
            .collect()
    };
    let accounts = |p: &OrganizationMergePlan| -> Vec<(RecordId, Version)> {
        p.account()
            .iter()
            .chain(p.folded())
            .map(|a| (a.account.into(), a.version))
            .collect()
    };
    for listed in [contacts, accounts] {
        let (old, new) = (listed(plan), listed(fresh));
        for &(id, version) in &new {
            match old.iter().find(|(o, _)| *o == id) {
                Some(&(_, was)) if was != version => return changed(id, was, Some(version)),
                Some(_) => {}
                None => return Some(Conflict::new(id, Precondition::Absent, Some(version))),
            }
        }
        if let Some(&(id, was)) = old.iter().find(|(o, _)| !new.iter().any(|(n, _)| n == o)) {
            return changed(id, was, None);
        }
    }
    None
}
