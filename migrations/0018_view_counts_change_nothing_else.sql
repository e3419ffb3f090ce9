-- A view-count flush (cars.add_views) is not a change to the listing, yet through the cars triggers it moved
-- updated_at (the sitemap's lastmod, so every viewed car looked freshly changed to search engines) and rewrote the
-- listing_counts rows of every viewed car (-n, then +n) although no count changed.
-- * set_updated_at() takes, as trigger arguments, columns whose changes alone leave updated_at as it was. Both
--   rows are compared with those columns set to NULL, byte for byte (*=, which needs no equality operator per
--   column type; a difference it cannot tell apart from a change only means updated_at moves, as before). A
--   trigger without arguments (users, orders, inquiries) behaves exactly as before.
-- * cars names view_count, and its generated columns search and filter_tags: a BEFORE trigger sees them unset in
--   NEW (they are computed afterwards from the other columns, which the comparison covers).
-- * count_listings() on UPDATE writes only the listing_counts rows whose count changes (a car left or entered
--   them: status, deletion or a counted filter value changed); a car still listed under the same values leaves
--   them untouched. (A column-list trigger, UPDATE OF ..., cannot have transition tables, and would fire anyway
--   for a SET that changes nothing.)
-- * record_car_prices() recorded only changed prices, but found them by joining old_rows with new_rows, and
--   plpgsql keeps the plan of a trigger's first run in a session: after a one-car edit, the next flush of 3,000
--   views on that connection spent seconds (4 s on PostgreSQL 15 here) in a nested loop planned for one row. It
--   now groups instead of joining, as count_listings() does, which costs about the same whatever the plan.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    unset jsonb;
BEGIN
    IF TG_NARGS > 0 THEN
        unset := jsonb_object(TG_ARGV, array_fill(NULL::text, ARRAY[TG_NARGS]));
        IF jsonb_populate_record(NEW, unset) *= jsonb_populate_record(OLD, unset) THEN
            RETURN NEW;
        END IF;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER cars_set_updated_at BEFORE UPDATE ON cars
    FOR EACH ROW EXECUTE FUNCTION set_updated_at('view_count', 'search', 'filter_tags');

CREATE OR REPLACE FUNCTION count_listings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- Per combination, listed cars after minus listed cars before: a car listed under the same values on both
        -- sides cancels out, so only combinations whose count changes are written.
        UPDATE listing_counts lc SET cars = lc.cars + d.n
          FROM (SELECT make, model, fuel, body, transmission, colour, condition, sum(n) AS n
                  FROM (SELECT make, model, fuel, body, transmission, colour, condition, -1 AS n
                          FROM old_rows WHERE status = 'available' AND deleted_at IS NULL
                        UNION ALL
                        SELECT make, model, fuel, body, transmission, colour, condition, 1
                          FROM new_rows WHERE status = 'available' AND deleted_at IS NULL) AS c
                 GROUP BY 1, 2, 3, 4, 5, 6, 7
                HAVING sum(n) < 0) d
         WHERE (lc.make, lc.model, lc.fuel, lc.body, lc.transmission, lc.colour, lc.condition)
             = (d.make, d.model, d.fuel, d.body, d.transmission, d.colour, d.condition);
        INSERT INTO listing_counts AS lc (make, model, fuel, body, transmission, colour, condition, cars)
        SELECT make, model, fuel, body, transmission, colour, condition, sum(n)
          FROM (SELECT make, model, fuel, body, transmission, colour, condition, -1 AS n
                  FROM old_rows WHERE status = 'available' AND deleted_at IS NULL
                UNION ALL
                SELECT make, model, fuel, body, transmission, colour, condition, 1
                  FROM new_rows WHERE status = 'available' AND deleted_at IS NULL) AS c
         GROUP BY 1, 2, 3, 4, 5, 6, 7
        HAVING sum(n) > 0
        ON CONFLICT (make, model, fuel, body, transmission, colour, condition)
        DO UPDATE SET cars = lc.cars + excluded.cars;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE listing_counts lc SET cars = lc.cars - o.n
          FROM (SELECT make, model, fuel, body, transmission, colour, condition, count(*) AS n
                  FROM old_rows WHERE status = 'available' AND deleted_at IS NULL
                 GROUP BY 1, 2, 3, 4, 5, 6, 7) o
         WHERE (lc.make, lc.model, lc.fuel, lc.body, lc.transmission, lc.colour, lc.condition)
             = (o.make, o.model, o.fuel, o.body, o.transmission, o.colour, o.condition);
    ELSE
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

CREATE OR REPLACE FUNCTION record_car_prices() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO car_price_history (car_id, price) SELECT id, price FROM new_rows;
    ELSE
        -- A car's price after the update that it did not have before.
        INSERT INTO car_price_history (car_id, price)
        SELECT id, price
          FROM (SELECT id, price, -1 AS n FROM old_rows
                UNION ALL
                SELECT id, price, 1 FROM new_rows) AS c
         GROUP BY id, price
        HAVING sum(n) > 0;
    END IF;
    RETURN NULL;
END;
$$;
