// A facade acts for principals under an access policy: there is no constructor without one
// (`prospect::access::AllowAll` is the explicit "allow everything").
use prospect::memory::MemoryStore;
use prospect::Crm;

fn main() {
    let _crm = Crm::new(MemoryStore::new());
}
