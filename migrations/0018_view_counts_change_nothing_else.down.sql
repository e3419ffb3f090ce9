CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER cars_set_updated_at BEFORE UPDATE ON cars
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE OR REPLACE FUNCTION count_listings() RETURNS trigger
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

CREATE OR REPLACE FUNCTION record_car_prices() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO car_price_history (car_id, price) SELECT id, price FROM new_rows;
    ELSE
        INSERT INTO car_price_history (car_id, price)
        SELECT n.id, n.price FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.price <> o.price;
    END IF;
    RETURN NULL;
END;
$$;
