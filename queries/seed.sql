-- name: lock
-- Wait for the demo-data lock until the end of the transaction, so two seeders never both insert; returns one row.
SELECT pg_advisory_xact_lock(2026112201) AS locked;

-- name: no_statement_timeout
-- Lift the statement timeout until the end of the current transaction: bulk loading from the command line runs
-- longer than the web's statement timeout allows; returns one row.
SELECT set_config('statement_timeout', '0', true) AS statement_timeout;
