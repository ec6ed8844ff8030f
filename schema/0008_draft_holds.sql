-- cutover schema 8: a draft belongs to the window that is editing it.
-- While a form is open its window holds the draft, renewing the hold each time it autosaves; a
-- draft is offered back (after a crash, a closed window) only once no window holds it, so two
-- windows on one file never carry on with the same form and save it twice.
ALTER TABLE draft ADD COLUMN held_by TEXT;     -- the window (one run of the program) editing it
ALTER TABLE draft ADD COLUMN held_until TEXT;  -- when the hold lapses if that window has gone
