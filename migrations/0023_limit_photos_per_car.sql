-- A listing holds at most 20 photos. Python counted first and inserted after, so three uploads at once stored 22
-- (and two inserts could pick the same position). The insert itself now refuses the 21st: a trigger takes the
-- car's row lock, so photo inserts for one car take turns, then counts and numbers the new photo.
CREATE FUNCTION car_photos_within_limit() RETURNS trigger
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    photos integer;
BEGIN
    -- REPEATABLE READ would count from a snapshot older than the lock and let a concurrent insert through.
    IF current_setting('transaction_isolation') = 'repeatable read' THEN
        RAISE EXCEPTION 'car photos are added under READ COMMITTED or SERIALIZABLE';
    END IF;
    -- Every insert for this car waits here for the previous one to commit. FOR NO KEY UPDATE does not block the
    -- foreign-key checks (FOR KEY SHARE) of other tables that point at the car.
    PERFORM 1 FROM cars WHERE id = NEW.car_id FOR NO KEY UPDATE;
    -- Under READ COMMITTED each statement of a VOLATILE function takes a new snapshot, so this sees the previous
    -- insert's commit; under SERIALIZABLE the read is predicate-locked and a concurrent insert fails with 40001.
    SELECT count(*), coalesce(max(position) + 1, 0) INTO photos, NEW.position
      FROM car_photos WHERE car_id = NEW.car_id;
    IF photos >= 20 THEN
        RAISE EXCEPTION 'a listing holds at most 20 photos'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'car_photos_limit', TABLE = 'car_photos';
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION car_photos_within_limit() IS
    'Before a photo is inserted: waits for the car''s row lock (so inserts for one car take turns), refuses the '
    '21st photo (check_violation, constraint car_photos_limit) and puts the new photo after the last one.';

CREATE TRIGGER car_photos_within_limit BEFORE INSERT ON car_photos
    FOR EACH ROW EXECUTE FUNCTION car_photos_within_limit();

COMMENT ON TRIGGER car_photos_within_limit ON car_photos IS
    'At most 20 photos a car, decided by the insert itself (car_photos_within_limit()).';
