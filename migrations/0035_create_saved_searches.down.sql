DROP TABLE saved_searches;
DROP FUNCTION saved_searches_within_limit();
DROP FUNCTION car_matches_filters(cars, search_filters);
DROP TYPE search_filters;
DROP TRIGGER cars_stamp_published ON cars;
DROP FUNCTION cars_stamp_published();
ALTER TABLE cars DROP COLUMN published_at;
