//! Any text, given to every validated constructor: never a panic; what is accepted is valid
//! again once normalised.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prospect::*;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = PersonName::new(text);
    let _ = OrganizationName::new(text);
    let _ = JobTitle::new(text);
    let _ = Summary::new(text);
    let _ = Note::new(text);
    let _ = Reference::new(text);
    let _ = User::new(text);
    let _ = Requirement::new(text);
    let _ = Currency::new(text);
    if let Ok(email) = EmailAddress::new(text) {
        assert_eq!(
            EmailAddress::new(email.normalized()).expect("normalised stays valid"),
            email
        );
    }
    if let Ok(phone) = PhoneNumber::new(text) {
        assert_eq!(
            PhoneNumber::new(phone.normalized()).expect("normalised stays valid"),
            phone
        );
    }
    for currency in [
        Currency::EUR,
        Currency::JPY,
        Currency::new("KWD").expect("active"),
    ] {
        if let Ok(money) = Money::parse(text, currency) {
            let shown = money.to_string();
            let number = shown.trim_end_matches(currency.code()).trim();
            assert_eq!(
                Money::parse(number, currency).expect("display parses back"),
                money
            );
        }
    }
});
