//! The daily work: activities logged and tasks added, done or cancelled, about a contact, an open
//! lead or an open opportunity. [`Crm`]'s methods, documented, and their logic ([`Steps`]),
//! which [`AsyncCrm`] runs too.

use super::steps::{Backend, Steps, Subject as _, run};
use super::*;
use crate::access::Action;

impl<S: Store> Crm<S> {
    /// Logs an activity about `contact`. See [`Activity::on_contact`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when it happened after now, or before the context's
    /// [`DatePolicy`] looks back; [`CrmError::ContactErased`] when the contact was erased;
    /// [`CrmError::Conflict`] when the record it is about changed since it was read (reload
    /// it); [`CrmError::Store`].
    pub fn log_activity_on_contact(
        &self,
        contact: &Versioned<Contact>,
        details: impl Into<WithFields<ActivityDetails>>,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        let details = details.into();
        run(self
            .steps()
            .log_activity_on_contact(contact, details, actor))
    }

    /// Logs an activity about `lead`, which is open (its type says so). See
    /// [`Activity::on_lead`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when it happened after now, or before the context's
    /// [`DatePolicy`] looks back; [`CrmError::ContactErased`] when the contact was erased;
    /// [`CrmError::Conflict`] when the record it is about changed since it was read (reload
    /// it); [`CrmError::Store`].
    pub fn log_activity_on_lead<St: OpenLeadState>(
        &self,
        lead: &Versioned<Lead<St>>,
        details: impl Into<WithFields<ActivityDetails>>,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        let details = details.into();
        run(self.steps().log_activity_on_lead(lead, details, actor))
    }

    /// Logs an activity about `opportunity`, which is open (its type says so). See
    /// [`Activity::on_opportunity`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when it happened after now, or before the context's
    /// [`DatePolicy`] looks back; [`CrmError::ContactErased`] when the contact was erased;
    /// [`CrmError::Conflict`] when the record it is about changed since it was read (reload
    /// it); [`CrmError::Store`].
    pub fn log_activity_on_opportunity<St: OpenStage>(
        &self,
        opportunity: &Versioned<Opportunity<St>>,
        details: impl Into<WithFields<ActivityDetails>>,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        let details = details.into();
        run(self
            .steps()
            .log_activity_on_opportunity(opportunity, details, actor))
    }

    /// Logs an activity about the record `id`, whose kind and state are known only at run
    /// time (a request naming a record): a contact, a lead in an open state or an opportunity
    /// in an open stage, as stored now.
    ///
    /// Every `log_activity` step takes its details with custom field values too
    /// (`WithFields::new(details, values)`), as [`create_contact`](Self::create_contact) does.
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`]; [`CrmError::WrongState`] for a closed lead or opportunity, an
    /// account or an activity, naming every state that takes an activity;
    /// [`CrmError::Invalid`] when it happened after now, or before the context's
    /// [`DatePolicy`] looks back; [`CrmError::ContactErased`] when the contact was erased;
    /// [`CrmError::Conflict`] when the record it is about changed since it was read (reload
    /// it); [`CrmError::Store`].
    pub fn log_activity(
        &self,
        id: impl Into<RecordId>,
        details: impl Into<WithFields<ActivityDetails>>,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<S::Error>> {
        let details = details.into();
        run(self.steps().log_activity(id, details, actor))
    }

    /// Adds a task about the record `id`, whose kind and state are known only at run time: a
    /// contact, a lead in an open state or an opportunity in an open stage, as stored now.
    ///
    /// Every `add_task` step takes its details with custom field values too
    /// (`WithFields::new(details, values)`), as [`create_contact`](Self::create_contact) does.
    ///
    /// # Errors
    ///
    /// [`CrmError::NotFound`]; [`CrmError::WrongState`] for a closed lead or opportunity, an
    /// account, an activity or a task, naming every state that takes a task;
    /// [`CrmError::Invalid`] when it is due outside the context's [`DatePolicy`] window;
    /// [`CrmError::ContactErased`]; [`CrmError::Conflict`] when the record it is about changed
    /// since it was read (reload it); [`CrmError::Store`].
    pub fn add_task(
        &self,
        id: impl Into<RecordId>,
        details: impl Into<WithFields<TaskDetails>>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        let details = details.into();
        run(self.steps().add_task(id, details, actor))
    }

    /// Adds a task about `contact`. See [`Task::on_contact`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when it is due outside the context's [`DatePolicy`] window;
    /// [`CrmError::ContactErased`] when the contact was erased; [`CrmError::Conflict`] when the
    /// record it is about changed since it was read (reload it); [`CrmError::Store`].
    pub fn add_task_on_contact(
        &self,
        contact: &Versioned<Contact>,
        details: impl Into<WithFields<TaskDetails>>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        let details = details.into();
        run(self.steps().add_task_on_contact(contact, details, actor))
    }

    /// Adds a task about `lead`, which is open (its type says so). See [`Task::on_lead`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when it is due outside the context's [`DatePolicy`] window;
    /// [`CrmError::ContactErased`] when the contact was erased; [`CrmError::Conflict`] when the
    /// record it is about changed since it was read (reload it); [`CrmError::Store`].
    pub fn add_task_on_lead<St: OpenLeadState>(
        &self,
        lead: &Versioned<Lead<St>>,
        details: impl Into<WithFields<TaskDetails>>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        let details = details.into();
        run(self.steps().add_task_on_lead(lead, details, actor))
    }

    /// Adds a next step for `opportunity`, which is open (its type says so). See
    /// [`Task::on_opportunity`].
    ///
    /// # Errors
    ///
    /// [`CrmError::Invalid`] when it is due outside the context's [`DatePolicy`] window;
    /// [`CrmError::ContactErased`] when the contact was erased; [`CrmError::Conflict`] when the
    /// record it is about changed since it was read (reload it); [`CrmError::Store`].
    pub fn add_task_on_opportunity<St: OpenStage>(
        &self,
        opportunity: &Versioned<Opportunity<St>>,
        details: impl Into<WithFields<TaskDetails>>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        let details = details.into();
        run(self
            .steps()
            .add_task_on_opportunity(opportunity, details, actor))
    }

    /// Marks `task` done. See [`Task::complete`].
    ///
    /// # Errors
    ///
    /// [`CrmError::WrongState`] when it is done or cancelled already; [`CrmError::Conflict`]
    /// when it changed since it was read; [`CrmError::Store`].
    pub fn complete_task(
        &self,
        task: Versioned<Task>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        run(self.steps().complete_task(task, actor))
    }

    /// Cancels `task`. See [`Task::cancel`].
    ///
    /// # Errors
    ///
    /// [`CrmError::WrongState`] when it is done or cancelled already; [`CrmError::Conflict`]
    /// when it changed since it was read; [`CrmError::Store`].
    pub fn cancel_task(
        &self,
        task: Versioned<Task>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<S::Error>> {
        run(self.steps().cancel_task(task, actor))
    }
}

impl<B: Backend> Steps<'_, B> {
    pub(super) async fn log_activity_on_contact(
        &self,
        contact: &Versioned<Contact>,
        details: WithFields<ActivityDetails>,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<B::Error>> {
        let (details, values) = details.into_parts();
        let ctx = self.context(actor);
        plan::not_erased(contact.id(), contact.erasure().is_some())?;
        let activity =
            plan::invalid_for(contact.id(), Activity::on_contact(contact, details, &ctx))?;
        let permit = self.allow(
            actor,
            Action::Create,
            activity.resource().about_owned_by(contact.owner()),
        )?;
        self.create_with(
            activity,
            values,
            plan::relying_on(contact.id(), contact.version()),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn log_activity_on_lead<St: OpenLeadState>(
        &self,
        lead: &Versioned<Lead<St>>,
        details: WithFields<ActivityDetails>,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<B::Error>> {
        let (details, values) = details.into_parts();
        let ctx = self.context(actor);
        plan::not_erased(lead.contact(), lead.is_erased())?;
        let activity = plan::invalid_for(lead.id(), Activity::on_lead(lead, details, &ctx))?;
        let permit = self.allow(
            actor,
            Action::Create,
            activity.resource().about_owned_by(lead.owner()),
        )?;
        self.create_with(
            activity,
            values,
            plan::relying_on(lead.id(), lead.version()),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn log_activity_on_opportunity<St: OpenStage>(
        &self,
        opportunity: &Versioned<Opportunity<St>>,
        details: WithFields<ActivityDetails>,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<B::Error>> {
        let (details, values) = details.into_parts();
        let ctx = self.context(actor);
        plan::not_erased(opportunity.contact(), opportunity.is_erased())?;
        let activity = Activity::on_opportunity(opportunity, details, &ctx);
        let activity = plan::invalid_for(opportunity.id(), activity)?;
        let permit = self.allow(
            actor,
            Action::Create,
            activity.resource().about_owned_by(opportunity.owner()),
        )?;
        self.create_with(
            activity,
            values,
            plan::relying_on(opportunity.id(), opportunity.version()),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn log_activity(
        &self,
        id: impl Into<RecordId>,
        details: WithFields<ActivityDetails>,
        actor: &User,
    ) -> Result<Versioned<Activity>, CrmError<B::Error>> {
        let (details, values) = details.into_parts();
        let id = id.into();
        let record = self.store.load(id).await.map_err(CrmError::Store)?;
        let about = self.readable_or_none(actor, record).await?;
        let relied_on = plan::relying_on_loaded(&about);
        let about_owner = about.as_ref().and_then(|r| r.value().owner().cloned());
        let record = about;
        let activity = plan::activity_about(id, record, details, &self.context(actor))?;
        let permit = self.allow(
            actor,
            Action::Create,
            activity.resource().about_owned_by(about_owner.as_ref()),
        )?;
        self.create_with(activity, values, relied_on, actor, permit)
            .await
    }

    pub(super) async fn add_task(
        &self,
        id: impl Into<RecordId>,
        details: WithFields<TaskDetails>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<B::Error>> {
        let (details, values) = details.into_parts();
        let id = id.into();
        let record = self.store.load(id).await.map_err(CrmError::Store)?;
        let about = self.readable_or_none(actor, record).await?;
        let relied_on = plan::relying_on_loaded(&about);
        let about_owner = about.as_ref().and_then(|r| r.value().owner().cloned());
        let record = about;
        let task = plan::task_about(id, record, details, &self.context(actor))?;
        let permit = self.allow(
            actor,
            Action::Create,
            task.resource().about_owned_by(about_owner.as_ref()),
        )?;
        self.create_with(task, values, relied_on, actor, permit)
            .await
    }

    pub(super) async fn add_task_on_contact(
        &self,
        contact: &Versioned<Contact>,
        details: WithFields<TaskDetails>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<B::Error>> {
        let (details, values) = details.into_parts();
        plan::not_erased(contact.id(), contact.erasure().is_some())?;
        let task = plan::invalid_for(
            contact.id(),
            Task::on_contact(contact, details, &self.context(actor)),
        )?;
        let permit = self.allow(
            actor,
            Action::Create,
            task.resource().about_owned_by(contact.owner()),
        )?;
        self.create_with(
            task,
            values,
            plan::relying_on(contact.id(), contact.version()),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn add_task_on_lead<St: OpenLeadState>(
        &self,
        lead: &Versioned<Lead<St>>,
        details: WithFields<TaskDetails>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<B::Error>> {
        let (details, values) = details.into_parts();
        plan::not_erased(lead.contact(), lead.is_erased())?;
        let task = plan::invalid_for(
            lead.id(),
            Task::on_lead(lead, details, &self.context(actor)),
        )?;
        let permit = self.allow(
            actor,
            Action::Create,
            task.resource().about_owned_by(lead.owner()),
        )?;
        self.create_with(
            task,
            values,
            plan::relying_on(lead.id(), lead.version()),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn add_task_on_opportunity<St: OpenStage>(
        &self,
        opportunity: &Versioned<Opportunity<St>>,
        details: WithFields<TaskDetails>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<B::Error>> {
        let (details, values) = details.into_parts();
        plan::not_erased(opportunity.contact(), opportunity.is_erased())?;
        let task = plan::invalid_for(
            opportunity.id(),
            Task::on_opportunity(opportunity, details, &self.context(actor)),
        )?;
        let permit = self.allow(
            actor,
            Action::Create,
            task.resource().about_owned_by(opportunity.owner()),
        )?;
        self.create_with(
            task,
            values,
            plan::relying_on(opportunity.id(), opportunity.version()),
            actor,
            permit,
        )
        .await
    }

    pub(super) async fn complete_task(
        &self,
        task: Versioned<Task>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<B::Error>> {
        let permit = self
            .allow_work(
                actor,
                Action::Edit,
                task.resource(),
                task.regarding().into(),
            )
            .await?;
        let ctx = self.context(actor);
        self.apply(plan::close_task(task, |t| t.complete(&ctx))?, actor, permit)
            .await
    }

    pub(super) async fn cancel_task(
        &self,
        task: Versioned<Task>,
        actor: &User,
    ) -> Result<Versioned<Task>, CrmError<B::Error>> {
        let permit = self
            .allow_work(
                actor,
                Action::Edit,
                task.resource(),
                task.regarding().into(),
            )
            .await?;
        let ctx = self.context(actor);
        self.apply(plan::close_task(task, |t| t.cancel(&ctx))?, actor, permit)
            .await
    }
}
