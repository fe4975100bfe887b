// A move between custom stages is for an open opportunity: a won one is where it closed. The
// domain step and the facade's both refuse it at compile time.
use prospect::fields::CustomStage;
use prospect::{state::Won, Context, Opportunity};

fn move_won(o: &mut Opportunity<Won>, stage: CustomStage, ctx: &Context<'_>) {
    let _ = o.move_stage(stage, None, ctx);
}

fn main() {}
