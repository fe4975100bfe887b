// Through the facade too, a won opportunity cannot be revised.
use prospect::memory::MemoryStore;
use prospect::store::Versioned;
use prospect::{state::Won, Crm, Opportunity, Revision, User};

fn revise(crm: &Crm<MemoryStore>, won: Versioned<Opportunity<Won>>, actor: &User) {
    let _ = crm.revise_opportunity(won, Revision::new(), actor);
}

fn main() {}
