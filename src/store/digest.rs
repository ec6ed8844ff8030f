//! The digest an export carries of everything in it, checked before it is merged. SQLite's own
//! check finds damage to a file's structure, not a letter changed inside a row: a byte changed on
//! a stick or by a bad copy must not reach the practice's log unnoticed.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};

use crate::fnv::Fnv1a;

/// The `export_info` key the digest is kept under.
pub const KEY: &str = "content_digest";

/// Names the method in the value, so that a later method can be told from this one.
const METHOD: &str = "fnv1a64-rows-1:";

/// The digest of the schema and of every row of every table, leaving out the digest's own row.
/// Each table's rows are hashed one by one and summed, so the order SQLite reads them in does not
/// matter; a virtual table is read through the tables that hold it.
pub fn content_digest(conn: &Connection) -> rusqlite::Result<String> {
    let mut all = Fnv1a::default();
    let schema = "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master";
    let (rows, sum) = summed_rows(conn, "sqlite_master", schema)?;
    add_table(&mut all, "sqlite_master", rows, sum);
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL%'
             ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in tables {
        let sql = format!("SELECT * FROM \"{}\"", table.replace('"', "\"\""));
        let (rows, sum) = summed_rows(conn, &table, &sql)?;
        add_table(&mut all, &table, rows, sum);
    }
    Ok(format!("{METHOD}{:016x}", all.finish()))
}

/// Whether `conn`'s content still matches the digest it was exported with. `None`: it carries
/// none (not an export, or one made before exports had one) or one made by a method this program
/// does not know, so there is nothing to compare.
pub fn matches_recorded(conn: &Connection) -> rusqlite::Result<Option<bool>> {
    let has_info: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'export_info')",
        [],
        |r| r.get(0),
    )?;
    if !has_info {
        return Ok(None);
    }
    let recorded: Option<String> =
        conn.query_row("SELECT value FROM export_info WHERE key = ?1", [KEY], |r| r.get(0)).optional()?;
    match recorded {
        Some(recorded) if recorded.starts_with(METHOD) => Ok(Some(recorded == content_digest(conn)?)),
        _ => Ok(None),
    }
}

fn add_table(all: &mut Fnv1a, table: &str, rows: u64, sum: u64) {
    all.write(&(table.len() as u64).to_be_bytes());
    all.write(table.as_bytes());
    all.write(&rows.to_be_bytes());
    all.write(&sum.to_be_bytes());
}

/// How many rows `sql` gives, and the sum of their hashes.
fn summed_rows(conn: &Connection, table: &str, sql: &str) -> rusqlite::Result<(u64, u64)> {
    let mut stmt = conn.prepare(sql)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query([])?;
    let (mut count, mut sum) = (0u64, 0u64);
    while let Some(row) = rows.next()? {
        if table == "export_info" && row.get_ref(0)? == ValueRef::Text(KEY.as_bytes()) {
            continue;
        }
        let mut hash = Fnv1a::default();
        for i in 0..columns {
            add_value(&mut hash, row.get_ref(i)?);
        }
        count += 1;
        sum = sum.wrapping_add(hash.finish());
    }
    Ok((count, sum))
}

/// A value with its type and length, so that no two different rows give the same bytes.
fn add_value(hash: &mut Fnv1a, value: ValueRef) {
    let (tag, bytes): (u8, &[u8]) = match value {
        ValueRef::Null => (0, &[]),
        ValueRef::Integer(n) => {
            hash.write(&[1]);
            hash.write(&n.to_be_bytes());
            return;
        }
        ValueRef::Real(x) => {
            hash.write(&[2]);
            hash.write(&x.to_bits().to_be_bytes());
            return;
        }
        ValueRef::Text(t) => (3, t),
        ValueRef::Blob(b) => (4, b),
    };
    hash.write(&[tag]);
    hash.write(&(bytes.len() as u64).to_be_bytes());
    hash.write(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE entry (id TEXT PRIMARY KEY, summary TEXT) STRICT;
             INSERT INTO entry VALUES ('a', 'Amoxicillin 500mg'), ('b', 'Call back');
             CREATE TABLE export_info (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;",
        )
        .unwrap();
        c
    }

    fn record(c: &Connection) {
        let digest = content_digest(c).unwrap();
        c.execute("INSERT INTO export_info VALUES (?1, ?2)", [KEY, &digest]).unwrap();
    }

    #[test]
    fn any_changed_value_is_found_and_the_digest_row_itself_is_left_out() {
        let c = db();
        assert_eq!(matches_recorded(&c).unwrap(), None);
        record(&c);
        assert_eq!(matches_recorded(&c).unwrap(), Some(true));
        c.execute("UPDATE entry SET summary = 'Amoxicillin 800mg' WHERE id = 'a'", []).unwrap();
        assert_eq!(matches_recorded(&c).unwrap(), Some(false));
    }

    #[test]
    fn rows_moved_between_columns_or_tables_are_not_the_same_content() {
        let one = db();
        let two = db();
        two.execute("UPDATE entry SET summary = 'Call back' WHERE id = 'a'", []).unwrap();
        two.execute("UPDATE entry SET summary = 'Amoxicillin 500mg' WHERE id = 'b'", []).unwrap();
        assert_ne!(content_digest(&one).unwrap(), content_digest(&two).unwrap());
        let three = db();
        three.execute("UPDATE entry SET summary = NULL WHERE id = 'b'", []).unwrap();
        assert_ne!(content_digest(&one).unwrap(), content_digest(&three).unwrap());
    }

    #[test]
    fn a_digest_by_an_unknown_method_is_not_compared() {
        let c = db();
        c.execute("INSERT INTO export_info VALUES (?1, 'sha256:abc')", [KEY]).unwrap();
        assert_eq!(matches_recorded(&c).unwrap(), None);
    }
}
