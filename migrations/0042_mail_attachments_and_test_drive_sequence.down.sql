ALTER TABLE test_drives DROP COLUMN ics_sequence;
ALTER TABLE mail_outbox DROP COLUMN attachments;
