// Only an opportunity in Contracting can be won.
use prospect::{state::Discovery, Context, Opportunity, SignedContract};

fn win(opportunity: Opportunity<Discovery>, contract: SignedContract, ctx: &Context<'_>) {
    let _ = opportunity.win(contract, ctx);
}

fn main() {}
