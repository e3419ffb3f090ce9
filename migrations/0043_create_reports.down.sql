DROP INDEX conversation_members_mail_idx;
DROP TABLE reports;
