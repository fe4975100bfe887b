//! The integration tests, as one binary (one link, one run).

mod architecture;

#[cfg(feature = "testkit")]
mod broken_stores;
mod erasure;
#[cfg(feature = "testkit")]
mod funnel;
mod hardening;
mod lifecycle;
mod properties;
mod records;
mod sizes;
#[cfg(feature = "testkit")]
mod storage;
#[cfg(feature = "proptest")]
mod strategies;
mod support;
mod validation;

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
