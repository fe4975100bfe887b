// A typed opportunity is linear: cloning it would let one opportunity be won twice.
use prospect::{state::Contracting, Opportunity};

fn copy(opportunity: &Opportunity<Contracting>) -> Opportunity<Contracting> {
    opportunity.clone()
}

fn main() {}
