//! Any bytes, read as a stored record: never a panic; what is accepted is valid, so it
//! serialises and reads back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prospect::{record::Record, store::Versioned};

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = serde_json::from_slice::<Record>(data) {
        let text = serde_json::to_string(&record).expect("a valid record serialises");
        let again: Record = serde_json::from_str(&text).expect("and reads back");
        assert_eq!(again, record);
    }
    let _ = serde_json::from_slice::<Versioned<Record>>(data);
});
