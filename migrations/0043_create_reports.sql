-- Reports to the moderators: a member reports a conversation, or anyone logged in reports a listing; an admin
-- resolves or dismisses each one. One open report per reporter and target, decided by the database (a partial
-- unique index), so a double click or a second tab files one report. Also the index the batched new-message mail
-- scans every minute.

CREATE TABLE reports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reporter_id bigint REFERENCES users (id) ON DELETE SET NULL,
    kind text NOT NULL,
    conversation_id bigint REFERENCES conversations (id) ON DELETE CASCADE,
    car_id bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    reason text NOT NULL,
    details text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'open',
    resolved_by bigint REFERENCES users (id) ON DELETE SET NULL,
    resolved_at timestamptz,
    note text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reports_kind_check CHECK (kind IN ('conversation', 'car')),
    CONSTRAINT reports_target_check CHECK ((kind = 'conversation') = (conversation_id IS NOT NULL)),
    CONSTRAINT reports_reason_check CHECK (reason IN ('scam', 'abusive', 'misleading', 'other')),
    CONSTRAINT reports_details_check CHECK (length(details) <= 1000),
    CONSTRAINT reports_status_check CHECK (status IN ('open', 'resolved', 'dismissed')),
    CONSTRAINT reports_resolved_check CHECK ((status = 'open') = (resolved_at IS NULL)),
    CONSTRAINT reports_note_check CHECK (length(note) <= 1000)
);
-- One open report per reporter and target (a conversation, or a car reported as a listing).
CREATE UNIQUE INDEX reports_open_key ON reports (reporter_id, kind, coalesce(conversation_id, car_id))
    WHERE status = 'open';
-- The moderators' queue: open reports, oldest first.
CREATE INDEX reports_open_idx ON reports (created_at, id) WHERE status = 'open';
CREATE INDEX reports_car_id_idx ON reports (car_id);
CREATE INDEX reports_conversation_id_idx ON reports (conversation_id) WHERE conversation_id IS NOT NULL;
COMMENT ON TABLE reports IS 'A report to the moderators about a conversation or a listing, and what an admin decided.';
COMMENT ON COLUMN reports.reporter_id IS 'Who reported; NULL once their account is deleted (the report stays).';
COMMENT ON COLUMN reports.kind IS 'What is reported: conversation (conversation_id set) or car (the listing itself).';
COMMENT ON COLUMN reports.car_id IS 'The car reported, or the car the reported conversation is about.';
COMMENT ON COLUMN reports.reason IS 'The reporter''s choice: scam (spam or scam), abusive, misleading (listing), other.';
COMMENT ON COLUMN reports.details IS 'What the reporter wrote (at most 1,000 characters, cleaned like a message).';
COMMENT ON COLUMN reports.status IS 'open until an admin resolves (acted on it) or dismisses (nothing to do) it.';
COMMENT ON COLUMN reports.note IS 'The admin''s note on the decision (for the audit trail and other moderators).';

-- The new-message mail job, every minute: members with something unread, by their conversation's latest
-- activity (the job looks back a bounded time, so the scan does not grow with every conversation nobody reads).
CREATE INDEX conversation_members_mail_idx ON conversation_members (last_message_at) WHERE unread_count > 0;
