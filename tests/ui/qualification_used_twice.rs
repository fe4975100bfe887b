// Qualifying consumes the qualification: it cannot qualify a second lead.
use prospect::{state::Working, Context, Lead, Qualification};

fn convert(a: Lead<Working>, b: Lead<Working>, qualification: Qualification, ctx: &Context<'_>) {
    let _ = a.qualify(qualification, ctx);
    let _ = b.qualify(qualification, ctx);
}

fn main() {}
