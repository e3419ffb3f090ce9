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
COMMENT ON FUNCTION record_car_prices() IS
    'Trigger function (AFTER INSERT or UPDATE on cars, FOR EACH STATEMENT, transition tables): appends the price of '
    'each new car, and each changed price, to car_price_history.';
CREATE INDEX car_price_history_car_id_idx ON car_price_history (car_id, changed_at);
ALTER TABLE car_price_history DROP CONSTRAINT car_price_history_car_id_seq_key, DROP COLUMN seq;
