-- cutover schema 2: the re-entry queue's state. Every change to an item after go-live (claim,
-- release, done, query, not required, reopen, NHS-number waiver) is one append-only row of
-- `reentry_event`; the entry row carries a copy of where the item now stands, written by the
-- store in the same transaction, so that the queue reads `entry` alone. The events are the record:
-- the copy can always be rebuilt from them (latest event by `at`, then `id`).

CREATE TABLE reentry_event (
    id             TEXT PRIMARY KEY,        -- UUID, so that workstations' events merge
    entry_id       TEXT NOT NULL REFERENCES entry (id),
    at             TEXT NOT NULL,
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id),
    action         TEXT NOT NULL CHECK (action IN
                       ('claim', 'release', 'done', 'query', 'not_required', 'reopen', 'waive_nhs')),
    note           TEXT,                    -- the question (query), the reason (not_required, waive_nhs), a note
    new_system_ref TEXT,                    -- done: the item's reference in the new system
    nhs_number     TEXT CHECK (nhs_number IS NULL OR length(nhs_number) = 10),  -- done: a registration's traced number
    claimed_until  TEXT,                    -- claim: when the claim lapses
    taken_from     TEXT                     -- claim or done over someone else's live claim: whose it was
) STRICT;
CREATE INDEX reentry_event_by_entry ON reentry_event (entry_id, at);

CREATE TRIGGER reentry_event_is_append_only_update BEFORE UPDATE ON reentry_event
BEGIN SELECT RAISE(ABORT, 'the re-entry history is append-only: its rows cannot be changed'); END;
CREATE TRIGGER reentry_event_is_append_only_delete BEFORE DELETE ON reentry_event
BEGIN SELECT RAISE(ABORT, 'the re-entry history is append-only: its rows cannot be deleted'); END;

-- Where each item stands now: a copy of what its events say.
ALTER TABLE entry ADD COLUMN reentry_status TEXT NOT NULL DEFAULT 'open'
    CHECK (reentry_status IN ('open', 'claimed', 'done', 'query', 'not_required'));
ALTER TABLE entry ADD COLUMN reentry_assignee TEXT;         -- who claimed it, or who finished it
ALTER TABLE entry ADD COLUMN reentry_claimed_until TEXT;
ALTER TABLE entry ADD COLUMN reentry_changed_at TEXT;
ALTER TABLE entry ADD COLUMN reentry_ref TEXT;              -- the reference in the new system
ALTER TABLE entry ADD COLUMN reentry_nhs_number TEXT;       -- a registration's traced NHS number
ALTER TABLE entry ADD COLUMN nhs_waived INTEGER NOT NULL DEFAULT 0 CHECK (nhs_waived IN (0, 1));

-- "Mine" and "by assignee" in the queue.
CREATE INDEX entry_by_assignee ON entry (reentry_assignee) WHERE reentry_assignee IS NOT NULL;
-- A patient's registration still to be keyed blocks their other items: found per patient.
CREATE INDEX entry_registration_by_patient ON entry (patient_id, reentry_status) WHERE kind = 'registration';

-- The few fields of the current revision that decide an item's place in the queue, copied onto
-- the entry so that the queue is one scan of `entry` with no join to `revision`. Triggers keep the
-- copy, whoever writes the revision (logging, amending, importing, merging), and every path that
-- moves an entry's current revision passes through one of them. Yes/no facts are ANY, not
-- INTEGER, so that an unexpected value (from a newer version) can never make a save fail.
ALTER TABLE entry ADD COLUMN fact_rx_status TEXT;
ALTER TABLE entry ADD COLUMN fact_abnormal ANY;
ALTER TABLE entry ADD COLUMN fact_action_given INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entry ADD COLUMN fact_urgency TEXT;
ALTER TABLE entry ADD COLUMN fact_source TEXT;
ALTER TABLE entry ADD COLUMN fact_action_required ANY;
ALTER TABLE entry ADD COLUMN fact_appointment_at TEXT;
ALTER TABLE entry ADD COLUMN fact_appointment_status TEXT;
ALTER TABLE entry ADD COLUMN fact_expected_electronically ANY;
ALTER TABLE entry ADD COLUMN fact_clinical_content INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER entry_facts_on_new_entry AFTER INSERT ON entry
BEGIN
    UPDATE entry SET
        fact_rx_status = r.fields ->> '$.rx_status',
        fact_abnormal = r.fields ->> '$.abnormal',
        fact_action_given = (r.fields ->> '$.action') IS NOT NULL,
        fact_urgency = r.fields ->> '$.urgency',
        fact_source = r.fields ->> '$.source',
        fact_action_required = r.fields ->> '$.action_required',
        fact_appointment_at = r.fields ->> '$.appointment_at',
        fact_appointment_status = r.fields ->> '$.appointment_status',
        fact_expected_electronically = r.fields ->> '$.expected_electronically',
        fact_clinical_content = (r.fields ->> '$.history') IS NOT NULL OR (r.fields ->> '$.examination') IS NOT NULL
            OR (r.fields ->> '$.assessment') IS NOT NULL OR (r.fields ->> '$.plan') IS NOT NULL
            OR (r.fields ->> '$.follow_up') IS NOT NULL
    FROM revision r WHERE entry.id = NEW.id AND r.id = NEW.current_revision_id;
END;

CREATE TRIGGER entry_facts_on_new_current AFTER UPDATE OF current_revision_id ON entry
BEGIN
    UPDATE entry SET
        fact_rx_status = r.fields ->> '$.rx_status',
        fact_abnormal = r.fields ->> '$.abnormal',
        fact_action_given = (r.fields ->> '$.action') IS NOT NULL,
        fact_urgency = r.fields ->> '$.urgency',
        fact_source = r.fields ->> '$.source',
        fact_action_required = r.fields ->> '$.action_required',
        fact_appointment_at = r.fields ->> '$.appointment_at',
        fact_appointment_status = r.fields ->> '$.appointment_status',
        fact_expected_electronically = r.fields ->> '$.expected_electronically',
        fact_clinical_content = (r.fields ->> '$.history') IS NOT NULL OR (r.fields ->> '$.examination') IS NOT NULL
            OR (r.fields ->> '$.assessment') IS NOT NULL OR (r.fields ->> '$.plan') IS NOT NULL
            OR (r.fields ->> '$.follow_up') IS NOT NULL
    FROM revision r WHERE entry.id = NEW.id AND r.id = NEW.current_revision_id;
END;

-- An entry saved just before its first revision (the revision follows in the same transaction).
CREATE TRIGGER entry_facts_on_new_revision AFTER INSERT ON revision
WHEN EXISTS (SELECT 1 FROM entry WHERE id = NEW.entry_id AND current_revision_id = NEW.id)
BEGIN
    UPDATE entry SET
        fact_rx_status = NEW.fields ->> '$.rx_status',
        fact_abnormal = NEW.fields ->> '$.abnormal',
        fact_action_given = (NEW.fields ->> '$.action') IS NOT NULL,
        fact_urgency = NEW.fields ->> '$.urgency',
        fact_source = NEW.fields ->> '$.source',
        fact_action_required = NEW.fields ->> '$.action_required',
        fact_appointment_at = NEW.fields ->> '$.appointment_at',
        fact_appointment_status = NEW.fields ->> '$.appointment_status',
        fact_expected_electronically = NEW.fields ->> '$.expected_electronically',
        fact_clinical_content = (NEW.fields ->> '$.history') IS NOT NULL OR (NEW.fields ->> '$.examination') IS NOT NULL
            OR (NEW.fields ->> '$.assessment') IS NOT NULL OR (NEW.fields ->> '$.plan') IS NOT NULL
            OR (NEW.fields ->> '$.follow_up') IS NOT NULL
    WHERE id = NEW.entry_id;
END;

-- Entries saved before this migration.
UPDATE entry SET current_revision_id = current_revision_id;
