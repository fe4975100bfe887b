// A next step is added for an open opportunity only: a lost one is reopened first.
use prospect::memory::MemoryStore;
use prospect::store::Versioned;
use prospect::{state::Lost, Crm, Opportunity, TaskDetails, User};

fn add(crm: &Crm<MemoryStore>, o: &Versioned<Opportunity<Lost>>, d: TaskDetails, me: &User) {
    let _ = crm.add_task_on_opportunity(o, d, me);
}

fn main() {}
