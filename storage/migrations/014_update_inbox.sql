-- Updates received from Telegram and not yet handled (bot/app/polling.py). An update is kept here
-- before Telegram is told it arrived, and removed once handled, so a crash replays it instead of
-- losing it. `replays` counts the starts that took it back, so one that kills the bot every time
-- is given up after a few.
CREATE TABLE update_inbox (
    update_id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    replays INTEGER NOT NULL DEFAULT 0
);
