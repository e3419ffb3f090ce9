-- Facet counts of a make and model with range, place or detail filters (search.facets_from_window: "golf berlin",
-- "BMW X3 near Munich") walk that model's newest listed cars in cars_listed_make_model_idx, which held only their ids,
-- so every car counted was read from the table: 116 ms for "golf berlin" at a million cars on a stock PostgreSQL 15
-- (128 MB of shared buffers, the table read from the operating system's cache), 4-13 ms once the index carries what
-- the filters and the counts read (EXPLAIN ANALYZE, measured side by side). Its other users (search.cars for a make and
-- model, cars.similar) read it as before. The price: about 300 MB more index at a million listed cars (350 MB, was 56).
DROP INDEX cars_listed_make_model_idx;
CREATE INDEX cars_listed_make_model_idx ON cars (make, model, created_at DESC, id DESC)
    INCLUDE (year, mileage_km, price, power_kw, registration_month, latitude, longitude, filter_tags, fuel, body,
             transmission, colour, condition)
    WHERE status = 'available' AND deleted_at IS NULL;
