// A won opportunity is closed: it does not advance any more.
use prospect::{state::Won, Context, Note, Opportunity};

fn advance(opportunity: Opportunity<Won>, note: Note, ctx: &Context<'_>) {
    let _ = opportunity.negotiate(note, ctx);
}

fn main() {}
