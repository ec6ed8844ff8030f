//! Bringing several workstations' logs together: every file is checked before any is merged, so a
//! wrong, damaged or newer file is refused with this database unchanged. Each file is then merged
//! in its own transaction; merging is idempotent, so if one fails part-way (a full disk, say),
//! running the same command again finishes the job without doubling anything.

use std::path::PathBuf;

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
    let sources = paths.iter().map(|p| inspect_merge_source(store.path(), p)).collect::<Result<Vec<_>>>()?;
    sources
        .into_iter()
        .map(|source| {
            let outcome = store.merge(&source, actor, now)?;
            Ok(Merged { source, outcome })
        })
        .collect()
}
