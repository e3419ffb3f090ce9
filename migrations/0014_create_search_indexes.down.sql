DROP TRIGGER cars_count_deleted ON cars;
DROP TRIGGER cars_count_updated ON cars;
DROP TRIGGER cars_count_inserted ON cars;
DROP FUNCTION count_listings();
DROP TABLE listing_counts;
DROP INDEX cars_featured_idx, cars_filter_tags_idx, cars_search_idx, cars_listed_city_idx, cars_listed_make_price_idx,
    cars_listed_make_model_idx, cars_listed_year_idx, cars_listed_mileage_idx, cars_listed_price_idx,
    cars_listed_created_at_idx, cars_status_idx;
CREATE INDEX cars_status_created_at_id_idx ON cars (status, created_at DESC, id DESC);
