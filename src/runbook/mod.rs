//! The practice manager's cutover runbook (issue 16): the plan by category, checklists by role and
//! phase, third-party services, the go-live re-check and sign-off. The items come from one data
//! file (`guide`); the rules about them live here, with no SQL; the store keeps what was done.

pub mod current;
pub mod guide;
pub mod recheck;
pub mod refusal;
pub mod services;
pub mod view;

pub use guide::guide;
pub use refusal::Refusal;
pub use view::{Overview, overview};

/// The runbook as it stands in `store`, read in one snapshot.
pub fn load(store: &crate::store::Store) -> crate::error::Result<Overview> {
    Ok(overview(&store.runbook_rows()?))
}
