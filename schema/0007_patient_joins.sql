-- cutover schema 7: names folded the same way whatever the keyboard, and patient records joined
-- by a person.

-- Folding now also turns letters that carry their mark inside them into what an English keyboard
-- types ("Łukasz" is found as "lukasz"); `plain_letters` in src/domain/text.rs is the same table.
-- The name-search index follows through its update trigger (schema 3).
UPDATE patient SET
    family_fold = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        family_fold, 'ł', 'l'), 'ŀ', 'l'), 'ø', 'o'), 'đ', 'd'), 'ð', 'd'), 'ħ', 'h'), 'ı', 'i'), 'ŧ', 't'),
        'æ', 'ae'), 'œ', 'oe'), 'ß', 'ss'),
    given_fold = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        given_fold, 'ł', 'l'), 'ŀ', 'l'), 'ø', 'o'), 'đ', 'd'), 'ð', 'd'), 'ħ', 'h'), 'ı', 'i'), 'ŧ', 't'),
        'æ', 'ae'), 'œ', 'oe'), 'ß', 'ss')
WHERE family_fold GLOB '*[łŀøđðħıŧæœß]*' OR given_fold GLOB '*[łŀøđðħıŧæœß]*';
UPDATE patient SET
    family_fold = replace(family_fold, 'þ', 'th'), given_fold = replace(given_fold, 'þ', 'th')
WHERE family_fold GLOB '*þ*' OR given_fold GLOB '*þ*';

-- A record joined into another by `cutover patients join`: its entries were moved (each by a new
-- revision) to the record it names, and it is no longer offered by look-up or matched when logging.
-- The row itself stays, so that earlier revisions still point at something.
ALTER TABLE patient ADD COLUMN joined_into TEXT REFERENCES patient (id);
