-- cutover schema 10: the practice manager's runbook (issue 16). The cutover plan by category, the
-- checklists' ticks, third-party services switched off and back on, the go-live re-check and the
-- sign-off of Go Live Data. The items themselves (categories, questions, seeded services, report
-- checks) are data built into the program (data/runbook.toml); only what the practice did is here.
--
-- Like entries, nothing is updated or deleted: every change is a new row with a UUID, who, when and
-- on which workstation (and an audit row), and where something stands is worked out from its rows in
-- time order. So two workstations' runbook work merges by adding the rows (by id) the other lacks,
-- both end up holding the same rows, and merging the same file twice adds nothing.

-- How each kind of work will be handled during cutover, and who leads it. A revision names the one it
-- replaces (`parent_id`), as an entry's do: two made apart from one version are both kept.
CREATE TABLE plan_revision (
    id             TEXT PRIMARY KEY,            -- UUID
    category       TEXT NOT NULL,               -- a category's id in data/runbook.toml
    parent_id      TEXT REFERENCES plan_revision (id),
    how            TEXT NOT NULL CHECK (length(trim(how)) > 0),
    lead           TEXT NOT NULL REFERENCES staff (id),
    recorded_at    TEXT NOT NULL,
    recorded_by    TEXT NOT NULL REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id)
) STRICT;
CREATE INDEX plan_revision_by_category ON plan_revision (category, recorded_at);

-- A checklist item ticked, unticked (ticked in error) or given a note.
CREATE TABLE checklist_event (
    id             TEXT PRIMARY KEY,
    item           TEXT NOT NULL,               -- an item's id in data/runbook.toml, such as PM-E1
    action         TEXT NOT NULL CHECK (action IN ('tick', 'untick', 'note')),
    note           TEXT,
    at             TEXT NOT NULL,
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id)
) STRICT;
CREATE INDEX checklist_event_by_item ON checklist_event (item, at);

-- A third-party service the practice added to the seeded list. It is known by its folded name (`key`):
-- the same service added on two workstations apart is two rows after a merge, and one service, shown
-- under the name it was first added with.
CREATE TABLE service (
    id             TEXT PRIMARY KEY,
    key            TEXT NOT NULL,
    name           TEXT NOT NULL,
    added_at       TEXT NOT NULL,
    added_by       TEXT NOT NULL REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id)
) STRICT;
CREATE INDEX service_by_key ON service (key, added_at);

-- A service's state changed (to switch off, confirmed off, to switch on, confirmed back on, not used
-- here), or a chase note (no state) added.
CREATE TABLE service_event (
    id             TEXT PRIMARY KEY,
    service        TEXT NOT NULL,               -- a service's key: its folded name
    state          TEXT CHECK (state IS NULL OR state IN
                       ('to_switch_off', 'confirmed_off', 'to_switch_on', 'confirmed_on', 'not_used')),
    note           TEXT,
    at             TEXT NOT NULL,
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id),
    CHECK (state IS NOT NULL OR note IS NOT NULL)
) STRICT;
CREATE INDEX service_event_by_service ON service_event (service, at);

-- A random sample of the patient list drawn for the go-live re-check: the seed and the list's size
-- are kept, so the same sample can be drawn again and shown to anyone.
CREATE TABLE recheck_sample (
    id             TEXT PRIMARY KEY,
    seed           TEXT NOT NULL,               -- a whole number (up to 2^64 - 1), as text
    size           INTEGER NOT NULL CHECK (size > 0),
    population     INTEGER NOT NULL,            -- patients on the list it was drawn from
    drawn_at       TEXT NOT NULL,
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id)
) STRICT;

-- A patient to re-check at go-live: one tested at the initial data production, or drawn in a sample.
-- The same patient added on two workstations apart is two rows after a merge, and re-checked once
-- (the first added counts).
CREATE TABLE recheck_patient (
    id             TEXT PRIMARY KEY,
    nhs_number     TEXT NOT NULL CHECK (length(nhs_number) = 10),
    why            TEXT NOT NULL CHECK (why IN ('idp', 'sample')),
    sample_id      TEXT REFERENCES recheck_sample (id),
    added_at       TEXT NOT NULL,
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id)
) STRICT;
CREATE INDEX recheck_patient_by_number ON recheck_patient (nhs_number, added_at);

-- What the re-check found for a patient (by NHS number) or a report (`report:qof`...): it matches, or
-- an issue; and then an issue's progress (reported to the supplier, fixed, accepted as it is).
CREATE TABLE recheck_event (
    id             TEXT PRIMARY KEY,
    subject        TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('matches', 'issue', 'reported', 'fixed', 'accepted')),
    note           TEXT,
    at             TEXT NOT NULL,
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id),
    CHECK (state <> 'issue' OR length(trim(coalesce(note, ''))) > 0)
) STRICT;
CREATE INDEX recheck_event_by_subject ON recheck_event (subject, at);

-- Go Live Data signed off: who, when, what was still open then, and the reason if anything was.
CREATE TABLE recheck_signoff (
    id             TEXT PRIMARY KEY,
    at             TEXT NOT NULL,
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id),
    open_issues    INTEGER NOT NULL,
    unchecked      INTEGER NOT NULL,
    reason         TEXT,
    CHECK (open_issues + unchecked = 0 OR length(trim(coalesce(reason, ''))) > 0)
) STRICT;

CREATE TRIGGER plan_revision_is_never_changed BEFORE UPDATE ON plan_revision
BEGIN SELECT RAISE(ABORT, 'the cutover plan keeps every version: set it again to change it'); END;
CREATE TRIGGER plan_revision_is_never_deleted BEFORE DELETE ON plan_revision
BEGIN SELECT RAISE(ABORT, 'the cutover plan keeps every version: it is never deleted'); END;
CREATE TRIGGER checklist_event_is_append_only_update BEFORE UPDATE ON checklist_event
BEGIN SELECT RAISE(ABORT, 'the checklist history is append-only: its rows cannot be changed'); END;
CREATE TRIGGER checklist_event_is_append_only_delete BEFORE DELETE ON checklist_event
BEGIN SELECT RAISE(ABORT, 'the checklist history is append-only: its rows cannot be deleted'); END;
CREATE TRIGGER service_is_never_changed BEFORE UPDATE ON service
BEGIN SELECT RAISE(ABORT, 'a service once added stays on the list: mark it not used instead'); END;
CREATE TRIGGER service_is_never_deleted BEFORE DELETE ON service
BEGIN SELECT RAISE(ABORT, 'a service once added stays on the list: mark it not used instead'); END;
CREATE TRIGGER service_event_is_append_only_update BEFORE UPDATE ON service_event
BEGIN SELECT RAISE(ABORT, 'the services history is append-only: its rows cannot be changed'); END;
CREATE TRIGGER service_event_is_append_only_delete BEFORE DELETE ON service_event
BEGIN SELECT RAISE(ABORT, 'the services history is append-only: its rows cannot be deleted'); END;
CREATE TRIGGER recheck_sample_is_append_only_update BEFORE UPDATE ON recheck_sample
BEGIN SELECT RAISE(ABORT, 'the re-check history is append-only: its rows cannot be changed'); END;
CREATE TRIGGER recheck_sample_is_append_only_delete BEFORE DELETE ON recheck_sample
BEGIN SELECT RAISE(ABORT, 'the re-check history is append-only: its rows cannot be deleted'); END;
CREATE TRIGGER recheck_patient_is_append_only_update BEFORE UPDATE ON recheck_patient
BEGIN SELECT RAISE(ABORT, 'the re-check history is append-only: its rows cannot be changed'); END;
CREATE TRIGGER recheck_patient_is_append_only_delete BEFORE DELETE ON recheck_patient
BEGIN SELECT RAISE(ABORT, 'the re-check history is append-only: its rows cannot be deleted'); END;
CREATE TRIGGER recheck_event_is_append_only_update BEFORE UPDATE ON recheck_event
BEGIN SELECT RAISE(ABORT, 'the re-check history is append-only: its rows cannot be changed'); END;
CREATE TRIGGER recheck_event_is_append_only_delete BEFORE DELETE ON recheck_event
BEGIN SELECT RAISE(ABORT, 'the re-check history is append-only: its rows cannot be deleted'); END;
CREATE TRIGGER recheck_signoff_is_append_only_update BEFORE UPDATE ON recheck_signoff
BEGIN SELECT RAISE(ABORT, 'a sign-off is never changed: sign off again'); END;
CREATE TRIGGER recheck_signoff_is_append_only_delete BEFORE DELETE ON recheck_signoff
BEGIN SELECT RAISE(ABORT, 'a sign-off is never deleted'); END;
