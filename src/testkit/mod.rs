//! The conformance kit for storage adapters (feature `testkit`).
//!
//! An adapter crate adds `prospect = { version = "…", features = ["testkit"] }` to its
//! dev-dependencies and calls, in a test file:
//!
//! ```ignore
//! prospect::store_conformance!(memory, MyStore::open_in_memory().unwrap());
//! prospect::async_store_conformance!(memory_async, MyAsyncStore::new());
//! ```
//!
//! Each expands into a module of `#[test]` functions named `conformance_*`, one per case in
//! [`cases`], each calling the constructor for a fresh, empty store. The async cases need no
//! runtime crate: [`block_on`] is a minimal executor.
//!
//! The kit also has [`FaultyStore`], which wraps a store and injects failures and conflicts,
//! [`check_consistency`], which checks the invariants that span records, and [`Sample`], a
//! deterministic source of valid records and evidence.

pub mod access;
pub mod cases;
mod faulty;
pub mod people;
mod rng;
mod sample;
mod walk;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::thread::{self, Thread};

pub use faulty::{Fault, FaultyError, FaultyStore};
pub use rng::SplitMix64;
pub use sample::Sample;
pub use walk::{SteppingClock, Walked, awkward_readings, walk_under_clock};

use crate::activity::Regarding;
use crate::contact::Contact;
use crate::email::EmailAddress;
use crate::id::ContactId;
use crate::record::{AnyLead, AnyOpportunity, Record, RecordId, RecordKind};
use crate::store::{
    AsyncStore, Batch, CommitError, Cursor, Page, Query, Store, Unreadable, Versioned,
};

/// What a conformance case asks an adapter's `corrupt` hook to make unreadable (the
/// [`store_conformance!`](crate::store_conformance) option `corrupt = f`, with `f: Fn(&S, Plant)`).
///
/// The hook damages the stored form in the adapter's own storage, as a bad disk, a hand edit or
/// a newer release would, so that it can no longer be decoded: the row stays where it is, under
/// its id or position and in every index (a contact still under its email, an organization
/// under its domains, a record still of its kind, state and owner), so that listings and
/// look-ups still reach it. For a store that keeps JSON, replacing the body with
/// `{"type": "broken"}` does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Plant {
    /// The stored record with this id.
    Record(RecordId),
    /// The stored event at this position of the outbox.
    Event(crate::event::Position),
}

/// The user the kit's cases read as, through facades that
/// [allow everything](crate::access::AllowAll): reads by any user see the same.
pub fn reader() -> crate::text::User {
    crate::text::User::new("kit:reader").unwrap_or_else(|_| crate::text::User::erased())
}

/// Runs a future to completion on the current thread: the kit's executor, parking the thread
/// while the future waits.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = TaskContext::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => thread::park(),
        }
    }
}

/// An [`AsyncStore`] seen as a [`Store`], each call run with [`block_on`]: how the async
/// conformance cases reuse the sync ones.
#[derive(Debug)]
pub struct Blocking<S>(pub S);

impl<S: AsyncStore> Store for Blocking<S> {
    type Error = S::Error;

    fn load(&self, id: RecordId) -> Result<Option<Versioned<Record>>, S::Error> {
        block_on(self.0.load(id))
    }

    fn commit(&self, batch: Batch) -> Result<(), CommitError<S::Error>> {
        block_on(self.0.commit(batch))
    }

    fn find_contacts_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Vec<Versioned<Contact>>, S::Error> {
        block_on(self.0.find_contacts_by_email(email))
    }

    fn find_organizations_by_domain(
        &self,
        domain: &crate::organization::Domain,
    ) -> Result<Vec<Versioned<crate::organization::Organization>>, S::Error> {
        block_on(self.0.find_organizations_by_domain(domain))
    }

    fn list(&self, query: &Query, after: Option<Cursor>, limit: usize) -> Result<Page, S::Error> {
        block_on(self.0.list(query, after, limit))
    }

    fn read_events(
        &self,
        after: Option<crate::event::Position>,
        limit: usize,
    ) -> Result<crate::event::EventPage, S::Error> {
        block_on(self.0.read_events(after, limit))
    }

    fn prune_events(&self, before: crate::event::Position) -> Result<u64, S::Error> {
        block_on(self.0.prune_events(before))
    }

    fn recall_key(
        &self,
        actor: &crate::text::User,
        key: &crate::idempotency::IdempotencyKey,
    ) -> Result<Option<crate::idempotency::Remembered>, S::Error> {
        block_on(self.0.recall_key(actor, key))
    }

    fn prune_keys(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64, S::Error> {
        block_on(self.0.prune_keys(before))
    }
}

/// Every readable record of every kind in `store`, keyed by id (see [`check_consistency`] for
/// the unreadable ones).
///
/// # Errors
///
/// The store's error.
pub fn snapshot<S: Store>(store: &S) -> Result<BTreeMap<RecordId, Versioned<Record>>, S::Error> {
    read_all(store).map(|(all, _)| all)
}

/// Records by id.
type ById = BTreeMap<RecordId, Versioned<Record>>;

/// Every readable record of every kind in `store`, keyed by id, and the unreadable ones.
fn read_all<S: Store>(store: &S) -> Result<(ById, Vec<Unreadable>), S::Error> {
    let mut all = BTreeMap::new();
    let mut unreadable = Vec::new();
    for kind in RecordKind::ALL {
        let scanned = store.scan(kind, &mut |r| {
            all.insert(r.id(), r);
        })?;
        unreadable.extend(scanned.unreadable);
    }
    Ok((all, unreadable))
}

/// Checks the invariants that span records in `store`: every lead's contact exists; a converted
/// lead's opportunity exists and was qualified from it, so no lead has two opportunities; every
/// opportunity's lead exists and is converted into it; a won opportunity's account exists and
/// lists it; an account's wins are won opportunities of that account; an activity's contact
/// exists, and so does the record it is about, which is that contact's; every record is
/// readable.
///
/// # Errors
///
/// Every broken invariant and every unreadable record, described (or the store's error,
/// described). The invariants are checked on the readable records.
pub fn check_consistency<S: Store>(store: &S) -> Result<(), Vec<String>> {
    let (all, unreadable) = read_all(store).map_err(|e| vec![format!("store error: {e}")])?;
    let mut problems: Vec<String> = unreadable.iter().map(ToString::to_string).collect();
    let mut opportunities_of_lead: HashMap<RecordId, Vec<RecordId>> = HashMap::new();
    for record in all.values() {
        match &**record {
            Record::Contact(_) | Record::Organization(_) | Record::FieldSchema(_) => {}
            Record::Lead(lead) => {
                check_lead(&all, lead, &mut problems);
            }
            Record::Opportunity(o) => {
                opportunities_of_lead
                    .entry(RecordId::Lead(o.lead()))
                    .or_default()
                    .push(RecordId::Opportunity(o.id()));
                check_opportunity(&all, o, &mut problems);
            }
            Record::Account(account) => {
                for won in account.opportunities() {
                    match all.get(&RecordId::Opportunity(won)).map(|r| &**r) {
                        Some(Record::Opportunity(o)) if o.account() == Some(account.id()) => {}
                        _ => problems.push(format!(
                            "account {} lists opportunity {won}, which is not won for it",
                            account.id()
                        )),
                    }
                }
            }
            Record::Activity(activity) => check_regarding(
                &all,
                &format!("activity {}", activity.id()),
                activity.regarding(),
                activity.contact(),
                &mut problems,
            ),
            Record::Task(task) => check_regarding(
                &all,
                &format!("task {}", task.id()),
                task.regarding(),
                task.contact(),
                &mut problems,
            ),
        }
    }
    for (lead, opportunities) in opportunities_of_lead {
        if opportunities.len() > 1 {
            problems.push(format!("{lead} has {} opportunities", opportunities.len()));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Checks an activity or a task (`what`), about `regarding`, of `contact`.
fn check_regarding(
    all: &BTreeMap<RecordId, Versioned<Record>>,
    what: &str,
    regarding: Regarding,
    contact: ContactId,
    problems: &mut Vec<String>,
) {
    if !all.contains_key(&RecordId::Contact(contact)) {
        problems.push(format!("{what}: its contact is missing"));
    }
    let contact_of_subject = match regarding {
        Regarding::Contact(c) => all.get(&RecordId::Contact(c)).map(|_| c),
        Regarding::Lead(l) => match all.get(&RecordId::Lead(l)).map(|r| &**r) {
            Some(Record::Lead(lead)) => Some(lead.contact()),
            _ => None,
        },
        Regarding::Opportunity(o) => match all.get(&RecordId::Opportunity(o)).map(|r| &**r) {
            Some(Record::Opportunity(o)) => Some(o.contact()),
            _ => None,
        },
    };
    match contact_of_subject {
        Some(of_subject) if of_subject == contact => {}
        Some(_) => problems.push(format!("{what}: about a record of another contact")),
        None => problems.push(format!("{what}: the record it is about is missing")),
    }
}

fn check_lead(
    all: &BTreeMap<RecordId, Versioned<Record>>,
    lead: &AnyLead,
    problems: &mut Vec<String>,
) {
    if !all.contains_key(&RecordId::Contact(lead.contact())) {
        problems.push(format!("lead {}: its contact is missing", lead.id()));
    }
    if let Some(opportunity) = lead.opportunity() {
        match all.get(&RecordId::Opportunity(opportunity)).map(|r| &**r) {
            Some(Record::Opportunity(o)) if o.lead() == lead.id() => {}
            _ => problems.push(format!(
                "lead {}: converted into opportunity {opportunity}, which is missing or from another lead",
                lead.id()
            )),
        }
    }
}

fn check_opportunity(
    all: &BTreeMap<RecordId, Versioned<Record>>,
    o: &AnyOpportunity,
    problems: &mut Vec<String>,
) {
    match all.get(&RecordId::Lead(o.lead())).map(|r| &**r) {
        Some(Record::Lead(lead)) if lead.opportunity() == Some(o.id()) => {}
        _ => problems.push(format!(
            "opportunity {}: its lead {} is missing or not converted into it",
            o.id(),
            o.lead()
        )),
    }
    if let Some(Record::Lead(lead)) = all.get(&RecordId::Lead(o.lead())).map(|r| &**r) {
        if lead.contact() != o.contact() {
            problems.push(format!(
                "opportunity {}: its contact is not its lead {}'s contact",
                o.id(),
                o.lead()
            ));
        }
    }
    if let Some(account) = o.account() {
        match all.get(&RecordId::Account(account)).map(|r| &**r) {
            Some(Record::Account(a)) if a.opportunities().any(|id| id == o.id()) => {}
            _ => problems.push(format!(
                "opportunity {}: won for account {account}, which is missing or does not list it",
                o.id()
            )),
        }
    }
}

/// Expands into a module `$name` of `#[test]` functions named `conformance_*`, one per case of
/// [`cases`](crate::testkit::cases), each run against a fresh store made by `$new` (an
/// expression evaluated once per case, in the module's parent scope).
///
/// Three options, in this order, each optional:
///
/// - `reopen = f`: `f` takes a store made by `$new` and returns it closed and opened again (for
///   a store that persists): adds the cases
///   [`records_read_back_after_reopen`](crate::testkit::cases::records_read_back_after_reopen),
///   [`events_resume_from_a_cursor_after_reopen`](crate::testkit::cases::events_resume_from_a_cursor_after_reopen)
///   and [`keys_are_recalled_after_reopen`](crate::testkit::cases::keys_are_recalled_after_reopen).
/// - `corrupt = f`: `f(&store, plant)` makes one stored record or event unreadable in the
///   adapter's own storage ([`Plant`](crate::testkit::Plant)), for a store whose rows can be
///   damaged: adds the cases of "one bad row never stops a read"
///   ([`bad_records_are_reported_in_pages_and_scans`](crate::testkit::cases::bad_records_are_reported_in_pages_and_scans),
///   [`bad_records_fail_their_lookups_naming_them`](crate::testkit::cases::bad_records_fail_their_lookups_naming_them),
///   [`bad_events_are_reported_in_their_page`](crate::testkit::cases::bad_events_are_reported_in_their_page)).
/// - `stress = n`: the stress case runs `n` operations per thread instead of
///   [`STRESS_OPERATIONS`](crate::testkit::cases::STRESS_OPERATIONS), for a slow store.
///
/// ```ignore
/// prospect::store_conformance!(in_memory, MyStore::open_in_memory().unwrap());
/// prospect::store_conformance!(
///     on_file,
///     MyStore::open(temp()).unwrap(),
///     reopen = reopen,
///     corrupt = corrupt,
///     stress = 2_000
/// );
/// ```
///
/// The cases each option adds, and the clause of the contract every case checks, are listed in
/// the guide "Writing a storage adapter" (its checklist).
#[macro_export]
macro_rules! store_conformance {
    (
        $name:ident,
        $new:expr
        $(, reopen = $reopen:expr)?
        $(, corrupt = $corrupt:expr)?
        $(, stress = $stress:expr)?
        $(,)?
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[allow(clippy::redundant_closure)]
            fn new_store() -> impl $crate::store::Store + Send + Sync + 'static {
                $new
            }

            $crate::__conformance_tests!(new_store;
                conformance_round_trip_every_state => round_trip_every_state,
                conformance_load_missing_is_none => load_missing_is_none,
                conformance_create_twice_is_a_conflict => create_twice_is_a_conflict,
                conformance_stale_update_is_a_conflict_and_changes_nothing => stale_update_is_a_conflict_and_changes_nothing,
                conformance_update_of_a_missing_record_is_a_conflict => update_of_a_missing_record_is_a_conflict,
                conformance_batch_with_one_conflict_writes_nothing => batch_with_one_conflict_writes_nothing,
                conformance_versions_count_updates => versions_count_updates,
                conformance_racing_updates_exactly_one_wins => racing_updates_exactly_one_wins,
                conformance_racing_qualifications_create_one_opportunity => racing_qualifications_create_one_opportunity,
                conformance_email_lookup_ignores_case_and_spaces => email_lookup_ignores_case_and_spaces,
                conformance_email_lookup_returns_every_match_in_id_order =>
                    email_lookup_returns_every_match_in_id_order,
                conformance_absent_email_requirement_conflicts => absent_email_requirement_conflicts,
                conformance_duplicate_email_conflict_names_the_first_contact =>
                    duplicate_email_conflict_names_the_first_contact,
                conformance_racing_duplicate_contacts_create_one => racing_duplicate_contacts_create_one,
                conformance_list_filters_by_kind_state_and_owner => list_filters_by_kind_state_and_owner,
                conformance_owner_filter_excludes_unowned_and_other_owners =>
                    owner_filter_excludes_unowned_and_other_owners,
                conformance_list_follows_state_changes => list_follows_state_changes,
                conformance_pagination_is_complete_and_ordered => pagination_is_complete_and_ordered,
                conformance_facade_refuses_or_reuses_duplicate_contacts =>
                    facade_refuses_or_reuses_duplicate_contacts,
                conformance_pagination_across_states_is_complete_and_ordered =>
                    pagination_across_states_is_complete_and_ordered,
                conformance_pagination_under_concurrent_inserts => pagination_under_concurrent_inserts,
                conformance_page_limits_are_clamped => page_limits_are_clamped,
                conformance_scan_counts_match => scan_counts_match,
                conformance_lifecycle_through_the_facade => lifecycle_through_the_facade,
                conformance_facade_conflict_leaves_the_store_unchanged => facade_conflict_leaves_the_store_unchanged,
                conformance_erase_removes_personal_data_and_keeps_the_funnel => erase_removes_personal_data_and_keeps_the_funnel,
                conformance_required_unchanged_record_conflicts_once_it_changed =>
                    required_unchanged_record_conflicts_once_it_changed,
                conformance_required_records_of_a_contact_conflict_once_one_was_added =>
                    required_records_of_a_contact_conflict_once_one_was_added,
                conformance_records_about_a_contact_erased_since_it_was_read_are_refused =>
                    records_about_a_contact_erased_since_it_was_read_are_refused,
                conformance_erasure_racing_new_records_leaves_none_with_its_text =>
                    erasure_racing_new_records_leaves_none_with_its_text,
                conformance_stale_copy_at_the_current_version_is_a_conflict =>
                    stale_copy_at_the_current_version_is_a_conflict,
                conformance_clock_steps_never_make_a_record_unreadable =>
                    clock_steps_never_make_a_record_unreadable,
                conformance_activities_are_stored_and_erased_with_their_contact =>
                    activities_are_stored_and_erased_with_their_contact,
                conformance_activities_are_listed_per_record_in_order =>
                    activities_are_listed_per_record_in_order,
                conformance_tasks_are_stored_closed_listed_and_erased =>
                    tasks_are_stored_closed_listed_and_erased,
                conformance_corrected_email_moves_the_email_index =>
                    corrected_email_moves_the_email_index,
                conformance_racing_email_corrections_give_the_address_once =>
                    racing_email_corrections_give_the_address_once,
                conformance_reassign_moves_records_between_owners =>
                    reassign_moves_records_between_owners,
                conformance_revise_and_override_read_back => revise_and_override_read_back,
                conformance_records_are_listed_by_contact => records_are_listed_by_contact,
                conformance_list_filters_by_several_states_and_unowned =>
                    list_filters_by_several_states_and_unowned,
                conformance_list_filters_by_creation_and_expected_close =>
                    list_filters_by_creation_and_expected_close,
                conformance_organizations_are_refused_or_reused_by_domain =>
                    organizations_are_refused_or_reused_by_domain,
                conformance_racing_duplicate_organizations_create_one =>
                    racing_duplicate_organizations_create_one,
                conformance_contacts_are_listed_by_organization =>
                    contacts_are_listed_by_organization,
                conformance_winning_for_an_organization_reuses_its_account =>
                    winning_for_an_organization_reuses_its_account,
                conformance_events_are_written_only_by_committed_batches =>
                    events_are_written_only_by_committed_batches,
                conformance_events_follow_commit_order_with_one_key_per_commit =>
                    events_follow_commit_order_with_one_key_per_commit,
                conformance_event_reader_misses_nothing_during_concurrent_commits =>
                    event_reader_misses_nothing_during_concurrent_commits,
                conformance_events_are_pruned_before_a_position =>
                    events_are_pruned_before_a_position,
                conformance_remembered_keys_are_recalled_and_used_once =>
                    remembered_keys_are_recalled_and_used_once,
                conformance_keys_are_pruned_before_a_time => keys_are_pruned_before_a_time,
                conformance_racing_retries_with_one_key_commit_once =>
                    racing_retries_with_one_key_commit_once,
                conformance_facade_replays_a_request_made_again =>
                    facade_replays_a_request_made_again,
                conformance_pre_erasure_copies_of_a_contacts_records_are_refused =>
                    pre_erasure_copies_of_a_contacts_records_are_refused,
                conformance_records_of_a_contact_are_counted_before_the_batch_writes =>
                    records_of_a_contact_are_counted_before_the_batch_writes,
                conformance_event_limits_are_clamped_and_positions_have_no_gaps =>
                    event_limits_are_clamped_and_positions_have_no_gaps,
                conformance_a_used_key_is_the_conflict_reported_first =>
                    a_used_key_is_the_conflict_reported_first,
                conformance_field_schema_changes_race_and_one_wins =>
                    field_schema_changes_race_and_one_wins,
                conformance_field_edits_are_history_the_store_checks =>
                    field_edits_are_history_the_store_checks,
                conformance_records_are_listed_by_picklist_option =>
                    records_are_listed_by_picklist_option,
                conformance_records_are_listed_by_boolean => records_are_listed_by_boolean,
                conformance_records_are_listed_by_date_range => records_are_listed_by_date_range,
                conformance_records_are_listed_by_reference => records_are_listed_by_reference,
                conformance_field_index_follows_edits_and_erasure =>
                    field_index_follows_edits_and_erasure,
                conformance_records_are_listed_by_duplicate_key =>
                    records_are_listed_by_duplicate_key,
                conformance_duplicate_keys_follow_edits_and_erasure =>
                    duplicate_keys_follow_edits_and_erasure,
                conformance_records_follow_a_merge_of_their_contact =>
                    records_follow_a_merge_of_their_contact,
                conformance_organizations_follow_a_merge => organizations_follow_a_merge,
                conformance_records_of_an_organization_are_counted =>
                    records_of_an_organization_are_counted,
            );

            #[test]
            fn conformance_stress_concurrent_lifecycles() {
                $crate::testkit::cases::stress_concurrent_lifecycles_with(
                    new_store,
                    $crate::__stress_operations!($($stress)?),
                );
            }

            $(
                $crate::__conformance_tests_with!($new, $reopen;
                    conformance_records_read_back_after_reopen => records_read_back_after_reopen,
                    conformance_events_resume_from_a_cursor_after_reopen =>
                        events_resume_from_a_cursor_after_reopen,
                    conformance_keys_are_recalled_after_reopen => keys_are_recalled_after_reopen,
                );
            )?

            $(
                $crate::__conformance_tests_with!($new, $corrupt;
                    conformance_bad_records_are_reported_in_pages_and_scans =>
                        bad_records_are_reported_in_pages_and_scans,
                    conformance_bad_records_fail_their_lookups_naming_them =>
                        bad_records_fail_their_lookups_naming_them,
                    conformance_bad_events_are_reported_in_their_page =>
                        bad_events_are_reported_in_their_page,
                );
            )?
        }
    };
}

/// Like [`store_conformance!`](crate::store_conformance), for an [`AsyncStore`](crate::store::AsyncStore): every sync case runs
/// through [`Blocking`](crate::testkit::Blocking), and the async-only cases (the async facade,
/// the async scan, `Send` futures) run with [`block_on`](crate::testkit::block_on). Takes the
/// same options, in the same order, for the async store: `reopen = f` (`f` takes the store and
/// returns it reopened), `corrupt = f` (`f(&store, plant)`) and `stress = n`.
///
/// ```ignore
/// prospect::async_store_conformance!(
///     on_file_async,
///     MyAsyncStore::open(temp()).unwrap(),
///     reopen = reopen_async,
///     corrupt = corrupt_async
/// );
/// ```
#[macro_export]
macro_rules! async_store_conformance {
    (
        $name:ident,
        $new:expr
        $(, reopen = $reopen:expr)?
        $(, corrupt = $corrupt:expr)?
        $(, stress = $stress:expr)?
        $(,)?
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn new_async_store() -> impl $crate::store::AsyncStore + 'static {
                $new
            }

            $crate::store_conformance!(
                through_blocking,
                $crate::testkit::Blocking($new)
                $(, reopen = |store: $crate::testkit::Blocking<_>| {
                    $crate::testkit::Blocking(($reopen)(store.0))
                })?
                $(, corrupt = |store: &$crate::testkit::Blocking<_>, plant| ($corrupt)(&store.0, plant))?
                $(, stress = $stress)?
            );

            $crate::__conformance_tests!(new_async_store;
                conformance_async_scan_counts_match => async_scan_counts_match,
                conformance_async_lifecycle_through_the_facade => async_lifecycle_through_the_facade,
                conformance_async_futures_are_send => async_futures_are_send,
                conformance_async_edits_through_the_facade => async_edits_through_the_facade,
                conformance_async_organizations_through_the_facade =>
                    async_organizations_through_the_facade,
                conformance_async_events_through_the_facade => async_events_through_the_facade,
            );
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __stress_operations {
    () => {
        $crate::testkit::cases::STRESS_OPERATIONS
    };
    ($n:expr) => {
        $n
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($new:ident; $($test:ident => $case:ident),+ $(,)?) => {$(
        #[test]
        fn $test() {
            $crate::testkit::cases::$case($new);
        }
    )+};
}

/// Tests of cases that take, besides a constructor of stores made by `$new`, the hook `$with`
/// a macro option gave (`reopen`, `corrupt`).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests_with {
    ($new:expr, $with:expr; $($test:ident => $case:ident),+ $(,)?) => {$(
        #[test]
        fn $test() {
            #[allow(clippy::redundant_closure)]
            $crate::testkit::cases::$case(|| $new, $with);
        }
    )+};
}
