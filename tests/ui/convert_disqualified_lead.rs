// A disqualified lead must be recycled and worked before it can be qualified.
use prospect::{state::Disqualified, Context, Lead, Qualification};

fn convert(lead: Lead<Disqualified>, qualification: Qualification, ctx: &Context<'_>) {
    let _ = lead.qualify(qualification, ctx);
}

fn main() {}
