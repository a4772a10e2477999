-- The 小结 reads a year of a county's activities (60 000 rows) by day, unit and id, and of each
-- only what it counts: this index holds all of it, so SQLite answers from the index alone, in order.
CREATE INDEX activities_facts ON activities(held_on, unit_id, id, kind, attended, expected, withdrawn_at);
