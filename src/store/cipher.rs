//! Encryption at rest with SQLCipher 4: one passphrase per practice, given to every connection
//! before it reads a byte, and to every database file the program writes (the database, its
//! backups, exports and the pieces in the shared folder). A database made without a passphrase is
//! plain SQLite, as `demo` databases and tests are.
//!
//! SQLCipher's rules designed around (zetetic.net, "SQLCipher API"): `PRAGMA key` comes first on
//! every connection; copies between databases go through `ATTACH … KEY` and `sqlcipher_export()`,
//! not the backup API; the key is derived from the passphrase (PBKDF2-HMAC-SHA512, 256,000
//! iterations in SQLCipher 4's format) once per connection and once per file attached.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

/// The first 16 bytes of every unencrypted SQLite database file (sqlite.org, "Database File Format").
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The practice's passphrase. Never written to any file the program makes, never logged, never
/// shown: its `Debug` says only that there is one.
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(Arc<str>);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

impl Passphrase {
    /// A passphrase as typed; `None` for an empty one, which protects nothing.
    pub fn new(typed: &str) -> Option<Passphrase> {
        (!typed.is_empty()).then(|| Passphrase(typed.into()))
    }

    /// The first line of the file at `path`, without its line ending (`\n` or `\r\n`): the
    /// `--passphrase-file` contract. What an editor adds unseen is not part of it: a UTF-8
    /// byte-order mark (Notepad's "UTF-8 with BOM") and spaces or tabs around the words, which the
    /// screens refuse to take as part of a passphrase too. Errors: the file cannot be read, is not
    /// UTF-8 text (a "Unicode" file is UTF-16), or its first line is empty.
    pub fn from_file(path: &Path) -> Result<Passphrase> {
        let unreadable = |source| Error::PassphraseFile { path: path.to_path_buf(), source };
        let mut bytes = Vec::new();
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(unreadable)?;
        let text = String::from_utf8(bytes).map_err(|_| Error::PassphraseNotText(path.to_path_buf()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let first = text.split('\n').next().unwrap_or("");
        let first = first.strip_suffix('\r').unwrap_or(first).trim_matches([' ', '\t']);
        Passphrase::new(first).ok_or_else(|| Error::PassphraseEmpty(path.to_path_buf()))
    }

    fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the first bytes and the length of a file say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
    /// No bytes at all.
    Empty,
    /// A plain SQLite database (or the start of one): readable without a passphrase.
    Plain,
    /// Whole pages of bytes that are not plain SQLite: an encrypted database, or a file that is no
    /// database at all. Only the right passphrase tells the two apart.
    Sealed,
    /// Not plain SQLite, and not whole pages either: no database, encrypted or not.
    Neither,
}

/// The smallest page an SQLite or SQLCipher database has: its files are whole pages.
const SMALLEST_PAGE: u64 = 512;

/// Reads the first 16 bytes of `path` and its length. Errors: the file cannot be opened or read.
pub fn sealing(path: &Path) -> std::io::Result<Sealing> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = Vec::with_capacity(PLAIN_HEADER.len());
    file.take(PLAIN_HEADER.len() as u64).read_to_end(&mut head)?;
    Ok(if head.is_empty() {
        Sealing::Empty
    } else if PLAIN_HEADER.starts_with(&head) {
        Sealing::Plain
    } else if len.is_multiple_of(SMALLEST_PAGE) {
        Sealing::Sealed
    } else {
        Sealing::Neither
    })
}

/// The key to open the existing file at `path` with: the passphrase given, for an encrypted file;
/// none for a plain one, whether or not a passphrase was given (`cutover encrypt` is how a plain
/// database becomes encrypted). An encrypted file and no passphrase is refused before SQLite reads
/// it. Errors: `PassphraseNeeded`, or the file cannot be read.
pub fn key_for(path: &Path, given: Option<&Passphrase>) -> Result<Option<Passphrase>> {
    match sealing(path).map_err(|e| Error::file(path, e))? {
        // SQLite itself says what is wrong with the others, as with any file that is not ours.
        Sealing::Empty | Sealing::Plain | Sealing::Neither => Ok(None),
        Sealing::Sealed => given.cloned().map(Some).ok_or_else(|| Error::PassphraseNeeded(path.to_path_buf())),
    }
}

/// Gives a new connection its key: the first statement on it, as SQLCipher requires. With `None`
/// the connection reads and writes plain SQLite. The format is pinned to SQLCipher 4's, so a later
/// SQLCipher with other defaults still opens the practice's files.
pub fn unlock(conn: &Connection, key: Option<&Passphrase>) -> rusqlite::Result<()> {
    // SQLCipher writes its own errors (a wrong key is one) to stderr, over the screen: the
    // program says them in its own words instead.
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(())).optional()?;
    if let Some(key) = key {
        conn.pragma_update(None, "key", key.as_str())?;
        conn.pragma_update(None, "cipher_compatibility", 4)?;
    }
    // Files attached later (copies, pieces, files to merge) take the same format.
    conn.pragma_update(None, "cipher_default_compatibility", 4)
}

/// Attaches the database at `uri` (a path or `file:` URI) as `schema`, encrypted with `key`, or
/// plain with `None`.
pub fn attach(conn: &Connection, uri: &str, schema: &str, key: Option<&Passphrase>) -> rusqlite::Result<()> {
    conn.execute(&format!("ATTACH DATABASE ?1 AS {schema} KEY ?2"), [uri, key.map_or("", Passphrase::as_str)])?;
    Ok(())
}

/// Copies everything the connection's main database holds (schema, rows, `user_version`,
/// `application_id`) into the empty database file at `dest`, encrypted with `key` (or plain), in
/// one read of the main database: SQLCipher's `sqlcipher_export()`, the documented way to copy
/// between databases with different keys or none.
pub fn export(conn: &Connection, dest: &Path, key: Option<&Passphrase>) -> rusqlite::Result<()> {
    attach(conn, &dest.to_string_lossy(), "cutover_copy", key)?;
    let copied = conn
        .execute_batch("BEGIN")
        .and_then(|()| conn.query_row("SELECT sqlcipher_export('cutover_copy')", [], |_| Ok(())))
        .and_then(|()| copy_header(conn, "cutover_copy"))
        .and_then(|()| conn.execute_batch("COMMIT"));
    if copied.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let detached = conn.execute_batch("DETACH DATABASE cutover_copy");
    copied.and(detached)
}

/// The numbers in the file's header that say what it is: `sqlcipher_export()` copies the rows
/// and schema, not all of these.
fn copy_header(conn: &Connection, schema: &str) -> rusqlite::Result<()> {
    for pragma in ["user_version", "application_id"] {
        let value: i64 = conn.query_row(&format!("PRAGMA main.{pragma}"), [], |r| r.get(0))?;
        conn.pragma_update(Some(schema), pragma, value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passphrase_in(text: &[u8]) -> Result<Passphrase> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("passphrase.txt");
        std::fs::write(&path, text).unwrap();
        Passphrase::from_file(&path)
    }

    #[test]
    fn the_passphrase_is_the_first_line_without_its_ending() {
        assert_eq!(passphrase_in(b"Correct horse 7\nsecond").unwrap(), Passphrase::new("Correct horse 7").unwrap());
        assert_eq!(passphrase_in(b"Windows line\r\n").unwrap(), Passphrase::new("Windows line").unwrap());
        assert_eq!(passphrase_in(b"  around it\t\n").unwrap(), Passphrase::new("around it").unwrap());
        assert_eq!(passphrase_in(b"inner  spaces kept").unwrap(), Passphrase::new("inner  spaces kept").unwrap());
        assert_eq!(
            passphrase_in(b"\xef\xbb\xbfNotepad with BOM\r\n").unwrap(),
            Passphrase::new("Notepad with BOM").unwrap()
        );
        assert!(matches!(passphrase_in(b"\xff\xfeU\0n\0i\0"), Err(Error::PassphraseNotText(_))));
        assert!(matches!(passphrase_in(b""), Err(Error::PassphraseEmpty(_))));
        assert!(matches!(passphrase_in(b"\nsecond line"), Err(Error::PassphraseEmpty(_))));
    }

    #[test]
    fn a_passphrase_never_shows_in_debug_output() {
        let p = Passphrase::new("Tr0ub4dor&3").unwrap();
        assert!(!format!("{p:?}").contains("Tr0ub"));
    }

    #[test]
    fn a_copy_made_with_a_key_holds_no_plain_text_and_opens_only_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let key = Passphrase::new("practice passphrase").unwrap();
        let source = Connection::open_in_memory().unwrap();
        unlock(&source, None).unwrap();
        source.execute_batch("PRAGMA user_version = 7; PRAGMA application_id = 42; CREATE TABLE t (name TEXT); INSERT INTO t VALUES ('Zebedee Quill');").unwrap();
        let dest = dir.path().join("copy.db");
        export(&source, &dest, Some(&key)).unwrap();
        let bytes = std::fs::read(&dest).unwrap();
        assert!(!bytes.windows(7).any(|w| w == b"Zebedee"));
        assert_eq!(sealing(&dest).unwrap(), Sealing::Sealed);

        let wrong = Connection::open(&dest).unwrap();
        unlock(&wrong, Passphrase::new("another").as_ref()).unwrap();
        assert!(wrong.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err());

        let right = Connection::open(&dest).unwrap();
        unlock(&right, Some(&key)).unwrap();
        let name: String = right.query_row("SELECT name FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(name, "Zebedee Quill");
        let version: i64 = right.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, 7);
        let application: i64 = right.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
        assert_eq!(application, 42);
    }

    #[test]
    fn a_copy_made_without_a_key_is_plain_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let source = Connection::open_in_memory().unwrap();
        unlock(&source, None).unwrap();
        source.execute_batch("CREATE TABLE t (name TEXT)").unwrap();
        let dest = dir.path().join("copy.db");
        export(&source, &dest, None).unwrap();
        assert_eq!(sealing(&dest).unwrap(), Sealing::Plain);
    }
}
