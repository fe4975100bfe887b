//! Activities: the calls, meetings, emails and notes of a team's daily work, each a record of
//! its own about a contact, an open lead or an open opportunity.
//!
//! An activity is not part of the history of the record it is about: a record worked for years
//! does not grow with its calls, and a lead's funnel contribution stays computed from its last
//! transition. It is made once and never changes, except that erasing its contact erases its
//! text.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::contact::Contact;
use crate::context::Context;
use crate::custom::CustomFields;
use crate::error::{Field, RecordError, ValidationError};
use crate::format::{Format, ReadingRecord};
use crate::id::{ActivityId, ContactId, LeadId, OpportunityId};
use crate::kind::RecordKind;
use crate::lead::{Channel, Lead, OpenLeadState};
use crate::opportunity::{OpenStage, Opportunity};
use crate::relink::Relinks;
use crate::text::{ERASED_TEXT, Note, Summary, User};

/// What kind of work an activity was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// A phone or video call.
    Call,
    /// A meeting, in person or online.
    Meeting,
    /// An email sent or received.
    Email,
    /// A note for the record: what was learnt, decided or agreed outside a call or meeting.
    Note,
}

impl ActivityKind {
    /// Every kind.
    pub const ALL: [ActivityKind; 4] = [
        ActivityKind::Call,
        ActivityKind::Meeting,
        ActivityKind::Email,
        ActivityKind::Note,
    ];

    /// The lowercase name, as serialised: `"call"`, `"meeting"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Call => "call",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Email => "email",
            ActivityKind::Note => "note",
        }
    }
}

impl fmt::Display for ActivityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The record an activity is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Regarding {
    /// A contact.
    Contact(ContactId),
    /// A lead (open when the activity was logged).
    Lead(LeadId),
    /// An opportunity (open when the activity was logged).
    Opportunity(OpportunityId),
}

/// What happened, as the person who logs it says: the kind, a summary, and optionally when
/// (now by default), by which channel and with what outcome. Every part is validated by its
/// type, so the fields are public.
///
/// ```
/// use prospect::*;
/// let details = ActivityDetails::new(ActivityKind::Call, Summary::new("Walked through pricing")?)
///     .with_outcome(Note::new("Wants a quote for 40 seats")?);
/// assert_eq!(details.kind, ActivityKind::Call);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityDetails {
    /// What kind of work it was.
    pub kind: ActivityKind,
    /// What it was about, in one line.
    pub summary: Summary,
    /// When it happened; when the activity is logged if `None`. Never after it is logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<DateTime<Utc>>,
    /// How it happened, when the kind does not say it all (a meeting held by video call is
    /// `Channel::Call`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// What came of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Note>,
}

impl ActivityDetails {
    /// An activity of `kind` about `summary`, happening when it is logged.
    pub fn new(kind: ActivityKind, summary: Summary) -> ActivityDetails {
        ActivityDetails {
            kind,
            summary,
            occurred_at: None,
            channel: None,
            outcome: None,
        }
    }

    /// The same, having happened at `at` (not after it is logged).
    pub fn at(self, at: DateTime<Utc>) -> ActivityDetails {
        ActivityDetails {
            occurred_at: Some(at),
            ..self
        }
    }

    /// The same, by `channel`.
    pub fn via(self, channel: Channel) -> ActivityDetails {
        ActivityDetails {
            channel: Some(channel),
            ..self
        }
    }

    /// The same, with what came of it.
    pub fn with_outcome(self, outcome: Note) -> ActivityDetails {
        ActivityDetails {
            outcome: Some(outcome),
            ..self
        }
    }
}

/// A call, meeting, email or note, logged about a contact, an open lead or an open opportunity.
///
/// Made by [`Activity::on_contact`], [`Activity::on_lead`] and [`Activity::on_opportunity`]:
/// a lead or opportunity must be in an open state, which its type says (an activity on a
/// converted lead or a won opportunity does not compile). Cloning shares its data.
///
/// ```
/// use prospect::*;
/// let ctx = Context::system(User::new("claire")?);
/// let contact = Contact::create(
///     ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Web),
///     &ctx,
/// );
/// let lead = Lead::open(&contact, Interest::new(Summary::new("A CRM")?, BuyingRole::User), &ctx);
/// let call = Activity::on_lead(
///     &lead,
///     ActivityDetails::new(ActivityKind::Call, Summary::new("First call")?),
///     &ctx,
/// )?;
/// assert_eq!(call.regarding(), Regarding::Lead(lead.id()));
/// assert_eq!(call.contact(), contact.id());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Activity {
    data: Arc<data::Activity>,
}

mod data {
    use super::*;

    /// The activity itself, shared between the copies of a [`super::Activity`].
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct Activity {
        pub(super) id: ActivityId,
        pub(super) regarding: Regarding,
        pub(super) contact: ContactId,
        pub(super) kind: ActivityKind,
        pub(super) summary: Summary,
        pub(super) occurred_at: DateTime<Utc>,
        pub(super) channel: Option<Channel>,
        pub(super) outcome: Option<Note>,
        pub(super) by: User,
        pub(super) logged_at: DateTime<Utc>,
        /// Whether its contact's personal data was erased, and with it its text.
        pub(super) erased: bool,
        pub(super) custom: CustomFields,
        /// The merges that moved it to another contact.
        pub(super) relinks: Relinks,
    }
}

impl Activity {
    /// Logs an activity about `contact`, by the context's actor.
    ///
    /// # Errors
    ///
    /// For [`Field::OccurredAt`]: [`ValidationError::InFuture`] when it happened after now,
    /// [`ValidationError::OutOfWindow`] when it happened before the context's
    /// [`DatePolicy`](crate::DatePolicy) looks back.
    pub fn on_contact(
        contact: &Contact,
        details: ActivityDetails,
        ctx: &Context<'_>,
    ) -> Result<Activity, ValidationError> {
        Activity::log(Regarding::Contact(contact.id()), contact.id(), details, ctx)
    }

    /// Logs an activity about `lead`, which is open (its type says so), by the context's actor.
    ///
    /// # Errors
    ///
    /// For [`Field::OccurredAt`]: [`ValidationError::InFuture`] when it happened after now,
    /// [`ValidationError::OutOfWindow`] when it happened before the context's
    /// [`DatePolicy`](crate::DatePolicy) looks back.
    pub fn on_lead<S: OpenLeadState>(
        lead: &Lead<S>,
        details: ActivityDetails,
        ctx: &Context<'_>,
    ) -> Result<Activity, ValidationError> {
        Activity::log(Regarding::Lead(lead.id()), lead.contact(), details, ctx)
    }

    /// Logs an activity about `opportunity`, which is open (its type says so), by the context's
    /// actor.
    ///
    /// # Errors
    ///
    /// For [`Field::OccurredAt`]: [`ValidationError::InFuture`] when it happened after now,
    /// [`ValidationError::OutOfWindow`] when it happened before the context's
    /// [`DatePolicy`](crate::DatePolicy) looks back.
    pub fn on_opportunity<S: OpenStage>(
        opportunity: &Opportunity<S>,
        details: ActivityDetails,
        ctx: &Context<'_>,
    ) -> Result<Activity, ValidationError> {
        Activity::log(
            Regarding::Opportunity(opportunity.id()),
            opportunity.contact(),
            details,
            ctx,
        )
    }

    fn log(
        regarding: Regarding,
        contact: ContactId,
        details: ActivityDetails,
        ctx: &Context<'_>,
    ) -> Result<Activity, ValidationError> {
        let now = ctx.now();
        let occurred_at = details.occurred_at.unwrap_or(now);
        if occurred_at > now {
            return Err(ValidationError::InFuture {
                field: Field::OccurredAt,
                at: occurred_at,
                now,
            });
        }
        ctx.dates().happened(
            Field::OccurredAt,
            ctx.date_at(occurred_at),
            ctx.day_at(now),
            None,
        )?;
        Ok(Activity {
            data: Arc::new(data::Activity {
                id: ActivityId::generate(ctx.ids()),
                regarding,
                contact,
                kind: details.kind,
                summary: details.summary,
                occurred_at,
                channel: details.channel,
                outcome: details.outcome,
                by: ctx.actor().clone(),
                logged_at: now,
                erased: false,
                custom: CustomFields::new(),
                relinks: Relinks::default(),
            }),
        })
    }

    /// The activity's id.
    pub fn id(&self) -> ActivityId {
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

    /// What kind of work it was.
    pub fn kind(&self) -> ActivityKind {
        self.data.kind
    }

    /// What it was about.
    pub fn summary(&self) -> &Summary {
        &self.data.summary
    }

    /// When it happened.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.data.occurred_at
    }

    /// How it happened, if the one who logged it said.
    pub fn channel(&self) -> Option<Channel> {
        self.data.channel
    }

    /// What came of it, if anything was said.
    pub fn outcome(&self) -> Option<&Note> {
        self.data.outcome.as_ref()
    }

    /// Who did it (and logged it).
    pub fn by(&self) -> &User {
        &self.data.by
    }

    /// When it was logged.
    pub fn logged_at(&self) -> DateTime<Utc> {
        self.data.logged_at
    }

    /// Whether its contact's personal data was erased, and with it the activity's text.
    pub fn is_erased(&self) -> bool {
        self.data.erased
    }

    /// The same activity with its text erased: the summary becomes the tombstone, an outcome
    /// too; kind, times, channel and ids stay.
    pub(crate) fn erase_personal_data(&self) -> Activity {
        self.scrubbed(true)
    }

    /// The same activity with its text redacted, keeping its erased mark: what a principal
    /// without the right to read personal data sees.
    pub(crate) fn redacted(&self) -> Activity {
        self.scrubbed(self.data.erased)
    }

    /// The same activity with its text erased, marked `erased`. Every field is named: a new
    /// field is kept or erased by a decision written here (an allow-list).
    fn scrubbed(&self, erased: bool) -> Activity {
        let a = &*self.data;
        Activity {
            data: Arc::new(data::Activity {
                id: a.id,
                regarding: a.regarding,
                contact: a.contact,
                kind: a.kind,
                summary: Summary::erased(),
                occurred_at: a.occurred_at,
                channel: a.channel,
                outcome: a.outcome.as_ref().map(|_| Note::erased()),
                by: a.by.clone(),
                logged_at: a.logged_at,
                erased,
                custom: a.custom.erased(),
                relinks: a.relinks.clone(),
            }),
        }
    }

    /// Checks the invariants of a stored activity.
    pub(crate) fn check(&self) -> Result<(), RecordError> {
        let invariant = |field, problem| {
            Err(RecordError::Invariant {
                record: RecordKind::Activity,
                field,
                problem,
            })
        };
        let a = &*self.data;
        if a.occurred_at > a.logged_at {
            return invariant("occurred_at", "after the activity was logged");
        }
        if let Regarding::Contact(contact) = a.regarding {
            if contact != a.contact {
                return invariant("contact", "differs from the contact it is about");
            }
        }
        let tombstone = |text: &str| text == ERASED_TEXT;
        if a.erased
            && (!tombstone(a.summary.as_str())
                || a.outcome.as_ref().is_some_and(|o| !tombstone(o.as_str())))
        {
            return invariant("summary", "an erased activity still holds its text");
        }
        self.data
            .custom
            .check(self.own_entries(), self.data.erased)
            .map_err(|problem| RecordError::Custom {
                record: RecordKind::Activity,
                problem,
            })?;
        let entries = self.own_entries() + self.data.custom.edits().len();
        self.data
            .relinks
            .check(RecordKind::Activity, self.data.contact, entries)
    }

    /// How many entries its own history has: its logging.
    pub(crate) fn own_entries(&self) -> usize {
        1
    }

    /// Its custom fields.
    pub fn custom_fields(&self) -> &CustomFields {
        &self.data.custom
    }

    /// The same activity with `custom` as its custom fields.
    pub(crate) fn with_custom_fields(mut self, custom: CustomFields) -> Activity {
        Arc::make_mut(&mut self.data).custom = custom;
        self
    }

    /// The merges that moved it to another contact, oldest first.
    pub fn relinks(&self) -> &[crate::relink::Relink] {
        self.data.relinks.as_slice()
    }

    /// The same activity moved to contact `to` by a merge or its undo: an entry of its
    /// history.
    pub(crate) fn relinked(mut self, step: &crate::relink::Step<'_>, to: ContactId) -> Activity {
        let entries = self.own_entries() + self.data.custom.edits().len();
        let data = Arc::make_mut(&mut self.data);
        move_work(
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

/// Moves work (an activity or a task) to contact `to`, by a merge or its undo: its relinks get
/// the entry (after `entries` others), its contact changes, and so does what it is about when
/// that is the contact itself (work about a lead or an opportunity stays about it).
pub(crate) fn move_work(
    regarding: &mut Regarding,
    contact: &mut ContactId,
    relinks: &mut Relinks,
    step: &crate::relink::Step<'_>,
    to: ContactId,
    entries: usize,
) {
    *relinks = relinks.pushed(step, *contact, to, entries);
    if *regarding == Regarding::Contact(*contact) {
        *regarding = Regarding::Contact(to);
    }
    *contact = to;
}

impl fmt::Debug for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.data, f)
    }
}

/// An activity as serialised: its fields in this order.
#[derive(Serialize)]
struct ActivityOut<'a> {
    format: Format,
    id: ActivityId,
    regarding: Regarding,
    contact: ContactId,
    kind: ActivityKind,
    summary: &'a Summary,
    occurred_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: &'a Option<Note>,
    by: &'a User,
    logged_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    erased: bool,
    #[serde(skip_serializing_if = "CustomFields::is_empty")]
    custom: &'a CustomFields,
    #[serde(skip_serializing_if = "Relinks::is_empty")]
    relinks: &'a Relinks,
}

impl Serialize for Activity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = &*self.data;
        ActivityOut {
            format: Format,
            id: a.id,
            regarding: a.regarding,
            contact: a.contact,
            kind: a.kind,
            summary: &a.summary,
            occurred_at: a.occurred_at,
            channel: a.channel,
            outcome: &a.outcome,
            by: &a.by,
            logged_at: a.logged_at,
            erased: a.erased,
            custom: &a.custom,
            relinks: &a.relinks,
        }
        .serialize(s)
    }
}

/// An activity as deserialised, before it is validated.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityIn {
    /// Required: every record of this kind was written with it (format 0's leniency is for
    /// the kinds that existed before the field).
    format: Format,
    id: ActivityId,
    regarding: Regarding,
    contact: ContactId,
    kind: ActivityKind,
    summary: Summary,
    occurred_at: DateTime<Utc>,
    #[serde(default)]
    channel: Option<Channel>,
    #[serde(default)]
    outcome: Option<Note>,
    by: User,
    logged_at: DateTime<Utc>,
    #[serde(default)]
    erased: bool,
    #[serde(default)]
    custom: CustomFields,
    #[serde(default)]
    relinks: Relinks,
}

impl<'de> Deserialize<'de> for Activity {
    /// Reads an activity, refusing one that breaks an invariant.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let reading = ReadingRecord::start();
        let r = ActivityIn::deserialize(d)?;
        let Format = r.format;
        reading
            .finish(RecordKind::Activity)
            .map_err(serde::de::Error::custom)?;
        let activity = Activity {
            data: Arc::new(data::Activity {
                id: r.id,
                regarding: r.regarding,
                contact: r.contact,
                kind: r.kind,
                summary: r.summary,
                occurred_at: r.occurred_at,
                channel: r.channel,
                outcome: r.outcome,
                by: r.by,
                logged_at: r.logged_at,
                erased: r.erased,
                custom: r.custom,
                relinks: r.relinks,
            }),
        };
        activity.check().map_err(serde::de::Error::custom)?;
        Ok(activity)
    }
}
