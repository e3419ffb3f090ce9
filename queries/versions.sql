-- name: current
-- Every data version (listings, catalogue): its number, bumped by each committed change, and when it last changed.
SELECT name, version, changed_at FROM data_versions;
