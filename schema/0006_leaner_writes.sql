-- cutover schema 6: an entry's queue facts defined once, and written once by a merge. Nothing is
-- stored differently.
--
-- The facts an entry copies from its current revision (schema 2) are defined in the view
-- `revision_facts` instead of in three triggers. Schema 2's `entry_facts_on_new_entry` is dropped
-- rather than rewritten: a revision names its entry through an immediate foreign key, so every save
-- writes the entry before its revisions and that trigger never found one. Merge brings revisions
-- across before their entries (foreign keys deferred to its commit) and writes each new entry's
-- facts from this view in the same insert, so the entry row is written once rather than inserted
-- and then updated. `cutover check` reports any entry whose facts are not its current revision's.

CREATE VIEW revision_facts AS
SELECT
    id,
    fields ->> '$.rx_status' AS fact_rx_status,
    fields ->> '$.abnormal' AS fact_abnormal,
    (fields ->> '$.action') IS NOT NULL AS fact_action_given,
    fields ->> '$.urgency' AS fact_urgency,
    fields ->> '$.source' AS fact_source,
    fields ->> '$.action_required' AS fact_action_required,
    fields ->> '$.appointment_at' AS fact_appointment_at,
    fields ->> '$.appointment_status' AS fact_appointment_status,
    fields ->> '$.expected_electronically' AS fact_expected_electronically,
    (fields ->> '$.history') IS NOT NULL OR (fields ->> '$.examination') IS NOT NULL
        OR (fields ->> '$.assessment') IS NOT NULL OR (fields ->> '$.plan') IS NOT NULL
        OR (fields ->> '$.follow_up') IS NOT NULL AS fact_clinical_content
FROM revision;

DROP TRIGGER entry_facts_on_new_entry;
DROP TRIGGER entry_facts_on_new_current;
DROP TRIGGER entry_facts_on_new_revision;

-- An entry that comes to show another of its revisions (an amendment, a void, a merge).
CREATE TRIGGER entry_facts_on_new_current AFTER UPDATE OF current_revision_id ON entry
BEGIN
    UPDATE entry SET
        fact_rx_status = f.fact_rx_status, fact_abnormal = f.fact_abnormal,
        fact_action_given = f.fact_action_given, fact_urgency = f.fact_urgency, fact_source = f.fact_source,
        fact_action_required = f.fact_action_required, fact_appointment_at = f.fact_appointment_at,
        fact_appointment_status = f.fact_appointment_status,
        fact_expected_electronically = f.fact_expected_electronically,
        fact_clinical_content = f.fact_clinical_content
    FROM revision_facts f WHERE entry.id = NEW.id AND f.id = NEW.current_revision_id;
END;

-- An entry saved just before its first revision (the revision follows in the same transaction).
CREATE TRIGGER entry_facts_on_new_revision AFTER INSERT ON revision
WHEN EXISTS (SELECT 1 FROM entry WHERE id = NEW.entry_id AND current_revision_id = NEW.id)
BEGIN
    UPDATE entry SET
        fact_rx_status = f.fact_rx_status, fact_abnormal = f.fact_abnormal,
        fact_action_given = f.fact_action_given, fact_urgency = f.fact_urgency, fact_source = f.fact_source,
        fact_action_required = f.fact_action_required, fact_appointment_at = f.fact_appointment_at,
        fact_appointment_status = f.fact_appointment_status,
        fact_expected_electronically = f.fact_expected_electronically,
        fact_clinical_content = f.fact_clinical_content
    FROM revision_facts f WHERE entry.id = NEW.entry_id AND f.id = NEW.id;
END;
