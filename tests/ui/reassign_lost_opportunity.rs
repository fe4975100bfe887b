// A closed opportunity stays with its owner at close, whom the reports credit.
use prospect::{state::Lost, Context, Opportunity, User};

fn hand_over(mut lost: Opportunity<Lost>, owner: User, ctx: &Context<'_>) {
    lost.reassign(Some(owner), None, ctx);
}

fn main() {}
