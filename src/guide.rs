//! Guides that go beyond the API reference.

/// Writing a storage adapter: the [`Store`](crate::store::Store) contract, walked through with the
/// SQLite adapter of this repository.
#[doc = include_str!("../docs/writing-a-storage-adapter.md")]
pub mod writing_a_storage_adapter {}
