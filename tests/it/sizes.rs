//! Typestate costs nothing at run time: the markers are zero-sized and a typed value is the same
//! size whatever its state. And everything public is Send + Sync.

use std::mem::size_of;

use prospect::record::{AnyLead, AnyOpportunity, Record, RecordError, StateError};
use prospect::state::*;
use prospect::*;

#[test]
fn every_lead_state_has_the_same_size() {
    let sizes = [
        size_of::<Lead<New>>(),
        size_of::<Lead<Working>>(),
        size_of::<Lead<Nurturing>>(),
        size_of::<Lead<Converted>>(),
        size_of::<Lead<Disqualified>>(),
    ];
    assert!(sizes.iter().all(|s| *s == sizes[0]), "{sizes:?}");
}

#[test]
fn every_opportunity_stage_has_the_same_size() {
    let sizes = [
        size_of::<Opportunity<Discovery>>(),
        size_of::<Opportunity<Proposal>>(),
        size_of::<Opportunity<Negotiation>>(),
        size_of::<Opportunity<Contracting>>(),
        size_of::<Opportunity<Won>>(),
        size_of::<Opportunity<Lost>>(),
    ];
    assert!(sizes.iter().all(|s| *s == sizes[0]), "{sizes:?}");
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
    assert_send_sync::<StateError<Record>>();
    assert_send_sync::<FixedClock>();
    assert_send_sync::<SequentialIds>();
    assert_send_sync::<Context<'static>>();
}
