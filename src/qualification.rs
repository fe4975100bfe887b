//! Qualification: the evidence that turns a lead into an opportunity (need, budget, timeline,
//! and, when known, authority), with a typestate builder.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::{Day, HorizonPolicy, check_horizon};
use crate::error::{Field, ValidationError};
use crate::id::ContactId;
use crate::money::Money;
use crate::text::{JobTitle, PersonName, Requirement, Summary};

/// What the lead needs, with the requirements the seller identified (at least one).
///
/// ```
/// use prospect::{Need, Requirement, Summary};
/// let need = Need::new(
///     Summary::new("Replace the spreadsheet CRM")?,
///     vec![Requirement::new("Import 40k contacts")?],
/// )?;
/// assert_eq!(need.requirements().len(), 1);
/// assert!(Need::new(Summary::new("Vague interest")?, vec![]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "NeedRepr")]
pub struct Need {
    summary: Summary,
    /// Shared: a qualification is copied into every opportunity made from it.
    requirements: Arc<[Requirement]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NeedRepr {
    summary: Summary,
    #[serde(deserialize_with = "requirement_list")]
    requirements: Vec<Requirement>,
}

/// The requirements of a need, refused as a list ([`Need::new`]'s rules) where they are read, so
/// that an error's path ends in `requirements`.
fn requirement_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Requirement>, D::Error> {
    let requirements = Vec::<Requirement>::deserialize(d)?;
    Need::check_list(requirements.len()).map_err(serde::de::Error::custom)?;
    Ok(requirements)
}

impl TryFrom<NeedRepr> for Need {
    type Error = ValidationError;
    fn try_from(r: NeedRepr) -> Result<Need, ValidationError> {
        Need::new(r.summary, r.requirements)
    }
}

impl Need {
    /// The most requirements one need may list.
    pub const MAX_REQUIREMENTS: usize = 100;

    /// A need described by `summary`, with the requirements identified.
    ///
    /// # Errors
    ///
    /// [`ValidationError::Empty`] for [`Field::RequirementList`] when none is given: a need whose
    /// requirements are not identified is not a qualified need. [`ValidationError::TooMany`]
    /// beyond [`Need::MAX_REQUIREMENTS`].
    pub fn new(summary: Summary, requirements: Vec<Requirement>) -> Result<Need, ValidationError> {
        Need::check_list(requirements.len())?;
        Ok(Need {
            summary,
            requirements: requirements.into(),
        })
    }

    /// Checks a list of `len` requirements: at least one, at most [`Need::MAX_REQUIREMENTS`].
    fn check_list(len: usize) -> Result<(), ValidationError> {
        if len == 0 {
            return Err(ValidationError::Empty {
                field: Field::RequirementList,
            });
        }
        if len > Self::MAX_REQUIREMENTS {
            return Err(ValidationError::TooMany {
                field: Field::RequirementList,
                max: Self::MAX_REQUIREMENTS,
                len,
            });
        }
        Ok(())
    }

    /// What is needed.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The requirements identified (never empty).
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }
}

/// The means to pay: an amount above zero.
///
/// ```
/// use prospect::{Budget, Currency, Money};
/// assert!(Budget::new(Money::from_minor(5_000_00, Currency::EUR)).is_ok());
/// assert!(Budget::new(Money::zero(Currency::EUR)).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Money", into = "Money")]
pub struct Budget(Money);

impl TryFrom<Money> for Budget {
    type Error = ValidationError;
    fn try_from(m: Money) -> Result<Budget, ValidationError> {
        Budget::new(m)
    }
}

impl From<Budget> for Money {
    fn from(b: Budget) -> Money {
        b.0
    }
}

impl Budget {
    /// A budget of `amount`.
    ///
    /// # Errors
    ///
    /// [`ValidationError::NotPositive`] for [`Field::Budget`] when the amount is zero or less.
    pub fn new(amount: Money) -> Result<Budget, ValidationError> {
        amount.positive(Field::Budget).map(Budget)
    }

    /// What the prospect can spend.
    pub fn amount(&self) -> Money {
        self.0
    }
}

/// When the lead will decide: a decision date, checked against a [`HorizonPolicy`] on the day
/// it was assessed.
///
/// ```
/// use chrono::NaiveDate;
/// use prospect::{HorizonPolicy, Timeline};
/// let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
/// let policy = HorizonPolicy::default();
/// assert!(Timeline::new(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(), today, &policy).is_ok());
/// assert!(Timeline::new(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(), today, &policy).is_err());
/// assert!(Timeline::new(NaiveDate::from_ymd_opt(2028, 1, 1).unwrap(), today, &policy).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "TimelineRepr")]
pub struct Timeline {
    decision_date: NaiveDate,
    assessed_on: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimelineRepr {
    decision_date: NaiveDate,
    assessed_on: NaiveDate,
}

impl TryFrom<TimelineRepr> for Timeline {
    type Error = ValidationError;
    fn try_from(r: TimelineRepr) -> Result<Timeline, ValidationError> {
        // The policy in force when it was assessed is not stored; the widest one is applied.
        Timeline::new(r.decision_date, r.assessed_on, &HorizonPolicy::WIDEST)
    }
}

impl Timeline {
    /// A decision expected on `decision_date`, assessed `today` under `policy`.
    ///
    /// # Errors
    ///
    /// For [`Field::DecisionDate`]: [`ValidationError::DateInPast`] before `today`,
    /// [`ValidationError::BeyondHorizon`] after `today` plus the policy's horizon.
    pub fn new(
        decision_date: NaiveDate,
        today: NaiveDate,
        policy: &HorizonPolicy,
    ) -> Result<Timeline, ValidationError> {
        check_horizon(Field::DecisionDate, decision_date, Day::of(today), policy)?;
        Ok(Timeline {
            decision_date,
            assessed_on: today,
        })
    }

    /// The date the lead expects to decide by.
    pub fn decision_date(&self) -> NaiveDate {
        self.decision_date
    }

    /// The day the timeline was assessed.
    pub fn assessed_on(&self) -> NaiveDate {
        self.assessed_on
    }
}

/// Who makes the purchase decision, when known: a strong sign, not a requirement. Every field is
/// validated by its type, so the fields are public.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    /// The decision maker's name.
    pub decision_maker: PersonName,
    /// Their job title, if known.
    pub job_title: Option<JobTitle>,
    /// Their contact record, if they have one.
    pub contact: Option<ContactId>,
}

impl Authority {
    /// The decision maker, by name only.
    pub fn new(decision_maker: PersonName) -> Authority {
        Authority {
            decision_maker,
            job_title: None,
            contact: None,
        }
    }
}

/// The evidence that a lead is worth pursuing: need, budget and timeline, and optionally
/// authority. Made with [`Qualification::builder`], whose `build()` exists only once need,
/// budget and timeline are all given.
///
/// **Linear**: not `Clone`, so one assessment qualifies one lead. Qualifying consumes it; the
/// opportunity keeps it and lends it out by reference ([`Opportunity::qualification`]).
///
/// [`Opportunity::qualification`]: crate::Opportunity::qualification
///
/// ```
/// use chrono::NaiveDate;
/// use prospect::*;
/// let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
/// let qualification = Qualification::builder()
///     .need(Need::new(Summary::new("A CRM")?, vec![Requirement::new("Runs on-premise")?])?)
///     .budget(Budget::new(Money::parse("20000", Currency::EUR)?)?)
///     .timeline(Timeline::new(today + chrono::Days::new(60), today, &HorizonPolicy::default())?)
///     .build();
/// assert!(qualification.authority().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    need: Need,
    budget: Budget,
    timeline: Timeline,
    /// Behind an `Arc`: rarely known, and then shared by the copies.
    authority: Option<Arc<Authority>>,
}

impl Qualification {
    /// A builder with nothing given yet.
    pub fn builder() -> QualificationBuilder<Unset, Unset, Unset> {
        QualificationBuilder {
            need: Unset,
            budget: Unset,
            timeline: Unset,
            authority: None,
        }
    }

    /// What the prospect needs, with its identified requirements.
    pub fn need(&self) -> &Need {
        &self.need
    }

    /// What the prospect can spend.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// When the prospect decides.
    pub fn timeline(&self) -> Timeline {
        self.timeline
    }

    /// The decision maker, if known.
    pub fn authority(&self) -> Option<&Authority> {
        self.authority.as_deref()
    }

    /// A copy inside the crate, for an opportunity whose other data changed (a hand-off, a new
    /// name): the qualification is linear for callers, and stays one assessment (the copy
    /// replaces the original in the same opportunity).
    pub(crate) fn duplicate(&self) -> Qualification {
        Qualification {
            need: self.need.clone(),
            budget: self.budget,
            timeline: self.timeline,
            authority: self.authority.clone(),
        }
    }

    /// The same qualification with its text erased: the need's summary and requirements (as
    /// many as there were), the decision maker's name and title.
    pub(crate) fn erase_personal_data(&self) -> Qualification {
        let need = Need {
            summary: Summary::erased(),
            requirements: self
                .need
                .requirements
                .iter()
                .map(|_| Requirement::erased())
                .collect(),
        };
        Qualification {
            authority: self.authority.as_ref().map(|a| {
                Arc::new(Authority {
                    decision_maker: PersonName::erased(),
                    job_title: None,
                    contact: a.contact,
                })
            }),
            need,
            budget: self.budget,
            timeline: self.timeline,
        }
    }
}

/// A part of a [`QualificationBuilder`] not given yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unset;

/// Builds a [`Qualification`]. The type parameters record which of need, budget and timeline
/// were given: `build()` exists only on `QualificationBuilder<Need, Budget, Timeline>`, so
/// forgetting one is a compile error, not a run-time one.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build()` is called"]
pub struct QualificationBuilder<N, B, T> {
    need: N,
    budget: B,
    timeline: T,
    authority: Option<Authority>,
}

impl<N, B, T> QualificationBuilder<N, B, T> {
    /// Gives the need.
    pub fn need(self, need: Need) -> QualificationBuilder<Need, B, T> {
        QualificationBuilder {
            need,
            budget: self.budget,
            timeline: self.timeline,
            authority: self.authority,
        }
    }

    /// Gives the budget.
    pub fn budget(self, budget: Budget) -> QualificationBuilder<N, Budget, T> {
        QualificationBuilder {
            need: self.need,
            budget,
            timeline: self.timeline,
            authority: self.authority,
        }
    }

    /// Gives the timeline.
    pub fn timeline(self, timeline: Timeline) -> QualificationBuilder<N, B, Timeline> {
        QualificationBuilder {
            need: self.need,
            budget: self.budget,
            timeline,
            authority: self.authority,
        }
    }

    /// Gives the decision maker (optional).
    pub fn authority(self, authority: Authority) -> QualificationBuilder<N, B, T> {
        QualificationBuilder {
            authority: Some(authority),
            ..self
        }
    }
}

impl QualificationBuilder<Need, Budget, Timeline> {
    /// The qualification, once need, budget and timeline are all given (before that, `build`
    /// is not a method of the builder).
    pub fn build(self) -> Qualification {
        Qualification {
            need: self.need,
            budget: self.budget,
            timeline: self.timeline,
            authority: self.authority.map(Arc::new),
        }
    }
}
