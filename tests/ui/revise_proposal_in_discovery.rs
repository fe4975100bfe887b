// A revised proposal replaces one on the table: in Discovery there is none yet (propose first).
use prospect::{state::Discovery, Context, Opportunity, SentProposal};

fn revise(mut o: Opportunity<Discovery>, proposal: SentProposal, ctx: &Context<'_>) {
    o.revise_proposal(proposal, ctx);
}

fn main() {}
