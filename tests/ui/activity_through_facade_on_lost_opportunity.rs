// The facade's typed step refuses a closed opportunity too: `log_activity` by id is the run-time
// path, which refuses it with an error naming the open states.
use prospect::memory::MemoryStore;
use prospect::store::Versioned;
use prospect::{state::Lost, ActivityDetails, Crm, Opportunity, User};

fn log(crm: &Crm<MemoryStore>, o: &Versioned<Opportunity<Lost>>, d: ActivityDetails, me: &User) {
    let _ = crm.log_activity_on_opportunity(o, d, me);
}

fn main() {}
