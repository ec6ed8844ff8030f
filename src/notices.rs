//! What a person must know about an entry before working on it, said wherever it is shown (the
//! queue screen, the entry's own screen, `cutover show`): a reference it had before, which its paper
//! form may carry, and what two PCs did to it apart (`crate::clashes`).

use crate::domain::time;
use crate::error::Result;
use crate::store::{EntryHeader, Renumbered, Revision, Store};

/// "This entry was renumbered from R1-0005 to D3-0001 …".
pub fn renumbered_words(r: &Renumbered) -> String {
    format!(
        "This entry was renumbered from {} to {} on {}, when the PC it was logged on took its own identity: its paper form may carry {}.",
        r.old_ref,
        r.new_ref,
        time::format_uk(r.at),
        r.old_ref
    )
}

/// Every notice of `entry` (whose revisions are given), in the order they are shown.
pub fn of_entry(store: &Store, entry: &EntryHeader, revisions: &[Revision]) -> Result<Vec<String>> {
    let mut out: Vec<String> = store.renumbered(&entry.id)?.iter().map(renumbered_words).collect();
    out.extend(crate::clashes::of_entry(store, entry, revisions)?.into_iter().map(|t| t.text));
    Ok(out)
}
