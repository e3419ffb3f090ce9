DROP INDEX cars_listed_make_created_at_idx;
DROP INDEX cars_listed_make_price_idx;
CREATE INDEX cars_listed_make_price_idx ON cars (make, price, id) WHERE status = 'available' AND deleted_at IS NULL;
DROP INDEX cars_listed_created_at_idx;
CREATE INDEX cars_listed_created_at_idx ON cars (created_at DESC, id DESC)
    INCLUDE (make, model, fuel, body, transmission, colour, condition, year, price, mileage_km, city)
    WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_city_idx ON cars (lower(city), created_at DESC, id DESC)
    WHERE status = 'available' AND deleted_at IS NULL;
DROP STATISTICS cars_make_model_stats;
DROP FUNCTION listed_text_hits(text, integer);
DROP FUNCTION has_filter_tags(text[], text, text, text, text, text, text);
ALTER TABLE cars ALTER COLUMN filter_tags SET STATISTICS -1;
