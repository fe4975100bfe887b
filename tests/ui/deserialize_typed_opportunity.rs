// A typed opportunity is not `Deserialize`: serialising it and reading it back would duplicate it.
use prospect::{state::Contracting, Opportunity};

fn read(text: &str) -> Opportunity<Contracting> {
    serde_json::from_str(text).unwrap()
}

fn main() {}
