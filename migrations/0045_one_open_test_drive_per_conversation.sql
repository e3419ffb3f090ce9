-- A conversation has at most one open (requested or confirmed) test drive: the database refuses a second one, so two
-- requests sent at once (two tabs, a double click) cannot both be made.
CREATE UNIQUE INDEX test_drives_one_open_key ON test_drives (conversation_id) WHERE status IN ('requested', 'confirmed');
COMMENT ON INDEX test_drives_one_open_key IS 'At most one requested or confirmed test drive per conversation.';
