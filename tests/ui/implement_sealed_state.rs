// The set of lead states is closed: no state can be added outside the crate.
use prospect::{state::LeadState, state::LeadStatus};

#[derive(Debug)]
enum Hot {}

impl LeadState for Hot {
    const STATUS: LeadStatus = LeadStatus::Working;
}

fn main() {}
