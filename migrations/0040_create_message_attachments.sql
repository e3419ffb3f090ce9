-- Files sent with a message: photos (decoded and re-encoded, so no metadata and nothing but pixels survive) and
-- PDFs (checked by content). The files live under the upload folder (attachments/) with server-made names; only the
-- two members of the conversation may download them.
CREATE TABLE message_attachments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    file text NOT NULL,
    original_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes integer NOT NULL,
    width integer,
    height integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT message_attachments_file_key UNIQUE (file),
    CONSTRAINT message_attachments_file_check CHECK (file ~ '^[0-9a-f]{32}\.(jpg|png|webp|pdf)$'),
    CONSTRAINT message_attachments_original_name_check CHECK (length(original_name) BETWEEN 1 AND 200),
    CONSTRAINT message_attachments_content_type_check
        CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
    CONSTRAINT message_attachments_size_bytes_check CHECK (size_bytes BETWEEN 1 AND 10485760),
    CONSTRAINT message_attachments_size_check
        CHECK ((content_type = 'application/pdf') = (width IS NULL AND height IS NULL))
);
CREATE INDEX message_attachments_message_id_idx ON message_attachments (message_id);
CREATE INDEX message_attachments_conversation_id_idx ON message_attachments (conversation_id);
COMMENT ON TABLE message_attachments IS 'Files sent with a message (up to three): re-encoded JPEG, PNG or WebP images and checked PDFs, downloadable by the conversation''s members only.';
COMMENT ON COLUMN message_attachments.conversation_id IS 'The message''s conversation, kept here so a download checks membership and ownership in one lookup.';
COMMENT ON COLUMN message_attachments.file IS 'The stored file''s server-made name under the upload folder''s attachments/ (random, never the sender''s).';
COMMENT ON COLUMN message_attachments.original_name IS 'The name the sender''s file had (cleaned), offered as the download''s name.';
COMMENT ON COLUMN message_attachments.content_type IS 'What the stored file is, found from its content (not from the sender''s claim): image/jpeg, image/png, image/webp (re-encoded) or application/pdf.';
COMMENT ON COLUMN message_attachments.size_bytes IS 'The stored file''s size (an image''s after re-encoding); at most 10 MB.';
COMMENT ON COLUMN message_attachments.width IS 'An image''s width in pixels as stored; NULL for a PDF.';
COMMENT ON COLUMN message_attachments.height IS 'An image''s height in pixels as stored; NULL for a PDF.';
