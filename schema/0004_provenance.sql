-- cutover schema: where rows came from. Files imported (patient lists, entries typed from paper),
-- the CSV line each imported entry came from, files merged in from other workstations, and, on each
-- audit row brought in by a merge, the file it came from. Like the audit trail, all append-only.

-- One row a file imported. `fingerprint` (FNV-1a 64 of the file's bytes, in hex) lets the same
-- paper-forms file be recognised if someone tries to import it twice, which would double its entries.
CREATE TABLE import_file (
    id             TEXT PRIMARY KEY,
    what           TEXT NOT NULL CHECK (what IN ('patients', 'entries')),
    file_name      TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    rows_loaded    INTEGER NOT NULL,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    imported_at    TEXT NOT NULL,
    imported_by    TEXT REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id)
) STRICT;
CREATE INDEX import_file_by_fingerprint ON import_file (what, fingerprint);

-- The provenance of an entry typed from paper: which imported file, which line.
CREATE TABLE entry_source (
    entry_id  TEXT PRIMARY KEY REFERENCES entry (id),
    import_id TEXT NOT NULL REFERENCES import_file (id),
    line      INTEGER NOT NULL
) STRICT;

-- One row a file merged into this database (or into any database whose rows were merged here).
CREATE TABLE merge_file (
    id                     TEXT PRIMARY KEY,
    file_name              TEXT NOT NULL,
    source_workstation_id  TEXT,
    merged_at              TEXT NOT NULL,
    merged_by              TEXT REFERENCES staff (id),
    workstation_id         TEXT NOT NULL REFERENCES workstation (id),
    detail                 TEXT NOT NULL DEFAULT '{}'
) STRICT;

-- While an entry's first revision is not yet saved (within one transaction), SQLite looks for the
-- entry from the revision's side: without this index, every save scans every entry, and a merge of
-- 10,000 entries scans the table 10,000 times. The second serves the same lookup for amendments
-- and finds conflicting amendments (two revisions with one parent).
CREATE INDEX entry_by_current_revision ON entry (current_revision_id);
CREATE INDEX revision_by_parent ON revision (parent_id);

-- The file an audit row was merged in from; NULL for rows written in this file's own history.
ALTER TABLE audit ADD COLUMN merged_from TEXT;

CREATE TRIGGER import_file_is_append_only_update BEFORE UPDATE ON import_file
BEGIN SELECT RAISE(ABORT, 'the record of imported files is append-only'); END;
CREATE TRIGGER import_file_is_append_only_delete BEFORE DELETE ON import_file
BEGIN SELECT RAISE(ABORT, 'the record of imported files is append-only'); END;
CREATE TRIGGER entry_source_is_append_only_update BEFORE UPDATE ON entry_source
BEGIN SELECT RAISE(ABORT, 'an imported entry''s provenance never changes'); END;
CREATE TRIGGER entry_source_is_append_only_delete BEFORE DELETE ON entry_source
BEGIN SELECT RAISE(ABORT, 'an imported entry''s provenance never changes'); END;
CREATE TRIGGER merge_file_is_append_only_update BEFORE UPDATE ON merge_file
BEGIN SELECT RAISE(ABORT, 'the record of merged files is append-only'); END;
CREATE TRIGGER merge_file_is_append_only_delete BEFORE DELETE ON merge_file
BEGIN SELECT RAISE(ABORT, 'the record of merged files is append-only'); END;
