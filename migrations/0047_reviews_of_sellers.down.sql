DROP INDEX conversations_seller_id_created_at_idx;
CREATE INDEX conversations_seller_id_idx ON conversations (seller_id);
DROP TRIGGER seller_ratings_bump_listings ON seller_ratings;
DROP TRIGGER reviews_keep_seller_ratings ON reviews;
DROP FUNCTION reviews_keep_seller_ratings();
DROP FUNCTION seller_ratings_add(bigint, smallint, integer);
DROP TABLE seller_ratings;
DROP TABLE reviews;
CREATE TABLE reviews (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    car_id      bigint NOT NULL REFERENCES cars (id) ON DELETE CASCADE,
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    author_name text NOT NULL CONSTRAINT reviews_author_name_check CHECK (length(btrim(author_name)) BETWEEN 1 AND 100),
    rating      smallint NOT NULL CONSTRAINT reviews_rating_check CHECK (rating BETWEEN 1 AND 5),
    comment     text NOT NULL DEFAULT '' CONSTRAINT reviews_comment_check CHECK (length(comment) <= 5000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reviews_car_id_user_id_key UNIQUE (car_id, user_id)
);
CREATE INDEX reviews_user_id_idx ON reviews (user_id);
