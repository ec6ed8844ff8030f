-- cutover schema 1: the cutover's settings, workstations, staff, patients, entries with their
-- revisions, and the audit trail. Times are UTC, ISO 8601, fixed width ("2026-11-27T14:30:00.000Z"),
-- so that text order is time order. Ids are UUIDs so that several workstations' logs can merge.
-- Clinical content is never updated or deleted: triggers below refuse it.

CREATE TABLE setting (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    changed_at TEXT NOT NULL
) STRICT;

-- Every machine that has logged into this file's history. Exactly one is this file's own (is_local),
-- and its counter numbers the human references ("R2-0147") of entries made here.
CREATE TABLE workstation (
    id         TEXT PRIMARY KEY,
    prefix     TEXT NOT NULL,
    name       TEXT NOT NULL,
    is_local   INTEGER NOT NULL DEFAULT 0 CHECK (is_local IN (0, 1)),
    next_ref   INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX workstation_only_one_local ON workstation (is_local) WHERE is_local = 1;

CREATE TABLE staff (
    id         TEXT PRIMARY KEY,            -- short id, upper case: initials
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('reception', 'clinician', 'admin', 'manager')),
    created_at TEXT NOT NULL
) STRICT;

-- People entries are about: from the practice's patient list, or typed in during cutover.
-- A patient without an NHS number is a local record waiting to be traced.
CREATE TABLE patient (
    id             TEXT PRIMARY KEY,
    nhs_number     TEXT UNIQUE CHECK (nhs_number IS NULL OR length(nhs_number) = 10),
    family_name    TEXT,
    given_name     TEXT,
    date_of_birth  TEXT,                    -- YYYY-MM-DD
    sex            TEXT,
    postcode       TEXT,
    usual_gp       TEXT,
    -- lower case, letters and digits only: how typed names are matched to this record
    family_fold    TEXT NOT NULL DEFAULT '',
    given_fold     TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL CHECK (source IN ('list', 'logged')),
    created_at     TEXT NOT NULL,
    workstation_id TEXT REFERENCES workstation (id)
) STRICT;
CREATE INDEX patient_by_name ON patient (family_fold, given_fold, date_of_birth);
CREATE INDEX patient_by_birth ON patient (date_of_birth);

-- One row an entry: its identity, which never changes, and a copy of its current revision's
-- headline columns so that lists and the queue need no join. Only the store writes the copy.
CREATE TABLE entry (
    id                  TEXT PRIMARY KEY,
    ref                 TEXT NOT NULL,
    kind                TEXT NOT NULL,
    workstation_id      TEXT NOT NULL REFERENCES workstation (id),
    recorded_at         TEXT NOT NULL,
    recorded_by         TEXT NOT NULL REFERENCES staff (id),
    current_revision_id TEXT NOT NULL REFERENCES revision (id) DEFERRABLE INITIALLY DEFERRED,
    current_recorded_at TEXT NOT NULL,
    patient_id          TEXT REFERENCES patient (id),
    occurred_at         TEXT NOT NULL,
    summary             TEXT NOT NULL,
    flags               TEXT NOT NULL DEFAULT '',  -- ' urgent safeguarding ': names, each between spaces
    voided              INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0, 1)),
    UNIQUE (workstation_id, ref)
) STRICT;
CREATE INDEX entry_by_time ON entry (occurred_at, id);
CREATE INDEX entry_by_kind ON entry (kind, occurred_at);
CREATE INDEX entry_by_patient ON entry (patient_id, occurred_at);
CREATE INDEX entry_by_ref ON entry (ref COLLATE NOCASE);
CREATE INDEX entry_by_workstation ON entry (workstation_id, recorded_at);

-- Every version of every entry. An amendment or a void is a new row whose parent is the
-- revision it changes; two rows with one parent are a conflict to report, never to drop.
CREATE TABLE revision (
    id                 TEXT PRIMARY KEY,
    entry_id           TEXT NOT NULL REFERENCES entry (id),
    parent_id          TEXT REFERENCES revision (id),
    recorded_at        TEXT NOT NULL,
    recorded_by        TEXT NOT NULL REFERENCES staff (id),
    workstation_id     TEXT NOT NULL REFERENCES workstation (id),
    reason             TEXT,
    patient_id         TEXT REFERENCES patient (id),
    occurred_at        TEXT NOT NULL,
    summary            TEXT NOT NULL,
    author             TEXT,
    notes              TEXT,
    codes              TEXT NOT NULL DEFAULT '[]',  -- JSON array of {id, term}
    flags              TEXT NOT NULL DEFAULT '',
    also_in_old_system INTEGER,
    fields             TEXT NOT NULL DEFAULT '{}',  -- JSON object: the kind's own fields
    voided             INTEGER NOT NULL DEFAULT 0 CHECK (voided IN (0, 1))
) STRICT;
CREATE INDEX revision_by_entry ON revision (entry_id, recorded_at);

-- Who did what, when, on which workstation. Append-only.
CREATE TABLE audit (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    at             TEXT NOT NULL,
    staff_id       TEXT,                    -- NULL only for setting up, before anyone is on the staff list
    workstation_id TEXT NOT NULL,
    action         TEXT NOT NULL,
    subject        TEXT,                    -- the entry, patient, staff member or setting acted on
    detail         TEXT NOT NULL DEFAULT '{}'  -- JSON: what changed
) STRICT;
CREATE INDEX audit_by_subject ON audit (subject);

CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be changed'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be deleted'); END;

CREATE TRIGGER revision_is_never_changed BEFORE UPDATE ON revision
BEGIN SELECT RAISE(ABORT, 'a revision is never changed: amend the entry to add a new one'); END;
CREATE TRIGGER revision_is_never_deleted BEFORE DELETE ON revision
BEGIN SELECT RAISE(ABORT, 'a revision is never deleted'); END;

CREATE TRIGGER entry_is_never_deleted BEFORE DELETE ON entry
BEGIN SELECT RAISE(ABORT, 'an entry is never deleted: void it with a reason'); END;
CREATE TRIGGER entry_identity_is_fixed
BEFORE UPDATE OF id, ref, kind, workstation_id, recorded_at, recorded_by ON entry
BEGIN SELECT RAISE(ABORT, 'an entry''s identity never changes'); END;
-- The headline copy must always be one of the entry's own revisions.
CREATE TRIGGER entry_follows_its_revisions
BEFORE UPDATE OF current_revision_id ON entry
WHEN NOT EXISTS (SELECT 1 FROM revision WHERE id = NEW.current_revision_id AND entry_id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'an entry can only show one of its own revisions'); END;
