//! What the report measures in sums and spans: [`Amounts`] (money per currency, never added
//! across currencies) and [`Durations`] (a multiset of spans, for the mean and the median), both
//! kept up to date one record at a time.

use std::collections::BTreeMap;
use std::fmt;

use crate::money::{Currency, Money};

/// Sums of money per currency, in 128-bit minor units: a report adds up any number of amounts
/// without overflow, and never adds two currencies together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amounts(pub(super) BTreeMap<Currency, i128>);

impl Amounts {
    pub(super) fn change(&mut self, amount: Money, sign: i128) {
        let entry = self.0.entry(amount.currency()).or_insert(0);
        *entry += sign * i128::from(amount.minor());
        if *entry == 0 {
            self.0.remove(&amount.currency());
        }
    }

    /// The sum in `currency`, in minor units (0 when there is none).
    pub fn minor(&self, currency: Currency) -> i128 {
        self.0.get(&currency).copied().unwrap_or(0)
    }

    /// The sums, one per currency with a non-zero sum, sorted by currency code.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (Currency, i128)> + '_ {
        self.0.iter().map(|(c, m)| (*c, *m))
    }

    /// Whether every sum is zero.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Writes `minor` units of `currency` in major units: `1234.50 EUR`, or with the whole part's
/// digits in groups of three when `grouped` (`1,234.50 EUR`, for people to read).
pub(super) fn write_amount(
    f: &mut impl fmt::Write,
    minor: i128,
    currency: Currency,
    grouped: bool,
) -> fmt::Result {
    let digits = u32::from(currency.minor_digits());
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let unit = 10u128.pow(digits);
    let whole = (abs / unit).to_string();
    let whole = if grouped {
        let mut out = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(digit);
        }
        out
    } else {
        whole
    };
    if digits == 0 {
        return write!(f, "{sign}{whole} {currency}");
    }
    let width = digits as usize;
    write!(f, "{sign}{whole}.{:0width$} {currency}", abs % unit)
}

impl fmt::Display for Amounts {
    /// `48,600.00 EUR + 1,200.00 USD` (digits grouped, for people to read; the JSON form has
    /// exact decimal strings without grouping), or `0` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        for (i, (currency, minor)) in self.iter().enumerate() {
            if i > 0 {
                text.push_str(" + ");
            }
            write_amount(&mut text, minor, currency, true)?;
        }
        f.pad(if text.is_empty() { "0" } else { &text })
    }
}

/// Durations in seconds, kept as a multiset so that one can be removed again: mean and median.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Durations {
    count: u64,
    total: i128,
    values: BTreeMap<i64, u64>,
}

pub(super) const DAY: f64 = 86_400.0;

impl Durations {
    pub(super) fn change(&mut self, seconds: i64, sign: i64) {
        let entry = self.values.entry(seconds).or_insert(0);
        if sign > 0 {
            *entry += 1;
            self.count += 1;
            self.total += i128::from(seconds);
        } else if *entry > 0 {
            *entry -= 1;
            self.count -= 1;
            self.total -= i128::from(seconds);
        }
        if *entry == 0 {
            self.values.remove(&seconds);
        }
    }

    /// How many durations were measured.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean, in days; `None` when there is none.
    pub fn mean_days(&self) -> Option<f64> {
        (self.count > 0).then(|| self.total as f64 / self.count as f64 / DAY)
    }

    /// The median, in days (the mean of the two middle values for an even count); `None` when
    /// there is none.
    pub fn median_days(&self) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let nth = |n: u64| {
            let mut seen = 0;
            for (value, count) in &self.values {
                seen += count;
                if seen > n {
                    return *value;
                }
            }
            0
        };
        let (low, high) = ((self.count - 1) / 2, self.count / 2);
        Some((nth(low) as f64 + nth(high) as f64) / 2.0 / DAY)
    }
}
