//! Names in the forms duplicates are matched by: folded (lowercase, Latin accents removed,
//! punctuation as spaces), split into given and family names, given names through their
//! common nicknames, and a phonetic code that typos and transpositions rarely change.

/// `text` lowercased, with the accents of Latin letters and apostrophes removed and anything
/// else but letters and digits turned into single spaces (`"  O'Brien-Smith "` →
/// `"obrien smith"`).
pub(super) fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut space = true;
    let mut push = |c: char| {
        if c.is_alphanumeric() {
            folded.push(unaccented(c));
            space = false;
        } else if !matches!(c, '\'' | '’') && !space {
            folded.push(' ');
            space = true;
        }
    };
    for c in text.chars() {
        // ASCII, most names, without the Unicode tables.
        if c.is_ascii() {
            push(c.to_ascii_lowercase());
        } else {
            c.to_lowercase().for_each(&mut push);
        }
    }
    if folded.ends_with(' ') {
        folded.pop();
    }
    folded
}

/// The Latin letter under an accent (`é` → `e`, `ß` stays); any other letter as it is.
fn unaccented(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ł' | 'ľ' => 'l',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ř' => 'r',
        'ś' | 'š' | 'ş' => 's',
        'ť' | 'ţ' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        c => c,
    }
}

/// A person's name as matching reads it: the first given name (through its nickname table)
/// and the family name, both [folded](fold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PersonKey {
    /// The first given name, a nickname replaced by the name it is short for (`bob` →
    /// `robert`); empty for a one-word name.
    pub(super) given: String,
    /// The family name: the last word, or what comes before a comma (`Smith, John`).
    pub(super) family: String,
}

impl PersonKey {
    /// Reads `name` (`John Smith`, `SMITH, John`, `Jean-Luc Picard`, `Ada`).
    pub(super) fn of(name: &str) -> PersonKey {
        let (mut given, family) = match name.split_once(',') {
            Some((family, given)) => (fold(given), fold(family).replace(' ', "")),
            None => {
                // The given names are what is left of the folded name once its last word is
                // taken out: the folded name's own buffer, cut.
                let mut folded = fold(name);
                match folded.rfind(' ') {
                    Some(at) => {
                        let family = folded[at + 1..].to_string();
                        folded.truncate(at);
                        (folded, family)
                    }
                    None => (String::new(), folded),
                }
            }
        };
        // The first given name, through the nicknames: in place.
        given.truncate(given.find(' ').unwrap_or(given.len()));
        if let Some(formal) = formal(&given) {
            given.clear();
            given.push_str(formal);
        }
        PersonKey { given, family }
    }
}

/// The given name `nickname` is short for, if it is one of the common short forms.
fn formal(nickname: &str) -> Option<&'static str> {
    let at = NICKNAMES.binary_search_by_key(&nickname, |(short, _)| short);
    at.ok()
        .and_then(|at| NICKNAMES.get(at))
        .map(|(_, name)| *name)
}

/// Common short forms of given names, and the name each stands for, in the short forms'
/// order (searched by halves).
const NICKNAMES: &[(&str, &str)] = &[
    ("abby", "abigail"),
    ("al", "albert"),
    ("alex", "alexander"),
    ("andy", "andrew"),
    ("ben", "benjamin"),
    ("beth", "elizabeth"),
    ("bill", "william"),
    ("billy", "william"),
    ("bob", "robert"),
    ("bobby", "robert"),
    ("cathy", "catherine"),
    ("chris", "christopher"),
    ("chuck", "charles"),
    ("dan", "daniel"),
    ("danny", "daniel"),
    ("dave", "david"),
    ("dick", "richard"),
    ("ed", "edward"),
    ("eddie", "edward"),
    ("fred", "frederick"),
    ("greg", "gregory"),
    ("jack", "john"),
    ("jake", "jacob"),
    ("jeff", "jeffrey"),
    ("jenny", "jennifer"),
    ("jim", "james"),
    ("jimmy", "james"),
    ("joe", "joseph"),
    ("johnny", "john"),
    ("kate", "katherine"),
    ("katie", "katherine"),
    ("ken", "kenneth"),
    ("larry", "lawrence"),
    ("liz", "elizabeth"),
    ("maggie", "margaret"),
    ("matt", "matthew"),
    ("meg", "margaret"),
    ("mike", "michael"),
    ("nick", "nicholas"),
    ("pat", "patrick"),
    ("peggy", "margaret"),
    ("pete", "peter"),
    ("rich", "richard"),
    ("rick", "richard"),
    ("rob", "robert"),
    ("ron", "ronald"),
    ("sam", "samuel"),
    ("steve", "steven"),
    ("sue", "susan"),
    ("ted", "edward"),
    ("tom", "thomas"),
    ("tommy", "thomas"),
    ("tony", "anthony"),
    ("will", "william"),
];

/// A phonetic code of a folded word: its first letter, then a digit for each run of
/// consonants that sound alike (Soundex's classes, not cut at four), vowels separating runs
/// and `h`, `w` not. `smith`, `smyth` and `smtih` are `s53`; `johnson` and `jonhson` `j525`.
/// A word that does not start with a letter of `a` to `z` is its own code.
pub(super) fn sound(word: &str) -> String {
    let mut letters = word.chars().filter(|c| !c.is_whitespace());
    let Some(first) = letters.next() else {
        return String::new();
    };
    if !first.is_ascii_lowercase() {
        return word.replace(' ', "");
    }
    let mut code = String::from(first);
    let mut last = class(first);
    for c in letters {
        match class(c) {
            Some(digit) if Some(digit) != last => {
                code.push(digit);
                last = Some(digit);
            }
            Some(_) => {}
            None if matches!(c, 'h' | 'w') => {}
            None => last = None,
        }
    }
    code
}

/// Soundex's class of a consonant.
fn class(c: char) -> Option<char> {
    match c {
        'b' | 'f' | 'p' | 'v' => Some('1'),
        'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => Some('2'),
        'd' | 't' => Some('3'),
        'l' => Some('4'),
        'm' | 'n' => Some('5'),
        'r' => Some('6'),
        _ => None,
    }
}

/// Words that say what an organization is, not which: legal forms and the like, left out of
/// the name organizations are matched by (`ACME Corp` and `Acme Corporation` are `acme`).
const LEGAL_FORMS: &[&str] = &[
    "ab",
    "ag",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "group",
    "inc",
    "incorporated",
    "kg",
    "limited",
    "llc",
    "llp",
    "ltd",
    "nv",
    "oy",
    "plc",
    "pty",
    "sa",
    "sarl",
    "sas",
    "sl",
    "spa",
    "srl",
    "the",
];

/// An organization's name as matching reads it: folded, its legal forms left out, its words
/// run together (`The ACME Corp.` → `acme`). The folded name whole if nothing else is left.
pub(super) fn organization(name: &str) -> String {
    let folded = fold(name);
    let words: String = folded
        .split(' ')
        .filter(|w| !LEGAL_FORMS.contains(w))
        .collect();
    if words.is_empty() {
        folded.replace(' ', "")
    } else {
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nicknames_are_in_order_and_each_is_found() {
        assert!(NICKNAMES.windows(2).all(|w| w[0].0 < w[1].0));
        for (short, name) in NICKNAMES {
            assert_eq!(formal(short), Some(*name));
        }
        assert_eq!(formal("robert"), None);
    }

    #[test]
    fn names_are_read_as_people_write_them() {
        let key = |n| PersonKey::of(n);
        assert_eq!(key("John Smith"), key("  JOHN   smith "));
        assert_eq!(key("Smith, John"), key("John Smith"));
        assert_eq!(key("Bob Dylan").given, "robert");
        assert_eq!(key("José Núñez").family, "nunez");
        assert_eq!(key("Ada").given, "");
        assert_eq!(key("Mary-Ann O'Neil").family, "oneil");
        for name in ["Bob Allen Dylan", "Dylan, Bob Allen", " bob  allen DYLAN "] {
            let key = key(name);
            assert_eq!(
                (key.given.as_str(), key.family.as_str()),
                ("robert", "dylan")
            );
        }
    }

    #[test]
    fn typos_keep_the_sound() {
        for (a, b) in [
            ("smith", "smyth"),
            ("smith", "smtih"),
            ("johnson", "jonhson"),
            ("williams", "willaims"),
            ("john", "jonh"),
        ] {
            assert_eq!(sound(a), sound(b), "{a} {b}");
        }
        assert_ne!(sound("smith"), sound("jones"));
        assert_eq!(sound("李"), "李");
        assert_eq!(sound(""), "");
    }

    #[test]
    fn organizations_lose_their_legal_forms() {
        assert_eq!(organization("ACME Corp"), "acme");
        assert_eq!(organization("Acme Corporation"), "acme");
        assert_eq!(organization("The Acme Company, Inc."), "acme");
        assert_eq!(organization("Blue Sky Labs"), "blueskylabs");
        assert_eq!(organization("The Company"), "thecompany");
    }
}
