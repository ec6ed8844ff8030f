//! `encrypt` and `rekey`: the database, and every rolling backup beside it, written again under the
//! practice's (new) passphrase. See `store::reseal` for how nothing is lost on the way.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

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

/// The database and its rolling backups written again under `new` (see `crate::encryption`),
/// then each backup that could not be named.
fn reseal_all(
    store: Store,
    current: Option<&Passphrase>,
    new: &Passphrase,
    actor: &crate::store::Actor,
    action: &str,
    ctx: &mut Context,
) -> Result<()> {
    let resealed = crate::encryption::reseal_all(store, &ctx.location, current, new, actor, action)?;
    ctx.location.passphrase = Some(new.clone());
    for backup in &resealed.backups_left {
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
