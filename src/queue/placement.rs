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
use crate::store::{Placement, QueueBatch, Store, Tx};

/// From this many items to place, one pass over every item beats a look-up per patient.
const WHOLE_QUEUE_FROM: usize = 500;
/// How many patients' items the pass over every item reads and places at a time: a merge of
/// 100,000 entries placed all at once held them all in memory twice over (rows, then places).
const BATCH_PATIENTS: usize = 2_000;

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
    if unplaced.len() >= WHOLE_QUEUE_FROM {
        drop(unplaced);
        let mut written = 0;
        in_batches(
            |after| tx.queue_batch(after, BATCH_PATIENTS),
            &ctx,
            |placed| {
                written += write_placements(tx, &placed)?;
                Ok(())
            },
        )?;
        return Ok(written);
    }
    let placed = {
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
    write_placements(tx, &placed)
}

/// Keeps each place that changed; returns how many did.
fn write_placements(tx: &Tx, placed: &[Placed]) -> Result<usize> {
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

/// Places every item, a batch of patients at a time (`read` gives the batch after a patient),
/// handing each batch's places to `each`: the same places as placing them all at once, since only
/// a patient's own items depend on each other, in a batch's memory rather than the whole queue's.
fn in_batches(
    read: impl Fn(Option<&str>) -> Result<QueueBatch>,
    ctx: &PolicyContext,
    mut each: impl FnMut(Vec<Placed>) -> Result<()>,
) -> Result<()> {
    let mut after: Option<String> = None;
    loop {
        let batch = read(after.as_deref())?;
        each(super::place(batch.rows, &batch.registrations, ctx))?;
        match batch.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
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
    let mut misplaced = 0;
    in_batches(
        |after| store.queue_batch(after, BATCH_PATIENTS),
        &ctx,
        |placed| {
            misplaced += placed.iter().filter(|p| !p.row.voided && p.row.placement != Some(placement_of(p))).count();
            Ok(())
        },
    )?;
    Ok(misplaced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::QueueScope;

    /// A batch at a time, of any size, places every item where placing them all at once does:
    /// registrations others wait for included.
    #[test]
    fn placing_a_batch_of_patients_at_a_time_gives_the_places_of_placing_all_at_once() {
        let store = Store::open_in_memory().unwrap();
        crate::demo::generate(&store, 1_500, 7).unwrap();
        let go_live = store.settings().unwrap().go_live().expect("the demo practice has gone live");
        let ctx = PolicyContext::new(Some(go_live), go_live);
        let all = super::super::place(
            store.queue_rows(&QueueScope { include_closed: true }).unwrap(),
            &store.open_registrations().unwrap(),
            &ctx,
        );
        assert!(all.iter().any(|p| p.inherited.is_some()), "a registration others wait for");
        let whole: HashMap<i64, Placement> = all.iter().map(|p| (p.row.rowid, placement_of(p))).collect();
        for patients in [1, 7, BATCH_PATIENTS] {
            let mut batched = HashMap::new();
            in_batches(
                |after| store.queue_batch(after, patients),
                &ctx,
                |placed| {
                    batched.extend(placed.iter().map(|p| (p.row.rowid, placement_of(p))));
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(batched, whole, "{patients} patients a batch");
        }
        assert_eq!(misplaced(&store).unwrap(), 0);
    }
}
