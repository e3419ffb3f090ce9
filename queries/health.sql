-- name: applied_migrations
-- Every applied migration's version and checksum, oldest first; an error when the database was never migrated.
SELECT version, checksum
  FROM schema_migrations
 ORDER BY version;
