//! The run-time command API: each step of the lifecycle as data ([`Command`]), for services,
//! queues and scripts that learn a record's state only when they read it. A command names the
//! record, the version the caller read, and the step's evidence; [`Crm::execute`] checks the
//! version before the state, then takes the step through the same typed transitions as the
//! typed API (there is no second transition table), so a rule the compiler enforces holds at
//! run time too.
//!
//! [`Crm::execute`]: crate::Crm::execute

use serde::{Deserialize, Serialize};

use crate::activity::ActivityDetails;
use crate::contact::ContactDetails;
use crate::forecast::{ForecastCategory, Probability};
use crate::id::{AccountId, ContactId, LeadId, OpportunityId, OrganizationId, TaskId};
use crate::lead::{DisqualifyReason, Interest, Touch};
use crate::opportunity::{
    Incumbent, LossReason, PaymentTerms, Revision, SentProposal, SignedContract,
};
use crate::organization::OrganizationDetails;
use crate::qualification::Qualification;
use crate::record::{Record, RecordId, RecordState};
use crate::state::{LeadStatus, OpportunityStage};
use crate::store::{Version, Versioned};
use crate::task::TaskDetails;
use crate::text::{Note, User};

/// What [`Crm::create_contact`](crate::Crm::create_contact) (and
/// [`Crm::create_organization`](crate::Crm::create_organization)) does when a contact with the same email address exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Refuse, with [`CrmError::DuplicateContact`](crate::CrmError::DuplicateContact) naming the existing contact. Race-free: two
    /// concurrent creations with one address create one contact.
    Refuse,
    /// Return the existing contact instead of creating one.
    Reuse,
}

/// A step of the lifecycle as data, deserialised from a request or a queue: `"step"` names
/// it, `"args"` holds its record, the version the caller read (`"version"`), and its
/// evidence, each in its stored JSON form. Give `"step"` first: the arguments are then read
/// as they come, and an error in one names its path (`args.touch.summary`, with
/// `serde_path_to_error`).
///
/// ```
/// use prospect::Command;
/// let json = r#"{
///     "step": "nurture",
///     "args": {
///         "lead": "019b76da-c300-7000-8000-000000000001",
///         "version": 2,
///         "note": "Back in the spring"
///     }
/// }"#;
/// let command: Command = serde_json::from_str(json)?;
/// assert_eq!(command.step(), "nurture");
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// Steps that start from several states take any of them: `touch` a new lead (its first
/// touch) or a nurtured one (resuming it); `disqualify` any open lead; `qualify` a lead being
/// worked or nurtured; `lose` an opportunity in any open stage.
#[derive(Debug, Serialize, Deserialize)]
#[serde(
    tag = "step",
    content = "args",
    rename_all = "snake_case",
    deny_unknown_fields
)]
#[non_exhaustive]
pub enum Command {
    /// Record a new contact ([`Crm::create_contact`](crate::Crm::create_contact)).
    CreateContact {
        /// Who the contact is.
        details: ContactDetails,
        /// What to do when a contact has the same email address (default: refuse).
        #[serde(default = "refuse")]
        on_duplicate: OnDuplicate,
        /// The custom field values the contact is created with (default: none).
        #[serde(default, skip_serializing_if = "crate::fields::FieldValues::is_empty")]
        fields: crate::fields::FieldValues,
    },
    /// Open a lead for a contact, as stored ([`Crm::open_lead`](crate::Crm::open_lead)): the
    /// contact does not change, so no version is asked.
    OpenLead {
        /// The contact.
        contact: ContactId,
        /// What the contact is interested in.
        interest: Interest,
        /// The custom field values the lead is created with (default: none).
        #[serde(default, skip_serializing_if = "crate::fields::FieldValues::is_empty")]
        fields: crate::fields::FieldValues,
    },
    /// Contact made: a new lead's first touch, or a nurtured lead resumed.
    Touch {
        /// The lead.
        lead: LeadId,
        /// The version of the lead the caller read.
        version: Version,
        /// The touch.
        touch: Touch,
    },
    /// A lead being worked is nurtured.
    Nurture {
        /// The lead.
        lead: LeadId,
        /// The version of the lead the caller read.
        version: Version,
        /// Why, and until when.
        note: Note,
    },
    /// An open lead is disqualified.
    Disqualify {
        /// The lead.
        lead: LeadId,
        /// The version of the lead the caller read.
        version: Version,
        /// Why.
        reason: DisqualifyReason,
    },
    /// A disqualified lead is recycled into nurturing.
    Recycle {
        /// The lead.
        lead: LeadId,
        /// The version of the lead the caller read.
        version: Version,
        /// Why it is worth another try.
        note: Note,
    },
    /// A lead being worked or nurtured is qualified into an opportunity.
    Qualify {
        /// The lead.
        lead: LeadId,
        /// The version of the lead the caller read.
        version: Version,
        /// The evidence: need, budget, timeline, authority.
        qualification: Qualification,
        /// The custom field values the opportunity is created with (default: none).
        #[serde(default, skip_serializing_if = "crate::fields::FieldValues::is_empty")]
        fields: crate::fields::FieldValues,
        /// The pipeline the opportunity belongs to (default: none), placed in its first
        /// current stage inside discovery ([`WithFields::in_pipeline`](crate::fields::WithFields::in_pipeline)).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pipeline: Option<crate::fields::FieldKey>,
    },
    /// An opportunity in discovery is proposed to.
    Propose {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// The proposal sent.
        proposal: SentProposal,
    },
    /// An opportunity's proposal is negotiated.
    Negotiate {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// What is negotiated.
        note: Note,
    },
    /// Terms agreed and the incumbent out of the way: contracting.
    EnterContracting {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// The payment terms.
        terms: PaymentTerms,
        /// The prospect's previous supplier.
        incumbent: Incumbent,
    },
    /// The contract is signed: won ([`Crm::win`](crate::Crm::win) chooses the account).
    Win {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// The signed contract.
        contract: SignedContract,
        /// The custom field values of the account (one the win opens is created with them; an
        /// existing one has them written in the same commit) (default: none).
        #[serde(default, skip_serializing_if = "crate::fields::FieldValues::is_empty")]
        fields: crate::fields::FieldValues,
    },
    /// An open opportunity is lost.
    Lose {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// Why.
        reason: LossReason,
    },
    /// A lost opportunity is reopened.
    Reopen {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// Why it is worth another try.
        note: Note,
    },
    /// An activity about a contact, an open lead or an open opportunity
    /// ([`Crm::log_activity`](crate::Crm::log_activity)): the record does not change, so no
    /// version is asked.
    LogActivity {
        /// The record it is about (`{"type": "lead", "id": "..."}`).
        record: RecordId,
        /// What happened.
        details: ActivityDetails,
        /// The custom field values the activity is created with (default: none).
        #[serde(default, skip_serializing_if = "crate::fields::FieldValues::is_empty")]
        fields: crate::fields::FieldValues,
    },
    /// A task about a contact, an open lead or an open opportunity
    /// ([`Crm::add_task`](crate::Crm::add_task)).
    AddTask {
        /// The record it is about.
        record: RecordId,
        /// What is to be done, by whom, when.
        details: TaskDetails,
        /// The custom field values the task is created with (default: none).
        #[serde(default, skip_serializing_if = "crate::fields::FieldValues::is_empty")]
        fields: crate::fields::FieldValues,
    },
    /// An open task is done.
    CompleteTask {
        /// The task.
        task: TaskId,
        /// The version of the task the caller read.
        version: Version,
    },
    /// An open task is cancelled.
    CancelTask {
        /// The task.
        task: TaskId,
        /// The version of the task the caller read.
        version: Version,
    },
    /// An open lead changes hands.
    ReassignLead {
        /// The lead.
        lead: LeadId,
        /// The version of the lead the caller read.
        version: Version,
        /// The new owner (`null` or absent: nobody).
        #[serde(default)]
        owner: Option<User>,
        /// Why, if said.
        #[serde(default)]
        reason: Option<Note>,
    },
    /// An open opportunity changes hands.
    ReassignOpportunity {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// The new owner (`null` or absent: nobody).
        #[serde(default)]
        owner: Option<User>,
        /// Why, if said.
        #[serde(default)]
        reason: Option<Note>,
    },
    /// An open opportunity's name, amount or expected close are revised.
    ReviseOpportunity {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// What changes, and why.
        revision: Revision,
    },
    /// A revised proposal, in Proposal or Negotiation.
    ReviseProposal {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// The proposal sent.
        proposal: SentProposal,
    },
    /// A contact's details are corrected
    /// ([`Crm::correct_contact`](crate::Crm::correct_contact)).
    CorrectContact {
        /// The contact.
        contact: ContactId,
        /// The version of the contact the caller read.
        version: Version,
        /// The details, whole.
        details: ContactDetails,
        /// Why, if said.
        #[serde(default)]
        reason: Option<Note>,
    },
    /// A contact changes hands, with its open records if `cascade` says so
    /// ([`Crm::reassign_contact`](crate::Crm::reassign_contact)).
    ReassignContact {
        /// The contact.
        contact: ContactId,
        /// The version of the contact the caller read.
        version: Version,
        /// The new owner (`null` or absent: nobody).
        #[serde(default)]
        owner: Option<User>,
        /// Whether its open records go with it (default: the contact only).
        #[serde(default = "contact_only")]
        cascade: Cascade,
        /// Why, if said.
        #[serde(default)]
        reason: Option<Note>,
    },
    /// A contact joins an organization ([`Crm::link_contact`](crate::Crm::link_contact)).
    LinkContact {
        /// The contact.
        contact: ContactId,
        /// The version of the contact the caller read.
        version: Version,
        /// The organization.
        organization: OrganizationId,
    },
    /// A contact leaves its organization
    /// ([`Crm::unlink_contact`](crate::Crm::unlink_contact)).
    UnlinkContact {
        /// The contact.
        contact: ContactId,
        /// The version of the contact the caller read.
        version: Version,
    },
    /// A contact's personal data is erased, with its records' free text
    /// ([`Crm::erase_contact`](crate::Crm::erase_contact)).
    EraseContact {
        /// The contact.
        contact: ContactId,
        /// The version of the contact the caller read.
        version: Version,
    },
    /// An open opportunity's probability is overridden until its next stage change.
    OverrideProbability {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// The probability, in percent.
        probability: Probability,
        /// Why, if said.
        #[serde(default)]
        reason: Option<Note>,
    },
    /// An open opportunity's forecast category is overridden until its next stage change.
    OverrideForecast {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// The category.
        category: ForecastCategory,
        /// Why, if said.
        #[serde(default)]
        reason: Option<Note>,
    },
    /// An open opportunity returns to its stage's probability and forecast category.
    ClearOverrides {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// Why, if said.
        #[serde(default)]
        reason: Option<Note>,
    },
    /// An account changes hands ([`Crm::reassign_account`](crate::Crm::reassign_account)).
    ReassignAccount {
        /// The account.
        account: AccountId,
        /// The version of the account the caller read.
        version: Version,
        /// The new owner (`null` or absent: nobody).
        #[serde(default)]
        owner: Option<User>,
        /// Why, if said.
        #[serde(default)]
        reason: Option<Note>,
    },
    /// An organization's details are corrected
    /// ([`Crm::correct_organization`](crate::Crm::correct_organization)).
    CorrectOrganization {
        /// The organization.
        organization: OrganizationId,
        /// The version of the organization the caller read.
        version: Version,
        /// The details, whole.
        details: OrganizationDetails,
        /// Why, if said.
        #[serde(default)]
        reason: Option<Note>,
    },
    /// Record a new organization
    /// ([`Crm::create_organization`](crate::Crm::create_organization)).
    CreateOrganization {
        /// What is known about it.
        details: OrganizationDetails,
        /// What to do when an organization has one of its domains (default: refuse).
        #[serde(default = "refuse")]
        on_duplicate: OnDuplicate,
        /// The custom field values the organization is created with (default: none).
        #[serde(default, skip_serializing_if = "crate::fields::FieldValues::is_empty")]
        fields: crate::fields::FieldValues,
    },
    /// Write a record's custom fields ([`Crm::set_fields`](crate::Crm::set_fields)): any
    /// record but the field schema, in any state.
    SetFields {
        /// The record.
        record: RecordId,
        /// The version of the record the caller read.
        version: Version,
        /// The fields set (a value) or cleared (`null`), by key.
        fields: crate::fields::FieldUpdate,
    },
    /// An open opportunity moves between custom stages of its pipeline, inside its backbone
    /// stage, or joins one ([`Crm::move_stage`](crate::Crm::move_stage)).
    MoveStage {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The version of the opportunity the caller read.
        version: Version,
        /// Its pipeline (or the one it joins).
        pipeline: crate::fields::FieldKey,
        /// The custom stage it moves to.
        stage: crate::fields::FieldKey,
        /// Why, if said.
        #[serde(default)]
        note: Option<Note>,
    },
    /// Contacts merged as planned ([`Crm::merge`](crate::Crm::merge)): the plan
    /// [`Crm::plan_merge`](crate::Crm::plan_merge) made (boxed: the largest command), which
    /// the step plans again and applies if nothing changed since.
    Merge {
        /// The plan.
        plan: Box<crate::merge::MergePlan>,
    },
    /// A merge undone ([`Crm::unmerge`](crate::Crm::unmerge)).
    Unmerge {
        /// The contact the others were merged into.
        survivor: ContactId,
        /// The merge.
        merge: crate::merge::MergeId,
    },
    /// Organizations merged as planned
    /// ([`Crm::merge_organizations`](crate::Crm::merge_organizations)): the plan
    /// [`Crm::plan_organization_merge`](crate::Crm::plan_organization_merge) made, which the
    /// step plans again and applies if nothing changed since.
    MergeOrganizations {
        /// The plan.
        plan: Box<crate::merge::OrganizationMergePlan>,
    },
    /// A merge of organizations undone
    /// ([`Crm::unmerge_organizations`](crate::Crm::unmerge_organizations)).
    UnmergeOrganizations {
        /// The organization the others were merged into.
        survivor: OrganizationId,
        /// The merge.
        merge: crate::merge::MergeId,
    },
}

/// Whether [`Crm::reassign_contact`](crate::Crm::reassign_contact) hands over the contact's open records too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cascade {
    /// The contact alone.
    ContactOnly,
    /// The contact, and its open leads and opportunities that its previous owner held (those
    /// of other owners, and closed ones, stay with whom they are).
    OpenRecords,
}

fn refuse() -> OnDuplicate {
    OnDuplicate::Refuse
}

fn contact_only() -> Cascade {
    Cascade::ContactOnly
}

impl Command {
    /// The record the step needs read before it runs, and the version the caller read:
    /// `None` for a record to create, for an activity or a task (whose step reads the
    /// record it is about itself) and for a merge and its undo (which read every contact
    /// they name themselves); no version for a lead to open.
    pub fn target(&self) -> Option<(RecordId, Option<Version>)> {
        let lead = |id: &LeadId, v: &Version| Some((RecordId::Lead(*id), Some(*v)));
        let opportunity =
            |id: &OpportunityId, v: &Version| Some((RecordId::Opportunity(*id), Some(*v)));
        match self {
            Command::CreateContact { .. }
            | Command::CreateOrganization { .. }
            | Command::LogActivity { .. }
            | Command::AddTask { .. }
            | Command::Merge { .. }
            | Command::Unmerge { .. }
            | Command::MergeOrganizations { .. }
            | Command::UnmergeOrganizations { .. } => None,
            Command::OpenLead { contact, .. } => Some((RecordId::Contact(*contact), None)),
            Command::CorrectContact {
                contact, version, ..
            }
            | Command::ReassignContact {
                contact, version, ..
            }
            | Command::LinkContact {
                contact, version, ..
            }
            | Command::UnlinkContact { contact, version }
            | Command::EraseContact { contact, version } => {
                Some((RecordId::Contact(*contact), Some(*version)))
            }
            Command::CorrectOrganization {
                organization,
                version,
                ..
            } => Some((RecordId::Organization(*organization), Some(*version))),
            Command::OverrideProbability {
                opportunity: id,
                version,
                ..
            }
            | Command::OverrideForecast {
                opportunity: id,
                version,
                ..
            }
            | Command::ClearOverrides {
                opportunity: id,
                version,
                ..
            }
            | Command::MoveStage {
                opportunity: id,
                version,
                ..
            } => opportunity(id, version),
            Command::ReassignAccount {
                account, version, ..
            } => Some((RecordId::Account(*account), Some(*version))),
            Command::SetFields {
                record, version, ..
            } => Some((*record, Some(*version))),
            Command::CompleteTask { task, version } | Command::CancelTask { task, version } => {
                Some((RecordId::Task(*task), Some(*version)))
            }
            Command::ReassignLead {
                lead: id, version, ..
            } => lead(id, version),
            Command::ReassignOpportunity {
                opportunity: id,
                version,
                ..
            }
            | Command::ReviseOpportunity {
                opportunity: id,
                version,
                ..
            }
            | Command::ReviseProposal {
                opportunity: id,
                version,
                ..
            } => opportunity(id, version),
            Command::Touch {
                lead: id, version, ..
            }
            | Command::Nurture {
                lead: id, version, ..
            }
            | Command::Disqualify {
                lead: id, version, ..
            }
            | Command::Recycle {
                lead: id, version, ..
            }
            | Command::Qualify {
                lead: id, version, ..
            } => lead(id, version),
            Command::Propose {
                opportunity: id,
                version,
                ..
            }
            | Command::Negotiate {
                opportunity: id,
                version,
                ..
            }
            | Command::EnterContracting {
                opportunity: id,
                version,
                ..
            }
            | Command::Win {
                opportunity: id,
                version,
                ..
            }
            | Command::Lose {
                opportunity: id,
                version,
                ..
            }
            | Command::Reopen {
                opportunity: id,
                version,
                ..
            } => opportunity(id, version),
        }
    }

    /// Every step's name, as in `"step"`, in the order of the variants: what
    /// [`step`](Self::step) gives for each.
    pub const STEPS: &'static [&'static str] = &[
        "create_contact",
        "open_lead",
        "touch",
        "nurture",
        "disqualify",
        "recycle",
        "qualify",
        "propose",
        "negotiate",
        "enter_contracting",
        "win",
        "lose",
        "reopen",
        "log_activity",
        "add_task",
        "complete_task",
        "cancel_task",
        "reassign_lead",
        "reassign_opportunity",
        "revise_opportunity",
        "revise_proposal",
        "correct_contact",
        "reassign_contact",
        "link_contact",
        "unlink_contact",
        "erase_contact",
        "override_probability",
        "override_forecast",
        "clear_overrides",
        "reassign_account",
        "correct_organization",
        "create_organization",
        "set_fields",
        "move_stage",
        "merge",
        "unmerge",
        "merge_organizations",
        "unmerge_organizations",
    ];

    /// The step's name, as in `"step"`.
    pub fn step(&self) -> &'static str {
        match self {
            Command::CreateContact { .. } => "create_contact",
            Command::OpenLead { .. } => "open_lead",
            Command::Touch { .. } => "touch",
            Command::Nurture { .. } => "nurture",
            Command::Disqualify { .. } => "disqualify",
            Command::Recycle { .. } => "recycle",
            Command::Qualify { .. } => "qualify",
            Command::Propose { .. } => "propose",
            Command::Negotiate { .. } => "negotiate",
            Command::EnterContracting { .. } => "enter_contracting",
            Command::Win { .. } => "win",
            Command::Lose { .. } => "lose",
            Command::Reopen { .. } => "reopen",
            Command::LogActivity { .. } => "log_activity",
            Command::AddTask { .. } => "add_task",
            Command::CompleteTask { .. } => "complete_task",
            Command::CancelTask { .. } => "cancel_task",
            Command::ReassignLead { .. } => "reassign_lead",
            Command::ReassignOpportunity { .. } => "reassign_opportunity",
            Command::ReviseOpportunity { .. } => "revise_opportunity",
            Command::ReviseProposal { .. } => "revise_proposal",
            Command::CorrectContact { .. } => "correct_contact",
            Command::CreateOrganization { .. } => "create_organization",
            Command::ReassignContact { .. } => "reassign_contact",
            Command::LinkContact { .. } => "link_contact",
            Command::UnlinkContact { .. } => "unlink_contact",
            Command::EraseContact { .. } => "erase_contact",
            Command::OverrideProbability { .. } => "override_probability",
            Command::CorrectOrganization { .. } => "correct_organization",
            Command::OverrideForecast { .. } => "override_forecast",
            Command::ClearOverrides { .. } => "clear_overrides",
            Command::ReassignAccount { .. } => "reassign_account",
            Command::SetFields { .. } => "set_fields",
            Command::MoveStage { .. } => "move_stage",
            Command::Merge { .. } => "merge",
            Command::Unmerge { .. } => "unmerge",
            Command::MergeOrganizations { .. } => "merge_organizations",
            Command::UnmergeOrganizations { .. } => "unmerge_organizations",
        }
    }
}

/// What [`Crm::execute`](crate::Crm::execute) stored: every record the step wrote, at its new
/// version (a qualification writes the lead and its opportunity, a win the opportunity and
/// its account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Executed {
    /// The records written, in the order the step names them.
    pub records: Vec<Versioned<Record>>,
}

/// What [`Crm::execute_once`](crate::Crm::execute_once) answered: the records the step wrote,
/// or, for a request made before with the same key, the records its first commit wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecutedOnce {
    /// The records written: by this call, or by the first (as they are now, when
    /// `replayed`).
    pub executed: Executed,
    /// Whether the request was made before: nothing was written this time.
    pub replayed: bool,
}

/// The states each step that starts from several takes, named in its
/// [`WrongState`](crate::CrmError::WrongState) error.
pub(crate) mod accepts {
    use super::*;

    pub(crate) const TOUCH: &[RecordState] = &[
        RecordState::Lead(LeadStatus::New),
        RecordState::Lead(LeadStatus::Nurturing),
    ];
    pub(crate) const OPEN_LEAD: &[RecordState] = &[
        RecordState::Lead(LeadStatus::New),
        RecordState::Lead(LeadStatus::Working),
        RecordState::Lead(LeadStatus::Nurturing),
    ];
    pub(crate) const QUALIFIABLE: &[RecordState] = &[
        RecordState::Lead(LeadStatus::Working),
        RecordState::Lead(LeadStatus::Nurturing),
    ];
    pub(crate) const PROPOSED: &[RecordState] = &[
        RecordState::Opportunity(OpportunityStage::Proposal),
        RecordState::Opportunity(OpportunityStage::Negotiation),
    ];
    /// Every state of every kind that holds custom fields.
    pub(crate) const CUSTOMIZABLE: &[RecordState] = &[
        RecordState::Contact,
        RecordState::Organization,
        RecordState::Lead(LeadStatus::New),
        RecordState::Lead(LeadStatus::Working),
        RecordState::Lead(LeadStatus::Nurturing),
        RecordState::Lead(LeadStatus::Converted),
        RecordState::Lead(LeadStatus::Disqualified),
        RecordState::Opportunity(OpportunityStage::Discovery),
        RecordState::Opportunity(OpportunityStage::Proposal),
        RecordState::Opportunity(OpportunityStage::Negotiation),
        RecordState::Opportunity(OpportunityStage::Contracting),
        RecordState::Opportunity(OpportunityStage::Won),
        RecordState::Opportunity(OpportunityStage::Lost),
        RecordState::Account,
        RecordState::Task(crate::task::TaskStatus::Open),
        RecordState::Task(crate::task::TaskStatus::Done),
        RecordState::Task(crate::task::TaskStatus::Cancelled),
        RecordState::Activity,
    ];
    pub(crate) const OPEN_OPPORTUNITY: &[RecordState] = &[
        RecordState::Opportunity(OpportunityStage::Discovery),
        RecordState::Opportunity(OpportunityStage::Proposal),
        RecordState::Opportunity(OpportunityStage::Negotiation),
        RecordState::Opportunity(OpportunityStage::Contracting),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `STEPS` is every variant's name: serde's refusal of an unknown step lists the
    /// variants it knows, which must be these.
    #[test]
    fn steps_name_every_variant() {
        let refused = serde_json::from_str::<Command>(r#"{"step": "no_such_step", "args": {}}"#);
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        let known: Vec<&str> = message
            .split("expected one of ")
            .nth(1)
            .unwrap_or_default()
            .split(", ")
            .map(|name| name.trim_start_matches('`').split('`').next().unwrap_or(""))
            .collect();
        assert_eq!(known, Command::STEPS, "{message}");
    }
}
