//! The steps as pure functions from inputs to a [`Plan`], shared by [`Crm`] and
//! [`AsyncCrm`].

use super::*;
use crate::fields::CustomFields;
use crate::organization::{Organization, OrganizationDetails};
use crate::state::{LeadStatus, OpportunityStage};
use crate::store::Precondition;
use crate::task::{TaskClosed, TaskStatus};

/// A step prepared: the batch to commit, and what the caller gets once it is committed.
pub(crate) struct Plan<T> {
    pub(super) batch: Batch,
    pub(super) output: T,
}

impl<T> Plan<T> {
    /// Makes the plan's commit rely on `next_step` (an open task it does not write) being
    /// still unchanged. In place: a plan is a few hundred bytes.
    pub(super) fn rely_on(&mut self, next_step: NextStep) {
        if let Some((id, version)) = next_step {
            self.batch.require_unchanged(id, version);
        }
    }

    /// The same batch, handing the caller `f` of what it would have handed.
    pub(super) fn map<U>(self, f: impl FnOnce(T) -> U) -> Plan<U> {
        Plan {
            batch: self.batch,
            output: f(self.output),
        }
    }
}

/// A batch that relies on the record `id` (which it does not write) staying at `version`: a
/// record created about a contact, lead or opportunity that changed since it was read (was
/// erased, above all) is a conflict, never a record about an erased contact. The erasure
/// writes the record relied on, so the two never both commit.
pub(super) fn relying_on(id: impl Into<RecordId>, version: Version) -> Batch {
    let mut batch = Batch::new();
    batch.require_unchanged(id.into(), version);
    batch
}

/// [`relying_on`] the record as loaded (an empty batch when there is none: the step refuses
/// that).
pub(super) fn relying_on_loaded(loaded: &Option<Versioned<Record>>) -> Batch {
    match loaded {
        Some(record) => relying_on(record.id(), record.version()),
        None => Batch::new(),
    }
}

pub(super) fn create<T: Snapshot>(value: T, mut batch: Batch) -> Plan<Versioned<T>> {
    batch.push_distinct(value.snapshot(), Precondition::Absent);
    Plan {
        batch,
        output: Versioned::new(value, Version::FIRST),
    }
}

/// One record moves from `A` to `B`.
pub(super) fn step<A, B: Snapshot>(
    from: Versioned<A>,
    f: impl FnOnce(A) -> B,
) -> Plan<Versioned<B>> {
    let (value, version) = from.into_parts();
    let next = f(value);
    let mut batch = Batch::new();
    batch.push_distinct(next.snapshot(), Precondition::Version(version));
    Plan {
        batch,
        output: Versioned::new(next, version.next()),
    }
}

/// An opportunity moves from `A` to `B`, or the step is refused for its evidence (nothing is
/// committed, and the error names the field).
pub(super) fn try_step<A: OpportunityState, B: Snapshot, X, E>(
    from: Versioned<Opportunity<A>>,
    f: impl FnOnce(Opportunity<A>) -> Result<B, StepError<A, X>>,
) -> Result<Plan<Versioned<B>>, CrmError<E>> {
    let (value, version) = from.into_parts();
    let next = f(value).map_err(refused)?;
    Ok(step(Versioned::new(next, version), |v| v))
}

/// A refused step of an opportunity, as the facade reports it.
pub(super) fn refused<S: OpportunityState, X, E>(e: StepError<S, X>) -> CrmError<E> {
    match e.cause() {
        StepCause::WonValue { cause, .. } => CrmError::Money(*cause),
        StepCause::Invalid(cause) => CrmError::Invalid {
            record: RecordId::Opportunity(e.opportunity().id()),
            cause: cause.clone(),
        },
    }
}

/// A record moves on and another is created or updated with it.
pub(super) fn pair<A: Snapshot, B: Snapshot>(
    (a, a_expect): (A, Precondition),
    (b, b_expect): (B, Precondition),
) -> Plan<(Versioned<A>, Versioned<B>)> {
    let mut batch = Batch::new();
    batch.push_distinct(a.snapshot(), a_expect);
    batch.push_distinct(b.snapshot(), b_expect);
    Plan {
        batch,
        output: (
            Versioned::new(a, a_expect.written_version()),
            Versioned::new(b, b_expect.written_version()),
        ),
    }
}

pub(super) fn qualify<S: QualifiableState, E>(
    lead: Versioned<Lead<S>>,
    qualification: Qualification,
    custom: CustomFields,
    landing: super::pipelines::Landing,
    ctx: &Context<'_>,
) -> Result<Plan<Qualified>, CrmError<E>> {
    let (lead, version) = lead.into_parts();
    let id = lead.id();
    let (lead, opportunity) = lead
        .qualify(qualification, ctx)
        .map_err(|e| CrmError::Invalid {
            record: RecordId::Lead(id),
            cause: e.cause().clone(),
        })?;
    let plan = pair(
        (lead, Precondition::Version(version)),
        (
            landing.place(opportunity.with_custom_fields(custom)),
            Precondition::Absent,
        ),
    );
    Ok(plan.map(|(lead, opportunity)| Qualified { lead, opportunity }))
}

pub(super) fn win<E>(
    opportunity: Versioned<Opportunity<Contracting>>,
    contract: SignedContract,
    custom: CustomFields,
    ctx: &Context<'_>,
) -> Result<Plan<WonAccount>, CrmError<E>> {
    let (opportunity, version) = opportunity.into_parts();
    let (won, account) = opportunity.win(contract, ctx).map_err(refused)?;
    Ok(pair(
        (won, Precondition::Version(version)),
        (account.with_custom_fields(custom), Precondition::Absent),
    )
    .map(|(opportunity, account)| WonAccount {
        opportunity,
        account,
    }))
}

/// Won for a contact of `organization`, which opens its account with this win.
pub(super) fn win_for_organization<E>(
    opportunity: Versioned<Opportunity<Contracting>>,
    organization: crate::id::OrganizationId,
    contract: SignedContract,
    custom: CustomFields,
    ctx: &Context<'_>,
) -> Result<Plan<WonAccount>, CrmError<E>> {
    let (opportunity, version) = opportunity.into_parts();
    let (won, account) = opportunity
        .win_for_organization(organization, contract, ctx)
        .map_err(refused)?;
    Ok(pair(
        (won, Precondition::Version(version)),
        (account.with_custom_fields(custom), Precondition::Absent),
    )
    .map(|(opportunity, account)| WonAccount {
        opportunity,
        account,
    }))
}

/// What a win goes into: a new account of the contact (a person), or the account of the
/// contact's organization, new or as stored.
pub(super) enum WinInto {
    /// The contact belongs to no organization (or is not stored): a new account of its own.
    NewAccount,
    /// The contact's organization has no account yet: open it.
    NewAccountOf(crate::id::OrganizationId),
    /// The contact's organization's account, as stored.
    Account(Versioned<Account>),
}

impl WinInto {
    /// Where a win goes for a contact of `organization` (or of none), given `account`, that
    /// organization's account as loaded.
    pub(super) fn of<E>(
        organization: Option<crate::id::OrganizationId>,
        account: Option<Versioned<Record>>,
    ) -> Result<WinInto, CrmError<E>> {
        let Some(organization) = organization else {
            return Ok(WinInto::NewAccount);
        };
        match account {
            None => Ok(WinInto::NewAccountOf(organization)),
            Some(record) => {
                let id = record.id();
                typed::<Account, E>(id, Some(record)).map(WinInto::Account)
            }
        }
    }
}

/// The organization of the contact as loaded, if it belongs to one.
pub(super) fn organization_of(
    contact: Option<&Versioned<Record>>,
) -> Option<crate::id::OrganizationId> {
    contact.and_then(|c| c.value().organization())
}

pub(super) fn win_for<E>(
    opportunity: Versioned<Opportunity<Contracting>>,
    account: Versioned<Account>,
    contract: SignedContract,
    ctx: &Context<'_>,
) -> Result<Plan<WonAccount>, CrmError<E>> {
    let (opportunity, version) = opportunity.into_parts();
    let (mut account, account_version) = account.into_parts();
    let won = opportunity
        .win_for(&mut account, contract, ctx)
        .map_err(refused)?;
    let plan = pair(
        (won, Precondition::Version(version)),
        (account, Precondition::Version(account_version)),
    );
    Ok(plan.map(|(opportunity, account)| WonAccount {
        opportunity,
        account,
    }))
}

/// The records of one contact, gathered from listings by contact (its leads, opportunities,
/// accounts of which it is the primary contact, activities and tasks), and the accounts its
/// opportunities were won into, loaded by id.
pub(super) struct ContactRecords {
    contact: ContactId,
    related: Vec<Versioned<Record>>,
    /// The accounts its won opportunities went to.
    won_into: Vec<crate::id::AccountId>,
    /// What the listings could not read.
    pub(super) unreadable: Vec<Unreadable>,
}

impl ContactRecords {
    pub(super) fn of(contact: ContactId) -> ContactRecords {
        ContactRecords {
            contact,
            related: Vec::new(),
            won_into: Vec::new(),
            unreadable: Vec::new(),
        }
    }

    /// The listings of the contact's records, one per kind.
    pub(super) fn queries(&self) -> [Query; 5] {
        [
            RecordKind::Lead,
            RecordKind::Opportunity,
            RecordKind::Account,
            RecordKind::Activity,
            RecordKind::Task,
        ]
        .map(|kind| Query::of_kind(kind).of_contact(self.contact))
    }

    /// Keeps a page of the contact's records (only those: a store that listed another
    /// contact's would otherwise have them erased), and notes where its won opportunities went.
    pub(super) fn visit(&mut self, page: Page) {
        let contact = self.contact;
        for record in page.records {
            if record.value().contact() != Some(contact) {
                continue;
            }
            if let Record::Opportunity(AnyOpportunity::Won(o)) = record.value() {
                self.won_into.push(o.account());
            }
            self.related.push(record);
        }
        self.unreadable.extend(page.unreadable);
    }

    /// The accounts its opportunities were won into that the listings did not find (another
    /// contact is their primary contact), each once.
    pub(super) fn accounts_elsewhere(&self) -> Vec<crate::id::AccountId> {
        let mut accounts: Vec<_> = self
            .won_into
            .iter()
            .copied()
            .filter(|a| !self.related.iter().any(|r| r.id() == RecordId::Account(*a)))
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        accounts
    }

    /// Keeps an account loaded by id, if it is one that won one of its opportunities.
    pub(super) fn visit_account(&mut self, account: Option<Versioned<Record>>) {
        let won = |r: &Versioned<Record>| match r.value() {
            Record::Account(a) => self.won_into.contains(&a.id()),
            _ => false,
        };
        self.related.extend(account.filter(won));
    }
}

/// Erases `contact` and the free text of its leads, opportunities and accounts, in one
/// batch.
pub(super) fn erase(
    contact: Versioned<Contact>,
    merged: Vec<Versioned<Contact>>,
    found: ContactRecords,
    ctx: &Context<'_>,
) -> Plan<ErasureReport> {
    let ContactRecords {
        related,
        unreadable,
        ..
    } = found;
    use Precondition;
    let (contact, version) = contact.into_parts();
    // Every record the listings found naming the contact, readable or not: one created since
    // would keep its text, so the commit requires that there are no more.
    let of_contact = related
        .iter()
        .filter(|r| r.value().contact() == Some(contact.id()))
        .count()
        + unreadable.len();
    let erased = contact.erase(ctx);
    let mut batch = Batch::new();
    batch.require_records_of(contact.id(), of_contact as u64);
    batch.push_distinct(erased.clone().into(), Precondition::Version(version));
    let merged = merged
        .into_iter()
        .map(|m| {
            let (m, version) = m.into_parts();
            let erased = m.erase(ctx);
            batch.push_distinct(erased.clone().into(), Precondition::Version(version));
            Versioned::new(erased, version.next())
        })
        .collect();
    let mut output = ErasureReport {
        contact: Versioned::new(erased, version.next()),
        merged,
        leads: Vec::new(),
        opportunities: Vec::new(),
        accounts: Vec::new(),
        activities: Vec::new(),
        tasks: Vec::new(),
        unreadable,
    };
    let opportunities: Vec<_> = related
        .iter()
        .filter_map(|r| match r.value() {
            Record::Opportunity(o) => Some(o.id()),
            _ => None,
        })
        .collect();
    for record in related {
        let (record, version) = record.into_parts();
        match record {
            Record::Lead(lead) => {
                let lead = lead.erase_personal_data();
                batch.push_distinct(lead.clone().into(), Precondition::Version(version));
                output.leads.push(Versioned::new(lead, version.next()));
            }
            Record::Opportunity(o) => {
                let o = o.erase_personal_data();
                batch.push_distinct(o.clone().into(), Precondition::Version(version));
                output.opportunities.push(Versioned::new(o, version.next()));
            }
            Record::Account(a) => {
                let a = a.erase_personal_data(|won| opportunities.contains(&won));
                batch.push_distinct(a.clone().into(), Precondition::Version(version));
                output.accounts.push(Versioned::new(a, version.next()));
            }
            Record::Activity(a) => {
                let a = a.erase_personal_data();
                batch.push_distinct(a.clone().into(), Precondition::Version(version));
                output.activities.push(Versioned::new(a, version.next()));
            }
            Record::Task(t) => {
                let t = t.erase_personal_data();
                batch.push_distinct(t.clone().into(), Precondition::Version(version));
                output.tasks.push(Versioned::new(t, version.next()));
            }
            // Not listed by contact; an organization is not personal data.
            Record::Contact(_) | Record::Organization(_) | Record::FieldSchema(_) => {}
        }
    }
    Plan { batch, output }
}

/// Reads a record back as `T`, or says why not.
pub(super) fn typed<T, E>(
    id: RecordId,
    loaded: Option<Versioned<Record>>,
) -> Result<Versioned<T>, CrmError<E>>
where
    T: TryFrom<Record, Error = StateError<Record>>,
{
    loaded
        .ok_or(CrmError::NotFound(id))?
        .try_map(T::try_from)
        .map_err(|e| CrmError::WrongState {
            record: id,
            expected: e.expected(),
            found: e.found(),
        })
}

/// `result`, its validation error reported for `record`.
pub(super) fn invalid_for<T, E>(
    record: impl Into<RecordId>,
    result: Result<T, ValidationError>,
) -> Result<T, CrmError<E>> {
    result.map_err(|cause| CrmError::Invalid {
        record: record.into(),
        cause,
    })
}

/// Every state of a record an activity can be about.
pub(super) const ACTIVITY_SUBJECTS: &[RecordState] = &[
    RecordState::Contact,
    RecordState::Lead(LeadStatus::New),
    RecordState::Lead(LeadStatus::Working),
    RecordState::Lead(LeadStatus::Nurturing),
    RecordState::Opportunity(OpportunityStage::Discovery),
    RecordState::Opportunity(OpportunityStage::Proposal),
    RecordState::Opportunity(OpportunityStage::Negotiation),
    RecordState::Opportunity(OpportunityStage::Contracting),
];

/// An activity about the record `id` as loaded, whose state is known only now: through the
/// same typed constructors as the typed steps, one per state that takes an activity.
pub(super) fn activity_about<E>(
    id: RecordId,
    loaded: Option<Versioned<Record>>,
    details: ActivityDetails,
    ctx: &Context<'_>,
) -> Result<Activity, CrmError<E>> {
    let record = loaded.ok_or(CrmError::NotFound(id))?.into_inner();
    match &record {
        Record::Contact(c) => {
            not_erased(c.id(), c.erasure().is_some())?;
            not_merged(c)?;
        }
        Record::Lead(l) => not_erased(l.contact(), l.is_erased())?,
        Record::Opportunity(o) => not_erased(o.contact(), o.is_erased())?,
        _ => {}
    }
    let activity = match &record {
        Record::Contact(c) => Activity::on_contact(c, details, ctx),
        Record::Lead(AnyLead::New(l)) => Activity::on_lead(l, details, ctx),
        Record::Lead(AnyLead::Working(l)) => Activity::on_lead(l, details, ctx),
        Record::Lead(AnyLead::Nurturing(l)) => Activity::on_lead(l, details, ctx),
        Record::Opportunity(AnyOpportunity::Discovery(o)) => {
            Activity::on_opportunity(o, details, ctx)
        }
        Record::Opportunity(AnyOpportunity::Proposal(o)) => {
            Activity::on_opportunity(o, details, ctx)
        }
        Record::Opportunity(AnyOpportunity::Negotiation(o)) => {
            Activity::on_opportunity(o, details, ctx)
        }
        Record::Opportunity(AnyOpportunity::Contracting(o)) => {
            Activity::on_opportunity(o, details, ctx)
        }
        closed => {
            return Err(CrmError::WrongState {
                record: id,
                expected: Expected::OneOf(ACTIVITY_SUBJECTS),
                found: closed.state(),
            });
        }
    };
    invalid_for(id, activity)
}

/// A task about the record `id` as loaded, whose state is known only now: through the same
/// typed constructors as the typed steps, one per state that takes a task (those that take
/// an activity).
pub(super) fn task_about<E>(
    id: RecordId,
    loaded: Option<Versioned<Record>>,
    details: TaskDetails,
    ctx: &Context<'_>,
) -> Result<Task, CrmError<E>> {
    let record = loaded.ok_or(CrmError::NotFound(id))?.into_inner();
    match &record {
        Record::Contact(c) => {
            not_erased(c.id(), c.erasure().is_some())?;
            not_merged(c)?;
        }
        Record::Lead(l) => not_erased(l.contact(), l.is_erased())?,
        Record::Opportunity(o) => not_erased(o.contact(), o.is_erased())?,
        _ => {}
    }
    let task = match &record {
        Record::Contact(c) => Task::on_contact(c, details, ctx),
        Record::Lead(AnyLead::New(l)) => Task::on_lead(l, details, ctx),
        Record::Lead(AnyLead::Working(l)) => Task::on_lead(l, details, ctx),
        Record::Lead(AnyLead::Nurturing(l)) => Task::on_lead(l, details, ctx),
        Record::Opportunity(AnyOpportunity::Discovery(o)) => Task::on_opportunity(o, details, ctx),
        Record::Opportunity(AnyOpportunity::Proposal(o)) => Task::on_opportunity(o, details, ctx),
        Record::Opportunity(AnyOpportunity::Negotiation(o)) => {
            Task::on_opportunity(o, details, ctx)
        }
        Record::Opportunity(AnyOpportunity::Contracting(o)) => {
            Task::on_opportunity(o, details, ctx)
        }
        closed => {
            return Err(CrmError::WrongState {
                record: id,
                expected: Expected::OneOf(ACTIVITY_SUBJECTS),
                found: closed.state(),
            });
        }
    };
    invalid_for(id, task)
}

/// `task` closed by `close`, at its version; a task that is not open is refused as in the
/// wrong state.
pub(super) fn close_task<E>(
    task: Versioned<Task>,
    close: impl FnOnce(&Task) -> Result<Task, TaskClosed>,
) -> Result<Plan<Versioned<Task>>, CrmError<E>> {
    let closed = close(&task).map_err(|e| CrmError::WrongState {
        record: RecordId::Task(e.task),
        expected: Expected::State(RecordState::Task(TaskStatus::Open)),
        found: RecordState::Task(e.status),
    })?;
    Ok(step(task, |_| closed))
}

/// Refuses `opportunity` entering `stage` when `open_tasks` (a page of its open tasks) is
/// empty.
pub(super) fn has_next_step<E>(
    opportunity: OpportunityId,
    stage: OpportunityStage,
    open_tasks: &Page,
) -> Result<NextStep, CrmError<E>> {
    match open_tasks.records.first() {
        Some(task) => Ok(Some((task.id(), task.version()))),
        None => Err(CrmError::NextStepRequired { opportunity, stage }),
    }
}

/// The open task a stage move relies on, when the policy requires one: the move commits only
/// if it is still open then (unchanged), so a next step closed meanwhile is a conflict.
pub(crate) type NextStep = Option<(RecordId, Version)>;

/// An edit of a record that keeps its type (a hand-off, a revision): `f` changes it in place,
/// or says why it cannot, and nothing is committed.
pub(super) fn edit<T: Snapshot, E>(
    record: impl Into<RecordId>,
    from: Versioned<T>,
    f: impl FnOnce(&mut T) -> Result<(), ValidationError>,
) -> Result<Plan<Versioned<T>>, CrmError<E>> {
    let (mut value, version) = from.into_parts();
    invalid_for(record, f(&mut value))?;
    Ok(step(Versioned::new(value, version), |v| v))
}

/// A contact corrected: when its email address changes, the batch requires that no contact
/// has the new one, so that two corrections (or a correction and a creation) racing for one
/// address store one contact with it.
pub(super) fn correct<E>(
    contact: Versioned<Contact>,
    details: ContactDetails,
    reason: Option<Note>,
    ctx: &Context<'_>,
) -> Result<Plan<Versioned<Contact>>, CrmError<E>> {
    let (old, version) = contact.into_parts();
    let corrected = old
        .correct(details, reason, ctx)
        .map_err(|e| CrmError::ContactErased { contact: e.contact })?;
    let mut batch = Batch::new();
    if let Some(email) = corrected.email().filter(|new| old.email() != Some(*new)) {
        batch.require_no_contact_with(email);
    }
    batch.push_distinct(corrected.clone().into(), Precondition::Version(version));
    Ok(Plan {
        batch,
        output: Versioned::new(corrected, version.next()),
    })
}

/// The open leads and opportunities of one contact that one owner holds, gathered from
/// listings by owner, for a hand-off that cascades.
pub(super) struct OwnedRecords {
    contact: ContactId,
    pub(super) found: Vec<Versioned<Record>>,
}

impl OwnedRecords {
    pub(super) fn of(contact: ContactId) -> OwnedRecords {
        OwnedRecords {
            contact,
            found: Vec::new(),
        }
    }

    /// The listings to page through: the owner's leads, and the owner's opportunities.
    pub(super) fn queries(owner: &User) -> [Query; 2] {
        [RecordKind::Lead, RecordKind::Opportunity]
            .map(|kind| Query::of_kind(kind).owned_by(owner.clone()))
    }

    /// Keeps the records of a page that are the contact's and open.
    pub(super) fn visit(&mut self, page: Vec<Versioned<Record>>) {
        self.found
            .extend(page.into_iter().filter(|r| match r.value() {
                Record::Lead(l) => l.contact() == self.contact && l.status().is_open(),
                Record::Opportunity(o) => o.contact() == self.contact && o.stage().is_open(),
                _ => false,
            }));
    }
}

/// A contact handed over to `owner`, with `cascade`'s records (its open leads and
/// opportunities that its previous owner held), in one batch.
pub(super) fn hand_over<E>(
    contact: Versioned<Contact>,
    owner: Option<User>,
    reason: Option<Note>,
    cascade: Vec<Versioned<Record>>,
    ctx: &Context<'_>,
) -> Result<Plan<HandedOver>, CrmError<E>> {
    let (contact, version) = contact.into_parts();
    let contact = contact
        .reassign(owner.clone(), reason.clone(), ctx)
        .map_err(|e| CrmError::ContactErased { contact: e.contact })?;
    let mut batch = Batch::new();
    batch.push_distinct(contact.clone().into(), Precondition::Version(version));
    let mut output = HandedOver {
        contact: Versioned::new(contact, version.next()),
        leads: Vec::new(),
        opportunities: Vec::new(),
    };
    let (owner, reason) = (&owner, &reason);
    for record in cascade {
        let (record, version) = record.into_parts();
        match record {
            Record::Lead(mut lead) => {
                match &mut lead {
                    AnyLead::New(l) => l.reassign(owner.clone(), reason.clone(), ctx),
                    AnyLead::Working(l) => l.reassign(owner.clone(), reason.clone(), ctx),
                    AnyLead::Nurturing(l) => l.reassign(owner.clone(), reason.clone(), ctx),
                    AnyLead::Converted(_) | AnyLead::Disqualified(_) => continue,
                }
                batch.push_distinct(lead.clone().into(), Precondition::Version(version));
                output.leads.push(Versioned::new(lead, version.next()));
            }
            Record::Opportunity(mut o) => {
                match &mut o {
                    AnyOpportunity::Discovery(o) => o.reassign(owner.clone(), reason.clone(), ctx),
                    AnyOpportunity::Proposal(o) => o.reassign(owner.clone(), reason.clone(), ctx),
                    AnyOpportunity::Negotiation(o) => {
                        o.reassign(owner.clone(), reason.clone(), ctx);
                    }
                    AnyOpportunity::Contracting(o) => {
                        o.reassign(owner.clone(), reason.clone(), ctx);
                    }
                    AnyOpportunity::Won(_) | AnyOpportunity::Lost(_) => continue,
                }
                batch.push_distinct(o.clone().into(), Precondition::Version(version));
                output.opportunities.push(Versioned::new(o, version.next()));
            }
            _ => {}
        }
    }
    Ok(Plan { batch, output })
}

/// A conflict over an email address, as the duplicate it means.
pub(super) fn duplicate_email<E>(e: CrmError<E>) -> CrmError<E> {
    match e {
        CrmError::Conflict(Conflict {
            record: RecordId::Contact(existing),
            kind: ConflictKind::EmailTaken,
            ..
        }) => CrmError::DuplicateContact { existing },
        e => e,
    }
}

/// Refuses new work (a lead, an activity, a task) about a contact whose personal data was
/// erased, or about one of its records: what it would say is about a person who asked to be
/// forgotten. (Checked on the value given: a copy read before a concurrent erasure passes.)
pub(super) fn not_erased<E>(contact: ContactId, erased: bool) -> Result<(), CrmError<E>> {
    if erased {
        return Err(CrmError::ContactErased { contact });
    }
    Ok(())
}

/// Refuses new work (a lead, an activity, a task), a correction and a hand-off of a contact
/// merged into another: its records are its survivor's. (The commit relies on the contact's
/// version, which the merge changes, so a copy read before a concurrent merge conflicts.)
pub(super) fn not_merged<E>(contact: &Contact) -> Result<(), CrmError<E>> {
    match contact.merged_into() {
        Some(into) => Err(CrmError::ContactMerged {
            contact: contact.id(),
            into,
        }),
        None => Ok(()),
    }
}

/// Refuses a correction of an organization merged into another, and a contact linked to it:
/// its contacts are its survivor's.
pub(super) fn organization_not_merged<E>(organization: &Organization) -> Result<(), CrmError<E>> {
    match organization.merged_into() {
        Some(into) => Err(CrmError::OrganizationMerged {
            organization: organization.id(),
            into,
        }),
        None => Ok(()),
    }
}

/// A conflict over a domain, as the duplicate it means.
pub(super) fn duplicate_domain<E>(e: CrmError<E>) -> CrmError<E> {
    match e {
        CrmError::Conflict(Conflict {
            record: RecordId::Organization(existing),
            kind: ConflictKind::DomainTaken,
            ..
        }) => CrmError::DuplicateOrganization { existing },
        e => e,
    }
}

/// A new organization, and a batch that requires no organization to have its domains.
pub(super) fn new_organization<E>(
    details: OrganizationDetails,
    ctx: &Context<'_>,
) -> Result<(Organization, Batch), CrmError<E>> {
    let organization = Organization::create(details, ctx).map_err(CrmError::InvalidInput)?;
    let mut batch = Batch::new();
    for domain in organization.domains() {
        batch.require_no_organization_with(domain);
    }
    Ok((organization, batch))
}

/// An organization corrected: the batch requires that no organization has a domain it gains.
pub(super) fn correct_organization<E>(
    organization: Versioned<Organization>,
    details: OrganizationDetails,
    reason: Option<Note>,
    ctx: &Context<'_>,
) -> Result<Plan<Versioned<Organization>>, CrmError<E>> {
    let (old, version) = organization.into_parts();
    let corrected = invalid_for(old.id(), old.correct(details, reason, ctx))?;
    let mut batch = Batch::new();
    for domain in corrected.domains() {
        if !old.domains().contains(domain) {
            batch.require_no_organization_with(domain);
        }
    }
    batch.push_distinct(corrected.clone().into(), Precondition::Version(version));
    Ok(Plan {
        batch,
        output: Versioned::new(corrected, version.next()),
    })
}

/// An opportunity as listed, typed as one (a listing of opportunities holds nothing else).
pub(super) fn as_opportunity(record: Versioned<Record>) -> Option<Versioned<AnyOpportunity>> {
    let (record, version) = record.into_parts();
    match record {
        Record::Opportunity(o) => Some(Versioned::new(o, version)),
        _ => None,
    }
}
