-- Leaders' review of the units' records: township settings (review on or off), the 点评 / 退回 /
-- 通过 kept with each record, and who asked for the morning 昨日新报送 message.
CREATE TABLE township_settings (
    name       TEXT PRIMARY KEY,              -- e.g. review: "on" or "off"
    value      TEXT NOT NULL,
    updated_by INTEGER,
    updated_at TEXT NOT NULL
);

CREATE TABLE activity_reviews (
    id             INTEGER PRIMARY KEY,
    activity_id    INTEGER NOT NULL REFERENCES activities(id),
    action         TEXT    NOT NULL CHECK (action IN ('comment', 'return', 'approve')),
    version        INTEGER NOT NULL,          -- the record's version the leader looked at
    note           TEXT,                      -- the comment, or the reason for returning it
    leader_id      INTEGER NOT NULL,
    created_at     TEXT    NOT NULL,
    resubmitted_at TEXT                       -- a return: when the unit saved the record again
);
CREATE INDEX activity_reviews_by_activity ON activity_reviews(activity_id, id);

CREATE TABLE leader_news (
    user_id      INTEGER PRIMARY KEY,          -- a leader who asked for the morning message
    last_sent_on TEXT                          -- the local day it was last sent
);
