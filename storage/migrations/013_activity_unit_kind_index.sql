-- The 小结 counts a county's activities per unit and kind (storage.activities.activity_tally):
-- this index holds what it counts in that order, so SQLite groups them without sorting.
CREATE INDEX activities_by_unit_kind ON activities(unit_id, kind, held_on, id, attended, expected, withdrawn_at);
