-- Deadlines and reminders: the reporting schedule leaders set in chat, the reasons given for
-- activities not held (本期未开展), and the outbox of every reminder the bot decided to send.

-- The reporting cycle and deadline chosen with /schedule. One row at most; without it the
-- configured defaults (REPORT_CYCLE, DEADLINE_DAY, DEADLINE_WEEKDAY, DEADLINE_TIME) apply.
CREATE TABLE report_schedule (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    cycle            TEXT    NOT NULL CHECK (cycle IN ('week', 'month', 'quarter')),
    deadline_day     INTEGER NOT NULL CHECK (deadline_day BETWEEN 1 AND 31),     -- monthly / quarterly
    deadline_weekday INTEGER NOT NULL CHECK (deadline_weekday BETWEEN 0 AND 6),  -- weekly: Monday = 0
    deadline_time    TEXT    NOT NULL,                                           -- HH:MM, local time
    updated_by       INTEGER,
    updated_at       TEXT    NOT NULL
);

-- 本期未开展: a secretary's reasoned answer that an activity was not held in a cadence slot
-- (slot keys as in bot/periods.py: 2026-11, 2026-Q4, 2026). Compliance counts it as answered.
CREATE TABLE excuses (
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    activity_kind TEXT    NOT NULL,
    slot          TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    created_by    INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    PRIMARY KEY (unit_id, activity_kind, slot)
);

-- Every reminder the bot decided to send. (kind, subject, period, slot) is unique, so a reminder
-- is decided once however often the tick runs or the bot restarts.
--   kind 'unit':        subject = unit id, period = reporting period key, slot = before-3 / due / after-1 / nudge-esc-1 / snooze-…
--   kind 'commitment':  subject = unit id, period = the commitments' due date, slot = before-3 / due
--   kind 'escalation':  subject = 0, period = reporting period key, slot = esc-1 … esc-5
--   kind 'unreachable': subject = the user who blocked the bot, period = '', slot = when it was noticed
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('unit', 'commitment', 'escalation', 'unreachable')),
    subject    INTEGER NOT NULL,
    period     TEXT    NOT NULL,
    slot       TEXT    NOT NULL,
    due_at     TEXT    NOT NULL,  -- the moment it is for (UTC); not sent before it
    created_at TEXT    NOT NULL,
    UNIQUE (kind, subject, period, slot)
);

-- One row per recipient of a reminder: written 'pending' in the same transaction as the reminder,
-- turned 'sent' as soon as Telegram confirms the message (at-least-once delivery).
CREATE TABLE reminder_deliveries (
    reminder_id INTEGER NOT NULL REFERENCES reminders(id),
    recipient   INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed', 'expired', 'dropped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    message_id  INTEGER,
    sent_at     TEXT,
    error       TEXT,
    PRIMARY KEY (reminder_id, recipient)
);
CREATE INDEX reminder_deliveries_pending ON reminder_deliveries(reminder_id) WHERE status = 'pending';
