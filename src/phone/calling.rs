//! Country calling codes, for writing a national number in its international (E.164) form.

use crate::organization::Country;

/// `(country, calling code)` for the countries whose national numbers
/// [`PhoneNumber::canonical`](super::PhoneNumber::canonical) can rewrite; a country not listed
/// leaves a national number as it was written.
const CODES: &[(&str, &str)] = &[
    ("AE", "971"),
    ("AR", "54"),
    ("AT", "43"),
    ("AU", "61"),
    ("BE", "32"),
    ("BG", "359"),
    ("BR", "55"),
    ("CA", "1"),
    ("CH", "41"),
    ("CL", "56"),
    ("CN", "86"),
    ("CO", "57"),
    ("CZ", "420"),
    ("DE", "49"),
    ("DK", "45"),
    ("EE", "372"),
    ("EG", "20"),
    ("ES", "34"),
    ("FI", "358"),
    ("FR", "33"),
    ("GB", "44"),
    ("GR", "30"),
    ("HK", "852"),
    ("HR", "385"),
    ("HU", "36"),
    ("IE", "353"),
    ("IL", "972"),
    ("IN", "91"),
    ("IS", "354"),
    ("IT", "39"),
    ("JP", "81"),
    ("KE", "254"),
    ("KR", "82"),
    ("LT", "370"),
    ("LU", "352"),
    ("LV", "371"),
    ("MA", "212"),
    ("MX", "52"),
    ("NG", "234"),
    ("NL", "31"),
    ("NO", "47"),
    ("NZ", "64"),
    ("PE", "51"),
    ("PK", "92"),
    ("PL", "48"),
    ("PT", "351"),
    ("RO", "40"),
    ("RU", "7"),
    ("SA", "966"),
    ("SE", "46"),
    ("SG", "65"),
    ("SI", "386"),
    ("SK", "421"),
    ("TR", "90"),
    ("TW", "886"),
    ("UA", "380"),
    ("US", "1"),
    ("ZA", "27"),
];

/// `country`'s calling code, if listed.
pub(super) fn code(country: Country) -> Option<&'static str> {
    CODES
        .iter()
        .find(|(c, _)| *c == country.code())
        .map(|(_, code)| *code)
}

/// The national significant number of `digits`, a number written as it is dialled within
/// `country`: without its trunk prefix (`0` in most countries, `1` in North America and `8` in
/// Russia before a full number; none in Italy, where the `0` is part of the number).
pub(super) fn national(country: Country, digits: &str) -> &str {
    match country.code() {
        "IT" => digits,
        "US" | "CA" if digits.len() == 11 => digits.strip_prefix('1').unwrap_or(digits),
        "RU" if digits.len() == 11 => digits.strip_prefix('8').unwrap_or(digits),
        _ => digits.strip_prefix('0').unwrap_or(digits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_country_is_a_country_and_listed_once() {
        for (i, (country, code)) in CODES.iter().enumerate() {
            assert!(Country::new(country).is_ok(), "{country}");
            assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
            assert!(CODES[..i].iter().all(|(c, _)| c != country), "{country}");
        }
    }
}
