//! The facade: one method per step of the lifecycle, each one atomic commit to a store.

use std::sync::Arc;

use crate::account::Account;
use crate::activity::{Activity, ActivityDetails};
use crate::command::{Cascade, Command, Executed, OnDuplicate};
use crate::contact::{Contact, ContactDetails};
use crate::context::{self as context, Clock, Context, SystemClock, Zones};
use crate::dates::DatePolicy;
use crate::error::ValidationError;
use crate::forecast::{ForecastCategory, Probability};
use crate::id::{AccountId, ContactId, IdSource, OpportunityId, OrganizationId, RandomIds};
use crate::lead::{DisqualifyReason, Interest, Lead, Touch};
use crate::opportunity::{
    Incumbent, LossReason, Opportunity, OpportunityState, PaymentTerms, Revision, SentProposal,
    SignedContract, StepCause, StepError,
};
use crate::organization::{Domain, Organization, OrganizationDetails};
use crate::qualification::Qualification;
use crate::record::{
    AnyLead, AnyOpportunity, Expected, Record, RecordId, RecordKind, RecordState, Snapshot,
    StateError,
};
use crate::state::{
    Contracting, Discovery, Disqualified, Lost, Negotiation, New, Nurturing, OpenLeadState,
    OpenStage, OpportunityStage, Proposal, ProposalStage, QualifiableState, Working,
};
use crate::store::{
    AsyncStore, Batch, Conflict, ConflictKind, MAX_PAGE, Page, Query, Store, Unreadable, Version,
    Versioned,
};
use crate::task::{Task, TaskDetails};
use crate::text::{Note, User};

/// Which open stages an opportunity may enter only with an open next step: a task about it
/// ([`Crm::add_task_on_opportunity`]) that is neither done nor cancelled. Given to
/// [`Crm::with_next_steps`]; by default no stage requires one. The check holds until the
/// move commits: the move relies on the open task it found, so a task closed meanwhile makes
/// it a [`CrmError::Conflict`].
///
/// ```
/// use prospect::NextSteps;
/// use prospect::state::{Negotiation, OpportunityStage, Proposal};
/// let policy = NextSteps::none().required_in::<Proposal>().required_in::<Negotiation>();
/// assert!(policy.requires(OpportunityStage::Proposal));
/// assert!(!policy.requires(OpportunityStage::Discovery));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NextSteps {
    stages: std::collections::BTreeSet<OpportunityStage>,
}

impl NextSteps {
    /// No stage requires a next step.
    pub fn none() -> NextSteps {
        NextSteps::default()
    }

    /// The same, and entering the open stage `S` requires an open next step.
    pub fn required_in<S: OpenStage>(mut self) -> NextSteps {
        self.stages.insert(S::STAGE);
        self
    }

    /// Whether entering `stage` requires an open next step.
    pub fn requires(&self, stage: OpportunityStage) -> bool {
        self.stages.contains(&stage)
    }
}

mod asynchronous;
mod events;
mod outcome;
mod plan;
mod resolve;

pub use asynchronous::AsyncCrm;
pub use outcome::{
    ContactOutcome, CrmError, ErasureReport, HandedOver, OrganizationOutcome, Qualified, WonAccount,
};
use plan::Plan;

/// The lifecycle on a [`Store`]: one method per step, each one atomic commit.
///
/// Steps take the typed, versioned values they need, so the typestate rules hold here too (you
/// cannot call `win` with an opportunity in `Discovery`); they return the new values with their
/// new versions. When another writer changed a record since it was read, the step fails with
/// [`CrmError::Conflict`], writes nothing, and can be retried after [`load`](Crm::load)ing the
/// record again.
///
/// Time and new ids come from the clock and id source given at construction (the system's by
/// default); the acting user is given to each step.
///
/// ```
/// use prospect::memory::MemoryStore;
/// use prospect::*;
/// let crm = Crm::new(MemoryStore::new());
/// let alice = User::new("alice")?;
/// let contact = crm
///     .create_contact(
///         ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Web)
///             .with_email(EmailAddress::new("ada@example.com")?),
///         OnDuplicate::Refuse,
///         &alice,
///     )?
///     .into_contact();
/// let lead = crm.open_lead(&contact, Interest::new(Summary::new("A CRM")?, BuyingRole::User), &alice)?;
/// let lead = crm.log_touch(lead, Touch::new(Channel::Email, Summary::new("Replied")?), &alice)?;
/// assert_eq!(lead.version().get(), 2);
///
/// // Creating the same contact again is refused, whatever the case of the address.
/// let again = crm.create_contact(
///     ContactDetails::new(Party::person(PersonName::new("Ada L.")?), LeadSource::Event)
///         .with_email(EmailAddress::new(" ADA@example.com")?),
///     OnDuplicate::Refuse,
///     &alice,
/// );
/// assert!(matches!(again, Err(CrmError::DuplicateContact { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Crm<S> {
    store: S,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
    zones: Arc<dyn Zones>,
    next_steps: NextSteps,
    dates: DatePolicy,
    /// Whether commits carry their events to the outbox ([`Crm::without_events`]).
    events: bool,
}

impl<S> Crm<S> {
    /// A facade over `store`, with the system clock and random UUID v7 ids.
    pub fn new(store: S) -> Crm<S> {
        Crm::with_clock_and_ids(store, Arc::new(SystemClock), Arc::new(RandomIds))
    }

    /// A facade over `store`, with the given clock and id source (fixed ones for tests and
    /// simulations).
    pub fn with_clock_and_ids(store: S, clock: Arc<dyn Clock>, ids: Arc<dyn IdSource>) -> Crm<S> {
        Crm {
            store,
            clock,
            ids,
            zones: Arc::new(context::utc()),
            next_steps: NextSteps::none(),
            dates: DatePolicy::default(),
            events: true,
        }
    }

    /// The same facade, refusing a stage change into a stage that `policy` says requires an
    /// open next step when the opportunity has none ([`CrmError::NextStepRequired`]). The check
    /// reads the opportunity's open tasks before the commit: a task completed at the same
    /// moment by another writer is not seen.
    pub fn with_next_steps(self, policy: NextSteps) -> Crm<S> {
        Crm {
            next_steps: policy,
            ..self
        }
    }

    /// The same facade, with each actor's "today" taken in the offset `zones` gives for them
    /// (UTC for everyone by default). A step checked against today (qualifying: the timeline's
    /// decision date must not be past) checks the actor's today.
    ///
    /// ```
    /// use chrono::FixedOffset;
    /// use prospect::memory::MemoryStore;
    /// use prospect::{Crm, User};
    /// let pacific = FixedOffset::west_opt(8 * 3600).unwrap();
    /// let crm = Crm::new(MemoryStore::new())
    ///     .with_zones(move |user: &User, _at| if user.as_str() == "sam" { pacific } else { FixedOffset::east_opt(0).unwrap() });
    /// assert_eq!(crm.context(&User::new("sam")?).offset(), pacific);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_zones(self, zones: impl Zones + 'static) -> Crm<S> {
        Crm {
            zones: Arc::new(zones),
            ..self
        }
    }

    /// The same facade, checking the dates steps are given (an activity's, a proposal's, a
    /// contract's, a timeline's, an expected close, a task's due date) against the windows of
    /// `dates` instead of [`DatePolicy::default`]'s: a date outside its window is refused with
    /// [`CrmError::Invalid`] naming the field.
    ///
    /// ```
    /// use prospect::memory::MemoryStore;
    /// use prospect::{Crm, DatePolicy, User};
    /// // An import of five years of history.
    /// let import = DatePolicy::default().with_lookback(5 * 366)?;
    /// let crm = Crm::new(MemoryStore::new()).with_dates(import);
    /// assert_eq!(crm.context(&User::new("import")?).dates().lookback_days(), 1830);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_dates(self, dates: DatePolicy) -> Crm<S> {
        Crm { dates, ..self }
    }

    /// The same facade, committing no events: for an application that reads no outbox, so
    /// that its store does not keep events nobody prunes. By default every commit appends one
    /// event per record it writes ([`event`](crate::event)).
    pub fn without_events(self) -> Crm<S> {
        Crm {
            events: false,
            ..self
        }
    }

    /// `batch` with the events of its writes, made by `actor`, when the facade emits events.
    fn with_events(&self, mut batch: Batch, actor: &User) -> Batch {
        if self.events {
            let events = events::of_writes(batch.writes(), &*self.ids, actor);
            batch.emit_all(events);
        }
        batch
    }

    /// The store the facade commits to, to read from it directly (`list`, `scan`, ...).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, giving up the facade.
    pub fn into_store(self) -> S {
        self.store
    }

    /// A context acting as `actor`, with the facade's clock and ids and the actor's offset from
    /// UTC ([`with_zones`](Self::with_zones)): for transitions done by hand.
    pub fn context(&self, actor: &User) -> Context<'_> {
        let offset = self.zones.offset(actor, self.clock.now());
        Context::new(&*self.clock, &*self.ids, actor.clone())
            .in_offset(offset)
            .with_dates(self.dates)
    }
}

impl<S> std::fmt::Debug for Crm<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crm").finish_non_exhaustive()
    }
}

impl<S: Store> Crm<S> {
    fn apply<T>(&self, plan: Plan<T>, actor: &User) -> Result<T, CrmError<S::Error>> {
        self.store.commit(self.with_events(plan.batch, actor))?;
        Ok(plan.output)
    }

    /// Refuses `opportunity` entering `stage` without an open next step, when the policy
    /// requires one there.
    fn require_next_step(
        &self,
        opportunity: OpportunityId,
        stage: OpportunityStage,
    ) -> Result<plan::NextStep, CrmError<S::Error>> {
        if !self.next_steps.requires(stage) {
            return Ok(None);
        }
        let page = self
            .store
            .list(&Query::open_tasks_about(opportunity), None, 1)
            .map_err(CrmError::Store)?;
        plan::has_next_step(opportunity, stage, &page)
    }

    // The steps. Each is a pure plan (module `plan`), committed by `apply`; `AsyncCrm` has
    // the same steps with an async commit.
    /// Loads the record `id` as `T` (a `Contact`, an `Account`, an `AnyLead`, a
    /// `Lead<Working>`, ...).
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`], [`CrmError::WrongState`] when it is of another kind or state,
    /// [`CrmError::Store`].
    pub fn load<T>(&self, id: impl Into<RecordId>) -> Result<Versioned<T>, CrmError<S::Error>>
    where
        T: TryFrom<Record, Error = StateError<Record>>,
    {
        let id = id.into();
        let loaded = self.store().load(id).map_err(CrmError::Store)?;
        plan::typed(id, loaded)
    }

    /// Records a new contact. When it has an email address and a contact with the same
    /// (normalised) address exists, `on_duplicate` decides: refuse, or return the existing one.
    ///
    /// # Errors
    ///
    /// [`CrmError::DuplicateContact`] ([`OnDuplicate::Refuse`]), [`CrmError::Store`].
    pub fn create_contact(
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
                    .map_err(CrmError::Store)?;
                if let Some(existing) = found.into_iter().next() {
                    return Ok(ContactOutcome::Matched(existing));
                }
            }
            batch.require_no_contact_with(email);
        }
        let contact = Contact::create(details, &self.context(actor));
        match self.apply(plan::create(contact.clone(), batch), actor) {
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

    /// Erases `contact`'s personal data (the right to erasure), and every free text and person
    /// name of its leads, opportunities, accounts, activities and tasks, in one commit: ids,
    /// states, amounts, times and the shape of every history stay, so the funnel does not
    /// change; the contact is no longer found by email, and every record erased is marked so (a
    /// copy taken before the erasure can never be written back over it). See
    /// [`Contact::erase`] and SECURITY.md for exactly what is erased. The contact's records are
    /// found by the store's index by contact ([`Query::of_contact`]), whatever the size of the
    /// store, and the accounts its opportunities were won into by id. Records of the contact
    /// the store cannot read are listed in [`ErasureReport::unreadable`]: the erasure of the
    /// others goes ahead.
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
        let mut found = plan::ContactRecords::of(contact.id());
        for query in found.queries() {
            self.list_all(&query, &mut |page| found.visit(page))?;
        }
        for account in found.accounts_elsewhere() {
            let loaded = self.store().load(account.into()).map_err(CrmError::Store)?;
            found.visit_account(loaded);
        }
        self.apply(plan::erase(contact, found, &self.context(actor)), actor)
    }

    /// Every page of `query`, one after the other, given to `visit`.
    fn list_all(
        &self,
        query: &Query,
        visit: &mut dyn FnMut(Page),
    ) -> Result<(), CrmError<S::Error>> {
        let mut after = None;
        loop {
            let page = self
                .store()
                .list(query, after, MAX_PAGE)
                .map_err(CrmError::Store)?;
            let next = crate::store::next_cursor(after, page.next);
            visit(page);
            match next {
                Some(next) => after = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// Opens a lead for `contact` (as stored), who showed `interest`. The contact is not
    /// changed; it may have several leads.
    ///
    /// # Errors
    ///
    /// [`CrmError::ContactErased`] when the contact was erased; [`CrmError::Conflict`] when it
    /// changed since it was read (erased, above all: reload it); [`CrmError::Store`].
    pub fn open_lead(
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
    }

    /// Logs an activity about `contact`. See [`Activity::on_contact`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when it happened after now; [`CrmError::ContactErased`] when the
    /// contact was erased; [`CrmError::Conflict`] when the record it is
    /// about changed since it was read (reload it); [`CrmError::Store`].
    pub fn log_activity_on_contact(
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
    }

    /// Logs an activity about `lead`, which is open (its type says so). See
    /// [`Activity::on_lead`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when it happened after now; [`CrmError::ContactErased`] when the
    /// contact was erased; [`CrmError::Conflict`] when the record it is
    /// about changed since it was read (reload it); [`CrmError::Store`].
    pub fn log_activity_on_lead<St: OpenLeadState>(
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
    }

    /// Logs an activity about `opportunity`, which is open (its type says so). See
    /// [`Activity::on_opportunity`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when it happened after now; [`CrmError::ContactErased`] when the
    /// contact was erased; [`CrmError::Conflict`] when the record it is
    /// about changed since it was read (reload it); [`CrmError::Store`].
    pub fn log_activity_on_opportunity<St: OpenStage>(
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
    }

    /// Logs an activity about the record `id`, whose kind and state are known only at run
    /// time (a request naming a record): a contact, a lead in an open state or an opportunity
    /// in an open stage, as stored now.
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`]; [`CrmError::WrongState`] for a closed lead or opportunity, an
    /// account or an activity, naming every state that takes an activity;
    /// [`CrmError::Invalid`] when it happened after now; [`CrmError::ContactErased`] when the
    /// contact was erased; [`CrmError::Conflict`] when the record it is
    /// about changed since it was read (reload it); [`CrmError::Store`].
    pub fn log_activity(
        &self,
        id: impl Into<RecordId>,
        details: ActivityDetails,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        let id = id.into();
        let record = self.store().load(id).map_err(CrmError::Store)?;
        let relied_on = plan::relying_on_loaded(&record);
        let activity = plan::activity_about(id, record, details, &self.context(actor))?;
        self.apply(plan::create(activity, relied_on), actor)
    }

    /// Adds a task about the record `id`, whose kind and state are known only at run time: a
    /// contact, a lead in an open state or an opportunity in an open stage, as stored now.
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`]; [`CrmError::WrongState`] for a closed lead or opportunity, an
    /// account, an activity or a task, naming every state that takes a task;
    /// [`CrmError::ContactErased`]; [`CrmError::Conflict`] when the record it is
    /// about changed since it was read (reload it); [`CrmError::Store`].
    pub fn add_task(
        &self,
        id: impl Into<RecordId>,
        details: TaskDetails,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        let id = id.into();
        let record = self.store().load(id).map_err(CrmError::Store)?;
        let relied_on = plan::relying_on_loaded(&record);
        let task = plan::task_about(id, record, details, &self.context(actor))?;
        self.apply(plan::create(task, relied_on), actor)
    }

    /// Adds a task about `contact`. See [`Task::on_contact`].
    ///
    /// # Errors
    ///
    /// [`CrmError::ContactErased`] when the contact was erased; [`CrmError::Conflict`] when the record it is
    /// about changed since it was read (reload it); [`CrmError::Store`].
    pub fn add_task_on_contact(
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
    }

    /// Adds a task about `lead`, which is open (its type says so). See [`Task::on_lead`].
    ///
    /// # Errors
    ///
    /// [`CrmError::ContactErased`] when the contact was erased; [`CrmError::Conflict`] when the record it is
    /// about changed since it was read (reload it); [`CrmError::Store`].
    pub fn add_task_on_lead<St: OpenLeadState>(
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
    }

    /// Adds a next step for `opportunity`, which is open (its type says so). See
    /// [`Task::on_opportunity`].
    ///
    /// # Errors
    ///
    /// [`CrmError::ContactErased`] when the contact was erased; [`CrmError::Conflict`] when the record it is
    /// about changed since it was read (reload it); [`CrmError::Store`].
    pub fn add_task_on_opportunity<St: OpenStage>(
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
    }

    /// Marks `task` done. See [`Task::complete`].
    ///
    /// # Errors
    ///
    /// [`CrmError::WrongState`] when it is done or cancelled already; [`CrmError::Conflict`]
    /// when it changed since it was read; [`CrmError::Store`].
    pub fn complete_task(
        &self,
        task: Versioned<Task>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::close_task(task, |t| t.complete(&ctx))?, actor)
    }

    /// Cancels `task`. See [`Task::cancel`].
    ///
    /// # Errors
    ///
    /// [`CrmError::WrongState`] when it is done or cancelled already; [`CrmError::Conflict`]
    /// when it changed since it was read; [`CrmError::Store`].
    pub fn cancel_task(
        &self,
        task: Versioned<Task>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::close_task(task, |t| t.cancel(&ctx))?, actor)
    }

    /// Logs the first touch: the lead is being worked. See [`Lead::log_touch`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the lead changed since it was read; [`CrmError::Store`].
    pub fn log_touch(
        &self,
        lead: Versioned<Lead<New>>,
        touch: Touch,
        actor: &User,
    ) -> Result<Versioned<Lead<Working>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(lead, |l| l.log_touch(touch, &ctx)), actor)
    }

    /// Interested, not ready yet. See [`Lead::nurture`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the lead changed since it was read; [`CrmError::Store`].
    pub fn nurture(
        &self,
        lead: Versioned<Lead<Working>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Lead<Nurturing>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(lead, |l| l.nurture(note, &ctx)), actor)
    }

    /// Worked anew. See [`Lead::resume`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the lead changed since it was read; [`CrmError::Store`].
    pub fn resume(
        &self,
        lead: Versioned<Lead<Nurturing>>,
        touch: Touch,
        actor: &User,
    ) -> Result<Versioned<Lead<Working>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(lead, |l| l.resume(touch, &ctx)), actor)
    }

    /// Not worth pursuing. See [`Lead::disqualify`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the lead changed since it was read; [`CrmError::Store`].
    pub fn disqualify<St: OpenLeadState>(
        &self,
        lead: Versioned<Lead<St>>,
        reason: DisqualifyReason,
        actor: &User,
    ) -> Result<Versioned<Lead<Disqualified>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(lead, |l| l.disqualify(reason, &ctx)), actor)
    }

    /// Worth another try. See [`Lead::recycle`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the lead changed since it was read; [`CrmError::Store`].
    pub fn recycle(
        &self,
        lead: Versioned<Lead<Disqualified>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Lead<Nurturing>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(lead, |l| l.recycle(note, &ctx)), actor)
    }

    /// Qualifies the lead: the converted lead and the new opportunity are committed together, or
    /// not at all. Two racing qualifications of one lead create one opportunity. See
    /// [`Lead::qualify`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when the timeline's decision date is already past;
    /// [`CrmError::Conflict`] when the lead changed since it was read; [`CrmError::Store`].
    pub fn qualify<St: QualifiableState>(
        &self,
        lead: Versioned<Lead<St>>,
        qualification: Qualification,
        actor: &User,
    ) -> Result<Qualified, CrmError<S::Error>> {
        self.apply(
            plan::qualify(lead, qualification, &self.context(actor))?,
            actor,
        )
    }

    /// A proposal was sent. See [`Opportunity::propose`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn propose(
        &self,
        opportunity: Versioned<Opportunity<Discovery>>,
        proposal: SentProposal,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Proposal>>, CrmError<S::Error>> {
        let next_step = self.require_next_step(opportunity.id(), OpportunityStage::Proposal)?;
        let ctx = self.context(actor);
        self.apply(
            plan::try_step(opportunity, |o| o.propose(proposal, &ctx))?.relying_on(next_step),
            actor,
        )
    }

    /// The proposal is negotiated. See [`Opportunity::negotiate`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn negotiate(
        &self,
        opportunity: Versioned<Opportunity<Proposal>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Negotiation>>, CrmError<S::Error>> {
        let next_step = self.require_next_step(opportunity.id(), OpportunityStage::Negotiation)?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |o| o.negotiate(note, &ctx)).relying_on(next_step),
            actor,
        )
    }

    /// Terms agreed, incumbent out. See [`Opportunity::enter_contracting`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn enter_contracting(
        &self,
        opportunity: Versioned<Opportunity<Negotiation>>,
        terms: PaymentTerms,
        incumbent: Incumbent,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Contracting>>, CrmError<S::Error>> {
        let next_step = self.require_next_step(opportunity.id(), OpportunityStage::Contracting)?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |o| o.enter_contracting(terms, incumbent, &ctx))
                .relying_on(next_step),
            actor,
        )
    }

    /// Won: the won opportunity and its account are committed together, or not at all. When
    /// the opportunity's contact belongs to an organization, the win goes to the
    /// organization's account (one per organization), opened now if it is its first
    /// ([`Opportunity::win_for_organization`]) or added to ([`Opportunity::win_for`]);
    /// otherwise a new account is the contact's ([`Opportunity::win`]).
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity (or the organization's account) changed
    /// since it was read, or another win opened the organization's account meanwhile: retry;
    /// [`CrmError::Money`] when the account's won value would overflow; [`CrmError::Store`].
    pub fn win(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        contract: SignedContract,
        actor: &User,
    ) -> Result<WonAccount, CrmError<S::Error>> {
        let load = |id: RecordId| self.store().load(id).map_err(CrmError::Store);
        let organization = plan::organization_of(load(opportunity.contact().into())?.as_ref());
        let account = match organization {
            Some(o) => load(AccountId::of_organization(o).into())?,
            None => None,
        };
        match plan::WinInto::of(organization, account)? {
            plan::WinInto::NewAccount => self.apply(
                plan::win(opportunity, contract, &self.context(actor))?,
                actor,
            ),
            plan::WinInto::NewAccountOf(o) => self.apply(
                plan::win_for_organization(opportunity, o, contract, &self.context(actor))?,
                actor,
            ),
            plan::WinInto::Account(account) => self.win_for(opportunity, account, contract, actor),
        }
    }

    /// Won by an existing customer: the won opportunity and the updated account are committed
    /// together, or not at all. See [`Opportunity::win_for`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity or the account changed since they were read;
    /// [`CrmError::Money`] when the account's won value would overflow; [`CrmError::Store`].
    pub fn win_for(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        account: Versioned<Account>,
        contract: SignedContract,
        actor: &User,
    ) -> Result<WonAccount, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::win_for(opportunity, account, contract, &ctx)?, actor)
    }

    /// Lost. See [`Opportunity::lose`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn lose<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        reason: LossReason,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Lost>>, CrmError<S::Error>> {
        let ctx = self.context(actor);
        self.apply(plan::step(opportunity, |o| o.lose(reason, &ctx)), actor)
    }

    /// Reopened into discovery. See [`Opportunity::reopen`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn reopen(
        &self,
        opportunity: Versioned<Opportunity<Lost>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Discovery>>, CrmError<S::Error>> {
        let next_step = self.require_next_step(opportunity.id(), OpportunityStage::Discovery)?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |o| o.reopen(note, &ctx)).relying_on(next_step),
            actor,
        )
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
        let plan = plan::correct(contact, details, reason, &self.context(actor))?;
        self.apply(plan, actor).map_err(plan::duplicate_email)
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
        let mut owned = plan::OwnedRecords::of(contact.id());
        if let (Cascade::OpenRecords, Some(previous)) = (cascade, contact.owner()) {
            for query in plan::OwnedRecords::queries(previous) {
                self.list_all(&query, &mut |page| owned.visit(page.records))?;
            }
        }
        let plan = plan::hand_over(contact, owner, reason, owned.found, &self.context(actor))?;
        self.apply(plan, actor)
    }

    /// Hands an open lead over. See [`Lead::reassign`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the lead changed since it was read; [`CrmError::Store`].
    pub fn reassign_lead<St: OpenLeadState>(
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
    }

    /// Hands an open opportunity over. See [`Opportunity::reassign`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn reassign_opportunity<St: OpenStage>(
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
        let ctx = self.context(actor);
        self.apply(
            plan::step(account, |mut a| {
                a.reassign(owner, reason, &ctx);
                a
            }),
            actor,
        )
    }

    /// Revises an open opportunity's name, amount or expected close. See
    /// [`Opportunity::revise`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] for an amount not above zero or an expected close before the
    /// actor's today; [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn revise_opportunity<St: OpenStage>(
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
    }

    /// Sends a revised proposal in `Proposal` or `Negotiation`. See
    /// [`Opportunity::revise_proposal`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn revise_proposal<St: ProposalStage>(
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
    }

    /// Overrides an open opportunity's probability until its next stage change. See
    /// [`Opportunity::override_probability`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn override_probability<St: OpenStage>(
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
    }

    /// Overrides an open opportunity's forecast category until its next stage change. See
    /// [`Opportunity::override_forecast`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn override_forecast<St: OpenStage>(
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
    }

    /// Returns an open opportunity to its stage's probability and forecast category. See
    /// [`Opportunity::clear_overrides`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn clear_overrides<St: OpenStage>(
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
    }

    /// Records a new organization. When one with one of its domains exists, `on_duplicate`
    /// decides: refuse, or return the existing one. Race-free as
    /// [creating a contact](Self::create_contact) is: the commit requires that no organization
    /// has any of its domains.
    ///
    /// # Errors
    ///
    /// [`CrmError::DuplicateOrganization`] ([`OnDuplicate::Refuse`]);
    /// [`CrmError::InvalidInput`] with more than [`Organization::MAX_DOMAINS`] domains;
    /// [`CrmError::Store`].
    pub fn create_organization(
        &self,
        details: OrganizationDetails,
        on_duplicate: OnDuplicate,
        actor: &User,
    ) -> Result<OrganizationOutcome, CrmError<S::Error>> {
        if on_duplicate == OnDuplicate::Reuse {
            if let Some(found) = self.organization_with_domain(&details.domains)? {
                return Ok(OrganizationOutcome::Matched(found));
            }
        }
        let (organization, batch) = plan::new_organization(details, &self.context(actor))?;
        match self.apply(plan::create(organization, batch), actor) {
            Ok(created) => Ok(OrganizationOutcome::Created(created)),
            Err(e) => match (on_duplicate, plan::duplicate_domain(e)) {
                (OnDuplicate::Reuse, CrmError::DuplicateOrganization { existing }) => {
                    let found = self.load::<Organization>(existing)?;
                    Ok(OrganizationOutcome::Matched(found))
                }
                (_, e) => Err(e),
            },
        }
    }

    /// The first stored organization with one of `domains`, if any.
    fn organization_with_domain(
        &self,
        domains: &[Domain],
    ) -> Result<Option<Versioned<Organization>>, CrmError<S::Error>> {
        for domain in domains {
            let found = self
                .store()
                .find_organizations_by_domain(domain)
                .map_err(CrmError::Store)?;
            if let Some(first) = found.into_iter().next() {
                return Ok(Some(first));
            }
        }
        Ok(None)
    }

    /// Corrects an organization's details (see [`Organization::correct`]). The commit
    /// requires that no other organization has a domain it gains: race-free.
    ///
    /// # Errors
    ///
    /// [`CrmError::DuplicateOrganization`]; [`CrmError::Invalid`]; [`CrmError::Conflict`] when
    /// it changed since it was read; [`CrmError::Store`].
    pub fn correct_organization(
        &self,
        organization: Versioned<Organization>,
        details: OrganizationDetails,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Organization>, CrmError<S::Error>> {
        let plan = plan::correct_organization(organization, details, reason, &self.context(actor))?;
        self.apply(plan, actor).map_err(plan::duplicate_domain)
    }

    /// Links `contact` to `organization`: a [correction](Self::correct_contact) of its
    /// details.
    ///
    /// # Errors
    ///
    /// As [`correct_contact`](Self::correct_contact).
    pub fn link_contact(
        &self,
        contact: Versioned<Contact>,
        organization: &Versioned<Organization>,
        actor: &User,
    ) -> Result<Versioned<Contact>, CrmError<S::Error>> {
        let details = contact
            .details()
            .clone()
            .with_organization(organization.id());
        self.correct_contact(contact, details, None, actor)
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
        let details = ContactDetails {
            organization: None,
            ..contact.details().clone()
        };
        self.correct_contact(contact, details, None, actor)
    }

    /// Takes the step `command` names, on the record it names as stored now: for services,
    /// queues and scripts, which learn a record's state only when they read it. The caller's
    /// version is checked first (a record changed since is a conflict, whatever its state),
    /// then the state, then the step runs through the same typed method as the typed API
    /// (the table of legal steps is the types'). See [`Command`].
    ///
    /// ```
    /// use prospect::memory::MemoryStore;
    /// use prospect::*;
    /// let crm = Crm::new(MemoryStore::new());
    /// let me = User::new("claire")?;
    /// let contact = crm
    ///     .create_contact(ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Web), OnDuplicate::Refuse, &me)?
    ///     .into_contact();
    /// let lead = crm.open_lead(&contact, Interest::new(Summary::new("A CRM")?, BuyingRole::User), &me)?;
    /// let touch = format!(r#"{{"step": "touch", "args": {{"lead": "{}", "version": 1,
    ///     "touch": {{"channel": "call", "summary": "Called back"}}}}}}"#, lead.id());
    /// let done = crm.execute(serde_json::from_str(&touch)?, &me)?;
    /// assert_eq!(done.records[0].value().state().key(), "lead/working");
    /// // The same command again names version 1, which is no longer the lead's: a conflict.
    /// let again = crm.execute(serde_json::from_str(&touch)?, &me);
    /// assert!(matches!(again, Err(CrmError::Conflict(_))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`]; [`CrmError::Conflict`] when the record is not at the version
    /// the command names (or changed meanwhile); [`CrmError::WrongState`] naming every state
    /// the step takes; then the step's own errors.
    pub fn execute(&self, command: Command, actor: &User) -> Result<Executed, CrmError<S::Error>> {
        let loaded = match command.target() {
            Some((id, _)) => self.store().load(id).map_err(CrmError::Store)?,
            None => None,
        };
        use resolve::Resolved as R;
        use resolve::written;
        let one = |v| Executed { records: vec![v] };
        Ok(match resolve::resolve(command, loaded)? {
            R::CreateContact(details, on_duplicate) => one(written(
                self.create_contact(details, on_duplicate, actor)?
                    .into_contact(),
            )),
            R::OpenLead(contact, interest) => {
                one(written(self.open_lead(&contact, interest, actor)?))
            }
            R::LogTouch(l, touch) => one(written(self.log_touch(l, touch, actor)?)),
            R::Resume(l, touch) => one(written(self.resume(l, touch, actor)?)),
            R::Nurture(l, note) => one(written(self.nurture(l, note, actor)?)),
            R::DisqualifyNew(l, r) => one(written(self.disqualify(l, r, actor)?)),
            R::DisqualifyWorking(l, r) => one(written(self.disqualify(l, r, actor)?)),
            R::DisqualifyNurturing(l, r) => one(written(self.disqualify(l, r, actor)?)),
            R::Recycle(l, note) => one(written(self.recycle(l, note, actor)?)),
            R::QualifyWorking(l, q) => resolve::qualified(self.qualify(l, q, actor)?),
            R::QualifyNurturing(l, q) => resolve::qualified(self.qualify(l, q, actor)?),
            R::Propose(o, p) => one(written(self.propose(o, p, actor)?)),
            R::Negotiate(o, note) => one(written(self.negotiate(o, note, actor)?)),
            R::EnterContracting(o, t, i) => one(written(self.enter_contracting(o, t, i, actor)?)),
            R::Win(o, contract) => resolve::won(self.win(o, contract, actor)?),
            R::LoseDiscovery(o, r) => one(written(self.lose(o, r, actor)?)),
            R::LoseProposal(o, r) => one(written(self.lose(o, r, actor)?)),
            R::LoseNegotiation(o, r) => one(written(self.lose(o, r, actor)?)),
            R::LoseContracting(o, r) => one(written(self.lose(o, r, actor)?)),
            R::Reopen(o, note) => one(written(self.reopen(o, note, actor)?)),
            R::LogActivity(id, details) => one(written(self.log_activity(id, details, actor)?)),
            R::AddTask(id, details) => one(written(self.add_task(id, details, actor)?)),
            R::CompleteTask(t) => one(written(self.complete_task(t, actor)?)),
            R::CancelTask(t) => one(written(self.cancel_task(t, actor)?)),
            R::ReassignNew(l, u, r) => one(written(self.reassign_lead(l, u, r, actor)?)),
            R::ReassignWorking(l, u, r) => one(written(self.reassign_lead(l, u, r, actor)?)),
            R::ReassignNurturing(l, u, r) => one(written(self.reassign_lead(l, u, r, actor)?)),
            R::ReassignDiscovery(o, u, r) => {
                one(written(self.reassign_opportunity(o, u, r, actor)?))
            }
            R::ReassignProposal(o, u, r) => {
                one(written(self.reassign_opportunity(o, u, r, actor)?))
            }
            R::ReassignNegotiation(o, u, r) => {
                one(written(self.reassign_opportunity(o, u, r, actor)?))
            }
            R::ReassignContracting(o, u, r) => {
                one(written(self.reassign_opportunity(o, u, r, actor)?))
            }
            R::ReviseDiscovery(o, rev) => one(written(self.revise_opportunity(o, rev, actor)?)),
            R::ReviseProposal(o, rev) => one(written(self.revise_opportunity(o, rev, actor)?)),
            R::ReviseNegotiation(o, rev) => one(written(self.revise_opportunity(o, rev, actor)?)),
            R::ReviseContracting(o, rev) => one(written(self.revise_opportunity(o, rev, actor)?)),
            R::ReproposeProposal(o, p) => one(written(self.revise_proposal(o, p, actor)?)),
            R::ReproposeNegotiation(o, p) => one(written(self.revise_proposal(o, p, actor)?)),
            R::CorrectContact(c, d, r) => one(written(self.correct_contact(c, d, r, actor)?)),
            R::CreateOrganization(details, on_duplicate) => one(written(
                self.create_organization(details, on_duplicate, actor)?
                    .into_organization(),
            )),
            R::ReassignContact(c, u, cascade, r) => {
                resolve::handed(self.reassign_contact(c, u, cascade, r, actor)?)
            }
            R::LinkContact(c, organization) => {
                let organization = self.load::<Organization>(organization)?;
                one(written(self.link_contact(c, &organization, actor)?))
            }
            R::UnlinkContact(c) => one(written(self.unlink_contact(c, actor)?)),
            R::EraseContact(c) => resolve::erased(self.erase_contact(c, actor)?),
            R::OverrideDiscovery(o, p, r) => {
                one(written(self.override_probability(o, p, r, actor)?))
            }
            R::OverrideProposal(o, p, r) => {
                one(written(self.override_probability(o, p, r, actor)?))
            }
            R::OverrideNegotiation(o, p, r) => {
                one(written(self.override_probability(o, p, r, actor)?))
            }
            R::OverrideContracting(o, p, r) => {
                one(written(self.override_probability(o, p, r, actor)?))
            }
            R::CorrectOrganization(o, d, r) => {
                one(written(self.correct_organization(o, d, r, actor)?))
            }
            R::ForecastDiscovery(o, c, r) => one(written(self.override_forecast(o, c, r, actor)?)),
            R::ForecastProposal(o, c, r) => one(written(self.override_forecast(o, c, r, actor)?)),
            R::ForecastNegotiation(o, c, r) => {
                one(written(self.override_forecast(o, c, r, actor)?))
            }
            R::ForecastContracting(o, c, r) => {
                one(written(self.override_forecast(o, c, r, actor)?))
            }
            R::ClearDiscovery(o, r) => one(written(self.clear_overrides(o, r, actor)?)),
            R::ClearProposal(o, r) => one(written(self.clear_overrides(o, r, actor)?)),
            R::ClearNegotiation(o, r) => one(written(self.clear_overrides(o, r, actor)?)),
            R::ClearContracting(o, r) => one(written(self.clear_overrides(o, r, actor)?)),
            R::ReassignAccount(a, u, r) => one(written(self.reassign_account(a, u, r, actor)?)),
        })
    }

    /// The opportunities of `organization`: those of its contacts, found by the indexes (its
    /// contacts by organization, then each one's opportunities by contact), never by a scan;
    /// in the order of its contacts' ids, then of the opportunities' ids. Records the store
    /// cannot read are left out.
    ///
    /// # Errors
    ///
    /// [`CrmError::Store`].
    pub fn opportunities_of_organization(
        &self,
        organization: OrganizationId,
    ) -> Result<Vec<Versioned<AnyOpportunity>>, CrmError<S::Error>> {
        let mut contacts = Vec::new();
        let query = Query::of_kind(RecordKind::Contact).of_organization(organization);
        self.list_all(&query, &mut |page| contacts.extend(page.records))?;
        let mut found = Vec::new();
        for contact in contacts {
            let query = Query::of_kind(RecordKind::Opportunity)
                .of_contact(ContactId::from_uuid(contact.id().as_uuid()));
            self.list_all(&query, &mut |page| {
                found.extend(page.records.into_iter().filter_map(plan::as_opportunity))
            })?;
        }
        Ok(found)
    }
}
