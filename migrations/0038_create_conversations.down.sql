DROP INDEX inquiries_conversation_id_idx;
ALTER TABLE inquiries DROP COLUMN utm, DROP COLUMN source, DROP COLUMN message_id, DROP COLUMN conversation_id;
DROP TABLE user_blocks;
DROP TABLE conversation_members;
ALTER TABLE conversations DROP CONSTRAINT conversations_last_message_id_fkey;
DROP TABLE messages;
DROP TABLE conversations;
