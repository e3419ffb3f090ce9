-- Mail can carry attachments (a test drive's calendar invitation), kept in the outbox row so that what is sent,
-- and sent again on a retry, is what the outbox holds; and a test drive counts the versions of its invitation
-- (iCalendar SEQUENCE), so a calendar replaces an invitation by a newer one and a cancellation removes it.
ALTER TABLE mail_outbox ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]';
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_attachments_check CHECK (jsonb_typeof(attachments) = 'array');
COMMENT ON COLUMN mail_outbox.attachments IS 'Files sent with the message: [{"filename", "content_type", "content" (base64)}], empty for most mail.';

ALTER TABLE test_drives ADD COLUMN ics_sequence integer NOT NULL DEFAULT 0;
ALTER TABLE test_drives ADD CONSTRAINT test_drives_ics_sequence_check CHECK (ics_sequence >= 0);
COMMENT ON COLUMN test_drives.ics_sequence IS 'iCalendar SEQUENCE of the drive''s invitation: one more with each invitation or cancellation sent.';
