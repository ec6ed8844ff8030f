//! Encrypting a database, or changing its passphrase: the database and every rolling backup beside
//! it written again under the new passphrase (see `store::reseal` for how nothing is lost on the
//! way), then the change audited. Used by `cutover encrypt`, `cutover rekey` and the first-run
//! screen, which encrypts a database made before a new practice was set up.

use std::path::PathBuf;

use serde_json::json;

use crate::config::DatabaseLocation;
use crate::error::Result;
use crate::store::{Actor, OpenMode, Passphrase, Store};

/// The database, opened again under its new passphrase, and the rolling backups that could not be
/// written again (each still under the old passphrase, or none).
pub struct Resealed {
    pub store: Store,
    pub backups_left: Vec<PathBuf>,
}

/// Writes the database `store` has open, then each rolling backup, again under `new` (they were
/// under `current`, or plain); then opens the database with `new`, audits the change as `action`
/// by `actor`, and tells the next sync to publish a new series. A backup that cannot be done is
/// returned, not fatal: the database itself is done by then.
pub fn reseal_all(
    store: Store,
    location: &DatabaseLocation,
    current: Option<&Passphrase>,
    new: &Passphrase,
    actor: &Actor,
    action: &str,
) -> Result<Resealed> {
    let path = store.path().to_path_buf();
    drop(store);
    crate::store::reseal(&path, current, new)?;
    let mut backups_left = Vec::new();
    let backups = crate::backup::list(&crate::backup::folder_for(&path)).unwrap_or_default();
    for backup in &backups {
        if let Err(e) = crate::store::reseal(backup, current, new) {
            tracing::warn!("{action}: a rolling backup was not written again: {}", e.for_the_log());
            backups_left.push(backup.clone());
        }
    }
    let location = DatabaseLocation { passphrase: Some(new.clone()), ..location.clone() };
    let store = Store::open(&location, OpenMode::Existing)?;
    store.write(|tx| {
        let done = backups.len() - backups_left.len();
        tx.audit(actor, action, None, json!({ "backups": done, "backups_left": backups_left.len() }))?;
        crate::sync::start_new_series(tx)
    })?;
    Ok(Resealed { store, backups_left })
}
