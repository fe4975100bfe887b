// Only an open stage can be lost: a won opportunity stays won.
use prospect::{state::Won, Context, LossReason, Opportunity};

fn lose(opportunity: Opportunity<Won>, reason: LossReason, ctx: &Context<'_>) {
    let _ = opportunity.lose(reason, ctx);
}

fn main() {}
