//! Tasks: what someone has to do next about a contact, an open lead or an open opportunity, by
//! a day or an instant. A task is a record of its own, open until it is done or cancelled.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::activity::Regarding;
use crate::contact::Contact;
use crate::context::Context;
use crate::custom::CustomFields;
use crate::error::{Field, RecordError, ValidationError};
use crate::format::{Format, ReadingRecord};
use crate::id::{ContactId, TaskId};
use crate::kind::RecordKind;
use crate::lead::{Lead, OpenLeadState};
use crate::opportunity::{OpenStage, Opportunity};
use crate::relink::Relinks;
use crate::text::{ERASED_TEXT, Summary, User};

/// Whether a task is still to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Still to do.
    Open,
    /// Done.
    Done,
    /// Not to be done any more.
    Cancelled,
}

impl TaskStatus {
    /// Every status.
    pub const ALL: [TaskStatus; 3] = [TaskStatus::Open, TaskStatus::Done, TaskStatus::Cancelled];

    /// The lowercase name, as serialised: `"open"`, `"done"`, `"cancelled"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// When a task is due: on a day (in its owner's calendar), or by an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// During this day: overdue once the day is over where its owner is.
    On(NaiveDate),
    /// By this instant.
    By(DateTime<Utc>),
}

/// What a task is: its subject, who owns it, and when it is due. Every part is validated by its
/// type, so the fields are public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDetails {
    /// What is to be done, in one line.
    pub subject: Summary,
    /// Who is to do it.
    pub owner: User,
    /// When it is due.
    pub due: Due,
}

impl TaskDetails {
    /// `subject`, for `owner`, due `due`.
    pub fn new(subject: Summary, owner: User, due: Due) -> TaskDetails {
        TaskDetails {
            subject,
            owner,
            due,
        }
    }
}

/// Completing or cancelling a task that is no longer open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("task {task} is {status}, not open")]
pub struct TaskClosed {
    /// The task.
    pub task: TaskId,
    /// What it is.
    pub status: TaskStatus,
}

/// When and by whom a task was done or cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closing {
    /// When.
    pub at: DateTime<Utc>,
    /// By whom.
    pub by: User,
}

/// Something to do about a contact, an open lead or an open opportunity: a subject, an owner,
/// a due day or instant, and whether it is open, done or cancelled.
///
/// Made by [`Task::on_contact`], [`Task::on_lead`] and [`Task::on_opportunity`] (a lead or an
/// opportunity must be open, which its type says), closed by [`Task::complete`] or
/// [`Task::cancel`]. Cloning shares its data.
///
/// ```
/// use chrono::Days;
/// use prospect::*;
/// let ctx = Context::system(User::new("claire")?);
/// let contact = Contact::create(
///     ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Web),
///     &ctx,
/// );
/// let due = Due::On(ctx.today() + Days::new(2));
/// let task = Task::on_contact(
///     &contact,
///     TaskDetails::new(Summary::new("Send the brochure")?, User::new("claire")?, due),
///     &ctx,
/// )?;
/// assert!(task.is_open() && !task.is_overdue(&ctx));
/// let done = task.complete(&ctx)?;
/// assert_eq!(done.status(), TaskStatus::Done);
/// assert!(done.complete(&ctx).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Task {
    data: Arc<data::Task>,
}

mod data {
    use super::*;

    /// The task itself, shared between the copies of a [`super::Task`].
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct Task {
        pub(super) id: TaskId,
        pub(super) regarding: Regarding,
        pub(super) contact: ContactId,
        pub(super) subject: Summary,
        pub(super) owner: User,
        pub(super) due: Due,
        pub(super) status: TaskStatus,
        pub(super) created_at: DateTime<Utc>,
        pub(super) created_by: User,
        pub(super) closed: Option<Closing>,
        /// Whether its contact's personal data was erased, and with it its subject.
        pub(super) erased: bool,
        pub(super) custom: CustomFields,
        /// The merges that moved it to another contact.
        pub(super) relinks: Relinks,
    }
}

impl Task {
    /// A task about `contact`, created by the context's actor.
    ///
    /// # Errors
    ///
    /// [`ValidationError::OutOfWindow`] for [`Field::Due`] when it is due outside the window of
    /// the context's [`DatePolicy`](crate::DatePolicy) (by default, from a year ago to two
    /// years ahead).
    pub fn on_contact(
        contact: &Contact,
        details: TaskDetails,
        ctx: &Context<'_>,
    ) -> Result<Task, ValidationError> {
        Task::create(Regarding::Contact(contact.id()), contact.id(), details, ctx)
    }

    /// A task about `lead`, which is open (its type says so).
    ///
    /// # Errors
    ///
    /// As [`on_contact`](Self::on_contact).
    pub fn on_lead<S: OpenLeadState>(
        lead: &Lead<S>,
        details: TaskDetails,
        ctx: &Context<'_>,
    ) -> Result<Task, ValidationError> {
        Task::create(Regarding::Lead(lead.id()), lead.contact(), details, ctx)
    }

    /// A task about `opportunity`, which is open (its type says so): a next step.
    ///
    /// # Errors
    ///
    /// As [`on_contact`](Self::on_contact).
    pub fn on_opportunity<S: OpenStage>(
        opportunity: &Opportunity<S>,
        details: TaskDetails,
        ctx: &Context<'_>,
    ) -> Result<Task, ValidationError> {
        Task::create(
            Regarding::Opportunity(opportunity.id()),
            opportunity.contact(),
            details,
            ctx,
        )
    }

    pub(crate) fn create(
        regarding: Regarding,
        contact: ContactId,
        details: TaskDetails,
        ctx: &Context<'_>,
    ) -> Result<Task, ValidationError> {
        let due_day = match details.due {
            Due::On(day) => day,
            Due::By(at) => ctx.date_at(at),
        };
        ctx.dates()
            .due(Field::Due, due_day, ctx.day_at(ctx.now()))?;
        Ok(Task {
            data: Arc::new(data::Task {
                id: TaskId::generate(ctx.ids()),
                regarding,
                contact,
                subject: details.subject,
                owner: details.owner,
                due: details.due,
                status: TaskStatus::Open,
                created_at: ctx.now(),
                created_by: ctx.actor().clone(),
                closed: None,
                erased: false,
                custom: CustomFields::new(),
                relinks: Relinks::default(),
            }),
        })
    }

    /// The task, done, by the context's actor (never before it was created).
    ///
    /// # Errors
    ///
    /// [`TaskClosed`] when it is done or cancelled already.
    pub fn complete(&self, ctx: &Context<'_>) -> Result<Task, TaskClosed> {
        self.close(TaskStatus::Done, ctx)
    }

    /// The task, cancelled, by the context's actor (never before it was created).
    ///
    /// # Errors
    ///
    /// [`TaskClosed`] when it is done or cancelled already.
    pub fn cancel(&self, ctx: &Context<'_>) -> Result<Task, TaskClosed> {
        self.close(TaskStatus::Cancelled, ctx)
    }

    fn close(&self, status: TaskStatus, ctx: &Context<'_>) -> Result<Task, TaskClosed> {
        if self.data.status != TaskStatus::Open {
            return Err(TaskClosed {
                task: self.data.id,
                status: self.data.status,
            });
        }
        Ok(Task {
            data: Arc::new(data::Task {
                status,
                closed: Some(Closing {
                    at: ctx.now().max(self.data.created_at),
                    by: ctx.actor().clone(),
                }),
                ..data::Task::clone(&self.data)
            }),
        })
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.data.id
    }

    /// The record it is about.
    pub fn regarding(&self) -> Regarding {
        self.data.regarding
    }

    /// The contact it concerns: the one it is about, or the one of the lead or opportunity.
    pub fn contact(&self) -> ContactId {
        self.data.contact
    }

    /// What is to be done.
    pub fn subject(&self) -> &Summary {
        &self.data.subject
    }

    /// Who is to do it.
    pub fn owner(&self) -> &User {
        &self.data.owner
    }

    /// When it is due.
    pub fn due(&self) -> Due {
        self.data.due
    }

    /// Whether it is open, done or cancelled.
    pub fn status(&self) -> TaskStatus {
        self.data.status
    }

    /// Whether it is still to do.
    pub fn is_open(&self) -> bool {
        self.data.status == TaskStatus::Open
    }

    /// Whether it is open and past due for the context: after its instant, or after its day
    /// in the context's [`today`](Context::today) (the actor's date in their offset from UTC).
    pub fn is_overdue(&self, ctx: &Context<'_>) -> bool {
        self.is_open()
            && match self.data.due {
                Due::On(day) => ctx.today() > day,
                Due::By(at) => ctx.now() > at,
            }
    }

    /// When it was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.data.created_at
    }

    /// Who created it.
    pub fn created_by(&self) -> &User {
        &self.data.created_by
    }

    /// When and by whom it was done or cancelled, once it was.
    pub fn closed(&self) -> Option<&Closing> {
        self.data.closed.as_ref()
    }

    /// Whether its contact's personal data was erased, and with it the task's subject.
    pub fn is_erased(&self) -> bool {
        self.data.erased
    }

    /// The same task with its subject erased; everything else stays.
    pub(crate) fn erase_personal_data(&self) -> Task {
        self.scrubbed(true)
    }

    /// The same task with its subject redacted, keeping its erased mark: what a principal
    /// without the right to read personal data sees.
    pub(crate) fn redacted(&self) -> Task {
        self.scrubbed(self.data.erased)
    }

    /// The same task with its subject erased, marked `erased`. Every field is named: a new
    /// field is kept or erased by a decision written here (an allow-list).
    fn scrubbed(&self, erased: bool) -> Task {
        let t = &*self.data;
        Task {
            data: Arc::new(data::Task {
                id: t.id,
                regarding: t.regarding,
                contact: t.contact,
                subject: Summary::erased(),
                owner: t.owner.clone(),
                due: t.due,
                status: t.status,
                created_at: t.created_at,
                created_by: t.created_by.clone(),
                closed: t.closed.clone(),
                erased,
                custom: t.custom.erased(),
                relinks: t.relinks.clone(),
            }),
        }
    }

    /// Checks the invariants of a stored task.
    pub(crate) fn check(&self) -> Result<(), RecordError> {
        let invariant = |field, problem| {
            Err(RecordError::Invariant {
                record: RecordKind::Task,
                field,
                problem,
            })
        };
        let t = &*self.data;
        match (&t.closed, t.status) {
            (None, TaskStatus::Open) => {}
            (Some(_), TaskStatus::Open) => return invariant("closed", "an open task is closed"),
            (None, _) => return invariant("closed", "a done or cancelled task says not when"),
            (Some(closing), _) if closing.at < t.created_at => {
                return invariant("closed", "closed before the task was created");
            }
            (Some(_), _) => {}
        }
        if let Regarding::Contact(contact) = t.regarding {
            if contact != t.contact {
                return invariant("contact", "differs from the contact it is about");
            }
        }
        if t.erased && t.subject.as_str() != ERASED_TEXT {
            return invariant("subject", "an erased task still holds its subject");
        }
        self.data
            .custom
            .check(self.own_entries(), self.data.erased)
            .map_err(|problem| RecordError::Custom {
                record: RecordKind::Task,
                problem,
            })?;
        let entries = self.own_entries() + self.data.custom.edits().len();
        self.data
            .relinks
            .check(RecordKind::Task, self.data.contact, entries)
    }

    /// How many entries its own history has: its creation and its closing.
    pub(crate) fn own_entries(&self) -> usize {
        1 + usize::from(self.data.closed.is_some())
    }

    /// Its custom fields.
    pub fn custom_fields(&self) -> &CustomFields {
        &self.data.custom
    }

    /// The same task with `custom` as its custom fields.
    pub(crate) fn with_custom_fields(mut self, custom: CustomFields) -> Task {
        Arc::make_mut(&mut self.data).custom = custom;
        self
    }

    /// The merges that moved it to another contact, oldest first.
    pub fn relinks(&self) -> &[crate::relink::Relink] {
        self.data.relinks.as_slice()
    }

    /// The same task moved to contact `to` by a merge or its undo: an entry of its
    /// history.
    pub(crate) fn relinked(mut self, step: &crate::relink::Step<'_>, to: ContactId) -> Task {
        let entries = self.own_entries() + self.data.custom.edits().len();
        let data = Arc::make_mut(&mut self.data);
        crate::activity::move_work(
            &mut data.regarding,
            &mut data.contact,
            &mut data.relinks,
            step,
            to,
            entries,
        );
        self
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.data, f)
    }
}

/// A task as serialised: its fields in this order.
#[derive(Serialize)]
struct TaskOut<'a> {
    format: Format,
    id: TaskId,
    regarding: Regarding,
    contact: ContactId,
    subject: &'a Summary,
    owner: &'a User,
    due: Due,
    status: TaskStatus,
    created_at: DateTime<Utc>,
    created_by: &'a User,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed: &'a Option<Closing>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    erased: bool,
    #[serde(skip_serializing_if = "CustomFields::is_empty")]
    custom: &'a CustomFields,
    #[serde(skip_serializing_if = "Relinks::is_empty")]
    relinks: &'a Relinks,
}

impl Serialize for Task {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = &*self.data;
        TaskOut {
            format: Format,
            id: t.id,
            regarding: t.regarding,
            contact: t.contact,
            subject: &t.subject,
            owner: &t.owner,
            due: t.due,
            status: t.status,
            created_at: t.created_at,
            created_by: &t.created_by,
            closed: &t.closed,
            erased: t.erased,
            custom: &t.custom,
            relinks: &t.relinks,
        }
        .serialize(s)
    }
}

/// A task as deserialised, before it is validated.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskIn {
    /// Required: every record of this kind was written with it (format 0's leniency is for
    /// the kinds that existed before the field).
    format: Format,
    id: TaskId,
    regarding: Regarding,
    contact: ContactId,
    subject: Summary,
    owner: User,
    due: Due,
    status: TaskStatus,
    created_at: DateTime<Utc>,
    created_by: User,
    #[serde(default)]
    closed: Option<Closing>,
    #[serde(default)]
    erased: bool,
    #[serde(default)]
    custom: CustomFields,
    #[serde(default)]
    relinks: Relinks,
}

impl<'de> Deserialize<'de> for Task {
    /// Reads a task, refusing one that breaks an invariant.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let reading = ReadingRecord::start();
        let r = TaskIn::deserialize(d)?;
        let Format = r.format;
        reading
            .finish(RecordKind::Task)
            .map_err(serde::de::Error::custom)?;
        let task = Task {
            data: Arc::new(data::Task {
                id: r.id,
                regarding: r.regarding,
                contact: r.contact,
                subject: r.subject,
                owner: r.owner,
                due: r.due,
                status: r.status,
                created_at: r.created_at,
                created_by: r.created_by,
                closed: r.closed,
                erased: r.erased,
                custom: r.custom,
                relinks: r.relinks,
            }),
        };
        task.check().map_err(serde::de::Error::custom)?;
        Ok(task)
    }
}
