//! The integration tests, as one binary (one link, one run). They build their values with the
//! conformance kit's `Sample`, so the binary requires the `testkit` feature (`Cargo.toml`).

mod access;
mod activities;
mod architecture;

mod broken_stores;
mod commands;
mod duplicates;
mod edges;
mod edits;
mod erasure;
mod events;
mod field_queries;
mod field_values;
mod fields;
mod funnel;
mod hardening;
mod lifecycle;
mod merge;
mod merge_organizations;
mod pipelines;
mod properties;
mod read_back;
mod records;
mod sizes;
#[cfg(feature = "proptest")]
mod stale;
mod storage;
#[cfg(feature = "proptest")]
mod strategies;
mod support;
mod tasks;
mod validation;
mod zones;

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
