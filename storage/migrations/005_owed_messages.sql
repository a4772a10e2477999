-- Messages the bot owes a person: a report's confirmation that Telegram did not take. Said
-- before anything else at the person's next update, then deleted.
CREATE TABLE owed_messages (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX owed_messages_by_user ON owed_messages (user_id, id);
