ALTER TABLE car_photos DROP COLUMN awaiting_review;
DROP TABLE listing_revisions;
