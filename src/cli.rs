//! The command-line contract of `spec/cli.md`, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Free text given as an option's value may start with `-` ("-ve pregnancy test", "+44 …"), so
/// those options take hyphen values. A value that looks like one of cutover's own options
/// (`--` and a letter) is refused instead: it almost always means the text itself was left out,
/// as in `--note --take-over`, and would otherwise be saved as the note.
fn free_text(value: &str) -> Result<String, String> {
    let mut chars = value.chars();
    if let (Some('-'), Some('-'), Some(c)) = (chars.next(), chars.next(), chars.next())
        && c.is_ascii_alphabetic()
        && !value.contains(' ')
    {
        return Err(format!(
            "{} looks like an option, not text: was the text left out? Give the text straight after the option, in quotes",
            crate::domain::text::quoted(value)
        ));
    }
    Ok(value.to_string())
}

/// A path for --db (or CUTOVER_DB): an empty one is refused in words that name both, rather than
/// taken as no setting (which would quietly use another database).
fn database_path() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    use clap::builder::TypedValueParser;
    clap::builder::OsStringValueParser::new().try_map(|given| {
        if given.to_string_lossy().trim().is_empty() {
            Err("an empty path names no database file. If CUTOVER_DB is set, set it to the database's path, or remove it to use the database in your data folder")
        } else {
            Ok(PathBuf::from(given))
        }
    })
}

#[derive(Debug, Parser)]
#[command(
    name = "cutover",
    version,
    about = "Record every patient interaction while the clinical system is down, then re-enter it safely after go-live.",
    after_help = "Run without a command to see the database and what to do next. Guides: docs/user-guide.md"
)]
pub struct Cli {
    /// The database file [default: cutover.db in your data folder]
    #[arg(long, env = "CUTOVER_DB", global = true, value_name = "PATH", value_parser = database_path())]
    pub db: Option<PathBuf>,

    /// A file whose first line is the practice's passphrase, for an encrypted database
    #[arg(long, env = "CUTOVER_PASSPHRASE_FILE", global = true, value_name = "PATH")]
    pub passphrase_file: Option<PathBuf>,

    /// The member of staff this command acts as (their short id, such as JS)
    #[arg(long = "as", env = "CUTOVER_USER", global = true, value_name = "STAFF")]
    pub as_staff: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The command's name, for the diagnostic log: never its arguments, which can name a patient.
pub fn command_name(command: Option<&Command>) -> &'static str {
    match command {
        None => "ui",
        Some(Command::Init(_)) => "init",
        Some(Command::Staff(_)) => "staff",
        Some(Command::Log(_)) => "log",
        Some(Command::Amend(_)) => "amend",
        Some(Command::Void(_)) => "void",
        Some(Command::List(_)) => "list",
        Some(Command::Show(_)) => "show",
        Some(Command::Check) => "check",
        Some(Command::Info) => "info",
        Some(Command::Demo(_)) => "demo",
        Some(Command::Queue(_)) => "queue",
        Some(Command::Claim(_)) => "claim",
        Some(Command::Release(_)) => "release",
        Some(Command::Done(_)) => "done",
        Some(Command::Query(_)) => "query",
        Some(Command::Answer(_)) => "answer",
        Some(Command::Skip(_)) => "skip",
        Some(Command::Reopen(_)) => "reopen",
        Some(Command::Waive(_)) => "waive",
        Some(Command::Import(ImportCommand::Patients(_))) => "import patients",
        Some(Command::Import(ImportCommand::Entries(_))) => "import entries",
        Some(Command::Export(_)) => "export",
        Some(Command::Merge(_)) => "merge",
        Some(Command::Sync(_)) => "sync",
        Some(Command::Report(_)) => "report",
        Some(Command::Backup(_)) => "backup",
        Some(Command::Encrypt) => "encrypt",
        Some(Command::Rekey(_)) => "rekey",
        Some(Command::Patients(PatientsCommand::Duplicates { .. })) => "patients duplicates",
        Some(Command::Patients(PatientsCommand::Join { .. })) => "patients join",
        Some(Command::Plan(PlanArgs { action: None })) => "plan",
        Some(Command::Plan(PlanArgs { action: Some(_) })) => "plan set",
        Some(Command::Checklist(ChecklistArgs { action: None, .. })) => "checklist",
        Some(Command::Checklist(ChecklistArgs { action: Some(ChecklistAction::Tick { .. }), .. })) => "checklist tick",
        Some(Command::Checklist(ChecklistArgs { action: Some(ChecklistAction::Untick { .. }), .. })) => {
            "checklist untick"
        }
        Some(Command::Services(ServicesArgs { action: None })) => "services",
        Some(Command::Services(ServicesArgs { action: Some(ServicesAction::Add { .. }) })) => "services add",
        Some(Command::Services(ServicesArgs { action: Some(ServicesAction::Set { .. }) })) => "services set",
        Some(Command::Recheck(RecheckArgs { action: None })) => "recheck",
        Some(Command::Recheck(RecheckArgs { action: Some(action) })) => match action {
            RecheckAction::Sample { .. } => "recheck sample",
            RecheckAction::Add { .. } => "recheck add",
            RecheckAction::Mark { .. } => "recheck mark",
            RecheckAction::Issue { .. } => "recheck issue",
            RecheckAction::Signoff { .. } => "recheck signoff",
        },
        Some(Command::Callbacks { .. }) => "callbacks",
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database, or change the cutover's settings (never its data)
    #[command(
        after_help = "On a new database, add yourself next: cutover staff add JS --name \"Jo Smith\" --role manager\nCUTOVER_USER may already name you: until someone is on the staff list, init records the settings without a name."
    )]
    Init(InitArgs),
    /// Add or list staff
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Record one entry and print its id
    Log(LogArgs),
    /// Correct an entry: a new revision is recorded and the old one kept
    Amend(AmendArgs),
    /// Mark an entry as logged in error (it stays in the history)
    Void(VoidArgs),
    /// List entries, oldest first
    List(ListArgs),
    /// Show one entry whole, with its full history
    Show(ShowArgs),
    /// Check the database for damage and broken rules
    Check,
    /// Where the database is, its version and what it holds
    Info,
    /// Fill an empty database with realistic, clearly fictitious data
    Demo(DemoArgs),
    /// The re-entry queue: what to key into the new system next, in the safest order
    Queue(QueueArgs),
    /// Claim a queue item, so that no one else keys it at the same time
    Claim(ClaimArgs),
    /// Give up your claim on a queue item
    Release(ItemArgs),
    /// Mark a queue item as keyed into the new system
    Done(DoneArgs),
    /// Send a queue item to a clinician, with the question
    Query(QueryArgs),
    /// Answer a query about a queue item (clinicians): it goes back to the open queue
    Answer(AnswerArgs),
    /// Set a queue item aside as not required, with the reason
    Skip(SkipArgs),
    /// Put a finished or queried item back in the open queue
    Reopen(ReopenArgs),
    /// Record why an item may be keyed without the patient's NHS number
    Waive(WaiveArgs),
    /// Load the practice's patient list, or entries typed from paper forms
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write everything this database holds to one file, for `merge` on another computer
    Export(ExportArgs),
    /// Bring other workstations' exports (or databases) into this one; merging twice changes nothing
    Merge(MergeArgs),
    /// Share this PC's log through the practice's shared folder and take every other PC's (one round)
    Sync(SyncArgs),
    /// The cutover in numbers: entries by kind, hour and staff; time against the target; re-entry progress
    Report(ReportArgs),
    /// A consistent copy of the database, safe to take while others are saving
    Backup(BackupArgs),
    /// Encrypt an unencrypted database (and its rolling backups) with the passphrase given by --passphrase-file
    Encrypt,
    /// Change the passphrase of an encrypted database (and its rolling backups)
    Rekey(RekeyArgs),
    /// Find patient records that may be one person, and join them
    #[command(subcommand)]
    Patients(PatientsCommand),
    /// The cutover plan: how each kind of work is handled during cutover, and who leads it
    Plan(PlanArgs),
    /// The migration guide's checklists by role and phase: tick each question as it is done
    Checklist(ChecklistArgs),
    /// Third-party services switched off before FDP and back on after go-live
    Services(ServicesArgs),
    /// The go-live re-check of patients and reports, its issues, and the sign-off of Go Live Data
    Recheck(RecheckArgs),
    /// New patients asked to come back after go-live, with their contact details
    Callbacks {
        #[arg(long, value_enum, default_value = "table")]
        format: CallbackFormat,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub action: Option<PlanAction>,
}

#[derive(Debug, Subcommand)]
pub enum PlanAction {
    /// Record how one kind of work will be handled during cutover, and who leads it
    Set {
        /// The kind of work, such as "home visits" (`cutover plan` lists them)
        category: String,
        /// How it will be handled
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
        how: String,
        /// Who leads it (their staff id)
        #[arg(long, value_name = "STAFF")]
        lead: String,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ChecklistArgs {
    /// Only this role's checklist: practice, project or commissioner
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// Only this phase: early, idp, planning, cutover or after
    #[arg(long, value_name = "PHASE")]
    pub phase: Option<String>,
    #[command(subcommand)]
    pub action: Option<ChecklistAction>,
}

#[derive(Debug, Subcommand)]
pub enum ChecklistAction {
    /// Tick an item as done (or add a note to one already ticked)
    Tick {
        /// The item's id, such as PM-E1
        item: String,
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
        note: Option<String>,
    },
    /// Untick an item ticked in error (its tick stays in the history)
    Untick {
        /// The item's id, such as PM-E1
        item: String,
        /// Why
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
        reason: String,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServicesArgs {
    #[command(subcommand)]
    pub action: Option<ServicesAction>,
}

#[derive(Debug, Subcommand)]
pub enum ServicesAction {
    /// Add a service to the list
    Add {
        /// Its name
        #[arg(allow_hyphen_values = true, value_parser = free_text)]
        name: String,
    },
    /// Move a service on (to-switch-off, confirmed-off, to-switch-on, confirmed-on, not-used), or add a chase note
    Set {
        /// The service's name, or a short name such as EPS
        name: String,
        /// Its new state: to-switch-off, confirmed-off, to-switch-on, confirmed-on or not-used
        #[arg(long, value_name = "STATE", required_unless_present = "note")]
        state: Option<String>,
        /// Who you spoke to, what they said, when to chase again
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
        note: Option<String>,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RecheckArgs {
    #[command(subcommand)]
    pub action: Option<RecheckAction>,
}

#[derive(Debug, Subcommand)]
pub enum RecheckAction {
    /// Draw a random sample of the patient list to re-check; the seed is recorded so the same sample can be drawn again
    Sample {
        /// How many patients
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=crate::runbook::recheck::SAMPLE_MAX as i64))]
        size: u32,
        /// The seed (any whole number) [default: a new one, printed]
        #[arg(long, value_name = "S")]
        seed: Option<u64>,
    },
    /// Add a patient tested at the initial data production
    Add {
        /// Their NHS number
        nhs_number: String,
    },
    /// Record what the re-check found for a patient (NHS number) or a report (qof, cytology, immunisation, capitation, local-codes)
    Mark {
        /// An NHS number in the re-check, or a report's id
        subject: String,
        /// It matches what the old system held
        #[arg(long, conflicts_with = "issue", required_unless_present = "issue")]
        matches: bool,
        /// It does not: what is wrong
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
        issue: Option<String>,
    },
    /// Move an issue on: reported (to the supplier), fixed or accepted
    Issue {
        /// The NHS number or report the issue is about
        subject: String,
        /// reported, fixed or accepted
        #[arg(long, value_name = "STATE")]
        state: String,
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
        note: Option<String>,
    },
    /// Sign off Go Live Data (refused while issues are open or items unchecked, unless --reason)
    Signoff {
        /// Why it is signed off with issues still open or items unchecked
        #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
        reason: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CallbackFormat {
    Table,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum PatientsCommand {
    /// List each pair of records with the same name and date of birth (at least one without an NHS number)
    Duplicates {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Join two records that are one person: OTHER's entries move to KEEP, with a new revision each
    Join {
        /// The record to keep (its id, from `cutover patients duplicates`)
        keep: String,
        /// The record joined into it
        other: String,
        /// Why they are one person (kept in the audit trail)
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Load the patient list exported from the old system (CSV with a header row)
    Patients(ImportPatientsArgs),
    /// Load entries typed from paper forms (CSV with a header row; see the user guide)
    Entries(ImportEntriesArgs),
}

#[derive(Debug, Args)]
pub struct ImportPatientsArgs {
    /// The CSV file
    pub file: PathBuf,
    /// Say which field a column holds, such as --map 'Patient Surname=family_name'
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub maps: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportEntriesArgs {
    /// The CSV file
    pub file: PathBuf,
    /// Load the valid rows and write the others, with the reason, to the --rejects file
    #[arg(long = "skip-invalid", requires = "rejects")]
    pub skip_invalid: bool,
    /// Where rejected rows go (with --skip-invalid)
    #[arg(long, value_name = "FILE.csv", requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
    /// Load rows whose time is in the future or before the final data production
    #[arg(long)]
    pub confirm: bool,
    /// Load rows even when the same entry (kind, patient, time and summary) is already held, or
    /// the same file was imported before
    #[arg(long = "allow-duplicates")]
    pub allow_duplicates: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write (it must not exist yet)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Export files (or other cutover databases) to merge into this one
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The practice's shared folder, this time only (otherwise the one set with `init --share-folder`)
    #[arg(long, value_name = "PATH")]
    pub folder: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Html,
    Csv,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Write the report to this file rather than to the screen
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace the --out file if it is already there (never the database itself)
    #[arg(long, requires = "out")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (it must not exist yet)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RekeyArgs {
    /// A file whose first line is the new passphrase (the current one is given by --passphrase-file)
    #[arg(long, value_name = "FILE")]
    pub new_passphrase_file: PathBuf,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The practice's name
    #[arg(long, allow_hyphen_values = true, value_parser = free_text)]
    pub practice: Option<String>,
    /// The practice's ODS code
    #[arg(long)]
    pub ods: Option<String>,
    /// When the final data production (FDP) happened or will happen
    #[arg(long, value_name = "TIME")]
    pub fdp: Option<String>,
    /// When the new system goes live
    #[arg(long = "go-live", value_name = "TIME")]
    pub go_live: Option<String>,
    /// The clinical system being left
    #[arg(long = "old-system", value_name = "NAME", allow_hyphen_values = true, value_parser = free_text)]
    pub old_system: Option<String>,
    /// The clinical system being moved to
    #[arg(long = "new-system", value_name = "NAME", allow_hyphen_values = true, value_parser = free_text)]
    pub new_system: Option<String>,
    /// Days of read-only access to the old system after go-live [default: 90]
    #[arg(long = "read-only-days", value_name = "DAYS")]
    pub read_only_days: Option<u32>,
    /// This workstation's name, such as "Reception 2"
    #[arg(long = "workstation", value_name = "NAME", allow_hyphen_values = true, value_parser = free_text)]
    pub workstation: Option<String>,
    /// The prefix of references made on this workstation, such as R2 (for R2-0001)
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// Whether a queue item may be marked done without its reference in the new system [default: no]
    #[arg(long = "done-without-ref", value_name = "yes|no", value_parser = ["yes", "no"])]
    pub done_without_ref: Option<String>,
    /// This PC's path to the practice's shared folder, through which the PCs share their logs
    /// (`off` stops sharing). A setting of this PC only
    #[arg(long = "share-folder", value_name = "PATH|off")]
    pub share_folder: Option<String>,
    /// This database is a copy of another PC's: give it its own workstation identity, keeping
    /// everything logged on it (with --workstation and --prefix for its new name and prefix)
    #[arg(long = "new-identity", conflicts_with = "moved")]
    pub new_identity: bool,
    /// This database was moved here from another folder or PC, not copied: it keeps its identity
    #[arg(long)]
    pub moved: bool,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a member of staff
    Add {
        /// Their short id, usually initials
        id: String,
        #[arg(long, allow_hyphen_values = true, value_parser = free_text)]
        name: String,
        /// reception, clinician, admin or manager
        #[arg(long)]
        role: String,
    },
    /// List the staff
    List,
}

/// Who an entry is about.
#[derive(Debug, Args, Default)]
pub struct PatientArgs {
    /// The patient's NHS number
    #[arg(long, value_name = "NHS_NUMBER")]
    pub patient: Option<String>,
    /// Family name (when the NHS number is not known)
    #[arg(long, value_name = "NAME")]
    pub family: Option<String>,
    /// Given name
    #[arg(long, value_name = "NAME")]
    pub given: Option<String>,
    /// Date of birth (DD/MM/YYYY)
    #[arg(long, value_name = "DATE")]
    pub dob: Option<String>,
    /// Sex (female, male, indeterminate, not_known)
    #[arg(long)]
    pub sex: Option<String>,
    /// Postcode
    #[arg(long)]
    pub postcode: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The kind of entry: appointment, consultation, home_visit, telephone, prescription, registration,
    /// pathology, referral, correspondence, document, screening, summarisation, dispensary_stock, note
    pub kind: String,
    #[command(flatten)]
    pub patient: PatientArgs,
    /// The patient's record id, when the name and date of birth match more than one record
    #[arg(long = "patient-id", value_name = "ID", conflicts_with_all = ["patient", "family", "given", "dob"])]
    pub patient_id: Option<String>,
    /// When it happened [default: now]
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// One line for the person re-entering it
    #[arg(long, allow_hyphen_values = true, value_parser = free_text)]
    pub summary: Option<String>,
    /// A field of the kind, such as --set drug="Amoxicillin 500mg capsules"
    #[arg(long = "set", value_name = "FIELD=VALUE", allow_hyphen_values = true, value_parser = free_text)]
    pub sets: Vec<String>,
    /// urgent, safeguarding, new_allergy, medication_change, new_diagnosis, deceased, confidential
    #[arg(long = "flag", value_name = "FLAG")]
    pub flags: Vec<String>,
    /// Save even if the time is in the future or before the final data production, or the
    /// patient details need a second look (see the message)
    #[arg(long)]
    pub confirm: bool,
}

#[derive(Debug, Args)]
pub struct AmendArgs {
    /// The entry's id or reference (such as R2-0147)
    pub id: String,
    /// A field to change; an empty value clears it
    #[arg(long = "set", value_name = "FIELD=VALUE", allow_hyphen_values = true, value_parser = free_text)]
    pub sets: Vec<String>,
    /// Add a flag
    #[arg(long = "flag", value_name = "FLAG")]
    pub flags: Vec<String>,
    /// Remove a flag
    #[arg(long = "unflag", value_name = "FLAG")]
    pub unflags: Vec<String>,
    /// Move the entry to another patient (it was logged against the wrong one)
    #[command(flatten)]
    pub patient: PatientArgs,
    /// Move the entry to this patient record (its id), when the name and date of birth match more than one
    #[arg(long = "patient-id", value_name = "ID", conflicts_with_all = ["patient", "family", "given", "dob"])]
    pub patient_id: Option<String>,
    /// Why it is being changed
    #[arg(long, allow_hyphen_values = true, value_parser = free_text)]
    pub reason: Option<String>,
    /// Save even if the new time is in the future or before the final data production, or the
    /// patient details need a second look (see the message)
    #[arg(long)]
    pub confirm: bool,
}

#[derive(Debug, Args)]
pub struct VoidArgs {
    /// The entry's id or reference
    pub id: String,
    /// Why it was logged in error
    #[arg(long, allow_hyphen_values = true, value_parser = free_text)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this kind
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this patient (NHS number)
    #[arg(long, value_name = "NHS_NUMBER")]
    pub patient: Option<String>,
    /// Only entries that happened at or after this time
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// At most this many entries [default: all]
    #[arg(long)]
    pub limit: Option<u64>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The entry's id or reference
    pub id: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many entries to make
    #[arg(long, default_value_t = 2000)]
    pub entries: u32,
    /// The same seed always makes the same data
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueueFormat {
    Table,
    Csv,
    Json,
    /// A printable worklist (use with --out)
    Html,
}

#[derive(Debug, Args)]
pub struct QueueArgs {
    /// open (everything still to do), all, or one status: claimed, blocked, query, done, not_required, voided
    #[arg(long, default_value = "open", value_name = "STATUS")]
    pub status: String,
    /// Only this kind
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this tier (1 to 4)
    #[arg(long)]
    pub tier: Option<u8>,
    /// Only items claimed or finished by this member of staff
    #[arg(long, value_name = "STAFF")]
    pub assignee: Option<String>,
    /// Only items claimed or finished by you (--as)
    #[arg(long, conflicts_with = "assignee")]
    pub mine: bool,
    /// Only the queries waiting for this clinician: theirs, and those for any clinician
    #[arg(long = "for", value_name = "STAFF")]
    pub for_staff: Option<String>,
    /// At most this many items [default: all]
    #[arg(long)]
    pub limit: Option<usize>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: QueueFormat,
    /// Show why each item sits where it does, term by term
    #[arg(long)]
    pub explain: bool,
    /// Write to this file instead of the screen
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace the --out file if it is already there (never the database itself)
    #[arg(long, requires = "out")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ItemArgs {
    /// The entry's id or reference (such as R2-0147)
    pub id: String,
}

#[derive(Debug, Args)]
pub struct ClaimArgs {
    /// The entry's id or reference (such as R2-0147)
    pub id: String,
    /// Take the item over from someone else's claim
    #[arg(long = "take-over")]
    pub take_over: bool,
}

#[derive(Debug, Args)]
pub struct DoneArgs {
    /// The entry's id or reference (such as R2-0147)
    pub id: String,
    /// Its reference in the new system
    #[arg(long = "ref", value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
    pub new_system_ref: Option<String>,
    /// A note about how it was keyed
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
    pub note: Option<String>,
    /// For a registration: the NHS number the new system traced
    #[arg(long = "nhs-number", value_name = "NHS_NUMBER")]
    pub nhs_number: Option<String>,
    /// Record why the patient's NHS number is not needed for this item, and mark it done
    #[arg(long = "waive-nhs", value_name = "REASON", allow_hyphen_values = true, value_parser = free_text)]
    pub waive_nhs: Option<String>,
    /// Finish it even though someone else has claimed it
    #[arg(long = "take-over")]
    pub take_over: bool,
    /// Finish it even though the NHS number already belongs to another patient record
    #[arg(long)]
    pub confirm: bool,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The entry's id or reference (such as R2-0147)
    pub id: String,
    /// The question for the clinician
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
    pub note: String,
    /// The clinician it is for [default: the clinician who logged the entry, or any clinician]
    #[arg(long, value_name = "STAFF")]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// The entry's id or reference (such as R2-0147)
    pub id: String,
    /// Your answer to the question
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct SkipArgs {
    /// The entry's id or reference (such as R2-0147)
    pub id: String,
    /// Why it does not need keying
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct ReopenArgs {
    /// The entry's id or reference (such as R2-0147)
    pub id: String,
    /// Why it is being reopened
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct WaiveArgs {
    /// The entry's id or reference (such as R2-0147)
    pub id: String,
    /// Why the item can be keyed without the patient's NHS number
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true, value_parser = free_text)]
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from([&["cutover"], args].concat())
    }

    #[test]
    fn free_text_may_start_with_a_hyphen_or_plus() {
        let cli = parse(&["log", "note", "--summary", "-ve pregnancy test", "--set", "notes=-ve"]).unwrap();
        let Some(Command::Log(log)) = cli.command else { panic!("log") };
        assert_eq!(log.summary.as_deref(), Some("-ve pregnancy test"));
        assert_eq!(log.sets, ["notes=-ve"]);
        for args in [
            &["void", "R2-0001", "--reason", "-ve result, not this patient"][..],
            &["skip", "R2-0001", "--reason", "- duplicate"],
            &["query", "R2-0001", "--note", "-ve?"],
            &["done", "R2-0001", "--ref", "-123", "--note", "+ repeat issued"],
            &["reopen", "R2-0001", "--note", "-"],
            &["waive", "R2-0001", "--reason", "-"],
            &["amend", "R2-0001", "--reason", "-ve", "--set", "summary=-ve"],
            &["init", "--practice", "-Riverside-", "--old-system", "-", "--new-system", "-", "--workstation", "-1"],
            &["staff", "add", "JS", "--name", "-", "--role", "admin"],
        ] {
            assert!(parse(args).is_ok(), "{args:?}");
        }
    }

    #[test]
    fn an_option_where_text_should_be_is_refused() {
        let err = parse(&["done", "R2-0001", "--note", "--take-over"]).unwrap_err();
        assert!(err.to_string().contains("looks like an option"), "{err}");
        assert!(parse(&["log", "note", "--summary", "--patient", "9992345675"]).is_err());
    }
}
