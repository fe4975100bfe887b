// A converted lead is closed: it cannot be disqualified afterwards.
use prospect::{state::Converted, Context, DisqualifyReason, Lead};

fn disqualify(lead: Lead<Converted>, reason: DisqualifyReason, ctx: &Context<'_>) {
    let _ = lead.disqualify(reason, ctx);
}

fn main() {}
