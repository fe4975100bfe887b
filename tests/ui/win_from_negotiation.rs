// Only an opportunity in Contracting can be won.
use prospect::{state::Negotiation, Context, Opportunity, SignedContract};

fn win(opportunity: Opportunity<Negotiation>, contract: SignedContract, ctx: &Context<'_>) {
    let _ = opportunity.win(contract, ctx);
}

fn main() {}
