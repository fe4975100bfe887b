//! [`AsyncCrm`]: the facade on an [`AsyncStore`], [`Crm`]'s twin.

use super::steps::{Awaited, Steps};
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
    /// The store and the settings, held as a [`Crm`] so that one set of builders sets them;
    /// its methods (which need a [`Store`]) are never called on an `AsyncStore`.
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
}

impl<S> std::fmt::Debug for AsyncCrm<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncCrm").finish_non_exhaustive()
    }
}

impl<S: AsyncStore> AsyncCrm<S> {
    /// The steps, over this facade's store, whose calls are awaited.
    fn steps(&self) -> Steps<'_, Awaited<'_, S>> {
        Steps {
            store: Awaited(self.store()),
            settings: &self.sync.settings,
        }
    }

    /// See [`Crm::load`].
    pub async fn load<T>(&self, id: impl Into<RecordId>) -> Result<Versioned<T>, CrmError<S::Error>>
    where
        T: TryFrom<Record, Error = StateError<Record>>,
    {
        self.steps().load(id).await
    }

    /// See [`Crm::create_contact`].
    pub async fn create_contact(
        &self,
        details: ContactDetails,
        on_duplicate: OnDuplicate,
        actor: &User,
    ) -> Result<ContactOutcome, CrmError<S::Error>> {
        self.steps()
            .create_contact(details, on_duplicate, actor)
            .await
    }

    /// See [`Crm::erase_contact`].
    pub async fn erase_contact(
        &self,
        contact: Versioned<Contact>,
        actor: &User,
    ) -> Result<ErasureReport, CrmError<S::Error>> {
        self.steps().erase_contact(contact, actor).await
    }

    /// See [`Crm::open_lead`].
    pub async fn open_lead(
        &self,
        contact: &Versioned<Contact>,
        interest: Interest,
        actor: &User,
    ) -> Result<Versioned<Lead<New>>, CrmError<S::Error>> {
        self.steps().open_lead(contact, interest, actor).await
    }

    /// See [`Crm::add_task`].
    pub async fn add_task(
        &self,
        id: impl Into<RecordId>,
        details: TaskDetails,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        self.steps().add_task(id, details, actor).await
    }

    /// See [`Crm::add_task_on_contact`].
    pub async fn add_task_on_contact(
        &self,
        contact: &Versioned<Contact>,
        details: TaskDetails,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        self.steps()
            .add_task_on_contact(contact, details, actor)
            .await
    }

    /// See [`Crm::add_task_on_lead`].
    pub async fn add_task_on_lead<St: OpenLeadState>(
        &self,
        lead: &Versioned<Lead<St>>,
        details: TaskDetails,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        self.steps().add_task_on_lead(lead, details, actor).await
    }

    /// See [`Crm::add_task_on_opportunity`].
    pub async fn add_task_on_opportunity<St: OpenStage>(
        &self,
        opportunity: &Versioned<Opportunity<St>>,
        details: TaskDetails,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        self.steps()
            .add_task_on_opportunity(opportunity, details, actor)
            .await
    }

    /// See [`Crm::complete_task`].
    pub async fn complete_task(
        &self,
        task: Versioned<Task>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        self.steps().complete_task(task, actor).await
    }

    /// See [`Crm::cancel_task`].
    pub async fn cancel_task(
        &self,
        task: Versioned<Task>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        self.steps().cancel_task(task, actor).await
    }

    /// See [`Crm::log_activity_on_contact`].
    pub async fn log_activity_on_contact(
        &self,
        contact: &Versioned<Contact>,
        details: ActivityDetails,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        self.steps()
            .log_activity_on_contact(contact, details, actor)
            .await
    }

    /// See [`Crm::log_activity_on_lead`].
    pub async fn log_activity_on_lead<St: OpenLeadState>(
        &self,
        lead: &Versioned<Lead<St>>,
        details: ActivityDetails,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        self.steps()
            .log_activity_on_lead(lead, details, actor)
            .await
    }

    /// See [`Crm::log_activity_on_opportunity`].
    pub async fn log_activity_on_opportunity<St: OpenStage>(
        &self,
        opportunity: &Versioned<Opportunity<St>>,
        details: ActivityDetails,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        self.steps()
            .log_activity_on_opportunity(opportunity, details, actor)
            .await
    }

    /// See [`Crm::log_activity`].
    pub async fn log_activity(
        &self,
        id: impl Into<RecordId>,
        details: ActivityDetails,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        self.steps().log_activity(id, details, actor).await
    }

    /// See [`Crm::log_touch`].
    pub async fn log_touch(
        &self,
        lead: Versioned<Lead<New>>,
        touch: Touch,
        actor: &User,
    ) -> Result<Versioned<Lead<Working>>, CrmError<S::Error>> {
        self.steps().log_touch(lead, touch, actor).await
    }

    /// See [`Crm::nurture`].
    pub async fn nurture(
        &self,
        lead: Versioned<Lead<Working>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Lead<Nurturing>>, CrmError<S::Error>> {
        self.steps().nurture(lead, note, actor).await
    }

    /// See [`Crm::resume`].
    pub async fn resume(
        &self,
        lead: Versioned<Lead<Nurturing>>,
        touch: Touch,
        actor: &User,
    ) -> Result<Versioned<Lead<Working>>, CrmError<S::Error>> {
        self.steps().resume(lead, touch, actor).await
    }

    /// See [`Crm::disqualify`].
    pub async fn disqualify<St: OpenLeadState>(
        &self,
        lead: Versioned<Lead<St>>,
        reason: DisqualifyReason,
        actor: &User,
    ) -> Result<Versioned<Lead<Disqualified>>, CrmError<S::Error>> {
        self.steps().disqualify(lead, reason, actor).await
    }

    /// See [`Crm::recycle`].
    pub async fn recycle(
        &self,
        lead: Versioned<Lead<Disqualified>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Lead<Nurturing>>, CrmError<S::Error>> {
        self.steps().recycle(lead, note, actor).await
    }

    /// See [`Crm::qualify`].
    pub async fn qualify<St: QualifiableState>(
        &self,
        lead: Versioned<Lead<St>>,
        qualification: Qualification,
        actor: &User,
    ) -> Result<Qualified, CrmError<S::Error>> {
        self.steps().qualify(lead, qualification, actor).await
    }

    /// See [`Crm::propose`].
    pub async fn propose(
        &self,
        opportunity: Versioned<Opportunity<Discovery>>,
        proposal: SentProposal,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Proposal>>, CrmError<S::Error>> {
        self.steps().propose(opportunity, proposal, actor).await
    }

    /// See [`Crm::negotiate`].
    pub async fn negotiate(
        &self,
        opportunity: Versioned<Opportunity<Proposal>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Negotiation>>, CrmError<S::Error>> {
        self.steps().negotiate(opportunity, note, actor).await
    }

    /// See [`Crm::enter_contracting`].
    pub async fn enter_contracting(
        &self,
        opportunity: Versioned<Opportunity<Negotiation>>,
        terms: PaymentTerms,
        incumbent: Incumbent,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Contracting>>, CrmError<S::Error>> {
        self.steps()
            .enter_contracting(opportunity, terms, incumbent, actor)
            .await
    }

    /// See [`Crm::win`].
    pub async fn win(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        contract: SignedContract,
        actor: &User,
    ) -> Result<WonAccount, CrmError<S::Error>> {
        self.steps().win(opportunity, contract, actor).await
    }

    /// See [`Crm::win_for`].
    pub async fn win_for(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        account: Versioned<Account>,
        contract: SignedContract,
        actor: &User,
    ) -> Result<WonAccount, CrmError<S::Error>> {
        self.steps()
            .win_for(opportunity, account, contract, actor)
            .await
    }

    /// See [`Crm::lose`].
    pub async fn lose<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        reason: LossReason,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Lost>>, CrmError<S::Error>> {
        self.steps().lose(opportunity, reason, actor).await
    }

    /// See [`Crm::reopen`].
    pub async fn reopen(
        &self,
        opportunity: Versioned<Opportunity<Lost>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Discovery>>, CrmError<S::Error>> {
        self.steps().reopen(opportunity, note, actor).await
    }

    /// See [`Crm::correct_contact`].
    pub async fn correct_contact(
        &self,
        contact: Versioned<Contact>,
        details: ContactDetails,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<S::Error>> {
        self.steps()
            .correct_contact(contact, details, reason, actor)
            .await
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
        self.steps()
            .reassign_contact(contact, owner, cascade, reason, actor)
            .await
    }

    /// See [`Crm::reassign_lead`].
    pub async fn reassign_lead<St: OpenLeadState>(
        &self,
        lead: Versioned<Lead<St>>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Lead<St>>, CrmError<S::Error>> {
        self.steps().reassign_lead(lead, owner, reason, actor).await
    }

    /// See [`Crm::reassign_opportunity`].
    pub async fn reassign_opportunity<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        self.steps()
            .reassign_opportunity(opportunity, owner, reason, actor)
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
        self.steps()
            .reassign_account(account, owner, reason, actor)
            .await
    }

    /// See [`Crm::revise_opportunity`].
    pub async fn revise_opportunity<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        revision: Revision,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        self.steps()
            .revise_opportunity(opportunity, revision, actor)
            .await
    }

    /// See [`Crm::revise_proposal`].
    pub async fn revise_proposal<St: ProposalStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        proposal: SentProposal,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        self.steps()
            .revise_proposal(opportunity, proposal, actor)
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
        self.steps()
            .override_probability(opportunity, probability, reason, actor)
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
        self.steps()
            .override_forecast(opportunity, category, reason, actor)
            .await
    }

    /// See [`Crm::clear_overrides`].
    pub async fn clear_overrides<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        self.steps()
            .clear_overrides(opportunity, reason, actor)
            .await
    }

    /// See [`Crm::create_organization`].
    pub async fn create_organization(
        &self,
        details: OrganizationDetails,
        on_duplicate: OnDuplicate,
        actor: &User,
    ) -> Result<OrganizationOutcome, CrmError<S::Error>> {
        self.steps()
            .create_organization(details, on_duplicate, actor)
            .await
    }

    /// See [`Crm::correct_organization`].
    pub async fn correct_organization(
        &self,
        organization: Versioned<Organization>,
        details: OrganizationDetails,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Organization>, CrmError<S::Error>> {
        self.steps()
            .correct_organization(organization, details, reason, actor)
            .await
    }

    /// See [`Crm::link_contact`].
    pub async fn link_contact(
        &self,
        contact: Versioned<Contact>,
        organization: &Versioned<Organization>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<S::Error>> {
        self.steps()
            .link_contact(contact, organization, actor)
            .await
    }

    /// See [`Crm::unlink_contact`].
    pub async fn unlink_contact(
        &self,
        contact: Versioned<Contact>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<S::Error>> {
        self.steps().unlink_contact(contact, actor).await
    }

    /// See [`Crm::execute`].
    pub async fn execute(
        &self,
        command: Command,
        actor: &User,
    ) -> Result<Executed, CrmError<S::Error>> {
        self.steps().execute(command, actor).await
    }

    /// See [`Crm::opportunities_of_organization`].
    pub async fn opportunities_of_organization(
        &self,
        organization: OrganizationId,
    ) -> Result<Vec<Versioned<AnyOpportunity>>, CrmError<S::Error>> {
        self.steps()
            .opportunities_of_organization(organization)
            .await
    }
}
