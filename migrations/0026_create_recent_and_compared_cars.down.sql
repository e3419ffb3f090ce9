DROP TABLE compared_cars;
DROP TABLE recently_viewed;
DROP FUNCTION recently_viewed_keep_newest();
