// A typed lead is linear: cloning it would let one lead be qualified twice.
use prospect::{state::Working, Lead};

fn copy(lead: &Lead<Working>) -> Lead<Working> {
    lead.clone()
}

fn main() {}
