-- Saved searches and their alerts (issue 12). An alert must mean exactly what /cars showed, so the filter
-- predicate of search.cars becomes one SQL function, car_matches_filters, which search.cars and the alert query
-- both call (inlined by the planner: the plans of search.cars do not change). "New" means published since the last
-- check: cars.published_at is stamped when a car goes live (approved), by trigger, so no caller can forget it.
ALTER TABLE cars ADD COLUMN published_at timestamptz;
UPDATE cars SET published_at = created_at WHERE status IN ('available', 'reserved', 'sold');
CREATE INDEX cars_listed_published_idx ON cars (published_at) WHERE status = 'available' AND deleted_at IS NULL;

CREATE FUNCTION cars_stamp_published() RETURNS trigger
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
-- Only writes that name the status or the stamp run it: view-count flushes and edits of other columns do not.
CREATE TRIGGER cars_stamp_published BEFORE INSERT OR UPDATE OF status, published_at ON cars
    FOR EACH ROW EXECUTE FUNCTION cars_stamp_published();
COMMENT ON TRIGGER cars_stamp_published ON cars IS 'Keeps cars.published_at (cars_stamp_published()).';

-- The filters of a search as search.cars takes them (carsite.cars.search.Search.filters, without the words).
CREATE TYPE search_filters AS (
    make text, model text, year_min int, year_max int, price_min numeric, price_max numeric, mileage_max int,
    fuel text, body text, colour text, transmission text, condition text, city text,
    power_min int, power_max int, registered_from int, registered_to int,
    tags text[], seats_any text[], owners_any text[], emission_any text[], features text[],
    near_lat float8, near_lon float8, radius_km int, lat_min float8, lat_max float8, lon_min float8, lon_max float8
);
COMMENT ON TYPE search_filters IS 'The filters of a car search (NULL: off), as carsite.cars.search builds them.';

CREATE FUNCTION car_matches_filters(c cars, f search_filters) RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT c.status = 'available'
       AND c.deleted_at IS NULL
       AND (f.make IS NULL OR c.make = f.make)
       AND (f.model IS NULL OR c.model = f.model)
       AND (f.year_min IS NULL OR c.year >= f.year_min)
       AND (f.year_max IS NULL OR c.year <= f.year_max)
       AND (f.price_min IS NULL OR c.price >= f.price_min)
       AND (f.price_max IS NULL OR c.price <= f.price_max)
       AND (f.mileage_max IS NULL OR c.mileage_km <= f.mileage_max)
       AND has_filter_tags(c.filter_tags, f.fuel, f.body, f.colour, f.transmission, f.condition, f.city)
       AND (f.power_min IS NULL OR c.power_kw >= f.power_min)
       AND (f.power_max IS NULL OR c.power_kw <= f.power_max)
       AND (f.registered_from IS NULL OR c.year * 100 + coalesce(c.registration_month, 12) >= f.registered_from)
       AND (f.registered_to IS NULL OR c.year * 100 + coalesce(c.registration_month, 1) <= f.registered_to)
       AND (f.tags IS NULL OR c.filter_tags @> f.tags)
       AND (f.seats_any IS NULL OR c.filter_tags && f.seats_any)
       AND (f.owners_any IS NULL OR c.filter_tags && f.owners_any)
       AND (f.emission_any IS NULL OR c.filter_tags && f.emission_any)
       AND (f.features IS NULL OR c.features @> f.features)
       AND (f.near_lat IS NULL
            OR c.latitude BETWEEN f.lat_min AND f.lat_max AND c.longitude BETWEEN f.lon_min AND f.lon_max
               AND distance_km(c.latitude, c.longitude, f.near_lat, f.near_lon) <= f.radius_km)
$$;
COMMENT ON FUNCTION car_matches_filters(cars, search_filters) IS
    'Whether a listed car passes a search''s filters (all but its words): the one definition search.cars and the '
    'saved-search alerts share. One SQL expression, inlined by the planner (field selections become plain columns).';

CREATE TABLE saved_searches (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    query           text NOT NULL CHECK (length(query) <= 2000),  -- canonical query string, sorted, no sort/cursor
    filters         jsonb NOT NULL,  -- search_filters as carsite.cars.search built them when saved
    words           text,  -- the search's words after filters were read out of them (NULL: none)
    frequency       text NOT NULL DEFAULT 'daily' CHECK (frequency IN ('instant', 'daily', 'weekly')),
    paused          boolean NOT NULL DEFAULT false,
    checked_until   timestamptz NOT NULL DEFAULT now(),  -- cars published before this were looked at
    last_alert_at   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT saved_searches_user_query_key UNIQUE (user_id, query)
);
COMMENT ON TABLE saved_searches IS
    'A person''s saved searches: the filters as /cars read them, how often to alert, and what was checked.';
CREATE INDEX saved_searches_due_idx ON saved_searches (frequency) WHERE NOT paused;

CREATE FUNCTION saved_searches_within_limit() RETURNS trigger
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    saved integer;
BEGIN
    -- Inserts for one person take turns on their row lock; each statement then counts from a fresh snapshot.
    PERFORM 1 FROM users WHERE id = NEW.user_id FOR NO KEY UPDATE;
    SELECT count(*) INTO saved FROM saved_searches WHERE user_id = NEW.user_id;
    IF saved >= 50 THEN
        RAISE EXCEPTION 'a person keeps at most 50 saved searches'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'saved_searches_limit', TABLE = 'saved_searches';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION saved_searches_within_limit() IS
    'Before a saved search is inserted: refuses the 51st of a person (check_violation, saved_searches_limit).';
CREATE TRIGGER saved_searches_within_limit BEFORE INSERT ON saved_searches
    FOR EACH ROW EXECUTE FUNCTION saved_searches_within_limit();
COMMENT ON TRIGGER saved_searches_within_limit ON saved_searches IS
    'At most 50 saved searches a person (saved_searches_within_limit()).';
