-- Reviews (issue 14) are of the seller, by a buyer whose order was completed or whose test drive was held, with the
-- car named. The old reviews table (0006, of cars, never written by any code) is replaced. The database keeps the
-- rules a race could break: the rating range, the text's length, one review per order, per held drive and per
-- buyer and car (a buyer who test-drove and then bought the car reviews once), one reply. seller_ratings is the
-- aggregate the car page and the search cards join by primary key; a trigger keeps it in the transaction of each
-- write, so it never drifts from the visible reviews.
DROP TABLE reviews;

CREATE TABLE reviews (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    author_name   text NOT NULL CONSTRAINT reviews_author_name_check CHECK (length(btrim(author_name)) BETWEEN 1 AND 100),
    car_id        bigint REFERENCES cars (id) ON DELETE SET NULL,
    car_title     text NOT NULL CONSTRAINT reviews_car_title_check CHECK (length(car_title) BETWEEN 1 AND 200),
    order_id      bigint REFERENCES orders (id) ON DELETE SET NULL,
    test_drive_id bigint REFERENCES test_drives (id) ON DELETE SET NULL,
    source        text NOT NULL CONSTRAINT reviews_source_check CHECK (source IN ('order', 'test_drive')),
    rating        smallint NOT NULL CONSTRAINT reviews_rating_check CHECK (rating BETWEEN 1 AND 5),
    body          text NOT NULL CONSTRAINT reviews_body_check CHECK (length(btrim(body)) BETWEEN 1 AND 2000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    edited_at     timestamptz,
    reply         text CONSTRAINT reviews_reply_check CHECK (length(btrim(reply)) BETWEEN 1 AND 2000),
    replied_at    timestamptz,
    hidden_at     timestamptz,
    hidden_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    hidden_reason text CONSTRAINT reviews_hidden_reason_check CHECK (length(btrim(hidden_reason)) BETWEEN 1 AND 500),
    CONSTRAINT reviews_author_not_seller_check CHECK (author_id <> seller_id),
    CONSTRAINT reviews_source_ref_check CHECK (
        (source = 'order' OR order_id IS NULL) AND (source = 'test_drive' OR test_drive_id IS NULL)),
    CONSTRAINT reviews_reply_check_pair CHECK ((reply IS NULL) = (replied_at IS NULL)),
    CONSTRAINT reviews_hidden_check CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL))
);
CREATE UNIQUE INDEX reviews_order_id_key ON reviews (order_id) WHERE order_id IS NOT NULL;
CREATE UNIQUE INDEX reviews_test_drive_id_key ON reviews (test_drive_id) WHERE test_drive_id IS NOT NULL;
CREATE UNIQUE INDEX reviews_author_car_key ON reviews (author_id, car_id) WHERE author_id IS NOT NULL AND car_id IS NOT NULL;
-- The seller page: visible reviews newest first (keyset over id).
CREATE INDEX reviews_seller_visible_idx ON reviews (seller_id, id DESC) WHERE hidden_at IS NULL;
-- The admins' list: every review newest first.
CREATE INDEX reviews_created_at_idx ON reviews (created_at DESC, id DESC);
CREATE INDEX reviews_car_id_idx ON reviews (car_id);
COMMENT ON TABLE reviews IS 'A buyer''s review of a seller after a completed order or a held test drive, with the car named; the seller replies once, admins hide abusive ones.';
COMMENT ON COLUMN reviews.car_title IS 'The car''s title when reviewed (kept when the listing goes).';
COMMENT ON COLUMN reviews.hidden_reason IS 'Why an admin hid it (told to the author); hidden reviews count in no rating.';
COMMENT ON INDEX reviews_author_car_key IS 'One review per buyer and car, whether it came from the order or a held test drive.';

CREATE TABLE seller_ratings (
    seller_id    bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    review_count integer NOT NULL DEFAULT 0 CONSTRAINT seller_ratings_review_count_check CHECK (review_count >= 0),
    rating_sum   integer NOT NULL DEFAULT 0 CONSTRAINT seller_ratings_rating_sum_check CHECK (rating_sum >= 0),
    stars_1      integer NOT NULL DEFAULT 0 CONSTRAINT seller_ratings_stars_1_check CHECK (stars_1 >= 0),
    stars_2      integer NOT NULL DEFAULT 0 CONSTRAINT seller_ratings_stars_2_check CHECK (stars_2 >= 0),
    stars_3      integer NOT NULL DEFAULT 0 CONSTRAINT seller_ratings_stars_3_check CHECK (stars_3 >= 0),
    stars_4      integer NOT NULL DEFAULT 0 CONSTRAINT seller_ratings_stars_4_check CHECK (stars_4 >= 0),
    stars_5      integer NOT NULL DEFAULT 0 CONSTRAINT seller_ratings_stars_5_check CHECK (stars_5 >= 0),
    average      numeric(3, 2) GENERATED ALWAYS AS (
                     CASE WHEN review_count > 0 THEN round(rating_sum::numeric / review_count, 2) END) STORED,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE seller_ratings IS 'Each seller''s visible reviews summed up (count, sum, stars per rating), kept by the reviews trigger.';

-- Add (sign 1) or take away (sign -1) one review's rating from its seller's row. Taking away is an UPDATE: an
-- INSERT ... ON CONFLICT checks the proposed row (negative counts) against the CHECK constraints first.
CREATE FUNCTION seller_ratings_add(p_seller_id bigint, p_rating smallint, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_sign > 0 THEN
        INSERT INTO seller_ratings AS s (seller_id, review_count, rating_sum, stars_1, stars_2, stars_3, stars_4,
                                         stars_5)
        VALUES (p_seller_id, 1, p_rating, (p_rating = 1)::int, (p_rating = 2)::int, (p_rating = 3)::int,
                (p_rating = 4)::int, (p_rating = 5)::int)
        ON CONFLICT (seller_id) DO UPDATE
           SET review_count = s.review_count + 1,
               rating_sum = s.rating_sum + excluded.rating_sum,
               stars_1 = s.stars_1 + excluded.stars_1,
               stars_2 = s.stars_2 + excluded.stars_2,
               stars_3 = s.stars_3 + excluded.stars_3,
               stars_4 = s.stars_4 + excluded.stars_4,
               stars_5 = s.stars_5 + excluded.stars_5,
               updated_at = now();
    ELSE
        UPDATE seller_ratings
           SET review_count = review_count - 1,
               rating_sum = rating_sum - p_rating,
               stars_1 = stars_1 - (p_rating = 1)::int,
               stars_2 = stars_2 - (p_rating = 2)::int,
               stars_3 = stars_3 - (p_rating = 3)::int,
               stars_4 = stars_4 - (p_rating = 4)::int,
               stars_5 = stars_5 - (p_rating = 5)::int,
               updated_at = now()
         WHERE seller_id = p_seller_id;
    END IF;
END;
$$;

CREATE FUNCTION reviews_keep_seller_ratings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.hidden_at IS NULL THEN
        PERFORM seller_ratings_add(OLD.seller_id, OLD.rating, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.hidden_at IS NULL THEN
        PERFORM seller_ratings_add(NEW.seller_id, NEW.rating, 1);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER reviews_keep_seller_ratings AFTER INSERT OR DELETE OR UPDATE OF rating, hidden_at, seller_id ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_keep_seller_ratings();
COMMENT ON TRIGGER reviews_keep_seller_ratings ON reviews IS 'Keeps seller_ratings equal to the sums over each seller''s visible reviews, in the writing transaction.';

-- The seller page's response figures read a seller's conversations of the last days: by seller and start.
DROP INDEX conversations_seller_id_idx;
CREATE INDEX conversations_seller_id_created_at_idx ON conversations (seller_id, created_at);
COMMENT ON FUNCTION seller_ratings_add(bigint, smallint, integer) IS 'Adds (sign 1) or takes away (sign -1) one review''s rating in its seller''s seller_ratings row.';
COMMENT ON FUNCTION reviews_keep_seller_ratings() IS 'The trigger function of reviews_keep_seller_ratings: a visible review counts in seller_ratings, a hidden one does not.';
-- Car pages and search cards show the seller's rating, and their validators are the listings data version.
CREATE TRIGGER seller_ratings_bump_listings AFTER INSERT OR DELETE OR UPDATE ON seller_ratings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('listings');
COMMENT ON TRIGGER seller_ratings_bump_listings ON seller_ratings IS 'Bumps the listings data version when a seller''s rating changes: car pages and search cards show it (bump_data_version).';
