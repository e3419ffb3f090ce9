DROP TABLE car_price_ratings;
