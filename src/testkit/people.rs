//! [`people`]: a generated set of contacts with known duplicates (typos, transpositions,
//! nicknames, case and spacing, phone formats, second emails) and people who only look alike
//! (namesakes, family members sharing a phone), to measure a duplicate search against the truth.

use super::SplitMix64;
use crate::contact::{ContactDetails, LeadSource, Party};
use crate::email::EmailAddress;
use crate::phone::PhoneNumber;
use crate::text::PersonName;

/// How a generated contact came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Variation {
    /// A person as first entered.
    Original,
    /// The same person again, a letter of the family name mistyped (swapped with the next,
    /// dropped, doubled or replaced).
    FamilyTypo,
    /// The same person again, a letter of the given name mistyped.
    GivenTypo,
    /// The same person again, under a nickname (`Bob` for `Robert`).
    Nickname,
    /// The same person again, the name in other case and spacing (`ADA  lovelace`).
    CaseAndSpacing,
    /// The same person again, the phone written another way (`+44 20 …`, `020 …`, `0044 …`).
    PhoneFormat,
    /// The same person again, with a personal email instead of the work one, and the phone.
    SecondEmail,
    /// The same person again, changed twice: a typo in the family name and a personal email
    /// (the phone kept, written another way).
    TypoAndSecondEmail,
    /// Another person with the same name (their own email and phone).
    Namesake,
    /// Another person of the same family: the family name and the phone, another given name.
    FamilyMember,
}

impl Variation {
    /// Whether a contact of this variation is a duplicate of the person's original.
    pub fn is_duplicate(self) -> bool {
        !matches!(
            self,
            Variation::Original | Variation::Namesake | Variation::FamilyMember
        )
    }
}

/// A generated contact: its details, the person it is (the index of that person's original in
/// the generated list: a duplicate's is its original's, a namesake's or a family member's their
/// own), and how it came to be.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The contact's details.
    pub details: ContactDetails,
    /// The person it is: the index of their original in the list.
    pub person: usize,
    /// How it came to be.
    pub variation: Variation,
}

const GIVEN: &[&str] = &[
    "robert",
    "william",
    "elizabeth",
    "margaret",
    "james",
    "john",
    "michael",
    "richard",
    "thomas",
    "katherine",
    "christopher",
    "daniel",
    "david",
    "edward",
    "joseph",
    "steven",
    "anthony",
    "patrick",
    "samuel",
    "susan",
    "jennifer",
    "andrew",
    "benjamin",
    "nicholas",
    "matthew",
    "olivia",
    "emma",
    "sophia",
    "lucas",
    "noah",
    "liam",
    "mia",
    "chloe",
    "hugo",
    "louis",
    "camille",
    "lea",
    "manon",
    "ines",
    "jules",
    "arthur",
    "adam",
    "sarah",
    "laura",
    "anna",
    "julia",
    "paul",
    "peter",
    "maria",
    "elena",
    "ivan",
    "oliver",
    "harry",
    "george",
    "amelia",
    "isla",
    "ava",
    "grace",
    "freddie",
    "leo",
    "nora",
    "ruth",
    "victor",
    "yasmin",
];

/// Nicknames of some of [`GIVEN`]'s names (those the matcher knows).
const NICKNAMES: &[(&str, &str)] = &[
    ("robert", "bob"),
    ("william", "bill"),
    ("elizabeth", "liz"),
    ("margaret", "peggy"),
    ("james", "jim"),
    ("michael", "mike"),
    ("richard", "dick"),
    ("thomas", "tom"),
    ("katherine", "kate"),
    ("christopher", "chris"),
    ("daniel", "dan"),
    ("david", "dave"),
    ("edward", "ted"),
    ("joseph", "joe"),
    ("steven", "steve"),
    ("anthony", "tony"),
    ("patrick", "pat"),
    ("samuel", "sam"),
    ("susan", "sue"),
    ("jennifer", "jenny"),
    ("andrew", "andy"),
    ("benjamin", "ben"),
    ("nicholas", "nick"),
    ("matthew", "matt"),
];

const FAMILY_STARTS: &[&str] = &[
    "ander", "bar", "bel", "car", "dal", "ed", "fer", "gar", "hal", "ken", "lam", "mar", "nor",
    "os", "par", "ros", "sal", "tor", "val", "wil", "ash", "brook", "clay", "dun", "ell",
];

const FAMILY_ENDS: &[&str] = &[
    "son", "ton", "ley", "man", "ford", "wood", "field", "by", "er", "ski", "ez", "ini", "ot",
    "berg", "dale", "well", "ridge", "stone", "more", "worth",
];

const COMPANIES: &[&str] = &[
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "vandelay",
    "stark",
    "wayne",
    "wonka",
    "tyrell",
    "cyberdyne",
    "soylent",
    "massive",
    "aperture",
    "monarch",
    "oscorp",
    "gringotts",
    "nakatomi",
    "pied",
    "dunder",
];

const FREE_MAIL: &[&str] = &["gmail.com", "outlook.com", "yahoo.com"];

/// A number's digits (GB, national without its trunk `0`: ten digits) in one of five forms.
fn phone_form(digits: &str, form: u64) -> String {
    let (area, a, b) = (&digits[..2], &digits[2..6], &digits[6..]);
    match form % 5 {
        0 => format!("+44 {area} {a} {b}"),
        1 => format!("0{area} {a} {b}"),
        2 => format!("0044 {area} {a} {b}"),
        3 => format!("(0{area}) {a}-{b}"),
        _ => format!("+44 (0){area} {a} {b}"),
    }
}

/// One of `from`, at random.
fn pick(rng: &mut SplitMix64, from: &[&'static str]) -> &'static str {
    from[rng.between(0, from.len() as u64 - 1) as usize]
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `word` with one letter mistyped (not the first): two letters swapped, one dropped, doubled
/// or replaced by another.
fn typo(word: &str, rng: &mut SplitMix64) -> String {
    let mut letters: Vec<char> = word.chars().collect();
    if letters.len() < 4 {
        letters.push(letters.last().copied().unwrap_or('e'));
        return letters.into_iter().collect();
    }
    let at = rng.between(1, letters.len() as u64 - 2) as usize;
    match rng.between(0, 3) {
        0 => letters.swap(at, at + 1),
        1 => {
            letters.remove(at);
        }
        2 => letters.insert(at, letters[at]),
        _ => letters[at] = (b'a' + rng.between(0, 25) as u8) as char,
    }
    letters.into_iter().collect()
}

fn details(name: &str, email: Option<&str>, phone: Option<&str>) -> ContactDetails {
    // The generator's names, emails and phones are valid by construction; a mistake in them is
    // a bug of this file, which every test using it would show at once.
    let mut details = ContactDetails::new(
        Party::person(PersonName::new(name).expect("a generated name")),
        LeadSource::Other,
    );
    if let Some(email) = email {
        details = details.with_email(EmailAddress::new(email).expect("a generated email"));
    }
    if let Some(phone) = phone {
        details = details.with_phone(PhoneNumber::new(phone).expect("a generated phone"));
    }
    details
}

/// `persons` people (a seed fixes them), each an [`Original`](Variation::Original) contact
/// (a work email at one of twenty companies, or a personal one; a GB phone in one of five
/// forms, or none), followed, each with its own chance, by a duplicate of them (40 %: one of
/// the seven kinds of duplicate, each keeping the email or the phone or both, the last
/// changing the family name and the email at once), a namesake (10 %)
/// and a family member (10 %, when the person has a phone). Family names are drawn from 500,
/// given names from 64, so that other namesakes happen too, as they do.
///
/// ```
/// use prospect::testkit::people::{Variation, people};
/// let generated = people(7, 1_000);
/// let duplicates = generated.iter().filter(|g| g.variation.is_duplicate()).count();
/// assert!((300..500).contains(&duplicates), "{duplicates}");
/// ```
pub fn people(seed: u64, persons: usize) -> Vec<Generated> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(persons * 16 / 10);
    for n in 0..persons {
        let given = pick(&mut rng, GIVEN);
        let family = format!(
            "{}{}",
            pick(&mut rng, FAMILY_STARTS),
            pick(&mut rng, FAMILY_ENDS)
        );
        let name = format!("{} {}", capitalized(given), capitalized(&family));
        let company = pick(&mut rng, COMPANIES);
        let email = match rng.chance(0.8) {
            true => format!("{given}.{family}.{n}@{company}.test"),
            false => format!("{given}{n}@{}", pick(&mut rng, FREE_MAIL)),
        };
        let digits = format!("20{:08}", 10_000_000 + n as u64 * 37 % 90_000_000);
        let phone = rng.chance(0.8).then(|| phone_form(&digits, rng.next_u64()));
        let original = out.len();
        out.push(Generated {
            details: details(&name, Some(&email), phone.as_deref()),
            person: original,
            variation: Variation::Original,
        });
        if rng.chance(0.4) {
            let variation = match rng.between(0, 6) {
                0 => Variation::FamilyTypo,
                1 => Variation::GivenTypo,
                2 => Variation::Nickname,
                3 => Variation::CaseAndSpacing,
                4 => Variation::PhoneFormat,
                5 => Variation::SecondEmail,
                _ => Variation::TypoAndSecondEmail,
            };
            // What a second entry keeps: the email, the phone, or both.
            let had_phone = phone.is_some();
            let keeps = rng.between(0, 2);
            let (mut email, mut phone) = match (keeps, &phone) {
                (0, Some(_)) => (None, phone.clone()),
                (1, _) | (_, None) => (Some(email.clone()), None),
                _ => (Some(email.clone()), phone.clone()),
            };
            let nickname = NICKNAMES.iter().find(|(g, _)| *g == given);
            let (name, variation) = match variation {
                Variation::FamilyTypo => (
                    format!(
                        "{} {}",
                        capitalized(given),
                        capitalized(&typo(&family, &mut rng))
                    ),
                    variation,
                ),
                Variation::GivenTypo => (
                    format!(
                        "{} {}",
                        capitalized(&typo(given, &mut rng)),
                        capitalized(&family)
                    ),
                    variation,
                ),
                Variation::Nickname if nickname.is_some() => (
                    format!(
                        "{} {}",
                        capitalized(nickname.map_or(given, |(_, n)| n)),
                        capitalized(&family)
                    ),
                    variation,
                ),
                Variation::PhoneFormat if phone.is_some() => {
                    phone = Some(phone_form(&digits, rng.next_u64()));
                    email = None;
                    (name.clone(), variation)
                }
                Variation::SecondEmail if phone.is_some() => {
                    phone = Some(phone_form(&digits, rng.next_u64()));
                    email = Some(format!("{given}.{family}{n}@{}", pick(&mut rng, FREE_MAIL)));
                    (name.clone(), variation)
                }
                Variation::TypoAndSecondEmail if had_phone => {
                    phone = Some(phone_form(&digits, rng.next_u64()));
                    email = Some(format!("{given}{n}.home@{}", pick(&mut rng, FREE_MAIL)));
                    let family = typo(&family, &mut rng);
                    (
                        format!("{} {}", capitalized(given), capitalized(&family)),
                        variation,
                    )
                }
                _ => (
                    format!("  {}   {} ", given.to_uppercase(), family),
                    Variation::CaseAndSpacing,
                ),
            };
            out.push(Generated {
                details: details(name.trim(), email.as_deref(), phone.as_deref()),
                person: original,
                variation,
            });
        }
        if rng.chance(0.1) {
            let own = out.len();
            let digits = format!(
                "20{:08}",
                10_000_000 + (persons + own) as u64 * 37 % 90_000_000
            );
            let phone = phone_form(&digits, rng.next_u64());
            let email = format!("{given}.{family}.{own}@{}.test", pick(&mut rng, COMPANIES));
            out.push(Generated {
                details: details(&name, Some(&email), Some(&phone)),
                person: own,
                variation: Variation::Namesake,
            });
        }
        if let (Some(_), true) = (&phone, rng.chance(0.1)) {
            let own = out.len();
            let other = loop {
                let other = pick(&mut rng, GIVEN);
                if other != given {
                    break other;
                }
            };
            let name = format!("{} {}", capitalized(other), capitalized(&family));
            let email = format!("{other}{own}@{}", pick(&mut rng, FREE_MAIL));
            out.push(Generated {
                details: details(
                    &name,
                    Some(&email),
                    Some(&phone_form(&digits, rng.next_u64())),
                ),
                person: own,
                variation: Variation::FamilyMember,
            });
        }
    }
    out
}
