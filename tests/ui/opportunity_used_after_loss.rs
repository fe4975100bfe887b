// Losing consumes the open opportunity: it cannot then be advanced.
use prospect::{state::Discovery, Context, LossReason, Opportunity, SentProposal};

fn lose(
    opportunity: Opportunity<Discovery>,
    reason: LossReason,
    proposal: SentProposal,
    ctx: &Context<'_>,
) {
    let _ = opportunity.lose(reason, ctx);
    let _ = opportunity.propose(proposal, ctx);
}

fn main() {}
