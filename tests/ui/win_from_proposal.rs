// Only an opportunity in Contracting can be won.
use prospect::{state::Proposal, Context, Opportunity, SignedContract};

fn win(opportunity: Opportunity<Proposal>, contract: SignedContract, ctx: &Context<'_>) {
    let _ = opportunity.win(contract, ctx);
}

fn main() {}
