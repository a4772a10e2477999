-- Personal data: when a person's access ended (the retention rule counts from it) and when the
-- person was erased (their Telegram id replaced by a negative pseudonym, their name blanked).
ALTER TABLE people ADD COLUMN left_at TEXT;
ALTER TABLE people ADD COLUMN erased_at TEXT;
-- People revoked before this column existed left when their revocation was audited.
UPDATE people SET left_at = COALESCE(
    (SELECT MAX(at) FROM audit_log WHERE action = 'person.revoke' AND subject = 'user:' || people.user_id),
    strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))
WHERE active = 0;
