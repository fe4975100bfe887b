//! Reads through the access policy: a record, a listing, the pipeline report, the outbox, and
//! the audit questions (why a decision, who a record reaches).

use super::steps::{Backend, Steps, Subject as _, run};
use super::*;
use crate::access::{Action, Audience, Decision, Reach, Resource, Visible, VisiblePage};
use crate::event::{EventPage, Position};
use crate::funnel::{Contributes as _, FUNNEL_KINDS, PipelineReport, Scope};

impl<S> Crm<S> {
    /// The owners whose records of `kind` the policy lets `actor` take `action` on
    /// ([`AccessPolicy::reach`](crate::access::AccessPolicy::reach)): for an application that
    /// keeps a view of its own (a cached report, a search index) and must know whom it may show
    /// it to.
    pub fn reach(&self, actor: &User, kind: RecordKind, action: Action) -> Reach {
        let access = &self.settings.access;
        access
            .policy()
            .reach(&access.principal(actor), kind, action)
    }
}

impl<S: Store> Crm<S> {
    /// Reads the record `id` as `actor` may see it: whole when the policy lets them read its
    /// personal data, redacted otherwise ([`Visible`]).
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`] when there is no such record **or `actor` may not read it** (a
    /// "forbidden" would say that the id exists); [`CrmError::Field`] when a custom value it
    /// holds breaks the field schema (forged or damaged in the store), naming the field;
    /// [`CrmError::Store`].
    pub fn read(
        &self,
        id: impl Into<RecordId>,
        actor: &User,
    ) -> Result<Visible, CrmError<S::Error>> {
        run(self.steps().read(id.into(), actor))
    }

    /// One page of the records `query` names that `actor` may read, in ascending id order,
    /// each [`Visible`] (redacted where they may not read its personal data), at most `limit`
    /// (up to [`MAX_PAGE`]) after `after`. The store is asked only for the owners the policy
    /// reaches ([`AccessPolicy::reach`](crate::access::AccessPolicy::reach)), through its owner
    /// index: a representative's list costs what a query by owner costs, whatever the store
    /// holds. Activities and tasks about one record are listed by that record, each checked.
    /// A query on custom fields ([`Query::with_field`]) does not find a record by a value that
    /// is personal data for a reader who may not read the record's personal data, nor a query
    /// by duplicate key ([`Query::with_duplicate_key`]) a contact: a redacted value is not
    /// revealed by what it matches.
    ///
    /// ```
    /// use prospect::access::{Directory, RolePolicy, Role};
    /// use prospect::memory::MemoryStore;
    /// use prospect::record::RecordKind;
    /// use prospect::store::Query;
    /// use prospect::*;
    /// let (ann, bob) = (User::new("ann")?, User::new("bob")?);
    /// let rep = Role::new("rep")?;
    /// let crm = Crm::new(MemoryStore::new(), RolePolicy::conventional()).with_directory(
    ///     Directory::new().with_user(ann.clone(), [rep.clone()], []).with_user(bob.clone(), [rep], []),
    /// );
    /// let new = |name: &str, owner: &User| -> Result<ContactDetails, ValidationError> {
    ///     Ok(ContactDetails::new(Party::person(PersonName::new(name)?), LeadSource::Web)
    ///         .with_owner(owner.clone()))
    /// };
    /// crm.create_contact(new("Ada", &ann)?, OnDuplicate::Refuse, &ann)?;
    /// crm.create_contact(new("Grace", &bob)?, OnDuplicate::Refuse, &bob)?;
    /// // A rep may not create a contact for someone else.
    /// let theirs = crm.create_contact(new("Edsger", &bob)?, OnDuplicate::Refuse, &ann);
    /// assert!(matches!(theirs, Err(CrmError::Forbidden { .. })));
    /// let page = crm.list(&Query::of_kind(RecordKind::Contact), None, 50, &ann)?;
    /// assert_eq!(page.records.len(), 1);
    /// assert_eq!(page.records[0].owner(), Some(&ann));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmError::Store`]. A record whose custom values break the field schema (forged or
    /// damaged in the store) is not listed: it is reported in the page's `unreadable`, its
    /// reason naming the field.
    pub fn list(
        &self,
        query: &Query,
        after: Option<crate::store::Cursor>,
        limit: usize,
        actor: &User,
    ) -> Result<VisiblePage, CrmError<S::Error>> {
        run(self.steps().list(query, after, limit, actor))
    }

    /// The contacts with `email` (normalised, as stores index it) that `actor` may read with
    /// their personal data (an email is personal data: who may not read it does not learn
    /// which contact has it), each [`Visible`]: found by the store's email index, then checked.
    ///
    /// # Errors
    ///
    /// [`CrmError::Store`].
    pub fn find_contacts_by_email(
        &self,
        email: &crate::email::EmailAddress,
        actor: &User,
    ) -> Result<Vec<Visible>, CrmError<S::Error>> {
        run(self.steps().find_contacts_by_email(email, actor))
    }

    /// The organizations with `domain` that `actor` may read: found by the store's domain
    /// index, then checked.
    ///
    /// # Errors
    ///
    /// [`CrmError::Store`].
    pub fn find_organizations_by_domain(
        &self,
        domain: &crate::organization::Domain,
        actor: &User,
    ) -> Result<Vec<Visible>, CrmError<S::Error>> {
        run(self.steps().find_organizations_by_domain(domain, actor))
    }

    /// The pipeline report of the records in `scope` that `actor` may read: read by owner
    /// through the store's index when the policy reaches only some owners, every record of a
    /// kind when it reaches them all. A report holds counts, amounts and owners, no personal
    /// data.
    ///
    /// # Errors
    ///
    /// [`CrmError::Store`].
    pub fn report(
        &self,
        scope: &Scope,
        actor: &User,
    ) -> Result<PipelineReport, CrmError<S::Error>> {
        run(self.steps().report(scope, actor))
    }

    /// The outbox's events after `after` that `actor` may read: the events of the record kinds
    /// the policy lets them read **every** record of ([`Reach::Everything`]); the others are
    /// left out of the page (its `last` still moves past them). An outbox is an integration's
    /// feed, read by a principal that reaches everything; events hold no personal data
    /// ([`event`](crate::event)).
    ///
    /// # Errors
    ///
    /// [`CrmError::Store`].
    pub fn read_events(
        &self,
        after: Option<Position>,
        limit: usize,
        actor: &User,
    ) -> Result<EventPage, CrmError<S::Error>> {
        run(self.steps().read_events(after, limit, actor))
    }

    /// Whether `user` may take `action` on the record `id`, and the rule that decides: for an
    /// administrator's audit and for support ("why can Ann not see this lead?"). Not a read
    /// for `user`: it says the record exists, so expose it to administrators only.
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`], [`CrmError::Store`].
    pub fn explain(
        &self,
        user: &User,
        action: Action,
        id: impl Into<RecordId>,
    ) -> Result<Decision, CrmError<S::Error>> {
        run(self.steps().explain(user, action, id.into()))
    }

    /// Who among the users of the facade's [`Directory`](crate::access::Directory) may take
    /// `action` on the record `id` ("who may see this record": [`Action::Read`]), with the rule
    /// that allows each, and their roles and teams. For an administrator's audit.
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`], [`CrmError::Store`].
    pub fn audience(
        &self,
        action: Action,
        id: impl Into<RecordId>,
    ) -> Result<Audience, CrmError<S::Error>> {
        run(self.steps().audience(action, id.into()))
    }
}

/// The queries that list what `reach` lets a principal see of `query`: `query` itself when
/// the policy reaches every record, else one per owner reached (and one for the records nobody
/// owns), each within `query`'s own restriction to an owner or to none.
fn within(query: &Query, reach: Reach) -> Vec<Query> {
    let Reach::Owners { owners, unowned } = reach else {
        return vec![query.clone()];
    };
    match (query.owner(), query.is_unowned()) {
        (Some(owner), _) => match owners.contains(owner) {
            true => vec![query.clone()],
            false => Vec::new(),
        },
        (None, true) => match unowned {
            true => vec![query.clone()],
            false => Vec::new(),
        },
        (None, false) => owners
            .into_iter()
            .map(|o| query.clone().owned_by(o))
            .chain(unowned.then(|| query.clone().unowned()))
            .collect(),
    }
}

impl<B: Backend> Steps<'_, B> {
    /// The record `id` when `actor` may read it whole, typed: what a step is given.
    pub(super) async fn load_for<T>(
        &self,
        id: RecordId,
        actor: &User,
    ) -> Result<Versioned<T>, CrmError<B::Error>>
    where
        T: TryFrom<Record, Error = StateError<Record>>,
    {
        let loaded = self.store.load(id).await.map_err(CrmError::Store)?;
        if let Some(record) = &loaded {
            match self.readable(actor, record.value()).await? {
                None => return Err(CrmError::NotFound(id)),
                Some(false) => {
                    // The principal may read it, so its existence is no secret: say why.
                    let _denied = self
                        .allow_on(actor, Action::ReadPersonal, record.value())
                        .await?;
                }
                Some(true) => {}
            }
            self.conforms(record.value(), &mut None).await??;
        }
        plan::typed(id, loaded)
    }

    pub(super) async fn read(
        &self,
        id: RecordId,
        actor: &User,
    ) -> Result<Visible, CrmError<B::Error>> {
        let loaded = self.store.load(id).await.map_err(CrmError::Store)?;
        let record = loaded.ok_or(CrmError::NotFound(id))?;
        let personal = self
            .readable(actor, record.value())
            .await?
            .ok_or(CrmError::NotFound(id))?;
        self.conforms(record.value(), &mut None).await??;
        Ok(Visible::new(record, personal))
    }

    pub(super) async fn list(
        &self,
        query: &Query,
        after: Option<crate::store::Cursor>,
        limit: usize,
        actor: &User,
    ) -> Result<VisiblePage, CrmError<B::Error>> {
        let access = &self.settings.access;
        let principal = access.principal(actor);
        let kind = query.kind();
        let queries = match (kind, query.regarding()) {
            // The work about one record: listed by that record, each checked below.
            (RecordKind::Activity | RecordKind::Task, Some(_)) => vec![query.clone()],
            _ => within(query, access.policy().reach(&principal, kind, Action::Read)),
        };
        let limit = limit.min(MAX_PAGE);
        let mut records = Vec::new();
        let mut unreadable = Vec::new();
        let mut more = false;
        for query in &queries {
            let page = self
                .store
                .list(query, after, limit)
                .await
                .map_err(CrmError::Store)?;
            more |= page.next.is_some();
            records.extend(page.records);
            unreadable.extend(page.unreadable);
        }
        records.sort_by_key(|r| r.value().id().as_uuid());
        more |= records.len() > limit;
        records.truncate(limit);
        let next = match (more, records.last()) {
            (true, Some(last)) => Some(crate::store::Cursor::after(last.value().id())),
            _ => None,
        };
        let mut page = VisiblePage {
            records: Vec::with_capacity(records.len()),
            unreadable,
            next,
        };
        let mut schema = None;
        for record in records {
            let Some(personal) = self.readable(actor, record.value()).await? else {
                continue;
            };
            // A reader who may not see a record's personal values does not find it by them.
            if !personal && by_personal_value(query, record.value()) {
                continue;
            }
            // A record whose custom values the schema refuses is reported, as a row the
            // store cannot read is.
            match self.conforms(record.value(), &mut schema).await? {
                Ok(()) => page.records.push(Visible::new(record, personal)),
                Err(e) => page.unreadable.push(crate::store::Unreadable::new(
                    record.value().kind(),
                    record.value().id().as_uuid().to_string(),
                    e,
                )),
            }
        }
        Ok(page)
    }

    /// `found`, as far as `actor` may see it; when `by_personal` (found by a personal value),
    /// only what they may read with its personal data: who may not read an email does not
    /// learn which contact has it.
    async fn visible(
        &self,
        found: Vec<Versioned<Record>>,
        actor: &User,
        by_personal: bool,
    ) -> Result<Vec<Visible>, CrmError<B::Error>> {
        let mut shown = Vec::with_capacity(found.len());
        for record in found {
            match self.readable(actor, record.value()).await? {
                Some(false) if by_personal => {}
                Some(personal) => shown.push(Visible::new(record, personal)),
                None => {}
            }
        }
        Ok(shown)
    }

    pub(super) async fn find_contacts_by_email(
        &self,
        email: &crate::email::EmailAddress,
        actor: &User,
    ) -> Result<Vec<Visible>, CrmError<B::Error>> {
        let found = self
            .store
            .find_contacts_by_email(email)
            .await
            .map_err(CrmError::Store)?;
        let found = found.into_iter().map(|c| c.map(Record::from)).collect();
        self.visible(found, actor, true).await
    }

    pub(super) async fn find_organizations_by_domain(
        &self,
        domain: &crate::organization::Domain,
        actor: &User,
    ) -> Result<Vec<Visible>, CrmError<B::Error>> {
        let found = self
            .store
            .find_organizations_by_domain(domain)
            .await
            .map_err(CrmError::Store)?;
        let found = found.into_iter().map(|o| o.map(Record::from)).collect();
        self.visible(found, actor, false).await
    }

    pub(super) async fn report(
        &self,
        scope: &Scope,
        actor: &User,
    ) -> Result<PipelineReport, CrmError<B::Error>> {
        let access = &self.settings.access;
        let principal = access.principal(actor);
        let mut report = PipelineReport::new();
        for kind in FUNNEL_KINDS {
            let reach = access.policy().reach(&principal, kind, Action::Read);
            for query in within(&Query::of_kind(kind), reach) {
                let mut unreadable = 0;
                self.list_all(&query, &mut |page| {
                    unreadable += page.unreadable.len();
                    for r in page.records.iter().filter(|r| scope.includes(r.value())) {
                        report.add(&r.value().contribution());
                    }
                })
                .await?;
                report.count_unreadable(unreadable);
            }
        }
        Ok(report)
    }

    pub(super) async fn read_events(
        &self,
        after: Option<Position>,
        limit: usize,
        actor: &User,
    ) -> Result<EventPage, CrmError<B::Error>> {
        let access = &self.settings.access;
        let principal = access.principal(actor);
        let everything: Vec<RecordKind> = RecordKind::ALL
            .into_iter()
            .filter(|k| access.policy().reach(&principal, *k, Action::Read) == Reach::Everything)
            .collect();
        let mut page = match everything.is_empty() {
            true => EventPage::default(),
            false => self
                .store
                .read_events(after, limit)
                .await
                .map_err(CrmError::Store)?,
        };
        page.events
            .retain(|e| everything.contains(&e.event.record().kind()));
        Ok(page)
    }

    pub(super) async fn explain(
        &self,
        user: &User,
        action: Action,
        id: RecordId,
    ) -> Result<Decision, CrmError<B::Error>> {
        let loaded = self.store.load(id).await.map_err(CrmError::Store)?;
        let record = loaded.ok_or(CrmError::NotFound(id))?;
        let about = self.about_owner(record.value()).await?;
        let access = &self.settings.access;
        let resource = record.value().resource().about_owned_by(about.as_ref());
        Ok(access
            .policy()
            .decide(&access.principal(user), action, &resource))
    }

    pub(super) async fn audience(
        &self,
        action: Action,
        id: RecordId,
    ) -> Result<Audience, CrmError<B::Error>> {
        let loaded = self.store.load(id).await.map_err(CrmError::Store)?;
        let record = loaded.ok_or(CrmError::NotFound(id))?;
        let about = self.about_owner(record.value()).await?;
        let access = &self.settings.access;
        let resource: Resource<'_> = record.value().resource().about_owned_by(about.as_ref());
        Ok(crate::access::audience(
            access.policy(),
            access.directory(),
            action,
            &resource,
        ))
    }

    /// The owner of the record an activity or a task is about; `None` for other records.
    async fn about_owner(&self, record: &Record) -> Result<Option<User>, CrmError<B::Error>> {
        match record.regarding() {
            Some(about) => self.owner_of(about).await,
            None => Ok(None),
        }
    }
}

/// Whether `query` asks about a custom field whose value in `record` is personal data, or
/// (for a contact) about a duplicate key, which is made of its name, email or phone.
fn by_personal_value(query: &Query, record: &Record) -> bool {
    let by_key = query.duplicate_key().is_some() && record.kind() == RecordKind::Contact;
    by_key
        || record.custom_fields().is_some_and(|custom| {
            query
                .fields()
                .iter()
                .any(|(key, _)| custom.is_personal(key))
        })
}
