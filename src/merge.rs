//! Bringing several workstations' logs together: every file is checked before any is merged, so a
//! wrong, damaged or newer file is refused with this database unchanged. All the files are then
//! merged in one transaction: if one fails part-way (a full disk, say), none is merged, and since
//! merging is idempotent, running the same command again does the whole job without doubling anything.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::{Error, Exchange, Result};
use crate::store::{Actor, MergeOutcome, MergeSource, Store, inspect_merge_source};

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
    let sources = inspect_all(store.path(), paths)?;
    let outcomes = store.merge(&sources, actor, now)?;
    Ok(sources.into_iter().zip(outcomes).map(|(source, outcome)| Merged { source, outcome }).collect())
}

/// Checks every file, on as many cores as there are: reading each file whole for damage is a good
/// part of a merge's time. The first refusal in the order the files were given is the one reported.
fn inspect_all(this: &Path, paths: &[PathBuf]) -> Result<Vec<MergeSource>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = paths.len().div_ceil(cores.clamp(1, paths.len().max(1)));
    std::thread::scope(|scope| {
        let checking: Vec<_> = paths
            .chunks(chunk.max(1))
            .map(|part| scope.spawn(move || part.iter().map(|p| inspect_merge_source(this, p)).collect::<Vec<_>>()))
            .collect();
        let mut sources = Vec::with_capacity(paths.len());
        for handle in checking {
            // A check that panicked is reported as the panic it was, by the program's panic hook.
            let checked = handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for source in checked {
                sources.push(source?);
            }
        }
        Ok(sources)
    })
}
