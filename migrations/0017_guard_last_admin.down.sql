DROP FUNCTION other_active_admins(bigint);
