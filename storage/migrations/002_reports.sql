-- What secretaries report: activities (with photos and edit history), commitments, period notes.
CREATE TABLE activities (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    kind        TEXT    NOT NULL,
    held_on     TEXT    NOT NULL,             -- YYYY-MM-DD, local date
    topic       TEXT    NOT NULL,
    attended    INTEGER NOT NULL CHECK (attended >= 0),
    expected    INTEGER NOT NULL CHECK (expected >= 0),
    summary     TEXT,
    start_time  TEXT,                         -- HH:MM
    place       TEXT,
    host        TEXT,                         -- 主持人
    recorder    TEXT,                         -- 记录人
    absentees   TEXT,                         -- 缺席人员及原因
    observers   TEXT,                         -- 列席
    resolutions TEXT,                         -- 决议
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    withdrawn_at TEXT,
    CHECK (attended <= expected)
);
CREATE INDEX activities_unit_date ON activities(unit_id, held_on);
CREATE INDEX activities_date ON activities(held_on);

CREATE TABLE activity_photos (
    activity_id    INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    file_id        TEXT    NOT NULL,
    file_unique_id TEXT,
    PRIMARY KEY (activity_id, position)
);

-- Every edit keeps the previous version as JSON, for audit.
CREATE TABLE activity_versions (
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    data        TEXT    NOT NULL,
    replaced_by INTEGER NOT NULL,
    replaced_at TEXT    NOT NULL,
    PRIMARY KEY (activity_id, version)
);

CREATE TABLE commitments (
    id                 INTEGER PRIMARY KEY,
    unit_id            INTEGER NOT NULL REFERENCES units(id),
    made_by            TEXT,                  -- NULL: the branch itself; otherwise a member's name
    content            TEXT    NOT NULL,
    due_on             TEXT    NOT NULL,
    created_by         INTEGER NOT NULL,
    created_at         TEXT    NOT NULL,
    fulfilled_on       TEXT,
    result             TEXT,
    evaluation         TEXT CHECK (evaluation IN ('好', '较好', '一般', '差')),
    evaluation_comment TEXT,
    evaluated_by       INTEGER,
    evaluated_at       TEXT,
    withdrawn_at       TEXT
);
CREATE INDEX commitments_unit ON commitments(unit_id, due_on);

CREATE TABLE commitment_progress (
    id            INTEGER PRIMARY KEY,
    commitment_id INTEGER NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    note          TEXT    NOT NULL,
    photo_file_id TEXT,
    created_by    INTEGER NOT NULL,
    created_at    TEXT    NOT NULL
);

-- One optional 本期小结 per unit and reporting period (period key such as 2026-11).
CREATE TABLE period_notes (
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    period     TEXT    NOT NULL,
    problems   TEXT,
    next_plans TEXT,
    deeds      TEXT,
    updated_by INTEGER NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (unit_id, period)
);
