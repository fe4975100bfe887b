// An Opportunity<Won> is made only by winning with a signed contract, never by hand.
use std::marker::PhantomData;

use prospect::{state::Won, Opportunity};

fn forge() -> Opportunity<Won> {
    Opportunity { state: PhantomData }
}

fn main() {}
