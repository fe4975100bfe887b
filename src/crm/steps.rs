//! The steps' logic, written once for both facades. [`Steps`] takes each step (the loads it
//! needs, its pure plan from [`plan`](super::plan), the checks, the commit with its events) over
//! a [`Backend`]: an [`AsyncStore`]'s own futures for [`AsyncCrm`], or a [`Store`]'s results as
//! futures ready at once for [`Crm`], which drives each step to its end in place with [`run`]
//! (no runtime, no thread: a step over a `Store` never waits).
//!
//! The steps are grouped by what they are about: the lifecycle's in `lifecycle.rs`, activities
//! and tasks in `work.rs`, contacts, organizations and accounts in `parties.rs`, each beside the
//! [`Crm`] methods that document them.

use std::future::Future;
use std::task::{Poll, Waker};

use super::*;
use crate::access::{Access, Action, Resource};
use crate::email::EmailAddress;
use crate::event::{EventPage, Position};
use crate::idempotency::{Fingerprint, IdempotencyKey, IdempotentRequest, Remembered};
use crate::store::{CommitError, Cursor};

/// What the steps need of a store, as futures: the calls of [`AsyncStore`] that the facades
/// make.
pub(super) trait Backend {
    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;

    fn load(
        &self,
        id: RecordId,
    ) -> impl Future<Output = Result<Option<Versioned<Record>>, Self::Error>> + Send;

    fn commit(
        &self,
        batch: Batch,
    ) -> impl Future<Output = Result<(), CommitError<Self::Error>>> + Send;

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> impl Future<Output = Result<Vec<Versioned<Contact>>, Self::Error>> + Send;

    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> impl Future<Output = Result<Vec<Versioned<Organization>>, Self::Error>> + Send;

    fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> impl Future<Output = Result<Page, Self::Error>> + Send;

    fn read_events(
        &self,
        after: Option<Position>,
        limit: usize,
    ) -> impl Future<Output = Result<EventPage, Self::Error>> + Send;

    fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<Remembered>, Self::Error>> + Send;
}

/// A [`Store`] as a [`Backend`]: each call made at once, its result a future that is ready.
pub(super) struct Ready<'a, S>(pub(super) &'a S);

impl<S: Store> Backend for Ready<'_, S> {
    type Error = S::Error;

    fn load(
        &self,
        id: RecordId,
    ) -> impl Future<Output = Result<Option<Versioned<Record>>, S::Error>> + Send {
        std::future::ready(self.0.load(id))
    }

    fn commit(
        &self,
        batch: Batch,
    ) -> impl Future<Output = Result<(), CommitError<S::Error>>> + Send {
        std::future::ready(self.0.commit(batch))
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> impl Future<Output = Result<Vec<Versioned<Contact>>, S::Error>> + Send {
        std::future::ready(self.0.find_contacts_by_email(email))
    }

    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> impl Future<Output = Result<Vec<Versioned<Organization>>, S::Error>> + Send {
        std::future::ready(self.0.find_organizations_by_domain(domain))
    }

    fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> impl Future<Output = Result<Page, S::Error>> + Send {
        std::future::ready(self.0.list(query, after, limit))
    }

    fn read_events(
        &self,
        after: Option<Position>,
        limit: usize,
    ) -> impl Future<Output = Result<EventPage, S::Error>> + Send {
        std::future::ready(self.0.read_events(after, limit))
    }

    fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<Remembered>, S::Error>> + Send {
        std::future::ready(self.0.recall_key(actor, key))
    }
}

/// An [`AsyncStore`] as a [`Backend`]: its own futures.
pub(super) struct Awaited<'a, S>(pub(super) &'a S);

impl<S: AsyncStore> Backend for Awaited<'_, S> {
    type Error = S::Error;

    fn load(
        &self,
        id: RecordId,
    ) -> impl Future<Output = Result<Option<Versioned<Record>>, S::Error>> + Send {
        self.0.load(id)
    }

    fn commit(
        &self,
        batch: Batch,
    ) -> impl Future<Output = Result<(), CommitError<S::Error>>> + Send {
        self.0.commit(batch)
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> impl Future<Output = Result<Vec<Versioned<Contact>>, S::Error>> + Send {
        self.0.find_contacts_by_email(email)
    }

    fn find_organizations_by_domain(
        &self,
        domain: &Domain,
    ) -> impl Future<Output = Result<Vec<Versioned<Organization>>, S::Error>> + Send {
        self.0.find_organizations_by_domain(domain)
    }

    fn list(
        &self,
        query: &Query,
        after: Option<Cursor>,
        limit: usize,
    ) -> impl Future<Output = Result<Page, S::Error>> + Send {
        self.0.list(query, after, limit)
    }

    fn read_events(
        &self,
        after: Option<Position>,
        limit: usize,
    ) -> impl Future<Output = Result<EventPage, S::Error>> + Send {
        self.0.read_events(after, limit)
    }

    fn recall_key(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<Remembered>, S::Error>> + Send {
        self.0.recall_key(actor, key)
    }
}

/// Drives `step` to its end in place. Over a [`Ready`] backend every store call is ready when
/// it is made, so the step completes in its first poll; the loop is only there to poll again
/// (never to wait) should a future ever say it is pending.
///
/// Always inlined, so that the step's future is made where it is pinned: a future is up to
/// two kilobytes (what the step holds across its awaits), and one handed to a function that is
/// not inlined is copied whole into that function's frame before its first poll (1,370
/// instructions a lifecycle, 1.7 % of it: BENCHMARKS.md, "Fewer copies a step").
#[inline(always)]
pub(super) fn run<T>(step: impl Future<Output = T>) -> T {
    let mut step = std::pin::pin!(step);
    let mut cx = std::task::Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(done) = step.as_mut().poll(&mut cx) {
            return done;
        }
        std::thread::yield_now();
    }
}

/// A facade's settings, which both facades hold and every step reads: the clock, the id
/// source, the actors' offsets, the next-step policy, the date windows, whether commits carry
/// events.
pub(super) struct Settings {
    pub(super) clock: Arc<dyn Clock>,
    pub(super) ids: Arc<dyn IdSource>,
    /// The actors' offsets; `None` is UTC for everyone (the default), which needs no look at
    /// the clock.
    pub(super) zones: Option<Arc<dyn Zones>>,
    pub(super) next_steps: NextSteps,
    pub(super) dates: DatePolicy,
    /// Whether commits carry their events to the outbox ([`Crm::without_events`]).
    pub(super) events: bool,
    /// Who may do what ([`Crm::new`], [`Crm::with_directory`]).
    pub(super) access: Access,
}

impl Settings {
    /// The defaults, with `policy`, `clock` and `ids`.
    pub(super) fn new(
        policy: Arc<dyn crate::access::AccessPolicy>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> Settings {
        Settings {
            clock,
            ids,
            zones: None,
            next_steps: NextSteps::none(),
            dates: DatePolicy::default(),
            events: true,
            access: Access::new(policy),
        }
    }

    /// The same settings, resolving principals from `directory`.
    pub(super) fn with_directory(self, directory: crate::access::Directory) -> Settings {
        Settings {
            access: self.access.with_directory(directory),
            ..self
        }
    }

    /// A context acting as `actor`, with the facade's clock, ids and date windows, in the
    /// actor's offset from UTC. (Inline, as `seal` is: the steps are generic, so they are
    /// compiled in the crate that uses the facade, where a helper that is neither generic nor
    /// marked `#[inline]` is called and not inlined.)
    #[inline]
    pub(super) fn context(&self, actor: &User) -> Context<'_> {
        let offset = match &self.zones {
            Some(zones) => zones.offset(actor, self.clock.now()),
            None => context::utc(),
        };
        Context::new(&*self.clock, &*self.ids, actor.clone())
            .in_offset(offset)
            .with_dates(self.dates)
    }

    /// Makes `batch` ready to commit: with the events of its writes, made by `actor`, when the
    /// facade emits events, and the `request` it remembers ([`Steps::execute_once`]). In
    /// place: a batch is a few hundred bytes, and every step's commit goes through here.
    #[inline]
    pub(super) fn seal(
        &self,
        batch: &mut Batch,
        actor: &User,
        request: Option<&IdempotentRequest>,
    ) {
        if self.events {
            let events = events::of_writes(batch.writes(), &*self.ids, actor);
            batch.emit_all(events);
        }
        if let Some(request) = request {
            batch.remember(request.clone());
        }
    }
}

/// What the policy sees of a typed value: its kind, id and owner.
pub(super) trait Subject {
    fn resource(&self) -> Resource<'_>;
}

macro_rules! subject {
    ($($ty:ty => $kind:ident),+ $(,)?) => {$(
        impl Subject for $ty {
            fn resource(&self) -> Resource<'_> {
                Resource::new(RecordKind::$kind)
                    .with_id(self.id().into())
                    .owned_by(self.owner())
            }
        }
    )+};
}
subject!(Contact => Contact, Account => Account, Organization => Organization);

impl Subject for Activity {
    fn resource(&self) -> Resource<'_> {
        Resource::new(RecordKind::Activity)
            .with_id(self.id().into())
            .owned_by(Some(self.by()))
    }
}

impl<St: crate::state::LeadState> Subject for Lead<St> {
    fn resource(&self) -> Resource<'_> {
        Resource::new(RecordKind::Lead)
            .with_id(self.id().into())
            .owned_by(self.owner())
    }
}

impl<St: crate::state::OpportunityState> Subject for Opportunity<St> {
    fn resource(&self) -> Resource<'_> {
        Resource::new(RecordKind::Opportunity)
            .with_id(self.id().into())
            .owned_by(self.owner())
    }
}

impl Subject for Task {
    fn resource(&self) -> Resource<'_> {
        Resource::new(RecordKind::Task)
            .with_id(self.id().into())
            .owned_by(Some(self.owner()))
    }
}

impl Subject for Record {
    fn resource(&self) -> Resource<'_> {
        Resource::of(self)
    }
}

/// The policy allowed a step: [`Steps::apply`] takes one, so no step commits without having
/// asked ([`Steps::allow`]).
#[must_use = "a step commits with the permit it was given"]
pub(super) struct Permit(());

impl Permit {
    /// The permit of a step that needed both.
    pub(super) fn and(self, _other: Permit) -> Permit {
        self
    }
}

/// The steps over a store reached through `B`, with a facade's settings.
pub(super) struct Steps<'a, B> {
    pub(super) store: B,
    pub(super) settings: &'a Settings,
    /// The request the step's commit remembers ([`Steps::execute_once`]); boxed, as every
    /// step's future holds the steps and most steps remember none.
    pub(super) request: Option<Box<IdempotentRequest>>,
}

impl<B: Backend> Steps<'_, B> {
    /// A context acting as `actor`.
    pub(super) fn context(&self, actor: &User) -> Context<'_> {
        self.settings.context(actor)
    }

    /// Whether the policy lets `actor` take `action` on `resource`: the permit a commit
    /// needs, or [`CrmError::Forbidden`] naming the action, the record and the rule.
    pub(super) fn allow(
        &self,
        actor: &User,
        action: Action,
        resource: Resource<'_>,
    ) -> Result<Permit, CrmError<B::Error>> {
        let access = &self.settings.access;
        let decision = access
            .policy()
            .decide(&access.principal(actor), action, &resource);
        match decision.is_allowed() {
            true => Ok(Permit(())),
            false => Err(CrmError::Forbidden {
                action,
                kind: resource.kind(),
                record: resource.id(),
                rule: decision.into_rule(),
            }),
        }
    }

    /// [`allow`](Self::allow) for an activity or a task: when its own owner does not reach it,
    /// the policy is asked again with the owner of the record `about`, loaded for that.
    pub(super) async fn allow_work(
        &self,
        actor: &User,
        action: Action,
        resource: Resource<'_>,
        about: RecordId,
    ) -> Result<Permit, CrmError<B::Error>> {
        match self.allow(actor, action, resource) {
            Err(CrmError::Forbidden { .. }) => {
                let owner = self.owner_of(about).await?;
                self.allow(actor, action, resource.about_owned_by(owner.as_ref()))
            }
            done => done,
        }
    }

    /// The owner of the record `id`, if it is stored and owned.
    pub(super) async fn owner_of(&self, id: RecordId) -> Result<Option<User>, CrmError<B::Error>> {
        let loaded = self.store.load(id).await.map_err(CrmError::Store)?;
        Ok(loaded.and_then(|r| r.value().owner().cloned()))
    }

    /// [`allow`](Self::allow) for a stored record, asking with the owner of the record an
    /// activity or a task is about when its own owner does not reach it.
    pub(super) async fn allow_on(
        &self,
        actor: &User,
        action: Action,
        record: &Record,
    ) -> Result<Permit, CrmError<B::Error>> {
        match record.regarding() {
            Some(about) => {
                self.allow_work(actor, action, record.resource(), about)
                    .await
            }
            None => self.allow(actor, action, record.resource()),
        }
    }

    /// `loaded` when `actor` may read it (a record they may not read is as absent).
    pub(super) async fn readable_or_none(
        &self,
        actor: &User,
        loaded: Option<Versioned<Record>>,
    ) -> Result<Option<Versioned<Record>>, CrmError<B::Error>> {
        match &loaded {
            Some(r) if self.readable(actor, r.value()).await?.is_none() => Ok(None),
            _ => Ok(loaded),
        }
    }

    /// Whether `actor` may read `record`: `None` when not (a read answers "not found"), else
    /// whether they may read its personal data too.
    pub(super) async fn readable(
        &self,
        actor: &User,
        record: &Record,
    ) -> Result<Option<bool>, CrmError<B::Error>> {
        let access = &self.settings.access;
        let principal = access.principal(actor);
        let allows = |action, resource: &Resource<'_>| {
            access
                .policy()
                .decide(&principal, action, resource)
                .is_allowed()
        };
        let own = record.resource();
        // For an activity or a task its own owner may not reach it: the record it is about,
        // read once, may.
        let about = match record.regarding() {
            Some(about) if !(allows(Action::Read, &own) && allows(Action::ReadPersonal, &own)) => {
                self.owner_of(about).await?
            }
            _ => None,
        };
        let resource = own.about_owned_by(about.as_ref());
        match allows(Action::Read, &resource) {
            false => Ok(None),
            true => Ok(Some(allows(Action::ReadPersonal, &resource))),
        }
    }

    pub(super) async fn apply<T>(
        &self,
        plan: Plan<T>,
        actor: &User,
        _permit: Permit,
    ) -> Result<T, CrmError<B::Error>> {
        let Plan { mut batch, output } = plan;
        self.settings
            .seal(&mut batch, actor, self.request.as_deref());
        self.store.commit(batch).await?;
        Ok(output)
    }

    /// Every page of `query`, one after the other, given to `visit`.
    pub(super) async fn list_all(
        &self,
        query: &Query,
        visit: &mut (dyn FnMut(Page) + Send),
    ) -> Result<(), CrmError<B::Error>> {
        let mut after = None;
        loop {
            let page = self
                .store
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

    /// Refuses `opportunity` entering `stage` without an open next step, when the policy
    /// requires one there.
    pub(super) async fn require_next_step(
        &self,
        opportunity: OpportunityId,
        stage: OpportunityStage,
    ) -> Result<plan::NextStep, CrmError<B::Error>> {
        if !self.settings.next_steps.requires(stage) {
            return Ok(None);
        }
        let page = self
            .store
            .list(&Query::open_tasks_about(opportunity), None, 1)
            .await
            .map_err(CrmError::Store)?;
        plan::has_next_step(opportunity, stage, &page)
    }

    pub(super) async fn load<T>(
        &self,
        id: impl Into<RecordId>,
    ) -> Result<Versioned<T>, CrmError<B::Error>>
    where
        T: TryFrom<Record, Error = StateError<Record>>,
    {
        let id = id.into();
        let loaded = self.store.load(id).await.map_err(CrmError::Store)?;
        plan::typed(id, loaded)
    }

    /// [`execute`](Self::execute) with `actor`'s `key` remembered in the step's commit, or
    /// the records the first commit under that key wrote, as they are now, when it was made
    /// before with the same `fingerprint`.
    pub(super) async fn execute_once(
        mut self,
        command: Command,
        actor: &User,
        key: IdempotencyKey,
        fingerprint: Fingerprint,
    ) -> Result<ExecutedOnce, CrmError<B::Error>> {
        if let Some(first) = self.recall(actor, &key).await? {
            return self.replay(first, &key, fingerprint, actor).await;
        }
        self.request = Some(Box::new(IdempotentRequest {
            actor: actor.clone(),
            key: key.clone(),
            fingerprint,
            at: self.settings.clock.now(),
        }));
        match self.execute(command, actor).await {
            Ok(executed) => Ok(ExecutedOnce {
                executed,
                replayed: false,
            }),
            // A retry racing the first request: when the first committed since the key was
            // looked up, its commit may be why this one failed (on the key, on a version, on a
            // taken email address, on a state), and its answer is the answer.
            Err(e) => match self.recall(actor, &key).await? {
                Some(first) => self.replay(first, &key, fingerprint, actor).await,
                None => Err(e),
            },
        }
    }

    async fn recall(
        &self,
        actor: &User,
        key: &IdempotencyKey,
    ) -> Result<Option<Remembered>, CrmError<B::Error>> {
        self.store
            .recall_key(actor, key)
            .await
            .map_err(CrmError::Store)
    }

    /// The answer to a request made again: the records its first commit wrote, as `actor`
    /// may read them now (a record erased since is read erased; one they may no longer read
    /// is left out).
    async fn replay(
        &self,
        first: Remembered,
        key: &IdempotencyKey,
        fingerprint: Fingerprint,
        actor: &User,
    ) -> Result<ExecutedOnce, CrmError<B::Error>> {
        if first.request.fingerprint != fingerprint {
            return Err(CrmError::KeyReused { key: key.clone() });
        }
        let mut records = Vec::with_capacity(first.written.len());
        for (id, _) in first.written {
            let loaded = self.store.load(id).await.map_err(CrmError::Store)?;
            records.extend(self.readable_or_none(actor, loaded).await?);
        }
        Ok(ExecutedOnce {
            executed: Executed { records },
            replayed: true,
        })
    }

    pub(super) async fn execute(
        &self,
        command: Command,
        actor: &User,
    ) -> Result<Executed, CrmError<B::Error>> {
        let loaded = match command.target() {
            Some((id, _)) => {
                let loaded = self.store.load(id).await.map_err(CrmError::Store)?;
                self.readable_or_none(actor, loaded).await?
            }
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
                let organization = self
                    .load_for::<Organization>(organization.into(), actor)
                    .await?;
                one(written(self.link_contact(c, &organization, actor).await?))
            }
            R::UnlinkContact(c) => one(written(self.unlink_contact(c, actor).await?)),
            R::EraseContact(c) => resolve::erased(self.erase_contact(c, actor).await?),
            R::Merge(plan) => resolve::merged(self.merge(&plan, actor).await?),
            R::Unmerge(survivor, merge) => {
                resolve::merged(self.unmerge(survivor, merge, actor).await?)
            }
            R::MergeOrganizations(plan) => {
                resolve::merged_organizations(self.merge_organizations(&plan, actor).await?)
            }
            R::UnmergeOrganizations(survivor, merge) => resolve::merged_organizations(
                self.unmerge_organizations(survivor, merge, actor).await?,
            ),
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
            R::SetFields(record, update) => one(self.set_fields_of(record, update, actor).await?),
            R::MoveStage(o, pipeline, stage, note) => one(self
                .move_stage_of(o, &pipeline, &stage, note, actor)
                .await?),
        })
    }
}
