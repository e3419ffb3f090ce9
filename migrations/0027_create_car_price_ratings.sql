-- Market price ratings (great / good / fair / high price): each listed car's asking price against the median of
-- comparable listed cars. Computed set-based by the named query pricing.refresh (for every car at once, or one
-- make and model after a listing changes), never per page view; pages join this table by car id. A row rates the
-- price it names: when the car's price has changed since, pages show no verdict until the next refresh.
CREATE TABLE car_price_ratings (
    car_id      bigint PRIMARY KEY REFERENCES cars (id) ON DELETE CASCADE,
    price       numeric(12, 2) NOT NULL,
    rating      text CONSTRAINT car_price_ratings_rating_check CHECK (rating IN ('great', 'good', 'fair', 'high')),
    median      numeric(12, 2),
    difference  numeric(12, 2),
    comparables integer NOT NULL CONSTRAINT car_price_ratings_comparables_check CHECK (comparables >= 0),
    computed_at timestamptz NOT NULL DEFAULT now(),
    -- A verdict needs a median; "too few comparables" is a row without a rating.
    CONSTRAINT car_price_ratings_rated_check CHECK (rating IS NULL OR median IS NOT NULL)
);
