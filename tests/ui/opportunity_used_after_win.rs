// Winning consumes the opportunity in Contracting: it cannot be won again.
use prospect::{state::Contracting, Account, Context, Opportunity, SignedContract};

fn win(
    opportunity: Opportunity<Contracting>,
    first: SignedContract,
    second: SignedContract,
    account: &mut Account,
    ctx: &Context<'_>,
) {
    let _ = opportunity.win(first, ctx);
    let _ = opportunity.win_for(account, second, ctx);
}

fn main() {}
