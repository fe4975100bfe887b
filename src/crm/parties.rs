//! Contacts, organizations and accounts: created, corrected, handed over, linked, erased.
//! [`Crm`]'s methods, documented, and their logic ([`Steps`]), which [`AsyncCrm`] runs too.

use super::steps::{Backend, Steps, Subject as _, run};
use super::*;
use crate::access::Action;

impl<S: Store> Crm<S> {
    /// Records a new contact. When it has an email address and a contact with the same
    /// (normalised) address exists, `on_duplicate` decides: refuse, or return the existing one.
    ///
    /// `WithFields::new(details, values)` creates it with custom field values ([`WithFields`]:
    /// checked, required fields included, and committed with it; [`CrmError::Field`]).
    ///
    /// # Errors
    ///
    /// [`CrmError::DuplicateContact`] ([`OnDuplicate::Refuse`]), [`CrmError::Store`].
    pub fn create_contact(
        &self,
        details: impl Into<WithFields<ContactDetails>>,
        on_duplicate: OnDuplicate,
        actor: &User,
    ) -> Result<ContactOutcome, CrmError<S::Error>> {
        run(self
            .steps()
            .create_contact(details.into(), on_duplicate, actor))
    }

    /// Corrects `contact`'s details (see [`Contact::correct`]). When the email address
    /// changes, the commit requires that no contact has the new one: race-free, as
    /// [creating](Self::create_contact) is, and the store's email index follows.
    ///
    /// # Errors
    ///
    /// [`CrmError::DuplicateContact`] when another contact has the new address;
    /// [`CrmError::ContactErased`]; [`CrmError::Conflict`] when the contact changed since it
    /// was read; [`CrmError::Store`].
    pub fn correct_contact(
        &self,
        contact: Versioned<Contact>,
        details: ContactDetails,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<S::Error>> {
        run(self
            .steps()
            .correct_contact(contact, details, reason, actor))
    }

    /// Hands `contact` over to `owner` (`None`: to nobody), for `reason` if one is given; with
    /// [`Cascade::OpenRecords`], its open leads and opportunities that its previous owner held
    /// go with it, in the same commit. The cascade finds them by owner (the store's owner
    /// index), so a contact without an owner cascades to nothing.
    ///
    /// # Errors
    ///
    /// [`CrmError::ContactErased`]; [`CrmError::Conflict`] when the contact or one of the
    /// records changed meanwhile: retry; [`CrmError::Store`].
    pub fn reassign_contact(
        &self,
        contact: Versioned<Contact>,
        owner: Option<User>,
        cascade: Cascade,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<HandedOver, CrmError<S::Error>> {
        run(self
            .steps()
            .reassign_contact(contact, owner, cascade, reason, actor))
    }

    /// Erases `contact`'s personal data (the right to erasure), and every free text and person
    /// name of its leads, opportunities, accounts, activities and tasks, in one commit: ids,
    /// states, amounts, times and the shape of every history stay, so the funnel does not
    /// change; the contact is no longer found by email, and every record erased is marked so (a
    /// copy taken before the erasure can never be written back over it). See
    /// [`Contact::erase`] and SECURITY.md for exactly what is erased. The contact's records are
    /// found by the store's index by contact ([`Query::of_contact`]), whatever the size of the
    /// store, and the accounts its opportunities were won into by id. Records of the contact
    /// the store cannot read are listed in [`ErasureReport::unreadable`]: the erasure of the
    /// others goes ahead. The contacts merged into it ([`merge`](crate::merge)) are erased
    /// with it, and a merge of it can no longer be undone.
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the contact or one of its records changed meanwhile: retry;
    /// [`CrmError::Store`].
    pub fn erase_contact(
        &self,
        contact: Versioned<Contact>,
        actor: &User,
    ) -> Result<ErasureReport, CrmError<S::Error>> {
        run(self.steps().erase_contact(contact, actor))
    }

    /// Hands an account over. See [`Account::reassign`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the account changed since it was read;
    /// [`CrmError::Store`].
    pub fn reassign_account(
        &self,
        account: Versioned<Account>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Account>, CrmError<S::Error>> {
        run(self.steps().reassign_account(account, owner, reason, actor))
    }

    /// Records a new organization. When one with one of its domains exists, `on_duplicate`
    /// decides: refuse, or return the existing one. Race-free as
    /// [creating a contact](Self::create_contact) is: the commit requires that no organization
    /// has any of its domains.
    ///
    /// `WithFields::new(details, values)` creates it with custom field values, as
    /// [`create_contact`](Self::create_contact) does.
    ///
    /// # Errors
    ///
    /// [`CrmError::DuplicateOrganization`] ([`OnDuplicate::Refuse`]);
    /// [`CrmError::InvalidInput`] with more than [`Organization::MAX_DOMAINS`] domains;
    /// [`CrmError::Store`].
    pub fn create_organization(
        &self,
        details: impl Into<WithFields<OrganizationDetails>>,
        on_duplicate: OnDuplicate,
        actor: &User,
    ) -> Result<OrganizationOutcome, CrmError<S::Error>> {
        run(self
            .steps()
            .create_organization(details.into(), on_duplicate, actor))
    }

    /// Corrects an organization's details (see [`Organization::correct`]). The commit
    /// requires that no other organization has a domain it gains: race-free.
    ///
    /// # Errors
    ///
    /// [`CrmError::DuplicateOrganization`]; [`CrmError::Invalid`]; [`CrmError::Conflict`] when
    /// it changed since it was read; [`CrmError::OrganizationMerged`] when it was merged into
    /// another; [`CrmError::Store`].
    pub fn correct_organization(
        &self,
        organization: Versioned<Organization>,
        details: OrganizationDetails,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Organization>, CrmError<S::Error>> {
        run(self
            .steps()
            .correct_organization(organization, details, reason, actor))
    }

    /// Links `contact` to `organization`: a [correction](Self::correct_contact) of its
    /// details.
    ///
    /// # Errors
    ///
    /// [`CrmError::OrganizationMerged`] when the organization was merged into another (link
    /// the contact to its survivor); else as [`correct_contact`](Self::correct_contact).
    pub fn link_contact(
        &self,
        contact: Versioned<Contact>,
        organization: &Versioned<Organization>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<S::Error>> {
        run(self.steps().link_contact(contact, organization, actor))
    }

    /// Unlinks `contact` from its organization: a [correction](Self::correct_contact) of its
    /// details.
    ///
    /// # Errors
    ///
    /// As [`correct_contact`](Self::correct_contact).
    pub fn unlink_contact(
        &self,
        contact: Versioned<Contact>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<S::Error>> {
        run(self.steps().unlink_contact(contact, actor))
    }

    /// The opportunities of `organization`: those of its contacts, found by the indexes (its
    /// contacts by organization, then each one's opportunities by contact), never by a scan;
    /// in the order of its contacts' ids, then of the opportunities' ids. Records the store
    /// cannot read are left out, and so are those the policy does not let `actor` load whole
    /// (read with their personal data).
    ///
    /// # Errors
    ///
    /// [`CrmError::Store`].
    pub fn opportunities_of_organization(
        &self,
        organization: OrganizationId,
        actor: &User,
    ) -> Result<Vec<Versioned<AnyOpportunity>>, CrmError<S::Error>> {
        run(self
            .steps()
            .opportunities_of_organization(organization, actor))
    }
}

impl<B: Backend> Steps<'_, B> {
    pub(super) async fn create_contact(
        &self,
        details: WithFields<ContactDetails>,
        on_duplicate: OnDuplicate,
        actor: &User,
    ) -> Result<ContactOutcome, CrmError<B::Error>> {
        let (details, values) = details.into_parts();
        let mut batch = Batch::new();
        if let Some(email) = &details.email {
            // Refusing needs no lookup: the commit below conflicts with an existing contact
            // with this address, and the conflict names it. Reusing looks first.
            if on_duplicate == OnDuplicate::Reuse {
                let found = self
                    .store
                    .find_contacts_by_email(email)
                    .await
                    .map_err(CrmError::Store)?;
                if let Some(existing) = found.into_iter().next() {
                    return self.matched(existing, actor).await;
                }
            }
            batch.require_no_contact_with(email);
        }
        let contact = Contact::create(details, &self.context(actor));
        let permit = self.allow(actor, Action::Create, contact.resource())?;
        // The address is all a conflict needs of the contact, which is moved into the commit
        // (a clone would share its data, and setting its custom fields would then copy them).
        let email = contact.email().cloned();
        match self
            .create_with(contact, values, batch, actor, permit)
            .await
        {
            Ok(created) => Ok(ContactOutcome::Created(created)),
            // A contact with this address exists (or, when reusing, was created meanwhile).
            Err(CrmError::Conflict(c)) => match (on_duplicate, c.record, email.as_ref()) {
                (OnDuplicate::Refuse, RecordId::Contact(existing), Some(_))
                    if c.kind == ConflictKind::EmailTaken =>
                {
                    Err(CrmError::DuplicateContact { existing })
                }
                (OnDuplicate::Reuse, _, Some(email)) => {
                    let found = self
                        .store
                        .find_contacts_by_email(email)
                        .await
                        .map_err(CrmError::Store)?;
                    match found.into_iter().next() {
                        Some(existing) => self.matched(existing, actor).await,
                        None => Err(CrmError::Conflict(c)),
                    }
                }
                _ => Err(CrmError::Conflict(c)),
            },
            Err(e) => Err(e),
        }
    }

    /// The existing contact `create_contact` reuses, when `actor` may load it whole.
    async fn matched(
        &self,
        existing: Versioned<Contact>,
        actor: &User,
    ) -> Result<ContactOutcome, CrmError<B::Error>> {
        let _ = self.allow(actor, Action::Read, existing.resource())?;
        let _ = self.allow(actor, Action::ReadPersonal, existing.resource())?;
        Ok(ContactOutcome::Matched(existing))
    }

    pub(super) async fn correct_contact(
        &self,
        contact: Versioned<Contact>,
        details: ContactDetails,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, contact.resource())?;
        plan::not_merged(&contact)?;
        let plan = plan::correct(contact, details, reason, &self.context(actor))?;
        self.apply(plan, actor, permit)
            .await
            .map_err(plan::duplicate_email)
    }

    pub(super) async fn reassign_contact(
        &self,
        contact: Versioned<Contact>,
        owner: Option<User>,
        cascade: Cascade,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<HandedOver, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Reassign, contact.resource())?;
        plan::not_merged(&contact)?;
        let mut owned = plan::OwnedRecords::of(contact.id());
        if let (Cascade::OpenRecords, Some(previous)) = (cascade, contact.owner()) {
            for query in plan::OwnedRecords::queries(previous) {
                self.list_all(&query, &mut |page| owned.visit(page.records))
                    .await?;
            }
        }
        // The cascade hands over each of those records too: each needs its own right.
        let mut permit = permit;
        for record in &owned.found {
            let each = self
                .allow_on(actor, Action::Reassign, record.value())
                .await?;
            permit = permit.and(each);
        }
        let plan = plan::hand_over(contact, owner, reason, owned.found, &self.context(actor))?;
        self.apply(plan, actor, permit).await
    }

    pub(super) async fn erase_contact(
        &self,
        contact: Versioned<Contact>,
        actor: &User,
    ) -> Result<ErasureReport, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Erase, contact.resource())?;
        let mut found = plan::ContactRecords::of(contact.id());
        for query in found.queries() {
            self.list_all(&query, &mut |page| found.visit(page)).await?;
        }
        for account in found.accounts_elsewhere() {
            let loaded = self
                .store
                .load(account.into())
                .await
                .map_err(CrmError::Store)?;
            found.visit_account(loaded);
        }
        // The contacts merged into it hold what it held (and those merged into them, when a
        // survivor was merged in turn): erased with it, in the same commit.
        let mut merged: Vec<Versioned<Contact>> = Vec::new();
        let mut pending = contact.merged_contacts();
        while let Some(id) = pending.pop() {
            if id == contact.id() || merged.iter().any(|m| m.id() == id) {
                continue;
            }
            let loaded = self.load::<Contact>(id).await?;
            let _ = self.allow(actor, Action::Erase, loaded.resource())?;
            pending.extend(loaded.merged_contacts());
            merged.push(loaded);
        }
        self.apply(
            plan::erase(contact, merged, found, &self.context(actor)),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn reassign_account(
        &self,
        account: Versioned<Account>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Account>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Reassign, account.resource())?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(account, |mut a| {
                a.reassign(owner, reason, &ctx);
                a
            }),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn create_organization(
        &self,
        details: WithFields<OrganizationDetails>,
        on_duplicate: OnDuplicate,
        actor: &User,
    ) -> Result<OrganizationOutcome, CrmError<B::Error>> {
        let (details, values) = details.into_parts();
        if on_duplicate == OnDuplicate::Reuse {
            if let Some(found) = self.organization_with_domain(&details.domains).await? {
                return Ok(OrganizationOutcome::Matched(found));
            }
        }
        let (organization, batch) = plan::new_organization(details, &self.context(actor))?;
        let permit = self.allow(actor, Action::Create, organization.resource())?;
        match self
            .create_with(organization, values, batch, actor, permit)
            .await
        {
            Ok(created) => Ok(OrganizationOutcome::Created(created)),
            Err(e) => match (on_duplicate, plan::duplicate_domain(e)) {
                (OnDuplicate::Reuse, CrmError::DuplicateOrganization { existing }) => {
                    let found = self.load::<Organization>(existing).await?;
                    Ok(OrganizationOutcome::Matched(found))
                }
                (_, e) => Err(e),
            },
        }
    }

    pub(super) async fn correct_organization(
        &self,
        organization: Versioned<Organization>,
        details: OrganizationDetails,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Organization>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, organization.resource())?;
        plan::organization_not_merged(&organization)?;
        let plan = plan::correct_organization(organization, details, reason, &self.context(actor))?;
        self.apply(plan, actor, permit)
            .await
            .map_err(plan::duplicate_domain)
    }

    pub(super) async fn link_contact(
        &self,
        contact: Versioned<Contact>,
        organization: &Versioned<Organization>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<B::Error>> {
        plan::organization_not_merged(organization)?;
        let details = contact
            .details()
            .clone()
            .with_organization(organization.id());
        self.correct_contact(contact, details, None, actor).await
    }

    pub(super) async fn unlink_contact(
        &self,
        contact: Versioned<Contact>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<B::Error>> {
        let details = ContactDetails {
            organization: None,
            ..contact.details().clone()
        };
        self.correct_contact(contact, details, None, actor).await
    }

    pub(super) async fn opportunities_of_organization(
        &self,
        organization: OrganizationId,
        actor: &User,
    ) -> Result<Vec<Versioned<AnyOpportunity>>, CrmError<B::Error>> {
        let mut contacts = Vec::new();
        let query = Query::of_kind(RecordKind::Contact).of_organization(organization);
        self.list_all(&query, &mut |page| contacts.extend(page.records))
            .await?;
        let mut found = Vec::new();
        for contact in contacts {
            let query = Query::of_kind(RecordKind::Opportunity)
                .of_contact(ContactId::from_uuid(contact.id().as_uuid()));
            let mut of_contact = Vec::new();
            self.list_all(&query, &mut |page| of_contact.extend(page.records))
                .await?;
            for record in of_contact {
                if self.readable(actor, record.value()).await? == Some(true) {
                    found.extend(plan::as_opportunity(record));
                }
            }
        }
        Ok(found)
    }

    /// The first stored organization with one of `domains`, if any.
    pub(super) async fn organization_with_domain(
        &self,
        domains: &[Domain],
    ) -> Result<Option<Versioned<Organization>>, CrmError<B::Error>> {
        for domain in domains {
            let found = self
                .store
                .find_organizations_by_domain(domain)
                .await
                .map_err(CrmError::Store)?;
            if let Some(first) = found.into_iter().next() {
                return Ok(Some(first));
            }
        }
        Ok(None)
    }
}
