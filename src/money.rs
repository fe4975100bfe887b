//! Money: integer minor units with an ISO 4217 currency, checked arithmetic, and totals per
//! currency that are never summed across currencies.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Field, ValidationError};
use crate::forecast::Probability;

/// ISO 4217 currencies (the list of 2026-01-01) with their number of minor-unit digits, and
/// those withdrawn since that records may still hold ([`WITHDRAWN`]). Sorted by code, for binary
/// search. The fund codes, which have minor units, are in (contracts
/// are written in some: the Chilean UF, `CLF`). Codes without minor units are left out: precious
/// metals (`XAU`, `XAG`, `XPD`, `XPT`), the SDR and the units of account (`XDR`, `XSU`, `XUA`,
/// `XBA`–`XBD`), and the testing and no-currency codes (`XTS`, `XXX`). A unit test holds the
/// table to this comment.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAD", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// Currencies of [`CURRENCIES`] that ISO 4217 has withdrawn, with the day they were: amounts in
/// them still read (a record keeps the currency it was written in), and a new deal in one is
/// refused. The Bulgarian lev, replaced by the euro.
const WITHDRAWN: &[(&str, (i32, u32, u32))] = &[("BGN", (2026, 1, 1))];

/// Arithmetic on [`Money`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch: {left} and {right} cannot be combined")]
    CurrencyMismatch {
        /// The currency of the left operand.
        left: Currency,
        /// The currency of the right operand.
        right: Currency,
    },
    /// The result does not fit in 64-bit minor units.
    #[error("overflow: the result does not fit in {currency} minor units")]
    Overflow {
        /// The currency of the operation.
        currency: Currency,
    },
}

/// An ISO 4217 currency, e.g. `EUR`, with its number of minor-unit digits: the codes of the
/// list of 2026-01-01 that have a minor unit, and the codes withdrawn since then, which records
/// written before may hold ([`withdrawn_on`](Currency::withdrawn_on)).
///
/// A withdrawn currency (the Bulgarian lev, `BGN`, since 2026-01-01) still reads and still
/// takes part in the deals opened in it (a deal keeps one currency from qualification to
/// close), but a new deal in it is refused: [`Lead::qualify`](crate::Lead::qualify) refuses a
/// budget in a currency withdrawn by the actor's today.
///
/// ```
/// use prospect::Currency;
/// let yen: Currency = "jpy".parse()?;
/// assert_eq!(yen, Currency::JPY);
/// assert_eq!(yen.minor_digits(), 0);
/// assert!("XYZ".parse::<Currency>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    digits: u8,
}

impl Currency {
    /// Euro.
    pub const EUR: Currency = Currency::known(*b"EUR", 2);
    /// United States dollar.
    pub const USD: Currency = Currency::known(*b"USD", 2);
    /// Pound sterling.
    pub const GBP: Currency = Currency::known(*b"GBP", 2);
    /// Swiss franc.
    pub const CHF: Currency = Currency::known(*b"CHF", 2);
    /// Japanese yen (no minor unit).
    pub const JPY: Currency = Currency::known(*b"JPY", 0);

    const fn known(code: [u8; 3], digits: u8) -> Currency {
        Currency { code, digits }
    }

    /// Looks `code` up among the ISO 4217 codes this crate knows (withdrawn ones included);
    /// case and surrounding white space are ignored.
    ///
    /// # Errors
    ///
    /// [`ValidationError::UnknownCurrency`] when the code is not active ISO 4217, or
    /// [`ValidationError::Malformed`] when it is not three ASCII letters.
    pub fn new(code: &str) -> Result<Currency, ValidationError> {
        let code = code.trim();
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(ValidationError::Malformed {
                field: Field::Currency,
                problem: "must be three ASCII letters, e.g. EUR",
            });
        }
        let upper = [
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
            bytes[2].to_ascii_uppercase(),
        ];
        CURRENCIES
            .binary_search_by(|(c, _)| c.as_bytes().cmp(&upper[..]))
            .map(|i| Currency::known(upper, CURRENCIES[i].1))
            .map_err(|_| ValidationError::UnknownCurrency {
                field: Field::Currency,
            })
    }

    /// The three-letter code, e.g. `"EUR"`.
    pub fn code(&self) -> &str {
        // The code is three ASCII letters by construction; the fallback is never taken.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// The code and the minor digits, for a compact encoding ([`Currency::from_bytes`]).
    pub(crate) fn to_bytes(self) -> [u8; 4] {
        let [a, b, c] = self.code;
        [a, b, c, self.digits]
    }

    /// The currency whose [`Currency::to_bytes`] these are: bytes written from a currency this
    /// crate made (three upper-case letters, or `None`), so no look-up is needed.
    pub(crate) fn from_bytes([a, b, c, digits]: [u8; 4]) -> Option<Currency> {
        let code = [a, b, c];
        code.iter()
            .all(u8::is_ascii_uppercase)
            .then_some(Currency::known(code, digits))
    }

    /// How many digits the minor unit has (2 for EUR, 0 for JPY, 3 for KWD).
    pub fn minor_digits(&self) -> u8 {
        self.digits
    }

    /// Every current currency this crate knows (not withdrawn), sorted by code.
    pub fn all() -> impl Iterator<Item = Currency> {
        CURRENCIES
            .iter()
            .map(|(c, d)| Currency::known([c.as_bytes()[0], c.as_bytes()[1], c.as_bytes()[2]], *d))
            .filter(|c| c.withdrawn_on().is_none())
    }

    /// The day ISO 4217 withdrew this currency, if it did: amounts in it still read, and a new
    /// deal in it is refused.
    ///
    /// ```
    /// use prospect::Currency;
    /// let lev = Currency::new("BGN")?;
    /// assert_eq!(lev.withdrawn_on().map(|d| d.to_string()), Some("2026-01-01".to_string()));
    /// assert_eq!(Currency::EUR.withdrawn_on(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn withdrawn_on(&self) -> Option<chrono::NaiveDate> {
        WITHDRAWN
            .iter()
            .find(|(code, _)| code.as_bytes() == self.code)
            .and_then(|(_, (y, m, d))| chrono::NaiveDate::from_ymd_opt(*y, *m, *d))
    }

    /// The code, as the static text of the table (for errors, which hold no borrowed text).
    pub(crate) fn static_code(&self) -> &'static str {
        CURRENCIES
            .binary_search_by(|(c, _)| c.as_bytes().cmp(&self.code[..]))
            .map_or("???", |i| CURRENCIES[i].0)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

impl std::str::FromStr for Currency {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        Currency::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Currency::new(&code).map_err(serde::de::Error::custom)
    }
}

/// An amount of money: integer minor units (cents for EUR) and a [`Currency`]. Never a float.
///
/// Arithmetic is checked: it never overflows and never mixes currencies.
///
/// ```
/// use prospect::{Currency, Money};
/// let price = Money::parse("1499.90", Currency::EUR)?;
/// assert_eq!(price.minor(), 149_990);
/// assert_eq!(price.to_string(), "1499.90 EUR");
/// let total = price.checked_add(Money::from_minor(10, Currency::EUR))?;
/// assert_eq!(total.minor(), 150_000);
/// assert!(price.checked_add(Money::from_minor(1, Currency::USD)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// An amount in minor units (cents, pence, yen).
    pub const fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// Parses a decimal amount in major units, e.g. `"1499.90"` or `"-3"`, with at most as many
    /// decimals as the currency has minor digits.
    ///
    /// # Errors
    ///
    /// [`ValidationError::Malformed`] for anything but an optional sign, digits and one decimal
    /// point; [`ValidationError::OutOfRange`] when the amount does not fit in 64-bit minor units
    /// (`Malformed`, "too large", when it has more digits than the range can name).
    pub fn parse(text: &str, currency: Currency) -> Result<Money, ValidationError> {
        let malformed = |problem| ValidationError::Malformed {
            field: Field::Amount,
            problem,
        };
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty() {
            return Err(malformed("expected a number such as 1499.90"));
        }
        if !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(malformed("expected only digits and one decimal point"));
        }
        if fraction.len() > usize::from(currency.minor_digits()) {
            return Err(malformed("more decimals than the currency's minor unit"));
        }
        let mut minor: i128 = 0;
        let too_large = || malformed("too large: does not fit in 64-bit minor units");
        let padding = usize::from(currency.minor_digits()) - fraction.len();
        for b in whole
            .bytes()
            .chain(fraction.bytes())
            .chain(std::iter::repeat_n(b'0', padding))
        {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .filter(|m| *m <= i128::from(i64::MAX) + 1)
                .ok_or_else(too_large)?;
        }
        let minor = if negative { -minor } else { minor };
        i64::try_from(minor)
            .map(|minor| Money { minor, currency })
            .map_err(|_| ValidationError::OutOfRange {
                field: Field::Amount,
                value: minor,
                min: i128::from(i64::MIN),
                max: i128::from(i64::MAX),
            })
    }

    /// The amount in minor units.
    pub const fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency the amount is in.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is above zero.
    pub const fn is_positive(&self) -> bool {
        self.minor > 0
    }

    /// `self + other`.
    ///
    /// # Errors
    ///
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money { minor, ..self })
            .ok_or(MoneyError::Overflow {
                currency: self.currency,
            })
    }

    /// `self - other`.
    ///
    /// # Errors
    ///
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|minor| Money { minor, ..self })
            .ok_or(MoneyError::Overflow {
                currency: self.currency,
            })
    }

    /// The amount scaled by `percent` / 100, rounded half away from zero: the weighted value of
    /// an opportunity. Never overflows, since `percent` is at most 100.
    pub fn percent(self, percent: Probability) -> Money {
        let scaled = i128::from(self.minor) * i128::from(percent.get());
        let rounded = (scaled + scaled.signum() * 50) / 100;
        // |rounded| <= |minor|, so it fits.
        Money {
            minor: i64::try_from(rounded).unwrap_or(self.minor),
            currency: self.currency,
        }
    }

    /// Checks that the amount is in `currency`, the deal's, for the field `field`: a deal keeps
    /// one currency from qualification to close.
    pub(crate) fn in_currency(
        self,
        field: Field,
        currency: Currency,
    ) -> Result<Money, ValidationError> {
        if self.currency == currency {
            Ok(self)
        } else {
            Err(ValidationError::CurrencyMismatch {
                field,
                expected: currency.static_code(),
                found: self.currency.static_code(),
            })
        }
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// Checks that the amount is above zero, for the field `field`.
    pub(crate) fn positive(self, field: Field) -> Result<Money, ValidationError> {
        if self.is_positive() {
            Ok(self)
        } else {
            Err(ValidationError::NotPositive { field })
        }
    }
}

impl fmt::Display for Money {
    /// `1499.90 EUR`, `-3 JPY`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = u32::from(self.currency.minor_digits());
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if digits == 0 {
            write!(f, "{sign}{abs} {}", self.currency)
        } else {
            let unit = 10u64.pow(digits);
            let width = digits as usize;
            write!(
                f,
                "{sign}{}.{:0width$} {}",
                abs / unit,
                abs % unit,
                self.currency
            )
        }
    }
}

/// Sums of money kept apart per currency: what an account has won, what a pipeline is worth.
///
/// Adding never mixes currencies and never overflows silently.
///
/// ```
/// use prospect::{Currency, Money, MoneyTotals};
/// let mut totals = MoneyTotals::new();
/// totals.add(Money::from_minor(100, Currency::EUR))?;
/// totals.add(Money::from_minor(250, Currency::USD))?;
/// totals.add(Money::from_minor(50, Currency::EUR))?;
/// assert_eq!(totals.get(Currency::EUR), Some(Money::from_minor(150, Currency::EUR)));
/// assert_eq!(totals.iter().count(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct MoneyTotals(Totals);

/// The totals, sorted by currency. Most hold one currency (an account's won value), kept inline
/// rather than in a vector of its own; `Many` holds none or two and more, so that equal totals
/// have equal representations.
#[derive(Clone, PartialEq, Eq)]
enum Totals {
    One([(Currency, i64); 1]),
    Many(Vec<(Currency, i64)>),
}

impl Default for MoneyTotals {
    fn default() -> MoneyTotals {
        MoneyTotals(Totals::Many(Vec::new()))
    }
}

impl fmt::Debug for MoneyTotals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MoneyTotals")
            .field(&self.as_slice())
            .finish()
    }
}

impl MoneyTotals {
    /// No money at all.
    pub fn new() -> MoneyTotals {
        MoneyTotals::default()
    }

    /// Adds `amount` to the total of its currency.
    ///
    /// # Errors
    ///
    /// [`MoneyError::Overflow`] when the total would not fit; the totals are then unchanged.
    pub fn add(&mut self, amount: Money) -> Result<(), MoneyError> {
        // Few currencies per account: a sorted vector is smaller and faster than a map.
        let totals = match &mut self.0 {
            Totals::One(one) => one.as_mut_slice(),
            Totals::Many(many) => many.as_mut_slice(),
        };
        match totals.binary_search_by_key(&amount.currency, |(c, _)| *c) {
            Ok(i) => {
                let total = &mut totals[i].1;
                *total = total
                    .checked_add(amount.minor)
                    .ok_or(MoneyError::Overflow {
                        currency: amount.currency,
                    })?;
            }
            Err(_) if totals.is_empty() => {
                self.0 = Totals::One([(amount.currency, amount.minor)]);
            }
            Err(i) => {
                let mut many = self.as_slice().to_vec();
                many.insert(i, (amount.currency, amount.minor));
                self.0 = match many.as_slice() {
                    [one] => Totals::One([*one]),
                    _ => Totals::Many(many),
                };
            }
        }
        Ok(())
    }

    /// The total in `currency`, if any amount in it was added.
    pub fn get(&self, currency: Currency) -> Option<Money> {
        let totals = self.as_slice();
        totals
            .binary_search_by_key(&currency, |(c, _)| *c)
            .ok()
            .map(|i| Money::from_minor(totals[i].1, currency))
    }

    /// The totals, one per currency, sorted by currency code.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Money> + '_ {
        self.as_slice()
            .iter()
            .map(|(c, m)| Money::from_minor(*m, *c))
    }

    /// Whether no amount was added.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    fn as_slice(&self) -> &[(Currency, i64)] {
        match &self.0 {
            Totals::One(one) => one,
            Totals::Many(many) => many,
        }
    }
}

impl Serialize for MoneyTotals {
    /// A map from currency code to minor units: `{"EUR": 150, "USD": 250}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.as_slice().iter().map(|(c, m)| (c, m)))
    }
}

impl<'de> Deserialize<'de> for MoneyTotals {
    /// Reads a map from currency code to minor units, refusing a currency given twice (a
    /// stored total must say one thing).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Totals;
        impl<'de> serde::de::Visitor<'de> for Totals {
            type Value = BTreeMap<Currency, i64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from currency code to minor units")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Self::Value, A::Error> {
                let mut map = BTreeMap::new();
                while let Some((currency, minor)) = access.next_entry::<Currency, i64>()? {
                    if map.insert(currency, minor).is_some() {
                        return Err(serde::de::Error::custom(format_args!(
                            "currency {currency} is given twice (codes are read without \
                             regard to case: eur and EUR are one currency)"
                        )));
                    }
                }
                Ok(map)
            }
        }
        let many: Vec<(Currency, i64)> = d.deserialize_map(Totals)?.into_iter().collect();
        Ok(MoneyTotals(match many.as_slice() {
            [one] => self::Totals::One([*one]),
            _ => self::Totals::Many(many),
        }))
    }
}

impl fmt::Display for MoneyTotals {
    /// `150.00 EUR + 2.50 USD`, or `0` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("0");
        }
        for (i, m) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" + ")?;
            }
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_equal_whatever_the_order_and_round_trip() {
        let (eur, usd) = (Currency::EUR, Currency::USD);
        let mut a = MoneyTotals::new();
        a.add(Money::from_minor(100, eur)).unwrap();
        let mut one = a.clone();
        one.add(Money::from_minor(5, eur)).unwrap();
        assert_eq!(
            one.iter().collect::<Vec<_>>(),
            [Money::from_minor(105, eur)]
        );
        a.add(Money::from_minor(250, usd)).unwrap();
        let mut b = MoneyTotals::new();
        b.add(Money::from_minor(250, usd)).unwrap();
        b.add(Money::from_minor(100, eur)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.get(usd), Some(Money::from_minor(250, usd)));
        for totals in [MoneyTotals::new(), one, a] {
            let json = serde_json::to_string(&totals).unwrap();
            assert_eq!(serde_json::from_str::<MoneyTotals>(&json).unwrap(), totals);
        }
    }

    #[test]
    fn currency_table_is_sorted_and_unique() {
        assert!(CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn the_table_is_iso_4217_of_2026_01_01() {
        let xad = Currency::new("XAD").unwrap();
        assert_eq!(xad.minor_digits(), 2);
        assert!(Currency::all().any(|c| c == xad));
        let lev = Currency::new("bgn").unwrap();
        assert_eq!(lev.minor_digits(), 2);
        assert_eq!(
            lev.withdrawn_on(),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        );
        assert!(
            !Currency::all().any(|c| c == lev),
            "all() lists current currencies"
        );
        for (code, _) in WITHDRAWN {
            assert!(
                CURRENCIES.iter().any(|(c, _)| c == code),
                "{code} still reads"
            );
        }
        for c in Currency::all() {
            assert_eq!(c.static_code(), c.code());
        }
    }

    #[test]
    fn currency_table_matches_its_docs() {
        let known = |code| CURRENCIES.iter().any(|(c, _)| *c == code);
        for fund in [
            "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",
        ] {
            assert!(known(fund), "the fund code {fund} is in the table");
        }
        for left_out in [
            "XAU", "XAG", "XPD", "XPT", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD", "XTS",
            "XXX",
        ] {
            assert!(!known(left_out), "{left_out} has no minor unit: left out");
        }
    }

    #[test]
    fn parse_handles_edges() {
        let eur = Currency::EUR;
        assert_eq!(Money::parse("0.5", eur).unwrap().minor(), 50);
        assert_eq!(Money::parse("-0.05", eur).unwrap().minor(), -5);
        assert_eq!(Money::parse(".5", eur).unwrap().minor(), 50);
        assert_eq!(
            Money::parse("92233720368547758.07", eur).unwrap().minor(),
            i64::MAX
        );
        assert_eq!(
            Money::parse("-92233720368547758.08", eur).unwrap().minor(),
            i64::MIN
        );
        assert!(Money::parse("92233720368547758.08", eur).is_err());
        assert!(Money::parse("1.234", eur).is_err());
        assert!(Money::parse("1e3", eur).is_err());
        assert!(Money::parse(".", eur).is_err());
        assert!(Money::parse("-", eur).is_err());
        assert!(Money::parse("1.5", Currency::JPY).is_err());
        assert_eq!(
            Money::parse("99999999999999999999999999999", eur)
                .unwrap_err()
                .field(),
            Field::Amount
        );
    }

    #[test]
    fn display_pads_minor_digits() {
        assert_eq!(Money::from_minor(5, Currency::EUR).to_string(), "0.05 EUR");
        assert_eq!(
            Money::from_minor(-5, Currency::EUR).to_string(),
            "-0.05 EUR"
        );
        assert_eq!(
            Money::from_minor(i64::MIN, Currency::EUR).to_string(),
            "-92233720368547758.08 EUR"
        );
        assert_eq!(Money::from_minor(12, Currency::JPY).to_string(), "12 JPY");
    }

    #[test]
    fn percent_rounds_half_away_from_zero() {
        let p = Probability::new(50).unwrap();
        assert_eq!(Money::from_minor(3, Currency::EUR).percent(p).minor(), 2);
        assert_eq!(Money::from_minor(-3, Currency::EUR).percent(p).minor(), -2);
        assert_eq!(
            Money::from_minor(i64::MAX, Currency::EUR)
                .percent(Probability::CERTAIN)
                .minor(),
            i64::MAX
        );
    }

    #[test]
    fn totals_overflow_leaves_totals_unchanged() {
        let mut t = MoneyTotals::new();
        t.add(Money::from_minor(i64::MAX, Currency::EUR)).unwrap();
        assert!(t.add(Money::from_minor(1, Currency::EUR)).is_err());
        assert_eq!(t.get(Currency::EUR).unwrap().minor(), i64::MAX);
    }
}
