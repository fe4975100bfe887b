//! Opportunities in pipelines through the facade: moved between custom stages of one backbone
//! stage ([`Crm::move_stage`]), and placed where a typed step lands them (the pipeline's first
//! current stage inside the backbone stage it enters). Each such commit relies on the schema
//! it was placed under. [`Crm`]'s method, documented, and its logic ([`Steps`]), which
//! [`AsyncCrm`] runs too.

use super::fields::InForce;
use super::steps::{Backend, Steps, Subject as _, run};
use super::*;
use crate::access::Action;
use crate::fields::{CustomStage, FieldKey};

impl<S: Store> Crm<S> {
    /// Moves an open opportunity to `stage`, a custom stage of `pipeline` inside its backbone
    /// stage, with `note` if one is given: an entry of its history that needs no evidence
    /// ([`Opportunity::move_stage`]) and an event
    /// ([`Payload::StageMoved`](crate::event::Payload::StageMoved)). An opportunity in no
    /// pipeline joins `pipeline` (unless it is retired). Crossing into the next backbone stage
    /// stays the typed step with its evidence ([`propose`](Self::propose), ...), after which
    /// the opportunity is in its pipeline's first current stage inside the stage it entered.
    /// The commit relies on the schema the stage was read from: a schema change stored
    /// meanwhile makes it a conflict.
    ///
    /// # Errors
    ///
    /// [`CrmError::Stage`] naming the pipeline or the stage when the schema has no such
    /// pipeline or stage, the stage is retired or inside another backbone stage, the
    /// opportunity is in another pipeline or in that stage already;
    /// [`CrmError::Forbidden`] when the policy does not let `actor` edit it;
    /// [`CrmError::Conflict`] when the opportunity or the schema changed since they were read;
    /// [`CrmError::Store`].
    ///
    /// ```
    /// use chrono::Days;
    /// use prospect::fields::{FieldKey, Pipeline, PipelineStage, SchemaChange, SchemaVersion, WithFields};
    /// use prospect::state::OpportunityStage::{Contracting, Discovery, Negotiation, Proposal};
    /// use prospect::{memory::MemoryStore, *};
    /// let crm = Crm::new(MemoryStore::new(), access::AllowAll);
    /// let me = User::new("claire")?;
    /// let key = |k: &str| FieldKey::new(k);
    /// let stage = |k: &str, backbone, p| Ok::<_, Box<dyn std::error::Error>>(
    ///     PipelineStage::new(key(k)?, k, backbone, Probability::new(p)?));
    /// let renewals = Pipeline::new(key("renewals")?, "Renewals", vec![
    ///     stage("usage_review", Discovery, 20)?,
    ///     stage("budget_confirmed", Discovery, 35)?,
    ///     stage("quote", Proposal, 60)?,
    ///     stage("terms", Negotiation, 75)?,
    ///     stage("signature", Contracting, 90)?,
    /// ]);
    /// let change = SchemaChange::AddPipeline { pipeline: renewals };
    /// crm.change_field_schema(SchemaVersion::EMPTY, change, &me)?;
    ///
    /// # let today = crm.context(&me).today();
    /// # let details = ContactDetails::new(Party::person(PersonName::new("Jeanne Martin")?), LeadSource::Web);
    /// # let contact = crm.create_contact(details, OnDuplicate::Refuse, &me)?.into_contact();
    /// # let interest = Interest::new(Summary::new("Renewal")?, BuyingRole::Advisor);
    /// # let lead = crm.open_lead(&contact, interest, &me)?;
    /// # let lead = crm.log_touch(lead, Touch::new(Channel::Call, Summary::new("Call")?), &me)?;
    /// # let qualification = Qualification::builder()
    /// #     .need(Need::new(Summary::new("Renew")?, vec![Requirement::new("40 seats")?])?)
    /// #     .budget(Budget::new(Money::parse("45000", Currency::EUR)?)?)
    /// #     .timeline(Timeline::new(today + Days::new(60), today, &HorizonPolicy::default())?)
    /// #     .build();
    /// let input = WithFields::from(qualification).in_pipeline(key("renewals")?);
    /// let opportunity = crm.qualify(lead, input, &me)?.opportunity;
    /// let at = |o: &Opportunity<state::Discovery>| o.custom_stage().map(|p| p.stage().to_string());
    /// assert_eq!(at(&opportunity).as_deref(), Some("usage_review"));
    /// let opportunity = crm.move_stage(opportunity, key("renewals")?, key("budget_confirmed")?, None, &me)?;
    /// assert_eq!(opportunity.probability().get(), 35);
    /// // Another backbone stage is reached only by its typed step, with its evidence.
    /// let refused = crm.move_stage(opportunity, key("renewals")?, key("quote")?, None, &me);
    /// assert!(matches!(refused, Err(CrmError::Stage(_))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn move_stage<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        pipeline: FieldKey,
        stage: FieldKey,
        note: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<S::Error>> {
        run(self
            .steps()
            .move_stage(opportunity, &pipeline, &stage, note, actor))
    }
}

/// Where a step places an opportunity of a pipeline: nowhere for one in no pipeline.
pub(super) struct Landing(Option<CustomStage>);

impl Landing {
    /// Nowhere: an opportunity in no pipeline.
    pub(super) fn none() -> Landing {
        Landing(None)
    }

    /// `opportunity`, placed where the step lands it.
    pub(super) fn place<S: OpenStage>(self, opportunity: Opportunity<S>) -> Opportunity<S> {
        match self.0 {
            Some(stage) => opportunity.land(stage),
            None => opportunity,
        }
    }
}

impl<B: Backend> Steps<'_, B> {
    /// Where an opportunity of `pipeline` lands when a step takes it into `backbone`: the
    /// pipeline's first current stage there, under the schema in force (`schema`, when the
    /// step loaded it already), which is given back for the commit to rely on. `joining`: the
    /// step puts the opportunity in the pipeline (a qualification), which a retired one
    /// refuses.
    pub(super) async fn landing(
        &self,
        pipeline: &FieldKey,
        backbone: OpportunityStage,
        joining: bool,
        schema: Option<InForce>,
    ) -> Result<(Landing, InForce), CrmError<B::Error>> {
        let in_force = match schema {
            Some(schema) => schema,
            None => self.schema_in_force().await?,
        };
        let stage = in_force
            .schema()
            .entry_stage(pipeline, backbone)
            .map_err(CrmError::Stage)?;
        if joining && stage.as_ref().is_some_and(CustomStage::pipeline_is_retired) {
            return Err(CrmError::Stage(
                crate::fields::StageError::RetiredPipeline {
                    pipeline: pipeline.clone(),
                },
            ));
        }
        Ok((Landing(stage), in_force))
    }

    /// Where a typed step that takes `opportunity` into `backbone` lands it, and the schema it
    /// is placed under, which the step's commit relies on: `None` for an opportunity in no
    /// pipeline (most), for which nothing is loaded. The opportunity is borrowed, so that the
    /// step's future holds neither it nor the step a second time.
    pub(super) async fn landing_of<A: OpportunityState>(
        &self,
        opportunity: &Opportunity<A>,
        backbone: OpportunityStage,
    ) -> Result<(Landing, Option<InForce>), CrmError<B::Error>> {
        let Some(pipeline) = opportunity.pipeline() else {
            return Ok((Landing::none(), None));
        };
        // The schema's load is boxed, so that the steps' futures stay the size they were
        // without pipelines.
        let (landing, schema) = Box::pin(self.landing(pipeline, backbone, false, None)).await?;
        Ok((landing, Some(schema)))
    }

    pub(super) async fn move_stage<St: OpenStage>(
        &self,
        opportunity: Versioned<Opportunity<St>>,
        pipeline: &FieldKey,
        stage: &FieldKey,
        note: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Opportunity<St>>, CrmError<B::Error>> {
        let permit = self.allow(actor, Action::Edit, opportunity.resource())?;
        let in_force = self.schema_in_force().await?;
        let schema = in_force.schema();
        let (mut moved, version) = opportunity.into_parts();
        // A placement the schema refuses (forged) is not carried into the next version.
        schema
            .check_placement(moved.placement(), moved.history())
            .map_err(CrmError::Stage)?;
        let to = schema
            .custom_stage(pipeline, stage)
            .map_err(CrmError::Stage)?;
        moved
            .move_stage(to, note, &self.context(actor))
            .map_err(CrmError::Stage)?;
        let mut plan = super::plan::step(Versioned::new(moved, version), |o| o);
        in_force.relied_on_by(&mut plan);
        self.apply(plan, actor, permit).await
    }

    /// [`move_stage`](Self::move_stage) on an opportunity in any stage (a command's, resolved),
    /// giving it back as a record: a closed one is refused.
    pub(super) async fn move_stage_of(
        &self,
        opportunity: Versioned<AnyOpportunity>,
        pipeline: &FieldKey,
        stage: &FieldKey,
        note: Option<Note>,
        actor: &User,
    ) -> Result<Versioned<Record>, CrmError<B::Error>> {
        let (opportunity, version) = opportunity.into_parts();
        let record = opportunity.id().into();
        let found = RecordState::Opportunity(opportunity.stage());
        let moved: Record = match opportunity {
            AnyOpportunity::Discovery(o) => {
                self.moved(o, version, pipeline, stage, note, actor).await?
            }
            AnyOpportunity::Proposal(o) => {
                self.moved(o, version, pipeline, stage, note, actor).await?
            }
            AnyOpportunity::Negotiation(o) => {
                self.moved(o, version, pipeline, stage, note, actor).await?
            }
            AnyOpportunity::Contracting(o) => {
                self.moved(o, version, pipeline, stage, note, actor).await?
            }
            AnyOpportunity::Won(_) | AnyOpportunity::Lost(_) => {
                return Err(CrmError::WrongState {
                    record,
                    expected: Expected::OneOf(crate::command::accepts::OPEN_OPPORTUNITY),
                    found,
                });
            }
        };
        Ok(Versioned::new(moved, version.next()))
    }

    async fn moved<St: OpenStage>(
        &self,
        opportunity: Opportunity<St>,
        version: Version,
        pipeline: &FieldKey,
        stage: &FieldKey,
        note: Option<Note>,
        actor: &User,
    ) -> Result<Record, CrmError<B::Error>> {
        let versioned = Versioned::new(opportunity, version);
        let moved = self
            .move_stage(versioned, pipeline, stage, note, actor)
            .await?;
        Ok(moved.into_inner().into())
    }
}
