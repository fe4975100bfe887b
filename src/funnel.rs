//! Funnel analytics: a [`PipelineReport`] of counts, conversion rates, durations, pipeline value,
//! breakdowns and reasons, computed from records in one pass or kept up to date one transition
//! at a time.

use std::collections::{BTreeMap, HashMap};

use crate::account::Account;
use crate::activity::Activity;
use crate::contact::{Contact, LeadSource};
use crate::id::ContactId;
use crate::kind::RecordKind;
use crate::lead::{DisqualifyCategory, Lead, LeadData, LeadEvidence};
use crate::money::Money;
use crate::opportunity::{LossCategory, Opportunity, OpportunityData, OpportunityEvidence};
use crate::record::{AnyLead, AnyOpportunity, Record};
use crate::stale::{Stale, StaleCounts};
use crate::state::{LeadState, LeadStatus, OpportunityStage, OpportunityState};
use crate::store::{AsyncStore, Store, Versioned};
use crate::text::User;

mod grouped;
mod json;
mod measures;
mod pipelines;
mod render;
mod scope;

pub use grouped::GroupedReport;
pub use json::REPORT_SCHEMA;
pub use measures::{Amounts, Durations};
pub use pipelines::{PipelineBreakdown, StageBreakdown};
pub use scope::{ConversionError, Rates, Scope};

/// The stages of the funnel, each contact being counted at the furthest it reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FunnelStage {
    /// A contact with no lead.
    Contact,
    /// A contact with a lead, but no opportunity.
    Lead,
    /// A contact with an opportunity, none won.
    Opportunity,
    /// A contact with a won opportunity: a customer.
    Customer,
}

impl FunnelStage {
    /// Every stage, from the top of the funnel.
    pub const ALL: [FunnelStage; 4] = [
        FunnelStage::Contact,
        FunnelStage::Lead,
        FunnelStage::Opportunity,
        FunnelStage::Customer,
    ];

    /// The stage's key, as the report's JSON names it: `contacts`, `leads`, `opportunities`,
    /// `customers`.
    pub fn key(self) -> &'static str {
        match self {
            FunnelStage::Contact => "contacts",
            FunnelStage::Lead => "leads",
            FunnelStage::Opportunity => "opportunities",
            FunnelStage::Customer => "customers",
        }
    }

    /// The stage's name, plural: `Contacts`, `Leads`, `Opportunities`, `Customers`.
    pub fn label(self) -> &'static str {
        match self {
            FunnelStage::Contact => "Contacts",
            FunnelStage::Lead => "Leads",
            FunnelStage::Opportunity => "Opportunities",
            FunnelStage::Customer => "Customers",
        }
    }
}

/// Counts for one lead source or one owner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breakdown {
    /// Leads, in any state.
    pub leads: u64,
    /// Leads converted into opportunities.
    pub converted: u64,
    /// Opportunities, in any stage.
    pub opportunities: u64,
    /// Opportunities won.
    pub won: u64,
    /// Opportunities lost.
    pub lost: u64,
    /// The amounts of the opportunities won.
    pub won_value: Amounts,
}

impl Breakdown {
    fn is_empty(&self) -> bool {
        self.leads == 0 && self.opportunities == 0 && self.won_value.is_empty()
    }

    /// Opportunities won out of those closed, if any closed.
    pub fn win_rate(&self) -> Option<f64> {
        ratio(self.won, self.won + self.lost)
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// What one record adds to a [`PipelineReport`]: computed from the record alone, in constant
/// time (it reads only the last entry of the history). Take it before a transition and after,
/// and [`replace`](PipelineReport::replace) the one with the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution(Part);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Contact(ContactId),
    Lead {
        contact: ContactId,
        status: LeadStatus,
        source: LeadSource,
        owner: Option<User>,
        converted_after: Option<i64>,
        disqualified: Option<DisqualifyCategory>,
    },
    Opportunity {
        contact: ContactId,
        stage: OpportunityStage,
        source: LeadSource,
        owner: Option<User>,
        amount: Money,
        weighted: Money,
        closed_after: Option<i64>,
        lost: Option<LossCategory>,
        /// Its pipeline and custom stage, when it is in one (boxed: most are not).
        placed: Option<Box<pipelines::Placed>>,
    },
    Account,
    /// An activity or a task: daily work, not a stage of the funnel.
    Nothing,
}

fn lead_part(data: &LeadData) -> Part {
    let last = data.history.last();
    let since_created = |t: &crate::lead::LeadTransition| (t.at() - data.created_at).num_seconds();
    Part::Lead {
        contact: data.contact,
        status: data.status,
        source: data.source,
        owner: data.owner.clone(),
        converted_after: last
            .filter(|t| matches!(t.evidence(), LeadEvidence::Converted { .. }))
            .map(since_created),
        disqualified: match last.map(|t| t.evidence()) {
            Some(LeadEvidence::Disqualified(reason)) => Some(reason.category),
            _ => None,
        },
    }
}

fn opportunity_part(data: &OpportunityData) -> Part {
    let last = data.history.last();
    Part::Opportunity {
        contact: data.contact,
        stage: data.stage,
        source: data.source,
        owner: data.owner.clone(),
        amount: data.amount,
        weighted: data.amount.percent(data.probability()),
        closed_after: last
            .filter(|_| !data.stage.is_open())
            .map(|t| (t.at() - data.created_at).num_seconds()),
        lost: match last.map(|t| t.evidence()) {
            Some(OpportunityEvidence::Lost(reason)) => Some(reason.category),
            _ => None,
        },
        placed: pipelines::Placed::of(data).map(Box::new),
    }
}

/// A value that counts in a [`PipelineReport`]: every record, typed or not.
pub trait Contributes {
    /// What the value adds to a report.
    fn contribution(&self) -> Contribution;
}

impl Contributes for Contact {
    /// The contact, at the top of the funnel; nothing for a contact merged into another (a
    /// duplicate of its survivor, which holds its records now).
    fn contribution(&self) -> Contribution {
        match self.merged_into() {
            Some(_) => Contribution(Part::Nothing),
            None => Contribution(Part::Contact(self.id())),
        }
    }
}

impl Contributes for Account {
    /// A customer; nothing for an account folded into another by a merge of organizations
    /// (its organization's customer is the survivor's account).
    fn contribution(&self) -> Contribution {
        match self.folded_into() {
            Some(_) => Contribution(Part::Nothing),
            None => Contribution(Part::Account),
        }
    }
}

impl Contributes for Activity {
    /// Nothing: an activity is work on a record, not a stage of the funnel.
    fn contribution(&self) -> Contribution {
        Contribution(Part::Nothing)
    }
}

impl<S: LeadState> Contributes for Lead<S> {
    fn contribution(&self) -> Contribution {
        Contribution(lead_part(self.data()))
    }
}

impl<S: OpportunityState> Contributes for Opportunity<S> {
    fn contribution(&self) -> Contribution {
        Contribution(opportunity_part(self.data()))
    }
}

impl Contributes for AnyLead {
    fn contribution(&self) -> Contribution {
        Contribution(lead_part(self.data()))
    }
}

impl Contributes for AnyOpportunity {
    fn contribution(&self) -> Contribution {
        Contribution(opportunity_part(self.data()))
    }
}

impl Contributes for Record {
    fn contribution(&self) -> Contribution {
        match self {
            Record::Contact(c) => c.contribution(),
            Record::Lead(l) => l.contribution(),
            Record::Opportunity(o) => o.contribution(),
            Record::Account(a) => a.contribution(),
            Record::Activity(a) => a.contribution(),
            Record::Task(_) | Record::Organization(_) | Record::FieldSchema(_) => {
                Contribution(Part::Nothing)
            }
        }
    }
}

impl<T: Contributes> Contributes for Versioned<T> {
    fn contribution(&self) -> Contribution {
        self.value().contribution()
    }
}

/// How far one contact got, to count it once at its furthest stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Reach {
    contact: bool,
    leads: u64,
    opportunities: u64,
    won: u64,
}

impl Reach {
    fn stage(self) -> Option<FunnelStage> {
        if !self.contact {
            None
        } else if self.won > 0 {
            Some(FunnelStage::Customer)
        } else if self.opportunities > 0 {
            Some(FunnelStage::Opportunity)
        } else if self.leads > 0 {
            Some(FunnelStage::Lead)
        } else {
            Some(FunnelStage::Contact)
        }
    }
}

/// The funnel at a glance: counts per kind and state, conversion rates, how long things take,
/// what the open pipeline is worth, breakdowns by source and owner, and the reasons leads are
/// disqualified and opportunities lost.
///
/// Build it from records in one pass ([`from_records`](PipelineReport::from_records),
/// [`from_store`](PipelineReport::from_store)), or keep it up to date one transition at a time
/// with [`add`](PipelineReport::add), [`remove`](PipelineReport::remove) and
/// [`replace`](PipelineReport::replace), each a handful of map updates whatever the number of
/// records (logarithmic at most): both ways give equal reports.
///
/// `Display` renders an aligned table with a bar chart of the funnel; [`to_svg`](Self::to_svg)
/// draws the funnel as an SVG document.
///
/// # As JSON
///
/// `Serialize` gives the report as data, for an endpoint or a dashboard, in this shape
/// (version [`REPORT_SCHEMA`], in `"schema"`; `tests/it/fixtures/report.json` holds a full
/// sample, which a test keeps in step with the code):
///
/// - `contacts`, `accounts`, `unreadable`: counts;
/// - `leads`, `opportunities`: counts per state, every state, in lifecycle order;
/// - `funnel_reached`, `funnel_furthest`: per stage (`contacts`, `leads`, `opportunities`,
///   `customers`), the contacts that reached it, and those that stopped there;
/// - `funnel_conversion`: per stage below the first (`leads`, `opportunities`, `customers`),
///   the contacts that reached it out of those that reached the stage above
///   ([`funnel_conversion`](Self::funnel_conversion)), as a fraction, `null` when undefined;
/// - `conversion`: of records, `leads_converted`, `opportunities_won` and `win_rate`, as
///   fractions, `null` when undefined;
/// - `time`: `lead_to_opportunity` and `opportunity_to_close`, each `{count, mean_days,
///   median_days}`;
/// - `value`: `open`, `weighted`, `won`, each a map from currency code to an exact decimal
///   string in major units (`{"EUR": "36000.00"}`: money is never a float);
/// - `by_source`: a map from source to `{leads, converted, opportunities, won, lost, win_rate,
///   won_value}`; `by_owner`: a list of the same, each with its `owner` (`null`: nobody);
/// - `by_pipeline`: a map from pipeline key to `{opportunities, won, lost, win_rate,
///   open_value, weighted_value, won_value, stages}`, `stages` a map from custom stage key to
///   its open opportunities, `{open, open_value, weighted_value}` ([`PipelineBreakdown`]);
/// - `disqualify_reasons`, `loss_reasons`: lists of `{category, count}`, most frequent first;
/// - `stale`: `null`, or `{total, rotting: {stage: count}, rotting_by_pipeline: {pipeline:
///   {custom stage: count}}, unanswered_leads, overdue_tasks, by_owner: [{owner, count}]}` once
///   [`set_stale`](Self::set_stale) was called.
///
/// ```
/// use prospect::funnel::{PipelineReport, REPORT_SCHEMA};
/// let json = serde_json::to_value(PipelineReport::new())?;
/// assert_eq!(json["schema"], REPORT_SCHEMA);
/// assert_eq!(json["leads"]["working"], 0);
/// assert_eq!(json["conversion"]["win_rate"], serde_json::Value::Null);
/// assert_eq!(json["value"]["won"], serde_json::json!({}));
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// ```
/// use prospect::funnel::{Contributes, FunnelStage, PipelineReport};
/// use prospect::state::LeadStatus;
/// use prospect::memory::MemoryStore;
/// use prospect::*;
/// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll);
/// let me = User::new("claire")?;
/// let mut report = PipelineReport::new();
/// let contact = crm
///     .create_contact(
///         ContactDetails::new(Party::person(PersonName::new("Ada")?), LeadSource::Web),
///         OnDuplicate::Reuse,
///         &me,
///     )?
///     .into_contact();
/// report.add(&contact.contribution());
/// let lead = crm.open_lead(&contact, Interest::new(Summary::new("A CRM")?, BuyingRole::User), &me)?;
/// report.add(&lead.contribution());
/// let before = lead.contribution();
/// let lead = crm.log_touch(lead, Touch::new(Channel::Call, Summary::new("Call")?), &me)?;
/// report.replace(&before, &lead.contribution());
///
/// assert_eq!(report.leads(LeadStatus::Working), 1);
/// assert_eq!(report.furthest(FunnelStage::Lead), 1);
/// assert_eq!(report, PipelineReport::from_store(crm.store())?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineReport {
    contacts: u64,
    accounts: u64,
    leads: [u64; 5],
    opportunities: [u64; 6],
    reach: HashMap<ContactId, Reach>,
    furthest: [u64; 4],
    lead_to_opportunity: Durations,
    opportunity_to_close: Durations,
    open_value: Amounts,
    weighted_value: Amounts,
    won_value: Amounts,
    by_source: BTreeMap<LeadSource, Breakdown>,
    by_owner: BTreeMap<Option<User>, Breakdown>,
    by_pipeline: BTreeMap<crate::custom::FieldKey, PipelineBreakdown>,
    disqualify_reasons: BTreeMap<DisqualifyCategory, u64>,
    loss_reasons: BTreeMap<LossCategory, u64>,
    /// Stored records a scan could not read, and so could not count.
    unreadable: u64,
    /// Stale work, when the report was given it ([`PipelineReport::set_stale`]).
    stale: Option<StaleCounts>,
}

/// The kinds a report counts: the lifecycle's (activities contribute nothing, so a report made
/// from a store does not read them).
pub(crate) const FUNNEL_KINDS: [RecordKind; 4] = [
    RecordKind::Contact,
    RecordKind::Lead,
    RecordKind::Opportunity,
    RecordKind::Account,
];

fn bump(count: &mut u64, sign: i64) {
    *count = if sign > 0 {
        count.saturating_add(1)
    } else {
        count.saturating_sub(1)
    };
}

fn bump_key<K: Ord + Copy>(map: &mut BTreeMap<K, u64>, key: K, sign: i64) {
    let count = map.entry(key).or_insert(0);
    bump(count, sign);
    if *count == 0 {
        map.remove(&key);
    }
}

fn lead_index(status: LeadStatus) -> usize {
    LeadStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or(0)
}

fn stage_index(stage: OpportunityStage) -> usize {
    OpportunityStage::ALL
        .iter()
        .position(|s| *s == stage)
        .unwrap_or(0)
}

fn funnel_index(stage: FunnelStage) -> usize {
    FunnelStage::ALL
        .iter()
        .position(|s| *s == stage)
        .unwrap_or(0)
}

impl PipelineReport {
    /// An empty report.
    pub fn new() -> PipelineReport {
        PipelineReport::default()
    }

    /// The report of `records`, in one pass.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a Record>) -> PipelineReport {
        let mut report = PipelineReport::new();
        for record in records {
            report.add(&record.contribution());
        }
        report
    }

    /// The report of the records of `records` that `scope` includes (a period, a team), in
    /// one pass.
    pub fn from_records_in<'a>(
        records: impl IntoIterator<Item = &'a Record>,
        scope: &Scope,
    ) -> PipelineReport {
        PipelineReport::from_records(records.into_iter().filter(|r| scope.includes(r)))
    }

    /// The report of the records of `store` that `scope` includes, read a page at a time as
    /// [`from_store`](Self::from_store) does.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub fn from_store_in<S: Store + ?Sized>(
        store: &S,
        scope: &Scope,
    ) -> Result<PipelineReport, S::Error> {
        let mut report = PipelineReport::new();
        for kind in FUNNEL_KINDS {
            let scanned = store.scan(kind, &mut |r| {
                if scope.includes(&r) {
                    report.add(&r.contribution());
                }
            })?;
            report.unreadable += scanned.unreadable.len() as u64;
        }
        Ok(report)
    }

    /// The report of every record in `store`, read a page at a time with
    /// [`Store::scan`]: the records are never all in memory at once. A record the store cannot
    /// read is not counted; [`unreadable`](Self::unreadable) says how many there were.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub fn from_store<S: Store + ?Sized>(store: &S) -> Result<PipelineReport, S::Error> {
        PipelineReport::from_store_in(store, &Scope::all())
    }

    /// [`from_store`](Self::from_store) for an [`AsyncStore`].
    ///
    /// # Errors
    ///
    /// The store's error.
    pub async fn from_async_store<S: AsyncStore + ?Sized>(
        store: &S,
    ) -> Result<PipelineReport, S::Error> {
        let mut report = PipelineReport::new();
        for kind in FUNNEL_KINDS {
            let scanned = store
                .scan(kind, &mut |r| report.add(&r.contribution()))
                .await?;
            report.unreadable += scanned.unreadable.len() as u64;
        }
        Ok(report)
    }

    /// Counts `n` more records that could not be read.
    pub(crate) fn count_unreadable(&mut self, n: usize) {
        self.unreadable += n as u64;
    }

    /// How many stored records the report could not read (and so does not count), when it was
    /// made [from a store](Self::from_store). Always 0 for a report kept up to date by hand.
    pub fn unreadable(&self) -> u64 {
        self.unreadable
    }

    /// Shows `stale` work in the report (per stage and per owner): found at a time of the
    /// application's choosing by [`find_stale`](crate::stale::find_stale), since staleness
    /// depends on `now` and the report does not.
    pub fn set_stale(&mut self, stale: &[Stale]) {
        self.stale = Some(StaleCounts::of(stale));
    }

    /// The counts of stale work given to [`set_stale`](Self::set_stale), if any.
    pub fn stale(&self) -> Option<&StaleCounts> {
        self.stale.as_ref()
    }

    /// Counts a record in.
    pub fn add(&mut self, contribution: &Contribution) {
        self.change(contribution, 1);
    }

    /// Counts a record out (as it was when its contribution was taken).
    pub fn remove(&mut self, contribution: &Contribution) {
        self.change(contribution, -1);
    }

    /// Counts a record out as it was `before` a transition and in as it is `after`.
    pub fn replace(&mut self, before: &Contribution, after: &Contribution) {
        self.remove(before);
        self.add(after);
    }

    fn reach(&mut self, contact: ContactId, change: impl FnOnce(&mut Reach)) {
        let reach = self.reach.entry(contact).or_default();
        let before = reach.stage();
        change(reach);
        let after = reach.stage();
        if *reach == Reach::default() {
            self.reach.remove(&contact);
        }
        if before != after {
            if let Some(stage) = before {
                bump(&mut self.furthest[funnel_index(stage)], -1);
            }
            if let Some(stage) = after {
                bump(&mut self.furthest[funnel_index(stage)], 1);
            }
        }
    }

    fn breakdowns(
        &mut self,
        source: LeadSource,
        owner: &Option<User>,
        change: impl Fn(&mut Breakdown),
    ) {
        let by_source = self.by_source.entry(source).or_default();
        change(by_source);
        if by_source.is_empty() {
            self.by_source.remove(&source);
        }
        let by_owner = self.by_owner.entry(owner.clone()).or_default();
        change(by_owner);
        if by_owner.is_empty() {
            self.by_owner.remove(owner);
        }
    }

    fn change(&mut self, contribution: &Contribution, sign: i64) {
        match &contribution.0 {
            Part::Contact(id) => {
                bump(&mut self.contacts, sign);
                self.reach(*id, |r| r.contact = sign > 0);
            }
            Part::Account => bump(&mut self.accounts, sign),
            Part::Nothing => {}
            Part::Lead {
                contact,
                status,
                source,
                owner,
                converted_after,
                disqualified,
            } => {
                bump(&mut self.leads[lead_index(*status)], sign);
                self.reach(*contact, |r| bump(&mut r.leads, sign));
                let converted = *status == LeadStatus::Converted;
                self.breakdowns(*source, owner, |b| {
                    bump(&mut b.leads, sign);
                    if converted {
                        bump(&mut b.converted, sign);
                    }
                });
                if let Some(seconds) = converted_after {
                    self.lead_to_opportunity.change(*seconds, sign);
                }
                if let Some(category) = disqualified {
                    bump_key(&mut self.disqualify_reasons, *category, sign);
                }
            }
            Part::Opportunity {
                contact,
                stage,
                source,
                owner,
                amount,
                weighted,
                closed_after,
                lost,
                placed,
            } => {
                bump(&mut self.opportunities[stage_index(*stage)], sign);
                let won = *stage == OpportunityStage::Won;
                self.reach(*contact, |r| {
                    bump(&mut r.opportunities, sign);
                    if won {
                        bump(&mut r.won, sign);
                    }
                });
                let money_sign = i128::from(sign);
                self.breakdowns(*source, owner, |b| {
                    bump(&mut b.opportunities, sign);
                    match stage {
                        OpportunityStage::Won => {
                            bump(&mut b.won, sign);
                            b.won_value.change(*amount, money_sign);
                        }
                        OpportunityStage::Lost => bump(&mut b.lost, sign),
                        _ => {}
                    }
                });
                if stage.is_open() {
                    self.open_value.change(*amount, money_sign);
                    self.weighted_value.change(*weighted, money_sign);
                } else if won {
                    self.won_value.change(*amount, money_sign);
                }
                if let Some(seconds) = closed_after {
                    self.opportunity_to_close.change(*seconds, sign);
                }
                if let Some(category) = lost {
                    bump_key(&mut self.loss_reasons, *category, sign);
                }
                if let Some(placed) = placed {
                    let values = (*amount, *weighted);
                    pipelines::change(&mut self.by_pipeline, placed, *stage, values, sign);
                }
            }
        }
    }

    /// How many contacts the report counted, erased ones included, merged ones not (each is
    /// a duplicate of the contact it was merged into).
    pub fn contacts(&self) -> u64 {
        self.contacts
    }

    /// How many accounts (customers) the report counted.
    pub fn accounts(&self) -> u64 {
        self.accounts
    }

    /// How many leads are in `status`.
    pub fn leads(&self, status: LeadStatus) -> u64 {
        self.leads[lead_index(status)]
    }

    /// How many leads, in any state.
    pub fn total_leads(&self) -> u64 {
        self.leads.iter().sum()
    }

    /// How many opportunities are in `stage`.
    pub fn opportunities(&self, stage: OpportunityStage) -> u64 {
        self.opportunities[stage_index(stage)]
    }

    /// How many opportunities, in any stage.
    pub fn total_opportunities(&self) -> u64 {
        self.opportunities.iter().sum()
    }

    /// How many contacts got no further than `stage`: each contact is counted once, at the
    /// furthest stage it reached.
    pub fn furthest(&self, stage: FunnelStage) -> u64 {
        self.furthest[funnel_index(stage)]
    }

    /// How many contacts reached `stage` or went beyond it: the width of the funnel at that
    /// stage.
    pub fn reached(&self, stage: FunnelStage) -> u64 {
        FunnelStage::ALL
            .iter()
            .filter(|s| **s >= stage)
            .map(|s| self.furthest(*s))
            .sum()
    }

    /// The funnel's conversion at `stage`: the contacts that reached it, out of those that
    /// reached the stage above (`None` for [`FunnelStage::Contact`], which has none above, and
    /// when no contact reached the stage above). The one definition the table, the SVG and the
    /// JSON (`funnel_conversion`) show.
    pub fn funnel_conversion(&self, stage: FunnelStage) -> Option<f64> {
        let above = FunnelStage::ALL
            .iter()
            .rev()
            .find(|s| **s < stage)
            .copied()?;
        ratio(self.reached(stage), self.reached(above))
    }

    /// The share of all contacts that reached `stage`.
    pub fn funnel_share(&self, stage: FunnelStage) -> Option<f64> {
        ratio(self.reached(stage), self.reached(FunnelStage::Contact))
    }

    /// Leads converted into opportunities, out of all leads (records, not contacts: a contact
    /// with two leads counts twice; see [`funnel_conversion`](Self::funnel_conversion) for
    /// contacts).
    pub fn leads_converted(&self) -> Option<f64> {
        ratio(self.leads(LeadStatus::Converted), self.total_leads())
    }

    /// Opportunities won, out of all opportunities (records, open ones included).
    pub fn opportunities_won(&self) -> Option<f64> {
        ratio(
            self.opportunities(OpportunityStage::Won),
            self.total_opportunities(),
        )
    }

    /// Opportunities won, out of those closed (won or lost).
    pub fn win_rate(&self) -> Option<f64> {
        let won = self.opportunities(OpportunityStage::Won);
        ratio(won, won + self.opportunities(OpportunityStage::Lost))
    }

    /// Time from opening a lead to its conversion, for converted leads.
    pub fn days_lead_to_opportunity(&self) -> &Durations {
        &self.lead_to_opportunity
    }

    /// Time from an opportunity's creation to its close, for won and lost opportunities.
    pub fn days_opportunity_to_close(&self) -> &Durations {
        &self.opportunity_to_close
    }

    /// The amounts of the open opportunities, per currency.
    pub fn open_value(&self) -> &Amounts {
        &self.open_value
    }

    /// The amounts of the open opportunities weighted by their probability, per currency.
    pub fn weighted_value(&self) -> &Amounts {
        &self.weighted_value
    }

    /// The amounts of the won opportunities, per currency.
    pub fn won_value(&self) -> &Amounts {
        &self.won_value
    }

    /// Counts per lead source.
    pub fn by_source(&self) -> impl Iterator<Item = (LeadSource, &Breakdown)> {
        self.by_source.iter().map(|(s, b)| (*s, b))
    }

    /// Counts per owner (`None`: no owner).
    pub fn by_owner(&self) -> impl Iterator<Item = (Option<&User>, &Breakdown)> {
        self.by_owner.iter().map(|(o, b)| (o.as_ref(), b))
    }

    /// Counts and values per pipeline, by key, with the open opportunities per custom stage
    /// (opportunities in no pipeline are not in it).
    pub fn by_pipeline(
        &self,
    ) -> impl Iterator<Item = (&crate::custom::FieldKey, &PipelineBreakdown)> {
        self.by_pipeline.iter()
    }

    /// Why the disqualified leads were disqualified, most frequent first.
    pub fn disqualify_reasons(&self) -> Vec<(DisqualifyCategory, u64)> {
        ranked(&self.disqualify_reasons)
    }

    /// Why the lost opportunities were lost, most frequent first.
    pub fn loss_reasons(&self) -> Vec<(LossCategory, u64)> {
        ranked(&self.loss_reasons)
    }
}

fn ranked<K: Copy + Ord>(counts: &BTreeMap<K, u64>) -> Vec<(K, u64)> {
    let mut ranked: Vec<(K, u64)> = counts.iter().map(|(k, c)| (*k, *c)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}
