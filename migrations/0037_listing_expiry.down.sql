CREATE OR REPLACE TRIGGER cars_set_updated_at BEFORE UPDATE ON cars
    FOR EACH ROW EXECUTE FUNCTION set_updated_at('view_count', 'search', 'filter_tags', 'latitude', 'longitude');
DROP INDEX cars_listed_reminded_idx;
DROP INDEX cars_listed_unreminded_idx;
CREATE OR REPLACE FUNCTION cars_stamp_published() RETURNS trigger
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.published_at := CASE WHEN NEW.status = 'available' THEN coalesce(NEW.published_at, NEW.created_at) END;
    ELSIF NEW.status = 'available' AND OLD.status NOT IN ('available', 'reserved') THEN
        NEW.published_at := now();
    ELSE
        NEW.published_at := OLD.published_at;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION cars_stamp_published() IS
    'Stamps cars.published_at when a car goes live (inserted as available, or moved to available from a status '
    'that was not live); keeps it otherwise, so nothing else can change it.';
DROP TRIGGER cars_stamp_listed ON cars;
DROP FUNCTION cars_stamp_listed();
-- Without the status, an expired listing is one its seller took down: withdrawn (relisting sends it to review).
UPDATE cars SET status = 'withdrawn' WHERE status = 'expired';
CREATE OR REPLACE FUNCTION listing_is_public(status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN status IN ('available', 'reserved', 'sold', 'withdrawn');
COMMENT ON FUNCTION listing_is_public(text) IS
    'Whether anyone may open the page of a car in this status (sold and withdrawn cars keep theirs, with a notice); '
    'mirrored by carsite.domain.vocabulary.PUBLIC_STATUSES.';
ALTER TABLE cars DROP CONSTRAINT cars_status_check;
ALTER TABLE cars ADD CONSTRAINT cars_status_check
    CHECK (status IN ('draft', 'pending', 'rejected', 'available', 'reserved', 'sold', 'withdrawn'));
ALTER TABLE cars DROP COLUMN expiry_reminded_at, DROP COLUMN listed_at;
