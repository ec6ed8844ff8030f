//! Bringing several workstations' logs together: every file is inspected before any is merged, so
//! a wrong or newer file is refused with this database unchanged. All the files are then merged in
//! one transaction while another core gives each of them the whole check (`check_for_damage`:
//! what `cutover check` asks of a file, and an export's digest); the merge commits only once every
//! file has passed. A damaged file therefore stops the whole merge, the other files too: nothing is
//! ever half merged, the message names the file, and the others can be merged without it. If one
//! fails part-way (a full disk, say), none is merged, and since merging is idempotent, running the
//! same command again does the whole job without doubling anything. Anything else that takes in
//! other workstations' files must pass each through `inspect_merge_source` and `check_for_damage`
//! first, as this does.

use std::cell::RefCell;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::error::{Error, Exchange, Result};
use crate::store::{Actor, MergeOutcome, MergeSource, Store, check_for_damage, inspect_merge_source};

/// One file merged, and what it brought.
#[derive(Debug, Clone)]
pub struct Merged {
    pub source: MergeSource,
    pub outcome: MergeOutcome,
}

pub fn merge_files(store: &Store, paths: &[PathBuf], actor: &Actor, now: DateTime<Utc>) -> Result<Vec<Merged>> {
    if paths.is_empty() {
        return Err(Error::Exchange(Exchange::NothingToMerge));
    }
    store.can_merge(paths.len())?;
    let sources =
        paths.iter().map(|p| inspect_merge_source(store.path(), store.passphrase(), p)).collect::<Result<Vec<_>>>()?;
    let outcomes = std::thread::scope(|scope| {
        // Reading every file whole is a good part of a merge's time: it runs beside the merge,
        // which is one thread's work, and the first damaged file in the order given is reported.
        let checking = scope.spawn(|| sources.iter().try_for_each(check_for_damage));
        let checking = RefCell::new(Some(checking));
        let checked = || match checking.borrow_mut().take() {
            // A check that panicked is reported as the panic it was, by the program's panic hook.
            Some(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => Ok(()),
        };
        let merged = store.merge(&sources, actor, now, checked);
        // A merge that failed on a damaged file is better explained by the damage.
        checked()?;
        merged
    })?;
    Ok(sources.into_iter().zip(outcomes).map(|(source, outcome)| Merged { source, outcome }).collect())
}
