//! The schema's numbered, append-only migrations, applied in order, each in its own transaction.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::Result;

/// `schema/NNNN_*.sql`, in order. Never edit one that has landed: add the next.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("../../schema/0001_init.sql"),
    include_str!("../../schema/0002_reentry.sql"),
    include_str!("../../schema/0003_drafts_and_lookup.sql"),
    include_str!("../../schema/0004_provenance.sql"),
    include_str!("../../schema/0005_queue_order.sql"),
    include_str!("../../schema/0006_leaner_writes.sql"),
    include_str!("../../schema/0007_patient_joins.sql"),
    include_str!("../../schema/0008_draft_holds.sql"),
    include_str!("../../schema/0009_query_answers.sql"),
    include_str!("../../schema/0010_runbook.sql"),
    include_str!("../../schema/0011_entry_words.sql"),
    include_str!("../../schema/0012_sync.sql"),
];

/// The schema version this program writes; a database with a higher `user_version` is refused.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

/// Marks a file as a cutover database ("CUTV"), so another program's SQLite file is never mistaken for one.
pub const APPLICATION_ID: i64 = 0x4355_5456;

pub fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the schema up to `LATEST_VERSION`. Safe when another process migrates at the same time:
/// each step re-reads the version inside its own write transaction.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if user_version(conn)? >= version {
            continue;
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if user_version(&tx)? < version {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_to_an_empty_database_and_are_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), LATEST_VERSION);
        migrate(&mut conn).unwrap();
        assert_eq!(user_version(&conn).unwrap(), LATEST_VERSION);
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'entry'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 1);
    }

    #[test]
    fn schema_12_moves_each_reference_counter_past_the_references_its_entries_hold() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..9] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 9).unwrap();
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute_batch(
            "INSERT INTO workstation (id, prefix, name, is_local, next_ref, created_at)
             VALUES ('w1', 'R2', 'Front', 1, 4, '2026-11-20T10:00:00.000Z'),
                    ('w2', 'C1', 'Room', 0, 9, '2026-11-20T10:00:00.000Z');
             INSERT INTO entry (id, ref, kind, workstation_id, recorded_at, recorded_by, current_revision_id,
                                current_recorded_at, occurred_at, summary)
             VALUES ('a', 'R1-0011', 'note', 'w1', '', 'JS', 'r', '', '', ''),
                    ('b', 'R2-0006', 'note', 'w1', '', 'JS', 'r', '', '', ''),
                    ('c', 'C1-0003', 'note', 'w2', '', 'JS', 'r', '', '', '');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let counters: Vec<i64> = conn
            .prepare("SELECT next_ref FROM workstation ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        // After the highest number whatever the prefix was then; a counter already ahead stays.
        assert_eq!(counters, [12, 9]);
    }

    #[test]
    fn schema_7_folds_names_already_stored_as_the_program_now_does() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        let names = [("Kowalski", "Łukasz"), ("Ærø", "Søren"), ("Þórsdóttir", "Guðrún"), ("Jones", "Siân")];
        for (i, (family, given)) in names.iter().enumerate() {
            // What schema 6's program stored: accents split off by Unicode dropped, others kept.
            let old = |s: &str| -> String {
                use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
                s.nfd().filter(|c| !is_combining_mark(*c) && c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
            };
            conn.execute(
                "INSERT INTO patient (id, family_name, given_name, family_fold, given_fold, source, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'logged', '2026-11-20T10:00:00.000Z')",
                rusqlite::params![i.to_string(), family, given, old(family), old(given)],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();
        for (i, (family, given)) in names.iter().enumerate() {
            let (f, g): (String, String) = conn
                .query_row("SELECT family_fold, given_fold FROM patient WHERE id = ?1", [i.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap();
            assert_eq!((f, g), (crate::domain::text::fold(family), crate::domain::text::fold(given)));
        }
        let found: i64 = conn
            .query_row(
                "SELECT count(*) FROM patient_name_search WHERE patient_name_search MATCH '\"lukasz\"'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(found, 1, "the name-search index follows");
    }

    #[test]
    fn schema_9_keeps_every_re_entry_event_and_takes_answers_and_stays_append_only() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..8] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 8).unwrap();
        // Events alone, without the entries and staff they belong to.
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        let insert = "INSERT INTO reentry_event (id, entry_id, at, staff_id, workstation_id, action, note)
                      VALUES (?1, 'e1', ?2, 'KL', 'w1', ?3, ?4)";
        conn.execute(insert, ["a", "2026-11-23T09:00:00.000Z", "claim", ""]).unwrap();
        conn.execute(insert, ["b", "2026-11-23T09:05:00.000Z", "query", "Which dose?"]).unwrap();
        assert!(conn.execute(insert, ["c", "2026-11-23T09:06:00.000Z", "answer", "5 mg"]).is_err(), "schema 8");
        migrate(&mut conn).unwrap();
        let kept: Vec<(String, String, Option<String>)> = conn
            .prepare("SELECT id, action, note FROM reentry_event ORDER BY at")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            kept,
            [
                ("a".into(), "claim".into(), Some(String::new())),
                ("b".into(), "query".into(), Some("Which dose?".into()))
            ]
        );
        conn.execute(insert, ["c", "2026-11-23T09:06:00.000Z", "answer", "5 mg"]).unwrap();
        assert!(conn.execute("UPDATE reentry_event SET note = 'x' WHERE id = 'b'", []).is_err());
        assert!(conn.execute("DELETE FROM reentry_event WHERE id = 'b'", []).is_err());
    }
}
