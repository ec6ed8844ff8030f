//! The command-line contract of `spec/cli.md`, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "cutover",
    version,
    about = "Record every patient interaction while the clinical system is down, then re-enter it safely after go-live.",
    after_help = "Run without a command to see the database and what to do next. Guides: docs/user-guide.md"
)]
pub struct Cli {
    /// The database file [default: cutover.db in your data folder]
    #[arg(long, env = "CUTOVER_DB", global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// The member of staff this command acts as (their short id, such as JS)
    #[arg(long = "as", env = "CUTOVER_USER", global = true, value_name = "STAFF")]
    pub as_staff: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database, or change the cutover's settings (never its data)
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
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The practice's name
    #[arg(long)]
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
    #[arg(long = "old-system", value_name = "NAME")]
    pub old_system: Option<String>,
    /// The clinical system being moved to
    #[arg(long = "new-system", value_name = "NAME")]
    pub new_system: Option<String>,
    /// Days of read-only access to the old system after go-live [default: 90]
    #[arg(long = "read-only-days", value_name = "DAYS")]
    pub read_only_days: Option<u32>,
    /// This workstation's name, such as "Reception 2"
    #[arg(long = "workstation", value_name = "NAME")]
    pub workstation: Option<String>,
    /// The prefix of references made on this workstation, such as R2 (for R2-0001)
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a member of staff
    Add {
        /// Their short id, usually initials
        id: String,
        #[arg(long)]
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
    /// When it happened [default: now]
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// One line for the person re-entering it
    #[arg(long)]
    pub summary: Option<String>,
    /// A field of the kind, such as --set drug="Amoxicillin 500mg capsules"
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub sets: Vec<String>,
    /// urgent, safeguarding, new_allergy, medication_change, new_diagnosis, deceased, confidential
    #[arg(long = "flag", value_name = "FLAG")]
    pub flags: Vec<String>,
    /// Save even if the time is in the future or before the final data production
    #[arg(long)]
    pub confirm: bool,
}

#[derive(Debug, Args)]
pub struct AmendArgs {
    /// The entry's id or reference (such as R2-0147)
    pub id: String,
    /// A field to change; an empty value clears it
    #[arg(long = "set", value_name = "FIELD=VALUE")]
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
    /// Why it is being changed
    #[arg(long)]
    pub reason: Option<String>,
    /// Save even if the new time is in the future or before the final data production
    #[arg(long)]
    pub confirm: bool,
}

#[derive(Debug, Args)]
pub struct VoidArgs {
    /// The entry's id or reference
    pub id: String,
    /// Why it was logged in error
    #[arg(long)]
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
