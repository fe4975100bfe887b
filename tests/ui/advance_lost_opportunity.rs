// A lost opportunity does not advance; it can only be reopened into Discovery.
use prospect::{state::Lost, Context, Incumbent, Opportunity, PaymentTerms};

fn advance(opportunity: Opportunity<Lost>, terms: PaymentTerms, ctx: &Context<'_>) {
    let _ = opportunity.enter_contracting(terms, Incumbent::NoneInPlace, ctx);
}

fn main() {}
