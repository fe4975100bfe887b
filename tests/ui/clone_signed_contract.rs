// A signed contract is linear: cloning it would let one contract win two opportunities.
use prospect::SignedContract;

fn copy(contract: &SignedContract) -> SignedContract {
    contract.clone()
}

fn main() {}
