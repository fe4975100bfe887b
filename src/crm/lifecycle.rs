//! The lifecycle's steps: a lead opened, worked, nurtured, disqualified, recycled and qualified;
//! an opportunity proposed, negotiated, contracted, won, lost and reopened; the edits of open
//! leads and opportunities (hand-offs, revisions, overrides). [`Crm`]'s methods, documented,
//! and their logic ([`Steps`]), which [`AsyncCrm`] runs too.

use super::steps::{Backend, Steps, Subject as _, run};
use super::*;
use crate::access::{Action, Resource};
use crate::fields::FieldValues;

impl<S: Store> Crm<S> {
    /// Opens a lead for `contact` (as stored), who showed `interest`. The contact is not
    /// changed; it may have several leads.
    ///
    /// `WithFields::new(interest, values)` opens it with custom field values, as
    /// [`create_contact`](Self::create_contact) does.
    ///
    /// # Errors
    ///
    /// [`CrmError::ContactErased`] when the contact was erased; [`CrmError::Conflict`] when it
    /// changed since it was read (erased, above all: reload it); [`CrmError::Store`].
    pub fn open_lead(
        &self,
        contact: &Versioned<Contact>,
        interest: impl Into<WithFields<Interest>>,
        actor: &User,
    ) -> Result<Versioned<Lead<New>>, CrmError<S::Error>> {
        run(self.steps().open_lead(contact, interest.into(), actor))
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
        run(self.steps().log_touch(lead, touch, actor))
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
        run(self.steps().nurture(lead, note, actor))
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
        run(self.steps().resume(lead, touch, actor))
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
        run(self.steps().disqualify(lead, reason, actor))
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
        run(self.steps().recycle(lead, note, actor))
    }

    /// Qualifies the lead: the converted lead and the new opportunity are committed together, or
    /// not at all. Two racing qualifications of one lead create one opportunity. See
    /// [`Lead::qualify`].
    ///
    /// `WithFields::new(qualification, values)` creates the opportunity with custom field values
    /// (its money in the budget's currency), as [`create_contact`](Self::create_contact) does.
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when the timeline's decision date is already past or beyond the
    /// context's horizon, its assessment dated outside the context's [`DatePolicy`] window, or
    /// the budget in a withdrawn currency; [`CrmError::Conflict`] when the lead changed since it
    /// was read; [`CrmError::Store`].
    pub fn qualify<St: QualifiableState>(
        &self,
        lead: Versioned<Lead<St>>,
        qualification: impl Into<WithFields<Qualification>>,
        actor: &User,
    ) -> Result<Qualified, CrmError<S::Error>> {
        run(self.steps().qualify(lead, qualification.into(), actor))
    }

    /// A proposal was sent. See [`Opportunity::propose`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when the proposal is in another currency than the deal or dated
    /// outside the context's [`DatePolicy`] window (or before the opportunity);
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn propose(
        &self,
        opportunity: Versioned<Opportunity<Discovery>>,
        proposal: SentProposal,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Proposal>>, CrmError<S::Error>> {
        run(self.steps().propose(opportunity, proposal, actor))
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
        run(self.steps().negotiate(opportunity, note, actor))
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
        run(self
            .steps()
            .enter_contracting(opportunity, terms, incumbent, actor))
    }

    /// Won: the won opportunity and its account are committed together, or not at all. When
    /// the opportunity's contact belongs to an organization, the win goes to the
    /// organization's account (one per organization), opened now if it is its first
    /// ([`Opportunity::win_for_organization`]) or added to ([`Opportunity::win_for`]);
    /// otherwise a new account is the contact's ([`Opportunity::win`]).
    ///
    /// `WithFields::new(contract, values)` gives the account custom field values: the account
    /// the win opens is created with them; an existing one (its organization's) has them
    /// written in the same commit, an edit of its fields ([`WithFields`], [`CrmError::Field`]).
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when the contract is in another currency than the deal or dated
    /// outside the context's [`DatePolicy`] window (or before the opportunity);
    /// [`CrmError::Conflict`] when the opportunity (or the organization's account) changed
    /// since it was read, or another win opened the organization's account meanwhile: retry;
    /// [`CrmError::Money`] when the account's won value would overflow; [`CrmError::Store`].
    pub fn win(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        contract: impl Into<WithFields<SignedContract>>,
        actor: &User,
    ) -> Result<WonAccount, CrmError<S::Error>> {
        run(self.steps().win(opportunity, contract.into(), actor))
    }

    /// Won by an existing customer: the won opportunity and the updated account are committed
    /// together, or not at all. See [`Opportunity::win_for`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when the contract is in another currency than the deal or dated
    /// outside the context's [`DatePolicy`] window (or before the opportunity);
    /// [`CrmError::Conflict`] when the opportunity or the account changed since they were read;
    /// [`CrmError::Money`] when the account's won value would overflow; [`CrmError::Store`].
    pub fn win_for(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        account: Versioned<Account>,
        contract: SignedContract,
        actor: &User,
    ) -> Result<WonAccount, CrmError<S::Error>> {
        run(self.steps().win_for(opportunity, account, contract, actor))
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
        run(self.steps().lose(opportunity, reason, actor))
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
        run(self.steps().reopen(opportunity, note, actor))
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
        run(self.steps().reassign_lead(lead, owner, reason, actor))
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
        run(self
            .steps()
            .reassign_opportunity(opportunity, owner, reason, actor))
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
        run(self
            .steps()
            .revise_opportunity(opportunity, revision, actor))
    }

    /// Sends a revised proposal in `Proposal` or `Negotiation`. See
    /// [`Opportunity::revise_proposal`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when the proposal is in another currency than the deal or dated
    /// outside the context's [`DatePolicy`] window (or before the opportunity);
    /// [`CrmError::Conflict`] when the opportunity changed since it was read;
    /// [`CrmError::Store`].
    pub fn revise_proposal<St: ProposalStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        proposal: SentProposal,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        run(self.steps().revise_proposal(opportunity, proposal, actor))
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
        run(self
            .steps()
            .override_probability(opportunity, probability, reason, actor))
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
        run(self
            .steps()
            .override_forecast(opportunity, category, reason, actor))
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
        run(self.steps().clear_overrides(opportunity, reason, actor))
    }
}

impl<B: Backend> Steps<'_, B> {
    pub(super) async fn open_lead(
        &self,
        contact: &Versioned<Contact>,
        interest: WithFields<Interest>,
        actor: &User,
    ) -> Result<Versioned<Lead<New>>, CrmError<B::Error>> {
        let (interest, values) = interest.into_parts();
        plan::not_erased(contact.id(), contact.erasure().is_some())?;
        plan::not_merged(contact)?;
        let lead = Lead::open(contact, interest, &self.context(actor));
        let permit = self.allow(actor, Action::Create, lead.resource())?;
        let relied_on = plan::relying_on(contact.id(), contact.version());
        self.create_with(lead, values, relied_on, actor, permit)
            .await
    }

    pub(super) async fn log_touch(
        &self,
        lead: Versioned<Lead<New>>,
        touch: Touch,
        actor: &User,
    ) -> Result<Versioned<Lead<Working>>, CrmError<B::Error>> {
        let ctx = self.context(actor);
        let permit = self.allow(actor, Action::Edit, lead.resource())?;
        self.apply(
            plan::step(lead, |l| l.log_touch(touch, &ctx)),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn nurture(
        &self,
        lead: Versioned<Lead<Working>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Lead<Nurturing>>, CrmError<B::Error>> {
        let ctx = self.context(actor);
        let permit = self.allow(actor, Action::Edit, lead.resource())?;
        self.apply(plan::step(lead, |l| l.nurture(note, &ctx)), actor, permit)
            .await
    }

    pub(super) async fn resume(
        &self,
        lead: Versioned<Lead<Nurturing>>,
        touch: Touch,
        actor: &User,
    ) -> Result<Versioned<Lead<Working>>, CrmError<B::Error>> {
        let ctx = self.context(actor);
        let permit = self.allow(actor, Action::Edit, lead.resource())?;
        self.apply(plan::step(lead, |l| l.resume(touch, &ctx)), actor, permit)
            .await
    }

    pub(super) async fn disqualify<St: OpenLeadState>(
        &self,
        lead: Versioned<Lead<St>>,
        reason: DisqualifyReason,
        actor: &User,
    ) -> Result<Versioned<Lead<Disqualified>>, CrmError<B::Error>> {
        let ctx = self.context(actor);
        let permit = self.allow(actor, Action::Edit, lead.resource())?;
        self.apply(
            plan::step(lead, |l| l.disqualify(reason, &ctx)),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn recycle(
        &self,
        lead: Versioned<Lead<Disqualified>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Lead<Nurturing>>, CrmError<B::Error>> {
        let ctx = self.context(actor);
        let permit = self.allow(actor, Action::Edit, lead.resource())?;
        self.apply(plan::step(lead, |l| l.recycle(note, &ctx)), actor, permit)
            .await
    }

    pub(super) async fn qualify<St: QualifiableState>(
        &self,
        lead: Versioned<Lead<St>>,
        qualification: WithFields<Qualification>,
        actor: &User,
    ) -> Result<Qualified, CrmError<B::Error>> {
        let pipeline = qualification.pipeline().cloned();
        let (qualification, values) = qualification.into_parts();
        let opportunity = Resource::new(RecordKind::Opportunity).owned_by(lead.owner());
        let permit = self
            .allow(actor, Action::Edit, lead.resource())?
            .and(self.allow(actor, Action::Create, opportunity)?);
        // The opportunity's money is in its budget's currency.
        let currency = qualification.budget().amount().currency();
        let initial = self
            .initial(RecordKind::Opportunity, values, Some(currency))
            .await?;
        let (landing, schema) = match pipeline {
            None => (super::pipelines::Landing::none(), initial.schema),
            // Boxed: the load stays out of the step's future when there is no pipeline.
            Some(pipeline) => {
                let landing =
                    self.landing(&pipeline, OpportunityStage::Discovery, true, initial.schema);
                let (landing, schema) = Box::pin(landing).await?;
                (landing, Some(schema))
            }
        };
        let ctx = self.context(actor);
        let mut plan = plan::qualify(lead, qualification, initial.custom, landing, &ctx)?;
        super::fields::InForce::rely(&schema, &mut plan);
        self.apply(plan, actor, permit).await
    }

    pub(super) async fn propose(
        &self,
        opportunity: Versioned<Opportunity<Discovery>>,
        proposal: SentProposal,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Proposal>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let next_step = self
            .require_next_step(opportunity.id(), OpportunityStage::Proposal)
            .await?;
        let ctx = self.context(actor);
        let (landing, schema) = self
            .landing_of(opportunity.value(), OpportunityStage::Proposal)
            .await?;
        let mut plan = plan::try_step(opportunity, |o| {
            o.propose(proposal, &ctx).map(|o| landing.place(o))
        })?;
        super::fields::InForce::rely(&schema, &mut plan);
        plan.rely_on(next_step);
        self.apply(plan, actor, permit).await
    }

    pub(super) async fn negotiate(
        &self,
        opportunity: Versioned<Opportunity<Proposal>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Negotiation>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let next_step = self
            .require_next_step(opportunity.id(), OpportunityStage::Negotiation)
            .await?;
        let ctx = self.context(actor);
        let (landing, schema) = self
            .landing_of(opportunity.value(), OpportunityStage::Negotiation)
            .await?;
        let mut plan = plan::step(opportunity, |o| landing.place(o.negotiate(note, &ctx)));
        super::fields::InForce::rely(&schema, &mut plan);
        plan.rely_on(next_step);
        self.apply(plan, actor, permit).await
    }

    pub(super) async fn enter_contracting(
        &self,
        opportunity: Versioned<Opportunity<Negotiation>>,
        terms: PaymentTerms,
        incumbent: Incumbent,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Contracting>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let next_step = self
            .require_next_step(opportunity.id(), OpportunityStage::Contracting)
            .await?;
        let ctx = self.context(actor);
        let (landing, schema) = self
            .landing_of(opportunity.value(), OpportunityStage::Contracting)
            .await?;
        let mut plan = plan::step(opportunity, |o| {
            landing.place(o.enter_contracting(terms, incumbent, &ctx))
        });
        super::fields::InForce::rely(&schema, &mut plan);
        plan.rely_on(next_step);
        self.apply(plan, actor, permit).await
    }

    pub(super) async fn win(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        contract: WithFields<SignedContract>,
        actor: &User,
    ) -> Result<WonAccount, CrmError<B::Error>> {
        let (contract, values) = contract.into_parts();
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let contact = self
            .store
            .load(opportunity.contact().into())
            .await
            .map_err(CrmError::Store)?;
        let organization = plan::organization_of(contact.as_ref());
        // The account depends on the contact's organization: the win relies on the contact as
        // read (a merge of organizations moving it meanwhile is a conflict).
        let relied = contact
            .as_ref()
            .filter(|_| organization.is_some())
            .map(|c| (c.id(), c.version()));
        let account = match organization {
            Some(o) => self
                .store
                .load(AccountId::of_organization(o).into())
                .await
                .map_err(CrmError::Store)?,
            None => None,
        };
        match plan::WinInto::of(organization, account)? {
            plan::WinInto::NewAccount => {
                let permit =
                    permit.and(self.allow(actor, Action::Create, new_account(&opportunity))?);
                let initial = self.initial(RecordKind::Account, values, None).await?;
                let ctx = self.context(actor);
                let mut plan = plan::win(opportunity, contract, initial.custom, &ctx)?;
                super::fields::InForce::rely(&initial.schema, &mut plan);
                self.apply(plan, actor, permit).await
            }
            plan::WinInto::NewAccountOf(o) => {
                let permit =
                    permit.and(self.allow(actor, Action::Create, new_account(&opportunity))?);
                let initial = self.initial(RecordKind::Account, values, None).await?;
                let ctx = self.context(actor);
                let mut plan =
                    plan::win_for_organization(opportunity, o, contract, initial.custom, &ctx)?;
                plan.rely_on(relied);
                super::fields::InForce::rely(&initial.schema, &mut plan);
                self.apply(plan, actor, permit).await
            }
            plan::WinInto::Account(account) => {
                self.win_into(opportunity, account, contract, values, actor, relied)
                    .await
            }
        }
    }

    pub(super) async fn win_for(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        account: Versioned<Account>,
        contract: SignedContract,
        actor: &User,
    ) -> Result<WonAccount, CrmError<B::Error>> {
        self.win_into(
            opportunity,
            account,
            contract,
            FieldValues::new(),
            actor,
            None,
        )
        .await
    }

    /// A win into an existing `account`, which `values` are written to in the same commit
    /// (an edit of its custom fields, before the win), relying on `relied` (the contact whose
    /// organization chose the account) if given. Refused for an account folded into another
    /// by a merge of organizations.
    async fn win_into(
        &self,
        opportunity: Versioned<Opportunity<Contracting>>,
        account: Versioned<Account>,
        contract: SignedContract,
        values: FieldValues,
        actor: &User,
        relied: plan::NextStep,
    ) -> Result<WonAccount, CrmError<B::Error>> {
        if let (Some(into), Some(organization)) = (account.folded_into(), account.organization()) {
            return Err(CrmError::OrganizationMerged {
                organization,
                into: OrganizationId::from_uuid(into.as_uuid()),
            });
        }
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let permit = permit.and(self.allow(actor, Action::Edit, account.resource())?);
        let ctx = self.context(actor);
        let (account, schema) = match values.is_empty() {
            true => (account, None),
            false => {
                let (account, version) = account.into_parts();
                let in_force = self.schema_in_force().await?;
                let update = crate::fields::FieldUpdate::from(values);
                let account =
                    super::fields::with_update(account, &update, in_force.schema(), &ctx)?;
                (Versioned::new(account, version), Some(in_force))
            }
        };
        let mut plan = plan::win_for(opportunity, account, contract, &ctx)?;
        plan.rely_on(relied);
        super::fields::InForce::rely(&schema, &mut plan);
        self.apply(plan, actor, permit).await
    }

    pub(super) async fn lose<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        reason: LossReason,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Lost>>, CrmError<B::Error>> {
        let ctx = self.context(actor);
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        self.apply(
            plan::step(opportunity, |o| o.lose(reason, &ctx)),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn reopen(
        &self,
        opportunity: Versioned<Opportunity<Lost>>,
        note: Note,
        actor: &User,
    ) -> Result<Versioned<Opportunity<Discovery>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let next_step = self
            .require_next_step(opportunity.id(), OpportunityStage::Discovery)
            .await?;
        let ctx = self.context(actor);
        let (landing, schema) = self
            .landing_of(opportunity.value(), OpportunityStage::Discovery)
            .await?;
        let mut plan = plan::step(opportunity, |o| landing.place(o.reopen(note, &ctx)));
        super::fields::InForce::rely(&schema, &mut plan);
        plan.rely_on(next_step);
        self.apply(plan, actor, permit).await
    }

    pub(super) async fn reassign_lead<St: OpenLeadState>(
        &self,
        lead: Versioned<Lead<St>>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Lead<St>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Reassign, lead.resource())?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(lead, |mut l| {
                l.reassign(owner, reason, &ctx);
                l
            }),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn reassign_opportunity<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        owner: Option<User>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Reassign, opportunity.resource())?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |mut o| {
                o.reassign(owner, reason, &ctx);
                o
            }),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn revise_opportunity<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        revision: Revision,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let ctx = self.context(actor);
        let id = opportunity.id();
        self.apply(
            plan::edit(id, opportunity, |o| o.revise(revision, &ctx))?,
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn revise_proposal<St: ProposalStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        proposal: SentProposal,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let ctx = self.context(actor);
        let id = opportunity.id();
        self.apply(
            plan::edit(id, opportunity, |o| o.revise_proposal(proposal, &ctx))?,
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn override_probability<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        probability: Probability,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |mut o| {
                o.override_probability(probability, reason, &ctx);
                o
            }),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn override_forecast<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        category: ForecastCategory,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |mut o| {
                o.override_forecast(category, reason, &ctx);
                o
            }),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn clear_overrides<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        reason: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let ctx = self.context(actor);
        self.apply(
            plan::step(opportunity, |mut o| {
                o.clear_overrides(reason, &ctx);
                o
            }),
            actor,
            permit,
        )
        .await
    }
}

/// What the policy sees of the account a win opens: owned as the opportunity is.
fn new_account<St: crate::state::OpportunityState>(opportunity: &Opportunity<St>) -> Resource<'_> {
    Resource::new(RecordKind::Account).owned_by(opportunity.owner())
}
