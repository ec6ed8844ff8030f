-- cutover schema 9: a clinician answers a query (issue 12). The answer is one more append-only
-- event, `answer`, whose note is the answer's text; it puts the item back in the open queue. A
-- query may name the clinician it is for (`for_staff`); without one it is for any clinician.
-- SQLite cannot change a CHECK constraint in place, so the history table is made again with the
-- new action and column, every row copied as it was. Dropping the old table fires no trigger
-- (SQLite drops a table's triggers before emptying it), so the append-only rule is not bypassed
-- for any row that survives: every row survives.

CREATE TABLE reentry_event_9 (
    id             TEXT PRIMARY KEY,        -- UUID, so that workstations' events merge
    entry_id       TEXT NOT NULL REFERENCES entry (id),
    at             TEXT NOT NULL,
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    workstation_id TEXT NOT NULL REFERENCES workstation (id),
    action         TEXT NOT NULL CHECK (action IN
                       ('claim', 'release', 'done', 'query', 'not_required', 'reopen', 'waive_nhs', 'answer')),
    note           TEXT,                    -- the question (query), the answer (answer), the reason (not_required, waive_nhs), a note
    new_system_ref TEXT,                    -- done: the item's reference in the new system
    nhs_number     TEXT CHECK (nhs_number IS NULL OR length(nhs_number) = 10),  -- done: a registration's traced number
    claimed_until  TEXT,                    -- claim: when the claim lapses
    taken_from     TEXT,                    -- claim or done over someone else's live claim: whose it was
    for_staff      TEXT REFERENCES staff (id)  -- query: the clinician it is for; NULL: any clinician
) STRICT;

INSERT INTO reentry_event_9 (id, entry_id, at, staff_id, workstation_id, action, note, new_system_ref, nhs_number,
                             claimed_until, taken_from)
    SELECT id, entry_id, at, staff_id, workstation_id, action, note, new_system_ref, nhs_number, claimed_until,
           taken_from
    FROM reentry_event;

DROP TABLE reentry_event;
ALTER TABLE reentry_event_9 RENAME TO reentry_event;

CREATE INDEX reentry_event_by_entry ON reentry_event (entry_id, at);
-- A query's question and answer, read for the items shown, and the queries for one clinician.
CREATE INDEX reentry_event_asked ON reentry_event (entry_id, at, id) WHERE action IN ('query', 'answer');

CREATE TRIGGER reentry_event_is_append_only_update BEFORE UPDATE ON reentry_event
BEGIN SELECT RAISE(ABORT, 'the re-entry history is append-only: its rows cannot be changed'); END;
CREATE TRIGGER reentry_event_is_append_only_delete BEFORE DELETE ON reentry_event
BEGIN SELECT RAISE(ABORT, 'the re-entry history is append-only: its rows cannot be deleted'); END;

-- The items waiting for a clinician (few), found without reading every entry: a clinician's list.
CREATE INDEX entry_waiting_for_clinician ON entry (id) WHERE reentry_status = 'query';
