-- cutover schema 12: sharing the log through the practice's shared folder (issue 14), and reference
-- counters that always continue after the highest reference their workstation's entries hold.

-- This PC's own settings and state: never merged, exported to another PC's log, or shared. The
-- shared folder's path is one (PCs may map one share differently), and where this file was set up
-- (so that a copy of it used on another PC is noticed).
CREATE TABLE local_setting (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    changed_at TEXT NOT NULL
) STRICT;

-- What this PC has put in the shared folder: each piece (pieces `first_seq` to `seq`) of a series
-- (`epoch`), with the
-- highest row of each table it holds ("marks", JSON), so that the next piece holds only what is new,
-- and its length, so that a piece damaged or cut short in the folder is noticed and replaced.
CREATE TABLE share_published (
    epoch        TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    first_seq    INTEGER NOT NULL,
    marks        TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (epoch, first_seq, seq)
) STRICT;

-- What this PC has taken from each other PC's pieces in the shared folder, and when it last heard
-- from it: so that a round reads only pieces it has not read.
CREATE TABLE share_source (
    workstation_id TEXT PRIMARY KEY,
    epoch          TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    name           TEXT NOT NULL,
    prefix         TEXT NOT NULL,
    heard_at       TEXT,
    entries_taken  INTEGER NOT NULL DEFAULT 0
) STRICT;

-- A database restored from a backup and then given back its later entries by a merge kept its old
-- counter, and every save then failed on a reference already taken: counters move past them.
UPDATE workstation SET next_ref = max(next_ref, coalesce((
    SELECT max(CAST(substr(e.ref, length(rtrim(e.ref, '0123456789')) + 1) AS INTEGER)) + 1
    FROM entry e WHERE e.workstation_id = workstation.id), 0));

-- A database copied from another PC's shares its workstation identity, so both give the same
-- references to different entries. `cutover init --new-identity` gives the copy its own: each entry
-- logged on the copy takes a reference of the new workstation, recorded here. Merged to every PC,
-- where the same entry takes the same new reference. Append-only.
CREATE TABLE entry_renumbered (
    id                 TEXT PRIMARY KEY,
    entry_id           TEXT NOT NULL REFERENCES entry (id),
    old_workstation_id TEXT NOT NULL,
    old_ref            TEXT NOT NULL,
    new_workstation_id TEXT NOT NULL REFERENCES workstation (id),
    new_ref            TEXT NOT NULL,
    at                 TEXT NOT NULL,
    staff_id           TEXT REFERENCES staff (id),
    workstation_id     TEXT NOT NULL REFERENCES workstation (id)
) STRICT;
CREATE INDEX entry_renumbered_by_entry ON entry_renumbered (entry_id);
CREATE TRIGGER entry_renumbered_is_append_only_update BEFORE UPDATE ON entry_renumbered
BEGIN SELECT RAISE(ABORT, 'a renumbering is never changed'); END;
CREATE TRIGGER entry_renumbered_is_append_only_delete BEFORE DELETE ON entry_renumbered
BEGIN SELECT RAISE(ABORT, 'a renumbering is never deleted'); END;

-- An entry's identity still never changes, except its reference and workstation, and only as a
-- renumbering recorded above says.
DROP TRIGGER entry_identity_is_fixed;
CREATE TRIGGER entry_identity_is_fixed
BEFORE UPDATE OF id, kind, recorded_at, recorded_by ON entry
BEGIN SELECT RAISE(ABORT, 'an entry''s identity never changes'); END;
CREATE TRIGGER entry_reference_changes_only_as_recorded
BEFORE UPDATE OF ref, workstation_id ON entry
WHEN NOT EXISTS (SELECT 1 FROM entry_renumbered n WHERE n.entry_id = NEW.id
                 AND n.old_workstation_id = OLD.workstation_id AND n.old_ref = OLD.ref
                 AND n.new_workstation_id = NEW.workstation_id AND n.new_ref = NEW.ref)
BEGIN SELECT RAISE(ABORT, 'an entry''s identity never changes'); END;
