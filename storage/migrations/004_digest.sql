-- The leaders' side of the 小结: their own plan for a period, and their own work at the units
-- (党课 given, 调研指导 visits), which the 小结 reports beside the units' activities.
CREATE TABLE period_plans (
    period     TEXT    PRIMARY KEY,          -- a period key such as 2026-11, 2026-Q4, 2026
    items      TEXT    NOT NULL,             -- JSON list of plan items, in order
    updated_by INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
);

CREATE TABLE leader_activities (
    id           INTEGER PRIMARY KEY,
    leader_id    INTEGER NOT NULL,
    kind         TEXT    NOT NULL,           -- 讲党课 | 调研指导 | 参加组织生活会
    unit_id      INTEGER REFERENCES units(id),
    held_on      TEXT    NOT NULL,
    note         TEXT,
    created_at   TEXT    NOT NULL,
    withdrawn_at TEXT
);
CREATE INDEX leader_activities_date ON leader_activities(held_on);
