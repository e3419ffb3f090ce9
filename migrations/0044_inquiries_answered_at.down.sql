ALTER TABLE inquiries DROP COLUMN answered_at;
