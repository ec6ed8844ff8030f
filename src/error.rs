//! The one place errors and warnings become plain English for the people at the practice.

use std::fmt::{self, Display, Formatter};
use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

use crate::domain::Problem;
use crate::domain::fields::FieldProblem;
use crate::domain::text::{escape_inline, escape_list, path_inline, quoted};

/// Said instead of a panic's own text, which is for programmers and might hold patient details.
pub const PANIC_MESSAGE: &str = "cutover stopped because of a fault in the program. Everything it reported as saved is safe. \
Please tell your IT support what you were doing when this happened.";

/// Every failure a command can report. `exit_code` says how the process ends.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // --- what the user typed: exit code 2 ---
    #[error("{}", invalid_entry(.0))]
    Invalid(Vec<FieldProblem>),
    #[error("{}", needs_confirmation(.0))]
    NeedsConfirmation(Vec<Warning>),
    #[error("Say who you are: add --as followed by your staff id (for example --as JS), or set CUTOVER_USER.{}", known_staff(.known))]
    NoStaffGiven { known: Vec<String> },
    #[error("There is no member of staff with the id {} (given with --as or CUTOVER_USER) in this database.{}", quoted(.id), known_staff(.known))]
    UnknownStaff { id: String, known: Vec<String> },
    #[error(
        "A member of staff with the id {} already exists ({}). Choose other initials, for example with a digit added.",
        quoted(.id), escape_inline(.name)
    )]
    StaffExists { id: String, name: String },
    #[error(
        "No entry matches {}. Give the id that `cutover log` printed, or the reference written on paper (like R2-0147); `cutover list` shows them.",
        quoted(.0)
    )]
    EntryNotFound(String),
    #[error("{} matches more than one entry ({}). Give more of the id.", quoted(.given), escape_list(.matches))]
    AmbiguousEntry { given: String, matches: Vec<String> },
    /// A reference held by one entry now and by another before it was renumbered (`init
    /// --new-identity`), or by two renumbered ones: `entries` says each, with its reference now.
    #[error(
        "\"{given}\" is the reference of {} entries: {}. Look at each with `cutover show` and the reference it has now, and give the one you mean.",
        .entries.len(), .entries.join("; ")
    )]
    ReferenceOfSeveral { given: String, entries: Vec<String> },
    #[error(
        "Nothing was saved: the name and date of birth typed match {} patient records, so cutover cannot tell which is meant:{}\nGive the NHS number with --patient, or the record's id with --patient-id. If they are one person, `cutover patients join` makes them one record.",
        .matches.len(), list_lines(.matches)
    )]
    AmbiguousPatient { matches: Vec<String> },
    #[error("No patient record has the id {}. `cutover patients duplicates` and the look-up show record ids.", quoted(.0))]
    PatientRecordNotFound(String),
    #[error("Nothing was changed: {0}")]
    CannotJoin(JoinRefusal),
    #[error(
        "No patient with NHS number {} has been logged or imported. Check the number, or use --family, --given and --dob.",
        escape_inline(.0)
    )]
    PatientNotFound(String),
    #[error(
        "This form was already saved or discarded in another window, so it was not saved again. Check the list of entries (e) before typing it again."
    )]
    DraftGone,
    #[error(
        "Nothing was saved: someone changed {} while you were typing ({}). Open it again to see what it says now, then make your change.",
        escape_inline(.reference), .fields.join(", ")
    )]
    ChangedMeanwhile { reference: String, fields: Vec<&'static str> },
    #[error("Entry {} was voided, so it cannot be changed. Log a new entry if something needs recording.", escape_inline(.reference))]
    EntryVoided { reference: String },
    #[error("{}: {}", escape_inline(&.0.field), .0.problem)]
    InvalidOption(FieldProblem),
    #[error("{0}")]
    Usage(Usage),

    // --- the database file and the disk: exit code 1 ---
    #[error("There is no cutover database at {}. Check the path (given with --db or CUTOVER_DB), or create one with `cutover init --practice \"Practice name\"`.", path_inline(.0))]
    DatabaseMissing(PathBuf),
    #[error("The folder {} does not exist, so the database cannot be created there. Check the path given with --db (or CUTOVER_DB), or create the folder first.", path_inline(.0))]
    FolderMissing(PathBuf),
    #[error("{} is not a cutover database (it is not an SQLite database at all). Check the path given with --db; if this was a cutover database it may be damaged: restore the latest backup.", path_inline(.0))]
    NotADatabase(PathBuf),
    #[error("{} is an SQLite database, but it belongs to another program, not cutover. Check the path given with --db.", path_inline(.0))]
    ForeignDatabase(PathBuf),
    #[error("{} is encrypted, or it is not a cutover database. Nothing was changed. If it is the practice's encrypted log, give the practice's passphrase with --passphrase-file (or CUTOVER_PASSPHRASE_FILE).", path_inline(.0))]
    PassphraseNeeded(PathBuf),
    #[error("The passphrase is not right for this database ({}). Nothing was changed. If the practice's passphrase was changed recently, use the new one (ask the practice manager); check the file given with --passphrase-file holds it on its first line. Only if the passphrase is certainly right can the file be damaged: then keep the database file for your IT support and restore the latest backup.", path_inline(.0))]
    WrongPassphrase(PathBuf),
    #[error("The passphrase file {} is not plain text (it may be saved as \"Unicode\", which is UTF-16). Nothing was changed. Save it again as plain text (UTF-8), the passphrase on its first line.", path_inline(.0))]
    PassphraseNotText(PathBuf),
    #[error("{} is open in another cutover window or program, so it cannot be written again now. Nothing was changed. Close cutover everywhere else on this PC (and any program holding the file), then run this again.", path_inline(.0))]
    OpenElsewhere(PathBuf),
    #[error("The passphrase file {} could not be read: {}. Nothing was changed.", path_inline(.path), io_reason(source))]
    PassphraseFile { path: PathBuf, source: std::io::Error },
    #[error("The passphrase file {} has nothing on its first line: the passphrase must be there. Nothing was changed.", path_inline(.0))]
    PassphraseEmpty(PathBuf),
    #[error("{} is already encrypted. Nothing was changed. To change its passphrase: cutover rekey --new-passphrase-file FILE (with the current passphrase given by --passphrase-file).", path_inline(.0))]
    AlreadyEncrypted(PathBuf),
    #[error("{} is not encrypted, so it has no passphrase to change. Nothing was changed. To encrypt it: cutover encrypt --passphrase-file FILE.", path_inline(.0))]
    NotEncrypted(PathBuf),
    #[error("The new passphrase is the same as the current one. Nothing was changed.")]
    SamePassphrase,
    #[error(
        "To encrypt the database, give the passphrase to encrypt it with: cutover encrypt --passphrase-file FILE (the file's first line is the passphrase). Nothing was changed."
    )]
    NoPassphraseGiven,
    #[error("{} is empty (0 bytes): it is not a cutover database, and cutover has not changed it. If it should hold the practice's log, it was cut short (a failed copy, a full disk): keep it for your IT support and restore the latest backup. If it was never used, delete it, then run `cutover init`.", path_inline(.0))]
    EmptyDatabaseFile(PathBuf),
    #[error("The database {} is damaged ({}). Nothing was changed. Stop using it, keep a copy of the file for your IT support, and restore the latest backup.", path_inline(.path), escape_inline(.detail))]
    Corrupt { path: PathBuf, detail: String },
    #[error("The database {} was made by a newer version of cutover (its format is version {found}; this program understands up to version {known}). Nothing was changed. Use the newer version of cutover on this file.", path_inline(.path))]
    NewerSchema { path: PathBuf, found: i64, known: i64 },
    /// A file of an older format, opened by a command that only reads: bringing it up to date
    /// would change it.
    #[error("{} was made by an older version of cutover (its format is version {found}; this program's is {known}), and this command only reads, so it does not bring the file up to date: a backup or an export stays exactly as it was made. Nothing was changed. `cutover --db {} check` checks it as it is. To read it, bring it up to date first: if it is a working database, any command that saves does (`cutover init` changes nothing else); if it is a backup, restore it to a working copy first, as \"Backups and restoring one\" in docs/practice-manager.md says.", path_inline(.path), path_inline(.path))]
    OlderFormat { path: PathBuf, found: i64, known: i64 },
    /// A save asked of a database opened by a command that only reads: a fault in the program.
    #[error("cutover opened {} only to read it, so nothing was saved to it and nothing was changed. This is a fault in the program: please tell your IT support what you were doing.", path_inline(.0))]
    OnlyReading(PathBuf),
    #[error("The database {} is read-only, so nothing can be saved to it. Nothing was changed. Ask your IT support to make the file writable, or use another --db file.", path_inline(.0))]
    ReadOnlyFile(PathBuf),
    #[error("The folder {} is read-only, so the database in it cannot be written (cutover keeps its journal beside the file). Nothing was changed. Ask your IT support to make the folder writable, or use a database in another folder.", path_inline(.0))]
    ReadOnlyFolder(PathBuf),
    #[error("cutover cannot save to {}: the disk or folder is read-only. Nothing was saved. If it is on a USB stick or memory card, check its lock switch; otherwise ask your IT support to make it writable, or use a database on another disk.", path_inline(.0))]
    ReadOnlyDisk(PathBuf),
    /// A file other than the database (a report, a copy, a rejects file) on a read-only disk.
    #[error("cutover cannot save to {}: the disk or folder is read-only, so the file was not written. Choose a folder on another disk, or ask your IT support to make this one writable (a USB stick may have a lock switch).", path_inline(.0))]
    ReadOnlyOutput(PathBuf),
    #[error("The database {} is busy: another cutover window or program {}. Nothing was changed. Try again in a moment; if it keeps happening, close other cutover windows on this file.", path_inline(.path), busy_for(*.waited_ms))]
    Busy { path: PathBuf, waited_ms: u64 },
    #[error("{} is open in another program (a spreadsheet, or antivirus or backup software){}, so cutover cannot use it. Nothing was changed. Close it in that program, or wait a moment and try again; if it keeps happening, ask your IT support to stop antivirus or backup software holding the cutover folder while cutover is in use.", path_inline(.path), held_for(*.waited_ms))]
    LockedByAnotherProgram { path: PathBuf, waited_ms: u64 },
    #[error("The database {} is on a network drive or shared folder. cutover will not keep a live database there: SQLite's locks do not hold across a network, so two computers saving at once could damage it. Nothing was changed. Keep the database on this computer's own disk (leave out --db to use your own folder); a shared folder is for passing exports and backups between computers, never for the database in use.", path_inline(.0))]
    NetworkDrive(PathBuf),
    #[error("The path {} is too long for Windows ({length} characters; cutover can use at most {longest}, with room for the files it keeps beside it). Nothing was changed. Use a folder with a shorter path, such as C:\\cutover, or a shorter file name.", path_inline(.path))]
    PathTooLong { path: PathBuf, length: usize, longest: usize },
    #[error("The disk holding {} is full, so nothing more can be saved. The last save did not happen. Free some space (or move the database to another disk) and try again.", path_inline(.0))]
    DiskFull(PathBuf),
    #[error("cutover could not use {}: {}. Check the path and its permissions.", path_inline(.path), io_reason(.source))]
    File { path: PathBuf, source: std::io::Error },
    /// `code` is SQLite's extended result code, for the diagnostic log (its words stay out of it).
    #[error("The database {} refused this change: {}. Nothing was changed.", path_inline(.path), escape_inline(.detail))]
    Refused { path: PathBuf, detail: String, code: Option<i32> },
    #[error("Something went wrong with the database {} ({}). Nothing was changed. Try again; if it happens again, run `cutover check` and tell your IT support.", path_inline(.path), escape_inline(.detail))]
    Database { path: PathBuf, detail: String, code: Option<i32> },
    /// A database error not yet placed at its file; `Error::at` turns it into one of the above.
    #[error("Something went wrong with the database ({}).", escape_inline(&.0.to_string()))]
    Sqlite(#[from] rusqlite::Error),
    #[error("cutover could not write its output: {}.", io_reason(.0))]
    Output(#[from] std::io::Error),
    #[error("{}", escape_inline(.0))]
    Csv(String),
    #[error("{}", check_findings(.0))]
    CheckFailed(Vec<crate::store::Finding>),

    // --- a setting in the environment that cannot be used: exit code 2 ---
    #[error("{0}")]
    Setting(Setting),
    // --- backups and exports: copies of the database (issue 11) ---
    /// A backup, rolling backup or export not made because the database fails the check `cutover
    /// check` makes: a copy would carry the damage over a good one, or into another database.
    #[error("{}", damaged_not_copied(.0))]
    DamagedNotCopied(Box<DamagedCopy>),
    /// The copy failed the check although the database passes it: the disk it was written to.
    #[error("The copy written to {} did not read back whole ({}) although the database passes its check, so the disk or stick it went to may be faulty. Nothing was written to {}. Copy to another folder or disk, and tell your IT support.", path_inline(.out), escape_inline(.detail), path_inline(.out))]
    CopyUnsound { out: PathBuf, detail: String },
    /// A file other than the database (a copy, a report) that does not fit on its disk.
    #[error("The disk holding {} is full, so the file was not written. Free some space on that disk, or choose a folder on another disk.", path_inline(.0))]
    OutputDiskFull(PathBuf),
    /// A rolling backup not made after a command or a screen saved: the save stands.
    #[error("{}", rolling_not_made(.cause, .newest.as_ref()))]
    RollingBackupNotMade { cause: Box<Error>, newest: Option<BackupCopy> },

    // --- the re-entry queue: refused because of where the item stands ---
    #[error("{0}")]
    Reentry(Reentry),

    // --- import, export, merge, backup (issue 5) ---
    #[error("{0}")]
    Exchange(Exchange),
    /// The practice manager's runbook (plan, checklists, services, re-check): its wording lives with it.
    #[error("{0}")]
    Runbook(crate::runbook::Refusal),
    #[error("{0}")]
    Sharing(Sharing),
}

/// What can go wrong bringing files in and out: imports, exports, merges and backups.
#[derive(Debug)]
pub enum Exchange {
    // The file given is wrong as a whole: exit code 2.
    NotUtf8 {
        path: PathBuf,
        line: u64,
    },
    WrongDelimiter {
        path: PathBuf,
        delimiter: char,
    },
    /// An Excel workbook (.xlsx or .xls), not a CSV file saved from it.
    Workbook(PathBuf),
    /// UTF-16 ("Unicode Text"), with or without a byte-order mark.
    Utf16(PathBuf),
    NulByte {
        path: PathBuf,
        line: u64,
        /// Counted from 1.
        column: usize,
        /// The column's header, when the NUL is below it.
        header: Option<String>,
    },
    /// Nothing in it but blank lines (or a byte-order mark).
    EmptyFile(PathBuf),
    /// A header row and nothing under it.
    NoRows(PathBuf),
    MissingColumns {
        path: PathBuf,
        missing: Vec<&'static str>,
        found: Vec<String>,
    },
    UnknownColumns {
        path: PathBuf,
        unknown: Vec<String>,
        allowed: Vec<&'static str>,
    },
    RepeatedColumn {
        path: PathBuf,
        field: &'static str,
        first: String,
        second: String,
    },
    BadMap(String),
    MapToUnknownField {
        given: String,
        allowed: Vec<&'static str>,
    },
    Rows {
        path: PathBuf,
        rows: Vec<RowProblem>,
        rows_total: u64,
        can_skip: bool,
    },
    AlreadyImported {
        path: PathBuf,
        earlier_file: String,
        at: String,
        by: Option<String>,
        rows: i64,
    },
    RejectsIsInput(PathBuf),
    OutputExists(PathBuf),
    OutputIsDatabase(PathBuf),
    MergeSelf(PathBuf),
    MergeMissing(PathBuf),
    MergeNotSqlite(PathBuf),
    /// An encrypted file, and this database has no passphrase.
    MergeEncrypted(PathBuf),
    /// An encrypted file that this database's passphrase does not open.
    MergeOtherPassphrase(PathBuf),
    MergeForeign(PathBuf),
    MergeNewer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    MergeCorrupt {
        path: PathBuf,
        detail: String,
    },
    MergeSharedWorkstation {
        path: PathBuf,
        entries: i64,
    },
    MergeTooMany {
        given: usize,
        most: usize,
    },
    /// Something in a file refers to a record that is neither in it nor here (one file, found as
    /// it is merged), or that none of these files holds (found at the commit, which cannot say
    /// which file): nothing of any file given was merged.
    MergeDangling(Vec<PathBuf>),
    /// Merging this file failed part-way: nothing of any file given was merged.
    MergeFailed {
        path: PathBuf,
        cause: Box<Error>,
    },
    NothingToMerge,
}

/// What a damaged database was not copied into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyKind {
    Backup(PathBuf),
    Export(PathBuf),
    Rolling,
}

/// A rolling backup beside the database, and the time of the last change it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupCopy {
    pub path: PathBuf,
    pub holds_up_to: Option<chrono::DateTime<chrono::Utc>>,
}

/// A damaged database not copied: what `check` found, and the newest rolling backup to turn to.
#[derive(Debug)]
pub struct DamagedCopy {
    pub database: PathBuf,
    pub findings: Vec<crate::store::Finding>,
    pub refused: CopyKind,
    pub newest: Option<BackupCopy>,
}

/// How many of the check's findings a refusal lists: enough to tell IT what kind of damage it is.
const FINDINGS_SHOWN: usize = 5;

fn damaged_not_copied(d: &DamagedCopy) -> String {
    let db = path_inline(&d.database);
    let mut out = match &d.refused {
        CopyKind::Backup(to) => format!(
            "The database {db} is damaged, so no backup was made: a copy would carry the damage over a good backup. Nothing was written to {}.",
            path_inline(to)
        ),
        CopyKind::Export(to) => format!(
            "The database {db} is damaged, so it was not exported: the export would carry the damage into the database it is merged into. Nothing was written to {}, and nothing was recorded in the database.",
            path_inline(to)
        ),
        CopyKind::Rolling => format!(
            "WARNING: the database {db} is damaged, so no rolling backup was made from it, and the rolling backups already made were kept as they are. What you just did is saved in the database."
        ),
    };
    out.push_str(" `cutover check` finds:");
    for f in d.findings.iter().take(FINDINGS_SHOWN) {
        out.push_str(&format!("\n  - {}", escape_inline(&f.0)));
    }
    if d.findings.len() > FINDINGS_SHOWN {
        out.push_str(&format!("\n  - and {} more", d.findings.len() - FINDINGS_SHOWN));
    }
    out.push_str("\nStop saving into this database, and tell the practice manager now. ");
    out.push_str(&restore_advice(d.newest.as_ref()));
    out
}

/// Which backup to restore, and how to tell it is sound.
fn restore_advice(newest: Option<&BackupCopy>) -> String {
    const GUIDE: &str = "as \"Backups and restoring one\" in docs/practice-manager.md says";
    match newest {
        Some(b) => format!(
            "The newest rolling backup is {}{}: make sure it is sound with `cutover --db {} check`, then restore it {GUIDE}.",
            path_inline(&b.path),
            holds_up_to(b),
            path_inline(&b.path)
        ),
        None => format!("Restore the newest backup that `cutover --db BACKUP check` calls healthy, {GUIDE}."),
    }
}

fn holds_up_to(b: &BackupCopy) -> String {
    b.holds_up_to
        .map(|t| format!(", holding what was saved up to {}", crate::domain::time::format_uk(t)))
        .unwrap_or_default()
}

/// Why a rolling backup was not made, and what to do, in words that never say a save was lost:
/// the save it followed stands.
fn backup_trouble(cause: &Error) -> (String, &'static str) {
    match cause {
        Error::OutputDiskFull(p) => (
            format!("the disk holding {} is full", path_inline(&folder_of(p))),
            "Free some space on that disk (or ask your IT support to); the next save makes the backup.",
        ),
        Error::ReadOnlyOutput(p) | Error::ReadOnlyFile(p) | Error::ReadOnlyDisk(p) => (
            format!("{} cannot be written (it is read-only)", path_inline(&folder_of(p))),
            "Ask your IT support to make it writable; the next save makes the backup.",
        ),
        Error::ReadOnlyFolder(folder) => (
            format!("{} cannot be written (it is read-only)", path_inline(folder)),
            "Ask your IT support to make it writable; the next save makes the backup.",
        ),
        Error::Busy { waited_ms, .. } => (
            format!("the database was busy for more than {}", duration(*waited_ms)),
            "Nothing needs doing: the next save tries again.",
        ),
        Error::CopyUnsound { out, detail } => (
            format!(
                "the copy written to {} did not read back whole ({}), so that disk may be faulty",
                path_inline(out),
                escape_inline(detail)
            ),
            "Tell your IT support; the next save tries again.",
        ),
        Error::File { path, source } => (
            format!("cutover could not use {}: {}", path_inline(path), io_reason(source)),
            "Check that folder and its permissions; the next save tries again.",
        ),
        other => (
            format!("the copy failed ({})", other.for_the_log()),
            "If it happens again, tell your IT support; the next save tries again.",
        ),
    }
}

fn rolling_not_made(cause: &Error, newest: Option<&BackupCopy>) -> String {
    let (why, what_to_do) = backup_trouble(cause);
    let until = match newest {
        Some(b) => format!(" Until then the newest rolling backup is {}{}.", path_inline(&b.path), holds_up_to(b)),
        None => String::new(),
    };
    format!(
        "What you just did is saved in the database. Only the rolling backup beside it could not be made: {why}. {what_to_do}{until}"
    )
}

impl Error {
    /// The line the screens keep showing after a rolling backup was not made: short, and saying
    /// what to do. `None` for any other error.
    pub fn backup_alert(&self) -> Option<String> {
        match self {
            Error::DamagedNotCopied(d) if d.refused == CopyKind::Rolling => {
                let restore = match &d.newest {
                    Some(b) => format!(
                        " The newest backup to restore is {}{}.",
                        b.path
                            .file_name()
                            .map(|n| escape_inline(&n.to_string_lossy()).into_owned())
                            .unwrap_or_default(),
                        holds_up_to(b)
                    ),
                    None => String::new(),
                };
                Some(format!(
                    "STOP: this database is damaged, so no backup of it is being made. What you saved is in it, but stop saving now and tell the practice manager.{restore} The practice manager's guide says how."
                ))
            }
            Error::RollingBackupNotMade { cause, .. } => {
                let (why, what_to_do) = backup_trouble(cause);
                Some(format!(
                    "What you saved is safe in the database; only the rolling backup could not be made: {why}. {what_to_do}"
                ))
            }
            _ => None,
        }
    }

    /// Whether this error says the database is damaged (not a backup's own trouble).
    pub fn is_damage(&self) -> bool {
        matches!(self, Error::DamagedNotCopied(_) | Error::Corrupt { .. })
    }
}

/// One bad row of an imported file: its line, the column at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: u64,
    pub column: String,
    pub reason: RowReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowReason {
    Field(Problem),
    /// A refusal of the whole row that `log` would give as an error of its own.
    Refused(String),
    WrongLength {
        found: usize,
        expected: usize,
    },
    RepeatedNhsNumber {
        first_line: u64,
    },
    NeedsConfirmation(Warning),
    /// The value looks like UTF-8 read as Windows-1252 and saved again ("SiÃ¢n" for "Siân").
    MisEncoded {
        value: String,
    },
}

impl Display for RowReason {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            RowReason::Field(problem) => write!(f, "{problem}"),
            RowReason::Refused(text) => f.write_str(&escape_inline(text)),
            RowReason::WrongLength { found, expected } => write!(
                f,
                "this row has {found} values but the header has {expected} columns (is a comma inside a value missing its quotes?)"
            ),
            RowReason::RepeatedNhsNumber { first_line } => {
                write!(f, "this NHS number is also on line {first_line}; each patient should be listed once")
            }
            RowReason::MisEncoded { value } => write!(
                f,
                "{} has garbled letters: the file looks re-saved with the wrong encoding (a spreadsheet opened it as Windows text and saved it again). Open the original file, or type the letters again, and save as \"CSV UTF-8 (Comma delimited)\"",
                quoted(value)
            ),
            RowReason::NeedsConfirmation(w) => write!(f, "{w}"),
        }
    }
}

impl Display for RowProblem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, escape_inline(&self.column), self.reason)
    }
}

impl Display for Exchange {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Exchange::NotUtf8 { path, line } => write!(
                f,
                "{} is not saved as UTF-8 text: line {line} has a character in another encoding (probably Windows-1252, which Excel calls \"CSV (Comma delimited)\"). Nothing was imported. Save the file again as UTF-8: in Excel, File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\"; in LibreOffice Calc, Save As > Text CSV, tick \"Edit filter settings\" and choose \"Unicode (UTF-8)\". Then import it again.",
                path_inline(path)
            ),
            Exchange::WrongDelimiter { path, delimiter } => write!(
                f,
                "{} separates its columns with {}, not commas. Nothing was imported. Save it again as \"CSV UTF-8 (Comma delimited)\" so that columns are separated by commas.",
                path_inline(path),
                match delimiter {
                    ';' => "semicolons".to_string(),
                    '\t' => "tabs".to_string(),
                    '|' => "vertical bars".to_string(),
                    other => format!("'{other}'"),
                }
            ),
            Exchange::Workbook(path) => write!(
                f,
                "{} is an Excel workbook, not a CSV file. Nothing was imported, and the file is not recorded as imported. Open it in Excel and save a copy as CSV: File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\" (in LibreOffice Calc, Save As > Text CSV, tick \"Edit filter settings\" and choose \"Unicode (UTF-8)\"). Then import the .csv file.",
                path_inline(path)
            ),
            Exchange::Utf16(path) => write!(
                f,
                "{} is saved as UTF-16 text (what Excel calls \"Unicode Text\"), not as UTF-8 CSV. Nothing was imported, and the file is not recorded as imported. Save it again as UTF-8: in Excel, File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\"; in LibreOffice Calc, Save As > Text CSV, tick \"Edit filter settings\" and choose \"Unicode (UTF-8)\". Then import it again.",
                path_inline(path)
            ),
            Exchange::NulByte { path, line, column, header } => write!(
                f,
                "{} has a NUL character (a zero byte, which no spreadsheet saves) at line {line}, column {column}{}. Nothing was imported, and the file is not recorded as imported. The file is damaged or is not a CSV file: save it again from the spreadsheet as \"CSV UTF-8 (Comma delimited)\", or ask for it again, then import it again.",
                path_inline(path),
                header.as_deref().map(|h| format!(" ({})", escape_inline(h))).unwrap_or_default()
            ),
            Exchange::EmptyFile(path) => write!(
                f,
                "{} is empty: it has no header row and no rows. Nothing was imported, and the file is not recorded as imported. Check it is the file you meant; a file cut short by a copy that did not finish, or saved before anything was typed, looks like this.",
                path_inline(path)
            ),
            Exchange::NoRows(path) => write!(
                f,
                "{} has a header row but no rows under it. Nothing was imported, and the file is not recorded as imported. Check it is the file you meant, and that it was saved after the rows were typed; then import it again.",
                path_inline(path)
            ),
            Exchange::MissingColumns { path, missing, found } => write!(
                f,
                "{} has no column for {}. Nothing was imported. Its columns are: {}. Rename a column, or say which one it is with --map 'Their Header=field'.",
                path_inline(path),
                missing.join(", "),
                escape_list(found)
            ),
            Exchange::UnknownColumns { path, unknown, allowed } => write!(
                f,
                "{} has {} cutover does not know: {}. Nothing was imported. The columns allowed are: {}.",
                path_inline(path),
                if unknown.len() == 1 { "a column" } else { "columns" },
                unknown.iter().map(|c| quoted(c)).collect::<Vec<_>>().join(", "),
                allowed.join(", ")
            ),
            Exchange::RepeatedColumn { path, field, first, second } => write!(
                f,
                "{} has two columns for {field}: {} and {}. Nothing was imported. Remove one, or map one to another field with --map.",
                path_inline(path),
                quoted(first),
                quoted(second)
            ),
            Exchange::BadMap(given) => write!(
                f,
                "--map needs 'Their Header=field', for example --map 'Patient Surname=family_name'; {} has no '='.",
                quoted(given)
            ),
            Exchange::MapToUnknownField { given, allowed } => {
                write!(
                    f,
                    "--map: {} is not a field of the patient list; use one of: {}.",
                    quoted(given),
                    allowed.join(", ")
                )
            }
            Exchange::Rows { path, rows, rows_total, can_skip } => {
                let bad_lines = {
                    let mut lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
                    lines.dedup();
                    lines.len()
                };
                write!(
                    f,
                    "Nothing was imported from {}: {bad_lines} of its {rows_total} rows {} problems. Please correct:",
                    path_inline(path),
                    if bad_lines == 1 { "has" } else { "have" }
                )?;
                for row in rows {
                    write!(f, "\n  - {row}")?;
                }
                // The questions are worded for the screens too; the command line's answer is here.
                if rows.iter().any(|r| matches!(r.reason, RowReason::NeedsConfirmation(_))) {
                    write!(
                        f,
                        "\nIf you have checked the rows asked about and they are right, import again with --confirm."
                    )?;
                }
                if *can_skip {
                    write!(
                        f,
                        "\nOr load the good rows now with --skip-invalid --rejects FILE.csv: the bad rows are then written to FILE.csv, with the reason, to be corrected and imported later."
                    )?;
                }
                Ok(())
            }
            Exchange::AlreadyImported { path, earlier_file, at, by, rows } => write!(
                f,
                "{} was imported already, on {}{} as {} ({rows} entries). Nothing was imported: importing it again would record every entry twice. If some rows were rejected then, import the corrected rejects file instead.",
                path_inline(path),
                escape_inline(at),
                by.as_deref().map(|b| format!(" by {}", escape_inline(b))).unwrap_or_default(),
                quoted(earlier_file)
            ),
            Exchange::RejectsIsInput(path) => write!(
                f,
                "--rejects names the file being imported ({}); it would be overwritten. Give another file name for the rejected rows.",
                path_inline(path)
            ),
            Exchange::OutputExists(path) => write!(
                f,
                "{} already exists, and cutover never overwrites a file. Give a new file name, or move the old file away first.",
                path_inline(path)
            ),
            Exchange::OutputIsDatabase(path) => {
                write!(
                    f,
                    "{} is this database itself (or one of its journal files), and cutover never writes over it. Nothing was written. Give another file name.",
                    path_inline(path)
                )
            }
            Exchange::MergeSelf(path) => write!(
                f,
                "{} is this database itself, so there is nothing to merge. Nothing was changed. Give the export files (or databases) of the other workstations.",
                path_inline(path)
            ),
            Exchange::MergeMissing(path) => write!(
                f,
                "There is no file {}. Nothing was changed. Check the name and where the file was copied to.",
                path_inline(path)
            ),
            Exchange::MergeNotSqlite(path) => write!(
                f,
                "{} is not a cutover export or database (it is not an SQLite database at all, or it is damaged). Nothing was changed. Make the export again with `cutover export --out FILE` on the workstation it came from.",
                path_inline(path)
            ),
            Exchange::MergeEncrypted(path) => write!(
                f,
                "{} is encrypted (or it is not a cutover file at all), and this database is not. Nothing was changed. Encrypt this database first with the practice's passphrase (cutover encrypt --passphrase-file FILE), then merge: an encrypted file's entries are never copied into an unencrypted database.",
                path_inline(path)
            ),
            Exchange::MergeOtherPassphrase(path) => write!(
                f,
                "{} is encrypted with another passphrase than this database's (or it is damaged). Nothing was changed. Files from another practice cannot be merged; if it is this practice's, it was made before the passphrase was changed: export it again with the current passphrase.",
                path_inline(path)
            ),
            Exchange::MergeForeign(path) => write!(
                f,
                "{} is an SQLite database, but not a cutover export or database. Nothing was changed. Check you chose the right file.",
                path_inline(path)
            ),
            Exchange::MergeNewer { path, found, known } => write!(
                f,
                "{} was made by a newer version of cutover (format version {found}; this program understands up to version {known}). Nothing was changed. Update cutover on this computer, then merge again.",
                path_inline(path)
            ),
            Exchange::MergeCorrupt { path, detail } => write!(
                f,
                "{} is damaged. Nothing was changed: nothing of it, or of any other file given with it, was merged. Make the export again on the workstation it came from (run `cutover check` there first) and merge the new file; other files can be merged without it meanwhile. What is wrong with it: {}.",
                path_inline(path),
                escape_inline(detail)
            ),
            Exchange::MergeSharedWorkstation { path, entries } => write!(
                f,
                "{} and this database were copied from one database file, so {entries} of its entries have the same reference as different entries here. Nothing was changed. On the PC whose database is the copy, run `cutover init --new-identity --workstation \"NAME\" --prefix PREFIX`: it takes its own identity and keeps everything logged on it; then merge again.",
                path_inline(path)
            ),
            Exchange::MergeTooMany { given, most } => write!(
                f,
                "{given} files were given, but one merge takes at most {most}. Nothing was changed. Merge the first {most}, then the rest with a second command: merging is safe to repeat."
            ),
            Exchange::MergeDangling(paths) => match paths.as_slice() {
                [path] => write!(
                    f,
                    "Something in {} refers to a record that neither it nor this database holds (an entry, a revision, a patient, a member of staff or a workstation), so it was damaged or edited after it was exported. Nothing was changed. Make that export again on the workstation it came from.",
                    path_inline(path)
                ),
                _ => write!(
                    f,
                    "Something in {} refers to a record that none of the files holds (an entry, a revision, a patient, a member of staff or a workstation), so a file was damaged or edited after it was exported. Nothing was changed. Merge the files one at a time to find which, then make that export again on the workstation it came from.",
                    paths.iter().map(|p| path_inline(p)).collect::<Vec<_>>().join(", ")
                ),
            },
            Exchange::MergeFailed { path, cause } => {
                write!(f, "Merging {} did not work, so none of the files given was merged: {cause}", path_inline(path))
            }
            Exchange::NothingToMerge => f.write_str("Give at least one export file to merge."),
        }
    }
}

/// A change to a re-entry item refused because of where it stands, with what to do instead. Exit
/// code 2, as every refusal of what was asked: 1 is kept for faults of the file, disk or database.
#[derive(Debug)]
pub enum Reentry {
    ClaimedBy {
        reference: String,
        staff: String,
        until: String,
    },
    /// `registration` is the blocking registration's reference; `None` means no NHS number.
    Blocked {
        reference: String,
        registration: Option<String>,
    },
    Finished {
        reference: String,
        status: &'static str,
        by: Option<String>,
        at: Option<String>,
    },
    NotClaimed {
        reference: String,
    },
    NotClaimedByYou {
        reference: String,
        staff: String,
    },
    StillOpen {
        reference: String,
    },
    RegistrationNeedsNhsNumber {
        reference: String,
    },
    NhsNumberKnown {
        reference: String,
    },
    AlreadyWaived {
        reference: String,
    },
    NhsNumberOnlyForRegistration {
        reference: String,
    },
    /// An answer to an item that is not waiting for a clinician.
    NotAQuery {
        reference: String,
        status: &'static str,
    },
    /// Only a clinician answers a query.
    AnswerNeedsClinician {
        staff: String,
    },
    /// A query named (`--to`), or a list of queries asked for (`--for`), someone who is not a clinician.
    NotAClinician {
        option: &'static str,
        staff: String,
        role: &'static str,
    },
    /// Done with no reference from the new system, which the practice's settings do not allow.
    ReferenceNeeded {
        reference: String,
    },
}

impl Reentry {
    /// What the diagnostic log may say: why the queue item was left as it was, never its details.
    fn for_the_log(&self) -> String {
        let why = match self {
            Reentry::NhsNumberOnlyForRegistration { .. } => return refused(2),
            Reentry::ClaimedBy { .. } | Reentry::NotClaimedByYou { .. } => "claimed by someone else",
            Reentry::Blocked { .. } => "blocked",
            Reentry::Finished { .. } => "already finished",
            Reentry::NotClaimed { .. } => "not claimed",
            Reentry::StillOpen { .. } => "still open",
            Reentry::RegistrationNeedsNhsNumber { .. } => "a registration with no NHS number",
            Reentry::NhsNumberKnown { .. } => "the NHS number is already known",
            Reentry::AlreadyWaived { .. } => "already waived",
            Reentry::ReferenceNeeded { .. } => "no reference from the new system",
            Reentry::NotAQuery { .. } => "not waiting for a clinician",
            Reentry::AnswerNeedsClinician { .. } => "an answer from someone who is not a clinician",
            Reentry::NotAClinician { .. } => "a query for someone who is not a clinician",
        };
        format!("queue item left as it was: {why} (exit code 2)")
    }
}

impl Display for Reentry {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let reference = escape_inline(self.reference());
        match self {
            Reentry::ClaimedBy { staff, until, .. } => write!(
                f,
                "{reference} is claimed by {} until {until}, so nothing was changed. Leave it to them; if they cannot finish it, take it over with --take-over (and tell them).",
                escape_inline(staff)
            ),
            Reentry::Blocked { registration: Some(registration), .. } => {
                let registration = escape_inline(registration);
                write!(
                    f,
                    "{reference} cannot be marked done yet: it is blocked by registration {registration}, which has not been keyed. Register the patient in the new system first and mark it done (cutover done {registration}); then this item is unblocked."
                )
            }
            Reentry::Blocked { registration: None, .. } => write!(
                f,
                "{reference} cannot be marked done yet: the patient has no NHS number. Trace the number (when their registration is keyed, give it with cutover done REGISTRATION --nhs-number NUMBER), or record why it is not needed: cutover waive {reference} --reason TEXT."
            ),
            Reentry::Finished { status, by, at, .. } => {
                write!(f, "{reference} is already {status}")?;
                match (by.as_deref().map(escape_inline), at) {
                    (Some(by), Some(at)) => write!(f, " ({by}, {at})")?,
                    (Some(by), None) => write!(f, " ({by})")?,
                    (None, Some(at)) => write!(f, " ({at})")?,
                    (None, None) => {}
                }
                write!(f, ", so nothing was changed. To work on it again, reopen it first: cutover reopen {reference}.")
            }
            Reentry::NotClaimed { .. } => {
                write!(f, "{reference} is not claimed by anyone, so there is nothing to release.")
            }
            Reentry::NotClaimedByYou { staff, .. } => write!(
                f,
                "{reference} is claimed by {}, not by you, so nothing was changed. Take it over with cutover claim {reference} --take-over if they cannot finish it.",
                escape_inline(staff)
            ),
            Reentry::StillOpen { .. } => {
                write!(f, "{reference} is still open in the queue, so there is nothing to reopen.")
            }
            Reentry::RegistrationNeedsNhsNumber { .. } => write!(
                f,
                "Registration {reference} is for a patient with no NHS number, so nothing was changed. Give the number the new system found: cutover done {reference} --nhs-number NUMBER, or say why there is none with --waive-nhs REASON."
            ),
            Reentry::NhsNumberKnown { .. } => write!(
                f,
                "The patient of {reference} already has an NHS number, so no waiver is needed; nothing was changed."
            ),
            Reentry::AlreadyWaived { .. } => {
                write!(f, "{reference} already has an NHS-number waiver; nothing was changed.")
            }
            Reentry::NhsNumberOnlyForRegistration { .. } => write!(
                f,
                "--nhs-number: {reference} is not a registration. The NHS number found by a trace is recorded when the patient's registration is marked done."
            ),
            Reentry::NotAQuery { status, .. } => write!(
                f,
                "{reference} is {status}, not waiting for a clinician, so there is no question to answer; nothing was changed."
            ),
            Reentry::AnswerNeedsClinician { staff } => write!(
                f,
                "Only a clinician can answer a query, and {} is not on the staff list with the role clinician; nothing was changed. Ask a clinician to answer it (cutover answer ID --note TEXT --as THEIR_ID).",
                escape_inline(staff)
            ),
            Reentry::NotAClinician { option, staff, role } => write!(
                f,
                "--{option}: {} is on the staff list with the role {role}, not clinician, and queries are for clinicians; nothing was changed. Name a clinician (cutover staff list shows who).",
                escape_inline(staff)
            ),
            Reentry::ReferenceNeeded { .. } => write!(
                f,
                "{reference} was not marked done: give its reference in the new system with --ref TEXT, so that it can be found there again. (A practice that keys without references can allow this: cutover init --done-without-ref yes.)"
            ),
        }
    }
}

impl Reentry {
    /// The queue item's reference, "" for a refusal about a person rather than an item.
    fn reference(&self) -> &str {
        match self {
            Reentry::ClaimedBy { reference, .. }
            | Reentry::Blocked { reference, .. }
            | Reentry::Finished { reference, .. }
            | Reentry::NotClaimed { reference }
            | Reentry::NotClaimedByYou { reference, .. }
            | Reentry::StillOpen { reference }
            | Reentry::RegistrationNeedsNhsNumber { reference }
            | Reentry::NhsNumberKnown { reference }
            | Reentry::AlreadyWaived { reference }
            | Reentry::NhsNumberOnlyForRegistration { reference }
            | Reentry::NotAQuery { reference, .. }
            | Reentry::ReferenceNeeded { reference } => reference,
            Reentry::AnswerNeedsClinician { .. } | Reentry::NotAClinician { .. } => "",
        }
    }
}

/// A setting of cutover's in the environment (set by IT, a script or a rehearsal) that cannot be
/// used. `Clock` is refused; the others are said as a note and the usual value used.
#[derive(Debug)]
pub enum Setting {
    Clock(String),
    BusyTimeout(String),
    LogLevel(String),
    LogFolderIsFile(PathBuf),
    LogFolderCannotBeMade(PathBuf),
    BlankUser,
}

impl Display for Setting {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Clock(given) => write!(
                f,
                "CUTOVER_NOW is {}, which is not a time. It sets cutover's clock for tests and rehearsals: give a time such as 27/11/2026 14:30 or 2026-11-27T14:30:00Z, or remove it to use this computer's clock. Nothing was changed.",
                quoted(given)
            ),
            Setting::BusyTimeout(given) => write!(
                f,
                "CUTOVER_BUSY_TIMEOUT_MS is {}, which is not a number of milliseconds (such as 30000 for 30 seconds), so cutover waits the usual {} for another window to finish saving.",
                quoted(given),
                duration(crate::config::DEFAULT_BUSY_TIMEOUT.as_millis() as u64)
            ),
            Setting::LogLevel(given) => write!(
                f,
                "CUTOVER_LOG is {}, which is not one of off, error, warn, info or debug, so the diagnostic log keeps its usual level (info).",
                quoted(given)
            ),
            Setting::LogFolderIsFile(dir) => write!(
                f,
                "CUTOVER_LOG_DIR is {}, which is a file, not a folder, so no diagnostic log is kept. Give a folder, or remove it to keep the log beside the database.",
                path_inline(dir)
            ),
            Setting::LogFolderCannotBeMade(dir) => write!(
                f,
                "CUTOVER_LOG_DIR is {}, which cannot be made because the folder it would go in does not exist, so no diagnostic log is kept. Give a folder that exists, or remove it to keep the log beside the database.",
                path_inline(dir)
            ),
            Setting::BlankUser => f.write_str(
                "CUTOVER_USER is set but empty, so it names no one: set it to your staff id (such as JS), or give --as.",
            ),
        }
    }
}

/// Mistakes in how a command was used, that clap cannot see.
#[derive(Debug)]
pub enum Usage {
    SetNeedsEquals(String),
    NothingToAmend,
    MissingPractice,
    DemoNeedsEmptyDatabase {
        entries: i64,
    },
    FirstStaffOnly,
    RoleUnknown(String),
    BadTime {
        option: &'static str,
        problem: Problem,
    },
    BadNhsNumber(Problem),
    BadDateOfBirth(Problem),
    BadPrefix(String),
    /// `queue --for` with a status other than the queries'.
    ForNeedsQueries(String),
}

impl Display for Usage {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Usage::SetNeedsEquals(given) => write!(
                f,
                "--set needs FIELD=VALUE, for example --set clinician=\"Dr Patel\"; {} has no '='.",
                quoted(given)
            ),
            Usage::NothingToAmend => f.write_str(
                "Nothing to change: give at least one --set FIELD=VALUE, --flag, --unflag or --patient.",
            ),
            Usage::MissingPractice => f.write_str(
                "This database has no practice name yet: run `cutover init --practice \"Practice name\"` first.",
            ),
            Usage::DemoNeedsEmptyDatabase { entries } => write!(
                f,
                "This database already holds {entries} entries. Demo data only goes into an empty database, so that it is never mixed with real records: give a new file with --db."
            ),
            Usage::FirstStaffOnly => f.write_str(
                "Only the first member of staff can be added without --as; after that, say who is adding them with --as.",
            ),
            Usage::RoleUnknown(role) => write!(
                f,
                "{} is not a role: use reception, clinician, admin or manager.",
                quoted(role)
            ),
            Usage::BadTime { option, problem } => write!(f, "{option}: {problem}"),
            Usage::BadNhsNumber(problem) => write!(f, "NHS number: {problem}"),
            Usage::BadDateOfBirth(problem) => write!(f, "Date of birth: {problem}"),
            Usage::BadPrefix(prefix) => write!(
                f,
                "{} cannot be a workstation prefix: use 1 to 4 letters or digits, such as R2 or C1.",
                quoted(prefix)
            ),
            Usage::ForNeedsQueries(status) => write!(
                f,
                "--for lists the queries waiting for a clinician, so it goes with --status query (or no --status), not --status {}.",
                escape_inline(status)
            ),
        }
    }
}

pub use crate::domain::Warning;

impl Display for Warning {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Warning::InFuture { label, when, .. } => write!(
                f,
                "{}, {when}, is in the future. Check the date.",
                time_label(label)
            ),
            Warning::BeforeFdp { when, fdp, .. } => write!(
                f,
                "the time it happened, {when}, is before the final data production ({fdp}), so the old system may already hold it. Check the date."
            ),
            Warning::SummarisationDuringCutover => f.write_str(
                "the migration guidance says to pause summarisation and routine data entry during cutover. The entry is saved; it will come last in the re-entry queue.",
            ),
            Warning::NoNhsNumber => f.write_str(
                "this patient has no NHS number yet. They will need tracing (or a waiver) before their entries can be marked done after go-live.",
            ),
            Warning::PossibleDuplicate { existing } => write!(
                f,
                "this may be the same person as {}. Both records are kept; check them before go-live.",
                escape_inline(existing)
            ),
            Warning::PatientDetailsDiffer { nhs_number } => write!(
                f,
                "the name or date of birth given differs from what cutover already holds for NHS number {}. The entry is logged against the NHS number; check it is the right person.",
                escape_inline(nhs_number)
            ),
            Warning::NhsNumberHeldByOther { nhs_number, held, typed } => {
                let (nhs_number, held, typed) = (escape_inline(nhs_number), escape_inline(held), escape_inline(typed));
                write!(
                f,
                "NHS number {nhs_number} belongs to {held}, but the details typed with it are {typed}. Check the number: if it is right, the entry goes with {held} and that record is not changed (the difference is kept in the audit trail); if it is wrong, correct it."
            )
            }
            Warning::SameDetailsAsTraced { existing } => write!(
                f,
                "{} has the same name and date of birth. If this is them, give their NHS number; if it is a different person, saying yes adds a separate record for them.",
                escape_inline(existing)
            ),
            Warning::AlreadyHeld { existing, kept_apart: false } => write!(
                f,
                "{} is already in cutover. If this registration is theirs, saying yes links it to that record.",
                escape_inline(existing)
            ),
            Warning::AlreadyHeld { existing, kept_apart: true } => write!(
                f,
                "{} has the same name and date of birth and is already in cutover. Saying yes adds a record for the NHS number typed; if they are one person, the two records can be joined afterwards.",
                escape_inline(existing)
            ),
            Warning::NameDiffersOnlyByAccents { typed, held } => write!(
                f,
                "the name typed, {}, differs from the record's, {}, only in its accents, so the entry is linked to that record. Check it is the right person; the record keeps its own spelling.",
                quoted(typed),
                quoted(held)
            ),
            Warning::PatientRecordCorrected { record } => write!(
                f,
                "the patient record now reads {}, as the registration does. Every entry linked to that record goes with it.",
                escape_inline(record)
            ),
            Warning::TracedNumberHeldByOther { nhs_number, holder } => write!(
                f,
                "NHS number {} already belongs to {}, another patient in cutover. Check the number the new system traced: if both records are one person, they can be joined into one.",
                escape_inline(nhs_number),
                escape_inline(holder)
            ),
        }
    }
}

impl Display for Problem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Required => f.write_str("is required"),
            Problem::TooLong { max, actual } => {
                write!(f, "is {actual} characters long; at most {max} are allowed")
            }
            Problem::NotInList { allowed } => write!(f, "must be one of: {}", allowed.join(", ")),
            Problem::NotYesNo => f.write_str("must be yes or no"),
            Problem::NotAWholeNumber => f.write_str("must be a whole number"),
            Problem::NotANumber => f.write_str("must be a number, like 28 or 2.5"),
            Problem::OutOfRange { min, max } if *max == i64::MAX => write!(f, "must be {min} or more"),
            Problem::OutOfRange { min, max } => write!(f, "must be from {min} to {max}"),
            Problem::NhsNumberLength { digits } => write!(
                f,
                "an NHS number has 10 digits; this has {digits}. Check it against the patient's letter or card"
            ),
            Problem::NhsNumberNotDigits => {
                f.write_str("an NHS number is 10 digits (spaces and dashes are fine); this has other characters")
            }
            Problem::NhsNumberImpossible | Problem::NhsNumberCheckDigit => f.write_str(
                "this is not a valid NHS number: its check digit does not match, so a digit is probably mistyped. Check it, or leave it out and give the name and date of birth",
            ),
            Problem::NhsNumberPlaceholder => f.write_str(
                "this is a placeholder, not a real NHS number: numbers like 999 999 9999, 000 000 0000 or 012 345 6789 are never issued, and every patient given one would share a record. Give the patient's own NHS number, or leave it out and give the name and date of birth",
            ),
            Problem::SnomedFormat => f.write_str(
                "a SNOMED CT code is 6 to 18 digits (optionally followed by its term), codes separated by ';'",
            ),
            Problem::SnomedCheckDigit { id } => write!(
                f,
                "{} is not a valid SNOMED CT code: its check digit does not match, so a digit is probably mistyped",
                escape_inline(id)
            ),
            Problem::UbrnFormat => f.write_str("a UBRN (e-Referral booking number) is 12 digits"),
            // Both hints fit under a field of the entry form on an 80-column screen; the user guide
            // lists every form accepted.
            Problem::DateFormat => f.write_str(DATE_HINT),
            Problem::TimeFormat => f.write_str(TIME_HINT),
            Problem::DateDoesNotExist { day, month, year } => {
                write!(f, "{day:02}/{month:02}/{year} is not a real date")
            }
            Problem::SkippedByClockChange { local } => write!(
                f,
                "{local} did not happen in the UK: the clocks went forward an hour that night (01:00 became 02:00). Check the time; perhaps it was an hour later"
            ),
            Problem::WrongZoneSuffix { local, suffix } => write!(
                f,
                "{local} was not in {suffix}; leave out {suffix} unless the time is in the hour repeated when the clocks go back"
            ),
            Problem::GoLiveBeforeFdp { fdp } => {
                write!(f, "go-live must come after the final data production ({fdp})")
            }
            Problem::DateOfBirthInFuture => f.write_str("a date of birth cannot be in the future"),
            Problem::PatientNotWanted => f.write_str(
                "a dispensary stock entry is about a patient only when it records stock dispensed to one: leave the patient out, or set movement to dispensed",
            ),
            Problem::DateOfBirthTooOld => f.write_str("a date of birth more than 130 years ago is surely a typing slip"),
            Problem::PostcodeFormat => f.write_str("is not a UK postcode (like LS1 4AP)"),
            Problem::PhoneFormat => f.write_str("a phone number is digits, with spaces, +, - or brackets if you like"),
            Problem::PhoneLostLeadingZero => f.write_str(
                "a UK number starts with 0: did a spreadsheet drop it? Type it with its 0 (07700 900123), or with +44 for a number given in international form",
            ),
            Problem::PrefixFormat => f.write_str("use 1 to 4 letters or digits, such as R2 or C1"),
            Problem::StaffIdFormat => {
                f.write_str("a staff id is 1 to 12 letters or digits, usually initials like JS")
            }
            Problem::StaffIdTaken { id } => {
                let id = escape_inline(id);
                write!(f, "{id} is already someone's id: add a digit, such as {id}2")
            }
            Problem::NotOnStaffList { id } => {
                write!(f, "there is no member of staff with the id {}; `cutover staff list` shows them", quoted(id))
            }
            Problem::UnknownField { kind, allowed } => write!(
                f,
                "is not a field of a {kind} entry; its fields are: {}",
                allowed.join(", ")
            ),
            Problem::UnknownKind { allowed } => write!(f, "is not a kind of entry; the kinds are: {}", allowed.join(", ")),
            Problem::UnknownFlag { allowed } => write!(f, "is not a flag; the flags are: {}", allowed.join(", ")),
        }
    }
}

impl Exchange {
    /// What the diagnostic log may say: see `Error::for_the_log`.
    fn for_the_log(&self) -> String {
        match self {
            Exchange::MergeMissing(_) => "merge file not found".to_string(),
            Exchange::MergeNotSqlite(_) => "merge file is not an SQLite database".to_string(),
            Exchange::MergeEncrypted(_) => "merge file encrypted and no passphrase given".to_string(),
            Exchange::MergeOtherPassphrase(_) => "merge file encrypted with another passphrase".to_string(),
            Exchange::MergeCorrupt { detail, .. } => format!("merge file damaged: {}", integrity_detail(detail)),
            Exchange::MergeNewer { found, known, .. } => {
                format!("merge file made by a newer version (format {found}; this program knows up to {known})")
            }
            Exchange::MergeSharedWorkstation { entries, .. } => {
                format!("merge file shares this workstation's prefix ({entries} entries)")
            }
            Exchange::MergeDangling(paths) => format!("merge refused: {} files refer to missing records", paths.len()),
            Exchange::MergeFailed { cause, .. } => format!("merge failed: {}", cause.for_the_log()),
            _ => refused(self.exit_code()),
        }
    }

    /// 2 when the file given is wrong and can be corrected; 1 when a file is damaged or missing.
    pub fn exit_code(&self) -> u8 {
        match self {
            Exchange::MergeMissing(_)
            | Exchange::MergeNotSqlite(_)
            | Exchange::MergeEncrypted(_)
            | Exchange::MergeOtherPassphrase(_)
            | Exchange::MergeCorrupt { .. }
            | Exchange::MergeNewer { .. }
            | Exchange::MergeSharedWorkstation { .. }
            | Exchange::MergeDangling(_) => 1,
            Exchange::MergeFailed { cause, .. } => cause.exit_code(),
            _ => 2,
        }
    }
}

/// "When it happened" reads as "the time it happened" in a sentence; other labels as they are.
fn time_label(label: &str) -> String {
    if label == "When it happened" { "the time it happened".to_string() } else { format!("\"{label}\"") }
}

/// What a badly typed date or time is told: a few examples, short enough for one line under a form
/// field (46 characters on an 80-column screen).
const DATE_HINT: &str = "is not a date: try 30/01/1941 or 1941-01-30";
const TIME_HINT: &str = "is not a time: try 14:30, 2.30pm or 29/11 9am";

fn invalid_entry(problems: &[FieldProblem]) -> String {
    let mut out = String::from("Nothing was saved. Please correct:");
    for p in problems {
        out.push_str(&format!("\n  - {}: {}", escape_inline(&p.field), p.problem));
    }
    out
}

fn needs_confirmation(warnings: &[Warning]) -> String {
    let mut out = String::from("Nothing was saved yet:");
    for w in warnings {
        out.push_str(&format!("\n  - {w}"));
    }
    let about_patient = warnings.iter().any(Warning::is_about_the_patient);
    let about_time = warnings.iter().any(|w| w.needs_confirmation() && !w.is_about_the_patient());
    out.push_str(match (about_time, about_patient) {
        (true, false) => "\nIf the time is right, run the command again with --confirm.",
        (false, true) => "\nIf you have checked and it is right, run the command again with --confirm.",
        _ => "\nIf you have checked and everything above is right, run the command again with --confirm.",
    });
    // The questions name no command (the screens show them too); the command line says how to join.
    let about_joining = warnings
        .iter()
        .any(|w| matches!(w, Warning::AlreadyHeld { kept_apart: true, .. } | Warning::TracedNumberHeldByOther { .. }));
    if about_joining {
        out.push_str("\nTwo records that are one person are joined with `cutover patients join`.");
    }
    out
}

fn list_lines(lines: &[String]) -> String {
    lines.iter().map(|l| format!("\n  - {}", escape_inline(l))).collect()
}

/// Why two patient records cannot be joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinRefusal {
    SameRecord,
    ReasonRequired,
    DifferentNhsNumbers { keep: String, other: String },
    NumberOnTheOther { other: String, other_id: String, keep_id: String },
    AlreadyJoined { id: String, into: String },
}

impl Display for JoinRefusal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            JoinRefusal::SameRecord => f.write_str("the two ids are the same record."),
            JoinRefusal::ReasonRequired => {
                f.write_str("say why the records are one person with --reason (it is kept in the audit trail).")
            }
            JoinRefusal::DifferentNhsNumbers { keep, other } => write!(
                f,
                "the records have different NHS numbers ({} and {}), so they are two people as far as the NHS is concerned. If one number is wrong, it must be corrected on the new system; cutover never joins them.",
                escape_inline(keep),
                escape_inline(other)
            ),
            JoinRefusal::NumberOnTheOther { other, other_id, keep_id } => write!(
                f,
                "only the second record has an NHS number ({}); keep that one: `cutover patients join {} {} --reason ...`.",
                escape_inline(other),
                escape_inline(other_id),
                escape_inline(keep_id)
            ),
            JoinRefusal::AlreadyJoined { id, into } => {
                write!(
                    f,
                    "record {} was already joined into record {}; use that one.",
                    escape_inline(id),
                    escape_inline(into)
                )
            }
        }
    }
}

/// What `check` found, and what to do: `check` prints it as its report.
pub fn check_findings(findings: &[crate::store::Finding]) -> String {
    let mut out = String::from("The database has problems:");
    for f in findings {
        out.push_str(&format!("\n  - {}", escape_inline(&f.0)));
    }
    out.push_str("\nKeep using it only if your IT support agrees. Keep a copy of the file, and restore the latest backup if entries look wrong.");
    out
}

fn known_staff(known: &[String]) -> String {
    if known.is_empty() {
        " No staff have been added yet: add the first with `cutover staff add ID --name NAME --role ROLE`.".to_string()
    } else {
        format!(" Staff on this database: {}.", escape_list(known))
    }
}

/// How long the other writer held the database, as far as this one waited.
fn busy_for(waited_ms: u64) -> String {
    match waited_ms {
        0 => "is writing to it".to_string(),
        ms => format!("has been writing to it for more than {}", duration(ms)),
    }
}

/// "1 millisecond", "40 milliseconds", "1 second", "1.5 seconds", "2 minutes": a wait in words,
/// never rounded up (it follows "more than").
fn duration(ms: u64) -> String {
    let plural = |n: u64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    match ms {
        ms if ms < 1000 => plural(ms, "millisecond"),
        ms if ms % 60_000 == 0 => plural(ms / 60_000, "minute"),
        ms if ms % 1000 < 100 => plural(ms / 1000, "second"),
        ms => format!("{}.{} seconds", ms / 1000, ms % 1000 / 100),
    }
}

/// ", which did not let go of it within 10 seconds", when cutover waited.
fn held_for(ms: u64) -> String {
    if ms == 0 { String::new() } else { format!(", which did not let go of it within {}", duration(ms)) }
}

fn io_reason(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "it does not exist",
        PermissionDenied => "permission was denied",
        AlreadyExists => "it already exists",
        StorageFull => "the disk is full",
        ReadOnlyFilesystem => "the disk is read-only",
        IsADirectory => "it is a folder, not a file",
        NotADirectory => "part of the path is a file, not a folder",
        BrokenPipe => "the program reading the output stopped",
        _ => "the operating system reported an input/output error",
    }
}

impl Error {
    /// What the diagnostic log may say about this error: its kind in words and facts that are safe
    /// to keep, never a path someone chose (a file name can be a patient's name), nor SQLite's own
    /// words (they can quote a search), nor the message of a refusal of what was typed (it can
    /// quote a patient's details), which is named by its exit code alone.
    pub fn for_the_log(&self) -> String {
        match self {
            Error::DatabaseMissing(_) => "no database at the path given".to_string(),
            Error::FolderMissing(_) => "the database's folder does not exist".to_string(),
            Error::NotADatabase(_) => "the database file is not an SQLite database".to_string(),
            Error::ForeignDatabase(_) => "the database file belongs to another program".to_string(),
            Error::PassphraseNeeded(_) => "the database is encrypted and no passphrase was given".to_string(),
            Error::WrongPassphrase(_) => "the passphrase is not right for the database".to_string(),
            Error::PassphraseFile { source, .. } => format!("passphrase file not read: {}", io_reason(source)),
            Error::PassphraseEmpty(_) => "passphrase file empty".to_string(),
            Error::PassphraseNotText(_) => "passphrase file not UTF-8 text".to_string(),
            Error::OpenElsewhere(_) => "database open elsewhere: not written again".to_string(),
            Error::AlreadyEncrypted(_) => "database already encrypted".to_string(),
            Error::NotEncrypted(_) => "database not encrypted".to_string(),
            Error::SamePassphrase => "new passphrase same as the current one".to_string(),
            Error::NoPassphraseGiven => "no passphrase given to encrypt with".to_string(),
            Error::EmptyDatabaseFile(_) => "the database file is empty".to_string(),
            Error::Corrupt { detail, .. } => format!("database damaged: {}", integrity_detail(detail)),
            Error::NewerSchema { found, known, .. } => {
                format!("database made by a newer version (format {found}; this program knows up to {known})")
            }
            Error::OlderFormat { found, known, .. } => {
                format!(
                    "database of an older format refused by a reading command (format {found}; this program's is {known})"
                )
            }
            Error::OnlyReading(_) => "a save asked of a database opened only to read".to_string(),
            Error::ReadOnlyFile(_) => "database file read-only".to_string(),
            Error::ReadOnlyFolder(_) => "database folder read-only".to_string(),
            Error::ReadOnlyDisk(_) => "database on a read-only disk".to_string(),
            Error::ReadOnlyOutput(_) => "could not write a file: read-only disk".to_string(),
            Error::Busy { waited_ms, .. } => format!("database busy (waited {waited_ms} ms)"),
            Error::DiskFull(_) => "disk full".to_string(),
            Error::LockedByAnotherProgram { waited_ms, .. } => {
                format!("file held open by another program (waited {waited_ms} ms)")
            }
            Error::NetworkDrive(_) => "database on a network drive: refused".to_string(),
            Error::PathTooLong { length, longest, .. } => format!("path too long ({length} of at most {longest})"),
            Error::File { source, .. } => format!("could not use a file ({:?})", source.kind()),
            Error::Refused { code, .. } => with_code("database refused a change", *code),
            Error::Database { code, .. } => with_code("database error", *code),
            Error::Sqlite(e) => sqlite_category(e),
            Error::Output(e) => format!("could not write the output ({:?})", e.kind()),
            Error::Csv(_) => "could not write the output as CSV".to_string(),
            Error::CheckFailed(findings) => format!("check found problems: {}", findings.len()),
            Error::DamagedNotCopied(d) => format!(
                "database damaged, not copied: check found problems: {} (first: {})",
                d.findings.len(),
                d.findings.first().map(|f| integrity_detail(&f.0)).unwrap_or_default()
            ),
            Error::CopyUnsound { detail, .. } => format!("copy failed its check: {}", integrity_detail(detail)),
            Error::OutputDiskFull(_) => "disk full (a file written)".to_string(),
            Error::RollingBackupNotMade { cause, .. } => format!("rolling backup not made: {}", cause.for_the_log()),
            Error::Reentry(e) => e.for_the_log(),
            Error::Exchange(e) => e.for_the_log(),
            Error::Runbook(e) => e.for_the_log(),
            Error::Sharing(e) => e.for_the_log(),
            // What was typed, refused (the list is in `exit_code`): its message can quote a patient's
            // details, so only the exit code is logged. A variant added later lands here too, the
            // safe side, until someone decides it may say more.
            _ => refused(self.exit_code()),
        }
    }

    /// 2 for anything the user can correct in what they typed; 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_)
            | Error::NeedsConfirmation(_)
            | Error::NoStaffGiven { .. }
            | Error::UnknownStaff { .. }
            | Error::StaffExists { .. }
            | Error::EntryNotFound(_)
            | Error::AmbiguousEntry { .. }
            | Error::ReferenceOfSeveral { .. }
            | Error::AmbiguousPatient { .. }
            | Error::PatientRecordNotFound(_)
            | Error::CannotJoin(_)
            | Error::PatientNotFound(_)
            | Error::EntryVoided { .. }
            | Error::DraftGone
            | Error::ChangedMeanwhile { .. }
            | Error::InvalidOption(_)
            | Error::Usage(_)
            | Error::AlreadyEncrypted(_)
            | Error::NotEncrypted(_)
            | Error::SamePassphrase
            | Error::NoPassphraseGiven
            | Error::Setting(_)
            // Refused by where the item stands: what was asked, not a fault (see user-guide §8).
            | Error::Reentry(_) => 2,
            Error::Exchange(e) => e.exit_code(),
            Error::Runbook(e) => e.exit_code(),
            Error::Sharing(e) => e.exit_code(),
            _ => 1,
        }
    }

    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// Places a raw database error at the file it happened to, in words a practice manager can act on.
    pub fn at(self, path: &Path) -> Error {
        let Error::Sqlite(e) = self else { return self };
        let path = path.to_path_buf();
        let detail = sqlite_detail(&e);
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => Error::NotADatabase(path),
            Some(ErrorCode::DatabaseCorrupt) => Error::Corrupt { path, detail },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                Error::Busy { path, waited_ms: crate::config::busy_timeout().as_millis() as u64 }
            }
            // SQLite says "read-only" or "unable to open" when it cannot write its journal beside
            // the file: the disk, the file or the folder, whichever it is, is named.
            Some(ErrorCode::ReadOnly) => read_only_at(&path).unwrap_or(match sqlite_code(&e) {
                Some(rusqlite::ffi::SQLITE_READONLY_DIRECTORY) => Error::ReadOnlyFolder(folder_of(&path)),
                _ => Error::ReadOnlyFile(path),
            }),
            Some(ErrorCode::CannotOpen) => {
                read_only_at(&path).unwrap_or(Error::Database { path, detail, code: sqlite_code(&e) })
            }
            Some(ErrorCode::DiskFull) => Error::DiskFull(path),
            Some(ErrorCode::ConstraintViolation) => Error::Refused { path, detail, code: sqlite_code(&e) },
            // Windows: antivirus or backup software holding the file past SQLite's own retries.
            _ if crate::platform::locked_by_another_program(&path) => {
                Error::LockedByAnotherProgram { path, waited_ms: crate::config::busy_timeout().as_millis() as u64 }
            }
            _ => Error::Database { path, detail, code: sqlite_code(&e) },
        }
    }
}

impl Error {
    /// Places a raw database error met while writing a copy (a backup, an export) at the copy: a
    /// full or read-only disk is the copy's, and the message says the file was not written, never
    /// that a save was lost.
    pub fn at_copy(self, copy: &Path) -> Error {
        let Error::Sqlite(e) = &self else { return self };
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Error::OutputDiskFull(copy.to_path_buf()),
            Some(ErrorCode::ReadOnly) => Error::ReadOnlyOutput(copy.to_path_buf()),
            _ => self.at(copy),
        }
    }

    /// A file could not be used: a read-only disk is said as such, in words for the practice.
    pub fn file(path: &Path, source: std::io::Error) -> Error {
        match source.kind() {
            std::io::ErrorKind::ReadOnlyFilesystem => Error::ReadOnlyOutput(path.to_path_buf()),
            std::io::ErrorKind::StorageFull => Error::OutputDiskFull(path.to_path_buf()),
            _ if crate::platform::locked_by_another_program(path) => {
                Error::LockedByAnotherProgram { path: path.to_path_buf(), waited_ms: 0 }
            }
            _ => Error::File { path: path.to_path_buf(), source },
        }
    }

    /// `path` is longer than SQLite can open here (see `platform::path_too_long`).
    pub fn path_too_long(path: &Path) -> Error {
        let length = crate::platform::path_length(path);
        Error::PathTooLong { path: path.to_path_buf(), length, longest: crate::platform::LONGEST_USABLE_PATH }
    }

    /// The same refusal again, for a database found read-only when it was opened.
    pub fn read_only_again(&self) -> Option<Error> {
        match self {
            Error::ReadOnlyFile(p) => Some(Error::ReadOnlyFile(p.clone())),
            Error::ReadOnlyFolder(p) => Some(Error::ReadOnlyFolder(p.clone())),
            Error::ReadOnlyDisk(p) => Some(Error::ReadOnlyDisk(p.clone())),
            Error::OnlyReading(p) => Some(Error::OnlyReading(p.clone())),
            _ => None,
        }
    }
}

/// The folder a database file is in ("." for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Why the database at `path` cannot be written, if it is the disk, the file or its folder.
pub fn read_only_at(path: &Path) -> Option<Error> {
    let folder = folder_of(path);
    let on_disk = if path.exists() { path } else { folder.as_path() };
    if crate::files::on_read_only_disk(on_disk) {
        Some(Error::ReadOnlyDisk(path.to_path_buf()))
    } else if crate::files::marked_read_only(path) {
        Some(Error::ReadOnlyFile(path.to_path_buf()))
    } else if crate::files::marked_read_only(&folder) {
        Some(Error::ReadOnlyFolder(folder))
    } else {
        None
    }
}

/// The log's words for a refusal of what was typed: its message could quote a patient's details.
fn refused(exit_code: u8) -> String {
    format!("refused (exit code {exit_code})")
}

fn with_code(what: &str, code: Option<i32>) -> String {
    match code {
        Some(code) => format!("{what} (SQLite code {code})"),
        None => what.to_string(),
    }
}

/// SQLite's extended result code, when the error came from SQLite itself.
fn sqlite_code(e: &rusqlite::Error) -> Option<i32> {
    match e {
        rusqlite::Error::SqliteFailure(err, _) => Some(err.extended_code),
        _ => None,
    }
}

/// A raw database error's kind for the log, by its code alone.
fn sqlite_category(e: &rusqlite::Error) -> String {
    let what = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => "database busy",
        Some(ErrorCode::DiskFull) => "disk full",
        Some(ErrorCode::DatabaseCorrupt) => "database damaged",
        Some(ErrorCode::NotADatabase) => "not an SQLite database",
        Some(ErrorCode::ReadOnly) => "database read-only",
        Some(ErrorCode::ConstraintViolation) => "database refused a change",
        _ => "database error",
    };
    with_code(what, sqlite_code(e))
}

/// What an integrity check or SQLite said of a damaged database: about pages, rows and indexes,
/// never their contents. Kept to one short line.
fn integrity_detail(detail: &str) -> String {
    const MOST: usize = 200;
    let line = detail.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(MOST) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line,
    }
}

fn sqlite_detail(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
        rusqlite::Error::SqliteFailure(err, None) => err.to_string(),
        other => other.to_string(),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Tester's fault A: the screens show the patient questions as they are worded, so they name
    /// no command or option; only the command line's closing lines do.
    #[test]
    fn patient_questions_name_no_command_or_option_and_the_command_line_adds_how() {
        let who = "JONES, Siân (03/04/1950) 943 476 5919".to_string();
        let questions = [
            Warning::NhsNumberHeldByOther { nhs_number: "943 476 5919".into(), held: who.clone(), typed: who.clone() },
            Warning::SameDetailsAsTraced { existing: who.clone() },
            Warning::AlreadyHeld { existing: who.clone(), kept_apart: false },
            Warning::AlreadyHeld { existing: who.clone(), kept_apart: true },
            Warning::TracedNumberHeldByOther { nhs_number: "943 476 5919".into(), holder: who.clone() },
        ];
        for q in &questions {
            let said = q.to_string();
            assert!(!said.contains("--") && !said.contains("cutover "), "{said}");
        }
        let command_line = Error::NeedsConfirmation(questions[3..].to_vec()).to_string();
        assert!(command_line.ends_with("`cutover patients join`."), "{command_line}");
        assert!(command_line.contains("run the command again with --confirm"), "{command_line}");
    }

    #[test]
    fn date_and_time_hints_fit_under_a_form_field_on_an_80_column_screen() {
        // 80 columns less the form's border (2), label column (30) and "↳ " (2).
        for problem in [Problem::DateFormat, Problem::TimeFormat] {
            let text = problem.to_string();
            let columns = crate::domain::text::width(&text);
            assert!(columns <= 46, "{text:?} is {columns} columns wide");
        }
    }

    #[test]
    fn invalid_input_lists_every_field() {
        let e = Error::Invalid(vec![
            FieldProblem::new("summary", Problem::Required),
            FieldProblem::new("ubrn", Problem::UbrnFormat),
        ]);
        assert_eq!(
            e.to_string(),
            "Nothing was saved. Please correct:\n  - summary: is required\n  - ubrn: a UBRN (e-Referral booking number) is 12 digits"
        );
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn database_faults_exit_with_one_and_never_show_debug_text() {
        let raw = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(26), Some("file is not a database".into()));
        let e = Error::Sqlite(raw).at(Path::new("/tmp/x.db"));
        assert!(matches!(e, Error::NotADatabase(_)));
        assert_eq!(e.exit_code(), 1);
        assert!(!e.to_string().contains("SqliteFailure"));
    }

    fn sqlite_failure(code: i32, words: &str) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some(words.into()))
    }

    /// Windows: SQLite gives up on a file antivirus or backup software holds, after its own retries.
    #[cfg(windows)]
    #[test]
    fn sqlite_failing_on_a_file_another_program_holds_is_said_as_such() {
        use std::os::windows::fs::OpenOptionsExt;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("cutover.db");
        std::fs::write(&db, b"").unwrap();
        let held = std::fs::OpenOptions::new().read(true).share_mode(0).open(&db).unwrap();
        let io = Error::Sqlite(sqlite_failure(266, "disk I/O error")).at(&db);
        assert!(matches!(&io, Error::LockedByAnotherProgram { path, .. } if *path == db), "{io:?}");
        let constraint = Error::Sqlite(sqlite_failure(19, "constraint failed")).at(&db);
        assert!(matches!(constraint, Error::Refused { .. }), "a refusal stays a refusal");
        drop(held);
        assert!(matches!(Error::Sqlite(sqlite_failure(266, "disk I/O error")).at(&db), Error::Database { .. }));
    }

    #[cfg(unix)]
    #[test]
    fn sqlite_refusing_to_write_is_said_as_a_read_only_file_or_folder() {
        use crate::platform::set_mode;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("cutover.db");
        std::fs::write(&db, b"").unwrap();
        // SQLITE_READONLY, and SQLITE_READONLY_DIRECTORY: the journal cannot be made beside the file.
        let plain = Error::Sqlite(sqlite_failure(8, "attempt to write a readonly database")).at(&db);
        assert!(matches!(&plain, Error::ReadOnlyFile(p) if *p == db), "{plain:?}");
        let folder = Error::Sqlite(sqlite_failure(1544, "attempt to write a readonly database")).at(&db);
        assert!(matches!(&folder, Error::ReadOnlyFolder(p) if p == dir.path()), "{folder:?}");
        // SQLITE_CANTOPEN is read-only only when the file or its folder is; otherwise it stays itself.
        let cant_open = || Error::Sqlite(sqlite_failure(14, "unable to open database file")).at(&db);
        assert!(matches!(cant_open(), Error::Database { .. }));
        set_mode(dir.path(), 0o555);
        let in_read_only_folder = cant_open();
        set_mode(dir.path(), 0o755);
        assert!(matches!(&in_read_only_folder, Error::ReadOnlyFolder(p) if p == dir.path()), "{in_read_only_folder:?}");
        assert_eq!(in_read_only_folder.exit_code(), 1);
        // SQLITE_READONLY_CANTINIT (the shared-memory file cannot be made): a read-only file is named.
        set_mode(&db, 0o444);
        let cant_init = Error::Sqlite(sqlite_failure(1288, "attempt to write a readonly database")).at(&db);
        assert!(matches!(&cant_init, Error::ReadOnlyFile(p) if *p == db), "{cant_init:?}");
    }

    #[test]
    fn a_file_on_a_read_only_disk_is_said_in_words() {
        let erofs = std::io::Error::from(std::io::ErrorKind::ReadOnlyFilesystem);
        let e = Error::file(Path::new("/media/usb/report.html"), erofs);
        assert_eq!(
            e.to_string(),
            "cutover cannot save to /media/usb/report.html: the disk or folder is read-only, so the file was not written. Choose a folder on another disk, or ask your IT support to make this one writable (a USB stick may have a lock switch)."
        );
        assert_eq!((e.exit_code(), e.for_the_log().as_str()), (1, "could not write a file: read-only disk"));
        let db = Error::ReadOnlyDisk(PathBuf::from("/media/usb/cutover.db"));
        assert!(db.to_string().starts_with(
            "cutover cannot save to /media/usb/cutover.db: the disk or folder is read-only. Nothing was saved."
        ));
        let other = Error::file(Path::new("/x"), std::io::Error::from(std::io::ErrorKind::NotFound));
        assert!(matches!(other, Error::File { .. }));
    }

    #[test]
    fn the_log_names_a_file_fault_by_its_kind_not_its_path() {
        let e = Error::File {
            path: PathBuf::from("/home/reception/smith_john.csv"),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert_eq!(e.for_the_log(), "could not use a file (NotFound)");
        let e = Error::DatabaseMissing(PathBuf::from("/home/reception/smith_john.db"));
        assert_eq!(e.for_the_log(), "no database at the path given");
        let e = Error::Busy { path: PathBuf::from("/home/reception/smith_john.db"), waited_ms: 5000 };
        assert_eq!(e.for_the_log(), "database busy (waited 5000 ms)");
        assert_eq!(Error::DiskFull(PathBuf::from("/smith_john.db")).for_the_log(), "disk full");
    }

    #[test]
    fn a_wait_is_said_in_words_that_fit_it() {
        let said = |ms| duration(ms);
        assert_eq!(
            [1, 40, 999, 1000, 1099, 1500, 2049, 10_000, 59_900, 60_000, 120_000, 90_000].map(said),
            [
                "1 millisecond",
                "40 milliseconds",
                "999 milliseconds",
                "1 second",
                "1 second",
                "1.5 seconds",
                "2 seconds",
                "10 seconds",
                "59.9 seconds",
                "1 minute",
                "2 minutes",
                "90 seconds",
            ]
        );
        assert_eq!(busy_for(0), "is writing to it");
    }

    #[test]
    fn the_log_gives_sqlites_code_never_its_words() {
        // SQLite's words can quote a search: "no such column: Quennell" for a slip in a query.
        let raw = sqlite_failure(1, "no such column: Quennell");
        assert_eq!(
            Error::Sqlite(sqlite_failure(1, "no such column: Quennell")).for_the_log(),
            "database error (SQLite code 1)"
        );
        let placed = Error::Sqlite(raw).at(Path::new("/home/reception/smith_john.db"));
        assert!(matches!(placed, Error::Database { .. }));
        assert_eq!(placed.for_the_log(), "database error (SQLite code 1)");
        assert!(placed.to_string().contains("Quennell"), "the user is still told SQLite's words");

        let refused =
            Error::Sqlite(sqlite_failure(2067, "UNIQUE constraint failed: patient.nhs_number")).at(Path::new("/x.db"));
        assert_eq!(refused.for_the_log(), "database refused a change (SQLite code 2067)");
        let busy = Error::Sqlite(sqlite_failure(5, "database is locked")).for_the_log();
        assert_eq!(busy, "database busy (SQLite code 5)");
        assert_eq!(Error::Sqlite(rusqlite::Error::QueryReturnedNoRows).for_the_log(), "database error");
    }

    #[test]
    fn the_log_keeps_an_integrity_checks_words_on_one_short_line() {
        let e = Error::Corrupt {
            path: PathBuf::from("/home/reception/smith_john.db"),
            detail: "*** in database main ***\nPage 5: btreeInitPage() returns error code 11".to_string(),
        };
        assert_eq!(
            e.for_the_log(),
            "database damaged: *** in database main *** Page 5: btreeInitPage() returns error code 11"
        );
        let long = Error::Corrupt { path: PathBuf::new(), detail: "row missing from index ".repeat(20) };
        assert!(long.for_the_log().chars().count() < 240, "{}", long.for_the_log());
        assert!(!long.for_the_log().contains("smith_john"));
    }

    #[test]
    fn a_failed_merge_is_logged_by_its_cause() {
        let cause = Error::Sqlite(sqlite_failure(13, "database or disk is full")).at(Path::new("/x.db"));
        let e = Error::Exchange(Exchange::MergeFailed {
            path: PathBuf::from("/media/usb/smith_john.cutover"),
            cause: Box::new(cause),
        });
        assert_eq!(e.for_the_log(), "merge failed: disk full");
        let e = Error::Exchange(Exchange::MergeMissing(PathBuf::from("/media/usb/smith_john.cutover")));
        assert_eq!(e.for_the_log(), "merge file not found");
    }

    #[test]
    fn a_refusal_of_what_was_typed_is_logged_by_its_exit_code_alone() {
        let e = Error::PatientNotFound("9992345675".to_string());
        assert_eq!(e.for_the_log(), "refused (exit code 2)");
        let e = Error::Exchange(Exchange::NoRows(PathBuf::from("/home/reception/smith_john.csv")));
        assert_eq!(e.for_the_log(), "refused (exit code 2)");
        let e = Error::Reentry(Reentry::NhsNumberOnlyForRegistration { reference: "R2-0001".to_string() });
        assert_eq!(e.for_the_log(), "refused (exit code 2)");
    }

    /// After a full disk, "the hourly backup could not be made: … The last save did not happen"
    /// followed a save that stood. Whatever keeps a rolling backup from being made, the words
    /// say the save is safe and never that anything was lost.
    #[test]
    fn a_rolling_backup_not_made_says_the_save_stands_whatever_the_cause() {
        let copy = PathBuf::from("/x/cutover.db.backups/cutover-2026-11-30-09.db");
        let causes = [
            Error::OutputDiskFull(copy.clone()),
            Error::ReadOnlyOutput(copy.clone()),
            Error::ReadOnlyFolder(PathBuf::from("/x/cutover.db.backups")),
            Error::Busy { path: PathBuf::from("/x/cutover.db"), waited_ms: 10_000 },
            Error::CopyUnsound { out: copy.clone(), detail: "page 3 is never used".into() },
            Error::File { path: copy.clone(), source: std::io::Error::from(std::io::ErrorKind::PermissionDenied) },
            Error::Database { path: copy.clone(), detail: "disk I/O error".into(), code: Some(10) },
            Error::Sqlite(sqlite_failure(13, "database or disk is full")).at_copy(&copy),
        ];
        let newest = BackupCopy { path: copy.clone(), holds_up_to: None };
        for cause in causes {
            let e = Error::RollingBackupNotMade { cause: Box::new(cause), newest: Some(newest.clone()) };
            let (said, alert) = (e.to_string(), e.backup_alert().unwrap());
            assert!(said.starts_with("What you just did is saved in the database. Only the rolling backup"), "{said}");
            assert!(alert.starts_with("What you saved is safe in the database"), "{alert}");
            for text in [&said, &alert] {
                for lost in
                    ["did not happen", "Nothing was saved", "Nothing was changed", "not saved", "SQLite code 13"]
                {
                    assert!(!text.contains(lost), "{lost:?} in: {text}");
                }
            }
            assert_eq!(e.exit_code(), 1);
            assert!(e.for_the_log().starts_with("rolling backup not made: "));
            assert!(!e.for_the_log().contains("/x/"), "no path in the log: {}", e.for_the_log());
        }
    }

    #[test]
    fn a_damaged_database_not_copied_lists_a_few_findings_and_the_backup_to_restore() {
        let findings =
            (1..=8).map(|n| crate::store::Finding(format!("row {n} missing from index entry_by_kind"))).collect();
        let newest = BackupCopy {
            path: PathBuf::from("/x/cutover.db.backups/cutover-2026-11-30-09.db"),
            holds_up_to: Some(chrono::DateTime::parse_from_rfc3339("2026-11-30T09:12:00Z").unwrap().to_utc()),
        };
        let e = Error::DamagedNotCopied(Box::new(DamagedCopy {
            database: PathBuf::from("/x/cutover.db"),
            findings,
            refused: CopyKind::Rolling,
            newest: Some(newest),
        }));
        let said = e.to_string();
        assert!(
            said.contains("row 5 missing") && !said.contains("row 6 missing") && said.contains("and 3 more"),
            "{said}"
        );
        assert!(said.contains("holding what was saved up to 30/11/2026 09:12"), "{said}");
        assert!(said.contains("`cutover --db /x/cutover.db.backups/cutover-2026-11-30-09.db check`"), "{said}");
        let alert = e.backup_alert().unwrap();
        assert!(
            alert.starts_with("STOP: this database is damaged") && alert.contains("cutover-2026-11-30-09.db"),
            "{alert}"
        );
        assert!(e.is_damage());
        assert_eq!(
            e.for_the_log(),
            "database damaged, not copied: check found problems: 8 (first: row 1 missing from index entry_by_kind)"
        );
    }

    /// What someone typed, or a file or the database held, as a message quotes it.
    const HOSTILE: &str = "A\nB\t\u{1b}[31mC";

    /// Every message that quotes a value from outside the program, made with `v` as that value
    /// (in each of its places).
    fn messages_quoting(v: &str) -> Vec<(&'static str, Error)> {
        use crate::runbook::Refusal;
        use crate::runbook::recheck::RecheckState;
        use crate::runbook::services::ServiceState;
        let s = || v.to_string();
        let p = || PathBuf::from(v);
        let io = || std::io::Error::from(std::io::ErrorKind::NotFound);
        let row = |reason| RowProblem { line: 2, column: s(), reason };
        let exchange = |e| Error::Exchange(e);
        let warning = |w| Error::NeedsConfirmation(vec![w]);
        let reentry = |r| Error::Reentry(r);
        let runbook = |r| Error::Runbook(r);
        let sharing = |r| Error::Sharing(r);
        let backup = BackupCopy { path: p(), holds_up_to: None };
        let damaged = |refused| {
            Error::DamagedNotCopied(Box::new(DamagedCopy {
                database: p(),
                findings: vec![crate::store::Finding(s())],
                refused,
                newest: Some(backup.clone()),
            }))
        };
        let problem = |problem| Error::Invalid(vec![FieldProblem::new(v, problem)]);
        vec![
            ("Invalid", problem(Problem::Required)),
            ("NotOnStaffList", problem(Problem::NotOnStaffList { id: s() })),
            ("StaffIdTaken", problem(Problem::StaffIdTaken { id: s() })),
            ("SnomedCheckDigit", problem(Problem::SnomedCheckDigit { id: s() })),
            ("InvalidOption", Error::InvalidOption(FieldProblem::new(v, Problem::Required))),
            ("NoStaffGiven", Error::NoStaffGiven { known: vec![s()] }),
            ("UnknownStaff", Error::UnknownStaff { id: s(), known: vec![s()] }),
            ("StaffExists", Error::StaffExists { id: s(), name: s() }),
            ("EntryNotFound", Error::EntryNotFound(s())),
            ("AmbiguousEntry", Error::AmbiguousEntry { given: s(), matches: vec![s(), s()] }),
            ("AmbiguousPatient", Error::AmbiguousPatient { matches: vec![s(), s()] }),
            ("PatientRecordNotFound", Error::PatientRecordNotFound(s())),
            ("DifferentNhsNumbers", Error::CannotJoin(JoinRefusal::DifferentNhsNumbers { keep: s(), other: s() })),
            (
                "NumberOnTheOther",
                Error::CannotJoin(JoinRefusal::NumberOnTheOther { other: s(), other_id: s(), keep_id: s() }),
            ),
            ("AlreadyJoined", Error::CannotJoin(JoinRefusal::AlreadyJoined { id: s(), into: s() })),
            ("PatientNotFound", Error::PatientNotFound(s())),
            ("ChangedMeanwhile", Error::ChangedMeanwhile { reference: s(), fields: vec!["summary"] }),
            ("EntryVoided", Error::EntryVoided { reference: s() }),
            ("SetNeedsEquals", Error::Usage(Usage::SetNeedsEquals(s()))),
            ("RoleUnknown", Error::Usage(Usage::RoleUnknown(s()))),
            ("BadPrefix", Error::Usage(Usage::BadPrefix(s()))),
            ("ForNeedsQueries", Error::Usage(Usage::ForNeedsQueries(s()))),
            ("DatabaseMissing", Error::DatabaseMissing(p())),
            ("FolderMissing", Error::FolderMissing(p())),
            ("NotADatabase", Error::NotADatabase(p())),
            ("ForeignDatabase", Error::ForeignDatabase(p())),
            ("PassphraseNeeded", Error::PassphraseNeeded(p())),
            ("WrongPassphrase", Error::WrongPassphrase(p())),
            ("PassphraseFile", Error::PassphraseFile { path: p(), source: io() }),
            ("PassphraseEmpty", Error::PassphraseEmpty(p())),
            ("AlreadyEncrypted", Error::AlreadyEncrypted(p())),
            ("NotEncrypted", Error::NotEncrypted(p())),
            ("EmptyDatabaseFile", Error::EmptyDatabaseFile(p())),
            ("Corrupt", Error::Corrupt { path: p(), detail: s() }),
            ("NewerSchema", Error::NewerSchema { path: p(), found: 9, known: 8 }),
            ("OlderFormat", Error::OlderFormat { path: p(), found: 11, known: 12 }),
            ("OnlyReading", Error::OnlyReading(p())),
            ("ReadOnlyFile", Error::ReadOnlyFile(p())),
            ("ReadOnlyFolder", Error::ReadOnlyFolder(p())),
            ("ReadOnlyDisk", Error::ReadOnlyDisk(p())),
            ("ReadOnlyOutput", Error::ReadOnlyOutput(p())),
            ("Busy", Error::Busy { path: p(), waited_ms: 10 }),
            ("LockedByAnotherProgram", Error::LockedByAnotherProgram { path: p(), waited_ms: 10 }),
            ("NetworkDrive", Error::NetworkDrive(p())),
            ("PathTooLong", Error::PathTooLong { path: p(), length: 300, longest: 200 }),
            ("DiskFull", Error::DiskFull(p())),
            ("File", Error::File { path: p(), source: io() }),
            ("Refused", Error::Refused { path: p(), detail: s(), code: None }),
            ("Database", Error::Database { path: p(), detail: s(), code: None }),
            ("Sqlite", Error::Sqlite(sqlite_failure(1, v))),
            ("Csv", Error::Csv(s())),
            ("CheckFailed", Error::CheckFailed(vec![crate::store::Finding(s())])),
            ("Clock", Error::Setting(Setting::Clock(s()))),
            ("BusyTimeout", Error::Setting(Setting::BusyTimeout(s()))),
            ("LogLevel", Error::Setting(Setting::LogLevel(s()))),
            ("LogFolderIsFile", Error::Setting(Setting::LogFolderIsFile(p()))),
            ("LogFolderCannotBeMade", Error::Setting(Setting::LogFolderCannotBeMade(p()))),
            ("DamagedNotCopied backup", damaged(CopyKind::Backup(p()))),
            ("DamagedNotCopied export", damaged(CopyKind::Export(p()))),
            ("DamagedNotCopied rolling", damaged(CopyKind::Rolling)),
            ("CopyUnsound", Error::CopyUnsound { out: p(), detail: s() }),
            ("OutputDiskFull", Error::OutputDiskFull(p())),
            (
                "RollingBackupNotMade",
                Error::RollingBackupNotMade {
                    cause: Box::new(Error::CopyUnsound { out: p(), detail: s() }),
                    newest: Some(backup.clone()),
                },
            ),
            (
                "RollingBackupNotMade (file)",
                Error::RollingBackupNotMade { cause: Box::new(Error::File { path: p(), source: io() }), newest: None },
            ),
            (
                "RollingBackupNotMade (read-only)",
                Error::RollingBackupNotMade { cause: Box::new(Error::ReadOnlyFolder(p())), newest: None },
            ),
            (
                "RollingBackupNotMade (disk full)",
                Error::RollingBackupNotMade {
                    cause: Box::new(Error::OutputDiskFull(p().join("backup.db"))),
                    newest: None,
                },
            ),
            ("ClaimedBy", reentry(Reentry::ClaimedBy { reference: s(), staff: s(), until: "10:30".into() })),
            ("Blocked", reentry(Reentry::Blocked { reference: s(), registration: Some(s()) })),
            ("Blocked (no NHS number)", reentry(Reentry::Blocked { reference: s(), registration: None })),
            (
                "Finished",
                reentry(Reentry::Finished { reference: s(), status: "done", by: Some(s()), at: Some("10:30".into()) }),
            ),
            ("NotClaimed", reentry(Reentry::NotClaimed { reference: s() })),
            ("NotClaimedByYou", reentry(Reentry::NotClaimedByYou { reference: s(), staff: s() })),
            ("StillOpen", reentry(Reentry::StillOpen { reference: s() })),
            ("RegistrationNeedsNhsNumber", reentry(Reentry::RegistrationNeedsNhsNumber { reference: s() })),
            ("NhsNumberKnown", reentry(Reentry::NhsNumberKnown { reference: s() })),
            ("AlreadyWaived", reentry(Reentry::AlreadyWaived { reference: s() })),
            ("NhsNumberOnlyForRegistration", reentry(Reentry::NhsNumberOnlyForRegistration { reference: s() })),
            ("NotAQuery", reentry(Reentry::NotAQuery { reference: s(), status: "done" })),
            ("AnswerNeedsClinician", reentry(Reentry::AnswerNeedsClinician { staff: s() })),
            ("NotAClinician", reentry(Reentry::NotAClinician { option: "to", staff: s(), role: "reception" })),
            ("ReferenceNeeded", reentry(Reentry::ReferenceNeeded { reference: s() })),
            ("NotUtf8", exchange(Exchange::NotUtf8 { path: p(), line: 2 })),
            ("WrongDelimiter", exchange(Exchange::WrongDelimiter { path: p(), delimiter: ';' })),
            ("Workbook", exchange(Exchange::Workbook(p()))),
            ("Utf16", exchange(Exchange::Utf16(p()))),
            ("NulByte", exchange(Exchange::NulByte { path: p(), line: 2, column: 1, header: Some(s()) })),
            ("EmptyFile", exchange(Exchange::EmptyFile(p()))),
            ("NoRows", exchange(Exchange::NoRows(p()))),
            ("MissingColumns", exchange(Exchange::MissingColumns { path: p(), missing: vec!["x"], found: vec![s()] })),
            (
                "UnknownColumns",
                exchange(Exchange::UnknownColumns { path: p(), unknown: vec![s()], allowed: vec!["x"] }),
            ),
            ("RepeatedColumn", exchange(Exchange::RepeatedColumn { path: p(), field: "x", first: s(), second: s() })),
            ("BadMap", exchange(Exchange::BadMap(s()))),
            ("MapToUnknownField", exchange(Exchange::MapToUnknownField { given: s(), allowed: vec!["x"] })),
            (
                "Rows",
                exchange(Exchange::Rows {
                    path: p(),
                    rows: vec![
                        row(RowReason::MisEncoded { value: s() }),
                        row(RowReason::Refused(Error::EntryNotFound(s()).to_string())),
                        row(RowReason::Field(Problem::NotOnStaffList { id: s() })),
                        row(RowReason::NeedsConfirmation(Warning::PossibleDuplicate { existing: s() })),
                    ],
                    rows_total: 5,
                    can_skip: true,
                }),
            ),
            (
                "AlreadyImported",
                exchange(Exchange::AlreadyImported { path: p(), earlier_file: s(), at: s(), by: Some(s()), rows: 3 }),
            ),
            ("RejectsIsInput", exchange(Exchange::RejectsIsInput(p()))),
            ("OutputExists", exchange(Exchange::OutputExists(p()))),
            ("OutputIsDatabase", exchange(Exchange::OutputIsDatabase(p()))),
            ("MergeSelf", exchange(Exchange::MergeSelf(p()))),
            ("MergeMissing", exchange(Exchange::MergeMissing(p()))),
            ("MergeNotSqlite", exchange(Exchange::MergeNotSqlite(p()))),
            ("MergeEncrypted", exchange(Exchange::MergeEncrypted(p()))),
            ("MergeOtherPassphrase", exchange(Exchange::MergeOtherPassphrase(p()))),
            ("MergeForeign", exchange(Exchange::MergeForeign(p()))),
            ("MergeNewer", exchange(Exchange::MergeNewer { path: p(), found: 9, known: 8 })),
            ("MergeCorrupt", exchange(Exchange::MergeCorrupt { path: p(), detail: s() })),
            ("MergeSharedWorkstation", exchange(Exchange::MergeSharedWorkstation { path: p(), entries: 3 })),
            ("MergeDangling (one)", exchange(Exchange::MergeDangling(vec![p()]))),
            ("MergeDangling (two)", exchange(Exchange::MergeDangling(vec![p(), p()]))),
            (
                "MergeFailed",
                exchange(Exchange::MergeFailed {
                    path: p(),
                    cause: Box::new(Error::Corrupt { path: p(), detail: s() }),
                }),
            ),
            ("PossibleDuplicate", warning(Warning::PossibleDuplicate { existing: s() })),
            ("PatientDetailsDiffer", warning(Warning::PatientDetailsDiffer { nhs_number: s() })),
            ("NhsNumberHeldByOther", warning(Warning::NhsNumberHeldByOther { nhs_number: s(), held: s(), typed: s() })),
            ("SameDetailsAsTraced", warning(Warning::SameDetailsAsTraced { existing: s() })),
            ("AlreadyHeld", warning(Warning::AlreadyHeld { existing: s(), kept_apart: false })),
            ("AlreadyHeld (kept apart)", warning(Warning::AlreadyHeld { existing: s(), kept_apart: true })),
            ("NameDiffersOnlyByAccents", warning(Warning::NameDiffersOnlyByAccents { typed: s(), held: s() })),
            ("PatientRecordCorrected", warning(Warning::PatientRecordCorrected { record: s() })),
            ("TracedNumberHeldByOther", warning(Warning::TracedNumberHeldByOther { nhs_number: s(), holder: s() })),
            ("UnknownCategory", runbook(Refusal::UnknownCategory { given: s(), known: vec![s()] })),
            ("UnknownItem", runbook(Refusal::UnknownItem(s()))),
            ("UnknownRole", runbook(Refusal::UnknownRole { given: s(), known: vec![s()] })),
            ("UnknownPhase", runbook(Refusal::UnknownPhase { given: s(), known: vec![s()] })),
            ("UnknownService", runbook(Refusal::UnknownService(s()))),
            ("ServiceExists", runbook(Refusal::ServiceExists(s()))),
            ("UnknownServiceState", runbook(Refusal::UnknownServiceState(s()))),
            ("ServiceAlready", runbook(Refusal::ServiceAlready { service: s(), state: ServiceState::ToSwitchOff })),
            (
                "ServiceSkips",
                runbook(Refusal::ServiceSkips {
                    service: s(),
                    from: ServiceState::ToSwitchOff,
                    to: ServiceState::ConfirmedOn,
                    next: ServiceState::ConfirmedOff,
                }),
            ),
            ("NotTicked", runbook(Refusal::NotTicked(s()))),
            ("UnknownSubject", runbook(Refusal::UnknownSubject(s()))),
            ("NotInRecheck", runbook(Refusal::NotInRecheck(s()))),
            ("NoIssue", runbook(Refusal::NoIssue { subject: s(), state: RecheckState::Matches })),
            ("IssueAlready", runbook(Refusal::IssueAlready { subject: s(), state: RecheckState::Fixed })),
            ("UnknownIssueState", runbook(Refusal::UnknownIssueState(s()))),
            ("FolderUnreachable", sharing(Sharing::FolderUnreachable { folder: p() })),
            ("FolderNotWritable", sharing(Sharing::FolderNotWritable { folder: p(), detail: s() })),
            ("Copied", sharing(Sharing::Copied { home: s(), now: s() })),
            ("TwinInFolder", sharing(Sharing::TwinInFolder { folder: p(), other: s() })),
        ]
    }

    /// A value holding a line break, a tab or an escape sequence, quoted in any message (what was
    /// typed, a name, a reference, a file's name, a column's header, SQLite's words), stays on
    /// the message's line and is shown, escaped: it breaks no line and drives no terminal. The
    /// message's own lines (a list of problems) are kept.
    #[test]
    fn a_value_quoted_in_a_message_stays_on_its_line_and_shows_its_control_characters() {
        let shown = crate::domain::text::escape_inline(HOSTILE).into_owned();
        let plain = messages_quoting("A B C");
        let hostile = messages_quoting(HOSTILE);
        assert_eq!(plain.len(), hostile.len());
        let mut broken = Vec::new();
        for ((name, plain), (_, hostile)) in plain.iter().zip(&hostile) {
            for (what, plain, hostile) in [
                ("message", plain.to_string(), hostile.to_string()),
                ("alert", plain.backup_alert().unwrap_or_default(), hostile.backup_alert().unwrap_or_default()),
            ] {
                let raw = hostile.chars().any(|c| c.is_control() && c != '\n');
                let lines = (plain.lines().count(), hostile.lines().count());
                let visible = hostile.contains(&shown) || (what == "alert" && hostile.is_empty());
                if raw || lines.0 != lines.1 || !visible {
                    broken.push(format!("{name} ({what}): {hostile:?}"));
                }
            }
        }
        assert!(broken.is_empty(), "{} messages break on a quoted value:\n{}", broken.len(), broken.join("\n"));
    }

    #[test]
    fn other_failures_are_named_for_what_they_are() {
        let e =
            Error::CheckFailed(vec![crate::store::Finding("a".to_string()), crate::store::Finding("b".to_string())]);
        assert_eq!(e.for_the_log(), "check found problems: 2");
        let e = Error::Reentry(Reentry::ClaimedBy {
            reference: "R2-0001".to_string(),
            staff: "JS".to_string(),
            until: "10:30".to_string(),
        });
        assert_eq!(e.for_the_log(), "queue item left as it was: claimed by someone else (exit code 2)");
        assert_eq!(e.exit_code(), 2);
    }
}

/// Sharing the log with the practice's other PCs: the shared folder, and a database's identity.
#[derive(Debug)]
pub enum Sharing {
    /// `init --new-identity` on a database that cutover has not seen copied.
    NotACopy,
    /// `init --new-identity` with `--moved`, or with settings to change in the same command.
    NewIdentityAlone,
    /// `sync` with no folder given and none set.
    NoFolder,
    /// The shared folder is not there (not mapped, the server down, a stick not plugged in).
    FolderUnreachable { folder: PathBuf },
    /// The shared folder is there but this PC cannot write its file into it.
    FolderNotWritable { folder: PathBuf, detail: String },
    /// This database looks like a copy of another PC's: it does not share until it has its own identity.
    Copied { home: String, now: String },
    /// Another database with this workstation's identity writes its file in the folder.
    TwinInFolder { folder: PathBuf, other: String },
}

impl Sharing {
    fn for_the_log(&self) -> String {
        let why = match self {
            Sharing::NotACopy => "new identity refused: not a copy",
            Sharing::NewIdentityAlone => "new identity refused: given with other changes",
            Sharing::NoFolder => "no shared folder set",
            Sharing::FolderUnreachable { .. } => "shared folder unreachable",
            Sharing::FolderNotWritable { .. } => "shared folder not writable",
            Sharing::Copied { .. } => "database looks copied from another PC",
            Sharing::TwinInFolder { .. } => "another database with this identity shares into the folder",
        };
        format!("{why} (exit code {})", self.exit_code())
    }

    fn exit_code(&self) -> u8 {
        match self {
            Sharing::NotACopy | Sharing::NewIdentityAlone | Sharing::NoFolder => 2,
            _ => 1,
        }
    }
}

impl Display for Sharing {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Sharing::NotACopy => f.write_str(
                "Nothing was changed: this database has not been copied from another PC as far as cutover can tell (it is where it was set up), so it keeps its identity. If two PCs do share one identity, run this on the one that is the copy.",
            ),
            Sharing::NewIdentityAlone => f.write_str(
                "Nothing was changed: --new-identity can only be given with --workstation and --prefix (the copy's new name and prefix). Run any other change as a second command.",
            ),
            Sharing::NoFolder => f.write_str(
                "No shared folder is set for this PC. Set it once with `cutover init --share-folder PATH` (the practice's shared folder as this PC reaches it), or give it with --folder.",
            ),
            Sharing::FolderUnreachable { folder } => write!(
                f,
                "The shared folder {} cannot be reached (the network, the server or the drive may be down), so nothing was shared this time. Nothing was changed on this PC and logging carries on here; the next round catches up by itself once the folder is back.",
                path_inline(folder)
            ),
            Sharing::FolderNotWritable { folder, detail } => write!(
                f,
                "This PC cannot write its file into the shared folder {} ({}), so nothing was shared this time. Nothing was changed on this PC and logging carries on here. Ask your IT support to check the folder has room and that this PC's user may write to it.",
                path_inline(folder),
                escape_inline(detail)
            ),
            Sharing::Copied { home, now } => write!(
                f,
                "This database looks like a copy of another PC's: it was set up at {} and is now at {}. A copy shares that PC's identity, so the two give the same references to different entries and their logs cannot be brought together. If it is a copy, give it its own identity (everything logged on it is kept): cutover init --new-identity --workstation \"NAME\" --prefix PREFIX. If the file was moved here rather than copied, say so: cutover init --moved.",
                escape_inline(home),
                escape_inline(now)
            ),
            Sharing::TwinInFolder { folder, other } => write!(
                f,
                "Another database with this PC's identity ({}) shares its log in {}: one of the two is a copy of the other. Nothing was shared from this PC. On the PC that is the copy, run `cutover init --new-identity --workstation \"NAME\" --prefix PREFIX`; if this is the copy and cutover does not know it, ask your IT support.",
                escape_inline(other),
                path_inline(folder)
            ),
        }
    }
}
