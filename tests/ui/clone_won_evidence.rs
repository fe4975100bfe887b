// The evidence in a won opportunity's history holds its contract: it is not `Clone` either, so
// the contract cannot be copied out of a history.
use prospect::OpportunityEvidence;

fn copy(evidence: &OpportunityEvidence) -> OpportunityEvidence {
    evidence.clone()
}

fn main() {}
