-- Search over a million listings stays on indexes: every index is partial on "listed" (available, not deleted),
-- one per sort order (keyset pagination walks them), the weighted search document (GIN), make/model for the
-- common filters, the categorical filter tags (GIN) for rare values and combinations, and trigram indexes for the known makes and models so typos ("toyta") still find cars.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

DROP INDEX cars_status_created_at_id_idx;
CREATE INDEX cars_status_idx ON cars (status) WHERE status IN ('pending', 'reserved');
-- Newest first; it also carries every filter and facet column, so the facet sample is an index-only scan.
CREATE INDEX cars_listed_created_at_idx ON cars (created_at DESC, id DESC)
    INCLUDE (make, model, fuel, body, transmission, colour, condition, year, price, mileage_km, city)
    WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_price_idx ON cars (price, id) WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_mileage_idx ON cars (mileage_km, id) WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_year_idx ON cars (year, id) WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_make_model_idx ON cars (make, model, created_at DESC, id DESC)
    WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_make_price_idx ON cars (make, price, id) WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_listed_city_idx ON cars (lower(city), created_at DESC, id DESC)
    WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_search_idx ON cars USING gin (search) WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_filter_tags_idx ON cars USING gin (filter_tags) WHERE status = 'available' AND deleted_at IS NULL;
CREATE INDEX cars_featured_idx ON cars (created_at DESC) WHERE featured AND status = 'available' AND deleted_at IS NULL;

-- Counts of listed cars per combination of the categorical filters, kept exact by statement-level triggers: facet
-- counts for any mix of those filters are a sum over this small table instead of a count over a million rows.
CREATE TABLE listing_counts (
    make         text NOT NULL,
    model        text NOT NULL,
    fuel         text NOT NULL,
    body         text NOT NULL,
    transmission text NOT NULL,
    colour       text NOT NULL,
    condition    text NOT NULL,
    cars         bigint NOT NULL CONSTRAINT listing_counts_cars_check CHECK (cars >= 0),
    PRIMARY KEY (make, model, fuel, body, transmission, colour, condition)
);
CREATE INDEX listing_counts_make_trgm_idx ON listing_counts USING gin (make gin_trgm_ops);
CREATE INDEX listing_counts_model_trgm_idx ON listing_counts USING gin (model gin_trgm_ops);

CREATE FUNCTION count_listings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE listing_counts lc SET cars = lc.cars - o.n
          FROM (SELECT make, model, fuel, body, transmission, colour, condition, count(*) AS n
                  FROM old_rows WHERE status = 'available' AND deleted_at IS NULL
                 GROUP BY 1, 2, 3, 4, 5, 6, 7) o
         WHERE (lc.make, lc.model, lc.fuel, lc.body, lc.transmission, lc.colour, lc.condition)
             = (o.make, o.model, o.fuel, o.body, o.transmission, o.colour, o.condition);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO listing_counts AS lc (make, model, fuel, body, transmission, colour, condition, cars)
        SELECT make, model, fuel, body, transmission, colour, condition, count(*)
          FROM new_rows WHERE status = 'available' AND deleted_at IS NULL
         GROUP BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (make, model, fuel, body, transmission, colour, condition)
        DO UPDATE SET cars = lc.cars + excluded.cars;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER cars_count_inserted AFTER INSERT ON cars REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_listings();
CREATE TRIGGER cars_count_updated AFTER UPDATE ON cars REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_listings();
CREATE TRIGGER cars_count_deleted AFTER DELETE ON cars REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_listings();

-- Cars already listed when this migration runs.
INSERT INTO listing_counts (make, model, fuel, body, transmission, colour, condition, cars)
SELECT make, model, fuel, body, transmission, colour, condition, count(*)
  FROM cars WHERE status = 'available' AND deleted_at IS NULL
 GROUP BY 1, 2, 3, 4, 5, 6, 7;
