//! Stale work: deals gone quiet in their stage, new leads left without an answer and tasks
//! past due, found by pure functions of the records, a [`StalePolicy`] and `now`. No timers
//! and no I/O: the application calls [`find_stale`] (or feeds a [`StaleCheck`] from a store's
//! scan) when it wants to know, and acts on the [`Stale`] items it gets, each with the next
//! step of the policy's escalation ladder.
//!
//! An open opportunity's clock starts when it enters its stage; an activity about it resets the
//! clock when the policy says so ([`StalePolicy::activities_reset_the_clock`]). A task planned
//! for later does not: a next step far in the future does not stop a deal from going stale,
//! and neither does an edit (a hand-off, a revision, an override): a deal handed over is as
//! quiet as it was. A new lead's clock starts when it is opened; it is answered by its first touch (which moves it
//! out of `New`), or by an activity about it when activities reset the clock. An open task is
//! stale once it is past due: its instant, or the end of its day where its owner is.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Offset, TimeDelta, Utc};
use hashbrown::HashMap;

use crate::context::Zones;
use crate::custom::FieldKey;
use crate::fields::FieldSchema;
use crate::id::{LeadId, OpportunityId, TaskId};
use crate::opportunity::{OpenStage, OpportunityEvidence, OpportunityStage, Placement};
use crate::record::{AnyLead, Record, RecordId};
use crate::task::{Due, Task};
use crate::text::User;

/// What to do about a stale item, step by step: the rungs of an escalation ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Escalation {
    /// Remind the record's owner.
    RemindOwner,
    /// Tell the owner's manager.
    NotifyManager,
    /// Hand the record to someone else.
    Reassign,
}

impl Escalation {
    /// The lowercase name: `"remind_owner"`, `"notify_manager"`, `"reassign"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Escalation::RemindOwner => "remind_owner",
            Escalation::NotifyManager => "notify_manager",
            Escalation::Reassign => "reassign",
        }
    }
}

impl fmt::Display for Escalation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// When work goes stale, and what to do then. Thresholds are [`Duration`]s, never negative; a
/// stage without a threshold never goes stale.
///
/// ```
/// use std::time::Duration;
/// use prospect::stale::{Escalation, StalePolicy};
/// use prospect::state::{Discovery, Negotiation, Proposal};
/// const DAY: Duration = Duration::from_secs(24 * 3600);
/// let policy = StalePolicy::new()
///     .stale_after::<Discovery>(14 * DAY)
///     .stale_after::<Proposal>(7 * DAY)
///     .stale_after::<Negotiation>(5 * DAY)
///     .first_response_within(4 * Duration::from_secs(3600))
///     .escalate_after(Duration::ZERO, Escalation::RemindOwner)
///     .escalate_after(2 * DAY, Escalation::NotifyManager)
///     .escalate_after(5 * DAY, Escalation::Reassign);
/// assert_eq!(policy.next_step(3 * DAY), Some(Escalation::NotifyManager));
/// ```
#[derive(Clone)]
pub struct StalePolicy {
    thresholds: BTreeMap<OpportunityStage, Duration>,
    /// Per pipeline, per custom stage.
    custom: BTreeMap<FieldKey, BTreeMap<FieldKey, Duration>>,
    first_response: Option<Duration>,
    activities_reset: bool,
    /// Rungs by how long past its threshold an item is, ascending.
    ladder: BTreeMap<Duration, Escalation>,
    /// Where task owners are, for when a day ends for them.
    zones: Arc<dyn Zones>,
}

impl fmt::Debug for StalePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StalePolicy")
            .field("thresholds", &self.thresholds)
            .field("custom", &self.custom)
            .field("first_response", &self.first_response)
            .field("activities_reset", &self.activities_reset)
            .field("ladder", &self.ladder)
            .finish_non_exhaustive()
    }
}

impl Default for StalePolicy {
    fn default() -> StalePolicy {
        StalePolicy::new()
    }
}

impl StalePolicy {
    /// A policy under which nothing goes stale, activities reset the clock, and the ladder is
    /// empty.
    pub fn new() -> StalePolicy {
        StalePolicy {
            thresholds: BTreeMap::new(),
            custom: BTreeMap::new(),
            first_response: None,
            activities_reset: true,
            ladder: BTreeMap::new(),
            zones: Arc::new(Utc.fix()),
        }
    }

    /// Where task owners are: a task due on a day is overdue once that day is over in its
    /// owner's offset from UTC (UTC for everyone by default).
    pub fn with_zones(self, zones: impl Zones + 'static) -> StalePolicy {
        StalePolicy {
            zones: Arc::new(zones),
            ..self
        }
    }

    /// An opportunity in the open stage `S` goes stale when idle longer than `threshold`.
    pub fn stale_after<S: OpenStage>(mut self, threshold: Duration) -> StalePolicy {
        self.thresholds.insert(S::STAGE, threshold);
        self
    }

    /// An opportunity in the custom stage `stage` of `pipeline` goes stale when idle longer
    /// than `threshold` in it, whatever its backbone stage's threshold.
    pub fn stale_after_custom(
        mut self,
        pipeline: FieldKey,
        stage: FieldKey,
        threshold: Duration,
    ) -> StalePolicy {
        self.custom
            .entry(pipeline)
            .or_default()
            .insert(stage, threshold);
        self
    }

    /// The stale-after time of every custom stage of `schema`'s pipelines that has one
    /// ([`PipelineStage::stale_after`](crate::fields::PipelineStage::stale_after), in days),
    /// as [`stale_after_custom`](Self::stale_after_custom) would set it. An opportunity in a
    /// custom stage without one follows its backbone stage's threshold.
    pub fn with_pipelines(self, schema: &FieldSchema) -> StalePolicy {
        const DAY: u64 = 24 * 3600;
        let mut policy = self;
        for pipeline in schema.pipelines() {
            for stage in pipeline.stages() {
                if let Some(days) = stage.stale_after() {
                    let threshold = Duration::from_secs(u64::from(days) * DAY);
                    policy = policy.stale_after_custom(
                        pipeline.key().clone(),
                        stage.key().clone(),
                        threshold,
                    );
                }
            }
        }
        policy
    }

    /// A new lead must be answered within `threshold` of being opened.
    pub fn first_response_within(self, threshold: Duration) -> StalePolicy {
        StalePolicy {
            first_response: Some(threshold),
            ..self
        }
    }

    /// Whether an activity about a record resets its clock (by default it does); when not,
    /// only a change of stage does.
    pub fn activities_reset_the_clock(self, reset: bool) -> StalePolicy {
        StalePolicy {
            activities_reset: reset,
            ..self
        }
    }

    /// A rung of the ladder: an item `overdue` or more past its threshold gets `step` (the rung
    /// with the longest delay it has reached). Giving a delay again replaces its step.
    pub fn escalate_after(mut self, overdue: Duration, step: Escalation) -> StalePolicy {
        self.ladder.insert(overdue, step);
        self
    }

    /// The threshold of `stage`, if it has one.
    pub fn threshold(&self, stage: OpportunityStage) -> Option<Duration> {
        self.thresholds.get(&stage).copied()
    }

    /// The threshold of the custom stage `stage` of `pipeline`, if it has one of its own.
    pub fn custom_threshold(&self, pipeline: &FieldKey, stage: &FieldKey) -> Option<Duration> {
        self.custom.get(pipeline)?.get(stage).copied()
    }

    /// The next step for an item `overdue` past its threshold: the rung with the longest delay
    /// not above it, if any.
    pub fn next_step(&self, overdue: Duration) -> Option<Escalation> {
        self.ladder
            .range(..=overdue)
            .next_back()
            .map(|(_, step)| *step)
    }
}

/// Why an item is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Breach {
    /// An open opportunity has been idle in its stage longer than the stage allows.
    Rotting {
        /// The opportunity.
        opportunity: OpportunityId,
        /// Its stage.
        stage: OpportunityStage,
    },
    /// A new lead has not been answered within the first-response time.
    Unanswered {
        /// The lead.
        lead: LeadId,
    },
    /// An open task is past due: its instant passed, or its day ended where its owner is.
    Overdue {
        /// The task.
        task: TaskId,
    },
}

/// A stale item: the breach, whose it is, since when the record has been idle, by how much it
/// is past its threshold, and the ladder's next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// What is stale, and why.
    pub breach: Breach,
    /// The record's owner, if it has one.
    pub owner: Option<User>,
    /// When its clock last started: entering its stage, being opened, or its latest activity.
    pub idle_since: DateTime<Utc>,
    /// The threshold it passed.
    pub threshold: Duration,
    /// How long past the threshold it is.
    pub overdue: Duration,
    /// The escalation ladder's step for it, if the ladder has one that far.
    pub next_step: Option<Escalation>,
    /// The custom stage a rotting opportunity is idle in, when it is in one (its clock
    /// started when it entered it; its threshold is the custom stage's when the policy has
    /// one).
    pub custom_stage: Option<Placement>,
}

impl Breach {
    /// The stale record.
    pub fn record(&self) -> RecordId {
        match *self {
            Breach::Rotting { opportunity, .. } => RecordId::Opportunity(opportunity),
            Breach::Unanswered { lead } => RecordId::Lead(lead),
            Breach::Overdue { task } => RecordId::Task(task),
        }
    }
}

impl Stale {
    /// The stale record.
    pub fn record(&self) -> RecordId {
        self.breach.record()
    }
}

/// A record that may go stale, as much of it as the check needs; `O` is how it holds the
/// owner (borrowed from the record, or owned when the record is gone).
#[derive(Debug)]
struct Candidate<O> {
    breach: Breach,
    owner: O,
    clock_started: DateTime<Utc>,
    threshold: Duration,
    custom_stage: Option<Placement>,
}

impl StalePolicy {
    /// `record` as a candidate under this policy: an open opportunity in a stage with a
    /// threshold, or a new lead when there is a first-response time.
    fn candidate<'r>(&self, record: &'r Record) -> Option<Candidate<Option<&'r User>>> {
        match record {
            Record::Opportunity(o) => {
                let stage = o.stage();
                let custom = o.custom_stage();
                let threshold = custom
                    .and_then(|p| self.custom_threshold(p.pipeline(), p.stage()))
                    .or_else(|| self.threshold(stage))?;
                // In a custom stage, the clock starts when it entered it: its newest move
                // between custom stages, or the typed step that landed it there.
                let entered = match custom {
                    None => o.history().last_move()?,
                    Some(_) => o.history().newest_first().find(|t| {
                        t.from() != Some(t.to())
                            || matches!(t.evidence(), OpportunityEvidence::StageMoved(_))
                    })?,
                };
                Some(Candidate {
                    breach: Breach::Rotting {
                        opportunity: o.id(),
                        stage,
                    },
                    owner: o.owner(),
                    clock_started: entered.at(),
                    threshold,
                    custom_stage: custom.cloned(),
                })
            }
            Record::Lead(AnyLead::New(lead)) => Some(Candidate {
                breach: Breach::Unanswered { lead: lead.id() },
                owner: lead.owner(),
                clock_started: lead.created_at(),
                threshold: self.first_response?,
                custom_stage: None,
            }),
            Record::Task(task) if task.is_open() => Some(Candidate {
                breach: Breach::Overdue { task: task.id() },
                owner: Some(task.owner()),
                clock_started: self.due_instant(task)?,
                threshold: Duration::ZERO,
                custom_stage: None,
            }),
            _ => None,
        }
    }

    /// When `task` falls due: its instant, or the end of its day where its owner is (at the
    /// moment the day ends); `None` past the last day `chrono` represents.
    fn due_instant(&self, task: &Task) -> Option<DateTime<Utc>> {
        match task.due() {
            Due::By(at) => Some(at),
            Due::On(day) => {
                let midnight = day.succ_opt()?.and_hms_opt(0, 0, 0)?;
                let utc_guess = midnight.and_utc();
                let offset = self.zones.offset(task.owner(), utc_guess);
                let end = midnight.and_local_timezone(offset).single()?;
                Some(end.with_timezone(&Utc))
            }
        }
    }

    /// The candidate, stale at `now` given the latest activities, with `owner`; `None` when it
    /// is within its threshold.
    fn judge<O>(
        &self,
        candidate: Candidate<O>,
        latest_activity: &HashMap<RecordId, DateTime<Utc>>,
        now: DateTime<Utc>,
        owner: impl FnOnce(O) -> Option<User>,
    ) -> Option<Stale> {
        let idle_since = match latest_activity.get(&candidate.breach.record()) {
            Some(at) => (*at).max(candidate.clock_started),
            None => candidate.clock_started,
        };
        let idle = now.signed_duration_since(idle_since);
        let threshold = as_delta(candidate.threshold);
        if idle <= threshold {
            return None;
        }
        // Both are at least zero here, so the difference is too.
        let overdue = (idle - threshold).to_std().unwrap_or(Duration::ZERO);
        Some(Stale {
            breach: candidate.breach,
            owner: owner(candidate.owner),
            idle_since,
            threshold: candidate.threshold,
            overdue,
            next_step: self.next_step(overdue),
            custom_stage: candidate.custom_stage,
        })
    }

    /// Takes the activity `record` into the latest activity per record, when activities
    /// reset the clock.
    fn note_activity(&self, record: &Record, latest: &mut HashMap<RecordId, DateTime<Utc>>) {
        if let (Record::Activity(a), true) = (record, self.activities_reset) {
            let at = latest
                .entry(a.regarding().into())
                .or_insert(a.occurred_at());
            *at = (*at).max(a.occurred_at());
        }
    }
}

/// Stale work, found one record at a time: [`add`](Self::add) every record (from a store's
/// scan, say, in any order), then [`finish`](Self::finish). It keeps only the open records that
/// can go stale and the latest activity per record.
#[derive(Debug)]
pub struct StaleCheck<'p> {
    policy: &'p StalePolicy,
    latest_activity: HashMap<RecordId, DateTime<Utc>>,
    candidates: Vec<Candidate<Option<User>>>,
}

impl<'p> StaleCheck<'p> {
    /// A check under `policy`, with no record yet.
    pub fn new(policy: &'p StalePolicy) -> StaleCheck<'p> {
        StaleCheck {
            policy,
            latest_activity: HashMap::new(),
            candidates: Vec::new(),
        }
    }

    /// Takes `record` into account: an open opportunity in a stage with a threshold, a new lead
    /// when there is a first-response time, an activity; any other record changes nothing.
    pub fn add(&mut self, record: &Record) {
        if let Some(c) = self.policy.candidate(record) {
            self.candidates.push(Candidate {
                owner: c.owner.cloned(),
                breach: c.breach,
                clock_started: c.clock_started,
                threshold: c.threshold,
                custom_stage: c.custom_stage,
            });
        }
        self.policy.note_activity(record, &mut self.latest_activity);
    }

    /// The stale items at `now`, in the order their records were added.
    pub fn finish(self, now: DateTime<Utc>) -> Vec<Stale> {
        let (policy, latest) = (self.policy, &self.latest_activity);
        self.candidates
            .into_iter()
            .filter_map(|c| policy.judge(c, latest, now, |owner| owner))
            .collect()
    }
}

/// A threshold as a signed span; one too long for `chrono` is as long as it can be.
fn as_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// The stale items among `records` at `now` under `policy`, in the order of `records`.
/// `records` should hold the activities about them, or none will reset a clock; they are read
/// twice (the activities first). To see the most overdue first:
/// `stale.sort_by_key(|s| std::cmp::Reverse(s.overdue))`.
pub fn find_stale<'a, I>(records: I, policy: &StalePolicy, now: DateTime<Utc>) -> Vec<Stale>
where
    I: IntoIterator<Item = &'a Record>,
    I::IntoIter: Clone,
{
    let records = records.into_iter();
    let mut latest = HashMap::new();
    if policy.activities_reset {
        for record in records.clone() {
            policy.note_activity(record, &mut latest);
        }
    }
    records
        .filter_map(|record| policy.candidate(record))
        .filter_map(|c| policy.judge(c, &latest, now, Option::<&User>::cloned))
        .collect()
}

/// How many stale items there are per stage, how many new leads wait for an answer, how many
/// tasks are past due, and how many items each owner has: what the funnel report shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaleCounts {
    /// Rotting opportunities per stage.
    pub by_stage: BTreeMap<OpportunityStage, u64>,
    /// Rotting opportunities in a custom stage, per pipeline and custom stage (each also
    /// counted in `by_stage`, under its backbone stage).
    pub by_custom_stage: BTreeMap<FieldKey, BTreeMap<FieldKey, u64>>,
    /// New leads without an answer.
    pub unanswered_leads: u64,
    /// Open tasks past due.
    pub overdue_tasks: u64,
    /// Stale items per owner (`None`: unowned).
    pub by_owner: BTreeMap<Option<User>, u64>,
}

impl StaleCounts {
    /// The counts of `stale`.
    pub fn of(stale: &[Stale]) -> StaleCounts {
        let mut counts = StaleCounts::default();
        for item in stale {
            match item.breach {
                Breach::Rotting { stage, .. } => {
                    *counts.by_stage.entry(stage).or_default() += 1;
                    if let Some(p) = &item.custom_stage {
                        let pipeline = counts.by_custom_stage.entry(p.pipeline().clone());
                        *pipeline.or_default().entry(p.stage().clone()).or_default() += 1;
                    }
                }
                Breach::Unanswered { .. } => counts.unanswered_leads += 1,
                Breach::Overdue { .. } => counts.overdue_tasks += 1,
            }
            *counts.by_owner.entry(item.owner.clone()).or_default() += 1;
        }
        counts
    }

    /// How many items in all.
    pub fn total(&self) -> u64 {
        self.by_stage.values().sum::<u64>() + self.unanswered_leads + self.overdue_tasks
    }
}
