//! The facade: one method per step of the lifecycle, each one atomic commit to a store.

use std::sync::Arc;

use crate::access::{AccessPolicy, Directory};
use crate::account::Account;
use crate::activity::{Activity, ActivityDetails};
use crate::command::{Cascade, Command, Executed, ExecutedOnce, OnDuplicate};
use crate::contact::{Contact, ContactDetails};
use crate::context::{self as context, Clock, Context, SystemClock, Zones};
use crate::dates::DatePolicy;
use crate::error::ValidationError;
use crate::fields::WithFields;
use crate::forecast::{ForecastCategory, Probability};
use crate::id::{AccountId, ContactId, IdSource, OpportunityId, OrganizationId, RandomIds};
use crate::idempotency::{Fingerprint, IdempotencyKey};
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
mod duplicates;
mod events;
mod fields;
mod lifecycle;
mod merge;
mod outcome;
mod parties;
mod pipelines;
mod plan;
mod reads;
mod resolve;
mod schema;
mod steps;
mod work;

pub use asynchronous::AsyncCrm;
pub use merge::{MergeOutcome, OrganizationMergeOutcome};
pub use outcome::{
    ContactOutcome, CrmError, ErasureReport, HandedOver, OrganizationOutcome, Qualified, WonAccount,
};
use plan::Plan;
use steps::{Ready, Settings, Steps, run};

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
/// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll);
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
    settings: Settings,
}

impl<S> Crm<S> {
    /// A facade over `store`, asking `policy` before every step and every read (see
    /// [`access`](crate::access)), with the system clock and random UUID v7 ids. There is no
    /// facade without a policy: [`AllowAll`](crate::access::AllowAll) allows everything, and
    /// says so where it is written. A policy that resolves roles and teams needs the users' from
    /// [`with_directory`](Self::with_directory): until then every user has no role.
    pub fn new(store: S, policy: impl AccessPolicy + 'static) -> Crm<S> {
        Crm::with_clock_and_ids(store, policy, Arc::new(SystemClock), Arc::new(RandomIds))
    }

    /// A facade over `store` asking `policy`, with the given clock and id source (fixed ones for
    /// tests and simulations).
    pub fn with_clock_and_ids(
        store: S,
        policy: impl AccessPolicy + 'static,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> Crm<S> {
        Crm {
            store,
            settings: Settings::new(Arc::new(policy), clock, ids),
        }
    }

    /// The same facade, resolving each acting user's roles, teams and reports from `directory`
    /// (a user it does not know has no role). Each user is resolved once, here.
    pub fn with_directory(self, directory: Directory) -> Crm<S> {
        Crm {
            settings: self.settings.with_directory(directory),
            ..self
        }
    }

    /// The same facade, refusing a stage change into a stage that `policy` says requires an
    /// open next step when the opportunity has none ([`CrmError::NextStepRequired`]). The check
    /// reads the opportunity's open tasks before the commit: a task completed at the same
    /// moment by another writer is not seen.
    pub fn with_next_steps(self, policy: NextSteps) -> Crm<S> {
        let settings = Settings {
            next_steps: policy,
            ..self.settings
        };
        Crm { settings, ..self }
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
    /// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll)
    ///     .with_zones(move |user: &User, _at| if user.as_str() == "sam" { pacific } else { FixedOffset::east_opt(0).unwrap() });
    /// assert_eq!(crm.context(&User::new("sam")?).offset(), pacific);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_zones(self, zones: impl Zones + 'static) -> Crm<S> {
        let settings = Settings {
            zones: Some(Arc::new(zones)),
            ..self.settings
        };
        Crm { settings, ..self }
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
    /// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll).with_dates(import);
    /// assert_eq!(crm.context(&User::new("import")?).dates().lookback_days(), 1830);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_dates(self, dates: DatePolicy) -> Crm<S> {
        let settings = Settings {
            dates,
            ..self.settings
        };
        Crm { settings, ..self }
    }

    /// The same facade, committing no events: for an application that reads no outbox, so
    /// that its store does not keep events nobody prunes. By default every commit appends one
    /// event per record it writes ([`event`](crate::event)).
    pub fn without_events(self) -> Crm<S> {
        let settings = Settings {
            events: false,
            ..self.settings
        };
        Crm { settings, ..self }
    }

    /// The store the facade commits to, to read from it directly (`list`, `scan`, ...).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The clock the facade stamps what it writes with (records, events, idempotency keys):
    /// what to compare with when pruning what it stamped (`Store::prune_keys`).
    pub fn clock(&self) -> &dyn Clock {
        &*self.settings.clock
    }

    /// The store, giving up the facade.
    pub fn into_store(self) -> S {
        self.store
    }

    /// A context acting as `actor`, with the facade's clock and ids and the actor's offset from
    /// UTC ([`with_zones`](Self::with_zones)): for transitions done by hand.
    pub fn context(&self, actor: &User) -> Context<'_> {
        self.settings.context(actor)
    }
}

impl<S> std::fmt::Debug for Crm<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crm").finish_non_exhaustive()
    }
}

impl<S: Store> Crm<S> {
    /// The steps, over this facade's store, whose calls are made at once.
    fn steps(&self) -> Steps<'_, Ready<'_, S>> {
        Steps {
            store: Ready(&self.store),
            settings: &self.settings,
            request: None,
        }
    }

    /// Loads the record `id` as `T` (a `Contact`, an `Account`, an `AnyLead`, a
    /// `Lead<Working>`, ...), whole, for `actor` to take a step with: the policy must let them
    /// read it and its personal data. To show a record, [`read`](Self::read) gives it redacted
    /// where the principal may not read its personal data.
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`] when there is no such record or `actor` may not read it;
    /// [`CrmError::Forbidden`] when they may read it but not its personal data;
    /// [`CrmError::WrongState`] when it is of another kind or state; [`CrmError::Field`] when
    /// a custom value it holds breaks the field schema (forged or damaged in the store),
    /// naming the field; [`CrmError::Store`].
    pub fn load<T>(
        &self,
        id: impl Into<RecordId>,
        actor: &User,
    ) -> Result<Versioned<T>, CrmError<S::Error>>
    where
        T: TryFrom<Record, Error = StateError<Record>>,
    {
        run(self.steps().load_for(id.into(), actor))
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
    /// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll);
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
        run(self.steps().execute(command, actor))
    }

    /// [`execute`](Self::execute), once per `actor` and `key`: for a client that may send a
    /// request again (after a dropped connection, a timeout) without knowing whether it was
    /// taken. The key is remembered in the step's own commit ([`idempotency`](crate::idempotency)),
    /// so two retries racing each other commit once; a request made again with the same key
    /// and `fingerprint` writes nothing and answers with the records the first wrote, as they
    /// are now ([`ExecutedOnce::replayed`]). A step that failed, or wrote nothing (a contact
    /// matched by [`OnDuplicate::Reuse`]), remembers nothing: it runs again.
    ///
    /// ```
    /// use prospect::idempotency::{Fingerprint, IdempotencyKey};
    /// use prospect::memory::MemoryStore;
    /// use prospect::*;
    /// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll);
    /// let me = User::new("claire")?;
    /// let body = r#"{"step": "create_contact", "args": {"details":
    ///     {"party": {"kind": "person", "name": "Ada"}, "source": "web"}}}"#;
    /// let key = IdempotencyKey::new("5f0c1c3e-7f0e-4c0e-9d61-2c3f1e8a9b10")?;
    /// let print = Fingerprint::from_bytes([7; 32]); // a digest of `body`, in a service
    /// let first = crm.execute_once(serde_json::from_str(body)?, &me, key.clone(), print)?;
    /// let again = crm.execute_once(serde_json::from_str(body)?, &me, key.clone(), print)?;
    /// assert!(!first.replayed && again.replayed);
    /// assert_eq!(again.executed.records[0].id(), first.executed.records[0].id());
    /// assert_eq!(crm.store().len(), 1, "one contact, not two");
    /// // The same key with another request is refused.
    /// let other = crm.execute_once(serde_json::from_str(body)?, &me, key, Fingerprint::from_bytes([8; 32]));
    /// assert!(matches!(other, Err(CrmError::KeyReused { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmError::KeyReused`] when `actor` made another request (another fingerprint) with
    /// `key`; else [`execute`](Self::execute)'s.
    pub fn execute_once(
        &self,
        command: Command,
        actor: &User,
        key: IdempotencyKey,
        fingerprint: Fingerprint,
    ) -> Result<ExecutedOnce, CrmError<S::Error>> {
        run(self.steps().execute_once(command, actor, key, fingerprint))
    }
}
