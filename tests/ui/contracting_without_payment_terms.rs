// Entering Contracting takes agreed payment terms as well as the incumbent's fate.
use prospect::{state::Negotiation, Context, Incumbent, Opportunity};

fn contract(opportunity: Opportunity<Negotiation>, ctx: &Context<'_>) {
    let _ = opportunity.enter_contracting(Incumbent::NoneInPlace, ctx);
}

fn main() {}
