//! The states of leads and opportunities: zero-sized markers for the type parameter of
//! [`Lead`](crate::Lead) and [`Opportunity`](crate::Opportunity), the sealed traits that group
//! them, and their run-time twins [`LeadStatus`] and [`OpportunityStage`].
//!
//! The markers are uninhabited enums: they exist only in types, and a typed value in an open
//! state is its data alone. The traits are sealed, so the set of states is closed and every
//! transition between them is one this crate defines. A closed state holds the evidence that
//! closed it (a converted lead its opportunity's id, a won opportunity its contract and
//! account), so that its accessors read it from the type.
//!
//! Each family's states live with the family (`src/lead/state.rs`, `src/opportunity/stage.rs`),
//! where the evidence they hold is defined; this module is their one public path.

pub use crate::lead::{
    Converted, Disqualified, LeadState, LeadStatus, New, Nurturing, OpenLeadState,
    QualifiableState, Working,
};
pub use crate::opportunity::{
    Contracting, Discovery, Lost, Negotiation, OpenStage, OpportunityStage, OpportunityState,
    Proposal, ProposalStage, Won,
};
