DROP TRIGGER cars_record_updated_prices ON cars;
DROP TRIGGER cars_record_inserted_prices ON cars;
DROP FUNCTION record_car_prices();
DROP TABLE car_price_history;
ALTER TABLE cars
    DROP COLUMN filter_tags, DROP COLUMN search, DROP COLUMN view_count, DROP COLUMN deleted_at, DROP COLUMN featured,
    DROP COLUMN rejection_remark, DROP COLUMN seo_description, DROP COLUMN seo_title, DROP COLUMN specs,
    DROP COLUMN features, DROP COLUMN postcode, DROP COLUMN city, DROP COLUMN vin, DROP COLUMN condition,
    DROP CONSTRAINT cars_status_check;
UPDATE cars SET status = 'pending' WHERE status IN ('draft', 'rejected', 'withdrawn');
ALTER TABLE cars ALTER COLUMN status SET DEFAULT 'pending';
ALTER TABLE cars ADD CONSTRAINT cars_status_check CHECK (status IN ('pending', 'available', 'reserved', 'sold'));
