//! Typestate costs nothing at run time: the markers are zero-sized, a typed value in an open
//! state is its data alone, and a closed one adds only the evidence it holds. And everything
//! public is Send + Sync.

use std::mem::size_of;

use prospect::record::{AnyLead, AnyOpportunity, Record, RecordError, StateError};
use prospect::state::*;
use prospect::*;

#[test]
fn open_lead_states_are_the_data_alone_and_closed_ones_add_what_they_hold() {
    let open = size_of::<Lead<New>>();
    assert_eq!(size_of::<Lead<Working>>(), open);
    assert_eq!(size_of::<Lead<Nurturing>>(), open);
    assert!(size_of::<Lead<Converted>>() <= open + size_of::<OpportunityId>());
    assert!(size_of::<Lead<Disqualified>>() <= open + size_of::<DisqualifyReason>());
}

#[test]
fn open_stages_are_the_data_alone_and_closed_ones_add_one_pointer() {
    let open = size_of::<Opportunity<Discovery>>();
    assert_eq!(size_of::<Opportunity<Proposal>>(), open);
    assert_eq!(size_of::<Opportunity<Negotiation>>(), open);
    assert_eq!(size_of::<Opportunity<Contracting>>(), open);
    assert_eq!(size_of::<Opportunity<Won>>(), open + size_of::<usize>());
    assert_eq!(size_of::<Opportunity<Lost>>(), open + size_of::<usize>());
}

#[test]
fn a_record_fits_in_a_cache_line() {
    // What a store keeps per record, besides what the record shares.
    assert!(size_of::<Record>() <= 64, "{}", size_of::<Record>());
}

#[test]
fn markers_are_zero_sized() {
    let sizes = [
        size_of::<New>(),
        size_of::<Working>(),
        size_of::<Nurturing>(),
        size_of::<Converted>(),
        size_of::<Disqualified>(),
        size_of::<Discovery>(),
        size_of::<Proposal>(),
        size_of::<Negotiation>(),
        size_of::<Contracting>(),
        size_of::<Won>(),
        size_of::<Lost>(),
        size_of::<QualificationBuilder<Unset, Unset, Unset>>() - size_of::<Option<Authority>>(),
    ];
    assert_eq!(sizes, [0; 12]);
}

fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn public_types_are_send_and_sync() {
    assert_send_sync::<Contact>();
    assert_send_sync::<Lead<New>>();
    assert_send_sync::<Opportunity<Won>>();
    assert_send_sync::<Account>();
    assert_send_sync::<AnyLead>();
    assert_send_sync::<AnyOpportunity>();
    assert_send_sync::<Record>();
    assert_send_sync::<Qualification>();
    assert_send_sync::<ValidationError>();
    assert_send_sync::<RecordError>();
    assert_send_sync::<MoneyError>();
    assert_send_sync::<WinError>();
    assert_send_sync::<StepError<prospect::state::Discovery, SentProposal>>();
    assert_send_sync::<DatePolicy>();
    assert_send_sync::<StateError<Record>>();
    assert_send_sync::<FixedClock>();
    assert_send_sync::<SequentialIds>();
    assert_send_sync::<Context<'static>>();
    assert_send_sync::<prospect::fields::FieldSchema>();
    assert_send_sync::<prospect::fields::SchemaRecord>();
    assert_send_sync::<prospect::fields::FieldValues>();
    assert_send_sync::<prospect::fields::SchemaError>();
    assert_send_sync::<prospect::fields::FieldError>();
}
