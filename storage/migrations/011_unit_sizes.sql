-- A unit's structure, for the meeting rules and the 应到 of a report: the size of its 支部委员会
-- (NULL: not stated; 0: none — a branch of fewer than 7 members has no committee) and how many
-- 党小组 it has (NULL: not stated; 0: none).
ALTER TABLE units ADD COLUMN committee_size INTEGER CHECK (committee_size IS NULL OR committee_size >= 0);
ALTER TABLE units ADD COLUMN group_count INTEGER CHECK (group_count IS NULL OR group_count >= 0);

-- The opening paragraph of a period's 小结 as a leader wrote it (else the default opening).
CREATE TABLE period_openings (
    period     TEXT    PRIMARY KEY,          -- a period key such as 2026-11, 2026-Q4, 2026
    text       TEXT    NOT NULL,
    updated_by INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
);
