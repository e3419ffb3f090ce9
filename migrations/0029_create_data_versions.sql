-- Data versions: a counter per kind of public data, bumped in the same transaction as every change to it, so a
-- process can keep what it derived from that data (counts by make, facet lists, rendered fragments) and HTTP can
-- answer conditional requests, both checked with one read of this table (data_versions.current).
-- * listings: listed cars and what their cards and pages show (cars, car_photos, car_price_ratings). An update of
--   cars that leaves updated_at as it was (view counts, see set_updated_at) bumps nothing.
-- * catalogue: makes, models and their aliases.
-- Read the version before the data derived from it: then what is kept under a version is never older than it.
-- Every bump writes one row, so transactions that change listings queue on it until they commit (each holds it
-- from its first listing change); listing changes are short transactions.
CREATE TABLE data_versions (
    name       text PRIMARY KEY,
    version    bigint NOT NULL DEFAULT 1,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO data_versions (name) VALUES ('listings'), ('catalogue');

CREATE FUNCTION bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[1] = 'rows' THEN
        IF NOT EXISTS (SELECT FROM changed_rows) THEN
            RETURN NULL;
        END IF;
    ELSIF TG_ARGV[1] = 'updated' THEN
        IF NOT EXISTS (SELECT FROM changed_rows WHERE updated_at = now()) THEN
            RETURN NULL;
        END IF;
    END IF;
    -- A row a DBA removed comes back numbered by the clock (milliseconds), above any number handed out before.
    INSERT INTO data_versions AS v (name, version)
         VALUES (TG_ARGV[0], (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
        ON CONFLICT (name) DO UPDATE SET version = v.version + 1, changed_at = clock_timestamp();
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION bump_data_version() IS
    'Statement trigger: adds one to data_versions.version of the name in its first argument. A second argument '
    '''rows'' bumps only when the statement changed a row (its transition table changed_rows), ''updated'' only '
    'when a changed row''s updated_at became now() (a real change, not a view count).';

CREATE TRIGGER cars_bump_inserted AFTER INSERT ON cars REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('listings', 'rows');
CREATE TRIGGER cars_bump_updated AFTER UPDATE ON cars REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('listings', 'updated');
CREATE TRIGGER cars_bump_deleted AFTER DELETE ON cars REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('listings', 'rows');
COMMENT ON TRIGGER cars_bump_inserted ON cars IS 'Bumps the listings data version (bump_data_version).';
COMMENT ON TRIGGER cars_bump_updated ON cars IS
    'Bumps the listings data version when a car really changed, not for view counts (bump_data_version).';
COMMENT ON TRIGGER cars_bump_deleted ON cars IS 'Bumps the listings data version (bump_data_version).';

CREATE TRIGGER car_photos_bump_inserted AFTER INSERT ON car_photos REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('listings', 'rows');
CREATE TRIGGER car_photos_bump_updated AFTER UPDATE ON car_photos REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('listings', 'rows');
CREATE TRIGGER car_photos_bump_deleted AFTER DELETE ON car_photos REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('listings', 'rows');
COMMENT ON TRIGGER car_photos_bump_inserted ON car_photos IS 'Bumps the listings data version (bump_data_version).';
COMMENT ON TRIGGER car_photos_bump_updated ON car_photos IS 'Bumps the listings data version (bump_data_version).';
COMMENT ON TRIGGER car_photos_bump_deleted ON car_photos IS 'Bumps the listings data version (bump_data_version).';

CREATE TRIGGER car_price_ratings_bump_inserted AFTER INSERT ON car_price_ratings
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('listings', 'rows');
CREATE TRIGGER car_price_ratings_bump_updated AFTER UPDATE ON car_price_ratings
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('listings', 'rows');
CREATE TRIGGER car_price_ratings_bump_deleted AFTER DELETE ON car_price_ratings
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('listings', 'rows');
COMMENT ON TRIGGER car_price_ratings_bump_inserted ON car_price_ratings IS
    'Bumps the listings data version (bump_data_version).';
COMMENT ON TRIGGER car_price_ratings_bump_updated ON car_price_ratings IS
    'Bumps the listings data version (bump_data_version).';
COMMENT ON TRIGGER car_price_ratings_bump_deleted ON car_price_ratings IS
    'Bumps the listings data version (bump_data_version).';

CREATE TRIGGER makes_bump AFTER INSERT OR UPDATE OR DELETE ON makes
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('catalogue');
CREATE TRIGGER models_bump AFTER INSERT OR UPDATE OR DELETE ON models
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('catalogue');
CREATE TRIGGER catalogue_aliases_bump AFTER INSERT OR UPDATE OR DELETE ON catalogue_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('catalogue');
COMMENT ON TRIGGER makes_bump ON makes IS 'Bumps the catalogue data version (bump_data_version).';
COMMENT ON TRIGGER models_bump ON models IS 'Bumps the catalogue data version (bump_data_version).';
COMMENT ON TRIGGER catalogue_aliases_bump ON catalogue_aliases IS
    'Bumps the catalogue data version (bump_data_version).';
