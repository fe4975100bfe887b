// The facade's move between custom stages takes an open opportunity only: the `move_stage`
// command is the run-time path, which refuses a closed one naming the open stages.
use prospect::fields::FieldKey;
use prospect::memory::MemoryStore;
use prospect::store::Versioned;
use prospect::{state::Lost, Crm, Opportunity, User};

fn move_lost(crm: &Crm<MemoryStore>, o: Versioned<Opportunity<Lost>>, to: FieldKey, me: &User) {
    let _ = crm.move_stage(o, to.clone(), to, None, me);
}

fn main() {}
