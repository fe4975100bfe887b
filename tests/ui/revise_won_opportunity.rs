// A won opportunity is closed: its name, amount and expected close stay as they were at the win.
use prospect::{state::Won, Context, Opportunity, Revision};

fn revise(mut won: Opportunity<Won>, revision: Revision, ctx: &Context<'_>) {
    let _ = won.revise(revision, ctx);
}

fn main() {}
