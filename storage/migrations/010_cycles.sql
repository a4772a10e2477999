-- The months in which reminders name the quarterly and yearly items, as leaders set them with
-- /schedule (a row per cycle; no row: the rules file's [remind_in], by default the quarter's last
-- month and the year's last two). ``months`` is a comma-separated list of 1–12.
CREATE TABLE cycle_reminder_months (
    cycle TEXT PRIMARY KEY CHECK (cycle IN ('quarter', 'year')),
    months TEXT NOT NULL,
    updated_by INTEGER,
    updated_at TEXT NOT NULL
);
