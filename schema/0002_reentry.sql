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
