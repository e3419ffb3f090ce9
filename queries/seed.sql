-- name: lock
-- Wait for the demo-data lock until the end of the transaction, so two seeders never both insert; returns one row.
SELECT pg_advisory_xact_lock(2026112201) AS locked;
