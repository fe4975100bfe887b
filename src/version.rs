//! [`Version`]: how many times a stored record was written (its public path is
//! `store::Version`).

use std::fmt;
use std::num::NonZeroU64;

use serde::{Deserialize, Deserializer, Serialize};

/// The version of a stored record: 1 when created, one more at every update. Never 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Version(NonZeroU64);

impl<'de> Deserialize<'de> for Version {
    /// Reads a number of 1 or more; 0 is refused with an error that names the version.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
        let n = u64::deserialize(d)?;
        Version::new(n).ok_or_else(|| {
            serde::de::Error::custom(
                "version: 0 is not a version (a record's first version is 1, as read with it)",
            )
        })
    }
}

impl Version {
    /// The version of a record just created.
    pub const FIRST: Version = Version(NonZeroU64::MIN);

    /// The version `n`, if it is not 0.
    pub fn new(n: u64) -> Option<Version> {
        NonZeroU64::new(n).map(Version)
    }

    /// The version as a number: 1 for a created record, one more at every update.
    pub fn get(self) -> u64 {
        self.0.get()
    }

    /// The version after this one; saturates at `u64::MAX`, which no record reaches.
    #[must_use]
    pub fn next(self) -> Version {
        Version(self.0.saturating_add(1))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}
