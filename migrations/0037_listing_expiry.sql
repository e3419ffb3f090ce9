-- Listing expiry (issue 12): a live listing expires LISTING_DAYS after it last went live or was renewed, with a
-- reminder LISTING_REMINDER_DAYS before. cars.listed_at is that moment (stamped by trigger when a car goes live, so
-- no caller can forget it; set by renewal), cars.expiry_reminded_at when the owner was reminded (cleared by renewal).
-- 'expired' is a new status: out of search, counts and the sitemap (they take status = 'available'), but its page
-- stays, with a notice, as sold and withdrawn ones do (listing_is_public).
ALTER TABLE cars ADD COLUMN listed_at timestamptz;
ALTER TABLE cars ADD COLUMN expiry_reminded_at timestamptz;
COMMENT ON COLUMN cars.listed_at IS
    'When the car last went live or was renewed; it expires LISTING_DAYS later (see carsite.selling.expiry).';
COMMENT ON COLUMN cars.expiry_reminded_at IS
    'When the owner was reminded that the listing is about to expire (without reminders: when it became due); NULL '
    'until then and again after a renewal.';
-- Live cars listed before this migration count from when they went live; they are reminded first all the same (a
-- listing never expires sooner than LISTING_REMINDER_DAYS after its reminder). Filling the column in is no change a
-- seller made: updated_at (the sitemap's lastmod) stays.
ALTER TABLE cars DISABLE TRIGGER cars_set_updated_at;
UPDATE cars SET listed_at = coalesce(published_at, created_at) WHERE status IN ('available', 'reserved', 'sold');
ALTER TABLE cars ENABLE TRIGGER cars_set_updated_at;

ALTER TABLE cars DROP CONSTRAINT cars_status_check;
ALTER TABLE cars ADD CONSTRAINT cars_status_check
    CHECK (status IN ('draft', 'pending', 'rejected', 'available', 'reserved', 'sold', 'expired', 'withdrawn'));

CREATE OR REPLACE FUNCTION listing_is_public(status text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN status IN ('available', 'reserved', 'sold', 'expired', 'withdrawn');
COMMENT ON FUNCTION listing_is_public(text) IS
    'Whether anyone may open the page of a car in this status (sold, expired and withdrawn cars keep theirs, with a '
    'notice); mirrored by carsite.domain.vocabulary.PUBLIC_STATUSES.';

CREATE FUNCTION cars_stamp_listed() RETURNS trigger
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status IN ('available', 'reserved', 'sold') THEN
            NEW.listed_at := coalesce(NEW.listed_at, NEW.created_at);
        END IF;
    ELSIF NEW.status = 'available' AND OLD.status NOT IN ('available', 'reserved') THEN
        NEW.listed_at := now();
        NEW.expiry_reminded_at := NULL;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION cars_stamp_listed() IS
    'Stamps cars.listed_at when a car goes live (inserted live, approved, or renewed from expired) and clears its '
    'expiry reminder; a car back from reserved keeps its listed_at.';
CREATE TRIGGER cars_stamp_listed BEFORE INSERT OR UPDATE OF status ON cars
    FOR EACH ROW EXECUTE FUNCTION cars_stamp_listed();
COMMENT ON TRIGGER cars_stamp_listed ON cars IS 'Keeps cars.listed_at (cars_stamp_listed()).';

-- A renewed car is the same listing coming back, not a new one: saved-search alerts do not announce it again.
CREATE OR REPLACE FUNCTION cars_stamp_published() RETURNS trigger
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.published_at := CASE WHEN NEW.status = 'available' THEN coalesce(NEW.published_at, NEW.created_at) END;
    ELSIF NEW.status = 'available' AND OLD.status NOT IN ('available', 'reserved', 'expired') THEN
        NEW.published_at := now();
    ELSE
        NEW.published_at := OLD.published_at;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION cars_stamp_published() IS
    'Stamps cars.published_at when a car goes live (inserted as available, or moved to available from a status '
    'that was not live; a renewal of an expired car is no new listing); keeps it otherwise, so nothing else can '
    'change it.';

-- The hourly expiry job reads live cars not reminded yet by listed_at (reminders), and reminded ones by when
-- (expiry): each pass reads only the rows it may act on, so it stays cheap at a million cars, also while many
-- listings wait out their reminder.
CREATE INDEX cars_listed_unreminded_idx ON cars (listed_at)
    WHERE status = 'available' AND deleted_at IS NULL AND expiry_reminded_at IS NULL;
CREATE INDEX cars_listed_reminded_idx ON cars (expiry_reminded_at)
    WHERE status = 'available' AND deleted_at IS NULL AND expiry_reminded_at IS NOT NULL;

-- Recording a reminder is no change to the listing: updated_at (the sitemap's lastmod) stays.
CREATE OR REPLACE TRIGGER cars_set_updated_at BEFORE UPDATE ON cars
    FOR EACH ROW EXECUTE FUNCTION set_updated_at(
        'view_count', 'search', 'filter_tags', 'latitude', 'longitude', 'expiry_reminded_at'
    );
