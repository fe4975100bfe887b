//! Which records a report counts ([`Scope`]: a period, a team), and sums of money in one
//! reporting currency ([`Rates`]: exact exchange rates the caller gives).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::Amounts;
use crate::error::{Field, ValidationError};
use crate::money::Currency;
use crate::record::{AnyLead, AnyOpportunity, Record};
use crate::text::User;

/// Which records a report counts: those created in a period, those closed in one, those a
/// team owns; every record by default. Periods run from their start, included, to their end,
/// excluded.
///
/// A closed period counts the leads converted or disqualified in it, the opportunities won or
/// lost in it, and the accounts whose first win fell in it (no contact: a contact does not
/// close). A team counts the records its members own (and no unowned one).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use prospect::funnel::{PipelineReport, Scope};
/// use prospect::User;
/// let q1 = Scope::all()
///     .closed_between(
///         Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
///         Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap(),
///     )
///     .team([User::new("ana")?, User::new("bob")?]);
/// let report = PipelineReport::from_records_in([], &q1);
/// assert_eq!(report.total_opportunities(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    created: Option<(DateTime<Utc>, DateTime<Utc>)>,
    closed: Option<(DateTime<Utc>, DateTime<Utc>)>,
    team: Option<BTreeSet<User>>,
}

impl Scope {
    /// Every record.
    pub fn all() -> Scope {
        Scope::default()
    }

    /// The same scope, restricted to records created from `from` to `until` (excluded).
    pub fn created_between(self, from: DateTime<Utc>, until: DateTime<Utc>) -> Scope {
        Scope {
            created: Some((from, until)),
            ..self
        }
    }

    /// The same scope, restricted to leads, opportunities and accounts closed from `from` to
    /// `until` (excluded).
    pub fn closed_between(self, from: DateTime<Utc>, until: DateTime<Utc>) -> Scope {
        Scope {
            closed: Some((from, until)),
            ..self
        }
    }

    /// The same scope, restricted to records `owners` own.
    pub fn team(self, owners: impl IntoIterator<Item = User>) -> Scope {
        Scope {
            team: Some(owners.into_iter().collect()),
            ..self
        }
    }

    /// Whether a report in this scope counts `record`.
    pub fn includes(&self, record: &Record) -> bool {
        let within =
            |(from, until): (DateTime<Utc>, DateTime<Utc>), at| (from..until).contains(&at);
        self.created
            .is_none_or(|period| within(period, record.created_at()))
            && self
                .closed
                .is_none_or(|period| closed_at(record).is_some_and(|at| within(period, at)))
            && self
                .team
                .as_ref()
                .is_none_or(|team| record.owner().is_some_and(|owner| team.contains(owner)))
    }
}

/// When `record` closed: a closed lead's or opportunity's last step (a closed record takes no
/// edit, so its last entry is the one that closed it), an account's first win.
fn closed_at(record: &Record) -> Option<DateTime<Utc>> {
    match record {
        Record::Lead(l @ (AnyLead::Converted(_) | AnyLead::Disqualified(_))) => {
            l.history().last().map(|t| t.at())
        }
        Record::Opportunity(o @ (AnyOpportunity::Won(_) | AnyOpportunity::Lost(_))) => {
            o.history().last().map(|t| t.at())
        }
        Record::Account(a) => Some(a.customer_since()),
        _ => None,
    }
}

/// Exchange rates into one reporting currency, exact: each given as a decimal ("1.0834": so
/// many units of the reporting currency for one unit of the other) and kept as an integer and
/// a power of ten, never a float.
///
/// ```
/// use prospect::funnel::Rates;
/// use prospect::Currency;
/// let rates = Rates::into(Currency::EUR)
///     .rate(Currency::USD, "0.92")?
///     .rate(Currency::JPY, "0.0061")?;
/// assert_eq!(rates.currency(), Currency::EUR);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rates {
    into: Currency,
    /// Per currency: the rate's digits and how many of them are decimals.
    rates: BTreeMap<Currency, (u128, u32)>,
}

/// A sum could not be put in the reporting currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConversionError {
    /// No rate was given for this currency.
    #[error("no exchange rate from {currency} to the reporting currency")]
    MissingRate {
        /// The currency without a rate.
        currency: Currency,
    },
    /// The converted sum does not fit in 128 bits of minor units.
    #[error("the converted sum overflows")]
    Overflow,
}

/// The most decimals a rate may have.
const MAX_RATE_DECIMALS: u32 = 12;

impl Rates {
    /// No rate yet, into `currency` (which converts to itself at 1).
    pub fn into(currency: Currency) -> Rates {
        Rates {
            into: currency,
            rates: BTreeMap::from([(currency, (1, 0))]),
        }
    }

    /// The same rates, with one unit of `from` worth `rate` units of the reporting currency.
    ///
    /// # Errors
    ///
    /// [`ValidationError::Malformed`] for [`Field::ExchangeRate`] unless `rate` is a positive
    /// decimal with at most 12 decimals and 24 digits in all (`"1.0834"`, `"150"`), and is 1
    /// (`"1"`, `"1.00"`) when `from` is the reporting currency itself.
    pub fn rate(mut self, from: Currency, rate: &str) -> Result<Rates, ValidationError> {
        let malformed = || ValidationError::Malformed {
            field: Field::ExchangeRate,
            problem: "must be a positive decimal with at most 12 decimals, e.g. 1.0834",
        };
        let (whole, decimals) = rate.trim().split_once('.').unwrap_or((rate.trim(), ""));
        let digits = format!("{whole}{decimals}");
        let scale = u32::try_from(decimals.len()).map_err(|_| malformed())?;
        if whole.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || scale > MAX_RATE_DECIMALS
            || digits.len() > 24
        {
            return Err(malformed());
        }
        let value: u128 = digits.parse().map_err(|_| malformed())?;
        if value == 0 {
            return Err(malformed());
        }
        if from == self.into && Some(value) != 10u128.checked_pow(scale) {
            return Err(ValidationError::Malformed {
                field: Field::ExchangeRate,
                problem: "the reporting currency's rate into itself is 1",
            });
        }
        self.rates.insert(from, (value, scale));
        Ok(self)
    }

    /// The reporting currency.
    pub fn currency(&self) -> Currency {
        self.into
    }

    /// `amounts` in the reporting currency: each currency's sum converted and rounded to the
    /// reporting currency's minor unit (half to even), then added.
    ///
    /// # Errors
    ///
    /// [`ConversionError::MissingRate`] for a currency without a rate;
    /// [`ConversionError::Overflow`].
    pub fn convert(&self, amounts: &Amounts) -> Result<Amounts, ConversionError> {
        let mut total: i128 = 0;
        for (currency, minor) in amounts.iter() {
            let (rate, scale) = *self
                .rates
                .get(&currency)
                .ok_or(ConversionError::MissingRate { currency })?;
            let converted = convert_minor(
                minor,
                rate,
                scale + u32::from(currency.minor_digits()),
                u32::from(self.into.minor_digits()),
            )
            .ok_or(ConversionError::Overflow)?;
            total = total
                .checked_add(converted)
                .ok_or(ConversionError::Overflow)?;
        }
        let mut sum = Amounts::default();
        if total != 0 {
            sum.0.insert(self.into, total);
        }
        Ok(sum)
    }
}

/// `minor` × `rate` × 10^`into_digits` / 10^`divide_digits`, rounded half to even; `None` on
/// overflow.
fn convert_minor(minor: i128, rate: u128, divide_digits: u32, into_digits: u32) -> Option<i128> {
    let rate = i128::try_from(rate).ok()?;
    let numerator = minor
        .checked_mul(rate)?
        .checked_mul(10i128.checked_pow(into_digits)?)?;
    let denominator = 10i128.checked_pow(divide_digits)?;
    let (quotient, remainder) = (numerator / denominator, numerator % denominator);
    let twice = remainder.unsigned_abs().checked_mul(2)?;
    let half_or_more = twice.cmp(&denominator.unsigned_abs());
    let away = match half_or_more {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => quotient % 2 != 0,
        std::cmp::Ordering::Less => false,
    };
    Some(if !away {
        quotient
    } else if numerator < 0 {
        quotient - 1
    } else {
        quotient + 1
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_rounds_half_to_even_at_the_reporting_minor_unit() {
        // 1.005 EUR at 1 → 1.00 or 1.01? 100.5 cents: half to even → 100.
        assert_eq!(convert_minor(1005, 1, 3, 2), Some(100));
        assert_eq!(convert_minor(1015, 1, 3, 2), Some(102));
        assert_eq!(convert_minor(-1005, 1, 3, 2), Some(-100));
        assert_eq!(convert_minor(-1006, 1, 3, 2), Some(-101));
        // 100 JPY at 0.0061 EUR: 0.61 EUR = 61 cents.
        assert_eq!(convert_minor(100, 61, 4, 2), Some(61));
        assert_eq!(convert_minor(i128::MAX, 2, 0, 0), None);
    }
}
