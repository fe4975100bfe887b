// A typed lead is not `Deserialize`: serialising it and reading it back would duplicate it.
// Stored leads are read as `AnyLead` or `Record` and turned into typed values with `TryFrom`.
use prospect::{state::Working, Lead};

fn read(text: &str) -> Lead<Working> {
    serde_json::from_str(text).unwrap()
}

fn main() {}
