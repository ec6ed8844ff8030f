-- cutover schema 5: the re-entry queue kept in order. An item's tier, score and due time depend
-- only on what was logged and on the go-live time, so they are worked out when the item changes and
-- kept on its entry row; the queue is then read in order from one index instead of being worked out
-- again for every item each time it is shown.
--
-- The placement is a cache, never a record: it is cleared (set to NULL) whenever anything it was
-- worked out from changes, and the store places every cleared item again before the transaction
-- that changed it commits. A queue that finds an item unplaced, or placed for another go-live time
-- or by another version of the policy, works the whole queue out from the entries instead.

ALTER TABLE entry ADD COLUMN queue_tier INTEGER;     -- 1 to 4; NULL while not placed
ALTER TABLE entry ADD COLUMN queue_score INTEGER;
ALTER TABLE entry ADD COLUMN queue_due TEXT;         -- UTC, the storage format, so text order is time order
ALTER TABLE entry ADD COLUMN queue_booked TEXT;      -- a future booking's own time; NULL for anything else

-- What the placements were worked out against (one row, or none): the go-live time, and the
-- version of the priority policy (a program whose policy differs places every item again).
CREATE TABLE queue_basis (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    reference TEXT NOT NULL,
    policy    TEXT NOT NULL
) STRICT;

-- The queue's order, bookings before other items at equal due time: the first screen is the first
-- rows of this index. The columns after `id` are what the queue shows of an item's state, so that
-- the whole queue is read from the index alone (about a quarter of the table's size), never the table
-- (`voided` and `queue_tier` too: SQLite reads the table for a column of the WHERE clause that the
-- index lacks). Only placed items are in it, so a new entry enters it once, when it is placed.
CREATE INDEX entry_in_queue_order ON entry (
    queue_tier, queue_score DESC, queue_due, queue_booked IS NULL, queue_booked, occurred_at, id,
    reentry_status, kind, patient_id, reentry_assignee, reentry_claimed_until, nhs_waived, voided
) WHERE voided = 0 AND queue_tier IS NOT NULL;

-- Progress by tier and status, overdue or not, counted from a narrow index; it also finds the items
-- not yet placed (NULL tiers come first).
CREATE INDEX entry_by_queue_tier ON entry (queue_tier, reentry_status, queue_due, voided) WHERE voided = 0;

-- What a placement is worked out from: the kind, the copied facts, the flags, whether the item is
-- still open, and (for a registration, which inherits the urgency of what waits for it) the
-- patient's other items. A change to any of them clears the item's placement; placing it again
-- at commit places its patient's registrations with it. The time it happened is here too: the
-- earliest open registration of a patient is the one the others wait for.
CREATE TRIGGER entry_placement_stale
AFTER UPDATE OF kind, flags, voided, patient_id, reentry_status, occurred_at, fact_rx_status, fact_abnormal,
    fact_action_given, fact_urgency, fact_source, fact_action_required, fact_appointment_at,
    fact_appointment_status, fact_expected_electronically, fact_clinical_content ON entry
WHEN OLD.queue_tier IS NOT NULL AND (
    NEW.kind IS NOT OLD.kind OR NEW.flags IS NOT OLD.flags OR NEW.voided IS NOT OLD.voided
    OR NEW.patient_id IS NOT OLD.patient_id OR NEW.occurred_at IS NOT OLD.occurred_at
    OR (NEW.reentry_status IN ('open', 'claimed', 'query')) IS NOT (OLD.reentry_status IN ('open', 'claimed', 'query'))
    OR NEW.fact_rx_status IS NOT OLD.fact_rx_status OR NEW.fact_abnormal IS NOT OLD.fact_abnormal
    OR NEW.fact_action_given IS NOT OLD.fact_action_given OR NEW.fact_urgency IS NOT OLD.fact_urgency
    OR NEW.fact_source IS NOT OLD.fact_source OR NEW.fact_action_required IS NOT OLD.fact_action_required
    OR NEW.fact_appointment_at IS NOT OLD.fact_appointment_at
    OR NEW.fact_appointment_status IS NOT OLD.fact_appointment_status
    OR NEW.fact_expected_electronically IS NOT OLD.fact_expected_electronically
    OR NEW.fact_clinical_content IS NOT OLD.fact_clinical_content)
BEGIN
    UPDATE entry SET queue_tier = NULL WHERE rowid = NEW.rowid;
END;

-- An item that leaves the open queue (done, set aside, voided) or moves to another patient, placed
-- or not: its patients' registrations are cleared, because what they inherit changes and placing
-- the item again would not reach them (a voided item is never placed; the old patient is not its).
-- One statement per patient: with `IN (OLD, NEW)` SQLite walks every registration instead.
CREATE TRIGGER entry_placement_of_registrations
AFTER UPDATE OF voided, patient_id, reentry_status ON entry
WHEN NEW.voided IS NOT OLD.voided OR NEW.patient_id IS NOT OLD.patient_id
    OR (NEW.reentry_status IN ('open', 'claimed', 'query')) IS NOT (OLD.reentry_status IN ('open', 'claimed', 'query'))
BEGIN
    UPDATE entry SET queue_tier = NULL
    WHERE kind = 'registration' AND patient_id = NEW.patient_id AND queue_tier IS NOT NULL;
    UPDATE entry SET queue_tier = NULL
    WHERE kind = 'registration' AND patient_id = OLD.patient_id AND OLD.patient_id IS NOT NEW.patient_id
      AND queue_tier IS NOT NULL;
END;

-- A new item is unplaced, even one that arrives with a placement worked out in another file.
CREATE TRIGGER entry_placement_new AFTER INSERT ON entry WHEN NEW.queue_tier IS NOT NULL
BEGIN
    UPDATE entry SET queue_tier = NULL WHERE rowid = NEW.rowid;
END;
