DROP INDEX users_created_at_id_idx;
ALTER TABLE users
    DROP CONSTRAINT users_deleted_inactive_check,
    DROP COLUMN email_verified_at,
    DROP COLUMN deleted_at,
    DROP COLUMN password_changed_at;
