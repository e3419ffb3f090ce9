-- The site must keep an active admin. The admin pages checked the count in Python and then wrote, so two admins
-- demoting, deactivating or deleting each other at once both passed the check and left no admin. The writes
-- themselves now refuse (users.set_role, users.set_active, users.soft_delete ask this function in their WHERE
-- clause), and this function makes such writes take turns.
CREATE FUNCTION other_active_admins(except_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    admins bigint;
BEGIN
    -- One fixed key for every write that may remove an admin: each waits here until the previous one commits or
    -- rolls back. The lock comes before any row lock below, and nothing else takes this key, so two such writes
    -- cannot deadlock on each other.
    PERFORM pg_advisory_xact_lock(2026120101);
    -- Under READ COMMITTED each statement of a VOLATILE function takes a new snapshot, so this count sees the
    -- previous writer's commit. Under REPEATABLE READ and SERIALIZABLE the snapshot is older than the lock: FOR
    -- SHARE turns an admin changed since then into a serialization failure (40001, which callers may retry)
    -- instead of a stale count.
    SELECT count(*) INTO admins
      FROM (SELECT 1
              FROM users
             WHERE role = 'admin' AND is_active AND deleted_at IS NULL AND id <> except_id
               FOR SHARE) AS a;
    RETURN admins;
END;
$$;

COMMENT ON FUNCTION other_active_admins(bigint) IS
    'How many active, non-deleted admins there are besides except_id. Waits for every other admin-changing '
    'transaction to finish first (advisory lock 2026120101, held to commit), so a write that uses it in its WHERE '
    'clause cannot remove the last active admin even when two admins remove each other at once.';
