-- Conversations between a buyer and the seller of one car (one per car and buyer), their messages, who read how far,
-- and who blocked whom. Every contact from a car page (an inquiry) starts or continues the conversation of its car
-- and buyer.

CREATE TABLE conversations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    car_id bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    buyer_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seller_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_message_id bigint,
    last_message_at timestamptz,
    CONSTRAINT conversations_buyer_not_seller_check CHECK (buyer_id <> seller_id),
    CONSTRAINT conversations_car_id_buyer_id_key UNIQUE (car_id, buyer_id)
);
CREATE INDEX conversations_seller_id_idx ON conversations (seller_id);
CREATE INDEX conversations_buyer_id_idx ON conversations (buyer_id);
COMMENT ON TABLE conversations IS 'One conversation per car and buyer, between the buyer and the car''s seller.';
COMMENT ON COLUMN conversations.last_message_id IS 'The newest message (kept by messages.post).';

CREATE TABLE messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id bigint REFERENCES users (id) ON DELETE SET NULL,
    kind text NOT NULL DEFAULT 'text',
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_kind_check CHECK (kind IN ('text', 'system')),
    CONSTRAINT messages_body_check CHECK (length(body) <= 5000),
    CONSTRAINT messages_sender_check CHECK (kind = 'system' OR sender_id IS NOT NULL OR body <> '')
);
CREATE INDEX messages_conversation_id_id_idx ON messages (conversation_id, id);
COMMENT ON TABLE messages IS 'What members wrote in a conversation (kind text), and what carsite noted in it (kind system: a test drive booked, a car sold).';
COMMENT ON COLUMN messages.sender_id IS 'Who wrote it; NULL for a system message or a deleted account.';

ALTER TABLE conversations
    ADD CONSTRAINT conversations_last_message_id_fkey FOREIGN KEY (last_message_id) REFERENCES messages (id)
    ON DELETE SET NULL;

CREATE TABLE conversation_members (
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL,
    last_message_at timestamptz NOT NULL DEFAULT now(),
    last_read_message_id bigint,
    last_read_at timestamptz,
    unread_count integer NOT NULL DEFAULT 0,
    mailed_message_id bigint,
    archived_at timestamptz,
    PRIMARY KEY (conversation_id, user_id),
    CONSTRAINT conversation_members_role_check CHECK (role IN ('buyer', 'seller')),
    CONSTRAINT conversation_members_unread_count_check CHECK (unread_count >= 0)
);
-- The inbox: a member's conversations, newest message first (keyset over last_message_at, conversation_id).
CREATE INDEX conversation_members_inbox_idx ON conversation_members (user_id, last_message_at DESC, conversation_id DESC);
-- The header's unread count: an index-only sum over the few conversations with something unread.
CREATE INDEX conversation_members_unread_idx ON conversation_members (user_id) INCLUDE (unread_count)
    WHERE unread_count > 0;
COMMENT ON TABLE conversation_members IS 'Each member of a conversation: how far they read (the read receipt), how much is unread, what was mailed, whether they archived it.';
COMMENT ON COLUMN conversation_members.last_read_message_id IS 'The newest message this member has seen (the other side sees "read" under messages up to it).';
COMMENT ON COLUMN conversation_members.unread_count IS 'Messages from the other side after last_read_message_id (kept by messages.post and conversations.mark_read).';
COMMENT ON COLUMN conversation_members.mailed_message_id IS 'The newest message this member was mailed about (new-message mail is batched per conversation).';
COMMENT ON COLUMN conversation_members.archived_at IS 'When this member archived the conversation; a new message brings it back to the inbox.';

CREATE TABLE user_blocks (
    blocker_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CONSTRAINT user_blocks_not_self_check CHECK (blocker_id <> blocked_id)
);
CREATE INDEX user_blocks_blocked_id_idx ON user_blocks (blocked_id);
COMMENT ON TABLE user_blocks IS 'A person who blocked another: neither can message the other any more.';

-- Inquiries: each contact from a car page, in the conversation it started or continued, with where it came from
-- (the dealership leads will be built on these).
ALTER TABLE inquiries ADD COLUMN conversation_id bigint REFERENCES conversations (id) ON DELETE SET NULL;
ALTER TABLE inquiries ADD COLUMN message_id bigint REFERENCES messages (id) ON DELETE SET NULL;
ALTER TABLE inquiries ADD COLUMN source text NOT NULL DEFAULT 'car_page';
ALTER TABLE inquiries ADD COLUMN utm jsonb NOT NULL DEFAULT '{}';
ALTER TABLE inquiries ADD CONSTRAINT inquiries_source_check CHECK (source IN ('car_page', 'visitor', 'api', 'test_drive'));
ALTER TABLE inquiries ADD CONSTRAINT inquiries_utm_check CHECK (jsonb_typeof(utm) = 'object');
CREATE INDEX inquiries_conversation_id_idx ON inquiries (conversation_id);
COMMENT ON COLUMN inquiries.source IS 'Where the contact came from: car_page (logged in), visitor (confirmed by mail), api, test_drive.';
COMMENT ON COLUMN inquiries.utm IS 'The utm_* parameters of the visit that led to the contact, when present.';
