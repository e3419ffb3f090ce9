CREATE OR REPLACE TRIGGER cars_set_updated_at BEFORE UPDATE ON cars
    FOR EACH ROW EXECUTE FUNCTION set_updated_at('view_count', 'search', 'filter_tags');
DROP INDEX cars_listed_power_idx;
DROP INDEX cars_listed_price_idx;
CREATE INDEX cars_listed_price_idx ON cars (price, id) WHERE status = 'available' AND deleted_at IS NULL;
DROP STATISTICS cars_location_stats;
DROP INDEX cars_features_idx;
DROP INDEX cars_listed_location_idx;
DROP INDEX cars_listed_make_created_at_idx;
DROP INDEX cars_listed_make_price_idx;
DROP INDEX cars_listed_created_at_idx;
DROP INDEX cars_filter_tags_idx;
ALTER TABLE cars DROP COLUMN filter_tags;
ALTER TABLE cars ADD COLUMN filter_tags text[] GENERATED ALWAYS AS (ARRAY[
        'fuel:' || fuel, 'body:' || body, 'colour:' || lower(colour), 'transmission:' || transmission,
        'condition:' || condition, 'city:' || lower(city)
    ]) STORED;
ALTER TABLE cars ALTER COLUMN filter_tags SET STATISTICS 1000;
CREATE INDEX cars_filter_tags_idx ON cars USING gin (filter_tags) WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_created_at_idx ON cars (created_at DESC, id DESC)
    INCLUDE (year, mileage_km, price, filter_tags, make, model, fuel, body, transmission, colour, condition)
    WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_make_price_idx ON cars (make, price, id)
    INCLUDE (year, mileage_km, filter_tags, model)
    WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_make_created_at_idx ON cars (make, created_at DESC, id DESC)
    INCLUDE (year, mileage_km, price, filter_tags, model, fuel, body, transmission, colour, condition)
    WHERE status = 'available' AND deleted_at IS NULL;
DROP FUNCTION distance_km(double precision, double precision, double precision, double precision);
ALTER TABLE cars
    DROP CONSTRAINT cars_coordinates_check,
    DROP COLUMN longitude, DROP COLUMN latitude, DROP COLUMN emission_class, DROP COLUMN seats, DROP COLUMN doors,
    DROP COLUMN accident_free, DROP COLUMN registration_month, DROP COLUMN owners, DROP COLUMN power_kw,
    DROP COLUMN seller_type;
