-- cutover schema 3: drafts of half-typed forms, and a trigram index for finding patients by any
-- part of their name as it is typed.

-- A form autosaved while it is typed, so that a crash, a closed terminal or a signal loses nothing.
-- Drafts are not clinical records: one is removed when it is saved as an entry or discarded on purpose.
CREATE TABLE draft (
    id             TEXT PRIMARY KEY,
    workstation_id TEXT NOT NULL REFERENCES workstation (id),
    staff_id       TEXT REFERENCES staff (id),
    kind           TEXT NOT NULL,
    body           TEXT NOT NULL,          -- JSON: the form as typed, field by field
    started_at     TEXT NOT NULL,
    saved_at       TEXT NOT NULL
) STRICT;
CREATE INDEX draft_by_workstation ON draft (workstation_id, saved_at);

-- Three-letter pieces of every patient's folded names: "any part of the name" without a scan.
CREATE VIRTUAL TABLE patient_name_search USING fts5 (
    family_fold, given_fold, content = 'patient', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO patient_name_search (rowid, family_fold, given_fold) SELECT rowid, family_fold, given_fold FROM patient;
CREATE TRIGGER patient_name_search_insert AFTER INSERT ON patient BEGIN
    INSERT INTO patient_name_search (rowid, family_fold, given_fold) VALUES (NEW.rowid, NEW.family_fold, NEW.given_fold);
END;
CREATE TRIGGER patient_name_search_delete AFTER DELETE ON patient BEGIN
    INSERT INTO patient_name_search (patient_name_search, rowid, family_fold, given_fold)
    VALUES ('delete', OLD.rowid, OLD.family_fold, OLD.given_fold);
END;
CREATE TRIGGER patient_name_search_update AFTER UPDATE OF family_fold, given_fold ON patient BEGIN
    INSERT INTO patient_name_search (patient_name_search, rowid, family_fold, given_fold)
    VALUES ('delete', OLD.rowid, OLD.family_fold, OLD.given_fold);
    INSERT INTO patient_name_search (rowid, family_fold, given_fold) VALUES (NEW.rowid, NEW.family_fold, NEW.given_fold);
END;
