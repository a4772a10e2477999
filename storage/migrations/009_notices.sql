-- Notices (/notice): a leader's message to chosen units, delivered through an outbox like the
-- reminders', with an explicit 已阅 from each recipient.

-- One notice as the leader confirmed it. ``audience`` is what was chosen ('all', 'group:<name>'
-- or 'units'); the units themselves are in notice_units. ``reported_at`` is set once the
-- delivery report has reached the author; ``chased_at`` once the one 提醒未阅 was asked for.
CREATE TABLE notices (
    id              INTEGER PRIMARY KEY,
    author          INTEGER NOT NULL,
    text            TEXT    NOT NULL,
    attachment_kind TEXT    CHECK (attachment_kind IN ('photo', 'document')),
    attachment_id   TEXT,
    attachment_name TEXT,
    audience        TEXT    NOT NULL,
    due_at          TEXT    NOT NULL,  -- not sent before it (UTC): the end of quiet hours, or at once
    created_at      TEXT    NOT NULL,
    reported_at     TEXT,
    chased_at       TEXT
);

CREATE TABLE notice_units (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    unit_id   INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (notice_id, unit_id)
);

-- One row per recipient and round (0: the notice, 1: the one 提醒未阅): written 'pending' in the
-- same transaction as the notice (or the chase), turned 'sent' as soon as Telegram confirms it
-- (at-least-once, as reminder_deliveries). 'blocked': the person blocked the bot; 'failed':
-- Telegram refused for good; 'dropped': no longer to be sent (access ended, or already read).
CREATE TABLE notice_deliveries (
    notice_id  INTEGER NOT NULL REFERENCES notices(id),
    round      INTEGER NOT NULL DEFAULT 0 CHECK (round IN (0, 1)),
    recipient  INTEGER NOT NULL,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    status     TEXT    NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'sent', 'blocked', 'failed', 'dropped')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    message_id INTEGER,
    sent_at    TEXT,
    error      TEXT,
    PRIMARY KEY (notice_id, round, recipient)
);
CREATE INDEX notice_deliveries_pending ON notice_deliveries(notice_id) WHERE status = 'pending';

-- 已阅: a recipient's explicit tap (Telegram tells bots nothing about reads).
CREATE TABLE notice_reads (
    notice_id INTEGER NOT NULL REFERENCES notices(id),
    user_id   INTEGER NOT NULL,
    read_at   TEXT    NOT NULL,
    PRIMARY KEY (notice_id, user_id)
);
