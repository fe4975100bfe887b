//! [`AsyncCrm`]: the facade on an [`AsyncStore`], [`Crm`]'s twin.

use std::future::Future;

use super::steps::{Awaited, Steps};
use super::*;
use crate::access::{AccessPolicy, Action, Audience, Decision, Directory, Visible, VisiblePage};
use crate::duplicates::{DuplicateRules, Duplicates};
use crate::email::EmailAddress;
use crate::event::{EventPage, Position};
use crate::funnel::{PipelineReport, Scope};
use crate::store::Cursor;

/// The lifecycle on an [`AsyncStore`]: [`Crm`]'s twin, with the same steps, each returning a
/// future that is `Send` (its signature says so).
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
/// let crm = AsyncCrm::new(MemoryStore::new(), prospect::access::AllowAll);
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
    /// A facade over `store` asking `policy`, with the system clock and random UUID v7 ids.
    /// See [`Crm::new`].
    pub fn new(store: S, policy: impl AccessPolicy + 'static) -> AsyncCrm<S> {
        AsyncCrm {
            sync: Crm::new(store, policy),
        }
    }

    /// A facade over `store` asking `policy`, with the given clock and id source.
    pub fn with_clock_and_ids(
        store: S,
        policy: impl AccessPolicy + 'static,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> AsyncCrm<S> {
        AsyncCrm {
            sync: Crm::with_clock_and_ids(store, policy, clock, ids),
        }
    }

    /// The same facade, resolving principals from `directory`. See [`Crm::with_directory`].
    pub fn with_directory(self, directory: Directory) -> AsyncCrm<S> {
        AsyncCrm {
            sync: self.sync.with_directory(directory),
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

    /// See [`Crm::clock`].
    pub fn clock(&self) -> &dyn Clock {
        self.sync.clock()
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

/// Each step returns a future declared `Send` (and borrowing the facade and the actor, `'a`): the
/// bound is part of the signature, checked where the step is written, not inferred from its
/// body at each caller, so a step's future can always be spawned on a multi-threaded runtime.
#[expect(
    clippy::manual_async_fn,
    reason = "an `async fn` cannot declare that its future is `Send`"
)]
impl<S: AsyncStore> AsyncCrm<S> {
    /// The steps, over this facade's store, whose calls are awaited.
    pub(super) fn steps(&self) -> Steps<'_, Awaited<'_, S>> {
        Steps {
            store: Awaited(self.store()),
            settings: &self.sync.settings,
            request: None,
        }
    }

    /// See [`Crm::load`].
    pub fn load<'a, T>(
        &'a self,
        id: impl Into<RecordId>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<T>, CrmError<S::Error>>> + Send + 'a
    where
        T: TryFrom<Record, Error = StateError<Record>>,
    {
        let id = id.into();
        async move { self.steps().load_for(id, actor).await }
    }

    /// See [`Crm::read`].
    pub fn read<'a>(
        &'a self,
        id: impl Into<RecordId>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Visible, CrmError<S::Error>>> + Send + 'a {
        let id = id.into();
        async move { self.steps().read(id, actor).await }
    }

    /// See [`Crm::list`].
    pub fn list<'a>(
        &'a self,
        query: &'a Query,
        after: Option<Cursor>,
        limit: usize,
        actor: &'a User,
    ) -> impl Future<Output = Result<VisiblePage, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().list(query, after, limit, actor).await }
    }

    /// See [`Crm::find_contacts_by_email`].
    pub fn find_contacts_by_email<'a>(
        &'a self,
        email: &'a EmailAddress,
        actor: &'a User,
    ) -> impl Future<Output = Result<Vec<Visible>, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().find_contacts_by_email(email, actor).await }
    }

    /// See [`Crm::duplicates_of_contact`].
    pub fn duplicates_of_contact<'a>(
        &'a self,
        contact: ContactId,
        rules: &'a DuplicateRules,
        actor: &'a User,
    ) -> impl Future<Output = Result<Duplicates, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .duplicates_of_contact(contact, rules, actor)
                .await
        }
    }

    /// See [`Crm::duplicates_of_organization`].
    pub fn duplicates_of_organization<'a>(
        &'a self,
        organization: OrganizationId,
        rules: &'a DuplicateRules,
        actor: &'a User,
    ) -> impl Future<Output = Result<Duplicates, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .duplicates_of_organization(organization, rules, actor)
                .await
        }
    }

    /// See [`Crm::find_organizations_by_domain`].
    pub fn find_organizations_by_domain<'a>(
        &'a self,
        domain: &'a Domain,
        actor: &'a User,
    ) -> impl Future<Output = Result<Vec<Visible>, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .find_organizations_by_domain(domain, actor)
                .await
        }
    }

    /// See [`Crm::reach`].
    pub fn reach(&self, actor: &User, kind: RecordKind, action: Action) -> crate::access::Reach {
        self.sync.reach(actor, kind, action)
    }

    /// See [`Crm::report`].
    pub fn report<'a>(
        &'a self,
        scope: &'a Scope,
        actor: &'a User,
    ) -> impl Future<Output = Result<PipelineReport, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().report(scope, actor).await }
    }

    /// See [`Crm::read_events`].
    pub fn read_events<'a>(
        &'a self,
        after: Option<Position>,
        limit: usize,
        actor: &'a User,
    ) -> impl Future<Output = Result<EventPage, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().read_events(after, limit, actor).await }
    }

    /// See [`Crm::explain`].
    pub fn explain<'a>(
        &'a self,
        user: &'a User,
        action: Action,
        id: impl Into<RecordId>,
    ) -> impl Future<Output = Result<Decision, CrmError<S::Error>>> + Send + 'a {
        let id = id.into();
        async move { self.steps().explain(user, action, id).await }
    }

    /// See [`Crm::audience`].
    pub fn audience<'a>(
        &'a self,
        action: Action,
        id: impl Into<RecordId>,
    ) -> impl Future<Output = Result<Audience, CrmError<S::Error>>> + Send + 'a {
        let id = id.into();
        async move { self.steps().audience(action, id).await }
    }

    /// See [`Crm::create_contact`].
    pub fn create_contact<'a>(
        &'a self,
        details: impl Into<WithFields<ContactDetails>>,
        on_duplicate: OnDuplicate,
        actor: &'a User,
    ) -> impl Future<Output = Result<ContactOutcome, CrmError<S::Error>>> + Send + 'a {
        let details = details.into();
        async move {
            self.steps()
                .create_contact(details, on_duplicate, actor)
                .await
        }
    }

    /// See [`Crm::erase_contact`].
    pub fn erase_contact<'a>(
        &'a self,
        contact: Versioned<Contact>,
        actor: &'a User,
    ) -> impl Future<Output = Result<ErasureReport, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().erase_contact(contact, actor).await }
    }

    /// See [`Crm::open_lead`].
    pub fn open_lead<'a>(
        &'a self,
        contact: &'a Versioned<Contact>,
        interest: impl Into<WithFields<Interest>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Lead<New>>, CrmError<S::Error>>> + Send + 'a {
        let interest = interest.into();
        async move { self.steps().open_lead(contact, interest, actor).await }
    }

    /// See [`Crm::add_task`].
    pub fn add_task<'a>(
        &'a self,
        id: impl Into<RecordId>,
        details: impl Into<WithFields<TaskDetails>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Task>, CrmError<S::Error>>> + Send + 'a {
        let details = details.into();
        let id = id.into();
        async move { self.steps().add_task(id, details, actor).await }
    }

    /// See [`Crm::add_task_on_contact`].
    pub fn add_task_on_contact<'a>(
        &'a self,
        contact: &'a Versioned<Contact>,
        details: impl Into<WithFields<TaskDetails>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Task>, CrmError<S::Error>>> + Send + 'a {
        let details = details.into();
        async move {
            self.steps()
                .add_task_on_contact(contact, details, actor)
                .await
        }
    }

    /// See [`Crm::add_task_on_lead`].
    pub fn add_task_on_lead<'a, St: OpenLeadState>(
        &'a self,
        lead: &'a Versioned<Lead<St>>,
        details: impl Into<WithFields<TaskDetails>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Task>, CrmError<S::Error>>> + Send + 'a {
        let details = details.into();
        async move { self.steps().add_task_on_lead(lead, details, actor).await }
    }

    /// See [`Crm::add_task_on_opportunity`].
    pub fn add_task_on_opportunity<'a, St: OpenStage>(
        &'a self,
        opportunity: &'a Versioned<Opportunity<St>>,
        details: impl Into<WithFields<TaskDetails>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Task>, CrmError<S::Error>>> + Send + 'a {
        let details = details.into();
        async move {
            self.steps()
                .add_task_on_opportunity(opportunity, details, actor)
                .await
        }
    }

    /// See [`Crm::complete_task`].
    pub fn complete_task<'a>(
        &'a self,
        task: Versioned<Task>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Task>, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().complete_task(task, actor).await }
    }

    /// See [`Crm::cancel_task`].
    pub fn cancel_task<'a>(
        &'a self,
        task: Versioned<Task>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Task>, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().cancel_task(task, actor).await }
    }

    /// See [`Crm::log_activity_on_contact`].
    pub fn log_activity_on_contact<'a>(
        &'a self,
        contact: &'a Versioned<Contact>,
        details: impl Into<WithFields<ActivityDetails>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Activity>, CrmError<S::Error>>> + Send + 'a {
        let details = details.into();
        async move {
            self.steps()
                .log_activity_on_contact(contact, details, actor)
                .await
        }
    }

    /// See [`Crm::log_activity_on_lead`].
    pub fn log_activity_on_lead<'a, St: OpenLeadState>(
        &'a self,
        lead: &'a Versioned<Lead<St>>,
        details: impl Into<WithFields<ActivityDetails>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Activity>, CrmError<S::Error>>> + Send + 'a {
        let details = details.into();
        async move {
            self.steps()
                .log_activity_on_lead(lead, details, actor)
                .await
        }
    }

    /// See [`Crm::log_activity_on_opportunity`].
    pub fn log_activity_on_opportunity<'a, St: OpenStage>(
        &'a self,
        opportunity: &'a Versioned<Opportunity<St>>,
        details: impl Into<WithFields<ActivityDetails>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Activity>, CrmError<S::Error>>> + Send + 'a {
        let details = details.into();
        async move {
            self.steps()
                .log_activity_on_opportunity(opportunity, details, actor)
                .await
        }
    }

    /// See [`Crm::log_activity`].
    pub fn log_activity<'a>(
        &'a self,
        id: impl Into<RecordId>,
        details: impl Into<WithFields<ActivityDetails>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Activity>, CrmError<S::Error>>> + Send + 'a {
        let details = details.into();
        let id = id.into();
        async move { self.steps().log_activity(id, details, actor).await }
    }

    /// See [`Crm::log_touch`].
    pub fn log_touch<'a>(
        &'a self,
        lead: Versioned<Lead<New>>,
        touch: Touch,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Lead<Working>>, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().log_touch(lead, touch, actor).await }
    }

    /// See [`Crm::nurture`].
    pub fn nurture<'a>(
        &'a self,
        lead: Versioned<Lead<Working>>,
        note: Note,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Lead<Nurturing>>, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().nurture(lead, note, actor).await }
    }

    /// See [`Crm::resume`].
    pub fn resume<'a>(
        &'a self,
        lead: Versioned<Lead<Nurturing>>,
        touch: Touch,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Lead<Working>>, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().resume(lead, touch, actor).await }
    }

    /// See [`Crm::disqualify`].
    pub fn disqualify<'a, St: OpenLeadState>(
        &'a self,
        lead: Versioned<Lead<St>>,
        reason: DisqualifyReason,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Lead<Disqualified>>, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().disqualify(lead, reason, actor).await }
    }

    /// See [`Crm::recycle`].
    pub fn recycle<'a>(
        &'a self,
        lead: Versioned<Lead<Disqualified>>,
        note: Note,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Lead<Nurturing>>, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().recycle(lead, note, actor).await }
    }

    /// See [`Crm::qualify`].
    pub fn qualify<'a, St: QualifiableState>(
        &'a self,
        lead: Versioned<Lead<St>>,
        qualification: impl Into<WithFields<Qualification>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Qualified, CrmError<S::Error>>> + Send + 'a {
        let qualification = qualification.into();
        async move { self.steps().qualify(lead, qualification, actor).await }
    }

    /// See [`Crm::propose`].
    pub fn propose<'a>(
        &'a self,
        opportunity: Versioned<Opportunity<Discovery>>,
        proposal: SentProposal,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<Proposal>>, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().propose(opportunity, proposal, actor).await }
    }

    /// See [`Crm::negotiate`].
    pub fn negotiate<'a>(
        &'a self,
        opportunity: Versioned<Opportunity<Proposal>>,
        note: Note,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<Negotiation>>, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().negotiate(opportunity, note, actor).await }
    }

    /// See [`Crm::enter_contracting`].
    pub fn enter_contracting<'a>(
        &'a self,
        opportunity: Versioned<Opportunity<Negotiation>>,
        terms: PaymentTerms,
        incumbent: Incumbent,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<Contracting>>, CrmError<S::Error>>> + Send + 'a
    {
        async move {
            self.steps()
                .enter_contracting(opportunity, terms, incumbent, actor)
                .await
        }
    }

    /// See [`Crm::win`].
    pub fn win<'a>(
        &'a self,
        opportunity: Versioned<Opportunity<Contracting>>,
        contract: impl Into<WithFields<SignedContract>>,
        actor: &'a User,
    ) -> impl Future<Output = Result<WonAccount, CrmError<S::Error>>> + Send + 'a {
        let contract = contract.into();
        async move { self.steps().win(opportunity, contract, actor).await }
    }

    /// See [`Crm::win_for`].
    pub fn win_for<'a>(
        &'a self,
        opportunity: Versioned<Opportunity<Contracting>>,
        account: Versioned<Account>,
        contract: SignedContract,
        actor: &'a User,
    ) -> impl Future<Output = Result<WonAccount, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .win_for(opportunity, account, contract, actor)
                .await
        }
    }

    /// See [`Crm::lose`].
    pub fn lose<'a, St: OpenStage>(
        &'a self,
        opportunity: Versioned<Opportunity<St>>,
        reason: LossReason,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<Lost>>, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().lose(opportunity, reason, actor).await }
    }

    /// See [`Crm::reopen`].
    pub fn reopen<'a>(
        &'a self,
        opportunity: Versioned<Opportunity<Lost>>,
        note: Note,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<Discovery>>, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().reopen(opportunity, note, actor).await }
    }

    /// See [`Crm::correct_contact`].
    pub fn correct_contact<'a>(
        &'a self,
        contact: Versioned<Contact>,
        details: ContactDetails,
        reason: Option<Note>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Contact>, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .correct_contact(contact, details, reason, actor)
                .await
        }
    }

    /// See [`Crm::reassign_contact`].
    pub fn reassign_contact<'a>(
        &'a self,
        contact: Versioned<Contact>,
        owner: Option<User>,
        cascade: Cascade,
        reason: Option<Note>,
        actor: &'a User,
    ) -> impl Future<Output = Result<HandedOver, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .reassign_contact(contact, owner, cascade, reason, actor)
                .await
        }
    }

    /// See [`Crm::reassign_lead`].
    pub fn reassign_lead<'a, St: OpenLeadState>(
        &'a self,
        lead: Versioned<Lead<St>>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Lead<St>>, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().reassign_lead(lead, owner, reason, actor).await }
    }

    /// See [`Crm::reassign_opportunity`].
    pub fn reassign_opportunity<'a, St: OpenStage>(
        &'a self,
        opportunity: Versioned<Opportunity<St>>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<St>>, CrmError<S::Error>>> + Send + 'a
    {
        async move {
            self.steps()
                .reassign_opportunity(opportunity, owner, reason, actor)
                .await
        }
    }

    /// See [`Crm::reassign_account`].
    pub fn reassign_account<'a>(
        &'a self,
        account: Versioned<Account>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Account>, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .reassign_account(account, owner, reason, actor)
                .await
        }
    }

    /// See [`Crm::revise_opportunity`].
    pub fn revise_opportunity<'a, St: OpenStage>(
        &'a self,
        opportunity: Versioned<Opportunity<St>>,
        revision: Revision,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<St>>, CrmError<S::Error>>> + Send + 'a
    {
        async move {
            self.steps()
                .revise_opportunity(opportunity, revision, actor)
                .await
        }
    }

    /// See [`Crm::revise_proposal`].
    pub fn revise_proposal<'a, St: ProposalStage>(
        &'a self,
        opportunity: Versioned<Opportunity<St>>,
        proposal: SentProposal,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<St>>, CrmError<S::Error>>> + Send + 'a
    {
        async move {
            self.steps()
                .revise_proposal(opportunity, proposal, actor)
                .await
        }
    }

    /// See [`Crm::override_probability`].
    pub fn override_probability<'a, St: OpenStage>(
        &'a self,
        opportunity: Versioned<Opportunity<St>>,
        probability: Probability,
        reason: Option<Note>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<St>>, CrmError<S::Error>>> + Send + 'a
    {
        async move {
            self.steps()
                .override_probability(opportunity, probability, reason, actor)
                .await
        }
    }

    /// See [`Crm::override_forecast`].
    pub fn override_forecast<'a, St: OpenStage>(
        &'a self,
        opportunity: Versioned<Opportunity<St>>,
        category: ForecastCategory,
        reason: Option<Note>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<St>>, CrmError<S::Error>>> + Send + 'a
    {
        async move {
            self.steps()
                .override_forecast(opportunity, category, reason, actor)
                .await
        }
    }

    /// See [`Crm::clear_overrides`].
    pub fn clear_overrides<'a, St: OpenStage>(
        &'a self,
        opportunity: Versioned<Opportunity<St>>,
        reason: Option<Note>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<St>>, CrmError<S::Error>>> + Send + 'a
    {
        async move {
            self.steps()
                .clear_overrides(opportunity, reason, actor)
                .await
        }
    }

    /// See [`Crm::create_organization`].
    pub fn create_organization<'a>(
        &'a self,
        details: impl Into<WithFields<OrganizationDetails>>,
        on_duplicate: OnDuplicate,
        actor: &'a User,
    ) -> impl Future<Output = Result<OrganizationOutcome, CrmError<S::Error>>> + Send + 'a {
        let details = details.into();
        async move {
            self.steps()
                .create_organization(details, on_duplicate, actor)
                .await
        }
    }

    /// See [`Crm::correct_organization`].
    pub fn correct_organization<'a>(
        &'a self,
        organization: Versioned<Organization>,
        details: OrganizationDetails,
        reason: Option<Note>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Organization>, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .correct_organization(organization, details, reason, actor)
                .await
        }
    }

    /// See [`Crm::link_contact`].
    pub fn link_contact<'a>(
        &'a self,
        contact: Versioned<Contact>,
        organization: &'a Versioned<Organization>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Contact>, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .link_contact(contact, organization, actor)
                .await
        }
    }

    /// See [`Crm::unlink_contact`].
    pub fn unlink_contact<'a>(
        &'a self,
        contact: Versioned<Contact>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Contact>, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().unlink_contact(contact, actor).await }
    }

    /// See [`Crm::field_schema`].
    pub fn field_schema<'a>(
        &'a self,
        actor: &'a User,
    ) -> impl Future<Output = Result<crate::fields::FieldSchema, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().field_schema(actor).await }
    }

    /// See [`Crm::change_field_schema`].
    pub fn change_field_schema<'a>(
        &'a self,
        from: crate::fields::SchemaVersion,
        change: crate::fields::SchemaChange,
        actor: &'a User,
    ) -> impl Future<Output = Result<crate::fields::FieldSchema, CrmError<S::Error>>> + Send + 'a
    {
        async move { self.steps().change_field_schema(from, change, actor).await }
    }

    /// See [`Crm::set_fields`].
    pub fn set_fields<'a, T: crate::record::HasCustomFields>(
        &'a self,
        record: Versioned<T>,
        update: crate::fields::FieldUpdate,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<T>, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().set_fields(record, update, actor).await }
    }

    /// See [`Crm::move_stage`].
    pub fn move_stage<'a, St: OpenStage>(
        &'a self,
        opportunity: Versioned<Opportunity<St>>,
        pipeline: crate::fields::FieldKey,
        stage: crate::fields::FieldKey,
        note: Option<Note>,
        actor: &'a User,
    ) -> impl Future<Output = Result<Versioned<Opportunity<St>>, CrmError<S::Error>>> + Send + 'a
    {
        async move {
            self.steps()
                .move_stage(opportunity, &pipeline, &stage, note, actor)
                .await
        }
    }

    /// See [`Crm::execute`].
    pub fn execute<'a>(
        &'a self,
        command: Command,
        actor: &'a User,
    ) -> impl Future<Output = Result<Executed, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().execute(command, actor).await }
    }

    /// See [`Crm::execute_once`].
    pub fn execute_once<'a>(
        &'a self,
        command: Command,
        actor: &'a User,
        key: IdempotencyKey,
        fingerprint: Fingerprint,
    ) -> impl Future<Output = Result<ExecutedOnce, CrmError<S::Error>>> + Send + 'a {
        self.steps().execute_once(command, actor, key, fingerprint)
    }

    /// See [`Crm::opportunities_of_organization`].
    pub fn opportunities_of_organization<'a>(
        &'a self,
        organization: OrganizationId,
        actor: &'a User,
    ) -> impl Future<Output = Result<Vec<Versioned<AnyOpportunity>>, CrmError<S::Error>>> + Send + 'a
    {
        async move {
            self.steps()
                .opportunities_of_organization(organization, actor)
                .await
        }
    }
}
