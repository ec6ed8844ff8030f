//! `encrypt` and `rekey`: the database, and every rolling backup beside it, written again under the
//! practice's (new) passphrase. See `store::reseal` for how nothing is lost on the way.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

use super::Context;
use crate::cli::RekeyArgs;
use crate::domain::text::path_inline;
use crate::error::{Error, Result};
use crate::store::{OpenMode, Passphrase, Store};

/// `cutover encrypt --passphrase-file F`: a plain database becomes encrypted with F's passphrase.
pub fn encrypt(ctx: &mut Context) -> Result<ExitCode> {
    let new = ctx.location.passphrase.clone().ok_or(Error::NoPassphraseGiven)?;
    let store = ctx.open(OpenMode::Existing)?;
    if store.is_encrypted() {
        return Err(Error::AlreadyEncrypted(store.path().to_path_buf()));
    }
    let actor = store.actor(ctx.as_staff.as_deref())?;
    reseal_all(store, None, &new, &actor, "encrypt", ctx)?;
    writeln!(
        ctx.err,
        "Encrypted {}: it cannot be read without the passphrase now. Keep the passphrase where the practice keeps its other secrets: if it is lost, nobody can read the log. Give it to every cutover on this database with --passphrase-file.",
        path_inline(&ctx.location.path)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `cutover rekey --new-passphrase-file F`: an encrypted database (opened with the current
/// passphrase) is written again under F's.
pub fn rekey(args: RekeyArgs, ctx: &mut Context) -> Result<ExitCode> {
    let new = Passphrase::from_file(&args.new_passphrase_file)?;
    let store = ctx.open(OpenMode::Existing)?;
    let Some(current) = store.passphrase().cloned() else {
        return Err(Error::NotEncrypted(store.path().to_path_buf()));
    };
    if current == new {
        return Err(Error::SamePassphrase);
    }
    let actor = store.actor(ctx.as_staff.as_deref())?;
    reseal_all(store, Some(&current), &new, &actor, "rekey", ctx)?;
    writeln!(
        ctx.err,
        "The passphrase of {} is changed. From now on give the new one with --passphrase-file, on this PC and on every PC that shares this log (change it on each of them today: until then their files cannot be merged here).",
        path_inline(&ctx.location.path)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The database, then each rolling backup, written again under `new`; then the change audited and
/// the next sync told to publish a new series. A backup that cannot be done is named, not fatal:
/// the database itself is done by then.
fn reseal_all(
    store: Store,
    current: Option<&Passphrase>,
    new: &Passphrase,
    actor: &crate::store::Actor,
    action: &str,
    ctx: &mut Context,
) -> Result<()> {
    let path = store.path().to_path_buf();
    drop(store);
    crate::store::reseal(&path, current, new)?;
    ctx.location.passphrase = Some(new.clone());
    let mut left = Vec::new();
    let backups = crate::backup::list(&crate::backup::folder_for(&path)).unwrap_or_default();
    for backup in &backups {
        if let Err(e) = crate::store::reseal(backup, current, new) {
            tracing::warn!("{action}: a rolling backup was not written again: {}", e.for_the_log());
            left.push(backup.clone());
        }
    }
    let store = ctx.open(OpenMode::Existing)?;
    store.write(|tx| {
        tx.audit(actor, action, None, json!({ "backups": backups.len() - left.len(), "backups_left": left.len() }))?;
        crate::sync::start_new_series(tx)
    })?;
    for backup in &left {
        say_backup_left(backup, current.is_some(), ctx)?;
    }
    Ok(())
}

fn say_backup_left(backup: &Path, had_passphrase: bool, ctx: &mut Context) -> Result<()> {
    let under = if had_passphrase { "still opens only with the old passphrase" } else { "is still unencrypted" };
    writeln!(
        ctx.err,
        "Check: the rolling backup {} could not be written again ({under}). Move it somewhere safe or delete it once the new backups are made.",
        path_inline(backup)
    )?;
    Ok(())
}
