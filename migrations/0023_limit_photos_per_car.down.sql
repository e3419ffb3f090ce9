DROP TRIGGER car_photos_within_limit ON car_photos;
DROP FUNCTION car_photos_within_limit();
