// A New lead has not been contacted yet: it cannot be qualified.
use prospect::{state::New, Context, Lead, Qualification};

fn convert(lead: Lead<New>, qualification: Qualification, ctx: &Context<'_>) {
    let _ = lead.qualify(qualification, ctx);
}

fn main() {}
