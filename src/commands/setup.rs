//! Setting up: `init`, `staff`, `info`, and the welcome shown when no command is given.

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::cli::InitArgs;
use crate::domain::Problem;
use crate::domain::fields::{FieldProblem, parse_prefix, parse_staff_id};
use crate::domain::text::{escape_inline, pad, path_inline, quoted};
use crate::domain::time::{self, CutoverClock};
use crate::error::{Error, Result, Usage};
use crate::store::settings_key as key;
use crate::store::{OpenMode, Role, Settings, StaffMember, Store};

fn invalid(field: &str, problem: Problem) -> Error {
    Error::InvalidOption(FieldProblem::new(field, problem))
}

fn text_setting(field: &str, value: &Option<String>, max: usize) -> Result<Option<String>> {
    let Some(v) = value.as_deref().map(str::trim) else {
        return Ok(None);
    };
    let length = v.chars().count();
    if v.is_empty() {
        return Err(invalid(field, Problem::Required));
    }
    if length > max {
        return Err(invalid(field, Problem::TooLong { max, actual: length }));
    }
    Ok(Some(v.to_string()))
}

fn time_setting(
    option: &'static str,
    value: &Option<String>,
    ctx: &Context,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    value
        .as_deref()
        .map(|v| {
            time::parse_uk_datetime(v, ctx.now).map_err(|problem| Error::Usage(Usage::BadTime { option, problem }))
        })
        .transpose()
}

fn valid_prefix(prefix: &str) -> Result<String> {
    parse_prefix(prefix).map_err(|_| Error::Usage(Usage::BadPrefix(prefix.to_string())))
}

pub fn init(args: InitArgs, ctx: &mut Context) -> Result<ExitCode> {
    if args.new_identity || args.moved {
        return identity(args, ctx);
    }
    // Check everything typed before the database is created or touched.
    let practice = text_setting("practice", &args.practice, 200)?;
    let ods = text_setting("ods", &args.ods, 20)?.map(|s| s.to_ascii_uppercase());
    let old_system = text_setting("old-system", &args.old_system, 100)?;
    let new_system = text_setting("new-system", &args.new_system, 100)?;
    let workstation = text_setting("workstation", &args.workstation, 100)?;
    let fdp = time_setting("--fdp", &args.fdp, ctx)?;
    let go_live = time_setting("--go-live", &args.go_live, ctx)?;
    let prefix = args.prefix.as_deref().map(valid_prefix).transpose()?;
    let share_folder = match args.share_folder.as_deref().map(str::trim) {
        None => None,
        Some(off) if off.eq_ignore_ascii_case("off") => Some(None),
        Some("") => return Err(invalid("share-folder", Problem::Required)),
        Some(path) => Some(Some(path.to_string())),
    };
    check_go_live_after_fdp(fdp, go_live)?;

    let is_new = !ctx.location.path.exists();
    if practice.is_none() && is_new {
        return Err(Error::Usage(Usage::MissingPractice));
    }
    let mut changes: Vec<(&str, String)> = Vec::new();
    let mut add = |k, v: Option<String>| {
        if let Some(v) = v {
            changes.push((k, v));
        }
    };
    add(key::PRACTICE, practice.clone());
    add(key::ODS, ods);
    add(key::OLD_SYSTEM, old_system);
    add(key::NEW_SYSTEM, new_system);
    add(key::FDP, fdp.map(time::to_storage));
    add(key::GO_LIVE, go_live.map(time::to_storage));
    add(key::READ_ONLY_DAYS, args.read_only_days.map(|d| d.to_string()));
    add(key::DONE_WITHOUT_REF, args.done_without_ref.clone());
    let settings =
        NewSettings { practice_given: practice.is_some(), fdp, go_live, changes, workstation, prefix, share_folder };
    let saved = save_settings(&settings, ctx);
    if is_new && saved.is_err() {
        // Nothing was saved: a database left behind empty would only have to be found and removed.
        remove_new_database(&ctx.location.path);
    }
    let (store, changed, unknown_actor) = saved?;
    if changed == 0 {
        writeln!(ctx.err, "Nothing changed: the settings already say that.")?;
    } else {
        writeln!(ctx.err, "Settings saved.")?;
    }
    if let Some(id) = unknown_actor {
        let id = escape_inline(&id);
        writeln!(
            ctx.err,
            "Note: {id} is not on the staff list yet, so this was recorded without a name. Add yourself next: cutover staff add {id} --name \"Your name\" --role manager"
        )?;
    }
    if let Some(Some(folder)) = &settings.share_folder
        && !std::path::Path::new(folder).is_dir()
    {
        writeln!(
            ctx.err,
            "Note: the shared folder {} cannot be reached from this PC just now. It is set all the same; each round tries it again (check the path as this PC reaches it).",
            escape_inline(folder)
        )?;
    }
    super::workstation_warnings(&store, &mut ctx.err)?;
    describe(&store, ctx)?;
    Ok(ExitCode::SUCCESS)
}

/// `init --new-identity` (a copy of another PC's database takes its own identity) or `init --moved`
/// (it was moved, not copied), each on its own.
fn identity(args: InitArgs, ctx: &mut Context) -> Result<ExitCode> {
    use crate::error::Sharing;
    let others = args.practice.is_some()
        || args.ods.is_some()
        || args.fdp.is_some()
        || args.go_live.is_some()
        || args.old_system.is_some()
        || args.new_system.is_some()
        || args.read_only_days.is_some()
        || args.share_folder.is_some();
    if others || (args.moved && (args.workstation.is_some() || args.prefix.is_some())) {
        return Err(Error::Sharing(Sharing::NewIdentityAlone));
    }
    let workstation = text_setting("workstation", &args.workstation, 100)?;
    let prefix = args.prefix.as_deref().map(valid_prefix).transpose()?;
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.setup_actor(ctx.as_staff.as_deref())?;
    if args.moved {
        let here = crate::store::Home::of(store.path());
        let was_moved = store.write_at(ctx.now, |tx| tx.confirm_moved(&actor, &here))?;
        if was_moved {
            writeln!(
                ctx.err,
                "Noted: this database was moved to {}; it keeps its identity.",
                escape_inline(&here.describe())
            )?;
        } else {
            writeln!(ctx.err, "Nothing changed: this database is where it was set up.")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(moved) = store.moved_from()? else {
        return Err(Error::Sharing(Sharing::NotACopy));
    };
    let new = store
        .write_at(ctx.now, |tx| tx.take_new_identity(&actor, &moved, workstation.as_deref(), prefix.as_deref()))?;
    writeln!(
        ctx.err,
        "This PC now has its own identity: workstation {}, references {}-0001 onwards.",
        quoted(&new.workstation.name),
        escape_inline(&new.workstation.prefix)
    )?;
    if new.renumbered.is_empty() {
        writeln!(ctx.err, "Nothing had been logged on it since it was copied, so no reference changed.")?;
    } else {
        writeln!(
            ctx.err,
            "{} entries logged on it since it was copied have new references (write the new one on any paper form that carries the old):",
            new.renumbered.len()
        )?;
        for (old, new) in &new.renumbered {
            writeln!(ctx.err, "  {} is now {}", escape_inline(old), escape_inline(new))?;
        }
    }
    super::workstation_warnings(&store, &mut ctx.err)?;
    Ok(ExitCode::SUCCESS)
}

/// What `init` was asked to set, checked.
struct NewSettings<'a> {
    practice_given: bool,
    fdp: Option<chrono::DateTime<chrono::Utc>>,
    go_live: Option<chrono::DateTime<chrono::Utc>>,
    changes: Vec<(&'a str, String)>,
    workstation: Option<String>,
    prefix: Option<String>,
    /// `Some(None)`: stop sharing.
    share_folder: Option<Option<String>>,
}

fn check_go_live_after_fdp(
    fdp: Option<chrono::DateTime<chrono::Utc>>,
    go_live: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<()> {
    match (fdp, go_live) {
        (Some(f), Some(g)) if g <= f => Err(invalid("go-live", Problem::GoLiveBeforeFdp { fdp: time::format_uk(f) })),
        _ => Ok(()),
    }
}

/// Opens (or creates) the database and saves the settings in one transaction. Returns how many
/// changed, and the acting id when it names nobody because nobody has been added yet.
fn save_settings(new: &NewSettings, ctx: &Context) -> Result<(Store, usize, Option<String>)> {
    let store = ctx.open(OpenMode::Create)?;
    let settings = store.settings()?;
    if !new.practice_given && settings.practice().is_none() {
        return Err(Error::Usage(Usage::MissingPractice));
    }
    check_go_live_after_fdp(new.fdp.or(settings.fdp()), new.go_live.or(settings.go_live()))?;
    // Setting up comes before anyone is on the staff list, and the guides have CUTOVER_USER set
    // from the start: until someone is added, an id naming nobody is not held against init. Once
    // there is a list, whoever changes the settings must be on it.
    let given = ctx.as_staff.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let unknown_actor = match given {
        Some(id) if store.staff()?.is_empty() => Some(parse_staff_id(id).unwrap_or_else(|_| id.to_string())),
        _ => None,
    };
    let actor = store.setup_actor(if unknown_actor.is_some() { None } else { given })?;
    let changed = store.write_at(ctx.now, |tx| {
        let mut n = tx.set_settings(&actor, &new.changes)?;
        if new.workstation.is_some() || new.prefix.is_some() {
            tx.set_local_workstation(new.workstation.as_deref(), new.prefix.as_deref())?;
            tx.audit(
                &actor,
                "workstation",
                None,
                serde_json::json!({ "name": new.workstation, "prefix": new.prefix }),
            )?;
            n += 1;
        }
        if let Some(folder) = &new.share_folder {
            let key = crate::sync::SHARE_FOLDER;
            let was: Option<String> = tx.local_setting(key)?;
            if was != *folder {
                match folder {
                    Some(path) => tx.set_local_setting(key, path)?,
                    None => tx.clear_local_setting(key)?,
                }
                tx.audit(&actor, "share_folder", None, serde_json::json!({ "folder": folder }))?;
                n += 1;
            }
        }
        Ok(n)
    })?;
    Ok((store, changed, unknown_actor))
}

/// Removes a database `init` created a moment ago and saved nothing in, with SQLite's files beside
/// it. Best effort: what cannot be removed is left.
fn remove_new_database(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(name));
    }
}

pub fn staff_add(id: &str, name: &str, role: &str, ctx: &mut Context) -> Result<ExitCode> {
    let id = parse_staff_id(id).map_err(|p| invalid("id", p))?;
    let name = text_setting("name", &Some(name.to_string()), 100)?.unwrap_or_default();
    let role = Role::parse(role).ok_or_else(|| Error::Usage(Usage::RoleUnknown(role.to_string())))?;
    let store = ctx.open(OpenMode::Existing)?;
    let member = StaffMember { id, name, role };
    store.write_at(ctx.now, |tx| {
        // The first member of staff adds themselves; after that, someone on the list must.
        let actor = if tx.staff_count()? == 0 {
            store.setup_actor(None)?
        } else if ctx.as_staff.is_none() {
            return Err(Error::Usage(Usage::FirstStaffOnly));
        } else {
            store.actor(ctx.as_staff.as_deref())?
        };
        tx.add_staff(&actor, &member)
    })?;
    writeln!(
        ctx.err,
        "Added {} ({}, {}).",
        escape_inline(&member.id),
        escape_inline(&member.name),
        member.role.name()
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn staff_list(ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    writeln!(ctx.out, "{:<8}{:<32}ROLE", "ID", "NAME")?;
    for s in store.staff()? {
        let name = escape_inline(&s.name);
        writeln!(ctx.out, "{}{}{}", pad(&escape_inline(&s.id), 8), pad(&name, 32), s.role.name())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn setting_line(settings: &Settings, k: &str) -> String {
    settings.get(k).map(|v| escape_inline(v).into_owned()).unwrap_or_else(|| "not set".into())
}

fn time_line(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(time::format_uk).unwrap_or_else(|| "not set".into())
}

/// The database at a glance: settings, this workstation, and what it holds.
fn describe(store: &Store, ctx: &mut Context) -> Result<()> {
    let settings = store.settings()?;
    let here = store.local_workstation()?;
    let out = &mut ctx.out;
    writeln!(out, "Database:        {}", path_inline(store.path()))?;
    let encrypted = if store.is_encrypted() {
        "yes: unreadable without the practice's passphrase (SQLCipher 4)"
    } else {
        "no: anyone with the file can read it (cutover encrypt --passphrase-file FILE)"
    };
    writeln!(out, "Encrypted:       {encrypted}")?;
    if settings.is_demo() {
        writeln!(out, "                 DEMO DATA: fictitious patients, not for clinical use")?;
    }
    writeln!(out, "Practice:        {}", setting_line(&settings, key::PRACTICE))?;
    writeln!(out, "ODS code:        {}", setting_line(&settings, key::ODS))?;
    writeln!(out, "Old system:      {}", setting_line(&settings, key::OLD_SYSTEM))?;
    writeln!(out, "New system:      {}", setting_line(&settings, key::NEW_SYSTEM))?;
    writeln!(out, "FDP:             {}", time_line(settings.fdp()))?;
    writeln!(out, "Go-live:         {}", time_line(settings.go_live()))?;
    let target = settings.sla_hours();
    match time::cutover_clock(settings.fdp(), settings.go_live(), ctx.now) {
        Some(CutoverClock::Running { hours }) => {
            writeln!(out, "Since FDP:       {hours:.1} hours (target: under {target} hours)")?
        }
        Some(CutoverClock::Finished { hours }) => {
            writeln!(out, "FDP to go-live:  {hours:.1} hours (target: under {target} hours)")?
        }
        Some(CutoverClock::NotStarted) | None => {}
    }
    writeln!(
        out,
        "Workstation:     {} (references start {}-)",
        escape_inline(&here.name),
        escape_inline(&here.prefix)
    )?;
    Ok(())
}

pub fn info(ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    super::workstation_warnings(&store, &mut ctx.err)?;
    describe(&store, ctx)?;
    writeln!(ctx.out, "Schema version:  {} (this program: {})", store.schema_version()?, crate::store::LATEST_VERSION)?;
    for (name, n) in store.counts()? {
        writeln!(ctx.out, "{:<33}{n}", format!("{}:", capitalise(name)))?;
    }
    let folder = crate::sync::folder_setting(&store)?;
    writeln!(
        ctx.out,
        "Shared folder:   {}",
        folder.map_or_else(|| "not set (cutover init --share-folder PATH)".to_string(), |f| path_inline(&f))
    )?;
    writeln!(ctx.out, "PCs in this log:")?;
    for pc in store.pcs_in_log()? {
        let heard = match (pc.this_pc, pc.heard_at) {
            (true, _) => "this PC".to_string(),
            (false, Some(at)) => format!("last heard from {}", time::format_uk(at)),
            (false, None) => "not heard from through the shared folder".to_string(),
        };
        let entries = if pc.entries == 1 { "entry  " } else { "entries" };
        writeln!(
            ctx.out,
            "  {:<6}{}{:>8} {entries}  {heard}",
            escape_inline(&pc.prefix),
            pad(&escape_inline(&pc.name), 28),
            pc.entries
        )?;
    }
    let clashes = store.clashes_to_look_at()?;
    if !clashes.is_empty() {
        writeln!(
            ctx.out,
            "Clashes between PCs to look at (each is told with its entry: open it on the screens, or `cutover show REF`):"
        )?;
        for c in clashes {
            let words: Vec<&str> = c.clashes.iter().map(|k| k.words()).collect();
            writeln!(ctx.out, "  {}  {}", c.reference, words.join(", "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `cutover` with no command: open the database (creating the default one on first run) and say
/// what to do next. A path given with --db must exist: a typing slip should not make a new database.
pub fn welcome(ctx: &mut Context) -> Result<ExitCode> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        // In the UI a new database opens on its set-up screen, so a mistyped path is plain to see;
        // an encrypted one asks for its passphrase if none was given.
        crate::tui::run(ctx.location.clone())?;
        return Ok(ExitCode::SUCCESS);
    }
    let store = ctx.open(if ctx.location.is_default { OpenMode::Create } else { OpenMode::Existing })?;
    writeln!(ctx.out, "cutover — logging patient interactions while the clinical system is down\n")?;
    super::workstation_warnings(&store, &mut ctx.err)?;
    describe(&store, ctx)?;
    let counts = store.counts()?;
    let entries = counts.iter().find(|(n, _)| *n == "entries").map_or(0, |(_, n)| *n);
    let staff = store.staff()?;
    writeln!(ctx.out, "Entries:         {entries}")?;
    writeln!(ctx.out, "Staff:           {}\n", staff.len())?;
    let steps: &[&str] = if store.settings()?.practice().is_none() {
        &[
            "Set up this cutover:   cutover init --practice \"Practice name\" --fdp \"27/11/2026 18:00\"",
            "Add yourself:          cutover staff add JS --name \"Jo Smith\" --role manager",
            "Or try it with demo data in another file:  cutover --db demo.db demo",
        ]
    } else if staff.is_empty() {
        &["Add yourself:          cutover staff add JS --name \"Jo Smith\" --role manager"]
    } else {
        &[
            "Log an entry:          cutover --as JS log telephone --patient \"943 476 5919\" --summary \"Asked for results\"",
            "See what is logged:    cutover list",
            "One entry in full:     cutover show R2-0001",
        ]
    };
    writeln!(ctx.out, "Next steps:")?;
    for step in steps {
        writeln!(ctx.out, "  {step}")?;
    }
    writeln!(ctx.out, "\nEvery command: cutover --help")?;
    Ok(ExitCode::SUCCESS)
}
