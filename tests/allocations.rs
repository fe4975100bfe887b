//! Allocation counts per transition, with a counting global allocator (its own test binary, so
//! that nothing else is counted): a step allocates its history entry and nothing else, except
//! closing an opportunity, which also allocates the `Arc` its closed stage holds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use chrono::{Days, TimeZone, Utc};
use prospect::record::AnyOpportunity;
use prospect::*;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: delegates to the system allocator; only counts, per thread.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `alloc`'s contract, passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = ALLOCATIONS.with(Cell::get);
    let value = f();
    (value, ALLOCATIONS.with(Cell::get) - before)
}

#[test]
fn each_transition_allocates_only_its_history_entry() {
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
    let ids = SequentialIds::new(1);
    let ctx = Context::new(&clock, &ids, User::new("claire").unwrap());
    let today = ctx.today();
    let eur = |major: i64| Money::from_minor(major * 100, Currency::EUR);
    let contact = Contact::create(
        ContactDetails::new(
            Party::person(PersonName::new("Ada").unwrap()),
            LeadSource::Web,
        ),
        &ctx,
    );
    // The evidence is made before counting: a step is measured, not its inputs.
    let interest = Interest::new(Summary::new("A CRM").unwrap(), BuyingRole::User);
    let touch = Touch::new(Channel::Call, Summary::new("Call").unwrap());
    let note = Note::new("Later").unwrap();
    let qualification = Qualification::builder()
        .need(
            Need::new(
                Summary::new("CRM").unwrap(),
                vec![Requirement::new("40 seats").unwrap()],
            )
            .unwrap(),
        )
        .budget(Budget::new(eur(30_000)).unwrap())
        .timeline(Timeline::new(today + Days::new(30), today, &HorizonPolicy::default()).unwrap())
        .build();
    let proposal = SentProposal::new(Summary::new("Offer").unwrap(), eur(36_000), today).unwrap();
    let terms = PaymentTerms::new(30, 1).unwrap();
    let loss = LossReason::new(LossCategory::Price);

    let (lead, n) = allocations(|| Lead::open(&contact, interest, &ctx));
    assert_eq!(
        n, 2,
        "opening a lead: its shared core and its first history entry"
    );
    let (lead, n) = allocations(|| lead.log_touch(touch.clone(), &ctx));
    assert_eq!(n, 1, "log_touch");
    let (lead, n) = allocations(|| lead.nurture(note.clone(), &ctx));
    assert_eq!(n, 1, "nurture");
    let (lead, n) = allocations(|| lead.resume(touch.clone(), &ctx));
    assert_eq!(n, 1, "resume");
    let (qualified, n) = allocations(|| lead.qualify(qualification, &ctx));
    let (_, o) = qualified.unwrap();
    assert_eq!(
        n, 3,
        "qualify: the lead's entry, and the opportunity's core and first entry"
    );
    let (o, n) = allocations(|| o.propose(proposal.clone(), &ctx));
    let o = o.unwrap();
    assert_eq!(n, 1, "propose");
    let (o, n) = allocations(|| o.negotiate(note.clone(), &ctx));
    assert_eq!(n, 1, "negotiate");
    let (o, n) = allocations(|| o.enter_contracting(terms.clone(), Incumbent::NoneInPlace, &ctx));
    assert_eq!(n, 1, "enter_contracting");
    let snapshot = AnyOpportunity::from(o);
    let (copy, n) = allocations(|| snapshot.clone());
    assert_eq!(n, 0, "a copy of a snapshot shares everything");
    drop(copy);
    let mut o: Opportunity<prospect::state::Contracting> = snapshot.try_into().unwrap();
    let ((), n) = allocations(|| o.override_probability(Probability::new(80).unwrap(), None, &ctx));
    assert_eq!(
        n, 2,
        "an override: its history entry, and its boxed evidence"
    );
    let (lost, n) = allocations(|| o.lose(loss.clone(), &ctx));
    assert_eq!(
        n, 2,
        "lose: its history entry, and the reason the lost stage holds"
    );
    let (_, n) = allocations(|| lost.reopen(note.clone(), &ctx));
    assert_eq!(n, 1, "reopen");
}
