//! Four threads racing through the facade on shared records.

use super::*;

/// How many operations each of the four threads of the stress case runs.
pub const STRESS_OPERATIONS: u64 = 10_000;

/// Four threads run [`STRESS_OPERATIONS`] operations each through the facade on a shared pool of
/// leads and opportunities, racing on the same records: new leads, touches, nurturing,
/// qualifications, disqualifications, every stage, losses, reopenings, wins. Conflicts are
/// expected and counted. At the end every record's version is one more than the updates that
/// succeeded on it (no update lost), no lead has two opportunities, and every invariant holds.
pub fn stress_concurrent_lifecycles<S: Store + Sync>(new: impl Fn() -> S) {
    stress_concurrent_lifecycles_with(new, STRESS_OPERATIONS);
}

/// [`stress_concurrent_lifecycles`] with `operations` per thread instead of
/// [`STRESS_OPERATIONS`]: for a store too slow for the default (the macros'
/// `stress = N`). At least 300, so that the threads still race.
pub fn stress_concurrent_lifecycles_with<S: Store + Sync>(new: impl Fn() -> S, operations: u64) {
    use std::collections::HashMap;
    let operations = operations.max(300);
    use std::sync::Mutex;

    let store = new();
    let sample = Sample::new(24);
    let crm = sample.crm(&store);
    let pool: Mutex<Vec<RecordId>> = Mutex::new(Vec::new());
    // Successful writes per record: its creation counts 1, each update 1 more.
    let writes: Mutex<HashMap<RecordId, u64>> = Mutex::new(HashMap::new());
    let count = |ids: &[RecordId]| {
        let mut writes = writes.lock().expect("no panic while held");
        for id in ids {
            *writes.entry(*id).or_insert(0) += 1;
        }
    };
    let conflicts = std::sync::atomic::AtomicU64::new(0);
    thread::scope(|s| {
        for t in 0..4u64 {
            let (crm, sample, pool, count, conflicts) = (&crm, &sample, &pool, &count, &conflicts);
            s.spawn(move || {
                let mut rng = SplitMix64::new(t + 1);
                let me = sample.actor();
                for _ in 0..operations {
                    let pick = {
                        let pool = pool.lock().expect("no panic while held");
                        // Mostly the newest records, which the other threads are working on
                        // too: that is where the races are.
                        let len = pool.len() as u64;
                        let window = if rng.next_u64() % 4 == 0 {
                            len
                        } else {
                            len.min(8)
                        };
                        (len > 0 && rng.next_u64() % 10 != 0)
                            .then(|| pool[(len - 1 - rng.next_u64() % window.max(1)) as usize])
                    };
                    let choice = rng.next_u64();
                    let outcome = match pick {
                        None => {
                            let contact = crm
                                .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
                                .must()
                                .into_contact();
                            let lead = crm.open_lead(&contact, sample.interest(), me).must();
                            count(&[RecordId::Contact(contact.id()), RecordId::Lead(lead.id())]);
                            pool.lock()
                                .expect("no panic while held")
                                .push(RecordId::Lead(lead.id()));
                            Ok(())
                        }
                        Some(id) => stress_step(crm, sample, id, choice, pool, count),
                    };
                    match outcome {
                        Ok(()) => {}
                        Err(CrmError::Conflict(_)) => {
                            conflicts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            });
        }
    });
    let writes = writes.into_inner().expect("no panic while held");
    for (id, n) in &writes {
        let stored = load(&store, *id).expect("every record written is stored");
        assert_eq!(
            stored.version().get(),
            *n,
            "{id}: every successful write counted, none lost"
        );
    }
    // The outbox holds one event per successful write, each record's at versions 1, 2, 3, ...
    let mut events: HashMap<RecordId, Vec<u64>> = HashMap::new();
    for stored in super::events::read_events_after(&store, None, MAX_PAGE) {
        let event = stored.event;
        events
            .entry(event.record())
            .or_default()
            .push(event.version().get());
    }
    for (id, n) in &writes {
        let versions = events.remove(id).unwrap_or_default();
        assert_eq!(
            versions,
            (1..=*n).collect::<Vec<_>>(),
            "{id}: one event per committed write, in order"
        );
    }
    assert!(
        events.is_empty(),
        "events of records never written: {events:?}"
    );
    let (records, updates) = (writes.len(), writes.values().sum::<u64>());
    let conflicts = conflicts.into_inner();
    eprintln!("stress: {records} records, {updates} successful writes, {conflicts} conflicts");
    assert!(
        records as u64 > operations / 10,
        "expected the stress to write more than {} records, found {records}",
        operations / 10
    );
    assert!(conflicts > 0, "the threads raced on the same records");
    if let Err(problems) = check_consistency(&store) {
        panic!("{problems:?}");
    }
}

/// One step on the record `id`, chosen by `choice` among those its state allows; counts the
/// records it wrote, and pools the opportunity it made.
#[track_caller]
fn stress_step<S: Store>(
    crm: &crate::crm::Crm<&S>,
    sample: &Sample,
    id: RecordId,
    choice: u64,
    pool: &std::sync::Mutex<Vec<RecordId>>,
    count: &(dyn Fn(&[RecordId]) + Sync),
) -> Result<(), CrmError<S::Error>> {
    use crate::testkit::walk::{Stepped, step_on};
    let loaded = crm
        .store()
        .load(id)
        .map_err(CrmError::Store)?
        .expect("pooled records exist");
    match step_on(crm, sample, loaded, choice, None)? {
        Stepped::Closed => {}
        Stepped::Moved => count(&[id]),
        Stepped::Qualified(o) => {
            let o = RecordId::Opportunity(o);
            count(&[id, o]);
            pool.lock().expect("no panic while held").push(o);
        }
        Stepped::Won(account) => count(&[id, RecordId::Account(account)]),
    }
    Ok(())
}
