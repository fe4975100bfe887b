// Qualifying consumes the lead: the Working lead is gone, only the Converted one remains.
use prospect::{state::Working, Context, Lead, Qualification};

fn convert(lead: Lead<Working>, qualification: Qualification, ctx: &Context<'_>) {
    let _converted = lead.qualify(qualification, ctx);
    let _ = lead.id();
}

fn main() {}
