-- Units, the people bound to them, invites, the audit log, and in-progress dialogs.
CREATE TABLE units (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    kind         TEXT    NOT NULL,
    member_count INTEGER NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    archived     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL
);

CREATE TABLE people (
    user_id      INTEGER PRIMARY KEY,
    display_name TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('leader', 'secretary')),
    unit_id      INTEGER REFERENCES units(id),
    active       INTEGER NOT NULL DEFAULT 1,
    reachable    INTEGER NOT NULL DEFAULT 1,
    joined_at    TEXT    NOT NULL,
    CHECK (role = 'leader' OR unit_id IS NOT NULL)
);
CREATE INDEX people_unit ON people(unit_id);

CREATE TABLE invites (
    code_hash  TEXT    PRIMARY KEY,
    role       TEXT    NOT NULL CHECK (role IN ('leader', 'secretary')),
    unit_id    INTEGER REFERENCES units(id),
    created_by INTEGER,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    used_by    INTEGER,
    used_at    TEXT,
    CHECK (role = 'leader' OR unit_id IS NOT NULL)
);

CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT    NOT NULL,
    actor_id INTEGER,
    action   TEXT    NOT NULL,
    subject  TEXT,
    detail   TEXT
);

-- One in-progress guided conversation per person. `nonce` changes whenever a new card is shown,
-- so buttons of an older card can be recognised as stale.
CREATE TABLE dialogs (
    user_id    INTEGER PRIMARY KEY,
    flow       TEXT    NOT NULL,
    step       TEXT    NOT NULL,
    data       TEXT    NOT NULL DEFAULT '{}',
    nonce      INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
);
