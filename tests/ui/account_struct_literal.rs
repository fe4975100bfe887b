// An Account is made only by winning an opportunity, never by hand.
use prospect::{Account, AccountId, ContactId};

fn forge(id: AccountId, contact: ContactId) -> Account {
    Account { id, primary_contact: contact }
}

fn main() {}
