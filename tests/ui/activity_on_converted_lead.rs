// An activity is logged on an open lead only: a converted lead's work goes on its opportunity.
use prospect::{state::Converted, Activity, ActivityDetails, Context, Lead};

fn log(lead: &Lead<Converted>, details: ActivityDetails, ctx: &Context<'_>) {
    let _ = Activity::on_lead(lead, details, ctx);
}

fn main() {}
