// An activity is logged on an open opportunity only: a won one's work goes on its account.
use prospect::{state::Won, Activity, ActivityDetails, Context, Opportunity};

fn log(opportunity: &Opportunity<Won>, details: ActivityDetails, ctx: &Context<'_>) {
    let _ = Activity::on_opportunity(opportunity, details, ctx);
}

fn main() {}
