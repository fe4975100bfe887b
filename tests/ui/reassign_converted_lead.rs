// A converted lead is closed: its work, and its owner, go on with its opportunity.
use prospect::{state::Converted, Context, Lead, User};

fn hand_over(mut lead: Lead<Converted>, owner: User, ctx: &Context<'_>) {
    lead.reassign(Some(owner), None, ctx);
}

fn main() {}
