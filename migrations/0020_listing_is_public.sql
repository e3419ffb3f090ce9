-- "Who may see this car" was written out in four queries and twice in Python. One SQL function now says it; the
-- queries call it (it is inlined by the planner, so indexes on status still serve) and carsite's vocabulary
-- mirrors it, checked by a test.
CREATE FUNCTION listing_is_public(status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN status IN ('available', 'reserved', 'sold', 'withdrawn');
COMMENT ON FUNCTION listing_is_public(text) IS
    'Whether anyone may open the page of a car in this status (sold and withdrawn cars keep theirs, with a notice); '
    'mirrored by carsite.domain.vocabulary.PUBLIC_STATUSES.';
