//! A record's likely duplicates through the facade: found by the store's index of duplicate
//! keys, scored ([`duplicates::compare`](crate::duplicates::compare)), and kept to what the
//! actor may read. [`Crm`]'s methods, documented, and their logic ([`Steps`]), which
//! [`AsyncCrm`] runs too.

use std::collections::HashSet;

use super::steps::{Backend, Steps, run};
use super::*;
use crate::duplicates::{DuplicateRules, Duplicates, Features};

impl<S: Store> Crm<S> {
    /// The likely duplicates of `contact`, best first, each with its score and its reasons
    /// ([`duplicates`](crate::duplicates)): the contacts sharing one of its
    /// [`duplicate_keys`](Record::duplicate_keys), found from the store's index (never a
    /// scan; at most [`DuplicateRules::per_key`] records a key), scored, and kept when they
    /// reach the rules' threshold. A candidate is listed only when `actor` may read its
    /// personal data (what it shares with the contact is personal data).
    ///
    /// ```
    /// use prospect::duplicates::{DuplicateRules, Signal};
    /// use prospect::memory::MemoryStore;
    /// use prospect::*;
    /// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll);
    /// let me = User::new("ann")?;
    /// let contact = |name: &str, email: &str| -> Result<ContactDetails, ValidationError> {
    ///     Ok(ContactDetails::new(Party::person(PersonName::new(name)?), LeadSource::Web)
    ///         .with_email(EmailAddress::new(email)?))
    /// };
    /// let mut create = |details| -> Result<ContactId, CrmError<std::convert::Infallible>> {
    ///     Ok(crm.create_contact(details, OnDuplicate::Refuse, &me)?.into_contact().value().id())
    /// };
    /// let jane = create(contact("Jane Dawson", "jane@acme.test")?)?;
    /// let typo_id = create(contact("Jane Dawsno", "j.dawson@acme.test")?)?;
    /// create(contact("Jane Dawson", "jane.dawson@mail.test")?)?;
    /// let rules = DuplicateRules::default();
    /// // A similar name and the same company's domain: 0.63, below the default threshold.
    /// assert!(crm.duplicates_of_contact(jane, &rules, &me)?.candidates.is_empty());
    /// let found = crm.duplicates_of_contact(jane, &rules.with_threshold(0.6), &me)?;
    /// assert_eq!(found.candidates.len(), 1, "a name alone (the namesake: 0.5) is not enough");
    /// let typo = &found.candidates[0];
    /// assert_eq!(typo.id, typo_id.into());
    /// assert!(matches!(typo.reasons[0].signal, Signal::SimilarName { .. }));
    /// let found = crm.duplicates_of_contact(jane, &rules.with_threshold(0.45), &me)?;
    /// assert_eq!(found.candidates.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`] when there is no such contact or `actor` may not read it;
    /// [`CrmError::Forbidden`] when they may read it but not its personal data;
    /// [`CrmError::Store`].
    pub fn duplicates_of_contact(
        &self,
        contact: ContactId,
        rules: &DuplicateRules,
        actor: &User,
    ) -> Result<Duplicates, CrmError<S::Error>> {
        run(self.steps().duplicates_of_contact(contact, rules, actor))
    }

    /// The likely duplicates of `organization`, as
    /// [`duplicates_of_contact`](Self::duplicates_of_contact) finds a contact's: organizations
    /// with a similar name (legal forms left out: `ACME Corp` and `Acme Corporation` are one
    /// name) or a shared domain.
    ///
    /// # Errors
    ///
    /// As [`duplicates_of_contact`](Self::duplicates_of_contact).
    pub fn duplicates_of_organization(
        &self,
        organization: OrganizationId,
        rules: &DuplicateRules,
        actor: &User,
    ) -> Result<Duplicates, CrmError<S::Error>> {
        run(self
            .steps()
            .duplicates_of_organization(organization, rules, actor))
    }
}

impl<B: Backend> Steps<'_, B> {
    pub(super) async fn duplicates_of_contact(
        &self,
        contact: ContactId,
        rules: &DuplicateRules,
        actor: &User,
    ) -> Result<Duplicates, CrmError<B::Error>> {
        let subject = self.load_for::<Contact>(contact.into(), actor).await?;
        self.duplicates(Record::from(subject.into_parts().0), rules, actor)
            .await
    }

    pub(super) async fn duplicates_of_organization(
        &self,
        organization: OrganizationId,
        rules: &DuplicateRules,
        actor: &User,
    ) -> Result<Duplicates, CrmError<B::Error>> {
        let subject = self
            .load_for::<Organization>(organization.into(), actor)
            .await?;
        self.duplicates(Record::from(subject.into_parts().0), rules, actor)
            .await
    }

    /// The candidates of `subject`: a page of each of its keys' records, each compared once.
    async fn duplicates(
        &self,
        subject: Record,
        rules: &DuplicateRules,
        actor: &User,
    ) -> Result<Duplicates, CrmError<B::Error>> {
        let mut compared = HashSet::from([subject.id()]);
        let mut candidates = Vec::new();
        let mut crowded = Vec::new();
        // An erased contact has no keys, and nothing to compare.
        let features = Features::of(&subject, rules);
        for key in subject.duplicate_keys() {
            let kind = key.kind();
            let query = Query::of_kind(subject.kind()).with_duplicate_key(key);
            let page = self
                .store
                .list(&query, None, rules.per_key())
                .await
                .map_err(CrmError::Store)?;
            if page.next.is_some() && !crowded.contains(&kind) {
                crowded.push(kind);
            }
            for record in page.records {
                if !compared.insert(record.value().id()) {
                    continue;
                }
                let found = features.as_ref().and_then(|subject| {
                    subject.candidate(&Features::of(record.value(), rules)?, rules)
                });
                let Some(candidate) = found else {
                    continue;
                };
                if self.readable(actor, record.value()).await? == Some(true) {
                    candidates.push(candidate);
                }
            }
        }
        candidates.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.id.as_uuid().cmp(&b.id.as_uuid()))
        });
        Ok(Duplicates {
            of: subject.id(),
            candidates,
            crowded,
        })
    }
}
