//! [`AsyncCrm`]: the facade on an [`AsyncStore`], [`Crm`]'s twin.

use super::*;

/// The lifecycle on an [`AsyncStore`]: [`Crm`]'s twin, with the same steps as `async fn`s whose
/// futures are `Send`.
///
/// ```
/// use prospect::memory::MemoryStore;
/// use prospect::store::Version;
/// use prospect::*;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let waker = std::task::Waker::noop();
/// #     match f.as_mut().poll(&mut std::task::Context::from_waker(&waker)) {
/// #         std::task::Poll::Ready(v) => v,
/// #         std::task::Poll::Pending => unreachable!("MemoryStore never waits"),
/// #     }
/// # }
/// # block_on(async {
/// let crm = AsyncCrm::new(MemoryStore::new());
/// let alice = User::new("alice")?;
/// let contact = crm
///     .create_contact(
///         ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Web),
///         OnDuplicate::Refuse,
///         &alice,
///     )
///     .await?
///     .into_contact();
/// let lead = crm.open_lead(&contact, Interest::new(Summary::new("A CRM")?, BuyingRole::User), &alice).await?;
/// assert_eq!(lead.version(), Version::FIRST);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AsyncCrm<S> {
    sync: Crm<S>,
}

impl<S> AsyncCrm<S> {
    /// A facade over `store`, with the system clock and random UUID v7 ids.
    pub fn new(store: S) -> AsyncCrm<S> {
        AsyncCrm {
            sync: Crm::new(store),
        }
    }

    /// A facade over `store`, with the given clock and id source.
    pub fn with_clock_and_ids(
        store: S,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> AsyncCrm<S> {
        AsyncCrm {
            sync: Crm::with_clock_and_ids(store, clock, ids),
        }
    }

    /// The same facade, with each actor's "today" in the offset `zones` gives for them. See
    /// [`Crm::with_zones`].
    pub fn with_zones(self, zones: impl Zones + 'static) -> AsyncCrm<S> {
        AsyncCrm {
            sync: self.sync.with_zones(zones),
        }
    }

    /// The same facade, checking the dates steps are given against `dates`. See
    /// [`Crm::with_dates`].
    pub fn with_dates(self, dates: DatePolicy) -> AsyncCrm<S> {
        AsyncCrm {
            sync: self.sync.with_dates(dates),
        }
    }

    /// The store the facade commits to, to read from it directly.
    pub fn store(&self) -> &S {
        self.sync.store()
    }

    /// The store, giving up the facade.
    pub fn into_store(self) -> S {
        self.sync.into_store()
    }

    /// A context acting as `actor`, with the facade's clock and ids.
    pub fn context(&self, actor: &User) -> Context<'_> {
        self.sync.context(actor)
    }
}

impl<S> std::fmt::Debug for AsyncCrm<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncCrm").finish_non_exhaustive()
    }
}

impl<S: AsyncStore> AsyncCrm<S> {
    async fn apply<T>(&self, plan: Plan<T>, actor: &User) -> Result<T, CrmError<S::Error>> {
        let batch = self.sync.with_events(plan.batch, actor);
        self.store().commit(batch).await?;
        Ok(plan.output)
    }

    /// See `Crm::list_all`.
    async fn list_all(
        &self,
        query: &Query,
        visit: &mut (dyn FnMut(Page) + Send),
    ) -> Result<(), CrmError<S::Error>> {
        let mut after = None;
        loop {
            let page = self
                .store()
                .list(query, after, MAX_PAGE)
                .await
                .map_err(CrmError::Store)?;
            let next = crate::store::next_cursor(after, page.next);
            visit(page);
            match next {
                Some(next) => after = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// See `Crm::require_next_step`.
    async fn require_next_step(
        &self,
        opportunity: OpportunityId,
        stage: OpportunityStage,
    ) -> Result<plan::NextStep, CrmError<S::Error>> {
        if !self.sync.next_steps.requires(stage) {
            return Ok(None);
        }
        let page = self
            .store()
            .list(&Query::open_tasks_about(opportunity), None, 1)
            .await
            .map_err(CrmError::Store)?;
        plan::has_next_step(opportunity, stage, &page)
    }

    // The same steps as `Crm`'s, with the commit (and the look-ups) awaited.
    /// See [`Crm::load`].
    pub async fn load<T>(&self, id: impl Into<RecordId>) -> Result<Versioned<T>, CrmError<S::Error>>
    where
        T: TryFrom<Record, Error = StateError<Record>>,
    {
        let id = id.into();
        let loaded = self.store().load(id).await.map_err(CrmError::Store)?;
        plan::typed(id, loaded)
    }

    /// See [`Crm::create_contact`].
    pub async fn create_contact(
        &self,
        details: ContactDetails,
        on_duplicate: OnDuplicate,
        actor: &User,
    ) -> Result<ContactOutcome, CrmError<S::Error>> {
        let mut batch = Batch::new();
        if let Some(email) = &details.email {
            // Refusing needs no lookup: the commit below conflicts with an existing contact
            // with this address, and the conflict names it. Reusing looks first.
            if on_duplicate == OnDuplicate::Reuse {
                let found = self
                    .store()
                    .find_contacts_by_email(email)
                    .await
                    .map_err(CrmError::Store)?;
                if let Some(existing) = found.into_iter().next() {
                    return Ok(ContactOutcome::Matched(existing));
                }
            }
            batch.require_no_contact_with(email);
        }
        let contact = Contact::create(details, &self.context(actor));
        match self
            .apply(plan::create(contact.clone(), batch), actor)
            .await
        {
            Ok(created) => Ok(ContactOutcome::Created(created)),
            // A contact with this address exists (or, when reusing, was created meanwhile).
            Err(CrmError::Conflict(c)) => match (on_duplicate, c.record, contact.email()) {
                (OnDuplicate::Refuse, RecordId::Contact(existing), Some(_))
                    if c.kind == ConflictKind::EmailTaken =>
                {
                    Err(CrmError::DuplicateContact { existing })
                }
                (OnDuplicate::Reuse, _, Some(email)) => {
                    let found = self
                        .store()
                        .find_contacts_by_email(email)
                        .await
                        .map_err(CrmError::Store)?;
                    found
                        .into_iter()
                        .next()
                        .map(ContactOutcome::Matched)
                        .ok_or(CrmError::Conflict(c))
                }
                _ => Err(CrmError::Conflict(c)),
            },
            Err(e) => Err(e),
        }
    }

    /// See [`Crm::erase_contact`].
    pub async fn erase_contact(
        &self,
        contact: Versioned<Contact>,
        actor: &User,
    ) -> Result<ErasureReport, CrmError<S::Error>> {
        let mut found = plan::ContactRecords::of(contact.id());
        for query in found.queries() {
            self.list_all(&query, &mut |page| found.visit(page)).await?;
        }
        for account in found.accounts_elsewhere() {
            let loaded = self
                .store()
                .load(account.into())
                .await
                .map_err(CrmError::Store)?;
            found.visit_account(loaded);
        }
        self.apply(plan::erase(contact, found, &self.context(actor)), actor)
            .await
    }

    /// See [`Crm::open_lead`].
    pub async fn open_lead(
        &self,
        contact: &Versioned<Contact>,
        interest: Interest,
        actor: &User,
    ) -> Result<Versioned<Lead<New>>, CrmError<S::Error>> {
        plan::not_erased(contact.id(), contact.erasure().is_some())?;
        let lead = Lead::open(contact, interest, &self.context(actor));
        self.apply(
            plan::create(lead, plan::relying_on(contact.id(), contact.version())),
            actor,
        )
        .await
    }

    /// See [`Crm::with_next_steps`].
    pub fn with_next_steps(self, policy: NextSteps) -> AsyncCrm<S> {
        AsyncCrm {
            sync: self.sync.with_next_steps(policy),
        }
    }

    /// See [`Crm::without_events`].
    pub fn without_events(self) -> AsyncCrm<S> {
        AsyncCrm {
            sync: self.sync.without_events(),
        }
    }

    /// See [`Crm::add_task`].
    pub async fn add_task(
        &self,
        id: impl Into<RecordId>,
        details: TaskDetails,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        let id = id.into();
        let record = self.store().load(id).await.map_err(CrmError::Store)?;
        let relied_on = plan::relying_on_loaded(&record);
        let task = plan::task_about(id, record, details, &self.context(actor))?;
        self.apply(plan::create(task, relied_on), actor).await
    }

    /// See [`Crm::add_task_on_contact`].
    pub async fn add_task_on_contact(
        &self,
        contact: &Versioned<Contact>,
        details: TaskDetails,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        plan::not_erased(contact.id(), contact.erasure().is_some())?;
        let task = plan::invalid_for(
            contact.id(),
            Task::on_contact(contact, details, &self.context(actor)),
        )?;
        self.apply(
            plan::create(task, plan::relying_on(contact.id(), contact.version())),
            actor,
        )
        .await
    }

    /// See [`Crm::add_task_on_lead`].
    pub async fn add_task_on_lead<St: OpenLeadState>(
        &self,
        lead: &Versioned<Lead<St>>,
        details: TaskDetails,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        plan::not_erased(lead.contact(), lead.is_erased())?;
        let task = plan::invalid_for(
            lead.id(),
            Task::on_lead(lead, details, &self.context(actor)),
        )?;
        self.apply(
            plan::create(task, plan::relying_on(lead.id(), lead.version())),
            actor,
        )
        .await
    }

    /// See [`Crm::add_task_on_opportunity`].
    pub async fn add_task_on_opportunity<St: OpenStage>(
        &self,
        opportunity: &Versioned<Opportunity<St>>,
        details: TaskDetails,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        plan::not_erased(opportunity.contact(), opportunity.is_erased())?;
        let task = plan::invalid_for(
            opportunity.id(),
            Task::on_opportunity(opportunity, details, &self.context(actor)),
        )?;
        self.apply(
            plan::create(
                task,
                plan::relying_on(opportunity.id(), opportunity.version()),
            ),
            actor,
        )
        .await
    }

    /// See [`Crm::complete_task`].
    pub async fn complete_task(
        &self,
        task: Versioned<Task>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::close_task(task, |t| t.complete(&ctx))?, actor)
            .await
    }

    /// See [`Crm::cancel_task`].
    pub async fn cancel_task(
        &self,
        task: Versioned<Task>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::close_task(task, |t| t.cancel(&ctx))?, actor)
            .await
    }

    /// See [`Crm::log_activity_on_contact`].
    pub async fn log_activity_on_contact(
        &self,
        contact: &Versioned<Contact>,
        details: ActivityDetails,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        plan::not_erased(contact.id(), contact.erasure().is_some())?;
        let activity =
            plan::invalid_for(contact.id(), Activity::on_contact(contact, details, &ctx))?;
        self.apply(
            plan::create(activity, plan::relying_on(contact.id(), contact.version())),
            actor,
        )
        .await
    }

    /// See [`Crm::log_activity_on_lead`].
    pub async fn log_activity_on_lead<St: OpenLeadState>(
        &self,
        lead: &Versioned<Lead<St>>,
        details: ActivityDetails,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        plan::not_erased(lead.contact(), lead.is_erased())?;
        let activity = plan::invalid_for(lead.id(), Activity::on_lead(lead, details, &ctx))?;
        self.apply(
            plan::create(activity, plan::relying_on(lead.id(), lead.version())),
            actor,
        )
        .await
    }

    /// See [`Crm::log_activity_on_opportunity`].
    pub async fn log_activity_on_opportunity<St: OpenStage>(
        &self,
        opportunity: &Versioned<Opportunity<St>>,
        details: ActivityDetails,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        plan::not_erased(opportunity.contact(), opportunity.is_erased())?;
        let activity = Activity::on_opportunity(opportunity, details, &ctx);
        let activity = plan::invalid_for(opportunity.id(), activity)?;
        self.apply(
            plan::create(
                activity,
                plan::relying_on(opportunity.id(), opportunity.version()),
            ),
            actor,
        )
        .await
    }

    /// See [`Crm::log_activity`].
    pub async fn log_activity(
        &self,
        id: impl Into<RecordId>,
        details: ActivityDetails,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        let id = id.into();
        let record = self.store().load(id).await.map_err(CrmError::Store)?;
        let relied_on = plan::relying_on_loaded(&record);
        let activity = plan::activity_about(id, record, details, &self.context(actor))?;
        self.apply(plan::create(activity, relied_on), actor).await
    }

    /// See [`Crm::log_touch`].
    pub async fn log_touch(
        &self,
        lead: Versioned<Lead<New>>,
        touch: Touch,
        actor: &User,
    ) -> Result<Versioned<Lead<Working>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(lead, |l| l.log_touch(touch, &ctx)), actor)
            .await
    }

    /// See [`Crm::nurture`].
    pub async fn nurture(
        &self,
        lead: Versioned<Lead<Working>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Lead<Nurturing>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(lead, |l| l.nurture(note, &ctx)), actor)
            .await
    }

    /// See [`Crm::resume`].
    pub async fn resume(
        &self,
        lead: Versioned<Lead<Nurturing>>,
        touch: Touch,
        actor: &User,
    ) -> Result<Versioned<Lead<Working>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(lead, |l| l.resume(touch, &ctx)), actor)
            .await
    }

    /// See [`Crm::disqualify`].
    pub async fn disqualify<St: OpenLeadState>(
        &self,
        lead: Versioned<Lead<St>>,
        reason: DisqualifyReason,
        actor: &User,
    ) -> Result<Versioned<Lead<Disqualified>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(lead, |l| l.disqualify(reason, &ctx)), actor)
            .await
    }

    /// See [`Crm::recycle`].
    pub async fn recycle(
        &self,
        lead: Versioned<Lead<Disqualified>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Lead<Nurturing>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(lead, |l| l.recycle(note, &ctx)), actor)
            .await
    }

    /// See [`Crm::qualify`].
    pub async fn qualify<St: QualifiableState>(
        &self,
        lead: Versioned<Lead<St>>,
        qualification: Qualification,
        actor: &User,
    ) -> Result<Qualified, CrmError<S::Error>> {
        self.apply(
            plan::qualify(lead, qualification, &self.context(actor))?,
            actor,
        )
        .await
    }

    /// See [`Crm::propose`].
    pub async fn propose(
        &self,
        opportunity: Versioned<Opportunity<Discovery>>,
        proposal: SentProposal,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Proposal>>, CrmError<S::Error>> {
        let next_step = self
            .require_next_step(opportunity.id(), OpportunityStage::Proposal)
            .await?;
        let ctx = self.context(actor);
        self.apply(
            plan::try_step(opportunity, |o| o.propose(proposal, &ctx))?.relying_on(next_step),
            actor,
        )
        .await
    }

    /// See [`Crm::negotiate`].
    pub async fn negotiate(
        &self,
        opportunity: Versioned<Opportunity<Proposal>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Negotiation>>, CrmError<S::Error>> {
        let next_step = self
            .require_next_step(opportunity.id(), OpportunityStage::Negotiation)
            .await?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |o| o.negotiate(note, &ctx)).relying_on(next_step),
            actor,
        )
        .await
    }

    /// See [`Crm::enter_contracting`].
    pub async fn enter_contracting(
        &self,
        opportunity: Versioned<Opportunity<Negotiation>>,
        terms: PaymentTerms,
        incumbent: Incumbent,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Contracting>>, CrmError<S::Error>> {
        let next_step = self
            .require_next_step(opportunity.id(), OpportunityStage::Contracting)
            .await?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |o| o.enter_contracting(terms, incumbent, &ctx))
                .relying_on(next_step),
            actor,
        )
        .await
    }

    /// See [`Crm::win`].
    pub async fn win(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        contract: SignedContract,
        actor: &User,
    ) -> Result<WonAccount, CrmError<S::Error>> {
        let contact = self
            .store()
            .load(opportunity.contact().into())
            .await
            .map_err(CrmError::Store)?;
        let organization = plan::organization_of(contact.as_ref());
        let account = match organization {
            Some(o) => self
                .store()
                .load(AccountId::of_organization(o).into())
                .await
                .map_err(CrmError::Store)?,
            None => None,
        };
        match plan::WinInto::of(organization, account)? {
            plan::WinInto::NewAccount => {
                self.apply(
                    plan::win(opportunity, contract, &self.context(actor))?,
                    actor,
                )
                .await
            }
            plan::WinInto::NewAccountOf(o) => {
                let plan =
                    plan::win_for_organization(opportunity, o, contract, &self.context(actor))?;
                self.apply(plan, actor).await
            }
            plan::WinInto::Account(account) => {
                self.win_for(opportunity, account, contract, actor).await
            }
        }
    }

    /// See [`Crm::win_for`].
    pub async fn win_for(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        account: Versioned<Account>,
        contract: SignedContract,
        actor: &User,
    ) -> Result<WonAccount, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::win_for(opportunity, account, contract, &ctx)?, actor)
            .await
    }

    /// See [`Crm::lose`].
    pub async fn lose<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        reason: LossReason,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Lost>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(opportunity, |o| o.lose(reason, &ctx)), actor)
            .await
    }

    /// See [`Crm::reopen`].
    pub async fn reopen(
        &self,
        opportunity: Versioned<Opportunity<Lost>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Discovery>>, CrmError<S::Error>> {
        let next_step = self
            .require_next_step(opportunity.id(), OpportunityStage::Discovery)
            .await?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |o| o.reopen(note, &ctx)).relying_on(next_step),
            actor,
        )
        .await
    }

    /// See [`Crm::correct_contact`].
    pub async fn correct_contact(
        &self,
        contact: Versioned<Contact>,
        details: ContactDetails,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<S::Error>> {
        let plan = plan::correct(contact, details, reason, &self.context(actor))?;
        self.apply(plan, actor).await.map_err(plan::duplicate_email)
    }

    /// See [`Crm::reassign_contact`].
    pub async fn reassign_contact(
        &self,
        contact: Versioned<Contact>,
        owner: Option<User>,
        cascade: Cascade,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<HandedOver, CrmError<S::Error>> {
        let mut owned = plan::OwnedRecords::of(contact.id());
        if let (Cascade::OpenRecords, Some(previous)) = (cascade, contact.owner()) {
            for query in plan::OwnedRecords::queries(previous) {
                self.list_all(&query, &mut |page| owned.visit(page.records))
                    .await?;
            }
        }
        let plan = plan::hand_over(contact, owner, reason, owned.found, &self.context(actor))?;
        self.apply(plan, actor).await
    }

    /// See [`Crm::reassign_lead`].
    pub async fn reassign_lead<St: OpenLeadState>(
        &self,
        lead: Versioned<Lead<St>>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Lead<St>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(
            plan::step(lead, |mut l| {
                l.reassign(owner, reason, &ctx);
                l
            }),
            actor,
        )
        .await
    }

    /// See [`Crm::reassign_opportunity`].
    pub async fn reassign_opportunity<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |mut o| {
                o.reassign(owner, reason, &ctx);
                o
            }),
            actor,
        )
        .await
    }

    /// See [`Crm::reassign_account`].
    pub async fn reassign_account(
        &self,
        account: Versioned<Account>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Account>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(
            plan::step(account, |mut a| {
                a.reassign(owner, reason, &ctx);
                a
            }),
            actor,
        )
        .await
    }

    /// See [`Crm::revise_opportunity`].
    pub async fn revise_opportunity<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        revision: Revision,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        let id = opportunity.id();
        self.apply(
            plan::edit(id, opportunity, |o| o.revise(revision, &ctx))?,
            actor,
        )
        .await
    }

    /// See [`Crm::revise_proposal`].
    pub async fn revise_proposal<St: ProposalStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        proposal: SentProposal,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        let id = opportunity.id();
        self.apply(
            plan::edit(id, opportunity, |o| o.revise_proposal(proposal, &ctx))?,
            actor,
        )
        .await
    }

    /// See [`Crm::override_probability`].
    pub async fn override_probability<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        probability: Probability,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |mut o| {
                o.override_probability(probability, reason, &ctx);
                o
            }),
            actor,
        )
        .await
    }

    /// See [`Crm::override_forecast`].
    pub async fn override_forecast<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        category: ForecastCategory,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |mut o| {
                o.override_forecast(category, reason, &ctx);
                o
            }),
            actor,
        )
        .await
    }

    /// See [`Crm::clear_overrides`].
    pub async fn clear_overrides<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |mut o| {
                o.clear_overrides(reason, &ctx);
                o
            }),
            actor,
        )
        .await
    }

    /// See [`Crm::create_organization`].
    pub async fn create_organization(
        &self,
        details: OrganizationDetails,
        on_duplicate: OnDuplicate,
        actor: &User,
    ) -> Result<OrganizationOutcome, CrmError<S::Error>> {
        if on_duplicate == OnDuplicate::Reuse {
            if let Some(found) = self.organization_with_domain(&details.domains).await? {
                return Ok(OrganizationOutcome::Matched(found));
            }
        }
        let (organization, batch) = plan::new_organization(details, &self.context(actor))?;
        match self.apply(plan::create(organization, batch), actor).await {
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

    /// See `Crm::organization_with_domain`.
    async fn organization_with_domain(
        &self,
        domains: &[Domain],
    ) -> Result<Option<Versioned<Organization>>, CrmError<S::Error>> {
        for domain in domains {
            let found = self
                .store()
                .find_organizations_by_domain(domain)
                .await
                .map_err(CrmError::Store)?;
            if let Some(first) = found.into_iter().next() {
                return Ok(Some(first));
            }
        }
        Ok(None)
    }

    /// See [`Crm::correct_organization`].
    pub async fn correct_organization(
        &self,
        organization: Versioned<Organization>,
        details: OrganizationDetails,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Organization>, CrmError<S::Error>> {
        let plan = plan::correct_organization(organization, details, reason, &self.context(actor))?;
        self.apply(plan, actor)
            .await
            .map_err(plan::duplicate_domain)
    }

    /// See [`Crm::link_contact`].
    pub async fn link_contact(
        &self,
        contact: Versioned<Contact>,
        organization: &Versioned<Organization>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<S::Error>> {
        let details = contact
            .details()
            .clone()
            .with_organization(organization.id());
        self.correct_contact(contact, details, None, actor).await
    }

    /// See [`Crm::unlink_contact`].
    pub async fn unlink_contact(
        &self,
        contact: Versioned<Contact>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<S::Error>> {
        let details = ContactDetails {
            organization: None,
            ..contact.details().clone()
        };
        self.correct_contact(contact, details, None, actor).await
    }

    /// See [`Crm::execute`].
    pub async fn execute(
        &self,
        command: Command,
        actor: &User,
    ) -> Result<Executed, CrmError<S::Error>> {
        let loaded = match command.target() {
            Some((id, _)) => self.store().load(id).await.map_err(CrmError::Store)?,
            None => None,
        };
        use resolve::Resolved as R;
        use resolve::written;
        let one = |v| Executed { records: vec![v] };
        Ok(match resolve::resolve(command, loaded)? {
            R::CreateContact(details, on_duplicate) => one(written(
                self.create_contact(details, on_duplicate, actor)
                    .await?
                    .into_contact(),
            )),
            R::OpenLead(contact, interest) => {
                one(written(self.open_lead(&contact, interest, actor).await?))
            }
            R::LogTouch(l, touch) => one(written(self.log_touch(l, touch, actor).await?)),
            R::Resume(l, touch) => one(written(self.resume(l, touch, actor).await?)),
            R::Nurture(l, note) => one(written(self.nurture(l, note, actor).await?)),
            R::DisqualifyNew(l, r) => one(written(self.disqualify(l, r, actor).await?)),
            R::DisqualifyWorking(l, r) => one(written(self.disqualify(l, r, actor).await?)),
            R::DisqualifyNurturing(l, r) => one(written(self.disqualify(l, r, actor).await?)),
            R::Recycle(l, note) => one(written(self.recycle(l, note, actor).await?)),
            R::QualifyWorking(l, q) => resolve::qualified(self.qualify(l, q, actor).await?),
            R::QualifyNurturing(l, q) => resolve::qualified(self.qualify(l, q, actor).await?),
            R::Propose(o, p) => one(written(self.propose(o, p, actor).await?)),
            R::Negotiate(o, note) => one(written(self.negotiate(o, note, actor).await?)),
            R::EnterContracting(o, t, i) => {
                one(written(self.enter_contracting(o, t, i, actor).await?))
            }
            R::Win(o, contract) => resolve::won(self.win(o, contract, actor).await?),
            R::LoseDiscovery(o, r) => one(written(self.lose(o, r, actor).await?)),
            R::LoseProposal(o, r) => one(written(self.lose(o, r, actor).await?)),
            R::LoseNegotiation(o, r) => one(written(self.lose(o, r, actor).await?)),
            R::LoseContracting(o, r) => one(written(self.lose(o, r, actor).await?)),
            R::Reopen(o, note) => one(written(self.reopen(o, note, actor).await?)),
            R::LogActivity(id, details) => {
                one(written(self.log_activity(id, details, actor).await?))
            }
            R::AddTask(id, details) => one(written(self.add_task(id, details, actor).await?)),
            R::CompleteTask(t) => one(written(self.complete_task(t, actor).await?)),
            R::CancelTask(t) => one(written(self.cancel_task(t, actor).await?)),
            R::ReassignNew(l, u, r) => one(written(self.reassign_lead(l, u, r, actor).await?)),
            R::ReassignWorking(l, u, r) => one(written(self.reassign_lead(l, u, r, actor).await?)),
            R::ReassignNurturing(l, u, r) => {
                one(written(self.reassign_lead(l, u, r, actor).await?))
            }
            R::ReassignDiscovery(o, u, r) => {
                one(written(self.reassign_opportunity(o, u, r, actor).await?))
            }
            R::ReassignProposal(o, u, r) => {
                one(written(self.reassign_opportunity(o, u, r, actor).await?))
            }
            R::ReassignNegotiation(o, u, r) => {
                one(written(self.reassign_opportunity(o, u, r, actor).await?))
            }
            R::ReassignContracting(o, u, r) => {
                one(written(self.reassign_opportunity(o, u, r, actor).await?))
            }
            R::ReviseDiscovery(o, rev) => {
                one(written(self.revise_opportunity(o, rev, actor).await?))
            }
            R::ReviseProposal(o, rev) => {
                one(written(self.revise_opportunity(o, rev, actor).await?))
            }
            R::ReviseNegotiation(o, rev) => {
                one(written(self.revise_opportunity(o, rev, actor).await?))
            }
            R::ReviseContracting(o, rev) => {
                one(written(self.revise_opportunity(o, rev, actor).await?))
            }
            R::ReproposeProposal(o, p) => one(written(self.revise_proposal(o, p, actor).await?)),
            R::ReproposeNegotiation(o, p) => one(written(self.revise_proposal(o, p, actor).await?)),
            R::CorrectContact(c, d, r) => one(written(self.correct_contact(c, d, r, actor).await?)),
            R::CreateOrganization(details, on_duplicate) => one(written(
                self.create_organization(details, on_duplicate, actor)
                    .await?
                    .into_organization(),
            )),
            R::ReassignContact(c, u, cascade, r) => {
                resolve::handed(self.reassign_contact(c, u, cascade, r, actor).await?)
            }
            R::LinkContact(c, organization) => {
                let organization = self.load::<Organization>(organization).await?;
                one(written(self.link_contact(c, &organization, actor).await?))
            }
            R::UnlinkContact(c) => one(written(self.unlink_contact(c, actor).await?)),
            R::EraseContact(c) => resolve::erased(self.erase_contact(c, actor).await?),
            R::OverrideDiscovery(o, p, r) => {
                one(written(self.override_probability(o, p, r, actor).await?))
            }
            R::OverrideProposal(o, p, r) => {
                one(written(self.override_probability(o, p, r, actor).await?))
            }
            R::OverrideNegotiation(o, p, r) => {
                one(written(self.override_probability(o, p, r, actor).await?))
            }
            R::OverrideContracting(o, p, r) => {
                one(written(self.override_probability(o, p, r, actor).await?))
            }
            R::CorrectOrganization(o, d, r) => {
                one(written(self.correct_organization(o, d, r, actor).await?))
            }
            R::ForecastDiscovery(o, c, r) => {
                one(written(self.override_forecast(o, c, r, actor).await?))
            }
            R::ForecastProposal(o, c, r) => {
                one(written(self.override_forecast(o, c, r, actor).await?))
            }
            R::ForecastNegotiation(o, c, r) => {
                one(written(self.override_forecast(o, c, r, actor).await?))
            }
            R::ForecastContracting(o, c, r) => {
                one(written(self.override_forecast(o, c, r, actor).await?))
            }
            R::ClearDiscovery(o, r) => one(written(self.clear_overrides(o, r, actor).await?)),
            R::ClearProposal(o, r) => one(written(self.clear_overrides(o, r, actor).await?)),
            R::ClearNegotiation(o, r) => one(written(self.clear_overrides(o, r, actor).await?)),
            R::ClearContracting(o, r) => one(written(self.clear_overrides(o, r, actor).await?)),
            R::ReassignAccount(a, u, r) => {
                one(written(self.reassign_account(a, u, r, actor).await?))
            }
        })
    }

    /// See [`Crm::opportunities_of_organization`].
    pub async fn opportunities_of_organization(
        &self,
        organization: OrganizationId,
    ) -> Result<Vec<Versioned<AnyOpportunity>>, CrmError<S::Error>> {
        let mut contacts = Vec::new();
        let query = Query::of_kind(RecordKind::Contact).of_organization(organization);
        self.list_all(&query, &mut |page| contacts.extend(page.records))
            .await?;
        let mut found = Vec::new();
        for contact in contacts {
            let query = Query::of_kind(RecordKind::Opportunity)
                .of_contact(ContactId::from_uuid(contact.id().as_uuid()));
            self.list_all(&query, &mut |page| {
                found.extend(page.records.into_iter().filter_map(plan::as_opportunity))
            })
            .await?;
        }
        Ok(found)
    }
}
