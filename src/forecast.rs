//! Probability of closing and forecast category.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Field, ValidationError};

/// A probability of closing, in whole percent from 0 to 100.
///
/// ```
/// use prospect::Probability;
/// assert_eq!(Probability::new(75)?.get(), 75);
/// assert!(Probability::new(101).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Probability(u8);

impl Probability {
    /// 0 %.
    pub const NEVER: Probability = Probability(0);
    /// 100 %.
    pub const CERTAIN: Probability = Probability(100);

    /// `percent`, if it is at most 100.
    ///
    /// # Errors
    ///
    /// [`ValidationError::OutOfRange`] for [`Field::Probability`].
    pub fn new(percent: u32) -> Result<Probability, ValidationError> {
        u8::try_from(percent)
            .ok()
            .filter(|p| *p <= 100)
            .map(Probability)
            .ok_or(ValidationError::OutOfRange {
                field: Field::Probability,
                value: i128::from(percent),
                min: 0,
                max: 100,
            })
    }

    /// `percent`, capped at 100.
    pub const fn saturating(percent: u8) -> Probability {
        Probability(if percent > 100 { 100 } else { percent })
    }

    /// The probability in percent, 0 to 100.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Probability {
    /// `75%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let percent = u32::deserialize(d)?;
        Probability::new(percent).map_err(serde::de::Error::custom)
    }
}

/// How an opportunity counts in a sales forecast (the categories Salesforce uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ForecastCategory {
    /// Early: counted in the pipeline, not in the forecast.
    Pipeline,
    /// Could close this period if things go well.
    BestCase,
    /// Expected to close: the seller commits to it.
    Commit,
    /// Won.
    Closed,
    /// Left out of the forecast (lost, or excluded by hand).
    Omitted,
}

impl ForecastCategory {
    /// The snake-case name, as serialised: `"pipeline"`, `"best_case"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ForecastCategory::Pipeline => "pipeline",
            ForecastCategory::BestCase => "best_case",
            ForecastCategory::Commit => "commit",
            ForecastCategory::Closed => "closed",
            ForecastCategory::Omitted => "omitted",
        }
    }
}

impl fmt::Display for ForecastCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
