-- Half-filled report drafts left behind by a secretary who was moved or whose access was revoked.
-- The draft belongs to the unit's work, not to the person: the unit's next secretary to open
-- /report is offered it (storage/dialogs.py adopt_unit_draft), and it is then deleted here.
CREATE TABLE unit_drafts (
    id       INTEGER PRIMARY KEY,
    unit_id  INTEGER NOT NULL REFERENCES units(id),
    flow     TEXT    NOT NULL,
    step     TEXT    NOT NULL,
    data     TEXT    NOT NULL,
    nonce    INTEGER NOT NULL,
    left_by  INTEGER NOT NULL,
    left_at  TEXT    NOT NULL
);
CREATE INDEX unit_drafts_by_unit ON unit_drafts (unit_id, id);
