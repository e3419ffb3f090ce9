-- The car page ordered a car's price history by changed_at, the start of the writing transaction: two concurrent
-- price edits of one car take the car's row lock one after the other, so the later writer can hold the earlier
-- start time, and the history ended on a price the car no longer had. Every entry now carries a per-car number
-- (seq) that the trigger assigns while the UPDATE holds that row lock: the next writer waits for the lock, and its
-- trigger reads the committed maximum with a fresh snapshot (READ COMMITTED; under REPEATABLE READ the waiter gets
-- a serialization failure instead), so seq follows the order in which the prices really replaced each other.
-- changed_at becomes the moment the price was set (clock_timestamp()), so the shown times agree with that order.
-- UNIQUE (car_id, seq) makes any two writers that ever got the same number fail loudly instead of interleaving.
ALTER TABLE car_price_history ADD COLUMN seq integer;
UPDATE car_price_history h
   SET seq = n.seq
  FROM (SELECT id, row_number() OVER (PARTITION BY car_id ORDER BY changed_at, id) AS seq
          FROM car_price_history) AS n
 WHERE n.id = h.id;
ALTER TABLE car_price_history
    ALTER COLUMN seq SET NOT NULL,
    ADD CONSTRAINT car_price_history_car_id_seq_key UNIQUE (car_id, seq);
DROP INDEX car_price_history_car_id_idx;

CREATE OR REPLACE FUNCTION record_car_prices() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO car_price_history (car_id, price, seq, changed_at)
        SELECT id, price, 1, clock_timestamp() FROM new_rows;
    ELSE
        -- A car's price after the update that it did not have before, numbered after the car's last entry (this
        -- statement holds the car's row lock, so no other writer of its history is between us and commit).
        INSERT INTO car_price_history (car_id, price, seq, changed_at)
        SELECT c.id, c.price,
               coalesce((SELECT max(h.seq) FROM car_price_history h WHERE h.car_id = c.id), 0) + 1,
               clock_timestamp()
          FROM (SELECT id, price
                  FROM (SELECT id, price, -1 AS n FROM old_rows
                        UNION ALL
                        SELECT id, price, 1 FROM new_rows) AS d
                 GROUP BY id, price
                HAVING sum(n) > 0) AS c;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION record_car_prices() IS
    'Trigger function (AFTER INSERT or UPDATE on cars, FOR EACH STATEMENT, transition tables): appends the price of '
    'each new car, and each changed price, to car_price_history, numbered per car (seq) under the car''s row lock, '
    'so the history''s order is the order the prices were set in.';
