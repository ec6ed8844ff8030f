//! Keeps each item's place in the queue on its entry row (schema 5), so that a screen reads the
//! queue in order from one index instead of working the policy out for every item.
//!
//! Every write transaction ends here (`Store::write_at`). By then the schema's triggers have cleared
//! the placement of every item whose place may have moved (and of its patient's registrations, which
//! inherit urgency from what waits for them); this works those places out again with the same
//! policy and the same dependency rule the full queue uses, before the transaction commits.
//! Placements are worked out against go-live only: while go-live is not set there are none, and the
//! queue is worked out in full each time.

use std::collections::{HashMap, HashSet};

use super::Placed;
use super::policy::{POLICY_VERSION, PolicyContext};
use crate::error::Result;
use crate::store::{Placement, QueueScope, Store, Tx};

/// From this many items to place, one pass over every item beats a look-up per patient.
const WHOLE_QUEUE_FROM: usize = 500;

/// Places what the transaction left unplaced. It never fails the transaction it ends: a clinical
/// save must not be lost to the queue's cache. Anything it could not place stays unplaced, and the
/// queue then works the order out from the entries, as it does without go-live. The one error it
/// passes on is one that already ended the transaction (a full disk, say): the save is lost to
/// that, not to the queue, and the person must be told why.
pub fn keep_in_order(tx: &Tx) -> Result<()> {
    let started = std::time::Instant::now();
    match tx.undo_on_error(place_unplaced) {
        Ok(placed) if placed >= WHOLE_QUEUE_FROM => {
            tracing::info!(placed, ms = started.elapsed().as_millis(), "re-entry queue placed")
        }
        Ok(_) => {}
        Err(e) if !tx.is_open() => return Err(e),
        Err(e) => {
            tracing::warn!("re-entry queue not placed (it is worked out in full until it is): {}", e.for_the_log())
        }
    }
    Ok(())
}

/// Places every unplaced item (all of them, when go-live has moved); returns how many rows changed.
pub fn place_unplaced(tx: &Tx) -> Result<usize> {
    let go_live = tx.go_live()?;
    let basis = go_live.map(|at| (at, POLICY_VERSION));
    if tx.queue_basis()?.as_ref().map(|(at, policy)| (*at, policy.as_str())) != basis {
        tx.rebase_queue(basis)?;
    }
    let Some(go_live) = go_live else { return Ok(0) };
    let unplaced = tx.unplaced_items()?;
    if unplaced.is_empty() {
        return Ok(0);
    }
    // Placement does not depend on the time it is looked at, only on go-live.
    let ctx = PolicyContext::new(Some(go_live), go_live);
    let placed = if unplaced.len() >= WHOLE_QUEUE_FROM {
        super::place(tx.all_queue_rows()?, &tx.open_registrations(None)?, &ctx)
    } else {
        let mut placed = Vec::new();
        let mut patients_placed = HashSet::new();
        for (rowid, patient) in unplaced {
            let registrations = match &patient {
                Some(p) => tx.open_registrations(Some(p))?,
                None => HashMap::new(),
            };
            let rows = match patient {
                // Nothing to inherit: the item's place is its own.
                _ if registrations.is_empty() => tx.queue_row(rowid)?,
                // A patient with a registration still to key is placed whole, once: the
                // registration's place depends on every item waiting for it.
                Some(p) if patients_placed.insert(p.clone()) => tx.queue_rows_of_patient(&p)?,
                _ => continue,
            };
            placed.extend(super::place(rows, &registrations, &ctx));
        }
        placed
    };
    let mut written = 0;
    for p in placed.iter().filter(|p| !p.row.voided) {
        let placement = placement_of(p);
        if p.row.placement != Some(placement) {
            tx.set_placement(p.row.rowid, &placement)?;
            written += 1;
        }
    }
    Ok(written)
}

fn placement_of(p: &Placed) -> Placement {
    Placement {
        tier: p.assessment.tier.number(),
        score: p.assessment.score,
        due: p.assessment.due,
        booked_for: p.assessment.booked_for,
    }
}

/// How many items are kept at a place the policy would not give them now: always 0 unless
/// something wrote the placement columns other than `place_unplaced` (for `cutover check`).
pub fn misplaced(store: &Store) -> Result<usize> {
    let Some(go_live) = store.settings()?.go_live() else { return Ok(0) };
    if !store.queue_placed_for(go_live, POLICY_VERSION)? {
        // Not used until every item is placed again: nothing kept can mislead.
        return Ok(0);
    }
    let ctx = PolicyContext::new(Some(go_live), go_live);
    let rows = store.queue_rows(&QueueScope { include_closed: true })?;
    let placed = super::place(rows, &store.open_registrations()?, &ctx);
    Ok(placed.iter().filter(|p| !p.row.voided && p.row.placement != Some(placement_of(p))).count())
}
