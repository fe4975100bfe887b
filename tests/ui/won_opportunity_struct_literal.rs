// An Opportunity<Won> is made only by winning with a signed contract, never by hand: its fields
// (the data, and the contract and account the stage holds) are private.
use prospect::{state::Won, Opportunity};

fn forge() -> Opportunity<Won> {
    Opportunity {
        data: unimplemented!(),
        outcome: unimplemented!(),
    }
}

fn main() {}
