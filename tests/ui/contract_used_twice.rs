// Winning consumes the signed contract: it cannot win a second opportunity.
use prospect::{state::Contracting, Context, Opportunity, SignedContract};

fn win(
    a: Opportunity<Contracting>,
    b: Opportunity<Contracting>,
    contract: SignedContract,
    ctx: &Context<'_>,
) {
    let _ = a.win(contract, ctx);
    let _ = b.win(contract, ctx);
}

fn main() {}
