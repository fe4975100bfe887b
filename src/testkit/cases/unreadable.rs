//! One bad row never stops a read (the macro's `corrupt = f` option): a record or an event the
//! adapter can no longer decode is reported where it was found, never skipped in silence, and
//! never fails a read of the others.
//!
//! Listings, scans and pages of events have room to report it beside what they serve
//! ([`Page::unreadable`](crate::store::Page::unreadable), [`Scanned::unreadable`](crate::store::Scanned::unreadable),
//! [`EventPage::unreadable`](crate::event::EventPage::unreadable)): they serve every readable
//! row and report the bad one. A look-up (`load`, by email, by domain) answers a question a
//! step decides on (is this address taken?), where an answer missing a match is a wrong answer:
//! one that reaches the bad row fails with the adapter's error naming it, and every look-up
//! that does not reach it answers as before.

use super::*;
use crate::event::{Position, StoredEvent};
use crate::organization::{Domain, Organization, OrganizationDetails};
use crate::testkit::Plant;
use crate::text::OrganizationName;

/// Whether `reported` (an unreadable row's id as stored, or an error's message) names `id`
/// (its UUID, hyphenated or not, in any case).
fn names(reported: &str, id: RecordId) -> bool {
    let plain = |s: &str| s.to_ascii_lowercase().replace('-', "");
    plain(reported).contains(&plain(&id.as_uuid().to_string()))
}

/// Every record and unreadable row `query` lists, `limit` at a time; checks each page: within
/// its limit, the bad rows counted, the cursor advancing.
#[track_caller]
fn list_all<S: Store>(store: &S, query: &Query, limit: usize) -> (Vec<RecordId>, Vec<String>) {
    let (mut records, mut unreadable) = (Vec::new(), Vec::new());
    let mut after = None;
    for _ in 0..MAX_PAGES {
        let page = store.list(query, after, limit).unwrap_or_else(|e| {
            panic!(
                "one bad row never stops a read: expected a page of {:?} (limit {limit}) with \
                 the bad row in `unreadable`, found the error {e}",
                query.kind()
            )
        });
        let served = page.records.len() + page.unreadable.len();
        assert!(
            served <= limit,
            "a page of limit {limit}: expected at most {limit} rows, readable or not, found {served}"
        );
        records.extend(page.records.iter().map(|r| r.id()));
        for bad in &page.unreadable {
            assert_eq!(
                bad.kind,
                query.kind(),
                "an unreadable row of a listing of {:?}: expected its kind, found {:?}",
                query.kind(),
                bad.kind
            );
        }
        unreadable.extend(page.unreadable.into_iter().map(|u| u.id));
        match page.next {
            Some(next) if after.is_some_and(|a| next <= a) => {
                panic!("the cursor did not advance past {next} (one bad row must not stop paging)")
            }
            Some(next) => after = Some(next),
            None => return (records, unreadable),
        }
    }
    panic!("paging did not end within {MAX_PAGES} pages");
}

/// Seven contacts, the fourth by id corrupted: a listing of contacts in pages of 1, 2, 3 and
/// [`MAX_PAGE`] serves the six others in id order and reports the fourth once in
/// `unreadable` (kind and id), counted toward each page's limit, the cursor going past it; a
/// listing filtered by owner reaches it too; a scan visits the six and reports the one.
///
/// Catches an adapter that skips the bad row in silence, and one that fails the whole page.
pub fn bad_records_are_reported_in_pages_and_scans<S: Store>(
    new: impl Fn() -> S,
    corrupt: impl Fn(&S, Plant),
) {
    let store = new();
    let sample = Sample::new(140);
    let mut made: Vec<(RecordId, crate::text::User)> = (0..7)
        .map(|_| {
            let contact = sample.contact();
            let owner = contact
                .owner()
                .cloned()
                .expect("the sample's contacts have owners");
            (create(&store, contact), owner)
        })
        .collect();
    made.sort();
    let (bad, owner) = made.remove(3);
    corrupt(&store, Plant::Record(bad));
    let ids: Vec<RecordId> = made.iter().map(|(id, _)| *id).collect();
    let of_owner: Vec<RecordId> = made
        .iter()
        .filter(|(_, o)| *o == owner)
        .map(|(id, _)| *id)
        .collect();

    let every = Query::of_kind(RecordKind::Contact);
    let owned = every.clone().owned_by(owner);
    for (query, expected, what) in [
        (&every, &ids, "every contact"),
        (&owned, &of_owner, "contacts by the bad one's owner"),
    ] {
        for limit in [1, 2, 3, MAX_PAGE] {
            let (records, unreadable) = list_all(&store, query, limit);
            assert_eq!(
                &records, expected,
                "{what} in pages of {limit} with one bad row: expected every readable contact \
                 in id order, found {records:?}"
            );
            assert!(
                unreadable.len() == 1 && names(&unreadable[0], bad),
                "{what} in pages of {limit}: expected the bad row {bad} reported once in \
                 `unreadable`, found {unreadable:?}"
            );
        }
    }
    let mut visited = Vec::new();
    let scanned = store
        .scan(RecordKind::Contact, &mut |r| visited.push(r.id()))
        .unwrap_or_else(|e| panic!("one bad row never stops a scan: found the error {e}"));
    assert_eq!(
        visited, ids,
        "a scan with one bad row: expected every readable contact, found {visited:?}"
    );
    assert!(
        scanned.unreadable.len() == 1 && names(&scanned.unreadable[0].id, bad),
        "a scan: expected the bad row {bad} in `unreadable`, found {:?}",
        scanned.unreadable
    );
    assert_eq!(
        scanned.visited,
        ids.len() as u64,
        "a scan: expected {} visited, found {}",
        ids.len(),
        scanned.visited
    );
}

/// Asserts that a look-up (`what`) failed with an error naming `bad`.
#[track_caller]
fn fails_naming<T: std::fmt::Debug, E: std::fmt::Display>(
    what: &str,
    result: Result<T, E>,
    bad: RecordId,
) {
    match result {
        Err(e) => assert!(
            names(&e.to_string(), bad),
            "{what}: expected an error naming the bad row {bad}, found the error {e}"
        ),
        Ok(found) => panic!(
            "{what} reaches the bad row {bad}: expected the adapter's error naming it (a \
             look-up that leaves out a match gives a wrong answer), found {found:?}"
        ),
    }
}

/// Two contacts with one address and two organizations with one domain, the first of each
/// (by id) corrupted, beside a contact and an organization of their own: a load of a bad row
/// fails with the adapter's error naming it; a look-up by the shared address or domain (which
/// reaches the bad row) fails naming it; loads of the others and look-ups of the other address
/// and domain answer as before.
pub fn bad_records_fail_their_lookups_naming_them<S: Store>(
    new: impl Fn() -> S,
    corrupt: impl Fn(&S, Plant),
) {
    let store = new();
    let sample = Sample::new(141);
    let ctx = sample.ctx();
    let shared = sample.email("twin@example.com");
    let mut twins: Vec<RecordId> = (0..2)
        .map(|_| {
            let details = sample.contact_details().with_email(shared.clone());
            create(&store, crate::contact::Contact::create(details, &ctx))
        })
        .collect();
    twins.sort();
    let alone = sample.contact();
    let alone_email = alone.email().cloned().expect("the sample has an email");
    let alone = create(&store, alone);

    let domain = |d: &str| Domain::new(d).must();
    let organization = |d: &str| {
        let mut details = OrganizationDetails::new(OrganizationName::new("Twin").must());
        details.domains = vec![domain(d)];
        Organization::create(details, &ctx).must()
    };
    let mut sisters: Vec<RecordId> = (0..2)
        .map(|_| create(&store, organization("twin.example")))
        .collect();
    sisters.sort();
    let single = create(&store, organization("single.example"));

    let (bad_contact, bad_organization) = (twins[0], sisters[0]);
    corrupt(&store, Plant::Record(bad_contact));
    corrupt(&store, Plant::Record(bad_organization));

    for bad in [bad_contact, bad_organization] {
        fails_naming(&format!("a load of {bad}"), store.load(bad), bad);
    }
    for good in [twins[1], alone, sisters[1], single] {
        assert!(
            matches!(store.load(good), Ok(Some(_))),
            "a load of {good}, beside a bad row: expected the record, found {:?}",
            store.load(good)
        );
    }
    fails_naming(
        "a look-up by the address of a bad contact",
        store.find_contacts_by_email(&shared),
        bad_contact,
    );
    fails_naming(
        "a look-up by the domain of a bad organization",
        store.find_organizations_by_domain(&domain("twin.example")),
        bad_organization,
    );
    let found: Vec<RecordId> = store
        .find_contacts_by_email(&alone_email)
        .unwrap_or_else(|e| panic!("a look-up of another address, beside a bad row: {e}"))
        .iter()
        .map(|c| RecordId::Contact(c.id()))
        .collect();
    assert_eq!(
        found,
        vec![alone],
        "a look-up of another address, beside a bad row: expected its contact"
    );
    let found: Vec<RecordId> = store
        .find_organizations_by_domain(&domain("single.example"))
        .unwrap_or_else(|e| panic!("a look-up of another domain, beside a bad row: {e}"))
        .iter()
        .map(|o| RecordId::Organization(o.id()))
        .collect();
    assert_eq!(
        found,
        vec![single],
        "a look-up of another domain, beside a bad row: expected its organization"
    );
}

/// Every event and unreadable position after `after`, `limit` at a time; checks each page:
/// within its limit, the bad events counted, `last` the page's last position read or not.
#[track_caller]
fn read_all_events<S: Store>(store: &S, limit: usize) -> (Vec<StoredEvent>, Vec<Position>) {
    let (mut events, mut unreadable) = (Vec::new(), Vec::new());
    let mut after = None;
    for _ in 0..MAX_PAGES {
        let page = store.read_events(after, limit).unwrap_or_else(|e| {
            panic!(
                "one bad event never stops a read: expected a page (limit {limit}) with the bad \
                 event in `unreadable`, found the error {e}"
            )
        });
        let served = page.events.len() + page.unreadable.len();
        assert!(
            served <= limit,
            "a page of events of limit {limit}: expected at most {limit}, readable or not, found {served}"
        );
        let last = page
            .events
            .iter()
            .map(|e| e.position)
            .chain(page.unreadable.iter().map(|u| u.position))
            .max();
        assert_eq!(
            page.last, last,
            "a page of events: expected `last` to be its last position, read or not"
        );
        events.extend(page.events);
        unreadable.extend(page.unreadable.into_iter().map(|u| u.position));
        match last {
            Some(last) => after = Some(last),
            None => return (events, unreadable),
        }
    }
    panic!("reading events did not end within {MAX_PAGES} pages");
}

/// Five events, the third corrupted: pages of 1, 2 and [`MAX_PAGE`] events serve the four
/// others as they were written and report the third's position once in `unreadable`, counted
/// toward the limit, and `last` goes past it, so a consumer moves on.
pub fn bad_events_are_reported_in_their_page<S: Store>(
    new: impl Fn() -> S,
    corrupt: impl Fn(&S, Plant),
) {
    let store = new();
    let sample = Sample::new(142);
    let crm = sample.crm(&store);
    let me = sample.actor();
    for _ in 0..5 {
        crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .must();
    }
    let (mut written, none) = read_all_events(&store, MAX_PAGE);
    assert!(
        written.len() == 5 && none.is_empty(),
        "expected the five events of five contacts created, found {} (and {} unreadable)",
        written.len(),
        none.len()
    );
    let bad = written.remove(2).position;
    corrupt(&store, Plant::Event(bad));
    for limit in [1, 2, MAX_PAGE] {
        let (events, unreadable) = read_all_events(&store, limit);
        assert_eq!(
            events, written,
            "events in pages of {limit} with one bad event: expected every readable event as \
             written"
        );
        assert_eq!(
            unreadable,
            vec![bad],
            "events in pages of {limit}: expected the bad event at {bad} reported once"
        );
    }
}
