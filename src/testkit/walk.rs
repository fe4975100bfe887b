//! A legal walk of the lifecycle through the facade under a clock that jumps about: whatever the
//! clock reads, every record a step stores reads back.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use crate::account::Account;
use crate::command::OnDuplicate;
use crate::contact::Contact;
use crate::context::Clock;
use crate::crm::{Crm, CrmError, Qualified, WonAccount};
use crate::id::SequentialIds;
use crate::id::{AccountId, OpportunityId};
use crate::record::{AnyLead, AnyOpportunity, Record, RecordId};
use crate::store::{Store, Versioned};
use crate::testkit::{Sample, check_consistency, snapshot};

/// A clock that reads the given instants in turn, starting again from the first after the last:
/// a clock stepped back by NTP, two servers that disagree, a clock in the far past or future.
#[derive(Debug)]
pub struct SteppingClock {
    readings: Vec<DateTime<Utc>>,
    next: AtomicUsize,
}

impl SteppingClock {
    /// A clock reading `readings` in turn (the Unix epoch, if there are none).
    pub fn new(readings: Vec<DateTime<Utc>>) -> SteppingClock {
        SteppingClock {
            readings,
            next: AtomicUsize::new(0),
        }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        match self.readings.len() {
            0 => DateTime::UNIX_EPOCH,
            len => self.readings[i % len],
        }
    }
}

/// Clock readings that have broken stores: steps back by a second and by a year, equal
/// instants, the earliest and the latest instants `chrono` represents, years before 1 and after
/// 9999.
pub fn awkward_readings() -> Vec<DateTime<Utc>> {
    let at = |y, m, d, h| {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .unwrap_or(DateTime::UNIX_EPOCH)
    };
    let base = at(2026, 3, 2, 9);
    vec![
        base,
        base - TimeDelta::seconds(1),
        base,
        base,
        base + TimeDelta::hours(1),
        base - TimeDelta::days(365),
        DateTime::<Utc>::MAX_UTC,
        base,
        DateTime::<Utc>::MIN_UTC,
        at(-1, 1, 1, 0),
        at(10_000, 1, 1, 0),
        base + TimeDelta::nanoseconds(1),
        base,
    ]
}

/// The records a walk made, and what it did.
#[derive(Debug)]
pub struct Walked {
    /// Every record in the store after the walk, read by a scan and checked against a load.
    pub records: BTreeMap<RecordId, Versioned<Record>>,
    /// How many steps committed.
    pub steps: usize,
}

/// Drives a legal walk through [`Crm`] on `store`, each step reading the next of `readings`
/// from the clock, each byte of `choices` choosing the next step among those the records allow
/// (new contacts and leads, every lead and opportunity step, wins into new and existing
/// accounts, erasures). Then reads every record back with a scan and with a load, and checks the
/// invariants across records.
///
/// # Panics
///
/// When a step fails, when a record cannot be read back, when a load disagrees with the scan, or
/// when an invariant across records is broken: this is a test.
pub fn walk_under_clock<S: Store>(
    store: &S,
    readings: Vec<DateTime<Utc>>,
    choices: &[u8],
) -> Walked {
    let sample = Sample::new(31);
    let crm = Crm::with_clock_and_ids(
        store,
        crate::access::AllowAll,
        Arc::new(SteppingClock::new(readings)),
        Arc::new(SequentialIds::new(77)),
    );
    let mut walk = Walk::default();
    let mut steps = 0;
    for &choice in choices {
        let pick = usize::from(choice / 8);
        let done = match choice % 8 {
            0 => walk.new_contact(&crm, &sample),
            1 => walk.open_lead(&crm, &sample, pick),
            2 | 3 => walk.step_lead(&crm, &sample, pick),
            4..=6 => walk.step_opportunity(&crm, &sample, pick),
            _ => walk.erase(&crm, &sample, pick),
        };
        match done {
            Ok(true) => steps += 1,
            Ok(false) => {}
            // A clock far ahead makes the sample's timeline past: qualifying is refused, as it
            // must be, and the walk goes on.
            Err(CrmError::Invalid { .. }) => {}
            // An erased contact takes no new lead, as it must not.
            Err(CrmError::ContactErased { .. }) => {}
            Err(e) => panic!("step {choice} failed: {e}"),
        }
    }
    let records = snapshot(store).unwrap_or_else(|e| panic!("scan after the walk: {e}"));
    for (id, scanned) in &records {
        if let Err(e) = scanned.validate() {
            panic!("{id} does not read back: {e}");
        }
        match store.load(*id) {
            Ok(Some(loaded)) => assert_eq!(&loaded, scanned, "{id}: load and scan disagree"),
            Ok(None) => panic!("{id}: scanned but not loaded"),
            Err(e) => panic!("{id}: cannot be loaded: {e}"),
        }
    }
    let written = walk.contacts.len() + walk.leads.len() + walk.opportunities.len();
    assert_eq!(
        records.len(),
        written + walk.accounts.len(),
        "every record the walk wrote is read back"
    );
    if let Err(problems) = check_consistency(store) {
        panic!("{problems:?}");
    }
    Walked { records, steps }
}

/// The ids of the records a walk made, by kind.
#[derive(Debug, Default)]
struct Walk {
    contacts: Vec<RecordId>,
    leads: Vec<RecordId>,
    opportunities: Vec<RecordId>,
    accounts: Vec<RecordId>,
}

type Step<E> = Result<bool, CrmError<E>>;

fn pick(ids: &[RecordId], n: usize) -> Option<RecordId> {
    (!ids.is_empty()).then(|| ids[n % ids.len()])
}

impl Walk {
    fn new_contact<S: Store>(&mut self, crm: &Crm<&S>, sample: &Sample) -> Step<S::Error> {
        let contact = crm
            .create_contact(
                sample.contact_details(),
                OnDuplicate::Refuse,
                sample.actor(),
            )?
            .into_contact();
        self.contacts.push(RecordId::Contact(contact.id()));
        Ok(true)
    }

    fn open_lead<S: Store>(&mut self, crm: &Crm<&S>, sample: &Sample, n: usize) -> Step<S::Error> {
        let Some(id) = pick(&self.contacts, n) else {
            return self.new_contact(crm, sample);
        };
        let contact = crm.load::<Contact>(id, &crate::testkit::reader())?;
        let lead = crm.open_lead(&contact, sample.interest(), sample.actor())?;
        self.leads.push(RecordId::Lead(lead.id()));
        Ok(true)
    }

    fn step_lead<S: Store>(&mut self, crm: &Crm<&S>, sample: &Sample, n: usize) -> Step<S::Error> {
        let Some(id) = pick(&self.leads, n) else {
            return self.open_lead(crm, sample, n);
        };
        self.step(crm, sample, id, n)
    }

    fn step_opportunity<S: Store>(
        &mut self,
        crm: &Crm<&S>,
        sample: &Sample,
        n: usize,
    ) -> Step<S::Error> {
        let Some(id) = pick(&self.opportunities, n) else {
            return self.step_lead(crm, sample, n);
        };
        self.step(crm, sample, id, n)
    }

    /// One step on `id`; a win goes into an existing account half the time.
    fn step<S: Store>(
        &mut self,
        crm: &Crm<&S>,
        sample: &Sample,
        id: RecordId,
        n: usize,
    ) -> Step<S::Error> {
        let record = crm
            .store()
            .load(id)
            .map_err(CrmError::Store)?
            .ok_or(CrmError::NotFound(id))?;
        let account = match pick(&self.accounts, n / 2) {
            Some(account) if n % 2 == 0 => {
                Some(crm.load::<Account>(account, &crate::testkit::reader())?)
            }
            _ => None,
        };
        Ok(match step_on(crm, sample, record, n as u64, account)? {
            Stepped::Closed => false,
            Stepped::Moved => true,
            Stepped::Qualified(o) => {
                self.opportunities.push(RecordId::Opportunity(o));
                true
            }
            Stepped::Won(account) => {
                if !self.accounts.contains(&RecordId::Account(account)) {
                    self.accounts.push(RecordId::Account(account));
                }
                true
            }
        })
    }

    fn erase<S: Store>(&mut self, crm: &Crm<&S>, sample: &Sample, n: usize) -> Step<S::Error> {
        let Some(id) = pick(&self.contacts, n) else {
            return self.new_contact(crm, sample);
        };
        let contact = crm.load::<Contact>(id, &crate::testkit::reader())?;
        crm.erase_contact(contact, sample.actor())?;
        Ok(true)
    }
}

/// What [`step_on`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stepped {
    /// Nothing: the record is closed (converted, won) or not a lead or an opportunity.
    Closed,
    /// The record moved on.
    Moved,
    /// The lead was qualified into this opportunity.
    Qualified(OpportunityId),
    /// The opportunity was won into this account (new, or the one given).
    Won(AccountId),
}

/// Takes one legal step through the facade on the stored `record`, chosen by `choice` among
/// those its state allows: touches, nurturing, disqualifying, recycling, qualifying; every
/// stage, losing (one time in five), reopening, winning (into `account` when one is given).
/// Shared by the walks and the stress case of the kit.
pub(crate) fn step_on<S: Store>(
    crm: &Crm<&S>,
    sample: &Sample,
    record: Versioned<Record>,
    choice: u64,
    account: Option<Versioned<Account>>,
) -> Result<Stepped, CrmError<S::Error>> {
    let me = sample.actor();
    let (record, v) = record.into_parts();
    let lose = choice % 5 == 0;
    Ok(match record {
        Record::Lead(lead) => match lead {
            AnyLead::New(l) if choice % 4 == 0 => {
                crm.disqualify(Versioned::new(l, v), sample.disqualification(), me)?;
                Stepped::Moved
            }
            AnyLead::New(l) => {
                crm.log_touch(Versioned::new(l, v), sample.touch(), me)?;
                Stepped::Moved
            }
            AnyLead::Working(l) if choice % 3 == 0 => {
                crm.nurture(Versioned::new(l, v), sample.note("later"), me)?;
                Stepped::Moved
            }
            AnyLead::Working(l) if choice % 5 == 1 => {
                crm.disqualify(Versioned::new(l, v), sample.disqualification(), me)?;
                Stepped::Moved
            }
            AnyLead::Working(l) => {
                let Qualified { opportunity: o, .. } =
                    crm.qualify(Versioned::new(l, v), sample.qualification(), me)?;
                Stepped::Qualified(o.id())
            }
            AnyLead::Nurturing(l) if choice % 2 == 0 => {
                crm.resume(Versioned::new(l, v), sample.touch(), me)?;
                Stepped::Moved
            }
            AnyLead::Nurturing(l) => {
                let Qualified { opportunity: o, .. } =
                    crm.qualify(Versioned::new(l, v), sample.qualification(), me)?;
                Stepped::Qualified(o.id())
            }
            AnyLead::Disqualified(l) => {
                crm.recycle(Versioned::new(l, v), sample.note("again"), me)?;
                Stepped::Moved
            }
            AnyLead::Converted(_) => Stepped::Closed,
        },
        Record::Opportunity(o) => match o {
            AnyOpportunity::Discovery(o) if lose => {
                crm.lose(Versioned::new(o, v), sample.loss(), me)?;
                Stepped::Moved
            }
            AnyOpportunity::Discovery(o) => {
                crm.propose(Versioned::new(o, v), sample.proposal(), me)?;
                Stepped::Moved
            }
            AnyOpportunity::Proposal(o) if lose => {
                crm.lose(Versioned::new(o, v), sample.loss(), me)?;
                Stepped::Moved
            }
            AnyOpportunity::Proposal(o) => {
                crm.negotiate(Versioned::new(o, v), sample.note("price"), me)?;
                Stepped::Moved
            }
            AnyOpportunity::Negotiation(o) => {
                crm.enter_contracting(
                    Versioned::new(o, v),
                    sample.terms(),
                    sample.incumbent(),
                    me,
                )?;
                Stepped::Moved
            }
            AnyOpportunity::Contracting(o) if lose => {
                crm.lose(Versioned::new(o, v), sample.loss(), me)?;
                Stepped::Moved
            }
            AnyOpportunity::Contracting(o) => {
                let o = Versioned::new(o, v);
                let WonAccount { account, .. } = match account {
                    // Repeat business.
                    Some(account) => crm.win_for(o, account, sample.contract(100), me)?,
                    None => crm.win(o, sample.contract(100), me)?,
                };
                Stepped::Won(account.id())
            }
            AnyOpportunity::Lost(o) => {
                crm.reopen(Versioned::new(o, v), sample.note("back"), me)?;
                Stepped::Moved
            }
            AnyOpportunity::Won(_) => Stepped::Closed,
        },
        Record::Contact(_)
        | Record::Account(_)
        | Record::Activity(_)
        | Record::Task(_)
        | Record::Organization(_)
        | Record::FieldSchema(_) => Stepped::Closed,
    })
}
