//! The run-time commands, resolved: a [`Command`] against the record it names, as loaded,
//! into the typed value its typed step takes ([`Resolved`]), which [`Crm::execute`] and
//! [`AsyncCrm::execute`] then run; and what a step wrote, as [`Executed`].

use super::*;
use crate::command::{Cascade, Command, Executed, accepts};
use crate::forecast::{ForecastCategory, Probability};
use crate::organization::{Organization, OrganizationDetails};
use crate::state::{LeadStatus, OpportunityStage};
use crate::store::Precondition;
use crate::task::TaskStatus;

/// A command resolved against the record it names, as loaded: the typed value the step takes
/// (its state now known), at the version the caller read, and the step's evidence. One
/// variant per typed step; a step that starts from several states has one per state.
pub(super) enum Resolved {
    CreateContact(WithFields<ContactDetails>, OnDuplicate),
    OpenLead(Versioned<Contact>, WithFields<Interest>),
    LogTouch(Versioned<Lead<New>>, Touch),
    Resume(Versioned<Lead<Nurturing>>, Touch),
    Nurture(Versioned<Lead<Working>>, Note),
    DisqualifyNew(Versioned<Lead<New>>, DisqualifyReason),
    DisqualifyWorking(Versioned<Lead<Working>>, DisqualifyReason),
    DisqualifyNurturing(Versioned<Lead<Nurturing>>, DisqualifyReason),
    Recycle(Versioned<Lead<Disqualified>>, Note),
    QualifyWorking(Versioned<Lead<Working>>, WithFields<Qualification>),
    QualifyNurturing(Versioned<Lead<Nurturing>>, WithFields<Qualification>),
    Propose(Versioned<Opportunity<Discovery>>, SentProposal),
    Negotiate(Versioned<Opportunity<Proposal>>, Note),
    EnterContracting(Versioned<Opportunity<Negotiation>>, PaymentTerms, Incumbent),
    Win(
        Versioned<Opportunity<Contracting>>,
        WithFields<SignedContract>,
    ),
    LoseDiscovery(Versioned<Opportunity<Discovery>>, LossReason),
    LoseProposal(Versioned<Opportunity<Proposal>>, LossReason),
    LoseNegotiation(Versioned<Opportunity<Negotiation>>, LossReason),
    LoseContracting(Versioned<Opportunity<Contracting>>, LossReason),
    Reopen(Versioned<Opportunity<Lost>>, Note),
    LogActivity(RecordId, WithFields<ActivityDetails>),
    AddTask(RecordId, WithFields<TaskDetails>),
    CompleteTask(Versioned<Task>),
    CancelTask(Versioned<Task>),
    ReassignNew(Versioned<Lead<New>>, Option<User>, Option<Note>),
    ReassignWorking(Versioned<Lead<Working>>, Option<User>, Option<Note>),
    ReassignNurturing(Versioned<Lead<Nurturing>>, Option<User>, Option<Note>),
    ReassignDiscovery(
        Versioned<Opportunity<Discovery>>,
        Option<User>,
        Option<Note>,
    ),
    ReassignProposal(Versioned<Opportunity<Proposal>>, Option<User>, Option<Note>),
    ReassignNegotiation(
        Versioned<Opportunity<Negotiation>>,
        Option<User>,
        Option<Note>,
    ),
    ReassignContracting(
        Versioned<Opportunity<Contracting>>,
        Option<User>,
        Option<Note>,
    ),
    ReviseDiscovery(Versioned<Opportunity<Discovery>>, Revision),
    ReviseProposal(Versioned<Opportunity<Proposal>>, Revision),
    ReviseNegotiation(Versioned<Opportunity<Negotiation>>, Revision),
    ReviseContracting(Versioned<Opportunity<Contracting>>, Revision),
    ReproposeProposal(Versioned<Opportunity<Proposal>>, SentProposal),
    ReproposeNegotiation(Versioned<Opportunity<Negotiation>>, SentProposal),
    CorrectContact(Versioned<Contact>, ContactDetails, Option<Note>),
    CreateOrganization(WithFields<OrganizationDetails>, OnDuplicate),
    ReassignContact(Versioned<Contact>, Option<User>, Cascade, Option<Note>),
    LinkContact(Versioned<Contact>, crate::id::OrganizationId),
    UnlinkContact(Versioned<Contact>),
    EraseContact(Versioned<Contact>),
    Merge(Box<crate::merge::MergePlan>),
    Unmerge(ContactId, crate::id::MergeId),
    MergeOrganizations(Box<crate::merge::OrganizationMergePlan>),
    UnmergeOrganizations(crate::id::OrganizationId, crate::id::MergeId),
    OverrideDiscovery(Versioned<Opportunity<Discovery>>, Probability, Option<Note>),
    OverrideProposal(Versioned<Opportunity<Proposal>>, Probability, Option<Note>),
    OverrideNegotiation(
        Versioned<Opportunity<Negotiation>>,
        Probability,
        Option<Note>,
    ),
    OverrideContracting(
        Versioned<Opportunity<Contracting>>,
        Probability,
        Option<Note>,
    ),
    CorrectOrganization(Versioned<Organization>, OrganizationDetails, Option<Note>),
    ForecastDiscovery(
        Versioned<Opportunity<Discovery>>,
        ForecastCategory,
        Option<Note>,
    ),
    ForecastProposal(
        Versioned<Opportunity<Proposal>>,
        ForecastCategory,
        Option<Note>,
    ),
    ForecastNegotiation(
        Versioned<Opportunity<Negotiation>>,
        ForecastCategory,
        Option<Note>,
    ),
    ForecastContracting(
        Versioned<Opportunity<Contracting>>,
        ForecastCategory,
        Option<Note>,
    ),
    ClearDiscovery(Versioned<Opportunity<Discovery>>, Option<Note>),
    ClearProposal(Versioned<Opportunity<Proposal>>, Option<Note>),
    ClearNegotiation(Versioned<Opportunity<Negotiation>>, Option<Note>),
    ClearContracting(Versioned<Opportunity<Contracting>>, Option<Note>),
    ReassignAccount(Versioned<Account>, Option<User>, Option<Note>),
    /// Any record but the schema's (which the match refuses), whatever its kind and state.
    SetFields(Versioned<Record>, crate::fields::FieldUpdate),
    /// Any opportunity: `Steps::move_stage_of` refuses a closed one.
    MoveStage(
        Versioned<AnyOpportunity>,
        crate::fields::FieldKey,
        crate::fields::FieldKey,
        Option<Note>,
    ),
}

/// A qualification with the values and the pipeline its opportunity is created with.
fn qualifying(
    qualification: Qualification,
    fields: crate::fields::FieldValues,
    pipeline: Option<crate::fields::FieldKey>,
) -> WithFields<Qualification> {
    let input = WithFields::new(qualification, fields);
    match pipeline {
        Some(pipeline) => input.in_pipeline(pipeline),
        None => input,
    }
}

/// Resolves `command` against the record it names as `loaded`: not found, then the caller's
/// version (a conflict, whatever the state), then the state (a step from the wrong state is
/// refused naming every state it takes).
pub(super) fn resolve<E>(
    command: Command,
    loaded: Option<Versioned<Record>>,
) -> Result<Resolved, CrmError<E>> {
    use Command as C;
    use Resolved as R;
    let target = command.target();
    // The steps that read nothing first (or read what they need themselves).
    let command = match command {
        C::CreateContact {
            details,
            on_duplicate,
            fields,
        } => {
            return Ok(R::CreateContact(
                WithFields::new(details, fields),
                on_duplicate,
            ));
        }
        C::CreateOrganization {
            details,
            on_duplicate,
            fields,
        } => {
            return Ok(R::CreateOrganization(
                WithFields::new(details, fields),
                on_duplicate,
            ));
        }
        C::LogActivity {
            record,
            details,
            fields,
        } => return Ok(R::LogActivity(record, WithFields::new(details, fields))),
        C::AddTask {
            record,
            details,
            fields,
        } => return Ok(R::AddTask(record, WithFields::new(details, fields))),
        C::Merge { plan } => return Ok(R::Merge(plan)),
        C::Unmerge { survivor, merge } => return Ok(R::Unmerge(survivor, merge)),
        C::MergeOrganizations { plan } => return Ok(R::MergeOrganizations(plan)),
        C::UnmergeOrganizations { survivor, merge } => {
            return Ok(R::UnmergeOrganizations(survivor, merge));
        }
        command => command,
    };
    // Every other command names its record: the fallback is never taken (and would be a
    // contact not found).
    let (id, version) = target.unwrap_or((
        RecordId::Contact(ContactId::from_uuid(uuid::Uuid::nil())),
        None,
    ));
    let (record, stored) = loaded.ok_or(CrmError::NotFound(id))?.into_parts();
    if let Some(version) = version.filter(|v| *v != stored) {
        return Err(CrmError::Conflict(Conflict::new(
            id,
            Precondition::Version(version),
            Some(stored),
        )));
    }
    let found = record.state();
    let wrong = |expected| CrmError::WrongState {
        record: id,
        expected,
        found,
    };
    let one = |state| wrong(Expected::State(state));
    let lead = |s| RecordState::Lead(s);
    let stage = |s| RecordState::Opportunity(s);
    Ok(match (command, record) {
        (
            C::OpenLead {
                interest, fields, ..
            },
            Record::Contact(c),
        ) => R::OpenLead(Versioned::new(c, stored), WithFields::new(interest, fields)),
        (C::Touch { touch, .. }, Record::Lead(AnyLead::New(l))) => {
            R::LogTouch(Versioned::new(l, stored), touch)
        }
        (C::Touch { touch, .. }, Record::Lead(AnyLead::Nurturing(l))) => {
            R::Resume(Versioned::new(l, stored), touch)
        }
        (C::Touch { .. }, _) => return Err(wrong(Expected::OneOf(accepts::TOUCH))),
        (C::Nurture { note, .. }, Record::Lead(AnyLead::Working(l))) => {
            R::Nurture(Versioned::new(l, stored), note)
        }
        (C::Nurture { .. }, _) => return Err(one(lead(LeadStatus::Working))),
        (C::Disqualify { reason, .. }, Record::Lead(l)) => match l {
            AnyLead::New(l) => R::DisqualifyNew(Versioned::new(l, stored), reason),
            AnyLead::Working(l) => R::DisqualifyWorking(Versioned::new(l, stored), reason),
            AnyLead::Nurturing(l) => R::DisqualifyNurturing(Versioned::new(l, stored), reason),
            _ => return Err(wrong(Expected::OneOf(accepts::OPEN_LEAD))),
        },
        (C::Disqualify { .. }, _) => return Err(wrong(Expected::OneOf(accepts::OPEN_LEAD))),
        (C::Recycle { note, .. }, Record::Lead(AnyLead::Disqualified(l))) => {
            R::Recycle(Versioned::new(l, stored), note)
        }
        (C::Recycle { .. }, _) => return Err(one(lead(LeadStatus::Disqualified))),
        (
            C::Qualify {
                qualification,
                fields,
                pipeline,
                ..
            },
            Record::Lead(AnyLead::Working(l)),
        ) => R::QualifyWorking(
            Versioned::new(l, stored),
            qualifying(qualification, fields, pipeline),
        ),
        (
            C::Qualify {
                qualification,
                fields,
                pipeline,
                ..
            },
            Record::Lead(AnyLead::Nurturing(l)),
        ) => R::QualifyNurturing(
            Versioned::new(l, stored),
            qualifying(qualification, fields, pipeline),
        ),
        (C::Qualify { .. }, _) => return Err(wrong(Expected::OneOf(accepts::QUALIFIABLE))),
        (C::Propose { proposal, .. }, Record::Opportunity(AnyOpportunity::Discovery(o))) => {
            R::Propose(Versioned::new(o, stored), proposal)
        }
        (C::Propose { .. }, _) => return Err(one(stage(OpportunityStage::Discovery))),
        (C::Negotiate { note, .. }, Record::Opportunity(AnyOpportunity::Proposal(o))) => {
            R::Negotiate(Versioned::new(o, stored), note)
        }
        (C::Negotiate { .. }, _) => return Err(one(stage(OpportunityStage::Proposal))),
        (
            C::EnterContracting {
                terms, incumbent, ..
            },
            Record::Opportunity(AnyOpportunity::Negotiation(o)),
        ) => R::EnterContracting(Versioned::new(o, stored), terms, incumbent),
        (C::EnterContracting { .. }, _) => return Err(one(stage(OpportunityStage::Negotiation))),
        (
            C::Win {
                contract, fields, ..
            },
            Record::Opportunity(AnyOpportunity::Contracting(o)),
        ) => R::Win(Versioned::new(o, stored), WithFields::new(contract, fields)),
        (C::Win { .. }, _) => return Err(one(stage(OpportunityStage::Contracting))),
        (C::Lose { reason, .. }, Record::Opportunity(o)) => match o {
            AnyOpportunity::Discovery(o) => R::LoseDiscovery(Versioned::new(o, stored), reason),
            AnyOpportunity::Proposal(o) => R::LoseProposal(Versioned::new(o, stored), reason),
            AnyOpportunity::Negotiation(o) => R::LoseNegotiation(Versioned::new(o, stored), reason),
            AnyOpportunity::Contracting(o) => R::LoseContracting(Versioned::new(o, stored), reason),
            _ => return Err(wrong(Expected::OneOf(accepts::OPEN_OPPORTUNITY))),
        },
        (C::Lose { .. }, _) => return Err(wrong(Expected::OneOf(accepts::OPEN_OPPORTUNITY))),
        (C::Reopen { note, .. }, Record::Opportunity(AnyOpportunity::Lost(o))) => {
            R::Reopen(Versioned::new(o, stored), note)
        }
        (C::Reopen { .. }, _) => return Err(one(stage(OpportunityStage::Lost))),
        (C::OpenLead { .. }, _) => return Err(wrong(Expected::Kind(RecordKind::Contact))),
        (C::CompleteTask { .. }, Record::Task(t)) if t.is_open() => {
            R::CompleteTask(Versioned::new(t, stored))
        }
        (C::CancelTask { .. }, Record::Task(t)) if t.is_open() => {
            R::CancelTask(Versioned::new(t, stored))
        }
        (C::CompleteTask { .. } | C::CancelTask { .. }, _) => {
            return Err(one(RecordState::Task(TaskStatus::Open)));
        }
        (C::ReassignLead { owner, reason, .. }, Record::Lead(l)) => match l {
            AnyLead::New(l) => R::ReassignNew(Versioned::new(l, stored), owner, reason),
            AnyLead::Working(l) => R::ReassignWorking(Versioned::new(l, stored), owner, reason),
            AnyLead::Nurturing(l) => R::ReassignNurturing(Versioned::new(l, stored), owner, reason),
            _ => return Err(wrong(Expected::OneOf(accepts::OPEN_LEAD))),
        },
        (C::ReassignLead { .. }, _) => return Err(wrong(Expected::OneOf(accepts::OPEN_LEAD))),
        (C::ReassignOpportunity { owner, reason, .. }, Record::Opportunity(o)) => match o {
            AnyOpportunity::Discovery(o) => {
                R::ReassignDiscovery(Versioned::new(o, stored), owner, reason)
            }
            AnyOpportunity::Proposal(o) => {
                R::ReassignProposal(Versioned::new(o, stored), owner, reason)
            }
            AnyOpportunity::Negotiation(o) => {
                R::ReassignNegotiation(Versioned::new(o, stored), owner, reason)
            }
            AnyOpportunity::Contracting(o) => {
                R::ReassignContracting(Versioned::new(o, stored), owner, reason)
            }
            _ => return Err(wrong(Expected::OneOf(accepts::OPEN_OPPORTUNITY))),
        },
        (C::ReviseOpportunity { revision, .. }, Record::Opportunity(o)) => match o {
            AnyOpportunity::Discovery(o) => R::ReviseDiscovery(Versioned::new(o, stored), revision),
            AnyOpportunity::Proposal(o) => R::ReviseProposal(Versioned::new(o, stored), revision),
            AnyOpportunity::Negotiation(o) => {
                R::ReviseNegotiation(Versioned::new(o, stored), revision)
            }
            AnyOpportunity::Contracting(o) => {
                R::ReviseContracting(Versioned::new(o, stored), revision)
            }
            _ => return Err(wrong(Expected::OneOf(accepts::OPEN_OPPORTUNITY))),
        },
        (C::ReassignOpportunity { .. } | C::ReviseOpportunity { .. }, _) => {
            return Err(wrong(Expected::OneOf(accepts::OPEN_OPPORTUNITY)));
        }
        (C::ReviseProposal { proposal, .. }, Record::Opportunity(o)) => match o {
            AnyOpportunity::Proposal(o) => {
                R::ReproposeProposal(Versioned::new(o, stored), proposal)
            }
            AnyOpportunity::Negotiation(o) => {
                R::ReproposeNegotiation(Versioned::new(o, stored), proposal)
            }
            _ => return Err(wrong(Expected::OneOf(accepts::PROPOSED))),
        },
        (C::ReviseProposal { .. }, _) => return Err(wrong(Expected::OneOf(accepts::PROPOSED))),
        (
            C::CorrectContact {
                details, reason, ..
            },
            Record::Contact(c),
        ) => R::CorrectContact(Versioned::new(c, stored), details, reason),
        (
            C::ReassignContact {
                owner,
                cascade,
                reason,
                ..
            },
            Record::Contact(c),
        ) => R::ReassignContact(Versioned::new(c, stored), owner, cascade, reason),
        (C::LinkContact { organization, .. }, Record::Contact(c)) => {
            R::LinkContact(Versioned::new(c, stored), organization)
        }
        (C::UnlinkContact { .. }, Record::Contact(c)) => {
            R::UnlinkContact(Versioned::new(c, stored))
        }
        (C::EraseContact { .. }, Record::Contact(c)) => R::EraseContact(Versioned::new(c, stored)),
        (
            C::CorrectContact { .. }
            | C::ReassignContact { .. }
            | C::LinkContact { .. }
            | C::UnlinkContact { .. }
            | C::EraseContact { .. },
            _,
        ) => return Err(wrong(Expected::Kind(RecordKind::Contact))),
        (
            C::OverrideProbability {
                probability,
                reason,
                ..
            },
            Record::Opportunity(o),
        ) => match o {
            AnyOpportunity::Discovery(o) => {
                R::OverrideDiscovery(Versioned::new(o, stored), probability, reason)
            }
            AnyOpportunity::Proposal(o) => {
                R::OverrideProposal(Versioned::new(o, stored), probability, reason)
            }
            AnyOpportunity::Negotiation(o) => {
                R::OverrideNegotiation(Versioned::new(o, stored), probability, reason)
            }
            AnyOpportunity::Contracting(o) => {
                R::OverrideContracting(Versioned::new(o, stored), probability, reason)
            }
            _ => return Err(wrong(Expected::OneOf(accepts::OPEN_OPPORTUNITY))),
        },
        (
            C::OverrideForecast {
                category, reason, ..
            },
            Record::Opportunity(o),
        ) => match o {
            AnyOpportunity::Discovery(o) => {
                R::ForecastDiscovery(Versioned::new(o, stored), category, reason)
            }
            AnyOpportunity::Proposal(o) => {
                R::ForecastProposal(Versioned::new(o, stored), category, reason)
            }
            AnyOpportunity::Negotiation(o) => {
                R::ForecastNegotiation(Versioned::new(o, stored), category, reason)
            }
            AnyOpportunity::Contracting(o) => {
                R::ForecastContracting(Versioned::new(o, stored), category, reason)
            }
            _ => return Err(wrong(Expected::OneOf(accepts::OPEN_OPPORTUNITY))),
        },
        (C::ClearOverrides { reason, .. }, Record::Opportunity(o)) => match o {
            AnyOpportunity::Discovery(o) => R::ClearDiscovery(Versioned::new(o, stored), reason),
            AnyOpportunity::Proposal(o) => R::ClearProposal(Versioned::new(o, stored), reason),
            AnyOpportunity::Negotiation(o) => {
                R::ClearNegotiation(Versioned::new(o, stored), reason)
            }
            AnyOpportunity::Contracting(o) => {
                R::ClearContracting(Versioned::new(o, stored), reason)
            }
            _ => return Err(wrong(Expected::OneOf(accepts::OPEN_OPPORTUNITY))),
        },
        (
            C::OverrideProbability { .. } | C::OverrideForecast { .. } | C::ClearOverrides { .. },
            _,
        ) => {
            return Err(wrong(Expected::OneOf(accepts::OPEN_OPPORTUNITY)));
        }
        (C::ReassignAccount { owner, reason, .. }, Record::Account(a)) => {
            R::ReassignAccount(Versioned::new(a, stored), owner, reason)
        }
        (C::ReassignAccount { .. }, _) => return Err(wrong(Expected::Kind(RecordKind::Account))),
        (C::SetFields { .. }, Record::FieldSchema(_)) => {
            return Err(wrong(Expected::OneOf(accepts::CUSTOMIZABLE)));
        }
        (
            C::MoveStage {
                pipeline,
                stage,
                note,
                ..
            },
            Record::Opportunity(o),
        ) => R::MoveStage(Versioned::new(o, stored), pipeline, stage, note),
        (C::MoveStage { .. }, _) => return Err(wrong(Expected::OneOf(accepts::OPEN_OPPORTUNITY))),
        (C::SetFields { fields, .. }, record) => {
            R::SetFields(Versioned::new(record, stored), fields)
        }
        (
            C::CorrectOrganization {
                details, reason, ..
            },
            Record::Organization(o),
        ) => R::CorrectOrganization(Versioned::new(o, stored), details, reason),
        (C::CorrectOrganization { .. }, _) => {
            return Err(wrong(Expected::Kind(RecordKind::Organization)));
        }
        (
            C::CreateOrganization {
                details,
                on_duplicate,
                fields,
            },
            _,
        ) => R::CreateOrganization(WithFields::new(details, fields), on_duplicate),
        (
            C::LogActivity {
                record,
                details,
                fields,
            },
            _,
        ) => R::LogActivity(record, WithFields::new(details, fields)),
        (
            C::AddTask {
                record,
                details,
                fields,
            },
            _,
        ) => R::AddTask(record, WithFields::new(details, fields)),
        (
            C::CreateContact {
                details,
                on_duplicate,
                fields,
            },
            _,
        ) => R::CreateContact(WithFields::new(details, fields), on_duplicate),
        (C::Merge { plan }, _) => R::Merge(plan),
        (C::Unmerge { survivor, merge }, _) => R::Unmerge(survivor, merge),
        (C::MergeOrganizations { plan }, _) => R::MergeOrganizations(plan),
        (C::UnmergeOrganizations { survivor, merge }, _) => {
            R::UnmergeOrganizations(survivor, merge)
        }
    })
}

/// A written value as a record at its version, for [`Executed`].
pub(super) fn written<T: Into<Record>>(value: Versioned<T>) -> Versioned<Record> {
    value.map(Into::into)
}

/// A qualification's records: the converted lead, then the new opportunity.
pub(super) fn qualified(q: Qualified) -> Executed {
    Executed {
        records: vec![written(q.lead), written(q.opportunity)],
    }
}

/// A win's records: the won opportunity, then its account.
pub(super) fn won(w: WonAccount) -> Executed {
    Executed {
        records: vec![written(w.opportunity), written(w.account)],
    }
}

/// A hand-off's records: the contact, then the leads and opportunities that went with it.
pub(super) fn handed(h: HandedOver) -> Executed {
    let mut records = vec![written(h.contact)];
    records.extend(h.leads.into_iter().map(written));
    records.extend(h.opportunities.into_iter().map(written));
    Executed { records }
}

/// A merge's (or its undo's) writes: the survivor, the merged contacts, the records moved.
pub(super) fn merged(m: super::merge::MergeOutcome) -> Executed {
    let mut records = vec![written(m.survivor)];
    records.extend(m.merged.into_iter().map(written));
    records.extend(m.moved.into_iter().map(written));
    Executed { records }
}

/// A merge of organizations' (or its undo's) writes: the survivor, the merged organizations,
/// the contacts moved, the accounts folded.
pub(super) fn merged_organizations(m: super::merge::OrganizationMergeOutcome) -> Executed {
    let mut records = vec![written(m.survivor)];
    records.extend(m.merged.into_iter().map(written));
    records.extend(m.contacts.into_iter().map(written));
    records.extend(m.accounts.into_iter().map(written));
    Executed { records }
}

/// An erasure's records: the contact, then every record erased with it.
pub(super) fn erased(e: ErasureReport) -> Executed {
    let mut records = vec![written(e.contact)];
    records.extend(e.merged.into_iter().map(written));
    records.extend(e.leads.into_iter().map(written));
    records.extend(e.opportunities.into_iter().map(written));
    records.extend(e.accounts.into_iter().map(written));
    records.extend(e.activities.into_iter().map(written));
    records.extend(e.tasks.into_iter().map(written));
    Executed { records }
}
